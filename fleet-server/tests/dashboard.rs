//! The admin dashboard over HTTP on a real server: log-in, roles, CSRF, the log-in limit, the
//! fleet, sites and codes, site settings, the policy editor, usage figures and exports.

mod common;

use std::collections::BTreeMap;

use common::{TestDb, TestServer, record};
use serde_json::json;

const POLICY: &str = include_str!("../../config/policy.toml");
const PASSWORD: &str = "correct horse battery";

/// A browser without a script: keeps cookies, does not follow redirects.
struct Browser<'s> {
    server: &'s TestServer,
    agent: ureq::Agent,
    cookies: BTreeMap<String, String>,
}

/// A response: status, `Location`, `Set-Cookie` lines, body.
struct Page {
    status: u16,
    location: String,
    set_cookies: Vec<String>,
    body: String,
}

impl<'s> Browser<'s> {
    fn new(server: &'s TestServer) -> Self {
        let agent = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into();
        Self { server, agent, cookies: BTreeMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn keep(&mut self, mut response: ureq::http::Response<ureq::Body>) -> Page {
        let set_cookies: Vec<String> =
            response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        for line in &set_cookies {
            let (pair, _) = line.split_once(';').unwrap_or((line, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let location =
            response.headers().get("location").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        Page { status, location, set_cookies, body }
    }

    fn get(&mut self, path: &str) -> Page {
        let response =
            self.agent.get(&self.server.url(path)).header("cookie", &self.cookie_header()).call().unwrap();
        self.keep(response)
    }

    fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let response = self
            .agent
            .post(&self.server.url(path))
            .header("cookie", &self.cookie_header())
            .send_form(form.iter().copied())
            .unwrap();
        self.keep(response)
    }

    /// POSTs a multipart form: (name, file name if a file, content).
    fn post_multipart(&mut self, path: &str, fields: &[(&str, Option<&str>, &str)]) -> Page {
        let boundary = "----fleet-test-boundary-7d1f";
        let mut body = String::new();
        for (name, file, content) in fields {
            body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\""));
            if let Some(file) = file {
                body.push_str(&format!("; filename=\"{file}\"\r\nContent-Type: application/toml"));
            }
            body.push_str(&format!("\r\n\r\n{content}\r\n"));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let response = self
            .agent
            .post(&self.server.url(path))
            .header("cookie", &self.cookie_header())
            .header("content-type", &format!("multipart/form-data; boundary={boundary}"))
            .send(body.as_bytes())
            .unwrap();
        self.keep(response)
    }

    /// The log-in page's CSRF token.
    fn login_token(&mut self) -> String {
        let page = self.get("/admin/login");
        assert_eq!(page.status, 200);
        hidden(&page.body, "csrf")
    }

    fn login(&mut self, name: &str, password: &str) -> Page {
        let token = self.login_token();
        self.post("/admin/login", &[("name", name), ("password", password), ("csrf", &token), ("next", "")])
    }

    /// The session's CSRF token, read from a page's log-out form.
    fn csrf(&mut self) -> String {
        hidden(&self.get("/admin/usage").body, "csrf")
    }
}

/// The value of the first hidden input `name` of a page.
fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).unwrap_or_else(|| panic!("no hidden {name} in {body}")) + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}

/// The text of the element with `id`, tags removed.
fn by_id(body: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let at = body.find(&marker).unwrap_or_else(|| panic!("no #{id} in {body}"));
    let tag_start = body[..at].rfind('<').unwrap() + 1;
    let tag: String = body[tag_start..].chars().take_while(char::is_ascii_alphanumeric).collect();
    let open = at + body[at..].find('>').unwrap() + 1;
    let close = open + body[open..].find(&format!("</{tag}>")).unwrap();
    let mut text = String::new();
    let mut in_tag = false;
    for c in body[open..close].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.trim().to_owned()
}

fn api(
    server: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut response = match body {
        Some(body) => agent
            .post(&server.url(path))
            .header("authorization", &format!("Bearer {token}"))
            .send_json(body)
            .unwrap(),
        None => {
            assert_eq!(method, "GET");
            agent.get(&server.url(path)).header("authorization", &format!("Bearer {token}")).call().unwrap()
        }
    };
    (response.status().as_u16(), response.body_mut().read_to_string().unwrap_or_default())
}

fn enrol(server: &TestServer, code: &str, hostname: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut response = agent
        .post(&server.url("/api/v1/enrol"))
        .send_json(json!({"code": code, "hostname": hostname, "agent_version": "0.1.0"}))
        .unwrap();
    let status = response.status().as_u16();
    let body: serde_json::Value =
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
    (status, body["token"].as_str().unwrap_or_default().to_owned())
}

fn dashboard(db: TestDb) {
    let server = TestServer::start(db);
    server.with_store(async |store| {
        let hash = fleet_server::secrets::hash_password(PASSWORD).unwrap();
        store.add_user("alice", "it-admin", &hash, 0).await.unwrap();
        store.add_user("rita", "reporting", &hash, 0).await.unwrap();
    });

    // Not logged in: sent to the log-in page, coming back afterwards.
    let mut alice = Browser::new(&server);
    let page = alice.get("/admin/parc");
    assert_eq!((page.status, page.location.as_str()), (303, "/admin/login?next=%2Fadmin%2Fparc"));
    assert_eq!(alice.get("/admin/export?format=csv").status, 303, "exports need a session too");

    // A wrong password, then a forged log-in form, are refused.
    let page = alice.login("alice", "wrong password!");
    assert_eq!(page.status, 401);
    assert!(page.body.contains("mot de passe incorrect"), "{}", page.body);
    let page = alice.post("/admin/login", &[("name", "alice"), ("password", PASSWORD), ("csrf", "forged")]);
    assert_eq!(page.status, 403, "a log-in form not served by the dashboard is refused");
    assert!(!alice.cookies.contains_key("fleet_session"));

    // Logging in sets a session cookie that scripts cannot read and other sites cannot send.
    let token = alice.login_token();
    let page = alice.post(
        "/admin/login",
        &[("name", "alice"), ("password", PASSWORD), ("csrf", &token), ("next", "/admin/parc")],
    );
    assert_eq!((page.status, page.location.as_str()), (303, "/admin/parc"), "{}", page.body);
    let session = page.set_cookies.iter().find(|c| c.starts_with("fleet_session=")).unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(session.contains(attribute), "{session} lacks {attribute}");
    }
    let page = alice.get("/admin/parc");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Aucun poste enrôlé"));
    let csrf = alice.csrf();

