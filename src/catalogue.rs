//! System classes, threat classes, engagement envelopes and the catalogue that holds them.
//!
//! Figures live in data, never in algorithms: the built-in catalogue
//! ([`Catalogue::builtin`]) is `data/catalogue.json` embedded in the crate, with nominal public
//! figures documented in `data/README.md`; users load their own with
//! [`Catalogue::from_json_str`] or [`Catalogue::from_path`]. Every catalogue is validated on
//! load, and every problem is reported with the class and the field.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// Default effective-Earth-radius factor (the classic 4/3 standard atmosphere).
pub const DEFAULT_REFRACTION_K: f64 = 4.0 / 3.0;

/// Mean Earth radius in metres used for the radar horizon.
pub const EARTH_RADIUS_M: f64 = 6_371_000.0;

/// Index of a threat class in its [`Catalogue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ThreatId(pub usize);

/// Index of a system class in its [`Catalogue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ClassId(pub usize);

/// What one system class can do against one threat class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Minimum slant range from the antenna, metres.
    pub min_range_m: f64,
    /// Maximum slant range from the antenna, metres.
    pub max_range_m: f64,
    /// Minimum target altitude above ground, metres.
    pub min_alt_m: f64,
    /// Maximum target altitude above ground, metres.
    pub max_alt_m: f64,
}

/// The tier a system class belongs to in the layered defence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Long-range, upper-tier systems (Patriot class).
    Upper,
    /// Medium-range systems (IRIS-T SLM, NASAMS class).
    Medium,
    /// Short-range point defence, counter-UAS (Gepard, Skynex class).
    Point,
}

/// A kind of threat, with its weight and the altitudes (above ground) at which coverage against
/// it is judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreatClass {
    /// Identifier used in files, e.g. `drone`.
    pub id: String,
    /// Human-readable name.
    #[serde(default)]
    pub name: String,
    /// Relative importance in the objective (> 0).
    pub weight: f64,
    /// Evaluation altitudes above ground, metres (at least one, each ≥ 0).
    pub altitudes_m: Vec<f64>,
    /// Catalogue v2: speed, flight altitudes and route kind (see [`crate::catalogue_v2`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinematics: Option<crate::catalogue_v2::ThreatKinematics>,
}

/// A kind of air-defence system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemClass {
    /// Identifier used in files, e.g. `patriot_class`.
    pub id: String,
    /// Human-readable name.
    #[serde(default)]
    pub name: String,
    /// Tier in the layered defence.
    pub tier: Tier,
    /// Radar antenna height above ground, metres (≥ 0).
    pub antenna_height_m: f64,
    /// Width of the radar's azimuth sector in degrees, in (0, 360]; 360 is all-round.
    #[serde(default = "default_sector")]
    pub sector_deg: f64,
    /// Effective-Earth-radius factor k (> 0) for the radar horizon.
    #[serde(default = "default_k")]
    pub refraction_k: f64,
    /// Nominal unit cost (relative units), ≥ 0; a scenario's inventory may override it.
    #[serde(default)]
    pub unit_cost: f64,
    /// Minimum distance between two sites of this class, metres (≥ 0).
    #[serde(default)]
    pub min_spacing_m: f64,
    /// Engagement envelope per threat id; threats absent here cannot be engaged.
    pub envelopes: BTreeMap<String, Envelope>,
    /// Catalogue v2: a sensor apart from the weapon (see [`crate::catalogue_v2`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensor: Option<crate::catalogue_v2::Sensor>,
    /// Catalogue v2: weapon timing, magazine and lethality (see [`crate::catalogue_v2`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weapon: Option<crate::catalogue_v2::Weapon>,
}

fn default_sector() -> f64 {
    360.0
}
fn default_k() -> f64 {
    DEFAULT_REFRACTION_K
}

impl SystemClass {
    /// True when the radar sees all round (sector of 360°).
    pub fn is_all_round(&self) -> bool {
        self.sector_deg >= 360.0
    }

    /// Smooth-earth radar horizon in metres for a target at `target_height_m` above ground:
    /// `√(2·k·R·ha) + √(2·k·R·ht)`.
    pub fn radar_horizon_m(&self, target_height_m: f64) -> f64 {
        radar_horizon_m(self.antenna_height_m, target_height_m, self.refraction_k)
    }
}

