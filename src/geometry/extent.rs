//! A scenario's extent and the local frame's worst distortion over it.
//!
//! The local frame ([`crate::frame`]) is azimuthal equidistant: distances from the centre are
//! exact, but across the radial direction the scale is `k = s / m₁₂` (geodesic distance over
//! reduced length, Karney), so a short distance near a point at distance `s` from the centre is
//! off by up to `k − 1 ≈ s²/(6R²)`: 0.037 % at 300 km, 0.14 % at 593 km (the built-in theatre
//! map), 1.6 % at 2 000 km. [`Extent`] records the feature farthest from the centre, its
//! distance, and that worst relative distance error, computed with geographiclib-rs for the
//! frame's own centre.
//!
//! The scenario loader fails with [`crate::Error::FrameExtent`] when the distortion exceeds the
//! `max_frame_distortion` setting (default [`DEFAULT_MAX_FRAME_DISTORTION`]), which also
//! catches a single feature with swapped lat/lon; above [`COMFORTABLE_DISTORTION`] it leaves a
//! [`codes::FRAME_DISTORTION`] warning.

use crate::diagnostic::{codes, Diagnostic};
use crate::error::{Error, FeatureRef, Result};
use crate::frame::LocalFrame;
use geographiclib_rs::{Geodesic, InverseGeodesic};

/// Default `max_frame_distortion`: 0.5 % (about 1 100 km from the centre).
pub const DEFAULT_MAX_FRAME_DISTORTION: f64 = 0.005;

/// Distortion within the frame's documented accuracy (0.05 %, about 300 km from the centre);
/// above it the loader leaves a warning.
pub const COMFORTABLE_DISTORTION: f64 = 5e-4;

/// The farthest reach of a scenario from its frame's centre.
#[derive(Debug, Clone, PartialEq)]
pub struct Extent {
    /// The feature with the vertex farthest from the centre.
    pub farthest: FeatureRef,
    /// Geodesic distance of that vertex from the centre, metres.
    pub distance_m: f64,
    /// That vertex, `[lon, lat]` degrees.
    pub lonlat: [f64; 2],
    /// Worst relative error of a local-frame distance there (`k − 1`, dimensionless; 0.0014
    /// means 0.14 %).
    pub max_distortion: f64,
}

/// The frame's worst relative distance error at `(lon, lat)`, with its distance from the
/// centre: `(s, k − 1)`.
///
/// # Examples
/// ```
/// use skycover::geometry::extent::distortion_at;
/// use skycover::LocalFrame;
/// let frame = LocalFrame::new(30.0, 48.5)?;
/// let (s, e) = distortion_at(&frame, 34.0, 48.5);
/// assert!((s - 295_000.0).abs() < 5_000.0);
/// assert!(e > 3.0e-4 && e < 4.0e-4); // ≈ s²/(6R²)
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn distortion_at(frame: &LocalFrame, lon: f64, lat: f64) -> (f64, f64) {
    let g = Geodesic::wgs84();
    let (s, _azi1, _azi2, m12, _a12): (f64, f64, f64, f64, f64) =
        g.inverse(frame.lat0(), frame.lon0(), lat, lon);
    if s.is_nan() || s <= 1e-3 {
        return (s.max(0.0), 0.0);
    }
    if m12.is_nan() || m12 <= 0.0 {
        // beyond the conjugate point: the frame is meaningless there
        return (s, f64::INFINITY);
    }
    (s, s / m12 - 1.0)
}

/// Accumulates the farthest vertex over a scenario's features.
#[derive(Debug)]
pub struct ExtentMeter<'a> {
    frame: &'a LocalFrame,
    best: Option<Extent>,
}

impl<'a> ExtentMeter<'a> {
    /// An empty meter for `frame`.
    pub fn new(frame: &'a LocalFrame) -> Self {
        ExtentMeter { frame, best: None }
    }

