//! Downstream-style use: build a scenario in code (no GeoJSON by hand), evaluate it, plan it,
//! with only the crate's re-exports (`skycover::geo`), and check that the builder goes through
//! the same validation as the file loader.

use skycover::geo::{line_string, point, polygon, LineString, MultiPolygon, Polygon};
use skycover::placement::Algorithm;
use skycover::terrain::synth;
use skycover::{Coverage, Error, Grid, Planner, Scenario, ScenarioBuilder};
use std::time::Duration;

fn square(lon: f64, lat: f64, d: f64) -> Polygon<f64> {
    polygon![
        (x: lon, y: lat),
        (x: lon + d, y: lat),
        (x: lon + d, y: lat + d),
        (x: lon, y: lat + d),
    ]
}

/// A small scenario near Kyiv with every kind of feature and setting.
fn builder() -> ScenarioBuilder {
    let hole = LineString::from(vec![
        (30.20, 50.20),
        (30.25, 50.20),
        (30.25, 50.25),
        (30.20, 50.25),
        (30.20, 50.20),
    ]);
    let zone = Polygon::new(square(30.0, 50.0, 0.5).exterior().clone(), vec![hole]);
    ScenarioBuilder::new("built in code")
        .description("a downstream test")
        .zone("z-main", zone, 2.0)
        .required_depth("drone", 2)
        .zone(
            "z-east",
            MultiPolygon::new(vec![square(30.6, 50.1, 0.2)]),
            1.0,
        )
        .asset("plant", point!(x: 30.3, y: 50.3), 5.0)
        .property("category", "power_plant")
        .required_depth("cruise_missile", 2)
        .corridor(
            "road",
            line_string![(x: 30.05, y: 50.05), (x: 30.7, y: 50.2)],
            2_000.0,
        )
        .contact_line(
            "line",
            line_string![(x: 29.5, y: 49.6), (x: 31.5, y: 49.6)],
            10_000.0,
        )
        .candidate_area("ca", square(29.95, 49.95, 0.9))
        .candidate_point("cp", point!(x: 30.45, y: 50.45), Some("patriot_class"))
        .exclusion("lake", square(30.1, 50.35, 0.05))
        .site("s-mr", "medium_range", point!(x: 30.25, y: 50.3))
        .site("s-pat", "patriot_class", point!(x: 30.4, y: 50.1))
        .property("facing_deg", 150.0)
        .inventory("counter_uas", 6, None)
        .inventory("medium_range", 2, Some(50.0))
        .budget(1_000.0)
        .mutual_support(&["patriot_class"], "counter_uas", "drone", 1)
        .grid_resolution_m(2_000.0)
        .candidate_spacing_m(6_000.0)
        .min_site_spacing_m(1_000.0)
        .threat_axis_deg(120.0)
        .setting("class_spacing_m", serde_json::json!({"counter_uas": 3000}))
}

#[test]
fn a_scenario_built_in_code_equals_the_same_scenario_read_from_geojson() {
    let b = builder();
    let text = b.to_geojson().to_string();
    let built = b.build().unwrap();
    let read = Scenario::from_geojson_str(&text, skycover::Catalogue::builtin()).unwrap();
    assert_eq!(built.name(), "built in code");
    assert_eq!(built.zones(), read.zones());
    assert_eq!(built.assets(), read.assets());
    assert_eq!(built.corridors(), read.corridors());
    assert_eq!(built.contact_lines(), read.contact_lines());
    assert_eq!(built.candidate_areas(), read.candidate_areas());
    assert_eq!(built.candidate_points(), read.candidate_points());
    assert_eq!(built.exclusions(), read.exclusions());
    assert_eq!(built.sites(), read.sites());
    assert_eq!(built.inventory(), read.inventory());
    assert_eq!(built.settings(), read.settings());
    assert_eq!(built.budget(), Some(1_000.0));
    assert!(built.mutual_support().is_some());
    // what was asked for arrived
    assert_eq!(built.zones()[0].required_depth[3], 2); // drone
    assert_eq!(built.zones()[0].lonlat.0[0].interiors().len(), 1);
    assert_eq!(built.assets()[0].category, "power_plant");
    assert_eq!(built.sites()[1].facing_deg, 150.0);
    assert_eq!(built.sites()[0].facing_deg, 120.0); // the threat axis
    assert!(built.terrain().is_flat() && built.diagnostics().is_empty());
}

#[test]
fn a_scenario_built_in_code_evaluates_and_plans() {
    let s = builder().build().unwrap();
    let before = Coverage::for_scenario(&s, s.sites()).unwrap();
    let plan = Planner::new(&s)
        .algorithm(Algorithm::GreedyLocalSearch)
        .time_limit(Duration::from_secs(10))
        .seed(3)
        .plan()
        .unwrap();
    assert!(plan.objective >= plan.objective_before);
    assert!(plan.cost <= 1_000.0 + 1e-9);
    let after = Coverage::for_scenario(&s, &plan.sites).unwrap();
    assert!(after.overall().fraction >= before.overall().fraction);
    for (t, tc) in before.threats().iter().enumerate() {
        assert!((tc.fraction - plan.coverage_before[t].covered_fraction).abs() < 1e-9);
        assert!(
            (after.threats()[t].fraction - plan.coverage_after[t].covered_fraction).abs() < 1e-9
        );
    }
}

