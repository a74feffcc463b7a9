//! The next deployment phase: a plan written back as a scenario whose existing sites are the
//! plan's sites.
//!
//! [`plan_as_scenario`] writes the scenario's settings and features (zones, assets, corridors,
//! contact lines, candidate areas and points, exclusions) unchanged, every site of the plan
//! (existing and placed) as a fixed `site` feature, and the inventory and budget left after
//! the plan. [`Scenario::from_geojson_str`] loads it back: planning it again places only what
//! is left, around what now stands.

use crate::catalogue::{Catalogue, ClassId};
use crate::error::{Error, Result};
use crate::geometry::antimeridian;
use crate::placement::Plan;
use crate::scenario::Scenario;
use geo::orient::{Direction, Orient};
use geo::MultiPolygon;
use serde_json::{json, Map, Value};
use std::collections::HashSet;

/// The id of a class, or a typed error when the id is not in the catalogue.
pub(crate) fn class_name(cat: &Catalogue, class: ClassId, what: &str) -> Result<String> {
    cat.classes()
        .find(|(c, _)| *c == class)
        .map(|(_, c)| c.id.clone())
        .ok_or_else(|| Error::InvalidInput {
            what: what.into(),
            reason: format!("class id {} is not in the catalogue", class.0),
        })
}

fn depth_object(cat: &Catalogue, depth: &[u8]) -> Value {
    let mut m = Map::new();
    for (t, d) in cat.threats().iter().zip(depth) {
        m.insert(t.id.clone(), json!(d));
    }
    Value::Object(m)
}

/// A zone or area cut at the antimeridian (RFC 7946 §3.1.9): a Polygon, or a MultiPolygon
/// of its parts; right-hand rule.
fn areal(mp: &MultiPolygon<f64>, lon0: f64) -> Value {
    let mp = antimeridian::split_multipolygon(mp, lon0).orient(Direction::Default);
    let g = antimeridian::polygon_geometry(&mp);
    serde_json::to_value(geojson::Geometry::new(g)).unwrap_or(Value::Null)
}

/// A line cut at the antimeridian: a LineString, or a MultiLineString of its parts (the
/// scenario loader joins them back).
fn line(ls: &geo::LineString<f64>, lon0: f64) -> Value {
    let g = antimeridian::line_geometry(&antimeridian::split_line(ls, lon0));
    serde_json::to_value(geojson::Geometry::new(g)).unwrap_or(Value::Null)
}

fn feature(id: &str, geometry: Value, properties: Value) -> Value {
    json!({"type": "Feature", "id": id, "geometry": geometry, "properties": properties})
}

