//! Exports read by their real consumers: pprof by `go tool pprof`,
//! speedscope by speedscope's own file-format checks, DHAT by valgrind's
//! `dh_view.js` loader run under node. Reports are recorded with the real
//! binary; expected figures come from the report's own views (`proftui
//! report --format json`) and from the bytes the workloads must allocate,
//! never from the exporter.
#![allow(clippy::unwrap_used, reason = "test code: a failed unwrap is a failed test")]

use proftui_core::export::{ExportError, ExportFormat, export};
use proftui_core::report::{Report, file::load};
use proftui_tests::{plugin, proftui, text};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Records `plugin_name` with `args` into `dir/name.json` and loads it.
fn record(dir: &Path, name: &str, plugin_name: &str, args: &[&str]) -> (PathBuf, Report) {
    let path = dir.join(format!("{name}.json"));
    let library = plugin(plugin_name);
    let mut all = vec!["record", library.to_str().unwrap()];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", path.to_str().unwrap()]);
    let out = proftui(&all);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "proftui {all:?} failed:\n{stdout}{stderr}");
    let report = load(&path).unwrap_or_else(|e| panic!("{e}"));
    (path, report)
}

/// Exports the report file `report` as `format` into `out` with `proftui
/// export`.
fn export_to(report: &Path, format: &str, out: &Path) {
    let args = ["export", report.to_str().unwrap(), "--format", format, "-o", out.to_str().unwrap()];
    let output = proftui(&args);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "proftui {args:?} failed:\n{stdout}{stderr}");
}

/// What `proftui report FILE ARGS --format json` prints.
fn json_view(path: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["report", path.to_str().unwrap()];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let out = proftui(&all);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "proftui {all:?} failed:\n{stdout}{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

/// Runs `program` with `args`; panics with its output when it fails.
fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot start {program} (see the README's test prerequisites): {e}"));
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{program} {args:?} failed:\n{stdout}{stderr}");
    stdout
}

// ---------------------------------------------------------------------------
// pprof

/// One row of `go tool pprof -top`: flat and cum values (in bytes with
/// `-unit=byte`, which prints them with a `B`), and the `function
/// file:line` (with `-lines`) or `function` it names.
struct TopRow {
    flat: u64,
    cum: u64,
    place: String,
}

fn top_rows(output: &str) -> Vec<TopRow> {
    let value = |cell: &str| cell.trim_end_matches('B').parse().ok();
    output
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split_whitespace().collect();
            let (flat, cum) = (value(cells.first()?)?, value(cells.get(3)?)?);
            cells.get(2).filter(|c| c.ends_with('%'))?;
            Some(TopRow { flat, cum, place: cells[5..].join(" ") })
        })
        .collect()
}

/// The values of every sample `go tool pprof -raw` lists, in sample-type
/// order, each with the location ids of its stack (leaf first).
fn raw_samples(output: &str) -> Vec<(Vec<i64>, Vec<u64>)> {
    let samples = output.split("Samples:\n").nth(1).unwrap().split("Locations").next().unwrap();
    samples
        .lines()
        .skip(1)
        .filter_map(|line| {
            let (values, stack) = line.split_once(':')?;
            let values: Vec<i64> =
                values.split_whitespace().map(|v| v.parse().ok()).collect::<Option<_>>()?;
            Some((values, stack.split_whitespace().map(|id| id.parse().unwrap()).collect()))
        })
        .collect()
}

const SPLIT_RUN: &str = "calibrate::Split::run";

