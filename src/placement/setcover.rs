//! Set covering internals: a Lagrangian lower bound with its primal heuristic (Beasley's
//! scheme), and, for equal costs, cover shrinking and proofs through the maximal-covering
//! machinery.
//!
//! * **Lower bound.** Relaxing `Σ_{c ∋ u} x_c ≥ need_u` with `λ_u ≥ 0` gives
//!   `L(λ) = Σ_u need_u·λ_u + Σ_c min(0, cost_c − Σ_{u ∈ c} λ_u)`, a lower bound on every
//!   cover for every `λ ≥ 0`; subgradient steps (Polyak, towards the best cover) raise it.
//!   With integer costs the bound rounds up.
//! * **Lagrangian heuristic.** At every step the candidates of negative reduced cost, completed
//!   on each short unit by its cheapest reduced-cost candidate and stripped of redundant ones
//!   (dearest first), form a cover; the best is kept.
//! * **Equal costs.** The fewest sites covering everything: a cover of `K` sites exists iff
//!   the maximal-covering problem with `p = K` (weight `need_u`, depth `need_u`) reaches
//!   `Σ need`. Iterated local search on that problem shrinks the cover; the exact
//!   branch-and-bound ([`super::exact`]), run on `p = K − 1` against the target `Σ need`,
//!   proves that no smaller cover exists.

use super::exact::{branch_and_bound, ExactLimits, ExactStop};
use super::greedy::greedy;
use super::matrix::{CoverageMatrix, Transposed};
use super::objective::CoveringProblem;
use super::presolve::presolve;
use crate::error::Result;
use rayon::prelude::*;
use std::time::Instant;

/// Result of the Lagrangian bound and heuristic.
pub(crate) struct CoverBound {
    /// The best lower bound (rounded up for integer costs).
    pub(crate) lower: f64,
    /// The best cover met (sorted) and its cost, when better than the incumbent.
    pub(crate) cover: Option<(Vec<usize>, f64)>,
    /// Iterations made.
    pub(crate) iterations: u32,
    /// True when the deadline cut the iterations short.
    pub(crate) hit_deadline: bool,
}

/// Cost of a cover.
pub(crate) fn cost_of(costs: &[f64], chosen: &[usize]) -> f64 {
    chosen.iter().map(|&c| costs[c]).sum()
}

/// Removes redundant candidates, dearest first (ties: higher index first).
pub(crate) fn strip_redundant(
    m: &CoverageMatrix,
    costs: &[f64],
    need: &[u32],
    chosen: &mut Vec<usize>,
    got: &mut [u32],
) {
    let mut order = chosen.clone();
    order.sort_by(|&a, &b| costs[b].total_cmp(&costs[a]).then(b.cmp(&a)));
    let mut keep = vec![true; order.len()];
    for (i, &c) in order.iter().enumerate() {
        if m.units_of(c)
            .iter()
            .all(|&u| got[u as usize] > need[u as usize])
        {
            for &u in m.units_of(c) {
                got[u as usize] -= 1;
            }
            keep[i] = false;
        }
    }
    *chosen = order
        .iter()
        .zip(&keep)
        .filter(|(_, &k)| k)
        .map(|(&c, _)| c)
        .collect();
    chosen.sort_unstable();
}

