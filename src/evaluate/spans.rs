//! Exact covered spans of a footprint on one grid row, tuned for the raster path.
//!
//! Same contract as [`Footprint::row_spans`]: the cells reported are exactly
//! `{ i : footprint.covers([x0 + i·step, y]) }`. The predicate splits into pieces that are each
//! monotone along a row in floating point (the offset `x − cx` is monotone in `i`, so is its
//! square on each side of the centre, so is a half-plane test `u₀·dy − u₁·dx`), so every span
//! end is found by testing the piece's own predicate at an analytic guess and its neighbour,
//! walking (then bisecting) only when rounding puts the guess off by a cell. This version
//! avoids the generic partition machinery and library `ceil`/`floor` calls, which makes it
//! several times faster per row.

use crate::volume::{Footprint, RawSector};

/// A footprint prepared for row rasterisation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowSpanner {
    cx: f64,
    cy: f64,
    r2_min: f64,
    r2_max: f64,
    sector: Option<HalfPlanes>,
    /// At ground distances² ≥ the ring's, these half-planes instead (a long range band split
    /// in two, see [`crate::volume`]).
    outer: Option<(f64, HalfPlanes)>,
}

/// The sector's two boundary half-planes.
#[derive(Debug, Clone, Copy)]
struct HalfPlanes {
    l: [f64; 2],
    r: [f64; 2],
    reflex: bool,
    /// `l₀ / l₁` and `r₀ / r₁` (0 when the divisor is 0): the boundary's dx per unit dy.
    tl: f64,
    tr: f64,
}

/// First index in `lo..hi` where `pred` (false then true on that range) is true, else `hi`.
/// Starts at `g`; walks a few steps, then bisects.
#[inline(always)]
fn first_true(lo: usize, hi: usize, g: usize, pred: impl Fn(usize) -> bool) -> usize {
    if lo >= hi {
        return lo;
    }
    let mut i = g.clamp(lo, hi);
    if i == hi || pred(i) {
        // the answer is in lo..=i
        for _ in 0..3 {
            if i == lo || !pred(i - 1) {
                return i;
            }
            i -= 1;
        }
        bisect(lo, i, pred)
    } else {
        // the answer is in i+1..=hi
        for _ in 0..3 {
            i += 1;
            if i >= hi || pred(i) {
                return i.min(hi);
            }
        }
        bisect(i + 1, hi, pred)
    }
}

/// First index in `lo..hi` where `pred` (false then true) is true, else `hi`.
#[inline]
fn bisect(mut lo: usize, mut hi: usize, pred: impl Fn(usize) -> bool) -> usize {
    while lo < hi {
        let m = lo + (hi - lo) / 2;
        if pred(m) {
            hi = m;
        } else {
            lo = m + 1;
        }
    }
    lo
}

impl RowSpanner {
    /// Prepares `fp`; `None` for an empty footprint.
    pub(crate) fn new(fp: &Footprint) -> Option<RowSpanner> {
        let (c, r2_min, r2_max, sector) = fp.raw_parts()?;
        let ratio = |u: [f64; 2]| if u[1] != 0.0 { u[0] / u[1] } else { 0.0 };
        let planes = |(l, r, reflex): RawSector| HalfPlanes {
            l,
            r,
            reflex,
            tl: ratio(l),
            tr: ratio(r),
        };
        Some(RowSpanner {
            cx: c[0],
            cy: c[1],
            r2_min,
            r2_max,
            sector: sector.map(planes),
            outer: fp.outer_band().map(|(r2, o)| (r2, planes(o))),
        })
    }

