//! The agent's reactions to what a server may answer, driven one round at a time against a
//! scripted stand-in server on loopback (the real server never sends some of these answers:
//! `Retry-After`, an invalid policy, a refused record). The happy path and the crashes run
//! against the real server in the end-to-end tests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fleet_agent::config::AgentConfig;
use fleet_agent::daemon::Daemon;
use fleet_agent::outbox::Outbox;
use fleet_agent::station::{Enrolment, StationDir};
use protocol::{Language, RecordId, SessionEnd, SessionTally, UsageRecord};

/// What the stand-in answers: status, extra headers, body.
type Answer = (u16, Vec<(&'static str, String)>, String);
type Script = Arc<dyn Fn(&str, &str, &str) -> Answer + Send + Sync>;

/// A scripted HTTP server; remembers `METHOD PATH` of every request.
struct StandIn {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl StandIn {
    fn start(script: impl Fn(&str, &str, &str) -> Answer + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let (seen, script): (_, Script) = (requests.clone(), Arc::new(script));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (seen, script) = (seen.clone(), script.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let mut parts = line.split_whitespace();
                        let (method, path) =
                            (parts.next().unwrap_or("").to_owned(), parts.next().unwrap_or("").to_owned());
                        let mut length = 0;
                        loop {
                            let mut header = String::new();
                            reader.read_line(&mut header).unwrap();
                            if header.trim().is_empty() {
                                break;
                            }
                            if let Some((name, value)) = header.split_once(':')
                                && name.eq_ignore_ascii_case("content-length")
                            {
                                length = value.trim().parse().unwrap_or(0);
                            }
                        }
                        let mut body = vec![0; length];
                        reader.read_exact(&mut body).unwrap();
                        seen.lock().unwrap().push(format!("{method} {path}"));
                        let (status, headers, text) = script(&method, &path, &String::from_utf8_lossy(&body));
                        let mut out = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", text.len());
                        for (name, value) in headers {
                            out.push_str(&format!("{name}: {value}\r\n"));
                        }
                        out.push_str("\r\n");
                        out.push_str(&text);
                        let mut stream = reader.get_ref();
                        if stream.write_all(out.as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self { url, requests }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn record() -> UsageRecord {
    let started = chrono::NaiveDate::from_ymd_opt(2026, 11, 3).unwrap().and_hms_opt(10, 0, 0).unwrap();
    UsageRecord::new(
        RecordId::generate(),
        started,
        Duration::from_secs(300),
        SessionTally::new(Language::french()),
        SessionEnd::User,
        Duration::from_millis(10),
    )
}

/// A station directory enrolled with the stand-in, with `records` in its outbox.
fn station(server: &StandIn, records: &[UsageRecord], grace_s: u64) -> (tempfile::TempDir, AgentConfig) {
    let dir = tempfile::tempdir().unwrap();
    let enrolment =
        Enrolment { server: server.url.clone(), station_id: "s1".into(), enrolled_at: chrono::Utc::now() };
    StationDir::new(dir.path()).save_enrolment(&enrolment, "token").unwrap();
    drop(Outbox::open(&dir.path().join("outbox.db")).unwrap());
    rusqlite_insert(dir.path(), records);
    let config = AgentConfig {
        state_dir: dir.path().to_owned(),
        unauthorized_grace_s: grace_s,
        ..AgentConfig::default()
    };
    (dir, config)
}

fn rusqlite_insert(dir: &std::path::Path, records: &[UsageRecord]) {
    let connection = rusqlite::Connection::open(dir.join("outbox.db")).unwrap();
    for r in records {
        connection
            .execute(
                "INSERT INTO usage_record (id, body, written_at) VALUES (?1, ?2, 0)",
                (r.id.to_string(), serde_json::to_string(r).unwrap()),
            )
            .unwrap();
    }
}

fn outbox_len(dir: &std::path::Path) -> u64 {
    Outbox::open(&dir.join("outbox.db")).unwrap().len().unwrap()
}

const NO_POLICY: Answer = (404, Vec::new(), String::new());

#[test]
fn retry_after_is_honoured_and_nothing_is_deleted_meanwhile() {
    let server = StandIn::start(|_, path, _| match path {
        "/api/v1/policy" => NO_POLICY,
        _ => (503, vec![("Retry-After", "7".into())], "{\"error\":\"busy\"}".into()),
    });
    let (dir, config) = station(&server, &[record(), record()], 3600);
    let mut daemon = Daemon::new(config).unwrap();
    assert_eq!(daemon.tick(), Duration::from_secs(7), "the server's Retry-After");
    assert_eq!(outbox_len(dir.path()), 2);
}

#[test]
fn a_record_the_server_refuses_is_set_aside_and_the_others_go() {
    let bad = record();
    let bad_id = bad.id.to_string();
    let rejected_id = bad_id.clone();
    let server = StandIn::start(move |_, path, body| match path {
        "/api/v1/policy" => NO_POLICY,
        _ => {
            let request: serde_json::Value = serde_json::from_str(body).unwrap();
            let ids: Vec<String> = request["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned())
                .collect();
            match ids.iter().position(|id| *id == bad_id) {
                Some(i) => {
                    (422, Vec::new(), format!("{{\"error\":\"bad hour\",\"path\":\"records[{i}].hour\"}}"))
                }
                None => (200, Vec::new(), serde_json::json!({"accepted": ids, "duplicates": []}).to_string()),
            }
        }
    });
    let (dir, config) = station(&server, &[record(), bad, record()], 3600);
    let mut daemon = Daemon::new(config).unwrap();
    daemon.tick();
    assert_eq!(outbox_len(dir.path()), 0, "the two good records went; the bad one was set aside");
    let connection = rusqlite::Connection::open(dir.path().join("outbox.db")).unwrap();
    let (id, reason): (String, String) = connection
        .query_row("SELECT id, reason FROM rejected_record", [], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap();
    assert_eq!(id, rejected_id, "the record the server refused, and only it");
    assert!(reason.contains("].hour") && reason.contains("bad hour"), "{reason}");
}

#[test]
fn a_refused_token_keeps_the_records_and_the_state_says_since_when() {
    let server =
        StandIn::start(|_, _, _| (401, Vec::new(), "{\"error\":\"this station was revoked\"}".into()));
    let (dir, config) = station(&server, &[record()], 0);
    let mut daemon = Daemon::new(config).unwrap();
    let wait = daemon.tick();
    assert!(wait >= Duration::from_millis(500), "backs off: {wait:?}");
    assert_eq!(outbox_len(dir.path()), 1, "records are never thrown away");
    assert!(StationDir::new(dir.path()).state().unauthorized_since.is_some());
}

#[test]
fn an_invalid_policy_is_refused_and_the_last_good_one_stays() {
    let good = include_str!("../../config/policy.toml");
    let served = Arc::new(Mutex::new((good.to_owned(), "\"v1\"")));
    let serving = served.clone();
    let server = StandIn::start(move |_, path, _| match path {
        "/api/v1/policy" => {
            let (text, etag) = serving.lock().unwrap().clone();
            (200, vec![("ETag", etag.to_owned()), ("x-policy-version", "1".into())], text)
        }
        _ => (200, Vec::new(), "{\"accepted\":[],\"duplicates\":[]}".into()),
    });
    let (dir, config) = station(&server, &[], 3600);
    let installed = dir.path().join("policy.toml");
    let mut daemon = Daemon::new(AgentConfig { policy_interval_s: 10, ..config.clone() }).unwrap();
    daemon.tick();
    assert_eq!(std::fs::read_to_string(&installed).unwrap(), good);

    *served.lock().unwrap() = ("version = 1\n[station]\nidle_timeout_s = \"soon\"\n".into(), "\"v2\"");
    let mut daemon = Daemon::new(config).unwrap();
    daemon.tick();
    assert_eq!(std::fs::read_to_string(&installed).unwrap(), good, "the last good policy stays");
    let state = StationDir::new(dir.path()).state();
    assert!(state.policy_error.is_some_and(|e| e.contains("idle_timeout_s")));
    assert!(server.requests().iter().filter(|r| r.ends_with("/api/v1/policy")).count() >= 2);
}
