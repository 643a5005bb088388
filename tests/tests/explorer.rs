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
    assert!(pty.text().contains("calls exact"), "{}", pty.text());
    pty.send("/taylor_sin\r");
    pty.wait_for("taylor · benchmark", WAIT);
    pty.send("\r");
    pty.wait_for("focus: taylor::taylor_sin", WAIT);
    pty.send("?");
    pty.wait_for("keys of the flat view", WAIT);
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
