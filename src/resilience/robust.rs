//! Robust placement: maximise the coverage left after the worst single loss, with a bound
//! certified for that max-min objective.
//!
//! For a chosen set `S` (fixed sites sit in the matrix's initial depth and are never lost),
//! `f(S) = Σ_u w_u·min(d_u, k_u)/k_u` and the robust value is `R(S) = min_{j∈S} f(S \ {j})`
//! (`R(∅) = f(∅)`). Losing `j` lowers the depth of each of its units by one, which costs
//! `w_u/k_u` exactly where `d_u ≤ k_u`, so with the **unique weight**
//! `U_j = Σ_{u ∈ j, d_u ≤ k_u} w_u/k_u` (for `k = 1`: the weight only `j` covers),
//! `R(S) = f(S) − max_{j∈S} U_j`.
//!
//! # Search ([`robust_placement`])
//! 1. Start: the better (by `R`, then `f`) of the given plan and a **backup-coverage** plan
//!    (every unit asks one more depth; Hogan & ReVelle, "Concepts and applications of backup
//!    coverage", *Management Science* 32(11) 1986, 1434–1444).
//! 2. **Best-improvement descent** on `(R, f)` (lexicographic: a move must raise `R`, or keep
//!    it and raise `f`): every move "replace chosen `o` by any unchosen candidate of the same
//!    class" (and "add a candidate" while the class has spare capacity) over the **whole**
//!    candidate set, evaluated incrementally: removing `o` is applied once (depths, `f`, the
//!    unique weights it changes), then each swap-in `i` costs `O(|units of i| · k)` plus a scan
//!    of the unique weights in decreasing order that stops at the first one that cannot be the
//!    maximum. Swap-ins are evaluated in parallel (rayon) and reduced by `(R, f, smallest
//!    candidate)`, so the answer does not depend on the thread count. Candidates in spacing
//!    conflict or over the budget are skipped; the best moves are then confirmed with
//!    [`CoveringProblem::check`] (every side constraint the planner honours) in order.
//! 3. **Iterated local search**: kick the best plan (1–2 same-class swaps, half of them to a
//!    candidate that covers the units only the current worst site holds), descend again, keep
//!    the result if better; a seeded generator ([`RobustOptions::seed`]) and work limits
//!    ([`RobustOptions::max_passes`], [`RobustOptions::perturbations`]) decide the answer; the
//!    time limit is a safety net with a [`codes::RESILIENCE_ROBUST_TIME_LIMIT`] warning.
//!
//! # Bound ([`robust_upper_bound`])
//! Two valid bounds; the smaller is kept, and never above the planner's bound `UB` of the
//! problem itself (`R* ≤ f(S*) ≤ UB`: losing a site never adds coverage).
//!
//! **Average loss.** The worst loss is at least the average one:
//! `R(S) = f(S) − max_j U_j ≤ f(S) − Σ_j U_j / |S| ≤ f(S) − Σ_j U_j / P =: h(S)` for every plan
//! of at most `P` sites (`P = Σ_c min(capacity_c, candidates of c)`; `R(∅) = h(∅)`). For a
//! unit with no fixed cover (initial depth 0), `Σ_j U_j` counts `w/k` once per chosen owner
//! while `d ≤ k`, so the unit adds `(w/k)(1 − 1/P)·d` to `h` for `d ≤ k` and `w` beyond `k`:
//! exactly `a·min(d, k)/k + b·min(d, k+1)/(k+1)` with `a = w(1 − (k+1)/P)`, `b = w(k+1)/P`
//! (both ≥ 0 when `P ≥ k + 1`). So `h` is the planner's own objective on a matrix where each
//! such unit is split into a depth-`k` copy of weight `a` and a depth-`k+1` copy of weight `b`
//! (units already satisfied by fixed sites are constants), under all the same constraints;
//! hence `R* ≤ max_S h(S) ≤ UB_h`, its certified bound. (Not computed, `None`, for a unit
//! partly covered by fixed sites, a required depth of 8, or `P ≤ k`.)
//!
//! **One fewer unit.** For a class `c`, let `P_c` be the problem with one fewer unit of `c` and without its
//! mutual-support rules, and `UB_c` the planner's certified upper bound of `P_c`
//! ([`crate::placement::covering::solve`]).
//!
//! `Z_c` that of `Q_c`, the problem with no unit of `c` (support rules dropped too).
//!
//! *Claim.* For every class `c` with capacity ≥ 1 and at least one candidate,
//! `R* = max_S R(S) ≤ max(UB_c, Z_c)`, so `R* ≤ min_c max(UB_c, Z_c)`; when the problem has no
//! budget, no spacing conflicts and no support rules, even `R* ≤ min_c UB_c`.
//!
//! *Proof.* Take any feasible `S`. If `S` holds a unit `j` of class `c`, `S \ {j}` has at most
//! `capacity_c − 1` units of `c`, costs no more (costs are ≥ 0) and keeps no conflicting pair
//! (a subset of a conflict-free set), so it is feasible for `P_c`, which has dropped the
//! support rules a loss may break: `R(S) ≤ f(S \ {j}) ≤ OPT(P_c) ≤ UB_c`. If `S` holds no unit
//! of `c` (the empty plan included), it is feasible for `Q_c`: `R(S) ≤ f(S) ≤ Z_c`. Without
//! budget, conflicts and rules, adding a candidate `i` to any `S` within capacity never lowers
//! `R`: `R(S ∪ {i}) = min(f(S), min_{j∈S} f(S ∪ {i} \ {j})) ≥ R(S)` since `f` is monotone; so
//! some optimal `S*` holds a unit of every class `c` above and the first case alone gives
//! `R* ≤ UB_c` for each of them. ∎ (`Z_c` is small for a class that carries much of the
//! coverage, which is what makes the bound useful when losing such a unit is the worst case.)
//!
//! # Examples
//! ```
//! use skycover::placement::{CoverageMatrix, CoveringProblem};
//! use skycover::resilience::{robust_placement, RobustOptions};
//! // unit 0 (weight 3) is covered by candidates 0 and 1, unit 1 (weight 1) by 2 only
//! let m = CoverageMatrix::from_sets(vec![3.0, 1.0], &[vec![0], vec![0], vec![1]])?;
//! let p = CoveringProblem::new(m, 2);
//! // start from {0, 2}: losing 0 leaves 1; the robust plan {0, 1} keeps 3 after any loss
//! let r = robust_placement(&p, &[0, 2], 4.0, &RobustOptions::default())?;
//! assert_eq!(r.chosen, vec![0, 1]);
//! assert_eq!(r.worst_case_objective, 3.0);
//! // certified: with one site fewer no plan covers more than 3
//! assert!((r.upper_bound - 3.0).abs() < 1e-6 && r.gap_percent < 1e-4);
//! # Ok::<(), skycover::Error>(())
//! ```

