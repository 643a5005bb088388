//! The report: one profiled run in one self-contained, versioned file.
//!
//! The model knows nothing of how its data was collected: functions and
//! calling contexts by index, and per pass the figures that rest on them.
//! [`build`] turns collector output into a report; [`file`] saves and loads.

pub mod build;
pub mod file;
mod model;

pub use model::*;
