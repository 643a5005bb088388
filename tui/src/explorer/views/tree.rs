//! The call tree, top-down (calling contexts from the root) or bottom-up
//! (functions holding a self cost, then their callers), expanded node by
//! node.
//!
//! The rows on screen are a flat list of the visible nodes in preorder,
//! kept up to date incrementally: expanding a node splices its children in
//! after it, collapsing one drains its descendants, so a keypress costs
//! what it shows, never a walk from the root. A report can hold a million
//! contexts; the bottom-up tree is even built only as far as it is
//! expanded, on first use. The top-down tree is the profile's, built once
//! when the report opens and shared with the flame graph and the map.
//!
//! In diff mode a column shows the change of each row's sampled inclusive
//! time from the base's node on the same call path ([`BasePaths`]).

use crate::explorer::action::Action;
use crate::explorer::app::ViewKind;
use crate::explorer::baseline::{Baseline, SampledChange};
use crate::explorer::views::{Ctx, Outcome, View};
use crate::explorer::widgets::table::{self, Align, Column, Columns, Cursor, digits, elide, fit, name_width};
use crate::report_view::units::{NONE, human_bytes, percent, seconds};
use proftui_core::analysis::{Basis, HeapFigures, Tree, TreeNode, Weight};
use proftui_core::report::{Function, FunctionId, Report};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Paragraph;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Figures are dropped before the function column gets narrower than this.
const NAME_WIDTH: u16 = 32;

/// Indentation takes at most 1/`INDENT_SHARE` of the function column;
/// deeper nodes stay at that indentation with their depth written out.
const INDENT_SHARE: usize = 2;

/// What a tree was built from: the report and the thread filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Source {
    report: usize,
    thread: Option<usize>,
}

impl Source {
    fn of(ctx: &Ctx) -> Self {
        Self { report: Arc::as_ptr(&ctx.profile.report) as usize, thread: ctx.profile.thread }
    }
}

/// A visible node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row {
    id: u32,
    /// Its children are the rows after it.
    open: bool,
    leaf: bool,
}

/// The tree shown: the profile's top-down tree, complete and shared with
/// the flame graph and the map, or this view's own bottom-up tree, which
/// grows as it is expanded.
enum Shown {
    TopDown(Arc<Tree>),
    BottomUp(Box<Tree>),
}

impl Shown {
    fn tree(&self) -> &Tree {
        match self {
            Shown::TopDown(tree) => tree,
            Shown::BottomUp(tree) => tree,
        }
    }

    fn node(&self, id: u32) -> &TreeNode {
        self.tree().node(id)
    }

    fn nodes(&self) -> &[TreeNode] {
        self.tree().nodes()
    }

    fn is_inverted(&self) -> bool {
        self.tree().is_inverted()
    }

    /// The children of `id`, heaviest first (built now in a growing tree).
    fn children(&mut self, id: u32) -> &[u32] {
        match self {
            Shown::TopDown(tree) => &tree.node(id).children,
            Shown::BottomUp(tree) => tree.children(id),
        }
    }

    /// From the root down, always into the heaviest child (as
    /// [`Tree::hottest_path`], which needs the tree to itself).
    fn hottest_path(&mut self) -> Vec<u32> {
        let mut path = Vec::new();
        while let Some(&child) = self.children(path.last().copied().unwrap_or(Tree::ROOT)).first() {
            path.push(child);
        }
        path
    }

    /// Every node below the root in preorder, children heaviest first (as
    /// [`Tree::preorder`]).
    fn preorder(&mut self) -> Vec<u32> {
        let mut order = Vec::new();
        let mut stack: Vec<u32> = self.children(Tree::ROOT).iter().rev().copied().collect();
        while let Some(id) = stack.pop() {
            order.push(id);
            stack.extend(self.children(id).iter().rev());
        }
        order
    }
}

/// Diff mode: the node of the base's tree on the same call path as a node
/// of the new tree (the same comparable function names from the root,
/// top-down, or from the self-cost holder, bottom-up). The base tree is
/// walked down those names only for the nodes asked about, and what was
/// found is remembered, so a lookup costs the path's unmatched part once.
pub(super) struct BasePaths {
    baseline: Arc<Baseline>,
    /// The base's tree of the same kind: its top-down tree, shared by
    /// every view through [`Baseline::tree`], or a bottom-up one of its
    /// own that grows as it is walked.
    tree: Shown,
    base_names: Vec<String>,
    new_names: Vec<String>,
    /// New node → its base node (`None`: the base has no such path).
    matched: HashMap<u32, Option<u32>>,
}

impl BasePaths {
    /// The base's top-down tree, or its bottom-up tree by self samples,
    /// for nodes of a tree of `new`.
    pub(super) fn new(baseline: &Arc<Baseline>, new: &Report, inverted: bool) -> Self {
        let tree = if inverted {
            Shown::BottomUp(Box::new(baseline.analysis.inverted(Weight::Samples)))
        } else {
            Shown::TopDown(baseline.tree())
        };
        Self {
            baseline: Arc::clone(baseline),
            tree,
            base_names: baseline.comparable_base_names(),
            new_names: new.functions.iter().map(|f| baseline.comparable_new(&f.name)).collect(),
            matched: HashMap::new(),
        }
    }

    /// The base node on the same path as `node` of the new tree `new`.
    pub(super) fn base_of(&mut self, new: &Tree, node: u32) -> Option<u32> {
        // Up to the root or the nearest node already matched, then down
        // the base tree along the same names.
        let mut path = Vec::new();
        let mut at = node;
        let mut base = loop {
            if at == Tree::ROOT {
                break Some(Tree::ROOT);
            }
            if let Some(&known) = self.matched.get(&at) {
                break known;
            }
            path.push(at);
            at = new.node(at).parent;
        };
        for &id in path.iter().rev() {
            base = base.and_then(|parent| {
                let name = new.node(id).function.map(|f| self.new_names[f as usize].as_str());
                let children = self.tree.children(parent).to_vec();
                children.into_iter().find(|&child| {
                    self.tree.node(child).function.map(|f| self.base_names[f as usize].as_str()) == name
                })
            });
            self.matched.insert(id, base);
        }
        base
    }

