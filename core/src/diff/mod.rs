//! The difference between two reports, per function and per call path:
//! each figure's base and new value, the change, the ratio and whether the
//! change is noise ([`noise`]). Pure functions of two [`Report`]s, built on
//! [`crate::analysis`] (the flat profile and the top-down tree of each
//! side), so a diff shows the same per-run figures as the views.
//!
//! - Functions are matched by name, call paths by the names from the root
//!   down (addresses and ids mean nothing across runs). [`DiffOptions`]
//!   can pair two differently named functions (a variant's
//!   `simul::naive::evolve` with another's `simul::tuned::evolve`).
//! - Time is sampled CPU time per run when both sides have a cpu pass,
//!   else calls-pass time when both have a calls pass (one measurement,
//!   so its changes are [`Verdict::Unknown`]); never one pass against the
//!   other.
//! - Calls and bytes are exact counts: any change is
//!   [`Verdict::Significant`]. Bytes are allocated bytes and bytes live at
//!   the global peak of the allocation sites with the function on their
//!   stack (inclusive, as in the flat profile).
//! - A figure a side's pass did not measure is `None`; a function or path
//!   missing from a side whose pass exists counts as zero there.

pub mod gate;
pub mod noise;
mod paths;

pub use gate::{Condition, GateError, GateResult, Metric, Threshold, evaluate, parse_condition};
pub use noise::{ErrorBasis, Estimate, NOISE_K, Verdict, judge, round_reports};
pub use paths::PathDiff;

use crate::analysis::{Analysis, CallsBasis, CpuBasis, Filter, FlatRow};
use crate::params::ParamValue;
use crate::report::{PassKind, Report};
use serde::Serialize;
use std::collections::HashMap;

/// How to match the two sides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiffOptions {
    /// `(base name, new name)`: the base's function of the first name is
    /// compared with the new side's of the second, in functions and paths.
    /// Default none.
    pub pairs: Vec<(String, String)>,
    /// Match by full names only. By default, two variants of one workload
    /// are matched with the variant's module swapped: the base's
    /// `simul::naive::evolve` is compared with the new `simul::tuned::evolve`
    /// (see [`variant_renamed`]).
    pub exact_names: bool,
}

/// `name` of a function of variant `from` as variant `to` would name it:
/// every path segment equal to `from` becomes `to`
/// (`simul::naive::evolve` → `simul::tuned::evolve`).
pub fn variant_renamed(name: &str, from: &str, to: &str) -> String {
    name.split("::").map(|segment| if segment == from { to } else { segment }).collect::<Vec<_>>().join("::")
}

/// Which figure rows are sorted by: the largest absolute change first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffKey {
    #[default]
    Inclusive,
    SelfTime,
    Calls,
    Bytes,
    Peak,
    /// Alphabetically by name (paths: by their names from the root).
    Name,
}

/// Where the time figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeSource {
    /// CPU samples, per run (both sides have a cpu pass).
    Samples,
    /// Calls-pass times, per run when counts divide (no cpu pass on a side).
    Calls,
    /// Neither pass on both sides: no time figures.
    None,
}

/// One figure on both sides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub base: f64,
    pub new: f64,
    /// `new − base`.
    pub delta: f64,
    /// `new / base`; `None` when base is 0.
    pub ratio: Option<f64>,
    #[serde(flatten)]
    pub verdict: Verdict,
    /// What each side's error rests on.
    pub base_error: ErrorBasis,
    pub new_error: ErrorBasis,
    /// Both sides are exact counts (calls, bytes): any change is real.
    pub exact: bool,
    /// Standard errors of each side (0 for exact counts).
    pub base_sd: f64,
    pub new_sd: f64,
    /// Samples each side's figure rests on (sampled time only).
    pub base_samples: Option<u64>,
    pub new_samples: Option<u64>,
}