/// calibrate's split workload calls burn_integer from one line of
/// `Split::run` and burn_float from another, a quarter of the cpu time in
/// the first (measured by the plugin with the thread's cpu clock): one
/// function with two hot lines. pprof-rs would merge them into one
/// location; our export keeps every (function, line) apart, and `go tool
/// pprof -top -lines` must show each line of `Split::run` and of the burn
/// functions with the very samples `proftui report --view lines` counts.
#[test]
fn go_tool_pprof_shows_every_line_with_the_samples_of_the_lines_view() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["-w", "split", "-p", "duration_ms=200", "--cpu", "--min-samples", "400"];
    let (path, report) = record(dir.path(), "split", "calibrate", &args);
    let cpu = report.cpu.as_ref().unwrap();
    let samples = cpu.samples.len() as u64;
    assert!(samples >= 400, "{samples} samples");
    let out = dir.path().join("split.pb.gz");
    export_to(&path, "pprof", &out);
    let out = out.to_str().unwrap();

    let top = run(
        "go",
        &[
            "tool",
            "pprof",
            "-top",
            "-lines",
            "-nodecount=100000",
            "-nodefraction=0",
            "-sample_index=samples",
            out,
        ],
    );
    assert!(
        top.contains(&format!("Showing nodes accounting for {samples}, 100% of {samples} total")),
        "{top}"
    );
    let rows = top_rows(&top);
    let mut checked = 0;
    for function in [SPLIT_RUN, "calibrate::burn_integer", "calibrate::burn_float"] {
        let view = json_view(&path, &["--view", "lines", "--function", function]);
        let file = view["file"].as_str().unwrap();
        for line in view["rows"].as_array().unwrap().iter().filter(|r| r["inclusive_samples"] != 0) {
            let place = format!("{function} {file}:{}", line["line"]);
            let row =
                rows.iter().find(|r| r.place == place).unwrap_or_else(|| panic!("no {place} in\n{top}"));
            assert_eq!(
                (row.flat, row.cum),
                (line["self_samples"].as_u64().unwrap(), line["inclusive_samples"].as_u64().unwrap()),
                "{place}"
            );
            checked += 1;
        }
    }

    // Split::run's two hot lines, apart and in the split the plugin
    // measured (25% asked), within 4 binomial sigma of their samples.
    let view = json_view(&path, &["--view", "lines", "--function", SPLIT_RUN]);
    let mut hot: Vec<(u64, u64)> = view["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["inclusive_samples"].as_u64().unwrap(), r["line"].as_u64().unwrap()))
        .filter(|&(samples, _)| samples >= 20)
        .collect();
    hot.sort();
    assert_eq!(hot.len(), 2, "{view}");
    let (integer, float) = (hot[0].0 as f64, hot[1].0 as f64);
    let share = integer / (integer + float);
    let sigma = (0.25 * 0.75 / (integer + float)).sqrt();
    assert!((share - 0.25).abs() <= 4.0 * sigma, "burn_integer's line has {share:.3} of the two");
    assert!(checked >= 4, "{checked} lines checked");

    // Every sample's cpu value is the period, the cpu seconds of the pass
    // over its samples; totals are samples times the period.
    let raw = run("go", &["tool", "pprof", "-raw", out]);
    let period = (cpu.cpu_s * 1e9 / samples as f64).round() as i64;
    assert!(raw.contains(&format!("Period: {period}\n")), "{raw}");
    assert!(raw.contains("samples/count cpu/nanoseconds[dflt]"), "{raw}");
    let raw = raw_samples(&raw);
    let counted: i64 = raw.iter().map(|(v, _)| v[0]).sum();
    let nanoseconds: i64 = raw.iter().map(|(v, _)| v[1]).sum();
    assert_eq!((counted, nanoseconds), (samples as i64, samples as i64 * period));
    let thread = &report.threads[cpu.samples[0].thread as usize].name;
    let tags = run("go", &["tool", "pprof", "-tags", out]);
    assert!(tags.contains("thread: Total ") && tags.contains(thread.as_str()), "{tags}");
}

/// n = 100000 squares collected into a Vec: 800000 bytes in one block
/// (accuracy.rs works out why), all live at the peak, none at the end.
const COLLECT_SUM: &str = "counters::sum_squares::collect_sum";
const COLLECT_BYTES: u64 = 100_000 * 8;

