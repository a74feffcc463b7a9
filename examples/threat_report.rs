//! Threat-based evaluation of a sample map: routes from the notional launch areas to every
//! defended asset, and per asset and threat the worst warning time, engagement opportunities
//! and kill probability, with and without sensor netting.
//!
//! ```text
//! cargo run --release --example threat_report -- [kyiv|odesa|corridor|theatre|path.geojson]
//!     [--netting on|off|both] [--straight-only] [--cell-m 2000] [--max-cells 250000]
//!     [--geojson out.geojson]
//! ```
//!
//! The launch areas in the sample maps are notional (illustrative, not intelligence).
use skycover::route::ExposureOptions;
use skycover::threat_export::route_features;
use skycover::threat_report::{threat_report, ReportOptions, ThreatReport};
use skycover::{Coverage, Scenario};
use std::time::Instant;

mod common;

const SPEC: common::Spec<'static> = common::Spec {
    usage: "usage: threat_report [kyiv|odesa|corridor|theatre|scenario.geojson] [--netting on|off|both] [--straight-only] [--real-classes] [--cell-m 2000] [--max-cells 250000] [--geojson out.geojson]",
    valued: &["--netting", "--geojson", "--cell-m", "--max-cells"],
    switches: &["--straight-only", "--real-classes"],
    positional: 1,
};

