//! The heap view: live bytes over time (a chart with its peak marked) above
//! a sortable table of allocation sites (allocated, blocks, at peak,
//! leaked, the site's own maximum, the allocating function and line), and
//! the selected site's stack below. Enter shows the allocating function's
//! lines.
//!
//! Heap figures ignore the thread filter (sites carry no thread), so the
//! sites are built once per report, not on every focus or thread change.

use crate::explorer::action::Action;
use crate::explorer::app::ViewKind;
use crate::explorer::views::{Ctx, Outcome, View};
use crate::explorer::widgets::table::{self, Align, Column, Cursor};
use crate::report_view::units::{NONE, human_bytes, percent, seconds, since_start};
use proftui_core::analysis::{HeapBasis, HeapSiteRow, Timeline};
use proftui_core::report::Report;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::Line;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Wrap};
use std::cmp::Reverse;
use std::sync::{Arc, Weak};

/// Points the chart is drawn from: each the highest of its stretch of
/// time, so the peak survives; more than a wide terminal has braille dots.
const CHART_POINTS: usize = 512;
/// The smallest body that still gets a chart, and the chart's bounds.
const CHART_MIN_AREA_HEIGHT: u16 = 18;
const CHART_MIN_WIDTH: u16 = 40;
const CHART_MIN_HEIGHT: u16 = 6;
const CHART_MAX_HEIGHT: u16 = 16;

/// The orders `>` cycles through, one per column of the sites table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Sort {
    #[default]
    Allocated,
    Blocks,
    AtPeak,
    Leaked,
    SiteMax,
    Lifetime,
    Site,
}

impl Sort {
    const ALL: [Sort; 7] = [
        Sort::Allocated,
        Sort::Blocks,
        Sort::AtPeak,
        Sort::Leaked,
        Sort::SiteMax,
        Sort::Lifetime,
        Sort::Site,
    ];

    fn name(self) -> &'static str {
        match self {
            Sort::Allocated => "allocated",
            Sort::Blocks => "blocks",
            Sort::AtPeak => "at peak",
            Sort::Leaked => "leaked",
            Sort::SiteMax => "site max",
            Sort::Lifetime => "average lifetime",
            Sort::Site => "site",
        }
    }

    fn step(self, forward: bool) -> Self {
        table::cycle(&Self::ALL, self, forward)
    }

    /// The sites table's columns, each with the least table width that
    /// shows it: the lifetime goes first, then the blocks and the site's
    /// maximum.
    const COLUMNS: [(Sort, u16); 7] = [
        (Sort::Allocated, 0),
        (Sort::Blocks, 64),
        (Sort::AtPeak, 0),
        (Sort::Leaked, 0),
        (Sort::SiteMax, 64),
        (Sort::Lifetime, 90),
        (Sort::Site, 0),
    ];

    /// The column of the figure the order sorts by.
    fn column(self) -> Column {
        let (title, width, align) = match self {
            Sort::Allocated => ("allocated", 10, Align::Right),
            Sort::Blocks => ("blocks", 7, Align::Right),
            Sort::AtPeak => ("at peak", 10, Align::Right),
            Sort::Leaked => ("leaked", 10, Align::Right),
            Sort::SiteMax => ("site max", 10, Align::Right),
            Sort::Lifetime => ("avg life", 9, Align::Right),
            Sort::Site => ("allocating function:line", 12, Align::Left),
        };
        Column { title, width, align }
    }
}

/// The heap pass as the view shows it.
#[derive(Debug, Clone)]
struct Heap {
    /// In display order.
    sites: Vec<HeapSiteRow>,
    basis: HeapBasis,
    timeline: Timeline,
    /// The timeline's points as (seconds, bytes) for the chart.
    chart: Vec<(f64, f64)>,
    /// The global peak as a chart point.
    peak: [(f64, f64); 1],
}

