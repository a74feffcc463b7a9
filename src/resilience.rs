//! Resilience of a plan: coverage after losing each single site (N-1), the worst set of `r`
//! losses (r-interdiction, greedy and exact), and **robust** placement that maximises the
//! coverage left after the worst single loss (max-min), with a certified bound.
//!
//! Everything works on the sparse [`CoverageMatrix`] of a placement model: a loss removes a
//! chosen candidate's column, the objective is the planner's `Σ w·min(d, k)/k`. Fixed sites sit
//! in the matrix's initial depth and are not lost here; the leakers of a raid after each single
//! loss, fixed sites included, come from [`raid_n_minus_one`].
//!
//! * **N-1** ([`n_minus_one`]): for every chosen site `j`, `f(S \ {j})`; the worst loss named.
//! * **Worst r losses** ([`worst_r_greedy`], [`worst_r_exact`], [`worst_r`]): the r-interdiction
//!   problem of Church, Scaparra & Middleton, "Identifying critical infrastructure: the median
//!   and covering facility interdiction problems", *Annals of the AAG* 94(3) 2004, 491–502, on
//!   the coverage matrix: greedy (remove the most damaging site, repeat) and exact enumeration
//!   of all `C(|S|, r)` subsets when that is at most a given number.
//! * **Robust placement** ([`robust_placement`], in [`robust`]): maximise
//!   `R(S) = min_{j∈S} f(S \ {j})`, the coverage that survives the worst single loss, by
//!   best-improvement swap local search on `R` itself with incremental evaluation, plus
//!   iterated perturbation, under all the problem's constraints; certified by
//!   [`robust_upper_bound`], a bound on the best `R` itself (the planner's bound with one
//!   fewer unit of a class), not only on the ordinary objective.
//!
//! # Examples
//! ```
//! use skycover::placement::CoverageMatrix;
//! use skycover::resilience::{n_minus_one, worst_r_exact, worst_r_greedy};
//! // three sites; site 1 covers what nobody else covers
//! let m = CoverageMatrix::from_sets(vec![1.0, 1.0, 4.0, 1.0], &[vec![0, 1], vec![2], vec![1, 3]])?;
//! let chosen = [0, 1, 2];
//! let n1 = n_minus_one(&m, &chosen)?;
//! assert_eq!(n1.objective, 7.0);
//! assert_eq!(n1.worst().unwrap().lost, vec![1]);
//! assert_eq!(n1.worst().unwrap().objective, 3.0);
//! let g = worst_r_greedy(&m, &chosen, 2)?;
//! let e = worst_r_exact(&m, &chosen, 2, 1_000)?;
//! assert!(e.objective <= g.objective);
//! # Ok::<(), skycover::Error>(())
//! ```

use crate::diagnostic::{codes, Diagnostic};
use crate::error::{Error, Result};
use crate::placement::{CoverageMatrix, CoveringProblem};
use crate::raid::{simulate_masked, Raid, RaidModel, RaidOptions, RaidOutcome};
use serde::Serialize;

pub mod robust;
pub use robust::{
    robust_placement, robust_upper_bound, ClassBound, RobustBound, RobustOptions, RobustPlan,
};

/// One loss: which chosen candidates are lost and the objective left.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Loss {
    /// Lost candidates (matrix candidate indices), sorted.
    pub lost: Vec<usize>,
    /// Objective after the loss.
    pub objective: f64,
    /// Objective lost.
    pub drop: f64,
}

/// The N-1 report of a chosen set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NMinusOne {
    /// Objective with every chosen candidate.
    pub objective: f64,
    /// One loss per chosen candidate, in the order given.
    pub losses: Vec<Loss>,
}

impl NMinusOne {
    /// The worst single loss (largest drop; ties: the first).
    pub fn worst(&self) -> Option<&Loss> {
        self.losses
            .iter()
            .fold(None, |b: Option<&Loss>, l| match b {
                Some(b) if b.drop >= l.drop => Some(b),
                _ => Some(l),
            })
    }
}

/// The worst set of `r` losses found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interdiction {
    /// Losses asked for.
    pub r: usize,
    /// The lost candidates, sorted.
    pub lost: Vec<usize>,
    /// Objective left.
    pub objective: f64,
    /// Objective lost.
    pub drop: f64,
    /// True when proven worst by enumeration.
    pub exact: bool,
    /// Subsets evaluated.
    pub evaluated: u64,
    /// Remarks.
    pub diagnostics: Vec<Diagnostic>,
}

fn check_chosen(m: &CoverageMatrix, chosen: &[usize]) -> Result<()> {
    let n = m.n_candidates();
    let mut seen = vec![false; n];
    for &c in chosen {
        if c >= n || seen[c] {
            return Err(Error::InvalidInput {
                what: "resilience: chosen candidates".into(),
                reason: format!("candidate {c} out of range ({n}) or repeated"),
            });
        }
        seen[c] = true;
    }
    Ok(())
}

#[inline]
fn val(w: f64, k: u8, d: u8) -> f64 {
    w * f64::from(d.min(k)) / f64::from(k.max(1))
}

