//! Deterministic synthetic terrains for tests, benchmarks and examples.
//!
//! Every generator fills the cells of an extent given as a [`Grid`] (cell centres at
//! `grid.x(i)`, `grid.y(j)`) and returns a [`Dem`] in [`DemCrs::LocalMetres`] with exactly
//! those cells, ready for [`Terrain::from_local_dem`](super::Terrain::from_local_dem). The same
//! arguments always give the same elevations, bit for bit, on any number of threads.
//!
//! The fractal generator uses its own small pseudo-random generator (SplitMix64) rather than a
//! `rand` dependency so that its output is fixed by this crate alone.

use super::dem::{Dem, DemCrs};
use crate::demand::Grid;
use crate::error::{Error, Result};

/// A DEM with elevation `f(x, y)` at every cell centre of `extent`.
///
/// # Errors
/// [`Error::Terrain`] when `extent` has fewer than 2 × 2 cells or `f` returns a non-finite
/// value; [`Error::ResourceLimit`] above [`MAX_DEM_CELLS`](super::MAX_DEM_CELLS).
pub fn from_fn(extent: &Grid, f: impl Fn(f64, f64) -> f64) -> Result<Dem> {
    let (nx, ny) = (extent.nx, extent.ny);
    if nx < 2 || ny < 2 {
        return Err(Error::Terrain {
            reason: format!("synthetic terrain extent is {nx} × {ny}; it needs at least 2 × 2"),
        });
    }
    if (nx as u64).saturating_mul(ny as u64) > super::MAX_DEM_CELLS {
        return Err(Error::ResourceLimit {
            what: "DEM cells",
            requested: (nx as u64).saturating_mul(ny as u64),
            limit: super::MAX_DEM_CELLS,
            setting: "terrain::MAX_DEM_CELLS (coarsen the extent)",
        });
    }
    let mut values = Vec::with_capacity(nx * ny);
    for r in 0..ny {
        let y = extent.y(ny - 1 - r);
        for i in 0..nx {
            values.push(f(extent.x(i), y) as f32);
        }
    }
    let c = extent.cell_m;
    Dem::new(
        DemCrs::LocalMetres,
        [extent.origin[0] - c / 2.0, extent.origin[1] - c / 2.0],
        [c, c],
        nx,
        ny,
        values,
        None,
    )
}

/// A north–south ridge with a valley behind it: ground at 0 m, a ridge of `height_m` whose
/// crest runs along `x = crest_x`, with straight flanks reaching the ground `half_width_m`
/// either side, and east of it a smooth (cosine) valley `height_m / 2` deep and
/// `half_width_m` in half-width, centred `2·half_width_m` east of the crest.
///
/// Seen from the west, the ridge hides the valley floor from low targets.
///
/// # Errors
/// As [`from_fn`]; [`Error::InvalidInput`] for a non-positive or non-finite width or height.
pub fn ridge_valley(extent: &Grid, crest_x: f64, height_m: f64, half_width_m: f64) -> Result<Dem> {
    check_positive("ridge height", height_m)?;
    check_positive("ridge half width", half_width_m)?;
    let valley_x = crest_x + 2.0 * half_width_m;
    from_fn(extent, |x, _y| {
        let ridge = height_m * (1.0 - (x - crest_x).abs() / half_width_m).max(0.0);
        let u = (x - valley_x) / half_width_m;
        let valley = if u.abs() < 1.0 {
            0.25 * height_m * (1.0 + (std::f64::consts::PI * u).cos())
        } else {
            0.0
        };
        ridge - valley
    })
}

/// A cone of `height_m` centred at `centre` whose flanks reach the 0 m ground at `radius_m`.
///
/// # Errors
/// As [`from_fn`]; [`Error::InvalidInput`] for a non-positive or non-finite radius or height.
pub fn cone(extent: &Grid, centre: [f64; 2], height_m: f64, radius_m: f64) -> Result<Dem> {
    check_positive("cone height", height_m)?;
    check_positive("cone radius", radius_m)?;
    from_fn(extent, |x, y| {
        let r = (x - centre[0]).hypot(y - centre[1]);
        height_m * (1.0 - r / radius_m).max(0.0)
    })
}

