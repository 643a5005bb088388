//! taylor: the series of e and sin(1) from a recursive factorial, exactly as
//! WORKLOADS.md defines them, and the call counts that follow from those
//! definitions. This plugin is the test bed of exact call counting: the
//! functions live at the crate root so their profile names are
//! `taylor::factorial`, `taylor::taylor_exp` and `taylor::taylor_sin`.

mod workloads;

use proftui_plugin::probe;
use std::hint::black_box;

/// `n!` as an `f64`, by real recursion: `factorial(n)` makes `n + 1` calls.
///
/// The argument of the inner call goes through `black_box` so the optimiser
/// cannot turn the recursion into a loop; the call profiler counts every
/// level.
#[inline(never)]
pub fn factorial(n: u64) -> f64 {
    probe!();
    if n == 0 { 1.0 } else { n as f64 * factorial(black_box(n - 1)) }
}

/// The first `n` terms of the series of e¹: `1 / i!` for `i` in `0..n`.
///
/// `tick(i)` is called after term `i` every `stride` terms and after the last.
#[inline(never)]
pub fn taylor_exp(n: u64, stride: u64, tick: &dyn Fn(u64)) -> Vec<f64> {
    probe!();
    let mut terms = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
    for i in 0..n {
        terms.push(1.0 / factorial(i));
        if (i + 1) % stride == 0 || i + 1 == n {
            tick(i + 1);
        }
    }
    terms
}

/// The first `n` terms of the series of sin(1): `(-1)^((i-1)/2) / i!` for
/// odd `i`, `0.0` for even `i`; `factorial` is called for odd `i` only.
///
/// `tick` as for [`taylor_exp`].
#[inline(never)]
pub fn taylor_sin(n: u64, stride: u64, tick: &dyn Fn(u64)) -> Vec<f64> {
    probe!();
    let mut terms = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
    for i in 0..n {
        let term = if i % 2 == 1 {
            let sign = if (i - 1) / 2 % 2 == 0 { 1.0 } else { -1.0 };
            sign / factorial(i)
        } else {
            0.0
        };
        terms.push(term);
        if (i + 1) % stride == 0 || i + 1 == n {
            tick(i + 1);
        }
    }
    terms
}

/// Calls of `factorial` made by `taylor_exp` while computing its first
/// `terms` terms: `factorial(i)` makes `i + 1` calls, so `terms(terms+1)/2`.
pub fn exp_factorial_calls(terms: u64) -> u64 {
    terms * (terms + 1) / 2
}

/// Calls of `factorial` made by `taylor_sin` while computing its first
/// `terms` terms: odd `i = 2j - 1` for `j` in `1..=k`, `k = terms / 2`, each
/// making `2j` calls, so `k(k+1)`.
pub fn sin_factorial_calls(terms: u64) -> u64 {
    let k = terms / 2;
    k * (k + 1)
}

/// Calls of `factorial` from `taylor_exp` itself (not from `factorial`).
pub fn exp_primitive_calls(terms: u64) -> u64 {
    terms
}

/// Calls of `factorial` from `taylor_sin` itself: one per odd `i`.
pub fn sin_primitive_calls(terms: u64) -> u64 {
    terms / 2
}

/// The sum of a series' terms, smallest index first.
pub fn sum(terms: &[f64]) -> f64 {
    terms.iter().sum()
}

proftui_plugin::declare_plugin!(workloads::plugin);

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts calls by running the definitions on integers, for comparison
    /// with the closed forms.
    fn counted_calls(n: u64, odd_only: bool) -> u64 {
        (0..n).filter(|i| !odd_only || i % 2 == 1).map(|i| i + 1).sum()
    }

    #[test]
    fn call_count_formulas_match_the_definitions() {
        for n in [0, 1, 2, 3, 10, 11, 500, 501] {
            assert_eq!(exp_factorial_calls(n), counted_calls(n, false), "exp, n = {n}");
            assert_eq!(sin_factorial_calls(n), counted_calls(n, true), "sin, n = {n}");
            assert_eq!(sin_primitive_calls(n), (0..n).filter(|i| i % 2 == 1).count() as u64);
        }
        assert_eq!(exp_factorial_calls(500), 125_250);
        assert_eq!(sin_factorial_calls(500), 62_750);
    }

    #[test]
    fn factorial_is_exact_up_to_20() {
        assert_eq!(factorial(0), 1.0);
        assert_eq!(factorial(10), 3_628_800.0);
        assert_eq!(factorial(20), 2_432_902_008_176_640_000u64 as f64);
    }

    #[test]
    fn series_sum_to_e_and_sin_1() {
        let exp = sum(&taylor_exp(500, 1, &|_| {}));
        let sin = sum(&taylor_sin(500, 1, &|_| {}));
        assert!((exp - std::f64::consts::E).abs() < 1e-12, "{exp}");
        assert!((sin - 1f64.sin()).abs() < 1e-12, "{sin}");
    }

    #[test]
    fn sin_terms_alternate_on_odd_indices() {
        let terms = taylor_sin(8, 3, &|_| {});
        assert_eq!(terms[..4], [0.0, 1.0, 0.0, -1.0 / 6.0]);
        assert_eq!(terms[5], 1.0 / 120.0);
        assert_eq!(terms[7], -1.0 / 5040.0);
    }

    #[test]
    fn ticks_every_stride_and_at_the_end() {
        let ticks = std::cell::RefCell::new(Vec::new());
        taylor_exp(10, 4, &|done| ticks.borrow_mut().push(done));
        assert_eq!(*ticks.borrow(), [4, 8, 10]);
    }
}
