//! The messages between parent and worker: one [`WorkerSpec`] in (as a
//! command-line argument), a stream of [`Event`]s out (JSON lines).

use crate::params::Invocation;
use crate::plugin::PluginInfo;
use crate::report::{PassKind, Report};
use crate::timing::Timing;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What a worker is asked to do with which plugin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerSpec {
    pub plugin: PathBuf,
    pub task: Task,
}

/// One job for a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Load the plugin and send back what it declares.
    Describe,
    /// Run a workload `repeat` times, sending a record after each.
    Run { invocation: Invocation, repeat: u32 },
    /// Run the self-check called `name`.
    Check { name: String },
    /// Run a workload under one collector and send back what it saw.
    Profile { invocation: Invocation, pass: PassRequest },
}

/// One pass of `proftui record`, each in a worker of its own because the
/// collectors disturb each other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PassRequest {
    /// No collector: the baseline every overhead is measured against.
    Bare { repeat: u32 },
    /// Stack sampling; the workload repeats until `min_samples` samples
    /// exist or `budget_s` seconds have passed (at least one run).
    Cpu {
        frequency_hz: i32,
        min_samples: u64,
        budget_s: f64,
        #[serde(default)]
        clock: crate::collect::cpu::ClockChoice,
    },
    /// Exact call counts and times from the plugin's probes; one run.
    Calls,
    /// Allocation sites and live bytes over time; one run.
    Heap,
}

impl PassRequest {
    pub fn kind(&self) -> PassKind {
        match self {
            PassRequest::Bare { .. } => PassKind::Bare,
            PassRequest::Cpu { .. } => PassKind::Cpu,
            PassRequest::Calls => PassKind::Calls,
            PassRequest::Heap => PassKind::Heap,
        }
    }
}

/// A named result a workload reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedResult {
    pub name: String,
    pub value: ResultValue,
}

/// A number with its unit, or a line of text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultValue {
    Number { value: f64, unit: String },
    Text(String),
}

/// One finished run (or check): its cost and what it reported.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RunRecord {
    pub timing: Timing,
    pub results: Vec<NamedResult>,
}

/// What a worker tells its parent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// The plugin is loaded; this is what it declares.
    Described(PluginInfo),
    /// The plugin could not be loaded; one line saying why.
    LoadFailed(String),
    /// Progress of run number `repeat` (from 0), `0.0..=1.0`.
    Progress { repeat: u32, fraction: f64 },
    /// A run or check finished.
    Finished(RunRecord),
    /// The run or check failed (a panic included); one line saying why.
    Failed(String),
    /// A profiling pass's running count of the samples it keeps (the
    /// dither's between runs left out), sent every 50 ms and at the end.
    Samples(u64),
    /// The pass warmed the machine up with this many untimed runs before
    /// its first timed one.
    WarmedUp(u32),
    /// What a profiling pass saw, as a report holding that pass only.
    Profiled(Box<Report>),
}
