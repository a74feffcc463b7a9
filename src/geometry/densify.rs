//! Densifying lon/lat edges before projecting them into the local frame.
//!
//! GeoJSON (RFC 7946) defines the edge between two positions as the straight line in
//! longitude/latitude. The local frame is an azimuthal equidistant projection, in which such a
//! line is curved: projecting only the vertices and joining them with straight chords moves a
//! 430 km edge along a parallel at 48.5° by about 4 km. [`Densifier::project_line`] therefore inserts
//! vertices, interpolated linearly in lon/lat, until every projected chord stays within a
//! tolerance of the projected lon/lat edge.
//!
//! The step is adaptive: each edge is bisected while the projection of its lon/lat midpoint is
//! farther than the tolerance from the chord's midpoint (the sag of a smooth curve shrinks with
//! the square of the step, so a handful of bisections suffice for hundreds of kilometres).
//! Longitudes are interpolated along the shorter way round (an edge from 179.5° to -179.5°
//! crosses the antimeridian, it does not circle the globe).
//!
//! The number of inserted vertices is capped ([`MAX_DENSIFIED_VERTICES`] per scenario):
//! exceeding it is an [`Error::ResourceLimit`] before anything more is allocated.

use crate::error::{Error, Result};
use crate::frame::LocalFrame;
use geo::{Coord, LineString, MultiPolygon, Polygon};

/// Largest tolerance in metres between a projected chord and its lon/lat edge.
pub const MAX_TOLERANCE_M: f64 = 10.0;

/// Most vertices densification may add over one scenario.
pub const MAX_DENSIFIED_VERTICES: u64 = 4_000_000;

/// Deepest bisection of one edge (2^24 pieces: far beyond any real edge).
const MAX_DEPTH: u32 = 24;

/// The tolerance for a scenario with demand grid cells of `grid_resolution_m`: 10 m or a
/// tenth of a cell, whichever is smaller.
pub fn tolerance_m(grid_resolution_m: f64) -> f64 {
    let t = grid_resolution_m / 10.0;
    if t.is_finite() && t > 0.0 {
        t.min(MAX_TOLERANCE_M)
    } else {
        MAX_TOLERANCE_M
    }
}

/// Densifies and projects lon/lat geometry into one frame, counting the vertices it adds.
///
/// # Examples
/// ```
/// use skycover::geometry::densify::Densifier;
/// use skycover::LocalFrame;
/// use geo::LineString;
/// let frame = LocalFrame::new(30.0, 48.5)?;
/// let mut d = Densifier::new(&frame, 10.0);
/// // a 440 km edge along the 49th parallel
/// let ls = LineString::from(vec![(27.0, 49.0), (33.0, 49.0)]);
/// let local = d.project_line(&ls)?;
/// assert!(local.0.len() > 2);
/// // its midpoint now lies on the parallel, not 4 km south of it
/// let mid = frame.to_local(30.0, 49.0)?;
/// assert!(local.0.iter().any(|c| (c.x - mid[0]).hypot(c.y - mid[1]) < 1.0));
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug)]
pub struct Densifier<'a> {
    frame: &'a LocalFrame,
    tolerance_m: f64,
    added: u64,
    limit: u64,
}

impl<'a> Densifier<'a> {
    /// A densifier into `frame` with chords within `tolerance_m` (clamped to at least 1 mm) of
    /// the lon/lat edges, and the default vertex cap [`MAX_DENSIFIED_VERTICES`].
    pub fn new(frame: &'a LocalFrame, tolerance_m: f64) -> Self {
        let tolerance_m = if tolerance_m.is_finite() {
            tolerance_m.max(1e-3)
        } else {
            MAX_TOLERANCE_M
        };
        Densifier {
            frame,
            tolerance_m,
            added: 0,
            limit: MAX_DENSIFIED_VERTICES,
        }
    }

    /// The same densifier with a different cap on added vertices.
    pub fn with_limit(mut self, limit: u64) -> Self {
        self.limit = limit;
        self
    }

    /// Vertices added so far.
    pub fn added(&self) -> u64 {
        self.added
    }

