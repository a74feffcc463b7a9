//! Catalogue v2: sensors apart from weapons, weapon timing and magazines, threat kinematics.
//!
//! A v1 catalogue (`data/catalogue.json` before this module) describes a system class by one
//! radar (antenna height, sector, refraction) and one engagement [`Envelope`] per threat, and a
//! threat class by its evaluation altitudes. That is enough for "is this point covered?", not for
//! "how much warning is there, how many shots can be taken?". Version 2 adds three optional
//! blocks; a v1 file still loads unchanged and means the same thing:
//!
//! * `sensor` on a system class ([`Sensor`]): detection range per threat, and optionally its own
//!   antenna height, azimuth sector and refraction factor. Absent, the class's radar fields and
//!   its weapon envelope's maximum range stand for the sensor, exactly as in v1, so coverage
//!   results do not change unless a class declares a sensor.
//! * `weapon` on a system class ([`Weapon`]): reaction time, interceptor average fly-out speed,
//!   ready rounds per fire unit, reload time, shots per engagement, nominal single-shot kill
//!   probability per threat and interceptor cost. The class's `envelopes` stay the weapon's
//!   kinematic envelope (engagement range and altitude band per threat). Absent, the documented
//!   generic defaults of [`Weapon::default`] apply (and a timeline says so with a diagnostic).
//! * `kinematics` on a threat class ([`ThreatKinematics`]): speed, flight altitudes (the
//!   altitudes at which routes are flown; they may differ from the evaluation layers) and the
//!   kind of route it flies ([`RouteKind`]).
//!
//! All figures are nominal and editable; the built-in classes cite their public sources in
//! `data/README.md`.
//!
//! Validation ([`validate`], called by [`Catalogue::from_classes`](crate::Catalogue::from_classes))
//! names the class and the field of any bad value, like the v1 checks.
//!
//! # Examples
//! ```
//! use skycover::catalogue_v2::{sensor_view, weapon_of, kinematics_of};
//! use skycover::Catalogue;
//! let cat = Catalogue::builtin();
//! let slm = cat.class_id("iris_t_slm")?;
//! let drone = cat.threat_id("drone")?;
//! // the TRML-4D class radar sees much further than the missile reaches
//! let s = sensor_view(&cat, slm, drone).unwrap();
//! assert!(s.range_m > cat.envelope(slm, drone).unwrap().max_range_m);
//! assert!(weapon_of(cat.try_class(slm, "class")?).ready_rounds >= 8);
//! // Shahed-type drones fly slowly, and also in a 2–3 km layer
//! let k = kinematics_of(cat.try_threat(drone, "threat")?);
//! assert!(k.speed_mps < 60.0 && k.flight_altitudes_m.iter().any(|&a| a >= 2_000.0));
//! # Ok::<(), skycover::Error>(())
//! ```

use crate::catalogue::{Catalogue, ClassId, SystemClass, ThreatClass, ThreatId};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Generic default reaction time (detection to first launch), seconds, when a class gives none.
pub const DEFAULT_REACTION_TIME_S: f64 = 10.0;
/// Generic default interceptor average fly-out speed, m/s, when a class gives none.
pub const DEFAULT_INTERCEPTOR_SPEED_MPS: f64 = 1_000.0;
/// Generic default ready rounds per fire unit when a class gives none.
pub const DEFAULT_READY_ROUNDS: u32 = 8;
/// Generic default reload time of a fire unit, seconds, when a class gives none.
pub const DEFAULT_RELOAD_TIME_S: f64 = 1_800.0;
/// Generic default nominal single-shot kill probability when a class gives none for a threat.
pub const DEFAULT_PK: f64 = 0.7;
/// Generic default threat speed, m/s, for a threat class without `kinematics` (v1 files).
pub const DEFAULT_THREAT_SPEED_MPS: f64 = 250.0;