impl Change {
    /// The change between two estimates, judged by [`judge`].
    pub fn new(base: Estimate, new: Estimate) -> Self {
        let samples = |e: &Estimate| match e.basis {
            ErrorBasis::Rounds { samples, .. } | ErrorBasis::Samples { samples } => Some(samples),
            ErrorBasis::Measurements { .. } | ErrorBasis::Exact | ErrorBasis::Single => None,
        };
        Self {
            base: base.value,
            new: new.value,
            delta: new.value - base.value,
            ratio: (base.value != 0.0).then(|| new.value / base.value),
            verdict: judge(&base, &new),
            base_error: base.basis,
            new_error: new.basis,
            exact: base.basis == ErrorBasis::Exact && new.basis == ErrorBasis::Exact,
            base_sd: base.sd,
            new_sd: new.sd,
            base_samples: samples(&base),
            new_samples: samples(&new),
        }
    }

    /// The relative change (`ratio − 1`); `None` when base is 0.
    pub fn relative(&self) -> Option<f64> {
        self.ratio.map(|r| r - 1.0)
    }
}

/// On which sides a function or path exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Both,
    /// Only in the new report.
    Added,
    /// Only in the base report.
    Removed,
}

/// The figures of a function or path that a diff compares.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Changes {
    /// Exact calls (calls pass on both sides and probed on one).
    pub calls: Option<Change>,
    /// Self and inclusive time, per run (see [`TimeSource`]).
    pub self_time: Option<Change>,
    pub inclusive_time: Option<Change>,
    /// Bytes allocated (heap pass on both sides).
    pub bytes: Option<Change>,
    /// Bytes live at the global peak.
    pub peak_bytes: Option<Change>,
}

impl Changes {
    /// The change `key` sorts by.
    pub fn get(&self, key: DiffKey) -> Option<&Change> {
        match key {
            DiffKey::Inclusive => self.inclusive_time.as_ref(),
            DiffKey::SelfTime => self.self_time.as_ref(),
            DiffKey::Calls => self.calls.as_ref(),
            DiffKey::Bytes => self.bytes.as_ref(),
            DiffKey::Peak => self.peak_bytes.as_ref(),
            DiffKey::Name => None,
        }
    }

    /// Largest absolute change first; among equal changes, the larger new
    /// value (so a diff of a report with itself lists the heaviest first).
    fn sort_weight(&self, key: DiffKey) -> (f64, f64) {
        self.get(key).map_or((0.0, 0.0), |c| (c.delta.abs(), c.new.abs().max(c.base.abs())))
    }
}

/// One function on both sides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionDiff {
    /// The new side's name (the base's when removed).
    pub name: String,
    /// The base side's name, when paired with a different one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_name: Option<String>,
    pub file: Option<String>,
    pub presence: Presence,
    #[serde(flatten)]
    pub changes: Changes,
}

/// What one side is: the run, and what its figures rest on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    pub plugin: String,
    pub workload: String,
    pub variant: String,
    pub params: Vec<(String, ParamValue)>,
    /// CPU samples, rounds of the cpu pass, runs they cover and the
    /// achieved rate; `None` without a cpu pass.
    pub cpu: Option<CpuSide>,
    /// `None` without a calls pass.
    pub calls: Option<CallsBasis>,
    /// Median wall seconds per run of the bare pass's warm runs (the first
    /// run is left out when there are others); `None` without bare runs.
    pub wall_s: Option<f64>,
}

/// A side's cpu pass.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CpuSide {
    pub clock: crate::collect::cpu::SampleClock,
    pub samples: u64,
    pub rounds: u32,
    pub repeats: u32,
    pub achieved_hz: f64,
    /// The share of the pass the worker waited for a CPU (see
    /// [`crate::report::CpuProfile::wait_share`]); `None` when not measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_share: Option<f64>,
    /// The share of the pass's CPU time its clock could not sample (see
    /// [`crate::report::CpuProfile::unsampled_share`]); `None` for a clock
    /// that samples all of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsampled_share: Option<f64>,
}

/// The whole runs compared.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Process CPU seconds per run (both sides have a cpu pass).
    pub cpu_time: Option<Change>,
    /// Bare-pass wall seconds per run: the medians, judged against the
    /// standard error of the warm runs' mean.
    pub wall_time: Option<Change>,
    /// Bytes allocated per run (heap pass on both sides).
    pub bytes: Option<Change>,
    /// Live bytes at the global peak.
    pub peak_bytes: Option<Change>,
}

