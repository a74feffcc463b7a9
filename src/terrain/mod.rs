//! Terrain masking: elevation models, line of sight and viewsheds.
//!
//! Low-flying drones and cruise missiles hide behind hills; without terrain, coverage is
//! optimistic. This module provides:
//!
//! * [`Dem`]: elevation rasters read from ESRI ASCII grids and GeoTIFFs (float32, int16, ...),
//!   in longitude/latitude, any supported EPSG CRS ([`crs`]) or local metres, with nodata
//!   handling ([`dem`]); resampled onto the local frame, one DEM or a mosaic of tiles, with
//!   explicit coverage ([`resample`], [`source`]);
//! * [`Terrain`]: either [`Terrain::Flat`] (the default: no masking beyond the smooth-earth
//!   radar horizon, which [`crate::Footprint`] already applies) or an [`ElevationGrid`]: a DEM
//!   resampled **once** onto the scenario's local frame, sampled bilinearly;
//! * [`line_of_sight`]: the brute-force reference test of one path, with Earth curvature and
//!   refraction (effective radius `k·R`) ([`los`]);
//! * [`Viewshed`]: which cells of an evaluation [`Grid`](crate::Grid) one antenna sees at one
//!   target height above ground, by a radial sweep whose cost is proportional to the
//!   footprint's area; [`ViewshedCache`] shares them between evaluation paths ([`viewshed`]);
//! * [`synth`]: deterministic synthetic terrains (ridge and valley, cone, plateau edge,
//!   fractal) for tests and benchmarks;
//! * [`horizon_cap_m`]: the radar-horizon cap over terrain ([`horizon`]).
//!
//! # Radar horizon over terrain
//!
//! The terrain line of sight already bends the ground by the Earth's curvature (below), so
//! with terrain the smooth-earth horizon must not cut it short: footprints over terrain
//! ([`Footprint::new_over`](crate::Footprint::new_over)) are capped by the smooth-earth
//! horizon of heights **above sea level** — the antenna at ground + mast, the target at the
//! highest terrain + its height — over the sphere under the lowest ground, and the line of
//! sight (with the target's own ground) decides within that cap. A radar with a 10 m mast on a
//! 200 m escarpment thus sees a 30 m cruise missile over the plain to about 80 km, not the
//! 35.6 km of its mast above local ground. Every terrain-aware path (raster, R-tree and
//! reference evaluation, viewshed ranges, the placement coverage matrix) uses this rule, so
//! they still agree exactly. On [`Terrain::Flat`] nothing changes.
//!
//! # Frame and approximations
//!
//! Everything runs in the scenario's local frame (an azimuthal equidistant projection centred
//! on the scenario, see [`crate::frame`]). A line of sight is sampled along the **straight
//! segment** between the two points in that frame. The true path is the great-circle arc; in
//! the azimuthal equidistant frame arcs through the centre are exactly straight, and other arcs
//! bow by about `ρ·s²/(8R²)`-order amounts (`ρ` distance from the frame centre, `s` path
//! length): metres at most for 100 km paths within 300 km of the centre, well under one DEM
//! cell. Curvature and refraction enter vertically: a terrain point at distance `d` along a path
//! of length `D` is raised by `d·(D − d)/(2·k·R)` relative to the straight chord, `R` =
//! [`EARTH_RADIUS_M`](crate::catalogue::EARTH_RADIUS_M).
//!
//! # Example
//!
//! ```
//! use skycover::terrain::{line_of_sight, synth, Terrain, Viewshed};
//! use skycover::Grid;
//!
//! // a 400 m ridge 5 km east of the site, a valley behind it
//! let extent = Grid::covering([-10_000.0, -10_000.0, 20_000.0, 10_000.0], 100.0, 1 << 20)?;
//! let terrain = Terrain::from_local_dem(&synth::ridge_valley(&extent, 5_000.0, 400.0, 1_000.0)?)?;
//! let k = 4.0 / 3.0;
//! // a drone at 50 m behind the ridge is hidden from a 10 m mast, one in front is seen
//! assert!(!line_of_sight(&terrain, [0.0, 0.0], 10.0, [8_000.0, 0.0], 50.0, k));
//! assert!(line_of_sight(&terrain, [0.0, 0.0], 10.0, [3_000.0, 0.0], 50.0, k));
//!
//! // the same through a viewshed over an evaluation grid
//! let grid = Grid::covering([-9_000.0, -9_000.0, 19_000.0, 9_000.0], 250.0, 1 << 20)?;
//! let vs = Viewshed::compute(&terrain, [0.0, 0.0], 10.0, 50.0, k, 15_000.0, &grid)?;
//! assert!(!vs.visible_at([8_000.0, 0.0]) && vs.visible_at([3_000.0, 0.0]));
//! # Ok::<(), skycover::Error>(())
//! ```

