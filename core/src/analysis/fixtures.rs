//! Synthetic reports for tests, built through the report builder, small
//! enough that every expected figure is worked out by hand in the tests:
//! the analysis tests here, and (with the `test-support` feature) the
//! terminal's view tests, which draw the same report.
//!
//! The taylor-like report (`taylor()`):
//!
//! ```text
//! cpu pass, 7 samples, cpu_s 0.28 (0.04 s/sample), 2 runs, 250 Hz achieved
//!   main:   run@4 → taylor_exp@12 → factorial@21 → factorial@21 → factorial@21   3 samples
//!   main:   run@4 → taylor_exp@12 → factorial@22                                 1 sample
//!   main:   run@4 → taylor_exp@11                                                2 samples
//!   worker: run@5                                                                1 sample
//! calls pass (probes: taylor_exp, factorial; line 0), 2 runs, totals:
//!   main:   taylor_exp                 2 calls  incl 8000 ns  self 3000 ns
//!           └ factorial               6 calls  incl 5000      self 1400
//!             └ factorial             6        3600           1200
//!               └ factorial           6        2400           1000
//!                 └ factorial         6        1400            800
//!                   └ factorial       6         600            600
//!   worker: taylor_exp → factorial    1 call   incl 100       self 100
//! heap pass (1 run), live bytes at ticks 0 10 20 25 30 40 50: 0 500 1500 2000 1800 1200 1000,
//! peak 2000 B at tick 25 (a tick is 1 ns in `taylor()`, 1 ms in `taylor_for_views()`):
//!   run@4 → taylor_exp@13 → alloc::raw_vec::RawVec<T>::grow@0
//!       3000 B in 3 blocks, 2000 B / 2 blocks at peak, 1000 B / 1 block leaked, max 2000 B in 2 blocks
//!   run@6   500 B in 5 blocks, nothing at peak or leaked, max 300 B in 3 blocks
//! source of /src/taylor.rs, 25 lines: run at 3, taylor_exp at 10, factorial at 20
//! ```

use crate::params::ParamValue;
use crate::report::build::ReportBuilder;
use crate::report::*;

pub const RUN: &str = "taylor::run";
pub const EXP: &str = "taylor::taylor_exp";
pub const FACT: &str = "taylor::factorial";
pub const GROW: &str = "alloc::raw_vec::RawVec<T>::grow";
pub const FILE: &str = "/src/taylor.rs";

/// Thread ids of the taylor report, in the order the builder hands them out.
pub const CPU_MAIN: ThreadId = 0;
pub const CPU_WORKER: ThreadId = 1;
pub const CALLS_MAIN: ThreadId = 2;
pub const CALLS_WORKER: ThreadId = 3;

/// A cpu basis of `samples` samples, each standing for
/// `seconds_per_sample` over `repeats` runs (997 Hz asked, 250 achieved).
pub fn cpu_basis(samples: u64, seconds_per_sample: f64, repeats: u32) -> super::CpuBasis {
    super::CpuBasis {
        clock: crate::collect::cpu::SampleClock::ItimerProf,
        samples,
        all_samples: samples,
        requested_hz: 997.0,
        achieved_hz: 250.0,
        repeats,
        seconds_per_sample,
        dropped: 0,
        wait_share: None,
        unsampled_share: None,
    }
}

/// The run of the taylor report: plugin `taylor` (plugins/taylor.so),
/// workload `series`, variant `exp`, `terms=5`, recorded at 1_700_000_000
/// on `box` (linux, 4 cpus).
pub fn run_info() -> RunInfo {
    RunInfo {
        plugin: "taylor".into(),
        plugin_path: "plugins/taylor.so".into(),
        workload: "series".into(),
        variant: "exp".into(),
        params: vec![("terms".into(), ParamValue::Int(5))],
        results: vec![],
        recorded_at_unix_s: 1_700_000_000,
        host: HostInfo {
            hostname: "box".into(),
            os: "linux".into(),
            cpus: 4,
            proftui_version: "0.1.0".into(),
        },
        passes: vec![],
    }
}

/// The leaf node of a stack of `(function, line)` frames, root first.
pub fn stack(b: &mut ReportBuilder, frames: &[(&str, u32)]) -> NodeId {
    frames.iter().fold(ROOT, |parent, &(name, line)| {
        let file = (!name.starts_with("alloc::")).then_some(FILE);
        let function = b.function(name, file, None);
        b.node(parent, function, line)
    })
}

