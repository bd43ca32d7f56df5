//! One resident's session: its folder, its browser, what it counts, its idle watch.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use protocol::policy::Station;
use protocol::{Matcher, ProcedureId, SessionTally};

use super::print::{PrintRun, PrintView};
use super::scan::{ScanRun, ScanView};
use crate::browser::Browser;
use crate::documents::{self, Document};
use crate::idle::IdleWatch;
use crate::refusal::Refusal;
use crate::session_store::SessionFolder;

/// A session in progress.
pub struct Session {
    /// Its folder (downloads; deleted by the wipe).
    pub folder: SessionFolder,
    /// What it counts for the usage record.
    pub tally: SessionTally,
    /// The webview, once a procedure was opened.
    pub browser: Option<Browser>,
    /// The procedure shown now.
    pub procedure: ProcedureId,
    /// What the session may visit now (the current procedure's rules and bundles).
    pub matcher: Rc<RefCell<Matcher>>,
    /// Input watch for the countdown.
    pub idle: IdleWatch,
    /// Last input seen inside the webview (updated by GTK callbacks).
    pub web_input: Rc<Cell<Instant>>,
    /// Whether the page shown was opened as a "new window" (then a close button is offered).
    pub in_new_window: bool,
    /// Why the last page was blocked, for the help screen.
    pub last_blocked: Option<Refusal>,
    /// Whether the idle countdown is showing (to log its start and end once).
    pub countdown_shown: bool,
    /// The document being printed, while it prints.
    pub print_run: Option<PrintRun>,
    /// What the print dialog shows (the last print's news).
    pub print_view: Option<PrintView>,
    /// Pages printed to PDF from the browser so far (names the files).
    pub print_count: u32,
    /// The session's documents as last listed ("Mes documents", the upload chooser).
    pub documents: Vec<Document>,
    /// The scan in progress.
    pub scan_run: Option<ScanRun>,
    /// What the documents page shows about the last scan.
    pub scan_view: Option<ScanView>,
}

impl Session {
    /// A new session for `procedure`.
    pub fn new(
        folder: SessionFolder,
        tally: SessionTally,
        procedure: ProcedureId,
        matcher: Matcher,
        station: &Station,
    ) -> Self {
        let now = Instant::now();
        let mut session = Self {
            folder,
            tally,
            browser: None,
            procedure,
            matcher: Rc::new(RefCell::new(matcher)),
            idle: IdleWatch::new(Duration::ZERO, Duration::ZERO, now),
            web_input: Rc::new(Cell::new(now)),
            in_new_window: false,
            last_blocked: None,
            countdown_shown: false,
            print_run: None,
            print_view: None,
            print_count: 0,
            documents: Vec::new(),
            scan_run: None,
            scan_view: None,
        };
        session.apply_timeouts(station);
        session
    }

    /// Sets the idle timeouts for the session (longer when assisted).
    pub fn apply_timeouts(&mut self, station: &Station) {
        let timeout =
            if self.tally.assisted { station.assisted_idle_timeout_s } else { station.idle_timeout_s };
        self.idle.set_timeouts(
            Duration::from_secs(timeout.into()),
            Duration::from_secs(station.idle_warning_s.into()),
        );
    }

    /// Folds the webview's input into the idle watch.
    pub fn note_web_input(&mut self) {
        self.idle.input(self.web_input.get());
    }

    /// Lists the session's documents again (after a download, a scan, a deletion).
    pub fn refresh_documents(&mut self) {
        self.documents = documents::list(&self.folder.downloads_dir(), &self.folder.scans_dir());
    }

    /// Saves the tally next to the session's files, so a crash still counts the session.
    pub fn save(&self) {
        if let Err(error) = self.folder.save(&self.tally) {
            tracing::warn!(%error, "could not save the session's tally");
        }
    }
}
