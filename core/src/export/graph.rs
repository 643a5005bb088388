//! The function-level call graph that the callgrind and dot exports write:
//! one edge per caller–callee pair of functions, with its exact calls and
//! the samples and bytes that flow along it, computed in one walk of the
//! calling-context tree.
//!
//! Two sample figures per edge, because two readers add them up
//! differently. Callgrind readers make a function's inclusive cost the sum
//! of its incoming edges, so [`Edge::callee_samples`] counts a sample only
//! at the outermost frame of the callee on its stack: the incoming edges
//! of a recursive function then add up to its inclusive samples, counted
//! once per sample, and a call made from inside another call of the same
//! function carries its calls but no cost. [`Edge::samples`] is the
//! callers view's figure: samples whose stack holds the call at least
//! once.

use crate::analysis::Analysis;
use crate::report::{FunctionId, NodeId, ROOT};
use std::collections::{BTreeMap, HashMap};

/// The caller of an edge: a function, or `None` for the root (the callee
/// is the outermost frame of its stack).
pub(crate) type Caller = Option<FunctionId>;

/// One caller–callee pair; raw pass totals, not scaled per run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Edge {
    /// Exact calls from the calls pass; `None` when it counted none on
    /// this edge (no calls pass, or an end is not probed).
    pub calls: Option<u64>,
    /// Samples under frames of the callee that are its outermost frame on
    /// their stack and are called from the caller.
    pub callee_samples: u64,
    /// Heap bytes allocated under the same frames.
    pub callee_bytes: u64,
    /// Samples whose stack holds this call at least once.
    pub samples: u64,
    /// The caller's line that made the most sampled calls (the lowest on
    /// a tie); the line of any call when none was sampled, 0 when unknown
    /// (the calls pass knows no lines).
    pub line: u32,
}

/// Per-edge bookkeeping during the walk.
#[derive(Default)]
struct Building {
    edge: Edge,
    /// Frames of this edge open on the current path.
    open: u32,
    /// Samples under the calls made from each line of the caller.
    lines: BTreeMap<u32, u64>,
}