#[derive(Debug, Default)]
pub struct State {
    /// The report `heap` was built from.
    built_for: Weak<Report>,
    /// `None`: no heap pass in the report.
    heap: Option<Heap>,
    pub cursor: Cursor,
    sort: Sort,
    reversed: bool,
    /// Rows the table showed last frame (0 before the first): a page,
    /// smaller than the app's page by the captions and the chart.
    table_rows: usize,
}

/// The timeline as the chart draws it: live bytes change in steps (at
/// allocations and frees), so each point holds until the next one rather
/// than sloping towards it.
fn steps(timeline: &Timeline) -> Vec<(f64, f64)> {
    let mut chart = Vec::with_capacity(timeline.points.len() * 2);
    for (i, p) in timeline.points.iter().enumerate() {
        let (time_s, bytes) = (p.time_ns as f64 / 1e9, p.live_bytes as f64);
        if i > 0 {
            chart.push((time_s, chart.last().map_or(0.0, |&(_, held)| held)));
        }
        chart.push((time_s, bytes));
    }
    chart
}

impl State {
    fn build(&mut self, ctx: &Ctx) {
        let analysis = &ctx.profile.analysis;
        let pass = (analysis.heap_sites(), analysis.basis().heap.clone(), analysis.timeline(CHART_POINTS));
        self.heap = match pass {
            (Some(sites), Some(basis), Some(timeline)) => {
                let chart = steps(&timeline);
                let peak = [(timeline.peak_time_ns as f64 / 1e9, timeline.peak_bytes as f64)];
                Some(Heap { sites, basis, timeline, chart, peak })
            }
            _ => None,
        };
        self.sort_sites();
        self.cursor = Cursor::default();
    }

    fn sites(&self) -> &[HeapSiteRow] {
        self.heap.as_ref().map_or(&[], |h| h.sites.as_slice())
    }

    fn selected(&self) -> Option<&HeapSiteRow> {
        self.sites().get(self.cursor.selected)
    }

    /// Orders the sites, heaviest first (by site: by name), keeping the
    /// selected site selected.
    fn sort_sites(&mut self) {
        let selected = self.selected().map(|s| s.node);
        let (sort, reversed) = (self.sort, self.reversed);
        let Some(heap) = &mut self.heap else { return };
        let sites = &mut heap.sites;
        match sort {
            Sort::Allocated => sites.sort_by_key(|s| (Reverse(s.heap.bytes), Reverse(s.heap.blocks))),
            Sort::Blocks => sites.sort_by_key(|s| (Reverse(s.heap.blocks), Reverse(s.heap.bytes))),
            Sort::AtPeak => sites.sort_by_key(|s| (Reverse(s.heap.bytes_at_peak), Reverse(s.heap.bytes))),
            Sort::Leaked => sites.sort_by_key(|s| (Reverse(s.heap.bytes_at_end), Reverse(s.heap.bytes))),
            Sort::SiteMax => sites.sort_by_key(|s| (Reverse(s.max_bytes), Reverse(s.heap.bytes))),
            Sort::Lifetime => sites.sort_by(|a, b| {
                let life = |s: &HeapSiteRow| s.average_lifetime_us.unwrap_or(-1.0);
                life(b).total_cmp(&life(a)).then(b.heap.bytes.cmp(&a.heap.bytes))
            }),
            Sort::Site => sites.sort_by(|a, b| a.name.cmp(&b.name).then(a.line.cmp(&b.line))),
        }
        if reversed {
            sites.reverse();
        }
        if let Some(index) = selected.and_then(|node| sites.iter().position(|s| s.node == node)) {
            self.cursor.selected = index;
        }
    }

    fn page(&self, ctx: &Ctx) -> usize {
        if self.table_rows > 0 { self.table_rows } else { ctx.page_rows }
    }

    fn step(&mut self, action: Action, page: usize) {
        use Action as A;
        if self.cursor.apply(action, self.sites().len(), page) {
            return;
        }
        match action {
            A::SortNext | A::SortPrev => {
                self.sort = self.sort.step(action == A::SortNext);
                self.sort_sites();
            }
            A::ReverseSort => {
                self.reversed = !self.reversed;
                self.sort_sites();
            }
            _ => {}
        }
    }
}

