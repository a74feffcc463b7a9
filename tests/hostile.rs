//! Hostile and careless inputs, one table per class of failure found by issue 11: empty plans
//! reported as success, panics from the public API, unbounded memory and time, non-finite
//! results, silently ignored input, real files rejected for the wrong reason, and
//! irreproducible plans. Every case must end in a typed error (or a typed diagnostic) whose
//! message names what to fix; none may panic, abort or hang.

use serde_json::{json, Value};
use skycover::diagnostic::codes;
use skycover::export::site_feature;
use skycover::placement::Planner;
use skycover::scenario::InventoryItem;
use skycover::terrain::Dem;
use skycover::{validate, Catalogue, ClassId, Coverage, Demand, Error, Scenario, Site};
use std::time::Duration;

fn base() -> Value {
    json!({
        "type": "FeatureCollection",
        "skycover": {
            "name": "hostile",
            "grid_resolution_m": 2000,
            "candidate_spacing_m": 6000,
            "inventory": {"counter_uas": {"count": 4}, "medium_range": {"count": 1}}
        },
        "features": [
            {"type": "Feature", "id": "z1", "properties": {"kind": "zone", "priority": 1.0},
             "geometry": {"type": "Polygon", "coordinates": [[[30.0, 50.0], [30.5, 50.0], [30.5, 50.3], [30.0, 50.3], [30.0, 50.0]]]}},
            {"type": "Feature", "id": "a1", "properties": {"kind": "asset", "value": 5},
             "geometry": {"type": "Point", "coordinates": [30.2, 50.1]}},
            {"type": "Feature", "id": "c1", "properties": {"kind": "corridor", "width_m": 2000},
             "geometry": {"type": "LineString", "coordinates": [[30.0, 50.1], [30.4, 50.2]]}}
        ]
    })
}

fn load_str(text: &str) -> Result<Scenario, Error> {
    Scenario::from_geojson_str(text, Catalogue::builtin())
}

fn load(v: &Value) -> Result<Scenario, Error> {
    load_str(&v.to_string())
}

fn mutate(f: impl FnOnce(&mut Value)) -> Value {
    let mut v = base();
    f(&mut v);
    v
}

/// A loader case that must fail with a message containing every `needle`.
fn refused(name: &str, r: Result<Scenario, Error>, needles: &[&str]) {
    match r {
        Ok(_) => panic!("{name}: accepted, expected an error containing {needles:?}"),
        Err(e) => {
            let msg = e.to_string();
            for n in needles {
                assert!(msg.contains(n), "{name}: `{msg}` does not contain `{n}`");
            }
        }
    }
}

// ---- silently ignored input, non-finite results, bounded resources (loader side) ----------