/// Every caller–callee pair of the report, in (caller, callee) order.
pub(crate) fn call_edges(analysis: &Analysis<'_>) -> BTreeMap<(Caller, FunctionId), Edge> {
    let report = analysis.report();
    let heap = analysis.has_heap();
    let mut building: HashMap<(Caller, FunctionId), Building> = HashMap::new();
    let key_of = |node: NodeId| {
        let parent = analysis.parent(node);
        ((parent != ROOT).then(|| analysis.function(parent)), analysis.function(node))
    };
    // Depth first, with an explicit stack: recursion may be 100k frames deep.
    let mut stack: Vec<(NodeId, usize)> = vec![(ROOT, 0)];
    while let Some(top) = stack.last_mut() {
        let (at, next) = *top;
        let Some(&node) = analysis.children(at).get(next) else {
            stack.pop();
            if at != ROOT
                && let Some(b) = building.get_mut(&key_of(at))
            {
                b.open -= 1;
            }
            continue;
        };
        top.1 += 1;
        stack.push((node, 0));
        let id = node as usize;
        let b = building.entry(key_of(node)).or_default();
        if let Some(calls) = analysis.calls[id] {
            *b.edge.calls.get_or_insert(0) += calls.calls;
        }
        let subtree = analysis.subtree_samples[id];
        if analysis.outermost[id] {
            b.edge.callee_samples += subtree;
            if heap {
                b.edge.callee_bytes += analysis.subtree_heap[id].bytes;
            }
        }
        if b.open == 0 {
            b.edge.samples += subtree;
        }
        b.open += 1;
        let line = if at == ROOT { 0 } else { report.nodes[at as usize].line };
        *b.lines.entry(line).or_default() += subtree;
    }
    building
        .into_iter()
        .map(|(key, mut b)| {
            // The most sampled line, the lowest on a tie; without samples,
            // the lowest known line of a call.
            let best = b.lines.iter().max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0)));
            b.edge.line = match best {
                Some((&line, &samples)) if samples > 0 => line,
                _ => b.lines.keys().copied().find(|&l| l != 0).unwrap_or(0),
            };
            (key, b.edge)
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::analysis::Filter;
    use crate::report::build::ReportBuilder;
    use crate::report::*;

    pub(crate) const FILE: &str = "/src/t.rs";

    /// A small recursive report, every figure worked out by hand:
    ///
    /// ```text
    /// cpu pass, 10 samples, 2 runs
    ///   main@3 → fact@7 → fact@8 → fact@9   4 samples (leaf at line 9)
    ///   main@3 → fact@7                     2 samples
    ///   main@4 → leaf@20                    3 samples
    ///   main@5                              1 sample
    /// calls pass (line 0), 1 run
    ///   main → fact   2 calls;  fact → fact   6 calls
    /// heap pass
    ///   main@4 → leaf@21   700 bytes in 7 blocks
    /// ```
    pub(crate) fn recursive() -> Report {
        let mut b = ReportBuilder::new(crate::report::build::tests::run_info());
        let main = b.function("t::main", Some(FILE), Some(1));
        let fact = b.function("t::fact", Some(FILE), Some(6));
        let leaf = b.function("t::leaf", Some(FILE), Some(19));
        let m3 = b.node(ROOT, main, 3);
        let f7 = b.node(m3, fact, 7);
        let f8 = b.node(f7, fact, 8);
        let f9 = b.node(f8, fact, 9);
        let m4 = b.node(ROOT, main, 4);
        let l20 = b.node(m4, leaf, 20);
        let l21 = b.node(m4, leaf, 21);
        let m5 = b.node(ROOT, main, 5);
        let cpu_thread = b.thread(PassKind::Cpu, 1, "main");
        let mut samples = Vec::new();
        for (node, count) in [(f9, 4), (f7, 2), (l20, 3), (m5, 1)] {
            samples.extend((0..count).map(|i| Sample { node, thread: cpu_thread, time_ns: i, weight: 1 }));
        }
        b.set_cpu(CpuProfile {
            clock: crate::collect::cpu::SampleClock::ItimerProf,
            unsampled_s: None,
            requested_hz: 997.0,
            achieved_hz: 250.0,
            cpu_s: 0.04,
            wall_s: 0.04,
            wait_s: None,
            repeats: 2,
            dropped: 0,
            samples,
            rounds: vec![],
        });
        let calls_thread = b.thread(PassKind::Calls, 2, "main");
        let cm = b.node(ROOT, main, 0);
        let cf1 = b.node(cm, fact, 0);
        let cf2 = b.node(cf1, fact, 0);
        let stat = |node, calls| CallStat { node, thread: calls_thread, calls, inclusive_ns: 0, self_ns: 0 };
        b.set_calls(CallProfile { repeats: 1, stats: vec![stat(cf1, 2), stat(cf2, 6)], unmatched_exits: 0 });
        let site = HeapSite {
            node: l21,
            total_bytes: 700,
            total_blocks: 7,
            bytes_at_peak: 0,
            blocks_at_peak: 0,
            bytes_at_end: 0,
            blocks_at_end: 0,
            max_bytes: 100,
            max_blocks: 1,
            lifetimes_us: None,
        };
        b.set_heap(HeapProfile {
            sites: vec![site],
            total_bytes: 700,
            total_blocks: 7,
            peak_bytes: 100,
            peak_time_ns: 0,
            end_bytes: 0,
            end_blocks: 0,
            timeline: vec![],
        });
        b.finish()
    }

    #[test]
    fn incoming_edges_add_up_to_inclusive_samples_without_counting_recursion_twice() {
        let report = recursive();
        let analysis = Analysis::new(&report, &Filter::default());
        let edges = call_edges(&analysis);
        let (main, fact, leaf) = (0, 1, 2);
        let edge = |caller, callee| edges.get(&(caller, callee)).cloned().expect("the edge exists");

        let root_main = edge(None, main);
        assert_eq!((root_main.callee_samples, root_main.samples, root_main.calls), (10, 10, None));
        assert_eq!(root_main.callee_bytes, 700);

        // main → fact: 6 samples under fact's outermost frame, 2 exact calls,
        // called from main's line 3.
        let main_fact = edge(Some(main), fact);
        assert_eq!((main_fact.callee_samples, main_fact.samples, main_fact.calls), (6, 6, Some(2)));
        assert_eq!(main_fact.line, 3);
        // fact → fact: two recursive frames hold 4 samples; as a callgrind
        // cost they are already in fact's outermost call, so 0; the call
        // itself is on 4 stacks; 6 calls, from line 7 (4 samples) rather
        // than line 8 (4 samples too, a tie goes to the lower line).
        let fact_fact = edge(Some(fact), fact);
        assert_eq!((fact_fact.callee_samples, fact_fact.samples, fact_fact.calls), (0, 4, Some(6)));
        assert_eq!(fact_fact.line, 7);
        let main_leaf = edge(Some(main), leaf);
        assert_eq!((main_leaf.callee_samples, main_leaf.callee_bytes, main_leaf.calls), (3, 700, None));
        assert_eq!(main_leaf.line, 4);
        assert_eq!(edges.len(), 4);
    }
}
