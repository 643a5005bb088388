//! The heap views: allocation sites like a memory profiler's table
//! (allocated, at peak, leaked, blocks, site), and live bytes over time.

use super::Options;
use super::flat::{location, sort_name};
use super::table::{Align, Table};
use super::units::{NONE, human_bytes, seconds, since_start};
use proftui_core::analysis::{Analysis, HeapSiteRow, SortKey, Timeline, sort_rows, top};
use serde::Serialize;
use std::fmt::Write as _;

/// Points of the timeline when `--top` is not given.
pub const DEFAULT_POINTS: usize = 40;
/// Width of the timeline's bars, in characters.
const BAR_WIDTH: usize = 40;
/// Frames of a long stack shown at each end.
const STACK_ENDS: usize = 3;

#[derive(Serialize)]
pub struct HeapView {
    pub sort: SortKey,
    pub sites: Vec<HeapSiteRow>,
    pub omitted: usize,
}

pub fn build(analysis: &Analysis<'_>, options: &Options) -> Option<HeapView> {
    let mut sites = analysis.heap_sites()?;
    let sort = options.sort.unwrap_or(SortKey::Bytes);
    sort_rows(&mut sites, sort);
    let omitted = top(&mut sites, options.top);
    Some(HeapView { sort, sites, omitted })
}

/// `a → b → c`, or the ends of a long stack around a count of the rest.
fn stack_line(stack: &[String]) -> String {
    if stack.len() <= 2 * STACK_ENDS + 1 {
        return stack.join(" → ");
    }
    let head = stack[..STACK_ENDS].join(" → ");
    let tail = stack[stack.len() - STACK_ENDS..].join(" → ");
    format!("{head} → … {} frames … → {tail}", stack.len() - 2 * STACK_ENDS)
}

pub fn text(view: &HeapView) -> String {
    let mut table = Table::new(&[
        ("allocated", Align::Right),
        ("blocks", Align::Right),
        ("at peak", Align::Right),
        ("leaked", Align::Right),
        ("leaked blocks", Align::Right),
        ("site max", Align::Right),
        ("avg life", Align::Right),
        ("site", Align::Left),
    ]);
    for site in &view.sites {
        let h = site.heap;
        let line = (site.line > 0).then_some(site.line);
        table.row(vec![
            human_bytes(h.bytes),
            h.blocks.to_string(),
            human_bytes(h.bytes_at_peak),
            human_bytes(h.bytes_at_end),
            h.blocks_at_end.to_string(),
            human_bytes(site.max_bytes),
            site.average_lifetime_us.map_or(NONE.into(), |us| seconds(us / 1e6)),
            location(&site.name, site.file.as_deref(), line),
        ]);
        table.note(format!("stack: {}", stack_line(&site.stack)));
    }
    let mut out = format!(
        "heap: {} allocation sites, sorted by {}; a site is charged to its first frame outside the allocator and std\n  \
         at peak: live at the heap's global peak; leaked: still live at the end; site max: the site's own largest live total;\n  \
         avg life: from allocation to free (or to the end)\n\n",
        view.sites.len() + view.omitted,
        sort_name(view.sort)
    );
    out.push_str(&table.render());
    if view.omitted > 0 {
        let _ = writeln!(out, "({} more sites; --top to show more)", view.omitted);
    }
    out
}

pub fn build_timeline(analysis: &Analysis<'_>, options: &Options) -> Option<Timeline> {
    analysis.timeline(options.top.unwrap_or(DEFAULT_POINTS))
}

pub fn timeline_text(timeline: &Timeline) -> String {
    let mut out = format!(
        "heap timeline: {} points recorded over {}, shown as {} (each the highest of its stretch of time)\n\
         peak {} live at {}; {} live at the end (leaked)\n\n",
        timeline.recorded_points,
        since_start(timeline.duration_ns),
        timeline.points.len(),
        human_bytes(timeline.peak_bytes),
        since_start(timeline.peak_time_ns),
        human_bytes(timeline.end_bytes),
    );
    let top = timeline.points.iter().map(|p| p.live_bytes).max().unwrap_or(0).max(1);
    let mut table = Table::new(&[("time", Align::Right), ("live", Align::Right), ("", Align::Left)]);
    for point in &timeline.points {
        let width = (point.live_bytes as u128 * BAR_WIDTH as u128 / u128::from(top)) as usize;
        table.row(vec![since_start(point.time_ns), human_bytes(point.live_bytes), "█".repeat(width)]);
    }
    out.push_str(&table.render());
    out
}
