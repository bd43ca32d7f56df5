//! The kiosk as a resident and a volunteer use it: `kiosk run` in a real window under Xvfb,
//! driven with real clicks and key presses. Screenshots land in `target/screenshots/`.

mod common;

use std::time::Duration;

use common::screens::{FIRST_TILE, click_end, end_session, open_station};
use common::{Page, Site, screenshot_dir, wait_for};

/// Where the "large text" and "high contrast" toggles are.
const LARGE_TEXT: (u32, u32) = (410, 127);
const HIGH_CONTRAST: (u32, u32) = (633, 127);
/// Where the discreet "Accompagnement" control is.
const VOLUNTEER: (u32, u32) = (1174, 753);
const SECONDS: fn(u64) -> Duration = Duration::from_secs;

/// A stand-in procedure site whose start page has a big link to a site that is not allowed,
/// at the top left of the page.
fn stand_in(forbidden: String) -> Site {
    Site::start("127.0.0.2", move |path| {
        match path {
        "/" | "/new-start" => Some(Page::Html(format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Démarche</title></head><body style=\"margin:0\">
             <a href=\"{forbidden}\" style=\"display:block;width:400px;height:200px;background:#ddd\">Un autre site</a>
             <h1>Pré-demande de carte d'identité</h1></body></html>"
        ))),
        _ => None,
    }
    })
}

#[test]
fn a_resident_opens_a_procedure_meets_a_blocked_page_and_ends_the_session() {
    let elsewhere = Site::start("127.0.0.3", |_| Some(Page::Html("<title>ailleurs</title>".into())));
    let site = stand_in(elsewhere.url("/"));
    let (station, display, kiosk) = open_station(&site, (300, 60), None);
    let shots = screenshot_dir();
    display.screenshot(&shots.join("home.png"));

    display.click(FIRST_TILE.0, FIRST_TILE.1);
    kiosk.wait_log("session started", 1, SECONDS(10));
    wait_for("the start page to be requested", SECONDS(10), || !site.requests_to("/").is_empty());
    wait_for("the page to be painted", SECONDS(10), || display.pixel(20, 100) == "#DDDDDD");
    display.screenshot(&shots.join("page.png"));

    display.click(200, 150);
    kiosk.wait_log("navigation blocked", 1, SECONDS(10));
    wait_for("the blocked page to replace the web page", SECONDS(10), || display.pixel(20, 100) != "#DDDDDD");
    display.screenshot(&shots.join("blocked.png"));
    assert!(elsewhere.requests().is_empty(), "the site not allowed was reached");

    display.key("Return");
    wait_for("the page to come back", SECONDS(10), || display.pixel(20, 100) == "#DDDDDD");

    // A volunteer asks the help screen why the page was blocked.
    let help = display
        .rightmost_in_row(38, |r, g, b| r == g && g == b && (120..200).contains(&r))
        .expect("the grey help button");
    display.click(help - 30, 38);
    wait_for("the help screen", SECONDS(10), || display.pixel(20, 100) != "#DDDDDD");
    display.screenshot(&shots.join("help.png"));
    display.key("Escape");
    wait_for("the page to come back", SECONDS(10), || display.pixel(20, 100) == "#DDDDDD");

    // What the resident copied during the session.
    display.set_selection("clipboard", "FR76 3000 4000 0312 3456 7890 143");
    display.set_selection("primary", "jean.dupont@example.org");
    assert_eq!(display.selection("clipboard"), "FR76 3000 4000 0312 3456 7890 143");

    click_end(&display);
    wait_for("the confirmation", SECONDS(10), || display.pixel(20, 100) != "#DDDDDD");
    display.screenshot(&shots.join("confirm-end.png"));
    assert!(station.records().is_empty(), "nothing ends before the resident confirms");
    display.key("Return");
    kiosk.wait_log("session ended and wiped", 1, SECONDS(10));

    assert_eq!(display.selection("clipboard"), "", "the clipboard is emptied by the wipe");
    assert_eq!(display.selection("primary"), "", "the primary selection is emptied by the wipe");
    let records = station.records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["end"], "user");
    assert_eq!(records[0]["blocked"], 1);
    assert_eq!(records[0]["procedures"], serde_json::json!(["ants-identite"]));
    assert!(station.session_folders().is_empty());
    let status: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(station.state().join("kiosk-status.json")).unwrap())
            .unwrap();
    assert_eq!(status["last_wipe"]["ok"], true, "{status}");
}

