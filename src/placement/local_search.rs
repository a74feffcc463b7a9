//! Swap local search: replace a chosen candidate by an unchosen one of the same group while
//! that improves the objective.
//!
//! Each pass visits the chosen candidates in an order drawn from a seeded
//! [`Xoshiro256PlusPlus`](rand::rngs::Xoshiro256PlusPlus) and, for each, makes the best
//! improving feasible swap within its group (ties: lowest candidate index). Passes repeat until
//! one makes no swap, the pass limit is reached or the deadline passes.
//!
//! Cost per visited candidate `i`: O(|units of i| × candidates per unit) to adjust gains plus
//! O(|group|) to scan the swap partners, thanks to gains kept up to date through the
//! transposed matrix (unit → candidates) after every accepted swap. Every accepted swap is
//! re-verified with an exact gain computation, so rounding drift never accepts a non-improving
//! move. The result never has a lower objective than the start, respects every constraint the
//! start respects, and is deterministic for a seed (unless the deadline cuts it short).

use super::objective::{CoveringProblem, State};
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;
use rand::SeedableRng;
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

/// Swap local search from `start` (which should be feasible). See the [module docs](self).
pub(crate) fn local_search(
    p: &CoveringProblem,
    start: &[usize],
    seed: u64,
    max_passes: u32,
    deadline: Option<Instant>,
) -> LocalSearchOutcome {
    let mut s = State::from_set(p, start);
    let start_value = s.value();
    let n = p.n_candidates();
    let m = &p.matrix;
    let (w, k) = (m.weights(), m.required());
    let t = m.transpose();
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); p.capacities.len()];
    for c in 0..n {
        members[p.groups[c] as usize].push(c as u32);
    }
    let eps = 1e-10 * m.max_objective().max(1e-300);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut adj = vec![0.0f64; n];
    let mut touched: Vec<u32> = Vec::new();
    let mut out = LocalSearchOutcome {
        chosen: Vec::new(),
        value: start_value,
        swaps: 0,
        passes: 0,
        evaluations: 0,
        hit_deadline: false,
    };
    'passes: while out.passes < max_passes {
        out.passes += 1;
        // fresh gains each pass (no drift accumulates across passes)
        let depth = s.depth.clone();
        let mut gain_now: Vec<f64> = (0..n)
            .into_par_iter()
            .map(|c| super::greedy::gain_for(p, &depth, c))
            .collect();
        out.evaluations += n as u64;
        let mut order = s.sorted();
        order.shuffle(&mut rng);
        let mut improved = false;
        for i in order {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                out.hit_deadline = true;
                break 'passes;
            }
            if !s.chosen[i] {
                continue;
            }
            // loss of removing i, and the gain bonus its removal gives each other candidate
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
            for &c in &members[g] {
                let cu = c as usize;
                if s.chosen[cu] {
                    continue;
                }
                let delta = gain_now[cu] + adj[cu] - loss;
                if delta > eps {
                    moves.push((delta, c));
                }
            }
            out.evaluations += members[g].len() as u64;
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
                if !swap_feasible(&s, i, c) {
                    continue;
                }
                // apply, keeping gain_now in step, then verify exactly
                remove_tracked(&mut s, i, &t, &mut gain_now);
                let exact_gain = s.gain(c);
                if exact_gain - loss <= eps {
                    add_tracked(&mut s, i, &t, &mut gain_now);
                    continue;
                }
                add_tracked(&mut s, c, &t, &mut gain_now);
                out.swaps += 1;
                improved = true;
                break;
            }
        }
        if !improved {
            break;
        }
    }
    out.evaluations += s.evaluations;
    out.value = s.value();
    out.chosen = s.sorted();
    if out.value < start_value {
        // cannot happen (every swap is verified), but never return a worse plan
        let mut back = start.to_vec();
        back.sort_unstable();
        out.chosen = back;
        out.value = start_value;
    }
    out
}

/// Removes chosen `c`, updating the gains of candidates sharing units whose depth drops below
/// the requirement.
fn remove_tracked(s: &mut State, c: usize, t: &super::matrix::Transposed, gain: &mut [f64]) {
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
fn add_tracked(s: &mut State, c: usize, t: &super::matrix::Transposed, gain: &mut [f64]) {
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
