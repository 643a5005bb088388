//! Callgrind's profile format (valgrind's "Callgrind Format
//! Specification", version 1), for KCachegrind and `callgrind_annotate`.
//!
//! - Events: `Samples`, the cpu pass's samples (never divided: they are
//!   what the sampled figures rest on; the header's `desc:` line says what
//!   one sample stands for), and `Bytes`, the heap bytes allocated, when
//!   the report has a heap pass (per run when every figure divides evenly,
//!   like `proftui report`).
//! - Positions are source lines (`positions: line`), file and function
//!   names compressed (`fl=(1) name`, then `fl=(1)`). A function's self
//!   cost sits on the lines its samples and allocations were taken at.
//! - One call per caller–callee pair of functions, at the caller's line
//!   that made the most sampled calls. `calls=` carries the calls pass's
//!   exact count (per run, like `proftui report`, when every count
//!   divides evenly). A call the calls pass did not count (an end is not
//!   probed, or no calls pass) still needs a positive count to be read as
//!   a call at all — `callgrind_annotate` adds the cost after `calls=0`
//!   to the caller's self cost — so it carries `calls=1`, and the header
//!   says so.
//! - The calls pass sees probed functions only: the calls of a probed
//!   function `f` made from unprobed code are counted on `P` → `f`, `P`
//!   the nearest probed frame above (`(root)` when none). When the samples
//!   and heap stacks show exactly one caller of `f` below `P` and it is
//!   unprobed, the exact count goes on that caller's call of `f` and the
//!   `P` → `f` call (which holds no cost) is left out, so `f`'s calls add
//!   up to the exact count (taylor's `compute` → `taylor_exp`, once per
//!   run). The samples cannot show callers that were never sampled: the
//!   count then also holds their calls. With two or more such callers
//!   the split of the count is unknown: it stays on `P` → `f`, each
//!   sampled caller's call carries the `calls=1` marker, and `f`'s calls
//!   read back one too many per such caller.
//! - A call's inclusive cost counts only calls that are the outermost of
//!   the callee on their stack, so a function's incoming calls add up to
//!   its inclusive cost once per sample, however deep it recurses (the
//!   recursive call itself carries its count and no cost). Frames at the
//!   root of a stack are called from a function named `(root)`, whose
//!   inclusive cost is the whole profile.

use super::graph::{Caller, Edge, call_edges};
use super::{ExportError, run_params, run_title};
use crate::analysis::{Analysis, Filter, HeapFigures};
use crate::report::{FunctionId, NodeId, ROOT, Report};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::Write;

const FORMAT: &str = "callgrind";

/// The caller of the outermost frames.
pub const ROOT_NAME: &str = "(root)";
/// The file of a function no pass knew the file of (valgrind's spelling).
const UNKNOWN_FILE: &str = "???";

/// Writes `report` in callgrind's format. Needs the cpu pass.
pub fn write(report: &Report, out: &mut dyn Write) -> Result<(), ExportError> {
    if report.cpu.is_none() {
        return Err(ExportError::MissingPass { format: FORMAT, pass: "cpu" });
    }
    let analysis = Analysis::new(report, &Filter::default());
    let text = render(&analysis);
    out.write_all(text.as_bytes()).map_err(|cause| ExportError::Write { format: FORMAT, cause })
}

/// Name compression: the first mention of a name defines its id.
#[derive(Default)]
struct Names {
    ids: HashMap<String, usize>,
}

impl Names {
    /// `(id) name` the first time, `(id)` after.
    fn spec(&mut self, name: &str) -> String {
        if let Some(id) = self.ids.get(name) {
            return format!("({id})");
        }
        let id = self.ids.len() + 1;
        self.ids.insert(name.to_string(), id);
        format!("({id}) {}", one_line(name))
    }
}

/// Names never hold a line break in practice; if one did, it would end
/// the line early and corrupt the file.
fn one_line(name: &str) -> String {
    name.replace(['\n', '\r'], " ")
}

/// A function of the output: a report function or the root.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Root,
    Function(FunctionId),
}

