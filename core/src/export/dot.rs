//! A Graphviz call graph, in the manner of gprof2dot: one box per
//! function, one arrow per caller–callee pair; render it with
//! `dot -Tsvg graph.dot -o graph.svg`.
//!
//! - A box says the function's name, its inclusive share of the cpu
//!   samples (once per sample, however deep it recurses), its self share
//!   in brackets, and its exact calls from the calls pass as
//!   `total/primitive×` (per run like `proftui report`, when probed).
//! - An arrow says the share of samples whose stack holds the call (once
//!   per sample) and, when the calls pass counted it, the exact calls.
//! - Boxes and arrows go from blue (cold) to red (hot) with their share;
//!   arrows also thicken.
//! - Functions under [`MIN_INCLUSIVE_PERCENT`] of the samples are left
//!   out with their arrows, and the graph's caption says how many, so a
//!   pruned graph never looks complete.

use super::graph::call_edges;
use super::{ExportError, run_params, run_title};
use crate::analysis::{Analysis, Filter, FlatRow};
use crate::report::{FunctionId, Report};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

const FORMAT: &str = "dot";

/// Functions whose inclusive samples are under this percentage of all
/// samples are not drawn (gprof2dot's default node threshold).
pub const MIN_INCLUSIVE_PERCENT: f64 = 0.5;

/// Writes the call graph of `report` in Graphviz's dot language. Needs the
/// cpu pass and at least one sample; uses the calls pass when present.
pub fn write(report: &Report, out: &mut dyn Write) -> Result<(), ExportError> {
    let Some(cpu) = &report.cpu else {
        return Err(ExportError::MissingPass { format: FORMAT, pass: "cpu" });
    };
    if cpu.total_weight() == 0 {
        return Err(ExportError::NoSamples { format: FORMAT });
    }
    let analysis = Analysis::new(report, &Filter::default());
    let text = render(&analysis);
    out.write_all(text.as_bytes()).map_err(|cause| ExportError::Write { format: FORMAT, cause })
}

fn render(analysis: &Analysis<'_>) -> String {
    let report = analysis.report();
    let basis = analysis.basis();
    let total = basis.cpu.as_ref().map_or(0, |c| c.samples).max(1) as f64;
    let share = |samples: u64| samples as f64 / total;
    let rows = analysis.flat();
    let kept: HashMap<FunctionId, &FlatRow> = rows
        .iter()
        .filter(|r| share(r.inclusive_samples) * 100.0 >= MIN_INCLUSIVE_PERCENT)
        .map(|r| (r.function, r))
        .collect();
    let edges = call_edges(analysis);
    let count = |calls: u64| basis.calls.as_ref().map_or(calls, |c| c.count(calls));

    let mut body = String::new();
    let mut ids: Vec<FunctionId> = kept.keys().copied().collect();
    ids.sort_unstable();
    for id in &ids {
        let row = kept[id];
        let mut label = format!(
            "{}\\n{}\\n({} self)",
            escape(&row.name),
            percent(share(row.inclusive_samples)),
            percent(share(row.self_samples))
        );
        if let Some(calls) = &row.calls {
            if calls.calls_total == calls.calls_primitive {
                let _ = write!(label, "\\n{}×", calls.calls_total);
            } else {
                let _ = write!(label, "\\n{}/{}×", calls.calls_total, calls.calls_primitive);
            }
        }
        let colour = colour(share(row.inclusive_samples));
        let _ = writeln!(body, "  f{id} [label=\"{label}\", fillcolor=\"{colour}\"];");
    }
    let mut drawn_edges = 0;
    let mut pruned_edges = 0;
    for ((caller, callee), edge) in &edges {
        let Some(caller) = caller else { continue };
        if !(kept.contains_key(caller) && kept.contains_key(callee)) {
            pruned_edges += 1;
            continue;
        }
        drawn_edges += 1;
        let edge_share = share(edge.samples);
        let mut label = percent(edge_share);
        if let Some(calls) = edge.calls {
            let _ = write!(label, "\\n{}×", count(calls));
        }
        let _ = writeln!(
            body,
            "  f{caller} -> f{callee} [label=\"{label}\", color=\"{}\", fontcolor=\"{}\", penwidth={:.2}];",
            colour(edge_share),
            colour(edge_share),
            0.5 + 3.5 * edge_share
        );
    }

    let pruned = rows.len() - kept.len();
    let mut caption = vec![run_title(report)];
    let params = run_params(report);
    if !params.is_empty() {
        caption.push(params);
    }
    if let Some(cpu) = &basis.cpu {
        caption.push(super::samples_phrase(report, cpu));
    }
    caption.push("box: inclusive share of the samples (self share); exact calls total/primitive×".into());
    caption.push(match &basis.calls {
        Some(calls) => format!(
            "arrow: share of the samples holding the call; exact calls×, {}",
            super::runs_phrase(calls.per_run, calls.repeats)
        ),
        None => "arrow: share of the samples holding the call (no calls pass: no counts)".into(),
    });
    caption.push(if pruned == 0 {
        format!("every function is shown (none under {MIN_INCLUSIVE_PERCENT}% of the samples)")
    } else {
        format!(
            "{pruned} functions under {MIN_INCLUSIVE_PERCENT}% of the samples not shown, with {pruned_edges} calls"
        )
    });
    let caption: String = caption.iter().map(|line| format!("{}\\l", escape(line))).collect();

    let mut text = String::new();
    let _ = writeln!(text, "digraph \"proftui\" {{");
    let _ = writeln!(
        text,
        "  // {} functions and {drawn_edges} calls drawn; {pruned} functions under {MIN_INCLUSIVE_PERCENT}% of \
         the samples pruned, with {pruned_edges} calls",
        kept.len()
    );
    let _ = writeln!(
        text,
        "  graph [label=\"{caption}\", labelloc=t, labeljust=l, fontname=\"Helvetica\", fontsize=10, \
         ranksep=0.25, nodesep=0.125];"
    );
    let _ = writeln!(
        text,
        "  node [shape=box, style=filled, fontname=\"Helvetica\", fontsize=10, fontcolor=white, width=0, height=0];"
    );
    let _ = writeln!(text, "  edge [fontname=\"Helvetica\", fontsize=9, arrowsize=0.5];");
    text.push_str(&body);
    text.push_str("}\n");
    text
}

