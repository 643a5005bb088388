//! Timing of runs the way `time` reports it: wall clock, user and system
//! CPU, and the spread over repeats.

use serde::{Deserialize, Serialize};

/// One run's cost, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Timing {
    pub wall_s: f64,
    /// CPU time in user mode, summed over all threads.
    pub user_s: f64,
    /// CPU time in the kernel, summed over all threads.
    pub sys_s: f64,
}

/// Smallest, median and largest of a set of figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub min: f64,
    pub median: f64,
    pub max: f64,
}

impl Spread {
    /// The spread of `values`; `None` when there are none. The median of
    /// an even count is the mean of the middle two.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Self> {
        let mut sorted: Vec<f64> = values.into_iter().collect();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = match n {
            0 => return None,
            _ if n % 2 == 1 => sorted[n / 2],
            _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        };
        Some(Self { min: sorted[0], median, max: sorted[n - 1] })
    }
}

/// A duration in seconds as a person reads it: `812 ns`, `3.40 µs`,
/// `12.5 ms`, `1.234 s`, with three significant digits.
pub fn human_seconds(seconds: f64) -> String {
    let (value, unit) = match seconds.abs() {
        s if s < 1e-6 => (seconds * 1e9, "ns"),
        s if s < 1e-3 => (seconds * 1e6, "µs"),
        s if s < 1.0 => (seconds * 1e3, "ms"),
        _ => (seconds, "s"),
    };
    let decimals = match value.abs() {
        v if v < 10.0 => 2,
        v if v < 100.0 => 1,
        _ => 0,
    };
    if unit == "s" { format!("{seconds:.3} s") } else { format!("{value:.decimals$} {unit}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_of_odd_and_even_counts() {
        assert_eq!(Spread::of([3.0, 1.0, 2.0]), Some(Spread { min: 1.0, median: 2.0, max: 3.0 }));
        assert_eq!(Spread::of([4.0, 1.0, 2.0, 3.0]), Some(Spread { min: 1.0, median: 2.5, max: 4.0 }));
        assert_eq!(Spread::of([]), None);
    }

    #[test]
    fn human_seconds_picks_a_unit() {
        assert_eq!(human_seconds(0.000_000_812), "812 ns");
        assert_eq!(human_seconds(0.000_003_4), "3.40 µs");
        assert_eq!(human_seconds(0.012_5), "12.5 ms");
        assert_eq!(human_seconds(1.234_4), "1.234 s");
        assert_eq!(human_seconds(0.0), "0.00 ns");
    }
}
