//! Loads a plugin into this process and reads its descriptor.
//!
//! One of the two rooms where proftui uses `unsafe`: calling into a foreign
//! library. The library is opened with `RTLD_NOW` (a missing symbol fails
//! here, not at some later call) and `RTLD_NODELETE`, and never closed:
//! unloading a Rust cdylib with thread-local destructors crashes at thread
//! exit. Only worker processes load plugins.

use super::host::{self, RunState};
use super::inspect::{InspectError, inspect_file};
use super::{CheckInfo, ParamInfo, ParamKind, PluginInfo, VariantInfo, WorkloadInfo};
use proftui_plugin::ffi;
use std::path::{Path, PathBuf};

/// Why a plugin could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Inspect(#[from] InspectError),
    #[error("{path}: the dynamic loader refused it: {message}")]
    Dlopen { path: PathBuf, message: String },
    #[error(
        "{path}: no `{symbol}` symbol, so it is not a proftui plugin; see the README on writing a plugin",
        symbol = ffi::ENTRY_SYMBOL
    )]
    NoEntry { path: PathBuf },
    #[error("{path}: the entry function returned no descriptor (the plugin refused host ABI version {host})", host = ffi::ABI_VERSION)]
    NullDescriptor { path: PathBuf },
    #[error(
        "{path}: built for plugin ABI version {found}, this proftui speaks version {expected}; rebuild the plugin against this proftui",
        expected = ffi::ABI_VERSION
    )]
    AbiVersion { path: PathBuf, found: u32 },
    #[error("{path}: its descriptor is {found} bytes, ABI version 1 needs {expected}; rebuild the plugin")]
    DescriptorSize { path: PathBuf, found: u32, expected: usize },
    #[error("{path}: invalid descriptor: {problem}")]
    Invalid { path: PathBuf, problem: String },
}

/// A loaded plugin: its library (never unloaded) and its description.
pub struct LoadedPlugin {
    descriptor: &'static ffi::pt_plugin,
    info: PluginInfo,
}

/// Why a workload or check did not finish.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct RunFailure(pub String);

impl LoadedPlugin {
    /// Checks the file, opens it, calls its entry function and validates
    /// the descriptor.
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        inspect_file(path)?;
        let owned = || path.to_path_buf();
        let flags = libc::RTLD_NOW | libc::RTLD_LOCAL | libc::RTLD_NODELETE;
        // dlopen searches the library path for a name without a slash; the
        // user named a file, so `plugin.so` must mean `./plugin.so`.
        let file = if path.as_os_str().as_encoded_bytes().contains(&b'/') {
            path.to_path_buf()
        } else {
            Path::new(".").join(path)
        };
        // SAFETY: loading a library runs its initialisers; that is what the
        // user asked for, and it happens in a worker process that may crash.
        let library = unsafe { libloading::os::unix::Library::open(Some(&file), flags) }
            .map_err(|e| LoadError::Dlopen { path: owned(), message: loader_message(&e) })?;
        // SAFETY: the symbol's type is fixed by the ABI this host checks next.
        let entry = unsafe { library.get::<ffi::pt_entry_fn>(ffi::ENTRY_SYMBOL.as_bytes()) }
            .map_err(|_| LoadError::NoEntry { path: owned() })?;
        // SAFETY: `entry` has the ABI's signature; the host table is 'static.
        let descriptor = unsafe { entry(host::table()) };
        // Never unload: see the module docs.
        std::mem::forget(library);
        // SAFETY: a non-null descriptor must stay valid for the process' life.
        let descriptor =
            unsafe { descriptor.as_ref() }.ok_or_else(|| LoadError::NullDescriptor { path: owned() })?;
        if descriptor.abi_version != ffi::ABI_VERSION {
            return Err(LoadError::AbiVersion { path: owned(), found: descriptor.abi_version });
        }
        let expected = size_of::<ffi::pt_plugin>();
        if (descriptor.struct_size as usize) < expected {
            return Err(LoadError::DescriptorSize { path: owned(), found: descriptor.struct_size, expected });
        }
        // SAFETY: version and size checked: the descriptor has the v1 layout.
        let info = unsafe { describe(descriptor) }
            .and_then(|info| validate(&info).map(|()| info))
            .map_err(|problem| LoadError::Invalid { path: owned(), problem })?;
        Ok(Self { descriptor, info })
    }

    /// What the plugin declares.
    pub fn info(&self) -> &PluginInfo {
        &self.info
    }

    /// Runs workload `workload` once with `values` (one per parameter,
    /// already checked), reporting through `state`.
    pub fn run(
        &self,
        workload: usize,
        variant: usize,
        values: &[ffi::pt_value],
        state: &RunState,
    ) -> Result<(), RunFailure> {
        assert!(workload < self.info.workloads.len(), "workload index checked by the caller");
        // SAFETY: `workload` indexes the validated workload array.
        let w = unsafe { &*self.descriptor.workloads.add(workload) };
        // SAFETY: the run function has the ABI's signature; `values` has one
        // entry per parameter, and `state` outlives the call.
        let status = unsafe { (w.run)(w.user_data, state.as_ptr(), variant, values.as_ptr(), values.len()) };
        state.outcome(status)
    }

    /// Runs self-check `check` once, reporting through `state`.
    pub fn check(&self, check: usize, state: &RunState) -> Result<(), RunFailure> {
        assert!(check < self.info.checks.len(), "check index checked by the caller");
        // SAFETY: `check` indexes the validated check array.
        let c = unsafe { &*self.descriptor.checks.add(check) };
        // SAFETY: the check function has the ABI's signature; `state` outlives the call.
        let status = unsafe { (c.run)(c.user_data, state.as_ptr()) };
        state.outcome(status)
    }
}

