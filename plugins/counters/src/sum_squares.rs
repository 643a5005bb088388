//! sum_squares: the sum of i*i for i below n, three ways; the heap profile
//! shows which of them allocate.

use crate::Progress;
use proftui_plugin::{Args, Check, Param, Run, Workload, probe};
use std::hint::black_box;

/// The largest `n` whose sum of squares fits in a `u64` with room to spare.
pub const MAX_N: u64 = 3_000_000;

/// The exact sum of i*i for i below `n`, by the closed form (n-1)n(2n-1)/6.
pub fn closed_form(n: u64) -> u64 {
    let n = u128::from(n);
    u64::try_from(n.saturating_sub(1) * n * (2 * n).saturating_sub(1) / 6).unwrap_or(u64::MAX)
}

/// Pushes every square into a vector that grows as it goes, then sums it.
/// Progress: pushing is the first half, summing the second.
#[inline(never)]
pub fn push_sum(n: u64, progress: &Progress) -> u64 {
    probe!();
    let mut squares = Vec::new();
    let stride = progress.stride() as u64;
    let mut start = 0;
    while start < n {
        let end = (start + stride).min(n);
        for i in start..end {
            squares.push(i * i);
        }
        progress.done(end as usize);
        start = end;
    }
    sum_vector(squares, progress)
}

/// Collects the squares into a vector (allocated once, at its final size),
/// then sums it. Progress as for [`push_sum`]; `collect` is one step.
#[inline(never)]
pub fn collect_sum(n: u64, progress: &Progress) -> u64 {
    probe!();
    let squares: Vec<u64> = (0..n).map(|i| i * i).collect();
    progress.done(squares.len());
    sum_vector(squares, progress)
}

/// The second half of the allocating variants: sums `squares`, reporting
/// progress from half way.
fn sum_vector(mut squares: Vec<u64>, progress: &Progress) -> u64 {
    // The vector must exist: keep the optimiser from summing on the fly.
    black_box(&mut squares);
    let mut total = 0;
    let mut done = squares.len();
    for run in squares.chunks(progress.stride()) {
        total += run.iter().sum::<u64>();
        done += run.len();
        progress.done(done);
    }
    total
}

/// Sums the squares as they are produced: no allocation at all. Progress
/// counts each square twice, like the other variants, so all three share
/// one [`Progress`] of `2 * n` items.
#[inline(never)]
pub fn iter_sum(n: u64, progress: &Progress) -> u64 {
    probe!();
    let stride = (progress.stride() / 2).max(1) as u64;
    let mut total = 0;
    let mut start = 0;
    while start < n {
        let end = (start + stride).min(n);
        // `black_box` on each i keeps LLVM from replacing the loop with the
        // closed form, which would leave nothing to profile.
        total += (start..end).map(|i| black_box(i) * i).sum::<u64>();
        progress.done(2 * end as usize);
        start = end;
    }
    total
}

/// The sum of squares below `n` with `variant`, reporting progress.
pub fn sum_with(variant: &str, n: u64, report: &(dyn Fn(f64) + Sync)) -> u64 {
    let progress = &Progress::new(2 * n as usize, report);
    match variant {
        "push_sum" => push_sum(n, progress),
        "collect_sum" => collect_sum(n, progress),
        "iter_sum" => iter_sum(n, progress),
        other => panic!("unknown variant `{other}`"),
    }
}

fn run_sum_squares(run: &Run, args: &Args) -> Result<(), String> {
    let n = args.int("n").unsigned_abs();
    let report = |f: f64| run.progress(f);
    let sum = sum_with(args.variant(), n, &report);
    run.number("sum", sum as f64, "");
    run.text("sum_exact", &sum.to_string());
    run.number("error", sum.abs_diff(closed_form(n)) as f64, "");
    Ok(())
}

pub fn workload() -> Workload {
    Workload::new("sum_squares", "the sum of i*i for i below n", run_sum_squares)
        .variant("push_sum", "push every square into a growing vector, then sum it")
        .variant("collect_sum", "collect the squares into a vector, then sum it")
        .variant("iter_sum", "sum the squares as an iterator produces them: no allocation")
        .param(Param::int(
            "n",
            "sum the squares of 0..n; the sum must fit in 64 bits",
            100_000,
            1,
            MAX_N as i64,
        ))
}

fn sums_exact(run: &Run) -> Result<(), String> {
    const EXPECTED: u64 = 333_328_333_350_000;
    for variant in ["push_sum", "collect_sum", "iter_sum"] {
        let sum = sum_with(variant, 100_000, &|_| {});
        if sum != EXPECTED {
            return Err(format!("{variant} sums the squares below 100000 to {sum}, expected {EXPECTED}"));
        }
    }
    run.number("sum", EXPECTED as f64, "");
    Ok(())
}

pub fn check() -> Check {
    Check::new(
        "sum_squares_exact",
        "all three variants sum the squares below 100000 to 333328333350000",
        sums_exact,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_gives_the_exact_sum() {
        for n in [1, 2, 3, 99, 100, 101, 100_000, MAX_N] {
            for variant in ["push_sum", "collect_sum", "iter_sum"] {
                assert_eq!(sum_with(variant, n, &|_| {}), closed_form(n), "{variant} n={n}");
            }
        }
        assert_eq!(closed_form(100_000), 333_328_333_350_000);
        assert_eq!(closed_form(4), 14);
    }
}
