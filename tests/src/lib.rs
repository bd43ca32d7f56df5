//! Helpers for the end-to-end tests in `tests/`: where the workspace's programs and shipped
//! configuration are.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the workspace").to_path_buf()
}

/// A file of the shipped `config/` folder.
pub fn shipped_config(name: &str) -> PathBuf {
    workspace().join("config").join(name)
}

/// A program of the workspace, built by the same `cargo test` run (it builds every binary).
pub fn binary(name: &str) -> PathBuf {
    let test_exe = std::env::current_exe().expect("path of the test executable");
    let profile_dir = test_exe.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>");
    let path = profile_dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: build the workspace first (cargo build --workspace)",
        path.display()
    );
    path
}

/// Runs a workspace program with `args` and waits for it.
pub fn run(name: &str, args: &[&str]) -> Output {
    Command::new(binary(name)).args(args).output().unwrap_or_else(|e| panic!("{name} cannot start: {e}"))
}
