//! Usage records: stored once per (station, record id), whatever the number of re-sends.

use std::collections::{BTreeMap, HashSet};

use protocol::{RecordId, UsageRecord};

use super::{Backend, BeginWrite, Store, StoreError, with_pool};

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
                    for (sql, increments) in rollup_statements(Dialect::Sqlite, records, &ingested) {
                        sqlx::query(sqlx::AssertSqlSafe(sql))
                            .bind(station_id)
                            .bind(increments)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                tx.commit().await?;
                Ok(ingested)
            }
            Backend::Postgres(pool) => {
                let mut tx = pool.begin_write().await?;
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
                    for (sql, increments) in rollup_statements(Dialect::Postgres, records, &ingested) {
                        sqlx::query(sqlx::AssertSqlSafe(sql))
                            .bind(station_id)
                            .bind(increments)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                tx.commit().await?;
                Ok(ingested)
            }
        }
    }

    /// Recomputes the monthly and daily rollups from the records (after a bulk import or a
    /// restore).
    pub async fn rebuild_rollups(&self) -> Result<(), StoreError> {
        let dialect = match self.backend {
            Backend::Sqlite(_) => Dialect::Sqlite,
            Backend::Postgres(_) => Dialect::Postgres,
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for rollup in ROLLUPS {
                sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {}", rollup.table))).execute(&mut *tx).await?;
                sqlx::query(sqlx::AssertSqlSafe(rollup.rebuild_sql(dialect))).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
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

/// SQL flavour of the rollup statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
}

/// One rollup table: sessions per (site, period, duration) or per (site, period, procedure).
struct Rollup {
    table: &'static str,
    /// `month` or `day`.
    period: &'static str,
    /// Per procedure rather than per duration.
    procedures: bool,
}

const ROLLUPS: [Rollup; 4] = [
    Rollup { table: "usage_month", period: "month", procedures: false },
    Rollup { table: "usage_month_procedure", period: "month", procedures: true },
    Rollup { table: "usage_day", period: "day", procedures: false },
    Rollup { table: "usage_day_procedure", period: "day", procedures: true },
];

impl Rollup {
    /// Adds a JSON array of increments (`$2`) for station `$1`'s site.
    fn upsert_sql(&self, dialect: Dialect) -> String {
        let Rollup { table, period, .. } = self;
        let (rows, at): (&str, fn(usize, &str) -> String) = match dialect {
            Dialect::Sqlite => {
                ("jsonb_each($2) AS g WHERE true", |i: usize, _cast: &str| format!("g.value ->> {i}"))
            }
            Dialect::Postgres => {
                ("jsonb_array_elements($2::jsonb) AS g", |i: usize, cast: &str| format!("(g ->> {i}){cast}"))
            }
        };
        let site = "(SELECT site_id FROM station WHERE id = $1)";
        if self.procedures {
            format!(
                "INSERT INTO {table} (site_id, {period}, procedure, sessions)
                 SELECT {site}, {}, {}, {} FROM {rows}
                 ON CONFLICT (site_id, {period}, procedure) DO UPDATE SET sessions = {table}.sessions + excluded.sessions",
                at(0, ""),
                at(1, ""),
                at(2, "::bigint"),
            )
        } else {
            format!(
                "INSERT INTO {table} (site_id, {period}, duration_min, sessions, assisted, pages_printed, scans)
                 SELECT {site}, {}, {}, {}, {}, {}, {} FROM {rows}
                 ON CONFLICT (site_id, {period}, duration_min) DO UPDATE SET
                    sessions = {table}.sessions + excluded.sessions,
                    assisted = {table}.assisted + excluded.assisted,
                    pages_printed = {table}.pages_printed + excluded.pages_printed,
                    scans = {table}.scans + excluded.scans",
                at(0, ""),
                at(1, "::integer"),
                at(2, "::bigint"),
                at(3, "::bigint"),
                at(4, "::bigint"),
                at(5, "::bigint"),
            )
        }
    }

    /// Fills the table from the records (the statements of the migrations that created it).
    fn rebuild_sql(&self, dialect: Dialect) -> String {
        let Rollup { table, period, .. } = self;
        let key = if *period == "month" { "substr(u.day, 1, 7)" } else { "u.day" };
        if self.procedures {
            let (split, procedure) = match dialect {
                Dialect::Sqlite => {
                    ("json_each('[\"' || replace(u.procedures, ',', '\",\"') || '\"]') AS p", "p.value")
                }
                Dialect::Postgres => (
                    "unnest(CASE WHEN u.procedures = '' THEN ARRAY[''] ELSE string_to_array(u.procedures, ',') END) AS p (procedure)",
                    "p.procedure",
                ),
            };
            format!(
                "INSERT INTO {table} (site_id, {period}, procedure, sessions)
                 SELECT s.site_id, {key}, {procedure}, count(DISTINCT u.station_id || '/' || u.record_id)
                 FROM usage_record u JOIN station s ON s.id = u.station_id, {split}
                 GROUP BY s.site_id, {key}, {procedure}"
            )
        } else {
            format!(
                "INSERT INTO {table} (site_id, {period}, duration_min, sessions, assisted, pages_printed, scans)
                 SELECT s.site_id, {key}, u.duration_min, count(*),
                        sum(CASE WHEN u.assisted THEN 1 ELSE 0 END), sum(u.pages_printed), sum(u.scans)
                 FROM usage_record u JOIN station s ON s.id = u.station_id
                 GROUP BY s.site_id, {key}, u.duration_min"
            )
        }
    }
}

/// The statements adding the accepted records to every rollup, each with its JSON array of
/// increments: `[period, minutes, sessions, assisted, pages, scans]` or `[period, procedure,
/// sessions]`.
fn rollup_statements(
    dialect: Dialect,
    records: &[UsageRecord],
    ingested: &Ingested,
) -> Vec<(String, String)> {
    let accepted: HashSet<RecordId> = ingested.accepted.iter().copied().collect();
    let mut seen = HashSet::with_capacity(accepted.len());
    let mut durations: [BTreeMap<(String, u32), [i64; 4]>; 2] = Default::default();
    let mut procedures: [BTreeMap<(String, String), i64>; 2] = Default::default();
    for record in records.iter().filter(|r| accepted.contains(&r.id) && seen.insert(r.id)) {
        let day = record.date.format("%Y-%m-%d").to_string();
        let periods = [day[..7].to_owned(), day];
        let mut ids: Vec<&str> = record.procedures.iter().map(|p| p.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            ids.push("");
        }
        for (index, period) in periods.into_iter().enumerate() {
            let counts = durations[index].entry((period.clone(), record.duration_min)).or_default();
            counts[0] += 1;
            counts[1] += i64::from(record.assisted);
            counts[2] += i64::from(record.pages_printed);
            counts[3] += i64::from(record.scans);
            for id in &ids {
                *procedures[index].entry((period.clone(), (*id).to_owned())).or_default() += 1;
            }
        }
    }
    ROLLUPS
        .iter()
        .map(|rollup| {
            let index = usize::from(rollup.period == "day");
            let increments: Vec<serde_json::Value> = if rollup.procedures {
                procedures[index].iter().map(|((period, id), n)| serde_json::json!([period, id, n])).collect()
            } else {
                durations[index]
                    .iter()
                    .map(|((period, minutes), c)| {
                        serde_json::json!([period, minutes, c[0], c[1], c[2], c[3]])
                    })
                    .collect()
            };
            (rollup.upsert_sql(dialect), serde_json::Value::from(increments).to_string())
        })
        .collect()
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
