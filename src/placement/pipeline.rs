//! The solve pipeline behind [`covering::solve`](super::covering::solve) on one (presolved or
//! raw) model: greedy, local search, the certified bound, then the exact branch-and-bound or
//! the MILP as the algorithm asks. Each step is a method of [`Run`], which holds the incumbent
//! plan, its bound and what was said about them; a later step only ever raises the plan's value
//! or lowers the bound, and a proof is claimed only when the returned plan meets the bound.

use super::bound::{upper_bound, Limits};
use super::covering::{gap_percent, Algorithm, Solution, SolveOptions, SolveStats};
use super::covering::{LS_TIME_SHARE, MAX_SOLVER_TIME_LIMIT};
use super::greedy::greedy_until;
use super::local_search::{iterated_local_search, LocalSearchOutcome};
use super::milp::{self, MilpOutcome, MICROLP_MAX_VARIABLES};
use super::objective::CoveringProblem;
use crate::diagnostic::{codes, Diagnostic};
use crate::error::{Error, Result};
use std::time::{Duration, Instant};

/// Solves `problem` without presolve (see [`covering::solve`](super::covering::solve)).
pub(crate) fn solve_model(problem: &CoveringProblem, options: &SolveOptions) -> Result<Solution> {
    let mut run = Run::start(problem, options)?;
    if options.algorithm != Algorithm::Greedy {
        run.local_search();
    }
    run.bound();
    let want_milp = match options.algorithm {
        Algorithm::Exact => {
            run.exact();
            false
        }
        Algorithm::Milp => true,
        Algorithm::Best => gap_percent(run.value, run.bound) > 1e-9,
        _ => false,
    };
    if want_milp {
        run.milp()?;
    }
    Ok(run.finish())
}

/// One solve's state: the incumbent plan and its value, the certified bound, the statistics
/// and diagnostics so far.
struct Run<'a> {
    problem: &'a CoveringProblem,
    options: &'a SolveOptions,
    t0: Instant,
    /// `None` when the time limit is beyond the clock's range (the work limits decide).
    deadline: Option<Instant>,
    stats: SolveStats,
    diagnostics: Vec<Diagnostic>,
    chosen: Vec<usize>,
    value: f64,
    bound: f64,
    proven: bool,
}

