//! A plan's files in one call ([`write_plan`]), and the GIS-friendly layers they are made of.
//!
//! Every GeoJSON file holds one geometry type, so QGIS opens each as one layer:
//!
//! | file | geometry | one feature per |
//! |---|---|---|
//! | `sites.geojson` | Point | site (existing and placed): `site_id`, `class`, `tier`, `fixed`, `facing_deg` |
//! | `footprints.geojson` | Polygon | site × layer: `site_id`, `class`, `threat`, `altitude_m`, `layer` |
//! | `gaps.geojson` | MultiPolygon | threat (`scope = "threat"`) and layer (`scope = "layer"`), clipped to the zones |
//! | `assets.geojson` | Point | defended asset: `depth_<threat>`, `required_<threat>` (numbers), `failing_threats` |
//! | `areas.geojson` | MultiPolygon | zone, candidate area, exclusion area |
//! | `lines.geojson` | LineString | corridor, contact line |
//! | `routes.geojson` | LineString | worst threat route per asset and threat (launch areas or `route` features only): warning, opportunities, kill probability, `times_s` |
//! | `route_events.geojson` | Point | first detection and intercept points on those routes |
//!
//! Shapes crossing the antimeridian are cut there (RFC 7946 §3.1.9): a footprint, corridor or
//! contact line in two becomes two features of the file's type, with `part` (0, 1, ...) and
//! ids suffixed `#0`, `#1`; zones, areas and gaps become more MultiPolygon parts.
//!
//! Numbers are JSON numbers; lists are JSON arrays. `summary_threats.csv` and
//! `summary_assets.csv` give the before/after figures per threat and the status per asset by
//! name; `next_phase.geojson` is the scenario of the next deployment phase
//! ([`crate::phase::plan_as_scenario`]); `plan.json` is the plan and its certificate;
//! `map.svg`, `map.png`, `overview.png` the pictures ([`crate::map`]); `report.html` the
//! interactive report ([`crate::report`]).

use crate::catalogue::{Catalogue, Layer, ThreatId};
use crate::demand::Demand;
use crate::diagnostic::{codes, Diagnostic};
use crate::error::{Error, Result};
use crate::evaluate::Coverage;
use crate::export::{feature, footprint_polygon, write_geojson, DEFAULT_ARC_SEGMENTS};
use crate::gaps::cells_to_polygons;
use crate::geometry::antimeridian;
use crate::map::{self, MapContent};
use crate::phase::{class_name, plan_as_scenario};
use crate::placement::Plan;
use crate::scenario::Scenario;
use crate::site::Site;
use crate::threat_export::route_features;
use crate::threat_report::{threat_report, ReportOptions, ThreatReport};
use crate::volume::Footprint;
use geo::orient::{Direction, Orient};
use geo::{Area, BooleanOps, MultiPolygon};
use geojson::{FeatureCollection, JsonObject, JsonValue};
use serde_json::json;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What [`write_plan`] writes, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputOptions {
    /// Size of `map.svg` and `map.png`, pixels (default 1400 × 1000).
    pub map_size: (u32, u32),
    /// The layer whose footprints and gaps the map shows; `None` (default): the threat with
    /// the largest gap after the plan ([`default_layer`]).
    pub layer: Option<Layer>,
    /// Write `map.svg`, `map.png` and `overview.png` (default true).
    pub pictures: bool,
    /// Write `report.html` (default true).
    pub report: bool,
    /// When the scenario has launch areas or `route` features: evaluate the plan's threat
    /// routes ([`crate::threat_report`], the scenario's terrain and netting setting), write
    /// `routes.geojson` and `route_events.geojson`, and draw the worst routes on the map and
    /// in the report (default true).
    pub routes: bool,
}

impl Default for OutputOptions {
    fn default() -> Self {
        OutputOptions {
            map_size: (1400, 1000),
            layer: None,
            pictures: true,
            report: true,
            routes: true,
        }
    }
}

/// What [`write_plan`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The files, in the order written.
    pub files: Vec<PathBuf>,
    /// The layer the map shows.
    pub layer: Layer,
    /// Remarks on the outputs (gaps clipped to the zones, labels moved, ...).
    pub diagnostics: Vec<Diagnostic>,
}

/// The status of one defended asset, by name, for people.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetReport {
    /// Asset id.
    pub id: String,
    /// Asset name.
    pub name: String,
    /// Category.
    pub category: String,
    /// Value.
    pub value: f64,
    /// Position `[lon, lat]`.
    pub lonlat: [f64; 2],
    /// True when every layer meets its required depth.
    pub covered: bool,
    /// Per threat: threat id, depth (minimum over its layers), required depth.
    pub threats: Vec<(String, u8, u8)>,
    /// Ids of the threats the asset fails.
    pub failing_threats: Vec<String>,
    /// The failing layers: threat id and altitude (m).
    pub failing_layers: Vec<(String, f64)>,
}

fn threat_name(cat: &Catalogue, t: ThreatId) -> String {
    cat.threats()
        .get(t.0)
        .map(|x| x.id.clone())
        .unwrap_or_else(|| format!("threat {}", t.0))
}

