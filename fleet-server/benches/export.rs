//! The grant report over 2 years × 1,000 stations × 10 million records, on SQLite and (when
//! `FLEET_TEST_POSTGRES_URL` names a cluster) PostgreSQL: whole months come from the rollups.
//!
//! `cargo bench -p fleet-server --bench export` (the data are generated once in SQL; the SQLite
//! file is kept in `target/bench-data/` for the next run). Run as a test (`cargo test --bench
//! export`) it uses 20,000 records and checks the totals.

use std::hint::black_box;
use std::time::Instant;

use chrono::NaiveDate;
use criterion::Criterion;
use fleet_server::report::{self, Preset};
use fleet_server::store::Store;
use fleet_server::usage::{self, Filter, Grouping};

const STATIONS: i64 = 1_000;
const SITES: i64 = 100;
const PARTNERS: i64 = 10;
const DAYS: i64 = 730;

/// Generates `count` records over 2025–2026 in SQL, then the rollups.
async fn fill(store: &Store, url: &str, count: i64) {
    let started = Instant::now();
    for site in 0..SITES {
        let site = store
            .ensure_site(&format!("Partenaire {}", site % PARTNERS), &format!("Site {site}"))
            .await
            .unwrap();
        let _ = site;
    }
    let postgres = url.starts_with("postgres");
    let stations = "INSERT INTO station (id, site_id, hostname, token_hash, agent_version, enrolled_at)
        SELECT 'st-' || i, (SELECT id FROM site WHERE name = 'Site ' || (i % SITES)), 'pan-' || i, 'token-' || i, '0.1.0', 0
        FROM series";
    let records = "INSERT INTO usage_record (station_id, record_id, day, hour, duration_min, procedures, assisted,
            language, large_text, high_contrast, pages_printed, scans, downloads, blocked, end_reason, wipe_ms, received_at)
        SELECT 'st-' || (i % STATIONS), 'r' || i, DAY, 8 + i % 10, 1 + (i * 7919) % 60,
            CASE i % 5 WHEN 0 THEN 'caf' WHEN 1 THEN 'ants-identite' WHEN 2 THEN 'impots,caf' WHEN 3 THEN '' ELSE 'ameli' END,
            i % 4 = 0, 'fr', false, false, i % 3, i % 2, 0, 0, 'user', 15, 0
        FROM series";
    let (series_stations, series_records, day) = if postgres {
        (
            format!("WITH series(i) AS (SELECT generate_series(0, {STATIONS} - 1)) "),
            format!("WITH series(i) AS (SELECT generate_series(0::bigint, {count} - 1)) "),
            format!("to_char(DATE '2025-01-01' + ((i * 7) % {DAYS})::int, 'YYYY-MM-DD')"),
        )
    } else {
        (
            "WITH RECURSIVE series(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM series WHERE i < 999) "
                .to_owned(),
            format!(
                "WITH RECURSIVE series(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM series WHERE i < {count} - 1) "
            ),
            format!("date('2025-01-01', '+' || ((i * 7) % {DAYS}) || ' days')"),
        )
    };
    let stations = stations
        .replacen("SELECT 'st-'", &format!("{series_stations}SELECT 'st-'"), 1)
        .replace("SITES", &SITES.to_string());
    let records = records
        .replacen("SELECT 'st-'", &format!("{series_records}SELECT 'st-'"), 1)
        .replace("DAY,", &format!("{day},"))
        .replace("STATIONS", &STATIONS.to_string());
    let run = |sql: String| async move {
        if postgres {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await.unwrap();
        } else {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await.unwrap();
        }
    };
    run(stations).await;
    run(records).await;
    if postgres {
        run("ANALYZE".to_owned()).await;
    }
    store.rebuild_rollups().await.unwrap();
    eprintln!("{count} records generated in {:.1} s", started.elapsed().as_secs_f64());
}

fn bench_backend(c: &mut Criterion, name: &str, url: &str, count: i64, fresh: bool) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let store = runtime.block_on(async {
        let store = Store::open(url).await.unwrap();
        if fresh || store.count_records().await.unwrap() != count {
            fill(&store, url, count).await;
        }
        store
    });
    assert_eq!(runtime.block_on(store.count_records()).unwrap(), count);
    let day = |text: &str| text.parse::<NaiveDate>().unwrap();
    let two_years = Filter::period(day("2025-01-01"), day("2026-12-31"));
    let rows = runtime.block_on(report::grant_report(&store, &two_years)).unwrap();
    let total = rows.last().unwrap();
    assert_eq!((total.partner.as_str(), total.sessions), ("Total", count), "every record is counted once");
    assert_eq!(rows.len() as i64, PARTNERS * 24 + PARTNERS + 1, "a row per partner and month, totals");

    let mut group = c.benchmark_group(format!("export_{name}_{count}"));
    group.sample_size(10);
    group.bench_function("grant_report_2_years", |b| {
        b.iter(|| runtime.block_on(report::export(&store, black_box(&two_years), Preset::Grant)).unwrap())
    });
    let ragged = Filter::period(day("2025-01-15"), day("2026-12-10"));
    group.bench_function("grant_report_partial_months", |b| {
        b.iter(|| runtime.block_on(report::export(&store, black_box(&ragged), Preset::Grant)).unwrap())
    });
    group.bench_function("usage_page_queries_2_years", |b| {
        b.iter(|| {
            runtime.block_on(async {
                usage::buckets(&store, &two_years, Grouping::All).await.unwrap();
                usage::per_procedure(&store, &two_years).await.unwrap()
            })
        })
    });
    let one_station = Filter { station: Some("st-7".into()), ..two_years.clone() };
    group.bench_function("one_station_2_years", |b| {
        b.iter(|| runtime.block_on(usage::buckets(&store, black_box(&one_station), Grouping::All)).unwrap())
    });
    group.finish();
}

fn main() {
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let count: i64 = if benchmarking { 10_000_000 } else { 20_000 };
    let mut c = Criterion::default().configure_from_args();

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("export-{count}.db"));
    bench_backend(&mut c, "sqlite", &format!("sqlite://{}?mode=rwc", path.display()), count, false);

    if let Ok(admin) = std::env::var("FLEET_TEST_POSTGRES_URL") {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let name = format!("fleet_bench_{}", std::process::id());
        runtime.block_on(async {
            let pool = sqlx::PgPool::connect(&admin).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&pool).await.unwrap();
        });
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
        bench_backend(&mut c, "postgres", &format!("{base}/{name}"), count, true);
    } else {
        eprintln!("PostgreSQL part skipped: FLEET_TEST_POSTGRES_URL is not set");
    }
    c.final_summary();
}
