//! counters: the small choices of everyday code, each workload a pair or
//! triple of functions that compute the same thing in different ways, for
//! side-by-side timing and profiling.

pub mod count;
pub mod queue;
pub mod shared_counter;
pub mod sorted_insert;
pub mod sum_squares;

use proftui_plugin::{Param, Plugin};

/// Reports progress about a hundred times over `total` items: callers work
/// through their items in runs of [`Progress::stride`] and call
/// [`Progress::done`] between runs, never per item.
pub struct Progress<'a> {
    report: &'a (dyn Fn(f64) + Sync),
    total: usize,
}

impl<'a> Progress<'a> {
    pub fn new(total: usize, report: &'a (dyn Fn(f64) + Sync)) -> Self {
        Self { report, total }
    }

    /// How many items to do between reports; at least 1.
    pub fn stride(&self) -> usize {
        (self.total / 100).max(1)
    }

    /// Reports that `done` of the items are done.
    pub fn done(&self, done: usize) {
        (self.report)(done as f64 / self.total.max(1) as f64);
    }
}

/// The `seed` parameter every workload with random input has.
pub fn seed_param() -> Param {
    Param::int("seed", "seed of the random input generator", 42, 0, i64::MAX)
}

fn plugin() -> Plugin {
    Plugin::new(
        "counters",
        "the small choices of everyday code: counting, summing, queues, sorting, shared counters",
    )
    .workload(count::workload())
    .workload(sum_squares::workload())
    .workload(queue::workload())
    .workload(sorted_insert::workload())
    .workload(shared_counter::workload())
    .check(count::check())
    .check(sum_squares::check())
    .check(queue::check())
    .check(sorted_insert::check())
    .check(shared_counter::check())
}

proftui_plugin::declare_plugin!(plugin);

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn progress_stride_gives_about_a_hundred_reports() {
        let reports = Mutex::new(Vec::new());
        let report = |f: f64| reports.lock().unwrap().push(f);
        let progress = Progress::new(1000, &report);
        assert_eq!(progress.stride(), 10);
        progress.done(500);
        assert_eq!(*reports.lock().unwrap(), [0.5]);
        assert_eq!(Progress::new(7, &report).stride(), 1);
    }
}
