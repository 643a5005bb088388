//! Diff mode's first view: the two runs side by side. On top, each run's
//! wall time per run (the bare pass's median) and what the sampled figures
//! rest on; below, one entry per function of either run, largest change
//! of inclusive time first, with a bar for each side on one scale so a
//! glance shows where the time went.
//!
//! Functions are matched by name with the variant's module left out (see
//! [`comparable_name`](crate::explorer::baseline::comparable_name)): `simul::naive::evolve` and `simul::tuned::evolve`
//! are one entry. Enter focuses the selected function's callers and
//! callees in the new run.

use crate::explorer::action::Action;
use crate::explorer::app::ViewKind;
use crate::explorer::baseline::{Baseline, SampledChange, count_change, signed_seconds};
use crate::explorer::views::{Ctx, Outcome, View};
use crate::explorer::widgets::table::Cursor;
use crate::report_view::units::seconds;
use proftui_core::analysis::{busy, busy_machine_short, unsampled_note_short};
use proftui_core::diff::{Change, Presence};
use proftui_core::report::{FunctionId, PassInfo, PassKind, Report};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::collections::HashMap;

/// One function of either run.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    /// The comparable name (variant module shown as `*`).
    name: String,
    /// The function in the new run, when it has it.
    function: Option<FunctionId>,
    change: SampledChange,
    base_calls: Option<u64>,
    new_calls: Option<u64>,
}

#[derive(Debug, Clone, Default)]
pub struct State {
    entries: Vec<Entry>,
    pub cursor: Cursor,
    /// Why there is nothing to compare (no cpu pass on a side).
    missing: Option<String>,
    /// The largest inclusive time of either side: the bars' full width.
    scale_s: f64,
}

impl State {
    fn build(&mut self, ctx: &Ctx) {
        let Some(baseline) = &ctx.profile.baseline else {
            *self = Self::default();
            return;
        };
        match (baseline.cpu(), ctx.profile.analysis.basis().cpu.as_ref()) {
            (Some(_), Some(_)) => {}
            (None, _) => return self.nothing("the base report has no cpu pass: compare needs sampled times"),
            (_, None) => return self.nothing("the new report has no cpu pass: compare needs sampled times"),
        }
        self.entries = entries(baseline, &ctx.profile.report);
        self.scale_s = self
            .entries
            .iter()
            .map(|e| e.change.base_s.unwrap_or(0.0).max(e.change.new_s.unwrap_or(0.0)))
            .fold(0.0, f64::max);
        self.missing = None;
        self.cursor = Cursor::default();
    }

    fn nothing(&mut self, why: &str) {
        *self = Self { missing: Some(why.to_string()), ..Self::default() };
    }
}

/// Every function of either side with sampled time, as `proftui diff`
/// compares them (its verdicts use the rounds of a repeated recording),
/// largest change of inclusive time first.
fn entries(baseline: &Baseline, new: &Report) -> Vec<Entry> {
    let ids: HashMap<&str, FunctionId> =
        new.functions.iter().enumerate().map(|(id, f)| (f.name.as_str(), id as FunctionId)).collect();
    let mut entries: Vec<Entry> = baseline
        .diff
        .functions
        .iter()
        .filter_map(|row| {
            let change = SampledChange::from_change(row.changes.inclusive_time.as_ref()?, row.presence);
            // Functions no sample saw on either side have no bar to show.
            if change.base_s.unwrap_or(0.0) <= 0.0 && change.new_s.unwrap_or(0.0) <= 0.0 {
                return None;
            }
            let calls = row.changes.calls.as_ref();
            let side = |present: bool, value: fn(&Change) -> f64| {
                calls.filter(|_| present).map(|c| value(c).round() as u64)
            };
            let (in_base, in_new) = (row.presence != Presence::Added, row.presence != Presence::Removed);
            Some(Entry {
                name: if in_new { baseline.comparable_new(&row.name) } else { baseline.base_key(&row.name) },
                function: if in_new { ids.get(row.name.as_str()).copied() } else { None },
                change,
                base_calls: side(in_base, |c| c.base),
                new_calls: side(in_new, |c| c.new),
            })
        })
        .collect();
    entries.sort_by(|a, b| {
        b.change.delta_s().abs().total_cmp(&a.change.delta_s().abs()).then_with(|| a.name.cmp(&b.name))
    });
    entries
}

impl View for State {
    fn refresh(&mut self, ctx: &Ctx) {
        self.build(ctx);
    }

