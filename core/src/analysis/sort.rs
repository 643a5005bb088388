//! Sorting view rows by a column, and keeping the top N.

use super::edges::EdgeRow;
use super::flat::FlatRow;
use super::heap::{HeapFigures, HeapSiteRow};
use super::lines::LineRow;
use serde::Serialize;

/// A column to sort by. Figures sort heaviest first, `Name` alphabetically
/// (line tables: by line number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// Call count (heap sites: blocks allocated).
    Calls,
    /// Self cost: self samples, then calls-pass self time.
    SelfCost,
    /// Inclusive cost: inclusive samples, then calls-pass inclusive time.
    Inclusive,
    /// Self samples, then inclusive samples.
    Samples,
    /// Bytes allocated.
    Bytes,
    /// Bytes live at the global peak.
    Peak,
    /// Bytes live at the end (leaked).
    Leaked,
    Name,
}

/// A row that can be sorted by any [`SortKey`].
pub trait Sortable {
    /// The figures `key` compares, most significant first; a missing
    /// figure is -1 so it sorts after a zero.
    fn figures(&self, key: SortKey) -> [f64; 2];
    /// What `SortKey::Name` compares.
    fn name(&self) -> &str;
}

fn count(value: Option<u64>) -> f64 {
    value.map_or(-1.0, |v| v as f64)
}

fn seconds(value: Option<f64>) -> f64 {
    value.unwrap_or(-1.0)
}

fn heap(figures: Option<HeapFigures>, key: SortKey) -> f64 {
    count(figures.map(|h| match key {
        SortKey::Peak => h.bytes_at_peak,
        SortKey::Leaked => h.bytes_at_end,
        _ => h.bytes,
    }))
}

/// Sorts `rows` by `key`; ties keep their order, then go by name.
pub fn sort_rows<T: Sortable>(rows: &mut [T], key: SortKey) {
    rows.sort_by(|a, b| {
        let by_name = a.name().cmp(b.name());
        if key == SortKey::Name {
            return by_name;
        }
        let (fa, fb) = (a.figures(key), b.figures(key));
        fb[0].total_cmp(&fa[0]).then(fb[1].total_cmp(&fa[1])).then(by_name)
    });
}

/// Keeps the first `n` rows (all when `None`); returns how many were cut.
pub fn top<T>(rows: &mut Vec<T>, n: Option<usize>) -> usize {
    let cut = n.map_or(0, |n| rows.len().saturating_sub(n));
    rows.truncate(rows.len() - cut);
    cut
}

impl Sortable for FlatRow {
    fn figures(&self, key: SortKey) -> [f64; 2] {
        let calls = self.calls.as_ref();
        match key {
            SortKey::Calls => [count(calls.map(|c| c.calls_total)), count(calls.map(|c| c.calls_primitive))],
            SortKey::SelfCost => [self.self_samples as f64, seconds(calls.map(|c| c.self_s))],
            SortKey::Inclusive => [self.inclusive_samples as f64, seconds(calls.map(|c| c.inclusive_s))],
            SortKey::Samples => [self.self_samples as f64, self.inclusive_samples as f64],
            SortKey::Bytes | SortKey::Peak | SortKey::Leaked => [heap(self.inclusive_heap, key), 0.0],
            SortKey::Name => [0.0; 2],
        }
    }

    fn name(&self) -> &str {
        &self.name
    }
}

impl Sortable for EdgeRow {
    fn figures(&self, key: SortKey) -> [f64; 2] {
        match key {
            SortKey::Calls => [count(self.calls), self.samples as f64],
            SortKey::SelfCost | SortKey::Inclusive | SortKey::Samples => {
                [self.samples as f64, seconds(self.inclusive_s)]
            }
            SortKey::Bytes | SortKey::Peak | SortKey::Leaked => [heap(self.heap, key), 0.0],
            SortKey::Name => [0.0; 2],
        }
    }

    fn name(&self) -> &str {
        &self.name
    }
}

