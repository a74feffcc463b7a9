//! The fast engine: the same simulation as [`super::reference`], bit for bit, with the work
//! that does not depend on the random draws done once per call and the rest kept flat.
//!
//! # The same pops in the same order
//!
//! The reference engine keeps one binary heap of candidate pairs keyed by (epoch, −gain,
//! threat, unit, slot): the first slot of every (threat, unit) run, the next slot of a run
//! being pushed when the previous one is popped (unless its threat is known dead). This engine
//! pops the same slots in the same order with a **calendar queue**: one bucket per decision
//! epoch of the replication (a linked list in flat arrays), and a small heap for the epoch
//! being played. The epoch is the leading part of the key, so playing the buckets in turn,
//! each in key order, is the heap's order, provided a successor is never pushed into an epoch
//! already played: launches must not decrease along a run. [`Prep::new`] checks that (true of
//! every model [`RaidModel::new`] builds: each engagement of a unit starts after its previous
//! intercept) and returns `None` otherwise, and the caller then runs the reference engine. A
//! successor in the epoch being played goes into its heap, as it would into the reference
//! engine's. Within an epoch the key is a single `u64`: rank of the gain among all the
//! model's gains, threat, position of the slot in (unit, slot) order.
//!
//! # What else is precomputed
//!
//! Per route type, once per call: the slots that can ever be popped (active units, reachable
//! runs) in (unit, slot) order as flat arrays (launch, intercept, kill probability, shots,
//! unit, the kill draw's slot key, the low key), the heads of the runs, the range of launch
//! times. Per replication: the hash of (seed, replication) once and of each threat once (the
//! reference engine rehashes the whole key chain at every draw), and scratch buffers reused
//! across the replications of a rayon task. A replication whose epochs span more than
//! [`MAX_SPAN`] buckets (a tiny decision interval) is played by the reference engine.

use super::super::{Arrival, RaidModel};
use super::{mix, reference, unif, Acc, Inputs, FIX, TAG_ALT, TAG_ARRIVAL, TAG_KILL, TAG_TARGET};
use rayon::prelude::*;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Multiplier of the threat index in the draw key (as [`super::key`]).
const THREAT_MUL: u64 = 0xD6E8_FEB8_6659_FD93;
/// Multiplier of the slot ordinal in the kill draw's key (as the reference engine).
const ORDINAL_MUL: u64 = 0xA076_1D64_78BD_642F;
/// Replications per rayon task at least (scratch buffers and sums are per task).
const MIN_TASK: usize = 16;
/// Most epoch buckets of one replication; beyond, the reference engine plays it.
pub(super) const MAX_SPAN: u64 = 1 << 18;
/// End of a bucket's list.
const NIL: u32 = u32::MAX;

/// Bits needed to write `n`.
fn bits(n: u64) -> u32 {
    64 - n.leading_zeros()
}

/// The decision epoch of a launch time, as the reference engine's key clamps it.
#[inline]
fn epoch(t: f64, interval: f64) -> i64 {
    ((t / interval).floor() as i64).clamp(i64::from(i32::MIN), i64::from(i32::MAX))
}

/// What does not depend on the draws: the slots of every route type, flat.
pub(super) struct Prep {
    /// Route `r`'s slots are `start[r]..start[r + 1]`.
    start: Vec<usize>,
    launch: Vec<f64>,
    intercept: Vec<f64>,
    p_kill: Vec<f64>,
    /// The kill draw's slot key: unit key ^ ordinal × [`ORDINAL_MUL`].
    kill_key: Vec<u64>,
    unit: Vec<u32>,
    shots: Vec<u32>,
    /// `gain rank << (threat_bits + pos_bits) | position`.
    low: Vec<u64>,
    /// Slot `j + 1` is the next slot of `j`'s run.
    has_next: Vec<bool>,
    /// Route `r`'s run heads are `heads[head_start[r]..head_start[r + 1]]`.
    head_start: Vec<usize>,
    heads: Vec<u32>,
    /// Earliest and latest launch of route `r`'s slots.
    launch_range: Vec<[f64; 2]>,
    pos_bits: u32,
    threat_bits: u32,
    ready: Vec<u32>,
    reload_time: Vec<f64>,
    class: Vec<usize>,
}

