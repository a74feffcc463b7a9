//! Generic covering on an explicit coverage matrix: bring your own coverage (GIS viewsheds,
//! another sensor model) and solve maximal covering, set covering or k-coverage on it.
//!
//! * [`solve`]: the general problem ([`CoveringProblem`]: groups with capacities, costs and
//!   budget, conflicts, support rules) with any [`Algorithm`].
//! * [`maximal_covering`] (MCLP): choose at most `p` candidates maximising covered weight.
//! * [`k_coverage`]: the same with every unit needing depth `k`, counting `min(depth, k)/k`
//!   (backup coverage for `k = 2`).
//! * [`set_covering`] (LSCP): the cheapest set of candidates covering every coverable unit;
//!   units no candidate can cover are reported, not an error.
//!
//! Every result carries an upper bound certifying its optimality gap (see
//! [`crate::placement::bound`]).

use super::bound::upper_bound;
use super::greedy::greedy;
use super::local_search::iterated_local_search;
use super::matrix::CoverageMatrix;
use super::milp::{self, MICROLP_MAX_VARIABLES};
use super::objective::CoveringProblem;
use crate::diagnostic::{codes, Diagnostic};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// The longest time limit handed to a MILP solver (one year): larger limits, up to
/// [`Duration::MAX`], are accepted and saturate here instead of overflowing the solver's clock.
pub const MAX_SOLVER_TIME_LIMIT: Duration = Duration::from_secs(365 * 24 * 3600);

/// Which placement algorithm to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// Lazy greedy (CELF) only, plus the bound.
    Greedy,
    /// Lazy greedy, then iterated swap local search, plus the bound (the default).
    #[default]
    GreedyLocalSearch,
    /// Greedy and local search as a warm start, then the exact MILP (microlp, or HiGHS with the
    /// `highs` feature). Fails with [`Error::ResourceLimit`] when the model is too large for
    /// microlp.
    Milp,
    /// Greedy and local search, then the MILP when the gap is not yet closed and the model is
    /// small enough for the solver (otherwise the heuristic plan, with a note).
    Best,
}

impl Algorithm {
    /// A short name: `greedy`, `greedy+local_search`, `milp`, `best`.
    pub fn name(&self) -> &'static str {
        match self {
            Algorithm::Greedy => "greedy",
            Algorithm::GreedyLocalSearch => "greedy+local_search",
            Algorithm::Milp => "milp",
            Algorithm::Best => "best",
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Options of a solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolveOptions {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// Wall-clock limit for local search, the bound's subgradient loop and the MILP together:
    /// a safety net, the work limits below decide the result. When it is hit the best plan
    /// found so far is returned with a warning diagnostic saying which stage it cut (the
    /// result then depends on the machine's speed). Default 120 s. Any duration is accepted
    /// (up to [`Duration::MAX`], which means no limit).
    pub time_limit: Duration,
    /// Seed of the local search's random visiting order. Default 0.
    pub seed: u64,
    /// Maximum local search passes per descent (each pass visits every chosen candidate
    /// once). Default 100.
    pub max_passes: u32,
    /// Perturbation rounds of the iterated local search (remove a few sites, refill greedily,
    /// descend again; keep improvements). 0: plain swap descent. Default 32.
    pub perturbations: u32,
    /// Maximum subgradient iterations of the Lagrangian bound (0: online bound only).
    /// Default 1000.
    pub bound_iterations: u32,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            algorithm: Algorithm::default(),
            time_limit: Duration::from_secs(120),
            seed: 0,
            max_passes: 100,
            perturbations: 32,
            bound_iterations: 1000,
        }
    }
}

