//! `fleet-load`: a load generator for the fleet server's station API.
//!
//! Enrols S simulated stations, then has each send a report (health, and one usage record every
//! few reports) every I seconds, spread evenly over the interval, for D seconds. Prints the
//! requests per second and the latency percentiles, measured from when each report was due (so a
//! server that falls behind shows it). Without `--server`, it starts `fleet-server serve` on a
//! fresh SQLite database on loopback and stops it afterwards.
//!
//! `cargo run --release -p end-to-end --bin fleet-load -- --stations 100000 --interval 60 --duration 120`

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use protocol::{Language, ProcedureId, RecordId, SessionEnd, SessionTally, UsageRecord};
use serde_json::json;

/// Load generator for the fleet server's station API.
#[derive(Debug, Parser)]
#[command(name = "fleet-load")]
struct Args {
    /// Server to load (loopback only); by default a fresh `fleet-server` on SQLite is started.
    #[arg(long)]
    server: Option<String>,
    /// Enrolment code for `--server`.
    #[arg(long)]
    code: Option<String>,
    /// Simulated stations.
    #[arg(long, default_value_t = 1_000)]
    stations: usize,
    /// Seconds between two reports of a station.
    #[arg(long, default_value_t = 60.0)]
    interval: f64,
    /// Seconds of load after enrolment.
    #[arg(long, default_value_t = 60.0)]
    duration: f64,
    /// One report in N carries a usage record (a session takes several minutes).
    #[arg(long, default_value_t = 5)]
    record_every: u64,
    /// Client threads (each sends one request at a time).
    #[arg(long, default_value_t = 64)]
    threads: usize,
}

