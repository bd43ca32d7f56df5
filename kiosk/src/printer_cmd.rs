//! `kiosk printer status|print`: what IT staff run to check the station printer, through the
//! same code the kiosk uses.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use printing::{Outcome as PrintOutcome, PrintRequest, Progress};

use crate::cli::PrinterCommand;
use crate::outcome::Outcome;

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
    let pages = match printing::pdf::page_count(&pdf) {
        Ok(pages) => pages,
        Err(error) => return fail(format!("{}: {error}", file.display())),
    };
    let title = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let request = PrintRequest { printer: printer.to_owned(), pdf, pages, title, stuck_after: timeout };
    let mut lines = format!("{}: {pages} page(s)\n", file.display());
    let outcome = printing::print_and_follow(&request, &AtomicBool::new(false), |progress| {
        if let Progress::Printing { pages_done, problems } = progress {
            let done = pages_done.map_or_else(|| "?".to_owned(), |p| p.to_string());
            let problems: Vec<&str> = problems.iter().map(|p| p.as_str()).collect();
            lines.push_str(&format!("printing: {done}/{pages} pages; problems: [{}]\n", problems.join(", ")));
        }
    });
    let code = u8::from(!matches!(outcome, PrintOutcome::Printed { .. }));
    let summary = match &outcome {
        PrintOutcome::Printed { pages } => format!("Completed; pages printed: {pages}"),
        PrintOutcome::Stuck { pages, problems } => format!(
            "no progress for {} s: cancelled; pages printed: {pages}; problems: {problems:?}",
            timeout.as_secs()
        ),
        PrintOutcome::Cancelled { pages } => format!("Cancelled; pages printed: {pages}"),
        PrintOutcome::Aborted { pages, problems } => {
            format!("Aborted by the printer; pages printed: {pages}; problems: {problems:?}")
        }
        PrintOutcome::Failed(error) => {
            return fail(format!("{lines}the printer did not take the job: {error}"));
        }
    };
    Outcome::new(code, format!("{lines}{summary}\n"), String::new())
}
