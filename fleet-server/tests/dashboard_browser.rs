//! The dashboard in a real browser (Debian's headless Chromium driven through chromedriver, both
//! installed by `./scripts/test`): log in, open the usage page, download the XLSX grant report,
//! and read it back.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use calamine::{Data, Reader, Xlsx};
use common::{TestDb, TestServer, record};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Waits until `check` gives a value, or fails after `seconds` naming `what`.
fn wait_for<T>(seconds: u64, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out after {seconds} s waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// chromedriver on a free loopback port, with one headless Chromium session.
struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start(downloads: &Path) -> Option<Self> {
        let Some(chromedriver) = ["chromedriver", "/usr/bin/chromedriver"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_absolute() && p.exists() || which(p).is_some())
        else {
            assert!(
                std::env::var("FLEET_REQUIRE_BROWSER").is_err(),
                "FLEET_REQUIRE_BROWSER is set but chromedriver is missing (Debian package chromium-driver)"
            );
            eprintln!("browser test skipped: chromedriver is not installed (./scripts/test installs it)");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(chromedriver)
            .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".into()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        wait_for(30, "chromedriver to answer", || {
            let mut response = agent.get(&format!("{base}/status")).call().ok()?;
            let status: Value = serde_json::from_str(&response.body_mut().read_to_string().ok()?).ok()?;
            status["value"]["ready"].as_bool().filter(|ready| *ready)
        });
        let profile = tempfile::tempdir().unwrap();
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--lang=fr-FR", format!("--user-data-dir={}", profile.path().display())],
                "prefs": {"download.default_directory": downloads.display().to_string(),
                          "download.prompt_for_download": false}
            }
        }}});
        let mut browser = Self { driver, base, session: String::new(), agent, _profile: profile };
        let created = browser.call("POST", "/session", Some(capabilities));
        browser.session = created["sessionId"].as_str().expect("a WebDriver session").to_owned();
        Some(browser)
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let mut response = match method {
            "GET" => self.agent.get(&url).call(),
            "DELETE" => self.agent.delete(&url).call(),
            _ => self.agent.post(&url).send_json(body.unwrap_or(json!({}))),
        }
        .unwrap();
        let status = response.status().as_u16();
        let value: Value = serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
        assert!(status < 400, "WebDriver {method} {path}: {status} {value}");
        value["value"].clone()
    }

    fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url})));
    }

    fn url(&self) -> String {
        self.call("GET", "/url", None).as_str().unwrap().to_owned()
    }

    fn find(&self, css: &str) -> String {
        let found = self.call("POST", "/element", Some(json!({"using": "css selector", "value": css})));
        found[ELEMENT].as_str().unwrap().to_owned()
    }

    fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.call("POST", &format!("/element/{element}/value"), Some(json!({"text": text})));
    }

    fn click(&self, css: &str) {
        let element = self.find(css);
        self.call("POST", &format!("/element/{element}/click"), Some(json!({})));
    }

    /// Saves what the browser shows as `target/screenshots/NAME`.
    fn screenshot(&self, name: &str) {
        use base64::Engine as _;
        let png = self.call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap()).unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), png).unwrap();
    }

    fn text(&self, css: &str) -> String {
        let element = self.find(css);
        self.call("GET", &format!("/element/{element}/text"), None).as_str().unwrap().to_owned()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.agent.delete(&format!("{}/session/{}", self.base, self.session)).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn which(program: &Path) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|candidate| candidate.is_file())
}

#[test]
fn a_reporting_user_downloads_the_grant_report_from_chromium() {
    let downloads = tempfile::tempdir().unwrap();
    let Some(browser) = Browser::start(downloads.path()) else { return };
    let server = TestServer::start(TestDb::sqlite());
    server.with_store(async |store| {
        let hash = fleet_server::secrets::hash_password(PASSWORD).unwrap();
        store.add_user("rita", "reporting", &hash, 0).await.unwrap();
        let now = chrono::Utc::now().timestamp();
        for (partner, site, records) in [
            ("CCAS de la ville", "Mairie annexe Nord", vec![record("caf", 3, true), record("caf", 5, false)]),
            ("Médiathèques", "Centre", vec![record("ants-id", 9, false)]),
        ] {
            let site = store.ensure_site(partner, site).await.unwrap();
            let code = store.issue_enrolment_code(site.id, now, now + 60).await.unwrap();
            let station = fleet_server::store::NewStation {
                id: uuid::Uuid::new_v4().to_string(),
                hostname: format!("pan-{}", site.id),
                token_hash: fleet_server::secrets::digest(&uuid::Uuid::new_v4().to_string()),
                agent_version: "0.1.0".into(),
                kiosk_version: None,
            };
            store.enrol(&fleet_server::secrets::digest(&code), now, &station).await.unwrap();
            store.insert_records(&station.id, &records, now).await.unwrap();
        }
    });

    // Log in from the page the dashboard sends an anonymous visitor to.
    browser.call("POST", "/window/rect", Some(json!({"width": 1280, "height": 1400})));
    browser.goto(&server.url("/admin/usage?from=2026-11-01&to=2026-11-30"));
    wait_for(20, "the log-in page", || browser.url().contains("/admin/login").then_some(()));
    browser.type_into("#name", "rita");
    browser.type_into("#password", PASSWORD);
    browser.click("#login");
    wait_for(20, "the usage page after log-in", || {
        browser.url().contains("/admin/usage?from=2026-11-01").then_some(())
    });
    assert_eq!(browser.text("#sessions"), "3");
    assert_eq!(browser.text("#assisted"), "1");
    browser.screenshot("dashboard-usage.png");

    // Download the XLSX of the selection.
    browser.click("#export-xlsx");
    let file = wait_for(30, "the XLSX download", || {
        std::fs::read_dir(downloads.path())
            .ok()?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .find(|path| path.extension().is_some_and(|e| e == "xlsx"))
    });
    assert_eq!(file.file_name().unwrap(), "rapport-2026-11-01-2026-11-30.xlsx");
    let mut workbook: Xlsx<_> = calamine::open_workbook(&file).unwrap();
    let sheet = workbook.worksheet_range("Rapport FEDER").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Float(value) => value.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    assert_eq!(rows[0][..3], ["partenaire", "mois", "sessions"]);
    let ccas = rows.iter().find(|r| r[0] == "CCAS de la ville" && r[1] == "2026-11").unwrap();
    assert_eq!(ccas[2..7], ["2", "1", "1", "4", "0"], "sessions, accompaniments, alone, pages, scans");
    let total = rows.last().unwrap();
    assert_eq!((total[0].as_str(), total[2].as_str()), ("Total", "3"));
}
