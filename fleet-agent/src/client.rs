//! The agent's side of the station API: enrol, report, fetch the policy. Every failure says what
//! to do with it: retry later (and when), the token is refused, or the batch holds a bad record.

use std::time::Duration;

use protocol::api::{
    ApiError, EnrolRequest, EnrolResponse, POLICY_VERSION_HEADER, ReportRequest, ReportResponse,
};

/// What went wrong talking to the server.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Network trouble or a server error: try again later (after `retry_after` if it said so).
    #[error("{message}")]
    Retry {
        /// What happened.
        message: String,
        /// The server's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// The token was refused (unknown or revoked station).
    #[error("the server refuses this station's token: {0}")]
    Unauthorized(String),
    /// The server refused the request itself (4xx); `path` names the bad field if known.
    #[error("the server refused the request: {message}")]
    Refused {
        /// The status.
        status: u16,
        /// The server's message.
        message: String,
        /// JSON path of the bad field.
        path: Option<String>,
    },
}

/// A policy answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyAnswer {
    /// Unchanged since the ETag sent.
    NotModified,
    /// None published yet.
    NonePublished,
    /// A policy.
    Policy {
        /// Its text.
        text: String,
        /// Its ETag.
        etag: Option<String>,
        /// Its version.
        version: Option<String>,
    },
}

/// A client of one fleet server.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    base: String,
}

fn retry_after(response: &ureq::http::Response<ureq::Body>) -> Option<Duration> {
    let value = response.headers().get("retry-after")?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(|s| Duration::from_secs(s.min(3_600)))
}

impl Client {
    /// A client of the server at `base` (e.g. `https://parc.ville.example`), trusting its
    /// certificate as `tls` says (see [`crate::tls::server_tls`]).
    pub fn new(base: &str, tls: ureq::tls::TlsConfig) -> Self {
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .timeout_connect(Some(Duration::from_secs(10)))
            .user_agent(concat!("fleet-agent/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Self { agent, base: base.trim_end_matches('/').to_owned() }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sorts a response: the body of a 2xx, or the error it means.
    fn check(&self, mut response: ureq::http::Response<ureq::Body>) -> Result<(u16, String), ClientError> {
        let status = response.status().as_u16();
        let wait = retry_after(&response);
        let body = response.body_mut().read_to_string().unwrap_or_default();
        let api: Option<ApiError> = serde_json::from_str(&body).ok();
        let message = api.as_ref().map_or_else(|| body.chars().take(200).collect(), |e| e.error.clone());
        match status {
            200..=299 | 304 => Ok((status, body)),
            401 => Err(ClientError::Unauthorized(message)),
            408 | 425 | 429 | 500..=599 => {
                Err(ClientError::Retry { message: format!("HTTP {status}: {message}"), retry_after: wait })
            }
            _ => Err(ClientError::Refused { status, message, path: api.and_then(|e| e.path) }),
        }
    }

    fn transport(error: ureq::Error) -> ClientError {
        let message = match &error {
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
                format!("the server's certificate is not trusted ({io}): check server_ca in agent.toml")
            }
            _ => format!("cannot reach the server: {error}"),
        };
        ClientError::Retry { message, retry_after: None }
    }

    /// Enrols with a site's code.
    pub fn enrol(&self, request: &EnrolRequest) -> Result<EnrolResponse, ClientError> {
        let response =
            self.agent.post(&self.url("/api/v1/enrol")).send_json(request).map_err(Self::transport)?;
        let (_, body) = self.check(response)?;
        serde_json::from_str(&body).map_err(|e| ClientError::Retry {
            message: format!("unexpected enrolment answer: {e}"),
            retry_after: None,
        })
    }

    /// Sends a report.
    pub fn report(&self, token: &str, request: &ReportRequest) -> Result<ReportResponse, ClientError> {
        let response = self
            .agent
            .post(&self.url("/api/v1/report"))
            .header("authorization", &format!("Bearer {token}"))
            .send_json(request)
            .map_err(Self::transport)?;
        let (_, body) = self.check(response)?;
        serde_json::from_str(&body).map_err(|e| ClientError::Retry {
            message: format!("unexpected report answer: {e}"),
            retry_after: None,
        })
    }

    /// Fetches the station's policy, unless it still has `etag`.
    pub fn policy(&self, token: &str, etag: Option<&str>) -> Result<PolicyAnswer, ClientError> {
        let mut request =
            self.agent.get(&self.url("/api/v1/policy")).header("authorization", &format!("Bearer {token}"));
        if let Some(etag) = etag {
            request = request.header("if-none-match", etag);
        }
        let response = request.call().map_err(Self::transport)?;
        if response.status() == 404 {
            return Ok(PolicyAnswer::NonePublished);
        }
        let header =
            |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let (etag, version) = (header("etag"), header(POLICY_VERSION_HEADER));
        let (status, text) = self.check(response)?;
        if status == 304 {
            return Ok(PolicyAnswer::NotModified);
        }
        Ok(PolicyAnswer::Policy { text, etag, version })
    }
}
