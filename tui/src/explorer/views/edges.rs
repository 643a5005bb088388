//! Callers and callees of one function side by side, KCachegrind's way:
//! the focused function's own totals on top, then two sortable panes with
//! what flows along each edge. `a` switches between the adjacent frames
//! and every function above (below) it; Enter goes to the selected
//! function and Backspace comes back (the app keeps the history).
//!
//! In diff mode each edge shows the change of its calls (exact) and of its
//! sampled time from the base's edge to the function of the same
//! comparable name; the base's edges with no counterpart are named as gone.

use crate::explorer::action::Action;
use crate::explorer::app::ViewKind;
use crate::explorer::baseline::{Baseline, count_change};
use crate::explorer::views::{Ctx, Outcome, View};
use crate::explorer::widgets::table::{self, Align, Column, Columns, Cursor, digits, elide, fit, name_width};
use crate::report_view::units::{NONE, human_bytes, percent, seconds};
use proftui_core::analysis::{Basis, Direction, EdgeRow, FlatRow, Reach, SortKey, sort_rows};
use proftui_core::report::FunctionId;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Paragraph};
use std::collections::HashMap;

/// Sort columns in the order `>` cycles through them (per pane).
const SORTS: [SortKey; 4] = [SortKey::Inclusive, SortKey::Calls, SortKey::Bytes, SortKey::Name];

/// Figures are dropped before a name gets narrower than this.
const NAME_WIDTH: u16 = 20;

/// Narrower than this, the panes are stacked instead of side by side.
const SIDE_BY_SIDE_WIDTH: u16 = 60;

/// Which pane: the callers (left) or the callees (right).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Callers,
    Callees,
}

impl Side {
    fn index(self) -> usize {
        match self {
            Side::Callers => 0,
            Side::Callees => 1,
        }
    }

    fn other(self) -> Self {
        match self {
            Side::Callers => Side::Callees,
            Side::Callees => Side::Callers,
        }
    }

    fn direction(self) -> Direction {
        match self {
            Side::Callers => Direction::Callers,
            Side::Callees => Direction::Callees,
        }
    }
}

/// Diff mode: a pane's changes from the base, computed with its rows (per
/// focus and reach), never per frame.
#[derive(Debug, Clone, Default)]
struct PaneDiff {
    /// Per other end of an edge: the change of its calls (exact) and of
    /// its sampled time; `—` when a side lacks the pass.
    changes: HashMap<Option<FunctionId>, (String, String)>,
    /// The base's edges with no edge here, by name.
    gone: Vec<String>,
    /// The longest texts (column widths).
    calls_width: u16,
    time_width: u16,
}

impl PaneDiff {
    /// The changes of `rows`, edges of the function the new report calls
    /// `name`, matched to the base's edges by the other end's comparable
    /// name.
    fn new(
        baseline: &Baseline,
        name: &str,
        side: Side,
        reach: Reach,
        rows: &[EdgeRow],
        basis: &Basis,
    ) -> Self {
        let mut base = baseline.edges(name, side.direction(), reach);
        let calls_on_both = basis.calls.is_some() && baseline.analysis.basis().calls.is_some();
        let mut changes = HashMap::new();
        for row in rows {
            let key = match row.function {
                Some(_) => baseline.comparable_new(&row.name),
                None => row.name.clone(),
            };
            let edge = base.remove(&key);
            let calls = Some(count_change(edge.and_then(|e| e.calls), row.calls))
                .filter(|text| calls_on_both && !text.is_empty())
                .unwrap_or_else(|| NONE.to_string());
            let time = basis
                .cpu
                .as_ref()
                .and_then(|cpu| baseline.sampled_change(edge.map(|e| e.samples), row.samples, cpu))
                .map_or_else(|| NONE.to_string(), |change| change.text());
            changes.insert(row.function, (calls, time));
        }
        let mut gone: Vec<String> = base.into_keys().collect();
        gone.sort();
        let width = |text: &str, title: &str| text.chars().count().max(title.chars().count()) as u16;
        let calls_width = changes.values().map(|(c, _)| width(c, CALLS_CHANGE)).max().unwrap_or(0);
        let time_width = changes.values().map(|(_, t)| width(t, TIME_CHANGE)).max().unwrap_or(0);
        Self { changes, gone, calls_width, time_width }
    }
}

/// Titles of the diff columns.
const CALLS_CHANGE: &str = "Δ calls";
const TIME_CHANGE: &str = "Δ t";

/// One pane: its edges in display order, selection and sort.
#[derive(Debug, Clone, Default)]
struct Pane {
    rows: Vec<EdgeRow>,
    /// Diff mode: the rows' changes from the base.
    diff: Option<PaneDiff>,
    /// The largest call count and sample count of the rows (column widths).
    most_calls: u64,
    most_samples: u64,
    cursor: Cursor,
    sort: usize,
    reversed: bool,
}