    /// Calls `emit(a, b)` for each maximal run `a..b` of covered cells in the row of `nx` cells
    /// centred at `x0 + i·step` (`step > 0`, `inv_step = 1 / step`) and height `y`, in
    /// increasing order.
    #[inline]
    pub(crate) fn spans(
        &self,
        y: f64,
        x0: f64,
        step: f64,
        inv_step: f64,
        nx: usize,
        mut emit: impl FnMut(usize, usize),
    ) {
        let dy = y - self.cy;
        let dy2 = dy * dy;
        if dy2.is_nan() || dy2 > self.r2_max || nx == 0 {
            return;
        }
        let cx = self.cx;
        // dx of cell i, exactly as `Footprint::covers` computes it for the point x0 + i·step
        // (`i as i64 as f64` is the same value as `i as f64`, with a cheaper conversion)
        let dx = |i: usize| (x0 + i as i64 as f64 * step) - cx;
        let nxf = nx as f64;
        // index guess for a local x offset (truncated, clamped to 0..=nx)
        let guess = |off: f64| {
            let g = (cx + off - x0) * inv_step;
            if g > 0.0 {
                if g < nxf {
                    g as usize
                } else {
                    nx
                }
            } else {
                0
            }
        };
        // first cell right of the centre
        let s = first_true(0, nx, guess(0.0) + 1, |i| dx(i) > 0.0);
        // outer disc: a..b
        let r2_max = self.r2_max;
        let w = (r2_max - dy2).sqrt();
        let in_outer = |i: usize| {
            let d = dx(i);
            d * d + dy2 <= r2_max
        };
        let a = first_true(0, s, guess(-w) + 1, in_outer);
        let b = first_true(s, nx, guess(w) + 1, |i| !in_outer(i));
        if a >= b {
            return;
        }
        // hole: ha..hb removed
        let (mut a1, mut a2) = ((a, b), (b, b));
        let r2_min = self.r2_min;
        if r2_min > 0.0 && dy2 < r2_min {
            let wh = (r2_min - dy2).sqrt();
            let in_hole = |i: usize| {
                let d = dx(i);
                d * d + dy2 < r2_min
            };
            let sl = s.max(a);
            let ha = first_true(a, sl, guess(-wh) + 1, in_hole);
            let sr = s.min(b);
            let hb = first_true(sr, b, guess(wh) + 1, |i| !in_hole(i)).max(ha);
            if ha < hb {
                a1 = (a, ha);
                a2 = (hb, b);
            }
        }
        let Some(h) = self.sector else {
            emit_nonempty(a1, &mut emit);
            emit_nonempty(a2, &mut emit);
            return;
        };
        let Some((r2s, ho)) = self.outer else {
            let parts = h.parts(a, b, dy, &dx, &guess);
            for ann in [a1, a2] {
                for p in parts {
                    emit_nonempty((ann.0.max(p.0), ann.1.min(p.1)), &mut emit);
                }
            }
            return;
        };
        // a range band split in two: the inner sector below the ring, the outer one beyond
        let outer_parts = ho.parts(a, b, dy, &dx, &guess);
        let mut out = Coalesce::default();
        if dy2 >= r2s {
            for ann in [a1, a2] {
                for p in outer_parts {
                    out.push((ann.0.max(p.0), ann.1.min(p.1)), &mut emit);
                }
            }
            out.finish(&mut emit);
            return;
        }
        let inner_parts = h.parts(a, b, dy, &dx, &guess);
        let ws = (r2s - dy2).sqrt();
        let in_ring = |i: usize| {
            let d = dx(i);
            d * d + dy2 < r2s
        };
        let sa = first_true(a, s.max(a), guess(-ws) + 1, in_ring);
        let sb = first_true(s.min(b), b, guess(ws) + 1, |i| !in_ring(i)).max(sa);
        for ann in [a1, a2] {
            for (lo, hi, parts) in [
                (0, sa, &outer_parts),
                (sa, sb, &inner_parts),
                (sb, usize::MAX, &outer_parts),
            ] {
                let piece = (ann.0.max(lo), ann.1.min(hi));
                for p in parts {
                    out.push((piece.0.max(p.0), piece.1.min(p.1)), &mut emit);
                }
            }
        }
        out.finish(&mut emit);
    }
}

impl HalfPlanes {
    /// The cells of `a..b` inside the sector: up to two sorted intervals (empty ones have
    /// `start >= end`); each half-plane is a prefix or a suffix of `a..b`.
    #[inline(always)]
    fn parts(
        &self,
        a: usize,
        b: usize,
        dy: f64,
        dx: &impl Fn(usize) -> f64,
        guess: &impl Fn(f64) -> usize,
    ) -> [(usize, usize); 2] {
        let h = self;
        // half-planes within a..b, each a prefix or a suffix
        let in_l = |i: usize| h.l[0] * dy - h.l[1] * dx(i) <= 0.0;
        let in_r = |i: usize| h.r[0] * dy - h.r[1] * dx(i) >= 0.0;
        let lset = if h.l[1] == 0.0 {
            if in_l(a) {
                (a, b)
            } else {
                (b, b)
            }
        } else {
            let g = guess(h.tl * dy) + 1;
            if h.l[1] > 0.0 {
                (first_true(a, b, g, in_l), b)
            } else {
                (a, first_true(a, b, g, |i| !in_l(i)))
            }
        };
        let rset = if h.r[1] == 0.0 {
            if in_r(a) {
                (a, b)
            } else {
                (b, b)
            }
        } else {
            let g = guess(h.tr * dy) + 1;
            if h.r[1] < 0.0 {
                (first_true(a, b, g, in_r), b)
            } else {
                (a, first_true(a, b, g, |i| !in_r(i)))
            }
        };
        if h.reflex {
            union(lset, rset)
        } else {
            let i = (lset.0.max(rset.0), lset.1.min(rset.1));
            [i, (b, b)]
        }
    }
}

/// Emits spans in increasing order, merging those that touch.
#[derive(Default)]
struct Coalesce {
    pending: Option<(usize, usize)>,
}

impl Coalesce {
    #[inline]
    fn push(&mut self, (a, b): (usize, usize), emit: &mut impl FnMut(usize, usize)) {
        if a >= b {
            return;
        }
        match self.pending {
            Some((p, q)) if a <= q => self.pending = Some((p, q.max(b))),
            Some((p, q)) => {
                emit(p, q);
                self.pending = Some((a, b));
            }
            None => self.pending = Some((a, b)),
        }
    }

    fn finish(&mut self, emit: &mut impl FnMut(usize, usize)) {
        if let Some((p, q)) = self.pending.take() {
            emit(p, q);
        }
    }
}

