//! Scope probes: exact call counting for the calls pass.

use crate::{ffi::pt_str, host};
use std::sync::atomic::{AtomicU32, Ordering};

/// One probed place in the source; made by [`probe!`](crate::probe).
#[derive(Debug)]
pub struct ProbeSite {
    id: AtomicU32,
    file: &'static str,
    line: u32,
}

impl ProbeSite {
    /// A site not yet registered with the host.
    pub const fn new(file: &'static str, line: u32) -> Self {
        Self { id: AtomicU32::new(0), file, line }
    }

    #[cold]
    #[inline(never)]
    fn register(&self, name: &'static str) -> u32 {
        let Some(host) = host::get() else { return 0 };
        // SAFETY: the strings are 'static; the host copies them.
        let id = unsafe { (host.probe_register)(pt_str::new(name), pt_str::new(self.file), self.line) };
        self.id.store(id, Ordering::Release);
        id
    }
}

/// Marks one call of a probed function; the call ends when it drops.
#[derive(Debug)]
#[must_use = "the call ends when the guard drops"]
pub struct ProbeGuard {
    site: u32,
}

impl ProbeGuard {
    /// Enters `site` if a call profiler is active. `name` is asked for once,
    /// when the site is first registered.
    #[inline(always)]
    pub fn enter(site: &'static ProbeSite, name: impl FnOnce() -> &'static str) -> Self {
        let flag = host::PROBES_ACTIVE.load(Ordering::Relaxed);
        // SAFETY: `PROBES_ACTIVE` always points at a live 'static flag.
        if unsafe { (*flag).load(Ordering::Relaxed) } == 0 {
            return Self { site: 0 };
        }
        Self::enter_active(site, name)
    }

    #[inline(never)]
    fn enter_active(site: &'static ProbeSite, name: impl FnOnce() -> &'static str) -> Self {
        let mut id = site.id.load(Ordering::Acquire);
        if id == 0 {
            id = site.register(name());
        }
        if let Some(host) = host::get()
            && id != 0
        {
            // SAFETY: `id` was returned by this host's `probe_register`.
            unsafe { (host.probe_enter)(id) };
        }
        Self { site: id }
    }
}

impl Drop for ProbeGuard {
    #[inline(always)]
    fn drop(&mut self) {
        if self.site != 0
            && let Some(host) = host::get()
        {
            // SAFETY: pairs with the `probe_enter` of the same site on this thread.
            unsafe { (host.probe_exit)(self.site) };
        }
    }
}

/// Turns the type name of the probe's marker function,
/// `krate::module::function::proftui_probe_here`, into the function's path.
pub fn function_name(marker_type_name: &'static str) -> &'static str {
    let mut name = marker_type_name.strip_suffix("::proftui_probe_here").unwrap_or(marker_type_name);
    while let Some(outer) = name.strip_suffix("::{{closure}}") {
        name = outer;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::function_name;

    #[test]
    fn function_name_strips_marker_and_closures() {
        assert_eq!(function_name("simul::naive::evolve::proftui_probe_here"), "simul::naive::evolve");
        assert_eq!(function_name("a::b::{{closure}}::{{closure}}::proftui_probe_here"), "a::b");
        assert_eq!(function_name("plain"), "plain");
    }

    #[test]
    fn marker_type_name_is_the_enclosing_function_path() {
        fn probed() -> &'static str {
            fn proftui_probe_here() {}
            function_name(std::any::type_name_of_val(&proftui_probe_here))
        }
        assert_eq!(
            probed(),
            "proftui_plugin::probe::tests::marker_type_name_is_the_enclosing_function_path::probed"
        );
    }
}
