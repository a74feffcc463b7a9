//! # skycover
//!
//! Plans a **layered air-defence umbrella** over deployment zones: it models each site as a
//! geometric coverage volume, evaluates coverage with depth and gap maps, and places systems
//! from a limited inventory, certifying how far a plan is from the best possible one.
//!
//! ## Capabilities
//!
//! * [`catalogue`]: system classes ([`SystemClass`]), threat classes ([`ThreatClass`]),
//!   engagement [`Envelope`]s and evaluation [`Layer`]s; a built-in catalogue with nominal
//!   public figures ([`Catalogue::builtin`]) and user catalogues from JSON, validated.
//! * [`frame`]: WGS84 lon/lat <-> local metres ([`LocalFrame`], ellipsoidal azimuthal
//!   equidistant, Karney geodesics), within 0.05 % of geodesic distance up to 300 km.
//! * [`bearing`]: true-north bearings (facings, sectors, threat axis) converted exactly to the
//!   local frame at each site ([`bearing::BearingMap`]); [`geometry`]: lon/lat edges
//!   densified before projecting, the scenario's extent and worst frame distortion, and
//!   antimeridian splitting of exported shapes (RFC 7946).
//! * [`volume`]: the [`Footprint`] of a [`Site`] on a layer: slant-range annulus, altitude band,
//!   azimuth sector and smooth-earth radar horizon, with exact per-row spans for rasterising.
//! * [`scenario`]: zones, defended assets, corridors, contact line and keep-out, candidate and
//!   exclusion areas, existing sites, inventory and budget, loaded from GeoJSON and validated
//!   with typed errors ([`Scenario`]), or built in code ([`ScenarioBuilder`]); a scenario owns
//!   its terrain ([`Scenario::terrain`]), which every entry point uses.
//! * [`demand`]: the scenario discretised into weighted samples: a zone grid (scanline fill),
//!   asset points and corridor samples, each with its origin and required depth ([`Demand`]).
//! * [`diagnostic`]: typed remarks ([`Diagnostic`]: severity, stable code, message, feature
//!   and field) carried by scenarios, coverage and plans whenever an answer is degraded.
//! * [`export`]: GeoJSON output (RFC 7946, right-hand rule) of sites, footprints and scenario
//!   features.
//! * [`output`]: a plan's files in one call ([`output::write_plan`]): one geometry type per
//!   GeoJSON file, gaps clipped to the zones per threat and per layer, summary CSVs, the next
//!   phase's scenario ([`phase::plan_as_scenario`]), map pictures and an interactive
//!   [`report`] (`report.html`, self-contained, Leaflet inlined).
//! * [`map`]: map pictures (SVG and PNG) of zones, corridors, contact line and keep-out band,
//!   footprints by class, sites, assets by status and gaps, with legend and scale bar.
//! * [`evaluate`]: [`Coverage`] of a set of sites: depth per (sample, layer), weighted
//!   fractions and depth-aware scores per threat and overall, per-asset status; a raster fast
//!   path, an R-tree path ([`index`]) and a reference path that agree exactly; [`gaps`]: the
//!   failing cells per threat merged into valid polygons in lon/lat ([`GapMap`]).
//! * [`terrain`]: terrain masking: DEMs from ESRI ASCII grids and GeoTIFFs ([`terrain::Dem`]),
//!   a local-frame elevation model ([`Terrain`], flat by default), line of sight with Earth
//!   curvature and refraction, per-site viewsheds by radial sweep with a thread-safe cache
//!   ([`terrain::Viewshed`], [`terrain::ViewshedCache`]), and synthetic terrains; every
//!   evaluation path masks with it ([`Evaluator::with_terrain`],
//!   [`Coverage::evaluate_with_terrain`]) and still agrees exactly with the others, and
//!   placement plans over it ([`placement::Planner::terrain`]) with the same visibility rule.
//! * [`placement`]: where the inventory should go: candidates, a sparse coverage matrix, lazy
//!   greedy, swap local search, a certified upper bound and an exact MILP (good_lp: microlp, or
//!   HiGHS with the `highs` feature) behind one [`Planner`] returning a [`Plan`]; plus generic
//!   maximal covering, set covering and k-coverage on your own matrix ([`placement::covering`]).
//! * Threat-based evaluation: [`catalogue_v2`] (sensors apart from weapons, weapon timing and
//!   magazines, threat kinematics; v1 catalogues load unchanged), [`threat_area`] (launch
//!   areas, known routes, netting), [`timeline`] (first detection, warning, intercept windows,
//!   shoot-look-shoot engagements, kill probability along a route), [`route`] (least-exposure
//!   routes, Dijkstra with a detour cap), [`threat_report`] (per asset and threat: worst
//!   routes and what each class contributes), [`threat_export`] (annotated GeoJSON routes) and
//!   [`netting`] (coverage with and without a shared air picture).
//! * Raids and resilience: [`raid`] (seeded Monte Carlo of a raid against magazines, reloads
//!   and fire channels with value-weighted greedy weapon-target assignment: expected leakers
//!   per asset, interceptor cost, exhaustion curves, least-leakage placement) and
//!   [`resilience`] (N-1 and worst-r site losses, robust max-min placement).
//!
//! * [`validate`]: input ceilings ([`validate::MAX_WEIGHT`], limit ceilings), a JSON reader
//!   that rejects duplicate keys and names non-GeoJSON formats, and O(n log n) polygon checks.
//!
//! All computation is in metres in one local frame per scenario; inputs and outputs are
//! WGS84 lon/lat. The library never panics on user input, never prints, never exits.
//!
//! ## Example
//!
//! ```
//! use skycover::prelude::*;
//!
//! let scenario = Scenario::builtin("kyiv")?;
//! assert!(scenario.zones().len() >= 1);
//! let cat = scenario.catalogue();
//! let patriot = cat.class_id("patriot_class")?;
//! let aircraft = cat.threat_id("aircraft")?;
//! for layer in cat.layers_of(aircraft) {
//!     let r = skycover::volume::max_ground_range_m(cat, patriot, layer);
//!     assert!(r > 30_000.0);
//! }
//! # Ok::<(), skycover::Error>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::print_stdout,
        clippy::print_stderr
    )
)]

