//! Minimum visible heights: per (site, cell), the lowest target height above ground that the
//! site sees at the cell, from one radial sweep; every altitude is then one comparison.
//!
//! A [`MinHeightMap`] stores, for every cell of the window its range disc touches, the value
//! `need = H·d − (ground − d²/(2kR) − za)` of the [viewshed](super::Viewshed) rule (a target
//! `h` m above the ground is visible iff `ground − d²/(2kR) − za + h ≥ H·d`), computed by the
//! same sweep, the same ray count and the same per-cell arithmetic as
//! [`Viewshed::compute_many_in_sector`](super::Viewshed::compute_many_in_sector) with one
//! target at the map's range. It is stored as an `f32` **rounded up** after adding a slack of
//! [`MIN_HEIGHT_SLACK_M`] plus 10⁻¹² of the magnitudes, so that
//! [`visible`](MinHeightMap::visible) is **conservative**: a cell it calls visible at height
//! `h` (0 ≤ h ≤ 10⁶ m) is visible in the viewshed at `h`; a cell the viewshed calls visible
//! is hidden here only when its margin is below that slack plus the `f32` rounding of `need`
//! (at most 2⁻²³ of it: under 1 mm for `need` below 8 km). Cells out of range (or outside the
//! sector) hold `+∞`: never visible.
//!
//! The map is keyed only by the site's identity (position, antenna height, refraction factor,
//! range, sector), the terrain and the grid ([`MinHeightCache`]), never by request history, so
//! a second evaluation of the same sites costs one comparison per cell and altitude.

use super::{
    disc_run, invalid, sweep_rays, to_fixed_cell, CellGround, SiteWindow, ViewshedSector,
    ViewshedTarget, Window, FLAT_NEAR2,
};
use crate::catalogue::EARTH_RADIUS_M;
use crate::demand::Grid;
use crate::error::{Error, Result};
use crate::terrain::Terrain;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Absolute slack, metres, added to every stored minimum height before rounding it up to
/// `f32` (covers the `f64` rounding of the viewshed rule for heights up to 10⁶ m with a wide
/// margin); a cell whose exact margin is below it may be called hidden (never the reverse).
pub const MIN_HEIGHT_SLACK_M: f64 = 1e-6;

/// Largest number of cells (4 bytes each) of one [`MinHeightMap`]'s window; checked before
/// allocating.
pub const MAX_MIN_HEIGHT_CELLS: u64 = 1 << 26;

/// The minimum visible target height above ground, per cell of an evaluation grid, seen from
/// one antenna; see the [module docs](self) for the rule and its (conservative) rounding.
///
/// # Examples
/// ```
/// use skycover::terrain::{synth, MinHeightMap, Terrain, Viewshed};
/// use skycover::Grid;
/// let grid = Grid::covering([-6_000.0, -6_000.0, 6_000.0, 6_000.0], 200.0, 1 << 20)?;
/// let extent = Grid::covering([-7_000.0, -7_000.0, 7_000.0, 7_000.0], 100.0, 1 << 20)?;
/// let terrain = Terrain::from_local_dem(&synth::cone(&extent, [3_000.0, 0.0], 200.0, 1_000.0)?)?;
/// let map = MinHeightMap::compute(&terrain, [0.0, 0.0], 10.0, 4.0 / 3.0, 5_500.0, &grid, None)?;
/// // behind the cone a low target is hidden, a high one is seen
/// assert!(!map.visible_at([5_000.0, 0.0], 20.0));
/// assert!(map.visible_at([5_000.0, 0.0], 1_000.0));
/// assert!(map.visible_at([-3_000.0, 0.0], 0.0)); // open ground to the west
/// // the same answers as the viewshed at 20 m
/// let vs = Viewshed::compute(&terrain, [0.0, 0.0], 10.0, 20.0, 4.0 / 3.0, 5_500.0, &grid)?;
/// for p in [[5_000.0, 0.0], [-3_000.0, 0.0], [3_000.0, 0.0], [0.0, 5_900.0]] {
///     assert_eq!(map.visible_at(p, 20.0), vs.visible_at(p));
/// }
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MinHeightMap {
    frame: SiteWindow,
    z: Vec<f32>,
    rays: usize,
}

