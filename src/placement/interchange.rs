//! Fast swap evaluation for the covering objective: Whitaker's fast interchange with the
//! gain / loss / extra tables of Resende and Werneck ("A fast swap-based local search
//! procedure for location problems", Annals of OR 2007), generalised to depth `k`.
//!
//! With `v_u = w_u / k_u` and `d_u` the current depth of unit `u`, the tables are
//!
//! * `gain[c] = Σ_{u ∈ c, d_u < k_u} v_u` (what adding `c` brings),
//! * `loss[c] = Σ_{u ∈ c, d_u ≤ k_u} v_u` (what removing a chosen `c` costs),
//! * `extra[c][c'] = Σ_{u ∈ c ∩ c', d_u = k_u} v_u` for chosen `c` (the units at exactly their
//!   required depth that `c'` would keep covered when it replaces `c`),
//!
//! so that swapping chosen `c` for unchosen `c'` changes the objective by exactly
//! `gain[c'] − loss[c] + extra[c][c']` (a unit in both keeps its depth; a unit at `d = k`
//! was counted in `loss[c]` but not in `gain[c']`). Flipping one candidate updates the tables
//! through the transposed matrix in O(Σ_{u ∈ c} (1 + chosen coverers of u) × coverers of u),
//! and the best swap over every (chosen, same-group unchosen) pair is a dense scan of
//! O(chosen × group size) with no matrix access.
//!
//! `extra` holds one dense row of `n` values per chosen candidate (rows are reused), so its
//! size is checked against [`MAX_TABLE_ENTRIES`] before the search uses it.

use super::matrix::Transposed;
use super::objective::{CoveringProblem, State};

/// Largest `chosen × candidates` extra table the fast interchange allocates (2²⁵ values,
/// 256 MB); beyond it the local search falls back to its plain swap descent.
pub(crate) const MAX_TABLE_ENTRIES: usize = 1 << 25;

/// A chosen set with its swap tables. See the [module docs](self).
#[derive(Debug, Clone)]
pub(crate) struct Tables<'p> {
    pub(crate) s: State<'p>,
    pub(crate) gain: Vec<f64>,
    pub(crate) loss: Vec<f64>,
    /// Row of `extra` of each chosen candidate (`u32::MAX`: not chosen).
    slot: Vec<u32>,
    rows: Vec<Vec<f64>>,
    free: Vec<u32>,
    /// Table entries touched by flips (a deterministic work measure).
    pub(crate) work: u64,
}

