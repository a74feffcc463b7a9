//! Rule-aware inner maximiser of the node Lagrangian ([`super`]): keeps the budget exactly
//! (when every group has one cost per candidate) and charges the protectors that chosen
//! protected candidates need.
//!
//! At multipliers `λ` the node Lagrangian is `L(λ) = const + max Σ_c s_c·x_c` over the free
//! candidates, with `s_c = Λ_c` and the constraints kept in the inner problem. The plain
//! evaluation keeps only the group capacities and prices the budget with a multiplier `μ`
//! (an LP-level relaxation of the budget), and drops the support rules. Here:
//!
//! * **Budget, exactly**: when every candidate of a group has the same cost, a plan is a count
//!   `n_g ≤ cap_g` per group, and the inner maximum is the largest `Σ_g top_{n_g}` over the
//!   count vectors the budget left can pay for (enumerated; at most [`MAX_COMBOS`]).
//! * **Protectors charged**: let `P` be the groups that hold protectors. For counts `n_g` of
//!   those groups, `Top_g` the `n_g` largest positive scores of group `g` and `t_g` the
//!   smallest of them (`0` when fewer than `n_g` are positive, `+∞` when `n_g = 0`), any
//!   `T ⊆ g` with `|T| ≤ n_g` has `Σ_T s ≤ top_{n_g} − Σ_{p ∈ T∖Top_g} δ_p` with
//!   `δ_p = t_g − s_p ≥ 0` (`0` inside `Top_g`). A rule that is or may become active (its
//!   protected candidate free or in, outside `P`, or no protected candidate) and is not yet
//!   met by forced-in protectors needs `need − have` distinct chosen protectors; a protector
//!   `p` serves at most `deg_p` of these rules (the rules counted at the node that list it),
//!   so `Σ_{p ∈ T∖Top} δ_p ≥ Σ_{rules} (sum of the need − have smallest δ_p/deg_p over its
//!   available protectors)`. That charge `π_r` is subtracted from the protected candidate's
//!   score (or from the constant, for a rule already active), which keeps `L` an upper
//!   bound of every plan of the node that meets the rules. A rule that cannot be met makes
//!   its protected candidate unchoosable, or the node empty.
//!
//! Reduced-cost fixing assumes the plain top-set structure, so it is off while this
//! evaluation is used ([`usable`]); the children of a branch inherit the parent's bound.

use super::{Bnb, FREE, IN, OUT};
use crate::placement::objective::CoveringProblem;

/// Largest number of count vectors one evaluation enumerates (per protector-group count
/// vector, and of protector-group count vectors).
pub(super) const MAX_COMBOS: u64 = 4096;

/// The bound of a node without a feasible plan (finite, so that comparisons stay ordered).
pub(super) const EMPTY: f64 = -1e300;

/// Static structure the rule-aware evaluation needs.
#[derive(Debug, Clone)]
pub(super) struct Structure {
    /// Cost of one candidate of each group (0 without a budget).
    cost_g: Vec<f64>,
    /// Groups that hold a protector of some rule.
    prot_group: Vec<bool>,
    /// A budget is set.
    budgeted: bool,
}

impl Structure {
    /// `None` when the problem has neither rules nor a budget, or a budget with costs that
    /// differ within a group.
    pub(super) fn new(p: &CoveringProblem) -> Option<Structure> {
        let budgeted = p.budget.is_some() && p.costs.is_some();
        if p.rules.is_empty() && !budgeted {
            return None;
        }
        let ng = p.capacities.len();
        let mut cost_g: Vec<Option<f64>> = vec![None; ng];
        if budgeted {
            for (c, &g) in p.groups.iter().enumerate() {
                let k = p.cost(c);
                match cost_g[g as usize] {
                    None => cost_g[g as usize] = Some(k),
                    Some(v) if v == k => {}
                    Some(_) => return None,
                }
            }
        }
        let mut prot_group = vec![false; ng];
        for r in &p.rules {
            for &q in &r.protectors {
                prot_group[p.groups[q] as usize] = true;
            }
        }
        Some(Structure {
            cost_g: cost_g.into_iter().map(|v| v.unwrap_or(0.0)).collect(),
            prot_group,
            budgeted,
        })
    }