impl View for State {
    fn refresh(&mut self, ctx: &Ctx) {
        let report = &ctx.profile.report;
        if self.built_for.upgrade().is_some_and(|built| Arc::ptr_eq(&built, report)) {
            return;
        }
        self.built_for = Arc::downgrade(report);
        self.build(ctx);
    }

    fn update(&mut self, action: Action, ctx: &Ctx) -> Outcome {
        match action {
            // The line table opens on the line that allocated.
            Action::Enter | Action::ShowLines => {
                self.selected().map_or(Outcome::Nothing, |site| match site.line {
                    0 => Outcome::Focus(site.function, ViewKind::Lines),
                    line => Outcome::FocusLine(site.function, line),
                })
            }
            Action::ShowEdges => self
                .selected()
                .map_or(Outcome::Nothing, |site| Outcome::Focus(site.function, ViewKind::Edges)),
            other => {
                self.step(other, self.page(ctx));
                Outcome::Nothing
            }
        }
    }

    /// Searches the allocating functions' names.
    fn find(&mut self, needle: &str, forward: bool, include_current: bool, _ctx: &Ctx) -> bool {
        let (mut cursor, sites) = (self.cursor, self.sites());
        let found = cursor
            .find(sites.len(), forward, include_current, |i| sites[i].name.to_lowercase().contains(needle));
        self.cursor = cursor;
        found
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        draw(frame, area, self, ctx.relative);
    }
}

/// `n` with a singular or plural noun.
fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `part` as a share of `total`, or the dash when there is no total.
fn share(part: u64, total: u64) -> String {
    if total == 0 { NONE.to_string() } else { percent(part as f64 * 100.0 / total as f64) }
}

/// The caption: what the pass saw, and how its figures are scaled.
fn summary(heap: &Heap) -> String {
    let (basis, t) = (&heap.basis, heap.basis.totals);
    let scaled = match (basis.repeats, basis.per_run) {
        (1, _) => String::new(),
        (runs, true) => format!(" · allocated and leaked per run of {runs}"),
        (runs, false) => format!(" · allocated and leaked are totals over {runs} runs"),
    };
    format!(
        "{}: {} allocated in {} · peak {} at {} · {} leaked in {}{scaled}",
        plural(heap.sites.len() as u64, "allocation site", "allocation sites"),
        human_bytes(t.bytes),
        plural(t.blocks, "block", "blocks"),
        human_bytes(t.bytes_at_peak),
        since_start(basis.peak_time_ns),
        human_bytes(t.bytes_at_end),
        plural(t.blocks_at_end, "block", "blocks"),
    )
}

fn legend(state: &State) -> String {
    let order = if state.reversed { ", reversed" } else { "" };
    format!(
        "sorted by {}{order} (> < r) · Enter: lines of the allocating function · at peak: live at the global \
         peak · leaked: live at the end · site max: the site's own largest live total · avg life: from \
         allocation to free (or to the end) · a site is charged to its first frame outside the allocator \
         and std",
        state.sort.name()
    )
}

/// The selected site's stack, root first, down to the allocating
/// function and the first library frame it called (the allocator's own
/// frames below are counted, not listed), cut at the root end to fit
/// `width`. Walks only as many frames as fit, however deep the stack.
fn stack_text(site: &HeapSiteRow, width: usize) -> String {
    const PREFIX: &str = "stack: ";
    let stack = &site.stack;
    let user = stack.iter().rposition(|name| *name == site.name).unwrap_or(stack.len().saturating_sub(1));
    let suffix = match &stack[(user + 1).min(stack.len())..] {
        [] => String::new(),
        [only] => format!(" → {only}"),
        [first, rest @ ..] => {
            format!(" → {first} (+{})", plural(rest.len() as u64, "library frame", "library frames"))
        }
    };
    let shown = &stack[..(user + 1).min(stack.len())];
    let elision = |rest: usize| format!("… {} … → ", plural(rest as u64, "frame", "frames"));
    let mut taken: Vec<&str> = Vec::new();
    let mut used = PREFIX.len() + suffix.chars().count();
    for name in shown.iter().rev() {
        let cost = name.chars().count() + if taken.is_empty() { 0 } else { 3 };
        if !taken.is_empty() && used + cost > width {
            break;
        }
        used += cost;
        taken.push(name);
    }
    let mut rest = shown.len() - taken.len();
    while rest > 0 && taken.len() > 1 && used + elision(rest).chars().count() > width {
        used -= taken.pop().map_or(0, |name| name.chars().count() + 3);
        rest += 1;
    }
    taken.reverse();
    let frames = taken.join(" → ");
    let elided = if rest == 0 { String::new() } else { elision(rest) };
    format!("{PREFIX}{elided}{frames}{suffix}")
}

