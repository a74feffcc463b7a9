//! The interactive report: one self-contained `report.html` (no network) with a pan/zoom map
//! and the plan's tables and certificate.
//!
//! The map is [Leaflet](https://leafletjs.com) 1.9.4 (BSD-2-Clause, vendored from the npm
//! registry in `data/vendor/leaflet/` and inlined), drawing vector layers only: no tile
//! server. The page has toggles for each group (countries, lakes and coastline, zones and areas, corridors and
//! contact lines, threat routes, footprints, gaps, assets, sites), a selector for the threat or layer whose
//! footprints, gaps and worst routes are shown, the before/after table per threat, the asset table by name,
//! and the certificate (objective, bound, gap, algorithm, diagnostics).
//!
//! When the page has loaded it writes its state into the DOM for headless checks:
//! `<body data-layers-loaded="N" data-features="M" data-selftest="ok">` (a self-test toggles a
//! group and switches the view, and checks the map followed). See `ci/report_check.sh`.

use crate::catalogue::ThreatId;
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::output::{asset_reports, PlanResults};
use geojson::FeatureCollection;
use serde_json::{json, Value};
use std::fmt::Write as _;

const LEAFLET_JS: &str = include_str!("../data/vendor/leaflet/leaflet.js");
const LEAFLET_CSS: &str = include_str!("../data/vendor/leaflet/leaflet.css");
const LEAFLET_LICENSE: &str = include_str!("../data/vendor/leaflet/LICENSE");

/// The number of toggleable groups the report's map has (context, water, areas, lines,
/// routes, footprints, gaps, assets, sites): the value of `data-layers-loaded` once the page
/// has loaded. The routes group is present (and empty) when the scenario has no threat routes.
pub const REPORT_GROUPS: usize = 9;

/// What [`render`] puts in the page: the plan and the collections [`crate::output`] wrote.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// The scenario, plan, demand and the coverage before and after.
    pub results: &'a PlanResults<'a>,
    /// `sites.geojson`.
    pub sites: &'a FeatureCollection,
    /// `footprints.geojson` (every layer).
    pub footprints: &'a FeatureCollection,
    /// `gaps.geojson` (per threat and per layer).
    pub gaps: &'a FeatureCollection,
    /// `assets.geojson`.
    pub assets: &'a FeatureCollection,
    /// `areas.geojson`.
    pub areas: &'a FeatureCollection,
    /// `lines.geojson`.
    pub lines: &'a FeatureCollection,
    /// `routes.geojson`: the worst threat routes (empty when the scenario has none).
    pub routes: &'a FeatureCollection,
    /// The layer shown first (its threat is selected).
    pub layer: &'a crate::catalogue::Layer,
    /// Remarks on the outputs, listed with the plan's.
    pub output_diagnostics: &'a [Diagnostic],
}

