//! Raids: magazine depth, saturation and expected leakers (seeded Monte Carlo).
//!
//! Geometric coverage says a point is covered; a raid asks whether 40 drones and 8 cruise
//! missiles arriving within ten minutes get through. A [`Raid`] is a set of threats per launch
//! area (counts per threat class) and an arrival window. [`simulate`] flies each threat along
//! its route, lets the defence detect, assign and engage it, and reports expected leakers per
//! asset and threat with confidence intervals, the probability each asset is hit, interceptors
//! spent per class and their cost against the cost of the raid ([`RaidOutcome`]).
//!
//! # Model
//!
//! * **Routes and timing.** Every threat of a wave is aimed at one defended asset (the wave's
//!   own, or drawn with probability proportional to asset value) and flies the great-circle
//!   path ([`great_circle`]) from the point of its launch area closest to that asset, at one of
//!   its class's flight altitudes (drawn uniformly) and its class speed. Its impact time is
//!   drawn uniformly in the arrival window (or spread evenly, [`Arrival::Even`]); it launches
//!   `time_to_impact` earlier.
//! * **Engagement slots.** What each fire unit (site) can do against that threat on that route
//!   is exactly the single-threat [`Timeline`](crate::timeline::Timeline) of
//!   [`crate::timeline`]: detection, cueing (own sensor or, with netting, any sensor),
//!   reaction time, fly-out, and the shoot-look-shoot engagement slots with their salvo size.
//!   These are computed once per (launch area, threat, asset, altitude) and shifted in time.
//! * **Competition.** All threats compete for the units. Slots are assigned by the
//!   value-weighted greedy rule of [`wta`] (maximum marginal return per decision epoch). A unit
//!   fires a slot only if it has a free **fire channel** (one engagement at a time unless
//!   [`RaidOptions::fire_channels`] says otherwise: busy from launch to intercept) and enough
//!   **ready rounds**; an empty unit reloads in the class's `reload_time_s` (at most
//!   [`RaidOptions::reloads`] times). A threat known dead (a kill is known at its intercept)
//!   is not engaged again.
//! * **Kills.** A salvo of `n` rounds with single-shot `Pk` kills with `1 − (1 − Pk)^n`,
//!   independent of everything else. A threat not killed at its impact time is a **leaker**
//!   on its asset.
//! * **Randomness.** Every draw is a counter-based hash (SplitMix64 finaliser, Steele, Lea &
//!   Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014) of the seed, the
//!   replication, the threat and, for kills, the unit's class and position and the slot: a
//!   replication depends only on (seed, index), replications run in parallel (rayon) and are
//!   summed in integers, so the result is identical on any number of threads. The same keys
//!   give **common random numbers** across raids and defences: threat `i` keeps its target,
//!   altitude and arrival when the raid grows or a site is removed.
//!
//! Not modelled: decoys and electronic warfare, threat manoeuvres, routes other than great
//! circles (the least-exposure routes of [`crate::route`] are not flown), damage to the
//! defence itself (a site lost is a separate N-1 question, see [`crate::resilience`]), sensor
//! saturation and track capacity, correlated kill probabilities, interceptor reserve doctrine
//! (no rounds are held back for later threats), re-targeting of threats, and the damage a
//! leaker does (a leaker is counted, not assessed).
//!
//! # Examples
//! ```
//! use skycover::raid::{simulate, Raid, RaidModel, RaidOptions};
//! use skycover::{Scenario, Terrain};
//! let kyiv = Scenario::builtin("kyiv")?;
//! let raid = Raid::from_scenario(&kyiv, 4, 600.0)?; // 4 of each threat per launch area
//! let model = RaidModel::new(&kyiv, kyiv.sites(), &Terrain::Flat, &raid, None)?;
//! let opts = RaidOptions { replications: 200, ..RaidOptions::default() };
//! let out = simulate(&model, &raid, &opts)?;
//! assert_eq!(out.raid_size, raid.size()?);
//! assert!(out.total_leakers.mean >= 0.0 && out.total_leakers.mean <= f64::from(raid.size()?));
//! # Ok::<(), skycover::Error>(())
//! ```