#[test]
fn hostile_loader_inputs_are_refused_with_feature_and_field() {
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        (
            "zero-length corridor",
            mutate(|v| {
                v["features"][2]["geometry"]["coordinates"] = json!([[30.1, 50.1], [30.1, 50.1]])
            }),
            vec!["c1", "geometry.coordinates", "zero length"],
        ),
        (
            "degenerate zone (zero width)",
            mutate(|v| {
                v["features"][0]["geometry"]["coordinates"] = json!([[
                    [30.0, 50.0],
                    [30.5, 50.0],
                    [30.5, 50.0000000000001],
                    [30.0, 50.0000000000001],
                    [30.0, 50.0]
                ]])
            }),
            vec!["z1", "geometry"],
        ),
        (
            "whole-world zone",
            mutate(|v| {
                v["features"][0]["geometry"]["coordinates"] = json!([[
                    [-180.0, -90.0],
                    [180.0, -90.0],
                    [180.0, 90.0],
                    [-180.0, 90.0],
                    [-180.0, -90.0]
                ]])
            }),
            vec!["z1", "hemisphere"],
        ),
        (
            "terrain of the wrong type",
            mutate(|v| v["skycover"]["terrain"] = json!(42)),
            vec!["terrain", "string"],
        ),
        (
            "priority 1e308",
            mutate(|v| v["features"][0]["properties"]["priority"] = json!(1e308)),
            vec!["z1", "properties.priority", "largest accepted weight"],
        ),
        (
            "asset value 1e308",
            mutate(|v| v["features"][1]["properties"]["value"] = json!(1e308)),
            vec!["a1", "properties.value"],
        ),
        (
            "asset_value_km2 1e308",
            mutate(|v| v["skycover"]["asset_value_km2"] = json!(1e308)),
            vec!["asset_value_km2"],
        ),
        (
            "grid resolution 1e-300 m",
            mutate(|v| v["skycover"]["grid_resolution_m"] = json!(1e-300)),
            vec!["grid_resolution_m"],
        ),
        (
            "corridor width 1e-300 m",
            mutate(|v| v["features"][2]["properties"]["width_m"] = json!(1e-300)),
            vec!["c1", "properties.width_m"],
        ),
        (
            "limit above its ceiling",
            mutate(|v| v["skycover"]["limits"] = json!({"max_grid_cells": 1e15})),
            vec!["limits.max_grid_cells", "ceiling"],
        ),
        (
            "Web-Mercator coordinates",
            mutate(|v| v["features"][1]["geometry"]["coordinates"] = json!([3846088.4, 6446275.8])),
            vec!["a1", "EPSG:4326", "projected"],
        ),
        (
            "self-intersecting zone (bow tie)",
            mutate(|v| {
                v["features"][0]["geometry"]["coordinates"] = json!([[
                    [30.0, 50.0],
                    [30.5, 50.3],
                    [30.5, 50.0],
                    [30.0, 50.3],
                    [30.0, 50.0]
                ]])
            }),
            vec!["z1", "intersect"],
        ),
    ];
    for (name, v, needles) in cases {
        refused(name, load(&v), &needles);
    }
}

#[test]
fn duplicate_json_keys_are_an_error() {
    let text =
        base()
            .to_string()
            .replacen("\"priority\":1.0", "\"priority\":1.0,\"priority\":50.0", 1);
    assert!(text.contains("\"priority\":50.0"), "fixture did not apply");
    refused(
        "duplicate key",
        load_str(&text),
        &["duplicate key", "priority"],
    );
}

// ---- real files rejected for the wrong reason ----------------------------------------------