    /// The change of `node`'s inclusive samples from the same path in the
    /// base; `None` when either side has no cpu pass.
    pub(super) fn change(&mut self, new: &Tree, node: u32, new_basis: &Basis) -> Option<SampledChange> {
        let new_cpu = new_basis.cpu.as_ref()?;
        let base = self.base_of(new, node).map(|b| self.tree.node(b).inclusive_samples);
        self.baseline.sampled_change(base, new.node(node).inclusive_samples, new_cpu)
    }
}

/// Diff mode's part of a built tree.
struct TreeDiff {
    label: String,
    /// `None` when the change cannot be shown: one side lacks cpu samples
    /// (a bottom-up tree weighed by anything else has no sampled figure).
    paths: Option<BasePaths>,
}

/// A built tree and its visible rows.
struct Built {
    tree: Shown,
    weight: Option<Weight>,
    basis: Basis,
    rows: Vec<Row>,
    /// Nodes on the path from the root always into the heaviest child.
    hottest: HashSet<u32>,
    /// The largest call and sample counts of any node (column widths).
    most_calls: u64,
    most_samples: u64,
    diff: Option<TreeDiff>,
}

#[derive(Default)]
pub struct State {
    inverted: bool,
    /// The tree and what it was built from, once it is used.
    built: Option<(Source, Built)>,
    pub cursor: Cursor,
}

/// The weight of a bottom-up tree: cpu samples, else call time, else bytes.
fn weight(basis: &Basis) -> Weight {
    if basis.cpu.is_some() {
        Weight::Samples
    } else if basis.calls.is_some() {
        Weight::CallTime
    } else {
        Weight::Bytes
    }
}

impl Built {
    fn new(ctx: &Ctx, inverted: bool) -> Self {
        let analysis = &ctx.profile.analysis;
        let basis = analysis.basis().clone();
        let weight = inverted.then(|| weight(&basis));
        let mut tree = match weight {
            Some(weight) => Shown::BottomUp(Box::new(analysis.inverted(weight))),
            None => Shown::TopDown(Arc::clone(&ctx.profile.tree)),
        };
        let hottest = tree.hottest_path().into_iter().collect();
        // Top-down every node exists; bottom-up the root-level nodes hold
        // the largest figures (a chain's figures are part of its root's).
        let nodes = if inverted { &tree.nodes()[..1] } else { tree.nodes() };
        let most_calls = nodes.iter().filter_map(|n| n.calls).max().unwrap_or(0);
        let most_samples = tree.node(Tree::ROOT).inclusive_samples;
        let root = Row { id: Tree::ROOT, open: false, leaf: tree.children(Tree::ROOT).is_empty() };
        let diff = ctx.profile.baseline.as_ref().map(|baseline| {
            let sampled = basis.cpu.is_some()
                && baseline.cpu().is_some()
                && weight.is_none_or(|w| w == Weight::Samples);
            TreeDiff {
                label: baseline.label(),
                paths: sampled.then(|| BasePaths::new(baseline, &ctx.profile.report, inverted)),
            }
        });
        let mut built =
            Self { tree, weight, basis, rows: vec![root], hottest, most_calls, most_samples, diff };
        built.expand(0);
        built
    }

    fn node(&self, row: usize) -> &TreeNode {
        self.tree.node(self.rows[row].id)
    }

    fn row_of(&self, id: u32) -> Row {
        // Whether a node is a leaf is known without building its children
        // (a bottom-up tree builds them only when the node is opened).
        Row { id, open: false, leaf: !self.tree.tree().has_children(id) }
    }

    /// Shows the children of the node at `row`; false if it has none or
    /// shows them already.
    fn expand(&mut self, row: usize) -> bool {
        let Row { id, open, leaf } = self.rows[row];
        if open || leaf {
            return false;
        }
        let children = self.tree.children(id).to_vec();
        let new: Vec<Row> = children.into_iter().map(|c| self.row_of(c)).collect();
        self.rows[row].open = true;
        self.rows.splice(row + 1..row + 1, new);
        true
    }

    /// The row after the last visible descendant of `row`.
    fn subtree_end(&self, row: usize) -> usize {
        let depth = self.node(row).depth;
        let mut end = row + 1;
        while end < self.rows.len() && self.node(end).depth > depth {
            end += 1;
        }
        end
    }

    /// Hides the descendants of `row`; false if none were shown.
    fn collapse(&mut self, row: usize) -> bool {
        if !self.rows[row].open {
            return false;
        }
        let end = self.subtree_end(row);
        self.rows.drain(row + 1..end);
        self.rows[row].open = false;
        true
    }

    /// The row of the parent of the node at `row`.
    fn parent_row(&self, row: usize) -> Option<usize> {
        let depth = self.node(row).depth;
        (0..row).rev().find(|&r| self.node(r).depth < depth)
    }

    /// Expands the heaviest child below `row`, its heaviest child, and so
    /// on down to a leaf; returns the leaf's row. The nodes not shown yet
    /// are spliced in at once, so a path a million deep is one insertion.
    fn expand_hottest(&mut self, row: usize) -> usize {
        // Children follow their open parent, the heaviest first.
        let mut at = row;
        while self.rows[at].open {
            at += 1;
        }
        if self.rows[at].leaf {
            return at;
        }
        let mut firsts = Vec::new();
        let mut rests = Vec::new();
        let mut id = self.rows[at].id;
        loop {
            let children = self.tree.children(id).to_vec();
            let Some((&first, rest)) = children.split_first() else { break };
            let mut first_row = self.row_of(first);
            first_row.open = !first_row.leaf;
            firsts.push(first_row);
            rests.push(rest.iter().map(|&c| self.row_of(c)).collect::<Vec<_>>());
            if first_row.leaf {
                break;
            }
            id = first;
        }
        self.rows[at].open = true;
        let depth = firsts.len();
        // Preorder: the path down, then each level's other children, the
        // deepest level's first.
        let segment: Vec<Row> = firsts.into_iter().chain(rests.into_iter().rev().flatten()).collect();
        self.rows.splice(at + 1..at + 1, segment);
        at + depth
    }

