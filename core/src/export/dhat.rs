//! DHAT's JSON (file version 2, as valgrind's `dh_main.c` and the dhat
//! crate write it), for DHAT's viewer `dh_view.html`.
//!
//! One program point per allocation site of the heap pass, its frames
//! innermost first as DHAT orders them, each frame `function (file:line)`
//! (DHAT prints `0xADDR: function (file:line:column)`; the report keeps no
//! addresses or columns). Figures are the heap pass's as recorded: totals
//! over all its runs (`tb`/`tbk`), live at the global peak (`gb`/`gbk`),
//! live at the end (`eb`/`ebk`), the site's own largest live total and its
//! blocks then (`mb`/`mbk`), and the lifetimes of its blocks added up
//! (`tl`, microseconds).
//!
//! What the report does not keep is left out or zero, never made up: no
//! process id (`pid` is 0); `mbk` is 0, and `tl` absent with `bklt` false,
//! for a report recorded before those were kept. Times are in
//! microseconds from the start of the heap pass.

use super::ExportError;
use crate::report::{NodeId, PassKind, ROOT, Report};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;

const FORMAT: &str = "dhat";

#[derive(Serialize)]
#[allow(non_snake_case, reason = "DHAT's field names")]
struct DhatFile {
    dhatFileVersion: u32,
    mode: &'static str,
    verb: &'static str,
    bklt: bool,
    bkacc: bool,
    tu: &'static str,
    Mtu: &'static str,
    tuth: u64,
    cmd: String,
    pid: u32,
    tg: u64,
    te: u64,
    pps: Vec<ProgramPoint>,
    ftbl: Vec<String>,
}

#[derive(Serialize)]
struct ProgramPoint {
    tb: u64,
    tbk: u64,
    mb: u64,
    mbk: u64,
    gb: u64,
    gbk: u64,
    eb: u64,
    ebk: u64,
    /// Written for every point or for none (`bklt`).
    #[serde(skip_serializing_if = "Option::is_none")]
    tl: Option<u64>,
    fs: Vec<usize>,
}

/// Writes the heap pass of `report` as a DHAT file. Needs a heap pass.
pub fn write(report: &Report, out: &mut dyn Write) -> Result<(), ExportError> {
    let Some(heap) = &report.heap else {
        return Err(ExportError::MissingPass { format: FORMAT, pass: "heap" });
    };
    let mut table = FrameTable { report, index: HashMap::new(), ftbl: vec!["[root]".to_string()] };
    // The viewer shows lifetimes when the file says it has them for every
    // point; a report from before they were kept has none.
    let lifetimes = heap.sites.iter().all(|site| site.lifetimes_us.is_some());
    let pps = heap
        .sites
        .iter()
        .map(|site| ProgramPoint {
            tb: site.total_bytes,
            tbk: site.total_blocks,
            mb: site.max_bytes,
            mbk: site.max_blocks,
            gb: site.bytes_at_peak,
            gbk: site.blocks_at_peak,
            eb: site.bytes_at_end,
            ebk: site.blocks_at_end,
            tl: site.lifetimes_us.filter(|_| lifetimes),
            fs: table.frames(site.node),
        })
        .collect();
    let tg = heap.peak_time_ns / 1000;
    let te = heap.timeline.iter().map(|p| p.time_ns / 1000).max().unwrap_or(0).max(tg);
    let file = DhatFile {
        dhatFileVersion: 2,
        mode: "rust-heap",
        verb: "Allocated",
        bklt: lifetimes,
        bkacc: false,
        tu: "µs",
        Mtu: "s",
        // The dhat crate's threshold for short-lived blocks, in `tu`.
        tuth: 10,
        cmd: command(report),
        pid: 0,
        tg,
        te,
        pps,
        ftbl: table.ftbl,
    };
    serde_json::to_writer(&mut *out, &file)
        .map_err(|e| ExportError::Write { format: FORMAT, cause: e.into() })?;
    out.flush().map_err(|cause| ExportError::Write { format: FORMAT, cause })
}

/// What ran, as the viewer's "Command" line: plugin, workload, variant,
/// parameters, and the heap pass's runs when there were several.
fn command(report: &Report) -> String {
    let run = &report.run;
    let mut parts = vec![run.plugin_path.clone(), "-w".into(), run.workload.clone()];
    if !run.variant.is_empty() {
        parts.extend(["-V".into(), run.variant.clone()]);
    }
    for (name, value) in &run.params {
        parts.extend(["-p".into(), format!("{name}={value}")]);
    }
    let repeats = run.passes.iter().find(|p| p.kind == PassKind::Heap).map_or(1, |p| p.repeats);
    if repeats > 1 {
        parts.push(format!("(heap figures: totals over {repeats} runs)"));
    }
    parts.join(" ")
}

/// DHAT's frame table: `[root]` first, then one string per (function, line).
struct FrameTable<'a> {
    report: &'a Report,
    index: HashMap<String, usize>,
    ftbl: Vec<String>,
}

impl FrameTable<'_> {
    /// Frame indices of `node`'s stack, innermost first.
    fn frames(&mut self, node: NodeId) -> Vec<usize> {
        if node == ROOT {
            return Vec::new();
        }
        let mut path = self.report.path(node);
        path.reverse();
        path.into_iter()
            .map(|n| {
                let text = self.text(n);
                *self.index.entry(text.clone()).or_insert_with(|| {
                    self.ftbl.push(text);
                    self.ftbl.len() - 1
                })
            })
            .collect()
    }

    /// `function (file:line)`, without the parts that are unknown.
    fn text(&self, node: NodeId) -> String {
        let line = self.report.nodes[node as usize].line;
        let name = self.report.function_of(node).map_or("?", |f| f.name.as_str());
        match (self.report.function_of(node).and_then(|f| f.file.as_deref()), line) {
            (Some(file), 0) => format!("{name} ({file})"),
            (Some(file), line) => format!("{name} ({file}:{line})"),
            (None, 0) => name.to_string(),
            (None, line) => format!("{name} (:{line})"),
        }
    }
}
