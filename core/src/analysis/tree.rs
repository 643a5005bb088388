//! Call trees: top-down (calling contexts merged by function, so the
//! line-level nodes of one function under one parent become one) and the
//! shared tree type the bottom-up tree ([`super::inverted`]) also uses.
//!
//! Trees are index vectors built without recursion; children are sorted by
//! inclusive cost, heaviest first, ties by function name.

use super::basis::Basis;
use super::heap::HeapFigures;
use super::index::Analysis;
use super::inverted::Pending;
use crate::report::{FunctionId, NodeId, ROOT, Report};
use serde::Serialize;
use std::cmp::Ordering;

/// A node of a call tree.
///
/// Top-down, `inclusive_*` cover the node's subtree and `self_*` the node
/// alone. Inverted, a node is a chain of callers of the root-level
/// function: `inclusive_*` is that function's self cost reached through
/// the chain, and `self_*` the part whose stack ends at this node; only
/// the [`Weight`](super::Weight)'s figures are filled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TreeNode {
    /// `None` for the tree's root.
    pub function: Option<FunctionId>,
    /// The root's parent is itself.
    pub parent: u32,
    pub depth: u32,
    pub self_samples: u64,
    pub inclusive_samples: u64,
    /// CPU seconds per run of the self and inclusive samples.
    pub self_cpu_s: f64,
    pub inclusive_cpu_s: f64,
    /// Calls of this context; `None` when the calls pass has none.
    pub calls: Option<u64>,
    /// Calls-pass time, in seconds.
    pub self_s: Option<f64>,
    pub inclusive_s: Option<f64>,
    pub self_heap: Option<HeapFigures>,
    pub inclusive_heap: Option<HeapFigures>,
    /// Heaviest first; filled once the node is expanded (see
    /// [`Tree::children`]).
    pub children: Vec<u32>,
}

impl TreeNode {
    /// A node with no figures (`calls`, `self_s`… `None`).
    pub(crate) fn empty(function: Option<FunctionId>, parent: u32, depth: u32) -> Self {
        Self {
            function,
            parent,
            depth,
            self_samples: 0,
            inclusive_samples: 0,
            self_cpu_s: 0.0,
            inclusive_cpu_s: 0.0,
            calls: None,
            self_s: None,
            inclusive_s: None,
            self_heap: None,
            inclusive_heap: None,
            children: Vec::new(),
        }
    }
}

/// A call tree; node 0 is the root. The top-down tree is complete when
/// built; the inverted one grows as nodes are expanded, so that only what
/// is looked at is ever built (its full size is the sum of the depths of
/// every self-cost holder, easily tens of millions of nodes).
pub struct Tree {
    pub(crate) nodes: Vec<TreeNode>,
    pub(crate) inverted: bool,
    /// Work left for the nodes not yet expanded; `None` when complete.
    pub(crate) pending: Option<Pending>,
    /// Top-down: per function, its outermost frames (no frame above runs
    /// the function), `outermost[outermost_start[f]..outermost_start[f + 1]]`;
    /// both empty bottom-up.
    pub(crate) outermost: Vec<u32>,
    pub(crate) outermost_start: Vec<u32>,
}

impl Tree {
    /// The root's id.
    pub const ROOT: u32 = 0;

    /// True for a bottom-up tree.
    pub fn is_inverted(&self) -> bool {
        self.inverted
    }

    /// The nodes built so far (all of them for a top-down tree).
    pub fn nodes(&self) -> &[TreeNode] {
        &self.nodes
    }

    /// A node built so far.
    pub fn node(&self, id: u32) -> &TreeNode {
        &self.nodes[id as usize]
    }

    /// The children of `id`, heaviest first, building them if needed.
    pub fn children(&mut self, id: u32) -> &[u32] {
        if let Some(pending) = &mut self.pending {
            pending.expand(&mut self.nodes, id);
        }
        &self.nodes[id as usize].children
    }

