//! The explorer in a real pseudo-terminal: the real binary, a report the
//! real recorder made, keys typed, the screen read back.
#![allow(clippy::unwrap_used, reason = "test code: a failed unwrap is a failed test")]

use proftui_tests::pty::Pty;
use proftui_tests::{plugin, proftui, release_dir, text};
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

/// A taylor report with all passes (few samples, to stay quick).
fn taylor_report(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("taylor.json");
    let taylor = plugin("taylor");
    let recorded =
        proftui(&["record", taylor.to_str().unwrap(), "--min-samples", "50", "-o", out.to_str().unwrap()]);
    assert!(recorded.status.success(), "{}", text(&recorded).1);
    out
}

fn open(report: &Path) -> Pty {
    Pty::spawn(&release_dir().join("proftui"), &["open", report.to_str().unwrap()], 120, 30, &[])
}

fn assert_restored(pty: &Pty) {
    pty.with_screen(|screen| {
        assert!(!screen.alternate_screen(), "still on the alternate screen");
        assert!(!screen.hide_cursor(), "the cursor is still hidden");
        assert_eq!(
            screen.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "mouse reporting is still on"
        );
    });
}

#[test]
fn open_search_and_quit_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let report = taylor_report(dir.path());
    let mut pty = open(&report);
    pty.wait_for("flat profile", WAIT);
    pty.wait_for("taylor::factorial", WAIT);
    // The status line is the last row a frame writes.
    pty.wait_for("calls exact", WAIT);
    pty.send("/taylor_sin\r");
    pty.wait_for("taylor · benchmark", WAIT);
    pty.send("\r");
    pty.wait_for("focus: taylor::taylor_sin", WAIT);
    pty.send("?");
    pty.wait_for("keys of the callers/callees view", WAIT);
    pty.send(" ");
    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), Some(0), "{}", pty.text());
    assert_restored(&pty);
}

#[test]
fn sigterm_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let report = taylor_report(dir.path());
    let mut pty = open(&report);
    pty.wait_for("flat profile", WAIT);
    let killed = std::process::Command::new("kill").args(["-TERM", &pty.pid().to_string()]).status().unwrap();
    assert!(killed.success());
    assert!(pty.wait_exit(WAIT).is_some(), "proftui did not exit on SIGTERM");
    assert_restored(&pty);
}

#[test]
fn a_bad_report_is_one_line_and_leaves_the_terminal_alone() {
    let mut pty =
        Pty::spawn(&release_dir().join("proftui"), &["open", "/nonexistent/report.json"], 100, 10, &[]);
    assert_eq!(pty.wait_exit(WAIT), Some(2), "{}", pty.text());
    let screen = pty.text();
    assert!(screen.contains("proftui: error: /nonexistent/report.json: no such report file"), "{screen}");
    assert_restored(&pty);
}

#[test]
fn from_the_flat_profile_to_callers_tree_and_lines_of_factorial() {
    let dir = tempfile::tempdir().unwrap();
    let report = taylor_report(dir.path());
    let mut pty = open(&report);
    pty.wait_for("flat profile", WAIT);
    // Go to factorial and to its callers: the exact counts of the definitions.
    pty.send("/factorial\r");
    pty.send("\r");
    pty.wait_for("callers (", WAIT);
    // The status line is the last row a frame writes: the frame is whole.
    pty.wait_for("focus: taylor::factorial", WAIT);
    let screen = pty.text();
    assert!(screen.contains("taylor::factorial"), "{screen}");
    let caller = |name: &str| {
        screen
            .lines()
            .find(|l| l.contains(name) && !l.contains("(recursive)"))
            .unwrap_or_default()
            .to_string()
    };
    assert!(caller("taylor::taylor_exp").contains(" 500 "), "{screen}");
    assert!(caller("taylor::taylor_sin").contains(" 250 "), "{screen}");
    assert!(screen.contains("188000 calls (750 primitive)"), "{screen}");
    // The tree, with the hottest path expanded.
    pty.send("3");
    pty.wait_for("top-down", WAIT);
    pty.send("e");
    pty.wait_for("▾ taylor::factorial", WAIT);
    // Back to the callers view along the history, then the line table.
    pty.send("2");
    pty.wait_for("callers (", WAIT);
    pty.send("L");
    pty.wait_for("hottest line", WAIT);
    // The source text was captured at record time.
    pty.wait_for("n as f64 * factorial(black_box", WAIT);
    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), Some(0), "{}", pty.text());
    assert_restored(&pty);
}

#[test]
fn a_run_from_the_run_panel_finishes_and_shows_its_profile() {
    let taylor = plugin("taylor");
    let mut pty =
        Pty::spawn(&release_dir().join("proftui"), &["load", taylor.to_str().unwrap()], 120, 30, &[]);
    pty.wait_for("workload  ‹ benchmark ›", WAIT);
    pty.send("\r");
    pty.wait_for("bare:", WAIT);
    pty.wait_for("recorded in", Duration::from_secs(120));
    pty.wait_for("taylor::factorial", WAIT);
    pty.wait_for("flat profile", WAIT);
    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), Some(0), "{}", pty.text());
    assert_restored(&pty);
}

