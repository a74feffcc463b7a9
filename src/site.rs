//! A placed air-defence system.

use crate::bearing::BearingMap;
use crate::catalogue::ClassId;
use serde::{Deserialize, Serialize};

/// A placed system: its class, its position in the scenario's local frame, and its facing.
///
/// Positions are local metres (x east, y north, see [`crate::frame`]); use
/// [`crate::Scenario::site_at`] to build one from longitude/latitude.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    /// Optional identifier (from the scenario file, or assigned by a planner).
    pub id: Option<String>,
    /// The system class.
    pub class: ClassId,
    /// Position in the local frame, metres.
    pub position: [f64; 2],
    /// Facing of the radar sector: a **true** bearing, degrees clockwise from true north at the
    /// site (ignored by all-round radars).
    pub facing_deg: f64,
    /// How true bearings at this site map to the local frame (see [`crate::bearing`]).
    ///
    /// Set by [`crate::Scenario::site_at`], the scenario loader and the planners from the
    /// scenario's frame; [`Site::new`] leaves the identity (exact at the frame's centre), so
    /// use [`Site::in_frame`] when building sites by hand away from the centre. Recompute it
    /// when moving a site.
    #[serde(default)]
    pub bearings: BearingMap,
    /// True for sites already deployed that a planner must keep.
    pub fixed: bool,
}

impl Site {
    /// A movable site of `class` at local `position` facing `facing_deg`.
    pub fn new(class: ClassId, position: [f64; 2], facing_deg: f64) -> Site {
        Site {
            id: None,
            class,
            position,
            facing_deg,
            bearings: BearingMap::IDENTITY,
            fixed: false,
        }
    }

    /// The same site with its [`bearings`](Site::bearings) computed from `frame` at its
    /// position, so its facing is read as a true bearing.
    ///
    /// # Examples
    /// ```
    /// use skycover::{LocalFrame, Site, ClassId};
    /// let frame = LocalFrame::new(30.0, 48.5)?;
    /// let site = Site::new(ClassId(0), [300_000.0, 0.0], 0.0).in_frame(&frame);
    /// // true north, 300 km east of the centre, is about 3° west of grid north
    /// assert!((site.grid_facing_deg() + 3.0).abs() < 0.3);
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn in_frame(mut self, frame: &crate::LocalFrame) -> Site {
        self.bearings = frame.bearing_map_local(self.position[0], self.position[1]);
        self
    }

    /// The facing as a bearing in the local frame (degrees clockwise from +y).
    pub fn grid_facing_deg(&self) -> f64 {
        self.bearings.to_grid(self.facing_deg)
    }

    /// The same site marked as fixed (already deployed).
    pub fn fixed(mut self) -> Site {
        self.fixed = true;
        self
    }
}
