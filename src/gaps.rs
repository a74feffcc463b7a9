//! Gap maps: the grid cells failing a threat, merged into polygons.
//!
//! [`cells_to_polygons`] traces the boundary of a set of grid cells into valid polygons
//! (per `geo::Validation`): one polygon per 4-connected group of cells, outer rings
//! counter-clockwise, holes clockwise, only corner vertices (no collinear ones). Where two
//! groups touch diagonally (a pinch point) they become two polygons touching at that point;
//! a hole touching its shell or another hole at a point becomes a separate ring touching it.
//! The cells' union is exactly the polygons' union, so the polygons' area is the cell count
//! times the cell area (up to rounding).
//!
//! [`GapMap`] applies it to each threat's failing grid samples of a [`Coverage`] and unprojects
//! the polygons to lon/lat.

use crate::catalogue::ThreatId;
use crate::demand::{Demand, Grid};
use crate::error::{Error, Result};
use crate::evaluate::Coverage;
use crate::frame::LocalFrame;
use crate::geometry::antimeridian;
use geo::{Coord, LineString, MultiPolygon, Polygon};
use rayon::prelude::*;
use std::collections::HashMap;

/// Directions of boundary edges, counter-clockwise order.
const E: u8 = 0;
const N: u8 = 1;
const W: u8 = 2;
const S: u8 = 3;

/// Cell-set membership with out-of-range cells outside.
struct Cells<'a> {
    nx: usize,
    ny: usize,
    mask: &'a [bool],
}

impl Cells<'_> {
    #[inline]
    fn get(&self, i: i64, j: i64) -> bool {
        if i < 0 || j < 0 || i >= self.nx as i64 || j >= self.ny as i64 {
            return false;
        }
        self.mask[j as usize * self.nx + i as usize]
    }

    /// Whether the boundary edge leaving lattice vertex `(x, y)` in direction `d` (with the
    /// cells on its left, inside on the left) exists.
    #[inline]
    fn edge(&self, x: i64, y: i64, d: u8) -> bool {
        match d {
            E => self.get(x, y) && !self.get(x, y - 1),
            N => self.get(x - 1, y) && !self.get(x, y),
            W => self.get(x - 1, y - 1) && !self.get(x - 1, y),
            S => self.get(x, y - 1) && !self.get(x - 1, y - 1),
            _ => false,
        }
    }

    /// True at a pinch vertex: the four cells around it are in / out diagonally.
    #[inline]
    fn pinch(&self, x: i64, y: i64) -> bool {
        let (sw, se, nw, ne) = (
            self.get(x - 1, y - 1),
            self.get(x, y - 1),
            self.get(x - 1, y),
            self.get(x, y),
        );
        sw == ne && se == nw && sw != se
    }
}

/// One step along direction `d`.
#[inline]
fn step(x: i64, y: i64, d: u8) -> (i64, i64) {
    match d {
        E => (x + 1, y),
        N => (x, y + 1),
        W => (x - 1, y),
        S => (x, y - 1),
        _ => (x, y),
    }
}

/// A ring in lattice coordinates (vertex `(x, y)` is the corner between cells `(x-1, y-1)` and
/// `(x, y)`), without the closing repeat.
type LatticeRing = Vec<(i64, i64)>;

