//! Compares the placement algorithms on a scenario and on a synthetic instance: objective,
//! certified upper bound, gap and time.
//!
//! ```text
//! cargo run --release --example compare_heuristics [kyiv|odesa|corridor|theatre|scenario.geojson]
//! ```
//!
//! Without an argument the built-in Kyiv scenario is used. The synthetic instance is a
//! clustered maximal-covering problem: 10 000 demand points, 1 000 candidates, 20 km radius in
//! a 300 km square, p = 40.
//!
//! The scenario is planned over its own terrain ([`Scenario::terrain`]; `--flat` for flat
//! ground), as the `plan` example does.
//!
//! ```text
//! cargo run --release --example compare_heuristics -- --reference [bench-folder]
//! ```
//!
//! runs only the default planner on the reference instances of the shared bench folder
//! (`../shared/bench/` relative to the crate root): `mclp_10k_1k` (target ≥ 38 400 in ≤ 3 s)
//! and the set-covering instance `setcover_5k_800` at radii 20, 15 and 10 km with the default
//! options (targets 99, 178, 361 within 1 % in ≤ 1 s). Absent instances are skipped. The
//! environment variable `SKY_ROUNDS` overrides `SolveOptions::perturbations` there.

use skycover::placement::synthetic::{ReferenceInstance, SyntheticInstance};
use skycover::placement::{covering, Algorithm, CoveringProblem, Planner, SolveOptions};
use skycover::Scenario;
use std::path::PathBuf;
use std::time::{Duration, Instant};

mod common;

const SPEC: common::Spec<'static> = common::Spec {
    usage: "usage: compare_heuristics [kyiv|odesa|corridor|theatre|scenario.geojson] [--flat]\n       compare_heuristics --reference [bench-folder]",
    valued: &[],
    switches: &["--reference", "--flat"],
    positional: 1,
};

fn header(title: &str) {
    println!("\n{title}");
    println!(
        "{:<22} {:>14} {:>14} {:>8} {:>9} {:>6}",
        "algorithm", "objective", "bound", "gap %", "time s", "sites"
    );
}

fn row(name: &str, objective: f64, bound: f64, gap: f64, secs: f64, sites: usize) {
    println!("{name:<22} {objective:>14.2} {bound:>14.2} {gap:>8.3} {secs:>9.3} {sites:>6}");
}

fn main() -> std::process::ExitCode {
    common::exit_code(run())
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = common::args(&SPEC);
    if args.iter().any(|a| a == "--reference") {
        let dir = args
            .iter()
            .find(|a| !a.starts_with("--"))
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/bench"));
        return reference(&dir);
    }
    let mut scenario = match args.iter().find(|a| !a.starts_with("--")) {
        Some(name) => Scenario::load(name)?,
        None => Scenario::builtin("kyiv")?,
    };
    if args.iter().any(|a| a == "--flat") {
        scenario = scenario.without_terrain();
    }
    let algorithms = [
        Algorithm::Greedy,
        Algorithm::GreedyLocalSearch,
        Algorithm::Best,
    ];

    // --- scenario
    let planner = Planner::new(&scenario).time_limit(Duration::from_secs(30));
    let t = Instant::now();
    let model = planner.model()?;
    let m = model.problem.matrix();
    println!("{}", scenario.terrain_summary());
    header(&format!(
        "scenario \"{}\": {} candidates, {} units, {} non-zeros ({:.1} MB), model built in {:.3} s",
        scenario.name(),
        model.candidates.len(),
        m.n_units(),
        m.nnz(),
        m.memory_bytes() as f64 / 1e6,
        t.elapsed().as_secs_f64()
    ));
    for alg in algorithms {
        let plan = planner.clone().algorithm(alg).seed(1).plan_model(&model)?;
        let placed = plan.sites.iter().filter(|s| !s.fixed).count();
        row(
            alg.name(),
            plan.objective,
            plan.upper_bound,
            plan.gap_percent,
            plan.timings.solve_s,
            placed,
        );
        for d in &plan.diagnostics {
            println!("    {d}");
        }
    }

    // --- synthetic
    let inst = SyntheticInstance::clustered(10_000, 1_000, 300_000.0, 20_000.0, 42);
    let t = Instant::now();
    let matrix = inst.matrix()?;
    let problem = CoveringProblem::new(matrix, 40);
    header(&format!(
        "synthetic MCLP: 10 000 demand x 1 000 candidates, p = 40, {} non-zeros, matrix in {:.3} s",
        problem.matrix().nnz(),
        t.elapsed().as_secs_f64()
    ));
    for alg in algorithms {
        let opts = SolveOptions {
            algorithm: alg,
            time_limit: Duration::from_secs(30),
            seed: 1,
            ..SolveOptions::default()
        };
        let s = covering::solve(&problem, &opts)?;
        row(
            alg.name(),
            s.objective,
            s.upper_bound,
            s.gap_percent,
            s.stats.total_s,
            s.chosen.len(),
        );
        for d in &s.diagnostics {
            println!("    {d}");
        }
    }
    Ok(())
}

