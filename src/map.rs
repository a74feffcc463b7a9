//! Map pictures (SVG and PNG, via plotters): country outlines, lakes and coastline (Natural Earth 1:10m), zones, corridors, contact line
//! and keep-out band, exclusion areas, footprints coloured by class, sites, assets coloured by
//! status, gap areas, a legend, a scale bar and a title.
//!
//! Build a [`MapContent`] (usually with [`MapContent::from_scenario`] and the `with_*`
//! methods), then call [`render_svg`] or [`render_png`]. Drawing happens in the scenario's
//! local frame (metres, north up, equal scale on both axes).
//!
//! Text uses the DejaVu Sans font embedded in the crate (`data/fonts/`, free licence), so
//! pictures look the same on every machine.

use crate::catalogue::{ClassId, Layer, Tier};
use crate::demand::Demand;
use crate::diagnostic::{codes, Diagnostic};
use crate::error::{Error, Result};
use crate::evaluate::Coverage;
use crate::export::footprint_polygon;
use crate::placement::Plan;
use crate::scenario::Scenario;
use crate::site::Site;
use crate::volume::Footprint;
use geo::{BooleanOps, Buffer, ClosestPoint, LineString, MultiLineString, MultiPolygon, Polygon};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::path::Path;
use std::sync::Once;
use std::sync::OnceLock;

const FONT: &[u8] = include_bytes!("../data/fonts/DejaVuSans.ttf");
const COUNTRIES: &str = include_str!("../data/context/ne_10m_countries_ukraine_region.geojson");
const WATER: &str = include_str!("../data/context/ne_10m_water_ukraine_region.geojson");
const RIVERS_URBAN: &str = include_str!("../data/context/ne_rivers_urban_ukraine_region.geojson");
static FONT_INIT: Once = Once::new();

pub(crate) fn init_font() {
    FONT_INIT.call_once(|| {
        // The embedded font is a known-good TTF; failure would only lose text.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
        let _ = plotters::style::register_font("sans-serif", FontStyle::Bold, FONT);
    });
}

/// Coverage status of a defended asset, for colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetMark {
    /// Required depth met on every layer.
    Covered,
    /// Covered on some layers, or not to the required depth.
    Thin,
    /// Not covered on any layer of some threat.
    Uncovered,
    /// Status not evaluated.
    Unknown,
}

/// Everything a map picture shows, in the scenario's local frame (metres).
#[derive(Debug, Clone, Default)]
pub struct MapContent {
    /// Title line.
    pub title: String,
    /// Second line under the title.
    pub subtitle: String,
    /// Country outlines (local frame) with their names.
    pub outlines: Vec<(String, MultiPolygon<f64>)>,
    /// Deployment zones.
    pub zones: Vec<MultiPolygon<f64>>,
    /// Exclusion areas.
    pub exclusions: Vec<MultiPolygon<f64>>,
    /// Corridors: centre line and width (m).
    pub corridors: Vec<(LineString<f64>, f64)>,
    /// Contact lines: line and keep-out distance (m).
    pub contact_lines: Vec<(LineString<f64>, f64)>,
    /// Footprint polygons with the tier of their class.
    pub footprints: Vec<(Polygon<f64>, Tier)>,
    /// Sites: position, tier, fixed.
    pub sites: Vec<([f64; 2], Tier, bool)>,
    /// Assets: position, name, status.
    pub assets: Vec<([f64; 2], String, AssetMark)>,
    /// Gap areas (local frame), drawn in translucent red.
    pub gaps: Vec<MultiPolygon<f64>>,
    /// Label for the gap layer in the legend.
    pub gap_label: String,
    /// Label for the footprint layer in the legend.
    pub footprint_label: String,
    /// View extent `[min_x, min_y, max_x, max_y]`; computed from the content when `None`.
    pub extent: Option<[f64; 4]>,
    /// Per asset (same order as `assets`), the threats it fails, shown after its label.
    pub asset_failing: Vec<Vec<String>>,
    /// Remarks gathered while building the content (clipping, offset sites, dropped labels).
    pub diagnostics: Vec<Diagnostic>,
    /// Threat routes (local frame), drawn as dark lines, e.g. the worst routes per asset of a
    /// [`ThreatReport`](crate::threat_report::ThreatReport) (see [`MapContent::with_threat_routes`]).
    pub threat_routes: Vec<LineString<f64>>,
    /// Lakes and reservoirs (local frame, Natural Earth 1:10m), drawn light blue under the plan.
    pub lakes: Vec<MultiPolygon<f64>>,
    /// Sea coastline (local frame, Natural Earth 1:10m), drawn as blue lines under the plan.
    pub coastline: Vec<LineString<f64>>,
    /// Rivers (local frame, Natural Earth 1:10m centre lines), drawn as blue lines.
    pub rivers: Vec<LineString<f64>>,
    /// Urban areas (local frame, Natural Earth 1:50m), drawn light grey under the plan.
    pub urban: Vec<MultiPolygon<f64>>,
}

fn project_outline(scenario: &Scenario, mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let f = scenario.frame();
    let ring = |ls: &LineString<f64>| {
        LineString::from(
            ls.coords()
                .map(|c| {
                    let p = f.to_local_unchecked(c.x, c.y);
                    (p[0], p[1])
                })
                .collect::<Vec<_>>(),
        )
    };
    MultiPolygon(
        mp.0.iter()
            .map(|p| Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect()))
            .collect(),
    )
}

/// Country outlines of Ukraine and its neighbours (Natural Earth 1:10m admin-0, public domain,
/// from `data/context/`: coast and borders within about a kilometre, where the 1:110m outlines
/// were 4–8 km off at Odesa), in lon/lat, with their names.
///
/// # Examples
/// ```
/// let names: Vec<String> = skycover::map::country_outlines().into_iter().map(|c| c.0).collect();
/// assert!(names.iter().any(|n| n == "Ukraine"));
/// ```
pub fn country_outlines() -> Vec<(String, MultiPolygon<f64>)> {
    let Ok(geojson::GeoJson::FeatureCollection(fc)) = COUNTRIES.parse::<geojson::GeoJson>() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for f in fc.features {
        let name = f
            .property("NAME")
            .or_else(|| f.property("name"))
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        let Some(g) = f.geometry else { continue };
        let geom: std::result::Result<geo::Geometry<f64>, _> = g.try_into();
        match geom {
            Ok(geo::Geometry::Polygon(p)) => out.push((name, MultiPolygon(vec![p]))),
            Ok(geo::Geometry::MultiPolygon(mp)) => out.push((name, mp)),
            _ => {}
        }
    }
    out
}

/// Water context around Ukraine (Natural Earth 1:10m lakes and coastline, public domain, from
/// `data/context/`, cut by `data/context/cut_water.py`), in lon/lat: lake and reservoir
/// polygons, and coastline lines (rivers and urban areas: [`rivers_urban_context`]).
///
/// # Examples
/// ```
/// let (lakes, coast) = skycover::map::water_context();
/// assert!(!lakes.is_empty() && !coast.is_empty());
/// ```
pub fn water_context() -> (Vec<Polygon<f64>>, Vec<LineString<f64>>) {
    static PARSED: OnceLock<Context> = OnceLock::new();
    PARSED.get_or_init(|| polygons_and_lines(WATER)).clone()
}

/// Rivers (Natural Earth 1:10m centre lines, with the Dnipro, Desna, Dniester, Southern Bug,
/// ...) and urban areas (Natural Earth 1:50m) around Ukraine, public domain, from
/// `data/context/`, cut by `data/context/cut_rivers_urban.py`, in lon/lat.
///
/// # Examples
/// ```
/// let (rivers, urban) = skycover::map::rivers_urban_context();
/// assert!(!rivers.is_empty() && !urban.is_empty());
/// ```
pub fn rivers_urban_context() -> (Vec<LineString<f64>>, Vec<Polygon<f64>>) {
    static PARSED: OnceLock<Context> = OnceLock::new();
    let (urban, rivers) = PARSED.get_or_init(|| polygons_and_lines(RIVERS_URBAN));
    (rivers.clone(), urban.clone())
}

/// Polygons and lines of a context layer, lon/lat.
type Context = (Vec<Polygon<f64>>, Vec<LineString<f64>>);

/// The polygons and the lines of an embedded context FeatureCollection (parsed once per
/// process by the callers' caches; empty for text that is not one, which the tests rule out).
fn polygons_and_lines(text: &str) -> Context {
    let Ok(geojson::GeoJson::FeatureCollection(fc)) = text.parse::<geojson::GeoJson>() else {
        return (Vec::new(), Vec::new());
    };
    let (mut polygons, mut lines) = (Vec::new(), Vec::new());
    for f in fc.features {
        let Some(g) = f.geometry else { continue };
        let geom: std::result::Result<geo::Geometry<f64>, _> = g.try_into();
        match geom {
            Ok(geo::Geometry::Polygon(p)) => polygons.push(p),
            Ok(geo::Geometry::MultiPolygon(mp)) => polygons.extend(mp.0),
            Ok(geo::Geometry::LineString(ls)) => lines.push(ls),
            Ok(geo::Geometry::MultiLineString(ml)) => lines.extend(ml.0),
            _ => {}
        }
    }
    (polygons, lines)
}

