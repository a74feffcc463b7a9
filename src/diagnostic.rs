//! Typed diagnostics: the only way an answer may be degraded.
//!
//! A [`Diagnostic`] is a remark attached to a result (a [`Scenario`](crate::Scenario), a
//! [`Coverage`](crate::Coverage), a [`Plan`](crate::Plan)): its [`Severity`], a stable
//! machine-readable [`code`](Diagnostic::code), a message for people, and the feature and
//! field it concerns when there is one. Anything that makes an answer less exact than the
//! caller asked for (a nodata hole filled, a search cut short by its time limit, a frame
//! distortion above the comfortable range, ...) either refuses the input with an
//! [`Error`](crate::Error) or leaves a diagnostic; nothing degrades silently.
//!
//! Codes are dotted, lower-case strings (`"terrain.nodata_filled"`), stable across releases:
//! match on them, not on messages. Each module documents the codes it emits next to the
//! place that emits them; the constants live in [`codes`].
//!
//! # Examples
//! ```
//! use skycover::diagnostic::{Diagnostic, Severity};
//! let d = Diagnostic::warning("demo.example", "something was approximated")
//!     .with_field("settings.grid_resolution_m");
//! assert_eq!(d.severity, Severity::Warning);
//! assert_eq!(d.to_string(), "warning [demo.example] setting `settings.grid_resolution_m`: something was approximated");
//! ```

use std::fmt;

use serde::Serialize;

use crate::error::FeatureRef;

/// How much a diagnostic matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Information: the answer is as exact as asked, this says how it was obtained.
    Info,
    /// The answer is degraded or approximate in a way the caller should know about.
    Warning,
    /// Part of the request could not be answered (the rest of the answer stands).
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One typed remark on a result. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// How much it matters.
    pub severity: Severity,
    /// Stable machine-readable code, e.g. `"terrain.nodata_filled"`.
    pub code: &'static str,
    /// What happened, for people.
    pub message: String,
    /// The scenario feature it concerns, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature: Option<FeatureRef>,
    /// The field or setting it concerns, when there is one (e.g. `properties.priority`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Diagnostic {
    /// A diagnostic of the given severity with no feature or field.
    pub fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            feature: None,
            field: None,
        }
    }
    /// An [`Severity::Info`] diagnostic.
    pub fn info(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Info, code, message)
    }
    /// A [`Severity::Warning`] diagnostic.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }
    /// An [`Severity::Error`] diagnostic.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }
    /// Names the feature it concerns.
    pub fn with_feature(mut self, feature: FeatureRef) -> Self {
        self.feature = Some(feature);
        self
    }
    /// Names the field or setting it concerns.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.severity, self.code)?;
        match (&self.feature, &self.field) {
            (Some(feat), Some(field)) => write!(f, " {feat}, field `{field}`")?,
            (Some(feat), None) => write!(f, " {feat}")?,
            (None, Some(field)) => write!(f, " setting `{field}`")?,
            (None, None) => {}
        }
        write!(f, ": {}", self.message)
    }
}

/// True when any diagnostic in `diags` is at least `severity`.
pub fn any_at_least(diags: &[Diagnostic], severity: Severity) -> bool {
    diags.iter().any(|d| d.severity >= severity)
}

