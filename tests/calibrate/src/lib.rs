//! calibrate: a test-only plugin that burns CPU in two functions in a known
//! share and measures the share it achieved with the thread's CPU clock, so
//! the accuracy tests can hold the cpu sampler's figures against the truth.
//!
//! The two burn functions have different bodies (integer hashing, floating
//! point arithmetic): LLVM merges functions with identical bodies into one
//! symbol, and every sample would go to it. Their loops use only operators
//! on primitives, so no inlined library function takes their self samples.
//!
//! Work alternates between them in rounds of random length, so that the
//! switches do not beat with the kernel tick that drives the sampler.
//!
//! Never ship it: it exists for `tests/tests/accuracy.rs`.

use nix::time::{ClockId, clock_gettime};
use proftui_plugin::{Args, Check, Param, Plugin, Run, Workload};
use std::hint::black_box;
use std::io::Write;

/// When this environment variable names a file, every run appends one line
/// to it: the nanoseconds of thread CPU time spent in [`burn_integer`] and
/// in [`burn_float`]. A profiled run's results are not kept in its report
/// (only the bare run's are), so this is how a test learns the true split
/// of the very runs that were sampled.
pub const SPLIT_LOG_ENV: &str = "PROFTUI_CALIBRATE_LOG";

/// Round lengths are uniform in this range of thread CPU nanoseconds: a
/// mean of 1 ms, far from the 4 ms tick and never the same twice.
const ROUND_NS: std::ops::RangeInclusive<u64> = 100_000..=1_900_000;

/// Iterations of each function before the first round, to learn its speed.
const WARM_UP_ITERATIONS: u64 = 10_000;

/// Burns CPU with xorshift64 for `iterations` rounds: shifts and xors only.
#[inline(never)]
pub fn burn_integer(iterations: u64, seed: u64) -> u64 {
    let mut state = seed | 1;
    let mut i = 0;
    while i < iterations {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        i += 1;
    }
    state
}

/// Burns CPU with the logistic map at r = 3.9 (chaotic, stays in (0, 1))
/// for `iterations` rounds: floating point multiplications only.
#[inline(never)]
pub fn burn_float(iterations: u64, start: f64) -> f64 {
    let mut x = start;
    let mut i = 0;
    while i < iterations {
        x = 3.9 * x * (1.0 - x);
        i += 1;
    }
    x
}

/// SplitMix64: a small seeded generator, enough to vary round lengths.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `range` (the modulo bias is irrelevant here).
    fn in_range(&mut self, range: &std::ops::RangeInclusive<u64>) -> u64 {
        range.start() + self.next() % (range.end() - range.start() + 1)
    }
}

fn thread_cpu_ns() -> Result<u64, String> {
    let now = clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map_err(|e| format!("cannot read the thread's cpu clock: {e}"))?;
    Ok(now.tv_sec() as u64 * 1_000_000_000 + now.tv_nsec() as u64)
}

/// Which burn function a round step runs.
#[derive(Clone, Copy)]
enum Burn {
    Integer,
    Float,
}

/// Thread CPU time spent in each burn function, as measured around each
/// call with `CLOCK_THREAD_CPUTIME_ID`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Split {
    pub integer_ns: u64,
    pub float_ns: u64,
    integer_iterations: u64,
    float_iterations: u64,
}

impl Split {
    fn total_ns(&self) -> u64 {
        self.integer_ns + self.float_ns
    }

    /// The integer function's share of the two, 0 to 1.
    pub fn integer_share(&self) -> f64 {
        if self.total_ns() == 0 { 0.0 } else { self.integer_ns as f64 / self.total_ns() as f64 }
    }

    /// The time and iterations charged to `burn` so far.
    fn counters(&mut self, burn: Burn) -> (&mut u64, &mut u64) {
        match burn {
            Burn::Integer => (&mut self.integer_ns, &mut self.integer_iterations),
            Burn::Float => (&mut self.float_ns, &mut self.float_iterations),
        }
    }

    /// Runs `burn` for `iterations` and charges the thread CPU time it took.
    fn run(&mut self, burn: Burn, iterations: u64, rng: &mut SplitMix64) -> Result<(), String> {
        let seed = rng.next();
        let started = thread_cpu_ns()?;
        match burn {
            Burn::Integer => {
                black_box(burn_integer(iterations, seed));
            }
            Burn::Float => {
                black_box(burn_float(iterations, 0.1 + (seed % 1000) as f64 / 2000.0));
            }
        }
        let took = thread_cpu_ns()?.saturating_sub(started);
        let (spent, count) = self.counters(burn);
        *spent += took;
        *count += iterations;
        Ok(())
    }

