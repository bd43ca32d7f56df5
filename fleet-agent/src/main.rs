//! `fleet-agent`: the station daemon's command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fleet_agent::config::AgentConfig;

/// The station daemon of the public digital access points.
#[derive(Debug, Parser)]
#[command(name = "fleet-agent", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The agent's configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Check a configuration file: exit 0 if valid, 1 with every problem found.
    Check {
        /// The configuration file.
        #[arg(default_value = "/etc/kiosk-station/agent.toml")]
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    let Command::Config(ConfigCommand::Check { file }) = Cli::parse().command;
    let name = file.display().to_string();
    let result = std::fs::read_to_string(&file)
        .map_err(|e| format!("{name}: cannot read the configuration: {e}"))
        .and_then(|text| AgentConfig::parse(&text, &name).map_err(|e| e.to_string()));
    match result {
        Ok(config) => {
            println!("{name}: valid agent configuration; station directory {}", config.state_dir.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