/// The smallest `f32` at or above `need + slack` (0 when that is negative): the stored value.
#[inline(always)]
fn round_up(need: f64, h_dist: f64, base: f64) -> f32 {
    let v = need + MIN_HEIGHT_SLACK_M + 1e-12 * (h_dist.abs() + base.abs());
    if v.is_nan() {
        return f32::INFINITY;
    }
    if v <= 0.0 {
        return 0.0;
    }
    let f = v as f32;
    if f64::from(f) < v {
        // the next f32 up (f is positive and finite here; `f32::next_up` needs Rust 1.86)
        f32::from_bits(f.to_bits() + 1)
    } else {
        f
    }
}

/// The next `f32` below a finite `t` (`f32::next_down` needs Rust 1.86).
fn next_down(t: f32) -> f32 {
    if t > 0.0 {
        f32::from_bits(t.to_bits() - 1)
    } else if t == 0.0 {
        -f32::from_bits(1)
    } else {
        f32::from_bits(t.to_bits() + 1)
    }
}

impl MinHeightMap {
    /// The minimum visible heights of an antenna at `site` (local metres), `antenna_h` m
    /// above ground, refraction factor `k`, out to `max_range_m` of ground distance, on the
    /// cell centres of `grid`, restricted to `sector` (`None`: all round).
    ///
    /// # Parameters
    /// As [`Viewshed::compute_many_in_sector`](super::Viewshed::compute_many_in_sector) with
    /// one range instead of a list of targets.
    ///
    /// # Returns
    /// The map over the window of cells the range disc touches.
    ///
    /// # Complexity
    /// One sweep (as the viewshed's) plus O(1) per cell of the window, rows in parallel;
    /// memory 4 bytes per window cell.
    ///
    /// # Errors
    /// As [`Viewshed::compute`](super::Viewshed::compute), and [`Error::ResourceLimit`] when
    /// the window holds more than [`MAX_MIN_HEIGHT_CELLS`] cells.
    ///
    /// # Examples
    /// See [`MinHeightMap`].
    pub fn compute(
        terrain: &Terrain,
        site: [f64; 2],
        antenna_h: f64,
        k: f64,
        max_range_m: f64,
        grid: &Grid,
        sector: Option<ViewshedSector>,
    ) -> Result<MinHeightMap> {
        MinHeightMap::compute_shared(terrain, site, antenna_h, k, max_range_m, grid, sector, None)
    }

