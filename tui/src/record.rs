//! `proftui record`: the passes in workers (see `proftui_core::record`),
//! progress on a terminal, one report saved.

use crate::cli::RecordArgs;
use crate::commands::Session;
use anyhow::Result;
use proftui_core::analysis::{BUSY_WAIT_SHARE, busy_machine};
use proftui_core::record::{Progress, RecordOptions, record};
use proftui_core::report::file::{ReportFileError, save};
use proftui_core::report::{PassKind, Report};
use proftui_core::timing::human_seconds;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub fn run(args: &RecordArgs) -> Result<ExitCode> {
    if !args.force && args.output.exists() {
        return Err(ReportFileError::Exists { path: args.output.clone() }.into());
    }
    let session = Session::open(&args.plugin)?;
    let invocation = session.invocation(&args.workload)?;
    let all = !(args.cpu || args.calls || args.heap);
    let options = RecordOptions {
        cpu: all || args.cpu,
        calls: all || args.calls,
        heap: all || args.heap,
        ..args.pass.record_options()
    };
    let target = session.recording_target(&invocation);
    let tty = std::io::stderr().is_terminal();
    let recording = record(&target, &session.options, &options, |event| show(event, tty));
    if tty {
        let _ = write!(std::io::stderr(), "\r{:60}\r", "");
    }
    let recording = recording?;
    save(&recording.report, &args.output, args.force)?;
    print!("{}", summary(&recording.report, &args.output.display().to_string()));
    Ok(if recording.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// A progress line on a terminal; a failed pass always gets its line.
fn show(event: Progress, tty: bool) {
    match event {
        Progress::Failed(kind, why) => {
            if tty {
                let _ = write!(std::io::stderr(), "\r{:60}\r", "");
            }
            eprintln!("proftui: error: the {} pass failed: {why}", kind.name());
        }
        Progress::Running { pass, runs, samples, .. } if tty => {
            let detail = if samples > 0 { format!(", {samples} samples") } else { String::new() };
            let _ = write!(std::io::stderr(), "\r  {:5} pass: {runs} runs{detail}    ", pass.name());
        }
        _ => {}
    }
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
        let warmed = match bare.warm_up_runs {
            0 => String::new(),
            1 => " after 1 warm-up run".into(),
            n => format!(" after {n} warm-up runs"),
        };
        lines.push(format!(
            "  bare   {} runs{warmed}, median wall {}",
            bare.repeats,
            human_seconds(bare.median_wall().unwrap_or(0.0))
        ));
    }
    if let Some(cpu) = &report.cpu {
        lines.push(format!(
            "  cpu    {} samples at {:.0} Hz (asked {:.0}) over {} runs{}{}",
            cpu.samples.len(),
            cpu.achieved_hz,
            cpu.requested_hz,
            cpu.repeats,
            match cpu.rounds.len() {
                0 | 1 => String::new(),
                n => format!(" in {n} rounds"),
            },
            overhead(PassKind::Cpu)
        ));
        if let Some(share) = cpu.wait_share().filter(|&s| s >= BUSY_WAIT_SHARE) {
            lines.push(format!("  note   {}", busy_machine(share)));
        }
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
