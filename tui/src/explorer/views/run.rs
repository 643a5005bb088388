//! The run panel of `proftui load PLUGIN`: pick a workload, a variant,
//! parameters and passes; start; watch each pass's progress; a finished
//! recording becomes the report the other views show. A crashed or failed
//! run shows its one-line reason and the explorer stays up.

use crate::explorer::action::Action;
use proftui_core::params::{Invocation, ParamValue, default_value, parse_value};
use proftui_core::plugin::{ParamKind, PluginInfo};
use proftui_core::record::{Progress, RecordOptions, Recording, Target, record};
use proftui_core::report::PassKind;
use proftui_core::worker::RunOptions;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Gauge, Paragraph};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::time::Instant;

/// The plugin the panel runs, as the command line resolved it.
pub struct PluginSource {
    pub path: PathBuf,
    pub display: String,
    pub info: PluginInfo,
    pub worker: RunOptions,
}

/// What the background recording sends back.
enum Message {
    Progress(Progress),
    Finished(Result<Box<Recording>, String>),
}

/// One pass's line in the progress list.
#[derive(Debug, Clone)]
struct PassLine {
    kind: PassKind,
    state: String,
    fraction: f64,
}

enum RunState {
    Idle,
    Running {
        started: Instant,
        cancel: Arc<AtomicBool>,
        messages: Receiver<Message>,
        passes: Vec<PassLine>,
        min_samples: u64,
    },
}

/// What the panel tells the app after it polled its run.
pub enum Polled {
    Nothing,
    /// Something changed on screen.
    Changed,
    /// A recording finished: show it.
    Recorded(Box<Recording>, String),
    /// The run failed or was cancelled: one line.
    Failed(String),
}

pub struct Panel {
    source: PluginSource,
    workload: usize,
    variant: usize,
    /// One value per parameter of the current workload.
    values: Vec<ParamValue>,
    passes: [bool; 3],
    /// The selected row: 0 workload, 1 variant, 2.. parameters, then passes.
    selected: usize,
    run: RunState,
    /// The last run's outcome, one line.
    pub last: Option<String>,
}

const PASS_NAMES: [&str; 3] =
    ["cpu pass (sampled stacks)", "calls pass (exact counts)", "heap pass (allocations)"];

impl Panel {
    pub fn new(source: PluginSource) -> Self {
        let mut panel = Self {
            source,
            workload: 0,
            variant: 0,
            values: Vec::new(),
            passes: [true; 3],
            selected: 0,
            run: RunState::Idle,
            last: None,
        };
        panel.reset_values();
        panel
    }

    fn reset_values(&mut self) {
        self.variant = 0;
        self.values = self
            .source
            .info
            .workloads
            .get(self.workload)
            .map(|w| w.params.iter().map(|p| default_value(&p.kind)).collect())
            .unwrap_or_default();
    }

    fn param_count(&self) -> usize {
        self.values.len()
    }

    fn rows(&self) -> usize {
        2 + self.param_count() + 3
    }

    pub fn is_running(&self) -> bool {
        matches!(self.run, RunState::Running { .. })
    }

    /// The invocation the rows describe.
    fn invocation(&self) -> Option<Invocation> {
        let workload = self.source.info.workloads.get(self.workload)?;
        Some(Invocation {
            workload: workload.name.clone(),
            variant: workload.variants.get(self.variant).map(|v| v.name.clone()).unwrap_or_default(),
            params: workload.params.iter().map(|p| p.name.clone()).zip(self.values.iter().cloned()).collect(),
        })
    }

