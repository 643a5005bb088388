//! The explorer at scale: a synthetic report of a million calling-context
//! nodes against one of a thousand from the same generator, side by side.
//!
//! Measures, for each: `proftui report FILE --view flat --top 20` (load
//! and analyse, no terminal); `proftui open FILE` in a pseudo-terminal
//! until the first frame shows the flat view; and the latency of keys in
//! every view, from sending the key to the screen changing. A no-op
//! redraw (Ctrl-L: a frame that changes nothing on screen, seen as the
//! few bytes every frame writes) is the floor the pty round trip sets.
//!
//! After the table, the steps of opening the large report are timed in
//! this process, on this thread's CPU clock as well as the wall clock:
//! loading the file, indexing, the flat profile, the top-down tree, and
//! the bottom-up tree as the tree view's first visit builds it (its roots
//! and the hottest chain of callers). Under load the CPU figures are the
//! steadier ones, but they come from `/proc/thread-self/schedstat`, which
//! advances in scheduler ticks on some kernels (4 ms on the one measured):
//! below about 10 ms read the wall figures on a quiet machine.
//!
//! `cargo bench -p proftui-tests --bench explorer_scale`; about three
//! minutes, most of it generating and saving the large report and the
//! key script. `-- --breakdown` makes only the large report and times
//! only those steps.

#![allow(clippy::unwrap_used, reason = "a benchmark: a failure stops it with its message")]

use proftui_core::analysis::{Analysis, Filter, Weight};
use proftui_core::report::Report;
use proftui_core::report::file::load;
use proftui_tests::pty::Pty;
use proftui_tests::release_dir;
use proftui_tests::synthetic::{self, Shape};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The terminal the explorer runs in.
const COLS: u16 = 120;
const ROWS: u16 = 30;
/// What the flat view's first frame shows.
const FLAT_CAPTION: &str = "flat profile:";
/// How often the screen is looked at while waiting.
const POLL: Duration = Duration::from_micros(250);
/// A screen unchanged this long has finished drawing.
const SETTLE: Duration = Duration::from_millis(40);
/// A key whose effect has not shown by then changed nothing.
const KEY_TIMEOUT: Duration = Duration::from_secs(3);
/// The target: every key redraws well under this.
const TARGET_KEY_MS: f64 = 50.0;
/// Rounds of the key script per report.
const ROUNDS: usize = 5;
/// Repeats of the in-process breakdown.
const BREAKDOWN_ROUNDS: usize = 5;

/// One report under test.
struct Subject {
    label: &'static str,
    json: PathBuf,
    gz: PathBuf,
}

/// Milliseconds of repeated measurements.
#[derive(Default, Clone)]
struct Spread(Vec<f64>);

impl Spread {
    fn sorted(&self) -> Vec<f64> {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        v
    }

    fn median(&self) -> f64 {
        let v = self.sorted();
        if v.is_empty() { f64::NAN } else { v[v.len() / 2] }
    }

    fn min(&self) -> f64 {
        self.sorted().first().copied().unwrap_or(f64::NAN)
    }

    fn max(&self) -> f64 {
        self.sorted().last().copied().unwrap_or(f64::NAN)
    }

    /// `med (min–max)` in ms.
    fn show(&self) -> String {
        if self.0.is_empty() {
            return "—".into();
        }
        format!("{} ({}–{})", ms(self.median()), ms(self.min()), ms(self.max()))
    }
}

