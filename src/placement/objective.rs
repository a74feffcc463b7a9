//! The placement problem on a coverage matrix: objective and constraints.
//!
//! Maximise `Σ_u w_u · min(d_u, k_u) / k_u` over demand units `u`, where `d_u` is the unit's
//! depth (initial depth from fixed sites plus the chosen candidates covering it) and `k_u` its
//! required depth, subject to
//!
//! * **capacities**: at most `capacity[g]` chosen candidates of each group `g` (in a scenario a
//!   group is a system class and its capacity the inventory);
//! * an optional **budget**: `Σ cost_c ≤ budget` over chosen candidates;
//! * **conflicts**: pairs of candidates that may not both be chosen (minimum spacing);
//! * **support rules**: if the rule's protected candidate is chosen (or always, for a rule
//!   without one), at least `need` of its protectors must be chosen (mutual support).
//!
//! The objective is monotone and submodular in the chosen set, so greedy keeps its
//! `(1 − 1/e)` guarantee under a single capacity.

use super::matrix::CoverageMatrix;
use crate::error::{Error, Result};

/// A support rule: when `protected` is chosen (or unconditionally when it is `None`), at least
/// `need` candidates of `protectors` must be chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportRule {
    /// The candidate that needs support, or `None` for a rule that always applies (a fixed
    /// site that needs support).
    pub protected: Option<usize>,
    /// Candidates that provide support (sorted, unique).
    pub protectors: Vec<usize>,
    /// How many protectors must be chosen.
    pub need: u32,
    /// A label for error messages (e.g. the protected site's id).
    pub label: String,
}

/// A placement problem on a [`CoverageMatrix`]. See the [module docs](self).
///
/// # Examples
/// ```
/// use skycover::placement::{CoverageMatrix, CoveringProblem};
/// let m = CoverageMatrix::from_sets(vec![1.0; 4], &[vec![0, 1], vec![1, 2], vec![2, 3]])?;
/// let p = CoveringProblem::new(m, 2)
///     .with_costs(vec![1.0, 5.0, 1.0], Some(2.0))?
///     .with_conflicts([(0, 2)])?;
/// assert!(p.check(&[0, 1]).is_err()); // over budget
/// assert!(p.check(&[0, 2]).is_err()); // conflict
/// assert!(p.check(&[2]).is_ok());
/// assert_eq!(p.evaluate(&[2]), 2.0);
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CoveringProblem {
    pub(crate) matrix: CoverageMatrix,
    pub(crate) groups: Vec<u32>,
    pub(crate) capacities: Vec<u32>,
    pub(crate) group_names: Vec<String>,
    pub(crate) costs: Option<Vec<f64>>,
    pub(crate) budget: Option<f64>,
    /// CSR adjacency of conflicts, sorted neighbour lists.
    pub(crate) conflict_offsets: Vec<usize>,
    pub(crate) conflict_adj: Vec<u32>,
    pub(crate) rules: Vec<SupportRule>,
    /// Rule in which each candidate is the protected one (`u32::MAX`: none).
    pub(crate) protected_rule: Vec<u32>,
    /// CSR: rules each candidate is a protector in.
    pub(crate) protector_offsets: Vec<usize>,
    pub(crate) protector_rules: Vec<u32>,
}

/// Relative tolerance for budget comparisons.
pub(crate) const BUDGET_EPS: f64 = 1e-9;

impl CoveringProblem {
    /// A problem choosing at most `p` candidates of `matrix` (one group), no costs, no
    /// conflicts, no support rules.
    pub fn new(matrix: CoverageMatrix, p: usize) -> CoveringProblem {
        let n = matrix.n_candidates();
        CoveringProblem {
            matrix,
            groups: vec![0; n],
            capacities: vec![p.min(u32::MAX as usize) as u32],
            group_names: vec!["candidates".into()],
            costs: None,
            budget: None,
            conflict_offsets: vec![0; n + 1],
            conflict_adj: Vec::new(),
            rules: Vec::new(),
            protected_rule: vec![u32::MAX; n],
            protector_offsets: vec![0; n + 1],
            protector_rules: Vec::new(),
        }
    }