    /// Shows the node `id` (a top-down tree's, where every node exists),
    /// expanding its ancestors; its row.
    fn reveal(&mut self, id: u32) -> usize {
        let mut path = vec![id];
        let mut at = id;
        while at != Tree::ROOT {
            at = self.tree.node(at).parent;
            path.push(at);
        }
        path.reverse();
        let mut row = 0;
        for pair in path.windows(2) {
            self.expand(row);
            row = (row + 1..self.rows.len())
                .find(|&r| self.rows[r].id == pair[1])
                .expect("an expanded node shows its children after it");
        }
        row
    }

    /// The next (or previous) node whose function matches, wrapping: over
    /// the whole tree top-down (revealing it), over the visible rows
    /// bottom-up (whose full tree can be huge and is built only as shown).
    fn search(
        &mut self,
        cursor: &mut Cursor,
        needle: &str,
        forward: bool,
        include_current: bool,
        functions: &[Function],
    ) -> bool {
        let order: Vec<u32> = if self.tree.is_inverted() {
            self.rows.iter().map(|r| r.id).collect()
        } else {
            std::iter::once(Tree::ROOT).chain(self.tree.preorder()).collect()
        };
        let matching: Vec<bool> = functions.iter().map(|f| f.name.to_lowercase().contains(needle)).collect();
        let len = order.len();
        let current = self.rows.get(cursor.selected).map_or(Tree::ROOT, |r| r.id);
        let start = order.iter().position(|&id| id == current).unwrap_or(0);
        let found = table::find_wrapping(len, start, forward, include_current, |at| {
            self.tree.node(order[at]).function.is_some_and(|f| matching[f as usize])
        });
        let Some(at) = found else { return false };
        cursor.selected = if self.tree.is_inverted() { at } else { self.reveal(order[at]) };
        true
    }
}

impl State {
    /// The bottom-up tree's state.
    pub fn inverted() -> Self {
        Self { inverted: true, ..Self::default() }
    }

    /// The tree of the current report and thread filter (built now if it
    /// is not yet, with the selection back at the top) and the selection.
    fn parts(&mut self, ctx: &Ctx) -> (&mut Built, &mut Cursor) {
        let source = Source::of(ctx);
        if self.built.as_ref().is_none_or(|(s, _)| *s != source) {
            self.cursor = Cursor::default();
            self.built = Some((source, Built::new(ctx, self.inverted)));
        }
        let (_, built) = self.built.as_mut().expect("built just above");
        (built, &mut self.cursor)
    }

    fn selected_function(&mut self, ctx: &Ctx) -> Option<FunctionId> {
        let (built, cursor) = self.parts(ctx);
        built.rows.get(cursor.selected).and_then(|r| built.tree.node(r.id).function)
    }

    fn go(&mut self, ctx: &Ctx, view: ViewKind) -> Outcome {
        match self.selected_function(ctx) {
            Some(f) => Outcome::Focus(f, view),
            None => Outcome::Message("(all) is the root of the tree, not a function".into()),
        }
    }
}

impl View for State {
    fn refresh(&mut self, ctx: &Ctx) {
        // Only the report and the thread filter shape the tree: a new
        // focus keeps it as it is. Building waits until the tree is used.
        if self.built.as_ref().is_some_and(|(source, _)| *source != Source::of(ctx)) {
            self.built = None;
        }
    }

    fn update(&mut self, action: Action, ctx: &Ctx) -> Outcome {
        use Action as A;
        match action {
            A::Enter | A::ShowEdges => return self.go(ctx, ViewKind::Edges),
            A::ShowLines => return self.go(ctx, ViewKind::Lines),
            _ => {}
        }
        let (built, cursor) = self.parts(ctx);
        let len = built.rows.len();
        if cursor.apply(action, len, ctx.page_rows) {
            return Outcome::Nothing;
        }
        let at = cursor.selected.min(len.saturating_sub(1));
        match action {
            // On an open node, into its first child.
            A::Expand if !built.expand(at) && built.rows[at].open => cursor.selected = at + 1,
            // On a closed node, up to its parent.
            A::Collapse if !built.collapse(at) => cursor.selected = built.parent_row(at).unwrap_or(at),
            A::ExpandHottest => cursor.selected = built.expand_hottest(at),
            _ => {}
        }
        Outcome::Nothing
    }

    fn find(&mut self, needle: &str, forward: bool, include_current: bool, ctx: &Ctx) -> bool {
        let (built, cursor) = self.parts(ctx);
        built.search(cursor, needle, forward, include_current, &ctx.profile.report.functions)
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let (built, cursor) = self.parts(ctx);
        draw(frame, area, built, cursor, ctx);
    }
}

/// A figure column, or the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Figure {
    InclusiveSamples,
    InclusiveShare,
    SelfSamples,
    Calls,
    InclusiveTime,
    SelfTime,
    Bytes,
    SelfBytes,
    /// Diff mode: the change of the inclusive samples' time.
    Change,
    Function,
}

/// Characters of a change's text (`~+20.0 ms +100%`).
const CHANGE_WIDTH: u16 = 15;