#[test]
fn real_world_files_are_read_or_named() {
    // UTF-8 BOM
    let with_bom = format!("\u{feff}{}", base());
    load_str(&with_bom).expect("a BOM must be accepted");
    // id in properties (QGIS, GDAL)
    let v = mutate(|v| {
        let f = &mut v["features"][0];
        f.as_object_mut().unwrap().remove("id");
        f["properties"]["id"] = json!("from-props");
    });
    let s = load(&v).expect("properties.id must be accepted");
    assert_eq!(s.zones()[0].id, "from-props");
    // a site exactly on the zone edge is inside
    let v = mutate(|v| {
        v["features"].as_array_mut().unwrap().push(json!(
            {"type": "Feature", "id": "edge", "properties": {"kind": "site", "class": "counter_uas"},
             "geometry": {"type": "Point", "coordinates": [30.0, 50.15]}}));
    });
    load(&v).expect("a site on a zone edge is inside the zone");
    // other formats: named, with the ogr2ogr command
    let dir = std::env::temp_dir().join(format!("skycover-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files: [(&str, &[u8], &str); 4] = [
        (
            "a.gpkg",
            b"SQLite format 3\0\x10\x00\x02\x02\xff\xfe",
            "GeoPackage",
        ),
        (
            "a.kml",
            b"<?xml version=\"1.0\"?><kml xmlns=\"http://www.opengis.net/kml/2.2\"></kml>",
            "KML",
        ),
        ("a.zip", b"PK\x03\x04\x14\x00\x00\x00", "zip"),
        ("a.shp", b"\x00\x00\x27\x0a\x00\x00\x00\x00", "Shapefile"),
    ];
    for (name, bytes, format) in files {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        let e = Scenario::from_path(&p, Catalogue::builtin()).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(format), "{name}: {msg}");
        assert!(
            msg.contains("ogr2ogr -f GeoJSON -t_srs EPSG:4326"),
            "{name}: {msg}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- bounded resources -----------------------------------------------------------------------

#[test]
fn settings_edited_in_code_are_bounded_too() {
    let s0 = load(&base()).unwrap();
    // 1e-300 m cells through settings_mut: refused before any allocation
    let mut s = s0.clone();
    s.settings_mut().grid_resolution_m = 1e-300;
    assert!(Demand::from_scenario(&s).is_err());
    // an unlimited limit is capped by its hard ceiling
    let mut s = s0.clone();
    s.settings_mut().limits.max_grid_cells = u64::MAX;
    s.settings_mut().grid_resolution_m = 0.5;
    assert!(matches!(
        Demand::from_scenario(&s),
        Err(Error::ResourceLimit { limit, .. }) if limit == validate::MAX_GRID_CELLS_CEILING
    ));
    // weights that overflow name the feature and field, not "unit 552"
    let mut s = s0.clone();
    s.settings_mut().asset_value_km2 = 1e308;
    let e = Planner::new(&s).plan().unwrap_err().to_string();
    assert!(e.contains("a1") && e.contains("properties.value"), "{e}");
}

#[test]
fn asc_header_is_checked_against_the_file_size() {
    let text = "ncols 14000\nnrows 14000\nxllcorner 30\nyllcorner 50\ncellsize 0.001\n1 2 3\n";
    assert!(text.len() < 100);
    let e = Dem::from_asc_str(text).unwrap_err().to_string();
    assert!(e.contains("14000") && e.contains("bytes"), "{e}");
}

/// A wavy closed ring with `n` vertices around (lon0, lat0), like a densified border: simple
/// by construction (star-shaped about its centre).
fn star(n: usize, lon0: f64, lat0: f64) -> Vec<[f64; 2]> {
    let mut pts: Vec<[f64; 2]> = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            let r = 0.2 + 0.02 * (37.0 * a).sin();
            [lon0 + r * a.cos(), lat0 + r * a.sin()]
        })
        .collect();
    pts.push(pts[0]);
    pts
}

#[test]
fn a_200k_vertex_zone_validates() {
    let ring = star(200_000, 30.25, 50.15);
    let v = mutate(|v| v["features"][0]["geometry"]["coordinates"] = json!([ring]));
    load(&v).expect("a simple 200 000-vertex zone is valid");
    // and one crossing among them is found
    let mut bad = star(200_000, 30.25, 50.15);
    bad.swap(100_000, 100_002);
    let v = mutate(|v| v["features"][0]["geometry"]["coordinates"] = json!([bad]));
    refused("crossing in a 200k ring", load(&v), &["z1", "intersect"]);
}

// ---- empty plans reported as success ----------------------------------------------------------

#[test]
fn nothing_placeable_is_a_typed_error_naming_the_rule() {
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        (
            "exclusion over the whole zone",
            mutate(|v| {
                v["features"].as_array_mut().unwrap().push(json!(
                    {"type": "Feature", "id": "x1", "properties": {"kind": "exclusion"},
                     "geometry": {"type": "Polygon", "coordinates": [[[29.9, 49.9], [30.6, 49.9], [30.6, 50.4], [29.9, 50.4], [29.9, 49.9]]]}}));
            }),
            vec!["no candidate survives", "exclusion areas removed"],
        ),
        (
            "keep-out over the whole zone",
            mutate(|v| {
                v["features"].as_array_mut().unwrap().push(json!(
                    {"type": "Feature", "id": "cl", "properties": {"kind": "contact_line", "keep_out_m": 200000},
                     "geometry": {"type": "LineString", "coordinates": [[30.0, 50.15], [30.5, 50.15]]}}));
            }),
            vec!["no candidate survives", "keep-out"],
        ),
        (
            "budget below every unit cost",
            mutate(|v| v["skycover"]["budget"] = json!(0.5)),
            vec!["budget", "below every unit cost"],
        ),
    ];
    for (name, v, needles) in cases {
        let s = load(&v).unwrap_or_else(|e| panic!("{name}: {e}"));
        match Planner::new(&s).plan() {
            Ok(p) => panic!("{name}: planned {} sites without error", p.sites.len()),
            Err(e) => {
                assert!(matches!(e, Error::Infeasible { .. }), "{name}: {e:?}");
                let m = e.to_string();
                for n in &needles {
                    assert!(m.contains(n), "{name}: `{m}` lacks `{n}`");
                }
            }
        }
    }
}

