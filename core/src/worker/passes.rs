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
use proftui_plugin::ffi::pt_value;
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
            channel.send(&Event::WarmedUp(warm_up(plugin, &call, channel)?));
            for index in 0..(*repeat).max(1) {
                channel.send(&Event::Finished(run_once(plugin, &call, index, channel)?));
            }
            return Ok(());
        }
        PassRequest::Cpu { frequency_hz, min_samples, budget_s, clock } => {
            let options =
                cpu::CpuOptions { frequency_hz: *frequency_hz, clock: *clock, ..cpu::CpuOptions::default() };
            let sampler = cpu::Sampler::start(&options).map_err(|e| e.to_string())?;
            let budget = Duration::from_secs_f64(*budget_s);
            let started = Instant::now();
            let mut repeats = 0;
            let mut dither = Dither::new();
            // Samples taken while the dither spun: dropped after the stop.
            let mut dithered = 0;
            // Samples can also be lost to the sampler's own frames (one that
            // lands in `samples_taken`, say): a few, so aim 0.5% higher.
            let wanted = min_samples + min_samples / 200 + 1;
            let mut pending = Vec::new();
            let mut last_sent = Instant::now();
            loop {
                // On an error the sampler is dropped, which stops it.
                let record = run_once(plugin, &call, repeats, channel)?;
                repeats += 1;
                let before = sampler.samples_taken();
                dither.spin(record.timing.wall_s);
                let taken = sampler.samples_taken();
                dithered += taken.saturating_sub(before);
                let kept = taken.saturating_sub(dithered);
                pending.push(Event::Finished(record));
                if last_sent.elapsed() >= Duration::from_millis(50) {
                    pending.push(Event::Samples(kept));
                    channel.send_all(&pending);
                    pending.clear();
                    last_sent = Instant::now();
                }
                if kept >= wanted || started.elapsed() >= budget {
                    pending.push(Event::Samples(kept));
                    channel.send_all(&pending);
                    break;
                }
            }
            builder.add_cpu(without_dither(sampler.stop()), repeats);
        }
        PassRequest::Calls => {
            // Its times are of one run: a warm one, like the bare pass's.
            channel.send(&Event::WarmedUp(warm_up(plugin, &call, channel)?));
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

/// Untimed runs before the bare and calls passes' timed ones, for at least
/// [`WARM_UP`] and at least one run. A CPU coming out of idle runs slowly
/// at first (measured: taylor at 3.0 ms per run for its first 0.25 s, then
/// 1.5 ms), and five cold runs made every other pass look 50% faster than
/// the baseline. The heap pass stays cold: allocations only a first run
/// makes are part of what it shows. Returns the runs made.
fn warm_up(
    plugin: &LoadedPlugin,
    call: &(usize, usize, Vec<pt_value>),
    channel: &Channel,
) -> Result<u32, String> {
    let started = Instant::now();
    let mut runs = 0;
    while runs == 0 || started.elapsed() < WARM_UP {
        run_once(plugin, call, 0, channel)?;
        runs += 1;
    }
    Ok(runs)
}

/// How long the bare pass warms the machine up.
const WARM_UP: Duration = Duration::from_millis(400);

/// Decorrelates the sampling ticks from the workload's period. Repeated
/// back to back, a short workload keeps the same phase against the
/// kernel's tick for many runs, and whole stretches of samples land in the
/// same part of it (measured: taylor at 0.4 ms per run gave one function a
/// 7-sigma excess). A random spin of up to a quarter of a run (at most
/// 1 ms) between runs scrambles the phase; its samples are dropped.
struct Dither {
    state: u64,
}

impl Dither {
    fn new() -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9_7f4a_7c15, |d| d.as_nanos() as u64);
        Self { state: seed | 1 }
    }

    /// A number in `0.0..1.0` (xorshift64*).
    fn next(&mut self) -> f64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        (self.state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Spins a random while; returns the seconds spun.
    #[inline(never)]
    fn spin(&mut self, run_wall_s: f64) {
        let spin = Duration::from_secs_f64(self.next() * (run_wall_s / 4.0).min(1e-3));
        let until = Instant::now() + spin;
        while Instant::now() < until {
            std::hint::spin_loop();
        }
    }
}

/// The samples without those taken in [`Dither::spin`]; the cpu time they
/// stood for is taken off too, so a sample still stands for the same time.
fn without_dither(mut data: cpu::CpuData) -> cpu::CpuData {
    let before = data.samples.len();
    data.samples.retain(|s| !s.frames.iter().any(|f| f.function.contains("::Dither::spin")));
    if before > 0 {
        data.cpu_seconds *= data.samples.len() as f64 / before as f64;
    }
    data
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