    /// The frames of `function` with no frame of it above them, in id
    /// order: where a view about the function starts, found without a walk
    /// (empty in a bottom-up tree).
    pub fn outermost_frames(&self, function: FunctionId) -> &[u32] {
        let f = function as usize;
        match (self.outermost_start.get(f), self.outermost_start.get(f + 1)) {
            (Some(&first), Some(&end)) => &self.outermost[first as usize..end as usize],
            _ => &[],
        }
    }

    /// Whether `id` has children, without building them.
    pub fn has_children(&self, id: u32) -> bool {
        self.pending
            .as_ref()
            .and_then(|p| p.will_have_children(id))
            .unwrap_or_else(|| !self.nodes[id as usize].children.is_empty())
    }

    /// Whether `children(id)` would build nothing.
    pub fn is_expanded(&self, id: u32) -> bool {
        self.pending.as_ref().is_none_or(|p| p.is_expanded(id))
    }

    /// Nodes below the root in preorder (parents before children, children
    /// heaviest first), at most `limit` of them; only what is returned (and
    /// the children of the last nodes) gets built.
    pub fn preorder(&mut self, limit: Option<usize>) -> Vec<u32> {
        let limit = limit.unwrap_or(usize::MAX);
        let mut order = Vec::new();
        let mut stack: Vec<u32> = self.children(Self::ROOT).iter().rev().copied().collect();
        while let Some(id) = stack.pop() {
            if order.len() >= limit {
                break;
            }
            order.push(id);
            stack.extend(self.children(id).iter().rev());
        }
        order
    }

    /// From the root down, always into the heaviest child: the ids below
    /// the root, outermost first.
    pub fn hottest_path(&mut self) -> Vec<u32> {
        let mut path = Vec::new();
        let mut at = Self::ROOT;
        while let Some(&child) = self.children(at).first() {
            path.push(child);
            at = child;
        }
        path
    }
}

/// Each function's place in name order, to break ties between equal
/// children without comparing strings each time.
pub(crate) fn name_ranks(report: &Report) -> Vec<u32> {
    let mut by_name: Vec<usize> = (0..report.functions.len()).collect();
    by_name.sort_by(|&a, &b| report.functions[a].name.cmp(&report.functions[b].name));
    let mut ranks = vec![0; by_name.len()];
    for (rank, function) in by_name.into_iter().enumerate() {
        ranks[function] = rank as u32;
    }
    ranks
}

/// Heaviest first: inclusive samples, then call time, then bytes, then
/// the function's name.
pub(crate) fn heaviest_first(ranks: &[u32], a: &TreeNode, b: &TreeNode) -> Ordering {
    let bytes = |n: &TreeNode| n.inclusive_heap.map_or(0, |h| h.bytes);
    let rank = |n: &TreeNode| n.function.map_or(0, |f| ranks[f as usize]);
    b.inclusive_samples
        .cmp(&a.inclusive_samples)
        .then(b.inclusive_s.unwrap_or(0.0).total_cmp(&a.inclusive_s.unwrap_or(0.0)))
        .then(bytes(b).cmp(&bytes(a)))
        .then(rank(a).cmp(&rank(b)))
}

/// Raw (unscaled) figures of one merged node.
#[derive(Default, Clone, Copy)]
pub(crate) struct Raw {
    pub self_samples: u64,
    pub inclusive_samples: u64,
    /// Calls, self ns and inclusive ns.
    pub calls: Option<(u64, u64, u64)>,
    pub self_heap: HeapFigures,
    pub inclusive_heap: HeapFigures,
    /// Something in the subtree has a selected figure.
    pub any: bool,
}

/// Report nodes merged along their function paths, with raw figures;
/// parents have smaller ids.
pub(crate) struct Merged {
    pub function: Vec<Option<FunctionId>>,
    pub parent: Vec<u32>,
    pub raw: Vec<Raw>,
    /// No merged node above runs the same function (as for its report
    /// nodes, which share its function path).
    pub outermost: Vec<bool>,
}

