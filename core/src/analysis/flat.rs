//! The flat profile: one row per function, like cProfile's table with
//! sampled and heap columns beside the exact ones.
//!
//! Under recursion nothing is counted twice: a sample counts once per
//! distinct function on its stack, and a function's inclusive time and
//! bytes come only from its outermost frames on each path.

use super::heap::HeapFigures;
use super::index::Analysis;
use crate::report::FunctionId;
use serde::Serialize;

/// A function's exact figures from the calls pass.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CallFigures {
    /// Every call, recursive ones included.
    pub calls_total: u64,
    /// Calls not made from inside another call of the same function
    /// (cProfile's primitive calls: `15/3` is 15 calls, 3 primitive).
    pub calls_primitive: u64,
    /// Time in the function itself, callees excluded, in seconds.
    pub self_s: f64,
    /// Time from entry to exit of the outermost calls, in seconds.
    pub inclusive_s: f64,
}

impl CallFigures {
    /// Self time per call (cProfile's first `percall`).
    pub fn self_per_call_s(&self) -> Option<f64> {
        (self.calls_total > 0).then(|| self.self_s / self.calls_total as f64)
    }

    /// Inclusive time per primitive call (cProfile's second `percall`).
    pub fn inclusive_per_call_s(&self) -> Option<f64> {
        (self.calls_primitive > 0).then(|| self.inclusive_s / self.calls_primitive as f64)
    }
}

/// One function of the flat profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlatRow {
    pub function: FunctionId,
    pub name: String,
    pub file: Option<String>,
    pub line: Option<u32>,
    /// Selected samples whose leaf frame runs this function.
    pub self_samples: u64,
    /// Selected samples with this function anywhere on the stack, once per
    /// sample however deep it recurses.
    pub inclusive_samples: u64,
    /// CPU seconds per run the self samples stand for.
    pub self_cpu_s: f64,
    /// CPU seconds per run the inclusive samples stand for.
    pub inclusive_cpu_s: f64,
    /// `None`: the calls pass is absent or never saw this function (it is
    /// not probed); not the same as zero calls.
    pub calls: Option<CallFigures>,
    /// Heap sites whose leaf frame runs this function; `None` without a
    /// heap pass.
    pub self_heap: Option<HeapFigures>,
    /// Heap sites with this function anywhere on their stack, once per site.
    pub inclusive_heap: Option<HeapFigures>,
}

/// Raw per-function sums before scaling.
#[derive(Default, Clone, Copy)]
struct Sums {
    self_samples: u64,
    inclusive_samples: u64,
    calls: Option<(u64, u64, u64, u64)>,
    self_heap: HeapFigures,
    inclusive_heap: HeapFigures,
    seen_in_heap: bool,
}

