//! Swap local search: replace a chosen candidate by an unchosen one of the same group while
//! that improves the objective.
//!
//! Each pass visits the chosen candidates in an order drawn from a seeded
//! [`Xoshiro256PlusPlus`] and, for each, makes the best
//! improving feasible swap within its group (ties: lowest candidate index). Passes repeat until
//! one makes no swap, the pass limit is reached or the deadline passes.
//!
//! Cost per visited candidate `i`: O(|units of i| × candidates per unit) to adjust gains plus
//! O(|group|) to scan the swap partners, thanks to gains kept up to date through the
//! transposed matrix (unit → candidates) after every accepted swap. Every accepted swap is
//! re-verified with an exact gain computation, so rounding drift never accepts a non-improving
//! move. The result never has a lower objective than the start, respects every constraint the
//! start respects, and is deterministic for a seed (unless the deadline cuts it short).
//!
//! Iterated local search ([`iterated_local_search`], the default planner's): after the
//! first descent, two independent chains (seeds derived from the seed, run in parallel, the
//! better wins with ties to the first, so the thread count never changes the plan) each
//! repeat: remove a few *neighbouring* chosen candidates (a random one and those whose coverage
//! overlaps it), refill greedily without them, descend, keep improvements. The number removed
//! adapts: back to 1 after an improvement, one more after each failure (cycling up to a
//! quarter of the plan). The perturbation count is a work limit; the deadline is a safety net.
//!
//! When the fast-interchange tables fit ([`super::interchange`], one row of `n` values per
//! chosen candidate), the descent is a best-improvement descent on those tables and each
//! chain is a tabu search over swaps ([`TABU_ITERATIONS_PER_ROUND`] iterations and at most
//! [`TABU_WORK_PER_ROUND`] counted work per round) that restarts from its best plan with the
//! perturbation above after a stall; every constraint check (`swap_feasible`, capacities
//! per group) is the same.
//!
//! [`Xoshiro256PlusPlus`]: rand::rngs::Xoshiro256PlusPlus

use super::interchange::Tables;
use super::matrix::Transposed;
use super::objective::{CoveringProblem, State};
use super::presolve::passed;
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use std::time::Instant;

/// Result of a local search.
#[derive(Debug, Clone)]
pub(crate) struct LocalSearchOutcome {
    pub(crate) chosen: Vec<usize>,
    pub(crate) value: f64,
    pub(crate) swaps: u64,
    pub(crate) passes: u32,
    pub(crate) evaluations: u64,
    pub(crate) hit_deadline: bool,
    /// True when the fast-interchange tables would exceed
    /// [`MAX_TABLE_ENTRIES`](super::interchange::MAX_TABLE_ENTRIES) and the slower plain
    /// swap descent and perturbation chains ran instead.
    pub(crate) plain: bool,
}

/// True when swapping `i` (chosen) for `c` (same group, unchosen) keeps conflicts, budget and
/// support rules satisfied.
fn swap_feasible(s: &State, i: usize, c: usize) -> bool {
    let p = s.p;
    let conflicts_i = p.conflicts_of(c).binary_search(&(i as u32)).is_ok();
    if s.conflict_count[c] - u32::from(conflicts_i) != 0 {
        return false;
    }
    if !p.budget_ok(s.cost - p.cost(i) + p.cost(c)) {
        return false;
    }
    let rc = p.protected_rule[c];
    if rc != u32::MAX {
        let r = rc as usize;
        let i_in = p.rules_protected_by(i).contains(&rc);
        let c_in = p.rules_protected_by(c).contains(&rc);
        let have = s.support[r] - u32::from(i_in) + u32::from(c_in);
        if have < p.rules[r].need {
            return false;
        }
    }
    for &r in p.rules_protected_by(i) {
        let r = r as usize;
        let active = match p.rules[r].protected {
            None => true,
            Some(q) if q == i => false,
            Some(q) if q == c => true,
            Some(q) => s.chosen[q],
        };
        if !active {
            continue;
        }
        let c_in = p.rules_protected_by(c).contains(&(r as u32));
        if s.support[r] - 1 + u32::from(c_in) < p.rules[r].need {
            return false;
        }
    }
    true
}

