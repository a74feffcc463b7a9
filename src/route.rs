//! Least-exposure routes: the path a drone or cruise missile would fly to spend the least
//! time seen and engaged, within a maximum detour.
//!
//! # Method
//!
//! A regular grid of `cell_m` cells is laid over the ellipse of all points `x` with
//! `|x − from| + |to − x| ≤ D · |to − from|` (`D` = [`ExposureOptions::max_detour`]: no path
//! through a point outside it can meet the detour cap). Each cell centre gets an exposure rate
//! `r = [seen by some sensor] + w · [inside some weapon's engagement zone]` at the threat's
//! height, with exactly the rules of [`crate::timeline`] (sensor range, radar horizon, sector,
//! terrain line of sight; kinematic envelope ∩ own or netted track). Moving between
//! neighbouring cells (16-connected: the 8 king moves and the 8 knight moves, which bound the
//! length error of grid paths to about 3 % instead of 8 %) costs
//! `(ℓ / v) · ((r₁ + r₂) / 2 + λ)`: time under exposure plus `λ` times the time of flight.
//! The least-cost path is found with **Dijkstra's algorithm** (E. W. Dijkstra, "A note on two
//! problems in connexion with graphs", Numerische Mathematik 1, 1959) with a binary heap and
//! deterministic tie-breaking. The detour cap is met by **Lagrangian relaxation** of the
//! length constraint (the classic approach to the resource-constrained shortest path, G. Y.
//! Handler and I. Zang, Networks 10, 1980): starting from a small `λ`, λ is tripled until the
//! path is no longer than `D · |to − from|`; the straight segment is the fallback when no λ
//! meets the cap (a warning diagnostic says so).
//!
//! The answer is a grid path: it is optimal on the grid, not in the plane, and its exposure is
//! then measured exactly by a [`Timeline`](crate::timeline::Timeline) on the path itself.
//!
//! # Examples
//! ```
//! use skycover::route::{least_exposure_route, ExposureOptions};
//! use skycover::timeline::{timeline, Defence, Polyline};
//! use skycover::{Catalogue, Site};
//! let cat = Catalogue::builtin();
//! let cuas = cat.class_id("counter_uas")?;
//! let drone = cat.threat_id("drone")?;
//! // one gun right on the straight line: the drone goes round it
//! let sites = [Site::new(cuas, [0.0, 0.0], 0.0)];
//! let d = Defence::new(&cat, &sites);
//! let opts = ExposureOptions { cell_m: 250.0, ..ExposureOptions::default() };
//! let r = least_exposure_route(&d, drone, 50.0, [-20_000.0, 0.0], [20_000.0, 500.0], &opts)?;
//! let exposed = timeline(&d, drone, 50.0, 51.0, &r.path)?;
//! let straight = Polyline::new(vec![[-20_000.0, 0.0], [20_000.0, 500.0]])?;
//! let direct = timeline(&d, drone, 50.0, 51.0, &straight)?;
//! assert!(exposed.kill_probability < direct.kill_probability);
//! assert!(r.path.length_m() <= 1.5 * 40_003.2);
//! # Ok::<(), skycover::Error>(())
//! ```

