//! queue: take items from the front of a growing sequence, with a vector
//! (remove at index 0 shifts every other item) vs. a double-ended queue.

use crate::Progress;
use proftui_plugin::{Args, Check, Param, Run, Workload, probe};
use std::collections::VecDeque;

/// Items each round appends to the back; one is taken from the front, so
/// the sequence grows by one item a round.
pub const PUSHED_PER_ROUND: u64 = 2;

/// What a run of the queue leaves behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drained {
    /// The items taken from the front, in order.
    pub taken: Vec<u64>,
    /// Items still in the sequence at the end.
    pub remaining: usize,
}

/// A vector used as a queue: `remove(0)` moves every remaining item.
#[inline(never)]
pub fn vec_remove_front(rounds: u64, progress: &Progress) -> Drained {
    probe!();
    let mut queue = Vec::new();
    let mut taken = Vec::with_capacity(rounds as usize);
    let mut next = 0;
    let mut start = 0;
    while start < rounds {
        let end = (start + progress.stride() as u64).min(rounds);
        for _ in start..end {
            for _ in 0..PUSHED_PER_ROUND {
                queue.push(next);
                next += 1;
            }
            taken.push(queue.remove(0));
        }
        progress.done(end as usize);
        start = end;
    }
    Drained { taken, remaining: queue.len() }
}

/// A ring buffer: `pop_front` is O(1).
#[inline(never)]
pub fn deque(rounds: u64, progress: &Progress) -> Drained {
    probe!();
    let mut queue = VecDeque::new();
    let mut taken = Vec::with_capacity(rounds as usize);
    let mut next = 0;
    let mut start = 0;
    while start < rounds {
        let end = (start + progress.stride() as u64).min(rounds);
        for _ in start..end {
            for _ in 0..PUSHED_PER_ROUND {
                queue.push_back(next);
                next += 1;
            }
            taken.extend(queue.pop_front());
        }
        progress.done(end as usize);
        start = end;
    }
    Drained { taken, remaining: queue.len() }
}

/// Runs `rounds` rounds of the queue with `variant`.
pub fn drain_with(variant: &str, rounds: u64, report: &(dyn Fn(f64) + Sync)) -> Drained {
    let progress = &Progress::new(rounds as usize, report);
    match variant {
        "vec_remove_front" => vec_remove_front(rounds, progress),
        "deque" => deque(rounds, progress),
        other => panic!("unknown variant `{other}`"),
    }
}

fn run_queue(run: &Run, args: &Args) -> Result<(), String> {
    let report = |f: f64| run.progress(f);
    let drained = drain_with(args.variant(), args.int("rounds").unsigned_abs(), &report);
    run.number("taken", drained.taken.len() as f64, "items");
    run.number("remaining", drained.remaining as f64, "items");
    run.number("taken_sum", drained.taken.iter().sum::<u64>() as f64, "");
    run.text("first_in_first_out", if in_arrival_order(&drained.taken) { "yes" } else { "no" });
    Ok(())
}

/// Items are numbered as they arrive, so a queue hands out 0, 1, 2, …
fn in_arrival_order(taken: &[u64]) -> bool {
    taken.iter().zip(0..).all(|(&item, expected)| item == expected)
}

pub fn workload() -> Workload {
    Workload::new(
        "queue",
        "each round appends two items and takes one from the front, so the sequence keeps growing",
        run_queue,
    )
    .variant("vec_remove_front", "a vector: remove(0) shifts every remaining item, O(length) per take")
    .variant("deque", "a double-ended queue (ring buffer): pop_front is O(1)")
    .param(Param::int(
        "rounds",
        "rounds of two appends and one take; the sequence ends this long",
        50_000,
        1,
        100_000_000,
    ))
}

fn queues_agree(_run: &Run) -> Result<(), String> {
    let from_vec = drain_with("vec_remove_front", 10_000, &|_| {});
    let from_deque = drain_with("deque", 10_000, &|_| {});
    if from_vec != from_deque {
        return Err("vec_remove_front and deque took different items".into());
    }
    if !in_arrival_order(&from_vec.taken) || from_vec.taken.len() != 10_000 || from_vec.remaining != 10_000 {
        return Err(format!(
            "expected items 0..10000 taken in order and 10000 left, got {} taken and {} left",
            from_vec.taken.len(),
            from_vec.remaining
        ));
    }
    Ok(())
}

pub fn check() -> Check {
    Check::new(
        "queue_fifo",
        "both queues take items 0..10000 in arrival order over 10000 rounds",
        queues_agree,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_queues_are_first_in_first_out() {
        for rounds in [1, 2, 3, 250, 1001] {
            let expected = Drained { taken: (0..rounds).collect(), remaining: rounds as usize };
            assert_eq!(drain_with("vec_remove_front", rounds, &|_| {}), expected);
            assert_eq!(drain_with("deque", rounds, &|_| {}), expected);
        }
    }
}