/// Reusable local-search machinery for one problem: the transposed matrix and the candidates
/// of each group.
pub(crate) struct Search<'p> {
    p: &'p CoveringProblem,
    t: Transposed,
    members: Vec<Vec<u32>>,
    eps: f64,
    /// One group and no spacing conflicts, budget or support rules: every same-group swap is
    /// feasible.
    plain: bool,
}

impl<'p> Search<'p> {
    pub(crate) fn new(p: &'p CoveringProblem) -> Search<'p> {
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); p.capacities.len()];
        for c in 0..p.n_candidates() {
            members[p.groups[c] as usize].push(c as u32);
        }
        Search {
            p,
            t: p.matrix.transpose(),
            members,
            eps: 1e-10 * p.matrix.max_objective().max(1e-300),
            plain: p.capacities.len() == 1
                && p.conflict_adj.is_empty()
                && p.budget.is_none()
                && p.rules.is_empty(),
        }
    }

    /// Swap descent on `s` until a pass makes no swap, `max_passes` passes, or the deadline.
    /// Returns true when the deadline stopped it.
    fn descend(
        &self,
        s: &mut State<'p>,
        rng: &mut Xoshiro256PlusPlus,
        max_passes: u32,
        deadline: Option<Instant>,
        out: &mut LocalSearchOutcome,
    ) -> bool {
        let p = self.p;
        let n = p.n_candidates();
        let m = &p.matrix;
        let (w, k) = (m.weights(), m.required());
        let (t, eps) = (&self.t, self.eps);
        let mut adj = vec![0.0f64; n];
        let mut touched: Vec<u32> = Vec::new();
        let mut passes = 0;
        while passes < max_passes {
            if passed(deadline) {
                return true;
            }
            passes += 1;
            out.passes += 1;
            // fresh gains each pass (no drift accumulates across passes)
            let depth = s.depth.clone();
            let mut gain_now: Vec<f64> = (0..n)
                .into_par_iter()
                .map(|c| super::greedy::gain_for(p, &depth, c))
                .collect();
            out.evaluations += n as u64;
            let mut order = s.sorted();
            order.shuffle(rng);
            let mut improved = false;
            for i in order {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return true;
                }
                if !s.chosen[i] {
                    continue;
                }
                // loss of removing i, and the gain bonus its removal gives other candidates
                let mut loss = 0.0;
                for &u in m.units_of(i) {
                    let u = u as usize;
                    let d = s.depth[u];
                    if d <= k[u] {
                        let v = w[u] / f64::from(k[u]);
                        loss += v;
                        if d == k[u] {
                            for &c in t.of(u) {
                                if adj[c as usize] == 0.0 {
                                    touched.push(c);
                                }
                                adj[c as usize] += v;
                            }
                        }
                    }
                }
                let g = p.groups[i] as usize;
                let mut moves: Vec<(f64, u32)> = Vec::new();
                for &c in &self.members[g] {
                    let cu = c as usize;
                    if s.chosen[cu] {
                        continue;
                    }
                    let delta = gain_now[cu] + adj[cu] - loss;
                    if delta > eps {
                        moves.push((delta, c));
                    }
                }
                out.evaluations += self.members[g].len() as u64;
                for &c in &touched {
                    adj[c as usize] = 0.0;
                }
                touched.clear();
                if moves.is_empty() {
                    continue;
                }
                moves.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                for (_, c) in moves {
                    let c = c as usize;
                    if !swap_feasible(s, i, c) {
                        continue;
                    }
                    // apply, keeping gain_now in step, then verify exactly
                    remove_tracked(s, i, t, &mut gain_now);
                    let exact_gain = s.gain(c);
                    if exact_gain - loss <= eps {
                        add_tracked(s, i, t, &mut gain_now);
                        continue;
                    }
                    add_tracked(s, c, t, &mut gain_now);
                    out.swaps += 1;
                    improved = true;
                    break;
                }
            }
            if !improved {
                break;
            }
        }
        false
    }

    /// The best feasible swap (chosen `out`, unchosen `inn` of the same group) by the
    /// tables' exact deltas, as `(delta, out, inn)`. Without `tabu`, only improving swaps
    /// (delta > eps). With `tabu = (no_return, no_leave, iteration, aspiration)`, any swap
    /// whose removed candidate may leave (`no_leave[out] ≤ iteration`) and whose added one may
    /// return (`no_return[inn] ≤ iteration`), or that beats `aspiration` (a new best plan).
    /// Ties: the first met (chosen in insertion order, partners by index).
    fn best_swap(
        &self,
        tb: &Tables<'p>,
        tabu: Option<(&[u64], &[u64], u64, f64)>,
        out: &mut LocalSearchOutcome,
    ) -> Option<(f64, usize, usize)> {
        let p = self.p;
        let s = &tb.s;
        let floor = if tabu.is_some() {
            f64::NEG_INFINITY
        } else {
            self.eps
        };
        if self.plain {
            return self.best_swap_plain(tb, tabu, floor, out);
        }
        let mut best: Option<(f64, usize, usize)> = None;
        for &o in &s.list {
            let row = tb.row(o);
            let lo = tb.loss[o];
            let members = &self.members[p.groups[o] as usize];
            out.evaluations += members.len() as u64;
            let o_tabu = tabu.is_some_and(|(_, no_leave, it, _)| no_leave[o] > it);
            for &c in members {
                let c = c as usize;
                if s.chosen[c] {
                    continue;
                }
                let d = tb.gain[c] - lo + row[c];
                if d <= floor || best.is_some_and(|(bd, _, _)| d <= bd) {
                    continue;
                }
                if let Some((no_return, _, it, aspiration)) = tabu {
                    if (o_tabu || no_return[c] > it) && d <= aspiration {
                        continue;
                    }
                }
                if swap_feasible(s, o, c) {
                    best = Some((d, o, c));
                }
            }
        }
        best
    }

    /// [`best_swap`](Self::best_swap) when every same-group swap is feasible (one group, no
    /// spacing conflicts, budget or support rules): per chosen candidate, a branch-free
    /// maximum of `gain + extra row` over masked arrays (vectorised by the compiler), and
    /// the argument only when that maximum beats the best so far. Same result and ties as
    /// the general scan.
    fn best_swap_plain(
        &self,
        tb: &Tables<'p>,
        tabu: Option<(&[u64], &[u64], u64, f64)>,
        floor: f64,
        out: &mut LocalSearchOutcome,
    ) -> Option<(f64, usize, usize)> {
        let s = &tb.s;
        let n = self.p.n_candidates();
        // unchosen candidates' gains, and those allowed back in (tabu), -inf elsewhere
        let mut all = vec![f64::NEG_INFINITY; n];
        let mut ok = vec![f64::NEG_INFINITY; n];
        for c in 0..n {
            if !s.chosen[c] {
                all[c] = tb.gain[c];
                if !tabu.is_some_and(|(no_return, _, it, _)| no_return[c] > it) {
                    ok[c] = tb.gain[c];
                }
            }
        }
        let arg_of = |base: &[f64], row: &[f64], v: f64| -> Option<usize> {
            base.iter().zip(row).position(|(a, b)| a + b == v)
        };
        let mut best: Option<(f64, usize, usize)> = None;
        for &o in &s.list {
            out.evaluations += n as u64;
            let row = tb.row(o);
            let lo = tb.loss[o];
            let bar = best.map_or(floor, |(bd, _, _)| bd.max(floor));
            // the best partner of all; allowed ones can only do as well
            let mx = max_sum(&all, row);
            if mx - lo <= bar {
                continue;
            }
            let o_tabu = tabu.is_some_and(|(_, no_leave, it, _)| no_leave[o] > it);
            let Some(c) = arg_of(&all, row, mx) else {
                continue;
            };
            let c_tabu = tabu.is_some_and(|(no_return, _, it, _)| no_return[c] > it);
            let aspires = tabu.is_some_and(|(_, _, _, aspiration)| mx - lo > aspiration);
            if !(o_tabu || c_tabu) || aspires {
                best = Some((mx - lo, o, c));
                continue;
            }
            if o_tabu {
                continue;
            }
            // the best partner allowed back in
            let mo = max_sum(&ok, row);
            if mo - lo > bar {
                if let Some(c) = arg_of(&ok, row, mo) {
                    best = Some((mo - lo, o, c));
                }
            }
        }
        best
    }

    /// Best-improvement swap descent on the tables until no swap improves, `max_passes`
    /// times the plan size swaps, or the deadline. Every accepted swap is verified exactly
    /// (a swap that does not improve the recomputed objective is undone and stops the
    /// descent). Returns true when the deadline stopped it.
    fn fast_descent(
        &self,
        tb: &mut Tables<'p>,
        max_passes: u32,
        deadline: Option<Instant>,
        out: &mut LocalSearchOutcome,
    ) -> bool {
        let t = &self.t;
        let limit = u64::from(max_passes).saturating_mul(tb.s.list.len().max(1) as u64);
        let mut value = tb.s.value();
        out.passes += 1;
        let mut moves = 0u64;
        while moves < limit {
            if passed(deadline) {
                return true;
            }
            let Some((_, o, i)) = self.best_swap(tb, None, out) else {
                break;
            };
            tb.flip(t, o);
            tb.flip(t, i);
            let v = tb.s.value();
            if v <= value + self.eps {
                tb.flip(t, i);
                tb.flip(t, o);
                break;
            }
            value = v;
            moves += 1;
            out.swaps += 1;
        }
        false
    }

    /// Removes up to `r` chosen candidates (keeping every active support rule satisfied): a
    /// random one, then the chosen candidates sharing a unit with it, then random others.
    fn perturb_local(
        &self,
        s: &mut State<'p>,
        rng: &mut Xoshiro256PlusPlus,
        r: usize,
    ) -> Vec<usize> {
        let p = self.p;
        let mut order = s.sorted();
        order.shuffle(rng);
        let Some(&first) = order.first() else {
            return Vec::new();
        };
        // chosen candidates overlapping `first`, in order of first appearance
        let mut near: Vec<usize> = vec![first];
        let mut seen = vec![first];
        for &u in p.matrix.units_of(first) {
            for &c in self.t.of(u as usize) {
                let c = c as usize;
                if s.chosen[c] && !seen.contains(&c) {
                    seen.push(c);
                    near.push(c);
                }
            }
        }
        near[1..].shuffle(rng);
        for c in order {
            if !seen.contains(&c) {
                near.push(c);
            }
        }
        let mut removed = Vec::new();
        for c in near {
            if removed.len() >= r {
                break;
            }
            let breaks = p.rules_protected_by(c).iter().any(|&rule| {
                let rule = rule as usize;
                let active = match p.rules[rule].protected {
                    None => true,
                    Some(q) => q != c && s.chosen[q],
                };
                active && s.support[rule] <= p.rules[rule].need
            });
            if !breaks {
                s.remove(c);
                removed.push(c);
            }
        }
        removed
    }

    /// A copy of `best` perturbed with strength `r` ([`Self::perturb_local`]) and refilled
    /// greedily without the candidates just removed (`banned` is scratch, all false on entry
    /// and on return).
    fn kick(
        &self,
        best: &State<'p>,
        rng: &mut Xoshiro256PlusPlus,
        r: usize,
        banned: &mut [bool],
    ) -> State<'p> {
        let mut s = best.clone();
        let removed = self.perturb_local(&mut s, rng, r);
        for &c in &removed {
            banned[c] = true;
        }
        super::greedy::fill(&mut s, super::greedy::Key::Gain, banned, None);
        for &c in &removed {
            banned[c] = false;
        }
        s
    }
}

