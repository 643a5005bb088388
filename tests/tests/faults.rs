//! Crash isolation: every way the `faults` plugin misbehaves, run through
//! the real binary. proftui itself must survive, exit 1 (130 when the user
//! cancels), say what happened in one line, and leave no worker behind.

use proftui_tests::{plugin, proftui, release_dir, text};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// Generous bound for a run that should take milliseconds; only a hang or
/// a missed crash comes near it.
const FAST: Duration = Duration::from_secs(10);

/// Runs `proftui run <faults> -w <workload> <extra…>`, returning the output
/// and how long it took (the build is done before the clock starts).
fn run_fault(workload: &str, extra: &[&str]) -> (Output, Duration) {
    let faults = plugin("faults");
    let mut args = vec!["run", faults.to_str().expect("utf-8 path"), "-w", workload];
    args.extend_from_slice(extra);
    let started = Instant::now();
    let output = proftui(&args);
    (output, started.elapsed())
}

/// Asserts proftui exited by itself with `code` (not killed by a signal)
/// and returns its one stderr line, which must start `proftui: error:`.
fn one_error_line(output: &Output, code: i32) -> String {
    let (stdout, stderr) = text(output);
    assert_eq!(
        output.status.code(),
        Some(code),
        "status {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one stderr line, got:\n{stderr}");
    assert!(lines[0].starts_with("proftui: error: "), "{stderr}");
    lines[0].to_string()
}

fn assert_fast(elapsed: Duration) {
    assert!(elapsed < FAST, "took {elapsed:?}");
}

#[test]
fn ok_is_the_control() {
    let (output, elapsed) = run_fault("ok", &[]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("answer") && stdout.contains("42"), "{stdout}");
    assert_fast(elapsed);
}

#[test]
fn an_error_is_reported_with_its_message() {
    let (output, elapsed) = run_fault("fail", &[]);
    let line = one_error_line(&output, 1);
    assert!(line.contains("the fault plugin failed on purpose"), "{line}");
    assert_fast(elapsed);
}

#[test]
fn a_panic_is_reported_with_its_message() {
    let (output, elapsed) = run_fault("panic", &[]);
    let line = one_error_line(&output, 1);
    assert!(line.contains("panicked"), "{line}");
    assert!(line.contains("the fault plugin panicked on purpose"), "{line}");
    assert_fast(elapsed);
}

#[test]
fn an_abort_is_reported_as_sigabrt() {
    let (output, elapsed) = run_fault("abort", &[]);
    let line = one_error_line(&output, 1);
    assert!(line.contains("SIGABRT") && line.contains("abort"), "{line}");
    assert_fast(elapsed);
}

#[test]
fn a_segfault_is_reported_as_sigsegv() {
    let (output, elapsed) = run_fault("segfault", &[]);
    let line = one_error_line(&output, 1);
    assert!(line.contains("SIGSEGV"), "{line}");
    assert_fast(elapsed);
}

#[test]
fn a_stack_overflow_is_reported_as_one() {
    let (output, elapsed) = run_fault("stack_overflow", &[]);
    let line = one_error_line(&output, 1);
    assert!(line.contains("stack") && line.contains("overflow"), "{line}");
    assert_fast(elapsed);
}

#[test]
fn an_exit_is_reported_with_its_status() {
    let (output, elapsed) = run_fault("exit", &[]);
    let line = one_error_line(&output, 1);
    assert!(line.contains("status 7"), "{line}");
    assert_fast(elapsed);
}

/// Regression: a worker that exited 0 in the middle of a run was taken for
/// a successful run with no results and no timing.
#[test]
fn regression_an_exit_0_in_the_middle_of_a_run_is_not_a_success() {
    let (output, elapsed) = run_fault("exit", &["-p", "status=0"]);
    let line = one_error_line(&output, 1);
    assert!(line.contains("status 0") && line.contains("before it finished"), "{line}");
    assert_fast(elapsed);
}

#[test]
fn check_reports_every_crashing_check_and_goes_on() {
    let faults = plugin("faults");
    let started = Instant::now();
    let output = proftui(&["check", faults.to_str().expect("utf-8 path")]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "stdout:\n{stdout}\nstderr:\n{stderr}");
    let line_of = |check: &str| {
        stdout.lines().find(|l| l.contains(check)).unwrap_or_else(|| panic!("no line for {check}:\n{stdout}"))
    };
    for (check, verdict, why) in [
        ("segfaults", "FAIL", "SIGSEGV"),
        ("panics", "FAIL", "the fault plugin panicked on purpose"),
        ("exits_early", "FAIL", "status 0"),
        ("fails", "FAIL", "the fault plugin failed on purpose"),
        ("passes", "pass", "the control"),
    ] {
        let line = line_of(check);
        assert!(line.contains(verdict) && line.contains(why), "{line}");
    }
    assert!(stdout.contains("1 passed, 4 failed"), "{stdout}");
    assert_fast(started.elapsed());
}

