//! Saving and loading reports: JSON through serde, gzip-compressed when the
//! file name ends in `.gz`. Saving is atomic (a temporary file in the same
//! directory, renamed into place) and never replaces a file unless asked.
//! Loading refuses, in one line, what it cannot trust: a file that is not a
//! report, a truncated or corrupt one, or one from a newer proftui.

use super::model::{FORMAT_NAME, FORMAT_VERSION, Report};
use crate::import::ImportError;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::Deserialize;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Why a report could not be saved or loaded.
#[derive(Debug, thiserror::Error)]
pub enum ReportFileError {
    #[error("{path}: no such report file")]
    Missing { path: PathBuf },
    #[error("{path}: is a directory, not a report file")]
    Directory { path: PathBuf },
    #[error("{path}: cannot read it: {cause}")]
    Read { path: PathBuf, cause: std::io::Error },
    #[error("{path}: the file is empty, not a report")]
    Empty { path: PathBuf },
    #[error("{path}: not a proftui report ({why})")]
    NotAReport { path: PathBuf, why: String },
    #[error("{path}: the report is truncated (it ends in the middle); record it again")]
    Truncated { path: PathBuf },
    #[error("{path}: the report is corrupt: {why}")]
    Corrupt { path: PathBuf, why: String },
    #[error(
        "{path}: written by a newer proftui (report format {found}, this one reads up to {supported}); upgrade proftui"
    )]
    Newer { path: PathBuf, found: u32, supported: u32 },
    #[error("{path}: already exists; choose another name or pass --force to replace it")]
    Exists { path: PathBuf },
    #[error("{path}: cannot write it: {cause}")]
    Write { path: PathBuf, cause: std::io::Error },
    #[error("{path}:{}: bad {format} file: {}", source.line, source.why)]
    Import { path: PathBuf, format: &'static str, source: ImportError },
}

/// True when `path` asks for the compressed form.
fn compressed(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "gz")
}

/// Saves `report` to `path` atomically. Refuses to replace an existing file
/// unless `replace` is true.
pub fn save(report: &Report, path: &Path, replace: bool) -> Result<(), ReportFileError> {
    let write_error = |cause| ReportFileError::Write { path: path.to_path_buf(), cause };
    if !replace && path.exists() {
        return Err(ReportFileError::Exists { path: path.to_path_buf() });
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new().prefix(".proftui-save-").tempfile_in(dir).map_err(write_error)?;
    {
        let out = BufWriter::new(temp.as_file_mut());
        let written = if compressed(path) {
            let mut gz = GzEncoder::new(out, Compression::default());
            serde_json::to_writer(&mut gz, report)
                .map_err(std::io::Error::other)
                .and_then(|()| gz.finish())
                .and_then(|mut out| out.flush())
        } else {
            let mut out = out;
            serde_json::to_writer(&mut out, report).map_err(std::io::Error::other).and_then(|()| out.flush())
        };
        written.map_err(write_error)?;
    }
    // A temporary file is private (0600); a report is an ordinary file.
    temp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644)).map_err(write_error)?;
    temp.as_file().sync_all().map_err(write_error)?;
    let persisted =
        if replace { temp.persist(path).map(drop) } else { temp.persist_noclobber(path).map(drop) };
    persisted.map_err(|e| match e.error.kind() {
        std::io::ErrorKind::AlreadyExists => ReportFileError::Exists { path: path.to_path_buf() },
        _ => write_error(e.error),
    })
}

/// The fields every version has, read on their own when a file does not
/// load as a report of this version.
#[derive(Deserialize)]
struct Header {
    format: String,
    version: u32,
}

