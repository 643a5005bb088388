//! `proftui compare`: records two variants of a workload with the same
//! parameters and options, saves both reports, and shows their diff like
//! `proftui diff` (see [`crate::diff_view`]).

use crate::cli::{CompareArgs, WorkloadArgs};
use crate::commands::Session;
use crate::diff_view::{UsageError, present};
use anyhow::{Context, Result};
use proftui_core::diff::bare_wall_s;
use proftui_core::record::{Progress, record};
use proftui_core::report::Report;
use proftui_core::report::file::{ReportFileError, save};
use proftui_core::timing::human_seconds;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

pub fn run(args: &CompareArgs) -> Result<ExitCode> {
    let [base_variant, new_variant] = args.variants.as_slice() else {
        return Err(UsageError(format!(
            "compare takes exactly two variants (-V BASE -V NEW), {} given",
            args.variants.len()
        ))
        .into());
    };
    let dir = match &args.output {
        Some(dir) => dir.clone(),
        None => fresh_temp_dir()?,
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let base_path = dir.join(format!("{base_variant}.json"));
    let new_name = if new_variant == base_variant { format!("{new_variant}.2") } else { new_variant.clone() };
    let new_path = dir.join(format!("{new_name}.json"));
    for path in [&base_path, &new_path] {
        if !args.force && path.exists() {
            return Err(ReportFileError::Exists { path: path.clone() }.into());
        }
    }
    let session = Session::open(&args.plugin)?;
    let mut failed_passes = false;
    let mut reports = Vec::new();
    for (variant, path) in [(base_variant, &base_path), (new_variant, &new_path)] {
        let (report, failed) = record_variant(&session, args, variant)?;
        save(&report, path, args.force)?;
        failed_passes |= failed;
        reports.push(report);
    }
    eprintln!("reports: {} and {}", base_path.display(), new_path.display());
    eprintln!("{}", wall_line(base_variant, &reports[0], new_variant, &reports[1]));
    let new =
        reports.pop().map(Arc::new).ok_or_else(|| anyhow::anyhow!("the new variant's report is missing"))?;
    let base =
        reports.pop().map(Arc::new).ok_or_else(|| anyhow::anyhow!("the base variant's report is missing"))?;
    let code = present(base, new, &base_path, &new_path, &args.show)?;
    Ok(if failed_passes { ExitCode::FAILURE } else { code })
}

/// A new directory under the system's temporary directory.
fn fresh_temp_dir() -> Result<PathBuf> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("proftui-compare-{}-{now}", std::process::id()));
    std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// Records one variant with the command's options; true when a pass failed.
fn record_variant(session: &Session, args: &CompareArgs, variant: &str) -> Result<(Report, bool)> {
    let workload = WorkloadArgs {
        workload: args.workload.clone(),
        variant: Some(variant.to_string()),
        params: args.params.clone(),
    };
    let invocation = session.invocation(&workload)?;
    let options = args.pass.record_options();
    let target = session.recording_target(&invocation);
    let recording = record(&target, &session.options, &options, |event| {
        if let Progress::Failed(kind, why) = event {
            eprintln!("proftui: error: the {} pass failed: {why}", kind.name());
        }
    })?;
    Ok((recording.report, !recording.failed.is_empty()))
}

/// `wall per run (bare median): naive 2.28 ms, tuned 7.66 ms: 3.36× naive's`
fn wall_line(base_variant: &str, base: &Report, new_variant: &str, new: &Report) -> String {
    let wall = |report: &Report| bare_wall_s(report).filter(|w| *w > 0.0);
    match (wall(base), wall(new)) {
        (Some(b), Some(n)) => format!(
            "wall per run (bare median): {base_variant} {}, {new_variant} {}: {:.2}× {base_variant}'s",
            human_seconds(b),
            human_seconds(n),
            n / b
        ),
        _ => "wall per run: no bare runs to compare".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temp_dir_is_new_each_time() {
        let a = fresh_temp_dir().expect("creates");
        let b = fresh_temp_dir().expect("creates");
        assert_ne!(a, b);
        assert!(a.is_dir() && b.is_dir());
        std::fs::remove_dir(a).expect("removes");
        std::fs::remove_dir(b).expect("removes");
    }
}