#[test]
fn unplaced_inventory_is_explained() {
    // a budget for one counter-UAS only: the rest stays unplaced and the plan says why
    let cat = Catalogue::builtin();
    let cuas = cat.class_id("counter_uas").unwrap();
    let cost = cat.try_class(cuas, "class").unwrap().unit_cost;
    let v = mutate(|v| {
        v["skycover"]["inventory"] = json!({"counter_uas": {"count": 6}});
        v["skycover"]["budget"] = json!(cost * 1.5);
    });
    let s = load(&v).unwrap();
    let plan = Planner::new(&s).plan().unwrap();
    assert_eq!(plan.sites.iter().filter(|x| !x.fixed).count(), 1);
    let d = plan
        .diagnostics
        .iter()
        .find(|d| d.code == codes::PLACEMENT_INVENTORY_UNPLACED)
        .unwrap_or_else(|| panic!("no explanation in {:?}", plan.diagnostics));
    assert!(d.message.contains("budget"), "{}", d.message);
    assert!(d.message.contains("1 of 6 counter_uas"), "{}", d.message);
    assert_eq!(d.field.as_deref(), Some("inventory.counter_uas"));
}

// ---- panics from the public API ----------------------------------------------------------

fn reordered_catalogue() -> Catalogue {
    let b = Catalogue::builtin();
    let mut systems = b.systems().to_vec();
    systems.reverse();
    Catalogue::from_classes("reordered".into(), b.threats().to_vec(), systems).unwrap()
}

#[test]
fn foreign_ids_models_and_durations_are_typed_errors() {
    let mut s = load(&base()).unwrap();
    let foreign = Site::new(ClassId(97), [0.0, 0.0], 0.0);
    assert!(site_feature(&s, &foreign).is_err());
    assert!(s
        .set_inventory(vec![InventoryItem {
            class: ClassId(97),
            count: 1,
            unit_cost: 1.0
        }])
        .is_err());
    assert!(s.set_sites(vec![foreign.clone()]).is_err());
    assert!(s.set_budget(Some(f64::NAN)).is_err());
    // a model built over another (reordered) catalogue is refused, not solved with the
    // wrong classes
    let other = Scenario::from_geojson_str(&base().to_string(), reordered_catalogue()).unwrap();
    let model = Planner::new(&other).model().unwrap();
    let e = Planner::new(&s).plan_model(&model).unwrap_err();
    assert!(e.to_string().contains("another catalogue"), "{e}");
    // a model of another scenario of the same catalogue too
    let mut changed = s.clone();
    changed.set_budget(Some(10_000.0)).unwrap();
    let model = Planner::new(&changed).model().unwrap();
    assert!(Planner::new(&s).plan_model(&model).is_err());
    // Duration::MAX saturates
    let plan = Planner::new(&s)
        .time_limit(Duration::MAX)
        .plan()
        .expect("Duration::MAX must not overflow");
    assert!(plan
        .diagnostics
        .iter()
        .any(|d| d.code == codes::PLACEMENT_TIME_LIMIT_SATURATED));
    // evaluation with a foreign site
    let demand = Demand::from_scenario(&s).unwrap();
    assert!(Coverage::evaluate(s.catalogue(), &demand, &[foreign]).is_err());
}

// ---- reproducibility ------------------------------------------------------------------------

#[test]
fn default_plans_are_reproducible_across_runs_and_threads() {
    let mut s = Scenario::builtin("kyiv").unwrap();
    s.settings_mut().grid_resolution_m = 4_000.0;
    s.settings_mut().candidate_spacing_m = 12_000.0;
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| Planner::new(&s).seed(3).plan().unwrap())
    };
    let (a, b, c) = (run(1), run(2), run(1));
    for p in [&b, &c] {
        assert_eq!(a.candidate_indices, p.candidate_indices);
        assert_eq!(a.objective, p.objective);
        assert_eq!(a.upper_bound, p.upper_bound);
    }
    // no time limit cut the default search
    assert!(!a.diagnostics.iter().any(|d| d.code.ends_with("time_limit")));
}

