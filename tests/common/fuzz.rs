//! Input mutators for fuzzing the scenario and catalogue loaders, shared by the
//! `fuzz_loaders` test (short, in CI) and the `fuzz` example (long runs).
//!
//! Two levels: byte-level edits of the JSON text (flips, deletions, duplications, injected
//! tokens) and structure-level edits of the parsed document (a random node replaced by a
//! hostile value: NaN-like strings, huge and negative numbers, wrong types, unknown names,
//! emptied arrays, swapped coordinates).

#![allow(dead_code)]

use proptest::prelude::{Rng, RngExt};
use proptest::test_runner::{RngAlgorithm, TestRng};
use serde_json::{json, Value};

/// A deterministic RNG from a 64-bit seed.
pub fn rng(seed: u64) -> TestRng {
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    TestRng::from_seed(RngAlgorithm::ChaCha, &s)
}

const TOKENS: &[&str] = &[
    "NaN",
    "1e999",
    "-1e999",
    "-0",
    "0",
    "-1",
    "1e308",
    "null",
    "true",
    "[",
    "]",
    "{",
    "}",
    "\"",
    ",",
    ":",
    "\\u0000",
    "9999999999999999999999",
    "\"drone\"",
    "\"zone\"",
    "[[",
    "]]",
];

/// One byte-level mutation of `text`.
pub fn mutate_bytes(rng: &mut TestRng, text: &str) -> String {
    let mut b = text.as_bytes().to_vec();
    if b.is_empty() {
        return TOKENS[rng.random_range(0..TOKENS.len())].to_string();
    }
    let n = rng.random_range(1..4);
    for _ in 0..n {
        let len = b.len().max(1);
        let i = rng.random_range(0..len);
        match rng.random_range(0..6) {
            0 => {
                if i < b.len() {
                    b[i] ^= 1 << rng.random_range(0..7);
                }
            }
            1 => {
                let j = (i + rng.random_range(1..64)).min(b.len());
                b.drain(i..j);
            }
            2 => {
                let j = (i + rng.random_range(1..64)).min(b.len());
                let chunk = b[i..j].to_vec();
                let k = rng.random_range(0..=b.len());
                b.splice(k..k, chunk);
            }
            3 => {
                let t = TOKENS[rng.random_range(0..TOKENS.len())]
                    .as_bytes()
                    .to_vec();
                b.splice(i..i, t);
            }
            4 => {
                // replace a digit with another digit (keeps JSON valid, changes numbers)
                if let Some(p) = (i..b.len()).find(|&p| b[p].is_ascii_digit()) {
                    b[p] = b'0' + rng.random_range(0..10) as u8;
                }
            }
            _ => b.truncate(i),
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

fn hostile(rng: &mut TestRng) -> Value {
    match rng.random_range(0..16) {
        0 => json!("NaN"),
        1 => json!(1e308),
        2 => json!(-1e308),
        3 => json!(-1),
        4 => json!(0),
        5 => json!(0.5),
        6 => Value::Null,
        7 => json!([]),
        8 => json!({}),
        9 => json!("patriot_class"),
        10 => json!("ufo"),
        11 => json!([181.0, 91.0]),
        12 => json!([[
            [30.0, 50.0],
            [30.1, 50.1],
            [30.1, 50.0],
            [30.0, 50.1],
            [30.0, 50.0]
        ]]),
        13 => json!(true),
        14 => json!(rng.random_range(-1000.0..1000.0)),
        _ => json!(u64::MAX),
    }
}

fn count_nodes(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count_nodes).sum(),
        Value::Object(o) => o.values().map(count_nodes).sum(),
        _ => 0,
    }
}

fn node_at(v: &mut Value, mut n: usize) -> &mut Value {
    // walk without raw pointers: a path of child indices
    fn path(v: &Value, n: &mut usize, out: &mut Vec<usize>) -> bool {
        if *n == 0 {
            return true;
        }
        *n -= 1;
        let children: Vec<&Value> = match v {
            Value::Array(a) => a.iter().collect(),
            Value::Object(o) => o.values().collect(),
            _ => vec![],
        };
        for (i, c) in children.into_iter().enumerate() {
            out.push(i);
            if path(c, n, out) {
                return true;
            }
            out.pop();
        }
        false
    }
    let mut p = Vec::new();
    path(v, &mut n, &mut p);
    let mut cur = v;
    for i in p {
        cur = match cur {
            Value::Array(a) => &mut a[i],
            Value::Object(o) => o.values_mut().nth(i).expect("index from walk"),
            _ => unreachable!(),
        };
    }
    cur
}

/// One structure-level mutation of a JSON document (returns the text unchanged if it does
/// not parse).
pub fn mutate_structure(rng: &mut TestRng, text: &str) -> String {
    let Ok(mut v) = serde_json::from_str::<Value>(text) else {
        return mutate_bytes(rng, text);
    };
    let edits = rng.random_range(1..4);
    for _ in 0..edits {
        let total = count_nodes(&v);
        let k = rng.random_range(0..total);
        let node = node_at(&mut v, k);
        match rng.random_range(0..5) {
            0 | 1 => *node = hostile(rng),
            2 => {
                if let Value::Array(a) = node {
                    if !a.is_empty() {
                        let i = rng.random_range(0..a.len());
                        a.remove(i);
                    }
                } else {
                    *node = hostile(rng);
                }
            }
            3 => {
                if let Value::Array(a) = node {
                    if a.len() >= 2 {
                        a.swap(0, 1);
                    }
                    if let Some(first) = a.first().cloned() {
                        a.push(first);
                    }
                }
            }
            _ => {
                if let Value::Object(o) = node {
                    let key = [
                        "kind",
                        "class",
                        "id",
                        "width_m",
                        "required_depth",
                        "count",
                        "max_range_m",
                    ][rng.random_range(0..7)];
                    o.insert(key.to_string(), hostile(rng));
                }
            }
        }
    }
    v.to_string()
}

/// A mutated input from one of `seeds`.
pub fn mutate(rng: &mut TestRng, seeds: &[&str]) -> String {
    let seed = seeds[rng.random_range(0..seeds.len())];
    if rng.next_u32() % 2 == 0 {
        mutate_bytes(rng, seed)
    } else {
        mutate_structure(rng, seed)
    }
}

/// What happened to one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Loaded (and, for scenarios, discretised) without error.
    Accepted,
    /// Rejected with a typed error.
    Rejected,
    /// The library panicked: a bug.
    Panicked,
}