/// Statistics of a solve.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SolveStats {
    /// Seconds in greedy.
    pub greedy_s: f64,
    /// Seconds in local search.
    pub local_search_s: f64,
    /// Seconds computing the bound.
    pub bound_s: f64,
    /// Seconds in the MILP solver (0 when not run).
    pub milp_s: f64,
    /// Seconds in total.
    pub total_s: f64,
    /// Marginal-gain evaluations (greedy and local search).
    pub evaluations: u64,
    /// Accepted local-search swaps.
    pub swaps: u64,
    /// Local-search passes.
    pub passes: u32,
    /// The online submodular bound.
    pub online_bound: f64,
    /// The Lagrangian bound (infinite when not computed).
    pub lagrangian_bound: f64,
    /// Subgradient iterations.
    pub bound_iterations: u32,
    /// The MILP solver used, if any.
    pub milp_solver: Option<String>,
    /// The MILP solver's own bound, if it reported one.
    pub milp_bound: Option<f64>,
    /// MILP size: (variables after aggregation, constraints).
    pub milp_size: Option<(usize, usize)>,
}

/// The result of [`solve`]: chosen candidates, objective, certified bound.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Solution {
    /// Chosen candidates, sorted.
    pub chosen: Vec<usize>,
    /// Objective `Σ w·min(d, k)/k` of the chosen set (fixed sites included).
    pub objective: f64,
    /// Objective with no candidate chosen (fixed sites only).
    pub initial_objective: f64,
    /// The largest conceivable objective `Σ w`.
    pub max_objective: f64,
    /// A proven upper bound on the best feasible objective.
    pub upper_bound: f64,
    /// `100 · (upper_bound − objective) / upper_bound`.
    pub gap_percent: f64,
    /// True when a MILP solver proved optimality.
    pub proven_optimal: bool,
    /// The algorithm asked for.
    pub algorithm: Algorithm,
    /// Timings and counters.
    pub stats: SolveStats,
    /// Typed remarks (e.g. the MILP skipped because the model is too large, a search cut by
    /// the time limit); codes in [`crate::diagnostic::codes`].
    pub diagnostics: Vec<Diagnostic>,
}

pub(crate) fn gap_percent(objective: f64, bound: f64) -> f64 {
    if bound > 0.0 {
        (100.0 * (bound - objective) / bound).max(0.0)
    } else {
        0.0
    }
}