    /// Handles a key; returns a line for the status bar, if any.
    pub fn update(&mut self, action: Action) -> Option<String> {
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(self.rows() - 1),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = self.rows() - 1,
            Action::Increase | Action::Decrease if !self.is_running() => {
                self.change(if action == Action::Increase { 1 } else { -1 });
            }
            Action::Start if !self.is_running() => return self.start(),
            Action::Start => return Some("a run is already going: x stops it".into()),
            Action::Cancel | Action::Back if self.is_running() => {
                self.cancel();
                return Some("stopping the run…".into());
            }
            Action::Cancel => return Some("no run to stop".into()),
            _ => {}
        }
        None
    }

    /// Moves the selected row's value by one step.
    fn change(&mut self, step: i64) {
        let info = &self.source.info;
        let cycle = |at: usize, len: usize| ((at as i64 + step).rem_euclid(len.max(1) as i64)) as usize;
        match self.selected {
            0 => {
                self.workload = cycle(self.workload, info.workloads.len());
                self.reset_values();
            }
            1 => {
                let variants = info.workloads.get(self.workload).map_or(0, |w| w.variants.len());
                self.variant = cycle(self.variant, variants);
            }
            row if row < 2 + self.param_count() => {
                let index = row - 2;
                let Some(param) = info.workloads.get(self.workload).and_then(|w| w.params.get(index)) else {
                    return;
                };
                self.values[index] = step_value(&param.kind, &self.values[index], step);
            }
            row => {
                let pass = row - 2 - self.param_count();
                if let Some(on) = self.passes.get_mut(pass) {
                    *on = !*on;
                }
            }
        }
    }

    /// Sets the selected parameter from typed text; the error says why not.
    pub fn set_typed(&mut self, text: &str) -> Result<(), String> {
        let index = self
            .selected
            .checked_sub(2)
            .filter(|i| *i < self.param_count())
            .ok_or("select a parameter first")?;
        let param = &self.source.info.workloads[self.workload].params[index];
        self.values[index] = parse_value(&param.name, &param.kind, text.trim()).map_err(|e| e.to_string())?;
        Ok(())
    }

    /// The selected parameter's current value as text, for editing.
    pub fn selected_text(&self) -> Option<String> {
        self.selected.checked_sub(2).and_then(|i| self.values.get(i)).map(ToString::to_string)
    }

    fn start(&mut self) -> Option<String> {
        if !self.passes.iter().any(|p| *p) {
            return Some("choose at least one pass".into());
        }
        let invocation = self.invocation()?;
        let options = RecordOptions {
            cpu: self.passes[0],
            calls: self.passes[1],
            heap: self.passes[2],
            ..RecordOptions::default()
        };
        let cancel = Arc::new(AtomicBool::new(false));
        let worker = RunOptions { cancel: Some(Arc::clone(&cancel)), ..self.source.worker.clone() };
        let (sender, messages) = channel();
        let pass_kinds: Vec<PassKind> = options.passes().iter().map(|p| p.kind()).collect();
        let min_samples = options.min_samples;
        let (path, display, info) =
            (self.source.path.clone(), self.source.display.clone(), self.source.info.clone());
        // The recording thread starts every worker and lives until the last
        // one ends (workers die with the thread that started them).
        std::thread::spawn(move || {
            let target =
                Target { plugin: path, plugin_display: display, info: &info, invocation: &invocation };
            let progress_sender = sender.clone();
            let result = record(&target, &worker, &options, |p| {
                let _ = progress_sender.send(Message::Progress(p));
            });
            let _ = sender.send(Message::Finished(result.map(Box::new).map_err(|e| e.to_string())));
        });
        let passes = pass_kinds
            .into_iter()
            .map(|kind| PassLine { kind, state: "waiting".into(), fraction: 0.0 })
            .collect();
        self.run = RunState::Running { started: Instant::now(), cancel, messages, passes, min_samples };
        self.last = None;
        None
    }

    pub fn cancel(&mut self) {
        if let RunState::Running { cancel, .. } = &self.run {
            cancel.store(true, Ordering::Relaxed);
        }
    }

    /// Takes what the recording thread sent since the last call.
    pub fn poll(&mut self) -> Polled {
        let RunState::Running { messages, passes, started, min_samples, .. } = &mut self.run else {
            return Polled::Nothing;
        };
        let mut changed = false;
        loop {
            match messages.try_recv() {
                Ok(Message::Progress(progress)) => {
                    changed = true;
                    apply(passes, progress, started.elapsed().as_secs_f64(), *min_samples);
                }
                Ok(Message::Finished(result)) => {
                    let elapsed = started.elapsed().as_secs_f64();
                    self.run = RunState::Idle;
                    return match result {
                        Ok(recording) => {
                            let mut line = format!("recorded in {elapsed:.1} s");
                            for (kind, why) in &recording.failed {
                                line.push_str(&format!("; the {} pass failed: {why}", kind.name()));
                            }
                            self.last = Some(line.clone());
                            Polled::Recorded(recording, line)
                        }
                        Err(why) => {
                            self.last = Some(why.clone());
                            Polled::Failed(why)
                        }
                    };
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.run = RunState::Idle;
                    let why = "the recording stopped without a word".to_string();
                    self.last = Some(why.clone());
                    return Polled::Failed(why);
                }
            }
        }
        if changed { Polled::Changed } else { Polled::Nothing }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect) {
        let info = &self.source.info;
        let workload = info.workloads.get(self.workload);
        let mut lines = vec![
            Line::from(format!("{} — {}   ({})", info.name, info.description, self.source.display)),
            Line::from(""),
        ];
        let mut row = |index: usize, label: String, value: String, note: String| {
            let marker = if index == self.selected { "▶ " } else { "  " };
            let style = if index == self.selected {
                Style::default().add_modifier(Modifier::REVERSED)
            } else {
                Style::default()
            };
            lines.push(Line::styled(format!("{marker}{label:>14}  ‹ {value} ›  {note}"), style));
        };
        row(
            0,
            "workload".into(),
            workload.map_or("—".into(), |w| w.name.clone()),
            workload.map_or(String::new(), |w| w.description.clone()),
        );
        let variant = workload.and_then(|w| w.variants.get(self.variant));
        row(
            1,
            "variant".into(),
            variant.map_or("(none)".into(), |v| v.name.clone()),
            variant.map_or(String::new(), |v| v.description.clone()),
        );
        if let Some(workload) = workload {
            for (i, (param, value)) in workload.params.iter().zip(&self.values).enumerate() {
                row(
                    2 + i,
                    param.name.clone(),
                    value.to_string(),
                    format!("{} ({})", param.description, param.kind.range_text()),
                );
            }
        }
        for (i, name) in PASS_NAMES.iter().enumerate() {
            let on = if self.passes[i] { "on" } else { "off" };
            row(2 + self.values.len() + i, format!("pass {}", i + 1), on.into(), (*name).into());
        }
        lines.push(Line::from(""));
        lines.push(Line::from(
            "Enter starts the run · ←/→ change a value · i types one · x (or Esc) stops the run",
        ));
        if let Some(last) = &self.last {
            lines.push(Line::from(format!("last run: {last}")));
        }
        let gauges = match &self.run {
            RunState::Running { passes, .. } => passes.len() as u16,
            RunState::Idle => 0,
        };
        let [form, progress] = Layout::vertical([Constraint::Min(1), Constraint::Length(gauges)]).areas(area);
        frame.render_widget(Paragraph::new(lines), form);
        if let RunState::Running { passes, .. } = &self.run {
            for (i, pass) in passes.iter().enumerate() {
                let area = Rect { y: progress.y + i as u16, height: 1, ..progress };
                if area.bottom() > progress.bottom() {
                    break;
                }
                let label = format!("{:>5}: {}", pass.kind.name(), pass.state);
                frame.render_widget(Gauge::default().ratio(pass.fraction.clamp(0.0, 1.0)).label(label), area);
            }
        }
    }
}

