//! A synthetic report for the view tests: the taylor shape of the core
//! analysis tests (recursive factorial under taylor_exp under run, probes
//! on taylor_exp and factorial, one allocation site in std under
//! taylor_exp), small enough to check every printed figure by hand.

use proftui_core::params::ParamValue;
use proftui_core::report::build::ReportBuilder;
use proftui_core::report::*;

pub const FILE: &str = "/src/taylor.rs";

fn run_info() -> RunInfo {
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

fn stack(b: &mut ReportBuilder, frames: &[(&str, u32)]) -> NodeId {
    frames.iter().fold(ROOT, |parent, &(name, line)| {
        let file = (!name.starts_with("alloc::")).then_some(FILE);
        let function = b.function(name, file, None);
        b.node(parent, function, line)
    })
}

/// cpu: 7 samples (6 on main) over 2 runs at 250 Hz, 0.04 s each; calls:
/// factorial 15/3 per run on main, one extra call on a worker; heap: 3000 B
/// under taylor_exp (1000 B leaked) and 500 B in run.
pub fn taylor() -> Report {
    let (run, exp, fact) = ("taylor::run", "taylor::taylor_exp", "taylor::factorial");
    let mut b = ReportBuilder::new(run_info());
    b.function(run, Some(FILE), Some(3));
    b.function(exp, Some(FILE), Some(10));
    b.function(fact, Some(FILE), Some(20));
    let cpu_main = b.thread(PassKind::Cpu, 100, "main");
    let cpu_worker = b.thread(PassKind::Cpu, 101, "worker");
    let calls_main = b.thread(PassKind::Calls, 200, "main");
    let calls_worker = b.thread(PassKind::Calls, 201, "worker");

    let mut samples = Vec::new();
    for (frames, thread, count) in [
        (&[(run, 4), (exp, 12), (fact, 21), (fact, 21), (fact, 21)][..], cpu_main, 3),
        (&[(run, 4), (exp, 12), (fact, 22)][..], cpu_main, 1),
        (&[(run, 4), (exp, 11)][..], cpu_main, 2),
        (&[(run, 5)][..], cpu_worker, 1),
    ] {
        let node = stack(&mut b, frames);
        samples.extend((0..count).map(|i| Sample { node, thread, time_ns: i * 1000, weight: 1 }));
    }
    b.set_cpu(CpuProfile {
        requested_hz: 997.0,
        achieved_hz: 250.0,
        cpu_s: 0.28,
        wall_s: 0.3,
        repeats: 2,
        dropped: 0,
        samples,
        rounds: Vec::new(),
    });

    let probe_exp = stack(&mut b, &[(exp, 0)]);
    let mut stats =
        vec![CallStat { node: probe_exp, thread: calls_main, calls: 2, inclusive_ns: 8000, self_ns: 3000 }];
    let fact_id = b.function(fact, None, None);
    let mut parent = probe_exp;
    for (inclusive_ns, self_ns) in [(5000, 1400), (3600, 1200), (2400, 1000), (1400, 800), (600, 600)] {
        parent = b.node(parent, fact_id, 0);
        stats.push(CallStat { node: parent, thread: calls_main, calls: 6, inclusive_ns, self_ns });
    }
    let first_fact = stack(&mut b, &[(exp, 0), (fact, 0)]);
    stats.push(CallStat {
        node: first_fact,
        thread: calls_worker,
        calls: 1,
        inclusive_ns: 100,
        self_ns: 100,
    });
    b.set_calls(CallProfile { repeats: 2, stats, unmatched_exits: 0 });

    let grow = stack(&mut b, &[(run, 4), (exp, 13), ("alloc::raw_vec::RawVec<T>::grow", 0)]);
    let run_alloc = stack(&mut b, &[(run, 6)]);
    let site =
        |node, total_bytes, total_blocks, at_peak: (u64, u64), at_end: (u64, u64), max_bytes| HeapSite {
            node,
            total_bytes,
            total_blocks,
            bytes_at_peak: at_peak.0,
            blocks_at_peak: at_peak.1,
            bytes_at_end: at_end.0,
            blocks_at_end: at_end.1,
            max_bytes,
        };
    b.set_heap(HeapProfile {
        sites: vec![
            site(grow, 3000, 3, (2000, 2), (1000, 1), 2000),
            site(run_alloc, 500, 5, (0, 0), (0, 0), 300),
        ],
        total_bytes: 3500,
        total_blocks: 8,
        peak_bytes: 2000,
        peak_time_ns: 25_000_000,
        end_bytes: 1000,
        end_blocks: 1,
        timeline: [(0, 0), (10, 500), (20, 1500), (25, 2000), (30, 1800), (40, 1200), (50, 1000)]
            .into_iter()
            .map(|(ms, live_bytes)| MemoryPoint { time_ns: ms * 1_000_000, live_bytes })
            .collect(),
    });
    let mut report = b.finish();
    report.sources.push(SourceFile {
        path: FILE.into(),
        lines: (1..=25)
            .map(|l| match l {
                20 => "pub fn factorial(n: u64) -> f64 {".to_string(),
                21 => "    if n == 0 { 1.0 } else { n as f64 * factorial(black_box(n - 1)) }".to_string(),
                22 => "}".to_string(),
                _ => format!("// line {l}"),
            })
            .collect(),
    });
    report
}