pub mod crs;
pub mod dem;
pub mod horizon;
pub mod los;
mod relief;
pub mod resample;
pub mod source;
pub mod synth;
pub mod viewshed;

pub use dem::{Dem, DemCrs, BUILTIN_DEMS, MAX_DEM_CELLS};
pub use horizon::horizon_cap_m;
pub use los::{line_of_sight, sight_margin};
pub use resample::{OutsidePolicy, TerrainModel};
pub use source::TerrainSource;
pub use viewshed::{
    MinHeightCache, MinHeightKey, MinHeightMap, DEFAULT_MIN_HEIGHT_CACHE_BYTES,
    MAX_MIN_HEIGHT_CELLS, MIN_HEIGHT_SLACK_M,
};
pub use viewshed::{
    Viewshed, ViewshedCache, ViewshedKey, ViewshedSector, ViewshedTarget, BEARING_ERROR_RAD,
    DEFAULT_CACHE_BYTES, MAX_VIEWSHED_SAMPLES, RANGE_TOLERANCE,
};

use crate::catalogue::Catalogue;
use crate::error::{Error, Result};
use crate::frame::LocalFrame;
use crate::scenario::Scenario;
use crate::site::Site;
use crate::volume::Footprint;
use std::path::Path;
use std::sync::Arc;

/// Largest number of cells of a local [`ElevationGrid`] (checked before allocating).
pub const MAX_TERRAIN_CELLS: u64 = 64_000_000;

/// An elevation raster in the local frame: cell `(i, j)` has its centre at
/// `(origin[0] + i·cell_m, origin[1] + j·cell_m)` (rows run south to north, as in
/// [`Grid`](crate::Grid)), and the elevation between centres is bilinear.
///
/// # Examples
/// ```
/// use skycover::terrain::ElevationGrid;
/// // 3 × 2 cells of 100 m, rising 10 m per cell eastwards
/// let g = ElevationGrid::new([0.0, 0.0], 100.0, 3, 2, vec![0.0, 10.0, 20.0, 0.0, 10.0, 20.0])?;
/// assert_eq!(g.elevation(150.0, 50.0), 15.0);
/// assert_eq!(g.elevation(-40.0, 0.0), 0.0); // clamped to the edge within the outer half cell
/// assert_eq!(g.elevation(240.0, 0.0), 20.0);
/// assert_eq!(g.elevation(1_000.0, 0.0), 0.0); // outside: 0 m
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ElevationGrid {
    origin: [f64; 2],
    cell_m: f64,
    inv_cell: f64,
    /// `[nx − 1, ny − 1]`: the largest cell coordinates
    max_cell: [f64; 2],
    nx: usize,
    ny: usize,
    z: Vec<f32>,
    /// block minima and maxima (bounds for the viewshed sweep)
    relief: relief::Relief,
}

