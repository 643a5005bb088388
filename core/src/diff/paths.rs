//! The call-path half of a diff: [`PathDiff`], one call path (function
//! names from the root down) on both sides, how the paths of the two
//! top-down trees are matched, and how a [`Diff`]'s paths are looked up.

use super::{Changes, Context, Diff, Figures, Prepared, Presence, RoundValues, presence};
use crate::analysis::{Analysis, Filter, Tree};
use crate::report::Report;
use serde::Serialize;
use std::collections::HashMap;

/// One call path (function names from the root down) on both sides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathDiff {
    /// The path's id: its place in [`Diff::path_names`].
    pub id: u32,
    /// The caller's path; `None` at the top.
    pub parent: Option<u32>,
    /// The last function of the path.
    pub function: String,
    /// 1 at the top.
    pub depth: u32,
    pub presence: Presence,
    #[serde(flatten)]
    pub changes: Changes,
}

pub(super) const NO_PATH: u32 = u32::MAX;

impl Diff {
    /// The path of these names from the root down (new side's names).
    pub fn path(&self, names: &[&str]) -> Option<&PathDiff> {
        let mut at = NO_PATH;
        for name in names {
            at = *self.path_ids.get(&(at, (*name).to_string()))?;
        }
        self.path_rows.get(at as usize).map(|&row| &self.paths[row as usize])
    }

    /// The path by id.
    pub fn path_by_id(&self, id: u32) -> Option<&PathDiff> {
        self.path_rows.get(id as usize).map(|&row| &self.paths[row as usize])
    }

    /// The names of path `id` from the root down.
    pub fn path_names(&self, id: u32) -> Vec<&str> {
        let mut names = Vec::new();
        let mut at = self.path_by_id(id);
        while let Some(path) = at {
            names.push(path.function.as_str());
            at = path.parent.and_then(|p| self.path_by_id(p));
        }
        names.reverse();
        names
    }

    pub(super) fn build_paths(&mut self, context: &Context, rename: &dyn Fn(&str) -> String) {
        let mut parents: Vec<u32> = Vec::new();
        let mut functions: Vec<String> = Vec::new();
        let mut ids = HashMap::new();
        let mut per_side = [HashMap::new(), HashMap::new()];
        let mut rounds_per_side: [HashMap<u32, RoundValues>; 2] = [HashMap::new(), HashMap::new()];
        for (s, prepared) in [context.base, context.new].into_iter().enumerate() {
            let report = prepared.analysis.report();
            let mut tree = prepared.analysis.tree();
            let paths = path_ids(report, &tree, rename, &mut ids, &mut parents, &mut functions);
            for (node, &path) in tree.nodes().iter().zip(&paths).skip(1) {
                per_side[s].insert(path, figures_of_node(node));
            }
            let count = prepared.rounds.len();
            for (r, round) in prepared.rounds.iter().enumerate() {
                let analysis = Analysis::new(round, &Filter::default());
                tree = analysis.tree();
                let paths = path_ids(round, &tree, rename, &mut ids, &mut parents, &mut functions);
                for (node, &path) in tree.nodes().iter().zip(&paths).skip(1) {
                    let values = rounds_per_side[s].entry(path).or_insert_with(|| vec![(0.0, 0.0); count]);
                    values[r] = (node.self_cpu_s, node.inclusive_cpu_s);
                }
            }
        }
        let zeros = |p: &Prepared| vec![(0.0, 0.0); p.rounds.len()];
        let (base_zero, new_zero) = (zeros(context.base), zeros(context.new));
        let depth = |mut id: u32| {
            let mut depth = 0;
            while id != NO_PATH {
                depth += 1;
                id = parents[id as usize];
            }
            depth
        };
        self.paths = (0..functions.len() as u32)
            .filter(|id| per_side[0].contains_key(id) || per_side[1].contains_key(id))
            .map(|id| {
                let (b, n) = (per_side[0].get(&id), per_side[1].get(&id));
                let br = rounds_per_side[0].get(&id).unwrap_or(&base_zero);
                let nr = rounds_per_side[1].get(&id).unwrap_or(&new_zero);
                PathDiff {
                    id,
                    parent: (parents[id as usize] != NO_PATH).then_some(parents[id as usize]),
                    function: functions[id as usize].clone(),
                    depth: depth(id),
                    presence: presence(b.is_some(), n.is_some()),
                    changes: context.changes(b, n, br, nr),
                }
            })
            .collect();
        self.path_rows = vec![u32::MAX; functions.len()];
        for (place, row) in self.paths.iter().enumerate() {
            self.path_rows[row.id as usize] = place as u32;
        }
        self.path_ids = ids;
    }
}

/// The path id of every node of `tree` (the root's is `NO_PATH`), adding
/// new paths as needed. Tree nodes come parents first.
fn path_ids(
    report: &Report,
    tree: &Tree,
    rename: &dyn Fn(&str) -> String,
    ids: &mut HashMap<(u32, String), u32>,
    parents: &mut Vec<u32>,
    functions: &mut Vec<String>,
) -> Vec<u32> {
    let nodes = tree.nodes();
    let mut paths = vec![NO_PATH; nodes.len()];
    for (id, node) in nodes.iter().enumerate().skip(1) {
        let Some(function) = node.function else { continue };
        let parent = paths[node.parent as usize];
        let name = rename(&report.functions[function as usize].name);
        let next = functions.len() as u32;
        let path = *ids.entry((parent, name.clone())).or_insert_with(|| {
            parents.push(parent);
            functions.push(name);
            next
        });
        paths[id] = path;
    }
    paths
}

fn figures_of_node(node: &crate::analysis::TreeNode) -> Figures {
    Figures {
        self_samples: node.self_samples,
        inclusive_samples: node.inclusive_samples,
        calls: node.calls,
        self_s: node.self_s,
        inclusive_s: node.inclusive_s,
        bytes: node.inclusive_heap.map(|h| h.bytes),
        peak_bytes: node.inclusive_heap.map(|h| h.bytes_at_peak),
    }
}
