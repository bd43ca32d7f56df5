//! What the dashboard shows of the fleet: stations with their latest health, health history,
//! sites with their enrolment codes, per-site overrides of the policy's `[station]` settings.

use super::{Store, StoreError, with_pool};

/// A station with its place in the fleet and its latest health report (JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationRow {
    /// Station id.
    pub id: String,
    /// Host name it enrolled with.
    pub hostname: String,
    /// Its site.
    pub site_id: i64,
    /// Site name.
    pub site: String,
    /// Partner id.
    pub partner_id: i64,
    /// Partner name.
    pub partner: String,
    /// Agent version at enrolment.
    pub agent_version: String,
    /// Kiosk version at enrolment, if known.
    pub kiosk_version: Option<String>,
    /// Unix seconds of enrolment.
    pub enrolled_at: i64,
    /// Unix seconds of its last report.
    pub last_seen: Option<i64>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
    /// Its latest health report, as JSON.
    pub last_health: Option<String>,
}

/// A site with its partner and how many stations it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteRow {
    /// Site id.
    pub id: i64,
    /// Partner id.
    pub partner_id: i64,
    /// Partner name.
    pub partner: String,
    /// Site name.
    pub name: String,
    /// Stations enrolled and not revoked.
    pub stations: i64,
}

/// An enrolment code as the dashboard lists it (the code itself is never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRow {
    /// SHA-256 of the code, to name it in forms.
    pub code_hash: String,
    /// Its last characters, to recognise it.
    pub hint: String,
    /// Its site.
    pub site_id: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

/// A site's override of the policy's `[station]` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteOverride {
    /// The site.
    pub site_id: i64,
    /// TOML keys of the `[station]` table, as the admin wrote them.
    pub settings: String,
    /// Unix seconds.
    pub updated_at: i64,
    /// Who.
    pub updated_by: String,
}

type StationTuple = (
    String,
    String,
    i64,
    String,
    i64,
    String,
    String,
    Option<String>,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

const STATION_SELECT: &str =
    "SELECT st.id, st.hostname, si.id, si.name, p.id, p.name, st.agent_version, st.kiosk_version,
        st.enrolled_at, st.last_seen, st.revoked_at, st.last_health
 FROM station st JOIN site si ON si.id = st.site_id JOIN partner p ON p.id = si.partner_id";

fn station_row(t: StationTuple) -> StationRow {
    StationRow {
        id: t.0,
        hostname: t.1,
        site_id: t.2,
        site: t.3,
        partner_id: t.4,
        partner: t.5,
        agent_version: t.6,
        kiosk_version: t.7,
        enrolled_at: t.8,
        last_seen: t.9,
        revoked_at: t.10,
        last_health: t.11,
    }
}

impl Store {
    /// Every station, ordered by partner, site and host name.
    pub async fn stations(&self) -> Result<Vec<StationRow>, StoreError> {
        let sql = format!("{STATION_SELECT} ORDER BY p.name, si.name, st.hostname, st.id");
        with_pool!(self, pool => {
            let rows: Vec<StationTuple> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?;
            Ok(rows.into_iter().map(station_row).collect())
        })
    }

    /// One station.
    pub async fn station(&self, id: &str) -> Result<Option<StationRow>, StoreError> {
        let sql = format!("{STATION_SELECT} WHERE st.id = $1");
        with_pool!(self, pool => {
            let row: Option<StationTuple> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?;
            Ok(row.map(station_row))
        })
    }

    /// The latest `limit` health reports of a station (Unix seconds, JSON), newest first.
    pub async fn health_history(
        &self,
        station_id: &str,
        limit: i64,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        with_pool!(self, pool => {
            Ok(sqlx::query_as(
                "SELECT received_at, report FROM health_snapshot WHERE station_id = $1 ORDER BY received_at DESC LIMIT $2",
            )
            .bind(station_id)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Deletes health history older than `before` (the latest report of each station stays on
    /// the station); returns how many snapshots went.
    pub async fn prune_health(&self, before: i64) -> Result<u64, StoreError> {
        with_pool!(self, pool => {
            let done = sqlx::query("DELETE FROM health_snapshot WHERE received_at < $1").bind(before).execute(pool).await?;
            Ok(done.rows_affected())
        })
    }

    /// Every site, ordered by partner and name.
    pub async fn sites(&self) -> Result<Vec<SiteRow>, StoreError> {
        with_pool!(self, pool => {
            let rows: Vec<(i64, i64, String, String, i64)> = sqlx::query_as(
                "SELECT si.id, p.id, p.name, si.name,
                        (SELECT count(*) FROM station st WHERE st.site_id = si.id AND st.revoked_at IS NULL)
                 FROM site si JOIN partner p ON p.id = si.partner_id ORDER BY p.name, si.name",
            )
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(id, partner_id, partner, name, stations)| SiteRow { id, partner_id, partner, name, stations })
                .collect())
        })
    }

    /// Every enrolment code, newest first.
    pub async fn enrolment_codes(&self) -> Result<Vec<CodeRow>, StoreError> {
        with_pool!(self, pool => {
            let rows: Vec<(String, String, i64, i64, i64, Option<i64>)> = sqlx::query_as(
                "SELECT code_hash, hint, site_id, created_at, expires_at, revoked_at FROM enrolment_code
                 ORDER BY created_at DESC, code_hash",
            )
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(code_hash, hint, site_id, created_at, expires_at, revoked_at)| CodeRow {
                    code_hash,
                    hint,
                    site_id,
                    created_at,
                    expires_at,
                    revoked_at,
                })
                .collect())
        })
    }

    /// Revokes an enrolment code; `NotFound` if it is unknown or revoked already.
    pub async fn revoke_enrolment_code(&self, code_hash: &str, now: i64) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let done = sqlx::query("UPDATE enrolment_code SET revoked_at = $2 WHERE code_hash = $1 AND revoked_at IS NULL")
                .bind(code_hash)
                .bind(now)
                .execute(pool)
                .await?;
            if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
        })
    }

    /// The site's override of the `[station]` settings, if it has one.
    pub async fn site_override(&self, site_id: i64) -> Result<Option<SiteOverride>, StoreError> {
        with_pool!(self, pool => {
            let row: Option<(String, i64, String)> =
                sqlx::query_as("SELECT settings, updated_at, updated_by FROM site_override WHERE site_id = $1")
                    .bind(site_id)
                    .fetch_optional(pool)
                    .await?;
            Ok(row.map(|(settings, updated_at, updated_by)| SiteOverride { site_id, settings, updated_at, updated_by }))
        })
    }

    /// Sets (non-empty `settings`) or removes (empty) a site's override; the caller validated it.
    pub async fn set_site_override(
        &self,
        site_id: i64,
        settings: &str,
        now: i64,
        actor: &str,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            if settings.trim().is_empty() {
                sqlx::query("DELETE FROM site_override WHERE site_id = $1").bind(site_id).execute(pool).await?;
            } else {
                sqlx::query(
                    "INSERT INTO site_override (site_id, settings, updated_at, updated_by) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (site_id) DO UPDATE SET settings = $2, updated_at = $3, updated_by = $4",
                )
                .bind(site_id)
                .bind(settings)
                .bind(now)
                .bind(actor)
                .execute(pool)
                .await?;
            }
            Ok(())
        })
    }
}
