//! Input checks shared by the loaders and the public entry points: hard ceilings on numbers
//! and resources, a JSON reader that rejects duplicate keys, file-format sniffing with the
//! command that converts a file, a hint for projected coordinates, an O(n log n) polygon
//! validity test and id checks against a catalogue.
//!
//! Everything here either returns a typed [`Error`] or a plain answer; nothing panics and
//! nothing allocates more than its input.
//!
//! # Examples
//! ```
//! use skycover::validate;
//! assert!(validate::parse_json_strict("scenario", r#"{"a": 1, "a": 2}"#).is_err());
//! assert!(validate::parse_json_strict("scenario", "\u{feff}{\"a\": 1}").is_ok());
//! assert_eq!(validate::sniff_format(b"SQLite format 3\0...").map(|f| f.0), Some("GeoPackage / SQLite"));
//! ```

use std::fmt;

use geo::{Contains, Coord, MultiPolygon, Point, Polygon};
use rstar::{RTree, RTreeObject, AABB};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::catalogue::Catalogue;
use crate::error::{Error, Result};
use crate::site::Site;

/// The largest accepted weight-like number: zone and corridor `priority`, asset `value`,
/// `asset_value_km2`, catalogue layer weights. Sums of up to 10⁹ such weights stay far below
/// `f64::MAX`, so coverage fractions, gap areas and objectives stay finite.
pub const MAX_WEIGHT: f64 = 1e9;

/// The smallest accepted grid, candidate or corridor spacing/width, metres (1 cm): smaller
/// values only overflow sample counts.
pub const MIN_RESOLUTION_M: f64 = 0.01;

/// Hard ceiling of `limits.max_grid_cells` (10⁸ cells, about 2.4 GB of demand samples):
/// a scenario may raise its limit up to here, never beyond.
pub const MAX_GRID_CELLS_CEILING: u64 = 100_000_000;
/// Hard ceiling of `limits.max_candidates`.
pub const MAX_CANDIDATES_CEILING: u64 = 10_000_000;
/// Hard ceiling of `limits.max_matrix_nonzeros` (2·10⁹ non-zeros, 8 GB).
pub const MAX_MATRIX_NONZEROS_CEILING: u64 = 2_000_000_000;

/// Lowest elevation a scenario's terrain may hold, metres (the deepest ocean trench, about
/// −10 935 m, rounded down): anything below is an undeclared nodata value (−32 768, −3.4e38).
pub const MIN_ELEVATION_M: f64 = -11_000.0;
/// Highest elevation a scenario's terrain may hold, metres (Everest, 8 849 m, rounded up):
/// anything above is an undeclared nodata value (32 767, 1e30, 3.4e38).
pub const MAX_ELEVATION_M: f64 = 9_000.0;

/// Why `v` (metres) cannot be an elevation on Earth, if it cannot: outside
/// [`MIN_ELEVATION_M`]..=[`MAX_ELEVATION_M`], most likely a nodata sentinel nobody declared.
pub(crate) fn elevation_problem(v: f64) -> Option<String> {
    (!(MIN_ELEVATION_M..=MAX_ELEVATION_M).contains(&v)).then(|| {
        format!(
            "elevation {v} m is outside the Earth's relief ({MIN_ELEVATION_M} to {MAX_ELEVATION_M} m): an undeclared nodata value? declare it as the nodata value or fix the data"
        )
    })
}

/// Stable FNV-1a 64-bit hash (fingerprints of catalogues and scenarios).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// `text` without a leading UTF-8 byte-order mark.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// What a non-GeoJSON file looks like from its first bytes: `(format name, usual extension)`,
/// or `None` when it may be JSON.
pub fn sniff_format(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    let head = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let trimmed: &[u8] = {
        let start = head
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(head.len());
        &head[start..]
    };
    if head.starts_with(b"SQLite format 3\0") {
        return Some(("GeoPackage / SQLite", "gpkg"));
    }
    if head.starts_with(b"PK\x03\x04") {
        return Some(("zip archive (KMZ or zipped Shapefile)", "zip"));
    }
    if head.len() >= 4 && head[..4] == [0x00, 0x00, 0x27, 0x0a] {
        return Some(("ESRI Shapefile", "shp"));
    }
    if trimmed.starts_with(b"<") {
        let lower: Vec<u8> = trimmed
            .iter()
            .take(512)
            .map(u8::to_ascii_lowercase)
            .collect();
        let has = |s: &[u8]| lower.windows(s.len()).any(|w| w == s);
        if has(b"<kml") {
            return Some(("KML", "kml"));
        }
        if has(b"<gpx") {
            return Some(("GPX", "gpx"));
        }
        if has(b"gml") {
            return Some(("GML", "gml"));
        }
        return Some(("XML", "xml"));
    }
    if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        return Some(("TIFF image", "tif"));
    }
    None
}

