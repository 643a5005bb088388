//! The line table of the focused function, read like line_profiler's:
//! line, samples with the line on the stack, self samples, cpu time per
//! run, % time, calls, bytes allocated under the line and the source text
//! captured at record time. The hottest line is marked `>`, bold, and
//! selected when the table is built; rows sort by line, samples, self or
//! bytes.
//!
//! In diff mode the change of each line's sampled time and bytes is shown
//! beside them: lines pair by number when both sides' function is in one
//! file, else by their source text when both reports captured it.

use crate::explorer::action::Action;
use crate::explorer::baseline::{Baseline, bytes_change};
use crate::explorer::views::{Ctx, Outcome, View};
use crate::explorer::widgets::table::{self, Align, Column, Cursor};
use crate::report_view::units::{NONE, human_bytes, percent, seconds};
use proftui_core::analysis::{Basis, LineRow, LineTable, SortKey};
use proftui_core::report::FunctionId;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use std::cmp::Reverse;
use std::collections::{HashMap, VecDeque};

/// The orders `>` cycles through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Sort {
    #[default]
    Line,
    Samples,
    SelfSamples,
    Bytes,
}

impl Sort {
    const ALL: [Sort; 4] = [Sort::Line, Sort::Samples, Sort::SelfSamples, Sort::Bytes];

    fn name(self) -> &'static str {
        match self {
            Sort::Line => "line",
            Sort::Samples => "samples",
            Sort::SelfSamples => "self samples",
            Sort::Bytes => "bytes",
        }
    }

    fn step(self, forward: bool) -> Self {
        table::cycle(&Self::ALL, self, forward)
    }
}

/// What the caption says about the function as a whole.
#[derive(Debug, Clone, Default)]
struct Summary {
    /// `file:line` or `file`, `None` when no file is known.
    location: Option<String>,
    /// Selected samples with the function on the stack.
    samples: u64,
    /// Every selected sample; `None` without a cpu pass.
    all_samples: Option<u64>,
    /// Cpu seconds per run of `samples`.
    cpu_s: f64,
    /// Allocated bytes of the heap pass, for shares; `None` without one.
    all_bytes: Option<u64>,
    /// Whether the report holds the text of the function's file.
    has_source: bool,
}

/// How diff mode matched the function's lines to the base's.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Matching {
    /// Both sides' function lives in the same file.
    ByNumber,
    /// The files differ (a variant in a file of its own); lines with the
    /// same trimmed source text are paired, each base line once, in line
    /// order.
    BySource { base_file: String },
    /// The files differ and a side has no source text.
    NotComparable { base_file: String },
    /// The base has no function of this name.
    NotInBase,
}

/// Diff mode: the function's lines against the base's.
#[derive(Debug, Clone)]
struct LineDiff {
    label: String,
    matching: Matching,
    /// Per line: the change of its inclusive samples' time and of its
    /// bytes (absent: `—`).
    changes: HashMap<u32, (String, String)>,
}

impl LineDiff {
    fn new(baseline: &Baseline, table: &LineTable, basis: &Basis) -> Self {
        let label = baseline.label();
        let Some(base) = baseline.lines(&table.name) else {
            return Self { label, matching: Matching::NotInBase, changes: HashMap::new() };
        };
        let base_file = base.file.clone().unwrap_or_else(|| "an unknown file".into());
        let (matching, pairs) = if base.file.is_some() && base.file == table.file {
            let by_line: HashMap<u32, &LineRow> = base.rows.iter().map(|r| (r.line, r)).collect();
            (Matching::ByNumber, table.rows.iter().map(|r| (r, by_line.get(&r.line).copied())).collect())
        } else if has_source(table) && has_source(&base) {
            (Matching::BySource { base_file }, by_source(&table.rows, &base.rows))
        } else {
            return Self { label, matching: Matching::NotComparable { base_file }, changes: HashMap::new() };
        };
        let heap_on_both = basis.heap.is_some() && baseline.analysis.basis().heap.is_some();
        let bytes = |row: Option<&LineRow>| row.and_then(|r| r.heap).map(|h| h.bytes).filter(|&b| b > 0);
        let changes = pairs
            .into_iter()
            .map(|(row, base_row): (&LineRow, Option<&LineRow>)| {
                let time = basis
                    .cpu
                    .as_ref()
                    .and_then(|cpu| {
                        let base_samples = base_row.map(|b| b.inclusive_samples);
                        baseline.sampled_change(base_samples, row.inclusive_samples, cpu)
                    })
                    .map_or_else(|| NONE.to_string(), |change| change.text());
                let bytes = if heap_on_both {
                    bytes_change(bytes(base_row), bytes(Some(row)))
                } else {
                    NONE.to_string()
                };
                (row.line, (time, bytes))
            })
            .collect();
        Self { label, matching, changes }
    }

