//! A synthetic report for the explorer's view tests, and helpers to draw a
//! view into a test terminal. The report has the taylor shape of the core
//! analysis tests (recursive factorial under taylor_exp under run, probes
//! on taylor_exp and factorial, an allocation site in std under
//! taylor_exp), small enough to check every drawn figure by hand:
//!
//! ```text
//! cpu pass, 7 samples, cpu_s 0.28 (0.04 s/sample), 2 runs, 250 Hz achieved
//!   main:   run@4 → taylor_exp@12 → factorial@21 → factorial@21 → factorial@21   3 samples
//!   main:   run@4 → taylor_exp@12 → factorial@22                                 1 sample
//!   main:   run@4 → taylor_exp@11                                                2 samples
//!   worker: run@5                                                                1 sample
//! calls pass (probes: taylor_exp, factorial; line 0), 2 runs, totals:
//!   main:   taylor_exp 2 calls, under it factorial 5 deep, 6 calls each level
//!   worker: taylor_exp → factorial 1 call
//! heap pass (1 run), peak 2000 B at 25 ms, 1000 B live at the end (50 ms):
//!   run@4 → taylor_exp@13 → alloc::raw_vec::RawVec<T>::grow@0
//!       3000 B in 3 blocks, 2000 B / 2 blocks at peak, 1000 B / 1 block leaked, max 2000 B
//!   run@6   500 B in 5 blocks, nothing at peak or leaked, max 300 B
//! source of /src/taylor.rs, 25 lines: run at 3, taylor_exp at 10, factorial at 20
//! ```

use crate::explorer::profile::Profile;
use crate::explorer::views::Ctx;
use proftui_core::params::ParamValue;
use proftui_core::report::build::ReportBuilder;
use proftui_core::report::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::sync::Arc;

pub const FILE: &str = "/src/taylor.rs";
pub const RUN: &str = "taylor::run";
pub const EXP: &str = "taylor::taylor_exp";
pub const FACT: &str = "taylor::factorial";

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

