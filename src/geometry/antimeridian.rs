//! Splitting lon/lat polygons and lines at the antimeridian (RFC 7946 §3.1.9).
//!
//! A shape near ±180° unprojected vertex by vertex has longitudes that jump from 179.9° to
//! -179.9°; GeoJSON readers then draw an edge across the whole globe. RFC 7946 asks that such
//! geometries be cut in two, each part within [-180, 180]. Here every vertex's longitude is
//! first **unwrapped** to within 180° of a reference longitude (the frame's centre, or the
//! first vertex), which makes the shape continuous; the shape is then clipped with the strips
//! `[-540, -180]`, `[-180, 180]` and `[180, 540]` (edges straight in lon/lat, as GeoJSON
//! defines them), and the outer parts are shifted by ∓360°. The union of the parts is the
//! original shape; vertices on the cut lie exactly on ±180°.

use crate::frame::LocalFrame;
use geo::orient::{Direction, Orient};
use geo::{BooleanOps, Coord, LineString, MultiLineString, MultiPolygon, Polygon, Rect};

/// `lon` moved by a multiple of 360° to within 180° of `reference`.
///
/// Exact (no rounding) when `lon` is already within 180° of `reference`.
pub fn unwrap_lon(lon: f64, reference: f64) -> f64 {
    let k = ((lon - reference) / 360.0).round();
    if k == 0.0 {
        lon
    } else {
        lon - 360.0 * k
    }
}

fn unwrap_ring(ls: &LineString<f64>, reference: f64) -> LineString<f64> {
    // Each vertex within 180° of the previous one: continuous along the ring.
    let mut prev = reference;
    LineString(
        ls.0.iter()
            .map(|c| {
                let x = unwrap_lon(c.x, prev);
                prev = x;
                Coord { x, y: c.y }
            })
            .collect(),
    )
}

fn shift(p: &Polygon<f64>, dx: f64) -> Polygon<f64> {
    let f = |ls: &LineString<f64>| {
        LineString(
            ls.0.iter()
                .map(|c| Coord {
                    x: snap(c.x + dx),
                    y: c.y,
                })
                .collect(),
        )
    };
    Polygon::new(f(p.exterior()), p.interiors().iter().map(f).collect())
}

/// Longitudes within 1e-7° (1 cm) of ±180 snapped onto it (clipping arithmetic).
fn snap(x: f64) -> f64 {
    if (x - 180.0).abs() < 1e-7 {
        180.0
    } else if (x + 180.0).abs() < 1e-7 {
        -180.0
    } else {
        x
    }
}

/// Splits a lon/lat polygon (longitudes in any branch) at the antimeridian.
///
/// Parameters: `p` in lon/lat degrees; `reference` a longitude near the polygon (e.g. the
/// frame's centre). Returns the parts, each with longitudes in [-180, 180], following the
/// right-hand rule; a polygon that does not cross ±180° comes back as one part, unchanged but
/// for the unwrapping and orientation.
///
/// Complexity: O(n log n) in the number of vertices when it crosses, O(n) otherwise.
///
/// # Examples
/// ```
/// use geo::{polygon, Area};
/// use skycover::geometry::antimeridian::split_polygon;
/// let p = polygon![(x: 179.0, y: -17.0), (x: -179.0, y: -17.0), (x: -179.0, y: -16.0), (x: 179.0, y: -16.0)];
/// let parts = split_polygon(&p, 180.0);
/// assert_eq!(parts.0.len(), 2);
/// assert!(parts.0.iter().all(|q| q.exterior().0.iter().all(|c| c.x.abs() <= 180.0)));
/// assert!((parts.unsigned_area() - 2.0).abs() < 1e-9);
/// ```
pub fn split_polygon(p: &Polygon<f64>, reference: f64) -> MultiPolygon<f64> {
    let reference = unwrap_lon(reference, 0.0);
    let start = p.exterior().0.first().map_or(reference, |c| c.x);
    let ext = unwrap_ring(p.exterior(), unwrap_lon(start, reference));
    let first = ext.0.first().map_or(reference, |c| c.x);
    let holes: Vec<LineString<f64>> = p
        .interiors()
        .iter()
        .map(|h| {
            let h0 = h.0.first().map_or(first, |c| c.x);
            unwrap_ring(h, unwrap_lon(h0, first))
        })
        .collect();
    let u = Polygon::new(ext, holes);
    let (lo, hi, ylo, yhi) = u.exterior().0.iter().fold(
        (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ),
        |(a, b, c, d), p| (a.min(p.x), b.max(p.x), c.min(p.y), d.max(p.y)),
    );
    if lo >= -180.0 && hi <= 180.0 {
        return MultiPolygon(vec![u.orient(Direction::Default)]);
    }
    let mut parts = Vec::new();
    for k in [-1.0f64, 0.0, 1.0] {
        let (a, b) = (-180.0 + 360.0 * k, 180.0 + 360.0 * k);
        if hi <= a || lo >= b {
            continue;
        }
        // A strip only just larger than the shape: the overlay's fixed-point grid is scaled
        // to the inputs' extent, so a tight rectangle keeps its precision near 1e-9°.
        let strip = Rect::new(
            Coord {
                x: a.max(lo - 1.0),
                y: ylo - 1.0,
            },
            Coord {
                x: b.min(hi + 1.0),
                y: yhi + 1.0,
            },
        )
        .to_polygon();
        for q in u.intersection(&strip).0 {
            parts.push(shift(&q, -360.0 * k).orient(Direction::Default));
        }
    }
    MultiPolygon(parts)
}

