//! Exact placement: a pure-Rust branch-and-bound that proves its optimum.
//!
//! For every [`CoveringProblem`] (maximal covering, k-coverage, per-class inventories), on the
//! [presolved](super::presolve) model. The budget, spacing conflicts and mutual-support rules
//! are handled by [`side`](self::side) (budget multiplier in the bound, propagation, feasible
//! leaves and repaired incumbents; see its docs); when the model has support rules, or a
//! budget with one cost per group, the node Lagrangian keeps the budget exactly and charges
//! the protectors ([`rules`](self::rules)).
//!
//! # Bounds
//!
//! At every node some candidates are forced in (`F₁`), some out, the rest free. The linking
//! constraints `y_u ≤ Σ_{free c ∋ u} x_c` (with `0 ≤ y_u ≤ r_u`, `r_u` the depth still missing
//! after `F₁`) are relaxed with multipliers `λ_u ∈ [0, w_u/k_u]`:
//!
//! `L(λ) = f(F₁) + Σ_u r_u·max(0, w_u/k_u − λ_u) + Σ_g top_{cap_g − |F₁ ∩ g|}{Λ_c > 0 : c free in g}`,
//! `Λ_c = Σ_{u ∈ c} λ_u`, which bounds every plan of the node for every `λ`. Subgradient steps
//! (Polyak step towards the incumbent, deflected, diagonally scaled) minimise it; each node
//! starts from its parent's multipliers.
//!
//! # Fixing and branching
//!
//! With the node's best multipliers, forcing a free candidate `c` outside the top set in costs
//! at least nothing and changes the bound to `L + Λ_c − (smallest top score when the group is
//! full)`; when that cannot beat the incumbent, `c` is fixed out. Symmetrically a top-set
//! candidate whose removal drops the bound below the incumbent is fixed in. Then the node
//! branches on the free top-set candidate of largest `Λ_c` (after an [LP pass](lp_pass), on
//! the free candidate whose LP value is closest to 1/2).
//!
//! # Search order
//!
//! Best bound first ([`tree`]), in rounds of four nodes bounded in parallel (each on its own
//! copy of the search state, from the round's incumbent; merged in a fixed order, so the
//! search is the same on any thread count): open nodes wait in a pool ordered by their bound, which is the
//! parent's Lagrangian at its final multipliers with the branching candidate forced in or out
//! (for "out", the candidate's score leaves its group's top set); each stores its fixings and
//! an `f32` copy of its parent's multipliers. The bound of a search cut short is the largest
//! bound left in the pool, so it falls as the search goes on (depth first keeps the root's
//! bound until the root's last child opens). When the pool's multipliers would pass 400 MB the
//! rest runs depth first ("in" child first, memory proportional to the depth) with an info
//! diagnostic.
//!
//! # Proofs
//!
//! A node is pruned when its bound cannot beat the incumbent: when every unit's `w/k` is an
//! integer the objective is an integer and a bound below `incumbent + 1` suffices; otherwise
//! the bound must be within a relative `1e-9` of the incumbent. When the tree is exhausted the
//! incumbent is optimal (within that tolerance); when a node or time limit stops it, the bound
//! returned is the largest bound of the nodes left open. Every incumbent is a plan whose
//! objective the caller recomputes on the original problem.
//!
//! A search cut short also reports the share of the tree it closed: the sum of `2^-depth`
//! over the nodes pruned or solved (exactly 1 for an exhausted tree; checked in the tests).
//! On `mclp_10k_1k` (optimum 38 417) it is about `1e-5` after 400 nodes, so depth-first
//! branching on the LP-level Lagrangian bound would need millions of nodes: what stops the
//! proof is the relaxation, not the search.
//!
//! # Heuristics
//!
//! The inner maximiser of every subgradient step, together with `F₁`, is a feasible plan
//! (Lagrangian heuristic); improvements replace the incumbent and are polished by iterated
//! local search (a longer search at the root, a short one deeper down).
//!
//! # Tried and not kept
//!
//! Measured on `mclp_10k_1k` with a 400-node limit (2026-11-30, load 11–13 on 2 cores): strong
//! branching (4 candidates × 10 iterations per child, product rule, children that cannot beat
//! the incumbent fixed) closed `9.7e-6` of the tree for 1.74× the subgradient iterations of
//! plain branching (`8.9e-6`); extra subgradient passes for nodes within 0.3 % of pruning
//! closed `1.0e-5` for 2.4× the iterations; 120 iterations per node instead of 60 closed
//! less; 1 000 or 4 000 iterated-local-search rounds on the root's incumbent reached 38 343
//! (16 rounds: 38 334), far from 38 417. None changes the order of magnitude.
//!
//! Best-bound search with 150 subgradient iterations per node pass instead of 60 (measured on
//! `mclp_10k_1k` in 60 s, load 8–9 on 2 cores): 262 nodes, bound 38 765.8, against 618 nodes
//! and 38 754.0 with 60.
//! A Polyak target a quarter of the way from the best bound down to the incumbent (instead of
//! the incumbent): root bound 38 843.0 instead of 38 796.3 after the same 1 000 iterations,
//! and 38 795.6 instead of 38 787.7 after 100 best-bound nodes.
//!
//! What stops the proof (measured, load 8–10): after 100 / 300 best-bound nodes the bound is
//! 38 787.7 / 38 772.1, while a best-first search on the exact LP bound of every node (HiGHS,
//! the lead's experiment) reaches 38 608 / 38 570: the node Lagrangians stay 150–200 above the
//! node LPs. Spatial cardinality branching was measured worse than single-candidate branching
//! there. Since session 8 the [LP pass](lp_pass) narrows that distance (next section).
//! Branching on spatial cardinalities with exact node LPs (HiGHS in Python, 2026-12-01, best
//! first, both children solved, k-means regions of candidates, branch on the most fractional
//! region sum, then on single candidates): a 12 / 40 / 120-region hierarchy reaches 38 642.7
//! / 38 637.6 after 100 / 125 nodes against 38 612.0 / 38 606.2 for single-candidate
//! branching (38 573.7 after 300); one level of 40 regions alone reaches 38 503.3 after 600
//! nodes (about 15 min); a 12-region level whose counts are all integral bounds at 38 704.7.
//! Neither comes near a 60-s proof.
//!
//! # LP pass
//!
//! On models without side constraints every subgradient pass is followed by a pass of
//! restarted PDHG on the node's LP ([`lp_pass`]: 3 000 iterations at the root, 100 per node,
//! warm-started from the node's multipliers and its parent's fractional plan, which the pool
//! stores as `f32`); it keeps its multipliers when they give the lower bound, and the node then
//! branches on its most fractional LP value instead of the largest score. Quiet machine,
//! 2026-12-01 08:50–08:55 UTC, `compare_solvers ../shared/bench 60 1000 10k` with the
//! session-7 and session-8 binaries alternately: 38 736.4 / 38 735.5 (0.825 / 0.822 %, 1 253 /
//! 1 346 nodes) before, **38 621.6 / 38 621.0 (0.530 / 0.528 %, 329 / 335 nodes)** after; the
//! root bound falls from 38 796.3 to 38 761.6 (LP 38 757.3) and fixes 188 candidates instead of
//! 166. `mclp_30k_2k` after 10 s: 0.949 % → 0.896 % (the LP is 0.90 % above that plan).
//! Since session 9 the search bounds four nodes per round in parallel ([`tree`]) and a node
//! pass with an LP pass runs 20 subgradient iterations instead of 60: quiet machine,
//! 2026-12-01 12:06–12:15 UTC, same command, the session-8 binary 0.526 / 0.531 % (352 / 323
//! nodes, 61 s CPU), rounds of two 0.497 / 0.497 % (497 / 491 nodes, 85 s CPU), rounds of four
//! **0.482 / 0.458 %** (567 / 731 nodes, 101–102 s CPU); `mclp_30k_2k` after 10 s 0.897 % →
//! 0.852 % (6 → 19 nodes).
//! Still no proof: the node LPs themselves close the gap slowly (the lead's HiGHS experiment
//! above), so a proof in 60 s needs a relaxation below the LP (README, "What the LP relaxation
//! says").
//!
//! What stops the Kyiv proof (placement model, flat; measured 2026-12-01 with a temporary
//! trace, load 2–3 on 2 cores while other engineers compiled): the presolved model has 14 130
//! units, 1 926 candidates (groups of capacity 2 / 6 / 16 with one cost each, 400 / 150 / 20:
//! Patriot-class, medium-range, counter-UAS), 1.07 M non-zeros, a budget of 2 000, 3 407
//! conflicts and 610 support rules (need 1; 608 protect a Patriot-class or medium-range
//! site, 2 a fixed site; every protector is counter-UAS, each listed by 1–6 rules). The
//! incumbent 62 838.1 (2 + 6 + 15 sites, cost exactly 2 000) is 43.5 below the root bound
//! 62 881.7 of the plain evaluation. The rule-aware evaluation ([`rules`]: the budget kept
//! exactly by group counts, every chosen protected site charged its cheapest protector's
//! displacement of the counter-UAS top set, shared among the rules that protector serves)
//! gives 62 880.8 at the root; even charging every rule its protector in full (not a valid
//! bound: shared protectors are charged twice) gives only 62 878.5. The protectors and the
//! budget's integrality account for at most 3 of the 43.5: what stops the proof is the
//! covering relaxation itself (fractional coverage, as on `mclp_10k_1k`), not the side
//! constraints. Branching on an unmet rule is branching on its protected site (the rule is
//! active exactly when that site is in), so it adds nothing beyond the rule-aware bound.
//! After 10 s: 62 880.7 (rule-aware, 15 nodes) against 62 881.2 (plain, 92 nodes) in the
//! same session; the rule-aware evaluation costs about 3.5× a plain one per subgradient
//! iteration there and turns reduced-cost fixing off. Closing the Kyiv gap needs node
//! bounds at the LP level or below (see the `mclp_10k_1k` paragraph above).

