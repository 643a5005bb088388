//! The flat view, read like cProfile's table: `ncalls tottime percall
//! cumtime percall`, then the sampled and heap columns, then
//! `file:line(function)`. Columns of an absent pass are left out.

use super::Options;
use super::table::{Align, Table};
use super::units::{NONE, human_bytes, percent, seconds, seconds_or_none};
use proftui_core::analysis::{Analysis, FlatRow, SortKey, sort_rows, top};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Serialize)]
pub struct FlatView {
    pub sort: SortKey,
    pub rows: Vec<FlatRow>,
    /// Rows left out by `--top`.
    pub omitted: usize,
}

pub fn build(analysis: &Analysis<'_>, options: &Options) -> FlatView {
    let mut rows = analysis.flat();
    let sort = options.sort.unwrap_or(SortKey::Inclusive);
    sort_rows(&mut rows, sort);
    let omitted = top(&mut rows, options.top);
    FlatView { sort, rows, omitted }
}

/// `15/3` when some calls were recursive, `15` when none were.
pub fn ncalls(total: u64, primitive: u64) -> String {
    if total == primitive { total.to_string() } else { format!("{total}/{primitive}") }
}

/// cProfile's `filename:lineno(function)`, or the bare name without a file.
pub fn location(name: &str, file: Option<&str>, line: Option<u32>) -> String {
    match file {
        Some(file) => format!("{file}:{}({name})", line.unwrap_or(0)),
        None => name.to_string(),
    }
}

pub fn text(analysis: &Analysis<'_>, view: &FlatView) -> String {
    let basis = analysis.basis();
    let mut columns = Vec::new();
    if basis.calls.is_some() {
        columns.extend([
            ("ncalls", Align::Right),
            ("tottime", Align::Right),
            ("percall", Align::Right),
            ("cumtime", Align::Right),
            ("percall", Align::Right),
        ]);
    }
    if basis.cpu.is_some() {
        columns.extend([
            ("self smp", Align::Right),
            ("self %", Align::Right),
            ("cpu self", Align::Right),
            ("incl smp", Align::Right),
            ("incl %", Align::Right),
            ("cpu incl", Align::Right),
        ]);
    }
    if basis.heap.is_some() {
        columns.extend([("bytes", Align::Right), ("at peak", Align::Right), ("leaked", Align::Right)]);
    }
    columns.push(("filename:lineno(function)", Align::Left));
    let mut table = Table::new(&columns);
    for row in &view.rows {
        let mut cells = Vec::new();
        if basis.calls.is_some() {
            match &row.calls {
                Some(c) => cells.extend([
                    ncalls(c.calls_total, c.calls_primitive),
                    seconds(c.self_s),
                    seconds_or_none(c.self_per_call_s()),
                    seconds(c.inclusive_s),
                    seconds_or_none(c.inclusive_per_call_s()),
                ]),
                None => cells.extend(std::iter::repeat_n(NONE.to_string(), 5)),
            }
        }
        if let Some(cpu) = &basis.cpu {
            cells.extend([
                row.self_samples.to_string(),
                percent(cpu.percent(row.self_samples)),
                seconds(row.self_cpu_s),
                row.inclusive_samples.to_string(),
                percent(cpu.percent(row.inclusive_samples)),
                seconds(row.inclusive_cpu_s),
            ]);
        }
        if basis.heap.is_some() {
            match &row.inclusive_heap {
                Some(h) => cells.extend([h.bytes, h.bytes_at_peak, h.bytes_at_end].map(human_bytes)),
                None => cells.extend(std::iter::repeat_n(NONE.to_string(), 3)),
            }
        }
        cells.push(location(&row.name, row.file.as_deref(), row.line));
        table.row(cells);
    }
    let mut out = format!(
        "flat profile: {} functions, sorted by {}\n",
        view.rows.len() + view.omitted,
        sort_name(view.sort)
    );
    if let Some(calls) = &basis.calls {
        let scale =
            if calls.per_run { "per run".to_string() } else { format!("totals over {} runs", calls.repeats) };
        let _ = writeln!(
            out,
            "  ncalls total/primitive, tottime, cumtime: calls pass, exact, {scale}; percall: tottime/ncalls, cumtime/primitive"
        );
    }
    if basis.cpu.is_some() {
        out.push_str("  smp: cpu samples (incl: once per sample, however deep the recursion); cpu: sampled time per run\n");
    }
    if basis.heap.is_some() {
        out.push_str("  bytes, at peak, leaked: heap sites with the function on their stack\n");
    }
    out.push('\n');
    out.push_str(&table.render());
    if view.omitted > 0 {
        let _ = writeln!(out, "({} more functions; --top to show more)", view.omitted);
    }
    out
}

/// How a sort key reads in a subtitle.
pub fn sort_name(key: SortKey) -> &'static str {
    match key {
        SortKey::Calls => "calls",
        SortKey::SelfCost => "self cost",
        SortKey::Inclusive => "inclusive cost",
        SortKey::Samples => "self samples",
        SortKey::Bytes => "bytes allocated",
        SortKey::Peak => "bytes at peak",
        SortKey::Leaked => "bytes leaked",
        SortKey::Name => "name",
    }
}
