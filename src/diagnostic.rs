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
    // --- placement (covering::solve, set_covering, the exact branch-and-bound) ---
    /// Local search stopped at the time limit before its work limits.
    pub const PLACEMENT_SEARCH_TIME_LIMIT: &str = "placement.search_time_limit";
    /// The Lagrangian bound stopped at the time limit before its iteration limit.
    pub const PLACEMENT_BOUND_TIME_LIMIT: &str = "placement.bound_time_limit";
    /// The branch-and-bound stopped at its node limit (or memory cap) unproven.
    pub const PLACEMENT_EXACT_NODE_LIMIT: &str = "placement.exact_node_limit";
    /// The branch-and-bound stopped at the time limit unproven.
    pub const PLACEMENT_EXACT_TIME_LIMIT: &str = "placement.exact_time_limit";
    /// The exact branch-and-bound does not handle the problem's side constraints.
    pub const PLACEMENT_EXACT_UNSUPPORTED: &str = "placement.exact_unsupported";
    /// The MILP stopped at the time limit without a proof.
    pub const PLACEMENT_MILP_TIME_LIMIT: &str = "placement.milp_time_limit";
    /// A solver claimed optimality that its own numbers do not support; not claimed.
    pub const PLACEMENT_PROOF_REJECTED: &str = "placement.proof_rejected";
    /// Set covering: the lower bound's subgradient stopped at the time limit.
    pub const PLACEMENT_COVER_TIME_LIMIT: &str = "placement.cover_time_limit";
    // --- end placement ---
}
