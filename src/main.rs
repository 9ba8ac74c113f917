use std::process::ExitCode;

use clap::Parser;
use warroom::cli::{self, Cli, Fail};

fn main() -> ExitCode {
    let args = Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail::Usage(msg)) => {
            eprintln!("warroom: {msg}");
            ExitCode::from(2)
        }
        Err(Fail::Conflict(msg)) => {
            eprintln!("warroom: {msg}");
            ExitCode::from(3)
        }
        Err(Fail::Exit(code)) => ExitCode::from(code),
        Err(Fail::Other(e)) => {
            eprintln!("warroom: {e:#}");
            ExitCode::from(1)
        }
    }
}