fn project_line(scenario: &Scenario, ls: &LineString<f64>) -> LineString<f64> {
    let f = scenario.frame();
    LineString::from(
        ls.coords()
            .map(|c| {
                let p = f.to_local_unchecked(c.x, c.y);
                (p[0], p[1])
            })
            .collect::<Vec<_>>(),
    )
}

impl AssetMark {
    /// The mark of an evaluated asset: covered when every layer meets its required depth,
    /// uncovered when some threat has depth 0, thin otherwise.
    pub fn from_status(status: &crate::evaluate::AssetStatus) -> AssetMark {
        if status.is_covered() {
            AssetMark::Covered
        } else if status
            .depth
            .iter()
            .zip(&status.required)
            .any(|(d, r)| *d == 0 && *r > 0)
        {
            AssetMark::Uncovered
        } else {
            AssetMark::Thin
        }
    }
}

impl MapContent {
    /// The scenario's zones, exclusions, corridors, contact lines, existing sites and assets
    /// (status unknown), over the country outlines, titled with the scenario's name.
    ///
    /// # Examples
    /// ```
    /// use skycover::map::MapContent;
    /// use skycover::Scenario;
    /// let s = Scenario::builtin("odesa")?;
    /// let m = MapContent::from_scenario(&s);
    /// assert_eq!(m.zones.len(), s.zones().len());
    /// assert_eq!(m.assets.len(), s.assets().len());
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn from_scenario(scenario: &Scenario) -> MapContent {
        let cat = scenario.catalogue();
        let mut m = MapContent {
            title: format!("skycover: {}", scenario.name()),
            outlines: country_outlines()
                .into_iter()
                .map(|(n, mp)| (n, project_outline(scenario, &mp)))
                .collect(),
            zones: scenario.zones().iter().map(|z| z.local.clone()).collect(),
            exclusions: scenario
                .exclusions()
                .iter()
                .map(|z| z.local.clone())
                .collect(),
            corridors: scenario
                .corridors()
                .iter()
                .map(|c| (c.local.clone(), c.width_m))
                .collect(),
            contact_lines: scenario
                .contact_lines()
                .iter()
                .map(|c| (c.local.clone(), c.keep_out_m))
                .collect(),
            assets: scenario
                .assets()
                .iter()
                .map(|a| (a.local, a.name.clone(), AssetMark::Unknown))
                .collect(),
            gap_label: "gap".into(),
            ..Default::default()
        };
        m.sites = scenario
            .sites()
            .iter()
            .map(|s| (s.position, cat.class(s.class).tier, s.fixed))
            .collect();
        m.asset_failing = vec![Vec::new(); m.assets.len()];
        let (lakes, coast) = water_context();
        m.lakes = lakes
            .into_iter()
            .map(|p| project_outline(scenario, &MultiPolygon(vec![p])))
            .collect();
        m.coastline = coast.iter().map(|l| project_line(scenario, l)).collect();
        let (rivers, urban) = rivers_urban_context();
        m.rivers = rivers.iter().map(|l| project_line(scenario, l)).collect();
        m.urban = urban
            .into_iter()
            .map(|p| project_outline(scenario, &MultiPolygon(vec![p])))
            .collect();
        let b = scenario.demand_bbox();
        if b.iter().all(|v| v.is_finite()) {
            m.extent = Some(b);
        }
        m
    }

    /// Replaces the sites, and draws their footprints on `layer`. Sites whose class is not in
    /// the scenario's catalogue (ids from another catalogue) are not drawn; check them first
    /// with [`validate::check_sites`](crate::validate::check_sites) to get an error instead.
    ///
    ///
    /// # Examples
    /// ```
    /// use skycover::map::MapContent;
    /// use skycover::Scenario;
    /// let s = Scenario::builtin("kyiv")?;
    /// let layer = s.catalogue().layers()[0];
    /// let m = MapContent::from_scenario(&s).with_sites(&s, s.sites(), Some(&layer));
    /// assert_eq!(m.sites.len(), s.sites().len());
    /// assert!(!m.footprints.is_empty());
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn with_sites(
        mut self,
        scenario: &Scenario,
        sites: &[Site],
        layer: Option<&Layer>,
    ) -> Self {
        let cat = scenario.catalogue();
        let sites: Vec<&Site> = sites
            .iter()
            .filter(|s| cat.try_class(s.class, "site class").is_ok())
            .collect();
        self.sites = sites
            .iter()
            .map(|s| (s.position, cat.class(s.class).tier, s.fixed))
            .collect();
        self.footprints.clear();
        if let Some((layer, threat)) =
            layer.and_then(|l| Some((l, cat.try_threat(l.threat, "layer threat").ok()?)))
        {
            self.footprint_label =
                format!("footprints vs {} at {:.0} m", threat.id, layer.altitude_m);
            // draw the widest first so point defence stays visible on top
            let mut fps: Vec<(Polygon<f64>, Tier, f64)> = sites
                .iter()
                .filter_map(|s| {
                    let fp = Footprint::new(cat, s, layer);
                    footprint_polygon(&fp, 72)
                        .map(|p| (p, cat.class(s.class).tier, fp.max_ground_range_m()))
                })
                .collect();
            fps.sort_by(|a, b| b.2.total_cmp(&a.2));
            self.footprints = fps.into_iter().map(|(p, t, _)| (p, t)).collect();
        }
        self
    }

    /// Sets the asset statuses (in the scenario's asset order).
    pub fn with_asset_marks(mut self, marks: &[AssetMark]) -> Self {
        for (a, m) in self.assets.iter_mut().zip(marks) {
            a.2 = *m;
        }
        self
    }

    /// Sets each asset's status from `coverage` (scenario order): its colour and, under its
    /// label, the threats it fails.
    ///
    /// # Examples
    /// ```
    /// use skycover::map::{AssetMark, MapContent};
    /// use skycover::{Coverage, Scenario};
    /// let s = Scenario::builtin("kyiv")?;
    /// let (_, coverage) = Coverage::of_scenario(&s)?;
    /// let m = MapContent::from_scenario(&s).with_asset_status(&s, &coverage);
    /// for ((_, _, mark), failing) in m.assets.iter().zip(&m.asset_failing) {
    ///     assert_eq!(*mark == AssetMark::Covered, failing.is_empty());
    /// }
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn with_asset_status(mut self, scenario: &Scenario, coverage: &Coverage) -> Self {
        let cat = scenario.catalogue();
        for st in coverage.assets() {
            if let Some(a) = self.assets.get_mut(st.asset) {
                a.2 = AssetMark::from_status(st);
            }
            if let Some(f) = self.asset_failing.get_mut(st.asset) {
                *f = cat
                    .threats()
                    .iter()
                    .enumerate()
                    .filter(|(t, _)| st.fails(crate::catalogue::ThreatId(*t)))
                    .map(|(_, t)| t.id.clone())
                    .collect();
            }
        }
        self
    }

