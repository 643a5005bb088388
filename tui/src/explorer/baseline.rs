//! Diff mode: the base report a profile is compared against, and how the
//! views show a change.
//!
//! The explorer shows the NEW report's figures; every view looks up the
//! same function (by name), edge, tree path or line in the base and shows
//! the change beside them. Two variants of one workload name their
//! functions after their module (`simul::naive::evolve` against
//! `simul::tuned::evolve`), so names are compared with the variant's path
//! segment left out (see [`comparable_name`]), as `proftui diff` does;
//! `--pair A=B` pairs more.
//!
//! Sampled times carry noise, judged as `proftui diff` judges it
//! ([`proftui_core::diff::judge`]): a change is marked `~` (noise) when it
//! lies within [`NOISE_K`](proftui_core::diff::NOISE_K) combined standard errors. A function's error is
//! the spread of its per-round figures when both reports were recorded
//! with `--repeat N` (never below the sampling error); an edge's, a path's
//! or a line's is the sampling error of its count (Poisson: `√k` samples).
//! Calls and bytes are exact counts and never noise.

use proftui_core::analysis::{Analysis, CpuBasis, Direction, Filter, FlatRow, LineTable, Reach, Tree};
use proftui_core::diff::{Change, Diff, DiffOptions, Estimate, Presence, TimeSource, judge, variant_renamed};
use proftui_core::report::{FunctionId, Report};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// The base side of a diff.
pub struct Baseline {
    pub report: Arc<Report>,
    pub path: PathBuf,
    pub analysis: Analysis<'static>,
    pub flat: Vec<FlatRow>,
    /// Comparable name → index into `flat`.
    by_name: HashMap<String, usize>,
    /// The new report's variant, for comparable names of its functions.
    new_variant: String,
    /// Base name → new name, from `--pair`.
    pairs: HashMap<String, String>,
    /// Names are compared with the variant's module left out: two
    /// variants of one workload, unless `--exact-names` (as `proftui diff`
    /// decides).
    swap: bool,
    /// `proftui diff`'s comparison: function figures judged with their
    /// rounds.
    pub diff: Diff,
    /// The base's top-down tree, built when a view first asks for it and
    /// shared by the tree view and the flame graph.
    tree: OnceLock<Arc<Tree>>,
}

impl Baseline {
    /// Indexes `report` (all threads) as the base of `new`, its functions
    /// matched as `options` say.
    pub fn new(report: Arc<Report>, path: PathBuf, new: &Report, options: &DiffOptions) -> Self {
        let analysis = Analysis::shared(Arc::clone(&report), &Filter::default());
        let flat = analysis.flat();
        let diff = Diff::with_options(&report, new, options);
        let swap = !options.exact_names
            && !report.run.variant.is_empty()
            && !new.run.variant.is_empty()
            && report.run.variant != new.run.variant
            && report.run.plugin == new.run.plugin
            && report.run.workload == new.run.workload;
        let mut baseline = Self {
            report,
            path,
            analysis,
            flat,
            by_name: HashMap::new(),
            new_variant: new.run.variant.clone(),
            pairs: options.pairs.iter().cloned().collect(),
            swap,
            diff,
            tree: OnceLock::new(),
        };
        baseline.by_name =
            baseline.flat.iter().enumerate().map(|(i, row)| (baseline.base_key(&row.name), i)).collect();
        baseline
    }

    /// The base's top-down tree (all threads), built once.
    pub fn tree(&self) -> Arc<Tree> {
        Arc::clone(self.tree.get_or_init(|| Arc::new(self.analysis.tree())))
    }

    /// The comparable name of the base function `name`: its pair's, when
    /// `--pair` named it.
    pub fn base_key(&self, name: &str) -> String {
        match self.pairs.get(name) {
            Some(paired) => self.comparable_new(paired),
            None if self.swap => comparable_name(name, &self.report.run.variant),
            None => name.to_string(),
        }
    }

    /// The sampled change of inclusive and self time of the function the
    /// new report calls `name`, as `proftui diff` judges it (with the
    /// rounds of a repeated recording); `None` unless both reports have a
    /// cpu pass.
    pub fn function_change(&self, name: &str) -> Option<(SampledChange, SampledChange)> {
        if self.diff.time_source != TimeSource::Samples {
            return None;
        }
        let row = self.diff.function(name)?;
        let change = |c: Option<&Change>| c.map(|c| SampledChange::from_change(c, row.presence));
        Some((change(row.changes.inclusive_time.as_ref())?, change(row.changes.self_time.as_ref())?))
    }

    /// The base's row of the function the new report calls `name`.
    pub fn row(&self, name: &str) -> Option<&FlatRow> {
        self.by_name.get(&self.comparable_new(name)).map(|&i| &self.flat[i])
    }