/// Two reports compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    pub base: Side,
    pub new: Side,
    pub time_source: TimeSource,
    /// The [`NOISE_K`] the verdicts use.
    pub noise_k: f64,
    pub sorted_by: DiffKey,
    pub totals: Totals,
    /// Every function of either side, sorted by [`Diff::sorted_by`].
    pub functions: Vec<FunctionDiff>,
    /// Every call path of either side, sorted the same way.
    pub paths: Vec<PathDiff>,
    /// Path id → place in `paths`.
    #[serde(skip)]
    path_rows: Vec<u32>,
    /// (caller's path id or `NO_PATH`, function name) → path id.
    #[serde(skip)]
    path_ids: HashMap<(u32, String), u32>,
    /// A function's name (new, else base) → its place in `functions`,
    /// kept in step by [`Diff::sort`].
    #[serde(skip)]
    function_rows: HashMap<String, usize>,
}

/// One side's figures of a function or path, before comparing.
#[derive(Debug, Clone, Copy, Default)]
struct Figures {
    self_samples: u64,
    inclusive_samples: u64,
    calls: Option<u64>,
    self_s: Option<f64>,
    inclusive_s: Option<f64>,
    bytes: Option<u64>,
    peak_bytes: Option<u64>,
}

impl Figures {
    fn of_flat(row: &FlatRow) -> Self {
        Self {
            self_samples: row.self_samples,
            inclusive_samples: row.inclusive_samples,
            calls: row.calls.map(|c| c.calls_total),
            self_s: row.calls.map(|c| c.self_s),
            inclusive_s: row.calls.map(|c| c.inclusive_s),
            bytes: row.inclusive_heap.map(|h| h.bytes),
            peak_bytes: row.inclusive_heap.map(|h| h.bytes_at_peak),
        }
    }
}

/// Per-round (self, inclusive) CPU seconds per run, one entry per round.
type RoundValues = Vec<(f64, f64)>;

/// One side prepared: its analysis, its rounds' analyses and which passes
/// it has.
struct Prepared<'r> {
    analysis: Analysis<'r>,
    rounds: Vec<Report>,
    cpu: Option<CpuBasis>,
    /// The sample weights are imported event counts (instructions), not
    /// samples: exact, with no sampling error.
    exact_samples: bool,
    has_calls: bool,
    has_heap: bool,
}

impl<'r> Prepared<'r> {
    fn new(report: &'r Report) -> Self {
        let analysis = Analysis::new(report, &Filter::default());
        let cpu = analysis.basis().cpu.clone();
        Self {
            rounds: round_reports(report),
            cpu,
            exact_samples: report.import.as_ref().is_some_and(|i| i.event != "samples"),
            has_calls: report.calls.is_some(),
            has_heap: report.heap.is_some(),
            analysis,
        }
    }
}

/// What both sides share, for building changes.
struct Context<'a> {
    time: TimeSource,
    base: &'a Prepared<'a>,
    new: &'a Prepared<'a>,
}

