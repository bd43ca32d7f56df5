//! The printing crate against a real IPP Everywhere printer: CUPS's `ippeveprinter` (Debian
//! package cups-ipp-utils; `./scripts/test` installs it and starts the Avahi it needs).

#[allow(dead_code)]
mod common;

use std::time::{Duration, Instant};

use common::printer::{TestPrinter, pdf};
use printing::{JobState, printer_health};
use protocol::health::PrinterState;

fn wait_job(uri: &str, id: i32) -> printing::Job {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let job = printing::job(uri, id).unwrap();
        if job.state.is_final() {
            return job;
        }
        assert!(Instant::now() < deadline, "job {id} still {:?}", job.state);
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_ready_printer_reports_its_state_and_supplies() {
    let Some(printer) = TestPrinter::start(None) else { return };
    let health = printer_health(&printer.uri);
    assert_eq!(health.state, PrinterState::Idle, "{health:?}");
    assert_eq!(health.error, None);
    assert!(health.reasons.iter().all(|r| r == "none"), "{:?}", health.reasons);
    assert!(health.supplies.iter().any(|s| s.level_percent.is_some_and(|l| l <= 100)), "{health:?}");
}

#[test]
fn a_pdf_is_printed_and_its_pages_counted() {
    let script = "cat > /dev/null; echo 'ATTR: job-impressions-completed=2' >&2";
    let Some(printer) = TestPrinter::start(Some(script)) else { return };
    let document = pdf(2);
    let id = printing::print_pdf(&printer.uri, document.clone(), "attestation.pdf").unwrap();
    let job = wait_job(&printer.uri, id);
    assert_eq!((job.state, job.pages_done), (JobState::Completed, Some(2)), "{job:?}");
    let kept = printer.documents();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(std::fs::read(&kept[0]).unwrap(), document, "the printer received the PDF as sent");
}

#[test]
fn an_empty_paper_tray_shows_in_the_printer_state() {
    let script = "cat > /dev/null; echo 'STATE: +media-empty' >&2; exit 1";
    let Some(printer) = TestPrinter::start(Some(script)) else { return };
    let id = printing::print_pdf(&printer.uri, pdf(1), "attestation.pdf").unwrap();
    wait_job(&printer.uri, id);
    let health = printer_health(&printer.uri);
    assert!(health.reasons.iter().any(|r| r.starts_with("media-empty")), "{health:?}");
}

#[test]
fn an_unreachable_printer_says_why() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let health = printer_health(&format!("ipp://127.0.0.1:{port}/ipp/print"));
    assert_eq!(health.state, PrinterState::Unreachable);
    assert!(health.error.unwrap().contains("127.0.0.1"));
}