/// Objective lost when `lost` are removed from a set with depths `depth`.
fn drop_of(
    m: &CoverageMatrix,
    depth: &[u8],
    lost: &[usize],
    dec: &mut [u8],
    touched: &mut Vec<u32>,
) -> f64 {
    touched.clear();
    for &c in lost {
        for &u in m.units_of(c) {
            if dec[u as usize] == 0 {
                touched.push(u);
            }
            dec[u as usize] += 1;
        }
    }
    let (w, k) = (m.weights(), m.required());
    let mut d = 0.0;
    for &u in touched.iter() {
        let u = u as usize;
        let before = depth[u];
        let after = before.saturating_sub(dec[u]);
        d += val(w[u], k[u], before) - val(w[u], k[u], after);
        dec[u] = 0;
    }
    d
}

/// Coverage left after losing each single chosen candidate.
///
/// Parameters: the matrix and the chosen candidates (e.g. [`Plan::candidate_indices`](crate::Plan::candidate_indices)).
///
/// Returns: [`NMinusOne`]. Complexity: O(nnz of the chosen columns + units).
///
/// # Errors
/// [`Error::InvalidInput`] for a candidate out of range or repeated.
///
/// # Examples
/// See the [module docs](self).
pub fn n_minus_one(m: &CoverageMatrix, chosen: &[usize]) -> Result<NMinusOne> {
    check_chosen(m, chosen)?;
    let depth = m.depths_of(chosen);
    let objective = m.objective_of(chosen);
    let mut dec = vec![0u8; m.n_units()];
    let mut touched = Vec::new();
    let losses = chosen
        .iter()
        .map(|&c| {
            let d = drop_of(m, &depth, &[c], &mut dec, &mut touched);
            Loss {
                lost: vec![c],
                objective: objective - d,
                drop: d,
            }
        })
        .collect();
    Ok(NMinusOne { objective, losses })
}

fn check_r(chosen: &[usize], r: usize) -> Result<()> {
    if r == 0 || r > chosen.len() {
        return Err(Error::InvalidInput {
            what: "resilience: r".into(),
            reason: format!(
                "{r} losses asked of {} chosen sites (need 1..=chosen)",
                chosen.len()
            ),
        });
    }
    Ok(())
}

/// Greedy r-interdiction: remove the most damaging chosen candidate, then the most damaging of
/// the rest, `r` times.
///
/// # Errors
/// [`Error::InvalidInput`] for a bad chosen set or `r` not in `1..=chosen.len()`.
pub fn worst_r_greedy(m: &CoverageMatrix, chosen: &[usize], r: usize) -> Result<Interdiction> {
    check_chosen(m, chosen)?;
    check_r(chosen, r)?;
    let depth = m.depths_of(chosen);
    let objective = m.objective_of(chosen);
    let mut dec = vec![0u8; m.n_units()];
    let mut touched = Vec::new();
    let mut lost: Vec<usize> = Vec::with_capacity(r);
    let mut evaluated = 0;
    let mut best_drop = 0.0;
    for _ in 0..r {
        let mut best: Option<(f64, usize)> = None;
        for &c in chosen {
            if lost.contains(&c) {
                continue;
            }
            lost.push(c);
            let d = drop_of(m, &depth, &lost, &mut dec, &mut touched);
            lost.pop();
            evaluated += 1;
            if best.map_or(true, |(bd, _)| d > bd) {
                best = Some((d, c));
            }
        }
        if let Some((d, c)) = best {
            lost.push(c);
            best_drop = d;
        }
    }
    lost.sort_unstable();
    Ok(Interdiction {
        r,
        lost,
        objective: objective - best_drop,
        drop: best_drop,
        exact: false,
        evaluated,
        diagnostics: Vec::new(),
    })
}

fn binomial(n: usize, r: usize) -> u64 {
    let r = r.min(n - r);
    let mut c: u128 = 1;
    for i in 0..r {
        c = c * (n - i) as u128 / (i + 1) as u128;
        if c > u64::MAX as u128 {
            return u64::MAX;
        }
    }
    c as u64
}

