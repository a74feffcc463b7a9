//! Exact MILP through [good_lp](https://docs.rs/good_lp).
//!
//! # Formulation
//!
//! Binary `x_c` per candidate; continuous `y_a ∈ [0, r_a]` per **aggregated** demand unit:
//! units with the same residual requirement `r = k − initial` and the same set of covering
//! candidates always take the same `y`, so they are merged into one variable whose objective
//! coefficient is the sum of their `w / k` (on a grid this shrinks the model several-fold).
//! Units already satisfied or that no candidate covers are constants.
//!
//! * maximise `Σ_a coef_a · y_a` (+ the constant value of the fixed sites);
//! * `y_a ≤ Σ_{c covers a} x_c` (linking);
//! * `Σ_{c ∈ g} x_c ≤ capacity_g` per group; `Σ cost_c x_c ≤ budget`;
//! * `x_a + x_b ≤ 1` per conflicting pair (spacing);
//! * `Σ_{q ∈ protectors} x_q ≥ need · x_c` per support rule (`≥ need` for unconditional ones).
//!
//! # Solvers
//!
//! * Default: pure-Rust **microlp**, with the time limit and the heuristic plan as warm start.
//!   Its branch and bound is only practical on small models, so models with more than
//!   [`MICROLP_MAX_VARIABLES`] variables are refused with [`Error::ResourceLimit`].
//! * Cargo feature `highs`: **HiGHS** (`mip_lp_solver = "ipm"`, `mip_rel_gap = 1e-6`, time
//!   limit, warm start through `Highs_setSolution`, presolve off above
//!   [`HIGHS_PRESOLVE_MAX_NONZEROS`]), reporting its MIP dual bound (`mip_dual_bound`).
//!
//! The caller ([`crate::placement::covering::solve`]) always keeps the better of the warm
//! start and the MILP's plan, so a time limit never makes a plan worse than the heuristic.

use super::objective::CoveringProblem;
use crate::error::{Error, Result};
use good_lp::{variable, Constraint, Expression, ProblemVariables, Variable};
use std::collections::HashMap;
use std::time::Duration;

/// Largest model (variables after aggregation) the pure-Rust microlp solver is given.
pub const MICROLP_MAX_VARIABLES: usize = 3_000;

/// Above this many non-zeros HiGHS runs without presolve, which otherwise overruns the time
/// limit on dense models (e.g. 60 s of presolve for a 6.8 M non-zero Kyiv model).
pub const HIGHS_PRESOLVE_MAX_NONZEROS: usize = 1_000_000;

/// Result of a MILP solve.
#[derive(Debug, Clone)]
pub(crate) struct MilpOutcome {
    /// Chosen candidates (sorted).
    pub(crate) chosen: Vec<usize>,
    /// The solver's proven upper bound on the objective (with the fixed sites' constant).
    pub(crate) bound: Option<f64>,
    /// True when the solver proved optimality.
    pub(crate) proven_optimal: bool,
    /// Solver name.
    pub(crate) solver: &'static str,
    /// Variables and constraints in the model.
    pub(crate) size: (usize, usize),
}

/// The model in solver-independent form.
struct Model {
    vars: ProblemVariables,
    x: Vec<Variable>,
    objective: Expression,
    constraints: Vec<Constraint>,
    #[cfg_attr(feature = "highs", allow(dead_code))]
    initial: Vec<(Variable, f64)>,
    /// Warm-start value per column, in creation order (x then y).
    #[cfg_attr(not(feature = "highs"), allow(dead_code))]
    columns: Vec<f64>,
    constant: f64,
    n_vars: usize,
    /// Non-zeros of the linking rows.
    #[cfg_attr(not(feature = "highs"), allow(dead_code))]
    nnz: usize,
}

/// Number of variables the model of `p` would have (x plus aggregated y), without building it.
pub(crate) fn model_size(p: &CoveringProblem) -> usize {
    p.n_candidates() + aggregate(p).0.len()
}

/// Aggregated units: (residual r, candidate set) → coefficient; plus the constant.
#[allow(clippy::type_complexity)]
fn aggregate(p: &CoveringProblem) -> (Vec<(f64, f64, Vec<u32>)>, f64) {
    let m = &p.matrix;
    let t = m.transpose();
    let (w, k, init) = (m.weights(), m.required(), m.initial());
    let mut index: HashMap<(u8, &[u32]), usize> = HashMap::new();
    let mut aggs: Vec<(f64, f64, Vec<u32>)> = Vec::new();
    for u in 0..m.n_units() {
        let r = k[u].saturating_sub(init[u]);
        let cands = t.of(u);
        if r == 0 || cands.is_empty() || w[u] == 0.0 {
            continue;
        }
        let coef = w[u] / f64::from(k[u]);
        match index.get(&(r, cands)) {
            Some(&a) => aggs[a].0 += coef,
            None => {
                index.insert((r, cands), aggs.len());
                aggs.push((coef, f64::from(r), cands.to_vec()));
            }
        }
    }
    (aggs, m.initial_objective())
}

