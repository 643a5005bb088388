//! shared_counter: `threads` threads increment one shared counter, racily
//! (separate load and store), under a mutex, or with an atomic fetch-add.

use crate::Progress;
use proftui_plugin::{Args, Check, Param, Run, Workload, probe};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// Runs `body(is_first)` on `threads` threads that start together, so that
/// they contend from the first increment. A parking barrier would not do:
/// its threads wake one by one, tens of microseconds apart, and a thousand
/// increments take less than that. So they spin at the gate (yielding, for
/// when there are more threads than cores).
fn on_threads(threads: usize, body: impl Fn(bool) + Sync) {
    let arrived = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for index in 0..threads {
            let (arrived, body) = (&arrived, &body);
            scope.spawn(move || {
                arrived.fetch_add(1, Ordering::AcqRel);
                let mut spins = 0u32;
                while arrived.load(Ordering::Acquire) < threads {
                    spins = spins.wrapping_add(1);
                    if spins.is_multiple_of(1024) {
                        std::thread::yield_now();
                    } else {
                        std::hint::spin_loop();
                    }
                }
                body(index == 0);
            });
        }
    });
}

/// Increments in runs of the progress stride; the first thread reports
/// progress for all (they run side by side).
fn in_runs(increments: u64, progress: Option<&Progress>, mut increment_run: impl FnMut(u64)) {
    let stride = progress.map_or(increments, |p| p.stride() as u64).max(1);
    let mut done = 0;
    while done < increments {
        let run = stride.min(increments - done);
        increment_run(run);
        done += run;
        if let Some(progress) = progress {
            progress.done(done as usize);
        }
    }
}

/// Reads the counter and writes back one more: two atomic operations with
/// a gap between them, so increments of other threads in the gap are lost.
#[inline(never)]
pub fn racy(threads: usize, increments: u64, progress: &Progress) -> u64 {
    probe!();
    let counter = AtomicU64::new(0);
    on_threads(threads, |first| racy_thread(&counter, increments, first.then_some(progress)));
    counter.into_inner()
}

#[inline(never)]
fn racy_thread(counter: &AtomicU64, increments: u64, progress: Option<&Progress>) {
    probe!();
    in_runs(increments, progress, |run| {
        for _ in 0..run {
            let seen = counter.load(Ordering::Relaxed);
            // `black_box` keeps the load and the store two instructions,
            // as written; LLVM would otherwise fuse them into one `inc` on
            // memory, which races too, but in a narrower window.
            counter.store(black_box(seen) + 1, Ordering::Relaxed);
        }
    });
}

/// Takes a mutex around every increment.
#[inline(never)]
pub fn locked(threads: usize, increments: u64, progress: &Progress) -> u64 {
    probe!();
    let counter = Mutex::new(0u64);
    on_threads(threads, |first| locked_thread(&counter, increments, first.then_some(progress)));
    counter.into_inner().unwrap_or_else(PoisonError::into_inner)
}

#[inline(never)]
fn locked_thread(counter: &Mutex<u64>, increments: u64, progress: Option<&Progress>) {
    probe!();
    in_runs(increments, progress, |run| {
        for _ in 0..run {
            // An increment cannot panic, so the lock is never poisoned; if
            // it were, the count inside is still the one to keep.
            *counter.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        }
    });
}

/// One atomic read-modify-write per increment.
#[inline(never)]
pub fn atomic(threads: usize, increments: u64, progress: &Progress) -> u64 {
    probe!();
    let counter = AtomicU64::new(0);
    on_threads(threads, |first| atomic_thread(&counter, increments, first.then_some(progress)));
    counter.into_inner()
}

#[inline(never)]
fn atomic_thread(counter: &AtomicU64, increments: u64, progress: Option<&Progress>) {
    probe!();
    in_runs(increments, progress, |run| {
        for _ in 0..run {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
}

/// The final count after `threads` threads each add `increments` with
/// `variant`.
pub fn count_with(variant: &str, threads: usize, increments: u64, report: &(dyn Fn(f64) + Sync)) -> u64 {
    let progress = &Progress::new(increments as usize, report);
    match variant {
        "racy" => racy(threads, increments, progress),
        "locked" => locked(threads, increments, progress),
        "atomic" => atomic(threads, increments, progress),
        other => panic!("unknown variant `{other}`"),
    }
}

fn run_shared_counter(run: &Run, args: &Args) -> Result<(), String> {
    let (threads, increments) = (args.count("threads"), args.int("increments").unsigned_abs());
    let report = |f: f64| run.progress(f);
    let final_count = count_with(args.variant(), threads, increments, &report);
    let expected = threads as u64 * increments;
    run.number("expected", expected as f64, "");
    run.number("final", final_count as f64, "");
    run.number("lost_updates", expected.saturating_sub(final_count) as f64, "");
    Ok(())
}

pub fn workload() -> Workload {
    Workload::new(
        "shared_counter",
        "threads each increment one shared counter `increments` times",
        run_shared_counter,
    )
    .variant("racy", "separate atomic load and store: updates made in between are lost under contention")
    .variant("locked", "a mutex around every increment")
    .variant("atomic", "one atomic fetch-add per increment")
    .param(Param::int("threads", "threads incrementing the counter, started together", 4, 1, 256))
    .param(Param::int("increments", "increments per thread", 1_000, 1, 1_000_000_000))
}

fn counts_exact(_run: &Run) -> Result<(), String> {
    for (variant, threads) in [("locked", 4), ("atomic", 4), ("racy", 1)] {
        let count = count_with(variant, threads, 10_000, &|_| {});
        if count != threads as u64 * 10_000 {
            return Err(format!(
                "{variant} on {threads} threads counted {count}, expected {}",
                threads * 10_000
            ));
        }
    }
    Ok(())
}

pub fn check() -> Check {
    Check::new(
        "shared_counter_exact",
        "locked and atomic count 4 x 10000 exactly; racy is exact on one thread (its losses depend on scheduling)",
        counts_exact,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_and_atomic_never_lose_an_update() {
        for threads in [1, 3, 8] {
            assert_eq!(count_with("locked", threads, 5_000, &|_| {}), threads as u64 * 5_000);
            assert_eq!(count_with("atomic", threads, 5_000, &|_| {}), threads as u64 * 5_000);
        }
    }

    #[test]
    fn racy_loses_nothing_alone_and_never_invents_updates() {
        assert_eq!(count_with("racy", 1, 5_000, &|_| {}), 5_000);
        assert!(count_with("racy", 4, 100_000, &|_| {}) <= 400_000);
    }
}