fn record_collect_sum(dir: &Path) -> (PathBuf, Report) {
    let args = ["-w", "sum_squares", "-V", "collect_sum", "-p", "n=100000", "--heap"];
    record(dir, "collect_sum", "counters", &args)
}

#[test]
fn go_tool_pprof_reads_the_heap_pass_as_alloc_and_inuse_space() {
    let dir = tempfile::tempdir().unwrap();
    let (path, report) = record_collect_sum(dir.path());
    let heap = report.heap.as_ref().unwrap();
    let out = dir.path().join("heap.pb.gz");
    export_to(&path, "pprof", &out);
    let out = out.to_str().unwrap();

    let raw = run("go", &["tool", "pprof", "-raw", out]);
    assert!(
        raw.contains("alloc_objects/count alloc_space/bytes[dflt] inuse_objects/count inuse_space/bytes"),
        "{raw}"
    );
    let samples = raw_samples(&raw);
    let sum = |i: usize| samples.iter().map(|(v, _)| v[i] as u64).sum::<u64>();
    assert_eq!((sum(0), sum(1)), (heap.total_blocks, heap.total_bytes));
    assert_eq!((sum(2), sum(3)), (heap.end_blocks, heap.end_bytes));

    // The site below collect_sum, as pprof's own report of it.
    let top = run(
        "go",
        &[
            "tool",
            "pprof",
            "-top",
            "-nodecount=100000",
            "-nodefraction=0",
            "-sample_index=alloc_objects",
            out,
        ],
    );
    let row = top_rows(&top).into_iter().find(|r| r.place == COLLECT_SUM);
    assert_eq!(row.map(|r| r.cum), Some(1), "{top}");
    let top = run(
        "go",
        &["tool", "pprof", "-top", "-nodecount=100000", "-nodefraction=0", "-unit=byte", "-alloc_space", out],
    );
    let row = top_rows(&top).into_iter().find(|r| r.place == COLLECT_SUM);
    assert_eq!(row.map(|r| r.cum), Some(COLLECT_BYTES), "{top}");
}

// ---------------------------------------------------------------------------
// dhat

/// valgrind's DHAT viewer script, as Debian's valgrind installs it.
const DH_VIEW: &str = "/usr/libexec/valgrind/dh_view.js";

/// A DOM just large enough for `dh_view.js`: it runs the viewer's own
/// `onLoad()` and `loadFile()` (which check every field, build the tree
/// and render it) on the file named by its second argument, and prints the
/// text the viewer would show. A malformed file throws, and node exits
/// with the viewer's message.
const DH_VIEW_SHIM: &str = r##"const fs = require("fs");
const vm = require("vm");
const [viewer, data] = process.argv.slice(2);
class Element {
  constructor(tagName, text) {
    this.tagName = tagName;
    this.childNodes = [];
    this.parentNode = null;
    this.ownText = text === undefined ? "" : String(text);
    this.className = "";
    this.style = {};
    this.classList = { add() {}, remove() {}, toggle() {}, contains: () => false };
  }
  appendChild(child) { child.parentNode = this; this.childNodes.push(child); return child; }
  replaceChild(next, old) {
    this.childNodes[this.childNodes.indexOf(old)] = next;
    next.parentNode = this;
    return old;
  }
  cloneNode() { const copy = new Element(this.tagName); copy.className = this.className; return copy; }
  get textContent() { return this.ownText + this.childNodes.map((c) => c.textContent).join(""); }
  set textContent(text) { this.ownText = String(text); this.childNodes = []; }
  addEventListener() {}
}
const document = {
  title: "",
  location: { search: "" },
  body: new Element("body"),
  createElement: (tagName) => new Element(tagName),
  createTextNode: (text) => new Element("#text", text),
};
class FileReader {
  readAsText(file) { this.onload({ target: { result: fs.readFileSync(file.path, "utf8") } }); }
}
const context = vm.createContext({ document, FileReader, performance, URLSearchParams, DATA: data });
const drive = `
onLoad();
gSelect.selectedIndex = gSelect.childNodes.findIndex((option) => option.selected);
gInput.files = [{ name: DATA, path: DATA }];
loadFile();
gMainDiv.textContent;`;
process.stdout.write(vm.runInContext(fs.readFileSync(viewer, "utf8") + drive, context));
"##;

