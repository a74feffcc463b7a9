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

use super::matrix::CoverageMatrix;
use super::milp::MICROLP_MAX_VARIABLES;
use super::objective::CoveringProblem;
use super::presolve::PresolveStats;
use super::setcover::{cost_of, lagrangian_cover, shrink_equal_cost};
use crate::diagnostic::{codes, Diagnostic};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// Share of [`SolveOptions::time_limit`] (counted from the start of the model's solve, after
/// presolve) after which the first local search stops when a bound is asked for
/// (`bound_iterations > 0`), so that a time-limited solve still spends the rest on the bound
/// instead of returning the online bound alone (1 M × 20 k under load: 0 subgradient
/// iterations and a 13.5 % gap without it). The local search's work limits usually stop it
/// far earlier; a cut leaves [`codes::PLACEMENT_LOCAL_SEARCH_TIME_LIMIT`].
pub const LS_TIME_SHARE: f64 = 0.5;

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
    /// Greedy and local search as the incumbent, then skycover's own branch-and-bound
    /// ([`crate::placement::exact`]: Lagrangian bounds, reduced-cost fixing), pure Rust, which
    /// proves the optimum unless a work or time limit stops it (then the bound of the open
    /// nodes and a diagnostic). Every side constraint is handled: capacities, budget,
    /// spacing conflicts, mutual-support rules and depth k.
    Exact,
}

