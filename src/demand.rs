//! Demand: a scenario discretised into weighted sample points.
//!
//! * **Grid samples**: a regular grid of square cells over the deployment zones, at the
//!   scenario's `grid_resolution_m`; a cell is a sample when its centre is inside a zone
//!   (the highest-priority zone when zones overlap). Weight = cell area in km² × zone priority.
//! * **Asset samples**: one per defended asset. Weight = value × `asset_value_km2` (a setting,
//!   default [`DEFAULT_ASSET_VALUE_KM2`]: one unit of asset value weighs as much as that many
//!   km² of priority-1 zone, so assets and areas share one objective).
//! * **Corridor samples**: points along each corridor's centre line at about one cell's
//!   spacing, and across its width at the same spacing. Weight = spacing² in km² × priority.
//!
//! Grid samples come first, in row-major cell order, so the raster evaluation path can address
//! them by cell. Each sample remembers its origin ([`SampleOrigin`]) and its required depth per
//! threat.

use crate::catalogue::ThreatId;
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use geo::{LineString, MultiPolygon};
use serde::{Deserialize, Serialize};

/// Default weight of one unit of asset value, in km² of priority-1 zone.
pub const DEFAULT_ASSET_VALUE_KM2: f64 = 25.0;

/// Where a demand sample comes from (indices into the scenario's zones, assets, corridors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SampleOrigin {
    /// A grid cell of zone `n`.
    Zone(usize),
    /// Defended asset `n`.
    Asset(usize),
    /// A point of corridor `n`.
    Corridor(usize),
}

/// A regular grid of square cells in the local frame. Cell `(i, j)` has its centre at
/// `(origin[0] + i·cell_m, origin[1] + j·cell_m)` (computed exactly so, everywhere).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    /// Centre of cell (0, 0), local metres.
    pub origin: [f64; 2],
    /// Side of a cell, metres.
    pub cell_m: f64,
    /// Number of columns.
    pub nx: usize,
    /// Number of rows.
    pub ny: usize,
}

impl Grid {
    /// A grid covering `bbox = [min_x, min_y, max_x, max_y]` with cells of `cell_m`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a non-positive cell size or an empty box;
    /// [`Error::ResourceLimit`] when the grid would have more than `max_cells` cells
    /// (checked before allocating anything).
    pub fn covering(bbox: [f64; 4], cell_m: f64, max_cells: u64) -> Result<Grid> {
        if !cell_m.is_finite() || cell_m <= 0.0 {
            return Err(Error::InvalidInput {
                what: "grid cell size".into(),
                reason: format!("{cell_m} must be a finite number > 0"),
            });
        }
        if !bbox.iter().all(|v| v.is_finite()) || bbox[2] < bbox[0] || bbox[3] < bbox[1] {
            return Err(Error::InvalidInput {
                what: "grid extent".into(),
                reason: format!("{bbox:?} is not a valid box"),
            });
        }
        let nxf = ((bbox[2] - bbox[0]) / cell_m).ceil().max(1.0);
        let nyf = ((bbox[3] - bbox[1]) / cell_m).ceil().max(1.0);
        let cells = nxf * nyf;
        if cells > max_cells as f64 {
            return Err(Error::ResourceLimit {
                what: "demand grid cells",
                requested: cells.min(u64::MAX as f64) as u64,
                limit: max_cells,
                setting: "limits.max_grid_cells (or grid_resolution_m)",
            });
        }
        let (nx, ny) = (nxf as usize, nyf as usize);
        // centre the grid on the box
        let ox = (bbox[0] + bbox[2]) / 2.0 - (nx as f64 - 1.0) * cell_m / 2.0;
        let oy = (bbox[1] + bbox[3]) / 2.0 - (ny as f64 - 1.0) * cell_m / 2.0;
        Ok(Grid {
            origin: [ox, oy],
            cell_m,
            nx,
            ny,
        })
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.nx * self.ny
    }