/// The status of every defended asset of `scenario` under `coverage`, by name.
///
/// # Examples
/// ```
/// use skycover::{output, Coverage, Scenario};
/// let scenario = Scenario::builtin("kyiv")?;
/// let (_, coverage) = Coverage::of_scenario(&scenario)?;
/// let assets = output::asset_reports(&scenario, &coverage);
/// assert_eq!(assets.len(), scenario.assets().len());
/// for a in assets.iter().filter(|a| !a.covered) {
///     assert!(!a.failing_threats.is_empty(), "{} fails something", a.name);
/// }
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn asset_reports(scenario: &Scenario, coverage: &Coverage) -> Vec<AssetReport> {
    let cat = scenario.catalogue();
    coverage
        .assets()
        .iter()
        .filter_map(|st| {
            let a = scenario.assets().get(st.asset)?;
            let threats = cat
                .threats()
                .iter()
                .enumerate()
                .map(|(ti, t)| {
                    (
                        t.id.clone(),
                        st.depth.get(ti).copied().unwrap_or(0),
                        st.required.get(ti).copied().unwrap_or(1),
                    )
                })
                .collect::<Vec<_>>();
            let failing_threats = (0..cat.threats().len())
                .filter(|&t| st.fails(ThreatId(t)))
                .map(|t| threat_name(cat, ThreatId(t)))
                .collect();
            let failing_layers = st
                .failing_layers
                .iter()
                .filter_map(|&l| cat.layers().get(l))
                .map(|l| (threat_name(cat, l.threat), l.altitude_m))
                .collect();
            Some(AssetReport {
                id: a.id.clone(),
                name: a.name.clone(),
                category: a.category.clone(),
                value: a.value,
                lonlat: a.lonlat,
                covered: st.is_covered(),
                threats,
                failing_threats,
                failing_layers,
            })
        })
        .collect()
}

/// The layer a map shows by default: the lowest layer of the threat with the largest gap area
/// under `coverage` (ties: the first threat), or the first layer when nothing fails.
pub fn default_layer(cat: &Catalogue, coverage: &Coverage) -> Option<Layer> {
    let worst = coverage
        .threats()
        .iter()
        .filter(|t| t.gap_area_km2 > 0.0 || t.failing_samples > 0)
        .fold(None::<(ThreatId, f64, usize)>, |best, t| match best {
            Some((_, a, n)) if (a, n) >= (t.gap_area_km2, t.failing_samples) => best,
            _ => Some((t.threat, t.gap_area_km2, t.failing_samples)),
        })
        .map(|(t, _, _)| t);
    match worst {
        Some(t) => cat
            .layers_of(t)
            .min_by(|a, b| a.altitude_m.total_cmp(&b.altitude_m))
            .copied(),
        None => cat.layers().first().copied(),
    }
}

fn tier_str(cat: &Catalogue, site: &Site) -> JsonValue {
    cat.classes()
        .find(|(c, _)| *c == site.class)
        .and_then(|(_, c)| serde_json::to_value(c.tier).ok())
        .unwrap_or(JsonValue::Null)
}

/// The id a site is known by in the outputs: its own id, or `site-<n>` (n = its index).
pub fn site_id(site: &Site, index: usize) -> String {
    site.id.clone().unwrap_or_else(|| format!("site-{index}"))
}

fn obj(v: serde_json::Value) -> JsonObject {
    match v {
        serde_json::Value::Object(m) => m,
        _ => JsonObject::new(),
    }
}

fn with_id(mut f: geojson::Feature, id: String) -> geojson::Feature {
    f.id = Some(geojson::feature::Id::String(id));
    f
}

fn fc(features: Vec<geojson::Feature>) -> FeatureCollection {
    crate::export::collection(features)
}

/// `sites.geojson`: one Point per site with `site_id`, `class`, `tier`, `fixed`
/// (existing before the plan), `facing_deg` and `sector_deg`.
///
/// # Errors
/// [`Error::InvalidInput`] when a site's class is not in the catalogue.
///
/// # Examples
/// ```
/// use skycover::{output, Scenario};
/// let scenario = Scenario::builtin("kyiv")?;
/// let sites = output::sites_collection(&scenario, scenario.sites())?;
/// assert_eq!(sites.features.len(), scenario.sites().len());
/// assert!(sites.features.iter().all(|f| matches!(
///     f.geometry.as_ref().map(|g| &g.value), Some(geojson::Value::Point(_)))));
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn sites_collection(scenario: &Scenario, sites: &[Site]) -> Result<FeatureCollection> {
    let cat = scenario.catalogue();
    let mut out = Vec::with_capacity(sites.len());
    for (i, s) in sites.iter().enumerate() {
        let class = class_name(cat, s.class, "sites")?;
        let sector = cat
            .classes()
            .find(|(c, _)| *c == s.class)
            .map(|(_, c)| c.sector_deg);
        let (lon, lat) = scenario.frame().to_lonlat(s.position[0], s.position[1]);
        let id = site_id(s, i);
        out.push(with_id(
            feature(
                geojson::Value::Point(vec![lon, lat]),
                obj(json!({
                    "site_id": id, "class": class, "tier": tier_str(cat, s),
                    "fixed": s.fixed, "facing_deg": s.facing_deg, "sector_deg": sector,
                })),
            ),
            id,
        ));
    }
    Ok(fc(out))
}

