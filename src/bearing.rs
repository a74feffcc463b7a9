//! True-north bearings and their direction in the local frame.
//!
//! Facings, radar sectors and the threat axis are **true bearings**: degrees clockwise from
//! true north at the site. The scenario's [`LocalFrame`](crate::LocalFrame) is an azimuthal
//! equidistant projection whose grid north (+y) equals true north only on the centre's
//! meridian; elsewhere it is rotated by the meridian convergence (about 1.1° at 100 km east of
//! a centre at 48.5°, 6° at theatre scale) and, away from the centre, slightly sheared.
//!
//! A [`BearingMap`] is the exact differential of the frame at one site: along the geodesic
//! from the centre (true azimuth `β₀` at the site, grid bearing `α₀`) the projection has unit
//! scale, across it the scale is `k = s / m₁₂` (distance over reduced length, Karney). So a
//! true bearing `β = β₀ + θ` leaves the site in grid bearing
//! `α₀ + atan2(k·sin θ, cos θ)`. The map is computed once per site (one geodesic inverse,
//! [`LocalFrame::bearing_map`](crate::LocalFrame::bearing_map)) and stored on the
//! [`Site`](crate::Site), so the coverage hot path is unchanged.

use serde::{Deserialize, Serialize};

/// The true-to-grid bearing map of the local frame at one point.
///
/// The identity map ([`BearingMap::IDENTITY`], the default) is exact at the frame's centre.
///
/// # Examples
/// ```
/// use skycover::LocalFrame;
/// let frame = LocalFrame::new(30.0, 48.5)?;
/// // 100 km due east of the centre, true north points about 1.1° west of grid north.
/// let [x, y] = frame.to_local(31.355, 48.49)?;
/// let map = frame.bearing_map_local(x, y);
/// let grid_north = map.to_grid(0.0);
/// assert!((grid_north - (-1.0)).abs() < 0.2, "{grid_north}");
/// assert!((map.to_true(grid_north) - 0.0).abs() < 1e-9);
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BearingMap {
    /// Grid bearing (degrees) of the direction away from the frame's centre.
    pub radial_grid_deg: f64,
    /// True bearing (degrees) of the same direction, at the point.
    pub radial_true_deg: f64,
    /// Transverse scale `k` (≥ 1 for the azimuthal equidistant frame; 1 at the centre).
    pub transverse_scale: f64,
    /// Bending of geodesics in the frame, first harmonic: a geodesic leaving at true bearing
    /// `radial_true_deg + θ` is seen from the site, at distance `D`, in grid direction
    /// [`to_grid`](Self::to_grid)`(β) + (c₁·sin θ + c₃·sin 3θ)·D` (degrees per metre).
    #[serde(default)]
    pub bend1_deg_per_m: f64,
    /// Third harmonic `c₃` of the same bending (degrees per metre).
    #[serde(default)]
    pub bend3_deg_per_m: f64,
}

impl Default for BearingMap {
    fn default() -> Self {
        Self::IDENTITY
    }
}

impl BearingMap {
    /// Grid bearing equals true bearing (exact at the frame's centre).
    pub const IDENTITY: BearingMap = BearingMap {
        radial_grid_deg: 0.0,
        radial_true_deg: 0.0,
        transverse_scale: 1.0,
        bend1_deg_per_m: 0.0,
        bend3_deg_per_m: 0.0,
    };

    /// The grid bearing (degrees clockwise from the frame's +y axis) of true bearing `deg`.
    ///
    /// The result differs from `deg` by the convergence plus a multiple of 360° chosen so that
    /// it stays within 180° of `deg` (continuous in `deg`).
    pub fn to_grid(&self, deg: f64) -> f64 {
        if *self == Self::IDENTITY {
            return deg;
        }
        let t = (deg - self.radial_true_deg).to_radians();
        let g = self.radial_grid_deg
            + (self.transverse_scale * t.sin())
                .atan2(t.cos())
                .to_degrees();
        near(g, deg)
    }

    /// The grid bearing of the **chord** from the site to the point at `distance_m` along the
    /// geodesic leaving at true bearing `deg`.
    ///
    /// Geodesics that do not pass through the frame's centre are slightly curved in the frame
    /// (about 0.01° of bending over 150 km, 300 km from the centre); a straight sector edge
    /// drawn along this chord with `distance_m` at the middle of the footprint's range band
    /// stays within about a quarter of the bending from the true edge over the whole band.
    pub fn to_grid_chord(&self, deg: f64, distance_m: f64) -> f64 {
        let g = self.to_grid(deg);
        if self.bend1_deg_per_m == 0.0 && self.bend3_deg_per_m == 0.0 {
            return g;
        }
        g + self.bend_deg_per_m(deg) * distance_m
    }