/// The map's first view, `[[south, west], [north, east]]` in degrees: the box of what the plan
/// is about (zones, candidate and exclusion areas, corridors, contact lines, assets, the
/// plan's sites), padded by 8 % (at least 0.01°). Longitudes are unwrapped to within 180° of
/// the frame's centre, as the page draws them, so a plan across ±180° gets a narrow box with
/// `west < east` (`east` may pass 180) instead of the whole world.
pub(crate) fn view_bounds(
    scenario: &crate::scenario::Scenario,
    sites: &[crate::site::Site],
) -> [[f64; 2]; 2] {
    use crate::geometry::antimeridian::unwrap_lon;
    let frame = scenario.frame();
    let lon0 = frame.lon0();
    let mut pts: Vec<(f64, f64)> = Vec::new();
    let mut polys = |mp: &geo::MultiPolygon<f64>| {
        for p in &mp.0 {
            pts.extend(p.exterior().0.iter().map(|c| (c.x, c.y)));
        }
    };
    scenario.zones().iter().for_each(|z| polys(&z.lonlat));
    scenario
        .candidate_areas()
        .iter()
        .for_each(|a| polys(&a.lonlat));
    scenario.exclusions().iter().for_each(|a| polys(&a.lonlat));
    for l in scenario
        .corridors()
        .iter()
        .map(|c| &c.lonlat)
        .chain(scenario.contact_lines().iter().map(|c| &c.lonlat))
    {
        pts.extend(l.0.iter().map(|c| (c.x, c.y)));
    }
    pts.extend(scenario.assets().iter().map(|a| (a.lonlat[0], a.lonlat[1])));
    pts.extend(
        sites
            .iter()
            .map(|s| frame.to_lonlat(s.position[0], s.position[1])),
    );
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for (lon, lat) in pts
        .into_iter()
        .filter(|p| p.0.is_finite() && p.1.is_finite())
    {
        let lon = unwrap_lon(lon, lon0);
        b = [b[0].min(lat), b[1].min(lon), b[2].max(lat), b[3].max(lon)];
    }
    if !b.iter().all(|v| v.is_finite()) {
        let (lon, lat) = frame.to_lonlat(0.0, 0.0);
        let lon = unwrap_lon(lon, lon0);
        b = [lat, lon, lat, lon];
    }
    let pad_lat = (0.08 * (b[2] - b[0])).max(0.01);
    let pad_lon = (0.08 * (b[3] - b[1])).max(0.01);
    [
        [(b[0] - pad_lat).max(-90.0), b[1] - pad_lon],
        [(b[2] + pad_lat).min(90.0), b[3] + pad_lon],
    ]
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// JSON safe inside a `<script>` element (no `</script>` or `<!--` can close or confuse it).
fn script_json(v: &Value) -> Result<String> {
    let s = serde_json::to_string(v).map_err(|e| Error::Export {
        message: format!("report.html: {e}"),
    })?;
    Ok(s.replace('<', "\\u003c").replace('>', "\\u003e"))
}

fn country_collection(results: &PlanResults<'_>) -> Value {
    // the countries near the scenario, in lon/lat
    let b = results.scenario.demand_bbox();
    let f = results.scenario.frame();
    let (x0, y0) = f.to_lonlat(b[0], b[1]);
    let (x1, y1) = f.to_lonlat(b[2], b[3]);
    let margin = 3.0;
    let feats: Vec<Value> = crate::map::country_outlines()
        .into_iter()
        .filter(|(_, mp)| {
            use geo::BoundingRect;
            mp.bounding_rect().is_some_and(|r| {
                r.min().x < x1.max(x0) + margin
                    && r.max().x > x0.min(x1) - margin
                    && r.min().y < y1.max(y0) + margin
                    && r.max().y > y0.min(y1) - margin
            })
        })
        .map(|(name, mp)| {
            json!({"type": "Feature", "properties": {"name": name},
                   "geometry": geojson::Geometry::new(geojson::Value::from(&mp))})
        })
        .collect();
    json!({"type": "FeatureCollection", "features": feats})
}

fn water_collection(results: &PlanResults<'_>) -> Value {
    // Natural Earth 1:10m lakes and coastline near the scenario, in lon/lat
    let b = results.scenario.demand_bbox();
    let f = results.scenario.frame();
    let (x0, y0) = f.to_lonlat(b[0], b[1]);
    let (x1, y1) = f.to_lonlat(b[2], b[3]);
    let margin = 3.0;
    let near = |r: Option<geo::Rect<f64>>| {
        r.is_some_and(|r| {
            r.min().x < x1.max(x0) + margin
                && r.max().x > x0.min(x1) - margin
                && r.min().y < y1.max(y0) + margin
                && r.max().y > y0.min(y1) - margin
        })
    };
    use geo::BoundingRect;
    let (lakes, coast) = crate::map::water_context();
    let mut feats: Vec<Value> = lakes
        .iter()
        .filter(|p| near(p.bounding_rect()))
        .map(|p| {
            json!({"type": "Feature", "properties": {"layer": "lake"},
                   "geometry": geojson::Geometry::new(geojson::Value::from(p))})
        })
        .collect();
    feats.extend(coast.iter().filter(|l| near(l.bounding_rect())).map(|l| {
        json!({"type": "Feature", "properties": {"layer": "coastline"},
               "geometry": geojson::Geometry::new(geojson::Value::from(l))})
    }));
    let (rivers, urban) = crate::map::rivers_urban_context();
    // urban areas first (drawn under the water)
    let urban_feats: Vec<Value> = urban
        .iter()
        .filter(|p| near(p.bounding_rect()))
        .map(|p| {
            json!({"type": "Feature", "properties": {"layer": "urban"},
                   "geometry": geojson::Geometry::new(geojson::Value::from(p))})
        })
        .collect();
    feats.splice(0..0, urban_feats);
    feats.extend(rivers.iter().filter(|l| near(l.bounding_rect())).map(|l| {
        json!({"type": "Feature", "properties": {"layer": "river"},
               "geometry": geojson::Geometry::new(geojson::Value::from(l))})
    }));
    json!({"type": "FeatureCollection", "features": feats})
}

fn pct(x: f64) -> String {
    format!("{:.1}", 100.0 * x)
}

/// The report as one HTML document.
///
/// # Parameters
/// * `input`: the plan, its coverages and the output collections.
///
/// # Returns
/// The page: Leaflet and its stylesheet inlined, the data as JSON in a script element, the
/// tables as HTML.
///
/// # Complexity
/// O(size of the collections).
///
/// # Errors
/// [`Error::Export`] when the data cannot be serialised.
///
/// # Examples
/// ```
/// use skycover::output::{write_plan, OutputOptions, PlanResults};
/// use skycover::placement::{Algorithm, Planner};
/// use skycover::{Coverage, Scenario};
///
/// let scenario = Scenario::builtin("corridor")?;
/// // the scenario's own terrain (GLOBE relief here) for the plan and both evaluations
/// let (demand, before) = Coverage::of_scenario(&scenario)?;
/// let plan = Planner::new(&scenario).algorithm(Algorithm::Greedy).plan()?;
/// let after = Coverage::for_scenario_demand(&scenario, &demand, &plan.sites)?;
/// let dir = std::env::temp_dir().join("skycover-doc-report");
/// let results = PlanResults { scenario: &scenario, plan: &plan, demand: &demand,
///                             before: &before, after: &after };
/// let options = OutputOptions { pictures: false, ..OutputOptions::default() };
/// write_plan(&results, &dir, &options)?;
/// let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
/// assert!(html.contains("L.map(") && !html.contains("https://unpkg"));
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn render(input: &ReportInput<'_>) -> Result<String> {
    let r = input.results;
    let (scenario, plan) = (r.scenario, r.plan);
    let cat = scenario.catalogue();
    let threat_ids: Vec<String> = cat.threats().iter().map(|t| t.id.clone()).collect();
    let layers: Vec<Value> = cat
        .layers()
        .iter()
        .map(|l| {
            json!({"index": l.index, "threat": threat_ids.get(l.threat.0),
                   "altitude_m": l.altitude_m})
        })
        .collect();
    let default_threat = threat_ids.get(input.layer.threat.0).cloned();
    let data = json!({
        "view": {"lon0": scenario.frame().lon0(), "bounds": view_bounds(scenario, &plan.sites)},
        "threats": threat_ids,
        "layers": layers,
        "default_view": format!("threat:{}", default_threat.unwrap_or_default()),
        "countries": country_collection(r),
        "water": water_collection(r),
        "areas": input.areas,
        "lines": input.lines,
        "routes": input.routes,
        "sites": input.sites,
        "footprints": input.footprints,
        "gaps": input.gaps,
        "assets": input.assets,
    });
    let data = script_json(&data)?;

    let e = html_escape;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>skycover: {name}</title>\n<style>\n{css}\n</style>\n<style>{own}</style>\n\
         <!-- Leaflet 1.9.4, BSD-2-Clause:\n{lic}\n-->\n<script>\n{js}\n</script>\n</head>\n\
         <body data-layers-loaded=\"0\" data-features=\"0\" data-selftest=\"pending\">\n",
        name = e(scenario.name()),
        css = LEAFLET_CSS,
        own = OWN_CSS,
        lic = e(LEAFLET_LICENSE).replace("--", "- -"),
        js = LEAFLET_JS.replace("//# sourceMappingURL=leaflet.js.map", ""),
    );
    let _ = write!(
        h,
        "<div id=\"side\"><h1>skycover: {}</h1><p class=\"desc\">{}</p>",
        e(scenario.name()),
        e(scenario.description())
    );
    // controls
    h.push_str("<fieldset><legend>Show</legend><label>threat or layer <select id=\"view\">");
    for t in cat.threats() {
        let _ = write!(
            h,
            "<option value=\"threat:{0}\">{0} (any layer)</option>",
            e(&t.id)
        );
    }
    for l in cat.layers() {
        let t = threat_name(cat, l.threat);
        let _ = write!(
            h,
            "<option value=\"layer:{}\">{} at {:.0} m</option>",
            l.index,
            e(&t),
            l.altitude_m
        );
    }
    h.push_str("</select></label><br>");
    let routes_label = if input.routes.features.is_empty() {
        "threat routes (none: no launch areas)".to_string()
    } else {
        format!(
            "worst threat routes of the shown threat ({} in all)",
            input.routes.features.len()
        )
    };
    for (id, label) in [
        ("context", "countries"),
        ("water", "rivers, lakes, coastline, urban areas"),
        ("areas", "zones and areas"),
        ("lines", "corridors, contact line"),
        ("routes", routes_label.as_str()),
        ("footprints", "footprints"),
        ("gaps", "gaps"),
        ("assets", "assets"),
        ("sites", "sites"),
    ] {
        let _ = write!(
            h,
            "<label><input type=\"checkbox\" data-toggle=\"{id}\" checked> {label}</label> "
        );
    }
    h.push_str("</fieldset>");
    // certificate
    let _ = write!(
        h,
        "<h2>Certificate</h2><table class=\"kv\">\
         <tr><th>algorithm</th><td>{}</td></tr>\
         <tr><th>objective</th><td>{:.1} of {:.1} possible ({} %)</td></tr>\
         <tr><th>before the plan</th><td>{:.1}</td></tr>\
         <tr><th>certified upper bound</th><td>{:.1}</td></tr>\
         <tr><th>gap to the bound</th><td>{:.2} %{}</td></tr>\
         <tr><th>cost</th><td>{:.1}{}</td></tr>\
         <tr><th>seed</th><td>{}</td></tr>\
         <tr><th>candidates × units</th><td>{} × {} ({} non-zeros)</td></tr></table>",
        e(plan.algorithm.name()),
        plan.objective,
        plan.max_objective,
        pct(plan.objective_fraction),
        plan.objective_before,
        plan.upper_bound,
        plan.gap_percent,
        if plan.proven_optimal {
            " (proven optimal)"
        } else {
            ""
        },
        plan.cost,
        plan.budget
            .map(|b| format!(" of budget {b:.1}"))
            .unwrap_or_default(),
        plan.seed,
        plan.n_candidates,
        plan.n_units,
        plan.matrix_nonzeros
    );
    h.push_str("<table><tr><th>class</th><th>existing</th><th>placed</th><th>available</th></tr>");
    // classes the scenario neither fields nor stocks are left out
    for c in plan
        .class_counts
        .iter()
        .filter(|c| c.fixed + c.placed + c.available > 0)
    {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e(&c.class),
            c.fixed,
            c.placed,
            c.available
        );
    }
    h.push_str("</table>");
    // threats
    h.push_str(
        "<h2>Per threat</h2><table id=\"threats\"><tr><th>threat</th><th>covered before %</th>\
         <th>after %</th><th>gap before km²</th><th>after km²</th><th>assets failing before</th>\
         <th>after</th></tr>",
    );
    for (b, a) in r.before.threats().iter().zip(r.after.threats()) {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.0}</td><td>{:.0}</td><td>{}</td><td>{}</td></tr>",
            e(&threat_name(cat, b.threat)),
            pct(b.fraction),
            pct(a.fraction),
            b.gap_area_km2,
            a.gap_area_km2,
            b.assets_failing.len(),
            a.assets_failing.len()
        );
    }
    let _ = write!(
        h,
        "<tr><td><b>overall</b></td><td>{}</td><td>{}</td><td colspan=\"4\">weighted by threat</td></tr></table>",
        pct(r.before.overall().fraction),
        pct(r.after.overall().fraction)
    );
    // assets (no section when the scenario has none)
    if !scenario.assets().is_empty() {
        asset_table(&mut h, r);
    }
    // diagnostics
    let diags: Vec<&Diagnostic> = scenario
        .diagnostics()
        .iter()
        .chain(r.before.diagnostics())
        .chain(r.after.diagnostics())
        .chain(&plan.diagnostics)
        .chain(input.output_diagnostics)
        .collect();
    let _ = write!(
        h,
        "<h2>Diagnostics ({})</h2><ul id=\"diagnostics\">",
        diags.len()
    );
    for d in diags {
        let _ = write!(
            h,
            "<li class=\"{}\"><code>{}</code> {}</li>",
            d.severity,
            e(d.code),
            e(&d.to_string())
        );
    }
    h.push_str("</ul><p class=\"credit\">Country outlines: Natural Earth (public domain). Map: Leaflet (BSD-2-Clause).</p></div>\n<div id=\"map\"></div>\n");
    let _ = write!(
        h,
        "<script>\nconst DATA = {data};\n{js}\n</script>\n</body></html>\n",
        js = OWN_JS
    );
    Ok(h)
}