impl Sortable for HeapSiteRow {
    fn figures(&self, key: SortKey) -> [f64; 2] {
        let h = self.heap;
        match key {
            SortKey::Calls | SortKey::Samples => [h.blocks as f64, h.bytes as f64],
            SortKey::Peak => [h.bytes_at_peak as f64, h.bytes as f64],
            SortKey::Leaked => [h.bytes_at_end as f64, h.bytes as f64],
            SortKey::Bytes | SortKey::SelfCost | SortKey::Inclusive => [h.bytes as f64, h.blocks as f64],
            SortKey::Name => [0.0; 2],
        }
    }

    fn name(&self) -> &str {
        &self.name
    }
}

impl Sortable for LineRow {
    fn figures(&self, key: SortKey) -> [f64; 2] {
        match key {
            SortKey::Calls => [count(self.calls), 0.0],
            SortKey::SelfCost => [self.self_samples as f64, self.inclusive_samples as f64],
            SortKey::Inclusive => [self.inclusive_samples as f64, self.self_samples as f64],
            SortKey::Samples => [self.self_samples as f64, self.inclusive_samples as f64],
            SortKey::Bytes | SortKey::Peak | SortKey::Leaked => [heap(self.heap, key), 0.0],
            SortKey::Name => [0.0; 2],
        }
    }

    /// Lines have no name; ties and `Name` keep line order, which
    /// [`sort_rows`]' stable sort preserves.
    fn name(&self) -> &str {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Analysis, Direction, Reach};
    use super::*;

    fn names(rows: &[impl Sortable]) -> Vec<&str> {
        rows.iter().map(Sortable::name).collect()
    }

    #[test]
    fn flat_rows_sort_by_every_column() {
        let report = taylor();
        let analysis = Analysis::new(&report, &main_threads());
        let mut rows = analysis.flat();
        let sorted = |rows: &mut Vec<FlatRow>, key| {
            sort_rows(rows, key);
            names(rows).iter().map(|n| n.to_string()).collect::<Vec<_>>()
        };
        // Unprobed functions have no calls: after every probed one.
        assert_eq!(sorted(&mut rows, SortKey::Calls), [FACT, EXP, GROW, RUN]);
        assert_eq!(sorted(&mut rows, SortKey::SelfCost), [FACT, EXP, GROW, RUN]);
        // Equal samples: taylor_exp's call time beats run's none.
        assert_eq!(sorted(&mut rows, SortKey::Inclusive), [EXP, RUN, FACT, GROW]);
        assert_eq!(sorted(&mut rows, SortKey::Samples), [FACT, EXP, RUN, GROW]);
        assert_eq!(sorted(&mut rows, SortKey::Bytes), [RUN, GROW, EXP, FACT]);
        assert_eq!(sorted(&mut rows, SortKey::Leaked), [GROW, RUN, EXP, FACT]);
        assert_eq!(sorted(&mut rows, SortKey::Name), [GROW, FACT, RUN, EXP]);
        assert_eq!(top(&mut rows, Some(3)), 1);
        assert_eq!(rows.len(), 3);
        assert_eq!(top(&mut rows, None), 0);
        assert_eq!(top(&mut rows, Some(10)), 0);
    }

    #[test]
    fn edges_sites_and_lines_sort_too() {
        let report = taylor();
        let analysis = Analysis::new(&report, &main_threads());
        let mut edges = analysis.edges(id(&report, FACT), Direction::Callers, Reach::Direct);
        sort_rows(&mut edges, SortKey::Calls);
        assert_eq!(names(&edges), [FACT, EXP]);
        sort_rows(&mut edges, SortKey::Inclusive);
        assert_eq!(names(&edges), [EXP, FACT]);

        let mut sites = analysis.heap_sites().expect("heap pass");
        sort_rows(&mut sites, SortKey::Calls);
        assert_eq!(names(&sites), [RUN, EXP], "5 blocks before 3");
        sort_rows(&mut sites, SortKey::Bytes);
        assert_eq!(names(&sites), [EXP, RUN]);

        let mut lines = analysis.lines(id(&report, EXP)).rows;
        sort_rows(&mut lines, SortKey::Inclusive);
        assert_eq!(lines.iter().map(|l| l.line).collect::<Vec<_>>(), [12, 11, 10, 13]);
        sort_rows(&mut lines, SortKey::Bytes);
        assert_eq!(lines[0].line, 13);
    }
}