    /// The base's id of the function the new report calls `name`.
    pub fn function(&self, name: &str) -> Option<FunctionId> {
        self.row(name).map(|r| r.function)
    }

    /// The base's cpu basis (`None` without a cpu pass).
    pub fn cpu(&self) -> Option<&CpuBasis> {
        self.analysis.basis().cpu.as_ref()
    }

    /// `base-file → new` for captions.
    pub fn label(&self) -> String {
        let run = &self.report.run;
        let mut label = format!("{} · {}", run.plugin, run.workload);
        if !run.variant.is_empty() {
            label = format!("{label} · {}", run.variant);
        }
        format!("{label} ({})", self.path.display())
    }

    /// The comparable name (see [`comparable_name`]) of a function the new
    /// report calls `name`.
    pub fn comparable_new(&self, name: &str) -> String {
        if self.swap { comparable_name(name, &self.new_variant) } else { name.to_string() }
    }

    /// The comparable name of every base function, by its id.
    pub fn comparable_base_names(&self) -> Vec<String> {
        self.report.functions.iter().map(|f| self.base_key(&f.name)).collect()
    }

    /// The base's edges of the function the new report calls `name`, by
    /// the comparable name of their other end (`(root)` for the root):
    /// calls and samples along each. Empty when the base lacks the
    /// function.
    pub fn edges(&self, name: &str, direction: Direction, reach: Reach) -> HashMap<String, BaseEdge> {
        let Some(function) = self.function(name) else { return HashMap::new() };
        let mut edges: HashMap<String, BaseEdge> = HashMap::new();
        for row in self.analysis.edges(function, direction, reach) {
            let key = match row.function {
                Some(_) => self.base_key(&row.name),
                None => row.name,
            };
            // Two base functions with one comparable name: their edges add up.
            let edge = edges.entry(key).or_insert(BaseEdge { calls: None, samples: 0 });
            if let Some(calls) = row.calls {
                *edge.calls.get_or_insert(0) += calls;
            }
            edge.samples += row.samples;
        }
        edges
    }

    /// The change of a sampled figure resting on `base` samples here and
    /// `new` there (the new report's `new_cpu`); a side with no samples
    /// counts as absent, so a path or edge that only the calls or heap
    /// pass saw shows no change. `None` when the base has no cpu pass.
    pub fn sampled_change(&self, base: Option<u64>, new: u64, new_cpu: &CpuBasis) -> Option<SampledChange> {
        let base_cpu = self.cpu()?;
        Some(SampledChange::of(base.filter(|&s| s > 0), base_cpu, Some(new).filter(|&s| s > 0), new_cpu))
    }

    /// The base's line table of the function the new report calls `name`;
    /// `None` when the base lacks it.
    pub fn lines(&self, name: &str) -> Option<LineTable> {
        self.function(name).map(|function| self.analysis.lines(function))
    }
}

/// A base edge's figures (see [`Baseline::edges`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BaseEdge {
    /// Calls along the edge; `None` when the base's calls pass has no count.
    pub calls: Option<u64>,
    /// Samples along the edge.
    pub samples: u64,
}

/// `name` with the path segment equal to `variant` replaced by `*`:
/// `simul::naive::evolve` in variant `naive` is `simul::*::evolve`. Names
/// of a report without a variant are kept.
pub fn comparable_name(name: &str, variant: &str) -> String {
    if variant.is_empty() { name.to_string() } else { variant_renamed(name, variant, "*") }
}

/// The change of a sampled time between base and new.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampledChange {
    /// Per-run seconds on each side; `None` when that side has no such
    /// function, edge or line.
    pub base_s: Option<f64>,
    pub new_s: Option<f64>,
    /// True when the change lies within [`NOISE_K`](proftui_core::diff::NOISE_K) combined standard
    /// errors (see the module docs).
    pub noise: bool,
}

impl SampledChange {
    /// `base` and `new` samples of a figure, each with its side's basis.
    pub fn of(base: Option<u64>, base_cpu: &CpuBasis, new: Option<u64>, new_cpu: &CpuBasis) -> Self {
        let (b, n) = (base.unwrap_or(0), new.unwrap_or(0));
        let verdict = judge(&Estimate::from_samples(b, base_cpu), &Estimate::from_samples(n, new_cpu));
        Self {
            base_s: base.map(|s| base_cpu.seconds(s)),
            new_s: new.map(|s| new_cpu.seconds(s)),
            noise: verdict.is_noise(),
        }
    }

    /// A function's change as `proftui diff` judged it.
    pub fn from_change(change: &Change, presence: Presence) -> Self {
        Self {
            base_s: (presence != Presence::Added).then_some(change.base),
            new_s: (presence != Presence::Removed).then_some(change.new),
            noise: change.verdict.is_noise(),
        }
    }

    /// The change in seconds (absent sides count as zero).
    pub fn delta_s(&self) -> f64 {
        self.new_s.unwrap_or(0.0) - self.base_s.unwrap_or(0.0)
    }

