//! Best-bound search order of the branch-and-bound.
//!
//! Open nodes wait in a pool ordered by their parent's bound (largest first; ties: the node
//! created first). A node stores its fixings (every candidate forced in or out along its path,
//! branching and reduced-cost fixings alike, one `u32` each) and a shared `f32` copy of its
//! parent's multipliers as the warm start of its subgradient (any multipliers give a valid
//! bound after clamping, so the rounding costs no validity). Each round pops the [`BATCH`]
//! best nodes that can still beat the incumbent; each is bound on its own copy of the search
//! state (its fixings re-applied to the root state), in parallel; then the copies' incumbents
//! and counters are merged and the children pushed, in the order the nodes were popped.
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
use rayon::prelude::*;
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

/// Nodes bounded together in each round of the search (four: on two cores, two per thread,
/// which balances rounds whose nodes take unequal times). A fixed number, not the thread
/// count: the rounds, and so the search and its result, are the same on any number of threads
/// (with one thread the round's nodes are bounded one after the other).
pub(super) const BATCH: usize = 4;

/// A bounded node's two children, ready for the pool.
struct Children {
    /// What both children share: the node's bound, its fixings (the branching one not yet
    /// added), multipliers, fractional plan, the children's depth and step scale.
    proto: Open,
    /// Bounds of the children "`j` in" and "`j` out" ([`child_bounds`]).
    bound_in: f64,
    bound_out: f64,
    j: usize,
}

/// Bounds one node (`None`: the root, from `root_lam`) on the worker `w`, whose state is the
/// root's on entry and on return. Returns its children when it branches.
fn bound_node(w: &mut Bnb<'_>, node: Option<&Open>, root_lam: &[f64]) -> Option<Children> {
    let mut log: Vec<usize> = Vec::new();
    let (mut lam, depth, theta, root) = match node {
        None => (root_lam.to_vec(), 0, 1.0, true),
        Some(o) => {
            for &f in &o.fixings {
                let s = if f & 1 == 1 { IN } else { OUT };
                w.set_status((f >> 1) as usize, s, &mut log);
            }
            if let Some(x) = &o.x {
                w.lp_x.clear();
                w.lp_x.extend(x.iter().map(|&v| f64::from(v)));
            }
            let lam = o.lam.iter().map(|&v| f64::from(v)).collect();
            (lam, o.depth, o.theta, false)
        }
    };
    w.depth = depth;
    let children = match w.process(&mut lam, theta, root, &mut log) {
        Step::Closed => {
            w.close();
            None
        }
        Step::Branch {
            j,
            bound,
            at_lam,
            theta,
        } => {
            let (bound_in, bound_out) = child_bounds(w, j, at_lam);
            let fixings = log
                .iter()
                .map(|&c| ((c as u32) << 1) | u32::from(w.status[c] == IN))
                .collect();
            let proto = Open {
                bound,
                seq: 0,
                depth: depth + 1,
                fixings,
                lam: Arc::new(lam.iter().map(|&v| v as f32).collect()),
                x: w.lp_pass_ran
                    .then(|| Arc::new(w.lp_x.iter().map(|&v| v as f32).collect())),
                theta: (theta * 2.0).min(0.5),
            };
            Some(Children {
                proto,
                bound_in,
                bound_out,
                j,
            })
        }
    };
    w.undo(&mut log);
    children
}

/// Gives every extra worker the main state's incumbent and zero counters.
fn sync_workers(b: &Bnb<'_>, extra: &mut [Bnb<'_>]) {
    for w in extra {
        w.best_value = b.best_value;
        w.best_plan.clone_from(&b.best_plan);
        w.nodes = 0;
        w.iterations = 0;
        w.closed = 0.0;
        w.side.fallback = None;
    }
}

/// Adds the extra workers' counters to the main state and keeps the best incumbent (in worker
/// order: the same on any thread count).
fn merge_workers(b: &mut Bnb<'_>, extra: &[Bnb<'_>]) {
    for w in extra {
        b.nodes += w.nodes;
        b.iterations += w.iterations;
        b.closed += w.closed;
        if let Some(f) = w.side.fallback {
            let mine = b.side.fallback.get_or_insert(super::RulesFallback {
                needed: 0,
                evaluations: 0,
            });
            mine.needed = mine.needed.max(f.needed);
            mine.evaluations += f.evaluations;
        }
        if w.best_value > b.best_value + 1e-9 * b.best_value.abs().max(1.0) {
            b.best_value = w.best_value;
            b.best_plan.clone_from(&w.best_plan);
        }
    }
}