/// Solves a [`CoveringProblem`] with the options' algorithm.
///
/// # Parameters
/// * `problem`: the matrix and constraints.
/// * `options`: algorithm, time limit, seed, iteration limits.
///
/// # Returns
/// The best plan found, never worse than the greedy's, with a certified upper bound.
///
/// # Complexity
/// Greedy: O(nnz) for the initial gains plus, per lazy re-evaluation, O(|units of c|).
/// Local search: O(nnz) per pass plus, per visited candidate, O(|units| × candidates per
/// unit) and O(|group|). Bound: at most O(nnz) per subgradient iteration. The MILP is
/// exponential in the worst case and bounded by the time limit.
///
/// # Errors
/// [`Error::Infeasible`] when support rules of fixed sites cannot be satisfied;
/// [`Error::ResourceLimit`] for [`Algorithm::Milp`] on a model too large for microlp;
/// [`Error::Solver`] when the MILP solver fails for [`Algorithm::Milp`].
///
/// # Examples
/// ```
/// use skycover::placement::{covering, Algorithm, CoverageMatrix, CoveringProblem, SolveOptions};
/// let m = CoverageMatrix::from_sets(vec![3.0, 1.0, 1.0, 2.0], &[vec![0, 1], vec![1, 2], vec![2, 3]])?;
/// let p = CoveringProblem::new(m, 2);
/// let s = covering::solve(&p, &SolveOptions { algorithm: Algorithm::Best, ..Default::default() })?;
/// assert_eq!(s.chosen, vec![0, 2]);
/// assert_eq!(s.objective, 7.0);
/// assert!(s.upper_bound >= s.objective && s.gap_percent < 1e-6);
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn solve(problem: &CoveringProblem, options: &SolveOptions) -> Result<Solution> {
    let t0 = Instant::now();
    let mut notes = Vec::new();
    // a time limit too large to represent means "no time limit" (never an overflow panic)
    let deadline = t0.checked_add(options.time_limit);
    if deadline.is_none() {
        notes.push(Diagnostic::info(
            codes::PLACEMENT_TIME_LIMIT_SATURATED,
            format!(
                "time limit {:?} is beyond the clock's range: the work limits alone decide",
                options.time_limit
            ),
        ));
    }
    let mut stats = SolveStats::default();

    let g = greedy(problem)?;
    stats.greedy_s = t0.elapsed().as_secs_f64();
    stats.evaluations = g.evaluations;
    let mut chosen = g.chosen;
    chosen.sort_unstable();
    let mut value = g.value;

    // Local search from `start`, its time, evaluations and swaps added to the statistics.
    let polish = |start: &[usize], stats: &mut SolveStats| {
        let t = Instant::now();
        let ls = iterated_local_search(
            problem,
            start,
            options.seed,
            options.max_passes,
            options.perturbations,
            deadline,
        );
        stats.local_search_s += t.elapsed().as_secs_f64();
        stats.evaluations += ls.evaluations;
        stats.swaps += ls.swaps;
        ls
    };

    if options.algorithm != Algorithm::Greedy {
        let ls = polish(&chosen, &mut stats);
        stats.passes = ls.passes;
        if ls.hit_deadline {
            notes.push(Diagnostic::warning(
                codes::PLACEMENT_LOCAL_SEARCH_TIME_LIMIT,
                format!(
                    "local search stopped at the time limit ({:?}) before its work limits \
                     (max_passes, perturbations): the plan depends on the machine's speed",
                    options.time_limit
                ),
            ));
        }
        if ls.value > value {
            value = ls.value;
            chosen = ls.chosen;
        }
    }

    let t = Instant::now();
    let b = upper_bound(problem, &chosen, value, options.bound_iterations, deadline);
    stats.bound_s = t.elapsed().as_secs_f64();
    if b.iterations < options.bound_iterations && deadline.is_some_and(|d| Instant::now() >= d) {
        notes.push(Diagnostic::warning(
            codes::PLACEMENT_BOUND_TIME_LIMIT,
            format!(
                "the bound stopped at the time limit after {} of {} subgradient iterations: \
                 still certified, but looser and machine-dependent",
                b.iterations, options.bound_iterations
            ),
        ));
    }
    stats.online_bound = b.online;
    stats.lagrangian_bound = b.lagrangian;
    stats.bound_iterations = b.iterations;
    let mut bound = b.bound;
    let mut proven = false;
    if let Some((pv, plan)) = b.primal {
        // the Lagrangian heuristic met a better plan: adopt it (and polish it)
        if pv > value {
            value = pv;
            chosen = plan;
            if options.algorithm != Algorithm::Greedy {
                let ls = polish(&chosen, &mut stats);
                if ls.value > value {
                    value = ls.value;
                    chosen = ls.chosen;
                }
            }
            notes.push(Diagnostic::info(
                codes::PLACEMENT_LAGRANGIAN_IMPROVED,
                "the bound's Lagrangian heuristic improved the plan",
            ));
        }
    }

    let want_milp = match options.algorithm {
        Algorithm::Milp => true,
        Algorithm::Best => gap_percent(value, bound) > 1e-9,
        _ => false,
    };
    if want_milp {
        let too_big = !cfg!(feature = "highs") && milp::model_size(problem) > MICROLP_MAX_VARIABLES;
        if too_big && options.algorithm == Algorithm::Best {
            notes.push(Diagnostic::info(
                codes::PLACEMENT_MILP_SKIPPED,
                format!(
                    "MILP skipped: the model has more than {MICROLP_MAX_VARIABLES} variables, \
                     too many for the pure-Rust solver (enable the `highs` feature)"
                ),
            ));
        } else {
            let remaining = deadline
                .map_or(options.time_limit, |d| {
                    d.saturating_duration_since(Instant::now())
                })
                .min(MAX_SOLVER_TIME_LIMIT);
            let t = Instant::now();
            let outcome =
                milp::solve_milp(problem, &chosen, remaining.max(Duration::from_millis(50)));
            stats.milp_s = t.elapsed().as_secs_f64();
            match outcome {
                Ok(m) => {
                    stats.milp_solver = Some(m.solver.to_string());
                    stats.milp_bound = m.bound;
                    stats.milp_size = Some(m.size);
                    if let Some(mb) = m.bound {
                        bound = bound.min(mb);
                    }
                    let mut mc = m.chosen;
                    mc.sort_unstable();
                    match problem.check(&mc) {
                        Ok(()) => {
                            let mv = problem.evaluate(&mc);
                            if mv > value {
                                value = mv;
                                chosen = mc;
                            }
                            if m.proven_optimal {
                                proven = true;
                                if m.bound.is_none() {
                                    bound = bound.min(mv.max(value));
                                }
                            } else {
                                notes.push(Diagnostic::warning(
                                    codes::PLACEMENT_MILP_TIME_LIMIT,
                                    "MILP stopped at the time limit without proving optimality",
                                ));
                            }
                        }
                        Err(e) => notes.push(Diagnostic::warning(
                            codes::PLACEMENT_MILP_FAILED,
                            format!(
                                "MILP solution rejected by the exact check ({e}); kept the \
                                 heuristic plan"
                            ),
                        )),
                    }
                }
                Err(e) if options.algorithm == Algorithm::Milp => {
                    if matches!(e, Error::ResourceLimit { .. } | Error::Infeasible { .. }) {
                        return Err(e);
                    }
                    notes.push(Diagnostic::warning(
                        codes::PLACEMENT_MILP_FAILED,
                        format!("MILP failed ({e}); kept the heuristic plan"),
                    ));
                }
                Err(e) => notes.push(Diagnostic::warning(
                    codes::PLACEMENT_MILP_FAILED,
                    format!("MILP failed ({e}); kept the heuristic plan"),
                )),
            }
        }
    }
    let bound = bound.max(value);
    stats.total_s = t0.elapsed().as_secs_f64();
    Ok(Solution {
        objective: value,
        initial_objective: problem.matrix.initial_objective(),
        max_objective: problem.matrix.max_objective(),
        upper_bound: bound,
        gap_percent: gap_percent(value, bound),
        proven_optimal: proven,
        algorithm: options.algorithm,
        chosen,
        stats,
        diagnostics: notes,
    })
}

