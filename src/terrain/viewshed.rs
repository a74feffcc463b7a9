//! Viewsheds: which evaluation-grid cells one antenna sees at one target height.
//!
//! # Algorithm: radial sweep with interpolated horizons
//!
//! Seen from the antenna (height `za` above sea level at the site), a terrain sample at
//! distance `d` has the elevation slope `s(d) = (h(d) − d²/(2kR) − za) / d` over the curved
//! Earth, and a target at distance `D` with height `zt` has `s_t = (zt − D²/(2kR) − za) / D`.
//! The target is visible iff `s_t ≥ H`, where the **horizon** `H` is the largest `s` over the
//! samples before it; this is exactly the [`line_of_sight`](super::line_of_sight) test
//! rewritten (the curvature term `d·(D − d)/(2kR)` splits into the two `d²` terms).
//!
//! 1. **Rays.** `N` rays leave the site at equal angles `2π/N`, with `N` chosen so that
//!    neighbouring rays are at most one evaluation cell apart at the largest range. Each ray
//!    is sampled at the reference's distances `d = m·step` (`step` = half a terrain cell),
//!    keeping the running maximum of `s`: the horizon profile `H_k(m)`. Rays stop where they
//!    leave the (padded) part of the grid that is evaluated.
//! 2. **Cells.** A cell at distance `D` and bearing `θ` uses the number `M` of reference
//!    samples before it (`m·step < D`), reads `H_k(M)` on the two rays that bracket `θ`, and
//!    interpolates linearly in angle. It is visible iff `s_t ≥ H`.
//!
//! **Cost**: at most `N · R / step ≈ 4πR² / (cell · terrain_cell)` samples for range `R` —
//! about four times the footprint's cell count when the terrain and evaluation cells are
//! equal — plus O(1) per footprint cell; usually much less (see *Skipping* below). Memory: at
//! most `4·N·R/step` bytes of horizons (8 MB for 100 km at 250 m), freed on return.
//!
//! **Skipping (exact)**: the terrain keeps the minimum and maximum elevation of every block
//! of 4 × 4 cells (the bilinear surface never leaves the range of its nodes). Rays are walked
//! in chunks of 16 samples; when the highest terrain under a chunk cannot give a slope above every lane's running maximum, the
//! chunk is not sampled (its horizons are the running maxima, unchanged), and when that holds
//! for the rest of the ray block, the block stops (lookups beyond clamp to its last horizon).
//! Within a sampled chunk, each lane skips the samples that cannot raise its own running
//! maximum: first against the chunk's highest terrain at that sample's distance, then against
//! the highest node of the 4 × 4-patch block under the sample (one load instead of the
//! bilinear's four); on fractal test terrain this leaves about two thirds of the samples.
//! Cells are decided by tiles of 32 × 32, then
//! 8 × 8 cells: from the tile's distance range, the rays that can bracket its bearings, their
//! horizons at the fewest and most samples before its cells and the ground bounds under it, a
//! tile is all visible or all hidden for a target when the bounds say so with a margin of
//! 1 mm; only undecided tiles are tested cell by cell. Both give exactly the bits of the plain
//! rule (a unit test compares them with a plain implementation).
//!
//! **Implementation notes**: rays are swept in blocks of 16 neighbours, sample index
//! outermost, walking the terrain in fixed-point cell coordinates (integer steps, no
//! float-to-int conversion per sample); horizons are stored tiled (ray block, sample, lane)
//! so that neighbouring rays at one distance share a cache line; cells are classified by
//! 32 × 32 tiles in bands of rows, so that a tile's horizon reads stay in cache. Ray blocks
//! and row bands run in parallel (rayon); every value is computed by exactly one task in a
//! fixed way, so the result does not depend on the number of threads.
//!
//! **Sectors (exact)**: a sector radar only covers cells within its azimuth sector, so its
//! viewsheds can be restricted to it ([`Viewshed::compute_many_in_sector`], with the padded
//! sector of [`site_viewshed_sector`](super::site_viewshed_sector)): only the ray blocks that
//! can bracket a cell in the sector are swept, tiles wholly outside it are skipped, tiles
//! across its edge are tested cell by cell. The ray count and every swept horizon are those of
//! the all-round sweep, so the cells in the sector get exactly its bits (a unit test compares
//! them); a 120° radar costs about a third of an all-round one.
//!
//! **Shared ground**: the ground under a cell centre does not depend on the site; evaluation
//! computes it once for all the cells of the demand grid and every sweep reads it (the
//! [`ViewshedCache`] keeps one for placement's many single-site requests). The value is the
//! one the per-cell test computes, by the same formula, so the bits do not change.
//!
//! **Approximation**: the reference samples lie on the segment to the cell, the sweep's on
//! the two bracketing rays, at the same distances but displaced sideways by at most
//! `d·|Δθ|`. If the terrain's slope is at most `L` ([`ElevationGrid::max_slope`]), each ray's
//! horizon is within `L·|θ − θ_k|` of the exact one, so the interpolated horizon is within
//! `L·(π/N + ε)` of it (`ε` = [`BEARING_ERROR_RAD`], the error of the computed bearing; f32
//! storage of horizons adds ~10⁻⁷ relative): a cell whose exact
//! [`sight_margin`](super::sight_margin) exceeds that in absolute value gets the reference's
//! answer. Closer calls can go either way; on rough fractal test terrain 99.5–100 % of all
//! cells agree, and on the synthetic ridge, cone and plateau all of them (`tests/terrain.rs`).
//! Beyond the terrain grid the elevation drops to 0 m, which the slope bound does not cover.
//!
//! On [`Terrain::Flat`] every cell within range is visible (the smooth-earth horizon is the
//! footprint's job), and nothing is sampled.

use super::{BilinearView, ElevationGrid, Terrain, FIXED_UNIT};
use crate::catalogue::EARTH_RADIUS_M;
use crate::demand::Grid;
use crate::error::{Error, Result};
use rayon::prelude::*;
use std::collections::{HashMap, VecDeque};
use std::f64::consts::TAU;
use std::sync::{Arc, Mutex};

mod min_height;
pub use min_height::{
    MinHeightCache, MinHeightKey, MinHeightMap, DEFAULT_MIN_HEIGHT_CACHE_BYTES,
    MAX_MIN_HEIGHT_CELLS, MIN_HEIGHT_SLACK_M,
};

/// Largest number of horizon samples (rays × samples per ray) one viewshed computation may
/// hold (4 bytes each); checked before allocating.
pub const MAX_VIEWSHED_SAMPLES: u64 = 1 << 28;

/// Relative tolerance on the range: cells at ground distance up to
/// `max_range_m · (1 + RANGE_TOLERANCE)` are evaluated, so that a range taken from
/// [`Footprint::max_ground_range_m`](crate::Footprint::max_ground_range_m) never drops a cell
/// the footprint covers because of rounding.
pub const RANGE_TOLERANCE: f64 = 1e-9;

/// Neighbouring rays are at most this many evaluation cells apart at the largest range.
const RIM_SPACING_CELLS: f64 = 1.0;

/// Rays are swept in blocks of this many (the ray count is a multiple of it).
const LANES: usize = 16;

/// Horizon of rays (or parts of rays) that were not swept: far below any real slope, and
/// finite so that interpolating with it needs no special case.
const NO_HORIZON: f32 = -1e30;

/// Rays walk in fixed-point cell coordinates when they stay within this many cells of the
/// terrain origin (so that cells × 2³² fits an i64 with room to spare).
const FIXED_SPAN: f64 = 1_073_741_824.0;

/// Cells are classified by square tiles of this many cells a side.
const TILE: usize = 32;

/// Tiles that cannot be decided as a whole are decided again by square pieces of this many
/// cells a side.
const SUB_TILE: usize = 8;

/// Rays are walked in chunks of this many samples; a chunk whose terrain cannot raise the
/// horizon is skipped.
const CHUNK: usize = 16;

/// Metres added to terrain maxima (and margins of tile decisions) to cover floating-point
/// rounding in bounds; far larger than any rounding error, far smaller than any terrain.
const RELIEF_SLACK: f64 = 1e-3;

/// One target layer of a viewshed computation: its height above ground and the range out to
/// which cells are evaluated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewshedTarget {
    /// Target height above the ground below it, metres (≥ 0).
    pub height_agl_m: f64,
    /// Largest ground distance from the site to evaluate, metres (≥ 0).
    pub max_range_m: f64,
}

/// An azimuth sector that restricts a viewshed computation
/// ([`Viewshed::compute_many_in_sector`]): the local-frame directions at angles
/// `start_rad ..= start_rad + width_rad`, counter-clockwise from the +x (east) axis.
///
/// Only the rays that can bracket a cell in the sector are swept and only those cells are
/// classified; every cell outside is not visible. Cells inside get exactly the bits of the
/// unrestricted computation (same rays, same horizons). A cell is inside when its bearing
/// from the site, as the sweep computes it (within [`BEARING_ERROR_RAD`]), lies in the
/// sector, or when it is within 1 m of the site; callers pad the sector by more than that
/// error (see [`site_viewshed_sector`](super::site_viewshed_sector)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewshedSector {
    /// First direction of the sector, radians counter-clockwise from +x (any finite value).
    pub start_rad: f64,
    /// Angular width, radians, in `[0, 2π)`; wider sectors are all-round (pass `None`).
    pub width_rad: f64,
}

impl ViewshedSector {
    /// True when a cell at offset `(dx, dy)` from the site, at squared distance `d2`, is in
    /// the sector (the per-cell rule; see the type docs).
    #[inline(always)]
    fn contains(&self, dx: f64, dy: f64, d2: f64, near2: f64) -> bool {
        d2 <= near2 || (fast_atan2(dy, dx) - self.start_rad).rem_euclid(TAU) <= self.width_rad
    }

    /// The rays `first, first + 1, …` (`count` of them, modulo `rays`) that can bracket a
    /// cell in the sector or be read by a tile decision about one (a few rays of margin);
    /// `None` when that is all of them.
    fn rays(&self, rays: usize) -> Option<(i64, i64)> {
        let per_rad = rays as f64 / TAU;
        let first = (self.start_rad.rem_euclid(TAU) * per_rad).floor() as i64 - 3;
        let count = (self.width_rad * per_rad).ceil() as i64 + 7;
        (count < rays as i64).then_some((first, count))
    }

    /// Where a tile of cell centres lies relative to the sector, decided for every cell of
    /// the tile by the per-cell rule ([`contains`](Self::contains)).
    fn fit(&self, tile: &TileBox, site: [f64; 2]) -> SectorFit {
        let (dx, dy) = (
            [tile.x[0] - site[0], tile.x[1] - site[0]],
            [tile.y[0] - site[1], tile.y[1] - site[1]],
        );
        // a tile around (or within a few metres of) the site: cell by cell
        if dx[0] <= 2.0 && dx[1] >= -2.0 && dy[0] <= 2.0 && dy[1] >= -2.0 {
            return SectorFit::Partial;
        }
        // the tile's bearings, relative to the sector's middle direction, from its corners
        // (a box not containing the site spans less than π, between two of its corners)
        let mid = self.start_rad + self.width_rad / 2.0;
        let centre = ((dy[0] + dy[1]) / 2.0).atan2((dx[0] + dx[1]) / 2.0);
        let wrap = |a: f64| (a + std::f64::consts::PI).rem_euclid(TAU) - std::f64::consts::PI;
        let c = wrap(centre - mid);
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for &x in &dx {
            for &y in &dy {
                let a = c + wrap(y.atan2(x) - centre);
                lo = lo.min(a);
                hi = hi.max(a);
            }
        }
        let margin = 4.0 * BEARING_ERROR_RAD + 1e-9;
        let half = self.width_rad / 2.0;
        if lo >= -half + margin && hi <= half - margin {
            return SectorFit::Inside;
        }
        // disjoint from the sector on both sides (angles in (−2π, 2π) around the middle)
        let out = |a_lo: f64, a_hi: f64| a_lo >= half + margin && a_hi <= TAU - half - margin;
        if out(lo, hi) || out(lo + TAU, hi + TAU) || out(lo - TAU, hi - TAU) {
            return SectorFit::Outside;
        }
        SectorFit::Partial
    }
}

/// Where a tile lies relative to a [`ViewshedSector`].
#[derive(Debug, Clone, Copy, PartialEq)]
enum SectorFit {
    /// every cell is in the sector
    Inside,
    /// no cell is
    Outside,
    /// cells must be tested one by one
    Partial,
}