impl Prep {
    /// The prepared slots of `model` for the inputs; `None` when launches decrease along a
    /// run, the keys do not fit 64 bits or the model's indices disagree (never for a model of
    /// [`RaidModel::new`]).
    pub(super) fn new(model: &RaidModel, inp: &Inputs<'_>) -> Option<Prep> {
        let n_units = model.units.len();
        let on = |u: u32| {
            inp.active
                .map_or(true, |a| a.get(u as usize).copied().unwrap_or(false))
        };
        // the gain of a slot needs the route's asset and threat to be those it is indexed by
        let mut vw = vec![None; model.routes.len()];
        for (&(_, threat), per_asset) in &model.route_index {
            for (asset, rs) in per_asset.iter().enumerate() {
                for &r in rs {
                    let rt = model.routes.get(r as usize)?;
                    if rt.asset != asset || rt.threat.0 != threat {
                        return None;
                    }
                    let v = model.asset_values.get(asset)? * model.threat_weights.get(threat)?;
                    vw[r as usize] = Some(v);
                }
            }
        }
        if model
            .units
            .iter()
            .any(|u| u.class.0 >= model.class_ids.len())
        {
            return None;
        }
        let gain_bits = |v: f64, p: f64| (v * p).max(0.0).to_bits();
        let mut start = Vec::with_capacity(model.routes.len() + 1);
        let mut keep: Vec<(usize, usize)> = Vec::new(); // (route, slot)
        let mut gains: Vec<u64> = Vec::new();
        let mut reach: Vec<bool> = Vec::new();
        let mut max_pos = 0usize;
        for (r, rt) in model.routes.iter().enumerate() {
            start.push(keep.len());
            let Some(v) = vw[r] else { continue };
            let slots = &rt.slots;
            reach.clear();
            for (si, s) in slots.iter().enumerate() {
                if s.unit as usize >= n_units || s.launch_s.is_nan() {
                    return None;
                }
                let from_prev = si > 0 && {
                    let p = &slots[si - 1];
                    reach[si - 1] && p.unit == s.unit && p.ordinal.checked_add(1) == Some(s.ordinal)
                };
                reach.push(from_prev || (s.ordinal == 0 && on(s.unit)));
                if from_prev {
                    let earlier = matches!(
                        s.launch_s.partial_cmp(&slots[si - 1].launch_s),
                        None | Some(std::cmp::Ordering::Less)
                    );
                    if earlier {
                        return None;
                    }
                }
            }
            let first = keep.len();
            keep.extend((0..slots.len()).filter(|&si| reach[si]).map(|si| (r, si)));
            keep[first..].sort_by_key(|&(_, si)| (slots[si].unit, si));
            max_pos = max_pos.max(keep.len() - first);
            gains.extend(
                keep[first..]
                    .iter()
                    .map(|&(_, si)| gain_bits(v, slots[si].p_kill)),
            );
        }
        start.push(keep.len());
        // gain ranks: 0 for the largest
        gains.sort_unstable_by(|a, b| b.cmp(a));
        gains.dedup();
        let pos_bits = bits(max_pos as u64);
        let threat_bits = bits(u64::from(inp.size));
        if pos_bits + threat_bits + bits(gains.len() as u64) > 64 {
            return None;
        }
        let n = keep.len();
        let mut p = Prep {
            start,
            launch: Vec::with_capacity(n),
            intercept: Vec::with_capacity(n),
            p_kill: Vec::with_capacity(n),
            kill_key: Vec::with_capacity(n),
            unit: Vec::with_capacity(n),
            shots: Vec::with_capacity(n),
            low: Vec::with_capacity(n),
            has_next: Vec::with_capacity(n),
            head_start: Vec::with_capacity(model.routes.len() + 1),
            heads: Vec::new(),
            launch_range: vec![[f64::INFINITY, f64::NEG_INFINITY]; model.routes.len()],
            pos_bits,
            threat_bits,
            ready: model.units.iter().map(|u| u.ready_rounds).collect(),
            reload_time: model.units.iter().map(|u| u.reload_time_s).collect(),
            class: model.units.iter().map(|u| u.class.0).collect(),
        };
        for (r, (rt, &v)) in model.routes.iter().zip(&vw).enumerate() {
            p.head_start.push(p.heads.len());
            let slots = &rt.slots;
            let range = p.start[r]..p.start[r + 1];
            for (j, &(_, si)) in keep[range.clone()]
                .iter()
                .enumerate()
                .map(|(k, x)| (k + range.start, x))
            {
                let s = &slots[si];
                let v = v?;
                let g = gain_bits(v, s.p_kill);
                let rank = gains.partition_point(|&x| x > g) as u64;
                let pos = (j - range.start) as u64;
                if s.ordinal == 0 {
                    p.heads.push(j as u32);
                }
                let lr = &mut p.launch_range[r];
                lr[0] = lr[0].min(s.launch_s);
                lr[1] = lr[1].max(s.launch_s);
                p.launch.push(s.launch_s);
                p.intercept.push(s.intercept_s);
                p.p_kill.push(s.p_kill);
                p.kill_key.push(
                    model.units[s.unit as usize].key
                        ^ u64::from(s.ordinal).wrapping_mul(ORDINAL_MUL),
                );
                p.unit.push(s.unit);
                p.shots.push(s.shots);
                p.low.push((rank << (threat_bits + pos_bits)) | pos);
                let next = keep.get(j + 1).filter(|_| j + 1 < range.end);
                p.has_next.push(next.is_some_and(|&(_, sj)| {
                    sj == si + 1 && slots[sj].unit == s.unit && slots[sj].ordinal == s.ordinal + 1
                }));
            }
        }
        p.head_start.push(p.heads.len());
        if u32::try_from(p.launch.len()).is_err() {
            return None;
        }
        Some(p)
    }
}

