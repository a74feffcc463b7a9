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

use skycover::placement::synthetic::SyntheticInstance;
use skycover::placement::{covering, Algorithm, CoveringProblem, Planner, SolveOptions};
use skycover::Scenario;
use std::time::{Duration, Instant};

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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
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
