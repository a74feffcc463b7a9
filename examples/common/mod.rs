//! Strict command lines for the examples: `--help` prints the usage, an unknown option, a
//! missing or unreadable value and a stray argument are errors (exit status 2) instead of
//! being ignored, so that a typo (`--netting of`, `--quik`, `--count 8x`) never runs the
//! example silently with its defaults.

#![allow(dead_code)] // not every example uses every helper

use std::str::FromStr;

/// What a command line accepts.
pub struct Spec<'a> {
    /// Usage text printed by `--help` and after an error.
    pub usage: &'a str,
    /// Options that take a value (`--seed 3`).
    pub valued: &'a [&'a str],
    /// Options without a value (`--flat`).
    pub switches: &'a [&'a str],
    /// At most this many positional arguments (scenario name or path, ...).
    pub positional: usize,
}

/// Why the command line is not run: `--help` (print the usage, success) or an error.
#[derive(Debug, PartialEq)]
pub enum Stop {
    /// `--help` or `-h`.
    Help,
    /// The message naming the argument at fault.
    Error(String),
}

/// Checks `args` (without the program name) against `spec`.
pub fn validate(spec: &Spec<'_>, args: &[String]) -> Result<(), Stop> {
    let mut positional = 0;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if a == "--help" || a == "-h" {
            return Err(Stop::Help);
        }
        if spec.valued.contains(&a) {
            if args.get(i + 1).map_or(true, |v| v.starts_with("--")) {
                return Err(Stop::Error(format!("{a} needs a value")));
            }
            i += 2;
            continue;
        }
        if spec.switches.contains(&a) {
            i += 1;
            continue;
        }
        if a.starts_with('-') && a.len() > 1 {
            return Err(Stop::Error(format!("unknown option {a}")));
        }
        positional += 1;
        if positional > spec.positional {
            return Err(Stop::Error(format!("unexpected argument {a:?}")));
        }
        i += 1;
    }
    Ok(())
}

/// The process's arguments checked against `spec`: prints the usage and exits with status 0
/// on `--help`, prints the error and the usage and exits with status 2 on a bad command line.
pub fn args(spec: &Spec<'_>) -> Vec<String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match validate(spec, &args) {
        Ok(()) => args,
        Err(Stop::Help) => {
            println!("{}", spec.usage);
            std::process::exit(0)
        }
        Err(Stop::Error(e)) => {
            eprintln!("error: {e}\n{}", spec.usage);
            std::process::exit(2)
        }
    }
}

/// The value after `flag` parsed as `T`, `default` when `flag` is absent; an error naming
/// the flag when the value does not parse.
pub fn value<T: FromStr>(args: &[String], flag: &str, default: T) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    match args.iter().position(|a| a == flag) {
        None => Ok(default),
        Some(i) => {
            let v = args
                .get(i + 1)
                .ok_or_else(|| format!("{flag} needs a value"))?;
            v.parse().map_err(|e| format!("{flag} {v:?}: {e}"))
        }
    }
}

/// The positional arguments: those that are neither options nor option values.
pub fn positionals<'a>(spec: &Spec<'_>, args: &'a [String]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if spec.valued.contains(&a) {
            i += 2;
            continue;
        }
        if !spec.switches.contains(&a) {
            out.push(a);
        }
        i += 1;
    }
    out
}

/// The process exit status of an example's `run`: success, or the error printed (status 1).
pub fn exit_code(result: Result<(), Box<dyn std::error::Error>>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
