//! Where a scenario's terrain comes from: the `terrain`, `terrain_crs` and `terrain_outside`
//! settings, and building the terrain from them with its diagnostics.
//!
//! ```json
//! "skycover": {
//!   "terrain": ["N50E030.tif", "N50E031.tif"],   // or one path; relative to the scenario
//!   "terrain_crs": "EPSG:32636",                  // optional: for files that name no CRS
//!   "terrain_outside": "error"                    // default; or "flat", or {"height_m": 120}
//! }
//! ```
//!
//! `terrain_crs` applies to files that carry no CRS (an `.asc` without `.prj`, a GeoTIFF
//! without GeoKeys); a file that declares a different CRS is an error rather than being
//! silently overridden. See [`crate::terrain::resample`] for the tile and coverage rules.

use super::resample::{resample, OutsidePolicy, TerrainModel};
use super::{Dem, DemCrs, Terrain};
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use serde_json::{Map, Value};
use std::path::Path;

/// The terrain settings of a scenario. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TerrainSource {
    /// DEM files (relative to the scenario file), in priority order; empty for flat terrain.
    pub tiles: Vec<String>,
    /// The CRS of files that carry none (`terrain_crs`).
    pub crs: Option<DemCrs>,
    /// What terrain cells outside every DEM get (`terrain_outside`).
    pub outside: OutsidePolicy,
}

fn setting_err(field: &str, reason: impl Into<String>) -> Error {
    Error::InvalidSetting {
        field: field.into(),
        reason: reason.into(),
    }
}

impl TerrainSource {
    /// The setting names this module reads.
    pub const SETTINGS: [&'static str; 3] = ["terrain", "terrain_crs", "terrain_outside"];

    /// Reads the terrain settings from a scenario's `skycover` member.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] naming the setting: `terrain` neither a string nor a
    /// non-empty list of strings, an unknown or unsupported `terrain_crs`, a `terrain_outside`
    /// other than `"error"`, `"flat"` or `{"height_m": <finite number>}`.
    pub fn from_settings(settings: &Map<String, Value>) -> Result<TerrainSource> {
        let tiles = match settings.get("terrain") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) if !a.is_empty() => a
                .iter()
                .enumerate()
                .map(|(n, v)| {
                    v.as_str().map(str::to_string).ok_or_else(|| {
                        setting_err(&format!("terrain[{n}]"), "must be a DEM file path (string)")
                    })
                })
                .collect::<Result<_>>()?,
            Some(_) => {
                return Err(setting_err(
                    "terrain",
                    "must be a DEM file path (a string) or a non-empty list of DEM tile paths",
                ))
            }
        };
        let crs =
            match settings.get("terrain_crs") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(DemCrs::parse(s).map_err(|e| {
                    setting_err("terrain_crs", e.to_string().replace("terrain: ", ""))
                })?),
                Some(_) => {
                    return Err(setting_err(
                        "terrain_crs",
                        "must be a string such as \"EPSG:32636\", \"lonlat\" or \"local\"",
                    ))
                }
            };
        let outside = match settings.get("terrain_outside") {
            None | Some(Value::Null) => OutsidePolicy::Error,
            Some(Value::String(s)) if s == "error" => OutsidePolicy::Error,
            Some(Value::String(s)) if s == "flat" => OutsidePolicy::Flat,
            Some(Value::Object(o)) if o.len() == 1 && o.contains_key("height_m") => {
                match o.get("height_m").and_then(Value::as_f64) {
                    Some(h) if h.is_finite() => OutsidePolicy::Height(h),
                    _ => {
                        return Err(setting_err(
                            "terrain_outside.height_m",
                            "must be a finite number of metres",
                        ))
                    }
                }
            }
            Some(_) => {
                return Err(setting_err(
                    "terrain_outside",
                    "must be \"error\" (the default), \"flat\" or {\"height_m\": <metres>}",
                ))
            }
        };
        Ok(TerrainSource {
            tiles,
            crs,
            outside,
        })
    }

    /// Applies `terrain_crs` to a DEM read from `name`: files without a CRS (or with
    /// longitude/latitude only assumed) take it; a file declaring another CRS is an error.
    fn apply_crs(&self, dem: Dem, name: &str) -> Result<Dem> {
        let Some(crs) = self.crs else {
            return Ok(dem);
        };
        let declared = !dem.crs_assumed() && dem.crs() != DemCrs::Unspecified;
        if declared && dem.crs() != crs {
            return Err(setting_err(
                "terrain_crs",
                format!(
                    "{crs} given, but {name} declares {}; remove the setting or fix the file",
                    dem.crs()
                ),
            ));
        }
        Ok(dem.with_crs(crs))
    }
}

/// The DEM files a scenario's settings name: [`TerrainSource::tiles`], unless
/// [`Settings::terrain`](crate::scenario::Settings::terrain) was changed after loading (then
/// that one file, or none when it was cleared).
fn effective_tiles(settings: &crate::scenario::Settings) -> Vec<String> {
    match &settings.terrain {
        None => Vec::new(),
        Some(first) if settings.terrain_source.tiles.first() == Some(first) => {
            settings.terrain_source.tiles.clone()
        }
        Some(one) => vec![one.clone()],
    }
}