    /// The map of a plan on one layer: the plan's sites and their footprints on `layer`,
    /// assets coloured by their status after the plan and labelled with the threats they
    /// fail, and the gap against `layer`'s threat after the plan, clipped to the zones. The
    /// subtitle gives that threat's coverage before and after and the plan's gap to its bound.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `after` was not computed over `demand`.
    ///
    /// # Examples
    /// ```
    /// use skycover::map::{svg_string, MapContent};
    /// use skycover::placement::{Algorithm, Planner};
    /// use skycover::{Coverage, Demand, Scenario};
    ///
    /// let scenario = Scenario::builtin("corridor")?;
    /// let demand = Demand::from_scenario(&scenario)?;
    /// let before = Coverage::evaluate(scenario.catalogue(), &demand, scenario.sites())?;
    /// let plan = Planner::new(&scenario).algorithm(Algorithm::Greedy).plan()?;
    /// let after = Coverage::evaluate(scenario.catalogue(), &demand, &plan.sites)?;
    /// let layer = skycover::output::default_layer(scenario.catalogue(), &after).unwrap();
    /// let map = MapContent::for_plan(&scenario, &plan, &before, &after, &demand, &layer)?;
    /// let svg = svg_string(&map, (1200, 800))?;
    /// assert!(svg.contains("Legend"));
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn for_plan(
        scenario: &Scenario,
        plan: &Plan,
        before: &Coverage,
        after: &Coverage,
        demand: &Demand,
        layer: &Layer,
    ) -> Result<MapContent> {
        let cat = scenario.catalogue();
        let gaps = crate::gaps::GapMap::new(after, demand, scenario.frame())?;
        let threat = cat
            .threats()
            .get(layer.threat.0)
            .map(|t| t.id.clone())
            .unwrap_or_default();
        let mut zones = MultiPolygon::<f64>(vec![]);
        for z in scenario.zones() {
            zones = if zones.0.is_empty() {
                z.local.clone()
            } else {
                zones.union(&z.local)
            };
        }
        let gap = gaps
            .threat(layer.threat)
            .map(|g| {
                if zones.0.is_empty() {
                    g.local.clone()
                } else {
                    g.local.intersection(&zones)
                }
            })
            .into_iter()
            .collect();
        let tb = before.threat(layer.threat);
        let ta = after.threat(layer.threat);
        let failing = ta.map(|t| t.assets_failing.len()).unwrap_or(0);
        let mut m = MapContent::from_scenario(scenario)
            .with_sites(scenario, &plan.sites, Some(layer))
            .with_asset_status(scenario, after)
            .with_gaps(
                gap,
                format!(
                    "gap vs {threat} (any layer): {:.0} km²",
                    ta.map(|t| t.gap_area_km2).unwrap_or(0.0)
                ),
            )
            .with_subtitle(format!(
                "{threat}: {:.1} % covered (was {:.1} %), {:.0} km² gap, {failing} assets failing; plan within {:.2} % of its bound",
                100.0 * ta.map(|c| c.fraction).unwrap_or(0.0),
                100.0 * tb.map(|c| c.fraction).unwrap_or(0.0),
                ta.map(|t| t.gap_area_km2).unwrap_or(0.0),
                plan.gap_percent
            ));
        m.title = format!("skycover: {} — {threat}", scenario.name());
        let v = m.view();
        let span = (v[2] - v[0]).max(v[3] - v[1]);
        let close = m
            .sites
            .iter()
            .enumerate()
            .filter(|(i, (p, _, _))| {
                m.sites[i + 1..]
                    .iter()
                    .any(|(q, _, _)| (p[0] - q[0]).hypot(p[1] - q[1]) < 0.006 * span)
            })
            .count();
        if close > 0 {
            m.diagnostics.push(Diagnostic::info(
                codes::MAP_SITES_OFFSET,
                format!("{close} sites stand within {:.0} m of another: the map draws them on a small ring around their position, with a leader to it", 0.006 * span),
            ));
        }
        let outside = m
            .footprints
            .iter()
            .filter(|(p, _)| {
                use geo::BoundingRect;
                p.bounding_rect().is_some_and(|r| {
                    r.min().x < v[0] || r.min().y < v[1] || r.max().x > v[2] || r.max().y > v[3]
                })
            })
            .count();
        if outside > 0 {
            m.diagnostics.push(Diagnostic::info(
                codes::MAP_CLIPPED,
                format!("{outside} footprints reach beyond the map view and are cut at its edge (clipped, not squashed)"),
            ));
        }
        Ok(m)
    }

    /// Adds gap areas with a legend label.
    pub fn with_gaps(mut self, gaps: Vec<MultiPolygon<f64>>, label: impl Into<String>) -> Self {
        self.gaps = gaps;
        self.gap_label = label.into();
        self
    }

    /// Adds the worst route (lowest kill probability) of every asset and threat of `report`.
    pub fn with_threat_routes(self, report: &crate::threat_report::ThreatReport) -> Self {
        self.with_threat_routes_where(report, |_| true)
    }

    /// Adds the worst route (lowest kill probability) of every asset for `threat` only (the
    /// routes of the threat a map shows).
    pub fn with_threat_routes_of(
        self,
        report: &crate::threat_report::ThreatReport,
        threat: crate::catalogue::ThreatId,
    ) -> Self {
        self.with_threat_routes_where(report, |t| t == threat)
    }

    fn with_threat_routes_where(
        mut self,
        report: &crate::threat_report::ThreatReport,
        keep: impl Fn(crate::catalogue::ThreatId) -> bool,
    ) -> Self {
        let mut idx: Vec<usize> = report
            .summary
            .iter()
            .filter(|a| keep(a.threat))
            .map(|a| a.worst_kill_route)
            .collect();
        idx.sort_unstable();
        idx.dedup();
        self.threat_routes = idx
            .into_iter()
            .filter_map(|i| report.routes.get(i))
            .map(|r| r.path.points().iter().map(|p| (p[0], p[1])).collect())
            .collect();
        self
    }

    /// Sets the subtitle.
    pub fn with_subtitle(mut self, s: impl Into<String>) -> Self {
        self.subtitle = s.into();
        self
    }

    fn view(&self) -> [f64; 4] {
        let mut b = self
            .extent
            .unwrap_or([-50_000.0, -50_000.0, 50_000.0, 50_000.0]);
        for (p, _, _) in &self.sites {
            b[0] = b[0].min(p[0]);
            b[1] = b[1].min(p[1]);
            b[2] = b[2].max(p[0]);
            b[3] = b[3].max(p[1]);
        }
        // keep each contact line in view: its point nearest the content, and its keep-out
        let centre = geo::Point::new((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
        for (ls, keep) in &self.contact_lines {
            if let geo::Closest::SinglePoint(p) | geo::Closest::Intersection(p) =
                ls.closest_point(&centre)
            {
                b[0] = b[0].min(p.x() - keep);
                b[1] = b[1].min(p.y() - keep);
                b[2] = b[2].max(p.x() + keep);
                b[3] = b[3].max(p.y() + keep);
            }
        }
        let pad = 0.06 * (b[2] - b[0]).max(b[3] - b[1]).max(1_000.0);
        [b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad]
    }
}

/// Class colours by tier.
fn tier_colour(t: Tier) -> RGBColor {
    match t {
        Tier::Upper => RGBColor(46, 89, 178),
        Tier::Medium => RGBColor(0, 140, 120),
        Tier::Point => RGBColor(220, 130, 0),
    }
}

fn tier_name(t: Tier) -> &'static str {
    match t {
        Tier::Upper => "long range (upper tier)",
        Tier::Medium => "medium range",
        Tier::Point => "counter-UAS / point defence",
    }
}

fn mark_colour(m: AssetMark) -> RGBColor {
    match m {
        AssetMark::Covered => RGBColor(30, 150, 60),
        AssetMark::Thin => RGBColor(235, 175, 0),
        AssetMark::Uncovered => RGBColor(200, 20, 30),
        AssetMark::Unknown => RGBColor(110, 110, 110),
    }
}

fn draw_err<E: std::fmt::Debug>(e: E) -> Error {
    Error::Export {
        message: format!("drawing failed: {e:?}"),
    }
}

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn ring_points(ls: &LineString<f64>) -> Vec<(f64, f64)> {
    ls.coords().map(|c| (c.x, c.y)).collect()
}

fn draw_mp<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    mp: &MultiPolygon<f64>,
    fill: RGBAColor,
    stroke: RGBAColor,
    width: u32,
) -> Result<()> {
    for p in &mp.0 {
        draw_poly(chart, p, fill, stroke, width)?;
    }
    Ok(())
}

fn draw_poly<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    p: &Polygon<f64>,
    fill: RGBAColor,
    stroke: RGBAColor,
    width: u32,
) -> Result<()> {
    let ext = ring_points(p.exterior());
    if fill.3 > 0.0 {
        chart
            .draw_series(std::iter::once(plotters::element::Polygon::new(
                ext.clone(),
                fill.filled(),
            )))
            .map_err(draw_err)?;
    }
    if width > 0 {
        let mut rings = vec![ext];
        rings.extend(p.interiors().iter().map(ring_points));
        for r in rings {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    r,
                    stroke.stroke_width(width),
                )))
                .map_err(draw_err)?;
        }
    }
    Ok(())
}

/// A round scale-bar length (1, 2 or 5 × 10^k metres) about a fifth of `span`.
fn scale_length(span: f64) -> f64 {
    let target = span / 5.0;
    let k = target.log10().floor();
    let base = 10f64.powf(k);
    let m = target / base;
    let step = if m >= 5.0 {
        5.0
    } else if m >= 2.0 {
        2.0
    } else {
        1.0
    };
    step * base
}

/// The view rectangle as a polygon, for clipping.
fn rect_polygon(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    geo::Rect::new(geo::coord! {x: x0, y: y0}, geo::coord! {x: x1, y: y1}).to_polygon()
}

/// `mp` clipped to the view (real polygon intersection: nothing is clamped onto the frame).
fn clip_mp(mp: &MultiPolygon<f64>, view: &Polygon<f64>) -> MultiPolygon<f64> {
    if mp.0.is_empty() {
        return mp.clone();
    }
    mp.intersection(view)
}

/// `ls` clipped to the view.
fn clip_ls(ls: &LineString<f64>, view: &Polygon<f64>) -> MultiLineString<f64> {
    view.clip(&MultiLineString(vec![ls.clone()]), false)
}

/// Draws the parts of `ls` inside `view` with `style`; true when some part was drawn.
fn draw_clipped_line<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    ls: &LineString<f64>,
    view: &Polygon<f64>,
    style: ShapeStyle,
) -> Result<bool> {
    let parts = clip_ls(ls, view);
    for part in &parts {
        chart
            .draw_series(std::iter::once(PathElement::new(ring_points(part), style)))
            .map_err(draw_err)?;
    }
    Ok(!parts.0.is_empty())
}

/// A label's box in metres: `[x0, y0, x1, y1]`.
type LabelBox = [f64; 4];

/// Lines of a label: text, colour, font size (px).
type LabelLines = Vec<(String, RGBColor, u32)>;

