//! GIS checks on every GeoJSON file `output::write_plan` writes, on scenarios a GIS user
//! meets: one that crosses the antimeridian (Fiji, Chukotka). RFC 7946 §3.1.9 asks that
//! shapes crossing ±180° be cut there; a ring that jumps from 179.9° to -179.9° is drawn
//! across the whole globe by every reader, and is invalid (self-intersecting) for GEOS.

use geo::{Area, Validation};
use serde_json::{json, Value};
use skycover::output::{write_plan, OutputOptions, PlanResults};
use skycover::placement::{Algorithm, Planner};
use skycover::{Catalogue, Coverage, Scenario};
use std::collections::BTreeSet;
use std::path::Path;

/// A scenario around the antimeridian at 10° N: a zone, an asset, a corridor and a contact
/// line that all cross ±180°, one existing site on each side, and a launch area west of the
/// line whose threat routes to the asset cross it.
fn antimeridian_scenario() -> Scenario {
    let v = json!({
        "type": "FeatureCollection",
        "skycover": {"name": "dateline", "grid_resolution_m": 2000, "candidate_spacing_m": 6000,
                     "inventory": {"counter_uas": {"count": 3}, "medium_range": {"count": 1},
                                   "patriot_class": {"count": 1}}},
        "features": [
            {"type": "Feature", "id": "z1", "properties": {"kind": "zone", "priority": 1.0},
             "geometry": {"type": "Polygon", "coordinates": [[[179.7, 10.0], [-179.7, 10.0], [-179.7, 10.4], [179.7, 10.4], [179.7, 10.0]]]}},
            {"type": "Feature", "id": "a1", "properties": {"kind": "asset", "value": 4},
             "geometry": {"type": "Point", "coordinates": [-179.95, 10.2]}},
            {"type": "Feature", "id": "c1", "properties": {"kind": "corridor", "width_m": 2000},
             "geometry": {"type": "LineString", "coordinates": [[179.75, 10.1], [-179.75, 10.3]]}},
            {"type": "Feature", "id": "l1", "properties": {"kind": "contact_line", "keep_out_m": 3000},
             "geometry": {"type": "LineString", "coordinates": [[179.6, 10.55], [-179.6, 10.6]]}},
            {"type": "Feature", "id": "s1", "properties": {"kind": "site", "class": "medium_range"},
             "geometry": {"type": "Point", "coordinates": [179.98, 10.15]}},
            {"type": "Feature", "id": "s2", "properties": {"kind": "site", "class": "patriot_class", "facing_deg": 0},
             "geometry": {"type": "Point", "coordinates": [-179.98, 10.25]}},
            {"type": "Feature", "id": "la1", "properties": {"kind": "launch_area", "threats": ["drone", "cruise_missile"]},
             "geometry": {"type": "Point", "coordinates": [179.3, 10.3]}},
            {"type": "Feature", "id": "r1", "properties": {"kind": "route", "threats": ["drone"]},
             "geometry": {"type": "LineString", "coordinates": [[179.4, 9.9], [179.9, 10.0], [-179.95, 10.2]]}}
        ]
    });
    Scenario::from_geojson_str(&v.to_string(), Catalogue::builtin()).unwrap()
}

fn coord(c: &Value) -> (f64, f64) {
    (c[0].as_f64().unwrap(), c[1].as_f64().unwrap())
}

fn line(v: &Value) -> geo::LineString<f64> {
    v.as_array().unwrap().iter().map(coord).collect()
}

fn polygon(v: &Value) -> geo::Polygon<f64> {
    let rings: Vec<_> = v.as_array().unwrap().iter().map(line).collect();
    geo::Polygon::new(rings[0].clone(), rings[1..].to_vec())
}

/// RFC 7946 checks on one geometry: longitudes in [-180, 180], no edge longer than 180° of
/// longitude (it would be drawn round the globe), rings closed, exterior counter-clockwise
/// and holes clockwise, and valid (OGC simple features) polygons.
fn check_geometry(what: &str, g: &Value) {
    let c = &g["coordinates"];
    let check_line = |l: &geo::LineString<f64>| {
        for p in &l.0 {
            assert!(p.x.abs() <= 180.0 && p.y.abs() <= 90.0, "{what}: {p:?}");
        }
        for w in l.0.windows(2) {
            assert!(
                (w[1].x - w[0].x).abs() <= 180.0,
                "{what}: edge {:?} -> {:?} crosses the antimeridian uncut",
                w[0],
                w[1]
            );
        }
    };
    let check_polygon = |p: &geo::Polygon<f64>| {
        check_line(p.exterior());
        assert!(p.exterior().is_closed(), "{what}: open ring");
        assert!(p.exterior().0.len() >= 4, "{what}: short ring");
        assert!(
            geo::Polygon::new(p.exterior().clone(), vec![]).signed_area() > 0.0,
            "{what}: exterior not counter-clockwise"
        );
        for h in p.interiors() {
            check_line(h);
            assert!(
                geo::Polygon::new(h.clone(), vec![]).signed_area() < 0.0,
                "{what}: hole not clockwise"
            );
        }
        assert!(
            p.is_valid(),
            "{what}: invalid polygon: {:?}",
            p.validation_errors()
        );
    };
    match g["type"].as_str().unwrap() {
        "Point" => {
            let (x, y) = coord(c);
            assert!(x.abs() <= 180.0 && y.abs() <= 90.0, "{what}: point {x} {y}");
        }
        "LineString" => check_line(&line(c)),
        "MultiLineString" => c
            .as_array()
            .unwrap()
            .iter()
            .for_each(|l| check_line(&line(l))),
        "Polygon" => check_polygon(&polygon(c)),
        "MultiPolygon" => {
            let parts: Vec<_> = c.as_array().unwrap().iter().map(polygon).collect();
            parts.iter().for_each(check_polygon);
            assert!(
                geo::MultiPolygon(parts).is_valid(),
                "{what}: invalid multipolygon"
            );
        }
        t => panic!("{what}: unexpected geometry type {t}"),
    }
}

