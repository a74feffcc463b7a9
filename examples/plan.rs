//! The main job: plan the layered umbrella for a scenario.
//!
//! Loads a scenario (default: the built-in Kyiv map), evaluates the existing coverage, places
//! the inventory, prints a before/after table per threat, the plan's certified bound and gap,
//! and the timings, and writes every file of the plan to `out/<scenario>/` with one call,
//! [`skycover::output::write_plan`]: `sites`, `footprints`, `gaps`, `assets`, `areas` and
//! `lines` `.geojson` (one geometry type each), `summary_threats.csv`, `summary_assets.csv`,
//! `plan.json`, `next_phase.geojson` (the plan as the next phase's scenario), `map.svg`,
//! `map.png`, `overview.png` (one panel per threat) and `report.html` (interactive).
//!
//! Map names are case-insensitive (`plan Kyiv`); an unknown name lists the built-in maps.
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
//! whose footprints and gaps are drawn; default: the threat with the largest gap after the
//! plan, at its lowest altitude),
//! `--out <dir>` (default `out/<scenario>`), `--quick` (grid and candidate spacing × 2.5),
//! `--flat` (ignore the scenario's terrain model), `--netting on|off` (override the
//! scenario's sensor-netting setting: evaluation and the placement model honour it). When the scenario names a terrain model
//! (Kyiv names the built-in synthetic DEM), evaluation and placement both mask coverage with
//! it, so the plan prefers high ground.

use indicatif::{ProgressBar, ProgressStyle};
use skycover::output::{builtin_name, write_plan, OutputOptions, PlanResults};
use skycover::placement::{Algorithm, Planner, MICROLP_MAX_VARIABLES};
use skycover::{Demand, Error, Evaluator, Layer, Scenario, Terrain};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

mod common;

const SPEC: common::Spec<'static> = common::Spec {
    usage: "usage: plan [kyiv|odesa|corridor|theatre|scenario.geojson] [--algorithm greedy|local|milp|best] [--time-limit <s>] [--seed <n>] [--layer <threat>:<altitude_m>] [--out <dir>] [--quick] [--flat] [--netting on|off]",
    valued: &["--algorithm", "--time-limit", "--seed", "--layer", "--out", "--netting"],
    switches: &["--quick", "--flat"],
    positional: 1,
};

struct Args {
    scenario: Option<String>,
    algorithm: Algorithm,
    time_limit: u64,
    seed: u64,
    layer: Option<String>,
    out: Option<PathBuf>,
    quick: bool,
    flat: bool,
    netting: Option<bool>,
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
        netting: None,
    };
    let mut it = common::args(&SPEC).into_iter();
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
            "--netting" => {
                a.netting = match value("--netting")?.as_str() {
                    "on" => Some(true),
                    "off" => Some(false),
                    other => return Err(format!("--netting takes on or off, not {other}")),
                }
            }
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s => a.scenario = Some(s.to_string()),
        }
    }
    Ok(a)
}

fn pick_layer(scenario: &Scenario, spec: &str) -> skycover::Result<Layer> {
    let cat = scenario.catalogue();
    let (threat, alt) = {
        let (t, a) = spec.split_once(':').unwrap_or((spec, ""));
        (t.to_string(), a.parse::<f64>().ok())
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
    let name = builtin_name(&name).map(str::to_string).unwrap_or(name);
    let mut scenario = Scenario::load(&name)?;
    if let Some(n) = args.netting {
        scenario.threat_setup_mut().netting = n;
    }
    if args.quick {
        let s = scenario.settings_mut();
        s.grid_resolution_m *= 2.5;
        s.candidate_spacing_m *= 2.5;
        // class spacings stay: mutual support needs point defence within reach of the
        // fixed sites, which a coarser counter-UAS lattice can miss
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
    let layer = args
        .layer
        .as_deref()
        .map(|spec| pick_layer(&scenario, spec))
        .transpose()?;

    println!("skycover plan: {}", scenario.name());
    // The scenario's own terrain (loaded with it at its `terrain_cell_m`), unless --flat.
    let terrain_cell = scenario.terrain_cell_m();
    let terrain = if args.flat {
        Terrain::Flat
    } else {
        scenario.terrain().clone()
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
    // one answer with evaluate and gap_report: the scenario's netting setting (or --netting)
    let evaluator = Evaluator::new()
        .with_terrain(terrain.clone())
        .with_netting(scenario.threat_setup().netting);
    let before = evaluator.evaluate(&cat, &demand, scenario.sites())?;
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
    let plan = match planner.plan_model(&model) {
        Err(Error::ResourceLimit {
            requested, limit, ..
        }) if args.algorithm == Algorithm::Milp && limit == MICROLP_MAX_VARIABLES as u64 => {
            pb.finish_and_clear();
            return Err(Error::InvalidInput {
                what: "--algorithm milp".into(),
                reason: format!(
                    "the {} model has {requested} MILP variables ({} candidates × {} demand units before aggregation); the built-in pure-Rust solver (microlp) is limited to {limit}. Build with `--features highs` (HiGHS; needs cmake and libclang-dev), or use `--algorithm best` (MILP only when the model is small enough)",
                    scenario.name(),
                    model.candidates.len(),
                    model.problem.matrix().n_units()
                ),
            });
        }
        other => other?,
    };
    pb.finish_and_clear();

    let t1 = Instant::now();
    let after = evaluator.evaluate(&cat, demand, &plan.sites)?;
    let eval_after_s = t1.elapsed().as_secs_f64();

    println!(
        "\nPlan: {} ({} candidates, {} matrix non-zeros)",
        plan.algorithm.name(),
        plan.n_candidates,
        plan.matrix_nonzeros
    );
    // classes the scenario neither fields nor stocks are left out
    for c in plan
        .class_counts
        .iter()
        .filter(|c| c.fixed + c.placed + c.available > 0)
    {
        println!(
            "  {:<16} {:>3} existing + {:>3} placed of {:>3} available",
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
            cat.try_threat(tb.threat, "threat")?.id,
            100.0 * tb.fraction,
            100.0 * ta.fraction,
            tb.gap_area_km2,
            ta.gap_area_km2,
            tb.assets_failing.len(),
            ta.assets_failing.len()
        );
    }
    for ta in after.threats() {
        if !ta.assets_failing.is_empty() {
            let names: Vec<&str> = ta
                .assets_failing
                .iter()
                .filter_map(|&i| scenario.assets().get(i).map(|a| a.name.as_str()))
                .collect();
            println!(
                "  fails {}: {}",
                cat.try_threat(ta.threat, "threat")?.id,
                names.join("; ")
            );
        }
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

    // outputs: every file of the plan in one call
    let pb = spinner("writing GeoJSON layers, CSV summaries, map pictures and report.html");
    let results = PlanResults {
        scenario: &scenario,
        plan: &plan,
        demand,
        before: &before,
        after: &after,
    };
    let options = OutputOptions {
        layer,
        ..OutputOptions::default()
    };
    let written = write_plan(&results, &out, &options)?;
    pb.finish_and_clear();
    println!(
        "\nMap layer: {} at {:.0} m (the largest gap unless --layer)",
        cat.try_threat(written.layer.threat, "threat")?.id,
        written.layer.altitude_m
    );
    for d in &written.diagnostics {
        println!("  {d}");
    }
    let names: Vec<String> = written
        .files
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    println!("Wrote {}/: {}", out.display(), names.join(", "));
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