/// Smooth-earth radar horizon in metres between an antenna at `antenna_m` and a target at
/// `target_m` (both above ground), with effective Earth radius `k · 6 371 km`.
///
/// # Examples
/// ```
/// // Antenna 10 m, target 30 m, k = 4/3: about 35.6 km.
/// let d = skycover::catalogue::radar_horizon_m(10.0, 30.0, 4.0 / 3.0);
/// assert!((d - 35_600.0).abs() < 200.0);
/// ```
pub fn radar_horizon_m(antenna_m: f64, target_m: f64, k: f64) -> f64 {
    let re = k * EARTH_RADIUS_M;
    (2.0 * re * antenna_m.max(0.0)).sqrt() + (2.0 * re * target_m.max(0.0)).sqrt()
}

/// One (threat class, evaluation altitude) pair. Coverage is always computed per layer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Layer {
    /// Position of this layer in [`Catalogue::layers`].
    pub index: usize,
    /// The threat class.
    pub threat: ThreatId,
    /// Evaluation altitude above ground, metres.
    pub altitude_m: f64,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    #[serde(default)]
    name: String,
    threats: Vec<ThreatClass>,
    systems: Vec<SystemClass>,
}

/// The validated set of system and threat classes, and the layers they define.
///
/// # Examples
/// ```
/// use skycover::Catalogue;
/// let cat = Catalogue::builtin();
/// let patriot = cat.class_id("patriot_class")?;
/// let drone = cat.threat_id("drone")?;
/// assert!(cat.envelope(patriot, drone).is_none()); // counter-UAS does that job
/// assert!(cat.layers().len() >= 4);
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    name: String,
    threats: Vec<ThreatClass>,
    systems: Vec<SystemClass>,
    /// envelopes[class][threat]
    envelopes: Vec<Vec<Option<Envelope>>>,
    layers: Vec<Layer>,
}

const BUILTIN_JSON: &str = include_str!("../data/catalogue.json");

fn bad(kind: &'static str, id: &str, field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::InvalidCatalogue {
        kind,
        id: id.to_string(),
        field: field.into(),
        reason: reason.into(),
    }
}

fn check_non_negative(kind: &'static str, id: &str, field: &str, v: f64) -> Result<()> {
    if !v.is_finite() {
        return Err(bad(kind, id, field, format!("{v} is not a finite number")));
    }
    if v < 0.0 {
        return Err(bad(kind, id, field, format!("{v} is negative")));
    }
    Ok(())
}

impl Catalogue {
    /// The built-in catalogue (`data/catalogue.json`, nominal public figures, illustrative).
    pub fn builtin() -> Catalogue {
        // The embedded file is validated by a unit test; failure here is a build defect,
        // not a user input problem.
        #[allow(clippy::expect_used)]
        Catalogue::from_json_str(BUILTIN_JSON).expect("built-in catalogue is valid")
    }

