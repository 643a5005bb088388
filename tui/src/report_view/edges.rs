//! The callers and callees views: the direct edges of the function, with
//! calls and cost per edge, then every function above (or below) it.

use super::Options;
use super::flat::{location, ncalls, sort_name};
use super::table::{Align, Table};
use super::units::{NONE, human_bytes, percent, seconds, seconds_or_none};
use proftui_core::analysis::{Analysis, Direction, EdgeRow, FlatRow, Reach, SortKey, sort_rows, top};
use proftui_core::report::FunctionId;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Serialize)]
pub struct EdgesView {
    pub function: FunctionId,
    pub name: String,
    pub direction: Direction,
    pub sort: SortKey,
    /// The function's own flat row (totals the edges split).
    pub totals: Option<FlatRow>,
    pub direct: Vec<EdgeRow>,
    pub direct_omitted: usize,
    pub transitive: Vec<EdgeRow>,
    pub transitive_omitted: usize,
}

pub fn build(
    analysis: &Analysis<'_>,
    function: FunctionId,
    direction: Direction,
    options: &Options,
) -> EdgesView {
    let sort = options.sort.unwrap_or(SortKey::Inclusive);
    let rows = |reach| {
        let mut rows = analysis.edges(function, direction, reach);
        sort_rows(&mut rows, sort);
        let omitted = top(&mut rows, options.top);
        (rows, omitted)
    };
    let (direct, direct_omitted) = rows(Reach::Direct);
    let (transitive, transitive_omitted) = rows(Reach::Transitive);
    EdgesView {
        function,
        name: analysis.name(function).to_string(),
        direction,
        sort,
        totals: analysis.flat().into_iter().find(|r| r.function == function),
        direct,
        direct_omitted,
        transitive,
        transitive_omitted,
    }
}

fn table(analysis: &Analysis<'_>, rows: &[EdgeRow], other: &str) -> String {
    let basis = analysis.basis();
    let mut columns = Vec::new();
    if basis.calls.is_some() {
        columns.extend([("calls", Align::Right), ("cumtime", Align::Right)]);
    }
    if basis.cpu.is_some() {
        columns.extend([("incl smp", Align::Right), ("incl %", Align::Right), ("cpu incl", Align::Right)]);
    }
    if basis.heap.is_some() {
        columns.extend([("bytes", Align::Right), ("leaked", Align::Right)]);
    }
    columns.push((other, Align::Left));
    let mut table = Table::new(&columns);
    for row in rows {
        let mut cells = Vec::new();
        if basis.calls.is_some() {
            cells.push(row.calls.map_or_else(|| NONE.to_string(), |c| c.to_string()));
            cells.push(seconds_or_none(row.inclusive_s));
        }
        if let Some(cpu) = &basis.cpu {
            cells.extend([row.samples.to_string(), percent(cpu.percent(row.samples)), seconds(row.cpu_s)]);
        }
        if basis.heap.is_some() {
            match &row.heap {
                Some(h) => cells.extend([human_bytes(h.bytes), human_bytes(h.bytes_at_end)]),
                None => cells.extend([NONE.to_string(), NONE.to_string()]),
            }
        }
        let info = row.function.map(|f| &analysis.report().functions[f as usize]);
        let mut name = location(&row.name, info.and_then(|i| i.file.as_deref()), info.and_then(|i| i.line));
        if row.recursive {
            name.push_str("  (recursive)");
        }
        cells.push(name);
        table.row(cells);
    }
    table.render()
}

pub fn text(analysis: &Analysis<'_>, view: &EdgesView) -> String {
    let (title, other, all, all_meaning) = match view.direction {
        Direction::Callers => (
            "callers of",
            "caller",
            "all callers",
            "every function above it on a stack; calls: its calls made anywhere below that function",
        ),
        Direction::Callees => (
            "callees of",
            "callee",
            "all callees",
            "every function below it on a stack; calls: that function's calls made anywhere below it",
        ),
    };
    let mut out = format!("{title} {}", view.name);
    if let Some(totals) = &view.totals {
        let mut parts = Vec::new();
        if let Some(c) = &totals.calls {
            let calls = ncalls(c.calls_total, c.calls_primitive);
            parts.push(format!("{calls} {}", if calls == "1" { "call" } else { "calls" }));
        }
        if let Some(cpu) = &analysis.basis().cpu {
            parts.push(format!(
                "{} samples incl ({})",
                totals.inclusive_samples,
                percent(cpu.percent(totals.inclusive_samples))
            ));
        }
        if let Some(h) = &totals.inclusive_heap {
            parts.push(format!("{} allocated below it", human_bytes(h.bytes)));
        }
        if !parts.is_empty() {
            let _ = write!(out, ": {}", parts.join(", "));
        }
    }
    let _ = writeln!(out, "; sorted by {}", sort_name(view.sort));
    out.push_str(
        "  per edge: calls exact (— where the calls pass has none); samples, time and bytes of the callee along it, once each\n\n",
    );
    if view.direct.is_empty() {
        let _ = writeln!(out, "no {other}s");
    } else {
        out.push_str(&table(analysis, &view.direct, other));
    }
    if view.direct_omitted > 0 {
        let _ = writeln!(out, "({} more; --top to show more)", view.direct_omitted);
    }
    let _ = writeln!(out, "\n{all} ({all_meaning}):\n");
    if view.transitive.is_empty() {
        let _ = writeln!(out, "none");
    } else {
        out.push_str(&table(analysis, &view.transitive, other));
    }
    if view.transitive_omitted > 0 {
        let _ = writeln!(out, "({} more; --top to show more)", view.transitive_omitted);
    }
    out
}