fn table(s: &Scenario, r: &ThreatReport) -> skycover::Result<()> {
    let cat = s.catalogue();
    println!(
        "\nnetting {}: {} routes evaluated",
        if r.netting { "ON" } else { "OFF" },
        r.routes.len()
    );
    println!(
        "{:<26} {:<18} {:>6} {:>9} {:>9} {:>5} {:>6}  contributions on the worst-Pk route",
        "asset", "threat", "routes", "warn s", "cue s", "opps", "Pk"
    );
    for a in &r.summary {
        let contrib: Vec<String> = a
            .contributions
            .iter()
            .map(|c| {
                Ok(format!(
                    "{} x{} ({} eng, Pk {:.2})",
                    cat.try_class(c.class, "class")?.id,
                    c.sites,
                    c.engagements,
                    c.kill_probability
                ))
            })
            .collect::<skycover::Result<_>>()?;
        let wr = &r.routes[a.worst_kill_route];
        println!(
            "{:<26} {:<18} {:>6} {:>9.0} {:>9.0} {:>5} {:>6.3}  [{} {} @{} m] {}",
            s.assets()[a.asset].id,
            cat.try_threat(a.threat, "threat")?.id,
            a.routes,
            a.worst_warning_s,
            a.worst_cue_warning_s,
            a.worst_opportunities,
            a.worst_kill_probability,
            wr.source_id,
            match wr.source {
                skycover::threat_report::RouteSource::Straight => "straight",
                skycover::threat_report::RouteSource::LeastExposure => "least-exposure",
                skycover::threat_report::RouteSource::Given => "given",
            },
            wr.timeline.altitude_m,
            if contrib.is_empty() {
                "none".to_string()
            } else {
                contrib.join(", ")
            }
        );
    }
    for d in &r.diagnostics {
        println!("  {d}");
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    common::exit_code(run())
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = common::args(&SPEC);
    let mut name = "kyiv".to_string();
    let mut netting = "both".to_string();
    let mut straight_only = false;
    let mut real_classes = false;
    let mut geojson = None;
    let mut exposure = ExposureOptions {
        max_cells: 250_000,
        ..ExposureOptions::default()
    };
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--netting" => {
                i += 1;
                netting = args.get(i).cloned().unwrap_or_default();
                if !["on", "off", "both"].contains(&netting.as_str()) {
                    return Err(format!("--netting takes on, off or both, not {netting:?}").into());
                }
            }
            "--straight-only" => straight_only = true,
            "--real-classes" => real_classes = true,
            "--geojson" => {
                i += 1;
                geojson = args.get(i).cloned();
            }
            "--cell-m" => {
                i += 1;
                exposure.cell_m = common::value(&args, "--cell-m", 2_000.0)?;
            }
            "--max-cells" => {
                i += 1;
                exposure.max_cells = common::value(&args, "--max-cells", 250_000)?;
            }
            other => name = other.to_string(),
        }
        i += 1;
    }
    let mut scenario = Scenario::load(&name)?;
    if real_classes {
        // the abstract existing sites as named nominal classes, whose sensors differ from
        // their weapons (this is where netting matters)
        let cat = scenario.catalogue().clone();
        let map = [
            ("patriot_class", "patriot_pac3_mse"),
            ("medium_range", "iris_t_slm"),
            ("counter_uas", "gepard"),
        ];
        let mut sites = scenario.sites().to_vec();
        for s in &mut sites {
            let id = cat.try_class(s.class, "class")?.id.clone();
            if let Some((_, to)) = map.iter().find(|(from, _)| *from == id) {
                s.class = cat.class_id(to)?;
            }
        }
        scenario.set_sites(sites)?;
        println!("existing sites mapped to patriot_pac3_mse / iris_t_slm / gepard");
    }
    // terrain: the scenario's own (loaded with it; flat only when it names none)
    let terrain = scenario.terrain().clone();
    println!("{}", scenario.terrain_summary());
    println!(
        "{}: {} assets, {} launch areas, {} known routes, {} sites, terrain {}",
        scenario.name(),
        scenario.assets().len(),
        scenario.threat_setup().launch_areas.len(),
        scenario.threat_setup().routes.len(),
        scenario.sites().len(),
        if terrain.is_flat() { "flat" } else { "DEM" }
    );
    let modes: Vec<bool> = match netting.as_str() {
        "on" => vec![true],
        "off" => vec![false],
        _ => vec![false, true],
    };
    // coverage with and without netting on the low layers (demand grid at 2 km), by the main
    // evaluation: the same answer as `evaluate --netting off|on`
    {
        let mut s2 = scenario.clone();
        s2.settings_mut().grid_resolution_m = s2.settings().grid_resolution_m.max(2_000.0);
        let demand = skycover::Demand::from_scenario(&s2)?;
        let own = Coverage::for_scenario_demand_netting(&s2, &demand, s2.sites(), false)?;
        let net = Coverage::for_scenario_demand_netting(&s2, &demand, s2.sites(), true)?;
        let w = demand.weights();
        let total: f64 = w.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        let covered = |c: &Coverage, l: usize| {
            c.depths()
                .layer(l)
                .iter()
                .zip(w)
                .filter(|(d, _)| **d > 0)
                .map(|(_, w)| w)
                .sum::<f64>()
                / total
        };
        println!("\ncoverage (depth ≥ 1, weighted) own sensor → netted, layers ≤ 500 m:");
        for l in s2
            .catalogue()
            .layers()
            .iter()
            .filter(|l| l.altitude_m <= 500.0)
        {
            println!(
                "  {:<18} {:>5} m  {:>5.1} % → {:>5.1} %",
                s2.catalogue().try_threat(l.threat, "threat")?.id,
                l.altitude_m,
                100.0 * covered(&own, l.index),
                100.0 * covered(&net, l.index)
            );
        }
    }
    let mut features = Vec::new();
    let mut last = None;
    for net in modes {
        let opts = ReportOptions {
            netting: Some(net),
            least_exposure: !straight_only,
            exposure: exposure.clone(),
        };
        let t0 = Instant::now();
        let r = threat_report(&scenario, scenario.sites(), &terrain, &opts)?;
        table(&scenario, &r)?;
        println!("  ({:.2} s)", t0.elapsed().as_secs_f64());
        features.extend(route_features(&scenario, &r, true));
        last = Some(r);
    }
    if let Some(path) = &geojson {
        // the map with the worst routes of the last report, next to the GeoJSON
        if let Some(r) = &last {
            let content = skycover::map::MapContent::from_scenario(&scenario)
                .with_threat_routes(r)
                .with_subtitle(format!(
                    "worst threat routes per asset (netting {})",
                    if r.netting { "on" } else { "off" }
                ));
            let svg = std::path::Path::new(path).with_extension("svg");
            skycover::map::render_svg(&content, &svg, (1400, 1100))?;
            println!("wrote {}", svg.display());
        }
    }
    if let Some(path) = geojson {
        let mut all = skycover::export::scenario_features(&scenario);
        all.extend(features);
        skycover::export::write_geojson(&path, &skycover::export::collection(all))?;
        println!("wrote {path}");
    }
    Ok(())
}
