//! The lines every view starts with: what was run, and what the figures
//! rest on — each pass's sample count, achieved rate and repeats, or that
//! the pass is absent.

use super::units::{human_bytes, seconds, since_start, utc};
use proftui_core::analysis::{Basis, busy_machine, unsampled_note};
use proftui_core::params::ParamValue;
use proftui_core::report::{Report, RunInfo};
use serde::Serialize;
use std::fmt::Write as _;

/// What was run, for the JSON form.
#[derive(Serialize)]
pub struct RunHeader<'a> {
    pub plugin: &'a str,
    pub plugin_path: &'a str,
    pub workload: &'a str,
    pub variant: &'a str,
    pub params: &'a [(String, ParamValue)],
    pub recorded_at_unix_s: u64,
}

impl<'a> RunHeader<'a> {
    pub fn of(run: &'a RunInfo) -> Self {
        Self {
            plugin: &run.plugin,
            plugin_path: &run.plugin_path,
            workload: &run.workload,
            variant: &run.variant,
            params: &run.params,
            recorded_at_unix_s: run.recorded_at_unix_s,
        }
    }
}

fn plural(count: u64, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// The header text, ending in a blank line.
pub fn text(report: &Report, basis: &Basis) -> String {
    let run = &report.run;
    let mut out = String::new();
    let mut title = format!("{} · {}", run.plugin, run.workload);
    if !run.variant.is_empty() {
        let _ = write!(title, " · {}", run.variant);
    }
    let _ = writeln!(out, "{title}   (plugin {})", run.plugin_path);
    let params = if run.params.is_empty() {
        "none".to_string()
    } else {
        run.params.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join(", ")
    };
    let _ = writeln!(out, "params: {params}");
    let host = &run.host;
    let _ = writeln!(
        out,
        "recorded {} on {} ({}, {} cpus) by proftui {}",
        utc(run.recorded_at_unix_s),
        host.hostname,
        host.os,
        host.cpus,
        host.proftui_version
    );

    if let (Some(import), Some(cpu)) = (&basis.import, &basis.cpu) {
        let _ = writeln!(
            out,
            "imported:   {} {} from a {} file, untimed: smp columns and every time column count {}, not seconds",
            cpu.samples, import.event, import.format, import.event
        );
        if import.call_graph {
            out.push_str(
                "            a call graph: sampled incl = self; a function's and a call's inclusive cost are the cumtime figures\n",
            );
        }
    }
    match &basis.cpu {
        Some(_) if basis.import.is_some() => {}
        Some(cpu) => {
            let selected = if cpu.samples == cpu.all_samples {
                plural(cpu.samples, "sample", "samples")
            } else {
                format!("{} of {} samples (thread filter)", cpu.samples, cpu.all_samples)
            };
            let _ = write!(
                out,
                "cpu pass:   {selected} at {:.1} Hz achieved ({:.0} Hz requested; {}) over {}; cpu times are per run (one sample = {} of cpu)",
                cpu.achieved_hz,
                cpu.requested_hz,
                cpu.clock.describe(),
                plural(u64::from(cpu.repeats), "run", "runs"),
                seconds(cpu.seconds(1)),
            );
            if cpu.dropped > 0 {
                let _ = write!(out, "; {} dropped", plural(cpu.dropped, "sample", "samples"));
            }
            if let Some(share) = cpu.busy() {
                let _ = write!(out, "\n            {}", busy_machine(share, cpu.clock));
            }
            if let Some(note) = unsampled_note(cpu.unsampled_share) {
                let _ = write!(out, "\n            {note}");
            }
            out.push('\n');
        }
        None => out.push_str("cpu pass:   no cpu pass in this report\n"),
    }
    match &basis.calls {
        Some(calls) => {
            let runs = plural(u64::from(calls.repeats), "run", "runs");
            let scaled = if calls.per_run {
                format!("exact counts over {runs}, shown per run")
            } else {
                format!(
                    "exact counts, shown as totals over {runs} (a count does not divide evenly by {})",
                    calls.repeats
                )
            };
            let _ = write!(out, "calls pass: {scaled}");
            if calls.unmatched_exits > 0 {
                let _ = write!(
                    out,
                    "; {} matched no call",
                    plural(calls.unmatched_exits, "probe exit", "probe exits")
                );
            }
            out.push('\n');
        }
        None => out.push_str("calls pass: no calls pass in this report\n"),
    }
    match &basis.heap {
        Some(heap) => {
            let runs = plural(u64::from(heap.repeats), "run", "runs");
            let scaled = match (heap.repeats, heap.per_run) {
                (1, _) => runs,
                (_, true) => format!("{runs}, allocated and leaked shown per run"),
                (_, false) => {
                    format!("{runs}, allocated and leaked shown as totals (they do not divide evenly)")
                }
            };
            let t = heap.totals;
            let _ = writeln!(
                out,
                "heap pass:  {scaled}: {} allocated in {}, {} live at the peak ({} in), {} leaked in {}",
                human_bytes(t.bytes),
                plural(t.blocks, "block", "blocks"),
                human_bytes(t.bytes_at_peak),
                since_start(heap.peak_time_ns),
                human_bytes(t.bytes_at_end),
                plural(t.blocks_at_end, "block", "blocks"),
            );
        }
        None => out.push_str("heap pass:  no heap pass in this report\n"),
    }
    if let Some(threads) = &basis.threads {
        let names: Vec<String> = threads
            .iter()
            .filter_map(|&t| report.threads.get(t as usize))
            .map(|t| format!("{} ({} {})", t.name, t.pass.name(), t.os_id))
            .collect();
        let _ = write!(out, "threads:    {}", names.join(", "));
        if basis.heap.is_some() {
            out.push_str("; heap figures cover every thread (sites carry none)");
        }
        out.push('\n');
    }
    out.push('\n');
    out
}