impl ElevationGrid {
    /// An elevation grid from values in row-major order, **south row first** (`z[j·nx + i]`).
    ///
    /// # Errors
    /// [`Error::Terrain`] for fewer than 2 × 2 cells, a size mismatch, a non-positive or
    /// non-finite cell size or origin, or elevations that are not finite or lie outside the
    /// Earth's relief ([`MIN_ELEVATION_M`](crate::validate::MIN_ELEVATION_M) to
    /// [`MAX_ELEVATION_M`](crate::validate::MAX_ELEVATION_M)).
    pub fn new(
        origin: [f64; 2],
        cell_m: f64,
        nx: usize,
        ny: usize,
        z: Vec<f32>,
    ) -> Result<ElevationGrid> {
        if nx < 2 || ny < 2 {
            return Err(Error::Terrain {
                reason: format!("elevation grid is {nx} × {ny}; it needs at least 2 × 2 cells"),
            });
        }
        if z.len() != nx * ny {
            return Err(Error::Terrain {
                reason: format!(
                    "elevation grid: expected {} values ({nx} × {ny}), found {}",
                    nx * ny,
                    z.len()
                ),
            });
        }
        if !(cell_m.is_finite() && cell_m > 0.0 && origin.iter().all(|v| v.is_finite())) {
            return Err(Error::Terrain {
                reason: format!(
                    "elevation grid: cell size {cell_m} must be finite and > 0 and origin {origin:?} finite"
                ),
            });
        }
        if let Some(n) = z.iter().position(|v| !v.is_finite()) {
            return Err(Error::Terrain {
                reason: format!(
                    "elevation grid: cell ({}, {}) is not finite",
                    n % nx,
                    n / nx
                ),
            });
        }
        if let Some((n, why)) = z
            .iter()
            .enumerate()
            .find_map(|(n, v)| crate::validate::elevation_problem(f64::from(*v)).map(|w| (n, w)))
        {
            return Err(Error::Terrain {
                reason: format!("elevation grid: cell ({}, {}): {why}", n % nx, n / nx),
            });
        }
        Ok(ElevationGrid {
            origin,
            cell_m,
            inv_cell: 1.0 / cell_m,
            max_cell: [(nx - 1) as f64, (ny - 1) as f64],
            nx,
            ny,
            relief: relief::Relief::new(&z, nx, ny),
            z,
        })
    }

    /// Lowest elevation of the grid, metres.
    pub fn min_elevation(&self) -> f64 {
        self.relief.min()
    }

    /// Highest elevation of the grid, metres.
    pub fn max_elevation(&self) -> f64 {
        self.relief.max()
    }

    /// Block bounds of the terrain.
    pub(crate) fn relief(&self) -> &relief::Relief {
        &self.relief
    }

    /// Centre of cell (0, 0) (the south-west cell), local metres.
    pub fn origin(&self) -> [f64; 2] {
        self.origin
    }

    /// Side of a cell, metres.
    pub fn cell_m(&self) -> f64 {
        self.cell_m
    }

    /// Number of columns.
    pub fn nx(&self) -> usize {
        self.nx
    }

    /// Number of rows.
    pub fn ny(&self) -> usize {
        self.ny
    }

    /// Elevations, row-major, south row first.
    pub fn values(&self) -> &[f32] {
        &self.z
    }

    /// Outer bounds `[min_x, min_y, max_x, max_y]` (cell edges), local metres.
    pub fn bounds(&self) -> [f64; 4] {
        let h = self.cell_m / 2.0;
        [
            self.origin[0] - h,
            self.origin[1] - h,
            self.origin[0] + (self.nx - 1) as f64 * self.cell_m + h,
            self.origin[1] + (self.ny - 1) as f64 * self.cell_m + h,
        ]
    }

    /// Elevation in metres at local `(x, y)`: bilinear between cell centres, clamped to the
    /// edge cells within the outer half cell, **0 m outside the grid** (and for non-finite
    /// coordinates).
    ///
    /// Complexity: O(1).
    #[inline(always)]
    pub fn elevation(&self, x: f64, y: f64) -> f64 {
        self.elevation_cells(
            (x - self.origin[0]) * self.inv_cell,
            (y - self.origin[1]) * self.inv_cell,
        )
    }

