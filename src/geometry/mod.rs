//! Geometry rules that real inputs need, between lon/lat and the local frame.
//!
//! * [`densify`]: GeoJSON edges are straight in lon/lat; they are densified before projecting
//!   so the local shape stays within a tolerance of the lon/lat edge.
//! * [`extent`]: the scenario's farthest feature from the frame's centre and the frame's worst
//!   relative distance error there, checked against a threshold.
//! * [`antimeridian`]: splitting exported polygons and lines at ±180° (RFC 7946 §3.1.9).

pub mod antimeridian;
pub mod densify;
pub mod extent;
