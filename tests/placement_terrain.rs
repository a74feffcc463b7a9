//! Terrain-aware placement: the coverage matrix masks every candidate with the evaluation's
//! visibility rule (so matrix objectives equal terrain-aware evaluations), placement moves to
//! high ground by itself, and flat terrain changes nothing.

use skycover::diagnostic::codes;
use skycover::evaluate::Evaluator;
use skycover::placement::matrix::{build_scenario_matrix, build_scenario_matrix_with_terrain};
use skycover::placement::{Algorithm, Plan, Planner};
use skycover::terrain::{
    line_of_sight, site_viewshed_targets, synth, MinHeightCache, Terrain, Viewshed,
};
use skycover::{Catalogue, Coverage, Demand, Footprint, Grid, LocalFrame, Scenario, Site};
use std::time::Duration;

fn lonlat(frame: &LocalFrame, p: [f64; 2]) -> String {
    let (lon, lat) = frame.to_lonlat(p[0], p[1]);
    format!("[{lon},{lat}]")
}

fn square(frame: &LocalFrame, c: [f64; 2], half: f64) -> String {
    let pts = [
        [c[0] - half, c[1] - half],
        [c[0] + half, c[1] - half],
        [c[0] + half, c[1] + half],
        [c[0] - half, c[1] + half],
        [c[0] - half, c[1] - half],
    ];
    let v: Vec<String> = pts.iter().map(|p| lonlat(frame, *p)).collect();
    format!("[[{}]]", v.join(","))
}

/// A square zone of half side `half` around the origin (local metres of a frame at 30.5°E
/// 50.4°N), optional assets, a corridor and fixed sites, with this inventory and settings.
fn scenario(
    half: f64,
    assets: &[[f64; 2]],
    corridor: bool,
    fixed: &[(&str, [f64; 2])],
    inventory: &str,
    cell_m: f64,
    spacing_m: f64,
) -> Scenario {
    let frame = LocalFrame::new(30.5, 50.4).unwrap();
    let mut f = vec![format!(
        r#"{{"type":"Feature","id":"z0","properties":{{"kind":"zone"}},"geometry":{{"type":"Polygon","coordinates":{}}}}}"#,
        square(&frame, [0.0, 0.0], half)
    )];
    for (k, a) in assets.iter().enumerate() {
        f.push(format!(
            r#"{{"type":"Feature","id":"a{k}","properties":{{"kind":"asset","value":3,"required_depth":{{"drone":2}}}},"geometry":{{"type":"Point","coordinates":{}}}}}"#,
            lonlat(&frame, *a)
        ));
    }
    if corridor {
        f.push(format!(
            r#"{{"type":"Feature","id":"c0","properties":{{"kind":"corridor","width_m":1500}},"geometry":{{"type":"LineString","coordinates":[{},{}]}}}}"#,
            lonlat(&frame, [-0.8 * half, -0.3 * half]),
            lonlat(&frame, [0.7 * half, 0.6 * half])
        ));
    }
    for (k, (class, p)) in fixed.iter().enumerate() {
        f.push(format!(
            r#"{{"type":"Feature","id":"s{k}","properties":{{"kind":"site","class":"{class}"}},"geometry":{{"type":"Point","coordinates":{}}}}}"#,
            lonlat(&frame, *p)
        ));
    }
    let text = format!(
        r#"{{"type":"FeatureCollection","skycover":{{"name":"t","grid_resolution_m":{cell_m},"candidate_spacing_m":{spacing_m},"min_site_spacing_m":500,"inventory":{inventory}}},"features":[{}]}}"#,
        f.join(",")
    );
    Scenario::from_geojson_str(&text, Catalogue::builtin()).unwrap()
}

/// The scenario's terrain box as a 200 m grid, and its centre.
fn extent(s: &Scenario, cell_m: f64) -> (Grid, [f64; 2]) {
    let b = Terrain::scenario_bbox(s, cell_m);
    let g = Grid::covering(b, cell_m, 1 << 22).unwrap();
    (g, [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0])
}

