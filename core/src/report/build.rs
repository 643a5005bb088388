//! Builds a report: interns functions and calling contexts, and adds each
//! pass's data as the collectors produced it.

use super::model::*;
use crate::collect::Frame;
use crate::collect::calls::CallsData;
use crate::collect::cpu::CpuData;
use crate::collect::heap::HeapData;
use std::collections::{BTreeSet, HashMap};

/// Source files larger than this are not captured.
const MAX_SOURCE_BYTES: u64 = 2 * 1024 * 1024;
/// All captured sources together stay under this.
const MAX_TOTAL_SOURCE_BYTES: u64 = 32 * 1024 * 1024;

/// Frames at the root end of a stack that belong to the process, the
/// worker or the thread machinery rather than to the workload: start-up,
/// proftui's own dispatch, the SDK's panic-catching trampoline, and std's
/// thread and closure plumbing.
fn is_host_frame(function: &str) -> bool {
    const PREFIXES: [&str; 16] = [
        "proftui_core::",
        "proftui::",
        "proftui_plugin::",
        "std::",
        "core::",
        "alloc::",
        "<alloc::",
        "<core::",
        "<std::",
        "__rust_",
        "__libc_start",
        "std::rt::lang_start",
        "start_thread",
        "clone",
        "__clone",
        "_start",
    ];
    function == "main" || PREFIXES.iter().any(|p| function.starts_with(p))
}

/// The part of a stack (root first) that belongs to the workload: from the
/// first frame below the host's plumbing. A stack that is plumbing only
/// (the worker between runs) keeps its leaf, so the time stays visible.
pub fn workload_frames(frames: &[Frame]) -> &[Frame] {
    match frames.iter().position(|f| !is_host_frame(&f.function)) {
        Some(first) => &frames[first..],
        None => &frames[frames.len().saturating_sub(1)..],
    }
}

/// The SDK's probe guard, inlined into every probed function: samples in
/// it are the probed function's own time.
fn is_probe_frame(function: &str) -> bool {
    function.starts_with("proftui_plugin::probe::")
        || function.starts_with("<proftui_plugin::probe::")
        || function.starts_with("core::ptr::drop_in_place<proftui_plugin::probe::")
}

/// Where a workload's calls back into proftui (progress, results, host
/// allocation functions outside the heap pass) are charged.
pub const HOST_CALLBACK: &str = "[proftui host callback]";

/// The function a sample's stack starts from when it was deeper than the
/// sampler keeps: its root end is unknown, and says so.
pub const TRUNCATED_ROOT: &str = "[stack truncated: its root is deeper than the sampler keeps]";

/// The machine this process runs on.
pub fn host_info() -> HostInfo {
    let read = |path: &str| std::fs::read_to_string(path).map(|s| s.trim().to_string()).unwrap_or_default();
    HostInfo {
        hostname: read("/proc/sys/kernel/hostname"),
        os: format!("{} {}", std::env::consts::OS, read("/proc/sys/kernel/osrelease")).trim().to_string(),
        cpus: std::thread::available_parallelism().map_or(0, |n| n.get() as u32),
        proftui_version: env!("CARGO_PKG_VERSION").to_string(),
    }
}

/// Interns functions and nodes while passes are added.
pub struct ReportBuilder {
    report: Report,
    functions: HashMap<String, FunctionId>,
    nodes: HashMap<(NodeId, FunctionId, u32), NodeId>,
    threads: HashMap<(PassKind, u64), ThreadId>,
    /// Source files read to recognise `probe!()` lines, by path.
    sources: HashMap<String, Option<Vec<String>>>,
}

impl ReportBuilder {
    /// An empty report of `run`.
    pub fn new(run: RunInfo) -> Self {
        let report = Report {
            format: FORMAT_NAME.to_string(),
            version: FORMAT_VERSION,
            run,
            functions: Vec::new(),
            nodes: vec![Node { parent: ROOT, function: 0, line: 0 }],
            threads: Vec::new(),
            cpu: None,
            calls: None,
            heap: None,
            sources: Vec::new(),
            import: None,
        };
        Self {
            report,
            functions: HashMap::new(),
            nodes: HashMap::new(),
            threads: HashMap::new(),
            sources: HashMap::new(),
        }
    }