fn samples(node: NodeId, thread: ThreadId, count: u64) -> impl Iterator<Item = Sample> {
    (0..count).map(move |i| Sample { node, thread, time_ns: i * 1000, weight: 1 })
}

/// The taylor report of the analysis tests: heap ticks of 1 ns, and line
/// `n` of the source reads `source line n`.
pub fn taylor() -> Report {
    taylor_with(1, |line| format!("source line {line}"))
}

/// The taylor report as the terminal's views draw it: heap ticks of 1 ms
/// (the peak at 25 ms, the end at 50 ms), and the source text of
/// [`taylor_source`].
pub fn taylor_for_views() -> Report {
    taylor_with(1_000_000, taylor_source)
}

/// The text of line `line` of [`FILE`] in [`taylor_for_views`]: the three
/// functions at the lines their frames name, blank lines between them.
pub fn taylor_source(line: u32) -> String {
    match line {
        3 => "pub fn run(terms: u64) -> f64 {",
        4 => "    let sum = taylor_exp(1.0, terms);",
        5 => "    let label = format!(\"{sum}\");",
        6 => "    label.len() as f64",
        10 => "pub fn taylor_exp(x: f64, terms: u64) -> f64 {",
        11 => "    let powers: f64 = (0..terms).map(|n| x.powi(n as i32)).sum();",
        12 => "    let sum = (0..terms).map(|n| 1.0 / factorial(n)).sum::<f64>();",
        13 => "    KEPT.lock().push(vec![0u8; 1000]);",
        14 => "    sum * powers",
        15 => "}",
        20 => "pub fn factorial(n: u64) -> f64 {",
        21 => "    if n == 0 { 1.0 } else { n as f64 * factorial(black_box(n - 1)) }",
        22 => "}",
        _ => "",
    }
    .to_string()
}

/// The taylor report with heap times in ticks of `tick_ns` and
/// `source(n)` as line `n` (1 to 25) of [`FILE`].
fn taylor_with(tick_ns: u64, source: impl Fn(u32) -> String) -> Report {
    let mut b = ReportBuilder::new(run_info());
    b.function(RUN, Some(FILE), Some(3));
    b.function(EXP, Some(FILE), Some(10));
    b.function(FACT, Some(FILE), Some(20));
    assert_eq!(b.thread(PassKind::Cpu, 100, "main"), CPU_MAIN);
    assert_eq!(b.thread(PassKind::Cpu, 101, "worker"), CPU_WORKER);
    assert_eq!(b.thread(PassKind::Calls, 200, "main"), CALLS_MAIN);
    assert_eq!(b.thread(PassKind::Calls, 201, "worker"), CALLS_WORKER);

    let deep = stack(&mut b, &[(RUN, 4), (EXP, 12), (FACT, 21), (FACT, 21), (FACT, 21)]);
    let shallow = stack(&mut b, &[(RUN, 4), (EXP, 12), (FACT, 22)]);
    let exp_self = stack(&mut b, &[(RUN, 4), (EXP, 11)]);
    let run_self = stack(&mut b, &[(RUN, 5)]);
    let sampled: Vec<Sample> = samples(deep, CPU_MAIN, 3)
        .chain(samples(shallow, CPU_MAIN, 1))
        .chain(samples(exp_self, CPU_MAIN, 2))
        .chain(samples(run_self, CPU_WORKER, 1))
        .collect();
    b.set_cpu(CpuProfile {
        clock: crate::collect::cpu::SampleClock::ItimerProf,
        unsampled_s: None,
        requested_hz: 997.0,
        achieved_hz: 250.0,
        cpu_s: 0.28,
        wall_s: 0.3,
        wait_s: None,
        repeats: 2,
        dropped: 0,
        samples: sampled,
        rounds: Vec::new(),
    });

    let mut stats = Vec::new();
    let exp = stack(&mut b, &[(EXP, 0)]);
    stats.push(CallStat { node: exp, thread: CALLS_MAIN, calls: 2, inclusive_ns: 8000, self_ns: 3000 });
    let mut parent = exp;
    let fact = b.function(FACT, None, None);
    for (inclusive_ns, self_ns) in [(5000, 1400), (3600, 1200), (2400, 1000), (1400, 800), (600, 600)] {
        parent = b.node(parent, fact, 0);
        stats.push(CallStat { node: parent, thread: CALLS_MAIN, calls: 6, inclusive_ns, self_ns });
    }
    let worker_fact = stack(&mut b, &[(EXP, 0), (FACT, 0)]);
    stats.push(CallStat {
        node: worker_fact,
        thread: CALLS_WORKER,
        calls: 1,
        inclusive_ns: 100,
        self_ns: 100,
    });
    b.set_calls(CallProfile { repeats: 2, stats, unmatched_exits: 0 });

    let grow = stack(&mut b, &[(RUN, 4), (EXP, 13), (GROW, 0)]);
    let run_alloc = stack(&mut b, &[(RUN, 6)]);
    b.set_heap(HeapProfile {
        sites: vec![
            HeapSite {
                node: grow,
                total_bytes: 3000,
                total_blocks: 3,
                bytes_at_peak: 2000,
                blocks_at_peak: 2,
                bytes_at_end: 1000,
                blocks_at_end: 1,
                max_bytes: 2000,
                max_blocks: 2,
                // Two blocks freed after 15 and 10 ticks, the leaked one
                // live from tick 20 to the end at 50: 55 ticks.
                lifetimes_us: Some(55 * tick_ns / 1000),
            },
            HeapSite {
                node: run_alloc,
                total_bytes: 500,
                total_blocks: 5,
                bytes_at_peak: 0,
                blocks_at_peak: 0,
                bytes_at_end: 0,
                blocks_at_end: 0,
                max_bytes: 300,
                max_blocks: 3,
                // Five blocks of 2 ticks each.
                lifetimes_us: Some(10 * tick_ns / 1000),
            },
        ],
        total_bytes: 3500,
        total_blocks: 8,
        peak_bytes: 2000,
        peak_time_ns: 25 * tick_ns,
        end_bytes: 1000,
        end_blocks: 1,
        timeline: [(0, 0), (10, 500), (20, 1500), (25, 2000), (30, 1800), (40, 1200), (50, 1000)]
            .into_iter()
            .map(|(tick, live_bytes)| MemoryPoint { time_ns: tick * tick_ns, live_bytes })
            .collect(),
    });
    let mut report = b.finish();
    report.sources.push(SourceFile { path: FILE.to_string(), lines: (1..=25).map(source).collect() });
    report
}

