//! Random small covering problems and their brute-force optima, shared by the placement tests.

use skycover::placement::{CoverageMatrix, CoveringProblem};

/// A tiny deterministic generator (the tests need no RNG crate).
pub struct Lcg(pub u64);

impl Lcg {
    /// The next 31-bit draw.
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    /// A draw in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Weights 1–9 for `n_units` units and `n_cand` candidate sets of 1 to `max_set` draws
/// (duplicates allowed), in this draw order.
pub fn random_sets(
    r: &mut Lcg,
    n_units: usize,
    n_cand: usize,
    max_set: u64,
) -> (Vec<f64>, Vec<Vec<usize>>) {
    let w = (0..n_units).map(|_| 1.0 + r.below(9) as f64).collect();
    let sets = (0..n_cand)
        .map(|_| {
            (0..1 + r.below(max_set))
                .map(|_| r.below(n_units as u64) as usize)
                .collect()
        })
        .collect();
    (w, sets)
}

/// `m` with random required depths 1–3 (if `depth`), then random initial depths 0–1 (if
/// `initial`), in this draw order.
pub fn with_depths(
    mut m: CoverageMatrix,
    r: &mut Lcg,
    depth: bool,
    initial: bool,
) -> CoverageMatrix {
    let n_units = m.n_units();
    if depth {
        let k = (0..n_units).map(|_| 1 + r.below(3) as u8).collect();
        m = m.with_required_depth(k).unwrap();
    }
    if initial {
        let init = (0..n_units).map(|_| u8::from(r.below(4) == 0)).collect();
        m = m.with_initial_depth(init).unwrap();
    }
    m
}

/// The exact optimum and a plan reaching it, by enumerating every feasible subset.
pub fn brute_force(p: &CoveringProblem) -> (f64, Vec<usize>) {
    let n = p.n_candidates();
    assert!(n <= 16, "brute force on {n} candidates");
    let mut best = (f64::NEG_INFINITY, vec![]);
    for mask in 0u32..(1 << n) {
        let chosen: Vec<usize> = (0..n).filter(|&c| mask & (1 << c) != 0).collect();
        if p.check(&chosen).is_ok() {
            let v = p.evaluate(&chosen);
            if v > best.0 {
                best = (v, chosen);
            }
        }
    }
    best
}
