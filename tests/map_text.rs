//! Map text that fits: at the overview's panel size (900 × 700 of `overview.png`) no legend
//! entry runs off the picture (the gap label lost its km² figure) and the subtitle does not
//! run into the legend column.

use skycover::map::{svg_string, MapContent};
use skycover::placement::{Algorithm, Planner};
use skycover::{Coverage, Scenario};

/// Every `<text>` of an SVG: (x, font size, content).
fn texts(svg: &str) -> Vec<(f64, f64, String)> {
    let attr = |tag: &str, name: &str| -> Option<f64> {
        let i = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        tag[i..]
            .split('"')
            .next()?
            .trim_end_matches("px")
            .parse()
            .ok()
    };
    let mut out = Vec::new();
    for part in svg.split("<text").skip(1) {
        let Some(end) = part.find('>') else { continue };
        let tag = &part[..end];
        let content = part[end + 1..].split("</text>").next().unwrap_or("");
        let content = content
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">");
        if let (Some(x), Some(size)) = (attr(tag, "x"), attr(tag, "font-size")) {
            out.push((x, size, content));
        }
    }
    out
}

#[test]
fn legend_and_subtitle_fit_the_overview_panel() {
    let mut s = Scenario::builtin("kyiv").unwrap().without_terrain();
    s.settings_mut().grid_resolution_m = 3_000.0;
    s.settings_mut().candidate_spacing_m = 8_000.0;
    let (demand, before) = Coverage::of_scenario(&s).unwrap();
    let plan = Planner::new(&s)
        .algorithm(Algorithm::Greedy)
        .plan()
        .unwrap();
    let after = Coverage::for_scenario_demand(&s, &demand, &plan.sites).unwrap();
    let (w, h) = (900u32, 700u32);
    let legend_x = f64::from(w) - (f64::from(w) * 0.26).floor();
    for layer in s.catalogue().layers() {
        let m = MapContent::for_plan(&s, &plan, &before, &after, &demand, layer).unwrap();
        let svg = svg_string(&m, (w, h)).unwrap();
        let all = texts(&svg);
        assert!(all.iter().any(|t| t.2.contains("Legend")), "no text parsed");
        // the gap label carries its area; wrapped or not, the figure is drawn
        if !m.gaps.is_empty() {
            assert!(
                all.iter().any(|t| t.2.contains("km²")),
                "gap area missing from the legend"
            );
        }
        for (x, size, text) in &all {
            // DejaVu Sans averages about 0.55 em a character; 0.5 em is a lenient estimate
            let right = x + 0.5 * size * text.chars().count() as f64;
            let limit = if *x < legend_x {
                legend_x
            } else {
                f64::from(w)
            };
            assert!(
                right <= limit + 1.0,
                "layer {:?}: {text:?} at x {x} (size {size}) runs to {right:.0} px, past {limit}",
                layer.index
            );
        }
    }
}