    /// [`elevation`](Self::elevation) at continuous cell coordinates `(fx, fy)`
    /// (cell `(i, j)`'s centre is at `(i, j)`).
    #[inline(always)]
    pub(crate) fn elevation_cells(&self, fx: f64, fy: f64) -> f64 {
        self.view().at(fx, fy)
    }

    /// A copyable view for hot loops (its fields stay in registers).
    #[inline(always)]
    pub(crate) fn view(&self) -> BilinearView<'_> {
        BilinearView {
            z: &self.z,
            nx: self.nx,
            mx: self.max_cell[0],
            my: self.max_cell[1],
            imax: self.nx as i64 - 2,
            jmax: self.ny as i64 - 2,
            lim_x: ((self.nx - 1) as u64) << 32,
            lim_y: ((self.ny - 1) as u64) << 32,
        }
    }

    /// An upper bound on the slope (|gradient|, metres per metre) of the bilinear surface
    /// inside the grid: per cell, √(gx² + gy²) with gx, gy the steepest edge differences.
    /// Useful to bound how much a sample displaced sideways can change (see
    /// [`Viewshed::ray_count`]).
    pub fn max_slope(&self) -> f64 {
        let mut worst = 0.0f64;
        for j in 0..self.ny - 1 {
            for i in 0..self.nx - 1 {
                let n = j * self.nx + i;
                let (a, b) = (f64::from(self.z[n]), f64::from(self.z[n + 1]));
                let (c, d) = (
                    f64::from(self.z[n + self.nx]),
                    f64::from(self.z[n + self.nx + 1]),
                );
                let gx = (b - a).abs().max((d - c).abs());
                let gy = (c - a).abs().max((d - b).abs());
                worst = worst.max(gx.hypot(gy) / self.cell_m);
            }
        }
        worst
    }
}

/// Bilinear sampling of an [`ElevationGrid`] in cell coordinates, with everything a hot loop
/// needs held by value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BilinearView<'a> {
    z: &'a [f32],
    nx: usize,
    mx: f64,
    my: f64,
    imax: i64,
    jmax: i64,
    /// fixed-point limits: `(n − 1)·2³²`
    lim_x: u64,
    lim_y: u64,
}

/// 2⁻³²: one unit of the fixed-point cell coordinates of [`BilinearView::at_fixed`].
pub(crate) const FIXED_UNIT: f64 = 1.0 / 4_294_967_296.0;

