//! Scenarios: what is to be protected, where systems may stand, and with what.
//!
//! # File format
//!
//! A scenario is one GeoJSON `FeatureCollection` (RFC 7946, WGS84 `[lon, lat]`) with a
//! top-level member `"skycover"` holding the settings, and one feature per object, its
//! `properties.kind` saying what it is:
//!
//! | `kind` | geometry | properties |
//! |---|---|---|
//! | `zone` | Polygon / MultiPolygon | `name`, `priority` (> 0, default 1), `required_depth` |
//! | `asset` | Point | `name`, `category`, `value` (> 0, default 1), `required_depth` |
//! | `corridor` | LineString | `name`, `width_m` (> 0), `priority`, `required_depth` |
//! | `contact_line` | LineString | `name`, `keep_out_m` (≥ 0) |
//! | `candidate_area` | Polygon / MultiPolygon | `name` |
//! | `candidate_point` | Point | `class` (optional: only this class may stand there) |
//! | `exclusion` | Polygon / MultiPolygon | `name` |
//! | `site` | Point | `class`, `facing_deg`, `fixed` (default true), `name` |
//!
//! `required_depth` maps threat ids to how many systems must cover the object (1 to 8;
//! threats not named need 1). Every feature needs a unique string `id`.
//!
//! The `skycover` member:
//!
//! ```json
//! { "name": "Kyiv", "grid_resolution_m": 1000, "candidate_spacing_m": 4000,
//!   "class_spacing_m": {"counter_uas": 2000}, "min_site_spacing_m": 1000,
//!   "threat_axis_deg": 60, "extra_facings_deg": [], "budget": 2000,
//!   "inventory": {"patriot_class": {"count": 2, "unit_cost": 400}},
//!   "mutual_support": {"protected_classes": ["patriot_class"], "by_class": "counter_uas",
//!                      "threat": "drone", "min_depth": 1},
//!   "limits": {"max_grid_cells": 4000000, "max_candidates": 200000,
//!              "max_matrix_nonzeros": 200000000} }
//! ```
//!
//! Only `inventory` or at least one `site` is required; everything else has a default.
//! `"terrain"` names a DEM (`.asc` or `.tif`) relative to the scenario file and
//! `"terrain_cell_m"` the side of the cells it is resampled onto (default: a quarter of
//! `grid_resolution_m`, 100–1000 m): the scenario loads it and keeps it, and every entry point
//! uses it ([`Scenario::terrain`]).
//! `threat_axis_deg`, `extra_facings_deg` and a site's `facing_deg` are true bearings at the
//! site ([`crate::bearing`]); `max_frame_distortion` (default 0.005) bounds the local frame's
//! distance error over the scenario's extent ([`crate::geometry::extent`]). Lon/lat edges are
//! densified before projecting ([`crate::geometry::densify`]).
//! Validation rejects, with the feature's index and id and the field: malformed JSON, unknown
//! kinds, classes and threats, NaN/infinite/out-of-range coordinates, empty, unclosed,
//! self-intersecting or otherwise invalid polygons (holes outside their shell included),
//! non-positive widths, negative distances, required depths outside 1..=8, duplicate ids,
//! existing sites outside every zone and candidate area, and a scenario with neither inventory
//! nor existing sites.

use crate::catalogue::{Catalogue, ClassId, ThreatId};
use crate::diagnostic::Diagnostic;
use crate::error::{Error, FeatureRef, Result};
use crate::frame::LocalFrame;
use crate::geometry::densify::{self, Densifier};
use crate::geometry::extent::{self, Extent, ExtentMeter};
use crate::site::Site;
use geo::{
    Area as _, Distance as _, Intersects, LineString, MultiPolygon, Point, Polygon, Validation,
};
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::path::Path;

mod owned_terrain;
pub use owned_terrain::{
    default_terrain_cell_m, MAX_DEFAULT_TERRAIN_CELL_M, MIN_DEFAULT_TERRAIN_CELL_M,
};

/// The largest required depth a sample may ask for.
pub const MAX_REQUIRED_DEPTH: u8 = 8;

/// A deployment zone: an area to protect, with a priority weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    /// Feature id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Priority weight (> 0) multiplying the zone's area in the objective.
    pub priority: f64,
    /// Required depth per threat (indexed by [`ThreatId`]).
    pub required_depth: Vec<u8>,
    /// Geometry in WGS84 lon/lat.
    pub lonlat: MultiPolygon<f64>,
    /// Geometry in the local frame, metres.
    pub local: MultiPolygon<f64>,
}

impl Zone {
    /// Planar area in km² (local frame).
    pub fn area_km2(&self) -> f64 {
        self.local.unsigned_area() / 1e6
    }
}

/// A defended asset: a point with a value and a required depth per threat.
#[derive(Debug, Clone, PartialEq)]
pub struct Asset {
    /// Feature id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Category (airport, power_plant, bridge, ...), free text.
    pub category: String,
    /// Value (> 0), its weight in the objective.
    pub value: f64,
    /// Required depth per threat (indexed by [`ThreatId`]).
    pub required_depth: Vec<u8>,
    /// Position, WGS84 `[lon, lat]`.
    pub lonlat: [f64; 2],
    /// Position in the local frame, metres.
    pub local: [f64; 2],
}

/// A logistics or humanitarian corridor: a line with a width.
#[derive(Debug, Clone, PartialEq)]
pub struct Corridor {
    /// Feature id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Full width in metres (> 0).
    pub width_m: f64,
    /// Priority weight (> 0).
    pub priority: f64,
    /// Required depth per threat (indexed by [`ThreatId`]).
    pub required_depth: Vec<u8>,
    /// Centre line in WGS84 lon/lat.
    pub lonlat: LineString<f64>,
    /// Centre line in the local frame, metres.
    pub local: LineString<f64>,
}

/// The contact / ceasefire line with the distance systems must keep from it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactLine {
    /// Feature id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Keep-out distance in metres (≥ 0).
    pub keep_out_m: f64,
    /// The line in WGS84 lon/lat.
    pub lonlat: LineString<f64>,
    /// The line in the local frame, metres.
    pub local: LineString<f64>,
}

/// A named area (candidate area or exclusion area).
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    /// Feature id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Geometry in WGS84 lon/lat.
    pub lonlat: MultiPolygon<f64>,
    /// Geometry in the local frame, metres.
    pub local: MultiPolygon<f64>,
}

/// An explicit candidate position, optionally reserved for one class.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidatePoint {
    /// Feature id.
    pub id: String,
    /// Only this class may stand here (any class when `None`).
    pub class: Option<ClassId>,
    /// Position, WGS84 `[lon, lat]`.
    pub lonlat: [f64; 2],
    /// Position in the local frame, metres.
    pub local: [f64; 2],
}

/// How many systems of one class are available, at what unit cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InventoryItem {
    /// The class.
    pub class: ClassId,
    /// Number of systems available to place (existing sites come on top).
    pub count: u32,
    /// Cost of one system (defaults to the catalogue's unit cost).
    pub unit_cost: f64,
}

/// Mutual support: sites of the protected classes must themselves be covered by `min_depth`
/// sites of `by_class` against `threat` (for example Patriot batteries guarded against drones by
/// counter-UAS).
#[derive(Debug, Clone, PartialEq)]
pub struct MutualSupport {
    /// Classes whose sites need protection.
    pub protected: Vec<ClassId>,
    /// Class that provides it.
    pub by_class: ClassId,
    /// Threat it must be provided against (on every layer of that threat).
    pub threat: ThreatId,
    /// How many protecting sites are required.
    pub min_depth: u8,
}

