//! "Mes documents" as a resident uses it, under Xvfb: a page scanned with SANE's `test` scanner
//! lands in the session folder, is listed, is offered when a procedure page asks for a file and
//! reaches the page, and is gone after the wipe; a downloaded PDF prints from the list and can be
//! deleted; a scanner problem is explained.

mod common;
#[allow(dead_code)]
#[path = "../../printing/tests/common/printer.rs"]
mod printer;

use std::time::Duration;

use common::scanner::TestScanner;
use common::screens::{FIRST_TILE, end_session, open_station_with_env};
use common::{Kiosk, Page, Site, Xvfb, screenshot_dir, wait_for};

const SECONDS: fn(u64) -> Duration = Duration::from_secs;

fn green(r: u8, g: u8, b: u8) -> bool {
    u16::from(g) > u16::from(r) + 40 && g > b
}

fn blue(r: u8, g: u8, b: u8) -> bool {
    u16::from(b) > u16::from(r) + 60 && u16::from(b) > u16::from(g) + 40
}

fn grey(r: u8, g: u8, b: u8) -> bool {
    r == g && g == b && (120..200).contains(&r)
}

fn red(r: u8, g: u8, b: u8) -> bool {
    r > 170 && g < 100 && b < 100
}

/// A procedure page with an upload field (the grey box) that reports the file it was given, and
/// a PDF to download.
fn upload_site() -> Site {
    Site::start("127.0.0.2", |path| {
        match path {
        "/" => Some(Page::Html(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Justificatifs</title></head><body style=\"margin:0\">
             <label style=\"display:block;width:400px;height:200px;background:#ddd\">Joindre une pièce d'identité
               <input id=\"file\" type=\"file\" style=\"display:none\"></label>
             <a href=\"/attestation.pdf\">Attestation</a>
             <script>
               document.getElementById('file').onchange = e => {
                 const f = e.target.files[0];
                 fetch('/uploaded?name=' + encodeURIComponent(f.name) + '&size=' + f.size);
               };
             </script></body></html>"
                .into(),
        )),
        "/attestation.pdf" => Some(Page::Download(
            "application/pdf",
            "attestation.pdf",
            end_to_end::pdf(&["Attestation de paiement"]),
        )),
        _ if path.starts_with("/uploaded") => Some(Page::Html("<title>ok</title>".into())),
        _ => None,
    }
    })
}

fn open_page(display: &Xvfb, kiosk: &Kiosk) {
    display.click(FIRST_TILE.0, FIRST_TILE.1);
    kiosk.wait_log("session started", 1, SECONDS(10));
    wait_for("the page", SECONDS(10), || display.pixel(20, 100) == "#DDDDDD");
}

/// Clicks "Mes documents" (the right-most blue button of the top bar).
///
/// Right after a dialog closes the top bar may not be redrawn yet (the print button's label, and
/// so the place of the documents button, changes when a print ends): a click that met the old
/// layout is made again on the new one.
fn open_documents(display: &Xvfb, kiosk: &Kiosk, times: usize) {
    for _ in 0..3 {
        let x = display.rightmost_in_row(38, blue).expect("the documents button is in the top bar");
        display.click(x - 20, 38);
        if kiosk.logged_within("documents shown", times, SECONDS(3)) {
            return;
        }
    }
    kiosk.wait_log("documents shown", times, SECONDS(1));
}

/// The column that crosses the right-hand buttons (of the documents page and its lines) beside
/// their labels, never through the text.
const BUTTONS: u32 = 1226;

/// The buttons of a colour in the column of the right-hand buttons, below the top bar, as
/// (top, bottom).
fn buttons(display: &Xvfb, colour: fn(u8, u8, u8) -> bool) -> Vec<(u32, u32)> {
    display.runs_in_column(BUTTONS, colour).into_iter().filter(|(a, b)| b - a > 10 && *a > 80).collect()
}

/// Waits for the `nth` (from the top) right-hand button of a colour and returns its middle y.
fn nth_button(display: &Xvfb, colour: fn(u8, u8, u8) -> bool, nth: usize, what: &str) -> u32 {
    let mut runs = Vec::new();
    wait_for(what, SECONDS(10), || {
        runs = buttons(display, colour);
        runs.len() > nth
    });
    let (top, bottom) = runs[nth];
    (top + bottom) / 2
}

/// Clicks the `nth` right-hand button of a colour.
fn click_nth(display: &Xvfb, colour: fn(u8, u8, u8) -> bool, nth: usize, what: &str) {
    let y = nth_button(display, colour, nth, what);
    display.click(BUTTONS, y);
}

