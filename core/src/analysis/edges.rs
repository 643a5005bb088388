//! Callers and callees of a function, directly or through any chain of
//! calls, with the cost that flows along each edge.
//!
//! Calls are events and are summed over every node; costs (samples, time,
//! bytes) are counted once per sample, outermost call or site, so a
//! recursive edge never counts a sample twice.

use super::heap::HeapFigures;
use super::index::{Analysis, Step};
use crate::report::{FunctionId, ROOT};
use serde::Serialize;
use std::collections::BTreeMap;

/// Which side of the function the rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Callers,
    Callees,
}

/// Only the adjacent frames, or every frame above (callers) or below
/// (callees) the function (KCachegrind's "all callers / all callees").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    Direct,
    Transitive,
}

/// One caller or callee of the focused function `F`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgeRow {
    /// The other end of the edge; `None` is the root: `F` as the outermost
    /// frame of a stack (direct callers only).
    pub function: Option<FunctionId>,
    pub name: String,
    /// The edge goes from `F` to `F`.
    pub recursive: bool,
    /// Direct: calls of the callee from the caller. Transitive callers:
    /// calls of `F` made anywhere below the caller; transitive callees:
    /// calls of the callee made anywhere below `F`. `None` when the calls
    /// pass has no count for it.
    pub calls: Option<u64>,
    /// Selected samples whose stack holds the edge (direct: the caller's
    /// frame right above the callee's; transitive: above it anywhere),
    /// once per sample. These are the callee's inclusive samples along it.
    pub samples: u64,
    /// CPU seconds per run those samples stand for.
    pub cpu_s: f64,
    /// The callee's inclusive time along the edge (calls pass), in seconds.
    pub inclusive_s: Option<f64>,
    /// Heap sites whose stack holds the edge, once per site.
    pub heap: Option<HeapFigures>,
}

#[derive(Default)]
struct EdgeSums {
    calls: Option<u64>,
    samples: u64,
    inclusive_ns: Option<u64>,
    heap: HeapFigures,
}

impl EdgeSums {
    fn add_calls(&mut self, calls: u64) {
        *self.calls.get_or_insert(0) += calls;
    }

    fn add_ns(&mut self, ns: u64) {
        *self.inclusive_ns.get_or_insert(0) += ns;
    }
}

