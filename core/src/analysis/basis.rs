//! What a view's figures rest on, pass by pass, and the one place where
//! pass totals become per-run figures (see the module docs of
//! [`crate::analysis`] for the rules).

use super::Filter;
use super::heap::HeapFigures;
use crate::collect::cpu::SampleClock;
use crate::report::{Import, PassKind, Report, ThreadId};
use serde::Serialize;

/// The passes a view rests on and how their figures are scaled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Basis {
    /// `None`: no cpu pass in the report.
    pub cpu: Option<CpuBasis>,
    /// `None`: no calls pass in the report.
    pub calls: Option<CallsBasis>,
    /// `None`: no heap pass in the report.
    pub heap: Option<HeapBasis>,
    /// The thread selection; `None` for all threads.
    pub threads: Option<Vec<ThreadId>>,
    /// Set for a report imported from another tool: its figures count
    /// events, and every `_s` figure of the views is an event count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import: Option<Import>,
}

/// A worker that waited for a CPU this share of its cpu pass or more ran
/// on a busy machine, and every view says so: with three busy threads on
/// two cores (a wait share of about a third) the calibrate workload's
/// sampled 25% share came out 0.6 to 3.6 points low.
pub const BUSY_WAIT_SHARE: f64 = 0.1;

/// The wait share of a cpu pass (see `CpuProfile::wait_share`) when it
/// makes the machine busy: at or over [`BUSY_WAIT_SHARE`].
pub fn busy(wait_share: Option<f64>) -> Option<f64> {
    wait_share.filter(|&share| share >= BUSY_WAIT_SHARE)
}

/// A cpu pass whose clock could not sample this share of its CPU time or
/// more says so: its times leave that much out. (The worker's own system
/// calls between runs take about 1% on a short workload like taylor's.)
pub const UNSAMPLED_NOTE_SHARE: f64 = 0.05;

/// What a reader is told about a cpu pass whose clock left `share` (0
/// to 1) of its CPU time unsampled, when that is at least
/// [`UNSAMPLED_NOTE_SHARE`]; the same sentence in every output.
pub fn unsampled_note(share: Option<f64>) -> Option<String> {
    share.filter(|&share| share >= UNSAMPLED_NOTE_SHARE).map(|share| {
        format!(
            "{:.0}% of the pass's CPU time was in the kernel, which perf events do not sample here \
             (times leave it out); --clock timer samples it",
            share * 100.0
        )
    })
}

/// [`unsampled_note`] in a few words, for a status line or a header.
pub fn unsampled_note_short(share: Option<f64>) -> Option<String> {
    share
        .filter(|&share| share >= UNSAMPLED_NOTE_SHARE)
        .map(|share| format!("kernel time {:.0}% unsampled", share * 100.0))
}

/// [`busy_machine`] in a few words, for a status line or a header.
pub fn busy_machine_short(share: f64) -> String {
    format!("busy machine: waited {:.0}% for a CPU", share * 100.0)
}

/// What a reader is told about a cpu pass on `clock` that waited `share`
/// (0 to 1) of its time for a CPU: one sentence, the same in every output.
/// The timer's shares are skewed by it; perf events count each thread's
/// own CPU time and are not, but wall times are inflated either way.
pub fn busy_machine(share: f64, clock: SampleClock) -> String {
    let effect = match clock {
        SampleClock::ItimerProf => "sampled shares can be off by a few points",
        SampleClock::PerfTaskClock => "wall times are inflated (perf events keep sampled shares true)",
    };
    format!(
        "busy machine: the worker waited for a CPU {:.0}% of the cpu pass, so {effect}; record again on a \
         quieter machine",
        share * 100.0
    )
}

/// The cpu pass: how many samples, at what rate, over how many runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CpuBasis {
    pub clock: SampleClock,
    /// Samples the filter selects (their weights summed).
    pub samples: u64,
    /// Samples in the pass (their weights summed).
    pub all_samples: u64,
    pub requested_hz: f64,
    pub achieved_hz: f64,
    /// Runs of the workload the samples cover.
    pub repeats: u32,
    /// Process CPU seconds one sample stands for (over all runs).
    pub seconds_per_sample: f64,
    /// Samples the collector lost.
    pub dropped: u64,
    /// The share of the sampling window the worker waited for a CPU (a
    /// busy machine), 0 to 1; `None` when not measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_share: Option<f64>,
    /// The share of the pass's CPU time the clock could not sample (the
    /// kernel's, with perf events), 0 to 1; `None` for a clock that samples
    /// all of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsampled_share: Option<f64>,
}

impl CpuBasis {
    /// The wait share when it is large enough to tell a reader: at or over
    /// [`BUSY_WAIT_SHARE`].
    pub fn busy(&self) -> Option<f64> {
        busy(self.wait_share)
    }

    /// CPU seconds per run that `samples` stand for.
    pub fn seconds(&self, samples: u64) -> f64 {
        samples as f64 * self.seconds_per_sample / f64::from(self.repeats.max(1))
    }

    /// `samples` as a percentage of the selected samples (0 when none).
    pub fn percent(&self, samples: u64) -> f64 {
        if self.samples == 0 { 0.0 } else { samples as f64 * 100.0 / self.samples as f64 }
    }
}