    /// [`compute`](Self::compute) reading the ground under the cells from `ground` (built
    /// over this terrain and `grid`): the same values.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn compute_shared(
        terrain: &Terrain,
        site: [f64; 2],
        antenna_h: f64,
        k: f64,
        max_range_m: f64,
        grid: &Grid,
        sector: Option<ViewshedSector>,
        ground: Option<&CellGround>,
    ) -> Result<MinHeightMap> {
        let ground = ground.filter(|g| g.grid == *grid && g.z.len() == grid.len());
        super::check_sweep_inputs("minimum-height", site, antenna_h, k, grid, sector.as_ref())?;
        if !(max_range_m.is_finite() && max_range_m >= 0.0) {
            return Err(invalid(
                "minimum-height range",
                format!("{max_range_m} must be finite and ≥ 0"),
            ));
        }
        let win = Window::new(grid, site, max_range_m);
        let frame = SiteWindow::new(grid, site, max_range_m, &win);
        if win.is_empty() {
            return Ok(MinHeightMap {
                frame,
                z: Vec::new(),
                rays: 0,
            });
        }
        let (w, h) = (frame.w, frame.h);
        let cells = w as u64 * h as u64;
        if cells > MAX_MIN_HEIGHT_CELLS {
            return Err(Error::ResourceLimit {
                what: "minimum-height map cells",
                requested: cells,
                limit: MAX_MIN_HEIGHT_CELLS,
                setting: "viewshed range or evaluation grid cell size",
            });
        }
        let two_kr = 2.0 * k * EARTH_RADIUS_M;
        let hz = match terrain {
            Terrain::Flat => None,
            Terrain::Raster(g) => Some(sweep_rays(
                g,
                site,
                antenna_h,
                two_kr,
                &win,
                grid,
                sector.as_ref(),
            )?),
        };
        let xs: Vec<f64> = (win.i0..win.i1).map(|i| grid.x(i)).collect();
        let near2 = hz.as_ref().map_or(FLAT_NEAR2, |hz| hz.near2);
        let mut z = vec![f32::INFINITY; w * h];
        z.par_chunks_mut(w).enumerate().for_each(|(b, row)| {
            let j = win.j0 + b;
            let y = grid.y(j);
            let dy = y - site[1];
            let dy2 = dy * dy;
            if dy2 > win.r2 {
                return;
            }
            let row_ground = ground.map(|g| &g.z[j * g.nx + win.i0..]);
            let py = hz
                .as_ref()
                .map_or(0, |hz| to_fixed_cell((y - hz.origin[1]) * hz.inv_cell));
            for (a, out) in row.iter_mut().enumerate() {
                let x = xs[a];
                let dx = x - site[0];
                let d2 = dx * dx + dy2;
                if d2 > win.r2 {
                    continue;
                }
                if sector.is_some_and(|sec| !sec.contains(dx, dy, d2, near2)) {
                    continue;
                }
                let Some(hz) = &hz else {
                    *out = 0.0; // flat terrain: every cell in range is visible
                    continue;
                };
                let sight = hz.sight(hz.cell_ground(row_ground, a, x, py), dx, dy, d2);
                *out = if sight.h_dist == f64::NEG_INFINITY {
                    0.0 // no sample before the cell: visible at every height
                } else {
                    round_up(sight.h_dist - sight.base, sight.h_dist, sight.base)
                };
            }
        });
        Ok(MinHeightMap {
            frame,
            z,
            rays: hz.as_ref().map_or(0, |hz| hz.rays),
        })
    }

    /// The stored minimum visible height at cell `(i, j)`, metres above ground (`+∞` outside
    /// the window, the range or the sector).
    #[inline]
    pub fn min_height(&self, i: usize, j: usize) -> f32 {
        self.frame
            .local(i, j)
            .map_or(f32::INFINITY, |(a, b)| self.z[b * self.frame.w + a])
    }

    /// True iff a target `height_agl_m` above the ground at cell `(i, j)` is visible
    /// (conservative: see the [module docs](self)); false for a NaN height.
    #[inline]
    pub fn visible(&self, i: usize, j: usize, height_agl_m: f64) -> bool {
        height_agl_m >= f64::from(self.min_height(i, j))
    }

    /// [`visible`](Self::visible) at the grid cell nearest to local point `p` (false outside
    /// the grid).
    pub fn visible_at(&self, p: [f64; 2], height_agl_m: f64) -> bool {
        self.frame
            .nearest(p)
            .is_some_and(|(i, j)| self.visible(i, j, height_agl_m))
    }

    /// The window of grid cells the range disc touches, `[i0, j0, i1, j1]` (half-open).
    pub fn window(&self) -> [usize; 4] {
        self.frame.bounds()
    }

    /// The evaluation grid.
    pub fn grid(&self) -> &Grid {
        &self.frame.grid
    }

    /// The antenna's position, local metres.
    pub fn site(&self) -> [f64; 2] {
        self.frame.site
    }

    /// The range out to which cells were evaluated, metres.
    pub fn max_range_m(&self) -> f64 {
        self.frame.max_range_m
    }

    /// Number of rays of the sweep (0 on flat terrain or an empty window): the same as a
    /// viewshed with this range.
    pub fn ray_count(&self) -> usize {
        self.rays
    }

    /// Heap size in bytes (for cache accounting).
    pub fn heap_bytes(&self) -> usize {
        self.z.len() * 4
    }
}

