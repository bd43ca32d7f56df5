//! What a command-line command prints and how it exits.

use std::process::ExitCode;

/// Exit code of a usage error (bad arguments, unreadable or invalid policy for `explain`).
pub const USAGE_ERROR: u8 = 2;

/// What a command prints and how it exits.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Exit status.
    pub code: u8,
    /// Text for standard output.
    pub stdout: String,
    /// Text for standard error.
    pub stderr: String,
}

impl Outcome {
    /// An outcome with these texts.
    pub fn new(code: u8, stdout: String, stderr: String) -> Self {
        Self { code, stdout, stderr }
    }

    /// Prints the texts and returns the exit code.
    pub fn emit(self) -> ExitCode {
        print!("{}", self.stdout);
        eprint!("{}", self.stderr);
        ExitCode::from(self.code)
    }
}