/// What a system class's sensor can detect, when it differs from its weapon (v2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Sensor {
    /// Detection (and track) slant range per threat id, metres. A threat absent here falls back
    /// to the weapon envelope's maximum range (none: not detected).
    #[serde(default)]
    pub detection_range_m: BTreeMap<String, f64>,
    /// Antenna height above ground, metres; default: the class's `antenna_height_m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub antenna_height_m: Option<f64>,
    /// Azimuth sector width in degrees, (0, 360]; default: the class's `sector_deg`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector_deg: Option<f64>,
    /// Effective-Earth-radius factor; default: the class's `refraction_k`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refraction_k: Option<f64>,
}

/// Timing, magazine and lethality of a system class's weapon (v2). The kinematic envelope is
/// the class's `envelopes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weapon {
    /// Time from the first track to the first launch, and from an intercept (kill assessment)
    /// to the next launch under shoot-look-shoot, seconds (≥ 0).
    #[serde(default = "d_reaction")]
    pub reaction_time_s: f64,
    /// Interceptor (or projectile) average fly-out speed, m/s (> 0).
    #[serde(default = "d_speed")]
    pub interceptor_speed_mps: f64,
    /// Ready rounds per fire unit (≥ 1); for guns, bursts.
    #[serde(default = "d_rounds")]
    pub ready_rounds: u32,
    /// Time to reload a fire unit, seconds (≥ 0). Not used by single-threat timelines.
    #[serde(default = "d_reload")]
    pub reload_time_s: f64,
    /// Rounds fired per engagement (salvo size, ≥ 1).
    #[serde(default = "d_shots")]
    pub shots_per_engagement: u32,
    /// Nominal single-shot kill probability per threat id, in [0, 1]; a threat absent here uses
    /// [`DEFAULT_PK`].
    #[serde(default)]
    pub pk: BTreeMap<String, f64>,
    /// Cost of one interceptor (relative units, ≥ 0).
    #[serde(default)]
    pub interceptor_cost: f64,
}

fn d_reaction() -> f64 {
    DEFAULT_REACTION_TIME_S
}
fn d_speed() -> f64 {
    DEFAULT_INTERCEPTOR_SPEED_MPS
}
fn d_rounds() -> u32 {
    DEFAULT_READY_ROUNDS
}
fn d_reload() -> f64 {
    DEFAULT_RELOAD_TIME_S
}
fn d_shots() -> u32 {
    1
}

impl Default for Weapon {
    /// The documented generic defaults: reaction 10 s, fly-out 1 000 m/s, 8 ready rounds,
    /// reload 1 800 s, one shot per engagement, Pk 0.7, cost 0.
    fn default() -> Self {
        Weapon {
            reaction_time_s: DEFAULT_REACTION_TIME_S,
            interceptor_speed_mps: DEFAULT_INTERCEPTOR_SPEED_MPS,
            ready_rounds: DEFAULT_READY_ROUNDS,
            reload_time_s: DEFAULT_RELOAD_TIME_S,
            shots_per_engagement: 1,
            pk: BTreeMap::new(),
            interceptor_cost: 0.0,
        }
    }
}

impl Weapon {
    /// Nominal single-shot kill probability against `threat_id` (default [`DEFAULT_PK`]).
    pub fn pk_against(&self, threat_id: &str) -> f64 {
        self.pk.get(threat_id).copied().unwrap_or(DEFAULT_PK)
    }