/// `footprints.geojson`: one Polygon per site and layer of `layers` (empty footprints
/// omitted), with `site_id`, `class`, `threat`, `altitude_m`, `layer` (index) and
/// `max_ground_range_m`.
///
/// # Errors
/// [`Error::InvalidInput`] when a site's class is not in the catalogue.
///
/// # Complexity
/// O(sites × layers × [`DEFAULT_ARC_SEGMENTS`]).
///
/// # Examples
/// ```
/// use skycover::{output, Scenario};
/// let scenario = Scenario::builtin("kyiv")?;
/// let layers = scenario.catalogue().layers();
/// let fps = output::footprints_collection(&scenario, scenario.sites(), layers)?;
/// for f in &fps.features {
///     assert!(f.property("site_id").is_some());
///     assert!(f.property("altitude_m").and_then(|v| v.as_f64()).is_some());
/// }
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn footprints_collection(
    scenario: &Scenario,
    sites: &[Site],
    layers: &[Layer],
) -> Result<FeatureCollection> {
    let cat = scenario.catalogue();
    let mut out = Vec::new();
    for (i, s) in sites.iter().enumerate() {
        let class = class_name(cat, s.class, "sites")?;
        let sid = site_id(s, i);
        for layer in layers {
            let fp = Footprint::new(cat, s, layer);
            let Some(p) = footprint_polygon(&fp, DEFAULT_ARC_SEGMENTS) else {
                continue;
            };
            // split at the antimeridian (RFC 7946 §3.1.9); each part its own Polygon feature
            let parts = antimeridian::unproject_polygon(scenario.frame(), &p);
            let threat = threat_name(cat, layer.threat);
            let id = format!("{sid}/{threat}@{:.0}", layer.altitude_m);
            let split = parts.0.len() > 1;
            for (k, ll) in parts.0.iter().enumerate() {
                let mut props = obj(json!({
                    "site_id": sid, "class": class, "fixed": s.fixed,
                    "threat": threat, "altitude_m": layer.altitude_m,
                    "layer": layer.index,
                    "max_ground_range_m": fp.max_ground_range_m(),
                }));
                let fid = if split {
                    props.insert("part".into(), k.into());
                    format!("{id}#{k}")
                } else {
                    id.clone()
                };
                out.push(with_id(feature(geojson::Value::from(ll), props), fid));
            }
        }
    }
    Ok(fc(out))
}

fn zones_union(scenario: &Scenario) -> MultiPolygon<f64> {
    let mut u = MultiPolygon::<f64>(vec![]);
    for z in scenario.zones() {
        u = if u.0.is_empty() {
            z.local.clone()
        } else {
            u.union(&z.local)
        };
    }
    u
}

/// `gaps.geojson`: the grid cells failing each threat (`scope = "threat"`) and each layer
/// (`scope = "layer"`), merged into MultiPolygons and clipped to the deployment zones, with
/// `threat`, `altitude_m` (null for a threat), `cells`, `area_km2` (of the clipped polygons)
/// and `cell_area_km2` (cells × cell area, the figure of [`Coverage::threats`]). Scopes
/// without a failing cell are omitted.
///
/// The diagnostics say how much cell area the clipping removed (grid cells straddle the zone
/// boundary), code [`codes::OUTPUT_GAPS_CLIPPED`].
///
/// # Errors
/// [`Error::InvalidInput`] when `coverage` was not computed over `demand`.
///
/// # Complexity
/// O((threats + layers) × grid cells) plus the polygon clipping.
///
/// # Examples
/// ```
/// use skycover::{output, Coverage, Scenario};
/// let scenario = Scenario::builtin("kyiv")?;
/// let (demand, coverage) = Coverage::of_scenario(&scenario)?;
/// let (gaps, _diags) = output::gaps_collection(&scenario, &demand, &coverage)?;
/// let scopes: Vec<_> = gaps.features.iter()
///     .filter_map(|f| f.property("scope").and_then(|v| v.as_str())).collect();
/// assert!(scopes.contains(&"threat") && scopes.contains(&"layer"));
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn gaps_collection(
    scenario: &Scenario,
    demand: &Demand,
    coverage: &Coverage,
) -> Result<(FeatureCollection, Vec<Diagnostic>)> {
    if coverage.samples() != demand.len() || coverage.grid_samples() != demand.grid_samples() {
        return Err(Error::InvalidInput {
            what: "output::gaps_collection: coverage".into(),
            reason: format!(
                "computed over {} samples, the demand has {}",
                coverage.samples(),
                demand.len()
            ),
        });
    }
    let cat = scenario.catalogue();
    let grid = *demand.grid();
    let cells = demand.grid_cells();
    let zones = zones_union(scenario);
    let mut out = Vec::new();
    let mut removed_km2 = 0.0;
    let mut cell_km2 = 0.0;
    let mut emit =
        |fails: &dyn Fn(usize) -> bool, threat: ThreatId, layer: Option<&Layer>| -> Result<()> {
            let mut mask = vec![false; grid.len()];
            let mut n = 0usize;
            for (s, &c) in cells.iter().enumerate() {
                if fails(s) {
                    if let Some(m) = mask.get_mut(c as usize) {
                        *m = true;
                        n += 1;
                    }
                }
            }
            if n == 0 {
                return Ok(());
            }
            let local = cells_to_polygons(&grid, &mask)?;
            let raw = local.unsigned_area() / 1e6;
            let clipped = if zones.0.is_empty() {
                local
            } else {
                local.intersection(&zones)
            };
            let area = clipped.unsigned_area() / 1e6;
            removed_km2 += (raw - area).max(0.0);
            cell_km2 += raw;
            // split at the antimeridian (RFC 7946 §3.1.9), right-hand rule
            let ll = antimeridian::unproject_multipolygon(scenario.frame(), &clipped);
            let threat = threat_name(cat, threat);
            let (scope, id) = match layer {
                None => ("threat", format!("gap/{threat}")),
                Some(l) => ("layer", format!("gap/{threat}@{:.0}", l.altitude_m)),
            };
            out.push(with_id(
                feature(
                    geojson::Value::from(&ll),
                    obj(json!({
                        "scope": scope, "threat": threat,
                        "altitude_m": layer.map(|l| l.altitude_m),
                        "layer": layer.map(|l| l.index),
                        "cells": n, "area_km2": area,
                        "cell_area_km2": n as f64 * grid.cell_area_km2(),
                    })),
                ),
                id,
            ));
            Ok(())
        };
    for t in 0..cat.threats().len() {
        let threat = ThreatId(t);
        emit(&|s| coverage.fails(s, threat), threat, None)?;
    }
    for layer in cat.layers() {
        let l = *layer;
        emit(
            &|s| coverage.depth(s, l.index) < demand.required_depth(s, l.threat),
            l.threat,
            Some(&l),
        )?;
    }
    let mut diags = Vec::new();
    if removed_km2 > 0.0 {
        diags.push(Diagnostic::info(
            codes::OUTPUT_GAPS_CLIPPED,
            format!(
                "gap polygons clipped to the deployment zones: {removed_km2:.1} km² of the {cell_km2:.1} km² of failing grid cells lay outside the zones (cells straddle the zone boundary); area_km2 is the clipped area, cell_area_km2 the evaluated one"
            ),
        ));
    }
    Ok((fc(out), diags))
}