/// The Lagrangian lower bound and heuristic from the incumbent cost `ub`.
pub(crate) fn lagrangian_cover(
    m: &CoverageMatrix,
    t: &Transposed,
    costs: &[f64],
    need: &[u32],
    ub: f64,
    iterations: u32,
    deadline: Option<Instant>,
) -> CoverBound {
    let (nu, n) = (m.n_units(), m.n_candidates());
    let integral = costs.iter().all(|&c| (c - c.round()).abs() < 1e-12);
    let round = |l: f64| {
        if integral {
            (l - 1e-6).ceil()
        } else {
            l
        }
    };
    let rows: Vec<u32> = (0..nu as u32).filter(|&u| need[u as usize] > 0).collect();
    // start: each unit priced at its cheapest per-unit candidate cost
    let mut lam = vec![0.0f64; nu];
    for &u in &rows {
        let u = u as usize;
        lam[u] = t
            .of(u)
            .iter()
            .map(|&c| costs[c as usize] / m.units_of(c as usize).len().max(1) as f64)
            .fold(f64::INFINITY, f64::min);
        if !lam[u].is_finite() {
            lam[u] = 0.0;
        }
    }
    let mut best_lb = 0.0f64;
    let mut ub = ub;
    let mut cover: Option<(Vec<usize>, f64)> = None;
    let mut theta = 2.0f64;
    let mut stall = 0u32;
    let mut got = vec![0u32; nu];
    let mut rc = vec![0.0f64; n];
    let mut it = 0u32;
    let mut hit_deadline = false;
    while it < iterations {
        if it % 8 == 7 && deadline.is_some_and(|d| Instant::now() >= d) {
            hit_deadline = true;
            break;
        }
        it += 1;
        rc.par_iter_mut().enumerate().for_each(|(c, r)| {
            *r = costs[c] - m.units_of(c).iter().map(|&u| lam[u as usize]).sum::<f64>();
        });
        let mut l: f64 = rows
            .iter()
            .map(|&u| f64::from(need[u as usize]) * lam[u as usize])
            .sum();
        let mut x: Vec<usize> = Vec::new();
        for (c, &r) in rc.iter().enumerate() {
            if r < 0.0 {
                l += r;
                x.push(c);
            }
        }
        if l > best_lb + 1e-12 * l.abs() {
            best_lb = l;
            stall = 0;
        } else {
            stall += 1;
            if stall >= 20 {
                theta *= 0.5;
                stall = 0;
            }
        }
        // subgradient and the primal cover
        for g in got.iter_mut() {
            *g = 0;
        }
        for &c in &x {
            for &u in m.units_of(c) {
                got[u as usize] += 1;
            }
        }
        let mut norm = 0.0;
        let s: Vec<f64> = rows
            .iter()
            .map(|&u| {
                let d = f64::from(need[u as usize]) - f64::from(got[u as usize]);
                // a multiplier at 0 with a surplus stays at 0: no step there
                let d = if lam[u as usize] <= 0.0 && d < 0.0 {
                    0.0
                } else {
                    d
                };
                norm += d * d;
                d
            })
            .collect();
        if it % 4 == 1 || it == iterations {
            let mut chosen = x.clone();
            let mut is = vec![false; n];
            for &c in &chosen {
                is[c] = true;
            }
            // complete each short unit with its cheapest reduced-cost candidate
            for &u in &rows {
                let u = u as usize;
                while got[u] < need[u] {
                    let best = t
                        .of(u)
                        .iter()
                        .map(|&c| c as usize)
                        .filter(|&c| !is[c])
                        .min_by(|&a, &b| rc[a].total_cmp(&rc[b]).then(a.cmp(&b)));
                    let Some(c) = best else { break };
                    is[c] = true;
                    chosen.push(c);
                    for &v in m.units_of(c) {
                        got[v as usize] += 1;
                    }
                }
            }
            strip_redundant(m, costs, need, &mut chosen, &mut got);
            let cost = cost_of(costs, &chosen);
            if cost < ub - 1e-9 {
                ub = cost;
                cover = Some((chosen, cost));
            }
        }
        if round(best_lb) >= ub - 1e-9 || theta < 1e-4 || norm <= 0.0 {
            break;
        }
        let step = theta * (ub - l).max(1e-9) / norm;
        for (i, &u) in rows.iter().enumerate() {
            let u = u as usize;
            lam[u] = (lam[u] + step * s[i]).max(0.0);
        }
    }
    CoverBound {
        lower: round(best_lb).max(0.0),
        cover,
        iterations: it,
        hit_deadline,
    }
}

/// The maximal-covering twin of a unit-cost cover problem: weight and depth `need_u`.
fn twin(m: &CoverageMatrix, need: &[u32], p: usize) -> Result<CoveringProblem> {
    let w: Vec<f64> = need.iter().map(|&n| f64::from(n)).collect();
    let k: Vec<u8> = need.iter().map(|&n| n.clamp(1, 8) as u8).collect();
    let mut mm = CoverageMatrix::new(w)?.with_required_depth(k)?;
    for c in 0..m.n_candidates() {
        mm.push_sorted(m.units_of(c));
    }
    Ok(CoveringProblem::new(mm, p))
}