fn columns(built: &Built, relative: bool, width: u16) -> Columns<Figure> {
    use Figure as F;
    let right = |title, width| Column { title, width, align: Align::Right };
    let basis = &built.basis;
    let samples = digits(built.most_samples, "incl smp");
    let calls = digits(built.most_calls, "calls");
    let mut all = Vec::new();
    match built.weight {
        None => {
            if basis.cpu.is_some() {
                if relative {
                    all.push((F::InclusiveShare, right("incl %", 6), 1));
                    all.push((F::SelfSamples, right("self %", 6), 3));
                } else {
                    all.push((F::InclusiveSamples, right("incl smp", samples), 1));
                    all.push((F::InclusiveShare, right("incl %", 6), 4));
                    all.push((F::SelfSamples, right("self smp", digits(built.most_samples, "self smp")), 3));
                }
            }
            if basis.calls.is_some() {
                all.push((F::Calls, right("calls", calls), 2));
                all.push((F::InclusiveTime, right("incl t", 8), 5));
            }
            if basis.heap.is_some() {
                all.push((F::Bytes, right("bytes", 9), 6));
            }
        }
        Some(Weight::Samples) => {
            if !relative {
                all.push((F::InclusiveSamples, right("smp", digits(built.most_samples, "smp")), 1));
            }
            all.push((F::InclusiveShare, right("%", 6), if relative { 1 } else { 3 }));
            all.push((F::SelfSamples, right(if relative { "ends %" } else { "ends smp" }, 8), 2));
        }
        Some(Weight::CallTime) => {
            all.push((F::Calls, right("calls", calls), 2));
            all.push((F::InclusiveTime, right("self t", 8), 1));
            all.push((F::SelfTime, right("ends t", 8), 3));
        }
        Some(Weight::Bytes) => {
            all.push((F::Bytes, right("bytes", 9), 1));
            all.push((F::SelfBytes, right("ends", 9), 2));
        }
    }
    if built.diff.as_ref().is_some_and(|d| d.paths.is_some()) {
        // The change is kept longest after the first figure it belongs to.
        for (_, _, rank) in &mut all {
            *rank += 1;
        }
        let title = if built.weight.is_some() { "Δ t" } else { "Δ incl t" };
        all.insert(all.len().min(1), (F::Change, right(title, CHANGE_WIDTH), 1));
    }
    all.push((F::Function, Column { title: "function", width: NAME_WIDTH, align: Align::Left }, 0));
    fit(all, width, NAME_WIDTH)
}

fn share(part: u64, total: u64) -> String {
    if total == 0 { NONE.to_string() } else { percent(part as f64 * 100.0 / total as f64) }
}

fn time(value: Option<f64>) -> String {
    value.map_or_else(|| NONE.to_string(), seconds)
}

fn cell(figure: Figure, node: &TreeNode, root: &TreeNode, relative: bool) -> String {
    use Figure as F;
    let samples = |n: u64| if relative { share(n, root.inclusive_samples) } else { n.to_string() };
    let bytes = |h: Option<HeapFigures>| match (h, root.inclusive_heap) {
        (Some(h), Some(total)) if relative => share(h.bytes, total.bytes),
        (Some(h), _) => human_bytes(h.bytes),
        (None, _) => NONE.to_string(),
    };
    match figure {
        F::InclusiveSamples => samples(node.inclusive_samples),
        F::InclusiveShare => share(node.inclusive_samples, root.inclusive_samples),
        F::SelfSamples => samples(node.self_samples),
        F::Calls => node.calls.map_or_else(|| NONE.to_string(), |c| c.to_string()),
        F::InclusiveTime => time(node.inclusive_s),
        F::SelfTime => time(node.self_s),
        F::Bytes => bytes(node.inclusive_heap),
        F::SelfBytes => bytes(node.self_heap),
        F::Change | F::Function => String::new(),
    }
}

/// Indentation, expansion marker and name of a row in `width` characters.
fn label(row: Row, node: &TreeNode, name: &str, width: usize) -> String {
    let marker = if row.leaf {
        "  "
    } else if row.open {
        "▾ "
    } else {
        "▸ "
    };
    let max_levels = width / INDENT_SHARE / 2;
    let levels = node.depth as usize;
    let text = if levels > max_levels {
        format!("{}[{}] {marker}{name}", "  ".repeat(max_levels.saturating_sub(1)), node.depth)
    } else {
        format!("{}{marker}{name}", "  ".repeat(levels))
    };
    let count = text.chars().count();
    if count <= width {
        return text;
    }
    // Keep the indentation and marker; shorten the name from the left.
    let prefix = count - name.chars().count();
    let kept: String = text.chars().take(prefix).collect();
    format!("{kept}{}", elide(name.to_string(), width.saturating_sub(prefix)))
}

/// What the tree shows and what its figures rest on.
fn caption(built: &Built) -> String {
    let text = plain_caption(built);
    match &built.diff {
        None => text,
        Some(TreeDiff { label, paths: Some(_) }) => {
            format!("Δ: change of the same call path against {label}; ~ within sampling noise · {text}")
        }
        Some(TreeDiff { label, paths: None }) => {
            format!("no Δ against {label}: it needs cpu samples in both reports · {text}")
        }
    }
}

/// The caption outside diff mode.
fn plain_caption(built: &Built) -> String {
    let calls = match &built.basis.calls {
        Some(c) if c.per_run => " · calls, t: per run".to_string(),
        Some(c) => format!(" · calls, t: totals of {} runs", c.repeats),
        None => String::new(),
    };
    let hottest = "bold: the hottest path (e expands it)";
    match built.weight {
        None => {
            let contexts = built.tree.nodes().len() - 1;
            format!("top-down, {contexts} contexts, heaviest first · {hottest}{calls}")
        }
        Some(weight) => {
            let what = match weight {
                Weight::Samples => "self samples",
                Weight::CallTime => "calls-pass self time (no cpu pass)",
                Weight::Bytes => "bytes allocated (no cpu or calls pass)",
            };
            format!(
                "bottom-up by {what}: who holds it, then their callers · ends: stacks starting there · \
                 {hottest}{calls}"
            )
        }
    }
}

fn draw(frame: &mut Frame, area: Rect, built: &mut Built, cursor: &mut Cursor, ctx: &Ctx) {
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    frame.render_widget(Paragraph::new(caption(built)), head);
    let chosen = columns(built, ctx.relative, body.width);
    let figures: Vec<Figure> = chosen.iter().map(|(f, _, _)| *f).collect();
    let widths: Vec<Column> = chosen.iter().map(|(_, c, _)| *c).collect();
    let name_width = name_width(&chosen, body.width);
    let functions = &ctx.profile.report.functions;
    // Diff mode: the changes of the rows on screen, looked up before the
    // table borrows the tree.
    cursor.scroll_into_view(body.height.saturating_sub(1) as usize);
    let shown = cursor.offset..(cursor.offset + body.height as usize).min(built.rows.len());
    let changes: HashMap<usize, String> = match &mut built.diff {
        Some(TreeDiff { paths: Some(paths), .. }) if figures.contains(&Figure::Change) => {
            let tree = built.tree.tree();
            shown
                .map(|index| {
                    let change = paths.change(tree, built.rows[index].id, &built.basis);
                    (index, change.map_or_else(|| NONE.to_string(), |c| c.text()))
                })
                .collect()
        }
        _ => HashMap::new(),
    };
    let built = &*built;
    let root = built.tree.node(Tree::ROOT);
    let format_row = |index: usize| -> Vec<String> {
        let row = built.rows[index];
        let node = built.tree.node(row.id);
        let name = node.function.map_or("(all)", |f| functions[f as usize].name.as_str());
        figures
            .iter()
            .map(|&figure| match figure {
                Figure::Function => label(row, node, name, name_width),
                Figure::Change => changes.get(&index).cloned().unwrap_or_default(),
                _ => cell(figure, node, root, ctx.relative),
            })
            .collect()
    };
    let hottest = |index: usize| built.hottest.contains(&built.rows[index].id);
    table::draw(frame, body, &widths, built.rows.len(), cursor, format_row, hottest);
}