fn render(analysis: &Analysis<'_>) -> String {
    let report = analysis.report();
    let basis = analysis.basis();
    let has_heap = basis.heap.is_some();
    let scale_bytes = |bytes: u64| {
        basis.heap.as_ref().map_or(bytes, |h| h.scale(HeapFigures { bytes, ..Default::default() }).bytes)
    };
    let count = |calls: u64| basis.calls.as_ref().map_or(calls, |c| c.count(calls));

    // Self cost per (function, line).
    let mut self_cost: BTreeMap<(Who, u32), (u64, u64)> = BTreeMap::new();
    for (id, node) in report.nodes.iter().enumerate().skip(1) {
        let samples = analysis.self_samples[id];
        let bytes = if has_heap { analysis.site[id].bytes } else { 0 };
        if samples > 0 || bytes > 0 {
            let cost = self_cost.entry((Who::Function(node.function), node.line)).or_default();
            cost.0 += samples;
            cost.1 += bytes;
        }
    }
    let mut edges = call_edges(analysis);
    give_counts_to_unprobed_callers(analysis, &mut edges);
    let mut calls_of: BTreeMap<Who, Vec<(FunctionId, Edge)>> = BTreeMap::new();
    for ((caller, callee), edge) in edges {
        let who = caller.map_or(Who::Root, Who::Function);
        calls_of.entry(who).or_default().push((callee, edge));
    }
    let mut functions: Vec<Who> =
        self_cost.keys().map(|(who, _)| *who).chain(calls_of.keys().copied()).collect();
    functions.sort();
    functions.dedup();

    let total_samples = basis.cpu.as_ref().map_or(0, |c| c.samples);
    let cost = |samples: u64, bytes: u64| {
        if has_heap { format!("{samples} {}", scale_bytes(bytes)) } else { samples.to_string() }
    };
    // The heap basis's totals are scaled already.
    let totals = match &basis.heap {
        Some(heap) => format!("{total_samples} {}", heap.totals.bytes),
        None => total_samples.to_string(),
    };

    let mut text = String::new();
    header(&mut text, analysis);
    let _ = writeln!(text, "summary: {totals}");

    let mut files = Names::default();
    let mut names = Names::default();
    let name_of = |who: Who| match who {
        Who::Root => (ROOT_NAME, UNKNOWN_FILE),
        Who::Function(f) => {
            let function = &report.functions[f as usize];
            (function.name.as_str(), function.file.as_deref().unwrap_or(UNKNOWN_FILE))
        }
    };
    let first_line = |f: FunctionId| report.functions[f as usize].line.unwrap_or(0);
    for who in functions {
        let (name, file) = name_of(who);
        let _ = writeln!(text, "\nfl={}", files.spec(file));
        let _ = writeln!(text, "fn={}", names.spec(name));
        for (_, line, (samples, bytes)) in
            self_cost.range((who, 0)..=(who, u32::MAX)).map(|((w, line), c)| (w, line, c))
        {
            let _ = writeln!(text, "{line} {}", cost(*samples, *bytes));
        }
        for (callee, edge) in calls_of.get(&who).map(Vec::as_slice).unwrap_or_default() {
            let (callee_name, callee_file) = name_of(Who::Function(*callee));
            if callee_file != file {
                let _ = writeln!(text, "cfi={}", files.spec(callee_file));
            }
            let _ = writeln!(text, "cfn={}", names.spec(callee_name));
            let calls = edge.calls.map_or(1, count);
            let _ = writeln!(text, "calls={calls} {}", first_line(*callee));
            let _ = writeln!(text, "{} {}", edge.line, cost(edge.callee_samples, edge.callee_bytes));
        }
    }
    let _ = writeln!(text, "\ntotals: {totals}");
    text
}

