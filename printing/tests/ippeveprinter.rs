//! The printing crate against a real IPP Everywhere printer: CUPS's `ippeveprinter` (Debian
//! package cups-ipp-utils; `./scripts/test` installs it and starts the Avahi it needs).

#[allow(dead_code)]
mod common;

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::printer::{TestPrinter, pdf};
use printing::{JobState, Outcome, Problem, Progress, printer_health};
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

fn request(printer: &TestPrinter, pages: usize, stuck_after: Duration) -> printing::PrintRequest {
    printing::PrintRequest {
        printer: printer.uri.clone(),
        pdf: pdf(pages),
        pages: u32::try_from(pages).unwrap(),
        title: "attestation.pdf".into(),
        stuck_after,
    }
}

#[test]
fn a_print_run_reports_its_progress_and_counts_the_pages_of_the_document() {
    // This script does not say how many pages it printed: the document's count is taken.
    let Some(printer) = TestPrinter::start(Some("cat > /dev/null")) else { return };
    let request = request(&printer, 3, Duration::from_secs(60));
    assert_eq!(printing::pdf::page_count(&request.pdf), Ok(3));
    let mut steps = Vec::new();
    let outcome = printing::print_and_follow(&request, &AtomicBool::new(false), |p| steps.push(p));
    assert_eq!(outcome, Outcome::Printed { pages: 3 });
    assert_eq!(steps.first(), Some(&Progress::Sending));
    assert_eq!(steps.last(), Some(&Progress::Finished(Outcome::Printed { pages: 3 })));
    assert_eq!(printer.documents().len(), 1);
}

#[test]
fn a_job_stuck_on_an_empty_tray_is_cancelled_with_the_problem_named() {
    let script = "echo 'STATE: +media-empty' >&2; sleep 60";
    let Some(printer) = TestPrinter::start(Some(script)) else { return };
    let mut steps = Vec::new();
    let outcome = printing::print_and_follow(
        &request(&printer, 1, Duration::from_secs(3)),
        &AtomicBool::new(false),
        |p| steps.push(p),
    );
    assert!(
        matches!(&outcome, Outcome::Stuck { pages: 0, problems } if problems.contains(&Problem::NoPaper)),
        "{outcome:?}"
    );
    assert!(
        steps.iter().any(
            |s| matches!(s, Progress::Printing { problems, .. } if problems.contains(&Problem::NoPaper))
        ),
        "the resident is told while waiting: {steps:?}"
    );
}

#[test]
fn a_job_is_cancelled_when_its_session_ends() {
    let Some(printer) = TestPrinter::start(Some("sleep 60; cat > /dev/null")) else { return };
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let outcome = printing::print_and_follow(&request(&printer, 1, Duration::from_secs(600)), &stop, |p| {
        if matches!(p, Progress::Printing { .. }) {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    });
    assert_eq!(outcome, Outcome::Cancelled { pages: 0 });
    assert!(started.elapsed() < Duration::from_secs(30), "cancelled at once, not after the job");
}

#[test]
fn a_printer_over_tls_is_trusted_on_first_use_and_a_changed_certificate_is_refused() {
    let script = "cat > /dev/null; echo 'ATTR: job-impressions-completed=2' >&2";
    let Some(printer) = TestPrinter::start(Some(script)) else { return };
    let certificates = tempfile::tempdir().unwrap();
    printing::tls::remember_certificates_in(certificates.path());
    let uri = printer.ipps_uri();

    // First use: its self-signed certificate is accepted and remembered.
    let health = printer_health(&uri);
    assert_eq!((health.state, health.error), (PrinterState::Idle, None));
    let pin = certificates.path().join(format!("localhost_{}.sha256", printer.port));
    assert_eq!(std::fs::read_to_string(&pin).unwrap().trim(), printer.certificate_fingerprint());
    let document = pdf(2);
    let id = printing::print_pdf(&uri, document.clone(), "attestation.pdf").unwrap();
    let job = wait_job(&uri, id);
    assert_eq!((job.state, job.pages_done), (JobState::Completed, Some(2)), "{job:?}");
    assert_eq!(std::fs::read(&printer.documents()[0]).unwrap(), document);

    // Another printer answering at the same address, with another certificate: refused.
    let port = printer.port;
    drop(printer);
    let impostor = TestPrinter::start_on(port, Some("cat > /dev/null")).unwrap();
    let health = printer_health(&uri);
    assert_eq!(health.state, PrinterState::Unreachable, "{health:?}");
    let error = health.error.unwrap();
    assert!(error.contains("certificate changed") && error.contains(&pin.display().to_string()), "{error}");
    assert!(printing::print_pdf(&uri, pdf(1), "attestation.pdf").is_err());
    assert!(impostor.documents().is_empty(), "nothing was sent to it");
}