/// Traces the boundary of the cells into simple rings: outer rings counter-clockwise, holes
/// clockwise. Returns `(ring, doubled signed area, first cell on its left)`.
fn trace(cells: &Cells) -> Vec<(LatticeRing, i64, usize)> {
    let (nx, ny) = (cells.nx, cells.ny);
    // visited horizontal boundary edges: (x, y) for x in 0..nx, y in 0..=ny
    let mut seen = vec![false; nx * (ny + 1)];
    let mut rings = Vec::new();
    let mut walk: Vec<(i64, i64)> = Vec::new();
    let mut pinch_pos: HashMap<(i64, i64), usize> = HashMap::new();
    for y in 0..=ny {
        for x in 0..nx {
            if seen[y * nx + x] {
                continue;
            }
            let (xi, yi) = (x as i64, y as i64);
            let (start, d0) = if cells.edge(xi, yi, E) {
                ((xi, yi), E)
            } else if cells.edge(xi + 1, yi, W) {
                ((xi + 1, yi), W)
            } else {
                continue;
            };
            walk.clear();
            pinch_pos.clear();
            let (mut v, mut d) = (start, d0);
            loop {
                if d == E || d == W {
                    let hx = if d == E { v.0 } else { v.0 - 1 };
                    seen[v.1 as usize * nx + hx as usize] = true;
                }
                v = step(v.0, v.1, d);
                let left = (d + 1) % 4;
                let right = (d + 3) % 4;
                let next = if cells.edge(v.0, v.1, left) {
                    left
                } else if cells.edge(v.0, v.1, d) {
                    d
                } else {
                    right
                };
                let closing = v == start && next == d0;
                if next != d {
                    // a corner: record it, splitting off a loop at a repeated pinch vertex
                    if cells.pinch(v.0, v.1) {
                        if let Some(&p) = pinch_pos.get(&v) {
                            let lobe = walk.split_off(p);
                            for q in &lobe[1..] {
                                pinch_pos.remove(q);
                            }
                            push_ring(&mut rings, lobe, cells);
                        }
                        pinch_pos.insert(v, walk.len());
                    }
                    walk.push(v);
                }
                if closing {
                    break;
                }
                d = next;
            }
            push_ring(&mut rings, std::mem::take(&mut walk), cells);
        }
    }
    rings
}

/// Stores a closed lattice ring with its doubled signed area and a cell on its left.
fn push_ring(rings: &mut Vec<(LatticeRing, i64, usize)>, ring: LatticeRing, cells: &Cells) {
    if ring.len() < 4 {
        return; // cannot happen for cell boundaries; guards degenerate input
    }
    let mut a2 = 0i64;
    for k in 0..ring.len() {
        let (p, q) = (ring[k], ring[(k + 1) % ring.len()]);
        a2 += p.0 * q.1 - q.0 * p.1;
    }
    let (p, q) = (ring[0], ring[1]);
    // the cell on the left of the first edge from p towards q
    let (ci, cj) = if q.0 > p.0 {
        (p.0, p.1)
    } else if q.1 > p.1 {
        (p.0 - 1, p.1)
    } else if q.0 < p.0 {
        (p.0 - 1, p.1 - 1)
    } else {
        (p.0, p.1 - 1)
    };
    let cell = (cj.max(0) as usize) * cells.nx + ci.max(0) as usize;
    rings.push((ring, a2, cell));
}

/// Labels the 4-connected groups of cells (`u32::MAX` outside).
fn label(cells: &Cells) -> Vec<u32> {
    let (nx, ny) = (cells.nx, cells.ny);
    let mut lab = vec![u32::MAX; nx * ny];
    let mut next = 0u32;
    let mut stack = Vec::new();
    for c in 0..nx * ny {
        if !cells.mask[c] || lab[c] != u32::MAX {
            continue;
        }
        lab[c] = next;
        stack.push(c);
        while let Some(k) = stack.pop() {
            let (i, j) = (k % nx, k / nx);
            let mut visit = |m: usize| {
                if cells.mask[m] && lab[m] == u32::MAX {
                    lab[m] = next;
                    stack.push(m);
                }
            };
            if i > 0 {
                visit(k - 1);
            }
            if i + 1 < nx {
                visit(k + 1);
            }
            if j > 0 {
                visit(k - nx);
            }
            if j + 1 < ny {
                visit(k + nx);
            }
        }
        next += 1;
    }
    lab
}

