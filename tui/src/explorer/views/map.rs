//! The callee map (KCachegrind's treemap): the focus function's area
//! split among its callees in proportion to their inclusive cost, each
//! callee's area split again among its own callees, three levels deep
//! where space allows, beside the list of callees with their shares.
//! ↑/↓ select a callee, Enter makes it the focus.
//!
//! The first level is the focus's direct callees as the callers/callees
//! view counts them (each sample once per edge). The levels inside come
//! from the top-down tree below the outermost frames of the focus, merged
//! by function: what each callee called when the focus called it.

use crate::explorer::action::Action;
use crate::explorer::app::ViewKind;
use crate::explorer::profile::Profile;
use crate::explorer::views::{Ctx, Outcome, View};
use crate::explorer::widgets::flame::{
    colour_enabled, fit_label, hue, short_name, weight_figure, weight_name,
};
use crate::explorer::widgets::table::{self, Align, Column, Cursor};
use crate::explorer::widgets::treemap::squarify;
use crate::report_view::units::{NONE, percent};
use proftui_core::analysis::{Direction, Reach, Tree, Weight};
use proftui_core::report::{FunctionId, Report};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget};
use std::collections::HashMap;
use std::sync::Arc;

/// Levels of callees drawn inside each other.
const LEVELS: usize = 3;
/// The list goes beside the map from this width on, below it under.
const SIDE_BY_SIDE: u16 = 100;
const LIST_WIDTH: u16 = 52;

/// A callee of the focus: a row of the list and a box of the map.
#[derive(Debug, Clone, PartialEq)]
struct Callee {
    function: FunctionId,
    name: String,
    /// The focus calling itself.
    recursive: bool,
    /// The figure the map's areas follow.
    weight: f64,
    calls: Option<u64>,
    /// What it called when the focus called it (indexes of `nested`).
    inner: Vec<usize>,
}

/// A function below a callee, merged over the focus's outermost frames.
#[derive(Debug, Clone, PartialEq)]
struct Nested {
    function: FunctionId,
    weight: f64,
    inner: Vec<usize>,
}

/// A box of the map as laid out for one area.
#[derive(Debug, Clone, PartialEq)]
struct Placed {
    rect: Rect,
    /// `None` for the focus's own (self) part.
    function: Option<FunctionId>,
    /// 1 for the focus's callees.
    level: usize,
    /// The callee (list row) a first-level box stands for.
    callee: Option<usize>,
    /// Share of the focus, in %.
    share: f64,
}

pub struct State {
    /// The report, thread choice and focus the map was built for.
    built_for: Option<(Arc<Report>, Option<usize>, Option<FunctionId>)>,
    focus: Option<FunctionId>,
    weight: Weight,
    /// The focus's inclusive figure, and the whole program's.
    focus_weight: f64,
    total_weight: f64,
    /// Heaviest first.
    callees: Vec<Callee>,
    nested: Vec<Nested>,
    pub cursor: Cursor,
    /// What the calls column rests on.
    calls_note: String,
    /// The boxes laid out for the last map area drawn.
    placed: Option<(Rect, Vec<Placed>)>,
    colour: bool,
}

impl Default for State {
    fn default() -> Self {
        Self {
            built_for: None,
            focus: None,
            weight: Weight::Samples,
            focus_weight: 0.0,
            total_weight: 0.0,
            callees: Vec::new(),
            nested: Vec::new(),
            cursor: Cursor::default(),
            calls_note: String::new(),
            placed: None,
            colour: colour_enabled(),
        }
    }
}

/// Tree nodes grouped by function: the groups' functions, weights and
/// nodes, heaviest first.
fn group_children(tree: &Tree, weights: &[f64], nodes: &[u32]) -> Vec<(FunctionId, f64, Vec<u32>)> {
    let mut at: HashMap<FunctionId, usize> = HashMap::new();
    let mut groups: Vec<(FunctionId, f64, Vec<u32>)> = Vec::new();
    for &node in nodes {
        for &child in &tree.node(node).children {
            let Some(function) = tree.node(child).function else { continue };
            let index = *at.entry(function).or_insert_with(|| {
                groups.push((function, 0.0, Vec::new()));
                groups.len() - 1
            });
            groups[index].1 += weights[child as usize];
            groups[index].2.push(child);
        }
    }
    groups.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    groups
}

