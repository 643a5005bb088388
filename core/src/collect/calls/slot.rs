//! This thread's recording: a thread-local recorder that joins a pass at
//! its first probe event and hands its tree over when the thread exits (or
//! when this thread stops the pass).

use super::recorder::Recorder;
use super::{FinishedThread, clock, collection};
use std::cell::RefCell;

thread_local! {
    static SLOT: RefCell<ThreadSlot> = RefCell::new(ThreadSlot::new());
}

/// Records an enter of `site` in pass `epoch` on this thread. Events in a
/// thread-local destructor after this one's, or reentrant ones, are dropped.
#[inline]
pub(super) fn enter(epoch: u64, site: u32) {
    let _ = SLOT.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            slot.enter(epoch, site);
        }
    });
}

/// Records an exit of `site` in pass `epoch` on this thread.
#[inline]
pub(super) fn exit(epoch: u64, site: u32) {
    let _ = SLOT.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            slot.exit(epoch, site);
        }
    });
}

/// Hands this thread's tree over now rather than at thread exit.
pub(super) fn hand_over() {
    let _ = SLOT.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            slot.hand_over();
        }
    });
}

struct ThreadSlot {
    /// The pass the recorder belongs to; 0 for none.
    epoch: u64,
    /// Counted by the pass as a thread to wait for, so owes it a tree.
    registered: bool,
    thread_id: u64,
    thread_name: String,
    clock: quanta::Clock,
    recorder: Recorder,
}

impl ThreadSlot {
    fn new() -> Self {
        Self {
            epoch: 0,
            registered: false,
            thread_id: 0,
            thread_name: String::new(),
            clock: clock().clone(),
            recorder: Recorder::new(),
        }
    }

    #[inline]
    fn enter(&mut self, epoch: u64, site: u32) {
        if self.epoch != epoch {
            self.begin(epoch);
        }
        let clock = &self.clock;
        self.recorder.enter(site, || clock.raw());
    }

    #[inline]
    fn exit(&mut self, epoch: u64, site: u32) {
        let now = self.clock.raw();
        if self.epoch != epoch {
            self.begin(epoch);
        }
        self.recorder.exit(site, now);
    }

    /// The first event of pass `epoch` on this thread: start afresh (what
    /// an earlier pass left is dropped) and tell the pass to wait for us.
    #[cold]
    fn begin(&mut self, epoch: u64) {
        self.recorder = Recorder::new();
        self.epoch = epoch;
        self.thread_id = u64::try_from(nix::unistd::gettid().as_raw()).unwrap_or_default();
        self.thread_name = std::thread::current().name().unwrap_or_default().to_owned();
        self.registered = collection().register(epoch);
    }

    /// Ends the open calls and gives the tree to the pass that counts on it.
    fn hand_over(&mut self) {
        if !std::mem::take(&mut self.registered) {
            return;
        }
        let recorder = std::mem::replace(&mut self.recorder, Recorder::new());
        let clock = &self.clock;
        let recording = recorder.finish(clock.raw(), |ticks| clock.delta_as_nanos(0, ticks));
        let thread = FinishedThread {
            thread_id: self.thread_id,
            thread_name: std::mem::take(&mut self.thread_name),
            recording,
        };
        collection().hand_over(self.epoch, thread);
        self.epoch = 0;
    }
}

impl Drop for ThreadSlot {
    fn drop(&mut self) {
        self.hand_over();
    }
}
