//! The kiosk's screens as the tests drive them: open a station at its home screen, end a session
//! the way a resident does.

use std::time::Duration;

use super::{Kiosk, Site, Station, Xvfb, screenshot_dir, wait_for};

/// Where the first tile is on a 1280×800 screen.
pub const FIRST_TILE: (u32, u32) = (300, 300);
const SECONDS: fn(u64) -> Duration = Duration::from_secs;

/// A station with one procedure over `site`, its kiosk running on its own X server, at the home
/// screen.
pub fn open_station(site: &Site, idle: (u32, u32), config: Option<&str>) -> (Station, Xvfb, Kiosk) {
    open_station_with_env(site, idle, config, &[])
}

/// [`open_station`] with extra environment variables for the kiosk.
pub fn open_station_with_env(
    site: &Site,
    idle: (u32, u32),
    config: Option<&str>,
    env: &[(&str, &std::path::Path)],
) -> (Station, Xvfb, Kiosk) {
    let station = Station::new(site.origin(), &site.url("/"), idle.0, idle.1);
    let display = Xvfb::start();
    let kiosk = station.run_with_env(&display, config, env);
    wait_home(&kiosk, &display);
    (station, display, kiosk)
}

/// Waits until the kiosk's home screen covers the screen.
pub fn wait_home(kiosk: &Kiosk, display: &Xvfb) {
    kiosk.wait_log("home screen ready", 1, SECONDS(20));
    let mut seen = String::new();
    let drawn = (0..200).any(|_| {
        let (r, _, b) = display.rgb(FIRST_TILE.0, FIRST_TILE.1);
        seen = format!("tile {:?}, corner {}", (r, b), display.pixel(1270, 790));
        let ready = u16::from(b) > u16::from(r) + 60 && display.pixel(1270, 790) != "#000000";
        if !ready {
            std::thread::sleep(Duration::from_millis(50));
        }
        ready
    });
    if !drawn {
        display.screenshot(&screenshot_dir().join("home-not-drawn.png"));
    }
    assert!(drawn, "the home screen's tiles were not drawn: {seen}");
}

/// Ends the session the way a resident does (end button, then confirmation) and waits until the
/// kiosk reports the wipe.
pub fn end_session(display: &Xvfb, kiosk: &Kiosk) {
    let before = kiosk.log().matches("session ended and wiped").count();
    click_end(display);
    wait_for("the confirmation", SECONDS(10), || display.pixel(20, 100) != "#DDDDDD");
    display.key("Return");
    kiosk.wait_log("session ended and wiped", before + 1, SECONDS(10));
}

/// Clicks the red "Terminer et effacer mes données" button of the top bar.
pub fn click_end(display: &Xvfb) {
    let x = display
        .rightmost_in_row(38, |r, g, b| r > 170 && g < 100 && b < 100)
        .expect("the red end button is in the top bar");
    display.click(x - 40, 38);
}