    /// The id of function `name`, adding it if new. A file learnt later
    /// fills in a missing one (an absolute path wins over a relative one);
    /// the lowest line seen is kept.
    pub fn function(&mut self, name: &str, file: Option<&str>, line: Option<u32>) -> FunctionId {
        let id = *self.functions.entry(name.to_string()).or_insert_with(|| {
            self.report.functions.push(Function { name: name.to_string(), file: None, line: None });
            (self.report.functions.len() - 1) as FunctionId
        });
        let function = &mut self.report.functions[id as usize];
        if let Some(file) = file
            && function.file.as_deref().is_none_or(|known| !known.starts_with('/') && file.starts_with('/'))
        {
            function.file = Some(file.to_string());
        }
        if let Some(line) = line.filter(|l| *l > 0) {
            function.line = Some(function.line.map_or(line, |known| known.min(line)));
        }
        id
    }

    /// The node for `function` at `line` called from `parent`.
    pub fn node(&mut self, parent: NodeId, function: FunctionId, line: u32) -> NodeId {
        *self.nodes.entry((parent, function, line)).or_insert_with(|| {
            self.report.nodes.push(Node { parent, function, line });
            (self.report.nodes.len() - 1) as NodeId
        })
    }

    /// The leaf node of a stack given root first, without the host's
    /// frames at the root end (see [`workload_frames`]) and without the
    /// SDK's inlined probe code at the leaf end, whose cost belongs to the
    /// probed function.
    pub fn stack(&mut self, frames: &[Frame]) -> NodeId {
        self.stack_under(ROOT, workload_frames(frames))
    }

    /// Like [`stack`](Self::stack), hung under `parent`, keeping the root
    /// end (a truncated stack has none to trim) and cutting at the probes.
    fn stack_under(&mut self, parent: NodeId, frames: &[Frame]) -> NodeId {
        // Everything from the probe guard down (its inlined atomics
        // included) is the probe's own cost: the probed function's time.
        // Debug info does not always keep the guard's own inline frame: a
        // frame executing its `probe!()` line ends the stack too.
        let end = frames
            .iter()
            .position(|f| is_probe_frame(&f.function))
            .or_else(|| frames.iter().position(|f| self.is_probe_line(f)).map(|at| at + 1))
            .unwrap_or(frames.len());
        // A call back into the host (progress, results) is one frame: the
        // host's insides are not the workload's profile.
        let (frames, host) = match frames[..end].iter().position(|f| f.function.starts_with("proftui_core::"))
        {
            Some(at) => (&frames[..at], true),
            None => (&frames[..end], false),
        };
        let leaf = frames.iter().fold(parent, |parent, frame| {
            let function = self.function(&frame.function, frame.file.as_deref(), frame.line);
            self.node(parent, function, frame.line.unwrap_or(0))
        });
        if host {
            let callback = self.function(HOST_CALLBACK, None, None);
            self.node(leaf, callback, 0)
        } else {
            leaf
        }
    }

    /// Whether `frame` executes a `probe!()` invocation (read from its
    /// source file, once per file).
    fn is_probe_line(&mut self, frame: &Frame) -> bool {
        let (Some(file), Some(line)) = (&frame.file, frame.line) else { return false };
        let lines = self.sources.entry(file.clone()).or_insert_with(|| {
            std::fs::read_to_string(file).ok().map(|text| text.lines().map(str::to_string).collect())
        });
        lines.as_ref().and_then(|lines| lines.get((line as usize).checked_sub(1)?)).is_some_and(|text| {
            text.trim_start().starts_with("proftui_plugin::probe!(")
                || text.trim_start().starts_with("probe!(")
        })
    }

