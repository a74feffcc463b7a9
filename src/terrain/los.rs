//! Line of sight between an antenna and a target, the brute-force reference.
//!
//! The antenna stands at `from` with its phase centre `antenna_h` metres above the ground there;
//! the target flies `target_h_agl` metres above the ground at `to`. The path is the straight
//! segment in the local frame (see the [terrain module docs](super) for why that is the
//! great-circle path to within a fraction of a cell), sampled at `d = m·step` for
//! `m = 1, 2, …` while `d < D` (`D` the path length, `step` half a terrain cell, see
//! [`Terrain::sample_step_m`]). A sample at distance `d` is raised by `d·(D − d)/(2·k·R)`
//! for Earth curvature with refraction; the target is **visible iff no raised sample rises
//! above the straight sight line** (a sample exactly on it does not block).
//!
//! Cost: O(D / step) elevation samples per path. [`Viewshed`](super::Viewshed) answers the
//! same question for every cell of a footprint at once, in O(cells).

use super::Terrain;
use crate::catalogue::EARTH_RADIUS_M;

/// True iff the target at `to`, `target_h_agl` m above ground, is visible from an antenna at
/// `from`, `antenna_h` m above ground, over `terrain`, with refraction factor `k` (effective
/// Earth radius `k·R`). See the [module docs](self).
///
/// Always true on [`Terrain::Flat`] (the smooth-earth horizon is the footprint's job) and when
/// the two points are closer than one sample step. False for non-finite inputs or `k ≤ 0`.
///
/// Complexity: O(path length / step).
///
/// # Examples
/// ```
/// use skycover::terrain::{line_of_sight, synth, Terrain};
/// use skycover::Grid;
/// let extent = Grid::covering([-5_000.0, -5_000.0, 5_000.0, 5_000.0], 50.0, 1 << 20)?;
/// // a 300 m cone of 2 km radius at the origin
/// let hill = Terrain::from_local_dem(&synth::cone(&extent, [0.0, 0.0], 300.0, 2_000.0)?)?;
/// let k = 4.0 / 3.0;
/// assert!(!line_of_sight(&hill, [-4_000.0, 0.0], 10.0, [4_000.0, 0.0], 30.0, k));
/// assert!(line_of_sight(&hill, [-4_000.0, 0.0], 10.0, [4_000.0, 0.0], 800.0, k));
/// assert!(line_of_sight(&Terrain::Flat, [-4_000.0, 0.0], 10.0, [4_000.0, 0.0], 30.0, k));
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn line_of_sight(
    terrain: &Terrain,
    from: [f64; 2],
    antenna_h: f64,
    to: [f64; 2],
    target_h_agl: f64,
    k: f64,
) -> bool {
    if !valid(from, antenna_h, to, target_h_agl, k) {
        return false;
    }
    let mut visible = true;
    walk_path(
        terrain,
        from,
        antenna_h,
        to,
        target_h_agl,
        k,
        |_, line, raised| {
            visible = raised <= line;
            visible
        },
    );
    visible
}

/// The sight line's worst clearance over the path, as a slope: the minimum over the samples
/// of `(sight line − raised terrain) / d` (dimensionless, the tangent of the angle by which
/// the sample is below the sight line as seen from the antenna, to first order). The target
/// is visible iff it is ≥ 0 (up to rounding on exact ties); `+∞` when there is no sample
/// (flat terrain or a path shorter than one step), NaN for invalid inputs.
///
/// It equals `s_t − H`, where `s_t` is the target's elevation slope and `H` the steepest
/// terrain slope before it, both seen from the antenna over the curved Earth: the quantity a
/// radial sweep compares ([`Viewshed`](super::Viewshed)). Tests use it to tell cells that are
/// decided by sub-cell detail from clear-cut ones.
///
/// Complexity: O(path length / step).
pub fn sight_margin(
    terrain: &Terrain,
    from: [f64; 2],
    antenna_h: f64,
    to: [f64; 2],
    target_h_agl: f64,
    k: f64,
) -> f64 {
    if !valid(from, antenna_h, to, target_h_agl, k) {
        return f64::NAN;
    }
    let mut worst = f64::INFINITY;
    walk_path(
        terrain,
        from,
        antenna_h,
        to,
        target_h_agl,
        k,
        |d, line, raised| {
            worst = worst.min((line - raised) / d);
            true
        },
    );
    worst
}

