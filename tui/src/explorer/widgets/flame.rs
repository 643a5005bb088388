//! The pieces of the pictures (flame graph and callee map): which figure
//! weights a frame, the per-node weights of a top-down tree, an icicle
//! laid out row by row only as deep as it is looked at, names that fit a
//! width, and a stable colour per function name.
//!
//! Nothing here walks a tree recursively: weights are one sweep over a
//! preorder, and an icicle row is computed from the row above it.

use crate::explorer::baseline::SampledChange;
use crate::report_view::units::{human_bytes, seconds};
use proftui_core::analysis::{Basis, Tree, TreeNode, Weight};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use std::sync::OnceLock;

/// The figure the pictures are weighted by: cpu samples when the selection
/// has any, else calls-pass time, else heap bytes.
pub fn choose_weight(basis: &Basis) -> Weight {
    match basis {
        Basis { cpu: Some(cpu), .. } if cpu.samples > 0 => Weight::Samples,
        Basis { calls: Some(_), .. } => Weight::CallTime,
        Basis { heap: Some(_), .. } => Weight::Bytes,
        _ => Weight::Samples,
    }
}

/// What a weight measures, for captions.
pub fn weight_name(weight: Weight) -> &'static str {
    match weight {
        Weight::Samples => "inclusive cpu samples",
        Weight::CallTime => "inclusive call time (no cpu samples)",
        Weight::Bytes => "allocated bytes (no cpu samples or calls)",
    }
}

/// A weight's figure with its unit: `4 samples`, `3.40 µs`, `2.93 KiB`.
pub fn weight_figure(weight: Weight, value: f64) -> String {
    match weight {
        Weight::Samples => {
            let n = value.round() as u64;
            if n == 1 { "1 sample".to_string() } else { format!("{n} samples") }
        }
        Weight::CallTime => seconds(value),
        Weight::Bytes => human_bytes(value.round() as u64),
    }
}

/// A node's own figure in `weight` (0 when its pass did not measure it).
pub fn own_weight(node: &TreeNode, weight: Weight) -> f64 {
    match weight {
        Weight::Samples => node.inclusive_samples as f64,
        Weight::CallTime => node.inclusive_s.unwrap_or(0.0),
        Weight::Bytes => node.inclusive_heap.map_or(0.0, |h| h.bytes as f64),
    }
}

/// Every node's weight: its own figure, or the sum of its children's
/// when that is more (a node the calls pass did not probe still holds
/// its probed callees), so children always fit inside their parent.
pub fn node_weights(tree: &Tree, weight: Weight) -> Vec<f64> {
    let nodes = tree.nodes();
    let mut order = Vec::with_capacity(nodes.len());
    let mut stack = vec![Tree::ROOT];
    while let Some(id) = stack.pop() {
        order.push(id);
        stack.extend(&nodes[id as usize].children);
    }
    let mut weights: Vec<f64> = nodes.iter().map(|n| own_weight(n, weight)).collect();
    let mut below = vec![0.0; nodes.len()];
    for &id in order.iter().rev() {
        let id = id as usize;
        weights[id] = weights[id].max(below[id]);
        if id != Tree::ROOT as usize {
            below[nodes[id].parent as usize] += weights[id];
        }
    }
    weights
}

/// A frame drawn in an icicle row: cells `x0..x1` of the row.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub node: u32,
    pub x0: u16,
    pub x1: u16,
    /// Exact (unrounded) extent, so rounding never accumulates downwards.
    start: f64,
    end: f64,
}

/// Consecutive frames narrower than a cell, shown as one `…` mark over
/// cells `x0..x1` (possibly none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hidden {
    pub x0: u16,
    pub x1: u16,
    pub frames: usize,
}

/// One depth of an icicle.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    pub bars: Vec<Bar>,
    pub hidden: Vec<Hidden>,
}

impl Row {
    /// Frames of this row too narrow to draw.
    pub fn hidden_frames(&self) -> usize {
        self.hidden.iter().map(|h| h.frames).sum()
    }

    /// The index of `node`'s bar.
    pub fn find(&self, node: u32) -> Option<usize> {
        self.bars.iter().position(|b| b.node == node)
    }
}

/// An icicle of the subtree under `root`, `width` cells wide: row 0 is
/// the root, row `d` the frames `d` below it. Rows are laid out on demand,
/// each from the one above, and the children of frames too narrow to draw
/// are never looked at.
#[derive(Debug, Clone, PartialEq)]
pub struct Icicle {
    pub root: u32,
    pub width: u16,
    rows: Vec<Row>,
    /// The last row has no frame drawn: nothing lies below.
    complete: bool,
}