/// The error for a file that is not GeoJSON but looks like `format`: names the format and
/// the `ogr2ogr` command that converts it.
pub fn wrong_format(what: &'static str, format: (&str, &str)) -> Error {
    Error::Json {
        what,
        line: 1,
        column: 1,
        message: format!(
            "this looks like a {} file, not GeoJSON; convert it with \
             `ogr2ogr -f GeoJSON -t_srs EPSG:4326 out.geojson in.{}`",
            format.0, format.1
        ),
    }
}

/// Parses JSON like `serde_json::from_str::<Value>`, but skips a UTF-8 BOM and rejects an
/// object with the same key twice (serde_json would silently keep the last one).
///
/// # Errors
/// [`Error::Json`] for malformed JSON, a duplicate key (named, with its position) or a
/// non-JSON format recognised by [`sniff_format`].
pub fn parse_json_strict(what: &'static str, text: &str) -> Result<Value> {
    if let Some(f) = sniff_format(text.as_bytes()) {
        return Err(wrong_format(what, f));
    }
    let text = strip_bom(text);
    let mut de = serde_json::Deserializer::from_str(text);
    let v = StrictValue
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| Error::json(what, &e))?;
    Ok(v)
}

/// Reads a file's bytes as text for a JSON loader: sniffs non-JSON formats first, so that a
/// GeoPackage says so instead of "stream did not contain valid UTF-8".
///
/// # Errors
/// [`Error::Io`], [`Error::Json`] naming the format it looks like, or invalid UTF-8.
pub fn read_json_text(what: &'static str, path: &std::path::Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, &e))?;
    if let Some(f) = sniff_format(&bytes) {
        return Err(wrong_format(what, f));
    }
    String::from_utf8(bytes).map_err(|e| Error::Json {
        what,
        line: 0,
        column: 0,
        message: format!(
            "not UTF-8 text at byte {} (GeoJSON is UTF-8; re-save the file as UTF-8)",
            e.utf8_error().valid_up_to()
        ),
    })
}

struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> std::result::Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> std::result::Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<Value, D::Error> {
        StrictValue.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(StrictValue)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            if out.contains_key(&k) {
                return Err(de::Error::custom(format!(
                    "duplicate key \"{k}\" in one object (JSON readers disagree on which value \
                     wins; keep one)"
                )));
            }
            let v = map.next_value_seed(StrictValue)?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

/// A hint appended to coordinate errors when `[x, y]` looks projected (metres, not degrees).
pub fn projected_hint(x: f64, y: f64) -> &'static str {
    if x.abs() > 180.0 || y.abs() > 90.0 {
        " (this looks like projected coordinates in metres, e.g. Web Mercator EPSG:3857 or UTM; \
         GeoJSON must be WGS84 lon/lat: reproject with \
         `ogr2ogr -f GeoJSON -t_srs EPSG:4326 out.geojson in.geojson`)"
    } else {
        ""
    }
}

