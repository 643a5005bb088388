//! Synthetic reports of any size, for measuring the explorer at scale: a
//! calling-context tree shaped like a real program's (a wide dispatcher,
//! call chains a dozen layers deep, a 1000-deep recursion, a mutual
//! recursion, a long pipeline of distinct functions, several nodes per
//! frame for the lines it ran and called from), with a cpu pass whose
//! samples are skewed towards a few hot leaves, calls-pass figures on the
//! probed functions and heap sites on some leaves.
//!
//! Deterministic: the same [`Shape`] gives the same report, byte for byte
//! (a seeded linear congruential generator, no system randomness).

use proftui_core::report::build::ReportBuilder;
use proftui_core::report::file::{ReportFileError, save};
use proftui_core::report::{
    CallProfile, CallStat, CpuProfile, FunctionId, HeapProfile, HeapSite, HostInfo, MemoryPoint, NodeId,
    PassInfo, PassKind, ROOT, Report, RunInfo, Sample, SourceFile, ThreadId,
};
use proftui_core::timing::Timing;
use std::path::{Path, PathBuf};

/// How big a report to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Calling-context nodes, the root excluded (the result is within a
    /// few nodes of it).
    pub nodes: usize,
    /// Distinct functions (at least 40).
    pub functions: usize,
    /// Cpu samples.
    pub samples: usize,
    /// Seeds the generator: another seed, another report of the same shape.
    pub seed: u64,
}

impl Shape {
    /// A million nodes over 3000 functions, 200k samples.
    pub const LARGE: Shape = Shape { nodes: 1_000_000, functions: 3_000, samples: 200_000, seed: 1 };
    /// A thousand nodes over 100 functions, 2000 samples: the baseline the
    /// large one is measured against.
    pub const SMALL: Shape = Shape { nodes: 1_000, functions: 100, samples: 2_000, seed: 1 };
}

/// A small linear congruential generator (Knuth's MMIX constants); the
/// high bits are the output.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 32
    }

    /// Uniform in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        self.next() as f64 / (1u64 << 32) as f64
    }
}

const MODULES: [&str; 24] = [
    "lexer", "parser", "planner", "executor", "storage", "cache", "net", "codec", "index", "sched", "alloc",
    "io", "btree", "wal", "txn", "query", "expr", "agg", "join", "sort", "hash", "compress", "crypto", "rpc",
];
const VERBS: [&str; 20] = [
    "parse", "eval", "load", "store", "hash", "sort", "merge", "scan", "emit", "fold", "walk", "visit",
    "check", "build", "encode", "decode", "render", "update", "flush", "read",
];
const NOUNS: [&str; 20] = [
    "token", "node", "block", "page", "record", "entry", "frame", "batch", "chunk", "item", "key", "row",
    "edge", "span", "buffer", "table", "query", "plan", "index", "cell",
];

/// Lines of every function: its first line, its call sites (one line per
/// callee) and the lines it can be sampled at.
const SELF_LINES: u32 = 24;

/// A function of the synthetic program.
struct Func {
    id: FunctionId,
    module: usize,
    /// Its first line; call `j` is at `line + 2 + j`, self lines follow.
    line: u32,
    callees: Vec<usize>,
    /// The calls pass has figures for it (it has a probe).
    probed: bool,
}

impl Func {
    fn call_line(&self, callee_index: usize) -> u32 {
        self.line + 2 + callee_index as u32
    }

    fn self_line(&self, k: u32) -> u32 {
        self.line + 2 + self.callees.len() as u32 + k % SELF_LINES
    }

    fn span(&self) -> u32 {
        2 + self.callees.len() as u32 + SELF_LINES
    }
}

/// Builds the report; see the module docs for its shape.
pub fn report(shape: &Shape) -> Report {
    Generator::new(shape).run()
}

/// Saves `report` into `dir` as `NAME.json` and `NAME.json.gz`; their
/// paths.
pub fn write(report: &Report, dir: &Path, name: &str) -> Result<(PathBuf, PathBuf), ReportFileError> {
    let json = dir.join(format!("{name}.json"));
    let gz = dir.join(format!("{name}.json.gz"));
    save(report, &json, true)?;
    save(report, &gz, true)?;
    Ok((json, gz))
}