/// The source of [`FILE`] as captured in the report.
fn source_line(line: u32) -> String {
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

/// The taylor report (see the module docs).
pub fn taylor() -> Report {
    let mut b = ReportBuilder::new(run_info());
    b.function(RUN, Some(FILE), Some(3));
    b.function(EXP, Some(FILE), Some(10));
    b.function(FACT, Some(FILE), Some(20));
    let cpu_main = b.thread(PassKind::Cpu, 100, "main");
    let cpu_worker = b.thread(PassKind::Cpu, 101, "worker");
    let calls_main = b.thread(PassKind::Calls, 200, "main");
    let calls_worker = b.thread(PassKind::Calls, 201, "worker");

    let mut samples = Vec::new();
    for (frames, thread, count) in [
        (&[(RUN, 4), (EXP, 12), (FACT, 21), (FACT, 21), (FACT, 21)][..], cpu_main, 3),
        (&[(RUN, 4), (EXP, 12), (FACT, 22)][..], cpu_main, 1),
        (&[(RUN, 4), (EXP, 11)][..], cpu_main, 2),
        (&[(RUN, 5)][..], cpu_worker, 1),
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

    let probe_exp = stack(&mut b, &[(EXP, 0)]);
    let mut stats =
        vec![CallStat { node: probe_exp, thread: calls_main, calls: 2, inclusive_ns: 8000, self_ns: 3000 }];
    let fact = b.function(FACT, None, None);
    let mut parent = probe_exp;
    for (inclusive_ns, self_ns) in [(5000, 1400), (3600, 1200), (2400, 1000), (1400, 800), (600, 600)] {
        parent = b.node(parent, fact, 0);
        stats.push(CallStat { node: parent, thread: calls_main, calls: 6, inclusive_ns, self_ns });
    }
    let first_fact = stack(&mut b, &[(EXP, 0), (FACT, 0)]);
    stats.push(CallStat {
        node: first_fact,
        thread: calls_worker,
        calls: 1,
        inclusive_ns: 100,
        self_ns: 100,
    });
    b.set_calls(CallProfile { repeats: 2, stats, unmatched_exits: 0 });

    let grow = stack(&mut b, &[(RUN, 4), (EXP, 13), ("alloc::raw_vec::RawVec<T>::grow", 0)]);
    let run_alloc = stack(&mut b, &[(RUN, 6)]);
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
    report.sources.push(SourceFile { path: FILE.into(), lines: (1..=25).map(source_line).collect() });
    report
}

/// The report opened in the explorer.
pub fn profile(report: Report) -> Profile {
    Profile::new(Arc::new(report), None)
}

/// Diff mode over the taylor report: the base is [`taylor`]; the new run
/// is the same with 30 more samples at the deepest `factorial@21` on
/// main (its cpu_s grows with them, so a sample still stands for 0.04 s,
/// 0.02 s per run). Paths are `base.json` and `new.json`.
pub fn diff_profile() -> Profile {
    let base = taylor();
    let mut new = taylor();
    let cpu = new.cpu.as_mut().expect("the fixture has a cpu pass");
    let deepest = cpu.samples[0];
    cpu.samples.extend((0..30).map(|i| Sample { time_ns: 10_000 + i, ..deepest }));
    cpu.cpu_s = 0.04 * cpu.samples.len() as f64;
    Profile::diff(Arc::new(base), "base.json".into(), Arc::new(new), "new.json".into())
}

/// The id of a function of `profile` by name.
pub fn function(profile: &Profile, name: &str) -> FunctionId {
    profile.report.functions.iter().position(|f| f.name == name).expect("the fixture has this function")
        as FunctionId
}

/// A context about `focus`, absolute figures, 20 rows a page.
pub fn ctx(profile: &Profile, focus: Option<FunctionId>) -> Ctx<'_> {
    Ctx { profile, focus, focus_line: None, relative: false, page_rows: 20 }
}

/// Draws into a `width` × `height` test terminal and returns its buffer.
pub fn draw(width: u16, height: u16, body: impl FnOnce(&mut ratatui::Frame, Rect)) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
    terminal
        .draw(|frame| {
            let area = frame.area();
            body(frame, area);
        })
        .expect("drawing into a test terminal");
    terminal.backend().buffer().clone()
}

/// The buffer's text, one line per row, trailing spaces removed.
pub fn text(buffer: &Buffer) -> String {
    let width = buffer.area.width as usize;
    let symbols: Vec<&str> = buffer.content.iter().map(|cell| cell.symbol()).collect();
    let mut out = String::new();
    for row in symbols.chunks(width.max(1)) {
        out.push_str(row.concat().trim_end());
        out.push('\n');
    }
    out
}

/// The text of row `y` of the buffer, trailing spaces removed.
pub fn row(buffer: &Buffer, y: u16) -> String {
    (0..buffer.area.width).map(|x| buffer[(x, y)].symbol()).collect::<String>().trim_end().to_string()
}

/// One cpu pass over one thread, 1 run at 250 Hz (0.004 s a sample).
fn cpu_only(b: &mut ReportBuilder, stacks: &[(&[(&str, u32)], u64)]) {
    let thread = b.thread(PassKind::Cpu, 1, "main");
    let mut samples = Vec::new();
    for (frames, count) in stacks {
        let node = stack(b, frames);
        samples.extend((0..*count).map(|i| Sample { node, thread, time_ns: i * 1000, weight: 1 }));
    }
    let n = samples.len() as f64;
    b.set_cpu(CpuProfile {
        requested_hz: 997.0,
        achieved_hz: 250.0,
        cpu_s: n * 0.004,
        wall_s: n * 0.004,
        repeats: 1,
        dropped: 0,
        samples,
        rounds: Vec::new(),
    });
}

