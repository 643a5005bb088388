//! CPU sampling: a clock interrupts a thread every period of CPU time, the
//! handler records its stack, and after the stop every sample is
//! symbolised into frames with file and line, inline frames expanded.
//! Samples are kept one by one, with thread and time: nothing is
//! aggregated here.
//!
//! Two clocks ([`SampleClock`]): per-thread perf events (`task-clock`,
//! high-resolution timers, the rate asked is the rate delivered, each
//! thread interrupted by its own CPU time; see [`perf`]), and where those
//! cannot be opened the process' profiling timer (`ITIMER_PROF`, checked
//! once per scheduler tick).
//!
//! The third room where proftui uses `unsafe` (after the plugin SDK and the
//! loader): a signal handler, `sigaction`, `perf_event_open`, `setitimer`
//! and reading the interrupted context cannot be written without it. pprof-rs does the same
//! thing but aggregates in the handler by each frame's enclosing function,
//! keeping only the first sample's addresses and timestamp for a stack:
//! every line but one of a hot function is lost (measured: 750 samples in a
//! function with two hot lines came back as one line). The unsafe code is
//! confined to `signal`, but for one `dladdr` in `symbolise`.
//!
//! Linux only (x86_64 and aarch64): the handler reads the interrupted
//! program counter from the signal context to cut its own frames off.

mod perf;
mod signal;
mod symbolise;
#[cfg(test)]
mod tests;
mod wait;

use super::Frame;
use serde::{Deserialize, Serialize};

/// Functions of the sampler itself. The handler's own frames are cut off in
/// the handler; these can only appear in a sample that interrupted the
/// thread starting or stopping the sampler, which is then not kept.
const OWN_PREFIXES: &[&str] =
    &[concat!(module_path!(), "::signal::"), concat!(module_path!(), "::Sampler::")];

/// The sampling frequency asked by default. Perf events deliver what is
/// asked, and each sample costs about 20 µs of CPU time on a shallow stack
/// here (the timer interrupt a perf sample needs is dear in a VM): 397 Hz
/// keeps the cpu pass under 1% overhead on shallow stacks. The timer
/// delivers one per tick at most (250 Hz here) whatever is asked over
/// that. A prime, so a workload with a round period does not run in step
/// with the samples.
pub const DEFAULT_FREQUENCY_HZ: i32 = 397;

/// What interrupted the threads to take the samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleClock {
    /// The process' profiling timer: `SIGPROF` to whichever thread runs
    /// when the kernel's tick finds the interval spent (at most one per
    /// tick of each CPU: 250 Hz here). Samples cover user and kernel time.
    /// Reports from before perf events were used all had this clock.
    #[default]
    ItimerProf,
    /// Per-thread perf `task-clock` events: `SIGTRAP` to a thread every
    /// period of its own CPU time in user space, on high-resolution timers.
    /// Samples cover user time only (the kernel's is not allowed at
    /// `perf_event_paranoid` 2).
    PerfTaskClock,
}

impl SampleClock {
    /// For people: what the clock is, in a few words.
    pub fn describe(self) -> &'static str {
        match self {
            SampleClock::ItimerProf => "ITIMER_PROF, tick-driven",
            SampleClock::PerfTaskClock => "perf task-clock, user time",
        }
    }
}

/// Which clock to sample with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockChoice {
    /// Perf events where they open, else the profiling timer.
    #[default]
    Auto,
    /// Perf events or an error.
    Perf,
    /// The profiling timer.
    Timer,
}

