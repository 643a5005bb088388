//! Runs plugin code in a child process, so that whatever the plugin does
//! (panic, abort, segfault, stack overflow, endless loop) the parent
//! survives and can say what happened.
//!
//! The parent starts its own executable again with a hidden subcommand that
//! calls [`child::worker_main`]; the child loads the plugin, does one
//! [`Task`], and streams [`Event`]s back as JSON lines on its stdout (the
//! plugin's own stdout is moved to stderr first). The parent keeps the tail
//! of the child's stderr for its error message.

pub mod child;
mod parent;
mod passes;
mod protocol;

pub use parent::{RunOptions, WorkerError, run_worker};
pub use protocol::{Event, NamedResult, PassRequest, ResultValue, RunRecord, Task, WorkerSpec};