impl<'a> Run<'a> {
    /// The clock, the deadline and the greedy plan.
    fn start(problem: &'a CoveringProblem, options: &'a SolveOptions) -> Result<Run<'a>> {
        let t0 = Instant::now();
        let mut diagnostics = Vec::new();
        // a time limit too large to represent means "no time limit" (never an overflow panic)
        let deadline = t0.checked_add(options.time_limit);
        if deadline.is_none() {
            diagnostics.push(Diagnostic::info(
                codes::PLACEMENT_TIME_LIMIT_SATURATED,
                format!(
                    "time limit {:?} is beyond the clock's range: the work limits alone decide",
                    options.time_limit
                ),
            ));
        }
        let g = greedy_until(problem, deadline)?;
        if g.stopped {
            diagnostics.push(Diagnostic::warning(
                codes::PLACEMENT_GREEDY_TIME_LIMIT,
                format!(
                    "greedy stopped at the time limit after {} sites ({:.2} s into this \
                     solve): the plan is partial (the local search and bound start from it) \
                     and depends on the machine's speed; raise the time limit",
                    g.chosen.len(),
                    t0.elapsed().as_secs_f64()
                ),
            ));
        }
        let stats = SolveStats {
            root_bound: f64::INFINITY,
            greedy_s: t0.elapsed().as_secs_f64(),
            evaluations: g.evaluations,
            ..SolveStats::default()
        };
        let mut chosen = g.chosen;
        chosen.sort_unstable();
        Ok(Run {
            problem,
            options,
            t0,
            deadline,
            stats,
            diagnostics,
            chosen,
            value: g.value,
            bound: f64::INFINITY,
            proven: false,
        })
    }

    /// Adopts `chosen` if its value beats the incumbent.
    fn adopt(&mut self, value: f64, chosen: Vec<usize>) {
        if value > self.value {
            self.value = value;
            self.chosen = chosen;
        }
    }

    /// The local search from the incumbent until `until`, its time and counters added to the
    /// statistics.
    fn polish(&mut self, until: Option<Instant>) -> LocalSearchOutcome {
        let t = Instant::now();
        let ls = iterated_local_search(
            self.problem,
            &self.chosen,
            self.options.seed,
            self.options.max_passes,
            self.options.perturbations,
            until,
        );
        self.stats.local_search_s += t.elapsed().as_secs_f64();
        self.stats.evaluations += ls.evaluations;
        self.stats.swaps += ls.swaps;
        ls
    }

    /// The default local search, with a diagnostic when it ran the plain search or stopped at
    /// the time limit.
    fn local_search(&mut self) {
        // the first local search leaves part of a time limit to the bound (see LS_TIME_SHARE)
        let until = match self.deadline {
            Some(_) if self.options.bound_iterations > 0 => self
                .t0
                .checked_add(self.options.time_limit.mul_f64(LS_TIME_SHARE)),
            d => d,
        };
        let ls = self.polish(until);
        self.stats.passes = ls.passes;
        if ls.plain {
            let sites: usize = self.problem.capacities.iter().map(|&c| c as usize).sum();
            self.diagnostics.push(Diagnostic::info(
                codes::PLACEMENT_LOCAL_SEARCH_PLAIN,
                format!(
                    "{} candidates × {sites} sites exceed the fast local search's tables \
                     ({} entries): the plain swap search ran instead (slower per round, \
                     same work limits)",
                    self.problem.n_candidates(),
                    super::interchange::MAX_TABLE_ENTRIES
                ),
            ));
        }
        if ls.hit_deadline {
            self.diagnostics.push(Diagnostic::warning(
                codes::PLACEMENT_LOCAL_SEARCH_TIME_LIMIT,
                format!(
                    "local search stopped at the time limit ({:?}; {} % of it when a bound \
                     follows) before its work limits (max_passes, perturbations): the plan \
                     depends on the machine's speed",
                    self.options.time_limit,
                    LS_TIME_SHARE * 100.0
                ),
            ));
        }
        self.adopt(ls.value, ls.chosen);
    }

    /// The certified upper bound; a better plan met by its Lagrangian heuristic is adopted
    /// (and polished unless the algorithm is the greedy).
    fn bound(&mut self) {
        let t = Instant::now();
        let limits = Limits {
            target_gap: (self.options.bound_target_gap_percent / 100.0).max(0.0),
            ..Limits::new(self.options.bound_iterations, self.deadline)
        };
        let b = upper_bound(self.problem, &self.chosen, self.value, limits);
        self.stats.bound_s = t.elapsed().as_secs_f64();
        let stop = super::bound::stop_diagnostic(&b, self.value, self.options);
        self.diagnostics.extend(stop);
        self.stats.online_bound = b.online;
        self.stats.lagrangian_bound = b.lagrangian;
        self.stats.bound_iterations = b.iterations;
        self.stats.lp_floor = b.lp_floor;
        self.bound = b.bound;
        let Some((pv, plan)) = b.primal else { return };
        if pv <= self.value {
            return;
        }
        self.value = pv;
        self.chosen = plan;
        if self.options.algorithm != Algorithm::Greedy {
            let ls = self.polish(self.deadline);
            self.adopt(ls.value, ls.chosen);
        }
        self.diagnostics.push(Diagnostic::info(
            codes::PLACEMENT_LAGRANGIAN_IMPROVED,
            "the bound's Lagrangian heuristic improved the plan",
        ));
    }

    /// The exact branch-and-bound, unless the bound already meets the plan.
    fn exact(&mut self) {
        if self.value >= self.bound {
            self.proven = true;
            return;
        }
        let t = Instant::now();
        let deadline = self
            .deadline
            .unwrap_or_else(|| self.t0 + MAX_SOLVER_TIME_LIMIT);
        let o = super::exact::run_exact(
            self.problem,
            &self.chosen,
            self.value,
            self.options,
            deadline,
        );
        let stats = &mut self.stats;
        stats.milp_s = t.elapsed().as_secs_f64();
        stats.nodes = o.nodes;
        stats.root_fixed = o.root_fixed as u32;
        stats.root_bound = o.root_bound;
        let iterations = o.iterations.min(u64::from(u32::MAX)) as u32;
        stats.bound_iterations = stats.bound_iterations.saturating_add(iterations);
        if o.value > self.value && self.problem.check(&o.chosen).is_ok() {
            let v = self.problem.evaluate(&o.chosen);
            self.adopt(v, o.chosen.clone());
        }
        self.bound = self.bound.min(o.bound).max(self.value);
        // a proof needs the returned plan's recomputed value to meet the bound (the
        // branch-and-bound's bound carries a 1e-9 relative safety margin: compare at 1e-8)
        self.proven = o.proven && self.value >= self.bound - 1e-8 * self.bound.abs().max(1.0);
        self.diagnostics.extend(super::exact::stop_diagnostic(&o));
        self.diagnostics.extend(super::exact::order_diagnostic(&o));
        self.diagnostics.extend(super::exact::rules_diagnostic(&o));
    }

    /// The MILP (HiGHS with the `highs` feature, else microlp on small models).
    ///
    /// # Errors
    /// For [`Algorithm::Milp`] only: a model too large for microlp, or an infeasible one.
    fn milp(&mut self) -> Result<()> {
        let problem = self.problem;
        let too_big = !cfg!(feature = "highs") && milp::model_size(problem) > MICROLP_MAX_VARIABLES;
        if too_big && self.options.algorithm != Algorithm::Milp {
            self.diagnostics.push(Diagnostic::info(
                codes::PLACEMENT_MILP_SKIPPED,
                format!(
                    "MILP skipped: the model has more than {MICROLP_MAX_VARIABLES} variables, \
                     too many for the pure-Rust solver (enable the `highs` feature)"
                ),
            ));
            return Ok(());
        }
        let remaining = self
            .deadline
            .map_or(self.options.time_limit, |d| {
                d.saturating_duration_since(Instant::now())
            })
            .min(MAX_SOLVER_TIME_LIMIT);
        let t = Instant::now();
        let outcome = milp::solve_milp(
            problem,
            &self.chosen,
            remaining.max(Duration::from_millis(50)),
        );
        self.stats.milp_s = t.elapsed().as_secs_f64();
        match outcome {
            Ok(m) => self.adopt_milp(m),
            Err(e @ (Error::ResourceLimit { .. } | Error::Infeasible { .. }))
                if self.options.algorithm == Algorithm::Milp =>
            {
                return Err(e)
            }
            Err(e) => self.diagnostics.push(Diagnostic::warning(
                codes::PLACEMENT_MILP_FAILED,
                format!("MILP failed ({e}); kept the heuristic plan"),
            )),
        }
        Ok(())
    }

    /// Takes the MILP's bound, and its plan only after the exact check; a reported optimum
    /// is a proof only when the plan meets the bound.
    fn adopt_milp(&mut self, m: MilpOutcome) {
        self.stats.milp_solver = Some(m.solver.to_string());
        self.stats.milp_bound = m.bound;
        self.stats.milp_size = Some(m.size);
        if let Some(mb) = m.bound {
            self.bound = self.bound.min(mb);
        }
        let mut mc = m.chosen;
        mc.sort_unstable();
        if let Err(e) = self.problem.check(&mc) {
            self.diagnostics.push(Diagnostic::warning(
                codes::PLACEMENT_MILP_FAILED,
                format!("MILP solution rejected by the exact check ({e}); kept the heuristic plan"),
            ));
            return;
        }
        let mv = self.problem.evaluate(&mc);
        self.adopt(mv, mc);
        if !m.proven_optimal {
            self.diagnostics.push(Diagnostic::warning(
                codes::PLACEMENT_MILP_TIME_LIMIT,
                "MILP stopped at the time limit without proving optimality",
            ));
            return;
        }
        if m.bound.is_none() {
            self.bound = self.bound.min(mv.max(self.value));
        }
        // never take the solver's word: the plan must meet the bound
        let (value, bound) = (self.value, self.bound);
        if value >= bound - 1e-6 * bound.abs().max(1.0) {
            self.proven = true;
        } else {
            self.diagnostics.push(Diagnostic::warning(
                codes::PLACEMENT_PROOF_REJECTED,
                format!(
                    "the MILP solver reported optimality but its plan ({value}) does not \
                     meet its bound ({bound}); not claimed as proven"
                ),
            ));
        }
    }

    /// The solution: the bound never below the plan's value.
    fn finish(mut self) -> Solution {
        let bound = self.bound.max(self.value);
        self.stats.total_s = self.t0.elapsed().as_secs_f64();
        Solution {
            objective: self.value,
            initial_objective: self.problem.matrix.initial_objective(),
            max_objective: self.problem.matrix.max_objective(),
            upper_bound: bound,
            gap_percent: gap_percent(self.value, bound),
            proven_optimal: self.proven,
            algorithm: self.options.algorithm,
            chosen: self.chosen,
            stats: self.stats,
            diagnostics: self.diagnostics,
        }
    }
}