impl Context<'_> {
    /// The changes of one function or path; `None` figures on a side
    /// that has the pass count as zero.
    fn changes(
        &self,
        base: Option<&Figures>,
        new: Option<&Figures>,
        base_rounds: &[(f64, f64)],
        new_rounds: &[(f64, f64)],
    ) -> Changes {
        let zero = Figures::default();
        let (b, n) = (base.unwrap_or(&zero), new.unwrap_or(&zero));
        let exact = |has: fn(&Prepared) -> bool, get: fn(&Figures) -> Option<u64>| {
            let (bv, nv) = (get(b), get(n));
            (has(self.base) && has(self.new) && (bv.is_some() || nv.is_some())).then(|| {
                Change::new(Estimate::exact(bv.unwrap_or(0) as f64), Estimate::exact(nv.unwrap_or(0) as f64))
            })
        };
        let calls = exact(|p| p.has_calls, |f| f.calls);
        let bytes = exact(|p| p.has_heap, |f| f.bytes);
        let peak_bytes = exact(|p| p.has_heap, |f| f.peak_bytes);
        let (self_time, inclusive_time) = match (self.time, &self.base.cpu, &self.new.cpu) {
            (TimeSource::Samples, Some(bc), Some(nc)) => {
                let sampled = |samples: fn(&Figures) -> u64, pick: fn(&(f64, f64)) -> f64| {
                    let br: Vec<f64> = base_rounds.iter().map(pick).collect();
                    let nr: Vec<f64> = new_rounds.iter().map(pick).collect();
                    let estimate = |p: &Prepared, cpu: &CpuBasis, samples: u64, rounds: &[f64]| {
                        if p.exact_samples {
                            Estimate::exact(cpu.seconds(samples))
                        } else {
                            Estimate::from_rounds(samples, cpu, rounds)
                        }
                    };
                    Change::new(
                        estimate(self.base, bc, samples(b), &br),
                        estimate(self.new, nc, samples(n), &nr),
                    )
                };
                (Some(sampled(|f| f.self_samples, |r| r.0)), Some(sampled(|f| f.inclusive_samples, |r| r.1)))
            }
            (TimeSource::Calls, ..) => {
                let timed = |get: fn(&Figures) -> Option<f64>| {
                    (get(b).is_some() || get(n).is_some()).then(|| {
                        Change::new(
                            Estimate::single(get(b).unwrap_or(0.0)),
                            Estimate::single(get(n).unwrap_or(0.0)),
                        )
                    })
                };
                (timed(|f| f.self_s), timed(|f| f.inclusive_s))
            }
            _ => (None, None),
        };
        Changes { calls, self_time, inclusive_time, bytes, peak_bytes }
    }
}

fn presence(base: bool, new: bool) -> Presence {
    match (base, new) {
        (true, false) => Presence::Removed,
        (false, true) => Presence::Added,
        _ => Presence::Both,
    }
}

impl Diff {
    /// `base` and `new` compared, functions matched by name, sorted by the
    /// largest change of inclusive time.
    pub fn new(base: &Report, new: &Report) -> Self {
        Self::with_options(base, new, &DiffOptions::default())
    }

    /// `base` and `new` compared as `options` say, sorted by the largest
    /// change of inclusive time.
    pub fn with_options(base: &Report, new: &Report, options: &DiffOptions) -> Self {
        let renamed: HashMap<&str, &str> =
            options.pairs.iter().map(|(b, n)| (b.as_str(), n.as_str())).collect();
        let (from, to) = (base.run.variant.as_str(), new.run.variant.as_str());
        let swap = !options.exact_names
            && !from.is_empty()
            && !to.is_empty()
            && from != to
            && base.run.plugin == new.run.plugin
            && base.run.workload == new.run.workload;
        let rename = |name: &str| match renamed.get(name) {
            Some(paired) => paired.to_string(),
            None if swap => variant_renamed(name, from, to),
            None => name.to_string(),
        };
        let (b, n) = (Prepared::new(base), Prepared::new(new));
        let time = match (&b.cpu, &n.cpu) {
            (Some(_), Some(_)) => TimeSource::Samples,
            _ if b.has_calls && n.has_calls => TimeSource::Calls,
            _ => TimeSource::None,
        };
        let context = Context { time, base: &b, new: &n };
        let mut diff = Self {
            base: side(base, &b),
            new: side(new, &n),
            time_source: time,
            noise_k: NOISE_K,
            sorted_by: DiffKey::Inclusive,
            totals: totals(&context, base, new),
            functions: functions(&context, &rename),
            paths: Vec::new(),
            path_rows: Vec::new(),
            path_ids: HashMap::new(),
            function_rows: HashMap::new(),
        };
        diff.build_paths(&context, &rename);
        diff.sort(DiffKey::Inclusive);
        diff
    }