/// The default planner and set covering on the shared reference instances.
fn reference(dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    for (name, best) in [
        ("mclp_2k_300.json", 5_996.0),
        ("mclp_10k_1k.json", 38_417.0),
        ("mclp_30k_2k.json", 91_302.0),
    ] {
        let path = dir.join(name);
        if std::env::var("SKY_ONLY").is_ok_and(|o| !name.contains(o.as_str())) {
            continue;
        }
        if !path.exists() {
            println!("{name}: absent from {}, skipped", dir.display());
            continue;
        }
        let r = ReferenceInstance::load(&path)?;
        let problem = CoveringProblem::new(r.instance.matrix()?, r.p.unwrap_or(10));
        header(&format!("{name} (best known {best})"));
        let seeds: Vec<u64> = std::env::var("SKY_SEEDS")
            .ok()
            .map(|v| v.split(',').filter_map(|x| x.parse().ok()).collect())
            .unwrap_or_else(|| vec![0, 1, 2]);
        for seed in seeds {
            let opts = SolveOptions {
                seed,
                perturbations: std::env::var("SKY_ROUNDS")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(SolveOptions::default().perturbations),
                ..SolveOptions::default()
            };
            let s = covering::solve(&problem, &opts)?;
            row(
                &format!("default seed {seed}"),
                s.objective,
                s.upper_bound,
                s.gap_percent,
                s.stats.total_s,
                s.chosen.len(),
            );
            println!(
                "    {:.2} % below the best known; greedy {:.3} s, local search {:.3} s, \
                 bound {:.3} s",
                100.0 * (best - s.objective) / best,
                s.stats.greedy_s,
                s.stats.local_search_s,
                s.stats.bound_s
            );
            for d in &s.diagnostics {
                println!("    {d}");
            }
        }
    }
    let path = dir.join("setcover_5k_800.json");
    if std::env::var("SKY_ONLY").is_ok_and(|o| !"setcover_5k_800.json".contains(o.as_str())) {
        return Ok(());
    }
    if !path.exists() {
        println!(
            "setcover_5k_800.json: absent from {}, skipped",
            dir.display()
        );
        return Ok(());
    }
    let r = ReferenceInstance::load(&path)?;
    println!(
        "\n{:<22} {:>8} {:>8} {:>8} {:>9} {:>8}",
        "set covering", "cost", "lower", "optimum", "time s", "proven"
    );
    for (radius, optimum) in [(20.0, 99.0), (15.0, 178.0), (10.0, 361.0)] {
        let mut inst = r.instance.clone();
        inst.radius_m = radius;
        let m = inst.matrix()?;
        let t = Instant::now();
        let opts = SolveOptions {
            perturbations: std::env::var("SKY_ROUNDS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(SolveOptions::default().perturbations),
            ..SolveOptions::default()
        };
        let s = covering::set_covering(&m, None, &opts)?;
        println!(
            "{:<22} {:>8.0} {:>8.0} {:>8.0} {:>9.3} {:>8}",
            format!("default r = {radius} km"),
            s.cost,
            s.lower_bound,
            optimum,
            t.elapsed().as_secs_f64(),
            s.proven_optimal
        );
        for d in &s.diagnostics {
            println!("    {d}");
        }
    }
    Ok(())
}
