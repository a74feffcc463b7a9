//! GeoJSON output of threat routes with their time, detection and engagement annotations.
//!
//! Each route becomes a `LineString` feature (`kind = "threat_route"`) in lon/lat (a route
//! crossing the antimeridian is cut there, RFC 7946 §3.1.9: one feature per part, with `part`
//! = 0, 1, ... and the `times_s` of that part's vertices, interpolated at the cut) with:
//! `asset`, `source_id`, `source` (`straight`, `least_exposure`, `given`), `threat`,
//! `altitude_m`, `speed_mps`, `time_to_impact_s`, `first_detection_s` (null when never seen),
//! `warning_time_s`, `engagement_opportunities`, `kill_probability`, `netting`, `worst`
//! (which worst cases of its asset and threat it is), `times_s` (time at every vertex),
//! `detected_s` (intervals) and `engagements` (site, class, launch and intercept times).
//! Point features mark the first detection (`kind = "first_detection"`) and every intercept
//! (`kind = "intercept"`).
//!
//! # Examples
//! ```
//! use skycover::threat_export::route_features;
//! use skycover::threat_report::{threat_report, ReportOptions};
//! use skycover::{Scenario, Terrain};
//! let s = Scenario::builtin("corridor")?;
//! let opts = ReportOptions { least_exposure: false, ..ReportOptions::default() };
//! let r = threat_report(&s, s.sites(), &Terrain::Flat, &opts)?;
//! let feats = route_features(&s, &r, true);
//! assert!(feats.iter().any(|f| f.property("kind").and_then(|k| k.as_str()) == Some("threat_route")));
//! # Ok::<(), skycover::Error>(())
//! ```

use crate::export::feature;
use crate::geometry::antimeridian::split_line_at;
use crate::scenario::Scenario;
use crate::threat_report::{RouteSource, ThreatReport};
use geojson::{Feature, JsonObject, JsonValue};
use serde_json::json;

fn lonlat(s: &Scenario, p: [f64; 2]) -> Vec<f64> {
    let (lon, lat) = s.frame().to_lonlat(p[0], p[1]);
    vec![lon, lat]
}

fn obj(v: JsonValue) -> JsonObject {
    match v {
        JsonValue::Object(m) => m,
        _ => JsonObject::new(),
    }
}

/// Time (s, one decimal) at position `at` along a line whose vertices have `times`
/// ([`split_line_at`]'s positions).
fn time_at(times: &[f64], at: f64) -> f64 {
    let i = (at.floor().max(0.0) as usize).min(times.len().saturating_sub(1));
    let t = at - i as f64;
    match (times.get(i), times.get(i + 1)) {
        (Some(&a), Some(&b)) if t > 0.0 => ((a + t * (b - a)) * 10.0).round() / 10.0,
        (Some(&a), _) => a,
        _ => 0.0,
    }
}

/// The route `pts` (local metres, times at the vertices) as LineString features in lon/lat,
/// cut at the antimeridian: one feature per part, `part` and the part's `times_s` set.
fn route_parts(
    scenario: &Scenario,
    pts: &[[f64; 2]],
    times: &[f64],
    props: &JsonObject,
    out: &mut Vec<Feature>,
) {
    let line: geo::LineString<f64> = pts
        .iter()
        .map(|&p| {
            let (lon, lat) = scenario.frame().to_lonlat(p[0], p[1]);
            geo::Coord { x: lon, y: lat }
        })
        .collect();
    let (parts, at) = split_line_at(&line, scenario.frame().lon0());
    let split = parts.0.len() > 1;
    for (k, (part, at)) in parts.0.iter().zip(&at).enumerate() {
        let mut props = props.clone();
        if split {
            props.insert("part".into(), k.into());
            let t: Vec<f64> = at.iter().map(|&a| time_at(times, a)).collect();
            props.insert("times_s".into(), json!(t));
        }
        out.push(feature(geojson::Value::from(part), props));
    }
}

/// Features of the routes of `report` (only the worst routes of each asset and threat when
/// `worst_only`). See the [module docs](self).
pub fn route_features(
    scenario: &Scenario,
    report: &ThreatReport,
    worst_only: bool,
) -> Vec<Feature> {
    let cat = scenario.catalogue();
    let mut out = Vec::new();
    for (ri, r) in report.routes.iter().enumerate() {
        let mut worst = Vec::new();
        for s in &report.summary {
            if s.worst_warning_route == ri {
                worst.push("warning");
            }
            if s.worst_opportunities_route == ri {
                worst.push("opportunities");
            }
            if s.worst_kill_route == ri {
                worst.push("kill_probability");
            }
        }
        if worst_only && worst.is_empty() {
            continue;
        }
        let tl = &r.timeline;
        let asset = scenario.assets().get(r.asset).map_or("", |a| a.id.as_str());
        let threat = cat.threat(tl.threat).id.as_str();
        let mut t_acc = 0.0;
        let pts = r.path.points();
        let mut times = Vec::with_capacity(pts.len());
        for (k, p) in pts.iter().enumerate() {
            if k > 0 {
                let q = pts[k - 1];
                t_acc += (p[0] - q[0]).hypot(p[1] - q[1]) / tl.speed_mps;
            }
            times.push((t_acc * 10.0).round() / 10.0);
        }
        let engagements: Vec<JsonValue> = tl
            .weapons
            .iter()
            .flat_map(|w| {
                let site = scenario
                    .sites()
                    .get(w.site)
                    .and_then(|s| s.id.clone())
                    .unwrap_or_else(|| format!("site#{}", w.site));
                let class = cat.class(w.class).id.clone();
                w.engagements.iter().map(move |e| {
                    json!({"site": site, "class": class, "launch_s": e.launch_s,
                           "intercept_s": e.intercept_s, "shots": e.shots})
                })
            })
            .collect();
        let source = match r.source {
            RouteSource::Straight => "straight",
            RouteSource::LeastExposure => "least_exposure",
            RouteSource::Given => "given",
        };
        let props = obj(json!({
            "kind": "threat_route",
            "asset": asset,
            "source_id": r.source_id,
            "source": source,
            "threat": threat,
            "altitude_m": tl.altitude_m,
            "speed_mps": tl.speed_mps,
            "time_to_impact_s": tl.time_to_impact_s,
            "first_detection_s": tl.first_detection_s,
            "warning_time_s": tl.warning_time_s,
            "engagement_opportunities": tl.engagement_opportunities,
            "kill_probability": tl.kill_probability,
            "netting": report.netting,
            "worst": worst,
            "times_s": times,
            "detected_s": tl.detected_s,
            "engagements": engagements,
        }));
        route_parts(scenario, pts, &times, &props, &mut out);
        if let Some(t) = tl.first_detection_s {
            let p = r.path.at(t * tl.speed_mps);
            out.push(feature(
                geojson::Value::Point(lonlat(scenario, p)),
                obj(
                    json!({"kind": "first_detection", "asset": asset, "threat": threat,
                           "source_id": r.source_id, "time_s": t,
                           "warning_time_s": tl.warning_time_s}),
                ),
            ));
        }
        for w in &tl.weapons {
            for e in &w.engagements {
                out.push(feature(
                    geojson::Value::Point(lonlat(scenario, e.intercept_point)),
                    obj(
                        json!({"kind": "intercept", "asset": asset, "threat": threat,
                               "class": cat.class(w.class).id, "intercept_s": e.intercept_s}),
                    ),
                ));
            }
        }
    }
    out
}
