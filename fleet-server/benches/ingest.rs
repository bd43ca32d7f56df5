//! Usage records per second through the repository on SQLite (with deduplication), beside raw
//! batched inserts of the same rows into the same schema in the same run.
//!
//! `cargo bench -p fleet-server --bench ingest`

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use fleet_server::store::{NewStation, Store};
use protocol::{Language, ProcedureId, RecordId, SessionEnd, SessionTally, UsageRecord};
use std::time::Duration;

const BATCH: usize = 1000;

fn batch() -> Vec<UsageRecord> {
    let caf: ProcedureId = "caf".parse().unwrap();
    let started = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap().and_hms_opt(10, 0, 0).unwrap();
    (0..BATCH)
        .map(|_| {
            let mut tally = SessionTally::new(Language::french());
            tally.open_procedure(&caf);
            UsageRecord::new(
                RecordId::generate(),
                started,
                Duration::from_secs(600),
                tally,
                SessionEnd::User,
                Duration::ZERO,
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = runtime.block_on(async {
        let store = Store::open(&url).await.unwrap();
        let site = store.ensure_site("Ville", "Mairie").await.unwrap();
        store.add_enrolment_code(site.id, "code", 0, i64::MAX).await.unwrap();
        let station = NewStation {
            id: "station".into(),
            hostname: "pc".into(),
            token_hash: "t".into(),
            agent_version: "0".into(),
            kiosk_version: None,
        };
        store.enrol("code", 0, &station).await.unwrap();
        store
    });
    let raw = runtime.block_on(async {
        let raw = sqlx::SqlitePool::connect(&format!("{url}?mode=rwc")).await.unwrap();
        sqlx::query("PRAGMA synchronous = NORMAL").execute(&raw).await.unwrap();
        sqlx::query("CREATE TABLE raw_record AS SELECT * FROM usage_record WHERE 0")
            .execute(&raw)
            .await
            .unwrap();
        raw
    });

    let mut group = c.benchmark_group("ingest_sqlite");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(20);
    group.bench_function("repository_dedup", |b| {
        b.iter_batched(
            batch,
            |records| runtime.block_on(store.insert_records("station", black_box(&records), 1)).unwrap(),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("raw_batched_insert", |b| {
        b.iter_batched(
            batch,
            |records| {
                runtime.block_on(async {
                    let mut tx = raw.begin().await.unwrap();
                    for chunk in records.chunks(100) {
                        let mut sql = String::from(
                            "INSERT INTO raw_record (station_id, record_id, day, hour, duration_min, procedures, assisted, language,
                             large_text, high_contrast, pages_printed, scans, downloads, blocked, end_reason, wipe_ms, received_at) VALUES ",
                        );
                        for (i, _) in chunk.iter().enumerate() {
                            let n = i * 17;
                            let params: Vec<String> = (1..=17).map(|k| format!("${}", n + k)).collect();
                            sql.push_str(&format!("{}({})", if i > 0 { "," } else { "" }, params.join(",")));
                        }
                        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                        for r in chunk {
                            query = query
                                .bind("station")
                                .bind(r.id.to_string())
                                .bind(r.date.to_string())
                                .bind(i16::from(r.hour.get()))
                                .bind(r.duration_min as i32)
                                .bind("caf")
                                .bind(r.assisted)
                                .bind(r.language.as_str())
                                .bind(r.large_text)
                                .bind(r.high_contrast)
                                .bind(r.pages_printed as i32)
                                .bind(r.scans as i32)
                                .bind(r.downloads as i32)
                                .bind(r.blocked as i32)
                                .bind(r.end.as_str())
                                .bind(r.wipe_ms as i32)
                                .bind(1_i64);
                        }
                        query.execute(&mut *tx).await.unwrap();
                    }
                    tx.commit().await.unwrap();
                })
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("raw_prepared_rows", |b| {
        b.iter_batched(
            batch,
            |records| {
                runtime.block_on(async {
                    let mut tx = raw.begin().await.unwrap();
                    for r in &records {
                        sqlx::query(
                            "INSERT INTO raw_record (station_id, record_id, day, hour, duration_min, procedures, assisted, language,
                             large_text, high_contrast, pages_printed, scans, downloads, blocked, end_reason, wipe_ms, received_at)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
                        )
                        .bind("station")
                        .bind(r.id.to_string())
                        .bind(r.date.to_string())
                        .bind(i16::from(r.hour.get()))
                        .bind(r.duration_min as i32)
                        .bind("caf")
                        .bind(r.assisted)
                        .bind(r.language.as_str())
                        .bind(r.large_text)
                        .bind(r.high_contrast)
                        .bind(r.pages_printed as i32)
                        .bind(r.scans as i32)
                        .bind(r.downloads as i32)
                        .bind(r.blocked as i32)
                        .bind(r.end.as_str())
                        .bind(r.wipe_ms as i32)
                        .bind(1_i64)
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                    }
                    tx.commit().await.unwrap();
                })
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