    /// True for a grid with no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// x of the centres of column `i`.
    #[inline(always)]
    pub fn x(&self, i: usize) -> f64 {
        self.origin[0] + i as f64 * self.cell_m
    }

    /// y of the centres of row `j`.
    #[inline(always)]
    pub fn y(&self, j: usize) -> f64 {
        self.origin[1] + j as f64 * self.cell_m
    }

    /// Centre of cell `(i, j)`.
    #[inline(always)]
    pub fn centre(&self, i: usize, j: usize) -> [f64; 2] {
        [self.x(i), self.y(j)]
    }

    /// Area of one cell in km².
    pub fn cell_area_km2(&self) -> f64 {
        self.cell_m * self.cell_m / 1e6
    }
}

/// Calls `emit(j, i0, i1)` for each run `i0..i1` of cells of row `j` whose centres lie inside
/// `mp` (even-odd rule over all rings: holes excluded), by scanline.
///
/// Cost: O(rows × edges crossing the row); no per-cell point-in-polygon test.
pub fn scan_polygon(
    grid: &Grid,
    mp: &MultiPolygon<f64>,
    mut emit: impl FnMut(usize, usize, usize),
) {
    let mut edges: Vec<([f64; 2], [f64; 2])> = Vec::new();
    let mut add_ring = |ls: &LineString<f64>| {
        for w in ls.0.windows(2) {
            edges.push(([w[0].x, w[0].y], [w[1].x, w[1].y]));
        }
    };
    for p in &mp.0 {
        add_ring(p.exterior());
        for h in p.interiors() {
            add_ring(h);
        }
    }
    if edges.is_empty() || grid.is_empty() {
        return;
    }
    let (mut ymin, mut ymax) = (f64::INFINITY, f64::NEG_INFINITY);
    for (a, b) in &edges {
        ymin = ymin.min(a[1].min(b[1]));
        ymax = ymax.max(a[1].max(b[1]));
    }
    let j0 = (((ymin - grid.origin[1]) / grid.cell_m).floor().max(0.0)) as usize;
    let j1 =
        ((((ymax - grid.origin[1]) / grid.cell_m).ceil() + 1.0).max(0.0) as usize).min(grid.ny);
    let mut xs: Vec<f64> = Vec::new();
    for j in j0..j1 {
        let y = grid.y(j);
        xs.clear();
        for (a, b) in &edges {
            // half-open rule: an edge counts when y is in [min, max)
            let (lo, hi) = if a[1] <= b[1] { (a, b) } else { (b, a) };
            if y >= lo[1] && y < hi[1] {
                let t = (y - lo[1]) / (hi[1] - lo[1]);
                xs.push(lo[0] + t * (hi[0] - lo[0]));
            }
        }
        xs.sort_by(f64::total_cmp);
        for pair in xs.chunks_exact(2) {
            // cells with centre x in [pair[0], pair[1])
            let i0 = ((pair[0] - grid.origin[0]) / grid.cell_m).ceil().max(0.0);
            let i1 = (((pair[1] - grid.origin[0]) / grid.cell_m).ceil()).max(0.0);
            let (i0, i1) = ((i0 as usize).min(grid.nx), (i1 as usize).min(grid.nx));
            if i0 < i1 {
                emit(j, i0, i1);
            }
        }
    }
}

