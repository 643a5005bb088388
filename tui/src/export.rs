//! `proftui export`: a saved report in another tool's format, written
//! atomically to a file that is never replaced without `--force`. The
//! formats themselves are [`proftui_core::export`]'s.

use crate::cli::ExportArgs;
use anyhow::Result;
use std::process::ExitCode;

pub fn run(args: &ExportArgs) -> Result<ExitCode> {
    let report = proftui_core::report::file::load(&args.file)?;
    let format = args.format.0;
    proftui_core::export::save(&report, format, &args.output, args.force)?;
    println!("wrote {} ({})", args.output.display(), format.name());
    Ok(ExitCode::SUCCESS)
}
