//! `proftui diff`: two reports compared by [`proftui_core::diff`], shown as
//! text or JSON, or in the explorer on a terminal, and checked against
//! `--fail-if` conditions (the CI gate). `proftui compare` shows its two
//! recordings through here too.

use crate::cli::{DiffArgs, DiffShowArgs, DiffSort, Format};
use crate::report_view::units::{NONE, human_bytes, seconds};
use anyhow::Result;
use proftui_core::analysis::{busy, busy_machine, find_function, unsampled_note};
use proftui_core::diff::{
    Change, Changes, Condition, Diff, DiffKey, DiffOptions, FunctionDiff, GateResult, Metric, PathDiff,
    Presence, Side, Threshold, TimeSource, Verdict, evaluate, parse_condition,
};
use proftui_core::report::Report;
use proftui_core::report::file::load;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

/// A request that cannot be served as asked; the binary exits 2 on it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn run(args: &DiffArgs) -> Result<ExitCode> {
    let base = Arc::new(load(&args.base)?);
    let new = Arc::new(load(&args.new)?);
    present(base, new, &args.base, &args.new, &args.show)
}

/// Shows the diff of two loaded reports as `show` asks and checks its
/// gate: exit 1 when a `--fail-if` condition holds.
pub fn present(
    base: Arc<Report>,
    new: Arc<Report>,
    base_path: &Path,
    new_path: &Path,
    show: &DiffShowArgs,
) -> Result<ExitCode> {
    let unit = |report: &Report| report.import.as_ref().map_or("cpu time", |i| i.event.as_str()).to_string();
    if unit(&base) != unit(&new) {
        return Err(UsageError(format!(
            "{} measures {} and {} measures {}: only reports of one kind compare; diff two proftui reports \
             or two imports of the same event",
            base_path.display(),
            unit(&base),
            new_path.display(),
            unit(&new)
        ))
        .into());
    }
    let conditions = show.fail_if.iter().map(|t| parse_condition(t)).collect::<Result<Vec<_>, _>>()?;
    let pairs = pairs(&base, &new, &show.pair)?;
    let options = DiffOptions { pairs, exact_names: show.exact_names };
    let terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    // A gate is for scripts: it never opens the explorer.
    if show.format.is_none() && conditions.is_empty() && terminal {
        crate::explorer::open_diff(base, base_path, new, new_path, &options)?;
        return Ok(ExitCode::SUCCESS);
    }
    let (base, new) = (base.as_ref(), new.as_ref());
    if let Some(import) = new.import.as_ref().or(base.import.as_ref()) {
        crate::report_view::units::set_event_unit(Some(&import.event));
    }
    let mut diff = Diff::with_options(base, new, &options);
    diff.sort(key(show.sort));
    let results = evaluate(&diff, base, new, &conditions)?;
    match show.format {
        Some(Format::Json) => println!("{}", json(&diff, base_path, new_path, show.top, &results)?),
        Some(Format::Text) => print!("{}", text(&diff, base_path, new_path, show.top)),
        None if conditions.is_empty() => print!("{}", text(&diff, base_path, new_path, show.top)),
        None => {}
    }
    let mut failed = false;
    for result in &results {
        if result.fails {
            failed = true;
            eprintln!("proftui: regression: {}", gate_line(result));
        } else if show.format != Some(Format::Json) {
            println!("gate ok: {}", gate_line(result));
        }
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// `A=B` pairs resolved to the base's and the new report's full names.
fn pairs(base: &Report, new: &Report, texts: &[String]) -> Result<Vec<(String, String)>> {
    texts
        .iter()
        .map(|text| {
            let (a, b) = text
                .split_once('=')
                .filter(|(a, b)| !a.trim().is_empty() && !b.trim().is_empty())
                .ok_or_else(|| {
                UsageError(format!("--pair `{text}`: write BASE_FUNCTION=NEW_FUNCTION"))
            })?;
            let a = find_function(base, a.trim())?;
            let b = find_function(new, b.trim())?;
            Ok((base.functions[a as usize].name.clone(), new.functions[b as usize].name.clone()))
        })
        .collect()
}

fn key(sort: DiffSort) -> DiffKey {
    match sort {
        DiffSort::Incl => DiffKey::Inclusive,
        DiffSort::SelfTime => DiffKey::SelfTime,
        DiffSort::Calls => DiffKey::Calls,
        DiffSort::Bytes => DiffKey::Bytes,
        DiffSort::Peak => DiffKey::Peak,
        DiffSort::Name => DiffKey::Name,
    }
}

fn key_name(key: DiffKey) -> &'static str {
    match key {
        DiffKey::Inclusive => "|Δ inclusive time|",
        DiffKey::SelfTime => "|Δ self time|",
        DiffKey::Calls => "|Δ calls|",
        DiffKey::Bytes => "|Δ bytes allocated|",
        DiffKey::Peak => "|Δ bytes at peak|",
        DiffKey::Name => "name",
    }
}

/// What a figure counts, for writing it.
#[derive(Clone, Copy)]
enum Kind {
    Time,
    Count,
    Bytes,
}

fn amount(kind: Kind, value: f64) -> String {
    match kind {
        Kind::Time => seconds(value),
        Kind::Count => format!("{value:.0}"),
        Kind::Bytes => human_bytes(value.abs().round() as u64),
    }
}

/// A signed change: `+940 µs`, `-1.88 KiB`, `+1000`; `0` for none.
fn signed(kind: Kind, value: f64) -> String {
    if value == 0.0 {
        return "0".to_string();
    }
    let sign = if value > 0.0 { '+' } else { '-' };
    format!("{sign}{}", amount(kind, value.abs()))
}

/// The noise mark after a change: `~` within noise, `?` no noise estimate.
fn mark(change: &Change) -> &'static str {
    match change.verdict {
        Verdict::Noise => " ~",
        Verdict::Unknown { .. } => " ?",
        Verdict::Significant | Verdict::Unchanged => "",
    }
}

