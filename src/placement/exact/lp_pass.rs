//! Node bounds at the LP's level: a pass of restarted PDHG ([`crate::placement::bound::pdhg`])
//! on the node's LP after its subgradient pass.
//!
//! The subgradient method warm-started from the parent's multipliers stops 150–200 above the
//! node LP on `mclp_10k_1k` (the module docs of [`super`]); PDHG converges on LPs. At a node,
//! candidates forced in or out leave the LP (no rows, no group membership, `x = 0`), forced-in
//! coverage is the objective's constant and lowers each unit's missing depth, and each group
//! keeps the capacity the forced-in candidates leave. Every PDHG bound is `L(λ)` evaluated
//! exactly for its multipliers, so it is a valid node bound whatever the convergence; the pass
//! only replaces the node's multipliers when it found a lower bound.
//!
//! Only for models without side constraints ([`super::side`]): the budget, spacing conflicts
//! and support rules are not in PDHG's LP.

use super::{Bnb, FREE};
use crate::placement::bound::pdhg::{pdhg, LpModel};
use crate::placement::bound::Limits;

/// PDHG iterations of the root's first pass (from a cold primal start).
pub(super) const ROOT_ITERATIONS: u32 = 3_000;

/// PDHG iterations per node pass (warm: the parent's multipliers and fractional plan).
pub(super) const NODE_ITERATIONS: u32 = 100;

/// Subgradient iterations per node pass when an LP pass follows (at most the limits' own):
/// the pass only has to warm the multipliers, find Lagrangian plans and leave scores for the
/// fixing. Measured on `mclp_10k_1k` with 150 nodes (2026-12-01, load 4–5 on 2 cores): 60
/// iterations 31.4 / 35.1 s CPU for bounds 38 647.6 / 38 647.6; 20 iterations 25.9 s for
/// 38 648.9; 10 iterations 24.0 s for 38 651.1.
pub(super) const NODE_SUBGRADIENT_ITERATIONS: u32 = 20;

/// Subgradient iterations of a node pass: `node_iterations`, fewer when an LP pass follows.
pub(super) fn subgradient_iterations(b: &Bnb<'_>, node_iterations: u32) -> u32 {
    if b.side.plain {
        node_iterations.min(NODE_SUBGRADIENT_ITERATIONS)
    } else {
        node_iterations
    }
}

/// Runs `iterations` of PDHG on the current node from `lam` (bound `l`, from the subgradient)
/// and the parent's fractional plan; when it finds a lower bound, `lam` takes its multipliers.
/// Returns the node's bound (at most `l`). Does nothing on models with side constraints or a
/// node already pruned by `l`.
pub(super) fn tighten(b: &mut Bnb<'_>, lam: &mut [f64], l: f64, iterations: u32) -> f64 {
    if iterations == 0 || !b.side.plain || b.side.structured_now || l < b.threshold() {
        return l;
    }
    let nu = b.cu.len();
    let (mut cu, mut ru) = (vec![0.0; nu], vec![0.0; nu]);
    for u in 0..nu {
        if b.active(u) {
            cu[u] = b.cu[u];
            ru[u] = f64::from(b.ru[u] - b.cover_in[u]);
        }
    }
    let caps: Vec<u32> = (0..b.p.capacities.len()).map(|g| b.cap_left(g)).collect();
    // in the node's LP: free candidates of groups with capacity left
    let in_lp: Vec<bool> = (0..b.status.len())
        .map(|c| b.status[c] == FREE && caps[b.p.groups[c] as usize] > 0)
        .collect();
    let members: Vec<Vec<u32>> = b
        .members
        .iter()
        .map(|mem| mem.iter().copied().filter(|&c| in_lp[c as usize]).collect())
        .collect();
    let mut x0 = b.lp_x.clone();
    for (x, &inside) in x0.iter_mut().zip(&in_lp) {
        if !inside {
            *x = 0.0;
        }
    }
    let m = &b.p.matrix;
    let trans = &b.trans;
    let rows = |c: usize| -> &[u32] {
        if in_lp[c] {
            m.units_of(c)
        } else {
            &[]
        }
    };
    let lp = LpModel {
        p: b.p,
        rows,
        cands: |u: usize| trans.of(u),
        caps: &caps,
        cu: &cu,
        ru: &ru,
        constant: b.value_in,
        members: &members,
        parallel: m.nnz() >= super::PARALLEL_MIN_NNZ,
    };
    let limits = Limits::new(iterations, b.limits.deadline);
    let lower = b.threshold() - 1e-6 * b.threshold().abs().max(1.0);
    let o = pdhg(&lp, &x0, lam, limits, lower);
    b.lp_x = o.x;
    b.lp_pass_ran = true;
    if o.bound < l && o.lambda.len() == nu {
        lam.copy_from_slice(&o.lambda);
        return o.bound;
    }
    l
}