#[cfg(test)]
mod tests {
    use super::diff_fixture;
    use super::*;
    use crate::explorer::profile::Profile;
    use crate::explorer::views::fixture::{self, EXP, FACT, RUN};
    use insta::assert_snapshot;
    use ratatui::buffer::Buffer;
    use ratatui::style::Modifier;

    #[test]
    fn top_down_views_share_one_base_tree_in_diff_mode() {
        // The tree view and the flame graph each walk the base's top-down
        // tree: it is built once, on the baseline, and shared.
        let profile = fixture::diff_profile();
        let baseline = profile.baseline.as_ref().expect("diff mode");
        let tree_view = BasePaths::new(baseline, &profile.report, false);
        let flame = BasePaths::new(baseline, &profile.report, false);
        match (&tree_view.tree, &flame.tree) {
            (Shown::TopDown(a), Shown::TopDown(b)) => assert!(Arc::ptr_eq(a, b)),
            _ => panic!("top-down base paths walk the shared top-down tree"),
        }
        let inverted = BasePaths::new(baseline, &profile.report, true);
        assert!(matches!(inverted.tree, Shown::BottomUp(_)), "a bottom-up tree grows: its own");
    }

    const GROW: &str = "alloc::raw_vec::RawVec<T>::grow";

    fn view(profile: &Profile, inverted: bool) -> State {
        let mut state = if inverted { State::inverted() } else { State::default() };
        state.refresh(&fixture::ctx(profile, None));
        state
    }

    fn act(state: &mut State, profile: &Profile, actions: &[Action]) -> Outcome {
        let ctx = fixture::ctx(profile, None);
        actions.iter().fold(Outcome::Nothing, |_, &action| state.update(action, &ctx))
    }

    fn screen(state: &mut State, profile: &Profile, width: u16, height: u16) -> Buffer {
        let ctx = fixture::ctx(profile, None);
        fixture::draw(width, height, |frame, area| state.draw(frame, area, &ctx))
    }

    /// The visible rows as `depth name`.
    fn outline(state: &State, profile: &Profile) -> Vec<String> {
        let (_, built) = state.built.as_ref().expect("built");
        built
            .rows
            .iter()
            .map(|r| {
                let node = built.tree.node(r.id);
                let name =
                    node.function.map_or("(all)", |f| profile.report.functions[f as usize].name.as_str());
                format!("{} {name}", node.depth)
            })
            .collect()
    }

    fn cells(buffer: &Buffer, y: u16) -> String {
        fixture::row(buffer, y).split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn bold(buffer: &Buffer, y: u16) -> bool {
        buffer[(0, y)].modifier.contains(Modifier::BOLD)
    }

    #[test]
    fn the_top_down_tree_expands_its_hottest_path() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = view(&profile, false);
        assert!(state.built.is_none(), "nothing is built before the tree is used");
        let buffer = screen(&mut state, &profile, 100, 6);
        assert_eq!(cells(&buffer, 1), "incl smp incl % self smp calls incl t bytes function");
        assert_eq!(cells(&buffer, 2), "7 100.0% 0 — — 3.42 KiB ▾ (all)");
        assert_eq!(cells(&buffer, 3), "7 100.0% 1 — — 3.42 KiB ▸ taylor::run");
        // The probes' own stacks start at taylor_exp: calls but no samples.
        assert_eq!(cells(&buffer, 4), "0 0.0% 0 2 8.00 µs 0 B ▸ taylor::taylor_exp");

        act(&mut state, &profile, &[Action::ExpandHottest]);
        let buffer = screen(&mut state, &profile, 100, 12);
        assert_snapshot!(fixture::text(&buffer));
        // From the root down into the heaviest child each time, the end selected.
        assert_eq!(state.cursor.selected, 5);
        assert_eq!(cells(&buffer, 7), "3 42.9% 3 — — 0 B taylor::factorial");
        assert!(buffer[(0, 7)].modifier.contains(Modifier::REVERSED), "the end of the path is selected");
        assert!(!bold(&buffer, 2), "the root is not on the path");
        assert!((3..=7).all(|y| bold(&buffer, y)), "the hottest path is bold");
        assert!(!bold(&buffer, 8), "grow is off the hottest path");
        assert_eq!(cells(&buffer, 8), "0 0.0% 0 — — 2.93 KiB alloc::raw_vec::RawVec<T>::grow");
        assert_eq!(
            outline(&state, &profile),
            [
                "0 (all)".to_string(),
                format!("1 {RUN}"),
                format!("2 {EXP}"),
                format!("3 {FACT}"),
                format!("4 {FACT}"),
                format!("5 {FACT}"),
                format!("3 {GROW}"),
                format!("1 {EXP}"),
            ]
        );
    }