struct Generator {
    shape: Shape,
    rng: Lcg,
    builder: ReportBuilder,
    funcs: Vec<Func>,
    /// Nodes made so far (the root excluded).
    made: usize,
    /// Leaf nodes where samples may land, in the order they were made.
    leaves: Vec<NodeId>,
    /// Nodes of probed functions, for the calls pass.
    probed: Vec<NodeId>,
    /// Where the recursion bottoms out: the hottest leaf.
    hot_leaf: NodeId,
}

impl Generator {
    fn new(shape: &Shape) -> Self {
        let run = RunInfo {
            plugin: "synthetic".into(),
            plugin_path: "synthetic.so".into(),
            workload: "scale".into(),
            variant: format!("{} nodes", shape.nodes),
            params: vec![],
            results: vec![],
            recorded_at_unix_s: 1_700_000_000,
            host: HostInfo {
                hostname: "synthetic".into(),
                os: "linux".into(),
                cpus: 8,
                proftui_version: env!("CARGO_PKG_VERSION").into(),
            },
            passes: vec![],
        };
        Self {
            shape: *shape,
            rng: Lcg(shape.seed ^ 0x5eed_5eed_5eed_5eed),
            builder: ReportBuilder::new(run),
            funcs: Vec::new(),
            made: 0,
            leaves: Vec::new(),
            probed: Vec::new(),
            hot_leaf: ROOT,
        }
    }

    fn node(&mut self, parent: NodeId, func: usize, line: u32) -> NodeId {
        self.made += 1;
        let id = self.builder.node(parent, self.funcs[func].id, line);
        if self.funcs[func].probed {
            self.probed.push(id);
        }
        id
    }

    fn leaf(&mut self, parent: NodeId, func: usize, k: u32) -> NodeId {
        let line = self.funcs[func].self_line(k);
        let id = self.node(parent, func, line);
        self.leaves.push(id);
        id
    }

    /// A function named `name` in `module` with `callees`, its lines laid
    /// out after the module's previous function.
    fn add_function(
        &mut self,
        name: String,
        module: usize,
        callees: Vec<usize>,
        next_line: &mut [u32],
    ) -> usize {
        let line = next_line[module];
        let file = format!("/src/synthetic/src/{}.rs", MODULES[module]);
        let id = self.builder.function(&name, Some(&file), Some(line));
        let func = Func { id, module, line, callees, probed: id.is_multiple_of(10) };
        next_line[module] += func.span() + 2;
        self.funcs.push(func);
        self.funcs.len() - 1
    }

    /// The pool of ordinary functions: layers, each calling into the next
    /// few; the last layer calls nothing. Some are dispatchers with a
    /// hundred callees.
    fn add_pool(&mut self, count: usize, next_line: &mut [u32]) -> Vec<usize> {
        const LAYERS: usize = 14;
        let first = self.funcs.len();
        let layer_of = |i: usize| i * LAYERS / count;
        let mut names = std::collections::HashSet::new();
        for i in 0..count {
            let layer = layer_of(i);
            let later = (first + i + 1..first + count).filter(|&j| layer_of(j - first) > layer);
            let later: Vec<usize> = later.take_while(|&j| layer_of(j - first) <= layer + 3).collect();
            let fan_out = match (later.len(), self.rng.below(100)) {
                (0, _) => 0,
                (_, 0) => 40 + self.rng.below(120),
                _ => 1 + self.rng.below(7),
            };
            let callees = (0..fan_out.min(later.len())).map(|_| later[self.rng.below(later.len())]).collect();
            let callees = dedup(callees);
            let module = self.rng.below(MODULES.len());
            let (verb, noun) = (VERBS[self.rng.below(VERBS.len())], NOUNS[self.rng.below(NOUNS.len())]);
            let mut name = if i % 7 == 3 {
                let other = MODULES[self.rng.below(MODULES.len())];
                format!(
                    "<synth::{}::{}{} as synth::{other}::{}>::{verb}",
                    MODULES[module],
                    capital(noun),
                    "Ref",
                    capital(verb)
                )
            } else {
                format!("synth::{}::{verb}_{noun}", MODULES[module])
            };
            if !names.insert(name.clone()) {
                name = format!("{name}_{i}");
                names.insert(name.clone());
            }
            self.add_function(name, module, callees, next_line);
        }
        (first..first + count).collect()
    }