use super::objective::CoveringProblem;
use rayon::prelude::*;
use std::time::Instant;

mod lp_pass;
mod rules;
mod side;
mod tree;

pub(crate) use rules::RulesFallback;

/// Work and time limits of the branch-and-bound.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExactLimits {
    /// Maximum nodes.
    pub(crate) max_nodes: u64,
    /// Subgradient iterations at the root.
    pub(crate) root_iterations: u32,
    /// Subgradient iterations per node pass.
    pub(crate) node_iterations: u32,
    /// Safety net.
    pub(crate) deadline: Option<Instant>,
}

/// The limits of the tests' proofs: no node limit, 300 root and 40 node iterations, no deadline.
#[cfg(test)]
pub(crate) const PROOF_LIMITS: ExactLimits = ExactLimits {
    max_nodes: u64::MAX,
    root_iterations: 300,
    node_iterations: 40,
    deadline: None,
};

/// Result of the branch-and-bound.
#[derive(Debug, Clone)]
pub(crate) struct ExactOutcome {
    /// The best plan (sorted) and its value on the problem solved.
    pub(crate) chosen: Vec<usize>,
    /// Its value.
    pub(crate) value: f64,
    /// A valid upper bound on the optimum.
    pub(crate) bound: f64,
    /// The root's Lagrangian bound.
    pub(crate) root_bound: f64,
    /// True when the tree was exhausted (the plan is optimal within the tolerance).
    pub(crate) proven: bool,
    /// Nodes explored.
    pub(crate) nodes: u64,
    /// Candidates fixed at the root by reduced costs.
    pub(crate) root_fixed: usize,
    /// Total subgradient iterations.
    pub(crate) iterations: u64,
    /// Which limit stopped the search, if any.
    pub(crate) stopped_by: Option<ExactStop>,
    /// Share of the search tree closed (Σ 2^-depth over the nodes pruned or solved; exactly 1
    /// when the tree is exhausted): a progress estimate of a search cut short.
    pub(crate) closed_fraction: f64,
    /// `Some(n)` when the open-node pool reached its memory cap after `n` nodes and the
    /// search went on depth first (the bound of a search cut short is then weaker).
    pub(crate) depth_first_from: Option<u64>,
    /// `Some` when the rule-aware evaluation fell back to the plain node Lagrangian (too many
    /// budget count vectors): the bound then leaves the side constraints out.
    pub(crate) rules_fallback: Option<RulesFallback>,
}

