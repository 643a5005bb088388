//! The Rust SDK for proftui plugins.
//!
//! A plugin is a `cdylib` crate that describes its workloads with
//! [`Plugin`], [`Workload`], [`Param`] and [`Check`], and exports them with
//! [`declare_plugin!`]:
//!
//! ```
//! use proftui_plugin::{Args, Check, Param, Plugin, Run, Workload};
//!
//! fn plugin() -> Plugin {
//!     Plugin::new("demo", "a demonstration plugin")
//!         .workload(
//!             Workload::new("sum", "sums the integers below n", sum)
//!                 .param(Param::int("n", "how many integers", 1000, 1, 1_000_000_000)),
//!         )
//!         .check(Check::new("sum_100", "the integers below 100 sum to 4950", |_run| {
//!             if sum_below(100) == 4950 { Ok(()) } else { Err("wrong sum".into()) }
//!         }))
//! }
//!
//! #[inline(never)]
//! fn sum_below(n: u64) -> u64 {
//!     proftui_plugin::probe!();
//!     (0..n).sum()
//! }
//!
//! fn sum(run: &Run, args: &Args) -> Result<(), String> {
//!     let total = sum_below(args.int("n") as u64);
//!     run.number("sum", total as f64, "");
//!     Ok(())
//! }
//!
//! proftui_plugin::declare_plugin!(plugin);
//! # fn main() {}
//! ```
//!
//! [`declare_plugin!`] also installs [`ForwardingAllocator`] as the plugin's
//! global allocator, so proftui's heap pass sees every allocation the plugin
//! makes, and it catches panics at every exported function: a panic becomes
//! the run's error message instead of aborting the process.
//!
//! The C ABI itself is in [`ffi`] and in `include/proftui_plugin.h`.

pub mod ffi;

mod alloc;
mod describe;
mod entry;
mod host;
mod probe;
mod run;

pub use alloc::ForwardingAllocator;
pub use describe::{Check, Param, Plugin, Workload};
pub use probe::{ProbeGuard, ProbeSite};
pub use run::{Args, Run};

#[doc(hidden)]
pub use entry::entry as __entry;
#[doc(hidden)]
pub use probe::function_name as __function_name;

/// Exports a plugin: `declare_plugin!(build)` where `build` is a
/// `fn() -> Plugin`.
///
/// Generates the `proftui_plugin_entry` symbol and installs
/// [`ForwardingAllocator`] as the `#[global_allocator]`. Use it once, in the
/// crate root of a `cdylib`.
#[macro_export]
macro_rules! declare_plugin {
    ($build:path) => {
        #[global_allocator]
        static PROFTUI_FORWARDING_ALLOCATOR: $crate::ForwardingAllocator = $crate::ForwardingAllocator;

        /// The plugin's entry point; see the proftui plugin ABI.
        ///
        /// # Safety
        /// `host` must be null or point at a host table that outlives the process.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn proftui_plugin_entry(
            host: *const $crate::ffi::pt_host,
        ) -> *const $crate::ffi::pt_plugin {
            // SAFETY: the host passes a valid table or null, as the ABI requires.
            unsafe { $crate::__entry(host, $build) }
        }
    };
}

/// Counts calls of the enclosing function in proftui's calls pass.
///
/// Put `probe!();` as the first statement of a function. The probe is named
/// after the function's full path (`my_plugin::module::function`), the same
/// name the CPU profiler finds in the debug info, so both passes meet in one
/// function table. `probe!("name")` names it explicitly.
///
/// While no call profiler runs, a probe costs a load and a branch.
#[macro_export]
macro_rules! probe {
    () => {
        let _proftui_probe_guard = {
            fn proftui_probe_here() {}
            static SITE: $crate::ProbeSite = $crate::ProbeSite::new(file!(), line!());
            $crate::ProbeGuard::enter(&SITE, || {
                $crate::__function_name(::std::any::type_name_of_val(&proftui_probe_here))
            })
        };
    };
    ($name:expr) => {
        let _proftui_probe_guard = {
            static SITE: $crate::ProbeSite = $crate::ProbeSite::new(file!(), line!());
            $crate::ProbeGuard::enter(&SITE, || $name)
        };
    };
}
