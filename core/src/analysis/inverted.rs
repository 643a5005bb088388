//! The bottom-up (inverted) call tree: roots are the functions holding a
//! self cost, children their callers, grandchildren the callers' callers.
//!
//! Built lazily. A node keeps the self-cost holders whose chain of callers
//! it stands for, each with the calling-context node it has climbed to;
//! expanding the node moves every holder one caller up and groups them by
//! that caller's function. A node's figures are known when it is created,
//! so a view pays only for the nodes it shows.
//!
//! Building the roots is one sweep over the nodes' self costs, grouped by
//! function in a table indexed by function (no hashing). The climb reads
//! the report's calling-context tree: shared with the analysis when the
//! report is (the explorer's case), copied when it is only borrowed.

use super::basis::Basis;
use super::heap::HeapFigures;
use super::index::{Analysis, ReportRef};
use super::tree::{Raw, Tree, TreeNode, heaviest_first, name_ranks, scaled};
use crate::report::{FunctionId, Node, ROOT, Report};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// Which self cost the roots of an inverted tree hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Weight {
    /// Cpu samples (the leaf frame's function holds them).
    Samples,
    /// Calls-pass self time (every probed call holds its own).
    CallTime,
    /// Heap bytes (a site's leaf frame holds them).
    Bytes,
}

/// A holder's self cost (raw pass totals).
#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    samples: u64,
    calls: u64,
    self_ns: u64,
    heap: HeapFigures,
}

impl std::ops::AddAssign for Cost {
    fn add_assign(&mut self, other: Self) {
        self.samples += other.samples;
        self.calls += other.calls;
        self.self_ns += other.self_ns;
        self.heap += other.heap;
    }
}

/// Every holder's cost, keeping only the weight's figures (a tree of
/// samples keeps 8 bytes per holder, not a whole [`Cost`]).
enum Costs {
    Samples(Vec<u64>),
    /// Calls and self ns.
    CallTime(Vec<(u64, u64)>),
    Bytes(Vec<HeapFigures>),
}

impl Costs {
    fn new(weight: Weight) -> Self {
        match weight {
            Weight::Samples => Costs::Samples(Vec::new()),
            Weight::CallTime => Costs::CallTime(Vec::new()),
            Weight::Bytes => Costs::Bytes(Vec::new()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Costs::Samples(v) => v.len(),
            Costs::CallTime(v) => v.len(),
            Costs::Bytes(v) => v.len(),
        }
    }

    /// Adds a holder's cost; only the figures of this weight are kept.
    fn push(&mut self, cost: Cost) {
        match self {
            Costs::Samples(v) => v.push(cost.samples),
            Costs::CallTime(v) => v.push((cost.calls, cost.self_ns)),
            Costs::Bytes(v) => v.push(cost.heap),
        }
    }

    fn get(&self, holder: u32) -> Cost {
        let i = holder as usize;
        match self {
            Costs::Samples(v) => Cost { samples: v[i], ..Cost::default() },
            Costs::CallTime(v) => Cost { calls: v[i].0, self_ns: v[i].1, ..Cost::default() },
            Costs::Bytes(v) => Cost { heap: v[i], ..Cost::default() },
        }
    }
}

/// A holder climbing its callers: which holder, and the report node (a
/// frame of the chain) it has reached.
#[derive(Debug, Clone, Copy)]
struct Entry {
    holder: u32,
    at: u32,
}

/// The holders of one node being built, with their costs summed as they
/// are added (so the frames they reached are read once).
#[derive(Debug, Clone, Default)]
struct Group {
    entries: Vec<Entry>,
    /// Every holder's cost.
    inclusive: Cost,
    /// The cost of the holders whose chain ends here (the frame reached is
    /// a child of the report's root).
    ends: Cost,
}

impl Group {
    fn hold(&mut self, holder: u32, at: u32, cost: Cost, ends: bool) {
        self.entries.push(Entry { holder, at });
        self.inclusive += cost;
        if ends {
            self.ends += cost;
        }
    }
}

/// The report's calling-context tree, which holders climb.
enum Contexts {
    /// The report itself, shared with the analysis that built the tree.
    Shared(Arc<Report>),
    /// A copy of its nodes, when the analysis only borrows the report.
    Copied(Vec<Node>),
}

impl std::ops::Deref for Contexts {
    type Target = [Node];

