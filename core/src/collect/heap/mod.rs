//! The heap pass: allocation sites from dhat, and a live-bytes timeline
//! from counters in the host's allocation functions.
//!
//! Only plugin allocations are profiled: the plugin SDK forwards them to the
//! host table, whose functions ask `allocator` where to put each block and
//! report it to `allocated`/`freed`. The host's own allocations stay with
//! the system allocator and are never seen. dhat is a process-wide
//! singleton, so one heap profile runs at a time.

mod counters;
mod sites;
mod timeline;

pub(crate) use counters::{allocated, allocator, freed};

use crate::collect::Frame;
use serde::{Deserialize, Serialize};
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use timeline::Sampler;

/// How a heap profile is taken.
#[derive(Debug, Clone, PartialEq)]
pub struct HeapOptions {
    /// How often the timeline samples live bytes. Default: 1 ms.
    pub interval: Duration,
    /// The most timeline points kept; past it, neighbours merge (keeping
    /// the higher) and the interval doubles. Default: 100 000.
    pub max_points: usize,
    /// The deepest stack kept per allocation, in frames (inlined calls not
    /// counted); deep recursion needs many. Default: 1000.
    pub max_frames: usize,
}

impl Default for HeapOptions {
    fn default() -> Self {
        Self { interval: Duration::from_millis(1), max_points: 100_000, max_frames: 1000 }
    }
}

/// What a heap profile saw of the plugin's allocations. Totals, peak and
/// end come from the host's counters; sites come from dhat, which sees the
/// same blocks. A realloc counts as a new block of its new size, charged to
/// the site of the original allocation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HeapData {
    /// Biggest total first.
    pub sites: Vec<HeapSite>,
    pub total_bytes: u64,
    pub total_blocks: u64,
    /// The most bytes live at once.
    pub peak_bytes: u64,
    /// When `peak_bytes` was reached, in ns since the profile started.
    pub peak_time_ns: u64,
    /// Bytes still live when the profile stopped: leaked, or kept.
    pub end_bytes: u64,
    pub end_blocks: u64,
    /// Live bytes over time, oldest first: the profile's start and stop,
    /// the peak, and a sample every `interval` between.
    pub timeline: Vec<MemoryPoint>,
}

/// One allocation site: a call stack and what was allocated there.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HeapSite {
    /// Root first; the leaf is the function that asked for memory (or the
    /// `alloc::` function that did it on its behalf).
    pub frames: Vec<Frame>,
    pub total_bytes: u64,
    pub total_blocks: u64,
    /// Live at the moment of the global peak.
    pub bytes_at_peak: u64,
    pub blocks_at_peak: u64,
    /// Still live when the profile stopped.
    pub bytes_at_end: u64,
    pub blocks_at_end: u64,
    /// The site's own peak of live bytes. Where dhat told apart stacks that
    /// read the same here (two calls on one line), it is the sum of their
    /// peaks: an upper bound.
    pub max_bytes: u64,
    /// Blocks live at the moment of `max_bytes` (dhat's `mbk`); summed the
    /// same way where stacks merge.
    pub max_blocks: u64,
    /// The lifetimes of all the site's blocks added up, in microseconds
    /// (dhat's `tl`; a block still live at the end counts until then);
    /// `None` when dhat did not write them.
    pub lifetimes_us: Option<u64>,
}

/// Live bytes at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryPoint {
    /// Since the profile started.
    pub time_ns: u64,
    pub live_bytes: u64,
}

/// Why a heap profile could not start, or its output could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HeapError {
    #[error("a heap profile is already running in this process; stop it before starting another")]
    AlreadyRunning,
    #[error("dhat refused to start: another dhat profiler runs in this process")]
    DhatBusy,
    #[error("the timeline interval must be above zero")]
    ZeroInterval,
    #[error("the timeline must keep at least 2 points, not {0}")]
    TooFewPoints(usize),
    #[error("cannot create a temporary directory for dhat's output: {0}")]
    TempDir(#[source] std::io::Error),
    #[error("cannot start the memory timeline thread: {0}")]
    Sampler(#[source] std::io::Error),
    #[error("cannot read dhat's output {path}: {cause}")]
    ReadDhat { path: PathBuf, cause: std::io::Error },
    #[error("dhat's output {path} is not valid JSON of its format: {cause}")]
    ParseDhat { path: PathBuf, cause: serde_json::Error },
    #[error(
        "dhat's output {path} is version {version} in mode `{mode}`, not a version 2 `rust-heap` profile"
    )]
    UnexpectedDhat { path: PathBuf, version: u32, mode: String },
    #[error("dhat's output {path} refers to frame {index} of a table of {len}")]
    BadFrameIndex { path: PathBuf, index: usize, len: usize },
}

