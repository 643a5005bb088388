//! The per_sample variant, the classic parallel mistake kept on purpose:
//! every sample is a boxed task sent through a channel to a pool of worker
//! threads that share one receiver behind a mutex. Allocating, sending,
//! locking and waking cost far more than testing a point, and the profile
//! shows it.
//!
//! The points are drawn in order from the stream of `seed` before they are
//! sent, so the hits equal the serial variant's for the same seed.

use crate::{draw, generator, is_hit, progress_stride};
use proftui_plugin::probe;
use std::panic::resume_unwind;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Mutex, PoisonError};

/// One sample's work, as a pool runs it.
type Task = Box<dyn FnOnce() -> bool + Send>;

/// Tasks that may wait in the channel: enough to keep the workers busy,
/// bounded so that a big run does not queue every sample in memory.
const QUEUE_CAPACITY: usize = 1024;

/// Hits among `samples` points of the stream of `seed`, each tested as its
/// own task on a pool of `threads` workers.
#[inline(never)]
pub fn hits(samples: u64, threads: usize, seed: u64, report: &(dyn Fn(f64) + Sync)) -> u64 {
    probe!();
    let (sender, receiver) = sync_channel::<Task>(QUEUE_CAPACITY);
    let queue = Mutex::new(receiver);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1)).map(|_| scope.spawn(|| worker(&queue))).collect();
        let mut rng = generator(seed);
        let stride = progress_stride(samples);
        let mut done = 0;
        while done < samples {
            let run = stride.min(samples - done);
            for _ in 0..run {
                let (x, y) = draw(&mut rng);
                let task: Task = Box::new(move || test_point(x, y));
                sender.send(task).expect("the receiver lives in this function until the workers are joined");
            }
            done += run;
            report(done as f64 / samples as f64);
        }
        // Closing the channel tells the workers to finish.
        drop(sender);
        workers.into_iter().map(|w| w.join().unwrap_or_else(|panic| resume_unwind(panic))).sum()
    })
}

/// A pool thread: takes the next task while holding the queue's lock, runs
/// it, and counts the hits until the channel closes.
#[inline(never)]
fn worker(queue: &Mutex<Receiver<Task>>) -> u64 {
    probe!();
    let mut hits = 0;
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match next {
            Ok(task) => hits += u64::from(task()),
            Err(_closed) => return hits,
        }
    }
}

/// The work of one task: a few floating-point operations.
#[inline(never)]
fn test_point(x: f64, y: f64) -> bool {
    probe!();
    is_hit(x, y)
}
