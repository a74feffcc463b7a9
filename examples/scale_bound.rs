//! The default planner (greedy + local search + certified bound) on a large clustered
//! synthetic instance ([`SyntheticInstance::clustered`], the reference generator's shape), with
//! the time of every phase, the certified gap and the diagnostics. Run it under
//! `/usr/bin/time -v` for the peak memory.
//!
//! ```text
//! cargo run --release --example scale_bound -- [n_demand] [n_candidates] [p] [radius_km] [time_limit_s] [greedy|ls] [target_gap_%] [perturbations] [bound_iterations]
//! /usr/bin/time -v target/release/examples/scale_bound 1000000 20000 200 6.5 30
//! ```
//!
//! Defaults: 1 000 000 × 20 000, p 200, radius 6.5 km (about 63 M non-zeros), 300 km square,
//! seed 42, 30 s limit, the default planner; `greedy` as the sixth argument skips the local
//! search (greedy + bound), `ls` keeps it; the seventh sets
//! [`SolveOptions::bound_target_gap_percent`] (default 0: off), the eighth the local search's
//! perturbation rounds (default 64), the ninth [`SolveOptions::bound_iterations`] (default
//! 1000; with a long time limit, a fixed iteration count compares bound quality independently
//! of the machine's load).

use skycover::placement::synthetic::SyntheticInstance;
use skycover::placement::{covering, Algorithm, CoveringProblem, SolveOptions};
use std::time::{Duration, Instant};

fn arg<T: std::str::FromStr>(i: usize, default: T) -> T {
    std::env::args()
        .nth(i)
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let nd: usize = arg(1, 1_000_000);
    let nc: usize = arg(2, 20_000);
    let p: usize = arg(3, 200);
    let radius_km: f64 = arg(4, 6.5);
    let limit: u64 = arg(5, 30);
    // "greedy": greedy + bound only (no local search), to time the bound alone
    let algorithm = match std::env::args().nth(6).as_deref() {
        Some("greedy") => Algorithm::Greedy,
        _ => Algorithm::GreedyLocalSearch,
    };
    let t = Instant::now();
    let inst = SyntheticInstance::clustered(nd, nc, 300_000.0, radius_km * 1000.0, 42);
    let m = inst.matrix()?;
    drop(inst);
    let problem = CoveringProblem::new(m, p);
    println!(
        "{nd} x {nc}, p {p}, radius {radius_km} km: {} non-zeros, built in {:.2} s",
        problem.matrix().nnz(),
        t.elapsed().as_secs_f64()
    );
    // optional: the bound's target gap (percent; 0 off) and the local search's perturbation
    // rounds (default planner: 64)
    let target_gap: f64 = arg(7, 0.0);
    let perturbations: u32 = arg(8, SolveOptions::default().perturbations);
    let opts = SolveOptions {
        algorithm,
        time_limit: Duration::from_secs(limit),
        bound_target_gap_percent: target_gap,
        perturbations,
        bound_iterations: arg(9, SolveOptions::default().bound_iterations),
        ..SolveOptions::default()
    };
    let t = Instant::now();
    let s = covering::solve(&problem, &opts)?;
    let st = &s.stats;
    println!(
        "objective {:.1}, bound {:.1} (online {:.1}, Lagrangian {:.1}), gap {:.3} %, \
         {:.2} s (greedy {:.2}, local search {:.2}, bound {:.2} in {} iterations)",
        s.objective,
        s.upper_bound,
        st.online_bound,
        st.lagrangian_bound,
        s.gap_percent,
        t.elapsed().as_secs_f64(),
        st.greedy_s,
        st.local_search_s,
        st.bound_s,
        st.bound_iterations
    );
    if let Some(f) = st.lp_floor {
        // the averaged fractional plan's LP value: no LP-level bound goes below it
        println!(
            "LP floor {:.1} (averaged fractional plan): no LP-level bound certifies less than \
             {:.3} % for this plan",
            f,
            100.0 * (f - s.objective).max(0.0) / f
        );
    }
    let ps = st.presolve;
    println!(
        "presolve: units {} -> {}, candidates {} -> {}, non-zeros {} -> {}",
        ps.units_before,
        ps.units_after,
        ps.candidates_before,
        ps.candidates_after,
        ps.nnz_before,
        ps.nnz_after
    );
    for d in &s.diagnostics {
        println!("diagnostic {}: {}", d.code, d.message);
    }
    Ok(())
}