/// The loader's own words: libloading 0.9 prints only "dlopen failed" and
/// keeps the real message in its `source()` chain.
fn loader_message(error: &libloading::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message = cause.to_string();
        source = cause.source();
    }
    message
}

/// A slice from a descriptor's pointer and count.
///
/// # Safety
/// `ptr` must point at `count` valid items (or `count` be 0).
unsafe fn items<'a, T>(ptr: *const T, count: usize, what: &str) -> Result<&'a [T], String> {
    match (ptr.is_null(), count) {
        (_, 0) => Ok(&[]),
        (true, _) => Err(format!("{count} {what} declared but the pointer is null")),
        // SAFETY: the caller guarantees `count` valid items.
        (false, _) => Ok(unsafe { std::slice::from_raw_parts(ptr, count) }),
    }
}

/// Copies a v1 descriptor into owned values.
///
/// # Safety
/// `d` must be a valid v1 descriptor.
unsafe fn describe(d: &ffi::pt_plugin) -> Result<PluginInfo, String> {
    // SAFETY: (whole function) every pointer and count comes from the
    // descriptor, which the caller guarantees is a valid v1 descriptor.
    let text = |s: &ffi::pt_str| unsafe { s.to_string_lossy() };
    let mut workloads = Vec::new();
    // SAFETY: see above.
    for w in unsafe { items(d.workloads, d.workload_count, "workloads")? } {
        // SAFETY: see above.
        let variants = unsafe { items(w.variants, w.variant_count, "variants")? }
            .iter()
            .map(|v| VariantInfo { name: text(&v.name), description: text(&v.description) })
            .collect();
        let mut params = Vec::new();
        // SAFETY: see above.
        for p in unsafe { items(w.params, w.param_count, "parameters")? } {
            let kind = match p.kind {
                ffi::PT_PARAM_INT => {
                    ParamKind::Int { default: p.int_default, min: p.int_min, max: p.int_max }
                }
                ffi::PT_PARAM_FLOAT => {
                    ParamKind::Float { default: p.float_default, min: p.float_min, max: p.float_max }
                }
                ffi::PT_PARAM_CHOICE => ParamKind::Choice {
                    // SAFETY: see above.
                    choices: unsafe { items(p.choices, p.choice_count, "choices")? }
                        .iter()
                        .map(text)
                        .collect(),
                    default: p.choice_default,
                },
                other => return Err(format!("parameter `{}` has unknown kind {other}", text(&p.name))),
            };
            params.push(ParamInfo { name: text(&p.name), description: text(&p.description), kind });
        }
        workloads.push(WorkloadInfo {
            name: text(&w.name),
            description: text(&w.description),
            variants,
            params,
        });
    }
    // SAFETY: see above.
    let checks = unsafe { items(d.checks, d.check_count, "checks")? }
        .iter()
        .map(|c| CheckInfo { name: text(&c.name), description: text(&c.description) })
        .collect();
    Ok(PluginInfo { name: text(&d.name), description: text(&d.description), workloads, checks })
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn unique<'a>(names: impl Iterator<Item = &'a str>, what: &str) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for name in names {
        if !valid_name(name) {
            return Err(format!("{what} name `{name}` must be non-empty and use only a-z, 0-9 and _"));
        }
        if !seen.insert(name) {
            return Err(format!("{what} `{name}` is declared twice"));
        }
    }
    Ok(())
}

/// Checks what the host relies on: unique, well-formed names and defaults
/// that lie in their own ranges.
fn validate(info: &PluginInfo) -> Result<(), String> {
    unique(info.workloads.iter().map(|w| w.name.as_str()), "workload")?;
    unique(info.checks.iter().map(|c| c.name.as_str()), "check")?;
    for w in &info.workloads {
        unique(w.variants.iter().map(|v| v.name.as_str()), "variant")?;
        unique(w.params.iter().map(|p| p.name.as_str()), "parameter")?;
        for p in &w.params {
            let ok = match &p.kind {
                ParamKind::Int { default, min, max } => min <= default && default <= max,
                ParamKind::Float { default, min, max } => min <= default && default <= max,
                ParamKind::Choice { choices, default } => *default < choices.len(),
            };
            if !ok {
                return Err(format!(
                    "parameter `{}` of workload `{}`: default {} is outside {}",
                    p.name,
                    w.name,
                    p.kind.default_text(),
                    p.kind.range_text()
                ));
            }
        }
    }
    Ok(())
}
