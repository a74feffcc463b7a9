//! Gap report: per threat, the gap area and its largest gap polygons (worst first), and the
//! defended assets at risk (highest value short of its required depth first).
//!
//! ```text
//! cargo run --release --example gap_report                 # Kyiv, existing sites
//! cargo run --release --example gap_report -- odesa        # or corridor, theatre, or a path
//! cargo run --release --example gap_report -- kyiv --geojson out/kyiv/gaps.geojson
//! cargo run --release --example gap_report -- odesa --flat   # ignore the scenario's terrain
//! cargo run --release --example gap_report -- kyiv --netting on  # shared air picture
//! ```
//!
//! `--netting on|off` overrides the scenario's `netting` setting.
//!
//! Coverage is masked by line of sight over the scenario's own terrain, as in `evaluate` and
//! `plan`.

use geo::{Area, Centroid};
use skycover::export::{collection, gap_features, write_geojson};
use skycover::gaps::GapMap;
use skycover::{Coverage, Scenario};
use std::process::ExitCode;

mod common;

const SPEC: common::Spec<'static> = common::Spec {
    usage: "usage: gap_report [kyiv|odesa|corridor|theatre|scenario.geojson] [--geojson out.geojson] [--flat] [--netting on|off]",
    valued: &["--geojson", "--netting"],
    switches: &["--flat"],
    positional: 1,
};

fn load(arg: Option<&str>) -> skycover::Result<Scenario> {
    match arg {
        None => Scenario::builtin("kyiv"),
        // a built-in map by name (case-insensitive) or a file; unknown names list the maps
        Some(name) => Scenario::load(name),
    }
}

fn run() -> skycover::Result<()> {
    let args = common::args(&SPEC);
    let geojson_at = args.iter().position(|a| a == "--geojson");
    let netting_at = args.iter().position(|a| a == "--netting");
    let positional = args
        .iter()
        .enumerate()
        .find(|(i, a)| {
            !a.starts_with("--")
                && geojson_at.map_or(true, |g| *i != g + 1)
                && netting_at.map_or(true, |g| *i != g + 1)
        })
        .map(|(_, a)| a.as_str());
    let geojson_out = args
        .iter()
        .position(|a| a == "--geojson")
        .and_then(|i| args.get(i + 1));
    let mut scenario = load(positional)?;
    if args.iter().any(|a| a == "--flat") {
        scenario = scenario.without_terrain();
    }
    // --netting on|off overrides the scenario's `netting` setting
    if let Some(i) = netting_at {
        scenario.threat_setup_mut().netting = match args.get(i + 1).map(String::as_str) {
            Some("on") => true,
            Some("off") => false,
            other => {
                return Err(skycover::Error::InvalidInput {
                    what: "--netting".into(),
                    reason: format!("takes on or off, not {other:?}"),
                })
            }
        };
    }
    let cat = scenario.catalogue();
    let (demand, coverage) = Coverage::of_scenario(&scenario)?;
    let gaps = GapMap::new(&coverage, &demand, scenario.frame())?;
    let zone_km2: f64 = scenario.zones().iter().map(|z| z.area_km2()).sum();
    println!(
        "Gap report: {} ({} existing sites, {:.0} km² of zones)",
        scenario.name(),
        scenario.sites().len(),
        zone_km2
    );
    println!("  {}", scenario.terrain_summary());
    for d in scenario.diagnostics().iter().chain(coverage.diagnostics()) {
        println!("  {d}");
    }

    // threats, worst first by gap area
    let mut threats: Vec<_> = gaps.threats().iter().collect();
    threats.sort_by(|a, b| b.area_km2.total_cmp(&a.area_km2));
    for g in threats {
        let t = cat.try_threat(g.threat, "threat")?;
        let tc = coverage.threat(g.threat);
        println!(
            "\n{}: {:.0} km² uncovered ({:.1} % of the zones), {} gap polygon(s); covered {:.1} %",
            t.id,
            g.area_km2,
            if zone_km2 > 0.0 {
                100.0 * g.area_km2 / zone_km2
            } else {
                0.0
            },
            g.local.0.len(),
            tc.map(|c| 100.0 * c.fraction).unwrap_or(0.0)
        );
        let mut polys: Vec<_> = g.local.0.iter().zip(&g.lonlat.0).collect();
        polys.sort_by(|a, b| b.0.unsigned_area().total_cmp(&a.0.unsigned_area()));
        for (local, ll) in polys.iter().take(5) {
            let c = ll.centroid().map(|p| (p.x(), p.y())).unwrap_or((0.0, 0.0));
            println!(
                "    {:>8.1} km² around {:.3}°E {:.3}°N",
                local.unsigned_area() / 1e6,
                c.0,
                c.1
            );
        }
        if polys.len() > 5 {
            println!("    ... and {} smaller", polys.len() - 5);
        }
    }

    // assets at risk, highest value first
    let mut at_risk: Vec<_> = coverage
        .assets()
        .iter()
        .filter(|a| !a.is_covered())
        .collect();
    at_risk.sort_by(|a, b| {
        let va = scenario.assets()[a.asset].value;
        let vb = scenario.assets()[b.asset].value;
        vb.total_cmp(&va).then(a.asset.cmp(&b.asset))
    });
    println!(
        "\nAssets at risk ({} of {}), highest value first:",
        at_risk.len(),
        coverage.assets().len()
    );
    for st in at_risk {
        let a = &scenario.assets()[st.asset];
        let short: Vec<String> = cat
            .threats()
            .iter()
            .enumerate()
            .filter(|(ti, _)| st.depth[*ti] < st.required[*ti])
            .map(|(ti, t)| format!("{} {}/{}", t.id, st.depth[ti], st.required[ti]))
            .collect();
        println!(
            "  {:>4.1}  {:<40} {}",
            a.value,
            a.name.chars().take(40).collect::<String>(),
            short.join(", ")
        );
    }
    if let Some(path) = geojson_out {
        write_geojson(path, &collection(gap_features(&scenario, &gaps)))?;
        println!("\nwrote {path}");
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
