//! The real binary in a real pseudo-terminal: keys go in, the screen comes
//! out through a terminal emulator (vt100), so tests read what a person
//! would see.

use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A program running in a pseudo-terminal.
pub struct Pty {
    screen: Arc<Mutex<vt100::Parser>>,
    /// Bytes the program wrote, counted after the screen took them.
    received: Arc<AtomicU64>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

impl Pty {
    /// Starts `program args` from the workspace root in a `cols`×`rows`
    /// terminal.
    pub fn spawn(
        program: &std::path::Path,
        args: &[&str],
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
    ) -> Self {
        let pair = native_pty_system()
            .openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 })
            .expect("a pseudo-terminal opens");
        let mut command = CommandBuilder::new(program);
        command.args(args);
        command.cwd(crate::workspace());
        command.env("TERM", "xterm-256color");
        for (key, value) in env {
            command.env(key, value);
        }
        let child = pair.slave.spawn_command(command).expect("the program starts in the pty");
        let mut reader = pair.master.try_clone_reader().expect("the pty can be read");
        let writer = pair.master.take_writer().expect("the pty can be written");
        let screen = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let sink = Arc::clone(&screen);
        let received = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&received);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                sink.lock().expect("the screen lock is never poisoned").process(&buf[..n]);
                counter.fetch_add(n as u64, Ordering::Release);
            }
        });
        Self { screen, received, writer, child, _master: pair.master }
    }

    /// The screen's text, rows joined by newlines.
    pub fn text(&self) -> String {
        self.screen.lock().expect("the screen lock is never poisoned").screen().contents()
    }

    /// How many bytes the program has written so far; the screen has
    /// taken all of them. Cheap to poll: a frame that changes nothing on
    /// screen still writes a few bytes.
    pub fn bytes_received(&self) -> u64 {
        self.received.load(Ordering::Acquire)
    }

    /// Runs `check` on the emulator's screen.
    pub fn with_screen<T>(&self, check: impl FnOnce(&vt100::Screen) -> T) -> T {
        check(self.screen.lock().expect("the screen lock is never poisoned").screen())
    }

    /// Waits until the screen contains `text`; panics with the screen after
    /// `timeout`.
    pub fn wait_for(&self, text: &str, timeout: Duration) {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.text().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("`{text}` did not appear within {timeout:?}; the screen:\n{}", self.text());
    }

    /// Types `keys` (raw bytes: "\r" is Enter, "\x1b" Esc, "\x1b[B" Down).
    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("the pty takes input");
        self.writer.flush().expect("the pty takes input");
    }

    /// The process id, for sending signals.
    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("the child has a pid")
    }

    /// Waits for the program to exit; its exit code, or `None` on timeout.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<u32> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the reader drain what the program wrote last.
                std::thread::sleep(Duration::from_millis(100));
                return Some(status.exit_code());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
