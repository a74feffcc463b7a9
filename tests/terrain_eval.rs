//! Terrain-aware evaluation: every path agrees exactly with terrain, terrain never adds
//! coverage, flat terrain changes nothing, and masking behaves as the geometry says.

use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use skycover::evaluate::{EvalPath, Evaluator};
use skycover::placement::{CoverageMatrix, UnitLayout};
use skycover::terrain::{line_of_sight, synth, Dem, Terrain, Viewshed};
use skycover::{Catalogue, Coverage, Demand, Footprint, Grid, Scenario, Site};

const PATHS: [EvalPath; 4] = [
    EvalPath::Reference,
    EvalPath::RTree,
    EvalPath::Raster,
    EvalPath::Auto,
];

/// Half side of the square demand area, metres.
const HALF: f64 = 25_000.0;

fn demand_grid(cell: f64) -> Demand {
    let grid = Grid::covering([-HALF, -HALF, HALF, HALF], cell, 1 << 22).unwrap();
    // a ragged mask: the grid samples are not every cell of every row
    let mask: Vec<bool> = (0..grid.len()).map(|c| c % 7 != 3).collect();
    Demand::from_grid(grid, &mask, &[1, 1, 2, 2]).unwrap()
}

fn extent() -> Grid {
    Grid::covering(
        [
            -HALF - 2_000.0,
            -HALF - 2_000.0,
            HALF + 2_000.0,
            HALF + 2_000.0,
        ],
        200.0,
        1 << 22,
    )
    .unwrap()
}

fn terrains() -> Vec<(&'static str, Terrain)> {
    let e = extent();
    vec![
        (
            "ridge",
            Terrain::from_local_dem(&synth::ridge_valley(&e, 3_000.0, 250.0, 1_500.0).unwrap())
                .unwrap(),
        ),
        (
            "cone",
            Terrain::from_local_dem(&synth::cone(&e, [-4_000.0, 2_000.0], 300.0, 4_000.0).unwrap())
                .unwrap(),
        ),
        (
            "fractal",
            Terrain::from_local_dem(&synth::fractal(&e, 7, 250.0, 0.7).unwrap()).unwrap(),
        ),
    ]
}

/// `n` random sites of every class (seeded), within the demand area.
fn random_sites(cat: &Catalogue, n: usize, seed: u64) -> Vec<Site> {
    let mut rng = Pcg64::seed_from_u64(seed);
    let classes: Vec<_> = cat.classes().map(|(id, _)| id).collect();
    (0..n)
        .map(|k| {
            let p = [rng.random_range(-HALF..HALF), rng.random_range(-HALF..HALF)];
            Site::new(classes[k % classes.len()], p, rng.random_range(0.0..360.0))
        })
        .collect()
}

/// Evaluates with `terrain` on every path, asserts identical results, returns one.
fn all_paths_agree(
    cat: &Catalogue,
    demand: &Demand,
    sites: &[Site],
    terrain: &Terrain,
) -> Coverage {
    let reference = Evaluator::with_path(EvalPath::Reference)
        .with_terrain(terrain.clone())
        .evaluate(cat, demand, sites)
        .unwrap();
    for path in PATHS {
        let c = Evaluator::with_path(path)
            .with_terrain(terrain.clone())
            .evaluate(cat, demand, sites)
            .unwrap();
        assert_eq!(c.depths(), reference.depths(), "{path:?} depths differ");
        assert_eq!(c, reference, "{path:?} summaries differ");
    }
    reference
}

/// Every depth of `masked` is at most the number of sites whose footprint covers the sample:
/// terrain masking only removes coverage. (The footprints are those over the terrain, whose
/// radar-horizon cap uses heights above sea level: on high ground a site can cover more than
/// its flat footprint, but never more than its footprint over the terrain.)
fn never_more(
    masked: &Coverage,
    cat: &Catalogue,
    demand: &Demand,
    sites: &[Site],
    terrain: &Terrain,
) {
    let m = masked.depths();
    for layer in cat.layers() {
        let fps: Vec<Footprint> = sites
            .iter()
            .map(|s| Footprint::new_over(cat, s, layer, terrain))
            .collect();
        for (n, &p) in demand.positions().iter().enumerate() {
            let unmasked = fps.iter().filter(|f| f.covers(p)).count();
            assert!(
                usize::from(m.get(n, layer.index)) <= unmasked,
                "terrain added coverage at sample {n} on layer {}",
                layer.index
            );
        }
    }
}

