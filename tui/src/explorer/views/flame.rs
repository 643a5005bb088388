//! The flame graph, drawn as an icicle (the root on top, one row per
//! depth): each frame of the top-down tree is a bar as wide as its share
//! of inclusive cpu samples (or calls-pass time, or heap bytes, when the
//! report has no samples). ↑/↓ move between depths, ←/→ along a row,
//! Enter zooms into a frame; Esc/Backspace (or ← on the top row) zooms back out.
//!
//! Only the rows down to the bottom of the screen are laid out, and only
//! the children of frames wide enough to draw are looked at, so a 500-deep
//! recursion costs what the screen shows.
//!
//! In diff mode frames are coloured by the change of their call path's
//! inclusive time from the base (red slower, blue faster, grey noise or a
//! path the base lacks); without colour the selected frame's line says it.

use crate::explorer::action::Action;
use crate::explorer::app::ViewKind;
use crate::explorer::baseline::SampledChange;
use crate::explorer::profile::Profile;
use crate::explorer::views::tree::BasePaths;
use crate::explorer::views::{Ctx, Outcome, View};
use crate::explorer::widgets::flame::{
    Icicle, change_style, colour_enabled, draw_row, frame_style, weight_figure, weight_name,
};
use crate::report_view::units::{NONE, human_bytes, percent, seconds, seconds_or_none};
use proftui_core::analysis::{Tree, Weight};
use proftui_core::report::{FunctionId, Report};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::widgets::Paragraph;
use std::collections::HashMap;
use std::sync::Arc;

/// Diff mode: the base's label and its paths, built when first drawn;
/// `paths` is `None` when a side has no cpu samples to compare.
struct FlameDiff {
    label: String,
    paths: Option<BasePaths>,
}

pub struct State {
    /// The report and thread choice the tree was built for.
    built_for: Option<(Arc<Report>, Option<usize>)>,
    /// The profile's top-down tree.
    tree: Option<Arc<Tree>>,
    weight: Weight,
    /// Per tree node: the width-giving figure (the profile's).
    weights: Arc<[f64]>,
    /// The frame drawn full width; the root when not zoomed.
    zoom: u32,
    selected: u32,
    /// The first row on screen.
    offset: usize,
    /// Rows laid out for `zoom` and `width`; rebuilt when either changes.
    icicle: Option<Icicle>,
    /// The width last drawn (the layout's width before the first frame).
    width: u16,
    colour: bool,
    /// Diff mode, for the tree built (reset with it).
    diff: Option<FlameDiff>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            built_for: None,
            tree: None,
            weight: Weight::Samples,
            weights: Arc::from([]),
            zoom: Tree::ROOT,
            selected: Tree::ROOT,
            offset: 0,
            icicle: None,
            width: 80,
            colour: colour_enabled(),
            diff: None,
        }
    }
}

impl State {
    /// Builds the tree for the profile's current thread choice, keeping
    /// the zoom and the selection on the same call paths.
    fn rebuild(&mut self, profile: &Profile) {
        let key = (Arc::clone(&profile.report), profile.thread);
        if self.built_for.as_ref().is_some_and(|(r, t)| Arc::ptr_eq(r, &key.0) && *t == key.1) {
            return;
        }
        let zoom_path = self.path(self.zoom);
        let selected_path = self.path(self.selected);
        let tree = Arc::clone(&profile.tree);
        self.weight = profile.weight;
        self.weights = Arc::clone(&profile.weights);
        self.zoom = follow(&tree, Tree::ROOT, &zoom_path);
        let selected = follow(&tree, Tree::ROOT, &selected_path);
        self.selected = if is_under(&tree, selected, self.zoom) { selected } else { self.zoom };
        self.tree = Some(tree);
        self.built_for = Some(key);
        self.offset = 0;
        self.icicle = None;
        self.diff = None;
        self.reselect();
    }

