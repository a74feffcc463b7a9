//! The main job: plan the layered umbrella for a scenario.
//!
//! Loads a scenario (default: the built-in Kyiv map), evaluates the existing coverage, places
//! the inventory, prints a before/after table per threat, the plan's certified bound and gap,
//! and the timings, and writes to `out/<scenario>/`:
//!
//! * `plan.geojson`: sites (class, facing), footprints on the chosen layer, assets with status;
//! * `gaps.geojson`: gap polygons per threat after the plan;
//! * `map.svg` and `map.png`: the map picture.
//!
//! ```text
//! cargo run --release --example plan                       # Kyiv
//! cargo run --release --example plan -- odesa              # or corridor, theatre, or a path
//! cargo run --release --example plan -- kyiv --algorithm best --time-limit 20
//! cargo run --release --example plan -- theatre --quick    # coarser grid for a fast look
//! ```
//!
//! Options: `--algorithm greedy|local|milp|best` (default `local`: greedy + local search),
//! `--time-limit <s>` (default 30), `--seed <n>`, `--layer <threat>:<altitude_m>` (the layer
//! whose footprints and gaps are drawn; default cruise_missile at its lowest altitude),
//! `--out <dir>` (default `out/<scenario>`), `--quick` (grid and candidate spacing × 2.5),
//! `--flat` (ignore the scenario's terrain model). When the scenario names a terrain model
//! (Kyiv names the built-in synthetic DEM), evaluation and placement both mask coverage with
//! it, so the plan prefers high ground.

use indicatif::{ProgressBar, ProgressStyle};
use skycover::export::{
    asset_features, collection, footprint_feature, gap_features, scenario_features, site_feature,
    write_geojson,
};
use skycover::gaps::GapMap;
use skycover::map::{render_png, render_svg, AssetMark, MapContent};
use skycover::placement::{Algorithm, Planner};
use skycover::scenario::BUILTIN_SCENARIOS;
use skycover::{Catalogue, Coverage, Demand, Layer, Scenario, Terrain};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

struct Args {
    scenario: Option<String>,
    algorithm: Algorithm,
    time_limit: u64,
    seed: u64,
    layer: Option<String>,
    out: Option<PathBuf>,
    quick: bool,
    flat: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        scenario: None,
        algorithm: Algorithm::GreedyLocalSearch,
        time_limit: 30,
        seed: 0,
        layer: None,
        out: None,
        quick: false,
        flat: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--algorithm" => {
                a.algorithm = match value("--algorithm")?.as_str() {
                    "greedy" => Algorithm::Greedy,
                    "local" | "greedy+local_search" => Algorithm::GreedyLocalSearch,
                    "milp" => Algorithm::Milp,
                    "best" => Algorithm::Best,
                    other => {
                        return Err(format!(
                            "unknown algorithm {other} (greedy, local, milp, best)"
                        ))
                    }
                }
            }
            "--time-limit" => {
                a.time_limit = value("--time-limit")?
                    .parse()
                    .map_err(|e| format!("--time-limit: {e}"))?
            }
            "--seed" => {
                a.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--layer" => a.layer = Some(value("--layer")?),
            "--out" => a.out = Some(PathBuf::from(value("--out")?)),
            "--quick" => a.quick = true,
            "--flat" => a.flat = true,
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s => a.scenario = Some(s.to_string()),
        }
    }
    Ok(a)
}

fn pick_layer(scenario: &Scenario, spec: Option<&str>) -> skycover::Result<Layer> {
    let cat = scenario.catalogue();
    let (threat, alt) = match spec {
        Some(s) => {
            let (t, a) = s.split_once(':').unwrap_or((s, ""));
            (t.to_string(), a.parse::<f64>().ok())
        }
        None => ("cruise_missile".to_string(), None),
    };
    let t = cat.threat_id(&threat)?;
    let layer = cat
        .layers_of(t)
        .min_by(|a, b| {
            let d = |l: &Layer| {
                alt.map(|x| (l.altitude_m - x).abs())
                    .unwrap_or(l.altitude_m)
            };
            d(a).total_cmp(&d(b))
        })
        .copied();
    layer.ok_or_else(|| skycover::Error::InvalidInput {
        what: "--layer".into(),
        reason: "threat has no layers".into(),
    })
}

