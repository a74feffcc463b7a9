//! Evaluates a scenario's existing sites: coverage per threat (weighted fraction, depth-aware
//! score, gap area, assets failing), overall figures, and every defended asset's status.
//!
//! ```text
//! cargo run --release --example evaluate                               # the built-in Kyiv map
//! cargo run --release --example evaluate -- path/to/scenario.geojson   # a scenario file
//! cargo run --release --example evaluate -- odesa --flat               # ignore the terrain
//! cargo run --release --example evaluate -- kyiv --netting on          # shared air picture
//! ```
//!
//! `--netting on|off` overrides the scenario's `netting` setting (sensor netting: a weapon
//! engages inside its kinematic envelope what any sensor tracks).
//!
//! Coverage is masked by line of sight over the scenario's own terrain
//! ([`Scenario::terrain`]), as `gap_report` and `plan` do: the three agree.

use skycover::gaps::GapMap;
use skycover::{Coverage, Demand, Scenario};
use std::process::ExitCode;
use std::time::Instant;

mod common;

const SPEC: common::Spec<'static> = common::Spec {
    usage:
        "usage: evaluate [kyiv|odesa|corridor|theatre|scenario.geojson] [--flat] [--netting on|off]",
    valued: &["--netting"],
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

fn run(scenario: &Scenario) -> skycover::Result<()> {
    let cat = scenario.catalogue();
    let t0 = Instant::now();
    let demand = Demand::from_scenario(scenario)?;
    let t1 = Instant::now();
    let coverage = Coverage::for_scenario_demand(scenario, &demand, scenario.sites())?;
    let t2 = Instant::now();
    let gaps = GapMap::new(&coverage, &demand, scenario.frame())?;
    let t3 = Instant::now();

    println!("Scenario: {}", scenario.name());
    println!("  {}", scenario.terrain_summary());
    println!(
        "  sensor netting {}",
        if coverage.is_netted() { "on" } else { "off" }
    );
    for d in scenario.diagnostics().iter().chain(coverage.diagnostics()) {
        println!("  {d}");
    }
    println!(
        "  {} zone cells of {} m, {} point samples (assets, corridors); {} existing sites",
        demand.grid_samples(),
        demand.grid().cell_m,
        demand.point_samples(),
        scenario.sites().len()
    );
    for s in scenario.sites() {
        let (lon, lat) = scenario.frame().to_lonlat(s.position[0], s.position[1]);
        let class = cat.try_class(s.class, "class")?;
        let facing = if class.is_all_round() {
            "all-round".to_string()
        } else {
            format!("facing {:.0}°", s.facing_deg)
        };
        println!(
            "    {:<14} {:<14} {:>8.4}°E {:>8.4}°N  {}",
            s.id.as_deref().unwrap_or("-"),
            class.id,
            lon,
            lat,
            facing
        );
    }
    println!(
        "  demand {:.1} ms, evaluation {:.1} ms, gap map {:.1} ms",
        (t1 - t0).as_secs_f64() * 1e3,
        (t2 - t1).as_secs_f64() * 1e3,
        (t3 - t2).as_secs_f64() * 1e3
    );

    println!();
    println!(
        "{:<20} {:>10} {:>8} {:>12} {:>9}  assets failing",
        "threat", "covered %", "score %", "gap km²", "gap polys"
    );
    for (t, g) in coverage.threats().iter().zip(gaps.threats()) {
        let names: Vec<&str> = t
            .assets_failing
            .iter()
            .map(|&a| scenario.assets()[a].id.as_str())
            .collect();
        println!(
            "{:<20} {:>10.1} {:>8.1} {:>12.1} {:>9}  {}{}",
            cat.try_threat(t.threat, "threat")?.id,
            100.0 * t.fraction,
            100.0 * t.score,
            t.gap_area_km2,
            g.local.0.len(),
            names.len(),
            if names.is_empty() {
                String::new()
            } else {
                format!(" ({})", names.join(", "))
            }
        );
    }
    let o = coverage.overall();
    println!(
        "{:<20} {:>10.1} {:>8.1}   (threats weighted by the catalogue)",
        "overall",
        100.0 * o.fraction,
        100.0 * o.score
    );

    if coverage.assets().is_empty() {
        return Ok(());
    }
    println!();
    println!("Assets: depth / required per threat (! = below)");
    let w = scenario
        .assets()
        .iter()
        .map(|a| a.id.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    print!("{:<w$}", "asset");
    for t in cat.threats() {
        print!(" {:>w2$}", t.id, w2 = t.id.len().max(5) + 2);
    }
    println!("  status");
    for a in coverage.assets() {
        print!("{:<w$}", scenario.assets()[a.asset].id);
        for ((d, r), t) in a.depth.iter().zip(&a.required).zip(cat.threats()) {
            let mark = if d < r { " !" } else { "  " };
            print!(" {:>w2$}{mark}", format!("{d}/{r}"), w2 = t.id.len().max(5));
        }
        if a.is_covered() {
            println!("  ok");
        } else {
            let failing: Vec<String> = a
                .failing_layers
                .iter()
                .map(|&l| {
                    let layer = &cat.layers()[l];
                    let t = cat.try_threat(layer.threat, "threat")?;
                    Ok(format!("{}@{}m", t.id, layer.altitude_m))
                })
                .collect::<skycover::Result<_>>()?;
            println!("  fails {}", failing.join(", "));
        }
    }
    Ok(())
}

/// `--netting on|off`: `Some(true|false)`; absent: `None` (the scenario's setting).
fn netting_arg(args: &[String]) -> Result<Option<bool>, String> {
    let Some(i) = args.iter().position(|a| a == "--netting") else {
        return Ok(None);
    };
    match args.get(i + 1).map(String::as_str) {
        Some("on") => Ok(Some(true)),
        Some("off") => Ok(Some(false)),
        other => Err(format!("--netting takes on or off, not {other:?}")),
    }
}

fn main() -> ExitCode {
    let args = common::args(&SPEC);
    let flat = args.iter().any(|a| a == "--flat");
    let netting = match netting_arg(&args) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let arg = args
        .iter()
        .enumerate()
        .find(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--netting"))
        .map(|(_, a)| a);
    let result = load(arg.map(String::as_str))
        .map(|s| if flat { s.without_terrain() } else { s })
        .map(|mut s| {
            if let Some(n) = netting {
                s.threat_setup_mut().netting = n;
            }
            s
        })
        .and_then(|s| run(&s));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