fn ms(value: f64) -> String {
    if value >= 100.0 { format!("{value:.0}") } else { format!("{value:.1}") }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let breakdown_only = std::env::args().any(|a| a == "--breakdown");
    let dir = tempfile::Builder::new().prefix("proftui-scale-").tempdir().unwrap();
    println!("explorer at scale: synthetic reports in {}", dir.path().display());

    let shapes: &[(&'static str, Shape)] = if breakdown_only {
        &[("large", Shape::LARGE)]
    } else {
        &[("small", Shape::SMALL), ("large", Shape::LARGE)]
    };
    let mut subjects = Vec::new();
    for &(label, shape) in shapes {
        let start = Instant::now();
        let report = synthetic::report(&shape);
        let generated = start.elapsed();
        let start = Instant::now();
        let (json, gz) = synthetic::write(&report, dir.path(), label).unwrap();
        let written = start.elapsed();
        let size = |p: &Path| std::fs::metadata(p).unwrap().len() as f64 / 1e6;
        println!(
            "  {label}: {} nodes, {} functions, {} samples, {} call stats, {} heap sites; \
             generated in {:.2} s, saved (JSON and gzip) in {:.2} s; {:.2} MB JSON, {:.2} MB gzip",
            report.nodes.len() - 1,
            report.functions.len(),
            report.cpu.as_ref().map_or(0, |c| c.samples.len()),
            report.calls.as_ref().map_or(0, |c| c.stats.len()),
            report.heap.as_ref().map_or(0, |h| h.sites.len()),
            generated.as_secs_f64(),
            written.as_secs_f64(),
            size(&json),
            size(&gz)
        );
        subjects.push(Subject { label, json, gz });
    }
    if breakdown_only {
        breakdown(&subjects[0]);
        return;
    }
    let bin = release_dir().join("proftui");

    let mut results: Vec<BTreeMap<String, Spread>> = Vec::new();
    let mut order: Vec<String> = Vec::new();
    for subject in &subjects {
        let mut figures = BTreeMap::new();
        let repeats = if subject.label == "large" { 3 } else { 5 };
        for (format, path) in [("JSON", &subject.json), ("gzip", &subject.gz)] {
            let key = format!("report --view flat --top 20 ({format})");
            figures.insert(key.clone(), report_times(&bin, path, repeats));
            push_once(&mut order, key);
        }
        for (format, path) in [("JSON", &subject.json), ("gzip", &subject.gz)] {
            let key = format!("open → first frame ({format})");
            figures.insert(key.clone(), open_times(&bin, path, repeats));
            push_once(&mut order, key);
        }
        let (keys, key_order) = key_latencies(&bin, &subject.json);
        for key in key_order {
            push_once(&mut order, key);
        }
        figures.extend(keys);
        println!("  measured {}", subject.label);
        results.push(figures);
    }

    println!();
    println!("milliseconds: median (min–max); ratio of medians large / small");
    println!();
    println!("| measure | small (1k nodes) | large (1M nodes) | ratio |");
    println!("|---|---:|---:|---:|");
    for key in &order {
        let small = results[0].get(key).cloned().unwrap_or_default();
        let large = results[1].get(key).cloned().unwrap_or_default();
        let ratio = large.median() / small.median();
        let ratio = if ratio.is_finite() { format!("{ratio:.1}×") } else { "—".into() };
        println!("| {key} | {} | {} | {ratio} |", small.show(), large.show());
    }
    let keys: Vec<(&String, &Spread)> =
        results[1].iter().filter(|(k, _)| !k.starts_with("report") && !k.starts_with("open")).collect();
    if let Some((key, spread)) = keys.iter().max_by(|a, b| a.1.max().total_cmp(&b.1.max())) {
        println!();
        println!("slowest key on the large report: {key}, {} ms at most", ms(spread.max()));
    }
    let over: Vec<String> = keys
        .iter()
        .filter(|(_, s)| s.max() > TARGET_KEY_MS)
        .map(|(k, s)| format!("{k} ({} ms at most)", ms(s.max())))
        .collect();
    println!(
        "keys over {TARGET_KEY_MS} ms on the large report: {}",
        if over.is_empty() { "none".into() } else { over.join("; ") }
    );
    breakdown(&subjects[1]);
}

/// This thread's CPU time so far (the first field of
/// `/proc/thread-self/schedstat`, nanoseconds on the CPU).
fn thread_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap();
    Duration::from_nanos(text.split_whitespace().next().unwrap().parse().unwrap())
}

/// Runs `step`, adding its CPU and wall milliseconds to `cpu` and `wall`.
fn timed<T>(cpu: &mut Spread, wall: &mut Spread, step: impl FnOnce() -> T) -> T {
    let (cpu_start, wall_start) = (thread_cpu(), Instant::now());
    let value = std::hint::black_box(step());
    cpu.0.push(millis(thread_cpu() - cpu_start));
    wall.0.push(millis(wall_start.elapsed()));
    value
}