fn overlaps(a: &LabelBox, b: &LabelBox) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

/// Estimated text width in pixels for DejaVu Sans at `size` px (average advance 0.6 em): the
/// fallback when the font cannot measure.
fn text_px(text: &str, size: f64) -> f64 {
    0.6 * size * text.chars().count() as f64
}

/// Pixel size of one label line, `(width, line height)`, at a font size: measured with the
/// font the map is drawn with ([`label_measure`]), so a label sits next to its point.
type Measure<'a> = &'a dyn Fn(&str, u32) -> (f64, f64);

/// [`Measure`] with the font of `area` (plotters' scaled sans-serif, as drawn); the 0.6 em
/// estimate where the font cannot measure.
fn label_measure<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    text: &str,
    size: u32,
) -> (f64, f64) {
    let style = ("sans-serif", size).into_font().color(&BLACK);
    match area.estimate_text_size(text, &style) {
        Ok((w, h)) => (f64::from(w), f64::from(h) + 3.0),
        Err(_) => (text_px(text, f64::from(size)), f64::from(size) + 4.0),
    }
}

/// One placed label: anchor (top-left, metres), lines, the step down to each next line
/// (metres), and the leader line start if the label stands away from its point.
struct PlacedLabel {
    target: (f64, f64),
    at: (f64, f64),
    lines: LabelLines,
    steps: Vec<f64>,
    leader: Option<(f64, f64)>,
}

/// Places labels next to their points without overlapping each other or the point markers:
/// eight positions around the point, then rings further out with a leader line; a label that
/// fits nowhere takes the least crowded candidate (never dropped, never cut).
fn place_labels(
    items: &[((f64, f64), LabelLines)],
    markers: &[(f64, f64)],
    view: [f64; 4],
    scale: f64,
    measure: Measure<'_>,
) -> Vec<PlacedLabel> {
    let mut taken: Vec<LabelBox> = markers
        .iter()
        .map(|&(x, y)| {
            let r = 6.0 * scale;
            [x - r, y - r, x + r, y + r]
        })
        .collect();
    let mut out = Vec::with_capacity(items.len());
    for ((px, py), lines) in items {
        let sizes: Vec<(f64, f64)> = lines.iter().map(|(t, _, sz)| measure(t, *sz)).collect();
        let w = sizes.iter().map(|s| s.0).fold(0.0, f64::max) * scale;
        let steps: Vec<f64> = sizes.iter().map(|s| s.1 * scale).collect();
        let h = steps.iter().sum::<f64>();
        let mut best: Option<(usize, (f64, f64), bool)> = None;
        'rings: for (ring, d) in [8.0, 22.0, 40.0, 65.0, 95.0, 130.0].iter().enumerate() {
            let d = d * scale;
            let hh = h / 2.0;
            // top-left corners around the point: right, left, above, below, diagonals
            let cands = [
                (px + d, py + hh),
                (px - d - w, py + hh),
                (px - w / 2.0, py + d + h),
                (px - w / 2.0, py - d),
                (px + d, py + d + h),
                (px - d - w, py + d + h),
                (px + d, py - d),
                (px - d - w, py - d),
            ];
            for (x, y) in cands {
                let b = [x, y - h, x + w, y];
                let inside =
                    b[0] >= view[0] && b[2] <= view[2] && b[1] >= view[1] && b[3] <= view[3];
                let hits = taken.iter().filter(|t| overlaps(t, &b)).count();
                if inside && hits == 0 {
                    best = Some((0, (x, y), ring > 0));
                    break 'rings;
                }
                let cost = hits + if inside { 0 } else { 1000 };
                if best.map_or(true, |(c, _, _)| cost < c) {
                    best = Some((cost, (x, y), ring > 0));
                }
            }
        }
        let Some((_, (x, y), far)) = best else {
            continue;
        };
        taken.push([x, y - h, x + w, y]);
        let leader = far.then(|| {
            // from the label's nearest edge midpoint
            let lx = if x > *px { x } else { x + w };
            (lx, y - h / 2.0)
        });
        out.push(PlacedLabel {
            target: (*px, *py),
            at: (x, y),
            lines: lines.clone(),
            steps,
            leader,
        });
    }
    out
}

