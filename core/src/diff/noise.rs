//! Whether a change is noise: a figure on each side as an [`Estimate`]
//! (value and standard error, and what the error rests on), and
//! [`judge`], which weighs the difference against both errors.
//!
//! Sampled time has two sources of error. With `record --repeat N` the
//! cpu pass ran N independent rounds, and the rounds' spread is the
//! run-to-run noise itself: the standard error of a figure is the sample
//! standard deviation of its per-round values over `sqrt(N)`. With one
//! round only the sampling error of a count is known: a figure resting on
//! `s` samples varies by about `sqrt(s)` samples (Poisson), so its
//! standard error is `sqrt(s)` × seconds per sample ÷ runs. A rounds
//! estimate is never taken below the sampling error (two or three rounds
//! can agree by chance), so the larger of the two is used.
//!
//! Calls and heap bytes are exact counts: a change there is never noise.
//! Calls-pass times are one measurement with no spread: their changes are
//! [`Verdict::Unknown`].

use crate::analysis::CpuBasis;
use crate::report::{CpuProfile, Report};
use serde::Serialize;

/// How many combined standard errors a change must exceed to be
/// significant. With normal errors 3 marks about 0.3% of unchanged
/// figures as changed. With two or three rounds a side the rounds' spread
/// is itself rough (Student's t with 2 to 4 degrees of freedom exceeds 3
/// in about 4% to 10% of cases); the floor at the sampling error keeps
/// that lower, and more rounds make the verdict surer.
pub const NOISE_K: f64 = 3.0;

/// What an estimate's error rests on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ErrorBasis {
    /// The spread of per-round values over this many rounds (floored at
    /// the sampling error of `samples`).
    Rounds { rounds: u32, samples: u64 },
    /// The sampling error of a count of this many samples.
    Samples { samples: u64 },
    /// The spread of this many repeated measurements (wall times of runs).
    Measurements { count: u32 },
    /// An exact count: no error.
    Exact,
    /// One measurement with no spread known (calls-pass times).
    Single,
}

/// A figure of one side with its standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub value: f64,
    /// Standard error of `value`, in its unit (0 for exact counts; unknown
    /// for [`ErrorBasis::Single`], where it is 0 and means nothing).
    pub sd: f64,
    pub basis: ErrorBasis,
}

impl Estimate {
    /// CPU seconds per run that `samples` stand for, with their sampling
    /// error: `sqrt(samples)` × seconds per sample ÷ runs.
    pub fn from_samples(samples: u64, cpu: &CpuBasis) -> Self {
        Self {
            value: cpu.seconds(samples),
            sd: poisson_sd(samples, cpu.seconds_per_sample, cpu.repeats),
            basis: ErrorBasis::Samples { samples },
        }
    }

    /// A sampled figure resting on `samples` over the whole pass, whose
    /// per-round values (per run, one per round) are `rounds`: the value
    /// is the whole pass's (`cpu.seconds(samples)`), its error the larger
    /// of the rounds' standard error and the sampling error. With fewer
    /// than two rounds this is [`Estimate::from_samples`].
    pub fn from_rounds(samples: u64, cpu: &CpuBasis, rounds: &[f64]) -> Self {
        let poisson = Self::from_samples(samples, cpu);
        let Some(spread) = standard_error(rounds) else {
            return poisson;
        };
        Self {
            value: poisson.value,
            sd: spread.max(poisson.sd),
            basis: ErrorBasis::Rounds { rounds: rounds.len() as u32, samples },
        }
    }

    /// Repeated measurements of one figure (e.g. wall times of runs): their
    /// mean, and the standard error of that mean; with fewer than two
    /// values, one measurement with no known spread.
    pub fn from_measurements(values: &[f64]) -> Self {
        let value = if values.is_empty() { 0.0 } else { values.iter().sum::<f64>() / values.len() as f64 };
        match standard_error(values) {
            Some(sd) => Self { value, sd, basis: ErrorBasis::Measurements { count: values.len() as u32 } },
            None => Self::single(value),
        }
    }

    /// An exact count (calls, bytes).
    pub fn exact(value: f64) -> Self {
        Self { value, sd: 0.0, basis: ErrorBasis::Exact }
    }

