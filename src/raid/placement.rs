//! Placement for least leakage (placeholder, filled below).