    /// What the caption says about the changes.
    fn caption(&self) -> String {
        let label = &self.label;
        match &self.matching {
            Matching::ByNumber => format!("Δ by line number against {label}; ~ within sampling noise"),
            Matching::BySource { base_file } => format!(
                "Δ by source text (the base has it in {base_file}; equal trimmed lines paired in order) \
                 against {label}; ~ within sampling noise"
            ),
            Matching::NotComparable { base_file } => format!(
                "Δ {NONE}: lines are not comparable across files (the base has it in {base_file}) \
                 without source text in both reports; against {label}"
            ),
            Matching::NotInBase => format!("Δ {NONE}: the function is not in the base {label}"),
        }
    }
}

/// Whether any row of `table` carries source text.
fn has_source(table: &LineTable) -> bool {
    table.rows.iter().any(|r| r.source.as_ref().is_some_and(|s| !s.trim().is_empty()))
}

/// Pairs each row of `new` with the first unpaired row of `base` of the
/// same trimmed source text, both in line order (line 0, the frames
/// without a line, with line 0); blank lines are left unpaired.
fn by_source<'a>(new: &'a [LineRow], base: &'a [LineRow]) -> Vec<(&'a LineRow, Option<&'a LineRow>)> {
    let mut base_order: Vec<&LineRow> = base.iter().collect();
    base_order.sort_by_key(|r| r.line);
    let mut unpaired: HashMap<&str, VecDeque<&LineRow>> = HashMap::new();
    let mut unknown = None;
    for row in base_order {
        match (row.line, row.source.as_deref().map(str::trim)) {
            (0, _) => unknown = Some(row),
            (_, Some(text)) if !text.is_empty() => unpaired.entry(text).or_default().push_back(row),
            _ => {}
        }
    }
    let mut new_order: Vec<&LineRow> = new.iter().collect();
    new_order.sort_by_key(|r| r.line);
    new_order
        .into_iter()
        .map(|row| {
            let base = match (row.line, row.source.as_deref().map(str::trim)) {
                (0, _) => unknown,
                (_, Some(text)) if !text.is_empty() => unpaired.get_mut(text).and_then(VecDeque::pop_front),
                _ => None,
            };
            (row, base)
        })
        .collect()
}

#[derive(Debug, Clone, Default)]
pub struct State {
    /// The focused function's table, rows in display order; `None`
    /// without a focus.
    table: Option<LineTable>,
    summary: Summary,
    pub cursor: Cursor,
    sort: Sort,
    reversed: bool,
    /// Rows the table showed last frame (0 before the first): a page,
    /// smaller than the app's page by the captions and the chart.
    table_rows: usize,
    /// The function shown is the hottest one, not a focus the user chose.
    hottest: bool,
    /// Diff mode: the changes of the function's lines.
    diff: Option<LineDiff>,
}

impl State {
    fn build(&mut self, ctx: &Ctx, function: FunctionId) {
        let profile = ctx.profile;
        let basis = profile.analysis.basis();
        let table = profile.analysis.lines(function);
        let info = &profile.report.functions[function as usize];
        let samples = profile.flat.iter().find(|r| r.function == function).map_or(0, |r| r.inclusive_samples);
        self.summary = Summary {
            location: table.file.as_ref().map(|file| match info.line {
                Some(line) => format!("{file}:{line}"),
                None => file.clone(),
            }),
            samples,
            all_samples: basis.cpu.as_ref().map(|cpu| cpu.samples),
            cpu_s: basis.cpu.as_ref().map_or(0.0, |cpu| cpu.seconds(samples)),
            all_bytes: basis.heap.as_ref().map(|heap| heap.totals.bytes),
            has_source: table
                .file
                .as_deref()
                .is_some_and(|file| profile.report.sources.iter().any(|s| s.path == file)),
        };
        self.diff = profile.baseline.as_ref().map(|baseline| LineDiff::new(baseline, &table, basis));
        self.table = Some(table);
        self.sort_rows();
        self.select_hottest(self.page(ctx));
    }

    /// Selects the hottest line (by samples, else by bytes) and scrolls
    /// it to a third of the page, so the lines around it show.
    fn select_hottest(&mut self, page_rows: usize) {
        let Some(table) = &self.table else { return };
        let hottest = table.hottest_line.or_else(|| {
            table
                .rows
                .iter()
                .filter(|r| r.heap.is_some_and(|h| h.bytes > 0))
                .max_by_key(|r| (r.heap.map_or(0, |h| h.bytes), Reverse(r.line)))
                .map(|r| r.line)
        });
        let index = hottest.and_then(|line| table.rows.iter().position(|r| r.line == line)).unwrap_or(0);
        self.cursor = Cursor { selected: index, offset: index.saturating_sub(page_rows / 3) };
    }

    /// Selects `line` (when the table has it) and scrolls it to a third of
    /// the page.
    fn select_line(&mut self, line: u32, page_rows: usize) {
        if let Some(index) = self.rows().iter().position(|r| r.line == line) {
            self.cursor = Cursor { selected: index, offset: index.saturating_sub(page_rows / 3) };
        }
    }

    fn rows(&self) -> &[LineRow] {
        self.table.as_ref().map_or(&[], |t| t.rows.as_slice())
    }

    fn selected_line(&self) -> Option<u32> {
        self.rows().get(self.cursor.selected).map(|r| r.line)
    }

