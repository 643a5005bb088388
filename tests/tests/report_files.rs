//! `record` and `report` at the edges: reports are never clobbered, bad
//! report files get one line and exit 2, a crashing workload saves nothing.
#![allow(clippy::unwrap_used, reason = "test code: a failed unwrap is a failed test")]

use proftui_tests::{plugin, proftui, text};
use std::path::Path;

/// Records taylor quickly (few samples) into `out`.
fn record_taylor(out: &Path, extra: &[&str]) -> std::process::Output {
    let taylor = plugin("taylor");
    let mut args =
        vec!["record", taylor.to_str().unwrap(), "--min-samples", "20", "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    proftui(&args)
}

fn assert_one_line_exit_2(out: &std::process::Output, expected: &str) {
    let (_, stderr) = text(out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("proftui: error:") && stderr.contains(expected), "{stderr}");
}

#[test]
fn a_report_is_never_replaced_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    std::fs::write(&out, "precious").unwrap();
    assert_one_line_exit_2(&record_taylor(&out, &[]), "already exists");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "precious");
    let forced = record_taylor(&out, &["--force"]);
    assert!(forced.status.success(), "{}", text(&forced).1);
    assert!(proftui(&["report", out.to_str().unwrap()]).status.success());
}

#[test]
fn compressed_reports_round_trip_and_are_smaller() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, packed) = (dir.path().join("r.json"), dir.path().join("r.json.gz"));
    for out in [&plain, &packed] {
        let recorded = record_taylor(out, &["--calls"]);
        assert!(recorded.status.success(), "{}", text(&recorded).1);
    }
    assert!(std::fs::metadata(&packed).unwrap().len() * 3 < std::fs::metadata(&plain).unwrap().len());
    let view = |path: &Path| {
        let out = proftui(&["report", path.to_str().unwrap(), "--format", "json"]);
        assert!(out.status.success(), "{}", text(&out).1);
        let mut json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        // The two recordings differ in their timings; the counts must not.
        let mut counts: Vec<(String, serde_json::Value, serde_json::Value)> = json["rows"]
            .as_array_mut()
            .unwrap()
            .iter()
            .map(|row| {
                let calls = &row["calls"];
                (row["name"].to_string(), calls["calls_total"].clone(), calls["calls_primitive"].clone())
            })
            .collect();
        counts.sort_by(|a, b| a.0.cmp(&b.0));
        counts
    };
    assert_eq!(view(&plain), view(&packed));
}

#[test]
fn bad_report_files_get_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    let recorded = record_taylor(&good, &["--calls"]);
    assert!(recorded.status.success(), "{}", text(&recorded).1);
    let bytes = std::fs::read(&good).unwrap();
    let write = |name: &str, content: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path
    };
    let report = |path: &Path| proftui(&["report", path.to_str().unwrap()]);
    assert_one_line_exit_2(&report(&dir.path().join("missing.json")), "no such report file");
    assert_one_line_exit_2(&report(&write("empty.json", b"")), "empty");
    assert_one_line_exit_2(&report(&write("half.json", &bytes[..bytes.len() / 2])), "truncated");
    assert_one_line_exit_2(&report(&write("text.json", b"hello world")), "not a proftui report");
    let newer = String::from_utf8(bytes.clone()).unwrap().replacen("\"version\":1", "\"version\":99", 1);
    assert_one_line_exit_2(&report(&write("newer.json", newer.as_bytes())), "newer proftui");
    assert_one_line_exit_2(&report(dir.path()), "is a directory");
}

#[test]
fn a_workload_that_crashes_saves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let faults = plugin("faults");
    let recorded =
        proftui(&["record", faults.to_str().unwrap(), "-w", "segfault", "-o", out.to_str().unwrap()]);
    let (_, stderr) = text(&recorded);
    assert_eq!(recorded.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.starts_with("proftui: error:")).count(), 1, "{stderr}");
    assert!(stderr.contains("SIGSEGV"), "{stderr}");
    assert!(!out.exists());
}