/// Brute force: every (candidate, layer, sample) with the footprint predicate (terrain-aware
/// horizon cap), then the visibility
/// rule of the evaluation: grid samples read the site's viewshed for the layer's altitude on
/// the demand grid (one sweep per site over its distinct non-empty layer altitudes, each out
/// to the largest range of its layers), point samples the exact line of sight.
fn reference_rows(
    cat: &Catalogue,
    demand: &Demand,
    sites: &[Site],
    terrain: &Terrain,
) -> Vec<Vec<u32>> {
    let n = demand.len();
    let grid = demand.grid();
    sites
        .iter()
        .map(|site| {
            let class = cat.try_class(site.class, "class").unwrap();
            let (targets, _) = site_viewshed_targets(cat, site, terrain);
            let views = if terrain.is_flat() || targets.is_empty() {
                Vec::new()
            } else {
                Viewshed::compute_many(
                    terrain,
                    site.position,
                    class.antenna_height_m,
                    class.refraction_k,
                    &targets,
                    grid,
                )
                .unwrap()
            };
            let mut row = Vec::new();
            for layer in cat.layers() {
                // the terrain-aware horizon cap (heights above sea level)
                let fp = Footprint::new_over(cat, site, layer, terrain);
                if fp.is_empty() {
                    continue;
                }
                for (s, &p) in demand.positions().iter().enumerate() {
                    if !fp.covers(p) {
                        continue;
                    }
                    let visible = if terrain.is_flat() {
                        true
                    } else if let Some(&cell) = demand.grid_cells().get(s) {
                        let cell = cell as usize;
                        let t = targets
                            .iter()
                            .position(|t| t.height_agl_m == layer.altitude_m)
                            .unwrap();
                        views[t].visible(cell % grid.nx, cell / grid.nx)
                    } else {
                        line_of_sight(
                            terrain,
                            site.position,
                            class.antenna_height_m,
                            p,
                            layer.altitude_m,
                            class.refraction_k,
                        )
                    };
                    if visible {
                        row.push((layer.index * n + s) as u32);
                    }
                }
            }
            row
        })
        .collect()
}

/// `Σ w·min(d, k)/k` from a terrain-aware evaluation of `sites`.
fn evaluated_objective(s: &Scenario, demand: &Demand, sites: &[Site], terrain: &Terrain) -> f64 {
    let cov = Coverage::evaluate_with_terrain(s.catalogue(), demand, sites, terrain).unwrap();
    objective_of(s, demand, &cov)
}

/// The placement objective `Σ w·min(d, k)/k` of an evaluated coverage.
fn objective_of(s: &Scenario, demand: &Demand, cov: &Coverage) -> f64 {
    let cat = s.catalogue();
    let mut total = 0.0;
    for layer in cat.layers() {
        let lw = cat.layer_weight(layer);
        for (smp, &w) in demand.weights().iter().enumerate() {
            let k = demand.required_depth(smp, layer.threat).max(1);
            let d = cov.depth(smp, layer.index).min(k);
            total += w * lw * f64::from(d) / f64::from(k);
        }
    }
    total
}

fn mixed_scenario() -> Scenario {
    scenario(
        12_000.0,
        &[[3_000.0, -2_000.0], [-6_500.0, 5_500.0], [9_000.0, 8_000.0]],
        true,
        &[
            ("counter_uas", [1_000.0, 1_000.0]),
            ("medium_range", [-5_000.0, -4_000.0]),
        ],
        r#"{"medium_range":{"count":2},"counter_uas":{"count":3}}"#,
        1_500.0,
        4_000.0,
    )
}

fn terrains(s: &Scenario) -> Vec<(&'static str, Terrain)> {
    let (e, c) = extent(s, 250.0);
    vec![
        (
            "ridge",
            Terrain::from_local_dem(
                &synth::ridge_valley(&e, c[0] + 2_000.0, 250.0, 1_500.0).unwrap(),
            )
            .unwrap(),
        ),
        (
            "cone",
            Terrain::from_local_dem(
                &synth::cone(&e, [c[0] - 4_000.0, c[1] + 3_000.0], 300.0, 5_000.0).unwrap(),
            )
            .unwrap(),
        ),
        (
            "fractal",
            Terrain::from_local_dem(&synth::fractal(&e, 11, 200.0, 0.7).unwrap()).unwrap(),
        ),
    ]
}

