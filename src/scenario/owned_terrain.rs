//! The scenario owns its terrain: loaded with the scenario, used by every entry point.
//!
//! # Rule
//!
//! * [`Scenario::builtin`] loads the built-in DEM its `terrain` setting names
//!   ([`Terrain::for_builtin_scenario`]); [`Scenario::from_path`] (and [`Scenario::load`] with a
//!   path) loads the file it names, relative to the scenario file's directory
//!   ([`Terrain::for_scenario`]). A scenario that names no terrain is flat.
//! * The DEM is resampled **once**, at load, over [`Terrain::scenario_bbox`] at the scenario's
//!   own terrain cell size: the `terrain_cell_m` setting, or when absent
//!   [`default_terrain_cell_m`] of the file's `grid_resolution_m` (a quarter of it, clamped to
//!   100–1000 m), written back into [`Settings::terrain_cell_m`](super::Settings) at load.
//!   The terrain is then **independent of the demand grid**: coarsening
//!   `grid_resolution_m` through [`Scenario::settings_mut`] keeps the same terrain.
//! * Changing `terrain` or `terrain_cell_m` through [`Scenario::settings_mut`] does not reload
//!   it: call [`Scenario::reload_terrain`]. Until then every answer that uses the scenario's
//!   terrain carries a [`codes::SCENARIO_TERRAIN_STALE`] warning.
//! * [`Scenario::from_geojson_str`] has no directory to resolve a file name against: a scenario
//!   read from text that names a terrain stays flat with a [`codes::SCENARIO_TERRAIN_NOT_LOADED`]
//!   warning (on the scenario and on every answer) until [`Scenario::load_terrain`] or
//!   [`Scenario::set_terrain`].
//! * Flat ground on request: [`Scenario::without_terrain`] (an
//!   [`Info`](crate::Severity::Info) [`codes::SCENARIO_TERRAIN_FLAT`] remark when the settings
//!   name a terrain), or [`Planner::terrain`](crate::Planner::terrain) /
//!   [`Coverage::evaluate`](crate::Coverage::evaluate) with a terrain of your own.
//! * Sites evaluated outside the terrain grid (e.g. set with [`Scenario::set_sites`] far from
//!   the scenario) stand on 0 m there: [`codes::SCENARIO_TERRAIN_SITE_OUTSIDE`].

use super::Scenario;
use crate::diagnostic::{codes, Diagnostic};
use crate::error::{Error, Result};
use crate::site::Site;
use crate::terrain::Terrain;
use std::path::{Path, PathBuf};

/// Smallest default terrain cell, metres (see [`default_terrain_cell_m`]).
pub const MIN_DEFAULT_TERRAIN_CELL_M: f64 = 100.0;
/// Largest default terrain cell, metres (see [`default_terrain_cell_m`]).
pub const MAX_DEFAULT_TERRAIN_CELL_M: f64 = 1_000.0;

/// The terrain cell size used when a scenario does not set `terrain_cell_m`: a quarter of the
/// demand grid's resolution, clamped to
/// [`MIN_DEFAULT_TERRAIN_CELL_M`]..=[`MAX_DEFAULT_TERRAIN_CELL_M`] (1 km grid → 250 m cells,
/// finer than the ~0.5–1 km of the shipped DEMs, so the resampling keeps their relief).
///
/// # Examples
/// ```
/// use skycover::scenario::default_terrain_cell_m;
/// assert_eq!(default_terrain_cell_m(1_000.0), 250.0);
/// assert_eq!(default_terrain_cell_m(100.0), 100.0);
/// assert_eq!(default_terrain_cell_m(10_000.0), 1_000.0);
/// ```
pub fn default_terrain_cell_m(grid_resolution_m: f64) -> f64 {
    (grid_resolution_m / 4.0).clamp(MIN_DEFAULT_TERRAIN_CELL_M, MAX_DEFAULT_TERRAIN_CELL_M)
}

/// Where the scenario came from: what [`Scenario::reload_terrain`] reloads from.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) enum Origin {
    /// Parsed from text: no directory to resolve a terrain file against.
    #[default]
    Text,
    /// A built-in scenario: built-in DEMs.
    Builtin,
    /// A file in this directory.
    Dir(PathBuf),
}

/// What the current terrain was built from.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) enum Source {
    /// Nothing loaded (flat); the settings named `name` (if any) when that was decided.
    #[default]
    NotLoaded,
    /// Loaded from the settings' `terrain` at `cell_m`.
    Loaded { name: Option<String>, cell_m: f64 },
    /// Set by the caller ([`Scenario::set_terrain`], [`Scenario::without_terrain`]).
    Explicit,
}

/// The scenario's terrain and its provenance.
#[derive(Debug, Clone, Default)]
pub(super) struct OwnedTerrain {
    terrain: Terrain,
    source: Source,
    origin: Origin,
}