    /// True when group `g` holds a protector of some rule.
    pub(super) fn is_protector_group(&self, g: usize) -> bool {
        self.prot_group.get(g).copied().unwrap_or(false)
    }
}

/// The rule-aware evaluation fell back to the plain node Lagrangian because the count vectors
/// to enumerate passed [`MAX_COMBOS`] (the bound stays valid, without the side constraints).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RulesFallback {
    /// The most count vectors one evaluation would have needed.
    pub(crate) needed: u64,
    /// Evaluations (subgradient iterations) that fell back.
    pub(crate) evaluations: u64,
}

/// Count vectors one evaluation at the current node enumerates (the larger of the
/// protector-group and the other groups' products); `None` without a structure.
fn combos(b: &Bnb) -> Option<u64> {
    let s = b.side.structure.as_ref()?;
    if !s.budgeted {
        return Some(1);
    }
    let (mut np, mut nq) = (1u64, 1u64);
    for g in 0..b.p.capacities.len() {
        let n = u64::from(b.cap_left(g)) + 1;
        if s.prot_group[g] {
            np = np.saturating_mul(n);
        } else {
            nq = nq.saturating_mul(n);
        }
    }
    Some(np.max(nq))
}

/// True when the rule-aware evaluation applies at the current node (a structure exists and
/// the count vectors to enumerate stay within [`MAX_COMBOS`]); a fallback past that limit is
/// recorded in the side state ([`RulesFallback`]).
pub(super) fn usable(b: &mut Bnb) -> bool {
    let Some(n) = combos(b) else {
        return false;
    };
    if n <= MAX_COMBOS {
        return true;
    }
    let f = b.side.fallback.get_or_insert(RulesFallback {
        needed: 0,
        evaluations: 0,
    });
    f.needed = f.needed.max(n);
    f.evaluations += 1;
    false
}

/// A rule charged at the node.
struct Charged {
    /// The protected candidate the charge goes to (`None`: the constant).
    target: Option<usize>,
    /// Protectors still needed.
    need: usize,
    /// Available protectors.
    avail: Vec<u32>,
}

