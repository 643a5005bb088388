//! What an inactive `probe!()` costs per call: a probed function against
//! an identical unprobed one, called in the same loop, in alternating
//! blocks, round after round. No host is installed here, so every probe reads the
//! SDK's static zero flag: exactly the path a probe takes in a plugin while
//! no calls pass runs.
//!
//! Two shapes: a leaf function called from a loop, and taylor's recursive
//! factorial (the probe's guard lives across the recursive call). Run with
//! `cargo bench -p proftui-plugin --bench probe`; `PROBE_BENCH_ROUNDS`
//! changes the number of rounds (default 15).
//!
//! A block that another process disturbs only gets slower, so each round
//! keeps each function's fastest block; the difference of the block means
//! is printed beside it.

use proftui_plugin::probe;
use std::hint::black_box;
use std::time::Instant;

/// Leaf calls per block.
const LEAF_CALLS: u64 = 2_000_000;
/// Factorial depth: `factorial(DEPTH)` makes `DEPTH + 1` calls.
const DEPTH: u64 = 99;
/// Factorial evaluations per block: 2 million calls.
const FACTORIALS: u64 = 20_000;
/// Blocks per function and round: a round alternates the probed and the
/// unprobed function block by block, so a drift in the machine's speed
/// reaches both alike.
const BLOCKS: usize = 20;

#[inline(never)]
fn leaf_plain(x: u64) -> u64 {
    x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)
}

#[inline(never)]
fn leaf_probed(x: u64) -> u64 {
    probe!();
    x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)
}

#[inline(never)]
fn factorial_plain(n: u64) -> f64 {
    if n == 0 { 1.0 } else { n as f64 * factorial_plain(black_box(n - 1)) }
}

#[inline(never)]
fn factorial_probed(n: u64) -> f64 {
    probe!();
    if n == 0 { 1.0 } else { n as f64 * factorial_probed(black_box(n - 1)) }
}

/// Nanoseconds per call of `leaf` over [`LEAF_CALLS`] calls.
fn time_leaf(leaf: fn(u64) -> u64) -> f64 {
    let started = Instant::now();
    let mut acc = 0u64;
    for i in 0..LEAF_CALLS {
        acc ^= leaf(black_box(i));
    }
    black_box(acc);
    started.elapsed().as_secs_f64() * 1e9 / LEAF_CALLS as f64
}

/// Nanoseconds per call of `factorial` over [`FACTORIALS`] evaluations.
fn time_factorial(factorial: fn(u64) -> f64) -> f64 {
    let started = Instant::now();
    let mut acc = 0.0;
    for _ in 0..FACTORIALS {
        acc += factorial(black_box(DEPTH));
    }
    black_box(acc);
    started.elapsed().as_secs_f64() * 1e9 / (FACTORIALS * (DEPTH + 1)) as f64
}

/// Nanoseconds per pair of back-to-back cycle-counter reads (`rdtsc`, what
/// the calls pass's clock `quanta` reads at each probe's enter and exit);
/// the fastest of [`BLOCKS`] blocks of [`LEAF_CALLS`] pairs.
#[cfg(target_arch = "x86_64")]
fn time_cycle_counter_pair() -> f64 {
    use std::arch::x86_64::_rdtsc;
    let block = || {
        let started = Instant::now();
        let mut ticks = 0u64;
        for _ in 0..LEAF_CALLS {
            // SAFETY: every x86_64 CPU has the time-stamp counter; reading
            // it touches no memory.
            let (enter, exit) = unsafe { (_rdtsc(), _rdtsc()) };
            ticks = ticks.wrapping_add(exit.wrapping_sub(enter));
        }
        black_box(ticks);
        started.elapsed().as_secs_f64() * 1e9 / LEAF_CALLS as f64
    };
    minimum(&(0..BLOCKS).map(|_| block()).collect::<Vec<_>>())
}

/// Per-round figures of one shape, in ns per call.
#[derive(Default)]
struct Shape {
    /// Fastest block of each function.
    plain: Vec<f64>,
    probed: Vec<f64>,
    difference: Vec<f64>,
    /// Probed minus unprobed over the means of the blocks.
    difference_of_means: Vec<f64>,
}

impl Shape {
    /// One round: [`BLOCKS`] blocks of each function, alternating, the
    /// function that goes first in a pair alternating too.
    fn round(&mut self, plain: impl Fn() -> f64, probed: impl Fn() -> f64) {
        let (mut plain_ns, mut probed_ns) = (Vec::new(), Vec::new());
        for block in 0..BLOCKS {
            if block.is_multiple_of(2) {
                plain_ns.push(plain());
                probed_ns.push(probed());
            } else {
                probed_ns.push(probed());
                plain_ns.push(plain());
            }
        }
        let (plain_min, probed_min) = (minimum(&plain_ns), minimum(&probed_ns));
        self.plain.push(plain_min);
        self.probed.push(probed_min);
        self.difference.push(probed_min - plain_min);
        self.difference_of_means.push(mean(&probed_ns) - mean(&plain_ns));
    }
}

fn minimum(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// `min / median / max` of `values`, to `decimals` places.
fn spread(values: &[f64], decimals: usize) -> String {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 };
    format!("{median:.decimals$} ({:.decimals$} – {:.decimals$})", sorted[0], sorted[n - 1])
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("probe: a benchmark; run it with `cargo bench -p proftui-plugin --bench probe`");
        return;
    }
    let rounds: usize = std::env::var("PROBE_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(15);
    // Warm up both shapes once; the first timings pay for page faults and
    // frequency ramps.
    time_leaf(leaf_plain);
    time_leaf(leaf_probed);
    time_factorial(factorial_plain);
    time_factorial(factorial_probed);

    let (mut leaf, mut recursive) = (Shape::default(), Shape::default());
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
    let mut cycle_counter_pairs: Vec<f64> = Vec::new();
    for index in 0..rounds {
        leaf.round(|| time_leaf(leaf_plain), || time_leaf(leaf_probed));
        recursive.round(|| time_factorial(factorial_plain), || time_factorial(factorial_probed));
        #[cfg(target_arch = "x86_64")]
        cycle_counter_pairs.push(time_cycle_counter_pair());
        eprint!("\rround {}/{rounds}", index + 1);
    }
    eprintln!();

    println!(
        "inactive probe: {rounds} rounds, each {} calls of every function in {BLOCKS} alternating blocks; \
         ns per call, median (min – max) over rounds",
        LEAF_CALLS * BLOCKS as u64
    );
    println!();
    println!(
        "| function | unprobed, fastest block | probed (inactive), fastest block | probed − unprobed, \
         fastest blocks | probed − unprobed, block means |"
    );
    println!("|---|---|---|---|---|");
    for (name, shape) in [("leaf, called from a loop", &leaf), ("recursive factorial(99)", &recursive)] {
        println!(
            "| {name} | {} | {} | {} | {} |",
            spread(&shape.plain, 2),
            spread(&shape.probed, 2),
            spread(&shape.difference, 2),
            spread(&shape.difference_of_means, 2)
        );
    }
    if !cycle_counter_pairs.is_empty() {
        println!();
        println!(
            "two back-to-back rdtsc reads (the calls pass's clock, twice per probed call): {} ns per pair",
            spread(&cycle_counter_pairs, 2)
        );
    }
}
