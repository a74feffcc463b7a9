//! A short, deterministic fuzz run of the loaders (byte- and structure-level mutations of the
//! sample maps and the catalogue): no input may panic. The long run is
//! `cargo run --release --example fuzz -- --seconds 600`.

mod common;
use common::fuzz::{check, mutate, rng, seeds, Outcome};

#[test]
fn mutated_inputs_never_panic() {
    let seeds = seeds();
    let mut r = rng(20261122);
    let (mut accepted, mut rejected) = (0, 0);
    for i in 0..1_500 {
        let input = mutate(&mut r, &seeds);
        match check(&input) {
            Outcome::Accepted => accepted += 1,
            Outcome::Rejected => rejected += 1,
            Outcome::Panicked => panic!("input #{i} panicked:\n{input}"),
        }
    }
    // The mutators must exercise both paths, or the run proves nothing.
    assert!(accepted > 20, "only {accepted} accepted");
    assert!(rejected > 200, "only {rejected} rejected");
}

#[test]
fn seeds_are_accepted() {
    for s in seeds() {
        assert_eq!(check(s), Outcome::Accepted);
    }
}
