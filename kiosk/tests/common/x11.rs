//! A private X server (Xvfb) per test, and input and screenshots through it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An Xvfb server on a display number it chose itself.
pub struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    /// Starts Xvfb with a 1280×800 screen on a free display and waits until it accepts clients.
    pub fn start() -> Self {
        let first = 100 + std::process::id() % 800;
        for number in (first..first + 200).map(|n| n % 1000 + 100) {
            if Path::new(&format!("/tmp/.X{number}-lock")).exists() {
                continue;
            }
            let mut child = Command::new("Xvfb")
                .args([&format!(":{number}"), "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb runs (Debian package xvfb; ./scripts/test installs it)");
            let socket = format!("/tmp/.X11-unix/X{number}");
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if Path::new(&socket).exists() {
                    return Self { child, display: format!(":{number}") };
                }
                if child.try_wait().ok().flatten().is_some() || Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("no free X display for Xvfb");
    }

    /// The `DISPLAY` value.
    pub fn name(&self) -> &str {
        &self.display
    }

    /// Clicks at a point of the screen.
    pub fn click(&self, x: u32, y: u32) {
        self.xdotool(&["mousemove", &x.to_string(), &y.to_string(), "click", "1"]);
    }

    /// Presses a key (xdotool key name, e.g. `space`, `Tab`).
    pub fn key(&self, key: &str) {
        self.xdotool(&["key", key]);
    }

    fn xdotool(&self, args: &[&str]) {
        let status =
            Command::new("xdotool").args(args).env("DISPLAY", &self.display).status().expect("xdotool runs");
        assert!(status.success(), "xdotool {args:?} failed");
    }

    /// Saves a PNG of the whole screen.
    pub fn screenshot(&self, path: &Path) {
        let status = Command::new("import")
            .args(["-window", "root", path.to_str().unwrap()])
            .env("DISPLAY", &self.display)
            .status()
            .expect("import runs (Debian package imagemagick)");
        assert!(status.success(), "screenshot failed");
    }

    /// The colour of one pixel, as `#RRGGBB`.
    pub fn pixel(&self, x: u32, y: u32) -> String {
        let output = Command::new("import")
            .args(["-window", "root", "-crop", &format!("1x1+{x}+{y}"), "txt:-"])
            .env("DISPLAY", &self.display)
            .output()
            .expect("import runs");
        let text = String::from_utf8_lossy(&output.stdout);
        text.split_whitespace().find(|w| w.starts_with('#')).unwrap_or_default().chars().take(7).collect()
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
