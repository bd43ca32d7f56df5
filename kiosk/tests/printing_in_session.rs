//! A resident prints the page of a procedure from the kiosk's top bar, under Xvfb, to CUPS's
//! `ippeveprinter`: the document arrives with its pages, the pages are counted in the usage
//! record, the page cap refuses a long document, an empty tray is explained, a stuck job is
//! cancelled, and a job still queued at the wipe is cancelled.

mod common;
#[allow(dead_code)]
#[path = "../../printing/tests/common/printer.rs"]
mod printer;

use std::time::Duration;

use common::screens::{FIRST_TILE, end_session, open_station};
use common::{Kiosk, Page, Site, Xvfb, screenshot_dir, wait_for};
use printer::TestPrinter;

const SECONDS: fn(u64) -> Duration = Duration::from_secs;

/// A procedure page of `pages` printed pages (one forced page break between each).
fn certificate_site(pages: usize) -> Site {
    Site::start("127.0.0.2", move |path| match path {
        "/" => {
            let sheets: Vec<String> = (1..=pages)
                .map(|n| {
                    format!("<div style=\"page-break-after:always\"><h1>Attestation, page {n}</h1></div>")
                })
                .collect();
            Some(Page::Html(format!(
                "<!doctype html><html><head><meta charset=\"utf-8\"><title>Attestation CAF</title></head>\
                 <body style=\"margin:0\"><div style=\"width:400px;height:200px;background:#ddd\"></div>{}</body></html>",
                sheets.join("")
            )))
        }
        _ => None,
    })
}

/// Opens the procedure and waits for its page.
fn open_page(display: &Xvfb, kiosk: &Kiosk) {
    display.click(FIRST_TILE.0, FIRST_TILE.1);
    kiosk.wait_log("session started", 1, SECONDS(10));
    wait_for("the page", SECONDS(10), || display.pixel(20, 100) == "#DDDDDD");
}

/// Clicks the green "Imprimer" button of the top bar.
fn click_print(display: &Xvfb) {
    let x = display
        .rightmost_in_row(38, |r, g, b| u16::from(g) > u16::from(r) + 40 && g > b)
        .expect("the green print button is in the top bar");
    display.click(x - 20, 38);
}

/// Whether the printer's first job was cancelled (or is being stopped after a Cancel-Job: RFC 8011
/// `processing-to-stop-point`).
fn cancelled(printer: &TestPrinter) -> bool {
    printing::job(&printer.uri, 1).is_ok_and(|job| {
        job.state == printing::JobState::Canceled
            || job.reasons.iter().any(|r| r == "processing-to-stop-point")
    })
}

fn config(printer: &TestPrinter, timeout_s: u32) -> String {
    format!("printer = \"{}\"\nprint_timeout_s = {timeout_s}\n", printer.uri)
}

#[test]
fn the_page_is_printed_and_its_pages_are_counted_in_the_usage_record() {
    let Some(printer) = TestPrinter::start(Some("cat > /dev/null")) else { return };
    let site = certificate_site(2);
    // Over IPP with TLS (ipps://), the printer's self-signed certificate trusted on first use.
    let config = format!("printer = \"{}\"\nprint_timeout_s = 60\n", printer.ipps_uri());
    let (station, display, kiosk) = open_station(&site, (300, 60), Some(&config));
    open_page(&display, &kiosk);

    click_print(&display);
    kiosk.wait_log("print job sent", 1, SECONDS(30));
    assert!(kiosk.log().contains("pages=2"), "{}", kiosk.log());
    kiosk.wait_log("print job finished", 1, SECONDS(60));
    kiosk.wait_log("C'est imprimé (2 pages)", 1, SECONDS(10));
    display.screenshot(&screenshot_dir().join("print-done.png"));

    let documents = printer.documents();
    assert_eq!(documents.len(), 1, "{documents:?}");
    let pdf = std::fs::read(&documents[0]).unwrap();
    assert_eq!(printing::pdf::page_count(&pdf), Ok(2), "the printer received the page as a 2-page PDF");
    let pin = station.state().join(format!("printer-certificates/localhost_{}.sha256", printer.port));
    assert_eq!(std::fs::read_to_string(pin).unwrap().trim(), printer.certificate_fingerprint());

    display.key("Escape");
    wait_for("the page to come back", SECONDS(10), || display.pixel(20, 100) == "#DDDDDD");
    end_session(&display, &kiosk);
    assert_eq!(station.records()[0]["pages_printed"], 2);
    assert!(station.session_folders().is_empty(), "the printed PDF is wiped with the session");
}

