//! The host table the plugin was given, reachable from anywhere in the plugin.

use crate::ffi;
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering};

static HOST: AtomicPtr<ffi::pt_host> = AtomicPtr::new(std::ptr::null_mut());

/// What `probes_active` points at until a host table is installed.
static PROBES_NEVER_ACTIVE: AtomicU32 = AtomicU32::new(0);

/// The host's `probes_active` flag, or a flag that is always 0.
pub(crate) static PROBES_ACTIVE: AtomicPtr<AtomicU32> =
    AtomicPtr::new(&PROBES_NEVER_ACTIVE as *const AtomicU32 as *mut AtomicU32);

/// Installs the host table. Called once, by the entry function.
///
/// # Safety
/// `host` must point at a valid host table that outlives the process.
pub(crate) unsafe fn install(host: *const ffi::pt_host) {
    // SAFETY: the caller guarantees `host` is valid for the process' life.
    let flag = unsafe { (*host).probes_active };
    if !flag.is_null() {
        // `AtomicU32` has the size and alignment of `u32`; the host only ever
        // writes the flag atomically.
        PROBES_ACTIVE.store(flag as *mut AtomicU32, Ordering::Release);
    }
    HOST.store(host as *mut ffi::pt_host, Ordering::Release);
}

/// The host table, once the entry function has run.
#[inline]
pub(crate) fn get() -> Option<&'static ffi::pt_host> {
    let host = HOST.load(Ordering::Acquire);
    // SAFETY: only `install` stores a non-null pointer, and its caller
    // guarantees the table lives for the whole process.
    unsafe { host.as_ref() }
}
