//! `proftui export` to callgrind, dot, folded stacks and SVG, checked with
//! the tools that read them (`callgrind_annotate`, Graphviz's `dot`, an
//! XML parser) against `proftui report --format json` on real taylor and
//! simul reports, and against call counts worked out from taylor's
//! definitions. Bad input gets one line and exit 2.
#![allow(clippy::unwrap_used, reason = "test code: a failed unwrap is a failed test")]

use proftui_tests::{plugin, proftui, text};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// taylor's `n`: small, so the calls pass is quick and counts are small.
const TAYLOR_N: u64 = 100;

/// The reports every test reads, recorded once per test process into
/// cargo's temporary directory for integration tests (replaced each run).
struct Reports {
    taylor: PathBuf,
    simul: PathBuf,
}

fn reports() -> &'static Reports {
    static REPORTS: OnceLock<Reports> = OnceLock::new();
    REPORTS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("exports");
        std::fs::create_dir_all(&dir).unwrap();
        let record = |plugin_name: &str, args: &[&str], out: &Path| {
            let lib = plugin(plugin_name);
            let mut all = vec!["record", lib.to_str().unwrap()];
            all.extend_from_slice(args);
            all.extend_from_slice(&["--min-samples", "300", "--force", "-o", out.to_str().unwrap()]);
            let recorded = proftui(&all);
            assert!(recorded.status.success(), "{}", text(&recorded).1);
        };
        let taylor = dir.join("taylor.json");
        let n = format!("n={TAYLOR_N}");
        record("taylor", &["-w", "benchmark", "-p", &n], &taylor);
        let simul = dir.join("simul.json");
        record("simul", &["-w", "benchmark", "-V", "naive"], &simul);
        Reports { taylor, simul }
    })
}