pub mod bearing;
pub mod builder;
pub mod catalogue;
pub mod catalogue_v2;
pub mod demand;
pub mod diagnostic;
pub mod error;
pub mod evaluate;
pub mod export;
pub mod frame;
pub mod gaps;
pub mod geometry;
pub mod index;
pub mod map;
pub mod netting;
pub mod output;
pub mod phase;
pub mod placement;
pub mod raid;
pub mod report;
pub mod resilience;
pub mod route;
pub mod scenario;
pub mod site;
pub mod terrain;
pub mod threat_area;
pub mod threat_export;
pub mod threat_report;
pub mod timeline;
pub mod validate;
pub mod volume;

pub use builder::ScenarioBuilder;
pub use catalogue::{
    Catalogue, ClassId, Envelope, Layer, SystemClass, ThreatClass, ThreatId, Tier,
};
pub use demand::{Demand, Grid, SampleOrigin};
pub use diagnostic::{Diagnostic, Severity};
pub use error::{Error, FeatureRef, Result};
pub use evaluate::{Coverage, EvalPath, Evaluator};
pub use frame::LocalFrame;
pub use gaps::GapMap;
pub use placement::{Algorithm, Plan, Planner};
pub use scenario::Scenario;
pub use site::Site;
pub use terrain::{Terrain, Viewshed};
pub use volume::Footprint;

/// The [`geo`] crate (0.33) whose geometry types the API uses (re-exported).
pub use geo;
/// The [`geojson`] crate (0.24) (re-exported).
pub use geojson;

/// The most used types, for `use skycover::prelude::*`.
pub mod prelude {
    pub use crate::builder::ScenarioBuilder;
    pub use crate::catalogue::{Catalogue, ClassId, Layer, ThreatId};
    pub use crate::demand::Demand;
    pub use crate::diagnostic::{Diagnostic, Severity};
    pub use crate::error::{Error, Result};
    pub use crate::evaluate::{Coverage, EvalPath, Evaluator};
    pub use crate::frame::LocalFrame;
    pub use crate::placement::{Algorithm, Plan, Planner};
    pub use crate::scenario::Scenario;
    pub use crate::site::Site;
    pub use crate::volume::Footprint;
}

/// The README's code examples, compiled and run as doc-tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