fn check_dir(dir: &Path, one_type: &[&str]) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("geojson") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut types = BTreeSet::new();
        let mut ids = BTreeSet::new();
        for (i, f) in v["features"].as_array().unwrap().iter().enumerate() {
            check_geometry(&format!("{name} #{i} ({})", f["id"]), &f["geometry"]);
            types.insert(f["geometry"]["type"].as_str().unwrap().to_string());
            if let Some(id) = f["id"].as_str() {
                assert!(ids.insert(id.to_string()), "{name}: duplicate id {id}");
            }
        }
        if one_type.contains(&name.as_str()) {
            assert!(
                types.len() <= 1,
                "{name}: {types:?}: one geometry type per file"
            );
        }
    }
}

#[test]
fn plan_files_across_the_antimeridian_are_cut_there() {
    let s = antimeridian_scenario();
    let out = write_greedy_plan(&s, "dateline");
    check_dir(
        &out,
        &[
            "sites.geojson",
            "footprints.geojson",
            "gaps.geojson",
            "assets.geojson",
            "areas.geojson",
            "lines.geojson",
            "routes.geojson",
            "route_events.geojson",
        ],
    );
    // every route was cut, each part with the times of its own vertices
    let routes: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("routes.geojson")).unwrap())
            .unwrap();
    let routes = routes["features"].as_array().unwrap();
    assert!(!routes.is_empty(), "no routes written");
    assert!(
        routes.iter().any(|f| f["properties"]["part"] == 1),
        "no route crosses the antimeridian"
    );
    for f in routes {
        let n = f["geometry"]["coordinates"].as_array().unwrap().len();
        let times = f["properties"]["times_s"].as_array().unwrap();
        assert_eq!(times.len(), n, "{}", f["properties"]);
    }
    // the next phase is the same scenario: cut shapes are read back as one
    let next = Scenario::load(out.join("next_phase.geojson").to_str().unwrap()).unwrap();
    assert_eq!(next.zones().len(), s.zones().len());
    let (za, zb) = (
        next.zones()[0].local.unsigned_area(),
        s.zones()[0].local.unsigned_area(),
    );
    assert!((za - zb).abs() < 1e-6 * zb, "{za} vs {zb}");
    for (a, b) in [
        (&next.corridors()[0].local, &s.corridors()[0].local),
        (&next.contact_lines()[0].local, &s.contact_lines()[0].local),
    ] {
        use geo::{Euclidean, Length};
        let (la, lb) = (Euclidean.length(a), Euclidean.length(b));
        assert!((la - lb).abs() < 1e-3 * lb, "{la} vs {lb}");
    }
    assert_eq!(next.threat_setup().routes.len(), 1);
    assert!(next.sites().len() >= s.sites().len());
    // the cut keeps the area: the zone's parts add up to the zone
    let areas: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("areas.geojson")).unwrap()).unwrap();
    let zone = &areas["features"][0]["geometry"]["coordinates"];
    let deg2: f64 = zone
        .as_array()
        .unwrap()
        .iter()
        .map(|p| polygon(p).unsigned_area())
        .sum();
    assert!((deg2 - 0.6 * 0.4).abs() < 1e-9, "zone parts {deg2} deg²");
}

#[test]
fn plan_files_of_the_sample_maps_are_gis_clean() {
    let s = Scenario::builtin("odesa").unwrap();
    let out = write_greedy_plan(&s, "odesa");
    check_dir(
        &out,
        &[
            "sites.geojson",
            "footprints.geojson",
            "gaps.geojson",
            "assets.geojson",
            "areas.geojson",
            "lines.geojson",
            "routes.geojson",
            "route_events.geojson",
        ],
    );
}

/// Writes the GIS layers (no pictures, no report) of a greedy plan of `s` into a temporary
/// folder named after `tag`, and returns it.
fn write_greedy_plan(s: &Scenario, tag: &str) -> std::path::PathBuf {
    let (demand, before) = Coverage::of_scenario(s).unwrap();
    let plan = Planner::new(s).algorithm(Algorithm::Greedy).plan().unwrap();
    let after = Coverage::for_scenario_demand(s, &demand, &plan.sites).unwrap();
    let results = PlanResults {
        scenario: s,
        plan: &plan,
        demand: &demand,
        before: &before,
        after: &after,
    };
    let out = std::env::temp_dir().join(format!("skycover-test-output-gis-{tag}"));
    let options = OutputOptions {
        pictures: false,
        report: false,
        ..OutputOptions::default()
    };
    write_plan(&results, &out, &options).unwrap();
    out
}
