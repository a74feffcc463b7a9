//! Upper bounds on the best achievable objective, certifying the gap of any plan.
//!
//! Two valid bounds are computed and the smaller is kept (never below the best known plan):
//!
//! * **Online submodular bound** (from any set `S`, typically the greedy's):
//!   `f(OPT) ≤ f(S) + Σ_{c ∈ OPT} Δ(c | S)`, and `OPT` respects the capacities and the budget,
//!   so `f(S)` plus the best capacity- and budget-feasible sum of marginal gains bounds it. Per
//!   group that is the top-capacity gains; with a budget the knapsack is relaxed through a
//!   one-dimensional Lagrangian multiplier on the budget (every multiplier gives a valid
//!   bound; the best of a golden-section search is kept).
//! * **Lagrangian relaxation** of the linking constraints `y_u ≤ Σ_{c ∋ u} x_c` of the
//!   covering formulation (`0 ≤ y_u ≤ k_u − initial_u`, objective `Σ (w_u / k_u) y_u`):
//!   for multipliers `λ_u ∈ [0, w_u / k_u]` and `μ ≥ 0` on the budget,
//!   `L(λ, μ) = const + Σ_u r_u·max(0, w_u/k_u − λ_u) + μ·B + max_x Σ_c x_c (Σ_{u ∈ c} λ_u − μ·cost_c)`
//!   where the inner maximum over capacity-feasible `x` is the top-capacity positive scores per
//!   group. Subgradient steps (Polyak step towards the best known plan) minimise `L`; its
//!   minimum equals the LP relaxation's bound. Spacing and mutual-support constraints are
//!   dropped, which keeps the relaxation valid. On large models without a budget (above
//!   [`super::exact::PARALLEL_MIN_NNZ`] non-zeros), when the subgradient stops before the
//!   deadline (stalled or at its iteration limit), a restarted primal–dual method ([`pdhg`])
//!   continues from its best multipliers and averaged plan: the subgradient stalls above the
//!   LP there, PDHG
//!   converges to it (1 M × 20 k: subgradient stalled at 4 408 687 after 2 381 iterations;
//!   200 subgradient + 182 PDHG iterations reach 4 403 603; 2 414 PDHG iterations bracket
//!   the LP in [4 377 683, 4 390 503]). Every reported value is `L(λ)` evaluated exactly.

use super::greedy::gain_for;
use super::matrix::CoverageMatrix;
use super::objective::CoveringProblem;
use crate::diagnostic::{codes, Diagnostic};
use rayon::prelude::*;
use std::time::Instant;

pub mod pdhg;

/// Bound results.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BoundOutcome {
    /// The best (smallest) valid bound, at least the best known plan's value.
    pub(crate) bound: f64,
    /// The online submodular bound.
    pub(crate) online: f64,
    /// The Lagrangian bound (`INFINITY` when not run).
    pub(crate) lagrangian: f64,
    /// Iterations made (subgradient, plus PDHG's on large models).
    pub(crate) iterations: u32,
    /// A better feasible plan found by the Lagrangian heuristic, if any.
    pub(crate) primal: Option<(f64, Vec<usize>)>,
    /// Why the subgradient loop stopped ([`Stop::NotRun`] without iterations).
    pub(crate) stop: Stop,
    /// A lower estimate of the LP relaxation's value (see [`LagrangianOutcome::lp_floor`]).
    pub(crate) lp_floor: Option<f64>,
}

/// Why the Lagrangian's subgradient loop stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// No iteration asked for (`max_iterations == 0`): online bound only.
    NotRun,
    /// The bound met the best known plan (proven optimal at the Lagrangian's precision).
    Closed,
    /// The certified gap reached the requested target gap.
    TargetGap,
    /// The step size shrank below its floor: no further progress expected.
    Stalled,
    /// The iteration limit stopped it first.
    IterationLimit,
    /// The deadline stopped it first.
    TimeLimit,
}

/// Sum over groups of the `capacity` largest positive scores.
fn top_capacity(caps: &[u32], scores: &[f64], members: &[Vec<u32>]) -> f64 {
    let mut total = 0.0;
    let mut buf: Vec<f64> = Vec::new();
    for (g, mem) in members.iter().enumerate() {
        let cap = caps[g] as usize;
        if cap == 0 {
            continue;
        }
        buf.clear();
        buf.extend(mem.iter().map(|&c| scores[c as usize]).filter(|&s| s > 0.0));
        total += top_sum(&mut buf, cap);
    }
    total
}

/// Sum of the `cap` largest values of `buf` (reorders `buf`).
fn top_sum(buf: &mut [f64], cap: usize) -> f64 {
    if buf.len() > cap {
        buf.select_nth_unstable_by(cap - 1, |a, b| b.total_cmp(a));
        buf[..cap].iter().sum()
    } else {
        buf.iter().sum()
    }
}

/// The indices chosen by the inner maximisation: per group, the `cap` largest positive
/// scores (ties: lower index).
fn top_capacity_choice(
    p: &CoveringProblem,
    scores: &[f64],
    members: &[Vec<u32>],
    out: &mut Vec<u32>,
) -> f64 {
    out.clear();
    let mut total = 0.0;
    let mut buf: Vec<u32> = Vec::new();
    for (g, mem) in members.iter().enumerate() {
        let cap = p.capacities[g] as usize;
        if cap == 0 {
            continue;
        }
        buf.clear();
        buf.extend(mem.iter().copied().filter(|&c| scores[c as usize] > 0.0));
        let cmp = |a: &u32, b: &u32| {
            scores[*b as usize]
                .total_cmp(&scores[*a as usize])
                .then(a.cmp(b))
        };
        if buf.len() > cap {
            buf.select_nth_unstable_by(cap - 1, cmp);
            buf.truncate(cap);
        }
        for &c in &buf {
            total += scores[c as usize];
        }
        out.extend_from_slice(&buf);
    }
    total
}