use super::{check_chosen, worst_case};
use crate::diagnostic::{codes, Diagnostic};
use crate::error::{Error, Result};
use crate::placement::covering::{solve, Algorithm, SolveOptions};
use crate::placement::{CoverageMatrix, CoveringProblem};
use crate::scenario::MAX_REQUIRED_DEPTH;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;
use std::cmp::Ordering;
use std::time::{Duration, Instant};

/// Options of [`robust_placement`].
#[derive(Debug, Clone, PartialEq)]
pub struct RobustOptions {
    /// Wall-clock safety net of the search (the solves have their own in `solve`); the work
    /// limits decide the result. Default 20 s.
    pub time_limit: Duration,
    /// Options of the backup-coverage solve and of the per-class bound solves.
    pub solve: SolveOptions,
    /// Seed of the perturbations. Default 0.
    pub seed: u64,
    /// Most best-improvement passes per descent (each pass evaluates every same-class swap).
    /// Default 200.
    pub max_passes: u32,
    /// Perturbation rounds of the iterated local search (0: one descent). Default 24.
    pub perturbations: u32,
    /// Compute the max-min bound of [`robust_upper_bound`] (one solve per class). Default true;
    /// false keeps only the `upper_bound` handed in.
    pub certify: bool,
}

impl Default for RobustOptions {
    fn default() -> Self {
        RobustOptions {
            time_limit: Duration::from_secs(20),
            solve: SolveOptions {
                time_limit: Duration::from_secs(20),
                ..SolveOptions::default()
            },
            seed: 0,
            max_passes: 200,
            perturbations: 24,
            certify: true,
        }
    }
}