/// Checks that every sample weight of `demand` is finite, naming the feature and field that
/// made it overflow (priority, value, asset_value_km2, width).
pub(crate) fn check_weights(scenario: &Scenario, demand: &Demand) -> Result<()> {
    let Some(i) = demand
        .weights
        .iter()
        .position(|w| !w.is_finite() || *w < 0.0)
    else {
        return Ok(());
    };
    let what = match demand.origins.get(i) {
        Some(SampleOrigin::Zone(z)) => scenario
            .zones()
            .get(*z)
            .map(|z| format!("zone \"{}\" properties.priority (× grid cell area)", z.id)),
        Some(SampleOrigin::Asset(a)) => scenario.assets().get(*a).map(|a| {
            format!(
                "asset \"{}\" properties.value (× setting asset_value_km2)",
                a.id
            )
        }),
        Some(SampleOrigin::Corridor(c)) => scenario.corridors().get(*c).map(|c| {
            format!(
                "corridor \"{}\" properties.priority / properties.width_m",
                c.id
            )
        }),
        None => None,
    }
    .unwrap_or_else(|| format!("demand sample {i}"));
    Err(Error::InvalidInput {
        what,
        reason: format!(
            "gives a sample weight of {}: keep weights ≤ {:e}",
            demand.weights[i],
            crate::validate::MAX_WEIGHT
        ),
    })
}

/// The scenario discretised into weighted samples. See the [module docs](self).
///
/// # Examples
/// ```
/// use skycover::{Demand, Scenario};
/// let scenario = Scenario::builtin("kyiv")?;
/// let demand = Demand::from_scenario(&scenario)?;
/// assert!(demand.grid_samples() > 1_000);
/// assert_eq!(demand.len(), demand.grid_samples() + demand.point_samples());
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    grid: Grid,
    n_grid: usize,
    /// cell index (j·nx + i) of each grid sample, increasing
    cells: Vec<u32>,
    /// per cell: grid sample index + 1, or 0 when the cell is not a sample
    cell_sample: Vec<u32>,
    positions: Vec<[f64; 2]>,
    weights: Vec<f64>,
    origins: Vec<SampleOrigin>,
    required: Vec<u8>,
    n_threats: usize,
    diagnostics: Vec<crate::diagnostic::Diagnostic>,
}

impl Demand {
    /// Discretises `scenario` at its `grid_resolution_m`.
    ///
    /// # Errors
    /// [`Error::ResourceLimit`] when the grid would exceed `limits.max_grid_cells`.
    pub fn from_scenario(scenario: &Scenario) -> Result<Demand> {
        Self::with_resolution(scenario, scenario.settings().grid_resolution_m)
    }