pub mod exhaustion;
pub mod placement;
pub(crate) mod sim;
pub mod wta;

pub use exhaustion::{exhaustion_curve, ExhaustionCurve, ExhaustionPoint};
pub use sim::{simulate, simulate_masked, simulate_reference};

use crate::catalogue::{ClassId, ThreatId};
use crate::catalogue_v2::{kinematics_of, weapon_of};
use crate::diagnostic::{codes as dcodes, Diagnostic};
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::site::Site;
use crate::terrain::Terrain;
use crate::threat_report::{great_circle, GREAT_CIRCLE_STEP_M};
use crate::timeline::{timeline, Defence};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// Diagnostic codes of raids and resilience (the constants live in [`crate::diagnostic::codes`]).
pub mod codes {
    pub use crate::diagnostic::codes::{
        RAID_STRAIGHT_ROUTES as STRAIGHT_ROUTES, RAID_THREAT_COST_UNKNOWN as THREAT_COST_UNKNOWN,
        RAID_WEAPON_DEFAULTS as WEAPON_DEFAULTS,
    };
}

/// Most threats one raid may hold.
pub const MAX_RAID_SIZE: u32 = 100_000;
/// Most replications one simulation may run.
pub const MAX_REPLICATIONS: u32 = 10_000_000;
/// Most route types (launch area × threat × asset × altitude) one model may hold.
pub const MAX_ROUTE_TYPES: usize = 200_000;

/// Nominal cost of one threat of a built-in class, in the catalogue's interceptor-cost unit
/// (≈ million USD), with its public source in `data/README.md`; `None` for a class without a
/// public figure (aircraft are not expended).
pub fn nominal_threat_cost(threat_id: &str) -> Option<f64> {
    match threat_id {
        // CSIS: USD 20 000–50 000 per Shahed-136 (midpoint)
        "drone" => Some(0.035),
        // Forbes Ukraine: Kalibr USD 6.5 M
        "cruise_missile" => Some(6.5),
        // Forbes Ukraine: Iskander USD 3 M
        "ballistic_missile" => Some(3.0),
        _ => None,
    }
}

/// One wave of a raid: `count` threats of one class from one launch area.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaidWave {
    /// Id of the launch area ([`crate::threat_area::LaunchArea::id`]).
    pub launch_area: String,
    /// Threat class.
    pub threat: ThreatId,
    /// Number of threats.
    pub count: u32,
    /// Target asset (index into [`Scenario::assets`]); `None`: each threat draws its target
    /// with probability proportional to asset value.
    pub target: Option<usize>,
}

/// How impact times are spread over the arrival window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Arrival {
    /// Independent uniform draws in the window (the default).
    #[default]
    Uniform,
    /// Evenly spaced over the window in threat order (deterministic; for analytic checks).
    Even,
}

/// A raid: waves of threats and the window in which they arrive.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Raid {
    /// The waves, in order; threats are numbered wave by wave.
    pub waves: Vec<RaidWave>,
    /// Arrival (impact) window, seconds (≥ 0).
    pub window_s: f64,
    /// How impacts are spread over the window.
    pub arrival: Arrival,
}

impl Raid {
    /// An empty raid arriving within `window_s` seconds.
    pub fn new(window_s: f64) -> Raid {
        Raid {
            waves: Vec::new(),
            window_s,
            arrival: Arrival::Uniform,
        }
    }

    /// Adds a wave of `count` threats from `launch_area`, targets drawn by value.
    pub fn wave(mut self, launch_area: &str, threat: ThreatId, count: u32) -> Raid {
        self.waves.push(RaidWave {
            launch_area: launch_area.to_string(),
            threat,
            count,
            target: None,
        });
        self
    }

