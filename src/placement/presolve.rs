//! Presolve for every covering model: fewer units and fewer candidates, same optimum.
//!
//! Two reductions, both exact (the reduced model has the same optimum, and every plan of the
//! reduced model maps back to a plan of the original with the same objective):
//!
//! * **Unit aggregation** (isomorphic aggregation): units that no candidate can still help
//!   (satisfied by the fixed sites, zero weight, or covered by no candidate) contribute a
//!   constant; units with the same (candidate set, required depth, initial depth) behave
//!   identically in every plan, so they become one unit whose weight is their sum.
//! * **Candidate dominance**: candidate `a` is dropped when some candidate `b` of the same
//!   group, no dearer, covers every unit `a` covers, every such unit needs at most one more
//!   system (so covering it twice is worth nothing), and the problem has no spacing conflicts
//!   or mutual-support rules (which could tell `a` and `b` apart). Swapping `a` for `b` in any
//!   plan then never lowers the objective nor breaks a capacity or the budget. Ties (equal
//!   sets and costs) keep the lower index. The dominance test is bounded by a work budget
//!   (deterministic), so it may leave some dominated candidates in very large models.
//!
//! The reduced problem is a [`CoveringProblem`] like any other; [`Presolved::original`] maps
//! its candidates back.
//!
//! A deadline is checked between the phases (liveness, dominance, aggregation, rows): past
//! it the presolve is abandoned (`Ok(None)`) and the caller solves the unreduced model (same
//! optimum), saying so ([`crate::diagnostic::codes::PLACEMENT_PRESOLVE_TIME_LIMIT`]).

use super::matrix::CoverageMatrix;
use super::objective::CoveringProblem;
use crate::error::Result;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::time::Instant;

/// Reduction counts of a presolve.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PresolveStats {
    /// Units before.
    pub units_before: usize,
    /// Units after (aggregated units, plus at most one constant unit per depth class).
    pub units_after: usize,
    /// Candidates before.
    pub candidates_before: usize,
    /// Candidates after (dominated ones dropped).
    pub candidates_after: usize,
    /// Non-zeros before.
    pub nnz_before: usize,
    /// Non-zeros after.
    pub nnz_after: usize,
}

/// A presolved problem and the way back.
#[derive(Debug, Clone)]
pub(crate) struct Presolved {
    /// The reduced problem.
    pub(crate) problem: CoveringProblem,
    /// Original index of each reduced candidate (increasing).
    pub(crate) original: Vec<usize>,
    /// Reduction counts.
    pub(crate) stats: PresolveStats,
}

/// Work budget (merge steps) of the dominance test.
const DOMINANCE_WORK: u64 = 400_000_000;

/// True when `until` has passed.
pub(crate) fn passed(until: Option<Instant>) -> bool {
    until.is_some_and(|d| Instant::now() >= d)
}

/// Presolves `p` with [`presolve_fast`](super::presolve_fast::presolve_fast) on large models
/// (at least [`PARALLEL_MIN_NNZ`](super::exact::PARALLEL_MIN_NNZ) non-zeros), [`presolve`]
/// otherwise (the same result); `Ok(None)` when `until` passed first.
pub(crate) fn reduce(p: &CoveringProblem, until: Option<Instant>) -> Result<Option<Presolved>> {
    if p.matrix.nnz() >= super::exact::PARALLEL_MIN_NNZ {
        super::presolve_fast::presolve_fast(p, until)
    } else {
        presolve(p, until)
    }
}

