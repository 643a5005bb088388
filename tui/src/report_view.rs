//! `proftui report`: a saved report's views as text or JSON. Every view
//! starts with a header saying what its figures rest on; the figures come
//! from [`proftui_core::analysis`], and this module only lays them out.

mod edges;
mod flat;
mod header;
mod heap;
mod lines;
mod table;
mod tree;
pub(crate) mod units;

use crate::cli::{Format, ReportArgs, ReportView, SortKey as CliSortKey};
use anyhow::Result;
use proftui_core::analysis::{Analysis, Basis, Direction, Filter, SortKey, find_function, find_threads};
use proftui_core::report::Report;
use serde::Serialize;
use std::process::ExitCode;

/// A request that cannot be served as asked: which flag, and what to do.
/// The binary exits 2 on it, like on any other bad input.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(String);

/// What the views take from the command line besides the view itself.
pub struct Options {
    pub sort: Option<SortKey>,
    pub top: Option<usize>,
}

pub fn run(args: &ReportArgs) -> Result<ExitCode> {
    let report = proftui_core::report::file::load(&args.file)?;
    print!("{}", render(&report, args)?);
    Ok(ExitCode::SUCCESS)
}

fn sort_key(key: CliSortKey) -> SortKey {
    match key {
        CliSortKey::Calls => SortKey::Calls,
        CliSortKey::SelfCost => SortKey::SelfCost,
        CliSortKey::Incl => SortKey::Inclusive,
        CliSortKey::Samples => SortKey::Samples,
        CliSortKey::Bytes => SortKey::Bytes,
        CliSortKey::Peak => SortKey::Peak,
        CliSortKey::Leaked => SortKey::Leaked,
        CliSortKey::Name => SortKey::Name,
    }
}

fn view_name(view: ReportView) -> &'static str {
    match view {
        ReportView::Flat => "flat",
        ReportView::Tree => "tree",
        ReportView::Inverted => "inverted",
        ReportView::Callers => "callers",
        ReportView::Callees => "callees",
        ReportView::Lines => "lines",
        ReportView::Heap => "heap",
        ReportView::Timeline => "timeline",
    }
}

/// The JSON form of a view: what was run, what the figures rest on, and
/// the view's own fields.
#[derive(Serialize)]
struct Json<'a, T: Serialize> {
    view: &'static str,
    run: header::RunHeader<'a>,
    basis: &'a Basis,
    #[serde(flatten)]
    body: T,
}

