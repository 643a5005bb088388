//! A report opened in the explorer: the report, its index under the current
//! thread filter, and what views read (computed once per filter, not per
//! frame): the flat rows, and the top-down tree with its frames' weights,
//! which the tree, flame and map views share rather than each building
//! their own.

use super::baseline::Baseline;
use super::widgets::flame::{choose_weight, node_weights};
use proftui_core::analysis::{Analysis, Filter, FlatRow, Tree, Weight};
use proftui_core::diff::DiffOptions;
use proftui_core::report::{Report, ThreadId};
use std::path::PathBuf;
use std::sync::Arc;

/// One thread choice of the `t` key: a name and its ids in every pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadChoice {
    pub label: String,
    pub ids: Vec<ThreadId>,
}

pub struct Profile {
    pub report: Arc<Report>,
    /// Where it was loaded from or last saved to; `None` for a fresh run.
    pub path: Option<PathBuf>,
    pub analysis: Analysis<'static>,
    pub flat: Vec<FlatRow>,
    /// The top-down call tree (complete: it needs no `&mut` to read).
    pub tree: Arc<Tree>,
    /// What the flame graph's widths and the map's areas follow, and per
    /// node of `tree` that figure (see [`node_weights`]).
    pub weight: Weight,
    pub weights: Arc<[f64]>,
    pub threads: Vec<ThreadChoice>,
    /// Index into `threads`; `None` for all threads.
    pub thread: Option<usize>,
    /// Diff mode: the report this one is compared against.
    pub baseline: Option<Arc<Baseline>>,
}

impl Profile {
    pub fn new(report: Arc<Report>, path: Option<PathBuf>) -> Self {
        crate::report_view::units::set_event_unit(report.import.as_ref().map(|i| i.event.as_str()));
        let threads = thread_choices(&report);
        let Indexed { analysis, flat, tree, weight, weights } = Indexed::new(&report, &Filter::default());
        Self { report, path, analysis, flat, tree, weight, weights, threads, thread: None, baseline: None }
    }

    /// Diff mode: `new` compared against `base`.
    pub fn diff(
        base: Arc<Report>,
        base_path: PathBuf,
        new: Arc<Report>,
        new_path: PathBuf,
        options: &DiffOptions,
    ) -> Self {
        let baseline = Baseline::new(base, base_path, &new, options);
        Self { baseline: Some(Arc::new(baseline)), ..Self::new(new, Some(new_path)) }
    }

    /// Re-indexes for the next thread choice (all → each → all).
    pub fn next_thread(&mut self) {
        self.thread = match self.thread {
            None if !self.threads.is_empty() => Some(0),
            Some(i) if i + 1 < self.threads.len() => Some(i + 1),
            _ => None,
        };
        let filter = Filter { threads: self.thread.map(|i| self.threads[i].ids.clone()) };
        let Indexed { analysis, flat, tree, weight, weights } = Indexed::new(&self.report, &filter);
        (self.analysis, self.flat, self.tree, self.weight, self.weights) =
            (analysis, flat, tree, weight, weights);
    }

    /// The file name offered when saving: where it came from, or
    /// `plugin-workload-variant.json` for a fresh run.
    pub fn default_save_path(&self) -> PathBuf {
        self.path.clone().unwrap_or_else(|| {
            let run = &self.report.run;
            let mut name = format!("{}-{}", run.plugin, run.workload);
            if !run.variant.is_empty() {
                name = format!("{name}-{}", run.variant);
            }
            PathBuf::from(format!("{name}.json"))
        })
    }

    /// `all threads` or the chosen thread's label.
    pub fn thread_label(&self) -> &str {
        self.thread.map_or("all threads", |i| self.threads[i].label.as_str())
    }
}

/// What a profile computes for one filter.
struct Indexed {
    analysis: Analysis<'static>,
    flat: Vec<FlatRow>,
    tree: Arc<Tree>,
    weight: Weight,
    weights: Arc<[f64]>,
}

impl Indexed {
    fn new(report: &Arc<Report>, filter: &Filter) -> Self {
        let analysis = Analysis::shared(Arc::clone(report), filter);
        let flat = analysis.flat();
        let tree = analysis.tree();
        let weight = choose_weight(analysis.basis());
        let weights = node_weights(&tree, weight).into();
        Self { analysis, flat, tree: Arc::new(tree), weight, weights }
    }
}

/// Threads by name across passes (the same thread has another id in each
/// pass's worker); unnamed threads by OS id.
fn thread_choices(report: &Report) -> Vec<ThreadChoice> {
    let mut choices: Vec<ThreadChoice> = Vec::new();
    for (id, thread) in report.threads.iter().enumerate() {
        let label =
            if thread.name.is_empty() { format!("thread {}", thread.os_id) } else { thread.name.clone() };
        match choices.iter_mut().find(|c| c.label == label) {
            Some(choice) => choice.ids.push(id as ThreadId),
            None => choices.push(ThreadChoice { label, ids: vec![id as ThreadId] }),
        }
    }
    choices
}