/// The candidate part of the node Lagrangian (replacing the top sets and the budget term) and
/// its inner maximiser, at the current scores (`b.big`, without a budget price).
pub(super) fn evaluate(b: &Bnb) -> (f64, Vec<u32>) {
    let Some(st) = b.side.structure.as_ref() else {
        return (EMPTY, Vec::new());
    };
    let p = b.p;
    let ng = p.capacities.len();
    let big = &b.big;
    let cmp = |a: &u32, c: &u32| big[*c as usize].total_cmp(&big[*a as usize]).then(a.cmp(c));
    // free candidates of every group with capacity left, best first
    let lists: Vec<Vec<u32>> = (0..ng)
        .map(|g| {
            if b.cap_left(g) == 0 {
                return Vec::new();
            }
            let mut v: Vec<u32> = b.members[g]
                .iter()
                .copied()
                .filter(|&c| b.status[c as usize] == FREE)
                .collect();
            v.sort_unstable_by(cmp);
            v
        })
        .collect();
    let n = p.n_candidates();
    let mut rank: Vec<u32> = vec![u32::MAX; n];
    for (g, v) in lists.iter().enumerate() {
        if st.prot_group[g] {
            for (i, &c) in v.iter().enumerate() {
                rank[c as usize] = i as u32;
            }
        }
    }
    let pos: Vec<usize> = lists
        .iter()
        .map(|v| v.iter().take_while(|&&c| big[c as usize] > 0.0).count())
        .collect();
    // the rules to charge
    let mut charged: Vec<Charged> = Vec::new();
    let mut deg: Vec<u32> = vec![0; n];
    for r in &p.rules {
        let target = match r.protected {
            None => None,
            Some(q) if b.status[q] == OUT => continue,
            Some(q) if st.prot_group[p.groups[q] as usize] => continue,
            Some(q) if b.status[q] == IN => None,
            Some(q) => Some(q),
        };
        let have = r.protectors.iter().filter(|&&q| b.status[q] == IN).count() as u32;
        if have >= r.need {
            continue;
        }
        let avail: Vec<u32> = r
            .protectors
            .iter()
            .copied()
            .filter(|&q| b.status[q] == FREE && b.cap_left(p.groups[q] as usize) > 0)
            .map(|q| q as u32)
            .collect();
        for &q in &avail {
            deg[q as usize] += 1;
        }
        charged.push(Charged {
            target,
            need: (r.need - have) as usize,
            avail,
        });
    }
    let pgroups: Vec<usize> = (0..ng)
        .filter(|&g| st.prot_group[g] && b.cap_left(g) > 0)
        .collect();
    let qgroups: Vec<usize> = (0..ng)
        .filter(|&g| !st.prot_group[g] && b.cap_left(g) > 0)
        .collect();
    let spent: f64 = b.fixed_in.iter().map(|&c| p.cost(c)).sum();
    // counts enumerated per group: 0..=cap with a budget, cap alone without
    let radix = |g: usize| -> usize {
        if st.budgeted {
            b.cap_left(g) as usize + 1
        } else {
            1
        }
    };
    let count = |g: usize, i: usize| -> usize {
        if st.budgeted {
            i
        } else {
            b.cap_left(g) as usize
        }
    };
    let mut best = EMPTY;
    let mut best_x: Vec<u32> = Vec::new();
    let mut pen: Vec<f64> = vec![0.0; n];
    let mut shares: Vec<f64> = Vec::new();
    let mut pvec: Vec<usize> = vec![0; pgroups.len()];
    let mut t: Vec<f64> = vec![0.0; ng];
    let mut in_top: Vec<usize> = vec![0; ng];
    loop {
        // protector-group counts `pvec`: their top sets, thresholds and the charges
        let mut value = 0.0;
        let mut cost = spent;
        for (i, &g) in pgroups.iter().enumerate() {
            let cnt = count(g, pvec[i]);
            let m = cnt.min(pos[g]);
            in_top[g] = m;
            value += lists[g][..m].iter().map(|&c| big[c as usize]).sum::<f64>();
            cost += st.cost_g[g] * cnt as f64;
            t[g] = if cnt == 0 {
                f64::INFINITY
            } else if pos[g] >= cnt {
                big[lists[g][cnt - 1] as usize]
            } else {
                0.0
            };
        }
        if !p.budget_ok(cost) {
            // the protector groups alone overrun the budget left
            if !advance(&mut pvec, |i| radix(pgroups[i])) {
                break;
            }
            continue;
        }
        for c in pen.iter_mut() {
            *c = 0.0;
        }
        let mut constant = 0.0;
        for r in &charged {
            shares.clear();
            for &q in &r.avail {
                let q = q as usize;
                let g = p.groups[q] as usize;
                let d = if (rank[q] as usize) < in_top[g] {
                    0.0
                } else {
                    (t[g] - big[q]).max(0.0)
                };
                let share = if unshared() { 1 } else { deg[q].max(1) };
                shares.push(d / f64::from(share));
            }
            let charge = if shares.len() < r.need {
                f64::INFINITY
            } else {
                shares.sort_unstable_by(f64::total_cmp);
                shares[..r.need].iter().sum()
            };
            match r.target {
                Some(q) => pen[q] += charge,
                None => constant += charge,
            }
        }
        if constant.is_finite() {
            value -= constant;
            // protected groups: penalised scores, positive ones best first
            let qlists: Vec<Vec<(f64, u32)>> = qgroups
                .iter()
                .map(|&g| {
                    let mut v: Vec<(f64, u32)> = lists[g]
                        .iter()
                        .map(|&c| (big[c as usize] - pen[c as usize], c))
                        .filter(|&(s, _)| s > 0.0)
                        .collect();
                    v.sort_unstable_by(|a, c| c.0.total_cmp(&a.0).then(a.1.cmp(&c.1)));
                    v
                })
                .collect();
            let prefix: Vec<Vec<f64>> = qlists
                .iter()
                .map(|v| {
                    let mut acc = Vec::with_capacity(v.len() + 1);
                    let mut s = 0.0;
                    acc.push(s);
                    for &(x, _) in v {
                        s += x;
                        acc.push(s);
                    }
                    acc
                })
                .collect();
            // enumerate the protected-group counts the budget allows
            let mut qvec: Vec<usize> = vec![0; qgroups.len()];
            let mut best_q: Option<(f64, Vec<usize>)> = None;
            loop {
                let mut v = value;
                let mut k = cost;
                for (i, &g) in qgroups.iter().enumerate() {
                    let cnt = count(g, qvec[i]);
                    v += prefix[i][cnt.min(qlists[i].len())];
                    k += st.cost_g[g] * cnt as f64;
                }
                if p.budget_ok(k) && best_q.as_ref().map_or(true, |(bv, _)| v > *bv) {
                    best_q = Some((v, qvec.clone()));
                }
                if !advance(&mut qvec, |i| radix(qgroups[i])) {
                    break;
                }
            }
            if let Some((v, qv)) = best_q {
                if v > best {
                    best = v;
                    best_x.clear();
                    for &g in &pgroups {
                        best_x.extend_from_slice(&lists[g][..in_top[g]]);
                    }
                    for (i, &g) in qgroups.iter().enumerate() {
                        let cnt = count(g, qv[i]);
                        best_x.extend(qlists[i].iter().take(cnt).map(|&(_, c)| c));
                    }
                }
            }
        }
        if !advance(&mut pvec, |i| radix(pgroups[i])) {
            break;
        }
    }
    (best, best_x)
}

