//! Per defended asset and threat: the worst route's warning time, engagement opportunities and
//! kill probability, and which system contributes what.
//!
//! For every asset, every launch area and every threat class it launches, routes are built:
//! the straight **great-circle** path (Karney geodesic, densified every
//! [`GREAT_CIRCLE_STEP_M`]) from the launch point (the point of the area closest to the asset)
//! to the asset, and for threats whose kinematics say [`RouteKind::LeastExposure`] also the
//! least-exposure path ([`crate::route`]) when [`ReportOptions::least_exposure`] is on. Known
//! `route` features are flown as given and attributed to the asset nearest their end. Each route
//! is flown at each of the threat's flight altitudes and evaluated with a
//! [`Timeline`](crate::timeline::Timeline); the worst of them per (asset, threat) is reported.
//!
//! # Examples
//! ```
//! use skycover::threat_report::{threat_report, ReportOptions};
//! use skycover::{Scenario, Terrain};
//! let odesa = Scenario::builtin("odesa")?;
//! let opts = ReportOptions { least_exposure: false, ..ReportOptions::default() };
//! let r = threat_report(&odesa, odesa.sites(), &Terrain::Flat, &opts)?;
//! assert!(!r.summary.is_empty());
//! for s in &r.summary {
//!     assert!(s.worst_kill_probability >= 0.0 && s.worst_kill_probability <= 1.0);
//! }
//! # Ok::<(), skycover::Error>(())
//! ```

use crate::catalogue::{ClassId, ThreatId};
use crate::catalogue_v2::{kinematics_of, RouteKind};
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::route::{least_exposure_route, ExposureOptions};
use crate::scenario::Scenario;
use crate::site::Site;
use crate::terrain::Terrain;
use crate::timeline::{timeline, Defence, Polyline, Timeline};
use geographiclib_rs::{DirectGeodesic, Geodesic, InverseGeodesic};
use rayon::prelude::*;
use serde::Serialize;

/// Spacing of the points of a densified great-circle route, metres.
pub const GREAT_CIRCLE_STEP_M: f64 = 5_000.0;

/// Diagnostic codes of the threat report (the constants live in [`crate::diagnostic::codes`]).
pub mod codes {
    pub use crate::diagnostic::codes::{
        THREAT_REPORT_NO_THREAT_SOURCES as NO_THREAT_SOURCES,
        THREAT_REPORT_ROUTE_OUTSIDE_TERRAIN as ROUTE_OUTSIDE_TERRAIN,
        THREAT_REPORT_ROUTE_UNATTRIBUTED as ROUTE_UNATTRIBUTED,
    };
}

/// Options of [`threat_report`].
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// Netting on or off; `None` takes the scenario's `netting` setting.
    pub netting: Option<bool>,
    /// Also search least-exposure routes for threats that fly them.
    pub least_exposure: bool,
    /// Options of the least-exposure search.
    pub exposure: ExposureOptions,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            netting: None,
            least_exposure: true,
            exposure: ExposureOptions::default(),
        }
    }
}

/// How a route was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteSource {
    /// Great-circle path from a launch area.
    Straight,
    /// Least-exposure path from a launch area.
    LeastExposure,
    /// A known `route` feature.
    Given,
}

/// One route flown by one threat at one altitude, with its timeline.
#[derive(Debug, Clone, Serialize)]
pub struct RouteTimeline {
    /// Index of the asset in [`Scenario::assets`].
    pub asset: usize,
    /// Id of the launch area or route feature.
    pub source_id: String,
    /// How the route was made.
    pub source: RouteSource,
    /// The path (local metres).
    pub path: Polyline,
    /// The timeline.
    pub timeline: Timeline,
}

/// What one class of system contributes on a route.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// The class.
    pub class: ClassId,
    /// Sites of the class that engage at least once.
    pub sites: u32,
    /// Engagements of those sites.
    pub engagements: u32,
    /// Kill probability from this class alone.
    pub kill_probability: f64,
}

