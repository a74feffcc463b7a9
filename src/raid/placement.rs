//! Placement for least leakage: choose sites that minimise the expected value-weighted leakers
//! of a given raid.
//!
//! # Method
//!
//! **Sample-average approximation** (Kleywegt, Shapiro & Homem-de-Mello, "The sample average
//! approximation method for stochastic discrete optimization", *SIAM J. Optim.* 12(2) 2002,
//! 479–502): the expectation is replaced by the mean over a fixed sample of replications
//! (one seed: **common random numbers**, so two candidate plans are compared on the same
//! raids). The candidates are a pool: the start plan's plus, per class of the start plan, the
//! `pool` candidates of the placement model covering the most weight. One [`RaidModel`] is built over the fixed sites
//! and the whole pool **without netting** (each unit's slots then depend on its own sensor
//! only, so a plan is a mask of units, [`simulate_masked`](super::simulate_masked)).
//!
//! 1. **Greedy**: from the fixed sites, add the pool candidate that lowers the SAA objective
//!    most while the problem's constraints hold ([`CoveringProblem::check`]), up to as many
//!    sites as the start plan.
//! 2. **Swap local search** from the better of the greedy and the start plan: replace a chosen
//!    candidate by a pool candidate of the same class when that lowers the objective and stays
//!    feasible, until no swap improves or the time limit.
//!
//! The answer must then be judged on **independent** raids (another seed), as the example
//! does: the SAA optimum is biased low on its own sample.
//!
//! # Examples
//! ```no_run
//! use skycover::placement::Planner;
//! use skycover::raid::placement::{least_leakage_placement, LeakageOptions};
//! use skycover::raid::Raid;
//! use skycover::Scenario;
//! let s = Scenario::builtin("kyiv")?;
//! let planner = Planner::new(&s);
//! let model = planner.model()?;
//! let plan = planner.plan_model(&model)?;
//! let raid = Raid::from_scenario(&s, 10, 600.0)?;
//! let p = least_leakage_placement(&s, &model, &plan.candidate_indices, &raid, &LeakageOptions::default())?;
//! assert!(p.objective <= p.start_objective);
//! # Ok::<(), skycover::Error>(())
//! ```

use super::{simulate_masked, Raid, RaidModel, RaidOptions};
use crate::diagnostic::{codes, Diagnostic};
use crate::error::{Error, Result};
use crate::placement::PlacementModel;
use crate::scenario::Scenario;
use crate::site::Site;
use serde::Serialize;
use std::time::{Duration, Instant};

/// Options of [`least_leakage_placement`].
#[derive(Debug, Clone, PartialEq)]
pub struct LeakageOptions {
    /// Simulation options of the SAA sample (replications = sample size, seed = the sample).
    pub raid: RaidOptions,
    /// Pool candidates per class of the start plan (largest covered weight first); swaps keep
    /// the class.
    pub pool: usize,
    /// Time limit of greedy and swap search together.
    pub time_limit: Duration,
}

impl Default for LeakageOptions {
    /// 64 replications, seed 1, a pool of 15 per class, 30 s.
    fn default() -> Self {
        LeakageOptions {
            raid: RaidOptions {
                replications: 64,
                ..RaidOptions::default()
            },
            pool: 15,
            time_limit: Duration::from_secs(30),
        }
    }
}

/// A least-leakage plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeakagePlan {
    /// Chosen candidates of the placement model, sorted.
    pub chosen: Vec<usize>,
    /// The sites: fixed first, then the chosen candidates'.
    pub sites: Vec<Site>,
    /// SAA objective (expected value-weighted leakers on the sample) of the plan.
    pub objective: f64,
    /// SAA objective of the start plan.
    pub start_objective: f64,
    /// SAA objective of the greedy plan.
    pub greedy_objective: f64,
    /// Improving swaps made.
    pub swaps: u32,
    /// Simulations run.
    pub evaluations: u64,
    /// Remarks.
    pub diagnostics: Vec<Diagnostic>,
}

