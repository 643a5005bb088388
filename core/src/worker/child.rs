//! The worker side: load the plugin, do the task, stream events.

use super::protocol::{Event, NamedResult, ResultValue, RunRecord, Task, WorkerSpec};
use crate::params::{Invocation, ParamValue};
use crate::plugin::{LoadedPlugin, ParamKind, RunEvent, RunState};
use crate::timing::Timing;
use nix::sys::resource::{UsageWho, getrusage};
use proftui_plugin::ffi::pt_value;
use std::fs::File;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Exit code of a worker whose plugin failed to load.
pub const EXIT_LOAD_FAILED: i32 = 3;
/// Exit code of a worker whose run or check failed.
pub const EXIT_RUN_FAILED: i32 = 4;
/// Exit code of a worker that could not talk to its parent.
pub const EXIT_PROTOCOL: i32 = 5;

/// Progress is sent at most this often.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(50);

/// The event channel to the parent: the original stdout.
#[derive(Clone)]
pub(super) struct Channel {
    out: Arc<Mutex<File>>,
    /// When progress was last sent, shared by every run of the worker: a
    /// workload repeated a thousand times must not write a thousand times.
    last_progress: Arc<Mutex<Option<Instant>>>,
}

impl Channel {
    pub(super) fn send(&self, event: &Event) {
        self.send_all(std::slice::from_ref(event));
    }

    /// Sends `events` in one write: one wake-up of the parent for all.
    pub(super) fn send_all(&self, events: &[Event]) {
        let mut lines = String::new();
        for event in events {
            if let Ok(line) = serde_json::to_string(event) {
                lines.push_str(&line);
                lines.push('\n');
            }
        }
        if lines.is_empty() {
            return;
        }
        if let Ok(mut out) = self.out.lock() {
            // A parent that stopped listening will kill or reap us; there is
            // nobody left to tell about a failed write.
            let _ = out.write_all(lines.as_bytes());
        }
    }
}

/// Runs the worker for `spec_json` and returns the process exit code.
///
/// Moves the real stdout aside as the event channel and points fd 1 at
/// stderr, so anything the plugin prints cannot corrupt the protocol, and
/// asks the kernel to kill this process if the parent thread goes away.
pub fn worker_main(spec_json: &str) -> i32 {
    let Ok(channel) = nix::unistd::dup(std::io::stdout()).map(|fd| Channel {
        out: Arc::new(Mutex::new(File::from(fd))),
        last_progress: Arc::new(Mutex::new(None)),
    }) else {
        return EXIT_PROTOCOL;
    };
    if nix::unistd::dup2_stdout(std::io::stderr()).is_err() {
        return EXIT_PROTOCOL;
    }
    // If this fails the worker merely outlives a killed parent.
    let _ = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL);
    let spec: WorkerSpec = match serde_json::from_str(spec_json) {
        Ok(spec) => spec,
        Err(e) => {
            channel.send(&Event::LoadFailed(format!("bad worker request: {e}")));
            return EXIT_PROTOCOL;
        }
    };
    let plugin = match LoadedPlugin::load(&spec.plugin) {
        Ok(plugin) => plugin,
        Err(e) => {
            channel.send(&Event::LoadFailed(e.to_string()));
            return EXIT_LOAD_FAILED;
        }
    };
    let outcome = match spec.task {
        Task::Describe => {
            channel.send(&Event::Described(plugin.info().clone()));
            Ok(())
        }
        Task::Run { invocation, repeat } => run(&plugin, &invocation, repeat, &channel),
        Task::Check { name } => check(&plugin, &name, &channel),
        Task::Profile { invocation, pass } => super::passes::profile(&plugin, &invocation, &pass, &channel),
    };
    match outcome {
        Ok(()) => 0,
        Err(message) => {
            channel.send(&Event::Failed(message));
            EXIT_RUN_FAILED
        }
    }
}

