//! Printing inside a session: the page shown (printed to PDF by WebKit) or a document of the
//! session, checked against the station's page cap, then sent and followed on its own thread
//! while the resident sees each step in plain words.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::Duration;

use printing::{PrintRequest, Progress};

/// What the resident is shown about the print in progress or just finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintView {
    /// The page is being turned into a document.
    Preparing,
    /// A step of the run (sending, printing page k of n with the printer's problems, done…).
    Run {
        /// The document's pages.
        pages: u32,
        /// Where the run is.
        progress: Progress,
    },
    /// The page cap would be passed: nothing was sent.
    TooManyPages {
        /// The document's pages.
        pages: u32,
        /// Pages the session may still print.
        left: u32,
    },
    /// The document could not be prepared or read.
    CannotPrint(String),
}

/// A print run on its own thread.
pub struct PrintRun {
    /// Pages of the document (reserved against the cap until the run ends).
    pub pages: u32,
    updates: Receiver<Progress>,
    stop: Arc<AtomicBool>,
}

impl PrintRun {
    /// Sends `pdf` to `printer` on a new thread.
    pub fn start(printer: &str, pdf: Vec<u8>, pages: u32, title: &str, stuck_after: Duration) -> Self {
        let request =
            PrintRequest { printer: printer.to_owned(), pdf, pages, title: title.to_owned(), stuck_after };
        let (sender, updates) = std::sync::mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let cancel = stop.clone();
        std::thread::spawn(move || {
            printing::print_and_follow(&request, &cancel, |progress| {
                let _ = sender.send(progress);
            });
        });
        Self { pages, updates, stop }
    }

    /// The steps reached since the last call, and whether the run is over.
    pub fn updates(&self) -> (Vec<Progress>, bool) {
        let mut steps = Vec::new();
        loop {
            match self.updates.try_recv() {
                Ok(step) => steps.push(step),
                Err(TryRecvError::Empty) => return (steps, false),
                Err(TryRecvError::Disconnected) => return (steps, true),
            }
        }
    }

    /// Asks the run to cancel its job (the session ends); the thread does it in the background.
    pub fn cancel(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Reads a document to print (a PDF, or a JPEG made into a one-page PDF) and counts its pages.
pub fn read_document(path: &Path) -> Result<(Vec<u8>, u32), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let pdf = match crate::documents::kind_of(path) {
        crate::documents::Kind::Jpeg => {
            printing::image_pdf::jpeg_to_pdf(&bytes).map_err(|e| format!("{}: {e}", path.display()))?
        }
        _ => bytes,
    };
    let pages = printing::pdf::page_count(&pdf).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((pdf, pages))
}