/// [`split_polygon`] on every polygon.
pub fn split_multipolygon(mp: &MultiPolygon<f64>, reference: f64) -> MultiPolygon<f64> {
    MultiPolygon(
        mp.0.iter()
            .flat_map(|p| split_polygon(p, reference).0)
            .collect(),
    )
}

/// Splits a lon/lat line string at the antimeridian.
///
/// Parameters as [`split_polygon`]. Returns the parts in order, each with longitudes in
/// [-180, 180]; consecutive parts meet at ±180° (same latitude, interpolated linearly in
/// lon/lat).
///
/// Complexity: O(n).
///
/// # Examples
/// ```
/// use geo::LineString;
/// use skycover::geometry::antimeridian::split_line;
/// let l = LineString::from(vec![(178.0, 60.0), (-178.0, 62.0)]);
/// let parts = split_line(&l, 180.0);
/// assert_eq!(parts.0.len(), 2);
/// assert_eq!(parts.0[0].0[1].x, 180.0);
/// assert_eq!(parts.0[1].0[0].x, -180.0);
/// assert!((parts.0[0].0[1].y - 61.0).abs() < 1e-12);
/// ```
pub fn split_line(ls: &LineString<f64>, reference: f64) -> MultiLineString<f64> {
    split_line_at(ls, reference).0
}

/// [`split_line`], with each part's vertices' positions along the input: `i + t` for a point
/// a fraction `t` of the way from vertex `i` to vertex `i + 1` (an input vertex is `i`, a cut
/// vertex lies in between). Use it to carry per-vertex values (times, heights) onto the parts
/// by linear interpolation.
///
/// # Examples
/// ```
/// use geo::LineString;
/// use skycover::geometry::antimeridian::split_line_at;
/// let l = LineString::from(vec![(178.0, 60.0), (-178.0, 62.0)]);
/// let (parts, at) = split_line_at(&l, 180.0);
/// assert_eq!(parts.0.len(), 2);
/// assert_eq!(at, vec![vec![0.0, 0.5], vec![0.5, 1.0]]);
/// ```
pub fn split_line_at(
    ls: &LineString<f64>,
    reference: f64,
) -> (MultiLineString<f64>, Vec<Vec<f64>>) {
    let reference = unwrap_lon(reference, 0.0);
    let start = ls.0.first().map_or(reference, |c| c.x);
    let u = unwrap_ring(ls, unwrap_lon(start, reference));
    let mut parts: Vec<LineString<f64>> = Vec::new();
    let mut at: Vec<Vec<f64>> = Vec::new();
    let mut cur: Vec<Coord<f64>> = Vec::new();
    let mut cur_at: Vec<f64> = Vec::new();
    // Shift of the current part: longitudes in [-180 + 360·k, 180 + 360·k] map by -360·k.
    let branch = |x: f64| ((x + 180.0) / 360.0).floor();
    let mut prev: Option<Coord<f64>> = None;
    for (i, &c) in u.0.iter().enumerate() {
        if let Some(p) = prev {
            let (kp, kc) = (branch(p.x), branch(c.x));
            if kp != kc {
                // cross one or more cut lines x = 180 + 360·j between p and c
                let step = if kc > kp { 1.0 } else { -1.0 };
                let mut k = kp;
                while k != kc {
                    let cut = if step > 0.0 {
                        180.0 + 360.0 * k
                    } else {
                        -180.0 + 360.0 * k
                    };
                    let t = (cut - p.x) / (c.x - p.x);
                    let y = p.y + t * (c.y - p.y);
                    let pos = (i - 1) as f64 + t;
                    cur.push(Coord {
                        x: snap(cut - 360.0 * k),
                        y,
                    });
                    cur_at.push(pos);
                    parts.push(LineString(std::mem::take(&mut cur)));
                    at.push(std::mem::take(&mut cur_at));
                    k += step;
                    cur.push(Coord {
                        x: snap(cut - 360.0 * k),
                        y,
                    });
                    cur_at.push(pos);
                }
            }
        }
        let k = branch(c.x);
        cur.push(Coord {
            x: snap(c.x - 360.0 * k),
            y: c.y,
        });
        cur_at.push(i as f64);
        prev = Some(c);
    }
    if !cur.is_empty() {
        parts.push(LineString(cur));
        at.push(cur_at);
    }
    (MultiLineString(parts), at)
}