/// The scenario of the next deployment phase: `scenario` with the sites of `plan` standing
/// (all of them fixed), as a GeoJSON scenario document that [`Scenario::from_geojson_str`]
/// loads back.
///
/// # Parameters
/// * `scenario`: the scenario that was planned.
/// * `plan`: its plan ([`Plan::sites`]: existing sites first, then the placed ones).
///
/// # Returns
/// A `FeatureCollection` value with the `skycover` settings member. Placed sites get the ids
/// `placed-<class>-<n>` (numbered past any id already in use), keep their facing and become
/// `fixed`; each class's inventory count drops by the number placed (never below zero) and
/// the budget by the plan's cost. The terrain path is written as the scenario named it
/// (relative to the original scenario file).
///
/// # Complexity
/// O(features + sites + vertices).
///
/// # Errors
/// [`Error::InvalidInput`] when a plan site's class is not in the scenario's catalogue.
///
/// # Examples
/// ```
/// use skycover::placement::{Algorithm, Planner};
/// use skycover::{phase, Scenario};
///
/// let scenario = Scenario::builtin("corridor")?;
/// let plan = Planner::new(&scenario).algorithm(Algorithm::Greedy).plan()?;
/// let next = phase::plan_as_scenario(&scenario, &plan)?;
/// let text = serde_json::to_string(&next).unwrap();
/// let reloaded = Scenario::from_geojson_str(&text, scenario.catalogue().clone())?;
/// assert_eq!(reloaded.sites().len(), plan.sites.len());
/// assert!(reloaded.sites().iter().all(|s| s.fixed));
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn plan_as_scenario(scenario: &Scenario, plan: &Plan) -> Result<Value> {
    let cat = scenario.catalogue();
    let lon0 = scenario.frame().lon0();
    let st = scenario.settings();
    let mut settings = Map::new();
    settings.insert("name".into(), json!(scenario.name()));
    settings.insert("description".into(), json!(scenario.description()));
    settings.insert("grid_resolution_m".into(), json!(st.grid_resolution_m));
    settings.insert("candidate_spacing_m".into(), json!(st.candidate_spacing_m));
    let mut spacing = Map::new();
    for (c, sp) in st.class_spacing_m.iter().enumerate() {
        if let Some(sp) = sp {
            spacing.insert(class_name(cat, ClassId(c), "class_spacing_m")?, json!(sp));
        }
    }
    settings.insert("class_spacing_m".into(), Value::Object(spacing));
    settings.insert("min_site_spacing_m".into(), json!(st.min_site_spacing_m));
    if let Some(a) = st.threat_axis_deg {
        settings.insert("threat_axis_deg".into(), json!(a));
    }
    settings.insert("extra_facings_deg".into(), json!(st.extra_facings_deg));
    if let Some(b) = scenario.budget() {
        settings.insert("budget".into(), json!((b - plan.cost).max(0.0)));
    }
    let mut inventory = Map::new();
    for item in scenario.inventory() {
        let placed = plan
            .sites
            .iter()
            .filter(|s| !s.fixed && s.class == item.class)
            .count() as u32;
        inventory.insert(
            class_name(cat, item.class, "inventory")?,
            json!({"count": item.count.saturating_sub(placed), "unit_cost": item.unit_cost}),
        );
    }
    settings.insert("inventory".into(), Value::Object(inventory));
    if let Some(ms) = scenario.mutual_support() {
        let protected = ms
            .protected
            .iter()
            .map(|c| class_name(cat, *c, "mutual_support.protected_classes"))
            .collect::<Result<Vec<_>>>()?;
        settings.insert(
            "mutual_support".into(),
            json!({
                "protected_classes": protected,
                "by_class": class_name(cat, ms.by_class, "mutual_support.by_class")?,
                "threat": cat.threats().get(ms.threat.0).map(|t| t.id.clone()),
                "min_depth": ms.min_depth,
            }),
        );
    }
    let l = st.limits;
    settings.insert(
        "limits".into(),
        json!({"max_grid_cells": l.max_grid_cells, "max_candidates": l.max_candidates,
               "max_matrix_nonzeros": l.max_matrix_nonzeros}),
    );
    // the terrain, named so the next phase finds it wherever it is written
    if st.terrain.is_some() {
        let tiles: Vec<String> = st
            .terrain_source
            .tiles
            .iter()
            .map(|t| scenario.terrain_tile_reference(t))
            .collect();
        settings.insert("terrain".into(), json!(tiles));
        settings.insert("terrain_cell_m".into(), json!(scenario.terrain_cell_m()));
        if let Some(crs) = st.terrain_source.crs {
            let name = match crs {
                crate::terrain::DemCrs::LonLat => "lonlat".to_string(),
                crate::terrain::DemCrs::LocalMetres => "local".to_string(),
                crate::terrain::DemCrs::Epsg(c) => format!("EPSG:{c}"),
                crate::terrain::DemCrs::Unspecified => String::new(),
            };
            if !name.is_empty() {
                settings.insert("terrain_crs".into(), json!(name));
            }
        }
        let outside = match st.terrain_source.outside {
            crate::terrain::OutsidePolicy::Error => json!("error"),
            crate::terrain::OutsidePolicy::Flat => json!("flat"),
            crate::terrain::OutsidePolicy::Height(h) => json!({ "height_m": h }),
        };
        settings.insert("terrain_outside".into(), outside);
    }
    settings.insert(
        "max_frame_distortion".into(),
        json!(st.max_frame_distortion),
    );
    settings.insert("netting".into(), json!(scenario.threat_setup().netting));
    settings.insert("asset_value_km2".into(), json!(st.asset_value_km2));

    let mut ids: HashSet<String> = HashSet::new();
    let mut features = Vec::new();
    let mut push = |id: &str, geometry: Value, properties: Value, ids: &mut HashSet<String>| {
        ids.insert(id.to_string());
        features.push(feature(id, geometry, properties));
    };
    for z in scenario.zones() {
        push(
            &z.id,
            areal(&z.lonlat, lon0),
            json!({"kind": "zone", "name": z.name, "priority": z.priority,
                   "required_depth": depth_object(cat, &z.required_depth)}),
            &mut ids,
        );
    }
    for a in scenario.assets() {
        push(
            &a.id,
            json!({"type": "Point", "coordinates": a.lonlat}),
            json!({"kind": "asset", "name": a.name, "category": a.category, "value": a.value,
                   "required_depth": depth_object(cat, &a.required_depth)}),
            &mut ids,
        );
    }
    for c in scenario.corridors() {
        push(
            &c.id,
            line(&c.lonlat, lon0),
            json!({"kind": "corridor", "name": c.name, "width_m": c.width_m,
                   "priority": c.priority,
                   "required_depth": depth_object(cat, &c.required_depth)}),
            &mut ids,
        );
    }
    for c in scenario.contact_lines() {
        push(
            &c.id,
            line(&c.lonlat, lon0),
            json!({"kind": "contact_line", "name": c.name, "keep_out_m": c.keep_out_m}),
            &mut ids,
        );
    }
    for (kind, regions) in [
        ("candidate_area", scenario.candidate_areas()),
        ("exclusion", scenario.exclusions()),
    ] {
        for r in regions {
            push(
                &r.id,
                areal(&r.lonlat, lon0),
                json!({"kind": kind, "name": r.name}),
                &mut ids,
            );
        }
    }
    for p in scenario.candidate_points() {
        let mut props = json!({"kind": "candidate_point"});
        if let Some(c) = p.class {
            props["class"] = json!(class_name(cat, c, "candidate_point.class")?);
        }
        push(
            &p.id,
            json!({"type": "Point", "coordinates": p.lonlat}),
            props,
            &mut ids,
        );
    }
    // launch areas and known routes (threat-based evaluation) carry over unchanged
    let setup = scenario.threat_setup();
    let threat_ids = |ts: &[crate::catalogue::ThreatId]| -> Vec<String> {
        ts.iter()
            .filter_map(|t| cat.threats().get(t.0).map(|c| c.id.clone()))
            .collect()
    };
    for a in &setup.launch_areas {
        let geometry = match &a.geometry {
            crate::threat_area::AreaGeometry::Point { lonlat, .. } => {
                json!({"type": "Point", "coordinates": lonlat})
            }
            crate::threat_area::AreaGeometry::Area { lonlat, .. } => areal(lonlat, lon0),
        };
        push(
            &a.id,
            geometry,
            json!({"kind": "launch_area", "name": a.name, "threats": threat_ids(&a.threats)}),
            &mut ids,
        );
    }
    for r in &setup.routes {
        push(
            &r.id,
            line(&r.lonlat, lon0),
            json!({"kind": "route", "name": r.name, "threats": threat_ids(&r.threats)}),
            &mut ids,
        );
    }
    // existing sites keep their ids; placed ones are numbered past every id in use
    let mut counter = 0usize;
    for s in &plan.sites {
        let class = class_name(cat, s.class, "plan.sites")?;
        let id = match (&s.id, s.fixed) {
            (Some(id), true) if !ids.contains(id) => id.clone(),
            _ => loop {
                counter += 1;
                let id = format!("placed-{class}-{counter}");
                if !ids.contains(&id) {
                    break id;
                }
            },
        };
        let (lon, lat) = scenario.frame().to_lonlat(s.position[0], s.position[1]);
        push(
            &id,
            json!({"type": "Point", "coordinates": [lon, lat]}),
            json!({"kind": "site", "class": class, "facing_deg": s.facing_deg, "fixed": true}),
            &mut ids,
        );
    }
    Ok(json!({
        "type": "FeatureCollection",
        "skycover": Value::Object(settings),
        "features": features,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::{Algorithm, Planner};

    #[test]
    fn next_phase_round_trips_with_sites_fixed_and_inventory_spent() {
        for name in ["kyiv", "corridor"] {
            let s = Scenario::builtin(name).unwrap();
            let plan = Planner::new(&s)
                .algorithm(Algorithm::Greedy)
                .plan()
                .unwrap();
            let v = plan_as_scenario(&s, &plan).unwrap();
            let text = serde_json::to_string(&v).unwrap();
            let r = Scenario::from_geojson_str(&text, s.catalogue().clone()).unwrap();
            assert_eq!(r.zones().len(), s.zones().len());
            assert_eq!(r.assets().len(), s.assets().len());
            assert_eq!(r.corridors().len(), s.corridors().len());
            assert_eq!(r.contact_lines().len(), s.contact_lines().len());
            assert_eq!(r.threat_setup(), s.threat_setup());
            for (a, b) in r.assets().iter().zip(s.assets()) {
                assert_eq!(a.required_depth, b.required_depth);
                assert_eq!(a.name, b.name);
            }
            assert_eq!(r.sites().len(), plan.sites.len());
            for (a, b) in r.sites().iter().zip(&plan.sites) {
                assert!(a.fixed);
                assert_eq!(a.class, b.class);
                assert!((a.position[0] - b.position[0]).abs() < 1e-3, "{name}");
                assert!((a.position[1] - b.position[1]).abs() < 1e-3, "{name}");
                assert_eq!(a.facing_deg, b.facing_deg);
            }
            for item in s.inventory() {
                let placed = plan
                    .sites
                    .iter()
                    .filter(|x| !x.fixed && x.class == item.class)
                    .count() as u32;
                let left = r.inventory_of(item.class).map(|i| i.count).unwrap_or(0);
                assert_eq!(left, item.count - placed);
            }
            if let Some(b) = s.budget() {
                let nb = r.budget().unwrap();
                assert!((nb - (b - plan.cost).max(0.0)).abs() < 1e-9);
            }
            // the reloaded plan's existing coverage equals the plan's coverage
            let (_, before) = crate::Coverage::of_scenario(&r).unwrap();
            for (x, y) in before.threats().iter().zip(&plan.coverage_after) {
                assert!(
                    (x.fraction - y.covered_fraction).abs() < 0.02,
                    "{name}: {} vs {}",
                    x.fraction,
                    y.covered_fraction
                );
            }
        }
    }
}