/// The "Defended assets" section: one row per asset, status before and after.
fn asset_table(h: &mut String, r: &PlanResults<'_>) {
    let e = html_escape;
    let scenario = r.scenario;
    h.push_str(
        "<h2>Defended assets</h2><table id=\"assets\"><tr><th>asset</th><th>category</th>\
         <th>before</th><th>after</th><th>fails after</th></tr>",
    );
    let before = asset_reports(scenario, r.before);
    for a in asset_reports(scenario, r.after) {
        let b = before.iter().find(|x| x.id == a.id);
        let status = |covered: bool, failing: &[String]| {
            if covered {
                "<span class=\"ok\">covered</span>".to_string()
            } else {
                format!("<span class=\"bad\">fails {}</span>", failing.len())
            }
        };
        let _ = write!(
            *h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e(&a.name),
            e(&a.category),
            b.map(|b| status(b.covered, &b.failing_threats))
                .unwrap_or_default(),
            status(a.covered, &a.failing_threats),
            e(&a.failing_threats.join(", "))
        );
    }
    h.push_str("</table>");
}

fn threat_name(cat: &crate::catalogue::Catalogue, t: ThreatId) -> String {
    cat.threats()
        .get(t.0)
        .map(|x| x.id.clone())
        .unwrap_or_default()
}