impl super::Viewshed {
    /// The viewshed of `target` read from `map` (one comparison per cell): the cells within
    /// the target's range (the viewshed's own range test) whose stored minimum height is at
    /// most the target's height. Conservative against the computed viewshed (see the
    /// [module docs](self)); the same rays when the map's range is the largest target range
    /// of the request (as [`Viewshed::compute_many`](super::Viewshed::compute_many) sweeps).
    ///
    /// Complexity: O(cells of the target's window).
    pub fn from_min_heights(map: &MinHeightMap, target: ViewshedTarget) -> super::Viewshed {
        let (grid, m) = (map.frame.grid, &map.frame);
        let win = Window::new(&grid, m.site, target.max_range_m);
        let frame = SiteWindow::new(&grid, m.site, target.max_range_m, &win);
        let (w, h) = (frame.w, frame.h);
        let stride = w.div_ceil(64);
        let mut bits = vec![0u64; stride * h];
        // `z ≤ t` on f32 is exactly `height ≥ f64::from(z)`: t is the largest f32 ≤ height
        let mut t = target.height_agl_m as f32;
        if f64::from(t) > target.height_agl_m {
            t = next_down(t);
        }
        if stride > 0 && !target.height_agl_m.is_nan() {
            let xs: Vec<f64> = (win.i0..win.i1).map(|i| grid.x(i)).collect();
            bits.par_chunks_mut(stride)
                .enumerate()
                .for_each(|(b, row)| {
                    let j = win.j0 + b;
                    let dy = grid.y(j) - m.site[1];
                    let dy2 = dy * dy;
                    if dy2 > win.r2 || j < m.j0 || j >= m.j0 + m.h {
                        return;
                    }
                    // the cells of this row within the target's range: the viewshed's own test
                    let (ra, rb) = disc_run(&xs, m.site[0], dy2, win.r2, 0, w);
                    // the map's row, from the target window's column 0 (the target window lies
                    // within the map's: same site, range at most the map's)
                    let off = win.i0.wrapping_sub(m.i0);
                    let base = (j - m.j0) * m.w;
                    let Some(zrow) = map.z.get(base + off.min(m.w)..base + m.w) else {
                        return;
                    };
                    let rb = rb.min(zrow.len());
                    let mut a = ra;
                    while a < rb {
                        let e = ((a / 64 + 1) * 64).min(rb);
                        let mut word = 0u64;
                        for (k, &v) in zrow[a..e].iter().enumerate() {
                            word |= u64::from(v <= t) << ((a + k) % 64);
                        }
                        row[a / 64] |= word;
                        a = e;
                    }
                });
        }
        super::Viewshed {
            frame,
            stride,
            bits,
            rays: map.rays,
        }
    }
}

/// Key of one [`MinHeightMap`] in a [`MinHeightCache`]: the bit patterns of the site position,
/// antenna height, refraction factor, range and sector (−0.0 folded into 0.0). A map is a pure
/// function of its key and the cache's terrain and grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MinHeightKey {
    site: [u64; 2],
    antenna: u64,
    k: u64,
    range: u64,
    sector: Option<[u64; 2]>,
}

impl MinHeightKey {
    /// The key of these arguments (see [`MinHeightMap::compute`]).
    pub fn new(
        site: [f64; 2],
        antenna_h: f64,
        k: f64,
        max_range_m: f64,
        sector: Option<ViewshedSector>,
    ) -> MinHeightKey {
        let b = |v: f64| (v + 0.0).to_bits();
        MinHeightKey {
            site: [b(site[0]), b(site[1])],
            antenna: b(antenna_h),
            k: b(k),
            range: b(max_range_m),
            sector: sector.map(|s| [b(s.start_rad), b(s.width_rad)]),
        }
    }
}

/// Default byte budget of a [`MinHeightCache`] (256 MiB).
pub const DEFAULT_MIN_HEIGHT_CACHE_BYTES: usize = 256 << 20;

#[derive(Debug, Default)]
struct MinHeightInner {
    map: HashMap<MinHeightKey, Arc<MinHeightMap>>,
    bytes: usize,
    hits: u64,
    misses: u64,
    declined: u64,
}