impl Scenario {
    /// Called at the end of the loader: resolves the default terrain cell size and notes a
    /// named terrain that text alone cannot load.
    pub(super) fn terrain_after_parse(&mut self) {
        if self.settings.terrain_cell_m.is_none() {
            self.settings.terrain_cell_m =
                Some(default_terrain_cell_m(self.settings.grid_resolution_m));
        }
        self.terrain = OwnedTerrain::default();
        if let Some(d) = self.not_loaded_diagnostic() {
            self.diagnostics.push(d);
        }
    }

    fn not_loaded_diagnostic(&self) -> Option<Diagnostic> {
        let name = self.settings.terrain.as_deref()?;
        Some(
            Diagnostic::warning(
                codes::SCENARIO_TERRAIN_NOT_LOADED,
                format!(
                    "the scenario names terrain \"{name}\" but was read from text with no \
                     directory to resolve it against: coverage is computed on flat ground \
                     (use Scenario::from_path, Scenario::load_terrain or Scenario::set_terrain)"
                ),
            )
            .with_field("terrain"),
        )
    }

    /// Drops the scenario-level terrain remarks (a new terrain was attached).
    fn clear_terrain_diagnostics(&mut self) {
        // The remarks of building the previous terrain (`terrain.*`) go with it.
        self.diagnostics.retain(|d| {
            d.code != codes::SCENARIO_TERRAIN_NOT_LOADED
                && d.code != codes::SCENARIO_TERRAIN_FLAT
                && !d.code.starts_with("terrain.")
        });
    }

    /// Loads the built-in DEM the settings name (used by [`Scenario::builtin`]).
    pub(super) fn attach_builtin_terrain(&mut self) -> Result<()> {
        self.terrain.origin = Origin::Builtin;
        self.reload_terrain()
    }

    /// Loads the DEM file the settings name, relative to `dir` (used by
    /// [`Scenario::from_path`]).
    pub(super) fn attach_file_terrain(&mut self, dir: &Path) -> Result<()> {
        self.load_terrain(dir)
    }

    /// The scenario's terrain: the DEM its `terrain` setting names, resampled when the scenario
    /// was loaded (see the rule below), or [`Terrain::Flat`].
    ///
    /// Every entry point that takes a scenario uses it unless told otherwise:
    /// [`Coverage::for_scenario`](crate::Coverage::for_scenario),
    /// [`Coverage::of_scenario`](crate::Coverage::of_scenario), and
    /// [`Planner::new`](crate::Planner::new) (which [`Planner::terrain`](crate::Planner::terrain)
    /// overrides).
    ///
    /// # Rule
    /// The DEM is resampled once, at load, over [`Terrain::scenario_bbox`] at
    /// [`Settings::terrain_cell_m`](super::Settings::terrain_cell_m) (default: a quarter of the
    /// file's grid resolution, clamped to 100–1000 m, see [`default_terrain_cell_m`]): it does
    /// not follow later changes of `grid_resolution_m`. Changing `terrain` or `terrain_cell_m`
    /// through [`settings_mut`](Self::settings_mut) needs [`reload_terrain`](Self::reload_terrain);
    /// until then answers carry a `scenario.terrain_stale` warning.
    ///
    /// Complexity: O(1).
    ///
    /// # Examples
    /// ```
    /// use skycover::Scenario;
    /// let kyiv = Scenario::builtin("kyiv")?; // names the built-in Kyiv DEM
    /// let grid = kyiv.terrain().grid().expect("Kyiv has terrain");
    /// assert_eq!(grid.cell_m(), 250.0); // the default for its 1 km demand grid
    /// assert!(Scenario::builtin("theatre")?.terrain().is_flat()); // names none
    /// assert!(kyiv.without_terrain().terrain().is_flat());
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn terrain(&self) -> &Terrain {
        &self.terrain.terrain
    }

    /// Replaces the scenario's terrain with `terrain` (e.g. one built with
    /// [`Terrain::for_scenario_with_dem`] from a DEM of your own). [`Terrain::Flat`] asks for
    /// flat ground, as [`without_terrain`](Self::without_terrain).
    pub fn set_terrain(&mut self, terrain: Terrain) {
        self.clear_terrain_diagnostics();
        if terrain.is_flat() {
            if let Some(name) = self.settings.terrain.clone() {
                self.diagnostics.push(
                    Diagnostic::info(
                        codes::SCENARIO_TERRAIN_FLAT,
                        format!("terrain \"{name}\" set aside on request: flat ground"),
                    )
                    .with_field("terrain"),
                );
            }
        }
        self.terrain.terrain = terrain;
        self.terrain.source = Source::Explicit;
    }

