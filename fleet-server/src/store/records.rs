//! Usage records: stored once per (station, record id), whatever the number of re-sends.

use std::collections::{BTreeMap, HashSet};

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
    /// Stores a batch of a station's records, skipping those it has already, and adds the new
    /// ones to the monthly rollups of its site, all in one transaction.
    ///
    /// The batch travels as one JSON parameter that the database expands itself (`jsonb_each` on
    /// SQLite, `jsonb_array_elements` on PostgreSQL): a few round trips however many records.
    pub async fn insert_records(
        &self,
        station_id: &str,
        records: &[UsageRecord],
        now: i64,
    ) -> Result<Ingested, StoreError> {
        if records.is_empty() {
            return Ok(Ingested::default());
        }
        let capped: Vec<UsageRecord>;
        let records = if records.iter().any(exceeds_columns) {
            capped = records.iter().map(capped_record).collect();
            &capped[..]
        } else {
            records
        };
        let batch = serde_json::to_string(records).expect("usage records serialize");
        match &self.backend {
            Backend::Sqlite(pool) => {
                // Which ids are there already, then one insert: BEGIN IMMEDIATE takes the write
                // lock first, so nothing can slip in between.
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let existing: Vec<String> = sqlx::query_scalar(EXISTING_SQLITE)
                    .bind(station_id)
                    .bind(&batch)
                    .fetch_all(&mut *tx)
                    .await?;
                let ingested = sort(records, &existing.into_iter().collect());
                if !ingested.accepted.is_empty() {
                    sqlx::query(INSERT_SQLITE)
                        .bind(station_id)
                        .bind(&batch)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    let (months, procedures) = rollups(records, &ingested);
                    sqlx::query(ROLLUP_MONTH_SQLITE).bind(station_id).bind(months).execute(&mut *tx).await?;
                    sqlx::query(ROLLUP_PROCEDURE_SQLITE)
                        .bind(station_id)
                        .bind(procedures)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(ingested)
            }
            Backend::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let stored: Vec<String> = sqlx::query_scalar(INSERT_POSTGRES)
                    .bind(station_id)
                    .bind(&batch)
                    .bind(now)
                    .fetch_all(&mut *tx)
                    .await?;
                let stored: HashSet<String> = stored.into_iter().collect();
                let existing =
                    records.iter().map(|r| r.id.to_string()).filter(|id| !stored.contains(id)).collect();
                let ingested = sort(records, &existing);
                if !ingested.accepted.is_empty() {
                    let (months, procedures) = rollups(records, &ingested);
                    sqlx::query(ROLLUP_MONTH_POSTGRES)
                        .bind(station_id)
                        .bind(months)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(ROLLUP_PROCEDURE_POSTGRES)
                        .bind(station_id)
                        .bind(procedures)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(ingested)
            }
        }
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

const ROLLUP_MONTH_SQLITE: &str = "
    INSERT INTO usage_month (site_id, month, duration_min, sessions, assisted, pages_printed, scans)
    SELECT (SELECT site_id FROM station WHERE id = $1), g.value ->> 0, g.value ->> 1, g.value ->> 2,
        g.value ->> 3, g.value ->> 4, g.value ->> 5
    FROM jsonb_each($2) AS g
    WHERE true
    ON CONFLICT (site_id, month, duration_min) DO UPDATE SET
        sessions = usage_month.sessions + excluded.sessions,
        assisted = usage_month.assisted + excluded.assisted,
        pages_printed = usage_month.pages_printed + excluded.pages_printed,
        scans = usage_month.scans + excluded.scans";

const ROLLUP_PROCEDURE_SQLITE: &str = "
    INSERT INTO usage_month_procedure (site_id, month, procedure, sessions)
    SELECT (SELECT site_id FROM station WHERE id = $1), g.value ->> 0, g.value ->> 1, g.value ->> 2
    FROM jsonb_each($2) AS g
    WHERE true
    ON CONFLICT (site_id, month, procedure) DO UPDATE SET
        sessions = usage_month_procedure.sessions + excluded.sessions";

const ROLLUP_MONTH_POSTGRES: &str = "
    INSERT INTO usage_month (site_id, month, duration_min, sessions, assisted, pages_printed, scans)
    SELECT (SELECT site_id FROM station WHERE id = $1), g ->> 0, (g ->> 1)::integer, (g ->> 2)::bigint,
        (g ->> 3)::bigint, (g ->> 4)::bigint, (g ->> 5)::bigint
    FROM jsonb_array_elements($2::jsonb) AS g
    ON CONFLICT (site_id, month, duration_min) DO UPDATE SET
        sessions = usage_month.sessions + excluded.sessions,
        assisted = usage_month.assisted + excluded.assisted,
        pages_printed = usage_month.pages_printed + excluded.pages_printed,
        scans = usage_month.scans + excluded.scans";

const ROLLUP_PROCEDURE_POSTGRES: &str = "
    INSERT INTO usage_month_procedure (site_id, month, procedure, sessions)
    SELECT (SELECT site_id FROM station WHERE id = $1), g ->> 0, g ->> 1, (g ->> 2)::bigint
    FROM jsonb_array_elements($2::jsonb) AS g
    ON CONFLICT (site_id, month, procedure) DO UPDATE SET
        sessions = usage_month_procedure.sessions + excluded.sessions";

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

/// Accepted and duplicate ids of a batch, given the ids stored before it. Within a batch, the
/// first copy of a record is stored and any other is a duplicate.
fn sort(records: &[UsageRecord], existing: &HashSet<String>) -> Ingested {
    let mut seen = HashSet::with_capacity(records.len());
    let mut ingested = Ingested::default();
    for record in records {
        if seen.insert(record.id) && !existing.contains(&record.id.to_string()) {
            ingested.accepted.push(record.id);
        } else {
            ingested.duplicates.push(record.id);
        }
    }
    ingested
}

/// The increments of the monthly rollups for the accepted records, as two JSON arrays:
/// `[month, minutes, sessions, assisted, pages, scans]` and `[month, procedure, sessions]`.
fn rollups(records: &[UsageRecord], ingested: &Ingested) -> (String, String) {
    let accepted: HashSet<RecordId> = ingested.accepted.iter().copied().collect();
    let mut seen = HashSet::with_capacity(accepted.len());
    let mut months: BTreeMap<(String, u32), [i64; 4]> = BTreeMap::new();
    let mut procedures: BTreeMap<(String, String), i64> = BTreeMap::new();
    for record in records.iter().filter(|r| accepted.contains(&r.id) && seen.insert(r.id)) {
        let month = record.date.format("%Y-%m").to_string();
        let counts = months.entry((month.clone(), record.duration_min)).or_default();
        counts[0] += 1;
        counts[1] += i64::from(record.assisted);
        counts[2] += i64::from(record.pages_printed);
        counts[3] += i64::from(record.scans);
        let mut ids: Vec<&str> = record.procedures.iter().map(|p| p.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            ids.push("");
        }
        for id in ids {
            *procedures.entry((month.clone(), id.to_owned())).or_default() += 1;
        }
    }
    let months: Vec<serde_json::Value> = months
        .into_iter()
        .map(|((month, minutes), [sessions, assisted, pages, scans])| {
            serde_json::json!([month, minutes, sessions, assisted, pages, scans])
        })
        .collect();
    let procedures: Vec<serde_json::Value> = procedures
        .into_iter()
        .map(|((month, procedure), sessions)| serde_json::json!([month, procedure, sessions]))
        .collect();
    (serde_json::Value::from(months).to_string(), serde_json::Value::from(procedures).to_string())
}

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
fn capped_record(record: &UsageRecord) -> UsageRecord {
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
