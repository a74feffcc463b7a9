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
}
