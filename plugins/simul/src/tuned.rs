//! The tuned variant: particles in the outer loop so each stays in
//! registers, `timestep * w` hoisted out of the step loop, fused update.

use crate::{Particle, TIMESTEP, steps_for};
use proftui_plugin::probe;

#[inline(never)]
pub fn evolve(particles: &mut [Particle], dt: f64, report: &(dyn Fn(f64) + Sync)) {
    probe!();
    let nsteps = steps_for(dt);
    let tick = crate::progress_every(particles.len(), report);
    for (done, particle) in particles.iter_mut().enumerate() {
        evolve_one(particle, nsteps);
        tick(done + 1);
    }
}

/// One particle through every step; shared with the parallel variant.
#[inline(always)]
pub fn evolve_one(particle: &mut Particle, nsteps: usize) {
    let t_w = TIMESTEP * particle.w;
    let (mut x, mut y) = (particle.x, particle.y);
    for _ in 0..nsteps {
        let f = t_w / (x * x + y * y).sqrt();
        (x, y) = (x - f * y, y + f * x);
    }
    (particle.x, particle.y) = (x, y);
}