    /// Discretises `scenario` with grid cells of `cell_m` metres.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a non-positive cell size; [`Error::ResourceLimit`] when the
    /// grid would exceed `limits.max_grid_cells`.
    pub fn with_resolution(scenario: &Scenario, cell_m: f64) -> Result<Demand> {
        let nt = scenario.catalogue().threats().len();
        let mut limits = scenario.settings().limits;
        limits.max_grid_cells = limits
            .max_grid_cells
            .min(crate::validate::MAX_GRID_CELLS_CEILING);
        if !cell_m.is_finite() || cell_m < crate::validate::MIN_RESOLUTION_M {
            return Err(Error::InvalidInput {
                what: "grid cell size (grid_resolution_m)".into(),
                reason: format!(
                    "{cell_m} m must be a finite number ≥ {} m",
                    crate::validate::MIN_RESOLUTION_M
                ),
            });
        }
        let mut bbox = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for z in scenario.zones() {
            for p in &z.local.0 {
                for c in p.exterior().coords() {
                    bbox[0] = bbox[0].min(c.x);
                    bbox[1] = bbox[1].min(c.y);
                    bbox[2] = bbox[2].max(c.x);
                    bbox[3] = bbox[3].max(c.y);
                }
            }
        }
        if scenario.zones().is_empty() {
            bbox = [0.0, 0.0, 0.0, 0.0];
        }
        let grid = Grid::covering(bbox, cell_m, limits.max_grid_cells)?;
        let mut d = Demand {
            grid,
            n_grid: 0,
            cells: Vec::new(),
            cell_sample: Vec::new(),
            positions: Vec::new(),
            weights: Vec::new(),
            origins: Vec::new(),
            required: Vec::new(),
            n_threats: nt,
            diagnostics: Vec::new(),
        };
        if !scenario.zones().is_empty() {
            // owner zone per cell: highest priority wins, then lowest index
            let mut owner: Vec<u32> = vec![u32::MAX; grid.len()];
            let zones = scenario.zones();
            for (zi, z) in zones.iter().enumerate() {
                scan_polygon(&grid, &z.local, |j, i0, i1| {
                    for o in &mut owner[j * grid.nx + i0..j * grid.nx + i1] {
                        let better = *o == u32::MAX || zones[*o as usize].priority < z.priority;
                        if better {
                            *o = zi as u32;
                        }
                    }
                });
            }
            d.cell_sample = vec![0; grid.len()];
            let area = grid.cell_area_km2();
            for (c, &o) in owner.iter().enumerate() {
                if o == u32::MAX {
                    continue;
                }
                let z = &zones[o as usize];
                let (i, j) = (c % grid.nx, c / grid.nx);
                d.cells.push(c as u32);
                d.cell_sample[c] = d.positions.len() as u32 + 1;
                d.positions.push(grid.centre(i, j));
                d.weights.push(area * z.priority);
                d.origins.push(SampleOrigin::Zone(o as usize));
                d.required.extend_from_slice(&z.required_depth);
            }
        }
        d.n_grid = d.positions.len();
        // a zone smaller than a grid cell (or hidden by higher-priority zones) gets no sample:
        // its demand is silently dropped unless we say so
        let mut per_zone = vec![0usize; scenario.zones().len()];
        for o in &d.origins {
            if let SampleOrigin::Zone(z) = o {
                if let Some(n) = per_zone.get_mut(*z) {
                    *n += 1;
                }
            }
        }
        for (z, n) in scenario.zones().iter().zip(&per_zone) {
            if *n == 0 {
                d.diagnostics.push(
                    crate::diagnostic::Diagnostic::warning(
                        crate::diagnostic::codes::DEMAND_ZONE_WITHOUT_SAMPLES,
                        format!(
                            "zone \"{}\" ({:.3} km²) got no grid sample at {cell_m} m cells \
                             (smaller than a cell, or inside higher-priority zones): it adds \
                             no demand; lower `grid_resolution_m`",
                            z.id,
                            z.area_km2()
                        ),
                    )
                    .with_field("grid_resolution_m"),
                );
            }
        }
        let scale = scenario.settings().asset_value_km2;
        for (ai, a) in scenario.assets().iter().enumerate() {
            d.positions.push(a.local);
            d.weights.push(a.value * scale);
            d.origins.push(SampleOrigin::Asset(ai));
            d.required.extend_from_slice(&a.required_depth);
        }
        for (ci, c) in scenario.corridors().iter().enumerate() {
            let step = cell_m.min(c.width_m.max(1.0)).max(c.width_m / 64.0);
            if !step.is_finite() || !c.width_m.is_finite() || step <= 0.0 {
                return Err(Error::InvalidInput {
                    what: format!("corridor \"{}\" properties.width_m", c.id),
                    reason: format!("{} m gives no usable sample step", c.width_m),
                });
            }
            // counts in f64 first: a 1e-300 m width must not overflow into a huge allocation
            let across_f = (c.width_m / step).round().max(1.0);
            let w = step * step / 1e6 * c.priority;
            let mut extra = 0.0f64;
            let mut total_len = 0.0f64;
            for seg in c.local.0.windows(2) {
                let (a, b) = ([seg[0].x, seg[0].y], [seg[1].x, seg[1].y]);
                let len = (b[0] - a[0]).hypot(b[1] - a[1]);
                if len == 0.0 {
                    continue;
                }
                total_len += len;
                let along_f = (len / step).ceil().max(1.0);
                extra += along_f * across_f;
                if d.positions.len() as f64 + extra > limits.max_grid_cells as f64 {
                    return Err(Error::ResourceLimit {
                        what: "corridor demand samples",
                        requested: (d.positions.len() as f64 + extra).min(u64::MAX as f64) as u64,
                        limit: limits.max_grid_cells,
                        setting: "limits.max_grid_cells (or grid_resolution_m, width_m)",
                    });
                }
                let (along, across) = (along_f as usize, across_f as usize);
                let (ux, uy) = ((b[0] - a[0]) / len, (b[1] - a[1]) / len);
                let (nx, ny) = (-uy, ux);
                for k in 0..along {
                    let t = (k as f64 + 0.5) * len / along as f64;
                    for m in 0..across {
                        let off = (m as f64 + 0.5) * c.width_m / across as f64 - c.width_m / 2.0;
                        d.positions
                            .push([a[0] + ux * t + nx * off, a[1] + uy * t + ny * off]);
                        d.weights.push(
                            w * (len / along as f64) * (c.width_m / across as f64) / (step * step),
                        );
                        d.origins.push(SampleOrigin::Corridor(ci));
                        d.required.extend_from_slice(&c.required_depth);
                    }
                }
            }
            if total_len == 0.0 {
                return Err(Error::InvalidInput {
                    what: format!("corridor \"{}\" geometry", c.id),
                    reason: "the corridor has zero length in the local frame: it would add no \
                             demand"
                        .into(),
                });
            }
        }
        check_weights(scenario, &d)?;
        Ok(d)
    }