    fn update(&mut self, action: Action, ctx: &Ctx) -> Outcome {
        use Action as A;
        let len = self.entries.len();
        let page = (ctx.page_rows / 2).max(1) as isize;
        match action {
            A::Up => self.cursor.step(-1, len),
            A::Down => self.cursor.step(1, len),
            A::PageUp => self.cursor.step(-page, len),
            A::PageDown => self.cursor.step(page, len),
            A::Top => self.cursor.selected = 0,
            A::Bottom => self.cursor.selected = len.saturating_sub(1),
            A::Enter | A::ShowEdges | A::ShowLines => {
                let view = if action == A::ShowLines { ViewKind::Lines } else { ViewKind::Edges };
                return match self.entries.get(self.cursor.selected) {
                    Some(Entry { function: Some(f), .. }) => Outcome::Focus(*f, view),
                    Some(_) => {
                        Outcome::Message("only in the base run: nothing to show in the new one".into())
                    }
                    None => Outcome::Nothing,
                };
            }
            _ => {}
        }
        Outcome::Nothing
    }

    fn find(&mut self, needle: &str, forward: bool, include_current: bool, _ctx: &Ctx) -> bool {
        let len = self.entries.len();
        let start = self.cursor.selected;
        let first = usize::from(!include_current);
        let found = (first..len + first)
            .map(|step| if forward { (start + step) % len } else { (start + len - step % len) % len })
            .find(|&i| self.entries[i].name.to_lowercase().contains(needle));
        if let Some(index) = found {
            self.cursor.selected = index;
        }
        found.is_some()
    }

    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let Some(baseline) = &ctx.profile.baseline else { return };
        let header = header(&baseline.report, &ctx.profile.report);
        let [top, body] =
            Layout::vertical([Constraint::Length(header.len() as u16 + 1), Constraint::Min(0)]).areas(area);
        frame.render_widget(Paragraph::new(header), top);
        if let Some(why) = &self.missing {
            frame.render_widget(Paragraph::new(why.clone()), body);
            return;
        }
        draw_bars(frame, body, self);
    }
}

/// Each run: what ran, wall time per run, samples; the wall-time ratio.
fn header(base: &Report, new: &Report) -> Vec<Line<'static>> {
    let wall = |report: &Report| {
        report.run.passes.iter().find(|p| p.kind == PassKind::Bare).and_then(PassInfo::median_wall)
    };
    // Named only when they differ: times then count the kernel on one side.
    let clocks_differ = match (&base.cpu, &new.cpu) {
        (Some(b), Some(n)) => b.clock != n.clock,
        _ => false,
    };
    let describe = |label: &str, report: &Report| {
        let run = &report.run;
        let mut what = format!("{label} {} · {}", run.plugin, run.workload);
        if !run.variant.is_empty() {
            what = format!("{what} · {}", run.variant);
        }
        let wall = wall(report).map_or("—".to_string(), seconds);
        let samples = report.cpu.as_ref().map_or("no cpu pass".to_string(), |cpu| {
            let rounds = match cpu.rounds.len() {
                0 | 1 => String::new(),
                n => format!(" in {n} rounds"),
            };
            let clock = if clocks_differ { format!(" ({})", cpu.clock.describe()) } else { String::new() };
            let unsampled = unsampled_note_short(cpu.unsampled_share())
                .map_or(String::new(), |note| format!(" · {note}"));
            let busy_note =
                busy(cpu.wait_share()).map_or(String::new(), |s| format!(" · {}", busy_machine_short(s)));
            format!(
                "{} samples{rounds} at {:.0} Hz{clock}{unsampled}{busy_note}",
                cpu.samples.len(),
                cpu.achieved_hz
            )
        });
        format!("{what}: {wall} wall per run (bare median) · {samples}")
    };
    let mut lines = vec![Line::from(describe("base", base)), Line::from(describe("new ", new))];
    if let (Some(b), Some(n)) = (wall(base), wall(new))
        && b > 0.0
        && n > 0.0
    {
        let (word, factor) = if n <= b { ("faster", b / n) } else { ("slower", n / b) };
        lines.push(Line::from(format!(
            "new is {factor:.2}× {word} per run ({}); bars: inclusive cpu per run, largest change first; \
             ~ within sampling noise",
            signed_seconds(n - b)
        )));
    }
    lines
}

