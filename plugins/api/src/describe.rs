//! What a plugin declares: its workloads, their variants and parameters,
//! and its self-checks.

use crate::run::{Args, Run};

/// The body of a workload: runs it once with the given arguments.
pub type RunFn = dyn Fn(&Run, &Args) -> Result<(), String> + Send + Sync;
/// The body of a self-check: `Ok` means it passed.
pub type CheckFn = dyn Fn(&Run) -> Result<(), String> + Send + Sync;

/// A plugin: a name, a description, workloads and self-checks.
pub struct Plugin {
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) workloads: Vec<Workload>,
    pub(crate) checks: Vec<Check>,
}

impl Plugin {
    /// A plugin with no workloads yet.
    pub fn new(name: &'static str, description: &'static str) -> Self {
        Self { name, description, workloads: Vec::new(), checks: Vec::new() }
    }

    /// Adds a workload.
    pub fn workload(mut self, workload: Workload) -> Self {
        self.workloads.push(workload);
        self
    }

    /// Adds a self-check, run by `proftui check`.
    pub fn check(mut self, check: Check) -> Self {
        self.checks.push(check);
        self
    }
}

/// One workload: what it does, its variants and parameters, and its body.
pub struct Workload {
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) variants: Vec<(&'static str, &'static str)>,
    pub(crate) params: Vec<Param>,
    pub(crate) run: Box<RunFn>,
}

impl Workload {
    /// A workload named `name` (`[a-z0-9_]+`) whose body is `run`.
    pub fn new(
        name: &'static str,
        description: &'static str,
        run: impl Fn(&Run, &Args) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        Self { name, description, variants: Vec::new(), params: Vec::new(), run: Box::new(run) }
    }

    /// Adds a variant; the first one added is the default.
    pub fn variant(mut self, name: &'static str, description: &'static str) -> Self {
        self.variants.push((name, description));
        self
    }

    /// Adds a parameter.
    pub fn param(mut self, param: Param) -> Self {
        self.params.push(param);
        self
    }
}

/// A workload parameter with its default and allowed values.
#[derive(Debug, Clone)]
pub struct Param {
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) kind: ParamKind,
}

#[derive(Debug, Clone)]
pub(crate) enum ParamKind {
    Int { default: i64, min: i64, max: i64 },
    Float { default: f64, min: f64, max: f64 },
    Choice { choices: &'static [&'static str], default: usize },
}

impl Param {
    /// An integer in `min..=max`.
    pub fn int(name: &'static str, description: &'static str, default: i64, min: i64, max: i64) -> Self {
        Self { name, description, kind: ParamKind::Int { default, min, max } }
    }

    /// A float in `min..=max`.
    pub fn float(name: &'static str, description: &'static str, default: f64, min: f64, max: f64) -> Self {
        Self { name, description, kind: ParamKind::Float { default, min, max } }
    }

    /// One of `choices`; `default` indexes them.
    pub fn choice(
        name: &'static str,
        description: &'static str,
        choices: &'static [&'static str],
        default: usize,
    ) -> Self {
        Self { name, description, kind: ParamKind::Choice { choices, default } }
    }
}

/// A self-check: validates reference values.
pub struct Check {
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) run: Box<CheckFn>,
}

impl Check {
    /// A check named `name`; `run` returns `Err(why)` when it fails.
    pub fn new(
        name: &'static str,
        description: &'static str,
        run: impl Fn(&Run) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        Self { name, description, run: Box::new(run) }
    }
}