#[test]
fn the_idle_countdown_ends_a_session_unless_someone_answers() {
    let site = stand_in("http://127.0.0.3:9/".into());
    let (station, display, kiosk) = open_station(&site, (30, 10), None);
    display.click(FIRST_TILE.0, FIRST_TILE.1);
    kiosk.wait_log("session started", 1, SECONDS(10));

    kiosk.wait_log("idle countdown started", 1, SECONDS(45));
    display.screenshot(&screenshot_dir().join("countdown.png"));
    display.key("space");
    kiosk.wait_log("idle countdown cancelled by input", 1, SECONDS(5));
    assert!(station.records().is_empty(), "a key press during the countdown keeps the session");

    kiosk.wait_log("idle countdown started", 2, SECONDS(45));
    kiosk.wait_log("session ended after the idle countdown", 1, SECONDS(20));
    wait_for("the usage record", SECONDS(5), || station.records().len() == 1);
    assert_eq!(station.records()[0]["end"], "idle");
    assert!(station.session_folders().is_empty());
}

#[test]
fn a_new_policy_waits_for_the_home_screen_and_a_bad_one_changes_nothing() {
    let site = stand_in("http://127.0.0.3:9/".into());
    let (station, display, kiosk) = open_station(&site, (300, 60), None);

    let good = common::policy_text(site.origin(), &site.url("/"), 300, 60);
    station.write_policy(&good.replace("max_pages_per_session = 20", "max_pages_per_session = 0"));
    kiosk.wait_log("new policy refused", 1, SECONDS(10));
    wait_for("the refusal in the status file the agent reports", SECONDS(10), || {
        std::fs::read_to_string(station.state().join("kiosk-status.json"))
            .is_ok_and(|status| status.contains("station.max_pages_per_session: 0 is out of range"))
    });

    display.click(FIRST_TILE.0, FIRST_TILE.1);
    wait_for("the old policy's start page", SECONDS(10), || site.requests_to("/").len() == 1);

    station.write_policy(&good.replace(
        &format!("start = \"{}\"", site.url("/")),
        &format!("start = \"{}\"", site.url("/new-start")),
    ));
    kiosk.wait_log("a new policy is waiting for the home screen", 1, SECONDS(10));
    assert!(!kiosk.log().contains("new policy in force"), "never in the middle of a session");

    end_session(&display, &kiosk);
    kiosk.wait_log("new policy in force", 1, SECONDS(10));
    display.click(FIRST_TILE.0, FIRST_TILE.1);
    wait_for("the new policy's start page", SECONDS(10), || site.requests_to("/new-start").len() == 1);
}

#[test]
fn a_volunteer_pin_marks_the_session_as_accompanied_and_a_wrong_one_changes_nothing() {
    let site = stand_in("http://127.0.0.3:9/".into());
    let hash = kiosk::volunteer::hash_pin("2468").unwrap();
    let (station, display, kiosk) =
        open_station(&site, (300, 60), Some(&format!("volunteer_pin_hash = \"{hash}\"\n")));

    display.click(VOLUNTEER.0, VOLUNTEER.1);
    wait_for("the PIN dialog", SECONDS(10), || display.pixel(FIRST_TILE.0, FIRST_TILE.1) == "#FFFFFF");
    display.screenshot(&screenshot_dir().join("pin.png"));
    display.type_text("1357");
    display.key("Return");
    kiosk.wait_log("volunteer PIN refused", 1, SECONDS(10));
    display.screenshot(&screenshot_dir().join("pin-wrong.png"));
    display.type_text("2468");
    display.key("Return");
    kiosk.wait_log("volunteer PIN accepted", 1, SECONDS(10));

    display.click(FIRST_TILE.0, FIRST_TILE.1);
    kiosk.wait_log("session started assisted=true", 1, SECONDS(10));
    wait_for("the start page", SECONDS(10), || display.pixel(20, 100) == "#DDDDDD");
    end_session(&display, &kiosk);
    assert_eq!(station.records()[0]["assisted"], true);
}