/// What DHAT's viewer shows for the DHAT file `data`.
fn dh_view(dir: &Path, data: &Path) -> String {
    let shim = dir.join("dh_view_shim.js");
    std::fs::write(&shim, DH_VIEW_SHIM).unwrap();
    run("node", &[shim.to_str().unwrap(), DH_VIEW, data.to_str().unwrap()])
}

/// The JSON type of each field of `object`.
fn field_types(object: &serde_json::Value) -> Vec<(String, &'static str)> {
    let kind = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(n) if n.is_u64() => "unsigned",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    };
    let mut fields: Vec<(String, &'static str)> =
        object.as_object().unwrap().iter().map(|(k, v)| (k.clone(), kind(v))).collect();
    fields.sort();
    fields
}

/// A C program that allocates a kept block and a few freed ones, for a
/// DHAT file written by valgrind itself.
const ALLOCATING_C: &str = r#"#include <stdio.h>
#include <stdlib.h>

int main(void) {
    char *kept = malloc(1000);
    for (int i = 0; i < 10; i++) {
        char *freed = malloc(100);
        freed[0] = (char)i;
        free(freed);
    }
    kept[0] = 1;
    printf("%d\n", kept[0]);
    return 0;
}
"#;

#[test]
fn dhat_export_has_valgrinds_fields_and_dh_view_shows_the_reports_bytes() {
    let dir = tempfile::tempdir().unwrap();

    // A file valgrind's DHAT wrote: the shape to match.
    let source = dir.path().join("allocating.c");
    std::fs::write(&source, ALLOCATING_C).unwrap();
    let program = dir.path().join("allocating");
    // -O0: at -O2 the compiler drops the mallocs whose blocks are freed.
    proftui_tests::compile_c_program(&[&source], &program, &["-O0"]);
    let real_path = dir.path().join("real.json");
    let out_file = format!("--dhat-out-file={}", real_path.to_str().unwrap());
    run("valgrind", &["--tool=dhat", &out_file, program.to_str().unwrap()]);
    let real: serde_json::Value = serde_json::from_slice(&std::fs::read(&real_path).unwrap()).unwrap();
    assert!(dh_view(dir.path(), &real_path).contains("At t-end:  1,000 bytes (100%) in 1 blocks"));

    let (path, report) = record_collect_sum(dir.path());
    let heap = report.heap.as_ref().unwrap();
    let ours_path = dir.path().join("ours.json");
    export_to(&path, "dhat", &ours_path);
    let ours: serde_json::Value = serde_json::from_slice(&std::fs::read(&ours_path).unwrap()).unwrap();

    // The same top-level fields with the same types; program points lack
    // only what the report does not keep: the access counts valgrind
    // writes with bkacc (rb, wb, acc; ours says bkacc false).
    assert_eq!(field_types(&ours), field_types(&real));
    let (ours_pp, real_pp) = (field_types(&ours["pps"][0]), field_types(&real["pps"][0]));
    let missing: Vec<&str> =
        real_pp.iter().filter(|f| !ours_pp.contains(f)).map(|(name, _)| name.as_str()).collect();
    assert_eq!(missing, ["acc", "rb", "wb"]);
    assert_eq!(ours["bklt"], serde_json::json!(true));
    assert!(ours_pp.iter().all(|f| real_pp.contains(f)), "{ours_pp:?} vs {real_pp:?}");
    assert_eq!((&ours["ftbl"][0], &ours["bkacc"]), (&serde_json::json!("[root]"), &serde_json::json!(false)));

    // Totals are the report's, and the collect_sum site is its one block.
    let pps = ours["pps"].as_array().unwrap();
    let sum = |field: &str| pps.iter().map(|pp| pp[field].as_u64().unwrap()).sum::<u64>();
    assert_eq!((sum("tb"), sum("tbk")), (heap.total_bytes, heap.total_blocks));
    assert_eq!((sum("gb"), sum("eb"), sum("ebk")), (heap.peak_bytes, heap.end_bytes, heap.end_blocks));
    let ftbl = ours["ftbl"].as_array().unwrap();
    let collect: Vec<&serde_json::Value> = pps
        .iter()
        .filter(|pp| {
            pp["fs"].as_array().unwrap().iter().any(|i| {
                ftbl[i.as_u64().unwrap() as usize].as_str().unwrap().starts_with(&format!("{COLLECT_SUM} ("))
            })
        })
        .collect();
    assert_eq!(collect.len(), 1, "{ours}");
    let site = |field: &str| collect[0][field].as_u64().unwrap();
    assert_eq!(
        [site("tb"), site("tbk"), site("gb"), site("gbk"), site("mb"), site("mbk"), site("eb")],
        [COLLECT_BYTES, 1, COLLECT_BYTES, 1, COLLECT_BYTES, 1, 0]
    );
    // Its one block is allocated and freed inside the heap pass's run.
    let heap_run_us: f64 = report
        .run
        .passes
        .iter()
        .filter(|p| p.kind == proftui_core::report::PassKind::Heap)
        .flat_map(|p| p.runs.iter().map(|t| t.wall_s * 1e6))
        .sum();
    assert!(site("tl") > 0 && site("tl") as f64 <= heap_run_us, "tl {} µs, run {heap_run_us} µs", site("tl"));

    // DHAT's own viewer loads it and shows the same totals.
    let shown = dh_view(dir.path(), &ours_path);
    let total = heap.total_bytes.to_string();
    let total = format!("Total:     {},{} bytes (100%", &total[..total.len() - 3], &total[total.len() - 3..]);
    assert!(shown.contains(&total), "{total} not in\n{shown}");
    assert!(shown.contains("At t-gmax: 800,000 bytes (100%) in 1 blocks (100%)"), "{shown}");
    // The site's maximum is its one block, not "in 0 blocks, avg size ∞".
    assert!(shown.contains("Max:       800,000 bytes in 1 blocks, avg size 800,000 bytes"), "{shown}");
    // Lifetimes are the report's: every site's, and the viewer computes
    // an average from them, never NaN.
    let lifetimes: Vec<u64> = heap.sites.iter().map(|s| s.lifetimes_us.expect("recorded")).collect();
    assert_eq!(sum("tl"), lifetimes.iter().sum::<u64>());
    assert!(shown.contains("avg lifetime") && !shown.contains("NaN"), "{shown}");
    assert!(shown.contains(&format!("{COLLECT_SUM} (")), "{shown}");
}

