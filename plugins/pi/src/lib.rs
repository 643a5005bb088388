//! pi: a Monte Carlo estimate of pi. Points uniform in [-1, 1]², a hit is a
//! point inside the unit circle, pi ≈ 4 * hits / samples; one serial loop,
//! the classic mistake of one task per sample, and a few large chunks.

pub mod chunked;
pub mod per_sample;
pub mod serial;

use proftui_plugin::{Args, Check, Param, Plugin, Run, Workload, probe};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use std::time::Instant;

/// The random stream of `seed`: every variant draws from generators made here.
pub fn generator(seed: u64) -> Pcg64Mcg {
    Pcg64Mcg::seed_from_u64(seed)
}

/// The next point, uniform in [-1, 1]².
#[inline(always)]
pub fn draw(rng: &mut Pcg64Mcg) -> (f64, f64) {
    (rng.random_range(-1.0..=1.0), rng.random_range(-1.0..=1.0))
}

/// Whether (x, y) lies in the unit circle.
#[inline(always)]
pub fn is_hit(x: f64, y: f64) -> bool {
    x * x + y * y <= 1.0
}

/// Draws `samples` points from `rng` and counts the hits: the inner loop of
/// the serial and chunked variants.
#[inline(never)]
pub fn count_hits(rng: &mut Pcg64Mcg, samples: u64) -> u64 {
    probe!();
    let mut hits = 0;
    for _ in 0..samples {
        let (x, y) = draw(rng);
        hits += u64::from(is_hit(x, y));
    }
    hits
}

/// How many samples to draw between progress reports: about a hundred
/// reports a run.
pub fn progress_stride(samples: u64) -> u64 {
    (samples / 100).max(1)
}

/// How a run is split up.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub samples: u64,
    pub threads: usize,
    pub chunks: u64,
    pub seed: u64,
}

/// Counts the hits of `plan` with `variant`, reporting progress.
pub fn hits_with(variant: &str, plan: Plan, report: &(dyn Fn(f64) + Sync)) -> u64 {
    match variant {
        "serial" => serial::hits(plan.samples, plan.seed, report),
        "per_sample" => per_sample::hits(plan.samples, plan.threads, plan.seed, report),
        "chunked" => chunked::hits(plan, report),
        other => panic!("unknown variant `{other}`"),
    }
}

/// pi from the hits among `samples` points.
pub fn estimate(hits: u64, samples: u64) -> f64 {
    4.0 * hits as f64 / samples as f64
}

/// The standard deviation of the estimate from `samples` points: 4 times
/// that of a binomial proportion with p = pi/4.
pub fn estimate_sigma(samples: u64) -> f64 {
    let p = std::f64::consts::FRAC_PI_4;
    4.0 * (p * (1.0 - p) / samples as f64).sqrt()
}

fn run_estimate(run: &Run, args: &Args) -> Result<(), String> {
    let plan = Plan {
        samples: args.int("samples").unsigned_abs(),
        threads: args.count("threads"),
        chunks: args.int("chunks").unsigned_abs(),
        seed: args.int("seed").unsigned_abs(),
    };
    let report = |f: f64| run.progress(f);
    let start = Instant::now();
    let hits = hits_with(args.variant(), plan, &report);
    let seconds = start.elapsed().as_secs_f64();
    let pi = estimate(hits, plan.samples);
    run.number("estimate", pi, "");
    run.number("abs_error", (pi - std::f64::consts::PI).abs(), "");
    run.number("sigma", estimate_sigma(plan.samples), "");
    run.number("hits", hits as f64, "");
    run.number("samples", plan.samples as f64, "");
    run.number("samples_per_second", plan.samples as f64 / seconds.max(1e-9), "1/s");
    Ok(())
}

/// Checks that `variant` lands within 5 sigma of pi with a fixed seed.
fn within_tolerance(variant: &'static str, samples: u64) -> impl Fn(&Run) -> Result<(), String> {
    move |run| {
        let plan = Plan { samples, threads: 3, chunks: 16, seed: 2024 };
        let pi = estimate(hits_with(variant, plan, &|_| {}), samples);
        let (error, tolerance) = ((pi - std::f64::consts::PI).abs(), 5.0 * estimate_sigma(samples));
        run.number("abs_error", error, "");
        run.number("tolerance", tolerance, "");
        if error <= tolerance {
            Ok(())
        } else {
            Err(format!(
                "{variant}: {samples} samples estimate pi as {pi}, {error:.2e} off (allowed {tolerance:.2e})"
            ))
        }
    }
}

