//! How much terrain masking costs a scenario's existing sites: coverage per threat on flat
//! ground and over the scenario's terrain, side by side.
//!
//! The terrain is the scenario's own ([`Scenario::terrain`], loaded with the scenario at its
//! `terrain_cell_m`, 250 m for a 1 km grid): Kyiv names `../terrain/kyiv.asc`, a **synthetic**
//! DEM; Odesa and corridor name real NOAA GLOBE 30″ relief (`../terrain/odesa.tif`,
//! `../terrain/corridor.tif`); theatre names none and evaluates flat on both sides.
//!
//! Then, for Kyiv (or any scenario with a terrain), it plans the scenario's inventory twice,
//! once on flat ground and once over the terrain ([`Planner::terrain`]), and evaluates
//! **both** plans over the terrain: the terrain-aware plan places its systems where they see
//! the low layers, so it covers more against drones and cruise missiles once hills mask.
//!
//! ```text
//! cargo run --release --example terrain_effect                               # Kyiv
//! cargo run --release --example terrain_effect -- odesa                      # real relief
//! cargo run --release --example terrain_effect -- path/to/scenario.geojson   # a scenario file
//! ```

use skycover::placement::{Plan, Planner};
use skycover::terrain::Terrain;
use skycover::{Coverage, Demand, Scenario};
use std::process::ExitCode;
use std::time::{Duration, Instant};

mod common;

const SPEC: common::Spec<'static> = common::Spec {
    usage: "usage: terrain_effect [kyiv|odesa|corridor|theatre|scenario.geojson]",
    valued: &[],
    switches: &[],
    positional: 1,
};

/// Demand grid of the planning section, metres (coarser than the evaluation's, to plan fast).
const PLAN_GRID_M: f64 = 1_000.0;

/// Time limit of each plan.
const PLAN_TIME_LIMIT: Duration = Duration::from_secs(10);

fn load(arg: Option<&str>) -> skycover::Result<(Scenario, Terrain)> {
    // built-in names (any case) and files alike: the scenario loads and owns its terrain
    let s = Scenario::load(arg.unwrap_or("kyiv"))?;
    let t = s.terrain().clone();
    Ok((s, t))
}

fn run(scenario: &Scenario, terrain: &Terrain) -> skycover::Result<()> {
    let cat = scenario.catalogue();
    let demand = Demand::from_scenario(scenario)?;
    let t0 = Instant::now();
    let flat = Coverage::evaluate(cat, &demand, scenario.sites())?;
    let t1 = Instant::now();
    let masked = Coverage::for_scenario_demand(scenario, &demand, scenario.sites())?;
    let t2 = Instant::now();

    println!("Scenario: {}", scenario.name());
    for d in scenario.diagnostics().iter().chain(masked.diagnostics()) {
        println!("  {d}");
    }
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

/// Plans on flat ground and over `terrain`, then evaluates both plans over `terrain`.
fn plan_both(scenario: &Scenario, terrain: &Terrain) -> skycover::Result<()> {
    if terrain.is_flat() {
        return Ok(());
    }
    let mut s = scenario.clone();
    s.settings_mut().grid_resolution_m = PLAN_GRID_M;
    let cat = s.catalogue();
    let plan = |t: &Terrain| -> skycover::Result<(Plan, f64)> {
        let t0 = Instant::now();
        // the scenario's own terrain by default; Terrain::Flat overrides it
        let p = Planner::new(&s)
            .terrain(t.clone())
            .time_limit(PLAN_TIME_LIMIT)
            .seed(1)
            .plan()?;
        Ok((p, t0.elapsed().as_secs_f64()))
    };
    let (flat_plan, flat_s) = plan(&Terrain::Flat)?;
    let (terr_plan, terr_s) = plan(terrain)?;
    let demand = Demand::from_scenario(&s)?;
    let flat_eval = Coverage::evaluate_with_terrain(cat, &demand, &flat_plan.sites, terrain)?;
    let terr_eval = Coverage::evaluate_with_terrain(cat, &demand, &terr_plan.sites, terrain)?;
    let mean_elev = |p: &Plan| {
        let placed: Vec<_> = p.sites.iter().filter(|x| !x.fixed).collect();
        let sum: f64 = placed
            .iter()
            .map(|x| terrain.elevation(x.position[0], x.position[1]))
            .sum();
        sum / placed.len().max(1) as f64
    };

    println!();
    println!(
        "Plans ({} m grid, {} candidates, {} s limit), both evaluated over the terrain:",
        PLAN_GRID_M,
        terr_plan.n_candidates,
        PLAN_TIME_LIMIT.as_secs()
    );
    println!(
        "  flat plan:    {} sites placed, mean ground {:.0} m, planned in {:.1} s",
        flat_plan.sites.iter().filter(|x| !x.fixed).count(),
        mean_elev(&flat_plan),
        flat_s
    );
    println!(
        "  terrain plan: {} sites placed, mean ground {:.0} m, planned in {:.1} s",
        terr_plan.sites.iter().filter(|x| !x.fixed).count(),
        mean_elev(&terr_plan),
        terr_s
    );
    println!();
    println!(
        "  {:<20} {:>12} {:>14} {:>8}",
        "threat", "flat plan %", "terrain plan %", "Δ pts"
    );
    for (t, threat) in cat.threats().iter().enumerate() {
        let (f, m) = (&flat_eval.threats()[t], &terr_eval.threats()[t]);
        println!(
            "  {:<20} {:>12.1} {:>14.1} {:>8.1}",
            threat.id,
            100.0 * f.fraction,
            100.0 * m.fraction,
            100.0 * (m.fraction - f.fraction)
        );
    }
    let (f, m) = (flat_eval.overall(), terr_eval.overall());
    println!(
        "  {:<20} {:>12.1} {:>14.1} {:>8.1}",
        "overall",
        100.0 * f.fraction,
        100.0 * m.fraction,
        100.0 * (m.fraction - f.fraction)
    );
    println!(
        "  objective over terrain: flat plan {:.2}%, terrain plan {:.2}% (planner's own figure)",
        100.0 * objective_over(&s, &demand, &flat_eval) / terr_plan.max_objective,
        100.0 * terr_plan.objective_fraction
    );
    Ok(())
}

/// `Σ w·min(d, k)/k` of an evaluation (the planner's objective).
fn objective_over(s: &Scenario, demand: &Demand, c: &Coverage) -> f64 {
    let cat = s.catalogue();
    let mut total = 0.0;
    for layer in cat.layers() {
        let lw = cat.layer_weight(layer);
        for (smp, &w) in demand.weights().iter().enumerate() {
            let k = demand.required_depth(smp, layer.threat).max(1);
            total += w * lw * f64::from(c.depth(smp, layer.index).min(k)) / f64::from(k);
        }
    }
    total
}

fn main() -> ExitCode {
    let arg = common::args(&SPEC).first().cloned();
    match load(arg.as_deref()).and_then(|(s, t)| run(&s, &t).and_then(|()| plan_both(&s, &t))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