impl Pane {
    fn selected(&self) -> Option<&EdgeRow> {
        self.rows.get(self.cursor.selected)
    }

    /// The other end of the selected edge (`Some(None)` is the root).
    fn selected_end(&self) -> Option<Option<FunctionId>> {
        self.selected().map(|row| row.function)
    }

    fn select(&mut self, end: Option<FunctionId>) {
        if let Some(index) = self.rows.iter().position(|r| r.function == end) {
            self.cursor.selected = index;
        }
    }

    /// Takes new rows, sorted, keeping the selected function selected when
    /// `keep` (else the first row).
    fn set_rows(&mut self, rows: Vec<EdgeRow>, keep: bool) {
        let selected = self.selected_end().filter(|_| keep);
        self.most_calls = rows.iter().filter_map(|r| r.calls).max().unwrap_or(0);
        self.most_samples = rows.iter().map(|r| r.samples).max().unwrap_or(0);
        self.rows = rows;
        self.cursor = Cursor::default();
        self.sort_rows();
        if let Some(end) = selected {
            self.select(end);
        }
    }

    fn sort_rows(&mut self) {
        sort_rows(&mut self.rows, SORTS[self.sort]);
        if self.reversed {
            self.rows.reverse();
        }
    }

    /// The sort column's name; inclusive cost is samples, or call time
    /// without a cpu pass.
    fn sort_name(&self, sampled: bool) -> &'static str {
        match SORTS[self.sort] {
            SortKey::Calls => "calls",
            SortKey::Bytes => "bytes",
            SortKey::Name => "name",
            _ if sampled => "samples",
            _ => "incl t",
        }
    }

    fn step(&mut self, action: Action, page: usize) {
        use Action as A;
        if self.cursor.apply(action, self.rows.len(), page) {
            return;
        }
        match action {
            A::SortNext | A::SortPrev | A::ReverseSort => {
                let selected = self.selected_end();
                match action {
                    A::SortNext => self.sort = (self.sort + 1) % SORTS.len(),
                    A::SortPrev => self.sort = (self.sort + SORTS.len() - 1) % SORTS.len(),
                    _ => self.reversed = !self.reversed,
                }
                self.sort_rows();
                if let Some(end) = selected {
                    self.select(end);
                }
            }
            _ => {}
        }
    }
}

pub struct State {
    /// The function shown: the focus, or the hottest one before any focus.
    function: Option<FunctionId>,
    /// `function` is the hottest function, not a focus the user chose.
    hottest: bool,
    reach: Reach,
    /// Callers, callees.
    panes: [Pane; 2],
    active: Side,
    /// The function's own row of the flat profile (absent when the thread
    /// filter leaves it no figure).
    totals: Option<FlatRow>,
    name: String,
    location: Option<String>,
    basis: Option<Basis>,
    /// Diff mode: the base's label and the change of the function's own
    /// inclusive time.
    diff: Option<(String, String)>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            function: None,
            hottest: false,
            reach: Reach::Direct,
            panes: Default::default(),
            active: Side::Callers,
            totals: None,
            name: String::new(),
            location: None,
            basis: None,
            diff: None,
        }
    }
}

impl State {
    fn pane(&self, side: Side) -> &Pane {
        &self.panes[side.index()]
    }

    fn pane_mut(&mut self, side: Side) -> &mut Pane {
        &mut self.panes[side.index()]
    }

    /// The selected edge of the active pane.
    fn selected(&self) -> Option<&EdgeRow> {
        self.pane(self.active).selected()
    }

    /// Recomputes both panes; `keep` keeps their selections.
    fn load(&mut self, ctx: &Ctx, keep: bool) {
        for side in [Side::Callers, Side::Callees] {
            let rows = match self.function {
                Some(f) => ctx.profile.analysis.edges(f, side.direction(), self.reach),
                None => Vec::new(),
            };
            let diff = ctx.profile.baseline.as_ref().filter(|_| self.function.is_some()).map(|baseline| {
                let basis = ctx.profile.analysis.basis();
                PaneDiff::new(baseline, &self.name, side, self.reach, &rows, basis)
            });
            self.pane_mut(side).diff = diff;
            self.pane_mut(side).set_rows(rows, keep);
        }
    }

    /// Where Enter (or `L`) on the selected edge goes.
    fn go(&self, view: ViewKind) -> Outcome {
        match self.selected() {
            Some(EdgeRow { function: Some(f), .. }) => Outcome::Focus(*f, view),
            Some(EdgeRow { function: None, .. }) => {
                Outcome::Message("(root) is where stacks start, not a function".into())
            }
            None => Outcome::Nothing,
        }
    }