/// The id of a function by name.
pub fn id(report: &Report, name: &str) -> FunctionId {
    report.functions.iter().position(|f| f.name == name).expect("the fixture has this function") as FunctionId
}

/// The taylor report's main threads (cpu and calls).
pub fn main_threads() -> super::Filter {
    super::Filter { threads: Some(vec![CPU_MAIN, CALLS_MAIN]) }
}

/// Asserts two floats agree to 1e-12 relative.
#[track_caller]
pub fn assert_close(actual: f64, expected: f64) {
    let tolerance = 1e-12 * expected.abs().max(1e-12);
    assert!((actual - expected).abs() <= tolerance, "{actual} is not {expected}");
}

/// A report of one function recursing `depth` deep: 5 samples at the
/// deepest frame, one call per level (node at depth d has inclusive
/// `depth - d + 1` ns, self 1 ns).
pub fn deep_chain(depth: u32) -> Report {
    let mut b = ReportBuilder::new(run_info());
    let f = b.function("deep::f", Some(FILE), Some(1));
    let cpu = b.thread(PassKind::Cpu, 1, "main");
    let calls = b.thread(PassKind::Calls, 2, "main");
    let mut node = ROOT;
    let mut stats = Vec::new();
    for d in 0..depth {
        node = b.node(node, f, 1);
        stats.push(CallStat {
            node,
            thread: calls,
            calls: 1,
            inclusive_ns: u64::from(depth - d),
            self_ns: 1,
        });
    }
    b.set_cpu(CpuProfile {
        clock: crate::collect::cpu::SampleClock::ItimerProf,
        unsampled_s: None,
        requested_hz: 997.0,
        achieved_hz: 250.0,
        cpu_s: 0.02,
        wall_s: 0.02,
        wait_s: None,
        repeats: 1,
        dropped: 0,
        samples: samples(node, cpu, 5).collect(),
        rounds: Vec::new(),
    });
    b.set_calls(CallProfile { repeats: 1, stats, unmatched_exits: 0 });
    b.finish()
}
