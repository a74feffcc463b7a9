//! Where threats come from: launch areas, known routes, and the netting setting of a scenario.
//!
//! Scenario features (GeoJSON, parsed by [`Scenario`](crate::Scenario)):
//!
//! * `"kind": "launch_area"`: a `Point`, `Polygon` or `MultiPolygon` beyond the contact line or
//!   offshore, with `"threats": ["drone", ...]` (threat ids of the catalogue, at least one).
//! * `"kind": "route"`: a `LineString` a threat is known to follow, ending at its target, with
//!   `"threats": [...]`.
//!
//! Scenario setting (the `skycover` member): `"netting": true` for a shared air picture
//! (engage-on-remote, see [`crate::timeline`]); default false.
//!
//! # Examples
//! ```
//! use skycover::Scenario;
//! let kyiv = Scenario::builtin("kyiv")?;
//! let setup = kyiv.threat_setup();
//! assert!(setup.launch_areas.len() >= 2);
//! let drone = kyiv.catalogue().threat_id("drone")?;
//! assert!(setup.launch_areas.iter().any(|a| a.threats.contains(&drone)));
//! # Ok::<(), skycover::Error>(())
//! ```

use crate::catalogue::{Catalogue, ThreatId};
use crate::error::{Error, FeatureRef, Result};
use crate::geometry::densify::Densifier;
use geo::{Closest, ClosestPoint, LineString, MultiPolygon, Point};
use serde_json::{Map, Value};

/// The geometry of a launch area.
#[derive(Debug, Clone, PartialEq)]
pub enum AreaGeometry {
    /// One launch point, `[lon, lat]` and local metres.
    Point {
        /// WGS84 `[lon, lat]`.
        lonlat: [f64; 2],
        /// Local metres.
        local: [f64; 2],
    },
    /// An area.
    Area {
        /// WGS84 lon/lat.
        lonlat: MultiPolygon<f64>,
        /// Local metres.
        local: MultiPolygon<f64>,
    },
}

/// A launch area with the threat classes it launches.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchArea {
    /// Feature id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Threat classes launched from here.
    pub threats: Vec<ThreatId>,
    /// Its geometry.
    pub geometry: AreaGeometry,
}

impl LaunchArea {
    /// The launch point towards a target at local `target`: the point itself, or the point of
    /// the area closest to the target (the shortest flight, so the least warning).
    pub fn launch_point_towards(&self, target: [f64; 2]) -> [f64; 2] {
        match &self.geometry {
            AreaGeometry::Point { local, .. } => *local,
            AreaGeometry::Area { local, .. } => {
                match local.closest_point(&Point::new(target[0], target[1])) {
                    Closest::Intersection(p) | Closest::SinglePoint(p) => [p.x(), p.y()],
                    Closest::Indeterminate => local
                        .0
                        .first()
                        .and_then(|p| p.exterior().0.first())
                        .map_or(target, |c| [c.x, c.y]),
                }
            }
        }
    }
}

/// A route a threat is known to follow (its last point is the target).
#[derive(Debug, Clone, PartialEq)]
pub struct GivenRoute {
    /// Feature id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Threat classes that fly it.
    pub threats: Vec<ThreatId>,
    /// WGS84 lon/lat.
    pub lonlat: LineString<f64>,
    /// Local metres.
    pub local: LineString<f64>,
}

/// Launch areas, known routes and netting of a scenario.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ThreatSetup {
    /// Launch areas.
    pub launch_areas: Vec<LaunchArea>,
    /// Known routes.
    pub routes: Vec<GivenRoute>,
    /// Shared air picture (engage-on-remote).
    pub netting: bool,
}

/// A parsed launch-area or route feature, in lon/lat, before the scenario's frame exists.
#[derive(Debug, Clone)]
pub(crate) enum ParsedThreatFeature {
    Launch {
        id: String,
        name: String,
        threats: Vec<ThreatId>,
        point: Option<[f64; 2]>,
        area: Option<MultiPolygon<f64>>,
    },
    Route {
        id: String,
        name: String,
        threats: Vec<ThreatId>,
        line: LineString<f64>,
    },
}

