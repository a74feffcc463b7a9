//! The seeded Monte Carlo engine of [`simulate`].

use super::{
    nominal_threat_cost, AssetLeakers, AssetThreatLeakers, ClassSpend, Estimate, Raid, RaidModel,
    RaidOptions, RaidOutcome,
};
use crate::catalogue::{ClassId, ThreatId};
use crate::diagnostic::{codes as dcodes, Diagnostic};
use crate::error::{Error, Result};

mod fast;
mod reference;

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

/// A wave resolved against the model.
struct Wave<'m> {
    routes: &'m [Vec<u32>],
    target: Option<usize>,
    threat: ThreatId,
    count: u32,
}

/// Integer sums over replications (exact, so independent of the order of the reduction).
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

/// Simulates `raid` against `model`. See the [module docs](super) for the model.
///
/// Parameters: the model (fire units and route types, [`RaidModel::new`]), the raid (its waves
/// must be among those the model was built for; counts may differ) and [`RaidOptions`].
///
/// Returns: a [`RaidOutcome`] (expected leakers with 95 % intervals per asset and threat,
/// probability each asset is hit, interceptors and their cost, cost of the raid);
/// bit-identical for a seed on any number of threads.
///
/// Complexity: O(S log S) to prepare the model's S slots, then O(R · (E log e + P)) for R
/// replications, E engagement slots played per replication, e of them in one decision epoch
/// and P epochs spanned (a calendar queue; see `raid/sim/fast.rs`). Outcomes are bit-identical
/// to the plain reference engine, [`simulate_reference`].
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
    let inp = resolve(model, raid, opts, active)?;
    let acc = match fast::Prep::new(model, &inp) {
        Some(prep) => fast::run(model, &inp, &prep),
        // a model outside the fast engine's assumptions (never one of `RaidModel::new`)
        None => reference::run(model, &inp),
    };
    Ok(outcome(model, raid, opts, &acc, inp.size))
}

/// [`simulate_masked`] on the plain reference engine: the simulator's first implementation
/// (one binary heap of candidate pairs per replication, every key and draw recomputed from
/// scratch), kept as the yardstick of the fast engine that [`simulate`] runs. Both return
/// bit-identical outcomes; this one is several times slower. For tests and benchmarks.
///
/// # Errors
/// As [`simulate_masked`].
///
/// # Examples
/// ```
/// use skycover::raid::{simulate, simulate_reference, Raid, RaidModel, RaidOptions};
/// use skycover::{Scenario, Terrain};
/// let kyiv = Scenario::builtin("kyiv")?;
/// let raid = Raid::from_scenario(&kyiv, 3, 600.0)?;
/// let model = RaidModel::new(&kyiv, kyiv.sites(), &Terrain::Flat, &raid, None)?;
/// let opts = RaidOptions { replications: 100, ..RaidOptions::default() };
/// assert_eq!(simulate(&model, &raid, &opts)?, simulate_reference(&model, &raid, &opts, None)?);
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn simulate_reference(
    model: &RaidModel,
    raid: &Raid,
    opts: &RaidOptions,
    active: Option<&[bool]>,
) -> Result<RaidOutcome> {
    let inp = resolve(model, raid, opts, active)?;
    let acc = reference::run(model, &inp);
    Ok(outcome(model, raid, opts, &acc, inp.size))
}

/// The checked inputs of one simulation, shared by both engines.
struct Inputs<'a> {
    raid: &'a Raid,
    opts: &'a RaidOptions,
    active: Option<&'a [bool]>,
    waves: Vec<Wave<'a>>,
    /// Cumulative normalised asset values (target draw).
    cum: Vec<f64>,
    size: u32,
}

/// Checks the options, raid and mask and resolves the waves against the model.
fn resolve<'a>(
    model: &'a RaidModel,
    raid: &'a Raid,
    opts: &'a RaidOptions,
    active: Option<&'a [bool]>,
) -> Result<Inputs<'a>> {
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
    let total_value: f64 = model.asset_values.iter().sum();
    let mut cum = Vec::with_capacity(n_assets);
    let mut c = 0.0;
    for v in &model.asset_values {
        c += v / total_value.max(f64::MIN_POSITIVE);
        cum.push(c);
    }
    Ok(Inputs {
        raid,
        opts,
        active,
        waves,
        cum,
        size: raid.size()?,
    })
}

fn outcome(
    model: &RaidModel,
    raid: &Raid,
    opts: &RaidOptions,
    acc: &Acc,
    size: u32,
) -> RaidOutcome {
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
        raid_size: size,
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