    /// Selects the next edge whose name contains `needle`, through the
    /// active pane and then the other, wrapping around.
    fn search(&mut self, needle: &str, forward: bool, include_current: bool) -> bool {
        let order = [self.active, self.active.other()];
        let lens = order.map(|side| self.pane(side).rows.len());
        let len = lens[0] + lens[1];
        if len == 0 {
            return false;
        }
        let start = self.pane(self.active).cursor.selected.min(len - 1);
        let place = |at: usize| if at < lens[0] { (order[0], at) } else { (order[1], at - lens[0]) };
        let found = table::find_wrapping(len, start, forward, include_current, |at| {
            let (side, index) = place(at);
            self.pane(side).rows[index].name.to_lowercase().contains(needle)
        });
        let Some((side, index)) = found.map(place) else { return false };
        self.active = side;
        self.pane_mut(side).cursor.selected = index;
        true
    }
}

impl View for State {
    fn refresh(&mut self, ctx: &Ctx) {
        let function = ctx.focus.or_else(|| super::hottest(&ctx.profile.flat, SortKey::Inclusive));
        let same = function == self.function;
        self.function = function;
        self.hottest = ctx.focus.is_none();
        self.basis = Some(ctx.profile.analysis.basis().clone());
        self.totals = function.and_then(|f| ctx.profile.flat.iter().find(|r| r.function == f).cloned());
        let info = function.map(|f| &ctx.profile.report.functions[f as usize]);
        self.name = info.map(|i| i.name.clone()).unwrap_or_default();
        self.location = info.and_then(|i| {
            let file = i.file.as_deref()?;
            Some(i.line.map_or_else(|| file.to_string(), |line| format!("{file}:{line}")))
        });
        self.diff = ctx.profile.baseline.as_ref().map(|baseline| {
            let new = self.totals.as_ref().map_or(0, |t| t.inclusive_samples);
            let change = match (baseline.row(&self.name), ctx.profile.analysis.basis().cpu.as_ref()) {
                (None, _) => "not in the base".to_string(),
                (Some(base), Some(cpu)) => baseline
                    .sampled_change(Some(base.inclusive_samples), new, cpu)
                    .map_or_else(|| NONE.to_string(), |c| c.text()),
                (Some(_), None) => NONE.to_string(),
            };
            (baseline.label(), change)
        });
        self.load(ctx, same);
    }

    fn update(&mut self, action: Action, ctx: &Ctx) -> Outcome {
        match action {
            Action::Enter | Action::ShowEdges => self.go(ViewKind::Edges),
            Action::ShowLines => self.go(ViewKind::Lines),
            Action::SwitchPane => {
                self.active = self.active.other();
                Outcome::Nothing
            }
            Action::ToggleTransitive => {
                self.reach = match self.reach {
                    Reach::Direct => Reach::Transitive,
                    Reach::Transitive => Reach::Direct,
                };
                self.load(ctx, true);
                Outcome::Nothing
            }
            other => {
                let active = self.active;
                self.pane_mut(active).step(other, ctx.page_rows);
                Outcome::Nothing
            }
        }
    }

    fn find(&mut self, needle: &str, forward: bool, include_current: bool, _ctx: &Ctx) -> bool {
        self.search(needle, forward, include_current)
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        draw(frame, area, self, ctx.relative);
    }
}

/// A figure column of a pane, or the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Figure {
    Calls,
    Samples,
    Share,
    Time,
    Bytes,
    /// Diff mode: the change of the calls and of the sampled time.
    CallsChange,
    TimeChange,
    Name,
}

fn columns(basis: &Basis, relative: bool, pane: &Pane, side: Side, width: u16) -> Columns<Figure> {
    let right = |title, width| Column { title, width, align: Align::Right };
    let mut all = Vec::new();
    if basis.calls.is_some() {
        all.push((Figure::Calls, right("calls", digits(pane.most_calls, "calls")), 2));
    }
    if basis.cpu.is_some() {
        if !relative {
            all.push((Figure::Samples, right("smp", digits(pane.most_samples, "smp")), 1));
        }
        all.push((Figure::Share, right("smp%", 6), if relative { 1 } else { 3 }));
    }
    if basis.calls.is_some() {
        all.push((Figure::Time, right("incl t", 8), 4));
    }
    if basis.heap.is_some() {
        all.push((Figure::Bytes, right("bytes", 9), 5));
    }
    if let Some(diff) = &pane.diff {
        // The changes are kept longest: the sampled one before everything,
        // the calls' beside the samples.
        for (_, _, rank) in &mut all {
            *rank += 1;
        }
        if let Some(calls) = all.iter().position(|(f, _, _)| *f == Figure::Calls) {
            all.insert(calls + 1, (Figure::CallsChange, right(CALLS_CHANGE, diff.calls_width), 2));
        }
        let sampled = all
            .iter()
            .position(|(f, _, _)| *f == Figure::Samples)
            .or_else(|| all.iter().position(|(f, _, _)| *f == Figure::Share));
        if let Some(sampled) = sampled {
            all.insert(sampled + 1, (Figure::TimeChange, right(TIME_CHANGE, diff.time_width), 1));
        }
    }
    let name = match side {
        Side::Callers => "caller",
        Side::Callees => "callee",
    };
    all.push((Figure::Name, Column { title: name, width: NAME_WIDTH, align: Align::Left }, 0));
    fit(all, width, NAME_WIDTH)
}