impl Icicle {
    pub fn new(root: u32, width: u16, weights: &[f64]) -> Self {
        let mut row = Row::default();
        if width > 0 && weights[root as usize] > 0.0 {
            row.bars.push(Bar { node: root, x0: 0, x1: width, start: 0.0, end: f64::from(width) });
        }
        let complete = row.bars.is_empty();
        Self { root, width, rows: vec![row], complete }
    }

    /// The rows laid out so far.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Lays out rows until there are `count` or nothing lies deeper.
    pub fn lay_out(&mut self, count: usize, tree: &Tree, weights: &[f64]) {
        while self.rows.len() < count && !self.complete {
            let above = self.rows.last().expect("an icicle has its root row");
            let row = next_row(above, self.width, tree, weights);
            self.complete = row.bars.is_empty();
            // A row of frames all too narrow to draw still says so.
            if !row.bars.is_empty() || !row.hidden.is_empty() {
                self.rows.push(row);
            }
        }
    }

    /// Lays out every row (for a search over all frames).
    pub fn lay_out_all(&mut self, tree: &Tree, weights: &[f64]) {
        self.lay_out(usize::MAX, tree, weights);
    }
}

/// The frames below `above`'s bars: each bar's children in the tree's
/// order, sharing the bar's extent in proportion to their weights.
fn next_row(above: &Row, width: u16, tree: &Tree, weights: &[f64]) -> Row {
    let cell = |x: f64| (x.round().max(0.0) as u16).min(width);
    let mut row = Row::default();
    for bar in &above.bars {
        let total = weights[bar.node as usize];
        if total <= 0.0 {
            continue;
        }
        let span = bar.end - bar.start;
        let mut sum = 0.0;
        let mut group: Option<(f64, f64, usize)> = None;
        for &child in &tree.node(bar.node).children {
            let weight = weights[child as usize];
            if weight <= 0.0 {
                continue;
            }
            let start = bar.start + span * (sum / total).min(1.0);
            sum += weight;
            let end = bar.start + span * (sum / total).min(1.0);
            // Narrower than a cell is hidden whatever the rounding would do;
            // a cell or more always rounds to at least one cell.
            let (x0, x1) = (cell(start), cell(end));
            if end - start >= 1.0 - 1e-9 && x1 > x0 {
                if let Some((from, to, frames)) = group.take() {
                    row.hidden.push(Hidden { x0: cell(from), x1: cell(to), frames });
                }
                row.bars.push(Bar { node: child, x0, x1, start, end });
            } else {
                let (from, _, frames) = group.unwrap_or((start, end, 0));
                group = Some((from, end, frames + 1));
            }
        }
        if let Some((from, to, frames)) = group {
            row.hidden.push(Hidden { x0: cell(from), x1: cell(to), frames });
        }
    }
    row
}

/// The last part of a path (`evolve` of `simul::naive::evolve`), keeping
/// generic arguments whole and a closure with its function.
pub fn short_name(name: &str) -> &str {
    let mut depth = 0i32;
    let mut cuts = Vec::new();
    let bytes = name.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'<' => depth += 1,
            b'>' => depth -= 1,
            b':' if depth == 0 && i > 0 && bytes[i - 1] == b':' => cuts.push(i + 1),
            _ => {}
        }
    }
    let last = cuts.last().copied().unwrap_or(0);
    if name[last..].starts_with('{') && cuts.len() >= 2 {
        return &name[cuts[cuts.len() - 2]..];
    }
    &name[last..]
}

/// `name` in at most `width` characters: whole, else its short name,
/// else the short name cut with `…`.
pub fn fit_label(name: &str, width: usize) -> String {
    if name.chars().count() <= width {
        return name.to_string();
    }
    let short = short_name(name);
    if short.chars().count() <= width {
        return short.to_string();
    }
    match width {
        0 => String::new(),
        1 => short.chars().take(1).collect(),
        _ => short.chars().take(width - 1).chain(std::iter::once('…')).collect(),
    }
}

/// Whether colours may be used: not when `NO_COLOR` is set (no-color.org),
/// checked once.
pub fn colour_enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()))
}

/// Warm colours of the 256-colour palette, readable under black text.
const PALETTE: [u8; 12] = [208, 209, 214, 215, 220, 221, 202, 203, 172, 173, 178, 179];

/// A colour that stays the same for a name across runs and reports
/// (FNV-1a of the name).
pub fn hue(name: &str) -> Color {
    let hash =
        name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    Color::Indexed(PALETTE[(hash % PALETTE.len() as u64) as usize])
}

/// How a frame of `name` is drawn: its hue in colour, plain without;
/// reversed when selected.
pub fn frame_style(name: &str, colour: bool, selected: bool) -> Style {
    let mut style = if colour { Style::default().fg(Color::Black).bg(hue(name)) } else { Style::default() };
    if selected {
        style = style.add_modifier(Modifier::REVERSED | Modifier::BOLD);
    }
    style
}