impl BilinearView<'_> {
    /// [`at`](Self::at) for fixed-point cell coordinates (cells × 2³²): positions strictly
    /// inside the lattice of cell centres take a branch-light path with integer cell indices;
    /// others go through [`at`](Self::at). Agrees with `at(px·2⁻³², py·2⁻³²)` up to rounding.
    #[inline(always)]
    pub(crate) fn at_fixed(&self, px: i64, py: i64) -> f64 {
        if (px as u64) < self.lim_x && (py as u64) < self.lim_y {
            let (i, j) = ((px >> 32) as usize, (py >> 32) as usize);
            let tx = (px & 0xFFFF_FFFF) as f64 * FIXED_UNIT;
            let ty = (py & 0xFFFF_FFFF) as f64 * FIXED_UNIT;
            self.bilinear(j * self.nx + i, tx, ty)
        } else {
            self.at(px as f64 * FIXED_UNIT, py as f64 * FIXED_UNIT)
        }
    }

    /// The patch `(i, j)` that [`at_fixed`](Self::at_fixed) interpolates in for fixed-point
    /// cell coordinates strictly inside the lattice of cell centres; `None` elsewhere.
    #[inline(always)]
    pub(crate) fn patch_of_fixed(&self, px: i64, py: i64) -> Option<(usize, usize)> {
        ((px as u64) < self.lim_x && (py as u64) < self.lim_y)
            .then_some(((px >> 32) as usize, (py >> 32) as usize))
    }

    /// Elevation at cell coordinates `(fx, fy)`: bilinear between cell centres, clamped to
    /// the edge cells within the outer half cell, 0 outside (and for NaN).
    #[inline(always)]
    pub(crate) fn at(&self, fx: f64, fy: f64) -> f64 {
        let (mx, my) = (self.mx, self.my);
        if !(fx >= -0.5 && fx <= mx + 0.5 && fy >= -0.5 && fy <= my + 0.5) {
            return 0.0;
        }
        // clamp into [0, m] (not f64::clamp, which re-checks its bounds on every call)
        let fx = fx.max(0.0).min(mx);
        let fy = fy.max(0.0).min(my);
        // non-negative: truncation is floor; the last cell interpolates from its left/lower
        // neighbour (i64: single-instruction conversions on x86-64)
        let i = (fx as i64).min(self.imax);
        let j = (fy as i64).min(self.jmax);
        let (tx, ty) = (fx - i as f64, fy - j as f64);
        self.bilinear(j as usize * self.nx + i as usize, tx, ty)
    }

    /// Bilinear interpolation in the cell whose lower-left value is `z[n]`, at fractions
    /// `(tx, ty)` towards its right and upper neighbours.
    #[inline(always)]
    fn bilinear(&self, n: usize, tx: f64, ty: f64) -> f64 {
        let w = &self.z[n..n + self.nx + 2];
        let (a, b) = (f64::from(w[0]), f64::from(w[1]));
        let (c, d) = (f64::from(w[self.nx]), f64::from(w[self.nx + 1]));
        let lo = a + (b - a) * tx;
        let hi = c + (d - c) * tx;
        lo + (hi - lo) * ty
    }
}

/// The viewshed targets of `site` over `terrain`: one per distinct layer altitude at which its
/// footprint ([`Footprint::new_over`], with the terrain-aware horizon cap of
/// [`horizon_cap_m`]) is not empty, out to the largest ground range of the footprints at that
/// altitude (so layers at one altitude share one sweep); and, per catalogue layer, the index
/// of its target (`None` for an empty footprint). This is the grouping every terrain-aware
/// path uses; the targets are a function of the site, its class and the terrain only, so the
/// viewsheds computed from them are too (see [`ViewshedCache`]).
pub fn site_viewshed_targets(
    catalogue: &Catalogue,
    site: &Site,
    terrain: &Terrain,
) -> (Vec<ViewshedTarget>, Vec<Option<usize>>) {
    let mut targets: Vec<ViewshedTarget> = Vec::new();
    let index = catalogue
        .layers()
        .iter()
        .map(|layer| {
            let fp = Footprint::new_over(catalogue, site, layer, terrain);
            if fp.is_empty() {
                return None;
            }
            let range = fp.max_ground_range_m();
            match targets
                .iter()
                .position(|t| t.height_agl_m == layer.altitude_m)
            {
                Some(n) => {
                    targets[n].max_range_m = targets[n].max_range_m.max(range);
                    Some(n)
                }
                None => {
                    targets.push(ViewshedTarget {
                        height_agl_m: layer.altitude_m,
                        max_range_m: range,
                    });
                    Some(targets.len() - 1)
                }
            }
        })
        .collect();
    (targets, index)
}

/// Padding, in radians, added on each side of a sector radar's footprint sector by
/// [`site_viewshed_sector`]: far more than the sweep's bearing error
/// ([`BEARING_ERROR_RAD`]) and the rounding of the footprint's half-plane test.
pub const SECTOR_PAD_RAD: f64 = 0.01;

