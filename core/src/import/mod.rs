//! Imports of other profilers' files: valgrind's callgrind output and
//! folded stacks (`a;b;c 42`, as stackcollapse-perf and inferno write
//! them), converted into a [`Report`] whose figures are event counts.
//!
//! What the figures mean, and what they cannot show:
//!
//! - Costs are events (callgrind's first `events:` column, `Ir` by default;
//!   folded counts are samples), never seconds. They are cpu-pass samples
//!   with weights: one [`crate::report::Sample`] per cost holder, weighing
//!   its count. [`Report::import`] names the event; the cpu pass's `cpu_s`
//!   is the total weight, so a view's "cpu seconds" are event counts, and
//!   the views say so.
//! - Folded stacks are a calling-context tree: every figure is exact.
//! - Callgrind is a call graph (see [`callgrind`] for the encoding): self
//!   cost per function and line, calls and inclusive cost per caller →
//!   callee edge and each function's inclusive cost are exact; the
//!   top-down tree is the graph one level deep, not real calling contexts.
//!
//! No passes ran: [`crate::report::RunInfo::passes`] is empty and the host
//! is unknown.

pub mod callgrind;
pub mod folded;

use crate::report::{HostInfo, Import, Report, RunInfo};

/// Why an import file was refused: the 1-based line and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {why}")]
pub struct ImportError {
    /// 0 when the problem is the file as a whole.
    pub line: usize,
    pub why: String,
}

impl ImportError {
    pub(crate) fn at(line: usize, why: impl Into<String>) -> Self {
        Self { line, why: why.into() }
    }
}

/// The file formats [`sniff`] recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Callgrind,
    Folded,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Callgrind => "callgrind",
            Format::Folded => "folded-stacks",
        }
    }
}

/// Recognises an import by its content: callgrind's `# callgrind format`
/// line or its header keys, or a first line of folded stacks (frames, a
/// space, a count). `None` for anything else.
pub fn sniff(text: &str) -> Option<Format> {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    const CALLGRIND_KEYS: [&str; 8] =
        ["version:", "creator:", "pid:", "cmd:", "part:", "desc:", "positions:", "events:"];
    if first.starts_with("# callgrind format")
        || CALLGRIND_KEYS.iter().any(|k| first.starts_with(k))
        || ["fl=", "ob=", "fn="].iter().any(|k| first.starts_with(k))
    {
        return Some(Format::Callgrind);
    }
    let (stack, count) = first.rsplit_once(' ')?;
    let count_like = !count.is_empty() && count.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit());
    (!stack.trim().is_empty() && count_like).then_some(Format::Folded)
}

/// Converts `text` of `format`; `source` names the file in the run info.
pub fn import(format: Format, text: &str, source: &str) -> Result<Report, ImportError> {
    match format {
        Format::Callgrind => callgrind::import(text, source),
        Format::Folded => folded::import(text, source),
    }
}

/// The run info of an import: no passes, host unknown.
pub(crate) fn run_info(tool: &str, source: &str, workload: &str) -> RunInfo {
    RunInfo {
        plugin: format!("{tool} import"),
        plugin_path: source.to_string(),
        workload: workload.to_string(),
        variant: String::new(),
        params: Vec::new(),
        results: Vec::new(),
        recorded_at_unix_s: 0,
        host: HostInfo {
            hostname: "unknown".into(),
            os: "unknown".into(),
            cpus: 0,
            proftui_version: env!("CARGO_PKG_VERSION").to_string(),
        },
        passes: Vec::new(),
    }
}

/// The cpu pass of an import: weighted samples of `event`, untimed.
pub(crate) fn cpu_profile(samples: Vec<crate::report::Sample>) -> crate::report::CpuProfile {
    let total: u64 = samples.iter().map(|s| s.weight).sum();
    crate::report::CpuProfile {
        clock: crate::collect::cpu::SampleClock::ItimerProf,
        unsampled_s: None,
        requested_hz: 0.0,
        achieved_hz: 0.0,
        cpu_s: total as f64,
        wall_s: 0.0,
        wait_s: None,
        repeats: 1,
        dropped: 0,
        samples,
        rounds: Vec::new(),
    }
}

pub(crate) fn import_info(format: Format, event: &str, call_graph: bool) -> Import {
    Import { format: format.name().to_string(), event: event.to_string(), call_graph }
}
