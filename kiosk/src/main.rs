//! `kiosk`: the station shell's command line.

use std::process::ExitCode;

use clap::Parser;
use kiosk::cli::{Cli, Command, ConfigCommand};

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Policy(command) => kiosk::policy_cmd::run(&command).emit(),
        Command::Config(ConfigCommand::Check { file }) => kiosk::config::check(&file).emit(),
    }
}