fn delta_cell(kind: Kind, change: Option<&Change>) -> String {
    change.map_or_else(|| NONE.to_string(), |c| format!("{}{}", signed(kind, c.delta), mark(c)))
}

fn ratio_cell(change: Option<&Change>) -> String {
    match change {
        None => NONE.to_string(),
        Some(c) => match c.ratio {
            Some(r) => format!("{r:.2}×"),
            None if c.new != 0.0 => "new".to_string(),
            None => NONE.to_string(),
        },
    }
}

fn value_cell(kind: Kind, value: Option<f64>) -> String {
    value.map_or_else(|| NONE.to_string(), |v| amount(kind, v))
}

fn presence_note(presence: Presence) -> &'static str {
    match presence {
        Presence::Both => "",
        Presence::Added => "  (added)",
        Presence::Removed => "  (removed)",
    }
}

/// Columns aligned to their widest cell: figures right, the last column
/// (a name) left and unpadded.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let width = |s: &str| s.chars().count();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let last = row.len() - 1;
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            if i == last {
                line.push_str(cell);
            } else {
                line.extend(std::iter::repeat_n(' ', widths[i].saturating_sub(width(cell))));
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn side_lines(label: &str, side: &Side, path: &Path) -> String {
    let mut title = format!("{} · {}", side.plugin, side.workload);
    if !side.variant.is_empty() {
        let _ = write!(title, " · {}", side.variant);
    }
    let params: Vec<String> = side.params.iter().map(|(n, v)| format!("{n}={v}")).collect();
    let mut out = format!("{label:5} {title}   {}   ({})\n", params.join(" "), path.display());
    let cpu = side.cpu.as_ref().map_or_else(
        || "no cpu pass".to_string(),
        |c| {
            let rounds = if c.rounds == 1 { "1 round".to_string() } else { format!("{} rounds", c.rounds) };
            format!(
                "{} samples in {rounds} over {} runs at {:.0} Hz achieved ({})",
                c.samples,
                c.repeats,
                c.achieved_hz,
                c.clock.describe()
            )
        },
    );
    let wall = side.wall_s.map_or_else(String::new, |w| format!("; bare wall {} per run", seconds(w)));
    let _ = writeln!(out, "      {cpu}{wall}");
    if let Some(cpu) = &side.cpu {
        if let Some(note) = unsampled_note(cpu.unsampled_share) {
            let _ = writeln!(out, "      {note}");
        }
        if let Some(share) = busy(cpu.wait_share) {
            let _ = writeln!(out, "      {}", busy_machine(share, cpu.clock));
        }
    }
    out
}

/// The diff as text: both runs, the whole-run changes, then the top
/// functions and paths.
pub fn text(diff: &Diff, base_path: &Path, new_path: &Path, top: usize) -> String {
    let mut out = side_lines("base", &diff.base, base_path);
    out.push_str(&side_lines("new", &diff.new, new_path));
    if let (Some(base), Some(new)) = (&diff.base.cpu, &diff.new.cpu)
        && base.clock != new.clock
    {
        let _ = writeln!(
            out,
            "note  the sides were sampled by different clocks: time in the kernel counts on the \
             ITIMER_PROF side only; record both with the same --clock to compare times"
        );
    }
    out.push('\n');
    let totals = &diff.totals;
    let total_rows: Vec<Vec<String>> = [
        ("cpu time per run", Kind::Time, &totals.cpu_time),
        ("wall time per run (bare median)", Kind::Time, &totals.wall_time),
        ("bytes allocated per run", Kind::Bytes, &totals.bytes),
        ("bytes at peak", Kind::Bytes, &totals.peak_bytes),
    ]
    .into_iter()
    .filter_map(|(name, kind, change)| {
        let c = change.as_ref()?;
        Some(vec![
            amount(kind, c.base),
            amount(kind, c.new),
            delta_cell(kind, Some(c)),
            ratio_cell(Some(c)),
            name.to_string(),
        ])
    })
    .collect();
    if !total_rows.is_empty() {
        out.push_str(&table(&["base", "new", "Δ", "ratio", "whole run"], &total_rows));
        out.push('\n');
    }
    let time = match diff.time_source {
        TimeSource::Samples => format!(
            "time: sampled cpu time per run; ~ within noise (|Δ| ≤ {} standard errors: the rounds' spread, or the sampling error with one round)",
            diff.noise_k
        ),
        TimeSource::Calls => {
            "time: calls-pass time per run; ? one measurement a side, no noise estimate".to_string()
        }
        TimeSource::None => "time: no cpu or calls pass on both sides".to_string(),
    };
    let _ = writeln!(out, "{time}");
    let _ = writeln!(out, "calls and bytes are exact counts: a change there is never noise");
    out.push('\n');

    let shown = diff.functions.len().min(top);
    let _ = writeln!(
        out,
        "functions: {} of {}, sorted by {}",
        shown,
        diff.functions.len(),
        key_name(diff.sorted_by)
    );
    let rows: Vec<Vec<String>> = diff.functions.iter().take(top).map(function_row).collect();
    out.push_str(&table(
        &["incl base", "incl new", "Δ incl", "ratio", "Δ self", "calls", "Δ calls", "Δ bytes", "function"],
        &rows,
    ));
    out.push('\n');
    let shown = diff.paths.len().min(top);
    let _ = writeln!(
        out,
        "call paths: {} of {}, sorted by {}",
        shown,
        diff.paths.len(),
        key_name(diff.sorted_by)
    );
    let rows: Vec<Vec<String>> = diff.paths.iter().take(top).map(|p| path_row(diff, p)).collect();
    out.push_str(&table(&["incl base", "incl new", "Δ incl", "ratio", "Δ calls", "Δ bytes", "path"], &rows));
    out
}

fn time_cells(changes: &Changes) -> [String; 4] {
    let incl = changes.inclusive_time.as_ref();
    [
        value_cell(Kind::Time, incl.map(|c| c.base)),
        value_cell(Kind::Time, incl.map(|c| c.new)),
        delta_cell(Kind::Time, incl),
        ratio_cell(incl),
    ]
}

fn function_row(f: &FunctionDiff) -> Vec<String> {
    let c = &f.changes;
    let [base, new, delta, ratio] = time_cells(c);
    let calls =
        c.calls.as_ref().map_or_else(|| NONE.to_string(), |c| format!("{:.0} → {:.0}", c.base, c.new));
    let mut name = f.name.clone();
    if let Some(base_name) = &f.base_name {
        name = format!("{base_name} → {name}");
    }
    name.push_str(presence_note(f.presence));
    vec![
        base,
        new,
        delta,
        ratio,
        delta_cell(Kind::Time, c.self_time.as_ref()),
        calls,
        delta_cell(Kind::Count, c.calls.as_ref()),
        delta_cell(Kind::Bytes, c.bytes.as_ref()),
        name,
    ]
}

/// A path's names, the last few when it is deep.
fn path_text(names: &[&str]) -> String {
    const SHOWN: usize = 4;
    if names.len() <= SHOWN {
        names.join(" → ")
    } else {
        format!("… ({} more) → {}", names.len() - SHOWN, names[names.len() - SHOWN..].join(" → "))
    }
}

fn path_row(diff: &Diff, p: &PathDiff) -> Vec<String> {
    let c = &p.changes;
    let [base, new, delta, ratio] = time_cells(c);
    vec![
        base,
        new,
        delta,
        ratio,
        delta_cell(Kind::Count, c.calls.as_ref()),
        delta_cell(Kind::Bytes, c.bytes.as_ref()),
        format!("{}{}", path_text(&diff.path_names(p.id)), presence_note(p.presence)),
    ]
}

/// A path row for scripts: its names from the root down and its figures.
#[derive(Serialize)]
struct PathJson<'a> {
    path: Vec<&'a str>,
    #[serde(flatten)]
    row: &'a PathDiff,
}

