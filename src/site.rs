//! A placed air-defence system.

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
    /// Facing of the radar sector, degrees clockwise from north (ignored by all-round radars).
    pub facing_deg: f64,
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
            fixed: false,
        }
    }

    /// The same site marked as fixed (already deployed).
    pub fn fixed(mut self) -> Site {
        self.fixed = true;
        self
    }
}