// ---------------------------------------------------------------------------
// speedscope

/// The speedscope release whose JSON schema the export is checked against
/// (the npm package ships `dist/release/file-format-schema.json`).
const SPEEDSCOPE: &str = "speedscope@1.25.0";

/// Checks `file` against speedscope's file-format-spec.ts rules that its
/// schema cannot state: frame indices in range, one weight per sample,
/// `endValue - startValue` the sum of the weights. Returns the sum of the
/// weights of each profile.
fn check_speedscope(file: &serde_json::Value) -> Vec<u64> {
    assert_eq!(file["$schema"], "https://www.speedscope.app/file-format-schema.json");
    let frames = file["shared"]["frames"].as_array().unwrap().len() as u64;
    file["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|profile| {
            assert_eq!(profile["type"], "sampled");
            let samples = profile["samples"].as_array().unwrap();
            let weights = profile["weights"].as_array().unwrap();
            assert_eq!(samples.len(), weights.len());
            for stack in samples {
                assert!(stack.as_array().unwrap().iter().all(|i| i.as_u64().unwrap() < frames), "{stack}");
            }
            let sum: u64 = weights.iter().map(|w| w.as_u64().unwrap()).sum();
            let (start, end) =
                (profile["startValue"].as_u64().unwrap(), profile["endValue"].as_u64().unwrap());
            assert_eq!((start, end), (0, sum));
            sum
        })
        .collect()
}

