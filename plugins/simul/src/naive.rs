//! The naive variant: one heap object per particle, time steps in the
//! outer loop, every factor recomputed in the body, one statement per line
//! so that the line table has something to say about each.

use proftui_plugin::probe;

/// A particle as a dynamic language would hold it: its own heap object.
#[derive(Debug, Clone, Copy)]
pub struct Particle {
    pub x: f64,
    pub y: f64,
    pub w: f64,
}

impl From<super::Particle> for Particle {
    fn from(p: super::Particle) -> Self {
        Self { x: p.x, y: p.y, w: p.w }
    }
}

#[inline(never)]
pub fn evolve(particles: &mut [Box<Particle>], dt: f64, report: &(dyn Fn(f64) + Sync)) {
    probe!();
    let timestep = 0.00001;
    let nsteps = (dt / timestep).round() as usize;
    let tick = super::progress_every(nsteps, report);
    for step in 0..nsteps {
        for particle in particles.iter_mut() {
            let norm = (particle.x * particle.x + particle.y * particle.y).sqrt();
            let v_x = -particle.y / norm;
            let v_y = particle.x / norm;
            let d_x = timestep * particle.w * v_x;
            let d_y = timestep * particle.w * v_y;
            particle.x += d_x;
            particle.y += d_y;
        }
        tick(step + 1);
    }
}