/// The calls pass: exact counts, per run when they divide evenly.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallsBasis {
    /// Runs of the workload the counts cover.
    pub repeats: u32,
    /// True when calls-pass figures are per run; false when they are totals
    /// over `repeats` runs because some count does not divide evenly.
    pub per_run: bool,
    /// Probe exits that matched no call (0 in a well-formed run).
    pub unmatched_exits: u64,
    /// For an imported call graph, the event its `_ns` fields count
    /// instead of nanoseconds; `None` for a recorded calls pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
}

impl CallsBasis {
    fn divisor(&self) -> u64 {
        if self.per_run { u64::from(self.repeats.max(1)) } else { 1 }
    }

    /// A call count as views show it (exact: divides evenly when per run).
    pub fn count(&self, total: u64) -> u64 {
        total / self.divisor()
    }

    /// Nanoseconds summed over the pass, as seconds the way views show
    /// them; for an imported call graph ([`CallsBasis::event`]), the event
    /// count itself.
    pub fn seconds(&self, total_ns: u64) -> f64 {
        let unit = if self.event.is_some() { 1.0 } else { 1e9 };
        total_ns as f64 / unit / self.divisor() as f64
    }
}

/// The heap pass: bytes and blocks, per run when they divide evenly.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeapBasis {
    /// Runs of the workload the pass covers (from the pass record; 1 when
    /// the report does not say).
    pub repeats: u32,
    /// True when allocated and leaked figures are per run; false when they
    /// are totals over `repeats` runs because some figure does not divide.
    pub per_run: bool,
    /// The whole pass as views show it: allocated, at the global peak and
    /// at the end (leaked).
    pub totals: HeapFigures,
    /// When the global peak happened, in nanoseconds from the pass start.
    pub peak_time_ns: u64,
}

impl HeapBasis {
    fn divisor(&self) -> u64 {
        if self.per_run { u64::from(self.repeats.max(1)) } else { 1 }
    }

    /// Figures summed over the pass, scaled the way views show them: sums
    /// per run when `per_run`; peak figures as they are.
    pub fn scale(&self, total: HeapFigures) -> HeapFigures {
        let d = self.divisor();
        HeapFigures {
            bytes: total.bytes / d,
            blocks: total.blocks / d,
            bytes_at_end: total.bytes_at_end / d,
            blocks_at_end: total.blocks_at_end / d,
            ..total
        }
    }
}

impl Basis {
    /// The basis of `report` under `filter`; `node_calls` are the selected
    /// call counts per node (the figures whose divisibility decides).
    pub(crate) fn new(report: &Report, filter: &Filter, node_calls: impl Iterator<Item = u64>) -> Self {
        let cpu = report.cpu.as_ref().map(|cpu| CpuBasis {
            clock: cpu.clock,
            samples: cpu.samples.iter().filter(|s| filter.sample(s)).map(|s| s.weight).sum(),
            all_samples: cpu.total_weight(),
            requested_hz: cpu.requested_hz,
            achieved_hz: cpu.achieved_hz,
            repeats: cpu.repeats,
            seconds_per_sample: cpu.seconds_per_sample(),
            dropped: cpu.dropped,
            wait_share: cpu.wait_share(),
            unsampled_share: cpu.unsampled_share(),
        });
        let calls = report.calls.as_ref().map(|calls| {
            let repeats = u64::from(calls.repeats.max(1));
            let mut node_calls = node_calls;
            CallsBasis {
                repeats: calls.repeats,
                per_run: node_calls.all(|c| c.is_multiple_of(repeats)),
                unmatched_exits: calls.unmatched_exits,
                event: report.import.as_ref().filter(|i| i.call_graph).map(|i| i.event.clone()),
            }
        });
        let heap = report.heap.as_ref().map(|heap| {
            let repeats =
                report.run.passes.iter().find(|p| p.kind == PassKind::Heap).map_or(1, |p| p.repeats.max(1));
            let divides = |v: u64| v.is_multiple_of(u64::from(repeats));
            let per_run = divides(heap.total_bytes)
                && divides(heap.total_blocks)
                && divides(heap.end_bytes)
                && divides(heap.end_blocks)
                && heap.sites.iter().all(|s| {
                    divides(s.total_bytes)
                        && divides(s.total_blocks)
                        && divides(s.bytes_at_end)
                        && divides(s.blocks_at_end)
                });
            let mut basis = HeapBasis {
                repeats,
                per_run,
                totals: HeapFigures::default(),
                peak_time_ns: heap.peak_time_ns,
            };
            let blocks_at_peak = heap.sites.iter().map(|s| s.blocks_at_peak).sum();
            basis.totals = basis.scale(HeapFigures {
                bytes: heap.total_bytes,
                blocks: heap.total_blocks,
                bytes_at_peak: heap.peak_bytes,
                blocks_at_peak,
                bytes_at_end: heap.end_bytes,
                blocks_at_end: heap.end_blocks,
            });
            basis
        });
        Self { cpu, calls, heap, threads: filter.threads.clone(), import: report.import.clone() }
    }
}
