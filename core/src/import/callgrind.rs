//! Callgrind output (`valgrind --tool=callgrind`, format version 1 of the
//! valgrind manual's "Callgrind Format Specification"): name compression
//! (`fn=(7) name`, then `fn=(7)`), relative positions (`+2`, `-1`, `*`),
//! `positions: line` or `instr line`, inlined files (`fi=`/`fe=`),
//! several parts, and `calls=` lines with the inclusive cost of the call
//! on the cost line after them. Only the first event of `events:` is kept
//! (`Ir` unless the run asked for others); jumps are ignored.
//!
//! The file is a call graph, and the report a tree; the encoding is:
//!
//! - every function `F` has a node `ROOT → F` at each of its lines, and its
//!   self cost at that line is one cpu sample there weighing the cost, so
//!   self cost per function and per line are exact;
//! - a call `F → G` made from line `L` is a node `G` under `F`'s node at
//!   `L`, with one calls-pass statistic: the call count, and in
//!   `inclusive_ns` the call's inclusive cost (events, not nanoseconds);
//!   callers, callees and calls per line are then exact, and a function's
//!   calls-pass inclusive cost (summed over its outermost frames) is the
//!   sum over its callers, which is callgrind's inclusive cost;
//! - `G`'s self cost also sits, as `self_ns`, on its first call node, and a
//!   function nobody calls carries its self cost and its inclusive cost
//!   (self plus its calls) on its first line's node: flat figures of the
//!   calls pass are then exact too.
//!
//! What it cannot show: calling contexts. The top-down tree is the graph
//! one level deep, sampled inclusive figures are self costs only (the
//! inclusive costs are the calls pass's), and under mutual recursion
//! (`f → g → f`) callgrind's own inclusive cost counts the inner calls
//! again. Callgrind's recursion levels (`fib'2`, from `--separate-recs`)
//! are folded back into their function, so `fib` has one row. Functions
//! are one per name, whatever their object; costs in another file than
//! the function's (inlined code, `fi=`) are kept at line 0.

use super::{Format, ImportError, cpu_profile, import_info, run_info};
use crate::report::build::ReportBuilder;
use crate::report::{CallProfile, CallStat, NodeId, PassKind, ROOT, Report, Sample};
use std::collections::{BTreeMap, HashMap};

/// What the file says about one function.
#[derive(Default)]
struct FunctionCosts {
    file: Option<String>,
    self_by_line: BTreeMap<u32, u64>,
    /// `(line, callee) → (calls, inclusive cost)`.
    calls: BTreeMap<(u32, usize), (u64, u64)>,
}

/// Names by compression id, per kind (files, functions, objects).
#[derive(Default)]
struct Names {
    by_id: HashMap<u64, String>,
}

impl Names {
    /// Resolves `(id) name`, `(id)` or `name`.
    fn resolve(&mut self, value: &str) -> Result<String, String> {
        let value = value.trim();
        // `(below main)` is a plain name: only `(digits)` is an id.
        let compressed = value.strip_prefix('(').and_then(|rest| rest.split_once(')'));
        let Some((id, name)) = compressed.filter(|(id, _)| id.trim().bytes().all(|b| b.is_ascii_digit()))
        else {
            return Ok(value.to_string());
        };
        let id: u64 = id.trim().parse().map_err(|_| format!("`({id})` is not a name id"))?;
        let name = name.trim();
        if name.is_empty() {
            self.by_id.get(&id).cloned().ok_or_else(|| format!("name id ({id}) is used but never defined"))
        } else {
            self.by_id.insert(id, name.to_string());
            Ok(name.to_string())
        }
    }
}

/// Callgrind's recursion levels (`fib'2`) are one function.
fn base_name(name: &str) -> &str {
    match name.rsplit_once('\'') {
        Some((base, level))
            if !base.is_empty() && !level.is_empty() && level.bytes().all(|b| b.is_ascii_digit()) =>
        {
            base
        }
        _ => name,
    }
}

fn number(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| {
        if text.starts_with('-') {
            format!("negative number `{text}`")
        } else if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            format!("number `{text}` is larger than 2^64 - 1")
        } else {
            format!("`{text}` is not a number")
        }
    })
}

