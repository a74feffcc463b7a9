//! Map pictures (SVG and PNG, via plotters): country outlines, zones, corridors, contact line
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
use crate::error::{Error, Result};
use crate::export::footprint_polygon;
use crate::scenario::Scenario;
use crate::site::Site;
use crate::volume::Footprint;
use geo::{LineString, MultiPolygon, Polygon};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::path::Path;
use std::sync::Once;

const FONT: &[u8] = include_bytes!("../data/fonts/DejaVuSans.ttf");
const COUNTRIES: &str = include_str!("../data/ne_110m_ukraine_region.geojson");
static FONT_INIT: Once = Once::new();

fn init_font() {
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
    /// Threat routes (local frame), drawn as dark lines, e.g. the worst routes per asset of a
    /// [`ThreatReport`](crate::threat_report::ThreatReport) (see [`MapContent::with_threat_routes`]).
    pub threat_routes: Vec<LineString<f64>>,
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

/// Country outlines of Ukraine and its neighbours (Natural Earth 1:110m, public domain),
/// in lon/lat, with their names.
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
        let b = scenario.demand_bbox();
        if b.iter().all(|v| v.is_finite()) {
            m.extent = Some(b);
        }
        m
    }

    /// Replaces the sites, and draws their footprints on `layer`.
    pub fn with_sites(
        mut self,
        scenario: &Scenario,
        sites: &[Site],
        layer: Option<&Layer>,
    ) -> Self {
        let cat = scenario.catalogue();
        self.sites = sites
            .iter()
            .map(|s| (s.position, cat.class(s.class).tier, s.fixed))
            .collect();
        self.footprints.clear();
        if let Some(layer) = layer {
            self.footprint_label = format!(
                "footprints vs {} at {:.0} m",
                cat.threat(layer.threat).id,
                layer.altitude_m
            );
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

    /// Adds gap areas with a legend label.
    pub fn with_gaps(mut self, gaps: Vec<MultiPolygon<f64>>, label: impl Into<String>) -> Self {
        self.gaps = gaps;
        self.gap_label = label.into();
        self
    }

    /// Adds the worst route (lowest kill probability) of every asset and threat of `report`.
    pub fn with_threat_routes(mut self, report: &crate::threat_report::ThreatReport) -> Self {
        let mut idx: Vec<usize> = report.summary.iter().map(|a| a.worst_kill_route).collect();
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
    let title_h = if m.subtitle.is_empty() { 40 } else { 62 };
    let (title_area, map_area) = map_area.split_vertically(title_h);
    title_area
        .draw(&Text::new(
            m.title.clone(),
            (14, 8),
            ("sans-serif", 24).into_font().color(&BLACK),
        ))
        .map_err(draw_err)?;
    if !m.subtitle.is_empty() {
        title_area
            .draw(&Text::new(
                m.subtitle.clone(),
                (14, 38),
                ("sans-serif", 15).into_font().color(&RGBColor(70, 70, 70)),
            ))
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
    let mut chart = ChartBuilder::on(&map_area)
        .margin(10)
        .build_cartesian_2d(cx - hw..cx + hw, cy - hh..cy + hh)
        .map_err(draw_err)?;
    let px = |metres: f64| ((metres / scale).round().max(1.0)) as u32;

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
            mp,
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
    for z in &m.zones {
        draw_mp(
            &mut chart,
            z,
            RGBColor(90, 120, 200).mix(0.10),
            RGBColor(40, 60, 140).to_rgba(),
            2,
        )?;
    }
    for z in &m.exclusions {
        draw_mp(
            &mut chart,
            z,
            RGBColor(120, 120, 120).mix(0.25),
            RGBColor(90, 90, 90).to_rgba(),
            1,
        )?;
    }
    for g in &m.gaps {
        draw_mp(
            &mut chart,
            g,
            RGBColor(220, 30, 30).mix(0.35),
            RGBColor(220, 30, 30).mix(0.0),
            0,
        )?;
    }
    for (ls, width) in &m.corridors {
        chart
            .draw_series(std::iter::once(PathElement::new(
                ring_points(ls),
                RGBColor(140, 80, 160)
                    .mix(0.45)
                    .stroke_width(px(*width).max(3)),
            )))
            .map_err(draw_err)?;
    }
    for ls in &m.threat_routes {
        chart
            .draw_series(std::iter::once(PathElement::new(
                ring_points(ls),
                RGBColor(30, 30, 30).mix(0.8).stroke_width(2),
            )))
            .map_err(draw_err)?;
    }
    for (ls, keep) in &m.contact_lines {
        if *keep > 0.0 {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    ring_points(ls),
                    RGBColor(200, 40, 40).mix(0.15).stroke_width(px(2.0 * keep)),
                )))
                .map_err(draw_err)?;
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                ring_points(ls),
                RGBColor(160, 0, 0).stroke_width(3),
            )))
            .map_err(draw_err)?;
    }
    for (p, tier) in &m.footprints {
        let c = tier_colour(*tier);
        draw_poly(&mut chart, p, c.mix(0.10), c.mix(0.8), 1)?;
    }
    for (p, tier, fixed) in &m.sites {
        let c = tier_colour(*tier);
        let size = match tier {
            Tier::Upper => 8,
            Tier::Medium => 6,
            Tier::Point => 4,
        };
        let pt = (p[0], p[1]);
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
    for (p, name, mark) in &m.assets {
        let pt = (p[0], p[1]);
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
        if m.assets.len() <= 30 {
            let short: String = name.chars().take(22).collect();
            chart
                .draw_series(std::iter::once(Text::new(
                    short,
                    (pt.0 + 7.0 * scale, pt.1 + 4.0 * scale),
                    ("sans-serif", 11).into_font().color(&RGBColor(30, 30, 30)),
                )))
                .map_err(draw_err)?;
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

    draw_legend(&legend_area, m)
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    m: &MapContent,
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
            area.draw(&Text::new(text.to_string(), (x + 28, *y - 7), font.clone()))
                .map_err(draw_err)?;
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
    swatch(
        area,
        y,
        RGBColor(90, 120, 200).mix(0.15),
        RGBColor(40, 60, 140).to_rgba(),
    )?;
    line(area, "deployment zone", &mut y)?;
    if !m.exclusions.is_empty() {
        swatch(
            area,
            y,
            RGBColor(120, 120, 120).mix(0.3),
            RGBColor(90, 90, 90).to_rgba(),
        )?;
        line(area, "exclusion area", &mut y)?;
    }
    if !m.corridors.is_empty() {
        swatch(
            area,
            y,
            RGBColor(140, 80, 160).mix(0.45),
            RGBColor(140, 80, 160).mix(0.0),
        )?;
        line(area, "corridor", &mut y)?;
    }
    if !m.threat_routes.is_empty() {
        swatch(
            area,
            y,
            RGBColor(30, 30, 30).mix(0.8),
            RGBColor(30, 30, 30).mix(0.8),
        )?;
        line(area, "worst threat route per asset", &mut y)?;
    }
    if !m.contact_lines.is_empty() {
        swatch(
            area,
            y,
            RGBColor(200, 40, 40).mix(0.15),
            RGBColor(160, 0, 0).to_rgba(),
        )?;
        line(area, "contact line, keep-out band", &mut y)?;
    }
    if !m.gaps.is_empty() {
        swatch(
            area,
            y,
            RGBColor(220, 30, 30).mix(0.35),
            RGBColor(220, 30, 30).mix(0.0),
        )?;
        let label = m.gap_label.clone();
        line(area, &label, &mut y)?;
    }
    y += 8;
    area.draw(&Text::new("Systems", (x, y - 8), head.clone()))
        .map_err(draw_err)?;
    y += 18;
    for t in [Tier::Upper, Tier::Medium, Tier::Point] {
        let c = tier_colour(t);
        area.draw(&TriangleMarker::new((x + 10, y), 6, c.filled()))
            .map_err(draw_err)?;
        line(area, tier_name(t), &mut y)?;
    }
    area.draw(&Circle::new((x + 10, y), 8, BLACK.stroke_width(1)))
        .map_err(draw_err)?;
    line(area, "existing (fixed) site", &mut y)?;
    if !m.footprints.is_empty() {
        swatch(
            area,
            y,
            RGBColor(46, 89, 178).mix(0.12),
            RGBColor(46, 89, 178).mix(0.8),
        )?;
        let label = m.footprint_label.clone();
        line(area, &label, &mut y)?;
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
        if mark == AssetMark::Unknown && m.assets.iter().all(|a| a.2 != AssetMark::Unknown) {
            continue;
        }
        area.draw(&Circle::new((x + 10, y), 5, mark_colour(mark).filled()))
            .map_err(draw_err)?;
        line(area, label, &mut y)?;
    }
    Ok(())
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
pub fn render_png(content: &MapContent, path: impl AsRef<Path>, size: (u32, u32)) -> Result<()> {
    let path = path.as_ref();
    ensure_dir(path)?;
    let root = BitMapBackend::new(path, size).into_drawing_area();
    draw(root.clone(), content)?;
    root.present().map_err(draw_err)
}

/// Renders `content` to an SVG string.
///
/// # Errors
/// [`Error::Export`] when drawing fails.
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
pub fn tier_of(scenario: &Scenario, class: ClassId) -> Tier {
    scenario.catalogue().class(class).tier
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn scale_lengths_are_round() {
        assert_eq!(scale_length(100_000.0), 20_000.0);
        assert_eq!(scale_length(60_000.0), 10_000.0);
        assert_eq!(scale_length(300_000.0), 50_000.0);
        assert_eq!(scale_length(1_200_000.0), 200_000.0);
    }
}