/// The steps of opening `subject` and of the tree view's first visit to
/// the bottom-up tree, timed in this process.
fn breakdown(subject: &Subject) {
    let steps = [
        "load the file (JSON)",
        "load the file (gzip)",
        "  of which: read the JSON file",
        "  of which: parse it as a report",
        "index (Analysis::new)",
        "flat profile",
        "top-down tree",
        "bottom-up tree: roots",
        "bottom-up tree: hottest chain of callers",
    ];
    let mut cpu = vec![Spread::default(); steps.len()];
    let mut wall = vec![Spread::default(); steps.len()];
    for _ in 0..BREAKDOWN_ROUNDS {
        let [c0, c1, r0, r2, c2, c3, c4, c5, c6] = &mut cpu[..] else { unreachable!() };
        let [w0, w1, v0, v2, w2, w3, w4, w5, w6] = &mut wall[..] else { unreachable!() };
        let report = timed(c0, w0, || load(&subject.json).unwrap());
        drop(timed(c1, w1, || load(&subject.gz).unwrap()));
        let bytes = timed(r0, v0, || std::fs::read(&subject.json).unwrap());
        drop(timed(r2, v2, || serde_json::from_slice::<Report>(&bytes).unwrap()));
        drop(bytes);
        // Shared, as the explorer holds it.
        let analysis = timed(c2, w2, || Analysis::shared(Arc::new(report), &Filter::default()));
        drop(timed(c3, w3, || analysis.flat()));
        drop(timed(c4, w4, || analysis.tree()));
        let mut inverted = timed(c5, w5, || analysis.inverted(Weight::Samples));
        let path = timed(c6, w6, || inverted.hottest_path());
        assert!(!path.is_empty(), "the bottom-up tree has a hottest chain");
    }
    println!();
    println!(
        "in-process steps on the {} report, {BREAKDOWN_ROUNDS} rounds; milliseconds, median (min–max)",
        subject.label
    );
    println!();
    println!("| step | CPU | wall |");
    println!("|---|---:|---:|");
    for (i, step) in steps.iter().enumerate() {
        println!("| {step} | {} | {} |", cpu[i].show(), wall[i].show());
    }
}

fn push_once(order: &mut Vec<String>, key: String) {
    if !order.contains(&key) {
        order.push(key);
    }
}

