//! Lazy greedy (CELF / Minoux's accelerated greedy) with deterministic tie-breaking.
//!
//! Every candidate's marginal gain is kept in a max-heap keyed by `(gain, lowest index)`
//! (`f64::total_cmp`). Because the objective is submodular, a gain computed earlier is an upper
//! bound of the current one: the top entry is recomputed, and chosen only if it is still on top
//! once fresh. The result is exactly the plain greedy's (same gains, same ties: lowest candidate
//! index wins) with far fewer gain evaluations.
//!
//! Constraints: candidates that would break a capacity, the budget or a conflict are skipped;
//! with a budget, a second greedy run keyed by gain / cost is made and the better of the two
//! kept (the classic cost-benefit variant). Support rules: unconditional rules (fixed sites
//! that need support) are satisfied first with their best protectors; a protected candidate is
//! chosen together with the best protectors it still needs, or not at all.

use super::objective::{CoveringProblem, State};
use crate::error::{Error, Result};
use rayon::prelude::*;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::time::Instant;

/// What the greedy heap is keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    /// Marginal gain.
    Gain,
    /// Marginal gain per unit cost.
    Ratio,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    key: f64,
    cand: u32,
    stamp: u32,
}

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> Ordering {
        // larger key first, then lower candidate index first
        self.key
            .total_cmp(&o.key)
            .then_with(|| o.cand.cmp(&self.cand))
    }
}

/// Result of a greedy run.
#[derive(Debug, Clone)]
pub(crate) struct GreedyOutcome {
    /// Chosen candidates in the order chosen.
    pub(crate) chosen: Vec<usize>,
    /// Exact objective.
    pub(crate) value: f64,
    /// Gain evaluations.
    pub(crate) evaluations: u64,
    /// True when the deadline stopped it before its last round: `chosen` is a partial plan.
    pub(crate) stopped: bool,
}

/// True once `deadline` has passed (`None`: never).
fn passed(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

/// Marginal gain of `c` for depths `depth` (pure function, for parallel initial gains).
pub(crate) fn gain_for(p: &CoveringProblem, depth: &[u8], c: usize) -> f64 {
    let m = &p.matrix;
    let (w, k) = (m.weights(), m.required());
    let mut g = 0.0;
    for &u in m.units_of(c) {
        let u = u as usize;
        if depth[u] < k[u] {
            g += w[u] / f64::from(k[u]);
        }
    }
    g
}

fn key_of(p: &CoveringProblem, key: Key, gain: f64, c: usize) -> f64 {
    match key {
        Key::Gain => gain,
        Key::Ratio => {
            let cost = p.cost(c);
            if cost > 0.0 {
                gain / cost
            } else {
                gain * 1e30
            }
        }
    }
}

/// True when gain `g` beats the best so far (ties keep the earlier, lower index).
#[inline]
fn better(best: Option<(f64, usize)>, g: f64) -> bool {
    match best {
        None => true,
        Some((bg, _)) => g > bg,
    }
}

/// Adds the best feasible protectors of rule `r` until it is satisfied. Returns the added
/// candidates, or `Err(added)` when the rule cannot be satisfied (the added ones are still in
/// the state: the caller rolls back).
fn complete_rule(s: &mut State, r: usize) -> std::result::Result<Vec<usize>, Vec<usize>> {
    let p = s.p;
    let mut added = Vec::new();
    while s.support[r] < p.rules[r].need {
        let mut best: Option<(f64, usize)> = None;
        for &q in &p.rules[r].protectors {
            if !s.can_add(q) {
                continue;
            }
            // a protector that is itself protected would need support of its own: skip those
            if p.protected_rule[q] != u32::MAX {
                continue;
            }
            let g = s.gain(q);
            if better(best, g) {
                best = Some((g, q));
            }
        }
        match best {
            Some((_, q)) => {
                s.add(q);
                added.push(q);
            }
            None => return Err(added),
        }
    }
    Ok(added)
}

/// Satisfies the unconditional support rules (fixed sites needing support).
///
/// # Errors
/// [`Error::Infeasible`] when a rule cannot be satisfied.
pub(crate) fn satisfy_unconditional(s: &mut State) -> Result<()> {
    let p = s.p;
    for r in 0..p.rules.len() {
        if p.rules[r].protected.is_some() {
            continue;
        }
        if let Err(added) = complete_rule(s, r) {
            let have = s.support[r];
            for q in added.into_iter().rev() {
                s.remove(q);
            }
            let rule = &p.rules[r];
            return Err(Error::Infeasible {
                reason: format!(
                    "mutual support: {} needs {} supporting sites within reach but only {} can \
                     be placed there ({} candidates in reach; inventory, budget or spacing \
                     rule out the rest)",
                    rule.label,
                    rule.need,
                    have,
                    rule.protectors.len()
                ),
            });
        }
    }
    Ok(())
}

/// Runs lazy greedy from the state after [`satisfy_unconditional`], until `deadline`.
fn greedy_with(p: &CoveringProblem, key: Key, deadline: Option<Instant>) -> Result<GreedyOutcome> {
    let mut s = State::new(p);
    satisfy_unconditional(&mut s)?;
    let mut banned = vec![false; p.n_candidates()];
    let stopped = fill(&mut s, key, &mut banned, deadline);
    Ok(GreedyOutcome {
        value: s.value(),
        chosen: s.list.clone(),
        evaluations: s.evaluations,
        stopped,
    })
}

/// Lazy greedy from the current state: adds candidates (never `banned` ones) while some
/// feasible candidate has a positive gain. Protected candidates that cannot get their support
/// are banned. The deadline is checked before the first gain pass and after every site added
/// (never inside a round, so a run the deadline does not stop is exactly the unlimited one);
/// returns true when it stopped there with candidates of positive gain left.
pub(crate) fn fill(
    s: &mut State,
    key: Key,
    banned: &mut [bool],
    deadline: Option<Instant>,
) -> bool {
    if passed(deadline) {
        return true;
    }
    let p = s.p;
    let n = p.n_candidates();
    let depth0 = s.depth.clone();
    let gains: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|c| gain_for(p, &depth0, c))
        .collect();
    s.evaluations += n as u64;
    let mut heap: BinaryHeap<Entry> = gains
        .iter()
        .enumerate()
        .filter(|&(c, &g)| g > 0.0 && !banned[c] && s.can_add(c))
        .map(|(c, &g)| Entry {
            key: key_of(p, key, g, c),
            cand: c as u32,
            stamp: 0,
        })
        .collect();
    let mut round: u32 = 0;
    while let Some(top) = heap.pop() {
        let c = top.cand as usize;
        if banned[c] || !s.can_add(c) {
            continue;
        }
        if top.stamp != round {
            let g = s.gain(c);
            if g > 0.0 {
                heap.push(Entry {
                    key: key_of(p, key, g, c),
                    cand: top.cand,
                    stamp: round,
                });
            }
            continue;
        }
        let rule = p.protected_rule[c];
        s.add(c);
        if rule != u32::MAX {
            let r = rule as usize;
            if let Err(added) = complete_rule(s, r) {
                for q in added.into_iter().rev() {
                    s.remove(q);
                }
                s.remove(c);
                banned[c] = true;
                continue;
            }
        }
        round += 1;
        if !heap.is_empty() && passed(deadline) {
            return true;
        }
    }
    false
}