#[test]
fn matrix_rows_equal_brute_force_with_terrain() {
    let s = mixed_scenario();
    let cat = s.catalogue();
    let demand = Demand::from_scenario(&s).unwrap();
    assert!(demand.point_samples() > 0 && demand.grid_samples() > 0);
    let model = Planner::new(&s).model().unwrap();
    let sites: Vec<Site> = model.candidates.iter().map(|c| c.site.clone()).collect();
    let fixed: Vec<Site> = s.sites().iter().filter(|x| x.fixed).cloned().collect();
    assert_eq!(fixed.len(), 2);
    for (name, terrain) in terrains(&s) {
        let (m, layout) =
            build_scenario_matrix_with_terrain(cat, &demand, &sites, &fixed, u64::MAX, &terrain)
                .unwrap();
        assert_eq!(layout.n_samples, demand.len());
        let rows = reference_rows(cat, &demand, &sites, &terrain);
        let flat = build_scenario_matrix(cat, &demand, &sites, &fixed, u64::MAX)
            .unwrap()
            .0;
        for (c, r) in rows.iter().enumerate() {
            assert_eq!(
                m.try_units_of(c).unwrap(),
                r.as_slice(),
                "{name}: candidate {c}"
            );
        }
        // fixed sites' initial depth uses terrain too
        let fixed_rows = reference_rows(cat, &demand, &fixed, &terrain);
        let mut initial = vec![0u8; m.n_units()];
        for r in &fixed_rows {
            for &u in r {
                initial[u as usize] += 1;
            }
        }
        assert_eq!(m.initial(), initial.as_slice(), "{name}: initial depth");
        // terrain only removes, and removes something here
        assert!(
            m.nnz() < flat.nnz(),
            "{name}: {} vs {}",
            m.nnz(),
            flat.nnz()
        );
        assert!(m.initial().iter().zip(flat.initial()).all(|(a, b)| a <= b));
    }
}

#[test]
fn plan_objective_equals_terrain_aware_evaluation() {
    let s = mixed_scenario();
    let demand = Demand::from_scenario(&s).unwrap();
    for (name, terrain) in terrains(&s) {
        let plan = Planner::new(&s)
            .terrain(terrain.clone())
            .time_limit(Duration::from_secs(5))
            .seed(3)
            .plan()
            .unwrap();
        assert!(plan.sites.iter().filter(|x| !x.fixed).count() > 0, "{name}");
        let placed = evaluated_objective(&s, &demand, &plan.sites, &terrain);
        let rel = (plan.objective - placed).abs() / placed.max(1e-300);
        assert!(
            rel < 1e-9,
            "{name}: plan {} vs evaluated {placed}",
            plan.objective
        );
        let fixed: Vec<Site> = s.sites().to_vec();
        let before = evaluated_objective(&s, &demand, &fixed, &terrain);
        let rel = (plan.objective_before - before).abs() / before.max(1e-300);
        assert!(
            rel < 1e-9,
            "{name}: before {} vs {before}",
            plan.objective_before
        );
        // and the flat objective of the same sites is at least as large
        let flat = evaluated_objective(&s, &demand, &plan.sites, &Terrain::Flat);
        assert!(flat >= placed - 1e-9, "{name}");
    }
}

#[test]
fn one_site_moves_to_high_ground() {
    let s = scenario(
        16_000.0,
        &[],
        false,
        &[],
        r#"{"medium_range":{"count":1}}"#,
        1_000.0,
        2_000.0,
    );
    let (e, c) = extent(&s, 250.0);
    // rolling low ground (±40 m bumps every 3 km) that hides low layers from valley sites,
    // and one 350 m hill off the zone's centre that sees over it
    let peak = [c[0] - 8_000.0, c[1] + 6_000.0];
    let dem = synth::from_fn(&e, |x, y| {
        let r = ((x - peak[0]).powi(2) + (y - peak[1]).powi(2)).sqrt();
        let hill = 350.0 * (1.0 - r / 6_000.0).max(0.0);
        let bumps = 40.0 * (1.0 + (x / 1_500.0).sin() * (y / 1_500.0).sin());
        hill + bumps
    })
    .unwrap();
    let terrain = Terrain::from_local_dem(&dem).unwrap();
    let demand = Demand::from_scenario(&s).unwrap();
    let placed = |p: &Plan| -> Site { p.sites.iter().find(|x| !x.fixed).unwrap().clone() };
    let plan_flat = Planner::new(&s)
        .algorithm(Algorithm::Greedy)
        .plan()
        .unwrap();
    let plan_terrain = Planner::new(&s)
        .algorithm(Algorithm::Greedy)
        .terrain(terrain.clone())
        .plan()
        .unwrap();
    let (a, b) = (placed(&plan_flat), placed(&plan_terrain));
    let (ha, hb) = (
        terrain.elevation(a.position[0], a.position[1]),
        terrain.elevation(b.position[0], b.position[1]),
    );
    eprintln!(
        "flat pick {:?} at {ha:.0} m, terrain pick {:?} at {hb:.0} m",
        a.position, b.position
    );
    assert!(
        hb > ha + 100.0,
        "terrain pick at {hb:.0} m, flat pick at {ha:.0} m"
    );
    let (va, vb) = (
        evaluated_objective(&s, &demand, &[a], &terrain),
        evaluated_objective(&s, &demand, &[b], &terrain),
    );
    assert!(vb > va, "terrain-aware coverage {vb} vs flat pick's {va}");
    assert!((plan_terrain.objective - vb).abs() <= 1e-9 * vb);
}