    /// Runs `burn` for about `ns` nanoseconds at the speed measured so far.
    fn run_for(&mut self, burn: Burn, ns: f64, rng: &mut SplitMix64) -> Result<(), String> {
        let (spent, iterations) = self.counters(burn);
        let (spent, iterations) = (*spent, *iterations);
        let ns_per_iteration = spent.max(1) as f64 / iterations.max(1) as f64;
        let iterations = (ns / ns_per_iteration) as u64;
        if iterations == 0 { Ok(()) } else { self.run(burn, iterations, rng) }
    }
}

/// Burns `duration_ns` of thread CPU time, `share` (0 to 1) of it in
/// [`burn_integer`] and the rest in [`burn_float`], in rounds of random
/// length. Each round aims the running totals at the share, so the split
/// achieved over the whole run is close to it whatever the round lengths.
/// `round` is called after every round with the fraction done; it returns
/// false to stop early.
pub fn burn_split(
    share: f64,
    duration_ns: u64,
    seed: u64,
    round: &dyn Fn(f64) -> bool,
) -> Result<Split, String> {
    let mut rng = SplitMix64(seed);
    let mut split = Split::default();
    split.run(Burn::Integer, WARM_UP_ITERATIONS, &mut rng)?;
    split.run(Burn::Float, WARM_UP_ITERATIONS, &mut rng)?;
    while split.total_ns() < duration_ns {
        let goal = (split.total_ns() + rng.in_range(&ROUND_NS)) as f64;
        split.run_for(Burn::Integer, share * goal - split.integer_ns as f64, &mut rng)?;
        split.run_for(Burn::Float, (1.0 - share) * goal - split.float_ns as f64, &mut rng)?;
        if !round(split.total_ns() as f64 / duration_ns as f64) {
            return Err("cancelled".into());
        }
    }
    Ok(split)
}

fn split(run: &Run, args: &Args) -> Result<(), String> {
    let share = args.int("share_percent") as f64 / 100.0;
    let duration_ns = args.int("duration_ms").unsigned_abs() * 1_000_000;
    let seed = args.int("seed").unsigned_abs();
    let achieved = burn_split(share, duration_ns, seed, &|done| {
        run.progress(done.min(1.0));
        !run.cancelled()
    })?;
    if let Some(path) = std::env::var_os(SPLIT_LOG_ENV) {
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.to_string_lossy()))?;
        writeln!(log, "{} {}", achieved.integer_ns, achieved.float_ns)
            .map_err(|e| format!("cannot write {}: {e}", path.to_string_lossy()))?;
    }
    run.number("integer_share", achieved.integer_share() * 100.0, "%");
    run.number("integer_cpu", achieved.integer_ns as f64 / 1e9, "s");
    run.number("float_cpu", achieved.float_ns as f64 / 1e9, "s");
    Ok(())
}

fn split_on_target(run: &Run) -> Result<(), String> {
    let achieved = burn_split(0.25, 20_000_000, 7, &|_| true)?;
    let percent = achieved.integer_share() * 100.0;
    run.number("integer_share", percent, "%");
    if (percent - 25.0).abs() <= 1.0 {
        Ok(())
    } else {
        Err(format!("asked 25% in burn_integer over 20 ms, achieved {percent:.2}%"))
    }
}

fn plugin() -> Plugin {
    Plugin::new("calibrate", "test only: cpu burnt in two functions in a known, measured share")
        .workload(
            Workload::new(
                "split",
                "burn_integer and burn_float alternate in random rounds; results give the achieved split",
                split,
            )
            .param(Param::int("share_percent", "burn_integer's share of the cpu time, in percent", 25, 1, 99))
            .param(Param::int("duration_ms", "thread cpu time per run, in milliseconds", 250, 1, 600_000))
            .param(Param::int("seed", "seed of the round lengths", 1, 0, i64::MAX)),
        )
        .check(Check::new("split_on_target", "25% asked over 20 ms lands within 1 point", split_on_target))
}

proftui_plugin::declare_plugin!(plugin);
