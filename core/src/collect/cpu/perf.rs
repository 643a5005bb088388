//! The perf-events clock: one `task-clock` software event per thread, each
//! sending its own thread a `SIGTRAP` every period of that thread's CPU
//! time in user space.
//!
//! The kernel runs these events on high-resolution timers, so the rate
//! asked is the rate delivered (the `ITIMER_PROF` clock is checked once per
//! scheduler tick, 250 Hz here), and each thread is interrupted by its own
//! CPU time, not by whichever thread holds the CPU when a process-wide
//! timer expires: a thread kept waiting on a busy machine is sampled as
//! evenly as on an idle one.
//!
//! Threads alive at the start get an event each; `inherit` with
//! `inherit_thread` gives every thread they start later a copy, so a
//! workload's own threads are sampled without hooking thread creation.
//! `sigtrap` (Linux 5.13) delivers the signal to the thread the event
//! belongs to, with `si_code` `TRAP_PERF` and our `sig_data`, which is how
//! the handler tells its signals from any other `SIGTRAP`.
//!
//! `exclude_kernel` is required where `perf_event_paranoid` is 2 (the
//! default of most distributions): time inside system calls is not sampled,
//! and the report says how much of the pass's CPU time that was.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// `si_code` of a signal sent by a perf event with `sigtrap` set.
pub(super) const TRAP_PERF: libc::c_int = 6;

/// What our events put in `si_perf_data`: "proftui" in ASCII.
pub(super) const SIG_DATA: u64 = 0x0070_726f_6674_7569;

/// The first 128 bytes of the kernel's `struct perf_event_attr`
/// (`PERF_ATTR_SIZE_VER7`, Linux 5.13: the version that added `sig_data`).
/// Declared by hand: libc does not carry it, and these are the only fields
/// set.
#[repr(C)]
#[derive(Default)]
struct Attr {
    kind: u32,
    size: u32,
    config: u64,
    sample_period: u64,
    sample_type: u64,
    read_format: u64,
    flags: u64,
    wakeup_events: u32,
    bp_type: u32,
    config1: u64,
    config2: u64,
    branch_sample_type: u64,
    sample_regs_user: u64,
    sample_stack_user: u32,
    clockid: i32,
    sample_regs_intr: u64,
    aux_watermark: u32,
    sample_max_stack: u16,
    reserved_2: u16,
    aux_sample_size: u32,
    reserved_3: u32,
    sig_data: u64,
}

const _: () = assert!(std::mem::size_of::<Attr>() == 128);

const PERF_TYPE_SOFTWARE: u32 = 1;
const PERF_COUNT_SW_TASK_CLOCK: u64 = 1;
const PERF_FLAG_FD_CLOEXEC: libc::c_ulong = 8;
const PERF_EVENT_IOC_DISABLE: libc::c_ulong = 0x2401;

// Bits of `Attr::flags`, in the kernel's bitfield order.
const INHERIT: u64 = 1 << 1;
const EXCLUDE_KERNEL: u64 = 1 << 5;
const EXCLUDE_HV: u64 = 1 << 6;
const INHERIT_THREAD: u64 = 1 << 35;
const REMOVE_ON_EXEC: u64 = 1 << 36;
const SIGTRAP: u64 = 1 << 37;

/// The events of a running session, one per thread alive at the start.
pub(super) struct Events {
    fds: Vec<OwnedFd>,
}

impl Events {
    /// Opens an enabled event on every thread of the process, the calling
    /// one first; fails when the calling thread's cannot be opened (no
    /// perf events here, or not allowed). Threads that end while this runs
    /// are skipped. The `SIGTRAP` handler must be installed before.
    pub(super) fn open(frequency_hz: i32) -> io::Result<Self> {
        let period_ns = 1_000_000_000 / u64::try_from(frequency_hz.max(1)).unwrap_or(1);
        let attr = Attr {
            kind: PERF_TYPE_SOFTWARE,
            size: std::mem::size_of::<Attr>() as u32,
            config: PERF_COUNT_SW_TASK_CLOCK,
            sample_period: period_ns,
            flags: INHERIT | EXCLUDE_KERNEL | EXCLUDE_HV | INHERIT_THREAD | REMOVE_ON_EXEC | SIGTRAP,
            sig_data: SIG_DATA,
            ..Attr::default()
        };
        // SAFETY: gettid has no preconditions.
        let own = unsafe { libc::gettid() };
        let mut fds = vec![open_on(&attr, own)?];
        for tid in other_threads(own)? {
            match open_on(&attr, tid) {
                Ok(fd) => fds.push(fd),
                // The thread ended between the listing and the open.
                Err(error) if error.raw_os_error() == Some(libc::ESRCH) => {}
                Err(error) => {
                    disable(&fds);
                    return Err(error);
                }
            }
        }
        Ok(Self { fds })
    }

    /// Stops every event (and the copies threads inherited) from firing
    /// again, then closes them. A signal already on its way may still
    /// arrive: the handler ignores one that finds no session.
    pub(super) fn close(self) {
        disable(&self.fds);
        drop(self.fds);
    }
}

fn disable(fds: &[OwnedFd]) {
    for fd in fds {
        // SAFETY: a valid perf event descriptor; DISABLE takes no pointer
        // and applies to the event's inherited children too.
        unsafe { libc::ioctl(fd.as_raw_fd(), PERF_EVENT_IOC_DISABLE as _, 0) };
    }
}

fn open_on(attr: &Attr, tid: libc::pid_t) -> io::Result<OwnedFd> {
    // SAFETY: `attr` is a valid, fully initialised perf_event_attr of the
    // size it declares; the kernel only reads it.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_perf_event_open,
            attr as *const Attr,
            tid,
            -1 as libc::c_int,
            -1 as libc::c_int,
            PERF_FLAG_FD_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let fd = libc::c_int::try_from(fd)
        .map_err(|_| io::Error::other("perf_event_open returned a bad descriptor"))?;
    // SAFETY: the kernel just returned this descriptor, owned by no one else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The process' other threads, from `/proc/self/task`.
fn other_threads(own: libc::pid_t) -> io::Result<Vec<libc::pid_t>> {
    let mut tids = Vec::new();
    for entry in std::fs::read_dir("/proc/self/task")? {
        let Some(tid) = entry?.file_name().to_str().and_then(|name| name.parse::<libc::pid_t>().ok()) else {
            continue;
        };
        if tid != own {
            tids.push(tid);
        }
    }
    Ok(tids)
}

/// `si_perf_data` of a `TRAP_PERF` siginfo: the word after `si_addr` in the
/// fault layout (the kernel's `_sigfault._perf._data`), at byte 24 on the
/// 64-bit targets this builds for.
///
/// # Safety
/// `info` must point at a siginfo the kernel passed to an `SA_SIGINFO`
/// handler.
pub(super) unsafe fn perf_data(info: *const libc::siginfo_t) -> u64 {
    // SAFETY: a kernel siginfo is 128 bytes; byte 24 is within it and
    // 8-aligned (the struct is).
    unsafe { info.cast::<u8>().add(24).cast::<u64>().read() }
}