/// Resource limits checked before allocating; raise them in the scenario's `limits` member.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Maximum demand grid cells (`limits.max_grid_cells`).
    pub max_grid_cells: u64,
    /// Maximum placement candidates (`limits.max_candidates`).
    pub max_candidates: u64,
    /// Maximum non-zeros in the sparse coverage matrix (`limits.max_matrix_nonzeros`).
    pub max_matrix_nonzeros: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_grid_cells: 4_000_000,
            max_candidates: 200_000,
            max_matrix_nonzeros: 200_000_000,
        }
    }
}

/// Scenario-wide settings (the `skycover` member).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Side of a demand grid cell, metres (> 0).
    pub grid_resolution_m: f64,
    /// Default spacing of the candidate grid, metres (> 0).
    pub candidate_spacing_m: f64,
    /// Per-class candidate spacing overriding the default (indexed by [`ClassId`]).
    pub class_spacing_m: Vec<Option<f64>>,
    /// Minimum distance between any two sites, metres (on top of each class's own spacing).
    pub min_site_spacing_m: f64,
    /// Bearing threats come from (degrees clockwise from true north at each site); sector
    /// radars face it.
    pub threat_axis_deg: Option<f64>,
    /// Additional candidate facings for sector radars, true bearings in degrees.
    pub extra_facings_deg: Vec<f64>,
    /// Resource limits.
    pub limits: Limits,
    /// Terrain model file named by the scenario (relative to the scenario file), if any: the
    /// first of [`terrain_source`](Self::terrain_source)'s tiles. Clearing it makes the
    /// terrain flat; setting another path replaces the tiles with that one file.
    pub terrain: Option<String>,
    /// Side of the terrain cells the DEM is resampled onto, metres (setting `terrain_cell_m`;
    /// when absent, [`default_terrain_cell_m`] of the file's grid resolution, resolved when the
    /// scenario is loaded). See [`Scenario::terrain`] for when the terrain is (re)built.
    pub terrain_cell_m: Option<f64>,
    /// All terrain settings: DEM tiles, `terrain_crs`, `terrain_outside`.
    pub terrain_source: crate::terrain::TerrainSource,
    /// Weight of one unit of asset value, in km² of priority-1 zone
    /// (default [`crate::demand::DEFAULT_ASSET_VALUE_KM2`]).
    pub asset_value_km2: f64,
    /// Largest relative distance error of the local frame the loader accepts over the
    /// scenario's extent (default [`extent::DEFAULT_MAX_FRAME_DISTORTION`], 0.5 %; see
    /// [`crate::geometry::extent`]).
    pub max_frame_distortion: f64,
}

/// A validated scenario in its local frame.
///
/// # Examples
/// ```
/// use skycover::Scenario;
/// let s = Scenario::builtin("kyiv")?;
/// println!("{}: {} zones, {} assets", s.name(), s.zones().len(), s.assets().len());
/// assert!(s.assets().len() >= 8);
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Scenario {
    name: String,
    description: String,
    catalogue: Catalogue,
    frame: LocalFrame,
    zones: Vec<Zone>,
    assets: Vec<Asset>,
    corridors: Vec<Corridor>,
    contact_lines: Vec<ContactLine>,
    candidate_areas: Vec<Region>,
    candidate_points: Vec<CandidatePoint>,
    exclusions: Vec<Region>,
    sites: Vec<Site>,
    inventory: Vec<InventoryItem>,
    budget: Option<f64>,
    mutual_support: Option<MutualSupport>,
    settings: Settings,
    diagnostics: Vec<Diagnostic>,
    terrain: owned_terrain::OwnedTerrain,
    extent: Extent,
    threat_setup: crate::threat_area::ThreatSetup,
}

/// The sample scenarios shipped in `data/scenarios/`, by name.
pub const BUILTIN_SCENARIOS: &[(&str, &str)] = &[
    ("kyiv", include_str!("../data/scenarios/kyiv.geojson")),
    ("odesa", include_str!("../data/scenarios/odesa.geojson")),
    (
        "corridor",
        include_str!("../data/scenarios/corridor.geojson"),
    ),
    ("theatre", include_str!("../data/scenarios/theatre.geojson")),
];

// ---------------------------------------------------------------------------------------------
// parsing helpers

struct Ctx<'a> {
    feature: FeatureRef,
    props: &'a Map<String, Value>,
}

