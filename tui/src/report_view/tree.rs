//! The call tree views: top-down, and bottom-up (inverted) by one weight,
//! printed in preorder with the heaviest child first, down to `--top` rows.

use super::Options;
use super::table::{Align, Table};
use super::units::{NONE, human_bytes, percent, seconds, seconds_or_none};
use proftui_core::analysis::{Analysis, SortKey, Tree, TreeNode, Weight};
use serde::Serialize;
use std::fmt::Write as _;

/// Rows shown when `--top` is not given: a tree can have millions.
pub const DEFAULT_ROWS: usize = 200;
/// Deeper nodes are not indented further; their depth is printed instead.
const MAX_INDENT: u32 = 32;

/// A tree node with its function's name, for JSON.
#[derive(Serialize)]
pub struct TreeRow<'a> {
    pub id: u32,
    pub name: &'a str,
    #[serde(flatten)]
    pub node: &'a TreeNode,
}

pub struct TreeView {
    pub tree: Tree,
    /// The inverted tree's weight.
    pub weight: Option<Weight>,
    /// Node ids in preorder, at most `--top` of them.
    pub shown: Vec<u32>,
    /// Whether nodes were left out by `--top`.
    pub more: bool,
    pub hottest: Vec<u32>,
}

#[derive(Serialize)]
pub struct TreeJson<'a> {
    pub inverted: bool,
    pub weight: Option<Weight>,
    /// The root first, then preorder.
    pub nodes: Vec<TreeRow<'a>>,
    /// Nodes were left out by `--top`.
    pub truncated: bool,
    /// Ids from the root's child down, always into the heaviest child.
    pub hottest_path: &'a [u32],
}

/// The weight an inverted tree is built on: `--sort bytes|peak|leaked`
/// asks for heap bytes, `--sort calls` for call time; otherwise samples,
/// or whatever pass the report has.
pub fn weight(analysis: &Analysis<'_>, sort: Option<SortKey>) -> Weight {
    let basis = analysis.basis();
    match sort {
        Some(SortKey::Bytes | SortKey::Peak | SortKey::Leaked) => Weight::Bytes,
        Some(SortKey::Calls) => Weight::CallTime,
        _ if basis.cpu.is_some() => Weight::Samples,
        _ if basis.calls.is_some() => Weight::CallTime,
        _ => Weight::Bytes,
    }
}

pub fn build(analysis: &Analysis<'_>, inverted: bool, options: &Options) -> TreeView {
    let weight = inverted.then(|| weight(analysis, options.sort));
    let mut tree = match weight {
        Some(weight) => analysis.inverted(weight),
        None => analysis.tree(),
    };
    let limit = options.top.unwrap_or(DEFAULT_ROWS);
    // One more than shown says whether anything was left out; an inverted
    // tree builds only what it is asked for.
    let mut shown = tree.preorder(Some(limit.saturating_add(1)));
    let more = shown.len() > limit;
    shown.truncate(limit);
    let hottest = tree.hottest_path();
    TreeView { tree, weight, shown, more, hottest }
}

pub fn json<'a>(analysis: &'a Analysis<'_>, view: &'a TreeView) -> TreeJson<'a> {
    let row = |id: u32| {
        let node = view.tree.node(id);
        TreeRow { id, name: node.function.map_or("(all)", |f| analysis.name(f)), node }
    };
    TreeJson {
        inverted: view.tree.is_inverted(),
        weight: view.weight,
        nodes: std::iter::once(0).chain(view.shown.iter().copied()).map(row).collect(),
        truncated: view.more,
        hottest_path: &view.hottest,
    }
}

fn indent(depth: u32) -> String {
    let shown = depth.saturating_sub(1).min(MAX_INDENT);
    let mut out = "  ".repeat(shown as usize);
    if depth > MAX_INDENT + 1 {
        let _ = write!(out, "[{depth}] ");
    }
    out
}

