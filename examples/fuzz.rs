//! Long fuzz run of the scenario and catalogue loaders.
//!
//! ```text
//! cargo run --release --example fuzz -- --seconds 600 [--seed 1]
//! ```
//!
//! Mutates the sample maps and the built-in catalogue at byte and structure level, feeds every
//! input to the loaders (and discretises accepted scenarios), and stops with a non-zero exit
//! status if anything panics, writing the input to `out/fuzz/crash-<n>.json`.

#[path = "../tests/common/fuzz.rs"]
mod fuzz;

use fuzz::{check, mutate, rng, seeds, Outcome};
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let seconds = arg("--seconds", 30);
    let seed = arg("--seed", 1);
    // Panics are expected to be caught and reported, not printed.
    std::panic::set_hook(Box::new(|_| {}));
    let seeds = seeds();
    let mut r = rng(seed);
    let start = Instant::now();
    let (mut n, mut accepted, mut rejected, mut crashes) = (0u64, 0u64, 0u64, 0u64);
    while start.elapsed() < Duration::from_secs(seconds) {
        let input = mutate(&mut r, &seeds);
        n += 1;
        match check(&input) {
            Outcome::Accepted => accepted += 1,
            Outcome::Rejected => rejected += 1,
            Outcome::Panicked => {
                crashes += 1;
                let path = format!("out/fuzz/crash-{crashes}.json");
                let _ = std::fs::create_dir_all("out/fuzz");
                let _ = std::fs::write(&path, &input);
                eprintln!("PANIC on input #{n}: written to {path}");
            }
        }
    }
    println!(
        "fuzz: {n} inputs in {:.0} s (seed {seed}): {accepted} accepted, {rejected} rejected, {crashes} panics",
        start.elapsed().as_secs_f64()
    );
    if crashes > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