/// Maximal covering (MCLP): at most `p` candidates maximising `Σ w·min(d, k)/k` (with the
/// matrix's required and initial depths; plain covered weight when they are 1 and 0).
///
/// # Errors
/// As [`solve`].
///
/// # Examples
/// ```
/// use skycover::placement::{covering, CoverageMatrix, SolveOptions};
/// let m = CoverageMatrix::from_sets(vec![5.0, 1.0, 1.0, 1.0], &[vec![0], vec![1, 2, 3], vec![0, 1]])?;
/// let s = covering::maximal_covering(&m, 1, &SolveOptions::default())?;
/// assert_eq!(s.chosen, vec![2]);
/// assert_eq!(s.objective, 6.0);
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn maximal_covering(
    matrix: &CoverageMatrix,
    p: usize,
    options: &SolveOptions,
) -> Result<Solution> {
    solve(&CoveringProblem::new(matrix.clone(), p), options)
}

/// Backup / k-coverage: at most `p` candidates, every unit needing depth `k` (1 to 8), each
/// counting `w·min(d, k)/k`.
///
/// # Errors
/// [`Error::InvalidInput`] for `k` outside 1..=8, otherwise as [`solve`].
///
/// # Examples
/// ```
/// use skycover::placement::{covering, CoverageMatrix, SolveOptions};
/// let m = CoverageMatrix::from_sets(vec![1.0, 1.0], &[vec![0, 1], vec![0], vec![1]])?;
/// let s = covering::k_coverage(&m, 2, 2, &SolveOptions::default())?;
/// assert_eq!(s.objective, 1.5); // depth 2 on one unit, 1 on the other
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn k_coverage(
    matrix: &CoverageMatrix,
    p: usize,
    k: u8,
    options: &SolveOptions,
) -> Result<Solution> {
    let m = matrix.clone().with_uniform_depth(k)?;
    solve(&CoveringProblem::new(m, p), options)
}