/// The cells of an evaluation [`Grid`] visible from one antenna at one target height, within
/// a range. See the [module docs](self) for the algorithm and its accuracy.
///
/// Visibility is stored as a bitset over the window of grid cells that the range disc
/// touches; cells outside the window or beyond the range are not visible.
///
/// # Examples
/// ```
/// use skycover::terrain::{synth, Terrain, Viewshed};
/// use skycover::Grid;
/// let grid = Grid::covering([-6_000.0, -6_000.0, 6_000.0, 6_000.0], 200.0, 1 << 20)?;
/// // a 200 m cone 3 km east of a 10 m mast
/// let extent = Grid::covering([-7_000.0, -7_000.0, 7_000.0, 7_000.0], 100.0, 1 << 20)?;
/// let terrain = Terrain::from_local_dem(&synth::cone(&extent, [3_000.0, 0.0], 200.0, 1_000.0)?)?;
/// let vs = Viewshed::compute(&terrain, [0.0, 0.0], 10.0, 20.0, 4.0 / 3.0, 5_500.0, &grid)?;
/// assert!(vs.visible_at([-3_000.0, 0.0]));  // open ground to the west
/// assert!(!vs.visible_at([5_000.0, 0.0]));  // in the cone's shadow
/// assert!(vs.visible_at([3_000.0, 0.0]));   // on the cone's flank, facing the site
/// assert!(!vs.visible_at([0.0, 5_900.0]));  // out of range
/// let flat = Viewshed::compute(&Terrain::Flat, [0.0, 0.0], 10.0, 20.0, 4.0 / 3.0, 5_500.0, &grid)?;
/// assert!(flat.count_visible() > vs.count_visible());
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Viewshed {
    frame: SiteWindow,
    stride: usize,
    bits: Vec<u64>,
    rays: usize,
}

/// A window of grid cells `[i0, i1) × [j0, j1)` and the squared range.
#[derive(Debug, Clone, Copy)]
struct Window {
    i0: usize,
    i1: usize,
    j0: usize,
    j1: usize,
    r2: f64,
}

impl Window {
    fn new(grid: &Grid, site: [f64; 2], range: f64) -> Window {
        let r = range * (1.0 + RANGE_TOLERANCE);
        let c = grid.cell_m;
        let lo = |v: f64, n: usize| -> usize { (v / c).ceil().clamp(0.0, n as f64) as usize };
        let hi =
            |v: f64, n: usize| -> usize { ((v / c).floor() + 1.0).clamp(0.0, n as f64) as usize };
        let i0 = lo(site[0] - r - grid.origin[0], grid.nx);
        let i1 = hi(site[0] + r - grid.origin[0], grid.nx);
        let j0 = lo(site[1] - r - grid.origin[1], grid.ny);
        let j1 = hi(site[1] + r - grid.origin[1], grid.ny);
        Window {
            i0,
            i1: i1.max(i0),
            j0,
            j1: j1.max(j0),
            r2: r * r,
        }
    }

    fn is_empty(&self) -> bool {
        self.i0 >= self.i1 || self.j0 >= self.j1
    }
}

/// The frame of a per-site raster over an evaluation grid, shared by [`Viewshed`] and
/// [`MinHeightMap`]: the grid, the site, the range and the window of cells
/// `[i0, i0 + w) × [j0, j0 + h)` its range disc touches (row-major storage, `w` cells a row).
#[derive(Debug, Clone, Copy, PartialEq)]
struct SiteWindow {
    grid: Grid,
    site: [f64; 2],
    max_range_m: f64,
    i0: usize,
    j0: usize,
    w: usize,
    h: usize,
}

impl SiteWindow {
    /// The frame of `win` (the window of `site` at `max_range_m` on `grid`; no cells when it
    /// is empty).
    fn new(grid: &Grid, site: [f64; 2], max_range_m: f64, win: &Window) -> SiteWindow {
        let (w, h) = if win.is_empty() {
            (0, 0)
        } else {
            (win.i1 - win.i0, win.j1 - win.j0)
        };
        SiteWindow {
            grid: *grid,
            site,
            max_range_m,
            i0: win.i0,
            j0: win.j0,
            w,
            h,
        }
    }

    /// Column and row of grid cell `(i, j)` in the window; `None` outside it.
    #[inline(always)]
    fn local(&self, i: usize, j: usize) -> Option<(usize, usize)> {
        let (a, b) = (i.checked_sub(self.i0)?, j.checked_sub(self.j0)?);
        (a < self.w && b < self.h).then_some((a, b))
    }

    /// The grid cell nearest to local point `p`; `None` outside the grid.
    fn nearest(&self, p: [f64; 2]) -> Option<(usize, usize)> {
        let g = &self.grid;
        let fi = ((p[0] - g.origin[0]) / g.cell_m).round();
        let fj = ((p[1] - g.origin[1]) / g.cell_m).round();
        if !(fi >= 0.0 && fj >= 0.0) || fi >= g.nx as f64 || fj >= g.ny as f64 {
            return None;
        }
        Some((fi as usize, fj as usize))
    }

    /// `[i0, j0, i1, j1]` (half-open).
    fn bounds(&self) -> [usize; 4] {
        [self.i0, self.j0, self.i0 + self.w, self.j0 + self.h]
    }
}

/// Cell coordinate to fixed point (saturating far outside the terrain, where the elevation is
/// 0 anyway).
#[inline(always)]
fn to_fixed_cell(v: f64) -> i64 {
    (v.clamp(-FIXED_SPAN, FIXED_SPAN) / FIXED_UNIT) as i64
}

/// The ground under cell centre `x` (local metres) of a row at fixed-point terrain row
/// coordinate `py`: the one formula for a cell's ground, whether it is computed on the fly or
/// read from a [`CellGround`] (so both give the same bits).
#[inline(always)]
fn ground_at(view: &BilinearView<'_>, origin_x: f64, inv_cell: f64, x: f64, py: i64) -> f64 {
    view.at_fixed(to_fixed_cell((x - origin_x) * inv_cell), py)
}

/// Largest evaluation grid (cells) for which a [`CellGround`] is built (8 bytes a cell);
/// larger grids compute the ground of each cell on the fly, with the same bits.
pub(crate) const MAX_CELL_GROUND_CELLS: usize = 1 << 24;

/// The ground elevation under every cell centre of an evaluation grid, computed once and
/// shared by the viewsheds of many sites (it does not depend on the site): each value is
/// exactly what the per-cell test would compute.
#[derive(Debug)]
pub(crate) struct CellGround {
    grid: Grid,
    nx: usize,
    z: Vec<f64>,
}

impl CellGround {
    /// The ground under the cells of `grid` over `g`; `None` for a grid larger than
    /// [`MAX_CELL_GROUND_CELLS`] or with no cells.
    ///
    /// Complexity: O(cells), rows in parallel.
    pub(crate) fn new(g: &ElevationGrid, grid: &Grid) -> Option<CellGround> {
        let cells = grid.nx.checked_mul(grid.ny)?;
        if cells == 0 || cells > MAX_CELL_GROUND_CELLS {
            return None;
        }
        let view = g.view();
        let (origin, inv_cell) = (g.origin(), 1.0 / g.cell_m());
        let mut z = vec![0.0f64; cells];
        z.par_chunks_mut(grid.nx).enumerate().for_each(|(j, row)| {
            let py = to_fixed_cell((grid.y(j) - origin[1]) * inv_cell);
            for (i, v) in row.iter_mut().enumerate() {
                *v = ground_at(&view, origin[0], inv_cell, grid.x(i), py);
            }
        });
        Some(CellGround {
            grid: *grid,
            nx: grid.nx,
            z,
        })
    }
}

/// Horizon profiles of the rays from one site.
struct Horizons<'a> {
    view: BilinearView<'a>,
    terrain: &'a ElevationGrid,
    origin: [f64; 2],
    inv_cell: f64,
    rays: usize,
    rays_per_radian: f64,
    inv_step: f64,
    /// running maxima per block of [`LANES`] rays: sample index, then lane; a block stops
    /// where nothing further along can raise its horizons (lookups beyond clamp)
    blocks: Vec<Vec<f32>>,
    step: f64,
    /// squared radius around the site within which every cell counts as in a sector
    near2: f64,
    /// the antenna's height above sea level (ground at the site plus the mast)
    za: f64,
    /// `1 / (2kR)`: the curvature drop at distance `d` is `d² · inv_two_kr`
    inv_two_kr: f64,
}

/// The sight test of one cell, the one per-cell rule of the sweep (viewsheds and
/// minimum-height maps both use it): a target `h` m above the ground at the cell is visible
/// iff `base + h ≥ h_dist`, where `h_dist` is the interpolated horizon times the distance
/// (`−∞` when no sample lies before the cell: visible at every height) and `base` is the
/// ground minus the curvature drop and the antenna height.
#[derive(Debug, Clone, Copy)]
struct Sight {
    h_dist: f64,
    base: f64,
}

impl Horizons<'_> {
    /// Cell coordinate to fixed point (saturating far outside the terrain, where the
    /// elevation is 0 anyway).
    #[inline(always)]
    fn fixed(&self, v: f64) -> i64 {
        to_fixed_cell(v)
    }

    /// Interpolated horizon for a cell at angle fraction `f` in `[0, rays]` (in units of the
    /// ray spacing) with `m ≥ 1` samples before it (clamped to the samples swept);
    /// [`NO_HORIZON`] (no obstruction) on rays that were not swept.
    #[inline(always)]
    fn at(&self, f: f64, m: usize) -> f64 {
        let k = f as i64; // f ≥ 0: truncation is floor
        let t = f - k as f64;
        let mut k0 = k.max(0) as usize;
        if k0 >= self.rays {
            k0 -= self.rays;
        }
        let k1 = if k0 + 1 == self.rays { 0 } else { k0 + 1 };
        let (a, b) = if k1 == k0 + 1 && k0 % LANES != LANES - 1 {
            // both rays in one block: one lookup, neighbouring lanes of one stored row (the
            // values `get` reads)
            let block = &self.blocks[k0 / LANES];
            let stored = block.len() / LANES;
            if stored == 0 {
                (f64::from(NO_HORIZON), f64::from(NO_HORIZON))
            } else {
                let n = (m.min(stored).max(1) - 1) * LANES + k0 % LANES;
                (f64::from(block[n]), f64::from(block[n + 1]))
            }
        } else {
            (self.get(k0, m), self.get(k1, m))
        };
        a + (b - a) * t
    }

    /// The [`Sight`] test of the cell at offset `(dx, dy)` from the site, squared distance
    /// `d2 = dx² + dy²`, over `ground` (the ground under its centre, [`ground_at`]).
    #[inline(always)]
    fn sight(&self, ground: f64, dx: f64, dy: f64, d2: f64) -> Sight {
        let dist = d2.sqrt();
        let m = samples_before(dist, self.step, self.inv_step);
        // the horizon times the distance (s_t ≥ H, multiplied by dist > 0)
        let h_dist = if m == 0 {
            f64::NEG_INFINITY
        } else {
            self.at(fast_atan2(dy, dx) * self.rays_per_radian, m) * dist
        };
        Sight {
            h_dist,
            base: ground - d2 * self.inv_two_kr - self.za,
        }
    }

    /// The ground under cell centre `x` of column `u` of a row at fixed-point terrain row
    /// `py`: read from `row_ground` (that row of a [`CellGround`], from the same column 0)
    /// when there is one, computed by [`ground_at`] otherwise (the same bits).
    #[inline(always)]
    fn cell_ground(&self, row_ground: Option<&[f64]>, u: usize, x: f64, py: i64) -> f64 {
        match row_ground {
            Some(r) => r[u],
            None => ground_at(&self.view, self.origin[0], self.inv_cell, x, py),
        }
    }

    /// Bounds of the ground over a box of terrain cell coordinates.
    fn relief_range(&self, fx: [f64; 2], fy: [f64; 2]) -> (f64, f64) {
        let g = self.terrain;
        let (mx, my) = ((g.nx() - 1) as f64, (g.ny() - 1) as f64);
        g.relief().range_in(fx, fy, mx, my)
    }

    /// Horizon of ray `k < rays` with `m ≥ 1` samples before the cell (clamped to the samples
    /// swept); [`NO_HORIZON`] on a ray that was not swept.
    #[inline(always)]
    fn get(&self, k: usize, m: usize) -> f64 {
        let block = &self.blocks[k / LANES];
        let stored = block.len() / LANES;
        if stored == 0 {
            return f64::from(NO_HORIZON);
        }
        let m = m.min(stored) - 1;
        f64::from(block[m * LANES + k % LANES])
    }
}

/// Number of reference samples strictly before distance `dist` (`m ≥ 1`, `m·step < dist`),
/// computed exactly as [`line_of_sight`](super::line_of_sight) counts them (`inv_step` is
/// `1 / step`, used only for the first guess).
#[inline(always)]
fn samples_before(dist: f64, step: f64, inv_step: f64) -> usize {
    // The guess trunc(dist / step) is the count, or one more when dist is (nearly) a
    // multiple of step, or one less when rounding pushed it below a multiple: one check each
    // way makes it exact. Written without loops: a data-dependent `while` here gets
    // vectorised into a slow search. (i64: single-instruction conversions on x86-64.)
    let mut m = (dist * inv_step).min(1e15) as i64; // (no overflow below)
    m -= i64::from(m >= 1 && m as f64 * step >= dist);
    m += i64::from(((m + 1) as f64 * step) < dist);
    m.max(0) as usize
}