/// Moves a value one step: integers by one, choices to the next.
fn step_value(kind: &ParamKind, value: &ParamValue, step: i64) -> ParamValue {
    match (kind, value) {
        (ParamKind::Int { min, max, .. }, ParamValue::Int(v)) => {
            ParamValue::Int(v.saturating_add(step).clamp(*min, *max))
        }
        (ParamKind::Float { min, max, .. }, ParamValue::Float(v)) => {
            let factor = if step > 0 { 2.0 } else { 0.5 };
            ParamValue::Float((v * factor).clamp(*min, *max))
        }
        (ParamKind::Choice { choices, .. }, ParamValue::Choice(v)) => {
            let at = choices.iter().position(|c| c == v).unwrap_or(0) as i64;
            let next = (at + step).rem_euclid(choices.len().max(1) as i64) as usize;
            ParamValue::Choice(choices.get(next).cloned().unwrap_or_default())
        }
        (kind, _) => default_value(kind),
    }
}

/// Updates the pass lines from one progress report.
fn apply(passes: &mut [PassLine], progress: Progress, elapsed_s: f64, min_samples: u64) {
    let find = |passes: &mut [PassLine], kind: PassKind| passes.iter_mut().position(|p| p.kind == kind);
    match progress {
        Progress::Started(kind) => {
            if let Some(i) = find(passes, kind) {
                passes[i].state = format!("starting ({elapsed_s:.1} s)");
            }
        }
        Progress::Running { pass, runs, samples, fraction } => {
            if let Some(i) = find(passes, pass) {
                let samples_text =
                    if pass == PassKind::Cpu { format!(", {samples} samples") } else { String::new() };
                passes[i].state = format!("{runs} runs done{samples_text}, {elapsed_s:.1} s");
                // The cpu pass ends on its sample count, not after one run.
                passes[i].fraction =
                    if pass == PassKind::Cpu { samples as f64 / min_samples.max(1) as f64 } else { fraction };
            }
        }
        Progress::Done(kind) => {
            if let Some(i) = find(passes, kind) {
                passes[i].state = format!("done ({elapsed_s:.1} s)");
                passes[i].fraction = 1.0;
            }
        }
        Progress::Failed(kind, why) => {
            if let Some(i) = find(passes, kind) {
                passes[i].state = format!("failed: {why}");
            }
        }
    }
}
