//! Messages of the station API (`/api/v1`), spoken by the agent and the server.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::health::HealthReport;
use crate::record::{RecordId, UsageRecord};

/// Path prefix of the station API.
pub const API_PREFIX: &str = "/api/v1";
/// Most usage records one report may carry.
pub const MAX_RECORDS_PER_REPORT: usize = 1000;
/// Media type of the policy document (`GET /api/v1/policy`).
pub const POLICY_MEDIA_TYPE: &str = "application/toml";
/// Response header carrying the policy's version number next to its `ETag`.
pub const POLICY_VERSION_HEADER: &str = "x-policy-version";

/// `POST /api/v1/enrol`: a station asks to join a site with the site's enrolment code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The site's enrolment code.
    pub code: String,
    /// The station's host name, shown on the dashboard.
    pub hostname: String,
    /// Version of the enrolling agent.
    pub agent_version: String,
    /// Version of the kiosk installed beside it, when known.
    #[serde(default)]
    pub kiosk_version: Option<String>,
}

/// The answer to an enrolment: the station's id and its secret token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolResponse {
    /// The new station's id.
    pub station_id: Uuid,
    /// The bearer token for every later call; the server keeps only its hash.
    pub token: String,
}

/// `POST /api/v1/report`: usage records and, optionally, a health snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// At most [`MAX_RECORDS_PER_REPORT`] records.
    pub records: Vec<UsageRecord>,
    /// The station's health, when the agent collected one.
    pub health: Option<HealthReport>,
}

/// The answer to a report: every record id is in exactly one list, and may be deleted locally.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportResponse {
    /// Records stored by this call.
    pub accepted: Vec<RecordId>,
    /// Records the server already had (a re-sent batch).
    pub duplicates: Vec<RecordId>,
}

/// The body of every 4xx answer of the station API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// What was wrong, in words.
    pub error: String,
    /// The JSON path of the bad field, for invalid input (e.g. `records[3].hour`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}