/// Largest error, in radians, of the bearing the sweep computes for a cell (a polynomial
/// arctangent; checked by a unit test). It adds `max_slope · BEARING_ERROR_RAD` to the
/// horizon error bound of the [module docs](self).
pub const BEARING_ERROR_RAD: f64 = 2e-5;

/// `atan2(y, x)` in `[0, 2π)` by octant reduction and a degree-11 odd polynomial: pure
/// arithmetic, within [`BEARING_ERROR_RAD`] of the exact angle.
#[inline(always)]
fn fast_atan2(y: f64, x: f64) -> f64 {
    use std::f64::consts::{FRAC_PI_2, PI};
    let (ax, ay) = (x.abs(), y.abs());
    let (num, den, swap) = if ay > ax {
        (ax, ay, true)
    } else {
        (ay, ax, false)
    };
    if den == 0.0 {
        return 0.0;
    }
    let q = num / den; // in [0, 1]
    let q2 = q * q;
    let mut a = q
        * (0.999_977_26
            + q2 * (-0.332_623_47
                + q2 * (0.193_543_46
                    + q2 * (-0.116_432_87 + q2 * (0.052_653_32 + q2 * -0.011_721_20)))));
    if swap {
        a = FRAC_PI_2 - a;
    }
    if x < 0.0 {
        a = PI - a;
    }
    if y < 0.0 {
        a = TAU - a;
    }
    if a >= TAU {
        a -= TAU;
    }
    a
}

fn invalid(what: &str, reason: String) -> Error {
    Error::InvalidInput {
        what: what.into(),
        reason,
    }
}

/// Checks the inputs every sweep shares (sector, site, antenna height, refraction factor, grid
/// cell size); `what` ("viewshed", "minimum-height") names the sector and site in the error.
pub(crate) fn check_sweep_inputs(
    what: &str,
    site: [f64; 2],
    antenna_h: f64,
    k: f64,
    grid: &Grid,
    sector: Option<&ViewshedSector>,
) -> Result<()> {
    if let Some(sec) = sector {
        if !(sec.start_rad.is_finite() && sec.width_rad >= 0.0 && sec.width_rad < TAU) {
            return Err(invalid(
                &format!("{what} sector"),
                format!(
                    "start {} must be finite and width {} in [0, 2π)",
                    sec.start_rad, sec.width_rad
                ),
            ));
        }
    }
    if !site[0].is_finite() || !site[1].is_finite() {
        return Err(invalid(
            &format!("{what} site"),
            format!("{site:?} is not finite"),
        ));
    }
    if !(antenna_h.is_finite() && antenna_h >= 0.0) {
        return Err(invalid(
            "antenna height",
            format!("{antenna_h} must be finite and ≥ 0"),
        ));
    }
    if !(k.is_finite() && k > 0.0) {
        return Err(invalid(
            "refraction factor k",
            format!("{k} must be finite and > 0"),
        ));
    }
    if !(grid.cell_m.is_finite() && grid.cell_m > 0.0) {
        return Err(invalid(
            "grid cell size",
            format!("{} must be finite and > 0", grid.cell_m),
        ));
    }
    Ok(())
}

impl Viewshed {
    /// The viewshed of an antenna at `site` (local metres), `antenna_h` m above ground, for
    /// targets `target_h_agl` m above the ground below them, out to `max_range_m` of ground
    /// distance, on the cell centres of `grid`, with refraction factor `k`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a non-finite site, negative or non-finite heights or
    /// range, or `k ≤ 0`; [`Error::ResourceLimit`] when the sweep would need more than
    /// [`MAX_VIEWSHED_SAMPLES`] horizon samples (a range far beyond the terrain cell size).
    ///
    /// Complexity: see the [module docs](self).
    pub fn compute(
        terrain: &Terrain,
        site: [f64; 2],
        antenna_h: f64,
        target_h_agl: f64,
        k: f64,
        max_range_m: f64,
        grid: &Grid,
    ) -> Result<Viewshed> {
        let mut v = Viewshed::compute_many(
            terrain,
            site,
            antenna_h,
            k,
            &[ViewshedTarget {
                height_agl_m: target_h_agl,
                max_range_m,
            }],
            grid,
        )?;
        v.pop()
            .ok_or_else(|| invalid("viewshed", "no result computed".into()))
    }

    /// The viewsheds of one antenna for several target layers at once (one per entry of
    /// `targets`, in order). The ray horizons depend only on the site, antenna and `k`, so
    /// they are swept once, out to the largest range, and shared by all layers.
    ///
    /// # Errors
    /// As [`compute`](Self::compute).
    pub fn compute_many(
        terrain: &Terrain,
        site: [f64; 2],
        antenna_h: f64,
        k: f64,
        targets: &[ViewshedTarget],
        grid: &Grid,
    ) -> Result<Vec<Viewshed>> {
        Viewshed::compute_many_in_sector(terrain, site, antenna_h, k, targets, grid, None)
    }

    /// [`compute_many`](Self::compute_many) restricted to an azimuth `sector` (`None`: all
    /// round): only the rays that can bracket a cell in the sector are swept and only those
    /// cells classified; cells in the sector get exactly the bits of the unrestricted
    /// computation, cells outside are not visible (see [`ViewshedSector`]). A sector radar's
    /// footprint only needs its own sector (padded), at a fraction of the cost.
    ///
    /// # Parameters
    /// As [`compute_many`](Self::compute_many), plus `sector`.
    ///
    /// # Returns
    /// One viewshed per target, in order.
    ///
    /// # Complexity
    /// That of [`compute_many`](Self::compute_many) times about the sector's share of the
    /// full circle (plus O(tiles of the window) to skip the others).
    ///
    /// # Errors
    /// As [`compute`](Self::compute), and [`Error::InvalidInput`] for a sector with a
    /// non-finite start or a width outside `[0, 2π)`.
    ///
    /// # Examples
    /// ```
    /// use skycover::terrain::{synth, Terrain, Viewshed, ViewshedSector, ViewshedTarget};
    /// use skycover::Grid;
    /// let grid = Grid::covering([-6_000.0, -6_000.0, 6_000.0, 6_000.0], 200.0, 1 << 20)?;
    /// let terrain = Terrain::from_local_dem(&synth::fractal(&grid, 5, 150.0, 0.7)?)?;
    /// let t = [ViewshedTarget { height_agl_m: 30.0, max_range_m: 5_500.0 }];
    /// let all = Viewshed::compute_many(&terrain, [0.0, 0.0], 10.0, 4.0 / 3.0, &t, &grid)?;
    /// // the quarter north-east of the site (0 to 90°, counter-clockwise from east)
    /// let ne = ViewshedSector { start_rad: 0.0, width_rad: std::f64::consts::FRAC_PI_2 };
    /// let part = Viewshed::compute_many_in_sector(&terrain, [0.0, 0.0], 10.0, 4.0 / 3.0, &t, &grid, Some(ne))?;
    /// assert_eq!(part[0].visible_at([3_000.0, 2_000.0]), all[0].visible_at([3_000.0, 2_000.0]));
    /// assert!(!part[0].visible_at([-1_000.0, 0.0]));
    /// assert!(part[0].count_visible() < all[0].count_visible());
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn compute_many_in_sector(
        terrain: &Terrain,
        site: [f64; 2],
        antenna_h: f64,
        k: f64,
        targets: &[ViewshedTarget],
        grid: &Grid,
        sector: Option<ViewshedSector>,
    ) -> Result<Vec<Viewshed>> {
        Viewshed::compute_many_shared(terrain, site, antenna_h, k, targets, grid, sector, None)
    }

