//! The station API over HTTP, on a real server on 127.0.0.1:0, as an agent (or an attacker) uses it.

mod common;

use common::{TestDb, TestServer, record};
use protocol::api::{EnrolResponse, ReportResponse};
use serde_json::{Value, json};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// POSTs JSON text, returns (status, body as JSON or text).
fn post(server: &TestServer, path: &str, token: Option<&str>, body: &str) -> (u16, Value) {
    let mut request = agent().post(&server.url(path)).header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", &format!("Bearer {token}"));
    }
    let mut response = request.send(body).unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Sends only the head of a report declaring a 3 MiB body, and returns the status: the server must
/// refuse it from the declared length, without reading (or waiting for) the body.
fn declare_huge_body(server: &TestServer, token: &str) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(server.address).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    let head = format!(
        "POST /api/v1/report HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        server.address,
        3 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut response = [0u8; 64];
    let read = stream.read(&mut response).unwrap();
    let status_line = String::from_utf8_lossy(&response[..read]);
    status_line.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or(0)
}

/// A server with one site and its enrolment code.
fn server_with_code(db: TestDb) -> (TestServer, String) {
    let server = TestServer::start(db);
    let code = "K7F2-9QXM-4HTR".to_owned();
    server.with_store(async |store| {
        let site = store.ensure_site("Ville", "Mairie annexe Nord").await.unwrap();
        let now = chrono::Utc::now().timestamp();
        store
            .add_enrolment_code(site.id, &fleet_server::secrets::digest(&code), now, now + 3600)
            .await
            .unwrap();
    });
    (server, code)
}

fn enrol(server: &TestServer, code: &str) -> String {
    let (status, body) = post(
        server,
        "/api/v1/enrol",
        None,
        &json!({"code": code, "hostname": "pan-01", "agent_version": "0.1.0"}).to_string(),
    );
    assert_eq!(status, 200, "{body}");
    let answer: EnrolResponse = serde_json::from_value(body).unwrap();
    answer.token
}

fn stored(server: &TestServer) -> i64 {
    server.with_store(async |store| store.count_records().await.unwrap())
}