fn draw(frame: &mut Frame, area: Rect, state: &mut State, relative: bool) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let Some(heap) = &state.heap else {
        frame.render_widget(Paragraph::new("no heap pass in this report: record with --heap"), area);
        return;
    };
    let summary = summary(heap);
    // The summary wraps onto a second row rather than lose its end.
    let summary_rows = if area.height >= 10 && summary.chars().count() > area.width as usize { 2 } else { 1 };
    let legend_rows = u16::from(area.height >= 12);
    let chart_rows = if area.height >= CHART_MIN_AREA_HEIGHT && area.width >= CHART_MIN_WIDTH {
        (area.height / 3).clamp(CHART_MIN_HEIGHT, CHART_MAX_HEIGHT)
    } else {
        0
    };
    let stack_rows = u16::from(area.height >= 5);
    let [caption, chart, body, stack] = Layout::vertical([
        Constraint::Length(summary_rows + legend_rows),
        Constraint::Length(chart_rows),
        Constraint::Min(0),
        Constraint::Length(stack_rows),
    ])
    .areas(area);
    let [summary_area, legend_area] =
        Layout::vertical([Constraint::Length(summary_rows), Constraint::Length(legend_rows)]).areas(caption);
    frame.render_widget(Paragraph::new(summary).wrap(Wrap { trim: true }), summary_area);
    frame.render_widget(Paragraph::new(legend(state)), legend_area);
    if chart_rows > 0 {
        draw_chart(frame, chart, heap);
    }
    if heap.sites.is_empty() {
        frame.render_widget(Paragraph::new("the heap pass saw no allocation"), body);
        return;
    }
    state.table_rows = body.height.saturating_sub(1) as usize;
    draw_sites(frame, body, heap, &mut state.cursor, relative);
    if let Some(site) = heap.sites.get(state.cursor.selected) {
        frame.render_widget(Paragraph::new(stack_text(site, stack.width as usize)), stack);
    }
}

fn draw_sites(frame: &mut Frame, area: Rect, heap: &Heap, cursor: &mut Cursor, relative: bool) {
    let cols = table::shown_at(&Sort::COLUMNS, area.width);
    let columns: Vec<Column> = cols.iter().map(|c| c.column()).collect();
    let t = heap.basis.totals;
    let bytes = |b: u64, total: u64| if relative { share(b, total) } else { human_bytes(b) };
    let sites = &heap.sites;
    let format_row = |index: usize| -> Vec<String> {
        let site = &sites[index];
        let h = site.heap;
        cols.iter()
            .map(|col| match col {
                Sort::Allocated => bytes(h.bytes, t.bytes),
                Sort::Blocks if relative => share(h.blocks, t.blocks),
                Sort::Blocks => h.blocks.to_string(),
                Sort::AtPeak => bytes(h.bytes_at_peak, t.bytes_at_peak),
                Sort::Leaked => bytes(h.bytes_at_end, t.bytes_at_end),
                Sort::SiteMax => bytes(site.max_bytes, t.bytes_at_peak),
                Sort::Lifetime => site.average_lifetime_us.map_or(NONE.into(), |us| seconds(us / 1e6)),
                Sort::Site if site.line > 0 => format!("{}:{}", site.name, site.line),
                Sort::Site => site.name.clone(),
            })
            .collect()
    };
    table::draw(frame, area, &columns, sites.len(), cursor, format_row, |_| false);
}

