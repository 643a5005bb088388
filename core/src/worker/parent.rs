//! The parent side: start a worker, relay its events, and turn however it
//! ended into a result or one clear line.

use super::child::EXIT_LOAD_FAILED;
use super::protocol::{Event, PassRequest, Task, WorkerSpec};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How to run a worker.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The executable to start as the worker: proftui itself.
    pub exe: PathBuf,
    /// The hidden subcommand that makes it a worker.
    pub subcommand: String,
    /// Kill the worker after this long. Default: no limit.
    pub timeout: Option<Duration>,
    /// Kill the worker once this becomes true (Ctrl-C, Esc). Default: never.
    pub cancel: Option<Arc<AtomicBool>>,
}

/// How a worker ended, when it did not end well.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("cannot start the worker process {exe}: {cause}")]
    Spawn { exe: PathBuf, cause: std::io::Error },
    #[error("{0}")]
    LoadFailed(String),
    #[error("{0}")]
    Failed(String),
    #[error("the worker crashed: {how}{}", stderr_suffix(.stderr_tail))]
    Crashed { how: String, stderr_tail: String },
    #[error("the worker overflowed its stack (deep or endless recursion) and was aborted")]
    StackOverflow { stderr_tail: String },
    #[error("timed out after {}; the worker was killed (raise --timeout if the workload needs longer)", crate::timing::human_seconds(.0.as_secs_f64()))]
    TimedOut(Duration),
    #[error("cancelled; the worker was killed")]
    Cancelled,
    #[error("the worker sent an unreadable message: {0}")]
    Protocol(String),
}

fn stderr_suffix(tail: &str) -> String {
    if tail.is_empty() { String::new() } else { format!("; its stderr ended with: {tail}") }
}

impl WorkerError {
    /// True when the user's input (the plugin file) was at fault, not the run.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, WorkerError::LoadFailed(_))
    }
}

/// The last few KiB a stream wrote.
struct Tail {
    bytes: VecDeque<u8>,
}

const TAIL_BYTES: usize = 8 * 1024;

impl Tail {
    /// The last non-empty lines, joined into one line of at most 300 chars.
    fn summary(&self) -> String {
        let text =
            String::from_utf8_lossy(self.bytes.iter().copied().collect::<Vec<_>>().as_slice()).into_owned();
        let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let joined = lines[lines.len().saturating_sub(3)..].join(" | ");
        let chars: Vec<char> = joined.chars().collect();
        match chars.len().checked_sub(300) {
            Some(cut) if cut > 0 => format!("…{}", chars[cut..].iter().collect::<String>()),
            _ => joined,
        }
    }
}

fn spawn_reader<R: Read + Send + 'static>(stream: R, tail: Arc<Mutex<Tail>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut stream = stream;
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = stream.read(&mut buf) {
            if let Ok(mut tail) = tail.lock() {
                tail.bytes.extend(&buf[..n]);
                let excess = tail.bytes.len().saturating_sub(TAIL_BYTES);
                tail.bytes.drain(..excess);
            }
        }
    })
}

/// Runs a worker to its end, calling `on_event` for every event as it
/// arrives (from this thread), and returns all events once the worker
/// exited cleanly.
///
/// Must be called from a thread that outlives the worker: the worker is
/// killed when the thread that started it exits.
pub fn run_worker(
    spec: &WorkerSpec,
    options: &RunOptions,
    mut on_event: impl FnMut(&Event),
) -> Result<Vec<Event>, WorkerError> {
    let request = serde_json::to_string(spec).map_err(|e| WorkerError::Protocol(e.to_string()))?;
    let mut child = Command::new(&options.exe)
        .arg(&options.subcommand)
        .arg(request)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group: a terminal's Ctrl-C reaches the parent,
        // which then decides what to kill.
        .process_group(0)
        .spawn()
        .map_err(|cause| WorkerError::Spawn { exe: options.exe.clone(), cause })?;

    let tail = Arc::new(Mutex::new(Tail { bytes: VecDeque::new() }));
    let stderr_reader = child.stderr.take().map(|s| spawn_reader(s, Arc::clone(&tail)));
    let (sender, events) = mpsc::channel();
    let stdout_reader = child.stdout.take().map(|stdout| {
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let parsed = line.map_err(|e| e.to_string()).and_then(|l| {
                    serde_json::from_str::<Event>(&l)
                        .map_err(|e| format!("{e} in `{}`", l.chars().take(80).collect::<String>()))
                });
                if sender.send(parsed).is_err() {
                    break;
                }
            }
        })
    });

    let started = Instant::now();
    let mut received = Vec::new();
    let mut protocol_error = None;
    let mut stopped: Option<WorkerError> = None;
    loop {
        match events.recv_timeout(Duration::from_millis(20)) {
            Ok(Ok(event)) => {
                on_event(&event);
                received.push(event);
                continue;
            }
            Ok(Err(problem)) => {
                protocol_error.get_or_insert(problem);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {}
        }
        if options.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
            stopped = Some(WorkerError::Cancelled);
        } else if let Some(limit) = options.timeout.filter(|limit| started.elapsed() >= *limit) {
            stopped = Some(WorkerError::TimedOut(limit));
        }
        if stopped.is_some() {
            // Killing an already-exited child fails harmlessly.
            let _ = child.kill();
            break;
        }
    }
    let status = child.wait();
    for reader in [stdout_reader, stderr_reader].into_iter().flatten() {
        // A reader thread only ends with its pipe; a panic there lost nothing we need.
        let _ = reader.join();
    }
    if let Some(stopped) = stopped {
        return Err(stopped);
    }
    let stderr_tail = tail.lock().map(|t| t.summary()).unwrap_or_default();
    classify(&spec.task, status, received, protocol_error, stderr_tail)
}