#[test]
fn a_binding_time_limit_is_reported() {
    let mut s = Scenario::builtin("kyiv").unwrap();
    s.settings_mut().grid_resolution_m = 4_000.0;
    s.settings_mut().candidate_spacing_m = 12_000.0;
    let plan = Planner::new(&s).time_limit(Duration::ZERO).plan().unwrap();
    assert!(
        plan.diagnostics
            .iter()
            .any(|d| d.code.ends_with("time_limit")),
        "{:?}",
        plan.diagnostics
    );
}

#[test]
fn catalogue_files_as_users_have_them() {
    let text = Catalogue::builtin_json();
    Catalogue::from_json_str(&format!("\u{feff}{text}")).expect("a BOM must be accepted");
    let dup = text.replacen("\"weight\":", "\"weight\": 2.0, \"weight\":", 1);
    assert_ne!(dup, text, "fixture did not apply");
    let e = Catalogue::from_json_str(&dup).unwrap_err().to_string();
    assert!(e.contains("duplicate key \"weight\""), "{e}");
    let mut v: Value = serde_json::from_str(text).unwrap();
    v["threats"][0]["weight"] = json!(1e308);
    let e = Catalogue::from_json_str(&v.to_string())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("weight") && e.contains("largest accepted"),
        "{e}"
    );
    let e = Catalogue::from_json_str("<?xml version=\"1.0\"?><kml></kml>")
        .unwrap_err()
        .to_string();
    assert!(e.contains("KML") && e.contains("ogr2ogr"), "{e}");
}

#[test]
fn fast_polygon_check_agrees_with_the_plain_reference() {
    use geo::{LineString, MultiPolygon, Polygon};
    // random small rings: the R-tree crossing test finds a crossing exactly when the O(n²)
    // reference does
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut crossing, mut simple) = (0, 0);
    for _ in 0..3_000 {
        let n = 3 + (next() * 6.0) as usize;
        let mut pts: Vec<(f64, f64)> = (0..n)
            .map(|_| ((next() * 8.0).round(), (next() * 8.0).round()))
            .collect();
        pts.push(pts[0]);
        if pts.windows(2).any(|w| w[0] == w[1]) {
            continue;
        }
        let mp = MultiPolygon(vec![Polygon::new(LineString::from(pts), vec![])]);
        let reference = validate::multipolygon_crossing_reference(&mp);
        let fast = validate::multipolygon_problem(&mp);
        if reference {
            crossing += 1;
            assert!(fast.is_some(), "missed a crossing in {mp:?}");
        } else {
            simple += 1;
            // the fast test may still refuse a spike (consecutive edges folding back)
            if let Some(p) = &fast {
                assert!(p.contains("spike"), "{p} for {mp:?}");
            }
        }
    }
    assert!(crossing > 100 && simple > 100, "{crossing} / {simple}");
}

#[test]
fn a_zone_smaller_than_a_cell_is_reported() {
    // a 300 m square zone at 2 km cells gets no sample: the demand and the coverage say so
    let v = mutate(|v| {
        v["features"].as_array_mut().unwrap().push(json!(
            {"type": "Feature", "id": "tiny", "properties": {"kind": "zone", "priority": 3},
             "geometry": {"type": "Polygon", "coordinates": [[[30.9, 50.0], [30.904, 50.0], [30.904, 50.0027], [30.9, 50.0027], [30.9, 50.0]]]}}));
    });
    let s = load(&v).unwrap();
    let (demand, coverage) = Coverage::of_scenario(&s).unwrap();
    for diags in [demand.diagnostics(), coverage.diagnostics()] {
        assert!(
            diags
                .iter()
                .any(|d| d.code == codes::DEMAND_ZONE_WITHOUT_SAMPLES && d.message.contains("tiny")),
            "{diags:?}"
        );
    }
}