    /// The same raid with impacts spread as `arrival` says.
    pub fn with_arrival(mut self, arrival: Arrival) -> Raid {
        self.arrival = arrival;
        self
    }

    /// `count` threats of every class from every launch area of `scenario`, arriving within
    /// `window_s`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (`raid.waves`) when the scenario has no launch areas.
    pub fn from_scenario(scenario: &Scenario, count: u32, window_s: f64) -> Result<Raid> {
        let mut r = Raid::new(window_s);
        for la in &scenario.threat_setup().launch_areas {
            for &t in &la.threats {
                r = r.wave(&la.id, t, count);
            }
        }
        if r.waves.is_empty() {
            return Err(Error::InvalidInput {
                what: "raid.waves".into(),
                reason: format!(
                    "scenario \"{}\" has no launch_area features",
                    scenario.name()
                ),
            });
        }
        Ok(r)
    }

    /// Total number of threats.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (`raid.waves`) when the counts add up to more than
    /// `u32::MAX` (never clamped).
    ///
    /// # Examples
    /// ```
    /// use skycover::catalogue::ThreatId;
    /// use skycover::raid::Raid;
    /// let r = Raid::new(600.0).wave("east", ThreatId(0), 3).wave("east", ThreatId(1), 4);
    /// assert_eq!(r.size()?, 7);
    /// let huge = Raid::new(600.0).wave("east", ThreatId(0), u32::MAX).wave("east", ThreatId(1), 1);
    /// assert!(huge.size().is_err());
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn size(&self) -> Result<u32> {
        let total = self.total();
        u32::try_from(total).map_err(|_| Error::InvalidInput {
            what: "raid.waves".into(),
            reason: format!(
                "the wave counts add up to {total} threats, more than {} (u32::MAX)",
                u32::MAX
            ),
        })
    }

    /// Total number of threats, exact (a `u32` per wave cannot overflow a `u64` sum).
    fn total(&self) -> u64 {
        self.waves.iter().map(|w| u64::from(w.count)).sum()
    }

    /// The same raid with `total` threats shared over the waves in proportion to their counts
    /// (largest remainders, ties to the earlier wave). A raid with no threats keeps equal
    /// shares.
    pub fn scaled_to(&self, total: u32) -> Raid {
        let n = self.waves.len();
        let mut out = self.clone();
        if n == 0 {
            return out;
        }
        let size = self.total();
        let shares: Vec<f64> = self
            .waves
            .iter()
            .map(|w| {
                if size == 0 {
                    f64::from(total) / n as f64
                } else {
                    f64::from(total) * f64::from(w.count) / size as f64
                }
            })
            .collect();
        let mut counts: Vec<u32> = shares.iter().map(|s| s.floor() as u32).collect();
        let mut left = total.saturating_sub(counts.iter().sum());
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| {
            let fa = shares[a] - shares[a].floor();
            let fb = shares[b] - shares[b].floor();
            fb.total_cmp(&fa).then(a.cmp(&b))
        });
        for &i in order.iter().cycle().take(n * 2) {
            if left == 0 {
                break;
            }
            counts[i] += 1;
            left -= 1;
        }
        for (w, c) in out.waves.iter_mut().zip(counts) {
            w.count = c;
        }
        out
    }

    pub(crate) fn check(&self, n_assets: usize) -> Result<()> {
        let bad = |what: String, reason: String| Error::InvalidInput { what, reason };
        if !self.window_s.is_finite() || self.window_s < 0.0 {
            return Err(bad(
                "raid.window_s".into(),
                format!("{} must be finite and ≥ 0", self.window_s),
            ));
        }
        let total = self.total();
        for (i, w) in self.waves.iter().enumerate() {
            if let Some(a) = w.target {
                if a >= n_assets {
                    return Err(bad(
                        format!("raid.waves[{i}].target"),
                        format!("asset {a} out of range ({n_assets} assets)"),
                    ));
                }
            }
        }
        if total > u64::from(MAX_RAID_SIZE) {
            return Err(Error::ResourceLimit {
                what: "raid threats",
                requested: total,
                limit: u64::from(MAX_RAID_SIZE),
                setting: "raid::MAX_RAID_SIZE",
            });
        }
        Ok(())
    }
}