impl Algorithm {
    /// A short name: `greedy`, `greedy+local_search`, `milp`, `best`.
    pub fn name(&self) -> &'static str {
        match self {
            Algorithm::Greedy => "greedy",
            Algorithm::GreedyLocalSearch => "greedy+local_search",
            Algorithm::Milp => "milp",
            Algorithm::Best => "best",
            Algorithm::Exact => "exact",
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
    /// Wall-clock limit for presolve, local search, the bound's subgradient loop and the MILP
    /// together (checked between presolve's phases and before the local search's setup):
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
    /// Perturbation rounds of the iterated local search (remove a few neighbouring sites,
    /// refill greedily, descend again; keep improvements), shared among two chains run in
    /// parallel; for [`set_covering`] with unit costs, [`SET_COVER_STEPS_PER_ROUND`] local
    /// search steps per round. 0: plain swap descent. Default 64.
    pub perturbations: u32,
    /// Maximum subgradient iterations of the Lagrangian bound (0: online bound only).
    /// Default 1000.
    pub bound_iterations: u32,
    /// Presolve the model first ([`crate::placement::presolve`]: identical units aggregated,
    /// dominated candidates dropped; same optimum). Default true.
    pub presolve: bool,
    /// Node limit of [`Algorithm::Exact`]'s branch-and-bound (a work limit: it decides the
    /// result deterministically; the time limit is only a safety net). Default 2 000 000.
    pub max_nodes: u64,
    /// Stop the bound's subgradient loop as soon as the certified gap
    /// `(bound − plan) / bound` is at most this many percent (a work limit, checked after
    /// every iteration; 0: off, run to `bound_iterations` or convergence). The bound is
    /// still certified, only less tight than more iterations could make it. Default 0.
    pub bound_target_gap_percent: f64,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            algorithm: Algorithm::default(),
            time_limit: Duration::from_secs(120),
            seed: 0,
            max_passes: 100,
            perturbations: 64,
            bound_iterations: 1000,
            presolve: true,
            max_nodes: 2_000_000,
            bound_target_gap_percent: 0.0,
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
    /// Seconds in the MILP solver, or in the branch-and-bound for [`Algorithm::Exact`] (0 when
    /// not run).
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
    /// A lower estimate of the LP relaxation's value from the bound's averaged fractional plan
    /// (`None` with a budget or without bound iterations): no LP-level bound (Lagrangian, LP)
    /// can go below it, so `(lp_floor − objective) / lp_floor` is the smallest gap such a
    /// bound could certify for this plan.
    pub lp_floor: Option<f64>,
    /// The MILP solver used, if any.
    pub milp_solver: Option<String>,
    /// The MILP solver's own bound, if it reported one.
    pub milp_bound: Option<f64>,
    /// MILP size: (variables after aggregation, constraints).
    pub milp_size: Option<(usize, usize)>,
    /// Presolve reduction counts (all zero when presolve is off).
    pub presolve: PresolveStats,
    /// Branch-and-bound nodes ([`Algorithm::Exact`]).
    pub nodes: u64,
    /// Candidates fixed at the branch-and-bound root by reduced costs.
    pub root_fixed: u32,
    /// The branch-and-bound root's Lagrangian bound (infinite when not run).
    pub root_bound: f64,
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
    if !options.presolve {
        return super::pipeline::solve_model(problem, options);
    }
    let t0 = Instant::now();
    // large models: the same reductions without the full transpose (bound at scale)
    let pre = super::presolve::reduce(problem, t0.checked_add(options.time_limit))?;
    // the time limit counts from the call, presolve included
    let rest = SolveOptions {
        time_limit: options.time_limit.saturating_sub(t0.elapsed()),
        ..*options
    };
    let Some(pre) = pre else {
        return super::presolve::unreduced(problem, &rest, t0);
    };
    let mut s = super::pipeline::solve_model(&pre.problem, &rest)?;
    super::presolve::map_back(problem, &pre, &mut s, t0)?;
    Ok(s)
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

/// Row-weighting local search steps per perturbation round ([`SolveOptions::perturbations`])
/// in [`set_covering`] with unit costs: 64 rounds (the default) give 32 768 steps.
pub const SET_COVER_STEPS_PER_ROUND: u64 = 512;

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
    /// A proven lower bound on the cost of every cover (Lagrangian relaxation, rounded up
    /// for integer costs; the cover's cost when optimality is proven).
    pub lower_bound: f64,
    /// `100 · (cost − lower_bound) / cost` (0 for an empty cover).
    pub gap_percent: f64,
    /// Branch-and-bound nodes spent proving ([`Algorithm::Exact`], equal costs).
    pub nodes: u64,
    /// Typed remarks (limits that cut the bound or the proof short, solver claims rejected,
    /// the MILP skipped, units that cannot be covered).
    pub diagnostics: Vec<Diagnostic>,
}

/// Set covering (LSCP): the minimum-cost set of candidates giving every unit its required
/// depth (minus its initial depth), as far as the candidates can; units that cannot get it
/// are reported in [`SetCoverSolution::uncoverable`].
///
/// `costs` defaults to 1 per candidate (minimum number of sites). Greedy (Chvátal's
/// cost-effectiveness rule with lazy evaluation) followed by redundancy elimination; then a
/// Lagrangian lower bound ([`SetCoverSolution::lower_bound`], `bound_iterations` subgradient
/// steps) whose primal heuristic may improve the cover (beyond [`Algorithm::Greedy`]). With
/// unit (equal) costs and beyond [`Algorithm::Greedy`], a row-weighting local search (RWLS,
/// Gao, Weise & Li 2015; [`SET_COVER_STEPS_PER_ROUND`] × `perturbations` steps, a work limit)
/// then shrinks the cover towards the lower bound. With
/// [`Algorithm::Exact`] and equal costs, skycover's branch-and-bound on the maximal-covering
/// twin searches for a cover one site smaller until it proves none exists; with
/// [`Algorithm::Milp`] and [`Algorithm::Best`] (and [`Algorithm::Exact`] with unequal costs)
/// the MILP when it fits the solver, warm-started from the best cover. A proof is claimed only
/// when the cover's recomputed cost meets a lower bound (its own, or the MILP solver's dual
/// bound); a limit that cuts the bound or the proof short leaves a diagnostic.
///
/// # Complexity
/// Greedy: O(nnz log n) with lazy evaluation; each bound iteration O(nnz). The
/// branch-and-bound and the MILP are bounded by `max_nodes` and the time limit.
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
    // the time limit counts from the call
    let t0 = Instant::now();
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
    // a year is the ceiling of any time limit (never an overflow panic)
    let deadline = t0 + options.time_limit.min(MAX_SOLVER_TIME_LIMIT);
    let chosen = greedy_cover(matrix, &costs, &need);
    let mut best_cost = cost_of(&costs, &chosen);
    let mut best = chosen;
    let mut proven = false;
    let mut diagnostics = Vec::new();
    let mut nodes = 0;
    let heuristic = options.algorithm != Algorithm::Greedy;
    // Lagrangian lower bound (and, beyond greedy, its primal covers)
    let iterations = if heuristic {
        options.bound_iterations
    } else {
        options.bound_iterations.min(200)
    };
    let lb = lagrangian_cover(
        matrix,
        &t,
        &costs,
        &need,
        best_cost,
        iterations,
        Some(deadline),
    );
    if lb.hit_deadline {
        diagnostics.push(Diagnostic::warning(
            codes::PLACEMENT_COVER_TIME_LIMIT,
            format!(
                "the set-covering lower bound stopped at the time limit after {} of {} \
                 iterations",
                lb.iterations, iterations
            ),
        ));
    }
    let mut lower = lb.lower;
    if let Some((c, cost)) = lb.cover {
        if heuristic && cost < best_cost && covers_all(matrix, &c, &need) {
            best = c;
            best_cost = cost;
        }
    }
    let equal = n > 0 && costs.iter().all(|&c| c == costs[0]) && costs[0] > 0.0;
    let met = |lower: f64, cost: f64| lower >= cost - 1e-9 * cost.abs().max(1.0);
    if equal && heuristic && !met(lower, best_cost) {
        // unit costs: row-weighting local search shrinks the cover towards the bound
        let c0 = costs[0];
        let target = ((lower / c0) - 1e-9).ceil().max(0.0) as usize;
        let steps = u64::from(options.perturbations).saturating_mul(SET_COVER_STEPS_PER_ROUND);
        let rw = super::setcover::row_weighting_search(
            matrix,
            &t,
            &need,
            &best,
            target,
            steps,
            options.seed,
            Some(deadline),
        );
        if rw.hit_deadline {
            diagnostics.push(Diagnostic::warning(
                codes::PLACEMENT_COVER_TIME_LIMIT,
                format!(
                    "the set-covering local search stopped at the time limit after {} of {} \
                     steps: the cover depends on the machine's speed",
                    rw.steps, steps
                ),
            ));
        }
        if rw.cover.len() < best.len() && covers_all(matrix, &rw.cover, &need) {
            best_cost = cost_of(&costs, &rw.cover);
            best = rw.cover;
        }
    }
    if equal && heuristic && !met(lower, best_cost) {
        let c0 = costs[0];
        let lower_sites = ((lower / c0) - 1e-9).ceil().max(0.0) as usize;
        let sh = shrink_equal_cost(
            matrix,
            &need,
            best.clone(),
            lower_sites,
            options.seed,
            options.algorithm == Algorithm::Exact,
            options.max_nodes,
            deadline,
        )?;
        nodes = sh.nodes;
        if sh.cover.len() < best.len() && covers_all(matrix, &sh.cover, &need) {
            best_cost = cost_of(&costs, &sh.cover);
            best = sh.cover;
        }
        lower = lower.max(sh.lower_sites as f64 * c0);
        if let Some(stop) = sh.stopped {
            let (code, field) = match stop {
                super::exact::ExactStop::Time => (codes::PLACEMENT_EXACT_TIME_LIMIT, "time_limit"),
                _ => (codes::PLACEMENT_EXACT_NODE_LIMIT, "max_nodes"),
            };
            diagnostics.push(
                Diagnostic::warning(
                    code,
                    format!(
                        "the set-covering proof stopped at a limit after {} nodes: optimality \
                         not proven",
                        sh.nodes
                    ),
                )
                .with_field(field),
            );
        }
    }
    if met(lower, best_cost) {
        proven = true;
    }
    let want_milp = !proven
        && match options.algorithm {
            Algorithm::Milp | Algorithm::Best => true,
            Algorithm::Exact => !equal,
            _ => false,
        };
    if want_milp {
        match cover_milp(matrix, &costs, &need, &best, options) {
            Ok(Some((mc, claims_optimal, dual))) => {
                let valid = covers_all(matrix, &mc, &need);
                let mcost = cost_of(&costs, &mc);
                if valid && mcost < best_cost {
                    best_cost = mcost;
                    best = mc;
                }
                if claims_optimal {
                    // never take the solver's word: the returned cover, recomputed, must
                    // meet the solver's own dual bound
                    let integral = costs.iter().all(|&c| (c - c.round()).abs() < 1e-12);
                    let meets = match dual {
                        Some(d) => {
                            let d = if integral { (d - 1e-6).ceil() } else { d };
                            valid && best_cost <= d + 1e-6 * d.abs().max(1.0)
                        }
                        // microlp reports no dual bound: its optimal status stands for its
                        // own cover's cost
                        None => valid && mcost <= best_cost + 1e-9,
                    };
                    if meets {
                        proven = true;
                        lower = lower.max(best_cost);
                    } else {
                        diagnostics.push(Diagnostic::warning(
                            codes::PLACEMENT_PROOF_REJECTED,
                            format!(
                                "the MILP solver reported optimality, but the best cover \
                                 ({best_cost}) does not meet its dual bound ({}); not claimed \
                                 as proven",
                                dual.map_or("none".to_string(), |d| d.to_string())
                            ),
                        ));
                    }
                } else {
                    diagnostics.push(Diagnostic::warning(
                        codes::PLACEMENT_MILP_TIME_LIMIT,
                        "the set-covering MILP stopped without a proof",
                    ));
                }
            }
            Ok(None) => diagnostics.push(Diagnostic::info(
                codes::PLACEMENT_MILP_SKIPPED,
                format!(
                    "MILP skipped: more than {MICROLP_MAX_VARIABLES} variables for the \
                     pure-Rust solver (enable the `highs` feature)"
                ),
            )),
            Err(e) if options.algorithm == Algorithm::Milp => return Err(e),
            Err(e) => diagnostics.push(Diagnostic::warning(
                codes::PLACEMENT_MILP_FAILED,
                format!("MILP failed ({e}); kept the greedy cover"),
            )),
        }
    }
    if !uncoverable.is_empty() {
        diagnostics.push(Diagnostic::warning(
            codes::PLACEMENT_UNCOVERABLE_UNITS,
            format!(
                "{} unit(s) cannot reach their required depth even with every candidate",
                uncoverable.len()
            ),
        ));
    }
    if proven {
        lower = best_cost;
    }
    let lower = lower.min(best_cost);
    best.sort_unstable();
    Ok(SetCoverSolution {
        chosen: best,
        cost: best_cost,
        uncoverable,
        proven_optimal: proven,
        lower_bound: lower,
        gap_percent: if best_cost > 0.0 {
            (100.0 * (best_cost - lower) / best_cost).max(0.0)
        } else {
            0.0
        },
        nodes,
        diagnostics,
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
pub(crate) fn greedy_cover(m: &CoverageMatrix, costs: &[f64], need: &[u32]) -> Vec<usize> {
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

/// A MILP cover: chosen candidates, whether the solver claims optimality, its dual bound.
type MilpCover = (Vec<usize>, bool, Option<f64>);

/// The set-covering MILP; `Ok(None)` when too large for microlp.
fn cover_milp(
    m: &CoverageMatrix,
    costs: &[f64],
    need: &[u32],
    warm: &[usize],
    options: &SolveOptions,
) -> Result<Option<MilpCover>> {
    use good_lp::{variable, Expression, ProblemVariables, SolverModel};
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
    let (values, optimal, dual): (Vec<f64>, bool, Option<f64>) = {
        use highs::HighsModelStatus as S;
        let _ = init;
        let mut pb = vars.minimise(obj).using(good_lp::highs);
        for c in cons {
            pb.add_constraint(c);
        }
        let mut hm = pb.try_into_inner().map_err(err)?;
        hm.make_quiet();
        let opt_err = |k: &str| Error::Solver {
            message: format!("HiGHS rejected option {k}"),
        };
        hm.try_set_option("time_limit", limit)
            .map_err(|_| opt_err("time_limit"))?;
        hm.try_set_option("mip_rel_gap", 1e-9)
            .map_err(|_| opt_err("mip_rel_gap"))?;
        hm.try_set_option("random_seed", 0i32)
            .map_err(|_| opt_err("random_seed"))?;
        hm.try_set_solution(Some(&is_warm), None, None, None)
            .map_err(|e| Error::Solver {
                message: format!("HiGHS rejected the warm start: {e:?}"),
            })?;
        let solved = hm.try_solve().map_err(|e| Error::Solver {
            message: format!("HiGHS failed: {e:?}"),
        })?;
        let status = solved.status();
        if solved.primal_solution_status() != highs::HighsSolutionStatus::Feasible {
            return Err(Error::Solver {
                message: format!("HiGHS found no feasible cover (status {status:?})"),
            });
        }
        let dual = solved
            .double_info_value(c"mip_dual_bound")
            .ok()
            .filter(|b| b.is_finite());
        let sol = solved.get_solution();
        let v: Vec<f64> = (0..n)
            .map(|c| sol.columns().get(c).copied().unwrap_or(0.0))
            .collect();
        (v, matches!(status, S::Optimal), dual)
    };
    #[cfg(not(feature = "highs"))]
    let (values, optimal, dual): (Vec<f64>, bool, Option<f64>) = {
        use good_lp::Solution as _;
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
        (x.iter().map(|&v| s.value(v)).collect(), opt, None)
    };
    let chosen = (0..n).filter(|&c| values[c] > 0.5).collect();
    Ok(Some((chosen, optimal, dual)))
}