/// The bound of one class: the planner's certified bound with one fewer unit of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassBound {
    /// The class (group) name.
    pub class: String,
    /// Its capacity in the problem.
    pub capacity: u32,
    /// Certified upper bound of the problem with `capacity − 1` units of it (support rules
    /// dropped).
    pub bound: f64,
    /// Certified upper bound of the problem with no unit of it (support rules dropped); `None`
    /// when not needed (a problem with capacities only).
    pub without: Option<f64>,
}

/// A certified upper bound on the best robust value `max_S min_j f(S \ {j})`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RobustBound {
    /// The bound (see the [module docs](self) for its proof): the smaller of
    /// [`one_fewer`](Self::one_fewer) and [`average`](Self::average).
    pub bound: f64,
    /// The one-fewer-unit bound over the classes.
    pub one_fewer: f64,
    /// The average-loss bound (`None` when the matrix's depths do not allow it: a unit
    /// partly covered by fixed sites, a required depth of 8, or fewer sites than depth + 1).
    pub average: Option<f64>,
    /// The most sites any plan can hold, `P = Σ_c min(capacity_c, candidates of c)`.
    pub max_sites: u32,
    /// One entry per class with capacity ≥ 1 and at least one candidate.
    pub classes: Vec<ClassBound>,
    /// True for a problem with capacities only (no budget, conflicts or support rules): the
    /// one-fewer bound is then the minimum of the classes' `bound`; otherwise it is the
    /// minimum over classes of `max(bound, without)`.
    pub min_over_classes: bool,
}

/// A plan that maximises the coverage left after its worst single loss.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RobustPlan {
    /// Chosen candidates, sorted.
    pub chosen: Vec<usize>,
    /// Objective with every site.
    pub objective: f64,
    /// Objective after the worst single loss, `R(S)`.
    pub worst_case_objective: f64,
    /// The candidate whose loss is worst.
    pub worst_loss: Option<usize>,
    /// `R` of the plan it started from.
    pub start_worst_case: f64,
    /// `R` of the backup-coverage plan.
    pub backup_worst_case: f64,
    /// Certified upper bound on the best `R`: the smaller of the max-min bound
    /// ([`RobustPlan::robust_bound`]) and the planner's bound handed in, never below `R`.
    pub upper_bound: f64,
    /// The planner's bound on the ordinary objective that was handed in.
    pub planner_bound: f64,
    /// The max-min bound and its per-class parts (`None` when not computed).
    pub robust_bound: Option<RobustBound>,
    /// `100 · (upper_bound − R) / upper_bound`.
    pub gap_percent: f64,
    /// Improving moves made (descents and accepted perturbations).
    pub swaps: u32,
    /// Best-improvement passes over the whole neighbourhood.
    pub passes: u32,
    /// Perturbation rounds run.
    pub perturbations: u32,
    /// Swap-ins evaluated.
    pub evaluations: u64,
    /// Remarks.
    pub diagnostics: Vec<Diagnostic>,
}

