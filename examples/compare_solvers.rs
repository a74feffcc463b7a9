//! Runs skycover's solvers side by side on the reference covering instances of the shared
//! bench folder (`../shared/bench/` relative to the crate root, or the folder given as the
//! first argument): the default planner (greedy + local search + bound), the exact
//! branch-and-bound, and with `--features highs` the HiGHS MILP; then the Kyiv placement model
//! (flat terrain, whole `plan` including the model build) and set covering.
//!
//! ```text
//! cargo run --release --example compare_solvers [bench-folder] [time-limit-s] [bound-iterations] [only] [max-nodes]
//! cargo run --release --example compare_solvers --features highs
//! ```
//!
//! Instances that are absent are skipped with a message.

use skycover::placement::synthetic::ReferenceInstance;
use skycover::placement::{covering, Algorithm, CoveringProblem, SolveOptions};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/bench"));
    let limit: u64 = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let bound_iterations: u32 = std::env::args()
        .nth(3)
        .and_then(|s| s.parse().ok())
        .unwrap_or(SolveOptions::default().bound_iterations);
    let only: Option<String> = std::env::args().nth(4);
    // a node limit makes the exact solver's figures independent of the machine's load
    let max_nodes: u64 = std::env::args()
        .nth(5)
        .and_then(|s| s.parse().ok())
        .unwrap_or(SolveOptions::default().max_nodes);
    let mut algorithms = vec![Algorithm::GreedyLocalSearch, Algorithm::Exact];
    if cfg!(feature = "highs") {
        algorithms.push(Algorithm::Milp);
    }
    println!(
        "{:<22} {:<20} {:>10} {:>10} {:>8} {:>8} {:>7} {:>9}  notes",
        "instance", "solver", "objective", "bound", "gap %", "time s", "proven", "nodes"
    );
    for name in ["mclp_2k_300.json", "mclp_10k_1k.json", "mclp_30k_2k.json"] {
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let path = dir.join(name);
        if !path.exists() {
            println!("{name}: absent from {}, skipped", dir.display());
            continue;
        }
        let r = ReferenceInstance::load(&path)?;
        let m = r.instance.matrix()?;
        let problem = CoveringProblem::new(m, r.p.unwrap_or(10));
        for &alg in &algorithms {
            let opts = SolveOptions {
                algorithm: alg,
                time_limit: Duration::from_secs(limit),
                bound_iterations,
                max_nodes,
                ..SolveOptions::default()
            };
            let s = covering::solve(&problem, &opts)?;
            let solver = match (alg, &s.stats.milp_solver) {
                (Algorithm::Milp, Some(name)) => format!("milp ({name})"),
                _ => alg.name().to_string(),
            };
            let notes: Vec<&str> = s.diagnostics.iter().map(|d| d.code).collect();
            println!(
                "{:<22} {:<20} {:>10.1} {:>10.1} {:>8.3} {:>8.2} {:>7} {:>9}  {}",
                name,
                solver,
                s.objective,
                s.upper_bound,
                s.gap_percent,
                s.stats.total_s,
                s.proven_optimal,
                s.stats.nodes,
                notes.join(" ")
            );
            let ps = s.stats.presolve;
            println!(
                "    presolve: units {} -> {}, candidates {} -> {}, non-zeros {} -> {}; \
                 Lagrangian {:.1}, root {:.1}, {} fixed at the root",
                ps.units_before,
                ps.units_after,
                ps.candidates_before,
                ps.candidates_after,
                ps.nnz_before,
                ps.nnz_after,
                s.stats.lagrangian_bound,
                s.stats.root_bound,
                s.stats.root_fixed
            );
        }
    }
    if only.as_deref().map_or(true, |o| "kyiv".contains(o)) {
        // the Kyiv placement model (flat, as the README's "Kyiv, flat" row)
        let scenario = skycover::Scenario::builtin("kyiv")?;
        for &alg in &algorithms {
            let planner = skycover::placement::Planner::new(&scenario)
                .terrain(skycover::Terrain::Flat)
                .seed(1)
                .algorithm(alg)
                .time_limit(Duration::from_secs(limit));
            let t = Instant::now();
            let plan = planner.plan()?;
            let notes: Vec<&str> = plan.diagnostics.iter().map(|d| d.code).collect();
            println!(
                "{:<22} {:<20} {:>10.1} {:>10.1} {:>8.3} {:>8.2} {:>7} {:>9}  {}",
                "kyiv (flat)",
                alg.name(),
                plan.objective,
                plan.upper_bound,
                plan.gap_percent,
                t.elapsed().as_secs_f64(),
                plan.proven_optimal,
                plan.stats.nodes,
                notes.join(" ")
            );
        }
    }
    if only.as_deref().is_some_and(|o| !"setcover".contains(o)) {
        return Ok(());
    }
    let path = dir.join("setcover_5k_800.json");
    if !path.exists() {
        println!(
            "setcover_5k_800.json: absent from {}, skipped",
            dir.display()
        );
        return Ok(());
    }
    let r = ReferenceInstance::load(&path)?;
    for radius in [20.0, 15.0, 10.0] {
        let mut inst = r.instance.clone();
        inst.radius_m = radius;
        let m = inst.matrix()?;
        for alg in [Algorithm::GreedyLocalSearch, Algorithm::Exact] {
            let opts = SolveOptions {
                algorithm: alg,
                time_limit: Duration::from_secs(limit),
                ..SolveOptions::default()
            };
            let t = Instant::now();
            let s = covering::set_covering(&m, None, &opts)?;
            println!(
                "{:<22} {:<20} {:>10.1} {:>10.1} {:>8.3} {:>8.2} {:>7} {:>9}  {} uncoverable {}",
                format!("setcover r={radius}"),
                alg.name(),
                s.cost,
                s.lower_bound,
                s.gap_percent,
                t.elapsed().as_secs_f64(),
                s.proven_optimal,
                s.nodes,
                s.uncoverable.len(),
                s.diagnostics
                    .iter()
                    .map(|d| d.code)
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
    }
    Ok(())
}
