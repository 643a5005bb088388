//! The signal side of the sampler: the clock that interrupts (per-thread
//! perf events sending `SIGTRAP`, or the process' profiling timer sending
//! `SIGPROF`), the signal handler, and the preallocated buffer the handler
//! writes into.
//!
//! Everything the handler touches is allocated before the timer is armed
//! and reached through one process-wide pointer; the handler takes no lock,
//! allocates nothing and calls only the unwinder, `clock_gettime`, `gettid`
//! and `prctl(PR_GET_NAME)`. Symbolising the addresses is left to
//! [`super::symbolise`], after the timer is stopped.

use super::perf;
use super::{ClockChoice, CpuError, SampleClock};
use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Signal};
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};

/// Frames kept per sample, counted from the interrupted one: deep enough
/// that a 500-deep recursion keeps its root.
const MAX_DEPTH: usize = 1024;

/// `TASK_COMM_LEN`: what `PR_GET_NAME` writes, NUL included.
const NAME_LEN: usize = 16;

/// One recorded sample; written by one handler run, read after the stop.
#[derive(Default)]
struct Slot {
    /// Index of the interrupted frame's address in [`Buffer::ips`].
    ips_start: AtomicUsize,
    depth: AtomicUsize,
    truncated: AtomicBool,
    thread_id: AtomicU64,
    monotonic_ns: AtomicU64,
    name: [AtomicU64; NAME_LEN / 8],
}

/// What the handler writes into: sample slots and one arena of return
/// addresses, both claimed with a `fetch_add` and never reused.
struct Buffer {
    slots: Box<[Slot]>,
    next_slot: AtomicUsize,
    ips: Box<[AtomicUsize]>,
    next_ip: AtomicUsize,
    delivered: AtomicU64,
    dropped: AtomicU64,
}

/// The buffer of the running session, null when none runs.
static BUFFER: AtomicPtr<Buffer> = AtomicPtr::new(ptr::null_mut());
/// Handler runs in progress on any thread: the stop waits for zero before
/// it frees the buffer.
static IN_HANDLER: AtomicUsize = AtomicUsize::new(0);
/// Set while a session exists: one per process.
static CLAIMED: AtomicBool = AtomicBool::new(false);

/// A running clock and handler. Dropping it stops both.
pub(super) struct Session {
    clock: SampleClock,
    /// The perf clock's events; `None` for the profiling timer.
    events: Option<perf::Events>,
    /// The action found at the start for the clock's signal.
    previous_action: SigAction,
    started: Clocks,
    stopped: bool,
}

/// A sample as the handler saw it: addresses, interrupted frame first.
pub(super) struct RawSample {
    pub(super) thread_id: u64,
    pub(super) thread_name: String,
    pub(super) monotonic_ns: u64,
    pub(super) truncated: bool,
    pub(super) ips: Vec<usize>,
}

/// What a stopped session hands back.
pub(super) struct Recorded {
    pub(super) samples: Vec<RawSample>,
    /// Signals that reached the handler, recorded or not.
    pub(super) delivered: u64,
    /// Signals whose sample did not fit in the buffer.
    pub(super) dropped: u64,
    pub(super) start_monotonic_ns: u64,
    pub(super) wall_ns: u64,
    /// Process CPU time, all threads, user and kernel.
    pub(super) cpu_ns: u64,
    /// Of which in user space and in the kernel (the kernel's split).
    pub(super) user_ns: u64,
    pub(super) system_ns: u64,
}