/// Diff mode's colours, lightest first: a frame is deeper red (slower) or
/// blue (faster) the larger its relative change: under 10%, 25%, 50%,
/// 100%, and more.
const SLOWER: [u8; 5] = [224, 217, 210, 203, 196];
const FASTER: [u8; 5] = [189, 153, 117, 75, 33];
/// Noise, or a path the base does not have.
const NEUTRAL: u8 = 250;

/// The colour of a frame whose path changed by `change` (`None`: no
/// figure to compare): red when slower, blue when faster, by how much
/// relative to the base; grey within sampling noise, for a path only one
/// side has, or without a change.
pub fn change_colour(change: Option<&SampledChange>) -> Color {
    let Some(change) = change.filter(|c| !c.noise) else { return Color::Indexed(NEUTRAL) };
    let (Some(base), Some(new)) = (change.base_s, change.new_s) else { return Color::Indexed(NEUTRAL) };
    if base <= 0.0 || new == base {
        return Color::Indexed(NEUTRAL);
    }
    let relative = (new / base - 1.0).abs();
    let step = [0.10, 0.25, 0.50, 1.0].iter().take_while(|&&limit| relative >= limit).count();
    Color::Indexed(if new > base { SLOWER[step] } else { FASTER[step] })
}

/// How a frame is drawn in diff mode: [`change_colour`] in colour, plain
/// without; reversed when selected.
pub fn change_style(change: Option<&SampledChange>, colour: bool, selected: bool) -> Style {
    let mut style =
        if colour { Style::default().fg(Color::Black).bg(change_colour(change)) } else { Style::default() };
    if selected {
        style = style.add_modifier(Modifier::REVERSED | Modifier::BOLD);
    }
    style
}

