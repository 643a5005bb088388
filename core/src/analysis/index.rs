//! The index every view reads: children of each node, the nearest frame of
//! the same function above each (so which frames are the outermost of
//! their function on their path), and per-node figures of the
//! selected samples, calls and heap sites (raw pass totals; views scale
//! them through the [`Basis`]).
//!
//! Relies on what [`crate::report::file::validate`] checks and the report
//! builder guarantees: a node's parent has a smaller id. That makes subtree
//! sums a single reverse sweep, and whatever a parent passes down a single
//! forward one; what needs the current path walks the tree with an
//! explicit stack.

use super::Filter;
use super::basis::Basis;
use super::heap::HeapFigures;
use crate::report::{FunctionId, NodeId, ROOT, Report};
use std::sync::Arc;

/// Calls-pass figures of one node, summed over the selected threads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct NodeCalls {
    pub calls: u64,
    pub inclusive_ns: u64,
    pub self_ns: u64,
}

/// One step of a depth-first walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Enter(NodeId),
    Exit(NodeId),
}

/// The report an analysis reads: borrowed (one-off views) or shared (the
/// explorer keeps the report and its index together).
pub(crate) enum ReportRef<'r> {
    Borrowed(&'r Report),
    Shared(Arc<Report>),
}

impl std::ops::Deref for ReportRef<'_> {
    type Target = Report;

    fn deref(&self) -> &Report {
        match self {
            ReportRef::Borrowed(report) => report,
            ReportRef::Shared(report) => report,
        }
    }
}

/// A report indexed for its views under one filter.
pub struct Analysis<'r> {
    pub(crate) report: ReportRef<'r>,
    basis: Basis,
    /// `children[child_start[n]..child_start[n + 1]]` are `n`'s children.
    child_start: Vec<u32>,
    children: Vec<NodeId>,
    /// No ancestor of the node runs the same function.
    pub(crate) outermost: Vec<bool>,
    /// The nearest ancestor running the same function ([`ROOT`] when
    /// none): lets views of recursion sweep the nodes in id order instead
    /// of walking paths.
    pub(crate) same_above: Vec<NodeId>,
    /// Selected samples whose leaf is the node.
    pub(crate) self_samples: Vec<u64>,
    /// Selected samples whose leaf is the node or below it.
    pub(crate) subtree_samples: Vec<u64>,
    /// Selected call statistics of the node, if any.
    pub(crate) calls: Vec<Option<NodeCalls>>,
    /// The heap site at the node (raw totals); empty without a heap pass.
    pub(crate) site: Vec<HeapFigures>,
    /// Heap sites at the node or below it; empty without a heap pass.
    pub(crate) subtree_heap: Vec<HeapFigures>,
}

impl Analysis<'static> {
    /// Indexes a shared report; the analysis keeps it alive.
    pub fn shared(report: Arc<Report>, filter: &Filter) -> Self {
        Self::index(ReportRef::Shared(report), filter)
    }
}

impl<'r> Analysis<'r> {
    /// Indexes `report` (which must be valid, as loaded or built) for the
    /// samples and statistics `filter` selects.
    pub fn new(report: &'r Report, filter: &Filter) -> Self {
        Self::index(ReportRef::Borrowed(report), filter)
    }

    fn index(report: ReportRef<'r>, filter: &Filter) -> Self {
        let n = report.nodes.len();
        let mut child_start = vec![0u32; n + 1];
        for node in report.nodes.iter().skip(1) {
            child_start[node.parent as usize + 1] += 1;
        }
        for i in 0..n {
            child_start[i + 1] += child_start[i];
        }
        let mut fill = child_start.clone();
        let mut children = vec![ROOT; n.saturating_sub(1)];
        for (id, node) in report.nodes.iter().enumerate().skip(1) {
            let slot = &mut fill[node.parent as usize];
            children[*slot as usize] = id as NodeId;
            *slot += 1;
        }

        let mut self_samples = vec![0u64; n];
        if let Some(cpu) = &report.cpu {
            for sample in cpu.samples.iter().filter(|s| filter.sample(s)) {
                self_samples[sample.node as usize] += sample.weight;
            }
        }
        let mut calls: Vec<Option<NodeCalls>> = vec![None; n];
        if let Some(profile) = &report.calls {
            for stat in profile.stats.iter().filter(|s| filter.stat(s)) {
                let at = calls[stat.node as usize].get_or_insert_default();
                at.calls += stat.calls;
                at.inclusive_ns += stat.inclusive_ns;
                at.self_ns += stat.self_ns;
            }
        }
        let (site, subtree_heap) = match &report.heap {
            Some(heap) => {
                let mut site = vec![HeapFigures::default(); n];
                for s in &heap.sites {
                    site[s.node as usize] += HeapFigures::of_site(s);
                }
                let subtree = subtree_sums(&report, &site);
                (site, subtree)
            }
            None => (Vec::new(), Vec::new()),
        };
        let subtree_samples = subtree_sums(&report, &self_samples);
        let basis = Basis::new(&report, filter, calls.iter().flatten().map(|c| c.calls));

        let mut analysis = Self {
            report,
            basis,
            child_start,
            children,
            outermost: Vec::new(),
            same_above: Vec::new(),
            self_samples,
            subtree_samples,
            calls,
            site,
            subtree_heap,
        };
        analysis.same_above = analysis.same_function_above();
        analysis.outermost =
            analysis.same_above.iter().enumerate().map(|(id, &above)| id != 0 && above == ROOT).collect();
        analysis
    }