/// Result of [`set_covering`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetCoverSolution {
    /// Chosen candidates, sorted.
    pub chosen: Vec<usize>,
    /// Their total cost.
    pub cost: f64,
    /// Units that cannot reach their required depth even with every candidate (not
    /// covered at all, or by fewer candidates than they need): they are covered as deeply as
    /// possible and listed here.
    pub uncoverable: Vec<usize>,
    /// True when the MILP proved the cost minimal.
    pub proven_optimal: bool,
    /// Typed remarks (e.g. the MILP skipped, units that cannot be covered).
    pub diagnostics: Vec<Diagnostic>,
}

/// Set covering (LSCP): the minimum-cost set of candidates giving every unit its required
/// depth (minus its initial depth), as far as the candidates can; units that cannot get it
/// are reported in [`SetCoverSolution::uncoverable`].
///
/// `costs` defaults to 1 per candidate (minimum number of sites). Greedy (Chvátal's
/// cost-effectiveness rule with lazy evaluation) followed by redundancy elimination, then,
/// unless the algorithm is [`Algorithm::Greedy`], the MILP when it fits the solver, warm-started
/// from the greedy cover.
///
/// # Complexity
/// Greedy: O(nnz log n) with lazy evaluation. The MILP is bounded by the time limit.
///
/// # Errors
/// [`Error::InvalidInput`] for a cost vector of the wrong length or with a negative or
/// non-finite cost; [`Error::ResourceLimit`] for [`Algorithm::Milp`] on a model too large for
/// microlp.
///
/// # Examples
/// ```
/// use skycover::placement::{covering, CoverageMatrix, SolveOptions};
/// // unit 3 is covered by nobody
/// let m = CoverageMatrix::from_sets(vec![1.0; 4], &[vec![0, 1], vec![1, 2], vec![2]])?;
/// let s = covering::set_covering(&m, Some(&[1.0, 1.0, 0.5]), &SolveOptions::default())?;
/// assert_eq!(s.chosen, vec![0, 2]);
/// assert_eq!(s.cost, 1.5);
/// assert_eq!(s.uncoverable, vec![3]);
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn set_covering(
    matrix: &CoverageMatrix,
    costs: Option<&[f64]>,
    options: &SolveOptions,
) -> Result<SetCoverSolution> {
    let n = matrix.n_candidates();
    let costs: Vec<f64> = match costs {
        Some(c) => {
            if c.len() != n {
                return Err(Error::InvalidInput {
                    what: "candidate costs".into(),
                    reason: format!("{} costs for {n} candidates", c.len()),
                });
            }
            if let Some(i) = c.iter().position(|x| !x.is_finite() || *x < 0.0) {
                return Err(Error::InvalidInput {
                    what: format!("cost of candidate {i}"),
                    reason: format!("{} must be finite and ≥ 0", c[i]),
                });
            }
            c.to_vec()
        }
        None => vec![1.0; n],
    };
    let t = matrix.transpose();
    let (k, init) = (matrix.required(), matrix.initial());
    let nu = matrix.n_units();
    // need per unit: residual, capped by how many candidates cover it
    let mut need: Vec<u32> = Vec::with_capacity(nu);
    let mut uncoverable = Vec::new();
    for u in 0..nu {
        let r = u32::from(k[u].saturating_sub(init[u]));
        let avail = t.of(u).len() as u32;
        if avail < r {
            uncoverable.push(u);
        }
        need.push(r.min(avail));
    }
    let chosen = greedy_cover(matrix, &costs, &need);
    let mut best_cost: f64 = chosen.iter().map(|&c| costs[c]).sum();
    let mut best = chosen;
    let mut proven = false;
    let mut notes = Vec::new();
    if options.algorithm != Algorithm::Greedy {
        match cover_milp(matrix, &costs, &need, &best, options) {
            Ok(Some((mc, opt))) => {
                let mcost: f64 = mc.iter().map(|&c| costs[c]).sum();
                if covers_all(matrix, &mc, &need) && mcost < best_cost {
                    best_cost = mcost;
                    best = mc;
                }
                proven = opt;
            }
            Ok(None) => notes.push(Diagnostic::info(
                codes::PLACEMENT_MILP_SKIPPED,
                format!(
                    "MILP skipped: more than {MICROLP_MAX_VARIABLES} variables for the \
                     pure-Rust solver (enable the `highs` feature)"
                ),
            )),
            Err(e) if options.algorithm == Algorithm::Milp => return Err(e),
            Err(e) => notes.push(Diagnostic::warning(
                codes::PLACEMENT_MILP_FAILED,
                format!("MILP failed ({e}); kept the greedy cover"),
            )),
        }
    }
    if !uncoverable.is_empty() {
        notes.push(Diagnostic::warning(
            codes::PLACEMENT_UNCOVERABLE_UNITS,
            format!(
                "{} unit(s) cannot reach their required depth even with every candidate",
                uncoverable.len()
            ),
        ));
    }
    best.sort_unstable();
    Ok(SetCoverSolution {
        chosen: best,
        cost: best_cost,
        uncoverable,
        proven_optimal: proven,
        diagnostics: notes,
    })
}

