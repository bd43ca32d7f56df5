//! Real window, real WebKit, stand-in sites on loopback: what a session may and may not do, and
//! that nothing of it survives the wipe. Each test runs `kiosk bench`, which ends every session
//! with exactly the end button's wipe.

mod common;

use common::{Page, Site, Station, Xvfb, bench_figures};

const STORAGE_PROBE: &str = r#"<!doctype html><html><head><meta charset="utf-8"><title>probe</title></head><body>
<p>Storage probe</p>
<script>
function idbOpen() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open('probe', 1);
    request.onupgradeneeded = () => request.result.createObjectStore('s');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
async function idbHas() {
  const db = await idbOpen();
  return new Promise(resolve => {
    const get = db.transaction('s').objectStore('s').get('k');
    get.onsuccess = () => resolve(get.result ? 1 : 0);
    get.onerror = () => resolve(0);
  });
}
async function idbPut() {
  const db = await idbOpen();
  await new Promise(resolve => {
    const tx = db.transaction('s', 'readwrite');
    tx.objectStore('s').put('v', 'k');
    tx.oncomplete = resolve;
  });
}
async function look() {
  return {
    cookie: document.cookie.includes('probe=1') ? 1 : 0,
    local: localStorage.getItem('probe') ? 1 : 0,
    session: sessionStorage.getItem('probe') ? 1 : 0,
    idb: await idbHas(),
  };
}
async function run() {
  await fetch('/observe?' + new URLSearchParams(await look()));
  document.cookie = 'probe=1; max-age=86400; path=/';
  localStorage.setItem('probe', '1');
  sessionStorage.setItem('probe', '1');
  await idbPut();
  await fetch('/written?' + new URLSearchParams(await look()));
  document.title = 'ready';
}
run().catch(e => { fetch('/error?' + encodeURIComponent(String(e))); });
</script></body></html>"#;

fn html(title: &str, body: &str) -> Page {
    Page::Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>{body}</body></html>"
    ))
}

/// A page that tries `script`, then declares itself ready if it is still the page shown.
fn attempt(script: &str) -> Page {
    html(
        "attempt",
        &format!(
            "<a id=\"link\" href=\"#\">x</a><script>{script}\nsetTimeout(() => {{ document.title = 'ready'; }}, 1500);</script>"
        ),
    )
}

#[test]
fn cookies_and_storage_of_one_session_are_gone_in_the_next() {
    let site = Site::start("127.0.0.2", |path| match path {
        "/storage" => Some(Page::Html(STORAGE_PROBE.to_owned())),
        p if p.starts_with("/observe") || p.starts_with("/written") => Some(Page::Html(String::new())),
        _ => None,
    });
    let station = Station::new(site.origin(), &site.url("/storage"), 300, 60);
    let display = Xvfb::start();

    let figures = bench_figures(&station.bench(&display, &site.url("/storage"), 3, "ready"));

    assert!(site.requests_to("/error").is_empty(), "{:?}", site.requests());
    let written = site.requests_to("/written");
    assert_eq!(written.len(), 3, "each session wrote its data: {:?}", site.requests());
    assert!(written.iter().all(|w| w == "/written?cookie=1&local=1&session=1&idb=1"), "{written:?}");
    let observed = site.requests_to("/observe");
    assert_eq!(observed.len(), 3);
    assert!(
        observed.iter().all(|o| o == "/observe?cookie=0&local=0&session=0&idb=0"),
        "a session saw an earlier one's data: {observed:?}"
    );

    assert_eq!(figures["sessions"], 3);
    let keys: Vec<&String> = figures.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["sessions", "cold_start_ms", "ready_ms", "wipe_ms", "rss_kb", "unwritten_records"],
        "{figures}"
    );
    assert_eq!(figures["unwritten_records"], 0, "every session's record reached the outbox");
    for (group, fields) in [
        ("ready_ms", &["p50", "p95"][..]),
        ("wipe_ms", &["p50", "p95", "max"]),
        ("rss_kb", &["kiosk", "webkit"]),
    ] {
        for field in fields {
            assert!(figures[group][field].as_f64().is_some_and(|v| v > 0.0), "{group}.{field}: {figures}");
        }
    }
    assert!(station.session_folders().is_empty(), "session folders remain: {:?}", station.session_folders());
    let records = station.records();
    assert_eq!(records.len(), 3, "one usage record per session");
    for record in &records {
        assert_eq!(record["procedures"], serde_json::json!(["ants-identite"]));
        assert_eq!(record["end"], "user");
        assert_eq!(record["language"], "fr");
        assert!(record["wipe_ms"].as_u64().is_some());
    }
    let raw = station.raw_records();
    for secret in ["127.0.0.2", "storage", "http", "probe"] {
        assert!(!raw.contains(secret), "the outbox holds {secret:?}: {raw}");
    }
}