/// Wall times of `proftui report FILE --view flat --top 20`.
fn report_times(bin: &Path, path: &Path, repeats: usize) -> Spread {
    let mut spread = Spread::default();
    for _ in 0..repeats {
        let start = Instant::now();
        let output = Command::new(bin)
            .args(["report", path.to_str().unwrap(), "--view", "flat", "--top", "20"])
            .output()
            .unwrap();
        spread.0.push(millis(start.elapsed()));
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    spread
}

/// From spawning `proftui open FILE` to the flat view on screen.
fn open_times(bin: &Path, path: &Path, repeats: usize) -> Spread {
    let mut spread = Spread::default();
    for _ in 0..repeats {
        let start = Instant::now();
        let mut pty = Pty::spawn(bin, &["open", path.to_str().unwrap()], COLS, ROWS, &[]);
        let mut seen = 0;
        loop {
            assert!(start.elapsed() < Duration::from_secs(60), "no first frame; the screen:\n{}", pty.text());
            let bytes = pty.bytes_received();
            if bytes != seen {
                seen = bytes;
                if pty.text().contains(FLAT_CAPTION) {
                    break;
                }
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        spread.0.push(millis(start.elapsed()));
        quit(&mut pty);
    }
    spread
}

fn quit(pty: &mut Pty) {
    pty.send("q");
    assert!(pty.wait_exit(Duration::from_secs(10)).is_some(), "the explorer quits on q");
}

/// What the screen shows, attributes included (a selection is reverse
/// video, not text).
fn screen(pty: &Pty) -> Vec<u8> {
    pty.with_screen(vt100::Screen::contents_formatted)
}

/// Waits until the screen has not changed for [`SETTLE`].
fn settle(pty: &Pty) {
    let mut bytes = pty.bytes_received();
    let mut since = Instant::now();
    while since.elapsed() < SETTLE {
        std::thread::sleep(POLL);
        let now = pty.bytes_received();
        if now != bytes {
            bytes = now;
            since = Instant::now();
        }
    }
}

/// Sends `keys` and times how long until the screen changes, or (for a
/// key that changes nothing on screen) until the next frame is written.
/// `None` when nothing changed within [`KEY_TIMEOUT`].
fn press(pty: &mut Pty, keys: &str, screen_changes: bool) -> Option<f64> {
    settle(pty);
    let before = screen(pty);
    let mut seen = pty.bytes_received();
    let start = Instant::now();
    pty.send(keys);
    let latency = loop {
        if start.elapsed() > KEY_TIMEOUT {
            break None;
        }
        let bytes = pty.bytes_received();
        if bytes != seen {
            seen = bytes;
            if !screen_changes || screen(pty) != before {
                break Some(millis(start.elapsed()));
            }
        }
        std::thread::sleep(POLL);
    };
    settle(pty);
    latency
}

/// One step of the key script: what it is called in the table, the keys,
/// and whether it changes the screen.
struct Step {
    label: &'static str,
    keys: &'static str,
    changes: bool,
}

const fn step(label: &'static str, keys: &'static str) -> Step {
    Step { label, keys, changes: true }
}

const TAB: &str = "\t";
const PGDN: &str = "\x1b[6~";
const PGUP: &str = "\x1b[5~";
const BACKSPACE: &str = "\x7f";

/// One round of keys through every view, back to the flat view. Every
/// key changes the screen in every round: each view's part ends where the
/// next round's first key does something (the trees collapse their root,
/// so `e` expands the hottest path anew). Enter and `L` set a focus, which
/// every view follows; Backspace clears it again.
const SCRIPT: &[Step] = &[
    Step { label: "Ctrl-L (no-op redraw: the floor)", keys: "\x0c", changes: false },
    step("[flat] j / k", "j"),
    step("[flat] j / k", "k"),
    step("[flat] PgDn / PgUp", PGDN),
    step("Enter (focus → its callers/callees)", "\r"),
    step("[callers/callees] l (switch pane)", "l"),
    step("[callers/callees] l (switch pane)", "l"),
    step("Backspace (back, focus cleared)", BACKSPACE),
    step("[flat] PgDn / PgUp", PGUP),
    step("[flat] > (sort)", ">"),
    step("L (focus → its line table)", "L"),
    step("[lines] j / k", "j"),
    step("[lines] j / k", "k"),
    step("Backspace (back, focus cleared)", BACKSPACE),
    step("Tab → callers/callees", TAB),
    step("[callers/callees] l (switch pane)", "l"),
    step("[callers/callees] j / k", "j"),
    step("[callers/callees] j / k", "k"),
    step("[callers/callees] a (all ⇄ direct, of the hottest function)", "a"),
    step("[callers/callees] a (all ⇄ direct, of the hottest function)", "a"),
    step("[callers/callees] l (switch pane)", "l"),
    step("Tab → tree", TAB),
    step("[tree] e (expand the hottest path)", "e"),
    step("[tree] j / k", "k"),
    step("[tree] j / k", "j"),
    step("[tree] PgDn / PgUp", PGUP),
    step("[tree] PgDn / PgUp", PGDN),
    step("[tree] g (top)", "g"),
    step("[tree] h (collapse)", "h"),
    step("Tab → inverted", TAB),
    step("[inverted] e (expand the hottest path)", "e"),
    step("[inverted] j / k", "k"),
    step("[inverted] j / k", "j"),
    step("[inverted] g (top)", "g"),
    step("[inverted] h (collapse)", "h"),
    step("Tab → lines", TAB),
    step("Tab → heap", TAB),
    step("[heap] j / k", "j"),
    step("[heap] j / k", "k"),
    step("[heap] > (sort)", ">"),
    step("Tab → flame", TAB),
    step("[flame] j / k", "j"),
    step("[flame] j / k", "k"),
    step("Tab → map", TAB),
    step("[map] Enter (focus → its callee map)", "\r"),
    step("[map] j / k", "j"),
    step("[map] j / k", "k"),
    step("Backspace (back, focus cleared)", BACKSPACE),
    step("Tab → flat", TAB),
];

/// Key latencies over [`ROUNDS`] rounds of [`SCRIPT`] in one session;
/// the first visit of a view (which builds it) is its own row.
fn key_latencies(bin: &Path, path: &Path) -> (BTreeMap<String, Spread>, Vec<String>) {
    let mut pty = Pty::spawn(bin, &["open", path.to_str().unwrap()], COLS, ROWS, &[]);
    pty.wait_for(FLAT_CAPTION, Duration::from_secs(60));
    let mut figures: BTreeMap<String, Spread> = BTreeMap::new();
    let mut order = Vec::new();
    for round in 0..ROUNDS {
        for step in SCRIPT {
            let label = if round == 0 && step.label.starts_with("Tab") && step.label != "Tab → flat" {
                format!("{} (first visit)", step.label)
            } else {
                step.label.to_string()
            };
            match press(&mut pty, step.keys, step.changes) {
                Some(latency) => figures.entry(label.clone()).or_default().0.push(latency),
                None => {
                    eprintln!("  `{label}` changed nothing in round {round}; the screen:\n{}", pty.text())
                }
            }
            push_once(&mut order, label);
        }
    }
    quit(&mut pty);
    (figures, order)
}
