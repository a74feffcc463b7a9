//! The scenario owns its terrain: loaded with the scenario, used by every entry point, one
//! answer per question; and the real (NOAA GLOBE) relief shipped for the sample maps.

use skycover::diagnostic::codes;
use skycover::placement::Algorithm;
use skycover::scenario::BUILTIN_SCENARIOS;
use skycover::terrain::{Dem, DemCrs, Terrain};
use skycover::{Catalogue, Coverage, Planner, Scenario, Severity};
use std::path::PathBuf;
use std::time::Duration;

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/scenarios")
}

fn has(diags: &[skycover::Diagnostic], code: &str) -> bool {
    diags.iter().any(|d| d.code == code)
}

#[test]
fn globe_dems_are_georeferenced_and_match_published_heights() {
    // published elevations: Odesa 40–65 m, Vinnytsia ~260–300 m, Uman ~200–220 m; sea = 0
    let odesa = Dem::builtin("odesa").unwrap();
    assert_eq!(odesa.crs(), DemCrs::LonLat);
    let [dx, dy] = odesa.cell_size();
    assert!((dx - 1.0 / 120.0).abs() < 1e-12 && (dy - 1.0 / 120.0).abs() < 1e-12);
    // cell edges on the GLOBE lattice (whole 30″ cells from 0°E, 50°N): pixel-is-area read right
    for edge in odesa.bounds() {
        assert!(
            (edge * 120.0 - (edge * 120.0).round()).abs() < 1e-6,
            "{edge}"
        );
    }
    let centre = odesa.sample(30.7326, 46.4775).unwrap();
    assert!((20.0..=80.0).contains(&centre), "Odesa centre {centre} m");
    for (lon, lat) in [(31.0, 46.2), (31.2, 46.35), (30.9, 46.0)] {
        assert_eq!(
            odesa.sample(lon, lat),
            Some(0.0),
            "Black Sea at {lon}, {lat}"
        );
    }
    let hi = odesa.values().iter().fold(f32::MIN, |a, v| a.max(*v));
    assert!((100.0..400.0).contains(&hi), "Odesa region max {hi} m");
    assert!(odesa.values().iter().all(|v| *v >= 0.0));

    let corridor = Dem::builtin("corridor").unwrap();
    assert_eq!(corridor.crs(), DemCrs::LonLat);
    let vinnytsia = corridor.sample(28.4682, 49.2331).unwrap();
    assert!(
        (230.0..=320.0).contains(&vinnytsia),
        "Vinnytsia {vinnytsia} m"
    );
    let uman = corridor.sample(30.2219, 48.7484).unwrap();
    assert!((180.0..=250.0).contains(&uman), "Uman {uman} m");
}

#[test]
fn globe_dems_cover_the_whole_scenario_terrain_box() {
    for name in ["odesa", "corridor"] {
        let s = Scenario::builtin(name).unwrap();
        let dem = Dem::builtin(name).unwrap();
        let db = dem.bounds();
        let b = Terrain::scenario_bbox(&s, s.terrain_cell_m());
        for k in 0..=8 {
            let t = k as f64 / 8.0;
            for (x, y) in [
                (b[0] + t * (b[2] - b[0]), b[1]),
                (b[0] + t * (b[2] - b[0]), b[3]),
                (b[0], b[1] + t * (b[3] - b[1])),
                (b[2], b[1] + t * (b[3] - b[1])),
            ] {
                let (lon, lat) = s.frame().to_lonlat(x, y);
                assert!(
                    lon >= db[0] && lon <= db[2] && lat >= db[1] && lat <= db[3],
                    "{name}: terrain box point {lon:.4}, {lat:.4} outside the DEM {db:?}"
                );
            }
        }
    }
}

#[test]
fn builtin_scenarios_own_their_terrain() {
    for (name, _) in BUILTIN_SCENARIOS {
        let s = Scenario::builtin(name).unwrap();
        let cell = s.terrain_cell_m();
        assert_eq!(
            cell,
            skycover::scenario::default_terrain_cell_m(s.settings().grid_resolution_m)
        );
        assert_eq!(s.settings().terrain_cell_m, Some(cell));
        let expected = Terrain::for_builtin_scenario(&s, cell).unwrap();
        assert!(*s.terrain() == expected, "{name}");
        assert_eq!(s.terrain().is_flat(), *name == "theatre", "{name}");
        // the theatre map reaches ~600 km from its centre and says so; the others are silent
        let codes: Vec<_> = s.diagnostics().iter().map(|d| d.code).collect();
        let expected: &[&str] = if *name == "theatre" {
            &[skycover::diagnostic::codes::FRAME_DISTORTION]
        } else {
            &[]
        };
        assert_eq!(codes, expected, "{name}: {:?}", s.diagnostics());
    }
    // Odesa's relief is real: the terrain has sea (0 m) and land up to ~100+ m
    let odesa = Scenario::builtin("odesa").unwrap();
    let g = odesa.terrain().grid().unwrap();
    let hi = g.values().iter().fold(f32::MIN, |a, v| a.max(*v));
    assert!(g.values().contains(&0.0) && hi > 80.0, "max {hi}");
}

