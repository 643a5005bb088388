//! Recording: a bare baseline and then each profiling pass in a worker of
//! its own (the collectors disturb each other), joined into one report.
//! The command line and the explorer's run panel both record through here
//! and only differ in how they show progress.

use crate::collect::cpu::ClockChoice;
use crate::params::Invocation;
use crate::plugin::PluginInfo;
use crate::report::build::{ReportBuilder, host_info};
use crate::report::{PassInfo, PassKind, Report, RunInfo};
use crate::timing::Timing;
use crate::worker::{Event, PassRequest, RunOptions, RunRecord, Task, WorkerError, WorkerSpec, run_worker};
use std::path::PathBuf;

/// What to record and how.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordOptions {
    /// Run the cpu pass. Default true.
    pub cpu: bool,
    /// Run the calls pass. Default true.
    pub calls: bool,
    /// Run the heap pass. Default true.
    pub heap: bool,
    /// Timed bare runs for the overhead baseline, after untimed warm-up
    /// runs. Default 5.
    pub bare_repeats: u32,
    /// The cpu pass repeats the workload until it has this many samples.
    /// Default 1000.
    pub min_samples: u64,
    /// ... or until this many seconds have passed. Default 30.
    pub budget_s: f64,
    /// Sampling frequency asked of the kernel. Default
    /// [`crate::collect::cpu::DEFAULT_FREQUENCY_HZ`].
    pub frequency_hz: i32,
    /// The cpu pass's clock. Default: perf events where they open.
    pub clock: ClockChoice,
    /// Independent rounds of the cpu pass, each in a worker of its own and
    /// each to `min_samples`: their spread is the run-to-run noise a diff
    /// weighs changes against. Default 1.
    pub rounds: u32,
}

impl Default for RecordOptions {
    fn default() -> Self {
        Self {
            cpu: true,
            calls: true,
            heap: true,
            bare_repeats: 5,
            min_samples: 1000,
            budget_s: 30.0,
            frequency_hz: crate::collect::cpu::DEFAULT_FREQUENCY_HZ,
            clock: ClockChoice::Auto,
            rounds: 1,
        }
    }
}

impl RecordOptions {
    /// The passes to run, the bare baseline first.
    pub fn passes(&self) -> Vec<PassRequest> {
        let mut passes = vec![PassRequest::Bare { repeat: self.bare_repeats.max(1) }];
        if self.cpu {
            for _ in 0..self.rounds.max(1) {
                passes.push(PassRequest::Cpu {
                    frequency_hz: self.frequency_hz,
                    clock: self.clock,
                    min_samples: self.min_samples,
                    budget_s: self.budget_s,
                });
            }
        }
        if self.calls {
            passes.push(PassRequest::Calls);
        }
        if self.heap {
            passes.push(PassRequest::Heap);
        }
        passes
    }
}

/// What a recording reports while it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// A pass's worker is starting.
    Started(PassKind),
    /// A pass's progress: runs finished so far, samples so far (cpu pass),
    /// and the current run's fraction done.
    Running { pass: PassKind, runs: u32, samples: u64, fraction: f64 },
    /// A pass finished.
    Done(PassKind),
    /// A profiling pass failed; the others go on. One line.
    Failed(PassKind, String),
}

/// A finished recording: the report and the passes that failed.
#[derive(Debug)]
pub struct Recording {
    pub report: Report,
    pub failed: Vec<(PassKind, String)>,
}

/// Why nothing could be recorded.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The workload itself failed (in the bare baseline).
    #[error("{title} failed: {source}")]
    Workload { title: String, source: WorkerError },
    #[error("recording cancelled; nothing was kept")]
    Cancelled,
    #[error("every profiling pass failed; nothing was kept")]
    AllPassesFailed,
}

/// The plugin and workload to record.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub plugin: PathBuf,
    /// The plugin file as the user named it (stored in the report).
    pub plugin_display: String,
    pub info: &'a PluginInfo,
    pub invocation: &'a Invocation,
}

