//! Storage of the fleet: partners, sites, enrolment codes, stations, usage records, health
//! snapshots, policy versions, admin users and the audit log.
//!
//! One set of portable SQL statements (`$1` placeholders, `ON CONFLICT … DO NOTHING`, integer
//! timestamps, text ids) runs on both backends: [`with_pool!`] expands each method once per
//! backend, so SQLite (the embedded default) and PostgreSQL (for scale) cannot drift apart.
//! Each backend has its own embedded migrations.

mod admin;
mod fleet;
mod records;
mod seen;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use admin::{AdminSession, AdminUser, AuditEntry};
pub use fleet::{CodeRow, SiteOverride, SiteRow, StationRow};
pub use records::Ingested;
pub use seen::{Seen, write_seen};

/// What can go wrong in storage, as callers need to tell it apart.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("not found")]
    NotFound,
    /// The thing exists already.
    #[error("{0}")]
    Conflict(String),
    /// The database URL is not one this server speaks.
    #[error("unsupported database URL {0:?}: expected sqlite://PATH or postgres://…")]
    Url(String),
    /// Anything else from the database.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

#[derive(Clone)]
pub(crate) enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The fleet's storage, on SQLite or PostgreSQL (cloning shares the connection pool).
#[derive(Clone)]
pub struct Store {
    pub(crate) backend: Backend,
}