/// How to sample.
#[derive(Debug, Clone, PartialEq)]
pub struct CpuOptions {
    /// Samples asked per second of CPU time. Default
    /// [`DEFAULT_FREQUENCY_HZ`]. The perf clock
    /// delivers that; the profiling timer at most one per tick of each CPU
    /// (CONFIG_HZ, 250 here), so asking more of it gets the tick rate: see
    /// [`CpuData::achieved_hz`].
    pub frequency_hz: i32,
    /// Samples kept; later ones are counted in [`CpuData::dropped`].
    /// Default 100 000 (400 s at 250 Hz), about 5 MB.
    pub capacity: usize,
    /// Return addresses kept over all samples, 8 bytes each; the memory is
    /// reserved at the start and committed as samples fill it. Default
    /// 8 Mi frames (64 MiB): 15 000 samples of 500-deep stacks.
    pub frame_capacity: usize,
    /// Default: perf events where they open.
    pub clock: ClockChoice,
}

impl Default for CpuOptions {
    fn default() -> Self {
        Self {
            frequency_hz: DEFAULT_FREQUENCY_HZ,
            capacity: 100_000,
            frame_capacity: 8 << 20,
            clock: ClockChoice::Auto,
        }
    }
}

/// Why sampling could not start.
#[derive(Debug, thiserror::Error)]
pub enum CpuError {
    #[error("a cpu sampler is already running in this process; only one can run at a time")]
    AlreadyRunning,
    #[error("the profiling timer (ITIMER_PROF) is already in use in this process by another profiler")]
    TimerBusy,
    #[error("sampling frequency {0} Hz is out of range; use 1 to 1000000")]
    Frequency(i32),
    #[error("sample capacity {capacity} and frame capacity {frame_capacity} must both be at least 1")]
    Capacity { capacity: usize, frame_capacity: usize },
    #[error("cannot install the SIGPROF handler: {0}")]
    Handler(nix::Error),
    #[error("cannot set the profiling timer: {0}")]
    Timer(std::io::Error),
    #[error(
        "cannot open perf task-clock events ({0}); they need Linux 5.13 or later and \
         kernel.perf_event_paranoid at 2 or less, or sample with the profiling timer instead"
    )]
    Perf(std::io::Error),
    #[error("cpu sampling needs Linux on x86_64 or aarch64")]
    Unsupported,
}

/// What a sampling session saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CpuData {
    pub clock: SampleClock,
    pub requested_hz: f64,
    /// Signals delivered per second of sampled CPU time over the session:
    /// the rate every sample count rests on.
    pub achieved_hz: f64,
    /// The CPU time (all threads) the samples cover between the start and
    /// the stop: all of it with the profiling timer, the user part with
    /// perf events.
    pub cpu_seconds: f64,
    /// CPU time the clock could not sample: with perf events, the time in
    /// the kernel (the kernel's own split of the process' CPU time); `None`
    /// for the profiling timer, which samples it.
    pub unsampled_seconds: Option<f64>,
    pub wall_seconds: f64,
    /// Time the process' threads spent ready to run but waiting for a CPU
    /// (the kernel's run delay) between the start and the stop; `None`
    /// where the kernel does not keep it. A large share of
    /// [`CpuData::wall_seconds`] means a busy machine, on which tick-driven
    /// samples are spread less evenly over the CPU time.
    pub wait_seconds: Option<f64>,
    /// Samples lost because the buffer was full, or taken inside the
    /// sampler's own start or stop.
    pub dropped: u64,
    /// In the order they were taken.
    pub samples: Vec<CpuSample>,
}

/// One interrupted stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CpuSample {
    /// The kernel's thread id (`gettid`).
    pub thread_id: u64,
    /// The thread's name when sampled (at most 15 bytes: the kernel's).
    pub thread_name: String,
    /// Since the start, on the monotonic clock.
    pub time_ns: u64,
    /// Root first, the interrupted function last, inline frames expanded;
    /// the program's and the thread's start-up frames are left out.
    pub frames: Vec<Frame>,
    /// The stack was deeper than 1024 frames: the root end is missing.
    pub truncated: bool,
}

/// A running sampler; [`Sampler::stop`] ends it and returns the samples.
/// Dropping it stops it and discards them.
pub struct Sampler {
    session: signal::Session,
    requested_hz: f64,
    /// Each thread's run-queue wait at the start.
    waits_at_start: Option<std::collections::HashMap<u64, u64>>,
}

