//! The calls pass: exact call counts and times from the plugin's probes,
//! per thread and per call path, like cProfile.
//!
//! Each thread keeps a shadow stack and a calling-context tree of probe
//! sites in thread-local storage, timed with the cycle counter (`quanta`,
//! calibrated against the monotonic clock); nothing is shared while calls
//! are recorded. A thread hands its tree over when it exits, the thread
//! that stops the collector when it stops. The flat, per-function view is
//! derived from the trees by [`per_function`].

mod functions;
mod recorder;
mod slot;

pub use functions::{FunctionCalls, per_function, per_function_of_thread};

use crate::plugin::{ProbeSite, probe_sites, set_probes_active};
use recorder::Recording;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

/// How long [`CallsCollector::stop`] waits for threads that recorded calls
/// to exit. Threads of `std::thread::scope` may still be running their
/// thread-local destructors, where they hand over, after the scope returns.
const THREAD_EXIT_WAIT: Duration = Duration::from_secs(1);

/// What the calls pass saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallsData {
    /// The probe sites registered so far; a site's id is its index + 1.
    pub sites: Vec<ProbeSite>,
    /// Every thread that recorded a probe event, in thread id order.
    pub threads: Vec<ThreadCalls>,
    /// Exits that did not match the innermost open call of their thread:
    /// the calls above a matching one were ended with it, an exit matching
    /// none was ignored.
    pub unmatched_exits: u64,
    /// Calls still open when their thread handed its tree over; they were
    /// ended then.
    pub still_open: u64,
    /// Threads that recorded calls but had not exited when the collector
    /// stopped; their calls are missing from `threads`.
    pub threads_missed: u64,
}

/// One thread's calling-context tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadCalls {
    /// The kernel's thread id (`gettid`).
    pub thread_id: u64,
    /// Empty for an unnamed thread.
    pub thread_name: String,
    /// `nodes[0]` is the root: no site, its own parent, no calls, and as
    /// inclusive time the thread's time in probed calls. A child always
    /// comes after its parent.
    pub nodes: Vec<CallNode>,
}

/// One probe site reached by one call path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallNode {
    /// Index of the calling node in [`ThreadCalls::nodes`].
    pub parent: u32,
    /// The probe site id (index + 1 in [`CallsData::sites`]).
    pub site: u32,
    pub calls: u64,
    pub inclusive_ns: u64,
    /// Inclusive time less the inclusive time of the node's children
    /// (time in unprobed callees stays here).
    pub self_ns: u64,
}

/// Why the calls pass could not start.
#[derive(Debug, thiserror::Error)]
pub enum CallsError {
    #[error("a calls collector is already running in this process; stop it before starting another")]
    AlreadyRunning,
}

/// The running calls pass; [`stop`](Self::stop) it to get the data.
/// Dropping it stops collection and discards what was recorded.
#[derive(Debug)]
pub struct CallsCollector {
    _running: (),
}

/// Starts the calls pass: resets what earlier passes recorded and turns the
/// plugin's probes on. The first start in a process calibrates the cycle
/// counter (up to 200 ms).
pub fn start() -> Result<CallsCollector, CallsError> {
    clock(); // calibrated now rather than inside the first probe event
    let mut collection = collection();
    if collection.running {
        return Err(CallsError::AlreadyRunning);
    }
    let epoch = collection.last_epoch + 1;
    *collection =
        Collection { running: true, epoch, last_epoch: epoch, recording_threads: 0, finished: Vec::new() };
    RECORDING_EPOCH.store(epoch, Ordering::Release);
    drop(collection);
    set_probes_active(true);
    Ok(CallsCollector { _running: () })
}

impl CallsCollector {
    /// Turns the probes off and gathers every thread's tree. Waits (at most
    /// a second) for threads that recorded calls and have not exited yet.
    pub fn stop(self) -> CallsData {
        set_probes_active(false);
        RECORDING_EPOCH.store(0, Ordering::Release);
        slot::hand_over();
        let (mut collection, _) = THREAD_EXITED
            .wait_timeout_while(collection(), THREAD_EXIT_WAIT, |c| c.recording_threads > 0)
            .unwrap_or_else(PoisonError::into_inner);
        let threads_missed = collection.recording_threads;
        let finished = std::mem::take(&mut collection.finished);
        collection.epoch = 0;
        drop(collection);

        let mut data = CallsData {
            sites: probe_sites(),
            threads: Vec::with_capacity(finished.len()),
            unmatched_exits: 0,
            still_open: 0,
            threads_missed,
        };
        for thread in finished {
            data.unmatched_exits += thread.recording.unmatched_exits;
            data.still_open += thread.recording.still_open;
            data.threads.push(ThreadCalls {
                thread_id: thread.thread_id,
                thread_name: thread.thread_name,
                nodes: thread.recording.nodes,
            });
        }
        data.threads.sort_by_key(|t| t.thread_id);
        data
    }
}

impl Drop for CallsCollector {
    fn drop(&mut self) {
        set_probes_active(false);
        RECORDING_EPOCH.store(0, Ordering::Release);
        let mut collection = collection();
        collection.running = false;
        collection.epoch = 0;
        collection.finished.clear();
    }
}

/// A probed function was entered on this thread.
pub(crate) fn enter(site: u32) {
    let epoch = RECORDING_EPOCH.load(Ordering::Acquire);
    if epoch != 0 {
        slot::enter(epoch, site);
    }
}

/// The innermost probed function on this thread returned.
pub(crate) fn exit(site: u32) {
    let epoch = RECORDING_EPOCH.load(Ordering::Acquire);
    if epoch != 0 {
        slot::exit(epoch, site);
    }
}

/// The pass being recorded (its epoch), or 0 when none is. Read on every
/// probe event; everything else lives behind [`COLLECTION`].
static RECORDING_EPOCH: AtomicU64 = AtomicU64::new(0);

/// The collector's shared state: who is recording and what was handed over.
static COLLECTION: Mutex<Collection> = Mutex::new(Collection {
    running: false,
    epoch: 0,
    last_epoch: 0,
    recording_threads: 0,
    finished: Vec::new(),
});

/// Signalled when a thread hands its tree over.
static THREAD_EXITED: Condvar = Condvar::new();

static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();

struct Collection {
    /// A [`CallsCollector`] exists.
    running: bool,
    /// The pass accepting trees; 0 once it stopped gathering them.
    epoch: u64,
    /// Epochs are never reused, so a thread's leftovers from an earlier
    /// pass are recognised and dropped.
    last_epoch: u64,
    /// Threads that recorded in `epoch` and have not handed over yet.
    recording_threads: u64,
    finished: Vec<FinishedThread>,
}

impl Collection {
    /// Counts a thread that starts recording in pass `epoch`; false when
    /// that pass no longer gathers trees.
    fn register(&mut self, epoch: u64) -> bool {
        let wanted = self.epoch == epoch;
        if wanted {
            self.recording_threads += 1;
        }
        wanted
    }

    /// Takes a registered thread's tree, unless its pass stopped gathering.
    fn hand_over(&mut self, epoch: u64, thread: FinishedThread) {
        if self.epoch == epoch {
            self.recording_threads -= 1;
            self.finished.push(thread);
            THREAD_EXITED.notify_all();
        }
    }
}

struct FinishedThread {
    thread_id: u64,
    thread_name: String,
    recording: Recording,
}

fn collection() -> MutexGuard<'static, Collection> {
    COLLECTION.lock().unwrap_or_else(PoisonError::into_inner)
}

fn clock() -> &'static quanta::Clock {
    CLOCK.get_or_init(quanta::Clock::new)
}

#[cfg(test)]
mod tests;
