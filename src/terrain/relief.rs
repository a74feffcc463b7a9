//! Block minima and maxima of an elevation grid: cheap bounds on the terrain under any box.
//!
//! The bilinear surface of an [`ElevationGrid`](super::ElevationGrid) never leaves the range
//! of the four nodes of its patch, so the minimum and maximum of the nodes of a block of
//! patches bound the surface over that block. [`Relief`] holds them per block of
//! [`BLOCK`] × [`BLOCK`] patches; the viewshed sweep uses them to skip stretches of rays whose
//! terrain cannot raise the horizon and to decide whole tiles of cells at once (see
//! [`super::viewshed`]). Small blocks give tight bounds (a chunk of 16 samples of 16
//! neighbouring rays, or a tile of 8 × 8 cells, spans two or three blocks a side) for
//! half a byte per terrain cell. Everything here is an exact bound: no answer depends on it, only the
//! work done.

/// Patches per block side.
pub(crate) const BLOCK: usize = 4;

/// Per-block node minima and maxima of an elevation grid, and the global ones.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Relief {
    /// patches per block side
    block: usize,
    nbx: usize,
    nby: usize,
    lo: Vec<f32>,
    hi: Vec<f32>,
    min: f64,
    max: f64,
}

impl Relief {
    /// The relief of `nx × ny` nodes `z` (row-major, `nx, ny ≥ 2`, finite values), by
    /// blocks of [`BLOCK`] × [`BLOCK`] patches.
    ///
    /// Complexity: O(nx·ny).
    pub(crate) fn new(z: &[f32], nx: usize, ny: usize) -> Relief {
        Relief::with_block(z, nx, ny, BLOCK)
    }

    /// [`new`](Self::new) by blocks of `block` × `block` patches (`block ≥ 1`).
    ///
    /// Complexity: O(nx·ny).
    pub(crate) fn with_block(z: &[f32], nx: usize, ny: usize, block: usize) -> Relief {
        let bs = block.max(1);
        let (px, py) = (nx - 1, ny - 1); // patches
        let (nbx, nby) = (px.div_ceil(bs), py.div_ceil(bs));
        // per block row: min/max over the columns of each block, then over the rows
        let mut lo = vec![f32::INFINITY; nbx * nby];
        let mut hi = vec![f32::NEG_INFINITY; nbx * nby];
        for j in 0..ny {
            let row = &z[j * nx..(j + 1) * nx];
            // node row j belongs to patch rows j − 1 and j (blocks of both)
            let mut bjs = [usize::MAX; 2];
            if j < py {
                bjs[0] = j / bs;
            }
            if j > 0 && ((j - 1) / bs != bjs[0]) {
                bjs[1] = (j - 1) / bs;
            }
            for bi in 0..nbx {
                let a = bi * bs;
                let b = (a + bs).min(nx - 1);
                let (mut l, mut h) = (f32::INFINITY, f32::NEG_INFINITY);
                for &v in &row[a..=b] {
                    l = l.min(v);
                    h = h.max(v);
                }
                for &bj in bjs.iter().filter(|&&b| b != usize::MAX) {
                    let n = bj * nbx + bi;
                    lo[n] = lo[n].min(l);
                    hi[n] = hi[n].max(h);
                }
            }
        }
        let min = z.iter().fold(f64::INFINITY, |m, &v| m.min(f64::from(v)));
        let max = z
            .iter()
            .fold(f64::NEG_INFINITY, |m, &v| m.max(f64::from(v)));
        Relief {
            block: bs,
            nbx,
            nby,
            lo,
            hi,
            min,
            max,
        }
    }