    /// The figures of this weapon that are the generic defaults rather than the class's own:
    /// each timing or magazine field equal to its generic default (whether left out or
    /// written), and `pk[id]` for each of `threat_ids` without a kill probability. Empty when
    /// every figure is the class's own. Used by the timeline and raid diagnostics so that a
    /// partly filled `weapon` block is reported, not only a missing one.
    pub fn generic_figures<'a>(
        &self,
        threat_ids: impl IntoIterator<Item = &'a str>,
    ) -> Vec<String> {
        let g = Weapon::default();
        let fields = [
            ("reaction_time_s", self.reaction_time_s == g.reaction_time_s),
            (
                "interceptor_speed_mps",
                self.interceptor_speed_mps == g.interceptor_speed_mps,
            ),
            ("ready_rounds", self.ready_rounds == g.ready_rounds),
            ("reload_time_s", self.reload_time_s == g.reload_time_s),
        ];
        let mut out: Vec<String> = fields
            .iter()
            .filter(|(_, generic)| *generic)
            .map(|(name, _)| (*name).to_string())
            .collect();
        out.extend(
            threat_ids
                .into_iter()
                .filter(|id| !self.pk.contains_key(*id))
                .map(|id| format!("pk[{id}]")),
        );
        out
    }
}

/// How a threat class reaches its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RouteKind {
    /// Straight great-circle path only (ballistic missiles, and the default).
    #[default]
    Straight,
    /// Straight path, and also a least-exposure path around coverage and terrain (drones,
    /// cruise missiles).
    LeastExposure,
}

/// Speed, flight altitudes and route kind of a threat class (v2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreatKinematics {
    /// Average ground speed, m/s (> 0).
    pub speed_mps: f64,
    /// Flight altitudes above ground at which routes are flown, metres (≥ 0, 1..=8 of them);
    /// default: the threat's evaluation altitudes.
    #[serde(default)]
    pub flight_altitudes_m: Vec<f64>,
    /// Route kind (default straight).
    #[serde(default)]
    pub route: RouteKind,
}

/// The effective sensor of a class against one threat: the v2 `sensor` block where given, else
/// the class's radar fields and its envelope's maximum range (the v1 meaning).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SensorView {
    /// Detection slant range, metres.
    pub range_m: f64,
    /// Antenna height above ground, metres.
    pub antenna_height_m: f64,
    /// Azimuth sector width, degrees.
    pub sector_deg: f64,
    /// Refraction factor k.
    pub refraction_k: f64,
}

/// The effective sensor of `class` against `threat`, `None` if it cannot detect it (no
/// detection range and no envelope).
pub fn sensor_view(catalogue: &Catalogue, class: ClassId, threat: ThreatId) -> Option<SensorView> {
    let c = catalogue.systems().get(class.0)?;
    let t = catalogue.threats().get(threat.0)?;
    let env_range = catalogue.envelope(class, threat).map(|e| e.max_range_m);
    let (range, ha, sector, k) = match &c.sensor {
        None => (env_range?, None, None, None),
        Some(s) => (
            s.detection_range_m.get(&t.id).copied().or(env_range)?,
            s.antenna_height_m,
            s.sector_deg,
            s.refraction_k,
        ),
    };
    Some(SensorView {
        range_m: range,
        antenna_height_m: ha.unwrap_or(c.antenna_height_m),
        sector_deg: sector.unwrap_or(c.sector_deg),
        refraction_k: k.unwrap_or(c.refraction_k),
    })
}

/// The class's weapon block, or the generic defaults ([`Weapon::default`]).
pub fn weapon_of(class: &SystemClass) -> Weapon {
    class.weapon.clone().unwrap_or_default()
}

/// The threat's kinematics, or the generic default (speed [`DEFAULT_THREAT_SPEED_MPS`], flight
/// altitudes = evaluation altitudes, straight routes). Empty `flight_altitudes_m` also falls
/// back to the evaluation altitudes.
pub fn kinematics_of(threat: &ThreatClass) -> ThreatKinematics {
    let mut k = threat.kinematics.clone().unwrap_or(ThreatKinematics {
        speed_mps: DEFAULT_THREAT_SPEED_MPS,
        flight_altitudes_m: Vec::new(),
        route: RouteKind::Straight,
    });
    if k.flight_altitudes_m.is_empty() {
        k.flight_altitudes_m = threat.altitudes_m.clone();
    }
    k
}

fn bad(kind: &'static str, id: &str, field: String, reason: String) -> Error {
    Error::InvalidCatalogue {
        kind,
        id: id.to_string(),
        field,
        reason,
    }
}