#[test]
fn an_endless_loop_times_out() {
    let (output, elapsed) = run_fault("endless", &["--timeout", "1"]);
    let line = one_error_line(&output, 1);
    assert!(line.contains("timed out"), "{line}");
    assert!(elapsed >= Duration::from_secs(1), "gave up after {elapsed:?}, before the timeout");
    assert_fast(elapsed);
}

#[test]
fn plugin_output_cannot_corrupt_the_protocol() {
    let (output, elapsed) = run_fault("print", &[]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("printed_lines"), "results missing:\n{stdout}");
    // The plugin's own output goes to the worker's captured stderr, never
    // to the event channel nor to proftui's stdout.
    assert!(!stdout.contains("noise from the plugin"), "{stdout}");
    assert!(stderr.is_empty(), "{stderr}");
    assert_fast(elapsed);
}

#[test]
fn a_slow_workload_reporting_progress_finishes() {
    let (output, elapsed) = run_fault("slow", &["-p", "steps=20"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("steps") && stdout.contains("20"), "{stdout}");
    assert_fast(elapsed);
}

/// Process ids other than `except` whose command line contains `needle`.
fn processes_mentioning(needle: &str, except: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != except)
        .filter(|pid| {
            // A process may end while we look; a zombie's cmdline is empty.
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains(needle))
        })
        .collect()
}

/// Waits up to `limit` for `condition`, polling.
fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    condition()
}

fn wait_with_limit(child: &mut Child, limit: Duration) -> ExitStatus {
    let mut status = None;
    let ended = wait_until(limit, || {
        status = child.try_wait().expect("try_wait works");
        status.is_some()
    });
    if !ended {
        // Best effort: the test fails below either way.
        let _ = child.kill();
        let _ = child.wait();
        panic!("proftui did not exit within {limit:?} of the signal");
    }
    status.expect("set when ended")
}

/// Starts `endless` through a symlink of its own, so this test's worker is
/// recognisable among the processes other tests start; sends `signal` once
/// the worker runs, and checks proftui says it was cancelled, exits 130 and
/// leaves no worker behind.
fn signal_cancels_the_run(signal: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let link: PathBuf = dir.path().join(format!("libfaults_{}.so", signal.to_lowercase()));
    std::os::unix::fs::symlink(plugin("faults"), &link).expect("symlink");
    let needle = link.to_str().expect("utf-8 path").to_string();
    // The timeout only ends everything should this test fail half-way.
    let mut child = Command::new(release_dir().join("proftui"))
        .args(["run", &needle, "-w", "endless", "--timeout", "60"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("proftui starts");
    // proftui's own command line names the plugin too.
    let proftui_pid = child.id();

    // The run's worker (not the one that describes the plugin) carries the
    // invocation in its arguments. Once it exists, proftui has installed its
    // signal handlers.
    let running = wait_until(FAST, || {
        processes_mentioning(&needle, proftui_pid).iter().any(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains("endless"))
        })
    });
    if !running {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the endless worker never started");
    }
    std::thread::sleep(Duration::from_millis(500));
    let workers = processes_mentioning(&needle, proftui_pid);
    assert_eq!(workers.len(), 1, "expected one worker, found {workers:?}");

    let sent = Instant::now();
    let kill =
        Command::new("kill").args(["-s", signal, &proftui_pid.to_string()]).status().expect("kill runs");
    assert!(kill.success(), "kill -s {signal} failed");
    let status = wait_with_limit(&mut child, Duration::from_secs(5));
    let output = Output { status, stdout: Vec::new(), stderr: read_all(child.stderr.take()) };
    let line = one_error_line(&output, 130);
    assert!(line.contains("cancelled"), "{line}");
    assert!(sent.elapsed() < Duration::from_secs(5));

    // proftui reaps its worker before it exits: nothing may be left, not
    // even for a moment.
    let left = processes_mentioning(&needle, proftui_pid);
    assert!(left.is_empty(), "worker processes left behind: {left:?}");
    assert!(!Path::new(&format!("/proc/{}", workers[0])).exists(), "worker {} still exists", workers[0]);
}

fn read_all(stream: Option<impl std::io::Read>) -> Vec<u8> {
    let mut bytes = Vec::new();
    if let Some(mut stream) = stream {
        stream.read_to_end(&mut bytes).expect("stderr readable");
    }
    bytes
}

#[test]
fn ctrl_c_cancels_an_endless_run_and_kills_its_worker() {
    signal_cancels_the_run("INT");
}

#[test]
fn sigterm_cancels_an_endless_run_and_kills_its_worker() {
    signal_cancels_the_run("TERM");
}
