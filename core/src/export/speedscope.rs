//! speedscope's JSON file format (its `file-format-spec.ts`), for
//! speedscope's flame chart, left-heavy and sandwich views.
//!
//! One frame per function (name, file, first line): speedscope keys frames
//! by index and its sandwich view totals each frame, so a frame per line
//! would split every function into rows; line-level figures are in the
//! pprof export and `proftui report --view lines`.
//!
//! Profiles, all of type `sampled`:
//!
//! - with a cpu pass, one per thread of the pass, in thread order: every
//!   sample in recording order (round after round), its stack root first,
//!   weighing the CPU nanoseconds one sample stands for (the pass's CPU
//!   seconds over its samples, rounded to a nanosecond, as pprof's period)
//!   times the sample's weight (1 when recorded). Weights are totals over
//!   all runs of the pass, not per run. An imported cpu pass counts
//!   events, not time: its samples weigh their weights, in unit `none`;
//! - with a heap pass, one more: one sample per allocation site, weighing
//!   the bytes it allocated (a total over the heap pass's runs).
//!
//! Each profile starts at 0 and ends at the sum of its weights.

use super::ExportError;
use super::pprof::period_ns;
use crate::report::{FunctionId, NodeId, ROOT, Report};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;

const FORMAT: &str = "speedscope";

/// The `$schema` value every speedscope file carries.
pub const SCHEMA: &str = "https://www.speedscope.app/file-format-schema.json";

/// The file-format version written (the one that added `name` and
/// `activeProfileIndex`).
const VERSION: &str = "0.6.0";

#[derive(Serialize)]
struct File {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    name: String,
    #[serde(rename = "activeProfileIndex")]
    active_profile_index: usize,
    shared: Shared,
    profiles: Vec<Profile>,
}

#[derive(Serialize)]
struct Shared {
    frames: Vec<Frame>,
}

#[derive(Serialize)]
struct Frame {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
}

#[derive(Serialize)]
struct Profile {
    r#type: &'static str,
    name: String,
    unit: &'static str,
    #[serde(rename = "startValue")]
    start_value: u64,
    #[serde(rename = "endValue")]
    end_value: u64,
    samples: Vec<Vec<usize>>,
    weights: Vec<u64>,
}

/// Writes `report` as a speedscope file. Needs a cpu or a heap pass.
pub fn write(report: &Report, out: &mut dyn Write) -> Result<(), ExportError> {
    if report.cpu.is_none() && report.heap.is_none() {
        return Err(ExportError::MissingPass { format: FORMAT, pass: "cpu" });
    }
    let mut frames = Frames { report, index: HashMap::new(), frames: Vec::new(), stacks: HashMap::new() };
    let mut profiles = Vec::new();
    if let Some(cpu) = &report.cpu {
        // What one unit of a sample's weight weighs here.
        let (unit, per_weight) = match &report.import {
            Some(_) => ("none", 1),
            None => ("nanoseconds", period_ns(cpu).max(0) as u64),
        };
        let mut threads: Vec<u32> = cpu.samples.iter().map(|s| s.thread).collect();
        threads.sort_unstable();
        threads.dedup();
        for thread in threads {
            let (samples, weights): (Vec<Vec<usize>>, Vec<u64>) = cpu
                .samples
                .iter()
                .filter(|s| s.thread == thread)
                .map(|s| (frames.stack(s.node), s.weight.saturating_mul(per_weight)))
                .unzip();
            let name = report.threads.get(thread as usize).map_or_else(
                || format!("cpu: thread {thread}"),
                |t| format!("cpu: thread {} ({})", t.name, t.os_id),
            );
            profiles.push(sampled(name, unit, samples, weights));
        }
    }
    if let Some(heap) = &report.heap {
        let samples: Vec<Vec<usize>> = heap.sites.iter().map(|s| frames.stack(s.node)).collect();
        let weights = heap.sites.iter().map(|s| s.total_bytes).collect();
        profiles.push(sampled("heap: bytes allocated".into(), "bytes", samples, weights));
    }
    let run = &report.run;
    let file = File {
        schema: SCHEMA,
        version: VERSION,
        name: format!("{} {} {}", run.plugin, run.workload, run.variant).trim_end().to_string(),
        active_profile_index: 0,
        shared: Shared { frames: frames.frames },
        profiles,
    };
    serde_json::to_writer(&mut *out, &file)
        .map_err(|e| ExportError::Write { format: FORMAT, cause: e.into() })?;
    out.flush().map_err(|cause| ExportError::Write { format: FORMAT, cause })
}

/// A sampled profile, one weight per sample.
fn sampled(name: String, unit: &'static str, samples: Vec<Vec<usize>>, weights: Vec<u64>) -> Profile {
    Profile {
        r#type: "sampled",
        name,
        unit,
        start_value: 0,
        end_value: weights.iter().sum(),
        samples,
        weights,
    }
}

/// The shared frame table, one frame per function, built as stacks need it.
struct Frames<'a> {
    report: &'a Report,
    index: HashMap<FunctionId, usize>,
    frames: Vec<Frame>,
    /// Each node's stack of frame indices, root first, once computed.
    stacks: HashMap<NodeId, Vec<usize>>,
}

impl Frames<'_> {
    fn frame(&mut self, function: FunctionId) -> usize {
        *self.index.entry(function).or_insert_with(|| {
            let info = &self.report.functions[function as usize];
            self.frames.push(Frame { name: info.name.clone(), file: info.file.clone(), line: info.line });
            self.frames.len() - 1
        })
    }

    fn stack(&mut self, node: NodeId) -> Vec<usize> {
        if node == ROOT {
            return Vec::new();
        }
        if let Some(stack) = self.stacks.get(&node) {
            return stack.clone();
        }
        let report = self.report;
        let stack: Vec<usize> =
            report.path(node).into_iter().map(|n| self.frame(report.nodes[n as usize].function)).collect();
        self.stacks.insert(node, stack.clone());
        stack
    }
}