    /// Lays out the frame of `func` under `parent` with about `budget`
    /// nodes below `parent`, depth first without recursion. Budget a leaf
    /// function cannot use is carried to the next frame.
    fn expand(&mut self, parent: NodeId, func: usize, budget: usize) -> usize {
        let mut stack = vec![(parent, func, budget)];
        let mut carry = 0usize;
        while let Some((parent, func, budget)) = stack.pop() {
            let mut budget = budget + carry;
            carry = 0;
            if budget == 0 {
                continue;
            }
            let callees = self.funcs[func].callees.len();
            let self_lines = if callees == 0 { 1 + self.rng.below(6) } else { self.rng.below(3) };
            let self_lines = self_lines.min(budget).max(usize::from(callees == 0 || budget < 2));
            for k in 0..self_lines {
                self.leaf(parent, func, k as u32);
            }
            budget -= self_lines;
            if callees == 0 {
                carry = budget;
                continue;
            }
            let calls = callees.min(budget);
            let rest = budget - calls;
            let start = self.rng.below(callees);
            let weights: Vec<f64> = (0..calls).map(|_| self.rng.unit().powi(3) + 0.01).collect();
            let total: f64 = weights.iter().sum();
            let mut given = 0;
            for (j, weight) in weights.iter().enumerate() {
                let index = (start + j) % callees;
                let callee = self.funcs[func].callees[index];
                let line = self.funcs[func].call_line(index);
                let node = self.node(parent, func, line);
                let share =
                    if j + 1 == calls { rest - given } else { (rest as f64 * weight / total) as usize };
                given += share;
                stack.push((node, callee, share));
            }
        }
        carry
    }

    fn run(mut self) -> Report {
        let shape = self.shape;
        let mut next_line = vec![1u32; MODULES.len()];
        let pipeline_depth = (shape.nodes / 50).clamp(4, 200);
        let specials = 6 + pipeline_depth;
        let pool = self.add_pool(shape.functions.saturating_sub(specials).max(20), &mut next_line);
        let sched = MODULES.iter().position(|m| *m == "sched").unwrap_or(0);

        // Top-level functions; their callees are filled in below.
        let main = self.add_function("synth::main".into(), sched, vec![], &mut next_line);
        let fan_out = (shape.nodes / 20).clamp(10, 2_000).min(pool.len());
        let dispatch_callees: Vec<usize> = pool.iter().copied().take(fan_out).collect();
        let dispatch =
            self.add_function("synth::sched::dispatch_all".into(), sched, dispatch_callees, &mut next_line);
        let visit =
            self.add_function("synth::btree::visit".into(), 12, vec![pool[pool.len() / 2]], &mut next_line);
        self.funcs[visit].probed = true;
        let expr = self.add_function("synth::expr::parse_expr".into(), 16, vec![], &mut next_line);
        let term = self.add_function("synth::expr::parse_term".into(), 16, vec![], &mut next_line);
        let job = self.add_function(
            "synth::executor::run_job".into(),
            3,
            pool[..pool.len() / 3].to_vec(),
            &mut next_line,
        );
        let stages: Vec<usize> = (0..pipeline_depth)
            .map(|k| {
                self.add_function(format!("synth::wal::pipeline::stage_{k:03}"), 13, vec![], &mut next_line)
            })
            .collect();

        // main's frame: one call line per callee.
        let main_line = self.funcs[main].line;
        let call_from_main = |g: &mut Self, j: u32| g.node(ROOT, main, main_line + 2 + j);

        // A recursion 1000 deep (fewer in a small report): each level a
        // line of its own and the call to the next level; every tenth
        // level calls into the pool; the bottom is the hottest leaf.
        let depth = (shape.nodes / 10).clamp(10, 1_000);
        let mut parent = call_from_main(&mut self, 0);
        for level in 0..depth {
            self.leaf(parent, visit, level as u32);
            if level % 10 == 5 {
                let call = self.node(parent, visit, self.funcs[visit].call_line(0));
                self.expand(call, pool[pool.len() / 2 + level % 7], 6);
            }
            parent = self.node(parent, visit, self.funcs[visit].line + 30);
        }
        self.hot_leaf = self.leaf(parent, visit, 0);

        // A mutual recursion expr → term → expr …
        let mutual = (shape.nodes / 30).clamp(6, 300);
        let mut parent = call_from_main(&mut self, 1);
        for level in 0..mutual {
            let func = if level.is_multiple_of(2) { expr } else { term };
            self.leaf(parent, func, 1);
            parent = self.node(parent, func, self.funcs[func].line + 5);
        }
        self.leaf(parent, if mutual.is_multiple_of(2) { expr } else { term }, 2);

        // A pipeline of distinct stages, each a frame deeper.
        let mut parent = call_from_main(&mut self, 2);
        for (k, &stage) in stages.iter().enumerate() {
            self.leaf(parent, stage, k as u32);
            if k + 1 < stages.len() {
                parent = self.node(parent, stage, self.funcs[stage].line + 2);
            }
        }

        // The wide dispatcher, then jobs until the budget is spent.
        let left = shape.nodes.saturating_sub(self.made + 1);
        let dispatch_call = call_from_main(&mut self, 3);
        self.expand(dispatch_call, dispatch, left / 2);
        for k in 0..1_000 {
            if self.made + 2 >= shape.nodes {
                break;
            }
            let job_call = call_from_main(&mut self, 4 + k);
            self.expand(job_call, job, shape.nodes - self.made);
        }

        self.add_cpu();
        self.add_calls();
        self.add_heap();
        self.add_passes();
        let mut report = self.builder.finish();
        report.sources = sources(&self.funcs, &next_line);
        report
    }