/// Records `target` with `options`, each pass in a worker started with
/// `worker`, telling `progress` how it goes.
pub fn record(
    target: &Target,
    worker: &RunOptions,
    options: &RecordOptions,
    mut progress: impl FnMut(Progress),
) -> Result<Recording, RecordError> {
    let mut finished = Vec::new();
    let mut failed = Vec::new();
    for pass in options.passes() {
        let kind = pass.kind();
        progress(Progress::Started(kind));
        match run_pass(target, worker, &pass, &mut progress) {
            Ok(done) => {
                progress(Progress::Done(kind));
                finished.push(done);
            }
            Err(WorkerError::Cancelled) => return Err(RecordError::Cancelled),
            // The baseline failing means the workload itself fails.
            Err(source) if kind == PassKind::Bare => {
                return Err(RecordError::Workload { title: title(target), source });
            }
            Err(error) => {
                progress(Progress::Failed(kind, error.to_string()));
                failed.push((kind, error.to_string()));
            }
        }
    }
    if finished.len() == 1 && options.passes().len() > 1 {
        return Err(RecordError::AllPassesFailed);
    }
    Ok(Recording { report: assemble(target, finished), failed })
}

/// `simul · benchmark · naive`
fn title(target: &Target) -> String {
    let mut title = format!("{} · {}", target.info.name, target.invocation.workload);
    if !target.invocation.variant.is_empty() {
        title = format!("{title} · {}", target.invocation.variant);
    }
    title
}

/// What one pass's worker sent back.
struct Finished {
    kind: PassKind,
    /// The timed runs.
    records: Vec<RunRecord>,
    /// The pass's profile (none for the bare pass).
    report: Option<Report>,
    /// Untimed runs before the timed ones.
    warm_up_runs: u32,
}

fn run_pass(
    target: &Target,
    worker: &RunOptions,
    pass: &PassRequest,
    progress: &mut impl FnMut(Progress),
) -> Result<Finished, WorkerError> {
    let spec = WorkerSpec {
        plugin: target.plugin.clone(),
        task: Task::Profile { invocation: target.invocation.clone(), pass: pass.clone() },
    };
    let kind = pass.kind();
    let (mut runs, mut samples, mut fraction) = (0u32, 0u64, 0.0);
    let events = run_worker(&spec, worker, |event| {
        match event {
            Event::Finished(_) => (runs, fraction) = (runs + 1, 0.0),
            Event::Samples(count) => samples = *count,
            Event::Progress { fraction: f, .. } => fraction = *f,
            _ => return,
        }
        progress(Progress::Running { pass: kind, runs, samples, fraction });
    })?;
    let mut finished = Finished { kind, records: Vec::new(), report: None, warm_up_runs: 0 };
    for event in events {
        match event {
            Event::Finished(record) => finished.records.push(record),
            Event::Profiled(partial) => finished.report = Some(*partial),
            Event::WarmedUp(runs) => finished.warm_up_runs = runs,
            _ => {}
        }
    }
    if kind != PassKind::Bare && finished.report.is_none() {
        return Err(WorkerError::Protocol("the worker sent no profile".into()));
    }
    Ok(finished)
}

/// Joins the passes into one report with the run's metadata and sources.
fn assemble(target: &Target, finished: Vec<Finished>) -> Report {
    let bare = finished.iter().find(|f| f.kind == PassKind::Bare);
    let results = bare.and_then(|f| f.records.last()).map(|r| r.results.clone()).unwrap_or_default();
    let run = RunInfo {
        plugin: target.info.name.clone(),
        plugin_path: target.plugin_display.clone(),
        workload: target.invocation.workload.clone(),
        variant: target.invocation.variant.clone(),
        params: target.invocation.params.clone(),
        results,
        recorded_at_unix_s: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        host: host_info(),
        passes: Vec::new(),
    };
    let mut builder = ReportBuilder::new(run);
    // The rounds of a repeated cpu pass are one pass with all their runs.
    let mut kinds: Vec<PassKind> = finished.iter().map(|f| f.kind).collect();
    kinds.dedup();
    let mut baseline = None;
    for kind in kinds {
        let of_kind = || finished.iter().filter(move |f| f.kind == kind);
        let runs: Vec<Timing> = of_kind().flat_map(|f| f.records.iter().map(|r| r.timing)).collect();
        let mut pass = PassInfo {
            kind,
            repeats: runs.len() as u32,
            runs,
            overhead: None,
            warm_up_runs: of_kind().map(|f| f.warm_up_runs).sum(),
        };
        match (kind, baseline, pass.median_wall()) {
            (PassKind::Bare, ..) => baseline = pass.median_wall().filter(|m| *m > 0.0),
            (_, Some(base), Some(median)) => pass.overhead = Some(median / base - 1.0),
            _ => {}
        }
        builder.pass(pass);
    }
    for partial in finished.into_iter().filter_map(|f| f.report) {
        builder.merge(partial);
    }
    builder.capture_sources();
    builder.finish()
}