    /// Orders the rows, heaviest first (by line: ascending), keeping the
    /// selected line selected.
    fn sort_rows(&mut self) {
        let selected = self.selected_line();
        let (sort, reversed) = (self.sort, self.reversed);
        let Some(table) = &mut self.table else { return };
        let bytes = |r: &LineRow| r.heap.map_or(-1, |h| h.bytes as i128);
        match sort {
            Sort::Line => table.rows.sort_by_key(|r| r.line),
            Sort::Samples => {
                table.rows.sort_by_key(|r| (Reverse(r.inclusive_samples), Reverse(r.self_samples), r.line))
            }
            Sort::SelfSamples => {
                table.rows.sort_by_key(|r| (Reverse(r.self_samples), Reverse(r.inclusive_samples), r.line))
            }
            Sort::Bytes => table.rows.sort_by_key(|r| (Reverse(bytes(r)), r.line)),
        }
        if reversed {
            table.rows.reverse();
        }
        if let Some(index) = selected.and_then(|line| table.rows.iter().position(|r| r.line == line)) {
            self.cursor.selected = index;
        }
    }

    fn page(&self, ctx: &Ctx) -> usize {
        if self.table_rows > 0 { self.table_rows } else { ctx.page_rows }
    }

    fn step(&mut self, action: Action, page: usize) {
        use Action as A;
        if self.cursor.apply(action, self.rows().len(), page) {
            return;
        }
        match action {
            A::SortNext | A::SortPrev => {
                self.sort = self.sort.step(action == A::SortNext);
                self.sort_rows();
            }
            A::ReverseSort => {
                self.reversed = !self.reversed;
                self.sort_rows();
            }
            _ => {}
        }
    }
}

impl View for State {
    fn refresh(&mut self, ctx: &Ctx) {
        // Before any focus, the function with the most self time: where
        // line-level work pays.
        self.hottest = ctx.focus.is_none();
        match ctx.focus.or_else(|| super::hottest(&ctx.profile.flat, SortKey::SelfCost)) {
            Some(function) => {
                self.build(ctx, function);
                if let Some(line) = ctx.focus_line {
                    self.select_line(line, self.page(ctx));
                }
            }
            None => {
                *self = Self {
                    sort: self.sort,
                    reversed: self.reversed,
                    table_rows: self.table_rows,
                    ..Self::default()
                }
            }
        }
    }

    fn update(&mut self, action: Action, ctx: &Ctx) -> Outcome {
        self.step(action, self.page(ctx));
        Outcome::Nothing
    }

    /// Searches the source text of the lines.
    fn find(&mut self, needle: &str, forward: bool, include_current: bool, _ctx: &Ctx) -> bool {
        let (mut cursor, rows) = (self.cursor, self.rows());
        let found = cursor.find(rows.len(), forward, include_current, |i| {
            rows[i].source.as_ref().is_some_and(|s| s.to_lowercase().contains(needle))
        });
        self.cursor = cursor;
        found
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        draw(frame, area, self, ctx);
    }
}

/// The table's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Line,
    Samples,
    SelfSamples,
    Time,
    Percent,
    Calls,
    Bytes,
    /// Diff mode: the change of the samples' time and of the bytes.
    TimeChange,
    BytesChange,
    Source,
}

impl Col {
    fn column(self) -> Column {
        let (title, width, align) = match self {
            Col::Line => ("line", 7, Align::Right),
            Col::Samples => ("samples", 7, Align::Right),
            Col::SelfSamples => ("self", 6, Align::Right),
            Col::Time => ("cpu/run", 8, Align::Right),
            Col::Percent => ("% time", 6, Align::Right),
            Col::Calls => ("calls", 5, Align::Right),
            Col::Bytes => ("bytes", 9, Align::Right),
            Col::TimeChange => ("Δ cpu/run", 15, Align::Right),
            Col::BytesChange => ("Δ bytes", 10, Align::Right),
            Col::Source => ("source", 10, Align::Left),
        };
        Column { title, width, align }
    }

    /// Every column, each with the least table width that shows it: the
    /// least needed are dropped first (the calls, unknown per line today;
    /// then self and time, which samples and % stand in for).
    const ALL: [(Col, u16); 8] = [
        (Col::Line, 0),
        (Col::Samples, 0),
        (Col::SelfSamples, 72),
        (Col::Time, 72),
        (Col::Percent, 56),
        (Col::Calls, 100),
        (Col::Bytes, 56),
        (Col::Source, 0),
    ];

    /// Diff mode's columns: the changes replace self samples, % and calls
    /// first.
    const ALL_DIFF: [(Col, u16); 9] = [
        (Col::Line, 0),
        (Col::Samples, 56),
        (Col::SelfSamples, 120),
        (Col::Time, 80),
        (Col::TimeChange, 0),
        (Col::Percent, 120),
        (Col::Bytes, 80),
        (Col::BytesChange, 80),
        (Col::Source, 0),
    ];
}

/// `part` as a share of `total`, or the dash when there is no total.
fn share(part: u64, total: Option<u64>) -> String {
    match total {
        Some(total) if total > 0 => percent(part as f64 * 100.0 / total as f64),
        _ => NONE.to_string(),
    }
}