fn empty_outcome(value: f64) -> LocalSearchOutcome {
    LocalSearchOutcome {
        chosen: Vec::new(),
        value,
        swaps: 0,
        passes: 0,
        evaluations: 0,
        hit_deadline: false,
        plain: false,
    }
}

/// The outcome of a search the deadline stopped before its setup: `start`, sorted, unchanged.
fn unsearched(p: &CoveringProblem, start: &[usize]) -> LocalSearchOutcome {
    let mut out = empty_outcome(p.evaluate(start));
    out.chosen = start.to_vec();
    out.chosen.sort_unstable();
    out.hit_deadline = true;
    out
}

/// Swap local search from `start` (which should be feasible). See the [module docs](self).
#[cfg(test)]
pub(crate) fn local_search(
    p: &CoveringProblem,
    start: &[usize],
    seed: u64,
    max_passes: u32,
    deadline: Option<Instant>,
) -> LocalSearchOutcome {
    iterated_local_search(p, start, seed, max_passes, 0, deadline)
}

/// Iterated local search: a swap descent from `start`, then `rounds` perturbation rounds
/// shared among [`CHAINS`] independent chains run in parallel, each from the descended start
/// with its own seed; the best chain wins (ties: the lowest chain index), so the result does
/// not depend on the thread count. Deterministic for a seed unless the deadline cuts it short;
/// never returns a plan worse than `start`. See [`chain`] for one chain's moves.
pub(crate) fn iterated_local_search(
    p: &CoveringProblem,
    start: &[usize],
    seed: u64,
    max_passes: u32,
    rounds: u32,
    deadline: Option<Instant>,
) -> LocalSearchOutcome {
    if passed(deadline) {
        // not even the setup (transpose, tables: seconds at scale) fits: the start as it is
        return unsearched(p, start);
    }
    let search = Search::new(p);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut best = State::from_set(p, start);
    let start_value = best.value();
    let mut out = empty_outcome(start_value);
    // the fast interchange needs one extra-table row per chosen candidate
    let fast = super::interchange::fits(
        p,
        p.capacities
            .iter()
            .map(|&c| c as usize)
            .sum::<usize>()
            .min(p.n_candidates()),
    );
    out.plain = !fast;
    if passed(deadline) {
        out.hit_deadline = true;
    } else if fast {
        let mut tb = Tables::new(best, &search.t);
        out.hit_deadline = search.fast_descent(&mut tb, max_passes, deadline, &mut out);
        best = tb.s;
    } else {
        out.hit_deadline = search.descend(&mut best, &mut rng, max_passes, deadline, &mut out);
    }
    out.evaluations += best.evaluations;
    best.evaluations = 0;
    let chains = CHAINS.min(rounds.max(1) as usize);
    if rounds > 0 && !out.hit_deadline && !best.list.is_empty() {
        let per = rounds.div_ceil(chains as u32);
        let results: Vec<(State<'_>, LocalSearchOutcome)> = (0..chains)
            .into_par_iter()
            .map(|ci| {
                let mut o = empty_outcome(0.0);
                let chain_seed = seed ^ (0x9E37_79B9_7F4A_7C15u64.wrapping_mul(ci as u64 + 1));
                let budget = per.min(rounds - per * ci as u32);
                let s = if fast {
                    tabu_chain(&search, &best, chain_seed, budget, deadline, &mut o)
                } else {
                    chain(
                        &search, &best, chain_seed, max_passes, budget, deadline, &mut o,
                    )
                };
                (s, o)
            })
            .collect();
        let mut best_value = best.value();
        for (s, o) in results {
            out.swaps += o.swaps;
            out.passes += o.passes;
            out.evaluations += o.evaluations;
            out.hit_deadline |= o.hit_deadline;
            let v = s.value();
            if v > best_value + search.eps {
                best_value = v;
                best = s;
            }
        }
    }
    out.value = best.value();
    out.chosen = best.sorted();
    if out.value < start_value {
        // cannot happen (every swap is verified), but never return a worse plan
        let mut back = start.to_vec();
        back.sort_unstable();
        out.chosen = back;
        out.value = start_value;
    }
    out
}

/// `max_c (a[c] + b[c])` (−∞ for empty slices), in eight independent lanes so that the
/// compiler vectorises it; exact (a maximum does not depend on the order).
fn max_sum(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [f64::NEG_INFINITY; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            let v = x[i] + y[i];
            acc[i] = if v > acc[i] { v } else { acc[i] };
        }
    }
    let mut m = f64::NEG_INFINITY;
    for v in acc.into_iter().chain(ra.iter().zip(rb).map(|(x, y)| x + y)) {
        if v > m {
            m = v;
        }
    }
    m
}

