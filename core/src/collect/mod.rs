//! The collectors, one per pass, each run in a worker process of its own:
//! [`cpu`] samples stacks, [`calls`] counts probe calls exactly, [`heap`]
//! records allocation sites and live bytes. Each produces plain data about
//! what it saw; turning that into a report is the report model's job.

pub mod calls;
pub mod cpu;
pub mod heap;

use serde::{Deserialize, Serialize};

/// One frame of a symbolised stack: a function and, where debug info
/// tells, the source line being executed (or called from).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Frame {
    /// Demangled, without the hash: `simul::naive::evolve`.
    pub function: String,
    pub file: Option<String>,
    pub line: Option<u32>,
}