#[test]
fn paths_agree_with_terrain_and_terrain_only_removes() {
    let cat = Catalogue::builtin();
    let demand = demand_grid(500.0);
    let sites = random_sites(&cat, 12, 11);
    let flat = Coverage::evaluate(&cat, &demand, &sites).unwrap();
    for (name, terrain) in terrains() {
        let masked = all_paths_agree(&cat, &demand, &sites, &terrain);
        never_more(&masked, &cat, &demand, &sites, &terrain);
        let (m, f): (u64, u64) = (
            masked
                .depths()
                .as_slice()
                .iter()
                .map(|&d| u64::from(d))
                .sum(),
            flat.depths().as_slice().iter().map(|&d| u64::from(d)).sum(),
        );
        assert!(m < f, "{name}: terrain masked nothing ({m} vs {f})");
    }
}

#[test]
fn grid_samples_follow_the_sites_viewsheds() {
    // depth of each grid sample = number of sites whose footprint covers it and whose
    // single-layer viewshed sees its cell (the evaluator shares sweeps between layers, which
    // can only change cells whose sight line grazes the terrain: allow a few)
    let cat = Catalogue::builtin();
    let demand = demand_grid(500.0);
    let grid = *demand.grid();
    let sites = random_sites(&cat, 6, 5);
    let (_, terrain) = terrains().remove(2);
    let masked = Evaluator::new()
        .with_terrain(terrain.clone())
        .evaluate(&cat, &demand, &sites)
        .unwrap();
    let (mut differ, mut total) = (0usize, 0usize);
    for layer in cat.layers() {
        let mut want = vec![0u8; demand.grid_samples()];
        for s in &sites {
            let fp = Footprint::new_over(&cat, s, layer, &terrain);
            if fp.is_empty() {
                continue;
            }
            let class = cat.try_class(s.class, "class").unwrap();
            let vs = Viewshed::compute(
                &terrain,
                s.position,
                class.antenna_height_m,
                layer.altitude_m,
                class.refraction_k,
                fp.max_ground_range_m(),
                &grid,
            )
            .unwrap();
            for (n, &c) in demand.grid_cells().iter().enumerate() {
                let (i, j) = (c as usize % grid.nx, c as usize / grid.nx);
                if fp.covers(grid.centre(i, j)) && vs.visible(i, j) {
                    want[n] += 1;
                }
            }
        }
        for (n, w) in want.iter().enumerate() {
            total += 1;
            differ += usize::from(masked.depth(n, layer.index) != *w);
        }
    }
    assert!(
        differ * 200 <= total,
        "{differ} of {total} grid depths differ"
    );
}

#[test]
fn point_samples_use_exact_line_of_sight() {
    let cat = Catalogue::builtin();
    let mut rng = Pcg64::seed_from_u64(3);
    let points: Vec<[f64; 2]> = (0..300)
        .map(|_| [rng.random_range(-HALF..HALF), rng.random_range(-HALF..HALF)])
        .collect();
    let n_threats = cat.threats().len();
    let demand = Demand::from_points(
        points.clone(),
        vec![1.0; points.len()],
        vec![1; points.len() * n_threats],
        n_threats,
    )
    .unwrap();
    let sites = random_sites(&cat, 15, 9);
    let flat = Coverage::evaluate(&cat, &demand, &sites).unwrap();
    for (name, terrain) in terrains() {
        let masked = all_paths_agree(&cat, &demand, &sites, &terrain);
        never_more(&masked, &cat, &demand, &sites, &terrain);
        let _ = &flat;
        for layer in cat.layers() {
            for (n, &p) in points.iter().enumerate() {
                let want = sites
                    .iter()
                    .filter(|s| {
                        let class = cat.try_class(s.class, "class").unwrap();
                        Footprint::new_over(&cat, s, layer, &terrain).covers(p)
                            && line_of_sight(
                                &terrain,
                                s.position,
                                class.antenna_height_m,
                                p,
                                layer.altitude_m,
                                class.refraction_k,
                            )
                    })
                    .count();
                assert_eq!(usize::from(masked.depth(n, layer.index)), want, "{name}");
            }
        }
    }
}

