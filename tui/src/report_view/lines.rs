//! The lines view, read like line_profiler's: `Line #`, samples, time,
//! `% Time`, calls, bytes and the line's text, the hottest line marked.

use super::Options;
use super::table::{Align, Table};
use super::units::{NONE, human_bytes, percent, seconds};
use proftui_core::analysis::{Analysis, LineTable, SortKey, sort_rows, top};
use proftui_core::report::FunctionId;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Serialize)]
pub struct LinesView {
    /// `None`: in line order.
    pub sort: Option<SortKey>,
    #[serde(flatten)]
    pub table: LineTable,
    pub omitted: usize,
}

pub fn build(analysis: &Analysis<'_>, function: FunctionId, options: &Options) -> LinesView {
    let mut table = analysis.lines(function);
    if let Some(sort) = options.sort {
        sort_rows(&mut table.rows, sort);
    }
    let omitted = top(&mut table.rows, options.top);
    LinesView { sort: options.sort, table, omitted }
}

pub fn text(analysis: &Analysis<'_>, view: &LinesView) -> String {
    let basis = analysis.basis();
    let table = &view.table;
    let info = &analysis.report().functions[table.function as usize];
    let mut out = format!("Function: {}", table.name);
    match (&table.file, info.line) {
        (Some(file), Some(line)) => {
            let _ = write!(out, " at {file}:{line}");
        }
        (Some(file), None) => {
            let _ = write!(out, " in {file}");
        }
        _ => out.push_str(" (no source file known)"),
    }
    out.push('\n');
    let inclusive: u64 =
        analysis.flat().iter().find(|r| r.function == table.function).map_or(0, |r| r.inclusive_samples);
    if let Some(cpu) = &basis.cpu {
        let _ = writeln!(
            out,
            "Total: {inclusive} samples with the function on the stack ({} of {}), {} cpu per run",
            percent(cpu.percent(inclusive)),
            cpu.samples,
            seconds(cpu.seconds(inclusive))
        );
    }
    match table.hottest_line {
        Some(line) => {
            let _ = writeln!(out, "Hottest line: {line} (marked >)");
        }
        None => out.push_str("Hottest line: none (no samples)\n"),
    }
    out.push_str(
        "Samples: with a frame of the function at the line, once per sample; Self: the line itself running; \
         Time: cpu per run; % Time: of all samples\n",
    );
    out.push_str("Calls: calls made from the line — unknown (—) because probes record no lines\n");
    if table.rows.iter().all(|r| r.source.is_none()) {
        out.push_str("(the report holds no source text for this function)\n");
    }
    out.push('\n');

    let mut columns = vec![("", Align::Left), ("Line #", Align::Right)];
    if basis.cpu.is_some() {
        columns.extend([
            ("Samples", Align::Right),
            ("Self", Align::Right),
            ("Time", Align::Right),
            ("% Time", Align::Right),
        ]);
    }
    columns.push(("Calls", Align::Right));
    if basis.heap.is_some() {
        columns.push(("Bytes", Align::Right));
    }
    columns.push(("Line Contents", Align::Left));
    let mut rendered = Table::new(&columns);
    for row in &table.rows {
        let mark = if Some(row.line) == table.hottest_line { ">" } else { "" };
        let line = if row.line == 0 { "?".to_string() } else { row.line.to_string() };
        let mut cells = vec![mark.to_string(), line];
        if basis.cpu.is_some() {
            cells.extend([
                row.inclusive_samples.to_string(),
                row.self_samples.to_string(),
                seconds(row.inclusive_cpu_s),
                percent(row.percent),
            ]);
        }
        cells.push(row.calls.map_or_else(|| NONE.to_string(), |c| c.to_string()));
        if basis.heap.is_some() {
            cells.push(row.heap.map_or_else(|| NONE.to_string(), |h| human_bytes(h.bytes)));
        }
        let text = match (row.line, &row.source) {
            (0, _) => "(frames whose line is unknown)".to_string(),
            (_, Some(source)) => source.clone(),
            (_, None) => String::new(),
        };
        cells.push(text);
        rendered.row(cells);
    }
    out.push_str(&rendered.render());
    if !table.gaps_filled && table.rows.len() > 1 {
        out.push_str("(only lines with figures: the function spans too many lines to list them all)\n");
    }
    if view.omitted > 0 {
        let _ = writeln!(out, "({} more lines; --top to show more)", view.omitted);
    }
    out
}