impl Analysis<'_> {
    /// The flat profile, one row per function that has any selected figure,
    /// in function-table order (sort with [`super::sort_rows`]).
    pub fn flat(&self) -> Vec<FlatRow> {
        let mut sums = vec![Sums::default(); self.report.functions.len()];
        let heap = self.has_heap();
        for id in 1..self.report.nodes.len() {
            let node = id as u32;
            let s = &mut sums[self.function(node) as usize];
            let outermost = self.outermost[id];
            s.self_samples += self.self_samples[id];
            if outermost {
                s.inclusive_samples += self.subtree_samples[id];
            }
            if let Some(c) = self.calls[id] {
                let (total, primitive, self_ns, inclusive_ns) = s.calls.get_or_insert_default();
                *total += c.calls;
                *self_ns += c.self_ns;
                if outermost {
                    *primitive += c.calls;
                    *inclusive_ns += c.inclusive_ns;
                }
            }
            if heap {
                s.self_heap += self.site[id];
                if outermost {
                    s.inclusive_heap += self.subtree_heap[id];
                    s.seen_in_heap |= self.subtree_heap[id] != HeapFigures::default();
                }
            }
        }
        let basis = self.basis();
        sums.iter()
            .enumerate()
            .filter(|(_, s)| s.inclusive_samples > 0 || s.calls.is_some() || s.seen_in_heap)
            .map(|(function, s)| {
                let info = &self.report.functions[function];
                let cpu_s = |samples| basis.cpu.as_ref().map_or(0.0, |cpu| cpu.seconds(samples));
                let calls = s.calls.zip(basis.calls.as_ref()).map(
                    |((total, primitive, self_ns, inclusive_ns), scale)| CallFigures {
                        calls_total: scale.count(total),
                        calls_primitive: scale.count(primitive),
                        self_s: scale.seconds(self_ns),
                        inclusive_s: scale.seconds(inclusive_ns),
                    },
                );
                let scale_heap = |figures| basis.heap.as_ref().map(|h| h.scale(figures));
                FlatRow {
                    function: function as FunctionId,
                    name: info.name.clone(),
                    file: info.file.clone(),
                    line: info.line,
                    self_samples: s.self_samples,
                    inclusive_samples: s.inclusive_samples,
                    self_cpu_s: cpu_s(s.self_samples),
                    inclusive_cpu_s: cpu_s(s.inclusive_samples),
                    calls,
                    self_heap: scale_heap(s.self_heap),
                    inclusive_heap: scale_heap(s.inclusive_heap),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Analysis, Filter, FlatRow};
    use super::HeapFigures;
    use crate::report::{PassInfo, PassKind};

    fn row<'a>(rows: &'a [FlatRow], name: &str) -> &'a FlatRow {
        rows.iter().find(|r| r.name == name).expect("the function has a row")
    }

    #[test]
    fn recursion_counts_a_sample_once_per_function() {
        let report = taylor();
        let rows = Analysis::new(&report, &Filter::default()).flat();
        // factorial: 3 samples three frames deep + 1 sample one frame deep.
        // Counting frames would give 3 * 3 + 1 = 10; counting samples gives 4.
        let fact = row(&rows, FACT);
        assert_eq!((fact.self_samples, fact.inclusive_samples), (4, 4));
        assert_eq!((row(&rows, EXP).self_samples, row(&rows, EXP).inclusive_samples), (2, 6));
        assert_eq!((row(&rows, RUN).self_samples, row(&rows, RUN).inclusive_samples), (1, 7));
        // 0.28 s over 7 samples is 0.04 s a sample; 2 runs: 0.02 s a sample per run.
        assert_close(fact.inclusive_cpu_s, 4.0 * 0.02);
        assert_close(row(&rows, EXP).self_cpu_s, 2.0 * 0.02);
        assert!(rows.iter().all(|r| r.inclusive_samples <= 7), "never above the total");
    }

    #[test]
    fn calls_are_per_run_when_every_count_divides_evenly() {
        let report = taylor();
        let analysis = Analysis::new(&report, &main_threads());
        assert_eq!(analysis.basis().calls.as_ref().map(|c| c.per_run), Some(true));
        let rows = analysis.flat();
        // Five levels entered three times a run: 15 calls, 3 primitive.
        let fact = row(&rows, FACT).calls.expect("factorial is probed");
        assert_eq!((fact.calls_total, fact.calls_primitive), (15, 3));
        // Inclusive time is the outermost level's only: 5000 ns / 2 runs,
        // not (5000 + 3600 + 2400 + 1400 + 600) / 2.
        assert_close(fact.inclusive_s, 2500e-9);
        assert_close(fact.self_s, (1400.0 + 1200.0 + 1000.0 + 800.0 + 600.0) / 2.0 * 1e-9);
        assert_close(fact.self_per_call_s().expect("it has calls"), 2500e-9 / 15.0);
        assert_close(fact.inclusive_per_call_s().expect("it has calls"), 2500e-9 / 3.0);
        let exp = row(&rows, EXP).calls.expect("taylor_exp is probed");
        assert_eq!((exp.calls_total, exp.calls_primitive), (1, 1));
        assert_close(exp.inclusive_s, 4000e-9);
        assert_close(exp.self_s, 1500e-9);
        assert_eq!(row(&rows, RUN).calls, None, "run is not probed: unknown, not zero");
    }

    #[test]
    fn calls_stay_totals_when_a_count_does_not_divide() {
        let report = taylor();
        let analysis = Analysis::new(&report, &Filter::default());
        // The worker thread adds one call: 31 over 2 runs is no whole number.
        assert_eq!(analysis.basis().calls.as_ref().map(|c| c.per_run), Some(false));
        let fact = row(&analysis.flat(), FACT).calls.expect("factorial is probed");
        assert_eq!((fact.calls_total, fact.calls_primitive), (31, 7));
        assert_close(fact.inclusive_s, 5100e-9);
        assert_close(fact.self_s, 5100e-9);
    }

    #[test]
    fn the_thread_filter_selects_samples_and_calls() {
        let report = taylor();
        let analysis = Analysis::new(&report, &main_threads());
        let cpu = analysis.basis().cpu.as_ref().expect("cpu pass");
        assert_eq!((cpu.samples, cpu.all_samples), (6, 7));
        let rows = analysis.flat();
        assert_eq!((row(&rows, RUN).self_samples, row(&rows, RUN).inclusive_samples), (0, 6));

        let worker = Analysis::new(&report, &Filter { threads: Some(vec![CPU_WORKER]) }).flat();
        assert_eq!((row(&worker, RUN).self_samples, row(&worker, RUN).inclusive_samples), (1, 1));
        assert!(worker.iter().all(|r| r.name != FACT), "factorial has nothing on the worker");
        assert!(worker.iter().all(|r| r.calls.is_none()), "no calls on the cpu worker thread");
    }

    #[test]
    fn heap_bytes_go_self_to_the_leaf_and_once_to_each_function_on_the_stack() {
        let report = taylor();
        let rows = Analysis::new(&report, &Filter::default()).flat();
        let heap = |name| {
            let r = row(&rows, name);
            (r.self_heap.expect("heap pass"), r.inclusive_heap.expect("heap pass"))
        };
        let (grow_self, grow_inclusive) = heap(GROW);
        assert_eq!((grow_self.bytes, grow_self.blocks, grow_inclusive.bytes), (3000, 3, 3000));
        let (exp_self, exp_inclusive) = heap(EXP);
        assert_eq!((exp_self.bytes, exp_inclusive.bytes, exp_inclusive.bytes_at_end), (0, 3000, 1000));
        let (run_self, run_inclusive) = heap(RUN);
        assert_eq!(run_self, HeapFigures { bytes: 500, blocks: 5, ..HeapFigures::default() });
        assert_eq!(
            run_inclusive,
            HeapFigures {
                bytes: 3500,
                blocks: 8,
                bytes_at_peak: 2000,
                blocks_at_peak: 2,
                bytes_at_end: 1000,
                blocks_at_end: 1
            }
        );
        assert_eq!(row(&rows, FACT).inclusive_heap, Some(HeapFigures::default()));
    }

    #[test]
    fn heap_figures_are_per_run_only_when_they_divide_evenly() {
        let mut report = taylor();
        report.run.passes.push(PassInfo {
            kind: PassKind::Heap,
            repeats: 2,
            runs: vec![],
            overhead: None,
            warm_up_runs: 0,
        });
        let basis = Analysis::new(&report, &Filter::default()).basis().heap.clone().expect("heap pass");
        assert!(!basis.per_run, "3 blocks over 2 runs");
        assert_eq!(basis.totals.bytes, 3500);

        let heap = report.heap.as_mut().expect("heap pass");
        heap.sites[0].total_blocks = 4;
        heap.sites[0].blocks_at_end = 2;
        heap.sites[1].total_blocks = 6;
        heap.total_blocks = 10;
        heap.end_blocks = 2;
        let analysis = Analysis::new(&report, &Filter::default());
        assert!(analysis.basis().heap.as_ref().is_some_and(|h| h.per_run));
        let run = row(&analysis.flat(), RUN).inclusive_heap.expect("heap pass");
        assert_eq!((run.bytes, run.blocks, run.bytes_at_end), (1750, 5, 500));
        assert_eq!(run.bytes_at_peak, 2000, "a peak is a moment: never divided");
    }

    #[test]
    fn absent_passes_give_none_not_zero() {
        let mut report = taylor();
        report.calls = None;
        report.heap = None;
        let analysis = Analysis::new(&report, &Filter::default());
        assert!(analysis.basis().calls.is_none() && analysis.basis().heap.is_none());
        let rows = analysis.flat();
        assert!(rows.iter().all(|r| r.calls.is_none() && r.inclusive_heap.is_none()));
        assert_eq!(rows.len(), 3, "run, taylor_exp, factorial; the allocator frame had only bytes");
    }
}
