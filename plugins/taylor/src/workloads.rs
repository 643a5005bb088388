//! The workloads and self-checks: progress weighted by factorial calls,
//! and the sums and call counts each run reports.

use crate::{
    exp_factorial_calls, exp_primitive_calls, factorial, sin_factorial_calls, sin_primitive_calls, sum,
    taylor_exp, taylor_sin,
};
use proftui_plugin::{Args, Check, Param, Plugin, Run, Workload};

/// Which series a workload computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Series {
    Exp,
    Sin,
    Both,
}

impl Series {
    fn has_exp(self) -> bool {
        self != Series::Sin
    }

    fn has_sin(self) -> bool {
        self != Series::Exp
    }

    /// Calls of `factorial` under `taylor_exp` for `n` terms.
    fn exp_calls(self, n: u64) -> u64 {
        if self.has_exp() { exp_factorial_calls(n) } else { 0 }
    }

    /// Calls of `factorial` under `taylor_sin` for `n` terms.
    fn sin_calls(self, n: u64) -> u64 {
        if self.has_sin() { sin_factorial_calls(n) } else { 0 }
    }

    /// Calls of `factorial` this workload makes for `n` terms.
    fn factorial_calls(self, n: u64) -> u64 {
        self.exp_calls(n) + self.sin_calls(n)
    }

    /// Of those, the calls made by `taylor_exp` and `taylor_sin` themselves.
    fn primitive_calls(self, n: u64) -> u64 {
        let exp = if self.has_exp() { exp_primitive_calls(n) } else { 0 };
        let sin = if self.has_sin() { sin_primitive_calls(n) } else { 0 };
        exp + sin
    }
}

/// Computes the series of `which` to `n` terms, reporting progress as the
/// fraction of `factorial` calls done, and reports the sums and the call
/// counts the profiler must find.
fn compute(run: &Run, n: u64, which: Series) {
    let total_calls = which.factorial_calls(n).max(1) as f64;
    let stride = (n / 100).max(1);
    let exp_calls = which.exp_calls(n);
    run.progress(0.0);
    if which.has_exp() {
        let terms =
            taylor_exp(n, stride, &|done| run.progress(exp_factorial_calls(done) as f64 / total_calls));
        let exp = sum(&terms);
        run.number("exp_sum", exp, "");
        run.number("exp_error", (exp - std::f64::consts::E).abs(), "");
        run.number("factorial_calls_from_exp", exp_factorial_calls(n) as f64, "calls");
    }
    if which.has_sin() {
        let terms = taylor_sin(n, stride, &|done| {
            run.progress((exp_calls + sin_factorial_calls(done)) as f64 / total_calls);
        });
        let sin = sum(&terms);
        run.number("sin_sum", sin, "");
        run.number("sin_error", (sin - 1f64.sin()).abs(), "");
        run.number("factorial_calls_from_sin", sin_factorial_calls(n) as f64, "calls");
    }
    let (calls, primitive) = (which.factorial_calls(n), which.primitive_calls(n));
    run.number("terms", n as f64, "");
    run.number("factorial_calls", calls as f64, "calls");
    run.number("factorial_primitive_calls", primitive as f64, "calls");
    run.number("factorial_recursive_calls", (calls - primitive) as f64, "calls");
    run.number("max_recursion_depth", deepest_factorial(n, which) as f64, "frames");
    run.progress(1.0);
}

/// Frames of the deepest `factorial` chain: `factorial(i)` is `i + 1` deep,
/// and the largest `i` is `n - 1` (the largest odd `i < n` for sin alone).
fn deepest_factorial(n: u64, which: Series) -> u64 {
    match which {
        Series::Sin => (n / 2) * 2,
        Series::Exp | Series::Both => n,
    }
}

fn workload(which: Series) -> impl Fn(&Run, &Args) -> Result<(), String> {
    move |run, args| {
        compute(run, args.int("n").unsigned_abs(), which);
        Ok(())
    }
}

fn terms_param() -> Param {
    Param::int("n", "number of series terms; factorial(n - 1) recurses n deep", 500, 1, 10_000)
}

fn factorial_values(run: &Run) -> Result<(), String> {
    let exact_20: u64 = (1..=20).product();
    for (n, expected) in [(0, 1.0), (1, 1.0), (10, 3_628_800.0), (20, exact_20 as f64)] {
        let got = factorial(n);
        if got != expected {
            return Err(format!("factorial({n}) is {got}, expected {expected}"));
        }
    }
    run.number("factorial_20", factorial(20), "");
    Ok(())
}

/// Checks that a series of 500 terms sums to `reference` within 1e-12.
fn series_check(which: Series, reference: f64) -> impl Fn(&Run) -> Result<(), String> {
    move |run| {
        let terms = match which {
            Series::Sin => taylor_sin(500, 500, &|_| {}),
            Series::Exp | Series::Both => taylor_exp(500, 500, &|_| {}),
        };
        let error = (sum(&terms) - reference).abs();
        run.number("error", error, "");
        if error <= 1e-12 {
            Ok(())
        } else {
            Err(format!(
                "500 terms sum to {} but the reference is {reference} (error {error:.3e})",
                sum(&terms)
            ))
        }
    }
}

pub fn plugin() -> Plugin {
    Plugin::new(
        "taylor",
        "series of e and sin(1) from a recursive factorial: exact call counts and recursion",
    )
    .workload(
        Workload::new(
            "benchmark",
            "taylor_exp(n) then taylor_sin(n); exp makes about twice the factorial calls of sin",
            workload(Series::Both),
        )
        .param(terms_param()),
    )
    .workload(
        Workload::new("exp", "taylor_exp(n) alone: 1/i! for i in 0..n", workload(Series::Exp))
            .param(terms_param()),
    )
    .workload(
        Workload::new("sin", "taylor_sin(n) alone: ±1/i! for odd i in 0..n", workload(Series::Sin))
            .param(terms_param()),
    )
    .check(Check::new(
        "factorial_values",
        "factorial(0) = 1, factorial(10) = 3628800, factorial(20) exact",
        factorial_values,
    ))
    .check(Check::new(
        "exp_sum",
        "500 terms of taylor_exp sum to e within 1e-12",
        series_check(Series::Exp, std::f64::consts::E),
    ))
    .check(Check::new(
        "sin_sum",
        "500 terms of taylor_sin sum to sin(1) within 1e-12",
        series_check(Series::Sin, 1f64.sin()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_call_counts_add_up() {
        assert_eq!(Series::Both.factorial_calls(500), 125_250 + 62_750);
        assert_eq!(Series::Exp.factorial_calls(500), 125_250);
        assert_eq!(Series::Sin.factorial_calls(500), 62_750);
        assert_eq!(Series::Both.primitive_calls(500), 750);
        assert_eq!(Series::Sin.primitive_calls(501), 250);
    }

    #[test]
    fn deepest_chain_is_the_largest_factorial_argument_plus_one() {
        assert_eq!(deepest_factorial(500, Series::Both), 500);
        assert_eq!(deepest_factorial(500, Series::Sin), 500);
        assert_eq!(deepest_factorial(501, Series::Sin), 500);
        assert_eq!(deepest_factorial(1, Series::Sin), 0);
    }

    #[test]
    fn recursion_10000_deep_fits_the_test_thread_stack() {
        assert_eq!(factorial(9_999), f64::INFINITY);
    }
}