fn build(p: &CoveringProblem, warm: &[usize]) -> Model {
    let n = p.n_candidates();
    let (aggs, constant) = aggregate(p);
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = (0..n).map(|_| vars.add(variable().binary())).collect();
    let mut is_warm = vec![false; n];
    for &c in warm {
        if c < n {
            is_warm[c] = true;
        }
    }
    let mut initial: Vec<(Variable, f64)> = x
        .iter()
        .enumerate()
        .map(|(c, &v)| (v, if is_warm[c] { 1.0 } else { 0.0 }))
        .collect();
    let mut objective = Expression::with_capacity(aggs.len());
    let mut constraints = Vec::with_capacity(aggs.len() + p.capacities.len() + 1);
    for (coef, r, cands) in &aggs {
        let y = vars.add(variable().min(0.0).max(*r));
        objective.add_mul(*coef, y);
        let mut e = Expression::with_capacity(cands.len() + 1);
        e.add_mul(1.0, y);
        let mut covered: f64 = 0.0;
        for &c in cands {
            e.add_mul(-1.0, x[c as usize]);
            if is_warm[c as usize] {
                covered += 1.0;
            }
        }
        constraints.push(e.leq(0.0));
        initial.push((y, covered.min(*r)));
    }
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); p.capacities.len()];
    for c in 0..n {
        members[p.groups[c] as usize].push(c);
    }
    for (g, mem) in members.iter().enumerate() {
        if mem.len() as u64 > u64::from(p.capacities[g]) {
            let mut e = Expression::with_capacity(mem.len());
            for &c in mem {
                e.add_mul(1.0, x[c]);
            }
            constraints.push(e.leq(f64::from(p.capacities[g])));
        }
    }
    if let (Some(b), Some(costs)) = (p.budget, p.costs.as_ref()) {
        let mut e = Expression::with_capacity(n);
        for c in 0..n {
            if costs[c] != 0.0 {
                e.add_mul(costs[c], x[c]);
            }
        }
        constraints.push(e.leq(b));
    }
    for a in 0..n {
        for &b in p.conflicts_of(a) {
            let b = b as usize;
            if a < b {
                constraints.push((x[a] + x[b]).leq(1.0));
            }
        }
    }
    for rule in &p.rules {
        let mut e = Expression::with_capacity(rule.protectors.len() + 1);
        for &q in &rule.protectors {
            e.add_mul(1.0, x[q]);
        }
        match rule.protected {
            Some(c) => {
                e.add_mul(-f64::from(rule.need), x[c]);
                constraints.push(e.geq(0.0));
            }
            None => constraints.push(e.geq(f64::from(rule.need))),
        }
    }
    let n_vars = n + aggs.len();
    let nnz = aggs.iter().map(|a| a.2.len() + 1).sum();
    let columns = initial.iter().map(|&(_, v)| v).collect();
    Model {
        vars,
        x,
        objective,
        constraints,
        initial,
        columns,
        constant,
        n_vars,
        nnz,
    }
}

/// Solves the MILP with the configured solver (HiGHS with the `highs` feature, else microlp).
///
/// # Errors
/// [`Error::ResourceLimit`] when microlp would get more than [`MICROLP_MAX_VARIABLES`]
/// variables; [`Error::Solver`] when the solver fails (e.g. finds no solution in time);
/// [`Error::Infeasible`] when it proves the model infeasible.
pub(crate) fn solve_milp(
    p: &CoveringProblem,
    warm: &[usize],
    time_limit: Duration,
) -> Result<MilpOutcome> {
    #[cfg(feature = "highs")]
    {
        solve_highs(p, warm, time_limit)
    }
    #[cfg(not(feature = "highs"))]
    {
        solve_microlp(p, warm, time_limit)
    }
}

fn solver_error(e: good_lp::ResolutionError) -> Error {
    match e {
        good_lp::ResolutionError::Infeasible => Error::Infeasible {
            reason: "the MILP solver proved the placement model infeasible".into(),
        },
        other => Error::Solver {
            message: other.to_string(),
        },
    }
}