/// Per-task scratch buffers, reused by every replication of the task.
#[derive(Default)]
struct Scratch {
    /// Per threat: route (`u32::MAX`: none), offset, kill-draw hash, value weight, the
    /// (asset, threat) cell and the asset.
    route: Vec<u32>,
    offset: Vec<f64>,
    kill_h: Vec<u64>,
    vw: Vec<f64>,
    cell: Vec<u32>,
    asset: Vec<u32>,
    dead_at: Vec<f64>,
    /// Calendar queue: first node of each epoch's bucket; per node its key and next node.
    bucket: Vec<u32>,
    node_key: Vec<u64>,
    node_next: Vec<u32>,
    /// The epoch being played.
    current: BinaryHeap<Reverse<u64>>,
    /// Per unit.
    rounds: Vec<u32>,
    reload_at: Vec<f64>,
    reloads_left: Vec<u32>,
    busy: Vec<f64>,
    leak_at: Vec<u32>,
    leak_a: Vec<u32>,
    /// The reference engine's buffers, for a replication with too many epochs.
    reference: Option<Box<reference::Scratch>>,
}

impl Scratch {
    /// Files slot key `key` in the bucket of epoch `b`.
    #[inline]
    fn file(&mut self, b: usize, key: u64) {
        let n = self.node_key.len() as u32;
        self.node_key.push(key);
        self.node_next.push(self.bucket[b]);
        self.bucket[b] = n;
    }
}

/// All replications of the fast engine, summed.
pub(super) fn run(model: &RaidModel, inp: &Inputs<'_>, prep: &Prep) -> Acc {
    let n_assets = model.asset_values.len();
    let n_threats = model.threat_ids.len();
    let n_classes = model.class_ids.len();
    let h_seed = mix(inp.opts.seed);
    (0..inp.opts.replications)
        .into_par_iter()
        .with_min_len(MIN_TASK)
        .fold(
            || (Acc::new(n_assets, n_threats, n_classes), Scratch::default()),
            |(mut acc, mut sc), rep| {
                replicate(model, inp, prep, h_seed, rep, &mut acc, &mut sc);
                (acc, sc)
            },
        )
        .map(|(a, _)| a)
        .reduce(
            || Acc::new(n_assets, n_threats, n_classes),
            |a, b| a.add(&b),
        )
}