/// The parser's state while it reads the body.
struct Reader {
    /// Subpositions per cost line, and which one is the line number.
    positions: usize,
    line_index: Option<usize>,
    events: Option<Vec<String>>,
    last: Vec<u64>,
    files: Names,
    functions: Names,
    objects: Names,
    /// `fl=`: the file of functions that follow.
    file: Option<String>,
    /// `fl=`/`fi=`/`fe=`: the file of the cost lines that follow.
    cost_file: Option<String>,
    function: Option<usize>,
    callee: Option<usize>,
    callee_file: Option<String>,
    /// `(calls, line number of the calls= line)` awaiting its cost line.
    pending_call: Option<(u64, usize)>,
    order: Vec<String>,
    index: HashMap<String, usize>,
    costs: Vec<FunctionCosts>,
}

impl Reader {
    fn function_id(&mut self, name: &str, file: Option<&str>) -> usize {
        let name = base_name(name);
        let id = *self.index.entry(name.to_string()).or_insert_with(|| {
            self.order.push(name.to_string());
            self.costs.push(FunctionCosts::default());
            self.order.len() - 1
        });
        if self.costs[id].file.is_none() {
            self.costs[id].file = file.map(str::to_string);
        }
        id
    }

    /// Positions then costs of a cost line; updates the last position
    /// when `update` (a call's target does not).
    fn positions_of<'a>(
        &mut self,
        fields: &mut impl Iterator<Item = &'a str>,
        update: bool,
    ) -> Result<Vec<u64>, String> {
        let mut at = Vec::with_capacity(self.positions);
        for i in 0..self.positions {
            let field = fields.next().ok_or_else(|| {
                format!("the line has fewer than the {} positions `positions:` names", self.positions)
            })?;
            let last = self.last[i];
            let value = if field == "*" {
                last
            } else if let Some(delta) = field.strip_prefix('+') {
                last.checked_add(number(delta)?).ok_or("a relative position overflows")?
            } else if let Some(delta) = field.strip_prefix('-') {
                last.checked_sub(number(delta)?).ok_or("a relative position goes below 0")?
            } else {
                number(field)?
            };
            at.push(value);
        }
        if update {
            self.last.clone_from(&at);
        }
        Ok(at)
    }

    fn line_of(&self, at: &[u64]) -> Result<u32, String> {
        match self.line_index {
            Some(i) => u32::try_from(at[i]).map_err(|_| format!("line number {} is too large", at[i])),
            None => Ok(0),
        }
    }

    fn cost_line(&mut self, text: &str) -> Result<(), String> {
        let events = self.events.as_ref().ok_or("a cost line before the `events:` line")?.len();
        let mut fields = text.split_whitespace();
        let at = self.positions_of(&mut fields, true)?;
        let costs: Vec<&str> = fields.collect();
        if costs.len() > events {
            return Err(format!("{} costs for {events} events", costs.len()));
        }
        let cost = match costs.first() {
            Some(c) => number(c)?,
            None => 0,
        };
        for c in costs.iter().skip(1) {
            number(c)?;
        }
        let function = self.function.ok_or("a cost line before any `fn=`")?;
        let own_file = self.costs[function].file.is_none() || self.cost_file == self.costs[function].file;
        let line = if own_file { self.line_of(&at)? } else { 0 };
        let f = &mut self.costs[function];
        match self.pending_call.take() {
            Some((count, _)) => {
                let callee = self.callee.ok_or("a `calls=` line before any `cfn=`")?;
                let edge = f.calls.entry((line, callee)).or_default();
                edge.0 = edge.0.checked_add(count).ok_or("call counts add up to more than 2^64")?;
                edge.1 = edge.1.checked_add(cost).ok_or("call costs add up to more than 2^64")?;
            }
            None => {
                let own = f.self_by_line.entry(line).or_default();
                *own = own.checked_add(cost).ok_or("costs add up to more than 2^64")?;
            }
        }
        Ok(())
    }

    fn calls_line(&mut self, value: &str) -> Result<(), String> {
        let mut fields = value.split_whitespace();
        let count = number(fields.next().ok_or("`calls=` needs a count and a target position")?)?;
        if fields.clone().next().is_none() {
            return Err("`calls=` needs a target position after its count".into());
        }
        self.positions_of(&mut fields, false)?;
        if self.callee.is_none() {
            return Err("a `calls=` line before any `cfn=`".into());
        }
        self.pending_call = Some((count, 0));
        Ok(())
    }

    /// One line of the file (comments and blank lines already skipped).
    fn line(&mut self, text: &str) -> Result<(), String> {
        if self.pending_call.is_some() && !starts_cost_line(text) {
            return Err("`calls=` is not followed by its cost line".into());
        }
        if starts_cost_line(text) {
            return self.cost_line(text);
        }
        if let Some((key, value)) = text.split_once('=')
            && !key.contains(':')
        {
            return self.spec_line(key.trim(), value);
        }
        if let Some((key, value)) = text.split_once(':') {
            return self.header_line(key.trim(), value.trim());
        }
        Err(format!("`{}` is neither a header, a `key=value` nor a cost line", shorten(text)))
    }

    fn spec_line(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "fl" => {
                let file = known_file(self.files.resolve(value)?);
                self.file.clone_from(&file);
                self.cost_file = file;
            }
            "fi" | "fe" => self.cost_file = known_file(self.files.resolve(value)?),
            "fn" => {
                let name = self.functions.resolve(value)?;
                let file = self.file.clone();
                self.function = Some(self.function_id(&name, file.as_deref()));
                self.cost_file = file;
            }
            "cfi" | "cfl" => self.callee_file = known_file(self.files.resolve(value)?),
            "cfn" => {
                let name = self.functions.resolve(value)?;
                let file = self.callee_file.take();
                self.callee = Some(self.function_id(&name, file.as_deref()));
            }
            "ob" | "cob" => {
                self.objects.resolve(value)?;
            }
            "calls" => self.calls_line(value)?,
            "jump" | "jcnd" | "jfi" | "jfn" => {}
            _ => return Err(format!("unknown key `{key}=`")),
        }
        Ok(())
    }

    fn header_line(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "positions" => {
                let names: Vec<&str> = value.split_whitespace().collect();
                if names.is_empty() || names.iter().any(|n| !matches!(*n, "line" | "instr")) {
                    return Err(format!("`positions: {value}` (want `line`, `instr` or `instr line`)"));
                }
                self.positions = names.len();
                self.line_index = names.iter().position(|n| *n == "line");
                self.last = vec![0; self.positions];
            }
            "events" => {
                let names: Vec<String> = value.split_whitespace().map(str::to_string).collect();
                if names.is_empty() {
                    return Err("`events:` names no event".into());
                }
                self.events = Some(names);
            }
            _ => {}
        }
        Ok(())
    }
}

