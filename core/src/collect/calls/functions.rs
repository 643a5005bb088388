//! cProfile's flat view of the calls pass: one row per function, derived
//! from the calling-context trees.
//!
//! Recursion never counts twice: a function's inclusive time is taken only
//! at its outermost frames, so it never exceeds the time actually spent.

use super::{CallsData, ThreadCalls};
use crate::plugin::ProbeSite;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One function's calls, summed over its call paths (and threads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCalls {
    pub function: String,
    pub total_calls: u64,
    /// Calls with no other frame of the same function above them on the
    /// stack (cProfile's primitive calls); the rest are recursive.
    pub primitive_calls: u64,
    /// Time in the function's outermost frames, callees included.
    pub inclusive_ns: u64,
    /// Time in the function itself, outside probed callees.
    pub self_ns: u64,
}

/// Every probed function's calls over all threads, by function name.
/// Sites of the same function (several probes in one body) are one row.
pub fn per_function(data: &CallsData) -> Vec<FunctionCalls> {
    let mut rows: HashMap<String, FunctionCalls> = HashMap::new();
    for thread in &data.threads {
        for row in per_function_of_thread(thread, &data.sites) {
            match rows.get_mut(&row.function) {
                Some(sum) => {
                    sum.total_calls += row.total_calls;
                    sum.primitive_calls += row.primitive_calls;
                    sum.inclusive_ns += row.inclusive_ns;
                    sum.self_ns += row.self_ns;
                }
                None => {
                    rows.insert(row.function.clone(), row);
                }
            }
        }
    }
    sorted(rows.into_values().collect())
}

/// Every probed function's calls on one thread, by function name; `sites`
/// names the site ids (index + 1), an unknown id is named `<probe site N>`.
pub fn per_function_of_thread(thread: &ThreadCalls, sites: &[ProbeSite]) -> Vec<FunctionCalls> {
    let nodes = &thread.nodes;
    if nodes.is_empty() {
        return Vec::new();
    }
    let mut functions: Vec<FunctionCalls> = Vec::new();
    let mut function_of_site: HashMap<u32, usize> = HashMap::new();
    let mut index_of_name: HashMap<String, usize> = HashMap::new();
    let mut function_of_node = vec![usize::MAX; nodes.len()];
    let mut children: Vec<Vec<u32>> = vec![Vec::new(); nodes.len()];
    for (index, node) in nodes.iter().enumerate().skip(1) {
        let function = *function_of_site.entry(node.site).or_insert_with(|| {
            let name = site_name(sites, node.site);
            *index_of_name.entry(name.clone()).or_insert_with(|| {
                functions.push(FunctionCalls {
                    function: name,
                    total_calls: 0,
                    primitive_calls: 0,
                    inclusive_ns: 0,
                    self_ns: 0,
                });
                functions.len() - 1
            })
        });
        function_of_node[index] = function;
        if let Some(siblings) = children.get_mut(node.parent as usize)
            && (node.parent as usize) < index
        {
            siblings.push(index as u32);
        }
    }

    // Depth-first from the root, counting each function's frames on the
    // current path: a node is outermost when its function has none above.
    let mut open_frames = vec![0u32; functions.len()];
    let mut walk: Vec<(u32, bool)> = children[0].iter().rev().map(|&child| (child, true)).collect();
    while let Some((index, entering)) = walk.pop() {
        let node = &nodes[index as usize];
        let function = function_of_node[index as usize];
        if !entering {
            open_frames[function] -= 1;
            continue;
        }
        let row = &mut functions[function];
        row.total_calls += node.calls;
        row.self_ns += node.self_ns;
        if open_frames[function] == 0 {
            row.primitive_calls += node.calls;
            row.inclusive_ns += node.inclusive_ns;
        }
        open_frames[function] += 1;
        walk.push((index, false));
        walk.extend(children[index as usize].iter().rev().map(|&child| (child, true)));
    }
    sorted(functions)
}

fn site_name(sites: &[ProbeSite], site: u32) -> String {
    match (site as usize).checked_sub(1).and_then(|index| sites.get(index)) {
        Some(known) => known.function.clone(),
        None => format!("<probe site {site}>"),
    }
}

fn sorted(mut rows: Vec<FunctionCalls>) -> Vec<FunctionCalls> {
    rows.sort_by(|a, b| a.function.cmp(&b.function));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::calls::CallNode;

    fn site(function: &str, line: u32) -> ProbeSite {
        ProbeSite { function: function.to_owned(), file: "src/lib.rs".to_owned(), line }
    }

    /// A thread from (parent, site, calls, inclusive_ns, self_ns) rows after the root.
    fn thread(rows: &[(u32, u32, u64, u64, u64)]) -> ThreadCalls {
        let root = CallNode { parent: 0, site: 0, calls: 0, inclusive_ns: 0, self_ns: 0 };
        let nodes = std::iter::once(root)
            .chain(rows.iter().map(|&(parent, site, calls, inclusive_ns, self_ns)| CallNode {
                parent,
                site,
                calls,
                inclusive_ns,
                self_ns,
            }))
            .collect();
        ThreadCalls { thread_id: 1, thread_name: String::new(), nodes }
    }

    fn row(function: &str, calls: (u64, u64), inclusive_ns: u64, self_ns: u64) -> FunctionCalls {
        FunctionCalls {
            function: function.to_owned(),
            total_calls: calls.0,
            primitive_calls: calls.1,
            inclusive_ns,
            self_ns,
        }
    }

    #[test]
    fn mutual_recursion_counts_outermost_frames_only() {
        // a → b → a → b, each entered once.
        let sites = [site("a", 1), site("b", 2)];
        let t = thread(&[(0, 1, 1, 100, 10), (1, 2, 1, 90, 20), (2, 1, 1, 70, 30), (3, 2, 1, 40, 40)]);
        assert_eq!(
            per_function_of_thread(&t, &sites),
            vec![row("a", (2, 1), 100, 40), row("b", (2, 1), 90, 60)]
        );
    }

    #[test]
    fn sites_of_one_function_are_one_row_and_nest_as_recursion() {
        // Two probes in `f` (lines 1 and 5), the second inside the first.
        let sites = [site("f", 1), site("f", 5), site("g", 9)];
        let t = thread(&[(0, 1, 2, 100, 50), (1, 2, 2, 50, 20), (2, 3, 4, 30, 30), (0, 3, 1, 5, 5)]);
        assert_eq!(
            per_function_of_thread(&t, &sites),
            vec![row("f", (4, 2), 100, 70), row("g", (5, 5), 35, 35)]
        );
    }

    #[test]
    fn threads_are_summed_and_unknown_sites_named_by_id() {
        let data = CallsData {
            sites: vec![site("a", 1)],
            threads: vec![thread(&[(0, 1, 3, 30, 20), (1, 4, 1, 10, 10)]), thread(&[(0, 1, 2, 20, 20)])],
            unmatched_exits: 0,
            still_open: 0,
            threads_missed: 0,
        };
        assert_eq!(
            per_function(&data),
            vec![row("<probe site 4>", (1, 1), 10, 10), row("a", (5, 5), 50, 40)]
        );
    }
}