/// The azimuth sector to which the viewsheds of `site` can be restricted
/// ([`Viewshed::compute_many_in_sector`]) without changing any covered cell: the angular
/// hull of the sectors of its non-empty footprints ([`Footprint::new_over`]) on every layer,
/// padded by [`SECTOR_PAD_RAD`] on each side; `None` for an all-round class (or a hull of
/// 2π or more, or no footprint).
///
/// Every cell a footprint of the site covers is within its sector, hence within the padded
/// hull, where the restricted viewshed has exactly the unrestricted bits: evaluation and
/// placement results are unchanged.
///
/// Complexity: O(layers).
///
/// # Examples
/// ```
/// use skycover::terrain::{site_viewshed_sector, synth, Terrain};
/// use skycover::{Catalogue, Grid, Site};
/// let cat = Catalogue::builtin();
/// let grid = Grid::covering([-5_000.0, -5_000.0, 5_000.0, 5_000.0], 250.0, 1 << 20)?;
/// let t = Terrain::from_local_dem(&synth::fractal(&grid, 1, 100.0, 0.7)?)?;
/// let patriot = Site::new(cat.class_id("patriot_class")?, [0.0, 0.0], 90.0);
/// let s = site_viewshed_sector(&cat, &patriot, &t).expect("a 120° sector radar");
/// assert!((s.width_rad - 120f64.to_radians() - 0.02).abs() < 1e-3);
/// let cuas = Site::new(cat.class_id("counter_uas")?, [0.0, 0.0], 0.0);
/// assert!(site_viewshed_sector(&cat, &cuas, &t).is_none());
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn site_viewshed_sector(
    catalogue: &Catalogue,
    site: &Site,
    terrain: &Terrain,
) -> Option<ViewshedSector> {
    use std::f64::consts::{PI, TAU};
    let width_deg = catalogue.class(site.class).sector_deg;
    if width_deg.is_nan() || width_deg >= 360.0 {
        return None;
    }
    // per footprint: (start, width) in local math angles (counter-clockwise from +x)
    let mut arcs: Vec<(f64, f64)> = Vec::new();
    for layer in catalogue.layers() {
        let fp = Footprint::new_over(catalogue, site, layer, terrain);
        if fp.is_empty() {
            continue;
        }
        // clockwise from a grid bearing = counter-clockwise from 90° − (start + width)
        let (start_deg, width_deg) = fp.sector()?;
        arcs.push((
            (90.0 - start_deg - width_deg).to_radians(),
            width_deg.to_radians(),
        ));
    }
    let &(s0, w0) = arcs.first()?;
    // hull around the first arc's middle (all arcs of one site share its facing)
    let mid = s0 + w0 / 2.0;
    let wrap = |a: f64| (a + PI).rem_euclid(TAU) - PI;
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &(s, w) in &arcs {
        let a = wrap(s + w / 2.0 - mid);
        lo = lo.min(a - w / 2.0);
        hi = hi.max(a + w / 2.0);
    }
    let width = hi - lo + 2.0 * SECTOR_PAD_RAD;
    if width.is_nan() || width >= TAU - 1e-9 {
        return None;
    }
    Some(ViewshedSector {
        start_rad: (mid + lo - SECTOR_PAD_RAD).rem_euclid(TAU),
        width_rad: width,
    })
}

/// The terrain of a scenario: flat (the default) or an elevation grid in the local frame.
///
/// Cloning is cheap (the grid is shared).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Terrain {
    /// No terrain model: every line of sight is clear (the smooth-earth radar horizon of the
    /// heights above local ground is applied by [`crate::Footprint`]).
    #[default]
    Flat,
    /// A DEM resampled onto the local frame.
    Raster(Arc<ElevationGrid>),
}

impl Terrain {
    /// Elevation in metres at local `(x, y)`: 0 for [`Terrain::Flat`], otherwise
    /// [`ElevationGrid::elevation`] (0 m outside the grid).
    #[inline]
    pub fn elevation(&self, x: f64, y: f64) -> f64 {
        match self {
            Terrain::Flat => 0.0,
            Terrain::Raster(g) => g.elevation(x, y),
        }
    }