#[test]
fn a_document_longer_than_the_page_cap_is_refused_and_the_resident_told_why() {
    let Some(printer) = TestPrinter::start(Some("cat > /dev/null")) else { return };
    let site = certificate_site(3);
    let (station, display, kiosk) = open_station(&site, (300, 60), Some(&config(&printer, 60)));
    let policy = std::fs::read_to_string(station.policy()).unwrap();
    station.write_policy(&policy.replace("max_pages_per_session = 20", "max_pages_per_session = 2"));
    kiosk.wait_log("new policy in force", 1, SECONDS(10));
    open_page(&display, &kiosk);

    click_print(&display);
    kiosk.wait_log("print refused", 1, SECONDS(30));
    kiosk.wait_log("Ce document a 3 pages", 1, SECONDS(5));
    assert!(kiosk.log().contains("encore imprimer 2 pages"), "{}", kiosk.log());
    display.screenshot(&screenshot_dir().join("print-too-many-pages.png"));
    assert_ne!(display.pixel(20, 100), "#DDDDDD", "the explanation is shown over the page");
    assert!(printer.documents().is_empty(), "nothing was sent to the printer");

    display.key("Escape");
    end_session(&display, &kiosk);
    assert_eq!(station.records()[0]["pages_printed"], 0);
}

#[test]
fn an_empty_tray_is_explained_and_a_stuck_job_is_cancelled() {
    let Some(printer) = TestPrinter::start(Some("echo 'STATE: +media-empty' >&2; sleep 60")) else { return };
    let site = certificate_site(1);
    let (station, display, kiosk) = open_station(&site, (300, 60), Some(&config(&printer, 4)));
    open_page(&display, &kiosk);

    click_print(&display);
    kiosk.wait_log("Il n'y a plus de papier", 1, SECONDS(30));
    // On the screen: the title, "waiting for the printer" and the problem with what to do (more
    // lines than "Envoi à l'imprimante…" alone), above the way back to the procedure.
    wait_for("the no-paper explanation on the screen", SECONDS(10), || {
        display.text_lines(80, 700).len() >= 3
    });
    display.screenshot(&screenshot_dir().join("print-no-paper.png"));
    kiosk.wait_log("L'impression n'avançait plus", 1, SECONDS(30));
    assert!(kiosk.log().contains("Stuck"), "{}", kiosk.log());
    wait_for("the printer to cancel the stuck job", SECONDS(15), || cancelled(&printer));

    display.key("Escape");
    end_session(&display, &kiosk);
    assert_eq!(station.records()[0]["pages_printed"], 0);
}

#[test]
fn a_job_still_waiting_at_the_end_of_the_session_is_cancelled() {
    let Some(printer) = TestPrinter::start(Some("sleep 60")) else { return };
    let site = certificate_site(1);
    let (_station, display, kiosk) = open_station(&site, (300, 60), Some(&config(&printer, 600)));
    open_page(&display, &kiosk);

    click_print(&display);
    kiosk.wait_log("Impression de la page 1 sur 1", 1, SECONDS(30));
    display.key("Escape");
    end_session(&display, &kiosk);
    kiosk.wait_log("print job of the session cancelled at the wipe", 1, SECONDS(5));
    wait_for("the printer to cancel the job", SECONDS(15), || cancelled(&printer));
}