    #[test]
    fn expand_and_collapse_change_only_the_rows_below() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = view(&profile, false);
        act(&mut state, &profile, &[Action::ExpandHottest]);
        // Up to taylor_exp (row 2) and collapse it: its 4 descendants go.
        act(&mut state, &profile, &[Action::Top, Action::Down, Action::Down, Action::Collapse]);
        assert_eq!(
            outline(&state, &profile),
            ["0 (all)", &format!("1 {RUN}"), &format!("2 {EXP}"), &format!("1 {EXP}")]
        );
        assert_eq!(state.cursor.selected, 2);
        // Collapse on a closed node goes to its parent; expand on an open
        // one into its first child.
        act(&mut state, &profile, &[Action::Collapse]);
        assert_eq!(state.cursor.selected, 1);
        act(&mut state, &profile, &[Action::Expand]);
        assert_eq!(state.cursor.selected, 2);
        act(&mut state, &profile, &[Action::Expand]);
        assert_eq!(outline(&state, &profile)[3..5], [format!("3 {FACT}"), format!("3 {GROW}")]);
        // The probes' taylor_exp: calls 2, and factorial below it 31 calls
        // in 5 levels, 7 at the first.
        act(&mut state, &profile, &[Action::Bottom, Action::Expand]);
        let buffer = screen(&mut state, &profile, 100, 12);
        assert_eq!(cells(&buffer, 8), "0 0.0% 0 7 5.10 µs 0 B ▸ taylor::factorial");
        let ctx = fixture::ctx(&profile, None);
        let fact = fixture::function(&profile, FACT);
        state.update(Action::Down, &ctx);
        assert_eq!(state.update(Action::Enter, &ctx), Outcome::Focus(fact, ViewKind::Edges));
        assert_eq!(state.update(Action::ShowLines, &ctx), Outcome::Focus(fact, ViewKind::Lines));
        state.update(Action::Top, &ctx);
        assert!(matches!(state.update(Action::Enter, &ctx), Outcome::Message(_)), "(all) is not a function");
    }

    #[test]
    fn search_reveals_a_hidden_node_top_down() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = view(&profile, false);
        let ctx = fixture::ctx(&profile, None);
        assert!(state.find("grow", true, true, &ctx));
        let rows = outline(&state, &profile);
        assert_eq!(rows[state.cursor.selected], format!("3 {GROW}"));
        assert_eq!(rows.len(), 6, "run and taylor_exp expanded on the way: {rows:?}");
        // Next in preorder: under the probes' taylor_exp, revealed too.
        assert!(state.find("factorial", true, false, &ctx));
        let rows = outline(&state, &profile);
        assert_eq!(rows[state.cursor.selected - 1..], [format!("1 {EXP}"), format!("2 {FACT}")]);
        // Backwards: the deepest factorial of the sampled branch.
        assert!(state.find("factorial", false, false, &ctx));
        assert_eq!(outline(&state, &profile)[state.cursor.selected], format!("5 {FACT}"));
        assert!(!state.find("nothing like it", true, true, &ctx));
    }

    #[test]
    fn the_inverted_tree_climbs_from_self_samples_to_callers() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = view(&profile, true);
        act(&mut state, &profile, &[Action::ExpandHottest]);
        let buffer = screen(&mut state, &profile, 100, 12);
        assert_snapshot!(fixture::text(&buffer));
        assert!(fixture::row(&buffer, 0).starts_with("bottom-up by self samples"));
        assert_eq!(cells(&buffer, 1), "smp % ends smp function");
        // factorial holds 4 self samples; 3 of them reach run through
        // factorial ×2 and taylor_exp, whose stacks start at run.
        assert_eq!(cells(&buffer, 3), "4 57.1% 0 ▾ taylor::factorial");
        assert_eq!(cells(&buffer, 7), "3 42.9% 3 taylor::run");
        assert_eq!(state.cursor.selected, 5);
        assert!((3..=7).all(|y| bold(&buffer, y)) && !bold(&buffer, 8));
        let ctx = fixture::ctx(&profile, None);
        let run = fixture::function(&profile, RUN);
        assert_eq!(state.update(Action::Enter, &ctx), Outcome::Focus(run, ViewKind::Edges));
        assert!(state.find("taylor_exp", true, false, &ctx), "visible rows are searched");
    }

    #[test]
    fn without_a_cpu_pass_the_inverted_tree_weighs_call_time() {
        let mut report = fixture::taylor();
        report.cpu = None;
        let profile = fixture::profile(report);
        let mut state = view(&profile, true);
        let buffer = screen(&mut state, &profile, 100, 6);
        assert!(fixture::row(&buffer, 0).starts_with("bottom-up by calls-pass self time (no cpu pass)"));
        assert_eq!(cells(&buffer, 1), "calls self t ends t function");
        // factorial's self time: 5100 ns over 31 calls (totals of 2 runs);
        // taylor_exp's own 3000 ns in 2 calls.
        assert_eq!(cells(&buffer, 3), "31 5.10 µs 0 s ▸ taylor::factorial");
        assert_eq!(cells(&buffer, 4), "2 3.00 µs 3.00 µs taylor::taylor_exp");
        report_heap_only_weighs_bytes();
    }

    fn report_heap_only_weighs_bytes() {
        let mut report = fixture::taylor();
        (report.cpu, report.calls) = (None, None);
        let profile = fixture::profile(report);
        let mut state = view(&profile, true);
        let buffer = screen(&mut state, &profile, 100, 6);
        assert!(fixture::row(&buffer, 0).starts_with("bottom-up by bytes allocated"));
        assert_eq!(cells(&buffer, 3), "2.93 KiB 0 B ▸ alloc::raw_vec::RawVec<T>::grow");
    }

    #[test]
    fn relative_figures_are_shares_of_the_root() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = view(&profile, false);
        let ctx = Ctx { relative: true, ..fixture::ctx(&profile, None) };
        let buffer = fixture::draw(100, 5, |frame, area| state.draw(frame, area, &ctx));
        assert_eq!(cells(&buffer, 1), "incl % self % calls incl t bytes function");
        // run: all 7 samples, 1 of its own; 3500 of 3500 bytes.
        assert_eq!(cells(&buffer, 3), "100.0% 14.3% — — 100.0% ▸ taylor::run");
    }

    #[test]
    fn a_new_focus_keeps_the_tree_and_a_new_thread_rebuilds_it() {
        let mut profile = fixture::profile(fixture::taylor());
        let mut state = view(&profile, false);
        act(&mut state, &profile, &[Action::ExpandHottest]);
        let expanded = outline(&state, &profile);
        state.refresh(&fixture::ctx(&profile, Some(fixture::function(&profile, FACT))));
        assert_eq!(outline(&state, &profile), expanded);
        profile.next_thread();
        state.refresh(&fixture::ctx(&profile, None));
        act(&mut state, &profile, &[Action::Down]);
        assert_eq!(state.cursor.selected, 1, "the selection starts again at the top");
        assert_eq!(outline(&state, &profile).len(), 3, "(all), run, taylor_exp of the main thread");
    }

    #[test]
    fn narrow_and_tiny_areas() {
        let profile = fixture::profile(fixture::taylor());
        for inverted in [false, true] {
            let mut state = view(&profile, inverted);
            act(&mut state, &profile, &[Action::ExpandHottest]);
            for (width, height) in [(1, 1), (0, 0), (80, 0), (1, 24), (80, 1), (80, 2), (20, 10)] {
                screen(&mut state, &profile, width, height);
            }
        }
        let mut state = view(&profile, false);
        act(&mut state, &profile, &[Action::ExpandHottest]);
        let buffer = screen(&mut state, &profile, 50, 10);
        assert_snapshot!(fixture::text(&buffer));
    }

    /// Diff mode at 0.02 s a sample per run on both sides (see
    /// [`diff_fixture::changed_taylor`]): run 7 → 27 samples is +20 × 0.02
    /// = +400 ms, 27/7 - 1 = +286%; taylor_exp 6 → 26, +333%; factorial 4
    /// → 24, +500%, and 3 → 23 below it, +667%. All beyond noise: 20
    /// samples against 2 × √(7 + 27) = 11.7 at the most. tail is new;
    /// grow and the probes' taylor_exp have no samples on either side.
    #[test]
    fn diff_mode_shows_the_change_of_each_call_path() {
        let profile = diff_fixture::profile();
        let mut state = view(&profile, false);
        act(&mut state, &profile, &[Action::ExpandHottest]);
        let buffer = screen(&mut state, &profile, 100, 11);
        assert_snapshot!(fixture::text(&buffer));
        assert_eq!(cells(&buffer, 1), "incl smp Δ incl t incl % self smp calls incl t bytes function");
        assert_eq!(cells(&buffer, 2), "27 +400 ms +286% 100.0% 0 — — 4.39 KiB ▾ (all)");
        assert_eq!(cells(&buffer, 3), "27 +400 ms +286% 100.0% 1 — — 4.39 KiB ▾ taylor::run");
        assert_eq!(cells(&buffer, 4), "26 +400 ms +333% 96.3% 0 — — 3.91 KiB ▾ taylor::taylor_exp");
        assert_eq!(cells(&buffer, 5), "24 +400 ms +500% 88.9% 1 — — 0 B ▾ taylor::factorial");
        assert_eq!(cells(&buffer, 6), "23 +400 ms +667% 85.2% 0 — — 0 B ▾ taylor::factorial");
        assert_eq!(cells(&buffer, 7), "23 +400 ms +667% 85.2% 23 — — 0 B taylor::factorial");
        assert_eq!(cells(&buffer, 8), "2 new 7.4% 2 — — 0 B taylor::tail");
        assert_eq!(cells(&buffer, 9), "0 0.0% 0 — — 3.91 KiB …:raw_vec::RawVec<T>::grow");
        assert_eq!(cells(&buffer, 10), "0 0.0% 0 2 8.00 µs 0 B ▸ taylor::taylor_exp");
        let (_, built) = state.built.as_ref().expect("built");
        assert!(caption(built).starts_with(
            "Δ: change of the same call path against taylor · series · exp (base.json); ~ within sampling \
             noise · top-down, 13 contexts"
        ));
        // At 80 columns the change stays; bytes and call time make room.
        let buffer = screen(&mut state, &profile, 80, 11);
        assert_eq!(cells(&buffer, 1), "incl smp Δ incl t incl % self smp calls function");
        assert_eq!(cells(&buffer, 5), "24 +400 ms +500% 88.9% 1 — ▾ taylor::factorial");
        for (width, height) in [(1, 1), (0, 0), (20, 4), (50, 2)] {
            screen(&mut state, &profile, width, height);
        }
    }

    /// Bottom-up, a path is a chain of callers from the holder of self
    /// samples: factorial holds 4 → 24; its chain through two more
    /// factorial frames, taylor_exp and run 3 → 23 each; factorial@22's
    /// caller taylor_exp 1 → 1, no change (`0`); run's own sample 1 → 1.
    #[test]
    fn diff_mode_bottom_up_compares_chains_of_callers() {
        let profile = diff_fixture::profile();
        let mut state = view(&profile, true);
        act(&mut state, &profile, &[Action::ExpandHottest]);
        let buffer = screen(&mut state, &profile, 100, 13);
        assert_snapshot!(fixture::text(&buffer));
        assert_eq!(cells(&buffer, 1), "smp Δ t % ends smp function");
        assert_eq!(cells(&buffer, 2), "27 +400 ms +286% 100.0% 0 ▾ (all)");
        assert_eq!(cells(&buffer, 3), "24 +400 ms +500% 88.9% 0 ▾ taylor::factorial");
        assert_eq!(cells(&buffer, 4), "23 +400 ms +667% 85.2% 0 ▾ taylor::factorial");
        assert_eq!(cells(&buffer, 7), "23 +400 ms +667% 85.2% 23 taylor::run");
        assert_eq!(cells(&buffer, 8), "1 0 3.7% 0 ▸ taylor::taylor_exp");
        assert_eq!(cells(&buffer, 9), "2 new 7.4% 0 ▸ taylor::tail");
        assert_eq!(cells(&buffer, 10), "1 0 3.7% 1 taylor::run");
    }

    #[test]
    fn diff_mode_without_cpu_samples_says_why_there_is_no_change() {
        let mut new = diff_fixture::changed_taylor();
        new.cpu = None;
        let profile = diff_fixture::diff(fixture::taylor(), new);
        let mut state = view(&profile, false);
        let buffer = screen(&mut state, &profile, 100, 5);
        assert!(!fixture::row(&buffer, 1).contains('Δ'), "no change column");
        let (_, built) = state.built.as_ref().expect("built");
        assert!(caption(built).starts_with(
            "no Δ against taylor · series · exp (base.json): it needs cpu samples in both reports · top-down"
        ));
    }

    /// About 200k contexts: expanding stays proportional to what is shown,
    /// and a 50k-deep path is one splice.
    #[test]
    fn a_large_tree_stays_proportional_to_what_is_expanded() {
        const WIDTH: usize = 1000;
        const CHAIN: usize = 150;
        const DEEP: usize = 50_000;
        let profile = fixture::profile(fixture::wide_and_deep(WIDTH, CHAIN, DEEP));
        assert!(profile.report.nodes.len() > 200_000);
        let mut state = view(&profile, false);
        screen(&mut state, &profile, 80, 24);
        assert_eq!(outline(&state, &profile), ["0 (all)", "1 wide::main"]);
        act(&mut state, &profile, &[Action::Down, Action::Expand]);
        assert_eq!(outline(&state, &profile).len(), 2 + WIDTH + 1);

        act(&mut state, &profile, &[Action::ExpandHottest]);
        let rows = 2 + WIDTH + 1 + DEEP - 1;
        assert_eq!(state.built.as_ref().map(|(_, b)| b.rows.len()), Some(rows));
        assert_eq!(state.cursor.selected, 2 + DEEP - 1);
        let buffer = screen(&mut state, &profile, 80, 24);
        let selected =
            (0..24).find(|&y| buffer[(0, y)].modifier.contains(Modifier::REVERSED)).expect("on screen");
        let deepest = fixture::row(&buffer, selected);
        assert!(deepest.contains(&format!("[{}]   deep::f", DEEP + 1)), "{deepest}");
        assert!(deepest.trim_start().starts_with("5  "), "{deepest}");

        // Collapsing deep::f drops the path again, and only it.
        act(&mut state, &profile, &[Action::Top, Action::Down, Action::Down, Action::Collapse]);
        assert_eq!(outline(&state, &profile).len(), 2 + WIDTH + 1);

        let mut inverted = view(&profile, true);
        act(&mut inverted, &profile, &[Action::ExpandHottest]);
        // wide::c149 (1000 samples) ← c148 … c000 ← wide::w0000 (the first
        // of 1000 equal callers) ← wide::main; deep::f beside c149.
        let rows = outline(&inverted, &profile);
        assert_eq!(rows.len(), 1 + CHAIN + 1 + 1 + 1 + (WIDTH - 1));
        assert_eq!(rows[inverted.cursor.selected], format!("{} wide::main", CHAIN + 2));
        screen(&mut inverted, &profile, 80, 24);
    }
}