#[test]
fn scenario_files_load_their_terrain_relative_to_the_file() {
    for name in ["kyiv", "odesa"] {
        let path = scenarios_dir().join(format!("{name}.geojson"));
        let from_file = Scenario::from_path(&path, Catalogue::builtin()).unwrap();
        let builtin = Scenario::builtin(name).unwrap();
        assert!(!from_file.terrain().is_flat());
        assert!(
            from_file.terrain() == builtin.terrain(),
            "{name}: file DEM and built-in DEM differ"
        );
        let by_name = Scenario::load(path.to_str().unwrap()).unwrap();
        assert!(by_name.terrain() == builtin.terrain());
    }
    // a scenario file naming a missing DEM is an I/O error naming it
    let text = BUILTIN_SCENARIOS[0]
        .1
        .replacen("../terrain/kyiv.asc", "missing-dem.asc", 1);
    let dir = std::env::temp_dir().join(format!("skycover-owned-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("kyiv.geojson");
    std::fs::write(&path, text).unwrap();
    match Scenario::from_path(&path, Catalogue::builtin()) {
        Err(skycover::Error::Io { path, .. }) => assert!(path.ends_with("missing-dem.asc")),
        other => panic!("expected Io, got {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn text_scenarios_say_their_terrain_is_not_loaded_until_it_is() {
    let text = BUILTIN_SCENARIOS[0].1;
    let mut s = Scenario::from_geojson_str(text, Catalogue::builtin()).unwrap();
    s.settings_mut().grid_resolution_m = 5_000.0;
    assert!(s.terrain().is_flat());
    assert!(has(s.diagnostics(), codes::SCENARIO_TERRAIN_NOT_LOADED));
    let c = Coverage::for_scenario(&s, s.sites()).unwrap();
    assert!(has(c.diagnostics(), codes::SCENARIO_TERRAIN_NOT_LOADED));
    assert!(matches!(
        s.reload_terrain(),
        Err(skycover::Error::InvalidInput { .. })
    ));
    s.load_terrain(scenarios_dir()).unwrap();
    assert!(s.diagnostics().is_empty());
    assert!(s.terrain() == Scenario::builtin("kyiv").unwrap().terrain());
    let c = Coverage::for_scenario(&s, s.sites()).unwrap();
    assert!(c.diagnostics().is_empty());
}

#[test]
fn settings_changes_never_leave_a_stale_terrain_silently() {
    let mut s = Scenario::builtin("kyiv").unwrap();
    let before = s.terrain().clone();
    // the terrain does not follow the demand grid: same terrain, no remark
    s.settings_mut().grid_resolution_m = 5_000.0;
    assert!(*s.terrain() == before);
    assert!(Coverage::for_scenario(&s, s.sites())
        .unwrap()
        .diagnostics()
        .is_empty());
    // a new terrain cell size is reported until the terrain is reloaded
    s.settings_mut().terrain_cell_m = Some(1_000.0);
    let c = Coverage::for_scenario(&s, s.sites()).unwrap();
    assert!(has(c.diagnostics(), codes::SCENARIO_TERRAIN_STALE));
    // (counter-UAS keep their 2 km spacing: the fixed Patriot sites need one within reach)
    s.settings_mut().candidate_spacing_m = 20_000.0;
    let plan = Planner::new(&s)
        .algorithm(Algorithm::Greedy)
        .time_limit(Duration::from_secs(5))
        .plan()
        .unwrap();
    assert!(has(&plan.diagnostics, codes::SCENARIO_TERRAIN_STALE));
    // an explicit terrain overrides the scenario's, and its remarks
    let plan = Planner::new(&s)
        .terrain(Terrain::Flat)
        .algorithm(Algorithm::Greedy)
        .plan()
        .unwrap();
    assert!(
        !plan.diagnostics.iter().any(is_terrain_remark),
        "{:?}",
        plan.diagnostics
    );
    s.reload_terrain().unwrap();
    assert_eq!(s.terrain().grid().unwrap().cell_m(), 1_000.0);
    assert!(Coverage::for_scenario(&s, s.sites())
        .unwrap()
        .diagnostics()
        .is_empty());
    // so is a different terrain file
    s.settings_mut().terrain = Some("../terrain/other.asc".into());
    let c = Coverage::for_scenario(&s, s.sites()).unwrap();
    assert!(has(c.diagnostics(), codes::SCENARIO_TERRAIN_STALE));
    // sites far outside the terrain grid stand on 0 m: said so
    let mut s = Scenario::builtin("kyiv").unwrap();
    s.settings_mut().grid_resolution_m = 5_000.0;
    let far = s.site_at("medium_range", 36.0, 50.0, None).unwrap();
    let c = Coverage::for_scenario(&s, &[far]).unwrap();
    assert!(has(c.diagnostics(), codes::SCENARIO_TERRAIN_SITE_OUTSIDE));
}

#[test]
fn flat_ground_only_on_request() {
    let mut kyiv = Scenario::builtin("kyiv").unwrap();
    kyiv.settings_mut().grid_resolution_m = 4_000.0;
    let flat = kyiv.clone().without_terrain();
    assert!(flat.terrain().is_flat());
    let d = flat
        .diagnostics()
        .iter()
        .find(|d| d.code == codes::SCENARIO_TERRAIN_FLAT)
        .expect("an Info remark");
    assert_eq!(d.severity, Severity::Info);
    let cat = kyiv.catalogue();
    let demand = skycover::Demand::from_scenario(&kyiv).unwrap();
    let masked = Coverage::for_scenario(&kyiv, kyiv.sites()).unwrap();
    let reference =
        Coverage::evaluate_with_terrain(cat, &demand, kyiv.sites(), kyiv.terrain()).unwrap();
    assert_eq!(masked.depths(), reference.depths());
    let flat_c = Coverage::for_scenario(&flat, flat.sites()).unwrap();
    let plain = Coverage::evaluate(cat, &demand, kyiv.sites()).unwrap();
    assert_eq!(flat_c.depths(), plain.depths());
    let cruise = cat.threat_id("cruise_missile").unwrap();
    assert!(
        masked.threat(cruise).unwrap().fraction < flat_c.threat(cruise).unwrap().fraction,
        "the synthetic Kyiv relief hides cruise missiles"
    );
}

/// One answer per question: the evaluate path (`Coverage::for_scenario`), the gap-report path
/// (`Coverage::of_scenario`) and the planner (`plan.coverage_before`) give the existing sites
/// the same coverage on every built-in map.
#[test]
fn evaluate_gap_report_and_plan_agree_on_every_builtin_map() {
    for (name, _) in BUILTIN_SCENARIOS {
        let mut s = Scenario::builtin(name).unwrap();
        {
            let st = s.settings_mut();
            // coarse, to keep the test quick (class spacings stay: mutual support needs them)
            st.grid_resolution_m *= 4.0;
            st.candidate_spacing_m *= 3.0;
        }
        assert!(s.sites().iter().all(|x| x.fixed), "{name}");
        let eval = Coverage::for_scenario(&s, s.sites()).unwrap();
        let (_, gaps) = Coverage::of_scenario(&s).unwrap();
        let plan = Planner::new(&s)
            .algorithm(Algorithm::Greedy)
            .time_limit(Duration::from_secs(10))
            .seed(0)
            .plan()
            .unwrap();
        // no terrain remark (the plan may still say why inventory is left unplaced)
        assert!(
            !plan.diagnostics.iter().any(is_terrain_remark),
            "{name}: {:?}",
            plan.diagnostics
        );
        for (t, threat) in s.catalogue().threats().iter().enumerate() {
            let e = eval.threats()[t].fraction;
            let g = gaps.threats()[t].fraction;
            let p = &plan.coverage_before[t];
            assert_eq!(p.threat, threat.id);
            assert_eq!(e, g, "{name} {}: evaluate vs gap report", threat.id);
            assert!(
                (e - p.covered_fraction).abs() < 1e-9,
                "{name} {}: evaluate {e} vs plan before {}",
                threat.id,
                p.covered_fraction
            );
        }
    }
}

/// A remark about the terrain an answer used (not loaded, stale, outside, filled, ...).
fn is_terrain_remark(d: &skycover::Diagnostic) -> bool {
    d.code.starts_with("scenario.terrain") || d.code.starts_with("terrain.")
}
