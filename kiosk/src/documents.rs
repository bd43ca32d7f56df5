//! "Mes documents": the files of the session a resident can see, print, delete and upload — its
//! downloads and its scans, nothing else of the disk. They live in the session folder and go with
//! the wipe.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What kind of document a file is, from its content's first bytes (never from the name alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A PDF: printable as it is.
    Pdf,
    /// A JPEG image (a scan, a photo): printable as a one-page PDF.
    Jpeg,
    /// A PNG image.
    Png,
    /// Anything else the policy let the session download.
    Other,
}

impl Kind {
    /// Whether it can be sent to the printer.
    pub fn printable(self) -> bool {
        matches!(self, Self::Pdf | Self::Jpeg)
    }

    /// Whether the kiosk can show it.
    pub fn viewable(self) -> bool {
        self != Self::Other
    }
}

/// One document of the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Where it is.
    pub path: PathBuf,
    /// Its file name, as shown.
    pub name: String,
    /// Its kind.
    pub kind: Kind,
    /// Its size in bytes.
    pub size: u64,
    /// Whether it came from the scanner.
    pub scanned: bool,
    modified: SystemTime,
}

/// The documents in `downloads` and `scans`, oldest first.
pub fn list(downloads: &Path, scans: &Path) -> Vec<Document> {
    let mut documents: Vec<Document> = [(downloads, false), (scans, true)]
        .into_iter()
        .flat_map(|(dir, scanned)| {
            std::fs::read_dir(dir).into_iter().flatten().flatten().filter_map(move |entry| {
                let metadata = entry.metadata().ok().filter(std::fs::Metadata::is_file)?;
                let name = entry.file_name().to_string_lossy().into_owned();
                // Half-written files (a download or a scan in progress) are not documents yet.
                if name.ends_with(".part") || name.starts_with('.') {
                    return None;
                }
                Some(Document {
                    kind: kind_of(&entry.path()),
                    path: entry.path(),
                    name,
                    size: metadata.len(),
                    scanned,
                    modified: metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                })
            })
        })
        .collect();
    documents.sort_by(|a, b| a.modified.cmp(&b.modified).then_with(|| a.name.cmp(&b.name)));
    documents
}

/// The kind of a file from its first bytes.
pub fn kind_of(path: &Path) -> Kind {
    use std::io::Read;
    let mut head = [0u8; 8];
    let read = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)).unwrap_or(0);
    let head = &head[..read];
    if head.starts_with(b"%PDF-") {
        Kind::Pdf
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Kind::Jpeg
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Kind::Png
    } else {
        Kind::Other
    }
}

/// Whether `path` is one of the session's documents (what the upload chooser and the document
/// actions accept; a path from elsewhere is refused).
pub fn is_listed(documents: &[Document], path: &Path) -> bool {
    documents.iter().any(|d| d.path == path)
}

/// A size as residents read it: "120 Ko", "2,4 Mo".
pub fn human_size(bytes: u64) -> String {
    if bytes < 1024 * 1024 {
        format!("{} Ko", bytes.div_ceil(1024))
    } else {
        let tenths = (bytes * 10).div_ceil(1024 * 1024);
        format!("{},{} Mo", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_and_scans_are_listed_with_their_kind_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let (downloads, scans) = (dir.path().join("downloads"), dir.path().join("scans"));
        std::fs::create_dir_all(&downloads).unwrap();
        std::fs::create_dir_all(&scans).unwrap();
        std::fs::write(downloads.join("attestation.pdf"), b"%PDF-1.7 ...").unwrap();
        std::fs::write(downloads.join("faux.pdf"), b"MZ not a pdf").unwrap();
        std::fs::write(downloads.join("en-cours.part"), b"%PDF").unwrap();
        std::fs::write(scans.join("numerisation-1.jpg"), [0xFF, 0xD8, 0xFF, 0xE0]).unwrap();
        std::fs::write(dir.path().join("session.json"), b"{}").unwrap();
        let documents = list(&downloads, &scans);
        let seen: Vec<(&str, Kind, bool)> =
            documents.iter().map(|d| (d.name.as_str(), d.kind, d.scanned)).collect();
        assert_eq!(seen.len(), 3, "{seen:?}");
        assert!(seen.contains(&("attestation.pdf", Kind::Pdf, false)));
        assert!(seen.contains(&("faux.pdf", Kind::Other, false)), "the content decides, not the name");
        assert!(seen.contains(&("numerisation-1.jpg", Kind::Jpeg, true)));
        assert!(is_listed(&documents, &downloads.join("attestation.pdf")));
        assert!(!is_listed(&documents, &dir.path().join("session.json")));
        assert!(!is_listed(&documents, Path::new("/etc/passwd")));
    }

    #[test]
    fn sizes_read_as_residents_expect() {
        assert_eq!(human_size(1), "1 Ko");
        assert_eq!(human_size(120 * 1024), "120 Ko");
        assert_eq!(human_size(2_516_582), "2,4 Mo");
    }
}
