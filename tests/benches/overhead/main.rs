//! What each profiling pass costs, measured side by side with the bare
//! workload on the real binary and real plugins.
//!
//! Run with `cargo bench -p proftui-tests --bench overhead`; it prints
//! Markdown tables for BENCHMARKS.md. `OVERHEAD_ROUNDS` sets the number of
//! rounds (default 10, about two minutes).
//!
//! How it measures, and why:
//!
//! - Every round runs, for every workload, a bare worker
//!   (`proftui run --repeat 6`) and one `proftui record` per pass, in an
//!   order that rotates from round to round; a `record` starts with a
//!   warm-up and five bare runs of its own. Rounds go over all workloads before the next
//!   begins, so a slow spell of the machine reaches every pass alike, and
//!   each ratio is taken within one round and only then summarised over
//!   the rounds (median, min, max).
//! - A worker's first run can be slower than the next ones (code and
//!   data still cold): "first bare run / later bare runs" in the output.
//!   The cpu pass repeats the workload in one worker, so its later runs are
//!   compared with the warm bare runs (the bare workers' later runs and
//!   the recordings' bare runs, which follow a warm-up). The calls pass
//!   times one run after the same warm-up, so it is compared with the warm
//!   bare runs too; the heap pass runs the workload once, cold, in a fresh
//!   worker, so that run is compared with the bare workers' first runs.
//! - Other processes on the machine slow runs down at random, never speed
//!   them up: next to the per-round ratios of medians, the output gives
//!   ratios of the fastest runs (per round for the cpu pass, over all
//!   rounds for every pass), the figures least disturbed.
//! - The report's own `overhead` field rests on five bare runs; nothing
//!   here uses it.
//!
//! Per-event costs divide a pass's extra time by what the report counted:
//! probed calls (exact), allocated blocks, samples per run. What an
//! inactive probe costs in a real plugin comes from taylor against a copy
//! of taylor with its probes removed, built by this bench under
//! `target/bench/`. When `python3` is there, CPython's cProfile is timed on
//! a recursive factorial in the same rounds, for comparison.

mod comparisons;
mod round;
mod runs;
mod stats;
mod tables;

use proftui_tests::release_dir;
use round::{Round, measure_round};
use runs::{BareWorker, bare_worker};

/// Rounds unless `OVERHEAD_ROUNDS` says otherwise.
const DEFAULT_ROUNDS: usize = 10;

/// One workload as the command line names it.
pub struct Case {
    plugin: &'static str,
    workload: &'static str,
    variant: Option<&'static str>,
    params: &'static [&'static str],
    /// What it stresses, for the table.
    stresses: &'static str,
}

impl Case {
    pub fn label(&self) -> String {
        let mut label = format!("{} {}", self.plugin, self.workload);
        if let Some(variant) = self.variant {
            label += &format!(" {variant}");
        }
        for param in self.params {
            label += &format!(" {param}");
        }
        label
    }

    /// `PLUGIN -w WORKLOAD [-V VARIANT] [-p NAME=VALUE ...]`.
    pub fn args(&self) -> Vec<String> {
        let mut args = vec![plugin_path(self.plugin), "-w".into(), self.workload.into()];
        if let Some(variant) = self.variant {
            args.extend(["-V".into(), variant.into()]);
        }
        for param in self.params {
            args.extend(["-p".into(), (*param).into()]);
        }
        args
    }
}

pub const CASES: [Case; 5] = [
    Case {
        plugin: "simul",
        workload: "benchmark",
        variant: Some("naive"),
        params: &["npart=1500"],
        stresses: "cpu-bound floating point, shallow stacks",
    },
    Case {
        plugin: "taylor",
        workload: "benchmark",
        variant: None,
        params: &["n=6000"],
        stresses: "27 million calls of a 2 ns function, recursion 6000 deep",
    },
    Case {
        plugin: "counters",
        workload: "sum_squares",
        variant: Some("push_sum"),
        params: &["n=3000000"],
        stresses: "a vector growing to 24 MB: few allocation events, many bytes",
    },
    Case {
        plugin: "simul",
        workload: "memory",
        variant: None,
        params: &["layout=boxed"],
        stresses: "100 000 small allocations, then compute",
    },
    Case {
        plugin: "pi",
        workload: "estimate",
        variant: Some("serial"),
        params: &["samples=20000000"],
        stresses: "a tight random-number loop, no calls, no allocations",
    },
];

/// The plugin library as a command-line argument.
fn plugin_path(name: &str) -> String {
    release_dir().join(format!("lib{name}.so")).display().to_string()
}

/// One round of taylor against its probe-less copy: the wall seconds of
/// the later runs of a bare worker of each.
pub struct TaylorPair {
    with_probes: Vec<f64>,
    without_probes: Vec<f64>,
}

/// Everything the rounds measured.
pub struct Measured {
    rounds: usize,
    /// `/proc/loadavg` when the rounds began: other work on the machine.
    load_before: String,
    /// Per case of [`CASES`], per round.
    per_case: Vec<Vec<Round>>,
    /// The index of the taylor case in [`CASES`].
    taylor: usize,
    /// Per round: taylor against its probe-less copy.
    inactive: Vec<TaylorPair>,
    /// Per round: CPython ns per call, bare and under cProfile.
    python: Vec<(f64, f64)>,
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("overhead: a benchmark; run it with `cargo bench -p proftui-tests --bench overhead`");
        return;
    }
    let rounds: usize =
        std::env::var("OVERHEAD_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(DEFAULT_ROUNDS);
    let started = std::time::Instant::now();
    release_dir();
    let load_before = tables::load_average();
    let without_probes = comparisons::taylor_without_probes().display().to_string();
    let taylor = CASES.iter().position(|c| c.plugin == "taylor").expect("a taylor case");
    let taylor_args = CASES[taylor].args();
    let mut taylor_unprobed_args = taylor_args.clone();
    taylor_unprobed_args[0] = without_probes;

    let scratch = tempfile::tempdir().expect("a scratch directory");
    let mut measured: Vec<Vec<Round>> = CASES.iter().map(|_| Vec::new()).collect();
    let mut inactive = Vec::new();
    let mut python: Vec<(f64, f64)> = Vec::new();
    for round in 0..rounds {
        for (case, rounds_of_case) in CASES.iter().zip(&mut measured) {
            eprint!(
                "\rround {}/{rounds}, {:.0} s: {:40}",
                round + 1,
                started.elapsed().as_secs_f64(),
                case.label()
            );
            rounds_of_case.push(measure_round(case, round, scratch.path()));
        }
        // Real taylor against its probe-less copy, bare, order alternating.
        let (probed, unprobed) = if round.is_multiple_of(2) {
            let p = bare_worker(&taylor_args);
            (p, bare_worker(&taylor_unprobed_args))
        } else {
            let u = bare_worker(&taylor_unprobed_args);
            (bare_worker(&taylor_args), u)
        };
        let later = |worker: &BareWorker| worker[1..].iter().map(|t| t.wall_s).collect::<Vec<_>>();
        inactive.push(TaylorPair { with_probes: later(&probed), without_probes: later(&unprobed) });
        if let Some(pair) = comparisons::python_round(round) {
            python.push(pair);
        }
    }
    eprintln!("\rdone in {:.0} s{:50}", started.elapsed().as_secs_f64(), "");

    tables::print(&Measured { rounds, load_before, per_case: measured, taylor, inactive, python });
}