    /// Samples: a fifth at the bottom of the recursion, the rest over the
    /// leaves with a heavy skew towards a few (in shuffled order, so the
    /// hot leaves are spread over the tree); six threads, in time order.
    fn add_cpu(&mut self) {
        let threads: Vec<ThreadId> = (0..6)
            .map(|t| {
                let name = if t == 0 { "main".to_string() } else { format!("worker-{t}") };
                self.builder.thread(PassKind::Cpu, 1000 + t, &name)
            })
            .collect();
        let mut leaves = std::mem::take(&mut self.leaves);
        for i in (1..leaves.len()).rev() {
            leaves.swap(i, self.rng.below(i + 1));
        }
        let hz = 997.0;
        let period_ns = 1e9 / hz / threads.len() as f64;
        let samples: Vec<Sample> = (0..self.shape.samples)
            .map(|i| {
                let node = if self.rng.below(5) == 0 {
                    self.hot_leaf
                } else {
                    leaves[(leaves.len() as f64 * self.rng.unit().powi(4)) as usize]
                };
                let thread = if self.rng.below(10) < 4 { threads[0] } else { threads[1 + self.rng.below(5)] };
                let time_ns = (i as f64 * period_ns) as u64 + self.rng.below(100_000) as u64;
                Sample { node, thread, time_ns, weight: 1 }
            })
            .collect();
        self.leaves = leaves;
        let cpu_s = samples.len() as f64 / hz;
        self.builder.set_cpu(CpuProfile {
            clock: proftui_core::collect::cpu::SampleClock::ItimerProf,
            unsampled_s: None,
            requested_hz: 1000.0,
            achieved_hz: hz,
            cpu_s,
            wall_s: cpu_s / threads.len() as f64,
            wait_s: None,
            repeats: 1,
            dropped: 0,
            samples,
            rounds: Vec::new(),
        });
    }

    /// Calls-pass figures on every node of the probed functions (every
    /// tenth function, and the recursion): about a tenth of the nodes.
    fn add_calls(&mut self) {
        let threads: Vec<ThreadId> = (0..3)
            .map(|t| {
                let name = if t == 0 { "main".to_string() } else { format!("worker-{t}") };
                self.builder.thread(PassKind::Calls, 2000 + t, &name)
            })
            .collect();
        let mut stats = Vec::new();
        for &node in &self.probed {
            let calls = 1 + self.rng.below(2_000) as u64;
            let self_ns = calls * (50 + self.rng.below(5_000) as u64);
            let thread = threads[self.rng.below(threads.len())];
            stats.push(CallStat {
                node,
                thread,
                calls,
                inclusive_ns: self_ns + self.rng.below(10_000_000) as u64,
                self_ns,
            });
        }
        self.builder.set_calls(CallProfile { repeats: 1, stats, unmatched_exits: 0 });
    }