impl Sampler {
    /// Installs the signal handler and starts the clock: perf events on
    /// every thread where they open (and [`CpuOptions::clock`] allows),
    /// else the process' profiling timer.
    ///
    /// Load every plugin *before* this, and before anything in the process
    /// symbolises a backtrace: the symboliser reads the list of loaded
    /// libraries once, at its first lookup, and a library loaded later is
    /// never symbolised (its samples come back as bare addresses). Starting
    /// does not symbolise; [`Sampler::stop`] does.
    ///
    /// Only one sampler can run in a process at a time.
    pub fn start(options: &CpuOptions) -> Result<Self, CpuError> {
        if !(1..=1_000_000).contains(&options.frequency_hz) {
            return Err(CpuError::Frequency(options.frequency_hz));
        }
        if options.capacity == 0 || options.frame_capacity == 0 {
            return Err(CpuError::Capacity {
                capacity: options.capacity,
                frame_capacity: options.frame_capacity,
            });
        }
        let waits_at_start = wait::per_thread_ns();
        let session = signal::Session::start(
            options.frequency_hz,
            options.capacity,
            options.frame_capacity,
            options.clock,
        )?;
        Ok(Self { session, requested_hz: f64::from(options.frequency_hz), waits_at_start })
    }

    /// The clock the samples come from.
    pub fn clock(&self) -> SampleClock {
        self.session.clock()
    }

    /// Samples taken so far; cheap enough to ask between runs.
    pub fn samples_taken(&self) -> u64 {
        self.session.samples_recorded()
    }

    /// Stops the clock, restores the previous signal action and symbolises
    /// the samples.
    pub fn stop(mut self) -> CpuData {
        let recorded = self.session.stop();
        let waited = match (&self.waits_at_start, wait::per_thread_ns()) {
            (Some(start), Some(stop)) => Some(wait::between(start, &stop) as f64 / 1e9),
            _ => None,
        };
        let Some(recorded) = recorded else {
            return CpuData {
                clock: self.session.clock(),
                requested_hz: self.requested_hz,
                achieved_hz: 0.0,
                cpu_seconds: 0.0,
                unsampled_seconds: None,
                wall_seconds: 0.0,
                wait_seconds: None,
                dropped: 0,
                samples: Vec::new(),
            };
        };
        let mut symboliser = symbolise::Symboliser::default();
        let mut dropped = recorded.dropped;
        let mut samples = Vec::with_capacity(recorded.samples.len());
        for raw in &recorded.samples {
            let Some(frames) = symboliser.stack(raw) else {
                dropped += 1;
                continue;
            };
            samples.push(CpuSample {
                thread_id: raw.thread_id,
                thread_name: raw.thread_name.clone(),
                time_ns: raw.monotonic_ns.saturating_sub(recorded.start_monotonic_ns),
                frames,
                truncated: raw.truncated,
            });
        }
        let clock = self.session.clock();
        let (cpu_seconds, unsampled_seconds) = match clock {
            SampleClock::ItimerProf => (recorded.cpu_ns as f64 / 1e9, None),
            // The kernel's split of the precise total into user and system
            // time, applied to the precise total.
            SampleClock::PerfTaskClock => {
                let split = (recorded.user_ns + recorded.system_ns) as f64;
                let user_share = if split > 0.0 { recorded.user_ns as f64 / split } else { 1.0 };
                let total = recorded.cpu_ns as f64 / 1e9;
                (total * user_share, Some(total * (1.0 - user_share)))
            }
        };
        let achieved_hz = if cpu_seconds > 0.0 { recorded.delivered as f64 / cpu_seconds } else { 0.0 };
        CpuData {
            clock,
            requested_hz: self.requested_hz,
            achieved_hz,
            cpu_seconds,
            unsampled_seconds,
            wall_seconds: recorded.wall_ns as f64 / 1e9,
            wait_seconds: waited,
            dropped,
            samples,
        }
    }
}