    /// Assigns each candidate to a group (`groups[c] < capacities.len()`) with a capacity per
    /// group.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a length mismatch or a group out of range.
    pub fn with_groups(
        mut self,
        groups: Vec<usize>,
        capacities: Vec<u32>,
    ) -> Result<CoveringProblem> {
        if groups.len() != self.n_candidates() {
            return Err(Error::InvalidInput {
                what: "candidate groups".into(),
                reason: format!(
                    "{} groups for {} candidates",
                    groups.len(),
                    self.n_candidates()
                ),
            });
        }
        if let Some(c) = groups.iter().position(|&g| g >= capacities.len()) {
            return Err(Error::InvalidInput {
                what: format!("group of candidate {c}"),
                reason: format!(
                    "group {} out of range ({} groups)",
                    groups[c],
                    capacities.len()
                ),
            });
        }
        self.groups = groups.into_iter().map(|g| g as u32).collect();
        self.group_names = (0..capacities.len())
            .map(|g| format!("group {g}"))
            .collect();
        self.capacities = capacities;
        Ok(self)
    }

    /// Names the groups (for messages and plans).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a length mismatch.
    pub fn with_group_names(mut self, names: Vec<String>) -> Result<CoveringProblem> {
        if names.len() != self.capacities.len() {
            return Err(Error::InvalidInput {
                what: "group names".into(),
                reason: format!("{} names for {} groups", names.len(), self.capacities.len()),
            });
        }
        self.group_names = names;
        Ok(self)
    }

    /// Sets a cost per candidate and an optional budget on the chosen candidates' total cost.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a length mismatch, a negative or non-finite cost or budget.
    pub fn with_costs(mut self, costs: Vec<f64>, budget: Option<f64>) -> Result<CoveringProblem> {
        if costs.len() != self.n_candidates() {
            return Err(Error::InvalidInput {
                what: "candidate costs".into(),
                reason: format!(
                    "{} costs for {} candidates",
                    costs.len(),
                    self.n_candidates()
                ),
            });
        }
        if let Some(c) = costs.iter().position(|x| !x.is_finite() || *x < 0.0) {
            return Err(Error::InvalidInput {
                what: format!("cost of candidate {c}"),
                reason: format!("{} must be finite and ≥ 0", costs[c]),
            });
        }
        if let Some(b) = budget {
            if !b.is_finite() || b < 0.0 {
                return Err(Error::InvalidInput {
                    what: "budget".into(),
                    reason: format!("{b} must be finite and ≥ 0"),
                });
            }
        }
        self.costs = Some(costs);
        self.budget = budget;
        Ok(self)
    }

    /// Declares pairs of candidates that may not both be chosen (e.g. closer than the minimum
    /// spacing). Replaces earlier conflicts; pairs may repeat and come in any order.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an index out of range or a candidate paired with itself.
    pub fn with_conflicts<I: IntoIterator<Item = (usize, usize)>>(
        mut self,
        pairs: I,
    ) -> Result<CoveringProblem> {
        let n = self.n_candidates();
        let mut adj: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (a, b) in pairs {
            if a >= n || b >= n || a == b {
                return Err(Error::InvalidInput {
                    what: "conflict pair".into(),
                    reason: format!("({a}, {b}) is not a pair of distinct candidates < {n}"),
                });
            }
            adj[a].push(b as u32);
            adj[b].push(a as u32);
        }
        self.conflict_offsets = Vec::with_capacity(n + 1);
        self.conflict_offsets.push(0);
        self.conflict_adj.clear();
        for mut l in adj {
            l.sort_unstable();
            l.dedup();
            self.conflict_adj.extend_from_slice(&l);
            self.conflict_offsets.push(self.conflict_adj.len());
        }
        Ok(self)
    }

    /// Sets the support rules (replacing earlier ones). A candidate may be the protected one
    /// in at most one rule.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an index out of range, a candidate protected twice, or a
    /// rule needing zero protectors.
    pub fn with_support_rules(mut self, rules: Vec<SupportRule>) -> Result<CoveringProblem> {
        let n = self.n_candidates();
        let mut protected_rule = vec![u32::MAX; n];
        let mut per: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut rules = rules;
        for (r, rule) in rules.iter_mut().enumerate() {
            if rule.need == 0 {
                return Err(Error::InvalidInput {
                    what: format!("support rule {r}"),
                    reason: "needs at least one protector".into(),
                });
            }
            if let Some(p) = rule.protected {
                if p >= n {
                    return Err(Error::InvalidInput {
                        what: format!("support rule {r}"),
                        reason: format!("protected candidate {p} out of range"),
                    });
                }
                if protected_rule[p] != u32::MAX {
                    return Err(Error::InvalidInput {
                        what: format!("support rule {r}"),
                        reason: format!("candidate {p} is protected by two rules"),
                    });
                }
                protected_rule[p] = r as u32;
            }
            rule.protectors.sort_unstable();
            rule.protectors.dedup();
            for &q in &rule.protectors {
                if q >= n {
                    return Err(Error::InvalidInput {
                        what: format!("support rule {r}"),
                        reason: format!("protector {q} out of range"),
                    });
                }
                per[q].push(r as u32);
            }
        }
        self.protector_offsets = Vec::with_capacity(n + 1);
        self.protector_offsets.push(0);
        self.protector_rules.clear();
        for l in per {
            self.protector_rules.extend_from_slice(&l);
            self.protector_offsets.push(self.protector_rules.len());
        }
        self.protected_rule = protected_rule;
        self.rules = rules;
        Ok(self)
    }

