//! `kiosk`: the station shell's command line.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use kiosk::cli::{Cli, Command, ConfigCommand, VolunteerCommand};

fn main() -> ExitCode {
    let process_start = Instant::now();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KIOSK_LOG")
                .unwrap_or_else(|_| "info,wgpu=warn,iced=warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match cli.command {
        Command::Policy(command) => kiosk::policy_cmd::run(&command).emit(),
        Command::Config(ConfigCommand::Check { file }) => kiosk::config::check(&file).emit(),
        Command::Run(args) => kiosk::launch::run(args, process_start),
        Command::Bench(args) => kiosk::launch::bench(args, process_start),
        Command::Volunteer(VolunteerCommand::HashPin) => hash_pin(),
        Command::Printer(command) => kiosk::printer_cmd::run(&command).emit(),
        Command::Scanner(command) => kiosk::scanner_cmd::run(&command).emit(),
    }
}

fn hash_pin() -> ExitCode {
    let mut pin = String::new();
    if let Err(error) = std::io::stdin().read_to_string(&mut pin) {
        eprintln!("kiosk: cannot read the PIN: {error}");
        return ExitCode::from(2);
    }
    match kiosk::volunteer::hash_pin(pin.trim()) {
        Ok(hash) => {
            println!("{hash}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("kiosk: {error}");
            ExitCode::from(2)
        }
    }
}
