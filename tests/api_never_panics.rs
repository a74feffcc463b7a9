//! Property test: the public entry points, driven with arbitrary ids, foreign catalogues and
//! models, extreme durations and non-finite numbers, return a value or a typed error and never
//! panic; every `Ok` answer is finite.

use proptest::prelude::*;
use serde_json::json;
use skycover::export::site_feature;
use skycover::placement::Planner;
use skycover::scenario::InventoryItem;
use skycover::{Catalogue, ClassId, Coverage, Demand, Scenario, Site, ThreatId};
use std::sync::OnceLock;
use std::time::Duration;

fn text() -> String {
    json!({
        "type": "FeatureCollection",
        "skycover": {
            "name": "prop", "grid_resolution_m": 5000, "candidate_spacing_m": 15000,
            "inventory": {"counter_uas": {"count": 2}, "medium_range": {"count": 1}}
        },
        "features": [
            {"type": "Feature", "id": "z1", "properties": {"kind": "zone"},
             "geometry": {"type": "Polygon", "coordinates": [[[30.0, 50.0], [30.5, 50.0], [30.5, 50.3], [30.0, 50.3], [30.0, 50.0]]]}},
            {"type": "Feature", "id": "a1", "properties": {"kind": "asset", "value": 5},
             "geometry": {"type": "Point", "coordinates": [30.2, 50.1]}}
        ]
    })
    .to_string()
}

fn scenario() -> &'static Scenario {
    static S: OnceLock<Scenario> = OnceLock::new();
    S.get_or_init(|| Scenario::from_geojson_str(&text(), Catalogue::builtin()).unwrap())
}

/// The same scenario over a catalogue with the classes in reverse order.
fn foreign() -> &'static Scenario {
    static S: OnceLock<Scenario> = OnceLock::new();
    S.get_or_init(|| {
        let b = Catalogue::builtin();
        let mut systems = b.systems().to_vec();
        systems.reverse();
        let cat =
            Catalogue::from_classes("reversed".into(), b.threats().to_vec(), systems).unwrap();
        Scenario::from_geojson_str(&text(), cat).unwrap()
    })
}

fn hostile_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::MAX),
        Just(1e308),
        Just(1e-300),
        Just(0.0),
        Just(-0.0),
        Just(-1.0),
        -1e7..1e7f64,
        any::<f64>(),
    ]
}

fn hostile_id() -> impl Strategy<Value = usize> {
    prop_oneof![0..6usize, Just(usize::MAX), any::<usize>()]
}

fn hostile_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::MAX),
        Just(Duration::ZERO),
        Just(Duration::from_secs(u64::MAX)),
        (0..3u64, 0..1_000_000_000u32).prop_map(|(s, n)| Duration::new(s, n)),
        (any::<u64>(), 0..1_000_000_000u32).prop_map(|(s, n)| Duration::new(s, n)),
    ]
}

fn site() -> impl Strategy<Value = Site> {
    (hostile_id(), hostile_f64(), hostile_f64(), hostile_f64())
        .prop_map(|(c, x, y, f)| Site::new(ClassId(c), [x, y], f))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn ids_and_numbers_never_panic(
        sites in prop::collection::vec(site(), 0..4),
        class in hostile_id(),
        threat in hostile_id(),
        count in any::<u32>(),
        cost in hostile_f64(),
        budget in hostile_f64(),
    ) {
        let mut s = scenario().clone();
        let cat = s.catalogue().clone();
        // ids are checked: an id past the end is a typed error, never a panic
        prop_assert_eq!(cat.try_class(ClassId(class), "class").is_ok(), class < cat.systems().len());
        prop_assert_eq!(cat.try_threat(ThreatId(threat), "threat").is_ok(), threat < cat.threats().len());
        for site in &sites {
            let _ = site_feature(&s, site);
        }
        let _ = s.set_inventory(vec![InventoryItem { class: ClassId(class), count, unit_cost: cost }]);
        let _ = s.set_budget(Some(budget));
        let _ = s.set_sites(sites.clone());
        let demand = Demand::from_scenario(&s).unwrap();
        if let Ok(c) = Coverage::evaluate(&cat, &demand, &sites) {
            for t in c.threats() {
                prop_assert!(t.fraction.is_finite() && t.gap_area_km2.is_finite());
            }
        }
        let _ = skycover::map::tier_of(&s, ClassId(class));
    }

    #[test]
    fn planner_inputs_never_panic(
        limit in hostile_duration(),
        seed in any::<u64>(),
        grid in hostile_f64(),
        spacing in hostile_f64(),
        value in hostile_f64(),
        min_spacing in hostile_f64(),
        use_foreign in any::<bool>(),
    ) {
        let mut s = scenario().clone();
        {
            let st = s.settings_mut();
            // keep the search small when the numbers are sane
            st.grid_resolution_m = if grid.is_finite() && grid > 0.0 { grid.max(3_000.0) } else { grid };
            st.candidate_spacing_m = if spacing.is_finite() && spacing > 0.0 { spacing.max(8_000.0) } else { spacing };
            st.asset_value_km2 = value;
            st.min_site_spacing_m = min_spacing;
        }
        let planner = Planner::new(&s)
            .time_limit(limit)
            .seed(seed)
            .max_passes(3)
            .perturbations(1)
            .bound_iterations(30);
        match planner.plan() {
            Ok(p) => prop_assert!(p.objective.is_finite() && p.upper_bound.is_finite() && p.gap_percent.is_finite()),
            Err(e) => { let _ = e.to_string(); }
        }
        // a model from another scenario or catalogue is refused
        let other = if use_foreign { foreign().clone() } else { scenario().clone() };
        if let Ok(model) = Planner::new(&other).model() {
            let m = model.problem.matrix();
            let c = (seed as usize) % (m.n_candidates() + 3);
            prop_assert_eq!(m.try_units_of(c).is_ok(), c < m.n_candidates());
            let r = planner.plan_model(&model);
            if use_foreign {
                prop_assert!(r.is_err());
            }
        }
    }
}
