//! `proftui diff` and `proftui compare` on real reports of simul's
//! variants, recorded once per test process with small parameters.
//!
//! Known figures (from the workload's definition, see WORKLOADS.md and
//! plugins/simul/src): `benchmark` calls its variant's `evolve` exactly
//! once per run; with npart=60 it allocates the particles (60 × 24 B =
//! 1440 B), and naive also boxes each one (60 × 24 B) behind a vector of
//! pointers (60 × 8 B): 3360 B in all, against tuned's 1440 B.

use proftui_tests::{plugin, proftui, text};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const EVOLVE_NAIVE: &str = "simul::naive::evolve";
const EVOLVE_TUNED: &str = "simul::tuned::evolve";

struct Reports {
    _dir: tempfile::TempDir,
    naive: PathBuf,
    tuned: PathBuf,
    /// naive recorded with `--repeat 3`.
    naive_rounds: PathBuf,
}

fn record(dir: &Path, variant: &str, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let simul = plugin("simul");
    let mut args = vec![
        "record",
        simul.to_str().expect("utf-8 path"),
        "-w",
        "benchmark",
        "-V",
        variant,
        "-p",
        "npart=60",
        "-o",
        out.to_str().expect("utf-8 path"),
    ];
    args.extend(extra);
    if !extra.contains(&"--min-samples") {
        args.extend(["--min-samples", "200"]);
    }
    let output = proftui(&args);
    assert!(output.status.success(), "record {variant}: {:?}", text(&output));
    out
}

fn reports() -> &'static Reports {
    static REPORTS: OnceLock<Reports> = OnceLock::new();
    REPORTS.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let at = dir.path();
        // The sampler counts process CPU time, so recording side by side
        // changes no figure, only the wall time the tests wait.
        let (naive, tuned, naive_rounds) = std::thread::scope(|scope| {
            let naive = scope.spawn(|| record(at, "naive", "naive.json", &[]));
            let tuned = scope.spawn(|| record(at, "tuned", "tuned.json", &[]));
            let rounds = record(at, "naive", "naive3.json", &["--repeat", "3", "--min-samples", "100"]);
            (naive.join().expect("records"), tuned.join().expect("records"), rounds)
        });
        Reports { naive, tuned, naive_rounds, _dir: dir }
    })
}

fn s(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn diff_json(base: &Path, new: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["diff", s(base), s(new), "--format", "json"];
    args.extend(extra);
    let output = proftui(&args);
    assert!(output.status.success(), "{:?}", text(&output));
    serde_json::from_slice(&output.stdout).expect("the output is JSON")
}

fn function<'a>(diff: &'a Value, name: &str) -> &'a Value {
    diff["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no row for {name}"))
}

#[test]
fn naive_and_tuned_call_evolve_equally_and_allocate_what_their_layout_says() {
    let r = reports();
    let diff = diff_json(&r.naive, &r.tuned, &[]);
    assert_eq!(diff["time_source"], "samples");
    assert_eq!(
        (diff["base"]["variant"].as_str(), diff["new"]["variant"].as_str()),
        (Some("naive"), Some("tuned"))
    );
    // The variants' modules are swapped when matching: naive's evolve is
    // compared with tuned's, and calls once per run on both sides.
    let evolve = function(&diff, EVOLVE_TUNED);
    assert_eq!(
        (evolve["presence"].as_str(), evolve["base_name"].as_str()),
        (Some("both"), Some(EVOLVE_NAIVE))
    );
    assert_eq!((evolve["calls"]["base"].as_f64(), evolve["calls"]["new"].as_f64()), (Some(1.0), Some(1.0)));
    // By full name the two evolves are different functions.
    let diff = diff_json(&r.naive, &r.tuned, &["--exact-names"]);
    let naive = function(&diff, EVOLVE_NAIVE);
    assert_eq!(naive["presence"], "removed");
    assert_eq!((naive["calls"]["base"].as_f64(), naive["calls"]["new"].as_f64()), (Some(1.0), Some(0.0)));
    assert_eq!(naive["calls"]["verdict"], "significant", "an exact count is never noise");
    assert_eq!(function(&diff, EVOLVE_TUNED)["presence"], "added");
    // Paired, evolve's calls are the same: once per run.
    let paired = diff_json(
        &r.naive,
        &r.tuned,
        &["--exact-names", "--pair", "simul::naive::evolve=simul::tuned::evolve"],
    );
    let evolve = function(&paired, EVOLVE_TUNED);
    assert_eq!(
        (evolve["presence"].as_str(), evolve["base_name"].as_str()),
        (Some("both"), Some(EVOLVE_NAIVE))
    );
    let calls = &evolve["calls"];
    assert_eq!(
        (calls["base"].as_f64(), calls["new"].as_f64(), calls["delta"].as_f64()),
        (Some(1.0), Some(1.0), Some(0.0))
    );
    assert_eq!((calls["verdict"].as_str(), calls["exact"].as_bool()), (Some("unchanged"), Some(true)));
    // Bytes allocated under benchmark: 3360 B → 1440 B, exact.
    let bytes = &function(&diff, "simul::benchmark")["bytes"];
    assert_eq!((bytes["base"].as_f64(), bytes["new"].as_f64()), (Some(3360.0), Some(1440.0)));
    assert_eq!((bytes["delta"].as_f64(), bytes["verdict"].as_str()), (Some(-1920.0), Some("significant")));
    let totals = &diff["totals"]["bytes"];
    assert_eq!((totals["base"].as_f64(), totals["new"].as_f64()), (Some(3360.0), Some(1440.0)));
    // Paths carry their names and documented fields.
    let path = &diff["paths"][0];
    for field in ["path", "id", "depth", "presence", "inclusive_time", "self_time"] {
        assert!(!path[field].is_null(), "paths have `{field}`");
    }
    assert!(
        diff["paths_total"].as_u64().expect("count") >= diff["paths"].as_array().expect("paths").len() as u64
    );
}