/// `assets.geojson`: one Point per defended asset with `asset_id`, `name`, `category`,
/// `value`, `covered`, per threat `depth_<threat>` and `required_<threat>` (numbers),
/// `failing_threats` (array of threat ids) and `failing_layers` (array of
/// `{"threat", "altitude_m"}` objects).
///
/// # Examples
/// ```
/// use skycover::{output, Coverage, Scenario};
/// let scenario = Scenario::builtin("kyiv")?;
/// let (_, coverage) = Coverage::of_scenario(&scenario)?;
/// let assets = output::assets_collection(&scenario, &coverage);
/// let f = &assets.features[0];
/// assert!(f.property("depth_drone").and_then(|v| v.as_u64()).is_some());
/// assert!(f.property("failing_threats").and_then(|v| v.as_array()).is_some());
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn assets_collection(scenario: &Scenario, coverage: &Coverage) -> FeatureCollection {
    let out = asset_reports(scenario, coverage)
        .into_iter()
        .map(|a| {
            let mut p = obj(json!({
                "asset_id": a.id, "name": a.name, "category": a.category, "value": a.value,
                "covered": a.covered, "failing_threats": a.failing_threats,
                "failing_layers": a.failing_layers.iter()
                    .map(|(t, alt)| json!({"threat": t, "altitude_m": alt}))
                    .collect::<Vec<_>>(),
            }));
            for (t, d, r) in &a.threats {
                p.insert(format!("depth_{t}"), json!(d));
                p.insert(format!("required_{t}"), json!(r));
            }
            with_id(
                feature(geojson::Value::Point(a.lonlat.to_vec()), p),
                a.id.clone(),
            )
        })
        .collect();
    fc(out)
}

/// `areas.geojson`: the zones, candidate areas and exclusion areas as MultiPolygons with
/// `kind`, `name` (and `priority`, `area_km2` for zones).
pub fn areas_collection(scenario: &Scenario) -> FeatureCollection {
    // split at the antimeridian (RFC 7946 §3.1.9), right-hand rule
    let lon0 = scenario.frame().lon0();
    let mp = |m: &MultiPolygon<f64>| {
        geojson::Value::from(&antimeridian::split_multipolygon(m, lon0).orient(Direction::Default))
    };
    let mut out = Vec::new();
    for z in scenario.zones() {
        out.push(with_id(
            feature(
                mp(&z.lonlat),
                obj(
                    json!({"kind": "zone", "name": z.name, "priority": z.priority,
                           "area_km2": z.area_km2()}),
                ),
            ),
            z.id.clone(),
        ));
    }
    for (kind, regions) in [
        ("candidate_area", scenario.candidate_areas()),
        ("exclusion", scenario.exclusions()),
    ] {
        for r in regions {
            out.push(with_id(
                feature(mp(&r.lonlat), obj(json!({"kind": kind, "name": r.name}))),
                r.id.clone(),
            ));
        }
    }
    fc(out)
}

/// `lines.geojson`: corridors (`width_m`) and contact lines (`keep_out_m`) as LineStrings
/// with `kind` and `name`.
pub fn lines_collection(scenario: &Scenario) -> FeatureCollection {
    let lon0 = scenario.frame().lon0();
    let mut out = Vec::new();
    // split at the antimeridian (RFC 7946 §3.1.9); each part its own LineString feature
    let mut push = |line: &geo::LineString<f64>, props: JsonObject, id: &str| {
        let parts = antimeridian::split_line(line, lon0);
        let split = parts.0.len() > 1;
        for (k, part) in parts.0.iter().enumerate() {
            let mut props = props.clone();
            let fid = if split {
                props.insert("part".into(), k.into());
                format!("{id}#{k}")
            } else {
                id.to_string()
            };
            out.push(with_id(feature(geojson::Value::from(part), props), fid));
        }
    };
    for c in scenario.corridors() {
        push(
            &c.lonlat,
            obj(json!({"kind": "corridor", "name": c.name, "width_m": c.width_m})),
            &c.id,
        );
    }
    for c in scenario.contact_lines() {
        push(
            &c.lonlat,
            obj(json!({"kind": "contact_line", "name": c.name, "keep_out_m": c.keep_out_m})),
            &c.id,
        );
    }
    fc(out)
}