    /// How fast the chord's grid bearing turns with distance along the geodesic leaving at
    /// true bearing `deg`, degrees per metre: a straight edge through the site at one distance
    /// strays from the geodesic by this times the distance from there.
    pub fn bend_deg_per_m(&self, deg: f64) -> f64 {
        if self.bend1_deg_per_m == 0.0 && self.bend3_deg_per_m == 0.0 {
            return 0.0;
        }
        let t = (deg - self.radial_true_deg).to_radians();
        self.bend1_deg_per_m * t.sin() + self.bend3_deg_per_m * (3.0 * t).sin()
    }

    /// The true bearing of grid bearing `deg` (inverse of [`to_grid`](Self::to_grid)).
    pub fn to_true(&self, deg: f64) -> f64 {
        if *self == Self::IDENTITY {
            return deg;
        }
        let p = (deg - self.radial_grid_deg).to_radians();
        let t = self.radial_true_deg
            + (p.sin() / self.transverse_scale)
                .atan2(p.cos())
                .to_degrees();
        near(t, deg)
    }

    /// Meridian convergence in degrees: the grid bearing of true north (positive when true
    /// north points east of grid north).
    pub fn convergence_deg(&self) -> f64 {
        self.to_grid(0.0)
    }
}

/// `a` shifted by a multiple of 360° into `[b − 180, b + 180)`.
fn near(a: f64, b: f64) -> f64 {
    b + (a - b + 180.0).rem_euclid(360.0) - 180.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LocalFrame;
    use geographiclib_rs::{DirectGeodesic, Geodesic};

    /// Grid bearing of the chord from `(lon, lat)` along true bearing `az` for `d` metres.
    fn chord(frame: &LocalFrame, lon: f64, lat: f64, az: f64, d: f64) -> f64 {
        let g = Geodesic::wgs84();
        let (la, lo): (f64, f64) = g.direct(lat, lon, az, d);
        let a = frame.to_local(lon, lat).unwrap();
        let b = frame
            .to_local(((lo + 180.0).rem_euclid(360.0)) - 180.0, la)
            .unwrap();
        (b[0] - a[0]).atan2(b[1] - a[1]).to_degrees()
    }

    #[test]
    fn identity_at_centre_and_round_trip() {
        let frame = LocalFrame::new(30.0, 48.5).unwrap();
        let m = frame.bearing_map(30.0, 48.5);
        for b in [0.0, 45.0, 123.4, 359.0, -20.0] {
            assert!((m.to_grid(b) - b).abs() < 1e-12);
        }
        let m = frame.bearing_map(33.0, 50.0);
        for b in [0.0, 45.0, 123.4, 270.0, 359.9, -20.0, 700.0] {
            let g = m.to_grid(b);
            assert!((g - b).abs() < 10.0, "{b} -> {g}");
            assert!((m.to_true(g) - b).abs() < 1e-9, "{b} -> {g}");
        }
    }

    #[test]
    fn matches_tiny_geodesic_steps() {
        // The map is the frame's differential: a 1 m geodesic step along any true bearing
        // leaves the site in the mapped grid direction (to 1e-5°), at 48.5° and 70°.
        for (lon0, lat0) in [(30.0, 48.5), (25.0, 70.0), (180.0, -17.0)] {
            let frame = LocalFrame::new(lon0, lat0).unwrap();
            for (x, y) in [
                (300_000.0, 0.0),
                (-212_000.0, 212_000.0),
                (0.0, -300_000.0),
                (600_000.0, 100_000.0),
            ] {
                let (lon, lat) = frame.to_lonlat(x, y);
                let m = frame.bearing_map(lon, lat);
                for az in (0..36).map(|i| i as f64 * 10.0 + 3.0) {
                    let c = chord(&frame, lon, lat, az, 1.0);
                    let g = m.to_grid(az);
                    let diff = near(c, g) - g;
                    assert!(diff.abs() < 1e-5, "{lat0} ({x},{y}) az {az}: {c} vs {g}");
                }
            }
        }
    }

    #[test]
    fn convergence_has_the_published_size() {
        // Convergence of an azimuthal frame ~ Δλ·sin φ: 100 km east at 48.5° is ~1.0°, at
        // 300 km ~3.0°; westwards it changes sign.
        let frame = LocalFrame::new(30.0, 48.5).unwrap();
        let g = Geodesic::wgs84();
        for (d, lo, hi) in [(100_000.0, 0.9, 1.2), (300_000.0, 2.8, 3.4)] {
            let (la, lo_e): (f64, f64) = g.direct(48.5, 30.0, 90.0, d);
            let c = frame.bearing_map(lo_e, la).convergence_deg();
            assert!(-c > lo && -c < hi, "{d}: {c}");
            let (la, lo_w): (f64, f64) = g.direct(48.5, 30.0, 270.0, d);
            let cw = frame.bearing_map(lo_w, la).convergence_deg();
            assert!((c + cw).abs() < 1e-6, "{c} {cw}");
        }
    }
}