/// The server under load, when started here.
struct Server {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM lets it finish cleanly; kill if it lingers.
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fleet_server() -> PathBuf {
    let exe = std::env::current_exe().expect("the program knows where it is");
    exe.with_file_name("fleet-server")
}

/// Starts `fleet-server serve` on a fresh SQLite database; returns it, its URL and a code.
fn start_server() -> anyhow::Result<(Server, String, String)> {
    let binary = fleet_server();
    if !binary.exists() {
        bail!("{} is missing: build it first (cargo build --release -p fleet-server)", binary.display());
    }
    let dir = tempfile::tempdir()?;
    let database = format!("sqlite://{}", dir.path().join("fleet.db").display());
    let config = dir.path().join("server.toml");
    std::fs::write(&config, "")?;
    let output = Command::new(&binary)
        .args(["site", "add", "--partner", "Charge", "--name", "Banc d'essai", "--valid-days", "1"])
        .args(["--database", &database, "--config"])
        .arg(&config)
        .output()?;
    if !output.status.success() {
        bail!("fleet-server site add failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let code = String::from_utf8(output.stdout)?.lines().last().unwrap_or_default().trim().to_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let address = format!("127.0.0.1:{port}");
    let child = Command::new(&binary)
        .args(["serve", "--listen", &address, "--database", &database, "--config"])
        .arg(&config)
        .env("FLEET_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()?;
    let server = Server { child, _dir: dir };
    let url = format!("http://{address}");
    let agent = agent();
    let deadline = Instant::now() + Duration::from_secs(30);
    while agent.get(&format!("{url}/healthz")).call().is_err() {
        if Instant::now() > deadline {
            bail!("the server did not answer on {url} within 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok((server, url, code))
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_idle_connections(1024)
        .max_idle_connections_per_host(1024)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn check_loopback(url: &str) -> anyhow::Result<()> {
    let parsed = url::Url::parse(url).with_context(|| format!("--server {url:?}"))?;
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    if !loopback {
        bail!("--server {url}: only loopback addresses may be loaded");
    }
    Ok(())
}

/// Enrols `count` stations over `threads` threads; returns their tokens.
fn enrol(url: &str, code: &str, count: usize, threads: usize) -> anyhow::Result<Vec<String>> {
    let agent = agent();
    let chunks: Vec<Vec<usize>> = (0..threads).map(|t| (t..count).step_by(threads).collect()).collect();
    let results: Vec<anyhow::Result<Vec<(usize, String)>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|indices| {
                let agent = agent.clone();
                scope.spawn(move || {
                    let mut tokens = Vec::with_capacity(indices.len());
                    for index in indices {
                        let body = json!({"code": code, "hostname": format!("load-{index:06}"), "agent_version": "load"});
                        let mut response = agent.post(&format!("{url}/api/v1/enrol")).send_json(body)?;
                        let text = response.body_mut().read_to_string()?;
                        if response.status() != 200 {
                            bail!("enrolment refused: {} {text}", response.status());
                        }
                        let value: serde_json::Value = serde_json::from_str(&text)?;
                        tokens.push((index, value["token"].as_str().unwrap_or_default().to_owned()));
                    }
                    Ok(tokens)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("an enrolment thread panicked")).collect()
    });
    let mut tokens = vec![String::new(); count];
    for result in results {
        for (index, token) in result? {
            tokens[index] = token;
        }
    }
    Ok(tokens)
}

fn health(index: usize) -> serde_json::Value {
    json!({
        "collected_at": chrono::Utc::now(), "hostname": format!("load-{index:06}"), "agent_version": "load",
        "system": {"cpu_percent": 2.0, "memory_used_bytes": 1_500_000_000u64, "memory_total_bytes": 8_000_000_000u64,
                   "disk_free_bytes": 50_000_000_000u64, "disk_total_bytes": 120_000_000_000u64, "uptime_s": 3600},
        "printer": {"state": "idle", "reasons": ["none"], "supplies": [{"name": "noir", "kind": "toner", "color": "#000000", "level_percent": 60}], "error": null},
        "kiosk": {"running": true, "version": "0.1.0", "last_wipe": null},
        "policy": null
    })
}

fn usage_record() -> UsageRecord {
    let mut tally = SessionTally::new(Language::french());
    tally.open_procedure(&"caf".parse::<ProcedureId>().expect("a valid id"));
    let now = chrono::Utc::now().naive_utc();
    UsageRecord::new(
        RecordId::generate(),
        now,
        Duration::from_secs(720),
        tally,
        SessionEnd::User,
        Duration::from_millis(15),
    )
}

/// Percentile of sorted microseconds, in milliseconds.
fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)] as f64 / 1000.0
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.stations == 0 || args.interval <= 0.0 || args.duration <= 0.0 || args.threads == 0 {
        bail!("--stations, --interval, --duration and --threads must be positive");
    }
    let (_server, url, code) = match (&args.server, &args.code) {
        (Some(url), Some(code)) => {
            check_loopback(url)?;
            (None, url.trim_end_matches('/').to_owned(), code.clone())
        }
        (Some(_), None) => bail!("--server needs --code (an enrolment code of that server)"),
        _ => {
            let (server, url, code) = start_server()?;
            (Some(server), url, code)
        }
    };
    let started = Instant::now();
    let tokens = Arc::new(enrol(&url, &code, args.stations, args.threads)?);
    let enrol_s = started.elapsed().as_secs_f64();
    eprintln!(
        "{} stations enrolled in {enrol_s:.1} s ({:.0}/s)",
        args.stations,
        args.stations as f64 / enrol_s
    );

    let spacing = args.interval / args.stations as f64;
    let total = (args.duration / spacing).floor() as u64;
    let errors = Arc::new(AtomicU64::new(0));
    let agent = agent();
    let start = Instant::now() + Duration::from_millis(200);
    let per_thread: Vec<(Vec<u64>, Vec<u64>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..args.threads as u64)
            .map(|t| {
                let (agent, tokens, errors, url) =
                    (agent.clone(), tokens.clone(), errors.clone(), url.clone());
                let (threads, record_every, stations) =
                    (args.threads as u64, args.record_every.max(1), args.stations as u64);
                scope.spawn(move || {
                    let mut from_due = Vec::new();
                    let mut service = Vec::new();
                    let mut i = t;
                    while i < total {
                        let due = start + Duration::from_secs_f64(i as f64 * spacing);
                        if let Some(wait) = due.checked_duration_since(Instant::now()) {
                            std::thread::sleep(wait);
                        }
                        let station = (i % stations) as usize;
                        let round = i / stations;
                        let records: Vec<UsageRecord> =
                            if (round + station as u64).is_multiple_of(record_every) {
                                vec![usage_record()]
                            } else {
                                Vec::new()
                            };
                        let body = json!({"records": records, "health": health(station)});
                        let sent = Instant::now();
                        let ok = agent
                            .post(&format!("{url}/api/v1/report"))
                            .header("authorization", &format!("Bearer {}", tokens[station]))
                            .send_json(body)
                            .map(|mut r| {
                                let _ = r.body_mut().read_to_vec();
                                r.status() == 200
                            })
                            .unwrap_or(false);
                        let done = Instant::now();
                        if !ok {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                        from_due.push(done.saturating_duration_since(due).as_micros() as u64);
                        service.push(done.duration_since(sent).as_micros() as u64);
                        i += threads;
                    }
                    (from_due, service)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a load thread panicked")).collect()
    });
    let elapsed = start.elapsed().as_secs_f64();
    let (mut from_due, mut service): (Vec<u64>, Vec<u64>) = (Vec::new(), Vec::new());
    for (a, b) in per_thread {
        from_due.extend(a);
        service.extend(b);
    }
    from_due.sort_unstable();
    service.sort_unstable();
    let summary = json!({
        "stations": args.stations,
        "interval_s": args.interval,
        "reports": from_due.len(),
        "offered_per_s": args.stations as f64 / args.interval,
        "requests_per_s": (from_due.len() as f64 / elapsed * 10.0).round() / 10.0,
        "p50_ms": percentile(&from_due, 50.0),
        "p99_ms": percentile(&from_due, 99.0),
        "max_ms": percentile(&from_due, 100.0),
        "service_p50_ms": percentile(&service, 50.0),
        "service_p99_ms": percentile(&service, 99.0),
        "errors": errors.load(Ordering::Relaxed),
        "enrolled_per_s": (args.stations as f64 / enrol_s).round(),
    });
    println!("{summary}");
    Ok(())
}
