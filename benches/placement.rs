//! Placement benchmarks: clustered synthetic MCLP instances (10 000 × 1 000 and 50 000 × 2 000,
//! radius 20 km in a 300 km square, p = 40) and the Kyiv scenario.
//!
//! ```text
//! cargo bench --bench placement                    # heuristics and bounds
//! cargo bench --bench placement --features highs   # plus the exact MILP on 10 000 × 1 000
//! ```
//!
//! Before timing, each instance's objective, certified bound and gap are printed once.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use skycover::placement::synthetic::SyntheticInstance;
use skycover::placement::{covering, Algorithm, CoveringProblem, Planner, SolveOptions};
use skycover::Scenario;
use std::hint::black_box;
use std::time::Duration;

const SIDE_M: f64 = 300_000.0;
const RADIUS_M: f64 = 20_000.0;
const P: usize = 40;
const SIZES: [(usize, usize); 2] = [(10_000, 1_000), (50_000, 2_000)];

fn opts(algorithm: Algorithm, bound_iterations: u32) -> SolveOptions {
    SolveOptions {
        algorithm,
        time_limit: Duration::from_secs(30),
        seed: 1,
        bound_iterations,
        ..SolveOptions::default()
    }
}

fn report(name: &str, s: &covering::Solution) {
    eprintln!(
        "{name}: objective {:.1}, bound {:.1}, gap {:.3} %, {} chosen, {:.3} s (greedy {:.3}, \
         local search {:.3}, bound {:.3}, milp {:.3}){}",
        s.objective,
        s.upper_bound,
        s.gap_percent,
        s.chosen.len(),
        s.stats.total_s,
        s.stats.greedy_s,
        s.stats.local_search_s,
        s.stats.bound_s,
        s.stats.milp_s,
        if s.proven_optimal {
            ", proven optimal"
        } else {
            ""
        }
    );
}

fn synthetic(c: &mut Criterion) {
    let mut g = c.benchmark_group("synthetic_mclp");
    g.sample_size(10);
    for (nd, nc) in SIZES {
        let inst = SyntheticInstance::clustered(nd, nc, SIDE_M, RADIUS_M, 42);
        let id = format!("{nd}x{nc}");
        let problem = CoveringProblem::new(inst.matrix().expect("matrix"), P);
        eprintln!(
            "{id}: {} non-zeros, {:.1} MB",
            problem.matrix().nnz(),
            problem.matrix().memory_bytes() as f64 / 1e6
        );
        let greedy = covering::solve(&problem, &opts(Algorithm::Greedy, 300)).expect("solve");
        report(&format!("{id} greedy + bound"), &greedy);
        let ls =
            covering::solve(&problem, &opts(Algorithm::GreedyLocalSearch, 300)).expect("solve");
        report(&format!("{id} greedy + local search + bound"), &ls);

        g.bench_with_input(BenchmarkId::new("matrix", &id), &inst, |b, inst| {
            b.iter(|| black_box(inst.matrix().expect("matrix")))
        });
        g.bench_with_input(BenchmarkId::new("greedy", &id), &problem, |b, p| {
            b.iter(|| black_box(covering::solve(p, &opts(Algorithm::Greedy, 0)).expect("solve")))
        });
        g.bench_with_input(BenchmarkId::new("matrix+greedy", &id), &inst, |b, inst| {
            b.iter(|| {
                let p = CoveringProblem::new(inst.matrix().expect("matrix"), P);
                black_box(covering::solve(&p, &opts(Algorithm::Greedy, 0)).expect("solve"))
            })
        });
        g.bench_with_input(BenchmarkId::new("greedy+bound", &id), &problem, |b, p| {
            b.iter(|| black_box(covering::solve(p, &opts(Algorithm::Greedy, 300)).expect("solve")))
        });
        g.bench_with_input(
            BenchmarkId::new("greedy+local_search+bound", &id),
            &problem,
            |b, p| {
                b.iter(|| {
                    black_box(
                        covering::solve(p, &opts(Algorithm::GreedyLocalSearch, 300))
                            .expect("solve"),
                    )
                })
            },
        );
        if cfg!(feature = "highs") && nd == 10_000 {
            let milp = covering::solve(&problem, &opts(Algorithm::Milp, 300)).expect("solve");
            report(&format!("{id} milp (highs)"), &milp);
            g.bench_with_input(BenchmarkId::new("milp_highs", &id), &problem, |b, p| {
                b.iter(|| {
                    black_box(covering::solve(p, &opts(Algorithm::Milp, 300)).expect("solve"))
                })
            });
        }
    }
    g.finish();
}

fn kyiv(c: &mut Criterion) {
    let mut g = c.benchmark_group("kyiv");
    g.sample_size(10);
    let scenario = Scenario::builtin("kyiv").expect("kyiv");
    // flat, as the README's "Kyiv, flat" row (the scenario's own terrain is the default)
    let planner = Planner::new(&scenario)
        .terrain(skycover::Terrain::Flat)
        .seed(1);
    let model = planner.model().expect("model");
    let plan = planner.plan_model(&model).expect("plan");
    eprintln!(
        "kyiv: {} candidates, {} units, {} non-zeros; objective {:.1} ({:.1} % of max), bound \
         {:.1}, gap {:.3} %, matrix {:.3} s, solve {:.3} s",
        plan.n_candidates,
        plan.n_units,
        plan.matrix_nonzeros,
        plan.objective,
        100.0 * plan.objective_fraction,
        plan.upper_bound,
        plan.gap_percent,
        plan.timings.matrix_s,
        plan.timings.solve_s
    );
    g.bench_function("model", |b| {
        b.iter(|| black_box(planner.model().expect("model")))
    });
    g.bench_function("plan_model", |b| {
        b.iter(|| black_box(planner.plan_model(&model).expect("plan")))
    });
    g.bench_function("plan", |b| {
        b.iter(|| black_box(planner.plan().expect("plan")))
    });
    g.finish();
}

criterion_group!(benches, synthetic, kyiv);
criterion_main!(benches);