/// Independent chains of the iterated local search (run in parallel; the result does not
/// depend on the thread count).
pub(crate) const CHAINS: usize = 2;

/// One chain of the iterated local search from the local optimum `start`: `rounds` times,
/// remove `r` candidates from the best plan (a random chosen one, then the chosen candidates
/// whose coverage overlaps it, then random others), refill greedily without them, descend,
/// and keep the result when it is better. Adaptive strength: `r` restarts at 1 after an
/// improvement and grows by one after each failure, cycling back to 1 past a quarter of the
/// plan (at least 2).
fn chain<'p>(
    search: &Search<'p>,
    start: &State<'p>,
    seed: u64,
    max_passes: u32,
    rounds: u32,
    deadline: Option<Instant>,
    out: &mut LocalSearchOutcome,
) -> State<'p> {
    let p = search.p;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut best = start.clone();
    let mut best_value = best.value();
    let mut banned = vec![false; p.n_candidates()];
    let mut r = 1usize;
    for _ in 0..rounds {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            out.hit_deadline = true;
            break;
        }
        let size = best.list.len();
        if size == 0 {
            break;
        }
        let mut s = search.kick(&best, &mut rng, r, &mut banned);
        if search.descend(&mut s, &mut rng, max_passes, deadline, out) {
            out.hit_deadline = true;
        }
        out.evaluations += s.evaluations;
        s.evaluations = 0;
        let v = s.value();
        if v > best_value + search.eps {
            best_value = v;
            best = s;
            r = 1;
        } else {
            r = next_strength(r, size);
        }
    }
    best
}

