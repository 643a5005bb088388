//! The command line: every subcommand and flag, defined once; help text
//! and shell completions are generated from these definitions.

use clap::{Args, Parser, Subcommand, ValueEnum};
use proftui_core::collect::cpu::ClockChoice;
use proftui_core::export::ExportFormat;
use proftui_core::record::RecordOptions;
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
    /// Explore a plugin: the explorer's run panel records its workloads.
    /// Without a terminal, runs the workload once and prints the results.
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
    /// Write a saved report in another tool's format: callgrind, pprof,
    /// folded stacks, a flame graph SVG, speedscope, dhat or Graphviz dot.
    Export(ExportArgs),
    /// Explore a saved report in the terminal.
    Open {
        /// The report file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Compare two saved reports per function and call path, noise marked;
    /// `--fail-if` turns it into a CI gate (exit 1 on a regression).
    Diff(DiffArgs),
    /// Record two variants of a workload and compare them like `diff`.
    Compare(CompareArgs),
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
    #[command(flatten)]
    pub pass: PassArgs,
    /// The report file to write (`.gz` for a compressed one).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `--clock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Clock {
    Auto,
    Perf,
    Timer,
}

/// How the cpu pass samples and repeats (`record` and `compare`).
#[derive(Debug, Args)]
pub struct PassArgs {
    /// The cpu pass repeats the workload until it has this many samples
    /// (or its time budget runs out).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub min_samples: u64,
    /// Time budget of the cpu pass's repeats, in seconds.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS", value_parser = parse_timeout)]
    pub budget: f64,
    /// Sampling frequency asked of the kernel, per second of CPU time (the
    /// profiling timer delivers at most one signal per tick; the report
    /// keeps the achieved rate).
    #[arg(long, default_value_t = proftui_core::collect::cpu::DEFAULT_FREQUENCY_HZ, value_name = "HZ", value_parser = clap::value_parser!(i32).range(1..=10_000))]
    pub frequency: i32,
    /// What interrupts the threads for samples. auto: perf events where
    /// they open, else the timer; perf: perf task-clock events (the rate
    /// asked, each thread by its own CPU time, user time only); timer: the
    /// profiling timer ITIMER_PROF (tick-driven, kernel time too).
    #[arg(long, value_enum, default_value_t = Clock::Auto)]
    pub clock: Clock,
    /// Record the cpu pass N times, each round in a worker of its own and
    /// each to --min-samples. The report keeps every round's figures, and
    /// `proftui diff` marks changes within their spread as noise.
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub repeat: u32,
}

impl PassArgs {
    /// The record options these flags set; every pass runs, the rest are
    /// [`RecordOptions`]'s defaults.
    pub fn record_options(&self) -> RecordOptions {
        RecordOptions {
            min_samples: self.min_samples,
            budget_s: self.budget,
            frequency_hz: self.frequency,
            clock: match self.clock {
                Clock::Auto => ClockChoice::Auto,
                Clock::Perf => ClockChoice::Perf,
                Clock::Timer => ClockChoice::Timer,
            },
            rounds: self.repeat,
            ..RecordOptions::default()
        }
    }
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

/// `proftui export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The report file.
    #[arg(value_name = "REPORT")]
    pub file: PathBuf,
    /// The format to write.
    #[arg(long, value_name = "FORMAT")]
    pub format: ExportFormatArg,
    /// The file to write.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// A format of `proftui export`: the list and names are core's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportFormatArg(pub ExportFormat);

impl ExportFormatArg {
    const ALL: [ExportFormatArg; ExportFormat::ALL.len()] = {
        let mut all = [ExportFormatArg(ExportFormat::ALL[0]); ExportFormat::ALL.len()];
        let mut i = 1;
        while i < all.len() {
            all[i] = ExportFormatArg(ExportFormat::ALL[i]);
            i += 1;
        }
        all
    };
}

impl ValueEnum for ExportFormatArg {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.0.name()).help(self.0.description()))
    }
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

/// `proftui diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The report to compare against (before).
    #[arg(value_name = "BASE")]
    pub base: PathBuf,
    /// The report compared (after).
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    #[command(flatten)]
    pub show: DiffShowArgs,
}

/// How a diff is shown and gated (`diff` and `compare`).
#[derive(Debug, Args)]
pub struct DiffShowArgs {
    /// Output format. Without it: the explorer on a terminal, text
    /// otherwise.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Sort rows by the largest absolute change of this figure.
    #[arg(long, value_enum, default_value_t = DiffSort::Incl)]
    pub sort: DiffSort,
    /// Show this many rows of each table (JSON: of the paths; it lists
    /// every function).
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub top: usize,
    /// Exit 1 when this holds, e.g. 'incl(evolve) > +10%', 'calls(f) >
    /// +1000', 'peak > +1MiB', 'total > +2ms'; repeat for several. A change
    /// within noise counts as no change.
    #[arg(long = "fail-if", value_name = "CONDITION")]
    pub fail_if: Vec<String>,
    /// Compare the base's function A with the new one's B, e.g.
    /// 'naive::evolve=tuned::evolve'; repeat for several.
    #[arg(long, value_name = "A=B")]
    pub pair: Vec<String>,
    /// Match functions by their full names only. By default two variants
    /// of one workload are matched with the variant's module swapped
    /// (simul::naive::evolve meets simul::tuned::evolve).
    #[arg(long)]
    pub exact_names: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffSort {
    Incl,
    #[value(name = "self")]
    SelfTime,
    Calls,
    Bytes,
    Peak,
    Name,
}

/// `proftui compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub plugin: PluginArg,
    /// The workload (default: the plugin's first).
    #[arg(short, long, value_name = "WORKLOAD")]
    pub workload: Option<String>,
    /// A variant: give exactly two, base first (`-V naive -V tuned`).
    #[arg(short = 'V', long = "variant", value_name = "VARIANT", required = true)]
    pub variants: Vec<String>,
    /// Set a parameter of both runs; repeat for several.
    #[arg(short, long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    #[command(flatten)]
    pub pass: PassArgs,
    /// Keep the reports as DIR/VARIANT.json (default: a new directory
    /// under the system's temporary directory, printed).
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Replace report files that exist in DIR.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub show: DiffShowArgs,
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

    #[test]
    fn record_and_compare_take_the_same_pass_flags_to_the_same_options() {
        let flags = ["--min-samples", "200", "--budget", "2.5", "--frequency", "499", "--repeat", "3"];
        let record = ["proftui", "record", "p.so", "-o", "out.json"];
        let compare = ["proftui", "compare", "p.so", "-V", "a", "-V", "b"];
        let options =
            |words: &[&str]| match Cli::try_parse_from(words.iter().chain(&flags)).map(|c| c.command) {
                Ok(Command::Record(args)) => args.pass.record_options(),
                Ok(Command::Compare(args)) => args.pass.record_options(),
                other => panic!("{other:?}"),
            };
        let expected = RecordOptions {
            min_samples: 200,
            budget_s: 2.5,
            frequency_hz: 499,
            rounds: 3,
            ..RecordOptions::default()
        };
        assert_eq!(options(&record), expected);
        assert_eq!(options(&compare), expected);
    }
}
