//! The explorer's state and the one function that changes it.

use super::action::Action;
use super::keymap::Scope;
use super::profile::Profile;
use super::views::{Ctx, Outcome, View, compare, edges, flame, flat, heap, lines, map, run, tree};
use crate::report_view::units::human_bytes;
use proftui_core::report::FunctionId;
use proftui_core::report::file::save;
use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Rect;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The views, in the order of the view bar (keys 1–9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewKind {
    Flat,
    Edges,
    Tree,
    Inverted,
    Lines,
    Heap,
    Flame,
    Map,
    /// The run panel of `proftui load`.
    Run,
    /// Diff mode: both runs side by side, bars per function.
    Compare,
}

impl ViewKind {
    pub const ALL: &'static [ViewKind] = &[
        ViewKind::Flat,
        ViewKind::Edges,
        ViewKind::Tree,
        ViewKind::Inverted,
        ViewKind::Lines,
        ViewKind::Heap,
        ViewKind::Flame,
        ViewKind::Map,
    ];

    /// The views of `proftui load`: the run panel first.
    pub const WITH_RUN: &'static [ViewKind] = &[
        ViewKind::Run,
        ViewKind::Flat,
        ViewKind::Edges,
        ViewKind::Tree,
        ViewKind::Inverted,
        ViewKind::Lines,
        ViewKind::Heap,
        ViewKind::Flame,
        ViewKind::Map,
    ];

    /// The views of diff mode: the comparison first.
    pub const WITH_DIFF: &'static [ViewKind] = &[
        ViewKind::Compare,
        ViewKind::Flat,
        ViewKind::Edges,
        ViewKind::Tree,
        ViewKind::Inverted,
        ViewKind::Lines,
        ViewKind::Heap,
        ViewKind::Flame,
        ViewKind::Map,
    ];

    pub fn title(self) -> &'static str {
        match self {
            ViewKind::Compare => "compare",
            ViewKind::Run => "run",
            ViewKind::Flat => "flat",
            ViewKind::Edges => "callers/callees",
            ViewKind::Tree => "tree",
            ViewKind::Inverted => "inverted",
            ViewKind::Lines => "lines",
            ViewKind::Heap => "heap",
            ViewKind::Flame => "flame",
            ViewKind::Map => "map",
        }
    }

    /// The key binding scopes the view answers to (besides Global).
    pub fn scopes(self) -> &'static [Scope] {
        match self {
            ViewKind::Flat => &[Scope::List, Scope::Table, Scope::Navigate],
            ViewKind::Edges => &[Scope::List, Scope::Table, Scope::Navigate, Scope::Edges],
            ViewKind::Tree | ViewKind::Inverted => &[Scope::List, Scope::Tree, Scope::Navigate],
            ViewKind::Lines => &[Scope::List, Scope::Table],
            ViewKind::Heap => &[Scope::List, Scope::Table, Scope::Navigate],
            ViewKind::Flame => &[Scope::Flame, Scope::List],
            ViewKind::Map => &[Scope::List, Scope::Navigate],
            ViewKind::Run => &[Scope::List, Scope::Run],
            ViewKind::Compare => &[Scope::List, Scope::Navigate],
        }
    }
}

/// What the keyboard is doing right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Help,
    /// Typing a search; the text so far.
    Search(String),
    /// Typing the file name to save to.
    SavePrompt(String),
    /// Typing a parameter's value in the run panel.
    EditParam(String),
    /// The file exists: replace it? (y/n)
    ConfirmReplace(PathBuf),
}

/// A key applied to a line being typed.
enum Edited {
    Typing(String),
    Cancelled,
    Done(String),
}

fn edit(mut text: String, key: KeyCode) -> Edited {
    match key {
        KeyCode::Char(c) => text.push(c),
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Esc => return Edited::Cancelled,
        KeyCode::Enter => return Edited::Done(text),
        _ => {}
    }
    Edited::Typing(text)
}

/// Every view's own state.
#[derive(Default)]
struct Views {
    flat: flat::State,
    edges: edges::State,
    tree: tree::State,
    inverted: tree::State,
    lines: lines::State,
    heap: heap::State,
    flame: flame::State,
    map: map::State,
    compare: compare::State,
}

pub struct App {
    pub profile: Option<Profile>,
    /// The run panel, when a plugin was loaded.
    pub run_panel: Option<run::Panel>,
    pub view: ViewKind,
    views: Views,
    /// The function the views are about (callers, lines, map).
    pub focus: Option<FunctionId>,
    /// The focus's line to select in the line table, when the focus came
    /// with one (Enter on a heap site).
    pub focus_line: Option<u32>,
    /// Where Back returns to.
    pub history: Vec<(ViewKind, Option<FunctionId>)>,
    pub relative: bool,
    pub mode: Mode,
    /// The last search, for n and N.
    pub search: Option<String>,
    /// One line for the status bar (an error, a confirmation).
    pub message: Option<String>,
    /// Rows the body showed last frame, for paging.
    pub page_rows: usize,
    pub quit: bool,
}

