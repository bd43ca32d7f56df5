//! Usage records: stored once per (station, record id), whatever the number of re-sends.

use protocol::{RecordId, UsageRecord};

use super::{Store, StoreError, with_pool};

/// What happened to each record of a batch.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Ingested {
    /// Stored by this call.
    pub accepted: Vec<RecordId>,
    /// Already there.
    pub duplicates: Vec<RecordId>,
}

impl Store {
    /// Stores a batch of a station's records in one transaction, skipping those it has already.
    pub async fn insert_records(
        &self,
        station_id: &str,
        records: &[UsageRecord],
        now: i64,
    ) -> Result<Ingested, StoreError> {
        let mut ingested = Ingested::default();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for record in records {
                let procedures: Vec<&str> = record.procedures.iter().map(|p| p.as_str()).collect();
                let done = sqlx::query(
                    "INSERT INTO usage_record (station_id, record_id, day, hour, duration_min, procedures, assisted,
                        language, large_text, high_contrast, pages_printed, scans, downloads, blocked, end_reason,
                        wipe_ms, received_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
                     ON CONFLICT (station_id, record_id) DO NOTHING",
                )
                .bind(station_id)
                .bind(record.id.to_string())
                .bind(record.date.to_string())
                .bind(i16::from(record.hour.get()))
                .bind(clamp(record.duration_min))
                .bind(procedures.join(","))
                .bind(record.assisted)
                .bind(record.language.as_str())
                .bind(record.large_text)
                .bind(record.high_contrast)
                .bind(clamp(record.pages_printed))
                .bind(clamp(record.scans))
                .bind(clamp(record.downloads))
                .bind(clamp(record.blocked))
                .bind(record.end.as_str())
                .bind(clamp(record.wipe_ms))
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 1 {
                    ingested.accepted.push(record.id);
                } else {
                    ingested.duplicates.push(record.id);
                }
            }
            tx.commit().await?;
        });
        Ok(ingested)
    }

    /// How many usage records are stored (all stations).
    pub async fn count_records(&self) -> Result<i64, StoreError> {
        with_pool!(self, pool => {
            Ok(sqlx::query_scalar("SELECT count(*) FROM usage_record").fetch_one(pool).await?)
        })
    }
}

/// Counts above `i32::MAX` cannot come from one session; they are capped rather than refused.
fn clamp(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}
