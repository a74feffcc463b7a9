//! Table-driven malformed inputs for the catalogue and scenario loaders: every bad input gets
//! a specific error variant whose message names the feature (index and id) or class and the
//! field, and nothing panics.

use serde_json::{json, Value};
use skycover::{Catalogue, Error, Scenario};

fn base() -> Value {
    json!({
        "type": "FeatureCollection",
        "skycover": {
            "name": "test",
            "grid_resolution_m": 1000,
            "inventory": {"counter_uas": {"count": 4}, "medium_range": {"count": 1}}
        },
        "features": [
            {"type": "Feature", "id": "z1", "properties": {"kind": "zone", "priority": 1.0},
             "geometry": {"type": "Polygon", "coordinates": [[[30.0, 50.0], [30.5, 50.0], [30.5, 50.3], [30.0, 50.3], [30.0, 50.0]]]}},
            {"type": "Feature", "id": "a1", "properties": {"kind": "asset", "value": 5, "required_depth": {"drone": 2}},
             "geometry": {"type": "Point", "coordinates": [30.2, 50.1]}},
            {"type": "Feature", "id": "c1", "properties": {"kind": "corridor", "width_m": 2000},
             "geometry": {"type": "LineString", "coordinates": [[30.0, 50.1], [30.4, 50.2]]}},
            {"type": "Feature", "id": "s1", "properties": {"kind": "site", "class": "counter_uas"},
             "geometry": {"type": "Point", "coordinates": [30.25, 50.15]}}
        ]
    })
}

fn load(v: &Value) -> Result<Scenario, Error> {
    Scenario::from_geojson_str(&v.to_string(), Catalogue::builtin())
}

/// What a case expects: the variant (by name) and substrings the message must contain.
struct Case {
    name: &'static str,
    input: String,
    variant: &'static str,
    contains: &'static [&'static str],
}

fn variant(e: &Error) -> &'static str {
    match e {
        Error::Json { .. } => "Json",
        Error::InvalidFeature { .. } => "InvalidFeature",
        Error::InvalidSetting { .. } => "InvalidSetting",
        Error::UnknownSystemClass { .. } => "UnknownSystemClass",
        Error::UnknownThreat { .. } => "UnknownThreat",
        Error::DuplicateId { .. } => "DuplicateId",
        Error::Infeasible { .. } => "Infeasible",
        Error::ResourceLimit { .. } => "ResourceLimit",
        Error::InvalidCatalogue { .. } => "InvalidCatalogue",
        _ => "other",
    }
}

fn mutate(f: impl FnOnce(&mut Value)) -> String {
    let mut v = base();
    f(&mut v);
    v.to_string()
}

fn poly(coords: Value) -> Value {
    json!({"type": "Polygon", "coordinates": coords})
}