#[inline(always)]
fn emit_nonempty((a, b): (usize, usize), emit: &mut impl FnMut(usize, usize)) {
    if a < b {
        emit(a, b);
    }
}

/// Union of two intervals as up to two sorted, disjoint, non-adjacent intervals (empty
/// intervals have `start >= end`).
#[inline]
fn union(p: (usize, usize), q: (usize, usize)) -> [(usize, usize); 2] {
    let empty = (usize::MAX, usize::MAX);
    let (p, q) = match (p.0 < p.1, q.0 < q.1) {
        (false, false) => return [empty, empty],
        (true, false) => return [p, empty],
        (false, true) => return [q, empty],
        _ => (p.min(q), p.max(q)),
    };
    if q.0 <= p.1 {
        [(p.0, p.1.max(q.1)), empty]
    } else {
        [p, q]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Catalogue, SystemClass};
    use proptest::prelude::*;

    fn arb_class() -> impl Strategy<Value = (SystemClass, usize)> {
        let c = Catalogue::builtin();
        let systems = c.systems().to_vec();
        let n = c.layers().len();
        (
            0..systems.len(),
            prop_oneof![Just(360.0), Just(180.0), Just(90.0), 1.0f64..360.0],
            0usize..n,
            0.0f64..40.0,
        )
            .prop_map(move |(i, sector, layer, ant)| {
                let mut s = systems[i].clone();
                s.sector_deg = sector;
                s.antenna_height_m = ant;
                (s, layer)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// Exactly the cells `covers` accepts, as maximal increasing runs, and the same runs
        /// as `Footprint::row_spans`.
        #[test]
        fn spans_exact(
            (class, li) in arb_class(),
            facing in prop_oneof![Just(0.0), Just(90.0), Just(180.0), Just(270.0), Just(45.0), 0.0f64..360.0],
            cx in -30_000.0f64..30_000.0, cy in -30_000.0f64..30_000.0,
            step in prop_oneof![Just(250.0), Just(500.0), Just(1_000.0), 100.0f64..9_000.0],
            x0 in -60_000.0f64..0.0,
            nx in 1usize..160,
            snap in any::<bool>(),
            rows in proptest::collection::vec(-200_000.0f64..200_000.0, 1..12),
            bend in prop_oneof![Just(0.0), -3e-6f64..3e-6],
            radial in 0.0f64..360.0,
        ) {
            let c = Catalogue::builtin();
            let layer = c.layers()[li];
            let env = class.envelopes.get(&c.threat(layer.threat).id).copied();
            // snapping the centre to a cell centre puts cells exactly on sector boundaries
            let (cx, cy) = if snap {
                (x0 + (((cx - x0) / step).round()) * step, x0 + (((cy - x0) / step).round()) * step)
            } else {
                (cx, cy)
            };
            // strongly bending geodesics (far off the frame's centre) split long range bands
            let bearings = crate::bearing::BearingMap {
                radial_grid_deg: radial,
                radial_true_deg: radial,
                transverse_scale: 1.0,
                bend1_deg_per_m: bend,
                bend3_deg_per_m: bend / 3.0,
            };
            let fp = Footprint::from_parts_with_bearings(
                &class, env.as_ref(), [cx, cy], facing, &bearings, layer.altitude_m);
            let Some(rs) = RowSpanner::new(&fp) else {
                prop_assert!(fp.is_empty());
                return Ok(());
            };
            let mut ys = rows.clone();
            ys.push(cy);
            ys.push(cy + step);
            ys.push(x0 + step * 3.0);
            for y in ys {
                let mut got = Vec::new();
                rs.spans(y, x0, step, 1.0 / step, nx, |a, b| got.push((a, b)));
                // row_spans may split a run at the centre when a row misses the hole's cells;
                // compare with adjacent runs merged
                let mut want: Vec<(usize, usize)> = Vec::new();
                fp.row_spans(y, x0, step, nx, |a, b| match want.last_mut() {
                    Some(l) if l.1 == a => l.1 = b,
                    _ => want.push((a, b)),
                });
                prop_assert_eq!(&got, &want, "y={}", y);
                let mut cells = vec![false; nx];
                let mut last = None;
                for &(a, b) in &got {
                    prop_assert!(a < b && b <= nx);
                    if let Some(e) = last { prop_assert!(a > e, "not maximal/increasing"); }
                    last = Some(b);
                    for c in &mut cells[a..b] { *c = true; }
                }
                let exact: Vec<bool> = (0..nx).map(|i| fp.covers([x0 + i as f64 * step, y])).collect();
                prop_assert_eq!(cells, exact);
            }
        }
    }

    #[test]
    fn first_true_any_guess() {
        for lo in 0..6 {
            for hi in lo..12 {
                for p in lo..=hi {
                    for g in 0..16 {
                        assert_eq!(first_true(lo, hi, g, |i| i >= p), p, "{lo} {hi} {p} {g}");
                    }
                }
            }
        }
        assert_eq!(union((0, 3), (3, 5)), [(0, 5), (usize::MAX, usize::MAX)]);
        assert_eq!(union((4, 6), (0, 2)), [(0, 2), (4, 6)]);
    }
}
