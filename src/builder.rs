//! Building a [`Scenario`] in code.
//!
//! [`ScenarioBuilder`] collects zones, assets, corridors, the contact line, candidate areas
//! and points, exclusion areas, existing sites, inventory, budget, mutual support and settings
//! with [`geo`] geometries in WGS84 lon/lat, then [`build`](ScenarioBuilder::build)s the
//! scenario **through the same validating loader** as a scenario file
//! ([`Scenario::from_geojson_str`]): the builder writes the GeoJSON document the loader reads,
//! so a built scenario is checked exactly as a file would be, and errors name the feature (its
//! index in the order added, and its id) and the field.
//!
//! # Examples
//! ```
//! use skycover::geo::{line_string, point, polygon};
//! use skycover::{Coverage, Planner, ScenarioBuilder};
//!
//! let scenario = ScenarioBuilder::new("Demo")
//!     .zone("z1", polygon![(x: 30.0, y: 50.0), (x: 30.6, y: 50.0), (x: 30.6, y: 50.4), (x: 30.0, y: 50.4)], 1.0)
//!     .asset("power", point!(x: 30.3, y: 50.2), 5.0)
//!     .property("category", "power_plant")
//!     .required_depth("drone", 2)
//!     .corridor("road", line_string![(x: 30.0, y: 50.1), (x: 30.6, y: 50.3)], 2_000.0)
//!     .site("s1", "medium_range", point!(x: 30.2, y: 50.2))
//!     .inventory("counter_uas", 4, None)
//!     .grid_resolution_m(2_000.0)
//!     .candidate_spacing_m(8_000.0)
//!     .build()?;
//! assert_eq!(scenario.zones().len(), 1);
//! let before = Coverage::for_scenario(&scenario, scenario.sites())?;
//! let plan = Planner::new(&scenario).seed(1).plan()?;
//! assert!(plan.objective >= plan.objective_before);
//! assert!(before.overall().fraction <= 1.0);
//! # Ok::<(), skycover::Error>(())
//! ```

use crate::catalogue::Catalogue;
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::terrain::{Dem, Terrain};
use geo::{Coord, LineString, MultiPolygon, Point, Polygon};
use serde_json::{json, Map, Value};
use std::path::PathBuf;

/// Builds a [`Scenario`] in code; see the [module docs](self).
///
/// Feature methods (`zone`, `asset`, ...) add one feature each; [`property`](Self::property)
/// and [`required_depth`](Self::required_depth) amend the feature added last. Settings methods
/// set members of the scenario's `skycover` settings (see the [`scenario`](crate::scenario)
/// module for their meaning and defaults); [`setting`](Self::setting) sets any of them.
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until build() is called"]
pub struct ScenarioBuilder {
    catalogue: Catalogue,
    settings: Map<String, Value>,
    features: Vec<Value>,
    terrain: BuilderTerrain,
    error: Option<Error>,
}

#[derive(Debug, Clone)]
enum BuilderTerrain {
    None,
    Dem(Box<Dem>),
    File,
}

fn coord(c: Coord<f64>) -> Value {
    json!([c.x, c.y])
}

fn line_coords(ls: &LineString<f64>) -> Value {
    Value::Array(ls.coords().copied().map(coord).collect())
}

fn polygon_coords(p: &Polygon<f64>) -> Value {
    let mut rings = vec![line_coords(p.exterior())];
    rings.extend(p.interiors().iter().map(line_coords));
    Value::Array(rings)
}

fn areal_geometry(mp: &MultiPolygon<f64>) -> Value {
    match mp.0.as_slice() {
        [one] => json!({"type": "Polygon", "coordinates": polygon_coords(one)}),
        many => json!({
            "type": "MultiPolygon",
            "coordinates": many.iter().map(polygon_coords).collect::<Vec<_>>(),
        }),
    }
}

fn point_geometry(p: Point<f64>) -> Value {
    json!({"type": "Point", "coordinates": coord(p.0)})
}

fn line_geometry(ls: &LineString<f64>) -> Value {
    json!({"type": "LineString", "coordinates": line_coords(ls)})
}

impl ScenarioBuilder {
    /// An empty scenario named `name`, with the built-in catalogue.
    pub fn new(name: impl Into<String>) -> ScenarioBuilder {
        let mut settings = Map::new();
        settings.insert("name".into(), Value::String(name.into()));
        ScenarioBuilder {
            catalogue: Catalogue::builtin(),
            settings,
            features: Vec::new(),
            terrain: BuilderTerrain::None,
            error: None,
        }
    }