impl Session {
    /// Allocates the buffer, installs the handler and starts the clock
    /// `choice` allows: perf events where they open, else `ITIMER_PROF`.
    pub(super) fn start(
        frequency_hz: i32,
        capacity: usize,
        frame_capacity: usize,
        choice: ClockChoice,
    ) -> Result<Self, CpuError> {
        if !SUPPORTED {
            return Err(CpuError::Unsupported);
        }
        if CLAIMED.compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst).is_err() {
            return Err(CpuError::AlreadyRunning);
        }
        let started = Self::start_claimed(frequency_hz, capacity, frame_capacity, choice);
        if started.is_err() {
            release_buffer();
            CLAIMED.store(false, Ordering::SeqCst);
        }
        started
    }

    fn start_claimed(
        frequency_hz: i32,
        capacity: usize,
        frame_capacity: usize,
        choice: ClockChoice,
    ) -> Result<Self, CpuError> {
        if choice == ClockChoice::Timer && timer_armed()? {
            return Err(CpuError::TimerBusy);
        }
        // The unwinder initialises itself on its first walk; let that
        // happen here rather than in the handler. Walking does not
        // symbolise, so the symboliser's library list stays unread.
        backtrace::trace(|_| true);
        let buffer = Box::new(Buffer {
            slots: (0..capacity).map(|_| Slot::default()).collect(),
            next_slot: AtomicUsize::new(0),
            ips: zeroed_atomics(frame_capacity),
            next_ip: AtomicUsize::new(0),
            delivered: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        });
        BUFFER.store(Box::into_raw(buffer), Ordering::SeqCst);
        if choice != ClockChoice::Timer {
            let previous_action = install(Signal::SIGTRAP)?;
            let started = Clocks::now();
            match perf::Events::open(frequency_hz) {
                Ok(events) => {
                    return Ok(Self {
                        clock: SampleClock::PerfTaskClock,
                        events: Some(events),
                        previous_action,
                        started,
                        stopped: false,
                    });
                }
                Err(error) => {
                    restore_action(Signal::SIGTRAP, &previous_action);
                    if choice == ClockChoice::Perf {
                        return Err(CpuError::Perf(error));
                    }
                }
            }
            if timer_armed()? {
                return Err(CpuError::TimerBusy);
            }
        }
        let previous_action = install(Signal::SIGPROF)?;
        let started = Clocks::now();
        if let Err(error) = set_timer(frequency_hz) {
            restore_action(Signal::SIGPROF, &previous_action);
            return Err(error);
        }
        Ok(Self { clock: SampleClock::ItimerProf, events: None, previous_action, started, stopped: false })
    }

    /// The clock this session samples with.
    pub(super) fn clock(&self) -> SampleClock {
        self.clock
    }

    /// Samples stored so far (what `stop` will return, before symbolising).
    pub(super) fn samples_recorded(&self) -> u64 {
        if self.stopped {
            return 0;
        }
        let buffer = BUFFER.load(Ordering::Acquire);
        // SAFETY: only `stop` frees the buffer, and it needs `&mut self`;
        // while this `&self` borrow lives the buffer stays allocated.
        unsafe { buffer.as_ref() }
            .map_or(0, |b| b.next_slot.load(Ordering::Relaxed).min(b.slots.len()) as u64)
    }

    /// Stops the clock, waits for handler runs still in progress, takes
    /// the buffer back and restores the signal's previous action (the perf
    /// clock's `SIGTRAP` handler stays when there was none: see
    /// [`on_signal`]).
    pub(super) fn stop(&mut self) -> Option<Recorded> {
        if self.stopped {
            return None;
        }
        self.stopped = true;
        match self.events.take() {
            Some(events) => events.close(),
            // Cannot fail: a zero ITIMER_PROF value is always valid.
            None => {
                let _ = set_timer(0);
            }
        }
        let stopped = Clocks::now();
        let buffer = release_buffer();
        match self.clock {
            SampleClock::ItimerProf => restore_action(Signal::SIGPROF, &self.previous_action),
            // A signal the events sent just before they closed may still be
            // on its way; the default action would kill the process with it.
            SampleClock::PerfTaskClock if self.previous_action.handler() == SigHandler::SigDfl => {}
            SampleClock::PerfTaskClock => restore_action(Signal::SIGTRAP, &self.previous_action),
        }
        CLAIMED.store(false, Ordering::SeqCst);
        let buffer = buffer?;
        let recorded_slots = buffer.next_slot.load(Ordering::SeqCst).min(buffer.slots.len());
        let samples = buffer.slots[..recorded_slots].iter().map(|slot| buffer.read(slot)).collect();
        Some(Recorded {
            samples,
            delivered: buffer.delivered.load(Ordering::SeqCst),
            dropped: buffer.dropped.load(Ordering::SeqCst),
            start_monotonic_ns: self.started.monotonic_ns,
            wall_ns: stopped.monotonic_ns.saturating_sub(self.started.monotonic_ns),
            cpu_ns: stopped.process_cpu_ns.saturating_sub(self.started.process_cpu_ns),
            user_ns: stopped.user_ns.saturating_sub(self.started.user_ns),
            system_ns: stopped.system_ns.saturating_sub(self.started.system_ns),
        })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // A sampler dropped without `stop`: take the buffer back and throw
        // it away.
        self.stop();
    }
}

