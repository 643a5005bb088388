//! The report's types. Every figure says what it rests on: sampled CPU
//! figures carry their sample count and achieved rate, call figures are
//! exact counts, heap figures are bytes and blocks.

use crate::collect::cpu::SampleClock;
use crate::params::ParamValue;
use crate::timing::Timing;
use crate::worker::NamedResult;
use serde::{Deserialize, Serialize};

/// What the first field of every report file says.
pub const FORMAT_NAME: &str = "proftui-report";
/// The format version this build writes; it reads this and older ones.
pub const FORMAT_VERSION: u32 = 1;

/// Index into [`Report::functions`].
pub type FunctionId = u32;
/// Index into [`Report::nodes`]; node 0 is the root of every stack.
pub type NodeId = u32;
/// Index into [`Report::threads`].
pub type ThreadId = u32;

/// The root node's id.
pub const ROOT: NodeId = 0;

/// One profiled run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    /// The format version the file was written with.
    pub version: u32,
    pub run: RunInfo,
    /// Every function any pass saw, one entry per name.
    pub functions: Vec<Function>,
    /// The calling-context tree shared by all passes: a node is a function
    /// executing at a line, called from its parent node.
    pub nodes: Vec<Node>,
    pub threads: Vec<ThreadInfo>,
    pub cpu: Option<CpuProfile>,
    pub calls: Option<CallProfile>,
    pub heap: Option<HeapProfile>,
    /// Source text captured at record time, for line tables.
    pub sources: Vec<SourceFile>,
    /// Set when the report was converted from another tool's file rather
    /// than recorded: what the figures then count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import: Option<Import>,
}

/// What an imported report's figures count. Imported costs are event
/// counts (instructions, samples), never seconds: the cpu pass's samples
/// carry them as weights, and its `cpu_s` is their total so that one unit
/// of "cpu time" is one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    /// The tool's format: `callgrind` or `folded`.
    pub format: String,
    /// The event the sample weights count: `Ir`, `samples`, ...
    pub event: String,
    /// The file is a call graph, not a tree (callgrind): each function's
    /// frames sit right below the root, a call is a node under the
    /// caller's line, and the calls pass carries the calls and, in its
    /// `_ns` fields, inclusive and self costs in `event` units. Sampled
    /// inclusive figures are then self costs only; inclusive costs are the
    /// calls pass's.
    pub call_graph: bool,
}

/// What was run, where and when, and what each pass cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub plugin: String,
    /// The plugin file as the user named it.
    pub plugin_path: String,
    pub workload: String,
    /// Empty when the workload has no variants.
    pub variant: String,
    pub params: Vec<(String, ParamValue)>,
    /// What the workload reported (from the uninstrumented run).
    pub results: Vec<NamedResult>,
    /// Seconds since the Unix epoch.
    pub recorded_at_unix_s: u64,
    pub host: HostInfo,
    pub passes: Vec<PassInfo>,
}

/// The machine a report was recorded on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostInfo {
    pub hostname: String,
    pub os: String,
    pub cpus: u32,
    pub proftui_version: String,
}

/// Which collector a figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PassKind {
    /// The workload without any profiler: the baseline of every overhead.
    Bare,
    Cpu,
    Calls,
    Heap,
}

impl PassKind {
    pub fn name(self) -> &'static str {
        match self {
            PassKind::Bare => "bare",
            PassKind::Cpu => "cpu",
            PassKind::Calls => "calls",
            PassKind::Heap => "heap",
        }
    }
}

/// One pass: how often the workload ran under it and what that cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PassInfo {
    pub kind: PassKind,
    /// How many times the workload ran in this pass.
    pub repeats: u32,
    /// Each run's timing, in order.
    pub runs: Vec<Timing>,
    /// Median wall time per run over the bare pass's median, minus one:
    /// 0.05 is 5% slower. `None` for the bare pass itself.
    pub overhead: Option<f64>,
    /// Runs made before `runs` to warm the machine up, untimed: a CPU
    /// coming out of idle ran taylor at half speed for its first 0.25 s.
    /// 0 in reports from before warm-ups, whose first run is cold.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub warm_up_runs: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl PassInfo {
    /// The wall seconds of the runs a timing rests on: every run after a
    /// warm-up; without one, every run but the cold first when there are
    /// others.
    pub fn warm_walls(&self) -> Vec<f64> {
        let cold = usize::from(self.warm_up_runs == 0 && self.runs.len() > 1);
        self.runs.iter().skip(cold).map(|t| t.wall_s).collect()
    }

    /// The median of [`PassInfo::warm_walls`]; `None` without runs.
    pub fn median_wall(&self) -> Option<f64> {
        crate::timing::Spread::of(self.warm_walls()).map(|s| s.median)
    }
}

