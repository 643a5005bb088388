//! The parallel variant: the tuned loop on `threads` threads, particles
//! split into one contiguous chunk per thread (they do not interact).

use crate::{Particle, steps_for, tuned};
use proftui_plugin::probe;

#[inline(never)]
pub fn evolve(particles: &mut [Particle], dt: f64, threads: usize, report: &(dyn Fn(f64) + Sync)) {
    probe!();
    let nsteps = steps_for(dt);
    let chunk = particles.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        for (index, part) in particles.chunks_mut(chunk).enumerate() {
            scope.spawn(move || evolve_chunk(part, nsteps, (index == 0).then_some(report)));
        }
    });
}

/// One thread's share; the first thread reports progress for all.
#[inline(never)]
fn evolve_chunk(part: &mut [Particle], nsteps: usize, report: Option<&(dyn Fn(f64) + Sync)>) {
    probe!();
    let tick = report.map(|report| crate::progress_every(part.len(), report));
    for (done, particle) in part.iter_mut().enumerate() {
        tuned::evolve_one(particle, nsteps);
        if let Some(tick) = &tick {
            tick(done + 1);
        }
    }
}