#[test]
fn flat_terrain_is_bit_identical() {
    let cat = Catalogue::builtin();
    let demand = demand_grid(1_000.0);
    let sites = random_sites(&cat, 20, 1);
    let flat = Coverage::evaluate(&cat, &demand, &sites).unwrap();
    let with = Coverage::evaluate_with_terrain(&cat, &demand, &sites, &Terrain::Flat).unwrap();
    assert_eq!(flat, with);
    for path in PATHS {
        let e = Evaluator::with_path(path).with_terrain(Terrain::Flat);
        assert_eq!(e.evaluate(&cat, &demand, &sites).unwrap(), flat);
    }
}

#[test]
fn a_ridge_hides_the_valley_from_low_layers_only() {
    let cat = Catalogue::builtin();
    // 200 m ridge at x = 3 km, valley 100 m deep centred at x = 5 km
    let e = Grid::covering([-3_000.0, -3_000.0, 9_000.0, 3_000.0], 50.0, 1 << 22).unwrap();
    let terrain =
        Terrain::from_local_dem(&synth::ridge_valley(&e, 3_000.0, 200.0, 1_000.0).unwrap())
            .unwrap();
    let grid = Grid::covering([-2_000.0, -2_000.0, 8_000.0, 2_000.0], 250.0, 1 << 22).unwrap();
    let demand = Demand::from_grid(grid, &vec![true; grid.len()], &[1; 4]).unwrap();
    let medium = cat.class_id("medium_range").unwrap();
    let sites = [Site::new(medium, [0.0, 0.0], 0.0)];
    let flat = Coverage::evaluate(&cat, &demand, &sites).unwrap();
    let masked = all_paths_agree(&cat, &demand, &sites, &terrain);
    let drone = cat.threat_id("drone").unwrap();
    let layers: Vec<_> = cat.layers_of(drone).collect();
    let (low, high) = (layers[0], layers[layers.len() - 1]);
    assert!(low.altitude_m < 100.0 && high.altitude_m >= 500.0);
    // the valley floor cells, x in [4.5, 5.5] km
    let valley: Vec<usize> = (0..demand.grid_samples())
        .filter(|&s| {
            let p = demand.positions()[s];
            (4_500.0..=5_500.0).contains(&p[0])
        })
        .collect();
    assert!(!valley.is_empty());
    for &s in &valley {
        assert_eq!(flat.depth(s, low.index), 1);
        assert_eq!(flat.depth(s, high.index), 1);
        assert_eq!(
            masked.depth(s, low.index),
            0,
            "low drone seen in the valley"
        );
        assert_eq!(
            masked.depth(s, high.index),
            1,
            "high drone hidden in the valley"
        );
    }
    // the near side of the ridge stays covered on both layers
    for s in 0..demand.grid_samples() {
        let p = demand.positions()[s];
        if (1_500.0..=2_500.0).contains(&p[0]) {
            assert_eq!(masked.depth(s, low.index), flat.depth(s, low.index));
        }
    }
    // the same through a point sample in the valley
    let n_threats = cat.threats().len();
    let points = Demand::from_points(
        vec![[5_000.0, 0.0]],
        vec![1.0],
        vec![1; n_threats],
        n_threats,
    )
    .unwrap();
    let c = all_paths_agree(&cat, &points, &sites, &terrain);
    assert_eq!((c.depth(0, low.index), c.depth(0, high.index)), (0, 1));
}

#[test]
fn kyiv_with_its_synthetic_dem_covers_no_more_than_flat() {
    let scenario = Scenario::builtin("kyiv").unwrap();
    let demand = Demand::with_resolution(&scenario, 2_000.0).unwrap();
    assert!(demand.point_samples() > 0);
    let terrain =
        Terrain::for_scenario_with_dem(&scenario, &Dem::builtin("kyiv").unwrap(), 500.0).unwrap();
    assert_eq!(
        terrain,
        Terrain::for_builtin_scenario(&scenario, 500.0).unwrap(),
        "the scenario names the built-in DEM"
    );
    let (cat, sites) = (scenario.catalogue(), scenario.sites());
    assert!(!sites.is_empty());
    let flat = Coverage::evaluate(cat, &demand, sites).unwrap();
    let masked = all_paths_agree(cat, &demand, sites, &terrain);
    never_more(&masked, cat, &demand, sites, &terrain);
    let mut lost = 0.0;
    for threat in ["drone", "cruise_missile"] {
        let t = cat.threat_id(threat).unwrap();
        let (m, f) = (
            masked.threat(t).unwrap().fraction,
            flat.threat(t).unwrap().fraction,
        );
        assert!(m <= f, "{threat}: {m} > {f}");
        lost += f - m;
    }
    assert!(lost > 0.0, "terrain hid nothing from low threats over Kyiv");
}

