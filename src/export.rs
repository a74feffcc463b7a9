//! GeoJSON output: sites, footprints, scenario features, in WGS84 lon/lat (RFC 7946).
//!
//! Polygons follow the right-hand rule (exterior rings counter-clockwise, holes clockwise),
//! rings are closed, coordinates are `[lon, lat]`: the files open in QGIS and geojson.io.
//! Footprints are polygonised in the local frame (annulus clipped to the radar's sector, arcs
//! approximated by chords every few degrees) and unprojected vertex by vertex.

use crate::catalogue::Layer;
use crate::error::{Error, Result};
use crate::evaluate::Coverage;
use crate::frame::LocalFrame;
use crate::gaps::GapMap;
use crate::geometry::antimeridian;
use crate::scenario::Scenario;
use crate::site::Site;
use crate::volume::Footprint;
use geo::orient::{Direction, Orient};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use geojson::{Feature, FeatureCollection, Geometry, JsonObject, JsonValue};
use std::path::Path;

/// Number of chords per full circle when polygonising footprints.
pub const DEFAULT_ARC_SEGMENTS: usize = 96;

/// The most chords per full circle [`footprint_polygon`] draws (larger requests are clamped).
pub const MAX_ARC_SEGMENTS: usize = 65_536;

/// The footprint as a polygon in the local frame (metres), or `None` when it is empty.
///
/// A full annulus with a dead zone gives a polygon with one hole; a sector gives a single
/// ring (an annular wedge, or a pie slice without a dead zone). `segments` chords approximate
/// a full circle (at least 8, at most [`MAX_ARC_SEGMENTS`]). The exterior is counter-clockwise.
///
/// # Examples
/// ```
/// use geo::Area;
/// use skycover::export::footprint_polygon;
/// use skycover::{Footprint, Scenario};
/// let s = Scenario::builtin("kyiv")?;
/// let layer = s.catalogue().layers()[0];
/// let fp = Footprint::new(s.catalogue(), &s.sites()[0], &layer);
/// let p = footprint_polygon(&fp, 720).unwrap();
/// assert!((p.unsigned_area() - fp.area_m2()).abs() < 1e-3 * fp.area_m2());
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn footprint_polygon(fp: &Footprint, segments: usize) -> Option<Polygon<f64>> {
    if fp.is_empty() {
        return None;
    }
    // an input-sized allocation: clamped (65 536 segments is 0.0055° per segment)
    let segments = segments.clamp(8, MAX_ARC_SEGMENTS);
    let [cx, cy] = fp.centre();
    let (r_out, r_in) = (fp.max_ground_range_m(), fp.min_ground_range_m());
    if r_out <= 0.0 {
        return None;
    }
    let at = |bearing: f64, r: f64| {
        let a = bearing.to_radians();
        Coord {
            x: cx + r * a.sin(),
            y: cy + r * a.cos(),
        }
    };
    let poly = match fp.sector() {
        None => {
            let ring = |r: f64| {
                let mut v: Vec<Coord<f64>> = (0..segments)
                    .map(|k| at(360.0 * k as f64 / segments as f64, r))
                    .collect();
                v.push(v[0]);
                LineString::from(v)
            };
            let holes = if r_in > 0.0 { vec![ring(r_in)] } else { vec![] };
            Polygon::new(ring(r_out), holes)
        }
        Some((start, width)) => {
            let n = ((segments as f64 * width / 360.0).ceil() as usize).max(2);
            let mut v: Vec<Coord<f64>> = (0..=n)
                .map(|k| at(start + width * k as f64 / n as f64, r_out))
                .collect();
            if r_in > 0.0 {
                v.extend(
                    (0..=n)
                        .rev()
                        .map(|k| at(start + width * k as f64 / n as f64, r_in)),
                );
            } else {
                v.push(Coord { x: cx, y: cy });
            }
            v.push(v[0]);
            Polygon::new(LineString::from(v), vec![])
        }
    };
    Some(poly.orient(Direction::Default))
}

fn unproject_ls(frame: &LocalFrame, ls: &LineString<f64>) -> LineString<f64> {
    LineString::from(
        ls.coords()
            .map(|c| {
                let (lon, lat) = frame.to_lonlat(c.x, c.y);
                Coord { x: lon, y: lat }
            })
            .collect::<Vec<_>>(),
    )
}

