//! The hot path of the heap pass: which allocator plugin blocks go to, and
//! the live-bytes counters the host's allocation functions keep.
//!
//! Only plugin allocations come here (the host's own allocator stays the
//! system one), so the counters see the blocks dhat sees.

use std::alloc::{GlobalAlloc, System};
use std::sync::OnceLock;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64};
use std::time::Instant;

/// True while a heap profile runs: plugin blocks go to dhat and are counted.
static ACTIVE: AtomicBool = AtomicBool::new(false);

// Live counts are signed: a block allocated before the profile started and
// freed during it takes them below their starting zero.
static LIVE_BYTES: AtomicI64 = AtomicI64::new(0);
static LIVE_BLOCKS: AtomicI64 = AtomicI64::new(0);
static TOTAL_BYTES: AtomicU64 = AtomicU64::new(0);
static TOTAL_BLOCKS: AtomicU64 = AtomicU64::new(0);
static PEAK_BYTES: AtomicI64 = AtomicI64::new(0);
/// When `PEAK_BYTES` was last raised, in ns since [`epoch`].
static PEAK_AT_NS: AtomicU64 = AtomicU64::new(0);

/// The counters' own clock origin, so a time fits in an atomic.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn since_epoch_ns(at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(epoch()).as_nanos()).unwrap_or(u64::MAX)
}

/// The allocator plugin allocations go to right now: dhat's while a heap
/// profile runs, the system allocator otherwise. dhat's forwards to the
/// system allocator and frees blocks it never saw, so blocks may cross.
pub(crate) fn allocator() -> &'static dyn GlobalAlloc {
    if ACTIVE.load(Acquire) { &dhat::Alloc } else { &System }
}

/// A plugin block of `bytes` was allocated (a realloc counts as a free of
/// the old block and a new block, as dhat counts it).
#[inline]
pub(crate) fn allocated(bytes: usize) {
    if !ACTIVE.load(Relaxed) {
        return;
    }
    let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
    TOTAL_BYTES.fetch_add(bytes.unsigned_abs(), Relaxed);
    TOTAL_BLOCKS.fetch_add(1, Relaxed);
    LIVE_BLOCKS.fetch_add(1, Relaxed);
    let live = LIVE_BYTES.fetch_add(bytes, Relaxed).saturating_add(bytes);
    if live > PEAK_BYTES.load(Relaxed) {
        raise_peak(live);
    }
}

/// Every value `LIVE_BYTES` takes passes here when it exceeds the peak, so
/// the peak is exact. Its time is that of the last raise; two threads
/// raising at once may leave the time of the lower of their two peaks.
#[cold]
#[inline(never)]
fn raise_peak(live: i64) {
    if PEAK_BYTES.fetch_max(live, Relaxed) < live {
        PEAK_AT_NS.store(since_epoch_ns(Instant::now()), Relaxed);
    }
}

/// A plugin block of `bytes` was freed.
#[inline]
pub(crate) fn freed(bytes: usize) {
    if !ACTIVE.load(Relaxed) {
        return;
    }
    LIVE_BYTES.fetch_sub(i64::try_from(bytes).unwrap_or(i64::MAX), Relaxed);
    LIVE_BLOCKS.fetch_sub(1, Relaxed);
}

/// Zeroes the counters as of `started` and sends plugin blocks to dhat.
pub(super) fn activate(started: Instant) {
    for counter in [&LIVE_BYTES, &LIVE_BLOCKS, &PEAK_BYTES] {
        counter.store(0, Relaxed);
    }
    for counter in [&TOTAL_BYTES, &TOTAL_BLOCKS] {
        counter.store(0, Relaxed);
    }
    PEAK_AT_NS.store(since_epoch_ns(started), Relaxed);
    ACTIVE.store(true, Release);
}

/// Sends plugin blocks back to the system allocator and stops counting.
pub(super) fn deactivate() {
    ACTIVE.store(false, Release);
}

/// Live plugin bytes now, counted from the profile's start.
pub(super) fn live_bytes() -> u64 {
    LIVE_BYTES.load(Relaxed).max(0).unsigned_abs()
}

/// The counters at one moment, counted from the profile's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Counts {
    pub total_bytes: u64,
    pub total_blocks: u64,
    pub live_bytes: u64,
    pub live_blocks: u64,
    pub peak_bytes: u64,
    /// When the peak was reached, in ns since `started`.
    pub peak_time_ns: u64,
}

/// Reads the counters of the profile that started at `started`.
pub(super) fn counts(started: Instant) -> Counts {
    Counts {
        total_bytes: TOTAL_BYTES.load(Relaxed),
        total_blocks: TOTAL_BLOCKS.load(Relaxed),
        live_bytes: live_bytes(),
        live_blocks: LIVE_BLOCKS.load(Relaxed).max(0).unsigned_abs(),
        peak_bytes: PEAK_BYTES.load(Relaxed).max(0).unsigned_abs(),
        peak_time_ns: PEAK_AT_NS.load(Relaxed).saturating_sub(since_epoch_ns(started)),
    }
}