    /// Builds demand from explicit points (no grid): positions, weights and required depth
    /// per threat (`required[s * n_threats + t]`), all origins set to [`SampleOrigin::Asset`]
    /// with the point's index.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for mismatched lengths, non-finite values, negative weights or
    /// depths outside 1..=8.
    pub fn from_points(
        positions: Vec<[f64; 2]>,
        weights: Vec<f64>,
        required: Vec<u8>,
        n_threats: usize,
    ) -> Result<Demand> {
        let n = positions.len();
        if weights.len() != n || required.len() != n * n_threats || n_threats == 0 {
            return Err(Error::InvalidInput {
                what: "demand points".into(),
                reason: format!(
                    "{n} positions need {n} weights and {} required depths (got {} and {})",
                    n * n_threats,
                    weights.len(),
                    required.len()
                ),
            });
        }
        if let Some(i) = positions
            .iter()
            .position(|p| !p[0].is_finite() || !p[1].is_finite())
        {
            return Err(Error::InvalidInput {
                what: format!("demand point {i}"),
                reason: "position is not finite".into(),
            });
        }
        if let Some(i) = weights.iter().position(|w| !w.is_finite() || *w < 0.0) {
            return Err(Error::InvalidInput {
                what: format!("demand point {i}"),
                reason: "weight must be finite and ≥ 0".into(),
            });
        }
        if let Some(i) = required
            .iter()
            .position(|r| *r == 0 || *r > crate::scenario::MAX_REQUIRED_DEPTH)
        {
            return Err(Error::InvalidInput {
                what: format!("required depth {i}"),
                reason: "must be in 1..=8".into(),
            });
        }
        Ok(Demand {
            grid: Grid {
                origin: [0.0, 0.0],
                cell_m: 1.0,
                nx: 0,
                ny: 0,
            },
            n_grid: 0,
            cells: Vec::new(),
            cell_sample: Vec::new(),
            origins: (0..n).map(SampleOrigin::Asset).collect(),
            positions,
            weights,
            required,
            n_threats,
            diagnostics: Vec::new(),
        })
    }