/// The outermost frames of `focus` in the tree (the root when `None`):
/// frames with no frame of the same function above them.
fn outermost(tree: &Tree, focus: Option<FunctionId>) -> Vec<u32> {
    match focus {
        // Indexed when the tree was built: no walk over a million frames.
        Some(focus) => tree.outermost_frames(focus).to_vec(),
        None => vec![Tree::ROOT],
    }
}

impl State {
    fn rebuild(&mut self, ctx: &Ctx) {
        let profile = ctx.profile;
        let key = (Arc::clone(&profile.report), profile.thread, ctx.focus);
        if self
            .built_for
            .as_ref()
            .is_some_and(|(r, t, f)| Arc::ptr_eq(r, &key.0) && (*t, *f) == (key.1, key.2))
        {
            return;
        }
        let selected = self.selected_function();
        let analysis = &profile.analysis;
        let tree: &Tree = &profile.tree;
        self.weight = profile.weight;
        let weights: &[f64] = &profile.weights;
        self.focus = ctx.focus;
        self.calls_note = match &analysis.basis().calls {
            None => "no calls pass".into(),
            Some(c) if c.per_run => "calls per run".into(),
            Some(c) => format!("calls: sums of {} runs", c.repeats),
        };
        self.total_weight = weights[Tree::ROOT as usize];
        self.nested.clear();

        // What each first-level callee called, from the merged tree.
        let mut inner_of: HashMap<FunctionId, (Vec<usize>, f64, Option<u64>)> = HashMap::new();
        for (function, weight, nodes) in group_children(tree, weights, &outermost(tree, self.focus)) {
            let calls = nodes.iter().filter_map(|&n| tree.node(n).calls).reduce(|a, b| a + b);
            let inner = self.nest(tree, weights, &nodes, 2);
            inner_of.insert(function, (inner, weight, calls));
        }
        let name = |f: FunctionId| profile.report.functions[f as usize].name.clone();
        self.callees = match self.focus {
            Some(focus) => {
                let row = profile.flat.iter().find(|r| r.function == focus);
                self.focus_weight = row.map_or(0.0, |r| match self.weight {
                    Weight::Samples => r.inclusive_samples as f64,
                    Weight::CallTime => r.calls.map_or(0.0, |c| c.inclusive_s),
                    Weight::Bytes => r.inclusive_heap.map_or(0.0, |h| h.bytes as f64),
                });
                analysis
                    .edges(focus, Direction::Callees, Reach::Direct)
                    .into_iter()
                    .filter_map(|edge| {
                        let function = edge.function?;
                        let weight = match self.weight {
                            Weight::Samples => edge.samples as f64,
                            Weight::CallTime => edge.inclusive_s.unwrap_or(0.0),
                            Weight::Bytes => edge.heap.map_or(0.0, |h| h.bytes as f64),
                        };
                        let inner = inner_of.remove(&function).map(|(inner, _, _)| inner).unwrap_or_default();
                        Some(Callee {
                            function,
                            name: edge.name,
                            recursive: edge.recursive,
                            weight,
                            calls: edge.calls,
                            inner,
                        })
                    })
                    .collect()
            }
            None => {
                self.focus_weight = self.total_weight;
                inner_of
                    .into_iter()
                    .map(|(function, (inner, weight, calls))| Callee {
                        function,
                        name: name(function),
                        recursive: false,
                        weight,
                        calls,
                        inner,
                    })
                    .collect()
            }
        };
        self.callees.sort_by(|a, b| b.weight.total_cmp(&a.weight).then_with(|| a.name.cmp(&b.name)));
        self.cursor = Cursor::default();
        if let Some(function) = selected {
            self.select_function(function);
        }
        self.placed = None;
        self.built_for = Some(key);
    }

    /// Merges the children of `nodes` into `nested`, and theirs down to
    /// level [`LEVELS`]; returns the indexes of the first level made.
    fn nest(&mut self, tree: &Tree, weights: &[f64], nodes: &[u32], level: usize) -> Vec<usize> {
        if level > LEVELS {
            return Vec::new();
        }
        let mut made = Vec::new();
        for (function, weight, group) in group_children(tree, weights, nodes) {
            if weight <= 0.0 {
                continue;
            }
            let inner = self.nest(tree, weights, &group, level + 1);
            self.nested.push(Nested { function, weight, inner });
            made.push(self.nested.len() - 1);
        }
        made
    }

    fn selected_function(&self) -> Option<FunctionId> {
        self.callees.get(self.cursor.selected).map(|c| c.function)
    }