fn starts_cost_line(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-' || c == '*')
}

fn known_file(name: String) -> Option<String> {
    (name != "???" && !name.is_empty()).then_some(name)
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// The value of header `key:` in the file's header part, if given.
fn header<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .take_while(|l| !l.starts_with("fl=") && !l.starts_with("ob=") && !l.starts_with("fn="))
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .map(str::trim)
}

/// Converts callgrind output; `source` names the file.
pub fn import(text: &str, source: &str) -> Result<Report, ImportError> {
    let mut reader = Reader {
        positions: 1,
        line_index: Some(0),
        events: None,
        last: vec![0],
        files: Names::default(),
        functions: Names::default(),
        objects: Names::default(),
        file: None,
        cost_file: None,
        function: None,
        callee: None,
        callee_file: None,
        pending_call: None,
        order: Vec::new(),
        index: HashMap::new(),
        costs: Vec::new(),
    };
    let mut last_line = 0;
    for (index, raw) in text.lines().enumerate() {
        last_line = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        reader.line(line).map_err(|why| ImportError::at(index + 1, why))?;
        if let Some((_, at)) = reader.pending_call.as_mut()
            && *at == 0
        {
            *at = index + 1;
        }
    }
    if let Some((_, at)) = reader.pending_call {
        return Err(ImportError::at(at, "`calls=` is not followed by its cost line (the file ends)"));
    }
    let Some(events) = reader.events.clone() else {
        return Err(ImportError::at(last_line, "no `events:` line: not callgrind output"));
    };
    let workload = header(text, "cmd").or_else(|| header(text, "creator")).unwrap_or("callgrind");
    let mut report = build(&reader, source, workload);
    report.import = Some(import_info(Format::Callgrind, &events[0], true));
    Ok(report)
}

