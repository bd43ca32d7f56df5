//! `kiosk printer status|print`: what IT staff run to check the station printer, through the
//! same code the kiosk uses.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::cli::PrinterCommand;
use crate::outcome::Outcome;

/// How often a job's progress is asked for.
const POLL: Duration = Duration::from_millis(250);

/// Runs a `kiosk printer` command.
pub fn run(command: &PrinterCommand) -> Outcome {
    match command {
        PrinterCommand::Status { printer } => status(printer),
        PrinterCommand::Print { printer, timeout_s, file } => {
            print(printer, file, Duration::from_secs(*timeout_s))
        }
    }
}

fn status(printer: &str) -> Outcome {
    let health = printing::printer_health(printer);
    let json = serde_json::to_string_pretty(&health).expect("printer health serializes");
    let code = u8::from(health.error.is_some());
    Outcome::new(code, format!("{json}\n"), String::new())
}

fn print(printer: &str, file: &Path, timeout: Duration) -> Outcome {
    let fail = |message: String| Outcome::new(1, String::new(), format!("{message}\n"));
    let pdf = match std::fs::read(file) {
        Ok(pdf) => pdf,
        Err(error) => return fail(format!("{}: {error}", file.display())),
    };
    if !pdf.starts_with(b"%PDF-") {
        return fail(format!("{}: not a PDF file", file.display()));
    }
    let title = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let id = match printing::print_pdf(printer, pdf, &title) {
        Ok(id) => id,
        Err(error) => return fail(format!("the printer did not take the job: {error}")),
    };
    let started = Instant::now();
    loop {
        match printing::job(printer, id) {
            Ok(job) if job.state.is_final() => {
                let pages = job.pages_done.map_or_else(|| "unknown".to_owned(), |p| p.to_string());
                let line = format!(
                    "job {id}: {:?}; pages printed: {pages}; reasons: {}\n",
                    job.state,
                    job.reasons.join(", ")
                );
                let code = u8::from(job.state != printing::JobState::Completed);
                return Outcome::new(code, line, String::new());
            }
            Ok(_) => {}
            Err(error) => return fail(format!("cannot follow job {id}: {error}")),
        }
        if started.elapsed() > timeout {
            let cancelled = printing::cancel(printer, id)
                .map_or_else(|e| format!(" (cancel failed: {e})"), |()| String::new());
            return fail(format!(
                "job {id} not finished after {} s: cancelled{cancelled}",
                timeout.as_secs()
            ));
        }
        std::thread::sleep(POLL);
    }
}
