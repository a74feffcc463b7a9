//! The presolve of [`super::presolve`] for large models: the **same reductions** (same units,
//! candidates, weights and matrix, bit for bit), computed without the full transpose.
//!
//! [`super::presolve::presolve`] builds the unit → candidates transpose (4 bytes per
//! non-zero, written in random order), hashes every unit's candidate list with SipHash, groups
//! units through a serial hash map and rebuilds the rows one after the other. At a million
//! units and 67 M non-zeros that takes about 17 s under load. Here:
//!
//! * unit degrees are counted, and only the candidate lists of the dominance test's **pivot
//!   units** (at most one per candidate) are gathered, in one pass over the rows;
//! * every unit's signature (a 64-bit mix of its kept candidates, in candidate order) is built
//!   from the rows in parallel over fixed unit blocks (deterministic), then units are grouped
//!   by sorting (signature, unit) pairs;
//! * the grouping is **verified exactly** (no hash is trusted): units grouped together have
//!   identical candidate sets if and only if every kept row holds either all or none of each
//!   group's units, which one counting pass over the rows checks. A collision (never seen in
//!   practice) falls back to [`super::presolve::presolve`];
//! * the reduced rows are mapped in parallel: each row keeps its classes' first units (the
//!   classes' representatives), which gives the reduced row sorted and without duplicates.
//!
//! Classes are numbered in the order of their first unit and weights summed in unit order, as
//! in [`super::presolve`], so the result is identical (tested against it).

use super::matrix::CoverageMatrix;
use super::objective::CoveringProblem;
use super::presolve::{passed, row_dominates, Presolved};
use crate::error::Result;
use rayon::prelude::*;
use std::time::Instant;

/// Work budget (merge steps) of the dominance test: the same as [`super::presolve`]'s.
const DOMINANCE_WORK: u64 = 400_000_000;

/// Units per block of the parallel per-unit passes over the rows.
const UNIT_BLOCK: usize = 1 << 16;

