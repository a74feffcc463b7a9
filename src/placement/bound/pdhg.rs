//! The LP relaxation of the covering model bracketed by a **restarted primal–dual hybrid
//! gradient** (PDHG, Chambolle–Pock with diagonal preconditioning; restarts to the average and
//! an adaptive primal weight as in PDLP, Applegate et al. 2021).
//!
//! The LP (side constraints dropped, no budget) is the saddle point
//! `max_{x ∈ X} min_{λ ∈ [0, w/k]} Φ(x, λ)` with
//! `Φ(x, λ) = const + Σ_u r_u·(w_u/k_u − λ_u) + Σ_u λ_u·(Ax)_u`, `X` the group-capped box
//! `{0 ≤ x ≤ 1, Σ_{c ∈ g} x_c ≤ cap_g}` and `r_u` the depth a unit still needs. Its two sides are
//! both cheap to evaluate **exactly**:
//!
//! * `L(λ) = max_x Φ(x, λ) = const + Σ_u r_u (w_u/k_u − λ_u) + top-capacity(Aᵀλ)` is the
//!   Lagrangian bound of [`super::lagrangian_bound`]: valid for every `λ` in the box;
//! * `f(x) = min_λ Φ(x, λ) = const + Σ_u (w_u/k_u)·min(r_u, (Ax)_u)` is the LP value of the
//!   fractional plan `x`: a lower end of the LP's value (not of the integer optimum).
//!
//! So every iteration brackets the LP: `max f(x) ≤ LP ≤ min L(λ)`, and the bracket closes as
//! the iterates converge (PDHG converges on LPs; the subgradient method, which only moves `λ`,
//! stalls above the LP on large clustered models). One iteration is two passes over the
//! matrix: `Aᵀλ` gathered per candidate over its row, `Ax` gathered per unit over its
//! candidates (a transpose). Both gathers are parallel per element, each sum in a fixed order,
//! and the per-unit reductions run over fixed chunks added in order: the same bits on any
//! number of threads.

use super::{chunked_sum, top_capacity, Limits, Stop, Transpose, CHUNK};
use crate::placement::objective::CoveringProblem;
use rayon::prelude::*;
use std::time::Instant;

/// Iterations between restart checks.
const RESTART_CHECK: u32 = 16;

/// Restart when the candidate's duality gap is at most this share of the gap at the last
/// restart (PDLP's "sufficient decay", 0.2; measured better here at 0.5 on 100 k × 5 k).
const RESTART_DECAY: f64 = 0.5;

/// The LP data of one model in one unit numbering.
pub(crate) struct LpModel<'a, R, C> {
    /// The problem (groups and capacities).
    pub(crate) p: &'a CoveringProblem,
    /// Units of candidate `c`.
    pub(crate) rows: R,
    /// Candidates of unit `u` (same numbering as `rows`).
    pub(crate) cands: C,
    /// Capacity of each group (`p.capacities`, or what a branch-and-bound node leaves).
    pub(crate) caps: &'a [u32],
    /// `w_u / k_u` on active units, 0 elsewhere.
    pub(crate) cu: &'a [f64],
    /// Residual depth `r_u` on active units, 0 elsewhere.
    pub(crate) ru: &'a [f64],
    /// The objective's constant (initial coverage).
    pub(crate) constant: f64,
    /// Candidates per group.
    pub(crate) members: &'a [Vec<u32>],
    /// Parallel passes (the result does not depend on it).
    pub(crate) parallel: bool,
}

/// What [`pdhg`] found.
#[derive(Debug, Clone)]
pub(crate) struct PdhgOutcome {
    /// The smallest `L(λ)` evaluated: a valid upper bound.
    pub(crate) bound: f64,
    /// The largest `f(x)` evaluated: the LP value of a fractional plan (`≤ LP`).
    pub(crate) floor: f64,
    /// Iterations made.
    pub(crate) iterations: u32,
    /// Restarts made.
    pub(crate) restarts: u32,
    /// Why it stopped.
    pub(crate) stop: Stop,
    /// The last primal iterate (in `X`).
    pub(crate) x: Vec<f64>,
    /// The multipliers of [`PdhgOutcome::bound`].
    pub(crate) lambda: Vec<f64>,
}

