//! Usage records: stored once per (station, record id), whatever the number of re-sends.

use std::collections::HashSet;

use protocol::{RecordId, UsageRecord};

use super::{Backend, Store, StoreError, with_pool};

/// What happened to each record of a batch.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Ingested {
    /// Stored by this call.
    pub accepted: Vec<RecordId>,
    /// Already there.
    pub duplicates: Vec<RecordId>,
}

impl Store {
    /// Stores a batch of a station's records in one statement, skipping those it has already.
    ///
    /// The batch travels as one JSON parameter that the database expands itself (`json_each` on
    /// SQLite, `jsonb_array_elements` on PostgreSQL): one round trip however many records.
    pub async fn insert_records(
        &self,
        station_id: &str,
        records: &[UsageRecord],
        now: i64,
    ) -> Result<Ingested, StoreError> {
        if records.is_empty() {
            return Ok(Ingested::default());
        }
        let batch = if records.iter().any(exceeds_columns) {
            let capped: Vec<UsageRecord> = records.iter().map(capped).collect();
            serde_json::to_string(&capped)
        } else {
            serde_json::to_string(records)
        }
        .expect("usage records serialize");
        let existing: Vec<String> = match &self.backend {
            Backend::Sqlite(pool) => {
                // Which ids are there already, then one insert without per-row answers: SQLite
                // writes one at a time and BEGIN IMMEDIATE takes the write lock first, so nothing can slip in
                // between.
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let existing = sqlx::query_scalar(EXISTING_SQLITE)
                    .bind(station_id)
                    .bind(&batch)
                    .fetch_all(&mut *tx)
                    .await?;
                sqlx::query(INSERT_SQLITE).bind(station_id).bind(&batch).bind(now).execute(&mut *tx).await?;
                tx.commit().await?;
                existing
            }
            Backend::Postgres(pool) => {
                let stored: Vec<String> = sqlx::query_scalar(INSERT_POSTGRES)
                    .bind(station_id)
                    .bind(&batch)
                    .bind(now)
                    .fetch_all(pool)
                    .await?;
                let stored: HashSet<String> = stored.into_iter().collect();
                records.iter().map(|r| r.id.to_string()).filter(|id| !stored.contains(id)).collect()
            }
        };
        let existing: HashSet<String> = existing.into_iter().collect();
        let mut seen = HashSet::with_capacity(records.len());
        let mut ingested = Ingested::default();
        for record in records {
            // Within a batch, the first copy of a record is stored and any other is a duplicate.
            if seen.insert(record.id) && !existing.contains(&record.id.to_string()) {
                ingested.accepted.push(record.id);
            } else {
                ingested.duplicates.push(record.id);
            }
        }
        Ok(ingested)
    }

    /// How many usage records are stored (all stations).
    pub async fn count_records(&self) -> Result<i64, StoreError> {
        with_pool!(self, pool => {
            Ok(sqlx::query_scalar("SELECT count(*) FROM usage_record").fetch_one(pool).await?)
        })
    }
}

const INSERT_SQLITE: &str = "
    INSERT INTO usage_record (station_id, record_id, day, hour, duration_min, procedures, assisted, language,
        large_text, high_contrast, pages_printed, scans, downloads, blocked, end_reason, wipe_ms, received_at)
    SELECT $1, r.value ->> '$.id', r.value ->> '$.date', r.value ->> '$.hour', r.value ->> '$.duration_min',
        (SELECT coalesce(group_concat(p.value, ','), '') FROM json_each(r.value, '$.procedures') AS p),
        r.value ->> '$.assisted', r.value ->> '$.language', r.value ->> '$.large_text',
        r.value ->> '$.high_contrast', r.value ->> '$.pages_printed', r.value ->> '$.scans',
        r.value ->> '$.downloads', r.value ->> '$.blocked', r.value ->> '$.end', r.value ->> '$.wipe_ms', $3
    FROM jsonb_each($2) AS r
    WHERE true
    ON CONFLICT (station_id, record_id) DO NOTHING";

const EXISTING_SQLITE: &str = "
    SELECT record_id FROM usage_record
    WHERE station_id = $1 AND record_id IN (SELECT r.value ->> '$.id' FROM jsonb_each($2) AS r)";

const INSERT_POSTGRES: &str = "
    INSERT INTO usage_record (station_id, record_id, day, hour, duration_min, procedures, assisted, language,
        large_text, high_contrast, pages_printed, scans, downloads, blocked, end_reason, wipe_ms, received_at)
    SELECT $1, r ->> 'id', r ->> 'date', (r ->> 'hour')::smallint, (r ->> 'duration_min')::integer,
        coalesce((SELECT string_agg(p, ',' ORDER BY n) FROM jsonb_array_elements_text(r -> 'procedures')
            WITH ORDINALITY AS t(p, n)), ''),
        (r ->> 'assisted')::boolean, r ->> 'language', (r ->> 'large_text')::boolean,
        (r ->> 'high_contrast')::boolean, (r ->> 'pages_printed')::integer, (r ->> 'scans')::integer,
        (r ->> 'downloads')::integer, (r ->> 'blocked')::integer, r ->> 'end', (r ->> 'wipe_ms')::integer, $3
    FROM jsonb_array_elements($2::jsonb) AS r
    ON CONFLICT (station_id, record_id) DO NOTHING
    RETURNING record_id";

/// Whether a count does not fit the 32-bit integer columns (no real session comes near).
fn exceeds_columns(record: &UsageRecord) -> bool {
    let limit = i32::MAX as u32;
    [
        record.duration_min,
        record.pages_printed,
        record.scans,
        record.downloads,
        record.blocked,
        record.wipe_ms,
    ]
    .iter()
    .any(|value| *value > limit)
}

/// The record with its counts capped to the columns' range rather than refused.
fn capped(record: &UsageRecord) -> UsageRecord {
    let cap = |value: u32| value.min(i32::MAX as u32);
    UsageRecord {
        duration_min: cap(record.duration_min),
        pages_printed: cap(record.pages_printed),
        scans: cap(record.scans),
        downloads: cap(record.downloads),
        blocked: cap(record.blocked),
        wipe_ms: cap(record.wipe_ms),
        ..record.clone()
    }
}
