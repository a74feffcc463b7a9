//! Robust placement against brute force: the certified max-min bound is never below the true
//! optimum `max_S min_j f(S \ {j})` (all feasible plans enumerated), the search's plan is
//! feasible, its reported worst case is exact, and it reaches the optimum on most small
//! instances (with classes, budgets, spacing conflicts, support rules and depth 2).

use skycover::placement::{CoverageMatrix, CoveringProblem, SolveOptions, SupportRule};
use skycover::resilience::{robust_placement, robust_upper_bound, RobustOptions};

/// A tiny deterministic generator.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
}

/// Kinds of side constraints of a generated instance.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Plain,
    Classes,
    Budget,
    Conflicts,
    Support,
    Depth2,
}

fn instance(seed: u64, kind: Kind) -> CoveringProblem {
    let mut g = Lcg(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let units = 24 + g.next() % 12;
    let cands = 11 + g.next() % 3;
    let weights: Vec<f64> = (0..units).map(|_| 1.0 + (g.next() % 5) as f64).collect();
    let sets: Vec<Vec<usize>> = (0..cands)
        .map(|_| (0..3 + g.next() % 6).map(|_| g.next() % units).collect())
        .collect();
    let k = if matches!(kind, Kind::Depth2) { 2 } else { 1 };
    let m = CoverageMatrix::from_sets(weights, &sets)
        .unwrap()
        .with_uniform_depth(k)
        .unwrap();
    let p = CoveringProblem::new(m, 4);
    match kind {
        Kind::Plain | Kind::Depth2 => p,
        Kind::Classes => {
            let groups: Vec<usize> = (0..cands).map(|c| c % 2).collect();
            p.with_groups(groups, vec![2, 3]).unwrap()
        }
        Kind::Budget => {
            let groups: Vec<usize> = (0..cands).map(|c| c % 2).collect();
            let costs: Vec<f64> = (0..cands).map(|_| 1.0 + (g.next() % 3) as f64).collect();
            p.with_groups(groups, vec![2, 3])
                .unwrap()
                .with_costs(costs, Some(8.0))
                .unwrap()
        }
        Kind::Conflicts => {
            let pairs: Vec<(usize, usize)> = (0..4)
                .map(|_| (g.next() % cands, g.next() % cands))
                .filter(|(a, b)| a != b)
                .collect();
            p.with_conflicts(pairs).unwrap()
        }
        Kind::Support => p
            .with_support_rules(vec![SupportRule {
                protected: Some(0),
                protectors: vec![1, 2, 3],
                need: 1,
                label: "candidate 0".into(),
            }])
            .unwrap(),
    }
}

/// `R(S) = min_j f(S \ {j})` from scratch (`f(∅)` for the empty set).
fn robust_value(m: &CoverageMatrix, s: &[usize]) -> f64 {
    if s.is_empty() {
        return m.objective_of(s);
    }
    s.iter()
        .map(|&j| {
            let keep: Vec<usize> = s.iter().copied().filter(|&c| c != j).collect();
            m.objective_of(&keep)
        })
        .fold(f64::INFINITY, f64::min)
}

/// The true max-min optimum over all feasible plans (every subset checked).
fn brute_force(p: &CoveringProblem) -> f64 {
    let n = p.n_candidates();
    let mut best = f64::NEG_INFINITY;
    for mask in 0u32..(1 << n) {
        let s: Vec<usize> = (0..n).filter(|&c| mask & (1 << c) != 0).collect();
        if p.check(&s).is_ok() {
            best = best.max(robust_value(p.matrix(), &s));
        }
    }
    best
}

/// A feasible start: greedy by covered weight, skipping infeasible additions.
fn start(p: &CoveringProblem) -> Vec<usize> {
    let m = p.matrix();
    let mut order: Vec<usize> = (0..p.n_candidates()).collect();
    order.sort_by(|&a, &b| {
        m.objective_of(&[b])
            .total_cmp(&m.objective_of(&[a]))
            .then(a.cmp(&b))
    });
    let mut s: Vec<usize> = Vec::new();
    for c in order {
        s.push(c);
        if p.check(&s).is_err() {
            s.pop();
        }
    }
    s
}

#[test]
fn bound_is_valid_and_search_reaches_the_brute_force_optimum_on_most_instances() {
    let kinds = [
        Kind::Plain,
        Kind::Classes,
        Kind::Budget,
        Kind::Conflicts,
        Kind::Support,
        Kind::Depth2,
    ];
    let mut cases = 0;
    let mut reached = 0;
    let mut tight = 0;
    let mut misses = Vec::new();
    let (mut bound_gap, mut ideal_gap) = (0.0, 0.0);
    let mut averaged = 0;
    for kind in kinds {
        for seed in 0..12 {
            let p = instance(seed, kind);
            let opt = brute_force(&p);
            let st = start(&p);
            let ub = p.matrix().max_objective();
            let r = robust_placement(&p, &st, ub, &RobustOptions::default()).unwrap();
            // feasible, exact worst case, never worse than the start
            p.check(&r.chosen).unwrap();
            let rv = robust_value(p.matrix(), &r.chosen);
            assert!(
                (rv - r.worst_case_objective).abs() < 1e-9,
                "{kind:?} {seed}"
            );
            assert!(r.worst_case_objective >= robust_value(p.matrix(), &st) - 1e-9);
            // the certified bound is valid, and so is the max-min bound on its own
            assert!(r.worst_case_objective <= opt + 1e-9, "{kind:?} {seed}");
            assert!(
                r.upper_bound >= opt - 1e-9,
                "{kind:?} {seed}: {} < {opt}",
                r.upper_bound
            );
            let b = robust_upper_bound(&p, &SolveOptions::default()).unwrap();
            assert!(
                b.bound >= opt - 1e-9,
                "{kind:?} {seed}: {} < {opt}",
                b.bound
            );
            assert!(b.one_fewer >= opt - 1e-9, "{kind:?} {seed}");
            if let Some(a) = b.average {
                assert!(a >= opt - 1e-9, "{kind:?} {seed}: average {a} < {opt}");
                averaged += 1;
            }
            assert!(r.upper_bound <= ub + 1e-9);
            cases += 1;
            if r.worst_case_objective >= opt - 1e-9 {
                reached += 1;
            } else {
                misses.push((kind, seed, r.worst_case_objective, opt));
            }
            if r.upper_bound <= opt + 1e-6 * opt.max(1.0) {
                tight += 1;
            }
            bound_gap += (r.upper_bound - opt) / opt.max(1e-9);
            // the best plan with one site fewer (any class), by enumeration: the bound's ideal
            let n = p.n_candidates();
            let mut fewer = f64::NEG_INFINITY;
            for mask in 0u32..(1 << n) {
                let s: Vec<usize> = (0..n).filter(|&c| mask & (1 << c) != 0).collect();
                if p.check(&s).is_ok() {
                    for j in 0..s.len() {
                        let keep: Vec<usize> = s.iter().copied().filter(|&c| c != s[j]).collect();
                        fewer = fewer.max(p.matrix().objective_of(&keep));
                    }
                }
            }
            ideal_gap += (fewer - opt) / opt.max(1e-9);
        }
    }
    eprintln!(
        "robust search reached the brute-force optimum on {reached}/{cases} instances; bound tight on {tight}/{cases}, mean excess over the optimum {:.1}% (best plan with one site fewer: {:.1}%); average-loss bound computed on {averaged}/{cases}; misses {misses:?}",
        100.0 * bound_gap / cases as f64,
        100.0 * ideal_gap / cases as f64
    );
    // most small cases: at least 90 %
    assert!(reached * 10 >= cases * 9, "{reached}/{cases}: {misses:?}");
}

#[test]
fn min_over_classes_applies_only_without_side_constraints() {
    let p = instance(3, Kind::Classes);
    let b = robust_upper_bound(&p, &SolveOptions::default()).unwrap();
    assert!(b.min_over_classes);
    assert_eq!(b.classes.len(), 2);
    let lo = b
        .classes
        .iter()
        .map(|c| c.bound)
        .fold(f64::INFINITY, f64::min);
    assert!((b.one_fewer - lo).abs() < 1e-12);
    assert!(b.bound <= b.one_fewer);
    let q = instance(3, Kind::Budget);
    let b = robust_upper_bound(&q, &SolveOptions::default()).unwrap();
    assert!(!b.min_over_classes);
    let lo = b
        .classes
        .iter()
        .map(|c| c.bound.max(c.without.unwrap()))
        .fold(f64::INFINITY, f64::min);
    assert!((b.one_fewer - lo).abs() < 1e-12);
}

#[test]
fn same_seed_same_plan_and_work_limits_are_reported() {
    let p = instance(7, Kind::Classes);
    let st = start(&p);
    let ub = p.matrix().max_objective();
    let o = RobustOptions {
        seed: 5,
        ..RobustOptions::default()
    };
    let a = robust_placement(&p, &st, ub, &o).unwrap();
    let b = robust_placement(&p, &st, ub, &o).unwrap();
    assert_eq!(a.chosen, b.chosen);
    assert_eq!(a.evaluations, b.evaluations);
    assert!(a.passes >= 1 && a.evaluations > 0);
    // one pass only: a work limit, said with a diagnostic when it cut a descent short
    let one = RobustOptions {
        max_passes: 1,
        perturbations: 0,
        ..RobustOptions::default()
    };
    let c = robust_placement(&p, &st, ub, &one).unwrap();
    assert_eq!(c.passes, 1);
    if c.swaps == 1 {
        assert!(c
            .diagnostics
            .iter()
            .any(|d| d.code == skycover::diagnostic::codes::RESILIENCE_ROBUST_WORK_LIMIT));
    }
}

#[test]
fn descent_ends_at_a_local_optimum_checked_from_scratch() {
    // with no perturbation the search stops where no feasible same-class swap (or addition
    // within capacity) raises R, or keeps R and raises f: checked here by recomputing every
    // neighbour from scratch, which tests the incremental evaluation
    for kind in [Kind::Plain, Kind::Classes, Kind::Depth2, Kind::Conflicts] {
        for seed in 0..6 {
            let p = instance(seed, kind);
            let m = p.matrix();
            let o = RobustOptions {
                perturbations: 0,
                ..RobustOptions::default()
            };
            let s = robust_placement(&p, &start(&p), m.max_objective(), &o).unwrap();
            let (r, f) = (s.worst_case_objective, s.objective);
            let g = p.groups();
            let mut neighbours: Vec<Vec<usize>> = Vec::new();
            for q in 0..s.chosen.len() {
                for c in 0..p.n_candidates() {
                    if !s.chosen.contains(&c) && g[c] == g[s.chosen[q]] {
                        let mut n = s.chosen.clone();
                        n[q] = c;
                        neighbours.push(n);
                    }
                }
            }
            for c in 0..p.n_candidates() {
                if !s.chosen.contains(&c) {
                    let mut n = s.chosen.clone();
                    n.push(c);
                    neighbours.push(n);
                }
            }
            for n in neighbours {
                if p.check(&n).is_err() {
                    continue;
                }
                let (v, fv) = (robust_value(m, &n), m.objective_of(&n));
                let better = v > r + 1e-7 || ((v - r).abs() <= 1e-9 && fv > f + 1e-7);
                assert!(
                    !better,
                    "{kind:?} {seed}: {n:?} gives ({v}, {fv}) over ({r}, {f})"
                );
            }
        }
    }
}
