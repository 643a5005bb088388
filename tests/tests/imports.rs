//! Imports: callgrind output made by the real valgrind on a C program with
//! known call counts, and hand-written folded stacks, opened by `proftui
//! report` and the explorer. Counts are the program's own (by reading its
//! source), totals are the file's own `summary:` line.
#![allow(clippy::unwrap_used, reason = "test code: a failed unwrap is a failed test")]

use proftui_tests::pty::Pty;
use proftui_tests::{compile_c_program, proftui, release_dir, text, workspace};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Compiles tests/c/callgrind_demo.c unoptimised and runs it under
/// callgrind with `options`; returns the output file.
fn callgrind(dir: &Path, name: &str, options: &[&str]) -> PathBuf {
    let program = dir.join("callgrind_demo");
    if !program.exists() {
        compile_c_program(&[&workspace().join("tests/c/callgrind_demo.c")], &program, &["-O0"]);
    }
    let out = dir.join(name);
    let run = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .args(options)
        .arg(&program)
        .output()
        .expect("valgrind runs (install it: apt-get install valgrind)");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    out
}

fn report_json(file: &Path, args: &[&str]) -> Value {
    let mut all = vec!["report", file.to_str().unwrap(), "--format", "json"];
    all.extend_from_slice(args);
    let output = proftui(&all);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

fn flat_row<'a>(flat: &'a Value, name: &str) -> &'a Value {
    flat["rows"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap_or_else(|| panic!("{name}"))
}