/// The worst threat routes of `sites` (per asset and threat) as `routes.geojson` (lines) and
/// `route_events.geojson` (points: first detection, intercepts), with the report they come
/// from; `None` when the scenario has no launch areas and no `route` features.
///
/// # Errors
/// As [`crate::threat_report::threat_report`].
pub fn routes_collections(
    scenario: &Scenario,
    sites: &[Site],
) -> Result<Option<(FeatureCollection, FeatureCollection, ThreatReport)>> {
    let setup = scenario.threat_setup();
    if setup.launch_areas.is_empty() && setup.routes.is_empty() {
        return Ok(None);
    }
    let report = threat_report(
        scenario,
        sites,
        scenario.terrain(),
        &ReportOptions::default(),
    )?;
    let (lines, points): (Vec<_>, Vec<_>) = route_features(scenario, &report, true)
        .into_iter()
        .partition(|f| {
            matches!(
                f.geometry.as_ref().map(|g| &g.value),
                Some(geojson::Value::LineString(_))
            )
        });
    Ok(Some((fc(lines), fc(points), report)))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `summary_threats.csv`: per threat, covered fraction (%), gap area (km²) and failing
/// assets (count and names) before and after the plan.
///
/// # Examples
/// ```
/// use skycover::{output, Coverage, Scenario};
/// let scenario = Scenario::builtin("corridor")?;
/// let (_, before) = Coverage::of_scenario(&scenario)?;
/// let csv = output::threat_summary_csv(&scenario, &before, &before);
/// assert!(csv.starts_with("threat,covered_before_pct"));
/// assert_eq!(csv.lines().count(), 1 + scenario.catalogue().threats().len());
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn threat_summary_csv(scenario: &Scenario, before: &Coverage, after: &Coverage) -> String {
    let cat = scenario.catalogue();
    let names = |ids: &[usize]| {
        ids.iter()
            .filter_map(|&i| scenario.assets().get(i).map(|a| a.name.clone()))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut s = String::from(
        "threat,covered_before_pct,covered_after_pct,gap_before_km2,gap_after_km2,assets_failing_before,assets_failing_after,assets_failing_after_names\n",
    );
    for (b, a) in before.threats().iter().zip(after.threats()) {
        let _ = writeln!(
            s,
            "{},{:.3},{:.3},{:.3},{:.3},{},{},{}",
            csv_field(&threat_name(cat, b.threat)),
            100.0 * b.fraction,
            100.0 * a.fraction,
            b.gap_area_km2,
            a.gap_area_km2,
            b.assets_failing.len(),
            a.assets_failing.len(),
            csv_field(&names(&a.assets_failing)),
        );
    }
    s
}

/// `summary_assets.csv`: per defended asset (by id and name), covered before and after,
/// the threats it fails after, and per threat the depth after and the required depth.
///
/// # Examples
/// ```
/// use skycover::{output, Coverage, Scenario};
/// let scenario = Scenario::builtin("kyiv")?;
/// let (_, before) = Coverage::of_scenario(&scenario)?;
/// let csv = output::asset_summary_csv(&scenario, &before, &before);
/// assert_eq!(csv.lines().count(), 1 + scenario.assets().len());
/// assert!(csv.contains("Boryspil"));
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn asset_summary_csv(scenario: &Scenario, before: &Coverage, after: &Coverage) -> String {
    let cat = scenario.catalogue();
    let mut s = String::from(
        "asset_id,name,category,value,covered_before,covered_after,failing_threats_after",
    );
    for t in cat.threats() {
        let _ = write!(s, ",depth_{0},required_{0}", t.id);
    }
    s.push('\n');
    let b = asset_reports(scenario, before);
    for a in asset_reports(scenario, after) {
        let cb = b.iter().find(|x| x.id == a.id).map(|x| x.covered);
        let _ = write!(
            s,
            "{},{},{},{},{},{},{}",
            csv_field(&a.id),
            csv_field(&a.name),
            csv_field(&a.category),
            a.value,
            cb.map(|c| c.to_string()).unwrap_or_default(),
            a.covered,
            csv_field(&a.failing_threats.join("; ")),
        );
        for (_, d, r) in &a.threats {
            let _ = write!(s, ",{d},{r}");
        }
        s.push('\n');
    }
    s
}

fn write_text(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
        }
    }
    std::fs::write(path, text).map_err(|e| Error::io(path, &e))
}

/// Everything [`write_plan`] needs: the scenario, its plan, the demand both coverages were
/// evaluated over, and the coverage before (existing sites) and after (the plan's sites).
#[derive(Debug, Clone, Copy)]
pub struct PlanResults<'a> {
    /// The planned scenario.
    pub scenario: &'a Scenario,
    /// The plan.
    pub plan: &'a Plan,
    /// The demand both coverages were evaluated over.
    pub demand: &'a Demand,
    /// Coverage of the existing sites.
    pub before: &'a Coverage,
    /// Coverage of the plan's sites.
    pub after: &'a Coverage,
}