/// Marker positions for sites: sites closer than `min_sep` to another are spread on a small
/// ring around their common centre (deterministic order), so none hides another.
fn spread_sites(sites: &[([f64; 2], Tier, bool)], min_sep: f64) -> Vec<(f64, f64)> {
    let n = sites.len();
    let mut group = vec![usize::MAX; n];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in 0..n {
        if group[i] != usize::MAX {
            continue;
        }
        let g = groups.len();
        group[i] = g;
        let mut members = vec![i];
        let mut k = 0;
        while k < members.len() {
            let a = sites[members[k]].0;
            for j in 0..n {
                if group[j] == usize::MAX {
                    let b = sites[j].0;
                    if (a[0] - b[0]).hypot(a[1] - b[1]) < min_sep {
                        group[j] = g;
                        members.push(j);
                    }
                }
            }
            k += 1;
        }
        groups.push(members);
    }
    let mut pos: Vec<(f64, f64)> = sites.iter().map(|s| (s.0[0], s.0[1])).collect();
    for members in groups.iter().filter(|m| m.len() > 1) {
        let m = members.len() as f64;
        let cx = members.iter().map(|&i| sites[i].0[0]).sum::<f64>() / m;
        let cy = members.iter().map(|&i| sites[i].0[1]).sum::<f64>() / m;
        let r = min_sep * (0.8 + 0.15 * m);
        let mut sorted = members.clone();
        sorted.sort_unstable();
        for (k, &i) in sorted.iter().enumerate() {
            let a = std::f64::consts::TAU * k as f64 / m + std::f64::consts::FRAC_PI_4;
            pos[i] = (cx + r * a.cos(), cy + r * a.sin());
        }
    }
    pos
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    m: &MapContent,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    init_font();
    root.fill(&WHITE).map_err(draw_err)?;
    let (w, _h) = root.dim_in_pixel();
    let legend_w = (w as f64 * 0.26) as u32;
    let (map_area, legend_area) = root.split_horizontally(w - legend_w);
    // the subtitle wrapped to the map's width (it would run into the legend)
    let sub_font = ("sans-serif", 15).into_font().color(&RGBColor(70, 70, 70));
    let sub_lines = if m.subtitle.is_empty() {
        Vec::new()
    } else {
        let max_w = map_area.dim_in_pixel().0.saturating_sub(14 + 8);
        wrap_text(&map_area, &m.subtitle, &sub_font, max_w)
    };
    let title_h = 40 + 22 * sub_lines.len() as u32;
    let (title_area, map_area) = map_area.split_vertically(title_h);
    title_area
        .draw(&Text::new(
            m.title.clone(),
            (14, 8),
            ("sans-serif", 24).into_font().color(&BLACK),
        ))
        .map_err(draw_err)?;
    for (k, l) in sub_lines.into_iter().enumerate() {
        title_area
            .draw(&Text::new(l, (14, 38 + 20 * k as i32), sub_font.clone()))
            .map_err(draw_err)?;
    }
    // equal scale: grow the view to the area's aspect ratio
    let v = m.view();
    let (aw, ah) = map_area.dim_in_pixel();
    let (aw, ah) = (
        (aw.saturating_sub(20)).max(1) as f64,
        (ah.saturating_sub(20)).max(1) as f64,
    );
    let (vw, vh) = (v[2] - v[0], v[3] - v[1]);
    let scale = (vw / aw).max(vh / ah);
    let (cx, cy) = ((v[0] + v[2]) / 2.0, (v[1] + v[3]) / 2.0);
    let (hw, hh) = (scale * aw / 2.0, scale * ah / 2.0);
    let frame = [cx - hw, cy - hh, cx + hw, cy + hh];
    let view = rect_polygon(frame[0], frame[1], frame[2], frame[3]);
    let mut chart = ChartBuilder::on(&map_area)
        .margin(10)
        .build_cartesian_2d(cx - hw..cx + hw, cy - hh..cy + hh)
        .map_err(draw_err)?;

    // sea-ish background, then countries
    chart
        .plotting_area()
        .fill(&RGBColor(236, 238, 240))
        .map_err(draw_err)?;
    for (name, mp) in &m.outlines {
        let fill = if name == "Ukraine" {
            RGBColor(250, 248, 240)
        } else {
            RGBColor(224, 222, 216)
        };
        draw_mp(
            &mut chart,
            &clip_mp(mp, &view),
            fill.to_rgba(),
            RGBColor(150, 150, 150).to_rgba(),
            1,
        )?;
    }
    if m.outlines.is_empty() {
        chart
            .plotting_area()
            .fill(&RGBColor(250, 248, 240))
            .map_err(draw_err)?;
    }
    // context: urban areas, lakes and reservoirs, the coastline, rivers
    let mut water_shown = [false; 4];
    for u in &m.urban {
        let c = clip_mp(u, &view);
        water_shown[2] |= !c.0.is_empty();
        draw_mp(
            &mut chart,
            &c,
            RGBColor(214, 208, 200).to_rgba(),
            RGBColor(214, 208, 200).to_rgba(),
            0,
        )?;
    }
    for l in &m.lakes {
        let c = clip_mp(l, &view);
        water_shown[0] |= !c.0.is_empty();
        draw_mp(
            &mut chart,
            &c,
            RGBColor(176, 208, 236).to_rgba(),
            RGBColor(90, 140, 195).to_rgba(),
            1,
        )?;
    }
    for ls in &m.coastline {
        if draw_clipped_line(
            &mut chart,
            ls,
            &view,
            RGBColor(60, 110, 175).stroke_width(1),
        )? {
            water_shown[1] = true;
        }
    }
    for ls in &m.rivers {
        if draw_clipped_line(
            &mut chart,
            ls,
            &view,
            RGBColor(70, 130, 200).stroke_width(2),
        )? {
            water_shown[3] = true;
        }
    }
    for z in &m.zones {
        draw_mp(
            &mut chart,
            &clip_mp(z, &view),
            RGBColor(90, 120, 200).mix(0.10),
            RGBColor(40, 60, 140).to_rgba(),
            2,
        )?;
    }
    for z in &m.exclusions {
        draw_mp(
            &mut chart,
            &clip_mp(z, &view),
            RGBColor(120, 120, 120).mix(0.25),
            RGBColor(90, 90, 90).to_rgba(),
            1,
        )?;
    }
    for g in &m.gaps {
        draw_mp(
            &mut chart,
            &clip_mp(g, &view),
            RGBColor(220, 30, 30).mix(0.35),
            RGBColor(220, 30, 30).mix(0.0),
            0,
        )?;
    }
    for (ls, width) in &m.corridors {
        // the corridor's true width: the centre line buffered by half of it
        let band = ls.buffer(width / 2.0);
        draw_mp(
            &mut chart,
            &clip_mp(&band, &view),
            RGBColor(140, 80, 160).mix(0.40),
            RGBColor(140, 80, 160).mix(0.0),
            0,
        )?;
        draw_clipped_line(
            &mut chart,
            ls,
            &view,
            RGBColor(110, 50, 130).stroke_width(1),
        )?;
    }
    for ls in &m.threat_routes {
        draw_clipped_line(
            &mut chart,
            ls,
            &view,
            RGBColor(30, 30, 30).mix(0.8).stroke_width(2),
        )?;
    }
    for (ls, keep) in &m.contact_lines {
        if *keep > 0.0 {
            // the keep-out band where it is: the line buffered by the keep-out distance
            let band = ls.buffer(*keep);
            draw_mp(
                &mut chart,
                &clip_mp(&band, &view),
                RGBColor(200, 40, 40).mix(0.15),
                RGBColor(200, 40, 40).mix(0.5),
                1,
            )?;
        }
        draw_clipped_line(&mut chart, ls, &view, RGBColor(160, 0, 0).stroke_width(3))?;
    }
    for (p, tier) in &m.footprints {
        let c = tier_colour(*tier);
        let clipped = clip_mp(&MultiPolygon(vec![p.clone()]), &view);
        draw_mp(&mut chart, &clipped, c.mix(0.10), c.mix(0.8), 1)?;
    }
    let inside = |x: f64, y: f64| x >= frame[0] && x <= frame[2] && y >= frame[1] && y <= frame[3];
    let marker_pos = spread_sites(&m.sites, 9.0 * scale);
    for ((p, tier, fixed), &(mx, my)) in m.sites.iter().zip(&marker_pos) {
        if !inside(mx, my) {
            continue;
        }
        let c = tier_colour(*tier);
        let size = match tier {
            Tier::Upper => 8,
            Tier::Medium => 6,
            Tier::Point => 4,
        };
        if (mx - p[0]).hypot(my - p[1]) > 0.5 * scale {
            // offset marker: a leader to the true position, a dot there
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(p[0], p[1]), (mx, my)],
                    RGBColor(40, 40, 40).stroke_width(1),
                )))
                .map_err(draw_err)?;
            chart
                .draw_series(std::iter::once(Circle::new(
                    (p[0], p[1]),
                    2,
                    BLACK.filled(),
                )))
                .map_err(draw_err)?;
        }
        let pt = (mx, my);
        chart
            .draw_series(std::iter::once(TriangleMarker::new(
                pt,
                size + 1,
                WHITE.filled(),
            )))
            .map_err(draw_err)?;
        chart
            .draw_series(std::iter::once(TriangleMarker::new(pt, size, c.filled())))
            .map_err(draw_err)?;
        if *fixed {
            chart
                .draw_series(std::iter::once(Circle::new(
                    pt,
                    size + 3,
                    BLACK.stroke_width(1),
                )))
                .map_err(draw_err)?;
        }
    }
    let mut markers: Vec<(f64, f64)> = marker_pos.clone();
    // the assets drawn (inside the view): the legend lists only their marks
    let mut drawn_assets: Vec<usize> = Vec::new();
    for (i, (p, _, mark)) in m.assets.iter().enumerate() {
        let pt = (p[0], p[1]);
        if !inside(pt.0, pt.1) {
            continue;
        }
        drawn_assets.push(i);
        markers.push(pt);
        chart
            .draw_series(std::iter::once(Circle::new(
                pt,
                5,
                mark_colour(*mark).filled(),
            )))
            .map_err(draw_err)?;
        chart
            .draw_series(std::iter::once(Circle::new(pt, 5, BLACK.stroke_width(1))))
            .map_err(draw_err)?;
    }
    if m.assets.len() <= 40 {
        let items: Vec<((f64, f64), LabelLines)> = m
            .assets
            .iter()
            .enumerate()
            .filter(|(_, (p, _, _))| inside(p[0], p[1]))
            .map(|(i, (p, name, _))| {
                let mut lines = vec![(name.clone(), RGBColor(30, 30, 30), 11)];
                if let Some(f) = m.asset_failing.get(i).filter(|f| !f.is_empty()) {
                    lines.push((format!("fails {}", f.join(", ")), RGBColor(180, 20, 30), 10));
                }
                ((p[0], p[1]), lines)
            })
            .collect();
        let measure = |t: &str, size: u32| label_measure(&map_area, t, size);
        for l in place_labels(&items, &markers, frame, scale, &measure) {
            if let Some(from) = l.leader {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![l.target, from],
                        RGBColor(90, 90, 90).stroke_width(1),
                    )))
                    .map_err(draw_err)?;
            }
            let (x, mut y) = l.at;
            for ((text, colour, size), step) in l.lines.iter().zip(&l.steps) {
                chart
                    .draw_series(std::iter::once(Text::new(
                        text.clone(),
                        (x, y),
                        ("sans-serif", *size).into_font().color(colour),
                    )))
                    .map_err(draw_err)?;
                y -= step;
            }
        }
    }
    // scale bar, bottom left
    let len = scale_length(2.0 * hw);
    let (x0, y0) = (cx - hw + 20.0 * scale, cy - hh + 25.0 * scale);
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [
                (x0 - 6.0 * scale, y0 - 8.0 * scale),
                (x0 + len + 6.0 * scale, y0 + 22.0 * scale),
            ],
            WHITE.mix(0.85).filled(),
        )))
        .map_err(draw_err)?;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(x0, y0), (x0 + len, y0 + 4.0 * scale)],
            BLACK.filled(),
        )))
        .map_err(draw_err)?;
    let label = if len >= 1_000.0 {
        format!("{:.0} km", len / 1_000.0)
    } else {
        format!("{len:.0} m")
    };
    chart
        .draw_series(std::iter::once(Text::new(
            label,
            (x0, y0 + 20.0 * scale),
            ("sans-serif", 13).into_font().color(&BLACK),
        )))
        .map_err(draw_err)?;
    // north arrow, top right of the map
    let (nx, ny) = (cx + hw - 25.0 * scale, cy + hh - 50.0 * scale);
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(nx, ny), (nx, ny + 30.0 * scale)],
            BLACK.stroke_width(2),
        )))
        .map_err(draw_err)?;
    chart
        .draw_series(std::iter::once(Text::new(
            "N",
            (nx - 5.0 * scale, ny + 50.0 * scale),
            ("sans-serif", 15).into_font().color(&BLACK),
        )))
        .map_err(draw_err)?;
    chart
        .plotting_area()
        .draw(&Rectangle::new(
            [(cx - hw, cy - hh), (cx + hw, cy + hh)],
            RGBColor(80, 80, 80).stroke_width(1),
        ))
        .map_err(draw_err)?;

    draw_legend(&legend_area, m, water_shown, &drawn_assets)
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    m: &MapContent,
    water_shown: [bool; 4],
    drawn_assets: &[usize],
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let font = ("sans-serif", 13).into_font().color(&BLACK);
    let head = ("sans-serif", 15).into_font().color(&BLACK);
    let mut y = 50i32;
    let x = 12i32;
    let line =
        |area: &DrawingArea<DB, plotters::coord::Shift>, text: &str, y: &mut i32| -> Result<()> {
            // wrapped to the legend's width: a long label (the gap's area) is never cut off
            let max_w = area.dim_in_pixel().0.saturating_sub(x as u32 + 28 + 4);
            for (k, l) in wrap_text(area, text, &font, max_w).into_iter().enumerate() {
                if k > 0 {
                    *y += 16;
                }
                area.draw(&Text::new(l, (x + 28, *y - 7), font.clone()))
                    .map_err(draw_err)?;
            }
            *y += 22;
            Ok(())
        };
    area.draw(&Text::new("Legend", (x, y - 30), head.clone()))
        .map_err(draw_err)?;
    let swatch = |area: &DrawingArea<DB, plotters::coord::Shift>,
                  y: i32,
                  fill: RGBAColor,
                  stroke: RGBAColor|
     -> Result<()> {
        area.draw(&Rectangle::new(
            [(x, y - 7), (x + 20, y + 7)],
            fill.filled(),
        ))
        .map_err(draw_err)?;
        area.draw(&Rectangle::new(
            [(x, y - 7), (x + 20, y + 7)],
            stroke.stroke_width(1),
        ))
        .map_err(draw_err)
    };
    // area layers: (shown, fill, outline, label), in drawing order
    let c = |r, g, b| RGBColor(r, g, b);
    let areas: [(bool, RGBAColor, RGBAColor, &str); 10] = [
        (
            true,
            c(90, 120, 200).mix(0.15),
            c(40, 60, 140).to_rgba(),
            "deployment zone",
        ),
        (
            !m.exclusions.is_empty(),
            c(120, 120, 120).mix(0.3),
            c(90, 90, 90).to_rgba(),
            "exclusion area",
        ),
        (
            water_shown[0],
            c(176, 208, 236).to_rgba(),
            c(90, 140, 195).to_rgba(),
            "lake, reservoir (NE 1:10m)",
        ),
        (
            water_shown[1],
            c(60, 110, 175).mix(0.0),
            c(60, 110, 175).to_rgba(),
            "coastline (NE 1:10m)",
        ),
        (
            water_shown[3],
            c(70, 130, 200).mix(0.0),
            c(70, 130, 200).to_rgba(),
            "river (NE 1:10m)",
        ),
        (
            water_shown[2],
            c(214, 208, 200).to_rgba(),
            c(214, 208, 200).to_rgba(),
            "urban area (NE 1:50m)",
        ),
        (
            !m.corridors.is_empty(),
            c(140, 80, 160).mix(0.45),
            c(140, 80, 160).mix(0.0),
            "corridor",
        ),
        (
            !m.threat_routes.is_empty(),
            c(30, 30, 30).mix(0.8),
            c(30, 30, 30).mix(0.8),
            "worst threat route per asset",
        ),
        (
            !m.contact_lines.is_empty(),
            c(200, 40, 40).mix(0.15),
            c(160, 0, 0).to_rgba(),
            "contact line, keep-out band",
        ),
        (
            !m.gaps.is_empty(),
            c(220, 30, 30).mix(0.35),
            c(220, 30, 30).mix(0.0),
            &m.gap_label,
        ),
    ];
    for (shown, fill, outline, label) in areas {
        if shown {
            swatch(area, y, fill, outline)?;
            line(area, label, &mut y)?;
        }
    }
    // systems: only the tiers (and the fixed-site ring) of the sites on the map
    if !m.sites.is_empty() || !m.footprints.is_empty() {
        y += 8;
        area.draw(&Text::new("Systems", (x, y - 8), head.clone()))
            .map_err(draw_err)?;
        y += 18;
    }
    for t in [Tier::Upper, Tier::Medium, Tier::Point] {
        if !m.sites.iter().any(|s| s.1 == t) {
            continue;
        }
        let c = tier_colour(t);
        area.draw(&TriangleMarker::new((x + 10, y), 6, c.filled()))
            .map_err(draw_err)?;
        line(area, tier_name(t), &mut y)?;
    }
    if m.sites.iter().any(|s| s.2) {
        area.draw(&Circle::new((x + 10, y), 8, BLACK.stroke_width(1)))
            .map_err(draw_err)?;
        line(area, "existing (fixed) site", &mut y)?;
    }
    if !m.footprints.is_empty() {
        // one swatch per footprint colour actually drawn
        y += 4;
        let max_w = area.dim_in_pixel().0.saturating_sub(x as u32 + 4);
        for (k, l) in wrap_text(area, &m.footprint_label, &font, max_w)
            .into_iter()
            .enumerate()
        {
            if k > 0 {
                y += 16;
            }
            area.draw(&Text::new(l, (x, y - 8), font.clone()))
                .map_err(draw_err)?;
        }
        y += 18;
        for t in [Tier::Upper, Tier::Medium, Tier::Point] {
            if !m.footprints.iter().any(|(_, ft)| *ft == t) {
                continue;
            }
            let c = tier_colour(t);
            swatch(area, y, c.mix(0.12), c.mix(0.8))?;
            line(area, &format!("footprint: {}", tier_name(t)), &mut y)?;
        }
    }
    // defended assets: only the marks drawn on the map (no section without assets)
    if drawn_assets.is_empty() {
        return Ok(());
    }
    y += 8;
    area.draw(&Text::new("Defended assets", (x, y - 8), head))
        .map_err(draw_err)?;
    y += 18;
    for (mark, label) in [
        (AssetMark::Covered, "covered to required depth"),
        (AssetMark::Thin, "thin: some layers short"),
        (AssetMark::Uncovered, "uncovered on a threat"),
        (AssetMark::Unknown, "not evaluated"),
    ] {
        if !drawn_assets.iter().any(|&i| m.assets[i].2 == mark) {
            continue;
        }
        area.draw(&Circle::new((x + 10, y), 5, mark_colour(mark).filled()))
            .map_err(draw_err)?;
        line(area, label, &mut y)?;
    }
    // "fails x, y" is written under the labels, which are drawn for at most 40 assets
    let fails_drawn = m.assets.len() <= 40
        && drawn_assets
            .iter()
            .any(|&i| m.asset_failing.get(i).is_some_and(|f| !f.is_empty()));
    if fails_drawn {
        area.draw(&Text::new(
            "fails x, y: threats the asset fails",
            (x + 4, y - 7),
            ("sans-serif", 12).into_font().color(&RGBColor(180, 20, 30)),
        ))
        .map_err(draw_err)?;
    }
    Ok(())
}