    /// The functions from the root down to `node`.
    fn path(&self, node: u32) -> Vec<Option<FunctionId>> {
        let Some(tree) = &self.tree else { return Vec::new() };
        let mut path = Vec::new();
        let mut at = node;
        while at != Tree::ROOT {
            path.push(tree.node(at).function);
            at = tree.node(at).parent;
        }
        path.reverse();
        path
    }

    /// The icicle laid out to at least `rows` rows (fewer below the
    /// deepest frame).
    fn laid_out(&mut self, rows: usize) -> Option<&Icicle> {
        let tree = self.tree.as_ref()?;
        let icicle = self.icicle.get_or_insert_with(|| Icicle::new(self.zoom, self.width, &self.weights));
        icicle.lay_out(rows, tree, &self.weights);
        Some(icicle)
    }

    /// The row of `node` below the zoomed frame.
    fn row_of(&self, node: u32) -> usize {
        self.tree.as_ref().map_or(0, |t| (t.node(node).depth - t.node(self.zoom).depth) as usize)
    }

    fn parent(&self, node: u32) -> u32 {
        self.tree.as_ref().map_or(Tree::ROOT, |t| t.node(node).parent)
    }

    /// Moves the selection up to the nearest frame drawn at this width.
    fn reselect(&mut self) {
        let mut node = self.selected;
        while node != self.zoom && node != Tree::ROOT {
            let row = self.row_of(node);
            let drawn = self
                .laid_out(row + 1)
                .and_then(|i| i.rows().get(row))
                .is_some_and(|r| r.find(node).is_some());
            if drawn {
                break;
            }
            node = self.parent(node);
        }
        self.selected = if node == self.zoom || node != Tree::ROOT { node } else { self.zoom };
    }

    /// The selection's first (heaviest) drawn child.
    fn first_child(&mut self) -> Option<u32> {
        let row = self.row_of(self.selected) + 1;
        let selected = self.selected;
        let icicle = self.laid_out(row + 1)?;
        let bars = &icicle.rows().get(row)?.bars;
        let nodes: Vec<u32> = bars.iter().map(|b| b.node).collect();
        nodes.into_iter().find(|&n| self.parent(n) == selected)
    }

    /// The frame `delta` bars along the selection's row.
    fn sideways(&mut self, delta: isize) -> Option<u32> {
        let row = self.row_of(self.selected);
        let selected = self.selected;
        let bars = &self.laid_out(row + 1)?.rows().get(row)?.bars;
        let at = bars.iter().position(|b| b.node == selected)?;
        let to = at.checked_add_signed(delta)?;
        bars.get(to).map(|b| b.node)
    }

    fn down(&mut self, times: usize) {
        for _ in 0..times {
            match self.first_child() {
                Some(child) => self.selected = child,
                None => break,
            }
        }
    }

    fn up(&mut self, times: usize) {
        for _ in 0..times {
            if self.selected == self.zoom {
                break;
            }
            self.selected = self.parent(self.selected);
        }
    }

    fn zoom_into(&mut self, ctx: &Ctx) -> Outcome {
        if self.selected == self.zoom {
            return Outcome::Message(format!(
                "{} fills the width already; Esc or ← on the top row zooms out",
                name(ctx.profile, self.tree.as_deref(), self.zoom)
            ));
        }
        self.zoom = self.selected;
        self.icicle = None;
        self.offset = 0;
        Outcome::Nothing
    }

    fn zoom_out(&mut self) -> Outcome {
        if self.zoom == Tree::ROOT {
            return Outcome::Message("not zoomed in: Enter zooms into the selected frame".into());
        }
        self.selected = self.zoom;
        self.zoom = self.parent(self.zoom);
        self.icicle = None;
        self.offset = 0;
        self.reselect();
        Outcome::Nothing
    }

    fn selected_function(&self) -> Option<FunctionId> {
        self.tree.as_ref().and_then(|t| t.node(self.selected).function)
    }

    /// Frames in reading order (row by row, left to right).
    fn frames_in_order(&mut self) -> Vec<u32> {
        let Some(tree) = &self.tree else { return Vec::new() };
        let icicle = self.icicle.get_or_insert_with(|| Icicle::new(self.zoom, self.width, &self.weights));
        icicle.lay_out_all(tree, &self.weights);
        icicle.rows().iter().flat_map(|r| r.bars.iter().map(|b| b.node)).collect()
    }
}