/// Loads a report, refusing files it cannot trust. A proftui report
/// (JSON, gzip-compressed or not) is the first guess; a file that is not
/// JSON is recognised by its content as callgrind output or folded stacks
/// and imported (see [`crate::import`]).
pub fn load(path: &Path) -> Result<Report, ReportFileError> {
    let owned = || path.to_path_buf();
    if path.is_dir() {
        return Err(ReportFileError::Directory { path: owned() });
    }
    let file = File::open(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ReportFileError::Missing { path: owned() },
        _ => ReportFileError::Read { path: owned(), cause: source },
    })?;
    let mut bytes = Vec::new();
    BufReader::new(file)
        .read_to_end(&mut bytes)
        .map_err(|cause| ReportFileError::Read { path: owned(), cause })?;
    if bytes.is_empty() {
        return Err(ReportFileError::Empty { path: owned() });
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut plain = Vec::new();
        GzDecoder::new(bytes.as_slice()).read_to_end(&mut plain).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => ReportFileError::Truncated { path: owned() },
            _ => ReportFileError::Corrupt { path: owned(), why: format!("bad gzip data: {e}") },
        })?;
        bytes = plain;
    }
    if let Some(report) = try_import(path, &bytes)? {
        return Ok(report);
    }
    // One parse when the file is a report this version reads. Otherwise
    // the header alone is read, as if first: a file that is not a report,
    // or is a newer one, is refused for that whatever its body holds.
    let parsed = serde_json::from_slice::<Report>(&bytes);
    let passes = |r: &Report| r.format == FORMAT_NAME && r.version <= FORMAT_VERSION;
    if !parsed.as_ref().is_ok_and(passes)
        && let Some(refused) = header_refusal(path, &bytes)
    {
        return Err(refused);
    }
    let report = parsed.map_err(|e| match e.classify() {
        serde_json::error::Category::Eof => ReportFileError::Truncated { path: owned() },
        _ => ReportFileError::Corrupt { path: owned(), why: e.to_string() },
    })?;
    validate(&report).map_err(|why| ReportFileError::Corrupt { path: owned(), why })?;
    Ok(report)
}

/// Why the header of `bytes` is refused (missing, another format's, or a
/// newer version's), if it is; `None` when it is a header this version
/// reads. Reads the whole JSON text but keeps only the header.
fn header_refusal(path: &Path, bytes: &[u8]) -> Option<ReportFileError> {
    let owned = || path.to_path_buf();
    let header: Header = match serde_json::from_slice(bytes) {
        Ok(header) => header,
        Err(e) if e.classify() == serde_json::error::Category::Eof => {
            return Some(ReportFileError::Truncated { path: owned() });
        }
        Err(e) if e.classify() == serde_json::error::Category::Syntax => {
            return Some(ReportFileError::NotAReport { path: owned(), why: format!("not JSON: {e}") });
        }
        Err(_) => {
            return Some(ReportFileError::NotAReport {
                path: owned(),
                why: "no proftui report header".into(),
            });
        }
    };
    if header.format != FORMAT_NAME {
        return Some(ReportFileError::NotAReport {
            path: owned(),
            why: format!("its format is `{}`", header.format),
        });
    }
    if header.version > FORMAT_VERSION {
        return Some(ReportFileError::Newer {
            path: owned(),
            found: header.version,
            supported: FORMAT_VERSION,
        });
    }
    None
}

/// An import, when the content is not JSON but callgrind output or folded
/// stacks; `None` leaves the bytes to the report parser.
fn try_import(path: &Path, bytes: &[u8]) -> Result<Option<Report>, ReportFileError> {
    let looks_like_json = bytes.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|&b| b == b'{');
    if looks_like_json {
        return Ok(None);
    }
    let Ok(text) = std::str::from_utf8(bytes) else { return Ok(None) };
    let Some(format) = crate::import::sniff(text) else { return Ok(None) };
    let source = path.display().to_string();
    let mut report = crate::import::import(format, text, &source).map_err(|source| {
        ReportFileError::Import { path: path.to_path_buf(), format: format.name(), source }
    })?;
    report.run.recorded_at_unix_s = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    validate(&report).map_err(|why| ReportFileError::Corrupt { path: path.to_path_buf(), why })?;
    Ok(Some(report))
}