fn finite_ge(kind: &'static str, id: &str, field: String, v: f64, lo: f64) -> Result<()> {
    if !v.is_finite() || v < lo {
        return Err(bad(
            kind,
            id,
            field,
            format!("{v} must be a finite number ≥ {lo}"),
        ));
    }
    Ok(())
}

fn known_threat(threats: &[ThreatClass], class: &str, tid: &str, field: &str) -> Result<()> {
    if threats.iter().any(|t| t.id == tid) {
        return Ok(());
    }
    Err(Error::UnknownThreat {
        name: tid.to_string(),
        context: format!("catalogue: system class \"{class}\" {field}"),
        known: threats
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// Validates the v2 blocks of a catalogue's classes.
///
/// # Errors
/// [`Error::InvalidCatalogue`] naming the class and field (`sensor.detection_range_m.drone`,
/// `weapon.pk.drone`, `kinematics.speed_mps`, ...) for negative, non-finite or out-of-range
/// values; [`Error::UnknownThreat`] for a threat id not in the catalogue.
pub fn validate(threats: &[ThreatClass], systems: &[SystemClass]) -> Result<()> {
    const T: &str = "threat class";
    const S: &str = "system class";
    for t in threats {
        if let Some(k) = &t.kinematics {
            if !k.speed_mps.is_finite() || k.speed_mps <= 0.0 {
                return Err(bad(
                    T,
                    &t.id,
                    "kinematics.speed_mps".into(),
                    format!("{} must be > 0", k.speed_mps),
                ));
            }
            if k.flight_altitudes_m.len() > 8 {
                return Err(bad(
                    T,
                    &t.id,
                    "kinematics.flight_altitudes_m".into(),
                    "at most 8 flight altitudes".into(),
                ));
            }
            for (i, &a) in k.flight_altitudes_m.iter().enumerate() {
                finite_ge(
                    T,
                    &t.id,
                    format!("kinematics.flight_altitudes_m[{i}]"),
                    a,
                    0.0,
                )?;
            }
        }
    }
    for s in systems {
        if let Some(sn) = &s.sensor {
            for (tid, &r) in &sn.detection_range_m {
                known_threat(threats, &s.id, tid, "sensor.detection_range_m")?;
                finite_ge(S, &s.id, format!("sensor.detection_range_m.{tid}"), r, 0.0)?;
            }
            if let Some(h) = sn.antenna_height_m {
                finite_ge(S, &s.id, "sensor.antenna_height_m".into(), h, 0.0)?;
            }
            if let Some(w) = sn.sector_deg {
                if !w.is_finite() || w <= 0.0 || w > 360.0 {
                    return Err(bad(
                        S,
                        &s.id,
                        "sensor.sector_deg".into(),
                        format!("{w} is outside (0, 360]"),
                    ));
                }
            }
            if let Some(k) = sn.refraction_k {
                if !k.is_finite() || k <= 0.0 {
                    return Err(bad(
                        S,
                        &s.id,
                        "sensor.refraction_k".into(),
                        format!("{k} must be > 0"),
                    ));
                }
            }
        }
        if let Some(w) = &s.weapon {
            finite_ge(
                S,
                &s.id,
                "weapon.reaction_time_s".into(),
                w.reaction_time_s,
                0.0,
            )?;
            finite_ge(
                S,
                &s.id,
                "weapon.reload_time_s".into(),
                w.reload_time_s,
                0.0,
            )?;
            finite_ge(
                S,
                &s.id,
                "weapon.interceptor_cost".into(),
                w.interceptor_cost,
                0.0,
            )?;
            if !w.interceptor_speed_mps.is_finite() || w.interceptor_speed_mps <= 0.0 {
                return Err(bad(
                    S,
                    &s.id,
                    "weapon.interceptor_speed_mps".into(),
                    format!("{} must be > 0", w.interceptor_speed_mps),
                ));
            }
            if w.ready_rounds == 0 || w.ready_rounds > 100_000 {
                return Err(bad(
                    S,
                    &s.id,
                    "weapon.ready_rounds".into(),
                    format!("{} is outside 1..=100000", w.ready_rounds),
                ));
            }
            if w.shots_per_engagement == 0 || w.shots_per_engagement > w.ready_rounds {
                return Err(bad(
                    S,
                    &s.id,
                    "weapon.shots_per_engagement".into(),
                    format!(
                        "{} is outside 1..=ready_rounds ({})",
                        w.shots_per_engagement, w.ready_rounds
                    ),
                ));
            }
            for (tid, &p) in &w.pk {
                known_threat(threats, &s.id, tid, "weapon.pk")?;
                if !(0.0..=1.0).contains(&p) {
                    return Err(bad(
                        S,
                        &s.id,
                        format!("weapon.pk.{tid}"),
                        format!("{p} is outside [0, 1]"),
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    fn mutate(f: impl FnOnce(&mut serde_json::Value)) -> Result<Catalogue> {
        let mut v: serde_json::Value = serde_json::from_str(Catalogue::builtin_json()).unwrap();
        f(&mut v);
        Catalogue::from_json_str(&v.to_string())
    }

    fn sys(v: &serde_json::Value, id: &str) -> usize {
        v["systems"]
            .as_array()
            .unwrap()
            .iter()
            .position(|s| s["id"] == id)
            .unwrap()
    }

    #[test]
    fn v1_file_loads_and_means_the_same() {
        // strip every v2 block: the abstract classes must be untouched
        let strip = mutate(|v| {
            for s in v["systems"].as_array_mut().unwrap() {
                let o = s.as_object_mut().unwrap();
                o.remove("sensor");
                o.remove("weapon");
            }
            for t in v["threats"].as_array_mut().unwrap() {
                t.as_object_mut().unwrap().remove("kinematics");
            }
        })
        .unwrap();
        let full = Catalogue::builtin();
        for (ci, c) in strip.classes() {
            assert!(c.sensor.is_none() && c.weapon.is_none());
            for (ti, _) in strip.threats().iter().enumerate() {
                let t = ThreatId(ti);
                assert_eq!(strip.envelope(ci, t), full.envelope(ci, t));
                // v1 meaning: the sensor is the weapon radar
                if let Some(s) = sensor_view(&strip, ci, t) {
                    assert_eq!(s.range_m, strip.envelope(ci, t).unwrap().max_range_m);
                    assert_eq!(s.antenna_height_m, c.antenna_height_m);
                }
            }
            assert_eq!(weapon_of(c), Weapon::default());
        }
        let k = kinematics_of(strip.threat(ThreatId(0)));
        assert_eq!(k.speed_mps, DEFAULT_THREAT_SPEED_MPS);
        assert_eq!(k.flight_altitudes_m, strip.threat(ThreatId(0)).altitudes_m);
    }

    #[test]
    fn every_builtin_interceptor_cost_has_a_public_source_row() {
        // data/README.md's "Interceptor costs" table names every class with a non-zero cost,
        // and the abstract classes each carry one (so a raid's cost exchange is not empty)
        let readme = include_str!("../data/README.md");
        let table = readme
            .split("### Interceptor costs")
            .nth(1)
            .and_then(|t| t.split("Raid costs").next())
            .unwrap();
        let c = Catalogue::builtin();
        for (_, class) in c.classes() {
            let cost = weapon_of(class).interceptor_cost;
            if cost > 0.0 {
                let row = table
                    .lines()
                    .find(|l| l.starts_with(&format!("| {} |", class.id)))
                    .unwrap_or_else(|| panic!("{} has no source row", class.id));
                assert!(row.contains("http"), "{row}");
                // the cost column holds the catalogue's figure
                assert!(row.contains(&format!("| {cost} ")), "{row} vs {cost}");
            }
        }
        for id in ["patriot_class", "medium_range", "counter_uas"] {
            let ci = c.class_id(id).unwrap();
            assert!(weapon_of(c.class(ci)).interceptor_cost > 0.0, "{id}");
        }
    }

    #[test]
    fn generic_figures_name_what_the_class_leaves_to_the_defaults() {
        let mut w = Weapon {
            interceptor_cost: 5.0,
            ..Weapon::default()
        };
        assert_eq!(
            w.generic_figures(["drone"]),
            [
                "reaction_time_s",
                "interceptor_speed_mps",
                "ready_rounds",
                "reload_time_s",
                "pk[drone]"
            ]
        );
        w.reaction_time_s = 6.0;
        w.interceptor_speed_mps = 1_200.0;
        w.ready_rounds = 4;
        w.reload_time_s = 900.0;
        w.pk.insert("drone".into(), 0.8);
        assert!(w.generic_figures(["drone"]).is_empty());
        assert_eq!(w.generic_figures(["drone", "aircraft"]), ["pk[aircraft]"]);
    }

    #[test]
    fn builtin_real_classes_are_present_and_round_trip() {
        let c = Catalogue::builtin();
        for id in [
            "patriot_pac3_mse",
            "samp_t_ng",
            "iris_t_slm",
            "nasams",
            "skynex",
            "gepard",
            "skyranger_30",
        ] {
            let ci = c.class_id(id).unwrap();
            assert!(c.class(ci).weapon.is_some(), "{id}");
        }
        // no public envelope figure was found for IRIS-T SLS: it is not in the catalogue
        assert!(c.class_id("iris_t_sls").is_err());
        let again = Catalogue::from_json_str(&c.to_json()).unwrap();
        assert_eq!(again, c);
    }

    #[test]
    fn rejects_bad_v2_values_with_field() {
        let field = |e: Error| match e {
            Error::InvalidCatalogue { id, field, .. } => format!("{id}.{field}"),
            other => format!("{other:?}"),
        };
        let e = mutate(|v| {
            let i = sys(v, "gepard");
            v["systems"][i]["weapon"]["pk"]["drone"] = 1.5.into();
        })
        .unwrap_err();
        assert_eq!(field(e), "gepard.weapon.pk.drone");
        let e = mutate(|v| {
            let i = sys(v, "iris_t_slm");
            v["systems"][i]["sensor"]["detection_range_m"]["drone"] = (-1.0).into();
        })
        .unwrap_err();
        assert_eq!(field(e), "iris_t_slm.sensor.detection_range_m.drone");
        let e = mutate(|v| {
            let i = sys(v, "nasams");
            v["systems"][i]["weapon"]["interceptor_speed_mps"] = 0.0.into();
        })
        .unwrap_err();
        assert_eq!(field(e), "nasams.weapon.interceptor_speed_mps");
        let e = mutate(|v| {
            let i = sys(v, "nasams");
            v["systems"][i]["weapon"]["shots_per_engagement"] = 100.into();
        })
        .unwrap_err();
        assert_eq!(field(e), "nasams.weapon.shots_per_engagement");
        let e = mutate(|v| v["threats"][3]["kinematics"]["speed_mps"] = 0.0.into()).unwrap_err();
        assert_eq!(field(e), "drone.kinematics.speed_mps");
        let e = mutate(|v| {
            let i = sys(v, "gepard");
            v["systems"][i]["weapon"]["pk"]["ufo"] = 0.5.into();
        })
        .unwrap_err();
        assert!(matches!(e, Error::UnknownThreat { ref name, .. } if name == "ufo"));
        // unknown member in a v2 block is a typed JSON error
        let e = mutate(|v| {
            let i = sys(v, "gepard");
            v["systems"][i]["weapon"]["pkk"] = 0.5.into();
        })
        .unwrap_err();
        assert!(matches!(e, Error::Json { .. }), "{e:?}");
    }
}