/// From `from`, down the children whose functions are `path`, as far as
/// they exist.
fn follow(tree: &Tree, from: u32, path: &[Option<FunctionId>]) -> u32 {
    let mut at = from;
    for function in path {
        match tree.node(at).children.iter().find(|&&c| tree.node(c).function == *function) {
            Some(&child) => at = child,
            None => break,
        }
    }
    at
}

/// Whether `node` is `ancestor` or below it.
fn is_under(tree: &Tree, node: u32, ancestor: u32) -> bool {
    let mut at = node;
    loop {
        if at == ancestor {
            return true;
        }
        if at == Tree::ROOT {
            return false;
        }
        at = tree.node(at).parent;
    }
}

/// A frame's function name; the root is `all`.
fn name<'a>(profile: &'a Profile, tree: Option<&Tree>, node: u32) -> &'a str {
    tree.and_then(|t| t.node(node).function)
        .map_or("all", |f| profile.report.functions[f as usize].name.as_str())
}

impl View for State {
    fn refresh(&mut self, ctx: &Ctx) {
        self.rebuild(ctx.profile);
    }

    fn back(&mut self, _ctx: &Ctx) -> bool {
        if self.zoom == Tree::ROOT {
            return false;
        }
        self.zoom_out();
        true
    }

    fn update(&mut self, action: Action, ctx: &Ctx) -> Outcome {
        use Action as A;
        match action {
            A::Up => self.up(1),
            A::Down => self.down(1),
            A::PageUp => self.up(ctx.page_rows.max(1)),
            A::PageDown => self.down(ctx.page_rows.max(1)),
            A::Top => self.selected = self.zoom,
            A::Bottom => self.down(usize::MAX),
            A::Expand => {
                if let Some(next) = self.sideways(1) {
                    self.selected = next;
                }
            }
            A::Collapse if self.selected == self.zoom => return self.zoom_out(),
            A::Collapse => {
                if let Some(previous) = self.sideways(-1) {
                    self.selected = previous;
                }
            }
            A::Enter => return self.zoom_into(ctx),
            A::ShowEdges | A::ShowLines => {
                let view = if action == A::ShowEdges { ViewKind::Edges } else { ViewKind::Lines };
                return self.selected_function().map_or_else(
                    || Outcome::Message("the top frame is the whole program: select a function".into()),
                    |f| Outcome::Focus(f, view),
                );
            }
            _ => {}
        }
        Outcome::Nothing
    }