#[test]
fn a_redirect_to_a_site_not_allowed_is_blocked() {
    let elsewhere = Site::start("127.0.0.3", |_| Some(html("elsewhere", "not allowed")));
    let target = elsewhere.url("/landing");
    let site = Site::start("127.0.0.2", move |path| match path {
        "/go" => Some(attempt("setTimeout(() => { location.href = '/redirect'; }, 100);")),
        "/redirect" => Some(Page::Redirect(target.clone())),
        _ => None,
    });
    let station = Station::new(site.origin(), &site.url("/go"), 300, 60);
    let display = Xvfb::start();

    bench_figures(&station.bench(&display, &site.url("/go"), 1, "ready"));

    assert_eq!(site.requests_to("/redirect").len(), 1, "the redirect was followed up to the stand-in");
    assert!(elsewhere.requests().is_empty(), "the site not allowed was reached: {:?}", elsewhere.requests());
    assert_eq!(station.records()[0]["blocked"], 1);
}

#[test]
fn new_windows_open_inside_when_allowed_and_are_refused_otherwise() {
    let elsewhere = Site::start("127.0.0.3", |_| Some(html("elsewhere", "not allowed")));
    let forbidden = elsewhere.url("/popup");
    let site = Site::start("127.0.0.2", move |path| {
        match path {
        "/window-open" => Some(html(
            "opener",
            &format!("<script>window.open('{forbidden}'); setTimeout(() => window.open('/inside'), 300);</script>"),
        )),
        "/blank-links" => Some(html(
            "opener",
            &format!(
                "<a id=\"bad\" target=\"_blank\" href=\"{forbidden}\">bad</a><a id=\"good\" target=\"_blank\" href=\"/inside\">good</a>
                 <script>document.getElementById('bad').click(); setTimeout(() => document.getElementById('good').click(), 300);</script>"
            ),
        )),
        "/inside" => Some(html("inside", "opened inside the kiosk")),
        _ => None,
    }
    });
    let station = Station::new(site.origin(), &site.url("/window-open"), 300, 60);
    let display = Xvfb::start();

    bench_figures(&station.bench(&display, &site.url("/window-open"), 1, "inside"));
    bench_figures(&station.bench(&display, &site.url("/blank-links"), 1, "inside"));

    assert_eq!(site.requests_to("/inside").len(), 2, "{:?}", site.requests());
    assert!(elsewhere.requests().is_empty(), "the site not allowed was reached: {:?}", elsewhere.requests());
    let records = station.records();
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r["blocked"] == 1), "{records:?}");
}

#[test]
fn file_data_and_javascript_addresses_are_refused() {
    let site = Site::start("127.0.0.2", |path| match path {
        "/file" => Some(attempt("setTimeout(() => { location.href = 'file:///etc/passwd'; }, 100);")),
        "/data" => {
            Some(attempt("setTimeout(() => { location.href = 'data:text/html,<title>data</title>'; }, 100);"))
        }
        "/javascript" => {
            Some(attempt("setTimeout(() => { window.open('javascript:document.title=\"opened\"'); }, 100);"))
        }
        _ => None,
    });
    let station = Station::new(site.origin(), &site.url("/file"), 300, 60);
    let display = Xvfb::start();

    // Each page declares itself ready only if it is still the page shown: a bench that
    // succeeds proves the navigation did not happen.
    for page in ["/file", "/data", "/javascript"] {
        bench_figures(&station.bench(&display, &site.url(page), 1, "ready"));
    }
    let records = station.records();
    assert_eq!(records.len(), 3);
    // WebKit itself refuses a web page's link to file: before asking the kiosk; data: and
    // javascript: reach the kiosk's policy and are counted as blocked.
    assert_eq!(records[1]["blocked"], 1, "data: {}", records[1]);
    assert_eq!(records[2]["blocked"], 1, "javascript: {}", records[2]);

    for address in ["file:///etc/passwd", "data:text/html,x", "javascript:alert(1)"] {
        let output = station.bench(&display, address, 1, "ready");
        assert_eq!(output.status.code(), Some(1), "{address}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("scheme is not allowed for pages"),
            "{address}"
        );
    }
}