    /// Builds demand from a grid and a cell mask (no scenario): every cell `c = j·nx + i` with
    /// `mask[c]` becomes a grid sample at the cell centre, in row-major order, with weight
    /// = cell area in km², origin [`SampleOrigin::Zone`]`(0)` and required depth `required[t]`
    /// against threat `t`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a non-finite origin, a non-positive cell size, a mask whose
    /// length is not `nx·ny`, a grid of more than 2³² − 1 cells, no threats, or depths outside
    /// 1..=8.
    pub fn from_grid(grid: Grid, mask: &[bool], required: &[u8]) -> Result<Demand> {
        let bad = |what: &str, reason: String| Error::InvalidInput {
            what: what.into(),
            reason,
        };
        let finite = grid.cell_m.is_finite() && grid.origin.iter().all(|v| v.is_finite());
        if !finite || grid.cell_m <= 0.0 {
            return Err(bad("grid", format!("{grid:?} is not a valid grid")));
        }
        let n = grid.nx.saturating_mul(grid.ny);
        if n >= u32::MAX as usize {
            return Err(bad("grid", format!("{n} cells, at most {}", u32::MAX - 1)));
        }
        if mask.len() != n {
            return Err(bad(
                "grid mask",
                format!("{} entries for {n} cells", mask.len()),
            ));
        }
        if required.is_empty()
            || required
                .iter()
                .any(|r| *r == 0 || *r > crate::scenario::MAX_REQUIRED_DEPTH)
        {
            return Err(bad(
                "required depths",
                "need one per threat, each in 1..=8".into(),
            ));
        }
        let mut d = Demand {
            grid,
            n_grid: 0,
            cells: Vec::new(),
            cell_sample: vec![0; n],
            positions: Vec::new(),
            weights: Vec::new(),
            origins: Vec::new(),
            required: Vec::new(),
            n_threats: required.len(),
            diagnostics: Vec::new(),
        };
        let area = grid.cell_area_km2();
        for (c, _) in mask.iter().enumerate().filter(|(_, m)| **m) {
            let (i, j) = (c % grid.nx, c / grid.nx);
            d.cells.push(c as u32);
            d.cell_sample[c] = d.positions.len() as u32 + 1;
            d.positions.push(grid.centre(i, j));
            d.weights.push(area);
            d.origins.push(SampleOrigin::Zone(0));
            d.required.extend_from_slice(required);
        }
        d.n_grid = d.positions.len();
        Ok(d)
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// The grid the grid samples live on.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// Number of grid samples (they are samples `0..grid_samples()`).
    pub fn grid_samples(&self) -> usize {
        self.n_grid
    }

    /// Number of point samples (assets and corridors), after the grid samples.
    pub fn point_samples(&self) -> usize {
        self.positions.len() - self.n_grid
    }

    /// Cell index (`j·nx + i`) of each grid sample, increasing.
    pub fn grid_cells(&self) -> &[u32] {
        &self.cells
    }

    /// The grid sample of cell `c`, if the cell is a sample.
    pub fn sample_of_cell(&self, c: usize) -> Option<usize> {
        match self.cell_sample.get(c) {
            Some(&v) if v > 0 => Some(v as usize - 1),
            _ => None,
        }
    }

    /// Positions of all samples, local metres.
    pub fn positions(&self) -> &[[f64; 2]] {
        &self.positions
    }

    /// Weights of all samples.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Origins of all samples.
    pub fn origins(&self) -> &[SampleOrigin] {
        &self.origins
    }

    /// Typed remarks on the discretisation (e.g. a zone that got no sample), codes in
    /// [`crate::diagnostic::codes`].
    pub fn diagnostics(&self) -> &[crate::diagnostic::Diagnostic] {
        &self.diagnostics
    }

    /// Number of threat classes.
    pub fn n_threats(&self) -> usize {
        self.n_threats
    }

    /// Required depth of sample `s` against `threat` (0 when either is out of range).
    #[inline]
    pub fn required_depth(&self, s: usize, threat: ThreatId) -> u8 {
        if threat.0 >= self.n_threats {
            return 0;
        }
        s.checked_mul(self.n_threats)
            .and_then(|i| i.checked_add(threat.0))
            .and_then(|i| self.required.get(i))
            .copied()
            .unwrap_or(0)
    }

    /// Required depths of sample `s`, indexed by threat (empty when `s` is out of range).
    pub fn required_depths(&self, s: usize) -> &[u8] {
        let nt = self.n_threats;
        s.checked_mul(nt)
            .and_then(|a| Some(a..a.checked_add(nt)?))
            .and_then(|r| self.required.get(r))
            .unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, Point, Polygon};
    use proptest::prelude::*;

    fn star(cx: f64, cy: f64, r: &[f64]) -> MultiPolygon<f64> {
        let n = r.len();
        let mut pts: Vec<(f64, f64)> = (0..n)
            .map(|k| {
                let a = std::f64::consts::TAU * k as f64 / n as f64;
                (cx + r[k] * a.cos(), cy + r[k] * a.sin())
            })
            .collect();
        pts.push(pts[0]);
        MultiPolygon(vec![Polygon::new(LineString::from(pts), vec![])])
    }

    proptest! {
        /// Scanline fill agrees with geo's point-in-polygon on every cell centre.
        #[test]
        fn scan_polygon_matches_contains(
            r in proptest::collection::vec(1_000.0f64..20_000.0, 3..16),
            cx in -5_000.0f64..5_000.0, cy in -5_000.0f64..5_000.0,
            cell in 300.0f64..3_000.0,
        ) {
            let mp = star(cx, cy, &r);
            let grid = Grid::covering([-25_000.0, -25_000.0, 25_000.0, 25_000.0], cell, 1 << 22).unwrap();
            let mut got = vec![false; grid.len()];
            scan_polygon(&grid, &mp, |j, i0, i1| for i in i0..i1 { got[j * grid.nx + i] = true; });
            for j in 0..grid.ny {
                for i in 0..grid.nx {
                    let p = grid.centre(i, j);
                    let want = mp.contains(&Point::new(p[0], p[1]));
                    // points on the boundary are ambiguous: geo says "not contained"
                    if got[j * grid.nx + i] != want {
                        let on_edge = mp.0[0].exterior().lines().any(|l| {
                            let (a, b) = (l.start, l.end);
                            let cross = (b.x - a.x) * (p[1] - a.y) - (b.y - a.y) * (p[0] - a.x);
                            cross.abs() < 1e-6 * (b.x - a.x).hypot(b.y - a.y)
                        });
                        prop_assert!(on_edge, "cell {i},{j} at {p:?}: scan {} contains {want}", got[j * grid.nx + i]);
                    }
                }
            }
        }
    }

    #[test]
    fn grid_limit_checked_before_allocation() {
        let e = Grid::covering([0.0, 0.0, 1e7, 1e7], 1.0, 1_000_000).unwrap_err();
        assert!(
            matches!(e, Error::ResourceLimit { requested, .. } if requested == 100_000_000_000_000)
        );
        assert!(Grid::covering([0.0, 0.0, 1.0, 1.0], 0.0, 10).is_err());
        assert!(Grid::covering([0.0, 0.0, 1.0, 1.0], f64::NAN, 10).is_err());
    }

    #[test]
    fn kyiv_demand_matches_zone_area() {
        let s = Scenario::builtin("kyiv").unwrap();
        let d = Demand::from_scenario(&s).unwrap();
        let zone_area: f64 = s.zones().iter().map(|z| z.area_km2()).sum();
        let grid_area = d.grid_samples() as f64 * d.grid().cell_area_km2();
        // boundary cells: perimeter / cell ≈ a few hundred cells of 1 km² on an 80 km zone
        assert!(
            (grid_area - zone_area).abs() < 0.03 * zone_area,
            "{grid_area} vs {zone_area}"
        );
        assert!(d.point_samples() >= s.assets().len());
        for (k, &c) in d.grid_cells().iter().enumerate() {
            assert_eq!(d.sample_of_cell(c as usize), Some(k));
        }
        assert!(d.weights().iter().all(|w| *w > 0.0));
        let asset_samples = d
            .origins()
            .iter()
            .filter(|o| matches!(o, SampleOrigin::Asset(_)))
            .count();
        assert_eq!(asset_samples, s.assets().len());
    }
}