/// Moves each exact count the calls pass made on `P` → `f` from unprobed
/// code onto the one unprobed caller of `f` that the sampled and heap
/// stacks show below `P`, and drops the `P` → `f` call (see the module
/// doc). Leaves every other edge as it is.
fn give_counts_to_unprobed_callers(
    analysis: &Analysis<'_>,
    edges: &mut BTreeMap<(Caller, FunctionId), Edge>,
) {
    let report = analysis.report();
    let nodes = report.nodes.len();
    let mut probed = vec![false; report.functions.len()];
    for (id, calls) in analysis.calls.iter().enumerate().skip(1) {
        if calls.is_some() {
            probed[analysis.function(id as NodeId) as usize] = true;
        }
    }
    // The nearest probed function above each node (`None`: the root);
    // parents have smaller ids, so one forward sweep.
    let mut owner: Vec<Caller> = vec![None; nodes];
    // (P, f) → the callers of f below P on sampled or heap stacks.
    let mut callers: HashMap<(Caller, FunctionId), BTreeSet<Caller>> = HashMap::new();
    for id in 1..nodes {
        let node = id as NodeId;
        let parent = analysis.parent(node);
        let caller = (parent != ROOT).then(|| analysis.function(parent));
        owner[id] = match caller {
            Some(function) if probed[function as usize] => caller,
            _ => owner[parent as usize],
        };
        let function = analysis.function(node);
        let seen = analysis.calls[id].is_none()
            || analysis.subtree_samples[id] > 0
            || analysis.subtree_heap.get(id).is_some_and(|h| h.bytes > 0);
        if seen && probed[function as usize] {
            callers.entry((owner[id], function)).or_default().insert(caller);
        }
    }
    let moves: Vec<((Caller, FunctionId), Caller)> = edges
        .iter()
        .filter(|(_, edge)| edge.calls.is_some() && edge.callee_samples == 0 && edge.callee_bytes == 0)
        .filter_map(|(&(owner, function), _)| {
            let seen = callers.get(&(owner, function))?;
            let only = *seen.first().filter(|_| seen.len() == 1)?;
            (only != owner).then_some(((owner, function), only))
        })
        .collect();
    for ((owner, function), caller) in moves {
        let Some(counted) = edges.remove(&(owner, function)) else { continue };
        let edge = edges.entry((caller, function)).or_default();
        *edge.calls.get_or_insert(0) += counted.calls.unwrap_or(0);
    }
}

/// The header: what was run, and what each event and count means.
fn header(text: &mut String, analysis: &Analysis<'_>) {
    let report = analysis.report();
    let basis = analysis.basis();
    let _ = writeln!(text, "# callgrind format");
    let _ = writeln!(text, "version: 1");
    let _ = writeln!(text, "creator: proftui {}", env!("CARGO_PKG_VERSION"));
    let params = run_params(report);
    let cmd = if params.is_empty() { run_title(report) } else { format!("{} ({params})", run_title(report)) };
    let _ = writeln!(text, "cmd: {}", one_line(&cmd));
    if let Some(cpu) = &basis.cpu {
        let _ = writeln!(text, "desc: Samples: {}", super::samples_phrase(report, cpu));
    }
    match &basis.calls {
        Some(calls) => {
            let _ = writeln!(
                text,
                "desc: Calls: exact counts from the calls pass, {}; calls=1 also marks a call it did not count (an end not probed)",
                super::runs_phrase(calls.per_run, calls.repeats),
            );
        }
        None => {
            let _ = writeln!(text, "desc: Calls: no calls pass: every calls=1 only marks a sampled call");
        }
    }
    if let Some(heap) = &basis.heap {
        let _ = writeln!(
            text,
            "desc: Bytes: heap bytes allocated, {}",
            super::runs_phrase(heap.per_run, heap.repeats)
        );
    }
    let _ = writeln!(text, "desc: Inclusive: a call's cost counts only outermost calls of the callee");
    let _ = writeln!(text, "positions: line");
    let _ = writeln!(text, "event: Samples : {}", super::sample_unit(report));
    if basis.heap.is_some() {
        let _ = writeln!(text, "event: Bytes : heap bytes allocated");
        let _ = writeln!(text, "events: Samples Bytes");
    } else {
        let _ = writeln!(text, "events: Samples");
    }
}

#[cfg(test)]
mod tests {
    use super::super::graph::tests::recursive;
    use super::*;