/// Converts named values to the plugin's order and representation.
pub(super) fn values(
    plugin: &LoadedPlugin,
    invocation: &Invocation,
) -> Result<(usize, usize, Vec<pt_value>), String> {
    let (index, workload) = plugin
        .info()
        .workload(&invocation.workload)
        .ok_or_else(|| format!("no workload `{}`", invocation.workload))?;
    let variant = workload.variant(&invocation.variant).unwrap_or(0);
    let values = workload
        .params
        .iter()
        .map(|p| {
            let given = invocation.params.iter().find(|(n, _)| *n == p.name).map(|(_, v)| v);
            match (&p.kind, given) {
                (ParamKind::Int { .. }, Some(ParamValue::Int(v))) => {
                    Ok(pt_value { int_value: *v, float_value: 0.0 })
                }
                (ParamKind::Float { .. }, Some(ParamValue::Float(v))) => {
                    Ok(pt_value { int_value: 0, float_value: *v })
                }
                (ParamKind::Choice { choices, .. }, Some(ParamValue::Choice(v))) => choices
                    .iter()
                    .position(|c| c == v)
                    .and_then(|i| i64::try_from(i).ok())
                    .map(|i| pt_value { int_value: i, float_value: 0.0 })
                    .ok_or_else(|| format!("`{v}` is not a choice of `{}`", p.name)),
                _ => Err(format!("parameter `{}` is missing or of the wrong type", p.name)),
            }
        })
        .collect::<Result<_, String>>()?;
    Ok((index, variant, values))
}

/// Collects one run's results and forwards throttled progress.
fn run_state(channel: &Channel, repeat: u32, results: &Arc<Mutex<Vec<NamedResult>>>) -> RunState {
    let channel = channel.clone();
    let results = Arc::clone(results);
    RunState::new(move |event| match event {
        RunEvent::Progress(fraction) => {
            let Ok(mut last) = channel.last_progress.lock() else { return };
            if last.is_none_or(|t| t.elapsed() >= PROGRESS_INTERVAL) {
                *last = Some(Instant::now());
                channel.send(&Event::Progress { repeat, fraction });
            }
        }
        RunEvent::Number { name, value, unit } => record(&results, name, ResultValue::Number { value, unit }),
        RunEvent::Text { name, text } => record(&results, name, ResultValue::Text(text)),
    })
}

fn record(results: &Mutex<Vec<NamedResult>>, name: String, value: ResultValue) {
    if let Ok(mut results) = results.lock() {
        match results.iter_mut().find(|r| r.name == name) {
            Some(existing) => existing.value = value,
            None => results.push(NamedResult { name, value }),
        }
    }
}

/// Measures `body`: wall clock, and user/system CPU of the whole process.
fn timed<T>(body: impl FnOnce() -> T) -> (T, Timing) {
    let cpu = || {
        getrusage(UsageWho::RUSAGE_SELF).map_or((0.0, 0.0), |u| {
            let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 * 1e-6;
            (secs(u.user_time()), secs(u.system_time()))
        })
    };
    let (user0, sys0) = cpu();
    let start = Instant::now();
    let value = body();
    let wall_s = start.elapsed().as_secs_f64();
    let (user1, sys1) = cpu();
    (value, Timing { wall_s, user_s: user1 - user0, sys_s: sys1 - sys0 })
}

/// One call of the workload: timed, its results collected, its progress
/// forwarded as run number `index`.
pub(super) fn run_once(
    plugin: &LoadedPlugin,
    (workload, variant, values): &(usize, usize, Vec<pt_value>),
    index: u32,
    channel: &Channel,
) -> Result<RunRecord, String> {
    let results = Arc::new(Mutex::new(Vec::new()));
    let state = run_state(channel, index, &results);
    let (outcome, timing) = timed(|| plugin.run(*workload, *variant, values, &state));
    outcome.map_err(|f| f.0)?;
    let results = results.lock().map(|mut r| std::mem::take(&mut *r)).unwrap_or_default();
    Ok(RunRecord { timing, results })
}

fn run(plugin: &LoadedPlugin, invocation: &Invocation, repeat: u32, channel: &Channel) -> Result<(), String> {
    let call = values(plugin, invocation)?;
    for index in 0..repeat.max(1) {
        let record = run_once(plugin, &call, index, channel)?;
        channel.send(&Event::Finished(record));
    }
    Ok(())
}

fn check(plugin: &LoadedPlugin, name: &str, channel: &Channel) -> Result<(), String> {
    let index = plugin
        .info()
        .checks
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| format!("no check `{name}`"))?;
    let results = Arc::new(Mutex::new(Vec::new()));
    let state = run_state(channel, 0, &results);
    let (outcome, timing) = timed(|| plugin.check(index, &state));
    outcome.map_err(|f| f.0)?;
    let results = results.lock().map(|mut r| std::mem::take(&mut *r)).unwrap_or_default();
    channel.send(&Event::Finished(RunRecord { timing, results }));
    Ok(())
}
