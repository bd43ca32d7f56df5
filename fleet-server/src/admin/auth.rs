//! Dashboard log-in: a session cookie (HttpOnly, SameSite=Strict, Secure unless configured off),
//! a CSRF token in every form, and a limit on failed log-ins per name and per address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::tls::Peer;
use askama::Template;
use axum::extract::{ConnectInfo, Form, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{PageError, html, now};
use crate::api::AppState;
use crate::secrets;
use crate::store::AdminSession;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "fleet_session";
/// Name of the cookie that carries the log-in form's CSRF token.
pub const LOGIN_COOKIE: &str = "fleet_login";
/// How long a session lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(8 * 3600);
/// Failed log-ins allowed per name within [`FAILURE_WINDOW`].
pub const MAX_FAILURES_PER_NAME: usize = 5;
/// Failed log-ins allowed per client address within [`FAILURE_WINDOW`].
pub const MAX_FAILURES_PER_ADDRESS: usize = 20;
/// The window of the log-in limit.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Dashboard roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything.
    ItAdmin,
    /// Usage figures and exports only.
    Reporting,
}

impl Role {
    /// The role stored as `it-admin` or `reporting`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "it-admin" => Some(Self::ItAdmin),
            "reporting" => Some(Self::Reporting),
            _ => None,
        }
    }
}

/// A logged-in dashboard user.
#[derive(Debug, Clone)]
pub struct Admin {
    /// Login name.
    pub user: String,
    /// Role.
    pub role: Role,
    /// The token every form of this session carries.
    pub csrf: String,
}

impl Admin {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), PageError> {
        if secrets::same(token, &self.csrf) {
            Ok(())
        } else {
            Err(PageError::Forbidden(
                "Ce formulaire a expiré ou ne vient pas du tableau de bord : rechargez la page et recommencez.".into(),
            ))
        }
    }

    /// Whether this user may manage the fleet.
    pub fn is_it_admin(&self) -> bool {
        self.role == Role::ItAdmin
    }
}

/// The value of cookie `name` in the request, if any.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn set_cookie(name: &str, value: &str, max_age: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