/// Reads the `threats` property: a non-empty array of threat ids of the catalogue.
pub(crate) fn threat_list(
    props: &Map<String, Value>,
    cat: &Catalogue,
    feature: &FeatureRef,
) -> Result<Vec<ThreatId>> {
    let err = |reason: String| Error::InvalidFeature {
        feature: feature.clone(),
        field: "properties.threats".into(),
        reason,
    };
    let arr = props
        .get("threats")
        .and_then(Value::as_array)
        .ok_or_else(|| err("missing or not an array of threat ids".into()))?;
    if arr.is_empty() {
        return Err(err("needs at least one threat id".into()));
    }
    let mut out = Vec::with_capacity(arr.len());
    for v in arr {
        let name = v
            .as_str()
            .ok_or_else(|| err("expected threat ids (strings)".into()))?;
        let t = cat.threat_id(name).map_err(|_| Error::UnknownThreat {
            name: name.to_string(),
            context: format!("scenario: {feature} properties.threats"),
            known: cat.threat_names(),
        })?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

impl ThreatSetup {
    /// Adds a parsed feature, projected by `dens` (lon/lat edges densified before projecting,
    /// as for every other scenario feature: see [`crate::geometry::densify`]).
    ///
    /// # Errors
    /// As [`Densifier::project_line`] (the densification vertex cap).
    pub(crate) fn push(&mut self, p: ParsedThreatFeature, dens: &mut Densifier<'_>) -> Result<()> {
        match p {
            ParsedThreatFeature::Launch {
                id,
                name,
                threats,
                point,
                area,
            } => {
                let geometry = match (point, area) {
                    (Some(p), _) => AreaGeometry::Point {
                        lonlat: p,
                        local: dens.frame().to_local_unchecked(p[0], p[1]),
                    },
                    (None, area) => {
                        let lonlat = area.unwrap_or_else(|| MultiPolygon(vec![]));
                        let local = dens.project_multipolygon(&lonlat)?;
                        AreaGeometry::Area { lonlat, local }
                    }
                };
                self.launch_areas.push(LaunchArea {
                    id,
                    name,
                    threats,
                    geometry,
                });
            }
            ParsedThreatFeature::Route {
                id,
                name,
                threats,
                line,
            } => self.routes.push(GivenRoute {
                id,
                name,
                threats,
                local: dens.project_line(&line)?,
                lonlat: line,
            }),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{Error, Scenario};

    fn with_feature(extra: serde_json::Value) -> crate::Result<Scenario> {
        let mut v: serde_json::Value =
            serde_json::from_str(crate::scenario::BUILTIN_SCENARIOS[0].1).unwrap();
        v["features"].as_array_mut().unwrap().push(extra);
        Scenario::from_geojson_str(&v.to_string(), crate::Catalogue::builtin())
    }

    #[test]
    fn parses_and_rejects_threat_features() {
        let s = with_feature(serde_json::json!({
            "type": "Feature", "id": "la_test",
            "geometry": {"type": "Point", "coordinates": [31.0, 51.6]},
            "properties": {"kind": "launch_area", "threats": ["drone"]}
        }))
        .unwrap();
        let la = s.threat_setup().launch_areas.last().unwrap();
        assert_eq!(la.id, "la_test");
        let e = with_feature(serde_json::json!({
            "type": "Feature", "id": "la_bad",
            "geometry": {"type": "Point", "coordinates": [31.0, 51.6]},
            "properties": {"kind": "launch_area", "threats": ["ufo"]}
        }))
        .unwrap_err();
        assert!(
            matches!(e, Error::UnknownThreat { ref name, .. } if name == "ufo"),
            "{e:?}"
        );
        let e = with_feature(serde_json::json!({
            "type": "Feature", "id": "la_none",
            "geometry": {"type": "Point", "coordinates": [31.0, 51.6]},
            "properties": {"kind": "launch_area"}
        }))
        .unwrap_err();
        assert!(
            matches!(e, Error::InvalidFeature { ref field, .. } if field == "properties.threats"),
            "{e:?}"
        );
        let e = with_feature(serde_json::json!({
            "type": "Feature", "id": "r_bad",
            "geometry": {"type": "Point", "coordinates": [31.0, 51.6]},
            "properties": {"kind": "route", "threats": ["drone"]}
        }))
        .unwrap_err();
        assert!(
            matches!(e, Error::InvalidFeature { ref field, .. } if field == "geometry.type"),
            "{e:?}"
        );
    }
}
