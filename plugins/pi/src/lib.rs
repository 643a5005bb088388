//! pi: placeholder until the workloads land.

use proftui_plugin::Plugin;

fn plugin() -> Plugin {
    Plugin::new("pi", "placeholder")
}

proftui_plugin::declare_plugin!(plugin);
