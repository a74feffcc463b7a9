//! Short deadlines are honoured everywhere in the covering solve: a time limit that has
//! already passed stops presolve (at 1 M non-zeros and below), the greedy (between its
//! rounds) and the first local search before their work, leaves their diagnostics and still
//! returns a feasible (partial) plan whose objective is recomputed on the original model. No
//! timed assertion: the limit is zero.

use skycover::diagnostic::codes;
use skycover::placement::bound::pdhg::lp_bracket;
use skycover::placement::synthetic::SyntheticInstance;
use skycover::placement::{covering, Algorithm, CoveringProblem, SolveOptions};
use std::time::Duration;

/// A clustered synthetic model (the reference generator's shape), `p` sites.
fn clustered(nd: usize, nc: usize, radius_km: f64, p: usize) -> CoveringProblem {
    let inst = SyntheticInstance::clustered(nd, nc, 300_000.0, radius_km * 1000.0, 7);
    CoveringProblem::new(inst.matrix().unwrap(), p)
}

/// The greedy plan of `p` on the unreduced model (what a solve cut at once still returns).
fn greedy_value(p: &CoveringProblem) -> f64 {
    let o = SolveOptions {
        algorithm: Algorithm::Greedy,
        presolve: false,
        bound_iterations: 0,
        ..SolveOptions::default()
    };
    covering::solve(p, &o).unwrap().objective
}

fn codes_of(s: &covering::Solution) -> Vec<&'static str> {
    s.diagnostics.iter().map(|d| d.code).collect()
}

/// A valid answer: feasible, objective recomputed, bound above it, no proof claimed.
fn assert_valid(p: &CoveringProblem, s: &covering::Solution) {
    assert!(p.check(&s.chosen).is_ok());
    assert_eq!(s.objective, p.evaluate(&s.chosen));
    assert!(s.upper_bound >= s.objective);
    assert!(!s.proven_optimal);
}

/// Both presolves (plain below 2^20 non-zeros, fast above), the greedy and the local search
/// stop at a passed deadline; the plan is partial and says so.
#[test]
fn passed_deadline_stops_presolve_and_local_search() {
    for (nd, nc, radius_km) in [(20_000, 1_000, 8.0), (100_000, 2_000, 10.0)] {
        let p = clustered(nd, nc, radius_km, 30);
        // the fast presolve runs from 2^20 non-zeros on (`exact::PARALLEL_MIN_NNZ`)
        assert_eq!(
            p.matrix().nnz() >= 1 << 20,
            nd == 100_000,
            "{}",
            p.matrix().nnz()
        );
        let o = SolveOptions {
            time_limit: Duration::ZERO,
            ..SolveOptions::default()
        };
        let s = covering::solve(&p, &o).unwrap();
        let c = codes_of(&s);
        assert!(c.contains(&codes::PLACEMENT_PRESOLVE_TIME_LIMIT), "{c:?}");
        assert!(
            c.contains(&codes::PLACEMENT_LOCAL_SEARCH_TIME_LIMIT),
            "{c:?}"
        );
        assert!(c.contains(&codes::PLACEMENT_GREEDY_TIME_LIMIT), "{c:?}");
        assert_valid(&p, &s);
        assert!(s.objective < greedy_value(&p), "{nd} × {nc}: partial plan");
        assert_eq!(s.stats.presolve.units_before, 0, "no presolve ran");
        // without presolve: the local search's diagnostic alone
        let s = covering::solve(
            &p,
            &SolveOptions {
                presolve: false,
                ..o
            },
        )
        .unwrap();
        let c = codes_of(&s);
        assert!(!c.contains(&codes::PLACEMENT_PRESOLVE_TIME_LIMIT), "{c:?}");
        assert!(
            c.contains(&codes::PLACEMENT_LOCAL_SEARCH_TIME_LIMIT),
            "{c:?}"
        );
        assert_valid(&p, &s);
        assert_eq!(s.stats.swaps, 0);
    }
}

/// The exact algorithm at a passed deadline: the same diagnostics and no proof claimed.
#[test]
fn passed_deadline_exact_claims_no_proof() {
    let p = clustered(20_000, 1_000, 8.0, 30);
    let o = SolveOptions {
        algorithm: Algorithm::Exact,
        time_limit: Duration::ZERO,
        ..SolveOptions::default()
    };
    let s = covering::solve(&p, &o).unwrap();
    let c = codes_of(&s);
    assert!(c.contains(&codes::PLACEMENT_PRESOLVE_TIME_LIMIT), "{c:?}");
    assert_valid(&p, &s);
}

/// The LP bracket at a passed deadline: the presolve is skipped, the bracket stays valid
/// (the greedy plan below, a certified bound above) and says it hit the limit.
#[test]
fn passed_deadline_lp_bracket_is_valid() {
    let p = clustered(100_000, 2_000, 10.0, 30);
    let b = lp_bracket(&p, 1_000, Duration::ZERO).unwrap();
    assert!(b.hit_time_limit);
    assert!(b.lower <= b.upper);
    assert!(b.lower >= greedy_value(&p) - 1e-9 * b.lower.abs());
    assert!(b.upper >= b.lower);
}

/// The greedy alone at a passed deadline (20 k demand × 1 k candidates, 30 sites): it stops
/// before its first round and returns the partial plan (here: no site) with a warning; with
/// no limit biting, the plan is the full greedy's, the same on every run.
#[test]
fn passed_deadline_stops_the_greedy_with_a_partial_plan() {
    let p = clustered(20_000, 1_000, 8.0, 30);
    let greedy = |time_limit: Duration| {
        let o = SolveOptions {
            algorithm: Algorithm::Greedy,
            presolve: false,
            bound_iterations: 0,
            time_limit,
            ..SolveOptions::default()
        };
        covering::solve(&p, &o).unwrap()
    };
    let cut = greedy(Duration::ZERO);
    let c = codes_of(&cut);
    assert!(c.contains(&codes::PLACEMENT_GREEDY_TIME_LIMIT), "{c:?}");
    let d = cut
        .diagnostics
        .iter()
        .find(|d| d.code == codes::PLACEMENT_GREEDY_TIME_LIMIT)
        .unwrap();
    assert_eq!(d.severity, skycover::diagnostic::Severity::Warning);
    assert_valid(&p, &cut);
    assert!(cut.chosen.len() < 30, "{} sites", cut.chosen.len());
    // no limit biting: the full greedy, deterministic, no greedy diagnostic
    let full = greedy(Duration::from_secs(3600));
    let again = greedy(Duration::MAX);
    assert_eq!(full.chosen.len(), 30);
    assert_eq!(full.chosen, again.chosen);
    assert_eq!(full.objective, again.objective);
    assert_eq!(full.objective, greedy_value(&p));
    assert!(cut.objective < full.objective);
    assert!(!codes_of(&full).contains(&codes::PLACEMENT_GREEDY_TIME_LIMIT));
}
