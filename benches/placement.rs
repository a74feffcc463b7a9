//! Placement benchmarks: clustered synthetic MCLP instances (10 000 × 1 000 and 50 000 × 2 000,
//! radius 20 km in a 300 km square, p = 40) and the Kyiv scenario.
//!
//! ```text
//! cargo bench --bench placement                    # heuristics and bounds
//! cargo bench --bench placement --features highs   # plus the exact MILP on 10 000 × 1 000
//! ```
//!
//! Before timing, each instance's objective, certified bound and gap are printed once.
//!
//! Issue 15 targets on the shared reference instances (`../shared/bench/` relative to the crate
//! root, or the folder in `SKYCOVER_BENCH_DIR`; skipped with a message when absent):
//!
//! ```text
//! cargo bench --bench placement -- reference --warm-up-time 1 --measurement-time 3
//! ```
//!
//! * `reference/default/mclp_10k_1k`: the default planner (target ≥ 38 400 in ≤ 3 s).
//! * `reference/set_covering/r20` (`r15`, `r10`): default set covering on `setcover_5k_800`
//!   (targets ≤ 100, ≤ 179, 361 with the lower bound, in ≤ 1 s).

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

fn bench_dir() -> Option<std::path::PathBuf> {
    if let Ok(d) = std::env::var("SKYCOVER_BENCH_DIR") {
        return Some(std::path::PathBuf::from(d));
    }
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    ["../shared/bench", "../../shared/bench"]
        .iter()
        .map(|d| root.join(d))
        .find(|d| d.exists())
}

fn reference(c: &mut Criterion) {
    use skycover::placement::synthetic::ReferenceInstance;
    let Some(dir) = bench_dir() else {
        eprintln!("reference instances: ../shared/bench not found, skipped");
        return;
    };
    let mut g = c.benchmark_group("reference");
    g.sample_size(10);
    let path = dir.join("mclp_10k_1k.json");
    if path.exists() {
        let r = ReferenceInstance::load(&path).expect("instance");
        let p = CoveringProblem::new(r.instance.matrix().expect("matrix"), r.p.unwrap_or(30));
        let s = covering::solve(&p, &SolveOptions::default()).expect("solve");
        report("mclp_10k_1k default (optimum 38 417, target >= 38 400)", &s);
        g.bench_with_input(BenchmarkId::new("default", "mclp_10k_1k"), &p, |b, p| {
            b.iter(|| black_box(covering::solve(p, &SolveOptions::default()).expect("solve")))
        });
    } else {
        eprintln!("mclp_10k_1k.json: absent from {}, skipped", dir.display());
    }
    let path = dir.join("setcover_5k_800.json");
    if path.exists() {
        let r = ReferenceInstance::load(&path).expect("instance");
        for (radius, optimum) in [(20.0, 99), (15.0, 178), (10.0, 361)] {
            let mut inst = r.instance.clone();
            inst.radius_m = radius;
            let m = inst.matrix().expect("matrix");
            let t = std::time::Instant::now();
            let s = covering::set_covering(&m, None, &SolveOptions::default()).expect("cover");
            eprintln!(
                "setcover_5k_800 r = {radius} km: cost {} (optimum {optimum}), lower bound {}, \
                 {:.3} s{}",
                s.cost,
                s.lower_bound,
                t.elapsed().as_secs_f64(),
                if s.proven_optimal { ", proven" } else { "" }
            );
            g.bench_with_input(
                BenchmarkId::new("set_covering", format!("r{radius}")),
                &m,
                |b, m| {
                    b.iter(|| {
                        black_box(
                            covering::set_covering(m, None, &SolveOptions::default())
                                .expect("cover"),
                        )
                    })
                },
            );
        }
    } else {
        eprintln!(
            "setcover_5k_800.json: absent from {}, skipped",
            dir.display()
        );
    }
    g.finish();
}

criterion_group!(benches, synthetic, kyiv, reference);
criterion_main!(benches);