/// The view `args` asks for, as the text or JSON to print.
pub fn render(report: &Report, args: &ReportArgs) -> Result<String> {
    units::set_event_unit(report.import.as_ref().map(|i| i.event.as_str()));
    let name = view_name(args.view);
    let needs_function = matches!(args.view, ReportView::Callers | ReportView::Callees | ReportView::Lines);
    if needs_function && args.function.is_none() {
        return Err(UsageError(format!(
            "the {name} view needs --function NAME (an exact name or a unique part of one)"
        ))
        .into());
    }
    if !needs_function && args.function.is_some() {
        return Err(UsageError(format!(
            "--function applies to the callers, callees and lines views, not to {name}"
        ))
        .into());
    }
    if args.sort.is_some() && matches!(args.view, ReportView::Tree | ReportView::Timeline) {
        return Err(UsageError(format!("--sort does not apply to the {name} view")).into());
    }
    if matches!(args.view, ReportView::Heap | ReportView::Timeline) && report.heap.is_none() {
        return Err(UsageError(format!(
            "the {name} view needs a heap pass and this report has none; record one with --heap"
        ))
        .into());
    }
    let filter = match &args.thread {
        Some(thread) => Filter { threads: Some(find_threads(report, thread)?) },
        None => Filter::default(),
    };
    let function = args.function.as_deref().map(|f| find_function(report, f)).transpose()?;
    let analysis = Analysis::new(report, &filter);
    let options = Options { sort: args.sort.map(sort_key), top: args.top };
    let function = || function.ok_or_else(|| UsageError(format!("the {name} view needs --function")));
    let out = Output { format: args.format, report, basis: analysis.basis(), view: name };
    match args.view {
        ReportView::Flat => {
            let view = flat::build(&analysis, &options);
            out.emit(&view, || flat::text(&analysis, &view))
        }
        ReportView::Tree | ReportView::Inverted => {
            let view = tree::build(&analysis, args.view == ReportView::Inverted, &options);
            out.emit(&tree::json(&analysis, &view), || tree::text(&analysis, &view))
        }
        ReportView::Callers | ReportView::Callees => {
            let direction =
                if args.view == ReportView::Callers { Direction::Callers } else { Direction::Callees };
            let view = edges::build(&analysis, function()?, direction, &options);
            out.emit(&view, || edges::text(&analysis, &view))
        }
        ReportView::Lines => {
            let view = lines::build(&analysis, function()?, &options);
            out.emit(&view, || lines::text(&analysis, &view))
        }
        ReportView::Heap => {
            let view = heap::build(&analysis, &options).ok_or_else(|| UsageError("no heap pass".into()))?;
            out.emit(&view, || heap::text(&view))
        }
        ReportView::Timeline => {
            let view =
                heap::build_timeline(&analysis, &options).ok_or_else(|| UsageError("no heap pass".into()))?;
            out.emit(&view, || heap::timeline_text(&view))
        }
    }
}

/// Where a view goes: text after the header, or one JSON document.
struct Output<'a> {
    format: Format,
    report: &'a Report,
    basis: &'a Basis,
    view: &'static str,
}