/// Outcome of the equal-cost search.
pub(crate) struct Shrink {
    /// The smallest cover found (sorted).
    pub(crate) cover: Vec<usize>,
    /// A proven lower bound on the number of sites.
    pub(crate) lower_sites: usize,
    /// Branch-and-bound nodes.
    pub(crate) nodes: u64,
    /// Which limit stopped the proof, if any.
    pub(crate) stopped: Option<ExactStop>,
}

/// Equal costs: shrinks `cover` by iterated local search on the maximal-covering twin, then
/// (when `prove`) tries to prove that one site fewer cannot cover everything.
#[allow(clippy::too_many_arguments)]
pub(crate) fn shrink_equal_cost(
    m: &CoverageMatrix,
    need: &[u32],
    cover: Vec<usize>,
    lower_sites: usize,
    seed: u64,
    prove: bool,
    max_nodes: u64,
    deadline: Instant,
) -> Result<Shrink> {
    let total: f64 = need.iter().map(|&n| f64::from(n)).sum();
    let mut best = cover;
    let mut nodes = 0;
    let mut stopped = None;
    let mut lower_sites = lower_sites;
    let full = |v: f64| v >= total - 0.5;
    if !prove {
        return Ok(Shrink {
            cover: best,
            lower_sites,
            nodes,
            stopped,
        });
    }
    let _ = seed;
    'outer: while best.len() > lower_sites && Instant::now() < deadline {
        let k = best.len() - 1;
        let Some(pre) = presolve(&twin(m, need, k)?, Some(deadline))? else {
            stopped = Some(ExactStop::Time);
            break;
        };
        let q = &pre.problem;
        let g = greedy(q)?;
        let (mut plan, mut value) = (g.chosen, g.value);
        if !full(value) && prove {
            // prove that no k sites reach the target, or find k that do
            let limits = ExactLimits {
                max_nodes,
                root_iterations: 1000,
                node_iterations: 60,
                deadline: Some(deadline),
            };
            let o = branch_and_bound(q, &[], total - 1.0, limits);
            nodes += o.nodes;
            if full(o.value) {
                plan = o.chosen;
                value = o.value;
            } else if o.proven {
                lower_sites = lower_sites.max(k + 1);
                break 'outer;
            } else {
                stopped = o.stopped_by;
                break 'outer;
            }
        }
        if !full(value) {
            break;
        }
        let mut c: Vec<usize> = plan.iter().map(|&c| pre.original[c]).collect();
        c.sort_unstable();
        best = c;
    }
    if stopped.is_none() && best.len() > lower_sites {
        // the loop ran out of time between two proofs
        stopped = Some(ExactStop::Time);
    }
    Ok(Shrink {
        cover: best,
        lower_sites,
        nodes,
        stopped,
    })
}

/// Outcome of [`row_weighting_search`].
pub(crate) struct RowWeighting {
    /// The smallest cover met (sorted).
    pub(crate) cover: Vec<usize>,
    /// Steps made.
    pub(crate) steps: u64,
    /// True when the deadline cut the steps short.
    pub(crate) hit_deadline: bool,
}

/// Score contribution of unit `u` (weight `w`) to candidate `c`: an unchosen candidate gains
/// `w` from a unit still short of its need; a chosen one loses `w` when removing it would
/// leave the unit short.
#[inline]
fn contribution(chosen: bool, got: u32, need: u32, w: u64) -> i64 {
    if need == 0 {
        0
    } else if chosen {
        if got <= need {
            -(w as i64)
        } else {
            0
        }
    } else if got < need {
        w as i64
    } else {
        0
    }
}

