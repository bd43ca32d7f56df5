//! The kiosk's command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// The public digital access point kiosk.
#[derive(Debug, Parser)]
#[command(name = "kiosk", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check and explain station policy files.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Check the kiosk's own configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
}

/// `kiosk config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate a kiosk configuration file: exit 0 if valid, 1 with every problem found.
    Check {
        /// The configuration file.
        #[arg(default_value = crate::config::DEFAULT_CONFIG_FILE)]
        file: PathBuf,
    },
}

/// `kiosk policy …`: tools for the station policy file.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate a policy file: exit 0 with a summary, or 1 with every problem found.
    Check {
        /// The policy file.
        file: PathBuf,
    },
    /// Say whether a URL is allowed and by which rule: exit 0 if allowed, 1 if blocked.
    Explain {
        /// The policy file.
        file: PathBuf,
        /// The URL to decide.
        url: String,
        /// Decide within one procedure's rules (its own and its bundles') instead of the whole catalogue.
        #[arg(long, value_name = "ID")]
        procedure: Option<String>,
        /// Decide as a sub-frame (iframe) navigation instead of a page.
        #[arg(long)]
        frame: bool,
    },
    /// Print the catalogue as the home screen lists it.
    Show {
        /// The policy file.
        file: PathBuf,
        /// Language of the titles.
        #[arg(long, default_value = "fr")]
        lang: String,
    },
}
