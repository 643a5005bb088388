//! The subcommands: turn parsed arguments into core calls and print the
//! outcome. Exit codes: 0 success, 1 a run or check failed, 2 bad input
//! (plugin file, workload, parameter), 130 cancelled.

use crate::cli::{Command, Format, PluginArg, WorkloadArgs};
use crate::output;
use anyhow::{Context, Result};
use proftui_core::analysis::LookupError;
use proftui_core::params::{self, Invocation, ParamError};
use proftui_core::plugin::{BuildError, InspectError, PluginInfo, resolve_plugin_path};
use proftui_core::record::Target;
use proftui_core::report::file::ReportFileError;
use proftui_core::worker::{Event, RunOptions, RunRecord, Task, WorkerError, WorkerSpec, run_worker};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// The hidden subcommand that turns proftui into a worker.
pub const WORKER_SUBCOMMAND: &str = "__worker";

/// How long describing a plugin may take when no `--timeout` is given.
const DESCRIBE_TIMEOUT: Duration = Duration::from_secs(60);

pub fn dispatch(command: Command) -> Result<ExitCode> {
    match command {
        Command::List { plugin, format } => {
            let session = Session::open(&plugin)?;
            match format {
                Format::Text => print!("{}", output::plugin_listing(&session.info, &session.path)),
                Format::Json => println!("{}", serde_json::to_string_pretty(&session.info)?),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { plugin, workload, repeat, format } => {
            let session = Session::open(&plugin)?;
            let invocation = session.invocation(&workload)?;
            let records = session.run(&invocation, repeat)?;
            match format {
                Format::Text => print!("{}", output::run_summary(&session.info, &invocation, &records)),
                Format::Json => println!("{}", output::run_json(&session.info, &invocation, &records)?),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { plugin } => {
            let session = Session::open(&plugin)?;
            session.check_all()
        }
        Command::Load { plugin, workload } => {
            let session = Session::open(&plugin)?;
            let invocation = session.invocation(&workload)?;
            if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
                crate::explorer::load(crate::explorer::views::run::PluginSource {
                    path: session.path.clone(),
                    display: session.display_path.clone(),
                    info: session.info.clone(),
                    worker: session.options.clone(),
                })?;
            } else {
                // No terminal to explore in (a pipe, CI): run the workload
                // once and print what a run shows.
                let records = session.run(&invocation, 1)?;
                print!("{}", output::run_summary(&session.info, &invocation, &records));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Record(args) => crate::record::run(&args),
        Command::Report(args) => crate::report_view::run(&args),
        Command::Export(args) => crate::export::run(&args),
        Command::Open { file } => crate::explorer::open(&file).map(|()| ExitCode::SUCCESS),
        Command::Diff(args) => crate::diff_view::run(&args),
        Command::Compare(args) => crate::compare::run(&args),
        Command::Completions { shell } => {
            let mut command = <crate::cli::Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "proftui", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// 2 for bad input, 130 for a cancelled run, 1 otherwise.
pub fn exit_code_for(error: &anyhow::Error) -> u8 {
    for cause in error.chain() {
        if cause.is::<ParamError>() || cause.is::<InspectError>() || cause.is::<BuildError>() {
            return 2;
        }
        if cause.is::<LookupError>() || cause.is::<crate::report_view::UsageError>() {
            return 2;
        }
        if cause.is::<proftui_core::diff::GateError>() || cause.is::<crate::diff_view::UsageError>() {
            return 2;
        }
        if let Some(export) = cause.downcast_ref::<proftui_core::export::ExportError>() {
            return if export.is_bad_input() { 2 } else { 1 };
        }
        if let Some(file) = cause.downcast_ref::<ReportFileError>() {
            return match file {
                ReportFileError::Read { .. } | ReportFileError::Write { .. } => 1,
                _ => 2,
            };
        }
        if let Some(worker) = cause.downcast_ref::<WorkerError>() {
            return match worker {
                WorkerError::LoadFailed(_) => 2,
                WorkerError::Cancelled => 130,
                _ => 1,
            };
        }
        if let Some(record) = cause.downcast_ref::<proftui_core::record::RecordError>() {
            return match record {
                proftui_core::record::RecordError::Cancelled => 130,
                _ => 1,
            };
        }
    }
    1
}

/// A plugin the user named, described by a worker.
pub(crate) struct Session {
    pub(crate) path: PathBuf,
    /// The plugin as the user named it.
    pub(crate) display_path: String,
    pub(crate) info: PluginInfo,
    pub(crate) options: RunOptions,
}

impl Session {
    /// Says on stderr what is about to be recorded, and returns it as
    /// [`record`](proftui_core::record::record) takes it.
    pub fn recording_target<'a>(&'a self, invocation: &'a Invocation) -> Target<'a> {
        eprintln!(
            "recording {} · {}",
            output::invocation_title(&self.info, invocation),
            invocation.params_text()
        );
        Target {
            plugin: self.path.clone(),
            plugin_display: self.display_path.clone(),
            info: &self.info,
            invocation,
        }
    }

    /// Resolves the path (building a missing workspace plugin), registers
    /// Ctrl-C and SIGTERM as cancellation, and asks a worker what the
    /// plugin declares.
    pub(crate) fn open(arg: &PluginArg) -> Result<Self> {
        let path = resolve_plugin_path(&arg.path, |crate_dir| {
            eprintln!(
                "proftui: {} does not exist; building it from {} (cargo build --release)",
                arg.path.display(),
                crate_dir.display()
            );
        })?;
        let cancel = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            signal_hook::flag::register(signal, Arc::clone(&cancel))
                .context("cannot install the Ctrl-C handler")?;
        }
        let exe =
            std::env::current_exe().context("cannot find proftui's own executable to start a worker")?;
        let options = RunOptions {
            exe,
            subcommand: WORKER_SUBCOMMAND.to_string(),
            timeout: arg.timeout.map(Duration::from_secs_f64),
            cancel: Some(cancel),
        };
        let describe =
            RunOptions { timeout: Some(options.timeout.unwrap_or(DESCRIBE_TIMEOUT)), ..options.clone() };
        let spec = WorkerSpec { plugin: path.clone(), task: Task::Describe };
        // A refused plugin's message already names the file; a crash does not.
        let events = run_worker(&spec, &describe, |_| {}).map_err(|e| match e {
            WorkerError::LoadFailed(_) => anyhow::Error::new(e),
            other => anyhow::Error::new(other).context(format!("loading {}", arg.path.display())),
        })?;
        let info = events
            .into_iter()
            .find_map(|e| match e {
                Event::Described(info) => Some(info),
                _ => None,
            })
            .with_context(|| format!("loading {}: the worker described nothing", arg.path.display()))?;
        Ok(Self { path, display_path: arg.path.display().to_string(), info, options })
    }

    pub(crate) fn invocation(&self, args: &WorkloadArgs) -> Result<Invocation, ParamError> {
        params::resolve(&self.info, args.workload.as_deref(), args.variant.as_deref(), &args.params)
    }

    /// Runs `invocation` `repeat` times in one worker.
    fn run(&self, invocation: &Invocation, repeat: u32) -> Result<Vec<RunRecord>> {
        let spec = WorkerSpec {
            plugin: self.path.clone(),
            task: Task::Run { invocation: invocation.clone(), repeat },
        };
        let mut progress = output::Progress::new(std::io::stderr().is_terminal(), repeat);
        let events = run_worker(&spec, &self.options, |event| progress.show(event));
        progress.clear();
        let events =
            events.with_context(|| format!("{} failed", output::invocation_title(&self.info, invocation)))?;
        Ok(events
            .into_iter()
            .filter_map(|e| match e {
                Event::Finished(record) => Some(record),
                _ => None,
            })
            .collect())
    }

    /// Runs every self-check in a worker of its own.
    fn check_all(&self) -> Result<ExitCode> {
        let mut failed = 0;
        println!("{}: {} self-checks", self.info.name, self.info.checks.len());
        for check in &self.info.checks {
            let spec =
                WorkerSpec { plugin: self.path.clone(), task: Task::Check { name: check.name.clone() } };
            let outcome = run_worker(&spec, &self.options, |_| {});
            if let Err(WorkerError::Cancelled) = outcome {
                return Err(WorkerError::Cancelled).context("checks cancelled");
            }
            let line = output::check_line(check, &outcome);
            failed += usize::from(outcome.is_err());
            println!("{line}");
        }
        let passed = self.info.checks.len() - failed;
        println!("{passed} passed, {failed} failed");
        Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
    }
}