fn share(part: u64, total: u64) -> String {
    if total == 0 { NONE.to_string() } else { percent(part as f64 * 100.0 / total as f64) }
}

fn cell(figure: Figure, row: &EdgeRow, basis: &Basis, relative: bool) -> String {
    let total_samples = basis.cpu.as_ref().map_or(0, |c| c.samples);
    match figure {
        Figure::Calls => row.calls.map_or_else(|| NONE.to_string(), |c| c.to_string()),
        Figure::Samples => row.samples.to_string(),
        Figure::Share => share(row.samples, total_samples),
        Figure::Time => row.inclusive_s.map_or_else(|| NONE.to_string(), seconds),
        Figure::Bytes => match (&row.heap, &basis.heap) {
            (Some(h), Some(heap)) if relative => share(h.bytes, heap.totals.bytes),
            (Some(h), _) => human_bytes(h.bytes),
            (None, _) => NONE.to_string(),
        },
        Figure::Name if row.recursive => format!("{} (recursive)", row.name),
        Figure::Name => row.name.clone(),
        Figure::CallsChange | Figure::TimeChange => String::new(),
    }
}

/// The function's own figures, each with its unit.
fn totals_line(state: &State, basis: &Basis) -> String {
    let Some(totals) = &state.totals else {
        return "no figures for it under this thread filter".into();
    };
    let mut parts = Vec::new();
    if let Some(cpu) = &basis.cpu {
        parts.push(format!(
            "incl {} smp ({}) · self {} smp",
            totals.inclusive_samples,
            percent(cpu.percent(totals.inclusive_samples)),
            totals.self_samples
        ));
    }
    if let Some((_, change)) = &state.diff {
        parts.push(format!("Δ incl {change}"));
    }
    match &totals.calls {
        Some(c) => {
            let primitive = if c.calls_primitive == c.calls_total {
                String::new()
            } else {
                format!(" ({} primitive)", c.calls_primitive)
            };
            let per_call =
                c.inclusive_per_call_s().map_or_else(String::new, |s| format!(" ({}/call)", seconds(s)));
            let noun = if c.calls_total == 1 { "call" } else { "calls" };
            parts.push(format!(
                "{} {noun}{primitive} · incl t {}{per_call} · self t {}",
                c.calls_total,
                seconds(c.inclusive_s),
                seconds(c.self_s)
            ));
        }
        None if basis.calls.is_some() => parts.push(format!("calls {NONE} (no probe)")),
        None => {}
    }
    if let Some(h) = &totals.inclusive_heap {
        parts.push(format!("{} allocated below", human_bytes(h.bytes)));
    }
    parts.join(" · ")
}

/// Which edges are shown and what the figures rest on.
fn caption(state: &State, basis: &Basis) -> String {
    let mut parts = vec![match state.reach {
        Reach::Direct => "direct callers and callees (a: all)".to_string(),
        Reach::Transitive => "all callers and callees, any depth (a: direct)".to_string(),
    }];
    if let Some((label, _)) = &state.diff {
        parts.push(format!("Δ against {label}; ~ within sampling noise"));
    }
    if basis.cpu.is_some() {
        parts.push("smp: samples along the edge".into());
    }
    match &basis.calls {
        Some(c) if c.per_run => parts.push(format!("calls, t: exact, per run ({NONE}: no probe)")),
        Some(c) => parts.push(format!("calls, t: exact, totals of {} runs ({NONE}: no probe)", c.repeats)),
        None => {}
    }
    parts.join(" · ")
}

fn draw(frame: &mut Frame, area: Rect, state: &mut State, relative: bool) {
    let (Some(basis), Some(_)) = (state.basis.clone(), state.function) else {
        frame.render_widget(
            Paragraph::new("no function to show: this report has no figures under the thread filter"),
            area,
        );
        return;
    };
    let [head, totals, note, panes] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(area);
    let focus = if state.hottest { "  (no focus yet: hottest function)" } else { "" };
    let title = match &state.location {
        Some(location) => table::with_location(&state.name, "  ", location, focus, area.width as usize),
        None => format!("{}{focus}", state.name),
    };
    frame.render_widget(Paragraph::new(title).style(Style::default().add_modifier(Modifier::BOLD)), head);
    frame.render_widget(Paragraph::new(totals_line(state, &basis)), totals);
    frame.render_widget(Paragraph::new(caption(state, &basis)), note);
    let halves: [Rect; 2] = if panes.width >= SIDE_BY_SIDE_WIDTH {
        Layout::horizontal([Constraint::Percentage(50); 2]).areas(panes)
    } else {
        Layout::vertical([Constraint::Percentage(50); 2]).areas(panes)
    };
    for (side, half) in [Side::Callers, Side::Callees].into_iter().zip(halves) {
        draw_pane(frame, half, state, side, &basis, relative);
    }
}

