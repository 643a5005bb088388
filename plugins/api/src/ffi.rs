//! The `#[repr(C)]` mirror of `include/proftui_plugin.h`, ABI version 1.
//!
//! These types are the contract between proftui and every plugin, whatever
//! language it is written in. Field order and types must match the header
//! exactly; the workspace tests compare every size with what a C compiler
//! gives the header's structs.

#![allow(non_camel_case_types)]

use std::ffi::c_void;

/// The ABI version this crate speaks. A host refuses a plugin whose
/// descriptor reports anything else.
pub const ABI_VERSION: u32 = 1;

/// The name of the one symbol a plugin exports.
pub const ENTRY_SYMBOL: &str = "proftui_plugin_entry";

/// Status returned by run and check functions: finished.
pub const PT_OK: i32 = 0;
/// Status returned by run and check functions: failed, reason given to `fail`.
pub const PT_FAILED: i32 = 1;

/// A UTF-8 string slice crossing the boundary as pointer + length.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct pt_str {
    /// Start of the bytes; may be null only when `len` is 0.
    pub ptr: *const u8,
    /// Length in bytes.
    pub len: usize,
}

impl pt_str {
    /// Borrows a Rust string; the result is valid as long as `s` is.
    pub const fn new(s: &str) -> Self {
        Self { ptr: s.as_ptr(), len: s.len() }
    }

