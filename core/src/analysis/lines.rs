//! A function's line table, like line_profiler's: per source line of the
//! function, the samples and bytes of its frames at that line, with the
//! source text captured at record time.

use super::heap::HeapFigures;
use super::index::{Analysis, Step};
use crate::report::{FunctionId, ROOT};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Lines without figures between the first and last line with figures are
/// listed (for reading the source) when the function spans at most this
/// many lines.
const MAX_FILLED_LINES: u32 = 1000;

/// One line of the function.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineRow {
    /// 1-based; 0 gathers the function's frames whose line is unknown.
    pub line: u32,
    /// Selected samples whose leaf frame is this function at this line.
    pub self_samples: u64,
    /// Selected samples with a frame of this function at this line, once
    /// per sample.
    pub inclusive_samples: u64,
    /// CPU seconds per run of the self and inclusive samples.
    pub self_cpu_s: f64,
    pub inclusive_cpu_s: f64,
    /// Inclusive samples as a percentage of all selected samples.
    pub percent: f64,
    /// Calls made from this line. `None` when unknown, which is always the
    /// case today: probes record no lines.
    pub calls: Option<u64>,
    /// Heap sites with a frame of this function at this line, once per site.
    pub heap: Option<HeapFigures>,
    /// The line's text as captured at record time.
    pub source: Option<String>,
}

/// A function's lines.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineTable {
    pub function: FunctionId,
    pub name: String,
    pub file: Option<String>,
    /// In line order (line 0 first, when present).
    pub rows: Vec<LineRow>,
    /// The line with the most inclusive samples (the lowest on a tie);
    /// `None` without samples.
    pub hottest_line: Option<u32>,
    /// True when lines without figures are listed between the first and
    /// last line; false when the function spans too many lines for that.
    pub gaps_filled: bool,
}

#[derive(Default)]
struct LineSums {
    self_samples: u64,
    inclusive_samples: u64,
    calls: Option<u64>,
    heap: HeapFigures,
}

impl Analysis<'_> {
    /// The line table of `function`.
    pub fn lines(&self, function: FunctionId) -> LineTable {
        let mut sums: BTreeMap<u32, LineSums> = BTreeMap::new();
        let mut open: HashMap<u32, u32> = HashMap::new();
        let line_of = |node: u32| self.report.nodes[node as usize].line;
        // Only the paths to the function's frames hold any of them.
        let leads = self.leading_to(function);
        self.walk_pruned(|step| match step {
            Step::Enter(node) if self.function(node) == function => {
                let id = node as usize;
                let line = line_of(node);
                let count = open.entry(line).or_default();
                let s = sums.entry(line).or_default();
                s.self_samples += self.self_samples[id];
                if *count == 0 {
                    s.inclusive_samples += self.subtree_samples[id];
                    if self.has_heap() {
                        s.heap += self.subtree_heap[id];
                    }
                }
                *count += 1;
                leads[id]
            }
            Step::Enter(node) => leads[node as usize],
            Step::Exit(node) => {
                if self.function(node) == function {
                    *open.entry(line_of(node)).or_default() -= 1;
                }
                true
            }
        });
        for id in 1..self.report.nodes.len() {
            let parent = self.parent(id as u32);
            if parent != ROOT
                && self.function(parent) == function
                && line_of(parent) > 0
                && let Some(c) = self.calls[id]
            {
                *sums.entry(line_of(parent)).or_default().calls.get_or_insert(0) += c.calls;
            }
        }
        sums.retain(|_, s| s.inclusive_samples > 0 || s.calls.is_some() || s.heap != HeapFigures::default());

        let info = &self.report.functions[function as usize];
        let known: Vec<u32> = sums.keys().copied().filter(|&l| l > 0).collect();
        let first = known.first().map(|&l| info.line.filter(|&f| f > 0 && f < l).unwrap_or(l));
        let gaps_filled = match (first, known.last()) {
            (Some(first), Some(&last)) if last - first < MAX_FILLED_LINES => {
                for line in first..=last {
                    sums.entry(line).or_default();
                }
                true
            }
            _ => false,
        };
        let hottest_line = sums
            .iter()
            .filter(|(_, s)| s.inclusive_samples > 0)
            .max_by(|(la, a), (lb, b)| a.inclusive_samples.cmp(&b.inclusive_samples).then(lb.cmp(la)))
            .map(|(&line, _)| line);
        let basis = self.basis();
        let rows = sums
            .into_iter()
            .map(|(line, s)| LineRow {
                line,
                self_samples: s.self_samples,
                inclusive_samples: s.inclusive_samples,
                self_cpu_s: basis.cpu.as_ref().map_or(0.0, |cpu| cpu.seconds(s.self_samples)),
                inclusive_cpu_s: basis.cpu.as_ref().map_or(0.0, |cpu| cpu.seconds(s.inclusive_samples)),
                percent: basis.cpu.as_ref().map_or(0.0, |cpu| cpu.percent(s.inclusive_samples)),
                calls: s.calls.zip(basis.calls.as_ref()).map(|(c, scale)| scale.count(c)),
                heap: basis.heap.as_ref().map(|h| h.scale(s.heap)),
                source: info
                    .file
                    .as_deref()
                    .and_then(|file| self.report.source_line(file, line))
                    .map(str::to_string),
            })
            .collect();
        LineTable {
            function,
            name: info.name.clone(),
            file: info.file.clone(),
            rows,
            hottest_line,
            gaps_filled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Analysis, Filter};

    /// `(line, self samples, inclusive samples, bytes, source)`.
    type Outline = (u32, u64, u64, Option<u64>, Option<String>);

    fn outline(table: &super::LineTable) -> Vec<Outline> {
        table
            .rows
            .iter()
            .map(|r| (r.line, r.self_samples, r.inclusive_samples, r.heap.map(|h| h.bytes), r.source.clone()))
            .collect()
    }

    fn src(line: u32) -> Option<String> {
        Some(format!("source line {line}"))
    }

    #[test]
    fn the_line_table_of_a_recursive_function_counts_each_sample_once() {
        let report = taylor();
        let analysis = Analysis::new(&report, &Filter::default());
        let table = analysis.lines(id(&report, FACT));
        // Line 21 is on the stack three times in 3 samples: 3, not 9. Line
        // 20 (the function's first line) has nothing but is listed.
        assert_eq!(
            outline(&table),
            vec![(20, 0, 0, Some(0), src(20)), (21, 3, 3, Some(0), src(21)), (22, 1, 1, Some(0), src(22))]
        );
        assert_eq!(table.hottest_line, Some(21));
        assert!(table.gaps_filled);
        assert_close(table.rows[1].percent, 300.0 / 7.0);
        assert_close(table.rows[1].inclusive_cpu_s, 3.0 * 0.02);
        assert!(table.rows.iter().all(|r| r.calls.is_none()), "probes know no lines");
    }

    #[test]
    fn the_line_table_separates_self_from_calls_and_shows_bytes() {
        let report = taylor();
        let analysis = Analysis::new(&report, &main_threads());
        let table = analysis.lines(id(&report, EXP));
        assert_eq!(
            outline(&table),
            vec![
                (10, 0, 0, Some(0), src(10)),
                (11, 2, 2, Some(0), src(11)),
                (12, 0, 4, Some(0), src(12)),
                (13, 0, 0, Some(3000), src(13)),
            ]
        );
        assert_eq!(table.hottest_line, Some(12));
        assert_eq!(table.file.as_deref(), Some(FILE));
    }
}
