//! Session folders: `<state-dir>/sessions/<record-id>/`, holding everything a session leaves on
//! disk (downloads, scans; the web view itself is ephemeral and keeps nothing on disk) and a small
//! anonymous marker.
//!
//! The folder is named after the session's usage-record id, so a session left by a crash or a
//! power cut is recovered at start-up as exactly one `recovered` record, even if the kiosk stops
//! again in the middle of recovering it.

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, Local, NaiveDateTime};
use protocol::{Language, RecordId, SessionEnd, SessionTally, UsageRecord};
use serde::{Deserialize, Serialize};

use crate::outbox::{Outbox, OutboxError};

/// Name of the folder of session folders inside the station directory.
pub const SESSIONS_DIR: &str = "sessions";
const MARKER: &str = "session.json";

/// Why a session folder could not be wiped completely.
#[derive(Debug, thiserror::Error)]
pub enum WipeError {
    /// Removing the folder failed; something of the session may remain.
    #[error("could not delete session folder {path}: {source}")]
    Remove {
        /// The session folder.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The folder still exists after removal.
    #[error("session folder {0} still exists after the wipe")]
    StillThere(PathBuf),
}

/// Why start-up recovery could not account for a session left behind.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    /// The folder of session folders cannot be listed.
    #[error("cannot list {path}: {source}")]
    List {
        /// The folder.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The recovered session's record could not be written.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// The leftover folder could not be wiped.
    #[error(transparent)]
    Wipe(#[from] WipeError),
}

/// What the marker file keeps: when the session started and its anonymous tally so far.
#[derive(Debug, Serialize, Deserialize)]
struct Marker {
    started: NaiveDateTime,
    tally: SessionTally,
}

/// The station's session folders.
#[derive(Debug, Clone)]
pub struct SessionStore {
    root: PathBuf,
}

/// The folder of the session in progress.
#[derive(Debug)]
pub struct SessionFolder {
    id: RecordId,
    path: PathBuf,
    started_local: NaiveDateTime,
    started: Instant,
}

impl SessionStore {
    /// The session folders of a station directory.
    pub fn new(state_dir: &Path) -> Self {
        Self { root: state_dir.join(SESSIONS_DIR) }
    }

    /// Creates the folder of a new session, with its `downloads/` sub-folder.
    pub fn begin(&self, language: Language) -> io::Result<SessionFolder> {
        let id = RecordId::generate();
        let path = self.root.join(id.to_string());
        std::fs::create_dir_all(path.join("downloads"))?;
        let folder =
            SessionFolder { id, path, started_local: Local::now().naive_local(), started: Instant::now() };
        folder.save(&SessionTally::new(language))?;
        Ok(folder)
    }

    /// Session folders present now (left by a crash when the kiosk is starting).
    pub fn leftovers(&self) -> io::Result<Vec<PathBuf>> {
        match std::fs::read_dir(&self.root) {
            Ok(entries) => entries.map(|entry| entry.map(|e| e.path())).collect(),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(error) => Err(error),
        }
    }

    /// Deletes a session folder and checks it is gone; returns how long it took.
    pub fn wipe(&self, path: &Path) -> Result<Duration, WipeError> {
        let start = Instant::now();
        match std::fs::remove_dir_all(path) {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(source) => return Err(WipeError::Remove { path: path.to_owned(), source }),
        }
        if path.exists() {
            return Err(WipeError::StillThere(path.to_owned()));
        }
        Ok(start.elapsed())
    }

    /// Wipes every leftover session folder, writing one `recovered` record for each first (so a
    /// crash during recovery never loses a session, and the outbox never counts one twice).
    pub fn recover(&self, outbox: &mut Outbox) -> Result<Vec<UsageRecord>, RecoveryError> {
        let leftovers =
            self.leftovers().map_err(|source| RecoveryError::List { path: self.root.clone(), source })?;
        let mut recovered = Vec::new();
        for path in leftovers {
            let mut record = recovered_record(&path);
            outbox.append(&record)?;
            let wiped_in = self.wipe(&path)?;
            record.wipe_ms = u32::try_from(wiped_in.as_millis()).unwrap_or(u32::MAX);
            recovered.push(record);
        }
        Ok(recovered)
    }
}

impl SessionFolder {
    /// The session's record id (also the folder's name).
    pub fn id(&self) -> RecordId {
        self.id
    }

    /// The session folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where this session's downloads go.
    pub fn downloads_dir(&self) -> PathBuf {
        self.path.join("downloads")
    }

    /// Where the pages printed from the browser are written before they are sent (created on
    /// demand; not shown among the resident's documents).
    pub fn print_dir(&self) -> PathBuf {
        self.path.join("print")
    }

    /// Where scans land.
    pub fn scans_dir(&self) -> PathBuf {
        self.path.join("scans")
    }

    /// Keeps the tally so far on disk, so a crash still counts the session with its procedures.
    pub fn save(&self, tally: &SessionTally) -> io::Result<()> {
        let marker = Marker { started: self.started_local, tally: tally.clone() };
        let text = serde_json::to_vec(&marker).expect("markers always serialize");
        let temporary = self.path.join(format!("{MARKER}.new"));
        std::fs::write(&temporary, text)?;
        std::fs::rename(temporary, self.path.join(MARKER))
    }

    /// The session's usage record, with the time elapsed since it began.
    pub fn record(&self, tally: SessionTally, end: SessionEnd, wipe: Duration) -> UsageRecord {
        UsageRecord::new(self.id, self.started_local, self.started.elapsed(), tally, end, wipe)
    }
}

/// The record of a session found on disk at start-up: its marker's tally, ended `recovered`, its
/// length taken from the last time the session wrote anything. A folder without a readable marker
/// still counts as one session, dated by the folder itself.
fn recovered_record(path: &Path) -> UsageRecord {
    let last_write = newest_mtime(path).unwrap_or_else(SystemTime::now);
    let marker: Option<Marker> =
        std::fs::read(path.join(MARKER)).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let id = path
        .file_name()
        .and_then(|name| name.to_str())
        .and_then(|name| name.parse::<RecordId>().ok())
        .unwrap_or_else(RecordId::generate);
    match marker {
        Some(Marker { started, tally }) => {
            let ended = DateTime::<Local>::from(last_write).naive_local();
            let duration = (ended - started).to_std().unwrap_or_default();
            UsageRecord::new(id, started, duration, tally, SessionEnd::Recovered, Duration::ZERO)
        }
        None => {
            let started = DateTime::<Local>::from(last_write).naive_local();
            let tally = SessionTally::new(Language::french());
            UsageRecord::new(id, started, Duration::ZERO, tally, SessionEnd::Recovered, Duration::ZERO)
        }
    }
}

/// The latest modification time of anything directly in the session folder or its sub-folders.
fn newest_mtime(path: &Path) -> Option<SystemTime> {
    let mut newest = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let mut pending = vec![path.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).ok()?.flatten() {
            let Ok(metadata) = entry.metadata() else { continue };
            if metadata.is_dir() {
                pending.push(entry.path());
            }
            if let Ok(modified) = metadata.modified() {
                newest = newest.max(Some(modified));
            }
        }
    }
    newest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_folder_is_created_and_wiped_completely() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        let folder = store.begin(Language::french()).unwrap();
        std::fs::write(folder.downloads_dir().join("attestation.pdf"), b"%PDF-1.7").unwrap();
        std::fs::create_dir_all(folder.downloads_dir().join("scans")).unwrap();
        assert_eq!(store.leftovers().unwrap(), [folder.path().to_owned()]);
        store.wipe(folder.path()).unwrap();
        assert!(!folder.path().exists());
        assert!(store.leftovers().unwrap().is_empty());
    }