/// Least-leakage placement by SAA greedy + swap local search. See the [module docs](self).
///
/// Parameters: the scenario, its placement model (candidates, constraints), a feasible start
/// (e.g. the coverage-optimal plan's [`candidate_indices`](crate::Plan::candidate_indices)),
/// the raid, options.
///
/// Returns: a [`LeakagePlan`] feasible for every constraint of the model, never worse on the
/// sample than the start.
///
/// Complexity: each evaluation is one simulation of `replications`; greedy makes
/// `|start| × pool` of them, each swap pass as many, within the time limit.
///
/// # Errors
/// [`Error::InvalidInput`] for a start candidate out of range; [`Error::Infeasible`] for an
/// infeasible start; as [`RaidModel::new`] and [`simulate_masked`].
pub fn least_leakage_placement(
    scenario: &Scenario,
    model: &PlacementModel,
    start: &[usize],
    raid: &Raid,
    opts: &LeakageOptions,
) -> Result<LeakagePlan> {
    let problem = &model.problem;
    let n = model.candidates.len();
    if let Some(&c) = start.iter().find(|&&c| c >= n) {
        return Err(Error::InvalidInput {
            what: "least_leakage_placement.start".into(),
            reason: format!("candidate {c} out of range ({n} candidates)"),
        });
    }
    problem.check(start)?;
    let t0 = Instant::now();
    let mut diagnostics = Vec::new();
    // pool: the start's candidates, then the most-covering ones
    let w = problem.matrix().weights();
    let mut pool: Vec<usize> = start.to_vec();
    for c in crate::resilience::pool_by_group(problem, w, start, opts.pool) {
        if !pool.contains(&c) {
            pool.push(c);
        }
    }
    if pool.len() < n {
        diagnostics.push(Diagnostic::info(
            codes::RAID_PLACEMENT_POOL_CUT,
            format!(
                "least-leakage placement searched {} of {n} candidates (the plan's and, per class, the most-covering ones)",
                pool.len()
            ),
        ));
    }
    let nf = model.fixed.len();
    let mut sites: Vec<Site> = model.fixed.clone();
    sites.extend(pool.iter().map(|&c| model.candidates[c].site.clone()));
    let rm = RaidModel::new(scenario, &sites, scenario.terrain(), raid, Some(false))?;
    let mut evaluations = 0u64;
    let mut eval = |chosen: &[usize]| -> Result<f64> {
        let mut active = vec![false; sites.len()];
        active[..nf].iter_mut().for_each(|a| *a = true);
        for &c in chosen {
            if let Some(p) = pool.iter().position(|&x| x == c) {
                active[nf + p] = true;
            }
        }
        evaluations += 1;
        Ok(simulate_masked(&rm, raid, &opts.raid, Some(&active))?
            .weighted_leakers
            .mean)
    };
    let start_obj = eval(start)?;
    let mut timed_out = false;
    // greedy
    let mut greedy: Vec<usize> = Vec::new();
    let mut greedy_obj = eval(&greedy)?;
    while greedy.len() < start.len() {
        let mut best: Option<(f64, usize)> = None;
        for &c in &pool {
            if greedy.contains(&c) {
                continue;
            }
            if t0.elapsed() > opts.time_limit {
                timed_out = true;
                break;
            }
            greedy.push(c);
            let ok = problem.check(&greedy).is_ok();
            let v = if ok { Some(eval(&greedy)?) } else { None };
            greedy.pop();
            if let Some(v) = v {
                if best.map_or(true, |(b, _)| v < b) {
                    best = Some((v, c));
                }
            }
        }
        match best {
            Some((v, c)) if !timed_out => {
                greedy.push(c);
                greedy_obj = v;
            }
            _ => break,
        }
    }
    let greedy_ok = problem.check(&greedy).is_ok() && greedy.len() == start.len();
    let (mut cur, mut cur_obj) = if greedy_ok && greedy_obj < start_obj {
        (greedy.clone(), greedy_obj)
    } else {
        (start.to_vec(), start_obj)
    };
    // swaps
    let mut swaps = 0u32;
    'outer: while !timed_out {
        let mut improved = false;
        for pos in 0..cur.len() {
            for &c in &pool {
                if t0.elapsed() > opts.time_limit {
                    timed_out = true;
                    break 'outer;
                }
                if cur.contains(&c) || problem.groups()[c] != problem.groups()[cur[pos]] {
                    continue;
                }
                let mut cand = cur.clone();
                cand[pos] = c;
                if problem.check(&cand).is_err() {
                    continue;
                }
                let v = eval(&cand)?;
                if v < cur_obj - 1e-9 * cur_obj.abs().max(1.0) {
                    cur = cand;
                    cur_obj = v;
                    swaps += 1;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
    if timed_out {
        diagnostics.push(Diagnostic::warning(
            codes::RAID_PLACEMENT_TIME_LIMIT,
            "least-leakage placement stopped at its time limit (the answer depends on the machine's speed)",
        ));
    }
    cur.sort_unstable();
    let mut out_sites = model.fixed.clone();
    out_sites.extend(cur.iter().map(|&c| {
        let mut s = model.candidates[c].site.clone();
        s.fixed = false;
        s
    }));
    Ok(LeakagePlan {
        chosen: cur,
        sites: out_sites,
        objective: cur_obj,
        start_objective: start_obj,
        greedy_objective: greedy_obj,
        swaps,
        evaluations,
        diagnostics,
    })
}
