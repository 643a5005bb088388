//! The flat profile: one row per function, sortable by any column,
//! absolute or relative.

use crate::explorer::action::Action;
use crate::explorer::app::ViewKind;
use crate::explorer::baseline::{Baseline, SampledChange, bytes_change, count_change};
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

/// In diff mode, the sort after [`SORTS`]: the largest change of sampled
/// inclusive time first.
const BY_CHANGE: usize = SORTS.len();

#[derive(Debug, Clone, Default)]
pub struct State {
    /// The profile's flat rows in display order.
    rows: Vec<FlatRow>,
    pub cursor: Cursor,
    /// Index into [`SORTS`], or [`BY_CHANGE`] in diff mode.
    sort: usize,
    /// Diff mode: each row's change of sampled inclusive and self time
    /// (parallel to `rows`); empty otherwise.
    changes: Vec<(SampledChange, SampledChange)>,
    /// Diff mode: the base's calls and bytes per row (parallel to `rows`).
    base_exact: Vec<(Option<u64>, Option<u64>)>,
    diff: bool,
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
        self.total_samples = profile.report.cpu.as_ref().map_or(0, |c| c.total_weight());
        self.total_bytes = profile.report.heap.as_ref().map_or(0, |h| h.total_bytes);
        let diff = profile.baseline.is_some();
        if diff != self.diff {
            // Diff mode opens sorted by the largest change.
            (self.diff, self.sort, self.reversed) = (diff, if diff { BY_CHANGE } else { 0 }, false);
        }
        self.sort_rows_with(profile);
        if let Some(function) = selected {
            self.select_function(function);
        }
    }

    /// Sorts the rows and, in diff mode, recomputes their changes.
    fn sort_rows_with(&mut self, profile: &Profile) {
        self.sort_rows();
        self.changes.clear();
        self.base_exact.clear();
        let Some(baseline) = &profile.baseline else { return };
        let (Some(base_cpu), Some(new_cpu)) = (baseline.cpu(), profile.analysis.basis().cpu.as_ref()) else {
            self.base_exact = self.rows.iter().map(|row| base_exact(baseline.row(&row.name))).collect();
            return;
        };
        let mut changed: Vec<_> = std::mem::take(&mut self.rows)
            .into_iter()
            .map(|row| {
                let base = baseline.row(&row.name);
                // `proftui diff`'s verdicts (with rounds); the sampling
                // error alone for a name the diff does not list.
                let change = baseline.function_change(&row.name).unwrap_or_else(|| {
                    let of = |base: Option<u64>, new| SampledChange::of(base, base_cpu, Some(new), new_cpu);
                    (
                        of(base.map(|b| b.inclusive_samples), row.inclusive_samples),
                        of(base.map(|b| b.self_samples), row.self_samples),
                    )
                });
                (row, change, base_exact(base))
            })
            .collect();
        if self.sort == BY_CHANGE {
            changed.sort_by(|a, b| b.1.0.delta_s().abs().total_cmp(&a.1.0.delta_s().abs()));
            if self.reversed {
                changed.reverse();
            }
        }
        for (row, change, exact) in changed {
            self.rows.push(row);
            self.changes.push(change);
            self.base_exact.push(exact);
        }
    }

    fn sort_rows(&mut self) {
        if self.sort == BY_CHANGE {
            return;
        }
        sort_rows(&mut self.rows, SORTS[self.sort]);
        if self.reversed {
            self.rows.reverse();
        }
    }

    /// The sorts `>` cycles through: [`SORTS`], and the change in diff mode.
    fn sorts(&self) -> usize {
        if self.diff { SORTS.len() + 1 } else { SORTS.len() }
    }

    pub fn sort_name(&self) -> &'static str {
        if self.sort == BY_CHANGE {
            return "largest change of inclusive time";
        }
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

    fn step(&mut self, action: Action, page: usize, profile: &Profile) {
        use Action as A;
        if self.cursor.apply(action, self.rows.len(), page) {
            return;
        }
        match action {
            A::SortNext | A::SortPrev | A::ReverseSort => {
                let selected = self.selected_function();
                let sorts = self.sorts();
                match action {
                    A::SortNext => self.sort = (self.sort + 1) % sorts,
                    A::SortPrev => self.sort = (self.sort + sorts - 1) % sorts,
                    _ => self.reversed = !self.reversed,
                }
                self.sort_rows_with(profile);
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
        let rows = &self.rows;
        self.cursor.find(rows.len(), forward, include_current, |index| {
            rows[index].name.to_lowercase().contains(needle)
        })
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
                self.step(other, ctx.page_rows, ctx.profile);
                Outcome::Nothing
            }
        }
    }

    fn find(&mut self, needle: &str, forward: bool, include_current: bool, _ctx: &Ctx) -> bool {
        self.search(needle, forward, include_current)
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        match &ctx.profile.baseline {
            Some(baseline) => draw_diff(frame, area, self, baseline),
            None => draw(frame, area, self, ctx.relative),
        }
    }
}