/// The worst routes of one threat against one asset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetThreat {
    /// Index of the asset in [`Scenario::assets`].
    pub asset: usize,
    /// The threat.
    pub threat: ThreatId,
    /// Routes × altitudes evaluated.
    pub routes: usize,
    /// Least warning time over them, seconds, and the route (index into
    /// [`ThreatReport::routes`]).
    pub worst_warning_s: f64,
    /// Route of the least warning.
    pub worst_warning_route: usize,
    /// Least weapon-cue warning ([`Timeline::cue_warning_s`]) over the routes, seconds.
    pub worst_cue_warning_s: f64,
    /// Fewest engagement opportunities over them.
    pub worst_opportunities: u32,
    /// Route of the fewest opportunities.
    pub worst_opportunities_route: usize,
    /// Lowest kill probability over them.
    pub worst_kill_probability: f64,
    /// Route of the lowest kill probability.
    pub worst_kill_route: usize,
    /// Per class, on the route of the lowest kill probability.
    pub contributions: Vec<Contribution>,
}

/// The threat report of a scenario: every route's timeline and the per-asset worst cases.
#[derive(Debug, Clone, Serialize)]
pub struct ThreatReport {
    /// Whether netting was on.
    pub netting: bool,
    /// Every route × altitude evaluated.
    pub routes: Vec<RouteTimeline>,
    /// Per (asset, threat) with at least one route, in asset then threat order.
    pub summary: Vec<AssetThreat>,
    /// Remarks.
    pub diagnostics: Vec<Diagnostic>,
}

/// The great-circle path from local `a` to local `b` in `scenario`'s frame, densified every
/// `step_m` metres (Karney geodesic, geographiclib-rs), as a local polyline.
///
/// # Errors
/// [`Error::InvalidInput`] for non-finite points or `step_m ≤ 0`.
pub fn great_circle(
    scenario: &Scenario,
    a: [f64; 2],
    b: [f64; 2],
    step_m: f64,
) -> Result<Polyline> {
    if !(step_m.is_finite() && step_m > 0.0) {
        return Err(Error::InvalidInput {
            what: "great_circle.step_m".into(),
            reason: format!("{step_m} must be > 0"),
        });
    }
    let frame = scenario.frame();
    let (lon1, lat1) = frame.to_lonlat(a[0], a[1]);
    let (lon2, lat2) = frame.to_lonlat(b[0], b[1]);
    let g = Geodesic::wgs84();
    let (s12, azi1, _azi2, _a12): (f64, f64, f64, f64) = g.inverse(lat1, lon1, lat2, lon2);
    let n = ((s12 / step_m).ceil() as usize).clamp(1, 100_000);
    let mut pts = Vec::with_capacity(n + 1);
    pts.push(a);
    for k in 1..n {
        let (lat, lon): (f64, f64) = g.direct(lat1, lon1, azi1, s12 * k as f64 / n as f64);
        pts.push(frame.to_local(lon, lat)?);
    }
    pts.push(b);
    Polyline::new(pts)
}

struct Job {
    asset: usize,
    source_id: String,
    source: RouteSource,
    threat: ThreatId,
    path: Polyline,
}

/// A warning when routes leave the terrain grid (the DEM box around the zones, candidates and
/// sites): lines of sight to those parts take the ground as sea level.
fn outside_terrain(terrain: &Terrain, routes: &[RouteTimeline]) -> Option<Diagnostic> {
    let b = terrain.grid()?.bounds();
    let (mut n_routes, mut out, mut all) = (0usize, 0usize, 0usize);
    for r in routes {
        let pts = r.path.points();
        let k = pts
            .iter()
            .filter(|p| !(p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3]))
            .count();
        n_routes += usize::from(k > 0);
        out += k;
        all += pts.len();
    }
    (out > 0).then(|| {
        Diagnostic::warning(
            codes::ROUTE_OUTSIDE_TERRAIN,
            format!(
                "{n_routes} of {} routes run partly outside the terrain grid (the DEM box \
                 around the zones, candidate areas and sites): {:.0} % of their vertices; lines \
                 of sight to threats there take the ground as sea level, which can show a low \
                 flyer earlier than the real relief would (the scenario's terrain grid covers \
                 only its zones, candidate areas and sites)",
                routes.len(),
                100.0 * out as f64 / all.max(1) as f64
            ),
        )
    })
}