fn covers_all(m: &CoverageMatrix, chosen: &[usize], need: &[u32]) -> bool {
    let mut got = vec![0u32; m.n_units()];
    for &c in chosen {
        for &u in m.units_of(c) {
            got[u as usize] += 1;
        }
    }
    got.iter().zip(need).all(|(g, n)| g >= n)
}

/// Lazy Chvátal greedy plus reverse redundancy elimination.
fn greedy_cover(m: &CoverageMatrix, costs: &[f64], need: &[u32]) -> Vec<usize> {
    use std::cmp::Ordering;
    use std::collections::BinaryHeap;
    #[derive(PartialEq)]
    struct E(f64, u32, u32);
    impl Eq for E {}
    impl PartialOrd for E {
        fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
            Some(self.cmp(o))
        }
    }
    impl Ord for E {
        fn cmp(&self, o: &Self) -> Ordering {
            self.0.total_cmp(&o.0).then_with(|| o.1.cmp(&self.1))
        }
    }
    let n = m.n_candidates();
    let mut rem: Vec<u32> = need.to_vec();
    let useful = |rem: &[u32], c: usize| -> f64 {
        m.units_of(c)
            .iter()
            .filter(|&&u| rem[u as usize] > 0)
            .count() as f64
    };
    let key = |cnt: f64, c: usize| {
        if costs[c] > 0.0 {
            cnt / costs[c]
        } else {
            cnt * 1e30
        }
    };
    let mut heap: BinaryHeap<E> = (0..n)
        .filter_map(|c| {
            let g = useful(&rem, c);
            (g > 0.0).then(|| E(key(g, c), c as u32, 0))
        })
        .collect();
    let mut chosen = Vec::new();
    let mut is = vec![false; n];
    let mut round = 0u32;
    while let Some(E(_, c, stamp)) = heap.pop() {
        let c = c as usize;
        if is[c] {
            continue;
        }
        if stamp != round {
            let g = useful(&rem, c);
            if g > 0.0 {
                heap.push(E(key(g, c), c as u32, round));
            }
            continue;
        }
        is[c] = true;
        chosen.push(c);
        for &u in m.units_of(c) {
            let r = &mut rem[u as usize];
            *r = r.saturating_sub(1);
        }
        round += 1;
    }
    // redundancy elimination, most expensive first (ties: higher index first)
    let mut got = vec![0u32; m.n_units()];
    for &c in &chosen {
        for &u in m.units_of(c) {
            got[u as usize] += 1;
        }
    }
    let mut order = chosen.clone();
    order.sort_by(|&a, &b| costs[b].total_cmp(&costs[a]).then(b.cmp(&a)));
    for c in order {
        let removable = m
            .units_of(c)
            .iter()
            .all(|&u| got[u as usize] > need[u as usize]);
        if removable {
            for &u in m.units_of(c) {
                got[u as usize] -= 1;
            }
            is[c] = false;
        }
    }
    chosen.retain(|&c| is[c]);
    chosen
}