impl<'a, 'r, 's, R, C> LpModel<'a, R, C>
where
    R: Fn(usize) -> &'r [u32] + Sync,
    C: Fn(usize) -> &'s [u32] + Sync,
{
    fn n_units(&self) -> usize {
        self.cu.len()
    }

    /// `out_c = Σ_{u ∈ c} λ_u`.
    fn gather_rows(&self, lambda: &[f64], out: &mut [f64]) {
        let g = |(c, o): (usize, &mut f64)| *o = sum_at((self.rows)(c), lambda);
        if self.parallel {
            out.par_iter_mut().enumerate().with_min_len(16).for_each(g);
        } else {
            out.iter_mut().enumerate().for_each(g);
        }
    }

    /// `out_u = Σ_{c ∋ u} x_c` on active units (0 elsewhere).
    fn gather_units(&self, x: &[f64], out: &mut [f64]) {
        let g = |(i, chunk): (usize, &mut [f64])| {
            for (j, o) in chunk.iter_mut().enumerate() {
                let u = i * CHUNK + j;
                *o = if self.cu[u] > 0.0 {
                    sum_at((self.cands)(u), x)
                } else {
                    0.0
                };
            }
        };
        if self.parallel {
            out.par_chunks_mut(CHUNK).enumerate().for_each(g);
        } else {
            out.chunks_mut(CHUNK).enumerate().for_each(g);
        }
    }

    /// `L(λ)` from `λ` and `Λ = Aᵀλ` (exact for these multipliers).
    fn dual_value(&self, lambda: &[f64], big: &[f64]) -> f64 {
        let (cu, ru) = (self.cu, self.ru);
        let dual = chunked_sum(self.n_units(), self.parallel, |u| {
            let d = cu[u] - lambda[u];
            if d > 0.0 {
                ru[u] * d
            } else {
                0.0
            }
        });
        self.constant + dual + top_capacity(self.caps, big, self.members)
    }

    /// `f(x)` from `z = Ax`.
    fn primal_value(&self, z: &[f64]) -> f64 {
        let (cu, ru) = (self.cu, self.ru);
        self.constant
            + chunked_sum(self.n_units(), self.parallel, |u| {
                if cu[u] > 0.0 {
                    cu[u] * z[u].min(ru[u])
                } else {
                    0.0
                }
            })
    }

    /// Projects `v` onto `X` in place in the metric `Σ_c (x_c − v_c)² / tau_c` (the prox of
    /// the preconditioned step): per group, clamp to `[0, 1]`, then, if the group's sum
    /// exceeds its capacity, `x_c = clamp(v_c − θ·tau_c, 0, 1)` with the `θ > 0` that meets it,
    /// found by bisection (the upper end kept: the result is always feasible).
    fn project(&self, v: &mut [f64], tau: &[f64]) {
        for (g, mem) in self.members.iter().enumerate() {
            let cap = f64::from(self.caps[g]);
            let sum_at_shift = |t: f64| -> f64 {
                mem.iter()
                    .map(|&c| (v[c as usize] - t * tau[c as usize]).clamp(0.0, 1.0))
                    .sum()
            };
            if sum_at_shift(0.0) <= cap {
                for &c in mem {
                    v[c as usize] = v[c as usize].clamp(0.0, 1.0);
                }
                continue;
            }
            // at θ = max v/τ every entry is clamped to 0
            let hi0 = mem
                .iter()
                .map(|&c| v[c as usize] / tau[c as usize])
                .fold(0.0f64, f64::max);
            let (mut lo, mut hi) = (0.0f64, hi0);
            for _ in 0..64 {
                let mid = 0.5 * (lo + hi);
                if sum_at_shift(mid) > cap {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            for &c in mem {
                v[c as usize] = (v[c as usize] - hi * tau[c as usize]).clamp(0.0, 1.0);
            }
        }
    }
}

/// `Σ values[i]` over `idx`, four partial sums added in a fixed order.
#[inline]
fn sum_at(idx: &[u32], values: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let mut quads = idx.chunks_exact(4);
    for q in &mut quads {
        acc[0] += values[q[0] as usize];
        acc[1] += values[q[1] as usize];
        acc[2] += values[q[2] as usize];
        acc[3] += values[q[3] as usize];
    }
    for (a, &i) in acc.iter_mut().zip(quads.remainder()) {
        *a += values[i as usize];
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

fn dist2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Restarted PDHG from `(x0, lambda0)` (`x0` is projected onto `X`, `lambda0` clamped to the
/// box), within `limits`; `lower` is a feasible plan's value: the search stops once the
/// bound meets it (closed) or is within `limits.target_gap` of it. See the
/// [module docs](self). Returns the best bound and floor met.
pub(crate) fn pdhg<'r, 's, R, C>(
    lp: &LpModel<'_, R, C>,
    x0: &[f64],
    lambda0: &[f64],
    limits: Limits,
    lower: f64,
) -> PdhgOutcome
where
    R: Fn(usize) -> &'r [u32] + Sync,
    C: Fn(usize) -> &'s [u32] + Sync,
{
    let nu = lp.n_units();
    let n = lp.p.n_candidates();
    let (cu, ru) = (lp.cu, lp.ru);
    // preconditioners (Pock–Chambolle, α = 1): row and column counts
    let deg_c: Vec<f64> = (0..n)
        .map(|c| ((lp.rows)(c).len() as f64).max(1.0))
        .collect();
    let deg_u: Vec<f64> = (0..nu)
        .map(|u| ((lp.cands)(u).len() as f64).max(1.0))
        .collect();
    let mut x = x0.to_vec();
    let unit_tau = vec![1.0; n];
    lp.project(&mut x, &unit_tau);
    drop(unit_tau);
    let mut lam: Vec<f64> = (0..nu).map(|u| lambda0[u].clamp(0.0, cu[u])).collect();
    let mut z = vec![0.0; nu];
    lp.gather_units(&x, &mut z);
    let mut big = vec![0.0; n];
    lp.gather_rows(&lam, &mut big);
    let mut bound = lp.dual_value(&lam, &big);
    let mut best_lam = lam.clone();
    let mut floor = lp.primal_value(&z);
    // primal weight: the mean multiplier range (λ and x on comparable scales)
    let active = cu.iter().filter(|&&c| c > 0.0).count().max(1) as f64;
    let mut omega = (cu.iter().sum::<f64>() / active).max(1e-9);
    let mut tau: Vec<f64> = deg_c.iter().map(|&d| 1.0 / (omega * d)).collect();
    let mut iterations = 0u32;
    let mut restarts = 0u32;
    let mut stop = Stop::IterationLimit;
    // averages since the last restart, and the last restart point
    let mut x_avg = vec![0.0; n];
    let mut l_avg = vec![0.0; nu];
    let mut n_avg = 0u32;
    let mut x_restart = x.clone();
    let mut l_restart = lam.clone();
    let mut gap_restart = bound - floor;
    let mut xn = vec![0.0; n];
    let mut zn = vec![0.0; nu];
    let mut za = vec![0.0; nu];
    let mut ba = vec![0.0; n];
    let mut since_restart = 0u32;
    loop {
        let certified = bound.min(limits.known_bound);
        if bound - lower <= 1e-9 * bound.abs().max(1e-300) {
            stop = Stop::Closed;
            break;
        }
        if limits.target_gap > 0.0 && certified - lower <= limits.target_gap * certified.abs() {
            stop = Stop::TargetGap;
            break;
        }
        if iterations >= limits.max_iterations {
            break;
        }
        if limits.deadline.is_some_and(|d| Instant::now() >= d) {
            stop = Stop::TimeLimit;
            break;
        }
        iterations += 1;
        since_restart += 1;
        // primal ascent step, projected
        for c in 0..n {
            xn[c] = x[c] + big[c] * tau[c];
        }
        lp.project(&mut xn, &tau);
        lp.gather_units(&xn, &mut zn);
        floor = floor.max(lp.primal_value(&zn));
        // dual descent step at the extrapolated primal 2x' − x
        let step = |(i, chunk): (usize, &mut [f64])| {
            for (j, l) in chunk.iter_mut().enumerate() {
                let u = i * CHUNK + j;
                if cu[u] > 0.0 {
                    let s = 2.0 * zn[u] - z[u] - ru[u];
                    *l = (*l - omega / deg_u[u] * s).clamp(0.0, cu[u]);
                }
            }
        };
        if lp.parallel {
            lam.par_chunks_mut(CHUNK).enumerate().for_each(step);
        } else {
            lam.chunks_mut(CHUNK).enumerate().for_each(step);
        }
        std::mem::swap(&mut x, &mut xn);
        std::mem::swap(&mut z, &mut zn);
        lp.gather_rows(&lam, &mut big);
        let l_now = lp.dual_value(&lam, &big);
        if l_now < bound {
            bound = l_now;
            best_lam.copy_from_slice(&lam);
        }
        // running averages
        n_avg += 1;
        let a = 1.0 / f64::from(n_avg);
        for c in 0..n {
            x_avg[c] += a * (x[c] - x_avg[c]);
        }
        for u in 0..nu {
            l_avg[u] += a * (lam[u] - l_avg[u]);
        }
        if since_restart % RESTART_CHECK != 0 {
            continue;
        }
        // restart check: the average's exact gap against the current one's
        lp.gather_units(&x_avg, &mut za);
        lp.gather_rows(&l_avg, &mut ba);
        let (fa, la) = (lp.primal_value(&za), lp.dual_value(&l_avg, &ba));
        floor = floor.max(fa);
        if la < bound {
            bound = la;
            best_lam.copy_from_slice(&l_avg);
        }
        let gap_now = l_now - lp.primal_value(&z);
        let gap_avg = la - fa;
        let use_avg = gap_avg < gap_now;
        let gap_cand = gap_avg.min(gap_now);
        let long = since_restart >= (iterations / 3).max(4 * RESTART_CHECK);
        if gap_cand <= RESTART_DECAY * gap_restart || long {
            if use_avg {
                x.copy_from_slice(&x_avg);
                lam.copy_from_slice(&l_avg);
                z.copy_from_slice(&za);
                big.copy_from_slice(&ba);
            }
            // primal weight: balance the distances moved since the last restart
            let (dx, dl) = (dist2(&x, &x_restart).sqrt(), dist2(&lam, &l_restart).sqrt());
            if dx > 1e-10 && dl > 1e-10 {
                omega = (0.5 * (dl / dx).ln() + 0.5 * omega.ln()).exp();
                for (t, &d) in tau.iter_mut().zip(&deg_c) {
                    *t = 1.0 / (omega * d);
                }
            }
            x_restart.copy_from_slice(&x);
            l_restart.copy_from_slice(&lam);
            gap_restart = gap_cand;
            n_avg = 0;
            x_avg.iter_mut().for_each(|v| *v = 0.0);
            l_avg.iter_mut().for_each(|v| *v = 0.0);
            since_restart = 0;
            restarts += 1;
        }
    }
    PdhgOutcome {
        bound,
        floor,
        iterations,
        restarts,
        stop,
        x,
        lambda: best_lam,
    }
}

/// The LP relaxation's value bracketed by [`lp_bracket`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LpBracket {
    /// The LP value of a fractional plan (`≤ LP`; not a bound on the integer optimum).
    pub lower: f64,
    /// A valid upper bound on the integer optimum (and `≥ LP`): `L(λ)` evaluated exactly.
    pub upper: f64,
    /// PDHG iterations made.
    pub iterations: u32,
    /// Restarts made.
    pub restarts: u32,
    /// Whether the time limit stopped it.
    pub hit_time_limit: bool,
}

/// Brackets the LP relaxation of `problem` (capacities only: budget, spacing and support rules
/// dropped) by restarted PDHG ([module docs](self)), after the presolve of
/// [`covering::solve`](crate::placement::covering::solve) (identical units aggregated,
/// dominated candidates dropped: the bracket is the reduced model's LP, still an upper bound on
/// the original's optimum), from the greedy plan and the dual ascent's multipliers.
///
/// # Parameters
/// * `problem`: the covering model;
/// * `max_iterations`: PDHG iterations at most;
/// * `time_limit`: wall-clock limit counted from the call (presolve, greedy, setup and
///   iterations; the presolve and the setup check it between their passes over the matrix,
///   and a presolve cut short leaves the unreduced model, whose LP is the same).
///
/// # Returns
/// The bracket `lower ≤ LP ≤ upper`, `upper` a certified bound on the optimum.
///
/// # Complexity
/// Two passes over the matrix per iteration (O(nnz)), one transpose.
///
/// # Errors
/// As the presolve: [`crate::Error::InvalidInput`] for an invalid model.
///
/// # Examples
/// ```
/// use skycover::placement::bound::pdhg::lp_bracket;
/// use skycover::placement::{CoverageMatrix, CoveringProblem};
/// use std::time::Duration;
/// // three units in a cycle, each pair covered by one candidate, one site: optimum and LP 2
/// let m = CoverageMatrix::from_sets(vec![1.0, 1.0, 1.0], &[vec![0, 1], vec![1, 2], vec![0, 2]])?;
/// let b = lp_bracket(&CoveringProblem::new(m, 1), 2000, Duration::from_secs(5))?;
/// assert!(b.lower <= b.upper + 1e-9);
/// assert!(b.upper >= 2.0 - 1e-9); // the integer optimum
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn lp_bracket(
    problem: &CoveringProblem,
    max_iterations: u32,
    time_limit: std::time::Duration,
) -> crate::error::Result<LpBracket> {
    let deadline = Instant::now().checked_add(time_limit);
    // past the deadline the presolve is abandoned: the unreduced model has the same bracket
    let pre = crate::placement::presolve::reduce(problem, deadline)?;
    let p = pre.as_ref().map_or(problem, |pre| &pre.problem);
    let g = crate::placement::greedy::greedy(p)?;
    let o = bracket_of(p, &g.chosen, g.value, max_iterations, deadline);
    Ok(LpBracket {
        // the greedy plan is a (integral) point of the LP too
        lower: o.floor.max(g.value),
        upper: o.bound.min(p.matrix.max_objective()),
        iterations: o.iterations,
        restarts: o.restarts,
        hit_time_limit: o.stop == Stop::TimeLimit || pre.is_none(),
    })
}

/// PDHG on `p` (renumbered rows, ascent start) from the plan `chosen`.
pub(crate) fn bracket_of(
    p: &CoveringProblem,
    chosen: &[usize],
    value: f64,
    max_iterations: u32,
    deadline: Option<Instant>,
) -> PdhgOutcome {
    let m = &p.matrix;
    let parallel = m.nnz() >= crate::placement::exact::PARALLEL_MIN_NNZ;
    let Some(local) = super::LocalRows::new(m, deadline) else {
        return PdhgOutcome {
            bound: f64::INFINITY,
            floor: f64::NEG_INFINITY,
            iterations: 0,
            restarts: 0,
            stop: Stop::TimeLimit,
            x: Vec::new(),
            lambda: Vec::new(),
        };
    };
    let (nu, n) = (m.n_units(), m.n_candidates());
    let old = |v: usize| local.old_of_new[v] as usize;
    let (w, k, init) = (m.weights(), m.required(), m.initial());
    let t = Transpose::of_rows(nu, n, |c| local.of(c));
    let cu: Vec<f64> = (0..nu)
        .map(|v| {
            let u = old(v);
            if !t.of(v).is_empty() && k[u] > init[u] && w[u] > 0.0 {
                w[u] / f64::from(k[u])
            } else {
                0.0
            }
        })
        .collect();
    let ru: Vec<f64> = (0..nu)
        .map(|v| {
            if cu[v] > 0.0 {
                let u = old(v);
                f64::from(k[u] - init[u])
            } else {
                0.0
            }
        })
        .collect();
    let members = super::group_members(p);
    let depth = m.depths_of(chosen);
    let cu_s: Vec<f32> = cu.iter().map(|&c| c as f32).collect();
    let mut lambda: Vec<f32> = (0..nu)
        .map(|v| {
            if depth[old(v)] < k[old(v)] {
                cu_s[v]
            } else {
                0.0
            }
        })
        .collect();
    drop(depth);
    let prebuilt = local
        .transpose
        .lock()
        .ok()
        .and_then(|mut t| t.take())
        .map(|t| (t, local.old_of_new.as_slice()));
    let rows = |c: usize| local.of(c);
    super::dual_ascent(
        p,
        &rows,
        &members,
        &cu,
        &ru,
        &cu_s,
        &mut lambda,
        deadline,
        prebuilt.as_ref().map(|(t, o)| (t, *o)),
    );
    let lambda0: Vec<f64> = lambda.iter().map(|&l| f64::from(l)).collect();
    drop(lambda);
    let mut x0 = vec![0.0; n];
    for &c in chosen {
        x0[c] = 1.0;
    }
    let lp = LpModel {
        p,
        rows,
        cands: |u: usize| t.of(u),
        caps: &p.capacities,
        cu: &cu,
        ru: &ru,
        constant: m.initial_objective(),
        members: &members,
        parallel,
    };
    pdhg(
        &lp,
        &x0,
        &lambda0,
        Limits::new(max_iterations, deadline),
        value,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::objective::brute_force_optimum;
    use crate::placement::objective::{random_problem, RandomShape};
    use proptest::prelude::*;

    /// The LP relaxation (capacities only) solved exactly by microlp: the reference.
    fn lp_value(p: &CoveringProblem) -> f64 {
        crate::placement::objective::exact_lp(p, &[])
    }

    fn shape() -> RandomShape {
        RandomShape {
            units: (6, 20),
            candidates: (3, 10),
            weight: (1, 7),
            set_size: (1, 6),
            depth: (1, 3),
            initial_one_in: 3,
            sites: (1, 3),
            capacities: [(1, 2), (1, 2)],
            cost: (1, 4),
            budget: (1, 6),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Every PDHG bound is at least the exact LP (hence the integer optimum, checked by
        /// brute force), every floor at most the LP, from any starting plan and after any
        /// number of iterations; with enough iterations the bracket closes on the LP.
        #[test]
        fn pdhg_brackets_the_lp(seed in 0u64..1_000_000, g: bool, d: bool,
                                start in 0u32..64, iters in 0u32..300) {
            let p = random_problem(seed, &shape(), g, false, d);
            let opt = brute_force_optimum(&p);
            let lp = lp_value(&p);
            let tol = 1e-6 * lp.abs().max(1.0);
            prop_assert!(lp >= opt - tol, "LP {lp} below the optimum {opt}");
            let n = p.n_candidates();
            let chosen: Vec<usize> =
                (0..n).filter(|&c| start & (1 << (c % 6)) != 0).take(2).collect();
            let o = bracket_of(&p, &chosen, 0.0, iters, None);
            prop_assert!(o.bound >= lp - tol, "bound {} below the LP {lp}", o.bound);
            prop_assert!(o.bound >= opt - tol);
            if o.floor.is_finite() {
                prop_assert!(o.floor <= lp + tol, "floor {} above the LP {lp}", o.floor);
            }
            let long = bracket_of(&p, &chosen, 0.0, 20_000, None);
            prop_assert!(long.bound >= lp - tol);
            prop_assert!(long.bound - lp <= 2e-3 * lp.abs().max(1.0),
                         "after {} iterations the bound {} is far above the LP {lp}",
                         long.iterations, long.bound);
            prop_assert!(lp - long.floor <= 2e-3 * lp.abs().max(1.0),
                         "floor {} far below the LP {lp}", long.floor);
        }
    }

    /// On the reference-shaped clustered instance the bracket closes to 1 % of the LP, the
    /// floor and bound on either side of each other, with the same bits on 1 and 3 threads.
    #[test]
    fn pdhg_is_the_same_on_any_thread_count() {
        let (p, g) = super::super::parallel_fixture();
        let run = |threads: usize| {
            crate::placement::on_threads(threads, || bracket_of(p, &g.chosen, g.value, 400, None))
        };
        let (a, b) = (run(1), run(3));
        assert_eq!(a.bound.to_bits(), b.bound.to_bits());
        assert_eq!(a.floor.to_bits(), b.floor.to_bits());
        assert_eq!(a.iterations, b.iterations);
        assert!(a
            .x
            .iter()
            .zip(&b.x)
            .all(|(u, v)| u.to_bits() == v.to_bits()));
        assert!(a.floor <= a.bound && a.bound >= g.value);
        assert!(
            a.bound - a.floor <= 1e-2 * a.bound,
            "bracket [{}, {}] after {} iterations",
            a.floor,
            a.bound,
            a.iterations
        );
    }

    /// A deadline already passed stops the setup before its first pass.
    #[test]
    fn a_passed_deadline_stops_the_setup() {
        let inst = crate::placement::synthetic::SyntheticInstance::clustered(
            20_000, 400, 300_000.0, 15_000.0, 3,
        );
        let p = CoveringProblem::new(inst.matrix().unwrap(), 10);
        let o = bracket_of(&p, &[0], 0.0, 100, Some(Instant::now()));
        assert_eq!((o.iterations, o.stop), (0, Stop::TimeLimit));
        assert!(o.bound.is_infinite());
    }
}