const OWN_CSS: &str = r#"
html, body { margin: 0; height: 100%; font: 13px/1.35 sans-serif; }
#side { position: absolute; left: 0; top: 0; bottom: 0; width: 430px; overflow: auto;
        padding: 8px 12px; box-sizing: border-box; border-right: 1px solid #bbb; background: #fafafa; }
#map { position: absolute; left: 430px; right: 0; top: 0; bottom: 0; background: #eceef0; }
h1 { font-size: 17px; margin: 4px 0; } h2 { font-size: 14px; margin: 12px 0 4px; }
.desc { color: #555; margin: 2px 0 8px; }
table { border-collapse: collapse; width: 100%; margin: 4px 0; }
th, td { border-bottom: 1px solid #ddd; padding: 2px 4px; text-align: left; vertical-align: top; }
table.kv th { width: 40%; font-weight: normal; color: #555; }
fieldset { border: 1px solid #ccc; } label { white-space: nowrap; }
.ok { color: #1e963c; } .bad { color: #c8141e; font-weight: bold; }
li.warning { color: #9a6b00; } li.error { color: #c8141e; }
.credit { color: #777; font-size: 11px; }
.lbl { background: rgba(255,255,255,0.85); border: 0; box-shadow: none; font-size: 11px; }
"#;

const OWN_JS: &str = r#"
(function () {
  const TIER = {upper: '#2e59b2', medium: '#008c78', point: '#dc8200'};
  const map = L.map('map', {preferCanvas: false, zoomSnap: 0.25});
  const groups = {};
  let nFeatures = 0;
  // longitudes drawn within 180° of the plan's centre (the files keep RFC 7946's [-180, 180]
  // and cut at ±180): a plan across the antimeridian is drawn in one piece
  const LON0 = DATA.view.lon0;
  const unwrap = lon => lon - 360 * Math.round((lon - LON0) / 360);
  function geo(d, o) {
    return L.geoJSON(d, Object.assign({coordsToLatLng: c => L.latLng(c[1], unwrap(c[0]))}, o));
  }
  function esc(s) { return String(s).replace(/[&<>"']/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c])); }
  function props(p) {
    return '<table>' + Object.keys(p).map(k => '<tr><th>' + esc(k) + '</th><td>' +
      esc(typeof p[k] === 'object' ? JSON.stringify(p[k]) : p[k]) + '</td></tr>').join('') + '</table>';
  }
  function add(name, layer) { groups[name] = layer; layer.addTo(map); }
  function count(fc) { nFeatures += (fc.features || []).length; return fc; }
  add('context', geo(count(DATA.countries), {style: f => ({color: '#969696', weight: 1,
    fillColor: f.properties.name === 'Ukraine' ? '#faf8f0' : '#e0ded8', fillOpacity: 1})}));
  add('water', geo(count(DATA.water), {interactive: false, style: f =>
    f.properties.layer === 'lake' ? {color: '#5a8cc3', weight: 1, fillColor: '#b0d0ec', fillOpacity: 1}
    : f.properties.layer === 'urban' ? {stroke: false, fillColor: '#d6d0c8', fillOpacity: 1}
    : f.properties.layer === 'river' ? {color: '#4682c8', weight: 2, fill: false}
                                  : {color: '#3c6eaf', weight: 1.2, fill: false}}));
  add('areas', geo(count(DATA.areas), {style: f => {
      const k = f.properties.kind;
      if (k === 'exclusion') return {color: '#5a5a5a', weight: 1, fillColor: '#787878', fillOpacity: 0.25};
      if (k === 'candidate_area') return {color: '#3c8c3c', weight: 1, dashArray: '4 3', fillOpacity: 0.03};
      return {color: '#283c8c', weight: 2, fillColor: '#5a78c8', fillOpacity: 0.10};
    }, onEachFeature: (f, l) => l.bindPopup(props(f.properties))}));
  add('lines', geo(count(DATA.lines), {style: f => f.properties.kind === 'contact_line'
      ? {color: '#a00000', weight: 3} : {color: '#8c50a0', weight: 4, opacity: 0.6},
    onEachFeature: (f, l) => l.bindPopup(props(f.properties))}));
  count(DATA.footprints); count(DATA.gaps); count(DATA.routes);
  const rp = L.layerGroup(), fp = L.layerGroup(), gp = L.layerGroup();
  add('routes', rp); add('footprints', fp); add('gaps', gp);
  function routePopup(p) {
    const f = x => (x === null || x === undefined) ? 'never' : Number(x).toFixed(0) + ' s';
    return '<b>' + esc(p.threat) + ' at ' + esc(p.altitude_m) + ' m → ' + esc(p.asset) + '</b><br>from ' +
      esc(p.source_id) + ' (' + esc(p.source) + ', worst ' + esc((p.worst || []).join(', ')) + ')' +
      '<table><tr><th>time to impact</th><td>' + f(p.time_to_impact_s) + '</td></tr>' +
      '<tr><th>first detection</th><td>' + f(p.first_detection_s) + '</td></tr>' +
      '<tr><th>warning</th><td>' + f(p.warning_time_s) + '</td></tr>' +
      '<tr><th>engagement opportunities</th><td>' + esc(p.engagement_opportunities) + '</td></tr>' +
      '<tr><th>kill probability</th><td>' + Number(p.kill_probability).toFixed(3) + '</td></tr>' +
      '<tr><th>netting</th><td>' + esc(p.netting) + '</td></tr></table>';
  }
  function tierOf(siteId) {
    const s = DATA.sites.features.find(f => f.properties.site_id === siteId);
    return s ? s.properties.tier : 'medium';
  }
  function showView(v) {
    const [kind, key] = v.split(':');
    let layerIdx;
    if (kind === 'threat') {
      const ls = DATA.layers.filter(l => l.threat === key).sort((a, b) => a.altitude_m - b.altitude_m);
      layerIdx = ls.length ? ls[0].index : -1;
    } else { layerIdx = Number(key); }
    fp.clearLayers(); gp.clearLayers(); rp.clearLayers();
    const threatKey = kind === 'threat' ? key : ((DATA.layers.find(l => l.index === layerIdx) || {}).threat);
    const routes = DATA.routes.features.filter(f => f.properties.threat === threatKey);
    geo({type: 'FeatureCollection', features: routes}, {style: f => ({
        color: f.properties.kill_probability < 0.5 ? '#b4141e' : '#3c3c3c', weight: 2,
        opacity: 0.85, dashArray: f.properties.source === 'least_exposure' ? '6 4' : null}),
      onEachFeature: (f, l) => l.bindPopup(routePopup(f.properties))}).addTo(rp);
    document.body.dataset.routesShown = String(routes.length);
    const fps = DATA.footprints.features.filter(f => f.properties.layer === layerIdx);
    geo({type: 'FeatureCollection', features: fps}, {style: f => {
        const c = TIER[tierOf(f.properties.site_id)] || '#2e59b2';
        return {color: c, weight: 1, opacity: 0.8, fillColor: c, fillOpacity: 0.08};
      }, onEachFeature: (f, l) => l.bindPopup(props(f.properties))}).addTo(fp);
    const gaps = DATA.gaps.features.filter(f => kind === 'threat'
      ? (f.properties.scope === 'threat' && f.properties.threat === key)
      : (f.properties.scope === 'layer' && f.properties.layer === layerIdx));
    geo({type: 'FeatureCollection', features: gaps}, {style: () => ({color: '#dc1e1e',
      weight: 0, fillColor: '#dc1e1e', fillOpacity: 0.35}),
      onEachFeature: (f, l) => l.bindPopup(props(f.properties))}).addTo(gp);
    document.body.dataset.view = v;
    document.body.dataset.footprintsShown = String(fps.length);
    document.body.dataset.gapsShown = String(gaps.length);
  }
  add('assets', geo(count(DATA.assets), {pointToLayer: (f, ll) => {
      const p = f.properties;
      const colour = p.covered ? '#1e963c' : (p.failing_threats.length ? '#c8141e' : '#ebaf00');
      const m = L.circleMarker(ll, {radius: 6, color: '#000', weight: 1, fillColor: colour, fillOpacity: 1});
      const fails = p.failing_threats.length ? '<br><span class="bad">fails ' + esc(p.failing_threats.join(', ')) + '</span>' : '';
      m.bindTooltip(esc(p.name) + fails, {className: 'lbl'});
      m.bindPopup('<b>' + esc(p.name) + '</b>' + fails + props(p));
      return m;
    }}));
  add('sites', geo(count(DATA.sites), {pointToLayer: (f, ll) => {
      const p = f.properties;
      const m = L.circleMarker(ll, {radius: p.tier === 'upper' ? 8 : p.tier === 'medium' ? 6 : 4,
        color: p.fixed ? '#000' : '#fff', weight: p.fixed ? 2 : 1, fillColor: TIER[p.tier] || '#555', fillOpacity: 1});
      m.bindPopup('<b>' + esc(p.site_id) + '</b>' + props(p));
      return m;
    }}));
  const sel = document.getElementById('view');
  sel.value = DATA.default_view;
  sel.addEventListener('change', () => showView(sel.value));
  showView(sel.value);
  document.querySelectorAll('input[data-toggle]').forEach(cb => cb.addEventListener('change', () => {
    const g = groups[cb.dataset.toggle];
    if (cb.checked) g.addTo(map); else map.removeLayer(g);
  }));
  // the plan's box (computed with the same unwrapping): never the whole world, never inverted
  map.fitBounds(DATA.view.bounds);
  L.control.scale({imperial: false}).addTo(map);
  document.body.dataset.layersLoaded = String(Object.keys(groups).filter(k => map.hasLayer(groups[k])).length);
  document.body.dataset.features = String(nFeatures);
  // self-test: a toggle removes and restores its group; the view selector changes the layers
  try {
    const cb = document.querySelector('input[data-toggle="sites"]');
    cb.checked = false; cb.dispatchEvent(new Event('change'));
    const off = !map.hasLayer(groups.sites);
    cb.checked = true; cb.dispatchEvent(new Event('change'));
    const on = map.hasLayer(groups.sites);
    const first = sel.value, other = Array.from(sel.options).map(o => o.value).find(v => v !== first);
    let viewOk = true;
    if (other) {
      sel.value = other; sel.dispatchEvent(new Event('change'));
      viewOk = document.body.dataset.view === other;
      sel.value = first; sel.dispatchEvent(new Event('change'));
      viewOk = viewOk && document.body.dataset.view === first;
    }
    document.body.dataset.selftest = (off && on && viewOk) ? 'ok' : ('fail:' + [off, on, viewOk].join(','));
  } catch (e) { document.body.dataset.selftest = 'error:' + e; }
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Catalogue, Scenario};

    /// A zone and two sites across the antimeridian at 10° N.
    fn dateline() -> Scenario {
        let v = json!({"type": "FeatureCollection",
        "skycover": {"name": "dateline", "grid_resolution_m": 2000},
        "features": [
            {"type": "Feature", "id": "z1", "properties": {"kind": "zone"},
             "geometry": {"type": "Polygon", "coordinates": [[[179.7, 10.0], [-179.7, 10.0], [-179.7, 10.4], [179.7, 10.4], [179.7, 10.0]]]}},
            {"type": "Feature", "id": "s1", "properties": {"kind": "site", "class": "medium_range"},
             "geometry": {"type": "Point", "coordinates": [179.98, 10.15]}},
            {"type": "Feature", "id": "s2", "properties": {"kind": "site", "class": "medium_range"},
             "geometry": {"type": "Point", "coordinates": [-179.98, 10.25]}}
        ]});
        Scenario::from_geojson_str(&v.to_string(), Catalogue::builtin()).unwrap()
    }

    #[test]
    fn view_of_a_plan_across_the_antimeridian_is_narrow_and_not_inverted() {
        let s = dateline();
        let [[south, west], [north, east]] = view_bounds(&s, s.sites());
        assert!(west < 180.0 && 180.0 < east, "{west} .. {east}");
        assert!(east - west < 1.0, "{west} .. {east}: fits the whole world");
        assert!(
            west <= 179.7 && east >= 180.3,
            "{west} .. {east}: zone cut off"
        );
        assert!(south < 10.0 && north > 10.4 && north - south < 1.0);
        // and an ordinary scenario: the box of its zones, padded
        let k = Scenario::builtin("kyiv").unwrap();
        let [[s0, w0], [n0, e0]] = view_bounds(&k, k.sites());
        for z in k.zones() {
            for c in z.lonlat.0.iter().flat_map(|p| &p.exterior().0) {
                assert!(w0 < c.x && c.x < e0 && s0 < c.y && c.y < n0, "{c:?}");
            }
        }
        assert!(e0 - w0 < 10.0 && w0 < e0);
    }

    #[test]
    fn no_asset_section_without_assets() {
        use crate::output::{write_plan, OutputOptions};
        use crate::placement::{Algorithm, Planner};
        use crate::Coverage;
        let s = dateline();
        assert!(s.assets().is_empty());
        let (demand, before) = Coverage::of_scenario(&s).unwrap();
        let plan = Planner::new(&s)
            .algorithm(Algorithm::Greedy)
            .plan()
            .unwrap();
        let after = Coverage::for_scenario_demand(&s, &demand, &plan.sites).unwrap();
        let results = PlanResults {
            scenario: &s,
            plan: &plan,
            demand: &demand,
            before: &before,
            after: &after,
        };
        let dir = std::env::temp_dir().join("skycover-test-report-no-assets");
        let options = OutputOptions {
            pictures: false,
            ..OutputOptions::default()
        };
        write_plan(&results, &dir, &options).unwrap();
        let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
        assert!(html.contains("<h2>"), "no sections at all");
        assert!(!html.contains("Defended assets"), "empty asset section");
        assert!(!html.contains("<table id=\"assets\">"));
    }

    #[test]
    fn the_page_draws_with_the_unwrapped_view() {
        assert!(OWN_JS.contains("map.fitBounds(DATA.view.bounds)"));
        assert!(!OWN_JS.contains("L.geoJSON(count") && !OWN_JS.contains("groups.areas.getBounds"));
    }

    #[test]
    fn escaping_closes_no_element() {
        assert_eq!(html_escape("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
        let v = json!({"name": "</script><script>alert(1)</script>"});
        let s = script_json(&v).unwrap();
        assert!(!s.contains("</script"));
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }
}