    fn select_function(&mut self, function: FunctionId) {
        if let Some(index) = self.callees.iter().position(|c| c.function == function) {
            self.cursor.selected = index;
        }
    }

    /// The callees' total; more than the focus's figure when recursion
    /// makes edges share samples.
    fn callees_weight(&self) -> f64 {
        self.callees.iter().map(|c| c.weight).sum()
    }

    /// Lays out the map in `area`: the callees and the focus's self part,
    /// then what each callee called inside its box.
    fn lay_out(&self, area: Rect) -> Vec<Placed> {
        let mut placed = Vec::new();
        let whole = self.focus_weight.max(self.callees_weight());
        if whole <= 0.0 {
            return placed;
        }
        let mut weights: Vec<f64> = self.callees.iter().map(|c| c.weight).collect();
        weights.push(whole - self.callees_weight());
        let rects = squarify(&weights, area);
        let share = |w: f64| if self.focus_weight > 0.0 { w * 100.0 / self.focus_weight } else { 0.0 };
        for (index, callee) in self.callees.iter().enumerate() {
            let rect = rects[index];
            placed.push(Placed {
                rect,
                function: Some(callee.function),
                level: 1,
                callee: Some(index),
                share: share(callee.weight),
            });
            self.lay_out_inner(&mut placed, rect, callee.weight, &callee.inner, 2, &share);
        }
        placed.push(Placed {
            rect: rects[self.callees.len()],
            function: None,
            level: 1,
            callee: None,
            share: share(weights[self.callees.len()]),
        });
        placed
    }

    /// The boxes of `inner` inside the box `outer` of weight `weight`.
    fn lay_out_inner(
        &self,
        placed: &mut Vec<Placed>,
        outer: Rect,
        weight: f64,
        inner: &[usize],
        level: usize,
        share: &dyn Fn(f64) -> f64,
    ) {
        let area = inside(outer);
        if inner.is_empty() || area.is_empty() || level > LEVELS {
            return;
        }
        let children: f64 = inner.iter().map(|&i| self.nested[i].weight).sum();
        let mut weights: Vec<f64> = inner.iter().map(|&i| self.nested[i].weight).collect();
        weights.push((weight - children).max(0.0));
        let rects = squarify(&weights, area);
        for (&i, &rect) in inner.iter().zip(&rects) {
            let nested = &self.nested[i];
            placed.push(Placed {
                rect,
                function: Some(nested.function),
                level,
                callee: None,
                share: share(nested.weight),
            });
            self.lay_out_inner(placed, rect, nested.weight, &nested.inner, level + 1, share);
        }
    }

    fn focus_name<'a>(&self, profile: &'a Profile) -> &'a str {
        self.focus.map_or("the whole program", |f| profile.report.functions[f as usize].name.as_str())
    }
}

/// The space inside a box's border (nothing when the box has none).
fn inside(rect: Rect) -> Rect {
    if has_border(rect) { Block::bordered().inner(rect) } else { Rect::new(rect.x, rect.y, 0, 0) }
}

/// Boxes get a border (with their name on it) from 4 × 2 cells on.
fn has_border(rect: Rect) -> bool {
    rect.width >= 4 && rect.height >= 2
}

/// `name 57%` in `width` cells, or as much of it as fits.
fn label(name: &str, share: Option<f64>, width: usize) -> String {
    if let Some(share) = share {
        let pct = format!(" {share:.0}%");
        let room = width.saturating_sub(pct.chars().count());
        let fitted = fit_label(name, room);
        // A cut name is worth more than the share: the list has it.
        if room >= 3 && !fitted.ends_with('…') {
            return format!("{fitted}{pct}");
        }
    }
    fit_label(name, width)
}

impl View for State {
    fn refresh(&mut self, ctx: &Ctx) {
        self.rebuild(ctx);
    }

    fn update(&mut self, action: Action, ctx: &Ctx) -> Outcome {
        let view = match action {
            Action::Enter => ViewKind::Map,
            Action::ShowEdges => ViewKind::Edges,
            Action::ShowLines => ViewKind::Lines,
            other => {
                self.cursor.apply(other, self.callees.len(), ctx.page_rows);
                return Outcome::Nothing;
            }
        };
        let Some(callee) = self.callees.get(self.cursor.selected) else {
            return Outcome::Message(format!("{} has no callees to go to", self.focus_name(ctx.profile)));
        };
        if view == ViewKind::Map && callee.recursive {
            return Outcome::Message(format!("{} calls itself: it is the focus already", callee.name));
        }
        Outcome::Focus(callee.function, view)
    }