/// Presolves `p`; `Ok(None)` when `until` passed between two phases. See the
/// [module docs](self).
pub(crate) fn presolve(p: &CoveringProblem, until: Option<Instant>) -> Result<Option<Presolved>> {
    if passed(until) {
        return Ok(None);
    }
    let m = &p.matrix;
    let (nu, n) = (m.n_units(), m.n_candidates());
    let (w, k, init) = (m.weights(), m.required(), m.initial());
    // a unit is live when a candidate can still add value to it
    let residual = |u: usize| k[u].saturating_sub(init[u]);
    // one CSR transpose serves the dominance test and the aggregation: no per-unit vectors
    // (at a million units and a hundred million non-zeros those cost gigabytes)
    let t = m.transpose();
    let live: Vec<bool> = (0..nu)
        .map(|u| w[u] > 0.0 && residual(u) > 0 && !t.of(u).is_empty())
        .collect();
    // rows restricted to live units, copied only when some unit is not live
    let filtered: Option<Vec<Vec<u32>>> = if live.iter().all(|&l| l) {
        None
    } else {
        Some(
            (0..n)
                .into_par_iter()
                .map(|c| {
                    m.units_of(c)
                        .iter()
                        .copied()
                        .filter(|&u| live[u as usize])
                        .collect()
                })
                .collect(),
        )
    };
    let rows = Rows { filtered, m };
    if passed(until) {
        return Ok(None);
    }
    // candidate dominance
    let side_free = p.conflict_adj.is_empty() && p.rules.is_empty();
    let keep: Vec<bool> = if side_free {
        dominance_keep(p, &rows, &t, &live, &residual)
    } else {
        vec![true; n]
    };
    if passed(until) {
        return Ok(None);
    }
    let original: Vec<usize> = (0..n).filter(|&c| keep[c]).collect();
    let mut new_index = vec![u32::MAX; n];
    for (i, &c) in original.iter().enumerate() {
        new_index[c] = i as u32;
    }
    // unit aggregation: the key of a live unit is (its kept candidates, renumbered, k,
    // initial); a unit with no kept candidate or not live is constant, keyed by
    // (k, min(initial, k)). Keys are hashed in parallel, then classes are numbered in the
    // order of their first unit (deterministic), equal hashes checked member by member.
    let kept_of = |u: usize| {
        t.of(u)
            .iter()
            .map(|&c| new_index[c as usize])
            .filter(|&i| i != u32::MAX)
    };
    let constant = |u: usize| !live[u] || kept_of(u).next().is_none();
    let hashes: Vec<u64> = (0..nu)
        .into_par_iter()
        .map(|u| {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            if constant(u) {
                (0u8, k[u], init[u].min(k[u])).hash(&mut h);
            } else {
                (1u8, k[u], init[u]).hash(&mut h);
                for i in kept_of(u) {
                    i.hash(&mut h);
                }
            }
            h.finish()
        })
        .collect();
    if passed(until) {
        return Ok(None);
    }
    let same = |a: usize, b: usize| -> bool {
        match (constant(a), constant(b)) {
            (true, true) => k[a] == k[b] && init[a].min(k[a]) == init[b].min(k[b]),
            (false, false) => k[a] == k[b] && init[a] == init[b] && kept_of(a).eq(kept_of(b)),
            _ => false,
        }
    };
    // hash -> classes (with their first unit) holding it
    let mut by_hash: HashMap<u64, Vec<(u32, u32)>> = HashMap::new();
    let mut unit_class = vec![u32::MAX; nu];
    let mut weights: Vec<f64> = Vec::new();
    let mut req: Vec<u8> = Vec::new();
    let mut ini: Vec<u8> = Vec::new();
    for u in 0..nu {
        let entry = by_hash.entry(hashes[u]).or_default();
        let id = match entry.iter().find(|&&(_, first)| same(first as usize, u)) {
            Some(&(id, _)) => id,
            None => {
                let id = weights.len() as u32;
                weights.push(0.0);
                req.push(k[u]);
                ini.push(if constant(u) {
                    init[u].min(k[u])
                } else {
                    init[u]
                });
                entry.push((id, u as u32));
                id
            }
        };
        weights[id as usize] += w[u];
        unit_class[u] = id;
    }
    drop(by_hash);
    drop(hashes);
    drop(t);
    let mut matrix = CoverageMatrix::new(weights)?
        .with_required_depth(req)?
        .with_initial_depth(ini)?;
    let mut buf: Vec<u32> = Vec::new();
    for &c in &original {
        buf.clear();
        buf.extend(rows.of(c).iter().map(|&u| unit_class[u as usize]));
        buf.sort_unstable();
        buf.dedup();
        matrix.push_sorted(&buf);
    }
    Ok(Some(assemble(p, nu, matrix, original)))
}