#[test]
fn terrain_results_do_not_depend_on_thread_count() {
    let cat = Catalogue::builtin();
    let demand = demand_grid(1_000.0);
    let sites = random_sites(&cat, 10, 4);
    let (_, terrain) = terrains().remove(2);
    let eval = Evaluator::new().with_terrain(terrain);
    let many = eval.evaluate(&cat, &demand, &sites).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let one = pool.install(|| eval.evaluate(&cat, &demand, &sites).unwrap());
    assert_eq!(one, many);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn random_sites_on_fractal_terrain(seed in 0u64..1_000, n in 1usize..8, t_seed in 0u64..50) {
        let cat = Catalogue::builtin();
        let demand = demand_grid(1_000.0);
        let sites = random_sites(&cat, n, seed);
        let terrain =
            Terrain::from_local_dem(&synth::fractal(&extent(), t_seed, 300.0, 0.8).unwrap()).unwrap();
        let masked = all_paths_agree(&cat, &demand, &sites, &terrain);
        never_more(&masked, &cat, &demand, &sites, &terrain);
    }
}

// ---------------------------------------------------------------------------------------------
// Terrain-aware radar horizon (heights above sea level)

/// Farthest ground distance along +x/−x at which `line_of_sight` still sees a target,
/// scanning every 100 m from `from`.
fn farthest_visible(
    terrain: &Terrain,
    site: [f64; 2],
    ha: f64,
    ht: f64,
    dir: f64,
    max: f64,
) -> f64 {
    let k = 4.0 / 3.0;
    let mut last = 0.0;
    let mut d = 100.0;
    while d <= max {
        if line_of_sight(terrain, site, ha, [site[0] + dir * d, site[1]], ht, k) {
            last = d;
        }
        d += 100.0;
    }
    last
}

#[test]
fn horizon_over_a_plateau_uses_heights_above_its_ground() {
    // a 300 m plateau everywhere (well beyond the ranges tested): the cap is the smooth-earth
    // horizon of heights above sea level, the line of sight over the plateau finds the
    // horizon of heights above the plateau, √(2kR·ha) + √(2kR·ht)
    let k = 4.0 / 3.0;
    let e = 300.0;
    let ext = Grid::covering([-2_000.0, -2_000.0, 120_000.0, 2_000.0], 250.0, 1 << 22).unwrap();
    let plateau = Terrain::from_local_dem(&synth::from_fn(&ext, |_, _| e).unwrap()).unwrap();
    let (ha, ht) = (10.0, 30.0);
    let cap = skycover::terrain::horizon_cap_m(&plateau, [0.0, 0.0], ha, ht, k);
    let want = skycover::catalogue::radar_horizon_m(e + ha, e + ht, k);
    assert!((cap - want).abs() < 1e-6, "{cap} {want}");
    let seen = farthest_visible(&plateau, [0.0, 0.0], ha, ht, 1.0, 110_000.0);
    let smooth = skycover::catalogue::radar_horizon_m(ha, ht, k); // 35.6 km
    assert!(
        (seen - smooth).abs() <= 300.0,
        "seen to {seen}, smooth-earth {smooth}"
    );
    // and the evaluator, through every path, agrees with that line of sight
    let cat = Catalogue::builtin();
    let patriot = cat.class_id("patriot_class").unwrap();
    let cruise = cat
        .layers_of(cat.threat_id("cruise_missile").unwrap())
        .next()
        .unwrap();
    assert_eq!(cruise.altitude_m, ht);
    let pts: Vec<[f64; 2]> = (1..=40).map(|n| [n as f64 * 2_000.0, 0.0]).collect();
    let nt = cat.threats().len();
    let demand = Demand::from_points(
        pts.clone(),
        vec![1.0; pts.len()],
        vec![1; pts.len() * nt],
        nt,
    )
    .unwrap();
    let sites = [Site::new(patriot, [0.0, 0.0], 90.0)];
    let c = all_paths_agree(&cat, &demand, &sites, &plateau);
    let fp = Footprint::new_over(&cat, &sites[0], cruise, &plateau);
    assert!(
        fp.max_ground_range_m() > 79_000.0,
        "the cap does not cut the line of sight"
    );
    let mut covered = 0;
    for (n, p) in pts.iter().enumerate() {
        let los = line_of_sight(&plateau, [0.0, 0.0], ha, *p, ht, k);
        let want = los && fp.covers(*p);
        assert_eq!(c.depth(n, cruise.index) == 1, want, "{p:?}");
        covered += usize::from(want);
        // inside the envelope (3–80 km) the line of sight decides
        if p[0] >= 3_000.0 && p[0] <= 79_000.0 {
            assert_eq!(want, los, "{p:?}");
        }
    }
    assert!(covered >= 15, "{covered}");
}