    fn find(&mut self, needle: &str, forward: bool, include_current: bool, _ctx: &Ctx) -> bool {
        let callees = &self.callees;
        self.cursor.find(callees.len(), forward, include_current, |index| {
            callees[index].name.to_lowercase().contains(needle)
        })
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        if area.is_empty() {
            return;
        }
        let [caption, body] =
            Layout::vertical([Constraint::Length(u16::from(area.height >= 3)), Constraint::Min(1)])
                .areas(area);
        let [map, list] = if body.width >= SIDE_BY_SIDE {
            Layout::horizontal([Constraint::Min(1), Constraint::Length(LIST_WIDTH)]).areas(body)
        } else {
            let rows = (self.callees.len() as u16 + 2).clamp(4, (body.height / 3).max(4));
            let list_height = if body.height >= 8 { rows } else { 0 };
            Layout::vertical([Constraint::Min(1), Constraint::Length(list_height)]).areas(body)
        };
        if self.placed.as_ref().is_none_or(|(at, _)| *at != map) {
            self.placed = Some((map, self.lay_out(map)));
        }
        let hidden = self.draw_map(frame.buffer_mut(), map, ctx.profile);
        frame.render_widget(Paragraph::new(self.caption(ctx.profile, hidden)), caption);
        self.draw_list(frame, list, ctx.profile);
    }
}

impl State {
    /// Draws the laid-out boxes; returns how many callees got no cell.
    fn draw_map(&self, buf: &mut Buffer, area: Rect, profile: &Profile) -> usize {
        let Some((_, placed)) = &self.placed else { return 0 };
        if placed.is_empty() && !area.is_empty() {
            let text = format!("no {} under {}", weight_name(self.weight), self.focus_name(profile));
            Paragraph::new(text).render(area, buf);
            return 0;
        }
        let selected = self.cursor.selected;
        let mut hidden = 0;
        for p in placed {
            let chosen = p.callee.is_some_and(|c| c == selected);
            if p.rect.is_empty() {
                hidden += usize::from(p.level == 1 && p.function.is_some() && p.share > 0.0);
                continue;
            }
            let name = p.function.map_or("self", |f| profile.report.functions[f as usize].name.as_str());
            let recursive = p.callee.is_some_and(|c| self.callees[c].recursive);
            let name = if recursive { format!("{} (recursive)", short_name(name)) } else { name.to_string() };
            let share = (p.level == 1).then_some(p.share);
            let colour = (self.colour && p.function.is_some()).then(|| hue(&name));
            draw_box(buf, p.rect, &name, share, colour, chosen, p.function.is_none());
        }
        hidden
    }

    fn caption(&self, profile: &Profile, hidden: usize) -> String {
        let focus = self.focus_name(profile);
        let of_all = if self.total_weight > 0.0 && self.focus.is_some() {
            format!(", {} of all", percent(self.focus_weight * 100.0 / self.total_weight))
        } else {
            String::new()
        };
        let mut parts =
            vec![format!("callees of {focus}: {}{of_all}", weight_figure(self.weight, self.focus_weight))];
        let callees = self.callees_weight();
        if callees > self.focus_weight {
            parts.push("callees overlap through recursion: areas scaled to fit".into());
        } else if self.focus.is_some() && self.focus_weight > 0.0 {
            let own = self.focus_weight - callees;
            parts.push(format!(
                "self {}, {}",
                weight_figure(self.weight, own),
                percent(own * 100.0 / self.focus_weight)
            ));
        }
        if hidden > 0 {
            parts.push(format!("{hidden} too small to draw: see the list"));
        }
        parts.join(" · ")
    }