/// Presolves `p` with the same result as [`super::presolve::presolve`], faster on large
/// models; `Ok(None)` when `until` passed between two phases. See the [module docs](self).
pub(crate) fn presolve_fast(
    p: &CoveringProblem,
    until: Option<Instant>,
) -> Result<Option<Presolved>> {
    if passed(until) {
        return Ok(None);
    }
    let m = &p.matrix;
    let (nu, n) = (m.n_units(), m.n_candidates());
    let (w, k, init) = (m.weights(), m.required(), m.initial());
    let residual = |u: usize| k[u].saturating_sub(init[u]);
    // unit degrees (candidates covering each unit), counted per block in parallel
    let degree = per_unit_blocks(m, nu, |d: &mut u32, _| *d += 1);
    let live: Vec<bool> = (0..nu)
        .map(|u| w[u] > 0.0 && residual(u) > 0 && degree[u] > 0)
        .collect();
    // rows restricted to live units, copied only when some unit is not live
    let filtered: Option<Vec<Vec<u32>>> = if live.iter().all(|&l| l) {
        None
    } else {
        Some(
            (0..n)
                .into_par_iter()
                .map(|c| {
                    let row = m.units_of(c);
                    let mut v = Vec::with_capacity(row.len());
                    v.extend(row.iter().copied().filter(|&u| live[u as usize]));
                    v
                })
                .collect(),
        )
    };
    let rows = Rows { filtered, m };
    if passed(until) {
        return Ok(None);
    }
    let side_free = p.conflict_adj.is_empty() && p.rules.is_empty();
    let keep: Vec<bool> = if side_free {
        dominance_keep(p, &rows, &degree, &residual)
    } else {
        vec![true; n]
    };
    if passed(until) {
        return Ok(None);
    }
    let original: Vec<usize> = (0..n).filter(|&c| keep[c]).collect();
    // signatures over the kept rows: (kept degree, hash of the kept candidates in order)
    let sig = per_unit_blocks_rows(&original, &rows, nu, |acc: &mut (u32, u64), i| {
        acc.0 += 1;
        acc.1 = mix(acc.1 ^ u64::from(i));
    });
    let constant = |u: usize| !live[u] || sig[u].0 == 0;
    // group key: constant units by (k, min(init, k)); the others by (k, init, signature)
    let key = |u: usize| -> (u8, u8, u8, u32, u64) {
        if constant(u) {
            (0, k[u], init[u].min(k[u]), 0, 0)
        } else {
            (1, k[u], init[u], sig[u].0, sig[u].1)
        }
    };
    let mut order: Vec<u32> = (0..nu as u32).collect();
    order.par_sort_unstable_by_key(|&u| (key(u as usize), u));
    if passed(until) {
        return Ok(None);
    }
    // group id per unit (runs of equal keys), then classes numbered by first unit
    let mut group = vec![0u32; nu];
    let mut group_first: Vec<u32> = Vec::new();
    for (i, &u) in order.iter().enumerate() {
        if i == 0 || key(order[i - 1] as usize) != key(u as usize) {
            group_first.push(u);
        }
        group[u as usize] = (group_first.len() - 1) as u32;
    }
    drop(order);
    let mut class_of_group = vec![u32::MAX; group_first.len()];
    let mut unit_class = vec![0u32; nu];
    let mut weights: Vec<f64> = Vec::new();
    let mut req: Vec<u8> = Vec::new();
    let mut ini: Vec<u8> = Vec::new();
    let mut size: Vec<u32> = Vec::new();
    // the first unit of each class (its representative)
    let mut representative = vec![false; nu];
    for u in 0..nu {
        let g = group[u] as usize;
        if class_of_group[g] == u32::MAX {
            representative[u] = true;
            class_of_group[g] = weights.len() as u32;
            weights.push(0.0);
            req.push(k[u]);
            ini.push(if constant(u) {
                init[u].min(k[u])
            } else {
                init[u]
            });
            size.push(0);
        }
        let id = class_of_group[g];
        weights[id as usize] += w[u];
        size[id as usize] += 1;
        unit_class[u] = id;
    }
    drop(group);
    drop(class_of_group);
    // exact check of the grouping: every kept row holds all or none of each non-constant
    // class's units (each unit appears at most once per row)
    let n_classes = weights.len();
    let consistent = original
        .par_chunks(64)
        .map_init(
            || (vec![0u32; n_classes], Vec::<u32>::new()),
            |(count, touched), cs| {
                for &c in cs {
                    for &u in rows.of(c) {
                        let id = unit_class[u as usize];
                        if count[id as usize] == 0 {
                            touched.push(id);
                        }
                        count[id as usize] += 1;
                    }
                    for &id in touched.iter() {
                        if count[id as usize] != size[id as usize] {
                            return false;
                        }
                        count[id as usize] = 0;
                    }
                    touched.clear();
                }
                true
            },
        )
        .all(|ok| ok);
    if !consistent {
        return super::presolve::presolve(p, until);
    }
    if passed(until) {
        return Ok(None);
    }
    let mut matrix = CoverageMatrix::new(weights)?
        .with_required_depth(req)?
        .with_initial_depth(ini)?;
    // a kept row holds all or none of each class's units (checked above; constant units are
    // in no kept row), so it holds each of its classes' representatives exactly once; rows
    // are sorted and classes numbered in the order of their representatives, so the
    // representatives' classes, in row order, are the mapped row sorted and deduplicated
    // without a sort
    let reduced: Vec<Vec<u32>> = original
        .par_iter()
        .map(|&c| {
            let r = rows.of(c);
            let mut v: Vec<u32> = Vec::with_capacity(r.len());
            v.extend(
                r.iter()
                    .filter(|&&u| representative[u as usize])
                    .map(|&u| unit_class[u as usize]),
            );
            debug_assert!(v.windows(2).all(|w| w[0] < w[1]));
            v
        })
        .collect();
    drop(rows);
    for r in &reduced {
        matrix.push_sorted(r);
    }
    drop(reduced);
    Ok(Some(super::presolve::assemble(p, nu, matrix, original)))
}