/// Options of [`simulate`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaidOptions {
    /// Monte Carlo replications (≥ 1).
    pub replications: u32,
    /// Seed: same seed, same result on any number of threads.
    pub seed: u64,
    /// Length of a decision epoch of the weapon-target assignment, seconds (> 0).
    pub decision_interval_s: f64,
    /// Simultaneous engagements per fire unit (≥ 1).
    pub fire_channels: u32,
    /// Reloads per fire unit during the raid (`None`: unlimited, each taking the class's
    /// `reload_time_s`; `Some(0)`: ready rounds only).
    pub reloads: Option<u32>,
    /// Cost of one threat per threat id (the catalogue's interceptor-cost unit); a threat
    /// absent here uses [`nominal_threat_cost`], else 0 with a diagnostic.
    pub threat_costs: BTreeMap<String, f64>,
}

impl Default for RaidOptions {
    /// 2 000 replications, seed 1, 2 s epochs, one fire channel, unlimited reloads.
    fn default() -> Self {
        RaidOptions {
            replications: 2_000,
            seed: 1,
            decision_interval_s: 2.0,
            fire_channels: 1,
            reloads: None,
            threat_costs: BTreeMap::new(),
        }
    }
}

impl RaidOptions {
    pub(crate) fn check(&self) -> Result<()> {
        let bad = |what: &str, reason: String| Error::InvalidInput {
            what: what.into(),
            reason,
        };
        if self.replications == 0 || self.replications > MAX_REPLICATIONS {
            return Err(bad(
                "raid_options.replications",
                format!("{} must be in 1..={MAX_REPLICATIONS}", self.replications),
            ));
        }
        if !(self.decision_interval_s.is_finite() && self.decision_interval_s > 0.0) {
            return Err(bad(
                "raid_options.decision_interval_s",
                format!("{} must be finite and > 0", self.decision_interval_s),
            ));
        }
        if self.fire_channels == 0 {
            return Err(bad("raid_options.fire_channels", "must be ≥ 1".into()));
        }
        for (k, v) in &self.threat_costs {
            if !v.is_finite() || *v < 0.0 {
                return Err(bad(
                    &format!("raid_options.threat_costs.{k}"),
                    format!("{v} must be finite and ≥ 0"),
                ));
            }
        }
        Ok(())
    }
}

/// A fire unit of the model: one site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FireUnit {
    /// Index of the site in the model's sites.
    pub site: usize,
    /// Its class.
    pub class: ClassId,
    /// Ready rounds.
    pub ready_rounds: u32,
    /// Reload time, seconds.
    pub reload_time_s: f64,
    /// Cost of one interceptor.
    pub interceptor_cost: f64,
    /// Stable key of the unit (class and position) for common random numbers.
    pub(crate) key: u64,
}

/// One shoot-look-shoot slot of a unit against a route type.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct Slot {
    pub unit: u32,
    pub launch_s: f64,
    pub intercept_s: f64,
    pub shots: u32,
    pub p_kill: f64,
    /// Ordinal of the slot among the unit's slots on this route.
    pub ordinal: u32,
}

/// One (launch area, threat, asset, altitude) route with its engagement slots.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteType {
    /// Launch area index in the scenario's threat setup.
    pub launch_area: usize,
    /// Threat class.
    pub threat: ThreatId,
    /// Target asset.
    pub asset: usize,
    /// Flight altitude, metres.
    pub altitude_m: f64,
    /// Time from launch to impact, seconds.
    pub time_to_impact_s: f64,
    /// Single-threat kill probability on this route (no competition).
    pub kill_probability: f64,
    pub(crate) slots: Vec<Slot>,
}