/// The base's exact figures of a row: calls and inclusive bytes.
fn base_exact(base: Option<&FlatRow>) -> (Option<u64>, Option<u64>) {
    (base.and_then(|b| b.calls.map(|c| c.calls_total)), base.and_then(|b| b.inclusive_heap.map(|h| h.bytes)))
}

const DIFF_COLUMNS: [Column; 8] = [
    Column { title: "calls", width: 10, align: Align::Right },
    Column { title: "Δ calls", width: 8, align: Align::Right },
    Column { title: "incl cpu", width: 9, align: Align::Right },
    Column { title: "Δ incl", width: 16, align: Align::Right },
    Column { title: "self cpu", width: 9, align: Align::Right },
    Column { title: "Δ self", width: 16, align: Align::Right },
    Column { title: "Δ bytes", width: 10, align: Align::Right },
    Column { title: "function", width: 20, align: Align::Left },
];

/// Diff mode: the new figures beside their change from the base.
fn draw_diff(frame: &mut Frame, area: Rect, state: &mut State, baseline: &Baseline) {
    let [caption, area] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let order = if state.reversed { ", reversed" } else { "" };
    frame.render_widget(
        Paragraph::new(format!(
            "flat diff against {}: {} functions, sorted by {}{order} (> < r); ~ within sampling noise",
            baseline.label(),
            state.rows.len(),
            state.sort_name()
        )),
        caption,
    );
    let format_row = |index: usize| -> Vec<String> {
        let row = &state.rows[index];
        let (base_calls, base_bytes) = state.base_exact.get(index).copied().unwrap_or_default();
        let change = state.changes.get(index);
        let calls = row.calls.map(|c| c.calls_total);
        vec![
            calls.map_or("—".into(), |c| c.to_string()),
            count_change(base_calls, calls),
            change.map_or("—".into(), |_| seconds(row.inclusive_cpu_s)),
            change.map_or("—".into(), |c| c.0.text()),
            change.map_or("—".into(), |_| seconds(row.self_cpu_s)),
            change.map_or("—".into(), |c| c.1.text()),
            bytes_change(base_bytes, row.inclusive_heap.map(|h| h.bytes)),
            row.name.clone(),
        ]
    };
    let significant = |index: usize| state.changes.get(index).is_some_and(|c| !c.0.noise);
    table::draw(frame, area, &DIFF_COLUMNS, state.rows.len(), &mut state.cursor, format_row, significant);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explorer::views::fixture;

    #[test]
    fn diff_mode_shows_changes_largest_first() {
        let profile = fixture::diff_profile();
        let ctx = fixture::ctx(&profile, None);
        let mut state: State = fixture::opened(&ctx);
        let buffer = fixture::draw(110, 6, |frame, area| state.draw(frame, area, &ctx));
        let rows: Vec<String> = (0..6).map(|y| fixture::row(&buffer, y)).collect();
        insta::assert_snapshot!(rows.join("\n"));
        // Self time: only factorial gains (30 samples, +600 ms per run);
        // run (1 self sample, worker) and taylor_exp (2) are unchanged.
        let by_name = |name: &str| state.rows.iter().position(|r| r.name == name).expect("a row");
        let own = |name: &str| state.changes[by_name(name)].1;
        assert_eq!(own(fixture::FACT).text(), "+600 ms +750%");
        assert_eq!(own(fixture::EXP).text(), "0");
        // `>` reaches the ordinary sorts and comes back to the change.
        for _ in 0..SORTS.len() + 1 {
            state.update(Action::SortNext, &ctx);
        }
        assert_eq!(state.sort_name(), "largest change of inclusive time");
    }

    /// On a narrower screen a figure is whole or not shown: never cut to
    /// its last digits (`+8.99 ms` once read `99 ms` at 100 columns).
    #[test]
    fn narrow_diff_tables_drop_columns_and_keep_every_figure_whole() {
        let profile = fixture::diff_profile();
        let ctx = fixture::ctx(&profile, None);
        let mut state: State = fixture::opened(&ctx);
        let mut cells_at = |width| {
            let buffer = fixture::draw(width, 6, |frame, area| state.draw(frame, area, &ctx));
            (1..6).map(|y| fixture::row(&buffer, y)).collect::<Vec<_>>()
        };
        let wide = cells_at(120);
        for width in [100, 80, 60] {
            for (narrow, wide) in cells_at(width).iter().zip(&wide) {
                // Columns are separated by runs of spaces; every cell of the
                // narrow row but the name (last) is a cell of the wide row.
                let cells = |row: &str| {
                    row.split("  ")
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(String::from)
                        .collect::<Vec<_>>()
                };
                let (narrow, wide) = (cells(narrow), cells(wide));
                for cell in &narrow[..narrow.len().saturating_sub(1)] {
                    assert!(
                        wide.contains(cell),
                        "{cell:?} at {width} columns is not a cell at 120: {wide:?}"
                    );
                }
            }
        }
        let header = cells_at(100);
        assert!(!header[0].contains("Δ bytes"), "Δ bytes goes first at 100 columns: {header:?}");
        assert!(header[0].contains("Δ incl"), "{header:?}");
    }
}