/// Row-weighting local search for unit-cost set (multi)covering (RWLS: Gao, Weise and Li,
/// "An efficient local search heuristic with row weighting for the unicost set covering
/// problem", EJOR 2015), from the cover `start`.
///
/// Each unit short of its need carries a weight (1 at first, +1 after every step it stays
/// short); a candidate's score is the weight it would cover (unchosen) or leave short
/// (chosen, negative). Whenever the current set covers everything it is recorded, and the
/// chosen candidate of highest score is dropped (looking for a cover one site smaller);
/// otherwise one step drops the chosen candidate of highest score (never the one just added)
/// and adds, for a random short unit, its candidate of highest score among those whose
/// neighbourhood changed since they were dropped (configuration checking). Ties: the candidate
/// changed longest ago, then the lowest index. Stops after `max_steps` steps, when a cover of
/// `target` sites is met, or at the deadline (checked every 256 steps). Deterministic for a
/// seed unless the deadline cuts it short.
///
/// Cost per step: O(Σ over the two changed candidates' units of the candidates covering
/// them) plus O(short units) for the weights.
#[allow(clippy::too_many_arguments)]
pub(crate) fn row_weighting_search(
    m: &CoverageMatrix,
    t: &Transposed,
    need: &[u32],
    start: &[usize],
    target: usize,
    max_steps: u64,
    seed: u64,
    deadline: Option<Instant>,
) -> RowWeighting {
    use rand::rngs::Xoshiro256PlusPlus;
    use rand::{RngExt, SeedableRng};
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5EC0_7E55);
    let mut rw = Rwls::new(m, t, need, start);
    let mut best: Vec<usize> = rw.list.clone();
    let mut steps = 0u64;
    let mut hit_deadline = false;
    let mut last_added = usize::MAX;
    while steps < max_steps && best.len() > target {
        if steps % 256 == 255 && deadline.is_some_and(|d| Instant::now() >= d) {
            hit_deadline = true;
            break;
        }
        steps += 1;
        // while the set covers everything: record it and look for one site fewer
        while rw.short.is_empty() {
            if rw.list.len() < best.len() {
                best = rw.list.clone();
                if best.len() <= target {
                    break;
                }
            }
            let Some(c) = rw.pick_drop(usize::MAX) else {
                break;
            };
            rw.drop_chosen(c, steps);
        }
        if best.len() <= target || rw.short.is_empty() {
            break;
        }
        if let Some(c) = rw.pick_drop(last_added) {
            rw.drop_chosen(c, steps);
            rw.can_add[c] = false;
        }
        let u = rw.short[rng.random_range(0..rw.short.len())] as usize;
        if let Some(c) = rw.pick_add(u) {
            rw.flip(c);
            rw.list.push(c);
            rw.stamp[c] = steps;
            last_added = c;
        }
        rw.weigh_short_units();
    }
    if rw.short.is_empty() && rw.list.len() < best.len() {
        best = rw.list;
    }
    best.sort_unstable();
    RowWeighting {
        cover: best,
        steps,
        hit_deadline,
    }
}

/// State of [`row_weighting_search`]: the current set, unit weights and coverage, candidate
/// scores, the short units and the configuration-checking marks.
struct Rwls<'a> {
    m: &'a CoverageMatrix,
    t: &'a Transposed,
    need: &'a [u32],
    weight: Vec<u64>,
    got: Vec<u32>,
    chosen: Vec<bool>,
    score: Vec<i64>,
    /// Units short of their need, with each one's position in the list.
    short: Vec<u32>,
    pos: Vec<u32>,
    /// Step at which each candidate last changed.
    stamp: Vec<u64>,
    /// Configuration checking: false for a dropped candidate whose neighbourhood has not
    /// changed since.
    can_add: Vec<bool>,
    /// The chosen candidates.
    list: Vec<usize>,
}

impl<'a> Rwls<'a> {
    fn new(m: &'a CoverageMatrix, t: &'a Transposed, need: &'a [u32], start: &[usize]) -> Self {
        let (nu, n) = (m.n_units(), m.n_candidates());
        let weight = vec![1u64; nu];
        let mut got = vec![0u32; nu];
        let mut chosen = vec![false; n];
        for &c in start {
            if !chosen[c] {
                chosen[c] = true;
                for &u in m.units_of(c) {
                    got[u as usize] += 1;
                }
            }
        }
        let score: Vec<i64> = (0..n)
            .map(|c| {
                m.units_of(c)
                    .iter()
                    .map(|&u| {
                        let u = u as usize;
                        contribution(chosen[c], got[u], need[u], weight[u])
                    })
                    .sum()
            })
            .collect();
        let mut short: Vec<u32> = Vec::new();
        let mut pos = vec![u32::MAX; nu];
        for u in 0..nu {
            if got[u] < need[u] {
                pos[u] = short.len() as u32;
                short.push(u as u32);
            }
        }
        let list: Vec<usize> = (0..n).filter(|&c| chosen[c]).collect();
        Rwls {
            m,
            t,
            need,
            weight,
            got,
            chosen,
            score,
            short,
            pos,
            stamp: vec![0u64; n],
            can_add: vec![true; n],
            list,
        }
    }