impl Buffer {
    fn read(&self, slot: &Slot) -> RawSample {
        let start = slot.ips_start.load(Ordering::Relaxed);
        let depth = slot.depth.load(Ordering::Relaxed);
        let ips = self.ips.get(start..start + depth).unwrap_or_default();
        let mut name = [0u8; NAME_LEN];
        for (bytes, word) in name.chunks_exact_mut(8).zip(&slot.name) {
            bytes.copy_from_slice(&word.load(Ordering::Relaxed).to_ne_bytes());
        }
        let name_len = name.iter().position(|&b| b == 0).unwrap_or(NAME_LEN);
        RawSample {
            thread_id: slot.thread_id.load(Ordering::Relaxed),
            thread_name: String::from_utf8_lossy(&name[..name_len]).into_owned(),
            monotonic_ns: slot.monotonic_ns.load(Ordering::Relaxed),
            truncated: slot.truncated.load(Ordering::Relaxed),
            ips: ips.iter().map(|ip| ip.load(Ordering::Relaxed)).collect(),
        }
    }
}

/// Swaps the buffer out of reach of the handler and waits until no
/// handler run still holds it.
fn release_buffer() -> Option<Box<Buffer>> {
    let buffer = BUFFER.swap(ptr::null_mut(), Ordering::SeqCst);
    // A handler increments IN_HANDLER before it loads BUFFER (both SeqCst):
    // one that saw the old pointer is counted here, one that starts later
    // sees null.
    while IN_HANDLER.load(Ordering::SeqCst) != 0 {
        std::thread::yield_now();
    }
    // SAFETY: the pointer came from `Box::into_raw` in `start_claimed`, was
    // swapped out exactly once, and no handler run can still be using it.
    (!buffer.is_null()).then(|| unsafe { Box::from_raw(buffer) })
}

/// Installs [`on_signal`] for `signal`, returning the action it replaces.
fn install(signal: Signal) -> Result<SigAction, CpuError> {
    // Both clocks' signals are blocked while the handler runs, so it never
    // interrupts itself.
    let mut mask = SigSet::empty();
    mask.add(Signal::SIGPROF);
    mask.add(Signal::SIGTRAP);
    let action = SigAction::new(
        SigHandler::SigAction(on_signal),
        // SA_RESTART: a read or write the signal interrupts resumes
        // instead of failing with EINTR in the profiled code.
        SaFlags::SA_SIGINFO | SaFlags::SA_RESTART,
        mask,
    );
    // SAFETY: the handler is async-signal-safe as far as this module can
    // make it (see the module docs) and never unwinds out of itself.
    unsafe { signal::sigaction(signal, &action) }.map_err(CpuError::Handler)
}

/// Puts back the action found at the start. Ignoring the signal first
/// discards one still pending (POSIX): restoring the default action with
/// one pending would kill the process.
fn restore_action(signal: Signal, previous: &SigAction) {
    // SAFETY: SIG_IGN and the action that was installed before the start
    // are both valid actions for the signal. Errors are impossible for a
    // valid signal number, and there would be nothing better to do about one.
    unsafe {
        let _ = signal::signal(signal, SigHandler::SigIgn);
        let _ = signal::sigaction(signal, previous);
    }
}

/// A vector of zeroed atomics whose pages the kernel commits only when a
/// sample first writes to them.
fn zeroed_atomics(len: usize) -> Box<[AtomicUsize]> {
    let zeroed: Box<[usize]> = vec![0usize; len].into_boxed_slice();
    // SAFETY: `AtomicUsize` has the same size, alignment and bit validity
    // as `usize` (its documented guarantee), so the allocation is reused
    // as is, and its length is unchanged.
    unsafe { Box::from_raw(Box::into_raw(zeroed) as *mut [AtomicUsize]) }
}

/// Process-wide clocks read at the start and at the stop.
struct Clocks {
    monotonic_ns: u64,
    process_cpu_ns: u64,
    user_ns: u64,
    system_ns: u64,
}

impl Clocks {
    fn now() -> Self {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: `usage` is a valid rusage to write into; RUSAGE_SELF
        // cannot fail. A zeroed rusage is a valid one to read if it did.
        let usage = unsafe {
            libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
            usage.assume_init()
        };
        let ns = |time: libc::timeval| {
            u64::try_from(time.tv_sec).unwrap_or(0).saturating_mul(1_000_000_000)
                + u64::try_from(time.tv_usec).unwrap_or(0) * 1000
        };
        Self {
            monotonic_ns: clock_ns(libc::CLOCK_MONOTONIC),
            process_cpu_ns: clock_ns(libc::CLOCK_PROCESS_CPUTIME_ID),
            user_ns: ns(usage.ru_utime),
            system_ns: ns(usage.ru_stime),
        }
    }
}

