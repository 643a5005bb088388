//! The structure-of-arrays variant: all x, all y, all w in flat arrays, and
//! each step one pass over whole arrays, the shape a vectorising compiler
//! (or NumPy) wants.

use crate::{Particle, TIMESTEP, steps_for};
use proftui_plugin::probe;

/// Particles as three flat arrays.
#[derive(Debug, Clone, Default)]
pub struct Particles {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub w: Vec<f64>,
}

impl From<&[Particle]> for Particles {
    fn from(particles: &[Particle]) -> Self {
        Self {
            x: particles.iter().map(|p| p.x).collect(),
            y: particles.iter().map(|p| p.y).collect(),
            w: particles.iter().map(|p| p.w).collect(),
        }
    }
}

impl Particles {
    /// Copies positions back into array-of-structs form.
    pub fn write_back(&self, particles: &mut [Particle]) {
        for ((p, x), y) in particles.iter_mut().zip(&self.x).zip(&self.y) {
            (p.x, p.y) = (*x, *y);
        }
    }

    #[inline(never)]
    pub fn evolve(&mut self, dt: f64, report: &(dyn Fn(f64) + Sync)) {
        probe!();
        let nsteps = steps_for(dt);
        let t_w: Vec<f64> = self.w.iter().map(|w| TIMESTEP * w).collect();
        let tick = crate::progress_every(nsteps, report);
        for step in 0..nsteps {
            step_arrays(&mut self.x, &mut self.y, &t_w);
            tick(step + 1);
        }
    }
}

/// One time step over whole arrays.
#[inline(never)]
fn step_arrays(xs: &mut [f64], ys: &mut [f64], t_w: &[f64]) {
    for ((x, y), tw) in xs.iter_mut().zip(ys.iter_mut()).zip(t_w) {
        let f = tw / (*x * *x + *y * *y).sqrt();
        (*x, *y) = (*x - f * *y, *y + f * *x);
    }
}
