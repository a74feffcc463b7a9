//! Long fuzz run of the scenario and catalogue loaders.
//!
//! ```text
//! cargo run --release --example fuzz -- --seconds 600 [--seed 1]
//! ```
//!
//! Mutates the sample maps and the built-in catalogue at byte and structure level, feeds every
//! input to the loaders (and discretises accepted scenarios), and stops with a non-zero exit
//! status if anything panics, writing the input to `out/fuzz/crash-<n>.json`. A progress bar
//! (on a terminal) or a line a minute (otherwise) shows how far it is.

#[path = "../tests/common/fuzz.rs"]
mod fuzz;

use fuzz::{check, mutate, rng, seeds, Outcome};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

mod common;

const SPEC: common::Spec<'static> = common::Spec {
    usage: "usage: fuzz [--seconds 30] [--seed 1]",
    valued: &["--seconds", "--seed"],
    switches: &[],
    positional: 0,
};

fn main() -> ExitCode {
    let args = common::args(&SPEC);
    let (seconds, seed) = match (
        common::value(&args, "--seconds", 30u64),
        common::value(&args, "--seed", 1u64),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // Panics are expected to be caught and reported, not printed.
    std::panic::set_hook(Box::new(|_| {}));
    let seeds = seeds();
    let mut r = rng(seed);
    let start = Instant::now();
    let (mut n, mut accepted, mut rejected, mut crashes) = (0u64, 0u64, 0u64, 0u64);
    let tty = std::io::stderr().is_terminal();
    let pb = if tty {
        ProgressBar::new(seconds)
    } else {
        ProgressBar::hidden()
    };
    pb.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} s {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut last_line = Instant::now();
    while start.elapsed() < Duration::from_secs(seconds) {
        if n % 64 == 0 {
            let msg =
                format!("{n} inputs: {accepted} accepted, {rejected} rejected, {crashes} panics");
            pb.set_position(start.elapsed().as_secs().min(seconds));
            pb.set_message(msg.clone());
            if !tty && last_line.elapsed() >= Duration::from_secs(60) {
                eprintln!(
                    "fuzz: {:.0} s of {seconds} s, {msg}",
                    start.elapsed().as_secs_f64()
                );
                last_line = Instant::now();
            }
        }
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
                pb.suspend(|| eprintln!("PANIC on input #{n}: written to {path}"));
            }
        }
    }
    pb.finish_and_clear();
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
