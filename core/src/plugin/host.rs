//! The host table: the functions a plugin calls back into, and the state of
//! the run they report to.
//!
//! Part of the loader room: these are `extern "C"` functions called by
//! foreign code with raw pointers.

use super::loader::RunFailure;
use crate::collect::{calls, heap};
use proftui_plugin::ffi::{self, pt_str};
use std::alloc::Layout;
use std::ffi::c_void;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// What a running workload reports.
#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent {
    Progress(f64),
    Number { name: String, value: f64, unit: String },
    Text { name: String, text: String },
}

/// The host side of one run: where its events go, whether it was
/// cancelled, and why it failed. A plugin sees it as an opaque `pt_run`.
pub struct RunState {
    on_event: Box<dyn Fn(RunEvent) + Send + Sync>,
    cancelled: AtomicBool,
    failure: Mutex<Option<String>>,
}

impl RunState {
    /// A run whose events go to `on_event` (from any thread).
    pub fn new(on_event: impl Fn(RunEvent) + Send + Sync + 'static) -> Self {
        Self { on_event: Box::new(on_event), cancelled: AtomicBool::new(false), failure: Mutex::new(None) }
    }

    /// Asks the workload to stop at its next check.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub(crate) fn as_ptr(&self) -> *mut ffi::pt_run {
        self as *const Self as *mut ffi::pt_run
    }

    /// Turns a run function's status into a result, taking the failure
    /// message it reported.
    pub(crate) fn outcome(&self, status: i32) -> Result<(), RunFailure> {
        let message = self.failure.lock().map(|mut f| f.take()).unwrap_or_default();
        match (status, message) {
            (ffi::PT_OK, _) => Ok(()),
            (_, Some(message)) => Err(RunFailure(message)),
            (status, None) => Err(RunFailure(format!("failed with status {status} and gave no reason"))),
        }
    }
}

/// Wraps the table so it can be a `static`: its one raw pointer points at
/// an atomic that lives as long as the process.
struct Table(ffi::pt_host);

// SAFETY: the table is immutable; its pointer refers to a 'static atomic.
unsafe impl Sync for Table {}

/// Non-zero while the calls pass collects probe events.
pub(crate) static PROBES_ACTIVE: AtomicU32 = AtomicU32::new(0);

static TABLE: Table = Table(ffi::pt_host {
    abi_version: ffi::ABI_VERSION,
    struct_size: size_of::<ffi::pt_host>() as u32,
    alloc: host_alloc,
    alloc_zeroed: host_alloc_zeroed,
    dealloc: host_dealloc,
    realloc: host_realloc,
    probes_active: &PROBES_ACTIVE as *const AtomicU32 as *const u32,
    probe_register,
    probe_enter,
    probe_exit,
    progress,
    cancelled,
    result_number,
    result_text,
    fail,
});

/// The host table handed to every plugin's entry function.
pub(crate) fn table() -> *const ffi::pt_host {
    &TABLE.0
}

/// The layout of a plugin's block. Zero-sized requests become one byte:
/// `GlobalAlloc` forbids size 0 and C callers may ask for it.
fn layout(size: usize, align: usize) -> Option<Layout> {
    Layout::from_size_align(size.max(1), align).ok()
}

// Plugin allocations go through the heap collector's allocator: the system
// allocator, or dhat's while the heap pass runs. The collector also keeps the
// live-bytes counter of the memory timeline.

unsafe extern "C" fn host_alloc(size: usize, align: usize) -> *mut c_void {
    let Some(layout) = layout(size, align) else { return std::ptr::null_mut() };
    // SAFETY: the layout is valid and non-zero.
    let block = unsafe { heap::allocator().alloc(layout) };
    if !block.is_null() {
        heap::allocated(layout.size());
    }
    block.cast()
}

unsafe extern "C" fn host_alloc_zeroed(size: usize, align: usize) -> *mut c_void {
    let Some(layout) = layout(size, align) else { return std::ptr::null_mut() };
    // SAFETY: the layout is valid and non-zero.
    let block = unsafe { heap::allocator().alloc_zeroed(layout) };
    if !block.is_null() {
        heap::allocated(layout.size());
    }
    block.cast()
}

unsafe extern "C" fn host_dealloc(ptr: *mut c_void, size: usize, align: usize) {
    if let (false, Some(layout)) = (ptr.is_null(), layout(size, align)) {
        // SAFETY: by the ABI, `ptr` came from `host_alloc` with this layout.
        unsafe { heap::allocator().dealloc(ptr.cast(), layout) };
        heap::freed(layout.size());
    }
}