    fn exported(report: &Report) -> String {
        let mut out = Vec::new();
        write(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_recursive_report_as_callgrind() {
        let text = exported(&recursive());
        let body = &text[text.find("summary:").unwrap()..];
        // The fixture's 10 samples and 700 bytes; main's calls from the
        // root, fact's recursion with its 6 calls and no cost; calls the
        // calls pass did not count carry calls=1. Bytes are per run (the
        // heap pass ran once).
        let expected = "summary: 10 700

fl=(1) ???
fn=(1) (root)
cfi=(2) /src/t.rs
cfn=(2) t::main
calls=1 1
0 10 700

fl=(2)
fn=(2)
5 1 0
cfn=(3) t::fact
calls=2 6
3 6 0
cfn=(4) t::leaf
calls=1 19
4 3 700

fl=(2)
fn=(3)
7 2 0
9 4 0
cfn=(3)
calls=6 6
7 0 0

fl=(2)
fn=(4)
20 3 0
21 0 700

totals: 10 700
";
        assert_eq!(body, expected);
        assert!(text.starts_with("# callgrind format\nversion: 1\n"));
        assert!(text.contains("\nevents: Samples Bytes\n"));
    }

    /// `f` is probed and called 3 times a run from unprobed code; the
    /// samples show it below `callers` (unprobed, called from the root),
    /// 2 samples in each `f`.
    fn called_from_unprobed(callers: &[&str]) -> Report {
        use crate::report::build::ReportBuilder;
        use crate::report::{CallProfile, CallStat, CpuProfile, PassKind, Sample};
        let mut b = ReportBuilder::new(crate::report::build::tests::run_info());
        let f = b.function("f", Some("/src/t.rs"), Some(10));
        let thread = b.thread(PassKind::Cpu, 1, "main");
        let mut samples = Vec::new();
        for (i, name) in callers.iter().enumerate() {
            let caller = b.function(name, Some("/src/t.rs"), Some(20 + i as u32));
            let at = b.node(ROOT, caller, 21 + i as u32);
            let leaf = b.node(at, f, 11);
            samples.extend([leaf, leaf].map(|node| Sample { node, thread, time_ns: 0, weight: 1 }));
        }
        b.set_cpu(CpuProfile {
            clock: crate::collect::cpu::SampleClock::ItimerProf,
            unsampled_s: None,
            requested_hz: 100.0,
            achieved_hz: 100.0,
            cpu_s: 0.01 * samples.len() as f64,
            wall_s: 0.01 * samples.len() as f64,
            wait_s: None,
            repeats: 1,
            dropped: 0,
            samples,
            rounds: vec![],
        });
        let calls_thread = b.thread(PassKind::Calls, 2, "main");
        let probed = b.node(ROOT, f, 0);
        let stat = CallStat { node: probed, thread: calls_thread, calls: 3, inclusive_ns: 0, self_ns: 0 };
        b.set_calls(CallProfile { repeats: 1, stats: vec![stat], unmatched_exits: 0 });
        b.finish()
    }

    /// Every `calls=` count of a call of `f`, with its caller, in file
    /// order (names decompressed).
    fn calls_of_f(text: &str) -> Vec<(String, u64)> {
        let mut names: HashMap<String, String> = HashMap::new();
        let mut name = |spec: &str| match spec.split_once(") ") {
            Some((id, name)) => {
                names.insert(format!("{id})"), name.to_string());
                name.to_string()
            }
            None => names[spec].clone(),
        };
        let (mut caller, mut callee) = (String::new(), String::new());
        let mut found = Vec::new();
        for line in text.lines() {
            if let Some(spec) = line.strip_prefix("fn=") {
                caller = name(spec);
            } else if let Some(spec) = line.strip_prefix("cfn=") {
                callee = name(spec);
            } else if let Some(calls) = line.strip_prefix("calls=")
                && callee == "f"
            {
                found.push((caller.clone(), calls.split(' ').next().unwrap().parse().unwrap()));
            }
        }
        found
    }

    #[test]
    fn the_exact_count_goes_to_the_one_sampled_unprobed_caller() {
        let text = exported(&called_from_unprobed(&["t::run"]));
        // (root) calls t::run (the marker) and no longer f; t::run calls f
        // 3 times, the calls pass's count, with f's 2 samples.
        assert_eq!(calls_of_f(&text), [("t::run".to_string(), 3)]);
        assert!(text.contains("\nfn=(2)\ncfn=(3)\ncalls=3 10\n21 2\n"), "{text}");
    }

    #[test]
    fn with_two_unprobed_callers_the_count_stays_on_the_root() {
        let text = exported(&called_from_unprobed(&["t::a", "t::b"]));
        // Which of a and b made the 3 calls is unknown: (root) keeps them,
        // each caller's call is marked with calls=1.
        assert_eq!(
            calls_of_f(&text),
            [("(root)".to_string(), 3), ("t::a".to_string(), 1), ("t::b".to_string(), 1)]
        );
    }

    #[test]
    fn without_a_cpu_pass_it_says_which_pass_is_missing() {
        let mut report = recursive();
        report.cpu = None;
        let error = write(&report, &mut Vec::new()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the report has no cpu pass, which the callgrind format needs; record with --cpu"
        );
    }
}