impl Output<'_> {
    fn emit<T: Serialize>(&self, body: &T, text: impl FnOnce() -> String) -> Result<String> {
        Ok(match self.format {
            Format::Text => format!("{}{}", header::text(self.report, self.basis), text()),
            Format::Json => {
                let json = Json {
                    view: self.view,
                    run: header::RunHeader::of(&self.report.run),
                    basis: self.basis,
                    body,
                };
                format!("{}\n", serde_json::to_string_pretty(&json)?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::exit_code_for;
    use proftui_core::analysis::fixtures;
    use std::path::PathBuf;

    fn args(view: ReportView) -> ReportArgs {
        ReportArgs {
            file: PathBuf::from("r.json"),
            view,
            function: None,
            sort: None,
            top: None,
            thread: None,
            format: Format::Text,
        }
    }

    fn show(args: &ReportArgs) -> String {
        render(&fixtures::taylor_for_views(), args).expect("the view renders")
    }

    fn main_thread(view: ReportView) -> ReportArgs {
        ReportArgs { thread: Some("main".into()), ..args(view) }
    }

    fn of(view: ReportView, function: &str) -> ReportArgs {
        ReportArgs { function: Some(function.into()), ..main_thread(view) }
    }

    /// A table line's cells (columns are two or more spaces apart).
    fn cells(line: &str) -> Vec<&str> {
        line.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect()
    }

    #[track_caller]
    fn assert_has(text: &str, wanted: &[&str]) {
        for w in wanted {
            assert!(text.contains(w), "`{w}` is missing from:\n{text}");
        }
    }

    #[test]
    fn every_view_says_what_its_figures_rest_on() {
        for view in [
            args(ReportView::Flat),
            args(ReportView::Tree),
            args(ReportView::Inverted),
            of(ReportView::Callers, "factorial"),
            of(ReportView::Callees, "factorial"),
            of(ReportView::Lines, "factorial"),
            args(ReportView::Heap),
            args(ReportView::Timeline),
        ] {
            let text = show(&view);
            assert_has(
                &text,
                &[
                    "taylor · series · exp   (plugin plugins/taylor.so)",
                    "params: terms=5",
                    "recorded 2023-11-14 22:13:20 UTC on box (linux, 4 cpus)",
                    "at 250.0 Hz achieved (997 Hz requested; ITIMER_PROF, tick-driven) over 2 runs",
                    "calls pass: exact counts",
                    "heap pass:  1 run: 3.42 KiB allocated in 8 blocks, 1.95 KiB live at the peak (25.0 ms in), 1000 B leaked in 1 block",
                ],
            );
        }
        assert_has(
            &show(&args(ReportView::Flat)),
            &["cpu pass:   7 samples at", "shown as totals over 2 runs"],
        );
        assert_has(
            &show(&main_thread(ReportView::Flat)),
            &[
                "cpu pass:   6 of 7 samples (thread filter)",
                "cpu times are per run (one sample = 20.0 ms of cpu)",
                "exact counts over 2 runs, shown per run",
                "threads:    main (cpu 100), main (calls 200); heap figures cover every thread",
            ],
        );
    }

    /// The fixture's 0.28 s of cpu as perf events would record it: user time
    /// only, 0.07 s of kernel time unsampled (20% of 0.35 s).
    #[test]
    fn a_perf_clock_report_names_its_clock_and_the_kernel_time_it_left_out() {
        let mut report = fixtures::taylor_for_views();
        cpu_of(&mut report).clock = proftui_core::collect::cpu::SampleClock::PerfTaskClock;
        cpu_of(&mut report).unsampled_s = Some(0.07);
        let text = render(&report, &args(ReportView::Flat)).expect("renders");
        assert_has(
            &text,
            &[
                "(997 Hz requested; perf task-clock, user time) over 2 runs",
                "\n            20% of the pass's CPU time was in the kernel, which perf events do not sample here \
                 (times leave it out); --clock timer samples it\n",
            ],
        );
        // 0.0147 of 0.2947 s: 4.99%.
        cpu_of(&mut report).unsampled_s = Some(0.0147);
        let text = render(&report, &args(ReportView::Flat)).expect("renders");
        assert!(!text.contains("in the kernel"), "under 5% goes unmentioned:\n{text}");
    }

    fn cpu_of(report: &mut proftui_core::report::Report) -> &mut proftui_core::report::CpuProfile {
        report.cpu.as_mut().expect("a cpu pass")
    }

    #[test]
    fn absent_passes_are_named() {
        let mut report = fixtures::taylor_for_views();
        report.calls = None;
        report.cpu = None;
        let text = render(&report, &args(ReportView::Flat)).expect("renders");
        assert_has(
            &text,
            &["cpu pass:   no cpu pass in this report", "calls pass: no calls pass in this report"],
        );
        assert!(
            !text.contains("ncalls") && !text.contains("self smp"),
            "no columns of absent passes:\n{text}"
        );
    }

    #[test]
    fn the_flat_view_reads_like_cprofile_with_units() {
        let text = show(&main_thread(ReportView::Flat));
        assert_has(
            &text,
            &[
                "ncalls",
                "tottime",
                "percall",
                "cumtime",
                "filename:lineno(function)",
                "self smp",
                "incl %",
                "bytes",
            ],
        );
        let fact = text
            .lines()
            .find(|l| l.ends_with("/src/taylor.rs:20(taylor::factorial)"))
            .expect("a factorial row");
        // 15 calls, 3 primitive; self 2.50 µs a run, 167 ns a call; inclusive
        // 2.50 µs a run, 833 ns per primitive call; 4 of 6 samples, 0.02 s
        // each; no bytes.
        assert_eq!(
            cells(fact),
            [
                "15/3",
                "2.50 µs",
                "167 ns",
                "2.50 µs",
                "833 ns",
                "4",
                "66.7%",
                "80.0 ms",
                "4",
                "66.7%",
                "80.0 ms",
                "0 B",
                "0 B",
                "0 B",
                "/src/taylor.rs:20(taylor::factorial)"
            ]
        );
        let run = text.lines().find(|l| l.ends_with("(taylor::run)")).expect("a run row");
        assert_has(run, &["—", "3.42 KiB", "1.95 KiB", "1000 B"]);
    }

    #[test]
    fn the_flat_view_sorts_and_cuts() {
        let text = show(&ReportArgs {
            sort: Some(CliSortKey::Calls),
            top: Some(1),
            ..main_thread(ReportView::Flat)
        });
        assert_has(&text, &["sorted by calls", "(3 more functions; --top to show more)"]);
        assert!(text.contains("taylor::factorial") && !text.contains("(taylor::run)"), "{text}");
    }

    #[test]
    fn callers_show_primitive_and_recursive_calls() {
        let text = show(&of(ReportView::Callers, "factorial"));
        assert_has(
            &text,
            &["callers of taylor::factorial: 15/3 calls, 4 samples incl (66.7%)", "all callers"],
        );
        let recursive = text.lines().find(|l| l.contains("(recursive)")).expect("a recursive edge");
        assert_eq!(cells(recursive)[..7], ["12", "1.80 µs", "3", "50.0%", "60.0 ms", "0 B", "0 B"]);
        let primitive =
            text.lines().find(|l| l.ends_with("(taylor::taylor_exp)")).expect("taylor_exp calls it");
        assert_eq!(cells(primitive)[..5], ["3", "2.50 µs", "4", "66.7%", "80.0 ms"]);
        let callees = show(&of(ReportView::Callees, "taylor_exp"));
        assert_has(
            &callees,
            &["callees of taylor::taylor_exp", "alloc::raw_vec::RawVec<T>::grow", "2.93 KiB"],
        );
    }

    #[test]
    fn the_lines_view_reads_like_line_profiler() {
        let text = show(&of(ReportView::Lines, "factorial"));
        assert_has(
            &text,
            &[
                "Function: taylor::factorial at /src/taylor.rs:20",
                "Total: 4 samples with the function on the stack (66.7% of 6), 80.0 ms cpu per run",
                "Hottest line: 21",
                "Line #",
                "% Time",
                "Line Contents",
            ],
        );
        let hottest = text.lines().find(|l| l.starts_with('>')).expect("the hottest line is marked");
        assert_eq!(cells(hottest)[..7], [">", "21", "3", "3", "60.0 ms", "50.0%", "—"]);
        assert!(hottest.ends_with("if n == 0 { 1.0 } else { n as f64 * factorial(black_box(n - 1)) }"));
    }

    #[test]
    fn the_heap_views_show_allocated_peak_and_leaked_apart() {
        let text = show(&args(ReportView::Heap));
        let site = text.lines().find(|l| l.ends_with("(taylor::taylor_exp)")).expect("a taylor_exp site");
        assert_eq!(
            cells(site),
            // Its three blocks lived 55 ms together (the fixture's ticks).
            [
                "2.93 KiB",
                "3",
                "1.95 KiB",
                "1000 B",
                "1",
                "1.95 KiB",
                "18.3 ms",
                "/src/taylor.rs:13(taylor::taylor_exp)"
            ]
        );
        assert_has(&text, &["stack: taylor::run → taylor::taylor_exp → alloc::raw_vec::RawVec<T>::grow"]);

        let timeline = show(&ReportArgs { top: Some(3), ..args(ReportView::Timeline) });
        assert_has(
            &timeline,
            &["7 points recorded over 50.0 ms, shown as 3", "peak 1.95 KiB live at 25.0 ms"],
        );
        let peak = timeline.lines().find(|l| l.contains("25.0 ms  1.95 KiB")).expect("the peak survives");
        assert!(peak.ends_with(&"█".repeat(40)), "{peak}");
    }

    #[test]
    fn the_trees_mark_the_hottest_path() {
        let text = show(&args(ReportView::Tree));
        assert_has(&text, &["call tree, top-down", "(all)", "▸ taylor::run", "        ▸ taylor::factorial"]);
        let inverted = show(&args(ReportView::Inverted));
        assert_has(&inverted, &["bottom-up by self samples", "ends smp"]);
        let cut = show(&ReportArgs { top: Some(2), ..args(ReportView::Tree) });
        assert_has(&cut, &["(10 more nodes not shown; --top N shows N rows)"]);
        let bytes = show(&ReportArgs { sort: Some(CliSortKey::Bytes), ..args(ReportView::Inverted) });
        assert_has(&bytes, &["bottom-up by bytes allocated", "▸ alloc::raw_vec::RawVec<T>::grow"]);
    }

    #[test]
    fn json_holds_the_rows_and_the_basis() {
        let flat = show(&ReportArgs { format: Format::Json, ..main_thread(ReportView::Flat) });
        let value: serde_json::Value = serde_json::from_str(&flat).expect("valid JSON");
        assert_eq!(value["view"], "flat");
        assert_eq!(value["run"]["workload"], "series");
        assert_eq!(value["basis"]["cpu"]["samples"], 6);
        assert_eq!(value["basis"]["calls"]["per_run"], true);
        let fact = value["rows"].as_array().expect("rows").iter().find(|r| r["name"] == "taylor::factorial");
        let calls = &fact.expect("a factorial row")["calls"];
        assert_eq!((calls["calls_total"].as_u64(), calls["calls_primitive"].as_u64()), (Some(15), Some(3)));

        for view in [
            args(ReportView::Tree),
            args(ReportView::Inverted),
            of(ReportView::Callers, "factorial"),
            of(ReportView::Lines, "factorial"),
            args(ReportView::Heap),
            args(ReportView::Timeline),
        ] {
            let text = show(&ReportArgs { format: Format::Json, ..view });
            let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
            assert!(value["basis"]["cpu"]["achieved_hz"].is_number(), "{text}");
        }
        let tree = show(&ReportArgs { format: Format::Json, ..args(ReportView::Tree) });
        let value: serde_json::Value = serde_json::from_str(&tree).expect("valid JSON");
        assert_eq!(value["nodes"][0]["name"], "(all)");
        assert_eq!(value["nodes"][1]["name"], "taylor::run");
        assert_eq!(value["nodes"][1]["inclusive_samples"], 7);
    }

    #[test]
    fn bad_requests_are_one_line_and_exit_2() {
        let report = fixtures::taylor_for_views();
        let fail = |args: &ReportArgs| {
            let error = render(&report, args).expect_err("refused");
            (format!("{error:#}"), exit_code_for(&error))
        };
        let (ambiguous, code) = fail(&of(ReportView::Callers, "taylor::"));
        assert_eq!(code, 2);
        assert_eq!(
            ambiguous,
            "`taylor::` matches 3 functions: taylor::factorial, taylor::run, taylor::taylor_exp; give more of the name"
        );
        let (missing, code) = fail(&of(ReportView::Lines, "nosuch"));
        assert_eq!((missing.lines().count(), code), (1, 2), "{missing}");
        let (needs, code) = fail(&args(ReportView::Callers));
        assert_eq!(
            (needs.as_str(), code),
            ("the callers view needs --function NAME (an exact name or a unique part of one)", 2)
        );
        let (thread, code) = fail(&ReportArgs { thread: Some("gui".into()), ..args(ReportView::Flat) });
        assert!(thread.starts_with("no thread is named or numbered `gui`") && code == 2, "{thread}");
        let (sort, code) = fail(&ReportArgs { sort: Some(CliSortKey::Name), ..args(ReportView::Tree) });
        assert_eq!((sort.as_str(), code), ("--sort does not apply to the tree view", 2));
        let mut no_heap = fixtures::taylor_for_views();
        no_heap.heap = None;
        let error = render(&no_heap, &args(ReportView::Heap)).expect_err("no heap pass");
        assert_eq!(exit_code_for(&error), 2);
    }
}