/// The `summary:` (or `totals:`) figure callgrind wrote.
fn summary(file: &Path) -> u64 {
    let content = std::fs::read_to_string(file).unwrap();
    let line = content.lines().find(|l| l.starts_with("summary:") || l.starts_with("totals:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// (calls total, calls primitive) of a flat row.
fn calls(row: &Value) -> (u64, u64) {
    let c = &row["calls"];
    (c["calls_total"].as_u64().unwrap(), c["calls_primitive"].as_u64().unwrap())
}

fn check_callgrind(file: &Path) {
    let flat = report_json(file, &["--view", "flat"]);
    assert_eq!(flat["run"]["plugin"], "callgrind import");
    assert_eq!(flat["basis"]["import"]["event"], "Ir");
    // Every instruction callgrind counted is some function's self cost.
    assert_eq!(flat["basis"]["cpu"]["samples"].as_u64().unwrap(), summary(file), "{}", file.display());
    assert_eq!(calls(flat_row(&flat, "cg_outer")), (10, 10));
    assert_eq!(calls(flat_row(&flat, "cg_inner")), (30, 30));
    assert_eq!(calls(flat_row(&flat, "cg_fib")), (177, 1));
    // cg_outer's inclusive cost covers its own and cg_inner's.
    let outer = flat_row(&flat, "cg_outer");
    let inner = flat_row(&flat, "cg_inner");
    let incl = outer["calls"]["inclusive_s"].as_f64().unwrap();
    let own = outer["self_samples"].as_f64().unwrap() + inner["self_samples"].as_f64().unwrap();
    assert_eq!(incl, own, "no other callee");

    let callers = report_json(file, &["--view", "callers", "--function", "cg_inner"]);
    let called: Vec<(String, u64)> = callers["direct"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["calls"].is_u64())
        .map(|e| (e["name"].as_str().unwrap().to_string(), e["calls"].as_u64().unwrap()))
        .collect();
    assert_eq!(called, vec![("cg_outer".to_string(), 30)]);
    let fib = report_json(file, &["--view", "callers", "--function", "cg_fib"]);
    let mut called: Vec<(String, u64)> = fib["direct"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["calls"].is_u64())
        .map(|e| (e["name"].as_str().unwrap().to_string(), e["calls"].as_u64().unwrap()))
        .collect();
    called.sort();
    assert_eq!(called, vec![("cg_fib".to_string(), 176), ("main".to_string(), 1)]);
}

#[test]
fn callgrind_output_opens_with_exact_call_counts() {
    let dir = tempfile::tempdir().unwrap();
    let variants: [(&str, &[&str]); 5] = [
        ("default.out", &[]),
        ("instr.out", &["--dump-instr=yes"]),
        ("plain.out", &["--dump-instr=no", "--compress-strings=no", "--compress-pos=no"]),
        ("compressed.out", &["--dump-instr=no", "--compress-strings=yes"]),
        ("one-thread-file.out", &["--separate-threads=no"]),
    ];
    for (name, options) in variants {
        check_callgrind(&callgrind(dir.path(), name, options));
    }
}

#[test]
fn callgrind_text_report_counts_events_not_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let file = callgrind(dir.path(), "callgrind.out.1", &[]);
    let output = proftui(&["report", file.to_str().unwrap(), "--view", "flat"]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("Ir from a callgrind file, untimed"), "{stdout}");
    assert!(stdout.contains("cg_fib") && stdout.contains("177/1"), "{stdout}");
    assert!(!stdout.contains(" ms ") && !stdout.contains(" µs "), "no seconds anywhere:\n{stdout}");
}

#[test]
fn the_explorer_opens_callgrind_output() {
    let dir = tempfile::tempdir().unwrap();
    let file = callgrind(dir.path(), "callgrind.out.2", &[]);
    let mut pty = Pty::spawn(&release_dir().join("proftui"), &["open", file.to_str().unwrap()], 140, 40, &[]);
    let wait = Duration::from_secs(10);
    pty.wait_for("imported from callgrind", wait);
    pty.wait_for("flat profile", wait);
    // 230 functions, most of them the dynamic loader's: search for ours.
    pty.send("/cg_outer\r");
    pty.wait_for("cg_outer", wait);
    pty.send("q");
    assert!(pty.wait_exit(wait).is_some(), "{}", pty.text());
}

#[test]
fn folded_stacks_give_exact_shares() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("perf.folded");
    // 1000 samples: main 100 self; work 300 self under main, 200 of it via
    // helper; helper 400 + 200 = 600 self.
    std::fs::write(&file, "main 100\nmain;work 300\nmain;helper 400\nmain;work;helper 200\n").unwrap();
    let flat = report_json(&file, &["--view", "flat"]);
    assert_eq!(flat["basis"]["import"]["event"], "samples");
    assert_eq!(flat["basis"]["cpu"]["samples"], 1000);
    let figures = |name| {
        let r = flat_row(&flat, name);
        (r["self_samples"].as_u64().unwrap(), r["inclusive_samples"].as_u64().unwrap())
    };
    assert_eq!(figures("main"), (100, 1000));
    assert_eq!(figures("work"), (300, 500));
    assert_eq!(figures("helper"), (600, 600));
}

#[test]
fn malformed_imports_get_one_line_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 6] = [
        ("bad.folded", b"main;a 3\nmain;b\n", ":2: bad folded-stacks file: no sample count"),
        ("neg.folded", b"main;a -3\n", ":1: bad folded-stacks file: negative"),
        ("undef.out", b"# callgrind format\nevents: Ir\nfn=(7)\n", ":3: bad callgrind file: name id (7)"),
        (
            "calls.out",
            b"events: Ir\nfn=main\ncfn=a\ncalls=1 3\nfn=b\n",
            ":5: bad callgrind file: `calls=` is not followed",
        ),
        ("garbage.out", &[0x00, 0xff, 0xfe, 0x12, 0x80, 0x81], "not a proftui report"),
        ("empty.out", b"", "the file is empty"),
    ];
    for (name, content, expected) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, content).unwrap();
        let output = proftui(&["report", file.to_str().unwrap()]);
        let (_, stderr) = text(&output);
        assert!(!output.status.success(), "{name}");
        assert_eq!(stderr.trim().lines().count(), 1, "{name}: {stderr}");
        assert!(stderr.contains(name) && stderr.contains(expected), "{name}: {stderr}");
    }
}