    /// True for [`Terrain::Flat`].
    pub fn is_flat(&self) -> bool {
        matches!(self, Terrain::Flat)
    }

    /// The elevation grid, if any.
    pub fn grid(&self) -> Option<&ElevationGrid> {
        match self {
            Terrain::Flat => None,
            Terrain::Raster(g) => Some(g),
        }
    }

    /// Distance between successive terrain samples along a line of sight: half a terrain
    /// cell (`None` for flat terrain, which needs no samples).
    pub fn sample_step_m(&self) -> Option<f64> {
        self.grid().map(|g| g.cell_m / 2.0)
    }

    /// Wraps an elevation grid.
    pub fn from_grid(grid: ElevationGrid) -> Terrain {
        Terrain::Raster(Arc::new(grid))
    }

    /// Uses a DEM that is already in local metres cell for cell (no resampling): the terrain
    /// grid has the DEM's cells, whose centres become the grid's sample points.
    ///
    /// # Errors
    /// [`Error::Terrain`] when the DEM is not in [`DemCrs::LocalMetres`] (use
    /// [`from_dem`](Self::from_dem)) or its cells are not square.
    pub fn from_local_dem(dem: &Dem) -> Result<Terrain> {
        if dem.crs() != DemCrs::LocalMetres {
            return Err(Error::Terrain {
                reason: format!(
                    "DEM is in {}, not local metres; resample it with Terrain::from_dem",
                    dem.crs()
                ),
            });
        }
        let [dx, dy] = dem.cell_size();
        if dx != dy {
            return Err(Error::Terrain {
                reason: format!(
                    "DEM cells are {dx} × {dy} m; use Terrain::from_dem to resample onto square cells"
                ),
            });
        }
        let b = dem.bounds();
        let (nx, ny) = (dem.ncols(), dem.nrows());
        let mut z = Vec::with_capacity(nx * ny);
        for row in dem.values().chunks(nx).rev() {
            z.extend_from_slice(row);
        }
        let grid = ElevationGrid::new([b[0] + dx / 2.0, b[1] + dy / 2.0], dx, nx, ny, z)?;
        Ok(Terrain::from_grid(grid))
    }

    /// Resamples `dem` once onto local cells of `cell_m` metres covering `bbox`
    /// (`[min_x, min_y, max_x, max_y]`, local metres), bilinearly; the whole box must be
    /// covered by the DEM. [`resample::resample`] does the work (and takes several tiles, an
    /// [`OutsidePolicy`], and returns diagnostics).
    ///
    /// Each local cell centre is mapped to the DEM's coordinates (through `frame` for a
    /// longitude/latitude DEM, then through the DEM's EPSG CRS with proj4rs: exactly at every
    /// 16th cell, bilinearly in between, which is accurate to well under a metre) and the DEM
    /// is sampled there with [`Dem::sample`]. Choose `cell_m` about the evaluation grid's
    /// resolution or finer; line-of-sight cost grows as its inverse.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a non-positive cell size or an invalid box;
    /// [`Error::ResourceLimit`] above [`MAX_TERRAIN_CELLS`] cells;
    /// [`Error::UnsupportedCrs`] for a DEM of unspecified or unsupported CRS;
    /// [`Error::TerrainNotCovered`] when part of the box is outside the DEM.
    ///
    /// Complexity: O(cells), parallel over rows.
    pub fn from_dem(dem: &Dem, frame: &LocalFrame, bbox: [f64; 4], cell_m: f64) -> Result<Terrain> {
        resample::resample(
            std::slice::from_ref(dem),
            frame,
            bbox,
            cell_m,
            OutsidePolicy::Error,
        )
        .map(|m| m.terrain)
    }