use crate::catalogue::ThreatId;
use crate::catalogue_v2::{kinematics_of, sensor_view};
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::timeline::{check_inputs, kinematic_point, sees_point, Defence, Polyline};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Diagnostic codes of least-exposure routes (the constants live in
/// [`crate::diagnostic::codes`]).
pub mod codes {
    pub use crate::diagnostic::codes::{
        ROUTE_DETOUR_FALLBACK as DETOUR_FALLBACK, ROUTE_GRID_COARSENED as GRID_COARSENED,
    };
}

/// Options of [`least_exposure_route`].
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureOptions {
    /// Grid cell side, metres (> 0); coarsened if the search would exceed `max_cells`.
    pub cell_m: f64,
    /// Maximum route length as a multiple of the straight distance (≥ 1).
    pub max_detour: f64,
    /// Weight of time under engagement on top of time under detection (≥ 0).
    pub engagement_weight: f64,
    /// Largest grid of one search, cells.
    pub max_cells: u64,
}

impl Default for ExposureOptions {
    /// 2 km cells, detour ≤ 1.5 ×, engagement weight 1, at most 1 M cells.
    fn default() -> Self {
        ExposureOptions {
            cell_m: 2_000.0,
            max_detour: 1.5,
            engagement_weight: 1.0,
            max_cells: 1_000_000,
        }
    }
}

/// A least-exposure route.
#[derive(Debug, Clone, Serialize)]
pub struct LeastExposureRoute {
    /// The path, from `from` to `to` (local metres).
    pub path: Polyline,
    /// Grid estimate of the exposure: seconds seen plus `w` × seconds engageable.
    pub grid_exposure_s: f64,
    /// The λ (time penalty) that met the detour cap.
    pub lambda: f64,
    /// Grid cells searched.
    pub cells: usize,
    /// Grid cell side used, metres.
    pub cell_m: f64,
    /// Remarks.
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, Copy, PartialEq)]
struct Node {
    cost: f64,
    idx: usize,
}
impl Eq for Node {}
impl Ord for Node {
    fn cmp(&self, o: &Self) -> Ordering {
        // min-heap on cost, then on index for determinism
        o.cost
            .total_cmp(&self.cost)
            .then_with(|| o.idx.cmp(&self.idx))
    }
}
impl PartialOrd for Node {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

const MOVES: [(i64, i64); 16] = [
    (1, 0),
    (-1, 0),
    (0, 1),
    (0, -1),
    (1, 1),
    (1, -1),
    (-1, 1),
    (-1, -1),
    (2, 1),
    (2, -1),
    (-2, 1),
    (-2, -1),
    (1, 2),
    (1, -2),
    (-1, 2),
    (-1, -2),
];

/// The exposure grid of one search.
struct ExposureGrid {
    x0: f64,
    y0: f64,
    cell: f64,
    nx: usize,
    ny: usize,
    /// exposure rate per cell; NaN outside the detour ellipse
    rate: Vec<f64>,
}

impl ExposureGrid {
    fn centre(&self, i: usize) -> [f64; 2] {
        let (ix, iy) = (i % self.nx, i / self.nx);
        [
            self.x0 + (ix as f64 + 0.5) * self.cell,
            self.y0 + (iy as f64 + 0.5) * self.cell,
        ]
    }
    fn index_of(&self, p: [f64; 2]) -> usize {
        let ix = (((p[0] - self.x0) / self.cell).floor().max(0.0) as usize).min(self.nx - 1);
        let iy = (((p[1] - self.y0) / self.cell).floor().max(0.0) as usize).min(self.ny - 1);
        iy * self.nx + ix
    }
}

fn build_grid(
    defence: &Defence,
    threat: ThreatId,
    h: f64,
    from: [f64; 2],
    to: [f64; 2],
    opts: &ExposureOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<ExposureGrid> {
    let l = (to[0] - from[0]).hypot(to[1] - from[1]);
    let cap = opts.max_detour * l;
    let a = cap / 2.0; // semi-major axis of the detour ellipse
    let c = [(from[0] + to[0]) / 2.0, (from[1] + to[1]) / 2.0];
    let mut cell = opts.cell_m;
    let side = 2.0 * a + 2.0 * cell;
    let want = (side / cell).ceil().powi(2);
    if want > opts.max_cells as f64 {
        cell = side / (opts.max_cells as f64).sqrt();
        diagnostics.push(Diagnostic::info(
            codes::GRID_COARSENED,
            format!(
                "least-exposure grid coarsened from {} m to {:.0} m cells to stay within {} cells",
                opts.cell_m, cell, opts.max_cells
            ),
        ));
    }
    let n = ((2.0 * a) / cell).ceil() as usize + 2;
    let (nx, ny) = (n, n);
    let cells = (nx as u64).saturating_mul(ny as u64);
    if cells > opts.max_cells.max(16) * 2 {
        return Err(Error::ResourceLimit {
            what: "least-exposure grid cells",
            requested: cells,
            limit: opts.max_cells,
            setting: "ExposureOptions::max_cells",
        });
    }
    let x0 = c[0] - nx as f64 * cell / 2.0;
    let y0 = c[1] - ny as f64 * cell / 2.0;
    let cat = defence.catalogue;
    let views: Vec<_> = defence
        .sites
        .iter()
        .map(|s| sensor_view(cat, s.class, threat))
        .collect();
    let mut g = ExposureGrid {
        x0,
        y0,
        cell,
        nx,
        ny,
        rate: Vec::new(),
    };
    let w = opts.engagement_weight;
    let slack = 1.5 * cell; // keep the cells of the two ends inside
    g.rate = (0..nx * ny)
        .map(|i| {
            let p = g.centre(i);
            let dsum = (p[0] - from[0]).hypot(p[1] - from[1]) + (p[0] - to[0]).hypot(p[1] - to[1]);
            if dsum > cap + slack {
                return f64::NAN;
            }
            let seen: Vec<bool> = defence
                .sites
                .iter()
                .zip(&views)
                .map(|(s, v)| {
                    v.as_ref()
                        .is_some_and(|v| sees_point(s, v, h, &defence.terrain, p))
                })
                .collect();
            let any_seen = seen.iter().any(|&b| b);
            let engaged = defence.sites.iter().enumerate().any(|(k, s)| {
                (if defence.netting { any_seen } else { seen[k] })
                    && kinematic_point(cat, s, threat, h, p)
            });
            f64::from(u8::from(any_seen)) + w * f64::from(u8::from(engaged))
        })
        .collect();
    Ok(g)
}

/// Dijkstra from `s` to `t` with edge cost `(ℓ/v)·((r₁+r₂)/2 + λ)`; returns the cell path.
fn dijkstra(g: &ExposureGrid, s: usize, t: usize, v: f64, lambda: f64) -> Option<Vec<usize>> {
    let n = g.rate.len();
    let mut dist = vec![f64::INFINITY; n];
    let mut prev = vec![usize::MAX; n];
    let mut heap = BinaryHeap::new();
    dist[s] = 0.0;
    heap.push(Node { cost: 0.0, idx: s });
    let lens: Vec<f64> = MOVES
        .iter()
        .map(|&(dx, dy)| ((dx * dx + dy * dy) as f64).sqrt() * g.cell / v)
        .collect();
    while let Some(Node { cost, idx }) = heap.pop() {
        if idx == t {
            break;
        }
        if cost > dist[idx] {
            continue;
        }
        let (ix, iy) = ((idx % g.nx) as i64, (idx / g.nx) as i64);
        let r1 = g.rate[idx];
        for (m, &(dx, dy)) in MOVES.iter().enumerate() {
            let (jx, jy) = (ix + dx, iy + dy);
            if jx < 0 || jy < 0 || jx >= g.nx as i64 || jy >= g.ny as i64 {
                continue;
            }
            let j = jy as usize * g.nx + jx as usize;
            let r2 = g.rate[j];
            if r2.is_nan() {
                continue;
            }
            let c = cost + lens[m] * (0.5 * (r1 + r2) + lambda);
            if c < dist[j] {
                dist[j] = c;
                prev[j] = idx;
                heap.push(Node { cost: c, idx: j });
            }
        }
    }
    if !dist[t].is_finite() {
        return None;
    }
    let mut path = vec![t];
    let mut k = t;
    while k != s {
        k = prev[k];
        if k == usize::MAX {
            return None;
        }
        path.push(k);
    }
    path.reverse();
    Some(path)
}

/// The least-exposure route of `threat` at height `altitude_m` from `from` to `to` (local
/// metres) against `defence`, within `opts.max_detour`. See the [module docs](self).
///
/// Parameters: the defence (sites, terrain, netting), the threat and its flight height, the
/// two ends, and [`ExposureOptions`].
///
/// Returns: a [`LeastExposureRoute`] whose path starts at `from` and ends at `to`.
///
/// Complexity: O(C) exposure evaluations (C grid cells, each O(sites), plus a line of sight per
/// sensor in range with terrain) and O(C log C) per Dijkstra run, times the number of λ steps
/// (at most 12).
///
/// # Errors
/// [`Error::InvalidInput`] for non-finite ends, bad options, or as
/// [`timeline`](crate::timeline::timeline); [`Error::ResourceLimit`] if the grid would be too
/// large even after coarsening.
pub fn least_exposure_route(
    defence: &Defence,
    threat: ThreatId,
    altitude_m: f64,
    from: [f64; 2],
    to: [f64; 2],
    opts: &ExposureOptions,
) -> Result<LeastExposureRoute> {
    let bad = |what: &str, reason: String| Error::InvalidInput {
        what: what.into(),
        reason,
    };
    check_inputs(defence, threat, altitude_m, 1.0)?;
    if !(from.iter().chain(&to).all(|x| x.is_finite())) {
        return Err(bad("route.from/to", "not finite".into()));
    }
    if !(opts.cell_m.is_finite() && opts.cell_m > 0.0) {
        return Err(bad(
            "ExposureOptions::cell_m",
            format!("{} must be > 0", opts.cell_m),
        ));
    }
    if !(opts.max_detour.is_finite() && opts.max_detour >= 1.0) {
        return Err(bad(
            "ExposureOptions::max_detour",
            format!("{} must be ≥ 1", opts.max_detour),
        ));
    }
    if !(opts.engagement_weight.is_finite() && opts.engagement_weight >= 0.0) {
        return Err(bad(
            "ExposureOptions::engagement_weight",
            format!("{} must be ≥ 0", opts.engagement_weight),
        ));
    }
    if opts.max_cells < 16 {
        return Err(bad("ExposureOptions::max_cells", "must be ≥ 16".into()));
    }
    let v = kinematics_of(defence.catalogue.threat(threat)).speed_mps;
    let l = (to[0] - from[0]).hypot(to[1] - from[1]);
    let mut diagnostics = Vec::new();
    let straight = || Polyline::new(vec![from, to]);
    if l <= opts.cell_m {
        return Ok(LeastExposureRoute {
            path: straight()?,
            grid_exposure_s: 0.0,
            lambda: 0.0,
            cells: 0,
            cell_m: opts.cell_m,
            diagnostics,
        });
    }
    let g = build_grid(
        defence,
        threat,
        altitude_m,
        from,
        to,
        opts,
        &mut diagnostics,
    )?;
    let (s, t) = (g.index_of(from), g.index_of(to));
    let cap = opts.max_detour * l;
    let mut lambda = 0.01;
    for _ in 0..12 {
        if let Some(cells) = dijkstra(&g, s, t, v, lambda) {
            let mut pts = Vec::with_capacity(cells.len() + 2);
            pts.push(from);
            // the end cells' centres are replaced by the exact ends
            for &c in &cells[1..cells.len().saturating_sub(1)] {
                pts.push(g.centre(c));
            }
            pts.push(to);
            let path = Polyline::new(pts)?;
            if path.length_m() <= cap {
                let exposure = cells
                    .windows(2)
                    .map(|w| {
                        let (a, b) = (g.centre(w[0]), g.centre(w[1]));
                        (a[0] - b[0]).hypot(a[1] - b[1]) / v * 0.5 * (g.rate[w[0]] + g.rate[w[1]])
                    })
                    .sum();
                return Ok(LeastExposureRoute {
                    path,
                    grid_exposure_s: exposure,
                    lambda,
                    cells: g.rate.len(),
                    cell_m: g.cell,
                    diagnostics,
                });
            }
        }
        lambda *= 3.0;
    }
    diagnostics.push(Diagnostic::warning(
        codes::DETOUR_FALLBACK,
        "no least-exposure grid path met the detour cap: straight segment used",
    ));
    Ok(LeastExposureRoute {
        path: straight()?,
        grid_exposure_s: f64::NAN,
        lambda: f64::NAN,
        cells: g.rate.len(),
        cell_m: g.cell,
        diagnostics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use crate::site::Site;
    use crate::timeline::timeline;

    /// Plain reference: Bellman-Ford style relaxation to a fixed point on the same grid.
    fn reference_cost(g: &ExposureGrid, s: usize, t: usize, v: f64, lambda: f64) -> f64 {
        let n = g.rate.len();
        let mut dist = vec![f64::INFINITY; n];
        dist[s] = 0.0;
        loop {
            let mut changed = false;
            for i in 0..n {
                if !dist[i].is_finite() {
                    continue;
                }
                let (ix, iy) = ((i % g.nx) as i64, (i / g.nx) as i64);
                for &(dx, dy) in &MOVES {
                    let (jx, jy) = (ix + dx, iy + dy);
                    if jx < 0 || jy < 0 || jx >= g.nx as i64 || jy >= g.ny as i64 {
                        continue;
                    }
                    let j = jy as usize * g.nx + jx as usize;
                    if g.rate[j].is_nan() {
                        continue;
                    }
                    let len = ((dx * dx + dy * dy) as f64).sqrt() * g.cell / v;
                    let c = dist[i] + len * (0.5 * (g.rate[i] + g.rate[j]) + lambda);
                    if c < dist[j] - 1e-12 {
                        dist[j] = c;
                        changed = true;
                    }
                }
            }
            if !changed {
                return dist[t];
            }
        }
    }

    fn path_cost(g: &ExposureGrid, cells: &[usize], v: f64, lambda: f64) -> f64 {
        cells
            .windows(2)
            .map(|w| {
                let (a, b) = (g.centre(w[0]), g.centre(w[1]));
                (a[0] - b[0]).hypot(a[1] - b[1]) / v
                    * (0.5 * (g.rate[w[0]] + g.rate[w[1]]) + lambda)
            })
            .sum()
    }

    #[test]
    fn dijkstra_is_optimal_on_small_grids() {
        let cat = Catalogue::builtin();
        let mr = cat.class_id("medium_range").unwrap();
        let cu = cat.class_id("counter_uas").unwrap();
        let drone = cat.threat_id("drone").unwrap();
        let sites = [
            Site::new(mr, [0.0, 3_000.0], 0.0),
            Site::new(cu, [12_000.0, -2_000.0], 0.0),
        ];
        let d = Defence::new(&cat, &sites);
        let opts = ExposureOptions {
            cell_m: 2_000.0,
            max_detour: 1.6,
            ..ExposureOptions::default()
        };
        let (from, to) = ([-40_000.0, 0.0], [30_000.0, 2_000.0]);
        let mut diags = Vec::new();
        let g = build_grid(&d, drone, 50.0, from, to, &opts, &mut diags).unwrap();
        let (s, t) = (g.index_of(from), g.index_of(to));
        for lambda in [0.01, 0.3, 3.0] {
            let cells = dijkstra(&g, s, t, 51.0, lambda).unwrap();
            let got = path_cost(&g, &cells, 51.0, lambda);
            let want = reference_cost(&g, s, t, 51.0, lambda);
            assert!(
                (got - want).abs() <= 1e-9 * want.max(1.0),
                "λ={lambda}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn goes_round_a_gun_and_respects_the_detour_cap() {
        let cat = Catalogue::builtin();
        let mr = cat.class_id("medium_range").unwrap();
        let drone = cat.threat_id("drone").unwrap();
        // a 20 km medium-range bubble right on the line: with a 1.5× cap the drone skirts it
        let sites = [Site::new(mr, [0.0, 0.0], 0.0)];
        let d = Defence::new(&cat, &sites);
        let (from, to) = ([-60_000.0, 0.0], [60_000.0, 0.0]);
        let opts = ExposureOptions {
            cell_m: 1_000.0,
            ..ExposureOptions::default()
        };
        let r = least_exposure_route(&d, drone, 500.0, from, to, &opts).unwrap();
        assert!(r.path.length_m() <= 1.5 * 120_000.0 + 1e-6);
        let le = timeline(&d, drone, 500.0, 51.0, &r.path).unwrap();
        let st = timeline(
            &d,
            drone,
            500.0,
            51.0,
            &Polyline::new(vec![from, to]).unwrap(),
        )
        .unwrap();
        assert!(
            le.detected_s.iter().map(|iv| iv[1] - iv[0]).sum::<f64>()
                < st.detected_s.iter().map(|iv| iv[1] - iv[0]).sum::<f64>()
        );
        // the detection bubble has radius ~20 km: going round it costs ≤ 1.5×, so the route
        // should avoid it almost entirely (the grid discretisation leaves a few cells)
        assert!(le.kill_probability < st.kill_probability);
        // a tight cap forces a near-straight path
        let tight = ExposureOptions {
            max_detour: 1.02,
            ..opts.clone()
        };
        let r2 = least_exposure_route(&d, drone, 500.0, from, to, &tight).unwrap();
        assert!(r2.path.length_m() <= 1.02 * 120_000.0 + 1e-6);
        // determinism
        let again = least_exposure_route(&d, drone, 500.0, from, to, &opts).unwrap();
        assert_eq!(again.path, r.path);
    }
}
