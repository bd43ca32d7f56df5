//! Dashboard users, their sessions and the audit log of their actions.

use super::{Store, StoreError, with_pool};

/// A dashboard user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminUser {
    /// Login name.
    pub name: String,
    /// `it-admin` or `reporting`.
    pub role: String,
    /// Argon2id hash of the password.
    pub password_hash: String,
}

/// A logged-in dashboard session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminSession {
    /// Who.
    pub user: String,
    /// Their role.
    pub role: String,
    /// The token forms of this session must carry.
    pub csrf: String,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Unix seconds.
    pub at: i64,
    /// Who did it.
    pub actor: String,
    /// What, e.g. `station.revoke`.
    pub action: String,
    /// On what.
    pub detail: String,
}

impl Store {
    /// The user named `name`, if any.
    pub async fn user(&self, name: &str) -> Result<Option<AdminUser>, StoreError> {
        with_pool!(self, pool => {
            let row: Option<(String, String, String)> =
                sqlx::query_as("SELECT name, role, password_hash FROM admin_user WHERE name = $1")
                    .bind(name)
                    .fetch_optional(pool)
                    .await?;
            Ok(row.map(|(name, role, password_hash)| AdminUser { name, role, password_hash }))
        })
    }

    /// Opens a session (stored by the hash of its cookie token) until `expires_at`.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user: &str,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("DELETE FROM admin_session WHERE expires_at <= $1").bind(now).execute(pool).await?;
            sqlx::query(
                "INSERT INTO admin_session (token_hash, user_name, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(user)
            .bind(csrf)
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// The live session of this token hash, if any.
    pub async fn session(&self, token_hash: &str, now: i64) -> Result<Option<AdminSession>, StoreError> {
        with_pool!(self, pool => {
            let row: Option<(String, String, String)> = sqlx::query_as(
                "SELECT s.user_name, u.role, s.csrf FROM admin_session s JOIN admin_user u ON u.name = s.user_name
                 WHERE s.token_hash = $1 AND s.expires_at > $2",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?;
            Ok(row.map(|(user, role, csrf)| AdminSession { user, role, csrf }))
        })
    }

    /// Ends a session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("DELETE FROM admin_session WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
            Ok(())
        })
    }

    /// Writes one line of the audit log.
    pub async fn audit(&self, now: i64, actor: &str, action: &str, detail: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("INSERT INTO audit_log (at, actor, action, detail) VALUES ($1, $2, $3, $4)")
                .bind(now)
                .bind(actor)
                .bind(action)
                .bind(detail)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// The latest `limit` lines of the audit log, newest first.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        with_pool!(self, pool => {
            let rows: Vec<(i64, String, String, String)> =
                sqlx::query_as("SELECT at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT $1")
                    .bind(limit)
                    .fetch_all(pool)
                    .await?;
            Ok(rows.into_iter().map(|(at, actor, action, detail)| AuditEntry { at, actor, action, detail }).collect())
        })
    }
}