pub fn text(analysis: &Analysis<'_>, view: &TreeView) -> String {
    let basis = analysis.basis();
    let tree = &view.tree;
    let show_samples = view.weight.is_none_or(|w| w == Weight::Samples) && basis.cpu.is_some();
    let show_calls = view.weight.is_none_or(|w| w == Weight::CallTime) && basis.calls.is_some();
    let show_heap = view.weight.is_none_or(|w| w == Weight::Bytes) && basis.heap.is_some();
    let mut columns = Vec::new();
    // Inverted, a node's figures are the root function's self cost along
    // the chain, and the part where the chain ends.
    let (samples, sample_share, cpu, self_samples, inclusive_time, self_time) = if tree.is_inverted() {
        ("smp", "%", "cpu", "ends smp", "self time", "ends here")
    } else {
        ("incl smp", "incl %", "cpu incl", "self smp", "cumtime", "tottime")
    };
    if show_samples {
        columns.extend([
            (samples, Align::Right),
            (sample_share, Align::Right),
            (cpu, Align::Right),
            (self_samples, Align::Right),
        ]);
    }
    if show_calls {
        columns.extend([("calls", Align::Right), (inclusive_time, Align::Right), (self_time, Align::Right)]);
    }
    if show_heap {
        columns.extend([("bytes", Align::Right), ("leaked", Align::Right)]);
    }
    columns.push(("function", Align::Left));
    let mut table = Table::new(&columns);
    let hottest: std::collections::HashSet<u32> = view.hottest.iter().copied().collect();
    for &id in std::iter::once(&0).chain(&view.shown) {
        let node = tree.node(id);
        let mut cells = Vec::new();
        if let Some(cpu) = basis.cpu.as_ref().filter(|_| show_samples) {
            cells.extend([
                node.inclusive_samples.to_string(),
                percent(cpu.percent(node.inclusive_samples)),
                seconds(node.inclusive_cpu_s),
                node.self_samples.to_string(),
            ]);
        }
        if show_calls {
            cells.extend([
                node.calls.map_or_else(|| NONE.to_string(), |c| c.to_string()),
                seconds_or_none(node.inclusive_s),
                seconds_or_none(node.self_s),
            ]);
        }
        if show_heap {
            match &node.inclusive_heap {
                Some(h) => cells.extend([human_bytes(h.bytes), human_bytes(h.bytes_at_end)]),
                None => cells.extend([NONE.to_string(), NONE.to_string()]),
            }
        }
        let name = match node.function {
            Some(f) => {
                let mark = if hottest.contains(&id) { "▸ " } else { "  " };
                format!("{}{mark}{}", indent(node.depth), analysis.name(f))
            }
            None => "(all)".to_string(),
        };
        cells.push(name);
        table.row(cells);
    }
    let mut out = match view.weight {
        None => format!(
            "call tree, top-down: {} contexts; children heaviest first; ▸ marks the hottest path\n",
            tree.nodes().len() - 1
        ),
        Some(weight) => {
            let what = match weight {
                Weight::Samples => "self samples",
                Weight::CallTime => "calls-pass self time",
                Weight::Bytes => "bytes allocated",
            };
            format!(
                "call tree, bottom-up by {what}: roots hold the cost, children are their callers; ▸ marks the hottest path\n  \
                 each row: the root function's own cost reached through this chain of callers \
                 (ends: stacks whose outermost frame is this one)\n"
            )
        }
    };
    out.push('\n');
    out.push_str(&table.render());
    if view.more {
        // A top-down tree is complete, so the count is known; an inverted
        // one was only built as far as it was shown.
        let left = if tree.is_inverted() {
            "more nodes".to_string()
        } else {
            format!("{} more nodes", tree.nodes().len() - 1 - view.shown.len())
        };
        let _ = writeln!(out, "({left} not shown; --top N shows N rows)");
    }
    out
}