    /// The scenario on flat ground, explicitly (its terrain set aside: every entry point then
    /// answers as on flat ground, and the scenario carries an `Info` remark saying so when its
    /// settings name a terrain).
    ///
    /// # Examples
    /// ```
    /// use skycover::{Coverage, Scenario};
    /// let mut kyiv = Scenario::builtin("kyiv")?;
    /// kyiv.settings_mut().grid_resolution_m = 4_000.0;
    /// let masked = Coverage::for_scenario(&kyiv, kyiv.sites())?;
    /// let flat_kyiv = kyiv.clone().without_terrain();
    /// let flat = Coverage::for_scenario(&flat_kyiv, flat_kyiv.sites())?;
    /// assert!(masked.overall().fraction <= flat.overall().fraction);
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn without_terrain(mut self) -> Scenario {
        self.set_terrain(Terrain::Flat);
        self
    }

    /// (Re)loads the terrain file the `terrain` setting names, relative to `base_dir`, at
    /// [`Settings::terrain_cell_m`](super::Settings::terrain_cell_m); flat when it names none.
    /// Later [`reload_terrain`](Self::reload_terrain) calls use `base_dir` again.
    ///
    /// # Errors
    /// As [`Terrain::for_scenario`] (unreadable or invalid DEM, bad cell size, too many cells).
    pub fn load_terrain(&mut self, base_dir: impl AsRef<Path>) -> Result<()> {
        self.terrain.origin = Origin::Dir(base_dir.as_ref().to_path_buf());
        self.reload_terrain()
    }

    /// Rebuilds the terrain from the current settings (`terrain`, `terrain_cell_m`) and where
    /// the scenario came from: built-in DEMs for [`Scenario::builtin`], the scenario file's
    /// directory for [`Scenario::from_path`] (or the one given to
    /// [`load_terrain`](Self::load_terrain)).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a scenario read from text that names a terrain (no
    /// directory: use [`load_terrain`](Self::load_terrain)); [`Error::InvalidSetting`] for a
    /// non-positive `terrain_cell_m`; otherwise as [`Terrain::for_scenario`] /
    /// [`Terrain::for_builtin_scenario`].
    pub fn reload_terrain(&mut self) -> Result<()> {
        let cell_m = self.terrain_cell_m();
        if !(cell_m.is_finite() && cell_m > 0.0) {
            return Err(Error::InvalidSetting {
                field: "terrain_cell_m".into(),
                reason: format!("{cell_m} must be a finite number > 0"),
            });
        }
        let model = match (&self.terrain.origin, &self.settings.terrain) {
            (_, None) => crate::terrain::TerrainModel {
                terrain: Terrain::Flat,
                diagnostics: Vec::new(),
            },
            (Origin::Builtin, Some(_)) => {
                Terrain::for_builtin_scenario_with_diagnostics(self, cell_m)?
            }
            (Origin::Dir(dir), Some(_)) => {
                Terrain::for_scenario_with_diagnostics(self, dir, cell_m)?
            }
            (Origin::Text, Some(name)) => {
                return Err(Error::InvalidInput {
                    what: "scenario terrain".into(),
                    reason: format!(
                        "terrain \"{name}\" cannot be resolved for a scenario read from text; \
                         use Scenario::load_terrain(base_dir) or Scenario::set_terrain"
                    ),
                })
            }
        };
        check_elevations(
            &model.terrain,
            self.settings.terrain.as_deref().unwrap_or(""),
        )?;
        self.clear_terrain_diagnostics();
        self.diagnostics.extend(model.diagnostics);
        self.terrain.terrain = model.terrain;
        self.terrain.source = Source::Loaded {
            name: self.settings.terrain.clone(),
            cell_m,
        };
        Ok(())
    }