/// Lazy greedy; with a budget and non-uniform costs, the better of the gain-keyed and the
/// ratio-keyed runs (ties: gain-keyed).
///
/// # Errors
/// [`Error::Infeasible`] when a fixed site's support cannot be provided.
pub(crate) fn greedy(p: &CoveringProblem) -> Result<GreedyOutcome> {
    greedy_until(p, None)
}

/// [`greedy`] that stops at `deadline` (checked between rounds, see [`fill`]) with the
/// partial plan built so far and [`GreedyOutcome::stopped`] set; the ratio-keyed run is
/// skipped when the gain-keyed one was stopped. Without a deadline that bites, the plan is
/// [`greedy`]'s exactly.
///
/// # Errors
/// As [`greedy`].
pub(crate) fn greedy_until(
    p: &CoveringProblem,
    deadline: Option<Instant>,
) -> Result<GreedyOutcome> {
    let a = greedy_with(p, Key::Gain, deadline)?;
    let costs_vary = p.costs.as_ref().is_some_and(|c| {
        c.iter()
            .any(|&x| (x - c.first().copied().unwrap_or(0.0)).abs() > 0.0)
    });
    if p.budget.is_some() && costs_vary && !a.stopped {
        let mut b = greedy_with(p, Key::Ratio, deadline)?;
        if b.value > a.value {
            b.evaluations += a.evaluations;
            return Ok(b);
        }
        let mut a = a;
        a.evaluations += b.evaluations;
        a.stopped |= b.stopped;
        return Ok(a);
    }
    Ok(a)
}

/// Plain (non-lazy) greedy without support rules, for tests: the reference CELF must match.
#[cfg(test)]
pub(crate) fn naive_greedy(p: &CoveringProblem) -> Vec<usize> {
    let mut s = State::new(p);
    loop {
        let mut best: Option<(f64, usize)> = None;
        for c in 0..p.n_candidates() {
            if !s.can_add(c) {
                continue;
            }
            let g = s.gain(c);
            if g > 0.0 && better(best, g) {
                best = Some((g, c));
            }
        }
        match best {
            Some((_, c)) => s.add(c),
            None => return s.list,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::matrix::CoverageMatrix;
    use proptest::prelude::*;

    fn instance(seed: u64, n_units: usize, n_cand: usize) -> CoverageMatrix {
        // small LCG so the test needs no extra dependency
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = move || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as usize
        };
        let weights = (0..n_units).map(|_| (next() % 5) as f64 + 1.0).collect();
        let sets: Vec<Vec<usize>> = (0..n_cand)
            .map(|_| (0..1 + next() % 6).map(|_| next() % n_units).collect())
            .collect();
        CoverageMatrix::from_sets(weights, &sets).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// CELF picks exactly what plain greedy picks, in the same order.
        #[test]
        fn celf_equals_naive(seed in 0u64..10_000, p in 1usize..6, k in 1u8..3) {
            let m = instance(seed, 30, 25).with_uniform_depth(k).unwrap();
            let prob = CoveringProblem::new(m, p);
            let lazy = greedy(&prob).unwrap();
            let naive = naive_greedy(&prob);
            prop_assert_eq!(&lazy.chosen, &naive);
            prop_assert!((lazy.value - prob.evaluate(&naive)).abs() < 1e-9);
        }
    }

    #[test]
    fn lazy_saves_evaluations() {
        let m = instance(7, 2_000, 400);
        let prob = CoveringProblem::new(m, 30);
        let g = greedy(&prob).unwrap();
        let naive_evals = 30 * 400;
        assert!(
            (g.evaluations as usize) < naive_evals,
            "{} evaluations",
            g.evaluations
        );
        assert_eq!(g.chosen.len(), 30);
    }
}