/// Validates `data` against speedscope's own JSON schema, fetched with npm
/// from the registry, with python's `jsonschema`.
fn validate_with_speedscope_schema(dir: &Path, data: &Path) {
    let pack = dir.join("npm");
    std::fs::create_dir_all(&pack).unwrap();
    let tarball = run(
        "npm",
        &["pack", "--silent", "--prefer-offline", SPEEDSCOPE, "--pack-destination", pack.to_str().unwrap()],
    );
    let tarball = pack.join(tarball.trim());
    run("tar", &["-xzf", tarball.to_str().unwrap(), "-C", pack.to_str().unwrap()]);
    let schema = pack.join("package/dist/release/file-format-schema.json");
    let check = "import json, sys, jsonschema\n\
                 schema, data = (json.load(open(p)) for p in sys.argv[1:])\n\
                 jsonschema.validate(data, schema)\n";
    run("python3", &["-c", check, schema.to_str().unwrap(), data.to_str().unwrap()]);
}

#[test]
fn speedscope_export_follows_speedscopes_schema_and_weighs_what_the_report_holds() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["-w", "sum_squares", "-V", "collect_sum", "-p", "n=100000", "--min-samples", "100"];
    let (path, report) = record(dir.path(), "all", "counters", &args);
    let out = dir.path().join("all.speedscope.json");
    export_to(&path, "speedscope", &out);
    validate_with_speedscope_schema(dir.path(), &out);

    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let sums = check_speedscope(&file);
    let cpu = report.cpu.as_ref().unwrap();
    let heap = report.heap.as_ref().unwrap();
    let mut threads: Vec<u32> = cpu.samples.iter().map(|s| s.thread).collect();
    threads.sort_unstable();
    threads.dedup();
    // One profile per sampled thread, then the heap's.
    assert_eq!(sums.len(), threads.len() + 1);
    let profiles = file["profiles"].as_array().unwrap();
    let period = (cpu.cpu_s * 1e9 / cpu.samples.len() as f64).round() as u64;
    let weights: u64 = sums[..threads.len()].iter().sum();
    assert_eq!(weights, cpu.samples.len() as u64 * period);
    assert!(profiles[..threads.len()].iter().all(|p| p["unit"] == "nanoseconds"));
    assert_eq!(
        (&profiles[threads.len()]["unit"], sums[threads.len()]),
        (&serde_json::json!("bytes"), heap.total_bytes)
    );

    // The collect_sum site weighs its one block of 800000 bytes, and its
    // stack names collect_sum's frame.
    let frames = file["shared"]["frames"].as_array().unwrap();
    let collect = frames.iter().position(|f| f["name"] == COLLECT_SUM).unwrap() as u64;
    let heap_profile = &profiles[threads.len()];
    let below: u64 = heap_profile["samples"]
        .as_array()
        .unwrap()
        .iter()
        .zip(heap_profile["weights"].as_array().unwrap())
        .filter(|(stack, _)| stack.as_array().unwrap().contains(&serde_json::json!(collect)))
        .map(|(_, w)| w.as_u64().unwrap())
        .sum();
    assert_eq!(below, COLLECT_BYTES);
}

// ---------------------------------------------------------------------------
// weighted samples

/// A folded-stacks file of 1000 samples in four distinct stacks, one of
/// them on two lines: main 100 self; work 300 self (500 with helper's 200
/// under it); helper 400 + 200 = 600 self. Each line is one sample of the
/// report weighing its count.
const FOLDED: &str = "main 100\nmain;work 300\nmain;helper 400\nmain;work;helper 190\nmain;work;helper 10\n";

