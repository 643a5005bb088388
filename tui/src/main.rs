//! `proftui`: the command line and (soon) the terminal explorer.

mod cli;
mod commands;
mod output;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    if let cli::Command::Worker { spec } = &cli.command {
        let code = proftui_core::worker::child::worker_main(spec);
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    match commands::dispatch(cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("proftui: error: {error:#}");
            ExitCode::from(commands::exit_code_for(&error))
        }
    }
}