/// `text` broken at spaces into lines at most `max_w` pixels wide in `style` (a single word
/// wider than that stays whole, on its own line).
fn wrap_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    text: &str,
    style: &TextStyle<'_>,
    max_w: u32,
) -> Vec<String> {
    let width = |t: &str| {
        area.estimate_text_size(t, style)
            .map_or(t.chars().count() as u32 * 8, |(w, _)| w)
    };
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        let candidate = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if !cur.is_empty() && width(&candidate) > max_w {
            lines.push(std::mem::replace(&mut cur, word.to_string()));
        } else {
            cur = candidate;
        }
    }
    lines.push(cur);
    lines
}

fn ensure_dir(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
        }
    }
    Ok(())
}

/// Renders `content` as an SVG file of `size` pixels.
///
/// # Errors
/// [`Error::Io`] or [`Error::Export`] when the file cannot be written.
///
/// # Examples
/// ```
/// use skycover::map::{render_svg, MapContent};
/// use skycover::Scenario;
/// let s = Scenario::builtin("corridor")?;
/// let path = std::env::temp_dir().join("skycover-doc-map").join("map.svg");
/// render_svg(&MapContent::from_scenario(&s), &path, (800, 600))?;
/// assert!(std::fs::read_to_string(&path).unwrap().contains("<svg"));
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn render_svg(content: &MapContent, path: impl AsRef<Path>, size: (u32, u32)) -> Result<()> {
    let path = path.as_ref();
    ensure_dir(path)?;
    let root = SVGBackend::new(path, size).into_drawing_area();
    draw(root.clone(), content)?;
    root.present().map_err(draw_err)
}

/// Renders `content` as a PNG file of `size` pixels.
///
/// # Errors
/// [`Error::Io`] or [`Error::Export`] when the file cannot be written.
///
/// # Examples
/// ```
/// use skycover::map::{render_png, MapContent};
/// use skycover::Scenario;
/// let s = Scenario::builtin("corridor")?;
/// let path = std::env::temp_dir().join("skycover-doc-map").join("map.png");
/// render_png(&MapContent::from_scenario(&s), &path, (800, 600))?;
/// assert!(std::fs::read(&path).unwrap().starts_with(b"\x89PNG"));
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn render_png(content: &MapContent, path: impl AsRef<Path>, size: (u32, u32)) -> Result<()> {
    let path = path.as_ref();
    ensure_dir(path)?;
    let root = BitMapBackend::new(path, size).into_drawing_area();
    draw(root.clone(), content)?;
    root.present().map_err(draw_err)
}