/// Unprojects a local-frame polygon to lon/lat, keeping the right-hand rule.
///
/// # Examples
/// ```
/// use skycover::export::polygon_to_lonlat;
/// use skycover::Scenario;
/// let s = Scenario::builtin("odesa")?;
/// let ll = polygon_to_lonlat(s.frame(), &s.zones()[0].local.0[0]);
/// let back = &s.zones()[0].lonlat.0[0];
/// let (a, b) = (ll.exterior().0[0], back.exterior().0[0]);
/// assert!((a.x - b.x).abs() < 1e-6 && (a.y - b.y).abs() < 1e-6);
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn polygon_to_lonlat(frame: &LocalFrame, p: &Polygon<f64>) -> Polygon<f64> {
    Polygon::new(
        unproject_ls(frame, p.exterior()),
        p.interiors()
            .iter()
            .map(|h| unproject_ls(frame, h))
            .collect(),
    )
    .orient(Direction::Default)
}

/// Unprojects a local-frame multipolygon to lon/lat, keeping the right-hand rule.
///
/// # Examples
/// ```
/// use skycover::export::multipolygon_to_lonlat;
/// use skycover::Scenario;
/// let s = Scenario::builtin("odesa")?;
/// let ll = multipolygon_to_lonlat(s.frame(), &s.zones()[0].local);
/// assert_eq!(ll.0.len(), s.zones()[0].lonlat.0.len());
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn multipolygon_to_lonlat(frame: &LocalFrame, mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    MultiPolygon(mp.0.iter().map(|p| polygon_to_lonlat(frame, p)).collect())
}

/// A GeoJSON feature from a geometry and properties.
///
/// # Examples
/// ```
/// use skycover::export::feature;
/// let mut props = geojson::JsonObject::new();
/// props.insert("name".into(), "x".into());
/// let f = feature(geojson::Value::Point(vec![30.5, 50.4]), props);
/// assert_eq!(f.property("name").and_then(|v| v.as_str()), Some("x"));
/// ```
pub fn feature(geometry: geojson::Value, properties: JsonObject) -> Feature {
    Feature {
        bbox: None,
        geometry: Some(Geometry::new(geometry)),
        id: None,
        properties: Some(properties),
        foreign_members: None,
    }
}

