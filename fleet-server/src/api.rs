//! The station API (`/api/v1`): enrolment, reports, the policy document.

use std::sync::Arc;

use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use protocol::api::{
    ApiError, EnrolRequest, EnrolResponse, MAX_RECORDS_PER_REPORT, POLICY_MEDIA_TYPE, POLICY_VERSION_HEADER,
    PolicyDocument, ReportRequest, ReportResponse,
};
use serde::de::DeserializeOwned;

use crate::admin::auth::LoginLimiter;
use crate::config::ServerConfig;
use crate::metrics::Metrics;
use crate::secrets;
use crate::store::{NewStation, Seen, StationAuth, Store, StoreError};

/// Largest request body accepted by the station API (1,000 records fit easily).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// What every handler shares.
pub struct AppState {
    /// The storage.
    pub store: Store,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
    /// The configuration (offline delay, cookies, retention).
    pub settings: ServerConfig,
    /// Failed dashboard log-ins.
    pub logins: LoginLimiter,
    /// Where reports leave their "station seen" trace (written in batches).
    pub seen: tokio::sync::mpsc::Sender<Seen>,
}

impl AppState {
    /// The state of a server on `store` with `settings`, whose traces go to `seen`.
    pub fn new(store: Store, settings: ServerConfig, seen: tokio::sync::mpsc::Sender<Seen>) -> Self {
        Self { store, metrics: Metrics::default(), settings, logins: LoginLimiter::default(), seen }
    }
}

/// Errors of the station API, each with its status and a clear message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The body is not valid JSON of the expected shape.
    #[error("{message}")]
    Invalid {
        /// What is wrong.
        message: String,
        /// Where, as a JSON path.
        path: Option<String>,
    },
    /// No or an unknown/revoked token.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// A wrong or expired enrolment code.
    #[error("this enrolment code is unknown, expired or revoked")]
    Forbidden,
    /// Nothing to send.
    #[error("{0}")]
    NotFound(&'static str),
    /// The body is too large.
    #[error("{0}")]
    TooLarge(String),
    /// A storage failure (logged, never shown).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, path) = match &self {
            Self::Invalid { path, .. } => (StatusCode::UNPROCESSABLE_ENTITY, path.clone()),
            Self::Unauthorized(_) => (StatusCode::UNAUTHORIZED, None),
            Self::Forbidden => (StatusCode::FORBIDDEN, None),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, None),
            Self::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, None),
            Self::Store(error) => {
                tracing::error!(%error, "storage failure");
                let body = ApiError { error: "internal error; the server logged it".into(), path: None };
                return (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response();
            }
        };
        (status, Json(ApiError { error: self.to_string(), path })).into_response()
    }
}

/// JSON body whose errors name the path of the bad field (422), or say the body is too large (413).
pub struct CheckedJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for CheckedJson<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Error> {
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|length| length > MAX_BODY_BYTES) {
            return Err(Error::TooLarge(format!("the body is larger than {MAX_BODY_BYTES} bytes")));
        }
        let bytes =
            axum::body::Bytes::from_request(request, state).await.map_err(|rejection: BytesRejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    Error::TooLarge(format!("the body is larger than {MAX_BODY_BYTES} bytes"))
                } else {
                    Error::Invalid { message: rejection.body_text(), path: None }
                }
            })?;
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(&mut deserializer) {
            Ok(value) => Ok(Self(value)),
            Err(error) => {
                let path = error.path().to_string();
                let message = error.inner().to_string();
                let path = (path != ".").then_some(path);
                Err(Error::Invalid { message, path })
            }
        }
    }
}

/// The station API's and the dashboard's routes.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .merge(crate::admin::router())
        .route("/api/v1/enrol", post(enrol))
        .route("/api/v1/report", post(report))
        .route("/api/v1/policy", get(policy))
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .route("/api/openapi.json", get(|| async { Json(crate::openapi::document()) }))
        .layer(axum::middleware::from_fn_with_state(state.clone(), count_refusals))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}