/// A plateau edge: ground at 0 m west of `edge_x − ramp_m`, rising linearly to `height_m`
/// at `edge_x`, flat at `height_m` east of it. From a site on the plateau, the edge hides the
/// foot of the escarpment.
///
/// # Errors
/// As [`from_fn`]; [`Error::InvalidInput`] for a non-positive or non-finite ramp or height.
pub fn plateau(extent: &Grid, edge_x: f64, height_m: f64, ramp_m: f64) -> Result<Dem> {
    check_positive("plateau height", height_m)?;
    check_positive("plateau ramp", ramp_m)?;
    from_fn(extent, |x, _y| {
        height_m * ((x - (edge_x - ramp_m)) / ramp_m).clamp(0.0, 1.0)
    })
}

/// Fractal terrain by the diamond-square algorithm, scaled to elevations in
/// `[0, amplitude_m]`.
///
/// `roughness` in (0, 1] is the Hurst-like exponent `H`: random displacements shrink by
/// `2^−H` per halving of the scale (0.5 is rugged, 0.9 rolling). The field is generated on a
/// `(2^p + 1)²` lattice covering the extent, one lattice point per cell, from `seed`.
///
/// # Errors
/// As [`from_fn`]; [`Error::InvalidInput`] for a non-positive or non-finite amplitude or a
/// roughness outside (0, 1].
///
/// # Examples
/// ```
/// use skycover::terrain::synth;
/// use skycover::Grid;
/// let extent = Grid::covering([0.0, 0.0, 10_000.0, 8_000.0], 100.0, 1 << 20)?;
/// let a = synth::fractal(&extent, 7, 300.0, 0.7)?;
/// let b = synth::fractal(&extent, 7, 300.0, 0.7)?;
/// assert_eq!(a, b);
/// let (lo, hi) = a.values().iter().fold((f32::MAX, f32::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
/// assert!(lo.abs() < 1e-3 && (hi - 300.0).abs() < 1e-3);
/// assert_ne!(a, synth::fractal(&extent, 8, 300.0, 0.7)?);
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn fractal(extent: &Grid, seed: u64, amplitude_m: f64, roughness: f64) -> Result<Dem> {
    check_positive("fractal amplitude", amplitude_m)?;
    if !(roughness > 0.0 && roughness <= 1.0) {
        return Err(Error::InvalidInput {
            what: "fractal roughness".into(),
            reason: format!("{roughness} must be in (0, 1]"),
        });
    }
    let field = diamond_square(extent.nx.max(extent.ny), seed, roughness);
    // normalise over the cells of the extent (the lattice may be larger)
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for j in 0..extent.ny {
        for i in 0..extent.nx {
            let v = field.get(i, j);
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    let span = if hi > lo { hi - lo } else { 1.0 };
    let (ox, oy, c) = (extent.origin[0], extent.origin[1], extent.cell_m);
    from_fn(extent, |x, y| {
        let i = ((x - ox) / c).round() as usize;
        let j = ((y - oy) / c).round() as usize;
        amplitude_m * (field.get(i, j) - lo) / span
    })
}

fn check_positive(what: &str, v: f64) -> Result<()> {
    if v > 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(Error::InvalidInput {
            what: what.into(),
            reason: format!("{v} must be a finite number > 0"),
        })
    }
}

/// SplitMix64: a tiny, well-mixed, fixed pseudo-random sequence.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    fn signed_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

struct Field {
    n: usize,
    values: Vec<f64>,
}

impl Field {
    fn get(&self, i: usize, j: usize) -> f64 {
        self.values[j.min(self.n - 1) * self.n + i.min(self.n - 1)]
    }
}

fn diamond_square(min_side: usize, seed: u64, h: f64) -> Field {
    let mut side = 1usize;
    while side + 1 < min_side {
        side *= 2;
    }
    let n = side + 1;
    let mut v = vec![0.0f64; n * n];
    let mut rng = SplitMix64(seed ^ 0x5EED_7E44_A1B2_C3D4);
    for &(i, j) in &[(0, 0), (side, 0), (0, side), (side, side)] {
        v[j * n + i] = rng.signed_unit();
    }
    let mut scale = 1.0f64;
    let factor = 0.5f64.powf(h);
    let mut step = side;
    while step > 1 {
        let half = step / 2;
        // diamond: centres of squares
        for j in (half..n).step_by(step) {
            for i in (half..n).step_by(step) {
                let avg = (v[(j - half) * n + i - half]
                    + v[(j - half) * n + i + half]
                    + v[(j + half) * n + i - half]
                    + v[(j + half) * n + i + half])
                    / 4.0;
                v[j * n + i] = avg + scale * rng.signed_unit();
            }
        }
        // square: edge midpoints
        for j in (0..n).step_by(half) {
            let start = if (j / half) % 2 == 0 { half } else { 0 };
            for i in (start..n).step_by(step) {
                let mut sum = 0.0;
                let mut cnt = 0.0;
                if i >= half {
                    sum += v[j * n + i - half];
                    cnt += 1.0;
                }
                if i + half < n {
                    sum += v[j * n + i + half];
                    cnt += 1.0;
                }
                if j >= half {
                    sum += v[(j - half) * n + i];
                    cnt += 1.0;
                }
                if j + half < n {
                    sum += v[(j + half) * n + i];
                    cnt += 1.0;
                }
                v[j * n + i] = sum / cnt + scale * rng.signed_unit();
            }
        }
        scale *= factor;
        step = half;
    }
    Field { n, values: v }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_have_their_advertised_heights() {
        // 101 × 101 cells, one centred on the origin
        let g = Grid::covering([-5_050.0, -5_050.0, 5_050.0, 5_050.0], 100.0, 1 << 20).unwrap();
        assert_eq!(g.centre(50, 50), [0.0, 0.0]);
        let c = cone(&g, [0.0, 0.0], 300.0, 2_000.0).unwrap();
        assert!((c.sample(0.0, 0.0).unwrap() - 300.0).abs() < 1e-3);
        assert_eq!(c.sample(3_000.0, 0.0), Some(0.0));
        let p = plateau(&g, 1_000.0, 200.0, 500.0).unwrap();
        assert_eq!(p.sample(-1_000.0, 0.0), Some(0.0));
        assert_eq!(p.sample(2_000.0, 0.0), Some(200.0));
        assert!((p.sample(750.0, 10.0).unwrap() - 100.0).abs() < 1e-3);
        assert!((p.sample(800.0, 10.0).unwrap() - 120.0).abs() < 1e-3);
        let r = ridge_valley(&g, 0.0, 400.0, 1_000.0).unwrap();
        assert!((r.sample(0.0, 0.0).unwrap() - 400.0).abs() < 1e-3);
        assert!((r.sample(2_000.0, 0.0).unwrap() + 200.0).abs() < 1e-3);
        assert!(cone(&g, [0.0, 0.0], -1.0, 1.0).is_err());
        assert!(fractal(&g, 1, 100.0, 1.5).is_err());
    }

    #[test]
    fn fractal_is_rough_but_continuous() {
        let g = Grid::covering([0.0, 0.0, 25_000.0, 25_000.0], 100.0, 1 << 20).unwrap();
        let d = fractal(&g, 42, 500.0, 0.7).unwrap();
        let v = d.values();
        let n = d.ncols();
        let mut max_step = 0.0f32;
        let mut mean_step = 0.0f64;
        for r in 0..d.nrows() {
            for c in 0..n - 1 {
                let s = (v[r * n + c + 1] - v[r * n + c]).abs();
                max_step = max_step.max(s);
                mean_step += f64::from(s);
            }
        }
        mean_step /= (d.nrows() * (n - 1)) as f64;
        // neighbours differ by a few metres on average, never by a large part of the range
        assert!(mean_step > 0.5 && mean_step < 25.0, "{mean_step}");
        assert!(max_step < 250.0, "{max_step}");
    }
}