/// The candidates' rows restricted to live units (borrowed when every unit is live).
struct Rows<'a> {
    filtered: Option<Vec<Vec<u32>>>,
    m: &'a CoverageMatrix,
}

impl Rows<'_> {
    fn of(&self, c: usize) -> &[u32] {
        match &self.filtered {
            Some(rows) => &rows[c],
            None => self.m.units_of(c),
        }
    }
}

/// A 64-bit mixer (splitmix64's finaliser).
#[inline]
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A per-unit value folded over the matrix's rows in candidate order, computed in parallel
/// over fixed unit blocks (each block visits every row's slice of its units: deterministic).
fn per_unit_blocks<T: Clone + Send + Default>(
    m: &CoverageMatrix,
    nu: usize,
    f: impl Fn(&mut T, u32) + Sync,
) -> Vec<T> {
    let mut out = vec![T::default(); nu];
    let n = m.n_candidates();
    out.par_chunks_mut(UNIT_BLOCK)
        .enumerate()
        .for_each(|(b, block)| {
            let (lo, hi) = (
                (b * UNIT_BLOCK) as u32,
                (b * UNIT_BLOCK + block.len()) as u32,
            );
            for c in 0..n {
                let r = m.units_of(c);
                let start = r.partition_point(|&u| u < lo);
                for &u in r[start..].iter().take_while(|&&u| u < hi) {
                    f(&mut block[(u - lo) as usize], c as u32);
                }
            }
        });
    out
}

/// As [`per_unit_blocks`] over the rows `rows.of(original[i])`, passing the new index `i`.
fn per_unit_blocks_rows<T: Clone + Send + Default>(
    original: &[usize],
    rows: &Rows<'_>,
    nu: usize,
    f: impl Fn(&mut T, u32) + Sync,
) -> Vec<T> {
    let mut out = vec![T::default(); nu];
    out.par_chunks_mut(UNIT_BLOCK)
        .enumerate()
        .for_each(|(b, block)| {
            let (lo, hi) = (
                (b * UNIT_BLOCK) as u32,
                (b * UNIT_BLOCK + block.len()) as u32,
            );
            for (i, &c) in original.iter().enumerate() {
                let r = rows.of(c);
                let start = r.partition_point(|&u| u < lo);
                for &u in r[start..].iter().take_while(|&&u| u < hi) {
                    f(&mut block[(u - lo) as usize], i as u32);
                }
            }
        });
    out
}

