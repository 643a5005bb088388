//! The interactive explorer: KCachegrind's views in a terminal.
//!
//! State, actions, view: input becomes an [`action::Action`] through the
//! [`keymap`], [`app::App::update`] is the only place state changes, and
//! [`views::draw`] draws a frame from the state. A frame is drawn only
//! after something changed.

mod action;
pub mod app;
pub mod baseline;
mod keymap;
mod profile;
mod terminal;
pub mod views;
mod widgets;

use anyhow::{Context, Result};
use app::{App, Mode};
use proftui_core::diff::DiffOptions;
use proftui_core::report::Report;
use proftui_core::report::file;
use ratatui::crossterm::event::{self, Event, KeyEventKind, MouseEventKind};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// `proftui open FILE`: loads the report, then explores it until the user
/// quits.
pub fn open(path: &Path) -> Result<()> {
    let report = file::load(path)?;
    let profile = profile::Profile::new(Arc::new(report), Some(path.to_path_buf()));
    run(App::new(Some(profile)))
}

/// `proftui diff BASE NEW` on a terminal: NEW explored with every view
/// showing its change from BASE, functions matched as `options` say.
pub fn open_diff(
    base: Arc<Report>,
    base_path: &Path,
    new: Arc<Report>,
    new_path: &Path,
    options: &DiffOptions,
) -> Result<()> {
    let profile = profile::Profile::diff(base, base_path.to_path_buf(), new, new_path.to_path_buf(), options);
    run(App::new(Some(profile)))
}

/// `proftui load PLUGIN`: the run panel of a plugin, then its reports.
pub fn load(source: views::run::PluginSource) -> Result<()> {
    run(App::with_run_panel(source))
}

/// Runs the event loop on the real terminal.
fn run(mut app: App) -> Result<()> {
    let mut guard =
        terminal::TerminalGuard::enter().context("cannot take over the terminal (is this a terminal?)")?;
    let mut dirty = true;
    while !app.quit {
        if guard.signalled.load(Ordering::Relaxed) {
            break;
        }
        dirty |= app.poll_background();
        if dirty {
            guard.terminal.draw(|frame| views::draw(frame, &mut app))?;
            dirty = false;
        }
        let wait = if app.is_running() { 50 } else { 100 };
        if !event::poll(Duration::from_millis(wait))? {
            continue;
        }
        match event::read()? {
            Event::Key(key) if key.kind != KeyEventKind::Release => {
                if matches!(
                    app.mode,
                    Mode::Search(_) | Mode::SavePrompt(_) | Mode::ConfirmReplace(_) | Mode::EditParam(_)
                ) {
                    app.text_input(key.code);
                } else if let Some(action) = keymap::lookup(app.view.scopes(), &key) {
                    app.update(action);
                } else if app.mode == Mode::Help {
                    app.mode = Mode::Normal;
                }
                dirty = true;
            }
            Event::Mouse(mouse) => {
                let action = match mouse.kind {
                    MouseEventKind::ScrollUp => Some(action::Action::Up),
                    MouseEventKind::ScrollDown => Some(action::Action::Down),
                    _ => None,
                };
                if let Some(action) = action {
                    app.update(action);
                    dirty = true;
                }
            }
            Event::Resize(..) => dirty = true,
            _ => {}
        }
    }
    if let Some(panel) = &mut app.run_panel {
        panel.cancel();
    }
    drop(guard);
    Ok(())
}
