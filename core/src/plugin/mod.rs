//! Plugins: what a plugin declares ([`PluginInfo`]), checking a file before
//! loading it, loading it, and the host table it calls back into.
//!
//! Only the worker process loads plugin code (see [`crate::worker`]): the
//! parent learns about a plugin from the description the worker sends back.

mod build;
mod host;
mod inspect;
mod loader;

pub use build::{BuildError, resolve_plugin_path};
pub(crate) use host::set_probes_active;
pub use host::{ProbeSite, RunEvent, RunState, probe_sites};
pub use inspect::{InspectError, inspect_file};
pub use loader::{LoadError, LoadedPlugin};

use serde::{Deserialize, Serialize};

/// Everything a plugin declares, copied out of its descriptor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginInfo {
    pub name: String,
    pub description: String,
    pub workloads: Vec<WorkloadInfo>,
    pub checks: Vec<CheckInfo>,
}

/// One workload of a plugin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkloadInfo {
    pub name: String,
    pub description: String,
    /// The variants, default first; empty when the workload has one way only.
    pub variants: Vec<VariantInfo>,
    pub params: Vec<ParamInfo>,
}

/// A variant: one way of doing a workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantInfo {
    pub name: String,
    pub description: String,
}

/// One parameter with its default and allowed values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamInfo {
    pub name: String,
    pub description: String,
    pub kind: ParamKind,
}

/// The type of a parameter, its range and default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ParamKind {
    Int { default: i64, min: i64, max: i64 },
    Float { default: f64, min: f64, max: f64 },
    Choice { choices: Vec<String>, default: usize },
}

/// A self-check of a plugin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckInfo {
    pub name: String,
    pub description: String,
}

impl PluginInfo {
    /// The workload called `name`.
    pub fn workload(&self, name: &str) -> Option<(usize, &WorkloadInfo)> {
        self.workloads.iter().enumerate().find(|(_, w)| w.name == name)
    }
}

impl WorkloadInfo {
    /// The variant called `name`.
    pub fn variant(&self, name: &str) -> Option<usize> {
        self.variants.iter().position(|v| v.name == name)
    }
}

impl ParamKind {
    /// The default value, as the user would type it.
    pub fn default_text(&self) -> String {
        match self {
            ParamKind::Int { default, .. } => default.to_string(),
            ParamKind::Float { default, .. } => default.to_string(),
            ParamKind::Choice { choices, default } => choices.get(*default).cloned().unwrap_or_default(),
        }
    }

    /// The allowed values, as a short phrase: `1..=10000`, `one of a, b`.
    pub fn range_text(&self) -> String {
        match self {
            ParamKind::Int { min, max, .. } => format!("{min}..={max}"),
            ParamKind::Float { min, max, .. } => format!("{min}..={max}"),
            ParamKind::Choice { choices, .. } => choices.join("|"),
        }
    }
}