/// Two bars per function (base above, new below) on one scale.
fn draw_bars(frame: &mut Frame, area: Rect, state: &mut State) {
    let name_width = (area.width / 3).clamp(12, 40) as usize;
    let figure_width = 26;
    let bar_width = (area.width as usize).saturating_sub(name_width + figure_width + 8).max(4);
    let per_entry = 2;
    let visible = (area.height as usize / per_entry).max(1);
    state.cursor.scroll_into_view(visible);
    let bar = |value: Option<f64>| {
        let cells = if state.scale_s > 0.0 {
            (value.unwrap_or(0.0) / state.scale_s * bar_width as f64).round() as usize
        } else {
            0
        };
        format!("{:<bar_width$}", "█".repeat(cells.min(bar_width)))
    };
    let mut lines = Vec::new();
    for (index, entry) in state.entries.iter().enumerate().skip(state.cursor.offset).take(visible) {
        let selected = index == state.cursor.selected;
        let mut style = Style::default();
        if selected {
            style = style.add_modifier(Modifier::REVERSED);
        }
        if !entry.change.noise {
            style = style.add_modifier(Modifier::BOLD);
        }
        let name: String = truncate(&entry.name, name_width);
        let calls = match (entry.base_calls, entry.new_calls) {
            (None, None) => String::new(),
            (b, n) => format!(" calls {}", count_change(b, n)),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{name:<name_width$}"), style),
            Span::raw(" base "),
            Span::raw(bar(entry.change.base_s)),
            Span::raw(format!(" {:>9}", entry.change.base_s.map_or("—".to_string(), seconds))),
        ]));
        lines.push(Line::from(vec![
            Span::styled(format!("{:<name_width$}", format!("  {}{calls}", entry.change.text())), style),
            Span::raw(" new  "),
            Span::styled(bar(entry.change.new_s), Style::default().add_modifier(Modifier::BOLD)),
            Span::raw(format!(" {:>9}", entry.change.new_s.map_or("—".to_string(), seconds))),
        ]));
    }
    if state.entries.is_empty() {
        lines.push(Line::from("no function has samples in either run"));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// `text` cut to `width` characters, with `…` when cut.
fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explorer::views::fixture;

    #[test]
    fn both_runs_side_by_side_largest_change_first() {
        let profile = fixture::diff_profile();
        let ctx = fixture::ctx(&profile, None);
        let mut state: State = fixture::opened(&ctx);
        let buffer = fixture::draw(100, 12, |frame, area| state.draw(frame, area, &ctx));
        let rows: Vec<String> = (0..12).map(|y| fixture::row(&buffer, y)).collect();
        insta::assert_snapshot!(rows.join("\n"));
        // run, taylor_exp and factorial each gain the 30 samples: 30 ×
        // 0.02 s per run = +600 ms, far beyond the noise (2 × 0.02 s ×
        // √(7 + 37) = 265 ms for run). The worker's run@5 sample is
        // unchanged but run is one function: no other entry.
        let names: Vec<&str> = state.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, [fixture::FACT, fixture::RUN, fixture::EXP]);
        for entry in &state.entries {
            assert!((entry.change.delta_s() - 0.6).abs() < 1e-9, "{entry:?}");
            assert!(!entry.change.noise, "{entry:?}");
        }
        assert_eq!(state.entries[0].change.base_s, Some(4.0 * 0.02));
        assert_eq!(state.entries[0].change.text(), "+600 ms +750%");
    }

    #[test]
    fn enter_focuses_the_function_in_the_new_run() {
        let profile = fixture::diff_profile();
        let ctx = fixture::ctx(&profile, None);
        let mut state: State = fixture::opened(&ctx);
        state.update(Action::Down, &ctx);
        let run = fixture::function(&profile, fixture::RUN);
        assert_eq!(state.update(Action::Enter, &ctx), Outcome::Focus(run, ViewKind::Edges));
    }

    #[test]
    fn a_run_recorded_on_a_busy_machine_says_so_in_the_header() {
        let quiet = fixture::taylor();
        let mut busy = fixture::taylor();
        let cpu = busy.cpu.as_mut().expect("a cpu pass");
        cpu.wait_s = Some(0.3 * cpu.wall_s);
        let text = |lines: Vec<Line>| lines.iter().map(ToString::to_string).collect::<Vec<_>>();
        let lines = text(header(&busy, &quiet));
        assert!(lines[0].ends_with(" · busy machine: waited 30% for a CPU"), "{lines:?}");
        assert!(!lines[1].contains("busy"), "{lines:?}");
    }

    #[test]
    fn runs_sampled_by_different_clocks_name_them_in_the_header() {
        let timer = fixture::taylor();
        let mut perf = fixture::taylor();
        perf.cpu.as_mut().expect("a cpu pass").clock = proftui_core::collect::cpu::SampleClock::PerfTaskClock;
        let text = |lines: Vec<Line>| lines.iter().map(ToString::to_string).collect::<Vec<_>>();
        let lines = text(header(&timer, &perf));
        assert!(lines[0].ends_with("7 samples at 250 Hz (ITIMER_PROF, tick-driven)"), "{lines:?}");
        assert!(lines[1].ends_with("7 samples at 250 Hz (perf task-clock, user time)"), "{lines:?}");
        let same = text(header(&perf, &perf));
        assert!(same.iter().all(|l| !l.contains("perf task-clock")), "one clock goes unsaid: {same:?}");
        // 0.07 s of kernel time next to the fixture's 0.28 s sampled: 20%.
        perf.cpu.as_mut().expect("a cpu pass").unsampled_s = Some(0.07);
        let lines = text(header(&timer, &perf));
        assert!(lines[1].ends_with("(perf task-clock, user time) · kernel time 20% unsampled"), "{lines:?}");
        assert!(!lines[0].contains("unsampled"), "{lines:?}");
    }
}