    /// Heap sites on one leaf in fifty, and a live-bytes timeline.
    fn add_heap(&mut self) {
        let mut sites = Vec::new();
        let (mut total_bytes, mut total_blocks, mut end_bytes, mut end_blocks) = (0, 0, 0, 0);
        for index in 0..self.leaves.len() {
            if self.rng.below(50) != 0 {
                continue;
            }
            let blocks = 1 + self.rng.below(5_000) as u64;
            let bytes = blocks * (8 << self.rng.below(10)) as u64;
            let leaked = if self.rng.below(20) == 0 { blocks / 10 } else { 0 };
            let per_block = bytes / blocks;
            let at_peak = blocks / (1 + self.rng.below(4) as u64);
            total_bytes += bytes;
            total_blocks += blocks;
            end_bytes += leaked * per_block;
            end_blocks += leaked;
            sites.push(HeapSite {
                node: self.leaves[index],
                total_bytes: bytes,
                total_blocks: blocks,
                bytes_at_peak: at_peak * per_block,
                blocks_at_peak: at_peak,
                bytes_at_end: leaked * per_block,
                blocks_at_end: leaked,
                max_bytes: at_peak.max(1) * per_block,
                max_blocks: at_peak.max(1),
                lifetimes_us: None,
            });
        }
        let peak_bytes = sites.iter().map(|s| s.bytes_at_peak).sum::<u64>();
        let points = 2_000u64;
        let timeline = (0..points)
            .map(|i| {
                let rise = (i as f64 / points as f64 * std::f64::consts::PI).sin();
                let live = (peak_bytes as f64 * rise * (0.9 + 0.1 * self.rng.unit())) as u64;
                MemoryPoint { time_ns: i * 1_000_000, live_bytes: live.max(end_bytes) }
            })
            .collect();
        self.builder.set_heap(HeapProfile {
            sites,
            total_bytes,
            total_blocks,
            peak_bytes,
            peak_time_ns: points / 2 * 1_000_000,
            end_bytes,
            end_blocks,
            timeline,
        });
    }

    fn add_passes(&mut self) {
        let run = |wall_s: f64| Timing { wall_s, user_s: wall_s * 0.97, sys_s: wall_s * 0.02 };
        let bare = 2.0;
        for (kind, factor) in
            [(PassKind::Bare, 1.0), (PassKind::Cpu, 1.03), (PassKind::Calls, 1.6), (PassKind::Heap, 1.3)]
        {
            self.builder.pass(PassInfo {
                kind,
                repeats: 1,
                runs: vec![run(bare * factor)],
                overhead: (kind != PassKind::Bare).then_some(factor - 1.0),
                warm_up_runs: 0,
            });
        }
    }
}

/// Source text for every module, one plausible line per line number.
fn sources(funcs: &[Func], next_line: &[u32]) -> Vec<SourceFile> {
    let mut files: Vec<SourceFile> = MODULES
        .iter()
        .zip(next_line)
        .map(|(module, &end)| SourceFile {
            path: format!("/src/synthetic/src/{module}.rs"),
            lines: (1..end)
                .map(|line| format!("    let v{line} = step(v{}, {line});", line.saturating_sub(1)))
                .collect(),
        })
        .collect();
    for func in funcs {
        if let Some(text) = files[func.module].lines.get_mut(func.line as usize - 1) {
            *text = format!("fn f{}(v0: u64) -> u64 {{", func.id);
        }
    }
    files
}

fn dedup(mut ids: Vec<usize>) -> Vec<usize> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn capital(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or(String::new(), |c| c.to_ascii_uppercase().to_string() + chars.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_small_shape_is_deterministic_valid_and_about_its_size() {
        let a = report(&Shape::SMALL);
        let b = report(&Shape::SMALL);
        assert_eq!(a, b, "same shape, same report");
        proftui_core::report::file::validate(&a).expect("valid");
        let nodes = a.nodes.len() - 1;
        assert!((900..=1_100).contains(&nodes), "{nodes} nodes");
        assert_eq!(a.cpu.as_ref().map(|c| c.samples.len()), Some(2_000));
        assert!(a.functions.len() <= 110, "{} functions", a.functions.len());
    }
}