/// A share as a percentage with one decimal.
fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// Graphviz's HSV colour for a share: blue at 0, through green and
/// yellow, to red at 1 (the square root spreads the small shares).
fn colour(share: f64) -> String {
    let hue = (1.0 - share.clamp(0.0, 1.0).sqrt()) * 0.67;
    format!("{hue:.3} 0.800 0.750")
}

/// Text inside a double-quoted dot string: backslash and quote escaped,
/// line breaks as spaces.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"").replace(['\n', '\r'], " ")
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
    fn boxes_and_arrows_carry_shares_and_exact_calls() {
        let text = exported(&recursive());
        // 10 samples: main 100% (10% self); fact 60%, all of it self
        // (the leaf frame of 4 + 2 samples), 8 calls of which 2 primitive;
        // leaf 30%.
        assert!(text.contains("f0 [label=\"t::main\\n100.0%\\n(10.0% self)\", "), "{text}");
        assert!(text.contains("f1 [label=\"t::fact\\n60.0%\\n(60.0% self)\\n8/2×\", "), "{text}");
        assert!(text.contains("f2 [label=\"t::leaf\\n30.0%\\n(30.0% self)\", "), "{text}");
        // main → fact on 6 stacks, 2 calls; fact → fact on 4, 6 calls;
        // main → leaf was not counted.
        assert!(text.contains("f0 -> f1 [label=\"60.0%\\n2×\", "), "{text}");
        assert!(text.contains("f1 -> f1 [label=\"40.0%\\n6×\", "), "{text}");
        assert!(text.contains("f0 -> f2 [label=\"30.0%\", "), "{text}");
        assert!(text.contains("every function is shown"), "{text}");
    }

    #[test]
    fn pruned_functions_are_counted_in_the_caption() {
        let mut report = recursive();
        // 1000 more samples in main itself: leaf's 3 of 1010 fall under
        // 0.5%, fact's 6 stay above it (0.59%).
        let sample = report.cpu.as_ref().unwrap().samples.last().copied().unwrap();
        report.cpu.as_mut().unwrap().samples.extend(std::iter::repeat_n(sample, 1000));
        let text = exported(&report);
        assert!(!text.contains("t::leaf"), "{text}");
        assert!(text.contains("t::fact"), "{text}");
        assert!(text.contains("1 functions under 0.5% of the samples not shown, with 1 calls\\l"), "{text}");
    }

    #[test]
    fn names_are_escaped() {
        let mut report = recursive();
        report.functions[2].name = "say \"hi\" \\ there".into();
        assert!(exported(&report).contains("label=\"say \\\"hi\\\" \\\\ there\\n"));
    }

    #[test]
    fn a_report_without_samples_has_nothing_to_draw() {
        let mut report = recursive();
        report.cpu.as_mut().unwrap().samples.clear();
        assert!(matches!(write(&report, &mut Vec::new()), Err(ExportError::NoSamples { .. })));
        report.cpu = None;
        assert!(matches!(write(&report, &mut Vec::new()), Err(ExportError::MissingPass { pass: "cpu", .. })));
    }
}
