//! The station scanner through SANE's `scanimage` (Debian `sane-utils`; `sane-airscan` adds
//! network and IPP-over-USB multifunction printers): list the devices, scan one page to JPEG
//! with progress, and keep a PDF of it beside, so a scan prints and uploads like any document.
//! Blocking: the kiosk runs scans on their own thread.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The `scanimage` program.
const SCANIMAGE: &str = "scanimage";

/// Options given to the scanner when the configuration names none: colour, 150 dpi (a clear
/// copy of an ID card or a payslip, small enough to upload).
pub const DEFAULT_OPTIONS: [&str; 4] = ["--mode", "Color", "--resolution", "150"];

/// A scanner SANE knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// SANE device name (`airscan:e0:Canon…`, `test:0`).
    pub name: String,
    /// Maker.
    pub vendor: String,
    /// Model.
    pub model: String,
    /// Kind (`flatbed scanner`, `virtual device`…).
    pub kind: String,
}

/// Why a scan did not happen, in the terms the resident is told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    /// `scanimage` is missing.
    #[error("scanimage cannot be run (Debian package sane-utils): {0}")]
    NotInstalled(String),
    /// No scanner found, or the configured one is not there.
    #[error("no scanner found{0}")]
    NoScanner(String),
    /// The scanner is in use or warming up.
    #[error("the scanner is busy")]
    Busy,
    /// The cover or lid is open.
    #[error("the scanner's cover is open")]
    CoverOpen,
    /// The document feeder has no paper.
    #[error("the document feeder is empty")]
    FeederEmpty,
    /// Paper is jammed in the feeder.
    #[error("paper is jammed in the scanner")]
    Jammed,
    /// Anything else, with `scanimage`'s words.
    #[error("the scan failed: {0}")]
    Failed(String),
}

impl ScanError {
    /// A short stable name, for logs and message ids (`no-scanner`, `busy`…).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::NotInstalled(_) | Self::NoScanner(_) => "no-scanner",
            Self::Busy => "busy",
            Self::CoverOpen => "cover-open",
            Self::FeederEmpty => "feeder-empty",
            Self::Jammed => "jammed",
            Self::Failed(_) => "failed",
        }
    }

    /// The error `scanimage` reported: its exit status is the SANE status, its last line says why.
    fn from_scanimage(status: Option<i32>, stderr: &str) -> Self {
        let last = stderr
            .lines()
            .map(|l| l.trim_start_matches("scanimage: "))
            .rfind(|l| !l.trim().is_empty() && !l.starts_with("Progress:"))
            .unwrap_or("no message")
            .to_owned();
        match status {
            Some(3) => Self::Busy,
            Some(6) => Self::Jammed,
            Some(7) => Self::FeederEmpty,
            Some(8) => Self::CoverOpen,
            _ if last.contains("open of device") || last.contains("no SANE devices") => {
                Self::NoScanner(format!(": {last}"))
            }
            _ => Self::Failed(last),
        }
    }
}

/// Which scanner and how.
#[derive(Debug, Clone, Default)]
pub struct ScanSetup {
    /// SANE device name; the first device found when `None`.
    pub device: Option<String>,
    /// Backend options (`--mode Color --resolution 150`); [`DEFAULT_OPTIONS`] when empty.
    pub options: Vec<String>,
}

/// A scanned page: the image and the same page as a PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned {
    /// The JPEG.
    pub jpeg: PathBuf,
    /// The one-page PDF holding it.
    pub pdf: PathBuf,
}

/// The scanners SANE finds.
pub fn list() -> Result<Vec<Device>, ScanError> {
    let output = Command::new(SCANIMAGE)
        .arg("--formatted-device-list=%d\t%v\t%m\t%t%n")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| ScanError::NotInstalled(e.to_string()))?;
    if !output.status.success() {
        return Err(ScanError::from_scanimage(
            output.status.code(),
            &String::from_utf8_lossy(&output.stderr),
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let name = fields.next().filter(|n| !n.is_empty())?.to_owned();
            let mut next = || fields.next().unwrap_or_default().to_owned();
            Some(Device { name, vendor: next(), model: next(), kind: next() })
        })
        .collect())
}