    /// Validates against `catalogue` instead of the built-in one.
    pub fn catalogue(mut self, catalogue: Catalogue) -> Self {
        self.catalogue = catalogue;
        self
    }

    fn feature(mut self, kind: &str, id: &str, geometry: Value, props: Value) -> Self {
        let mut p = Map::new();
        p.insert("kind".into(), Value::String(kind.into()));
        if let Value::Object(m) = props {
            p.extend(m);
        }
        self.features.push(json!({
            "type": "Feature",
            "id": id,
            "geometry": geometry,
            "properties": p,
        }));
        self
    }

    /// A deployment zone (`priority` > 0 weights its area).
    pub fn zone(self, id: &str, area: impl Into<MultiPolygon<f64>>, priority: f64) -> Self {
        let g = areal_geometry(&area.into());
        self.feature("zone", id, g, json!({"name": id, "priority": priority}))
    }

    /// A defended asset worth `value` (> 0).
    pub fn asset(self, id: &str, at: Point<f64>, value: f64) -> Self {
        self.feature(
            "asset",
            id,
            point_geometry(at),
            json!({"name": id, "value": value}),
        )
    }

    /// A corridor: a centre line with a full width in metres.
    pub fn corridor(self, id: &str, line: LineString<f64>, width_m: f64) -> Self {
        self.feature(
            "corridor",
            id,
            line_geometry(&line),
            json!({"name": id, "width_m": width_m}),
        )
    }

    /// The contact / ceasefire line and the distance systems must keep from it.
    pub fn contact_line(self, id: &str, line: LineString<f64>, keep_out_m: f64) -> Self {
        self.feature(
            "contact_line",
            id,
            line_geometry(&line),
            json!({"name": id, "keep_out_m": keep_out_m}),
        )
    }

    /// A candidate area (with none, the zones are the candidate areas).
    pub fn candidate_area(self, id: &str, area: impl Into<MultiPolygon<f64>>) -> Self {
        let g = areal_geometry(&area.into());
        self.feature("candidate_area", id, g, json!({"name": id}))
    }

    /// An explicit candidate position, reserved for `class` when given.
    pub fn candidate_point(self, id: &str, at: Point<f64>, class: Option<&str>) -> Self {
        let props = match class {
            Some(c) => json!({ "class": c }),
            None => json!({}),
        };
        self.feature("candidate_point", id, point_geometry(at), props)
    }

    /// An exclusion area: no system may stand there.
    pub fn exclusion(self, id: &str, area: impl Into<MultiPolygon<f64>>) -> Self {
        let g = areal_geometry(&area.into());
        self.feature("exclusion", id, g, json!({"name": id}))
    }

    /// An existing (fixed) site of `class`; sector radars face the threat axis unless a
    /// `facing_deg` [`property`](Self::property) says otherwise, and `fixed: false` makes it
    /// movable.
    pub fn site(self, id: &str, class: &str, at: Point<f64>) -> Self {
        self.feature(
            "site",
            id,
            point_geometry(at),
            json!({"name": id, "class": class}),
        )
    }

    /// Sets `properties.<key>` of the feature added last (e.g. `name`, `category`,
    /// `facing_deg`, `fixed`, `required_depth`); the loader validates it. With no feature yet,
    /// [`build`](Self::build) fails with [`Error::InvalidInput`].
    pub fn property(mut self, key: &str, value: impl Into<Value>) -> Self {
        match self
            .features
            .last_mut()
            .and_then(|f| f.get_mut("properties"))
            .and_then(Value::as_object_mut)
        {
            Some(p) => {
                p.insert(key.into(), value.into());
            }
            None => {
                self.error.get_or_insert(Error::InvalidInput {
                    what: format!("ScenarioBuilder::property(\"{key}\")"),
                    reason: "no feature has been added yet".into(),
                });
            }
        }
        self
    }

    /// Requires `depth` systems against `threat` at the feature added last (a zone, asset or
    /// corridor; threats not named need 1).
    pub fn required_depth(mut self, threat: &str, depth: u8) -> Self {
        let props = self
            .features
            .last_mut()
            .and_then(|f| f.get_mut("properties"))
            .and_then(Value::as_object_mut);
        match props {
            Some(p) => {
                let entry = p
                    .entry("required_depth")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(m) = entry {
                    m.insert(threat.into(), json!(depth));
                }
            }
            None => {
                self.error.get_or_insert(Error::InvalidInput {
                    what: format!("ScenarioBuilder::required_depth(\"{threat}\")"),
                    reason: "no feature has been added yet".into(),
                });
            }
        }
        self
    }

