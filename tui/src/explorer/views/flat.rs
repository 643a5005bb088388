//! The flat profile: one row per function, sortable by any column,
//! absolute or relative.

use crate::explorer::action::Action;
use crate::explorer::app::ViewKind;
use crate::explorer::profile::Profile;
use crate::explorer::views::{Ctx, Outcome, View};
use crate::explorer::widgets::table::{self, Align, Column, Cursor};
use crate::report_view::units::{human_bytes, seconds};
use proftui_core::analysis::{FlatRow, SortKey, sort_rows};
use proftui_core::report::FunctionId;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Paragraph;

/// Sort columns in the order `>` cycles through them.
const SORTS: [SortKey; 8] = [
    SortKey::Inclusive,
    SortKey::SelfCost,
    SortKey::Calls,
    SortKey::Samples,
    SortKey::Bytes,
    SortKey::Peak,
    SortKey::Leaked,
    SortKey::Name,
];

#[derive(Debug, Clone, Default)]
pub struct State {
    /// The profile's flat rows in display order.
    rows: Vec<FlatRow>,
    pub cursor: Cursor,
    sort: usize,
    reversed: bool,
    total_samples: u64,
    total_bytes: u64,
}

impl State {
    /// Takes the profile's rows and sorts them, keeping the selected
    /// function selected.
    fn rebuild(&mut self, profile: &Profile) {
        let selected = self.selected_function();
        self.rows = profile.flat.clone();
        self.total_samples = profile.report.cpu.as_ref().map_or(0, |c| c.samples.len() as u64);
        self.total_bytes = profile.report.heap.as_ref().map_or(0, |h| h.total_bytes);
        self.sort_rows();
        if let Some(function) = selected {
            self.select_function(function);
        }
    }

    fn sort_rows(&mut self) {
        sort_rows(&mut self.rows, SORTS[self.sort]);
        if self.reversed {
            self.rows.reverse();
        }
    }

    pub fn sort_name(&self) -> &'static str {
        match SORTS[self.sort] {
            SortKey::Inclusive => "inclusive",
            SortKey::SelfCost => "self",
            SortKey::Calls => "calls",
            SortKey::Samples => "samples",
            SortKey::Bytes => "bytes",
            SortKey::Peak => "at peak",
            SortKey::Leaked => "leaked",
            SortKey::Name => "name",
        }
    }

    pub fn selected_function(&self) -> Option<FunctionId> {
        self.rows.get(self.cursor.selected).map(|r| r.function)
    }

    pub fn select_function(&mut self, function: FunctionId) {
        if let Some(index) = self.rows.iter().position(|r| r.function == function) {
            self.cursor.selected = index;
        }
    }

    fn step(&mut self, action: Action, page: usize) {
        use Action as A;
        let len = self.rows.len();
        let page = page as isize;
        match action {
            A::Up => self.cursor.step(-1, len),
            A::Down => self.cursor.step(1, len),
            A::PageUp => self.cursor.step(-page, len),
            A::PageDown => self.cursor.step(page, len),
            A::Top => self.cursor.selected = 0,
            A::Bottom => self.cursor.selected = len.saturating_sub(1),
            A::SortNext | A::SortPrev | A::ReverseSort => {
                let selected = self.selected_function();
                match action {
                    A::SortNext => self.sort = (self.sort + 1) % SORTS.len(),
                    A::SortPrev => self.sort = (self.sort + SORTS.len() - 1) % SORTS.len(),
                    _ => self.reversed = !self.reversed,
                }
                self.sort_rows();
                if let Some(function) = selected {
                    self.select_function(function);
                }
            }
            _ => {}
        }
    }

    /// Selects the next row (from the current one, or after it) whose
    /// function name contains `needle`, wrapping around.
    fn search(&mut self, needle: &str, forward: bool, include_current: bool) -> bool {
        let len = self.rows.len();
        if len == 0 {
            return false;
        }
        let start = self.cursor.selected;
        let first = usize::from(!include_current);
        for step in first..len + first {
            let index = if forward { (start + step) % len } else { (start + len - step % len) % len };
            if self.rows[index].name.to_lowercase().contains(needle) {
                self.cursor.selected = index;
                return true;
            }
        }
        false
    }
}

const COLUMNS: [Column; 8] = [
    Column { title: "calls", width: 15, align: Align::Right },
    Column { title: "self smp", width: 8, align: Align::Right },
    Column { title: "incl smp", width: 8, align: Align::Right },
    Column { title: "self t", width: 9, align: Align::Right },
    Column { title: "incl t", width: 9, align: Align::Right },
    Column { title: "incl/call", width: 9, align: Align::Right },
    Column { title: "bytes", width: 10, align: Align::Right },
    Column { title: "function", width: 20, align: Align::Left },
];

impl View for State {
    fn refresh(&mut self, ctx: &Ctx) {
        self.rebuild(ctx.profile);
    }

    fn update(&mut self, action: Action, ctx: &Ctx) -> Outcome {
        match action {
            Action::Enter | Action::ShowEdges => {
                self.selected_function().map_or(Outcome::Nothing, |f| Outcome::Focus(f, ViewKind::Edges))
            }
            Action::ShowLines => {
                self.selected_function().map_or(Outcome::Nothing, |f| Outcome::Focus(f, ViewKind::Lines))
            }
            other => {
                self.step(other, ctx.page_rows);
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

fn draw(frame: &mut Frame, area: Rect, state: &mut State, relative: bool) {
    let [caption, area] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let order = if state.reversed { ", reversed" } else { "" };
    let unit = if relative { "shares of the total" } else { "samples, per-run times, bytes" };
    frame.render_widget(
        Paragraph::new(format!(
            "flat profile: {} functions, sorted by {}{order} (> < r); {unit} (%)",
            state.rows.len(),
            state.sort_name()
        )),
        caption,
    );
    let (rows, total_samples, total_bytes) = (&state.rows, state.total_samples, state.total_bytes);
    let share = |part: u64, total: u64| {
        if total == 0 { "—".to_string() } else { format!("{:.1}%", part as f64 * 100.0 / total as f64) }
    };
    let samples = |n: u64| if relative { share(n, total_samples) } else { n.to_string() };
    let format_row = |index: usize| -> Vec<String> {
        let row = &rows[index];
        let calls = row.calls.map_or("—".to_string(), |c| {
            if c.calls_total == c.calls_primitive {
                c.calls_total.to_string()
            } else {
                format!("{}/{}", c.calls_total, c.calls_primitive)
            }
        });
        let bytes = row.inclusive_heap.map_or("—".to_string(), |h| {
            if relative { share(h.bytes, total_bytes) } else { human_bytes(h.bytes) }
        });
        vec![
            calls,
            samples(row.self_samples),
            samples(row.inclusive_samples),
            row.calls.map_or("—".into(), |c| seconds(c.self_s)),
            row.calls.map_or("—".into(), |c| seconds(c.inclusive_s)),
            row.calls.and_then(|c| c.inclusive_per_call_s()).map_or("—".into(), seconds),
            bytes,
            row.name.clone(),
        ]
    };
    table::draw(frame, area, &COLUMNS, rows.len(), &mut state.cursor, format_row, |_| false);
}