impl Ctx<'_> {
    fn err(&self, field: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::InvalidFeature {
            feature: self.feature.clone(),
            field: field.into(),
            reason: reason.into(),
        }
    }

    fn str_prop(&self, key: &str) -> Result<Option<String>> {
        match self.props.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.err(
                format!("properties.{key}"),
                format!("expected a string, found {}", type_name(other)),
            )),
        }
    }

    fn num_prop(&self, key: &str) -> Result<Option<f64>> {
        match self.props.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => {
                let v = n.as_f64().unwrap_or(f64::NAN);
                if !v.is_finite() {
                    return Err(self.err(format!("properties.{key}"), "not a finite number"));
                }
                Ok(Some(v))
            }
            Some(other) => Err(self.err(
                format!("properties.{key}"),
                format!("expected a number, found {}", type_name(other)),
            )),
        }
    }

    fn positive(&self, key: &str, default: Option<f64>) -> Result<f64> {
        let v = match (self.num_prop(key)?, default) {
            (Some(v), _) => v,
            (None, Some(d)) => d,
            (None, None) => {
                return Err(self.err(format!("properties.{key}"), "missing (a number > 0)"))
            }
        };
        if v <= 0.0 {
            return Err(self.err(format!("properties.{key}"), format!("{v} must be > 0")));
        }
        crate::validate::check_feature_number(key, v)
            .map_err(|r| self.err(format!("properties.{key}"), r))?;
        Ok(v)
    }

    fn non_negative(&self, key: &str, default: Option<f64>) -> Result<f64> {
        let v = match (self.num_prop(key)?, default) {
            (Some(v), _) => v,
            (None, Some(d)) => d,
            (None, None) => {
                return Err(self.err(format!("properties.{key}"), "missing (a number ≥ 0)"))
            }
        };
        if v < 0.0 {
            return Err(self.err(format!("properties.{key}"), format!("{v} is negative")));
        }
        Ok(v)
    }

    fn bool_prop(&self, key: &str, default: bool) -> Result<bool> {
        match self.props.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(self.err(
                format!("properties.{key}"),
                format!("expected true or false, found {}", type_name(other)),
            )),
        }
    }

    fn required_depth(&self, cat: &Catalogue) -> Result<Vec<u8>> {
        let mut out = vec![1u8; cat.threats().len()];
        match self.props.get("required_depth") {
            None | Some(Value::Null) => Ok(out),
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    let field = format!("properties.required_depth.{k}");
                    let t = cat.threat_id(k).map_err(|_| Error::UnknownThreat {
                        name: k.clone(),
                        context: format!("scenario: {}: {field}", self.feature),
                        known: cat.threat_names(),
                    })?;
                    let d = v.as_f64().ok_or_else(|| {
                        self.err(
                            &field,
                            format!("expected an integer, found {}", type_name(v)),
                        )
                    })?;
                    if d.fract() != 0.0 || !(1.0..=MAX_REQUIRED_DEPTH as f64).contains(&d) {
                        return Err(self.err(
                            &field,
                            format!("{d} is not an integer in 1..={MAX_REQUIRED_DEPTH}"),
                        ));
                    }
                    out[t.0] = d as u8;
                }
                Ok(out)
            }
            Some(other) => Err(self.err(
                "properties.required_depth",
                format!(
                    "expected an object of threat -> depth, found {}",
                    type_name(other)
                ),
            )),
        }
    }

    fn class(&self, cat: &Catalogue, key: &str) -> Result<Option<ClassId>> {
        match self.str_prop(key)? {
            None => Ok(None),
            Some(name) => cat
                .class_id(&name)
                .map(Some)
                .map_err(|_| Error::UnknownSystemClass {
                    name,
                    context: format!("scenario: {}: properties.{key}", self.feature),
                    known: cat.class_names(),
                }),
        }
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn position(ctx: &Ctx, v: &Value, field: &str) -> Result<[f64; 2]> {
    let arr = v.as_array().ok_or_else(|| {
        ctx.err(
            field,
            format!("expected a position [lon, lat], found {}", type_name(v)),
        )
    })?;
    if arr.len() < 2 || arr.len() > 3 {
        return Err(ctx.err(
            field,
            format!("a position needs 2 or 3 numbers, found {}", arr.len()),
        ));
    }
    let lon = arr[0]
        .as_f64()
        .ok_or_else(|| ctx.err(field, "longitude is not a number"))?;
    let lat = arr[1]
        .as_f64()
        .ok_or_else(|| ctx.err(field, "latitude is not a number"))?;
    if !lon.is_finite() || !lat.is_finite() {
        return Err(ctx.err(field, format!("coordinate [{lon}, {lat}] is not finite")));
    }
    let hint = crate::validate::projected_hint(lon, lat);
    if !(-180.0..=180.0).contains(&lon) {
        return Err(ctx.err(
            field,
            format!("longitude {lon} is outside [-180, 180]{hint}"),
        ));
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err(ctx.err(field, format!("latitude {lat} is outside [-90, 90]{hint}")));
    }
    Ok([lon, lat])
}

fn positions(ctx: &Ctx, v: &Value, field: &str) -> Result<Vec<[f64; 2]>> {
    let arr = v.as_array().ok_or_else(|| {
        ctx.err(
            field,
            format!("expected an array of positions, found {}", type_name(v)),
        )
    })?;
    arr.iter()
        .enumerate()
        .map(|(i, p)| position(ctx, p, &format!("{field}[{i}]")))
        .collect()
}

fn ring(ctx: &Ctx, v: &Value, field: &str) -> Result<LineString<f64>> {
    let pts = positions(ctx, v, field)?;
    if pts.len() < 4 {
        return Err(ctx.err(
            field,
            format!(
                "a linear ring needs at least 4 positions, found {}",
                pts.len()
            ),
        ));
    }
    if pts[0] != pts[pts.len() - 1] {
        return Err(ctx.err(
            field,
            "ring is not closed (first and last positions differ)",
        ));
    }
    Ok(LineString::from(
        pts.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>(),
    ))
}

fn polygon(ctx: &Ctx, v: &Value, field: &str) -> Result<Polygon<f64>> {
    let rings = v.as_array().ok_or_else(|| {
        ctx.err(
            field,
            format!("expected an array of rings, found {}", type_name(v)),
        )
    })?;
    if rings.is_empty() {
        return Err(ctx.err(field, "polygon is empty (no rings)"));
    }
    let shell = ring(ctx, &rings[0], &format!("{field}[0]"))?;
    let holes = rings[1..]
        .iter()
        .enumerate()
        .map(|(i, r)| ring(ctx, r, &format!("{field}[{}]", i + 1)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Polygon::new(shell, holes))
}

fn geometry<'a>(ctx: &Ctx, feature: &'a Value) -> Result<(&'a str, &'a Value)> {
    let g = feature
        .get("geometry")
        .filter(|g| !g.is_null())
        .ok_or_else(|| ctx.err("geometry", "missing"))?;
    let t = g
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| ctx.err("geometry.type", "missing or not a string"))?;
    let c = g
        .get("coordinates")
        .ok_or_else(|| ctx.err("geometry.coordinates", "missing"))?;
    Ok((t, c))
}

fn areal(ctx: &Ctx, feature: &Value) -> Result<MultiPolygon<f64>> {
    let (t, c) = geometry(ctx, feature)?;
    let mp = match t {
        "Polygon" => MultiPolygon(vec![polygon(ctx, c, "geometry.coordinates")?]),
        "MultiPolygon" => {
            let arr = c
                .as_array()
                .ok_or_else(|| ctx.err("geometry.coordinates", "expected an array of polygons"))?;
            if arr.is_empty() {
                return Err(ctx.err("geometry.coordinates", "multipolygon is empty"));
            }
            MultiPolygon(
                arr.iter()
                    .enumerate()
                    .map(|(i, p)| polygon(ctx, p, &format!("geometry.coordinates[{i}]")))
                    .collect::<Result<Vec<_>>>()?,
            )
        }
        other => {
            return Err(ctx.err(
                "geometry.type",
                format!("expected Polygon or MultiPolygon, found {other}"),
            ))
        }
    };
    if let Some(problem) = crate::validate::multipolygon_problem(&mp) {
        return Err(ctx.err("geometry", format!("invalid polygon: {problem}")));
    }
    // geo's full OGC validation is O(n²): run it only where it is cheap, after the
    // O(n log n) test above has covered crossings, holes and nesting
    if mp.0.iter().map(|p| p.exterior().0.len()).sum::<usize>()
        <= crate::validate::FULL_VALIDATION_MAX_VERTICES
    {
        if let Err(e) = mp.check_validation() {
            return Err(ctx.err("geometry", format!("invalid polygon: {e}")));
        }
    }
    if mp.unsigned_area() <= 0.0 {
        return Err(ctx.err("geometry", "polygon has zero area"));
    }
    crate::validate::check_areal_extent(&mp).map_err(|r| ctx.err("geometry", r))?;
    Ok(mp)
}

fn point(ctx: &Ctx, feature: &Value) -> Result<[f64; 2]> {
    let (t, c) = geometry(ctx, feature)?;
    if t != "Point" {
        return Err(ctx.err("geometry.type", format!("expected Point, found {t}")));
    }
    position(ctx, c, "geometry.coordinates")
}

/// The parts of a `MultiLineString` cut at the antimeridian (RFC 7946 §3.1.9, as the
/// exports write them) joined back into one line: each part must start where the previous
/// one ended, on the cut (longitudes ±180, the same latitude); the repeated point is dropped.
fn joined_parts(ctx: &Ctx, c: &Value) -> Result<Vec<[f64; 2]>> {
    let arr = c.as_array().ok_or_else(|| {
        ctx.err(
            "geometry.coordinates",
            "expected an array of lines (MultiLineString)",
        )
    })?;
    let mut pts: Vec<[f64; 2]> = Vec::new();
    for (i, part) in arr.iter().enumerate() {
        let field = format!("geometry.coordinates[{i}]");
        let p = positions(ctx, part, &field)?;
        match (pts.last(), p.first()) {
            (Some(a), Some(b)) => {
                let on_cut = |x: f64| (x.abs() - 180.0).abs() <= 1e-9;
                if !(on_cut(a[0]) && on_cut(b[0]) && (a[1] - b[1]).abs() <= 1e-9) {
                    return Err(ctx.err(
                        field,
                        format!(
                            "a MultiLineString is read as one line cut at the antimeridian: \
                             this part starts at {b:?}, not where the previous one ended \
                             ({a:?}) on ±180°"
                        ),
                    ));
                }
                pts.extend_from_slice(&p[1..]);
            }
            _ => pts.extend_from_slice(&p),
        }
    }
    Ok(pts)
}

