//! The plain reference engine: the first implementation of the simulator, kept unchanged as
//! the yardstick of the fast engine ([`super::fast`]). One binary heap of candidate
//! (threat, unit) pairs per replication, keys recomputed from scratch, every draw hashed from
//! the seed. Tests assert that both engines return bit-identical outcomes; the bench measures
//! both in the same run.

use super::super::wta::{epoch_of, key as key_of};
use super::super::{RaidModel, RaidOptions};
use super::{key, unif, Acc, Inputs, FIX, TAG_ALT, TAG_ARRIVAL, TAG_KILL, TAG_TARGET};
use rayon::prelude::*;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One threat of a replication.
#[derive(Debug, Clone, Copy)]
struct Flight {
    route: u32,
    offset: f64,
    vw: f64,
    asset: u32,
    threat: u32,
}

/// Per-replication scratch buffers.
#[derive(Default)]
pub(super) struct Scratch {
    flights: Vec<Flight>,
    dead_at: Vec<f64>,
    rounds: Vec<u32>,
    reload_at: Vec<f64>,
    reloads_left: Vec<u32>,
    busy: Vec<f64>,
    leak_at: Vec<u32>,
    leak_a: Vec<u32>,
    heap: BinaryHeap<Queued>,
    queue: Vec<Queued>,
}

/// A queued pair: its priority key (see [`key_of`]); the heap pops the smallest.
type Queued = Reverse<(u128, u64)>;

#[inline]
fn queued(model: &RaidModel, opts: &RaidOptions, f: &Flight, ti: usize, si: usize) -> Queued {
    let s = &model.routes[f.route as usize].slots[si];
    let launch = f.offset + s.launch_s;
    Reverse(key_of(
        epoch_of(launch, opts.decision_interval_s),
        f.vw * s.p_kill,
        ti as u32,
        s.unit,
        si as u32,
    ))
}

/// All replications of the reference engine, summed.
pub(super) fn run(model: &RaidModel, inp: &Inputs<'_>) -> Acc {
    let n_assets = model.asset_values.len();
    let n_threats = model.threat_ids.len();
    let n_classes = model.class_ids.len();
    let (raid, opts, active, cum, size) = (inp.raid, inp.opts, inp.active, &inp.cum[..], inp.size);
    let waves = &inp.waves[..];
    let seed = opts.seed;
    (0..opts.replications)
        .into_par_iter()
        .fold(
            || (Acc::new(n_assets, n_threats, n_classes), Scratch::default()),
            |(mut acc, mut sc), rep| {
                replicate(
                    model, waves, raid, opts, active, cum, size, seed, rep, &mut acc, &mut sc,
                );
                (acc, sc)
            },
        )
        .map(|(a, _)| a)
        .reduce(
            || Acc::new(n_assets, n_threats, n_classes),
            |a, b| a.add(&b),
        )
}

