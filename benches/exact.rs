//! Exact placement and the issue-15 targets on the shared reference instances
//! (`../shared/bench/` relative to the crate root; each is skipped with a message when absent)
//! and on large clustered synthetic instances.
//!
//! ```text
//! cargo bench --bench exact -- --warm-up-time 1 --measurement-time 3
//! cargo bench --bench exact -- exact_mclp      # one group
//! ```
//!
//! Before timing, each case's objective, bound, gap and proof status are printed once.

use criterion::{criterion_group, criterion_main, Criterion};
use skycover::placement::synthetic::{ReferenceInstance, SyntheticInstance};
use skycover::placement::{covering, Algorithm, CoveringProblem, SolveOptions};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

fn bench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/bench")
}

fn load(name: &str) -> Option<ReferenceInstance> {
    let path = bench_dir().join(name);
    if !path.exists() {
        eprintln!("{name}: absent from {}, skipped", path.display());
        return None;
    }
    match ReferenceInstance::load(&path) {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("{name}: {e}, skipped");
            None
        }
    }
}

fn opts(algorithm: Algorithm, limit_s: u64) -> SolveOptions {
    SolveOptions {
        algorithm,
        time_limit: Duration::from_secs(limit_s),
        ..SolveOptions::default()
    }
}

fn report(name: &str, s: &covering::Solution) {
    eprintln!(
        "{name}: objective {:.1}, bound {:.1}, gap {:.3} %, {:.2} s, {} nodes, proven {}, \
         presolve {:?}, diagnostics {:?}",
        s.objective,
        s.upper_bound,
        s.gap_percent,
        s.stats.total_s,
        s.stats.nodes,
        s.proven_optimal,
        s.stats.presolve,
        s.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>()
    );
}

/// Exact solve of the MCLP reference instances (target: prove 38 417 on 10 000 × 1 000).
fn exact_mclp(c: &mut Criterion) {
    let mut g = c.benchmark_group("exact_mclp");
    g.sample_size(10);
    for name in ["mclp_2k_300.json", "mclp_10k_1k.json"] {
        let Some(r) = load(name) else { continue };
        let Ok(m) = r.instance.matrix() else { continue };
        let p = CoveringProblem::new(m, r.p.unwrap_or(10));
        for (alg, limit) in [(Algorithm::GreedyLocalSearch, 30), (Algorithm::Exact, 60)] {
            if let Ok(s) = covering::solve(&p, &opts(alg, limit)) {
                report(&format!("{name} {alg}"), &s);
            }
        }
        g.bench_function(format!("default/{name}"), |b| {
            b.iter(|| black_box(covering::solve(&p, &opts(Algorithm::GreedyLocalSearch, 30))))
        });
        if name == "mclp_2k_300.json" {
            g.bench_function(format!("exact/{name}"), |b| {
                b.iter(|| black_box(covering::solve(&p, &opts(Algorithm::Exact, 60))))
            });
        }
    }
    g.finish();
}

/// Set covering at radii 20/15/10 km (optima 99/178/361).
fn set_cover(c: &mut Criterion) {
    let mut g = c.benchmark_group("set_cover");
    g.sample_size(10);
    let Some(r) = load("setcover_5k_800.json") else {
        return;
    };
    for radius in [20.0, 15.0, 10.0] {
        let mut inst = r.instance.clone();
        inst.radius_m = radius;
        let Ok(m) = inst.matrix() else { continue };
        for alg in [Algorithm::GreedyLocalSearch, Algorithm::Exact] {
            if let Ok(s) = covering::set_covering(&m, None, &opts(alg, 60)) {
                eprintln!(
                    "setcover r={radius} {alg}: cost {}, lower bound {}, gap {:.3} %, proven {}, \
                     {} nodes",
                    s.cost, s.lower_bound, s.gap_percent, s.proven_optimal, s.nodes
                );
            }
        }
        g.bench_function(format!("default/r{radius}"), |b| {
            b.iter(|| {
                black_box(covering::set_covering(
                    &m,
                    None,
                    &opts(Algorithm::GreedyLocalSearch, 1),
                ))
            })
        });
    }
    g.finish();
}

/// Greedy + local search + bound at scale: 100 000 × 5 000 (radius 10 km, about 6 M
/// non-zeros) and 1 000 000 × 20 000 (radius 4.75 km, about 67 M non-zeros; at 20 km it would
/// hold 600 M). For the peak memory and the time of each phase run the `scale_bound` example
/// under `/usr/bin/time -v`.
fn scale(c: &mut Criterion) {
    let mut g = c.benchmark_group("scale");
    g.sample_size(10);
    for (nd, nc, p, radius_m) in [
        (100_000usize, 5_000usize, 100usize, 10_000.0),
        (1_000_000, 20_000, 200, 4_750.0),
    ] {
        let inst = SyntheticInstance::clustered(nd, nc, 300_000.0, radius_m, 42);
        let Ok(m) = inst.matrix() else { continue };
        let problem = CoveringProblem::new(m, p);
        eprintln!("{nd}x{nc}: {} non-zeros", problem.matrix().nnz());
        if let Ok(s) = covering::solve(&problem, &opts(Algorithm::GreedyLocalSearch, 30)) {
            report(&format!("{nd}x{nc} default"), &s);
        }
        g.bench_function(format!("greedy_bound/{nd}x{nc}"), |b| {
            b.iter(|| black_box(covering::solve(&problem, &opts(Algorithm::Greedy, 30))))
        });
        g.bench_function(format!("default/{nd}x{nc}"), |b| {
            b.iter(|| {
                black_box(covering::solve(
                    &problem,
                    &opts(Algorithm::GreedyLocalSearch, 30),
                ))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, exact_mclp, set_cover, scale);
criterion_main!(benches);