    /// Copies the bytes into an owned string, replacing invalid UTF-8.
    ///
    /// # Safety
    /// `ptr` must point at `len` readable bytes (or be null with `len` 0).
    pub unsafe fn to_string_lossy(&self) -> String {
        if self.ptr.is_null() || self.len == 0 {
            return String::new();
        }
        // SAFETY: the caller guarantees `ptr` points at `len` readable bytes.
        let bytes = unsafe { std::slice::from_raw_parts(self.ptr, self.len) };
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// Opaque handle of one run in progress (the host's run state).
#[repr(C)]
#[derive(Debug)]
pub struct pt_run {
    _opaque: [u8; 0],
}

/// The host table: what proftui gives a plugin.
#[repr(C)]
#[derive(Debug)]
pub struct pt_host {
    /// The host's ABI version.
    pub abi_version: u32,
    /// `size_of::<pt_host>()` as the host compiled it.
    pub struct_size: u32,
    /// Allocate `size` bytes aligned to `align`; null when out of memory.
    pub alloc: unsafe extern "C" fn(size: usize, align: usize) -> *mut c_void,
    /// As `alloc`, zero-filled.
    pub alloc_zeroed: unsafe extern "C" fn(size: usize, align: usize) -> *mut c_void,
    /// Free a block from `alloc`, with the size and align it was made with.
    pub dealloc: unsafe extern "C" fn(ptr: *mut c_void, size: usize, align: usize),
    /// Grow or shrink a block; null when out of memory (the old block stays).
    pub realloc:
        unsafe extern "C" fn(ptr: *mut c_void, size: usize, align: usize, new_size: usize) -> *mut c_void,
    /// Non-zero while a call profiler runs; read with a relaxed atomic load.
    pub probes_active: *const u32,
    /// Register a probe site once; returns its id, or 0 when the host cannot
    /// take another site (a probe with id 0 calls neither enter nor exit).
    pub probe_register: unsafe extern "C" fn(function: pt_str, file: pt_str, line: u32) -> u32,
    /// A probed function was entered on this thread.
    pub probe_enter: unsafe extern "C" fn(site: u32),
    /// The innermost probed function on this thread returned.
    pub probe_exit: unsafe extern "C" fn(site: u32),
    /// Progress of the run, 0.0 to 1.0.
    pub progress: unsafe extern "C" fn(run: *mut pt_run, fraction: f64),
    /// Non-zero once the user asked to stop.
    pub cancelled: unsafe extern "C" fn(run: *mut pt_run) -> i32,
    /// A named numeric result with an optional unit.
    pub result_number: unsafe extern "C" fn(run: *mut pt_run, name: pt_str, value: f64, unit: pt_str),
    /// A named text result.
    pub result_text: unsafe extern "C" fn(run: *mut pt_run, name: pt_str, text: pt_str),
    /// Why the run failed, one line.
    pub fail: unsafe extern "C" fn(run: *mut pt_run, message: pt_str),
}

/// `pt_param.kind`: an integer in `int_min..=int_max`.
pub const PT_PARAM_INT: u32 = 0;
/// `pt_param.kind`: a float in `float_min..=float_max`.
pub const PT_PARAM_FLOAT: u32 = 1;
/// `pt_param.kind`: one of `choices`.
pub const PT_PARAM_CHOICE: u32 = 2;

/// One parameter of a workload.
#[repr(C)]
#[derive(Debug)]
pub struct pt_param {
    /// `[a-z0-9_]+`, unique within the workload.
    pub name: pt_str,
    /// One line for `proftui list`.
    pub description: pt_str,
    /// One of the `PT_PARAM_*` kinds.
    pub kind: u32,
    /// Default of an integer parameter.
    pub int_default: i64,
    /// Smallest allowed integer.
    pub int_min: i64,
    /// Largest allowed integer.
    pub int_max: i64,
    /// Default of a float parameter.
    pub float_default: f64,
    /// Smallest allowed float.
    pub float_min: f64,
    /// Largest allowed float.
    pub float_max: f64,
    /// The choices of a choice parameter.
    pub choices: *const pt_str,
    /// Number of `choices`.
    pub choice_count: usize,
    /// Index of the default choice.
    pub choice_default: usize,
}

/// One parameter value, in the order of the workload's parameters.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct pt_value {
    /// Integer value; the index of the choice for choice parameters.
    pub int_value: i64,
    /// Float value.
    pub float_value: f64,
}

/// A variant: one way of doing a workload.
#[repr(C)]
#[derive(Debug)]
pub struct pt_variant {
    /// `[a-z0-9_]+`, unique within the workload.
    pub name: pt_str,
    /// One line for `proftui list`.
    pub description: pt_str,
}

/// Runs a workload once.
pub type pt_run_fn = unsafe extern "C" fn(
    user_data: *mut c_void,
    run: *mut pt_run,
    variant: usize,
    values: *const pt_value,
    value_count: usize,
) -> i32;

/// One workload of a plugin.
#[repr(C)]
#[derive(Debug)]
pub struct pt_workload {
    /// `[a-z0-9_]+`, unique within the plugin.
    pub name: pt_str,
    /// One line for `proftui list`.
    pub description: pt_str,
    /// The variants; may be null when `variant_count` is 0.
    pub variants: *const pt_variant,
    /// Number of `variants`.
    pub variant_count: usize,
    /// The parameters.
    pub params: *const pt_param,
    /// Number of `params`.
    pub param_count: usize,
    /// The run function.
    pub run: pt_run_fn,
    /// Handed back to `run`.
    pub user_data: *mut c_void,
}

/// Runs a self-check; `PT_OK` means it passed.
pub type pt_check_fn = unsafe extern "C" fn(user_data: *mut c_void, run: *mut pt_run) -> i32;

/// A self-check of a plugin.
#[repr(C)]
#[derive(Debug)]
pub struct pt_check {
    /// Short name.
    pub name: pt_str,
    /// What it validates, one line.
    pub description: pt_str,
    /// The check function.
    pub run: pt_check_fn,
    /// Handed back to `run`.
    pub user_data: *mut c_void,
}

/// The plugin descriptor the entry function returns.
#[repr(C)]
#[derive(Debug)]
pub struct pt_plugin {
    /// Must be [`ABI_VERSION`]; must come first.
    pub abi_version: u32,
    /// `size_of::<pt_plugin>()`; must come second.
    pub struct_size: u32,
    /// The plugin's name.
    pub name: pt_str,
    /// One line for `proftui list`.
    pub description: pt_str,
    /// The workloads.
    pub workloads: *const pt_workload,
    /// Number of `workloads`.
    pub workload_count: usize,
    /// The self-checks.
    pub checks: *const pt_check,
    /// Number of `checks`.
    pub check_count: usize,
}

/// The entry function every plugin exports as [`ENTRY_SYMBOL`].
pub type pt_entry_fn = unsafe extern "C" fn(host: *const pt_host) -> *const pt_plugin;