#[derive(Serialize)]
struct GateJson<'a> {
    condition: &'a str,
    fails: bool,
    within_noise: bool,
    /// The change as compared (relative or absolute, as the threshold);
    /// `null` for an infinite relative change (from zero).
    measured: Option<f64>,
    line: String,
}

#[derive(Serialize)]
struct DiffJson<'a> {
    base_file: String,
    new_file: String,
    #[serde(flatten)]
    diff: DiffBody<'a>,
    gate: Vec<GateJson<'a>>,
}

#[derive(Serialize)]
struct DiffBody<'a> {
    base: &'a Side,
    new: &'a Side,
    time_source: TimeSource,
    noise_k: f64,
    sorted_by: DiffKey,
    totals: &'a proftui_core::diff::Totals,
    functions: &'a [FunctionDiff],
    /// How many paths there are; `paths` holds the top `--top`.
    paths_total: usize,
    paths: Vec<PathJson<'a>>,
}

fn json(
    diff: &Diff,
    base_path: &Path,
    new_path: &Path,
    top: usize,
    results: &[GateResult],
) -> Result<String> {
    let body = DiffBody {
        base: &diff.base,
        new: &diff.new,
        time_source: diff.time_source,
        noise_k: diff.noise_k,
        sorted_by: diff.sorted_by,
        totals: &diff.totals,
        functions: &diff.functions,
        paths_total: diff.paths.len(),
        paths: diff
            .paths
            .iter()
            .take(top)
            .map(|row| PathJson { path: diff.path_names(row.id), row })
            .collect(),
    };
    let gate = results
        .iter()
        .map(|r| GateJson {
            condition: &r.condition.text,
            fails: r.fails,
            within_noise: r.within_noise,
            measured: r.measured.is_finite().then_some(r.measured),
            line: gate_line(r),
        })
        .collect();
    let out = DiffJson {
        base_file: base_path.display().to_string(),
        new_file: new_path.display().to_string(),
        diff: body,
        gate,
    };
    Ok(serde_json::to_string_pretty(&out)?)
}