/// Lays the graph out as described in the module docs.
fn build(reader: &Reader, source: &str, workload: &str) -> Report {
    let mut b = ReportBuilder::new(run_info("callgrind", source, workload));
    let cpu_thread = b.thread(PassKind::Cpu, 0, "all threads (callgrind)");
    let calls_thread = b.thread(PassKind::Calls, 0, "all threads (callgrind)");
    let ids: Vec<_> = reader
        .order
        .iter()
        .zip(&reader.costs)
        .map(|(name, f)| {
            let first =
                f.self_by_line.keys().chain(f.calls.keys().map(|(l, _)| l)).copied().filter(|&l| l > 0).min();
            b.function(name, f.file.as_deref(), first)
        })
        .collect();
    let mut called = vec![false; reader.costs.len()];
    for (caller, f) in reader.costs.iter().enumerate() {
        for &(_, callee) in f.calls.keys() {
            called[callee] |= callee != caller;
        }
    }
    let mut samples = Vec::new();
    // Per node: calls, inclusive, self.
    let mut stats: BTreeMap<NodeId, (u64, u64, u64)> = BTreeMap::new();
    let mut self_placed = vec![false; reader.costs.len()];
    for (caller, f) in reader.costs.iter().enumerate() {
        for (&line, &cost) in &f.self_by_line {
            let node = b.node(ROOT, ids[caller], line);
            if cost > 0 {
                samples.push(Sample { node, thread: cpu_thread, time_ns: 0, weight: cost });
            }
        }
        for (&(line, callee), &(count, inclusive)) in &f.calls {
            let at = b.node(ROOT, ids[caller], line);
            let node = b.node(at, ids[callee], 0);
            let stat = stats.entry(node).or_default();
            stat.0 += count;
            stat.1 += inclusive;
            if !self_placed[callee] && called[callee] && callee != caller {
                self_placed[callee] = true;
                stat.2 += reader.costs[callee].self_by_line.values().sum::<u64>();
            }
        }
    }
    for (function, f) in reader.costs.iter().enumerate() {
        if called[function] {
            continue;
        }
        let own: u64 = f.self_by_line.values().sum();
        let out: u64 = f.calls.iter().filter(|((_, callee), _)| *callee != function).map(|(_, c)| c.1).sum();
        let line = f.self_by_line.keys().chain(f.calls.keys().map(|(l, _)| l)).copied().min().unwrap_or(0);
        let node = b.node(ROOT, ids[function], line);
        let stat = stats.entry(node).or_default();
        stat.1 = stat.1.saturating_add(own.saturating_add(out));
        stat.2 += own;
    }
    b.set_cpu(cpu_profile(samples));
    let stats = stats
        .into_iter()
        .map(|(node, (calls, inclusive_ns, self_ns))| CallStat {
            node,
            thread: calls_thread,
            calls,
            inclusive_ns,
            self_ns,
        })
        .collect();
    b.set_calls(CallProfile { repeats: 1, stats, unmatched_exits: 0 });
    b.capture_sources();
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Analysis, Direction, Filter, FlatRow, Reach, find_function};

    /// main (self 5 at line 10, 3 at 11) calls a twice from line 11 and
    /// fib once from line 12; a (self 100 at 20, 50 at 21) calls b six
    /// times from 21; b has self 60 at 40; fib (20 at 30) calls its
    /// recursion level fib'2 (130 at 30) 8 times, which calls itself 5
    /// times. Inclusive costs: a 150 + 60 = 210, fib 20 + 130 = 150, main
    /// 8 + 210 + 150 = 368, the total.
    const DEMO: &str = "# callgrind format
version: 1
creator: hand
cmd: ./demo 3
positions: line
events: Ir Dr

fl=(1) /nonexistent/demo.c
fn=(1) main
10 5
+1 3
cfn=(2) a
calls=2 20
* 210
cfn=(3) fib
calls=1 30
12 150

fn=(2)
20 100
21 50
cfn=(4) b
calls=6 +19
* 60
fn=(4)
40 60 7

