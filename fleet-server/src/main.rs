//! `fleet-server`: the central service's command line.

use std::io::{IsTerminal, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use fleet_server::config::{ServerConfig, redact};
use fleet_server::report::{self, Preset};
use fleet_server::secrets;
use fleet_server::store::Store;

/// The fleet server of the public digital access points.
#[derive(Debug, Parser)]
#[command(name = "fleet-server", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the configuration and the database are.
#[derive(Debug, Args)]
struct Common {
    /// Configuration file (a missing default file means the defaults).
    #[arg(long, global = true, default_value = "/etc/fleet-server/server.toml")]
    config: PathBuf,
    /// Database URL, overriding the configuration (`sqlite://PATH` or `postgres://…`).
    #[arg(long, global = true)]
    database: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the station API until SIGTERM or ctrl-c.
    Serve {
        /// Address to listen on, overriding the configuration.
        #[arg(long)]
        listen: Option<SocketAddr>,
        #[command(flatten)]
        common: Common,
    },
    /// Sites and their enrolment codes.
    #[command(subcommand)]
    Site(SiteCommand),
    /// The station policy.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Admin users of the dashboard.
    #[command(subcommand)]
    User(UserCommand),
    /// The configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Write the grant report (per partner and month) for a period, as CSV or XLSX.
    Export {
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Last day, YYYY-MM-DD (included).
        #[arg(long)]
        to: chrono::NaiveDate,
        /// `csv` or `xlsx`.
        #[arg(long, value_parser = ["csv", "xlsx"])]
        format: String,
        /// `rapport` (per partner and month, the grant report), `sites` (per site and month) or
        /// `demarches` (sessions per procedure and month).
        #[arg(long, default_value = "rapport", value_parser = ["rapport", "sites", "demarches"])]
        preset: String,
        /// Output file (standard output by default).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Subcommand)]
enum SiteCommand {
    /// Create the site (and its partner) if needed and print a new enrolment code on the last line.
    Add {
        /// Partner name (e.g. "CCAS de la ville").
        #[arg(long)]
        partner: String,
        /// Site name (e.g. "Mairie annexe Nord").
        #[arg(long)]
        name: String,
        /// Days the code stays valid.
        #[arg(long, default_value_t = 30)]
        valid_days: u32,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Validate a policy file and publish it as the next version.
    Publish {
        /// The policy file.
        file: PathBuf,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a dashboard user; the password is read on standard input.
    Add {
        /// Login name.
        #[arg(long)]
        name: String,
        /// `it-admin` (everything) or `reporting` (usage and exports only).
        #[arg(long, value_parser = ["it-admin", "reporting"])]
        role: String,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Check a configuration file: exit 0 if valid, 1 with every problem found.
    Check {
        /// The configuration file.
        #[arg(default_value = "/etc/fleet-server/server.toml")]
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FLEET_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();
    if let Command::Config(ConfigCommand::Check { file }) = &cli.command {
        return check_config(file);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("fleet-server: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn check_config(file: &Path) -> ExitCode {
    match load_config(file, true) {
        Ok(config) => {
            println!("{}: valid server configuration: {config:?}", file.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Reads the configuration; a missing file is only an error when it was asked for explicitly.
fn load_config(file: &Path, required: bool) -> anyhow::Result<ServerConfig> {
    let name = file.display().to_string();
    match std::fs::read_to_string(file) {
        Ok(text) => ServerConfig::parse(&text, &name).map_err(|e| anyhow::anyhow!("{e}")),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && !required => {
            Ok(ServerConfig::default())
        }
        Err(error) => bail!("{name}: cannot read the configuration: {error}"),
    }
}

async fn open_store(common: &Common) -> anyhow::Result<(ServerConfig, Store)> {
    let explicit = common.config != Path::new("/etc/fleet-server/server.toml");
    let config = load_config(&common.config, explicit)?;
    let url = common.database.clone().unwrap_or_else(|| config.database_url());
    if let Some(path) = url.strip_prefix("sqlite://").map(Path::new).and_then(Path::parent)
        && !path.as_os_str().is_empty()
    {
        std::fs::create_dir_all(path).with_context(|| format!("cannot create {}", path.display()))?;
    }
    let store =
        Store::open(&url).await.with_context(|| format!("cannot open the database {}", redact(&url)))?;
    Ok((config, store))
}

async fn run(command: Command) -> anyhow::Result<()> {
    let now = chrono::Utc::now().timestamp();
    match command {
        Command::Serve { listen, common } => {
            let (config, store) = open_store(&common).await?;
            fleet_server::serve::run(listen.unwrap_or(config.listen), store, config).await
        }
        Command::Site(SiteCommand::Add { partner, name, valid_days, common }) => {
            let (_, store) = open_store(&common).await?;
            let site = store.ensure_site(partner.trim(), name.trim()).await?;
            let expires = now + i64::from(valid_days) * 86_400;
            let code = store.issue_enrolment_code(site.id, now, expires).await?;
            println!(
                "site \"{}\" of partner \"{}\"; enrolment code valid {valid_days} days:",
                site.name, site.partner
            );
            println!("{code}");
            Ok(())
        }
        Command::Policy(PolicyCommand::Publish { file, common }) => {
            let name = file.display().to_string();
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("{name}: cannot read the policy file"))?;
            let policy = protocol::Policy::parse(&text, &name)
                .map_err(|e| anyhow::anyhow!("{e}\nnothing was published"))?;
            let (_, store) = open_store(&common).await?;
            let version = store.publish_policy(&text, now, "command line").await?;
            println!("{name}: published as version {version} ({} procedures)", policy.procedures.len());
            Ok(())
        }
        Command::User(UserCommand::Add { name, role, common }) => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("cannot read the password on standard input")?;
            let password = password.trim_end_matches(['\n', '\r']);
            if password.chars().count() < 12 {
                bail!("the password must be at least 12 characters long");
            }
            let hash = secrets::hash_password(password).map_err(|e| anyhow::anyhow!(e))?;
            let (_, store) = open_store(&common).await?;
            store.add_user(&name, &role, &hash, now).await?;
            println!("user \"{name}\" added with role {role}");
            Ok(())
        }
        Command::Export { from, to, format, preset, out, common } => {
            if to < from {
                bail!("--to {to} is before --from {from}");
            }
            let (_, store) = open_store(&common).await?;
            let filter = fleet_server::usage::Filter::period(from, to);
            let preset = Preset::from_name(&preset).expect("clap checked the preset");
            let table = report::export(&store, &filter, preset).await?;
            let bytes = match format.as_str() {
                "xlsx" => report::to_xlsx(&table).context("cannot build the XLSX file")?,
                _ => report::to_csv(&table).into_bytes(),
            };
            match out {
                Some(path) => std::fs::write(&path, bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => std::io::Write::write_all(&mut std::io::stdout(), &bytes)?,
            }
            Ok(())
        }
        Command::Config(_) => unreachable!("handled before the runtime starts"),
    }
}