/// The presolved problem from the reduced `matrix` and the kept candidates (`original`, in
/// order) of `p`, which had `nu` units: the candidates' groups and costs follow them (no
/// conflicts or rules here: dominance is off otherwise). Shared by both presolves.
pub(crate) fn assemble(
    p: &CoveringProblem,
    nu: usize,
    matrix: CoverageMatrix,
    original: Vec<usize>,
) -> Presolved {
    let (n, m) = (p.matrix.n_candidates(), &p.matrix);
    let stats = PresolveStats {
        units_before: nu,
        units_after: matrix.n_units(),
        candidates_before: n,
        candidates_after: original.len(),
        nnz_before: m.nnz(),
        nnz_after: matrix.nnz(),
    };
    let problem = if original.len() == n {
        let mut q = p.clone();
        q.matrix = matrix;
        q
    } else {
        let mut q = CoveringProblem::new(matrix, 0);
        q.capacities = p.capacities.clone();
        q.group_names = p.group_names.clone();
        q.groups = original.iter().map(|&c| p.groups[c]).collect();
        q.costs = p
            .costs
            .as_ref()
            .map(|cs| original.iter().map(|&c| cs[c]).collect());
        q.budget = p.budget;
        q
    };
    Presolved {
        problem,
        original,
        stats,
    }
}

/// Maps a solution of the presolved problem back to `original` (the problem presolved):
/// candidates renumbered, objective recomputed on the original, presolve counts recorded, a
/// proof kept only when the recomputed objective meets the bound.
pub(crate) fn map_back(
    original: &CoveringProblem,
    pre: &Presolved,
    s: &mut super::covering::Solution,
    t0: std::time::Instant,
) -> Result<()> {
    let mut chosen: Vec<usize> = s.chosen.iter().map(|&c| pre.original[c]).collect();
    chosen.sort_unstable();
    original.check(&chosen)?;
    let value = original.evaluate(&chosen);
    s.chosen = chosen;
    s.objective = value;
    s.initial_objective = original.matrix.initial_objective();
    s.max_objective = original.matrix.max_objective();
    s.upper_bound = s.upper_bound.min(s.max_objective).max(value);
    s.proven_optimal =
        s.proven_optimal && value >= s.upper_bound - 1e-8 * s.upper_bound.abs().max(1.0);
    s.gap_percent = super::covering::gap_percent(value, s.upper_bound);
    s.stats.presolve = pre.stats;
    s.stats.total_s = t0.elapsed().as_secs_f64();
    Ok(())
}

/// Solves the unreduced `problem` after a presolve the time limit cut short, with a warning
/// first among the diagnostics (`t0`: the call's start).
pub(crate) fn unreduced(
    problem: &CoveringProblem,
    options: &super::covering::SolveOptions,
    t0: Instant,
) -> Result<super::covering::Solution> {
    use crate::diagnostic::{codes, Diagnostic};
    let mut s = super::pipeline::solve_model(problem, options)?;
    let d = Diagnostic::warning(
        codes::PLACEMENT_PRESOLVE_TIME_LIMIT,
        "presolve stopped at the time limit: the unreduced model was solved (same optimum; \
         the steps after it had no time left and the plan depends on the machine's speed)",
    )
    .with_field("time_limit");
    s.diagnostics.insert(0, d);
    s.stats.total_s = t0.elapsed().as_secs_f64();
    Ok(s)
}

/// The candidates' rows restricted to live units (borrowed when every unit is live).
struct Rows<'a> {
    filtered: Option<Vec<Vec<u32>>>,
    m: &'a CoverageMatrix,
}

impl Rows<'_> {
    fn of(&self, c: usize) -> &[u32] {
        match &self.filtered {
            Some(rows) => &rows[c],
            None => self.m.units_of(c),
        }
    }
}
/// True when candidate `b` (row `rb`) dominates candidate `a` (row `ra`), so that `a` may be
/// dropped: same group, `ra ⊆ rb`, cost no higher, and on equal sets and costs the lower
/// index wins (rows sorted). Shared by both presolves.
pub(crate) fn row_dominates(
    p: &CoveringProblem,
    b: usize,
    rb: &[u32],
    a: usize,
    ra: &[u32],
) -> bool {
    let (cb, ca) = (p.cost(b), p.cost(a));
    if p.groups[a] != p.groups[b] || cb > ca || ra.len() > rb.len() {
        return false;
    }
    if ra.len() == rb.len() && cb == ca && b > a {
        return false;
    }
    // ra ⊆ rb by merging
    let mut j = 0;
    for &u in ra {
        while j < rb.len() && rb[j] < u {
            j += 1;
        }
        if j == rb.len() || rb[j] != u {
            return false;
        }
        j += 1;
    }
    true
}