    /// One line saying which terrain answers use, for reports: the DEM named, the grid
    /// (cells, cell size, elevation range), or flat ground and why.
    ///
    /// # Examples
    /// ```
    /// use skycover::Scenario;
    /// let s = Scenario::builtin("odesa")?;
    /// assert!(s.terrain_summary().starts_with("terrain ../terrain/odesa.tif: "));
    /// assert_eq!(Scenario::builtin("theatre")?.terrain_summary(), "flat ground (no terrain named)");
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn terrain_summary(&self) -> String {
        let name = self.settings.terrain.as_deref();
        match (self.terrain().grid(), name) {
            (Some(g), _) => {
                let (lo, hi) = g
                    .values()
                    .iter()
                    .fold((f32::MAX, f32::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
                let what = match (&self.terrain.source, name) {
                    (Source::Loaded { .. }, Some(n)) => format!("terrain {n}"),
                    _ => "terrain (set in code)".to_string(),
                };
                format!(
                    "{what}: {} × {} cells of {} m, {lo:.0}–{hi:.0} m; coverage masked by line of sight",
                    g.nx(),
                    g.ny(),
                    g.cell_m()
                )
            }
            (None, None) => "flat ground (no terrain named)".to_string(),
            (None, Some(n)) => match self.terrain.source {
                Source::Explicit => format!("flat ground (terrain {n} set aside on request)"),
                _ => format!("flat ground (terrain {n} NOT loaded)"),
            },
        }
    }

    /// How a next-phase scenario written elsewhere names the DEM tile `name` of this one:
    /// `builtin:<stem>` for a built-in map's embedded DEM, the absolute path for a file's
    /// (resolved against the scenario file's directory), `name` itself for text.
    pub(crate) fn terrain_tile_reference(&self, name: &str) -> String {
        if name.starts_with("builtin:") {
            return name.to_string();
        }
        match &self.terrain.origin {
            Origin::Builtin => {
                let stem = Path::new(name)
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or(name);
                format!("builtin:{stem}")
            }
            Origin::Dir(dir) => {
                let p = dir.join(name);
                std::fs::canonicalize(&p)
                    .unwrap_or(p)
                    .to_string_lossy()
                    .into_owned()
            }
            Origin::Text => name.to_string(),
        }
    }

    /// The terrain cell size in force: [`Settings::terrain_cell_m`](super::Settings::terrain_cell_m),
    /// or [`default_terrain_cell_m`] of the grid resolution when unset.
    pub fn terrain_cell_m(&self) -> f64 {
        self.settings
            .terrain_cell_m
            .unwrap_or_else(|| default_terrain_cell_m(self.settings.grid_resolution_m))
    }

    /// The remarks an answer computed over the scenario's own terrain for `sites` must carry:
    /// a terrain named but not loaded, a terrain stale after settings changes, sites standing
    /// outside the terrain grid. Empty in the normal case.
    pub fn terrain_diagnostics(&self, sites: &[Site]) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        match &self.terrain.source {
            Source::NotLoaded => out.extend(self.not_loaded_diagnostic()),
            Source::Loaded { name, cell_m } => {
                if *name != self.settings.terrain {
                    out.push(
                        Diagnostic::warning(
                            codes::SCENARIO_TERRAIN_STALE,
                            format!(
                                "the `terrain` setting changed ({:?} → {:?}) after the terrain \
                                 was loaded: answers use the old terrain (call \
                                 Scenario::reload_terrain)",
                                name, self.settings.terrain
                            ),
                        )
                        .with_field("terrain"),
                    );
                } else if self.terrain_cell_m() != *cell_m {
                    out.push(
                        Diagnostic::warning(
                            codes::SCENARIO_TERRAIN_STALE,
                            format!(
                                "`terrain_cell_m` changed ({cell_m} → {}) after the terrain was \
                                 loaded: answers use {cell_m} m cells (call \
                                 Scenario::reload_terrain)",
                                self.terrain_cell_m()
                            ),
                        )
                        .with_field("terrain_cell_m"),
                    );
                }
            }
            Source::Explicit => {}
        }
        if let Some(g) = self.terrain().grid() {
            let b = g.bounds();
            let outside: Vec<String> = sites
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    let [x, y] = s.position;
                    !(x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3])
                })
                .map(|(i, s)| s.id.clone().unwrap_or_else(|| format!("#{i}")))
                .collect();
            if !outside.is_empty() {
                out.push(Diagnostic::warning(
                    codes::SCENARIO_TERRAIN_SITE_OUTSIDE,
                    format!(
                        "{} site(s) stand outside the scenario's terrain grid, where the ground \
                         is taken as 0 m: {}",
                        outside.len(),
                        outside.join(", ")
                    ),
                ));
            }
        }
        out
    }
}

/// Refuses a terrain whose elevations lie outside the Earth's relief
/// ([`crate::validate::MIN_ELEVATION_M`] to [`crate::validate::MAX_ELEVATION_M`]): such a value
/// is a nodata sentinel the file does not declare (1e30, ±3.4e38, −32 768), and taken as
/// ground it would hide or reveal whole regions.
fn check_elevations(terrain: &Terrain, name: &str) -> Result<()> {
    use crate::validate::{MAX_ELEVATION_M, MIN_ELEVATION_M};
    let Some(g) = terrain.grid() else {
        return Ok(());
    };
    let bad = g
        .values()
        .iter()
        .map(|&v| f64::from(v))
        .find(|v| !(MIN_ELEVATION_M..=MAX_ELEVATION_M).contains(v));
    match bad {
        None => Ok(()),
        Some(v) => Err(Error::InvalidSetting {
            field: "terrain".into(),
            reason: format!(
                "DEM \"{name}\" holds an elevation of {v} m, outside the Earth's relief ({MIN_ELEVATION_M} to {MAX_ELEVATION_M} m): an undeclared nodata value? declare it (NODATA_value in an .asc header, GDAL_NODATA in a GeoTIFF) or fix the DEM"
            ),
        }),
    }
}