/// The shape of the merged tree, and where each report node went.
pub(crate) struct Shape {
    /// Per merged node; `None` for the root (merged node 0).
    pub function: Vec<Option<FunctionId>>,
    /// Per merged node; a parent's id is smaller than its children's.
    pub parent: Vec<u32>,
    /// Per report node, the merged node it is part of.
    pub of: Vec<u32>,
}

/// Raw figures scaled the way views show them.
pub(crate) fn scaled(basis: &Basis, node: &mut TreeNode, raw: &Raw) {
    let cpu_s = |samples| basis.cpu.as_ref().map_or(0.0, |cpu| cpu.seconds(samples));
    let scale_heap = |figures| basis.heap.as_ref().map(|h| h.scale(figures));
    let calls = raw.calls.zip(basis.calls.as_ref());
    node.self_samples = raw.self_samples;
    node.inclusive_samples = raw.inclusive_samples;
    node.self_cpu_s = cpu_s(raw.self_samples);
    node.inclusive_cpu_s = cpu_s(raw.inclusive_samples);
    node.calls = calls.map(|((c, _, _), scale)| scale.count(c));
    node.self_s = calls.map(|((_, s, _), scale)| scale.seconds(s));
    node.inclusive_s = calls.map(|((_, _, i), scale)| scale.seconds(i));
    node.self_heap = scale_heap(raw.self_heap);
    node.inclusive_heap = scale_heap(raw.inclusive_heap);
}