/// Which limit cut the search short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExactStop {
    /// The node limit.
    Nodes,
    /// The time limit.
    Time,
    /// The search depth exceeded what memory allows.
    Memory,
}

/// Non-zeros below which the per-iteration passes stay on one thread: their work is shorter
/// than a hand-off to the thread pool (and on a loaded machine a parallel pass waits for a
/// descheduled worker).
pub(crate) const PARALLEL_MIN_NNZ: usize = 1 << 20;

/// Largest multiplier snapshots kept along the depth-first path (f64 values).
const MAX_SNAPSHOT_VALUES: u64 = 200_000_000;

const FREE: i8 = 0;
const IN: i8 = 1;
const OUT: i8 = -1;

#[derive(Clone)]
struct Bnb<'p> {
    p: &'p CoveringProblem,
    limits: ExactLimits,
    /// w/k per unit.
    cu: Vec<f64>,
    /// Residual depth k − initial per unit.
    ru: Vec<u8>,
    integral: bool,
    // node state
    status: Vec<i8>,
    cover_in: Vec<u8>,
    free_cnt: Vec<u32>,
    in_group: Vec<u32>,
    fixed_in: Vec<usize>,
    value_in: f64,
    // incumbent
    best_value: f64,
    best_plan: Vec<usize>,
    // counters
    nodes: u64,
    iterations: u64,
    open_max: f64,
    stopped_by: Option<ExactStop>,
    root_bound: f64,
    root_fixed: usize,
    depth: u64,
    /// Share of the tree closed (Σ 2^-depth over the closed nodes).
    closed: f64,
    // scratch
    big: Vec<f64>,
    cnt: Vec<u32>,
    dir: Vec<f64>,
    members: Vec<Vec<u32>>,
    /// Budget, spacing conflicts and support rules ([`side`]).
    side: side::Side,
    /// Candidates per unit, for the node LP passes ([`lp_pass`]).
    trans: crate::placement::matrix::Transposed,
    /// The last node LP pass's fractional plan: the next pass's primal start.
    lp_x: Vec<f64>,
    /// Whether the current node ran an LP pass (its children inherit [`Bnb::lp_x`]).
    lp_pass_ran: bool,
}

/// Per-node Lagrangian evaluation.
struct Eval {
    l: f64,
    /// Chosen free candidates (top sets).
    x: Vec<u32>,
}