    fn find(&mut self, needle: &str, forward: bool, include_current: bool, ctx: &Ctx) -> bool {
        let frames = self.frames_in_order();
        let len = frames.len();
        let start = frames.iter().position(|&n| n == self.selected).unwrap_or(0);
        let first = usize::from(!include_current);
        for step in first..len + first {
            let index = if forward { (start + step) % len } else { (start + len - step % len) % len };
            let node = frames[index];
            if name(ctx.profile, self.tree.as_deref(), node).to_lowercase().contains(needle) {
                self.selected = node;
                return true;
            }
        }
        false
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        if area.is_empty() {
            return;
        }
        let caption_height = u16::from(area.height >= 3);
        let info_height = u16::from(area.height >= 2);
        let [caption, rows, info] = Layout::vertical([
            Constraint::Length(caption_height),
            Constraint::Min(1),
            Constraint::Length(info_height),
        ])
        .areas(area);
        if rows.width != self.width {
            self.width = rows.width;
            self.icicle = None;
            self.reselect();
        }
        let height = usize::from(rows.height);
        let selected_row = self.row_of(self.selected);
        if selected_row < self.offset {
            self.offset = selected_row;
        } else if selected_row >= self.offset + height {
            self.offset = selected_row + 1 - height;
        }
        let (offset, selected, colour) = (self.offset, self.selected, self.colour);
        self.laid_out(offset + height);
        if let (None, Some(baseline)) = (&self.diff, &ctx.profile.baseline) {
            let sampled = self.weight == Weight::Samples && baseline.cpu().is_some();
            self.diff = Some(FlameDiff {
                label: baseline.label(),
                paths: sampled.then(|| BasePaths::new(baseline, &ctx.profile.report, false)),
            });
        }
        // Diff mode: the change of every frame on screen and the selection.
        let mut changes: HashMap<u32, SampledChange> = HashMap::new();
        if let (Some(tree), Some(icicle), Some(FlameDiff { paths: Some(paths), .. })) =
            (&self.tree, &self.icicle, &mut self.diff)
        {
            let basis = ctx.profile.analysis.basis();
            let shown = icicle.rows().iter().skip(offset).take(height);
            for node in shown.flat_map(|row| row.bars.iter().map(|b| b.node)).chain([selected]) {
                if let Some(change) = paths.change(tree, node, basis) {
                    changes.insert(node, change);
                }
            }
        }
        let (Some(tree), Some(icicle)) = (&self.tree, &self.icicle) else {
            frame.render_widget(Paragraph::new("no report"), area);
            return;
        };
        let shown = icicle.rows().iter().skip(offset).take(height);
        let mut hidden = 0;
        let zoom = self.zoom;
        for (y, row) in (rows.y..).zip(shown) {
            hidden += row.hidden_frames();
            let label = |node: u32| {
                let name = name(ctx.profile, Some(tree), node);
                if node == zoom && zoom != Tree::ROOT {
                    format!("{name} (zoomed: Esc zooms out)")
                } else {
                    name.to_string()
                }
            };
            let style = |node: u32| match &self.diff {
                Some(_) => change_style(changes.get(&node), colour, node == selected),
                None => frame_style(name(ctx.profile, Some(tree), node), colour, node == selected),
            };
            draw_row(frame.buffer_mut(), rows, y, row, label, style);
        }
        if icicle.rows()[0].bars.is_empty() {
            let text = format!("nothing to draw: no {} under this frame", weight_name(self.weight));
            frame.render_widget(Paragraph::new(text), rows);
        }
        let mut caption_text = self.caption(hidden, height);
        let mut info_text = self.info(ctx.profile);
        if let Some(diff) = &self.diff {
            caption_text.push_str(&diff_caption(diff, colour));
            if diff.paths.is_some() {
                let change = changes.get(&selected).map_or_else(|| NONE.to_string(), |c| c.text());
                let change = if change.is_empty() { NONE.to_string() } else { change };
                info_text.push_str(&format!(" · Δ {change}"));
            }
        }
        frame.render_widget(Paragraph::new(caption_text), caption);
        frame.render_widget(
            Paragraph::new(info_text).style(Style::default().add_modifier(Modifier::BOLD)),
            info,
        );
    }
}

/// What diff mode adds to the caption.
fn diff_caption(diff: &FlameDiff, colour: bool) -> String {
    match (&diff.paths, colour) {
        (None, _) => format!(" · no Δ against {}: it needs cpu samples in both reports", diff.label),
        (Some(_), true) => format!(
            " · Δ of each call path against {}: red slower, blue faster, grey ~ within sampling noise \
             or not in the base",
            diff.label
        ),
        (Some(_), false) => {
            format!(" · Δ of the selected call path (below) against {}; ~ within sampling noise", diff.label)
        }
    }
}

impl State {
    /// What the widths rest on, what is too narrow to draw and where the
    /// screen is in a deep graph.
    fn caption(&self, hidden: usize, height: usize) -> String {
        let total = weight_figure(self.weight, self.weights.first().copied().unwrap_or(0.0));
        let mut parts = vec![format!("{}: {total} in all", weight_name(self.weight))];
        parts.push(match hidden {
            0 => "all frames drawn".to_string(),
            1 => "1 frame under a cell: …".to_string(),
            n => format!("{n} frames under a cell: …"),
        });
        if self.offset > 0 {
            parts.push(format!("rows {}–{}", self.offset + 1, self.offset + height));
        }
        parts.join(" · ")
    }