/// Which candidates survive the dominance test (`row(c)`: the live units of `c`; `t`: the
/// transpose of the full matrix, whose lists for live units are those of the live rows).
fn dominance_keep(
    p: &CoveringProblem,
    rows: &Rows<'_>,
    t: &super::matrix::Transposed,
    live: &[bool],
    residual: &dyn Fn(usize) -> u8,
) -> Vec<bool> {
    debug_assert_eq!(live.len() + 1, t.offsets.len());
    let n = rows.m.n_candidates();
    let dominates = |b: usize, a: usize| row_dominates(p, b, rows.of(b), a, rows.of(a));
    // work estimate per candidate, to stay within the budget deterministically
    let mut budget_left = DOMINANCE_WORK;
    let mut eligible = vec![false; n];
    for (c, e) in eligible.iter_mut().enumerate() {
        let r = rows.of(c);
        if r.is_empty() {
            continue;
        }
        if r.iter().any(|&u| residual(u as usize) > 1) {
            continue;
        }
        let pivot = r.iter().map(|&u| t.of(u as usize).len()).min().unwrap_or(0) as u64;
        let work = pivot * (r.len() as u64 + 1);
        if work > budget_left {
            break;
        }
        budget_left -= work;
        *e = true;
    }
    (0..n)
        .into_par_iter()
        .map(|a| {
            let r = rows.of(a);
            if r.is_empty() {
                // covers nothing that matters: never useful without side constraints
                return false;
            }
            if !eligible[a] {
                return true;
            }
            let Some(&pivot) = r.iter().min_by_key(|&&u| (t.of(u as usize).len(), u)) else {
                return true;
            };
            !t.of(pivot as usize)
                .iter()
                .any(|&b| b as usize != a && dominates(b as usize, a))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn instance(seed: u64, groups: bool, budget: bool, depth: bool) -> CoveringProblem {
        random_problem(seed, &SHAPE_WITH_ZEROS, groups, budget, depth)
    }

    use crate::placement::objective::brute_force_optimum as optimum;
    use crate::placement::objective::{random_problem, SHAPE_WITH_ZEROS};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        /// The reduced model has the same optimum, and every reduced plan maps back to an
        /// original plan of the same objective and feasibility.
        #[test]
        fn presolve_keeps_optimum_and_objectives(seed in 0u64..1_000_000, g: bool, b: bool, d: bool) {
            let p = instance(seed, g, b, d);
            let r = presolve(&p, None).unwrap().unwrap();
            let q = &r.problem;
            prop_assert!(q.n_candidates() <= p.n_candidates());
            prop_assert!(q.matrix.n_units() <= p.matrix.n_units());
            let (o1, o2) = (optimum(&p), optimum(q));
            prop_assert!((o1 - o2).abs() < 1e-9, "optimum {} vs reduced {}", o1, o2);
            let nq = q.n_candidates();
            for mask in 0u32..1 << nq {
                let s: Vec<usize> = (0..nq).filter(|&c| mask & (1 << c) != 0).collect();
                let back: Vec<usize> = s.iter().map(|&c| r.original[c]).collect();
                prop_assert_eq!(q.check(&s).is_ok(), p.check(&back).is_ok());
                prop_assert!((q.evaluate(&s) - p.evaluate(&back)).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn aggregates_identical_units_and_drops_dominated() {
        // units 0 and 1 have the same candidate set {0, 1}; candidate 2 ⊂ candidate 1
        let m = CoverageMatrix::from_sets(
            vec![1.0, 2.0, 3.0, 4.0],
            &[vec![0, 1], vec![0, 1, 2], vec![2], vec![3]],
        )
        .unwrap();
        let r = presolve(&CoveringProblem::new(m, 2), None)
            .unwrap()
            .unwrap();
        // candidates 0 {0,1} and 2 {2} are both inside candidate 1 {0,1,2}
        assert_eq!(r.original, vec![1, 3]);
        assert_eq!(r.stats.candidates_after, 2);
        assert_eq!(r.stats.units_before, 4);
        // units 0, 1, 2 now share the candidate set {1}: one unit of weight 6
        assert_eq!(r.stats.units_after, 2);
        assert_eq!(r.problem.matrix().weights(), &[6.0, 4.0]);
        assert!(r.stats.units_after < 4);
    }
}