async fn count_refusals(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    if response.status().is_client_error() && response.status() != StatusCode::NOT_MODIFIED {
        Metrics::add(&state.metrics.requests_refused, 1);
    }
    response
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn enrol(
    State(state): State<Arc<AppState>>,
    CheckedJson(request): CheckedJson<EnrolRequest>,
) -> Result<Json<EnrolResponse>, Error> {
    let token = secrets::new_token();
    let station = NewStation {
        id: uuid::Uuid::new_v4().to_string(),
        hostname: request.hostname.chars().take(253).collect(),
        token_hash: secrets::digest(&token),
        agent_version: request.agent_version.chars().take(64).collect(),
        kiosk_version: request.kiosk_version.map(|v| v.chars().take(64).collect()),
    };
    match state.store.enrol(&secrets::digest(&request.code), now(), &station).await {
        Ok(site_id) => {
            Metrics::add(&state.metrics.enrolments, 1);
            tracing::info!(station = %station.id, site_id, hostname = %station.hostname, "station enrolled");
            let station_id = station.id.parse().expect("a fresh UUID parses");
            Ok(Json(EnrolResponse { station_id, token }))
        }
        Err(StoreError::NotFound) => {
            Metrics::add(&state.metrics.enrolments_refused, 1);
            Err(Error::Forbidden)
        }
        Err(error) => Err(error.into()),
    }
}

/// The station presenting a valid bearer token; checked before the body is read.
pub struct Authenticated(pub StationAuth);

impl FromRequestParts<Arc<AppState>> for Authenticated {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Error> {
        authenticate(state, &parts.headers).await.map(Self)
    }
}

async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<StationAuth, Error> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or(Error::Unauthorized("a station token is required: Authorization: Bearer TOKEN"))?;
    match state.store.station_by_token(&secrets::digest(token.trim())).await? {
        Some(station) if station.revoked_at.is_none() => Ok(station),
        Some(_) => Err(Error::Unauthorized("this station was revoked: enrol it again")),
        None => Err(Error::Unauthorized("unknown station token")),
    }
}

async fn report(
    State(state): State<Arc<AppState>>,
    Authenticated(station): Authenticated,
    CheckedJson(request): CheckedJson<ReportRequest>,
) -> Result<Json<ReportResponse>, Error> {
    if request.records.len() > MAX_RECORDS_PER_REPORT {
        return Err(Error::Invalid {
            message: format!(
                "{} records in one report: at most {MAX_RECORDS_PER_REPORT}",
                request.records.len()
            ),
            path: Some("records".into()),
        });
    }
    let now = now();
    let ingested = state.store.insert_records(&station.id, &request.records, now).await?;
    let health = request.health.as_ref().map(|h| serde_json::to_string(h).expect("health reports serialize"));
    let seen = Seen { station_id: station.id.clone(), at: now, health };
    if state.seen.send(seen).await.is_err() {
        tracing::warn!(station = %station.id, "server stopping: this report's health is not noted");
    }
    Metrics::add(&state.metrics.reports, 1);
    Metrics::add(&state.metrics.records_accepted, ingested.accepted.len() as u64);
    Metrics::add(&state.metrics.records_duplicate, ingested.duplicates.len() as u64);
    Ok(Json(ReportResponse { accepted: ingested.accepted, duplicates: ingested.duplicates }))
}

async fn policy(
    State(state): State<Arc<AppState>>,
    station: Authenticated,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let latest = state.store.latest_policy().await?.ok_or(Error::NotFound(
        "no policy has been published yet: publish one with `fleet-server policy publish FILE`",
    ))?;
    let text = match state.store.site_override(station.0.site_id).await? {
        None => latest.text,
        Some(site) => match crate::site_policy::apply(&latest.text, &site.settings) {
            Ok(merged) => merged,
            Err(errors) => {
                tracing::warn!(
                    site = site.site_id,
                    ?errors,
                    "site settings do not fit the fleet policy: sending the fleet policy"
                );
                latest.text
            }
        },
    };
    let document = PolicyDocument { version: latest.version.unsigned_abs(), text };
    let etag = document.etag();
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|candidate| candidate.trim() == etag));
    let version = document.version.to_string();
    if matches {
        Metrics::add(&state.metrics.policy_not_modified, 1);
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (POLICY_VERSION_HEADER.parse().unwrap(), version)],
        )
            .into_response());
    }
    Metrics::add(&state.metrics.policy_sent, 1);
    Ok((
        [
            (header::CONTENT_TYPE, POLICY_MEDIA_TYPE.to_owned()),
            (header::ETAG, etag),
            (POLICY_VERSION_HEADER.parse().unwrap(), version),
        ],
        document.text,
    )
        .into_response())
}
