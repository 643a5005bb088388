//! Text the command line prints: plugin listings, run summaries in the
//! manner of `time`, check results, and a progress line.

use proftui_core::params::Invocation;
use proftui_core::plugin::{CheckInfo, ParamKind, PluginInfo};
use proftui_core::timing::{Spread, human_seconds};
use proftui_core::worker::{Event, ResultValue, RunRecord, WorkerError};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// `simul · benchmark · naive`
pub fn invocation_title(info: &PluginInfo, invocation: &Invocation) -> String {
    let mut title = format!("{} · {}", info.name, invocation.workload);
    if !invocation.variant.is_empty() {
        let _ = write!(title, " · {}", invocation.variant);
    }
    title
}

fn kind_name(kind: &ParamKind) -> &'static str {
    match kind {
        ParamKind::Int { .. } => "int",
        ParamKind::Float { .. } => "float",
        ParamKind::Choice { .. } => "choice",
    }
}

/// Everything a plugin declares, for `proftui list`.
pub fn plugin_listing(info: &PluginInfo, path: &Path) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}\n  ({})", info.name, info.description, path.display());
    for w in &info.workloads {
        let _ = writeln!(out, "\nworkload {}\n  {}", w.name, w.description);
        if !w.variants.is_empty() {
            let _ = writeln!(out, "  variants:");
            let width = w.variants.iter().map(|v| v.name.len()).max().unwrap_or(0);
            for (i, v) in w.variants.iter().enumerate() {
                let default = if i == 0 { " (default)" } else { "" };
                let _ = writeln!(out, "    {:width$}  {}{default}", v.name, v.description);
            }
        }
        if !w.params.is_empty() {
            let _ = writeln!(out, "  parameters:");
            let rows: Vec<[String; 5]> = w
                .params
                .iter()
                .map(|p| {
                    [
                        p.name.clone(),
                        kind_name(&p.kind).to_string(),
                        format!("default {}", p.kind.default_text()),
                        p.kind.range_text(),
                        p.description.clone(),
                    ]
                })
                .collect();
            let widths: Vec<usize> =
                (0..4).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
            for r in &rows {
                let _ = writeln!(
                    out,
                    "    {:w0$}  {:w1$}  {:w2$}  {:w3$}  {}",
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    w0 = widths[0],
                    w1 = widths[1],
                    w2 = widths[2],
                    w3 = widths[3]
                );
            }
        }
    }
    if !info.checks.is_empty() {
        let _ = writeln!(out, "\nself-checks (proftui check):");
        let width = info.checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
        for c in &info.checks {
            let _ = writeln!(out, "  {:width$}  {}", c.name, c.description);
        }
    }
    out
}

fn result_text(value: &ResultValue) -> String {
    match value {
        ResultValue::Number { value, unit } => {
            let number = if value.fract() == 0.0 && value.abs() < 1e15 {
                format!("{value:.0}")
            } else if value.abs() >= 1e6 || (value.abs() < 1e-3 && *value != 0.0) {
                format!("{value:.6e}")
            } else {
                format!("{value:.10}").trim_end_matches('0').to_string()
            };
            if unit.is_empty() { number } else { format!("{number} {unit}") }
        }
        ResultValue::Text(text) => text.clone(),
    }
}

/// Results and timing of a run, like `time` prints them.
pub fn run_summary(info: &PluginInfo, invocation: &Invocation, records: &[RunRecord]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", invocation_title(info, invocation));
    if !invocation.params.is_empty() {
        let _ = writeln!(out, "  {}", invocation.params_text());
    }
    if let Some(last) = records.last().filter(|r| !r.results.is_empty()) {
        let _ = writeln!(out, "\nresults");
        let width = last.results.iter().map(|r| r.name.len()).max().unwrap_or(0);
        for r in &last.results {
            let _ = writeln!(out, "  {:width$}  {}", r.name, result_text(&r.value));
        }
    }
    let _ = writeln!(out);
    match records {
        [] => {}
        [one] => {
            let t = one.timing;
            let _ = writeln!(
                out,
                "time  wall {}  user {}  sys {}",
                human_seconds(t.wall_s),
                human_seconds(t.user_s),
                human_seconds(t.sys_s)
            );
        }
        many => {
            let _ = writeln!(
                out,
                "time over {} runs   {:>10}  {:>10}  {:>10}",
                many.len(),
                "min",
                "median",
                "max"
            );
            let rows = [
                ("wall", many.iter().map(|r| r.timing.wall_s).collect::<Vec<_>>()),
                ("user", many.iter().map(|r| r.timing.user_s).collect()),
                ("sys", many.iter().map(|r| r.timing.sys_s).collect()),
            ];
            for (label, values) in rows {
                if let Some(s) = Spread::of(values) {
                    let _ = writeln!(
                        out,
                        "  {label:16}  {:>10}  {:>10}  {:>10}",
                        human_seconds(s.min),
                        human_seconds(s.median),
                        human_seconds(s.max)
                    );
                }
            }
        }
    }
    out
}

/// The same as JSON, for scripts.
pub fn run_json(
    info: &PluginInfo,
    invocation: &Invocation,
    records: &[RunRecord],
) -> serde_json::Result<String> {
    serde_json::to_string_pretty(&serde_json::json!({
        "plugin": info.name,
        "invocation": invocation,
        "runs": records,
    }))
}

/// `  pass  name   12.3 ms  description` or `  FAIL  name  why`.
pub fn check_line(check: &CheckInfo, outcome: &Result<Vec<Event>, WorkerError>) -> String {
    match outcome {
        Ok(events) => {
            let wall = events
                .iter()
                .find_map(|e| match e {
                    Event::Finished(record) => Some(human_seconds(record.timing.wall_s)),
                    _ => None,
                })
                .unwrap_or_default();
            format!("  pass  {:24} {:>9}  {}", check.name, wall, check.description)
        }
        Err(error) => format!("  FAIL  {:24} {error}", check.name),
    }
}

/// A one-line progress bar on stderr, only when stderr is a terminal.
pub struct Progress {
    enabled: bool,
    repeat: u32,
    drawn: bool,
}

impl Progress {
    pub fn new(enabled: bool, repeat: u32) -> Self {
        Self { enabled, repeat, drawn: false }
    }

    pub fn show(&mut self, event: &Event) {
        let Event::Progress { repeat, fraction } = event else { return };
        if !self.enabled {
            return;
        }
        let filled = (fraction * 30.0).round() as usize;
        let bar: String = (0..30).map(|i| if i < filled { '#' } else { '.' }).collect();
        let mut err = std::io::stderr();
        let _ = write!(err, "\r[{bar}] {:3.0}%  run {}/{}", fraction * 100.0, repeat + 1, self.repeat);
        let _ = err.flush();
        self.drawn = true;
    }

    pub fn clear(&mut self) {
        if self.drawn {
            let _ = write!(std::io::stderr(), "\r{:60}\r", "");
            self.drawn = false;
        }
    }
}