#[test]
fn a_crashing_workload_leaves_the_explorer_running() {
    let faults = plugin("faults");
    let mut pty =
        Pty::spawn(&release_dir().join("proftui"), &["load", faults.to_str().unwrap()], 140, 30, &[]);
    pty.wait_for("workload  ‹ ok ›", WAIT);
    // ok → fail → panic → abort → segfault
    pty.send("llll");
    pty.wait_for("workload  ‹ segfault ›", WAIT);
    pty.send("\r");
    pty.wait_for("run failed", Duration::from_secs(120));
    pty.wait_for("SIGSEGV", WAIT);
    // Still alive: another workload runs fine afterwards.
    pty.send("hhhh");
    pty.wait_for("workload  ‹ ok ›", WAIT);
    pty.send("\r");
    pty.wait_for("recorded in", Duration::from_secs(120));
    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), Some(0), "{}", pty.text());
    assert_restored(&pty);
}

#[test]
fn every_view_draws_at_80x24_and_no_color_means_no_colour() {
    let dir = tempfile::tempdir().unwrap();
    let report = taylor_report(dir.path());
    let mut pty = Pty::spawn(
        &release_dir().join("proftui"),
        &["open", report.to_str().unwrap()],
        80,
        24,
        &[("NO_COLOR", "1")],
    );
    pty.wait_for("flat profile", WAIT);
    pty.wait_for("calls exact", WAIT);
    let captions = [
        "callers (",
        "top-down",
        "bottom-up",
        "no focus yet",
        "allocation sites",
        "inclusive cpu",
        "callees of",
    ];
    for caption in captions {
        pty.send("\t");
        pty.wait_for(caption, WAIT);
        pty.wait_for("calls exact", WAIT);
        pty.with_screen(|screen| {
            for row in 0..24 {
                for col in 0..80 {
                    let cell = screen.cell(row, col).unwrap();
                    assert_eq!(
                        (cell.fgcolor(), cell.bgcolor()),
                        (vt100::Color::Default, vt100::Color::Default),
                        "colour at {row},{col} with NO_COLOR set, view `{caption}`:\n{}",
                        screen.contents()
                    );
                }
            }
        });
    }
    pty.send("\t");
    pty.wait_for("flat profile", WAIT);
    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), Some(0), "{}", pty.text());
    assert_restored(&pty);
}

/// A simul benchmark report of `variant` (cpu and calls passes, few samples).
fn simul_report(dir: &Path, variant: &str) -> std::path::PathBuf {
    let out = dir.join(format!("{variant}.json"));
    let simul = plugin("simul");
    let recorded = proftui(&[
        "record",
        simul.to_str().unwrap(),
        "-V",
        variant,
        "-p",
        "npart=40",
        "-p",
        "dt=0.02",
        "--cpu",
        "--calls",
        "--min-samples",
        "100",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(recorded.status.success(), "{}", text(&recorded).1);
    out
}

#[test]
fn diff_mode_compares_two_variants_in_every_view() {
    let dir = tempfile::tempdir().unwrap();
    let (naive, tuned) = (simul_report(dir.path(), "naive"), simul_report(dir.path(), "tuned"));
    let mut pty = Pty::spawn(
        &release_dir().join("proftui"),
        &["diff", naive.to_str().unwrap(), tuned.to_str().unwrap()],
        120,
        30,
        &[],
    );
    // The compare view: both runs, and evolve matched across the variants'
    // modules (simul::naive::evolve against simul::tuned::evolve).
    pty.wait_for("new  simul · benchmark · tuned", WAIT);
    pty.wait_for("calls exact", WAIT);
    let screen = pty.text();
    assert!(screen.contains("base simul · benchmark · naive"), "{screen}");
    assert!(screen.contains("simul::*::evolve"), "{screen}");
    assert!(screen.contains(" 1 compare "), "{screen}");
    // The flat view in diff mode: evolve's calls are the same in both
    // variants (one call per run), so its Δ calls is 0.
    pty.send("2");
    pty.wait_for("flat diff against simul · benchmark · naive", WAIT);
    pty.wait_for("calls exact", WAIT);
    let screen = pty.text();
    let evolve = screen.lines().find(|l| l.trim_end().ends_with(" simul::tuned::evolve")).unwrap_or_default();
    assert!(evolve.contains(" 0 "), "{screen}");
    // No thread filter in diff mode: `t` says why.
    pty.send("t");
    pty.wait_for("no thread filter in diff mode", WAIT);
    pty.send("q");
    assert_eq!(pty.wait_exit(WAIT), Some(0), "{}", pty.text());
    assert_restored(&pty);
}