/// Solves with the pure-Rust microlp solver.
///
/// # Errors
/// As [`solve_milp`].
#[cfg_attr(feature = "highs", allow(dead_code))]
pub(crate) fn solve_microlp(
    p: &CoveringProblem,
    warm: &[usize],
    time_limit: Duration,
) -> Result<MilpOutcome> {
    use good_lp::{Solution, SolutionStatus, SolverModel, WithInitialSolution, WithTimeLimit};
    let size = model_size(p);
    if size > MICROLP_MAX_VARIABLES {
        return Err(Error::ResourceLimit {
            what: "MILP variables for the pure-Rust microlp solver",
            requested: size as u64,
            limit: MICROLP_MAX_VARIABLES as u64,
            setting: "the `highs` cargo feature (or a heuristic algorithm)",
        });
    }
    let model = build(p, warm);
    let n_cons = model.constraints.len();
    let mut problem = model
        .vars
        .maximise(model.objective)
        .using(good_lp::microlp)
        .with_time_limit(time_limit.as_secs_f64())
        .with_initial_solution(model.initial);
    for c in model.constraints {
        problem.add_constraint(c);
    }
    let solution = problem.solve().map_err(solver_error)?;
    let proven = matches!(solution.status(), SolutionStatus::Optimal);
    let chosen: Vec<usize> = model
        .x
        .iter()
        .enumerate()
        .filter(|(_, &v)| solution.value(v) > 0.5)
        .map(|(c, _)| c)
        .collect();
    let stats = solution.into_inner().stats();
    let bound = stats.best_bound.map(|b| b + model.constant);
    Ok(MilpOutcome {
        chosen,
        bound,
        proven_optimal: proven,
        solver: "microlp",
        size: (model.n_vars, n_cons),
    })
}

/// Solves with HiGHS (`mip_lp_solver = "ipm"`, time limit, warm start).
///
/// # Errors
/// As [`solve_milp`].
#[cfg(feature = "highs")]
pub(crate) fn solve_highs(
    p: &CoveringProblem,
    warm: &[usize],
    time_limit: Duration,
) -> Result<MilpOutcome> {
    use good_lp::SolverModel;
    use highs::HighsModelStatus as S;
    let model = build(p, warm);
    let n_cons = model.constraints.len();
    let mut problem = model.vars.maximise(model.objective).using(good_lp::highs);
    for c in model.constraints {
        problem.add_constraint(c);
    }
    let mut hm = problem.try_into_inner().map_err(solver_error)?;
    hm.make_quiet();
    let opt_err = |k: &str| Error::Solver {
        message: format!("HiGHS rejected option {k}"),
    };
    hm.try_set_option("time_limit", time_limit.as_secs_f64().max(0.01))
        .map_err(|_| opt_err("time_limit"))?;
    hm.try_set_option("mip_lp_solver", "ipm")
        .map_err(|_| opt_err("mip_lp_solver"))?;
    hm.try_set_option("mip_rel_gap", 1e-6)
        .map_err(|_| opt_err("mip_rel_gap"))?;
    if model.nnz > HIGHS_PRESOLVE_MAX_NONZEROS {
        // HiGHS's presolve does not watch the clock closely enough on dense models
        hm.try_set_option("presolve", "off")
            .map_err(|_| opt_err("presolve"))?;
    }
    hm.try_set_option("random_seed", 0i32)
        .map_err(|_| opt_err("random_seed"))?;
    hm.try_set_solution(Some(&model.columns), None, None, None)
        .map_err(|e| Error::Solver {
            message: format!("HiGHS rejected the warm start: {e:?}"),
        })?;
    let solved = hm.try_solve().map_err(|e| Error::Solver {
        message: format!("HiGHS failed: {e:?}"),
    })?;
    let status = solved.status();
    let proven = match status {
        S::Optimal => true,
        S::ReachedTimeLimit
        | S::ReachedIterationLimit
        | S::ReachedSolutionLimit
        | S::ReachedInterrupt
        | S::ReachedMemoryLimit
        | S::ObjectiveBound
        | S::ObjectiveTarget => false,
        S::Infeasible | S::UnboundedOrInfeasible => {
            return Err(Error::Infeasible {
                reason: "HiGHS proved the placement model infeasible".into(),
            })
        }
        other => {
            return Err(Error::Solver {
                message: format!("HiGHS stopped with status {other:?}"),
            })
        }
    };
    if solved.primal_solution_status() != highs::HighsSolutionStatus::Feasible {
        return Err(Error::Solver {
            message: format!("HiGHS found no feasible solution (status {status:?})"),
        });
    }
    let sol = solved.get_solution();
    let values = sol.columns();
    // columns are in creation order: x first
    let chosen: Vec<usize> = (0..model.x.len())
        .filter(|&c| values.get(c).is_some_and(|&x| x > 0.5))
        .collect();
    let bound = solved
        .double_info_value(c"mip_dual_bound")
        .ok()
        .filter(|b| b.is_finite())
        .map(|b| b + model.constant);
    Ok(MilpOutcome {
        chosen,
        bound,
        proven_optimal: proven,
        solver: "highs",
        size: (model.n_vars, n_cons),
    })
}
