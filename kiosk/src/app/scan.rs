//! Scanning inside a session: one page from the station's scanner into the session folder, on
//! its own thread, with its progress for the resident.

use std::path::Path;
use std::sync::mpsc::{Receiver, TryRecvError};

use crate::scanner::{self, ScanError, ScanSetup, Scanned};

/// What the resident is shown about the scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanView {
    /// Scanning, this many percent done.
    Scanning(u8),
    /// Scanned: the document's name.
    Done(String),
    /// Why it did not work.
    Failed(ScanError),
}

enum Update {
    Progress(u8),
    Finished(Result<Scanned, ScanError>),
}

/// A scan on its own thread.
pub struct ScanRun {
    updates: Receiver<Update>,
}

impl ScanRun {
    /// Starts scanning one page into `dir`.
    pub fn start(setup: ScanSetup, dir: &Path) -> Self {
        let (sender, updates) = std::sync::mpsc::channel();
        let dir = dir.to_owned();
        std::thread::spawn(move || {
            let mut last = None;
            let result = scanner::scan(&setup, &dir, "numerisation", |percent| {
                // Every 10 %: enough for the resident to see it move.
                if last != Some(percent / 10) {
                    last = Some(percent / 10);
                    let _ = sender.send(Update::Progress(percent));
                }
            });
            let _ = sender.send(Update::Finished(result));
        });
        Self { updates }
    }

    /// The latest progress, and the result once the scan is over.
    pub fn poll(&self) -> (Option<u8>, Option<Result<Scanned, ScanError>>) {
        let mut progress = None;
        loop {
            match self.updates.try_recv() {
                Ok(Update::Progress(percent)) => progress = Some(percent),
                Ok(Update::Finished(result)) => return (progress, Some(result)),
                Err(TryRecvError::Empty) => return (progress, None),
                Err(TryRecvError::Disconnected) => {
                    return (progress, Some(Err(ScanError::Failed("the scan stopped unexpectedly".into()))));
                }
            }
        }
    }
}