fn scenario_cases() -> Vec<Case> {
    let c = |name, input, variant, contains| Case {
        name,
        input,
        variant,
        contains,
    };
    vec![
        c(
            "truncated json",
            base().to_string()[..120].to_string(),
            "Json",
            &["scenario", "line 1"],
        ),
        c(
            "not an object",
            "[1, 2, 3]".into(),
            "InvalidSetting",
            &["FeatureCollection"],
        ),
        c(
            "wrong type",
            mutate(|v| v["type"] = json!("Feature")),
            "InvalidSetting",
            &["FeatureCollection"],
        ),
        c(
            "features not array",
            mutate(|v| v["features"] = json!({})),
            "InvalidSetting",
            &["features"],
        ),
        c(
            "lat 91",
            mutate(|v| v["features"][1]["geometry"]["coordinates"] = json!([30.2, 91.0])),
            "InvalidFeature",
            &[
                "feature #1",
                "\"a1\"",
                "geometry.coordinates",
                "latitude 91",
            ],
        ),
        c(
            "lon 181",
            mutate(|v| v["features"][1]["geometry"]["coordinates"] = json!([181.0, 50.0])),
            "InvalidFeature",
            &["feature #1", "longitude 181"],
        ),
        c(
            "coordinate as string (NaN)",
            mutate(|v| v["features"][1]["geometry"]["coordinates"] = json!(["NaN", 50.0])),
            "InvalidFeature",
            &["\"a1\"", "not a number"],
        ),
        c(
            "huge number overflows",
            mutate(|v| v["features"][1]["geometry"]["coordinates"] = json!([30.2, 50.0]))
                .replace("[30.2,50.0]", "[1e999,50.0]"),
            "Json",
            &["scenario"],
        ),
        c(
            "empty polygon",
            mutate(|v| v["features"][0]["geometry"] = poly(json!([]))),
            "InvalidFeature",
            &["feature #0", "\"z1\"", "empty"],
        ),
        c(
            "ring too short",
            mutate(|v| {
                v["features"][0]["geometry"] =
                    poly(json!([[[30.0, 50.0], [30.5, 50.0], [30.0, 50.0]]]))
            }),
            "InvalidFeature",
            &["\"z1\"", "at least 4"],
        ),
        c(
            "unclosed ring",
            mutate(|v| {
                v["features"][0]["geometry"] = poly(json!([[
                    [30.0, 50.0],
                    [30.5, 50.0],
                    [30.5, 50.3],
                    [30.0, 50.3]
                ]]))
            }),
            "InvalidFeature",
            &["\"z1\"", "not closed"],
        ),
        c(
            "bow-tie polygon",
            mutate(|v| {
                v["features"][0]["geometry"] = poly(json!([[
                    [30.0, 50.0],
                    [30.5, 50.3],
                    [30.5, 50.0],
                    [30.0, 50.3],
                    [30.0, 50.0]
                ]]))
            }),
            "InvalidFeature",
            &["\"z1\"", "invalid polygon"],
        ),
        c(
            "hole outside shell",
            mutate(|v| {
                v["features"][0]["geometry"] = poly(json!([
                    [
                        [30.0, 50.0],
                        [30.5, 50.0],
                        [30.5, 50.3],
                        [30.0, 50.3],
                        [30.0, 50.0]
                    ],
                    [
                        [31.0, 51.0],
                        [31.1, 51.0],
                        [31.1, 51.1],
                        [31.0, 51.1],
                        [31.0, 51.0]
                    ]
                ]))
            }),
            "InvalidFeature",
            &["\"z1\"", "invalid polygon"],
        ),
        c(
            "zero-area polygon",
            mutate(|v| {
                v["features"][0]["geometry"] = poly(json!([[
                    [30.0, 50.0],
                    [30.5, 50.0],
                    [30.2, 50.0],
                    [30.0, 50.0]
                ]]))
            }),
            "InvalidFeature",
            &["\"z1\""],
        ),
        c(
            "zone as point",
            mutate(|v| {
                v["features"][0]["geometry"] = json!({"type": "Point", "coordinates": [30.0, 50.0]})
            }),
            "InvalidFeature",
            &["\"z1\"", "geometry.type", "Polygon"],
        ),
        c(
            "missing geometry",
            mutate(|v| v["features"][1]["geometry"] = Value::Null),
            "InvalidFeature",
            &["\"a1\"", "geometry"],
        ),
        c(
            "position with one number",
            mutate(|v| v["features"][1]["geometry"]["coordinates"] = json!([30.0])),
            "InvalidFeature",
            &["\"a1\"", "2 or 3 numbers"],
        ),
        c(
            "duplicate ids",
            mutate(|v| v["features"][1]["id"] = json!("z1")),
            "DuplicateId",
            &["z1"],
        ),
        c(
            "missing id",
            mutate(|v| {
                v["features"][1].as_object_mut().unwrap().remove("id");
            }),
            "InvalidFeature",
            &["feature #1", "id"],
        ),
        c(
            "unknown kind",
            mutate(|v| v["features"][1]["properties"]["kind"] = json!("bunker")),
            "InvalidFeature",
            &["\"a1\"", "unknown kind \"bunker\""],
        ),
        c(
            "missing kind",
            mutate(|v| {
                v["features"][1]["properties"]
                    .as_object_mut()
                    .unwrap()
                    .remove("kind");
            }),
            "InvalidFeature",
            &["\"a1\"", "properties.kind"],
        ),
        c(
            "unknown site class",
            mutate(|v| v["features"][3]["properties"]["class"] = json!("s400")),
            "UnknownSystemClass",
            &["s400", "feature #3", "patriot_class"],
        ),
        c(
            "unknown threat in required_depth",
            mutate(|v| v["features"][1]["properties"]["required_depth"] = json!({"ufo": 1})),
            "UnknownThreat",
            &["ufo", "\"a1\"", "drone"],
        ),
        c(
            "required depth 0",
            mutate(|v| v["features"][1]["properties"]["required_depth"] = json!({"drone": 0})),
            "InvalidFeature",
            &["\"a1\"", "required_depth.drone", "1..=8"],
        ),
        c(
            "required depth 9",
            mutate(|v| v["features"][1]["properties"]["required_depth"] = json!({"drone": 9})),
            "InvalidFeature",
            &["\"a1\"", "required_depth.drone"],
        ),
        c(
            "required depth fractional",
            mutate(|v| v["features"][1]["properties"]["required_depth"] = json!({"drone": 1.5})),
            "InvalidFeature",
            &["required_depth.drone"],
        ),
        c(
            "negative asset value",
            mutate(|v| v["features"][1]["properties"]["value"] = json!(-3)),
            "InvalidFeature",
            &["\"a1\"", "properties.value"],
        ),
        c(
            "zero corridor width",
            mutate(|v| v["features"][2]["properties"]["width_m"] = json!(0)),
            "InvalidFeature",
            &["feature #2", "\"c1\"", "width_m"],
        ),
        c(
            "negative corridor width",
            mutate(|v| v["features"][2]["properties"]["width_m"] = json!(-5)),
            "InvalidFeature",
            &["\"c1\"", "width_m"],
        ),
        c(
            "corridor without width",
            mutate(|v| {
                v["features"][2]["properties"]
                    .as_object_mut()
                    .unwrap()
                    .remove("width_m");
            }),
            "InvalidFeature",
            &["\"c1\"", "width_m", "missing"],
        ),
        c(
            "corridor one point",
            mutate(|v| v["features"][2]["geometry"]["coordinates"] = json!([[30.0, 50.1]])),
            "InvalidFeature",
            &["\"c1\"", "at least 2"],
        ),
        c(
            "negative keep-out",
            mutate(|v| {
                v["features"].as_array_mut().unwrap().push(json!(
            {"type": "Feature", "id": "cl", "properties": {"kind": "contact_line", "keep_out_m": -1},
             "geometry": {"type": "LineString", "coordinates": [[31.0, 50.0], [31.0, 51.0]]}}))
            }),
            "InvalidFeature",
            &["feature #4", "\"cl\"", "keep_out_m", "negative"],
        ),
        c(
            "priority as string",
            mutate(|v| v["features"][0]["properties"]["priority"] = json!("high")),
            "InvalidFeature",
            &["\"z1\"", "priority", "expected a number"],
        ),
        c(
            "fixed as string",
            mutate(|v| v["features"][3]["properties"]["fixed"] = json!("yes")),
            "InvalidFeature",
            &["\"s1\"", "fixed"],
        ),
        c(
            "site outside every zone",
            mutate(|v| v["features"][3]["geometry"]["coordinates"] = json!([32.0, 52.0])),
            "InvalidFeature",
            &["feature #3", "\"s1\"", "outside every zone"],
        ),
        c(
            "no inventory, no sites",
            mutate(|v| {
                v["skycover"]["inventory"] = json!({});
                v["features"].as_array_mut().unwrap().pop();
            }),
            "Infeasible",
            &["no inventory"],
        ),
        c(
            "unknown inventory class",
            mutate(|v| v["skycover"]["inventory"] = json!({"thaad": {"count": 1}})),
            "UnknownSystemClass",
            &["thaad", "inventory"],
        ),
        c(
            "negative inventory count",
            mutate(|v| v["skycover"]["inventory"]["counter_uas"]["count"] = json!(-1)),
            "InvalidSetting",
            &["inventory.counter_uas.count"],
        ),
        c(
            "fractional inventory count",
            mutate(|v| v["skycover"]["inventory"]["counter_uas"]["count"] = json!(1.5)),
            "InvalidSetting",
            &["inventory.counter_uas.count"],
        ),
        c(
            "negative budget",
            mutate(|v| v["skycover"]["budget"] = json!(-10)),
            "InvalidSetting",
            &["budget", "negative"],
        ),
        c(
            "grid resolution 0",
            mutate(|v| v["skycover"]["grid_resolution_m"] = json!(0)),
            "InvalidSetting",
            &["grid_resolution_m", "> 0"],
        ),
        c(
            "unknown setting",
            mutate(|v| v["skycover"]["grid_resolutoin_m"] = json!(500)),
            "InvalidSetting",
            &["grid_resolutoin_m", "unknown setting"],
        ),
        c(
            "unknown mutual support threat",
            mutate(|v| {
                v["skycover"]["mutual_support"] = json!(
            {"protected_classes": ["medium_range"], "by_class": "counter_uas", "threat": "bats"})
            }),
            "UnknownThreat",
            &["bats", "mutual_support"],
        ),
        c(
            "unknown limit",
            mutate(|v| v["skycover"]["limits"] = json!({"max_cells": 5})),
            "InvalidSetting",
            &["limits.max_cells"],
        ),
        c(
            "nothing to protect",
            mutate(|v| {
                let f = v["features"].as_array_mut().unwrap();
                f.retain(|x| x["properties"]["kind"] == "site");
            }),
            "InvalidSetting",
            &["nothing to protect"],
        ),
        c(
            "properties not an object",
            mutate(|v| v["features"][1]["properties"] = json!([1])),
            "InvalidFeature",
            &["\"a1\"", "properties"],
        ),
    ]
}

