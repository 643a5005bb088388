//! The explorer's view tests: the taylor report of the core analysis
//! tests as the views draw it ([`taylor`]: heap times in milliseconds,
//! taylor's source text; its figures are in
//! `proftui_core::analysis::fixtures`), a few reports shaped for the
//! pictures, and helpers to draw a view into a test terminal.

use crate::explorer::profile::Profile;
use crate::explorer::views::Ctx;
use proftui_core::analysis::fixtures::{run_info, stack};
use proftui_core::report::build::ReportBuilder;
use proftui_core::report::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::sync::Arc;

pub use proftui_core::analysis::fixtures::{EXP, FACT, FILE, RUN};

/// The taylor report, heap times in milliseconds (peak at 25 ms, end at
/// 50 ms) and lines 1 to 25 of [`FILE`] holding taylor's source.
pub fn taylor() -> Report {
    proftui_core::analysis::fixtures::taylor_for_views()
}

/// The report opened in the explorer.
pub fn profile(report: Report) -> Profile {
    Profile::new(Arc::new(report), None)
}

/// Diff mode over the taylor report: the base is [`taylor`]; the new run
/// is the same with 30 more samples at the deepest `factorial@21` on
/// main (its cpu_s grows with them, so a sample still stands for 0.04 s,
/// 0.02 s per run). Paths are `base.json` and `new.json`.
pub fn diff_profile() -> Profile {
    let base = taylor();
    let mut new = taylor();
    let cpu = new.cpu.as_mut().expect("the fixture has a cpu pass");
    let deepest = cpu.samples[0];
    cpu.samples.extend((0..30).map(|i| Sample { time_ns: 10_000 + i, ..deepest }));
    cpu.cpu_s = 0.04 * cpu.samples.len() as f64;
    Profile::diff(Arc::new(base), "base.json".into(), Arc::new(new), "new.json".into(), &Default::default())
}

/// The id of a function of `profile` by name.
pub fn function(profile: &Profile, name: &str) -> FunctionId {
    profile.report.functions.iter().position(|f| f.name == name).expect("the fixture has this function")
        as FunctionId
}

/// A context about `focus`, absolute figures, 20 rows a page.
pub fn ctx(profile: &Profile, focus: Option<FunctionId>) -> Ctx<'_> {
    Ctx { profile, focus, focus_line: None, relative: false, page_rows: 20 }
}

/// Draws into a `width` × `height` test terminal and returns its buffer.
pub fn draw(width: u16, height: u16, body: impl FnOnce(&mut ratatui::Frame, Rect)) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
    terminal
        .draw(|frame| {
            let area = frame.area();
            body(frame, area);
        })
        .expect("drawing into a test terminal");
    terminal.backend().buffer().clone()
}

/// The buffer's text, one line per row, trailing spaces removed.
pub fn text(buffer: &Buffer) -> String {
    let width = buffer.area.width as usize;
    let symbols: Vec<&str> = buffer.content.iter().map(|cell| cell.symbol()).collect();
    let mut out = String::new();
    for row in symbols.chunks(width.max(1)) {
        out.push_str(row.concat().trim_end());
        out.push('\n');
    }
    out
}

/// The text of row `y` of the buffer, trailing spaces removed.
pub fn row(buffer: &Buffer, y: u16) -> String {
    (0..buffer.area.width).map(|x| buffer[(x, y)].symbol()).collect::<String>().trim_end().to_string()
}

/// One cpu pass over one thread, 1 run at 250 Hz (0.004 s a sample).
fn cpu_only(b: &mut ReportBuilder, stacks: &[(&[(&str, u32)], u64)]) {
    let thread = b.thread(PassKind::Cpu, 1, "main");
    let mut samples = Vec::new();
    for (frames, count) in stacks {
        let node = stack(b, frames);
        samples.extend((0..*count).map(|i| Sample { node, thread, time_ns: i * 1000, weight: 1 }));
    }
    let n = samples.len() as f64;
    b.set_cpu(CpuProfile {
        clock: proftui_core::collect::cpu::SampleClock::ItimerProf,
        unsampled_s: None,
        requested_hz: 997.0,
        achieved_hz: 250.0,
        cpu_s: n * 0.004,
        wall_s: n * 0.004,
        wait_s: None,
        repeats: 1,
        dropped: 0,
        samples,
        rounds: Vec::new(),
    });
}

