//! The view a running workload has of the host: progress, cancellation,
//! results, and its arguments.

use crate::describe::{Param, ParamKind};
use crate::ffi::{self, pt_str};

/// A run in progress: report progress and results through it.
pub struct Run {
    host: &'static ffi::pt_host,
    run: *mut ffi::pt_run,
}

// SAFETY: the ABI requires every host function to be callable from any
// thread during a run, and `run` is only ever passed back to the host.
unsafe impl Send for Run {}
// SAFETY: as for `Send`; `Run` has no interior state of its own.
unsafe impl Sync for Run {}

impl Run {
    pub(crate) fn new(host: &'static ffi::pt_host, run: *mut ffi::pt_run) -> Self {
        Self { host, run }
    }

    /// Reports progress, `0.0..=1.0`. Call it at most a few hundred times a second.
    pub fn progress(&self, fraction: f64) {
        // SAFETY: `run` is the handle the host gave this run.
        unsafe { (self.host.progress)(self.run, fraction) }
    }

    /// True once the user asked to stop: return an error soon.
    pub fn cancelled(&self) -> bool {
        // SAFETY: `run` is the handle the host gave this run.
        unsafe { (self.host.cancelled)(self.run) != 0 }
    }

    /// Reports a named number; `unit` may be empty.
    pub fn number(&self, name: &str, value: f64, unit: &str) {
        // SAFETY: the strings outlive the call; the host copies them.
        unsafe { (self.host.result_number)(self.run, pt_str::new(name), value, pt_str::new(unit)) }
    }

    /// Reports a named line of text.
    pub fn text(&self, name: &str, text: &str) {
        // SAFETY: the strings outlive the call; the host copies them.
        unsafe { (self.host.result_text)(self.run, pt_str::new(name), pt_str::new(text)) }
    }

    pub(crate) fn fail(&self, message: &str) {
        // SAFETY: the string outlives the call; the host copies it.
        unsafe { (self.host.fail)(self.run, pt_str::new(message)) }
    }
}

/// The arguments of one run: the variant and every parameter's value,
/// already checked against its range by the host.
pub struct Args<'a> {
    variant: &'static str,
    params: &'static [Param],
    values: &'a [ffi::pt_value],
}

impl<'a> Args<'a> {
    pub(crate) fn new(variant: &'static str, params: &'static [Param], values: &'a [ffi::pt_value]) -> Self {
        Self { variant, params, values }
    }

    /// The variant's name (empty when the workload has none).
    pub fn variant(&self) -> &'static str {
        self.variant
    }

    fn lookup(&self, name: &str) -> (&'static Param, ffi::pt_value) {
        let index = self
            .params
            .iter()
            .position(|p| p.name == name)
            .unwrap_or_else(|| panic!("workload has no parameter `{name}`"));
        (&self.params[index], self.values[index])
    }

    /// The value of integer parameter `name`.
    ///
    /// # Panics
    /// If the workload declares no integer parameter of that name.
    pub fn int(&self, name: &str) -> i64 {
        match self.lookup(name) {
            (Param { kind: ParamKind::Int { .. }, .. }, value) => value.int_value,
            _ => panic!("parameter `{name}` is not an integer"),
        }
    }

    /// The value of integer parameter `name` as a count; negative values become 0.
    ///
    /// # Panics
    /// If the workload declares no integer parameter of that name.
    pub fn count(&self, name: &str) -> usize {
        usize::try_from(self.int(name)).unwrap_or(0)
    }

    /// The value of float parameter `name`.
    ///
    /// # Panics
    /// If the workload declares no float parameter of that name.
    pub fn float(&self, name: &str) -> f64 {
        match self.lookup(name) {
            (Param { kind: ParamKind::Float { .. }, .. }, value) => value.float_value,
            _ => panic!("parameter `{name}` is not a float"),
        }
    }

    /// The chosen value of choice parameter `name`.
    ///
    /// # Panics
    /// If the workload declares no choice parameter of that name.
    pub fn choice(&self, name: &str) -> &'static str {
        match self.lookup(name) {
            (Param { kind: ParamKind::Choice { choices, .. }, .. }, value) => {
                usize::try_from(value.int_value)
                    .ok()
                    .and_then(|i| choices.get(i))
                    .copied()
                    .unwrap_or_else(|| panic!("choice index {} out of range for `{name}`", value.int_value))
            }
            _ => panic!("parameter `{name}` is not a choice"),
        }
    }
}