impl<'p> Bnb<'p> {
    fn new(p: &'p CoveringProblem, limits: ExactLimits, start: &[usize], start_value: f64) -> Self {
        let m = &p.matrix;
        let (nu, n) = (m.n_units(), m.n_candidates());
        let (w, k, init) = (m.weights(), m.required(), m.initial());
        let cu: Vec<f64> = (0..nu).map(|u| w[u] / f64::from(k[u])).collect();
        let ru: Vec<u8> = (0..nu).map(|u| k[u].saturating_sub(init[u])).collect();
        let integral = cu.iter().all(|&c| (c - c.round()).abs() < 1e-9);
        let t = m.transpose();
        let free_cnt: Vec<u32> = (0..nu).map(|u| t.of(u).len() as u32).collect();
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); p.capacities.len()];
        for (c, &g) in p.groups.iter().enumerate() {
            members[g as usize].push(c as u32);
        }
        let mut b = Bnb {
            p,
            limits,
            cu,
            ru,
            integral,
            status: vec![FREE; n],
            cover_in: vec![0; nu],
            free_cnt,
            in_group: vec![0; p.capacities.len()],
            fixed_in: Vec::new(),
            value_in: m.initial_objective(),
            best_value: start_value,
            best_plan: start.to_vec(),
            nodes: 0,
            iterations: 0,
            open_max: f64::NEG_INFINITY,
            stopped_by: None,
            root_bound: f64::INFINITY,
            root_fixed: 0,
            depth: 0,
            closed: 0.0,
            big: vec![0.0; n],
            cnt: vec![0; nu],
            dir: vec![0.0; nu],
            members,
            side: side::Side::new(p),
            trans: t,
            lp_x: vec![0.0; n],
            lp_pass_ran: false,
        };
        b.best_plan.sort_unstable();
        b
    }

    /// Smallest bound that could still hold a strictly better plan.
    fn threshold(&self) -> f64 {
        if self.integral {
            self.best_value + 1.0 - 1e-6
        } else {
            self.best_value + 1e-9 * self.best_value.abs().max(1.0)
        }
    }

    fn cap_left(&self, g: usize) -> u32 {
        self.p.capacities[g].saturating_sub(self.in_group[g])
    }

    /// Unit still open at this node: missing depth and a free candidate to give it.
    #[inline]
    fn active(&self, u: usize) -> bool {
        self.ru[u] > self.cover_in[u] && self.free_cnt[u] > 0
    }

    fn set_status(&mut self, c: usize, s: i8, log: &mut Vec<usize>) {
        debug_assert_eq!(self.status[c], FREE);
        self.status[c] = s;
        log.push(c);
        let m = &self.p.matrix;
        for &u in m.units_of(c) {
            let u = u as usize;
            self.free_cnt[u] -= 1;
            if s == IN {
                if self.cover_in[u] < self.ru[u] {
                    self.value_in += self.cu[u];
                }
                self.cover_in[u] = self.cover_in[u].saturating_add(1);
            }
        }
        if s == IN {
            self.in_group[self.p.groups[c] as usize] += 1;
            self.fixed_in.push(c);
        }
    }

    fn undo(&mut self, log: &mut Vec<usize>) {
        while let Some(c) = log.pop() {
            let s = self.status[c];
            self.status[c] = FREE;
            let m = &self.p.matrix;
            for &u in m.units_of(c) {
                let u = u as usize;
                self.free_cnt[u] += 1;
                if s == IN {
                    self.cover_in[u] -= 1;
                    if self.cover_in[u] < self.ru[u] {
                        self.value_in -= self.cu[u];
                    }
                }
            }
            if s == IN {
                self.in_group[self.p.groups[c] as usize] -= 1;
                self.fixed_in.pop();
            }
        }
    }

    /// Λ for every free candidate from `lam` (inactive units must hold 0).
    fn scores(&mut self, lam: &[f64]) {
        let m = &self.p.matrix;
        let status = &self.status;
        let score = |(c, b): (usize, &mut f64)| {
            *b = if status[c] == FREE {
                m.units_of(c).iter().map(|&u| lam[u as usize]).sum()
            } else {
                0.0
            };
        };
        if m.nnz() < PARALLEL_MIN_NNZ {
            self.big.iter_mut().enumerate().for_each(score);
        } else {
            self.big
                .par_iter_mut()
                .enumerate()
                .with_min_len(64)
                .for_each(score);
        }
        self.side.structured_now = rules::usable(self);
        side::price_budget(self);
    }

    /// `L(λ)` and the inner maximiser, from the current scores.
    fn evaluate(&self, lam: &[f64], active: &[u32]) -> Eval {
        let mut l = self.value_in + side::budget_constant(self);
        for &u in active {
            let u = u as usize;
            let d = self.cu[u] - lam[u];
            if d > 0.0 {
                l += f64::from(self.ru[u] - self.cover_in[u]) * d;
            }
        }
        if self.side.structured_now {
            let (v, x) = rules::evaluate(self);
            return Eval { l: l + v, x };
        }
        let mut x = Vec::new();
        let mut buf: Vec<u32> = Vec::new();
        for (g, mem) in self.members.iter().enumerate() {
            let cap = self.cap_left(g) as usize;
            if cap == 0 {
                continue;
            }
            buf.clear();
            buf.extend(
                mem.iter()
                    .copied()
                    .filter(|&c| self.status[c as usize] == FREE && self.big[c as usize] > 0.0),
            );
            let big = &self.big;
            let cmp =
                |a: &u32, b: &u32| big[*b as usize].total_cmp(&big[*a as usize]).then(a.cmp(b));
            if buf.len() > cap {
                buf.select_nth_unstable_by(cap - 1, cmp);
                buf.truncate(cap);
            }
            buf.sort_unstable_by(cmp);
            for &c in &buf {
                l += self.big[c as usize];
            }
            x.extend_from_slice(&buf);
        }
        Eval { l, x }
    }

    fn active_units(&self) -> Vec<u32> {
        (0..self.cu.len())
            .filter(|&u| self.active(u))
            .map(|u| u as u32)
            .collect()
    }

    fn out_of_limits(&mut self) -> bool {
        if self.stopped_by.is_some() {
            return true;
        }
        if self.nodes >= self.limits.max_nodes {
            self.stopped_by = Some(ExactStop::Nodes);
        } else if self.limits.deadline.is_some_and(|d| Instant::now() >= d) {
            self.stopped_by = Some(ExactStop::Time);
        }
        self.stopped_by.is_some()
    }

    /// Subgradient optimisation at the current node from `lam`; leaves the best multipliers
    /// in `lam` and returns the best bound. Stops early once the node can be pruned.
    fn subgradient(&mut self, lam: &mut [f64], theta: &mut f64, iterations: u32) -> f64 {
        let active = self.active_units();
        for (u, l) in lam.iter_mut().enumerate() {
            *l = if self.active(u) {
                l.clamp(0.0, self.cu[u])
            } else {
                0.0
            };
        }
        for d in self.dir.iter_mut() {
            *d = 0.0;
        }
        let mut best_l = f64::INFINITY;
        let mut best_lam: Vec<f64> = Vec::new();
        let mut stall = 0u32;
        // long subgradient runs (the root) halve the step more patiently
        let stall_limit = if iterations > 200 { 40 } else { 15 };
        let min_theta = if iterations > 200 { 1e-5 } else { 1e-3 };
        for it in 0..iterations {
            if it % 16 == 15 && self.limits.deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            self.iterations += 1;
            self.scores(lam);
            let e = self.evaluate(lam, &active);
            if e.l < best_l - 1e-12 * e.l.abs() {
                best_l = e.l;
                best_lam.clear();
                best_lam.extend_from_slice(lam);
                stall = 0;
            } else {
                stall += 1;
                if stall >= stall_limit {
                    *theta *= 0.5;
                    stall = 0;
                }
            }
            // the inner maximiser plus F₁ is a feasible plan
            let m = &self.p.matrix;
            for &c in &e.x {
                for &u in m.units_of(c as usize) {
                    self.cnt[u as usize] += 1;
                }
            }
            let mut value = self.value_in;
            let mut norm = 0.0;
            for &u in &active {
                let u = u as usize;
                let r = f64::from(self.ru[u] - self.cover_in[u]);
                let cov = f64::from(self.cnt[u]);
                value += self.cu[u] * cov.min(r);
                let y = if lam[u] < self.cu[u] { r } else { 0.0 };
                self.dir[u] = (cov - y) + 0.5 * self.dir[u];
                norm += self.cu[u] * self.dir[u] * self.dir[u];
            }
            for &c in &e.x {
                for &u in m.units_of(c as usize) {
                    self.cnt[u as usize] = 0;
                }
            }
            if value > self.best_value + 1e-9 * self.best_value.abs().max(1.0) && !self.side.plain {
                // side constraints: repair the plan, keep it when feasible and better
                side::offer(self, &e.x);
            } else if value > self.best_value + 1e-9 * self.best_value.abs().max(1.0) {
                let mut plan: Vec<usize> = self.fixed_in.clone();
                plan.extend(e.x.iter().map(|&c| c as usize));
                plan.sort_unstable();
                self.best_value = value;
                self.best_plan = plan;
            }
            if best_l < self.threshold() || *theta < min_theta || norm <= 0.0 {
                break;
            }
            let step = *theta * (e.l - self.best_value).max(1e-9 * e.l.abs().max(1.0)) / norm;
            for &u in &active {
                let u = u as usize;
                if self.dir[u] != 0.0 {
                    lam[u] = (lam[u] - step * self.cu[u] * self.dir[u]).clamp(0.0, self.cu[u]);
                }
            }
        }
        if !best_lam.is_empty() {
            lam.copy_from_slice(&best_lam);
        }
        best_l
    }

    /// Reduced-cost fixing at `lam` (whose bound is `l`, scores current); returns the number
    /// of candidates fixed and the branching candidate.
    fn fix(&mut self, lam: &[f64], log: &mut Vec<usize>) -> (usize, Option<usize>, f64) {
        self.scores(lam);
        let active = self.active_units();
        let e = self.evaluate(lam, &active);
        let l = e.l;
        let thr = self.threshold();
        if l < thr {
            return (0, None, l);
        }
        if self.side.structured_now {
            // no reduced-cost fixing on the rule-aware bound ([`rules`]): branch on the
            // chosen candidate of largest score, protected groups first
            let st = self.side.structure.as_ref();
            let key = |c: u32| {
                let g = self.p.groups[c as usize] as usize;
                (
                    st.is_some_and(|s| !s.is_protector_group(g)),
                    self.big[c as usize],
                )
            };
            let branch = e
                .x
                .iter()
                .copied()
                .max_by(|&a, &c| {
                    let (ka, kc) = (key(a), key(c));
                    ka.0.cmp(&kc.0).then(ka.1.total_cmp(&kc.1)).then(c.cmp(&a))
                })
                .map(|c| c as usize)
                .or_else(|| {
                    (0..self.status.len())
                        .filter(|&c| {
                            self.status[c] == FREE && self.cap_left(self.p.groups[c] as usize) > 0
                        })
                        .max_by(|&a, &c| self.big[a].total_cmp(&self.big[c]).then(c.cmp(&a)))
                });
            return (0, branch, l);
        }
        let mut to_out = Vec::new();
        let mut to_in = Vec::new();
        let mut branch: Option<usize> = None;
        for (g, mem) in self.members.iter().enumerate() {
            let cap = self.cap_left(g) as usize;
            let free: Vec<u32> = mem
                .iter()
                .copied()
                .filter(|&c| self.status[c as usize] == FREE)
                .collect();
            if cap == 0 {
                to_out.extend(free.iter().map(|&c| c as usize));
                continue;
            }
            let top: Vec<u32> =
                e.x.iter()
                    .copied()
                    .filter(|&c| self.p.groups[c as usize] as usize == g)
                    .collect();
            let full = top.len() == cap;
            let min_top = top
                .iter()
                .map(|&c| self.big[c as usize])
                .fold(f64::INFINITY, f64::min);
            let mut next_best = 0.0f64;
            for &c in &free {
                if !top.contains(&c) {
                    next_best = next_best.max(self.big[c as usize]);
                }
            }
            for &c in &free {
                let c = c as usize;
                let s = self.big[c];
                if top.contains(&(c as u32)) {
                    if l - s + next_best < thr {
                        to_in.push(c);
                    }
                } else {
                    let forced = l + s - if full { min_top } else { 0.0 };
                    if forced < thr {
                        to_out.push(c);
                    }
                }
            }
            for &c in &top {
                let c = c as usize;
                let better = match branch {
                    None => true,
                    Some(b) => self.big[c] > self.big[b],
                };
                if !to_in.contains(&c) && better {
                    branch = Some(c);
                }
            }
        }
        let fixed = to_out.len() + to_in.len();
        for c in to_out {
            self.set_status(c, OUT, log);
        }
        for c in to_in {
            if self.cap_left(self.p.groups[c] as usize) > 0 {
                self.set_status(c, IN, log);
            }
        }
        if fixed > 0 {
            branch = None;
        }
        if branch.is_none() && fixed == 0 {
            // no useful top candidate: branch on the best free one, if any
            branch = (0..self.status.len())
                .filter(|&c| self.status[c] == FREE && self.cap_left(self.p.groups[c] as usize) > 0)
                .max_by(|&a, &b| self.big[a].total_cmp(&self.big[b]).then(b.cmp(&a)));
        }
        (fixed, branch, l)
    }

    /// Iterated local search from the incumbent (`rounds` perturbation rounds); keeps the
    /// result when better.
    fn polish(&mut self, rounds: u32) {
        let ls = super::local_search::iterated_local_search(
            self.p,
            &self.best_plan,
            0,
            100,
            rounds,
            self.limits.deadline,
        );
        if ls.value > self.best_value + 1e-9 * self.best_value.abs().max(1.0) {
            let mut plan = ls.chosen;
            plan.sort_unstable();
            self.best_value = ls.value;
            self.best_plan = plan;
        }
    }

    /// Adds the closed share of the current node to [`Bnb::closed`].
    fn close(&mut self) {
        self.closed += 0.5f64.powi(self.depth.min(1000) as i32);
    }

    /// Bounds the current node: subgradient passes alternating with reduced-cost fixing
    /// (fixings recorded in `log`, left applied). Returns [`Step::Closed`] when the node is
    /// pruned or solved (the caller undoes `log` and closes it), otherwise the branching
    /// candidate, the node's bound and the step scale reached.
    fn process(
        &mut self,
        lam: &mut [f64],
        mut theta: f64,
        root: bool,
        log: &mut Vec<usize>,
    ) -> Step {
        self.nodes += 1;
        self.lp_pass_ran = false;
        if !side::propagate(self, log) {
            return Step::Closed;
        }
        let mut iterations = if root {
            self.limits.root_iterations
        } else {
            lp_pass::subgradient_iterations(self, self.limits.node_iterations)
        };
        let mut lp_iterations = if root {
            lp_pass::ROOT_ITERATIONS
        } else {
            lp_pass::NODE_ITERATIONS
        };
        let mut node_bound;
        let mut l_final;
        let branch = loop {
            let before = self.best_value;
            let l = self.subgradient(lam, &mut theta, iterations);
            let l = lp_pass::tighten(self, lam, l, lp_iterations);
            lp_iterations = lp_pass::NODE_ITERATIONS;
            node_bound = l;
            if root && self.root_bound.is_infinite() {
                self.root_bound = l;
            }
            if self.best_value > before {
                // the Lagrangian heuristic improved the incumbent: polish it by local search
                // (more perturbation rounds at the root, a short one deeper down)
                self.polish(if root {
                    ROOT_POLISH_ROUNDS
                } else {
                    NODE_POLISH_ROUNDS
                });
            }
            if l < self.threshold() {
                return Step::Closed;
            }
            let (fixed, branch, l2) = self.fix(lam, log);
            let branch = if fixed == 0 {
                lp_pass::branch(self).or(branch)
            } else {
                branch
            };
            l_final = l2;
            node_bound = node_bound.min(l2);
            if root {
                self.root_fixed += fixed;
                self.root_bound = self.root_bound.min(l2);
            }
            if l2 < self.threshold() {
                return Step::Closed;
            }
            if fixed == 0 {
                break branch;
            }
            if !side::propagate(self, log) {
                return Step::Closed;
            }
            // the root's passes after fixing keep the full count (its bound steers the tree)
            iterations = if root {
                self.limits.node_iterations
            } else {
                lp_pass::subgradient_iterations(self, self.limits.node_iterations)
            };
            theta = theta.max(0.05);
        };
        let Some(j) = branch else {
            // nothing free: the forced set is the node's only plan
            if self.value_in > self.best_value + 1e-9 * self.best_value.abs().max(1.0)
                && side::leaf_ok(self)
            {
                self.best_value = self.value_in;
                let mut plan = self.fixed_in.clone();
                plan.sort_unstable();
                self.best_plan = plan;
            }
            return Step::Closed;
        };
        Step::Branch {
            j,
            bound: node_bound,
            at_lam: l_final,
            theta,
        }
    }

    /// Explores the current node and its subtree depth first (a limit that stops the search
    /// records the bound of the nodes left open).
    fn node(&mut self, lam: &mut Vec<f64>, theta: f64, root: bool) {
        let mut log: Vec<usize> = Vec::new();
        let (j, node_bound, theta) = match self.process(lam, theta, root, &mut log) {
            Step::Closed => {
                self.undo(&mut log);
                self.close();
                return;
            }
            Step::Branch {
                j, bound, theta, ..
            } => (j, bound, theta),
        };
        if self.out_of_limits() {
            self.open_max = self.open_max.max(node_bound);
            self.undo(&mut log);
            return;
        }
        self.depth += 1;
        if self.depth * lam.len() as u64 > MAX_SNAPSHOT_VALUES {
            self.stopped_by = Some(ExactStop::Memory);
            self.open_max = self.open_max.max(node_bound);
            self.depth -= 1;
            self.undo(&mut log);
            return;
        }
        let snapshot = lam.clone();
        for dir in [IN, OUT] {
            if self.out_of_limits() {
                self.open_max = self.open_max.max(node_bound);
                break;
            }
            if dir == OUT {
                lam.copy_from_slice(&snapshot);
            }
            let mut child_log = Vec::new();
            self.set_status(j, dir, &mut child_log);
            self.node(lam, (theta * 2.0).min(0.5), false);
            self.undo(&mut child_log);
        }
        self.depth -= 1;
        self.undo(&mut log);
    }
}