impl<'p> Tables<'p> {
    /// Tables of the state `s` (rebuilt from scratch: O(nnz + Σ_{u: d_u = k_u} chosen
    /// coverers × coverers)).
    pub(crate) fn new(s: State<'p>, t: &Transposed) -> Tables<'p> {
        let p = s.p;
        let n = p.n_candidates();
        let m = &p.matrix;
        let (w, k) = (m.weights(), m.required());
        let mut gain = vec![0.0; n];
        let mut loss = vec![0.0; n];
        for (c, (g, l)) in gain.iter_mut().zip(loss.iter_mut()).enumerate() {
            for &u in m.units_of(c) {
                let u = u as usize;
                let (d, ku) = (s.depth[u], k[u]);
                let v = w[u] / f64::from(ku);
                if d < ku {
                    *g += v;
                }
                if d <= ku {
                    *l += v;
                }
            }
        }
        let mut tb = Tables {
            s,
            gain,
            loss,
            slot: vec![u32::MAX; n],
            rows: Vec::new(),
            free: Vec::new(),
            work: 0,
        };
        let list = tb.s.list.clone();
        for &c in &list {
            tb.take_slot(c);
        }
        for u in 0..m.n_units() {
            if tb.s.depth[u] == k[u] {
                let v = w[u] / f64::from(k[u]);
                tb.spread(t, u, v, None);
            }
        }
        tb
    }

    fn take_slot(&mut self, c: usize) {
        let n = self.slot.len();
        let r = match self.free.pop() {
            Some(r) => r,
            None => {
                self.rows.push(vec![0.0; n]);
                (self.rows.len() - 1) as u32
            }
        };
        self.slot[c] = r;
    }

    fn release_slot(&mut self, c: usize) {
        let r = self.slot[c];
        if r != u32::MAX {
            // exact zeros again (rounding drift never carries over to the next owner)
            self.rows[r as usize].iter_mut().for_each(|x| *x = 0.0);
            self.free.push(r);
            self.slot[c] = u32::MAX;
        }
    }

    /// Adds `v` to `extra[a][c']` for every chosen coverer `a` of `u` (with `flipped` =
    /// `Some((c, chosen))` overriding `c`'s chosen flag) and every coverer `c'` of `u`.
    fn spread(&mut self, t: &Transposed, u: usize, v: f64, flipped: Option<(usize, bool)>) {
        let cov = t.of(u);
        for &a in cov {
            let a = a as usize;
            let chosen = match flipped {
                Some((c, f)) if c == a => f,
                _ => self.s.chosen[a],
            };
            if !chosen {
                continue;
            }
            let r = self.slot[a];
            if r == u32::MAX {
                continue;
            }
            let row = &mut self.rows[r as usize];
            for &b in cov {
                row[b as usize] += v;
            }
            self.work += cov.len() as u64;
        }
    }

    /// Adds `c` (unchosen) or removes it (chosen), keeping the tables exact.
    pub(crate) fn flip(&mut self, t: &Transposed, c: usize) {
        let p = self.s.p;
        let m = &p.matrix;
        let (w, k) = (m.weights(), m.required());
        let adding = !self.s.chosen[c];
        if adding {
            self.take_slot(c);
        }
        for &u in m.units_of(c) {
            let u = u as usize;
            let d0 = self.s.depth[u];
            let ku = k[u];
            let d1 = if adding {
                d0.saturating_add(1)
            } else {
                d0.saturating_sub(1)
            };
            if d0 == d1 {
                continue;
            }
            let v = w[u] / f64::from(ku);
            if d0 == ku {
                self.spread(t, u, -v, Some((c, !adding)));
            }
            if d1 == ku {
                self.spread(t, u, v, Some((c, adding)));
            }
            let dg = v * (f64::from(u8::from(d1 < ku)) - f64::from(u8::from(d0 < ku)));
            let dl = v * (f64::from(u8::from(d1 <= ku)) - f64::from(u8::from(d0 <= ku)));
            if dg != 0.0 || dl != 0.0 {
                let cov = t.of(u);
                for &b in cov {
                    self.gain[b as usize] += dg;
                    self.loss[b as usize] += dl;
                }
                self.work += cov.len() as u64;
            }
        }
        if adding {
            self.s.add(c);
        } else {
            self.s.remove(c);
            self.release_slot(c);
        }
    }

    /// Objective change of swapping chosen `out` for unchosen `inn`.
    #[cfg(test)]
    pub(crate) fn delta(&self, out: usize, inn: usize) -> f64 {
        let r = self.slot[out] as usize;
        self.gain[inn] - self.loss[out] + self.rows[r][inn]
    }

    /// The `extra` row of chosen `c`.
    #[inline]
    pub(crate) fn row(&self, c: usize) -> &[f64] {
        &self.rows[self.slot[c] as usize]
    }
}

/// True when the fast interchange's tables for up to `chosen` chosen candidates fit
/// [`MAX_TABLE_ENTRIES`].
pub(crate) fn fits(p: &CoveringProblem, chosen: usize) -> bool {
    chosen
        .checked_mul(p.n_candidates())
        .is_some_and(|e| e <= MAX_TABLE_ENTRIES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::matrix::CoverageMatrix;

    /// The tables' swap delta equals the exact objective change, for every pair, through a
    /// sequence of flips (depth 1 and 2 units, initial depth).
    #[test]
    fn delta_matches_exact_change() {
        let n_units = 60;
        let mut x = 12345u64;
        let mut next = move || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as usize
        };
        let weights = (0..n_units).map(|_| (next() % 7) as f64 + 0.5).collect();
        let sets: Vec<Vec<usize>> = (0..25)
            .map(|_| (0..2 + next() % 9).map(|_| next() % n_units).collect())
            .collect();
        let req: Vec<u8> = (0..n_units).map(|u| 1 + (u % 3 == 0) as u8).collect();
        let init: Vec<u8> = (0..n_units).map(|u| (u % 7 == 0) as u8).collect();
        let m = CoverageMatrix::from_sets(weights, &sets)
            .unwrap()
            .with_required_depth(req)
            .unwrap()
            .with_initial_depth(init)
            .unwrap();
        let p = CoveringProblem::new(m, 8);
        let t = p.matrix.transpose();
        let mut tb = Tables::new(State::from_set(&p, &[0, 3, 7]), &t);
        for step in 0..40 {
            let chosen = tb.s.sorted();
            let base = p.evaluate(&chosen);
            for &o in &chosen {
                for i in 0..p.n_candidates() {
                    if tb.s.chosen[i] {
                        continue;
                    }
                    let mut s2: Vec<usize> = chosen.iter().copied().filter(|&c| c != o).collect();
                    s2.push(i);
                    let exact = p.evaluate(&s2) - base;
                    assert!(
                        (tb.delta(o, i) - exact).abs() < 1e-9,
                        "step {step}: swap {o} -> {i}: {} vs {exact}",
                        tb.delta(o, i)
                    );
                }
            }
            // flip something: add when short of 8, else remove
            let c = next() % p.n_candidates();
            if tb.s.chosen[c] || tb.s.list.len() < 8 {
                tb.flip(&t, c);
            }
            let g: Vec<f64> = (0..p.n_candidates())
                .map(|c| crate::placement::greedy::gain_for(&p, &tb.s.depth, c))
                .collect();
            for (gc, tc) in g.iter().zip(&tb.gain) {
                assert!((gc - tc).abs() < 1e-9);
            }
        }
    }
}