fn spinner(msg: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(msg.to_string());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

fn run(args: Args) -> skycover::Result<()> {
    let name = args.scenario.clone().unwrap_or_else(|| "kyiv".into());
    let builtin = BUILTIN_SCENARIOS.iter().any(|(n, _)| *n == name);
    let mut scenario = if builtin {
        Scenario::builtin(&name)?
    } else {
        Scenario::from_path(&name, Catalogue::builtin())?
    };
    if args.quick {
        let s = scenario.settings_mut();
        s.grid_resolution_m *= 2.5;
        s.candidate_spacing_m *= 2.5;
        for c in s.class_spacing_m.iter_mut().flatten() {
            *c *= 2.5;
        }
    }
    let stem = PathBuf::from(&name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(&stem));
    let cat = scenario.catalogue().clone();
    let layer = pick_layer(&scenario, args.layer.as_deref())?;

    println!("skycover plan: {}", scenario.name());
    // Terrain cells of about a quarter of the demand grid's resolution.
    let terrain_cell = (scenario.settings().grid_resolution_m / 4.0).clamp(100.0, 1_000.0);
    let terrain = if args.flat || scenario.settings().terrain.is_none() {
        Terrain::Flat
    } else if builtin {
        Terrain::for_builtin_scenario(&scenario, terrain_cell)?
    } else {
        let dir = PathBuf::from(&name)
            .parent()
            .map(PathBuf::from)
            .unwrap_or_default();
        Terrain::for_scenario(&scenario, &dir, terrain_cell)?
    };
    if let Some(t) = scenario.settings().terrain.as_deref() {
        if terrain.is_flat() {
            println!("  terrain {t} ignored (--flat): flat ground");
        } else {
            println!("  terrain {t}: coverage masked by line of sight ({terrain_cell:.0} m cells)");
        }
    }
    let t0 = Instant::now();
    let demand = Demand::from_scenario(&scenario)?;
    let demand_s = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let before = Coverage::evaluate_with_terrain(&cat, &demand, scenario.sites(), &terrain)?;
    let eval_before_s = t0.elapsed().as_secs_f64();
    println!(
        "  {} demand samples ({} grid cells of {:.0} m), {} existing sites",
        demand.len(),
        demand.grid_samples(),
        scenario.settings().grid_resolution_m,
        scenario.sites().len()
    );

    let pb = spinner("building candidates and the coverage matrix");
    let planner = Planner::new(&scenario)
        .algorithm(args.algorithm)
        .time_limit(Duration::from_secs(args.time_limit))
        .seed(args.seed)
        .terrain(terrain.clone());
    // the planner takes the demand discretised above instead of discretising again
    let model = planner.model_with_demand(demand, demand_s)?;
    let demand = &model.demand;
    pb.set_message(format!(
        "placing {} candidates × {} demand units with {}",
        model.candidates.len(),
        model.problem.matrix().n_units(),
        args.algorithm.name()
    ));
    let plan = planner.plan_model(&model)?;
    pb.finish_and_clear();

    let t1 = Instant::now();
    let after = Coverage::evaluate_with_terrain(&cat, demand, &plan.sites, &terrain)?;
    let gaps = GapMap::new(&after, demand, scenario.frame())?;
    let eval_after_s = t1.elapsed().as_secs_f64();

    println!(
        "\nPlan: {} ({} candidates, {} matrix non-zeros)",
        plan.algorithm.name(),
        plan.n_candidates,
        plan.matrix_nonzeros
    );
    for c in &plan.class_counts {
        println!(
            "  {:<14} {:>3} existing + {:>3} placed of {:>3} available",
            c.class, c.fixed, c.placed, c.available
        );
    }
    match plan.budget {
        Some(b) => println!("  cost {:.1} of budget {:.1}", plan.cost, b),
        None => println!("  cost {:.1}", plan.cost),
    }

    println!(
        "\n{:<18} {:>10} {:>10} {:>12} {:>12} {:>8} {:>8}",
        "threat", "before %", "after %", "gap km² bef", "gap km² aft", "assets", "assets"
    );
    println!(
        "{:<18} {:>10} {:>10} {:>12} {:>12} {:>8} {:>8}",
        "", "covered", "covered", "", "", "fail bef", "fail aft"
    );
    for (tb, ta) in before.threats().iter().zip(after.threats()) {
        println!(
            "{:<18} {:>10.1} {:>10.1} {:>12.0} {:>12.0} {:>8} {:>8}",
            cat.threat(tb.threat).id,
            100.0 * tb.fraction,
            100.0 * ta.fraction,
            tb.gap_area_km2,
            ta.gap_area_km2,
            tb.assets_failing.len(),
            ta.assets_failing.len()
        );
    }
    println!(
        "{:<18} {:>10.1} {:>10.1}   (weighted by threat)",
        "overall",
        100.0 * before.overall().fraction,
        100.0 * after.overall().fraction
    );
    println!(
        "\nObjective {:.1} of {:.1} possible ({:.1} %); before {:.1}",
        plan.objective,
        plan.max_objective,
        100.0 * plan.objective_fraction,
        plan.objective_before
    );
    let placed = plan.sites.iter().filter(|s| !s.fixed).count();
    println!(
        "Certified upper bound {:.1}: {placed} site(s) placed, within {:.2} % of the best \
         possible under the scenario's inventory, budget and rules{}{}",
        plan.upper_bound,
        plan.gap_percent,
        if plan.proven_optimal {
            " (proven optimal)"
        } else {
            ""
        },
        if plan.diagnostics.is_empty() {
            ""
        } else {
            " (see the diagnostics below)"
        }
    );
    for d in &plan.diagnostics {
        println!("  {d}");
    }
    let t = &plan.timings;
    println!(
        "\nTimings: demand {:.3} s, evaluation before {:.3} s, candidates {:.3} s, matrix {:.3} s, greedy {:.3} s, local search {:.3} s, bound {:.3} s, MILP {:.3} s, evaluation after {:.3} s",
        t.demand_s, eval_before_s, t.candidates_s, t.matrix_s, t.greedy_s, t.local_search_s, t.bound_s, t.milp_s, eval_after_s
    );

    // outputs
    let pb = spinner("writing GeoJSON and map pictures");
    let mut feats = scenario_features(&scenario);
    for s in &plan.sites {
        feats.push(site_feature(&scenario, s)?);
    }
    for s in &plan.sites {
        if let Some(f) = footprint_feature(&scenario, s, &layer) {
            feats.push(f);
        }
    }
    feats.extend(asset_features(&scenario, &after));
    write_geojson(out.join("plan.geojson"), &collection(feats))?;
    write_geojson(
        out.join("gaps.geojson"),
        &collection(gap_features(&scenario, &gaps)),
    )?;
    let marks: Vec<AssetMark> = after.assets().iter().map(AssetMark::from_status).collect();
    let threat_gaps = gaps
        .threat(layer.threat)
        .map(|g| g.local.clone())
        .into_iter()
        .collect();
    let tc = after.threat(layer.threat);
    let map = MapContent::from_scenario(&scenario)
        .with_sites(&scenario, &plan.sites, Some(&layer))
        .with_asset_marks(&marks)
        .with_gaps(threat_gaps, format!("gap vs {} (any layer)", cat.threat(layer.threat).id))
        .with_subtitle(format!(
            "{} placed + {} existing sites; {} covered {:.1} % (was {:.1} %); overall {:.1} %; gap to bound {:.2} %",
            plan.sites.iter().filter(|s| !s.fixed).count(),
            plan.sites.iter().filter(|s| s.fixed).count(),
            cat.threat(layer.threat).id,
            100.0 * tc.map(|c| c.fraction).unwrap_or(0.0),
            100.0 * before.threat(layer.threat).map(|c| c.fraction).unwrap_or(0.0),
            100.0 * after.overall().fraction,
            plan.gap_percent
        ));
    render_svg(&map, out.join("map.svg"), (1400, 1000))?;
    render_png(&map, out.join("map.png"), (1400, 1000))?;
    pb.finish_and_clear();
    println!(
        "\nWrote {}/plan.geojson, gaps.geojson, map.svg, map.png",
        out.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