/// The max-min bound of the [module docs](self): the smaller of the average-loss bound and the
/// one-fewer-unit bound (the planner's certified bounds of the problem with one fewer unit and
/// with no unit of each class, support rules dropped).
///
/// Parameters: the problem; the options of each class's solve (its bound iterations and time
/// limit decide how tight each bound is; every one is valid).
///
/// Returns: [`RobustBound`]. Complexity: one [`solve`] per class (two with a budget,
/// conflicts or support rules), one more for the average-loss bound.
///
/// # Errors
/// As [`solve`].
///
/// # Examples
/// ```
/// use skycover::placement::{CoverageMatrix, CoveringProblem, SolveOptions};
/// use skycover::resilience::robust_upper_bound;
/// let m = CoverageMatrix::from_sets(vec![3.0, 1.0], &[vec![0], vec![0], vec![1]])?;
/// let b = robust_upper_bound(&CoveringProblem::new(m, 2), &SolveOptions::default())?;
/// assert!((b.bound - 3.0).abs() < 1e-6); // one site: at most 3
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn robust_upper_bound(problem: &CoveringProblem, opts: &SolveOptions) -> Result<RobustBound> {
    let relaxed = problem.clone().with_support_rules(Vec::new())?;
    let caps = problem.capacities();
    let mut has = vec![false; caps.len()];
    for &g in problem.groups() {
        has[g as usize] = true;
    }
    let min_over_classes = problem.budget().is_none()
        && problem.n_conflicts() == 0
        && problem.support_rules().is_empty();
    let mut classes = Vec::new();
    for g in 0..caps.len() {
        if caps[g] == 0 || !has[g] {
            continue;
        }
        let mut p = relaxed.clone();
        p.capacities[g] -= 1;
        let s = solve(&p, opts)?;
        let without = if min_over_classes {
            None
        } else {
            p.capacities[g] = 0;
            let z = solve(&p, opts)?;
            Some(z.upper_bound.max(z.objective))
        };
        classes.push(ClassBound {
            class: problem.group_names[g].clone(),
            capacity: caps[g],
            bound: s.upper_bound.max(s.objective),
            without,
        });
    }
    let empty = problem.matrix().initial_objective();
    let one_fewer = classes
        .iter()
        .map(|c| c.without.map_or(c.bound, |z| z.max(c.bound)))
        .fold(f64::INFINITY, f64::min);
    let one_fewer = if classes.is_empty() {
        empty
    } else {
        one_fewer.max(empty)
    };
    let mut size = vec![0u32; caps.len()];
    for &g in problem.groups() {
        size[g as usize] += 1;
    }
    let max_sites: u32 = size.iter().zip(caps).map(|(&n, &c)| n.min(c)).sum();
    let average = match average_problem(problem, max_sites)? {
        Some(q) => {
            let s = solve(&q, opts)?;
            Some(s.upper_bound.max(s.objective).max(empty))
        }
        None => None,
    };
    Ok(RobustBound {
        bound: average.map_or(one_fewer, |a| a.min(one_fewer)),
        one_fewer,
        average,
        max_sites,
        classes,
        min_over_classes,
    })
}

/// The average-loss relaxation of the [module docs](self): the same problem on a matrix whose
/// objective `h(S)` is `f(S) − Σ_j U_j / P ≥ R(S)` for every plan of at most `P` sites.
fn average_problem(problem: &CoveringProblem, max_sites: u32) -> Result<Option<CoveringProblem>> {
    let m = problem.matrix();
    let n = m.n_units();
    let p = f64::from(max_sites);
    let (w, k, init) = (m.weights(), m.required(), m.initial());
    let mut weights = Vec::with_capacity(2 * n);
    weights.extend_from_slice(w);
    weights.resize(2 * n, 0.0);
    let mut req = k.to_vec();
    req.resize(2 * n, 1);
    let mut ini = init.to_vec();
    ini.resize(2 * n, 0);
    let mut split = vec![false; n];
    for u in 0..n {
        if init[u] >= k[u] || w[u] == 0.0 {
            continue; // a constant term, no site holds it critically
        }
        if init[u] > 0 || k[u] >= MAX_REQUIRED_DEPTH || max_sites <= u32::from(k[u]) {
            return Ok(None);
        }
        let k1 = f64::from(k[u]) + 1.0;
        weights[u] = w[u] * (1.0 - k1 / p);
        weights[n + u] = w[u] * k1 / p;
        req[n + u] = k[u] + 1;
        split[u] = true;
    }
    let mut q = CoverageMatrix::new(weights)?;
    for c in 0..m.n_candidates() {
        let units = m.units_of(c);
        q.push_candidate(
            units.iter().map(|&u| u as usize).chain(
                units
                    .iter()
                    .filter(|&&u| split[u as usize])
                    .map(|&u| n + u as usize),
            ),
        )?;
    }
    let q = q.with_required_depth(req)?.with_initial_depth(ini)?;
    let mut out = problem.clone();
    out.matrix = q;
    Ok(Some(out))
}