fn line(ctx: &Ctx, feature: &Value) -> Result<LineString<f64>> {
    let (t, c) = geometry(ctx, feature)?;
    let pts = match t {
        "LineString" => positions(ctx, c, "geometry.coordinates")?,
        "MultiLineString" => joined_parts(ctx, c)?,
        _ => {
            return Err(ctx.err(
                "geometry.type",
                format!(
                    "expected LineString (or a MultiLineString cut at the antimeridian), found {t}"
                ),
            ))
        }
    };
    if pts.len() < 2 {
        return Err(ctx.err("geometry.coordinates", "a line needs at least 2 positions"));
    }
    if pts.iter().all(|p| *p == pts[0]) {
        return Err(ctx.err(
            "geometry.coordinates",
            "the line has zero length (every position is the same)",
        ));
    }
    Ok(LineString::from(
        pts.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>(),
    ))
}

fn setting_err(field: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::InvalidSetting {
        field: field.into(),
        reason: reason.into(),
    }
}

fn setting_num(m: &Map<String, Value>, key: &str) -> Result<Option<f64>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_f64() {
            Some(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(setting_err(
                key,
                format!("expected a finite number, found {}", type_name(v)),
            )),
        },
    }
}

fn setting_positive(m: &Map<String, Value>, key: &str, default: f64) -> Result<f64> {
    let v = setting_num(m, key)?.unwrap_or(default);
    if v <= 0.0 {
        return Err(setting_err(key, format!("{v} must be > 0")));
    }
    Ok(v)
}

// ---------------------------------------------------------------------------------------------