/// An imported report's samples weigh their counts: every export counts
/// them that many times, never once per sample.
#[test]
fn exports_of_a_folded_import_count_each_sample_its_weight() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.folded");
    std::fs::write(&input, FOLDED).unwrap();

    // Folded out: the very stacks and counts that came in.
    let folded = dir.path().join("out.folded");
    export_to(&input, "folded", &folded);
    let mut stacks: Vec<(String, u64)> = std::fs::read_to_string(&folded)
        .unwrap()
        .lines()
        .map(|line| {
            let (stack, count) = line.rsplit_once(' ').unwrap();
            (stack.to_string(), count.parse().unwrap())
        })
        .collect();
    stacks.sort();
    let expected = [("main", 100), ("main;helper", 400), ("main;work", 300), ("main;work;helper", 200)];
    assert_eq!(stacks, expected.map(|(stack, count)| (stack.to_string(), count)));

    // pprof: one type, the imported event, whose values add up to 1000;
    // go tool pprof's flat and cum per function are the file's.
    let pprof = dir.path().join("out.pb.gz");
    export_to(&input, "pprof", &pprof);
    let pprof = pprof.to_str().unwrap();
    let raw = run("go", &["tool", "pprof", "-raw", pprof]);
    assert!(raw.contains("samples/count[dflt]\n"), "{raw}");
    let counted: i64 = raw_samples(&raw).iter().map(|(values, _)| values.iter().sum::<i64>()).sum();
    assert_eq!(counted, 1000, "{raw}");
    let top = run("go", &["tool", "pprof", "-top", "-nodecount=100", "-nodefraction=0", pprof]);
    let rows = top_rows(&top);
    let figures = |name: &str| {
        let row = rows.iter().find(|r| r.place == name).unwrap_or_else(|| panic!("no {name} in\n{top}"));
        (row.flat, row.cum)
    };
    assert_eq!([figures("main"), figures("work"), figures("helper")], [(100, 1000), (300, 500), (600, 600)]);

    // speedscope: weights in the file's unit, adding up to 1000.
    let speedscope = dir.path().join("out.speedscope.json");
    export_to(&input, "speedscope", &speedscope);
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(&speedscope).unwrap()).unwrap();
    assert_eq!(check_speedscope(&file), [1000]);
    assert_eq!(file["profiles"][0]["unit"], "none");

    // Captions say what the figures count: never cpu samples at some rate.
    for (format, file) in [("svg", "out.svg"), ("dot", "out.dot"), ("callgrind", "callgrind.out.import")] {
        let path = dir.path().join(file);
        export_to(&input, format, &path);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("imported from a folded-stacks file"), "{format}: {text}");
        assert!(!text.contains("Hz achieved"), "{format}: {text}");
    }
}

// ---------------------------------------------------------------------------
// bad input

#[test]
fn a_report_without_the_pass_a_format_needs_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    // A heap-only report less its heap pass: no pass any of them reads.
    let (_, mut report) = record_collect_sum(dir.path());
    assert!(report.cpu.is_none() && report.calls.is_none());
    report.heap = None;
    let bare = dir.path().join("bare.json");
    proftui_core::report::file::save(&report, &bare, false).unwrap();
    for (format, pass) in
        [(ExportFormat::Dhat, "heap"), (ExportFormat::Pprof, "cpu"), (ExportFormat::Speedscope, "cpu")]
    {
        let error = export(&report, format, &mut Vec::new()).unwrap_err();
        assert!(matches!(error, ExportError::MissingPass { .. }), "{error:?}");
        let expected =
            format!("has no {pass} pass, which the {} format needs; record with --{pass}", format.name());
        assert!(error.to_string().contains(&expected), "{error}");

        // The binary says the same in one line, and writes nothing.
        let out = dir.path().join(format.name());
        let args = ["export", bare.to_str().unwrap(), "--format", format.name(), "-o", out.to_str().unwrap()];
        let output = proftui(&args);
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(&expected), "{stderr}");
        assert!(!out.exists(), "{format:?} left a file behind");
    }
}