/// Renders one panel per content (for example one per threat) side by side in a grid, as a
/// PNG file of `size` pixels: the overview picture of a plan.
///
/// # Errors
/// [`Error::InvalidInput`] when `panels` is empty; [`Error::Io`] or [`Error::Export`] when
/// the file cannot be written.
///
/// # Examples
/// ```
/// use skycover::map::{render_overview_png, MapContent};
/// use skycover::Scenario;
/// let scenario = Scenario::builtin("odesa")?;
/// let panels = vec![MapContent::from_scenario(&scenario); 4];
/// let path = std::env::temp_dir().join("skycover-doc-overview.png");
/// render_overview_png(&panels, &path, (1600, 1200))?;
/// assert!(path.exists());
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn render_overview_png(
    panels: &[MapContent],
    path: impl AsRef<Path>,
    size: (u32, u32),
) -> Result<()> {
    if panels.is_empty() {
        return Err(Error::InvalidInput {
            what: "map::render_overview_png: panels".into(),
            reason: "no panel to draw".into(),
        });
    }
    let path = path.as_ref();
    ensure_dir(path)?;
    let cols = (panels.len() as f64).sqrt().ceil() as usize;
    let rows = panels.len().div_ceil(cols);
    let root = BitMapBackend::new(path, size).into_drawing_area();
    let areas = root.split_evenly((rows, cols));
    for (area, m) in areas.into_iter().zip(panels) {
        draw(area, m)?;
    }
    root.present().map_err(draw_err)
}

/// Renders `content` to an SVG string.
///
/// # Errors
/// [`Error::Export`] when drawing fails.
///
/// # Examples
/// ```
/// use skycover::map::{svg_string, MapContent};
/// use skycover::Scenario;
/// let s = Scenario::builtin("odesa")?;
/// let svg = svg_string(&MapContent::from_scenario(&s), (800, 600))?;
/// assert!(svg.contains("Legend"));
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn svg_string(content: &MapContent, size: (u32, u32)) -> Result<String> {
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, size).into_drawing_area();
        draw(root.clone(), content)?;
        root.present().map_err(draw_err)?;
    }
    Ok(s)
}

