//! SANE's `test` backend as the station scanner: a SANE configuration that enables only it.

use std::process::Command;

/// A SANE configuration directory (`SANE_CONFIG_DIR`) where the `test` backend is the only one.
pub struct TestScanner {
    dir: tempfile::TempDir,
}

impl TestScanner {
    /// `None` when `scanimage` is not installed and `FLEET_REQUIRE_SCANNER` is unset.
    pub fn new() -> Option<Self> {
        if Command::new("scanimage").arg("--version").output().is_err() {
            assert!(
                std::env::var("FLEET_REQUIRE_SCANNER").is_err(),
                "FLEET_REQUIRE_SCANNER is set but scanimage is missing (Debian package sane-utils)"
            );
            eprintln!("skipped: scanimage is not installed (./scripts/test installs it)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("dll.conf"), "test\n").unwrap();
        Some(Self { dir })
    }

    /// The `SANE_CONFIG_DIR` value.
    pub fn config_dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}
