//! Test helpers: a store on each backend, a real server on 127.0.0.1:0, sample records.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use chrono::NaiveDate;
use fleet_server::store::Store;
use protocol::{Language, ProcedureId, RecordId, SessionEnd, SessionTally, UsageRecord};

/// A throwaway database on one backend.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A new SQLite file in a temporary folder.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("fleet.db").display());
        Self { url, _dir: Some(dir) }
    }

    /// A new database on the PostgreSQL cluster of `FLEET_TEST_POSTGRES_URL` (started by
    /// `./scripts/test`). `None` when the variable is unset, unless `FLEET_REQUIRE_POSTGRES=1`,
    /// which makes its absence a failure.
    pub async fn postgres() -> Option<Self> {
        let Ok(admin_url) = std::env::var("FLEET_TEST_POSTGRES_URL") else {
            assert!(
                std::env::var("FLEET_REQUIRE_POSTGRES").is_err(),
                "FLEET_REQUIRE_POSTGRES is set but FLEET_TEST_POSTGRES_URL is not"
            );
            eprintln!("PostgreSQL part skipped: FLEET_TEST_POSTGRES_URL is not set (./scripts/test sets it)");
            return None;
        };
        let name = format!("fleet_test_{}", uuid::Uuid::new_v4().simple());
        let admin = sqlx::PgPool::connect(&admin_url).await.expect("the test PostgreSQL cluster answers");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
        admin.close().await;
        let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
        Some(Self { url: format!("{base}/{name}"), _dir: None })
    }

    pub async fn open(&self) -> Store {
        Store::open(&self.url).await.unwrap()
    }
}

/// A usage record of `procedure`, on 2026-11-`day`.
pub fn record(procedure: &str, day: u32, assisted: bool) -> UsageRecord {
    let mut tally = SessionTally::new(Language::french());
    tally.open_procedure(&procedure.parse::<ProcedureId>().unwrap());
    tally.assisted = assisted;
    tally.pages_printed = 2;
    let started = NaiveDate::from_ymd_opt(2026, 11, day).unwrap().and_hms_opt(10, 15, 0).unwrap();
    UsageRecord::new(
        RecordId::generate(),
        started,
        Duration::from_secs(600),
        tally,
        SessionEnd::User,
        Duration::from_millis(15),
    )
}

/// A real server on 127.0.0.1 with its own runtime thread; stops when dropped.
pub struct TestServer {
    pub address: SocketAddr,
    pub db: TestDb,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    pub fn start(db: TestDb) -> Self {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let url = db.url.clone();
        let thread = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            runtime.block_on(async move {
                let store = Store::open(&url).await.unwrap();
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                ready_tx.send(listener.local_addr().unwrap()).unwrap();
                fleet_server::serve::serve(
                    listener,
                    store,
                    fleet_server::config::ServerConfig::default(),
                    async move {
                        let _ = stop_rx.await;
                    },
                )
                .await
                .unwrap();
            });
        });
        let address = ready_rx.recv_timeout(Duration::from_secs(30)).expect("the server starts");
        Self { address, db, stop: Some(stop_tx), thread: Some(thread) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A store on the server's database, for preparing data and checking what was stored.
    pub fn store(&self) -> Store {
        let url = self.db.url.clone();
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(Store::open(&url))
            .unwrap()
    }

    /// Runs `f` on a fresh store in a small runtime.
    pub fn with_store<T>(&self, f: impl AsyncFnOnce(Store) -> T) -> T {
        let url = self.db.url.clone();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move { f(Store::open(&url).await.unwrap()).await })
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