    /// The built-in catalogue's JSON text, a starting point for a user's own.
    pub fn builtin_json() -> &'static str {
        BUILTIN_JSON
    }

    /// Parses and validates a catalogue from JSON text.
    ///
    /// # Errors
    /// [`Error::Json`] for malformed JSON or unknown fields; [`Error::InvalidCatalogue`] for
    /// a bad value (min > max, negative or non-finite numbers, a sector outside (0°, 360°],
    /// a refraction factor ≤ 0, an envelope for an unknown threat, no altitudes);
    /// [`Error::DuplicateId`] for duplicate class ids. A UTF-8 BOM is skipped; a key given
    /// twice in one object is an [`Error::Json`].
    pub fn from_json_str(text: &str) -> Result<Catalogue> {
        // BOM, duplicate keys and non-JSON formats first; then the typed parse (positions kept)
        crate::validate::parse_json_strict("catalogue", text)?;
        let text = crate::validate::strip_bom(text);
        let file: CatalogueFile =
            serde_json::from_str(text).map_err(|e| Error::json("catalogue", &e))?;
        Self::from_classes(file.name, file.threats, file.systems)
    }

    /// Reads [`from_json_str`](Self::from_json_str) from a file.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read, else as `from_json_str`.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Catalogue> {
        let path = path.as_ref();
        let text = crate::validate::read_json_text("catalogue", path)?;
        Self::from_json_str(&text)
    }

    /// Builds and validates a catalogue from classes.
    ///
    /// # Errors
    /// As [`from_json_str`](Self::from_json_str), less the JSON errors.
    pub fn from_classes(
        name: String,
        threats: Vec<ThreatClass>,
        systems: Vec<SystemClass>,
    ) -> Result<Catalogue> {
        const T: &str = "threat class";
        const S: &str = "system class";
        if threats.is_empty() {
            return Err(bad("catalogue", &name, "threats", "no threat classes"));
        }
        if systems.is_empty() {
            return Err(bad("catalogue", &name, "systems", "no system classes"));
        }
        let mut seen = HashSet::new();
        for t in &threats {
            if t.id.trim().is_empty() {
                return Err(bad(T, &t.id, "id", "empty id"));
            }
            if !seen.insert(t.id.as_str()) {
                return Err(Error::DuplicateId {
                    kind: T,
                    id: t.id.clone(),
                });
            }
            if !t.weight.is_finite() || t.weight <= 0.0 {
                return Err(bad(T, &t.id, "weight", format!("{} must be > 0", t.weight)));
            }
            if t.weight > crate::validate::MAX_WEIGHT {
                return Err(bad(
                    T,
                    &t.id,
                    "weight",
                    format!(
                        "{} is above the largest accepted weight {:e} (sums of weights must \
                         stay finite)",
                        t.weight,
                        crate::validate::MAX_WEIGHT
                    ),
                ));
            }
            if t.altitudes_m.is_empty() {
                return Err(bad(T, &t.id, "altitudes_m", "needs at least one altitude"));
            }
            if t.altitudes_m.len() > 16 {
                return Err(bad(
                    T,
                    &t.id,
                    "altitudes_m",
                    "at most 16 altitudes per threat",
                ));
            }
            for (i, &a) in t.altitudes_m.iter().enumerate() {
                check_non_negative(T, &t.id, &format!("altitudes_m[{i}]"), a)?;
            }
        }
        let mut seen = HashSet::new();
        let mut envelopes = Vec::with_capacity(systems.len());
        for s in &systems {
            if s.id.trim().is_empty() {
                return Err(bad(S, &s.id, "id", "empty id"));
            }
            if !seen.insert(s.id.as_str()) {
                return Err(Error::DuplicateId {
                    kind: S,
                    id: s.id.clone(),
                });
            }
            check_non_negative(S, &s.id, "antenna_height_m", s.antenna_height_m)?;
            check_non_negative(S, &s.id, "unit_cost", s.unit_cost)?;
            check_non_negative(S, &s.id, "min_spacing_m", s.min_spacing_m)?;
            if !s.sector_deg.is_finite() || s.sector_deg <= 0.0 || s.sector_deg > 360.0 {
                return Err(bad(
                    S,
                    &s.id,
                    "sector_deg",
                    format!("{} is outside (0, 360]", s.sector_deg),
                ));
            }
            if !s.refraction_k.is_finite() || s.refraction_k <= 0.0 {
                return Err(bad(
                    S,
                    &s.id,
                    "refraction_k",
                    format!("{} must be > 0", s.refraction_k),
                ));
            }
            if s.envelopes.is_empty() {
                return Err(bad(S, &s.id, "envelopes", "engages no threat"));
            }
            let mut row = vec![None; threats.len()];
            for (tid, e) in &s.envelopes {
                let Some(ti) = threats.iter().position(|t| &t.id == tid) else {
                    return Err(Error::UnknownThreat {
                        name: tid.clone(),
                        context: format!("catalogue: system class \"{}\" envelopes", s.id),
                        known: threats
                            .iter()
                            .map(|t| t.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                };
                let f = |name: &str| format!("envelopes.{tid}.{name}");
                check_non_negative(S, &s.id, &f("min_range_m"), e.min_range_m)?;
                check_non_negative(S, &s.id, &f("max_range_m"), e.max_range_m)?;
                check_non_negative(S, &s.id, &f("min_alt_m"), e.min_alt_m)?;
                check_non_negative(S, &s.id, &f("max_alt_m"), e.max_alt_m)?;
                if e.max_range_m <= 0.0 {
                    return Err(bad(S, &s.id, f("max_range_m"), "must be > 0"));
                }
                if e.min_range_m > e.max_range_m {
                    return Err(bad(
                        S,
                        &s.id,
                        f("min_range_m"),
                        format!("min {} > max {}", e.min_range_m, e.max_range_m),
                    ));
                }
                if e.min_alt_m > e.max_alt_m {
                    return Err(bad(
                        S,
                        &s.id,
                        f("min_alt_m"),
                        format!("min {} > max {}", e.min_alt_m, e.max_alt_m),
                    ));
                }
                row[ti] = Some(*e);
            }
            envelopes.push(row);
        }
        crate::catalogue_v2::validate(&threats, &systems)?;
        let mut layers = Vec::new();
        for (ti, t) in threats.iter().enumerate() {
            for &a in &t.altitudes_m {
                layers.push(Layer {
                    index: layers.len(),
                    threat: ThreatId(ti),
                    altitude_m: a,
                });
            }
        }
        Ok(Catalogue {
            name,
            threats,
            systems,
            envelopes,
            layers,
        })
    }

    /// Serialises the catalogue back to JSON (the same format as `data/catalogue.json`).
    pub fn to_json(&self) -> String {
        let file = CatalogueFile {
            name: self.name.clone(),
            threats: self.threats.clone(),
            systems: self.systems.clone(),
        };
        serde_json::to_string_pretty(&file).unwrap_or_default()
    }

    /// The catalogue's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// All threat classes, indexed by [`ThreatId`].
    pub fn threats(&self) -> &[ThreatClass] {
        &self.threats
    }

    /// All system classes, indexed by [`ClassId`].
    pub fn systems(&self) -> &[SystemClass] {
        &self.systems
    }

    /// The threat class with this id, for ids the crate has validated against this catalogue.
    /// The public API is [`try_threat`](Self::try_threat), which cannot panic.
    pub(crate) fn threat(&self, id: ThreatId) -> &ThreatClass {
        &self.threats[id.0]
    }

    /// The system class with this id, for ids the crate has validated against this catalogue.
    /// The public API is [`try_class`](Self::try_class), which cannot panic.
    pub(crate) fn class(&self, id: ClassId) -> &SystemClass {
        &self.systems[id.0]
    }

    /// The system class with this id, or a typed error when `id` is out of range (an id from
    /// another catalogue or made up): the non-panicking form of [`class`](Self::class).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `what` (e.g. `"site 3 class"`) and the valid range.
    ///
    /// # Examples
    /// ```
    /// use skycover::{Catalogue, ClassId};
    /// let cat = Catalogue::builtin();
    /// assert!(cat.try_class(ClassId(0), "class").is_ok());
    /// assert!(cat.try_class(ClassId(99), "class").is_err());
    /// ```
    pub fn try_class(&self, id: ClassId, what: &str) -> Result<&SystemClass> {
        self.systems.get(id.0).ok_or_else(|| Error::InvalidInput {
            what: what.to_string(),
            reason: format!(
                "class id {} is not in catalogue \"{}\" ({} classes: {}); it comes from another \
                 catalogue or was made up",
                id.0,
                self.name,
                self.systems.len(),
                self.class_names()
            ),
        })
    }

    /// The threat class with this id, or a typed error when `id` is out of range: the
    /// non-panicking form of [`threat`](Self::threat).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `what` and the valid range.
    pub fn try_threat(&self, id: ThreatId, what: &str) -> Result<&ThreatClass> {
        self.threats.get(id.0).ok_or_else(|| Error::InvalidInput {
            what: what.to_string(),
            reason: format!(
                "threat id {} is not in catalogue \"{}\" ({} threats: {})",
                id.0,
                self.name,
                self.threats.len(),
                self.threat_names()
            ),
        })
    }

    /// A stable 64-bit fingerprint of the whole catalogue (names, classes, threats, envelopes,
    /// layers, in order): two catalogues with the same fingerprint index their classes alike.
    /// Models built from a scenario remember it so that a model is never solved against
    /// another catalogue (see [`crate::placement::Planner::plan_model`]).
    ///
    /// # Complexity
    /// O(size of the catalogue).
    ///
    /// # Examples
    /// ```
    /// use skycover::Catalogue;
    /// assert_eq!(Catalogue::builtin().fingerprint(), Catalogue::builtin().fingerprint());
    /// ```
    pub fn fingerprint(&self) -> u64 {
        crate::validate::fnv1a(format!("{self:?}").as_bytes())
    }

    /// Iterates over `(ClassId, &SystemClass)`.
    pub fn classes(&self) -> impl Iterator<Item = (ClassId, &SystemClass)> {
        self.systems
            .iter()
            .enumerate()
            .map(|(i, s)| (ClassId(i), s))
    }

    /// Looks a system class up by its string id.
    ///
    /// # Errors
    /// [`Error::UnknownSystemClass`] listing the known ids.
    pub fn class_id(&self, name: &str) -> Result<ClassId> {
        self.systems
            .iter()
            .position(|s| s.id == name)
            .map(ClassId)
            .ok_or_else(|| Error::UnknownSystemClass {
                name: name.to_string(),
                context: "catalogue lookup".into(),
                known: self.class_names(),
            })
    }

    /// Looks a threat class up by its string id.
    ///
    /// # Errors
    /// [`Error::UnknownThreat`] listing the known ids.
    pub fn threat_id(&self, name: &str) -> Result<ThreatId> {
        self.threats
            .iter()
            .position(|t| t.id == name)
            .map(ThreatId)
            .ok_or_else(|| Error::UnknownThreat {
                name: name.to_string(),
                context: "catalogue lookup".into(),
                known: self.threat_names(),
            })
    }

    /// Comma-separated system class ids (for error messages).
    pub fn class_names(&self) -> String {
        self.systems
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Comma-separated threat ids (for error messages).
    pub fn threat_names(&self) -> String {
        self.threats
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The envelope of `class` against `threat`, if it can engage it.
    pub fn envelope(&self, class: ClassId, threat: ThreatId) -> Option<&Envelope> {
        self.envelopes.get(class.0)?.get(threat.0)?.as_ref()
    }

    /// All layers: for each threat in catalogue order, each of its altitudes in order.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// The layers of one threat.
    pub fn layers_of(&self, threat: ThreatId) -> impl Iterator<Item = &Layer> {
        self.layers.iter().filter(move |l| l.threat == threat)
    }

    /// Weight of one layer in the objective: the threat's weight shared equally by its
    /// altitudes, so that each threat's layers together weigh the threat's weight.
    pub fn layer_weight(&self, layer: &Layer) -> f64 {
        let t = &self.threats[layer.threat.0];
        t.weight / t.altitudes_m.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_is_valid_and_complete() {
        let c = Catalogue::from_json_str(BUILTIN_JSON).unwrap();
        for id in ["patriot_class", "medium_range", "counter_uas"] {
            c.class_id(id).unwrap();
        }
        for id in ["ballistic_missile", "aircraft", "cruise_missile", "drone"] {
            let t = c.threat_id(id).unwrap();
            assert!(c.layers_of(t).count() >= 1);
        }
        let p = c.class(c.class_id("patriot_class").unwrap());
        assert!(p.sector_deg < 360.0 && p.tier == Tier::Upper);
        assert!(c.class(c.class_id("medium_range").unwrap()).is_all_round());
        // Round trip through JSON.
        let again = Catalogue::from_json_str(&c.to_json()).unwrap();
        assert_eq!(again, c);
        // Layer weights of one threat sum to the threat's weight.
        for (ti, t) in c.threats().iter().enumerate() {
            let s: f64 = c.layers_of(ThreatId(ti)).map(|l| c.layer_weight(l)).sum();
            assert!((s - t.weight).abs() < 1e-12);
        }
    }

    #[test]
    fn horizon_textbook_values() {
        let k = DEFAULT_REFRACTION_K;
        assert!((radar_horizon_m(10.0, 30.0, k) - 35_600.0).abs() < 150.0);
        assert!((radar_horizon_m(10.0, 100.0, k) - 54_200.0).abs() < 150.0);
        assert!((radar_horizon_m(10.0, 10_000.0, k) - 425_000.0).abs() < 1_500.0);
        // ≈ 4.12 (√ha + √ht) km
        let d = radar_horizon_m(16.0, 25.0, k);
        assert!((d - 4_120.0 * 9.0).abs() < 50.0, "{d}");
    }

    fn mutate(f: impl FnOnce(&mut serde_json::Value)) -> Result<Catalogue> {
        let mut v: serde_json::Value = serde_json::from_str(BUILTIN_JSON).unwrap();
        f(&mut v);
        Catalogue::from_json_str(&v.to_string())
    }

    fn field_of(e: &Error) -> String {
        match e {
            Error::InvalidCatalogue { field, id, .. } => format!("{id}.{field}"),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn rejects_min_greater_than_max() {
        let e = mutate(|v| {
            v["systems"][0]["envelopes"]["aircraft"]["min_range_m"] = 200_000.0.into();
        })
        .unwrap_err();
        assert_eq!(field_of(&e), "patriot_class.envelopes.aircraft.min_range_m");
        let e = mutate(|v| {
            v["systems"][1]["envelopes"]["drone"]["min_alt_m"] = 30_000.0.into();
        })
        .unwrap_err();
        assert_eq!(field_of(&e), "medium_range.envelopes.drone.min_alt_m");
    }

    #[test]
    fn rejects_bad_numbers() {
        let e = mutate(|v| v["systems"][2]["antenna_height_m"] = (-1.0).into()).unwrap_err();
        assert_eq!(field_of(&e), "counter_uas.antenna_height_m");
        for s in [0.0, -10.0, 400.0] {
            let e = mutate(|v| v["systems"][0]["sector_deg"] = s.into()).unwrap_err();
            assert_eq!(field_of(&e), "patriot_class.sector_deg", "{s}");
        }
        let e = mutate(|v| v["systems"][0]["refraction_k"] = 0.0.into()).unwrap_err();
        assert_eq!(field_of(&e), "patriot_class.refraction_k");
        let e = mutate(|v| v["threats"][3]["weight"] = 0.0.into()).unwrap_err();
        assert_eq!(field_of(&e), "drone.weight");
        let e = mutate(|v| v["threats"][1]["altitudes_m"] = serde_json::json!([])).unwrap_err();
        assert_eq!(field_of(&e), "aircraft.altitudes_m");
        // JSON has no NaN; a string where a number belongs is a typed JSON error.
        let e = mutate(|v| v["threats"][1]["weight"] = "NaN".into()).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Json {
                    what: "catalogue",
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn rejects_unknown_threat_and_duplicates() {
        let e = mutate(|v| {
            let env = v["systems"][0]["envelopes"]["aircraft"].clone();
            v["systems"][0]["envelopes"]["helicopter"] = env;
        })
        .unwrap_err();
        assert!(
            matches!(&e, Error::UnknownThreat { name, .. } if name == "helicopter"),
            "{e:?}"
        );
        let e = mutate(|v| v["systems"][1]["id"] = "patriot_class".into()).unwrap_err();
        assert_eq!(
            e,
            Error::DuplicateId {
                kind: "system class",
                id: "patriot_class".into()
            }
        );
        let e = mutate(|v| v["threats"][1]["id"] = "drone".into()).unwrap_err();
        assert!(matches!(
            e,
            Error::DuplicateId {
                kind: "threat class",
                ..
            }
        ));
        assert!(e.to_string().contains("drone"));
    }

    #[test]
    fn unknown_lookup_lists_known_names() {
        let c = Catalogue::builtin();
        let e = c.class_id("s400").unwrap_err();
        assert!(e.to_string().contains("patriot_class"), "{e}");
        assert!(c.threat_id("ufo").is_err());
    }

    #[test]
    fn malformed_json_is_typed() {
        let e = Catalogue::from_json_str("{\"threats\": [").unwrap_err();
        assert!(matches!(e, Error::Json { line: 1, .. }), "{e:?}");
    }
}