/// `min over μ ≥ 0` of `μ·B + Σ_g topcap_g(max(0, s_c − μ·cost_c))` by golden section, every
/// evaluated value being a valid bound of the budgeted selection; without a budget, the plain
/// top-capacity sum.
fn relaxed_selection(p: &CoveringProblem, scores: &[f64], members: &[Vec<u32>]) -> f64 {
    let plain = top_capacity(&p.capacities, scores, members);
    let (Some(budget), Some(costs)) = (p.budget, p.costs.as_ref()) else {
        return plain;
    };
    let eval = |mu: f64| -> f64 {
        let adjusted: Vec<f64> = scores
            .iter()
            .zip(costs)
            .map(|(&s, &c)| s - mu * c)
            .collect();
        mu * budget + top_capacity(&p.capacities, &adjusted, members)
    };
    let hi = scores
        .iter()
        .zip(costs)
        .filter(|(_, &c)| c > 0.0)
        .map(|(&s, &c)| s / c)
        .fold(0.0f64, f64::max);
    if hi <= 0.0 {
        return plain;
    }
    let mut best = plain;
    let (mut a, mut b) = (0.0f64, hi);
    let r = (5.0f64.sqrt() - 1.0) / 2.0;
    let mut x1 = b - r * (b - a);
    let mut x2 = a + r * (b - a);
    let (mut f1, mut f2) = (eval(x1), eval(x2));
    best = best.min(f1).min(f2).min(eval(hi));
    for _ in 0..40 {
        if f1 <= f2 {
            b = x2;
            x2 = x1;
            f2 = f1;
            x1 = b - r * (b - a);
            f1 = eval(x1);
            best = best.min(f1);
        } else {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + r * (b - a);
            f2 = eval(x2);
            best = best.min(f2);
        }
    }
    best
}

fn group_members(p: &CoveringProblem) -> Vec<Vec<u32>> {
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); p.capacities.len()];
    for (c, &g) in p.groups.iter().enumerate() {
        members[g as usize].push(c as u32);
    }
    members
}

/// The online submodular bound from the set `chosen`.
pub(crate) fn online_bound(p: &CoveringProblem, chosen: &[usize]) -> f64 {
    let depth = p.matrix.depths_of(chosen);
    let value = p.matrix.value_of_depths(&depth);
    let n = p.n_candidates();
    let gains: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|c| gain_for(p, &depth, c))
        .collect();
    let members = group_members(p);
    value + relaxed_selection(p, &gains, &members)
}

/// Result of the Lagrangian bound.
#[derive(Debug, Clone)]
pub(crate) struct LagrangianOutcome {
    /// The smallest `L(λ, μ)` seen.
    pub(crate) bound: f64,
    /// Iterations made.
    pub(crate) iterations: u32,
    /// The best feasible plan met among the inner maximisers (Lagrangian heuristic), if it
    /// beats `lower`: (value, sorted candidates).
    pub(crate) primal: Option<(f64, Vec<usize>)>,
    /// Why it stopped.
    pub(crate) stop: Stop,
    /// The objective of the fractional plan `x̄` (the average of the inner maximisers, the one
    /// of iteration `t` weighted by `t`: an ergodic primal sequence, which the Volume
    /// algorithm of Barahona and Anbil also builds) in the LP relaxation without
    /// side constraints: every `x` meets the capacities, so `x̄` does and its value is at most
    /// the LP's, hence at most **any** bound of this relaxation (`L(λ) ≥ LP` for every `λ`).
    /// It says how far the Lagrangian could still go: `(lp_floor − plan) / lp_floor` is a
    /// floor on the certified gap any LP-level bound can reach for that plan. `None` with a
    /// budget (the average may exceed it) or without iterations. Up to rounding of the
    /// average (about 1e-15 relative).
    pub(crate) lp_floor: Option<f64>,
}

/// When the subgradient loop stops (besides convergence).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Maximum iterations.
    pub(crate) max_iterations: u32,
    /// Wall-clock deadline.
    pub(crate) deadline: Option<Instant>,
    /// Stop once `(bound − plan) / bound ≤ target_gap` (a fraction; 0: off), where `bound`
    /// is the smaller of the Lagrangian and `known_bound`.
    pub(crate) target_gap: f64,
    /// A bound already known (the online bound), for the target-gap test.
    pub(crate) known_bound: f64,
}

impl Limits {
    /// At most `max_iterations`, until `deadline`, no target gap.
    pub(crate) fn new(max_iterations: u32, deadline: Option<Instant>) -> Limits {
        Limits {
            max_iterations,
            deadline,
            target_gap: 0.0,
            known_bound: f64::INFINITY,
        }
    }
}

/// Units per chunk of the parallel per-unit passes: partial sums are taken per fixed chunk and
/// added in chunk order, so the result does not depend on the number of threads.
const CHUNK: usize = 8192;

/// `Σ f(u)` over `0..n` in fixed chunks added in order (deterministic on any thread count).
fn chunked_sum(n: usize, parallel: bool, f: impl Fn(usize) -> f64 + Sync) -> f64 {
    let part = |i: usize| (i * CHUNK..((i + 1) * CHUNK).min(n)).map(&f).sum::<f64>();
    let parts: Vec<f64> = if parallel {
        (0..n.div_ceil(CHUNK)).into_par_iter().map(part).collect()
    } else {
        (0..n.div_ceil(CHUNK)).map(part).collect()
    };
    parts.iter().sum()
}