/// Checks every index points where it may, so views can index freely.
pub fn validate(report: &Report) -> Result<(), String> {
    let nodes = report.nodes.len();
    let functions = report.functions.len();
    if nodes == 0 {
        return Err("it has no root node".into());
    }
    for (id, node) in report.nodes.iter().enumerate().skip(1) {
        if node.parent as usize >= id {
            return Err(format!("node {id} has parent {} (parents come first)", node.parent));
        }
        if node.function as usize >= functions {
            return Err(format!("node {id} names function {} of {functions}", node.function));
        }
    }
    let threads = report.threads.len();
    let node_ok = |n: u32| (n as usize) < nodes;
    let thread_ok = |t: u32| (t as usize) < threads;
    if let Some(cpu) = &report.cpu
        && let Some(bad) = cpu.samples.iter().find(|s| !node_ok(s.node) || !thread_ok(s.thread))
    {
        return Err(format!("a cpu sample points at node {} thread {}", bad.node, bad.thread));
    }
    if let Some(calls) = &report.calls
        && let Some(bad) = calls.stats.iter().find(|s| !node_ok(s.node) || !thread_ok(s.thread))
    {
        return Err(format!("a call stat points at node {} thread {}", bad.node, bad.thread));
    }
    if let Some(heap) = &report.heap
        && let Some(bad) = heap.sites.iter().find(|s| !node_ok(s.node))
    {
        return Err(format!("a heap site points at node {}", bad.node));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::build::ReportBuilder;

    fn sample_report() -> Report {
        let mut b = ReportBuilder::new(crate::report::build::tests::run_info());
        let f = b.function("app::f", Some("/src/f.rs"), Some(3));
        b.node(crate::report::ROOT, f, 4);
        b.finish()
    }

    #[test]
    fn round_trips_plain_and_compressed() {
        let dir = tempfile::tempdir().unwrap();
        let report = sample_report();
        for name in ["r.json", "r.json.gz"] {
            let path = dir.path().join(name);
            save(&report, &path, false).unwrap();
            assert_eq!(load(&path).unwrap(), report, "{name}");
        }
        let gz = std::fs::read(dir.path().join("r.json.gz")).unwrap();
        assert_eq!(&gz[..2], &[0x1f, 0x8b], "the .gz file is gzip");
    }

    /// A cpu pass saved before perf events were used has no `clock` and no
    /// `unsampled_s`: it was the profiling timer, which samples everything.
    #[test]
    fn a_cpu_pass_from_before_the_perf_clock_loads_as_the_timers() {
        let dir = tempfile::tempdir().unwrap();
        let mut report = crate::analysis::fixtures::taylor();
        let cpu = report.cpu.as_mut().expect("the fixture has a cpu pass");
        cpu.clock = crate::collect::cpu::SampleClock::PerfTaskClock;
        cpu.unsampled_s = Some(0.5);
        let path = dir.path().join("r.json");
        save(&report, &path, false).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(r#""clock":"perf_task_clock""#) && text.contains(r#""unsampled_s":0.5"#));
        let old = text.replace(r#""clock":"perf_task_clock","#, "").replace(r#""unsampled_s":0.5,"#, "");
        assert!(!old.contains("clock") && !old.contains("unsampled"), "both fields taken out");
        std::fs::write(&path, old).unwrap();
        let cpu = load(&path).unwrap().cpu.expect("a cpu pass");
        assert_eq!((cpu.clock, cpu.unsampled_s), (crate::collect::cpu::SampleClock::ItimerProf, None));
        // A clock this version does not know is refused, never guessed.
        let unknown = text.replace(r#""clock":"perf_task_clock""#, r#""clock":"sundial""#);
        std::fs::write(&path, unknown).unwrap();
        let refused = load(&path).expect_err("an unknown clock is refused").to_string();
        assert!(refused.contains("unknown variant `sundial`") && !refused.contains('\n'), "{refused}");
    }

    #[test]
    fn never_replaces_a_file_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        std::fs::write(&path, "precious").unwrap();
        assert!(matches!(save(&sample_report(), &path, false), Err(ReportFileError::Exists { .. })));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious");
        save(&sample_report(), &path, true).unwrap();
        assert_eq!(load(&path).unwrap(), sample_report());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left behind");
    }

    #[test]
    fn refuses_what_it_cannot_trust() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        let good = serde_json::to_string(&sample_report()).unwrap();
        let refuse = |content: &[u8]| {
            std::fs::write(&path, content).unwrap();
            load(&path).unwrap_err()
        };
        assert!(matches!(refuse(b""), ReportFileError::Empty { .. }));
        assert!(matches!(refuse(&good.as_bytes()[..good.len() / 2]), ReportFileError::Truncated { .. }));
        assert!(matches!(refuse(b"hello"), ReportFileError::NotAReport { .. }));
        assert!(matches!(refuse(br#"{"format":"other","version":1}"#), ReportFileError::NotAReport { .. }));
        let newer = good.replacen(&format!("\"version\":{FORMAT_VERSION}"), "\"version\":99", 1);
        assert!(matches!(refuse(newer.as_bytes()), ReportFileError::Newer { found: 99, .. }));
        let bad_node = good.replacen(
            "\"parent\":0,\"function\":0,\"line\":4",
            "\"parent\":7,\"function\":0,\"line\":4",
            1,
        );
        assert!(matches!(refuse(bad_node.as_bytes()), ReportFileError::Corrupt { .. }), "{bad_node}");
        let mut gz = Vec::new();
        {
            let mut enc = GzEncoder::new(&mut gz, Compression::default());
            enc.write_all(good.as_bytes()).unwrap();
            enc.finish().unwrap();
        }
        assert!(matches!(refuse(&gz[..gz.len() / 2]), ReportFileError::Truncated { .. }));
        assert!(matches!(load(&dir.path().join("none.json")), Err(ReportFileError::Missing { .. })));
        for error in [refuse(b"hello"), refuse(&good.as_bytes()[..10])] {
            assert_eq!(error.to_string().lines().count(), 1, "{error}");
        }
    }

    #[test]
    fn the_header_decides_before_the_body() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        let refuse = |content: &str| {
            std::fs::write(&path, content).unwrap();
            load(&path).unwrap_err()
        };
        // A newer report is refused as newer whatever its body holds,
        // unless the JSON text itself is cut short or broken.
        let newer = r#"{"format":"proftui-report","version":2,"frames":{"packed":"AAEC"}}"#;
        assert!(matches!(refuse(newer), ReportFileError::Newer { found: 2, supported: 1, .. }));
        let newer_cut = r#"{"format":"proftui-report","version":2,"frames":[1,"#;
        assert!(matches!(refuse(newer_cut), ReportFileError::Truncated { .. }));
        let newer_broken = r#"{"format":"proftui-report","version":2,"frames":[1,}"#;
        assert!(
            matches!(refuse(newer_broken), ReportFileError::NotAReport { ref why, .. } if why.starts_with("not JSON"))
        );
        // A whole report under another format name is not a report.
        let good = serde_json::to_string(&sample_report()).unwrap();
        let foreign = good.replacen("\"proftui-report\"", "\"other-tool\"", 1);
        assert!(matches!(refuse(&foreign),
            ReportFileError::NotAReport { ref why, .. } if why == "its format is `other-tool`"));
        // Today's header over a body today's model cannot read is corrupt.
        let odd_body = r#"{"format":"proftui-report","version":1,"run":5}"#;
        assert!(
            matches!(refuse(odd_body), ReportFileError::Corrupt { ref why, .. } if why.contains("invalid type: integer `5`")),
            "{}",
            refuse(odd_body)
        );
        for error in [refuse(newer), refuse(odd_body)] {
            assert_eq!(error.to_string().lines().count(), 1, "{error}");
        }
    }
}
