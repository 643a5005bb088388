//! The terminal, taken and given back: raw mode, the alternate screen and
//! mouse reporting on the way in; all of it undone on every way out — a
//! normal quit, an error, a panic (a hook restores before the message
//! prints) and a signal (the loop sees the flag and returns normally).

use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::{DefaultTerminal, Terminal, backend::CrosstermBackend};
use std::io::stdout;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Owns the terminal while the explorer runs; dropping it restores it.
pub struct TerminalGuard {
    pub terminal: DefaultTerminal,
    /// Set by SIGTERM, SIGHUP or SIGINT: the loop should end.
    pub signalled: Arc<AtomicBool>,
}

/// Undoes everything [`TerminalGuard::enter`] did; safe to call twice.
pub fn restore() {
    // Each step is attempted even if an earlier one failed: a half-restored
    // terminal is worse than a noisy one.
    let _ = disable_raw_mode();
    let _ = execute!(stdout(), DisableMouseCapture, LeaveAlternateScreen, ratatui::crossterm::cursor::Show);
}

impl TerminalGuard {
    /// Takes the terminal. Fails cleanly (nothing left changed) when there
    /// is no terminal to take.
    pub fn enter() -> std::io::Result<Self> {
        let signalled = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP, signal_hook::consts::SIGINT]
        {
            signal_hook::flag::register(signal, Arc::clone(&signalled))?;
        }
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        enable_raw_mode()?;
        if let Err(error) = execute!(stdout(), EnterAlternateScreen, EnableMouseCapture) {
            restore();
            return Err(error);
        }
        spawn_watchdog(Arc::clone(&signalled));
        match Terminal::new(CrosstermBackend::new(stdout())) {
            Ok(terminal) => Ok(Self { terminal, signalled }),
            Err(error) => {
                restore();
                Err(error)
            }
        }
    }
}

/// Ends the process shortly after a signal if the event loop has not: when
/// the terminal goes away (SIGHUP), crossterm's input poll can spin on an
/// end-of-file forever and never return to the loop that checks the flag.
fn spawn_watchdog(signalled: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        while !signalled.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
        }
        // The loop's own way out: it checks the flag at least every 100 ms.
        std::thread::sleep(Duration::from_millis(500));
        restore();
        std::process::exit(EXIT_SIGNALLED);
    });
}

/// The exit code after a signal ended the explorer (as a shell reports
/// a process killed by SIGTERM would be 143; this one restored first).
pub const EXIT_SIGNALLED: i32 = 143;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}
