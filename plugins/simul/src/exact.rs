//! The algorithmic fix: no stepping at all. A particle moves along its
//! circle at speed w, so after dt its angle has advanced by w * dt / r and
//! its radius is unchanged. The stepped variants drift outwards instead
//! (each step is a tangent of length 1e-5 * |w|), and that drift is the
//! stepping error this variant reports.

use crate::{Particle, TIMESTEP, steps_for};
use proftui_plugin::probe;

#[inline(never)]
pub fn evolve(particles: &mut [Particle], dt: f64) {
    probe!();
    // The same simulated time as the stepped variants: whole steps.
    let time = steps_for(dt) as f64 * TIMESTEP;
    for p in particles.iter_mut() {
        let radius = p.x.hypot(p.y);
        if radius == 0.0 {
            continue;
        }
        let (sin, cos) = (p.w * time / radius).sin_cos();
        (p.x, p.y) = (p.x * cos - p.y * sin, p.x * sin + p.y * cos);
    }
}

/// The largest radius drift the stepped variants add to `particles` over
/// `dt`: each step moves perpendicular to the radius, so after n steps
/// r² grows by n * (1e-5 * w)² exactly.
pub fn stepping_radius_error(particles: &[Particle], dt: f64) -> f64 {
    let n = steps_for(dt) as f64;
    particles
        .iter()
        .map(|p| {
            let r2 = p.x * p.x + p.y * p.y;
            (r2 + n * (TIMESTEP * p.w).powi(2)).sqrt() - r2.sqrt()
        })
        .fold(0.0, f64::max)
}