fn cell(col: Col, row: &LineRow, hottest: bool, basis: &Basis, summary: &Summary, relative: bool) -> String {
    let cpu = basis.cpu.is_some();
    let samples = |n: u64| match (cpu, relative) {
        (false, _) => NONE.to_string(),
        (true, true) => share(n, summary.all_samples),
        (true, false) => n.to_string(),
    };
    match col {
        Col::Line => {
            let line = if row.line == 0 { "?".to_string() } else { row.line.to_string() };
            if hottest { format!("> {line}") } else { line }
        }
        Col::Samples => samples(row.inclusive_samples),
        Col::SelfSamples => samples(row.self_samples),
        Col::Time => {
            if cpu {
                seconds(row.inclusive_cpu_s)
            } else {
                NONE.to_string()
            }
        }
        Col::Percent => {
            if cpu {
                percent(row.percent)
            } else {
                NONE.to_string()
            }
        }
        Col::Calls => row.calls.map_or_else(|| NONE.to_string(), |c| c.to_string()),
        Col::Bytes => row.heap.map_or_else(
            || NONE.to_string(),
            |h| if relative { share(h.bytes, summary.all_bytes) } else { human_bytes(h.bytes) },
        ),
        // Filled in by the caller from the diff.
        Col::TimeChange | Col::BytesChange => NONE.to_string(),
        Col::Source => match (row.line, &row.source) {
            (0, _) => "(frames whose line is unknown)".to_string(),
            (_, Some(source)) => source.clone(),
            (_, None) => String::new(),
        },
    }
}

/// The caption: which function and where, what its figures rest on, the
/// hottest line; then how rows are ordered and what the columns mean.
/// The title's notes fit `width` by shortening the source path first.
fn captions(state: &State, table: &LineTable, width: usize) -> [String; 3] {
    let summary = &state.summary;
    let mut notes = String::new();
    match &summary.location {
        Some(_) if summary.has_source => {}
        Some(_) => notes.push_str(" (no source text in the report for this file)"),
        None => notes.push_str(" (no source file known)"),
    }
    if state.hottest {
        notes.push_str("  (no focus yet: most self time)");
    }
    let mut title = match &summary.location {
        Some(location) => table::with_location(&table.name, " at ", location, &notes, width),
        None => format!("{}{notes}", table.name),
    };
    // The diff's legend may run off the edge.
    if let Some(diff) = &state.diff {
        title.push_str(&format!(" · {}", diff.caption()));
    }
    let mut figures = match summary.all_samples {
        Some(all) => format!(
            "{} of {all} samples on the stack ({}) · {} cpu/run",
            summary.samples,
            share(summary.samples, Some(all)),
            seconds(summary.cpu_s)
        ),
        None => "no cpu pass: samples —".to_string(),
    };
    match table.hottest_line {
        Some(line) => figures.push_str(&format!(" · hottest line {line} (>)")),
        None if summary.all_samples.is_some() => figures.push_str(" · no samples"),
        None => {}
    }

    let order = if state.reversed { ", reversed" } else { "" };
    let mut legend = format!("sorted by {}{order} (> < r)", state.sort.name());
    if !table.gaps_filled && table.rows.len() > 1 {
        legend.push_str(" · only lines with figures (the function spans too many lines)");
    }
    legend.push_str(
        " · samples: with the line on the stack, once each · self: samples of the line running · \
         calls —: probes record no lines · bytes: allocated under the line",
    );
    [title, figures, legend]
}