/// Set while a [`HeapProfiler`] exists.
static RUNNING: AtomicBool = AtomicBool::new(false);

/// The claim on the process's one heap profile; dropping it gives it back.
struct Claim;

impl Claim {
    fn take() -> Result<Self, HeapError> {
        RUNNING
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .map(|_| Self)
            .map_err(|_| HeapError::AlreadyRunning)
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        RUNNING.store(false, Ordering::Release);
    }
}

/// A running heap profile. [`HeapProfiler::stop`] ends it and returns what
/// it saw; dropping it ends it and throws that away.
pub struct HeapProfiler {
    dhat: Option<dhat::Profiler>,
    sampler: Option<Sampler>,
    started: Instant,
    /// Where dhat writes its JSON when it stops; removed on drop.
    output: tempfile::TempDir,
    _claim: Claim,
}

/// The file dhat writes inside the profile's temporary directory.
const DHAT_FILE: &str = "dhat-heap.json";

/// Starts profiling plugin allocations. Load the plugin first: the
/// symboliser freezes its list of libraries at the first backtrace.
pub fn start(options: &HeapOptions) -> Result<HeapProfiler, HeapError> {
    if options.interval.is_zero() {
        return Err(HeapError::ZeroInterval);
    }
    if options.max_points < 2 {
        return Err(HeapError::TooFewPoints(options.max_points));
    }
    let claim = Claim::take()?;
    let output = tempfile::Builder::new().prefix("proftui-heap-").tempdir().map_err(HeapError::TempDir)?;
    // dhat's default keeps 10 frames, which loses the roots of recursion.
    let builder = dhat::Profiler::builder()
        .file_name(output.path().join(DHAT_FILE))
        .trim_backtraces(Some(options.max_frames));
    // dhat panics when another of its profilers runs: one we did not start.
    let dhat = panic::catch_unwind(AssertUnwindSafe(|| builder.build())).map_err(|_| HeapError::DhatBusy)?;
    let started = Instant::now();
    counters::activate(started);
    let mut profiler = HeapProfiler { dhat: Some(dhat), sampler: None, started, output, _claim: claim };
    profiler.sampler =
        Some(Sampler::start(started, options.interval, options.max_points).map_err(HeapError::Sampler)?);
    Ok(profiler)
}

impl HeapProfiler {
    /// Stops profiling and reads what dhat and the counters saw. dhat
    /// prints a summary to stderr as it stops.
    pub fn stop(mut self) -> Result<HeapData, HeapError> {
        counters::deactivate();
        let stopped = Instant::now();
        let counts = counters::counts(self.started);
        let mut timeline = self.sampler.take().map(Sampler::finish).unwrap_or_default();
        timeline.push(MemoryPoint {
            time_ns: timeline::elapsed_ns(self.started, stopped),
            live_bytes: counts.live_bytes,
        });
        // The samples may straddle the peak: put it in where it happened.
        let peak = MemoryPoint { time_ns: counts.peak_time_ns, live_bytes: counts.peak_bytes };
        let at = timeline.partition_point(|p| p.time_ns <= peak.time_ns);
        if !timeline[..at].iter().rev().take_while(|p| p.time_ns == peak.time_ns).any(|p| *p == peak) {
            timeline.insert(at, peak);
        }
        // Dropping dhat's profiler writes its file.
        drop(self.dhat.take());
        let sites = sites::read_sites(&self.output.path().join(DHAT_FILE))?;
        Ok(HeapData {
            sites,
            total_bytes: counts.total_bytes,
            total_blocks: counts.total_blocks,
            peak_bytes: counts.peak_bytes,
            peak_time_ns: counts.peak_time_ns,
            end_bytes: counts.live_bytes,
            end_blocks: counts.live_blocks,
            timeline,
        })
    }
}

impl Drop for HeapProfiler {
    fn drop(&mut self) {
        counters::deactivate();
        if let Some(sampler) = self.sampler.take() {
            sampler.finish();
        }
        drop(self.dhat.take());
    }
}

#[cfg(test)]
mod tests;