fn props(pairs: &[(&str, JsonValue)]) -> JsonObject {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// A point feature for a site: `kind = "site"`, `class`, `facing_deg` (true bearing), `fixed`,
/// `id`.
///
/// # Errors
/// [`crate::Error::InvalidInput`] for a site whose class is not in the scenario's catalogue
/// (a [`ClassId`](crate::ClassId) from another catalogue) or with a non-finite position.
pub fn site_feature(scenario: &Scenario, site: &Site) -> crate::Result<Feature> {
    crate::validate::check_sites(scenario.catalogue(), std::slice::from_ref(site))?;
    let (lon, lat) = scenario
        .frame()
        .to_lonlat(site.position[0], site.position[1]);
    let class = scenario.catalogue().try_class(site.class, "site class")?;
    let mut f = feature(
        geojson::Value::Point(vec![lon, lat]),
        props(&[
            ("kind", "site".into()),
            ("class", class.id.clone().into()),
            (
                "tier",
                serde_json::to_value(class.tier).unwrap_or(JsonValue::Null),
            ),
            ("facing_deg", site.facing_deg.into()),
            ("sector_deg", class.sector_deg.into()),
            ("fixed", site.fixed.into()),
        ]),
    );
    if let Some(id) = &site.id {
        f.id = Some(geojson::feature::Id::String(id.clone()));
    }
    Ok(f)
}

/// A polygon feature for the footprint of `site` on `layer`: `kind = "footprint"`, `class`,
/// `threat`, `altitude_m`, `max_ground_range_m`. `None` when the footprint is empty.
///
/// A footprint crossing the antimeridian is split there (RFC 7946 §3.1.9) and exported as a
/// `MultiPolygon` whose parts lie within [-180, 180]; otherwise it is a `Polygon`.
///
/// # Examples
/// ```
/// use skycover::export::footprint_feature;
/// use skycover::Scenario;
/// let s = Scenario::builtin("kyiv")?;
/// let layer = s.catalogue().layers()[0];
/// let f = footprint_feature(&s, &s.sites()[0], &layer).unwrap();
/// assert_eq!(f.property("kind").and_then(|v| v.as_str()), Some("footprint"));
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn footprint_feature(scenario: &Scenario, site: &Site, layer: &Layer) -> Option<Feature> {
    let cat = scenario.catalogue();
    let fp = Footprint::new(cat, site, layer);
    let poly = footprint_polygon(&fp, DEFAULT_ARC_SEGMENTS)?;
    // split at the antimeridian (RFC 7946 §3.1.9): a Polygon, or a MultiPolygon when it crosses
    let ll = antimeridian::unproject_polygon(scenario.frame(), &poly);
    let mut f = feature(
        antimeridian::polygon_geometry(&ll),
        props(&[
            ("kind", "footprint".into()),
            (
                "class",
                cat.try_class(site.class, "class").ok()?.id.clone().into(),
            ),
            (
                "threat",
                cat.try_threat(layer.threat, "threat")
                    .ok()?
                    .id
                    .clone()
                    .into(),
            ),
            ("altitude_m", layer.altitude_m.into()),
            ("max_ground_range_m", fp.max_ground_range_m().into()),
        ]),
    );
    if let Some(id) = &site.id {
        f.id = Some(geojson::feature::Id::String(format!("{id}/footprint")));
    }
    Some(f)
}

/// The scenario's own features (zones, assets, corridors, contact lines, candidate and
/// exclusion areas), in lon/lat, each with `kind`, `id` and `name`. Polygons and lines crossing
/// the antimeridian are split there (RFC 7946 §3.1.9; a line becomes a `MultiLineString`).
///
/// # Examples
/// ```
/// use skycover::export::scenario_features;
/// use skycover::Scenario;
/// let s = Scenario::builtin("odesa")?;
/// let feats = scenario_features(&s);
/// assert!(feats.iter().any(|f| f.property("kind").and_then(|v| v.as_str()) == Some("zone")));
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn scenario_features(scenario: &Scenario) -> Vec<Feature> {
    let mut out = Vec::new();
    let lon0 = scenario.frame().lon0();
    let with_id = |mut f: Feature, id: &str| {
        f.id = Some(geojson::feature::Id::String(id.to_string()));
        f
    };
    for z in scenario.zones() {
        out.push(with_id(
            feature(
                geojson::Value::from(&antimeridian::split_multipolygon(&z.lonlat, lon0)),
                props(&[
                    ("kind", "zone".into()),
                    ("name", z.name.clone().into()),
                    ("priority", z.priority.into()),
                    ("area_km2", z.area_km2().into()),
                ]),
            ),
            &z.id,
        ));
    }
    for c in scenario.corridors() {
        out.push(with_id(
            feature(
                antimeridian::line_geometry(&antimeridian::split_line(&c.lonlat, lon0)),
                props(&[
                    ("kind", "corridor".into()),
                    ("name", c.name.clone().into()),
                    ("width_m", c.width_m.into()),
                ]),
            ),
            &c.id,
        ));
    }
    for l in scenario.contact_lines() {
        out.push(with_id(
            feature(
                antimeridian::line_geometry(&antimeridian::split_line(&l.lonlat, lon0)),
                props(&[
                    ("kind", "contact_line".into()),
                    ("name", l.name.clone().into()),
                    ("keep_out_m", l.keep_out_m.into()),
                ]),
            ),
            &l.id,
        ));
    }
    for (kind, areas) in [
        ("candidate_area", scenario.candidate_areas()),
        ("exclusion", scenario.exclusions()),
    ] {
        for a in areas {
            out.push(with_id(
                feature(
                    geojson::Value::from(&antimeridian::split_multipolygon(&a.lonlat, lon0)),
                    props(&[("kind", kind.into()), ("name", a.name.clone().into())]),
                ),
                &a.id,
            ));
        }
    }
    out
}

/// Point features for the defended assets with their coverage status: `kind = "asset"`,
/// `name`, `category`, `value`, `covered` (bool), and per threat `depth.<threat>` and
/// `required.<threat>`, plus `failing_layers` as `"threat@altitude"` strings.
///
/// For GIS, prefer [`crate::output::assets_collection`]: flat numeric columns per threat.
///
/// # Examples
/// ```
/// use skycover::export::asset_features;
/// use skycover::{Coverage, Scenario};
/// let s = Scenario::builtin("kyiv")?;
/// let (_, coverage) = Coverage::of_scenario(&s)?;
/// assert_eq!(asset_features(&s, &coverage).len(), s.assets().len());
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn asset_features(scenario: &Scenario, coverage: &Coverage) -> Vec<Feature> {
    let cat = scenario.catalogue();
    coverage
        .assets()
        .iter()
        .filter_map(|st| {
            let a = scenario.assets().get(st.asset)?;
            let mut p = props(&[
                ("kind", "asset".into()),
                ("name", a.name.clone().into()),
                ("category", a.category.clone().into()),
                ("value", a.value.into()),
                ("covered", st.is_covered().into()),
            ]);
            let mut depth = JsonObject::new();
            let mut required = JsonObject::new();
            for (ti, t) in cat.threats().iter().enumerate() {
                depth.insert(t.id.clone(), st.depth.get(ti).copied().unwrap_or(0).into());
                required.insert(
                    t.id.clone(),
                    st.required.get(ti).copied().unwrap_or(1).into(),
                );
            }
            p.insert("depth".into(), JsonValue::Object(depth));
            p.insert("required".into(), JsonValue::Object(required));
            let failing: Vec<JsonValue> = st
                .failing_layers
                .iter()
                .filter_map(|&l| cat.layers().get(l))
                .map(|l| format!("{}@{:.0}m", cat.threat(l.threat).id, l.altitude_m).into())
                .collect();
            p.insert("failing_layers".into(), JsonValue::Array(failing));
            let mut f = feature(geojson::Value::Point(vec![a.lonlat[0], a.lonlat[1]]), p);
            f.id = Some(geojson::feature::Id::String(a.id.clone()));
            Some(f)
        })
        .collect()
}

/// Gap polygons per threat (lon/lat MultiPolygons): `kind = "gap"`, `threat`, `cells`,
/// `area_km2`. Threats without gaps are omitted.
///
/// For gaps clipped to the zones and per layer, see [`crate::output::gaps_collection`].
///
/// # Examples
/// ```
/// use skycover::export::gap_features;
/// use skycover::{Coverage, GapMap, Scenario};
/// let s = Scenario::builtin("kyiv")?;
/// let (demand, coverage) = Coverage::of_scenario(&s)?;
/// let gaps = GapMap::new(&coverage, &demand, s.frame())?;
/// assert!(!gap_features(&s, &gaps).is_empty());
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn gap_features(scenario: &Scenario, gaps: &GapMap) -> Vec<Feature> {
    let cat = scenario.catalogue();
    gaps.threats()
        .iter()
        .filter(|g| g.cells > 0)
        .map(|g| {
            let id = &cat.threat(g.threat).id;
            let mut f = feature(
                geojson::Value::from(&g.lonlat.clone().orient(Direction::Default)),
                props(&[
                    ("kind", "gap".into()),
                    ("threat", id.clone().into()),
                    ("cells", g.cells.into()),
                    ("area_km2", g.area_km2.into()),
                ]),
            );
            f.id = Some(geojson::feature::Id::String(format!("gap/{id}")));
            f
        })
        .collect()
}

/// A feature collection from features.
///
/// # Examples
/// ```
/// use skycover::export::{collection, scenario_features};
/// use skycover::Scenario;
/// let s = Scenario::builtin("corridor")?;
/// let fc = collection(scenario_features(&s));
/// assert!(serde_json::to_string(&fc).unwrap().contains("FeatureCollection"));
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn collection(features: Vec<Feature>) -> FeatureCollection {
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    }
}

