//! Shared test fixtures.
pub mod fuzz;