#[allow(clippy::too_many_arguments)]
pub(super) fn replicate(
    model: &RaidModel,
    waves: &[super::Wave<'_>],
    raid: &super::super::Raid,
    opts: &RaidOptions,
    active: Option<&[bool]>,
    cum: &[f64],
    size: u32,
    seed: u64,
    rep: u32,
    acc: &mut Acc,
    sc: &mut Scratch,
) {
    let rep = u64::from(rep);
    let n_threats = model.threat_ids.len();
    let n_assets = model.asset_values.len();
    sc.flights.clear();
    let mut i: u64 = 0;
    for w in waves {
        for _ in 0..w.count {
            let asset = match w.target {
                Some(a) => a,
                None => {
                    let u = unif(key(seed, rep, i, TAG_TARGET, 0));
                    cum.partition_point(|&c| c <= u).min(n_assets - 1)
                }
            };
            let alts = &w.routes[asset];
            let ai = if alts.len() > 1 {
                ((unif(key(seed, rep, i, TAG_ALT, 0)) * alts.len() as f64) as usize)
                    .min(alts.len() - 1)
            } else {
                0
            };
            let arrival = match raid.arrival {
                super::super::Arrival::Uniform => {
                    raid.window_s * unif(key(seed, rep, i, TAG_ARRIVAL, 0))
                }
                super::super::Arrival::Even => {
                    raid.window_s * (i as f64 + 0.5) / f64::from(size.max(1))
                }
            };
            let (route, offset) = match alts.get(ai) {
                Some(&r) => (r, arrival - model.routes[r as usize].time_to_impact_s),
                None => (u32::MAX, arrival),
            };
            sc.flights.push(Flight {
                route,
                offset,
                vw: model.asset_values[asset] * model.threat_weights[w.threat.0],
                asset: asset as u32,
                threat: w.threat.0 as u32,
            });
            i += 1;
        }
    }
    // candidate pairs: the first slot of every (threat, unit) run; the next slot of a run is
    // pushed when one is taken from the queue (it launches later, so in a later epoch)
    sc.heap.clear();
    sc.queue.clear();
    for (ti, f) in sc.flights.iter().enumerate() {
        let Some(r) = model.routes.get(f.route as usize) else {
            continue;
        };
        for (si, s) in r.slots.iter().enumerate() {
            if s.ordinal != 0 || active.is_some_and(|a| !a[s.unit as usize]) {
                continue;
            }
            sc.queue.push(queued(model, opts, f, ti, si));
        }
    }
    sc.heap = BinaryHeap::from(std::mem::take(&mut sc.queue));
    let nu = model.units.len();
    let ch = opts.fire_channels as usize;
    sc.dead_at.clear();
    sc.dead_at.resize(sc.flights.len(), f64::INFINITY);
    sc.rounds.clear();
    sc.rounds.extend(model.units.iter().map(|u| u.ready_rounds));
    sc.reload_at.clear();
    sc.reload_at.resize(nu, f64::INFINITY);
    sc.reloads_left.clear();
    sc.reloads_left.resize(nu, opts.reloads.unwrap_or(u32::MAX));
    sc.busy.clear();
    sc.busy.resize(nu * ch, f64::NEG_INFINITY);
    while let Some(Reverse((k, us))) = sc.heap.pop() {
        let ti = (k & u128::from(u32::MAX)) as usize;
        let slot = (us & u64::from(u32::MAX)) as usize;
        let f = sc.flights[ti];
        let slots = &model.routes[f.route as usize].slots;
        let s = &slots[slot];
        let t = f.offset + s.launch_s;
        if sc.dead_at[ti] <= t {
            continue;
        }
        let next = slot + 1;
        if next < slots.len() && slots[next].unit == s.unit && slots[next].ordinal == s.ordinal + 1
        {
            sc.heap.push(queued(model, opts, &f, ti, next));
        }
        let u = s.unit as usize;
        if sc.rounds[u] < s.shots {
            if sc.reload_at[u] <= t {
                sc.rounds[u] = model.units[u].ready_rounds;
                sc.reload_at[u] = f64::INFINITY;
            }
            if sc.rounds[u] < s.shots {
                continue;
            }
        }
        let Some(c) = (0..ch).find(|&c| sc.busy[u * ch + c] <= t) else {
            continue;
        };
        let intercept = f.offset + s.intercept_s;
        sc.busy[u * ch + c] = intercept;
        sc.rounds[u] -= s.shots;
        acc.rounds[model.units[u].class.0] += u64::from(s.shots);
        if sc.rounds[u] < s.shots && sc.reload_at[u].is_infinite() && sc.reloads_left[u] > 0 {
            sc.reloads_left[u] -= 1;
            sc.reload_at[u] = t + model.units[u].reload_time_s;
        }
        let h = key(
            seed,
            rep,
            ti as u64,
            TAG_KILL,
            model.units[u].key ^ u64::from(s.ordinal).wrapping_mul(0xA076_1D64_78BD_642F),
        );
        if unif(h) < s.p_kill && intercept < sc.dead_at[ti] {
            sc.dead_at[ti] = intercept;
        }
    }
    // tally
    sc.leak_at.clear();
    sc.leak_at.resize(n_assets * n_threats, 0);
    sc.leak_a.clear();
    sc.leak_a.resize(n_assets, 0);
    let mut total = 0u64;
    let mut weighted = 0u128;
    for (ti, f) in sc.flights.iter().enumerate() {
        let k = f.asset as usize * n_threats + f.threat as usize;
        acc.aimed[k] += 1;
        if sc.dead_at[ti].is_infinite() {
            sc.leak_at[k] += 1;
            sc.leak_a[f.asset as usize] += 1;
            total += 1;
            weighted += (f.vw * FIX).round() as u128;
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