impl Scenario {
    /// One of the sample scenarios shipped in `data/scenarios/` (see [`BUILTIN_SCENARIOS`]),
    /// with the built-in catalogue and the built-in terrain it names
    /// ([`Terrain::for_builtin_scenario`](crate::terrain::Terrain::for_builtin_scenario); see
    /// [`Scenario::terrain`]).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unknown name (the message lists the known ones).
    pub fn builtin(name: &str) -> Result<Scenario> {
        let text = BUILTIN_SCENARIOS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| Error::InvalidInput {
                what: "scenario name".into(),
                reason: format!(
                    "unknown built-in scenario \"{name}\" (known: {})",
                    BUILTIN_SCENARIOS
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
        let mut s = Scenario::from_geojson_str(text, Catalogue::builtin())?;
        s.attach_builtin_terrain()?;
        Ok(s)
    }

    /// A built-in scenario by name, case-insensitively (see [`BUILTIN_SCENARIOS`]), or else
    /// a scenario file at `name_or_path`, with the built-in catalogue: what the examples'
    /// command lines accept.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] listing the built-in maps when `name_or_path` is neither one
    /// nor an existing file; otherwise as [`from_path`](Self::from_path).
    pub fn load(name_or_path: &str) -> Result<Scenario> {
        crate::output::load_scenario(name_or_path)
    }

    /// Reads a scenario file (see the [module docs](self) for the format) and the terrain it
    /// names, relative to the file's directory (see [`Scenario::terrain`]).
    ///
    /// # Errors
    /// [`Error::Io`] if the file (or the DEM it names) cannot be read, otherwise as
    /// [`from_geojson_str`](Self::from_geojson_str) and
    /// [`Terrain::for_scenario`](crate::terrain::Terrain::for_scenario).
    pub fn from_path(path: impl AsRef<Path>, catalogue: Catalogue) -> Result<Scenario> {
        let path = path.as_ref();
        let text = crate::validate::read_json_text("scenario", path)?;
        let mut s = Scenario::from_geojson_str(&text, catalogue)?;
        s.attach_file_terrain(path.parent().unwrap_or(Path::new("")))?;
        Ok(s)
    }

    /// Parses and validates a scenario from GeoJSON text against `catalogue`. Text has no
    /// directory to resolve a `terrain` file against: a scenario naming one stays flat with a
    /// `scenario.terrain_not_loaded` warning until [`load_terrain`](Self::load_terrain).
    ///
    /// # Errors
    /// [`Error::Json`] for malformed JSON; [`Error::InvalidFeature`] naming the feature
    /// (index and id) and field for bad geometry or properties; [`Error::InvalidSetting`] for
    /// bad settings; [`Error::UnknownSystemClass`] / [`Error::UnknownThreat`] for names not
    /// in the catalogue; [`Error::DuplicateId`]; [`Error::Infeasible`] when there is neither
    /// inventory nor an existing site.
    pub fn from_geojson_str(text: &str, catalogue: Catalogue) -> Result<Scenario> {
        let doc: Value = crate::validate::parse_json_strict("scenario", text)?;
        let top = doc.as_object().ok_or_else(|| {
            setting_err("(document)", "expected a GeoJSON FeatureCollection object")
        })?;
        if top.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
            return Err(setting_err("type", "expected \"FeatureCollection\""));
        }
        let features = top
            .get("features")
            .and_then(Value::as_array)
            .ok_or_else(|| setting_err("features", "missing or not an array"))?;
        let empty = Map::new();
        let settings_v = match top.get("skycover") {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(m)) => m,
            Some(other) => {
                return Err(setting_err(
                    "skycover",
                    format!("expected an object, found {}", type_name(other)),
                ))
            }
        };
        let cat = &catalogue;

        // ---- settings
        const KNOWN_SETTINGS: &[&str] = &[
            "name",
            "description",
            "grid_resolution_m",
            "candidate_spacing_m",
            "class_spacing_m",
            "min_site_spacing_m",
            "threat_axis_deg",
            "extra_facings_deg",
            "budget",
            "inventory",
            "mutual_support",
            "limits",
            "terrain",
            "asset_value_km2",
            "terrain_cell_m",
            "terrain_crs",
            "terrain_outside",
            "max_frame_distortion",
            "netting",
        ];
        for k in settings_v.keys() {
            if !KNOWN_SETTINGS.contains(&k.as_str()) {
                return Err(setting_err(
                    k,
                    format!("unknown setting (known: {})", KNOWN_SETTINGS.join(", ")),
                ));
            }
        }
        let name = settings_v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("scenario")
            .to_string();
        let description = settings_v
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let grid_resolution_m = setting_positive(settings_v, "grid_resolution_m", 1000.0)?;
        let candidate_spacing_m = setting_positive(settings_v, "candidate_spacing_m", 5000.0)?;
        crate::validate::check_settings_numbers(settings_v).map_err(|(k, r)| setting_err(k, r))?;
        let max_frame_distortion = setting_positive(
            settings_v,
            "max_frame_distortion",
            extent::DEFAULT_MAX_FRAME_DISTORTION,
        )?;
        let min_site_spacing_m = setting_num(settings_v, "min_site_spacing_m")?.unwrap_or(0.0);
        if min_site_spacing_m < 0.0 {
            return Err(setting_err(
                "min_site_spacing_m",
                format!("{min_site_spacing_m} is negative"),
            ));
        }
        let threat_axis_deg = setting_num(settings_v, "threat_axis_deg")?;
        let mut extra_facings_deg = Vec::new();
        if let Some(v) = settings_v.get("extra_facings_deg") {
            let arr = v
                .as_array()
                .ok_or_else(|| setting_err("extra_facings_deg", "expected an array of numbers"))?;
            for (i, x) in arr.iter().enumerate() {
                match x.as_f64() {
                    Some(f) if f.is_finite() => extra_facings_deg.push(f),
                    _ => {
                        return Err(setting_err(
                            format!("extra_facings_deg[{i}]"),
                            "not a finite number",
                        ))
                    }
                }
            }
        }
        let mut class_spacing_m = vec![None; cat.systems().len()];
        if let Some(v) = settings_v.get("class_spacing_m") {
            let m = v.as_object().ok_or_else(|| {
                setting_err("class_spacing_m", "expected an object class -> metres")
            })?;
            for (k, x) in m {
                let c = cat.class_id(k).map_err(|_| Error::UnknownSystemClass {
                    name: k.clone(),
                    context: "scenario: setting `class_spacing_m`".into(),
                    known: cat.class_names(),
                })?;
                match x.as_f64() {
                    Some(f) if f.is_finite() && f > 0.0 => class_spacing_m[c.0] = Some(f),
                    _ => {
                        return Err(setting_err(
                            format!("class_spacing_m.{k}"),
                            "must be a number > 0",
                        ))
                    }
                }
            }
        }
        let budget = setting_num(settings_v, "budget")?;
        if let Some(b) = budget {
            if b < 0.0 {
                return Err(setting_err("budget", format!("{b} is negative")));
            }
        }
        let mut inventory = Vec::new();
        if let Some(v) = settings_v.get("inventory") {
            let m = v.as_object().ok_or_else(|| {
                setting_err(
                    "inventory",
                    "expected an object class -> {count, unit_cost}",
                )
            })?;
            for (k, x) in m {
                let class = cat.class_id(k).map_err(|_| Error::UnknownSystemClass {
                    name: k.clone(),
                    context: "scenario: setting `inventory`".into(),
                    known: cat.class_names(),
                })?;
                let o = x.as_object().ok_or_else(|| {
                    setting_err(
                        format!("inventory.{k}"),
                        "expected {\"count\": n, \"unit_cost\": c}",
                    )
                })?;
                let count = o.get("count").and_then(Value::as_f64).ok_or_else(|| {
                    setting_err(format!("inventory.{k}.count"), "missing or not a number")
                })?;
                if count < 0.0 || count.fract() != 0.0 || count > 100_000.0 {
                    return Err(setting_err(
                        format!("inventory.{k}.count"),
                        format!("{count} is not an integer in 0..=100000"),
                    ));
                }
                let unit_cost = match o.get("unit_cost") {
                    None | Some(Value::Null) => cat.class(class).unit_cost,
                    Some(c) => match c.as_f64() {
                        Some(c) if c.is_finite() && c >= 0.0 => c,
                        _ => {
                            return Err(setting_err(
                                format!("inventory.{k}.unit_cost"),
                                "must be a number ≥ 0",
                            ))
                        }
                    },
                };
                inventory.push(InventoryItem {
                    class,
                    count: count as u32,
                    unit_cost,
                });
            }
        }
        inventory.sort_by_key(|i| i.class);
        let mutual_support = match settings_v.get("mutual_support") {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => {
                let lookup = |key: &str| -> Result<ClassId> {
                    let n = m.get(key).and_then(Value::as_str).ok_or_else(|| {
                        setting_err(format!("mutual_support.{key}"), "missing or not a string")
                    })?;
                    cat.class_id(n).map_err(|_| Error::UnknownSystemClass {
                        name: n.to_string(),
                        context: format!("scenario: setting `mutual_support.{key}`"),
                        known: cat.class_names(),
                    })
                };
                let by_class = lookup("by_class")?;
                let tn = m.get("threat").and_then(Value::as_str).ok_or_else(|| {
                    setting_err("mutual_support.threat", "missing or not a string")
                })?;
                let threat = cat.threat_id(tn).map_err(|_| Error::UnknownThreat {
                    name: tn.to_string(),
                    context: "scenario: setting `mutual_support.threat`".into(),
                    known: cat.threat_names(),
                })?;
                let arr = m
                    .get("protected_classes")
                    .and_then(Value::as_array)
                    .ok_or_else(|| {
                        setting_err(
                            "mutual_support.protected_classes",
                            "missing or not an array",
                        )
                    })?;
                let mut protected = Vec::new();
                for x in arr {
                    let n = x.as_str().ok_or_else(|| {
                        setting_err("mutual_support.protected_classes", "expected class names")
                    })?;
                    protected.push(cat.class_id(n).map_err(|_| Error::UnknownSystemClass {
                        name: n.to_string(),
                        context: "scenario: setting `mutual_support.protected_classes`".into(),
                        known: cat.class_names(),
                    })?);
                }
                let min_depth = setting_num(m, "min_depth")?.unwrap_or(1.0);
                if min_depth.fract() != 0.0
                    || !(1.0..=MAX_REQUIRED_DEPTH as f64).contains(&min_depth)
                {
                    return Err(setting_err(
                        "mutual_support.min_depth",
                        format!("{min_depth} is not an integer in 1..=8"),
                    ));
                }
                Some(MutualSupport {
                    protected,
                    by_class,
                    threat,
                    min_depth: min_depth as u8,
                })
            }
            Some(other) => {
                return Err(setting_err(
                    "mutual_support",
                    format!("expected an object, found {}", type_name(other)),
                ))
            }
        };
        let mut limits = Limits::default();
        if let Some(v) = settings_v.get("limits") {
            let m = v
                .as_object()
                .ok_or_else(|| setting_err("limits", "expected an object"))?;
            for (k, x) in m {
                let n = x
                    .as_f64()
                    .filter(|n| n.is_finite() && *n >= 1.0)
                    .ok_or_else(|| setting_err(format!("limits.{k}"), "must be a number ≥ 1"))?
                    as u64;
                crate::validate::check_limit(k, n)
                    .map_err(|r| setting_err(format!("limits.{k}"), r))?;
                match k.as_str() {
                    "max_grid_cells" => limits.max_grid_cells = n,
                    "max_candidates" => limits.max_candidates = n,
                    "max_matrix_nonzeros" => limits.max_matrix_nonzeros = n,
                    _ => return Err(setting_err(format!("limits.{k}"), "unknown limit (known: max_grid_cells, max_candidates, max_matrix_nonzeros)")),
                }
            }
        }
        let asset_value_km2 = setting_num(settings_v, "asset_value_km2")?
            .unwrap_or(crate::demand::DEFAULT_ASSET_VALUE_KM2);
        if asset_value_km2 < 0.0 {
            return Err(setting_err(
                "asset_value_km2",
                format!("{asset_value_km2} is negative"),
            ));
        }
        let terrain_cell_m = setting_num(settings_v, "terrain_cell_m")?;
        if let Some(c) = terrain_cell_m {
            if c <= 0.0 {
                return Err(setting_err("terrain_cell_m", format!("{c} must be > 0")));
            }
        }
        let terrain_source = crate::terrain::TerrainSource::from_settings(settings_v)?;
        let terrain = terrain_source.tiles.first().cloned();

        // ---- features, pass 1: parse in lon/lat
        enum Parsed {
            Zone {
                id: String,
                name: String,
                priority: f64,
                depth: Vec<u8>,
                mp: MultiPolygon<f64>,
            },
            Asset {
                id: String,
                name: String,
                category: String,
                value: f64,
                depth: Vec<u8>,
                p: [f64; 2],
            },
            Corridor {
                id: String,
                name: String,
                width: f64,
                priority: f64,
                depth: Vec<u8>,
                ls: LineString<f64>,
            },
            Contact {
                id: String,
                name: String,
                keep_out: f64,
                ls: LineString<f64>,
            },
            CandArea {
                id: String,
                name: String,
                mp: MultiPolygon<f64>,
            },
            CandPoint {
                id: String,
                class: Option<ClassId>,
                p: [f64; 2],
            },
            Exclusion {
                id: String,
                name: String,
                mp: MultiPolygon<f64>,
            },
            Site {
                index: usize,
                id: String,
                class: ClassId,
                facing: Option<f64>,
                fixed: bool,
                p: [f64; 2],
            },
            Threat(crate::threat_area::ParsedThreatFeature),
        }
        let mut parsed = Vec::with_capacity(features.len());
        let mut ids = HashSet::new();
        let empty_props = Map::new();
        for (index, f) in features.iter().enumerate() {
            // the top-level id, else `properties.id` (where QGIS and GDAL write it)
            let id_of = |v: Option<&Value>| match v {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            let id =
                id_of(f.get("id")).or_else(|| id_of(f.get("properties").and_then(|p| p.get("id"))));
            let feature = FeatureRef {
                index,
                id: id.clone(),
            };
            let props = match f.get("properties") {
                None | Some(Value::Null) => &empty_props,
                Some(Value::Object(m)) => m,
                Some(other) => {
                    return Err(Error::InvalidFeature {
                        feature,
                        field: "properties".into(),
                        reason: format!("expected an object, found {}", type_name(other)),
                    })
                }
            };
            let ctx = Ctx { feature, props };
            if f.get("type").and_then(Value::as_str) != Some("Feature") {
                return Err(ctx.err("type", "expected \"Feature\""));
            }
            let id = id.ok_or_else(|| ctx.err("id", "every feature needs a string id"))?;
            if id.trim().is_empty() {
                return Err(ctx.err("id", "empty id"));
            }
            if !ids.insert(id.clone()) {
                return Err(Error::DuplicateId {
                    kind: "feature",
                    id,
                });
            }
            let kind = ctx
                .str_prop("kind")?
                .ok_or_else(|| ctx.err("properties.kind", "missing"))?;
            let name = ctx.str_prop("name")?.unwrap_or_else(|| id.clone());
            let p = match kind.as_str() {
                "zone" => Parsed::Zone {
                    mp: areal(&ctx, f)?,
                    priority: ctx.positive("priority", Some(1.0))?,
                    depth: ctx.required_depth(cat)?,
                    id, name,
                },
                "asset" => Parsed::Asset {
                    p: point(&ctx, f)?,
                    value: ctx.positive("value", Some(1.0))?,
                    depth: ctx.required_depth(cat)?,
                    category: ctx.str_prop("category")?.unwrap_or_default(),
                    id, name,
                },
                "corridor" => Parsed::Corridor {
                    ls: line(&ctx, f)?,
                    width: ctx.positive("width_m", None)?,
                    priority: ctx.positive("priority", Some(1.0))?,
                    depth: ctx.required_depth(cat)?,
                    id, name,
                },
                "contact_line" => Parsed::Contact {
                    ls: line(&ctx, f)?,
                    keep_out: ctx.non_negative("keep_out_m", Some(0.0))?,
                    id, name,
                },
                "candidate_area" => Parsed::CandArea { mp: areal(&ctx, f)?, id, name },
                "candidate_point" => Parsed::CandPoint { p: point(&ctx, f)?, class: ctx.class(cat, "class")?, id },
                "exclusion" => Parsed::Exclusion { mp: areal(&ctx, f)?, id, name },
                "site" => {
                    let class = ctx.class(cat, "class")?.ok_or_else(|| ctx.err("properties.class", "missing"))?;
                    Parsed::Site {
                        index,
                        p: point(&ctx, f)?,
                        facing: ctx.num_prop("facing_deg")?,
                        fixed: ctx.bool_prop("fixed", true)?,
                        class,
                        id,
                    }
                }
                "launch_area" => {
                    let threats = crate::threat_area::threat_list(ctx.props, cat, &ctx.feature)?;
                    let is_point = f.pointer("/geometry/type").and_then(Value::as_str) == Some("Point");
                    let (point, area) = if is_point { (Some(point(&ctx, f)?), None) } else { (None, Some(areal(&ctx, f)?)) };
                    Parsed::Threat(crate::threat_area::ParsedThreatFeature::Launch { id, name, threats, point, area })
                }
                "route" => {
                    let threats = crate::threat_area::threat_list(ctx.props, cat, &ctx.feature)?;
                    Parsed::Threat(crate::threat_area::ParsedThreatFeature::Route { line: line(&ctx, f)?, id, name, threats })
                }
                other => {
                    return Err(ctx.err(
                        "properties.kind",
                        format!("unknown kind \"{other}\" (known: zone, asset, corridor, contact_line, candidate_area, candidate_point, exclusion, site, launch_area, route)"),
                    ))
                }
            };
            parsed.push(p);
        }
        if !parsed.iter().any(|p| {
            matches!(
                p,
                Parsed::Zone { .. } | Parsed::Asset { .. } | Parsed::Corridor { .. }
            )
        }) {
            return Err(setting_err(
                "features",
                "nothing to protect: no zone, asset or corridor",
            ));
        }
        let n_sites = parsed
            .iter()
            .filter(|p| matches!(p, Parsed::Site { .. }))
            .count();
        if inventory.iter().all(|i| i.count == 0) && n_sites == 0 {
            return Err(Error::Infeasible {
                reason: "the scenario has no inventory and no existing sites: nothing to place or evaluate".into(),
            });
        }

        // ---- frame
        let mut pts: Vec<(f64, f64)> = Vec::new();
        for p in &parsed {
            match p {
                Parsed::Zone { mp, .. } | Parsed::CandArea { mp, .. } => pts.extend(
                    mp.0.iter()
                        .flat_map(|pg| pg.exterior().coords().map(|c| (c.x, c.y))),
                ),
                Parsed::Asset { p, .. } => pts.push((p[0], p[1])),
                Parsed::Corridor { ls, .. } => pts.extend(ls.coords().map(|c| (c.x, c.y))),
                _ => {}
            }
        }
        let frame = LocalFrame::centred_on(pts)?;

        // ---- extent: farthest feature and the frame's distortion there (geometry::extent)
        let mut meter = ExtentMeter::new(&frame);
        for (index, p) in parsed.iter().enumerate() {
            use geo::CoordsIter as _;
            let (id, pts): (&String, Vec<(f64, f64)>) = match p {
                Parsed::Zone { id, mp, .. }
                | Parsed::CandArea { id, mp, .. }
                | Parsed::Exclusion { id, mp, .. } => {
                    (id, mp.coords_iter().map(|c| c.x_y()).collect())
                }
                Parsed::Corridor { id, ls, .. } | Parsed::Contact { id, ls, .. } => {
                    (id, ls.coords().map(|c| c.x_y()).collect())
                }
                Parsed::Asset { id, p, .. }
                | Parsed::CandPoint { id, p, .. }
                | Parsed::Site { id, p, .. } => (id, vec![(p[0], p[1])]),
                Parsed::Threat(crate::threat_area::ParsedThreatFeature::Launch {
                    id,
                    point,
                    area,
                    ..
                }) => {
                    let mut v: Vec<(f64, f64)> = point.iter().map(|p| (p[0], p[1])).collect();
                    v.extend(area.iter().flat_map(|mp| mp.coords_iter().map(|c| c.x_y())));
                    (id, v)
                }
                Parsed::Threat(crate::threat_area::ParsedThreatFeature::Route {
                    id, line, ..
                }) => (id, line.coords().map(|c| c.x_y()).collect()),
            };
            meter.add(
                &FeatureRef {
                    index,
                    id: Some(id.clone()),
                },
                pts,
            );
        }
        let extent = extent::check(meter, max_frame_distortion)?;

        // ---- pass 2: project (lon/lat edges densified, see geometry::densify)
        let local = |p: [f64; 2]| frame.to_local_unchecked(p[0], p[1]);
        let mut dens = Densifier::new(&frame, densify::tolerance_m(grid_resolution_m));
        let mut s = Scenario {
            name,
            description,
            catalogue: catalogue.clone(),
            frame: frame.clone(),
            zones: vec![],
            assets: vec![],
            corridors: vec![],
            contact_lines: vec![],
            candidate_areas: vec![],
            candidate_points: vec![],
            exclusions: vec![],
            sites: vec![],
            inventory,
            budget,
            mutual_support,
            settings: Settings {
                grid_resolution_m,
                candidate_spacing_m,
                class_spacing_m,
                min_site_spacing_m,
                threat_axis_deg,
                extra_facings_deg,
                limits,
                terrain,
                terrain_source,
                asset_value_km2,
                terrain_cell_m,
                max_frame_distortion,
            },
            diagnostics: Vec::new(),
            terrain: Default::default(),
            extent: extent.clone(),
            threat_setup: crate::threat_area::ThreatSetup {
                netting: match settings_v.get("netting") {
                    None | Some(Value::Null) => false,
                    Some(Value::Bool(b)) => *b,
                    Some(other) => {
                        return Err(setting_err(
                            "netting",
                            format!("expected true or false, found {}", type_name(other)),
                        ))
                    }
                },
                ..Default::default()
            },
        };
        if extent.max_distortion > extent::COMFORTABLE_DISTORTION {
            s.push_diagnostic(extent::distortion_diagnostic(&extent));
        }
        let mut site_refs = Vec::new();
        for p in parsed {
            match p {
                Parsed::Zone {
                    id,
                    name,
                    priority,
                    depth,
                    mp,
                } => s.zones.push(Zone {
                    local: dens.project_multipolygon(&mp)?,
                    lonlat: mp,
                    id,
                    name,
                    priority,
                    required_depth: depth,
                }),
                Parsed::Asset {
                    id,
                    name,
                    category,
                    value,
                    depth,
                    p,
                } => s.assets.push(Asset {
                    local: local(p),
                    lonlat: p,
                    id,
                    name,
                    category,
                    value,
                    required_depth: depth,
                }),
                Parsed::Corridor {
                    id,
                    name,
                    width,
                    priority,
                    depth,
                    ls,
                } => s.corridors.push(Corridor {
                    local: dens.project_line(&ls)?,
                    lonlat: ls,
                    id,
                    name,
                    width_m: width,
                    priority,
                    required_depth: depth,
                }),
                Parsed::Contact {
                    id,
                    name,
                    keep_out,
                    ls,
                } => s.contact_lines.push(ContactLine {
                    local: dens.project_line(&ls)?,
                    lonlat: ls,
                    id,
                    name,
                    keep_out_m: keep_out,
                }),
                Parsed::CandArea { id, name, mp } => s.candidate_areas.push(Region {
                    local: dens.project_multipolygon(&mp)?,
                    lonlat: mp,
                    id,
                    name,
                }),
                Parsed::Exclusion { id, name, mp } => s.exclusions.push(Region {
                    local: dens.project_multipolygon(&mp)?,
                    lonlat: mp,
                    id,
                    name,
                }),
                Parsed::Threat(t) => s.threat_setup.push(t, &mut dens)?,
                Parsed::CandPoint { id, class, p } => s.candidate_points.push(CandidatePoint {
                    local: local(p),
                    lonlat: p,
                    id,
                    class,
                }),
                Parsed::Site {
                    index,
                    id,
                    class,
                    facing,
                    fixed,
                    p,
                } => {
                    let facing = facing.or(threat_axis_deg).unwrap_or(0.0);
                    site_refs.push((
                        FeatureRef {
                            index,
                            id: Some(id.clone()),
                        },
                        Point::new(p[0], p[1]),
                    ));
                    s.sites.push(Site {
                        id: Some(id),
                        class,
                        position: local(p),
                        facing_deg: facing,
                        bearings: frame.bearing_map(p[0], p[1]),
                        fixed,
                    });
                }
            }
        }
        // existing sites must stand inside a zone or a candidate area
        for (site, (fref, ll)) in s.sites.iter().zip(site_refs) {
            let pt = Point::new(site.position[0], site.position[1]);
            // the boundary counts as inside (a site exactly on a zone edge, as drawn in lon/lat,
            // is in the zone), within 1e-7° (1 cm) for rounding
            let near = |lonlat: &MultiPolygon<f64>, local: &MultiPolygon<f64>| {
                local.intersects(&pt)
                    || lonlat.intersects(&ll)
                    || geo::Euclidean.distance(&ll, lonlat) <= 1e-7
            };
            let inside = s.zones.iter().any(|z| near(&z.lonlat, &z.local))
                || s.candidate_areas.iter().any(|a| near(&a.lonlat, &a.local));
            if !inside {
                return Err(Error::InvalidFeature {
                    feature: fref,
                    field: "geometry".into(),
                    reason: "existing site lies outside every zone and candidate area".into(),
                });
            }
        }
        s.terrain_after_parse();
        Ok(s)
    }

    /// Scenario name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Free-text description.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// The catalogue the scenario was validated against.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }
    /// The scenario's local frame.
    pub fn frame(&self) -> &LocalFrame {
        &self.frame
    }
    /// Deployment zones.
    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }
    /// Defended assets.
    pub fn assets(&self) -> &[Asset] {
        &self.assets
    }
    /// Corridors.
    pub fn corridors(&self) -> &[Corridor] {
        &self.corridors
    }
    /// Contact / ceasefire lines.
    pub fn contact_lines(&self) -> &[ContactLine] {
        &self.contact_lines
    }
    /// Candidate areas (empty: the zones are the candidate areas).
    pub fn candidate_areas(&self) -> &[Region] {
        &self.candidate_areas
    }
    /// Explicit candidate points.
    pub fn candidate_points(&self) -> &[CandidatePoint] {
        &self.candidate_points
    }
    /// Exclusion areas.
    pub fn exclusions(&self) -> &[Region] {
        &self.exclusions
    }
    /// Existing sites.
    pub fn sites(&self) -> &[Site] {
        &self.sites
    }
    /// Inventory per class, sorted by class.
    pub fn inventory(&self) -> &[InventoryItem] {
        &self.inventory
    }
    /// Inventory item of a class, if any.
    pub fn inventory_of(&self, class: ClassId) -> Option<&InventoryItem> {
        self.inventory.iter().find(|i| i.class == class)
    }
    /// Optional total budget for placed (non-fixed) systems.
    pub fn budget(&self) -> Option<f64> {
        self.budget
    }
    /// Mutual-support requirement, if any.
    pub fn mutual_support(&self) -> Option<&MutualSupport> {
        self.mutual_support.as_ref()
    }
    /// Typed remarks left while loading and checking the scenario (see [`Diagnostic`]).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
    /// Adds a diagnostic (used by the loader and by checks that run after loading).
    #[allow(dead_code)] // the loader's checks push here as they gain diagnostics
    pub(crate) fn push_diagnostic(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }
    /// The scenario's extent: its feature farthest from the frame's centre, that distance and
    /// the frame's worst relative distance error there (see [`crate::geometry::extent`]).
    pub fn extent(&self) -> &Extent {
        &self.extent
    }
    /// Launch areas, known routes and the netting setting ([`crate::threat_area`]).
    pub fn threat_setup(&self) -> &crate::threat_area::ThreatSetup {
        &self.threat_setup
    }
    /// Mutable [`threat_setup`](Self::threat_setup) (e.g. to switch netting on).
    pub fn threat_setup_mut(&mut self) -> &mut crate::threat_area::ThreatSetup {
        &mut self.threat_setup
    }
    /// Settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
    /// Mutable settings (e.g. to coarsen the grid for a quick run).
    pub fn settings_mut(&mut self) -> &mut Settings {
        &mut self.settings
    }
    /// Replaces the existing sites (e.g. with a plan's sites for evaluation).
    ///
    /// Sites still carrying the identity bearing map (e.g. built with [`Site::new`]) get theirs
    /// from this scenario's frame, so their facings read as true bearings.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a site whose class is not in the scenario's catalogue or
    /// with a non-finite position or facing (the scenario is left unchanged).
    pub fn set_sites(&mut self, sites: Vec<Site>) -> Result<()> {
        crate::validate::check_sites(&self.catalogue, &sites)?;
        let frame = &self.frame;
        self.sites = sites
            .into_iter()
            .map(|s| {
                if s.bearings == crate::bearing::BearingMap::IDENTITY {
                    s.in_frame(frame)
                } else {
                    s
                }
            })
            .collect();
        Ok(())
    }
    /// Replaces the inventory.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a class not in the scenario's catalogue (e.g. a
    /// [`ClassId`] from another catalogue) or a non-finite, negative or too large unit cost
    /// (the scenario is left unchanged).
    pub fn set_inventory(&mut self, mut inventory: Vec<InventoryItem>) -> Result<()> {
        for (i, item) in inventory.iter().enumerate() {
            self.catalogue
                .try_class(item.class, &format!("inventory item {i} class"))?;
            if !item.unit_cost.is_finite()
                || item.unit_cost < 0.0
                || item.unit_cost > crate::validate::MAX_COST
            {
                return Err(Error::InvalidInput {
                    what: format!("inventory item {i} unit_cost"),
                    reason: format!(
                        "{} must be in [0, {:e}]",
                        item.unit_cost,
                        crate::validate::MAX_COST
                    ),
                });
            }
        }
        inventory.sort_by_key(|i| i.class);
        if let Some(w) = inventory.windows(2).find(|w| w[0].class == w[1].class) {
            return Err(Error::DuplicateId {
                kind: "inventory class",
                id: self.catalogue.class(w[0].class).id.clone(),
            });
        }
        self.inventory = inventory;
        Ok(())
    }
    /// Sets or clears the budget.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for a non-finite, negative or too large budget (unchanged).
    pub fn set_budget(&mut self, budget: Option<f64>) -> Result<()> {
        if let Some(b) = budget {
            if !b.is_finite() || !(0.0..=crate::validate::MAX_COST).contains(&b) {
                return Err(setting_err(
                    "budget",
                    format!("{b} must be in [0, {:e}]", crate::validate::MAX_COST),
                ));
            }
        }
        self.budget = budget;
        Ok(())
    }