impl RouteType {
    /// Engagement slots of all units on this route (single-threat shoot-look-shoot).
    pub fn slots_len(&self) -> usize {
        self.slots.len()
    }
}

/// What a raid is flown against: fire units and every route type with its engagement slots,
/// computed once (timelines) and reused by every replication and every raid size.
#[derive(Debug, Clone)]
pub struct RaidModel {
    /// Fire units (one per site).
    pub units: Vec<FireUnit>,
    /// Route types.
    pub routes: Vec<RouteType>,
    /// Asset values (index = asset).
    pub asset_values: Vec<f64>,
    /// Asset ids.
    pub asset_ids: Vec<String>,
    /// Threat weights (index = threat id).
    pub threat_weights: Vec<f64>,
    /// Threat ids (index = threat id).
    pub threat_ids: Vec<String>,
    /// Class ids (index = class id).
    pub class_ids: Vec<String>,
    /// `route_index[(area, threat)][asset]`: route types per altitude.
    pub(crate) route_index: BTreeMap<(usize, usize), Vec<Vec<u32>>>,
    /// Launch-area ids.
    pub(crate) area_ids: Vec<String>,
    /// Remarks on how the model was built.
    pub diagnostics: Vec<Diagnostic>,
}

/// The stable key of a site for common random numbers.
fn unit_key(s: &Site) -> u64 {
    sim::mix(
        sim::mix(s.class.0 as u64 ^ 0x5bd1_e995)
            ^ s.position[0].to_bits().rotate_left(17)
            ^ s.position[1].to_bits(),
    )
}