    /// One measurement whose spread is unknown (a calls-pass time).
    pub fn single(value: f64) -> Self {
        Self { value, sd: 0.0, basis: ErrorBasis::Single }
    }
}

/// Whether a change is real.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum Verdict {
    /// Both sides are the same figure.
    Unchanged,
    /// Beyond [`NOISE_K`] combined standard errors, or any change of an
    /// exact count.
    Significant,
    /// Within [`NOISE_K`] combined standard errors: the run-to-run spread
    /// (or the sampling error) explains it.
    Noise,
    /// No error is known for one side.
    Unknown { reason: String },
}

impl Verdict {
    /// True for [`Verdict::Noise`].
    pub fn is_noise(&self) -> bool {
        matches!(self, Verdict::Noise)
    }

    /// True for [`Verdict::Significant`].
    pub fn is_significant(&self) -> bool {
        matches!(self, Verdict::Significant)
    }
}

/// Judges the change from `base` to `new`: unchanged when the values are
/// equal; significant when both are exact; unknown when either is a
/// single measurement; otherwise noise when
/// `|new − base| ≤ NOISE_K × sqrt(sd_base² + sd_new²)`.
pub fn judge(base: &Estimate, new: &Estimate) -> Verdict {
    let delta = new.value - base.value;
    if delta == 0.0 {
        return Verdict::Unchanged;
    }
    if base.basis == ErrorBasis::Single || new.basis == ErrorBasis::Single {
        return Verdict::Unknown { reason: "one measurement on a side, no spread known".to_string() };
    }
    let sd = (base.sd * base.sd + new.sd * new.sd).sqrt();
    if delta.abs() > NOISE_K * sd { Verdict::Significant } else { Verdict::Noise }
}

/// The sampling error of `samples`, in CPU seconds per run.
fn poisson_sd(samples: u64, seconds_per_sample: f64, repeats: u32) -> f64 {
    (samples as f64).sqrt() * seconds_per_sample / f64::from(repeats.max(1))
}

/// The standard error of the mean of `values` (sample standard deviation
/// over `sqrt(n)`); `None` with fewer than two.
fn standard_error(values: &[f64]) -> Option<f64> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let variance = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
    Some((variance / n as f64).sqrt())
}