    fn deref(&self) -> &[Node] {
        match self {
            Contexts::Shared(report) => &report.nodes,
            Contexts::Copied(nodes) => nodes,
        }
    }
}

/// What an inverted tree needs to expand its nodes later.
pub(crate) struct Pending {
    weight: Weight,
    basis: Basis,
    ranks: Vec<u32>,
    /// The report's calling-context tree (0 is its root).
    nodes: Contexts,
    costs: Costs,
    /// Per tree node: its holders, until the node is expanded.
    entries: Vec<Option<Vec<Entry>>>,
}

impl Pending {
    pub(crate) fn is_expanded(&self, id: u32) -> bool {
        self.entries.get(id as usize).is_none_or(Option::is_none)
    }

    /// Whether `id`, not yet expanded, will have children: whether any of
    /// its holders' chains goes on above it.
    pub(crate) fn will_have_children(&self, id: u32) -> Option<bool> {
        let entries = self.entries.get(id as usize)?.as_ref()?;
        Some(entries.iter().any(|entry| self.nodes[entry.at as usize].parent != ROOT))
    }

    /// Builds the children of `id`: its holders one caller up, grouped by
    /// the caller's function; holders whose chain ends here drop out.
    pub(crate) fn expand(&mut self, nodes: &mut Vec<TreeNode>, id: u32) {
        let Some(entries) = self.entries.get_mut(id as usize).and_then(Option::take) else { return };
        let mut groups: HashMap<FunctionId, Group> = HashMap::new();
        for entry in entries {
            let up = self.nodes[entry.at as usize].parent;
            if up != ROOT {
                let caller = self.nodes[up as usize];
                let cost = self.costs.get(entry.holder);
                groups.entry(caller.function).or_default().hold(
                    entry.holder,
                    up,
                    cost,
                    caller.parent == ROOT,
                );
            }
        }
        self.add_children(nodes, id, groups);
    }

    /// Adds a child of `id` per group of holders (in any order: children
    /// are sorted heaviest first).
    fn add_children(
        &mut self,
        nodes: &mut Vec<TreeNode>,
        id: u32,
        groups: impl IntoIterator<Item = (FunctionId, Group)>,
    ) {
        let depth = nodes[id as usize].depth + 1;
        let mut children = Vec::new();
        for (function, group) in groups {
            children.push(nodes.len() as u32);
            nodes.push(self.figures(Some(function), id, depth, group.inclusive, group.ends));
            self.entries.push(Some(group.entries));
        }
        children.sort_by(|&a, &b| heaviest_first(&self.ranks, &nodes[a as usize], &nodes[b as usize]));
        nodes[id as usize].children = children;
    }