fn draw(frame: &mut Frame, area: Rect, state: &mut State, ctx: &Ctx) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let Some(table) = &state.table else {
        frame.render_widget(
            Paragraph::new("no function selected: select a function and press L, or Enter in another view"),
            area,
        );
        return;
    };
    let shown = match area.height {
        0..6 => 1,
        6..8 => 2,
        _ => 3,
    };
    let [top, body] = Layout::vertical([Constraint::Length(shown as u16), Constraint::Min(0)]).areas(area);
    let lines: Vec<Line> =
        captions(state, table, area.width as usize).into_iter().take(shown).map(Line::from).collect();
    frame.render_widget(Paragraph::new(lines), top);
    if table.rows.is_empty() {
        frame.render_widget(
            Paragraph::new(format!("no samples, calls or bytes at any line of {}", table.name)),
            body,
        );
        return;
    }
    let cols = table::shown_at(if state.diff.is_some() { &Col::ALL_DIFF } else { &Col::ALL }, area.width);
    let columns: Vec<Column> = cols.iter().map(|c| c.column()).collect();
    let basis = ctx.profile.analysis.basis();
    let (rows, hottest, summary) = (&table.rows, table.hottest_line, &state.summary);
    let is_hottest = |index: usize| hottest == Some(rows[index].line);
    let changes = state.diff.as_ref().map(|d| &d.changes);
    let format_row = |index: usize| -> Vec<String> {
        let row = &rows[index];
        let change = changes.and_then(|c| c.get(&row.line));
        cols.iter()
            .map(|&col| match (col, change) {
                (Col::TimeChange, Some((time, _))) => time.clone(),
                (Col::BytesChange, Some((_, bytes))) => bytes.clone(),
                _ => cell(col, row, is_hottest(index), basis, summary, ctx.relative),
            })
            .collect()
    };
    // A table that fits shows from its first row: the third-of-a-page
    // scroll of `select_hottest` must not hide lines for nothing.
    let visible = body.height.saturating_sub(1) as usize;
    state.table_rows = visible;
    state.cursor.offset = state.cursor.offset.min(rows.len().saturating_sub(visible));
    table::draw(frame, body, &columns, rows.len(), &mut state.cursor, format_row, is_hottest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explorer::views::fixture::{self, EXP, FACT, RUN};
    use crate::explorer::views::tree::diff_fixture;
    use ratatui::style::Modifier;

    fn state_of(profile: &crate::explorer::profile::Profile, name: &str) -> State {
        let mut state = State::default();
        state.refresh(&fixture::ctx(profile, Some(fixture::function(profile, name))));
        state
    }

    fn lines_of(state: &State) -> Vec<u32> {
        state.rows().iter().map(|r| r.line).collect()
    }

    #[test]
    fn the_factorial_table_marks_and_selects_its_hottest_line() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = state_of(&profile, FACT);
        let ctx = fixture::ctx(&profile, Some(fixture::function(&profile, FACT)));
        let buffer = fixture::draw(110, 8, |frame, area| state.draw(frame, area, &ctx));
        insta::assert_snapshot!(fixture::text(&buffer));

        assert_eq!(fixture::row(&buffer, 0), "taylor::factorial at /src/taylor.rs:20");
        assert_eq!(
            fixture::row(&buffer, 1),
            "4 of 7 samples on the stack (57.1%) · 80.0 ms cpu/run · hottest line 21 (>)"
        );
        assert!(
            fixture::row(&buffer, 2)
                .starts_with("sorted by line (> < r) · samples: with the line on the stack")
        );
        assert_eq!(fixture::row(&buffer, 3), "   line samples   self  cpu/run % time calls     bytes source");
        // Line 20 is listed without samples (the source is captured); 21
        // holds 3 samples once each although it is on the stack three times.
        assert_eq!(
            fixture::row(&buffer, 4),
            "     20       0      0      0 s   0.0%     —       0 B pub fn factorial(n: u64) -> f64 {"
        );
        let hottest = fixture::row(&buffer, 5);
        assert!(
            hottest.starts_with("   > 21       3      3  60.0 ms  42.9%     —       0 B     if n == 0"),
            "{hottest}"
        );
        assert_eq!(state.selected_line(), Some(21));
        let style = buffer[(3, 5)].style();
        assert!(style.add_modifier.contains(Modifier::BOLD), "the hottest line is bold");
        assert!(style.add_modifier.contains(Modifier::REVERSED), "and selected");
        assert!(!buffer[(3, 6)].style().add_modifier.contains(Modifier::BOLD), "line 22 is not");
        assert_eq!(fixture::row(&buffer, 6), "     22       1      1  20.0 ms  14.3%     —       0 B }");
    }

    #[test]
    fn bytes_allocated_under_a_line_show_at_80_columns() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = state_of(&profile, EXP);
        let ctx = fixture::ctx(&profile, Some(fixture::function(&profile, EXP)));
        let buffer = fixture::draw(80, 10, |frame, area| state.draw(frame, area, &ctx));
        insta::assert_snapshot!(fixture::text(&buffer));
        // Lines 10..=13: 13 allocated 3000 B (2.93 KiB) and holds no samples.
        assert_eq!(lines_of(&state), vec![10, 11, 12, 13]);
        assert_eq!(state.selected_line(), Some(12), "the hottest line: 4 samples under its call");
        assert!(fixture::row(&buffer, 6).starts_with("   > 12       4      0  80.0 ms  57.1%       0 B"));
        assert!(
            fixture::row(&buffer, 7).starts_with("     13       0      0      0 s   0.0%  2.93 KiB     KEPT")
        );
        assert!(!fixture::row(&buffer, 3).contains("calls"), "no room for the unknown calls column");
    }

    #[test]
    fn shares_replace_samples_and_bytes_when_relative() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = state_of(&profile, EXP);
        let mut ctx = fixture::ctx(&profile, Some(fixture::function(&profile, EXP)));
        ctx.relative = true;
        let buffer = fixture::draw(80, 10, |frame, area| state.draw(frame, area, &ctx));
        // 4 of 7 samples; 3000 of 3500 bytes.
        assert!(fixture::row(&buffer, 6).starts_with("   > 12   57.1%   0.0%  80.0 ms  57.1%      0.0%"));
        assert!(fixture::row(&buffer, 7).starts_with("     13    0.0%   0.0%      0 s   0.0%     85.7%"));
    }

    #[test]
    fn without_focus_the_function_with_the_most_self_time_is_shown() {
        // factorial holds most of the fixture's leaf samples.
        assert!(
            first_row_without_focus(fixture::taylor(), 100)
                .starts_with("taylor::factorial at /src/taylor.rs:20  (no focus yet: most self time)")
        );
    }

    /// The heading of the view opened on `report` with no focus, `width`
    /// columns wide.
    fn first_row_without_focus(report: proftui_core::report::Report, width: u16) -> String {
        let profile = fixture::profile(report);
        let ctx = fixture::ctx(&profile, None);
        let mut state: State = fixture::opened(&ctx);
        let buffer = fixture::draw(width, 3, |frame, area| state.draw(frame, area, &ctx));
        fixture::row(&buffer, 0)
    }

    /// However deep the checkout, the path gives way to the note at 80
    /// columns (CI once checked out where the note fell off the edge).
    #[test]
    fn a_deep_source_path_is_shortened_before_the_note() {
        let mut report = fixture::taylor();
        let deep = "/a/checkout/somewhere/rather/deep/in/the/file/system/src/taylor.rs";
        for function in &mut report.functions {
            function.file = Some(deep.into());
        }
        for source in &mut report.sources {
            source.path = deep.into();
        }
        assert_eq!(
            first_row_without_focus(report, 80),
            "taylor::factorial at …/system/src/taylor.rs:20  (no focus yet: most self time)"
        );
    }

    #[test]
    fn a_focus_line_is_selected_when_the_table_opens() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = State::default();
        let mut ctx = fixture::ctx(&profile, Some(fixture::function(&profile, EXP)));
        ctx.focus_line = Some(13);
        state.refresh(&ctx);
        assert_eq!(state.selected_line(), Some(13));
        // Without one, the hottest line (12) is selected.
        ctx.focus_line = None;
        state.refresh(&ctx);
        assert_eq!(state.selected_line(), Some(12));
    }

    #[test]
    fn without_any_function_the_view_says_how_to_choose_one() {
        let mut report = fixture::taylor();
        report.cpu = None;
        report.calls = None;
        report.heap = None;
        assert_eq!(
            first_row_without_focus(report.clone(), 100),
            "no function selected: select a function and press L, or Enter in another view"
        );
        let profile = fixture::profile(report);
        let ctx = fixture::ctx(&profile, None);
        let mut state: State = fixture::opened(&ctx);
        assert_eq!(state.update(Action::Down, &ctx), Outcome::Nothing);
        assert!(!state.find("fn", true, true, &ctx));
    }

    #[test]
    fn without_source_text_the_caption_says_so_and_the_numbers_stay() {
        let mut report = fixture::taylor();
        report.sources.clear();
        let profile = fixture::profile(report);
        let mut state = state_of(&profile, FACT);
        let ctx = fixture::ctx(&profile, Some(fixture::function(&profile, FACT)));
        let buffer = fixture::draw(110, 8, |frame, area| state.draw(frame, area, &ctx));
        insta::assert_snapshot!(fixture::text(&buffer));
        assert_eq!(
            fixture::row(&buffer, 0),
            "taylor::factorial at /src/taylor.rs:20 (no source text in the report for this file)"
        );
        assert_eq!(fixture::row(&buffer, 5), "   > 21       3      3  60.0 ms  42.9%     —       0 B");
    }

    #[test]
    fn figures_of_missing_passes_are_dashes() {
        let mut report = fixture::taylor();
        report.cpu = None;
        let profile = fixture::profile(report);
        let mut state = state_of(&profile, EXP);
        let ctx = fixture::ctx(&profile, Some(fixture::function(&profile, EXP)));
        let buffer = fixture::draw(110, 8, |frame, area| state.draw(frame, area, &ctx));
        insta::assert_snapshot!(fixture::text(&buffer));
        assert_eq!(fixture::row(&buffer, 1), "no cpu pass: samples —");
        // Without samples the line that allocated most is selected.
        assert_eq!(state.selected_line(), Some(13));
        assert_eq!(
            fixture::row(&buffer, 7),
            "     13       —      —        —      —     —  2.93 KiB     KEPT.lock().push(vec![0u8; 1000]);"
        );
    }

    #[test]
    fn a_function_without_line_figures_says_so() {
        let mut report = fixture::taylor();
        (report.cpu, report.heap) = (None, None);
        let profile = fixture::profile(report);
        let mut state = state_of(&profile, RUN);
        let ctx = fixture::ctx(&profile, Some(fixture::function(&profile, RUN)));
        let buffer = fixture::draw(110, 8, |frame, area| state.draw(frame, area, &ctx));
        // Only the probes' calls remain, and they know no lines.
        assert_eq!(fixture::row(&buffer, 3), "no samples, calls or bytes at any line of taylor::run");
    }

    #[test]
    fn sorting_cycles_line_samples_self_bytes_and_keeps_the_selection() {
        let profile = fixture::profile(fixture::taylor());
        let ctx = fixture::ctx(&profile, Some(fixture::function(&profile, EXP)));
        let mut state = state_of(&profile, EXP);
        assert_eq!(state.selected_line(), Some(12));
        state.update(Action::SortNext, &ctx);
        assert_eq!((state.sort, lines_of(&state)), (Sort::Samples, vec![12, 11, 10, 13]));
        assert_eq!((state.selected_line(), state.cursor.selected), (Some(12), 0));
        state.update(Action::SortNext, &ctx);
        assert_eq!((state.sort, lines_of(&state)), (Sort::SelfSamples, vec![11, 12, 10, 13]));
        state.update(Action::SortNext, &ctx);
        assert_eq!((state.sort, lines_of(&state)), (Sort::Bytes, vec![13, 10, 11, 12]));
        state.update(Action::ReverseSort, &ctx);
        assert_eq!(lines_of(&state), vec![12, 11, 10, 13]);
        state.update(Action::SortNext, &ctx);
        assert_eq!((state.sort, lines_of(&state)), (Sort::Line, vec![13, 12, 11, 10]), "reversed line order");
        state.update(Action::SortPrev, &ctx);
        assert_eq!(state.sort, Sort::Bytes);
        assert_eq!(state.selected_line(), Some(12));
    }

    #[test]
    fn moving_stays_inside_the_table() {
        let profile = fixture::profile(fixture::taylor());
        let ctx = fixture::ctx(&profile, Some(fixture::function(&profile, EXP)));
        let mut state = state_of(&profile, EXP);
        state.update(Action::Down, &ctx);
        state.update(Action::Down, &ctx);
        assert_eq!(state.selected_line(), Some(13));
        state.update(Action::PageUp, &ctx);
        assert_eq!(state.selected_line(), Some(10));
        state.update(Action::Bottom, &ctx);
        assert_eq!(state.selected_line(), Some(13));
        assert_eq!(state.update(Action::Enter, &ctx), Outcome::Nothing);
    }

    #[test]
    fn search_finds_source_text() {
        let profile = fixture::profile(fixture::taylor());
        let ctx = fixture::ctx(&profile, Some(fixture::function(&profile, EXP)));
        let mut state = state_of(&profile, EXP);
        assert!(state.find("factorial", true, true, &ctx));
        assert_eq!(state.selected_line(), Some(12));
        assert!(state.find("(0..terms)", true, false, &ctx), "the next match wraps forward");
        assert_eq!(state.selected_line(), Some(11));
        assert!(state.find("(0..terms)", false, false, &ctx));
        assert_eq!(state.selected_line(), Some(12));
        assert!(!state.find("no such text", true, true, &ctx));
        assert_eq!(state.selected_line(), Some(12), "a failed search keeps the selection");
    }

    #[test]
    fn refreshing_after_a_new_focus_selects_its_hottest_line() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = state_of(&profile, EXP);
        state.update(Action::Top, &fixture::ctx(&profile, None));
        state.refresh(&fixture::ctx(&profile, Some(fixture::function(&profile, FACT))));
        assert_eq!(state.selected_line(), Some(21));
    }

    #[test]
    fn a_long_function_opens_at_its_hottest_line_and_a_short_one_at_its_top() {
        let profile = fixture::profile(fixture::long_function());
        // The app's page at 24 rows: the body less the view bar and status.
        let ctx =
            Ctx { page_rows: 22, ..fixture::ctx(&profile, Some(fixture::function(&profile, "long::f"))) };
        let mut state = State::default();
        state.refresh(&ctx);
        // Lines 1..=200 are listed (the function starts at 1); 200 is the
        // last, so the page ends there rather than a third down.
        assert_eq!((state.rows().len(), state.selected_line()), (200, Some(200)));
        let buffer = fixture::draw(80, 24, |frame, area| state.draw(frame, area, &ctx));
        assert_eq!(fixture::row(&buffer, 4), "    181       0      0      0 s   0.0%         — // line 181");
        assert_eq!(fixture::row(&buffer, 23), "  > 200       5      5  20.0 ms  83.3%         — // line 200");
        state.update(Action::PageUp, &ctx);
        assert_eq!(
            state.selected_line(),
            Some(180),
            "a page is the 20 rows the table showed, not the app's 22"
        );

        let profile = fixture::profile(fixture::taylor());
        let ctx = fixture::ctx(&profile, Some(fixture::function(&profile, FACT)));
        let mut state = state_of(&profile, FACT);
        state.cursor.offset = 2;
        let buffer = fixture::draw(110, 8, |frame, area| state.draw(frame, area, &ctx));
        assert!(
            fixture::row(&buffer, 4).starts_with("     20"),
            "a table that fits shows from its first line"
        );
    }

    /// Diff mode, both sides' taylor_exp in one file: lines pair by
    /// number (see `tree::diff_fixture::changed_taylor`; 0.02 s a sample
    /// per run on both sides). Line 11 lost its 2 samples; 12 went 4 → 24
    /// with factorial, +400 ms, 24/4 - 1 = +500%; 13 allocates 4000 B
    /// instead of 3000 B; 14 calls the new tail (2 samples) and has no
    /// row in the base.
    #[test]
    fn diff_mode_pairs_lines_of_one_file_by_number() {
        let profile = diff_fixture::profile();
        let mut state = state_of(&profile, EXP);
        let ctx = fixture::ctx(&profile, Some(fixture::function(&profile, EXP)));
        let buffer = fixture::draw(80, 10, |frame, area| state.draw(frame, area, &ctx));
        insta::assert_snapshot!(fixture::text(&buffer));
        let cells = |y| fixture::row(&buffer, y).split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(cells(3), "line samples cpu/run Δ cpu/run bytes Δ bytes source");
        assert_eq!(cells(4), "10 0 0 s 0 B pub fn taylor_exp(", "the source cut at 80 columns");
        assert!(cells(5).starts_with("11 0 0 s gone 0 B let powers"), "{}", cells(5));
        assert!(cells(6).starts_with("> 12 24 480 ms +400 ms +500% 0 B let sum"), "{}", cells(6));
        assert!(cells(7).starts_with("13 0 0 s 3.91 KiB +1000 B KEPT"), "{}", cells(7));
        assert_eq!(cells(8), "14 2 40.0 ms new 0 B sum * powers");
        for (width, height) in [(1, 1), (10, 0), (30, 4), (60, 8)] {
            fixture::draw(width, height, |frame, area| state.draw(frame, area, &ctx));
        }
        let table = state.table.as_ref().expect("a table");
        assert!(captions(&state, table, usize::MAX)[0].ends_with(
            "taylor::taylor_exp at /src/taylor.rs:10 · Δ by line number against taylor · series · exp (base.json); \
             ~ within sampling noise"
        ));
    }

    /// The changed taylor with factorial moved to a file of its own, one
    /// line further down; with `source`, the new file's text is captured.
    fn moved_factorial(source: bool) -> crate::explorer::profile::Profile {
        let mut new = diff_fixture::changed_taylor();
        let fact = new.functions.iter().position(|f| f.name == FACT).expect("factorial");
        new.functions[fact].file = Some("/src/moved.rs".into());
        new.functions[fact].line = Some(21);
        for node in new.nodes.iter_mut().skip(1).filter(|n| n.function as usize == fact && n.line > 0) {
            node.line += 1;
        }
        let mut lines = vec!["// moved one line down".to_string()];
        lines.extend(new.sources[0].lines.iter().cloned());
        new.sources.push(proftui_core::report::SourceFile { path: "/src/moved.rs".into(), lines });
        if !source {
            new.sources.clear();
        }
        diff_fixture::diff(fixture::taylor(), new)
    }

    /// In another file, lines pair by their text: new 21 (the signature)
    /// with base 20, 22 with 21 (3 → 23 samples, +400 ms, +667%), 23 (`}`)
    /// with 22 (1 → 1 sample: no change).
    #[test]
    fn diff_mode_pairs_lines_of_another_file_by_source_text() {
        let profile = moved_factorial(true);
        let mut state = state_of(&profile, FACT);
        let ctx = fixture::ctx(&profile, Some(fixture::function(&profile, FACT)));
        let buffer = fixture::draw(120, 8, |frame, area| state.draw(frame, area, &ctx));
        let cells = |y| fixture::row(&buffer, y).split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(cells(3), "line samples self cpu/run Δ cpu/run % time bytes Δ bytes source");
        assert_eq!(cells(4), "21 0 0 0 s 0.0% 0 B pub fn factorial(n: u64) -> f64 {");
        assert!(cells(5).starts_with("> 22 23 23 460 ms +400 ms +667% 85.2% 0 B if n == 0"), "{}", cells(5));
        assert_eq!(cells(6), "23 1 1 20.0 ms 0 3.7% 0 B }");
        let table = state.table.as_ref().expect("a table");
        assert!(captions(&state, table, usize::MAX)[0].contains(
            "Δ by source text (the base has it in /src/taylor.rs; equal trimmed lines paired in order)"
        ));
    }

    #[test]
    fn diff_mode_says_lines_of_another_file_without_source_are_not_comparable() {
        let profile = moved_factorial(false);
        let mut state = state_of(&profile, FACT);
        let ctx = fixture::ctx(&profile, Some(fixture::function(&profile, FACT)));
        let buffer = fixture::draw(120, 8, |frame, area| state.draw(frame, area, &ctx));
        let cells = |y| fixture::row(&buffer, y).split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(cells(5), "> 22 23 23 460 ms — 85.2% 0 B —");
        let table = state.table.as_ref().expect("a table");
        assert!(captions(&state, table, usize::MAX)[0].contains(
            "Δ —: lines are not comparable across files (the base has it in /src/taylor.rs) without source \
             text in both reports"
        ));
    }

    #[test]
    fn tiny_areas_do_not_panic() {
        let profile = fixture::profile(fixture::taylor());
        let ctx = fixture::ctx(&profile, Some(fixture::function(&profile, FACT)));
        let mut state = state_of(&profile, FACT);
        for (width, height) in [(1, 1), (10, 0), (0, 5), (10, 2), (30, 4), (47, 6)] {
            fixture::draw(width, height, |frame, area| state.draw(frame, area, &ctx));
        }
        let mut empty = State::default();
        fixture::draw(1, 1, |frame, area| empty.draw(frame, area, &ctx));
    }
}