/// Writes every file of a plan into `out_dir` (created if needed): the GeoJSON layers
/// (`sites`, `footprints`, `gaps`, `assets`, `areas`, `lines`), `summary_threats.csv`,
/// `summary_assets.csv`, `plan.json`, `next_phase.geojson`, and with the default options
/// `map.svg`, `map.png`, `overview.png` and `report.html`.
///
/// # Parameters
/// * `results`: the scenario, plan, demand and the coverage before and after.
/// * `out_dir`: the directory to write into.
/// * `options`: picture size, map layer, which optional files to write.
///
/// # Returns
/// The files written, the layer the map shows and remarks on the outputs.
///
/// # Complexity
/// Gap tracing O((threats + layers) × grid cells), footprints O(sites × layers × segments),
/// pictures O(pixels).
///
/// # Errors
/// [`Error::Io`] when a file cannot be written, [`Error::Export`] when drawing fails,
/// [`Error::InvalidInput`] when the coverages were not computed over `demand` or a site's
/// class is not in the catalogue.
///
/// # Examples
/// ```
/// use skycover::output::{write_plan, OutputOptions, PlanResults};
/// use skycover::placement::{Algorithm, Planner};
/// use skycover::{Coverage, Scenario};
///
/// let scenario = Scenario::builtin("corridor")?;
/// // the scenario's own terrain (GLOBE relief here) for the plan and both evaluations
/// let (demand, before) = Coverage::of_scenario(&scenario)?;
/// let plan = Planner::new(&scenario).algorithm(Algorithm::Greedy).plan()?;
/// let after = Coverage::for_scenario_demand(&scenario, &demand, &plan.sites)?;
/// let dir = std::env::temp_dir().join("skycover-doc-write-plan");
/// let options = OutputOptions { pictures: false, ..OutputOptions::default() };
/// let results = PlanResults { scenario: &scenario, plan: &plan, demand: &demand,
///                             before: &before, after: &after };
/// let written = write_plan(&results, &dir, &options)?;
/// assert!(written.files.iter().any(|p| p.ends_with("sites.geojson")));
/// assert!(written.files.iter().all(|p| p.exists()));
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn write_plan(
    results: &PlanResults<'_>,
    out_dir: impl AsRef<Path>,
    options: &OutputOptions,
) -> Result<Written> {
    let PlanResults {
        scenario,
        plan,
        demand,
        before,
        after,
    } = *results;
    let out = out_dir.as_ref();
    let cat = scenario.catalogue();
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    let layer = match options.layer.or_else(|| default_layer(cat, after)) {
        Some(l) => l,
        None => {
            return Err(Error::InvalidInput {
                what: "output::write_plan: catalogue".into(),
                reason: "the catalogue has no layers".into(),
            })
        }
    };
    let geo = |name: &str, c: &FeatureCollection, files: &mut Vec<PathBuf>| -> Result<()> {
        let p = out.join(name);
        write_geojson(&p, c)?;
        files.push(p);
        Ok(())
    };
    let sites = sites_collection(scenario, &plan.sites)?;
    geo("sites.geojson", &sites, &mut files)?;
    let footprints = footprints_collection(scenario, &plan.sites, cat.layers())?;
    geo("footprints.geojson", &footprints, &mut files)?;
    let (gaps, gd) = gaps_collection(scenario, demand, after)?;
    diagnostics.extend(gd);
    geo("gaps.geojson", &gaps, &mut files)?;
    let assets = assets_collection(scenario, after);
    geo("assets.geojson", &assets, &mut files)?;
    let areas = areas_collection(scenario);
    geo("areas.geojson", &areas, &mut files)?;
    let lines = lines_collection(scenario);
    geo("lines.geojson", &lines, &mut files)?;
    let routes = if options.routes {
        routes_collections(scenario, &plan.sites)?
    } else {
        None
    };
    if let Some((r, events, report)) = &routes {
        geo("routes.geojson", r, &mut files)?;
        geo("route_events.geojson", events, &mut files)?;
        diagnostics.extend(report.diagnostics.iter().cloned());
    }
    let no_routes = fc(Vec::new());
    let mut text = |name: &str, t: &str| -> Result<()> {
        let p = out.join(name);
        write_text(&p, t)?;
        files.push(p);
        Ok(())
    };
    text(
        "summary_threats.csv",
        &threat_summary_csv(scenario, before, after),
    )?;
    text(
        "summary_assets.csv",
        &asset_summary_csv(scenario, before, after),
    )?;
    let plan_json = serde_json::to_string_pretty(plan).map_err(|e| Error::Export {
        message: format!("plan.json: {e}"),
    })?;
    text("plan.json", &plan_json)?;
    let next = plan_as_scenario(scenario, plan)?;
    let next = serde_json::to_string_pretty(&next).map_err(|e| Error::Export {
        message: format!("next_phase.geojson: {e}"),
    })?;
    text("next_phase.geojson", &next)?;
    if options.report {
        let html = crate::report::render(&crate::report::ReportInput {
            results,
            sites: &sites,
            footprints: &footprints,
            gaps: &gaps,
            assets: &assets,
            areas: &areas,
            lines: &lines,
            routes: routes.as_ref().map_or(&no_routes, |r| &r.0),
            layer: &layer,
            output_diagnostics: &diagnostics,
        })?;
        text("report.html", &html)?;
    }
    if options.pictures {
        let mut m = MapContent::for_plan(scenario, plan, before, after, demand, &layer)?;
        if let Some((_, _, report)) = &routes {
            m = m.with_threat_routes_of(report, layer.threat);
        }
        let p = out.join("map.svg");
        map::render_svg(&m, &p, options.map_size)?;
        files.push(p);
        let p = out.join("map.png");
        map::render_png(&m, &p, options.map_size)?;
        files.push(p);
        let panels = cat
            .threats()
            .iter()
            .enumerate()
            .filter_map(|(t, _)| {
                cat.layers_of(ThreatId(t))
                    .min_by(|a, b| a.altitude_m.total_cmp(&b.altitude_m))
                    .copied()
            })
            .map(|l| {
                let m = MapContent::for_plan(scenario, plan, before, after, demand, &l)?;
                Ok(match &routes {
                    Some((_, _, report)) => m.with_threat_routes_of(report, l.threat),
                    None => m,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let p = out.join("overview.png");
        map::render_overview_png(&panels, &p, (1800, 1400))?;
        files.push(p);
        diagnostics.extend(m.diagnostics.iter().cloned());
    }
    Ok(Written {
        files,
        layer,
        diagnostics,
    })
}

/// The built-in scenario whose name matches `name` case-insensitively (`"Kyiv"` is `kyiv`).
pub fn builtin_name(name: &str) -> Option<&'static str> {
    crate::scenario::BUILTIN_SCENARIOS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(n, _)| *n)
}

/// [`Scenario::load`]: a built-in map by name (case-insensitive) or a scenario file.
pub(crate) fn load_scenario(name_or_path: &str) -> Result<Scenario> {
    if let Some(n) = builtin_name(name_or_path) {
        return Scenario::builtin(n);
    }
    let path = Path::new(name_or_path);
    if !path.is_file() {
        let known: Vec<&str> = crate::scenario::BUILTIN_SCENARIOS
            .iter()
            .map(|(n, _)| *n)
            .collect();
        return Err(Error::InvalidInput {
            what: "scenario".into(),
            reason: format!(
                "\"{name_or_path}\" is neither a built-in map ({}) nor a scenario file",
                known.join(", ")
            ),
        });
    }
    Scenario::from_path(path, crate::catalogue::Catalogue::builtin())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, Validation};

    fn kyiv() -> (Scenario, Demand, Coverage) {
        let s = Scenario::builtin("kyiv").unwrap();
        let (d, c) = Coverage::of_scenario(&s).unwrap();
        (s, d, c)
    }

    fn read_fc(p: &Path) -> FeatureCollection {
        std::fs::read_to_string(p).unwrap().parse().unwrap()
    }

    fn one_type(c: &FeatureCollection) -> Option<&'static str> {
        let mut t = None;
        for f in &c.features {
            let k = f.geometry.as_ref().map(|g| g.value.type_name())?;
            if t.is_some_and(|x| x != k) {
                return None;
            }
            t = Some(k);
        }
        t
    }

    #[test]
    fn every_file_holds_one_geometry_type_and_numbers() {
        let (s, d, c) = kyiv();
        let sites = sites_collection(&s, s.sites()).unwrap();
        assert_eq!(one_type(&sites), Some("Point"));
        let fps = footprints_collection(&s, s.sites(), s.catalogue().layers()).unwrap();
        assert_eq!(one_type(&fps), Some("Polygon"));
        // every footprint names a site that exists in sites.geojson
        let ids: Vec<_> = sites
            .features
            .iter()
            .map(|f| f.property("site_id").unwrap().clone())
            .collect();
        for f in &fps.features {
            assert!(ids.contains(f.property("site_id").unwrap()));
        }
        let (gaps, _) = gaps_collection(&s, &d, &c).unwrap();
        assert_eq!(one_type(&gaps), Some("MultiPolygon"));
        let assets = assets_collection(&s, &c);
        assert_eq!(one_type(&assets), Some("Point"));
        for f in &assets.features {
            for t in s.catalogue().threats() {
                assert!(f.property(format!("depth_{}", t.id)).unwrap().is_u64());
                assert!(f.property(format!("required_{}", t.id)).unwrap().is_u64());
            }
            assert!(f.property("failing_threats").unwrap().is_array());
        }
        assert_eq!(one_type(&areas_collection(&s)), Some("MultiPolygon"));
        assert_eq!(one_type(&lines_collection(&s)), Some("LineString"));
    }

    #[test]
    fn gaps_lie_inside_the_zones_and_match_cell_area() {
        let (s, d, c) = kyiv();
        let (gaps, diags) = gaps_collection(&s, &d, &c).unwrap();
        let zones = zones_union(&s);
        let zone_area = zones.unsigned_area();
        let mut n_threat = 0;
        for f in &gaps.features {
            let g: geo::Geometry<f64> = f.geometry.clone().unwrap().try_into().unwrap();
            let geo::Geometry::MultiPolygon(mp) = g else {
                panic!()
            };
            assert!(mp.is_valid(), "{:?}", mp.validation_errors());
            // back in the local frame, the clipped gap lies inside the zones
            let local = MultiPolygon(
                mp.0.iter()
                    .map(|p| {
                        let ring = |ls: &geo::LineString<f64>| {
                            geo::LineString::from(
                                ls.coords()
                                    .map(|c| {
                                        let q = s.frame().to_local_unchecked(c.x, c.y);
                                        (q[0], q[1])
                                    })
                                    .collect::<Vec<_>>(),
                            )
                        };
                        geo::Polygon::new(
                            ring(p.exterior()),
                            p.interiors().iter().map(ring).collect(),
                        )
                    })
                    .collect(),
            );
            let outside = local.difference(&zones).unsigned_area();
            assert!(
                outside < 1e-4 * zone_area,
                "{} m² outside the zones",
                outside
            );
            let area = f.property("area_km2").unwrap().as_f64().unwrap();
            let cells = f.property("cell_area_km2").unwrap().as_f64().unwrap();
            assert!(area <= cells * 1.0001 + 1e-9);
            // cells straddling the boundary lose at most about half their area
            assert!(area >= 0.5 * cells - 1e-9, "{area} vs {cells}");
            if f.property("scope").unwrap() == "threat" {
                n_threat += 1;
                let t = s
                    .catalogue()
                    .threat_id(f.property("threat").unwrap().as_str().unwrap())
                    .unwrap();
                let tc = c.threat(t).unwrap();
                assert!((cells - tc.gap_area_km2).abs() < 1e-6);
            }
        }
        assert!(n_threat >= 1);
        assert!(diags.iter().all(|d| d.code == codes::OUTPUT_GAPS_CLIPPED));
        // a centre point of a failing cell well inside a zone lies in its layer's gap
        let drone = s.catalogue().threat_id("drone").unwrap();
        if let Some(f) = gaps.features.iter().find(|f| {
            f.property("scope").unwrap() == "threat" && f.property("threat").unwrap() == "drone"
        }) {
            let g: geo::Geometry<f64> = f.geometry.clone().unwrap().try_into().unwrap();
            let pos = d.positions();
            let inner = (0..d.grid_samples()).find(|&i| {
                c.fails(i, drone) && {
                    let p = geo::Point::new(pos[i][0], pos[i][1]);
                    let cell = s.settings().grid_resolution_m;
                    let r = geo::Rect::new(
                        geo::coord! {x: p.x() - cell, y: p.y() - cell},
                        geo::coord! {x: p.x() + cell, y: p.y() + cell},
                    );
                    zones.contains(&r.to_polygon())
                }
            });
            if let Some(i) = inner {
                let (lon, lat) = s.frame().to_lonlat(pos[i][0], pos[i][1]);
                assert!(g.contains(&geo::Point::new(lon, lat)));
            }
        }
    }

    #[test]
    fn map_names_are_case_insensitive_and_unknown_ones_listed() {
        assert_eq!(Scenario::load("Kyiv").unwrap().name(), "Kyiv");
        assert!(Scenario::load("ODESA").is_ok());
        let e = Scenario::load("kiev").unwrap_err().to_string();
        for (n, _) in crate::scenario::BUILTIN_SCENARIOS {
            assert!(e.contains(n), "{e}");
        }
    }

    #[test]
    fn write_plan_writes_every_file_and_they_load_back() {
        use crate::placement::{Algorithm, Planner};
        let s = Scenario::builtin("corridor").unwrap();
        let (d, before) = Coverage::of_scenario(&s).unwrap();
        let plan = Planner::new(&s)
            .algorithm(Algorithm::Greedy)
            .plan()
            .unwrap();
        let after = Coverage::for_scenario_demand(&s, &d, &plan.sites).unwrap();
        let dir =
            std::env::temp_dir().join(format!("skycover-test-write-plan-{}", std::process::id()));
        let r = PlanResults {
            scenario: &s,
            plan: &plan,
            demand: &d,
            before: &before,
            after: &after,
        };
        let w = write_plan(&r, &dir, &OutputOptions::default()).unwrap();
        let mut names: Vec<String> = w
            .files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let mut want = vec![
            "areas.geojson",
            "assets.geojson",
            "footprints.geojson",
            "gaps.geojson",
            "lines.geojson",
            "map.png",
            "map.svg",
            "next_phase.geojson",
            "overview.png",
            "plan.json",
            "report.html",
            "route_events.geojson",
            "routes.geojson",
            "sites.geojson",
            "summary_assets.csv",
            "summary_threats.csv",
        ];
        want.sort();
        assert_eq!(names, want);
        for p in &w.files {
            assert!(std::fs::metadata(p).unwrap().len() > 0, "{}", p.display());
        }
        let next = Scenario::load(dir.join("next_phase.geojson").to_str().unwrap()).unwrap();
        assert_eq!(next.sites().len(), plan.sites.len());
        let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
        assert!(html.contains("data-layers-loaded=\"0\""));
        assert!(!html.contains("sourceMappingURL"));
        // the worst routes: one line per asset and threat at most, events as points
        let routes = read_fc(&dir.join("routes.geojson"));
        assert!(!routes.features.is_empty());
        assert_eq!(one_type(&routes), Some("LineString"));
        assert!(routes.features.len() <= s.assets().len() * s.catalogue().threats().len() * 3);
        let events = read_fc(&dir.join("route_events.geojson"));
        assert_eq!(one_type(&events), Some("Point"));
        assert!(html.contains("\"routes\":{\"features\":[{"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn default_layer_is_the_largest_gap() {
        let (s, _, c) = kyiv();
        let l = default_layer(s.catalogue(), &c).unwrap();
        let worst = c
            .threats()
            .iter()
            .max_by(|a, b| a.gap_area_km2.total_cmp(&b.gap_area_km2))
            .unwrap();
        assert_eq!(l.threat, worst.threat);
    }

    #[test]
    fn csv_rows_name_assets_and_quote_commas() {
        let (s, _, c) = kyiv();
        let csv = asset_summary_csv(&s, &c, &c);
        let header = csv.lines().next().unwrap();
        let cols = header.split(',').count();
        assert_eq!(cols, 7 + 2 * s.catalogue().threats().len());
        for a in s.assets() {
            assert!(csv.contains(&csv_field(&a.name)));
        }
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
    }
}