#[test]
fn flat_terrain_gives_identical_plans_and_matrix() {
    let s = mixed_scenario();
    let cat = s.catalogue();
    let demand = Demand::from_scenario(&s).unwrap();
    let model = Planner::new(&s).model().unwrap();
    let model_flat = Planner::new(&s).terrain(Terrain::Flat).model().unwrap();
    assert_eq!(model.problem.matrix(), model_flat.problem.matrix());
    let sites: Vec<Site> = model.candidates.iter().map(|c| c.site.clone()).collect();
    let rows = reference_rows(cat, &demand, &sites, &Terrain::Flat);
    for (c, r) in rows.iter().enumerate() {
        assert_eq!(
            model.problem.matrix().try_units_of(c).unwrap(),
            r.as_slice()
        );
    }
    let p = |pl: Planner| {
        pl.seed(5)
            .time_limit(Duration::from_secs(5))
            .plan()
            .unwrap()
    };
    let (a, b) = (
        p(Planner::new(&s)),
        p(Planner::new(&s).terrain(Terrain::Flat)),
    );
    assert_eq!(a.sites, b.sites);
    assert_eq!(a.objective.to_bits(), b.objective.to_bits());
    assert_eq!(a.coverage_after, b.coverage_after);
    assert_eq!(a.upper_bound.to_bits(), b.upper_bound.to_bits());
}

#[test]
fn terrain_matrix_does_not_depend_on_thread_count() {
    let s = mixed_scenario();
    let (_, terrain) = terrains(&s).remove(2);
    let build = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            Planner::new(&s)
                .terrain(terrain.clone())
                .model()
                .unwrap()
                .problem
                .matrix()
                .clone()
        })
    };
    assert_eq!(build(1), build(3));
}

#[test]
fn min_height_cache_plan_says_so_and_matches_its_evaluation() {
    let s = mixed_scenario();
    let demand = Demand::from_scenario(&s).unwrap();
    let has = |p: &Plan, code: &str| p.diagnostics.iter().any(|d| d.code == code);
    for (name, terrain) in terrains(&s) {
        let cache = std::sync::Arc::new(MinHeightCache::new(terrain.clone(), *demand.grid()));
        let plan = Planner::new(&s)
            .terrain(terrain.clone())
            .min_height_cache(cache.clone())
            .time_limit(Duration::from_secs(5))
            .seed(3)
            .plan()
            .unwrap();
        assert!(has(&plan, codes::PLACEMENT_MIN_HEIGHT_MASKS), "{name}");
        assert!(
            !has(&plan, codes::PLACEMENT_MIN_HEIGHT_CACHE_UNUSED),
            "{name}"
        );
        // the evaluation reading the same cache gives the plan's objective, with no new sweep
        let (_, swept_before, _) = cache.stats();
        assert!(swept_before > 0, "{name}: the cache was not read");
        let eval = Evaluator::new()
            .with_terrain(terrain.clone())
            .with_min_height_cache(cache.clone());
        let cov = eval.evaluate(s.catalogue(), &demand, &plan.sites).unwrap();
        let (hits, swept, _) = cache.stats();
        assert!(hits > 0 && swept == swept_before, "{name}: swept again");
        let read = objective_of(&s, &demand, &cov);
        let rel = (plan.objective - read).abs() / read.max(1e-300);
        assert!(rel < 1e-9, "{name}: plan {} vs {read}", plan.objective);
        // conservative: never above the swept evaluation of the same sites
        let swept = evaluated_objective(&s, &demand, &plan.sites, &terrain);
        assert!(read <= swept + 1e-9 * swept, "{name}: {read} > {swept}");
    }
    // sensor netting keeps the cache out, and the plan says so
    let mut netted = s.clone();
    netted.threat_setup_mut().netting = true;
    let (_, terrain) = terrains(&s).remove(1);
    let cache = std::sync::Arc::new(MinHeightCache::new(terrain.clone(), *demand.grid()));
    let plan = Planner::new(&netted)
        .terrain(terrain)
        .min_height_cache(cache.clone())
        .algorithm(Algorithm::Greedy)
        .plan()
        .unwrap();
    assert!(has(&plan, codes::PLACEMENT_MIN_HEIGHT_CACHE_UNUSED));
    assert!(!has(&plan, codes::PLACEMENT_MIN_HEIGHT_MASKS));
    assert_eq!(cache.stats(), (0, 0, 0));
}