impl FromRequestParts<Arc<AppState>> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Response> {
        let session = match cookie(&parts.headers, SESSION_COOKIE) {
            Some(token) => state
                .store
                .session(&secrets::digest(token), now())
                .await
                .map_err(|e| PageError::from(e).into_response())?,
            None => None,
        };
        match session {
            Some(AdminSession { user, role, csrf }) => {
                let role = Role::from_name(&role).unwrap_or(Role::Reporting);
                Ok(Self { user, role, csrf })
            }
            None => {
                let next = parts.uri.path_and_query().map_or("/admin", |p| p.as_str());
                let target = format!("/admin/login?next={}", urlencode(next));
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

/// A logged-in user with the `it-admin` role; others get a 403 page.
pub struct ItAdmin(pub Admin);

impl FromRequestParts<Arc<AppState>> for ItAdmin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Response> {
        let admin = Admin::from_request_parts(parts, state).await?;
        if admin.is_it_admin() {
            Ok(Self(admin))
        } else {
            Err(PageError::Forbidden(
                "Cette page est réservée au rôle it-admin ; votre rôle « reporting » donne accès aux \
                 statistiques et aux exports."
                    .into(),
            )
            .into_response())
        }
    }
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Failed log-ins, per name and per client address, forgotten after [`FAILURE_WINDOW`].
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginLimiter {
    fn keys(name: &str, address: IpAddr) -> [(String, usize); 2] {
        [
            (format!("name:{}", name.to_lowercase()), MAX_FAILURES_PER_NAME),
            (format!("address:{address}"), MAX_FAILURES_PER_ADDRESS),
        ]
    }

    /// How long until this name or address may try again, if it is blocked now.
    pub fn blocked_for(&self, name: &str, address: IpAddr, at: Instant) -> Option<Duration> {
        let mut failures = self.failures.lock().expect("the limiter lock is never poisoned");
        failures.retain(|_, times| {
            times.retain(|t| at.duration_since(*t) < FAILURE_WINDOW);
            !times.is_empty()
        });
        Self::keys(name, address)
            .iter()
            .filter_map(|(key, limit)| {
                let times = failures.get(key)?;
                (times.len() >= *limit).then(|| FAILURE_WINDOW.saturating_sub(at.duration_since(times[0])))
            })
            .max()
    }

    /// Notes a failed log-in.
    pub fn failed(&self, name: &str, address: IpAddr, at: Instant) {
        let mut failures = self.failures.lock().expect("the limiter lock is never poisoned");
        for (key, _) in Self::keys(name, address) {
            failures.entry(key).or_default().push(at);
        }
    }

    /// Forgets the failures of a name after a successful log-in.
    pub fn succeeded(&self, name: &str) {
        let mut failures = self.failures.lock().expect("the limiter lock is never poisoned");
        failures.remove(&format!("name:{}", name.to_lowercase()));
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    next: String,
    name: String,
    error: Option<String>,
}

/// `?next=` of the log-in page.
#[derive(Debug, Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Only local dashboard paths are followed after log-in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with("/admin") && !path.starts_with("//") => path.to_owned(),
        _ => "/admin".to_owned(),
    }
}

fn login_page(
    state: &AppState,
    next: &str,
    name: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let csrf = secrets::new_token();
    let page = LoginPage { csrf: csrf.clone(), next: next.to_owned(), name: name.to_owned(), error };
    let cookie = set_cookie(LOGIN_COOKIE, &csrf, 3600, state.settings.secure_cookies);
    (status, [(header::SET_COOKIE, cookie)], html(&page)).into_response()
}

/// `GET /admin/login`.
pub async fn login_form(State(state): State<Arc<AppState>>, Query(next): Query<Next>) -> Response {
    login_page(&state, &safe_next(next.next.as_deref()), "", None, StatusCode::OK)
}

/// The log-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

/// `POST /admin/login`.
pub async fn login(
    State(state): State<Arc<AppState>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let next = safe_next(form.next.as_deref());
    let name = form.name.trim();
    if !cookie(&headers, LOGIN_COOKIE).is_some_and(|expected| secrets::same(expected, &form.csrf)) {
        return Ok(login_page(
            &state,
            &next,
            name,
            Some("Le formulaire a expiré : saisissez à nouveau votre mot de passe.".into()),
            StatusCode::FORBIDDEN,
        ));
    }
    let at = Instant::now();
    if let Some(wait) = state.logins.blocked_for(name, peer.ip(), at) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        tracing::warn!(user = name, address = %peer.ip(), "log-in refused: too many failures");
        return Ok(login_page(
            &state,
            &next,
            name,
            Some(format!("Trop d'essais infructueux. Réessayez dans {minutes} minute(s).")),
            StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    let user = state.store.user(name).await?;
    let hash = user.as_ref().map_or(secrets::unusable_password_hash(), |u| u.password_hash.as_str());
    let password = form.password.clone();
    let hash = hash.to_owned();
    let verified = tokio::task::spawn_blocking(move || secrets::verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let Some(user) = user.filter(|_| verified) else {
        state.logins.failed(name, peer.ip(), at);
        tracing::warn!(user = name, address = %peer.ip(), "log-in failed");
        return Ok(login_page(
            &state,
            &next,
            name,
            Some("Nom d'utilisateur ou mot de passe incorrect.".into()),
            StatusCode::UNAUTHORIZED,
        ));
    };
    state.logins.succeeded(name);
    let token = secrets::new_token();
    let now = now();
    let lifetime = SESSION_LIFETIME.as_secs();
    state
        .store
        .create_session(
            &secrets::digest(&token),
            &user.name,
            &secrets::new_token(),
            now,
            now + lifetime as i64,
        )
        .await?;
    state.store.audit(now, &user.name, "login", &format!("from {}", peer.ip())).await?;
    let secure = state.settings.secure_cookies;
    let mut response = Redirect::to(&next).into_response();
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &token, lifetime, secure).parse().unwrap());
    headers.append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, "", 0, secure).parse().unwrap());
    Ok(response)
}

/// A form that only carries the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    /// The session's CSRF token.
    pub csrf: String,
}

/// `POST /admin/logout`.
pub async fn logout(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    admin.check_csrf(&form.csrf)?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.store.delete_session(&secrets::digest(token)).await?;
    }
    let cookie = set_cookie(SESSION_COOKIE, "", 0, state.settings.secure_cookies);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/admin/login")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_blocks_a_name_after_five_failures_for_fifteen_minutes() {
        let limiter = LoginLimiter::default();
        let address: IpAddr = [127, 0, 0, 1].into();
        let start = Instant::now();
        for _ in 0..MAX_FAILURES_PER_NAME {
            assert_eq!(limiter.blocked_for("alice", address, start), None);
            limiter.failed("alice", address, start);
        }
        let wait = limiter.blocked_for("Alice", address, start + Duration::from_secs(60)).unwrap();
        assert_eq!(wait, FAILURE_WINDOW - Duration::from_secs(60));
        assert_eq!(limiter.blocked_for("bob", address, start), None, "another name is not blocked");
        assert_eq!(limiter.blocked_for("alice", address, start + FAILURE_WINDOW), None);
    }

    #[test]
    fn after_log_in_only_dashboard_paths_are_followed() {
        assert_eq!(safe_next(Some("/admin/usage?from=2026-01-01")), "/admin/usage?from=2026-01-01");
        assert_eq!(safe_next(Some("https://elsewhere.example/")), "/admin");
        assert_eq!(safe_next(Some("//elsewhere.example/admin")), "/admin");
        assert_eq!(safe_next(None), "/admin");
    }

    #[test]
    fn cookies_are_found_among_several() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=1; fleet_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, LOGIN_COOKIE), None);
    }
}
