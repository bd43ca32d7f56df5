//! A real IPP Everywhere printer for tests: CUPS's `ippeveprinter` on loopback, keeping the
//! documents it receives; and small PDFs to send it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `ippeveprinter`.
pub struct TestPrinter {
    child: Child,
    /// Its URI.
    pub uri: String,
    /// Its port on loopback.
    pub port: u16,
    spool: tempfile::TempDir,
}

impl TestPrinter {
    /// Starts a printer; `script` (shell text) runs for each job and may report on stderr
    /// (`ATTR: job-impressions-completed=N`, `STATE: +media-empty`). `None` when ippeveprinter
    /// is not installed and `FLEET_REQUIRE_PRINTER` is unset.
    pub fn start(script: Option<&str>) -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self::start_on(port, script)
    }

    /// Starts a printer on `port`, with a TLS certificate of its own (made at its first start,
    /// as a printer makes one at the factory).
    pub fn start_on(port: u16, script: Option<&str>) -> Option<Self> {
        if Command::new("ippeveprinter").arg("--version").output().is_err() {
            assert!(
                std::env::var("FLEET_REQUIRE_PRINTER").is_err(),
                "FLEET_REQUIRE_PRINTER is set but ippeveprinter is missing (Debian package cups-ipp-utils)"
            );
            eprintln!("skipped: ippeveprinter is not installed (./scripts/test installs it)");
            return None;
        }
        let spool = tempfile::tempdir().unwrap();
        let mut command = Command::new("ippeveprinter");
        command.args([
            "-n",
            "localhost",
            "-p",
            &port.to_string(),
            "-r",
            "off",
            "-f",
            "application/pdf",
            "-k",
        ]);
        command.arg("-d").arg(spool.path().join("jobs"));
        std::fs::create_dir_all(spool.path().join("keys")).unwrap();
        command.arg("-K").arg(spool.path().join("keys"));
        std::fs::create_dir_all(spool.path().join("jobs")).unwrap();
        if let Some(script) = script {
            let path = spool.path().join("print.sh");
            std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
            std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
            command.arg("-c").arg(&path);
        }
        let child = command
            .arg("Imprimante de l'accueil")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let printer = Self { child, uri: format!("ipp://localhost:{port}/ipp/print"), port, spool };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "ippeveprinter did not start (is Avahi running? ./scripts/test starts it)"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(printer)
    }

    /// Its URI for IPP over TLS (the same port).
    pub fn ipps_uri(&self) -> String {
        format!("ipps://localhost:{}/ipp/print", self.port)
    }

    /// The SHA-256 fingerprint of its certificate, as `openssl x509 -fingerprint` shows it.
    pub fn certificate_fingerprint(&self) -> String {
        let keys = self.spool.path().join("keys");
        let deadline = Instant::now() + Duration::from_secs(30);
        let certificate = loop {
            let found = std::fs::read_dir(&keys)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|e| e == "crt"));
            if let Some(found) = found {
                break found;
            }
            assert!(Instant::now() < deadline, "ippeveprinter made no certificate in {}", keys.display());
            std::thread::sleep(Duration::from_millis(50));
        };
        let output = Command::new("openssl")
            .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
            .arg(&certificate)
            .output()
            .expect("openssl runs");
        let text = String::from_utf8(output.stdout).unwrap();
        text.trim().rsplit_once('=').expect("a fingerprint line").1.to_owned()
    }

    /// The documents it kept.
    pub fn documents(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut dirs = vec![self.spool.path().join("jobs")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "pdf") {
                    found.push(path);
                }
            }
        }
        found
    }

    /// Where the documents land.
    pub fn spool(&self) -> &Path {
        self.spool.path()
    }
}

impl Drop for TestPrinter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A PDF of `pages` pages, each saying its number.
pub fn pdf(pages: usize) -> Vec<u8> {
    let texts: Vec<String> = (1..=pages).map(|n| format!("Page {n}")).collect();
    end_to_end::pdf(&texts.iter().map(String::as_str).collect::<Vec<_>>())
}