impl App {
    pub fn new(profile: Option<Profile>) -> Self {
        let mut app = Self {
            profile,
            run_panel: None,
            view: ViewKind::Flat,
            views: Views { inverted: tree::State::inverted(), ..Views::default() },
            focus: None,
            focus_line: None,
            history: Vec::new(),
            relative: false,
            mode: Mode::Normal,
            search: None,
            message: None,
            page_rows: 20,
            quit: false,
        };
        if app.profile.as_ref().is_some_and(|p| p.baseline.is_some()) {
            app.view = ViewKind::Compare;
        }
        app.refresh_all();
        app
    }

    /// An explorer that starts on the run panel of a plugin.
    pub fn with_run_panel(source: run::PluginSource) -> Self {
        let mut app = Self::new(None);
        app.run_panel = Some(run::Panel::new(source));
        app.view = ViewKind::Run;
        app
    }

    /// The views of the view bar.
    pub fn views(&self) -> &'static [ViewKind] {
        if self.run_panel.is_some() {
            ViewKind::WITH_RUN
        } else if self.profile.as_ref().is_some_and(|p| p.baseline.is_some()) {
            ViewKind::WITH_DIFF
        } else {
            ViewKind::ALL
        }
    }

    /// Takes news from a running recording; true when the screen changed.
    pub fn poll_background(&mut self) -> bool {
        let Some(panel) = &mut self.run_panel else { return false };
        match panel.poll() {
            run::Polled::Nothing => false,
            run::Polled::Changed => true,
            run::Polled::Failed(why) => {
                self.message = Some(format!("run failed: {why}"));
                true
            }
            run::Polled::Recorded(recording, line) => {
                self.profile = Some(Profile::new(Arc::new(recording.report), None));
                self.focus = None;
                self.focus_line = None;
                self.history.clear();
                self.refresh_all();
                self.view = ViewKind::Flat;
                self.message = Some(format!("{line}; w saves the report"));
                true
            }
        }
    }

    /// True while a recording runs.
    pub fn is_running(&self) -> bool {
        self.run_panel.as_ref().is_some_and(run::Panel::is_running)
    }

    fn state(&mut self, view: ViewKind) -> &mut dyn View {
        match view {
            ViewKind::Flat => &mut self.views.flat,
            ViewKind::Edges => &mut self.views.edges,
            ViewKind::Tree => &mut self.views.tree,
            ViewKind::Inverted => &mut self.views.inverted,
            ViewKind::Lines => &mut self.views.lines,
            ViewKind::Heap => &mut self.views.heap,
            ViewKind::Flame => &mut self.views.flame,
            ViewKind::Map => &mut self.views.map,
            ViewKind::Compare => &mut self.views.compare,
            // The run panel is not a view of a profile; `update` and
            // `draw_view` route to it before asking for a state.
            ViewKind::Run => &mut self.views.flat,
        }
    }

    /// Runs `body` with the current view's state and its context.
    fn with_view<T>(&mut self, view: ViewKind, body: impl FnOnce(&mut dyn View, &Ctx) -> T) -> Option<T> {
        let profile = self.profile.take()?;
        let ctx = Ctx {
            profile: &profile,
            focus: self.focus,
            focus_line: self.focus_line,
            relative: self.relative,
            page_rows: self.page_rows,
        };
        let result = body(self.state(view), &ctx);
        self.profile = Some(profile);
        Some(result)
    }

    /// Every view rebuilds after the profile, filter or focus changed.
    fn refresh_all(&mut self) {
        for view in ViewKind::WITH_DIFF {
            self.with_view(*view, |state, ctx| state.refresh(ctx));
        }
    }

    pub fn draw_view(&mut self, frame: &mut Frame, area: Rect) {
        let view = self.view;
        if view == ViewKind::Run {
            if let Some(panel) = &self.run_panel {
                panel.draw(frame, area);
            }
            return;
        }
        if self.profile.is_none() {
            frame.render_widget(
                ratatui::widgets::Paragraph::new("no report yet: start a run in the run panel (key 1)"),
                area,
            );
            return;
        }
        self.with_view(view, |state, ctx| state.draw(frame, area, ctx));
    }

    /// The only place state changes.
    pub fn update(&mut self, action: Action) {
        self.message = None;
        if self.mode == Mode::Help {
            self.mode = Mode::Normal;
            if action != Action::Quit {
                return;
            }
        }
        if self.view == ViewKind::Run
            && let Some(panel) = &mut self.run_panel
            && !matches!(
                action,
                Action::Quit | Action::Help | Action::NextView | Action::PrevView | Action::GotoView(_)
            )
        {
            if action == Action::Edit {
                match panel.selected_text() {
                    Some(text) => self.mode = Mode::EditParam(text),
                    None => self.message = Some("select a parameter to type its value".into()),
                }
            } else {
                self.message = panel.update(action);
            }
            return;
        }
        match action {
            Action::Quit if self.is_running() => {
                if let Some(panel) = &mut self.run_panel {
                    panel.cancel();
                }
                self.message = Some("stopping the run; press q again to quit".into());
            }
            Action::Quit => self.quit = true,
            Action::Help => self.mode = Mode::Help,
            Action::Redraw => {}
            Action::NextView | Action::PrevView | Action::GotoView(_) => self.switch_view(action),
            Action::ToggleRelative => self.relative = !self.relative,
            Action::NextThread if self.profile.as_ref().is_some_and(|p| p.baseline.is_some()) => {
                self.message =
                    Some("no thread filter in diff mode: both runs are compared over all threads".into());
            }
            Action::NextThread => {
                if let Some(profile) = &mut self.profile {
                    profile.next_thread();
                    self.message = Some(format!("showing {}", profile.thread_label()));
                }
                self.refresh_all();
            }
            Action::Search => self.mode = Mode::Search(String::new()),
            Action::Save => match &self.profile {
                Some(profile) => {
                    self.mode = Mode::SavePrompt(profile.default_save_path().display().to_string());
                }
                None => self.message = Some("nothing to save yet: run a workload first".into()),
            },
            Action::SearchNext | Action::SearchPrev => self.find(action == Action::SearchNext, false),
            Action::Back => {
                let view = self.view;
                if self.with_view(view, |state, ctx| state.back(ctx)) != Some(true) {
                    self.back();
                }
            }
            other => {
                let view = self.view;
                if let Some(outcome) = self.with_view(view, |state, ctx| state.update(other, ctx)) {
                    self.apply(outcome);
                }
            }
        }
    }

    fn apply(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Nothing => {}
            Outcome::Message(message) => self.message = Some(message),
            Outcome::Focus(function, view) => self.focus_on(function, None, view),
            Outcome::FocusLine(function, line) => self.focus_on(function, Some(line), ViewKind::Lines),
        }
    }

    /// Makes `function` the focus (and `line` the line to select) and
    /// shows `view`; Back returns to where the user was.
    fn focus_on(&mut self, function: FunctionId, line: Option<u32>, view: ViewKind) {
        self.history.push((self.view, self.focus));
        self.focus = Some(function);
        self.focus_line = line;
        self.view = view;
        self.refresh_all();
        if let Some(profile) = &self.profile {
            let name = &profile.report.functions[function as usize].name;
            self.message = Some(match line {
                Some(line) => format!("focus: {name}, line {line}"),
                None => format!("focus: {name}"),
            });
        }
    }

    fn switch_view(&mut self, action: Action) {
        let all = self.views();
        let at = all.iter().position(|v| *v == self.view).unwrap_or(0);
        let next = match action {
            Action::NextView => (at + 1) % all.len(),
            Action::PrevView => (at + all.len() - 1) % all.len(),
            Action::GotoView(n) if (n as usize) < all.len() => n as usize,
            _ => at,
        };
        self.view = all[next];
    }

    fn back(&mut self) {
        if let Some((view, focus)) = self.history.pop() {
            self.view = view;
            if self.focus != focus {
                self.focus = focus;
                self.focus_line = None;
                self.refresh_all();
            }
        }
    }

    /// A key typed while a prompt (search, save, replace?) is open.
    pub fn text_input(&mut self, key: KeyCode) {
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Search(text) => match edit(text, key) {
                Edited::Typing(text) => self.mode = Mode::Search(text),
                Edited::Cancelled => {}
                Edited::Done(text) => {
                    self.search = Some(text).filter(|t| !t.is_empty());
                    self.find(true, true);
                }
            },
            Mode::SavePrompt(text) => match edit(text, key) {
                Edited::Typing(text) => self.mode = Mode::SavePrompt(text),
                Edited::Cancelled => self.message = Some("not saved".into()),
                Edited::Done(text) if text.trim().is_empty() => {
                    self.message = Some("not saved: no file name".into())
                }
                Edited::Done(text) => {
                    let path = PathBuf::from(text.trim());
                    if path.exists() {
                        self.mode = Mode::ConfirmReplace(path);
                    } else {
                        self.save(&path, false);
                    }
                }
            },
            Mode::EditParam(text) => match edit(text, key) {
                Edited::Typing(text) => self.mode = Mode::EditParam(text),
                Edited::Cancelled => {}
                Edited::Done(text) => {
                    if let Some(panel) = &mut self.run_panel
                        && let Err(why) = panel.set_typed(&text)
                    {
                        self.message = Some(why);
                    }
                }
            },
            Mode::ConfirmReplace(path) => match key {
                KeyCode::Char('y' | 'Y') => self.save(&path, true),
                _ => self.message = Some(format!("not saved: {} left as it was", path.display())),
            },
            other => self.mode = other,
        }
    }

    /// Saves the report atomically; the message says how it went.
    fn save(&mut self, path: &Path, replace: bool) {
        let Some(profile) = &mut self.profile else { return };
        self.message = Some(match save(&profile.report, path, replace) {
            Ok(()) => {
                profile.path = Some(path.to_path_buf());
                let size =
                    std::fs::metadata(path).map_or(String::new(), |m| format!(" ({})", human_bytes(m.len())));
                format!("saved {}{size}", path.display())
            }
            Err(error) => format!("not saved: {error}"),
        });
    }

    /// Moves the selection to the next (or previous) row matching the search.
    fn find(&mut self, forward: bool, include_current: bool) {
        let Some(needle) = self.search.clone() else {
            self.message = Some("no search yet: press / to search".into());
            return;
        };
        let lower = needle.to_lowercase();
        let view = self.view;
        let found = self.with_view(view, |state, ctx| state.find(&lower, forward, include_current, ctx));
        if found != Some(true) {
            self.message = Some(format!("nothing matches `{needle}`"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proftui_core::report::build::ReportBuilder;
    use proftui_core::report::{HostInfo, ROOT, RunInfo};

    fn app_with_report(path: Option<PathBuf>) -> App {
        let run = RunInfo {
            plugin: "demo".into(),
            plugin_path: "demo.so".into(),
            workload: "w".into(),
            variant: "fast".into(),
            params: vec![],
            results: vec![],
            recorded_at_unix_s: 0,
            host: HostInfo { hostname: "h".into(), os: "linux".into(), cpus: 1, proftui_version: "0".into() },
            passes: vec![],
        };
        let mut builder = ReportBuilder::new(run);
        let f = builder.function("demo::f", None, None);
        builder.node(ROOT, f, 1);
        App::new(Some(Profile::new(Arc::new(builder.finish()), path)))
    }

    fn type_text(app: &mut App, text: &str) {
        for c in text.chars() {
            app.text_input(KeyCode::Char(c));
        }
    }

    #[test]
    fn save_offers_a_name_and_writes_the_report() {
        let dir = tempfile::tempdir().unwrap();
        let mut app = app_with_report(None);
        app.update(Action::Save);
        assert_eq!(app.mode, Mode::SavePrompt("demo-w-fast.json".into()));
        for _ in 0.."demo-w-fast.json".len() {
            app.text_input(KeyCode::Backspace);
        }
        let target = dir.path().join("saved.json");
        type_text(&mut app, target.to_str().unwrap());
        app.text_input(KeyCode::Enter);
        assert_eq!(app.mode, Mode::Normal);
        assert!(app.message.as_deref().unwrap().starts_with("saved "), "{:?}", app.message);
        let loaded = proftui_core::report::file::load(&target).unwrap();
        assert_eq!(loaded.run.variant, "fast");
    }

    #[test]
    fn saving_over_a_file_asks_first_and_keeps_it_on_no() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("existing.json");
        std::fs::write(&target, "precious").unwrap();
        let mut app = app_with_report(Some(target.clone()));
        app.update(Action::Save);
        app.text_input(KeyCode::Enter);
        assert_eq!(app.mode, Mode::ConfirmReplace(target.clone()));
        app.text_input(KeyCode::Char('n'));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
        assert!(app.message.as_deref().unwrap().starts_with("not saved"));
        app.update(Action::Save);
        app.text_input(KeyCode::Enter);
        app.text_input(KeyCode::Char('y'));
        assert!(proftui_core::report::file::load(&target).is_ok(), "replaced after yes");
    }

    #[test]
    fn escape_cancels_a_save_and_an_unwritable_path_says_why() {
        let mut app = app_with_report(None);
        app.update(Action::Save);
        app.text_input(KeyCode::Esc);
        assert_eq!(app.mode, Mode::Normal);
        assert_eq!(app.message.as_deref(), Some("not saved"));
        app.update(Action::Save);
        for _ in 0..40 {
            app.text_input(KeyCode::Backspace);
        }
        type_text(&mut app, "/nonexistent-dir/r.json");
        app.text_input(KeyCode::Enter);
        let message = app.message.clone().unwrap();
        assert!(message.starts_with("not saved: /nonexistent-dir/r.json"), "{message}");
        assert_eq!(message.lines().count(), 1);
    }
}
