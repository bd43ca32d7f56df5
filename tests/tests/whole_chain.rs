//! The whole chain on one machine: a kiosk session becomes a figure in the server's export,
//! through the agent, with the real programs: `fleet-server serve` on SQLite, `fleet-agent`
//! enrolled with a site's code, `kiosk bench` under Xvfb against stand-in sites on loopback.

#[allow(dead_code)]
#[path = "../../kiosk/tests/common/site.rs"]
mod site;
#[allow(dead_code)]
#[path = "../../kiosk/tests/common/x11.rs"]
mod x11;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use end_to_end::binary;
use site::{Page, Site};
use x11::Xvfb;

/// Waits until `check` holds, or fails naming `what` after `seconds`.
fn wait_for(seconds: u64, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !check() {
        assert!(Instant::now() < deadline, "timed out after {seconds} s waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// `fleet-server serve` on a fresh SQLite database on 127.0.0.1.
struct Server {
    child: Child,
    url: String,
    database: String,
    config: PathBuf,
}

/// Where the server keeps its data.
enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Database {
    /// A new database on the PostgreSQL cluster `./scripts/test` starts, if there is one.
    fn postgres() -> Option<Self> {
        let Ok(admin) = std::env::var("FLEET_TEST_POSTGRES_URL") else {
            assert!(std::env::var("FLEET_REQUIRE_POSTGRES").is_err(), "FLEET_TEST_POSTGRES_URL is not set");
            eprintln!("PostgreSQL part skipped: FLEET_TEST_POSTGRES_URL is not set (./scripts/test sets it)");
            return None;
        };
        let name = format!("fleet_chain_{}", std::process::id());
        let created =
            Command::new("psql").args([admin.as_str(), "-qc", &format!("CREATE DATABASE {name}")]).output();
        let created = created.expect("psql runs (Debian package postgresql-client)");
        assert!(created.status.success(), "{}", text(&created));
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
        Some(Self::Postgres(format!("{base}/{name}")))
    }

    fn url(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres(url) => url.clone(),
        }
    }

    /// The latest health report of the (only) station, as the server stored it.
    fn station_health(&self) -> Option<serde_json::Value> {
        let sql = "SELECT last_health FROM station";
        let text = match self {
            Self::Sqlite(path) => {
                let connection = rusqlite::Connection::open(path).ok()?;
                connection.query_row(sql, [], |row| row.get::<_, Option<String>>(0)).ok()??
            }
            Self::Postgres(url) => {
                let output = Command::new("psql").args([url.as_str(), "-tAc", sql]).output().ok()?;
                String::from_utf8(output.stdout).ok().filter(|t| !t.trim().is_empty())?
            }
        };
        serde_json::from_str(text.trim()).ok()
    }
}

impl Server {
    fn start(dir: &Path, database: &Database) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self::start_on(dir, database, port)
    }

    /// Starts the server on `port` (again, after [`Server::kill`]).
    fn start_on(dir: &Path, database: &Database, port: u16) -> Self {
        let database = database.url();
        let config = dir.join("server.toml");
        std::fs::write(&config, "").unwrap();
        let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("server.log")).unwrap();
        let child = Command::new(binary("fleet-server"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database", &database, "--config"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}");
        let server = Self { child, url, database, config };
        wait_for(30, "the server to answer", || ureq::get(&format!("{}/healthz", server.url)).call().is_ok());
        server
    }

    fn port(&self) -> u16 {
        self.url.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// Stops it the hard way (SIGKILL).
    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Runs a `fleet-server` command on this server's database.
    fn cli(&self, args: &[&str]) -> Output {
        let output = Command::new(binary("fleet-server"))
            .args(args)
            .args(["--database", &self.database, "--config"])
            .arg(&self.config)
            .output()
            .unwrap();
        assert!(output.status.success(), "fleet-server {args:?}: {}", text(&output));
        output
    }

    /// The export `preset` around today, as CSV.
    fn export(&self, preset: &str) -> String {
        let today = chrono::Local::now().date_naive();
        let (from, to) = (today - chrono::Days::new(1), today + chrono::Days::new(1));
        let output = self.cli(&[
            "export",
            "--preset",
            preset,
            "--from",
            &from.to_string(),
            "--to",
            &to.to_string(),
            "--format",
            "csv",
        ]);
        String::from_utf8(output.stdout).unwrap()
    }

    /// Sessions per procedure, from the per-procedure export's totals.
    fn sessions_per_procedure(&self) -> Vec<(String, u64)> {
        self.export("demarches")
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split(',').collect();
                (cells.len() == 3 && cells[1] == "total")
                    .then(|| (cells[0].to_owned(), cells[2].parse().unwrap()))
            })
            .collect()
    }

    /// The grant report's grand total of sessions.
    fn total_sessions(&self) -> u64 {
        let csv = self.export("rapport");
        let total = csv.lines().find(|l| l.starts_with("Total,")).unwrap_or_else(|| panic!("{csv}"));
        total.split(',').nth(2).unwrap().parse().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `fleet-agent run` for a station directory.
struct Agent {
    child: Child,
}

impl Agent {
    fn start(state: &Path, config: &Path, log: &Path) -> Self {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
        let child = Command::new(binary("fleet-agent"))
            .args(["run", "--state-dir", state.to_str().unwrap(), "--config", config.to_str().unwrap()])
            .env("FLEET_AGENT_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Self { child }
    }

    /// Stops it the hard way (SIGKILL), as a power cut or a crash would.
    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn policy(ants: &Site, caf: &Site) -> String {
    format!(
        r#"version = 1
[station]
idle_timeout_s = 300
idle_warning_s = 60
assisted_idle_timeout_s = 1200
max_pages_per_session = 20
languages = ["fr", "en"]
funding_notice = "Ce point d'accès numérique est cofinancé par l'Union européenne (FEDER)."
help = "Besoin d'aide ? Demandez à l'accueil."

[[procedure]]
id = "ants-identite"
title = {{ fr = "Carte d'identité et passeport", en = "ID card and passport" }}
category = "papiers_elections_citoyennete"
start = "{}"
allow = ["{}"]

[[procedure]]
id = "caf"
title = {{ fr = "Allocations familiales (CAF)", en = "Family allowances (CAF)" }}
category = "social_sante"
start = "{}"
allow = ["{}"]
"#,
        ants.url("/"),
        ants.origin(),
        caf.url("/"),
        caf.origin()
    )
}

/// Runs `sessions` kiosk sessions on `url` with the policy the agent installed.
fn sessions(display: &Xvfb, state: &Path, url: &str, sessions: u32) {
    let output = Command::new(binary("kiosk"))
        .args(["bench", "--policy", state.join("policy.toml").to_str().unwrap(), "--url", url])
        .args(["--sessions", &sessions.to_string(), "--ready-title", "ready"])
        .args(["--state-dir", state.to_str().unwrap(), "--config", "/nonexistent/kiosk.toml"])
        .env("DISPLAY", display.name())
        .output()
        .unwrap();
    assert!(output.status.success(), "kiosk bench: {}", text(&output));
}

fn outbox_len(state: &Path) -> i64 {
    let connection = rusqlite::Connection::open(state.join("outbox.db")).unwrap();
    connection.query_row("SELECT count(*) FROM usage_record", [], |row| row.get(0)).unwrap()
}

/// Everything running: the server with a site and a published policy, an enrolled station
/// whose agent installed the policy, stand-in sites and an X display for the kiosk.
struct Chain {
    server: Server,
    agent: Agent,
    state: PathBuf,
    agent_config: PathBuf,
    agent_log: PathBuf,
    ants: Site,
    caf: Site,
    display: Xvfb,
}

fn setup(dir: &Path, database: &Database) -> Chain {
    let ready = || Some(Page::Html("<title>ready</title><p>Démarche en ligne</p>".into()));
    let ants = Site::start("127.0.0.2", move |_| ready());
    let caf = Site::start("127.0.0.3", move |_| ready());
    let server = Server::start(dir, database);

    // IT staff: a site and its code, the policy published.
    let added = server.cli(&["site", "add", "--partner", "CCAS de la ville", "--name", "Accueil social"]);
    let code = String::from_utf8(added.stdout).unwrap().lines().last().unwrap().trim().to_owned();
    let policy_file = dir.join("policy.toml");
    let published = policy(&ants, &caf);
    std::fs::write(&policy_file, &published).unwrap();
    server.cli(&["policy", "publish", policy_file.to_str().unwrap()]);

    // The station: enrolled with the code; the agent installs the policy the kiosk reads.
    let state = dir.join("station");
    let agent_config = dir.join("agent.toml");
    std::fs::write(&agent_config, "health_interval_s = 5\npolicy_interval_s = 10\n").unwrap();
    let enrol = Command::new(binary("fleet-agent"))
        .args(["enrol", "--server", &server.url, "--code", &code, "--state-dir", state.to_str().unwrap()])
        .args(["--config", agent_config.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(enrol.status.success(), "{}", text(&enrol));
    let agent_log = dir.join("agent.log");
    let agent = Agent::start(&state, &agent_config, &agent_log);
    wait_for(30, "the agent to install the published policy", || {
        std::fs::read_to_string(state.join("policy.toml")).is_ok_and(|installed| installed == published)
    });
    let display = Xvfb::start();
    Chain { server, agent, state, agent_config, agent_log, ants, caf, display }
}

fn whole_chain(dir: &Path, database: Database) {
    let Chain { server, agent, state, agent_config, agent_log, ants, caf, display } = setup(dir, &database);
    let (server, state, display) = (&server, state.as_path(), &display);

    // Residents: three ID-card sessions and two CAF sessions.
    sessions(display, state, &ants.url("/"), 3);
    sessions(display, state, &caf.url("/"), 2);

    wait_for(60, "the five sessions in the export", || server.total_sessions() == 5);
    assert_eq!(
        server.sessions_per_procedure(),
        [("ants-identite".to_owned(), 3), ("caf".to_owned(), 2)],
        "{}",
        std::fs::read_to_string(&agent_log).unwrap_or_default()
    );
    wait_for(30, "the outbox to be emptied", || outbox_len(state) == 0);

    // A crash of the agent loses nothing and counts nothing twice.
    agent.kill();
    sessions(display, state, &ants.url("/"), 1);
    assert_eq!(outbox_len(state), 1, "the record waits in the outbox while the agent is down");
    let _agent = Agent::start(state, &agent_config, &agent_log);
    wait_for(60, "the sixth session in the export", || server.total_sessions() == 6);
    assert_eq!(server.sessions_per_procedure(), [("ants-identite".to_owned(), 4), ("caf".to_owned(), 2)]);

    // The server has the station's health from the agent (system, kiosk, policy status).
    wait_for(30, "a health report on the server", || {
        database.station_health().is_some_and(|h| {
            h["system"]["disk_total_bytes"].as_u64().unwrap_or(0) > 0 && h["policy"]["etag"].is_string()
        })
    });
}

#[test]
fn kiosk_sessions_reach_the_grant_report_exactly_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    whole_chain(dir.path(), Database::Sqlite(dir.path().join("fleet.db")));
}

#[test]
fn kiosk_sessions_reach_the_grant_report_exactly_once_on_postgresql() {
    let dir = tempfile::tempdir().unwrap();
    if let Some(database) = Database::postgres() {
        whole_chain(dir.path(), database);
    }
}

/// Writes `count` usage records of the CAF procedure into the outbox, as kiosk sessions would.
fn fill_outbox(state: &Path, count: usize) {
    use protocol::{Language, ProcedureId, RecordId, SessionEnd, SessionTally, UsageRecord};
    let mut connection = rusqlite::Connection::open(state.join("outbox.db")).unwrap();
    connection.busy_timeout(Duration::from_secs(10)).unwrap();
    let transaction = connection.transaction().unwrap();
    let caf: ProcedureId = "caf".parse().unwrap();
    for _ in 0..count {
        let mut tally = SessionTally::new(Language::french());
        tally.open_procedure(&caf);
        let record = UsageRecord::new(
            RecordId::generate(),
            chrono::Local::now().naive_local(),
            Duration::from_secs(600),
            tally,
            SessionEnd::User,
            Duration::from_millis(12),
        );
        transaction
            .execute(
                "INSERT INTO usage_record (id, body, written_at) VALUES (?1, ?2, 0)",
                (record.id.to_string(), serde_json::to_string(&record).unwrap()),
            )
            .unwrap();
    }
    transaction.commit().unwrap();
}

/// Waits until an upload of `total` records has started and not finished.
fn wait_mid_upload(state: &Path, total: i64) {
    wait_for(60, "the upload to start", || outbox_len(state) < total);
    assert!(outbox_len(state) > 0, "the upload should still be going on");
}

#[test]
fn crashes_and_outages_lose_nothing_and_count_nothing_twice() {
    const MANY: usize = 20_000;
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("fleet.db"));
    let Chain { server, agent, state, agent_config, agent_log, ants, caf: _caf, display } =
        setup(dir.path(), &database);
    let log = || std::fs::read_to_string(&agent_log).unwrap_or_default();
    sessions(&display, &state, &ants.url("/"), 2);
    wait_for(60, "the first sessions in the export", || server.total_sessions() == 2);

    // The agent killed (SIGKILL) in the middle of an upload of many records.
    agent.kill();
    fill_outbox(&state, MANY);
    let agent = Agent::start(&state, &agent_config, &agent_log);
    wait_mid_upload(&state, MANY as i64);
    agent.kill();
    let left = outbox_len(&state);
    let agent = Agent::start(&state, &agent_config, &agent_log);
    wait_for(120, "the outbox to be emptied after the crash", || outbox_len(&state) == 0);
    assert_eq!(server.total_sessions(), 2 + MANY as u64, "{left} records were left at the crash\n{}", log());

    // The server stopped for a while: sessions go on, the agent retries, nothing is lost.
    let port = server.port();
    server.kill();
    sessions(&display, &state, &ants.url("/"), 2);
    wait_for(60, "the agent to notice the server is down", || log().contains("report not sent"));
    let server = Server::start_on(dir.path(), &database, port);
    wait_for(120, "the sessions made during the outage", || server.total_sessions() == 4 + MANY as u64);

    // The server restarted (SIGKILL) while a batch is being stored.
    fill_outbox(&state, MANY);
    wait_mid_upload(&state, MANY as i64);
    server.kill();
    let server = Server::start_on(dir.path(), &database, port);
    wait_for(120, "the outbox to be emptied after the restart", || outbox_len(&state) == 0);
    assert_eq!(server.total_sessions(), 4 + 2 * MANY as u64, "{}", log());
    assert_eq!(
        server.sessions_per_procedure(),
        [("ants-identite".to_owned(), 4), ("caf".to_owned(), 2 * MANY as u64)]
    );
    drop(agent);
}

/// A small RAM disk mounted for the outbox, unmounted when dropped.
struct SmallDisk {
    path: PathBuf,
}

impl SmallDisk {
    /// Mounts a `size` tmpfs at `path`; `None` when this user may not mount (not root).
    fn mount(path: &Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(path).unwrap();
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs", path.to_str().unwrap()])
            .output()
            .ok()?;
        output.status.success().then(|| Self { path: path.to_owned() })
    }

    /// Fills the disk with a file until no byte more fits.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let filler = self.path.join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 4096];
        while file.write_all(&block).is_ok() {}
        let _ = file.sync_all();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

fn kiosk_status(state: &Path) -> serde_json::Value {
    std::fs::read(state.join("kiosk-status.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

#[test]
fn a_full_disk_for_the_outbox_loses_no_session_once_space_returns() {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("fleet.db"));
    let Chain { server, agent, state, agent_config, agent_log, ants, caf: _caf, display } =
        setup(dir.path(), &database);
    // The outbox moves to a 1 MiB disk of its own (through a link, as a full /var would be).
    agent.kill();
    let Some(disk) = SmallDisk::mount(&dir.path().join("outbox-disk"), "1m") else {
        assert!(std::env::var("FLEET_REQUIRE_MOUNT").is_err(), "FLEET_REQUIRE_MOUNT is set but mount failed");
        eprintln!("full-disk test skipped: mounting a tmpfs needs root");
        return;
    };
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(state.join(format!("outbox.db{suffix}")));
    }
    std::os::unix::fs::symlink(disk.path.join("outbox.db"), state.join("outbox.db")).unwrap();
    let agent = Agent::start(&state, &agent_config, &agent_log);
    wait_for(30, "the agent to create the outbox", || disk.path.join("outbox.db").exists());
    agent.kill();
    let filler = disk.fill();

    // Sessions go on while the outbox cannot be written; the status file says why.
    let mut bench = Command::new(binary("kiosk"))
        .args(["bench", "--policy", state.join("policy.toml").to_str().unwrap(), "--url", &ants.url("/")])
        .args(["--sessions", "3", "--ready-title", "ready", "--idle-s", "20"])
        .args(["--state-dir", state.to_str().unwrap(), "--config", "/nonexistent/kiosk.toml"])
        .env("DISPLAY", display.name())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(60, "the kiosk to report the full disk", || {
        kiosk_status(&state)["outbox_error"].as_str().is_some_and(|e| e.contains("disk is full"))
    });
    assert!(bench.try_wait().unwrap().is_none(), "the kiosk keeps running with a full disk");

    // Space comes back: the kiosk writes the records it kept, the agent sends them once.
    std::fs::remove_file(filler).unwrap();
    wait_for(30, "the kiosk to write its waiting records", || kiosk_status(&state)["outbox_error"].is_null());
    let bench_done = bench.wait().unwrap();
    let mut out = String::new();
    std::io::Read::read_to_string(bench.stdout.as_mut().unwrap(), &mut out).unwrap();
    assert!(bench_done.success(), "{out}");
    let figures: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!((figures["sessions"].as_u64(), figures["unwritten_records"].as_u64()), (Some(3), Some(0)));
    let _agent = Agent::start(&state, &agent_config, &agent_log);
    wait_for(60, "the three sessions in the export", || server.total_sessions() == 3);
    wait_for(30, "the outbox to be emptied", || outbox_len(&state) == 0);
    assert_eq!(server.sessions_per_procedure(), [("ants-identite".to_owned(), 3)]);
}

/// A certificate authority of the city's own and a certificate it signed for the server on
/// 127.0.0.1, made with `openssl` as IT staff would.
struct Certificates {
    authority: PathBuf,
    certificate: PathBuf,
    key: PathBuf,
}

fn openssl(dir: &Path, args: &str) {
    let output = Command::new("openssl")
        .current_dir(dir)
        .args(args.split_whitespace())
        .output()
        .expect("openssl runs");
    assert!(output.status.success(), "openssl {args}: {}", text(&output));
}

impl Certificates {
    fn make(dir: &Path) -> Self {
        let key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
        openssl(
            dir,
            &format!("req -x509 {key} -keyout ca.key -out ca.pem -days 2 -subj /CN=Ville-test-authority"),
        );
        std::fs::write(
            dir.join("server.ext"),
            "subjectAltName = IP:127.0.0.1, DNS:localhost\nbasicConstraints = CA:FALSE\n\
             keyUsage = digitalSignature\nextendedKeyUsage = serverAuth\n",
        )
        .unwrap();
        openssl(dir, &format!("req {key} -keyout server.key -out server.csr -subj /CN=parc"));
        openssl(
            dir,
            "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
             -extfile server.ext",
        );
        Self {
            authority: dir.join("ca.pem"),
            certificate: dir.join("server.pem"),
            key: dir.join("server.key"),
        }
    }
}

#[test]
fn a_station_reaches_the_server_over_https_and_trusts_only_its_authority() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let certificates = Certificates::make(dir);
    let database = format!("sqlite://{}", dir.join("fleet.db").display());
    let config = dir.join("server.toml");

    // A key that is not the certificate's key stops the start, naming the files.
    std::fs::write(
        &config,
        format!("tls_certificate = {:?}\ntls_key = {:?}\n", certificates.certificate, certificates.authority),
    )
    .unwrap();
    let refused = Command::new(binary("fleet-server"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database", &database, "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(text(&refused).contains("tls_key") && text(&refused).contains("ca.pem"), "{}", text(&refused));

    std::fs::write(
        &config,
        format!("tls_certificate = {:?}\ntls_key = {:?}\n", certificates.certificate, certificates.key),
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    let child = Command::new(binary("fleet-server"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database", &database, "--config"])
        .arg(&config)
        .stderr(log)
        .spawn()
        .unwrap();
    let server = Server { child, url: format!("https://127.0.0.1:{port}"), database, config };
    // The certificate is read before the port is opened: once it answers, it speaks TLS.
    wait_for(30, "the server to listen", || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    let added = server.cli(&["site", "add", "--partner", "CCAS de la ville", "--name", "Accueil social"]);
    let code = String::from_utf8(added.stdout).unwrap().lines().last().unwrap().trim().to_owned();
    let policy_file = dir.join("policy.toml");
    std::fs::copy(end_to_end::shipped_config("policy.toml"), &policy_file).unwrap();
    server.cli(&["policy", "publish", policy_file.to_str().unwrap()]);

    let state = dir.join("station");
    let enrol = |agent_config: &Path| {
        Command::new(binary("fleet-agent"))
            .args(["enrol", "--server", &server.url, "--code", &code, "--state-dir", state.to_str().unwrap()])
            .arg("--config")
            .arg(agent_config)
            .output()
            .unwrap()
    };
    // Without the city's authority the server's certificate is not trusted: nothing is sent.
    let system_only = dir.join("system-only.toml");
    std::fs::write(&system_only, "").unwrap();
    let untrusted = enrol(&system_only);
    assert!(!untrusted.status.success());
    let said = text(&untrusted);
    assert!(said.contains("certificate is not trusted") && said.contains("server_ca"), "{said}");
    assert!(!state.join("agent/token").exists());

    let agent_config = dir.join("agent.toml");
    std::fs::write(
        &agent_config,
        format!("server_ca = {:?}\nhealth_interval_s = 5\npolicy_interval_s = 10\n", certificates.authority),
    )
    .unwrap();
    let enrolled = enrol(&agent_config);
    assert!(enrolled.status.success(), "{}", text(&enrolled));
    let agent_log = dir.join("agent.log");
    let _agent = Agent::start(&state, &agent_config, &agent_log);
    let published = std::fs::read_to_string(&policy_file).unwrap();
    wait_for(30, "the agent to install the policy over HTTPS", || {
        std::fs::read_to_string(state.join("policy.toml")).is_ok_and(|installed| installed == published)
    });
    wait_for(30, "the agent to create the outbox", || state.join("outbox.db").exists());
    fill_outbox(&state, 7);
    wait_for(60, "the seven sessions in the export", || server.total_sessions() == 7);
    wait_for(30, "the outbox to be emptied", || outbox_len(&state) == 0);
}