/// The stable diagnostic codes, one constant per code, grouped by the module that emits them.
/// Add a constant here when a module starts emitting a new code.
pub mod codes {
    // ---- scenario terrain (src/scenario/owned_terrain.rs)
    /// The scenario names a terrain that was not loaded (read from text, no directory): the
    /// answer is on flat ground.
    pub const SCENARIO_TERRAIN_NOT_LOADED: &str = "scenario.terrain_not_loaded";
    /// The `terrain` or `terrain_cell_m` setting changed after the terrain was loaded: the
    /// answer uses the old terrain.
    pub const SCENARIO_TERRAIN_STALE: &str = "scenario.terrain_stale";
    /// The scenario's terrain was set aside on request (flat ground), although its settings
    /// name one (an `Info`).
    pub const SCENARIO_TERRAIN_FLAT: &str = "scenario.terrain_flat";
    /// Sites stand outside the scenario's terrain grid, where the ground is taken as 0 m.
    pub const SCENARIO_TERRAIN_SITE_OUTSIDE: &str = "scenario.terrain_site_outside";
    // ---- end of scenario terrain
    // ---- terrain: DEM reading and resampling (src/terrain/dem.rs, crs.rs, resample.rs)
    /// Nodata cells of a DEM were filled from their nearest valid cell (count in the message).
    pub const TERRAIN_NODATA_FILLED: &str = "terrain.nodata_filled";
    /// A DEM file carried no CRS and its coordinates were taken as WGS84 longitude/latitude.
    pub const TERRAIN_CRS_ASSUMED: &str = "terrain.crs_assumed";
    /// Terrain cells outside every DEM were filled by the chosen outside policy.
    pub const TERRAIN_OUTSIDE_FILLED: &str = "terrain.outside_filled";
    // ---- geometry: frame extent (crate::geometry::extent)
    /// The scenario reaches beyond the frame's comfortable range (distance error above
    /// 0.05 %) but within `max_frame_distortion`: the message gives the figure.
    pub const FRAME_DISTORTION: &str = "frame.distortion";
    // ---- outputs and maps (src/output.rs, src/map.rs, src/report.rs)
    /// Gap polygons were clipped to the deployment zones; the message gives the area removed.
    pub const OUTPUT_GAPS_CLIPPED: &str = "output.gaps_clipped";
    /// Sites at (nearly) the same position are drawn offset on a ring around it.
    pub const MAP_SITES_OFFSET: &str = "map.sites_offset";
    /// Geometry outside the map view was clipped away (nothing is clamped onto the frame).
    pub const MAP_CLIPPED: &str = "map.clipped";
    // ---- robustness (placement, planner and input checks) -----------------------------------
    /// The local search stopped at the time limit before its work limits: the plan depends on
    /// the machine's speed and load (raise the time limit or lower the work limits).
    pub const PLACEMENT_LOCAL_SEARCH_TIME_LIMIT: &str = "placement.local_search_time_limit";
    /// The greedy stopped at the time limit (checked between its rounds) before placing all
    /// it could: the plan is partial (fewer sites than it would place without the limit) and
    /// depends on the machine's speed and load (warning; raise the time limit).
    pub const PLACEMENT_GREEDY_TIME_LIMIT: &str = "placement.greedy_time_limit";
    /// The model is too large for the fast-interchange tables of the local search (one row of
    /// candidate gains per chosen site, capped at 2^25 entries): the slower plain swap descent
    /// and perturbation chains ran instead, with the same work limits (information).
    pub const PLACEMENT_LOCAL_SEARCH_PLAIN: &str = "placement.local_search_plain";
    /// The placement model read its terrain masks from minimum-visible-height maps
    /// (`Planner::min_height_cache`): conservative against the swept viewsheds, a unit may be
    /// missing at knife-edge cells whose sight margin is within the maps' slack (information).
    pub const PLACEMENT_MIN_HEIGHT_MASKS: &str = "placement.min_height_masks";
    /// A minimum-height cache was given but not used: sensor netting builds its own model from
    /// swept viewsheds (information).
    pub const PLACEMENT_MIN_HEIGHT_CACHE_UNUSED: &str = "placement.min_height_cache_unused";
    /// The bound's subgradient loop stopped at the time limit before its iteration limit: the
    /// certified bound is valid but looser and depends on the machine's speed.
    pub const PLACEMENT_BOUND_TIME_LIMIT: &str = "placement.bound_time_limit";
    /// The MILP stopped at its time limit without proving optimality.
    pub const PLACEMENT_MILP_TIME_LIMIT: &str = "placement.milp_time_limit";
    /// The MILP was skipped: the model is too large for the pure-Rust solver.
    pub const PLACEMENT_MILP_SKIPPED: &str = "placement.milp_skipped";
    /// The MILP solver failed or its answer failed the exact check; the heuristic plan is kept.
    pub const PLACEMENT_MILP_FAILED: &str = "placement.milp_failed";
    /// The bound's Lagrangian heuristic found a better plan than local search (information).
    pub const PLACEMENT_LAGRANGIAN_IMPROVED: &str = "placement.lagrangian_improved";
    /// No candidate of a protected class can be reached by enough supporting candidates.
    pub const PLACEMENT_SUPPORT_UNREACHABLE: &str = "placement.support_unreachable";
    /// A class keeps inventory unplaced while coverage is incomplete; the message says which
    /// rules removed its candidates and which setting would change it.
    pub const PLACEMENT_INVENTORY_UNPLACED: &str = "placement.inventory_unplaced";
    /// The time limit asked for was larger than representable and was saturated.
    pub const PLACEMENT_TIME_LIMIT_SATURATED: &str = "placement.time_limit_saturated";
    /// Set covering: some units cannot reach their required depth even with every candidate.
    pub const PLACEMENT_UNCOVERABLE_UNITS: &str = "placement.uncoverable_units";
    /// A zone got no demand grid sample (smaller than a cell, or covered by higher-priority
    /// zones): its demand is missing from evaluation and placement.
    pub const DEMAND_ZONE_WITHOUT_SAMPLES: &str = "demand.zone_without_samples";
    // --- placement (covering::solve, set_covering, the exact branch-and-bound) ---
    /// The branch-and-bound stopped at its node limit (or memory cap) unproven.
    pub const PLACEMENT_EXACT_NODE_LIMIT: &str = "placement.exact_node_limit";
    /// The branch-and-bound stopped at the time limit unproven.
    pub const PLACEMENT_EXACT_TIME_LIMIT: &str = "placement.exact_time_limit";
    /// The exact branch-and-bound does not handle the problem's side constraints. No longer
    /// emitted: the branch-and-bound handles every side constraint (kept so that code matching
    /// on it still compiles).
    pub const PLACEMENT_EXACT_UNSUPPORTED: &str = "placement.exact_unsupported";
    /// The exact branch-and-bound's best-bound pool of open nodes reached its memory cap: the
    /// rest of the search ran depth first (a search then cut short keeps a weaker bound).
    pub const PLACEMENT_EXACT_DEPTH_FIRST: &str = "placement.exact_depth_first";
    /// A solver claimed optimality that its own numbers do not support; not claimed.
    pub const PLACEMENT_PROOF_REJECTED: &str = "placement.proof_rejected";
    /// Set covering: the lower bound's subgradient stopped at the time limit.
    pub const PLACEMENT_COVER_TIME_LIMIT: &str = "placement.cover_time_limit";
    // --- placement code quality (clean8) ---
    /// The exact branch-and-bound's rule-aware bound (budget kept exactly by group counts,
    /// protectors charged) would have enumerated more budget count vectors than its limit and
    /// used the plain node Lagrangian instead: the bound is valid but leaves the side
    /// constraints out; the message gives the count needed against the limit (information).
    pub const PLACEMENT_EXACT_RULES_FALLBACK: &str = "placement.exact_rules_fallback";
    /// The presolve stopped at the time limit and the unreduced model was solved (same
    /// optimum; the answer depends on the machine's speed).
    pub const PLACEMENT_PRESOLVE_TIME_LIMIT: &str = "placement.presolve_time_limit";
    // --- end placement code quality ---
    // --- bound at scale (src/placement/bound.rs) ---
    /// The bound's subgradient loop stopped at its iteration limit (`bound_iterations`) with
    /// the certified gap still above the requested target (any gap when none is set): the
    /// bound is certified and deterministic, only looser than more iterations could make it.
    pub const PLACEMENT_BOUND_ITERATION_LIMIT: &str = "placement.bound_iteration_limit";
    /// No subgradient iteration was asked for (`bound_iterations` 0): the certified gap is
    /// the online submodular bound's alone.
    pub const PLACEMENT_BOUND_ONLINE_ONLY: &str = "placement.bound_online_only";
    // --- end bound at scale ---
    // --- end placement ---
    // ---- threat-based evaluation: timeline, route, threat_report ----
    /// A class without a v2 `weapon` block was given the generic weapon defaults.
    pub const TIMELINE_WEAPON_DEFAULTS: &str = "timeline.weapon_defaults";
    /// The threat is at least as fast as an interceptor: earliest intercepts were bracketed by
    /// sampling every 0.25 s before bisection.
    pub const TIMELINE_SAMPLED_INTERCEPT: &str = "timeline.sampled_intercept";
    /// Terrain line of sight was sampled along the route (every half terrain cell).
    pub const TIMELINE_TERRAIN_SAMPLED: &str = "timeline.terrain_sampled";
    /// A least-exposure grid was coarsened to stay within its cell limit.
    pub const ROUTE_GRID_COARSENED: &str = "route.grid_coarsened";
    /// No least-exposure path met the detour cap: the straight segment was used.
    pub const ROUTE_DETOUR_FALLBACK: &str = "route.detour_fallback";
    /// A known route ends far (> 10 km) from every asset and was not evaluated.
    pub const THREAT_REPORT_ROUTE_UNATTRIBUTED: &str = "threat_report.route_unattributed";
    /// The scenario has no launch areas and no routes.
    pub const THREAT_REPORT_NO_THREAT_SOURCES: &str = "threat_report.no_threat_sources";
    /// Threat routes run partly outside the scenario's terrain grid, where the ground is
    /// taken as sea level for lines of sight.
    pub const THREAT_REPORT_ROUTE_OUTSIDE_TERRAIN: &str = "threat_report.route_outside_terrain";
    // ---- sensor netting in evaluation and placement (src/evaluate/netted.rs,
    // src/placement/matrix/netted.rs)
    /// Coverage was evaluated with netting (a shared air picture, engage-on-remote): a weapon
    /// counts wherever its kinematic envelope reaches a target some sensor tracks (an `Info`).
    pub const EVALUATE_NETTED: &str = "evaluate.netted";
    /// The placement model under netting is conservative: a candidate counts with its own
    /// sensor or an existing (fixed) site's sensor, not another new site's; the plan's netted
    /// evaluation can only be higher (an `Info`).
    pub const PLACEMENT_NETTING_CONSERVATIVE: &str = "placement.netting_conservative";
    // ---- raids and resilience (src/raid/*, src/resilience.rs) ----
    /// Raid threats fly great-circle routes only (least-exposure routes are not flown).
    pub const RAID_STRAIGHT_ROUTES: &str = "raid.straight_routes";
    /// Classes without a v2 `weapon` block fire with the generic weapon defaults in a raid.
    pub const RAID_WEAPON_DEFAULTS: &str = "raid.weapon_defaults";
    /// No cost is known for some threat classes of a raid: counted as 0 in its cost.
    pub const RAID_THREAT_COST_UNKNOWN: &str = "raid.threat_cost_unknown";
    /// Least-leakage placement: the candidate pool was cut to its size limit.
    pub const RAID_PLACEMENT_POOL_CUT: &str = "raid.placement_pool_cut";
    /// Least-leakage placement stopped at its time limit.
    pub const RAID_PLACEMENT_TIME_LIMIT: &str = "raid.placement_time_limit";
    /// Worst-r losses: exact enumeration skipped (too many subsets); the greedy answer stands.
    pub const RESILIENCE_EXACT_SKIPPED: &str = "resilience.exact_skipped";
    /// Robust placement: the swap search stopped at its time limit.
    pub const RESILIENCE_ROBUST_TIME_LIMIT: &str = "resilience.robust_time_limit";
    /// Robust placement: a descent stopped at its pass limit (a work limit) while improving
    /// moves may remain.
    pub const RESILIENCE_ROBUST_WORK_LIMIT: &str = "resilience.robust_work_limit";
    // ---- end raids and resilience ----
}
