//! A private X server (Xvfb) per test, and input and screenshots through it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// An Xvfb server on a display number it chose itself.
pub struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    /// Starts Xvfb with a 1280×800 screen on a display it picks itself (`-displayfd`), so tests
    /// running side by side never share one.
    pub fn start() -> Self {
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb runs (Debian package xvfb; ./scripts/test installs it)");
        let mut number = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut number)
            .expect("Xvfb reports its display number");
        let number = number.trim();
        assert!(!number.is_empty(), "Xvfb did not start");
        Self { child, display: format!(":{number}") }
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

    /// Puts text on a selection (`clipboard` or `primary`) as another program would.
    pub fn set_selection(&self, selection: &str, text: &str) {
        use std::io::Write;
        let mut child = Command::new("xclip")
            .args(["-selection", selection, "-i"])
            .env("DISPLAY", &self.display)
            .stdin(Stdio::piped())
            .spawn()
            .expect("xclip runs (Debian package xclip)");
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        child.wait().unwrap();
    }

    /// The text on a selection, empty when there is none.
    pub fn selection(&self, selection: &str) -> String {
        let output = Command::new("xclip")
            .args(["-selection", selection, "-o"])
            .env("DISPLAY", &self.display)
            .output()
            .expect("xclip runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// How many windows are mapped on the screen (menus and dialogs included).
    pub fn visible_windows(&self) -> usize {
        let output = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", ""])
            .env("DISPLAY", &self.display)
            .output()
            .expect("xdotool runs");
        String::from_utf8_lossy(&output.stdout).lines().count()
    }

    /// Right-clicks at a point of the screen.
    pub fn right_click(&self, x: u32, y: u32) {
        self.xdotool(&["mousemove", &x.to_string(), &y.to_string(), "click", "3"]);
    }

    /// Types text as key presses.
    pub fn type_text(&self, text: &str) {
        self.xdotool(&["type", "--delay", "50", text]);
    }

    /// The x of the right-most pixel of row `y` whose colour satisfies `wanted` (r, g, b).
    pub fn rightmost_in_row(&self, y: u32, wanted: impl Fn(u8, u8, u8) -> bool) -> Option<u32> {
        let output = Command::new("import")
            .args(["-window", "root", "-crop", &format!("1280x1+0+{y}"), "-depth", "8", "txt:-"])
            .env("DISPLAY", &self.display)
            .output()
            .expect("import runs");
        let text = String::from_utf8_lossy(&output.stdout);
        text.lines()
            .filter_map(|line| {
                let (position, rest) = line.split_once(':')?;
                let x: u32 = position.split(',').next()?.trim().parse().ok()?;
                let hex = rest.split_whitespace().find(|w| w.starts_with('#'))?;
                let channel = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
                Some((x, channel(1)?, channel(3)?, channel(5)?))
            })
            .filter(|&(_, r, g, b)| wanted(r, g, b))
            .map(|(x, ..)| x)
            .max()
    }

    /// The runs of pixels of column `x` whose colour satisfies `wanted`, top to bottom, as
    /// (first y, last y): the buttons of one colour stacked in that column.
    pub fn runs_in_column(&self, x: u32, wanted: impl Fn(u8, u8, u8) -> bool) -> Vec<(u32, u32)> {
        let output = Command::new("import")
            .args(["-window", "root", "-crop", &format!("1x800+{x}+0"), "-depth", "8", "txt:-"])
            .env("DISPLAY", &self.display)
            .output()
            .expect("import runs");
        let text = String::from_utf8_lossy(&output.stdout);
        let mut runs: Vec<(u32, u32)> = Vec::new();
        for (y, r, g, b) in text.lines().filter_map(|line| {
            let (position, rest) = line.split_once(':')?;
            let y: u32 = position.split(',').nth(1)?.trim().parse().ok()?;
            let hex = rest.split_whitespace().find(|w| w.starts_with('#'))?;
            let channel = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
            Some((y, channel(1)?, channel(3)?, channel(5)?))
        }) {
            if !wanted(r, g, b) {
                continue;
            }
            match runs.last_mut() {
                Some((_, last)) if *last + 1 == y => *last = y,
                _ => runs.push((y, y)),
            }
        }
        runs
    }

    /// The lines of dark text between rows `top` and `bottom`, as (first y, last y) of each: rows
    /// holding a dark pixel, with gaps of up to 4 rows (accents, dots) inside one line.
    pub fn text_lines(&self, top: u32, bottom: u32) -> Vec<(u32, u32)> {
        const WIDTH: usize = 1280;
        let output = Command::new("import")
            .args(["-window", "root", "-crop", &format!("{WIDTH}x{}+0+{top}", bottom - top)])
            .args(["-colorspace", "Gray", "-depth", "8", "gray:-"])
            .env("DISPLAY", &self.display)
            .output()
            .expect("import runs");
        let dark_rows = output
            .stdout
            .chunks_exact(WIDTH)
            .enumerate()
            .filter(|(_, row)| row.iter().any(|&level| level < 100))
            .map(|(y, _)| top + y as u32);
        let mut lines: Vec<(u32, u32)> = Vec::new();
        for y in dark_rows {
            match lines.last_mut() {
                Some((_, last)) if y <= *last + 5 => *last = y,
                _ => lines.push((y, y)),
            }
        }
        lines
    }

    /// The colour of one pixel as (red, green, blue).
    pub fn rgb(&self, x: u32, y: u32) -> (u8, u8, u8) {
        let hex = self.pixel(x, y);
        let channel = |i: usize| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()).unwrap_or(0);
        (channel(1), channel(3), channel(5))
    }

    /// The colour of one pixel, as `#RRGGBB`.
    pub fn pixel(&self, x: u32, y: u32) -> String {
        let output = Command::new("import")
            .args(["-window", "root", "-crop", &format!("1x1+{x}+{y}"), "-depth", "8", "txt:-"])
            .env("DISPLAY", &self.display)
            .output()
            .expect("import runs");
        let text = String::from_utf8_lossy(&output.stdout);
        text.lines()
            .skip(1)
            .flat_map(str::split_whitespace)
            .find(|w| w.starts_with('#'))
            .unwrap_or_default()
            .chars()
            .take(7)
            .collect()
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
