//! Views of a report as rows: the flat profile, callers and callees, the
//! top-down and bottom-up trees, a function's line table and the heap
//! sites. Pure functions of a [`Report`] and a [`Filter`]; nothing here
//! draws or formats.
//!
//! [`Analysis::new`] indexes the report once (children of every node,
//! which frames are the outermost of their function, per-node figures of
//! the selected samples and calls); every view is then computed from that
//! index in time linear in the nodes, without recursion, so 100k-deep
//! stacks are as safe as shallow ones. The bottom-up tree, whose full size
//! is the sum of the depths of its cost holders, is built only as far as
//! it is looked at.
//!
//! # What the figures rest on, and per-run division
//!
//! A pass may run the workload several times (the cpu pass repeats until
//! it has enough samples). Views divide by the pass's repeats themselves,
//! in one place ([`Basis`]), so every consumer shows the same figures:
//!
//! - **Samples** are never divided: they are the evidence a sampled figure
//!   rests on (its precision follows from their count), and percentages are
//!   ratios of them.
//! - **CPU seconds** from samples are per run: samples × seconds per sample
//!   ÷ the cpu pass's repeats.
//! - **Calls and call times** are per run only when every selected node's
//!   call count divides evenly by the calls pass's repeats, so that counts
//!   stay exact integers; otherwise every calls-pass figure (counts and
//!   times alike) is the total over all runs, and [`CallsBasis::per_run`]
//!   says so.
//! - **Heap bytes and blocks** allocated and at the end (leaked) follow the
//!   same rule with the heap pass's repeats; bytes at the peak and a site's
//!   maximum are moments, not sums, and are never divided.
//!
//! Views never mix passes into one figure: sampled time and probed time are
//! separate fields, and a figure a pass did not measure is `None`, not 0.

mod basis;
mod edges;
mod flat;
mod heap;
mod index;
mod inverted;
mod lines;
mod lookup;
mod sort;
mod tree;

#[cfg(any(test, feature = "test-support"))]
pub mod fixtures;

pub use basis::{
    BUSY_WAIT_SHARE, Basis, CallsBasis, CpuBasis, HeapBasis, UNSAMPLED_NOTE_SHARE, busy, busy_machine,
    busy_machine_short, unsampled_note, unsampled_note_short,
};
pub use edges::{Direction, EdgeRow, Reach};
pub use flat::{CallFigures, FlatRow};
pub use heap::{HeapFigures, HeapSiteRow, LIBRARY_PREFIXES, Timeline, is_library_frame};
pub use index::Analysis;
pub use inverted::Weight;
pub use lines::{LineRow, LineTable};
pub use lookup::{LookupError, find_function, find_threads};
pub use sort::{SortKey, Sortable, sort_rows, top};
pub use tree::{Tree, TreeNode};

use crate::report::{CallStat, Sample, ThreadId};

/// Which of the recorded samples and call statistics a view is computed
/// from. The default selects everything.
///
/// Views read samples and call statistics only through [`Filter::sample`]
/// and [`Filter::stat`], so a selection by time (samples carry `time_ns`)
/// can be added as one more field here without touching any view. Heap
/// sites carry no thread or time: heap figures always cover the whole heap
/// pass, whatever the filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only these threads; `None` for all. Thread ids are per pass, so a
    /// selection by name lists the matching id of every pass.
    pub threads: Option<Vec<ThreadId>>,
}

impl Filter {
    fn thread(&self, thread: ThreadId) -> bool {
        self.threads.as_ref().is_none_or(|threads| threads.contains(&thread))
    }

    /// Whether a cpu sample is selected.
    pub fn sample(&self, sample: &Sample) -> bool {
        self.thread(sample.thread)
    }

    /// Whether a calls-pass statistic is selected.
    pub fn stat(&self, stat: &CallStat) -> bool {
        self.thread(stat.thread)
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    /// 100k frames of one function: nothing recurses, so nothing overflows
    /// the test thread's small stack, and recursion is still counted once.
    #[test]
    fn a_100k_deep_recursion_neither_overflows_nor_double_counts() {
        const DEPTH: u32 = 100_000;
        let report = deep_chain(DEPTH);
        let analysis = Analysis::new(&report, &Filter::default());
        let f = find_function(&report, "deep::f").expect("the function exists");

        let flat = analysis.flat();
        assert_eq!((flat[0].self_samples, flat[0].inclusive_samples), (5, 5));
        let calls = flat[0].calls.expect("probed");
        assert_eq!((calls.calls_total, calls.calls_primitive), (u64::from(DEPTH), 1));
        assert_close(calls.inclusive_s, f64::from(DEPTH) * 1e-9);

        let callers = analysis.edges(f, Direction::Callers, Reach::Direct);
        let summary: Vec<(Option<u64>, u64, bool)> =
            callers.iter().map(|e| (e.calls, e.samples, e.recursive)).collect();
        assert_eq!(summary, vec![(Some(1), 5, false), (Some(u64::from(DEPTH) - 1), 5, true)]);
        for direction in [Direction::Callers, Direction::Callees] {
            let all = analysis.edges(f, direction, Reach::Transitive);
            assert_eq!((all[0].samples, all[0].calls), (5, Some(u64::from(DEPTH) - 1)));
        }

        let mut tree = analysis.tree();
        assert_eq!(tree.hottest_path().len(), DEPTH as usize);
        assert_eq!(tree.preorder(None).len(), DEPTH as usize);
        let mut inverted = analysis.inverted(Weight::Samples);
        let hottest = inverted.hottest_path();
        assert_eq!(hottest.len(), DEPTH as usize);
        assert_eq!(inverted.node(hottest[DEPTH as usize - 1]).self_samples, 5);

        let lines = analysis.lines(f);
        assert_eq!(
            (lines.rows[0].line, lines.rows[0].self_samples, lines.rows[0].inclusive_samples),
            (1, 5, 5)
        );
    }
}
