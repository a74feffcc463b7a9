//! Coverage evaluation: the three paths agree exactly, results are deterministic and
//! monotone, gap maps match the geometry.

mod common;

use common::{catalogue_with_sectors, scenario_from_local, site, star};
use geo::{Area, Validation};
use proptest::prelude::*;
use skycover::evaluate::{EvalPath, Evaluator};
use skycover::gaps::GapMap;
use skycover::index::DemandIndex;
use skycover::{Catalogue, Coverage, Demand, Error, Footprint, Grid, Scenario, Site};

const PATHS: [EvalPath; 4] = [
    EvalPath::Reference,
    EvalPath::RTree,
    EvalPath::Raster,
    EvalPath::Auto,
];

/// Evaluates on every path, asserts that all coverages are identical, returns one.
fn all_paths_agree(cat: &Catalogue, demand: &Demand, sites: &[Site]) -> Coverage {
    let reference = Evaluator::with_path(EvalPath::Reference)
        .evaluate(cat, demand, sites)
        .unwrap();
    for path in PATHS {
        let c = Evaluator::with_path(path)
            .evaluate(cat, demand, sites)
            .unwrap();
        assert_eq!(c.depths(), reference.depths(), "{path:?} depths differ");
        assert_eq!(c, reference, "{path:?} summaries differ");
    }
    reference
}

/// Brute-force depth of one sample on one layer.
fn brute_depth(cat: &Catalogue, sites: &[Site], p: [f64; 2], layer: usize) -> u8 {
    let l = &cat.layers()[layer];
    let n = sites
        .iter()
        .filter(|s| Footprint::new(cat, s, l).covers(p))
        .count();
    n.min(255) as u8
}

fn check_summaries(cat: &Catalogue, demand: &Demand, c: &Coverage) {
    for t in c.threats() {
        assert!((0.0..=1.0).contains(&t.fraction), "{t:?}");
        assert!((0.0..=1.0).contains(&t.score), "{t:?}");
        assert!(t.score >= t.fraction - 1e-12, "score below fraction: {t:?}");
        assert!(t.gap_cells <= demand.grid_samples());
        // the failing bits agree with the depths
        let mut fail = 0;
        for s in 0..demand.len() {
            let req = demand.required_depth(s, t.threat);
            let f = cat.layers_of(t.threat).any(|l| c.depth(s, l.index) < req);
            assert_eq!(c.fails(s, t.threat), f);
            fail += f as usize;
        }
        assert_eq!(fail, t.failing_samples);
    }
    assert!((0.0..=1.0).contains(&c.overall().fraction));
    assert!((0.0..=1.0).contains(&c.overall().score));
}

/// Random sites of every class, around and inside `bbox`, with positions sometimes snapped to
/// half-cell multiples (cell centres and edges) and facings sometimes axis-aligned, to hit
/// boundary cases of the predicate.
fn arb_sites(
    n: std::ops::Range<usize>,
) -> impl Strategy<Value = Vec<(usize, f64, f64, f64, bool)>> {
    prop::collection::vec(
        (
            0usize..3,
            -0.2f64..1.2,
            -0.2f64..1.2,
            prop_oneof![Just(0.0), Just(90.0), Just(225.0), 0.0f64..360.0],
            any::<bool>(),
        ),
        n,
    )
}

