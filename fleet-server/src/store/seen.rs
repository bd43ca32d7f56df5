//! "Station seen" writes, coalesced: each report's last-seen time and health report are queued
//! and written many at a time, two statements per batch, so that a large fleet reporting every
//! minute costs a few transactions per second instead of one per report. Usage records are not
//! written this way: they are committed before the station is answered.

use std::collections::HashMap;

use tokio::sync::mpsc;

use super::{Backend, BeginWrite, HEALTH_HISTORY_EVERY_S, Store, StoreError};

/// One report's trace: who, when, and its health report (JSON) if it sent one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Station id.
    pub station_id: String,
    /// Unix seconds.
    pub at: i64,
    /// The health report, as JSON.
    pub health: Option<String>,
}

/// Most traces written in one transaction.
pub const MAX_BATCH: usize = 5_000;

const UPDATE_SQLITE: &str = "
    UPDATE station SET last_seen = j.value ->> 1, last_health = coalesce(j.value ->> 2, station.last_health)
    FROM jsonb_each($1) AS j WHERE station.id = j.value ->> 0";

const HISTORY_SQLITE: &str = "
    INSERT INTO health_snapshot (station_id, received_at, report)
    SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2 FROM jsonb_each($1) AS j
    WHERE j.value ->> 2 IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM health_snapshot h
        WHERE h.station_id = j.value ->> 0 AND h.received_at > (j.value ->> 1) - $2)";

const UPDATE_POSTGRES: &str = "
    UPDATE station SET last_seen = (j ->> 1)::bigint, last_health = coalesce(j ->> 2, station.last_health)
    FROM jsonb_array_elements($1::jsonb) AS j WHERE station.id = j ->> 0";

const HISTORY_POSTGRES: &str = "
    INSERT INTO health_snapshot (station_id, received_at, report)
    SELECT j ->> 0, (j ->> 1)::bigint, j ->> 2 FROM jsonb_array_elements($1::jsonb) AS j
    WHERE j ->> 2 IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM health_snapshot h
        WHERE h.station_id = j ->> 0 AND h.received_at > (j ->> 1)::bigint - $2)";

impl Store {
    /// Writes a batch of traces in one transaction: each station's latest time and health
    /// report, and a history entry when its last one is older than [`HEALTH_HISTORY_EVERY_S`].
    pub async fn stations_seen(&self, batch: &[Seen]) -> Result<(), StoreError> {
        // One entry per station (its latest), so that the update is well defined.
        let mut latest: HashMap<&str, &Seen> = HashMap::with_capacity(batch.len());
        for seen in batch {
            let entry = latest.entry(seen.station_id.as_str()).or_insert(seen);
            if seen.at >= entry.at {
                *entry = seen;
            }
        }
        if latest.is_empty() {
            return Ok(());
        }
        let rows: Vec<serde_json::Value> =
            latest.values().map(|s| serde_json::json!([s.station_id, s.at, s.health])).collect();
        let rows = serde_json::Value::from(rows).to_string();
        match &self.backend {
            Backend::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                sqlx::query(UPDATE_SQLITE).bind(&rows).execute(&mut *tx).await?;
                sqlx::query(HISTORY_SQLITE)
                    .bind(&rows)
                    .bind(HEALTH_HISTORY_EVERY_S)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            Backend::Postgres(pool) => {
                let mut tx = pool.begin_write().await?;
                sqlx::query(UPDATE_POSTGRES).bind(&rows).execute(&mut *tx).await?;
                sqlx::query(HISTORY_POSTGRES)
                    .bind(&rows)
                    .bind(HEALTH_HISTORY_EVERY_S)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }
}

/// Writes the traces received on `queue` until every sender is gone, batching whatever arrived
/// while the previous batch was written. A failed batch is logged and retried once.
pub async fn write_seen(store: Store, mut queue: mpsc::Receiver<Seen>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        if let Err(error) = store.stations_seen(&batch).await {
            tracing::warn!(%error, stations = batch.len(), "cannot note stations seen; retrying once");
            if let Err(error) = store.stations_seen(&batch).await {
                tracing::error!(%error, stations = batch.len(), "stations seen not noted");
            }
        }
        batch.clear();
    }
}