fn classify(
    task: &Task,
    status: std::io::Result<ExitStatus>,
    received: Vec<Event>,
    protocol_error: Option<String>,
    stderr_tail: String,
) -> Result<Vec<Event>, WorkerError> {
    for event in &received {
        match event {
            Event::LoadFailed(message) => return Err(WorkerError::LoadFailed(message.clone())),
            Event::Failed(message) => return Err(WorkerError::Failed(message.clone())),
            _ => {}
        }
    }
    let status = status.map_err(|e| WorkerError::Crashed {
        how: format!("cannot wait for it: {e}"),
        stderr_tail: String::new(),
    })?;
    if stderr_tail.contains("has overflowed its stack") {
        return Err(WorkerError::StackOverflow { stderr_tail });
    }
    if let Some(signal) = status.signal() {
        return Err(WorkerError::Crashed { how: describe_signal(signal, status.core_dumped()), stderr_tail });
    }
    match status.code() {
        Some(0) => match protocol_error {
            Some(problem) => Err(WorkerError::Protocol(problem)),
            // A plugin may call exit(0) in the middle of a run.
            None if !completes(task, &received) => Err(WorkerError::Crashed {
                how: "exited with status 0 before it finished (did the plugin call exit?)".into(),
                stderr_tail,
            }),
            None => Ok(received),
        },
        Some(EXIT_LOAD_FAILED) => {
            Err(WorkerError::LoadFailed(format!("the plugin failed to load: {stderr_tail}")))
        }
        Some(code) => Err(WorkerError::Crashed { how: format!("exited with status {code}"), stderr_tail }),
        None => Err(WorkerError::Crashed { how: "ended without an exit status".into(), stderr_tail }),
    }
}

/// True when `events` hold everything `task` asks for.
fn completes(task: &Task, events: &[Event]) -> bool {
    let finished = events.iter().filter(|e| matches!(e, Event::Finished(_))).count();
    match task {
        Task::Describe => events.iter().any(|e| matches!(e, Event::Described(_))),
        Task::Run { repeat, .. } => finished >= usize::try_from((*repeat).max(1)).unwrap_or(usize::MAX),
        Task::Check { .. } => finished >= 1,
        Task::Profile { pass: PassRequest::Bare { repeat }, .. } => {
            finished >= usize::try_from((*repeat).max(1)).unwrap_or(usize::MAX)
        }
        Task::Profile { .. } => events.iter().any(|e| matches!(e, Event::Profiled(_))),
    }
}

/// `killed by SIGSEGV (segmentation fault)`
fn describe_signal(signal: i32, core_dumped: bool) -> String {
    let name = nix::sys::signal::Signal::try_from(signal)
        .map_or_else(|_| format!("signal {signal}"), |s| s.as_str().to_string());
    let what = match name.as_str() {
        "SIGSEGV" => " (segmentation fault: invalid memory access)",
        "SIGABRT" => " (aborted)",
        "SIGBUS" => " (bus error)",
        "SIGFPE" => " (arithmetic error)",
        "SIGILL" => " (illegal instruction)",
        "SIGKILL" => " (killed)",
        "SIGTERM" => " (terminated)",
        _ => "",
    };
    let core = if core_dumped { ", core dumped" } else { "" };
    format!("killed by {name}{what}{core}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_summary_keeps_the_last_lines_on_one_line() {
        let tail = Tail { bytes: b"one\n\ntwo\nthree\nfour\n".iter().copied().collect() };
        assert_eq!(tail.summary(), "two | three | four");
    }

    #[test]
    fn an_exit_0_before_the_task_finished_is_not_a_success() {
        let exited_0 = || Ok(ExitStatus::from_raw(0));
        let run = Task::Check { name: "any".into() };
        let error = classify(&run, exited_0(), Vec::new(), None, String::new()).unwrap_err();
        assert!(error.to_string().contains("before it finished"), "{error}");
        let finished = vec![Event::Finished(Default::default())];
        assert_eq!(classify(&run, exited_0(), finished.clone(), None, String::new()).unwrap(), finished);
    }

    #[test]
    fn signals_are_named() {
        assert_eq!(
            describe_signal(11, false),
            "killed by SIGSEGV (segmentation fault: invalid memory access)"
        );
        assert_eq!(describe_signal(6, true), "killed by SIGABRT (aborted), core dumped");
    }
}
