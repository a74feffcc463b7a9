//! The radar horizon over terrain: heights above sea level, not above local ground.
//!
//! On [`Terrain::Flat`] the smooth-earth horizon `√(2·k·R·ha) + √(2·k·R·ht)` uses the
//! antenna and target heights above the (flat, sea-level) ground. Over a terrain model that
//! rule is wrong twice: a radar on a 200 m escarpment sees far beyond the horizon of its 10 m
//! mast, and the line of sight over the terrain ([`line_of_sight`](super::line_of_sight),
//! [`Viewshed`](super::Viewshed)) already bends the ground by `d·(D − d)/(2·k·R)`, so it
//! contains the curvature: a second, smooth-earth cut would only cut genuine sight lines short.
//!
//! With terrain the footprint is therefore capped by the smooth-earth horizon **of the sphere
//! under the lowest ground** `z₀ = min(lowest terrain, 0 m)` (0 m is the ground outside the
//! terrain grid), with the antenna at its height above sea level and the target at the highest
//! it can be:
//!
//! `d ≤ √(2·k·R·(z_site + ha − z₀)) + √(2·k·R·(z_max + ht − z₀))`,
//!
//! `z_site` the ground at the site, `z_max = max(highest terrain, 0 m)`. Every continuous
//! sight line over terrain that never dips below `z₀` satisfies it (it clears that sphere), so
//! the cap removes nothing the terrain line of sight would keep; it only bounds the footprint
//! (its raster spans, R-tree envelopes and viewshed range), and the terrain line of sight then
//! decides, with the target's own ground. A target over lower ground than `z_max` is thus
//! judged by the line of sight, not by the cap: over a plain below an escarpment the
//! horizon the line of sight finds is `√(2·k·R·(z_site + ha)) + √(2·k·R·ht)` when the plain is
//! at 0 m and the antenna stands at the edge.

use super::Terrain;
use crate::catalogue::radar_horizon_m;

/// The horizon cap in metres of ground distance for an antenna `antenna_h` m above the ground
/// at `site` and a target `target_h_agl` m above the ground below it, refraction factor `k`,
/// over `terrain` (see the [module docs](self)). On [`Terrain::Flat`] this is exactly the
/// smooth-earth [`radar_horizon_m`]`(antenna_h, target_h_agl, k)`.
///
/// Complexity: O(1).
///
/// # Examples
/// ```
/// use skycover::catalogue::radar_horizon_m;
/// use skycover::terrain::{horizon_cap_m, synth, Terrain};
/// use skycover::Grid;
/// let k = 4.0 / 3.0;
/// assert_eq!(horizon_cap_m(&Terrain::Flat, [0.0, 0.0], 10.0, 30.0, k), radar_horizon_m(10.0, 30.0, k));
/// // a 200 m plateau east of x = 0: from its edge a 10 m mast is 210 m above sea level
/// let extent = Grid::covering([-100_000.0, -2_000.0, 10_000.0, 2_000.0], 500.0, 1 << 20)?;
/// let t = Terrain::from_local_dem(&synth::plateau(&extent, 0.0, 200.0, 500.0)?)?;
/// let cap = horizon_cap_m(&t, [1_000.0, 0.0], 10.0, 30.0, k);
/// assert!((cap - radar_horizon_m(210.0, 230.0, k)).abs() < 1.0);
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn horizon_cap_m(
    terrain: &Terrain,
    site: [f64; 2],
    antenna_h: f64,
    target_h_agl: f64,
    k: f64,
) -> f64 {
    match terrain.grid() {
        None => radar_horizon_m(antenna_h, target_h_agl, k),
        Some(g) => {
            let z0 = g.min_elevation().min(0.0);
            let top = g.max_elevation().max(0.0);
            let za = terrain.elevation(site[0], site[1]) + antenna_h;
            radar_horizon_m(za - z0, top + target_h_agl - z0, k)
        }
    }
}