/// Which candidates survive the dominance test: the rule, eligibility order and work budget
/// of [`super::presolve`], with each eligible candidate's pivot list gathered from the rows
/// instead of a full transpose (`degree`: candidates per unit over the whole matrix, equal
/// to the live rows' for live units).
fn dominance_keep(
    p: &CoveringProblem,
    rows: &Rows<'_>,
    degree: &[u32],
    residual: &(impl Fn(usize) -> u8 + Sync),
) -> Vec<bool> {
    let n = p.matrix.n_candidates();
    let dominates = |b: usize, a: usize| row_dominates(p, b, rows.of(b), a, rows.of(a));
    let mut budget_left = DOMINANCE_WORK;
    let mut pivot: Vec<Option<u32>> = vec![None; n];
    for (c, pv) in pivot.iter_mut().enumerate() {
        let r = rows.of(c);
        if r.is_empty() || r.iter().any(|&u| residual(u as usize) > 1) {
            continue;
        }
        let d = r.iter().map(|&u| degree[u as usize]).min().unwrap_or(0) as u64;
        let work = d * (r.len() as u64 + 1);
        if work > budget_left {
            break;
        }
        budget_left -= work;
        // the pivot: the unit of least degree (ties: lowest unit)
        *pv = r.iter().copied().min_by_key(|&u| (degree[u as usize], u));
    }
    // candidate lists of the pivot units, in candidate order
    let mut slot = vec![u32::MAX; degree.len()];
    let mut lists: Vec<Vec<u32>> = Vec::new();
    for &u in pivot.iter().flatten() {
        if slot[u as usize] == u32::MAX {
            slot[u as usize] = lists.len() as u32;
            lists.push(Vec::with_capacity(degree[u as usize] as usize));
        }
    }
    if !lists.is_empty() {
        for c in 0..n {
            for &u in rows.of(c) {
                let s = slot[u as usize];
                if s != u32::MAX {
                    lists[s as usize].push(c as u32);
                }
            }
        }
    }
    (0..n)
        .into_par_iter()
        .map(|a| {
            if rows.of(a).is_empty() {
                return false;
            }
            let Some(u) = pivot[a] else {
                return true;
            };
            !lists[slot[u as usize] as usize]
                .iter()
                .any(|&b| b as usize != a && dominates(b as usize, a))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::objective::{random_problem, RandomShape, SHAPE_WITH_ZEROS};
    use crate::placement::presolve::presolve;
    use proptest::prelude::*;

    fn same(p: &CoveringProblem) {
        let a = presolve(p, None).unwrap().unwrap();
        let b = presolve_fast(p, None).unwrap().unwrap();
        assert_eq!(a.original, b.original);
        assert_eq!(a.stats, b.stats);
        assert_eq!(a.problem.matrix, b.problem.matrix);
        assert_eq!(a.problem.groups, b.problem.groups);
        assert_eq!(a.problem.capacities, b.problem.capacities);
        assert_eq!(a.problem.costs, b.problem.costs);
        assert_eq!(a.problem.budget, b.problem.budget);
    }

    /// Identical to the reference presolve on clustered instances (shared units, dominated
    /// candidates, uncoverable units).
    #[test]
    fn same_reductions_as_presolve_on_clustered_instances() {
        for (nd, nc, r, seed) in [
            (20_000, 800, 8_000.0, 1),
            (5_000, 600, 3_000.0, 2),
            (150_000, 300, 12_000.0, 3),
        ] {
            let inst = crate::placement::synthetic::SyntheticInstance::clustered(
                nd, nc, 300_000.0, r, seed,
            );
            let p = CoveringProblem::new(inst.matrix().unwrap(), 20);
            same(&p);
        }
    }

    /// A deadline already passed abandons both presolves before any work.
    #[test]
    fn passed_deadline_abandons_the_presolve() {
        let inst = crate::placement::synthetic::SyntheticInstance::clustered(
            5_000, 300, 300_000.0, 8_000.0, 4,
        );
        let p = CoveringProblem::new(inst.matrix().unwrap(), 10);
        let past = Some(std::time::Instant::now());
        assert!(presolve(&p, past).unwrap().is_none());
        assert!(presolve_fast(&p, past).unwrap().is_none());
        // a deadline far ahead changes nothing
        let later = std::time::Instant::now().checked_add(std::time::Duration::from_secs(3600));
        let (a, b) = (presolve(&p, later).unwrap(), presolve(&p, None).unwrap());
        assert_eq!(a.map(|a| a.original), b.map(|b| b.original));
    }

    /// The parallel passes (unit blocks, grouping sort, row rebuild) give the same result on
    /// 1 and 3 threads.
    #[test]
    fn same_on_any_thread_count() {
        let inst = crate::placement::synthetic::SyntheticInstance::clustered(
            150_000, 400, 300_000.0, 8_000.0, 5,
        );
        let p = CoveringProblem::new(inst.matrix().unwrap(), 10);
        let run = |threads: usize| {
            crate::placement::on_threads(threads, || presolve_fast(&p, None).unwrap().unwrap())
        };
        let (a, b) = (run(1), run(3));
        assert_eq!(a.original, b.original);
        assert_eq!(a.stats, b.stats);
        assert_eq!(a.problem.matrix, b.problem.matrix);
        assert!(a.stats.units_after < a.stats.units_before);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Identical to the reference presolve on small random models with groups, costs,
        /// budgets, depths and initial coverage.
        #[test]
        fn same_reductions_as_presolve(seed in 0u64..1_000_000, g: bool, b: bool, d: bool) {
            let shape = RandomShape {
                units: (4, 30),
                candidates: (3, 12),
                set_size: (0, 6),
                ..SHAPE_WITH_ZEROS
            };
            let p = random_problem(seed, &shape, g, b, d);
            same(&p);
        }
    }
}