/// Routes, timelines and per-asset worst cases for `sites` defending `scenario`. See the
/// [module docs](self).
///
/// Parameters: the scenario (assets, launch areas, routes, netting setting), the sites to
/// evaluate (e.g. [`Scenario::sites`] or a plan's), terrain for lines of sight and for the
/// least-exposure grid, and [`ReportOptions`].
///
/// Returns: a [`ThreatReport`]; deterministic (routes are evaluated in parallel and collected
/// in a fixed order).
///
/// Complexity: for A assets, L launch areas, T threats and H altitudes, A·L·T·H timelines plus
/// A·L·T least-exposure searches (see [`crate::route`]).
///
/// # Errors
/// As [`timeline`] and [`least_exposure_route`].
pub fn threat_report(
    scenario: &Scenario,
    sites: &[Site],
    terrain: &Terrain,
    opts: &ReportOptions,
) -> Result<ThreatReport> {
    let cat = scenario.catalogue();
    let setup = scenario.threat_setup();
    let netting = opts.netting.unwrap_or(setup.netting);
    let defence = Defence::new(cat, sites)
        .with_terrain(terrain.clone())
        .with_netting(netting);
    let mut diagnostics = Vec::new();
    if setup.launch_areas.is_empty() && setup.routes.is_empty() {
        diagnostics.push(Diagnostic::warning(
            codes::NO_THREAT_SOURCES,
            "the scenario has no launch_area or route features: no routes to evaluate",
        ));
    }
    // ---- routes
    let mut jobs: Vec<Job> = Vec::new();
    for (ai, asset) in scenario.assets().iter().enumerate() {
        for la in &setup.launch_areas {
            let from = la.launch_point_towards(asset.local);
            let straight = great_circle(scenario, from, asset.local, GREAT_CIRCLE_STEP_M)?;
            for &t in &la.threats {
                jobs.push(Job {
                    asset: ai,
                    source_id: la.id.clone(),
                    source: RouteSource::Straight,
                    threat: t,
                    path: straight.clone(),
                });
            }
        }
    }
    // least-exposure searches (one per asset × area × threat × altitude), in parallel
    let mut le_specs = Vec::new();
    if opts.least_exposure {
        for (ai, asset) in scenario.assets().iter().enumerate() {
            for la in &setup.launch_areas {
                for &t in &la.threats {
                    let k = kinematics_of(cat.threat(t));
                    if k.route != RouteKind::LeastExposure {
                        continue;
                    }
                    for &h in &k.flight_altitudes_m {
                        le_specs.push((
                            ai,
                            la.id.clone(),
                            la.launch_point_towards(asset.local),
                            asset.local,
                            t,
                            h,
                        ));
                    }
                }
            }
        }
    }
    let le_paths: Vec<Result<(Polyline, Vec<Diagnostic>)>> = le_specs
        .par_iter()
        .map(|(_, _, from, to, t, h)| {
            least_exposure_route(&defence, *t, *h, *from, *to, &opts.exposure)
                .map(|r| (r.path, r.diagnostics))
        })
        .collect();
    let mut le_jobs = Vec::new();
    for (spec, res) in le_specs.into_iter().zip(le_paths) {
        let (path, d) = res?;
        for x in d {
            if !diagnostics.iter().any(|y: &Diagnostic| y.code == x.code) {
                diagnostics.push(x);
            }
        }
        le_jobs.push((spec, path));
    }
    for (ri, r) in setup.routes.iter().enumerate() {
        let pts: Vec<[f64; 2]> = r.local.coords().map(|c| [c.x, c.y]).collect();
        let Some(end) = pts.last().copied() else {
            continue;
        };
        let nearest = scenario
            .assets()
            .iter()
            .enumerate()
            .map(|(i, a)| (i, (a.local[0] - end[0]).hypot(a.local[1] - end[1])))
            .min_by(|x, y| x.1.total_cmp(&y.1));
        match nearest {
            Some((ai, d)) if d <= 10_000.0 => {
                let path = Polyline::new(pts)?;
                for &t in &r.threats {
                    jobs.push(Job {
                        asset: ai,
                        source_id: r.id.clone(),
                        source: RouteSource::Given,
                        threat: t,
                        path: path.clone(),
                    });
                }
            }
            _ => diagnostics.push(
                Diagnostic::warning(
                    codes::ROUTE_UNATTRIBUTED,
                    format!(
                        "route \"{}\" ends more than 10 km from every asset; not evaluated",
                        r.id
                    ),
                )
                .with_field(format!("routes[{ri}]")),
            ),
        }
    }
    // ---- timelines: straight and given routes at every flight altitude, least-exposure
    // routes at the altitude they were searched for
    let mut specs: Vec<(usize, String, RouteSource, ThreatId, f64, &Polyline)> = Vec::new();
    for j in &jobs {
        for &h in &kinematics_of(cat.threat(j.threat)).flight_altitudes_m {
            specs.push((j.asset, j.source_id.clone(), j.source, j.threat, h, &j.path));
        }
    }
    for ((ai, id, _, _, t, h), path) in &le_jobs {
        specs.push((*ai, id.clone(), RouteSource::LeastExposure, *t, *h, path));
    }
    // deterministic order: asset, threat, source id, source, altitude
    specs.sort_by(|a, b| {
        (a.0, a.3, &a.1, a.2 as u8, a.4)
            .partial_cmp(&(b.0, b.3, &b.1, b.2 as u8, b.4))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let timelines: Vec<Result<RouteTimeline>> = specs
        .par_iter()
        .map(|(ai, id, src, t, h, path)| {
            let v = kinematics_of(cat.threat(*t)).speed_mps;
            Ok(RouteTimeline {
                asset: *ai,
                source_id: id.clone(),
                source: *src,
                path: (*path).clone(),
                timeline: timeline(&defence, *t, *h, v, path)?,
            })
        })
        .collect();
    let routes = timelines.into_iter().collect::<Result<Vec<_>>>()?;
    for r in &routes {
        for d in &r.timeline.diagnostics {
            if !diagnostics.iter().any(|y| y.code == d.code) {
                diagnostics.push(d.clone());
            }
        }
    }
    if let Some(d) = outside_terrain(terrain, &routes) {
        diagnostics.push(d);
    }
    // ---- worst cases
    let mut summary = Vec::new();
    let mut i = 0;
    while i < routes.len() {
        let (ai, t) = (routes[i].asset, routes[i].timeline.threat);
        let mut j = i;
        while j < routes.len() && routes[j].asset == ai && routes[j].timeline.threat == t {
            j += 1;
        }
        let worst = |key: &dyn Fn(&Timeline) -> f64| {
            (i..j)
                .min_by(|&a, &b| key(&routes[a].timeline).total_cmp(&key(&routes[b].timeline)))
                .unwrap_or(i)
        };
        let ww = worst(&|tl| tl.warning_time_s);
        let wc = worst(&|tl| tl.cue_warning_s);
        let wo = worst(&|tl| tl.engagement_opportunities as f64);
        let wk = worst(&|tl| tl.kill_probability);
        let mut contributions: Vec<Contribution> = Vec::new();
        for w in &routes[wk].timeline.weapons {
            if w.engagements.is_empty() {
                continue;
            }
            match contributions.iter_mut().find(|c| c.class == w.class) {
                Some(c) => {
                    c.sites += 1;
                    c.engagements += w.engagements.len() as u32;
                    c.kill_probability =
                        1.0 - (1.0 - c.kill_probability) * (1.0 - w.kill_probability);
                }
                None => contributions.push(Contribution {
                    class: w.class,
                    sites: 1,
                    engagements: w.engagements.len() as u32,
                    kill_probability: w.kill_probability,
                }),
            }
        }
        contributions.sort_by_key(|c| c.class);
        summary.push(AssetThreat {
            asset: ai,
            threat: t,
            routes: j - i,
            worst_warning_s: routes[ww].timeline.warning_time_s,
            worst_warning_route: ww,
            worst_cue_warning_s: routes[wc].timeline.cue_warning_s,
            worst_opportunities: routes[wo].timeline.engagement_opportunities,
            worst_opportunities_route: wo,
            worst_kill_probability: routes[wk].timeline.kill_probability,
            worst_kill_route: wk,
            contributions,
        });
        i = j;
    }
    Ok(ThreatReport {
        netting,
        routes,
        summary,
        diagnostics,
    })
}