    /// The selected frame: name, depth, figure, shares and self part.
    fn info(&self, profile: &Profile) -> String {
        let Some(tree) = &self.tree else { return String::new() };
        let node = tree.node(self.selected);
        let weight = self.weights[self.selected as usize];
        let share = |of: f64| if of > 0.0 { percent(weight * 100.0 / of) } else { NONE.to_string() };
        let (figure, self_figure, extra) = match self.weight {
            Weight::Samples => (
                weight_figure(self.weight, weight),
                weight_figure(self.weight, node.self_samples as f64),
                format!(" · {} cpu per run", seconds(node.inclusive_cpu_s)),
            ),
            Weight::CallTime => (
                node.inclusive_s.map_or_else(|| NONE.to_string(), seconds),
                seconds_or_none(node.self_s),
                if node.inclusive_s.is_none() {
                    format!(" · not probed: as wide as its callees' {}", seconds(weight))
                } else {
                    String::new()
                },
            ),
            Weight::Bytes => (
                weight_figure(self.weight, weight),
                node.self_heap.map_or(NONE.to_string(), |h| human_bytes(h.bytes)),
                String::new(),
            ),
        };
        let mut text = format!(
            "{} · depth {} · {figure}, {} of all",
            name(profile, Some(tree), self.selected),
            node.depth,
            share(self.weights[Tree::ROOT as usize])
        );
        if self.zoom != Tree::ROOT {
            text.push_str(&format!(", {} of the zoom", share(self.weights[self.zoom as usize])));
        }
        text.push_str(&format!(" · self {self_figure}{extra}"));
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explorer::views::fixture::{self, EXP, FACT, RUN};
    use crate::explorer::views::tree::diff_fixture;
    use ratatui::style::Color;

    fn state(profile: &Profile) -> State {
        let mut state = State::default();
        state.refresh(&fixture::ctx(profile, None));
        state.colour = false;
        state
    }

    fn draw(state: &mut State, profile: &Profile, width: u16, height: u16) -> ratatui::buffer::Buffer {
        let ctx = fixture::ctx(profile, None);
        fixture::draw(width, height, |frame, area| state.draw(frame, area, &ctx))
    }

    fn selected_name(state: &State, profile: &Profile) -> String {
        name(profile, state.tree.as_deref(), state.selected).to_string()
    }

    fn press(state: &mut State, profile: &Profile, actions: &[Action]) -> Outcome {
        let ctx = fixture::ctx(profile, None);
        let mut outcome = Outcome::Nothing;
        for action in actions {
            outcome = state.update(*action, &ctx);
        }
        outcome
    }

    #[test]
    fn the_taylor_icicle_shows_each_depth_as_wide_as_its_samples() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = state(&profile);
        press(&mut state, &profile, &[Action::Down, Action::Down, Action::Down]);
        assert_eq!(selected_name(&state, &profile), FACT);
        let buffer = draw(&mut state, &profile, 70, 9);
        let text = fixture::text(&buffer);
        insta::assert_snapshot!("flame_taylor", text);
        // all and run: 7 of 7 samples, 70 cells; taylor_exp 6 → 60;
        // factorial 4 → 40, then 3 → 30 twice.
        assert_eq!(fixture::row(&buffer, 1), format!("all{}▕", " ".repeat(66)));
        assert_eq!(fixture::row(&buffer, 2), format!("{RUN}{}▕", " ".repeat(58)));
        assert_eq!(fixture::row(&buffer, 3), format!("{EXP}{}▕", " ".repeat(41)));
        assert_eq!(fixture::row(&buffer, 4), format!("{FACT}{}▕", " ".repeat(22)));
        assert_eq!(fixture::row(&buffer, 5), format!("{FACT}{}▕", " ".repeat(12)));
        assert_eq!(fixture::row(&buffer, 0), "inclusive cpu samples: 7 samples in all · all frames drawn");
        // factorial at depth 3: 4 of 7 samples, 0.04 s a sample over 2 runs.
        let info =
            "taylor::factorial · depth 3 · 4 samples, 57.1% of all · self 1 sample · 80.0 ms cpu per run";
        assert_eq!(state.info(&profile), info);
        let cut: String = info.chars().take(70).collect();
        assert_eq!(fixture::row(&buffer, 8), cut.trim_end(), "the info line, cut to the width");
        // The selected bar is reversed; the others are not.
        assert!(buffer[(0, 4)].modifier.contains(Modifier::REVERSED));
        assert!(!buffer[(0, 3)].modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn colour_marks_frames_by_name_and_the_selection_by_reversal() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = state(&profile);
        state.colour = true;
        press(&mut state, &profile, &[Action::Down]);
        let buffer = draw(&mut state, &profile, 70, 9);
        let run = buffer[(0, 2)].style();
        assert_eq!(run.bg, Some(crate::explorer::widgets::flame::hue(RUN)));
        assert!(run.add_modifier.contains(Modifier::REVERSED));
        let exp = buffer[(0, 3)].style();
        assert_eq!(exp.bg, Some(crate::explorer::widgets::flame::hue(EXP)));
        assert_eq!(exp.fg, Some(Color::Black));
        assert!(!exp.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn without_colour_only_the_selection_is_styled() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = state(&profile);
        let buffer = draw(&mut state, &profile, 70, 9);
        for y in 2..6 {
            let style = buffer[(0, y)].style();
            assert_eq!((style.fg, style.bg), (Some(Color::Reset), Some(Color::Reset)), "row {y}");
        }
        assert!(buffer[(0, 1)].modifier.contains(Modifier::REVERSED), "the root starts selected");
    }

    #[test]
    fn arrows_walk_rows_and_frames_and_enter_zooms() {
        let profile = fixture::profile(fixture::fan_out());
        let mut state = state(&profile);
        draw(&mut state, &profile, 80, 10);
        press(&mut state, &profile, &[Action::Down, Action::Down]);
        assert_eq!(selected_name(&state, &profile), "wide::hot", "down goes to the heaviest child");
        press(&mut state, &profile, &[Action::Expand]);
        assert_eq!(selected_name(&state, &profile), "wide::warm");
        press(&mut state, &profile, &[Action::Expand]);
        assert_eq!(selected_name(&state, &profile), "wide::warm", "the cold frames are too narrow to select");
        press(&mut state, &profile, &[Action::Collapse, Action::Down]);
        assert_eq!(selected_name(&state, &profile), "wide::leaf");
        press(&mut state, &profile, &[Action::Up, Action::Up]);
        assert_eq!(selected_name(&state, &profile), "wide::main");

        assert_eq!(press(&mut state, &profile, &[Action::Enter]), Outcome::Nothing);
        assert_eq!(state.row_of(state.selected), 0, "the zoomed frame is the top row");
        let buffer = draw(&mut state, &profile, 80, 10);
        insta::assert_snapshot!("flame_fan_out_zoomed", fixture::text(&buffer));
        // wide::main: 120 samples over 80 cells; hot 80 → 53.3, warm 10 →
        // 53.3..60, the 30 cold frames of 1 sample (2/3 of a cell each) in
        // one mark over the last 20 cells; hot's leaf 60 → 40.
        assert_eq!(
            fixture::row(&buffer, 1),
            format!("wide::main (zoomed: Esc zooms out){}▕", " ".repeat(45))
        );
        assert_eq!(fixture::row(&buffer, 2), format!("wide::hot{}▕warm  ▕…", " ".repeat(43)));
        assert_eq!(fixture::row(&buffer, 3), format!("wide::leaf{}▕", " ".repeat(29)));
        assert!(fixture::row(&buffer, 0).contains("30 frames under a cell: …"));

        // ← on the top row zooms out and keeps the frame selected.
        assert_eq!(press(&mut state, &profile, &[Action::Collapse]), Outcome::Nothing);
        assert_eq!((state.zoom, selected_name(&state, &profile).as_str()), (Tree::ROOT, "wide::main"));
        let Outcome::Message(message) = press(&mut state, &profile, &[Action::Top, Action::Collapse]) else {
            panic!("zooming out of the whole program says why not")
        };
        assert!(message.contains("not zoomed"), "{message}");
    }

    #[test]
    fn a_deep_recursion_scrolls_and_lays_out_only_what_is_shown() {
        let profile = fixture::profile(fixture::deep_recursion(600));
        let mut state = state(&profile);
        let buffer = draw(&mut state, &profile, 80, 8);
        assert_eq!(state.icicle.as_ref().map(|i| i.rows().len()), Some(6), "6 rows fit; no more laid out");
        // deep::f: 5 of 6 samples, 66.7 cells of 80.
        assert_eq!(fixture::row(&buffer, 3), format!("deep::f{}▕", " ".repeat(59)));
        press(&mut state, &profile, &[Action::Bottom]);
        assert_eq!(state.row_of(state.selected), 601, "all, main, then 600 frames of f");
        let buffer = draw(&mut state, &profile, 80, 8);
        insta::assert_snapshot!("flame_deep_bottom", fixture::text(&buffer));
        assert_eq!(
            fixture::row(&buffer, 0),
            "inclusive cpu samples: 6 samples in all · all frames drawn · rows 597–602"
        );
        assert!(fixture::row(&buffer, 7).starts_with("deep::f · depth 601 · 5 samples, 83.3% of all"));
        assert!(buffer[(0, 6)].modifier.contains(Modifier::REVERSED), "the selection is on screen");
        press(&mut state, &profile, &[Action::Top]);
        let buffer = draw(&mut state, &profile, 80, 8);
        assert_eq!(fixture::row(&buffer, 1), format!("all{}▕", " ".repeat(76)));
    }

    #[test]
    fn search_selects_drawn_frames_in_reading_order() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = state(&profile);
        let ctx = fixture::ctx(&profile, None);
        assert!(state.find("factorial", true, true, &ctx));
        assert_eq!((selected_name(&state, &profile).as_str(), state.row_of(state.selected)), (FACT, 3));
        assert!(state.find("factorial", true, false, &ctx));
        assert_eq!(state.row_of(state.selected), 4);
        assert!(state.find("factorial", false, false, &ctx));
        assert_eq!(state.row_of(state.selected), 3);
        assert!(!state.find("nothing", true, true, &ctx));
    }

    #[test]
    fn enter_zooms_and_c_goes_to_the_callers() {
        let mut profile = fixture::profile(fixture::taylor());
        let mut state = state(&profile);
        let exp = fixture::function(&profile, EXP);
        press(&mut state, &profile, &[Action::Down, Action::Down]);
        assert_eq!(press(&mut state, &profile, &[Action::ShowEdges]), Outcome::Focus(exp, ViewKind::Edges));
        assert_eq!(press(&mut state, &profile, &[Action::ShowLines]), Outcome::Focus(exp, ViewKind::Lines));
        press(&mut state, &profile, &[Action::Enter]);
        assert!(matches!(press(&mut state, &profile, &[Action::Enter]), Outcome::Message(_)));
        let buffer = draw(&mut state, &profile, 70, 9);
        assert!(state.info(&profile).contains("6 samples, 85.7% of all, 100.0% of the zoom"));
        assert_eq!(fixture::row(&buffer, 1), format!("{EXP} (zoomed: Esc zooms out){}▕", " ".repeat(27)));
        // Another thread choice rebuilds the tree; the zoom stays on its path.
        profile.next_thread();
        assert_eq!(profile.thread_label(), "main");
        state.refresh(&fixture::ctx(&profile, Some(exp)));
        assert_eq!(name(&profile, state.tree.as_deref(), state.zoom), EXP);
        assert_eq!(state.weights[Tree::ROOT as usize], 6.0, "the worker's sample is left out");
    }

    /// Diff mode without colour (NO_COLOR): the bars are drawn as ever and
    /// the selected frame's line says its change (0.02 s a sample per run
    /// on both sides, see `tree::diff_fixture::changed_taylor`): all 7 →
    /// 27 samples, +400 ms, 27/7 - 1 = +286%; factorial at depth 3 4 → 24,
    /// +500%.
    #[test]
    fn diff_mode_without_colour_says_the_change_of_the_selection() {
        let profile = diff_fixture::profile();
        let mut state = state(&profile);
        let buffer = draw(&mut state, &profile, 120, 9);
        insta::assert_snapshot!(fixture::text(&buffer));
        assert_eq!(
            fixture::row(&buffer, 8),
            "all · depth 0 · 27 samples, 100.0% of all · self 0 samples · 540 ms cpu per run · Δ +400 ms +286%"
        );
        let wide = draw(&mut state, &profile, 250, 9);
        assert!(fixture::row(&wide, 0).ends_with(
            "Δ of the selected call path (below) against taylor · series · exp (base.json); ~ within sampling noise"
        ));
        for y in 2..6 {
            let style = buffer[(0, y)].style();
            assert_eq!((style.fg, style.bg), (Some(Color::Reset), Some(Color::Reset)), "row {y}");
        }
        press(&mut state, &profile, &[Action::Down, Action::Down, Action::Down]);
        let buffer = draw(&mut state, &profile, 120, 9);
        assert_eq!(
            fixture::row(&buffer, 8),
            "taylor::factorial · depth 3 · 24 samples, 88.9% of all · self 1 sample · 480 ms cpu per run · \
             Δ +400 ms +500%"
        );
    }

    /// In colour, frames are red by how much slower their path is; a path
    /// the base lacks (tail, 2 samples from 62.2 to 67.4 of 70 cells under
    /// taylor_exp's 67.4) is grey.
    #[test]
    fn diff_mode_colours_frames_by_their_change() {
        use crate::explorer::widgets::flame::change_colour;
        let profile = diff_fixture::profile();
        let mut state = state(&profile);
        state.colour = true;
        let buffer = draw(&mut state, &profile, 70, 9);
        let red = Some(Color::Indexed(196));
        // all, run, taylor_exp and factorial all grew by more than 100%.
        for y in 1..=4 {
            assert_eq!(buffer[(0, y)].style().bg, red, "row {y}");
        }
        assert_eq!(fixture::row(&buffer, 4), format!("{FACT}{}▕tail▕", " ".repeat(44)));
        assert_eq!(buffer[(63, 4)].style().bg, Some(change_colour(None)));
        assert_eq!(buffer[(63, 4)].style().bg, Some(Color::Indexed(250)));
        for (width, height) in [(1, 1), (0, 1), (3, 3)] {
            draw(&mut state, &profile, width, height);
        }
        let wide = draw(&mut state, &profile, 250, 9);
        assert!(fixture::row(&wide, 0).contains(
            "Δ of each call path against taylor · series · exp (base.json): red slower, blue faster, \
             grey ~ within sampling noise or not in the base"
        ));
    }

    /// Without cpu samples on one side the graph is weighed by call time
    /// and has no change to colour by: the caption says so.
    #[test]
    fn diff_mode_without_samples_on_a_side_says_so() {
        let mut base = fixture::taylor();
        base.cpu = None;
        let profile = diff_fixture::diff(base, diff_fixture::changed_taylor());
        let mut state = state(&profile);
        let buffer = draw(&mut state, &profile, 200, 9);
        assert!(fixture::row(&buffer, 0).ends_with(
            "no Δ against taylor · series · exp (base.json): it needs cpu samples in both reports"
        ));
        assert!(!fixture::row(&buffer, 8).contains('Δ'));
    }

    #[test]
    fn tiny_areas_never_panic() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = state(&profile);
        for (width, height) in [(1, 1), (1, 0), (0, 1), (2, 2), (3, 3)] {
            draw(&mut state, &profile, width, height);
        }
        let buffer = draw(&mut state, &profile, 1, 1);
        assert_eq!(fixture::row(&buffer, 0), "a");
    }
}