/// Runs `$body` with `$pool` bound to the backend's pool; the body is compiled once per backend.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite($pool) => $body,
            $crate::store::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Starts a transaction that will write. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`): a deferred transaction that reads first could not wait for another writer and
/// would fail with "database is locked".
pub(crate) trait BeginWrite {
    /// The database.
    type Db: sqlx::Database;
    /// Begins the transaction.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// Seconds between two health reports kept in a station's history (the latest is always kept on
/// the station): a fleet reporting every minute does not fill the database with identical rows.
pub const HEALTH_HISTORY_EVERY_S: i64 = 900;

/// A site and its partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// Site id.
    pub id: i64,
    /// Partner name.
    pub partner: String,
    /// Site name.
    pub name: String,
}

/// A station as the API sees it when it presents its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationAuth {
    /// Station id.
    pub id: String,
    /// Its site.
    pub site_id: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

/// A station being enrolled.
#[derive(Debug, Clone)]
pub struct NewStation {
    /// Its new id.
    pub id: String,
    /// Host name it reported.
    pub hostname: String,
    /// SHA-256 of its token.
    pub token_hash: String,
    /// Agent version.
    pub agent_version: String,
    /// Kiosk version, if known.
    pub kiosk_version: Option<String>,
}

/// A published policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    /// Version number, from 1.
    pub version: i64,
    /// The TOML text as published.
    pub text: String,
}

impl Store {
    /// Connects to `url` (`sqlite://PATH` or `postgres://…`), creating a SQLite file if needed,
    /// and applies the backend's migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let backend = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
            sqlx::migrate!("migrations/sqlite").run(&pool).await?;
            Backend::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new().max_connections(16).connect(url).await?;
            sqlx::migrate!("migrations/postgres").run(&pool).await?;
            Backend::Postgres(pool)
        } else {
            return Err(StoreError::Url(url.to_owned()));
        };
        Ok(Self { backend })
    }

    /// Which backend is in use (`"sqlite"` or `"postgres"`).
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The site `name` of partner `partner`, created (with its partner) if needed.
    pub async fn ensure_site(&self, partner: &str, name: &str) -> Result<Site, StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO partner (name) VALUES ($1) ON CONFLICT (name) DO NOTHING")
                .bind(partner)
                .execute(&mut *tx)
                .await?;
            let partner_id: i64 = sqlx::query_scalar("SELECT id FROM partner WHERE name = $1")
                .bind(partner)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO site (partner_id, name) VALUES ($1, $2) ON CONFLICT (partner_id, name) DO NOTHING")
                .bind(partner_id)
                .bind(name)
                .execute(&mut *tx)
                .await?;
            let id: i64 = sqlx::query_scalar("SELECT id FROM site WHERE partner_id = $1 AND name = $2")
                .bind(partner_id)
                .bind(name)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Site { id, partner: partner.to_owned(), name: name.to_owned() })
        })
    }

    /// Stores a new enrolment code (by its hash) for a site.
    pub async fn add_enrolment_code(
        &self,
        site_id: i64,
        code_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("INSERT INTO enrolment_code (code_hash, site_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(code_hash)
                .bind(site_id)
                .bind(now)
                .bind(expires_at)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Creates a new enrolment code for a site, valid until `expires_at`, and returns it: the
    /// only time it is seen (only its hash and last four characters are kept).
    pub async fn issue_enrolment_code(
        &self,
        site_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<String, StoreError> {
        let code = crate::secrets::new_enrolment_code();
        let hint: String = code.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
        with_pool!(self, pool => {
            sqlx::query("INSERT INTO enrolment_code (code_hash, site_id, created_at, expires_at, hint) VALUES ($1, $2, $3, $4, $5)")
                .bind(crate::secrets::digest(&code))
                .bind(site_id)
                .bind(now)
                .bind(expires_at)
                .bind(&hint)
                .execute(pool)
                .await?;
        });
        Ok(code)
    }

    /// Enrols a station with a valid (known, unexpired, unrevoked) code; `NotFound` otherwise.
    pub async fn enrol(&self, code_hash: &str, now: i64, station: &NewStation) -> Result<i64, StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let site_id: Option<i64> = sqlx::query_scalar(
                "SELECT site_id FROM enrolment_code WHERE code_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
            )
            .bind(code_hash)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let site_id = site_id.ok_or(StoreError::NotFound)?;
            sqlx::query(
                "INSERT INTO station (id, site_id, hostname, token_hash, agent_version, kiosk_version, enrolled_at, last_seen)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
            )
            .bind(&station.id)
            .bind(site_id)
            .bind(&station.hostname)
            .bind(&station.token_hash)
            .bind(&station.agent_version)
            .bind(&station.kiosk_version)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(site_id)
        })
    }

    /// The station holding this token, if any (revoked ones included, to tell them apart).
    pub async fn station_by_token(&self, token_hash: &str) -> Result<Option<StationAuth>, StoreError> {
        with_pool!(self, pool => {
            let row: Option<(String, i64, Option<i64>)> =
                sqlx::query_as("SELECT id, site_id, revoked_at FROM station WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(pool)
                    .await?;
            Ok(row.map(|(id, site_id, revoked_at)| StationAuth { id, site_id, revoked_at }))
        })
    }

    /// Revokes a station: its token stops working at once.
    pub async fn revoke_station(&self, station_id: &str, now: i64) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let done = sqlx::query("UPDATE station SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                .bind(station_id)
                .bind(now)
                .execute(pool)
                .await?;
            if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
        })
    }

    /// Notes that a station reported and keeps its latest health report; the history keeps one
    /// report per station every [`HEALTH_HISTORY_EVERY_S`]. (The server batches these through
    /// [`write_seen`].)
    pub async fn station_seen(
        &self,
        station_id: &str,
        now: i64,
        health: Option<&str>,
    ) -> Result<(), StoreError> {
        let seen = Seen { station_id: station_id.to_owned(), at: now, health: health.map(str::to_owned) };
        self.stations_seen(&[seen]).await
    }

    /// Publishes a new policy version (the text is validated by the caller) and returns it.
    pub async fn publish_policy(&self, text: &str, now: i64, actor: &str) -> Result<i64, StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if self.backend_name() == "postgres" {
                // Two publications at once must not both take the next number.
                sqlx::query("LOCK TABLE policy_version IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await?;
            }
            let latest: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM policy_version")
                .fetch_one(&mut *tx)
                .await?;
            let version = latest.unwrap_or(0) + 1;
            sqlx::query("INSERT INTO policy_version (version, text, published_at, published_by) VALUES ($1, $2, $3, $4)")
                .bind(version)
                .bind(text)
                .bind(now)
                .bind(actor)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO audit_log (at, actor, action, detail) VALUES ($1, $2, 'policy.publish', $3)")
                .bind(now)
                .bind(actor)
                .bind(format!("version {version}"))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(version)
        })
    }

    /// The latest published policy, if any.
    pub async fn latest_policy(&self) -> Result<Option<PolicyVersion>, StoreError> {
        with_pool!(self, pool => {
            let row: Option<(i64, String)> =
                sqlx::query_as("SELECT version, text FROM policy_version ORDER BY version DESC LIMIT 1")
                    .fetch_optional(pool)
                    .await?;
            Ok(row.map(|(version, text)| PolicyVersion { version, text }))
        })
    }

    /// Published versions, newest first: (version, Unix seconds, by whom).
    pub async fn policy_history(&self, limit: i64) -> Result<Vec<(i64, i64, String)>, StoreError> {
        with_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT version, published_at, published_by FROM policy_version ORDER BY version DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Adds an admin user (the password already hashed); `Conflict` if the name is taken.
    pub async fn add_user(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let done = sqlx::query(
                "INSERT INTO admin_user (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(role)
            .bind(password_hash)
            .bind(now)
            .execute(pool)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict(format!("a user named {name:?} exists already")));
            }
            Ok(())
        })
    }
}
