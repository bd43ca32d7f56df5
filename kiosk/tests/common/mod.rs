//! Real-window test helpers: Xvfb, stand-in sites on loopback, test policies, the kiosk itself.

#![allow(dead_code)]

pub mod scanner;
pub mod screens;
pub mod site;
pub mod x11;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub use site::{Page, Site};
pub use x11::Xvfb;

/// A station directory and policy for one test.
pub struct Station {
    pub dir: tempfile::TempDir,
}

impl Station {
    /// A station whose policy has one procedure allowing exactly `allowed` (an origin such as
    /// `http://127.0.0.2:PORT`), with the given idle timeouts.
    pub fn new(allowed: &str, start: &str, idle_timeout_s: u32, idle_warning_s: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("state")).unwrap();
        let station = Self { dir };
        station.write_policy(&policy_text(allowed, start, idle_timeout_s, idle_warning_s));
        station
    }

    pub fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    pub fn policy(&self) -> PathBuf {
        self.dir.path().join("policy.toml")
    }

    /// Replaces the policy the way the agent does (new file renamed over the old one).
    pub fn write_policy(&self, text: &str) {
        let temporary = self.dir.path().join("policy.toml.new");
        std::fs::write(&temporary, text).unwrap();
        std::fs::rename(temporary, self.policy()).unwrap();
    }

    /// The usage records in the outbox, as JSON texts.
    pub fn records(&self) -> Vec<serde_json::Value> {
        let path = self.state().join("outbox.db");
        if !path.exists() {
            return Vec::new();
        }
        let connection = rusqlite::Connection::open(path).unwrap();
        let mut statement = connection.prepare("SELECT body FROM usage_record ORDER BY id").unwrap();
        statement
            .query_map([], |row| row.get::<_, String>(0))
            .unwrap()
            .map(|body| serde_json::from_str(&body.unwrap()).unwrap())
            .collect()
    }

    /// Raw outbox bodies, to look for anything that must never be there.
    pub fn raw_records(&self) -> String {
        self.records().iter().map(|r| r.to_string()).collect::<Vec<_>>().join("\n")
    }

    /// Session folders present now.
    pub fn session_folders(&self) -> Vec<PathBuf> {
        match std::fs::read_dir(self.state().join("sessions")) {
            Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Runs `kiosk bench` on `display` and waits for it.
    pub fn bench(&self, display: &Xvfb, url: &str, sessions: u32, ready_title: &str) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kiosk"))
            .args(["bench", "--policy", self.policy().to_str().unwrap(), "--url", url])
            .args(["--sessions", &sessions.to_string(), "--ready-title", ready_title])
            .args(["--state-dir", self.state().to_str().unwrap(), "--config", "/nonexistent/kiosk.toml"])
            .env("DISPLAY", display.name())
            .env("KIOSK_LOG", "kiosk=info")
            .output()
            .unwrap()
    }

    /// Starts `kiosk run` on `display`; its log goes to a file of the station.
    pub fn run(&self, display: &Xvfb, config: Option<&str>) -> Kiosk {
        self.run_with_env(display, config, &[])
    }

    /// Starts `kiosk run` with extra environment variables (e.g. `SANE_CONFIG_DIR`).
    pub fn run_with_env(&self, display: &Xvfb, config: Option<&str>, env: &[(&str, &Path)]) -> Kiosk {
        let config_path = self.dir.path().join("kiosk.toml");
        std::fs::write(&config_path, config.unwrap_or("")).unwrap();
        let log_path = self.dir.path().join("kiosk.log");
        let log = std::fs::File::create(&log_path).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_kiosk"))
            .args(["run", "--policy", self.policy().to_str().unwrap()])
            .args(["--state-dir", self.state().to_str().unwrap(), "--config", config_path.to_str().unwrap()])
            .env("DISPLAY", display.name())
            .env("KIOSK_LOG", "kiosk=debug")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Kiosk { child, log: log_path }
    }
}

/// A running `kiosk run`.
pub struct Kiosk {
    child: Child,
    log: PathBuf,
}

impl Kiosk {
    /// The kiosk's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether the log contains `needle` `count` times within `timeout`.
    pub fn logged_within(&self, needle: &str, count: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.log().matches(needle).count() < count {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        true
    }

    /// Waits until the log contains `needle` `count` times.
    pub fn wait_log(&self, needle: &str, count: usize, timeout: Duration) {
        if !self.logged_within(needle, count, timeout) {
            let log = self.log();
            let tail: Vec<&str> = log.lines().rev().take(25).collect::<Vec<_>>().into_iter().rev().collect();
            panic!(
                "timed out after {timeout:?} waiting for {count}× {needle:?}; kiosk log:\n{}",
                tail.join("\n")
            );
        }
    }
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `condition` holds, or fails the test after `timeout`, naming what was awaited.
pub fn wait_for(what: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A policy with one procedure over one stand-in origin.
pub fn policy_text(allowed: &str, start: &str, idle_timeout_s: u32, idle_warning_s: u32) -> String {
    format!(
        r#"version = 1
[station]
idle_timeout_s = {idle_timeout_s}
idle_warning_s = {idle_warning_s}
assisted_idle_timeout_s = 1200
max_pages_per_session = 20
languages = ["fr", "en"]
funding_notice = "Ce point d'accès numérique est cofinancé par l'Union européenne (FEDER)."
help = "Besoin d'aide ? Demandez à l'accueil."

[[procedure]]
id = "ants-identite"
title = {{ fr = "Carte d'identité et passeport", en = "ID card and passport" }}
description = {{ fr = "Faire une pré-demande et prendre rendez-vous.", en = "Pre-apply and book." }}
category = "papiers_elections_citoyennete"
icon = "id-card"
start = "{start}"
allow = ["{allowed}"]

[[procedure]]
id = "caf"
title = {{ fr = "Allocations familiales (CAF)", en = "Family allowances (CAF)" }}
description = {{ fr = "Consulter mes droits, imprimer une attestation.", en = "My benefits, a certificate." }}
category = "social_sante"
icon = "family"
start = "{start}"
allow = ["{allowed}"]
"#
    )
}

/// The JSON line `kiosk bench` printed, or a failure with its log.
pub fn bench_figures(output: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "kiosk bench failed: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap()
}

/// Where test runs leave screenshots for people to look at.
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