/// Unprojects a local-frame polygon to lon/lat and splits it at the antimeridian.
pub fn unproject_polygon(frame: &LocalFrame, p: &Polygon<f64>) -> MultiPolygon<f64> {
    let ring = |ls: &LineString<f64>| {
        LineString(
            ls.0.iter()
                .map(|c| {
                    let (lon, lat) = frame.to_lonlat(c.x, c.y);
                    Coord { x: lon, y: lat }
                })
                .collect(),
        )
    };
    let ll = Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect());
    split_polygon(&ll, frame.lon0())
}

/// [`unproject_polygon`] on every polygon.
pub fn unproject_multipolygon(frame: &LocalFrame, mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    MultiPolygon(
        mp.0.iter()
            .flat_map(|p| unproject_polygon(frame, p).0)
            .collect(),
    )
}

/// A GeoJSON geometry for polygon parts: a `Polygon` when there is one, else a `MultiPolygon`.
pub fn polygon_geometry(mp: &MultiPolygon<f64>) -> geojson::Value {
    match mp.0.as_slice() {
        [one] => geojson::Value::from(one),
        _ => geojson::Value::from(mp),
    }
}

/// A GeoJSON geometry for line parts: a `LineString` when there is one, else a
/// `MultiLineString`.
pub fn line_geometry(ml: &MultiLineString<f64>) -> geojson::Value {
    match ml.0.as_slice() {
        [one] => geojson::Value::from(one),
        _ => geojson::Value::from(ml),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Contains, Point};

    #[test]
    fn polygon_parts_cover_the_original() {
        // A ring around 180° with a hole, longitudes given in [-180, 180].
        let ext = LineString::from(vec![
            (178.0, -18.0),
            (-177.0, -18.5),
            (-176.0, -15.0),
            (179.0, -14.0),
            (178.0, -18.0),
        ]);
        let hole = LineString::from(vec![
            (179.5, -17.0),
            (-179.5, -17.0),
            (-179.5, -16.0),
            (179.5, -16.0),
            (179.5, -17.0),
        ]);
        let p = Polygon::new(ext, vec![hole]);
        let parts = split_polygon(&p, 180.0);
        assert_eq!(parts.0.len(), 2);
        for q in &parts.0 {
            for c in q
                .exterior()
                .0
                .iter()
                .chain(q.interiors().iter().flat_map(|h| &h.0))
            {
                assert!((-180.0..=180.0).contains(&c.x), "{c:?}");
            }
        }
        // Area is kept; points land in exactly one part (or in the hole: in none).
        let unwrapped = split_polygon(&p, 180.0 + 360.0);
        let whole = Polygon::new(
            unwrap_ring(p.exterior(), 180.0),
            vec![unwrap_ring(&p.interiors()[0], 180.0)],
        );
        assert!((parts.unsigned_area() - whole.unsigned_area()).abs() < 1e-9);
        assert!((unwrapped.unsigned_area() - whole.unsigned_area()).abs() < 1e-9);
        for i in 0..60 {
            for j in 0..60 {
                let x = 177.513 + i as f64 * 0.1;
                let y = -19.027 + j as f64 * 0.1;
                let inside = whole.contains(&Point::new(x, y));
                let wrapped = if x > 180.0 { x - 360.0 } else { x };
                let n = parts
                    .0
                    .iter()
                    .filter(|q| q.contains(&Point::new(wrapped, y)))
                    .count();
                if (x - 180.0).abs() > 1e-6 {
                    assert_eq!(n, usize::from(inside), "({x}, {y})");
                }
            }
        }
    }

    #[test]
    fn non_crossing_shapes_are_unchanged() {
        let p = Polygon::new(
            LineString::from(vec![(30.0, 50.0), (31.0, 50.0), (31.0, 51.0), (30.0, 50.0)]),
            vec![],
        );
        let parts = split_polygon(&p, 30.5);
        assert_eq!(parts.0.len(), 1);
        assert!((parts.unsigned_area() - p.unsigned_area()).abs() < 1e-12);
        let l = LineString::from(vec![(170.0, 0.0), (179.0, 1.0), (179.9, 2.0)]);
        assert_eq!(split_line(&l, 175.0).0, vec![l]);
    }

    #[test]
    fn lines_split_both_ways() {
        let l = LineString::from(vec![
            (-179.0, 0.0),
            (179.0, 2.0),
            (178.0, 3.0),
            (-178.0, 5.0),
        ]);
        let parts = split_line(&l, 180.0);
        assert_eq!(parts.0.len(), 3);
        assert_eq!(
            parts.0[0].0,
            vec![Coord { x: -179.0, y: 0.0 }, Coord { x: -180.0, y: 1.0 }]
        );
        assert_eq!(parts.0[1].0[0], Coord { x: 180.0, y: 1.0 });
        assert_eq!(
            parts.0[1].0.last().copied(),
            Some(Coord { x: 180.0, y: 4.0 })
        );
        assert_eq!(
            parts.0[2].0,
            vec![Coord { x: -180.0, y: 4.0 }, Coord { x: -178.0, y: 5.0 }]
        );
    }
}
