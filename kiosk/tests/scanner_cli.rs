//! `kiosk scanner list|scan`, the IT staff's scanner checks, against SANE's `test` scanner.

#[path = "common/scanner.rs"]
mod scanner;

use std::process::Command;

use scanner::TestScanner;

fn kiosk(scanner: &TestScanner, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(args)
        .env("SANE_CONFIG_DIR", scanner.config_dir())
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn list_shows_the_scanners_found() {
    let Some(scanner) = TestScanner::new() else { return };
    let (code, stdout, stderr) = kiosk(&scanner, &["scanner", "list"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.lines().next().is_some_and(|l| l.starts_with("test:0\tNoname frontend-tester")),
        "{stdout}"
    );
}

#[test]
fn scan_writes_a_jpeg_and_a_one_page_pdf_and_prints_their_paths() {
    let Some(scanner) = TestScanner::new() else { return };
    let out = tempfile::tempdir().unwrap();
    let args =
        ["scanner", "scan", "--out", out.path().to_str().unwrap(), "--", "--test-picture", "Color pattern"];
    let (code, stdout, stderr) = kiosk(&scanner, &args);
    assert_eq!(code, 0, "{stderr}");
    let paths: Vec<&str> = stdout.lines().collect();
    assert_eq!(paths.len(), 2, "{stdout}");
    let jpeg = std::fs::read(paths[0]).unwrap();
    assert!(paths[0].ends_with("numerisation-1.jpg") && jpeg.starts_with(&[0xFF, 0xD8]), "{stdout}");
    let pdf = std::fs::read(paths[1]).unwrap();
    assert_eq!(printing::pdf::page_count(&pdf), Ok(1));
    assert!(pdf.windows(jpeg.len()).any(|w| w == jpeg), "the PDF holds the scanned image as it is");

    // The next scan does not overwrite the first.
    let (code, stdout, _) = kiosk(&scanner, &args);
    assert_eq!(code, 0);
    assert!(stdout.contains("numerisation-2.jpg"), "{stdout}");
}

#[test]
fn scanner_problems_are_named_and_leave_no_file() {
    let Some(scanner) = TestScanner::new() else { return };
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    let cases = [
        ("SANE_STATUS_COVER_OPEN", "cover is open"),
        ("SANE_STATUS_DEVICE_BUSY", "busy"),
        ("SANE_STATUS_NO_DOCS", "feeder is empty"),
    ];
    for (status, message) in cases {
        let args =
            ["scanner", "scan", "--device", "test:0", "--out", dir, "--", "--read-return-value", status];
        let (code, _, stderr) = kiosk(&scanner, &args);
        assert_eq!(code, 1, "{status}");
        assert!(stderr.contains(message), "{status}: {stderr}");
    }
    let (code, _, stderr) = kiosk(&scanner, &["scanner", "scan", "--device", "absent:0", "--out", dir]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no scanner found"), "{stderr}");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0, "nothing half-written is left");
}
