//! The printer part of the health report, against a real IPP Everywhere printer: CUPS's
//! `ippeveprinter` (Debian package cups-ipp-utils, installed by `./scripts/test`) on loopback.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fleet_agent::printer::printer_health;
use protocol::health::PrinterState;

struct Printer {
    child: Child,
    uri: String,
    _spool: tempfile::TempDir,
}

impl Printer {
    fn start() -> Option<Self> {
        if Command::new("ippeveprinter").arg("--version").output().is_err() {
            assert!(
                std::env::var("FLEET_REQUIRE_PRINTER").is_err(),
                "FLEET_REQUIRE_PRINTER is set but ippeveprinter is missing (Debian package cups-ipp-utils)"
            );
            eprintln!("skipped: ippeveprinter is not installed (./scripts/test installs it)");
            return None;
        }
        let spool = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("ippeveprinter")
            .args(["-n", "localhost", "-p", &port.to_string(), "-r", "off", "-f", "application/pdf", "-k"])
            .arg("-d")
            .arg(spool.path())
            .arg("Imprimante de l'accueil")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Some(Self { child, uri: format!("ipp://localhost:{port}/ipp/print"), _spool: spool })
    }
}

impl Drop for Printer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_ready_printer_reports_its_state_and_supplies() {
    let Some(printer) = Printer::start() else { return };
    let deadline = Instant::now() + Duration::from_secs(30);
    let health = loop {
        let health = printer_health(&printer.uri);
        if health.state != PrinterState::Unreachable || Instant::now() > deadline {
            break health;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(health.state, PrinterState::Idle, "{health:?}");
    assert_eq!(health.error, None);
    assert!(health.reasons.iter().all(|r| r == "none"), "{:?}", health.reasons);
    assert!(!health.supplies.is_empty(), "the test printer reports its toner: {health:?}");
    assert!(health.supplies.iter().any(|s| s.level_percent.is_some_and(|l| l <= 100)), "{health:?}");

    // Stopped printer: unreachable, with the reason.
    drop(printer);
}