    /// The coverage matrix.
    pub fn matrix(&self) -> &CoverageMatrix {
        &self.matrix
    }

    /// Number of candidates.
    pub fn n_candidates(&self) -> usize {
        self.matrix.n_candidates()
    }

    /// Group of each candidate.
    pub fn groups(&self) -> &[u32] {
        &self.groups
    }

    /// Capacity of each group.
    pub fn capacities(&self) -> &[u32] {
        &self.capacities
    }

    /// Costs per candidate, if set.
    pub fn costs(&self) -> Option<&[f64]> {
        self.costs.as_deref()
    }

    /// The budget, if set.
    pub fn budget(&self) -> Option<f64> {
        self.budget
    }

    /// The support rules.
    pub fn support_rules(&self) -> &[SupportRule] {
        &self.rules
    }

    /// Number of conflicting pairs.
    pub fn n_conflicts(&self) -> usize {
        self.conflict_adj.len() / 2
    }

    /// Candidates in conflict with `c` (sorted; `c < n_candidates`, the crate's hot path).
    #[inline]
    pub(crate) fn conflicts_of(&self, c: usize) -> &[u32] {
        &self.conflict_adj[self.conflict_offsets[c]..self.conflict_offsets[c + 1]]
    }

    #[inline]
    pub(crate) fn cost(&self, c: usize) -> f64 {
        self.costs.as_ref().map_or(0.0, |v| v[c])
    }

    #[inline]
    pub(crate) fn rules_protected_by(&self, c: usize) -> &[u32] {
        &self.protector_rules[self.protector_offsets[c]..self.protector_offsets[c + 1]]
    }

    #[inline]
    pub(crate) fn budget_ok(&self, cost: f64) -> bool {
        match self.budget {
            Some(b) => cost <= b + BUDGET_EPS * b.abs().max(1.0),
            None => true,
        }
    }

    /// The objective of choosing `chosen` (reference evaluation).
    pub fn evaluate(&self, chosen: &[usize]) -> f64 {
        self.matrix.objective_of(chosen)
    }

    /// Checks every constraint for the set `chosen`.
    ///
    /// # Errors
    /// [`Error::Infeasible`] naming the first violated constraint; [`Error::InvalidInput`] for
    /// an index out of range or a duplicate.
    pub fn check(&self, chosen: &[usize]) -> Result<()> {
        let n = self.n_candidates();
        let mut is = vec![false; n];
        for &c in chosen {
            if c >= n {
                return Err(Error::InvalidInput {
                    what: "chosen candidates".into(),
                    reason: format!("candidate {c} out of range ({n} candidates)"),
                });
            }
            if is[c] {
                return Err(Error::InvalidInput {
                    what: "chosen candidates".into(),
                    reason: format!("candidate {c} chosen twice"),
                });
            }
            is[c] = true;
        }
        let mut count = vec![0u32; self.capacities.len()];
        for &c in chosen {
            count[self.groups[c] as usize] += 1;
        }
        for (g, (&k, &cap)) in count.iter().zip(&self.capacities).enumerate() {
            if k > cap {
                return Err(Error::Infeasible {
                    reason: format!(
                        "{} sites of {} chosen, only {cap} available",
                        k, self.group_names[g]
                    ),
                });
            }
        }
        let cost: f64 = chosen.iter().map(|&c| self.cost(c)).sum();
        if !self.budget_ok(cost) {
            return Err(Error::Infeasible {
                reason: format!(
                    "cost {cost} exceeds the budget {}",
                    self.budget.unwrap_or(0.0)
                ),
            });
        }
        for &c in chosen {
            if let Some(&d) = self.conflicts_of(c).iter().find(|&&d| is[d as usize]) {
                return Err(Error::Infeasible {
                    reason: format!("candidates {c} and {d} are closer than the minimum spacing"),
                });
            }
        }
        for rule in &self.rules {
            let active = match rule.protected {
                None => true,
                Some(p) => is[p],
            };
            if !active {
                continue;
            }
            let have = rule.protectors.iter().filter(|&&q| is[q]).count() as u32;
            if have < rule.need {
                return Err(Error::Infeasible {
                    reason: format!(
                        "mutual support: {} is covered by {have} supporting sites, needs {}",
                        rule.label, rule.need
                    ),
                });
            }
        }
        Ok(())
    }
}