    /// Sets any member of the `skycover` settings (`threat_axis_deg`, `class_spacing_m`,
    /// `limits`, `asset_value_km2`, ...); the loader validates it.
    pub fn setting(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.settings.insert(key.into(), value.into());
        self
    }

    /// Free-text description.
    pub fn description(self, text: &str) -> Self {
        self.setting("description", text)
    }

    /// Side of a demand grid cell, metres.
    pub fn grid_resolution_m(self, metres: f64) -> Self {
        self.setting("grid_resolution_m", metres)
    }

    /// Default spacing of the candidate grid, metres.
    pub fn candidate_spacing_m(self, metres: f64) -> Self {
        self.setting("candidate_spacing_m", metres)
    }

    /// Minimum distance between any two sites, metres.
    pub fn min_site_spacing_m(self, metres: f64) -> Self {
        self.setting("min_site_spacing_m", metres)
    }

    /// Bearing threats come from (degrees clockwise from north).
    pub fn threat_axis_deg(self, degrees: f64) -> Self {
        self.setting("threat_axis_deg", degrees)
    }

    /// `count` systems of `class` to place, at `unit_cost` (default: the catalogue's).
    pub fn inventory(mut self, class: &str, count: u32, unit_cost: Option<f64>) -> Self {
        let mut item = Map::new();
        item.insert("count".into(), json!(count));
        if let Some(c) = unit_cost {
            item.insert("unit_cost".into(), json!(c));
        }
        let inv = self
            .settings
            .entry("inventory")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = inv {
            m.insert(class.into(), Value::Object(item));
        }
        self
    }

    /// Total budget for placed systems.
    pub fn budget(self, budget: f64) -> Self {
        self.setting("budget", budget)
    }

    /// Mutual support: every site of the `protected` classes must be covered by `min_depth`
    /// sites of `by_class` against `threat`.
    pub fn mutual_support(
        self,
        protected: &[&str],
        by_class: &str,
        threat: &str,
        min_depth: u8,
    ) -> Self {
        self.setting(
            "mutual_support",
            json!({
                "protected_classes": protected,
                "by_class": by_class,
                "threat": threat,
                "min_depth": min_depth,
            }),
        )
    }

    /// Side of the terrain cells, metres (default: a quarter of the grid resolution, see
    /// [`default_terrain_cell_m`](crate::scenario::default_terrain_cell_m)).
    pub fn terrain_cell_m(self, metres: f64) -> Self {
        self.setting("terrain_cell_m", metres)
    }

    /// Uses `dem` as the scenario's terrain, resampled at build over the scenario's terrain box
    /// ([`Terrain::for_scenario_with_dem`]).
    pub fn dem(mut self, dem: Dem) -> Self {
        self.terrain = BuilderTerrain::Dem(Box::new(dem));
        self
    }

    /// Names a DEM file (`.asc` or `.tif`; relative paths from the current directory) as the
    /// scenario's `terrain` setting; [`build`](Self::build) loads it.
    pub fn terrain_file(mut self, path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        self.settings.insert(
            "terrain".into(),
            Value::String(path.to_string_lossy().into_owned()),
        );
        self.terrain = BuilderTerrain::File;
        self
    }

    /// The GeoJSON document the builder hands to the loader (a scenario file's content).
    pub fn to_geojson(&self) -> Value {
        json!({
            "type": "FeatureCollection",
            "skycover": Value::Object(self.settings.clone()),
            "features": self.features.clone(),
        })
    }

    /// Validates and builds the scenario, with its terrain when one was given.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for [`property`](Self::property) or
    /// [`required_depth`](Self::required_depth) before any feature; otherwise exactly as
    /// [`Scenario::from_geojson_str`] (feature index = order added), and as
    /// [`Terrain::for_scenario_with_dem`] / [`Scenario::load_terrain`] for the terrain.
    pub fn build(self) -> Result<Scenario> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let text = self.to_geojson().to_string();
        let mut scenario = Scenario::from_geojson_str(&text, self.catalogue)?;
        match self.terrain {
            BuilderTerrain::None => {}
            BuilderTerrain::Dem(dem) => {
                let t = Terrain::for_scenario_with_dem(&scenario, &dem, scenario.terrain_cell_m())?;
                scenario.set_terrain(t);
            }
            BuilderTerrain::File => scenario.load_terrain("")?,
        }
        Ok(scenario)
    }
}