/// Reads a clock in nanoseconds; async-signal-safe (POSIX lists
/// `clock_gettime`).
fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut time = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `time` is a valid timespec to write into; the clock ids used
    // here exist on every Linux this builds for, so it cannot fail.
    unsafe { libc::clock_gettime(clock, &mut time) };
    let seconds = u64::try_from(time.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(time.tv_nsec).unwrap_or(0);
    seconds.saturating_mul(1_000_000_000).saturating_add(nanos)
}

/// Whether someone else has `ITIMER_PROF` running in this process.
fn timer_armed() -> Result<bool, CpuError> {
    let mut current = zero_timer();
    // SAFETY: `current` is a valid itimerval to write into.
    if unsafe { libc::getitimer(libc::ITIMER_PROF, &mut current) } != 0 {
        return Err(CpuError::Timer(std::io::Error::last_os_error()));
    }
    Ok(current.it_value.tv_sec != 0 || current.it_value.tv_usec != 0)
}

fn zero_timer() -> libc::itimerval {
    let zero = libc::timeval { tv_sec: 0, tv_usec: 0 };
    libc::itimerval { it_interval: zero, it_value: zero }
}

/// Arms `ITIMER_PROF` at `frequency_hz` (checked to be 1 to 1 000 000 by
/// the caller), or disarms it for 0.
fn set_timer(frequency_hz: i32) -> Result<(), CpuError> {
    let mut timer = zero_timer();
    if frequency_hz > 0 {
        let interval_us = 1_000_000 / i64::from(frequency_hz);
        timer.it_interval =
            libc::timeval { tv_sec: interval_us / 1_000_000, tv_usec: interval_us % 1_000_000 };
        timer.it_value = timer.it_interval;
    }
    // SAFETY: `timer` is a valid itimerval; the old value is not wanted.
    if unsafe { libc::setitimer(libc::ITIMER_PROF, &timer, ptr::null_mut()) } != 0 {
        return Err(CpuError::Timer(std::io::Error::last_os_error()));
    }
    Ok(())
}

/// The handler of both clocks' signals. The kernel blocks them on this
/// thread while it runs (they are in the action's mask), so it never
/// re-enters itself; other threads may run it at the same time, which the
/// buffer allows.
///
/// A `SIGTRAP` that no perf event of ours sent (a breakpoint instruction,
/// say) gets the default action, as if this handler were not there: it
/// resets the action and raises the signal again, to be taken on return.
/// One of ours that finds no session (sent just before a stop) is dropped.
extern "C" fn on_signal(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    // SAFETY: errno is thread-local and always valid to read and write.
    let errno = unsafe { *libc::__errno_location() };
    if signal == libc::SIGTRAP {
        // SAFETY: with SA_SIGINFO the kernel passes a valid siginfo.
        let ours = unsafe { info.as_ref() }.is_some_and(|i| i.si_code == perf::TRAP_PERF)
            && unsafe { perf::perf_data(info) } == perf::SIG_DATA;
        if !ours {
            // SAFETY: signal and raise are async-signal-safe; SIG_DFL is a
            // valid action for SIGTRAP.
            unsafe {
                libc::signal(libc::SIGTRAP, libc::SIG_DFL);
                libc::raise(libc::SIGTRAP);
            }
            return;
        }
    }
    IN_HANDLER.fetch_add(1, Ordering::SeqCst);
    // SAFETY: a non-null BUFFER points at a live buffer until `release_buffer`
    // has swapped it out and seen IN_HANDLER, incremented above, at zero.
    if let Some(buffer) = unsafe { BUFFER.load(Ordering::SeqCst).as_ref() } {
        buffer.record(context);
    }
    IN_HANDLER.fetch_sub(1, Ordering::SeqCst);
    // SAFETY: as above; the profiled code must see the errno it had.
    unsafe { *libc::__errno_location() = errno };
}