/// What bounding a node decided.
enum Step {
    /// Pruned by its bound, or solved (nothing left free).
    Closed,
    /// Branch on candidate `j`; `bound` is the node's bound, `at_lam` the Lagrangian at the
    /// final multipliers (whose scores [`Bnb::big`] holds), `theta` the final step scale.
    Branch {
        j: usize,
        bound: f64,
        at_lam: f64,
        theta: f64,
    },
}

/// Branch-and-bound from the incumbent `start` (feasible, value `start_value`). See the
/// [module docs](self). Deterministic: work limits decide, the deadline is a safety net.
pub(crate) fn branch_and_bound(
    p: &CoveringProblem,
    start: &[usize],
    start_value: f64,
    limits: ExactLimits,
) -> ExactOutcome {
    search(p, start, start_value, limits, tree::MAX_OPEN_VALUES)
}

/// [`branch_and_bound`] with a cap on the multiplier values the best-first pool stores
/// (`0`: depth first from the root).
fn search(
    p: &CoveringProblem,
    start: &[usize],
    start_value: f64,
    limits: ExactLimits,
    max_open_values: u64,
) -> ExactOutcome {
    let mut b = Bnb::new(p, limits, start, start_value);
    let nu = p.matrix.n_units();
    // start from the multipliers the incumbent suggests: w/k on units it leaves short
    let depth = p.matrix.depths_of(start);
    let k = p.matrix.required();
    let mut lam: Vec<f64> = (0..nu)
        .map(|u| if depth[u] < k[u] { b.cu[u] } else { 0.0 })
        .collect();
    let depth_first_from = if max_open_values == 0 {
        b.node(&mut lam, 1.0, true);
        Some(0)
    } else {
        tree::best_first(&mut b, lam, max_open_values)
    };
    let proven = b.stopped_by.is_none();
    let bound = if proven {
        if b.integral {
            b.best_value
        } else {
            b.best_value + 1e-9 * b.best_value.abs().max(1.0)
        }
    } else {
        b.open_max
            .max(b.best_value)
            .min(b.root_bound.max(b.best_value))
    };
    ExactOutcome {
        chosen: b.best_plan,
        value: b.best_value,
        bound,
        root_bound: b.root_bound,
        proven,
        nodes: b.nodes,
        root_fixed: b.root_fixed,
        closed_fraction: b.closed.min(1.0),
        iterations: b.iterations,
        stopped_by: b.stopped_by,
        depth_first_from,
        rules_fallback: b.side.fallback,
    }
}