/// The rounds of a repeated cpu pass as reports of their own, each with
/// only its round's samples, CPU seconds and runs (and no calls, heap or
/// sources), so that any view's per-round figures come from the same
/// analysis as the whole. Empty when the pass ran once or its rounds do
/// not add up to its samples.
pub fn round_reports(report: &Report) -> Vec<Report> {
    let Some(cpu) = &report.cpu else {
        return Vec::new();
    };
    let total: u64 = cpu.rounds.iter().map(|r| u64::from(r.samples)).sum();
    if cpu.rounds.len() < 2 || total != cpu.samples.len() as u64 {
        return Vec::new();
    }
    let mut start = 0usize;
    cpu.rounds
        .iter()
        .map(|round| {
            let end = start + round.samples as usize;
            let profile = CpuProfile {
                clock: cpu.clock,
                unsampled_s: cpu.unsampled_s,
                requested_hz: cpu.requested_hz,
                achieved_hz: cpu.achieved_hz,
                cpu_s: round.cpu_s,
                wall_s: 0.0,
                wait_s: None,
                repeats: round.repeats,
                dropped: 0,
                samples: cpu.samples[start..end].to_vec(),
                rounds: Vec::new(),
            };
            start = end;
            Report {
                format: report.format.clone(),
                version: report.version,
                run: report.run.clone(),
                functions: report.functions.clone(),
                nodes: report.nodes.clone(),
                threads: report.threads.clone(),
                cpu: Some(profile),
                calls: None,
                heap: None,
                sources: Vec::new(),
                import: report.import.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(seconds_per_sample: f64, repeats: u32) -> CpuBasis {
        crate::analysis::fixtures::cpu_basis(0, seconds_per_sample, repeats)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-300)
    }

    #[test]
    fn a_sample_count_has_the_poisson_error() {
        // 3000 samples of 4 µs over 3 runs: 4 ms per run, error
        // sqrt(3000) × 4 µs / 3 = 54.772 × 1.3333 µs = 73.030 µs.
        let e = Estimate::from_samples(3000, &cpu(4e-6, 3));
        assert!(close(e.value, 4e-3), "{}", e.value);
        assert!((e.sd - 73.0297e-6).abs() < 1e-9, "{}", e.sd);
        assert_eq!(e.basis, ErrorBasis::Samples { samples: 3000 });
    }

    #[test]
    fn rounds_give_the_standard_error_of_their_mean() {
        // Rounds 4.0, 4.2, 4.4 ms: mean 4.2, sample sd 0.2, standard error
        // 0.2 / sqrt(3) = 0.11547 ms, above the sampling error of 100
        // samples of 10 µs over 1 run (sqrt(100) × 10 µs = 0.1 ms).
        let e = Estimate::from_rounds(100, &cpu(10e-6, 1), &[4.0e-3, 4.2e-3, 4.4e-3]);
        assert!((e.sd - 0.115470e-3).abs() < 1e-9, "{}", e.sd);
        assert!(close(e.value, 1e-3), "the value is the whole pass's: 100 × 10 µs");
        assert_eq!(e.basis, ErrorBasis::Rounds { rounds: 3, samples: 100 });
        // Rounds that agree exactly are floored at the sampling error.
        let agree = Estimate::from_rounds(100, &cpu(10e-6, 1), &[1e-3, 1e-3]);
        assert!(close(agree.sd, 0.1e-3), "{}", agree.sd);
        // One round is the sampling error alone.
        assert_eq!(
            Estimate::from_rounds(100, &cpu(10e-6, 1), &[1e-3]),
            Estimate::from_samples(100, &cpu(10e-6, 1))
        );
    }

    #[test]
    fn judge_weighs_the_change_against_both_errors() {
        let at = |value, sd| Estimate { value, sd, basis: ErrorBasis::Samples { samples: 1 } };
        // Combined error sqrt(0.03² + 0.04²) = 0.05; 3 × 0.05 = 0.15.
        assert_eq!(judge(&at(1.0, 0.03), &at(1.16, 0.04)), Verdict::Significant);
        assert_eq!(judge(&at(1.0, 0.03), &at(1.14, 0.04)), Verdict::Noise);
        assert_eq!(judge(&at(1.0, 0.03), &at(0.84, 0.04)), Verdict::Significant, "either direction");
        assert_eq!(judge(&at(1.0, 0.03), &at(1.0, 0.04)), Verdict::Unchanged);
        // 3000 vs 3100 samples of 4 µs, one run each: Δ = 400 µs, errors
        // 219.09 and 222.71 µs, combined 312.41 µs, 3× = 937 µs: noise.
        let c = cpu(4e-6, 1);
        assert_eq!(
            judge(&Estimate::from_samples(3000, &c), &Estimate::from_samples(3100, &c)),
            Verdict::Noise
        );
        // 3000 vs 3400: Δ = 1.6 ms > 3 × 4 µs × sqrt(6400) = 0.96 ms.
        assert_eq!(
            judge(&Estimate::from_samples(3000, &c), &Estimate::from_samples(3400, &c)),
            Verdict::Significant
        );
    }

    #[test]
    fn exact_counts_are_never_noise_and_single_measurements_are_unknown() {
        assert_eq!(judge(&Estimate::exact(1000.0), &Estimate::exact(1001.0)), Verdict::Significant);
        assert_eq!(judge(&Estimate::exact(7.0), &Estimate::exact(7.0)), Verdict::Unchanged);
        assert!(matches!(judge(&Estimate::single(1.0), &Estimate::single(2.0)), Verdict::Unknown { .. }));
        let m = Estimate::from_measurements(&[1.0, 2.0, 3.0]);
        // Mean 2, sample sd 1, standard error 1 / sqrt(3).
        assert!(close(m.value, 2.0) && close(m.sd, 1.0 / 3f64.sqrt()));
        assert_eq!(Estimate::from_measurements(&[5.0]).basis, ErrorBasis::Single);
    }
}
