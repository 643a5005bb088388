//! A flame graph of the cpu samples as an SVG image, drawn by inferno
//! (the Rust port of Brendan Gregg's FlameGraph) from the folded stacks of
//! [`super::folded`]: roots at the bottom, a frame's width its share of
//! the samples. The image is interactive in a browser (hover for figures,
//! click to zoom, Ctrl-F to search).
//!
//! The title names the run (`plugin · workload · variant`) and its sample
//! count; the subtitle its parameters and what one sample stands for.
//! Colours follow the function names (inferno's deterministic mode), so
//! the same report always gives the same image.

use super::{ExportError, folded, run_params, run_title};
use crate::report::Report;
use inferno::flamegraph::{self, Options};
use std::io::Write;

const FORMAT: &str = "svg";

/// Draws the flame graph of `report`'s cpu samples. Needs the cpu pass and
/// at least one sample.
pub fn write(report: &Report, out: &mut dyn Write) -> Result<(), ExportError> {
    let stacks = folded::stacks(report, FORMAT)?;
    let Some(cpu) = &report.cpu else {
        return Err(ExportError::MissingPass { format: FORMAT, pass: "cpu" });
    };
    let samples: u64 = stacks.values().sum();
    if samples == 0 {
        return Err(ExportError::NoSamples { format: FORMAT });
    }
    let lines: Vec<String> = stacks.iter().map(|(stack, n)| format!("{stack} {n}")).collect();

    let mut options = Options::default();
    options.title = format!("{} — {samples} {}", run_title(report), super::sample_unit(report));
    let rate = match &report.import {
        Some(import) => format!("imported from a {} file; {} are not time", import.format, import.event),
        None => format!(
            "{:.1} Hz achieved over {} runs; one sample = {} of cpu per run",
            cpu.achieved_hz,
            cpu.repeats,
            super::seconds_text(cpu.seconds_per_sample() / f64::from(cpu.repeats.max(1)))
        ),
    };
    let params = run_params(report);
    options.subtitle = Some(if params.is_empty() { rate } else { format!("{params}; {rate}") });
    options.count_name = "samples".to_string();
    options.deterministic = true;
    flamegraph::from_lines(&mut options, lines.iter().map(String::as_str), out)
        .map_err(|cause| ExportError::Write { format: FORMAT, cause })
}

#[cfg(test)]
mod tests {
    use super::super::graph::tests::recursive;
    use super::*;

    #[test]
    fn the_title_names_the_run_and_its_samples() {
        let mut out = Vec::new();
        write(&recursive(), &mut out).unwrap();
        let svg = String::from_utf8(out).unwrap();
        assert!(svg.starts_with("<?xml"), "{}", &svg[..100]);
        assert!(svg.contains("demo · w — 10 cpu samples"), "the title");
        assert!(svg.contains("t::fact"), "the hottest function below main");
        let again = {
            let mut out = Vec::new();
            write(&recursive(), &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(svg, again, "the same report gives the same image");
    }

    #[test]
    fn a_report_without_samples_has_nothing_to_draw() {
        let mut report = recursive();
        report.cpu.as_mut().unwrap().samples.clear();
        assert!(matches!(write(&report, &mut Vec::new()), Err(ExportError::NoSamples { .. })));
    }
}