/// Writes a feature collection as pretty GeoJSON to `path`, creating parent directories.
///
/// # Errors
/// [`Error::Io`] when the file or its directory cannot be written.
///
/// # Examples
/// ```
/// use skycover::export::{collection, scenario_features, write_geojson};
/// use skycover::Scenario;
/// let s = Scenario::builtin("corridor")?;
/// let path = std::env::temp_dir().join("skycover-doc-export").join("scenario.geojson");
/// write_geojson(&path, &collection(scenario_features(&s)))?;
/// assert!(std::fs::metadata(&path).map(|m| m.len() > 0).unwrap_or(false));
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn write_geojson(path: impl AsRef<Path>, fc: &FeatureCollection) -> Result<()> {
    let path = path.as_ref();
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
        }
    }
    let text = serde_json::to_string_pretty(fc).map_err(|e| Error::Export {
        message: e.to_string(),
    })?;
    std::fs::write(path, text).map_err(|e| Error::io(path, &e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use geo::{Area, Contains, Point, Validation};

    #[test]
    fn footprint_polygons_are_valid_and_match_area() {
        let c = Catalogue::builtin();
        for (ci, _) in c.classes() {
            for facing in [0.0, 77.0, 300.0] {
                for layer in c.layers() {
                    let fp = Footprint::new(&c, &Site::new(ci, [1_000.0, -2_000.0], facing), layer);
                    let Some(p) = footprint_polygon(&fp, 720) else {
                        assert!(fp.is_empty());
                        continue;
                    };
                    assert!(p.is_valid(), "{:?}", p.validation_errors());
                    let rel = (p.unsigned_area() - fp.area_m2()).abs() / fp.area_m2();
                    assert!(rel < 1e-3, "area off by {rel}");
                    assert!(p.signed_area() > 0.0, "exterior must be counter-clockwise");
                    // a point well inside the footprint is inside the polygon
                    let r = (fp.max_ground_range_m() + fp.min_ground_range_m()) / 2.0;
                    let b = fp
                        .sector()
                        .map(|(s, w)| s + w / 2.0)
                        .unwrap_or(45.0)
                        .to_radians();
                    let q = [1_000.0 + r * b.sin(), -2_000.0 + r * b.cos()];
                    assert!(fp.covers(q));
                    assert!(p.contains(&Point::new(q[0], q[1])));
                }
            }
        }
    }

    #[test]
    fn asset_and_gap_features_round_trip() {
        let s = Scenario::builtin("kyiv").unwrap();
        let (demand, cov) = Coverage::of_scenario(&s).unwrap();
        let gaps = GapMap::new(&cov, &demand, s.frame()).unwrap();
        let assets = asset_features(&s, &cov);
        assert_eq!(assets.len(), s.assets().len());
        let covered = assets
            .iter()
            .filter(|f| f.property("covered") == Some(&JsonValue::Bool(true)))
            .count();
        assert_eq!(
            covered,
            cov.assets().iter().filter(|a| a.is_covered()).count()
        );
        let gf = gap_features(&s, &gaps);
        assert!(!gf.is_empty());
        let text = serde_json::to_string(&collection(gf)).unwrap();
        let geojson::GeoJson::FeatureCollection(fc) = text.parse().unwrap() else {
            panic!()
        };
        for f in fc.features {
            let g: geo::Geometry<f64> = f.geometry.unwrap().try_into().unwrap();
            let geo::Geometry::MultiPolygon(mp) = g else {
                panic!("gaps are multipolygons")
            };
            assert!(mp.is_valid(), "{:?}", mp.validation_errors());
            for p in &mp.0 {
                use geo::Winding;
                assert!(
                    p.exterior().is_ccw(),
                    "right-hand rule: exterior counter-clockwise"
                );
                assert!(p.interiors().iter().all(|h| h.is_cw()), "holes clockwise");
            }
        }
    }

    #[test]
    fn geojson_round_trip_is_valid() {
        let s = Scenario::builtin("kyiv").unwrap();
        let layer = s.catalogue().layers()[2];
        let mut feats = scenario_features(&s);
        for site in s.sites() {
            feats.push(site_feature(&s, site).unwrap());
            if let Some(f) = footprint_feature(&s, site, &layer) {
                feats.push(f);
            }
        }
        let text = serde_json::to_string(&collection(feats)).unwrap();
        let back: geojson::GeoJson = text.parse().unwrap();
        let geojson::GeoJson::FeatureCollection(fc) = back else {
            panic!("not a collection")
        };
        let mut polys = 0;
        for f in &fc.features {
            let g = f.geometry.as_ref().unwrap();
            let geom: geo::Geometry<f64> = g.clone().try_into().unwrap();
            match geom {
                geo::Geometry::Polygon(p) => {
                    polys += 1;
                    assert!(p.is_valid());
                    assert!(p
                        .exterior()
                        .coords()
                        .all(|c| c.x.abs() <= 180.0 && c.y.abs() <= 90.0));
                    assert!(p.signed_area() > 0.0, "right-hand rule");
                }
                geo::Geometry::MultiPolygon(mp) => {
                    polys += 1;
                    assert!(mp.is_valid());
                }
                _ => {}
            }
        }
        assert!(polys >= 2);
    }
}
