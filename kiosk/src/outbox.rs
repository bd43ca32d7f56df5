//! The usage outbox: `<state-dir>/outbox.db`, where each finished session leaves exactly one
//! anonymous usage record for the agent to send.
//!
//! SQLite in WAL mode with `synchronous = FULL`, so a record written before a wipe survives a power
//! cut, and the agent can read and delete while the kiosk writes. A record is stored under its id:
//! writing the same record twice (a crash between writing and wiping) stores it once.

use std::path::{Path, PathBuf};
use std::time::Duration;

use protocol::UsageRecord;
use rusqlite::{Connection, ErrorCode, params};

/// File name of the outbox inside the station directory.
pub const FILE_NAME: &str = "outbox.db";

/// Why the outbox could not be used. Messages name the file; a full disk is told apart.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The disk holding the outbox is full: the record could not be written.
    #[error("{path}: the disk is full, the usage record could not be written")]
    Full {
        /// The outbox file.
        path: PathBuf,
    },
    /// Any other database or file-system failure.
    #[error("{path}: {source}")]
    Database {
        /// The outbox file.
        path: PathBuf,
        /// The underlying error.
        source: rusqlite::Error,
    },
    /// A stored record cannot be read back (written by an incompatible version, or damaged).
    #[error("{path}: stored record {id} cannot be read: {reason}")]
    Unreadable {
        /// The outbox file.
        path: PathBuf,
        /// The record's id as stored.
        id: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// An open outbox.
pub struct Outbox {
    connection: Connection,
    path: PathBuf,
}

impl Outbox {
    /// Opens (creating if needed) the outbox of a station directory.
    pub fn open(state_dir: &Path) -> Result<Self, OutboxError> {
        let path = state_dir.join(FILE_NAME);
        let fail = |source| classify(&path, source);
        let connection = Connection::open(&path).map_err(fail)?;
        connection.busy_timeout(Duration::from_secs(5)).map_err(fail)?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = FULL;
                 CREATE TABLE IF NOT EXISTS usage_record (
                     id TEXT PRIMARY KEY NOT NULL,
                     body TEXT NOT NULL,
                     written_at INTEGER NOT NULL
                 ) STRICT;",
            )
            .map_err(fail)?;
        Ok(Self { connection, path })
    }

    /// Writes one record in one transaction. Returns `false` when a record with this id is
    /// already there (nothing is written twice).
    pub fn append(&mut self, record: &UsageRecord) -> Result<bool, OutboxError> {
        let body = serde_json::to_string(record).expect("usage records always serialize");
        let path = self.path.clone();
        let fail = |source| classify(&path, source);
        let transaction = self.connection.transaction().map_err(fail)?;
        let inserted = transaction
            .execute(
                "INSERT INTO usage_record (id, body, written_at) VALUES (?1, ?2, unixepoch())
                 ON CONFLICT (id) DO NOTHING",
                params![record.id.to_string(), body],
            )
            .map_err(fail)?;
        transaction.commit().map_err(fail)?;
        Ok(inserted == 1)
    }

    /// Every record waiting to be sent, oldest first.
    pub fn records(&self) -> Result<Vec<UsageRecord>, OutboxError> {
        let fail = |source| classify(&self.path, source);
        let mut statement =
            self.connection.prepare("SELECT id, body FROM usage_record ORDER BY id").map_err(fail)?;
        let rows = statement
            .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))
            .map_err(fail)?;
        let mut records = Vec::new();
        for row in rows {
            let (id, body) = row.map_err(fail)?;
            let record = serde_json::from_str(&body).map_err(|e| OutboxError::Unreadable {
                path: self.path.clone(),
                id,
                reason: e.to_string(),
            })?;
            records.push(record);
        }
        Ok(records)
    }

    /// How many records wait to be sent.
    pub fn len(&self) -> Result<u64, OutboxError> {
        let count: i64 = self
            .connection
            .query_row("SELECT count(*) FROM usage_record", [], |row| row.get(0))
            .map_err(|source| classify(&self.path, source))?;
        Ok(count.unsigned_abs())
    }

    /// Whether no record waits.
    pub fn is_empty(&self) -> Result<bool, OutboxError> {
        Ok(self.len()? == 0)
    }
}

fn classify(path: &Path, source: rusqlite::Error) -> OutboxError {
    match source.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => OutboxError::Full { path: path.to_owned() },
        _ => OutboxError::Database { path: path.to_owned(), source },
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::NaiveDate;
    use protocol::{Language, RecordId, SessionEnd, SessionTally};

    use super::*;

    fn record() -> UsageRecord {
        let mut tally = SessionTally::new(Language::french());
        tally.open_procedure(&"caf".parse().unwrap());
        let started = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap().and_hms_opt(10, 5, 0).unwrap();
        let wipe = Duration::from_millis(14);
        UsageRecord::new(
            RecordId::generate(),
            started,
            Duration::from_secs(300),
            tally,
            SessionEnd::User,
            wipe,
        )
    }

    #[test]
    fn a_record_is_stored_once_and_read_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut outbox = Outbox::open(dir.path()).unwrap();
        let first = record();
        assert!(outbox.append(&first).unwrap());
        assert!(!outbox.append(&first).unwrap(), "the same session is never counted twice");
        let second = record();
        assert!(outbox.append(&second).unwrap());
        drop(outbox);

        let outbox = Outbox::open(dir.path()).unwrap();
        assert_eq!(outbox.len().unwrap(), 2);
        assert_eq!(outbox.records().unwrap(), [first, second]);
        let mode: String = outbox.connection.query_row("PRAGMA journal_mode", [], |row| row.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn an_unusable_location_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-dir");
        let error = Outbox::open(&missing).err().unwrap().to_string();
        assert!(error.starts_with(&missing.join(FILE_NAME).display().to_string()), "{error}");
    }
}