/// Incremental state of a chosen set: depths, counts, costs, conflicts, support.
#[derive(Debug, Clone)]
pub(crate) struct State<'p> {
    pub(crate) p: &'p CoveringProblem,
    pub(crate) depth: Vec<u8>,
    pub(crate) chosen: Vec<bool>,
    /// Chosen candidates in the order they were added.
    pub(crate) list: Vec<usize>,
    pub(crate) group_count: Vec<u32>,
    pub(crate) cost: f64,
    /// Number of chosen candidates in conflict with each candidate.
    pub(crate) conflict_count: Vec<u32>,
    /// Chosen protectors per rule.
    pub(crate) support: Vec<u32>,
    /// Gain evaluations performed (for statistics).
    pub(crate) evaluations: u64,
}

impl<'p> State<'p> {
    pub(crate) fn new(p: &'p CoveringProblem) -> State<'p> {
        let n = p.n_candidates();
        State {
            p,
            depth: p.matrix.initial().to_vec(),
            chosen: vec![false; n],
            list: Vec::new(),
            group_count: vec![0; p.capacities.len()],
            cost: 0.0,
            conflict_count: vec![0; n],
            support: vec![0; p.rules.len()],
            evaluations: 0,
        }
    }

    /// State of an explicit set (not checked).
    pub(crate) fn from_set(p: &'p CoveringProblem, chosen: &[usize]) -> State<'p> {
        let mut s = State::new(p);
        for &c in chosen {
            s.add(c);
        }
        s
    }

    /// Marginal gain of adding `c`: `Σ_{u ∈ c, d_u < k_u} w_u / k_u`.
    #[inline]
    pub(crate) fn gain(&mut self, c: usize) -> f64 {
        self.evaluations += 1;
        let m = &self.p.matrix;
        let (w, k) = (m.weights(), m.required());
        let mut g = 0.0;
        for &u in m.units_of(c) {
            let u = u as usize;
            if self.depth[u] < k[u] {
                g += w[u] / f64::from(k[u]);
            }
        }
        g
    }

    /// Loss of removing chosen `c`: `Σ_{u ∈ c, d_u ≤ k_u} w_u / k_u`.
    #[cfg(test)]
    pub(crate) fn loss(&self, c: usize) -> f64 {
        let m = &self.p.matrix;
        let (w, k) = (m.weights(), m.required());
        let mut g = 0.0;
        for &u in m.units_of(c) {
            let u = u as usize;
            if self.depth[u] <= k[u] {
                g += w[u] / f64::from(k[u]);
            }
        }
        g
    }

    /// True when `c` can be added without breaking capacity, budget or conflicts (support is
    /// checked separately).
    #[inline]
    pub(crate) fn can_add(&self, c: usize) -> bool {
        let g = self.p.groups[c] as usize;
        !self.chosen[c]
            && self.group_count[g] < self.p.capacities[g]
            && self.conflict_count[c] == 0
            && self.p.budget_ok(self.cost + self.p.cost(c))
    }

    pub(crate) fn add(&mut self, c: usize) {
        debug_assert!(!self.chosen[c]);
        self.chosen[c] = true;
        self.list.push(c);
        self.group_count[self.p.groups[c] as usize] += 1;
        self.cost += self.p.cost(c);
        for &u in self.p.matrix.units_of(c) {
            let d = &mut self.depth[u as usize];
            *d = d.saturating_add(1);
        }
        for &d in self.p.conflicts_of(c) {
            self.conflict_count[d as usize] += 1;
        }
        for &r in self.p.rules_protected_by(c) {
            self.support[r as usize] += 1;
        }
    }

    pub(crate) fn remove(&mut self, c: usize) {
        debug_assert!(self.chosen[c]);
        self.chosen[c] = false;
        if let Some(pos) = self.list.iter().position(|&x| x == c) {
            self.list.remove(pos);
        }
        self.group_count[self.p.groups[c] as usize] -= 1;
        self.cost -= self.p.cost(c);
        for &u in self.p.matrix.units_of(c) {
            let d = &mut self.depth[u as usize];
            *d = d.saturating_sub(1);
        }
        for &d in self.p.conflicts_of(c) {
            self.conflict_count[d as usize] -= 1;
        }
        for &r in self.p.rules_protected_by(c) {
            self.support[r as usize] -= 1;
        }
    }

    /// Exact objective of the current set.
    pub(crate) fn value(&self) -> f64 {
        self.p.matrix.value_of_depths(&self.depth)
    }

    /// Sorted chosen candidates.
    pub(crate) fn sorted(&self) -> Vec<usize> {
        let mut v = self.list.clone();
        v.sort_unstable();
        v
    }
}

/// The best feasible objective of `p` by enumerating every subset of candidates (test
/// reference for the bound, the presolve and the exact solver; small instances only).
#[cfg(test)]
pub(crate) fn brute_force_optimum(p: &CoveringProblem) -> f64 {
    let n = p.n_candidates();
    (0u32..1 << n)
        .map(|mask| (0..n).filter(|&c| mask & (1 << c) != 0).collect::<Vec<_>>())
        .filter(|s| p.check(s).is_ok())
        .map(|s| p.evaluate(&s))
        .fold(f64::NEG_INFINITY, f64::max)
}

/// The xorshift generator of the property tests' random problems (here and in the exact
/// solver's tests): draws `x mod n` from a seed.
/// The LP relaxation (capacities only) with `fixed` candidates forced to 1 (`true`) or
/// 0, solved exactly by microlp: the reference.
#[cfg(test)]
pub(crate) fn exact_lp(p: &CoveringProblem, fixed: &[(usize, bool)]) -> f64 {
    use good_lp::{variable, Expression, ProblemVariables, Solution, SolverModel};
    let m = &p.matrix;
    let mut vars = ProblemVariables::new();
    let x: Vec<_> = (0..p.n_candidates())
        .map(|c| {
            let (lo, hi) = match fixed.iter().find(|f| f.0 == c) {
                Some(&(_, true)) => (1.0, 1.0),
                Some(&(_, false)) => (0.0, 0.0),
                None => (0.0, 1.0),
            };
            vars.add(variable().min(lo).max(hi))
        })
        .collect();
    let t = m.transpose();
    let (w, k, init) = (m.weights(), m.required(), m.initial());
    let mut objective = Expression::from(m.initial_objective());
    let mut cons = Vec::new();
    for u in 0..m.n_units() {
        let r = k[u].saturating_sub(init[u]);
        if r == 0 || t.of(u).is_empty() {
            continue;
        }
        let y = vars.add(variable().min(0.0).max(f64::from(r)));
        objective.add_mul(w[u] / f64::from(k[u]), y);
        let mut e = Expression::from(y);
        for &c in t.of(u) {
            e.add_mul(-1.0, x[c as usize]);
        }
        cons.push(e.leq(0.0));
    }
    for (g, &cap) in p.capacities.iter().enumerate() {
        let mut e = Expression::from(0.0);
        for (&gc, &xc) in p.groups.iter().zip(&x) {
            if gc as usize == g {
                e.add_mul(1.0, xc);
            }
        }
        cons.push(e.leq(f64::from(cap)));
    }
    let mut lp = vars.maximise(objective.clone()).using(good_lp::microlp);
    for c in cons {
        lp.add_constraint(c);
    }
    lp.solve().map_or(f64::NEG_INFINITY, |s| s.eval(&objective))
}

#[cfg(test)]
pub(crate) struct XorShift(u64);

#[cfg(test)]
impl XorShift {
    /// The generator of `seed` (never the all-zero state).
    pub(crate) fn new(seed: u64) -> XorShift {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next draw, reduced to `0..n` (`n ≥ 1`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        let x = &mut self.0;
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x % n
    }
}

/// Shape of the random small problems of the property tests: every count is
/// `base + draw(range)` (`(base, range)` pairs, `range ≥ 1`).
#[cfg(test)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct RandomShape {
    pub(crate) units: (u64, u64),
    pub(crate) candidates: (u64, u64),
    pub(crate) weight: (u64, u64),
    pub(crate) set_size: (u64, u64),
    /// Required depth per unit, when depths are drawn.
    pub(crate) depth: (u64, u64),
    /// A unit starts at depth 1 with probability `1 / initial_one_in`.
    pub(crate) initial_one_in: u64,
    pub(crate) sites: (u64, u64),
    /// Capacities of the two groups, when groups are drawn.
    pub(crate) capacities: [(u64, u64); 2],
    pub(crate) cost: (u64, u64),
    pub(crate) budget: (u64, u64),
}

/// Small models with zero weights and empty coverage sets (the presolve's edge cases).
#[cfg(test)]
pub(crate) const SHAPE_WITH_ZEROS: RandomShape = RandomShape {
    units: (4, 14),
    candidates: (3, 8),
    weight: (0, 5),
    set_size: (0, 5),
    depth: (1, 2),
    initial_one_in: 3,
    sites: (1, 3),
    capacities: [(1, 2), (1, 2)],
    cost: (1, 3),
    budget: (1, 6),
};

/// A random small problem of `shape` from `seed` (xorshift draws), with two groups, costs and
/// a budget, required and initial depths when asked.
#[cfg(test)]
pub(crate) fn random_problem(
    seed: u64,
    shape: &RandomShape,
    groups: bool,
    budget: bool,
    depth: bool,
) -> CoveringProblem {
    let mut r = XorShift::new(seed);
    let mut next = |(base, range): (u64, u64)| base + r.below(range);
    let nu = next(shape.units) as usize;
    let nc = next(shape.candidates) as usize;
    let w: Vec<f64> = (0..nu).map(|_| next(shape.weight) as f64).collect();
    let sets: Vec<Vec<usize>> = (0..nc)
        .map(|_| {
            (0..next(shape.set_size))
                .map(|_| next((0, nu as u64)) as usize)
                .collect()
        })
        .collect();
    let mut m = CoverageMatrix::from_sets(w, &sets).expect("valid sets");
    if depth {
        let k = (0..nu).map(|_| next(shape.depth) as u8).collect();
        let init = (0..nu)
            .map(|_| u8::from(next((0, shape.initial_one_in)) == 0))
            .collect();
        m = m
            .with_required_depth(k)
            .and_then(|m| m.with_initial_depth(init))
            .expect("valid depths");
    }
    let mut p = CoveringProblem::new(m, next(shape.sites) as usize);
    if groups {
        let g = (0..nc).map(|_| next((0, 2)) as usize).collect();
        let caps = shape.capacities.map(|c| next(c) as u32).to_vec();
        p = p.with_groups(g, caps).expect("valid groups");
    }
    if budget {
        let costs = (0..nc).map(|_| next(shape.cost) as f64).collect();
        let b = next(shape.budget) as f64;
        p = p.with_costs(costs, Some(b)).expect("valid costs");
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_tracks_gain_and_loss() {
        let m = CoverageMatrix::from_sets(vec![1.0, 2.0, 4.0], &[vec![0, 1], vec![1, 2]])
            .unwrap()
            .with_required_depth(vec![1, 2, 1])
            .unwrap();
        let p = CoveringProblem::new(m, 2);
        let mut s = State::new(&p);
        assert_eq!(s.gain(0), 2.0);
        assert_eq!(s.gain(1), 5.0);
        s.add(1);
        assert_eq!(s.gain(0), 2.0); // unit 1 still at depth 1 < 2
        assert_eq!(s.loss(1), 5.0);
        s.add(0);
        assert_eq!(s.value(), 7.0);
        assert_eq!(s.value(), p.evaluate(&[0, 1]));
        assert_eq!(s.loss(1), 5.0);
        s.remove(0);
        assert_eq!(s.value(), 5.0);
        assert!(!s.can_add(1) && s.can_add(0));
    }

    #[test]
    fn check_reports_support_and_capacity() {
        let m = CoverageMatrix::from_sets(vec![1.0; 3], &[vec![0], vec![1], vec![2]]).unwrap();
        let p = CoveringProblem::new(m, 3)
            .with_groups(vec![0, 1, 1], vec![1, 2])
            .unwrap()
            .with_support_rules(vec![SupportRule {
                protected: Some(0),
                protectors: vec![2, 1],
                need: 2,
                label: "site 0".into(),
            }])
            .unwrap();
        assert!(p.check(&[1, 2]).is_ok());
        let e = p.check(&[0, 1]).unwrap_err();
        assert!(e.to_string().contains("site 0"), "{e}");
        assert!(p.check(&[0, 1, 2]).is_ok());
        assert!(p.check(&[0, 0]).is_err());
        let p2 = p.clone().with_groups(vec![0, 0, 0], vec![2]).unwrap();
        assert!(matches!(
            p2.check(&[0, 1, 2]),
            Err(Error::Infeasible { .. })
        ));
    }
}