fn chunked_deterministic(_run: &Run) -> Result<(), String> {
    let plan = |threads| Plan { samples: 1_000_000, threads, chunks: 16, seed: 7 };
    let (one, three) = (chunked::hits(plan(1), &|_| {}), chunked::hits(plan(3), &|_| {}));
    if one == three {
        Ok(())
    } else {
        Err(format!("chunked counts {one} hits on 1 thread but {three} on 3 with the same seed and chunks"))
    }
}

fn per_sample_matches_serial(_run: &Run) -> Result<(), String> {
    let (serial, per_sample) =
        (serial::hits(100_000, 11, &|_| {}), per_sample::hits(100_000, 3, 11, &|_| {}));
    if serial == per_sample {
        Ok(())
    } else {
        Err(format!("per_sample counts {per_sample} hits, serial {serial}, on the same 100000 points"))
    }
}

fn plugin() -> Plugin {
    let workload = Workload::new("estimate", "estimate pi from random points in [-1, 1]²", run_estimate)
        .variant("serial", "one loop on one thread")
        .variant(
            "per_sample",
            "one boxed task per sample through a channel to a thread pool: overhead swamps the work",
        )
        .variant(
            "chunked",
            "samples split into `chunks` tasks, each with its own seeded generator, on `threads` threads",
        )
        .param(Param::int("samples", "how many random points", 1_000_000, 1, 10_000_000_000))
        .param(Param::int("threads", "worker threads of per_sample and chunked", 4, 1, 256))
        .param(Param::int(
            "chunks",
            "tasks of the chunked variant; its hits depend on this, not on threads",
            16,
            1,
            1_000_000,
        ))
        .param(Param::int("seed", "seed of the random point generators", 42, 0, i64::MAX));
    Plugin::new("pi", "Monte Carlo estimate of pi: serial, one task per sample, and chunked")
        .workload(workload)
        .check(Check::new(
            "serial_within_5_sigma",
            "serial, 1000000 samples, lands within 5 sigma of pi",
            within_tolerance("serial", 1_000_000),
        ))
        .check(Check::new(
            "per_sample_within_5_sigma",
            "per_sample, 200000 samples on 3 threads, lands within 5 sigma of pi",
            within_tolerance("per_sample", 200_000),
        ))
        .check(Check::new(
            "chunked_within_5_sigma",
            "chunked, 1000000 samples in 16 chunks on 3 threads, lands within 5 sigma of pi",
            within_tolerance("chunked", 1_000_000),
        ))
        .check(Check::new(
            "chunked_deterministic",
            "chunked counts the same hits on 1 and on 3 threads",
            chunked_deterministic,
        ))
        .check(Check::new(
            "per_sample_matches_serial",
            "per_sample tests the serial points: the same hits",
            per_sample_matches_serial,
        ))
}

proftui_plugin::declare_plugin!(plugin);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigma_of_a_million_samples() {
        let sigma = estimate_sigma(1_000_000);
        assert!((sigma - 0.001_642).abs() < 1e-6, "{sigma}");
    }

    #[test]
    fn every_variant_is_close_to_pi() {
        for variant in ["serial", "per_sample", "chunked"] {
            let plan = Plan { samples: 200_000, threads: 2, chunks: 5, seed: 1 };
            let error =
                (estimate(hits_with(variant, plan, &|_| {}), plan.samples) - std::f64::consts::PI).abs();
            assert!(error <= 5.0 * estimate_sigma(plan.samples), "{variant}: {error}");
        }
    }

    #[test]
    fn one_chunk_is_the_serial_stream() {
        let plan = Plan { samples: 12_345, threads: 3, chunks: 1, seed: 5 };
        assert_eq!(chunked::hits(plan, &|_| {}), serial::hits(plan.samples, plan.seed, &|_| {}));
    }

    #[test]
    fn chunked_hits_do_not_depend_on_threads() {
        let plan = |threads| Plan { samples: 100_003, threads, chunks: 7, seed: 3 };
        let one = chunked::hits(plan(1), &|_| {});
        for threads in [2, 3, 8] {
            assert_eq!(chunked::hits(plan(threads), &|_| {}), one, "{threads} threads");
        }
    }

    #[test]
    fn per_sample_sees_the_serial_points() {
        assert_eq!(per_sample::hits(10_000, 4, 9, &|_| {}), serial::hits(10_000, 9, &|_| {}));
    }

    #[test]
    fn more_chunks_than_samples_is_fine() {
        let plan = Plan { samples: 3, threads: 2, chunks: 10, seed: 0 };
        assert!(chunked::hits(plan, &|_| {}) <= 3);
    }
}