/// Live bytes over time with labelled axes and the peak marked `•`.
fn draw_chart(frame: &mut Frame, area: Rect, heap: &Heap) {
    let timeline = &heap.timeline;
    let [title, plot] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    frame.render_widget(
        Paragraph::new(format!(
            "live heap bytes over time (• the peak) · {} points recorded over {}",
            timeline.recorded_points,
            since_start(timeline.duration_ns),
        )),
        title,
    );
    let first = timeline.points.first().map_or(0, |p| p.time_ns).min(timeline.peak_time_ns);
    let last = timeline.points.last().map_or(0, |p| p.time_ns).max(timeline.peak_time_ns).max(first + 1);
    let top = timeline.points.iter().map(|p| p.live_bytes).max().unwrap_or(0).max(timeline.peak_bytes).max(1);
    let x_labels = [first, first + (last - first) / 2, last].map(|t| Line::from(since_start(t)));
    let y_labels = [0, top / 2, top].map(|b| Line::from(human_bytes(b)));
    let datasets = vec![
        Dataset::default().marker(Marker::Braille).graph_type(GraphType::Area).data(&heap.chart),
        Dataset::default()
            .marker(Marker::Dot)
            .graph_type(GraphType::Scatter)
            .style(Style::default().add_modifier(Modifier::BOLD))
            .data(&heap.peak),
    ];
    let chart = Chart::new(datasets)
        .legend_position(None)
        .x_axis(Axis::default().bounds([first as f64 / 1e9, last as f64 / 1e9]).labels(x_labels))
        .y_axis(Axis::default().bounds([0.0, top as f64]).labels(y_labels));
    frame.render_widget(chart, plot);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explorer::views::fixture::{self, EXP, RUN};
    use ratatui::style::Modifier;

    fn built(profile: &crate::explorer::profile::Profile) -> State {
        let mut state = State::default();
        state.refresh(&fixture::ctx(profile, None));
        state
    }

    fn names(state: &State) -> Vec<&str> {
        state.sites().iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn sites_and_the_chart_share_the_area() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = built(&profile);
        let ctx = fixture::ctx(&profile, None);
        let buffer = fixture::draw(80, 24, |frame, area| state.draw(frame, area, &ctx));
        insta::assert_snapshot!(fixture::text(&buffer));
        let text = fixture::text(&buffer);

        assert_eq!(
            fixture::row(&buffer, 0),
            "2 allocation sites: 3.42 KiB allocated in 8 blocks · peak 1.95 KiB at 25.0 ms ·"
        );
        assert_eq!(fixture::row(&buffer, 1), "1000 B leaked in 1 block");
        assert!(fixture::row(&buffer, 2).starts_with("sorted by allocated (> < r) · Enter: lines of"));
        assert_eq!(
            fixture::row(&buffer, 3),
            "live heap bytes over time (• the peak) · 7 points recorded over 50.0 ms"
        );
        // The axes: bytes up to the peak, time from 0 to 50 ms.
        for label in ["1.95 KiB", "1000 B", "0 B", "0 s", "25.0 ms", "50.0 ms"] {
            assert!(text.contains(label), "{label} in\n{text}");
        }
        assert!(text.contains('•'), "the peak is marked");
        let header = (0..24)
            .find(|&y| fixture::row(&buffer, y).contains("allocating function:line"))
            .expect("a header");
        assert_eq!(
            fixture::row(&buffer, header),
            " allocated  blocks    at peak     leaked   site max allocating function:line"
        );
        assert_eq!(
            fixture::row(&buffer, header + 1),
            "  2.93 KiB       3   1.95 KiB     1000 B   1.95 KiB taylor::taylor_exp:13"
        );
        assert_eq!(
            fixture::row(&buffer, header + 2),
            "     500 B       5        0 B        0 B      300 B taylor::run:6"
        );
        assert!(
            buffer[(0, header + 1)].style().add_modifier.contains(Modifier::REVERSED),
            "the first site is selected"
        );
        assert_eq!(
            fixture::row(&buffer, 23),
            "stack: taylor::run → taylor::taylor_exp → alloc::raw_vec::RawVec<T>::grow"
        );
    }

    #[test]
    fn a_small_area_drops_the_chart_and_narrow_columns() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = built(&profile);
        let ctx = fixture::ctx(&profile, None);
        let buffer = fixture::draw(60, 8, |frame, area| state.draw(frame, area, &ctx));
        insta::assert_snapshot!(fixture::text(&buffer));
        let text = fixture::text(&buffer);
        assert!(!text.contains("live heap bytes over time"), "{text}");
        assert_eq!(fixture::row(&buffer, 1), " allocated    at peak     leaked allocating function:line");
        assert_eq!(fixture::row(&buffer, 2), "  2.93 KiB   1.95 KiB     1000 B taylor::taylor_exp:13");
        // Too narrow for the whole stack: the root end goes first.
        assert_eq!(fixture::row(&buffer, 7), "stack: … 1 frame … → taylor::taylor_exp → alloc::raw_vec::Ra");
    }

    #[test]
    fn shares_replace_bytes_when_relative() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = built(&profile);
        let mut ctx = fixture::ctx(&profile, None);
        ctx.relative = true;
        let buffer = fixture::draw(100, 8, |frame, area| state.draw(frame, area, &ctx));
        // 3000 of 3500 B, 3 of 8 blocks, 2000 of 2000 B at peak, 1000 of
        // 1000 B leaked, a maximum of 2000 B against the 2000 B peak; the
        // lifetime is a time either way: 55 ms over 3 blocks.
        assert_eq!(
            fixture::row(&buffer, 2),
            "     85.7%   37.5%     100.0%     100.0%     100.0%   18.3 ms taylor::taylor_exp:13"
        );
        assert_eq!(
            fixture::row(&buffer, 3),
            "     14.3%   62.5%       0.0%       0.0%      15.0%   2.00 ms taylor::run:6"
        );
    }

    #[test]
    fn without_a_heap_pass_one_line_says_so() {
        let mut report = fixture::taylor();
        report.heap = None;
        let profile = fixture::profile(report);
        let mut state = built(&profile);
        let ctx = fixture::ctx(&profile, None);
        let buffer = fixture::draw(80, 10, |frame, area| state.draw(frame, area, &ctx));
        assert_eq!(fixture::row(&buffer, 0), "no heap pass in this report: record with --heap");
        assert_eq!(fixture::row(&buffer, 1), "");
        assert_eq!(state.update(Action::Enter, &ctx), Outcome::Nothing);
        assert!(!state.find("taylor", true, true, &ctx));
    }

    #[test]
    fn enter_shows_the_allocating_line_in_its_function() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = built(&profile);
        let ctx = fixture::ctx(&profile, None);
        let exp = fixture::function(&profile, EXP);
        // The fixture's exp allocates at line 13, run at line 6.
        assert_eq!(state.update(Action::Enter, &ctx), Outcome::FocusLine(exp, 13));
        assert_eq!(state.update(Action::ShowEdges, &ctx), Outcome::Focus(exp, ViewKind::Edges));
        state.update(Action::Down, &ctx);
        assert_eq!(
            state.update(Action::ShowLines, &ctx),
            Outcome::FocusLine(fixture::function(&profile, RUN), 6)
        );
    }

    #[test]
    fn sorting_cycles_the_columns_and_keeps_the_selection() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = built(&profile);
        let ctx = fixture::ctx(&profile, None);
        assert_eq!(names(&state), vec![EXP, RUN], "allocated: 3000 B before 500 B");
        state.update(Action::SortNext, &ctx);
        assert_eq!((state.sort, names(&state)), (Sort::Blocks, vec![RUN, EXP]), "5 blocks before 3");
        assert_eq!(state.selected().map(|s| s.name.as_str()), Some(EXP), "the selection follows its site");
        for (sort, order) in [
            (Sort::AtPeak, [EXP, RUN]),
            (Sort::Leaked, [EXP, RUN]),
            (Sort::SiteMax, [EXP, RUN]),
            (Sort::Lifetime, [EXP, RUN]),
            (Sort::Site, [RUN, EXP]),
            (Sort::Allocated, [EXP, RUN]),
        ] {
            state.update(Action::SortNext, &ctx);
            assert_eq!((state.sort, names(&state)), (sort, order.to_vec()));
        }
        state.update(Action::ReverseSort, &ctx);
        assert_eq!(names(&state), vec![RUN, EXP]);
        state.update(Action::SortPrev, &ctx);
        assert_eq!((state.sort, names(&state)), (Sort::Site, vec![EXP, RUN]), "reversed name order");
        assert_eq!(state.selected().map(|s| s.name.as_str()), Some(EXP));
    }

    #[test]
    fn search_finds_allocating_functions() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = built(&profile);
        let ctx = fixture::ctx(&profile, None);
        assert!(state.find("run", true, true, &ctx));
        assert_eq!(state.cursor.selected, 1);
        assert!(state.find("taylor::", true, false, &ctx), "wraps to the first site");
        assert_eq!(state.cursor.selected, 0);
        assert!(!state.find("grow", true, true, &ctx), "library frames are not the site's function");
    }

    #[test]
    fn sites_are_not_rebuilt_for_a_new_focus() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = built(&profile);
        let ctx = fixture::ctx(&profile, None);
        state.update(Action::Down, &ctx);
        state.refresh(&fixture::ctx(&profile, Some(fixture::function(&profile, EXP))));
        assert_eq!(state.cursor.selected, 1, "same report: same sites, same selection");
        let other = fixture::profile(fixture::taylor());
        state.refresh(&fixture::ctx(&other, None));
        assert_eq!(state.cursor.selected, 0, "another report starts again");
    }

    fn site(stack: Vec<String>, name: &str) -> HeapSiteRow {
        HeapSiteRow {
            node: 1,
            function: 0,
            name: name.to_string(),
            file: None,
            line: 0,
            heap: Default::default(),
            max_bytes: 0,
            average_lifetime_us: None,
            stack,
        }
    }

    #[test]
    fn long_stacks_keep_their_allocating_end() {
        let mut stack: Vec<String> = (0..100_000).map(|i| format!("f{i}")).collect();
        stack.extend(["alloc::vec::from_elem", "alloc::alloc::alloc", "__rust_alloc"].map(String::from));
        let text = stack_text(&site(stack, "f99999"), 90);
        assert!(text.starts_with("stack: … "), "{text}");
        assert!(text.ends_with("→ f99998 → f99999 → alloc::vec::from_elem (+2 library frames)"), "{text}");
        assert!(text.chars().count() <= 90, "{text}");
        let short = |names: &[&str], name: &str| {
            stack_text(&site(names.iter().map(|n| n.to_string()).collect(), name), 60)
        };
        assert_eq!(short(&["a", "b"], "b"), "stack: a → b");
        assert_eq!(short(&["a", "b", "alloc::x"], "b"), "stack: a → b → alloc::x");
        assert_eq!(
            short(&["alloc::x", "alloc::y"], "alloc::y"),
            "stack: alloc::x → alloc::y",
            "all library: its leaf"
        );
        assert_eq!(
            stack_text(&site(vec!["a_very_long_name".into()], "a_very_long_name"), 5),
            "stack: a_very_long_name"
        );
    }

    #[test]
    fn tiny_areas_do_not_panic() {
        let profile = fixture::profile(fixture::taylor());
        let mut state = built(&profile);
        let ctx = fixture::ctx(&profile, None);
        for (width, height) in [(1, 1), (10, 0), (0, 5), (10, 2), (30, 4), (40, 18), (39, 30), (120, 5)] {
            fixture::draw(width, height, |frame, area| state.draw(frame, area, &ctx));
        }
        let mut empty = State::default();
        fixture::draw(1, 1, |frame, area| empty.draw(frame, area, &ctx));
    }
}