/// `R` and `f` compared lexicographically with a relative tolerance: is `(r, f)` better than
/// `(r0, f0)`?
fn better(r: f64, f: f64, r0: f64, f0: f64) -> bool {
    let tol = |x: f64| 1e-9 * x.abs().max(1.0);
    r > r0 + tol(r0) || (r >= r0 && f > f0 + tol(f0))
}

/// The incremental state of a chosen set.
struct State<'a> {
    m: &'a CoverageMatrix,
    /// Chosen candidates (order of insertion; positions index `unique`).
    chosen: Vec<usize>,
    /// Position of each candidate in `chosen`, `u32::MAX` if not chosen.
    pos: Vec<u32>,
    /// Depth of each unit (initial depth included).
    depth: Vec<u8>,
    /// Chosen candidates covering each unit.
    owners: Vec<Vec<u32>>,
    /// Unique weight `U_j` per chosen position.
    unique: Vec<f64>,
    /// `f(S)`.
    f: f64,
}

#[inline]
fn step(w: f64, k: u8) -> f64 {
    if k == 0 {
        0.0
    } else {
        w / f64::from(k)
    }
}

impl<'a> State<'a> {
    fn new(m: &'a CoverageMatrix, chosen: &[usize]) -> State<'a> {
        let mut s = State {
            m,
            chosen: Vec::new(),
            pos: vec![u32::MAX; m.n_candidates()],
            depth: Vec::new(),
            owners: vec![Vec::new(); m.n_units()],
            unique: Vec::new(),
            f: 0.0,
        };
        s.rebuild(chosen);
        s
    }

    /// Recomputes everything from scratch for `chosen` (no drift).
    fn rebuild(&mut self, chosen: &[usize]) {
        let m = self.m;
        for &c in &self.chosen {
            self.pos[c] = u32::MAX;
            for &u in m.units_of(c) {
                self.owners[u as usize].clear();
            }
        }
        self.chosen = chosen.to_vec();
        self.depth = m.depths_of(chosen);
        for (p, &c) in chosen.iter().enumerate() {
            self.pos[c] = p as u32;
            for &u in m.units_of(c) {
                self.owners[u as usize].push(c as u32);
            }
        }
        let (w, k) = (m.weights(), m.required());
        self.f = m.value_of_depths(&self.depth);
        self.unique = chosen
            .iter()
            .map(|&c| {
                m.units_of(c)
                    .iter()
                    .map(|&u| {
                        let u = u as usize;
                        if self.depth[u] <= k[u] {
                            step(w[u], k[u])
                        } else {
                            0.0
                        }
                    })
                    .sum()
            })
            .collect();
    }

    fn r(&self) -> f64 {
        self.f - self.unique.iter().copied().fold(0.0, f64::max)
    }
}

/// The effect of removing one chosen candidate, applied to a copy of the depths and unique
/// weights.
struct Removed {
    /// Position removed (`None`: an add move).
    out: Option<usize>,
    depth: Vec<u8>,
    unique: Vec<f64>,
    f: f64,
    /// Positions (except `out`) by decreasing unique weight.
    order: Vec<u32>,
}

fn remove(s: &State<'_>, out: Option<usize>) -> Removed {
    let m = s.m;
    let (w, k) = (m.weights(), m.required());
    let mut depth = s.depth.clone();
    let mut unique = s.unique.clone();
    let mut f = s.f;
    if let Some(p) = out {
        let o = s.chosen[p];
        for &u in m.units_of(o) {
            let u = u as usize;
            let d = depth[u];
            if d <= k[u] {
                f -= step(w[u], k[u]);
            } else if d == k[u].saturating_add(1) && k[u] > 0 {
                // the unit falls to depth k: every other owner now holds it critically
                for &c in &s.owners[u] {
                    if c as usize != o {
                        unique[s.pos[c as usize] as usize] += step(w[u], k[u]);
                    }
                }
            }
            depth[u] = d - 1;
        }
    }
    let mut order: Vec<u32> = (0..s.chosen.len() as u32)
        .filter(|&q| Some(q as usize) != out)
        .collect();
    order.sort_by(|&a, &b| {
        unique[b as usize]
            .total_cmp(&unique[a as usize])
            .then(a.cmp(&b))
    });
    Removed {
        out,
        depth,
        unique,
        f,
        order,
    }
}

/// `(R, f)` after adding `i` to the removed state; `dec` is a zeroed scratch per position.
fn add_value(
    s: &State<'_>,
    rm: &Removed,
    i: usize,
    dec: &mut [f64],
    touched: &mut Vec<u32>,
) -> (f64, f64) {
    let m = s.m;
    let (w, k) = (m.weights(), m.required());
    let out_c = rm.out.map(|p| s.chosen[p]);
    let mut gain = 0.0;
    let mut own = 0.0;
    touched.clear();
    for &u in m.units_of(i) {
        let u = u as usize;
        let (d, ku) = (rm.depth[u], k[u]);
        if ku == 0 {
            continue;
        }
        match d.cmp(&ku) {
            Ordering::Less => {
                let x = step(w[u], ku);
                gain += x;
                own += x;
            }
            Ordering::Equal => {
                let x = step(w[u], ku);
                for &c in &s.owners[u] {
                    if Some(c as usize) != out_c {
                        let q = s.pos[c as usize];
                        if dec[q as usize] == 0.0 {
                            touched.push(q);
                        }
                        dec[q as usize] += x;
                    }
                }
            }
            Ordering::Greater => {}
        }
    }
    let mut worst = own;
    for &q in &rm.order {
        let uq = rm.unique[q as usize];
        if uq <= worst {
            break;
        }
        worst = worst.max(uq - dec[q as usize]);
    }
    for &q in touched.iter() {
        dec[q as usize] = 0.0;
    }
    let f = rm.f + gain;
    (f - worst, f)
}

/// A move: position out (or add), candidate in, its `(R, f)`.
#[derive(Debug, Clone, Copy)]
struct Move {
    out: Option<usize>,
    cand: usize,
    r: f64,
    f: f64,
}

/// Deterministic order of moves: higher `R`, then higher `f`, then smaller indices.
fn move_cmp(a: &Move, b: &Move) -> Ordering {
    b.r.total_cmp(&a.r)
        .then(b.f.total_cmp(&a.f))
        .then(a.cand.cmp(&b.cand))
        .then(a.out.cmp(&b.out))
}

struct Search<'a> {
    problem: &'a CoveringProblem,
    /// Candidates of each group.
    members: Vec<Vec<usize>>,
    deadline: Option<Instant>,
    evaluations: u64,
    passes: u32,
    swaps: u32,
    timed_out: bool,
    pass_limited: bool,
}