#[test]
fn a_scan_is_listed_offered_to_an_upload_field_sent_and_wiped() {
    let Some(scanner) = TestScanner::new() else { return };
    let site = upload_site();
    let env = [("SANE_CONFIG_DIR", scanner.config_dir())];
    let config = "scanner_options = [\"--mode\", \"Color\", \"--resolution\", \"100\", \"--test-picture\", \"Color pattern\"]\n";
    let (station, display, kiosk) = open_station_with_env(&site, (300, 60), Some(config), &env);
    open_page(&display, &kiosk);

    open_documents(&display, &kiosk, 1);
    display.screenshot(&screenshot_dir().join("documents-empty.png"));
    click_nth(&display, green, 0, "the scan button");
    kiosk.wait_log("scan saved in the session folder", 1, SECONDS(30));
    kiosk.wait_log("Document numérisé : numerisation-1.pdf", 1, SECONDS(5));
    let folder = station.session_folders().pop().expect("a session folder");
    let mut scans: Vec<String> = std::fs::read_dir(folder.join("scans"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    scans.sort();
    assert_eq!(scans, ["numerisation-1.jpg", "numerisation-1.pdf"]);
    // Both files are listed, each with its delete button.
    wait_for("both documents listed", SECONDS(10), || buttons(&display, red).len() == 2);
    display.screenshot(&screenshot_dir().join("documents-scanned.png"));
    display.screenshot(&screenshot_dir().join("documents-scanned.png"));
    display.key("Escape");
    wait_for("the page to come back", SECONDS(10), || display.pixel(20, 100) == "#DDDDDD");

    // The procedure page asks for a file: the kiosk lists the session's documents to choose from.
    display.click(200, 150);
    kiosk.wait_log("the page asks for a file", 1, SECONDS(10));
    kiosk.wait_log("documents shown", 2, SECONDS(10));
    wait_for("the documents over the page", SECONDS(10), || display.pixel(20, 100) != "#DDDDDD");
    display.screenshot(&screenshot_dir().join("upload-chooser.png"));
    click_nth(&display, green, 1, "the choose button of the first document");
    kiosk.wait_log("document given to the page for upload", 1, SECONDS(10));
    let size = std::fs::metadata(folder.join("scans/numerisation-1.jpg")).unwrap().len();
    wait_for("the page to receive the scan", SECONDS(10), || {
        site.requests_to("/uploaded").contains(&format!("/uploaded?name=numerisation-1.jpg&size={size}"))
    });

    end_session(&display, &kiosk);
    assert!(station.session_folders().is_empty(), "the scans are wiped with the session");
    assert_eq!(station.records()[0]["scans"], 1);
}

#[test]
fn a_downloaded_pdf_prints_from_my_documents_and_can_be_deleted() {
    let Some(printer) = printer::TestPrinter::start(Some("cat > /dev/null")) else { return };
    let site = upload_site();
    let config = format!("printer = \"{}\"\nscanning = false\n", printer.uri);
    let (station, display, kiosk) = open_station_with_env(&site, (300, 60), Some(&config), &[]);
    open_page(&display, &kiosk);
    display.click(20, 285);
    kiosk.wait_log("download saved in the session folder", 1, SECONDS(10));

    open_documents(&display, &kiosk, 1);
    // Print: the blue button left of "Supprimer" on the document's line.
    let y = nth_button(&display, red, 0, "the delete button of the PDF");
    let x = display.rightmost_in_row(y, blue).expect("the print button of the PDF");
    display.click(x - 10, y);
    kiosk.wait_log("C'est imprimé (1 page)", 1, SECONDS(60));
    assert_eq!(printer.documents().len(), 1);
    display.key("Escape");

    // The resident looks at the PDF inside the kiosk, then comes back to the page.
    open_documents(&display, &kiosk, 2);
    let y = nth_button(&display, red, 0, "the delete button of the PDF");
    let x = display.rightmost_in_row(y, grey).expect("the view button of the PDF");
    display.click(x - 10, y);
    kiosk.wait_log("document shown", 1, SECONDS(10));
    wait_for("the document's page drawn in place of the web page", SECONDS(15), || {
        display.pixel(20, 100) != "#DDDDDD" && display.pixel(640, 400) == "#FFFFFF"
    });
    display.screenshot(&screenshot_dir().join("document-view.png"));

    // "Imprimer" while the document is shown sends the document itself, as downloaded.
    let x = display.rightmost_in_row(38, green).expect("the print button in the top bar");
    display.click(x - 20, 38);
    kiosk.wait_log("C'est imprimé (1 page)", 2, SECONDS(60));
    let mut sent = printer.documents();
    sent.sort();
    assert_eq!(sent.len(), 2);
    let downloaded = station.session_folders().pop().unwrap().join("downloads/attestation.pdf");
    assert_eq!(std::fs::read(&sent[1]).unwrap(), std::fs::read(downloaded).unwrap());
    display.key("Escape");

    open_documents(&display, &kiosk, 3);
    click_nth(&display, red, 0, "the delete button of the PDF");
    kiosk.wait_log("document deleted by the resident", 1, SECONDS(10));
    let folder = station.session_folders().pop().unwrap();
    assert_eq!(std::fs::read_dir(folder.join("downloads")).unwrap().count(), 0, "the file is gone");
    display.key("Escape");
    end_session(&display, &kiosk);
    let record = &station.records()[0];
    assert_eq!(
        (&record["downloads"], &record["pages_printed"]),
        (&serde_json::json!(1), &serde_json::json!(2))
    );
}

#[test]
fn a_scanner_problem_is_explained_in_plain_words() {
    let Some(scanner) = TestScanner::new() else { return };
    let site = upload_site();
    let env = [("SANE_CONFIG_DIR", scanner.config_dir())];
    let config =
        "scanner = \"test:0\"\nscanner_options = [\"--read-return-value\", \"SANE_STATUS_COVER_OPEN\"]\n";
    let (station, display, kiosk) = open_station_with_env(&site, (300, 60), Some(config), &env);
    open_page(&display, &kiosk);
    open_documents(&display, &kiosk, 1);
    click_nth(&display, green, 0, "the scan button");
    kiosk.wait_log("Le capot du scanner est ouvert", 1, SECONDS(30));
    display.screenshot(&screenshot_dir().join("scan-cover-open.png"));
    display.key("Escape");
    end_session(&display, &kiosk);
    assert_eq!(station.records()[0]["scans"], 0);
}