fn=(3)
30 20
cfn=(5) fib'2
calls=8 30
* 130
fn=(5)
30 130
cfn=(5)
calls=5 *
* 90
";

    fn row<'a>(rows: &'a [FlatRow], name: &str) -> &'a FlatRow {
        rows.iter().find(|r| r.name == name).unwrap_or_else(|| panic!("{name} has a row"))
    }

    #[test]
    fn flat_figures_are_the_files_own() {
        let report = import(DEMO, "demo.out").unwrap();
        assert_eq!(report.run.workload, "./demo 3");
        assert_eq!(report.import.as_ref().unwrap().event, "Ir");
        let analysis = Analysis::new(&report, &Filter::default());
        assert_eq!(analysis.basis().cpu.as_ref().unwrap().samples, 368);
        let rows = analysis.flat();
        let names: Vec<_> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, vec!["main", "a", "fib", "b"], "fib'2 is fib");
        // (self, calls total, calls primitive, calls-pass self, inclusive)
        let figures = |name| {
            let r = row(&rows, name);
            let c = r.calls.unwrap();
            (r.self_samples, c.calls_total, c.calls_primitive, c.self_s as u64, c.inclusive_s as u64)
        };
        assert_eq!(figures("main"), (8, 0, 0, 8, 368));
        assert_eq!(figures("a"), (150, 2, 2, 150, 210));
        assert_eq!(figures("b"), (60, 6, 6, 60, 60));
        assert_eq!(figures("fib"), (150, 14, 1, 150, 150));
        assert_eq!(row(&rows, "main").self_cpu_s, 8.0, "a cpu second is one event");
    }

    #[test]
    fn callers_callees_and_lines_are_exact() {
        let report = import(DEMO, "demo.out").unwrap();
        let analysis = Analysis::new(&report, &Filter::default());
        let edges = |name, direction| {
            let f = find_function(&report, name).unwrap();
            analysis
                .edges(f, direction, Reach::Direct)
                .into_iter()
                .filter(|e| e.calls.is_some())
                .map(|e| (e.name, e.calls.unwrap(), e.inclusive_s.map(|s| s as u64)))
                .collect::<Vec<_>>()
        };
        assert_eq!(edges("b", Direction::Callers), vec![("a".to_string(), 6, Some(60))]);
        assert_eq!(
            edges("fib", Direction::Callers),
            // The recursive edge's cost is callgrind's: 130 + 90, the
            // inner level counted again, as callgrind counts it.
            vec![("main".to_string(), 1, Some(150)), ("fib".to_string(), 13, Some(220))]
        );
        assert_eq!(
            edges("main", Direction::Callees),
            vec![("a".to_string(), 2, Some(210)), ("fib".to_string(), 1, Some(150))]
        );
        let main = analysis.lines(find_function(&report, "main").unwrap());
        let lines: Vec<_> = main.rows.iter().map(|r| (r.line, r.self_samples, r.calls)).collect();
        assert_eq!(lines, vec![(10, 5, None), (11, 3, Some(2)), (12, 0, Some(1))]);
        let a = analysis.lines(find_function(&report, "a").unwrap());
        let lines: Vec<_> = a.rows.iter().filter(|r| r.line > 0).map(|r| (r.line, r.self_samples)).collect();
        assert_eq!(lines, vec![(20, 100), (21, 50)]);
    }

    #[test]
    fn instruction_positions_and_hex_numbers() {
        let text = "events: Ir\npositions: instr line\nfn=f\n0x10 3 7\n+2 +1 1\n* -2 2\n";
        let report = import(text, "t").unwrap();
        let analysis = Analysis::new(&report, &Filter::default());
        let lines = analysis.lines(find_function(&report, "f").unwrap());
        let got: Vec<_> = lines.rows.iter().map(|r| (r.line, r.self_samples)).collect();
        // 0x10 at line 3 costs 7; +2 +1 is line 4 (1); * -2 is line 2 (2).
        assert_eq!(got, vec![(2, 2), (3, 7), (4, 1)]);
    }

    #[test]
    fn malformed_files_are_refused_with_the_line() {
        let head = "events: Ir\nfn=(1) main\n";
        let cases: Vec<(String, usize, &str)> = vec![
            (format!("{head}10 5x\n"), 3, "not a number"),
            (format!("{head}10 -5\n"), 3, "negative"),
            (format!("{head}10 99999999999999999999\n"), 3, "larger than 2^64"),
            (format!("{head}10 18446744073709551615\n10 1\n"), 4, "more than 2^64"),
            (format!("{head}-11 5\n"), 3, "below 0"),
            (format!("{head}10 5 6\n"), 3, "2 costs for 1 events"),
            (format!("{head}fn=(7)\n"), 3, "(7) is used but never defined"),
            (format!("{head}cfn=(2) a\ncalls=2\n10 5\n"), 4, "target position"),
            (format!("{head}cfn=(2) a\ncalls=\n"), 4, "needs a count"),
            (format!("{head}cfn=(2) a\ncalls=2 10\nfn=(3) b\n"), 5, "not followed by its cost line"),
            (format!("{head}cfn=(2) a\ncalls=2 10\n"), 4, "the file ends"),
            (format!("{head}calls=2 10\n10 4\n"), 3, "before any `cfn=`"),
            (format!("{head}frob=1\n"), 3, "unknown key"),
            (format!("{head}hello world\n"), 3, "neither a header"),
            ("fn=main\n10 5\n".to_string(), 2, "before the `events:` line"),
            ("events: Ir\n10 5\n".to_string(), 2, "before any `fn=`"),
            ("version: 1\ncreator: x\n".to_string(), 2, "no `events:` line"),
            ("events: Ir\npositions: column\n".to_string(), 2, "positions: column"),
            (format!("{head}fn=() y\n"), 3, "not a name id"),
        ];
        for (text, line, why) in cases {
            let error = import(&text, "t").unwrap_err();
            assert_eq!(error.line, line, "{text:?}: {error}");
            assert!(error.why.contains(why), "{text:?}: {error}");
        }
    }
}