#[test]
fn only_allowed_file_types_are_downloaded_and_they_are_wiped_with_the_session() {
    let site = Site::start("127.0.0.2", |path| {
        match path {
        "/" => Some(Page::Html(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Attestations</title></head><body style=\"margin:0\">
             <div style=\"width:400px;height:200px;background:#ddd\"></div>
             <script>
               const frame = name => { const f = document.createElement('iframe'); f.src = name; document.body.appendChild(f); };
               frame('/attestation.pdf');
               setTimeout(() => frame('/programme.exe'), 500);
             </script></body></html>"
                .into(),
        )),
        "/attestation.pdf" => Some(Page::Download("application/pdf", "attestation.pdf", b"%PDF-1.7\n%%EOF\n".to_vec())),
        "/programme.exe" => Some(Page::Download("application/x-msdownload", "programme.exe", b"MZ".to_vec())),
        _ => None,
    }
    });
    let (station, display, kiosk) = open_station(&site, (300, 60), None);

    display.click(FIRST_TILE.0, FIRST_TILE.1);
    kiosk.wait_log("download saved in the session folder", 1, SECONDS(15));
    kiosk.wait_log("download refused", 1, SECONDS(15));
    let folders = station.session_folders();
    assert_eq!(folders.len(), 1);
    let saved: Vec<String> = std::fs::read_dir(folders[0].join("downloads"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(saved, ["attestation.pdf"], "only the PDF is saved, inside the session folder");

    wait_for("the page", SECONDS(10), || display.pixel(20, 100) == "#DDDDDD");
    end_session(&display, &kiosk);
    assert!(station.session_folders().is_empty(), "the download is wiped with the session");
    assert_eq!(station.records()[0]["downloads"], 1);
}

#[test]
fn large_text_and_high_contrast_last_for_the_session_only() {
    let site = stand_in("http://127.0.0.3:9/".into());
    let (station, display, kiosk) = open_station(&site, (300, 60), None);
    let background = (640, 600);
    assert_eq!(display.pixel(background.0, background.1), "#FFFFFF");

    // High contrast first: large text moves the buttons.
    display.click(HIGH_CONTRAST.0, HIGH_CONTRAST.1);
    wait_for("the high-contrast colours", SECONDS(10), || {
        display.pixel(background.0, background.1) == "#000000"
    });
    display.click(LARGE_TEXT.0, LARGE_TEXT.1);
    display.screenshot(&screenshot_dir().join("home-large-contrast.png"));

    display.click(FIRST_TILE.0, FIRST_TILE.1);
    kiosk.wait_log("session started", 1, SECONDS(10));
    wait_for("the start page", SECONDS(10), || display.pixel(20, 100) == "#DDDDDD");
    end_session(&display, &kiosk);

    wait_for("the usual colours for the next resident", SECONDS(10), || {
        display.pixel(background.0, background.1) == "#FFFFFF"
    });
    let record = &station.records()[0];
    assert_eq!(
        (&record["large_text"], &record["high_contrast"]),
        (&serde_json::json!(true), &serde_json::json!(true))
    );
}

#[test]
fn a_refused_frame_is_only_counted_and_uploads_offer_only_the_session_documents() {
    let elsewhere = Site::start("127.0.0.3", |_| Some(Page::Html("<title>pub</title>".into())));
    let frame = elsewhere.url("/frame");
    let site = Site::start("127.0.0.2", move |path| {
        match path {
        "/" => Some(Page::Html(format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Formulaire</title></head><body style=\"margin:0\">
             <label style=\"display:block;width:400px;height:200px;background:#ddd\">Joindre un justificatif
               <input type=\"file\" style=\"display:none\"></label>
             <iframe src=\"{frame}\"></iframe></body></html>"
        ))),
        _ => None,
    }
    });
    let (_station, display, kiosk) = open_station(&site, (300, 60), None);

    display.click(FIRST_TILE.0, FIRST_TILE.1);
    kiosk.wait_log("navigation blocked", 1, SECONDS(10));
    assert!(kiosk.log().contains("shown=false"), "{}", kiosk.log());
    wait_for("the page, still shown", SECONDS(10), || display.pixel(20, 100) == "#DDDDDD");
    assert!(elsewhere.requests().is_empty());
    let windows_before = display.visible_windows();

    // No GTK file chooser (the whole disk): the kiosk offers the session's documents instead.
    display.click(200, 150);
    kiosk.wait_log("the page asks for a file", 1, SECONDS(10));
    wait_for("the documents page over the page", SECONDS(10), || display.pixel(20, 100) != "#DDDDDD");
    display.screenshot(&screenshot_dir().join("upload-chooser-empty.png"));
    assert!(display.visible_windows() <= windows_before, "no other window opened");
    display.key("Escape");
    kiosk.wait_log("upload cancelled by the resident", 1, SECONDS(10));
    wait_for("the page to come back", SECONDS(10), || display.pixel(20, 100) == "#DDDDDD");
}

#[test]
fn no_context_menu_print_dialog_or_developer_tools_open_over_a_page() {
    let elsewhere = Site::start("127.0.0.3", |_| Some(Page::Html("<title>ailleurs</title>".into())));
    let site = stand_in(elsewhere.url("/"));
    let (_station, display, kiosk) = open_station(&site, (300, 60), None);

    // The keyboard alone opens a procedure.
    display.key("Tab");
    display.key("Return");
    kiosk.wait_log("session started", 1, SECONDS(10));
    wait_for("the page", SECONDS(10), || display.pixel(20, 100) == "#DDDDDD");
    let windows = display.visible_windows();

    display.right_click(300, 400);
    for keys in ["ctrl+p", "F12", "ctrl+shift+i", "ctrl+o", "ctrl+s", "ctrl+u"] {
        display.key(keys);
    }
    // A click the kiosk must answer: once it has, every earlier input has been handled.
    display.click(200, 150);
    kiosk.wait_log("navigation blocked", 1, SECONDS(10));
    display.key("Return");
    wait_for("the page to come back", SECONDS(10), || display.pixel(20, 100) == "#DDDDDD");
    assert_eq!(display.visible_windows(), windows, "a menu, dialog or inspector window opened");
    display.screenshot(&screenshot_dir().join("after-shortcuts.png"));
}
