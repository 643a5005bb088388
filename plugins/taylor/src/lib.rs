//! taylor: placeholder until the workloads land.

use proftui_plugin::Plugin;

fn plugin() -> Plugin {
    Plugin::new("taylor", "placeholder")
}

proftui_plugin::declare_plugin!(plugin);