/// Scans one page into `dir` (which must exist: a session folder wiped meanwhile is not
/// re-created) as `<stem>-N.jpg` and `<stem>-N.pdf` (the first free N), calling `progress` with
/// the percentage done.
pub fn scan(
    setup: &ScanSetup,
    dir: &Path,
    stem: &str,
    mut progress: impl FnMut(u8),
) -> Result<Scanned, ScanError> {
    let device = match &setup.device {
        Some(device) => device.clone(),
        None => {
            list()?.into_iter().next().map(|d| d.name).ok_or_else(|| ScanError::NoScanner(String::new()))?
        }
    };
    if !dir.is_dir() {
        return Err(ScanError::Failed(format!("{} is not a folder", dir.display())));
    }
    let (jpeg, pdf) = free_names(dir, stem);
    let partial = jpeg.with_extension("part");
    let options: Vec<String> = if setup.options.is_empty() {
        DEFAULT_OPTIONS.iter().map(|o| (*o).to_owned()).collect()
    } else {
        setup.options.clone()
    };
    let mut child = Command::new(SCANIMAGE)
        .args(["--device-name", &device, "--format=jpeg", "--progress", "--output-file"])
        .arg(&partial)
        .args(&options)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| ScanError::NotInstalled(e.to_string()))?;
    // `Progress: 42.5%` lines end with a carriage return: read them as they come.
    let mut stderr = String::new();
    let mut line = Vec::new();
    let mut pipe = child.stderr.take().expect("stderr is piped");
    let mut byte = [0u8; 1];
    while let Ok(1) = pipe.read(&mut byte) {
        if byte[0] == b'\r' || byte[0] == b'\n' {
            let text = String::from_utf8_lossy(&line).into_owned();
            if let Some(percent) =
                text.strip_prefix("Progress: ").and_then(|p| p.trim_end_matches('%').parse::<f32>().ok())
            {
                progress(percent.clamp(0.0, 100.0) as u8);
            } else if !text.is_empty() {
                stderr.push_str(&text);
                stderr.push('\n');
            }
            line.clear();
        } else {
            line.push(byte[0]);
        }
    }
    stderr.push_str(&String::from_utf8_lossy(&line));
    let status = child.wait().map_err(|e| ScanError::Failed(e.to_string()))?;
    if !status.success() {
        let _ = std::fs::remove_file(&partial);
        return Err(ScanError::from_scanimage(status.code(), &stderr));
    }
    let image =
        std::fs::read(&partial).map_err(|e| ScanError::Failed(format!("{}: {e}", partial.display())))?;
    let document = match printing::image_pdf::jpeg_to_pdf(&image) {
        Ok(document) => document,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(ScanError::Failed(error.to_string()));
        }
    };
    std::fs::write(&pdf, document)
        .and_then(|()| std::fs::rename(&partial, &jpeg))
        .map_err(|e| ScanError::Failed(format!("{}: {e}", dir.display())))?;
    progress(100);
    Ok(Scanned { jpeg, pdf })
}

fn free_names(dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
    (1..)
        .map(|n| (dir.join(format!("{stem}-{n}.jpg")), dir.join(format!("{stem}-{n}.pdf"))))
        .find(|(jpeg, pdf)| !jpeg.exists() && !pdf.exists())
        .expect("some number is free")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanimage_failures_are_named_for_the_resident() {
        let cases = [
            (Some(8), "scanimage: sane_read: Scanner cover is open", ScanError::CoverOpen),
            (Some(3), "scanimage: sane_start: Device busy", ScanError::Busy),
            (Some(7), "scanimage: sane_read: Document feeder out of documents", ScanError::FeederEmpty),
            (Some(6), "scanimage: sane_read: Document feeder jammed", ScanError::Jammed),
            (
                Some(1),
                "scanimage: open of device nothere:0 failed: Invalid argument",
                ScanError::NoScanner(": open of device nothere:0 failed: Invalid argument".into()),
            ),
            (
                Some(9),
                "Progress: 10%\nscanimage: sane_read: Error during device I/O\n",
                ScanError::Failed("sane_read: Error during device I/O".into()),
            ),
        ];
        for (status, stderr, expected) in cases {
            assert_eq!(ScanError::from_scanimage(status, stderr), expected, "{stderr}");
        }
    }

    #[test]
    fn scans_never_overwrite_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let (jpeg, pdf) = free_names(dir.path(), "numerisation");
        assert_eq!(jpeg, dir.path().join("numerisation-1.jpg"));
        std::fs::write(&pdf, b"x").unwrap();
        assert_eq!(free_names(dir.path(), "numerisation").0, dir.path().join("numerisation-2.jpg"));
    }
}