/// A cpu-only report with a wide fan-out, for pictures that must say what
/// is too small to draw: 120 samples, all under `wide::main`, which calls
/// `wide::hot` (80 samples; 60 in its callee `wide::leaf`), `wide::warm`
/// (10) and `wide::cold_00` … `wide::cold_29` (1 each).
pub fn fan_out() -> Report {
    let mut b = ReportBuilder::new(run_info());
    let cold: Vec<String> = (0..30).map(|i| format!("wide::cold_{i:02}")).collect();
    let main = ("wide::main", 1);
    let mut stacks: Vec<(Vec<(&str, u32)>, u64)> = vec![
        (vec![main, ("wide::hot", 2), ("wide::leaf", 3)], 60),
        (vec![main, ("wide::hot", 2)], 20),
        (vec![main, ("wide::warm", 4)], 10),
    ];
    stacks.extend(cold.iter().map(|name| (vec![main, (name.as_str(), 5)], 1)));
    let borrowed: Vec<(&[(&str, u32)], u64)> = stacks.iter().map(|(f, n)| (&f[..], *n)).collect();
    cpu_only(&mut b, &borrowed);
    b.finish()
}

/// A cpu-only report of `deep::f` recursing `depth` frames deep under
/// `deep::main`, with 5 samples at the deepest frame and 1 in `deep::main`.
pub fn deep_recursion(depth: usize) -> Report {
    let mut b = ReportBuilder::new(run_info());
    let mut frames = vec![("deep::main", 1)];
    frames.extend(std::iter::repeat_n(("deep::f", 2), depth));
    cpu_only(&mut b, &[(&frames[..], 5), (&[("deep::main", 1)][..], 1)]);
    b.finish()
}

/// A cpu-only report of about `width × chain + deep` contexts, for tests
/// that views stay proportional to what they show: `wide::main` calls
/// `wide::w0000` … (`width` of them), each the top of a `chain`-deep chain
/// of `wide::c000` … with 1 sample at its end; and `deep::f`, recursing
/// `deep` frames with 5 samples at the deepest one (the hottest path
/// top-down; bottom-up, `wide::c…`'s 1 sample per chain weigh more).
pub fn wide_and_deep(width: usize, chain: usize, deep: usize) -> Report {
    let mut b = ReportBuilder::new(run_info());
    let tops: Vec<String> = (0..width).map(|i| format!("wide::w{i:04}")).collect();
    let links: Vec<String> = (0..chain).map(|j| format!("wide::c{j:03}")).collect();
    let main = ("wide::main", 1);
    let mut stacks: Vec<(Vec<(&str, u32)>, u64)> = tops
        .iter()
        .map(|top| {
            let mut frames = vec![main, (top.as_str(), 2)];
            frames.extend(links.iter().map(|link| (link.as_str(), 3)));
            (frames, 1)
        })
        .collect();
    let mut recursion = vec![main];
    recursion.extend(std::iter::repeat_n(("deep::f", 4), deep));
    stacks.push((recursion, 5));
    let borrowed: Vec<(&[(&str, u32)], u64)> = stacks.iter().map(|(f, n)| (&f[..], *n)).collect();
    cpu_only(&mut b, &borrowed);
    b.finish()
}

/// A cpu-only report of one long function, `long::f` from line 1 of
/// [`FILE`] (300 lines captured, each `// line N`): 1 sample at line 10
/// and 5 at line 200, for views that must scroll to what matters.
pub fn long_function() -> Report {
    let mut b = ReportBuilder::new(run_info());
    b.function("long::f", Some(FILE), Some(1));
    cpu_only(&mut b, &[(&[("long::f", 10)][..], 1), (&[("long::f", 200)][..], 5)]);
    let mut report = b.finish();
    report
        .sources
        .push(SourceFile { path: FILE.into(), lines: (1..=300).map(|l| format!("// line {l}")).collect() });
    report
}