#[test]
fn every_bad_scenario_gets_its_specific_error() {
    let cases = scenario_cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    for case in &cases {
        let result = Scenario::from_geojson_str(&case.input, Catalogue::builtin());
        let e = match result {
            Ok(_) => panic!("{}: accepted a bad input", case.name),
            Err(e) => e,
        };
        assert_eq!(variant(&e), case.variant, "{}: {e}", case.name);
        let msg = e.to_string();
        for s in case.contains {
            assert!(
                msg.contains(s),
                "{}: message {msg:?} lacks {s:?}",
                case.name
            );
        }
    }
}

#[test]
fn the_base_is_valid() {
    let s = load(&base()).unwrap();
    assert_eq!(s.zones().len(), 1);
    assert_eq!(s.sites().len(), 1);
}

#[test]
fn grid_too_fine_is_a_resource_limit_with_the_setting() {
    let s = load(&json!(null)).err();
    assert!(s.is_some());
    let mut v = base();
    v["skycover"]["grid_resolution_m"] = json!(1.0);
    let s = load(&v).unwrap(); // loading is fine; discretising is what would be too large
    let e = skycover::Demand::from_scenario(&s).unwrap_err();
    match e {
        Error::ResourceLimit {
            requested,
            limit,
            setting,
            ..
        } => {
            assert!(
                requested > limit && requested > 1_000_000_000,
                "{requested}"
            );
            assert!(setting.contains("max_grid_cells"));
        }
        other => panic!("{other:?}"),
    }
}