#[test]
fn a_session_left_by_a_crash_is_wiped_at_start_up_and_counted_once() {
    let site = Site::start("127.0.0.2", |path| (path == "/").then(|| html("ready", "home")));
    let station = Station::new(site.origin(), &site.url("/"), 300, 60);
    let leftover = station.state().join("sessions/01a23cbc-acdc-7350-a645-87eed2beb29a/downloads");
    std::fs::create_dir_all(&leftover).unwrap();
    std::fs::write(leftover.join("avis-imposition.pdf"), b"%PDF-1.7 private").unwrap();
    let display = Xvfb::start();

    bench_figures(&station.bench(&display, &site.url("/"), 1, "ready"));

    assert!(station.session_folders().is_empty(), "{:?}", station.session_folders());
    let records = station.records();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["id"], "01a23cbc-acdc-7350-a645-87eed2beb29a");
    assert_eq!(records[0]["end"], "recovered");
    assert_eq!(records[1]["end"], "user");
    assert!(!station.raw_records().contains("avis-imposition"));
}

#[test]
fn the_bench_measures_cpu_use_at_the_home_screen_on_request() {
    let site = Site::start("127.0.0.2", |path| (path == "/").then(|| html("ready", "home")));
    let station = Station::new(site.origin(), &site.url("/"), 300, 60);
    let display = Xvfb::start();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["bench", "--policy", station.policy().to_str().unwrap(), "--url", &site.url("/")])
        .args(["--sessions", "1", "--ready-title", "ready", "--idle-s", "2"])
        .args(["--state-dir", station.state().to_str().unwrap(), "--config", "/nonexistent/kiosk.toml"])
        .env("DISPLAY", display.name())
        .output()
        .unwrap();
    let figures = bench_figures(&output);
    let idle = figures["idle_cpu_percent"].as_f64().expect("idle_cpu_percent is reported");
    assert!((0.0..100.0).contains(&idle), "{figures}");
}

#[test]
fn the_bench_refuses_an_address_the_policy_does_not_allow() {
    let site = Site::start("127.0.0.2", |_| None);
    let station = Station::new(site.origin(), &site.url("/"), 300, 60);
    let display = Xvfb::start();
    let output = station.bench(&display, "http://127.0.0.3:9/", 1, "ready");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("is blocked by") && stderr.contains("no rule allows the host 127.0.0.3"),
        "{stderr}"
    );
}

#[test]
fn a_frame_from_a_site_not_allowed_is_not_loaded() {
    let elsewhere = Site::start("127.0.0.3", |_| Some(html("frame", "tracker")));
    let frame = elsewhere.url("/frame");
    let site = Site::start("127.0.0.2", move |path| match path {
        "/framed" => Some(html(
            "framed",
            &format!(
                "<iframe src=\"/own-frame\"></iframe><iframe src=\"{frame}\"></iframe>
                 <script>setTimeout(() => {{ document.title = 'ready'; }}, 1500);</script>"
            ),
        )),
        "/own-frame" => Some(html("own", "a frame of the procedure's own site")),
        _ => None,
    });
    let station = Station::new(site.origin(), &site.url("/framed"), 300, 60);
    let display = Xvfb::start();

    bench_figures(&station.bench(&display, &site.url("/framed"), 1, "ready"));

    assert_eq!(
        site.requests_to("/own-frame").len(),
        1,
        "frames of allowed sites load: {:?}",
        site.requests()
    );
    assert!(
        elsewhere.requests().is_empty(),
        "a frame of a site not allowed was loaded: {:?}",
        elsewhere.requests()
    );
    assert_eq!(station.records()[0]["blocked"], 1);
}
