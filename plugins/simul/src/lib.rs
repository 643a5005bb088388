//! simul: particles rotating around the origin, evolved with a fixed time
//! step, in the variants of a classic optimisation journey (naive → tuned →
//! structure of arrays → parallel → closed form), plus a workload that shows
//! what object layout costs in heap.

pub mod exact;
pub mod memory;
pub mod naive;
pub mod parallel;
pub mod soa;
pub mod tuned;

use proftui_plugin::{Args, Check, Param, Plugin, Run, Workload};
use rand::{RngExt, SeedableRng};

/// The fixed time step of every stepped variant.
pub const TIMESTEP: f64 = 1e-5;

/// A particle: position and speed along its circle (signed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Particle {
    pub x: f64,
    pub y: f64,
    pub w: f64,
}

/// `round(dt / 1e-5)`, the number of steps every variant takes.
pub fn steps_for(dt: f64) -> usize {
    (dt / TIMESTEP).round() as usize
}

/// `npart` particles with x, y, w uniform in [-1, 1], from `seed`.
pub fn random_particles(npart: usize, seed: u64) -> Vec<Particle> {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    (0..npart)
        .map(|_| Particle {
            x: rng.random_range(-1.0..=1.0),
            y: rng.random_range(-1.0..=1.0),
            w: rng.random_range(-1.0..=1.0),
        })
        .collect()
}

/// Calls `report` with the fraction done about a hundred times over `total`
/// steps; cheap enough to call every step.
pub fn progress_every(total: usize, report: &(dyn Fn(f64) + Sync)) -> impl Fn(usize) + Sync + '_ {
    let stride = (total / 100).max(1);
    move |done| {
        if done % stride == 0 || done == total {
            report(done as f64 / total.max(1) as f64);
        }
    }
}

/// The stepped variants' names, in journey order.
pub const VARIANTS: [&str; 5] = ["naive", "tuned", "soa", "parallel", "exact"];

/// Evolves `particles` for `dt` with `variant`, reporting progress.
pub fn evolve_with(
    variant: &str,
    particles: &mut [Particle],
    dt: f64,
    threads: usize,
    report: &(dyn Fn(f64) + Sync),
) {
    match variant {
        "naive" => {
            let mut boxed: Vec<Box<naive::Particle>> =
                particles.iter().map(|p| Box::new(naive::Particle::from(*p))).collect();
            naive::evolve(&mut boxed, dt, report);
            for (p, b) in particles.iter_mut().zip(&boxed) {
                *p = Particle { x: b.x, y: b.y, w: b.w };
            }
        }
        "tuned" => tuned::evolve(particles, dt, report),
        "soa" => {
            let mut arrays = soa::Particles::from(&*particles);
            arrays.evolve(dt, report);
            arrays.write_back(particles);
        }
        "parallel" => parallel::evolve(particles, dt, threads, report),
        "exact" => exact::evolve(particles, dt),
        other => panic!("unknown variant `{other}`"),
    }
}

fn benchmark(run: &Run, args: &Args) -> Result<(), String> {
    let mut particles = random_particles(args.count("npart"), args.int("seed") as u64);
    let dt = args.float("dt");
    let report = |f: f64| run.progress(f);
    evolve_with(args.variant(), &mut particles, dt, args.count("threads"), &report);
    let n = particles.len() as f64;
    run.number("particles", n, "");
    run.number("steps", steps_for(dt) as f64, "");
    run.number("particle_steps", n * steps_for(dt) as f64, "");
    run.number("x_sum", particles.iter().map(|p| p.x).sum(), "");
    run.number("y_sum", particles.iter().map(|p| p.y).sum(), "");
    run.number("mean_radius", particles.iter().map(|p| p.x.hypot(p.y)).sum::<f64>() / n, "");
    if args.variant() == "exact" {
        let start = random_particles(args.count("npart"), args.int("seed") as u64);
        run.number("stepping_error", exact::stepping_radius_error(&start, dt), "");
    }
    Ok(())
}

/// The reference particles and where they must be after dt = 0.1.
pub const REFERENCE_START: [Particle; 3] = [
    Particle { x: 0.3, y: 0.5, w: 1.0 },
    Particle { x: 0.0, y: -0.5, w: -1.0 },
    Particle { x: -0.1, y: -0.4, w: 3.0 },
];
pub const REFERENCE_END: [(f64, f64); 3] = [
    (0.2102698450356825, 0.5438635787296997),
    (-0.0993347660567358, -0.4900342888538049),
    (0.1913585038252641, -0.365227221074436),
];

/// The largest coordinate difference from the reference after `variant`.
pub fn reference_deviation(variant: &str, threads: usize) -> f64 {
    let mut particles = REFERENCE_START.to_vec();
    evolve_with(variant, &mut particles, 0.1, threads, &|_| {});
    particles
        .iter()
        .zip(REFERENCE_END)
        .map(|(p, (x, y))| (p.x - x).abs().max((p.y - y).abs()))
        .fold(0.0, f64::max)
}