impl RaidModel {
    /// The model of `sites` defending `scenario` against the (launch area, threat) pairs of
    /// `raid` (the counts do not matter: one model serves every raid size).
    ///
    /// Parameters: the scenario (assets, launch areas, catalogue), the sites (e.g. a plan's),
    /// terrain for lines of sight, the raid, and netting (`None`: the scenario's setting).
    ///
    /// Returns: the model; one [`timeline`] per (launch area, threat, asset, flight altitude),
    /// computed in parallel and collected in a fixed order.
    ///
    /// Complexity: A·P·H timelines for A assets, P (area, threat) pairs and H altitudes.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unknown launch area or threat, a threat the area does not
    /// launch, an asset out of range, no assets; [`Error::ResourceLimit`] beyond
    /// [`MAX_ROUTE_TYPES`]; as [`timeline`].
    ///
    /// # Examples
    /// See the [module docs](self).
    pub fn new(
        scenario: &Scenario,
        sites: &[Site],
        terrain: &Terrain,
        raid: &Raid,
        netting: Option<bool>,
    ) -> Result<RaidModel> {
        let cat = scenario.catalogue();
        let setup = scenario.threat_setup();
        let assets = scenario.assets();
        if assets.is_empty() {
            return Err(Error::InvalidInput {
                what: "raid: scenario.assets".into(),
                reason: "a raid needs at least one defended asset to aim at".into(),
            });
        }
        raid.check(assets.len())?;
        let mut diagnostics = vec![Diagnostic::info(
            dcodes::RAID_STRAIGHT_ROUTES,
            "raid threats fly great-circle routes from the closest point of their launch area; least-exposure routes are not flown",
        )];
        // pairs
        let mut pairs: Vec<(usize, ThreatId)> = Vec::new();
        for (i, w) in raid.waves.iter().enumerate() {
            let ai = setup
                .launch_areas
                .iter()
                .position(|a| a.id == w.launch_area)
                .ok_or_else(|| Error::InvalidInput {
                    what: format!("raid.waves[{i}].launch_area"),
                    reason: format!("no launch area \"{}\" in the scenario", w.launch_area),
                })?;
            if w.threat.0 >= cat.threats().len() {
                return Err(Error::InvalidInput {
                    what: format!("raid.waves[{i}].threat"),
                    reason: format!("{} is not in the catalogue", w.threat.0),
                });
            }
            if !setup.launch_areas[ai].threats.contains(&w.threat) {
                return Err(Error::InvalidInput {
                    what: format!("raid.waves[{i}].threat"),
                    reason: format!(
                        "launch area \"{}\" does not launch \"{}\"",
                        w.launch_area,
                        cat.threat(w.threat).id
                    ),
                });
            }
            if !pairs.contains(&(ai, w.threat)) {
                pairs.push((ai, w.threat));
            }
        }
        let mut specs = Vec::new();
        for &(ai, t) in &pairs {
            let k = kinematics_of(cat.threat(t));
            for (asset, a) in assets.iter().enumerate() {
                for &h in &k.flight_altitudes_m {
                    specs.push((ai, t, asset, a.local, h, k.speed_mps));
                }
            }
        }
        if specs.len() > MAX_ROUTE_TYPES {
            return Err(Error::ResourceLimit {
                what: "raid route types",
                requested: specs.len() as u64,
                limit: MAX_ROUTE_TYPES as u64,
                setting: "raid::MAX_ROUTE_TYPES",
            });
        }
        let netting = netting.unwrap_or(setup.netting);
        let defence = Defence::new(cat, sites)
            .with_terrain(terrain.clone())
            .with_netting(netting);
        let results: Vec<Result<RouteType>> = specs
            .par_iter()
            .map(|&(ai, t, asset, target, h, v)| {
                let from = setup.launch_areas[ai].launch_point_towards(target);
                let path = great_circle(scenario, from, target, GREAT_CIRCLE_STEP_M)?;
                let tl = timeline(&defence, t, h, v, &path)?;
                let mut slots = Vec::new();
                for w in &tl.weapons {
                    for (k, e) in w.engagements.iter().enumerate() {
                        slots.push(Slot {
                            unit: w.site as u32,
                            launch_s: e.launch_s,
                            intercept_s: e.intercept_s,
                            shots: e.shots,
                            p_kill: 1.0 - (1.0 - w.pk).powi(e.shots as i32),
                            ordinal: k as u32,
                        });
                    }
                }
                Ok(RouteType {
                    launch_area: ai,
                    threat: t,
                    asset,
                    altitude_m: h,
                    time_to_impact_s: tl.time_to_impact_s,
                    kill_probability: tl.kill_probability,
                    slots,
                })
            })
            .collect();
        let mut routes = Vec::with_capacity(results.len());
        for r in results {
            routes.push(r?);
        }
        let mut route_index: BTreeMap<(usize, usize), Vec<Vec<u32>>> = BTreeMap::new();
        for (ri, r) in routes.iter().enumerate() {
            let e = route_index
                .entry((r.launch_area, r.threat.0))
                .or_insert_with(|| vec![Vec::new(); assets.len()]);
            e[r.asset].push(ri as u32);
        }
        let mut units = Vec::with_capacity(sites.len());
        let mut threat_ids: Vec<&str> = Vec::new();
        for w in &raid.waves {
            let id = cat.threat(w.threat).id.as_str();
            if !threat_ids.contains(&id) {
                threat_ids.push(id);
            }
        }
        let mut defaults: Vec<String> = Vec::new();
        let mut noted: Vec<ClassId> = Vec::new();
        for (i, s) in sites.iter().enumerate() {
            let class = cat.class(s.class);
            let w = weapon_of(class);
            let generic = w.generic_figures(threat_ids.iter().copied());
            if !generic.is_empty() && !noted.contains(&s.class) {
                noted.push(s.class);
                defaults.push(format!("{} ({})", class.id, generic.join(", ")));
            }
            units.push(FireUnit {
                site: i,
                class: s.class,
                ready_rounds: w.ready_rounds,
                reload_time_s: w.reload_time_s,
                interceptor_cost: w.interceptor_cost,
                key: unit_key(s),
            });
        }
        if !defaults.is_empty() {
            diagnostics.push(Diagnostic::info(
                dcodes::RAID_WEAPON_DEFAULTS,
                format!(
                    "classes firing with generic default figures (reaction 10 s, fly-out 1 000 m/s, 8 ready rounds, reload 1 800 s, Pk 0.7) where the catalogue has none of their own: {}",
                    defaults.join("; ")
                ),
            ));
        }
        Ok(RaidModel {
            units,
            routes,
            asset_values: assets.iter().map(|a| a.value).collect(),
            asset_ids: assets.iter().map(|a| a.id.clone()).collect(),
            threat_weights: cat.threats().iter().map(|t| t.weight).collect(),
            threat_ids: cat.threats().iter().map(|t| t.id.clone()).collect(),
            class_ids: cat.systems().iter().map(|c| c.id.clone()).collect(),
            route_index,
            area_ids: setup.launch_areas.iter().map(|a| a.id.clone()).collect(),
            diagnostics,
        })
    }
}

