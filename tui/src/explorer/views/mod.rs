//! Drawing: a function of the state that never changes it (beyond keeping
//! the selection on screen). The frame is a view bar on top, the current
//! view, and a status line that says what is selected and what the
//! numbers rest on.
//!
//! Every view is a module with a `State` that reacts to actions through
//! [`View::update`] (returning an [`Outcome`] instead of reaching into the
//! app) and a `draw` function.

pub mod compare;
pub mod edges;
#[cfg(test)]
pub mod fixture;
pub mod flame;
pub mod flat;
pub mod heap;
mod help;
pub mod lines;
pub mod map;
pub mod run;
pub mod tree;

use super::action::Action;
use super::app::{App, Mode, ViewKind};
use super::profile::Profile;
use proftui_core::analysis::{FlatRow, SortKey, Sortable, busy, busy_machine_short, unsampled_note_short};
use proftui_core::report::FunctionId;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// What a view may read besides its own state.
pub struct Ctx<'a> {
    pub profile: &'a Profile,
    /// The function the function-centred views are about.
    pub focus: Option<FunctionId>,
    /// The line of the focus to select in the line table (a heap site's
    /// allocating line), when the focus came with one.
    pub focus_line: Option<u32>,
    /// Show shares of the total instead of absolute figures.
    pub relative: bool,
    /// Rows the view showed last frame (for paging).
    pub page_rows: usize,
}

/// What a view asks of the app after an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Nothing,
    /// Make this function the focus and show it in `view` (history kept).
    Focus(FunctionId, ViewKind),
    /// Make this function the focus and show its line table with this
    /// line selected (history kept).
    FocusLine(FunctionId, u32),
    /// Say this on the status line.
    Message(String),
}

/// The contract every view's state keeps.
pub trait View {
    /// The profile, thread filter or focus changed: rebuild what is shown.
    fn refresh(&mut self, ctx: &Ctx);
    /// React to an action the app does not handle itself.
    fn update(&mut self, action: Action, ctx: &Ctx) -> Outcome;
    /// Back (Esc, Backspace) inside the view, such as leaving a zoom; false
    /// when the view has nothing to go back from and the app's history
    /// should take it.
    fn back(&mut self, _ctx: &Ctx) -> bool {
        false
    }
    /// Select the next (or previous) row whose function name contains
    /// `needle` (lower-case), starting at the selection when
    /// `include_current`; false when nothing matches.
    fn find(&mut self, needle: &str, forward: bool, include_current: bool, ctx: &Ctx) -> bool;
    /// Draw into `area`.
    fn draw(&mut self, frame: &mut Frame, area: Rect, ctx: &Ctx);
}

/// The function with the largest figure by `key` (ties: sampled figure,
/// then calls-pass figure, then name): what a function-centred view shows
/// before the user picks a focus.
pub fn hottest(flat: &[FlatRow], key: SortKey) -> Option<FunctionId> {
    flat.iter()
        .max_by(|a, b| {
            let (fa, fb) = (a.figures(key), b.figures(key));
            fa[0].total_cmp(&fb[0]).then(fa[1].total_cmp(&fb[1])).then(b.name.cmp(&a.name))
        })
        .map(|row| row.function)
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &mut App) {
    let [bar, body, status] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)])
            .areas(frame.area());
    frame.render_widget(view_bar(app), bar);
    app.page_rows = body.height.saturating_sub(2).max(1) as usize;
    app.draw_view(frame, body);
    frame.render_widget(status_line(app), status);
    if app.mode == Mode::Help {
        help::draw(frame, frame.area(), app);
    }
}

fn view_bar(app: &App) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, view) in app.views().iter().enumerate() {
        let style = if *view == app.view {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        spans.push(Span::styled(format!(" {} {} ", i + 1, view.title()), style));
    }
    spans.push(Span::raw("   ? help  q quit"));
    Line::from(spans)
}

