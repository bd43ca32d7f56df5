//! The kiosk's command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    /// Open the kiosk window: the residents' home screen.
    Run(RunArgs),
    /// Measure N real sessions (window, WebKit, wipe) and print the figures as one JSON line.
    Bench(BenchArgs),
    /// Volunteer PIN tools.
    #[command(subcommand)]
    Volunteer(VolunteerCommand),
    /// The station printer, for IT staff: its state, or a test print.
    #[command(subcommand)]
    Printer(PrinterCommand),
    /// The station scanner, for IT staff: the scanners found, or a test scan.
    #[command(subcommand)]
    Scanner(ScannerCommand),
}

/// `kiosk scanner …`.
#[derive(Debug, Subcommand)]
pub enum ScannerCommand {
    /// List the scanners SANE finds (device name, maker, model, kind), one per line.
    List,
    /// Scan one page the way the kiosk does; print the paths of the JPEG and the PDF written.
    Scan {
        /// SANE device name (see `kiosk scanner list`); default: the first scanner found.
        #[arg(long)]
        device: Option<String>,
        /// Folder to write the scan to.
        #[arg(long)]
        out: PathBuf,
        /// Backend options after `--`, e.g. `-- --mode Gray --resolution 300` (default:
        /// `--mode Color --resolution 150`).
        #[arg(last = true)]
        options: Vec<String>,
    },
}

/// `kiosk printer …`.
#[derive(Debug, Subcommand)]
pub enum PrinterCommand {
    /// Print the printer's state, reasons and supply levels as JSON.
    Status {
        /// The printer, e.g. ipp://localhost:631/printers/accueil
        #[arg(long)]
        printer: String,
    },
    /// Send a PDF the way the kiosk does, wait for the job to finish and print the pages counted.
    Print {
        /// The printer, e.g. ipp://localhost:631/printers/accueil
        #[arg(long)]
        printer: String,
        /// Cancel the job when it makes no progress for this many seconds.
        #[arg(long, default_value_t = 300)]
        timeout_s: u64,
        /// The PDF file.
        file: PathBuf,
    },
}

/// `kiosk run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Policy file; default: the one the agent installs in the station directory.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Station directory; default: from the kiosk configuration.
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// Kiosk configuration file (a missing or broken one falls back to safe defaults).
    #[arg(long, default_value = crate::config::DEFAULT_CONFIG_FILE)]
    pub config: PathBuf,
}

/// `kiosk bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Policy file; the URL must be allowed by one of its procedures.
    #[arg(long)]
    pub policy: PathBuf,
    /// The page each session opens.
    #[arg(long)]
    pub url: String,
    /// How many sessions in a row.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub sessions: u32,
    /// The page is ready when `document.title` equals this (default: when it finished loading).
    #[arg(long)]
    pub ready_title: Option<String>,
    /// Station directory (usage records are written to its outbox like any session's).
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// After the sessions, stay at the home screen this many seconds and report the kiosk's CPU
    /// use there (`idle_cpu_percent`, 100 = one core).
    #[arg(long, value_name = "SECONDS")]
    pub idle_s: Option<u64>,
    /// Kiosk configuration file.
    #[arg(long, default_value = crate::config::DEFAULT_CONFIG_FILE)]
    pub config: PathBuf,
}

/// `kiosk volunteer …`.
#[derive(Debug, Subcommand)]
pub enum VolunteerCommand {
    /// Read a PIN (4 to 8 digits) on standard input and print its hash for `volunteer_pin_hash`.
    HashPin,
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
