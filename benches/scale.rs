//! Bound at scale (issue 15 item 4): the synthetic clustered 100 000 × 5 000 instance (radius
//! 10 km in a 300 km square, p 100, about 6 M non-zeros), solved whole (presolve, greedy,
//! local search, certified bound) from a matrix built once.
//!
//! ```text
//! cargo bench --bench scale -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! * `scale/100k_5k/default`: the default planner (1000 bound iterations, 64 perturbation
//!   rounds);
//! * `scale/100k_5k/target_1.5`: the same, its bound stopped once the certified gap is
//!   ≤ 1.5 % ([`SolveOptions::bound_target_gap_percent`]), the local search with 8 rounds;
//! * `scale/100k_5k/greedy_bound`: greedy + bound only.
//!
//! Before timing, each variant's objective, bound, gap and phase times are printed once. The
//! 1 M × 20 k case is too slow for criterion: `examples/scale_bound.rs` measures it (run it
//! under `/usr/bin/time -v` for the peak memory).

use criterion::{criterion_group, criterion_main, Criterion};
use skycover::placement::synthetic::SyntheticInstance;
use skycover::placement::{covering, Algorithm, CoveringProblem, SolveOptions};
use std::hint::black_box;
use std::time::Duration;

fn variants() -> [(&'static str, SolveOptions); 3] {
    let base = SolveOptions {
        time_limit: Duration::from_secs(60),
        ..SolveOptions::default()
    };
    [
        ("default", base),
        (
            "target_1.5",
            SolveOptions {
                bound_target_gap_percent: 1.5,
                perturbations: 8,
                ..base
            },
        ),
        (
            "greedy_bound",
            SolveOptions {
                algorithm: Algorithm::Greedy,
                ..base
            },
        ),
    ]
}

fn bench_scale(c: &mut Criterion) {
    let inst = SyntheticInstance::clustered(100_000, 5_000, 300_000.0, 10_000.0, 42);
    let Ok(m) = inst.matrix() else {
        eprintln!("scale: the synthetic matrix could not be built");
        return;
    };
    let problem = CoveringProblem::new(m, 100);
    let mut group = c.benchmark_group("scale/100k_5k");
    group.sample_size(10);
    for (name, opts) in variants() {
        match covering::solve(&problem, &opts) {
            Ok(s) => eprintln!(
                "scale/100k_5k/{name}: objective {:.1}, bound {:.1}, gap {:.3} %, {:.2} s \
                 (greedy {:.2}, local search {:.2}, bound {:.2} in {} iterations)",
                s.objective,
                s.upper_bound,
                s.gap_percent,
                s.stats.total_s,
                s.stats.greedy_s,
                s.stats.local_search_s,
                s.stats.bound_s,
                s.stats.bound_iterations
            ),
            Err(e) => {
                eprintln!("scale/100k_5k/{name}: {e}");
                continue;
            }
        }
        group.bench_function(name, |b| {
            b.iter(|| black_box(covering::solve(&problem, &opts).map(|s| s.objective)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_scale);
criterion_main!(benches);
