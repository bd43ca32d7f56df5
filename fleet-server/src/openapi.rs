//! The OpenAPI 3 description of the station API (`/api/openapi.json`), for people writing
//! their own agent or checking ours.

use serde_json::{Value, json};

/// The document.
pub fn document() -> Value {
    let error = json!({"$ref": "#/components/schemas/ApiError"});
    let bearer = json!([{"stationToken": []}]);
    let count = json!({"type": "integer", "minimum": 0});
    let flag = json!({"type": "boolean"});
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Fleet server station API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Stations enrol with a site's code, send anonymous usage records and health, and download the station policy."
        },
        "paths": {
            "/api/v1/enrol": {"post": {
                "summary": "Exchange a site's enrolment code for a station id and token",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EnrolRequest"}}}},
                "responses": {
                    "200": {"description": "Enrolled", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EnrolResponse"}}}},
                    "403": {"description": "Unknown, expired or revoked code", "content": {"application/json": {"schema": error}}},
                    "422": {"description": "Invalid body; `path` names the field", "content": {"application/json": {"schema": error}}}
                }
            }},
            "/api/v1/report": {"post": {
                "summary": "Send up to 1,000 usage records and a health snapshot",
                "security": bearer,
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReportRequest"}}}},
                "responses": {
                    "200": {"description": "Each record id is accepted or was a duplicate: both may be deleted by the station",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReportResponse"}}}},
                    "401": {"description": "Missing, unknown or revoked token", "content": {"application/json": {"schema": error}}},
                    "413": {"description": "Body larger than 2 MiB", "content": {"application/json": {"schema": error}}},
                    "422": {"description": "Invalid body; `path` names the field", "content": {"application/json": {"schema": error}}}
                }
            }},
            "/api/v1/policy": {"get": {
                "summary": "The station policy as published (TOML)",
                "security": bearer,
                "parameters": [{"name": "If-None-Match", "in": "header", "required": false, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "The policy; ETag and x-policy-version headers", "content": {"application/toml": {"schema": {"type": "string"}}}},
                    "304": {"description": "Unchanged since the ETag given"},
                    "401": {"description": "Missing, unknown or revoked token", "content": {"application/json": {"schema": error}}},
                    "404": {"description": "No policy published yet", "content": {"application/json": {"schema": error}}}
                }
            }}
        },
        "components": {
            "securitySchemes": {"stationToken": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "ApiError": {"type": "object", "required": ["error"], "properties": {
                    "error": {"type": "string"}, "path": {"type": "string"}}},
                "EnrolRequest": {"type": "object", "additionalProperties": false, "required": ["code", "hostname", "agent_version"], "properties": {
                    "code": {"type": "string"}, "hostname": {"type": "string"}, "agent_version": {"type": "string"},
                    "kiosk_version": {"type": "string", "nullable": true}}},
                "EnrolResponse": {"type": "object", "required": ["station_id", "token"], "properties": {
                    "station_id": {"type": "string", "format": "uuid"}, "token": {"type": "string"}}},
                "ReportRequest": {"type": "object", "additionalProperties": false, "required": ["records", "health"], "properties": {
                    "records": {"type": "array", "maxItems": 1000, "items": {"$ref": "#/components/schemas/UsageRecord"}},
                    "health": {"type": "object", "nullable": true, "description": "HealthReport of the protocol crate"}}},
                "ReportResponse": {"type": "object", "required": ["accepted", "duplicates"], "properties": {
                    "accepted": {"type": "array", "items": {"type": "string", "format": "uuid"}},
                    "duplicates": {"type": "array", "items": {"type": "string", "format": "uuid"}}}},
                "UsageRecord": {"type": "object", "additionalProperties": false,
                    "description": "One finished session, anonymous by construction",
                    "required": ["id", "date", "hour", "duration_min", "procedures", "assisted", "language", "large_text",
                                 "high_contrast", "pages_printed", "scans", "downloads", "blocked", "end", "wipe_ms"],
                    "properties": {
                        "id": {"type": "string", "format": "uuid", "description": "UUIDv7"},
                        "date": {"type": "string", "format": "date"},
                        "hour": {"type": "integer", "minimum": 0, "maximum": 23},
                        "duration_min": count,
                        "procedures": {"type": "array", "items": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,63}$"}},
                        "assisted": flag,
                        "language": {"type": "string", "pattern": "^[a-z]{2,3}$"},
                        "large_text": flag,
                        "high_contrast": flag,
                        "pages_printed": count,
                        "scans": count,
                        "downloads": count,
                        "blocked": count,
                        "end": {"type": "string", "enum": ["user", "idle", "recovered"]},
                        "wipe_ms": count
                    }}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use protocol::{Language, RecordId, SessionEnd, SessionTally, UsageRecord};

    use super::*;

    #[test]
    fn the_usage_record_schema_matches_the_protocol() {
        let started = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap().and_hms_opt(9, 0, 0).unwrap();
        let tally = SessionTally::new(Language::french());
        let record = UsageRecord::new(
            RecordId::generate(),
            started,
            Duration::ZERO,
            tally,
            SessionEnd::User,
            Duration::ZERO,
        );
        let json = serde_json::to_value(record).unwrap();
        let mut actual: Vec<&String> = json.as_object().unwrap().keys().collect();
        let document = document();
        let schema = &document["components"]["schemas"]["UsageRecord"];
        let mut documented: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
        actual.sort();
        documented.sort();
        assert_eq!(actual, documented);
        assert_eq!(schema["required"].as_array().unwrap().len(), documented.len());
    }
}
