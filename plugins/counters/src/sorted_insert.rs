//! sorted_insert: keep a sequence sorted while random items arrive, by
//! binary search + insert vs. push + sort.

use crate::{Progress, seed_param};
use proftui_plugin::{Args, Check, Param, Run, Workload, probe};
use rand::{RngExt, SeedableRng};

/// `n` integers uniform in `0..1_000_000_000`, from `seed`.
pub fn random_items(n: usize, seed: u64) -> Vec<u64> {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    (0..n).map(|_| rng.random_range(0..1_000_000_000)).collect()
}

/// Finds each item's place by binary search and inserts it there: a
/// logarithmic search and a linear shift per item.
#[inline(never)]
pub fn binary_insert(items: &[u64], progress: &Progress) -> Vec<u64> {
    probe!();
    let mut sorted = Vec::with_capacity(items.len());
    let mut done = 0;
    for run in items.chunks(progress.stride()) {
        for &item in run {
            let at = sorted.partition_point(|&x| x < item);
            sorted.insert(at, item);
        }
        done += run.len();
        progress.done(done);
    }
    sorted
}

/// Appends each item and sorts the whole sequence again.
#[inline(never)]
pub fn push_sort(items: &[u64], progress: &Progress) -> Vec<u64> {
    probe!();
    let mut sorted = Vec::with_capacity(items.len());
    let mut done = 0;
    for run in items.chunks(progress.stride()) {
        for &item in run {
            sorted.push(item);
            sorted.sort();
        }
        done += run.len();
        progress.done(done);
    }
    sorted
}

/// Inserts `items` one by one with `variant`, keeping them sorted.
pub fn insert_with(variant: &str, items: &[u64], report: &(dyn Fn(f64) + Sync)) -> Vec<u64> {
    let progress = &Progress::new(items.len(), report);
    match variant {
        "binary_insert" => binary_insert(items, progress),
        "push_sort" => push_sort(items, progress),
        other => panic!("unknown variant `{other}`"),
    }
}

fn run_sorted_insert(run: &Run, args: &Args) -> Result<(), String> {
    let items = random_items(args.count("n"), args.int("seed").unsigned_abs());
    let report = |f: f64| run.progress(f);
    let sorted = insert_with(args.variant(), &items, &report);
    run.number("length", sorted.len() as f64, "items");
    run.number("min", sorted.first().copied().unwrap_or(0) as f64, "");
    run.number("median", sorted.get(sorted.len() / 2).copied().unwrap_or(0) as f64, "");
    run.number("max", sorted.last().copied().unwrap_or(0) as f64, "");
    run.text("sorted", if sorted.is_sorted() { "yes" } else { "no" });
    Ok(())
}

pub fn workload() -> Workload {
    Workload::new(
        "sorted_insert",
        "insert n random integers one at a time, keeping the sequence sorted",
        run_sorted_insert,
    )
    .variant("binary_insert", "binary search for the place, then insert there (shifts the tail)")
    .variant("push_sort", "append, then sort the whole sequence again")
    .param(Param::int("n", "how many random integers to insert", 20_000, 1, 10_000_000))
    .param(seed_param())
}

fn sequences_agree(_run: &Run) -> Result<(), String> {
    let items = random_items(5_000, 2);
    let mut expected = items.clone();
    expected.sort_unstable();
    for variant in ["binary_insert", "push_sort"] {
        if insert_with(variant, &items, &|_| {}) != expected {
            return Err(format!("{variant} does not end with the 5000 items in sorted order"));
        }
    }
    Ok(())
}

pub fn check() -> Check {
    Check::new("sorted_insert_sorted", "both variants end with the same 5000 items, sorted", sequences_agree)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_variants_keep_every_item_in_order() {
        let items = [5, 1, 4, 1, 5, 9, 2, 6];
        for variant in ["binary_insert", "push_sort"] {
            assert_eq!(insert_with(variant, &items, &|_| {}), [1, 1, 2, 4, 5, 5, 6, 9], "{variant}");
        }
    }
}