/// Walks the terrain samples of the straight path from `from` to `to` (every
/// [`Terrain::sample_step_m`], endpoints excluded), calling `visit(d, line, raised)` with the
/// distance from the antenna, the sight line's height there, and the terrain height raised by
/// the Earth's bulge `d·(D − d)/(2kR)`; stops when `visit` returns false. Flat terrain has no
/// samples.
fn walk_path(
    terrain: &Terrain,
    from: [f64; 2],
    antenna_h: f64,
    to: [f64; 2],
    target_h_agl: f64,
    k: f64,
    mut visit: impl FnMut(f64, f64, f64) -> bool,
) {
    let Some(step) = terrain.sample_step_m() else {
        return;
    };
    let (dx, dy) = (to[0] - from[0], to[1] - from[1]);
    let dist = (dx * dx + dy * dy).sqrt();
    let za = terrain.elevation(from[0], from[1]) + antenna_h;
    let zt = terrain.elevation(to[0], to[1]) + target_h_agl;
    let two_kr = 2.0 * k * EARTH_RADIUS_M;
    let mut m = 1usize;
    loop {
        let d = m as f64 * step;
        if d >= dist || dist.is_nan() {
            return;
        }
        let t = d / dist;
        let h = terrain.elevation(from[0] + dx * t, from[1] + dy * t);
        let bulge = d * (dist - d) / two_kr;
        let line = za + (zt - za) * t;
        if !visit(d, line, h + bulge) {
            return;
        }
        m += 1;
    }
}

fn valid(from: [f64; 2], antenna_h: f64, to: [f64; 2], target_h: f64, k: f64) -> bool {
    from.iter().chain(to.iter()).all(|v| v.is_finite())
        && antenna_h.is_finite()
        && target_h.is_finite()
        && k.is_finite()
        && k > 0.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terrain::ElevationGrid;

    fn wall(height: f32) -> Terrain {
        // 21 × 3 cells of 100 m; a wall on column 10 (x = 1000 m)
        let mut z = vec![0f32; 21 * 3];
        for j in 0..3 {
            z[j * 21 + 10] = height;
        }
        Terrain::from_grid(ElevationGrid::new([0.0, -100.0], 100.0, 21, 3, z).unwrap())
    }

    #[test]
    fn wall_blocks_until_target_is_high_enough() {
        let t = wall(100.0);
        let k = 4.0 / 3.0;
        // antenna 10 m at x = 0, target at x = 2000: line at x=1000 is (10 + zt)/2
        // wall top 100 m (+ bulge 1000*1000/(2kR) ≈ 0.059 m) → visible iff zt > ~190.1
        assert!(!line_of_sight(
            &t,
            [0.0, 0.0],
            10.0,
            [2000.0, 0.0],
            190.0,
            k
        ));
        assert!(line_of_sight(&t, [0.0, 0.0], 10.0, [2000.0, 0.0], 190.2, k));
        let m0 = sight_margin(&t, [0.0, 0.0], 10.0, [2000.0, 0.0], 190.0, k);
        let m1 = sight_margin(&t, [0.0, 0.0], 10.0, [2000.0, 0.0], 190.2, k);
        assert!(m0 < 0.0 && m1 > 0.0, "{m0} {m1}");
        // in front of the wall nothing blocks
        assert!(line_of_sight(&t, [0.0, 0.0], 10.0, [900.0, 0.0], 0.0, k));
        // symmetric: from the other side
        assert!(!line_of_sight(
            &t,
            [2000.0, 0.0],
            10.0,
            [0.0, 0.0],
            190.0,
            k
        ));
    }

    #[test]
    fn curvature_hides_far_low_targets_over_sea_level_terrain() {
        // flat raster at 0 m, 200 km long: a 10 m antenna and a 10 m target see each other
        // iff d ≤ 2·√(2·k·R·10) ≈ 26.1 km (k = 4/3)
        let z = vec![0f32; 401 * 2];
        let t = Terrain::from_grid(ElevationGrid::new([0.0, 0.0], 500.0, 401, 2, z).unwrap());
        let k = 4.0 / 3.0;
        let horizon = crate::catalogue::radar_horizon_m(10.0, 10.0, k);
        assert!(line_of_sight(
            &t,
            [0.0, 0.0],
            10.0,
            [horizon - 400.0, 0.0],
            10.0,
            k
        ));
        assert!(!line_of_sight(
            &t,
            [0.0, 0.0],
            10.0,
            [horizon + 400.0, 0.0],
            10.0,
            k
        ));
        // Flat terrain ignores curvature (the footprint has the horizon)
        assert!(line_of_sight(
            &Terrain::Flat,
            [0.0, 0.0],
            10.0,
            [1e6, 0.0],
            10.0,
            k
        ));
    }

    #[test]
    fn invalid_inputs_are_not_visible() {
        let t = wall(1.0);
        assert!(!line_of_sight(
            &t,
            [f64::NAN, 0.0],
            10.0,
            [1.0, 0.0],
            1.0,
            1.0
        ));
        assert!(!line_of_sight(&t, [0.0, 0.0], 10.0, [1.0, 0.0], 1.0, 0.0));
        assert!(sight_margin(&t, [0.0, 0.0], f64::INFINITY, [1.0, 0.0], 1.0, 1.0).is_nan());
    }
}