/// A cpu-only report with a wide fan-out, for pictures that must say what
/// is too small to draw: 120 samples, all under `wide::main`, which calls
/// `wide::hot` (80 samples; 60 in its callee `wide::leaf`), `wide::warm`
/// (10) and `wide::cold_00` … `wide::cold_29` (1 each).
pub fn fan_out() -> Report {
    let mut b = ReportBuilder::new(run_info());
    let cold: Vec<String> = (0..30).map(|i| format!("wide::cold_{i:02}")).collect();
    let main = ("wide::main", 1);
    let mut stacks: Vec<(Vec<(&str, u32)>, u64)> = vec![
        (vec![main, ("wide::hot", 2), ("wide::leaf", 3)], 60),
        (vec![main, ("wide::hot", 2)], 20),
        (vec![main, ("wide::warm", 4)], 10),
    ];
    stacks.extend(cold.iter().map(|name| (vec![main, (name.as_str(), 5)], 1)));
    let borrowed: Vec<(&[(&str, u32)], u64)> = stacks.iter().map(|(f, n)| (&f[..], *n)).collect();
    cpu_only(&mut b, &borrowed);
    b.finish()
}

/// A cpu-only report of `deep::f` recursing `depth` frames deep under
/// `deep::main`, with 5 samples at the deepest frame and 1 in `deep::main`.
pub fn deep_recursion(depth: usize) -> Report {
    let mut b = ReportBuilder::new(run_info());
    let mut frames = vec![("deep::main", 1)];
    frames.extend(std::iter::repeat_n(("deep::f", 2), depth));
    cpu_only(&mut b, &[(&frames[..], 5), (&[("deep::main", 1)][..], 1)]);
    b.finish()
}

/// A cpu-only report of about `width × chain + deep` contexts, for tests
/// that views stay proportional to what they show: `wide::main` calls
/// `wide::w0000` … (`width` of them), each the top of a `chain`-deep chain
/// of `wide::c000` … with 1 sample at its end; and `deep::f`, recursing
/// `deep` frames with 5 samples at the deepest one (the hottest path
/// top-down; bottom-up, `wide::c…`'s 1 sample per chain weigh more).
pub fn wide_and_deep(width: usize, chain: usize, deep: usize) -> Report {
    let mut b = ReportBuilder::new(run_info());
    let tops: Vec<String> = (0..width).map(|i| format!("wide::w{i:04}")).collect();
    let links: Vec<String> = (0..chain).map(|j| format!("wide::c{j:03}")).collect();
    let main = ("wide::main", 1);
    let mut stacks: Vec<(Vec<(&str, u32)>, u64)> = tops
        .iter()
        .map(|top| {
            let mut frames = vec![main, (top.as_str(), 2)];
            frames.extend(links.iter().map(|link| (link.as_str(), 3)));
            (frames, 1)
        })
        .collect();
    let mut recursion = vec![main];
    recursion.extend(std::iter::repeat_n(("deep::f", 4), deep));
    stacks.push((recursion, 5));
    let borrowed: Vec<(&[(&str, u32)], u64)> = stacks.iter().map(|(f, n)| (&f[..], *n)).collect();
    cpu_only(&mut b, &borrowed);
    b.finish()
}

/// A cpu-only report of one long function, `long::f` from line 1 of
/// [`FILE`] (300 lines captured, each `// line N`): 1 sample at line 10
/// and 5 at line 200, for views that must scroll to what matters.
pub fn long_function() -> Report {
    let mut b = ReportBuilder::new(run_info());
    b.function("long::f", Some(FILE), Some(1));
    cpu_only(&mut b, &[(&[("long::f", 10)][..], 1), (&[("long::f", 200)][..], 5)]);
    let mut report = b.finish();
    report
        .sources
        .push(SourceFile { path: FILE.into(), lines: (1..=300).map(|l| format!("// line {l}")).collect() });
    report
}

/// A view opened under `ctx`: made and refreshed, as the explorer does
/// when it first shows one.
pub fn opened<V: super::View + Default>(ctx: &Ctx) -> V {
    let mut view = V::default();
    view.refresh(ctx);
    view
}