    fn draw_list(&mut self, frame: &mut Frame, area: Rect, profile: &Profile) {
        if area.is_empty() {
            return;
        }
        let [title, area] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
        let note = format!("area ∝ {} · {}", weight_name(self.weight), self.calls_note);
        frame.render_widget(Paragraph::new(note).style(Style::default().add_modifier(Modifier::DIM)), title);
        if area.is_empty() {
            return;
        }
        if self.callees.is_empty() {
            let text = format!("{} calls nothing measured", self.focus_name(profile));
            frame.render_widget(Paragraph::new(text), area);
            return;
        }
        let title = match self.weight {
            Weight::Samples => "samples",
            Weight::CallTime => "incl time",
            Weight::Bytes => "bytes",
        };
        let columns = [
            Column { title, width: 10, align: Align::Right },
            Column { title: "% focus", width: 7, align: Align::Right },
            Column { title: "calls", width: 9, align: Align::Right },
            Column { title: "callee", width: 12, align: Align::Left },
        ];
        let (callees, focus_weight, weight) = (&self.callees, self.focus_weight, self.weight);
        let row = |index: usize| {
            let callee = &callees[index];
            let share =
                if focus_weight > 0.0 { percent(callee.weight * 100.0 / focus_weight) } else { NONE.into() };
            let name =
                if callee.recursive { format!("{} (recursive)", callee.name) } else { callee.name.clone() };
            let figure = match weight {
                Weight::Samples => format!("{}", callee.weight.round() as u64),
                _ => weight_figure(weight, callee.weight),
            };
            vec![figure, share, callee.calls.map_or(NONE.to_string(), |c| c.to_string()), name]
        };
        table::draw(frame, area, &columns, callees.len(), &mut self.cursor, row, |_| false);
    }
}

