//! GeoJSON output of threat routes with their time, detection and engagement annotations.
//!
//! Each route becomes a `LineString` feature (`kind = "threat_route"`) in lon/lat with:
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
        let coords: Vec<Vec<f64>> = pts.iter().map(|&p| lonlat(scenario, p)).collect();
        out.push(feature(geojson::Value::LineString(coords), props));
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
