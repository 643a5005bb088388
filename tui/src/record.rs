//! `proftui record`: the passes in workers (see `proftui_core::record`),
//! progress on a terminal, one report saved.

use crate::cli::RecordArgs;
use crate::commands::Session;
use anyhow::Result;
use proftui_core::analysis::{busy, busy_machine, unsampled_note};
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

/// What the calls pass added per probed call: its median run's wall time
/// over the bare median, spread over the `calls_per_run` it counted; `None`
/// without both passes, or with too few calls (under 10 000 a run) for the
/// difference to stand above the runs' noise.
fn per_probed_call(report: &Report, calls_per_run: u64) -> Option<f64> {
    let median = |kind| report.run.passes.iter().find(|p| p.kind == kind).and_then(|p| p.median_wall());
    let (bare, calls) = (median(PassKind::Bare)?, median(PassKind::Calls)?);
    (calls_per_run >= 10_000).then(|| (calls - bare).max(0.0) / calls_per_run as f64)
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
            "  cpu    {} samples at {:.0} Hz (asked {:.0}; {}) over {} runs{}{}",
            cpu.samples.len(),
            cpu.achieved_hz,
            cpu.requested_hz,
            cpu.clock.describe(),
            cpu.repeats,
            match cpu.rounds.len() {
                0 | 1 => String::new(),
                n => format!(" in {n} rounds"),
            },
            overhead(PassKind::Cpu)
        ));
        if let Some(share) = busy(cpu.wait_share()) {
            lines.push(format!("  note   {}", busy_machine(share, cpu.clock)));
        }
        if let Some(note) = unsampled_note(cpu.unsampled_share()) {
            lines.push(format!("  note   {note}"));
        }
    }
    if let Some(calls) = &report.calls {
        let total: u64 = calls.stats.iter().map(|s| s.calls).sum();
        let per_call = per_probed_call(report, total / u64::from(calls.repeats.max(1)))
            .map_or_else(String::new, |s| format!(" ({} per probed call)", human_seconds(s)));
        lines.push(format!("  calls  {total} probed calls{}{per_call}", overhead(PassKind::Calls)));
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

#[cfg(test)]
mod tests {
    use super::*;
    use proftui_core::analysis::fixtures;
    use proftui_core::report::build::ReportBuilder;
    use proftui_core::report::{CallProfile, CallStat, PassInfo, ROOT};
    use proftui_core::timing::Timing;

    /// A report whose warm bare runs take 1 ms and whose calls pass's one
    /// run takes 3 ms and counts `calls` probed calls.
    fn report(calls: u64) -> Report {
        let mut builder = ReportBuilder::new(fixtures::run_info());
        let f = builder.function("demo::f", None, None);
        let node = builder.node(ROOT, f, 1);
        let wall = |ms: f64| Timing { wall_s: ms / 1e3, user_s: ms / 1e3, sys_s: 0.0 };
        for (kind, runs, warm_up_runs) in
            [(PassKind::Bare, vec![wall(1.0); 5], 40), (PassKind::Calls, vec![wall(3.0)], 12)]
        {
            builder.pass(PassInfo { kind, repeats: runs.len() as u32, runs, overhead: None, warm_up_runs });
        }
        builder.set_calls(CallProfile {
            repeats: 1,
            stats: vec![CallStat { node, thread: 0, calls, inclusive_ns: 2_000_000, self_ns: 2_000_000 }],
            unmatched_exits: 0,
        });
        builder.finish()
    }

    #[test]
    fn the_calls_line_gives_the_cost_of_one_probed_call() {
        // (3 ms − 1 ms) / 100 000 calls = 20 ns.
        let text = summary(&report(100_000), "out.json");
        assert!(text.contains("  calls  100000 probed calls (20.0 ns per probed call)"), "{text}");
        assert!(text.contains("  bare   5 runs after 40 warm-up runs, median wall 1.00 ms"), "{text}");
        // Too few calls for 2 ms to be theirs rather than noise: no figure.
        let text = summary(&report(9_999), "out.json");
        assert!(
            text.contains("  calls  9999 probed calls\n") || text.ends_with("  calls  9999 probed calls"),
            "{text}"
        );
    }
}
