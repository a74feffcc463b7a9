//! Placement: heuristics against brute-force optima on small instances, bounds, constraints on
//! scenario plans, determinism across thread counts, the generic covering API.

mod common;
use common::problems::{brute_force, random_sets, with_depths, Lcg};
use proptest::prelude::*;
use skycover::placement::{
    covering, Algorithm, CoverageMatrix, CoveringProblem, Planner, SolveOptions, SupportRule,
};
use skycover::{Catalogue, Error, Footprint, Scenario, Site};
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// random small instances

#[derive(Debug, Clone, Copy)]
struct Variant {
    groups: bool,
    budget: bool,
    conflicts: bool,
    support: bool,
    depth: bool,
    initial: bool,
}

fn random_problem(seed: u64, v: Variant) -> CoveringProblem {
    let mut r = Lcg(seed ^ 0x9E37_79B9_7F4A_7C15);
    let n_units = 8 + r.below(20) as usize;
    let n_cand = 4 + r.below(9) as usize; // ≤ 12
    let (weights, sets) = random_sets(&mut r, n_units, n_cand, 6);
    let m = CoverageMatrix::from_sets(weights, &sets).unwrap();
    let m = with_depths(m, &mut r, v.depth, v.initial);
    let p_total = 1 + r.below(4) as usize;
    let mut p = CoveringProblem::new(m, p_total);
    if v.groups {
        let groups = (0..n_cand).map(|_| r.below(2) as usize).collect();
        let caps = vec![1 + r.below(3) as u32, 1 + r.below(3) as u32];
        p = p.with_groups(groups, caps).unwrap();
    }
    if v.budget {
        let costs: Vec<f64> = (0..n_cand).map(|_| 1.0 + r.below(5) as f64).collect();
        let budget = 2.0 + r.below(8) as f64;
        p = p.with_costs(costs, Some(budget)).unwrap();
    }
    if v.conflicts {
        let pairs: Vec<(usize, usize)> = (0..r.below(6))
            .map(|_| {
                (
                    r.below(n_cand as u64) as usize,
                    r.below(n_cand as u64) as usize,
                )
            })
            .filter(|(a, b)| a != b)
            .collect();
        p = p.with_conflicts(pairs).unwrap();
    }
    if v.support {
        // candidate 0 (and maybe 1) need support from a few others
        let mut rules = Vec::new();
        for prot in 0..1 + r.below(2) as usize {
            let protectors: Vec<usize> = (0..1 + r.below(3))
                .map(|_| r.below(n_cand as u64) as usize)
                .filter(|&q| q > 1)
                .collect();
            if protectors.is_empty() {
                continue;
            }
            rules.push(SupportRule {
                protected: Some(prot),
                protectors,
                need: 1,
                label: format!("candidate {prot}"),
            });
        }
        p = p.with_support_rules(rules).unwrap();
    }
    p
}

fn opts(algorithm: Algorithm, seed: u64) -> SolveOptions {
    SolveOptions {
        algorithm,
        time_limit: Duration::from_secs(20),
        seed,
        ..SolveOptions::default()
    }
}

const TOL: f64 = 1e-9;