/// Runs the branch-and-bound with the limits of `options` (root iterations: the bound's).
pub(crate) fn run_exact(
    p: &CoveringProblem,
    start: &[usize],
    start_value: f64,
    options: &super::covering::SolveOptions,
    deadline: Instant,
) -> ExactOutcome {
    let limits = ExactLimits {
        max_nodes: options.max_nodes.max(1),
        root_iterations: options.bound_iterations.max(NODE_ITERATIONS),
        node_iterations: NODE_ITERATIONS,
        deadline: Some(deadline),
    };
    branch_and_bound(p, start, start_value, limits)
}

/// Subgradient iterations per node pass.
const NODE_ITERATIONS: u32 = 60;

/// Iterated-local-search rounds on an incumbent the root's Lagrangian heuristic improved.
const ROOT_POLISH_ROUNDS: u32 = 16;

/// Iterated-local-search rounds on an incumbent a deeper node's Lagrangian heuristic improved.
const NODE_POLISH_ROUNDS: u32 = 8;

/// The diagnostic of a search cut short, if it was.
pub(crate) fn stop_diagnostic(o: &ExactOutcome) -> Option<crate::diagnostic::Diagnostic> {
    use crate::diagnostic::{codes, Diagnostic};
    let (code, why, field) = match o.stopped_by? {
        ExactStop::Nodes => (
            codes::PLACEMENT_EXACT_NODE_LIMIT,
            "its node limit",
            "max_nodes",
        ),
        ExactStop::Time => (
            codes::PLACEMENT_EXACT_TIME_LIMIT,
            "the time limit",
            "time_limit",
        ),
        ExactStop::Memory => (
            codes::PLACEMENT_EXACT_NODE_LIMIT,
            "the depth its memory cap allows",
            "max_nodes",
        ),
    };
    Some(
        Diagnostic::warning(
            code,
            format!(
                "the branch-and-bound stopped at {why} after {} nodes: optimality not proven \
                 (the bound is that of the open nodes; about {:.1e} of the search tree closed, \
                 the sum of 2^-depth over the closed nodes)",
                o.nodes, o.closed_fraction
            ),
        )
        .with_field(field),
    )
}