/// Pushes a bounded node's two children into the pool (or, when a limit has stopped the
/// search, records its bound as open).
fn push_children(b: &mut Bnb<'_>, pool: &mut BinaryHeap<Open>, seq: &mut u64, ch: Children) {
    let p = &ch.proto;
    if b.out_of_limits() {
        b.open_max = b.open_max.max(p.bound);
        return;
    }
    for dir in [IN, OUT] {
        let mut fixings = p.fixings.clone();
        fixings.push(((ch.j as u32) << 1) | u32::from(dir == IN));
        *seq += 1;
        let child = if dir == IN { ch.bound_in } else { ch.bound_out };
        pool.push(Open {
            bound: p.bound.min(child),
            seq: *seq,
            fixings,
            lam: Arc::clone(&p.lam),
            x: p.x.clone(),
            ..*p
        });
    }
}

/// Best-bound branch-and-bound from the root with multipliers `lam`; returns `Some(n)` when
/// the pool's memory cap made it go on depth first after `n` nodes.
///
/// Each round pops up to [`BATCH`] nodes that can still beat the incumbent and bounds them in
/// parallel, each on its own copy of the search state starting from the round's incumbent;
/// the copies' incumbents and counters are then merged in order and the children pushed in
/// order, so the search does not depend on the thread count.
pub(super) fn best_first(b: &mut Bnb<'_>, lam: Vec<f64>, max_open_values: u64) -> Option<u64> {
    let nu = lam.len() as u64;
    let mut extra: Vec<Bnb<'_>> = (1..BATCH).map(|_| b.clone()).collect();
    let mut pool: BinaryHeap<Open> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut fallback: Option<u64> = None;
    let mut batch: Vec<Option<Open>> = vec![None];
    loop {
        sync_workers(b, &mut extra);
        let done: Vec<Option<Children>> = {
            let mut workers: Vec<&mut Bnb<'_>> =
                std::iter::once(&mut *b).chain(extra.iter_mut()).collect();
            workers
                .par_iter_mut()
                .zip(batch.par_iter())
                .map(|(w, node)| bound_node(w, node.as_ref(), &lam))
                .collect()
        };
        merge_workers(b, &extra);
        for ch in done.into_iter().flatten() {
            push_children(b, &mut pool, &mut seq, ch);
        }
        batch.clear();
        // the next open nodes that can still beat the incumbent
        while batch.len() < BATCH {
            let Some(o) = pool.pop() else { break };
            if o.bound < b.threshold() {
                b.depth = o.depth;
                b.close();
                continue;
            }
            if b.nodes + batch.len() as u64 >= b.limits.max_nodes {
                // the round already holds the last nodes the limit allows
                b.stopped_by.get_or_insert(super::ExactStop::Nodes);
            }
            if b.out_of_limits() {
                b.open_max = b.open_max.max(o.bound);
                pool.clear();
                break;
            }
            if fallback.is_none() && (pool.len() as u64 + 2) * nu > max_open_values {
                fallback = Some(b.nodes);
            }
            if fallback.is_some() {
                // memory cap reached: this subtree depth first (it records its open bound
                // itself when a limit stops it)
                depth_first(b, &o);
                continue;
            }
            batch.push(Some(o));
        }
        if batch.is_empty() {
            return fallback;
        }
    }
}

/// Explores the open node `o` and its subtree depth first on the main state.
fn depth_first(b: &mut Bnb<'_>, o: &Open) {
    let mut log: Vec<usize> = Vec::new();
    for &f in &o.fixings {
        let s = if f & 1 == 1 { IN } else { OUT };
        b.set_status((f >> 1) as usize, s, &mut log);
    }
    let mut lam: Vec<f64> = o.lam.iter().map(|&v| f64::from(v)).collect();
    if let Some(x) = &o.x {
        b.lp_x.clear();
        b.lp_x.extend(x.iter().map(|&v| f64::from(v)));
    }
    b.depth = o.depth;
    b.node(&mut lam, o.theta, false);
    b.undo(&mut log);
}
