//! Best-bound search order of the branch-and-bound.
//!
//! Open nodes wait in a pool ordered by their parent's bound (largest first; ties: the node
//! created first). A node stores its fixings (every candidate forced in or out along its path,
//! branching and reduced-cost fixings alike, one `u32` each) and a shared `f32` copy of its
//! parent's multipliers as the warm start of its subgradient (any multipliers give a valid
//! bound after clamping, so the rounding costs no validity). Popping a node re-applies its
//! fixings to the root state, bounds it, and pushes its two children.
//!
//! With the optimum already the incumbent, every order explores the same nodes (those whose
//! bound beats the incumbent); best-bound makes the bound of a search cut short the largest
//! bound of the open nodes, which falls as the search goes on, whereas depth first keeps the
//! root's bound until the root's last child is opened.
//!
//! Memory: when the stored multiplier values would exceed a cap, the remaining nodes are
//! explored depth first (in best-bound order of their roots), which stores one multiplier
//! vector per level only; the outcome reports it.

use super::{Bnb, Step, FREE, IN, OUT};
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

/// Largest number of multiplier values (`f32`) the open-node pool stores (400 MB).
pub(super) const MAX_OPEN_VALUES: u64 = 100_000_000;

/// An open node.
struct Open {
    /// The parent's bound (valid for the node).
    bound: f64,
    /// Creation order (ties).
    seq: u64,
    depth: u64,
    /// Fixings: `c << 1 | 1` forced in, `c << 1` forced out, in the order applied.
    fixings: Vec<u32>,
    /// The parent's multipliers.
    lam: Arc<Vec<f32>>,
    /// The parent's last fractional plan of its LP pass ([`super::lp_pass`]), if it ran one.
    x: Option<Arc<Vec<f32>>>,
    theta: f64,
}

impl PartialEq for Open {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Open {}
impl PartialOrd for Open {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Open {
    fn cmp(&self, other: &Self) -> Ordering {
        self.bound
            .total_cmp(&other.bound)
            .then(other.seq.cmp(&self.seq))
    }
}

/// Bounds of the children "`j` in" and "`j` out" of the current node from the Lagrangian at
/// its final multipliers (`at_lam`, scores in [`Bnb::big`]): the same multipliers with `j`
/// forced in or out only change the top set of `j`'s group. A small margin covers the
/// different summation order.
fn child_bounds(b: &Bnb<'_>, j: usize, at_lam: f64) -> (f64, f64) {
    if b.side.structured_now {
        // the rule-aware bound ([`super::rules`]): the children inherit the parent's
        let l = at_lam + 1e-9 * at_lam.abs().max(1.0);
        return (l, l);
    }
    let g = b.p.groups[j] as usize;
    let cap = b.cap_left(g) as usize;
    let mut others: Vec<f64> = b.members[g]
        .iter()
        .map(|&c| c as usize)
        .filter(|&c| c != j && b.status[c] == FREE && b.big[c] > 0.0)
        .map(|c| b.big[c])
        .collect();
    others.sort_unstable_by(|a, c| c.total_cmp(a));
    let top = |n: usize| -> f64 { others.iter().take(n).sum() };
    let sj = b.big[j];
    // the parent's top set: the `cap` largest positive scores including `j`'s
    let k = others.iter().take_while(|&&v| v >= sj).count();
    let parent = if sj > 0.0 && k < cap {
        top(cap - 1) + sj
    } else {
        top(cap)
    };
    let forced_in = if cap == 0 {
        f64::INFINITY
    } else {
        sj + top(cap - 1)
    };
    let forced_out = top(cap);
    let margin = 1e-9 * at_lam.abs().max(1.0);
    (
        at_lam - parent + forced_in + margin,
        at_lam - parent + forced_out + margin,
    )
}

/// Best-bound branch-and-bound from the root with multipliers `lam`; returns `Some(n)` when
/// the pool's memory cap made it go on depth first after `n` nodes.
pub(super) fn best_first(b: &mut Bnb<'_>, mut lam: Vec<f64>, max_open_values: u64) -> Option<u64> {
    let nu = lam.len() as u64;

    let mut log: Vec<usize> = Vec::new();
    let mut pool: BinaryHeap<Open> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut fallback: Option<u64> = None;
    // the root, then every popped node: bound it and push its children
    let mut current: Option<Open> = None;
    loop {
        let (depth, theta_in, root) = match &current {
            None => (0, 1.0, true),
            Some(o) => (o.depth, o.theta, false),
        };
        b.depth = depth;
        let step = b.process(&mut lam, theta_in, root, &mut log);
        match step {
            Step::Closed => b.close(),
            Step::Branch {
                j,
                bound,
                at_lam,
                theta,
            } => {
                let (bound_in, bound_out) = child_bounds(b, j, at_lam);
                if b.out_of_limits() {
                    b.open_max = b.open_max.max(bound);
                } else {
                    let fixings: Vec<u32> = log
                        .iter()
                        .map(|&c| ((c as u32) << 1) | u32::from(b.status[c] == IN))
                        .collect();
                    let shared: Arc<Vec<f32>> = Arc::new(lam.iter().map(|&v| v as f32).collect());
                    let x = b
                        .lp_pass_ran
                        .then(|| Arc::new(b.lp_x.iter().map(|&v| v as f32).collect()));
                    for dir in [IN, OUT] {
                        let mut f = fixings.clone();
                        f.push(((j as u32) << 1) | u32::from(dir == IN));
                        seq += 1;
                        let child = if dir == IN { bound_in } else { bound_out };
                        pool.push(Open {
                            bound: bound.min(child),
                            seq,
                            depth: depth + 1,
                            fixings: f,
                            lam: Arc::clone(&shared),
                            x: x.clone(),
                            theta: (theta * 2.0).min(0.5),
                        });
                    }
                }
            }
        }
        b.undo(&mut log);
        // the next open node that can still beat the incumbent
        current = None;
        while let Some(o) = pool.pop() {
            if o.bound < b.threshold() {
                b.depth = o.depth;
                b.close();
                continue;
            }
            if b.out_of_limits() {
                b.open_max = b.open_max.max(o.bound);
                pool.clear();
                break;
            }
            if fallback.is_none() && (pool.len() as u64 + 2) * nu > max_open_values {
                fallback = Some(b.nodes);
            }
            // the node's state: the root's plus its fixings
            for &f in &o.fixings {
                let s = if f & 1 == 1 { IN } else { OUT };
                b.set_status((f >> 1) as usize, s, &mut log);
            }
            lam.clear();
            lam.extend(o.lam.iter().map(|&v| f64::from(v)));
            if let Some(x) = &o.x {
                b.lp_x.clear();
                b.lp_x.extend(x.iter().map(|&v| f64::from(v)));
            }
            if fallback.is_some() {
                // memory cap reached: this subtree depth first (it records its open bound
                // itself when a limit stops it)
                b.depth = o.depth;
                b.node(&mut lam, o.theta, false);
                b.undo(&mut log);
                continue;
            }
            current = Some(o);
            break;
        }
        if current.is_none() {
            return fallback;
        }
    }
}