/// The adaptive perturbation strength after a failed round: one more, cycling back to 1
/// past a quarter of a plan of `size` candidates (at least 2).
fn next_strength(r: usize, size: usize) -> usize {
    let r_max = size.div_ceil(4).max(2).min(size);
    if r >= r_max {
        1
    } else {
        r + 1
    }
}

/// Tabu iterations per perturbation round ([`SolveOptions::perturbations`]) of the fast
/// iterated local search.
///
/// [`SolveOptions::perturbations`]: super::covering::SolveOptions::perturbations
pub(crate) const TABU_ITERATIONS_PER_ROUND: u64 = 256;

/// Work limit per perturbation round of the fast iterated local search, in table entries
/// touched by flips and rebuilds (not the swap scans, O(plan × candidates) per iteration): on large dense models (Kyiv with terrain:
/// thousands of units per candidate) it binds before [`TABU_ITERATIONS_PER_ROUND`], so that a
/// round costs about what the plain iterated search's round did; on `mclp_10k_1k` it does not
/// bind. Deterministic (counted, not timed).
pub(crate) const TABU_WORK_PER_ROUND: u64 = 4_000_000;

/// Tabu iterations without a new best plan before the chain restarts from its best plan
/// with a perturbation.
const TABU_STALL: u64 = 300;