fn reference_check(
    variant: &'static str,
    tolerance: f64,
    threads: usize,
) -> impl Fn(&Run) -> Result<(), String> {
    move |run| {
        let deviation = reference_deviation(variant, threads);
        run.number("max_deviation", deviation, "");
        if deviation <= tolerance {
            Ok(())
        } else {
            Err(format!(
                "{variant}: a coordinate is {deviation:.3e} from the reference (allowed {tolerance:.0e})"
            ))
        }
    }
}

fn variants_agree(run: &Run) -> Result<(), String> {
    let start = random_particles(100, 7);
    let mut baseline = start.clone();
    tuned::evolve(&mut baseline, 0.01, &|_| {});
    let mut worst = 0.0f64;
    for variant in ["naive", "soa", "parallel"] {
        let mut particles = start.clone();
        evolve_with(variant, &mut particles, 0.01, 3, &|_| {});
        let deviation = particles
            .iter()
            .zip(&baseline)
            .map(|(a, b)| (a.x - b.x).abs().max((a.y - b.y).abs()))
            .fold(0.0, f64::max);
        if deviation > 1e-9 {
            return Err(format!("{variant} differs from tuned by {deviation:.3e} on 100 random particles"));
        }
        worst = worst.max(deviation);
    }
    run.number("max_deviation", worst, "");
    Ok(())
}

fn plugin() -> Plugin {
    let seed = || Param::int("seed", "seed of the random particle generator", 42, 0, i64::MAX);
    let benchmark =
        Workload::new("benchmark", "evolve random particles (x, y, w uniform in [-1, 1])", benchmark)
            .variant(
                "naive",
                "one heap object per particle, steps outside, every factor recomputed, a statement per line",
            )
            .variant("tuned", "loops swapped (particles outside), timestep * w hoisted, fused update")
            .variant("soa", "structure of arrays: each step runs over flat x, y, w arrays (vectorisable)")
            .variant("parallel", "the tuned loop on `threads` threads, particles split between them")
            .variant(
                "exact",
                "the closed form: radius fixed, angle advanced at once; reports the stepping error",
            )
            .param(Param::int("npart", "number of particles", 100, 1, 100_000_000))
            .param(Param::float("dt", "simulated time; steps = round(dt / 1e-5)", 0.1, 1e-5, 1000.0))
            .param(Param::int("threads", "worker threads of the parallel variant", 2, 1, 256))
            .param(seed());
    Plugin::new("simul", "particle simulator: the optimisation journey from naive to parallel")
        .workload(benchmark)
        .workload(
            Workload::new("memory", "100000 particles for dt=0.001 in one of four object layouts", memory::workload)
                .param(Param::choice(
                    "layout",
                    "dict: a small map per particle; boxed: a heap object each; inline: one vector of structs; soa: three vectors",
                    &memory::LAYOUTS,
                    0,
                ))
                .param(Param::int("npart", "number of particles", 100_000, 1, 100_000_000))
                .param(Param::float("dt", "simulated time", 0.001, 1e-5, 1000.0))
                .param(seed()),
        )
        .check(Check::new("reference_naive", "naive matches the reference positions within 1e-5", reference_check("naive", 1e-5, 1)))
        .check(Check::new("reference_tuned", "tuned matches the reference positions within 1e-5", reference_check("tuned", 1e-5, 1)))
        .check(Check::new("reference_soa", "soa matches the reference positions within 1e-5", reference_check("soa", 1e-5, 1)))
        .check(Check::new(
            "reference_parallel",
            "parallel (2 threads) matches the reference positions within 1e-5",
            reference_check("parallel", 1e-5, 2),
        ))
        .check(Check::new(
            "reference_exact",
            "the closed form is within 2e-5 of the stepped reference (the stepping error is 1.2e-5)",
            reference_check("exact", 2e-5, 1),
        ))
        .check(Check::new("variants_agree", "naive, soa and parallel agree with tuned to 1e-9", variants_agree))
        .check(Check::new("layouts_agree", "the four memory layouts give the same positions", memory::layouts_agree))
}

proftui_plugin::declare_plugin!(plugin);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stepped_variant_matches_the_reference() {
        for variant in ["naive", "tuned", "soa", "parallel"] {
            for threads in [1, 2, 3] {
                let deviation = reference_deviation(variant, threads);
                assert!(deviation < 1e-5, "{variant} with {threads} threads is {deviation:e} off");
            }
        }
    }

    #[test]
    fn exact_is_off_by_the_stepping_error_only() {
        let deviation = reference_deviation("exact", 1);
        assert!(deviation > 1e-6 && deviation < 2e-5, "{deviation:e}");
    }
}