impl Analysis<'_> {
    /// Report nodes merged along their function paths: the children of a
    /// merged node's report nodes, grouped by function, are its children.
    /// A walk over the child index with a slot per function, so no
    /// hashing: linear in the nodes.
    pub(crate) fn merge_shape(&self) -> Shape {
        const FREE: u32 = u32::MAX;
        let n = self.report.nodes.len();
        let mut shape = Shape { function: vec![None], parent: vec![0], of: vec![0; n] };
        // The report nodes of merged node `m` are `members[start[m]..start[m + 1]]`.
        let mut members: Vec<NodeId> = Vec::with_capacity(n);
        members.push(ROOT);
        let mut start: Vec<u32> = vec![0, 1];
        let mut slot = vec![FREE; self.report.functions.len()];
        let (mut count, mut fill) = (Vec::new(), Vec::new());
        // Depth first: the children of report nodes near each other in id
        // order are looked at together.
        let mut stack = vec![0usize];
        while let Some(m) = stack.pop() {
            let first = shape.parent.len();
            let range = start[m] as usize..start[m + 1] as usize;
            for i in range.clone() {
                for &child in self.children(members[i]) {
                    let f = self.function(child);
                    if slot[f as usize] == FREE {
                        slot[f as usize] = shape.parent.len() as u32;
                        shape.function.push(Some(f));
                        shape.parent.push(m as u32);
                        count.push(0u32);
                    }
                    let at = slot[f as usize];
                    shape.of[child as usize] = at;
                    count[at as usize - first] += 1;
                }
            }
            // The new merged nodes' members, each a contiguous run.
            let mut next = members.len() as u32;
            for &c in &count {
                fill.push(next);
                next += c;
                start.push(next);
            }
            members.resize(next as usize, ROOT);
            for i in range {
                for &child in self.children(members[i]) {
                    let k = shape.of[child as usize] as usize - first;
                    members[fill[k] as usize] = child;
                    fill[k] += 1;
                }
            }
            for f in shape.function[first..].iter().flatten() {
                slot[*f as usize] = FREE;
            }
            count.clear();
            fill.clear();
            stack.extend((first..shape.parent.len()).rev());
        }
        shape
    }

    /// Report nodes merged along their function paths, with their figures.
    pub(crate) fn merge(&self) -> Merged {
        let Shape { function, parent, of } = self.merge_shape();
        let len = function.len();
        let mut merged =
            Merged { raw: vec![Raw::default(); len], function, parent, outermost: vec![false; len] };
        for (id, &at) in of.iter().enumerate().skip(1) {
            merged.outermost[at as usize] = self.outermost[id];
            let raw = &mut merged.raw[at as usize];
            raw.self_samples += self.self_samples[id];
            raw.any |= self.self_samples[id] > 0;
            if let Some(c) = self.calls[id] {
                let (calls, self_ns, inclusive_ns) = raw.calls.get_or_insert_default();
                *calls += c.calls;
                *self_ns += c.self_ns;
                *inclusive_ns += c.inclusive_ns;
                raw.any = true;
            }
            if self.has_heap() {
                raw.self_heap += self.site[id];
                raw.any |= self.site[id] != HeapFigures::default();
            }
        }
        // Merged ids are handed out parents first: one reverse sweep sums
        // subtrees.
        for raw in &mut merged.raw {
            raw.inclusive_samples = raw.self_samples;
            raw.inclusive_heap = raw.self_heap;
        }
        for id in (1..merged.raw.len()).rev() {
            let parent = merged.parent[id] as usize;
            let child = merged.raw[id];
            let up = &mut merged.raw[parent];
            up.inclusive_samples += child.inclusive_samples;
            up.inclusive_heap += child.inclusive_heap;
            up.any |= child.any;
        }
        merged
    }

    /// The top-down call tree, contexts without any selected figure left
    /// out. A merged node's calls and times are sums over report nodes
    /// that cannot nest (they sit at the same depth), so nothing is
    /// counted twice.
    pub fn tree(&self) -> Tree {
        let merged = self.merge();
        let basis = self.basis();
        let mut new_id = vec![u32::MAX; merged.raw.len()];
        let mut nodes: Vec<TreeNode> = Vec::new();
        for (id, raw) in merged.raw.iter().enumerate() {
            if id != 0 && !raw.any {
                continue;
            }
            let parent = if id == 0 { 0 } else { new_id[merged.parent[id] as usize] };
            let depth = if id == 0 { 0 } else { nodes[parent as usize].depth + 1 };
            new_id[id] = nodes.len() as u32;
            let mut node = TreeNode::empty(merged.function[id], parent, depth);
            scaled(basis, &mut node, raw);
            nodes.push(node);
        }
        for id in 1..nodes.len() {
            let parent = nodes[id].parent as usize;
            nodes[parent].children.push(id as u32);
        }
        let ranks = name_ranks(&self.report);
        for id in 0..nodes.len() {
            let mut children = std::mem::take(&mut nodes[id].children);
            children.sort_by(|&a, &b| heaviest_first(&ranks, &nodes[a as usize], &nodes[b as usize]));
            nodes[id].children = children;
        }
        // The outermost frames by function: counted, then placed in id order.
        let frames = || {
            (1..merged.raw.len())
                .filter(|&id| new_id[id] != u32::MAX && merged.outermost[id])
                .map(|id| (merged.function[id].expect("only the root has no function"), new_id[id]))
        };
        let mut outermost_start = vec![0u32; self.report.functions.len() + 1];
        for (function, _) in frames() {
            outermost_start[function as usize + 1] += 1;
        }
        for f in 0..self.report.functions.len() {
            outermost_start[f + 1] += outermost_start[f];
        }
        let mut fill = outermost_start.clone();
        let mut outermost = vec![0u32; outermost_start[self.report.functions.len()] as usize];
        for (function, id) in frames() {
            outermost[fill[function as usize] as usize] = id;
            fill[function as usize] += 1;
        }
        Tree { nodes, inverted: false, pending: None, outermost, outermost_start }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::fixtures::*;
    use super::super::{Analysis, Filter, Weight, find_function};
    use super::*;

    /// `(depth, name, self samples, inclusive samples)` in preorder.
    pub(crate) fn outline(analysis: &Analysis<'_>, tree: &mut Tree) -> Vec<(u32, String, u64, u64)> {
        tree.preorder(None)
            .into_iter()
            .map(|id| {
                let n = &tree.nodes[id as usize];
                let name = n.function.map_or("", |f| analysis.name(f)).to_string();
                (n.depth, name, n.self_samples, n.inclusive_samples)
            })
            .collect()
    }

    pub(crate) fn row(
        depth: u32,
        name: &str,
        self_samples: u64,
        inclusive_samples: u64,
    ) -> (u32, String, u64, u64) {
        (depth, name.to_string(), self_samples, inclusive_samples)
    }

    #[test]
    fn the_top_down_tree_merges_lines_and_puts_the_heaviest_first() {
        let report = taylor();
        let analysis = Analysis::new(&report, &main_threads());
        let mut tree = analysis.tree();
        assert_eq!(tree.nodes[0].inclusive_samples, 6);
        assert_eq!(
            outline(&analysis, &mut tree),
            vec![
                // run@4, run@6; taylor_exp@11, @12, @13 merge.
                row(1, RUN, 0, 6),
                row(2, EXP, 2, 6),
                // factorial@21 and @22 under taylor_exp merge.
                row(3, FACT, 1, 4),
                row(4, FACT, 0, 3),
                row(5, FACT, 3, 3),
                row(3, GROW, 0, 0),
                // The probes' own path (line 0) has no samples, only calls.
                row(1, EXP, 0, 0),
                row(2, FACT, 0, 0),
                row(3, FACT, 0, 0),
                row(4, FACT, 0, 0),
                row(5, FACT, 0, 0),
                row(6, FACT, 0, 0),
            ]
        );
        let preorder = tree.preorder(None);
        let probe_fact = &tree.nodes[preorder[7] as usize];
        assert_eq!(probe_fact.calls, Some(3));
        assert_close(probe_fact.inclusive_s.expect("probed"), 2500e-9);
        assert_close(probe_fact.self_s.expect("probed"), 700e-9);
        let grow = &tree.nodes[preorder[5] as usize];
        assert_eq!(grow.inclusive_heap.map(|h| h.bytes), Some(3000));
        let run = &tree.nodes[preorder[0] as usize];
        assert_eq!(run.inclusive_heap.map(|h| (h.bytes, h.bytes_at_end)), Some((3500, 1000)));
        assert_eq!(run.calls, None, "run is not probed");
    }

    #[test]
    fn outermost_frames_are_the_frames_with_no_frame_of_their_function_above() {
        let report = taylor();
        let analysis = Analysis::new(&report, &Filter::default());
        let tree = analysis.tree();
        let above = |mut id: u32, f| {
            while id != Tree::ROOT {
                id = tree.nodes[id as usize].parent;
                if tree.nodes[id as usize].function == Some(f) {
                    return true;
                }
            }
            false
        };
        for name in [RUN, EXP, FACT, GROW] {
            let f = id(&report, name);
            let expected: Vec<u32> = (1..tree.nodes.len() as u32)
                .filter(|&n| tree.nodes[n as usize].function == Some(f) && !above(n, f))
                .collect();
            assert!(!expected.is_empty(), "{name}");
            assert_eq!(tree.outermost_frames(f), expected, "{name}");
        }
        let deep = deep_chain(1_000);
        let analysis = Analysis::new(&deep, &Filter::default());
        let f = find_function(&deep, "deep::f").expect("the function exists");
        assert_eq!(analysis.tree().outermost_frames(f).len(), 1, "a recursion has one outermost frame");
        assert!(analysis.inverted(Weight::Samples).outermost_frames(f).is_empty());
    }

    #[test]
    fn the_hottest_path_follows_the_heaviest_child() {
        let report = taylor();
        let analysis = Analysis::new(&report, &Filter::default());
        let mut tree = analysis.tree();
        let names: Vec<&str> = tree
            .hottest_path()
            .iter()
            .map(|&id| tree.nodes[id as usize].function.map_or("", |f| analysis.name(f)))
            .collect();
        assert_eq!(names, [RUN, EXP, FACT, FACT, FACT]);
    }
}
