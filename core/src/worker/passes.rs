//! The worker side of `proftui record`: one pass, one collector.
//!
//! The plugin is already loaded when a pass starts: the symboliser behind
//! every collector freezes its list of loaded libraries at its first use.

use super::child::{Channel, run_once, values};
use super::protocol::{Event, PassRequest};
use crate::collect::{calls, cpu, heap};
use crate::params::Invocation;
use crate::plugin::LoadedPlugin;
use crate::report::RunInfo;
use crate::report::build::{ReportBuilder, host_info};
use std::time::{Duration, Instant};

/// Runs `invocation` under the collector `pass` asks for and sends a
/// report holding that pass only.
pub(super) fn profile(
    plugin: &LoadedPlugin,
    invocation: &Invocation,
    pass: &PassRequest,
    channel: &Channel,
) -> Result<(), String> {
    let call = values(plugin, invocation)?;
    let mut builder = ReportBuilder::new(pass_run_info(plugin, invocation));
    match pass {
        PassRequest::Bare { repeat } => {
            for index in 0..(*repeat).max(1) {
                channel.send(&Event::Finished(run_once(plugin, &call, index, channel)?));
            }
            return Ok(());
        }
        PassRequest::Cpu { frequency_hz, min_samples, budget_s } => {
            let options = cpu::CpuOptions { frequency_hz: *frequency_hz, ..cpu::CpuOptions::default() };
            let sampler = cpu::Sampler::start(&options).map_err(|e| e.to_string())?;
            let budget = Duration::from_secs_f64(*budget_s);
            let started = Instant::now();
            let mut repeats = 0;
            loop {
                // On an error the sampler is dropped, which stops it.
                let record = run_once(plugin, &call, repeats, channel)?;
                repeats += 1;
                channel.send(&Event::Finished(record));
                let taken = sampler.samples_taken();
                channel.send(&Event::Samples(taken));
                if taken >= *min_samples || started.elapsed() >= budget {
                    break;
                }
            }
            builder.add_cpu(sampler.stop(), repeats);
        }
        PassRequest::Calls => {
            let collector = calls::start().map_err(|e| e.to_string())?;
            let record = run_once(plugin, &call, 0, channel)?;
            builder.add_calls(collector.stop(), 1);
            channel.send(&Event::Finished(record));
        }
        PassRequest::Heap => {
            let profiler = heap::start(&heap::HeapOptions::default()).map_err(|e| e.to_string())?;
            let record = run_once(plugin, &call, 0, channel)?;
            builder.add_heap(profiler.stop().map_err(|e| e.to_string())?);
            channel.send(&Event::Finished(record));
        }
    }
    channel.send(&Event::Profiled(Box::new(builder.finish())));
    Ok(())
}

/// The run's description as far as a worker knows it; the parent
/// replaces it when it joins the passes.
fn pass_run_info(plugin: &LoadedPlugin, invocation: &Invocation) -> RunInfo {
    RunInfo {
        plugin: plugin.info().name.clone(),
        plugin_path: String::new(),
        workload: invocation.workload.clone(),
        variant: invocation.variant.clone(),
        params: invocation.params.clone(),
        results: Vec::new(),
        recorded_at_unix_s: 0,
        host: host_info(),
        passes: Vec::new(),
    }
}