#[cfg(test)]
thread_local! {
    /// Test switch: charge every rule the full `δ_p` (invalid when protectors are shared).
    static UNSHARED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
fn unshared() -> bool {
    UNSHARED.with(std::cell::Cell::get)
}

#[cfg(not(test))]
fn unshared() -> bool {
    false
}

/// Next vector of a mixed-radix counter (`radix(i)` values at position `i`); false after
/// the last.
fn advance(v: &mut [usize], radix: impl Fn(usize) -> usize) -> bool {
    for (i, x) in v.iter_mut().enumerate() {
        *x += 1;
        if *x < radix(i) {
            return true;
        }
        *x = 0;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::{branch_and_bound, ExactLimits, PROOF_LIMITS};
    use crate::placement::matrix::CoverageMatrix;
    use crate::placement::objective::{
        brute_force_optimum, CoveringProblem, SupportRule, XorShift,
    };
    use proptest::prelude::*;

    /// A random layered problem (≤ 13 candidates): protected candidates in groups 0 and 1,
    /// protectors in group 2 shared between rules, one cost per group and a budget (or
    /// none), optional conflicts (also between protectors) and an unconditional rule.
    fn layered(seed: u64, budget: bool, conflicts: bool) -> CoveringProblem {
        let mut r = XorShift::new(seed);
        let mut next = |n: u64| r.below(n);
        let nu = 8 + next(30) as usize;
        let nq = 2 + next(5) as usize;
        let np = 2 + next(5) as usize;
        let nc = nq + np;
        let w: Vec<f64> = (0..nu).map(|_| 1.0 + next(9) as f64).collect();
        // protectors cover little
        let sets: Vec<Vec<usize>> = (0..nc)
            .map(|c| {
                let len = if c < nq { 1 + next(8) } else { next(3) };
                (0..len).map(|_| next(nu as u64) as usize).collect()
            })
            .collect();
        let m = CoverageMatrix::from_sets(w, &sets).unwrap();
        let groups: Vec<usize> = (0..nc)
            .map(|c| if c < nq { next(2) as usize } else { 2 })
            .collect();
        let caps = vec![1 + next(2) as u32, 1 + next(3) as u32, next(4) as u32];
        let mut p = CoveringProblem::new(m, 0)
            .with_groups(groups.clone(), caps)
            .unwrap();
        if budget {
            let cost_g = [3.0 + next(4) as f64, 1.0 + next(3) as f64, 1.0];
            let costs = groups.iter().map(|&g| cost_g[g]).collect();
            p = p.with_costs(costs, Some(2.0 + next(10) as f64)).unwrap();
        }
        if conflicts {
            let pairs: Vec<(usize, usize)> = (0..next(nc as u64))
                .map(|_| (next(nc as u64) as usize, next(nc as u64) as usize))
                .filter(|(a, b)| a != b)
                .collect();
            p = p.with_conflicts(pairs).unwrap();
        }
        let mut rules = Vec::new();
        for q in 0..nq {
            if next(4) != 0 {
                let mut protectors: Vec<usize> = (0..1 + next(3))
                    .map(|_| nq + next(np as u64) as usize)
                    .collect();
                protectors.sort_unstable();
                protectors.dedup();
                let need = if protectors.len() > 1 && next(4) == 0 {
                    2
                } else {
                    1
                };
                rules.push(SupportRule {
                    protected: Some(q),
                    protectors,
                    need,
                    label: format!("c{q}"),
                });
            }
        }
        if next(3) == 0 {
            rules.push(SupportRule {
                protected: None,
                protectors: vec![nq + next(np as u64) as usize],
                need: 1,
                label: "fixed".into(),
            });
        }
        p.with_support_rules(rules).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// The rule-aware bound (shared protectors, protectors in small or full groups,
        /// blocked by conflicts or the budget, exact budget by counts): the tree search proves
        /// the brute-force optimum with a feasible plan; the root bound and the bounds after
        /// 1, 2 and 4 nodes are valid.
        #[test]
        fn rule_aware_bound_proves_the_brute_force_optimum(
            seed in 0u64..1_000_000, budget: bool, conflicts: bool,
        ) {
            let p = layered(seed, budget, conflicts);
            let opt = brute_force_optimum(&p);
            let start: Vec<usize> = Vec::new();
            if p.check(&start).is_err() {
                // the empty plan breaks an unconditional rule: start from the greedy's plan
                match crate::placement::greedy::greedy(&p) {
                    Ok(g) => return check(&p, &g.chosen, opt),
                    Err(_) => return Ok(()),
                }
            }
            check(&p, &start, opt)?;
        }
    }

    fn check(p: &CoveringProblem, start: &[usize], opt: f64) -> Result<(), TestCaseError> {
        prop_assert!(super::Structure::new(p).is_some() || p.rules.is_empty());
        prop_assert!(p.check(start).is_ok());
        let v0 = p.evaluate(start);
        let limits = PROOF_LIMITS;
        let o = branch_and_bound(p, start, v0, limits);
        prop_assert!(o.proven);
        prop_assert!(p.check(&o.chosen).is_ok(), "{:?}", p.check(&o.chosen));
        prop_assert!((p.evaluate(&o.chosen) - o.value).abs() < 1e-9);
        prop_assert!(
            (o.value - opt).abs() < 1e-6,
            "found {} optimum {}",
            o.value,
            opt
        );
        prop_assert!(
            o.root_bound >= opt - 1e-6,
            "root bound {} < optimum {}",
            o.root_bound,
            opt
        );
        prop_assert!(
            (o.closed_fraction - 1.0).abs() < 1e-12,
            "closed {}",
            o.closed_fraction
        );
        for max_nodes in [1, 2, 4] {
            let os = branch_and_bound(
                p,
                start,
                v0,
                ExactLimits {
                    max_nodes,
                    ..limits
                },
            );
            prop_assert!(
                os.bound >= opt - 1e-6,
                "{} nodes: bound {} < optimum {}",
                max_nodes,
                os.bound,
                opt
            );
            prop_assert!(p.check(&os.chosen).is_ok());
            prop_assert!(os.value <= opt + 1e-9);
        }
        Ok(())
    }

    /// The brute-force comparison above can fail: charging every rule its protector's full
    /// `δ_p` (without sharing it among the rules the protector serves) gives bounds below
    /// the optimum on some layered instances.
    #[test]
    fn charging_shared_protectors_in_full_is_caught() {
        let limits = ExactLimits {
            max_nodes: 1,
            ..PROOF_LIMITS
        };
        super::UNSHARED.with(|u| u.set(true));
        let mut wrong = 0;
        for seed in 0..400u64 {
            let p = layered(seed, seed % 2 == 0, seed % 3 == 0);
            if p.check(&[]).is_err() {
                continue;
            }
            let opt = brute_force_optimum(&p);
            let o = branch_and_bound(&p, &[], p.evaluate(&[]), limits);
            if o.root_bound < opt - 1e-6 {
                wrong += 1;
            }
        }
        super::UNSHARED.with(|u| u.set(false));
        assert!(wrong > 0, "no invalid bound detected");
    }
}
