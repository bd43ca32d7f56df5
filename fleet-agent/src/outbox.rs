//! The kiosk's usage outbox (`<station>/outbox.db`, table `usage_record(id, body, written_at)`),
//! as the agent uses it: read the oldest records, delete those the server has.
//!
//! A record whose body cannot be read, or that the server refuses as invalid, is moved to the
//! table `rejected_record` of the same file with the reason, never deleted: nothing is lost,
//! and it does not block the records behind it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use protocol::{RecordId, UsageRecord};
use rusqlite::{Connection, params};

/// The outbox, opened by the agent.
pub struct Outbox {
    connection: Connection,
    path: PathBuf,
}

/// A problem with the outbox file, naming it.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct OutboxError {
    /// The outbox file.
    pub path: PathBuf,
    /// What failed.
    pub source: rusqlite::Error,
}

impl Outbox {
    /// Opens the outbox, creating it (as the kiosk would) when the kiosk has not yet.
    pub fn open(path: &Path) -> Result<Self, OutboxError> {
        let fail = |source| OutboxError { path: path.to_owned(), source };
        let connection = Connection::open(path).map_err(fail)?;
        connection.busy_timeout(Duration::from_secs(10)).map_err(fail)?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = FULL;
                 CREATE TABLE IF NOT EXISTS usage_record (
                     id TEXT PRIMARY KEY NOT NULL,
                     body TEXT NOT NULL,
                     written_at INTEGER NOT NULL
                 ) STRICT;
                 CREATE TABLE IF NOT EXISTS rejected_record (
                     id TEXT PRIMARY KEY NOT NULL,
                     body TEXT NOT NULL,
                     reason TEXT NOT NULL,
                     rejected_at INTEGER NOT NULL
                 ) STRICT;",
            )
            .map_err(fail)?;
        Ok(Self { connection, path: path.to_owned() })
    }

    fn fail(&self) -> impl Fn(rusqlite::Error) -> OutboxError + '_ {
        |source| OutboxError { path: self.path.clone(), source }
    }

    /// Up to `limit` of the oldest records; unreadable ones are set aside on the way.
    pub fn oldest(&mut self, limit: usize) -> Result<Vec<UsageRecord>, OutboxError> {
        let mut records = Vec::new();
        let mut unreadable = Vec::new();
        {
            let mut statement = self
                .connection
                .prepare("SELECT id, body FROM usage_record ORDER BY id")
                .map_err(self.fail())?;
            let mut rows = statement.query([]).map_err(self.fail())?;
            while records.len() < limit {
                let Some(row) = rows.next().map_err(self.fail())? else { break };
                let (id, body): (String, String) =
                    (row.get(0).map_err(self.fail())?, row.get(1).map_err(self.fail())?);
                match serde_json::from_str::<UsageRecord>(&body) {
                    Ok(record) => records.push(record),
                    Err(error) => unreadable.push((id, error.to_string())),
                }
            }
        }
        for (id, reason) in unreadable {
            tracing::error!(record = %id, %reason, "unreadable usage record set aside in rejected_record");
            self.reject(&id, &format!("unreadable: {reason}"))?;
        }
        Ok(records)
    }

    /// Moves a record to `rejected_record` with the reason.
    pub fn reject(&mut self, id: &str, reason: &str) -> Result<(), OutboxError> {
        let path = self.path.clone();
        let fail = |source| OutboxError { path: path.clone(), source };
        let transaction = self.connection.transaction().map_err(fail)?;
        transaction
            .execute(
                "INSERT INTO rejected_record (id, body, reason, rejected_at)
                 SELECT id, body, ?2, unixepoch() FROM usage_record WHERE id = ?1
                 ON CONFLICT (id) DO NOTHING",
                params![id, reason],
            )
            .map_err(fail)?;
        transaction.execute("DELETE FROM usage_record WHERE id = ?1", params![id]).map_err(fail)?;
        transaction.commit().map_err(fail)
    }

    /// Deletes the records the server has (stored now or before), in one transaction.
    pub fn delete(&mut self, ids: &[RecordId]) -> Result<(), OutboxError> {
        let path = self.path.clone();
        let fail = |source| OutboxError { path: path.clone(), source };
        let transaction = self.connection.transaction().map_err(fail)?;
        {
            let mut statement =
                transaction.prepare("DELETE FROM usage_record WHERE id = ?1").map_err(fail)?;
            for id in ids {
                statement.execute(params![id.to_string()]).map_err(fail)?;
            }
        }
        transaction.commit().map_err(fail)
    }

    /// How many records wait.
    pub fn len(&self) -> Result<u64, OutboxError> {
        let count: i64 = self
            .connection
            .query_row("SELECT count(*) FROM usage_record", [], |row| row.get(0))
            .map_err(self.fail())?;
        Ok(count.unsigned_abs())
    }

    /// Whether no record waits.
    pub fn is_empty(&self) -> Result<bool, OutboxError> {
        Ok(self.len()? == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{Language, SessionEnd, SessionTally};

    fn record() -> UsageRecord {
        let started = chrono::NaiveDate::from_ymd_opt(2026, 11, 3).unwrap().and_hms_opt(10, 0, 0).unwrap();
        UsageRecord::new(
            RecordId::generate(),
            started,
            Duration::from_secs(300),
            SessionTally::new(Language::french()),
            SessionEnd::User,
            Duration::from_millis(10),
        )
    }

    fn put(outbox: &Outbox, id: &str, body: &str) {
        outbox
            .connection
            .execute("INSERT INTO usage_record (id, body, written_at) VALUES (?1, ?2, 0)", params![id, body])
            .unwrap();
    }

    #[test]
    fn records_go_oldest_first_and_leave_only_when_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let mut outbox = Outbox::open(&dir.path().join("outbox.db")).unwrap();
        let records: Vec<UsageRecord> = (0..5).map(|_| record()).collect();
        for r in records.iter().rev() {
            put(&outbox, &r.id.to_string(), &serde_json::to_string(r).unwrap());
        }
        let batch = outbox.oldest(3).unwrap();
        assert_eq!(batch, records[..3]);
        assert_eq!(outbox.len().unwrap(), 5, "reading deletes nothing");
        outbox.delete(&[records[0].id, records[1].id]).unwrap();
        assert_eq!(outbox.oldest(10).unwrap(), records[2..]);
    }

    #[test]
    fn unreadable_records_are_set_aside_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let mut outbox = Outbox::open(&dir.path().join("outbox.db")).unwrap();
        put(&outbox, "0000-bad", "{not json");
        let good = record();
        put(&outbox, &good.id.to_string(), &serde_json::to_string(&good).unwrap());
        assert_eq!(outbox.oldest(10).unwrap(), vec![good]);
        assert_eq!(outbox.len().unwrap(), 1);
        let kept: String = outbox
            .connection
            .query_row("SELECT body FROM rejected_record WHERE id = '0000-bad'", [], |row| row.get(0))
            .unwrap();
        assert_eq!(kept, "{not json");
    }
}
