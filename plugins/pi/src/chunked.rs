//! The chunked variant: the samples split into `chunks` tasks, each drawing
//! from its own generator seeded with `seed + chunk index`, run by
//! `threads` threads that take the next chunk as they finish one. The hits
//! depend on the seed and the number of chunks, never on the threads.

use crate::{Plan, count_hits, generator, progress_stride};
use proftui_plugin::probe;
use std::panic::resume_unwind;
use std::sync::atomic::{AtomicU64, Ordering};

/// Hits of `plan`, chunk by chunk on `plan.threads` threads.
#[inline(never)]
pub fn hits(plan: Plan, report: &(dyn Fn(f64) + Sync)) -> u64 {
    probe!();
    let next_chunk = AtomicU64::new(0);
    let done = AtomicU64::new(0);
    let progress = Progress { samples: plan.samples, done: &done, report };
    let threads = u64::try_from(plan.threads).unwrap_or(u64::MAX).clamp(1, plan.chunks.max(1));
    std::thread::scope(|scope| {
        let workers: Vec<_> =
            (0..threads).map(|_| scope.spawn(|| worker(&plan, &next_chunk, &progress))).collect();
        workers.into_iter().map(|w| w.join().unwrap_or_else(|panic| resume_unwind(panic))).sum()
    })
}

/// Progress shared by every thread: samples done of all samples.
struct Progress<'a> {
    samples: u64,
    done: &'a AtomicU64,
    report: &'a (dyn Fn(f64) + Sync),
}

impl Progress<'_> {
    fn add(&self, samples: u64) {
        let done = self.done.fetch_add(samples, Ordering::Relaxed) + samples;
        (self.report)(done as f64 / self.samples.max(1) as f64);
    }
}

/// The samples of chunk `index`: an equal share, the remainder spread over
/// the first chunks.
pub fn chunk_samples(samples: u64, chunks: u64, index: u64) -> u64 {
    samples / chunks + u64::from(index < samples % chunks)
}

/// A pool thread: runs chunks until none is left.
#[inline(never)]
fn worker(plan: &Plan, next_chunk: &AtomicU64, progress: &Progress) -> u64 {
    probe!();
    let mut hits = 0;
    loop {
        let index = next_chunk.fetch_add(1, Ordering::Relaxed);
        if index >= plan.chunks {
            return hits;
        }
        let samples = chunk_samples(plan.samples, plan.chunks, index);
        hits += run_chunk(plan.seed.wrapping_add(index), samples, progress);
    }
}

/// One chunk: its own generator, reporting progress about a hundred times
/// per run in all.
#[inline(never)]
fn run_chunk(seed: u64, samples: u64, progress: &Progress) -> u64 {
    probe!();
    let mut rng = generator(seed);
    let stride = progress_stride(progress.samples);
    let (mut done, mut hits) = (0, 0);
    while done < samples {
        let run = stride.min(samples - done);
        hits += count_hits(&mut rng, run);
        done += run;
        progress.add(run);
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::chunk_samples;

    #[test]
    fn chunks_cover_every_sample_once() {
        for (samples, chunks) in [(100, 16), (16, 16), (3, 10), (1_000_003, 7)] {
            let total: u64 = (0..chunks).map(|i| chunk_samples(samples, chunks, i)).sum();
            assert_eq!(total, samples, "{samples} samples in {chunks} chunks");
        }
        assert_eq!(chunk_samples(10, 4, 0), 3);
        assert_eq!(chunk_samples(10, 4, 3), 2);
    }
}
