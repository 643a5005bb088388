//! faults: placeholder until the fault workloads land.

use proftui_plugin::Plugin;

fn plugin() -> Plugin {
    Plugin::new("faults", "placeholder")
}

proftui_plugin::declare_plugin!(plugin);
