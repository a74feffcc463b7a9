//! How much terrain masking costs a scenario's existing sites: coverage per threat on flat
//! ground and over the scenario's terrain, side by side.
//!
//! Built-in scenarios get their terrain through [`Terrain::for_builtin_scenario`] (the Kyiv
//! scenario names `../terrain/kyiv.asc`, the synthetic built-in Kyiv DEM); scenario files
//! through [`Terrain::for_scenario`], relative to the file's directory. Only Kyiv ships a DEM,
//! so it is the default and the other built-ins evaluate flat on both sides.
//!
//! ```text
//! cargo run --release --example terrain_effect                               # Kyiv
//! cargo run --release --example terrain_effect -- path/to/scenario.geojson   # a scenario file
//! ```

use skycover::scenario::BUILTIN_SCENARIOS;
use skycover::terrain::Terrain;
use skycover::{Catalogue, Coverage, Demand, Scenario};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// Terrain cell size, metres (about half the demand grid's resolution or finer).
const TERRAIN_CELL_M: f64 = 250.0;

fn load(arg: Option<&str>) -> skycover::Result<(Scenario, Terrain)> {
    match arg {
        None => load(Some("kyiv")),
        Some(name) if BUILTIN_SCENARIOS.iter().any(|(n, _)| *n == name) => {
            let s = Scenario::builtin(name)?;
            let t = Terrain::for_builtin_scenario(&s, TERRAIN_CELL_M)?;
            Ok((s, t))
        }
        Some(path) => {
            let s = Scenario::from_path(path, Catalogue::builtin())?;
            let dir = Path::new(path).parent().unwrap_or(Path::new("."));
            let t = Terrain::for_scenario(&s, dir, TERRAIN_CELL_M)?;
            Ok((s, t))
        }
    }
}

fn run(scenario: &Scenario, terrain: &Terrain) -> skycover::Result<()> {
    let cat = scenario.catalogue();
    let demand = Demand::from_scenario(scenario)?;
    let t0 = Instant::now();
    let flat = Coverage::evaluate(cat, &demand, scenario.sites())?;
    let t1 = Instant::now();
    let masked = Coverage::evaluate_with_terrain(cat, &demand, scenario.sites(), terrain)?;
    let t2 = Instant::now();

    println!("Scenario: {}", scenario.name());
    println!(
        "  {} zone cells of {} m, {} point samples, {} existing sites",
        demand.grid_samples(),
        demand.grid().cell_m,
        demand.point_samples(),
        scenario.sites().len()
    );
    match terrain.grid() {
        None => println!("  terrain: none named (flat on both sides)"),
        Some(g) => {
            let (lo, hi) = g
                .values()
                .iter()
                .fold((f32::MAX, f32::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
            println!(
                "  terrain: {} × {} cells of {} m, {lo:.0}–{hi:.0} m",
                g.nx(),
                g.ny(),
                g.cell_m()
            );
        }
    }
    println!(
        "  evaluation: flat {:.1} ms, with terrain {:.1} ms",
        (t1 - t0).as_secs_f64() * 1e3,
        (t2 - t1).as_secs_f64() * 1e3
    );
    println!();
    println!(
        "  {:<20} {:>9} {:>9} {:>8}   {:>10} {:>10}",
        "threat", "flat %", "terrain %", "Δ pts", "flat gap", "terr. gap"
    );
    for (t, threat) in cat.threats().iter().enumerate() {
        let (f, m) = (&flat.threats()[t], &masked.threats()[t]);
        println!(
            "  {:<20} {:>9.1} {:>9.1} {:>8.1}   {:>7.0} km² {:>7.0} km²",
            threat.id,
            100.0 * f.fraction,
            100.0 * m.fraction,
            100.0 * (m.fraction - f.fraction),
            f.gap_area_km2,
            m.gap_area_km2
        );
    }
    let (f, m) = (flat.overall(), masked.overall());
    println!(
        "  {:<20} {:>9.1} {:>9.1} {:>8.1}",
        "overall",
        100.0 * f.fraction,
        100.0 * m.fraction,
        100.0 * (m.fraction - f.fraction)
    );
    Ok(())
}

fn main() -> ExitCode {
    let arg = std::env::args().nth(1);
    match load(arg.as_deref()).and_then(|(s, t)| run(&s, &t)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
