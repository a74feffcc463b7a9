//! The seeded Monte Carlo engine of [`simulate`].

use super::wta::{epoch_of, key as key_of};
use super::{
    nominal_threat_cost, AssetLeakers, AssetThreatLeakers, ClassSpend, Estimate, Raid, RaidModel,
    RaidOptions, RaidOutcome,
};
use crate::catalogue::{ClassId, ThreatId};
use crate::diagnostic::{codes as dcodes, Diagnostic};
use crate::error::{Error, Result};
use rayon::prelude::*;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// SplitMix64 finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
#[inline]
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A counter-based draw keyed by (seed, replication, threat, tag, extra).
#[inline]
fn key(seed: u64, rep: u64, threat: u64, tag: u64, extra: u64) -> u64 {
    let mut h = mix(seed);
    h = mix(h ^ rep);
    h = mix(h ^ threat.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    h = mix(h ^ tag);
    mix(h ^ extra)
}

/// A uniform draw in [0, 1) from 53 bits of `h`.
#[inline]
fn unif(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

const TAG_TARGET: u64 = 1;
const TAG_ALT: u64 = 2;
const TAG_ARRIVAL: u64 = 3;
const TAG_KILL: u64 = 4;
/// Fixed-point scale of value-weighted sums (integer sums are independent of thread order).
const FIX: f64 = (1u64 << 24) as f64;

/// One threat of a replication.
#[derive(Debug, Clone, Copy)]
struct Flight {
    route: u32,
    offset: f64,
    vw: f64,
    asset: u32,
    threat: u32,
}

/// A wave resolved against the model.
struct Wave<'m> {
    routes: &'m [Vec<u32>],
    target: Option<usize>,
    threat: ThreatId,
    count: u32,
}

#[derive(Clone)]
struct Acc {
    aimed: Vec<u64>,
    leak: Vec<u64>,
    leak_sq: Vec<u64>,
    asset_leak: Vec<u64>,
    asset_leak_sq: Vec<u64>,
    asset_hit: Vec<u64>,
    total: u64,
    total_sq: u64,
    weighted: u128,
    weighted_sq: u128,
    rounds: Vec<u64>,
}

impl Acc {
    fn new(n_assets: usize, n_threats: usize, n_classes: usize) -> Acc {
        let at = n_assets * n_threats;
        Acc {
            aimed: vec![0; at],
            leak: vec![0; at],
            leak_sq: vec![0; at],
            asset_leak: vec![0; n_assets],
            asset_leak_sq: vec![0; n_assets],
            asset_hit: vec![0; n_assets],
            total: 0,
            total_sq: 0,
            weighted: 0,
            weighted_sq: 0,
            rounds: vec![0; n_classes],
        }
    }
    fn add(mut self, o: &Acc) -> Acc {
        fn addv(a: &mut [u64], b: &[u64]) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        addv(&mut self.aimed, &o.aimed);
        addv(&mut self.leak, &o.leak);
        addv(&mut self.leak_sq, &o.leak_sq);
        addv(&mut self.asset_leak, &o.asset_leak);
        addv(&mut self.asset_leak_sq, &o.asset_leak_sq);
        addv(&mut self.asset_hit, &o.asset_hit);
        addv(&mut self.rounds, &o.rounds);
        self.total += o.total;
        self.total_sq += o.total_sq;
        self.weighted += o.weighted;
        self.weighted_sq += o.weighted_sq;
        self
    }
}

/// Per-replication scratch buffers.
#[derive(Default)]
struct Scratch {
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

/// A queued pair: its priority key (see [`key`]); the heap pops the smallest.
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

/// Simulates `raid` against `model`. See the [module docs](super) for the model.
///
/// Parameters: the model (fire units and route types, [`RaidModel::new`]), the raid (its waves
/// must be among those the model was built for; counts may differ) and [`RaidOptions`].
///
/// Returns: a [`RaidOutcome`] (expected leakers with 95 % intervals per asset and threat,
/// probability each asset is hit, interceptors and their cost, cost of the raid);
/// bit-identical for a seed on any number of threads.
///
/// Complexity: O(R · E log E) for R replications and E engagement slots of the raid's threats.
///
/// # Errors
/// [`Error::InvalidInput`] for bad options or a wave (launch area, threat) the model was not
/// built for; [`Error::ResourceLimit`] for a raid over [`super::MAX_RAID_SIZE`].
///
/// # Examples
/// See the [module docs](super).
pub fn simulate(model: &RaidModel, raid: &Raid, opts: &RaidOptions) -> Result<RaidOutcome> {
    simulate_masked(model, raid, opts, None)
}

/// [`simulate`] with only the fire units whose `active` flag is set (`None`: all). Exact for a
/// model built without netting (a unit's slots then depend on its own sensor only); with
/// netting, units switched off still cue the others.
///
/// # Errors
/// As [`simulate`]; [`Error::InvalidInput`] when `active` does not have one flag per unit.
pub fn simulate_masked(
    model: &RaidModel,
    raid: &Raid,
    opts: &RaidOptions,
    active: Option<&[bool]>,
) -> Result<RaidOutcome> {
    opts.check()?;
    raid.check(model.asset_values.len())?;
    if let Some(a) = active {
        if a.len() != model.units.len() {
            return Err(Error::InvalidInput {
                what: "raid: active units".into(),
                reason: format!("{} flags for {} units", a.len(), model.units.len()),
            });
        }
    }
    let mut waves = Vec::with_capacity(raid.waves.len());
    for (i, w) in raid.waves.iter().enumerate() {
        let area = model.area_ids.iter().position(|a| *a == w.launch_area);
        let routes = area.and_then(|a| model.route_index.get(&(a, w.threat.0)));
        let Some(routes) = routes else {
            return Err(Error::InvalidInput {
                what: format!("raid.waves[{i}]"),
                reason: format!(
                    "the raid model was not built for launch area \"{}\" and threat {}",
                    w.launch_area, w.threat.0
                ),
            });
        };
        waves.push(Wave {
            routes,
            target: w.target,
            threat: w.threat,
            count: w.count,
        });
    }
    let n_assets = model.asset_values.len();
    let n_threats = model.threat_ids.len();
    let n_classes = model.class_ids.len();
    let total_value: f64 = model.asset_values.iter().sum();
    let mut cum = Vec::with_capacity(n_assets);
    let mut c = 0.0;
    for v in &model.asset_values {
        c += v / total_value.max(f64::MIN_POSITIVE);
        cum.push(c);
    }
    let size = raid.size();
    let seed = opts.seed;
    let acc = (0..opts.replications)
        .into_par_iter()
        .fold(
            || (Acc::new(n_assets, n_threats, n_classes), Scratch::default()),
            |(mut acc, mut sc), rep| {
                replicate(
                    model, &waves, raid, opts, active, &cum, size, seed, rep, &mut acc, &mut sc,
                );
                (acc, sc)
            },
        )
        .map(|(a, _)| a)
        .reduce(
            || Acc::new(n_assets, n_threats, n_classes),
            |a, b| a.add(&b),
        );
    Ok(outcome(model, raid, opts, &acc))
}

#[allow(clippy::too_many_arguments)]
fn replicate(
    model: &RaidModel,
    waves: &[Wave<'_>],
    raid: &Raid,
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
                super::Arrival::Uniform => raid.window_s * unif(key(seed, rep, i, TAG_ARRIVAL, 0)),
                super::Arrival::Even => raid.window_s * (i as f64 + 0.5) / f64::from(size.max(1)),
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

fn outcome(model: &RaidModel, raid: &Raid, opts: &RaidOptions, acc: &Acc) -> RaidOutcome {
    let n = opts.replications;
    let nf = f64::from(n);
    let n_threats = model.threat_ids.len();
    let mut per_asset_threat = Vec::new();
    for (k, &aimed) in acc.aimed.iter().enumerate() {
        if aimed == 0 {
            continue;
        }
        per_asset_threat.push(AssetThreatLeakers {
            asset: k / n_threats,
            threat: ThreatId(k % n_threats),
            aimed: aimed as f64 / nf,
            leakers: Estimate::from_sums(acc.leak[k] as f64, acc.leak_sq[k] as f64, n),
        });
    }
    let per_asset = (0..model.asset_values.len())
        .map(|a| {
            let aimed: u64 = acc.aimed[a * n_threats..(a + 1) * n_threats].iter().sum();
            let hits = acc.asset_hit[a] as f64;
            AssetLeakers {
                asset: a,
                id: model.asset_ids[a].clone(),
                aimed: aimed as f64 / nf,
                leakers: Estimate::from_sums(
                    acc.asset_leak[a] as f64,
                    acc.asset_leak_sq[a] as f64,
                    n,
                ),
                p_hit: Estimate::from_sums(hits, hits, n),
            }
        })
        .collect();
    let mut interceptors = Vec::new();
    let mut interceptor_cost = 0.0;
    for (c, id) in model.class_ids.iter().enumerate() {
        let Some(unit) = model.units.iter().find(|u| u.class.0 == c) else {
            continue;
        };
        let rounds = acc.rounds[c] as f64 / nf;
        let cost = rounds * unit.interceptor_cost;
        interceptor_cost += cost;
        interceptors.push(ClassSpend {
            class: ClassId(c),
            id: id.clone(),
            rounds,
            cost,
        });
    }
    let mut diagnostics = model.diagnostics.clone();
    let mut threat_cost = 0.0;
    let mut unknown: Vec<&str> = Vec::new();
    for w in &raid.waves {
        let id = &model.threat_ids[w.threat.0];
        match opts
            .threat_costs
            .get(id)
            .copied()
            .or_else(|| nominal_threat_cost(id))
        {
            Some(c) => threat_cost += c * f64::from(w.count),
            None => {
                if !unknown.contains(&id.as_str()) {
                    unknown.push(id);
                }
            }
        }
    }
    if !unknown.is_empty() {
        diagnostics.push(Diagnostic::warning(
            dcodes::RAID_THREAT_COST_UNKNOWN,
            format!(
                "no cost known for threat classes {} (counted as 0 in the raid's cost)",
                unknown.join(", ")
            ),
        ));
    }
    let w_sum = acc.weighted as f64 / FIX;
    let w_sq = acc.weighted_sq as f64 / FIX;
    RaidOutcome {
        replications: n,
        seed: opts.seed,
        raid_size: raid.size(),
        total_leakers: Estimate::from_sums(acc.total as f64, acc.total_sq as f64, n),
        weighted_leakers: Estimate::from_sums(w_sum, w_sq, n),
        per_asset_threat,
        per_asset,
        interceptors,
        interceptor_cost,
        threat_cost,
        diagnostics,
    }
}
