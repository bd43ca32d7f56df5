//! The admin dashboard: server-rendered French pages (askama templates in `templates/`), no
//! script. IT staff (`it-admin`) see the fleet, sites, enrolment codes and the policy; the
//! project team (`reporting`) sees usage figures and exports only.

pub mod auth;
mod chart;
mod fleet;
mod health;
mod policy;
mod sites;
mod usage;

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::DateTime;

use crate::api::AppState;
use crate::store::StoreError;
use auth::Admin;

/// The dashboard's routes, under `/admin`.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/admin") }))
        .route("/admin", get(home))
        .route("/admin/login", get(auth::login_form).post(auth::login))
        .route("/admin/logout", post(auth::logout))
        .route("/admin/parc", get(fleet::fleet_page))
        .route("/admin/postes/{id}", get(fleet::station_page))
        .route("/admin/postes/{id}/revoquer", post(fleet::revoke_station))
        .route("/admin/sites", get(sites::sites_page).post(sites::add_site))
        .route("/admin/sites/{id}/code", post(sites::new_code))
        .route("/admin/codes/revoquer", post(sites::revoke_code))
        .route("/admin/sites/{id}/reglages", get(sites::override_page).post(sites::save_override))
        .route("/admin/politique", get(policy::policy_page).post(policy::submit_policy))
        .route(
            "/admin/politique/fichier",
            post(policy::upload_policy).layer(DefaultBodyLimit::max(policy::MAX_POLICY_BYTES + 64 * 1024)),
        )
        .route("/admin/usage", get(usage::usage_page))
        .route("/admin/export", get(usage::export))
}

async fn home(admin: Admin) -> Redirect {
    if admin.is_it_admin() { Redirect::to("/admin/parc") } else { Redirect::to("/admin/usage") }
}

/// The navigation bar's data, shared by every page.
pub struct Nav {
    /// Who is logged in.
    pub user: String,
    /// Whether the fleet pages are shown.
    pub it_admin: bool,
    /// The session's CSRF token (for the log-out form).
    pub csrf: String,
    /// The current section.
    pub active: &'static str,
}

impl Nav {
    fn new(admin: &Admin, active: &'static str) -> Self {
        Self { user: admin.user.clone(), it_admin: admin.is_it_admin(), csrf: admin.csrf.clone(), active }
    }
}

/// A page that could not be shown, with its status and a sentence for the user.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Not allowed (role, CSRF).
    #[error("{0}")]
    Forbidden(String),
    /// Nothing there.
    #[error("{0}")]
    NotFound(String),
    /// A bad parameter.
    #[error("{0}")]
    BadRequest(String),
    /// A storage failure (logged, not shown).
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: &'static str,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title) = match &self {
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "Accès refusé"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "Introuvable"),
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "Demande incorrecte"),
            Self::Store(error) => {
                tracing::error!(%error, "storage failure on a dashboard page");
                (StatusCode::INTERNAL_SERVER_ERROR, "Erreur du serveur")
            }
        };
        let message = match self {
            Self::Store(_) => {
                "Le serveur n'a pas pu lire ou écrire ses données ; l'erreur est dans son journal.".into()
            }
            Self::Forbidden(m) | Self::NotFound(m) | Self::BadRequest(m) => m,
        };
        (status, html(&ErrorPage { title, message })).into_response()
    }
}

/// Renders a template as an HTML response.
pub fn html(template: &impl Template) -> Response {
    match template.render() {
        Ok(text) => Html(text).into_response(),
        Err(error) => {
            tracing::error!(%error, "a dashboard template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// Unix seconds now.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A date and time for people, UTC: `03/12/2026 18:40 UTC`.
pub fn when(seconds: i64) -> String {
    DateTime::from_timestamp(seconds, 0)
        .map_or_else(String::new, |t| t.format("%d/%m/%Y %H:%M UTC").to_string())
}

/// How long ago, in words: `il y a 3 min`.
pub fn ago(now: i64, seconds: i64) -> String {
    let elapsed = (now - seconds).max(0);
    match elapsed {
        0..60 => "à l'instant".into(),
        60..3_600 => format!("il y a {} min", elapsed / 60),
        3_600..86_400 => format!("il y a {} h", elapsed / 3_600),
        _ => format!("il y a {} j", elapsed / 86_400),
    }
}

/// A size in bytes for people: `12,5 Go`.
pub fn bytes(value: u64) -> String {
    const GB: f64 = 1024.0 * 1024.0 * 1024.0;
    let gb = value as f64 / GB;
    if gb >= 1.0 { format!("{gb:.1} Go").replace('.', ",") } else { format!("{} Mo", value / (1024 * 1024)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_sizes_read_naturally() {
        assert_eq!(ago(1_000, 1_000), "à l'instant");
        assert_eq!(ago(1_000 + 180, 1_000), "il y a 3 min");
        assert_eq!(ago(2 * 86_400 + 5, 0), "il y a 2 j");
        assert_eq!(bytes(13_421_772_800), "12,5 Go");
        assert_eq!(bytes(500 * 1024 * 1024), "500 Mo");
        assert_eq!(when(0), "01/01/1970 00:00 UTC");
    }
}