#[test]
fn escarpment_radar_sees_a_cruise_missile_over_the_plain_far_beyond_its_mast_horizon() {
    // plain at 0 m west of x = −500, a 200 m escarpment rising to x = 0 and a plateau east of
    // it; a Patriot-class radar (10 m mast) at the edge. Its own line of sight to a 30 m
    // cruise missile over the plain reaches √(2kR·210) + √(2kR·30) ≈ 82 km (less the
    // 0.5 km ramp), far beyond the 35.6 km of the mast above local ground.
    let k = 4.0 / 3.0;
    let ext = Grid::covering([-100_000.0, -2_000.0, 5_000.0, 2_000.0], 100.0, 1 << 22).unwrap();
    let t = Terrain::from_local_dem(&synth::plateau(&ext, 0.0, 200.0, 500.0).unwrap()).unwrap();
    let site = [100.0, 0.0];
    let seen = farthest_visible(&t, site, 10.0, 30.0, -1.0, 99_000.0);
    let smooth = skycover::catalogue::radar_horizon_m(210.0, 30.0, k);
    assert!(
        seen > 79_000.0 && seen <= smooth + 200.0,
        "seen to {seen}, analytic {smooth}"
    );
    // the footprint's cap no longer cuts it: every path covers the missile as far as the
    // line of sight reaches (within the 80 km envelope), and nothing beyond
    let cat = Catalogue::builtin();
    let patriot = cat.class_id("patriot_class").unwrap();
    let cruise = cat
        .layers_of(cat.threat_id("cruise_missile").unwrap())
        .next()
        .unwrap();
    let sites = [Site::new(patriot, site, 270.0)];
    let pts: Vec<[f64; 2]> = (1..=45)
        .map(|n| [site[0] - n as f64 * 2_000.0, 0.0])
        .collect();
    let nt = cat.threats().len();
    let demand = Demand::from_points(
        pts.clone(),
        vec![1.0; pts.len()],
        vec![1; pts.len() * nt],
        nt,
    )
    .unwrap();
    let c = all_paths_agree(&cat, &demand, &sites, &t);
    let fp = Footprint::new_over(&cat, &sites[0], cruise, &t);
    let mut farthest = 0.0f64;
    for (n, p) in pts.iter().enumerate() {
        let d = site[0] - p[0];
        let want = fp.covers(*p) && line_of_sight(&t, site, 10.0, *p, 30.0, k);
        assert_eq!(c.depth(n, cruise.index) == 1, want, "{d}");
        if want {
            farthest = farthest.max(d);
        }
    }
    assert!(farthest >= 74_000.0, "covered to {farthest} m only");
    // on flat terrain the same radar stops at the smooth-earth horizon of its mast
    let flat = Coverage::evaluate(&cat, &demand, &sites).unwrap();
    let flat_far = pts
        .iter()
        .enumerate()
        .filter(|(n, _)| flat.depth(*n, cruise.index) == 1)
        .map(|(_, p)| site[0] - p[0])
        .fold(0.0f64, f64::max);
    assert!(flat_far < 36_000.0, "{flat_far}");
}

