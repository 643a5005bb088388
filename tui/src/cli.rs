//! The command line: every subcommand and flag, defined once; help text
//! and shell completions are generated from these definitions.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// A terminal profiler and explorer for native workloads built as plugins.
#[derive(Debug, Parser)]
#[command(name = "proftui", version, about, long_about = None, propagate_version = true, disable_version_flag = true)]
pub struct Cli {
    /// Print version.
    #[arg(long, action = clap::ArgAction::Version, global = true)]
    version: Option<bool>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List a plugin's workloads, variants, parameters and self-checks.
    List {
        #[command(flatten)]
        plugin: PluginArg,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Run a workload in an isolated worker process and time it.
    Run {
        #[command(flatten)]
        plugin: PluginArg,
        #[command(flatten)]
        workload: WorkloadArgs,
        /// Run it this many times in one worker and report min/median/max.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        repeat: u32,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Run a plugin's self-checks; the exit code says whether all passed.
    Check {
        #[command(flatten)]
        plugin: PluginArg,
    },
    /// Load a plugin to explore it: runs its default workload for now and
    /// prints a summary (the interactive explorer is on its way).
    Load {
        #[command(flatten)]
        plugin: PluginArg,
        #[command(flatten)]
        workload: WorkloadArgs,
    },
    /// Profile a workload (cpu samples, exact calls, heap) into a report file.
    Record(RecordArgs),
    /// Print a view of a saved report as text or JSON.
    Report(ReportArgs),
    /// Explore a saved report in the terminal.
    Open {
        /// The report file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Print a shell completion script, e.g. `proftui completions bash`.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

/// The plugin to use and how long a worker may take.
#[derive(Debug, Args)]
pub struct PluginArg {
    /// Path of the plugin (.so). `plugins/NAME.so` is built from the
    /// workspace crate `plugins/NAME/` when the file does not exist.
    #[arg(value_name = "PLUGIN")]
    pub path: PathBuf,
    /// Kill the worker after this many seconds (default: no limit).
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout)]
    pub timeout: Option<f64>,
}

/// Which workload to run, and how.
#[derive(Debug, Args)]
pub struct WorkloadArgs {
    /// The workload (default: the plugin's first).
    #[arg(short, long, value_name = "WORKLOAD")]
    pub workload: Option<String>,
    /// The variant (default: the workload's first).
    #[arg(short = 'V', long, value_name = "VARIANT")]
    pub variant: Option<String>,
    /// Set a parameter; repeat for several.
    #[arg(short, long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
}

/// `proftui record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    #[command(flatten)]
    pub plugin: PluginArg,
    #[command(flatten)]
    pub workload: WorkloadArgs,
    /// Run the cpu pass (sampled stacks). With none of --cpu, --calls,
    /// --heap given, all three run.
    #[arg(long)]
    pub cpu: bool,
    /// Run the calls pass (exact call counts and times from probes).
    #[arg(long)]
    pub calls: bool,
    /// Run the heap pass (allocation sites, peak, leaks, memory over time).
    #[arg(long)]
    pub heap: bool,
    /// The cpu pass repeats the workload until it has this many samples
    /// (or its time budget runs out).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub min_samples: u64,
    /// Time budget of the cpu pass's repeats, in seconds.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS", value_parser = parse_timeout)]
    pub budget: f64,
    /// Sampling frequency asked of the kernel (it delivers at most about
    /// one signal per tick; the report keeps the achieved rate).
    #[arg(long, default_value_t = 997, value_name = "HZ", value_parser = clap::value_parser!(i32).range(1..=10_000))]
    pub frequency: i32,
    /// Record the cpu pass N times, each round in a worker of its own and
    /// each to --min-samples. The report keeps every round's figures, and
    /// `proftui diff` marks changes within their spread as noise.
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub repeat: u32,
    /// The report file to write (`.gz` for a compressed one).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `proftui report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The report file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// What to show.
    #[arg(long, value_enum, default_value_t = ReportView::Flat)]
    pub view: ReportView,
    /// The function of the callers, callees and lines views.
    #[arg(long, value_name = "FUNCTION")]
    pub function: Option<String>,
    /// Sort by this column (the view's natural order by default).
    #[arg(long, value_enum)]
    pub sort: Option<SortKey>,
    /// Show at most this many rows.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Only this thread (its name or OS id).
    #[arg(long, value_name = "THREAD")]
    pub thread: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportView {
    /// Per function: calls, self and inclusive cost, bytes (like cProfile).
    Flat,
    /// Top-down call tree.
    Tree,
    /// Bottom-up (inverted) call tree.
    Inverted,
    /// Who calls --function, with counts and cost per edge.
    Callers,
    /// What --function calls, with counts and cost per edge.
    Callees,
    /// Per source line of --function (like line_profiler).
    Lines,
    /// Allocation sites: total, at peak, leaked.
    Heap,
    /// Live heap bytes over time.
    Timeline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortKey {
    Calls,
    #[value(name = "self")]
    SelfCost,
    Incl,
    Samples,
    Bytes,
    Peak,
    Leaked,
    Name,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

fn parse_timeout(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("`{text}` is not a positive number of seconds")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