    /// Candidate spacing for a class: its own if set, else the scenario default.
    pub fn candidate_spacing_m(&self, class: ClassId) -> f64 {
        self.settings
            .class_spacing_m
            .get(class.0)
            .copied()
            .flatten()
            .unwrap_or(self.settings.candidate_spacing_m)
    }

    /// Builds a site of `class` (by id) at `(lon, lat)`; sector radars face `facing_deg` or, when
    /// `None`, the scenario's threat axis (north if none), as true bearings at the site.
    ///
    /// # Errors
    /// [`Error::UnknownSystemClass`] or [`Error::InvalidInput`] for a bad coordinate.
    pub fn site_at(
        &self,
        class: &str,
        lon: f64,
        lat: f64,
        facing_deg: Option<f64>,
    ) -> Result<Site> {
        let class = self.catalogue.class_id(class)?;
        let position = self.frame.to_local(lon, lat)?;
        let facing = facing_deg.or(self.settings.threat_axis_deg).unwrap_or(0.0);
        if !facing.is_finite() {
            return Err(Error::InvalidInput {
                what: "facing_deg".into(),
                reason: "not finite".into(),
            });
        }
        let mut site = Site::new(class, position, facing);
        site.bearings = self.frame.bearing_map(lon, lat);
        Ok(site)
    }