/// Merges the cells of `grid` with `mask[j·nx + i]` set into polygons, in the grid's local
/// metres (cell `(i, j)` spans `x(i) ± cell/2`, `y(j) ± cell/2`).
///
/// Polygons are valid per `geo::Validation`; see the [module docs](self). They come in the
/// scan order of their lowest-leftmost cell.
///
/// # Errors
/// [`Error::InvalidInput`] when `mask.len() != grid.len()`.
///
/// # Complexity
/// O(cells) time and memory.
///
/// # Examples
/// ```
/// use geo::Area;
/// use skycover::gaps::cells_to_polygons;
/// use skycover::Grid;
///
/// let grid = Grid { origin: [0.5, 0.5], cell_m: 1.0, nx: 3, ny: 3 };
/// // a ring of 8 cells around an empty centre
/// let mask = [true, true, true, true, false, true, true, true, true];
/// let mp = cells_to_polygons(&grid, &mask)?;
/// assert_eq!(mp.0.len(), 1);
/// assert_eq!(mp.0[0].interiors().len(), 1);
/// assert_eq!(mp.unsigned_area(), 8.0);
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn cells_to_polygons(grid: &Grid, mask: &[bool]) -> Result<MultiPolygon<f64>> {
    if mask.len() != grid.len() {
        return Err(Error::InvalidInput {
            what: "cell mask".into(),
            reason: format!("{} entries for a grid of {} cells", mask.len(), grid.len()),
        });
    }
    let cells = Cells {
        nx: grid.nx,
        ny: grid.ny,
        mask,
    };
    if !mask.iter().any(|m| *m) {
        return Ok(MultiPolygon(Vec::new()));
    }
    let rings = trace(&cells);
    let lab = label(&cells);
    let to_xy = |(x, y): (i64, i64)| Coord {
        x: grid.origin[0] + (x as f64 - 0.5) * grid.cell_m,
        y: grid.origin[1] + (y as f64 - 0.5) * grid.cell_m,
    };
    let close = |r: &LatticeRing| {
        let mut pts: Vec<Coord<f64>> = r.iter().map(|&p| to_xy(p)).collect();
        pts.push(to_xy(r[0]));
        LineString(pts)
    };
    let mut polys: Vec<(LineString<f64>, Vec<LineString<f64>>)> = Vec::new();
    let mut of_label: HashMap<u32, usize> = HashMap::new();
    for (ring, a2, cell) in &rings {
        if *a2 > 0 {
            of_label.entry(lab[*cell]).or_insert(polys.len());
            polys.push((close(ring), Vec::new()));
        }
    }
    for (ring, a2, cell) in &rings {
        if *a2 < 0 {
            if let Some(&p) = of_label.get(&lab[*cell]) {
                polys[p].1.push(close(ring));
            }
        }
    }
    Ok(MultiPolygon(
        polys
            .into_iter()
            .map(|(shell, holes)| Polygon::new(shell, holes))
            .collect(),
    ))
}

/// The gaps against one threat.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreatGaps {
    /// The threat.
    pub threat: ThreatId,
    /// Number of failing grid cells.
    pub cells: usize,
    /// Their area, km² (cells × cell area).
    pub area_km2: f64,
    /// The failing cells merged into polygons, local metres.
    pub local: MultiPolygon<f64>,
    /// The same polygons in WGS84 lon/lat (vertices unprojected through the frame), split at
    /// the antimeridian (RFC 7946 §3.1.9: every part within [-180, 180]).
    pub lonlat: MultiPolygon<f64>,
}

/// Per threat, the grid cells whose samples fail it, as polygons with their area.
///
/// Only grid samples (zone cells) make up gaps; assets and corridor samples are reported by
/// [`Coverage::assets`] and the per-threat summaries.
///
/// # Examples
/// ```
/// use skycover::gaps::GapMap;
/// use skycover::{Coverage, Scenario};
///
/// let scenario = Scenario::builtin("kyiv")?;
/// let (demand, coverage) = Coverage::of_scenario(&scenario)?;
/// let gaps = GapMap::new(&coverage, &demand, scenario.frame())?;
/// let drone = scenario.catalogue().threat_id("drone")?;
/// let g = gaps.threat(drone).unwrap();
/// assert_eq!(g.area_km2, coverage.threat(drone).unwrap().gap_area_km2);
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GapMap {
    threats: Vec<ThreatGaps>,
}