/// What is selected and what the figures rest on, or the prompt/message.
fn status_line(app: &App) -> Paragraph<'static> {
    match &app.mode {
        Mode::Search(text) => return Paragraph::new(format!("/{text}▏  (Enter: find, Esc: cancel)")),
        Mode::SavePrompt(text) => {
            return Paragraph::new(format!("save to: {text}▏  (Enter: save, Esc: cancel)"));
        }
        Mode::ConfirmReplace(path) => {
            return Paragraph::new(format!("{} exists: replace it? (y/n)", path.display()))
                .style(Style::default().add_modifier(Modifier::BOLD));
        }
        Mode::EditParam(text) => return Paragraph::new(format!("value: {text}▏  (Enter: set, Esc: cancel)")),
        Mode::Normal | Mode::Help => {}
    }
    if let Some(message) = &app.message {
        return Paragraph::new(message.clone()).style(Style::default().add_modifier(Modifier::BOLD));
    }
    let Some(profile) = &app.profile else { return Paragraph::new("no report") };
    let report = &profile.report;
    let mut parts = vec![format!("{} · {}", report.run.plugin, report.run.workload)];
    if !report.run.variant.is_empty() {
        parts.push(report.run.variant.clone());
    }
    if let (Some(cpu), Some(import)) = (&report.cpu, &report.import) {
        parts.push(format!(
            "{} {} imported from {}, untimed",
            cpu.total_weight(),
            import.event,
            import.format
        ));
    } else if let Some(cpu) = &report.cpu {
        parts.push(format!(
            "{} samples at {:.0} Hz over {} runs",
            cpu.total_weight(),
            cpu.achieved_hz,
            cpu.repeats
        ));
    }
    if report.calls.is_some() {
        parts.push("calls exact".into());
    }
    parts.push(profile.thread_label().to_string());
    if let Some(focus) = app.focus {
        parts.push(format!("focus {}", report.functions[focus as usize].name));
    }
    // Last, where a narrow terminal cuts them before what the figures rest on.
    if let Some(note) = unsampled_note_short(report.cpu.as_ref().and_then(|cpu| cpu.unsampled_share())) {
        parts.push(note);
    }
    if let Some(share) = busy(report.cpu.as_ref().and_then(|cpu| cpu.wait_share())) {
        parts.push(busy_machine_short(share));
    }
    Paragraph::new(parts.join(" │ "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// The status line's text for the fixture report with its cpu pass
    /// having waited `wait_s` of its wall time for a CPU.
    fn status_with_wait(wait_s: Option<f64>) -> String {
        let mut report = fixture::taylor();
        let cpu = report.cpu.as_mut().expect("the fixture has a cpu pass");
        cpu.wait_s = wait_s.map(|share| share * cpu.wall_s);
        status_of(report)
    }

    /// The status line's text for `report`, 200 columns wide.
    fn status_of(report: proftui_core::report::Report) -> String {
        let app = App::new(Some(Profile::new(Arc::new(report), None)));
        let buffer = fixture::draw(200, 1, |frame, area| frame.render_widget(status_line(&app), area));
        buffer.content().iter().map(|cell| cell.symbol()).collect::<String>().trim_end().to_string()
    }

    #[test]
    fn the_status_line_names_a_busy_machine_last() {
        let busy = status_with_wait(Some(0.25));
        assert!(busy.ends_with("│ busy machine: waited 25% for a CPU"), "{busy}");
        assert!(busy.contains("calls exact"), "{busy}");
        // Under the 10% that makes a machine busy, and unmeasured: no note.
        for quiet in [Some(0.05), None] {
            let line = status_with_wait(quiet);
            assert!(!line.contains("busy"), "{quiet:?}: {line}");
        }
    }

    /// A perf-clock pass that could not sample 0.07 s of kernel time next
    /// to the fixture's 0.28 s sampled: 20% of its CPU time.
    #[test]
    fn the_status_line_names_kernel_time_the_clock_left_out() {
        let mut report = fixture::taylor();
        let cpu = report.cpu.as_mut().expect("the fixture has a cpu pass");
        cpu.clock = proftui_core::collect::cpu::SampleClock::PerfTaskClock;
        cpu.unsampled_s = Some(0.07);
        let line = status_of(report);
        assert!(line.ends_with("│ kernel time 20% unsampled"), "{line}");
        assert!(!status_with_wait(None).contains("unsampled"), "the timer samples all of it");
    }
}