/// A thread-safe cache of [`MinHeightMap`]s over one terrain and one evaluation grid, keyed
/// only by [`MinHeightKey`] (site identity), shared by every request for the same sites.
///
/// **Budget**: a map is stored only while the cached maps stay within the byte budget; a map
/// that does not fit is computed and returned but **not stored** (counted in
/// [`stats`](Self::stats) as declined: the caller then pays a sweep again on the next request,
/// the answer is the same). Values never depend on the order of requests or on threads.
///
/// # Examples
/// ```
/// use skycover::terrain::{synth, MinHeightCache, Terrain};
/// use skycover::Grid;
/// use std::sync::Arc;
/// let grid = Grid::covering([0.0, 0.0, 10_000.0, 10_000.0], 250.0, 1 << 20)?;
/// let terrain = Terrain::from_local_dem(&synth::fractal(&grid, 3, 200.0, 0.7)?)?;
/// let cache = MinHeightCache::new(terrain, grid);
/// let a = cache.get([5_000.0, 5_000.0], 10.0, 4.0 / 3.0, 4_000.0, None)?;
/// let b = cache.get([5_000.0, 5_000.0], 10.0, 4.0 / 3.0, 4_000.0, None)?;
/// assert!(Arc::ptr_eq(&a, &b));
/// assert_eq!(cache.stats(), (1, 1, 0)); // one hit, one miss, none declined
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug)]
pub struct MinHeightCache {
    terrain: Terrain,
    grid: Grid,
    capacity_bytes: usize,
    inner: Mutex<MinHeightInner>,
    ground: std::sync::OnceLock<Option<CellGround>>,
}

impl MinHeightCache {
    /// An empty cache over `terrain` and `grid` with [`DEFAULT_MIN_HEIGHT_CACHE_BYTES`].
    pub fn new(terrain: Terrain, grid: Grid) -> MinHeightCache {
        MinHeightCache::with_capacity_bytes(terrain, grid, DEFAULT_MIN_HEIGHT_CACHE_BYTES)
    }

    /// An empty cache storing up to `capacity_bytes` of maps.
    pub fn with_capacity_bytes(terrain: Terrain, grid: Grid, capacity_bytes: usize) -> Self {
        MinHeightCache {
            terrain,
            grid,
            capacity_bytes,
            inner: Mutex::new(MinHeightInner::default()),
            ground: std::sync::OnceLock::new(),
        }
    }