    /// Sorts functions and paths by the largest absolute change of `key`
    /// (ties, and [`DiffKey::Name`], by name).
    pub fn sort(&mut self, key: DiffKey) {
        self.sorted_by = key;
        let by = |a: &Changes, b: &Changes| {
            let (a, b) = (a.sort_weight(key), b.sort_weight(key));
            b.0.total_cmp(&a.0).then(b.1.total_cmp(&a.1))
        };
        if key == DiffKey::Name {
            self.functions.sort_by(|a, b| a.name.cmp(&b.name));
        } else {
            self.functions.sort_by(|a, b| by(&a.changes, &b.changes).then_with(|| a.name.cmp(&b.name)));
        }
        let names: Vec<String> = self.paths.iter().map(|p| self.path_names(p.id).join("\u{0}")).collect();
        let mut order: Vec<usize> = (0..self.paths.len()).collect();
        order.sort_by(|&a, &b| {
            let named = names[a].cmp(&names[b]);
            if key == DiffKey::Name {
                named
            } else {
                by(&self.paths[a].changes, &self.paths[b].changes).then(named)
            }
        });
        let mut rows: Vec<Option<PathDiff>> = std::mem::take(&mut self.paths).into_iter().map(Some).collect();
        self.paths = order.into_iter().map(|i| rows[i].take().expect("each row is taken once")).collect();
        for (place, row) in self.paths.iter().enumerate() {
            self.path_rows[row.id as usize] = place as u32;
        }
        // Base names first, so that a new name wins where both are one.
        self.function_rows.clear();
        for (place, row) in self.functions.iter().enumerate() {
            if let Some(base) = &row.base_name {
                self.function_rows.entry(base.clone()).or_insert(place);
            }
        }
        for (place, row) in self.functions.iter().enumerate() {
            self.function_rows.insert(row.name.clone(), place);
        }
    }

    /// The function of this name (new side's, or the base's when paired).
    pub fn function(&self, name: &str) -> Option<&FunctionDiff> {
        let matches = |f: &FunctionDiff| f.name == name || f.base_name.as_deref() == Some(name);
        let place = *self.function_rows.get(name)?;
        match self.functions.get(place) {
            Some(row) if matches(row) => Some(row),
            // `functions` is public: after a reordering the index does not
            // know of, look the name up the slow way.
            _ => self.functions.iter().find(|f| matches(f)),
        }
    }
}

/// Per function name, its per-round (self, inclusive) seconds per run.
fn round_values(prepared: &Prepared, rename: &dyn Fn(&str) -> String) -> HashMap<String, RoundValues> {
    let count = prepared.rounds.len();
    let mut values: HashMap<String, RoundValues> = HashMap::new();
    for (r, round) in prepared.rounds.iter().enumerate() {
        for row in Analysis::new(round, &Filter::default()).flat() {
            let entry = values.entry(rename(&row.name)).or_insert_with(|| vec![(0.0, 0.0); count]);
            entry[r] = (row.self_cpu_s, row.inclusive_cpu_s);
        }
    }
    values
}

fn functions(context: &Context, rename: &dyn Fn(&str) -> String) -> Vec<FunctionDiff> {
    let base_rows = context.base.analysis.flat();
    let new_rows = context.new.analysis.flat();
    let base_by_name: HashMap<String, &FlatRow> = base_rows.iter().map(|r| (rename(&r.name), r)).collect();
    let new_by_name: HashMap<&str, &FlatRow> = new_rows.iter().map(|r| (r.name.as_str(), r)).collect();
    let (base_rounds, new_rounds) =
        (round_values(context.base, rename), round_values(context.new, &|n| n.to_string()));
    let zeros = |p: &Prepared| vec![(0.0, 0.0); p.rounds.len()];
    let (base_zero, new_zero) = (zeros(context.base), zeros(context.new));
    let mut names: Vec<&str> = new_rows.iter().map(|r| r.name.as_str()).collect();
    names.extend(base_by_name.keys().map(String::as_str).filter(|n| !new_by_name.contains_key(n)));
    names
        .into_iter()
        .map(|name| {
            let (b, n) = (base_by_name.get(name), new_by_name.get(name));
            let changes = context.changes(
                b.map(|r| Figures::of_flat(r)).as_ref(),
                n.map(|r| Figures::of_flat(r)).as_ref(),
                base_rounds.get(name).unwrap_or(&base_zero),
                new_rounds.get(name).unwrap_or(&new_zero),
            );
            FunctionDiff {
                name: name.to_string(),
                base_name: b.filter(|r| r.name != name).map(|r| r.name.clone()),
                file: n.or(b).and_then(|r| r.file.clone()),
                presence: presence(b.is_some(), n.is_some()),
                changes,
            }
        })
        .collect()
}