fn station_api(db: TestDb) {
    let (server, code) = server_with_code(db);

    // Enrolment: a wrong code is refused; the right one, typed loosely, works.
    let (status, body) = post(
        &server,
        "/api/v1/enrol",
        None,
        &json!({"code": "AAAA-BBBB-CCCC", "hostname": "x", "agent_version": "0"}).to_string(),
    );
    assert_eq!(status, 403, "{body}");
    assert!(body["error"].as_str().unwrap().contains("unknown, expired or revoked"));
    let token = enrol(&server, &code.to_lowercase().replace('-', ""));

    // Reports: accepted, then duplicates on a re-send: never counted twice.
    let batch = vec![record("caf", 3, false), record("ants-identite", 4, true)];
    let body = json!({"records": batch, "health": null}).to_string();
    let (status, answer) = post(&server, "/api/v1/report", Some(&token), &body);
    assert_eq!(status, 200, "{answer}");
    let answer: ReportResponse = serde_json::from_value(answer).unwrap();
    assert_eq!(answer.accepted, [batch[0].id, batch[1].id]);
    let (_, again) = post(&server, "/api/v1/report", Some(&token), &body);
    let again: ReportResponse = serde_json::from_value(again).unwrap();
    assert_eq!((again.accepted.len(), again.duplicates.len()), (0, 2));
    assert_eq!(stored(&server), 2);

    // Tokens: none, unknown.
    assert_eq!(post(&server, "/api/v1/report", None, &body).0, 401);
    assert_eq!(post(&server, "/api/v1/report", Some("0123"), &body).0, 401);

    // Bad input: clear 4xx naming the field, nothing stored, server still up.
    let mut bad = serde_json::to_value(record("caf", 5, false)).unwrap();
    bad["hour"] = json!(25);
    let (status, error) = post(
        &server,
        "/api/v1/report",
        Some(&token),
        &json!({"records": [record("caf", 6, false), bad], "health": null}).to_string(),
    );
    assert_eq!(status, 422, "{error}");
    assert_eq!(error["path"], "records[1].hour", "{error}");
    let mut sql = serde_json::to_value(record("caf", 5, false)).unwrap();
    sql["procedures"] = json!(["caf'); DROP TABLE usage_record; --"]);
    let (status, error) =
        post(&server, "/api/v1/report", Some(&token), &json!({"records": [sql], "health": null}).to_string());
    assert_eq!(status, 422, "{error}");
    assert_eq!(error["path"], "records[0].procedures[0]", "{error}");
    let mut url = serde_json::to_value(record("caf", 5, false)).unwrap();
    url["url"] = json!("https://caf.fr/mon-compte");
    let (status, error) =
        post(&server, "/api/v1/report", Some(&token), &json!({"records": [url], "health": null}).to_string());
    assert_eq!(status, 422, "{error}");
    assert!(error["error"].as_str().unwrap().contains("unknown field `url`"), "{error}");
    assert_eq!(post(&server, "/api/v1/report", Some(&token), "{not json").0, 422);
    assert_eq!(post(&server, "/api/v1/report", Some(&token), "{\"records\": 3}").0, 422);
    let many: Vec<_> = (0..1001).map(|_| record("caf", 7, false)).collect();
    let (status, error) =
        post(&server, "/api/v1/report", Some(&token), &json!({"records": many, "health": null}).to_string());
    assert_eq!(status, 422, "{error}");
    assert!(error["error"].as_str().unwrap().contains("at most 1000"), "{error}");
    assert_eq!(declare_huge_body(&server, &token), 413, "a body over the limit is refused before it is read");
    assert_eq!(stored(&server), 2, "nothing of the bad reports was stored");
    assert_eq!(agent().get(&server.url("/healthz")).call().unwrap().status().as_u16(), 200);

    // Policy: 404 before the first publication, then the text with an ETag, then 304.
    let get_policy = |etag: Option<&str>| {
        let mut request =
            agent().get(&server.url("/api/v1/policy")).header("authorization", &format!("Bearer {token}"));
        if let Some(etag) = etag {
            request = request.header("if-none-match", etag);
        }
        let mut response = request.call().unwrap();
        let etag = response.headers().get("etag").map(|v| v.to_str().unwrap().to_owned());
        let version = response.headers().get("x-policy-version").map(|v| v.to_str().unwrap().to_owned());
        let body = response.body_mut().read_to_string().unwrap_or_default();
        (response.status().as_u16(), etag, version, body)
    };
    let (status, _, _, body) = get_policy(None);
    assert_eq!(status, 404);
    assert!(body.contains("fleet-server policy publish"), "{body}");
    let catalogue =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../config/policy.toml")).unwrap();
    server.with_store(async |store| store.publish_policy(&catalogue, 1, "test").await.unwrap());
    let (status, etag, version, body) = get_policy(None);
    assert_eq!((status, version.as_deref()), (200, Some("1")));
    assert_eq!(body, catalogue);
    let etag = etag.expect("an ETag");
    assert_eq!(get_policy(Some(&etag)).0, 304);
    server.with_store(async |store| {
        store.publish_policy(&catalogue.replace("= 20", "= 15"), 2, "test").await.unwrap()
    });
    let (status, new_etag, version, _) = get_policy(Some(&etag));
    assert_eq!((status, version.as_deref()), (200, Some("2")));
    assert_ne!(new_etag.unwrap(), etag);

    // The API describes itself.
    let openapi: Value =
        agent().get(&server.url("/api/openapi.json")).call().unwrap().body_mut().read_json().unwrap();
    for path in ["/api/v1/enrol", "/api/v1/report", "/api/v1/policy"] {
        assert!(openapi["paths"][path].is_object(), "{path} missing from the OpenAPI document");
    }

    // What IT staff graph.
    let metrics = agent().get(&server.url("/metrics")).call().unwrap().body_mut().read_to_string().unwrap();
    for line in [
        "fleet_enrolments_total 1",
        "fleet_enrolments_refused_total 1",
        "fleet_records_accepted_total 2",
        "fleet_records_duplicate_total 2",
        "fleet_policy_not_modified_total 1",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} missing in:\n{metrics}");
    }

    // A revoked station is refused at once.
    let station = server.with_store(async |store| {
        store.station_by_token(&fleet_server::secrets::digest(&token)).await.unwrap().unwrap().id
    });
    server.with_store(async |store| store.revoke_station(&station, 5).await.unwrap());
    let report = json!({"records": [record("caf", 8, false)], "health": null}).to_string();
    let (status, error) = post(&server, "/api/v1/report", Some(&token), &report);
    assert_eq!(status, 401);
    assert!(error["error"].as_str().unwrap().contains("revoked"), "{error}");
    assert_eq!(
        post(&server, "/api/v1/report", Some(&token), "{garbage").0,
        401,
        "the token is checked first"
    );
    assert_eq!(stored(&server), 2);
}

#[test]
fn the_station_api_on_sqlite() {
    station_api(TestDb::sqlite());
}

#[test]
fn the_station_api_on_postgresql() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let Some(db) = runtime.block_on(TestDb::postgres()) else { return };
    station_api(db);
}