/// The threats of one replication: target, route, offset and hashes.
fn draw_flights(model: &RaidModel, inp: &Inputs<'_>, h_rep: u64, sc: &mut Scratch) {
    let n_threats = model.threat_ids.len();
    let n_assets = model.asset_values.len();
    let raid = inp.raid;
    sc.route.clear();
    sc.offset.clear();
    sc.kill_h.clear();
    sc.vw.clear();
    sc.cell.clear();
    sc.asset.clear();
    let mut i: u64 = 0;
    for w in &inp.waves {
        for _ in 0..w.count {
            let h = mix(h_rep ^ i.wrapping_mul(THREAT_MUL));
            let draw = |tag: u64| unif(mix(mix(h ^ tag)));
            let asset = match w.target {
                Some(a) => a,
                None => {
                    let u = draw(TAG_TARGET);
                    inp.cum
                        .partition_point(|&c| c <= u)
                        .min(n_assets.saturating_sub(1))
                }
            };
            let alts = w.routes.get(asset).map_or(&[][..], |v| &v[..]);
            let ai = if alts.len() > 1 {
                ((draw(TAG_ALT) * alts.len() as f64) as usize).min(alts.len() - 1)
            } else {
                0
            };
            let arrival = match raid.arrival {
                Arrival::Uniform => raid.window_s * draw(TAG_ARRIVAL),
                Arrival::Even => raid.window_s * (i as f64 + 0.5) / f64::from(inp.size.max(1)),
            };
            let (route, offset) = match alts.get(ai) {
                Some(&r) => (r, arrival - model.routes[r as usize].time_to_impact_s),
                None => (u32::MAX, arrival),
            };
            sc.route.push(route);
            sc.offset.push(offset);
            sc.kill_h.push(mix(h ^ TAG_KILL));
            sc.vw
                .push(model.asset_values[asset] * model.threat_weights[w.threat.0]);
            sc.cell.push((asset * n_threats + w.threat.0) as u32);
            sc.asset.push(asset as u32);
            i += 1;
        }
    }
}