unsafe extern "C" fn host_realloc(
    ptr: *mut c_void,
    size: usize,
    align: usize,
    new_size: usize,
) -> *mut c_void {
    match layout(size, align) {
        Some(layout) if !ptr.is_null() => {
            let new_size = new_size.max(1);
            // SAFETY: by the ABI, `ptr` came from `host_alloc` with this layout.
            let block = unsafe { heap::allocator().realloc(ptr.cast(), layout, new_size) };
            if !block.is_null() {
                heap::freed(layout.size());
                heap::allocated(new_size);
            }
            block.cast()
        }
        // SAFETY: a null block grows like a fresh allocation (C's realloc).
        _ => unsafe { host_alloc(new_size, align) },
    }
}

/// A registered probe site: the function it counts and where it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProbeSite {
    pub function: String,
    pub file: String,
    pub line: u32,
}

/// Registered probe sites; a site's id is its index + 1.
static PROBE_SITES: Mutex<Vec<ProbeSite>> = Mutex::new(Vec::new());

/// Every probe site registered so far, in id order (id = index + 1).
pub fn probe_sites() -> Vec<ProbeSite> {
    PROBE_SITES.lock().map(|sites| sites.clone()).unwrap_or_default()
}

/// Switches the plugin's probes on or off (they read this flag).
pub(crate) fn set_probes_active(active: bool) {
    PROBES_ACTIVE.store(u32::from(active), Ordering::Release);
}

unsafe extern "C" fn probe_register(function: pt_str, file: pt_str, line: u32) -> u32 {
    // SAFETY: by the ABI, both strings point at readable bytes.
    let (function, file) = unsafe { (function.to_string_lossy(), file.to_string_lossy()) };
    let site = ProbeSite { function, file, line };
    let Ok(mut sites) = PROBE_SITES.lock() else { return 0 };
    let index = sites.iter().position(|s| *s == site).unwrap_or_else(|| {
        sites.push(site);
        sites.len() - 1
    });
    u32::try_from(index + 1).unwrap_or(0)
}

unsafe extern "C" fn probe_enter(site: u32) {
    calls::enter(site);
}

unsafe extern "C" fn probe_exit(site: u32) {
    calls::exit(site);
}

/// The run state behind a plugin's `pt_run` handle.
///
/// # Safety
/// `run` must be a handle made by [`RunState::as_ptr`] whose state is alive.
unsafe fn state<'a>(run: *mut ffi::pt_run) -> Option<&'a RunState> {
    // SAFETY: the caller guarantees the handle came from a live `RunState`.
    unsafe { (run as *const RunState).as_ref() }
}

unsafe extern "C" fn progress(run: *mut ffi::pt_run, fraction: f64) {
    // SAFETY: the plugin passes back the handle it was given.
    if let Some(state) = unsafe { state(run) } {
        (state.on_event)(RunEvent::Progress(fraction.clamp(0.0, 1.0)));
    }
}

unsafe extern "C" fn cancelled(run: *mut ffi::pt_run) -> i32 {
    // SAFETY: the plugin passes back the handle it was given.
    unsafe { state(run) }.is_some_and(|s| s.cancelled.load(Ordering::Relaxed)).into()
}

unsafe extern "C" fn result_number(run: *mut ffi::pt_run, name: pt_str, value: f64, unit: pt_str) {
    // SAFETY: the plugin passes back its handle and readable strings.
    if let Some(state) = unsafe { state(run) } {
        // SAFETY: as above.
        let (name, unit) = unsafe { (name.to_string_lossy(), unit.to_string_lossy()) };
        (state.on_event)(RunEvent::Number { name, value, unit });
    }
}

unsafe extern "C" fn result_text(run: *mut ffi::pt_run, name: pt_str, text: pt_str) {
    // SAFETY: the plugin passes back its handle and readable strings.
    if let Some(state) = unsafe { state(run) } {
        // SAFETY: as above.
        let (name, text) = unsafe { (name.to_string_lossy(), text.to_string_lossy()) };
        (state.on_event)(RunEvent::Text { name, text });
    }
}

unsafe extern "C" fn fail(run: *mut ffi::pt_run, message: pt_str) {
    // SAFETY: the plugin passes back its handle and a readable string.
    if let Some(state) = unsafe { state(run) } {
        // SAFETY: as above.
        let message = unsafe { message.to_string_lossy() };
        let one_line =
            message.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" | ");
        if let Ok(mut failure) = state.failure.lock() {
            *failure = Some(one_line);
        }
    }
}