#[test]
fn horizon_cap_on_flat_terrain_is_the_smooth_earth_formula() {
    let k = 4.0 / 3.0;
    for (ha, ht) in [(10.0, 30.0), (4.0, 50.0), (12.0, 10_000.0)] {
        assert_eq!(
            skycover::terrain::horizon_cap_m(&Terrain::Flat, [5.0, 7.0], ha, ht, k),
            skycover::catalogue::radar_horizon_m(ha, ht, k)
        );
    }
    // a terrain partly below sea level lowers the reference sphere
    let ext = Grid::covering([0.0, 0.0, 10_000.0, 10_000.0], 500.0, 1 << 20).unwrap();
    let t = Terrain::from_local_dem(
        &synth::from_fn(&ext, |x, _| if x < 5_000.0 { -50.0 } else { 120.0 }).unwrap(),
    )
    .unwrap();
    let cap = skycover::terrain::horizon_cap_m(&t, [2_000.0, 5_000.0], 10.0, 30.0, k);
    let want = skycover::catalogue::radar_horizon_m(-50.0 + 10.0 + 50.0, 120.0 + 30.0 + 50.0, k);
    assert!((cap - want).abs() < 1e-6, "{cap} {want}");
}

// ---------------------------------------------------------------------------------------------
// Caches shared by placement and evaluation: one set-up

/// The fractal terrain of [`terrains`].
fn fractal_terrain() -> Terrain {
    terrains().remove(2).1
}

/// The set-up of the cache tests: the builtin catalogue, a 1 km demand grid over the fractal
/// terrain, 12 candidates and 2 fixed sites (seeded `seed` and `seed + 1`), and the scenario
/// matrix built without any cache (the reference the cached builds must match).
struct CacheFixture {
    cat: Catalogue,
    demand: Demand,
    terrain: Terrain,
    candidates: Vec<Site>,
    fixed: Vec<Site>,
    plain: (CoverageMatrix, UnitLayout),
}