fn replicate(
    model: &RaidModel,
    inp: &Inputs<'_>,
    prep: &Prep,
    h_seed: u64,
    rep: u32,
    acc: &mut Acc,
    sc: &mut Scratch,
) {
    let opts = inp.opts;
    let interval = opts.decision_interval_s;
    let h_rep = mix(h_seed ^ u64::from(rep));
    draw_flights(model, inp, h_rep, sc);
    // the replication's epochs (launches are monotone in the offset, epochs in the launch)
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    for (&r, &off) in sc.route.iter().zip(&sc.offset) {
        let Some(&[a, b]) = prep.launch_range.get(r as usize) else {
            continue;
        };
        if a <= b {
            lo = lo.min(epoch(off + a, interval));
            hi = hi.max(epoch(off + b, interval));
        }
    }
    let span = if lo <= hi { (hi - lo) as u64 + 1 } else { 0 };
    if span > MAX_SPAN {
        let rs = sc.reference.get_or_insert_with(Box::default);
        reference::replicate(
            model, &inp.waves, inp.raid, opts, inp.active, &inp.cum, inp.size, opts.seed, rep, acc,
            rs,
        );
        return;
    }
    let nu = model.units.len();
    let ch = opts.fire_channels as usize;
    sc.dead_at.clear();
    sc.dead_at.resize(sc.route.len(), f64::INFINITY);
    sc.rounds.clear();
    sc.rounds.extend_from_slice(&prep.ready);
    sc.reload_at.clear();
    sc.reload_at.resize(nu, f64::INFINITY);
    sc.reloads_left.clear();
    sc.reloads_left.resize(nu, opts.reloads.unwrap_or(u32::MAX));
    sc.busy.clear();
    sc.busy.resize(nu * ch, f64::NEG_INFINITY);
    // file the heads of every run
    sc.bucket.clear();
    sc.bucket.resize(span as usize, NIL);
    sc.node_key.clear();
    sc.node_next.clear();
    for ti in 0..sc.route.len() {
        let r = sc.route[ti] as usize;
        let Some(hs) = prep.head_start.get(r..r + 2) else {
            continue;
        };
        let (off, tk) = (sc.offset[ti], (ti as u64) << prep.pos_bits);
        for &j in &prep.heads[hs[0]..hs[1]] {
            let j = j as usize;
            let b = (epoch(off + prep.launch[j], interval) - lo) as usize;
            sc.file(b, prep.low[j] | tk);
        }
    }
    let pos_mask = (1u64 << prep.pos_bits) - 1;
    let t_mask = (1u64 << prep.threat_bits) - 1;
    for b in 0..span as usize {
        let mut n = sc.bucket[b];
        if n == NIL {
            continue;
        }
        sc.current.clear();
        while n != NIL {
            sc.current.push(Reverse(sc.node_key[n as usize]));
            n = sc.node_next[n as usize];
        }
        while let Some(Reverse(key)) = sc.current.pop() {
            let ti = ((key >> prep.pos_bits) & t_mask) as usize;
            let off = sc.offset[ti];
            let j = prep.start[sc.route[ti] as usize] + (key & pos_mask) as usize;
            let t = off + prep.launch[j];
            if sc.dead_at[ti] <= t {
                continue;
            }
            if prep.has_next[j] {
                let next = prep.low[j + 1] | ((ti as u64) << prep.pos_bits);
                let bn = (epoch(off + prep.launch[j + 1], interval) - lo) as usize;
                if bn == b {
                    sc.current.push(Reverse(next));
                } else {
                    sc.file(bn, next);
                }
            }
            let u = prep.unit[j] as usize;
            let shots = prep.shots[j];
            if sc.rounds[u] < shots {
                if sc.reload_at[u] <= t {
                    sc.rounds[u] = prep.ready[u];
                    sc.reload_at[u] = f64::INFINITY;
                }
                if sc.rounds[u] < shots {
                    continue;
                }
            }
            let busy = &mut sc.busy[u * ch..(u + 1) * ch];
            let Some(c) = busy.iter().position(|&x| x <= t) else {
                continue;
            };
            let intercept = off + prep.intercept[j];
            busy[c] = intercept;
            sc.rounds[u] -= shots;
            acc.rounds[prep.class[u]] += u64::from(shots);
            if sc.rounds[u] < shots && sc.reload_at[u].is_infinite() && sc.reloads_left[u] > 0 {
                sc.reloads_left[u] -= 1;
                sc.reload_at[u] = t + prep.reload_time[u];
            }
            let h = mix(sc.kill_h[ti] ^ prep.kill_key[j]);
            if unif(h) < prep.p_kill[j] && intercept < sc.dead_at[ti] {
                sc.dead_at[ti] = intercept;
            }
        }
    }
    tally(model, acc, sc);
}

/// Adds the replication's leakers to the sums.
fn tally(model: &RaidModel, acc: &mut Acc, sc: &mut Scratch) {
    let n_threats = model.threat_ids.len();
    let n_assets = model.asset_values.len();
    sc.leak_at.clear();
    sc.leak_at.resize(n_assets * n_threats, 0);
    sc.leak_a.clear();
    sc.leak_a.resize(n_assets, 0);
    let mut total = 0u64;
    let mut weighted = 0u128;
    for ti in 0..sc.route.len() {
        let k = sc.cell[ti] as usize;
        acc.aimed[k] += 1;
        if sc.dead_at[ti].is_infinite() {
            sc.leak_at[k] += 1;
            sc.leak_a[sc.asset[ti] as usize] += 1;
            total += 1;
            weighted += (sc.vw[ti] * FIX).round() as u128;
        }
    }
    for (k, &l) in sc.leak_at.iter().enumerate() {
        acc.leak[k] += u64::from(l);
        acc.leak_sq[k] += u64::from(l) * u64::from(l);
    }
    for (a, &l) in sc.leak_a.iter().enumerate() {
        acc.asset_leak[a] += u64::from(l);
        acc.asset_leak_sq[a] += u64::from(l) * u64::from(l);
        acc.asset_hit[a] += u64::from(l > 0);
    }
    acc.total += total;
    acc.total_sq += total * total;
    acc.weighted += weighted;
    acc.weighted_sq += weighted.saturating_mul(weighted) / (FIX as u128);
}

#[cfg(test)]
mod tests {
    use super::super::{reference, resolve};
    use super::*;
    use crate::raid::{Raid, RaidOptions};
    use crate::{Scenario, Terrain};

