//! `proftui record`: a bare baseline run and then each profiling pass in a
//! worker of its own, joined into one report and saved.

use crate::cli::RecordArgs;
use crate::commands::Session;
use crate::output;
use anyhow::Result;
use proftui_core::params::Invocation;
use proftui_core::report::build::{ReportBuilder, host_info};
use proftui_core::report::file::{ReportFileError, save};
use proftui_core::report::{PassInfo, PassKind, Report, RunInfo};
use proftui_core::timing::{Spread, human_seconds};
use proftui_core::worker::{Event, PassRequest, RunRecord, Task, WorkerError, WorkerSpec, run_worker};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// Bare runs measured for the overhead baseline.
const BARE_REPEATS: u32 = 3;

pub fn run(args: &RecordArgs) -> Result<ExitCode> {
    if !args.force && args.output.exists() {
        return Err(ReportFileError::Exists { path: args.output.clone() }.into());
    }
    let session = Session::open(&args.plugin)?;
    let invocation = session.invocation(&args.workload)?;
    let all = !(args.cpu || args.calls || args.heap);
    let mut passes = vec![PassRequest::Bare { repeat: BARE_REPEATS }];
    if all || args.cpu {
        passes.push(PassRequest::Cpu {
            frequency_hz: args.frequency,
            min_samples: args.min_samples,
            budget_s: args.budget,
        });
    }
    if all || args.calls {
        passes.push(PassRequest::Calls);
    }
    if all || args.heap {
        passes.push(PassRequest::Heap);
    }

    eprintln!(
        "recording {} · {}",
        output::invocation_title(&session.info, &invocation),
        invocation.params_text()
    );
    let mut finished: Vec<(PassKind, Vec<RunRecord>, Option<Report>)> = Vec::new();
    let mut failures = Vec::new();
    for pass in &passes {
        match run_pass(&session, &invocation, pass) {
            Ok(done) => finished.push(done),
            // The baseline failing means the workload itself fails: stop.
            Err(error) if pass.kind() == PassKind::Bare => {
                return Err(
                    error.context(format!("{} failed", output::invocation_title(&session.info, &invocation)))
                );
            }
            Err(error) if matches!(error.downcast_ref::<WorkerError>(), Some(WorkerError::Cancelled)) => {
                return Err(error.context("recording cancelled; nothing was saved"));
            }
            Err(error) => {
                eprintln!("proftui: error: the {} pass failed: {error:#}", pass.kind().name());
                failures.push(pass.kind());
            }
        }
    }
    if finished.len() == 1 {
        anyhow::bail!("every profiling pass failed; nothing was saved");
    }

    let report = assemble(&session, &invocation, finished);
    save(&report, &args.output, args.force)?;
    print!("{}", summary(&report, &args.output.display().to_string()));
    Ok(if failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Runs one pass in a worker, showing its progress on a terminal.
fn run_pass(
    session: &Session,
    invocation: &Invocation,
    pass: &PassRequest,
) -> Result<(PassKind, Vec<RunRecord>, Option<Report>)> {
    let spec = WorkerSpec {
        plugin: session.path.clone(),
        task: Task::Profile { invocation: invocation.clone(), pass: pass.clone() },
    };
    let name = pass.kind().name();
    let tty = std::io::stderr().is_terminal();
    let (mut runs, mut samples) = (0u32, 0u64);
    let events = run_worker(&spec, &session.options, |event| {
        match event {
            Event::Finished(_) => runs += 1,
            Event::Samples(count) => samples = *count,
            _ => return,
        }
        if tty {
            let detail = if samples > 0 { format!(", {samples} samples") } else { String::new() };
            let _ = write!(std::io::stderr(), "\r  {name:5} pass: {runs} runs{detail}    ");
        }
    });
    if tty {
        let _ = write!(std::io::stderr(), "\r{:60}\r", "");
    }
    let mut records = Vec::new();
    let mut report = None;
    for event in events? {
        match event {
            Event::Finished(record) => records.push(record),
            Event::Profiled(partial) => report = Some(*partial),
            _ => {}
        }
    }
    if pass.kind() != PassKind::Bare && report.is_none() {
        anyhow::bail!("the worker sent no profile");
    }
    Ok((pass.kind(), records, report))
}

fn median_wall(records: &[RunRecord]) -> Option<f64> {
    Spread::of(records.iter().map(|r| r.timing.wall_s)).map(|s| s.median)
}

/// Joins the passes into one report with the run's metadata and sources.
fn assemble(
    session: &Session,
    invocation: &Invocation,
    finished: Vec<(PassKind, Vec<RunRecord>, Option<Report>)>,
) -> Report {
    let bare = finished.iter().find(|(kind, ..)| *kind == PassKind::Bare);
    let baseline = bare.and_then(|(_, records, _)| median_wall(records)).filter(|m| *m > 0.0);
    let results =
        bare.and_then(|(_, records, _)| records.last()).map(|r| r.results.clone()).unwrap_or_default();
    let run = RunInfo {
        plugin: session.info.name.clone(),
        plugin_path: session.display_path.clone(),
        workload: invocation.workload.clone(),
        variant: invocation.variant.clone(),
        params: invocation.params.clone(),
        results,
        recorded_at_unix_s: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        host: host_info(),
        passes: Vec::new(),
    };
    let mut builder = ReportBuilder::new(run);
    for (kind, records, partial) in finished {
        let overhead = match (kind, baseline, median_wall(&records)) {
            (PassKind::Bare, ..) => None,
            (_, Some(base), Some(median)) => Some(median / base - 1.0),
            _ => None,
        };
        builder.pass(PassInfo {
            kind,
            repeats: records.len() as u32,
            runs: records.iter().map(|r| r.timing).collect(),
            overhead,
        });
        if let Some(partial) = partial {
            builder.merge(partial);
        }
    }
    builder.capture_sources();
    builder.finish()
}

/// What was recorded, in a few lines.
fn summary(report: &Report, path: &str) -> String {
    let mut lines = vec![format!("wrote {path}")];
    let overhead = |kind| {
        report
            .run
            .passes
            .iter()
            .find(|p| p.kind == kind)
            .and_then(|p| p.overhead)
            .map_or_else(String::new, |o| format!(", overhead {:+.1}%", o * 100.0))
    };
    if let Some(bare) = report.run.passes.iter().find(|p| p.kind == PassKind::Bare) {
        let median = Spread::of(bare.runs.iter().map(|t| t.wall_s)).map_or(0.0, |s| s.median);
        lines.push(format!("  bare   {} runs, median wall {}", bare.repeats, human_seconds(median)));
    }
    if let Some(cpu) = &report.cpu {
        lines.push(format!(
            "  cpu    {} samples at {:.0} Hz (asked {:.0}) over {} runs{}",
            cpu.samples.len(),
            cpu.achieved_hz,
            cpu.requested_hz,
            cpu.repeats,
            overhead(PassKind::Cpu)
        ));
    }
    if let Some(calls) = &report.calls {
        let total: u64 = calls.stats.iter().map(|s| s.calls).sum();
        lines.push(format!("  calls  {total} probed calls{}", overhead(PassKind::Calls)));
    }
    if let Some(heap) = &report.heap {
        lines.push(format!(
            "  heap   {} sites, {} bytes in {} blocks, peak {} bytes, leaked {} bytes{}",
            heap.sites.len(),
            heap.total_bytes,
            heap.total_blocks,
            heap.peak_bytes,
            heap.end_bytes,
            overhead(PassKind::Heap)
        ));
    }
    lines.join("\n") + "\n"
}
