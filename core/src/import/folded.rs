//! Folded stacks: one line per distinct stack, root first, frames joined
//! by `;`, then a space and the number of samples (`main;a;b 42`). The
//! stacks are a calling-context tree, so every figure is exact: a line is
//! one sample of its leaf node weighing its count. Frames carry no lines.

use super::{Format, ImportError, cpu_profile, import_info, run_info};
use crate::report::build::ReportBuilder;
use crate::report::{PassKind, ROOT, Report, Sample};

/// Converts folded stacks; `source` names the file.
pub fn import(text: &str, source: &str) -> Result<Report, ImportError> {
    let mut b = ReportBuilder::new(run_info("folded-stacks", source, "folded stacks"));
    let thread = b.thread(PassKind::Cpu, 0, "all threads (folded)");
    let mut samples = Vec::new();
    let mut total: u64 = 0;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let Some((stack, count)) = line.rsplit_once(' ') else {
            return Err(ImportError::at(number, "no sample count after the stack (want `a;b;c COUNT`)"));
        };
        let weight = parse_count(count).map_err(|why| ImportError::at(number, why))?;
        total = total
            .checked_add(weight)
            .ok_or_else(|| ImportError::at(number, "the counts add up to more than 2^64"))?;
        let stack = stack.trim_end();
        if stack.is_empty() {
            return Err(ImportError::at(number, "the stack before the count is empty"));
        }
        let mut node = ROOT;
        for frame in stack.split(';') {
            if frame.is_empty() {
                return Err(ImportError::at(number, "an empty frame name (`;;` or a `;` at an end)"));
            }
            let function = b.function(frame, None, None);
            node = b.node(node, function, 0);
        }
        if weight > 0 {
            samples.push(Sample { node, thread, time_ns: 0, weight });
        }
    }
    if samples.is_empty() {
        return Err(ImportError::at(0, "no stack with a sample count above 0"));
    }
    b.set_cpu(cpu_profile(samples));
    let mut report = b.finish();
    report.import = Some(import_info(Format::Folded, "samples", false));
    Ok(report)
}

fn parse_count(count: &str) -> Result<u64, String> {
    if count.starts_with('-') && count[1..].bytes().all(|b| b.is_ascii_digit()) && count.len() > 1 {
        return Err(format!("negative sample count `{count}`"));
    }
    if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{count}` is not a sample count (want `a;b;c COUNT`)"));
    }
    count.parse().map_err(|_| format!("sample count `{count}` is larger than 2^64 - 1"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Analysis, Direction, Filter, Reach, find_function};

    const FOLDED: &str = "main;a;b 30\nmain;a 10\nmain;c;b 50\nmain 10\n\nmain;c;c 100000000000\n";

    #[test]
    fn flat_figures_are_exact_sums_of_the_counts() {
        let report = import(FOLDED, "t.folded").unwrap();
        let analysis = Analysis::new(&report, &Filter::default());
        let rows = analysis.flat();
        let row = |name: &str| {
            let r = rows.iter().find(|r| r.name == name).unwrap();
            (r.self_samples, r.inclusive_samples)
        };
        let big = 100_000_000_000u64;
        // Totals by hand: 30 + 10 + 50 + 10 + big.
        assert_eq!(analysis.basis().cpu.as_ref().unwrap().samples, 100 + big);
        assert_eq!(row("main"), (10, 100 + big));
        assert_eq!(row("a"), (10, 40));
        assert_eq!(row("b"), (80, 80));
        // c;c is a recursion: counted once in c's inclusive.
        assert_eq!(row("c"), (big, 50 + big));
        let b = find_function(&report, "b").unwrap();
        let callers = analysis.edges(b, Direction::Callers, Reach::Direct);
        let pairs: Vec<_> = callers.iter().map(|e| (e.name.as_str(), e.samples)).collect();
        assert_eq!(pairs, vec![("a", 30), ("c", 50)]);
        assert_eq!(report.import.as_ref().unwrap().event, "samples");
        assert_eq!(report.cpu.as_ref().unwrap().seconds_per_sample(), 1.0, "a unit is an event");
    }

    #[test]
    fn malformed_lines_are_refused_with_their_number() {
        let cases = [
            ("main;a 3\nmain;b\n", 2, "no sample count"),
            ("main;a 3\nmain;b x\n", 2, "not a sample count"),
            ("main;a -3\n", 1, "negative"),
            ("main;a 99999999999999999999\n", 1, "larger than 2^64"),
            ("a 18446744073709551615\nb 1\n", 2, "more than 2^64"),
            ("main;;a 3\n", 1, "empty frame"),
            (" 3\n", 1, "stack before the count is empty"),
            ("main 0\n", 0, "no stack"),
            ("main;a 3.5\n", 1, "not a sample count"),
        ];
        for (text, line, why) in cases {
            let error = import(text, "t").unwrap_err();
            assert_eq!(error.line, line, "{text:?}: {error}");
            assert!(error.why.contains(why), "{text:?}: {error}");
        }
    }
}