/// The two sides of the view tests of diff mode: the taylor fixture as the
/// base, and a changed copy as the new report.
#[cfg(test)]
pub(super) mod diff_fixture {
    use crate::explorer::profile::Profile;
    use crate::explorer::views::fixture::{self, EXP, FACT, FILE, RUN};
    use proftui_core::report::{Function, FunctionId, Node, NodeId, Report, Sample};
    use std::path::PathBuf;
    use std::sync::Arc;

    pub const TAIL: &str = "taylor::tail";

    fn id(report: &Report, name: &str) -> FunctionId {
        report.functions.iter().position(|f| f.name == name).expect("a fixture function") as FunctionId
    }

    /// The cpu pass's node of `function` at `line` under `parent`.
    fn node(report: &Report, parent: NodeId, function: FunctionId, line: u32) -> NodeId {
        let found = report
            .nodes
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, n)| n.parent == parent && n.function == function && n.line == line);
        found.expect("a fixture node").0 as NodeId
    }

    /// The taylor fixture changed: the deepest factorial frame
    /// (run@4 → taylor_exp@12 → factorial@21 ×3) holds 20 more samples;
    /// taylor_exp's 2 samples at line 11 are gone; a new `taylor::tail`,
    /// called from taylor_exp@14, holds 2; the worker's probed call of
    /// factorial is 3 calls instead of 1; the allocation under
    /// taylor_exp@13 is 4000 B instead of 3000 B. 27 samples (7 + 20 - 2 +
    /// 2) at the base's 0.04 s a sample over 2 runs: 0.02 s a sample per
    /// run on both sides.
    pub fn changed_taylor() -> Report {
        let mut report = fixture::taylor();
        let (run, exp, fact) = (id(&report, RUN), id(&report, EXP), id(&report, FACT));
        let run4 = node(&report, 0, run, 4);
        let exp11 = node(&report, run4, exp, 11);
        let exp12 = node(&report, run4, exp, 12);
        let deepest = node(&report, node(&report, node(&report, exp12, fact, 21), fact, 21), fact, 21);
        report.functions.push(Function { name: TAIL.into(), file: Some(FILE.into()), line: Some(16) });
        let tail = (report.functions.len() - 1) as FunctionId;
        report.nodes.push(Node { parent: run4, function: exp, line: 14 });
        report.nodes.push(Node { parent: (report.nodes.len() - 1) as NodeId, function: tail, line: 17 });
        let tail_node = (report.nodes.len() - 1) as NodeId;
        let cpu = report.cpu.as_mut().expect("the fixture has a cpu pass");
        let main = cpu.samples.iter().find(|s| s.node == deepest).expect("sampled").thread;
        cpu.samples.retain(|s| s.node != exp11);
        cpu.samples.push(Sample { node: deepest, thread: main, time_ns: 0, weight: 20 });
        for time_ns in [0, 1000] {
            cpu.samples.push(Sample { node: tail_node, thread: main, time_ns, weight: 1 });
        }
        cpu.cpu_s = 27.0 * 0.04;
        let calls = report.calls.as_mut().expect("the fixture has a calls pass");
        let worker = calls.stats.iter_mut().find(|s| s.calls == 1).expect("the worker's one call");
        worker.calls = 3;
        let heap = report.heap.as_mut().expect("the fixture has a heap pass");
        heap.sites[0].total_bytes = 4000;
        heap.total_bytes = 4500;
        report
    }

    /// `new` explored against `base`.
    pub fn diff(base: Report, new: Report) -> Profile {
        Profile::diff(
            Arc::new(base),
            PathBuf::from("base.json"),
            Arc::new(new),
            PathBuf::from("new.json"),
            &Default::default(),
        )
    }

    /// The changed taylor against the taylor fixture.
    pub fn profile() -> Profile {
        diff(fixture::taylor(), changed_taylor())
    }
}