    #[test]
    fn falls_back_to_the_reference_when_a_run_is_not_sorted() {
        let s = Scenario::builtin("kyiv").unwrap();
        let raid = Raid::from_scenario(&s, 4, 600.0).unwrap();
        let mut model = RaidModel::new(&s, s.sites(), &Terrain::Flat, &raid, None).unwrap();
        let opts = RaidOptions {
            replications: 64,
            seed: 3,
            ..RaidOptions::default()
        };
        let inp = resolve(&model, &raid, &opts, None).unwrap();
        let prep = Prep::new(&model, &inp).unwrap();
        assert_eq!(
            prep.launch.len(),
            model.routes.iter().map(|r| r.slots.len()).sum::<usize>()
        );
        let a = run(&model, &inp, &prep);
        let b = reference::run(&model, &inp);
        assert_eq!(a.leak, b.leak);
        assert_eq!(a.rounds, b.rounds);
        assert_eq!(a.weighted_sq, b.weighted_sq);
        // a later slot of a run with a larger kill probability than the one before: its key
        // is smaller, so in the same epoch it is played at once (as the reference's heap pops
        // it); with a 60 s epoch that happens
        let opts60 = RaidOptions {
            decision_interval_s: 60.0,
            ..opts.clone()
        };
        let (r, k) = model
            .routes
            .iter()
            .enumerate()
            .find_map(|(r, rt)| {
                (1..rt.slots.len())
                    .find(|&k| rt.slots[k].ordinal == rt.slots[k - 1].ordinal + 1)
                    .map(|k| (r, k))
            })
            .unwrap();
        let pk = model.routes[r].slots[k - 1].p_kill;
        model.routes[r].slots[k].p_kill = (pk + 1.0) / 2.0 + 1e-9;
        let inp = resolve(&model, &raid, &opts60, None).unwrap();
        let prep = Prep::new(&model, &inp).unwrap();
        let a = run(&model, &inp, &prep);
        let b = reference::run(&model, &inp);
        assert_eq!((a.leak, a.rounds), (b.leak, b.rounds));
        // a run whose launches go back in time breaks the calendar: the fast engine declines
        model.routes[r].slots[k].p_kill = pk;
        let launch = model.routes[r].slots[k].launch_s;
        model.routes[r].slots[k].launch_s = model.routes[r].slots[k - 1].launch_s - 1.0;
        let inp = resolve(&model, &raid, &opts, None).unwrap();
        assert!(Prep::new(&model, &inp).is_none());
        model.routes[r].slots[k].launch_s = launch;
        // and an unreachable slot (broken run) is left out, as the reference never pops it
        model.routes[r].slots[k].ordinal += 5;
        let inp = resolve(&model, &raid, &opts, None).unwrap();
        let prep = Prep::new(&model, &inp).unwrap();
        assert!(prep.launch.len() < model.routes.iter().map(|r| r.slots.len()).sum::<usize>());
        let a = run(&model, &inp, &prep);
        let b = reference::run(&model, &inp);
        assert_eq!((a.leak, a.rounds), (b.leak, b.rounds));
    }

    #[test]
    fn too_many_epochs_are_played_by_the_reference() {
        let s = Scenario::builtin("odesa").unwrap();
        let raid = Raid::from_scenario(&s, 3, 600.0).unwrap();
        let model = RaidModel::new(&s, s.sites(), &Terrain::Flat, &raid, None).unwrap();
        let opts = RaidOptions {
            replications: 40,
            decision_interval_s: 1e-3,
            ..RaidOptions::default()
        };
        let inp = resolve(&model, &raid, &opts, None).unwrap();
        let prep = Prep::new(&model, &inp).unwrap();
        let mut sc = Scratch::default();
        let mut a = Acc::new(
            model.asset_values.len(),
            model.threat_ids.len(),
            model.class_ids.len(),
        );
        replicate(&model, &inp, &prep, mix(opts.seed), 0, &mut a, &mut sc);
        assert!(sc.reference.is_some(), "span beyond {MAX_SPAN} epochs");
        let a = run(&model, &inp, &prep);
        let b = reference::run(&model, &inp);
        assert_eq!(
            (a.leak, a.rounds, a.weighted),
            (b.leak, b.rounds, b.weighted)
        );
    }
}