    /// What the figures rest on and how they are scaled.
    pub fn basis(&self) -> &Basis {
        &self.basis
    }

    /// The report being viewed.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// The name of a function.
    pub fn name(&self, function: FunctionId) -> &str {
        &self.report.functions[function as usize].name
    }

    pub(crate) fn children(&self, node: NodeId) -> &[NodeId] {
        let n = node as usize;
        &self.children[self.child_start[n] as usize..self.child_start[n + 1] as usize]
    }

    pub(crate) fn function(&self, node: NodeId) -> FunctionId {
        self.report.nodes[node as usize].function
    }

    pub(crate) fn parent(&self, node: NodeId) -> NodeId {
        self.report.nodes[node as usize].parent
    }

    /// Whether the report has a heap pass (and so heap figures per node).
    pub(crate) fn has_heap(&self) -> bool {
        !self.site.is_empty()
    }

    /// Visits every node but the root depth first, entering a node before
    /// its children and exiting it after them, in child-id order.
    pub(crate) fn walk(&self, mut visit: impl FnMut(Step)) {
        self.walk_pruned(|step| {
            visit(step);
            true
        });
    }

    /// Like [`walk`](Self::walk), but the children of a node are visited
    /// only when `visit` returns true on entering it (a node left out is
    /// still exited right after it is entered).
    pub(crate) fn walk_pruned(&self, mut visit: impl FnMut(Step) -> bool) {
        let mut stack: Vec<(NodeId, usize)> = vec![(ROOT, 0)];
        while let Some(top) = stack.last_mut() {
            let (node, next) = *top;
            if let Some(&child) = self.children(node).get(next) {
                top.1 += 1;
                if visit(Step::Enter(child)) {
                    stack.push((child, 0));
                } else {
                    visit(Step::Exit(child));
                }
            } else {
                stack.pop();
                if node != ROOT {
                    visit(Step::Exit(node));
                }
            }
        }
    }

    /// Per node: whether it or a node below it runs `function`; views of
    /// one function walk only these (and what hangs right below them).
    pub(crate) fn leading_to(&self, function: FunctionId) -> Vec<bool> {
        let mut leads = vec![false; self.report.nodes.len()];
        for id in (1..self.report.nodes.len()).rev() {
            let node = self.report.nodes[id];
            if leads[id] || node.function == function {
                leads[id] = true;
                leads[node.parent as usize] = true;
            }
        }
        leads
    }

    fn same_function_above(&self) -> Vec<NodeId> {
        let mut above = vec![ROOT; self.report.nodes.len()];
        // Per function, its frame nearest the current node on the path.
        let mut nearest = vec![ROOT; self.report.functions.len()];
        let mut saved = Vec::new();
        self.walk(|step| match step {
            Step::Enter(node) => {
                let f = self.function(node) as usize;
                above[node as usize] = nearest[f];
                saved.push(nearest[f]);
                nearest[f] = node;
            }
            Step::Exit(node) => {
                nearest[self.function(node) as usize] = saved.pop().expect("entered before exited");
            }
        });
        above
    }
}

/// Per-node values summed over each node's subtree (itself included).
pub(crate) fn subtree_sums<T: Copy + std::ops::AddAssign>(report: &Report, own: &[T]) -> Vec<T> {
    let mut sums = own.to_vec();
    for id in (1..report.nodes.len()).rev() {
        let parent = report.nodes[id].parent as usize;
        let value = sums[id];
        sums[parent] += value;
    }
    sums
}
