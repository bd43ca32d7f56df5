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

/// The policy as it travels from the server to a station: the TOML text, its published version
/// number and an `ETag` derived from both, so a station that has it already gets `304`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    /// The version number the server gave it when it was published.
    pub version: u64,
    /// The policy file's text, exactly as published (comments included).
    pub text: String,
}

impl PolicyDocument {
    /// The strong `ETag` of this document (quoted, as in the HTTP header): the version and a
    /// 64-bit FNV-1a hash of the text, stable across server restarts and replicas.
    pub fn etag(&self) -> String {
        let hash = self.text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        format!("\"v{}-{hash:016x}\"", self.version)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_change_with_the_text_or_the_version_and_only_then() {
        let doc = PolicyDocument { version: 3, text: "version = 1\n".into() };
        let etag = doc.etag();
        assert!(etag.starts_with("\"v3-") && etag.ends_with('"') && etag.len() == 21, "{etag}");
        assert_eq!(etag, doc.clone().etag());
        assert_ne!(etag, PolicyDocument { version: 4, ..doc.clone() }.etag());
        assert_ne!(etag, PolicyDocument { text: "version = 1\n#\n".into(), ..doc }.etag());
    }

    #[test]
    fn messages_use_the_agreed_field_names() {
        let enrol: EnrolRequest =
            serde_json::from_str(r#"{"code":"K7F2-9QX","hostname":"pan-01","agent_version":"0.1.0"}"#)
                .unwrap();
        assert_eq!(enrol.kiosk_version, None);
        let answer = EnrolResponse { station_id: Uuid::nil(), token: "t".into() };
        assert_eq!(
            serde_json::to_string(&answer).unwrap(),
            r#"{"station_id":"00000000-0000-0000-0000-000000000000","token":"t"}"#
        );
        let report: ReportRequest = serde_json::from_str(r#"{"records":[],"health":null}"#).unwrap();
        assert!(report.records.is_empty() && report.health.is_none());
        let reply = ReportResponse::default();
        assert_eq!(serde_json::to_string(&reply).unwrap(), r#"{"accepted":[],"duplicates":[]}"#);
        let error = ApiError { error: "hour out of range".into(), path: Some("records[3].hour".into()) };
        assert_eq!(
            serde_json::to_string(&error).unwrap(),
            r#"{"error":"hour out of range","path":"records[3].hour"}"#
        );
        assert!(serde_json::from_str::<ReportRequest>(r#"{"records":[],"health":null,"x":1}"#).is_err());
    }
}
