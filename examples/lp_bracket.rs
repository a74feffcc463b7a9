//! Brackets the LP relaxation of a covering model by restarted PDHG
//! ([`skycover::placement::bound::pdhg::lp_bracket`]): a reference instance of the shared bench
//! folder, or the clustered synthetic instance of `scale_bound`.
//!
//! ```text
//! cargo run --release --example lp_bracket -- ref ../shared/bench/mclp_10k_1k.json [iterations] [time_s]
//! cargo run --release --example lp_bracket -- syn [n_demand] [n_candidates] [p] [radius_km] [iterations] [time_s]
//! ```

use skycover::placement::bound::pdhg::lp_bracket;
use skycover::placement::synthetic::{ReferenceInstance, SyntheticInstance};
use skycover::placement::CoveringProblem;
use std::time::{Duration, Instant};

fn arg<T: std::str::FromStr>(i: usize, default: T) -> T {
    std::env::args()
        .nth(i)
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let (problem, it_arg) = match std::env::args().nth(1).as_deref() {
        Some("ref") => {
            let path: String = arg(2, "../shared/bench/mclp_10k_1k.json".to_string());
            let r = ReferenceInstance::load(std::path::Path::new(&path))?;
            (
                CoveringProblem::new(r.instance.matrix()?, r.p.unwrap_or(10)),
                3,
            )
        }
        _ => {
            let inst = SyntheticInstance::clustered(
                arg(2, 100_000),
                arg(3, 5_000),
                300_000.0,
                arg::<f64>(5, 10.0) * 1000.0,
                42,
            );
            (CoveringProblem::new(inst.matrix()?, arg(4, 100)), 6)
        }
    };
    println!(
        "model: {} non-zeros, built in {:.2} s",
        problem.matrix().nnz(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let b = lp_bracket(
        &problem,
        arg(it_arg, 2000),
        Duration::from_secs_f64(arg(it_arg + 1, 60.0)),
    )?;
    println!(
        "LP in [{:.1}, {:.1}] (width {:.3} %), {} iterations, {} restarts, {:.2} s{}",
        b.lower,
        b.upper,
        100.0 * (b.upper - b.lower) / b.upper,
        b.iterations,
        b.restarts,
        t.elapsed().as_secs_f64(),
        if b.hit_time_limit {
            " (time limit)"
        } else {
            ""
        }
    );
    Ok(())
}