#[test]
fn a_dem_given_to_the_builder_becomes_the_scenario_terrain() {
    // a synthetic 300 m cone in lon/lat degrees around the zone (cells of 0.005°)
    let extent = Grid::covering([29.5, 49.5, 31.5, 51.0], 0.005, 1 << 22).unwrap();
    let dem = synth::cone(&extent, [30.3, 50.25], 300.0, 0.3)
        .unwrap()
        .with_crs(skycover::terrain::DemCrs::LonLat);
    let s = builder()
        .dem(dem.clone())
        .terrain_cell_m(500.0)
        .build()
        .unwrap();
    let g = s.terrain().grid().expect("terrain");
    assert_eq!(g.cell_m(), 500.0);
    let [x, y] = s.frame().to_local(30.3, 50.25).unwrap();
    assert!((s.terrain().elevation(x, y) - 300.0).abs() < 15.0);
    let flat = s.clone().without_terrain();
    let masked = Coverage::for_scenario(&s, s.sites()).unwrap();
    let open = Coverage::for_scenario(&flat, flat.sites()).unwrap();
    assert!(masked.overall().fraction <= open.overall().fraction);
    // a DEM file named to the builder is loaded at build
    let dir = std::env::temp_dir().join(format!("skycover-builder-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cone.asc");
    std::fs::write(&path, dem.to_asc_string(2)).unwrap();
    let from_file = builder()
        .terrain_file(&path)
        .terrain_cell_m(500.0)
        .build()
        .unwrap();
    // an .asc without a .prj sidecar: lon/lat is assumed, and said so
    let codes: Vec<_> = from_file.diagnostics().iter().map(|d| d.code).collect();
    assert_eq!(codes, [skycover::diagnostic::codes::TERRAIN_CRS_ASSUMED]);
    let e = from_file.terrain().elevation(x, y);
    assert!((e - 300.0).abs() < 15.0, "{e}");
    assert!(matches!(
        builder().terrain_file(dir.join("missing.asc")).build(),
        Err(Error::Io { .. })
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_builder_is_validated_by_the_loader() {
    // a bow-tie zone: the loader's error, naming the feature and field
    let bowtie =
        polygon![(x: 30.0, y: 50.0), (x: 30.5, y: 50.5), (x: 30.5, y: 50.0), (x: 30.0, y: 50.5)];
    match builder().zone("bad", bowtie, 1.0).build() {
        Err(Error::InvalidFeature { feature, field, .. }) => {
            assert_eq!(feature.id.as_deref(), Some("bad"));
            assert!(field.starts_with("geometry"), "{field}");
        }
        other => panic!("expected InvalidFeature, got {other:?}"),
    }
    assert!(matches!(
        builder().inventory("laser_cannon", 1, None).build(),
        Err(Error::UnknownSystemClass { .. })
    ));
    assert!(matches!(
        builder()
            .asset("a9", point!(x: 30.31, y: 50.31), 1.0)
            .required_depth("drone", 9)
            .build(),
        Err(Error::InvalidFeature { .. })
    ));
    assert!(matches!(
        builder()
            .asset("dup", point!(x: 30.3, y: 50.3), 1.0)
            .asset("dup", point!(x: 30.3, y: 50.31), 1.0)
            .build(),
        Err(Error::DuplicateId { .. })
    ));
    assert!(matches!(
        builder().grid_resolution_m(-1.0).build(),
        Err(Error::InvalidSetting { .. })
    ));
    assert!(matches!(
        builder().setting("no_such_setting", 1).build(),
        Err(Error::InvalidSetting { .. })
    ));
    assert!(matches!(
        ScenarioBuilder::new("x").property("name", "y").build(),
        Err(Error::InvalidInput { .. })
    ));
    // neither inventory nor sites
    assert!(ScenarioBuilder::new("empty")
        .zone("z", square(30.0, 50.0, 0.1), 1.0)
        .build()
        .is_err());
}

#[test]
fn io_errors_convert_for_question_mark_in_callers() {
    fn read() -> skycover::Result<String> {
        Ok(std::fs::read_to_string("/definitely/not/here.geojson")?)
    }
    match read() {
        Err(Error::Io { path, message }) => {
            assert_eq!(path, "(unknown)");
            assert!(!message.is_empty());
        }
        other => panic!("expected Io, got {other:?}"),
    }
}

/// The downstream check: a scenario built in code, planned, and every file of the
/// plan written in one call, each readable back (GeoJSON layers, CSV, report, next phase).
#[test]
fn a_scenario_built_in_code_writes_its_plan_files_in_one_call() {
    use skycover::output::{write_plan, OutputOptions, PlanResults};
    let s = builder().build().unwrap();
    let (demand, before) = Coverage::of_scenario(&s).unwrap();
    let plan = Planner::new(&s)
        .algorithm(Algorithm::Greedy)
        .time_limit(Duration::from_secs(10))
        .plan()
        .unwrap();
    let after = Coverage::for_scenario_demand(&s, &demand, &plan.sites).unwrap();
    let results = PlanResults {
        scenario: &s,
        plan: &plan,
        demand: &demand,
        before: &before,
        after: &after,
    };
    let dir = std::env::temp_dir().join(format!("skycover-builder-out-{}", std::process::id()));
    let options = OutputOptions {
        pictures: false,
        ..OutputOptions::default()
    };
    let written = write_plan(&results, &dir, &options).unwrap();
    for name in [
        "sites.geojson",
        "gaps.geojson",
        "summary_threats.csv",
        "report.html",
    ] {
        assert!(
            written.files.iter().any(|p| p.ends_with(name)),
            "{name} not written"
        );
    }
    for p in &written.files {
        assert!(
            std::fs::metadata(p).unwrap().len() > 0,
            "{} is empty",
            p.display()
        );
    }
    // the next phase loads back with the plan's sites standing
    let next = Scenario::load(dir.join("next_phase.geojson").to_str().unwrap()).unwrap();
    assert_eq!(next.sites().len(), plan.sites.len());
    let _ = std::fs::remove_dir_all(&dir);
}