/// A mean with a 95 % confidence interval (normal approximation, `mean ± 1.96·s/√n`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// Sample mean.
    pub mean: f64,
    /// Lower end of the 95 % interval.
    pub lo: f64,
    /// Upper end of the 95 % interval.
    pub hi: f64,
}

impl Estimate {
    pub(crate) fn from_sums(sum: f64, sum_sq: f64, n: u32) -> Estimate {
        let n = f64::from(n.max(1));
        let mean = sum / n;
        let var = if n > 1.0 {
            ((sum_sq - n * mean * mean) / (n - 1.0)).max(0.0)
        } else {
            0.0
        };
        let h = 1.96 * (var / n).sqrt();
        Estimate {
            mean,
            lo: mean - h,
            hi: mean + h,
        }
    }
}

/// Leakers of one threat class on one asset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetThreatLeakers {
    /// Asset index.
    pub asset: usize,
    /// Threat class.
    pub threat: ThreatId,
    /// Expected threats of this class aimed at the asset.
    pub aimed: f64,
    /// Expected leakers.
    pub leakers: Estimate,
}

/// Per asset: leakers and the probability of being hit at least once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetLeakers {
    /// Asset index.
    pub asset: usize,
    /// Asset id.
    pub id: String,
    /// Expected threats aimed at it.
    pub aimed: f64,
    /// Expected leakers (all threat classes).
    pub leakers: Estimate,
    /// Probability that at least one threat leaks onto it.
    pub p_hit: Estimate,
}

/// Interceptors one class spends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassSpend {
    /// Class.
    pub class: ClassId,
    /// Class id.
    pub id: String,
    /// Expected rounds fired.
    pub rounds: f64,
    /// Expected cost of those rounds.
    pub cost: f64,
}

/// The result of [`simulate`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaidOutcome {
    /// Replications run.
    pub replications: u32,
    /// Seed.
    pub seed: u64,
    /// Threats in the raid.
    pub raid_size: u32,
    /// Expected leakers, all assets and threats.
    pub total_leakers: Estimate,
    /// Expected value-weighted leakers `Σ value(asset) × weight(threat)` over leakers.
    pub weighted_leakers: Estimate,
    /// Per asset and threat class (pairs with threats aimed at them).
    pub per_asset_threat: Vec<AssetThreatLeakers>,
    /// Per asset.
    pub per_asset: Vec<AssetLeakers>,
    /// Interceptors spent per class (classes with at least one unit).
    pub interceptors: Vec<ClassSpend>,
    /// Expected cost of the interceptors fired.
    pub interceptor_cost: f64,
    /// Cost of the raid (threat costs × counts).
    pub threat_cost: f64,
    /// Remarks.
    pub diagnostics: Vec<Diagnostic>,
}