/// Draws one icicle row into line `y` of `area` (`area.x` is the row's
/// cell 0): each bar is its label and a `▕` closing it; hidden frames are
/// a dim `…`. `name(node)` names a frame; `style(node)` styles it.
pub fn draw_row(
    buf: &mut Buffer,
    area: Rect,
    y: u16,
    row: &Row,
    name: impl Fn(u32) -> String,
    style: impl Fn(u32) -> Style,
) {
    if area.is_empty() || y < area.y || y >= area.bottom() {
        return;
    }
    let right = area.right();
    let put = |buf: &mut Buffer, x: u16, text: &str, style: Style| {
        let x = area.x.saturating_add(x);
        if x < right {
            buf.set_stringn(x, y, text, usize::from(right - x), style);
        }
    };
    for bar in &row.bars {
        let width = usize::from(bar.x1 - bar.x0);
        let style = style(bar.node);
        let label = fit_label(&name(bar.node), width.saturating_sub(1).max(1));
        let mut text = format!("{label:<w$}", w = width);
        if width >= 2 {
            text = text.chars().take(width - 1).chain(std::iter::once('▕')).collect();
        }
        put(buf, bar.x0, &text, style);
    }
    for hidden in &row.hidden {
        if hidden.x1 > hidden.x0 {
            let text = format!("{:<w$}", "…", w = usize::from(hidden.x1 - hidden.x0));
            put(buf, hidden.x0, &text, Style::default().add_modifier(Modifier::DIM));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explorer::views::fixture;
    use proftui_core::analysis::{Analysis, Filter};

    #[test]
    fn short_names_keep_generics_and_closures_whole() {
        assert_eq!(short_name("simul::naive::evolve"), "evolve");
        assert_eq!(short_name("alloc::raw_vec::RawVec<T>::grow"), "grow");
        assert_eq!(short_name("<alloc::vec::Vec<T> as core::Drop>::drop"), "drop");
        assert_eq!(short_name("simul::run::{{closure}}"), "run::{{closure}}");
        assert_eq!(short_name("main"), "main");
    }

    #[test]
    fn labels_fit_their_width() {
        assert_eq!(fit_label("taylor::factorial", 20), "taylor::factorial");
        assert_eq!(fit_label("taylor::factorial", 10), "factorial");
        assert_eq!(fit_label("taylor::factorial", 5), "fact…");
        assert_eq!(fit_label("taylor::factorial", 1), "f");
        assert_eq!(fit_label("taylor::factorial", 0), "");
    }

    #[test]
    fn hues_are_stable_per_name() {
        assert_eq!(hue("taylor::run"), hue("taylor::run"));
        let distinct: std::collections::HashSet<Color> =
            ["a", "b", "c", "d", "e", "f", "g", "h"].iter().map(|n| hue(n)).collect();
        assert!(distinct.len() > 3, "names spread over the palette: {distinct:?}");
    }

    #[test]
    fn weights_fit_children_inside_parents() {
        let report = fixture::taylor();
        let analysis = Analysis::new(&report, &Filter::default());
        let tree = analysis.tree();
        for weight in [Weight::Samples, Weight::CallTime, Weight::Bytes] {
            let weights = node_weights(&tree, weight);
            for (id, node) in tree.nodes().iter().enumerate() {
                let children: f64 = node.children.iter().map(|&c| weights[c as usize]).sum();
                assert!(children <= weights[id] + 1e-12, "{weight:?} node {id}");
            }
        }
        let weights = node_weights(&tree, Weight::CallTime);
        // The root holds the probed taylor_exp's 8000 ns: totals over both
        // runs, as the worker's single call does not divide by 2.
        assert!((weights[0] - 8e-6).abs() < 1e-12, "{}", weights[0]);
    }

    #[test]
    fn an_icicle_shares_width_by_weight_and_counts_narrow_frames() {
        let report = fixture::taylor();
        let analysis = Analysis::new(&report, &Filter::default());
        let tree = analysis.tree();
        let weights = node_weights(&tree, Weight::Samples);
        let mut icicle = Icicle::new(Tree::ROOT, 70, &weights);
        icicle.lay_out_all(&tree, &weights);
        let extents: Vec<Vec<(u16, u16)>> =
            icicle.rows().iter().map(|r| r.bars.iter().map(|b| (b.x0, b.x1)).collect()).collect();
        // all 7, run 7, taylor_exp 6 → 60 of 70, factorial 4 → 40, then 3 → 30 twice.
        assert_eq!(
            extents,
            vec![vec![(0, 70)], vec![(0, 70)], vec![(0, 60)], vec![(0, 40)], vec![(0, 30)], vec![(0, 30)]]
        );
        assert!(icicle.rows().iter().all(|r| r.hidden_frames() == 0));

        // One cell: all and run (7 of 7) fill it; taylor_exp's 6/7 of a
        // cell is hidden, and counted, not dropped.
        let mut one = Icicle::new(Tree::ROOT, 1, &weights);
        one.lay_out_all(&tree, &weights);
        let rows: Vec<(usize, usize)> =
            one.rows().iter().map(|r| (r.bars.len(), r.hidden_frames())).collect();
        assert_eq!(rows, vec![(1, 0), (1, 0), (0, 1)]);
        assert_eq!(one.rows()[2].hidden, vec![Hidden { x0: 0, x1: 1, frames: 1 }]);
    }

    #[test]
    fn changes_colour_red_when_slower_and_blue_when_faster_by_how_much() {
        let change = |base_s, new_s, noise| SampledChange { base_s, new_s, noise };
        // +5%: the lightest red; +300%: the deepest.
        assert_eq!(change_colour(Some(&change(Some(1.0), Some(1.05), false))), Color::Indexed(224));
        assert_eq!(change_colour(Some(&change(Some(1.0), Some(4.0), false))), Color::Indexed(196));
        // -50% is in the fourth step (50% to 100%) of blue.
        assert_eq!(change_colour(Some(&change(Some(1.0), Some(0.5), false))), Color::Indexed(75));
        assert_eq!(change_colour(Some(&change(Some(1.0), Some(0.8), false))), Color::Indexed(153));
        // Noise, a new path and no figure are grey.
        assert_eq!(change_colour(Some(&change(Some(1.0), Some(4.0), true))), Color::Indexed(250));
        assert_eq!(change_colour(Some(&change(None, Some(4.0), false))), Color::Indexed(250));
        assert_eq!(change_colour(None), Color::Indexed(250));
        let plain = change_style(Some(&change(Some(1.0), Some(4.0), false)), false, false);
        assert_eq!((plain.fg, plain.bg), (None, None), "no colour without colour");
    }

    #[test]
    fn drawing_into_tiny_areas_never_panics() {
        let row = Row {
            bars: vec![Bar { node: 0, x0: 0, x1: 10, start: 0.0, end: 10.0 }],
            hidden: vec![Hidden { x0: 10, x1: 12, frames: 3 }],
        };
        for area in [Rect::new(0, 0, 0, 0), Rect::new(0, 0, 1, 1), Rect::new(0, 0, 5, 0)] {
            let mut buf = Buffer::empty(Rect::new(0, 0, 1, 1));
            draw_row(&mut buf, area, 0, &row, |_| "taylor::run".into(), |_| Style::default());
        }
        let mut buf = Buffer::empty(Rect::new(0, 0, 14, 1));
        draw_row(&mut buf, Rect::new(0, 0, 14, 1), 0, &row, |_| "taylor::run".into(), |_| Style::default());
        assert_eq!(fixture::row(&buf, 0), "run      ▕…", "the short name fits, the full one does not");
    }
}