/// Checks that every site's class is in `catalogue`.
///
/// # Errors
/// [`Error::InvalidInput`] naming the first site with a foreign class id.
pub fn check_sites(catalogue: &Catalogue, sites: &[Site]) -> Result<()> {
    for (i, s) in sites.iter().enumerate() {
        let what = match &s.id {
            Some(id) => format!("site {i} (\"{id}\") class"),
            None => format!("site {i} class"),
        };
        catalogue.try_class(s.class, &what)?;
        if !s.position[0].is_finite() || !s.position[1].is_finite() || !s.facing_deg.is_finite() {
            return Err(Error::InvalidInput {
                what: format!("site {i} position / facing"),
                reason: format!(
                    "[{}, {}] facing {} is not finite",
                    s.position[0], s.position[1], s.facing_deg
                ),
            });
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
struct Seg {
    a: Coord<f64>,
    b: Coord<f64>,
    ring: u32,
    idx: u32,
    len: u32,
}

impl RTreeObject for Seg {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners([self.a.x, self.a.y], [self.b.x, self.b.y])
    }
}

fn orient(p: Coord<f64>, q: Coord<f64>, r: Coord<f64>) -> f64 {
    (q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x)
}

fn on_segment(p: Coord<f64>, q: Coord<f64>, r: Coord<f64>) -> bool {
    r.x >= p.x.min(q.x) && r.x <= p.x.max(q.x) && r.y >= p.y.min(q.y) && r.y <= p.y.max(q.y)
}

fn segments_intersect(s: &Seg, t: &Seg) -> bool {
    let (p1, p2, p3, p4) = (s.a, s.b, t.a, t.b);
    let d1 = orient(p3, p4, p1);
    let d2 = orient(p3, p4, p2);
    let d3 = orient(p1, p2, p3);
    let d4 = orient(p1, p2, p4);
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    (d1 == 0.0 && on_segment(p3, p4, p1))
        || (d2 == 0.0 && on_segment(p3, p4, p2))
        || (d3 == 0.0 && on_segment(p1, p2, p3))
        || (d4 == 0.0 && on_segment(p1, p2, p4))
}

/// True when two segments are consecutive in one ring (they share exactly one endpoint by
/// construction, which is not a self-intersection).
fn adjacent(s: &Seg, t: &Seg) -> bool {
    if s.ring != t.ring {
        return false;
    }
    let (i, j, n) = (s.idx, t.idx, s.len);
    i.abs_diff(j) == 1 || (n > 2 && ((i == 0 && j == n - 1) || (j == 0 && i == n - 1)))
}

/// Validity of a multipolygon in O(n log n) (n vertices): no ring crosses or touches itself or
/// another ring (one R-tree of segments, each segment queried against its envelope), every
/// hole starts inside its shell and no polygon starts inside another. Rings must already be
/// closed with at least 4 positions. Returns a description of the first problem found.
///
/// Stricter than OGC in one respect: rings that touch at a single point are refused.
///
/// # Complexity
/// O((n + m) log n), m the number of segment pairs whose bounding boxes overlap (R-tree bulk
/// load, one envelope query per segment), like geo's sweep-line `Intersections`: O(n log n)
/// for real borders (m ≈ n), worse only for pathological rings of long, overlapping segments.
/// The hole and component containment tests are O(n) per hole or component.
pub fn multipolygon_problem(mp: &MultiPolygon<f64>) -> Option<String> {
    let mut segs: Vec<Seg> = Vec::new();
    let mut ring_no = 0u32;
    let mut ring_names: Vec<String> = Vec::new();
    for (pi, pg) in mp.0.iter().enumerate() {
        let rings = std::iter::once(pg.exterior()).chain(pg.interiors());
        for (ri, r) in rings.enumerate() {
            let cs = &r.0;
            let n = cs.len().saturating_sub(1) as u32;
            for (i, w) in cs.windows(2).enumerate() {
                if w[0] == w[1] {
                    return Some(format!(
                        "polygon {pi} ring {ri}: repeated consecutive position {:?}",
                        (w[0].x, w[0].y)
                    ));
                }
                segs.push(Seg {
                    a: w[0],
                    b: w[1],
                    ring: ring_no,
                    idx: i as u32,
                    len: n,
                });
            }
            ring_names.push(format!("polygon {pi} ring {ri}"));
            ring_no += 1;
        }
    }
    let tree = RTree::bulk_load(segs.clone());
    for s in &segs {
        for t in tree.locate_in_envelope_intersecting(&s.envelope()) {
            if (t.ring, t.idx) <= (s.ring, s.idx) {
                continue;
            }
            if adjacent(s, t) {
                // consecutive segments share one endpoint; they must not fold back over
                // each other (collinear overlap)
                let shared = if s.b == t.a { t.b } else { t.a };
                let other = if s.b == t.a { s.a } else { s.b };
                let pivot = if s.b == t.a { s.b } else { s.a };
                if orient(other, pivot, shared) == 0.0
                    && (shared.x - pivot.x) * (other.x - pivot.x)
                        + (shared.y - pivot.y) * (other.y - pivot.y)
                        > 0.0
                {
                    return Some(format!(
                        "{}: edges {} and {} fold back over each other (spike)",
                        ring_names[s.ring as usize], s.idx, t.idx
                    ));
                }
                continue;
            }
            if segments_intersect(s, t) {
                let where_ = if s.ring == t.ring {
                    format!(
                        "{} intersects itself (edges {} and {})",
                        ring_names[s.ring as usize], s.idx, t.idx
                    )
                } else {
                    format!(
                        "{} (edge {}) and {} (edge {}) intersect",
                        ring_names[s.ring as usize], s.idx, ring_names[t.ring as usize], t.idx
                    )
                };
                return Some(where_);
            }
        }
    }
    // no crossings: containment is decided by one vertex per ring
    for (pi, pg) in mp.0.iter().enumerate() {
        let shell = Polygon::new(pg.exterior().clone(), vec![]);
        for (hi, h) in pg.interiors().iter().enumerate() {
            if let Some(c) = h.0.first() {
                if !shell.contains(&Point::from(*c)) {
                    return Some(format!("polygon {pi}: hole {hi} lies outside its shell"));
                }
            }
        }
        for (qi, other) in mp.0.iter().enumerate() {
            if qi == pi {
                continue;
            }
            if let Some(c) = other.exterior().0.first() {
                if pg.contains(&Point::from(*c)) {
                    return Some(format!(
                        "polygon {qi} lies inside polygon {pi} (use a hole, or merge them)"
                    ));
                }
            }
        }
    }
    None
}

/// A plain O(n²) reference of [`multipolygon_problem`]'s crossing test, for tests.
#[doc(hidden)]
pub fn multipolygon_crossing_reference(mp: &MultiPolygon<f64>) -> bool {
    let mut segs: Vec<Seg> = Vec::new();
    let mut ring_no = 0u32;
    for pg in &mp.0 {
        for r in std::iter::once(pg.exterior()).chain(pg.interiors()) {
            let n = r.0.len().saturating_sub(1) as u32;
            for (i, w) in r.0.windows(2).enumerate() {
                segs.push(Seg {
                    a: w[0],
                    b: w[1],
                    ring: ring_no,
                    idx: i as u32,
                    len: n,
                });
            }
            ring_no += 1;
        }
    }
    for (i, s) in segs.iter().enumerate() {
        for t in &segs[i + 1..] {
            if !adjacent(s, t) && segments_intersect(s, t) {
                return true;
            }
        }
    }
    false
}

/// Polygons with at most this many shell vertices also get geo's full OGC validation (O(n²));
/// larger ones rely on [`multipolygon_problem`] alone, which is O(n log n).
pub const FULL_VALIDATION_MAX_VERTICES: usize = 2_000;

/// The largest accepted distance setting or width, metres (10 000 km).
pub const MAX_DISTANCE_M: f64 = 1e7;

/// The largest accepted budget or unit cost.
pub const MAX_COST: f64 = 1e15;

/// Range check of a numeric feature property already known to be finite and > 0: weights
/// (`priority`, `value`) at most [`MAX_WEIGHT`], widths between [`MIN_RESOLUTION_M`] and
/// [`MAX_DISTANCE_M`]. Returns the reason on failure.
pub fn check_feature_number(key: &str, v: f64) -> std::result::Result<(), String> {
    match key {
        "width_m" if v < MIN_RESOLUTION_M => Err(format!(
            "{v} m is below the smallest accepted width {MIN_RESOLUTION_M} m"
        )),
        k if k.ends_with("_m") && v > MAX_DISTANCE_M => Err(format!(
            "{v} m is above the largest accepted {MAX_DISTANCE_M:e} m"
        )),
        k if !k.ends_with("_m") && v > MAX_WEIGHT => Err(format!(
            "{v} is above the largest accepted weight {MAX_WEIGHT:e} (sums of weights must \
             stay finite)"
        )),
        _ => Ok(()),
    }
}

/// Range checks of the scenario settings (the `skycover` member) beyond their types:
/// spacings and resolutions in [[`MIN_RESOLUTION_M`], [`MAX_DISTANCE_M`]], `asset_value_km2`
/// at most [`MAX_WEIGHT`], budget and unit costs at most [`MAX_COST`]. Returns
/// `(setting, reason)` on failure.
pub fn check_settings_numbers(m: &Map<String, Value>) -> std::result::Result<(), (String, String)> {
    let num = |v: &Value| v.as_f64().filter(|x| x.is_finite());
    for key in ["grid_resolution_m", "candidate_spacing_m"] {
        if let Some(v) = m.get(key).and_then(num) {
            if !(MIN_RESOLUTION_M..=MAX_DISTANCE_M).contains(&v) {
                return Err((
                    key.to_string(),
                    format!("{v} m is outside [{MIN_RESOLUTION_M}, {MAX_DISTANCE_M:e}] m"),
                ));
            }
        }
    }
    if let Some(Value::Object(cs)) = m.get("class_spacing_m") {
        for (k, v) in cs {
            if let Some(v) = num(v) {
                if !(MIN_RESOLUTION_M..=MAX_DISTANCE_M).contains(&v) {
                    return Err((
                        format!("class_spacing_m.{k}"),
                        format!("{v} m is outside [{MIN_RESOLUTION_M}, {MAX_DISTANCE_M:e}] m"),
                    ));
                }
            }
        }
    }
    if let Some(v) = m.get("min_site_spacing_m").and_then(num) {
        if v > MAX_DISTANCE_M {
            return Err((
                "min_site_spacing_m".into(),
                format!("{v} m is above {MAX_DISTANCE_M:e} m"),
            ));
        }
    }
    if let Some(v) = m.get("asset_value_km2").and_then(num) {
        if v > MAX_WEIGHT {
            return Err((
                "asset_value_km2".into(),
                format!("{v} is above the largest accepted weight {MAX_WEIGHT:e}"),
            ));
        }
    }
    if let Some(v) = m.get("budget").and_then(num) {
        if v > MAX_COST {
            return Err(("budget".into(), format!("{v} is above {MAX_COST:e}")));
        }
    }
    if let Some(Value::Object(inv)) = m.get("inventory") {
        for (k, item) in inv {
            if let Some(v) = item.get("unit_cost").and_then(num) {
                if v > MAX_COST {
                    return Err((
                        format!("inventory.{k}.unit_cost"),
                        format!("{v} is above {MAX_COST:e}"),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A user-raised limit against its hard ceiling ([`MAX_GRID_CELLS_CEILING`],
/// [`MAX_CANDIDATES_CEILING`], [`MAX_MATRIX_NONZEROS_CEILING`]). Returns the reason on failure.
pub fn check_limit(key: &str, n: u64) -> std::result::Result<(), String> {
    let ceiling = match key {
        "max_grid_cells" => MAX_GRID_CELLS_CEILING,
        "max_candidates" => MAX_CANDIDATES_CEILING,
        "max_matrix_nonzeros" => MAX_MATRIX_NONZEROS_CEILING,
        _ => return Ok(()), // unknown keys are refused by the caller
    };
    if n > ceiling {
        return Err(format!(
            "{n} is above the hard ceiling {ceiling} (skycover::validate constants): coarsen \
             the input instead"
        ));
    }
    Ok(())
}

/// The shortest arc of longitude (degrees) that holds every longitude in `lons`, across the
/// antimeridian when that is shorter: 360° less the widest empty gap between neighbours.
/// O(n log n).
fn lon_arc_span(lons: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = lons.map(|x| x.rem_euclid(360.0)).collect();
    if v.len() < 2 {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let wrap_gap = v[0] + 360.0 - v[v.len() - 1];
    let widest = v.windows(2).map(|w| w[1] - w[0]).fold(wrap_gap, f64::max);
    360.0 - widest
}

/// Refuses areal geometries (lon/lat) that span more than a hemisphere (a whole-world zone has
/// no local frame) or have (near-)zero area (under 1 m²). Returns the reason on failure.
pub fn check_areal_extent(mp: &MultiPolygon<f64>) -> std::result::Result<(), String> {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, f64::MIN, f64::MIN);
    for c in mp.0.iter().flat_map(|p| p.exterior().0.iter()) {
        x0 = x0.min(c.x);
        y0 = y0.min(c.y);
        x1 = x1.max(c.x);
        y1 = y1.max(c.y);
    }
    let lon_span = lon_arc_span(mp.0.iter().flat_map(|p| p.exterior().0.iter().map(|c| c.x)));
    if lon_span >= 180.0 || y1 - y0 >= 90.0 {
        return Err(format!(
            "spans {:.1}° of longitude and {:.1}° of latitude: more than a hemisphere, which \
             no local frame can hold (skycover plans theatres up to a few hundred km; split \
             it, or check the coordinate order)",
            lon_span,
            y1 - y0
        ));
    }
    let deg2 = geo::Area::unsigned_area(mp);
    let lat = ((y0 + y1) / 2.0).to_radians().cos().abs();
    let m2 = deg2 * 111_320.0 * 111_320.0 * lat;
    if m2 < 1.0 {
        return Err(format!(
            "the polygon is degenerate: its area is about {m2:.3e} m² (< 1 m²), it would add \
             no demand"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::lon_arc_span;

    #[test]
    fn longitude_span_takes_the_short_way_round() {
        assert!((lon_arc_span([30.0, 31.5, 30.2].into_iter()) - 1.5).abs() < 1e-9);
        // a zone across the antimeridian spans 0.8°, not 359.2°
        assert!((lon_arc_span([179.6, -179.6, 179.9].into_iter()) - 0.8).abs() < 1e-9);
        assert!((lon_arc_span([-170.0, 10.0].into_iter()) - 180.0).abs() < 1e-9);
        assert_eq!(lon_arc_span([5.0].into_iter()), 0.0);
    }
}