fn catalogue_cases() -> Vec<(&'static str, String, &'static str, &'static [&'static str])> {
    let base: Value = serde_json::from_str(Catalogue::builtin_json()).unwrap();
    let m = |f: &dyn Fn(&mut Value)| {
        let mut v = base.clone();
        f(&mut v);
        v.to_string()
    };
    vec![
        (
            "truncated",
            Catalogue::builtin_json()[..200].to_string(),
            "Json",
            &["catalogue"][..],
        ),
        (
            "wrong type",
            m(&|v| v["threats"] = json!("none")),
            "Json",
            &["catalogue"],
        ),
        (
            "unknown field",
            m(&|v| v["systems"][0]["radar_power"] = json!(1)),
            "Json",
            &["radar_power"],
        ),
        (
            "min range > max",
            m(&|v| v["systems"][0]["envelopes"]["aircraft"]["min_range_m"] = json!(1e9)),
            "InvalidCatalogue",
            &["patriot_class", "envelopes.aircraft.min_range_m"],
        ),
        (
            "zero max range",
            m(&|v| v["systems"][2]["envelopes"]["drone"]["max_range_m"] = json!(0)),
            "InvalidCatalogue",
            &["counter_uas", "max_range_m"],
        ),
        (
            "negative max range",
            m(&|v| v["systems"][2]["envelopes"]["drone"]["max_range_m"] = json!(-4000)),
            "InvalidCatalogue",
            &["counter_uas", "max_range_m", "negative"],
        ),
        (
            "min alt > max",
            m(&|v| v["systems"][1]["envelopes"]["drone"]["min_alt_m"] = json!(1e6)),
            "InvalidCatalogue",
            &["medium_range", "min_alt_m"],
        ),
        (
            "sector 0",
            m(&|v| v["systems"][0]["sector_deg"] = json!(0)),
            "InvalidCatalogue",
            &["sector_deg"],
        ),
        (
            "sector 400",
            m(&|v| v["systems"][0]["sector_deg"] = json!(400)),
            "InvalidCatalogue",
            &["sector_deg", "400"],
        ),
        (
            "k 0",
            m(&|v| v["systems"][0]["refraction_k"] = json!(0)),
            "InvalidCatalogue",
            &["refraction_k"],
        ),
        (
            "k negative",
            m(&|v| v["systems"][0]["refraction_k"] = json!(-1.3)),
            "InvalidCatalogue",
            &["refraction_k"],
        ),
        (
            "envelope for unknown threat",
            m(&|v| {
                v["systems"][1]["envelopes"]["hypersonic"] =
                    v["systems"][1]["envelopes"]["drone"].clone()
            }),
            "UnknownThreat",
            &["hypersonic", "medium_range"],
        ),
        (
            "duplicate system id",
            m(&|v| v["systems"][2]["id"] = json!("medium_range")),
            "DuplicateId",
            &["medium_range"],
        ),
        (
            "duplicate threat id",
            m(&|v| v["threats"][0]["id"] = json!("aircraft")),
            "DuplicateId",
            &["aircraft"],
        ),
        (
            "threat weight negative",
            m(&|v| v["threats"][0]["weight"] = json!(-1)),
            "InvalidCatalogue",
            &["ballistic_missile", "weight"],
        ),
        (
            "negative altitude",
            m(&|v| v["threats"][3]["altitudes_m"] = json!([-5])),
            "InvalidCatalogue",
            &["drone", "altitudes_m[0]"],
        ),
        (
            "no threats",
            m(&|v| v["threats"] = json!([])),
            "InvalidCatalogue",
            &["threats"],
        ),
        (
            "engages nothing",
            m(&|v| v["systems"][2]["envelopes"] = json!({})),
            "InvalidCatalogue",
            &["counter_uas", "envelopes"],
        ),
    ]
}

#[test]
fn every_bad_catalogue_gets_its_specific_error() {
    for (name, text, var, contains) in catalogue_cases() {
        let e = match Catalogue::from_json_str(&text) {
            Ok(_) => panic!("{name}: accepted"),
            Err(e) => e,
        };
        assert_eq!(variant(&e), var, "{name}: {e}");
        let msg = e.to_string();
        for s in contains {
            assert!(msg.contains(s), "{name}: {msg:?} lacks {s:?}");
        }
    }
}

#[test]
fn a_user_catalogue_with_another_class_is_usable() {
    let mut v: Value = serde_json::from_str(Catalogue::builtin_json()).unwrap();
    let mut extra = v["systems"][1].clone();
    extra["id"] = json!("short_range");
    extra["envelopes"]["drone"]["max_range_m"] = json!(8000);
    v["systems"].as_array_mut().unwrap().push(extra);
    let cat = Catalogue::from_json_str(&v.to_string()).unwrap();
    let mut s = base();
    s["skycover"]["inventory"]["short_range"] = json!({"count": 2, "unit_cost": 50});
    let scen = Scenario::from_geojson_str(&s.to_string(), cat).unwrap();
    assert_eq!(scen.inventory().len(), 3);
}