/// Class id to tier, for callers building [`MapContent`] by hand.
///
/// # Examples
/// ```
/// use skycover::map::tier_of;
/// use skycover::{Scenario, Tier};
/// let s = Scenario::builtin("kyiv")?;
/// let patriot = s.catalogue().class_id("patriot_class")?;
/// assert_eq!(tier_of(&s, patriot)?, Tier::Upper);
/// # Ok::<(), skycover::Error>(())
/// ```
///
/// # Errors
/// [`crate::Error::InvalidInput`] for a class id not in the scenario's catalogue.
pub fn tier_of(scenario: &Scenario, class: ClassId) -> crate::Result<Tier> {
    Ok(scenario.catalogue().try_class(class, "class")?.tier)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(attributes, content)` of every `<tag ...>` of an SVG (`content` empty for
    /// self-closing tags).
    fn svg_elements<'a>(svg: &'a str, tag: &str) -> Vec<(&'a str, &'a str)> {
        let open = format!("<{tag} ");
        let close = format!("</{tag}>");
        svg.split(open.as_str())
            .skip(1)
            .filter_map(|part| {
                let end = part.find('>')?;
                let attrs = &part[..end];
                let content = if attrs.ends_with('/') {
                    ""
                } else {
                    part[end + 1..].split(close.as_str()).next().unwrap_or("")
                };
                Some((attrs, content))
            })
            .collect()
    }

    fn attr(attrs: &str, name: &str) -> Option<String> {
        let attrs = format!(" {attrs}");
        let i = attrs.find(&format!(" {name}=\""))? + name.len() + 3;
        attrs[i..].split('"').next().map(str::to_string)
    }

    fn num(attrs: &str, name: &str) -> f64 {
        attr(attrs, name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    }

    /// Odesa's assets, every one failing two threats (two-line labels, the long one second).
    fn failing_assets_map() -> (MapContent, Vec<String>) {
        let s = Scenario::builtin("odesa").unwrap();
        let mut m = MapContent::from_scenario(&s);
        let n = m.assets.len();
        m.asset_failing = vec![vec!["ballistic_missile".into(), "cruise_missile".into()]; n];
        m.assets.iter_mut().for_each(|a| a.2 = AssetMark::Uncovered);
        let names = s.assets().iter().map(|a| a.name.clone()).collect();
        (m, names)
    }

    #[test]
    fn asset_labels_sit_next_to_their_markers_and_off_the_legend() {
        let (m, names) = failing_assets_map();
        let (w, h) = (1400u32, 1000u32);
        let svg = svg_string(&m, (w, h)).unwrap();
        let mut buf = String::new();
        let area = SVGBackend::with_string(&mut buf, (w, h)).into_drawing_area();
        let legend_x = f64::from(w - (f64::from(w) * 0.26) as u32);
        // asset markers: the filled circles of radius 5 left of the legend, in asset order
        let dots: Vec<(f64, f64)> = svg_elements(&svg, "circle")
            .into_iter()
            .filter(|(a, _)| attr(a, "r").as_deref() == Some("5") && !a.contains("fill=\"none\""))
            .map(|(a, _)| (num(a, "cx"), num(a, "cy")))
            .filter(|p| p.0 < legend_x)
            .collect();
        assert_eq!(dots.len(), names.len(), "every asset drawn");
        // leader lines: two-point grey polylines
        let leaders: Vec<[(f64, f64); 2]> = svg_elements(&svg, "polyline")
            .into_iter()
            .filter(|(a, _)| a.contains("stroke=\"#5A5A5A\""))
            .filter_map(|(a, _)| {
                let pts: Vec<(f64, f64)> = attr(a, "points")?
                    .split_whitespace()
                    .filter_map(|p| {
                        let (x, y) = p.split_once(',')?;
                        Some((x.parse().ok()?, y.parse().ok()?))
                    })
                    .collect();
                (pts.len() == 2).then(|| [pts[0], pts[1]])
            })
            .collect();
        let texts = svg_elements(&svg, "text");
        let fails = "fails ballistic_missile, cruise_missile";
        for (name, &(dx, dy)) in names.iter().zip(&dots) {
            let (a, _) = texts
                .iter()
                .find(|(_, c)| c.trim() == name.as_str())
                .unwrap_or_else(|| panic!("no label for {name}"));
            let (x, y) = (num(a, "x"), num(a, "y"));
            let (w0, h0) = label_measure(&area, name, 11);
            let (w1, h1) = label_measure(&area, fails, 10);
            let b = [x, y, x + w0.max(w1), y + h0 + h1];
            let dist = |(px, py): (f64, f64)| {
                let ex = (b[0] - px).max(px - b[2]).max(0.0);
                let ey = (b[1] - py).max(py - b[3]).max(0.0);
                ex.hypot(ey)
            };
            assert!(
                b[2] <= legend_x + 1.0,
                "{name}: label {b:?} runs into the legend"
            );
            let near = |p: (f64, f64), q: (f64, f64)| (p.0 - q.0).hypot(p.1 - q.1) <= 1.5;
            match leaders.iter().find(|l| near(l[0], (dx, dy))) {
                // far away: a leader from the dot to the label's edge
                Some(l) => assert!(
                    dist(l[1]) <= 2.0,
                    "{name}: leader ends {:?} off {b:?}",
                    l[1]
                ),
                // beside its dot: 8 px away (11.3 on a diagonal), one pixel of rounding
                None => assert!(
                    dist((dx, dy)) <= 12.5,
                    "{name}: label {b:?} is {:.1} px from its dot ({dx}, {dy})",
                    dist((dx, dy))
                ),
            }
        }
    }

    #[test]
    fn legend_lists_only_the_asset_marks_drawn() {
        let text_of = |m: &MapContent| {
            let svg = svg_string(m, (1400, 1000)).unwrap();
            svg_elements(&svg, "text")
                .into_iter()
                .map(|(_, c)| c.trim().to_string())
                .collect::<Vec<_>>()
        };
        let (mut m, _) = failing_assets_map();
        let all = text_of(&m);
        assert!(all.iter().any(|t| t == "Defended assets"));
        assert!(all.iter().any(|t| t == "uncovered on a threat"));
        for absent in [
            "covered to required depth",
            "thin: some layers short",
            "not evaluated",
        ] {
            assert!(
                !all.iter().any(|t| t == absent),
                "{absent} listed, none drawn"
            );
        }
        // only the tiers of the sites drawn, the fixed ring only with a fixed site
        m.sites = vec![([0.0, 0.0], Tier::Point, false)];
        let point_only = text_of(&m);
        assert!(point_only.iter().any(|t| t == tier_name(Tier::Point)));
        for absent in [
            tier_name(Tier::Upper),
            tier_name(Tier::Medium),
            "existing (fixed) site",
        ] {
            assert!(
                !point_only.iter().any(|t| t == absent),
                "{absent} listed, none drawn"
            );
        }
        // no assets: no section
        m.assets.clear();
        m.asset_failing.clear();
        let none = text_of(&m);
        assert!(none.iter().any(|t| t == "Legend"));
        for absent in [
            "Defended assets",
            "covered to required depth",
            "uncovered on a threat",
        ] {
            assert!(
                !none.iter().any(|t| t.starts_with(absent)),
                "{absent} without assets"
            );
        }
        assert!(!none.iter().any(|t| t.starts_with("fails x, y")));
    }

    #[test]
    fn rivers_and_urban_areas_show_the_dnipro_through_kyiv() {
        use geo::{Distance, Intersects};
        let s = Scenario::builtin("kyiv").unwrap();
        let m = MapContent::from_scenario(&s);
        let zone = &m.zones[0];
        // the Dnipro crosses the Kyiv zone and passes within 3 km of the Paton Bridge asset
        let crossing: Vec<&LineString<f64>> =
            m.rivers.iter().filter(|l| l.intersects(zone)).collect();
        assert!(!crossing.is_empty(), "no river crosses the Kyiv zone");
        let paton = s
            .assets()
            .iter()
            .find(|a| a.name.contains("Paton"))
            .expect("Paton Bridge asset");
        let p = geo::Point::new(paton.local[0], paton.local[1]);
        let d = crossing
            .iter()
            .map(|l| geo::Euclidean.distance(&p, *l))
            .fold(f64::INFINITY, f64::min);
        assert!(d < 3_000.0, "nearest river {d:.0} m from the Paton Bridge");
        // Kyiv's urban area meets the zone; the legend names both layers
        assert!(m.urban.iter().any(|u| u.intersects(zone)));
        let svg = svg_string(&m, (1400, 1000)).unwrap();
        assert!(svg.contains("river (NE 1:10m)") && svg.contains("urban area (NE 1:50m)"));
    }

    #[test]
    fn water_context_shows_the_kyiv_reservoir_and_the_odesa_coast() {
        use geo::{BoundingRect, Distance, Intersects};
        // Kyiv: a lake (the Kyiv reservoir on the Dnipro, north of the city) meets the zone
        let s = Scenario::builtin("kyiv").unwrap();
        let m = MapContent::from_scenario(&s);
        let v = m.view();
        let view = rect_polygon(v[0], v[1], v[2], v[3]);
        let zone = &m.zones[0];
        let hit: Vec<&MultiPolygon<f64>> = m.lakes.iter().filter(|l| l.intersects(zone)).collect();
        assert!(!hit.is_empty(), "no lake meets the Kyiv zone");
        // it is the Kyiv reservoir: inside the map, tens of km long north-south
        let r = hit[0].bounding_rect().unwrap();
        assert!(r.height() > 40_000.0 && r.height() < 90_000.0, "{r:?}");
        assert!(hit.iter().all(|l| l.intersects(&view)));
        // and a defended asset at the Vyshhorod dam sits within 2 km of its shore
        let dam = s
            .assets()
            .iter()
            .find(|a| a.name.contains("Vyshhorod"))
            .unwrap();
        let d = hit
            .iter()
            .map(|l| geo::Euclidean.distance(&geo::Point::from(dam.local), *l))
            .fold(f64::INFINITY, f64::min);
        assert!(d < 2_000.0, "dam {d} m from the reservoir");
        // Odesa: the sea coastline crosses the map's view
        let s = Scenario::builtin("odesa").unwrap();
        let m = MapContent::from_scenario(&s);
        let v = m.view();
        let view = rect_polygon(v[0], v[1], v[2], v[3]);
        let inside: usize = m.coastline.iter().map(|l| clip_ls(l, &view).0.len()).sum();
        assert!(inside > 0, "no coastline in the Odesa view");
        // the layers are in lon/lat inside the cut region of data/context/cut_water.py
        let (lakes, coast) = water_context();
        for r in lakes
            .iter()
            .filter_map(|p| p.bounding_rect())
            .chain(coast.iter().filter_map(|l| l.bounding_rect()))
        {
            assert!(r.min().x > 15.0 && r.max().x < 50.0 && r.min().y > 38.0 && r.max().y < 60.0);
        }
        // and they are drawn, with their legend entries
        let svg = svg_string(&MapContent::from_scenario(&s), (900, 700)).unwrap();
        assert!(svg.contains("coastline (NE 1:10m)"));
    }

    #[test]
    fn svg_has_content_and_text() {
        let s = Scenario::builtin("kyiv").unwrap();
        let layer = s.catalogue().layers()[2];
        let m = MapContent::from_scenario(&s).with_sites(&s, s.sites(), Some(&layer));
        assert_eq!(m.outlines.len(), 7, "Ukraine and six neighbours");
        let svg = svg_string(&m, (1200, 900)).unwrap();
        assert!(svg.contains("<svg"));
        assert!(svg.contains("Legend"));
        assert!(svg.contains("skycover: "));
        assert!(
            svg.contains("km<") || svg.contains(" km"),
            "scale bar label"
        );
        assert!(svg.matches("<polygon").count() >= 3 + s.sites().len());
    }

    #[test]
    fn clipping_cuts_at_the_view_and_never_clamps() {
        use geo::{Area, BoundingRect, Intersects};
        let view = rect_polygon(0.0, 0.0, 100.0, 100.0);
        // a square half outside: its clipped area is exactly the inside half
        let sq = MultiPolygon(vec![rect_polygon(50.0, 20.0, 150.0, 80.0)]);
        let c = clip_mp(&sq, &view);
        assert!((c.unsigned_area() - 50.0 * 60.0).abs() < 1e-6);
        let r = c.bounding_rect().unwrap();
        assert!(r.max().x <= 100.0 + 1e-9 && r.min().x >= 50.0 - 1e-9);
        // a polygon entirely outside the view vanishes (clamping would draw it on the edge)
        let far = MultiPolygon(vec![rect_polygon(120.0, 10.0, 130.0, 90.0)]);
        assert!(clip_mp(&far, &view).0.is_empty());
        // a line crossing the view keeps only its inside part, on the original line
        let ls = LineString::from(vec![(-50.0, 50.0), (150.0, 50.0), (150.0, 200.0)]);
        let parts = clip_ls(&ls, &view);
        assert_eq!(parts.0.len(), 1);
        for p in parts.0[0].coords() {
            assert!((p.y - 50.0).abs() < 1e-9 && (-1e-9..=100.0 + 1e-9).contains(&p.x));
        }
        // a keep-out band 11 km off a line outside the view stays outside
        let contact = LineString::from(vec![(200.0, -50.0), (200.0, 150.0)]);
        let band = contact.buffer(20.0);
        assert!(!band.intersects(&view));
        assert!(clip_mp(&band, &view).0.is_empty());
    }

    #[test]
    fn co_located_sites_are_spread_apart() {
        let sites = vec![
            ([0.0, 0.0], Tier::Medium, false),
            ([1.0, 0.0], Tier::Point, false),
            ([0.0, 1.0], Tier::Upper, true),
            ([500.0, 500.0], Tier::Point, false),
        ];
        let pos = spread_sites(&sites, 20.0);
        assert_eq!(pos[3], (500.0, 500.0), "a lone site stays where it is");
        for i in 0..3 {
            for j in i + 1..3 {
                let d = (pos[i].0 - pos[j].0).hypot(pos[i].1 - pos[j].1);
                assert!(d >= 20.0, "{i} {j}: {d}");
            }
        }
        // deterministic
        assert_eq!(pos, spread_sites(&sites, 20.0));
    }

    #[test]
    fn labels_do_not_overlap_when_there_is_room() {
        // a cluster of eight points 10 px apart in a wide view, long names, 1 m per px
        let items: Vec<((f64, f64), LabelLines)> = (0..8)
            .map(|k| {
                let p = (500.0 + 10.0 * (k % 3) as f64, 500.0 + 10.0 * (k / 3) as f64);
                (
                    p,
                    vec![(format!("a rather long asset name number {k}"), BLACK, 11)],
                )
            })
            .collect();
        let markers: Vec<(f64, f64)> = items.iter().map(|i| i.0).collect();
        let measure = |t: &str, s: u32| (text_px(t, f64::from(s)), f64::from(s) + 4.0);
        let placed = place_labels(&items, &markers, [0.0, 0.0, 2000.0, 2000.0], 1.0, &measure);
        assert_eq!(placed.len(), items.len(), "no label dropped");
        let boxes: Vec<LabelBox> = placed
            .iter()
            .map(|l| {
                let w = text_px(&l.lines[0].0, 11.0);
                [l.at.0, l.at.1 - 15.0, l.at.0 + w, l.at.1]
            })
            .collect();
        for i in 0..boxes.len() {
            for j in i + 1..boxes.len() {
                assert!(!overlaps(&boxes[i], &boxes[j]), "{i} and {j} overlap");
            }
            for m in &markers {
                let mb = [m.0 - 6.0, m.1 - 6.0, m.0 + 6.0, m.1 + 6.0];
                assert!(!overlaps(&boxes[i], &mb), "label {i} covers a marker");
            }
            // full text, never cut
            assert!(placed[i].lines[0].0.ends_with(&i.to_string()));
        }
    }

    #[test]
    fn scale_lengths_are_round() {
        assert_eq!(scale_length(100_000.0), 20_000.0);
        assert_eq!(scale_length(60_000.0), 10_000.0);
        assert_eq!(scale_length(300_000.0), 50_000.0);
        assert_eq!(scale_length(1_200_000.0), 200_000.0);
    }
}