    /// The frame it projects into.
    pub fn frame(&self) -> &'a LocalFrame {
        self.frame
    }

    /// The tolerance in metres.
    pub fn tolerance_m(&self) -> f64 {
        self.tolerance_m
    }

    /// Projects a lon/lat line string (validated coordinates) into local metres, densified.
    ///
    /// Parameters: `ls` in lon/lat degrees (GeoJSON order). Returns the local line string,
    /// starting and ending at the projections of the first and last positions.
    ///
    /// Complexity: O(n + m) geodesic inversions for n input and m added vertices.
    ///
    /// # Errors
    /// [`Error::ResourceLimit`] when the vertices added over this densifier's lifetime would
    /// exceed its cap.
    pub fn project_line(&mut self, ls: &LineString<f64>) -> Result<LineString<f64>> {
        let mut out: Vec<Coord<f64>> = Vec::with_capacity(ls.0.len());
        let mut prev: Option<(Coord<f64>, [f64; 2])> = None;
        for &c in &ls.0 {
            let p = self.frame.to_local_unchecked(c.x, c.y);
            if let Some((a, pa)) = prev {
                self.refine(&mut out, a, pa, c, p, 0)?;
            }
            out.push(Coord { x: p[0], y: p[1] });
            prev = Some((c, p));
        }
        Ok(LineString(out))
    }

    /// [`project_line`](Self::project_line) on every ring of a polygon.
    ///
    /// # Errors
    /// As [`project_line`](Self::project_line).
    pub fn project_polygon(&mut self, p: &Polygon<f64>) -> Result<Polygon<f64>> {
        let ext = self.project_line(p.exterior())?;
        let ints = p
            .interiors()
            .iter()
            .map(|r| self.project_line(r))
            .collect::<Result<Vec<_>>>()?;
        Ok(Polygon::new(ext, ints))
    }

    /// [`project_polygon`](Self::project_polygon) on every polygon.
    ///
    /// # Errors
    /// As [`project_line`](Self::project_line).
    pub fn project_multipolygon(&mut self, mp: &MultiPolygon<f64>) -> Result<MultiPolygon<f64>> {
        Ok(MultiPolygon(
            mp.0.iter()
                .map(|p| self.project_polygon(p))
                .collect::<Result<Vec<_>>>()?,
        ))
    }

    /// Pushes the interior vertices of edge `a → b` (lon/lat, projected `pa`, `pb`).
    fn refine(
        &mut self,
        out: &mut Vec<Coord<f64>>,
        a: Coord<f64>,
        pa: [f64; 2],
        b: Coord<f64>,
        pb: [f64; 2],
        depth: u32,
    ) -> Result<()> {
        if depth >= MAX_DEPTH {
            return Ok(());
        }
        let m = lonlat_midpoint(a, b);
        let pm = self.frame.to_local_unchecked(m.x, m.y);
        let sag = (pm[0] - (pa[0] + pb[0]) / 2.0).hypot(pm[1] - (pa[1] + pb[1]) / 2.0);
        if sag.is_nan() || sag <= self.tolerance_m {
            return Ok(());
        }
        if self.added >= self.limit {
            return Err(Error::ResourceLimit {
                what: "densified edge vertices (lon/lat edges projected into the local frame)",
                requested: self.added.saturating_add(1),
                limit: self.limit,
                setting: "geometry::densify::MAX_DENSIFIED_VERTICES (simplify the geometry)",
            });
        }
        self.refine(out, a, pa, m, pm, depth + 1)?;
        self.added += 1;
        out.push(Coord { x: pm[0], y: pm[1] });
        self.refine(out, m, pm, b, pb, depth + 1)
    }
}

/// The lon/lat midpoint of an edge, longitudes taken the shorter way round and wrapped into
/// [-180, 180].
fn lonlat_midpoint(a: Coord<f64>, b: Coord<f64>) -> Coord<f64> {
    let dlon = (b.x - a.x + 180.0).rem_euclid(360.0) - 180.0;
    let mut x = a.x + dlon / 2.0;
    if x > 180.0 {
        x -= 360.0;
    } else if x < -180.0 {
        x += 360.0;
    }
    Coord {
        x,
        y: (a.y + b.y) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Largest distance from projected lon/lat edge points to the densified local line.
    fn worst_deviation(frame: &LocalFrame, ll: &LineString<f64>, local: &LineString<f64>) -> f64 {
        use geo::{Distance, Euclidean, Point};
        let mut worst: f64 = 0.0;
        for w in ll.0.windows(2) {
            for k in 0..=200 {
                let t = k as f64 / 200.0;
                let lon = w[0].x + t * (w[1].x - w[0].x);
                let lat = w[0].y + t * (w[1].y - w[0].y);
                let p = frame.to_local(lon, lat).unwrap();
                let d = Euclidean.distance(&Point::new(p[0], p[1]), local);
                worst = worst.max(d);
            }
        }
        worst
    }

    #[test]
    fn long_parallel_edge_within_tolerance() {
        let frame = LocalFrame::new(30.0, 48.5).unwrap();
        let ll = LineString::from(vec![(27.0, 49.0), (33.0, 49.0), (33.0, 46.0), (27.0, 49.0)]);
        // Undensified, the chord along the parallel sags by kilometres.
        let mut plain = Densifier::new(&frame, 1e9);
        let raw = plain.project_line(&ll).unwrap();
        assert_eq!(raw.0.len(), 4);
        assert!(worst_deviation(&frame, &ll, &raw) > 3_000.0);
        for tol in [10.0, 1.0] {
            let mut d = Densifier::new(&frame, tol);
            let local = d.project_line(&ll).unwrap();
            let w = worst_deviation(&frame, &ll, &local);
            assert!(w <= tol * 1.01, "tol {tol}: {w}");
            assert!(d.added() > 0 && d.added() < 2_000, "{}", d.added());
        }
    }

    #[test]
    fn cap_is_an_error() {
        let frame = LocalFrame::new(30.0, 48.5).unwrap();
        let ll = LineString::from(vec![(27.0, 49.0), (33.0, 49.0)]);
        let mut d = Densifier::new(&frame, 0.01).with_limit(10);
        assert!(matches!(
            d.project_line(&ll),
            Err(Error::ResourceLimit { limit: 10, .. })
        ));
    }

    #[test]
    fn antimeridian_edges_take_the_short_way() {
        let frame = LocalFrame::new(180.0, -17.0).unwrap();
        let ll = LineString::from(vec![(178.0, -17.0), (-178.0, -17.0)]);
        let mut d = Densifier::new(&frame, 10.0);
        let local = d.project_line(&ll).unwrap();
        assert!(local
            .0
            .iter()
            .all(|c| c.x.abs() < 220_000.0 && c.y.abs() < 5_000.0));
        assert!(local.0.len() > 2);
    }
}