    /// A node whose chain carries `inclusive`, of which `ends` ends here;
    /// only the weight's figures are filled.
    fn figures(
        &self,
        function: Option<FunctionId>,
        parent: u32,
        depth: u32,
        inclusive: Cost,
        ends: Cost,
    ) -> TreeNode {
        let raw = match self.weight {
            Weight::Samples => {
                Raw { self_samples: ends.samples, inclusive_samples: inclusive.samples, ..Raw::default() }
            }
            Weight::CallTime => {
                Raw { calls: Some((inclusive.calls, ends.self_ns, inclusive.self_ns)), ..Raw::default() }
            }
            Weight::Bytes => Raw { self_heap: ends.heap, inclusive_heap: inclusive.heap, ..Raw::default() },
        };
        let mut node = TreeNode::empty(function, parent, depth);
        scaled(&self.basis, &mut node, &raw);
        if self.weight != Weight::Bytes {
            node.self_heap = None;
            node.inclusive_heap = None;
        }
        node
    }
}

impl Analysis<'_> {
    /// The bottom-up tree of `weight`: roots are the functions holding that
    /// self cost, children their callers. Only the root and its children
    /// are built here; [`Tree::children`] builds the rest on demand.
    pub fn inverted(&self, weight: Weight) -> Tree {
        // Climbing report nodes groups the same chains of functions as
        // climbing merged ones (a merged node's report nodes share its
        // function path), so nothing is merged: the holders are the report
        // nodes with a self cost, grouped here by their function.
        let report_nodes = &self.report.nodes;
        let mut costs = Costs::new(weight);
        let mut total = Cost::default();
        let mut roots: Vec<Group> = vec![Group::default(); self.report.functions.len()];
        let mut hold = |id: usize, cost: Cost| {
            let node = report_nodes[id];
            let group = &mut roots[node.function as usize];
            group.hold(costs.len() as u32, id as u32, cost, node.parent == ROOT);
            costs.push(cost);
            total += cost;
        };
        match weight {
            Weight::Samples => {
                for (id, &samples) in self.self_samples.iter().enumerate().skip(1) {
                    if samples > 0 {
                        hold(id, Cost { samples, ..Cost::default() });
                    }
                }
            }
            Weight::CallTime => {
                for (id, calls) in self.calls.iter().enumerate().skip(1) {
                    if let Some(c) = calls {
                        hold(id, Cost { calls: c.calls, self_ns: c.self_ns, ..Cost::default() });
                    }
                }
            }
            // Without a heap pass `site` is empty.
            Weight::Bytes => {
                for (id, &heap) in self.site.iter().enumerate().skip(1) {
                    if heap != HeapFigures::default() {
                        hold(id, Cost { heap, ..Cost::default() });
                    }
                }
            }
        }
        let mut pending = Pending {
            weight,
            basis: self.basis().clone(),
            ranks: name_ranks(&self.report),
            nodes: match &self.report {
                ReportRef::Shared(report) => Contexts::Shared(Arc::clone(report)),
                ReportRef::Borrowed(report) => Contexts::Copied(report.nodes.clone()),
            },
            costs,
            entries: vec![None],
        };
        let mut nodes = vec![pending.figures(None, 0, 0, total, Cost::default())];
        let groups = roots.into_iter().enumerate().filter(|(_, group)| !group.entries.is_empty());
        pending.add_children(&mut nodes, Tree::ROOT, groups.map(|(f, group)| (f as FunctionId, group)));
        Tree {
            nodes,
            inverted: true,
            pending: Some(pending),
            outermost: Vec::new(),
            outermost_start: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::tree::tests::{outline, row};
    use super::super::{Analysis, Filter};
    use super::*;

    #[test]
    fn the_inverted_tree_starts_from_self_samples_and_climbs_to_the_callers() {
        let report = taylor();
        let analysis = Analysis::new(&report, &Filter::default());
        let mut tree = analysis.inverted(Weight::Samples);
        assert!(tree.is_inverted());
        assert_eq!(tree.nodes[0].inclusive_samples, 7);
        assert_eq!(tree.nodes.len(), 4, "only the root and its children are built at first");
        assert_eq!(
            outline(&analysis, &mut tree),
            vec![
                row(1, FACT, 0, 4),
                row(2, FACT, 0, 3),
                row(3, FACT, 0, 3),
                row(4, EXP, 0, 3),
                row(5, RUN, 3, 3),
                row(2, EXP, 0, 1),
                row(3, RUN, 1, 1),
                row(1, EXP, 0, 2),
                row(2, RUN, 2, 2),
                row(1, RUN, 1, 1),
            ]
        );
    }

    #[test]
    fn the_inverted_tree_of_call_time_and_of_bytes() {
        let report = taylor();
        let analysis = Analysis::new(&report, &main_threads());
        let mut tree = analysis.inverted(Weight::CallTime);
        let top: Vec<(String, Option<u64>, u64)> = tree.nodes[0]
            .children
            .iter()
            .map(|&id| {
                let n = &tree.nodes[id as usize];
                let ns = (n.inclusive_s.expect("call time") * 1e9).round() as u64;
                (analysis.name(n.function.expect("a function")).to_string(), n.calls, ns)
            })
            .collect();
        // factorial's self time: (1400 + 1200 + 1000 + 800 + 600) / 2 runs.
        assert_eq!(top, vec![(FACT.to_string(), Some(15), 2500), (EXP.to_string(), Some(1), 1500)]);
        let fact = tree.nodes[0].children[0];
        let callers: Vec<(Option<u64>, u64)> = tree
            .children(fact)
            .to_vec()
            .iter()
            .map(|&id| {
                let n = &tree.nodes[id as usize];
                (n.calls, (n.inclusive_s.expect("call time") * 1e9).round() as u64)
            })
            .collect();
        // Called by factorial: 12 calls, (1200 + 1000 + 800 + 600) / 2 ns;
        // by taylor_exp: 3 calls, 1400 / 2 ns.
        assert_eq!(callers, vec![(Some(12), 1800), (Some(3), 700)]);

        let bytes = analysis.inverted(Weight::Bytes);
        let roots: Vec<(String, u64)> = bytes.nodes[0]
            .children
            .iter()
            .map(|&id| {
                let n = &bytes.nodes[id as usize];
                let name = analysis.name(n.function.expect("a function")).to_string();
                (name, n.inclusive_heap.expect("heap pass").bytes)
            })
            .collect();
        assert_eq!(roots, vec![(GROW.to_string(), 3000), (RUN.to_string(), 500)]);
    }
}