impl GapMap {
    /// Builds the gap map of `coverage` (evaluated over `demand`), unprojecting through
    /// `frame`. Threats are traced in parallel.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `coverage` was not computed over `demand` (sample counts
    /// differ).
    ///
    /// # Complexity
    /// O(threats × grid cells).
    pub fn new(coverage: &Coverage, demand: &Demand, frame: &LocalFrame) -> Result<GapMap> {
        if coverage.samples() != demand.len() || coverage.grid_samples() != demand.grid_samples() {
            return Err(Error::InvalidInput {
                what: "coverage".into(),
                reason: format!(
                    "computed over {} samples ({} grid), the demand has {} ({} grid)",
                    coverage.samples(),
                    coverage.grid_samples(),
                    demand.len(),
                    demand.grid_samples()
                ),
            });
        }
        let grid = *demand.grid();
        let cells = demand.grid_cells();
        let threats = (0..coverage.threats().len())
            .into_par_iter()
            .map(|t| {
                let threat = ThreatId(t);
                let mut mask = vec![false; grid.len()];
                let mut n = 0;
                for (s, &c) in cells.iter().enumerate() {
                    if coverage.fails(s, threat) {
                        mask[c as usize] = true;
                        n += 1;
                    }
                }
                let local = cells_to_polygons(&grid, &mask)?;
                let lonlat = antimeridian::unproject_multipolygon(frame, &local);
                Ok(ThreatGaps {
                    threat,
                    cells: n,
                    area_km2: n as f64 * grid.cell_area_km2(),
                    local,
                    lonlat,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(GapMap { threats })
    }

    /// Gaps per threat, indexed by [`ThreatId`].
    pub fn threats(&self) -> &[ThreatGaps] {
        &self.threats
    }

    /// The gaps of one threat.
    pub fn threat(&self, threat: ThreatId) -> Option<&ThreatGaps> {
        self.threats.get(threat.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Validation};
    use proptest::prelude::*;

    fn grid(nx: usize, ny: usize) -> Grid {
        Grid {
            origin: [0.5, 0.5],
            cell_m: 1.0,
            nx,
            ny,
        }
    }

    fn check(nx: usize, ny: usize, mask: &[bool]) -> MultiPolygon<f64> {
        let mp = cells_to_polygons(&grid(nx, ny), mask).unwrap();
        let n = mask.iter().filter(|m| **m).count();
        assert_eq!(mp.unsigned_area(), n as f64, "{mask:?}");
        assert_eq!(mp.signed_area(), n as f64, "orientation {mask:?}");
        for p in &mp.0 {
            assert!(p.exterior().0.len() >= 5);
            assert!(geo::Area::signed_area(&Polygon::new(p.exterior().clone(), vec![])) > 0.0);
            for h in p.interiors() {
                assert!(geo::Area::signed_area(&Polygon::new(h.clone(), vec![])) < 0.0);
            }
            // no collinear vertices
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                let c = &ring.0;
                let m = c.len() - 1;
                for k in 0..m {
                    let (a, b, d) = (c[(k + m - 1) % m], c[k], c[(k + 1) % m]);
                    let cross = (b.x - a.x) * (d.y - b.y) - (b.y - a.y) * (d.x - b.x);
                    assert!(cross != 0.0, "collinear vertex {b:?} in {ring:?}");
                }
            }
        }
        assert!(mp.is_valid(), "{:?}\n{mp:?}", mp.validation_errors());
        mp
    }

    #[test]
    fn pinches_and_holes() {
        // two cells touching at a corner: two polygons
        let mp = check(2, 2, &[true, false, false, true]);
        assert_eq!(mp.0.len(), 2);
        // a diamond of four cells around an empty centre: four polygons, no hole
        #[rustfmt::skip]
        let m = [false, true, false,
                 true, false, true,
                 false, true, false];
        let mp = check(3, 3, &m);
        assert_eq!(mp.0.len(), 4);
        // a hole touching the shell at a pinch
        #[rustfmt::skip]
        let m = [true, true, true, true,
                 true, false, false, true,
                 true, false, true, true,
                 true, true, false, true,
                 true, true, true, true];
        let mp = check(4, 5, &m);
        assert_eq!(mp.0.len(), 1);
        // two holes touching each other at a point
        #[rustfmt::skip]
        let m = [true, true, true, true,
                 true, false, true, true,
                 true, true, false, true,
                 true, true, true, true];
        let mp = check(4, 4, &m);
        assert_eq!(mp.0.len(), 1);
        assert_eq!(mp.0[0].interiors().len(), 2);
        // an island in a lake
        #[rustfmt::skip]
        let m = [true, true, true, true, true,
                 true, false, false, false, true,
                 true, false, true, false, true,
                 true, false, false, false, true,
                 true, true, true, true, true];
        let mp = check(5, 5, &m);
        assert_eq!(mp.0.len(), 2);
        assert!(check(3, 2, &[false; 6]).0.is_empty());
        assert!(cells_to_polygons(&grid(3, 2), &[true; 5]).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Random rasters trace into valid polygons whose area is the cell count.
        #[test]
        fn random_rasters(nx in 1usize..20, ny in 1usize..20, density in 0.1f64..0.9, seed in any::<u64>()) {
            let mut x = seed | 1;
            let mask: Vec<bool> = (0..nx * ny)
                .map(|_| {
                    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                    (x % 1000) as f64 / 1000.0 < density
                })
                .collect();
            check(nx, ny, &mask);
        }
    }
}