/// Exports `report` in `format` to a fresh file of `dir`; returns its path.
fn export(report: &Path, format: &str, dir: &Path) -> PathBuf {
    let stem = report.file_stem().unwrap().to_str().unwrap();
    let out = dir.join(format!("{stem}.{format}"));
    let done = proftui(&[
        "export",
        report.to_str().unwrap(),
        "--format",
        format,
        "-o",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert!(done.status.success(), "{}", text(&done).1);
    out
}

/// `proftui report --format json` (the flat view, every row).
fn flat_json(report: &Path) -> Value {
    let out = proftui(&["report", report.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out).1);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A flat row's key the way callgrind_annotate names functions.
fn annotate_key(row: &Value) -> String {
    format!("{}:{}", row["file"].as_str().unwrap_or("???"), row["name"].as_str().unwrap())
}

fn run(program: &str, args: &[&str], dir: &Path) -> Output {
    let out = Command::new(program)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot start {program} (is it installed? .ci/run installs it): {e}"));
    assert!(out.status.success(), "{program} failed: {}", text(&out).1);
    out
}

/// callgrind_annotate's figures: `events` numbers (commas and percentages
/// dropped), then the `file:function` (or `PROGRAM TOTALS`).
fn annotate_row(line: &str, events: usize) -> Option<(Vec<u64>, String)> {
    let mut rest = line.trim_start();
    let mut figures = Vec::new();
    for _ in 0..events {
        let end = rest.find(' ').unwrap_or(rest.len());
        figures.push(rest[..end].replace(',', "").parse::<u64>().ok()?);
        rest = rest[end..].trim_start();
        if rest.starts_with('(') {
            rest = rest[rest.find(')')? + 1..].trim_start();
        }
    }
    Some((figures, rest.to_string()))
}

/// Per function (and `PROGRAM TOTALS`), callgrind_annotate's figures.
fn annotate(file: &Path, inclusive: bool, events: usize) -> HashMap<String, Vec<u64>> {
    let inclusive = format!("--inclusive={}", if inclusive { "yes" } else { "no" });
    let args = ["--threshold=100", "--auto=no", &inclusive, file.to_str().unwrap()];
    let out = run("callgrind_annotate", &args, file.parent().unwrap());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| annotate_row(line, events))
        .map(|(f, n)| (n, f))
        .collect()
}

/// callgrind_annotate on our file shows the totals and every function's
/// self and inclusive samples and bytes of `proftui report`.
fn assert_callgrind_matches_report(report: &Path, dir: &Path) -> HashMap<String, Vec<u64>> {
    let file = export(report, "callgrind", dir);
    let json = flat_json(report);
    let samples = json["basis"]["cpu"]["samples"].as_u64().unwrap();
    let bytes = json["basis"]["heap"]["totals"]["bytes"].as_u64().unwrap();
    let inclusive = annotate(&file, true, 2);
    let exclusive = annotate(&file, false, 2);
    assert_eq!(inclusive["PROGRAM TOTALS"], vec![samples, bytes]);
    assert_eq!(exclusive["PROGRAM TOTALS"], vec![samples, bytes]);
    assert_eq!(
        inclusive["???:(root)"],
        vec![samples, bytes],
        "the root's inclusive cost is the whole profile"
    );
    let rows = json["rows"].as_array().unwrap();
    assert!(rows.len() > 5);
    for row in rows {
        let key = annotate_key(row);
        let incl =
            [row["inclusive_samples"].as_u64().unwrap(), row["inclusive_heap"]["bytes"].as_u64().unwrap()];
        let own = [row["self_samples"].as_u64().unwrap(), row["self_heap"]["bytes"].as_u64().unwrap()];
        assert_eq!(inclusive.get(&key).map(Vec::as_slice), Some(&incl[..]), "inclusive of {key}");
        if own != [0, 0] {
            assert_eq!(exclusive.get(&key).map(Vec::as_slice), Some(&own[..]), "self of {key}");
        }
    }
    inclusive
}

/// The callers of `key` in `callgrind_annotate --tree=caller`, with their
/// call counts (`< file:caller (100x)` lines above the `*  key` line).
fn annotate_callers(file: &Path, key: &str) -> HashMap<String, u64> {
    let args = ["--threshold=100", "--auto=no", "--inclusive=yes", "--tree=caller", file.to_str().unwrap()];
    let out = run("callgrind_annotate", &args, file.parent().unwrap());
    let output = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = output.lines().collect();
    let at = lines.iter().position(|l| l.ends_with(&format!("*  {key}"))).expect("the function is listed");
    let mut callers = HashMap::new();
    for line in lines[..at].iter().rev().take_while(|l| l.contains("  < ")) {
        let caller = &line[line.find("  < ").unwrap() + 4..];
        let (name, count) = caller.rsplit_once(" (").unwrap();
        let count = count.split('x').next().unwrap().replace(',', "");
        callers.insert(name.to_string(), count.parse().unwrap());
    }
    callers
}

#[test]
fn callgrind_annotate_reads_taylor_with_the_reports_figures_and_exact_calls() {
    let reports = reports();
    let dir = tempfile::tempdir().unwrap();
    let inclusive = assert_callgrind_matches_report(&reports.taylor, dir.path());

    let json = flat_json(&reports.taylor);
    let row =
        |name: &str| json["rows"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap().clone();
    let (fact, exp, sin) = (row("taylor::factorial"), row("taylor::taylor_exp"), row("taylor::taylor_sin"));
    assert!(fact["inclusive_samples"].as_u64().unwrap() > 50, "factorial is hot: {fact}");
    assert_eq!(inclusive[&annotate_key(&fact)][0], fact["inclusive_samples"].as_u64().unwrap());

    // factorial(i) is 1 call from its caller and i recursive ones.
    // taylor_exp asks for every i below n, taylor_sin for the odd ones.
    let n = TAYLOR_N;
    let from_exp = n;
    let from_sin = n / 2;
    let recursive = (0..n).sum::<u64>() + (0..n).filter(|i| i % 2 == 1).sum::<u64>();
    assert_eq!((from_exp, from_sin, recursive), (100, 50, 7450));
    assert_eq!(fact["calls"]["calls_total"].as_u64(), Some(from_exp + from_sin + recursive));
    let file = dir.path().join("taylor.callgrind");
    let callers = annotate_callers(&file, &annotate_key(&fact));
    let expected = HashMap::from([
        (annotate_key(&exp), from_exp),
        (annotate_key(&sin), from_sin),
        (annotate_key(&fact), recursive),
    ]);
    assert_eq!(callers, expected);

    // The same counts on the file's own calls= lines, and the recursive
    // call carries no cost (factorial's outermost calls hold it).
    let callgrind = std::fs::read_to_string(&file).unwrap();
    for count in [from_exp, from_sin, recursive] {
        assert!(callgrind.contains(&format!("calls={count} ")), "calls={count}");
    }
    assert!(callgrind.starts_with("# callgrind format\n"));
    assert!(callgrind.contains("\npositions: line\n") && callgrind.contains("\nevents: Samples Bytes\n"));

    // benchmark calls taylor_exp and taylor_sin once a run, from code
    // that is not probed: each has one caller, the one the samples show,
    // called exactly once (not the count on (root) plus a sampled call).
    for function in [&exp, &sin] {
        let callers = annotate_callers(&file, &annotate_key(function));
        assert_eq!(callers.values().sum::<u64>(), 1, "{function}: {callers:?}");
        assert!(!callers.contains_key("???:(root)"), "{callers:?}");
    }
    // proftui's own callgrind import reads the same counts back.
    let imported = flat_json(&file);
    let row = |name: &str| imported["rows"].as_array().unwrap().iter().find(|r| r["name"] == name).cloned();
    for (name, calls) in [
        ("taylor::taylor_exp", 1),
        ("taylor::taylor_sin", 1),
        ("taylor::factorial", from_exp + from_sin + recursive),
    ] {
        let row = row(name).unwrap_or_else(|| panic!("{name} is imported"));
        assert_eq!(row["calls"]["calls_total"].as_u64(), Some(calls), "{name}: {row}");
    }
}

#[test]
fn callgrind_annotate_reads_simul_with_the_reports_figures() {
    let reports = reports();
    let dir = tempfile::tempdir().unwrap();
    let inclusive = assert_callgrind_matches_report(&reports.simul, dir.path());
    let json = flat_json(&reports.simul);
    let evolve = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "simul::naive::evolve")
        .unwrap()
        .clone();
    let samples = json["basis"]["cpu"]["samples"].as_u64().unwrap();
    // naive's evolve is nearly all of the run.
    assert!(evolve["inclusive_samples"].as_u64().unwrap() * 10 > samples * 8, "{evolve}");
    assert_eq!(inclusive[&annotate_key(&evolve)][0], evolve["inclusive_samples"].as_u64().unwrap());
}

#[test]
fn graphviz_renders_the_call_graph_with_call_counts() {
    let reports = reports();
    let dir = tempfile::tempdir().unwrap();
    let dot = export(&reports.taylor, "dot", dir.path());
    let out = run("dot", &["-Tsvg", dot.to_str().unwrap()], dir.path());
    let svg = String::from_utf8(out.stdout).unwrap();
    assert!(svg.contains("<svg"), "dot wrote SVG");
    for name in ["taylor::factorial", "taylor::taylor_exp", "taylor::taylor_sin"] {
        assert!(svg.contains(&format!(">{name}</text>")), "{name} is drawn");
    }
    // factorial's box: 7600 calls, 150 primitive; its callers' arrows: 100
    // and 50; its recursive arrow 7450 (see the callgrind test).
    for label in ["7600/150×", "100×", "50×", "7450×"] {
        assert!(svg.contains(&format!(">{label}</text>")), "{label} is drawn");
    }
    assert!(std::fs::read_to_string(&dot).unwrap().contains(" of the samples not shown, with "));
}

#[test]
fn folded_stacks_add_up_to_the_samples_and_to_each_functions_figures() {
    let reports = reports();
    let dir = tempfile::tempdir().unwrap();
    for report in [&reports.taylor, &reports.simul] {
        let folded = std::fs::read_to_string(export(report, "folded", dir.path())).unwrap();
        let json = flat_json(report);
        let lines: Vec<(Vec<&str>, u64)> = folded
            .lines()
            .map(|line| {
                let (stack, weight) = line.rsplit_once(' ').unwrap();
                (stack.split(';').collect(), weight.parse().unwrap())
            })
            .collect();
        let mut sorted = folded.lines().collect::<Vec<_>>();
        sorted.sort_unstable();
        assert_eq!(sorted, folded.lines().collect::<Vec<_>>(), "lines are sorted");
        let total: u64 = lines.iter().map(|(_, w)| w).sum();
        assert_eq!(total, json["basis"]["cpu"]["samples"].as_u64().unwrap());
        // Self: the leaf frame; inclusive: once per stack that holds it.
        for row in json["rows"].as_array().unwrap() {
            let name = row["name"].as_str().unwrap();
            let own: u64 = lines.iter().filter(|(s, _)| s.last() == Some(&name)).map(|(_, w)| w).sum();
            let incl: u64 = lines.iter().filter(|(s, _)| s.contains(&name)).map(|(_, w)| w).sum();
            assert_eq!(
                (own, incl),
                (row["self_samples"].as_u64().unwrap(), row["inclusive_samples"].as_u64().unwrap()),
                "{name}"
            );
        }
    }
}

#[test]
fn the_flame_graph_is_well_formed_svg_naming_the_run_and_its_hottest_function() {
    let reports = reports();
    let dir = tempfile::tempdir().unwrap();
    let svg = std::fs::read_to_string(export(&reports.simul, "svg", dir.path())).unwrap();
    let mut reader = quick_xml::Reader::from_str(&svg);
    let (mut depth, mut elements, mut root) = (0i64, 0, String::new());
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("not well-formed XML: {e}")) {
            quick_xml::events::Event::Start(e) => {
                if depth == 0 {
                    root = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                }
                depth += 1;
                elements += 1;
            }
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Empty(_) => elements += 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!((depth, root.as_str()), (0, "svg"));
    assert!(elements > 20, "{elements} elements");
    let json = flat_json(&reports.simul);
    let samples = json["basis"]["cpu"]["samples"].as_u64().unwrap();
    assert!(svg.contains(&format!(">simul · benchmark · naive — {samples} cpu samples<")), "the title");
    // inferno counted every folded line's samples.
    assert!(svg.contains(&format!("total_samples=\"{samples}\"")));
    let hottest =
        json["rows"].as_array().unwrap().iter().max_by_key(|r| r["self_samples"].as_u64().unwrap()).unwrap()
            ["name"]
            .as_str()
            .unwrap()
            .to_string();
    assert_eq!(hottest, "simul::naive::evolve");
    assert!(svg.contains(&format!("<title>{hottest} (")), "a frame for {hottest}");
}

fn assert_one_line_exit_2(out: &Output, expected: &str) {
    let (_, stderr) = text(out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("proftui: error:") && stderr.contains(expected), "{stderr}");
}

#[test]
fn bad_input_gets_one_line_and_exit_2_and_nothing_is_clobbered() {
    let reports = reports();
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let export_to = |report: &str, format: &str, out: &str, force: bool| {
        let mut args = vec!["export", report, "--format", format, "-o", out];
        if force {
            args.push("--force");
        }
        proftui(&args)
    };
    let out = path("out.txt");

    assert_one_line_exit_2(&export_to(&path("none.json"), "folded", &out, false), "no such report file");
    std::fs::write(path("hello.json"), "hello").unwrap();
    assert_one_line_exit_2(&export_to(&path("hello.json"), "folded", &out, false), "not a proftui report");
    assert!(!Path::new(&out).exists());

    // A report with the calls pass only has nothing for the sample formats.
    let calls_only = path("calls.json");
    let taylor = plugin("taylor");
    let recorded = proftui(&["record", taylor.to_str().unwrap(), "-p", "n=20", "--calls", "-o", &calls_only]);
    assert!(recorded.status.success(), "{}", text(&recorded).1);
    for format in ["callgrind", "dot", "folded", "svg"] {
        assert_one_line_exit_2(&export_to(&calls_only, format, &out, false), "has no cpu pass");
    }
    assert!(!Path::new(&out).exists());

    std::fs::write(&out, "precious").unwrap();
    let taylor_report = reports.taylor.to_str().unwrap();
    assert_one_line_exit_2(&export_to(taylor_report, "folded", &out, false), "already exists");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "precious");
    let forced = export_to(taylor_report, "folded", &out, true);
    assert!(forced.status.success(), "{}", text(&forced).1);
    assert!(std::fs::read_to_string(&out).unwrap().contains("taylor::factorial"));
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 3, "no temporary file left behind: {left:?}");
}