fn draw_pane(frame: &mut Frame, area: Rect, state: &mut State, side: Side, basis: &Basis, relative: bool) {
    let focused = state.active == side;
    let transitive = state.reach == Reach::Transitive;
    let pane = &mut state.panes[side.index()];
    let what = match (side, transitive) {
        (Side::Callers, false) => "callers",
        (Side::Callees, false) => "callees",
        (Side::Callers, true) => "all callers",
        (Side::Callees, true) => "all callees",
    };
    let order = if pane.reversed { ", reversed" } else { "" };
    let mut title =
        format!(" {what} ({}) · by {}{order} ", pane.rows.len(), pane.sort_name(basis.cpu.is_some()));
    if let Some(diff) = pane.diff.as_ref().filter(|d| !d.gone.is_empty()) {
        title.push_str(&format!("· gone: {} ", diff.gone.join(", ")));
    }
    let (border, title_style) = if focused {
        (BorderType::Thick, Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED))
    } else {
        (BorderType::Plain, Style::default())
    };
    let block = Block::bordered().border_type(border).title(Line::styled(title, title_style));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if pane.rows.is_empty() {
        let none = if transitive { "none" } else { "none: nothing on a stack next to it" };
        frame.render_widget(Paragraph::new(none), inner);
        return;
    }
    let chosen = columns(basis, relative, pane, side, inner.width);
    let figures: Vec<Figure> = chosen.iter().map(|(f, _, _)| *f).collect();
    let widths: Vec<Column> = chosen.iter().map(|(_, c, _)| *c).collect();
    let name_width = name_width(&chosen, inner.width);
    let (rows, diff) = (&pane.rows, &pane.diff);
    let format_row = |index: usize| -> Vec<String> {
        let row = &rows[index];
        let change = diff.as_ref().and_then(|d| d.changes.get(&row.function));
        let mut cells: Vec<String> = figures
            .iter()
            .map(|&figure| match (figure, change) {
                (Figure::CallsChange, Some((calls, _))) => calls.clone(),
                (Figure::TimeChange, Some((_, time))) => time.clone(),
                _ => cell(figure, row, basis, relative),
            })
            .collect();
        if let Some(name) = cells.pop() {
            cells.push(elide(name, name_width));
        }
        cells
    };
    table::draw(frame, inner, &widths, rows.len(), &mut pane.cursor, format_row, |_| false);
    if !focused {
        // The shared table reverses the selection; without the keyboard the
        // pane marks it more quietly.
        let cursor = pane.cursor;
        let y = inner.y as usize + 1 + cursor.selected.saturating_sub(cursor.offset);
        if cursor.selected >= cursor.offset && y < inner.bottom() as usize {
            let line = Rect { y: y as u16, height: 1, ..inner };
            frame.buffer_mut().set_style(
                line,
                Style::default().remove_modifier(Modifier::REVERSED).add_modifier(Modifier::UNDERLINED),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explorer::profile::Profile;
    use crate::explorer::views::fixture::{self, EXP, FACT, RUN};
    use insta::assert_snapshot;

    const GROW: &str = "alloc::raw_vec::RawVec<T>::grow";
    const TAIL: &str = "taylor::tail";

    /// The edges view of `focus` (the hottest function when `None`).
    fn view(profile: &Profile, focus: Option<&str>) -> State {
        let focus = focus.map(|name| fixture::function(profile, name));
        let mut state = State::default();
        state.refresh(&fixture::ctx(profile, focus));
        state
    }

    fn names(state: &State, side: Side) -> Vec<&str> {
        state.pane(side).rows.iter().map(|r| r.name.as_str()).collect()
    }

    /// The text of pane `side` on row `y`, its cells one space apart.
    fn pane_row(buffer: &ratatui::buffer::Buffer, y: u16, side: Side) -> String {
        let row = fixture::row(buffer, y);
        let panes: Vec<&str> = row.split(['┃', '│']).filter(|p| !p.is_empty()).collect();
        panes.get(side.index()).map_or(String::new(), |p| p.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    fn screen(state: &mut State, profile: &Profile, width: u16, height: u16) -> ratatui::buffer::Buffer {
        let ctx = fixture::ctx(profile, state.function);
        fixture::draw(width, height, |frame, area| state.draw(frame, area, &ctx))
    }

    #[test]
    fn callers_and_callees_of_factorial_side_by_side() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = view(&profile, Some(FACT));
        let buffer = screen(&mut state, &profile, 120, 9);
        let text = fixture::text(&buffer);
        assert_snapshot!(text);
        // 31 calls in all (7 primitive: 6 on main over 2 runs + 1 on the
        // worker, so nothing divides into runs); 4 of the 7 samples.
        assert!(
            fixture::row(&buffer, 1).starts_with("incl 4 smp (57.1%) · self 4 smp · 31 calls (7 primitive)")
        );
        assert!(
            fixture::row(&buffer, 1).contains("incl t 5.10 µs (729 ns/call)"),
            "5100 ns over 7 primitive calls"
        );
        // taylor_exp made the 7 primitive calls and carries all 4 samples;
        // the recursive edge 24 calls and the 3 deep samples, once each.
        assert_eq!(pane_row(&buffer, 4, Side::Callers), "calls smp smp% incl t bytes caller");
        assert_eq!(pane_row(&buffer, 5, Side::Callers), "7 4 57.1% 5.10 µs 0 B taylor::taylor_exp");
        assert_eq!(pane_row(&buffer, 6, Side::Callers), "24 3 42.9% 3.60 µs 0 B …factorial (recursive)");
        assert_eq!(pane_row(&buffer, 5, Side::Callees), "24 3 42.9% 3.60 µs 0 B …factorial (recursive)");
        assert_eq!(names(&state, Side::Callees), [FACT]);
        // The focused pane's selection is reversed, the other's underlined.
        let (left, right) = (&buffer[(5, 5)], &buffer[(70, 5)]);
        assert!(left.modifier.contains(Modifier::REVERSED));
        assert!(
            !right.modifier.contains(Modifier::REVERSED) && right.modifier.contains(Modifier::UNDERLINED)
        );
    }

    #[test]
    fn the_root_is_a_caller_and_unprobed_edges_show_a_dash() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = view(&profile, Some(EXP));
        let buffer = screen(&mut state, &profile, 120, 9);
        assert_snapshot!(fixture::text(&buffer));
        // run is not probed: no calls and no call time, not zeros; the
        // probes' own stacks start at taylor_exp: the root called it twice.
        assert_eq!(names(&state, Side::Callers), [RUN, "(root)"]);
        assert_eq!(pane_row(&buffer, 5, Side::Callers), "— 6 85.7% — 2.93 KiB taylor::run");
        assert_eq!(pane_row(&buffer, 6, Side::Callers), "2 0 0.0% 8.00 µs 0 B (root)");
        assert_eq!(names(&state, Side::Callees), [FACT, GROW]);
        state.update(Action::Down, &fixture::ctx(&profile, state.function));
        let outcome = state.update(Action::Enter, &fixture::ctx(&profile, state.function));
        assert!(matches!(outcome, Outcome::Message(_)), "the root is not enterable: {outcome:?}");
    }

    #[test]
    fn enter_goes_to_the_selected_caller_or_callee() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = view(&profile, Some(EXP));
        let ctx = fixture::ctx(&profile, state.function);
        let (run, fact) = (fixture::function(&profile, RUN), fixture::function(&profile, FACT));
        assert_eq!(state.update(Action::Enter, &ctx), Outcome::Focus(run, ViewKind::Edges));
        assert_eq!(state.update(Action::ShowLines, &ctx), Outcome::Focus(run, ViewKind::Lines));
        assert_eq!(state.update(Action::SwitchPane, &ctx), Outcome::Nothing);
        assert_eq!(state.active, Side::Callees);
        assert_eq!(state.update(Action::Enter, &ctx), Outcome::Focus(fact, ViewKind::Edges));
        state.update(Action::Down, &ctx);
        let grow = fixture::function(&profile, GROW);
        assert_eq!(state.update(Action::ShowEdges, &ctx), Outcome::Focus(grow, ViewKind::Edges));
        // Each pane keeps its own selection.
        state.update(Action::SwitchPane, &ctx);
        assert_eq!(state.selected().map(|r| r.name.as_str()), Some(RUN));
    }

    #[test]
    fn all_callers_reach_every_function_above() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = view(&profile, Some(FACT));
        let ctx = fixture::ctx(&profile, state.function);
        state.update(Action::Down, &ctx);
        state.update(Action::ToggleTransitive, &ctx);
        // run is above both sampled factorial stacks but above no probed
        // call; taylor_exp above all 31 calls; the selection stays put.
        assert_eq!(names(&state, Side::Callers), [EXP, RUN, FACT]);
        assert_eq!(state.selected().map(|r| r.name.as_str()), Some(FACT));
        let buffer = screen(&mut state, &profile, 120, 10);
        assert_snapshot!(fixture::text(&buffer));
        assert!(fixture::row(&buffer, 2).starts_with("all callers and callees, any depth (a: direct)"));
        assert_eq!(pane_row(&buffer, 5, Side::Callers), "31 4 57.1% 5.10 µs 0 B taylor::taylor_exp");
        assert_eq!(pane_row(&buffer, 6, Side::Callers), "— 4 57.1% — 0 B taylor::run");
        state.update(Action::ToggleTransitive, &ctx);
        assert_eq!(names(&state, Side::Callers), [EXP, FACT]);
    }

    #[test]
    fn each_pane_sorts_on_its_own() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = view(&profile, Some(EXP));
        let ctx = fixture::ctx(&profile, state.function);
        state.update(Action::SortNext, &ctx);
        // By calls: the root's 2 before run's none; the selection follows run.
        assert_eq!(names(&state, Side::Callers), ["(root)", RUN]);
        assert_eq!(state.selected().map(|r| r.name.as_str()), Some(RUN));
        assert_eq!(names(&state, Side::Callees), [FACT, GROW], "the other pane is left alone");
        state.update(Action::SwitchPane, &ctx);
        state.update(Action::SortNext, &ctx);
        state.update(Action::SortNext, &ctx);
        assert_eq!(names(&state, Side::Callees), [GROW, FACT], "by bytes");
        state.update(Action::ReverseSort, &ctx);
        assert_eq!(names(&state, Side::Callees), [FACT, GROW]);
        let buffer = screen(&mut state, &profile, 120, 9);
        assert!(fixture::row(&buffer, 3).contains("callees (2) · by bytes, reversed"));
        assert!(fixture::row(&buffer, 3).contains("callers (2) · by calls "));
    }

    #[test]
    fn search_runs_through_both_panes() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = view(&profile, Some(EXP));
        let ctx = fixture::ctx(&profile, state.function);
        assert!(state.find("grow", true, true, &ctx));
        assert_eq!((state.active, state.pane(Side::Callees).cursor.selected), (Side::Callees, 1));
        assert!(state.find("root", true, false, &ctx), "wraps around into the callers");
        assert_eq!((state.active, state.pane(Side::Callers).cursor.selected), (Side::Callers, 1));
        assert!(state.find("taylor", false, false, &ctx));
        assert_eq!(state.selected().map(|r| r.name.as_str()), Some(RUN));
        assert!(!state.find("nothing like it", true, true, &ctx));
    }

    #[test]
    fn without_a_focus_the_hottest_function_is_shown() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = view(&profile, None);
        assert_eq!(state.function, Some(fixture::function(&profile, RUN)), "7 samples, all of them");
        let buffer = screen(&mut state, &profile, 80, 24);
        assert_snapshot!(fixture::text(&buffer));
        assert!(fixture::row(&buffer, 0).contains("(no focus yet: hottest function)"));
        assert!(fixture::row(&buffer, 1).contains("calls — (no probe)"));
    }

    #[test]
    fn a_deep_source_path_is_shortened_before_the_note() {
        let mut report = fixture::taylor();
        for function in &mut report.functions {
            function.file = Some("/a/checkout/somewhere/rather/deep/in/the/file/system/src/taylor.rs".into());
        }
        let profile = fixture::profile(report);
        let mut state = view(&profile, None);
        let buffer = screen(&mut state, &profile, 80, 24);
        assert_eq!(
            fixture::row(&buffer, 0).trim_end(),
            "taylor::run  …/the/file/system/src/taylor.rs:3  (no focus yet: hottest function)"
        );
    }

    #[test]
    fn relative_figures_are_shares_of_the_total() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = view(&profile, Some(EXP));
        let ctx = Ctx { relative: true, ..fixture::ctx(&profile, state.function) };
        let buffer = fixture::draw(120, 9, |frame, area| state.draw(frame, area, &ctx));
        assert_eq!(pane_row(&buffer, 4, Side::Callers), "calls smp% incl t bytes caller");
        // 6 of 7 samples; 3000 of 3500 bytes allocated under run.
        assert_eq!(pane_row(&buffer, 5, Side::Callers), "— 85.7% — 85.7% taylor::run");
    }

    #[test]
    fn narrow_screens_stack_the_panes_and_tiny_ones_do_not_panic() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = view(&profile, Some(EXP));
        let buffer = screen(&mut state, &profile, 50, 16);
        assert_snapshot!(fixture::text(&buffer));
        for (width, height) in [(1, 1), (0, 0), (80, 0), (1, 24), (80, 3), (80, 5)] {
            screen(&mut state, &profile, width, height);
        }
        let mut empty = State::default();
        empty.refresh(&fixture::ctx(&profile, None));
        screen(&mut empty, &profile, 1, 1);
    }

    /// Diff mode against the taylor fixture (see
    /// `tree::diff_fixture::changed_taylor`), 0.02 s a sample per run on
    /// both sides. factorial's callers: taylor_exp made 7 → 9 calls (the
    /// worker's 1 → 3), +2, with 4 → 24 samples, +400 ms +500%; the
    /// recursive edge 24 calls both sides, 3 → 23 samples, +667%.
    #[test]
    fn diff_mode_shows_the_change_of_each_edge() {
        let profile = crate::explorer::views::tree::diff_fixture::profile();
        let mut state = view(&profile, Some(FACT));
        let buffer = screen(&mut state, &profile, 120, 9);
        assert_snapshot!(fixture::text(&buffer));
        assert!(
            fixture::row(&buffer, 1)
                .starts_with("incl 24 smp (88.9%) · self 24 smp · Δ incl +400 ms +500% · 33 calls"),
            "{}",
            fixture::row(&buffer, 1)
        );
        assert!(fixture::row(&buffer, 2).starts_with(
            "direct callers and callees (a: all) · Δ against taylor · series · exp (base.json); ~ within sampling noise"
        ));
        assert_eq!(pane_row(&buffer, 4, Side::Callers), "calls Δ calls smp Δ t caller");
        assert_eq!(pane_row(&buffer, 5, Side::Callers), "9 +2 24 +400 ms +500% taylor::taylor_exp");
        assert_eq!(pane_row(&buffer, 6, Side::Callers), "24 0 23 +400 ms +667% …or::factorial (recursive)");

        // taylor_exp: run is not probed (— for calls), 6 → 26 samples,
        // +333%; the root's 2 probed calls are unchanged and carry no
        // samples; tail is a new callee; grow has no samples or calls.
        let mut state = view(&profile, Some(EXP));
        let buffer = screen(&mut state, &profile, 120, 9);
        assert_eq!(pane_row(&buffer, 5, Side::Callers), "— — 26 +400 ms +333% taylor::run");
        assert_eq!(pane_row(&buffer, 6, Side::Callers), "2 0 0 (root)");
        assert_eq!(names(&state, Side::Callees), [FACT, TAIL, GROW]);
        assert_eq!(pane_row(&buffer, 5, Side::Callees), "9 +2 24 +400 ms +500% taylor::factorial");
        assert_eq!(pane_row(&buffer, 6, Side::Callees), "— — 2 new taylor::tail");
        assert_eq!(pane_row(&buffer, 7, Side::Callees), "— — 0 …:raw_vec::RawVec<T>::grow");

        // At 80 columns the sampled change is the figure kept.
        let mut state = view(&profile, Some(FACT));
        let buffer = screen(&mut state, &profile, 80, 24);
        assert_eq!(pane_row(&buffer, 4, Side::Callers), "Δ t caller");
        assert_eq!(pane_row(&buffer, 5, Side::Callers), "+400 ms +500% taylor::taylor_exp");
        for (width, height) in [(1, 1), (0, 0), (30, 8), (50, 16)] {
            screen(&mut state, &profile, width, height);
        }
    }

    /// The other way round, tail's edge exists only in the base: the
    /// pane's title names it as gone.
    #[test]
    fn diff_mode_names_the_edges_that_are_gone() {
        use crate::explorer::views::tree::diff_fixture;
        let profile = diff_fixture::diff(diff_fixture::changed_taylor(), fixture::taylor());
        let mut state = view(&profile, Some(EXP));
        let buffer = screen(&mut state, &profile, 120, 9);
        assert!(fixture::row(&buffer, 3).contains("callees (2) · by samples · gone: taylor::tail"));
        // 24 → 4 samples: -400 ms, 4/24 - 1 = -83%; 9 → 7 calls.
        assert_eq!(pane_row(&buffer, 5, Side::Callees), "7 -2 4 -400 ms -83% 57.1% taylor::factorial");
    }

    #[test]
    fn a_thread_filter_narrows_the_figures() {
        let mut profile = fixture::profile(fixture::taylor());
        while profile.thread_label() != "worker" {
            profile.next_thread();
        }
        let mut state = view(&profile, Some(FACT));
        let ctx = fixture::ctx(&profile, state.function);
        let buffer = fixture::draw(120, 8, |frame, area| state.draw(frame, area, &ctx));
        // The worker's one probed call of factorial is its only figure.
        assert!(
            fixture::row(&buffer, 1).starts_with("incl 0 smp (0.0%) · self 0 smp · 1 call · incl t 100 ns"),
            "{}",
            fixture::row(&buffer, 1)
        );
        assert_eq!(names(&state, Side::Callers), [EXP]);
    }
}