    #[test]
    fn sessions_left_by_a_crash_are_wiped_and_counted_once_as_recovered() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        let mut outbox = Outbox::open(dir.path()).unwrap();

        let folder = store.begin(Language::new("en").unwrap()).unwrap();
        let mut tally = SessionTally::new(Language::new("en").unwrap());
        tally.open_procedure(&"caf".parse().unwrap());
        tally.assisted = true;
        tally.pages_printed = 2;
        folder.save(&tally).unwrap();
        std::fs::write(folder.downloads_dir().join("attestation.pdf"), b"%PDF-1.7").unwrap();
        std::fs::create_dir_all(dir.path().join(SESSIONS_DIR).join("not-a-session-id")).unwrap();

        let recovered = store.recover(&mut outbox).unwrap();
        assert_eq!(recovered.len(), 2);
        assert!(store.leftovers().unwrap().is_empty(), "nothing of the sessions stays on disk");
        let stored = outbox.records().unwrap();
        assert_eq!(stored.len(), 2);
        let known = stored.iter().find(|r| r.id == folder.id()).expect("the session keeps its id");
        assert_eq!(known.end, SessionEnd::Recovered);
        assert_eq!(known.procedures, ["caf".parse().unwrap()]);
        assert!(known.assisted);
        assert_eq!(known.pages_printed, 2);
        assert_eq!(known.language.as_str(), "en");
        let unknown = stored.iter().find(|r| r.id != folder.id()).unwrap();
        assert_eq!((unknown.end, unknown.duration_min), (SessionEnd::Recovered, 0));
    }

    #[test]
    fn a_crash_in_the_middle_of_recovery_never_counts_a_session_twice() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        let mut outbox = Outbox::open(dir.path()).unwrap();
        let folder = store.begin(Language::french()).unwrap();
        // The record was written, then the kiosk stopped before wiping the folder.
        outbox.append(&recovered_record(folder.path())).unwrap();
        store.recover(&mut outbox).unwrap();
        assert_eq!(outbox.len().unwrap(), 1);
        assert!(!folder.path().exists());
    }
}