/// The free candidate of most fractional LP value (closest to 1/2) when this node ran an LP
/// pass and some value is fractional.
pub(super) fn branch(b: &Bnb<'_>) -> Option<usize> {
    if !b.lp_pass_ran {
        return None;
    }
    let mut best: Option<(f64, usize)> = None;
    for (c, &x) in b.lp_x.iter().enumerate() {
        if b.status[c] != FREE || b.cap_left(b.p.groups[c] as usize) == 0 {
            continue;
        }
        let f = x.min(1.0 - x);
        if f > 1e-3 && best.map_or(true, |(bf, _)| f > bf) {
            best = Some((f, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::exact::{ExactLimits, IN, OUT};
    use crate::placement::objective::{exact_lp, random_problem, RandomShape};
    use proptest::prelude::*;

    fn shape() -> RandomShape {
        RandomShape {
            units: (6, 24),
            candidates: (4, 12),
            weight: (1, 7),
            set_size: (1, 6),
            depth: (1, 3),
            initial_one_in: 3,
            sites: (1, 3),
            capacities: [(1, 3), (1, 3)],
            cost: (1, 1),
            budget: (1, 1),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        /// At a node with random fixings, every LP pass's bound is at least the node's exact
        /// LP (so a valid node bound) from any multipliers, and a long pass converges to it:
        /// the node's LP (rows, residual depths, capacities left) is built right.
        #[test]
        fn node_pass_brackets_the_node_lp(seed in 0u64..1_000_000, g: bool, d: bool,
                                          mask in 0u32..4096, iters in 1u32..200) {
            let p = random_problem(seed, &shape(), g, false, d);
            let limits = ExactLimits { max_nodes: 1, root_iterations: 0, node_iterations: 0, deadline: None };
            let mut b = Bnb::new(&p, limits, &[], f64::MIN);
            let mut log = Vec::new();
            let mut fixed = Vec::new();
            for c in 0..p.n_candidates() {
                let want_in = mask & (1 << (2 * (c % 6))) != 0;
                let want_out = mask & (1 << (2 * (c % 6) + 1)) != 0;
                if want_in && b.cap_left(p.groups[c] as usize) > 0 {
                    b.set_status(c, IN, &mut log);
                    fixed.push((c, true));
                } else if want_out {
                    b.set_status(c, OUT, &mut log);
                    fixed.push((c, false));
                }
            }
            let lp = exact_lp(&p, &fixed);
            let tol = 1e-6 * lp.abs().max(1.0);
            for its in [iters, 20_000] {
                let mut lam: Vec<f64> = (0..p.matrix.n_units()).map(|u| b.cu[u] * ((u % 3) as f64) / 2.0).collect();
                for (u, l) in lam.iter_mut().enumerate() {
                    if !b.active(u) {
                        *l = 0.0;
                    }
                }
                let bound = tighten(&mut b, &mut lam, f64::INFINITY, its);
                prop_assert!(bound >= lp - tol, "{its} iterations: bound {bound} below the node LP {lp}");
                if its == 20_000 {
                    prop_assert!(bound - lp <= 2e-3 * lp.abs().max(1.0), "bound {bound} far above the node LP {lp}");
                }
            }
        }
    }
}