    /// `+1.20 ms +23%`, `~-3 µs`, `0`, `new`, `gone`.
    pub fn text(&self) -> String {
        match (self.base_s, self.new_s) {
            (None, None) => String::new(),
            (None, Some(_)) => "new".into(),
            (Some(_), None) => "gone".into(),
            (Some(base), Some(new)) if base == new => "0".into(),
            (Some(base), Some(new)) => {
                let mark = if self.noise { "~" } else { "" };
                let ratio =
                    if base > 0.0 { format!(" {:+.0}%", (new / base - 1.0) * 100.0) } else { String::new() };
                format!("{mark}{}{ratio}", signed_seconds(new - base))
            }
        }
    }
}

/// `+1.20 ms`, `-350 ns`, `0 s`.
pub fn signed_seconds(delta: f64) -> String {
    let magnitude = crate::report_view::units::seconds(delta.abs());
    if delta > 0.0 {
        format!("+{magnitude}")
    } else if delta < 0.0 {
        format!("-{magnitude}")
    } else {
        magnitude
    }
}

/// `+12`, `-3`, `0`: the change of an exact count; `new`/`gone` when one
/// side lacks it.
pub fn count_change(base: Option<u64>, new: Option<u64>) -> String {
    match (base, new) {
        (None, None) => String::new(),
        (None, Some(_)) => "new".into(),
        (Some(_), None) => "gone".into(),
        (Some(b), Some(n)) => match n.cmp(&b) {
            std::cmp::Ordering::Equal => "0".into(),
            std::cmp::Ordering::Greater => format!("+{}", n - b),
            std::cmp::Ordering::Less => format!("-{}", b - n),
        },
    }
}

/// `+1.5 KiB`, `-800 B`: the change of a byte count.
pub fn bytes_change(base: Option<u64>, new: Option<u64>) -> String {
    use crate::report_view::units::human_bytes;
    match (base, new) {
        (None, None) => String::new(),
        (None, Some(_)) => "new".into(),
        (Some(_), None) => "gone".into(),
        (Some(b), Some(n)) if n == b => "0".into(),
        (Some(b), Some(n)) if n > b => format!("+{}", human_bytes(n - b)),
        (Some(b), Some(n)) => format!("-{}", human_bytes(b - n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proftui_core::analysis::fixtures::cpu_basis as cpu;

    #[test]
    fn variant_segments_are_left_out_of_names() {
        assert_eq!(comparable_name("simul::naive::evolve", "naive"), "simul::*::evolve");
        assert_eq!(comparable_name("simul::tuned::evolve", "tuned"), "simul::*::evolve");
        assert_eq!(comparable_name("simul::naive_helper", "naive"), "simul::naive_helper");
        assert_eq!(comparable_name("taylor::factorial", ""), "taylor::factorial");
    }

    #[test]
    fn a_change_within_three_standard_errors_is_noise() {
        // 4 ms per sample, one run per side. 100 vs 110 samples: a change
        // of 40 ms; the combined error is 4 ms × √(100 + 110) = 57.97 ms,
        // three times that is 173.9 ms: noise.
        let side = cpu(1000, 0.004, 1);
        let change = SampledChange::of(Some(100), &side, Some(110), &side);
        assert!(change.noise);
        assert_eq!(change.text(), "~+40.0 ms +10%");
        // 100 vs 150: 200 ms against 3 × 4 ms × √250 = 189.7 ms: a change.
        let change = SampledChange::of(Some(100), &side, Some(150), &side);
        assert!(!change.noise);
        assert_eq!(change.text(), "+200 ms +50%");
    }

    #[test]
    fn per_run_division_applies_to_both_sides() {
        // Base: 1 ms per sample over 10 runs; new: 2 ms per sample over
        // 20 runs. 1000 samples each: 100 ms per run on both sides.
        let change = SampledChange::of(Some(1000), &cpu(1000, 0.001, 10), Some(1000), &cpu(1000, 0.002, 20));
        assert_eq!(change.delta_s(), 0.0);
        assert_eq!(change.text(), "0");
    }

    #[test]
    fn one_sided_figures_say_new_or_gone() {
        let side = cpu(10, 0.001, 1);
        assert_eq!(SampledChange::of(None, &side, Some(5), &side).text(), "new");
        assert_eq!(SampledChange::of(Some(5), &side, None, &side).text(), "gone");
        assert_eq!(count_change(Some(750), Some(750)), "0");
        assert_eq!(count_change(Some(750), Some(1000)), "+250");
        assert_eq!(count_change(Some(750), Some(700)), "-50");
        assert_eq!(count_change(None, Some(7)), "new");
        assert_eq!(bytes_change(Some(2048), Some(1024)), "-1.00 KiB");
    }
}