fn place(
    raw: &[(usize, f64, f64, f64, bool)],
    bbox: [f64; 4],
    origin: [f64; 2],
    cell: f64,
) -> Vec<Site> {
    raw.iter()
        .map(|&(c, u, v, facing, snap)| {
            let mut p = [
                bbox[0] + u * (bbox[2] - bbox[0]),
                bbox[1] + v * (bbox[3] - bbox[1]),
            ];
            if snap {
                for k in 0..2 {
                    let h = ((p[k] - origin[k]) / (cell / 2.0)).round();
                    p[k] = origin[k] + h * (cell / 2.0);
                }
            }
            site(c, p, facing)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Grid demand with a random mask, random sector widths, cell sizes and sites: the
    /// reference, R-tree and raster paths give identical depths and summaries, equal to brute
    /// force on a sample of cells.
    #[test]
    fn paths_agree_on_random_grids(
        sectors in prop::collection::vec(prop_oneof![Just(360.0), 5.0f64..360.0], 3),
        cell in prop_oneof![Just(250.0), Just(1_000.0), 150.0f64..2_500.0],
        nx in 1usize..70, ny in 1usize..70,
        ox in -5_000.0f64..5_000.0, oy in -5_000.0f64..5_000.0,
        density in 0.2f64..1.0,
        mask_seed in any::<u64>(),
        req in prop::collection::vec(1u8..=3, 4),
        raw in arb_sites(0..30),
    ) {
        let cat = catalogue_with_sectors(&sectors);
        let grid = Grid { origin: [ox, oy], cell_m: cell, nx, ny };
        let mut x = mask_seed | 1;
        let mask: Vec<bool> = (0..grid.len()).map(|_| {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            (x % 1024) as f64 / 1024.0 < density
        }).collect();
        let demand = Demand::from_grid(grid, &mask, &req).unwrap();
        let bbox = [grid.x(0), grid.y(0), grid.x(nx - 1), grid.y(ny - 1)];
        let sites = place(&raw, bbox, grid.origin, cell);
        let c = all_paths_agree(&cat, &demand, &sites);
        check_summaries(&cat, &demand, &c);
        for s in (0..demand.len()).step_by(17) {
            for l in 0..cat.layers().len() {
                prop_assert_eq!(c.depth(s, l), brute_depth(&cat, &sites, demand.positions()[s], l));
            }
        }
    }

    /// Scenario demand (random star-shaped zones, assets, a corridor): the paths agree on grid
    /// and point samples alike; the demand index finds exactly the covered samples.
    #[test]
    fn paths_agree_on_random_scenarios(
        sectors in prop::collection::vec(prop_oneof![Just(360.0), 5.0f64..360.0], 3),
        r1 in prop::collection::vec(5_000.0f64..25_000.0, 3..9),
        r2 in prop::collection::vec(3_000.0f64..12_000.0, 3..7),
        cell in 700.0f64..2_500.0,
        assets in prop::collection::vec((-20_000.0f64..20_000.0, -20_000.0f64..20_000.0), 0..6),
        raw in arb_sites(1..25),
    ) {
        let cat = catalogue_with_sectors(&sectors);
        let zones = vec![star([0.0, 0.0], &r1), star([18_000.0, 9_000.0], &r2)];
        let assets: Vec<[f64; 2]> = assets.iter().map(|a| [a.0, a.1]).collect();
        let corridor = [[-20_000.0, -15_000.0], [0.0, -5_000.0], [15_000.0, -12_000.0]];
        let scenario = scenario_from_local(&zones, &assets, Some(&corridor), cell, cat.clone());
        let demand = Demand::from_scenario(&scenario).unwrap();
        prop_assert!(demand.grid_samples() > 0 && demand.point_samples() > 0);
        let g = demand.grid();
        let bbox = scenario.demand_bbox();
        let sites = place(&raw, bbox, g.origin, g.cell_m);
        let c = all_paths_agree(&cat, &demand, &sites);
        check_summaries(&cat, &demand, &c);
        prop_assert_eq!(c.assets().len(), assets.len());
        for a in c.assets() {
            for t in 0..4 {
                let t = skycover::ThreatId(t);
                prop_assert_eq!(a.fails(t), c.fails(a.sample, t));
                prop_assert_eq!(a.fails(t), c.threat(t).unwrap().assets_failing.contains(&a.asset));
            }
        }
        // the demand index: exactly the covered samples, increasing
        let index = DemandIndex::new(&demand);
        for s in &sites {
            for layer in cat.layers() {
                let fp = Footprint::new(&cat, s, layer);
                let want: Vec<u32> = (0..demand.len() as u32)
                    .filter(|&k| fp.covers(demand.positions()[k as usize]))
                    .collect();
                prop_assert_eq!(index.covered_by(&fp), want);
            }
        }
    }

    /// Adding a site never lowers a depth; site order does not matter.
    #[test]
    fn monotone_and_order_free(raw in arb_sites(1..20), extra in arb_sites(1..2), rot in 0usize..20) {
        let cat = catalogue_with_sectors(&[120.0, 360.0, 360.0]);
        let grid = Grid { origin: [-30_000.0, -30_000.0], cell_m: 1_500.0, nx: 41, ny: 41 };
        let demand = Demand::from_grid(grid, &vec![true; grid.len()], &[1, 1, 2, 2]).unwrap();
        let bbox = [-30_000.0, -30_000.0, 30_000.0, 30_000.0];
        let sites = place(&raw, bbox, grid.origin, grid.cell_m);
        let base = Coverage::evaluate(&cat, &demand, &sites).unwrap();
        let mut more = sites.clone();
        more.extend(place(&extra, bbox, grid.origin, grid.cell_m));
        let after = Coverage::evaluate(&cat, &demand, &more).unwrap();
        for (a, b) in base.depths().as_slice().iter().zip(after.depths().as_slice()) {
            prop_assert!(b >= a);
        }
        for (a, b) in base.threats().iter().zip(after.threats()) {
            prop_assert!(b.fraction >= a.fraction && b.score >= a.score);
            prop_assert!(b.gap_cells <= a.gap_cells);
        }
        let mut shuffled = more.clone();
        let k = rot % shuffled.len();
        shuffled.rotate_left(k);
        shuffled.reverse();
        let again = Coverage::evaluate(&cat, &demand, &shuffled).unwrap();
        prop_assert_eq!(again.depths(), after.depths());
        prop_assert_eq!(again.threats(), after.threats());
    }
}

/// A busy scenario: the Kyiv map with 120 mixed sites.
fn kyiv_with_sites(n: usize) -> (Scenario, Vec<Site>) {
    let scenario = Scenario::builtin("kyiv").unwrap();
    let b = scenario.demand_bbox();
    let mut x = 0x9e3779b97f4a7c15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let sites = (0..n)
        .map(|k| {
            let class = [0, 1, 1, 1, 2, 2, 2, 2, 2, 2][k % 10];
            let p = [b[0] + next() * (b[2] - b[0]), b[1] + next() * (b[3] - b[1])];
            site(class, p, next() * 360.0)
        })
        .collect();
    (scenario, sites)
}

#[test]
fn same_result_on_one_and_many_threads() {
    let (scenario, sites) = kyiv_with_sites(120);
    let cat = scenario.catalogue();
    let demand = Demand::with_resolution(&scenario, 500.0).unwrap();
    for path in PATHS {
        let eval = Evaluator::with_path(path);
        let one = common::on_threads(1, || eval.evaluate(cat, &demand, &sites).unwrap());
        let many = common::on_threads(4, || eval.evaluate(cat, &demand, &sites).unwrap());
        assert_eq!(one, many, "{path:?}");
        // bit-identical floating-point summaries, not just close
        for (a, b) in one.threats().iter().zip(many.threats()) {
            assert_eq!(a.score.to_bits(), b.score.to_bits());
            assert_eq!(a.covered_weight.to_bits(), b.covered_weight.to_bits());
        }
        let gaps1 = common::on_threads(1, || GapMap::new(&one, &demand, scenario.frame()).unwrap());
        let gaps4 = GapMap::new(&many, &demand, scenario.frame()).unwrap();
        assert_eq!(gaps1, gaps4);
    }
}

#[test]
fn depth_saturates_at_255() {
    let cat = Catalogue::builtin();
    let grid = Grid {
        origin: [-2_000.0, -2_000.0],
        cell_m: 1_000.0,
        nx: 5,
        ny: 5,
    };
    let mut demand_mask = vec![true; 25];
    demand_mask[7] = false;
    let demand = Demand::from_grid(grid, &demand_mask, &[1; 4]).unwrap();
    let sites: Vec<Site> = (0..300).map(|k| site(2, [k as f64, 0.0], 0.0)).collect();
    let c = all_paths_agree(&cat, &demand, &sites);
    let drone = cat.threat_id("drone").unwrap();
    let l = cat.layers_of(drone).next().unwrap().index;
    assert_eq!(c.depth(demand.sample_of_cell(12).unwrap(), l), 255);
    assert_eq!(c.threat_depth(0, drone), 255);
}

#[test]
fn one_site_gap_area_is_zone_minus_footprint() {
    // a 60 km square zone, one medium-range system (all-round, 20 km against drones) inside
    let sq = vec![
        [-30_000.0, -30_000.0],
        [30_000.0, -30_000.0],
        [30_000.0, 30_000.0],
        [-30_000.0, 30_000.0],
    ];
    for cell in [250.0, 500.0, 1_000.0] {
        let scenario = scenario_from_local(
            std::slice::from_ref(&sq),
            &[],
            None,
            cell,
            Catalogue::builtin(),
        );
        let cat = scenario.catalogue();
        let zone_m2 = scenario.zones()[0].local.unsigned_area();
        let b = scenario.demand_bbox();
        let centre = [(b[0] + b[2]) / 2.0 + 1_234.5, (b[1] + b[3]) / 2.0 - 987.0];
        let sites = vec![site(1, centre, 0.0)];
        let demand = Demand::from_scenario(&scenario).unwrap();
        let c = Coverage::evaluate(cat, &demand, &sites).unwrap();
        let drone = cat.threat_id("drone").unwrap();
        // covered on every drone layer: the intersection of concentric annuli
        let (mut rmax, mut rmin) = (f64::INFINITY, 0.0f64);
        for l in cat.layers_of(drone) {
            let fp = Footprint::new(cat, &sites[0], l);
            rmax = rmax.min(fp.max_ground_range_m());
            rmin = rmin.max(fp.min_ground_range_m());
        }
        let covered_m2 = std::f64::consts::PI * (rmax * rmax - rmin * rmin);
        let expect_km2 = (zone_m2 - covered_m2) / 1e6;
        let got = c.threat(drone).unwrap().gap_area_km2;
        let cell_km2 = cell * cell / 1e6;
        let perimeter = 4.0 * zone_m2.sqrt() + std::f64::consts::TAU * (rmax + rmin);
        let boundary_cells = std::f64::consts::SQRT_2 * perimeter / cell + 12.0;
        assert!(
            (got - expect_km2).abs() <= boundary_cells * cell_km2,
            "cell {cell}: gap {got} km² vs {expect_km2} km² (tolerance {} km²)",
            boundary_cells * cell_km2
        );
        // and in practice much closer than the bound: the errors cancel along the boundary
        assert!((got - expect_km2).abs() <= 0.1 * boundary_cells * cell_km2);
        // the gap polygons: valid, one polygon with the footprint as a hole (plus the dead
        // zone as an island), area = cell count × cell area
        let gaps = GapMap::new(&c, &demand, scenario.frame()).unwrap();
        let g = gaps.threat(drone).unwrap();
        assert_eq!(g.area_km2, got);
        assert!(g.local.is_valid(), "{:?}", g.local.validation_errors());
        assert!(g.lonlat.is_valid());
        assert!((g.local.unsigned_area() / 1e6 - got).abs() < 1e-6 * got);
        assert_eq!(g.local.0.len(), 2, "zone with a hole, and the dead zone");
        assert_eq!(g.local.0[0].interiors().len(), 1);
        // the lon/lat polygon lies around the scenario's frame centre
        let (lon0, lat0) = (scenario.frame().lon0(), scenario.frame().lat0());
        for p in &g.lonlat.0 {
            for q in p.exterior().coords() {
                assert!((q.x - lon0).abs() < 1.0 && (q.y - lat0).abs() < 1.0);
            }
        }
    }
}

#[test]
fn kyiv_sanity() {
    let scenario = Scenario::builtin("kyiv").unwrap();
    let cat = scenario.catalogue();
    // no sites: nothing covered, every cell a gap, every asset failing
    let (demand, none) = {
        let mut s = scenario.clone();
        s.set_sites(vec![]).unwrap();
        Coverage::of_scenario(&s).unwrap()
    };
    let zone_cells = demand.grid_samples() as f64 * demand.grid().cell_area_km2();
    for t in none.threats() {
        assert_eq!(t.fraction, 0.0);
        assert_eq!(t.score, 0.0);
        assert!((t.gap_area_km2 - zone_cells).abs() < 1e-6);
        assert_eq!(t.assets_failing.len(), scenario.assets().len());
    }
    assert_eq!(none.overall().fraction, 0.0);
    // many mixed sites: substantial coverage, asset status consistent with the depths
    let (_, sites) = kyiv_with_sites(120);
    let c = all_paths_agree(cat, &demand, &sites);
    check_summaries(cat, &demand, &c);
    assert!(c.overall().fraction > 0.3, "{:?}", c.overall());
    let aircraft = cat.threat_id("aircraft").unwrap();
    assert!(c.threat(aircraft).unwrap().fraction > 0.9);
    assert_eq!(c.assets().len(), scenario.assets().len());
    for a in c.assets() {
        for l in cat.layers() {
            let d = brute_depth(cat, &sites, demand.positions()[a.sample], l.index);
            assert_eq!(
                a.failing_layers.contains(&l.index),
                d < a.required[l.threat.0]
            );
        }
    }
    let gaps = GapMap::new(&c, &demand, scenario.frame()).unwrap();
    for (g, t) in gaps.threats().iter().zip(c.threats()) {
        assert_eq!(g.cells, t.gap_cells);
        assert!(g.local.is_valid(), "{:?}", g.local.validation_errors());
        let area = g.local.unsigned_area() / 1e6;
        assert!((area - t.gap_area_km2).abs() <= 1e-6 * t.gap_area_km2.max(1.0));
    }
}

#[test]
fn invalid_input_is_typed() {
    let cat = Catalogue::builtin();
    let demand = Demand::from_points(vec![[0.0, 0.0]], vec![1.0], vec![1; 4], 4).unwrap();
    let bad = [
        site(0, [f64::NAN, 0.0], 0.0),
        site(0, [0.0, f64::INFINITY], 0.0),
        site(0, [0.0, 0.0], f64::NAN),
        site(99, [0.0, 0.0], 0.0),
    ];
    for s in bad {
        for path in PATHS {
            let e = Evaluator::with_path(path)
                .evaluate(&cat, &demand, &[site(1, [0.0; 2], 0.0), s.clone()])
                .unwrap_err();
            assert!(
                matches!(&e, Error::InvalidInput { what, .. } if what == "site 1"),
                "{e:?}"
            );
        }
    }
    assert!(skycover::index::FootprintIndex::new(&cat, &[site(99, [0.0; 2], 0.0)]).is_err());
    let layer = &cat.layers()[0];
    assert!(
        skycover::index::SiteFootprint::new(&cat, &site(0, [f64::NAN, 0.0], 0.0), 0, layer)
            .is_err()
    );
    let three = Demand::from_points(vec![[0.0, 0.0]], vec![1.0], vec![1; 3], 3).unwrap();
    assert!(matches!(
        Coverage::evaluate(&cat, &three, &[]),
        Err(Error::InvalidInput { .. })
    ));
    // empty inputs are fine
    let c = Coverage::evaluate(&cat, &demand, &[]).unwrap();
    assert_eq!(c.depths().as_slice(), &[0; 9]);
    let empty = Demand::from_points(vec![], vec![], vec![], 4).unwrap();
    let c = Coverage::evaluate(&cat, &empty, &[site(0, [0.0; 2], 0.0)]).unwrap();
    assert_eq!(c.overall().fraction, 1.0);
    assert_eq!(c.samples(), 0);
}