/// One box: a border with the label when there is room, else the label
/// alone on a dotted fill; the selected callee thick and reversed.
fn draw_box(
    buf: &mut Buffer,
    rect: Rect,
    name: &str,
    share: Option<f64>,
    colour: Option<Color>,
    selected: bool,
    is_self: bool,
) {
    let mut style = Style::default();
    if let Some(colour) = colour {
        style = style.fg(colour);
    }
    if is_self {
        style = style.add_modifier(Modifier::DIM);
    }
    let title_style =
        if selected { Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD) } else { style };
    if has_border(rect) {
        let text = label(name, share, usize::from(rect.width - 2));
        let border = if selected { BorderType::Thick } else { BorderType::Plain };
        Block::bordered()
            .border_type(border)
            .border_style(style)
            .title(text)
            .title_style(title_style)
            .render(rect, buf);
        return;
    }
    // Too small for a border: the label on a dotted fill, closed by `▕`
    // so that neighbours do not run together.
    let width = usize::from(rect.width);
    let room = if width >= 2 { width - 1 } else { width };
    for y in rect.y..rect.bottom() {
        let text = if y == rect.y { label(name, share, room) } else { String::new() };
        let mut filled = format!("{text:·<room$}");
        if width >= 2 {
            filled.push('▕');
        }
        buf.set_stringn(rect.x, y, &filled, width, if y == rect.y { title_style } else { style });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explorer::views::fixture::{self, EXP, FACT, RUN};

    fn map_of(profile: &Profile, focus: Option<FunctionId>) -> State {
        let mut state = State::default();
        state.refresh(&fixture::ctx(profile, focus));
        state.colour = false;
        state
    }

    fn draw(state: &mut State, profile: &Profile, focus: Option<FunctionId>, w: u16, h: u16) -> Buffer {
        let ctx = fixture::ctx(profile, focus);
        fixture::draw(w, h, |frame, area| state.draw(frame, area, &ctx))
    }

    /// `(name, weight, calls)` of the list.
    fn list(state: &State) -> Vec<(&str, f64, Option<u64>)> {
        state.callees.iter().map(|c| (c.name.as_str(), c.weight, c.calls)).collect()
    }

    #[test]
    fn taylor_exp_splits_into_factorial_and_its_self_part() {
        let profile = fixture::profile(fixture::taylor());
        let exp = fixture::function(&profile, EXP);
        let mut state = map_of(&profile, Some(exp));
        // 6 samples in taylor_exp: 4 in factorial, 2 of its own; the
        // allocation site has bytes but no samples. Calls are sums over the
        // 2 runs (the worker's single call does not divide): 6 on main + 1.
        assert_eq!(list(&state), vec![(FACT, 4.0, Some(7)), ("alloc::raw_vec::RawVec<T>::grow", 0.0, None)]);
        let buffer = draw(&mut state, &profile, Some(exp), 80, 24);
        insta::assert_snapshot!("map_taylor_exp", fixture::text(&buffer));
        assert_eq!(
            fixture::row(&buffer, 0),
            "callees of taylor::taylor_exp: 6 samples, 85.7% of all · self 2 samples, 33.3%"
        );
        let text = fixture::text(&buffer);
        assert!(text.contains("taylor::factorial 67%"), "factorial's box: 4 of 6 samples\n{text}");
        assert!(text.contains("self 33%"), "the self part: 2 of 6\n{text}");
        // The selected callee's list row and box are marked.
        let row = (0..24).find(|&y| fixture::row(&buffer, y).ends_with(FACT)).expect("factorial's row");
        assert_eq!(fixture::row(&buffer, row), "         4   66.7%         7 taylor::factorial");
        assert!(buffer[(0, row)].modifier.contains(Modifier::REVERSED));
        assert_eq!(buffer[(0, 1)].symbol(), "┏", "the selected box has a thick border");
    }

    #[test]
    fn without_a_focus_the_map_is_the_whole_program() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = map_of(&profile, None);
        // run holds all 7 samples; the probes' path (taylor_exp at the
        // root) has calls but no samples.
        assert_eq!(list(&state), vec![(RUN, 7.0, None), (EXP, 0.0, Some(2))]);
        let buffer = draw(&mut state, &profile, None, 120, 16);
        insta::assert_snapshot!("map_whole_program", fixture::text(&buffer));
        let text = fixture::text(&buffer);
        assert!(text.starts_with("callees of the whole program: 7 samples\n"), "{text}");
        assert!(text.contains("area ∝ inclusive cpu samples · calls: sums of 2 runs"), "{text}");
        // Nested: run → taylor_exp (6 of 7) → factorial (4 of 7).
        assert!(text.contains("taylor::run 100%"));
        assert!(text.contains("taylor::taylor_exp"));
        assert!(text.contains("taylor::factorial"));
    }

    #[test]
    fn narrow_callees_are_counted_and_listed() {
        let profile = fixture::profile(fixture::fan_out());
        let main = fixture::function(&profile, "wide::main");
        let mut state = map_of(&profile, Some(main));
        assert_eq!(state.callees.len(), 32);
        assert_eq!((state.callees[0].name.as_str(), state.callees[0].weight), ("wide::hot", 80.0));
        let buffer = draw(&mut state, &profile, Some(main), 80, 24);
        insta::assert_snapshot!("map_fan_out", fixture::text(&buffer));
        let placed = &state.placed.as_ref().expect("laid out").1;
        let first: Vec<&Placed> = placed.iter().filter(|p| p.level == 1 && !p.rect.is_empty()).collect();
        for (i, a) in first.iter().enumerate() {
            for b in &first[i + 1..] {
                assert!(!a.rect.intersects(b.rect), "{a:?} overlaps {b:?}");
            }
        }
        let hot = placed.iter().find(|p| p.callee == Some(0)).expect("hot's box");
        let map_cells: u32 = first.iter().map(|p| p.rect.area()).sum();
        let hot_share = f64::from(hot.rect.area()) / f64::from(map_cells);
        assert!((hot_share - 80.0 / 120.0).abs() < 0.05, "hot covers {hot_share:.3} of the map");
    }

    #[test]
    fn enter_focuses_the_selected_callee_in_the_map() {
        let profile = fixture::profile(fixture::taylor());
        let (exp, fact) = (fixture::function(&profile, EXP), fixture::function(&profile, FACT));
        let mut state = map_of(&profile, Some(exp));
        let ctx = fixture::ctx(&profile, Some(exp));
        assert_eq!(state.update(Action::Enter, &ctx), Outcome::Focus(fact, ViewKind::Map));
        assert_eq!(state.update(Action::ShowEdges, &ctx), Outcome::Focus(fact, ViewKind::Edges));
        state.update(Action::Down, &ctx);
        assert_eq!(
            state.selected_function(),
            Some(fixture::function(&profile, "alloc::raw_vec::RawVec<T>::grow"))
        );
        assert!(state.find("fact", true, true, &ctx));
        assert_eq!(state.selected_function(), Some(fact));

        // factorial's callee is itself: Enter says so instead of going nowhere.
        let mut state = map_of(&profile, Some(fact));
        let ctx = fixture::ctx(&profile, Some(fact));
        // 24 recursive calls over the 2 runs (totals: the worker's 1 call
        // does not divide), 3 samples below the outermost factorial.
        assert_eq!(list(&state), vec![(FACT, 3.0, Some(24))]);
        assert!(state.callees[0].recursive);
        assert!(matches!(state.update(Action::Enter, &ctx), Outcome::Message(_)));
    }

    #[test]
    fn tiny_areas_never_panic() {
        let profile = fixture::profile(fixture::fan_out());
        let main = fixture::function(&profile, "wide::main");
        let mut state = map_of(&profile, Some(main));
        for (w, h) in [(1, 1), (0, 1), (1, 0), (2, 2), (5, 3), (20, 6)] {
            draw(&mut state, &profile, Some(main), w, h);
        }
    }
}
