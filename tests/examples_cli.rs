//! The examples' command lines, as a user types them: `--help` prints the usage and a typo
//! (an unknown option, a missing or unreadable value) is an error with a non-zero exit status
//! instead of a silent run with the defaults.
//!
//! `cargo test` builds the examples next to the test binaries (`target/<profile>/examples/`);
//! run alone (`cargo test --test examples_cli`) after `cargo build --examples`.

use std::path::PathBuf;
use std::process::{Command, Output};

const EXAMPLES: [&str; 9] = [
    "inspect",
    "evaluate",
    "gap_report",
    "plan",
    "threat_report",
    "raid",
    "terrain_effect",
    "compare_heuristics",
    "fuzz",
];

fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().and_then(|d| d.parent()).unwrap();
    let path = profile
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is not built: run `cargo build --release --examples` (plain `cargo test` builds it)",
        path.display()
    );
    path
}

fn run(name: &str, args: &[&str]) -> Output {
    Command::new(example(name))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn help_prints_the_usage() {
    for name in EXAMPLES {
        let out = run(name, &["--help"]);
        let stdout = text(&out.stdout);
        assert!(
            out.status.success(),
            "{name} --help: {:?} {}",
            out.status,
            text(&out.stderr)
        );
        assert!(
            stdout.starts_with("usage:"),
            "{name} --help printed {stdout:?}"
        );
    }
}

#[test]
fn typos_are_errors_not_silent_defaults() {
    let mut cases: Vec<(&str, Vec<&str>, &str)> = Vec::new();
    for name in EXAMPLES {
        cases.push((name, vec!["--quik"], "unknown option --quik"));
    }
    cases.extend([
        (
            "evaluate",
            vec!["kyiv", "--netting"],
            "--netting needs a value",
        ),
        ("gap_report", vec!["odesa", "extra"], "unexpected argument"),
        ("raid", vec!["kyiv", "--count", "8x"], "--count"),
        ("raid", vec!["kyiv", "--window", "ten"], "--window"),
        (
            "threat_report",
            vec!["kyiv", "--netting", "maybe"],
            "--netting takes on, off or both",
        ),
        ("threat_report", vec!["kyiv", "--cell-m", "2km"], "--cell-m"),
        ("fuzz", vec!["--seconds", "1O"], "--seconds"),
        ("plan", vec!["kyiv", "--seed", "x"], "--seed"),
    ]);
    for (name, args, needle) in cases {
        let out = run(name, &args);
        let stderr = text(&out.stderr);
        assert!(
            !out.status.success(),
            "{name} {args:?}: ran ({})",
            text(&out.stdout)
        );
        assert!(
            stderr.contains(needle),
            "{name} {args:?}: stderr {stderr:?} lacks {needle:?}"
        );
    }
}