/// A function, identified by its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    /// Demangled, without hash: `simul::naive::evolve`.
    pub name: String,
    /// Source file, when debug info or a probe says.
    pub file: Option<String>,
    /// The first line known for it (a probe's line or the lowest line seen).
    pub line: Option<u32>,
}

/// A node of the calling-context tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// The caller's node; the root's parent is itself.
    pub parent: NodeId,
    /// The function executing; meaningless for the root.
    pub function: FunctionId,
    /// The line executing in this frame: the sampled line at the leaf, the
    /// line of the call in a caller; 0 when unknown (probes know no lines).
    pub line: u32,
}

/// A thread one of the passes saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadInfo {
    pub pass: PassKind,
    pub os_id: u64,
    pub name: String,
}

/// The cpu pass: stack samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CpuProfile {
    /// What took the samples; reports from before perf events were used
    /// say nothing and had the profiling timer.
    #[serde(default)]
    pub clock: SampleClock,
    pub requested_hz: f64,
    /// Samples per second of sampled CPU time actually delivered.
    pub achieved_hz: f64,
    /// The CPU seconds the samples cover over the sampling window: the
    /// process' with the profiling timer, its user time with perf events.
    pub cpu_s: f64,
    /// CPU seconds the clock could not sample (the kernel's, with perf
    /// events); `None` for the profiling timer, which samples them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsampled_s: Option<f64>,
    pub wall_s: f64,
    /// Seconds the worker's threads were ready to run but waited for a CPU
    /// over the sampling window (the kernel's run delay); `None` when not
    /// measured. Its share of `wall_s` says how busy the machine was: the
    /// profiling timer (tick-driven) spreads its samples less evenly over
    /// the CPU time of a worker that is switched in and out between ticks,
    /// and wall times are inflated whatever the clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_s: Option<f64>,
    /// How many runs of the workload the samples cover.
    pub repeats: u32,
    /// Samples lost because the buffer was full.
    pub dropped: u64,
    /// Every sample, round after round (see [`CpuProfile::rounds`]).
    pub samples: Vec<Sample>,
    /// With `record --repeat N`, the pass ran N independent rounds, each in
    /// a worker of its own; the samples are stored round after round, and
    /// the rounds' spread tells a diff what is noise. Empty when the pass
    /// ran once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rounds: Vec<CpuRound>,
}

/// One round of a repeated cpu pass.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CpuRound {
    /// How many of [`CpuProfile::samples`] belong to this round (they
    /// follow those of the rounds before it).
    pub samples: u32,
    /// How many runs of the workload the round covers.
    pub repeats: u32,
    /// Process CPU seconds the round's samples stand for.
    pub cpu_s: f64,
}

impl CpuProfile {
    /// The rounds, always at least one: a pass that ran once is one round.
    pub fn round_list(&self) -> Vec<CpuRound> {
        if self.rounds.is_empty() {
            vec![CpuRound { samples: self.samples.len() as u32, repeats: self.repeats, cpu_s: self.cpu_s }]
        } else {
            self.rounds.clone()
        }
    }

    /// Appends another round of the same pass: its samples follow ours,
    /// and the totals and the achieved rate cover both.
    pub fn append_round(&mut self, other: CpuProfile) {
        let mut rounds = self.round_list();
        rounds.extend(other.round_list());
        // Signals delivered per CPU second, over both rounds.
        let delivered = self.achieved_hz * self.cpu_s + other.achieved_hz * other.cpu_s;
        self.samples.extend(other.samples);
        self.cpu_s += other.cpu_s;
        self.wall_s += other.wall_s;
        self.wait_s = self.wait_s.zip(other.wait_s).map(|(a, b)| a + b);
        self.unsampled_s = self.unsampled_s.zip(other.unsampled_s).map(|(a, b)| a + b);
        self.repeats += other.repeats;
        self.dropped += other.dropped;
        self.achieved_hz = if self.cpu_s > 0.0 { delivered / self.cpu_s } else { 0.0 };
        self.rounds = rounds;
    }

    /// The share of the pass's CPU time the samples do not cover, 0 to 1;
    /// `None` for a clock that samples all of it.
    pub fn unsampled_share(&self) -> Option<f64> {
        let unsampled = self.unsampled_s?;
        let total = self.cpu_s + unsampled;
        Some(if total > 0.0 { (unsampled / total).clamp(0.0, 1.0) } else { 0.0 })
    }