    /// Bounding box `[min_x, min_y, max_x, max_y]` of the zones, assets and corridors (corridor
    /// half-widths included) in local metres.
    pub fn demand_bbox(&self) -> [f64; 4] {
        let mut b = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut add = |x: f64, y: f64, pad: f64| {
            b[0] = b[0].min(x - pad);
            b[1] = b[1].min(y - pad);
            b[2] = b[2].max(x + pad);
            b[3] = b[3].max(y + pad);
        };
        for z in &self.zones {
            for p in &z.local.0 {
                for c in p.exterior().coords() {
                    add(c.x, c.y, 0.0);
                }
            }
        }
        for a in &self.assets {
            add(a.local[0], a.local[1], 0.0);
        }
        for c in &self.corridors {
            for p in c.local.coords() {
                add(p.x, p.y, c.width_m / 2.0);
            }
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_loads() {
        for (name, _) in BUILTIN_SCENARIOS {
            let s = Scenario::builtin(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!s.zones().is_empty() || !s.assets().is_empty(), "{name}");
        }
        assert!(matches!(
            Scenario::builtin("atlantis"),
            Err(Error::InvalidInput { .. })
        ));
    }

    #[test]
    fn kyiv_loads() {
        let s = Scenario::builtin("kyiv").unwrap();
        assert!(!s.zones().is_empty());
        assert!(s.assets().len() >= 8);
        let area: f64 = s.zones().iter().map(Zone::area_km2).sum();
        assert!(area > 3_000.0 && area < 12_000.0, "{area}");
        assert!(!s.inventory().is_empty());
        // the frame is centred on the scenario: everything within 150 km
        let b = s.demand_bbox();
        assert!(b.iter().all(|v| v.abs() < 150_000.0), "{b:?}");
    }
}
