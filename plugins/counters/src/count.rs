//! count: how often each of a list of random integers occurs, with the map
//! entry API vs. a hand-written check-then-insert loop.

use crate::{Progress, seed_param};
use proftui_plugin::{Args, Check, Param, Run, Workload, probe};
use rand::{RngExt, SeedableRng};
use std::collections::HashMap;

/// `n` integers uniform in `0..=max_value`, from `seed`.
pub fn random_keys(n: usize, max_value: u64, seed: u64) -> Vec<u64> {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    (0..n).map(|_| rng.random_range(0..=max_value)).collect()
}

/// Counts with the standard library's idiom: `*entry(key).or_insert(0) += 1`.
#[inline(never)]
pub fn entry(keys: &[u64], progress: &Progress) -> HashMap<u64, u64> {
    probe!();
    let mut counts = HashMap::new();
    let mut done = 0;
    for run in keys.chunks(progress.stride()) {
        for &key in run {
            *counts.entry(key).or_insert(0) += 1;
        }
        done += run.len();
        progress.done(done);
    }
    counts
}

/// Counts by hand: look the key up, bump it if present, otherwise insert a
/// count of 1 (a second lookup) — the first sighting already counts.
#[inline(never)]
pub fn check_insert(keys: &[u64], progress: &Progress) -> HashMap<u64, u64> {
    probe!();
    let mut counts = HashMap::new();
    let mut done = 0;
    for run in keys.chunks(progress.stride()) {
        for &key in run {
            match counts.get_mut(&key) {
                Some(count) => *count += 1,
                None => {
                    counts.insert(key, 1);
                }
            }
        }
        done += run.len();
        progress.done(done);
    }
    counts
}

/// Counts `keys` with `variant`, as (key, count) pairs in key order.
pub fn count_with(variant: &str, keys: &[u64], report: &(dyn Fn(f64) + Sync)) -> Vec<(u64, u64)> {
    let progress = &Progress::new(keys.len(), report);
    let counts = match variant {
        "entry" => entry(keys, progress),
        "check_insert" => check_insert(keys, progress),
        other => panic!("unknown variant `{other}`"),
    };
    let mut pairs: Vec<(u64, u64)> = counts.into_iter().collect();
    pairs.sort_unstable();
    pairs
}

fn run_count(run: &Run, args: &Args) -> Result<(), String> {
    let keys =
        random_keys(args.count("n"), args.int("max_value").unsigned_abs(), args.int("seed").unsigned_abs());
    let report = |f: f64| run.progress(f);
    let counts = count_with(args.variant(), &keys, &report);
    // The most common key; ties go to the smallest key.
    let (most_common, most_common_count) =
        counts.iter().fold((0, 0), |best, &(key, count)| if count > best.1 { (key, count) } else { best });
    run.number("distinct_keys", counts.len() as f64, "");
    run.number("total", counts.iter().map(|(_, count)| count).sum::<u64>() as f64, "");
    run.number("most_common", most_common as f64, "");
    run.number("most_common_count", most_common_count as f64, "");
    Ok(())
}

pub fn workload() -> Workload {
    Workload::new("count", "count how often each of n random integers in 0..=max_value occurs", run_count)
        .variant("entry", "the map entry API: *counts.entry(key).or_insert(0) += 1")
        .variant(
            "check_insert",
            "hand-written: look up, bump if present, else insert 1 (two lookups on a miss)",
        )
        .param(Param::int("n", "how many random integers", 10_000, 1, 100_000_000))
        .param(Param::int("max_value", "the integers are uniform in 0..=max_value", 10, 0, 1_000_000_000))
        .param(seed_param())
}

/// Counts by indexing a plain array: the reference for small keys.
fn reference_counts(keys: &[u64], max_value: u64) -> Vec<(u64, u64)> {
    let mut counts = vec![0; usize::try_from(max_value).unwrap_or(0) + 1];
    for &key in keys {
        counts[key as usize] += 1;
    }
    (0..=max_value).zip(counts).filter(|&(_, count)| count > 0).collect()
}

fn counts_correct(_run: &Run) -> Result<(), String> {
    let keys = random_keys(10_000, 10, 1);
    let expected = reference_counts(&keys, 10);
    for variant in ["entry", "check_insert"] {
        let counts = count_with(variant, &keys, &|_| {});
        if counts != expected {
            return Err(format!("{variant} counted {counts:?}, expected {expected:?}"));
        }
    }
    Ok(())
}

pub fn check() -> Check {
    Check::new(
        "count_correct",
        "both count variants match a plain array count of 10000 integers in 0..=10",
        counts_correct,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_starts_at_one() {
        for variant in ["entry", "check_insert"] {
            assert_eq!(count_with(variant, &[3, 1, 3, 3], &|_| {}), [(1, 1), (3, 3)], "{variant}");
        }
    }

    #[test]
    fn variants_agree_with_the_reference() {
        counts_correct_for(50_000, 1000);
        counts_correct_for(7, 0);
    }

    fn counts_correct_for(n: usize, max_value: u64) {
        let keys = random_keys(n, max_value, 9);
        let expected = reference_counts(&keys, max_value);
        assert_eq!(expected.iter().map(|(_, c)| c).sum::<u64>(), n as u64);
        assert_eq!(count_with("entry", &keys, &|_| {}), expected);
        assert_eq!(count_with("check_insert", &keys, &|_| {}), expected);
    }
}