impl Analysis<'_> {
    /// The callers or callees of `function` with any selected figure, in
    /// function-id order (the root first); sort with [`super::sort_rows`].
    pub fn edges(&self, function: FunctionId, direction: Direction, reach: Reach) -> Vec<EdgeRow> {
        let sums = match (direction, reach) {
            (Direction::Callers, Reach::Direct) => self.direct_edges(function, Direction::Callers),
            (Direction::Callees, Reach::Direct) => self.direct_edges(function, Direction::Callees),
            (Direction::Callers, Reach::Transitive) => self.all_callers(function),
            (Direction::Callees, Reach::Transitive) => self.all_callees(function),
        };
        let basis = self.basis();
        sums.into_iter()
            .filter(|(_, s)| s.samples > 0 || s.calls.is_some() || s.heap != HeapFigures::default())
            .map(|(other, s)| EdgeRow {
                function: other,
                name: other.map_or("(root)", |f| self.name(f)).to_string(),
                recursive: other == Some(function),
                calls: s.calls.zip(basis.calls.as_ref()).map(|(c, scale)| scale.count(c)),
                samples: s.samples,
                cpu_s: basis.cpu.as_ref().map_or(0.0, |cpu| cpu.seconds(s.samples)),
                inclusive_s: s.inclusive_ns.zip(basis.calls.as_ref()).map(|(ns, scale)| scale.seconds(ns)),
                heap: basis.heap.as_ref().map(|h| h.scale(s.heap)),
            })
            .collect()
    }

    /// Adjacent frames: a cost is counted at the outermost node of its
    /// edge on each path, tracked with a count of open edges per key.
    fn direct_edges(&self, f: FunctionId, direction: Direction) -> BTreeMap<Option<FunctionId>, EdgeSums> {
        let key_of = |node| {
            let parent = self.parent(node);
            match direction {
                Direction::Callers if self.function(node) == f => {
                    Some((parent != ROOT).then(|| self.function(parent)))
                }
                Direction::Callees if parent != ROOT && self.function(parent) == f => {
                    Some(Some(self.function(node)))
                }
                _ => None,
            }
        };
        let mut sums: BTreeMap<Option<FunctionId>, EdgeSums> = BTreeMap::new();
        let mut open: BTreeMap<Option<FunctionId>, u32> = BTreeMap::new();
        // Edges of `f` lie on the paths to its frames and right below them.
        let leads = self.leading_to(f);
        self.walk_pruned(|step| match step {
            Step::Enter(node) => {
                let id = node as usize;
                if let Some(key) = key_of(node) {
                    let count = open.entry(key).or_default();
                    let s = sums.entry(key).or_default();
                    if let Some(c) = self.calls[id] {
                        s.add_calls(c.calls);
                        if *count == 0 {
                            s.add_ns(c.inclusive_ns);
                        }
                    }
                    if *count == 0 {
                        s.samples += self.subtree_samples[id];
                        if self.has_heap() {
                            s.heap += self.subtree_heap[id];
                        }
                    }
                    *count += 1;
                }
                leads[id]
            }
            Step::Exit(node) => {
                if let Some(key) = key_of(node) {
                    *open.entry(key).or_default() -= 1;
                }
                true
            }
        });
        sums
    }

    /// Every function above `f`: each outermost node of a function is
    /// credited with what the first `f` frames strictly below it cover.
    fn all_callers(&self, f: FunctionId) -> BTreeMap<Option<FunctionId>, EdgeSums> {
        let heap = self.has_heap();
        // Only the nodes with an `f` frame at or below them add anything:
        // those on the paths to `f`, numbered compactly (parents first).
        let leads = self.leading_to(f);
        let on_path: Vec<u32> = (0..leads.len() as u32).filter(|&id| leads[id as usize]).collect();
        let mut at = vec![0u32; leads.len()];
        for (index, &id) in on_path.iter().enumerate() {
            at[id as usize] = index as u32;
        }
        let m = on_path.len();
        // Per node on a path: the cost of the first `f` frames at or below
        // it, and the sums over its children (strictly below).
        let mut below_samples = vec![0u64; m];
        let mut below_ns = vec![0u64; m];
        let mut below_heap = vec![HeapFigures::default(); if heap { m } else { 0 }];
        let mut below_calls = vec![0u64; m];
        let mut below_f = vec![0u64; m];
        let mut below_stats = vec![false; m];
        for i in (1..m).rev() {
            let id = on_path[i] as usize;
            let parent = at[self.parent(id as u32) as usize] as usize;
            let is_f = self.function(id as u32) == f;
            let stat = self.calls[id];
            let samples = if is_f { self.subtree_samples[id] } else { below_samples[i] };
            let ns = if is_f { stat.map_or(0, |c| c.inclusive_ns) } else { below_ns[i] };
            below_samples[parent] += samples;
            below_ns[parent] += ns;
            if heap {
                let figures = if is_f { self.subtree_heap[id] } else { below_heap[i] };
                below_heap[parent] += figures;
            }
            let own_calls = if is_f { stat.map_or(0, |c| c.calls) } else { 0 };
            below_calls[parent] += below_calls[i] + own_calls;
            below_f[parent] += below_f[i] + u64::from(is_f);
            below_stats[parent] |= below_stats[i] || (is_f && stat.is_some());
        }
        let mut sums: BTreeMap<Option<FunctionId>, EdgeSums> = BTreeMap::new();
        for i in 1..m {
            let id = on_path[i] as usize;
            if !self.outermost[id] || below_f[i] == 0 {
                continue;
            }
            let s = sums.entry(Some(self.function(id as u32))).or_default();
            s.samples += below_samples[i];
            if below_stats[i] {
                s.add_calls(below_calls[i]);
                s.add_ns(below_ns[i]);
            }
            if heap {
                s.heap += below_heap[i];
            }
        }
        sums
    }

    /// Every function below `f`: a node is credited if `f` is above it,
    /// and its cost counted if no frame of its own function lies between
    /// it and the outermost `f` — if its nearest frame of the same function
    /// is not itself below an `f`. One sweep in id order, parents first.
    fn all_callees(&self, f: FunctionId) -> BTreeMap<Option<FunctionId>, EdgeSums> {
        let n = self.report.nodes.len();
        // Per function, dense: every node below `f` adds to one.
        let mut sums: Vec<Option<EdgeSums>> = Vec::new();
        sums.resize_with(self.report.functions.len(), || None);
        // Strictly below a frame of `f`.
        let mut below_f = vec![false; n];
        for id in 1..n {
            let parent = self.parent(id as u32);
            below_f[id] = below_f[parent as usize] || (parent != ROOT && self.function(parent) == f);
            if !below_f[id] {
                continue;
            }
            let h = self.function(id as u32);
            let above = self.same_above[id];
            let first_below_f = above == ROOT || !below_f[above as usize];
            let s = sums[h as usize].get_or_insert_default();
            if let Some(c) = self.calls[id] {
                s.add_calls(c.calls);
                if first_below_f {
                    s.add_ns(c.inclusive_ns);
                }
            }
            if first_below_f {
                s.samples += self.subtree_samples[id];
                if self.has_heap() {
                    s.heap += self.subtree_heap[id];
                }
            }
        }
        sums.into_iter().enumerate().filter_map(|(h, s)| Some((Some(h as FunctionId), s?))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Analysis, Filter};
    use super::*;

    /// `(name, recursive, calls, samples, inclusive ns rounded, bytes)` per row.
    type Summary = (String, bool, Option<u64>, u64, Option<u64>, Option<u64>);

    fn summary(rows: &[EdgeRow]) -> Vec<Summary> {
        rows.iter()
            .map(|r| {
                (
                    r.name.clone(),
                    r.recursive,
                    r.calls,
                    r.samples,
                    r.inclusive_s.map(|s| (s * 1e9).round() as u64),
                    r.heap.map(|h| h.bytes),
                )
            })
            .collect()
    }

    fn edges(filter: &Filter, name: &str, direction: Direction, reach: Reach) -> Vec<Summary> {
        let report = taylor();
        let analysis = Analysis::new(&report, filter);
        let mut rows = analysis.edges(id(&report, name), direction, reach);
        rows.sort_by(|a, b| a.name.cmp(&b.name));
        summary(&rows)
    }

    fn s(name: &str) -> String {
        name.to_string()
    }

    #[test]
    fn callers_of_factorial_are_taylor_exp_and_factorial_itself() {
        // Per run: taylor_exp makes the 3 primitive calls, factorial the 12
        // recursive ones; 15 in all. The recursive edge's samples are the 3
        // of the deep stack, counted once although the edge appears twice.
        let rows = edges(&main_threads(), FACT, Direction::Callers, Reach::Direct);
        assert_eq!(
            rows,
            vec![
                (s(FACT), true, Some(12), 3, Some(1800), Some(0)),
                (s(EXP), false, Some(3), 4, Some(2500), Some(0)),
            ]
        );
    }

    #[test]
    fn callers_include_the_root_and_unprobed_callers_have_no_counts() {
        let report = taylor();
        let analysis = Analysis::new(&report, &main_threads());
        let rows = analysis.edges(id(&report, EXP), Direction::Callers, Reach::Direct);
        assert_eq!(
            summary(&rows),
            vec![
                (s("(root)"), false, Some(1), 0, Some(4000), Some(0)),
                (s(RUN), false, None, 6, None, Some(3000)),
            ]
        );
        assert_eq!(rows[0].function, None);
        assert_close(rows[1].cpu_s, 6.0 * 0.02);
    }

    #[test]
    fn callees_per_edge() {
        let main = main_threads();
        assert_eq!(
            edges(&main, FACT, Direction::Callees, Reach::Direct),
            vec![(s(FACT), true, Some(12), 3, Some(1800), Some(0))]
        );
        assert_eq!(
            edges(&main, EXP, Direction::Callees, Reach::Direct),
            vec![
                (s(GROW), false, None, 0, None, Some(3000)),
                (s(FACT), false, Some(3), 4, Some(2500), Some(0))
            ]
        );
        assert_eq!(
            edges(&main, RUN, Direction::Callees, Reach::Direct),
            vec![(s(EXP), false, None, 6, None, Some(3000))]
        );
    }

    #[test]
    fn all_callers_count_each_sample_and_call_once() {
        // run is above both factorial stacks (4 samples) but never above a
        // probed call; taylor_exp is above all 15 calls; factorial is above
        // its 12 recursive calls and the 3 deep samples.
        assert_eq!(
            edges(&main_threads(), FACT, Direction::Callers, Reach::Transitive),
            vec![
                (s(FACT), true, Some(12), 3, Some(1800), Some(0)),
                (s(RUN), false, None, 4, None, Some(0)),
                (s(EXP), false, Some(15), 4, Some(2500), Some(0)),
            ]
        );
    }

    #[test]
    fn all_callees_count_each_sample_and_call_once() {
        let main = main_threads();
        assert_eq!(
            edges(&main, RUN, Direction::Callees, Reach::Transitive),
            vec![
                (s(GROW), false, None, 0, None, Some(3000)),
                (s(FACT), false, None, 4, None, Some(0)),
                (s(EXP), false, None, 6, None, Some(3000)),
            ]
        );
        assert_eq!(
            edges(&main, EXP, Direction::Callees, Reach::Transitive),
            vec![
                (s(GROW), false, None, 0, None, Some(3000)),
                (s(FACT), false, Some(15), 4, Some(2500), Some(0))
            ]
        );
        assert_eq!(
            edges(&main, FACT, Direction::Callees, Reach::Transitive),
            vec![(s(FACT), true, Some(12), 3, Some(1800), Some(0))]
        );
    }

    #[test]
    fn edges_without_selected_figures_are_left_out() {
        // On the cpu worker thread factorial never ran and no call is selected.
        let worker = Filter { threads: Some(vec![CPU_WORKER]) };
        assert_eq!(edges(&worker, FACT, Direction::Callers, Reach::Direct), vec![]);
        assert_eq!(
            edges(&worker, RUN, Direction::Callees, Reach::Direct),
            vec![(s(EXP), false, None, 0, None, Some(3000))]
        );
    }

    #[test]
    fn totals_over_all_runs_when_calls_do_not_divide() {
        // With the worker's extra call nothing is divided: 6 + 1 primitive
        // calls and 5000 + 100 ns.
        let rows = edges(&Filter::default(), FACT, Direction::Callers, Reach::Direct);
        assert_eq!(rows[1], (s(EXP), false, Some(7), 4, Some(5100), Some(0)));
        assert_eq!(rows[0], (s(FACT), true, Some(24), 3, Some(3600), Some(0)));
    }
}
