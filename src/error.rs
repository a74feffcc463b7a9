//! The crate's one error type.
//!
//! Every fallible entry point returns [`Result<T>`](crate::Result). Variants carry enough context
//! (which feature, which class, which field) for a planner to fix the input without reading code.

use std::fmt;

/// Points to one feature of a scenario file: its position in the `features` array and its `id`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FeatureRef {
    /// Zero-based index of the feature in the `features` array.
    pub index: usize,
    /// The feature's `id`, when it has one.
    pub id: Option<String>,
}

impl fmt::Display for FeatureRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "feature #{} (id \"{}\")", self.index, id),
            None => write!(f, "feature #{} (no id)", self.index),
        }
    }
}

/// Everything that can go wrong in skycover.
///
/// Marked `#[non_exhaustive]`: match the variants you care about and keep a fallback arm.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A JSON document (catalogue or scenario) is not well-formed or has the wrong shape.
    #[error("{what}: JSON error at line {line}, column {column}: {message}")]
    Json {
        /// Which document: `"catalogue"` or `"scenario"`.
        what: &'static str,
        /// One-based line of the error (0 when unknown).
        line: usize,
        /// One-based column of the error (0 when unknown).
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file path.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// A catalogue entry has an invalid field value.
    #[error("catalogue: {kind} \"{id}\": field `{field}`: {reason}")]
    InvalidCatalogue {
        /// `"system class"` or `"threat class"` (or `"catalogue"` for document-level problems).
        kind: &'static str,
        /// The id of the offending class.
        id: String,
        /// The offending field, e.g. `envelopes.aircraft.max_range_m`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Two catalogue entries or scenario features share one id.
    #[error("duplicate {kind} id \"{id}\"")]
    DuplicateId {
        /// What kind of thing is duplicated (`"system class"`, `"threat class"`, `"feature"`).
        kind: &'static str,
        /// The duplicated id.
        id: String,
    },
    /// A system class name is not in the catalogue.
    #[error("{context}: unknown system class \"{name}\" (known: {known})")]
    UnknownSystemClass {
        /// The unknown name.
        name: String,
        /// Where it was found.
        context: String,
        /// The known class ids, comma-separated.
        known: String,
    },
    /// A threat class name is not in the catalogue.
    #[error("{context}: unknown threat class \"{name}\" (known: {known})")]
    UnknownThreat {
        /// The unknown name.
        name: String,
        /// Where it was found.
        context: String,
        /// The known threat ids, comma-separated.
        known: String,
    },
    /// A scenario feature has an invalid geometry or property.
    #[error("scenario: {feature}: field `{field}`: {reason}")]
    InvalidFeature {
        /// Which feature.
        feature: FeatureRef,
        /// The offending field, e.g. `geometry`, `properties.width_m`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A scenario-level setting (the `skycover` member) is invalid.
    #[error("scenario: setting `{field}`: {reason}")]
    InvalidSetting {
        /// The offending setting, e.g. `inventory.patriot_class.count`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An argument passed to a library function is invalid (NaN coordinates, empty sets, ...).
    #[error("invalid input `{what}`: {reason}")]
    InvalidInput {
        /// The offending argument.
        what: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A request would exceed a configured resource limit; nothing was allocated.
    #[error(
        "{what}: {requested} requested, limit is {limit}; raise `{setting}` or coarsen the input"
    )]
    ResourceLimit {
        /// What would grow too large (grid cells, candidates, coverage-matrix non-zeros).
        what: &'static str,
        /// The size that was requested.
        requested: u64,
        /// The configured limit.
        limit: u64,
        /// The setting that controls the limit.
        setting: &'static str,
    },
    /// The placement problem has no feasible solution (e.g. an inventory that cannot satisfy
    /// mutual support, or a budget below the fixed sites' cost).
    #[error("infeasible: {reason}")]
    Infeasible {
        /// Why.
        reason: String,
    },
    /// The MILP solver failed.
    #[error("solver: {message}")]
    Solver {
        /// The solver's message.
        message: String,
    },
    /// A terrain model is invalid or could not be read.
    #[error("terrain: {reason}")]
    Terrain {
        /// Why.
        reason: String,
    },
    /// Rendering or exporting results failed.
    #[error("export: {message}")]
    Export {
        /// Why.
        message: String,
    },
    // ---- terrain CRS and DEM coverage (src/terrain/crs.rs, src/terrain/resample.rs)
    /// A DEM's coordinate reference system cannot be handled (unknown or unsupported EPSG
    /// code, unrecognised WKT, or no CRS at all).
    #[error("terrain: CRS {crs} is not supported: {reason}")]
    UnsupportedCrs {
        /// The CRS as named by the input (e.g. `EPSG:2100`, a WKT name).
        crs: String,
        /// Why, and how to fix it.
        reason: String,
    },
    /// Part of the scenario's terrain box is outside every DEM given (and the outside policy
    /// is `error`, the default).
    #[error(
        "terrain: the DEM does not cover {uncovered_cells} of {total_cells} terrain cells ({percent:.2} %) of the scenario, within lon {lon_min:.4}..{lon_max:.4}, lat {lat_min:.4}..{lat_max:.4} (WGS84); supply a DEM or more tiles covering it, or choose how to fill it: scenario setting \"terrain_outside\": \"flat\" or {{\"height_m\": 120}} (Rust: OutsidePolicy)",
        percent = 100.0 * *uncovered_cells as f64 / (*total_cells).max(1) as f64,
        lon_min = uncovered_lonlat[0],
        lat_min = uncovered_lonlat[1],
        lon_max = uncovered_lonlat[2],
        lat_max = uncovered_lonlat[3]
    )]
    TerrainNotCovered {
        /// Terrain cells (of the local resampling grid) without DEM data.
        uncovered_cells: u64,
        /// All terrain cells.
        total_cells: u64,
        /// Bounding box `[lon_min, lat_min, lon_max, lat_max]` (degrees) of the uncovered
        /// cell centres.
        uncovered_lonlat: [f64; 4],
    },
    /// A scenario reaches so far from its frame's centre that local distances there would be
    /// off by more than the `max_frame_distortion` setting (see [`crate::geometry::extent`]).
    /// Often a feature with lat/lon swapped.
    #[error(
        "scenario: {feature} lies {:.0} km from the scenario's centre, where the local frame's distance error is {:.3} %, above `max_frame_distortion` ({:.3} %): check that its coordinates are [lon, lat], split the scenario, or raise the setting",
        .distance_m / 1000.0, .distortion * 100.0, .limit * 100.0
    )]
    FrameExtent {
        /// The feature farthest from the centre.
        feature: FeatureRef,
        /// Its geodesic distance from the centre, metres.
        distance_m: f64,
        /// The frame's worst relative distance error there.
        distortion: f64,
        /// The `max_frame_distortion` setting.
        limit: f64,
    },
}

impl Error {
    /// Wraps a `serde_json` error for the document `what`.
    pub(crate) fn json(what: &'static str, e: &serde_json::Error) -> Self {
        Error::Json {
            what,
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        }
    }

    /// Wraps an I/O error for `path`.
    pub(crate) fn io(path: &std::path::Path, e: &std::io::Error) -> Self {
        Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    }
}

/// An I/O error with no path at hand becomes [`Error::Io`] with the path `"(unknown)"` (the
/// crate's own readers name the path; this is for `?` in callers' code).
impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io {
            path: "(unknown)".into(),
            message: e.to_string(),
        }
    }
}

/// `Result` with the crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