fn metric_label(metric: &Metric, function: Option<&str>) -> (String, Kind) {
    let f = function.unwrap_or("");
    match metric {
        Metric::Inclusive(_) => (format!("incl({f})"), Kind::Time),
        Metric::SelfTime(_) => (format!("self({f})"), Kind::Time),
        Metric::Calls(_) => (format!("calls({f})"), Kind::Count),
        Metric::Bytes(Some(_)) => (format!("bytes({f})"), Kind::Bytes),
        Metric::Peak(Some(_)) => (format!("peak({f})"), Kind::Bytes),
        Metric::Bytes(None) => ("bytes".to_string(), Kind::Bytes),
        Metric::Peak(None) => ("peak".to_string(), Kind::Bytes),
        Metric::Total => ("total".to_string(), Kind::Time),
        Metric::Wall => ("wall".to_string(), Kind::Time),
    }
}

/// `incl(f) +23.4% (4.00 ms → 4.94 ms, 3000 vs 3100 samples) exceeds +10%`
pub fn gate_line(result: &GateResult) -> String {
    let Condition { metric, above, threshold, threshold_text, .. } = &result.condition;
    let (label, kind) = metric_label(metric, result.function.as_deref());
    let change = &result.change;
    let measured = match threshold {
        Threshold::Relative(_) if result.measured.is_infinite() => {
            if result.measured > 0.0 {
                "new (from 0)".to_string()
            } else {
                "gone (to 0)".to_string()
            }
        }
        Threshold::Relative(_) => format!("{:+.1}%", result.measured * 100.0),
        Threshold::Absolute(_) => signed(kind, result.measured),
    };
    let mut evidence = format!("{} → {}", amount(kind, change.base), amount(kind, change.new));
    if let (Some(b), Some(n)) = (change.base_samples, change.new_samples) {
        let _ = write!(evidence, ", {b} vs {n} samples");
    }
    match &change.verdict {
        Verdict::Noise => evidence.push_str(", within noise: counted as no change"),
        Verdict::Unknown { reason } => {
            let _ = write!(evidence, ", {reason}");
        }
        _ if change.exact => evidence.push_str(", exact"),
        Verdict::Significant => evidence.push_str(", beyond noise"),
        Verdict::Unchanged => {}
    }
    let verb = match (above, result.fails) {
        (true, true) => "exceeds",
        (true, false) => "does not exceed",
        (false, true) => "is below",
        (false, false) => "is not below",
    };
    format!("{label} {measured} ({evidence}) {verb} {threshold_text}")
}