/// Exact r-interdiction by enumerating every set of `r` chosen candidates.
///
/// # Errors
/// [`Error::ResourceLimit`] when `C(|chosen|, r)` exceeds `max_subsets`; as
/// [`worst_r_greedy`].
pub fn worst_r_exact(
    m: &CoverageMatrix,
    chosen: &[usize],
    r: usize,
    max_subsets: u64,
) -> Result<Interdiction> {
    check_chosen(m, chosen)?;
    check_r(chosen, r)?;
    let total = binomial(chosen.len(), r);
    if total > max_subsets {
        return Err(Error::ResourceLimit {
            what: "r-interdiction subsets",
            requested: total,
            limit: max_subsets,
            setting: "max_subsets",
        });
    }
    let depth = m.depths_of(chosen);
    let objective = m.objective_of(chosen);
    let mut dec = vec![0u8; m.n_units()];
    let mut touched = Vec::new();
    let n = chosen.len();
    let mut idx: Vec<usize> = (0..r).collect();
    let mut set = vec![0usize; r];
    let mut best: (f64, Vec<usize>) = (-1.0, Vec::new());
    let mut evaluated = 0u64;
    loop {
        for (s, &i) in set.iter_mut().zip(&idx) {
            *s = chosen[i];
        }
        let d = drop_of(m, &depth, &set, &mut dec, &mut touched);
        evaluated += 1;
        if d > best.0 {
            best = (d, set.clone());
        }
        // next combination
        let mut i = r;
        while i > 0 && idx[i - 1] == n - r + i - 1 {
            i -= 1;
        }
        if i == 0 {
            break;
        }
        idx[i - 1] += 1;
        for j in i..r {
            idx[j] = idx[j - 1] + 1;
        }
    }
    let mut lost = best.1;
    lost.sort_unstable();
    Ok(Interdiction {
        r,
        lost,
        objective: objective - best.0.max(0.0),
        drop: best.0.max(0.0),
        exact: true,
        evaluated,
        diagnostics: Vec::new(),
    })
}

/// The worst `r` losses: exact when `C(|chosen|, r) ≤ max_subsets`, else greedy with a
/// [`codes::RESILIENCE_EXACT_SKIPPED`] warning.
///
/// # Errors
/// As [`worst_r_greedy`].
pub fn worst_r(
    m: &CoverageMatrix,
    chosen: &[usize],
    r: usize,
    max_subsets: u64,
) -> Result<Interdiction> {
    match worst_r_exact(m, chosen, r, max_subsets) {
        Err(Error::ResourceLimit { requested, .. }) => {
            let mut g = worst_r_greedy(m, chosen, r)?;
            g.diagnostics.push(Diagnostic::warning(
                codes::RESILIENCE_EXACT_SKIPPED,
                format!("{requested} subsets of {r} losses exceed {max_subsets}: greedy worst case, not proven"),
            ));
            Ok(g)
        }
        other => other,
    }
}

/// Swap candidates: per group (class) of the chosen set, the `per_group` candidates covering the
/// most weight, in a fixed order.
pub(crate) fn pool_by_group(
    problem: &CoveringProblem,
    w: &[f64],
    chosen: &[usize],
    per_group: usize,
) -> Vec<usize> {
    let m = problem.matrix();
    let groups = problem.groups();
    let mut gs: Vec<u32> = chosen.iter().map(|&c| groups[c]).collect();
    gs.sort_unstable();
    gs.dedup();
    let mut pool = Vec::new();
    for g in gs {
        let mut v: Vec<(f64, usize)> = (0..m.n_candidates())
            .filter(|&c| groups[c] == g)
            .map(|c| (m.units_of(c).iter().map(|&u| w[u as usize]).sum(), c))
            .collect();
        v.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        pool.extend(v.into_iter().take(per_group).map(|x| x.1));
    }
    pool
}

/// `(f(S), R(S), worst j)` from depths.
fn worst_case(m: &CoverageMatrix, chosen: &[usize], depth: &[u8]) -> (f64, f64, Option<usize>) {
    let (w, k) = (m.weights(), m.required());
    let f: f64 = (0..m.n_units()).map(|u| val(w[u], k[u], depth[u])).sum();
    let mut worst: (f64, Option<usize>) = (0.0, None);
    for &c in chosen {
        let d: f64 = m
            .units_of(c)
            .iter()
            .map(|&u| {
                let u = u as usize;
                val(w[u], k[u], depth[u]) - val(w[u], k[u], depth[u].saturating_sub(1))
            })
            .sum();
        if worst.1.is_none() || d > worst.0 {
            worst = (d, Some(c));
        }
    }
    (f, f - worst.0, worst.1)
}

/// Raid leakers after losing each single site (fixed sites included).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaidNMinusOne {
    /// With every site.
    pub base: RaidOutcome,
    /// Per site (index = site): expected value-weighted and total leakers without it.
    pub without: Vec<(f64, f64)>,
    /// The site whose loss raises value-weighted leakers most.
    pub worst: Option<usize>,
}

/// Leakers of `raid` against `model` after losing each single unit, with common random numbers
/// (the same seed for every loss). Exact for a model built without netting (see
/// [`simulate_masked`]).
///
/// # Errors
/// As [`simulate_masked`].
pub fn raid_n_minus_one(
    model: &RaidModel,
    raid: &Raid,
    opts: &RaidOptions,
) -> Result<RaidNMinusOne> {
    let base = simulate_masked(model, raid, opts, None)?;
    let n = model.units.len();
    let mut without = Vec::with_capacity(n);
    let mut active = vec![true; n];
    for u in 0..n {
        active[u] = false;
        let o = simulate_masked(model, raid, opts, Some(&active))?;
        active[u] = true;
        without.push((o.weighted_leakers.mean, o.total_leakers.mean));
    }
    let worst = (0..n).fold(None, |b: Option<usize>, u| match b {
        Some(b) if without[b].0 >= without[u].0 => Some(b),
        _ => Some(u),
    });
    Ok(RaidNMinusOne {
        base,
        without,
        worst,
    })
}
