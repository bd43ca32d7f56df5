//! `kiosk scanner list|scan`: what IT staff run to check the station scanner, through the same
//! code the kiosk uses.

use crate::cli::ScannerCommand;
use crate::outcome::Outcome;
use crate::scanner::{self, ScanSetup};

/// Runs a `kiosk scanner` command.
pub fn run(command: &ScannerCommand) -> Outcome {
    match command {
        ScannerCommand::List => list(),
        ScannerCommand::Scan { device, out, options } => {
            let setup = ScanSetup { device: device.clone(), options: options.clone() };
            if let Err(error) = std::fs::create_dir_all(out) {
                return Outcome::new(1, String::new(), format!("{}: {error}\n", out.display()));
            }
            match scanner::scan(&setup, out, "numerisation", |_| {}) {
                Ok(scanned) => Outcome::new(
                    0,
                    format!("{}\n{}\n", scanned.jpeg.display(), scanned.pdf.display()),
                    String::new(),
                ),
                Err(error) => Outcome::new(1, String::new(), format!("{error}\n")),
            }
        }
    }
}

fn list() -> Outcome {
    match scanner::list() {
        Ok(devices) if devices.is_empty() => Outcome::new(1, String::new(), "no scanner found\n".into()),
        Ok(devices) => {
            let lines: String = devices
                .iter()
                .map(|d| format!("{}\t{} {} ({})\n", d.name, d.vendor, d.model, d.kind))
                .collect();
            Outcome::new(0, lines, String::new())
        }
        Err(error) => Outcome::new(1, String::new(), format!("{error}\n")),
    }
}
