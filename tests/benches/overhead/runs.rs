//! Runs of the real binary: bare workers (`proftui run`) and one-pass
//! recordings (`proftui record`), read back from their JSON.

use crate::Case;
use proftui_tests::{proftui, text};
use serde_json::Value;
use std::path::Path;

/// Runs of each bare worker: one cold, five warm.
const BARE_REPEAT: usize = 6;
/// Samples the cpu pass collects: about ten runs of a 60 ms workload, at
/// the 397 Hz perf events deliver by default and at the 250 Hz of the
/// timer.
const CPU_MIN_SAMPLES_PERF: u32 = 240;
const CPU_MIN_SAMPLES_TIMER: u32 = 150;

/// One run of the workload: wall clock and process CPU (user + system).
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub wall_s: f64,
    pub cpu_s: f64,
}

fn timing(value: &Value) -> Timing {
    let field = |name: &str| value[name].as_f64().unwrap_or_else(|| panic!("timing without {name}: {value}"));
    Timing { wall_s: field("wall_s"), cpu_s: field("user_s") + field("sys_s") }
}

/// The bare runs of one worker, first (cold) run first.
pub type BareWorker = Vec<Timing>;

/// Runs `proftui` and returns its stdout; panics with its stderr when it fails.
fn run_proftui(args: &[String]) -> String {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = proftui(&args);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "proftui {} failed:\n{stderr}", args.join(" "));
    stdout
}

/// `proftui run --repeat BARE_REPEAT --format json` of a plugin library.
pub fn bare_worker(invocation: &[String]) -> BareWorker {
    let mut args = vec!["run".to_string()];
    args.extend_from_slice(invocation);
    args.extend(["--repeat".into(), BARE_REPEAT.to_string(), "--format".into(), "json".into()]);
    let json: Value = serde_json::from_str(&run_proftui(&args)).expect("run --format json prints JSON");
    json["runs"].as_array().expect("runs").iter().map(|run| timing(&run["timing"])).collect()
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pass {
    /// The cpu pass on perf events.
    Cpu,
    /// The cpu pass on the profiling timer.
    CpuTimer,
    Calls,
    Heap,
}

/// What one `proftui record` of one pass measured.
pub struct Recorded {
    pub bare: BareWorker,
    pub runs: Vec<Timing>,
    /// cpu: samples per run and the achieved rate.
    pub samples_per_run: f64,
    pub achieved_hz: f64,
    /// calls: probed calls per run, exactly.
    pub calls: u64,
    /// heap: blocks allocated per run.
    pub blocks: u64,
}

pub fn record(case: &Case, pass: Pass, report: &Path) -> Recorded {
    let mut args = vec!["record".to_string()];
    args.extend(case.args());
    match pass {
        Pass::Cpu => args.extend(
            ["--cpu", "--clock", "perf", "--min-samples"]
                .map(String::from)
                .into_iter()
                .chain([CPU_MIN_SAMPLES_PERF.to_string()]),
        ),
        Pass::CpuTimer => args.extend(
            ["--cpu", "--clock", "timer", "--min-samples"]
                .map(String::from)
                .into_iter()
                .chain([CPU_MIN_SAMPLES_TIMER.to_string()]),
        ),
        Pass::Calls => args.push("--calls".into()),
        Pass::Heap => args.push("--heap".into()),
    }
    args.extend(["-o".into(), report.display().to_string(), "--force".into()]);
    run_proftui(&args);
    let file = std::fs::read_to_string(report).expect("record wrote its report");
    let report: Value = serde_json::from_str(&file).expect("the report is JSON");
    let runs_of = |kind: &str| -> Vec<Timing> {
        let passes = report["run"]["passes"].as_array().expect("passes");
        let pass = passes.iter().find(|p| p["kind"] == kind).unwrap_or_else(|| panic!("no {kind} pass"));
        pass["runs"].as_array().expect("runs").iter().map(timing).collect()
    };
    let runs = runs_of(match pass {
        Pass::Cpu | Pass::CpuTimer => "cpu",
        Pass::Calls => "calls",
        Pass::Heap => "heap",
    });
    let mut recorded =
        Recorded { bare: runs_of("bare"), runs, samples_per_run: 0.0, achieved_hz: 0.0, calls: 0, blocks: 0 };
    match pass {
        Pass::Cpu | Pass::CpuTimer => {
            let cpu = &report["cpu"];
            let samples = cpu["samples"].as_array().expect("samples").len() as f64;
            recorded.samples_per_run = samples / cpu["repeats"].as_f64().expect("repeats");
            recorded.achieved_hz = cpu["achieved_hz"].as_f64().expect("achieved_hz");
        }
        Pass::Calls => {
            let stats = report["calls"]["stats"].as_array().expect("call stats");
            recorded.calls = stats.iter().map(|s| s["calls"].as_u64().expect("calls")).sum();
        }
        Pass::Heap => recorded.blocks = report["heap"]["total_blocks"].as_u64().expect("total_blocks"),
    }
    recorded
}