impl CacheFixture {
    fn new(seed: u64) -> CacheFixture {
        let cat = Catalogue::builtin();
        let demand = demand_grid(1_000.0);
        let terrain = fractal_terrain();
        let candidates = random_sites(&cat, 12, seed);
        let fixed = random_sites(&cat, 2, seed + 1);
        let plain = skycover::placement::matrix::build_scenario_matrix_with_terrain(
            &cat,
            &demand,
            &candidates,
            &fixed,
            1 << 30,
            &terrain,
        )
        .unwrap();
        CacheFixture {
            cat,
            demand,
            terrain,
            candidates,
            fixed,
            plain,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One viewshed cache shared by placement and evaluation

#[test]
fn a_shared_viewshed_cache_changes_no_result_and_serves_evaluation_after_placement() {
    use skycover::placement::matrix::build_scenario_matrix_cached;
    use skycover::terrain::ViewshedCache;
    use std::sync::Arc;
    let CacheFixture {
        cat,
        demand,
        terrain,
        candidates,
        fixed,
        plain,
    } = CacheFixture::new(21);
    let cache = Arc::new(ViewshedCache::new(terrain.clone(), *demand.grid()));
    let cached = build_scenario_matrix_cached(
        &cat,
        &demand,
        &candidates,
        &fixed,
        1 << 30,
        &terrain,
        Some(&cache),
    )
    .unwrap();
    assert_eq!(plain.0, cached.0, "the matrix does not depend on the cache");
    let (hits, misses) = cache.stats();
    assert!(misses > 0 && hits == 0, "{hits} {misses}");
    // evaluating some of the candidates afterwards takes every viewshed from the cache
    let chosen: Vec<Site> = candidates.iter().step_by(3).cloned().collect();
    for path in PATHS {
        let eval = Evaluator::with_path(path).with_terrain(terrain.clone());
        let want = eval.evaluate(&cat, &demand, &chosen).unwrap();
        let before = cache.stats();
        let got = eval
            .clone()
            .with_viewshed_cache(cache.clone())
            .evaluate(&cat, &demand, &chosen)
            .unwrap();
        assert_eq!(got, want, "{path:?}");
        let after = cache.stats();
        assert_eq!(after.1, before.1, "{path:?}: no new sweep");
        assert!(after.0 > before.0);
    }
    // a cache for another terrain (same values, another grid in memory) is not used
    let other = Terrain::from_grid(terrain.grid().unwrap().clone());
    let foreign = Arc::new(ViewshedCache::new(other, *demand.grid()));
    let got = Evaluator::new()
        .with_terrain(terrain.clone())
        .with_viewshed_cache(foreign.clone())
        .evaluate(&cat, &demand, &chosen)
        .unwrap();
    assert_eq!(
        got,
        Evaluator::new()
            .with_terrain(terrain)
            .evaluate(&cat, &demand, &chosen)
            .unwrap()
    );
    assert_eq!(foreign.stats(), (0, 0));
}

#[test]
fn cached_viewsheds_do_not_depend_on_request_history() {
    use skycover::terrain::{ViewshedCache, ViewshedTarget};
    let terrain = fractal_terrain();
    let grid = *demand_grid(500.0).grid();
    let k = 4.0 / 3.0;
    let targets = [
        ViewshedTarget {
            height_agl_m: 30.0,
            max_range_m: 6_000.0,
        },
        ViewshedTarget {
            height_agl_m: 150.0,
            max_range_m: 20_000.0,
        },
    ];
    let direct =
        Viewshed::compute_many(&terrain, [1_000.0, -2_000.0], 10.0, k, &targets, &grid).unwrap();
    // first a request for the short target alone (fewer rays), then the whole set
    let cache = ViewshedCache::new(terrain.clone(), grid);
    let alone = cache
        .get([1_000.0, -2_000.0], 10.0, 30.0, k, 6_000.0)
        .unwrap();
    let many = cache
        .get_many([1_000.0, -2_000.0], 10.0, k, &targets)
        .unwrap();
    assert!(alone.ray_count() < many[0].ray_count());
    for (a, b) in many.iter().zip(&direct) {
        assert!(**a == *b, "cached = direct, whatever was asked before");
    }
}

// ---------------------------------------------------------------------------------------------
// One minimum-height cache shared by placement and evaluation

#[test]
fn a_shared_min_height_cache_gives_placement_and_evaluation_the_same_depths() {
    use skycover::placement::matrix::build_scenario_matrix_min_heights;
    use skycover::terrain::MinHeightCache;
    use std::sync::Arc;
    let CacheFixture {
        cat,
        demand,
        terrain,
        candidates,
        fixed,
        plain: (plain, _),
    } = CacheFixture::new(31);
    let heights = Arc::new(MinHeightCache::new(terrain.clone(), *demand.grid()));
    let (read, layout) = build_scenario_matrix_min_heights(
        &cat,
        &demand,
        &candidates,
        &fixed,
        1 << 30,
        &terrain,
        &heights,
    )
    .unwrap();
    // one sweep per site (12 candidates + 2 fixed), none served yet
    assert_eq!(heights.stats(), (0, 14, 0));
    // conservative against the swept matrix: a subset of every row, knife-edge losses only
    let (mut kept, mut lost) = (0usize, 0usize);
    for c in 0..plain.n_candidates() {
        let a = plain.try_units_of(c).unwrap();
        let b = read.try_units_of(c).unwrap();
        assert!(
            b.iter().all(|u| a.binary_search(u).is_ok()),
            "candidate {c}"
        );
        kept += b.len();
        lost += a.len() - b.len();
    }
    assert!(kept > 1_000, "{kept}");
    assert!(lost * 10_000 <= kept, "{lost} of {kept}");
    assert!(read
        .initial()
        .iter()
        .zip(plain.initial())
        .all(|(r, p)| r <= p));
    // a second build reads the maps only and gives the same matrix
    let (again, _) = build_scenario_matrix_min_heights(
        &cat,
        &demand,
        &candidates,
        &fixed,
        1 << 30,
        &terrain,
        &heights,
    )
    .unwrap();
    assert_eq!(again, read);
    assert_eq!(heights.stats(), (14, 14, 0));
    // evaluating chosen candidates (and the fixed sites) with the same cache: no sweep, and the
    // depths of the matrix, unit by unit, on every path
    let chosen: Vec<usize> = (0..candidates.len()).step_by(3).collect();
    let depths = read.depths_of(&chosen);
    let sites: Vec<Site> = fixed
        .iter()
        .chain(chosen.iter().map(|&c| &candidates[c]))
        .cloned()
        .collect();
    for path in PATHS {
        let before = heights.stats();
        let cov = Evaluator::with_path(path)
            .with_terrain(terrain.clone())
            .with_min_height_cache(heights.clone())
            .evaluate(&cat, &demand, &sites)
            .unwrap();
        let after = heights.stats();
        assert_eq!(after.1, before.1, "{path:?}: no new sweep");
        for (u, &d) in depths.iter().enumerate() {
            let (layer, sample) = layout.split(u);
            assert_eq!(cov.depth(sample, layer), d, "{path:?} unit {u}");
        }
    }
}
