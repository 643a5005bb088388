//! The exported side: turns a [`Plugin`] into the C descriptor once, and the
//! trampolines that call workloads and checks with panics caught.

use crate::describe::{Check, ParamKind, Plugin, Workload};
use crate::ffi::{self, pt_str};
use crate::host;
use crate::run::{Args, Run};
use std::any::Any;
use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

/// The descriptor, built on the first call of the entry function.
struct Descriptor(&'static ffi::pt_plugin);

// SAFETY: the descriptor and everything it points at is leaked, immutable
// after construction, and the closures it refers to are `Send + Sync`.
unsafe impl Send for Descriptor {}
// SAFETY: see `Send`.
unsafe impl Sync for Descriptor {}

static DESCRIPTOR: OnceLock<Descriptor> = OnceLock::new();

/// The body of the generated entry function.
///
/// # Safety
/// `host` must be null or point at a host table that outlives the process.
pub unsafe fn entry(host: *const ffi::pt_host, build: fn() -> Plugin) -> *const ffi::pt_plugin {
    // SAFETY: the caller guarantees `host` is null or valid.
    let Some(table) = (unsafe { host.as_ref() }) else {
        return std::ptr::null();
    };
    if table.abi_version != ffi::ABI_VERSION || (table.struct_size as usize) < size_of::<ffi::pt_host>() {
        return std::ptr::null();
    }
    // SAFETY: checked above; valid for the process' life by the caller.
    unsafe { host::install(host) };
    match catch_unwind(|| DESCRIPTOR.get_or_init(|| Descriptor(describe(build()))).0) {
        Ok(descriptor) => descriptor,
        Err(_) => std::ptr::null(),
    }
}

fn leak<T: 'static>(items: Vec<T>) -> (*const T, usize) {
    let items: &'static [T] = Vec::leak(items);
    (items.as_ptr(), items.len())
}

fn describe(plugin: Plugin) -> &'static ffi::pt_plugin {
    let plugin: &'static Plugin = Box::leak(Box::new(plugin));
    let (workloads, workload_count) = leak(plugin.workloads.iter().map(describe_workload).collect());
    let (checks, check_count) = leak(plugin.checks.iter().map(describe_check).collect());
    Box::leak(Box::new(ffi::pt_plugin {
        abi_version: ffi::ABI_VERSION,
        struct_size: size_of::<ffi::pt_plugin>() as u32,
        name: pt_str::new(plugin.name),
        description: pt_str::new(plugin.description),
        workloads,
        workload_count,
        checks,
        check_count,
    }))
}

fn describe_workload(workload: &'static Workload) -> ffi::pt_workload {
    let variants = workload
        .variants
        .iter()
        .map(|(name, description)| ffi::pt_variant {
            name: pt_str::new(name),
            description: pt_str::new(description),
        })
        .collect();
    let (variants, variant_count) = leak(variants);
    let params = workload
        .params
        .iter()
        .map(|param| {
            let mut c = ffi::pt_param {
                name: pt_str::new(param.name),
                description: pt_str::new(param.description),
                kind: ffi::PT_PARAM_INT,
                int_default: 0,
                int_min: 0,
                int_max: 0,
                float_default: 0.0,
                float_min: 0.0,
                float_max: 0.0,
                choices: std::ptr::null(),
                choice_count: 0,
                choice_default: 0,
            };
            match param.kind {
                ParamKind::Int { default, min, max } => {
                    (c.int_default, c.int_min, c.int_max) = (default, min, max);
                }
                ParamKind::Float { default, min, max } => {
                    c.kind = ffi::PT_PARAM_FLOAT;
                    (c.float_default, c.float_min, c.float_max) = (default, min, max);
                }
                ParamKind::Choice { choices, default } => {
                    c.kind = ffi::PT_PARAM_CHOICE;
                    (c.choices, c.choice_count) = leak(choices.iter().map(|s| pt_str::new(s)).collect());
                    c.choice_default = default;
                }
            }
            c
        })
        .collect();
    let (params, param_count) = leak(params);
    ffi::pt_workload {
        name: pt_str::new(workload.name),
        description: pt_str::new(workload.description),
        variants,
        variant_count,
        params,
        param_count,
        run: run_workload,
        user_data: workload as *const Workload as *mut c_void,
    }
}

fn describe_check(check: &'static Check) -> ffi::pt_check {
    ffi::pt_check {
        name: pt_str::new(check.name),
        description: pt_str::new(check.description),
        run: run_check,
        user_data: check as *const Check as *mut c_void,
    }
}

unsafe extern "C" fn run_workload(
    user_data: *mut c_void,
    run: *mut ffi::pt_run,
    variant: usize,
    values: *const ffi::pt_value,
    value_count: usize,
) -> i32 {
    // SAFETY: `user_data` is the leaked `Workload` set in `describe_workload`.
    let workload = unsafe { &*(user_data as *const Workload) };
    let Some(host) = host::get() else { return ffi::PT_FAILED };
    let run = Run::new(host, run);
    if value_count != workload.params.len() || (value_count > 0 && values.is_null()) {
        run.fail(&format!(
            "host passed {value_count} parameter values, workload `{}` has {}",
            workload.name,
            workload.params.len()
        ));
        return ffi::PT_FAILED;
    }
    // Borrowed, not copied: the trampoline allocates nothing of its own,
    // so the heap pass sees only the workload's allocations.
    let values: &[ffi::pt_value] = if value_count == 0 {
        &[]
    } else {
        // SAFETY: the host passes `value_count` values, checked non-null
        // above, valid for the duration of this call.
        unsafe { std::slice::from_raw_parts(values, value_count) }
    };
    let variant = workload.variants.get(variant).map_or("", |(name, _)| name);
    let args = Args::new(variant, &workload.params, values);
    guarded(&run, || (workload.run)(&run, &args))
}

unsafe extern "C" fn run_check(user_data: *mut c_void, run: *mut ffi::pt_run) -> i32 {
    // SAFETY: `user_data` is the leaked `Check` set in `describe_check`.
    let check = unsafe { &*(user_data as *const Check) };
    let Some(host) = host::get() else { return ffi::PT_FAILED };
    let run = Run::new(host, run);
    guarded(&run, || (check.run)(&run))
}

/// Runs `body`, turning an error or a panic into the run's failure message:
/// a panic must never unwind across `extern "C"`.
fn guarded(run: &Run, body: impl FnOnce() -> Result<(), String>) -> i32 {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => ffi::PT_OK,
        Ok(Err(message)) => {
            run.fail(&message);
            ffi::PT_FAILED
        }
        Err(payload) => {
            run.fail(&format!("panicked: {}", panic_message(payload.as_ref())));
            ffi::PT_FAILED
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "(a panic with a non-text payload)"
    }
}