    /// The per-patch view of the block maxima ([`PatchTop`]); `None` when the block side is
    /// not a power of two.
    pub(crate) fn patch_top(&self) -> Option<PatchTop<'_>> {
        self.block.is_power_of_two().then(|| PatchTop {
            hi: &self.hi,
            nbx: self.nbx,
            shift: self.block.trailing_zeros(),
        })
    }

    /// Lowest node elevation.
    pub(crate) fn min(&self) -> f64 {
        self.min
    }

    /// Highest node elevation.
    pub(crate) fn max(&self) -> f64 {
        self.max
    }

    /// `(low, high)` bounds of the bilinear elevation over the box `[fx0, fx1] × [fy0, fy1]`
    /// of continuous cell coordinates (node `(i, j)` at `(i, j)`), including the 0 m outside
    /// the grid when the box reaches beyond its outer half cell. `mx, my` are `nx − 1, ny − 1`.
    ///
    /// Complexity: O(blocks the box meets).
    #[inline]
    pub(crate) fn range_in(&self, fx: [f64; 2], fy: [f64; 2], mx: f64, my: f64) -> (f64, f64) {
        let (mut l, mut h) = (f64::INFINITY, f64::NEG_INFINITY);
        if !(fx[0] >= -0.5 && fx[1] <= mx + 0.5 && fy[0] >= -0.5 && fy[1] <= my + 0.5) {
            // part of the box is outside (or NaN): 0 m there
            l = 0.0;
            h = 0.0;
        }
        if fx[1] < -0.5 || fx[0] > mx + 0.5 || fy[1] < -0.5 || fy[0] > my + 0.5 {
            return (l, h); // entirely outside
        }
        let patch = |v: f64, m: f64| -> usize { (v.max(0.0).min(m) as usize).min(m as usize - 1) };
        let b = self.block;
        let (i0, i1) = (patch(fx[0], mx) / b, patch(fx[1], mx) / b);
        let (j0, j1) = (patch(fy[0], my) / b, patch(fy[1], my) / b);
        for bj in j0..=j1.min(self.nby - 1) {
            for bi in i0..=i1.min(self.nbx - 1) {
                let n = bj * self.nbx + bi;
                l = l.min(f64::from(self.lo[n]));
                h = h.max(f64::from(self.hi[n]));
            }
        }
        (l, h)
    }
}

/// The highest node of the block holding a patch, by shifts: an upper bound on the bilinear
/// surface over that patch, one load instead of the four nodes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PatchTop<'a> {
    hi: &'a [f32],
    nbx: usize,
    shift: u32,
}

impl PatchTop<'_> {
    /// Highest node of the block holding patch `(i, j)` (`i < nx − 1`, `j < ny − 1`);
    /// `+∞` for a patch outside the grid.
    #[inline(always)]
    pub(crate) fn at(&self, i: usize, j: usize) -> f64 {
        self.hi
            .get((j >> self.shift) * self.nbx + (i >> self.shift))
            .map_or(f64::INFINITY, |&v| f64::from(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_hold_for_every_box() {
        // 21 × 13 nodes of a bumpy function; boxes anywhere, in and out of the grid
        let (nx, ny) = (21usize, 13usize);
        let z: Vec<f32> = (0..nx * ny)
            .map(|n| {
                let (i, j) = ((n % nx) as f64, (n / nx) as f64);
                ((i * 0.7).sin() * 50.0 + (j * 1.3).cos() * 30.0 + i * j * 0.5) as f32
            })
            .collect();
        for block in [BLOCK, 8, 1, 3] {
            let r = Relief::with_block(&z, nx, ny, block);
            let (mx, my) = ((nx - 1) as f64, (ny - 1) as f64);
            let bil = |fx: f64, fy: f64| -> f64 {
                if !(fx >= -0.5 && fx <= mx + 0.5 && fy >= -0.5 && fy <= my + 0.5) {
                    return 0.0;
                }
                let (fx, fy) = (fx.clamp(0.0, mx), fy.clamp(0.0, my));
                let (i, j) = ((fx as usize).min(nx - 2), (fy as usize).min(ny - 2));
                let (tx, ty) = (fx - i as f64, fy - j as f64);
                let g = |a: usize, b: usize| f64::from(z[b * nx + a]);
                let lo = g(i, j) + (g(i + 1, j) - g(i, j)) * tx;
                let hi = g(i, j + 1) + (g(i + 1, j + 1) - g(i, j + 1)) * tx;
                lo + (hi - lo) * ty
            };
            let mut s = 12345u64;
            let mut rnd = || {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64
            };
            for _ in 0..2_000 {
                let x0 = rnd() * 26.0 - 3.0;
                let y0 = rnd() * 18.0 - 3.0;
                let (x1, y1) = (x0 + rnd() * 9.0, y0 + rnd() * 9.0);
                let (l, h) = r.range_in([x0, x1], [y0, y1], mx, my);
                for a in 0..=10 {
                    for b in 0..=10 {
                        let v = bil(
                            x0 + (x1 - x0) * a as f64 / 10.0,
                            y0 + (y1 - y0) * b as f64 / 10.0,
                        );
                        assert!(v >= l - 1e-9 && v <= h + 1e-9, "{v} not in [{l}, {h}]");
                    }
                }
            }
            assert_eq!(
                r.max(),
                z.iter().fold(f64::MIN, |m, &v| m.max(f64::from(v)))
            );
            assert_eq!(
                r.min(),
                z.iter().fold(f64::MAX, |m, &v| m.min(f64::from(v)))
            );
        }
    }
}