    /// Adds the vertices `(lon, lat)` of `feature`.
    ///
    /// Complexity: one geodesic inversion per vertex.
    pub fn add(&mut self, feature: &FeatureRef, vertices: impl IntoIterator<Item = (f64, f64)>) {
        for (lon, lat) in vertices {
            let (s, e) = distortion_at(self.frame, lon, lat);
            let farther = match &self.best {
                None => true,
                Some(b) => s > b.distance_m || (e > b.max_distortion && s >= b.distance_m),
            };
            if farther {
                self.best = Some(Extent {
                    farthest: feature.clone(),
                    distance_m: s,
                    lonlat: [lon, lat],
                    max_distortion: e,
                });
            }
        }
    }

    /// The extent, `None` when nothing was added.
    pub fn finish(self) -> Option<Extent> {
        self.best
    }
}

/// The extent measured by `meter`, checked against `max_distortion`.
///
/// # Errors
/// [`Error::FrameExtent`] naming the farthest feature when its distortion exceeds
/// `max_distortion`; [`Error::InvalidInput`] when nothing was measured.
pub fn check(meter: ExtentMeter<'_>, max_distortion: f64) -> Result<Extent> {
    let e = meter.finish().ok_or_else(|| Error::InvalidInput {
        what: "scenario extent".into(),
        reason: "no feature to measure".into(),
    })?;
    if e.max_distortion.is_nan() || e.max_distortion > max_distortion {
        return Err(Error::FrameExtent {
            feature: e.farthest.clone(),
            distance_m: e.distance_m,
            distortion: e.max_distortion,
            limit: max_distortion,
        });
    }
    Ok(e)
}

/// The [`codes::FRAME_DISTORTION`] warning for `e`.
pub fn distortion_diagnostic(e: &Extent) -> Diagnostic {
    Diagnostic::warning(
        codes::FRAME_DISTORTION,
        format!(
            "the scenario reaches {:.0} km from its centre (this feature); local distances \
             there are off by up to {:.3} % (the frame's documented accuracy is 0.05 % \
             within 300 km)",
            e.distance_m / 1000.0,
            e.max_distortion * 100.0
        ),
    )
    .with_feature(e.farthest.clone())
    .with_field("geometry")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distortion_matches_the_transverse_scale_error() {
        // Against a direct numerical check: two points 1 km apart across the radial direction
        // at distance s; planar distance over geodesic distance − 1 approaches k − 1.
        let frame = LocalFrame::new(30.0, 48.5).unwrap();
        for s in [100_000.0, 300_000.0, 593_000.0, 2_000_000.0] {
            let (lon, lat) = frame.to_lonlat(s, 0.0);
            let (ds, e) = distortion_at(&frame, lon, lat);
            assert!((ds - s).abs() < 1e-3);
            let (lo1, la1) = frame.to_lonlat(s, -500.0);
            let (lo2, la2) = frame.to_lonlat(s, 500.0);
            let g = frame.geodesic_distance((lo1, la1), (lo2, la2));
            let numeric = 1_000.0 / g - 1.0;
            assert!(
                (numeric - e).abs() < 1e-6 + e * 1e-3,
                "{s}: {numeric} vs {e}"
            );
            let sphere = (s / 6_371_000.0).powi(2) / 6.0;
            assert!((e / sphere - 1.0).abs() < 0.05, "{s}: {e} vs {sphere}");
        }
    }

    #[test]
    fn meter_keeps_the_farthest() {
        let frame = LocalFrame::new(30.0, 48.5).unwrap();
        let mut m = ExtentMeter::new(&frame);
        let f = |i: usize| FeatureRef {
            index: i,
            id: Some(format!("f{i}")),
        };
        m.add(&f(0), [(30.1, 48.5), (31.0, 48.0)]);
        m.add(&f(1), [(35.0, 48.5)]);
        m.add(&f(2), [(29.0, 48.0)]);
        let e = m.finish().unwrap();
        assert_eq!(e.farthest.index, 1);
        assert!(e.distance_m > 360_000.0 && e.max_distortion > 5e-4);
    }
}