/// `Σ values[u]` over `row`, with four independent partial sums (added in a fixed order:
/// deterministic) so that the additions overlap instead of waiting for each other; the gather
/// is the bound's hot loop (one pass over the matrix per iteration).
#[inline]
fn row_sum(row: &[u32], values: &[f32]) -> f64 {
    let mut acc = [0.0f64; 4];
    let mut quads = row.chunks_exact(4);
    for q in &mut quads {
        acc[0] += f64::from(values[q[0] as usize]);
        acc[1] += f64::from(values[q[1] as usize]);
        acc[2] += f64::from(values[q[2] as usize]);
        acc[3] += f64::from(values[q[3] as usize]);
    }
    for (a, &u) in acc.iter_mut().zip(quads.remainder()) {
        *a += f64::from(values[u as usize]);
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// The candidates of each unit (the rows' transpose), each list in increasing candidate order.
struct Transpose {
    /// Unit `u`'s candidates are `cands[start[u]..start[u + 1]]`.
    start: Vec<usize>,
    /// Candidates.
    cands: Vec<u32>,
}

impl Transpose {
    /// The transpose of the rows `rows(c)`, `c < n`, over `nu` units (memory: 4 bytes per
    /// non-zero and 8 per unit; two serial passes over the rows).
    fn of_rows<'r>(nu: usize, n: usize, rows: impl Fn(usize) -> &'r [u32]) -> Transpose {
        let mut start = vec![0usize; nu + 1];
        for c in 0..n {
            for &u in rows(c) {
                start[u as usize + 1] += 1;
            }
        }
        for i in 1..=nu {
            start[i] += start[i - 1];
        }
        let mut fill = start.clone();
        let mut cands = vec![0u32; start[nu]];
        for c in 0..n {
            for &u in rows(c) {
                cands[fill[u as usize]] = c as u32;
                fill[u as usize] += 1;
            }
        }
        Transpose { start, cands }
    }

    #[inline]
    fn of(&self, u: usize) -> &[u32] {
        &self.cands[self.start[u]..self.start[u + 1]]
    }
}

/// The matrix's rows with the units renumbered for locality: units are ordered by the first
/// candidate covering them (counting sort), so that a row's units sit in a few contiguous
/// runs of the per-unit arrays instead of being scattered over them; the gather `Λ_c` then
/// mostly hits the cache. The rows are built from the matrix's transpose, unit after unit in
/// the new order, so they come out sorted (no per-row sort), and that transpose is kept for
/// [`dual_ascent`] (which would otherwise build its own), then dropped.
struct LocalRows {
    /// Row `c` is `units[offsets[c]..offsets[c + 1]]`.
    offsets: Vec<usize>,
    /// Renumbered units.
    units: Vec<u32>,
    /// `old_of_new[v]`: the matrix's unit numbered `v` here.
    old_of_new: Vec<u32>,
    /// The matrix's transpose (matrix numbering), until [`dual_ascent`] takes it.
    transpose: std::sync::Mutex<Option<Transpose>>,
}

impl LocalRows {
    /// Builds the renumbered rows (memory: 4 bytes per non-zero and 8 per unit, plus the
    /// transpose's 4 bytes per non-zero until the ascent drops it), or `None` once `deadline`
    /// has passed: it is checked before each of the three passes over the matrix (transpose,
    /// renumbering, rows), so a short limit overruns by one pass at most (about a second at
    /// 67 M non-zeros under load).
    fn new(m: &CoverageMatrix, deadline: Option<Instant>) -> Option<LocalRows> {
        let late = || deadline.is_some_and(|d| Instant::now() >= d);
        if late() {
            return None;
        }
        let (nu, n) = (m.n_units(), m.n_candidates());
        let t = Transpose::of_rows(nu, n, |c| m.units_of(c));
        if late() {
            return None;
        }
        // counting sort of the units by first candidate covering them (n: none), ties by
        // unit (stable)
        let first = |u: usize| t.of(u).first().map_or(n, |&c| c as usize);
        let mut start = vec![0usize; n + 2];
        for u in 0..nu {
            start[first(u) + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let mut old_of_new = vec![0u32; nu];
        for u in 0..nu {
            let f = first(u);
            old_of_new[start[f]] = u as u32;
            start[f] += 1;
        }
        drop(start);
        if late() {
            return None;
        }
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0usize);
        for c in 0..n {
            offsets.push(offsets[c] + m.units_of(c).len());
        }
        // units in increasing new number, appended to each of their rows: sorted rows
        let mut fill: Vec<usize> = offsets[..n].to_vec();
        let mut units = vec![0u32; offsets[n]];
        for (v, &u) in old_of_new.iter().enumerate() {
            for &c in t.of(u as usize) {
                units[fill[c as usize]] = v as u32;
                fill[c as usize] += 1;
            }
        }
        Some(LocalRows {
            offsets,
            units,
            old_of_new,
            transpose: std::sync::Mutex::new(Some(t)),
        })
    }

    #[inline]
    fn of(&self, c: usize) -> &[u32] {
        &self.units[self.offsets[c]..self.offsets[c + 1]]
    }
}

/// Most sweeps of [`dual_ascent`] (measured: on 100 k × 5 k and 1 M × 20 k the gain per sweep
/// falls below 1 % of the first sweep's within 5 to 9 sweeps).
const ASCENT_SWEEPS: u32 = 10;

/// [`dual_ascent`] stops once a sweep lowers `L` by less than this share of the first sweep.
const ASCENT_MIN_GAIN: f64 = 1e-3;

/// Dual ascent (in the spirit of Erlenkotter's DUALOC) from `lambda`: coordinate steps that
/// each lower `L(λ)` without changing the inner maximiser. With `x` the current top-capacity
/// choice, `cov_u` the chosen candidates covering unit `u`, `η_g` the smallest chosen score and
/// `η'_g` the largest unchosen one of group `g`:
///
/// * a unit with `cov_u < r_u` raises `λ_u` (towards `w_u/k_u`) until an unchosen candidate
///   covering it reaches `η_g`: `L` drops by `(r_u − cov_u)·δ`;
/// * a unit with `cov_u > r_u` lowers `λ_u` (towards 0) until a chosen candidate covering it
///   falls to `max(η'_g, 0)`: `L` drops by `(cov_u − r_u)·δ`.
///
/// At most [`ASCENT_SWEEPS`] passes over the units (in order, single thread: deterministic;
/// O(nnz) each, plus one transpose of the rows), each step at most a quarter, half, three
/// quarters of the unit's range in the first three sweeps (sharing the room between units);
/// stops when a sweep gains less than [`ASCENT_MIN_GAIN`] of the first one, or at the
/// deadline. Only the multipliers are returned (with the number of sweeps made): the
/// caller evaluates `L(λ)` exactly, so the bound never depends on this heuristic's arithmetic.
/// Without a budget only (the budget's multiplier is left to the subgradient).
#[allow(clippy::too_many_arguments)]
fn dual_ascent<'r>(
    p: &CoveringProblem,
    rows: &(impl Fn(usize) -> &'r [u32] + Sync),
    members: &[Vec<u32>],
    cu: &[f64],
    ru: &[f64],
    cu_s: &[f32],
    lambda: &mut [f32],
    deadline: Option<Instant>,
    prebuilt: Option<(&Transpose, &[u32])>,
) -> u32 {
    let nu = lambda.len();
    let n = p.n_candidates();
    // transpose: candidates of each unit (a prebuilt one is in the matrix's numbering, unit
    // `v` here being its `old_of_new[v]`; the candidate lists are the same)
    let own;
    let (t, old_of_new) = match prebuilt {
        Some((t, o)) => (t, Some(o)),
        None => {
            own = Transpose::of_rows(nu, n, rows);
            (&own, None)
        }
    };
    let cands_of = |u: usize| t.of(old_of_new.map_or(u, |o| o[u] as usize));
    let mut big: Vec<f64> = (0..n).map(|c| row_sum(rows(c), lambda)).collect();
    let mut x: Vec<u32> = Vec::new();
    let mut top = vec![false; n];
    let mut cov = vec![0u32; nu];
    let ng = p.capacities.len();
    let mut first_gain = 0.0f64;
    let mut sweeps = 0u32;
    for sweep in 0..ASCENT_SWEEPS {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        sweeps += 1;
        let share = (f64::from(sweep + 1) / 4.0).min(1.0);
        top_capacity_choice(p, &big, members, &mut x);
        top.iter_mut().for_each(|t| *t = false);
        cov.iter_mut().for_each(|v| *v = 0);
        for &c in &x {
            top[c as usize] = true;
            for &u in rows(c as usize) {
                cov[u as usize] += 1;
            }
        }
        // thresholds per group: smallest chosen score (0 when the group is not full: any
        // positive score would enter), largest unchosen one
        let mut eta = vec![f64::INFINITY; ng];
        let mut eta_out = vec![0.0f64; ng];
        let mut chosen_in = vec![0usize; ng];
        for c in 0..n {
            let g = p.groups[c] as usize;
            if top[c] {
                eta[g] = eta[g].min(big[c]);
                chosen_in[g] += 1;
            } else {
                eta_out[g] = eta_out[g].max(big[c]);
            }
        }
        for g in 0..ng {
            if p.capacities[g] > 0 && chosen_in[g] < p.capacities[g] as usize {
                eta[g] = 0.0;
            }
        }
        let mut moved = 0.0f64;
        for u in 0..nu {
            if cu[u] <= 0.0 {
                continue;
            }
            let (r, k) = (ru[u], f64::from(cov[u]));
            let cs = cands_of(u);
            let lam = f64::from(lambda[u]);
            if k < r && lam < cu[u] {
                let mut room = (cu[u] - lam).min(share * cu[u]);
                for &c in cs {
                    if !top[c as usize] {
                        room = room.min(eta[p.groups[c as usize] as usize] - big[c as usize]);
                    }
                }
                if room > 0.0 {
                    let next = (lam + room) as f32;
                    let next = next.min(cu_s[u]);
                    let d = f64::from(next) - lam;
                    lambda[u] = next;
                    for &c in cs {
                        let c = c as usize;
                        big[c] += d;
                        if !top[c] {
                            let g = p.groups[c] as usize;
                            eta_out[g] = eta_out[g].max(big[c]);
                        }
                    }
                    moved += (r - k) * d;
                }
            } else if k > r && lam > 0.0 {
                let mut room = lam.min(share * cu[u]);
                for &c in cs {
                    if top[c as usize] {
                        let g = p.groups[c as usize] as usize;
                        room = room.min(big[c as usize] - eta_out[g].max(0.0));
                    }
                }
                if room > 0.0 {
                    let next = ((lam - room) as f32).max(0.0);
                    let d = lam - f64::from(next);
                    lambda[u] = next;
                    for &c in cs {
                        let c = c as usize;
                        big[c] -= d;
                        if top[c] {
                            let g = p.groups[c] as usize;
                            eta[g] = eta[g].min(big[c]);
                        }
                    }
                    moved += (k - r) * d;
                }
            }
        }
        // stop once a sweep gains little: the ascent is stuck on ties
        first_gain = first_gain.max(moved);
        if moved <= ASCENT_MIN_GAIN * first_gain {
            break;
        }
    }
    sweeps
}

/// The Lagrangian bound by deflected subgradient optimisation, started from the multipliers
/// the set `chosen` suggests; `lower` is the best known plan value (the Polyak target, raised
/// whenever an inner maximiser is a better feasible plan).
///
/// Every pass is parallel and deterministic: `Λ_c` is gathered per candidate (each sum in the
/// row's order), the per-unit passes reduce over fixed chunks added in order, so the bound
/// and the plan are the same on any number of threads. Above
/// [`super::exact::PARALLEL_MIN_NNZ`] non-zeros the units are renumbered for locality
/// ([`LocalRows`], one extra copy of the rows) and the multipliers are stored as `f32`, which
/// halves the gathered memory: every `L(λ)` is still evaluated exactly (in `f64`) for the
/// stored multipliers, so each reported value is a valid bound. Memory: a few `f64` per unit,
/// no transpose.
pub(crate) fn lagrangian_bound(
    p: &CoveringProblem,
    chosen: &[usize],
    lower: f64,
    limits: Limits,
) -> LagrangianOutcome {
    let m = &p.matrix;
    // small problems stay on one thread (see PARALLEL_MIN_NNZ); the results are identical
    let parallel = m.nnz() >= super::exact::PARALLEL_MIN_NNZ;
    if parallel {
        // the setup (transpose, renumbering: seconds at scale) honours the deadline
        let Some(local) = LocalRows::new(m, limits.deadline) else {
            return LagrangianOutcome {
                bound: f64::INFINITY,
                iterations: 0,
                primal: None,
                stop: if limits.max_iterations == 0 {
                    Stop::NotRun
                } else {
                    Stop::TimeLimit
                },
                lp_floor: None,
            };
        };
        let rows = |c: usize| local.of(c);
        lagrangian_loop(p, chosen, lower, limits, parallel, rows, Some(&local))
    } else {
        lagrangian_loop(p, chosen, lower, limits, parallel, |c| m.units_of(c), None)
    }
}

/// The subgradient loop of [`lagrangian_bound`] over the rows `rows(c)` in a unit numbering
/// whose unit `v` is the matrix's `old_of_new[v]` (identity when `None`).
fn lagrangian_loop<'r>(
    p: &CoveringProblem,
    chosen: &[usize],
    lower: f64,
    limits: Limits,
    parallel: bool,
    rows: impl Fn(usize) -> &'r [u32] + Sync,
    local: Option<&LocalRows>,
) -> LagrangianOutcome {
    let old_of_new = local.map(|l| l.old_of_new.as_slice());
    let Limits {
        max_iterations,
        deadline,
        target_gap,
        known_bound,
    } = limits;
    let m = &p.matrix;
    let nu = m.n_units();
    let n = p.n_candidates();
    let old = |v: usize| old_of_new.map_or(v, |o| o[v] as usize);
    let (w, k, init) = (m.weights(), m.required(), m.initial());
    let constant: f64 = m.initial_objective();
    let mut coverable = vec![false; nu];
    for c in 0..n {
        for &u in rows(c) {
            coverable[u as usize] = true;
        }
    }
    // active units (coverable, not yet satisfied) have multipliers in [0, w/k]; the others
    // have range 0 (multiplier 0, no contribution)
    let cu: Vec<f64> = (0..nu)
        .map(|v| {
            let u = old(v);
            if coverable[v] && k[u] > init[u] && w[u] > 0.0 {
                w[u] / f64::from(k[u])
            } else {
                0.0
            }
        })
        .collect();
    drop(coverable);
    let ru: Vec<f64> = (0..nu)
        .map(|v| {
            let u = old(v);
            if cu[v] > 0.0 {
                f64::from(k[u] - init[u])
            } else {
                0.0
            }
        })
        .collect();
    // the multipliers' upper ends in storage precision (λ above w/k is still a valid point)
    let cu_s: Vec<f32> = cu.iter().map(|&c| c as f32).collect();
    let mut big_lambda = vec![0.0f64; n];
    let members = group_members(p);
    let mut x: Vec<u32> = Vec::new();
    // starting multipliers from `chosen`: w/k on the units it leaves short, 0 on the others
    // (the online bound's point). Giving the units it covers exactly a share of w/k instead
    // was tried and starts far higher at scale (the chosen sites are not the top scores).
    let depth = m.depths_of(chosen);
    let mut lambda: Vec<f32> = (0..nu)
        .map(|v| {
            if depth[old(v)] < k[old(v)] {
                cu_s[v]
            } else {
                0.0
            }
        })
        .collect();
    drop(depth);
    let budget = p.budget.filter(|_| p.costs.is_some());
    // a dual ascent first: monotone coordinate steps that take the multipliers from the
    // online bound's point most of the way the subgradient's first hundred iterations go
    // the renumbered rows' transpose, taken (and dropped after the ascent, or now) either way
    let prebuilt = match (local, old_of_new) {
        (Some(l), Some(o)) => l
            .transpose
            .lock()
            .ok()
            .and_then(|mut t| t.take())
            .map(|t| (t, o)),
        _ => None,
    };
    // the PDHG phase (renumbered rows, no budget) keeps the transpose for its gathers
    let with_pdhg = budget.is_none() && max_iterations > 0 && local.is_some();
    let ascended = if budget.is_none() && max_iterations > 0 {
        dual_ascent(
            p,
            &rows,
            &members,
            &cu,
            &ru,
            &cu_s,
            &mut lambda,
            deadline,
            prebuilt.as_ref().map(|(t, o)| (t, *o)),
        )
    } else {
        0
    };
    // (the transpose in the matrix's numbering, or one of the renumbered rows when the
    // ascent's was taken: the same candidate lists either way)
    let prebuilt: Option<(Transpose, Option<&[u32]>)> = match (with_pdhg, prebuilt) {
        (false, _) => None,
        (true, Some((t, o))) => Some((t, Some(o))),
        (true, None) => Some((Transpose::of_rows(nu, n, &rows), None)),
    };
    // the subgradient keeps the whole time: under a deadline it is still improving when the
    // time runs out (1 M × 20 k in 15 s: a half-and-half split with PDHG certified 4.22 %
    // instead of 3.34 %, PDHG's early iterations being slower); PDHG continues only when the
    // subgradient stops first (stalled, or at its iteration limit)
    let sub_deadline = deadline;
    let mut best_lambda: Vec<f32> = Vec::new();
    let mut mu = 0.0f64;
    let capacity_only = p.rules.is_empty() && p.conflict_adj.is_empty();
    let mut best = f64::INFINITY;
    let mut lower = lower;
    let mut primal: Option<(f64, Vec<usize>)> = None;
    // initial step scale 2 (1 and smaller measured slower on 100 k × 5 k, 2k_300 and 10k_1k)
    let mut theta = 2.0f64;
    let mut since_improvement = 0u32;
    let mut cover = vec![0u32; nu];
    let mut dir = vec![0.0f64; nu];
    let mut dir_mu = 0.0f64;
    let mut scores = vec![0.0f64; n];
    // the averaged primal x̄ (no budget: the average of capacity-feasible x is LP-feasible)
    let mut xbar: Vec<f64> = if budget.is_none() {
        vec![0.0; n]
    } else {
        Vec::new()
    };
    let mut iterations = 0u32;
    let mut stop = if max_iterations == 0 {
        Stop::NotRun
    } else {
        Stop::IterationLimit
    };
    while iterations < max_iterations {
        // once the ascent has moved the multipliers, they are evaluated at least once (one
        // pass over the matrix past the deadline at most): at scale the ascent's point is
        // most of the bound, and dropping it would leave only the far looser online bound
        let evaluate_ascent = iterations == 0 && ascended > 0;
        if !evaluate_ascent && sub_deadline.is_some_and(|d| Instant::now() >= d) {
            stop = Stop::TimeLimit;
            break;
        }
        iterations += 1;
        // Λ_c = Σ_{u ∈ c} λ_u, gathered in parallel (no drift, no transpose)
        let gather = |(c, b): (usize, &mut f64)| {
            *b = row_sum(rows(c), &lambda);
        };
        if parallel {
            big_lambda
                .par_iter_mut()
                .enumerate()
                .with_min_len(16)
                .for_each(gather);
        } else {
            big_lambda.iter_mut().enumerate().for_each(gather);
        }
        for c in 0..n {
            scores[c] = big_lambda[c] - mu * p.cost(c);
        }
        let inner = top_capacity_choice(p, &scores, &members, &mut x);
        if !xbar.is_empty() {
            let a = 2.0 / (f64::from(iterations) + 1.0);
            xbar.iter_mut().for_each(|v| *v *= 1.0 - a);
            for &c in &x {
                xbar[c as usize] += a;
            }
        }
        let dual = chunked_sum(nu, parallel, |u| {
            let d = cu[u] - f64::from(lambda[u]);
            if d > 0.0 {
                ru[u] * d
            } else {
                0.0
            }
        });
        let l = constant + inner + budget.map_or(0.0, |b| mu * b) + dual;
        if l < best {
            best = l;
            since_improvement = 0;
            if prebuilt.is_some() {
                best_lambda.clone_from(&lambda);
            }
        } else {
            since_improvement += 1;
            if since_improvement >= 30 {
                theta *= 0.5;
                since_improvement = 0;
            }
        }
        // subgradient s_u = Σ x − y, and the inner maximiser's own objective
        for &c in &x {
            for &u in rows(c as usize) {
                cover[u as usize] += 1;
            }
        }
        let unit_pass = |(i, chunk): (usize, &mut [f64])| {
            let (mut value, mut norm) = (0.0, 0.0);
            for (j, d) in chunk.iter_mut().enumerate() {
                let u = i * CHUNK + j;
                if cu[u] <= 0.0 {
                    *d = 0.0;
                    continue;
                }
                let cov = f64::from(cover[u]);
                value += cu[u] * cov.min(ru[u]);
                let y = if f64::from(lambda[u]) < cu[u] {
                    ru[u]
                } else {
                    0.0
                };
                // deflection (Camerini–Fratta–Maffioli style) damps zig-zagging
                *d = (cov - y) + 0.5 * *d;
                // diagonal scaling by the multiplier's range w/k
                norm += cu[u] * *d * *d;
            }
            (value, norm)
        };
        let parts: Vec<(f64, f64)> = if parallel {
            dir.par_chunks_mut(CHUNK)
                .enumerate()
                .map(unit_pass)
                .collect()
        } else {
            dir.chunks_mut(CHUNK).enumerate().map(unit_pass).collect()
        };
        let mut value = constant;
        let mut norm = 0.0;
        for (v, q) in parts {
            value += v;
            norm += q;
        }
        for &c in &x {
            for &u in rows(c as usize) {
                cover[u as usize] = 0;
            }
        }
        let x_cost: f64 = x.iter().map(|&c| p.cost(c as usize)).sum();
        if value > lower && p.budget_ok(x_cost) {
            let mut plan: Vec<usize> = x.iter().map(|&c| c as usize).collect();
            plan.sort_unstable();
            if capacity_only || p.check(&plan).is_ok() {
                lower = value;
                primal = Some((value, plan));
            }
        }
        if best - lower <= 1e-9 * best.abs().max(1e-300) {
            stop = Stop::Closed;
            break;
        }
        let certified = best.min(known_bound);
        if target_gap > 0.0 && certified - lower <= target_gap * certified.abs() {
            stop = Stop::TargetGap;
            break;
        }
        if theta < 1e-4 {
            stop = Stop::Stalled;
            break;
        }
        if let Some(b) = budget {
            dir_mu = (b - x_cost) + 0.5 * dir_mu;
            norm += dir_mu * dir_mu;
        }
        if norm <= 0.0 {
            // a zero subgradient: λ minimises L
            stop = Stop::Closed;
            break;
        }
        let step = theta * (l - lower).max(1e-12 * l.abs()) / norm;
        let update = |(i, chunk): (usize, &mut [f32])| {
            for (j, lam) in chunk.iter_mut().enumerate() {
                let u = i * CHUNK + j;
                if dir[u] != 0.0 {
                    let next = (f64::from(*lam) - step * cu[u] * dir[u]).clamp(0.0, cu[u]);
                    *lam = (next as f32).clamp(0.0, cu_s[u]);
                }
            }
        };
        if parallel {
            lambda.par_chunks_mut(CHUNK).enumerate().for_each(update);
        } else {
            lambda.chunks_mut(CHUNK).enumerate().for_each(update);
        }
        if budget.is_some() {
            mu = (mu - step * dir_mu).max(0.0);
        }
    }
    let lp_floor = (iterations > 0 && !xbar.is_empty()).then(|| {
        // Σ_u (w_u/k_u)·min(r_u, Σ_{c ∋ u} x̄_c), plus the constant
        let mut cover_f = vec![0.0f64; nu];
        for (c, &v) in xbar.iter().enumerate() {
            if v > 0.0 {
                for &u in rows(c) {
                    cover_f[u as usize] += v;
                }
            }
        }
        constant
            + chunked_sum(nu, parallel, |u| {
                if cu[u] > 0.0 {
                    cu[u] * cover_f[u].min(ru[u])
                } else {
                    0.0
                }
            })
    });
    let mut lp_floor = lp_floor;
    // the PDHG phase: from the subgradient's best multipliers and its averaged plan x̄
    let pdhg_due = matches!(stop, Stop::IterationLimit | Stop::Stalled | Stop::TimeLimit)
        && !deadline.is_some_and(|d| Instant::now() >= d);
    if let (Some((t, o)), true) = (prebuilt.as_ref(), pdhg_due && !best_lambda.is_empty()) {
        let lp = pdhg::LpModel {
            p,
            rows: &rows,
            cands: |v: usize| t.of(o.map_or(v, |o| o[v] as usize)),
            caps: &p.capacities,
            cu: &cu,
            ru: &ru,
            constant,
            members: &members,
            parallel,
        };
        let lambda0: Vec<f64> = best_lambda.iter().map(|&l| f64::from(l)).collect();
        drop(best_lambda);
        let po = pdhg::pdhg(
            &lp,
            &xbar,
            &lambda0,
            Limits {
                max_iterations,
                deadline,
                target_gap,
                known_bound,
            },
            lower,
        );
        drop(lambda0);
        iterations = iterations.saturating_add(po.iterations);
        best = best.min(po.bound);
        lp_floor = lp_floor.map(|f| f.max(po.floor)).or(Some(po.floor));
        stop = po.stop;
        // rounding: per group, the largest fractional values
        let mut pick: Vec<u32> = Vec::new();
        top_capacity_choice(p, &po.x, &members, &mut pick);
        let mut plan: Vec<usize> = pick.iter().map(|&c| c as usize).collect();
        plan.sort_unstable();
        if capacity_only || p.check(&plan).is_ok() {
            let v = p.evaluate(&plan);
            if v > lower {
                primal = Some((v, plan));
            }
        }
        if best - lower.max(primal.as_ref().map_or(lower, |(v, _)| *v))
            <= 1e-9 * best.abs().max(1e-300)
        {
            stop = Stop::Closed;
        }
    }
    LagrangianOutcome {
        bound: best,
        iterations,
        primal,
        stop,
        lp_floor,
    }
}

/// Both bounds from the plan `chosen` of value `value`; the result is never below `value`.
pub(crate) fn upper_bound(
    p: &CoveringProblem,
    chosen: &[usize],
    value: f64,
    limits: Limits,
) -> BoundOutcome {
    let online = online_bound(p, chosen);
    let (lagrangian, iterations, primal, stop, lp_floor) = if limits.max_iterations > 0 {
        let limits = Limits {
            known_bound: online.min(limits.known_bound),
            ..limits
        };
        let o = lagrangian_bound(p, chosen, value, limits);
        (o.bound, o.iterations, o.primal, o.stop, o.lp_floor)
    } else {
        (f64::INFINITY, 0, None, Stop::NotRun, None)
    };
    let value = primal.as_ref().map_or(value, |(v, _)| v.max(value));
    // guard against rounding: a bound is never below a feasible plan's value
    let bound = online
        .min(lagrangian)
        .min(p.matrix.max_objective())
        .max(value);
    BoundOutcome {
        bound,
        online,
        lagrangian,
        iterations,
        primal,
        stop,
        lp_floor,
    }
}

/// The diagnostic a bound cut short by a limit leaves (`None` when the loop converged, met
/// the plan or the requested target gap, or was stalled by its step size):
///
/// * the time limit: [`codes::PLACEMENT_BOUND_TIME_LIMIT`] (a warning: the bound then depends
///   on the machine's speed);
/// * the iteration limit with the certified gap still above the requested target (any gap
///   when no target is set): [`codes::PLACEMENT_BOUND_ITERATION_LIMIT`] (information: the
///   bound is deterministic, only looser than more iterations could make it);
/// * no iteration at all (`bound_iterations == 0`) with a gap left:
///   [`codes::PLACEMENT_BOUND_ONLINE_ONLY`] (information).
///
/// `value` is the plan's value when the bound was computed.
pub(crate) fn stop_diagnostic(
    b: &BoundOutcome,
    value: f64,
    options: &super::covering::SolveOptions,
) -> Option<Diagnostic> {
    let plan = b.primal.as_ref().map_or(value, |(v, _)| v.max(value));
    let gap = super::covering::gap_percent(plan, b.bound);
    let target = options.bound_target_gap_percent.max(0.0);
    let open = gap > target.max(1e-9);
    match b.stop {
        Stop::TimeLimit => Some(
            Diagnostic::warning(
                codes::PLACEMENT_BOUND_TIME_LIMIT,
                format!(
                    "the bound stopped at the time limit after {} iterations (subgradient, \
                     then PDHG on large models; at most {} of each) (certified gap \
                     {gap:.3} %): still certified, but looser and machine-dependent",
                    b.iterations, options.bound_iterations
                ),
            )
            .with_field("time_limit"),
        ),
        Stop::IterationLimit if open => Some(
            Diagnostic::info(
                codes::PLACEMENT_BOUND_ITERATION_LIMIT,
                format!(
                    "the bound stopped at its iteration limit ({} iterations: subgradient, then \
                     PDHG on large models) with \
                     a certified gap of {gap:.3} %{}: more iterations may tighten it",
                    b.iterations,
                    if target > 0.0 {
                        format!(", above the target {target} %")
                    } else {
                        String::new()
                    }
                ),
            )
            .with_field("bound_iterations"),
        ),
        Stop::NotRun if open => Some(
            Diagnostic::info(
                codes::PLACEMENT_BOUND_ONLINE_ONLY,
                format!(
                    "no subgradient iteration asked for: the certified gap of {gap:.3} % is \
                     the online submodular bound's alone"
                ),
            )
            .with_field("bound_iterations"),
        ),
        _ => None,
    }
}

/// Test fixture of the thread-count checks (here and in [`pdhg`]): the clustered 50 k × 1 k
/// instance (p 25, above [`PARALLEL_MIN_NNZ`](crate::placement::exact::PARALLEL_MIN_NNZ)
/// non-zeros, so the parallel passes run) and its greedy plan, built once.
#[cfg(test)]
fn parallel_fixture() -> &'static (CoveringProblem, crate::placement::greedy::GreedyOutcome) {
    static FIXTURE: std::sync::OnceLock<(
        CoveringProblem,
        crate::placement::greedy::GreedyOutcome,
    )> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        let inst = crate::placement::synthetic::SyntheticInstance::clustered(
            50_000, 1_000, 300_000.0, 20_000.0, 7,
        );
        let p = CoveringProblem::new(inst.matrix().unwrap(), 25);
        assert!(p.matrix.nnz() >= crate::placement::exact::PARALLEL_MIN_NNZ);
        let g = crate::placement::greedy::greedy(&p).unwrap();
        (p, g)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::matrix::CoverageMatrix;
    use proptest::prelude::*;

    fn instance(seed: u64, groups: bool, budget: bool, depth: bool) -> CoveringProblem {
        let shape = RandomShape {
            units: (6, 15),
            candidates: (3, 8),
            weight: (1, 7),
            set_size: (1, 5),
            depth: (1, 3),
            initial_one_in: 3,
            sites: (1, 3),
            capacities: [(1, 2), (1, 2)],
            cost: (1, 4),
            budget: (1, 6),
        };
        random_problem(seed, &shape, groups, budget, depth)
    }

    use crate::placement::objective::brute_force_optimum as optimum;
    use crate::placement::objective::{random_problem, RandomShape};

    /// The parallel passes (taken above `PARALLEL_MIN_NNZ` non-zeros) give bit-identical
    /// bounds and plans on 1 and 3 threads.
    #[test]
    fn lagrangian_is_the_same_on_any_thread_count() {
        let (p, start) = parallel_fixture();
        let run = |threads: usize| {
            crate::placement::on_threads(threads, || {
                lagrangian_bound(p, &start.chosen, start.value, Limits::new(60, None))
            })
        };
        let (a, b, c) = (run(1), run(2), run(3));
        for o in [&b, &c] {
            assert_eq!(a.bound.to_bits(), o.bound.to_bits());
            assert_eq!(a.iterations, o.iterations);
            assert_eq!(a.primal, o.primal);
            assert_eq!(a.lp_floor.map(f64::to_bits), o.lp_floor.map(f64::to_bits));
        }
        // a deadline already passed stops the setup (transpose, renumbering) before it runs
        let late = lagrangian_bound(
            p,
            &start.chosen,
            start.value,
            Limits::new(60, Some(Instant::now())),
        );
        assert_eq!((late.iterations, late.stop), (0, Stop::TimeLimit));
        assert!(late.bound.is_infinite());
        // the averaged fractional plan is below every bound of the relaxation
        let floor = a.lp_floor.unwrap();
        assert!(floor <= a.bound && floor > 0.0);
        assert!(a.bound >= start.value);
        // the renumbered rows hold the same units per candidate
        let local = LocalRows::new(&p.matrix, None).unwrap();
        for cand in (0..p.n_candidates()).step_by(37) {
            let mut back: Vec<u32> = local
                .of(cand)
                .iter()
                .map(|&v| local.old_of_new[v as usize])
                .collect();
            back.sort_unstable();
            assert_eq!(back, p.matrix.units_of(cand));
            assert!(local.of(cand).windows(2).all(|w| w[0] < w[1]));
        }
    }

    /// The transpose kept by [`LocalRows`] for the dual ascent (matrix numbering, mapped)
    /// gives bit-identical multipliers and bounds to the ascent's own transpose of the
    /// renumbered rows.
    #[test]
    fn prebuilt_transpose_gives_the_same_ascent() {
        let inst = crate::placement::synthetic::SyntheticInstance::clustered(
            20_000, 600, 300_000.0, 12_000.0, 9,
        );
        let p = CoveringProblem::new(inst.matrix().unwrap(), 20);
        let start = crate::placement::greedy::greedy(&p).unwrap();
        let run = |keep: bool| {
            let local = LocalRows::new(&p.matrix, None).unwrap();
            if !keep {
                // the ascent then transposes the renumbered rows itself
                assert!(local.transpose.lock().unwrap().take().is_some());
            }
            let o = lagrangian_loop(
                &p,
                &start.chosen,
                start.value,
                Limits::new(5, None),
                false,
                |c| local.of(c),
                Some(&local),
            );
            assert!(local.transpose.lock().unwrap().is_none());
            o
        };
        let (a, b) = (run(true), run(false));
        assert_eq!(a.bound.to_bits(), b.bound.to_bits());
        assert_eq!(a.primal, b.primal);
        assert!(a.bound >= start.value);
    }

    /// The dual ascent (then one evaluation) closes most of the gap of its starting point, the
    /// online bound's multipliers, on a clustered instance; the result stays a valid bound.
    #[test]
    fn dual_ascent_lowers_the_starting_bound() {
        let inst = crate::placement::synthetic::SyntheticInstance::clustered(
            20_000, 600, 300_000.0, 12_000.0, 5,
        );
        let p = CoveringProblem::new(inst.matrix().unwrap(), 20);
        let start = crate::placement::greedy::greedy(&p).unwrap();
        let online = online_bound(&p, &start.chosen);
        let one = lagrangian_bound(&p, &start.chosen, start.value, Limits::new(1, None));
        assert!(one.bound >= start.value);
        // the ascent closes most of the online bound's gap in its first evaluation
        assert!(
            one.bound - start.value < 0.75 * (online - start.value),
            "after the ascent {} (online {online}, plan {})",
            one.bound,
            start.value
        );
    }

    /// Every limit that cuts the bound short leaves its diagnostic; a bound that met its
    /// target or the plan leaves none.
    #[test]
    fn each_bound_limit_leaves_its_diagnostic() {
        use crate::placement::covering::{solve, Algorithm, SolveOptions};
        use std::time::Duration;
        let inst = crate::placement::synthetic::SyntheticInstance::clustered(
            3_000, 300, 300_000.0, 15_000.0, 11,
        );
        let p = CoveringProblem::new(inst.matrix().unwrap(), 12);
        let run = |o: SolveOptions| solve(&p, &o).unwrap();
        let codes_of = |s: &crate::placement::covering::Solution| -> Vec<&'static str> {
            s.diagnostics.iter().map(|d| d.code).collect()
        };
        let base = SolveOptions {
            algorithm: Algorithm::Greedy,
            ..SolveOptions::default()
        };
        // iteration limit: 3 iterations leave a gap
        let s = run(SolveOptions {
            bound_iterations: 3,
            ..base
        });
        assert!(s.gap_percent > 0.0);
        assert_eq!(s.stats.bound_iterations, 3);
        assert!(codes_of(&s).contains(&codes::PLACEMENT_BOUND_ITERATION_LIMIT));
        // no iteration: the online bound alone
        let s = run(SolveOptions {
            bound_iterations: 0,
            ..base
        });
        assert!(codes_of(&s).contains(&codes::PLACEMENT_BOUND_ONLINE_ONLY));
        // time limit: an elapsed deadline stops the loop before its first iteration
        let s = run(SolveOptions {
            time_limit: Duration::ZERO,
            ..base
        });
        assert_eq!(s.stats.bound_iterations, 0);
        assert!(codes_of(&s).contains(&codes::PLACEMENT_BOUND_TIME_LIMIT));
        // a target gap met: stops early, no limit diagnostic; the gap is within the target
        let full = run(base);
        let target = full.gap_percent + 2.0;
        let s = run(SolveOptions {
            bound_target_gap_percent: target,
            ..base
        });
        assert!(s.stats.bound_iterations < full.stats.bound_iterations);
        assert!(s.gap_percent <= target + 1e-9);
        assert!(s.upper_bound >= full.upper_bound);
        assert!(!codes_of(&s)
            .iter()
            .any(|c| c.starts_with("placement.bound")));
        // the bound meets the plan (single candidate): nothing to say
        let one = CoveringProblem::new(
            CoverageMatrix::from_sets(vec![1.0, 2.0], &[vec![0, 1]]).unwrap(),
            1,
        );
        let s = solve(&one, &base).unwrap();
        assert_eq!(s.gap_percent, 0.0);
        assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        /// Each bound alone (no clamping to the plan's value) is at least the optimum, from
        /// any starting set, after any number of subgradient iterations.
        #[test]
        fn raw_bounds_are_valid(seed in 0u64..1_000_000, g: bool, b: bool, d: bool,
                                start in 0u32..64, iters in 1u32..200) {
            let p = instance(seed, g, b, d);
            let opt = optimum(&p);
            let n = p.n_candidates();
            let chosen: Vec<usize> = (0..n).filter(|&c| start & (1 << (c % 6)) != 0).take(2).collect();
            let tol = 1e-9 * opt.abs().max(1.0);
            prop_assert!(online_bound(&p, &chosen) >= opt - tol);
            let l = lagrangian_bound(&p, &chosen, 0.0, Limits::new(iters, None));
            prop_assert!(l.bound >= opt - tol, "lagrangian {} < optimum {}", l.bound, opt);
            // the LP floor (averaged fractional plan) is below every L(λ), hence the bound
            prop_assert_eq!(l.lp_floor.is_some(), p.budget.filter(|_| p.costs.is_some()).is_none());
            if let Some(f) = l.lp_floor {
                prop_assert!(f <= l.bound + tol, "LP floor {} above the bound {}", f, l.bound);
            }
            if let Some((v, plan)) = l.primal {
                prop_assert!(p.check(&plan).is_ok());
                prop_assert!((p.evaluate(&plan) - v).abs() < 1e-9);
            }
            // the large-model path (renumbered rows, f32 multipliers) forced on small models
            let local = LocalRows::new(&p.matrix, None).unwrap();
            let l = lagrangian_loop(&p, &chosen, 0.0, Limits::new(iters, None), false,
                                    |c| local.of(c), Some(&local));
            prop_assert!(l.bound >= opt - tol, "renumbered {} < optimum {}", l.bound, opt);
            if let Some((v, plan)) = l.primal {
                prop_assert!(p.check(&plan).is_ok());
                prop_assert!((p.evaluate(&plan) - v).abs() < 1e-9);
            }
        }
    }
}
