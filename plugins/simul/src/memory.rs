//! The memory workload: the same particles held in four layouts, to show
//! in the heap profile what a layout costs per particle.

use crate::{Particle, TIMESTEP, random_particles, steps_for};
use proftui_plugin::{Args, Run, probe};
use std::collections::HashMap;

/// The layouts, in the order of the `layout` parameter.
pub const LAYOUTS: [&str; 4] = ["dict", "boxed", "inline", "soa"];

/// One step of one particle; every layout runs exactly this.
#[inline(always)]
fn step(x: f64, y: f64, t_w: f64) -> (f64, f64) {
    let f = t_w / (x * x + y * y).sqrt();
    (x - f * y, y + f * x)
}

/// Each particle's fields in a small map, as a dynamic language stores
/// object attributes.
#[inline(never)]
pub fn build_dict(particles: &[Particle]) -> Vec<HashMap<&'static str, f64>> {
    probe!();
    particles.iter().map(|p| HashMap::from([("x", p.x), ("y", p.y), ("w", p.w)])).collect()
}

#[inline(never)]
pub fn evolve_dict(particles: &mut [HashMap<&'static str, f64>], nsteps: usize) {
    probe!();
    for _ in 0..nsteps {
        for p in particles.iter_mut() {
            let (x, y) = step(p["x"], p["y"], TIMESTEP * p["w"]);
            p.insert("x", x);
            p.insert("y", y);
        }
    }
}

/// One heap allocation per particle.
#[inline(never)]
pub fn build_boxed(particles: &[Particle]) -> Vec<Box<Particle>> {
    probe!();
    particles.iter().map(|p| Box::new(*p)).collect()
}

#[inline(never)]
pub fn evolve_boxed(particles: &mut [Box<Particle>], nsteps: usize) {
    probe!();
    for _ in 0..nsteps {
        for p in particles.iter_mut() {
            (p.x, p.y) = step(p.x, p.y, TIMESTEP * p.w);
        }
    }
}

/// One flat vector of structs.
#[inline(never)]
pub fn build_inline(particles: &[Particle]) -> Vec<Particle> {
    probe!();
    particles.to_vec()
}

#[inline(never)]
pub fn evolve_inline(particles: &mut [Particle], nsteps: usize) {
    probe!();
    for _ in 0..nsteps {
        for p in particles.iter_mut() {
            (p.x, p.y) = step(p.x, p.y, TIMESTEP * p.w);
        }
    }
}

/// Three flat vectors.
#[inline(never)]
pub fn build_soa(particles: &[Particle]) -> crate::soa::Particles {
    probe!();
    crate::soa::Particles::from(particles)
}

#[inline(never)]
pub fn evolve_soa(particles: &mut crate::soa::Particles, nsteps: usize) {
    probe!();
    for _ in 0..nsteps {
        for ((x, y), w) in particles.x.iter_mut().zip(particles.y.iter_mut()).zip(&particles.w) {
            (*x, *y) = step(*x, *y, TIMESTEP * w);
        }
    }
}

/// Evolves `start` in `layout` and returns the final positions.
pub fn evolve_in(layout: &str, start: &[Particle], dt: f64) -> Vec<(f64, f64)> {
    let nsteps = steps_for(dt);
    match layout {
        "dict" => {
            let mut ps = build_dict(start);
            evolve_dict(&mut ps, nsteps);
            ps.iter().map(|p| (p["x"], p["y"])).collect()
        }
        "boxed" => {
            let mut ps = build_boxed(start);
            evolve_boxed(&mut ps, nsteps);
            ps.iter().map(|p| (p.x, p.y)).collect()
        }
        "inline" => {
            let mut ps = build_inline(start);
            evolve_inline(&mut ps, nsteps);
            ps.iter().map(|p| (p.x, p.y)).collect()
        }
        "soa" => {
            let mut ps = build_soa(start);
            evolve_soa(&mut ps, nsteps);
            ps.x.iter().zip(&ps.y).map(|(x, y)| (*x, *y)).collect()
        }
        other => panic!("unknown layout `{other}`"),
    }
}

pub fn workload(run: &Run, args: &Args) -> Result<(), String> {
    let layout = args.choice("layout");
    let start = random_particles(args.count("npart"), args.int("seed") as u64);
    run.progress(0.0);
    let end = evolve_in(layout, &start, args.float("dt"));
    run.progress(1.0);
    run.text("layout", layout);
    run.number("particles", end.len() as f64, "");
    run.number("x_sum", end.iter().map(|p| p.0).sum(), "");
    run.number("y_sum", end.iter().map(|p| p.1).sum(), "");
    Ok(())
}

pub fn layouts_agree(_run: &Run) -> Result<(), String> {
    let start = random_particles(1000, 3);
    let reference = evolve_in("inline", &start, 0.001);
    for layout in LAYOUTS {
        if evolve_in(layout, &start, 0.001) != reference {
            return Err(format!("layout {layout} ends in different positions than inline"));
        }
    }
    Ok(())
}
