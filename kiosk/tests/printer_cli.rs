//! `kiosk printer status|print`, the IT staff's printer checks, against CUPS's `ippeveprinter`.

#[allow(dead_code)]
#[path = "../../printing/tests/common/printer.rs"]
mod printer;

use std::process::Command;

use printer::{TestPrinter, pdf};

fn kiosk(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_kiosk")).args(args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn status_prints_the_printer_state_as_json() {
    let Some(printer) = TestPrinter::start(None) else { return };
    let (code, stdout, stderr) = kiosk(&["printer", "status", "--printer", &printer.uri]);
    assert_eq!(code, 0, "{stderr}");
    let health: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(health["state"], "idle");
    assert!(health["supplies"].as_array().is_some_and(|s| !s.is_empty()), "{health}");

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (code, stdout, _) =
        kiosk(&["printer", "status", "--printer", &format!("ipp://127.0.0.1:{port}/ipp/print")]);
    assert_eq!(code, 1);
    assert!(stdout.contains("\"unreachable\""), "{stdout}");
}

#[test]
fn print_sends_a_pdf_and_reports_the_pages_printed() {
    let script = "cat > /dev/null; echo 'ATTR: job-impressions-completed=3' >&2";
    let Some(printer) = TestPrinter::start(Some(script)) else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("attestation.pdf");
    std::fs::write(&file, pdf(3)).unwrap();
    let (code, stdout, stderr) =
        kiosk(&["printer", "print", "--printer", &printer.uri, file.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("Completed") && stdout.contains("pages printed: 3"), "{stdout}");
    assert_eq!(printer.documents().len(), 1);

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a pdf").unwrap();
    let (code, _, stderr) = kiosk(&["printer", "print", "--printer", &printer.uri, text.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("not a PDF"), "{stderr}");
}