/// Iterations a removed candidate stays out (at most; a third of the unchosen candidates on
/// small instances), plus a random share of as many.
const TABU_TENURE_OUT: usize = 30;

/// Iterations an added candidate stays in (at most; a third of the plan on small plans), plus
/// a random share of as many.
const TABU_TENURE_IN: usize = 4;

/// One chain of the fast iterated local search: a tabu search over swaps (Glover) on the
/// fast-interchange tables from the local optimum `start`, `rounds` ×
/// [`TABU_ITERATIONS_PER_ROUND`] iterations (or [`TABU_WORK_PER_ROUND`] work, whichever
/// ends first). Each iteration makes the best allowed swap,
/// improving or not: a removed candidate may not come back, and an added one may not leave,
/// for a few (randomised) iterations, unless the swap gives a new best plan (aspiration).
/// After [`TABU_STALL`] iterations without a new best plan (or when no swap is allowed) the
/// chain restarts from its best plan with the adaptive neighbourhood perturbation of
/// [`chain`] (remove `r` overlapping chosen candidates, refill greedily without them).
/// Every new best plan is verified by an exact recomputation of the objective.
fn tabu_chain<'p>(
    search: &Search<'p>,
    start: &State<'p>,
    seed: u64,
    rounds: u32,
    deadline: Option<Instant>,
    out: &mut LocalSearchOutcome,
) -> State<'p> {
    let p = search.p;
    let t = &search.t;
    let n = p.n_candidates();
    let size0 = start.list.len();
    // tuned on mclp_10k_1k (seeds 0-7 all reach >= 38 400), scaled down on small instances
    let ten_in = TABU_TENURE_OUT.min(n.saturating_sub(size0) / 3).max(1) as u64;
    let ten_out = TABU_TENURE_IN.min(size0 / 3).max(1) as u64;
    let (stall, per_round) = (TABU_STALL, TABU_ITERATIONS_PER_ROUND);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut best = start.clone();
    let mut best_value = best.value();
    let mut tb = Tables::new(start.clone(), t);
    let mut cur = best_value;
    let mut no_return = vec![0u64; n];
    let mut no_leave = vec![0u64; n];
    let mut banned = vec![false; n];
    let budget = u64::from(rounds).saturating_mul(per_round);
    let work_budget = u64::from(rounds).saturating_mul(TABU_WORK_PER_ROUND);
    let nnz = p.matrix.nnz() as u64;
    let mut work = 0u64;
    let mut since = 0u64;
    let mut r = 1usize;
    let mut it = 0u64;
    while it < budget && work + tb.work < work_budget {
        if it % 32 == 0 && deadline.is_some_and(|d| Instant::now() >= d) {
            out.hit_deadline = true;
            break;
        }
        it += 1;
        let aspiration = best_value - cur + search.eps;
        let mv = search.best_swap(&tb, Some((&no_return, &no_leave, it, aspiration)), out);
        if let Some((d, o, i)) = mv {
            tb.flip(t, o);
            tb.flip(t, i);
            out.swaps += 1;
            cur += d;
            no_return[o] = it + ten_in + rng.random_range(0..ten_in.max(1));
            no_leave[i] = it + ten_out + rng.random_range(0..ten_out.max(1));
            if cur > best_value + search.eps {
                // verify exactly (no rounding drift is ever kept)
                cur = tb.s.value();
                if cur > best_value + search.eps {
                    best_value = cur;
                    best = tb.s.clone();
                    since = 0;
                    r = 1;
                    continue;
                }
            }
            since += 1;
        }
        if mv.is_none() || since >= stall {
            // restart from the best plan with an adaptive perturbation
            let size = best.list.len();
            if size == 0 {
                break;
            }
            let mut s = search.kick(&best, &mut rng, r, &mut banned);
            out.evaluations += s.evaluations;
            s.evaluations = 0;
            out.passes += 1;
            work += tb.work + 2 * nnz;
            tb = Tables::new(s, t);
            cur = tb.s.value();
            if cur > best_value + search.eps {
                best_value = cur;
                best = tb.s.clone();
                r = 1;
            } else {
                r = next_strength(r, size);
            }
            since = 0;
        }
    }
    out.evaluations += work + tb.work;
    best
}

