//! `fleet-agent`: the station daemon's command line.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use fleet_agent::client::Client;
use fleet_agent::config::AgentConfig;
use fleet_agent::daemon::Daemon;
use fleet_agent::station::{Enrolment, StationDir};
use protocol::api::EnrolRequest;

const DEFAULT_CONFIG: &str = "/etc/kiosk-station/agent.toml";

/// The station daemon of the public digital access points.
#[derive(Debug, Parser)]
#[command(name = "fleet-agent", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Enrol this station with a site's code; stores the server address and the station token
    /// in the station directory.
    Enrol {
        /// The fleet server, e.g. https://parc.ville.example
        #[arg(long)]
        server: String,
        /// The site's enrolment code (from the dashboard or `fleet-server site add`).
        #[arg(long)]
        code: String,
        /// Station directory (default: the configuration's).
        #[arg(long)]
        state_dir: Option<PathBuf>,
        /// Configuration file.
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: PathBuf,
    },
    /// Run the daemon: send usage records and health, install the policy.
    Run {
        /// Station directory (default: the configuration's).
        #[arg(long)]
        state_dir: Option<PathBuf>,
        /// Configuration file.
        #[arg(long, default_value = DEFAULT_CONFIG)]
        config: PathBuf,
    },
    /// The agent's configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Check a configuration file: exit 0 if valid, 1 with every problem found.
    Check {
        /// The configuration file.
        #[arg(default_value = DEFAULT_CONFIG)]
        file: PathBuf,
    },
}

/// Reads the configuration; a missing default file means the defaults.
fn load_config(file: &Path, state_dir: Option<PathBuf>) -> anyhow::Result<AgentConfig> {
    let name = file.display().to_string();
    let mut config = match std::fs::read_to_string(file) {
        Ok(text) => AgentConfig::parse(&text, &name).map_err(|e| anyhow::anyhow!("{e}"))?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && file == Path::new(DEFAULT_CONFIG) => {
            AgentConfig::default()
        }
        Err(error) => anyhow::bail!("{name}: cannot read the configuration: {error}"),
    };
    if let Some(dir) = state_dir {
        config.state_dir = std::path::absolute(&dir).unwrap_or(dir);
    }
    Ok(config)
}

fn enrol(server: &str, code: &str, config: &AgentConfig) -> anyhow::Result<()> {
    let url = url_ok(server)?;
    let station = StationDir::new(&config.state_dir);
    std::fs::create_dir_all(station.root())
        .with_context(|| format!("cannot create the station directory {}", station.root().display()))?;
    let kiosk_version = std::fs::read(station.kiosk_status())
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["version"].as_str().map(str::to_owned));
    let request = EnrolRequest {
        code: code.trim().to_owned(),
        hostname: sysinfo::System::host_name().unwrap_or_else(|| "station".into()),
        agent_version: env!("CARGO_PKG_VERSION").to_owned(),
        kiosk_version,
    };
    let tls = fleet_agent::tls::server_tls(config.server_ca.as_deref()).map_err(anyhow::Error::msg)?;
    let answer = Client::new(&url, tls)
        .enrol(&request)
        .map_err(|e| anyhow::anyhow!("enrolment at {url} failed: {e}"))?;
    let enrolment = Enrolment {
        server: url.clone(),
        station_id: answer.station_id.to_string(),
        enrolled_at: chrono::Utc::now(),
    };
    station
        .save_enrolment(&enrolment, &answer.token)
        .with_context(|| format!("cannot store the enrolment in {}", station.root().display()))?;
    println!(
        "enrolled as station {} of {url}; token stored in {}",
        enrolment.station_id,
        station.root().join("agent").display()
    );
    Ok(())
}

/// The server URL, checked: https, or http to this machine only.
fn url_ok(server: &str) -> anyhow::Result<String> {
    fleet_agent::tls::check_server_url(server).map_err(anyhow::Error::msg)
}

fn main() -> ExitCode {
    // A plain level (error, warn, info, debug, trace) keeps the daemon small: no filter language.
    let level = std::env::var("FLEET_AGENT_LOG")
        .ok()
        .and_then(|level| level.parse::<tracing_subscriber::filter::LevelFilter>().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let result = match Cli::parse().command {
        Command::Config(ConfigCommand::Check { file }) => load_config(&file, None).map(|config| {
            println!(
                "{}: valid agent configuration; station directory {}",
                file.display(),
                config.state_dir.display()
            );
        }),
        Command::Enrol { server, code, state_dir, config } => {
            load_config(&config, state_dir).and_then(|config| enrol(&server, &code, &config))
        }
        Command::Run { state_dir, config } => {
            load_config(&config, state_dir).and_then(Daemon::new).and_then(Daemon::run)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("fleet-agent: {error:#}");
            ExitCode::FAILURE
        }
    }
}