/// Moves kept per removed position for the feasibility confirmation.
const KEEP_PER_OUT: usize = 8;

impl<'a> Search<'a> {
    fn over(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// Improving moves of `s`, best first (at most [`KEEP_PER_OUT`] per removed position).
    fn improving(&mut self, s: &State<'_>) -> Vec<Move> {
        let p = self.problem;
        let (r0, f0) = (s.r(), s.f);
        let mut count = vec![0u32; p.capacities().len()];
        for &c in &s.chosen {
            count[p.groups()[c] as usize] += 1;
        }
        let cost: f64 = s.chosen.iter().map(|&c| p.cost(c)).sum();
        let nchosen = s.chosen.len();
        let mut outs: Vec<(Option<usize>, usize)> = (0..nchosen)
            .map(|q| (Some(q), p.groups()[s.chosen[q]] as usize))
            .collect();
        for (g, (&n, &cap)) in count.iter().zip(p.capacities()).enumerate() {
            if n < cap && !self.members[g].is_empty() {
                outs.push((None, g));
            }
        }
        let mut all = Vec::new();
        for (out, g) in outs {
            let rm = remove(s, out);
            let out_c = out.map(|q| s.chosen[q]);
            let base_cost = cost - out_c.map_or(0.0, |o| p.cost(o));
            let cands = &self.members[g];
            self.evaluations += cands.len() as u64;
            let mut found: Vec<Move> = cands
                .par_iter()
                .with_min_len(64)
                .map_init(
                    || (vec![0.0f64; nchosen], Vec::new()),
                    |(dec, touched), &i| {
                        if s.pos[i] != u32::MAX || !p.budget_ok(base_cost + p.cost(i)) {
                            return None;
                        }
                        let conflict = p
                            .conflicts_of(i)
                            .iter()
                            .any(|&d| s.pos[d as usize] != u32::MAX && Some(d as usize) != out_c);
                        if conflict {
                            return None;
                        }
                        let (r, f) = add_value(s, &rm, i, dec, touched);
                        better(r, f, r0, f0).then_some(Move { out, cand: i, r, f })
                    },
                )
                .flatten()
                .collect();
            found.sort_by(move_cmp);
            found.truncate(KEEP_PER_OUT);
            all.extend(found);
        }
        all.sort_by(move_cmp);
        all
    }

    /// Best-improvement descent; returns when no feasible improving move is left, or a limit.
    fn descend(&mut self, s: &mut State<'_>, max_passes: u32) {
        let mut passes = 0;
        loop {
            if self.over() {
                self.timed_out = true;
                return;
            }
            if passes >= max_passes {
                self.pass_limited = true;
                return;
            }
            passes += 1;
            self.passes += 1;
            let moves = self.improving(s);
            let mut applied = false;
            for mv in moves {
                let mut next = s.chosen.clone();
                match mv.out {
                    Some(q) => next[q] = mv.cand,
                    None => next.push(mv.cand),
                }
                if self.problem.check(&next).is_ok() {
                    let (r0, f0) = (s.r(), s.f);
                    let prev = s.chosen.clone();
                    s.rebuild(&next);
                    // the incremental value must match the exact one
                    debug_assert!((s.r() - mv.r).abs() <= 1e-6 * mv.r.abs().max(1.0));
                    if better(s.r(), s.f, r0, f0) {
                        self.swaps += 1;
                        applied = true;
                        break;
                    }
                    // rounding made it no better after all: back to the previous set
                    s.rebuild(&prev);
                }
            }
            if !applied {
                return;
            }
        }
    }
}

/// Robust placement: maximise the coverage after the worst single loss. See the
/// [module docs](self).
///
/// Parameters: the covering problem (e.g. [`PlacementModel::problem`](crate::placement::PlacementModel::problem)),
/// a feasible start (e.g. the ordinary plan's candidates), the planner's certified upper bound
/// of the ordinary objective (itself a valid bound on `R`), options.
///
/// Returns: a [`RobustPlan`], feasible for every constraint of `problem`, never worse in `R`
/// than the start, with the certified max-min bound and its gap.
///
/// Complexity: one backup-coverage solve, one bound solve per class (when
/// [`RobustOptions::certify`]), then per pass `O(Σ_o (units + |S| log |S|) + Σ_{o, i}
/// (|units of i| · k + |S|))` over same-class pairs `(o, i)`, at most `max_passes` passes per
/// descent and `perturbations + 1` descents.
///
/// # Errors
/// [`Error::InvalidInput`] for a bad start or bound; [`Error::Infeasible`] when the start
/// breaks a constraint; as [`solve`].
///
/// # Examples
/// See the [module docs](self).
pub fn robust_placement(
    problem: &CoveringProblem,
    start: &[usize],
    upper_bound: f64,
    opts: &RobustOptions,
) -> Result<RobustPlan> {
    let m = problem.matrix();
    check_chosen(m, start)?;
    problem.check(start)?;
    if !upper_bound.is_finite() {
        return Err(Error::InvalidInput {
            what: "robust_placement.upper_bound".into(),
            reason: format!("{upper_bound} must be finite"),
        });
    }
    let mut diagnostics = Vec::new();
    // backup coverage: one more depth everywhere
    let req: Vec<u8> = m.required().iter().map(|k| k.saturating_add(1)).collect();
    let mut backup = problem.clone();
    backup.matrix = m.clone().with_required_depth(req)?;
    let bsol = solve(&backup, &opts.solve)?;
    let mut state = State::new(m, start);
    let (start_r, start_f) = (state.r(), state.f);
    let backup_ok = problem.check(&bsol.chosen).is_ok();
    state.rebuild(&bsol.chosen);
    let backup_r = state.r();
    if !(backup_ok && better(state.r(), state.f, start_r, start_f)) {
        state.rebuild(start);
    }
    let robust_bound = if opts.certify {
        // only the bounds matter here: greedy plus the bound, no local search
        let bopts = SolveOptions {
            algorithm: Algorithm::Greedy,
            ..opts.solve
        };
        Some(robust_upper_bound(problem, &bopts)?)
    } else {
        None
    };
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); problem.capacities().len()];
    for (c, &g) in problem.groups().iter().enumerate() {
        members[g as usize].push(c);
    }
    let mut search = Search {
        problem,
        members,
        // the search's own clock starts after the solves
        deadline: Instant::now().checked_add(opts.time_limit),
        evaluations: 0,
        passes: 0,
        swaps: 0,
        timed_out: false,
        pass_limited: false,
    };
    search.descend(&mut state, opts.max_passes);
    let mut best = state.chosen.clone();
    let (mut best_r, mut best_f) = (state.r(), state.f);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(opts.seed);
    let tr = m.transpose();
    let mut rounds = 0u32;
    while rounds < opts.perturbations && !search.timed_out && !best.is_empty() {
        if search.over() {
            search.timed_out = true;
            break;
        }
        rounds += 1;
        state.rebuild(&best);
        // the site whose loss is worst, and the candidates backing up its critical units
        let worst_pos = (0..state.chosen.len())
            .max_by(|&a, &b| state.unique[a].total_cmp(&state.unique[b]).then(b.cmp(&a)))
            .unwrap_or(0);
        let wj = state.chosen[worst_pos];
        let mut backers: Vec<usize> = m
            .units_of(wj)
            .iter()
            .filter(|&&u| state.depth[u as usize] <= m.required()[u as usize])
            .flat_map(|&u| tr.of(u as usize).iter().map(|&c| c as usize))
            .filter(|&c| state.pos[c] == u32::MAX)
            .collect();
        backers.sort_unstable();
        backers.dedup();
        let kicks = 1 + rng.random_range(0..2u32);
        let mut next = best.clone();
        for _ in 0..kicks {
            for _attempt in 0..32 {
                let q = rng.random_range(0..next.len());
                let g = problem.groups()[next[q]] as usize;
                let guided = rng.random_range(0..2u32) == 0;
                let pool: Vec<usize> = if guided {
                    backers
                        .iter()
                        .copied()
                        .filter(|&c| problem.groups()[c] as usize == g)
                        .collect()
                } else {
                    search.members[g].clone()
                };
                if pool.is_empty() {
                    continue;
                }
                let c = pool[rng.random_range(0..pool.len())];
                if next.contains(&c) {
                    continue;
                }
                let old = next[q];
                next[q] = c;
                if problem.check(&next).is_ok() {
                    break;
                }
                next[q] = old;
            }
        }
        state.rebuild(&next);
        search.descend(&mut state, opts.max_passes);
        if better(state.r(), state.f, best_r, best_f) {
            best = state.chosen.clone();
            best_r = state.r();
            best_f = state.f;
        }
    }
    if search.timed_out {
        diagnostics.push(Diagnostic::warning(
            codes::RESILIENCE_ROBUST_TIME_LIMIT,
            "robust placement: the search stopped at its time limit (the answer depends on the machine's speed)",
        ));
    }
    if search.pass_limited {
        diagnostics.push(Diagnostic::warning(
            codes::RESILIENCE_ROBUST_WORK_LIMIT,
            format!(
                "robust placement: a descent stopped at its pass limit ({}) with improving moves possibly left",
                opts.max_passes
            ),
        ));
    }
    best.sort_unstable();
    let depth = m.depths_of(&best);
    let (f, r, worst) = worst_case(m, &best, &depth);
    let robust = robust_bound.as_ref().map_or(f64::INFINITY, |b| b.bound);
    let ub = robust.min(upper_bound).max(r);
    Ok(RobustPlan {
        chosen: best,
        objective: f,
        worst_case_objective: r,
        worst_loss: worst,
        start_worst_case: start_r,
        backup_worst_case: backup_r,
        upper_bound: ub,
        planner_bound: upper_bound,
        robust_bound,
        gap_percent: if ub > 0.0 { 100.0 * (ub - r) / ub } else { 0.0 },
        swaps: search.swaps,
        passes: search.passes,
        perturbations: rounds,
        evaluations: search.evaluations,
        diagnostics,
    })
}
