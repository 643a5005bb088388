//! `proftui`: the command line and (soon) the terminal explorer.

mod cli;
mod commands;
mod compare;
mod diff_view;
mod explorer;
mod export;
mod output;
mod record;
mod report_view;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // The worker is an internal protocol, not a command: it never shows in
    // help or completions.
    let mut args = std::env::args();
    if let (Some(commands::WORKER_SUBCOMMAND), Some(spec)) = (args.nth(1).as_deref(), args.next()) {
        let code = proftui_core::worker::child::worker_main(&spec);
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    let cli = cli::Cli::parse();
    match commands::dispatch(cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("proftui: error: {error:#}");
            ExitCode::from(commands::exit_code_for(&error))
        }
    }
}