fn variant_from(bits: u8) -> Variant {
    Variant {
        groups: bits & 1 != 0,
        budget: bits & 2 != 0,
        conflicts: bits & 4 != 0,
        support: bits & 8 != 0,
        depth: bits & 16 != 0,
        initial: bits & 32 != 0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// MILP = brute force; local search ≥ greedy; bound ≥ optimum; every plan feasible.
    #[test]
    fn algorithms_against_brute_force(seed in 0u64..1_000_000, bits in 0u8..64) {
        let p = random_problem(seed, variant_from(bits));
        let (opt, _) = brute_force(&p);
        let g = covering::solve(&p, &opts(Algorithm::Greedy, seed)).unwrap();
        let ls = covering::solve(&p, &opts(Algorithm::GreedyLocalSearch, seed)).unwrap();
        let milp = covering::solve(&p, &opts(Algorithm::Milp, seed)).unwrap();
        for s in [&g, &ls, &milp] {
            prop_assert!(p.check(&s.chosen).is_ok(), "{:?} infeasible", s.algorithm);
            prop_assert!((p.evaluate(&s.chosen) - s.objective).abs() < TOL);
            prop_assert!(s.objective <= opt + TOL);
            prop_assert!(s.upper_bound >= opt - TOL * opt.max(1.0),
                "{:?}: bound {} < optimum {}", s.algorithm, s.upper_bound, opt);
        }
        prop_assert!(ls.objective >= g.objective - TOL);
        prop_assert!(milp.proven_optimal);
        prop_assert!((milp.objective - opt).abs() < 1e-7 * opt.max(1.0),
            "milp {} vs brute force {}", milp.objective, opt);
        // a proof is accepted when the plan meets the solver's bound within 1e-6 relative,
        // i.e. a gap of at most 1e-4 %
        prop_assert!(milp.gap_percent <= 1e-4 * (1.0 + 1e-9), "gap {}", milp.gap_percent);
    }

    /// Under a single cardinality constraint greedy is within (1 − 1/e) of the optimum.
    #[test]
    fn greedy_approximation_ratio(seed in 0u64..1_000_000, depth in any::<bool>(), initial in any::<bool>()) {
        let v = Variant { groups: false, budget: false, conflicts: false, support: false, depth, initial };
        let p = random_problem(seed, v);
        let (opt, _) = brute_force(&p);
        let g = covering::solve(&p, &opts(Algorithm::Greedy, 0)).unwrap();
        prop_assert!(g.objective >= (1.0 - (-1.0f64).exp()) * opt - TOL,
            "greedy {} optimum {}", g.objective, opt);
    }

    /// Set covering: the MILP cover is a cheapest cover of everything coverable.
    #[test]
    fn set_covering_is_minimal(seed in 0u64..1_000_000) {
        let mut r = Lcg(seed);
        let n_units = 5 + r.below(12) as usize;
        let n_cand = 3 + r.below(8) as usize;
        let sets: Vec<Vec<usize>> = (0..n_cand)
            .map(|_| (0..1 + r.below(5)).map(|_| r.below(n_units as u64) as usize).collect())
            .collect();
        let costs: Vec<f64> = (0..n_cand).map(|_| 1.0 + r.below(4) as f64).collect();
        let m = CoverageMatrix::from_sets(vec![1.0; n_units], &sets).unwrap();
        let coverable: Vec<bool> = (0..n_units).map(|u| sets.iter().any(|s| s.contains(&u))).collect();
        let mut best = f64::INFINITY;
        for mask in 0u32..(1 << n_cand) {
            let ok = (0..n_units).all(|u| !coverable[u]
                || (0..n_cand).any(|c| mask & (1 << c) != 0 && sets[c].contains(&u)));
            if ok {
                let cost: f64 = (0..n_cand).filter(|&c| mask & (1 << c) != 0).map(|c| costs[c]).sum();
                best = best.min(cost);
            }
        }
        let greedy = covering::set_covering(&m, Some(&costs), &opts(Algorithm::Greedy, 0)).unwrap();
        let exact = covering::set_covering(&m, Some(&costs), &opts(Algorithm::Best, 0)).unwrap();
        let uncoverable: Vec<usize> = (0..n_units).filter(|&u| !coverable[u]).collect();
        for s in [&greedy, &exact] {
            prop_assert_eq!(&s.uncoverable, &uncoverable);
            for (u, _) in coverable.iter().enumerate().filter(|(_, &c)| c) {
                prop_assert!(s.chosen.iter().any(|&c| sets[c].contains(&u)));
            }
        }
        prop_assert!(exact.proven_optimal);
        prop_assert!((exact.cost - best).abs() < 1e-9, "{} vs {}", exact.cost, best);
        prop_assert!(greedy.cost >= exact.cost - 1e-9);
    }
}

#[test]
fn k_coverage_and_mclp_examples() {
    // two units; candidates: {0,1}, {0}, {1}; p = 2
    let m = CoverageMatrix::from_sets(vec![1.0, 3.0], &[vec![0, 1], vec![0], vec![1]]).unwrap();
    let s = covering::maximal_covering(&m, 1, &SolveOptions::default()).unwrap();
    assert_eq!(s.chosen, vec![0]);
    assert_eq!(s.objective, 4.0);
    // with k = 2 two candidates covering the heavy unit twice is best: {0, 2}
    let s = covering::k_coverage(&m, 2, 2, &opts(Algorithm::Best, 0)).unwrap();
    assert_eq!(s.chosen, vec![0, 2]);
    assert!((s.objective - (0.5 + 3.0)).abs() < 1e-12);
    assert!(covering::k_coverage(&m, 2, 0, &SolveOptions::default()).is_err());
}

#[test]
fn milp_time_limit_never_worse_than_warm_start() {
    // a medium random instance that microlp cannot close in a few milliseconds
    let mut r = Lcg(99);
    let n_units = 400;
    let sets: Vec<Vec<usize>> = (0..120)
        .map(|_| {
            (0..25)
                .map(|_| r.below(n_units))
                .map(|u| u as usize)
                .collect()
        })
        .collect();
    let weights = (0..n_units).map(|_| 1.0 + r.below(9) as f64).collect();
    let m = CoverageMatrix::from_sets(weights, &sets).unwrap();
    let p = CoveringProblem::new(m, 10);
    let heur = covering::solve(&p, &opts(Algorithm::GreedyLocalSearch, 1)).unwrap();
    let quick = SolveOptions {
        algorithm: Algorithm::Milp,
        time_limit: Duration::from_millis(30),
        seed: 1,
        ..SolveOptions::default()
    };
    let s = covering::solve(&p, &quick).unwrap();
    // the 30 ms limit may cut the local search before the MILP on a loaded machine: then the
    // solution says so, and the MILP still never loses its warm start (greedy or better)
    let cut = s
        .diagnostics
        .iter()
        .any(|d| d.code == skycover::diagnostic::codes::PLACEMENT_LOCAL_SEARCH_TIME_LIMIT);
    let greedy = covering::solve(&p, &opts(Algorithm::Greedy, 1)).unwrap();
    let floor = if cut {
        greedy.objective
    } else {
        heur.objective
    };
    assert!(
        s.objective >= floor - TOL,
        "{} < {floor} (cut: {cut})",
        s.objective
    );
    assert!(s.upper_bound >= s.objective);
    assert!(p.check(&s.chosen).is_ok());
}

#[test]
fn microlp_refuses_large_models() {
    let n = skycover::placement::MICROLP_MAX_VARIABLES + 10;
    let sets: Vec<Vec<usize>> = (0..n).map(|c| vec![c, (c + 1) % n]).collect();
    let m = CoverageMatrix::from_sets(vec![1.0; n], &sets).unwrap();
    let p = CoveringProblem::new(m, 5);
    // the online bound only: the Lagrangian (with its dual ascent) closes this ring's gap,
    // and a closed gap needs no MILP
    let best = covering::solve(
        &p,
        &SolveOptions {
            bound_iterations: 0,
            ..opts(Algorithm::Best, 0)
        },
    );
    if cfg!(feature = "highs") {
        assert!(best.is_ok());
        return;
    }
    let best = best.unwrap();
    assert!(
        best.diagnostics
            .iter()
            .any(|d| d.code == skycover::diagnostic::codes::PLACEMENT_MILP_SKIPPED),
        "{:?}",
        best.diagnostics
    );
    assert!(matches!(
        covering::solve(&p, &opts(Algorithm::Milp, 0)),
        Err(Error::ResourceLimit { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// scenarios

/// Kyiv on flat ground (these tests check the flat matrix against the flat reference; the
/// terrain-aware paths are tested in `placement_terrain.rs` and `scenario_terrain.rs`).
fn coarse_kyiv() -> Scenario {
    let mut s = Scenario::builtin("kyiv").unwrap().without_terrain();
    s.settings_mut().grid_resolution_m = 3_000.0;
    s.settings_mut().candidate_spacing_m = 8_000.0;
    s
}

/// A scenario exercising every constraint: budget, exclusion, contact line keep-out, a fixed
/// site, mutual support, sector facings.
fn constrained_scenario(budget: f64, cuas: u32) -> Scenario {
    constrained_scenario_with(budget, cuas, r#""class_spacing_m":{"counter_uas":2500},"#)
}

fn constrained_scenario_with(budget: f64, cuas: u32, extra: &str) -> Scenario {
    let text = format!(
        r#"{{"type":"FeatureCollection",
"skycover":{{"name":"constrained","grid_resolution_m":2500,"candidate_spacing_m":5000,{extra}
 "min_site_spacing_m":2000,"threat_axis_deg":90,"extra_facings_deg":[45],"budget":{budget},
 "inventory":{{"patriot_class":{{"count":1}},"medium_range":{{"count":2}},"counter_uas":{{"count":{cuas}}}}},
 "mutual_support":{{"protected_classes":["patriot_class","medium_range"],"by_class":"counter_uas","threat":"drone","min_depth":1}}}},
"features":[
{{"type":"Feature","id":"z","properties":{{"kind":"zone","priority":1}},"geometry":{{"type":"Polygon","coordinates":[[[30.0,50.0],[30.6,50.0],[30.6,50.35],[30.0,50.35],[30.0,50.0]]]}}}},
{{"type":"Feature","id":"x","properties":{{"kind":"exclusion"}},"geometry":{{"type":"Polygon","coordinates":[[[30.2,50.1],[30.35,50.1],[30.35,50.22],[30.2,50.22],[30.2,50.1]]]}}}},
{{"type":"Feature","id":"front","properties":{{"kind":"contact_line","keep_out_m":8000}},"geometry":{{"type":"LineString","coordinates":[[30.62,49.95],[30.62,50.4]]}}}},
{{"type":"Feature","id":"a","properties":{{"kind":"asset","value":4,"required_depth":{{"drone":2}}}},"geometry":{{"type":"Point","coordinates":[30.3,50.3]}}}},
{{"type":"Feature","id":"m0","properties":{{"kind":"site","class":"medium_range"}},"geometry":{{"type":"Point","coordinates":[30.1,50.05]}}}}
]}}"#
    );
    Scenario::from_geojson_str(&text, Catalogue::builtin()).unwrap()
}

fn check_plan_constraints(s: &Scenario, plan: &skycover::Plan) {
    use geo::{Contains, Distance, Euclidean, Point};
    let cat = s.catalogue();
    // inventory
    for item in s.inventory() {
        let placed = plan
            .sites
            .iter()
            .filter(|x| !x.fixed && x.class == item.class)
            .count() as u32;
        assert!(placed <= item.count, "class {:?}", item.class);
    }
    // fixed sites kept
    for f in s.sites().iter().filter(|x| x.fixed) {
        assert!(plan
            .sites
            .iter()
            .any(|x| x.fixed && x.position == f.position));
    }
    // budget
    if let Some(b) = s.budget() {
        let cost: f64 = plan
            .sites
            .iter()
            .filter(|x| !x.fixed)
            .map(|x| s.inventory_of(x.class).unwrap().unit_cost)
            .sum();
        assert!(cost <= b + 1e-9, "cost {cost} > budget {b}");
        assert!((cost - plan.cost).abs() < 1e-9);
    }
    // spacing (fixed included)
    let any = s.settings().min_site_spacing_m;
    for (i, a) in plan.sites.iter().enumerate() {
        for b in &plan.sites[i + 1..] {
            let need = if a.class == b.class {
                cat.try_class(a.class, "class")
                    .unwrap()
                    .min_spacing_m
                    .max(any)
            } else {
                any
            };
            let d = (a.position[0] - b.position[0]).hypot(a.position[1] - b.position[1]);
            assert!(d >= need - 1e-6, "{:?} and {:?}: {d} < {need}", a.id, b.id);
        }
    }
    // exclusions and keep-out for placed sites
    for x in plan.sites.iter().filter(|x| !x.fixed) {
        let pt = Point::new(x.position[0], x.position[1]);
        assert!(!s.exclusions().iter().any(|e| e.local.contains(&pt)));
        for l in s.contact_lines() {
            assert!(Euclidean.distance(&pt, &l.local) >= l.keep_out_m);
        }
    }
    // mutual support
    if let Some(ms) = s.mutual_support() {
        let layers: Vec<_> = cat.layers_of(ms.threat).collect();
        for p in plan
            .sites
            .iter()
            .filter(|x| ms.protected.contains(&x.class))
        {
            let n = plan
                .sites
                .iter()
                .filter(|q| q.class == ms.by_class)
                .filter(|q| {
                    layers
                        .iter()
                        .all(|l| Footprint::new(cat, q, l).covers(p.position))
                })
                .count();
            assert!(n >= ms.min_depth as usize, "{:?} unsupported", p.id);
        }
    }
}

#[test]
fn plans_respect_every_constraint() {
    let s = constrained_scenario(900.0, 6);
    for alg in [Algorithm::Greedy, Algorithm::GreedyLocalSearch] {
        let plan = Planner::new(&s).algorithm(alg).seed(3).plan().unwrap();
        check_plan_constraints(&s, &plan);
        assert!(plan.objective >= plan.objective_before);
        assert!(plan.upper_bound >= plan.objective);
        // protected sites are placed, each with counter-UAS next to it (checked above)
        let count = |id: &str| {
            plan.class_counts
                .iter()
                .find(|c| c.class == id)
                .unwrap()
                .placed
        };
        assert!(count("medium_range") >= 1, "{:?}", plan.class_counts);
        assert!(count("counter_uas") >= 2, "{:?}", plan.class_counts);
        assert!(plan.cost <= 900.0);
    }
    // tight budget: 400 (patriot) + 20 (one counter-UAS) + ... still feasible
    let s = constrained_scenario(430.0, 6);
    let plan = Planner::new(&s).plan().unwrap();
    check_plan_constraints(&s, &plan);
}

#[test]
fn unreachable_support_is_noted() {
    // counter-UAS on the same 5 km grid, 2 km apart at least, reach 4 km: no protected site
    // can be supported, so none is placed, and the plan says why
    let s = constrained_scenario_with(900.0, 6, "");
    let plan = Planner::new(&s).plan().unwrap();
    check_plan_constraints(&s, &plan);
    assert!(plan.sites.iter().all(|x| x.fixed || x.class.0 == 2));
    assert!(
        plan.diagnostics
            .iter()
            .any(|d| d.code == skycover::diagnostic::codes::PLACEMENT_SUPPORT_UNREACHABLE),
        "{:?}",
        plan.diagnostics
    );
}

#[test]
fn infeasible_support_is_a_typed_error() {
    // the fixed medium-range site needs counter-UAS support, but there is none to place
    let s = constrained_scenario(2_000.0, 0);
    let e = Planner::new(&s).plan().unwrap_err();
    assert!(matches!(e, Error::Infeasible { .. }), "{e:?}");
    assert!(e.to_string().contains("m0"), "{e}");
    // or the budget cannot pay for it
    let s = constrained_scenario(10.0, 4);
    let e = Planner::new(&s).plan().unwrap_err();
    assert!(matches!(e, Error::Infeasible { .. }), "{e:?}");
}

#[test]
fn resource_limits_are_checked() {
    let mut s = coarse_kyiv();
    s.settings_mut().limits.max_candidates = 50;
    assert!(matches!(
        Planner::new(&s).model(),
        Err(Error::ResourceLimit { what, .. }) if what.contains("candidates")
    ));
    let mut s = coarse_kyiv();
    s.settings_mut().limits.max_matrix_nonzeros = 10_000;
    assert!(matches!(
        Planner::new(&s).model(),
        Err(Error::ResourceLimit { what, .. }) if what.contains("non-zeros")
    ));
}

#[test]
fn scenario_matrix_matches_reference() {
    let s = coarse_kyiv();
    let model = Planner::new(&s).model().unwrap();
    let cat = s.catalogue();
    let m = model.problem.matrix();
    let pos = model.demand.positions();
    let lay = model.layout;
    // every 7th candidate against a plain scan of every sample and layer
    for c in (0..model.candidates.len()).step_by(7) {
        let site: &Site = &model.candidates[c].site;
        let mut want = Vec::new();
        for layer in cat.layers() {
            let fp = Footprint::new(cat, site, layer);
            for (smp, p) in pos.iter().enumerate() {
                if fp.covers(*p) {
                    want.push(lay.unit(layer.index, smp) as u32);
                }
            }
        }
        assert_eq!(m.try_units_of(c).unwrap(), &want[..], "candidate {c}");
    }
    // weights are sample weight × layer weight
    let l = &cat.layers()[1];
    let u = lay.unit(l.index, 5);
    assert!((m.weights()[u] - model.demand.weights()[5] * cat.layer_weight(l)).abs() < 1e-12);
}

#[test]
fn same_seed_same_plan_on_one_and_many_threads() {
    let s = coarse_kyiv();
    let run = |threads: usize| {
        common::on_threads(threads, || {
            Planner::new(&s)
                .algorithm(Algorithm::GreedyLocalSearch)
                .seed(11)
                .bound_iterations(50)
                .plan()
                .unwrap()
        })
    };
    let a = run(1);
    let b = run(4);
    assert_eq!(a.sites, b.sites);
    assert_eq!(a.objective, b.objective);
    assert_eq!(a.upper_bound, b.upper_bound);
    assert!(a.objective > a.objective_before);
}

#[test]
fn kyiv_defaults_plan() {
    let s = coarse_kyiv();
    let plan = Planner::new(&s).plan().unwrap();
    assert_eq!(plan.algorithm, Algorithm::GreedyLocalSearch);
    let placed = plan.sites.iter().filter(|x| !x.fixed).count();
    assert!(placed > 0 && placed <= 24);
    assert!(plan.objective_fraction > 0.0 && plan.objective_fraction <= 1.0);
    assert!(
        plan.gap_percent >= 0.0 && plan.gap_percent < 25.0,
        "{}",
        plan.gap_percent
    );
    for (b, a) in plan.coverage_before.iter().zip(&plan.coverage_after) {
        assert_eq!(a.threat, b.threat);
        assert!(a.score >= b.score && a.covered_fraction >= b.covered_fraction);
    }
    // the plan serialises
    let json = serde_json::to_string(&plan).unwrap();
    assert!(json.contains("\"gap_percent\""));
}

// ---------------------------------------------------------------------------------------------
// issue 15 item 3: the default planner within 0.2 % of the optimum on small instances

/// A small clustered instance (larger than [`random_problem`]'s, up to 16 candidates) with the
/// side constraints of `bits`.
fn clustered_problem(seed: u64, bits: u8) -> CoveringProblem {
    let mut r = Lcg(seed ^ 0xC1A5_7E4D);
    let n_units = 40 + r.below(40) as usize;
    let n_cand = 12 + r.below(5) as usize; // ≤ 16
                                           // units and candidates on a line of 100 positions; a candidate covers units within 12
    let upos: Vec<i64> = (0..n_units).map(|_| r.below(100) as i64).collect();
    let cpos: Vec<i64> = (0..n_cand).map(|_| r.below(100) as i64).collect();
    let weights: Vec<f64> = (0..n_units).map(|_| 1.0 + r.below(9) as f64).collect();
    let sets: Vec<Vec<usize>> = cpos
        .iter()
        .map(|&c| {
            (0..n_units)
                .filter(|&u| (upos[u] - c).abs() <= 12)
                .collect()
        })
        .collect();
    let mut m = CoverageMatrix::from_sets(weights, &sets).unwrap();
    let v = variant_from(bits);
    if v.depth {
        let req = (0..n_units).map(|_| 1 + r.below(2) as u8).collect();
        m = m.with_required_depth(req).unwrap();
    }
    let mut p = CoveringProblem::new(m, 3 + r.below(3) as usize);
    if v.groups {
        let groups = (0..n_cand).map(|_| r.below(2) as usize).collect();
        p = p
            .with_groups(groups, vec![1 + r.below(3) as u32, 1 + r.below(3) as u32])
            .unwrap();
    }
    if v.budget {
        let costs: Vec<f64> = (0..n_cand).map(|_| 1.0 + r.below(4) as f64).collect();
        p = p.with_costs(costs, Some(4.0 + r.below(6) as f64)).unwrap();
    }
    if v.conflicts {
        let pairs: Vec<(usize, usize)> = (0..n_cand)
            .flat_map(|a| (a + 1..n_cand).map(move |b| (a, b)))
            .filter(|&(a, b)| (cpos[a] - cpos[b]).abs() <= 3)
            .collect();
        p = p.with_conflicts(pairs).unwrap();
    }
    p
}

/// Issue 15 item 3: on 96 small instances (12 to 16 candidates, with groups, budgets,
/// spacing conflicts and depth requirements mixed in), the default planner is within 0.2 % of
/// the brute-force optimum on every one.
#[test]
fn default_within_0_2_percent_of_the_optimum() {
    let mut worst: f64 = 0.0;
    let mut below = 0;
    for seed in 0..96u64 {
        let bits = (seed % 32) as u8 & !8; // no support rules here (covered elsewhere)
        let p = clustered_problem(seed, bits);
        let (opt, _) = brute_force(&p);
        let s = covering::solve(&p, &SolveOptions::default()).unwrap();
        assert!(p.check(&s.chosen).is_ok());
        assert!(s.objective <= opt + TOL);
        let gap = if opt > 0.0 {
            100.0 * (opt - s.objective) / opt
        } else {
            0.0
        };
        if gap > 1e-9 {
            below += 1;
        }
        worst = worst.max(gap);
        assert!(
            gap <= 0.2,
            "seed {seed} bits {bits}: default {} vs optimum {opt} ({gap:.3} % below)",
            s.objective
        );
    }
    eprintln!("default planner: {below} of 96 instances below the optimum, worst {worst:.3} %");
}

// ---------------------------------------------------------------------------------------------
// issue 15 item 5: set covering

/// Unit-cost set covering: the default (greedy, Lagrangian bound, row-weighting local search)
/// finds the brute-force optimum of small instances, with a valid lower bound.
#[test]
fn default_set_covering_matches_brute_force() {
    for seed in 0..64u64 {
        let mut r = Lcg(seed ^ 0x5E7C);
        let n_units = 20 + r.below(30) as usize;
        let n_cand = 8 + r.below(9) as usize; // ≤ 16
        let sets: Vec<Vec<usize>> = (0..n_cand)
            .map(|_| {
                (0..2 + r.below(8))
                    .map(|_| r.below(n_units as u64) as usize)
                    .collect()
            })
            .collect();
        let m = CoverageMatrix::from_sets(vec![1.0; n_units], &sets).unwrap();
        let coverable: Vec<bool> = (0..n_units)
            .map(|u| sets.iter().any(|s| s.contains(&u)))
            .collect();
        let mut best = usize::MAX;
        for mask in 0u32..(1 << n_cand) {
            let ok = (0..n_units).all(|u| {
                !coverable[u] || (0..n_cand).any(|c| mask & (1 << c) != 0 && sets[c].contains(&u))
            });
            if ok {
                best = best.min(mask.count_ones() as usize);
            }
        }
        let s = covering::set_covering(&m, None, &SolveOptions::default()).unwrap();
        for u in (0..n_units).filter(|&u| coverable[u]) {
            assert!(s.chosen.iter().any(|&c| sets[c].contains(&u)));
        }
        assert_eq!(s.chosen.len(), best, "seed {seed}");
        assert!(s.lower_bound <= best as f64 + 1e-9);
        if s.proven_optimal {
            assert_eq!(s.lower_bound, s.cost);
        }
    }
}

fn shared_bench(name: &str) -> Option<std::path::PathBuf> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let found = ["../shared/bench", "../../shared/bench"]
        .iter()
        .map(|d| root.join(d).join(name))
        .find(|p| p.exists());
    if found.is_none() {
        eprintln!("{name}: not in ../shared/bench, skipped");
    }
    found
}

/// Issue 15 item 5 on the reference instance (optima 99, 178 and 361 at 20, 15 and 10 km):
/// the default set covering is within 1 % of the optimum (rounded up to a whole site) with a
/// lower bound that does not exceed it. The time it takes is measured in `benches/placement.rs`.
#[test]
fn reference_set_cover_within_one_percent() {
    let Some(path) = shared_bench("setcover_5k_800.json") else {
        return;
    };
    let r = skycover::placement::synthetic::ReferenceInstance::load(&path).unwrap();
    for (radius, optimum) in [(20.0, 99.0f64), (15.0, 178.0), (10.0, 361.0)] {
        let mut inst = r.instance.clone();
        inst.radius_m = radius;
        let m = inst.matrix().unwrap();
        let s = covering::set_covering(&m, None, &SolveOptions::default()).unwrap();
        assert!(s.cost >= optimum);
        assert!(
            s.cost <= (optimum * 1.01).ceil(),
            "r = {radius} km: {} vs optimum {optimum}",
            s.cost
        );
        assert!(s.lower_bound <= optimum && s.lower_bound > 0.0);
    }
}

/// The set-covering time limit holds (±1 s) however many local-search steps are asked for,
/// and the cut is reported.
#[test]
fn set_covering_time_limit_holds() {
    let inst = skycover::placement::synthetic::SyntheticInstance::clustered(
        20_000, 2_000, 300_000.0, 20_000.0, 5,
    );
    let m = inst.matrix().unwrap();
    let limit = Duration::from_millis(300);
    let t = std::time::Instant::now();
    let s = covering::set_covering(
        &m,
        None,
        &SolveOptions {
            time_limit: limit,
            perturbations: u32::MAX,
            bound_iterations: u32::MAX,
            ..SolveOptions::default()
        },
    )
    .unwrap();
    assert!(
        t.elapsed() <= limit + Duration::from_secs(1),
        "{:?}",
        t.elapsed()
    );
    assert!(s.lower_bound <= s.cost);
    assert!(s
        .diagnostics
        .iter()
        .any(|d| d.code == skycover::diagnostic::codes::PLACEMENT_COVER_TIME_LIMIT));
}

/// Issue 15 item 3: the default planner reaches ≥ 38 400 on the reference `mclp_10k_1k`
/// (optimum 38 417) for seeds 0, 1 and 2, and the plan of a seed is the same on one and two
/// threads. The time it takes is measured in `benches/placement.rs`.
#[test]
fn reference_mclp_default_reaches_38_400_deterministically() {
    let Some(path) = shared_bench("mclp_10k_1k.json") else {
        return;
    };
    let r = skycover::placement::synthetic::ReferenceInstance::load(&path).unwrap();
    let p = CoveringProblem::new(r.instance.matrix().unwrap(), r.p.unwrap_or(30));
    let solve = |seed: u64, threads: usize| {
        common::on_threads(threads, || {
            covering::solve(
                &p,
                &SolveOptions {
                    seed,
                    ..SolveOptions::default()
                },
            )
            .unwrap()
        })
    };
    for seed in [0, 1, 2] {
        let a = solve(seed, 2);
        assert!(a.objective >= 38_400.0, "seed {seed}: {}", a.objective);
        assert!(a.objective <= 38_417.0 + 1e-9);
        assert_eq!(a.objective, p.evaluate(&a.chosen));
        if seed == 0 {
            let b = solve(seed, 1);
            assert_eq!(a.chosen, b.chosen);
            assert_eq!(a.objective, b.objective);
        }
    }
}

/// The default search's plan does not depend on the thread count (one group, no side
/// constraints: the vectorised swap scan), and never loses to greedy.
#[test]
fn synthetic_default_same_plan_on_one_and_two_threads() {
    let inst = skycover::placement::synthetic::SyntheticInstance::clustered(
        3_000, 300, 200_000.0, 15_000.0, 9,
    );
    let p = CoveringProblem::new(inst.matrix().unwrap(), 15);
    let run = |threads: usize| {
        common::on_threads(threads, || {
            covering::solve(
                &p,
                &SolveOptions {
                    seed: 5,
                    bound_iterations: 50,
                    ..SolveOptions::default()
                },
            )
            .unwrap()
        })
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a.chosen, b.chosen);
    let g = covering::solve(&p, &opts(Algorithm::Greedy, 5)).unwrap();
    assert!(a.objective >= g.objective);
}

/// A model too large for the fast local search's tables (candidates × sites > 2^25) still gets
/// a local search, the plain one, and the plan says so.
#[test]
fn plain_local_search_is_noted() {
    let n = 34_000;
    // candidate c covers unit c (weight 1 + c % 5) and unit c + 1
    let weights: Vec<f64> = (0..=n).map(|u| 1.0 + (u % 5) as f64).collect();
    let sets: Vec<Vec<usize>> = (0..n).map(|c| vec![c, c + 1]).collect();
    let m = CoverageMatrix::from_sets(weights, &sets).unwrap();
    let problem = CoveringProblem::new(m, 1_000);
    let o = SolveOptions {
        perturbations: 0,
        max_passes: 1,
        bound_iterations: 0,
        ..opts(Algorithm::GreedyLocalSearch, 1)
    };
    let s = covering::solve(&problem, &o).unwrap();
    let codes: Vec<&str> = s.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"placement.local_search_plain"), "{codes:?}");
    // and a model within the tables' size does not carry it
    let small = CoveringProblem::new(
        CoverageMatrix::from_sets(
            vec![1.0; 11],
            &(0..10).map(|c| vec![c, c + 1]).collect::<Vec<_>>(),
        )
        .unwrap(),
        3,
    );
    let s = covering::solve(&small, &opts(Algorithm::GreedyLocalSearch, 1)).unwrap();
    assert!(s
        .diagnostics
        .iter()
        .all(|d| d.code != "placement.local_search_plain"));
}