    // Sites and codes: a new site's code is shown once and enrols a station.
    let page = alice.post(
        "/admin/sites",
        &[
            ("csrf", &csrf),
            ("partner", "CCAS de la ville"),
            ("name", "Mairie annexe Nord"),
            ("valid_days", "7"),
        ],
    );
    assert_eq!(page.status, 200);
    let code = by_id(&page.body, "new-code");
    assert_eq!(code.len(), 14, "{code}");
    assert!(!alice.get("/admin/sites").body.contains(&code), "the code is shown only once");
    let (status, station_token) = enrol(&server, &code, "pan-nord-01");
    assert_eq!(status, 200);
    let page = alice.post("/admin/sites", &[("csrf", &csrf), ("partner", ""), ("name", "x")]);
    assert!(page.body.contains("Indiquez le partenaire"), "{}", page.body);
    let page =
        alice.post("/admin/sites", &[("csrf", &csrf), ("partner", "P"), ("name", "S"), ("valid_days", "0")]);
    assert!(page.body.contains("entre 1 et 365"));

    // A revoked code enrols nothing.
    let page = alice
        .post("/admin/sites", &[("csrf", &csrf), ("partner", "CCAS de la ville"), ("name", "Médiathèque")]);
    let second = by_id(&page.body, "new-code");
    let sites = alice.get("/admin/sites").body;
    let hint = &second[second.len() - 4..];
    assert!(sites.contains(&format!("…{hint}")), "codes are listed by their last characters");
    let row = sites.split("<tr>").find(|row| row.contains(&format!("…{hint}"))).unwrap();
    let code_hash = hidden(row, "code_hash");
    assert_eq!(
        alice.post("/admin/codes/revoquer", &[("csrf", "forged"), ("code_hash", &code_hash)]).status,
        403
    );
    assert_eq!(enrol(&server, &second, "pan-media-01").0, 200, "the forged revocation did nothing");
    let page = alice.post("/admin/codes/revoquer", &[("csrf", &csrf), ("code_hash", &code_hash)]);
    assert_eq!(page.status, 303);
    assert_eq!(enrol(&server, &second, "pan-media-02").0, 403);

