//! Exports: a report in the formats other tools read. Each format is a
//! module with one `write` function of the same shape; [`export`] picks
//! the module for a [`ExportFormat`], and [`save`] writes a file the way
//! reports are saved (atomically, never replacing a file unless asked).

pub mod callgrind;
pub mod dhat;
pub mod dot;
pub mod folded;
mod graph;
pub mod pprof;
pub mod speedscope;
pub mod svg;

use crate::report::Report;
use std::io::{BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The formats `proftui export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    /// Callgrind's format, for KCachegrind and `callgrind_annotate`.
    Callgrind,
    /// pprof's profile.proto, gzipped.
    Pprof,
    /// Folded stacks, one line per stack: `a;b;c 42`.
    Folded,
    /// A flame graph as an SVG image.
    Svg,
    /// speedscope's JSON file format.
    Speedscope,
    /// DHAT's JSON, for DHAT's viewer (`dh_view.html`).
    Dhat,
    /// A Graphviz call graph with call counts on the edges.
    Dot,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 7] = [
        ExportFormat::Callgrind,
        ExportFormat::Pprof,
        ExportFormat::Folded,
        ExportFormat::Svg,
        ExportFormat::Speedscope,
        ExportFormat::Dhat,
        ExportFormat::Dot,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Callgrind => "callgrind",
            ExportFormat::Pprof => "pprof",
            ExportFormat::Folded => "folded",
            ExportFormat::Svg => "svg",
            ExportFormat::Speedscope => "speedscope",
            ExportFormat::Dhat => "dhat",
            ExportFormat::Dot => "dot",
        }
    }

    /// What the format is for, in a few words (the CLI's help).
    pub fn description(self) -> &'static str {
        match self {
            ExportFormat::Callgrind => "callgrind profile, for KCachegrind and callgrind_annotate",
            ExportFormat::Pprof => "pprof profile.proto (gzipped), for `go tool pprof`",
            ExportFormat::Folded => "folded stacks (`a;b;c 42`), for flame graph tools",
            ExportFormat::Svg => "a flame graph of the cpu samples, as an SVG image",
            ExportFormat::Speedscope => "speedscope's JSON file format",
            ExportFormat::Dhat => "DHAT's JSON, for DHAT's viewer (dh_view.html)",
            ExportFormat::Dot => "a Graphviz call graph with call counts on the edges",
        }
    }
}

/// Why a report could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The format needs a pass the report does not hold.
    #[error("the report has no {pass} pass, which the {format} format needs; record with --{pass}")]
    MissingPass { format: &'static str, pass: &'static str },
    #[error("cannot write the {format} file: {cause}")]
    Write { format: &'static str, cause: std::io::Error },
    /// The format draws samples and the cpu pass has none.
    #[error("the report's cpu pass has no samples: nothing to draw in the {format} format")]
    NoSamples { format: &'static str },
    /// [`save`] refuses to replace a file unless asked.
    #[error("{path}: already exists; choose another name or pass --force to replace it")]
    Exists { path: PathBuf },
    /// [`save`] could not create, write or rename the output file.
    #[error("{path}: cannot write it: {cause}")]
    File { path: PathBuf, cause: std::io::Error },
}

impl ExportError {
    /// True when the request, not the machine, is at fault: the report
    /// lacks what the format needs, or the output file exists.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            ExportError::MissingPass { .. } | ExportError::NoSamples { .. } | ExportError::Exists { .. }
        )
    }
}

/// Writes `report` to `out` in `format`.
pub fn export(report: &Report, format: ExportFormat, out: &mut dyn Write) -> Result<(), ExportError> {
    match format {
        ExportFormat::Callgrind => callgrind::write(report, out),
        ExportFormat::Pprof => pprof::write(report, out),
        ExportFormat::Folded => folded::write(report, out),
        ExportFormat::Svg => svg::write(report, out),
        ExportFormat::Speedscope => speedscope::write(report, out),
        ExportFormat::Dhat => dhat::write(report, out),
        ExportFormat::Dot => dot::write(report, out),
    }
}

/// Exports `report` in `format` to the file `path` atomically: a
/// temporary file in the same directory, renamed into place once complete,
/// so a failed export leaves nothing behind and never half a file.
/// Refuses to replace an existing file unless `replace` is true.
pub fn save(report: &Report, format: ExportFormat, path: &Path, replace: bool) -> Result<(), ExportError> {
    let file_error = |cause| ExportError::File { path: path.to_path_buf(), cause };
    if !replace && path.exists() {
        return Err(ExportError::Exists { path: path.to_path_buf() });
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut temp =
        tempfile::Builder::new().prefix(".proftui-export-").tempfile_in(dir).map_err(file_error)?;
    {
        let mut out = BufWriter::new(temp.as_file_mut());
        export(report, format, &mut out)?;
        out.flush().map_err(|cause| ExportError::Write { format: format.name(), cause })?;
    }
    // A temporary file is private (0600); an export is an ordinary file.
    temp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644)).map_err(file_error)?;
    temp.as_file().sync_all().map_err(file_error)?;
    let persisted =
        if replace { temp.persist(path).map(drop) } else { temp.persist_noclobber(path).map(drop) };
    persisted.map_err(|e| match e.error.kind() {
        std::io::ErrorKind::AlreadyExists => ExportError::Exists { path: path.to_path_buf() },
        _ => file_error(e.error),
    })
}

/// Seconds with three significant digits and a unit: `108 ns`, `11.4 µs`.
pub(crate) fn seconds_text(seconds: f64) -> String {
    if seconds == 0.0 {
        return "0 s".to_string();
    }
    let (value, unit) = match seconds.abs() {
        s if s < 1e-6 => (seconds * 1e9, "ns"),
        s if s < 1e-3 => (seconds * 1e6, "µs"),
        s if s < 1.0 => (seconds * 1e3, "ms"),
        _ => (seconds, "s"),
    };
    let decimals = if value.abs() >= 100.0 {
        0
    } else if value.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.decimals$} {unit}")
}

/// How a pass's figures are scaled: "per run" or "totals over N runs".
/// What the sampled figures of `report` are, in one phrase: proftui's
/// cpu samples with their achieved rate, or an imported file's event
/// counts, which are not time.
pub(crate) fn samples_phrase(report: &Report, cpu: &crate::analysis::CpuBasis) -> String {
    match &report.import {
        Some(import) => {
            format!("{} {} imported from a {} file (untimed)", cpu.samples, import.event, import.format)
        }
        None => format!(
            "{} cpu samples at {:.1} Hz achieved over {} runs; one sample = {} of cpu per run",
            cpu.samples,
            cpu.achieved_hz,
            cpu.repeats,
            seconds_text(cpu.seconds(1))
        ),
    }
}

/// What one unit of the sampled figures counts: `cpu samples`, or an
/// imported event (`Ir`).
pub(crate) fn sample_unit(report: &Report) -> String {
    report.import.as_ref().map_or_else(|| "cpu samples".to_string(), |import| import.event.clone())
}

fn runs_phrase(per_run: bool, repeats: u32) -> String {
    if per_run || repeats <= 1 { "per run".to_string() } else { format!("totals over {repeats} runs") }
}

/// The run a report describes, in one line: `plugin · workload · variant`.
pub(crate) fn run_title(report: &Report) -> String {
    let run = &report.run;
    let mut title = format!("{} · {}", run.plugin, run.workload);
    if !run.variant.is_empty() {
        title.push_str(" · ");
        title.push_str(&run.variant);
    }
    title
}

/// The run's parameters as `name=value, ...` (empty when it has none).
pub(crate) fn run_params(report: &Report) -> String {
    report.run.params.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::graph::tests::recursive;
    use super::*;

    #[test]
    fn seconds_read_with_three_digits_and_a_unit() {
        let cases =
            [(0.0, "0 s"), (1.075e-7, "108 ns"), (1.14e-5, "11.4 µs"), (0.004, "4.00 ms"), (2.5, "2.50 s")];
        for (seconds, text) in cases {
            assert_eq!(seconds_text(seconds), text);
        }
    }

    #[test]
    fn save_never_replaces_a_file_unless_asked_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.folded");
        std::fs::write(&path, "precious").unwrap();
        let refused = save(&recursive(), ExportFormat::Folded, &path, false).unwrap_err();
        assert!(matches!(refused, ExportError::Exists { .. }) && refused.is_bad_input());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious");
        save(&recursive(), ExportFormat::Folded, &path, true).unwrap();
        assert!(std::fs::read_to_string(&path).unwrap().starts_with("t::main 1\n"));
        let mut report = recursive();
        report.cpu = None;
        let other = dir.path().join("other.folded");
        assert!(save(&report, ExportFormat::Folded, &other, false).unwrap_err().is_bad_input());
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "a failed export leaves nothing behind");
    }
}
