//! One round of one workload: a bare worker and a recording of each pass,
//! reduced to ratios and per-event costs.

use crate::Case;
use crate::runs::{BareWorker, Pass, Recorded, bare_worker, record};
use crate::stats::{median, minimum};
use std::path::Path;

/// One round of one workload, reduced to the figures the tables show.
/// Ratios are pass over bare; "warm" runs are a worker's later runs,
/// "cold" its first.
pub struct Round {
    /// Median of the warm bare runs.
    pub bare_warm_wall_s: f64,
    /// Median cold bare run over median warm bare run.
    pub cold_over_warm: f64,
    /// The cpu pass on perf events and on the profiling timer.
    pub cpu: CpuFigures,
    pub cpu_timer: CpuFigures,
    /// The calls pass's one run (after its warm-up) over the median warm
    /// bare run.
    pub calls_ratio: f64,
    /// Probed calls per run, as the calls pass counted them.
    pub calls: u64,
    pub calls_ns_per_call: f64,
    /// The heap pass's one run over the median cold bare run.
    pub heap_ratio: f64,
    /// Blocks allocated per run, as the heap pass counted them.
    pub blocks: u64,
    pub heap_us_per_block: f64,
    /// Fastest runs of the round, in seconds: warm bare runs, cold bare
    /// runs, and the calls and heap passes' one run. (The calls pass's run
    /// is warm, the heap pass's cold.)
    pub fastest_warm_bare_s: f64,
    pub fastest_cold_bare_s: f64,
    pub calls_wall_s: f64,
    pub heap_wall_s: f64,
}

/// One cpu pass's figures against the warm bare runs.
pub struct CpuFigures {
    /// Medians of warm runs, cpu pass over bare.
    pub wall_ratio: f64,
    /// Fastest warm runs, cpu pass over bare, in wall and in CPU time.
    pub min_wall_ratio: f64,
    pub min_time_ratio: f64,
    /// Extra CPU time of the fastest cpu-pass run per sample it took.
    pub us_per_sample: f64,
    pub samples_per_run: f64,
    pub achieved_hz: f64,
    /// The fastest warm run, in seconds.
    pub fastest_s: f64,
}

/// Runs a bare worker and a recording of each pass, in an order rotated
/// by `round`, and reduces them; reports are written into `dir`.
pub fn measure_round(case: &Case, round: usize, dir: &Path) -> Round {
    let report = dir.join("report.json");
    let mut bare_workers: Vec<BareWorker> = Vec::new();
    let (mut cpu, mut cpu_timer, mut calls, mut heap) = (None, None, None, None);
    // Five jobs, rotated by the round number.
    for job in (0..5).map(|j| (j + round) % 5) {
        match job {
            0 => bare_workers.push(bare_worker(&case.args())),
            1 => cpu = Some(record(case, Pass::Cpu, &report)),
            2 => cpu_timer = Some(record(case, Pass::CpuTimer, &report)),
            3 => calls = Some(record(case, Pass::Calls, &report)),
            _ => heap = Some(record(case, Pass::Heap, &report)),
        }
    }
    let (cpu, cpu_timer, calls, heap) = (
        cpu.expect("cpu job ran"),
        cpu_timer.expect("timer cpu job ran"),
        calls.expect("calls job ran"),
        heap.expect("heap job ran"),
    );
    // A recording's bare runs follow its warm-up: all of them are warm.
    let recorded_bare = [&cpu.bare, &cpu_timer.bare, &calls.bare, &heap.bare];
    let warm_bare =
        || bare_workers.iter().flat_map(|w| w[1..].iter()).chain(recorded_bare.into_iter().flatten());
    let cold_wall = median(bare_workers.iter().map(|w| w[0].wall_s));
    let warm_wall = median(warm_bare().map(|t| t.wall_s));
    let (bare_min_wall, bare_min_cpu) =
        (minimum(warm_bare().map(|t| t.wall_s)), minimum(warm_bare().map(|t| t.cpu_s)));
    let figures = |pass: &Recorded| {
        let warm = || pass.runs[1..].iter();
        let (min_wall, min_cpu) = (minimum(warm().map(|t| t.wall_s)), minimum(warm().map(|t| t.cpu_s)));
        CpuFigures {
            wall_ratio: median(warm().map(|t| t.wall_s)) / warm_wall,
            min_wall_ratio: min_wall / bare_min_wall,
            min_time_ratio: min_cpu / bare_min_cpu,
            us_per_sample: (min_cpu - bare_min_cpu) / pass.samples_per_run * 1e6,
            samples_per_run: pass.samples_per_run,
            achieved_hz: pass.achieved_hz,
            fastest_s: min_wall,
        }
    };
    let calls_wall = calls.runs[0].wall_s;
    let heap_wall = heap.runs[0].wall_s;
    Round {
        bare_warm_wall_s: warm_wall,
        cold_over_warm: cold_wall / warm_wall,
        cpu: figures(&cpu),
        cpu_timer: figures(&cpu_timer),
        calls_ratio: calls_wall / warm_wall,
        calls: calls.calls,
        calls_ns_per_call: (calls_wall - warm_wall) / calls.calls.max(1) as f64 * 1e9,
        heap_ratio: heap_wall / cold_wall,
        blocks: heap.blocks,
        heap_us_per_block: (heap_wall - cold_wall) / heap.blocks.max(1) as f64 * 1e6,
        fastest_warm_bare_s: bare_min_wall,
        fastest_cold_bare_s: minimum(bare_workers.iter().map(|w| w[0].wall_s)),
        calls_wall_s: calls_wall,
        heap_wall_s: heap_wall,
    }
}