    // The fleet page shows the station with its health and alerts.
    let health = json!({
        "collected_at": "2026-11-20T10:00:00Z", "hostname": "pan-nord-01", "agent_version": "0.1.0",
        "system": {"cpu_percent": 3.5, "memory_used_bytes": 1_000_000_000u64, "memory_total_bytes": 8_000_000_000u64,
                   "disk_free_bytes": 1_000_000_000u64, "disk_total_bytes": 100_000_000_000u64, "uptime_s": 7200},
        "printer": {"state": "stopped", "reasons": ["media-empty-error"], "supplies": [{"name": "noir", "kind": "toner", "color": "#000000", "level_percent": 40}], "error": null},
        "kiosk": {"running": true, "version": "0.1.0", "last_wipe": {"at": "2026-11-20T09:59:00Z", "ok": true, "duration_ms": 14, "error": null}},
        "policy": null
    });
    let records: Vec<_> = [record("caf", 3, true), record("caf", 4, false), record("ants-id", 4, false)]
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect();
    let (status, _) = api(
        &server,
        "POST",
        "/api/v1/report",
        &station_token,
        Some(json!({"records": records, "health": health})),
    );
    assert_eq!(status, 200);
    // The health report is written moments after the answer (the server batches them).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let page = loop {
        let page = alice.get("/admin/parc");
        if page.body.contains("noir 40 %") || std::time::Instant::now() > deadline {
            break page;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(by_id(&page.body, "total"), "2");
    let row = page.body.split("<tr").find(|row| row.contains("data-station=\"pan-nord-01\"")).unwrap();
    assert!(row.contains("en ligne") && row.contains("noir 40 %") && row.contains("0.1.0"), "{row}");
    assert!(row.contains("data-kind=\"printer\"") && row.contains("plus de papier"), "{row}");
    assert!(row.contains("data-kind=\"disk\""), "{row}");
    let station_id = row.split("/admin/postes/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let page = alice.get(&format!("/admin/postes/{station_id}"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("20/11/2026") || page.body.contains("Reçu le"), "{}", page.body);
    assert!(page.body.contains("14 ms"), "the health history shows the last wipe");
    assert_eq!(alice.get("/admin/postes/no-such-station").status, 404);

    // The policy: errors shown beside their line, nothing published; then published.
    let broken = POLICY.replacen("idle_timeout_s = ", "idle_timeout_s = -", 1);
    let page = alice.post("/admin/politique", &[("csrf", &csrf), ("text", &broken), ("action", "publish")]);
    assert_eq!(page.status, 422);
    assert!(page.body.contains("class=\"bad\"") && page.body.contains("idle_timeout_s"), "{}", page.body);
    assert_eq!(api(&server, "GET", "/api/v1/policy", &station_token, None).0, 404, "nothing was published");
    let page = alice.post("/admin/politique", &[("csrf", &csrf), ("text", POLICY), ("action", "check")]);
    assert!(page.body.contains("Politique valide"));
    let upload = "/admin/politique/fichier";
    let page = alice.post_multipart(upload, &[("csrf", None, &csrf), ("file", Some("policy.toml"), &broken)]);
    assert_eq!(page.status, 422, "an uploaded file is checked like the editor's text");
    assert!(page.body.contains("class=\"bad\""));
    let page =
        alice.post_multipart(upload, &[("csrf", None, "forged"), ("file", Some("policy.toml"), POLICY)]);
    assert_eq!(page.status, 403);
    let page = alice.post_multipart(upload, &[("csrf", None, &csrf), ("file", Some("policy.toml"), POLICY)]);
    assert!(
        page.body.contains("Politique valide") && page.body.contains("ants-identite"),
        "put in the editor"
    );
    assert_eq!(
        api(&server, "GET", "/api/v1/policy", &station_token, None).0,
        404,
        "checking publishes nothing"
    );
    let page = alice.post("/admin/politique", &[("csrf", &csrf), ("text", POLICY), ("action", "publish")]);
    assert_eq!((page.status, page.location.as_str()), (303, "/admin/politique?publiee=1"));
    let (status, text) = api(&server, "GET", "/api/v1/policy", &station_token, None);
    assert_eq!((status, text.as_str()), (200, POLICY));
    let page = alice.get("/admin/politique?url=https%3A%2F%2Fpasseport.ants.gouv.fr%2F&procedure=");
    assert!(by_id(&page.body, "tested").contains("autorisée"), "{}", page.body);
    let page = alice.get("/admin/politique?url=https%3A%2F%2Fwww.example.com%2F&procedure=caf");
    assert!(by_id(&page.body, "tested").contains("bloquée"), "{}", page.body);

    // A site's own settings reach its stations only; bad ones are refused by name.
    let site_id = alice
        .get("/admin/sites")
        .body
        .split("/admin/sites/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let path = format!("/admin/sites/{site_id}/reglages");
    let page = alice.post(&path, &[("csrf", &csrf), ("settings", "idle_timeout = 600")]);
    assert_eq!(page.status, 422);
    assert!(page.body.contains("idle_timeout_s"), "the known keys are listed");
    let page = alice
        .post(&path, &[("csrf", &csrf), ("settings", "idle_timeout_s = 600\nhelp = \"Accueil, bureau 2\"")]);
    assert_eq!(page.status, 200, "{}", page.body);
    let (_, text) = api(&server, "GET", "/api/v1/policy", &station_token, None);
    let served = protocol::Policy::parse(&text, "served").unwrap();
    assert_eq!((served.station.idle_timeout_s, served.station.help.as_str()), (600, "Accueil, bureau 2"));

    // Usage figures and exports, filtered.
    let page = alice.get("/admin/usage?from=2026-11-01&to=2026-11-30");
    assert_eq!(by_id(&page.body, "sessions"), "3");
    assert_eq!(by_id(&page.body, "assisted"), "1");
    assert_eq!(by_id(&page.body, "pages"), "6");
    assert!(
        page.body.contains("<svg") && page.body.contains("Allocations familiales (CAF)"),
        "charts and procedure titles"
    );
    let other_site = alice.get("/admin/sites").body;
    let media = other_site.split("<tr>").find(|r| r.contains("Médiathèque")).unwrap();
    let media_id = media.split("/admin/sites/").nth(1).unwrap().split('/').next().unwrap().to_owned();
    let page = alice.get(&format!("/admin/usage?from=2026-11-01&to=2026-11-30&site={media_id}"));
    assert_eq!(by_id(&page.body, "sessions"), "0");
    let page = alice.get("/admin/usage?from=2026-11-01&to=2026-11-30&site=1%20OR%201%3D1");
    assert_eq!(page.status, 400);
    assert!(page.body.contains("1 OR 1=1"), "the bad value is named");
    let csv = alice.get("/admin/export?format=csv&preset=rapport&from=2026-11-01&to=2026-11-30");
    assert_eq!(csv.status, 200);
    assert!(csv.body.starts_with("partenaire,mois,sessions"), "{}", csv.body);
    assert!(csv.body.contains("CCAS de la ville,2026-11,3,1,2,6,0,10.0"), "{}", csv.body);
    let csv = alice.get(&format!(
        "/admin/export?format=csv&preset=sites&from=2026-11-01&to=2026-11-30&station={station_id}"
    ));
    assert!(csv.body.contains("CCAS de la ville,Mairie annexe Nord,2026-11,3,"), "{}", csv.body);

    // Revoking a station needs the form's token; then its token stops working.
    let revoke = format!("/admin/postes/{station_id}/revoquer");
    assert_eq!(alice.post(&revoke, &[("csrf", "forged")]).status, 403);
    assert_eq!(api(&server, "GET", "/api/v1/policy", &station_token, None).0, 200);
    assert_eq!(alice.post(&revoke, &[("csrf", &csrf)]).status, 303);
    assert_eq!(api(&server, "GET", "/api/v1/policy", &station_token, None).0, 401);

    // The reporting role sees usage and exports only.
    let mut rita = Browser::new(&server);
    assert_eq!(rita.login("rita", PASSWORD).status, 303);
    assert_eq!(rita.get("/admin").location, "/admin/usage");
    assert_eq!(rita.get("/admin/usage?from=2026-11-01&to=2026-11-30").status, 200);
    assert_eq!(rita.get("/admin/export?format=xlsx&from=2026-11-01&to=2026-11-30").status, 200);
    for path in ["/admin/parc", "/admin/sites", "/admin/politique", &format!("/admin/postes/{station_id}")] {
        assert_eq!(rita.get(path).status, 403, "{path}");
    }
    let rita_csrf = rita.csrf();
    let page =
        rita.post("/admin/politique", &[("csrf", &rita_csrf), ("text", POLICY), ("action", "publish")]);
    assert_eq!(page.status, 403);
    assert!(!rita.get("/admin/usage").body.contains("href=\"/admin/parc\""), "no fleet link for reporting");

    // Logging out ends the session on the server, not only in the browser.
    let stolen = alice.cookies.clone();
    assert_eq!(alice.post("/admin/logout", &[("csrf", &csrf)]).status, 303);
    let mut thief = Browser::new(&server);
    thief.cookies = stolen;
    assert_eq!(thief.get("/admin/parc").status, 303);

    // Five failures lock the name for a while, even with the right password afterwards.
    let mut guesser = Browser::new(&server);
    for _ in 0..5 {
        assert_eq!(guesser.login("rita", "not the password").status, 401);
    }
    let page = guesser.login("rita", PASSWORD);
    assert_eq!(page.status, 429);
    assert!(page.body.contains("Réessayez dans 15 minute"), "{}", page.body);

    // The audit log kept the admin actions.
    let actions = server.with_store(async |store| store.audit_log(50).await.unwrap());
    let actions: Vec<&str> = actions.iter().map(|a| a.action.as_str()).collect();
    for action in ["login", "code.issue", "code.revoke", "policy.publish", "site.override", "station.revoke"]
    {
        assert!(actions.contains(&action), "{action} missing from {actions:?}");
    }
    assert_eq!(api(&server, "GET", "/healthz", "", None).0, 200, "the server is still up");
}

#[test]
fn the_dashboard_on_sqlite() {
    dashboard(TestDb::sqlite());
}

#[test]
fn the_dashboard_on_postgresql() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    if let Some(db) = runtime.block_on(TestDb::postgres()) {
        dashboard(db);
    }
}