#[test]
fn a_report_against_itself_changes_nothing() {
    let r = reports();
    let diff = diff_json(&r.naive, &r.naive, &["--top", "100000"]);
    let rows = diff["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .chain(diff["paths"].as_array().expect("paths"));
    let mut checked = 0;
    for row in rows {
        assert_eq!(row["presence"], "both");
        for figure in ["calls", "self_time", "inclusive_time", "bytes", "peak_bytes"] {
            if row[figure].is_null() {
                continue;
            }
            assert_eq!(row[figure]["delta"].as_f64(), Some(0.0), "{row}");
            assert_eq!(row[figure]["verdict"], "unchanged", "{row}");
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked} figures");
    let output = proftui(&["diff", s(&r.naive), s(&r.naive), "--fail-if", "incl(evolve) > +1%"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.starts_with("gate ok: incl(simul::naive::evolve) +0.0% ("), "{stdout}");
    assert!(stdout.trim_end().ends_with("does not exceed +1%"), "{stdout}");
}

#[test]
fn the_gate_fails_with_one_line_per_condition_that_holds() {
    let r = reports();
    // tuned is several times slower than naive (see README), far beyond
    // noise. naive's evolve is matched with tuned's (the variants' modules
    // are swapped), and both call it once per run.
    let output = proftui(&[
        "diff",
        s(&r.naive),
        s(&r.tuned),
        "--fail-if",
        "incl(simul::benchmark) > +10%",
        "--fail-if",
        "bytes(benchmark) < -1000",
        "--fail-if",
        "calls(simul::naive::evolve) > +0",
    ]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(lines[0].starts_with("proftui: regression: incl(simul::benchmark) +"), "{}", lines[0]);
    assert!(lines[0].contains(" samples, beyond noise) exceeds +10%"), "{}", lines[0]);
    assert_eq!(
        lines[1],
        "proftui: regression: bytes(simul::benchmark) -1.88 KiB (3.28 KiB → 1.41 KiB, exact) is below -1000"
    );
    assert_eq!(stdout.trim_end(), "gate ok: calls(simul::tuned::evolve) 0 (1 → 1, exact) does not exceed +0");
}

#[test]
fn bad_gate_conditions_exit_2_with_one_line() {
    let r = reports();
    for (condition, expected) in [
        ("incl(evolve) >> 10", "`> 10` does not start with a number"),
        ("speed(evolve) > 1%", "unknown figure `speed`"),
        ("incl(evolve) > 10", "a time threshold needs a unit"),
        ("incl(benchmrk) > +1%", "no function matches `benchmrk`; did you mean simul::benchmark?"),
        ("calls(simul::benchmark) > 1", "no call counts on both sides"),
    ] {
        let output = proftui(&["diff", s(&r.naive), s(&r.tuned), "--fail-if", condition]);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{condition}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{condition}: {stderr}");
        assert!(stderr.starts_with("proftui: error: ") && stderr.contains(expected), "{condition}: {stderr}");
        assert!(stdout.is_empty(), "{condition}: nothing printed before the error");
    }
}

/// Samples of the report file per round whose stack runs `name`, with each
/// round's cpu seconds and runs, read from the file directly.
fn rounds_of(report: &Value, name: &str) -> Vec<(f64, f64, f64, f64)> {
    let functions = report["functions"].as_array().expect("functions");
    let nodes = report["nodes"].as_array().expect("nodes");
    let runs_name = |mut node: usize| loop {
        if node == 0 {
            return false;
        }
        let n = &nodes[node];
        if functions[n["function"].as_u64().expect("id") as usize]["name"] == name {
            return true;
        }
        node = n["parent"].as_u64().expect("parent") as usize;
    };
    let cpu = &report["cpu"];
    let samples = cpu["samples"].as_array().expect("samples");
    let mut start = 0;
    cpu["rounds"]
        .as_array()
        .expect("rounds")
        .iter()
        .map(|round| {
            let count = round["samples"].as_u64().expect("count") as usize;
            let hits = samples[start..start + count]
                .iter()
                .filter(|s| runs_name(s["node"].as_u64().expect("node") as usize))
                .count();
            start += count;
            (
                hits as f64,
                count as f64,
                round["cpu_s"].as_f64().expect("cpu_s"),
                round["repeats"].as_f64().expect("runs"),
            )
        })
        .collect()
}

#[test]
fn repeated_rounds_give_per_round_noise_verdicts() {
    let r = reports();
    let report: Value =
        serde_json::from_slice(&std::fs::read(&r.naive_rounds).expect("reads")).expect("JSON");
    let rounds = rounds_of(&report, EVOLVE_NAIVE);
    assert_eq!(rounds.len(), 3);
    // Each round's per-run seconds, their standard error, and the sampling
    // error of the whole pass's count (floor of the estimate).
    let values: Vec<f64> = rounds.iter().map(|&(hits, n, cpu_s, runs)| hits * cpu_s / n / runs).collect();
    let mean = values.iter().sum::<f64>() / 3.0;
    let se = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 2.0 / 3.0).sqrt();
    let hits: f64 = rounds.iter().map(|r| r.0).sum();
    let all: f64 = rounds.iter().map(|r| r.1).sum();
    let cpu = &report["cpu"];
    let per_sample_per_run =
        cpu["cpu_s"].as_f64().expect("cpu_s") / all / cpu["repeats"].as_f64().expect("runs");
    let poisson = hits.sqrt() * per_sample_per_run;

    let diff = diff_json(&r.naive_rounds, &r.naive, &[]);
    assert_eq!(diff["base"]["cpu"]["rounds"], 3);
    let incl = &function(&diff, EVOLVE_NAIVE)["inclusive_time"];
    assert_eq!(incl["base_error"]["kind"], "rounds");
    assert_eq!(incl["base_error"]["rounds"], 3);
    assert_eq!(incl["new_error"]["kind"], "samples", "one round: the sampling error");
    let base_sd = incl["base_sd"].as_f64().expect("sd");
    assert!((base_sd - se.max(poisson)).abs() <= 1e-9 * base_sd, "{base_sd} vs {se} / {poisson}");
    assert!((incl["base"].as_f64().expect("value") - hits * per_sample_per_run).abs() < 1e-12);
    // The verdict follows from the errors: noise within 3 standard errors.
    let new_sd = incl["new_sd"].as_f64().expect("sd");
    let delta = incl["delta"].as_f64().expect("delta");
    let expected =
        if delta.abs() > 3.0 * (base_sd.powi(2) + new_sd.powi(2)).sqrt() { "significant" } else { "noise" };
    assert_eq!(incl["verdict"], expected, "{incl}");
}

#[test]
fn compare_records_both_variants_and_prints_their_diff() {
    let dir = tempfile::tempdir().expect("temp dir");
    let simul = plugin("simul");
    let output = proftui(&[
        "compare",
        s(&simul),
        "-w",
        "benchmark",
        "-V",
        "naive",
        "-V",
        "tuned",
        "-p",
        "npart=60",
        "--min-samples",
        "100",
        "-o",
        s(dir.path()),
    ]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    for variant in ["naive", "tuned"] {
        let saved = dir.path().join(format!("{variant}.json"));
        let report: Value = serde_json::from_slice(&std::fs::read(&saved).expect("saved")).expect("JSON");
        assert_eq!(report["run"]["variant"], variant);
    }
    assert!(stdout.starts_with("base  simul · benchmark · naive"), "{stdout}");
    assert!(stdout.contains("\nnew   simul · benchmark · tuned"), "{stdout}");
    assert!(stdout.contains("functions: ") && stdout.contains("call paths: "), "{stdout}");
    let wall =
        stderr.lines().find(|l| l.starts_with("wall per run (bare median): naive ")).expect("wall line");
    assert!(wall.contains(", tuned ") && wall.ends_with("× naive's"), "{wall}");

    let once = proftui(&["compare", s(&simul), "-w", "benchmark", "-V", "naive", "-o", s(dir.path())]);
    let (_, stderr) = text(&once);
    assert_eq!(once.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("compare takes exactly two variants"), "{stderr}");
}

#[test]
fn a_report_and_an_import_of_another_unit_do_not_compare() {
    let r = reports();
    let dir = tempfile::tempdir().unwrap();
    let folded = dir.path().join("stacks.folded");
    std::fs::write(&folded, "main;work 30\nmain 10\n").unwrap();
    let output = proftui(&["diff", s(&r.naive), s(&folded), "--format", "text"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("measures cpu time and") && stderr.contains("measures samples"), "{stderr}");
    // Two imports of one event do compare.
    let output = proftui(&["diff", s(&folded), s(&folded), "--format", "text"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output).1);
}

#[test]
fn a_side_recorded_on_a_busy_machine_is_named_in_the_diff() {
    let r = reports();
    let dir = tempfile::tempdir().unwrap();
    // The naive report as if its worker had waited for a CPU for 40% of
    // the cpu pass (what `record` measures on a busy machine), the tuned
    // one as if it had never waited (the fixtures are recorded side by
    // side, so they may have waited for real).
    let with_wait = |path: &Path, share: f64, name: &str| {
        edited_cpu(path, &dir.path().join(name), |cpu| {
            cpu["wait_s"] = Value::from(share * cpu["wall_s"].as_f64().unwrap());
        })
    };
    let (busy, quiet) = (with_wait(&r.naive, 0.4, "busy.json"), with_wait(&r.tuned, 0.0, "quiet.json"));

    let output = proftui(&["diff", s(&busy), s(&quiet), "--format", "text"]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    let said = "busy machine: the worker waited for a CPU 40% of the cpu pass";
    let lines: Vec<&str> = stdout.lines().collect();
    let at =
        lines.iter().position(|l| l.contains(said)).unwrap_or_else(|| panic!("{said:?} not in:\n{stdout}"));
    let new_at = lines.iter().position(|l| l.starts_with("new")).unwrap();
    assert!(at < new_at, "the note belongs to the base side:\n{stdout}");
    assert_eq!(stdout.matches("busy machine").count(), 1, "only the base was busy:\n{stdout}");

    let json = diff_json(&busy, &quiet, &[]);
    let share = json["base"]["cpu"]["wait_share"].as_f64().unwrap();
    assert!((share - 0.4).abs() < 1e-9, "{share}");
    assert_eq!(json["new"]["cpu"]["wait_share"].as_f64(), Some(0.0));
}

#[test]
fn sides_sampled_by_different_clocks_are_named_in_the_diff() {
    let r = reports();
    let dir = tempfile::tempdir().unwrap();
    let timer = edited_cpu(&r.naive, &dir.path().join("timer.json"), |cpu| {
        cpu["clock"] = Value::from("itimer_prof");
        // The timer samples kernel time too: nothing is left unsampled.
        cpu.as_object_mut().unwrap().remove("unsampled_s");
    });
    // The perf side as if a fifth of its CPU time had been in the kernel.
    let perf = edited_cpu(&r.tuned, &dir.path().join("perf.json"), |cpu| {
        cpu["clock"] = Value::from("perf_task_clock");
        cpu["unsampled_s"] = Value::from(cpu["cpu_s"].as_f64().unwrap() / 4.0);
    });
    let note = "note  the sides were sampled by different clocks";
    let output = proftui(&["diff", s(&timer), s(&perf), "--format", "text"]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains(note), "{note:?} not in:\n{stdout}");
    assert!(stdout.contains("Hz achieved (ITIMER_PROF, tick-driven)"), "{stdout}");
    assert!(stdout.contains("Hz achieved (perf task-clock, user time)"), "{stdout}");
    let kernel = "      20% of the pass's CPU time was in the kernel, which perf events do not sample here";
    let (at, new_at) = (stdout.find(kernel), stdout.find("\nnew "));
    assert!(
        at.zip(new_at).is_some_and(|(at, new_at)| at > new_at),
        "{kernel:?} under the new side:\n{stdout}"
    );
    let json = diff_json(&timer, &perf, &[]);
    assert_eq!(
        (json["base"]["cpu"]["clock"].as_str(), json["new"]["cpu"]["clock"].as_str()),
        (Some("itimer_prof"), Some("perf_task_clock"))
    );
    let share = json["new"]["cpu"]["unsampled_share"].as_f64().unwrap();
    assert!((share - 0.2).abs() < 1e-9, "{share}");
    assert!(json["base"]["cpu"].get("unsampled_share").is_none(), "the timer samples it all");

    let same = proftui(&["diff", s(&perf), s(&perf), "--format", "text"]);
    assert!(!text(&same).0.contains(note), "one clock, no note");
}

/// The report at `path` with its cpu pass changed by `edit`, written to
/// `to` (which it returns).
fn edited_cpu(path: &Path, to: &Path, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let text = std::fs::read_to_string(path).expect("the report reads");
    let mut report: Value = serde_json::from_str(&text).expect("the report is JSON");
    edit(&mut report["cpu"]);
    std::fs::write(to, report.to_string()).expect("the edited report writes");
    to.to_path_buf()
}