    /// The share of the sampling window the worker spent waiting for a CPU,
    /// 0 to 1; `None` when not measured.
    pub fn wait_share(&self) -> Option<f64> {
        self.wait_s.filter(|_| self.wall_s > 0.0).map(|w| (w / self.wall_s).clamp(0.0, 1.0))
    }

    /// CPU seconds one unit of sample weight stands for.
    pub fn seconds_per_sample(&self) -> f64 {
        let weight = self.total_weight();
        if weight == 0 { 0.0 } else { self.cpu_s / weight as f64 }
    }

    /// The samples' weights summed: their count in a recorded report.
    pub fn total_weight(&self) -> u64 {
        self.samples.iter().map(|s| s.weight).sum()
    }
}

/// One stack sample: its leaf node, thread and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    pub node: NodeId,
    pub thread: ThreadId,
    /// Nanoseconds since the pass started sampling.
    pub time_ns: u64,
    /// How many samples this one stands for: 1 when recorded; an imported
    /// cost (say 10^9 instructions) is one weighted sample. Views count
    /// weights, never entries.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub weight: u64,
}

fn one() -> u64 {
    1
}

fn is_one(weight: &u64) -> bool {
    *weight == 1
}

/// The calls pass: exact counts and times per calling context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallProfile {
    /// How many runs of the workload the counts cover.
    pub repeats: u32,
    pub stats: Vec<CallStat>,
    /// Probe exits that matched no open call (0 in a well-formed run).
    pub unmatched_exits: u64,
}

/// Calls of one calling context on one thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallStat {
    pub node: NodeId,
    pub thread: ThreadId,
    pub calls: u64,
    pub inclusive_ns: u64,
    pub self_ns: u64,
}

/// The heap pass: allocation sites and live bytes over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeapProfile {
    pub sites: Vec<HeapSite>,
    pub total_bytes: u64,
    pub total_blocks: u64,
    /// Live bytes at the global peak, and when it happened.
    pub peak_bytes: u64,
    pub peak_time_ns: u64,
    /// Live at the end of the run: leaked by the workload.
    pub end_bytes: u64,
    pub end_blocks: u64,
    pub timeline: Vec<MemoryPoint>,
}

/// One allocation site: the stack that allocated, and what it allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeapSite {
    pub node: NodeId,
    pub total_bytes: u64,
    pub total_blocks: u64,
    pub bytes_at_peak: u64,
    pub blocks_at_peak: u64,
    pub bytes_at_end: u64,
    pub blocks_at_end: u64,
    /// The site's own largest live total.
    pub max_bytes: u64,
    /// Blocks live at the moment of `max_bytes`. 0 means "not recorded":
    /// reports written before this field existed read as 0.
    #[serde(default)]
    pub max_blocks: u64,
    /// The lifetimes of the site's blocks added up, in microseconds (a
    /// block still live at the end of the pass counts until then); `None`
    /// when not recorded (reports written before it was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetimes_us: Option<u64>,
}

impl HeapSite {
    /// The average lifetime of the site's blocks, in microseconds.
    pub fn average_lifetime_us(&self) -> Option<f64> {
        self.lifetimes_us.filter(|_| self.total_blocks > 0).map(|t| t as f64 / self.total_blocks as f64)
    }
}

/// Live bytes at a moment of the heap pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryPoint {
    pub time_ns: u64,
    pub live_bytes: u64,
}

/// A source file's text as it was when the report was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    pub path: String,
    pub lines: Vec<String>,
}

impl Report {
    /// The function of a node (`None` for the root).
    pub fn function_of(&self, node: NodeId) -> Option<&Function> {
        (node != ROOT).then(|| self.functions.get(self.nodes[node as usize].function as usize)).flatten()
    }

    /// The nodes from the root's child down to `node`.
    pub fn path(&self, node: NodeId) -> Vec<NodeId> {
        let mut path = Vec::new();
        let mut at = node;
        while at != ROOT {
            path.push(at);
            at = self.nodes[at as usize].parent;
        }
        path.reverse();
        path
    }

    /// The text of `line` (1-based) of `file`, if it was captured.
    pub fn source_line(&self, file: &str, line: u32) -> Option<&str> {
        let source = self.sources.iter().find(|s| s.path == file)?;
        source.lines.get((line as usize).checked_sub(1)?).map(String::as_str)
    }
}