fn totals(context: &Context, base: &Report, new: &Report) -> Totals {
    let cpu_time = match (&context.base.cpu, &context.new.cpu, &base.cpu, &new.cpu) {
        (Some(bc), Some(nc), Some(bp), Some(np)) => {
            let per_round = |p: &crate::report::CpuProfile| -> Vec<f64> {
                let rounds = p.round_list();
                if rounds.len() < 2 {
                    return Vec::new();
                }
                rounds.iter().map(|r| r.cpu_s / f64::from(r.repeats.max(1))).collect()
            };
            let estimate = |prepared: &Prepared, cpu: &CpuBasis, profile| {
                if prepared.exact_samples {
                    Estimate::exact(cpu.seconds(cpu.all_samples))
                } else {
                    Estimate::from_rounds(cpu.all_samples, cpu, &per_round(profile))
                }
            };
            Some(Change::new(estimate(context.base, bc, bp), estimate(context.new, nc, np)))
        }
        _ => None,
    };
    let wall = |report: &Report| {
        let runs = warm_walls(report)?;
        let mut estimate = Estimate::from_measurements(&runs);
        estimate.value = median(&runs);
        Some(estimate)
    };
    let wall_time = wall(base).zip(wall(new)).map(|(b, n)| Change::new(b, n));
    let heap = |a: &Analysis, get: fn(&crate::analysis::HeapFigures) -> u64| {
        a.basis().heap.as_ref().map(|h| Estimate::exact(get(&h.totals) as f64))
    };
    let bytes = heap(&context.base.analysis, |h| h.bytes)
        .zip(heap(&context.new.analysis, |h| h.bytes))
        .map(|(b, n)| Change::new(b, n));
    let peak_bytes = heap(&context.base.analysis, |h| h.bytes_at_peak)
        .zip(heap(&context.new.analysis, |h| h.bytes_at_peak))
        .map(|(b, n)| Change::new(b, n));
    Totals { cpu_time, wall_time, bytes, peak_bytes }
}

/// The bare pass's warm runs' wall seconds (see [`PassInfo::warm_walls`]).
fn warm_walls(report: &Report) -> Option<Vec<f64>> {
    let bare = report.run.passes.iter().find(|p| p.kind == PassKind::Bare)?;
    Some(bare.warm_walls()).filter(|runs| !runs.is_empty())
}

/// The median wall seconds per run of the bare pass's warm runs (see
/// [`PassInfo::warm_walls`]); `None` without bare runs.
pub fn bare_wall_s(report: &Report) -> Option<f64> {
    warm_walls(report).map(|runs| median(&runs))
}

fn median(values: &[f64]) -> f64 {
    crate::timing::Spread::of(values.iter().copied()).map_or(0.0, |s| s.median)
}

fn side(report: &Report, prepared: &Prepared) -> Side {
    Side {
        plugin: report.run.plugin.clone(),
        workload: report.run.workload.clone(),
        variant: report.run.variant.clone(),
        params: report.run.params.clone(),
        cpu: report.cpu.as_ref().map(|cpu| CpuSide {
            clock: cpu.clock,
            samples: cpu.total_weight(),
            rounds: cpu.round_list().len() as u32,
            repeats: cpu.repeats,
            achieved_hz: cpu.achieved_hz,
            wait_share: cpu.wait_share(),
            unsampled_share: cpu.unsampled_share(),
        }),
        calls: prepared.analysis.basis().calls.clone(),
        wall_s: bare_wall_s(report),
    }
}

#[cfg(test)]
mod tests;
