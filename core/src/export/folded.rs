//! Folded stacks, the input of flame graph tools (Brendan Gregg's
//! `flamegraph.pl`, inferno, speedscope): one line per distinct stack of
//! function names, root first, separated by `;`, then a space and the
//! number of cpu samples whose stack it is. Lines are sorted, so equal
//! reports give equal files.
//!
//! - Counts are samples, never divided: a sample counts its weight (1 when
//!   recorded, an imported file's count or cost otherwise), so they add up
//!   to the cpu pass's total weight.
//! - Threads are merged, as in the explorer's flame graph: a stack is the
//!   same stack on any thread (no thread-name prefix frame).
//! - Lines are not part of a frame: the calls a function made from two
//!   lines fold into one frame, as flame graphs draw functions.
//! - A `;` inside a function name (Rust's `[u8; 8]`) would split the
//!   frame in two; it is written as `:`. Line breaks become spaces.

use super::ExportError;
use crate::analysis::{Analysis, Filter};
use crate::report::{NodeId, Report};
use std::collections::BTreeMap;
use std::io::Write;

const FORMAT: &str = "folded";

/// Writes the cpu samples of `report` as folded stacks. Needs the cpu pass.
pub fn write(report: &Report, out: &mut dyn Write) -> Result<(), ExportError> {
    let stacks = stacks(report, FORMAT)?;
    let mut text = String::new();
    for (stack, samples) in &stacks {
        text.push_str(stack);
        text.push(' ');
        text.push_str(&samples.to_string());
        text.push('\n');
    }
    out.write_all(text.as_bytes()).map_err(|cause| ExportError::Write { format: FORMAT, cause })
}

/// Every sampled stack as folded text (root first), with its samples, in
/// sorted order. `format` names the export asking, for the error.
pub(crate) fn stacks(report: &Report, format: &'static str) -> Result<BTreeMap<String, u64>, ExportError> {
    if report.cpu.is_none() {
        return Err(ExportError::MissingPass { format, pass: "cpu" });
    }
    let analysis = Analysis::new(report, &Filter::default());
    let names: Vec<String> = report.functions.iter().map(|f| frame_name(&f.name)).collect();
    let mut stacks: BTreeMap<String, u64> = BTreeMap::new();
    // Stacks are built only for nodes with samples of their own: the text
    // is as long as the output, never the whole tree's paths.
    for (id, &samples) in analysis.self_samples.iter().enumerate().skip(1) {
        if samples == 0 {
            continue;
        }
        let path = report.path(id as NodeId);
        let stack: Vec<&str> =
            path.iter().map(|&n| names[report.nodes[n as usize].function as usize].as_str()).collect();
        *stacks.entry(stack.join(";")).or_default() += samples;
    }
    Ok(stacks)
}

/// A function name as one folded frame.
fn frame_name(name: &str) -> String {
    let name = name.replace(';', ":").replace(['\n', '\r'], " ");
    if name.trim().is_empty() { "[unknown]".to_string() } else { name }
}

#[cfg(test)]
mod tests {
    use super::super::graph::tests::recursive;
    use super::*;

    #[test]
    fn stacks_fold_root_first_sorted_and_add_up_to_the_samples() {
        let mut out = Vec::new();
        write(&recursive(), &mut out).unwrap();
        // The fixture: 4 samples three fact frames deep, 2 one deep, 3 in
        // leaf, 1 in main itself; the 10 samples are all there.
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "t::main 1\nt::main;t::fact 2\nt::main;t::fact;t::fact;t::fact 4\nt::main;t::leaf 3\n"
        );
    }

    #[test]
    fn a_semicolon_in_a_name_cannot_split_a_frame() {
        let mut report = recursive();
        report.functions[2].name = "<[u8; 8] as t::Leaf>::leaf".into();
        let mut out = Vec::new();
        write(&report, &mut out).unwrap();
        assert!(String::from_utf8(out).unwrap().contains("t::main;<[u8: 8] as t::Leaf>::leaf 3\n"));
    }

    #[test]
    fn without_a_cpu_pass_it_says_which_pass_is_missing() {
        let mut report = recursive();
        report.cpu = None;
        assert!(matches!(write(&report, &mut Vec::new()), Err(ExportError::MissingPass { pass: "cpu", .. })));
    }
}