impl Buffer {
    /// Records the interrupted thread's stack; runs inside the handler.
    fn record(&self, context: *mut c_void) {
        self.delivered.fetch_add(1, Ordering::Relaxed);
        let Some(pc) = interrupted_pc(context) else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let mut ips = [0usize; MAX_DEPTH];
        let mut depth = 0;
        let mut found = false;
        let mut truncated = false;
        // SAFETY: the unwinder is reentrant across threads (it takes no lock
        // with the glibc and libgcc of this platform: `_dl_find_object`), and
        // the closure neither allocates nor panics.
        unsafe {
            backtrace::trace_unsynchronized(|frame| {
                let ip = frame.ip() as usize;
                // A zero address marks the outermost frame of a thread.
                if ip == 0 {
                    return false;
                }
                // Frames before the interrupted one are this handler's and
                // the signal trampoline's. The interrupted frame's address is
                // the context's program counter, and its frame lies above the
                // context on the stack, which no handler frame does.
                if !found {
                    found = ip == pc && frame.sp() as usize > context as usize;
                    if !found {
                        return true;
                    }
                }
                match ips.get_mut(depth) {
                    Some(slot) => {
                        *slot = ip;
                        depth += 1;
                        true
                    }
                    None => {
                        truncated = true;
                        false
                    }
                }
            });
        }
        if !found {
            // An unwinder that cannot see past the trampoline: keep the
            // interrupted function at least.
            ips[0] = pc;
            depth = 1;
        }
        self.store(&ips[..depth], truncated);
    }

    fn store(&self, stack: &[usize], truncated: bool) {
        let ips_start = self.next_ip.fetch_add(stack.len(), Ordering::Relaxed);
        // Addresses first, then the slot: a claimed slot is always filled.
        let Some(ip_slots) = self.ips.get(ips_start..ips_start.saturating_add(stack.len())) else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let Some(slot) = self.slots.get(self.next_slot.fetch_add(1, Ordering::Relaxed)) else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        };
        for (target, &ip) in ip_slots.iter().zip(stack) {
            target.store(ip, Ordering::Relaxed);
        }
        slot.ips_start.store(ips_start, Ordering::Relaxed);
        slot.depth.store(stack.len(), Ordering::Relaxed);
        slot.truncated.store(truncated, Ordering::Relaxed);
        slot.thread_id.store(thread_id(), Ordering::Relaxed);
        slot.monotonic_ns.store(clock_ns(libc::CLOCK_MONOTONIC), Ordering::Relaxed);
        let name = thread_name();
        for (word, bytes) in slot.name.iter().zip(name.chunks_exact(8)) {
            let mut chunk = [0u8; 8];
            chunk.copy_from_slice(bytes);
            word.store(u64::from_ne_bytes(chunk), Ordering::Relaxed);
        }
    }
}

/// The calling thread's kernel id; async-signal-safe (a bare syscall).
fn thread_id() -> u64 {
    // SAFETY: gettid has no preconditions and cannot fail.
    let tid = unsafe { libc::gettid() };
    u64::try_from(tid).unwrap_or(0)
}

/// The calling thread's name as the kernel keeps it (15 bytes and a NUL);
/// async-signal-safe (a bare syscall).
fn thread_name() -> [u8; NAME_LEN] {
    let mut name = [0u8; NAME_LEN];
    // SAFETY: PR_GET_NAME writes at most TASK_COMM_LEN (16) bytes, NUL
    // included, into the buffer it is given, which has 16.
    unsafe { libc::prctl(libc::PR_GET_NAME, name.as_mut_ptr()) };
    name
}

/// Whether this target has a way to read the interrupted program counter.
const SUPPORTED: bool = cfg!(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")));

/// The program counter of the interrupted code, from the signal context.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
fn interrupted_pc(context: *mut c_void) -> Option<usize> {
    // SAFETY: with SA_SIGINFO the kernel passes a valid ucontext_t (or null).
    let context = unsafe { context.cast::<libc::ucontext_t>().as_ref() }?;
    let register = usize::try_from(libc::REG_RIP).ok()?;
    context.uc_mcontext.gregs.get(register).and_then(|&pc| usize::try_from(pc).ok())
}

/// The program counter of the interrupted code, from the signal context.
#[cfg(all(target_os = "linux", target_arch = "aarch64"))]
fn interrupted_pc(context: *mut c_void) -> Option<usize> {
    // SAFETY: with SA_SIGINFO the kernel passes a valid ucontext_t (or null).
    let context = unsafe { context.cast::<libc::ucontext_t>().as_ref() }?;
    usize::try_from(context.uc_mcontext.pc).ok()
}

#[cfg(not(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64"))))]
fn interrupted_pc(_context: *mut c_void) -> Option<usize> {
    None
}