/// Feeds `text` to the catalogue loader, then to the scenario loader, then runs the whole
/// pipeline on an accepted scenario at a coarse grid (see [`pipeline`]), catching panics.
pub fn check(text: &str) -> Outcome {
    use skycover::{Catalogue, Scenario};
    let r = std::panic::catch_unwind(|| {
        let cat_ok = Catalogue::from_json_str(text).is_ok();
        match Scenario::from_geojson_str(text, Catalogue::builtin()) {
            Ok(s) => {
                pipeline(s);
                true
            }
            Err(e) => {
                let _ = e.to_string();
                cat_ok
            }
        }
    });
    match r {
        Ok(true) => Outcome::Accepted,
        Ok(false) => Outcome::Rejected,
        Err(_) => Outcome::Panicked,
    }
}

/// The whole pipeline on a loaded scenario, coarsened so that it stays fast: demand,
/// evaluation, gap map, plan (small work limits), GeoJSON export and an SVG map. Errors are
/// fine (typed); a panic, or a non-finite number in an answer that was returned as `Ok`
/// (silently wrong), is a bug: the latter panics here so that the caller reports it.
pub fn pipeline(mut s: skycover::Scenario) {
    use skycover::export::{
        asset_features, collection, footprint_feature, gap_features, scenario_features,
        site_feature,
    };
    use skycover::map::{svg_string, MapContent};
    use skycover::placement::Planner;
    use skycover::{Coverage, Demand, GapMap};
    use std::time::Duration;
    {
        let st = s.settings_mut();
        st.limits.max_grid_cells = 20_000;
        st.limits.max_candidates = 2_000;
        st.limits.max_matrix_nonzeros = 2_000_000;
        st.grid_resolution_m = st.grid_resolution_m.max(4_000.0);
        st.candidate_spacing_m = st.candidate_spacing_m.max(15_000.0);
        for c in st.class_spacing_m.iter_mut().flatten() {
            *c = c.max(15_000.0);
        }
    }
    let Ok(demand) = Demand::from_scenario(&s) else {
        return;
    };
    let Ok(coverage) = Coverage::evaluate(s.catalogue(), &demand, s.sites()) else {
        return;
    };
    for t in coverage.threats() {
        assert!(
            t.fraction.is_finite() && t.score.is_finite() && t.gap_area_km2.is_finite(),
            "non-finite coverage {t:?}"
        );
    }
    let gaps = GapMap::new(&coverage, &demand, s.frame()).ok();
    let plan = Planner::new(&s)
        .max_passes(2)
        .perturbations(0)
        .bound_iterations(20)
        .time_limit(Duration::from_secs(5))
        .plan();
    let sites = match &plan {
        Ok(p) => {
            assert!(
                p.objective.is_finite() && p.upper_bound.is_finite() && p.gap_percent.is_finite(),
                "non-finite plan {} / {} / {}",
                p.objective,
                p.upper_bound,
                p.gap_percent
            );
            p.sites.clone()
        }
        Err(e) => {
            let _ = e.to_string();
            s.sites().to_vec()
        }
    };
    let mut feats = scenario_features(&s);
    feats.extend(asset_features(&s, &coverage));
    if let Some(g) = &gaps {
        feats.extend(gap_features(&s, g));
    }
    let layer = s.catalogue().layers().first().copied();
    for site in &sites {
        if let Ok(f) = site_feature(&s, site) {
            feats.push(f);
        }
        if let Some(l) = &layer {
            if let Some(f) = footprint_feature(&s, site, l) {
                feats.push(f);
            }
        }
    }
    let text = serde_json::to_string(&collection(feats)).unwrap_or_default();
    // non-finite numbers become `null` in JSON: no coordinate may be null
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    fn numbers_only(v: &Value) -> bool {
        match v {
            Value::Array(a) => a.iter().all(numbers_only),
            Value::Number(_) => true,
            _ => false,
        }
    }
    for f in v["features"].as_array().into_iter().flatten() {
        let c = &f["geometry"]["coordinates"];
        assert!(
            numbers_only(c),
            "non-finite coordinate in exported {}",
            f["id"]
        );
    }
    let map = MapContent::from_scenario(&s).with_sites(&s, &sites, layer.as_ref());
    let _ = svg_string(&map, (320, 240));
}

/// The seed corpus: every built-in scenario and the built-in catalogue.
pub fn seeds() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = skycover::scenario::BUILTIN_SCENARIOS
        .iter()
        .map(|(_, t)| *t)
        .collect();
    v.push(skycover::Catalogue::builtin_json());
    v
}