impl Terrain {
    /// As [`for_scenario`](Self::for_scenario), with the diagnostics of building the terrain
    /// (nodata filled, CRS assumed, cells outside the DEM filled by `terrain_outside`).
    ///
    /// # Parameters
    /// * `scenario`: names its DEM file(s) in the `terrain` setting (one path or a list of
    ///   tiles), optionally `terrain_crs` and `terrain_outside` ([`TerrainSource`]).
    /// * `base_dir`: the directory the paths are relative to (the scenario file's).
    /// * `cell_m`: the terrain cell size, metres.
    ///
    /// # Returns
    /// [`Terrain::Flat`] without diagnostics when the scenario names no terrain.
    ///
    /// # Errors
    /// As [`Dem::from_path`] and [`resample`]: notably [`Error::UnsupportedCrs`] and
    /// [`Error::TerrainNotCovered`] (the default when the DEM does not cover the scenario).
    ///
    /// # Complexity
    /// Reading the files, then O(cells × tiles).
    pub fn for_scenario_with_diagnostics(
        scenario: &Scenario,
        base_dir: &Path,
        cell_m: f64,
    ) -> Result<TerrainModel> {
        let src = &scenario.settings().terrain_source;
        let dems = effective_tiles(scenario.settings())
            .iter()
            .map(|name| {
                // `builtin:<name>` names a DEM embedded in the crate (as written by
                // `phase::plan_as_scenario` for a built-in map's next phase)
                let dem = match name.strip_prefix("builtin:") {
                    Some(stem) => Dem::builtin(stem)?,
                    None => Dem::from_path(base_dir.join(name))?,
                };
                src.apply_crs(dem, name)
            })
            .collect::<Result<Vec<_>>>()?;
        Terrain::model_for_scenario(scenario, &dems, cell_m, src.outside)
    }

    /// As [`for_builtin_scenario`](Self::for_builtin_scenario), with the diagnostics of
    /// building the terrain (see
    /// [`for_scenario_with_diagnostics`](Self::for_scenario_with_diagnostics)).
    ///
    /// # Errors
    /// As [`for_builtin_scenario`](Self::for_builtin_scenario).
    ///
    /// # Examples
    /// ```
    /// use skycover::terrain::Terrain;
    /// use skycover::Scenario;
    /// let kyiv = Scenario::builtin("kyiv")?;
    /// let m = Terrain::for_builtin_scenario_with_diagnostics(&kyiv, 2_000.0)?;
    /// assert!(!m.terrain.is_flat());
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn for_builtin_scenario_with_diagnostics(
        scenario: &Scenario,
        cell_m: f64,
    ) -> Result<TerrainModel> {
        let src = &scenario.settings().terrain_source;
        let dems = effective_tiles(scenario.settings())
            .iter()
            .map(|name| {
                let stem = Path::new(name)
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or(name.as_str());
                src.apply_crs(Dem::builtin(stem)?, name)
            })
            .collect::<Result<Vec<_>>>()?;
        Terrain::model_for_scenario(scenario, &dems, cell_m, src.outside)
    }

    /// `dems` (a mosaic, first wins) resampled at `cell_m` over the scenario's
    /// [`scenario_bbox`](Self::scenario_bbox) with the given outside policy; flat for no DEM.
    pub(crate) fn model_for_scenario(
        scenario: &Scenario,
        dems: &[Dem],
        cell_m: f64,
        outside: OutsidePolicy,
    ) -> Result<TerrainModel> {
        if dems.is_empty() {
            return Ok(TerrainModel::default());
        }
        if !(cell_m.is_finite() && cell_m > 0.0) {
            return Err(Error::InvalidInput {
                what: "terrain cell size".into(),
                reason: format!("{cell_m} must be a finite number > 0"),
            });
        }
        let bbox = Terrain::scenario_bbox(scenario, cell_m);
        resample(dems, scenario.frame(), bbox, cell_m, outside)
    }
}

impl Scenario {
    /// Builds the terrain this scenario names and records the diagnostics of building it on
    /// the scenario ([`Scenario::diagnostics`]).
    ///
    /// # Parameters
    /// * `base_dir`: the scenario file's directory; `None` for a built-in scenario, whose
    ///   `terrain` file stems name built-in DEMs ([`Dem::builtin`]).
    /// * `cell_m`: the terrain cell size, metres.
    ///
    /// # Errors
    /// As [`Terrain::for_scenario_with_diagnostics`].
    ///
    /// # Examples
    /// ```
    /// use skycover::Scenario;
    /// let mut kyiv = Scenario::builtin("kyiv")?;
    /// let terrain = kyiv.build_terrain(None, 2_000.0)?;
    /// assert!(!terrain.is_flat());
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn build_terrain(&mut self, base_dir: Option<&Path>, cell_m: f64) -> Result<Terrain> {
        let model = match base_dir {
            Some(dir) => Terrain::for_scenario_with_diagnostics(self, dir, cell_m)?,
            None => Terrain::for_builtin_scenario_with_diagnostics(self, cell_m)?,
        };
        for d in model.diagnostics {
            self.push_diagnostic(d);
        }
        Ok(model.terrain)
    }
}