    /// The id of a thread a pass saw.
    pub fn thread(&mut self, pass: PassKind, os_id: u64, name: &str) -> ThreadId {
        *self.threads.entry((pass, os_id)).or_insert_with(|| {
            self.report.threads.push(ThreadInfo { pass, os_id, name: name.to_string() });
            (self.report.threads.len() - 1) as ThreadId
        })
    }

    /// Records a pass's cost.
    /// Adds a pass's description; another round of a pass already
    /// described adds its runs to it.
    pub fn pass(&mut self, pass: PassInfo) {
        match self.report.run.passes.iter_mut().find(|p| p.kind == pass.kind) {
            Some(present) => {
                present.repeats += pass.repeats;
                present.runs.extend(pass.runs);
                present.warm_up_runs += pass.warm_up_runs;
            }
            None => self.report.run.passes.push(pass),
        }
    }

    pub fn set_cpu(&mut self, cpu: CpuProfile) {
        self.report.cpu = Some(cpu);
    }

    pub fn set_calls(&mut self, calls: CallProfile) {
        self.report.calls = Some(calls);
    }

    pub fn set_heap(&mut self, heap: HeapProfile) {
        self.report.heap = Some(heap);
    }

    /// Reads the source files the report's lines point into, so line tables
    /// work on any machine later. Relative paths are tried from the
    /// current directory; unreadable or huge files are skipped.
    pub fn capture_sources(&mut self) {
        let mut wanted = BTreeSet::new();
        for node in self.report.nodes.iter().skip(1).filter(|n| n.line > 0) {
            if let Some(file) = &self.report.functions[node.function as usize].file {
                wanted.insert(file.clone());
            }
        }
        let mut total = 0;
        for path in wanted {
            let Ok(meta) = std::fs::metadata(&path) else { continue };
            if meta.len() > MAX_SOURCE_BYTES || total + meta.len() > MAX_TOTAL_SOURCE_BYTES {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            total += meta.len();
            self.report.sources.push(SourceFile { path, lines: text.lines().map(str::to_string).collect() });
        }
    }

    /// Adds the cpu pass: every sample becomes a leaf node and a thread.
    pub fn add_cpu(&mut self, data: CpuData, repeats: u32) {
        let samples = data
            .samples
            .iter()
            .map(|s| Sample {
                node: if s.truncated {
                    let root = self.function(TRUNCATED_ROOT, None, None);
                    let below = self.node(ROOT, root, 0);
                    self.stack_under(below, &s.frames)
                } else {
                    self.stack(&s.frames)
                },
                thread: self.thread(PassKind::Cpu, s.thread_id, &s.thread_name),
                time_ns: s.time_ns,
                weight: 1,
            })
            .collect();
        self.report.cpu = Some(CpuProfile {
            clock: data.clock,
            requested_hz: data.requested_hz,
            achieved_hz: data.achieved_hz,
            cpu_s: data.cpu_seconds,
            unsampled_s: data.unsampled_seconds,
            wall_s: data.wall_seconds,
            wait_s: data.wait_seconds,
            repeats,
            dropped: data.dropped,
            samples,
            rounds: Vec::new(),
        });
    }

    /// Adds the calls pass: each thread's tree of probe sites becomes
    /// nodes (line 0: probes know no call lines) with their counts.
    pub fn add_calls(&mut self, data: CallsData, repeats: u32) {
        let functions: Vec<FunctionId> =
            data.sites.iter().map(|s| self.function(&s.function, Some(&s.file), Some(s.line))).collect();
        let mut stats = Vec::new();
        for thread in &data.threads {
            let id = self.thread(PassKind::Calls, thread.thread_id, &thread.thread_name);
            let mut nodes = vec![ROOT; thread.nodes.len()];
            for (index, call) in thread.nodes.iter().enumerate().skip(1) {
                let Some(&function) = (call.site as usize).checked_sub(1).and_then(|i| functions.get(i))
                else {
                    continue;
                };
                let parent = nodes.get(call.parent as usize).copied().unwrap_or(ROOT);
                nodes[index] = self.node(parent, function, 0);
                stats.push(CallStat {
                    node: nodes[index],
                    thread: id,
                    calls: call.calls,
                    inclusive_ns: call.inclusive_ns,
                    self_ns: call.self_ns,
                });
            }
        }
        self.report.calls = Some(CallProfile { repeats, stats, unmatched_exits: data.unmatched_exits });
    }

    /// Adds the heap pass: each allocation site becomes a leaf node.
    pub fn add_heap(&mut self, data: HeapData) {
        let sites = data
            .sites
            .iter()
            .map(|s| HeapSite {
                node: self.stack(&s.frames),
                total_bytes: s.total_bytes,
                total_blocks: s.total_blocks,
                bytes_at_peak: s.bytes_at_peak,
                blocks_at_peak: s.blocks_at_peak,
                bytes_at_end: s.bytes_at_end,
                blocks_at_end: s.blocks_at_end,
                max_bytes: s.max_bytes,
                max_blocks: s.max_blocks,
                lifetimes_us: s.lifetimes_us,
            })
            .collect();
        self.report.heap = Some(HeapProfile {
            sites,
            total_bytes: data.total_bytes,
            total_blocks: data.total_blocks,
            peak_bytes: data.peak_bytes,
            peak_time_ns: data.peak_time_ns,
            end_bytes: data.end_bytes,
            end_blocks: data.end_blocks,
            timeline: data
                .timeline
                .iter()
                .map(|p| MemoryPoint { time_ns: p.time_ns, live_bytes: p.live_bytes })
                .collect(),
        });
    }

    /// Adds everything another report holds (its functions, nodes,
    /// threads and pass data) to this one: how the parent joins the
    /// single-pass reports its workers send. A cpu pass already present
    /// gets the other's samples as another round; the calls and heap
    /// passes are replaced.
    pub fn merge(&mut self, other: Report) {
        let functions: Vec<FunctionId> =
            other.functions.iter().map(|f| self.function(&f.name, f.file.as_deref(), f.line)).collect();
        // Parents come before children, so one forward sweep maps them all.
        let mut nodes: Vec<NodeId> = vec![ROOT; other.nodes.len()];
        for (id, node) in other.nodes.iter().enumerate().skip(1) {
            nodes[id] = self.node(nodes[node.parent as usize], functions[node.function as usize], node.line);
        }
        let threads: Vec<ThreadId> =
            other.threads.iter().map(|t| self.thread(t.pass, t.os_id, &t.name)).collect();
        if let Some(mut cpu) = other.cpu {
            for sample in &mut cpu.samples {
                (sample.node, sample.thread) = (nodes[sample.node as usize], threads[sample.thread as usize]);
            }
            // A cpu pass already present means this is another round of it.
            match &mut self.report.cpu {
                Some(present) => present.append_round(cpu),
                None => self.report.cpu = Some(cpu),
            }
        }
        if let Some(mut calls) = other.calls {
            for stat in &mut calls.stats {
                (stat.node, stat.thread) = (nodes[stat.node as usize], threads[stat.thread as usize]);
            }
            self.report.calls = Some(calls);
        }
        if let Some(mut heap) = other.heap {
            for site in &mut heap.sites {
                site.node = nodes[site.node as usize];
            }
            self.report.heap = Some(heap);
        }
    }

    pub fn finish(self) -> Report {
        self.report
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn frame(function: &str, line: u32) -> Frame {
        Frame { function: function.into(), file: Some("/src/a.rs".into()), line: Some(line) }
    }

    pub(crate) fn run_info() -> RunInfo {
        RunInfo {
            plugin: "demo".into(),
            plugin_path: "demo.so".into(),
            workload: "w".into(),
            variant: String::new(),
            params: vec![],
            results: vec![],
            recorded_at_unix_s: 0,
            host: HostInfo { hostname: "h".into(), os: "linux".into(), cpus: 2, proftui_version: "0".into() },
            passes: vec![],
        }
    }

    #[test]
    fn stacks_share_their_common_prefix_and_skip_host_frames() {
        let mut b = ReportBuilder::new(run_info());
        let host =
            [frame("main", 1), frame("proftui_core::worker::child::run", 5), frame("std::panicking::try", 9)];
        let with_host = |tail: &[Frame]| [&host[..], tail].concat();
        let a = b.stack(&with_host(&[frame("app::run", 10), frame("app::leaf", 20)]));
        let c = b.stack(&with_host(&[frame("app::run", 10), frame("app::other", 30)]));
        let d = b.stack(&with_host(&[frame("app::run", 11), frame("app::leaf", 20)]));
        let idle = b.stack(&host);
        let report = b.finish();
        assert_eq!(report.path(a).len(), 2, "the host's frames are skipped");
        assert_eq!(report.function_of(idle).map(|f| f.name.as_str()), Some("std::panicking::try"));
        assert_eq!(report.path(a)[0], report.path(c)[0], "same caller node");
        assert_ne!(report.path(a)[0], report.path(d)[0], "another call line is another node");
        assert_eq!(report.functions.len(), 4);
        assert_eq!(report.function_of(a).map(|f| f.name.as_str()), Some("app::leaf"));
    }

    #[test]
    fn samples_in_an_inlined_probe_are_the_probed_function_own_time() {
        let mut b = ReportBuilder::new(run_info());
        let leaf = b.stack(&[
            frame("taylor::factorial", 19),
            frame("<proftui_plugin::probe::ProbeGuard as core::ops::drop::Drop>::drop", 80),
            frame("core::sync::atomic::atomic_load", 3000),
        ]);
        let report = b.finish();
        assert_eq!(report.function_of(leaf).map(|f| f.name.as_str()), Some("taylor::factorial"));
        assert_eq!(report.functions.len(), 1);
    }

    #[test]
    fn a_frame_on_a_probe_line_ends_the_stack() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("lib.rs");
        std::fs::write(&source, "pub fn factorial(n: u64) -> f64 {\n    probe!();\n    n as f64\n}\n")
            .unwrap();
        let file = source.to_str().unwrap().to_string();
        let at = |function: &str, line| Frame {
            function: function.into(),
            file: Some(file.clone()),
            line: Some(line),
        };
        let mut b = ReportBuilder::new(run_info());
        let probe =
            b.stack(&[at("taylor::factorial", 2), frame("core::sync::atomic::AtomicPtr<T>::load", 9)]);
        let body = b.stack(&[at("taylor::factorial", 3), frame("core::hint::black_box", 9)]);
        let report = b.finish();
        assert_eq!(report.function_of(probe).map(|f| f.name.as_str()), Some("taylor::factorial"));
        assert_eq!(report.function_of(body).map(|f| f.name.as_str()), Some("core::hint::black_box"));
    }

    #[test]
    fn a_call_back_into_the_host_is_one_frame() {
        let mut b = ReportBuilder::new(run_info());
        let leaf = b.stack(&[
            frame("taylor::taylor_exp", 30),
            frame("proftui_core::plugin::host::progress", 204),
            frame("std::io::Write::write_all", 1),
        ]);
        let report = b.finish();
        assert_eq!(report.function_of(leaf).map(|f| f.name.as_str()), Some(HOST_CALLBACK));
        assert_eq!(report.path(leaf).len(), 2);
    }

    #[test]
    fn a_function_keeps_its_lowest_line_and_an_absolute_file() {
        let mut b = ReportBuilder::new(run_info());
        let f = b.function("f", Some("src/f.rs"), Some(30));
        b.function("f", Some("/abs/src/f.rs"), Some(12));
        b.function("f", Some("src/other.rs"), Some(40));
        let report = b.finish();
        assert_eq!(report.functions[f as usize].file.as_deref(), Some("/abs/src/f.rs"));
        assert_eq!(report.functions[f as usize].line, Some(12));
    }
}
