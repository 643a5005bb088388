//! The command line on the real simul plugin.

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
    ] {
        assert!(stdout.contains(expected), "`{expected}` missing from:\n{stdout}");
    }
}

#[test]
fn check_passes_for_simul() {
    let out = proftui(&["check", plugin("simul").to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("7 passed, 0 failed"), "{stdout}");
}