    /// True when the cache serves maps over `terrain` (the same shared elevation grid, by
    /// identity) on `grid`.
    pub fn serves(&self, terrain: &Terrain, grid: &Grid) -> bool {
        let same = match (&self.terrain, terrain) {
            (Terrain::Flat, Terrain::Flat) => true,
            (Terrain::Raster(a), Terrain::Raster(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        same && self.grid == *grid
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MinHeightInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The map for these arguments (see [`MinHeightMap::compute`]), computed on first use and
    /// stored when it fits the budget. The lock is not held while computing.
    ///
    /// # Errors
    /// As [`MinHeightMap::compute`].
    pub fn get(
        &self,
        site: [f64; 2],
        antenna_h: f64,
        k: f64,
        max_range_m: f64,
        sector: Option<ViewshedSector>,
    ) -> Result<Arc<MinHeightMap>> {
        let key = MinHeightKey::new(site, antenna_h, k, max_range_m, sector);
        {
            let mut inner = self.lock();
            if let Some(m) = inner.map.get(&key).cloned() {
                inner.hits += 1;
                return Ok(m);
            }
        }
        let ground = self
            .ground
            .get_or_init(|| match &self.terrain {
                Terrain::Flat => None,
                Terrain::Raster(g) => CellGround::new(g, &self.grid),
            })
            .as_ref();
        let map = Arc::new(MinHeightMap::compute_shared(
            &self.terrain,
            site,
            antenna_h,
            k,
            max_range_m,
            &self.grid,
            sector,
            ground,
        )?);
        let mut inner = self.lock();
        inner.misses += 1;
        if let Some(m) = inner.map.get(&key).cloned() {
            return Ok(m);
        }
        let bytes = map.heap_bytes();
        if inner.bytes.saturating_add(bytes) <= self.capacity_bytes {
            inner.bytes += bytes;
            inner.map.insert(key, Arc::clone(&map));
        } else {
            inner.declined += 1;
        }
        Ok(map)
    }

    /// `(hits, misses, declined)`: requests served from the cache, computed, and computed but
    /// not stored for lack of budget.
    pub fn stats(&self) -> (u64, u64, u64) {
        let inner = self.lock();
        (inner.hits, inner.misses, inner.declined)
    }

    /// Bytes of the stored maps.
    pub fn cached_bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Number of stored maps.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// True when no map is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Viewshed, ViewshedTarget};
    use super::*;
    use crate::terrain::{line_of_sight, synth};

    /// Against the viewshed at several heights with the same range (same rays): never
    /// visible where the viewshed is hidden, and hidden where it is visible only for a
    /// handful of knife-edge cells; and against brute-force line of sight on the cone.
    #[test]
    fn conservative_against_viewsheds() {
        let grid = Grid::covering([-20_000.0, -20_000.0, 20_000.0, 20_000.0], 200.0, 1 << 22)
            .unwrap_or_else(|e| panic!("{e}"));
        let ext = Grid::covering([-21_000.0, -21_000.0, 21_000.0, 21_000.0], 100.0, 1 << 22)
            .unwrap_or_else(|e| panic!("{e}"));
        let terrain = Terrain::from_local_dem(
            &synth::fractal(&ext, 11, 300.0, 0.7).unwrap_or_else(|e| panic!("{e}")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let heights = [0.0, 10.0, 50.0, 300.0, 2_000.0];
        for (site, sector) in [
            ([0.0, 0.0], None),
            ([3_100.0, -7_700.0], None),
            (
                [-5_000.0, 4_000.0],
                Some(ViewshedSector {
                    start_rad: 1.0,
                    width_rad: 2.1,
                }),
            ),
        ] {
            let range = 18_000.0;
            let map = MinHeightMap::compute(&terrain, site, 12.0, 4.0 / 3.0, range, &grid, sector)
                .unwrap_or_else(|e| panic!("{e}"));
            let targets: Vec<ViewshedTarget> = heights
                .iter()
                .map(|&h| ViewshedTarget {
                    height_agl_m: h,
                    max_range_m: range,
                })
                .collect();
            let views = Viewshed::compute_many_in_sector(
                &terrain,
                site,
                12.0,
                4.0 / 3.0,
                &targets,
                &grid,
                sector,
            )
            .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(map.ray_count(), views[0].ray_count());
            let (mut agree, mut lost, mut vis) = (0usize, 0usize, 0usize);
            for (v, &h) in views.iter().zip(&heights) {
                for j in 0..grid.ny {
                    for i in 0..grid.nx {
                        let (a, b) = (map.visible(i, j, h), v.visible(i, j));
                        assert!(!a || b, "{site:?} cell {i},{j} at {h} m: visible only here");
                        agree += usize::from(a == b);
                        lost += usize::from(b && !a);
                        vis += usize::from(b);
                    }
                }
            }
            assert!(vis > 10_000, "not vacuous: {vis}");
            assert!(lost * 100_000 <= vis, "{lost} of {vis} visible cells lost");
            assert!(agree > 0);
        }
        // the cone: brute-force line of sight where the margin (a slope) exceeds the sweep's
        // documented horizon error (max slope 0.2 × π / 288 rays ≈ 2.2e-3)
        let cone = Terrain::from_local_dem(
            &synth::cone(&ext, [3_000.0, 0.0], 200.0, 1_000.0).unwrap_or_else(|e| panic!("{e}")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let map = MinHeightMap::compute(&cone, [0.0, 0.0], 10.0, 4.0 / 3.0, 9_000.0, &grid, None)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut checked = 0usize;
        for j in 0..grid.ny {
            for i in 0..grid.nx {
                let p = grid.centre(i, j);
                if p[0].hypot(p[1]) > 8_900.0 {
                    continue;
                }
                for h in [5.0, 40.0, 150.0] {
                    let margin =
                        crate::terrain::sight_margin(&cone, [0.0, 0.0], 10.0, p, h, 4.0 / 3.0);
                    if margin.abs() < 5e-3 {
                        continue;
                    }
                    checked += 1;
                    assert_eq!(
                        map.visible(i, j, h),
                        line_of_sight(&cone, [0.0, 0.0], 10.0, p, h, 4.0 / 3.0),
                        "cone cell {i},{j} at {h} m"
                    );
                }
            }
        }
        assert!(checked > 10_000, "{checked}");
    }

    /// Flat terrain: every cell in range visible at height 0; out of range never.
    #[test]
    fn flat_terrain_is_the_range_disc() {
        let grid = Grid::covering([-5_000.0, -5_000.0, 5_000.0, 5_000.0], 100.0, 1 << 20)
            .unwrap_or_else(|e| panic!("{e}"));
        let map = MinHeightMap::compute(
            &Terrain::Flat,
            [0.0, 0.0],
            5.0,
            4.0 / 3.0,
            3_000.0,
            &grid,
            None,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        for j in 0..grid.ny {
            for i in 0..grid.nx {
                let p = grid.centre(i, j);
                assert_eq!(
                    map.visible(i, j, 0.0),
                    p[0].hypot(p[1]) <= 3_000.0,
                    "{i},{j}"
                );
            }
        }
        assert!(!map.visible(0, 0, f64::NAN));
    }

    /// The budget: a map that does not fit is returned but not stored; same values.
    #[test]
    fn cache_declines_over_budget() {
        let grid = Grid::covering([0.0, 0.0, 10_000.0, 10_000.0], 250.0, 1 << 20)
            .unwrap_or_else(|e| panic!("{e}"));
        let terrain = Terrain::from_local_dem(
            &synth::fractal(&grid, 3, 200.0, 0.7).unwrap_or_else(|e| panic!("{e}")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let small = MinHeightCache::with_capacity_bytes(terrain.clone(), grid, 16);
        let big = MinHeightCache::new(terrain.clone(), grid);
        let a = small
            .get([5_000.0, 5_000.0], 10.0, 4.0 / 3.0, 4_000.0, None)
            .unwrap_or_else(|e| panic!("{e}"));
        let b = big
            .get([5_000.0, 5_000.0], 10.0, 4.0 / 3.0, 4_000.0, None)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(*a, *b);
        assert_eq!(small.stats(), (0, 1, 1));
        assert!(small.is_empty() && big.len() == 1);
        assert!(big.serves(&terrain, &grid) && !big.serves(&Terrain::Flat, &grid));
        let direct = MinHeightMap::compute(
            &terrain,
            [5_000.0, 5_000.0],
            10.0,
            4.0 / 3.0,
            4_000.0,
            &grid,
            None,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(*b, direct);
    }

    /// The conservative rounding: the stored value is never below `need + slack`, and the
    /// f32 threshold of a height is the largest f32 not above it.
    #[test]
    fn rounding_is_conservative() {
        for need in [
            -5.0,
            0.0,
            1e-9,
            0.1,
            1.0 / 3.0,
            12.345_678_9,
            8_191.999_9,
            1e7,
            3e38,
        ] {
            let f = round_up(need, need, 0.0);
            assert!(f64::from(f) >= need + MIN_HEIGHT_SLACK_M || need + MIN_HEIGHT_SLACK_M <= 0.0);
            assert!(f >= 0.0);
        }
        assert_eq!(round_up(f64::NAN, 0.0, 0.0), f32::INFINITY);
        for t in [-2.5f32, -0.0, 0.0, 1e-40, 0.3, 1.0, 7e37] {
            let d = next_down(t);
            assert!(d < t, "{t}");
        }
    }
}