/// The set-covering MILP; `Ok(None)` when too large for microlp.
fn cover_milp(
    m: &CoverageMatrix,
    costs: &[f64],
    need: &[u32],
    warm: &[usize],
    options: &SolveOptions,
) -> Result<Option<(Vec<usize>, bool)>> {
    use good_lp::{variable, Expression, ProblemVariables, Solution as _, SolverModel};
    use std::collections::HashMap;
    let n = m.n_candidates();
    let t = m.transpose();
    // one row per distinct candidate set: the largest need
    let mut rows: HashMap<&[u32], u32> = HashMap::new();
    let mut order: Vec<&[u32]> = Vec::new();
    for (u, &nd) in need.iter().enumerate() {
        if nd == 0 {
            continue;
        }
        let cands = t.of(u);
        match rows.get_mut(cands) {
            Some(v) => *v = (*v).max(nd),
            None => {
                rows.insert(cands, nd);
                order.push(cands);
            }
        }
    }
    if !cfg!(feature = "highs") && n > MICROLP_MAX_VARIABLES {
        if options.algorithm == Algorithm::Milp {
            return Err(Error::ResourceLimit {
                what: "MILP variables for the pure-Rust microlp solver",
                requested: n as u64,
                limit: MICROLP_MAX_VARIABLES as u64,
                setting: "the `highs` cargo feature (or a heuristic algorithm)",
            });
        }
        return Ok(None);
    }
    let mut vars = ProblemVariables::new();
    let x: Vec<_> = (0..n).map(|_| vars.add(variable().binary())).collect();
    let mut obj = Expression::with_capacity(n);
    for c in 0..n {
        obj.add_mul(costs[c], x[c]);
    }
    let mut cons = Vec::with_capacity(order.len());
    for cands in &order {
        let mut e = Expression::with_capacity(cands.len());
        for &c in *cands {
            e.add_mul(1.0, x[c as usize]);
        }
        cons.push(e.geq(f64::from(rows[cands])));
    }
    let mut is_warm = vec![0.0; n];
    for &c in warm {
        is_warm[c] = 1.0;
    }
    let init: Vec<_> = x.iter().zip(&is_warm).map(|(&v, &w)| (v, w)).collect();
    let limit = options
        .time_limit
        .min(MAX_SOLVER_TIME_LIMIT)
        .as_secs_f64()
        .max(0.05);
    let err = |e: good_lp::ResolutionError| Error::Solver {
        message: e.to_string(),
    };
    #[cfg(feature = "highs")]
    let (values, optimal): (Vec<f64>, bool) = {
        use good_lp::{WithInitialSolution, WithTimeLimit};
        let mut pb = vars
            .minimise(obj)
            .using(good_lp::highs)
            .with_time_limit(limit)
            .set_option("mip_lp_solver", "ipm")
            .with_initial_solution(init);
        for c in cons {
            pb.add_constraint(c);
        }
        let s = pb.solve().map_err(err)?;
        let opt = matches!(s.status(), good_lp::SolutionStatus::Optimal);
        (x.iter().map(|&v| s.value(v)).collect(), opt)
    };
    #[cfg(not(feature = "highs"))]
    let (values, optimal): (Vec<f64>, bool) = {
        use good_lp::{WithInitialSolution, WithTimeLimit};
        let mut pb = vars
            .minimise(obj)
            .using(good_lp::microlp)
            .with_time_limit(limit)
            .with_initial_solution(init);
        for c in cons {
            pb.add_constraint(c);
        }
        let s = pb.solve().map_err(err)?;
        let opt = matches!(s.status(), good_lp::SolutionStatus::Optimal);
        (x.iter().map(|&v| s.value(v)).collect(), opt)
    };
    let chosen = (0..n).filter(|&c| values[c] > 0.5).collect();
    Ok(Some((chosen, optimal)))
}