    /// The box a scenario's terrain must cover: its demand box (zones, assets, corridors),
    /// candidate areas and points, and existing sites, padded by two cells of `cell_m`. Every
    /// line of sight between a site and a demand sample lies inside it.
    pub fn scenario_bbox(scenario: &Scenario, cell_m: f64) -> [f64; 4] {
        let mut b = scenario.demand_bbox();
        let mut add = |x: f64, y: f64| {
            b[0] = b[0].min(x);
            b[1] = b[1].min(y);
            b[2] = b[2].max(x);
            b[3] = b[3].max(y);
        };
        for r in scenario.candidate_areas() {
            for p in &r.local.0 {
                for c in p.exterior().coords() {
                    add(c.x, c.y);
                }
            }
        }
        for c in scenario.candidate_points() {
            add(c.local[0], c.local[1]);
        }
        for s in scenario.sites() {
            add(s.position[0], s.position[1]);
        }
        if !b.iter().all(|v| v.is_finite()) {
            b = [0.0; 4];
        }
        let pad = 2.0 * cell_m;
        [b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad]
    }

    /// The terrain a scenario names in its `terrain` setting (a `.asc` or `.tif` path, or a
    /// list of tiles, relative to `base_dir`, normally the scenario file's directory; with
    /// its `terrain_crs` and `terrain_outside` settings: see [`TerrainSource`]), resampled at
    /// `cell_m` over [`scenario_bbox`](Self::scenario_bbox); [`Terrain::Flat`] when it names
    /// none. The diagnostics of building it are dropped: use
    /// [`for_scenario_with_diagnostics`](Self::for_scenario_with_diagnostics) or
    /// [`Scenario::build_terrain`] to keep them.
    ///
    /// # Errors
    /// As [`Dem::from_path`] and [`from_dem`](Self::from_dem) (unless `terrain_outside`
    /// chooses a fill, [`Error::TerrainNotCovered`] when the DEM does not cover the box).
    pub fn for_scenario(scenario: &Scenario, base_dir: &Path, cell_m: f64) -> Result<Terrain> {
        Terrain::for_scenario_with_diagnostics(scenario, base_dir, cell_m).map(|m| m.terrain)
    }

    /// The terrain of a scenario loaded without a base directory (e.g. [`Scenario::builtin`]):
    /// its `terrain` setting's file stem names a built-in DEM ([`Dem::builtin`]; e.g.
    /// `"../terrain/kyiv.asc"` → `"kyiv"`), resampled as in
    /// [`for_scenario`](Self::for_scenario); [`Terrain::Flat`] when it names none.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the stem is not a built-in DEM; otherwise as
    /// [`for_scenario_with_dem`](Self::for_scenario_with_dem).
    ///
    /// # Examples
    /// ```
    /// use skycover::terrain::Terrain;
    /// use skycover::Scenario;
    /// let kyiv = Scenario::builtin("kyiv")?;
    /// assert!(!Terrain::for_builtin_scenario(&kyiv, 2_000.0)?.is_flat());
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn for_builtin_scenario(scenario: &Scenario, cell_m: f64) -> Result<Terrain> {
        Terrain::for_builtin_scenario_with_diagnostics(scenario, cell_m).map(|m| m.terrain)
    }

    /// `dem` resampled at `cell_m` over the scenario's [`scenario_bbox`](Self::scenario_bbox)
    /// in its frame (e.g. with [`Dem::builtin`] for a built-in scenario), with the scenario's
    /// `terrain_outside` policy.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a non-positive cell size; otherwise as
    /// [`resample::resample`].
    pub fn for_scenario_with_dem(scenario: &Scenario, dem: &Dem, cell_m: f64) -> Result<Terrain> {
        Terrain::model_for_scenario(
            scenario,
            std::slice::from_ref(dem),
            cell_m,
            scenario.settings().terrain_source.outside,
        )
        .map(|m| m.terrain)
    }
}