    /// [`compute_many_in_sector`](Self::compute_many_in_sector) reading the ground under the
    /// cells from `ground` (built over this terrain and `grid`) instead of interpolating it:
    /// the same bits.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn compute_many_shared(
        terrain: &Terrain,
        site: [f64; 2],
        antenna_h: f64,
        k: f64,
        targets: &[ViewshedTarget],
        grid: &Grid,
        sector: Option<ViewshedSector>,
        ground: Option<&CellGround>,
    ) -> Result<Vec<Viewshed>> {
        // (only a ground built for this grid; the caller vouches for the terrain)
        let ground = ground.filter(|g| g.grid == *grid && g.z.len() == grid.len());
        check_sweep_inputs("viewshed", site, antenna_h, k, grid, sector.as_ref())?;
        for t in targets {
            if !(t.height_agl_m.is_finite() && t.height_agl_m >= 0.0) {
                return Err(invalid(
                    "target height",
                    format!("{} must be finite and ≥ 0", t.height_agl_m),
                ));
            }
            if !(t.max_range_m.is_finite() && t.max_range_m >= 0.0) {
                return Err(invalid(
                    "viewshed range",
                    format!("{} must be finite and ≥ 0", t.max_range_m),
                ));
            }
        }
        let windows: Vec<Window> = targets
            .iter()
            .map(|t| Window::new(grid, site, t.max_range_m))
            .collect();
        let mut out: Vec<Viewshed> = targets
            .iter()
            .zip(&windows)
            .map(|(t, w)| {
                let frame = SiteWindow::new(grid, site, t.max_range_m, w);
                let stride = frame.w.div_ceil(64);
                Viewshed {
                    frame,
                    stride,
                    bits: vec![0; stride * frame.h],
                    rays: 0,
                }
            })
            .collect();
        let live: Vec<usize> = (0..targets.len())
            .filter(|&n| !windows[n].is_empty())
            .collect();
        if live.is_empty() {
            return Ok(out);
        }
        let union = live.iter().fold(
            Window {
                i0: usize::MAX,
                i1: 0,
                j0: usize::MAX,
                j1: 0,
                r2: 0.0,
            },
            |u, &n| {
                let w = windows[n];
                Window {
                    i0: u.i0.min(w.i0),
                    i1: u.i1.max(w.i1),
                    j0: u.j0.min(w.j0),
                    j1: u.j1.max(w.j1),
                    r2: u.r2.max(w.r2),
                }
            },
        );
        let two_kr = 2.0 * k * EARTH_RADIUS_M;
        let inv_two_kr = 1.0 / two_kr;
        let horizons = match terrain {
            Terrain::Flat => None,
            Terrain::Raster(g) => Some(sweep_rays(
                g,
                site,
                antenna_h,
                two_kr,
                &union,
                grid,
                sector.as_ref(),
            )?),
        };
        let za = terrain.elevation(site[0], site[1]) + antenna_h;
        let heights: Vec<f64> = targets.iter().map(|t| t.height_agl_m).collect();
        let rays = horizons.as_ref().map_or(0, |h| h.rays);

        // Cells of the union window, by bands of TILE rows in parallel and, within a band,
        // by TILE × TILE tiles: a tile spans few rays and sample indices, so its horizon
        // reads stay in cache. Bits go to `all`: per band, per row, per live target, one
        // row of the union window.
        let nt = live.len();
        let (uw, uh) = (union.i1 - union.i0, union.j1 - union.j0);
        let ustride = uw.div_ceil(64);
        let band_words = TILE * nt * ustride;
        let mut all = vec![0u64; uh.div_ceil(TILE) * band_words];
        let xs: Vec<f64> = (union.i0..union.i1).map(|i| grid.x(i)).collect();
        // per live target: squared range, window rows, window columns relative to the union
        let lives: Vec<Live> = live
            .iter()
            .map(|&n| {
                let w = &windows[n];
                Live {
                    r2: w.r2,
                    j0: w.j0,
                    j1: w.j1,
                    u0: w.i0 - union.i0,
                    u1: w.i1 - union.i0,
                    height: heights[n],
                }
            })
            .collect();
        let (x0, c) = (grid.x(union.i0), grid.cell_m);
        all.par_chunks_mut(band_words)
            .enumerate()
            .for_each(|(band, chunk)| {
                let jb0 = union.j0 + band * TILE;
                let jb1 = (jb0 + TILE).min(union.j1);
                // per live target: its decision for the current tile
                let all_slots: Vec<usize> = (0..nt).collect();
                let mut state = vec![Decision::Mixed; nt];
                let mut sub_state = state.clone();
                let mut vis: Vec<usize> = Vec::with_capacity(nt);
                let mut mixed: Vec<usize> = Vec::with_capacity(nt);
                let mut whole: Vec<usize> = Vec::with_capacity(nt);
                let mut part: Vec<usize> = Vec::with_capacity(nt);
                let mut row_mixed: Vec<usize> = Vec::with_capacity(nt);
                for t0 in (0..uw).step_by(TILE) {
                    let t1 = (t0 + TILE).min(uw);
                    state.fill(Decision::Mixed);
                    let tile = TileBox {
                        x: [xs[t0], xs[t1 - 1]],
                        y: [grid.y(jb0), grid.y(jb1 - 1)],
                    };
                    // the sector (on raster terrain; flat terrain is masked at the end)
                    let fit = match (&sector, &horizons) {
                        (Some(sec), Some(_)) => sec.fit(&tile, site),
                        _ => SectorFit::Inside,
                    };
                    if fit == SectorFit::Outside {
                        continue;
                    }
                    if let Some(hz) = &horizons {
                        decide_tile(hz, &tile, site, za, inv_two_kr, &lives, &mut state);
                        if fit == SectorFit::Partial {
                            demote_visible(&mut state);
                        }
                    }
                    // an undecided tile is decided again by SUB_TILE × SUB_TILE pieces
                    let refine = horizons.is_some() && state.contains(&Decision::Mixed);
                    let side = if refine { SUB_TILE } else { TILE };
                    for (sj0, su0) in (jb0..jb1)
                        .step_by(side)
                        .flat_map(|a| (t0..t1).step_by(side).map(move |b| (a, b)))
                    {
                        let (sj1, su1) = ((sj0 + side).min(jb1), (su0 + side).min(t1));
                        sub_state.copy_from_slice(&state);
                        let mut sub_fit = fit;
                        if let (true, Some(hz)) = (refine, &horizons) {
                            let tile = TileBox {
                                x: [xs[su0], xs[su1 - 1]],
                                y: [grid.y(sj0), grid.y(sj1 - 1)],
                            };
                            if let (SectorFit::Partial, Some(sec)) = (fit, &sector) {
                                sub_fit = sec.fit(&tile, site);
                                if sub_fit == SectorFit::Outside {
                                    continue;
                                }
                            }
                            decide_tile(hz, &tile, site, za, inv_two_kr, &lives, &mut sub_state);
                            if sub_fit == SectorFit::Partial {
                                demote_visible(&mut sub_state);
                            }
                        }
                        // cells of a tile across the sector's edge are tested one by one
                        let cut = match (sub_fit, &sector) {
                            (SectorFit::Partial, Some(sec)) => Some(sec),
                            _ => None,
                        };
                        vis.clear();
                        mixed.clear();
                        for (slot, d) in sub_state.iter().enumerate() {
                            match d {
                                Decision::Visible => vis.push(slot),
                                Decision::Mixed => mixed.push(slot),
                                Decision::Hidden => {}
                            }
                        }
                        if vis.is_empty() && mixed.is_empty() {
                            continue;
                        }
                        // targets decided visible whose range and window hold the whole
                        // piece: every row gets the run `su0..su1` (the per-cell range test
                        // is largest at a corner: the computed `dx`, `dy` are monotone in the
                        // cell position and the sum of squares in `|dx|`, `|dy|`), which is
                        // what the row-by-row runs would give
                        let runs: &[usize] = if horizons.is_some() { &vis } else { &all_slots };
                        whole.clear();
                        part.clear();
                        for &slot in runs {
                            let t = &lives[slot];
                            let inside = sj0 >= t.j0
                                && sj1 <= t.j1
                                && su0 >= t.u0
                                && su1 <= t.u1
                                && [sj0, sj1 - 1].iter().all(|&j| {
                                    let dy = grid.y(j) - site[1];
                                    [su0, su1 - 1].iter().all(|&u| {
                                        let dx = xs[u] - site[0];
                                        dx * dx + dy * dy <= t.r2
                                    })
                                });
                            if inside {
                                whole.push(slot);
                            } else {
                                part.push(slot);
                            }
                        }
                        for &slot in &whole {
                            for j in sj0..sj1 {
                                let w = (j - jb0) * nt * ustride + slot * ustride;
                                set_bits(&mut chunk[w..w + ustride], su0, su1);
                            }
                        }
                        if part.is_empty() && mixed.is_empty() {
                            continue;
                        }
                        for j in sj0..sj1 {
                            let y = grid.y(j);
                            let dy = y - site[1];
                            let dy2 = dy * dy;
                            if dy2 > union.r2 {
                                continue;
                            }
                            // columns of this tile row that can be in range (exact test below)
                            let half = (union.r2 - dy2).sqrt();
                            // (truncation of a value clamped at 0 is its floor; `+ 2` bounds
                            // the ceiling plus one: no libm calls in this loop)
                            let ua = (((site[0] - half - x0) / c).max(0.0) as usize).max(su0);
                            let ub =
                                ((((site[0] + half - x0) / c).max(-2.0) + 2.0) as usize).min(su1);
                            if ua >= ub {
                                continue;
                            }
                            let row_base = (j - jb0) * nt * ustride;
                            // the other targets decided visible here (all of them on flat
                            // terrain): the run of cells of this row within their range
                            for &slot in &part {
                                let t = &lives[slot];
                                if j < t.j0 || j >= t.j1 {
                                    continue;
                                }
                                let (a, b) =
                                    disc_run(&xs, site[0], dy2, t.r2, ua.max(t.u0), ub.min(t.u1));
                                let w = row_base + slot * ustride;
                                set_bits(&mut chunk[w..w + ustride], a, b);
                            }
                            let Some(hz) = &horizons else {
                                continue;
                            };
                            if mixed.is_empty() {
                                continue;
                            }
                            let mut set = |slot: usize, u: usize| {
                                chunk[row_base + slot * ustride + u / 64] |= 1u64 << (u % 64);
                            };
                            // the mixed targets whose window holds this row
                            row_mixed.clear();
                            row_mixed.extend(
                                mixed
                                    .iter()
                                    .copied()
                                    .filter(|&s| j >= lives[s].j0 && j < lives[s].j1),
                            );
                            if row_mixed.is_empty() {
                                continue;
                            }
                            let in_target =
                                |t: &Live, d2: f64, u: usize| d2 <= t.r2 && u >= t.u0 && u < t.u1;
                            let py = hz.fixed((y - hz.origin[1]) * hz.inv_cell);
                            // the ground of this row's cells, precomputed or not
                            let row_ground = ground.map(|g| &g.z[j * g.nx + union.i0..]);
                            for (u, &x) in xs.iter().enumerate().take(ub).skip(ua) {
                                let dx = x - site[0];
                                let d2 = dx * dx + dy2;
                                if d2 > union.r2 {
                                    continue;
                                }
                                if cut.is_some_and(|sec| !sec.contains(dx, dy, d2, hz.near2)) {
                                    continue;
                                }
                                // (read only for cells that are tested)
                                let ground = hz.cell_ground(row_ground, u, x, py);
                                let sight = hz.sight(ground, dx, dy, d2);
                                for &slot in &row_mixed {
                                    let t = &lives[slot];
                                    if in_target(t, d2, u) && sight.base + t.height >= sight.h_dist
                                    {
                                        set(slot, u);
                                    }
                                }
                            }
                        }
                    }
                }
            });
        // crop each target to its own window
        for (slot, &n) in live.iter().enumerate() {
            let w = windows[n];
            let v = &mut out[n];
            for j in w.j0..w.j1 {
                let r = j - union.j0;
                let src = (r / TILE) * band_words + ((r % TILE) * nt + slot) * ustride;
                let dst = (j - w.j0) * v.stride;
                copy_bits(
                    &all[src..src + ustride],
                    w.i0 - union.i0,
                    v.frame.w,
                    &mut v.bits[dst..dst + v.stride],
                );
            }
        }
        for v in &mut out {
            v.rays = rays;
        }
        if let (Some(sec), None) = (&sector, &horizons) {
            // flat terrain: the range discs, cut to the sector cell by cell
            for v in &mut out {
                let f = v.frame;
                for b in 0..f.h {
                    let dy = grid.y(f.j0 + b) - site[1];
                    for a in 0..f.w {
                        let dx = grid.x(f.i0 + a) - site[0];
                        if !sec.contains(dx, dy, dx * dx + dy * dy, FLAT_NEAR2) {
                            v.bits[b * v.stride + a / 64] &= !(1u64 << (a % 64));
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// True iff cell `(i, j)` of the grid is visible (false outside the grid or the range).
    #[inline]
    pub fn visible(&self, i: usize, j: usize) -> bool {
        self.frame
            .local(i, j)
            .is_some_and(|(a, b)| self.bits[b * self.stride + a / 64] >> (a % 64) & 1 == 1)
    }

    /// Visibility of the grid cell nearest to local point `p` (false outside the grid).
    pub fn visible_at(&self, p: [f64; 2]) -> bool {
        self.frame
            .nearest(p)
            .is_some_and(|(i, j)| self.visible(i, j))
    }

    /// Calls `emit(a, b)` for each maximal run `a..b` of visible cells of row `j` within
    /// `i_start..i_end`, in increasing order: use it to intersect a footprint's row spans
    /// ([`Footprint::row_spans`](crate::Footprint::row_spans)) with the viewshed.
    ///
    /// Complexity: O(1 + (i_end − i_start)/64 + runs).
    pub fn visible_runs(
        &self,
        j: usize,
        i_start: usize,
        i_end: usize,
        mut emit: impl FnMut(usize, usize),
    ) {
        let f = &self.frame;
        if j < f.j0 || j >= f.j0 + f.h {
            return;
        }
        let lo = i_start.max(f.i0);
        let hi = i_end.min(f.i0 + f.w);
        if lo >= hi {
            return;
        }
        let row = &self.bits[(j - f.j0) * self.stride..(j - f.j0 + 1) * self.stride];
        let (mut a, end) = (lo - f.i0, hi - f.i0);
        // find runs of ones in bit positions [a, end)
        let word_from = |pos: usize, ones: bool| -> usize {
            // first position ≥ pos whose bit != ones (or end)
            let mut p = pos;
            while p < end {
                let w = row[p / 64];
                let w = if ones { !w } else { w };
                let masked = w >> (p % 64);
                if masked != 0 {
                    return (p + masked.trailing_zeros() as usize).min(end);
                }
                p = (p / 64 + 1) * 64;
            }
            end
        };
        while a < end {
            let s = word_from(a, false);
            if s >= end {
                break;
            }
            let e = word_from(s, true);
            emit(s + f.i0, e + f.i0);
            a = e;
        }
    }

    /// Number of visible cells.
    pub fn count_visible(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The window of grid cells the range disc touches, `[i0, j0, i1, j1]` (half-open);
    /// every visible cell lies in it.
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

    /// Number of rays of the sweep (0 on flat terrain or when no cell was in range): rays
    /// are `2π / ray_count` apart, so the horizon error is at most `max_slope · π /
    /// ray_count` (see the [module docs](self)).
    pub fn ray_count(&self) -> usize {
        self.rays
    }

    /// Approximate heap size in bytes (for cache accounting).
    pub fn heap_bytes(&self) -> usize {
        self.bits.len() * 8
    }
}

/// One live target of a viewshed computation: squared range, window rows, window columns
/// relative to the union window, height above ground.
struct Live {
    r2: f64,
    j0: usize,
    j1: usize,
    u0: usize,
    u1: usize,
    height: f64,
}

/// Tile decisions [`Decision::Visible`] become [`Decision::Mixed`] (a tile across a sector's
/// edge: its cells outside the sector must stay hidden).
fn demote_visible(state: &mut [Decision]) {
    for d in state.iter_mut() {
        if *d == Decision::Visible {
            *d = Decision::Mixed;
        }
    }
}

/// Squared radius (m²) around the site within which every cell counts as in a
/// [`ViewshedSector`] on flat terrain (on raster terrain: the smaller of this and the square
/// of the sample step, so that such cells read no ray).
const FLAT_NEAR2: f64 = 1.0;

/// What a tile of cells is, for one target.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Decision {
    /// every cell of the tile in the target's range is visible
    Visible,
    /// no cell of the tile is visible
    Hidden,
    /// cells must be tested one by one
    Mixed,
}

/// The cell centres of a tile: `x = [min, max]`, `y = [min, max]`, local metres.
struct TileBox {
    x: [f64; 2],
    y: [f64; 2],
}

/// Decides a tile of cells for every live target at once, from bounds that hold for every
/// cell of the tile: its distance range `[d_lo, d_hi]` from the site, the bearings it spans
/// (so the rays that can bracket its cells), the terrain's block bounds on the ground under
/// it, and the horizons of those rays at the fewest and most samples before its cells.
/// A cell is visible iff `ground − d²/(2kR) − za + height ≥ H·d` (see
/// [`Viewshed::compute_many`]); the tile is [`Decision::Visible`] for a target when the
/// smallest left side exceeds the largest right side by [`RELIEF_SLACK`], and
/// [`Decision::Hidden`] in the opposite case or when it is out of the target's range. A
/// decided tile gets exactly the bits the per-cell test would give.
fn decide_tile(
    hz: &Horizons<'_>,
    tile: &TileBox,
    site: [f64; 2],
    za: f64,
    inv_two_kr: f64,
    lives: &[Live],
    state: &mut [Decision],
) {
    let (dx, dy) = (
        [tile.x[0] - site[0], tile.x[1] - site[0]],
        [tile.y[0] - site[1], tile.y[1] - site[1]],
    );
    let near = |d: [f64; 2]| {
        if d[0] > 0.0 {
            d[0]
        } else if d[1] < 0.0 {
            -d[1]
        } else {
            0.0
        }
    };
    let far = |d: [f64; 2]| d[0].abs().max(d[1].abs());
    let d_lo = near(dx).hypot(near(dy)) * (1.0 - 1e-12);
    let d_hi = far(dx).hypot(far(dy)) * (1.0 + 1e-12);
    for (t, st) in lives.iter().zip(state.iter_mut()) {
        if *st == Decision::Mixed && d_lo * d_lo > t.r2 {
            *st = Decision::Hidden;
        }
    }
    // too close to the site for a narrow fan of rays (or m = 0 inside): test cell by cell
    if d_lo
        <= 4.0
            * hz.step
                .max((tile.x[1] - tile.x[0]).max(tile.y[1] - tile.y[0]))
    {
        return;
    }
    // bearings of the corners around the centre's, then the rays that can bracket them
    // (the sweep's own arctangent: the box does not hold the site here, so no corner nor
    // the centre is at it; its error is covered by `pad` below)
    let centre = fast_atan2((dy[0] + dy[1]) / 2.0, (dx[0] + dx[1]) / 2.0);
    let (mut a_lo, mut a_hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &x in &dx {
        for &y in &dy {
            let mut a = fast_atan2(y, x) - centre;
            if a > std::f64::consts::PI {
                a -= TAU;
            } else if a < -std::f64::consts::PI {
                a += TAU;
            }
            a_lo = a_lo.min(a);
            a_hi = a_hi.max(a);
        }
    }
    // a cell's computed bearing is within ε of its true one, which lies between the true
    // corner bearings, each within ε of the computed ones: 2ε, plus one for rounding
    let pad = 3.0 * BEARING_ERROR_RAD + 1e-9;
    let f_lo = ((centre + a_lo - pad) * hz.rays_per_radian).floor() as i64 - 1;
    let f_hi = ((centre + a_hi + pad) * hz.rays_per_radian).floor() as i64 + 2;
    let n = hz.rays as i64;
    let span = (f_hi - f_lo + 1).min(n);
    let m_lo = samples_before(d_lo, hz.step, hz.inv_step).saturating_sub(1);
    let m_hi = samples_before(d_hi, hz.step, hz.inv_step) + 1;
    let (mut h_lo, mut h_hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for k in f_lo..f_lo + span {
        let k = k.rem_euclid(n) as usize;
        h_hi = h_hi.max(hz.get(k, m_hi.max(1)));
        if m_lo >= 1 {
            h_lo = h_lo.min(hz.get(k, m_lo));
        }
    }
    // ground bounds under the tile (cell coordinates of the terrain, a little padded)
    let e = 1e-6;
    let fx = [
        (tile.x[0] - hz.origin[0]) * hz.inv_cell - e,
        (tile.x[1] - hz.origin[0]) * hz.inv_cell + e,
    ];
    let fy = [
        (tile.y[0] - hz.origin[1]) * hz.inv_cell - e,
        (tile.y[1] - hz.origin[1]) * hz.inv_cell + e,
    ];
    let (g_lo, g_hi) = hz.relief_range(fx, fy);
    // largest and smallest H·d over the tile
    let rhs_hi = if h_hi >= 0.0 {
        h_hi * d_hi
    } else {
        h_hi * d_lo
    };
    let rhs_lo = if m_lo == 0 {
        f64::NEG_INFINITY
    } else if h_lo >= 0.0 {
        h_lo * d_lo
    } else {
        h_lo * d_hi
    };
    let lhs_lo = g_lo - d_hi * d_hi * inv_two_kr - za;
    let lhs_hi = g_hi - d_lo * d_lo * inv_two_kr - za;
    for (t, st) in lives.iter().zip(state.iter_mut()) {
        if *st != Decision::Mixed {
            continue;
        }
        let slack = RELIEF_SLACK + 1e-9 * (lhs_lo.abs() + lhs_hi.abs() + t.height + rhs_hi.abs());
        if lhs_lo + t.height - slack >= rhs_hi {
            *st = Decision::Visible;
        } else if rhs_lo.is_finite() && lhs_hi + t.height + slack < rhs_lo {
            *st = Decision::Hidden;
        }
    }
}

/// The run `[a, b)` of columns in `lo..hi` whose cells satisfy `dx² + dy2 ≤ r2`, with
/// `dx = xs[u] − sx` computed as the per-cell test computes it (`xs` increasing). The cells
/// inside form one run because `dx²` is convex in `u`; it is found by binary searches that
/// evaluate exactly that test, so it holds exactly the cells the test accepts.
///
/// Fast path: when both end columns are inside, all are (the computed `dx` is monotone in
/// `u`, its square monotone in `|dx|`, so every column between has a test value at most the
/// larger end's), and the whole of `lo..hi` is returned after two tests.
fn disc_run(xs: &[f64], sx: f64, dy2: f64, r2: f64, lo: usize, hi: usize) -> (usize, usize) {
    if lo >= hi {
        return (lo, lo);
    }
    let inside = |u: usize| {
        let dx = xs[u] - sx;
        dx * dx + dy2 <= r2
    };
    if inside(lo) && inside(hi - 1) {
        return (lo, hi);
    }
    // the column nearest to the centre
    let p = lo + xs[lo..hi].partition_point(|&x| x < sx);
    let c = if p >= hi || (p > lo && sx - xs[p - 1] <= xs[p] - sx) {
        p - 1
    } else {
        p
    };
    if !inside(c) {
        // the nearest column is out, so are the others (up to rounding: check the neighbours)
        let (l, r) = (c.saturating_sub(1).max(lo), (c + 1).min(hi - 1));
        let c2 = [l, r].into_iter().find(|&u| inside(u));
        let Some(c) = c2 else { return (lo, lo) };
        return disc_run_from(&inside, c, lo, hi);
    }
    disc_run_from(&inside, c, lo, hi)
}

/// The maximal run around column `c` (inside) of columns in `lo..hi` that are `inside`.
fn disc_run_from(
    inside: &impl Fn(usize) -> bool,
    c: usize,
    lo: usize,
    hi: usize,
) -> (usize, usize) {
    // first inside column in lo..=c: outside before, inside after
    let (mut a, mut b) = (lo, c);
    while a < b {
        let m = a + (b - a) / 2;
        if inside(m) {
            b = m;
        } else {
            a = m + 1;
        }
    }
    let start = a;
    // first outside column in c + 1..hi
    let (mut a, mut b) = (c + 1, hi);
    while a < b {
        let m = a + (b - a) / 2;
        if inside(m) {
            a = m + 1;
        } else {
            b = m;
        }
    }
    (start, a)
}

/// Sets bits `a..b` of `words`.
fn set_bits(words: &mut [u64], a: usize, b: usize) {
    if a >= b {
        return;
    }
    let (wa, wb) = (a / 64, (b - 1) / 64);
    let lo_mask = !0u64 << (a % 64);
    let hi_mask = !0u64 >> (63 - (b - 1) % 64);
    if wa == wb {
        words[wa] |= lo_mask & hi_mask;
        return;
    }
    words[wa] |= lo_mask;
    for w in &mut words[wa + 1..wb] {
        *w = !0;
    }
    words[wb] |= hi_mask;
}

/// Copies bits `off..off + len` of `src` to bits `0..len` of `dst` (which must hold them).
fn copy_bits(src: &[u64], off: usize, len: usize, dst: &mut [u64]) {
    let (q, r) = (off / 64, off % 64);
    for (k, d) in dst.iter_mut().enumerate().take(len.div_ceil(64)) {
        let lo = src.get(q + k).copied().unwrap_or(0) >> r;
        let hi = if r == 0 {
            0
        } else {
            src.get(q + k + 1).copied().unwrap_or(0) << (64 - r)
        };
        let mut word = lo | hi;
        let remaining = len - 64 * k;
        if remaining < 64 {
            word &= (1u64 << remaining) - 1;
        }
        *d = word;
    }
}

/// Sweeps the rays for all cells of `union` and returns their horizon profiles.
///
/// Rays are walked in chunks of [`CHUNK`] samples. Before sampling a chunk, the largest
/// elevation under it (from the terrain's block maxima) bounds the slope of every sample in
/// it; when that bound cannot exceed any lane's running maximum, the chunk is skipped (its
/// horizons are the running maxima, unchanged), and when the same holds for the rest of the
/// ray block, the block stops there (lookups beyond clamp to its last horizon). The horizons
/// are therefore exactly those of sampling every chunk.
fn sweep_rays<'g>(
    g: &'g ElevationGrid,
    site: [f64; 2],
    antenna_h: f64,
    two_kr: f64,
    union: &Window,
    grid: &Grid,
    sector: Option<&ViewshedSector>,
) -> Result<Horizons<'g>> {
    let step = g.cell_m() / 2.0;
    // the evaluated cells' box, padded so that rays bracketing a corner cell reach it
    let pad = 2.0 * grid.cell_m + 2.0 * step;
    let bx0 = grid.x(union.i0) - pad;
    let bx1 = grid.x(union.i1 - 1) + pad;
    let by0 = grid.y(union.j0) - pad;
    let by1 = grid.y(union.j1 - 1) + pad;
    // rays need not reach beyond the range nor beyond the box's farthest corner
    let far = (site[0] - bx0)
        .abs()
        .max((site[0] - bx1).abs())
        .hypot((site[1] - by0).abs().max((site[1] - by1).abs()));
    let r_max = union.r2.sqrt().min(far);
    // sizes in floating point first: nothing may overflow before the limit check
    let per_ray_f = (r_max / step).ceil() + 1.0;
    let rays_f = ((TAU * r_max / (grid.cell_m * RIM_SPACING_CELLS)) / LANES as f64)
        .ceil()
        .max(1.0)
        * LANES as f64;
    let total_f = per_ray_f * rays_f;
    if total_f.is_nan() || total_f > MAX_VIEWSHED_SAMPLES as f64 {
        return Err(Error::ResourceLimit {
            what: "viewshed horizon samples",
            requested: total_f.min(u64::MAX as f64) as u64,
            limit: MAX_VIEWSHED_SAMPLES,
            setting:
                "terrain cell size or viewshed range (coarsen the terrain or shorten the range)",
        });
    }
    let per_ray = samples_before(r_max, step, 1.0 / step) + 1;
    let rays = rays_f as usize;
    let za = g.elevation(site[0], site[1]) + antenna_h;
    // per sample index: 1/d and the curvature drop plus the antenna height
    let dist = |m: usize| (m + 1) as f64 * step;
    let inv: Vec<f64> = (0..per_ray).map(|m| 1.0 / dist(m)).collect();
    let drop: Vec<f64> = (0..per_ray)
        .map(|m| dist(m) * dist(m) / two_kr + za)
        .collect();
    let inv_cell = 1.0 / g.cell_m();
    let view = g.view();
    let relief = g.relief();
    let patch_top = relief.patch_top();
    let (mx, my) = ((g.nx() - 1) as f64, (g.ny() - 1) as f64);
    let fx0 = (site[0] - g.origin()[0]) * inv_cell;
    let fy0 = (site[1] - g.origin()[1]) * inv_cell;
    // Largest slope any sample m0..m1 can have under terrain at most `top` metres high:
    // (top − drop[m]) / d[m], whose numerator falls with m; `RELIEF_SLACK` covers rounding.
    let slope_bound = |top: f64, m0: usize, m1: usize| -> f64 {
        let num = top + RELIEF_SLACK - drop[m0];
        if num >= 0.0 {
            num * inv[m0]
        } else {
            num * inv[m1 - 1]
        }
    };
    // Rays are swept in blocks of LANES neighbours, sample index outermost: the lanes read
    // neighbouring terrain and write one cache line per sample index.
    // with a sector, only the blocks holding one of its rays are swept
    let wanted = sector.and_then(|s| s.rays(rays));
    let blocks: Vec<Vec<f32>> = (0..rays / LANES)
        .into_par_iter()
        .map(|b| {
            if let Some((first, count)) = wanted {
                let n = rays as i64;
                let hit = (0..LANES as i64)
                    .any(|l| ((b * LANES) as i64 + l - first).rem_euclid(n) < count);
                if !hit {
                    return Vec::new();
                }
            }
            let mut dfx = [0.0f64; LANES];
            let mut dfy = [0.0f64; LANES];
            let mut len = 0usize;
            for l in 0..LANES {
                let theta = TAU * (b * LANES + l) as f64 / rays as f64;
                let (s, c) = theta.sin_cos();
                dfx[l] = step * c * inv_cell;
                dfy[l] = step * s * inv_cell;
                // distance at which the ray leaves the box for good (slab method)
                let mut t_out = r_max * (1.0 + RANGE_TOLERANCE);
                let mut t_in = 0.0f64;
                let mut misses = false;
                for (p, dir, lo, hi) in [(site[0], c, bx0, bx1), (site[1], s, by0, by1)] {
                    if dir.abs() < 1e-300 {
                        misses |= p < lo || p > hi;
                    } else {
                        let (a, b) = ((lo - p) / dir, (hi - p) / dir);
                        t_in = t_in.max(a.min(b));
                        t_out = t_out.min(a.max(b));
                    }
                }
                if !misses && t_out >= t_in && t_out > 0.0 {
                    let n = samples_before(t_out, step, 1.0 / step).saturating_add(1);
                    len = len.max(n.min(per_ray));
                }
            }
            // per chunk: the highest terrain under the lanes' samples of that chunk
            let n_chunks = len.div_ceil(CHUNK);
            // the lanes' extreme steps: for a sample count n > 0, `f0 + n·d` is monotone in
            // `d`, so the box of every lane's chunk ends is that of the extreme lanes' (the
            // same floating-point values)
            let ext = |d: &[f64; LANES]| {
                d.iter().fold([f64::INFINITY, f64::NEG_INFINITY], |a, &v| {
                    [a[0].min(v), a[1].max(v)]
                })
            };
            let (ex, ey) = (ext(&dfx), ext(&dfy));
            let chunk_top: Vec<f64> = (0..n_chunks)
                .map(|c| {
                    let (n0, n1) = ((c * CHUNK + 1) as f64, ((c + 1) * CHUNK).min(len) as f64);
                    let (mut x, mut y) = (
                        [f64::INFINITY, f64::NEG_INFINITY],
                        [f64::INFINITY, f64::NEG_INFINITY],
                    );
                    for n in [n0, n1] {
                        let (xa, xb) = (fx0 + n * ex[0], fx0 + n * ex[1]);
                        let (ya, yb) = (fy0 + n * ey[0], fy0 + n * ey[1]);
                        x = [x[0].min(xa), x[1].max(xb)];
                        y = [y[0].min(ya), y[1].max(yb)];
                    }
                    // a little margin for the rounding of the walk's positions
                    let e = 1e-6 * (1.0 + x[1].abs().max(x[0].abs()) + y[1].abs().max(y[0].abs()));
                    relief
                        .range_in([x[0] - e, x[1] + e], [y[0] - e, y[1] + e], mx, my)
                        .1
                })
                .collect();
            // suffix maxima: the highest terrain under the rest of the block
            let mut rest_top = chunk_top.clone();
            for c in (0..n_chunks.saturating_sub(1)).rev() {
                rest_top[c] = rest_top[c].max(rest_top[c + 1]);
            }
            let mut out: Vec<f32> = Vec::with_capacity(len * LANES);
            let mut best = [f64::NEG_INFINITY; LANES];
            // Walk in fixed-point cell coordinates (cells × 2³², exact integer steps) when
            // the whole ray fits comfortably in i64; otherwise in floating point.
            let far = (len + 1) as f64 * step * inv_cell;
            let fixed_ok = fx0.abs() + far < FIXED_SPAN && fy0.abs() + far < FIXED_SPAN;
            let to_fixed = |v: f64| (v / FIXED_UNIT).round() as i64;
            let mut px = [to_fixed(fx0); LANES];
            let mut py = [to_fixed(fy0); LANES];
            let dpx: [i64; LANES] = std::array::from_fn(|l| to_fixed(dfx[l]));
            let dpy: [i64; LANES] = std::array::from_fn(|l| to_fixed(dfy[l]));
            for c in 0..n_chunks {
                let (m0, m1) = (c * CHUNK, ((c + 1) * CHUNK).min(len));
                let floor = best.iter().fold(f64::INFINITY, |a, &b| a.min(b));
                if slope_bound(rest_top[c], m0, len) <= floor {
                    break; // nothing further along can raise any lane's horizon
                }
                if slope_bound(chunk_top[c], m0, m1) <= floor {
                    // nothing in this chunk can: the horizons stay as they are
                    let row: [f32; LANES] = std::array::from_fn(|l| best[l] as f32);
                    for _ in m0..m1 {
                        out.extend_from_slice(&row);
                    }
                    let n = (m1 - m0) as i64;
                    for l in 0..LANES {
                        px[l] += dpx[l] * n;
                        py[l] += dpy[l] * n;
                    }
                    continue;
                }
                // the highest terrain under the chunk bounds every sample's slope: a lane
                // whose running maximum is already at that bound keeps it without sampling
                // (the bound is rounded the way the slope is, so the skip is exact)
                let top = chunk_top[c] + RELIEF_SLACK;
                for m in m0..m1 {
                    let (dr, iv) = (drop[m], inv[m]);
                    let bound = (top - dr) * iv;
                    let mut row = [0f32; LANES];
                    if fixed_ok {
                        for l in 0..LANES {
                            px[l] += dpx[l];
                            py[l] += dpy[l];
                            if bound > best[l] {
                                // the highest node of the patch's relief block bounds the
                                // sample the same way, tighter
                                let near = match (&patch_top, view.patch_of_fixed(px[l], py[l])) {
                                    (Some(t), Some((i, j))) => {
                                        (t.at(i, j) + RELIEF_SLACK - dr) * iv > best[l]
                                    }
                                    _ => true,
                                };
                                if near {
                                    let slope = (view.at_fixed(px[l], py[l]) - dr) * iv;
                                    if slope > best[l] {
                                        best[l] = slope;
                                    }
                                }
                            }
                            row[l] = best[l] as f32;
                        }
                    } else {
                        let n = (m + 1) as f64; // sample m is at distance (m + 1)·step
                        for l in 0..LANES {
                            if bound > best[l] {
                                let z = view.at(fx0 + n * dfx[l], fy0 + n * dfy[l]);
                                let slope = (z - dr) * iv;
                                if slope > best[l] {
                                    best[l] = slope;
                                }
                            }
                            row[l] = best[l] as f32;
                        }
                    }
                    out.extend_from_slice(&row);
                }
            }
            out
        })
        .collect();
    Ok(Horizons {
        view,
        terrain: g,
        origin: g.origin(),
        inv_cell,
        rays,
        rays_per_radian: rays as f64 / TAU,
        inv_step: 1.0 / step,
        blocks,
        step,
        near2: FLAT_NEAR2.min(step * step),
        za,
        inv_two_kr: 1.0 / two_kr,
    })
}

/// Cache key of one viewshed: the bit patterns of the site position, antenna height, target
/// height, refraction factor, range, **sweep range** (the largest range of the request it
/// was computed in, which sets the ray count) and [`ViewshedSector`] (if any; a function of
/// the site's class and facing), with −0.0 folded into 0.0.
///
/// A viewshed is a pure function of its key (and the cache's terrain and grid): the same key
/// gives the same bits whatever was asked before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ViewshedKey {
    site: [u64; 2],
    antenna: u64,
    target: u64,
    k: u64,
    range: u64,
    sweep: u64,
    /// start and width of the [`ViewshedSector`] (both `u64::MAX` all round)
    sector: [u64; 2],
}

impl ViewshedKey {
    /// The key of [`Viewshed::compute`]'s arguments (terrain and grid excepted: a cache
    /// serves one terrain and one grid).
    pub fn new(
        site: [f64; 2],
        antenna_h: f64,
        target_h_agl: f64,
        k: f64,
        max_range_m: f64,
    ) -> Self {
        let b = |v: f64| (v + 0.0).to_bits();
        ViewshedKey {
            site: [b(site[0]), b(site[1])],
            antenna: b(antenna_h),
            target: b(target_h_agl),
            k: b(k),
            range: b(max_range_m),
            sweep: b(max_range_m),
            sector: [u64::MAX; 2],
        }
    }

    /// This key for a viewshed restricted to `sector`
    /// ([`Viewshed::compute_many_in_sector`]; `None`: all round, as [`new`](Self::new)).
    pub fn with_sector(mut self, sector: Option<ViewshedSector>) -> Self {
        self.sector = sector.map_or([u64::MAX; 2], |s| {
            [(s.start_rad + 0.0).to_bits(), (s.width_rad + 0.0).to_bits()]
        });
        self
    }

    /// This key for a viewshed computed in a request whose largest range is `sweep_range_m`
    /// ([`Viewshed::compute_many`] sweeps its rays for that range).
    pub fn with_sweep_range(mut self, sweep_range_m: f64) -> Self {
        self.sweep = (sweep_range_m + 0.0).to_bits();
        self
    }
}

/// Default capacity of a [`ViewshedCache`]: 256 MiB of visibility bits.
pub const DEFAULT_CACHE_BYTES: usize = 256 << 20;

#[derive(Debug, Default)]
struct CacheInner {
    map: HashMap<ViewshedKey, Arc<Viewshed>>,
    order: VecDeque<ViewshedKey>,
    bytes: usize,
    hits: u64,
    misses: u64,
}

/// A thread-safe cache of viewsheds over one terrain and one evaluation grid, keyed by
/// [`ViewshedKey`].
///
/// Values are pure functions of their key (and the cache's terrain and grid), so results do
/// not depend on the order of requests, on eviction, or on the number of threads. When the
/// cached bitsets exceed the capacity, the oldest entries are dropped (first in, first out).
///
/// # Examples
/// ```
/// use skycover::terrain::{synth, Terrain, ViewshedCache};
/// use skycover::Grid;
/// use std::sync::Arc;
/// let grid = Grid::covering([0.0, 0.0, 10_000.0, 10_000.0], 250.0, 1 << 20)?;
/// let terrain = Terrain::from_local_dem(&synth::fractal(&grid, 3, 200.0, 0.7)?)?;
/// let cache = ViewshedCache::new(terrain, grid);
/// let a = cache.get([5_000.0, 5_000.0], 10.0, 50.0, 4.0 / 3.0, 4_000.0)?;
/// let b = cache.get([5_000.0, 5_000.0], 10.0, 50.0, 4.0 / 3.0, 4_000.0)?;
/// assert!(Arc::ptr_eq(&a, &b));
/// assert_eq!(cache.stats(), (1, 1)); // one hit, one miss
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug)]
pub struct ViewshedCache {
    terrain: Terrain,
    grid: Grid,
    capacity_bytes: usize,
    inner: Mutex<CacheInner>,
    /// the ground under the grid's cells, built on first use (shared by every sweep)
    ground: std::sync::OnceLock<Option<CellGround>>,
}

impl ViewshedCache {
    /// An empty cache for viewsheds over `terrain` on `grid`, holding up to
    /// [`DEFAULT_CACHE_BYTES`].
    pub fn new(terrain: Terrain, grid: Grid) -> ViewshedCache {
        ViewshedCache::with_capacity_bytes(terrain, grid, DEFAULT_CACHE_BYTES)
    }

    /// An empty cache holding up to `capacity_bytes` of visibility bitsets (at least the most
    /// recent entry is always kept).
    pub fn with_capacity_bytes(terrain: Terrain, grid: Grid, capacity_bytes: usize) -> Self {
        ViewshedCache {
            terrain,
            grid,
            capacity_bytes,
            inner: Mutex::new(CacheInner::default()),
            ground: std::sync::OnceLock::new(),
        }
    }

    /// The terrain the cache serves.
    pub fn terrain(&self) -> &Terrain {
        &self.terrain
    }

    /// The evaluation grid the cache serves.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// True when the cache serves viewsheds over `terrain` (the same shared elevation grid,
    /// compared by identity, not by value) on `grid`: evaluation and placement use a cache
    /// only then.
    pub fn serves(&self, terrain: &Terrain, grid: &Grid) -> bool {
        let same = match (&self.terrain, terrain) {
            (Terrain::Flat, Terrain::Flat) => true,
            (Terrain::Raster(a), Terrain::Raster(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        same && self.grid == *grid
    }

    /// The ground under the grid's cells (built on first use; `None` on flat terrain or a
    /// grid too large for it).
    pub(crate) fn ground(&self) -> Option<&CellGround> {
        self.ground
            .get_or_init(|| match &self.terrain {
                Terrain::Flat => None,
                Terrain::Raster(g) => CellGround::new(g, &self.grid),
            })
            .as_ref()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        // a panic elsewhere while holding the lock cannot leave the map inconsistent
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The viewshed for these arguments (see [`Viewshed::compute`]), computed on first use.
    ///
    /// The lock is not held while computing: two threads asking for the same new key may
    /// both compute it; the first to finish is kept and returned to both.
    ///
    /// # Errors
    /// As [`Viewshed::compute`].
    pub fn get(
        &self,
        site: [f64; 2],
        antenna_h: f64,
        target_h_agl: f64,
        k: f64,
        max_range_m: f64,
    ) -> Result<Arc<Viewshed>> {
        let mut v = self.get_many(
            site,
            antenna_h,
            k,
            &[ViewshedTarget {
                height_agl_m: target_h_agl,
                max_range_m,
            }],
        )?;
        v.pop()
            .ok_or_else(|| invalid("viewshed", "no result computed".into()))
    }

    /// The viewsheds of one antenna for several target layers (see
    /// [`Viewshed::compute_many`]); those not cached yet are computed together, with the
    /// request's longest target, so that every result has the rays of the request's sweep
    /// range (part of its [`ViewshedKey`]) whatever was cached before: each equals
    /// `Viewshed::compute_many` of the whole request.
    ///
    /// # Errors
    /// As [`Viewshed::compute`].
    pub fn get_many(
        &self,
        site: [f64; 2],
        antenna_h: f64,
        k: f64,
        targets: &[ViewshedTarget],
    ) -> Result<Vec<Arc<Viewshed>>> {
        self.get_many_in_sector(site, antenna_h, k, targets, None)
    }

    /// [`get_many`](Self::get_many) restricted to an azimuth sector (see
    /// [`Viewshed::compute_many_in_sector`]); the sector is part of every key.
    ///
    /// # Errors
    /// As [`Viewshed::compute_many_in_sector`].
    pub fn get_many_in_sector(
        &self,
        site: [f64; 2],
        antenna_h: f64,
        k: f64,
        targets: &[ViewshedTarget],
        sector: Option<ViewshedSector>,
    ) -> Result<Vec<Arc<Viewshed>>> {
        // the whole request is swept for its largest range: that is part of every key
        let sweep = targets.iter().fold(0.0f64, |a, t| a.max(t.max_range_m));
        let keys: Vec<ViewshedKey> = targets
            .iter()
            .map(|t| {
                ViewshedKey::new(site, antenna_h, t.height_agl_m, k, t.max_range_m)
                    .with_sweep_range(sweep)
                    .with_sector(sector)
            })
            .collect();
        let mut found: Vec<Option<Arc<Viewshed>>> = {
            let mut inner = self.lock();
            let found: Vec<Option<Arc<Viewshed>>> =
                keys.iter().map(|key| inner.map.get(key).cloned()).collect();
            let hits = found.iter().filter(|f| f.is_some()).count() as u64;
            inner.hits += hits;
            inner.misses += found.len() as u64 - hits;
            found
        };
        let missing: Vec<usize> = (0..targets.len()).filter(|&n| found[n].is_none()).collect();
        if !missing.is_empty() {
            // the missing targets plus the request's longest one, so that the rays are those
            // of the request's sweep range whatever was cached before
            let longest = (0..targets.len())
                .max_by(|&a, &b| targets[a].max_range_m.total_cmp(&targets[b].max_range_m))
                .unwrap_or(0);
            let mut todo: Vec<ViewshedTarget> = missing.iter().map(|&n| targets[n]).collect();
            if !missing.contains(&longest) {
                todo.push(targets[longest]);
            }
            let computed = Viewshed::compute_many_shared(
                &self.terrain,
                site,
                antenna_h,
                k,
                &todo,
                &self.grid,
                sector,
                self.ground(),
            )?;
            let mut inner = self.lock();
            for (&n, v) in missing.iter().zip(computed) {
                let key = keys[n];
                let arc = match inner.map.get(&key) {
                    Some(existing) => existing.clone(),
                    None => {
                        let arc = Arc::new(v);
                        inner.bytes += arc.heap_bytes();
                        inner.map.insert(key, arc.clone());
                        inner.order.push_back(key);
                        arc
                    }
                };
                found[n] = Some(arc);
            }
            while inner.bytes > self.capacity_bytes && inner.order.len() > 1 {
                if let Some(old) = inner.order.pop_front() {
                    if let Some(v) = inner.map.remove(&old) {
                        inner.bytes -= v.heap_bytes();
                    }
                }
            }
        }
        found
            .into_iter()
            .map(|f| f.ok_or_else(|| invalid("viewshed", "no result computed".into())))
            .collect()
    }

    /// Number of cached viewsheds.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `(hits, misses)` since creation.
    pub fn stats(&self) -> (u64, u64) {
        let inner = self.lock();
        (inner.hits, inner.misses)
    }

    /// Bytes of visibility bitsets currently cached.
    pub fn cached_bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Drops every cached viewshed (statistics are kept).
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.map.clear();
        inner.order.clear();
        inner.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sweep's rule computed plainly: every ray walked to the end with no skipping, every
    /// cell tested one by one. The optimised sweep (chunk skipping, tile decisions) must give
    /// exactly the same bits.
    fn plain_viewshed(
        g: &ElevationGrid,
        site: [f64; 2],
        antenna_h: f64,
        targets: &[ViewshedTarget],
        k: f64,
        grid: &Grid,
        rays: usize,
    ) -> Vec<Vec<bool>> {
        let two_kr = 2.0 * k * EARTH_RADIUS_M;
        let step = g.cell_m() / 2.0;
        let za = g.elevation(site[0], site[1]) + antenna_h;
        let r_max = targets.iter().fold(0.0f64, |a, t| a.max(t.max_range_m));
        let per_ray = (r_max / step) as usize + 3;
        let inv_cell = 1.0 / g.cell_m();
        let view = g.view();
        let (fx0, fy0) = (
            (site[0] - g.origin()[0]) * inv_cell,
            (site[1] - g.origin()[1]) * inv_cell,
        );
        let h: Vec<Vec<f32>> = (0..rays)
            .map(|kk| {
                let theta = TAU * kk as f64 / rays as f64;
                let (s, c) = theta.sin_cos();
                let (dfx, dfy) = (step * c * inv_cell, step * s * inv_cell);
                let mut best = f64::NEG_INFINITY;
                (0..per_ray)
                    .map(|m| {
                        let d = (m + 1) as f64 * step;
                        let n = (m + 1) as f64;
                        let z = view.at(fx0 + n * dfx, fy0 + n * dfy);
                        best = best.max((z - (d * d / two_kr + za)) * (1.0 / d));
                        best as f32
                    })
                    .collect()
            })
            .collect();
        targets
            .iter()
            .map(|t| {
                let r2 = (t.max_range_m * (1.0 + RANGE_TOLERANCE)).powi(2);
                (0..grid.len())
                    .map(|n| {
                        let (i, j) = (n % grid.nx, n / grid.nx);
                        let (x, y) = (grid.x(i), grid.y(j));
                        let (dx, dy) = (x - site[0], y - site[1]);
                        let d2 = dx * dx + dy * dy;
                        if d2 > r2 {
                            return false;
                        }
                        let dist = d2.sqrt();
                        let m = samples_before(dist, step, 1.0 / step);
                        let h_dist = if m == 0 {
                            f64::NEG_INFINITY
                        } else {
                            let f = fast_atan2(dy, dx) * rays as f64 / TAU;
                            let k0 = (f as usize) % rays;
                            let k1 = (k0 + 1) % rays;
                            let (a, b) = (f64::from(h[k0][m - 1]), f64::from(h[k1][m - 1]));
                            (a + (b - a) * (f - f.floor())) * dist
                        };
                        g.elevation(x, y) - d2 / two_kr - za + t.height_agl_m >= h_dist
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn optimised_sweep_matches_the_plain_rule() {
        let ext =
            Grid::covering([-31_000.0, -31_000.0, 31_000.0, 31_000.0], 200.0, 1 << 20).unwrap();
        let dem = crate::terrain::synth::fractal(&ext, 77, 400.0, 0.7).unwrap();
        let t = Terrain::from_local_dem(&dem).unwrap();
        let Some(g) = t.grid() else { panic!("raster") };
        let grid =
            Grid::covering([-30_000.0, -30_000.0, 30_000.0, 30_000.0], 250.0, 1 << 20).unwrap();
        let k = 4.0 / 3.0;
        let targets: Vec<ViewshedTarget> = [
            (5.0, 25_000.0),
            (30.0, 20_000.0),
            (150.0, 28_000.0),
            (3_000.0, 28_000.0),
        ]
        .iter()
        .map(|&(h, r)| ViewshedTarget {
            height_agl_m: h,
            max_range_m: r,
        })
        .collect();
        let (mut cells, mut differ) = (0usize, 0usize);
        // a low site, a high one, one near the edge and one outside the terrain
        let mut sites: Vec<[f64; 2]> = vec![[29_000.0, -29_500.0], [-40_000.0, 3_000.0]];
        let (mut lo, mut hi) = ((f64::MAX, [0.0; 2]), (f64::MIN, [0.0; 2]));
        for j in (0..ext.ny).step_by(17) {
            for i in (0..ext.nx).step_by(17) {
                let p = ext.centre(i, j);
                if p[0].abs() > 20_000.0 || p[1].abs() > 20_000.0 {
                    continue;
                }
                let z = t.elevation(p[0], p[1]);
                if z < lo.0 {
                    lo = (z, p);
                }
                if z > hi.0 {
                    hi = (z, p);
                }
            }
        }
        sites.push(lo.1);
        sites.push(hi.1);
        for site in sites {
            let got = Viewshed::compute_many(&t, site, 10.0, k, &targets, &grid).unwrap();
            let want = plain_viewshed(g, site, 10.0, &targets, k, &grid, got[0].ray_count());
            for (v, w) in got.iter().zip(&want) {
                for (n, &want) in w.iter().enumerate() {
                    cells += 1;
                    if v.visible(n % grid.nx, n / grid.nx) != want {
                        differ += 1;
                    }
                }
            }
        }
        // positions walk in fixed point in the sweep and in floating point here: a cell whose
        // margin is a rounding error could in principle differ, none should in practice
        assert!(
            differ * 100_000 <= cells,
            "{differ} of {cells} cells differ"
        );
        assert!(cells > 100_000);
    }

    /// The per-sample skip bound of the sweep: the highest node of a patch's relief block is
    /// never below the interpolated terrain anywhere in that patch (fixed-point positions, as
    /// the sweep walks), and is tight enough to matter (within the block's relief).
    #[test]
    fn patch_tops_bound_every_sample() {
        let ext = Grid::covering([-8_000.0, -8_000.0, 8_000.0, 8_000.0], 200.0, 1 << 20).unwrap();
        let t =
            Terrain::from_local_dem(&crate::terrain::synth::fractal(&ext, 5, 400.0, 0.7).unwrap())
                .unwrap();
        let Some(g) = t.grid() else { panic!("raster") };
        let (view, relief) = (g.view(), g.relief());
        let Some(top) = relief.patch_top() else {
            panic!("power-of-two blocks")
        };
        let (mut n, mut slack_sum) = (0usize, 0.0f64);
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200_000 {
            let px = (next() % (((g.nx() - 1) as u64) << 32)) as i64;
            let py = (next() % (((g.ny() - 1) as u64) << 32)) as i64;
            let Some((i, j)) = view.patch_of_fixed(px, py) else {
                panic!("inside")
            };
            let z = view.at_fixed(px, py);
            let hi = top.at(i, j);
            assert!(z <= hi + RELIEF_SLACK, "{z} > {hi} at patch {i},{j}");
            assert!(hi <= relief.max());
            slack_sum += hi - z;
            n += 1;
        }
        // tighter than the global maximum on average (the bound is local)
        let global = relief.max() - relief.min();
        assert!(
            slack_sum / (n as f64) < global / 2.0,
            "{} vs {global}",
            slack_sum / n as f64
        );
        // outside the lattice: no patch (the sweep then samples)
        assert!(view.patch_of_fixed(-1, 0).is_none());
        assert!(view
            .patch_of_fixed(((g.nx() - 1) as i64) << 32, 0)
            .is_none());
    }

    #[test]
    fn a_sector_keeps_the_full_bits_inside_and_hides_the_rest() {
        let ext =
            Grid::covering([-31_000.0, -31_000.0, 31_000.0, 31_000.0], 200.0, 1 << 20).unwrap();
        let dem = crate::terrain::synth::fractal(&ext, 11, 400.0, 0.7).unwrap();
        let t = Terrain::from_local_dem(&dem).unwrap();
        let grid =
            Grid::covering([-30_000.0, -30_000.0, 30_000.0, 30_000.0], 250.0, 1 << 20).unwrap();
        let k = 4.0 / 3.0;
        let targets: Vec<ViewshedTarget> = [(5.0, 25_000.0), (150.0, 28_000.0), (3_000.0, 9_000.0)]
            .iter()
            .map(|&(h, r)| ViewshedTarget {
                height_agl_m: h,
                max_range_m: r,
            })
            .collect();
        let mut inside = 0usize;
        for (site, start, width) in [
            ([0.0, 0.0], 0.3, 2.1),
            ([1_000.0, -2_000.0], 5.9, 0.8),  // across the 0/2π seam
            ([29_000.0, 5_000.0], 2.0, 5.5),  // reflex, site near the edge
            ([-40_000.0, 0.0], 6.0, 0.5),     // outside the grid, facing it
            ([12_125.0, 3_125.0], 1.0, 0.01), // on a cell centre, narrow
        ] {
            let sec = ViewshedSector {
                start_rad: start,
                width_rad: width,
            };
            let all = Viewshed::compute_many(&t, site, 10.0, k, &targets, &grid).unwrap();
            let part =
                Viewshed::compute_many_in_sector(&t, site, 10.0, k, &targets, &grid, Some(sec))
                    .unwrap();
            let step = t.grid().unwrap().cell_m() / 2.0;
            for (a, p) in all.iter().zip(&part) {
                assert_eq!(a.ray_count(), p.ray_count());
                assert_eq!(a.window(), p.window());
                for j in 0..grid.ny {
                    for i in 0..grid.nx {
                        let (dx, dy) = (grid.x(i) - site[0], grid.y(j) - site[1]);
                        let d2 = dx * dx + dy * dy;
                        let want = sec.contains(dx, dy, d2, FLAT_NEAR2.min(step * step))
                            && a.visible(i, j);
                        inside += usize::from(want);
                        assert_eq!(p.visible(i, j), want, "{site:?} {start} cell {i},{j}");
                    }
                }
            }
            // flat terrain: the range disc cut to the sector
            let flat = Viewshed::compute_many_in_sector(
                &Terrain::Flat,
                site,
                10.0,
                k,
                &targets,
                &grid,
                Some(sec),
            )
            .unwrap();
            for (f, tg) in flat.iter().zip(&targets) {
                for j in 0..grid.ny {
                    for i in 0..grid.nx {
                        let (dx, dy) = (grid.x(i) - site[0], grid.y(j) - site[1]);
                        let d2 = dx * dx + dy * dy;
                        let r = tg.max_range_m * (1.0 + RANGE_TOLERANCE);
                        let want = d2 <= r * r && sec.contains(dx, dy, d2, FLAT_NEAR2);
                        assert_eq!(f.visible(i, j), want, "flat {site:?} cell {i},{j}");
                    }
                }
            }
        }
        assert!(inside > 10_000, "{inside}");
        let bad = ViewshedSector {
            start_rad: f64::NAN,
            width_rad: 1.0,
        };
        assert!(Viewshed::compute_many_in_sector(
            &t,
            [0.0; 2],
            10.0,
            k,
            &targets,
            &grid,
            Some(bad)
        )
        .is_err());
    }

    #[test]
    fn a_shared_cell_ground_gives_the_same_bits() {
        let ext =
            Grid::covering([-21_000.0, -21_000.0, 21_000.0, 21_000.0], 150.0, 1 << 20).unwrap();
        let dem = crate::terrain::synth::fractal(&ext, 5, 300.0, 0.7).unwrap();
        let t = Terrain::from_local_dem(&dem).unwrap();
        let Some(g) = t.grid() else { panic!("raster") };
        // an evaluation grid not aligned with the terrain's, reaching beyond it
        let grid =
            Grid::covering([-23_000.0, -20_000.0, 20_000.0, 22_000.0], 230.0, 1 << 20).unwrap();
        let ground = CellGround::new(g, &grid).unwrap();
        let targets: Vec<ViewshedTarget> = [(10.0, 18_000.0), (120.0, 22_000.0)]
            .iter()
            .map(|&(h, r)| ViewshedTarget {
                height_agl_m: h,
                max_range_m: r,
            })
            .collect();
        let sec = Some(ViewshedSector {
            start_rad: 4.0,
            width_rad: 2.5,
        });
        for (site, sector) in [([0.0, 0.0], None), ([-15_000.0, 9_000.0], sec)] {
            let own = Viewshed::compute_many_shared(
                &t,
                site,
                8.0,
                4.0 / 3.0,
                &targets,
                &grid,
                sector,
                None,
            )
            .unwrap();
            let shared = Viewshed::compute_many_shared(
                &t,
                site,
                8.0,
                4.0 / 3.0,
                &targets,
                &grid,
                sector,
                Some(&ground),
            )
            .unwrap();
            assert_eq!(own, shared);
            let seen: usize = own.iter().map(Viewshed::count_visible).sum();
            assert!(seen > 500, "{seen}");
        }
        // a ground built for another grid is not used
        let other = Grid {
            origin: [grid.origin[0] + 10.0, grid.origin[1]],
            ..grid
        };
        let wrong = CellGround::new(g, &other).unwrap();
        let a = Viewshed::compute_many_shared(
            &t,
            [0.0; 2],
            8.0,
            4.0 / 3.0,
            &targets,
            &grid,
            None,
            Some(&wrong),
        )
        .unwrap();
        let b = Viewshed::compute_many(&t, [0.0; 2], 8.0, 4.0 / 3.0, &targets, &grid).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn disc_runs_and_bit_runs_match_cell_tests() {
        let xs: Vec<f64> = (0..300).map(|i| -1_234.5 + i as f64 * 97.3).collect();
        for &(sx, dy2, r2) in &[
            (3_000.0, 4e6, 2.5e7),
            (-5_000.0, 0.0, 1e6),
            (40_000.0, 1e6, 1e8),
            (0.0, 3e7, 2.5e7),
            (xs[17], 0.0, 0.0),
            (1e9, 0.0, 1e12),
            // wholly inside on the short runs (the two-test fast path)
            (3_000.0, 0.0, 1e10),
            (xs[25], 0.0, (xs[40] - xs[25]) * (xs[40] - xs[25])),
        ] {
            for (lo, hi) in [(0, 300), (10, 40), (100, 101), (50, 50)] {
                let (a, b) = disc_run(&xs, sx, dy2, r2, lo, hi);
                for (u, &x) in xs.iter().enumerate().take(hi).skip(lo) {
                    let dx = x - sx;
                    let want = dx * dx + dy2 <= r2;
                    assert_eq!(u >= a && u < b, want, "{sx} {dy2} {r2} {lo}..{hi} u {u}");
                }
            }
        }
        for (a, b) in [
            (0, 0),
            (0, 1),
            (3, 64),
            (63, 65),
            (0, 192),
            (70, 190),
            (128, 129),
        ] {
            let mut w = vec![0u64; 3];
            set_bits(&mut w, a, b);
            for u in 0..192 {
                assert_eq!(
                    w[u / 64] >> (u % 64) & 1 == 1,
                    u >= a && u < b,
                    "{a}..{b} {u}"
                );
            }
        }
    }

    #[test]
    fn samples_before_matches_the_reference_loop() {
        for &(d, step) in &[
            (0.0, 50.0),
            (49.9, 50.0),
            (50.0, 50.0),
            (50.1, 50.0),
            (1e5, 125.0),
            (1e5 + 1e-9, 125.0),
            (0.3, 0.1),
            (0.30000000000000004, 0.1),
        ] {
            let mut m = 0;
            while ((m + 1) as f64 * step) < d {
                m += 1;
            }
            assert_eq!(samples_before(d, step, 1.0 / step), m, "{d} {step}");
        }
        // exhaustively around multiples of awkward steps
        for step in [0.1, 12.5, 125.0, 1.0 / 3.0, 7.77] {
            for k in 0..2_000u32 {
                let base = f64::from(k) * step;
                for d in [
                    base,
                    f64::from_bits(base.to_bits() + 1),
                    f64::from_bits(base.to_bits().saturating_sub(1)),
                    base + step / 2.0,
                ] {
                    if d < 0.0 {
                        continue;
                    }
                    let mut m = 0;
                    while ((m + 1) as f64 * step) < d {
                        m += 1;
                    }
                    assert_eq!(samples_before(d, step, 1.0 / step), m, "{d} {step}");
                }
            }
        }
    }

    #[test]
    fn fast_atan2_is_within_its_bound() {
        let mut worst = 0.0f64;
        for n in 0..100_000 {
            let a = n as f64 * TAU / 100_000.0 + 1e-7;
            for r in [1e-3, 1.0, 7e4] {
                let (y, x) = (r * a.sin(), r * a.cos());
                let mut want = y.atan2(x);
                if want < 0.0 {
                    want += TAU;
                }
                let mut err = (fast_atan2(y, x) - want).abs();
                err = err.min(TAU - err);
                worst = worst.max(err);
            }
        }
        assert!(worst < BEARING_ERROR_RAD, "{worst}");
        assert!(worst > 1e-7, "the bound is not vacuous: {worst}");
        assert_eq!(fast_atan2(0.0, 1.0), 0.0);
        assert!((fast_atan2(1.0, 0.0) - std::f64::consts::FRAC_PI_2).abs() < 1e-5);
        assert!((fast_atan2(0.0, -1.0) - std::f64::consts::PI).abs() < 1e-12);
        assert!((fast_atan2(-1.0, 0.0) - 3.0 * std::f64::consts::FRAC_PI_2).abs() < 1e-5);
    }

    #[test]
    fn visible_runs_match_visible() {
        let grid = Grid::covering([0.0, 0.0, 40_000.0, 30_000.0], 200.0, 1 << 20).unwrap();
        let dem = crate::terrain::synth::fractal(&grid, 9, 400.0, 0.6).unwrap();
        let t = Terrain::from_local_dem(&dem).unwrap();
        let v = Viewshed::compute(
            &t,
            [15_000.0, 12_000.0],
            5.0,
            30.0,
            4.0 / 3.0,
            14_000.0,
            &grid,
        )
        .unwrap();
        assert!(v.count_visible() > 100);
        for j in 0..grid.ny {
            for &(a, b) in &[(0, grid.nx), (3, 150), (70, 71), (64, 129)] {
                let mut got = vec![false; grid.nx];
                let mut last = None;
                v.visible_runs(j, a, b, |s, e| {
                    assert!(s < e && e <= b && s >= a);
                    if let Some(l) = last {
                        assert!(s > l, "runs are maximal and increasing");
                    }
                    last = Some(e);
                    for g in &mut got[s..e] {
                        *g = true;
                    }
                });
                for (i, g) in got.iter().enumerate() {
                    let want = i >= a && i < b && v.visible(i, j);
                    assert_eq!(*g, want, "row {j} cell {i} in {a}..{b}");
                }
            }
        }
    }

    #[test]
    fn huge_ranges_are_bounded_by_the_grid() {
        let grid = Grid::covering([0.0, 0.0, 5_000.0, 5_000.0], 250.0, 1 << 20).unwrap();
        let dem = crate::terrain::synth::fractal(&grid, 4, 100.0, 0.7).unwrap();
        let t = Terrain::from_local_dem(&dem).unwrap();
        for range in [1e7, 1e300] {
            let v = Viewshed::compute(&t, [2_500.0, 2_500.0], 10.0, 50.0, 4.0 / 3.0, range, &grid)
                .unwrap();
            let near = Viewshed::compute(
                &t,
                [2_500.0, 2_500.0],
                10.0,
                50.0,
                4.0 / 3.0,
                4_000.0,
                &grid,
            )
            .unwrap();
            assert_eq!(v.window(), [0, 0, grid.nx, grid.ny]);
            assert!(v.count_visible() >= near.count_visible());
            assert!(v.ray_count() < 1_000, "{}", v.ray_count());
        }
        // a site very far away with a huge range is refused, not overflowed
        let e = Viewshed::compute(&t, [1e12, 0.0], 10.0, 50.0, 4.0 / 3.0, 1e13, &grid);
        assert!(matches!(e, Err(Error::ResourceLimit { .. })), "{e:?}");
    }

    #[test]
    fn rejects_invalid_arguments() {
        let grid = Grid::covering([0.0, 0.0, 1_000.0, 1_000.0], 100.0, 1 << 20).unwrap();
        let t = Terrain::Flat;
        assert!(Viewshed::compute(&t, [f64::NAN, 0.0], 1.0, 1.0, 1.0, 1.0, &grid).is_err());
        assert!(Viewshed::compute(&t, [0.0, 0.0], -1.0, 1.0, 1.0, 1.0, &grid).is_err());
        assert!(Viewshed::compute(&t, [0.0, 0.0], 1.0, f64::NAN, 1.0, 1.0, &grid).is_err());
        assert!(Viewshed::compute(&t, [0.0, 0.0], 1.0, 1.0, 0.0, 1.0, &grid).is_err());
        assert!(Viewshed::compute(&t, [0.0, 0.0], 1.0, 1.0, 1.0, -1.0, &grid).is_err());
        // a range far too long for a fine terrain is refused before allocating
        let fine =
            Terrain::from_grid(ElevationGrid::new([0.0, 0.0], 1.0, 2, 2, vec![0.0; 4]).unwrap());
        let big = Grid::covering([0.0, 0.0, 1e6, 1e6], 100.0, 1 << 27).unwrap();
        let e = Viewshed::compute(&fine, [5e5, 5e5], 1.0, 1.0, 1.0, 5e5, &big).unwrap_err();
        assert!(matches!(e, Error::ResourceLimit { .. }), "{e}");
    }
}