/// The diagnostic of a best-bound search that reached its memory cap and went on depth
/// first, if it did.
pub(crate) fn order_diagnostic(o: &ExactOutcome) -> Option<crate::diagnostic::Diagnostic> {
    use crate::diagnostic::{codes, Diagnostic};
    let n = o.depth_first_from?;
    Some(Diagnostic::info(
        codes::PLACEMENT_EXACT_DEPTH_FIRST,
        format!(
            "the branch-and-bound's pool of open nodes reached its memory cap after {n} nodes: \
             the rest of the search ran depth first"
        ),
    ))
}

/// The diagnostic of a search whose rule-aware bound fell back to the plain node Lagrangian,
/// if it did.
pub(crate) fn rules_diagnostic(o: &ExactOutcome) -> Option<crate::diagnostic::Diagnostic> {
    use crate::diagnostic::{codes, Diagnostic};
    let f = o.rules_fallback?;
    Some(
        Diagnostic::info(
            codes::PLACEMENT_EXACT_RULES_FALLBACK,
            format!(
                "the branch-and-bound's rule-aware bound needed up to {} budget count vectors \
                 (limit {}): {} node evaluations used the plain node Lagrangian instead \
                 (budget priced by a multiplier, support rules left out; valid, but looser)",
                f.needed,
                rules::MAX_COMBOS,
                f.evaluations
            ),
        )
        .with_field("budget"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn instance(seed: u64, groups: bool, depth: bool) -> CoveringProblem {
        let shape = RandomShape {
            units: (8, 30),
            candidates: (4, 10),
            weight: (1, 9),
            set_size: (1, 8),
            depth: (1, 3),
            initial_one_in: 4,
            sites: (1, 4),
            capacities: [(1, 3), (0, 3)],
            cost: (1, 1),
            budget: (1, 1),
        };
        random_problem(seed, &shape, groups, false, depth)
    }

    use crate::placement::objective::brute_force_optimum as optimum;
    use crate::placement::objective::{random_problem, RandomShape};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(160))]
        /// From the empty plan, the tree search finds the brute-force optimum and proves it;
        /// with a node limit of 1 the bound stays valid.
        #[test]
        fn proves_the_brute_force_optimum(seed in 0u64..1_000_000, g: bool, d: bool) {
            let p = instance(seed, g, d);
            let opt = optimum(&p);
            let v0 = p.evaluate(&[]);
            let limits = PROOF_LIMITS;
            let o = branch_and_bound(&p, &[], v0, limits);
            prop_assert!(o.proven);
            prop_assert!(p.check(&o.chosen).is_ok());
            prop_assert!((p.evaluate(&o.chosen) - o.value).abs() < 1e-9);
            prop_assert!((o.value - opt).abs() < 1e-6, "found {} optimum {}", o.value, opt);
            prop_assert!(o.bound >= opt - 1e-9);
            // the closed shares of an exhausted binary tree sum to one
            prop_assert!((o.closed_fraction - 1.0).abs() < 1e-12, "closed {}", o.closed_fraction);
            // depth first from the root, and best-bound with a pool cap of a few nodes (the
            // rest depth first): the same proof
            let nu = p.matrix.n_units() as u64;
            for cap in [0, 3 * nu] {
                let od = search(&p, &[], v0, limits, cap);
                prop_assert!(od.proven);
                prop_assert!((od.value - opt).abs() < 1e-6, "cap {}: found {} optimum {}", cap, od.value, opt);
                prop_assert!((p.evaluate(&od.chosen) - od.value).abs() < 1e-9);
                prop_assert!((od.closed_fraction - 1.0).abs() < 1e-12, "cap {} closed {}", cap, od.closed_fraction);
            }
            // cut short after a few nodes, best-bound's bound stays valid
            for max_nodes in [2, 3, 5] {
                let os = branch_and_bound(&p, &[], v0, ExactLimits { max_nodes, ..limits });
                prop_assert!(os.bound >= opt - 1e-6, "{} nodes: bound {} < optimum {}", max_nodes, os.bound, opt);
                prop_assert!(os.proven || os.closed_fraction < 1.0);
            }
            let short = ExactLimits { max_nodes: 1, ..limits };
            let o1 = branch_and_bound(&p, &[], v0, short);
            prop_assert!(o1.bound >= opt - 1e-6, "bound {} < optimum {}", o1.bound, opt);
            prop_assert!(o1.value <= opt + 1e-9);
            prop_assert!(o1.proven || o1.closed_fraction < 1.0);
        }
    }
}