    /// Flips candidate `c` in or out, keeping scores, short units and neighbourhoods in step.
    fn flip(&mut self, c: usize) {
        let adding = !self.chosen[c];
        for &u in self.m.units_of(c) {
            let u = u as usize;
            let (g0, nd, w) = (self.got[u], self.need[u], self.weight[u]);
            let g1 = if adding { g0 + 1 } else { g0 - 1 };
            // only a crossing of the need changes the other candidates' contributions:
            // unchosen ones gain `w` while the unit is short, chosen ones lose it while the
            // unit would fall short without them
            let wi = w as i64;
            let (du, dc) = if nd == 0 {
                (0, 0)
            } else if adding {
                (
                    if g0 + 1 == nd { -wi } else { 0 },
                    if g0 == nd { wi } else { 0 },
                )
            } else {
                (
                    if g1 + 1 == nd { wi } else { 0 },
                    if g1 == nd { -wi } else { 0 },
                )
            };
            for &d in self.t.of(u) {
                let d = d as usize;
                if (du != 0 || dc != 0) && d != c {
                    self.score[d] += if self.chosen[d] { dc } else { du };
                }
                self.can_add[d] = true;
            }
            self.score[c] += contribution(adding, g1, nd, w) - contribution(!adding, g0, nd, w);
            self.got[u] = g1;
            self.track_short(u, g0 < nd, g1 < nd);
        }
        self.chosen[c] = adding;
    }

    /// Keeps the short list in step when unit `u` goes from short `was` to short `is`.
    fn track_short(&mut self, u: usize, was: bool, is: bool) {
        if was && !is {
            let p = self.pos[u] as usize;
            let last = self.short.len() - 1;
            self.short.swap(p, last);
            self.pos[self.short[p] as usize] = p as u32;
            self.short.pop();
            self.pos[u] = u32::MAX;
        } else if !was && is {
            self.pos[u] = self.short.len() as u32;
            self.short.push(u as u32);
        }
    }

    /// Drops chosen candidate `c` at step `step`.
    fn drop_chosen(&mut self, c: usize, step: u64) {
        self.flip(c);
        self.list.retain(|&x| x != c);
        self.stamp[c] = step;
    }

    /// Orders candidates by score, then the one changed longest ago, then the lowest index.
    fn better(&self, a: usize, b: usize) -> std::cmp::Ordering {
        self.score[a]
            .cmp(&self.score[b])
            .then(self.stamp[b].cmp(&self.stamp[a]))
            .then(b.cmp(&a))
    }

    /// The chosen candidate to drop (never `tabu`).
    fn pick_drop(&self, tabu: usize) -> Option<usize> {
        self.list
            .iter()
            .copied()
            .filter(|&c| c != tabu)
            .max_by(|&a, &b| self.better(a, b))
    }

    /// The candidate to add for short unit `u`: the best one allowed by configuration
    /// checking, else the best unchosen one.
    fn pick_add(&self, u: usize) -> Option<usize> {
        let of = self.t.of(u).iter().map(|&c| c as usize);
        of.clone()
            .filter(|&c| !self.chosen[c] && self.can_add[c])
            .max_by(|&a, &b| self.better(a, b))
            .or_else(|| {
                of.filter(|&c| !self.chosen[c])
                    .max_by(|&a, &b| self.better(a, b))
            })
    }

    /// Short units weigh one more: an unchosen candidate covering one gains 1, a chosen one
    /// (critical, as the unit is short) loses 1.
    fn weigh_short_units(&mut self) {
        for &u in &self.short {
            let u = u as usize;
            self.weight[u] += 1;
            for &d in self.t.of(u) {
                let d = d as usize;
                self.score[d] += if self.chosen[d] { -1 } else { 1 };
            }
        }
    }
}
