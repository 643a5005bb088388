//! The command line on the real bundled plugins.
#![allow(clippy::unwrap_used, reason = "test helpers: a failed unwrap is a failed test")]

use proftui_tests::{plugin, proftui, text};

#[test]
fn list_shows_workloads_variants_and_parameters() {
    let out = proftui(&["list", plugin("simul").to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    for expected in [
        "workload benchmark",
        "workload memory",
        "naive",
        "tuned",
        "soa",
        "parallel",
        "exact",
        "npart",
        "default 100",
        "1..=100000000",
        "dict|boxed|inline|soa",
    ] {
        assert!(stdout.contains(expected), "`{expected}` missing from:\n{stdout}");
    }
}

#[test]
fn list_as_json_describes_every_bundled_plugin() {
    for (name, workloads) in [
        ("simul", &["benchmark", "memory"][..]),
        ("taylor", &["benchmark", "exp", "sin"]),
        ("counters", &["count", "sum_squares", "queue", "sorted_insert", "shared_counter"]),
        ("pi", &["estimate"]),
    ] {
        let out = proftui(&["list", plugin(name).to_str().unwrap(), "--format", "json"]);
        assert!(out.status.success(), "{}", text(&out).1);
        let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(info["name"], name);
        let names: Vec<&str> =
            info["workloads"].as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap()).collect();
        assert_eq!(names, workloads, "{name}");
    }
}

#[test]
fn check_passes_for_every_bundled_plugin() {
    for (name, checks) in [("simul", 7), ("taylor", 3), ("counters", 5), ("pi", 5)] {
        let out = proftui(&["check", plugin(name).to_str().unwrap()]);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(0), "{name}:\n{stdout}{stderr}");
        assert!(stdout.contains(&format!("{checks} passed, 0 failed")), "{name}:\n{stdout}");
        assert_eq!(stdout.matches("  pass  ").count(), checks, "{name}:\n{stdout}");
    }
}

fn run_json(args: &[&str]) -> serde_json::Value {
    let out = proftui(args);
    assert!(out.status.success(), "{}", text(&out).1);
    serde_json::from_slice(&out.stdout).unwrap()
}

fn number(run: &serde_json::Value, name: &str) -> f64 {
    run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .and_then(|r| r["value"]["number"]["value"].as_f64())
        .unwrap_or_else(|| panic!("no numeric result `{name}` in {run}"))
}

#[test]
fn every_stepped_simul_variant_ends_in_the_same_place() {
    let simul = plugin("simul");
    let mut sums = Vec::new();
    for variant in ["naive", "tuned", "soa", "parallel"] {
        let report = run_json(&[
            "run",
            simul.to_str().unwrap(),
            "-w",
            "benchmark",
            "-V",
            variant,
            "-p",
            "dt=0.01",
            "--format",
            "json",
        ]);
        assert_eq!(report["invocation"]["variant"], variant);
        let run = &report["runs"][0];
        assert_eq!(number(run, "particles"), 100.0);
        assert_eq!(number(run, "steps"), 1000.0);
        sums.push((variant, number(run, "x_sum"), number(run, "y_sum")));
    }
    for (variant, x, y) in &sums[1..] {
        assert!((x - sums[0].1).abs() < 1e-9 && (y - sums[0].2).abs() < 1e-9, "{variant}: {sums:?}");
    }
}

#[test]
fn repeat_reports_every_run_and_the_spread() {
    let taylor = plugin("taylor");
    let report = run_json(&["run", taylor.to_str().unwrap(), "--repeat", "3", "--format", "json"]);
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    for run in runs {
        assert!(run["timing"]["wall_s"].as_f64().unwrap() > 0.0);
        assert_eq!(number(run, "factorial_calls"), 188_000.0);
    }
    let out = proftui(&["run", taylor.to_str().unwrap(), "--repeat", "3"]);
    let (stdout, _) = text(&out);
    assert!(stdout.contains("time over 3 runs") && stdout.contains("median"), "{stdout}");
    for row in ["wall", "user", "sys"] {
        assert!(stdout.lines().any(|l| l.trim_start().starts_with(row)), "no {row} row in:\n{stdout}");
    }
}

#[test]
fn load_builds_a_missing_workspace_plugin_and_runs_it() {
    // Run from the workspace root, where plugins/simul.so never exists.
    assert!(!proftui_tests::workspace().join("plugins/simul.so").exists());
    let out = proftui(&["load", "plugins/simul.so"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("plugins/simul.so does not exist; building it from plugins/simul"), "{stderr}");
    assert!(stdout.starts_with("simul · benchmark · naive"), "{stdout}");
    assert!(stdout.contains("time  wall"), "{stdout}");
}

#[test]
fn completions_are_generated_for_bash() {
    let out = proftui(&["completions", "bash"]);
    let (stdout, _) = text(&out);
    assert!(out.status.success());
    for word in ["list", "run", "check", "load", "--workload", "--param", "--repeat"] {
        assert!(stdout.contains(word), "`{word}` missing from the completion script");
    }
    assert!(!stdout.contains("__worker"), "the hidden worker subcommand leaks into completions");
}