/// Removes chosen `c`, updating the gains of candidates sharing units whose depth drops below
/// the requirement.
fn remove_tracked(s: &mut State, c: usize, t: &Transposed, gain: &mut [f64]) {
    let m = &s.p.matrix;
    let (w, k) = (m.weights(), m.required());
    for &u in m.units_of(c) {
        let u = u as usize;
        if s.depth[u] == k[u] {
            let v = w[u] / f64::from(k[u]);
            for &d in t.of(u) {
                gain[d as usize] += v;
            }
        }
    }
    s.remove(c);
}

/// Adds `c`, updating the gains of candidates sharing units whose depth reaches the
/// requirement.
fn add_tracked(s: &mut State, c: usize, t: &Transposed, gain: &mut [f64]) {
    let m = &s.p.matrix;
    let (w, k) = (m.weights(), m.required());
    for &u in m.units_of(c) {
        let u = u as usize;
        if s.depth[u] + 1 == k[u] {
            let v = w[u] / f64::from(k[u]);
            for &d in t.of(u) {
                gain[d as usize] -= v;
            }
        }
    }
    s.add(c);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::matrix::CoverageMatrix;
    use crate::placement::objective::SupportRule;

    fn problem() -> CoveringProblem {
        // a ring of 40 units; candidate c covers units c..c+5 (mod 40), weights vary
        let n = 40;
        let weights = (0..n).map(|u| 1.0 + (u * 7 % 5) as f64).collect();
        let sets: Vec<Vec<usize>> = (0..n)
            .map(|c| (c..c + 5).map(|u| u % n).collect())
            .collect();
        let m = CoverageMatrix::from_sets(weights, &sets).unwrap();
        CoveringProblem::new(m, 6)
    }

    #[test]
    fn descent_improves_and_stays_feasible() {
        let p = problem();
        // a poor start: six overlapping neighbours
        let start = [0, 1, 2, 3, 4, 5];
        let out = local_search(&p, &start, 1, 100, None);
        assert!(out.value > p.evaluate(&start));
        assert_eq!(out.value, p.evaluate(&out.chosen));
        assert!(p.check(&out.chosen).is_ok());
        assert!(out.swaps > 0);
        // same seed, same result; iterated search never loses to the plain descent
        let again = local_search(&p, &start, 1, 100, None);
        assert_eq!(again.chosen, out.chosen);
        let ils = iterated_local_search(&p, &start, 1, 100, 16, None);
        assert!(ils.value >= out.value);
        assert_eq!(ils.value, p.evaluate(&ils.chosen));
    }

    /// A deadline already passed returns the start unchanged (sorted) and says so, for the
    /// fast and the plain search alike.
    #[test]
    fn passed_deadline_returns_the_start() {
        let p = problem();
        let start = [5, 4, 3, 2, 1, 0];
        let past = Some(Instant::now());
        for rounds in [0, 16] {
            let out = iterated_local_search(&p, &start, 1, 100, rounds, past);
            assert!(out.hit_deadline);
            assert_eq!(out.chosen, vec![0, 1, 2, 3, 4, 5]);
            assert_eq!(out.value, p.evaluate(&start));
            assert_eq!((out.swaps, out.passes), (0, 0));
        }
    }

    /// The vectorised scan (one group, no side constraints) finds a swap of the same delta
    /// as the general scan, with and without tabu restrictions.
    #[test]
    fn plain_scan_matches_general_scan() {
        let p = problem();
        let plain = Search::new(&p);
        assert!(plain.plain);
        let mut general = Search::new(&p);
        general.plain = false;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let mut tb = Tables::new(State::from_set(&p, &[0, 1, 2, 3, 4, 5]), &plain.t);
        let n = p.n_candidates();
        let mut no_return = vec![0u64; n];
        let mut no_leave = vec![0u64; n];
        let mut o = empty_outcome(0.0);
        for it in 1..60u64 {
            for tabu in [false, true] {
                let tb_args = tabu.then_some((&no_return[..], &no_leave[..], it, 2.5));
                let a = plain.best_swap(&tb, tb_args, &mut o);
                let b = general.best_swap(&tb, tb_args, &mut o);
                assert_eq!(
                    a.map(|x| x.0),
                    b.map(|x| x.0),
                    "iteration {it}, tabu {tabu}"
                );
            }
            let Some((_, out, inn)) =
                plain.best_swap(&tb, Some((&no_return, &no_leave, it, 1e9)), &mut o)
            else {
                break;
            };
            tb.flip(&plain.t, out);
            tb.flip(&plain.t, inn);
            no_return[out] = it + rng.random_range(1..6);
            no_leave[inn] = it + rng.random_range(1..3);
        }
    }

    #[test]
    fn swaps_respect_support_and_conflicts() {
        // candidate 0 must keep a protector among {1, 2}; 3 conflicts with 4
        let p = problem()
            .with_groups((0..40).map(|c| usize::from(c >= 20)).collect(), vec![3, 3])
            .unwrap()
            .with_conflicts([(3, 4), (21, 30)])
            .unwrap()
            .with_support_rules(vec![SupportRule {
                protected: Some(0),
                protectors: vec![1, 2],
                need: 1,
                label: "c0".into(),
            }])
            .unwrap();
        let start = [0, 1, 3, 20, 21, 22];
        assert!(p.check(&start).is_ok());
        for seed in 0..8 {
            let out = iterated_local_search(&p, &start, seed, 100, 8, None);
            assert!(
                p.check(&out.chosen).is_ok(),
                "seed {seed}: {:?}",
                out.chosen
            );
            assert!(out.value >= p.evaluate(&start));
        }
    }
}
