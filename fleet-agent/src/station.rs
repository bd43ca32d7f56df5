//! The station directory the agent shares with the kiosk: the kiosk's outbox and status file,
//! the policy the agent installs (which the kiosk reads), and the agent's own files under
//! `agent/`: the enrolment (server address, station id), the token (mode 0600) and its state.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What `fleet-agent enrol` stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    /// The fleet server's base URL.
    pub server: String,
    /// This station's id on the server.
    pub station_id: String,
    /// When it was enrolled.
    pub enrolled_at: chrono::DateTime<chrono::Utc>,
}

/// The agent's memory between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentState {
    /// ETag of the policy installed last.
    pub policy_etag: Option<String>,
    /// Why the last policy from the server was refused, if it was.
    pub policy_error: Option<String>,
    /// Since when (Unix seconds) the server refuses the token, if it does.
    pub unauthorized_since: Option<i64>,
}

/// Paths of a station directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationDir {
    root: PathBuf,
}

impl StationDir {
    /// The station directory at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The kiosk's usage outbox.
    pub fn outbox(&self) -> PathBuf {
        self.root.join("outbox.db")
    }

    /// The kiosk's status file.
    pub fn kiosk_status(&self) -> PathBuf {
        self.root.join("kiosk-status.json")
    }

    /// The policy the agent installs and the kiosk reads.
    pub fn policy(&self) -> PathBuf {
        self.root.join("policy.toml")
    }

    /// The printer certificates the agent trusted on first use (IPP over TLS).
    pub fn printer_certificates(&self) -> PathBuf {
        self.agent_dir().join("printer-certificates")
    }

    fn agent_dir(&self) -> PathBuf {
        self.root.join("agent")
    }

    fn enrolment_file(&self) -> PathBuf {
        self.agent_dir().join("enrolment.json")
    }

    fn token_file(&self) -> PathBuf {
        self.agent_dir().join("token")
    }

    fn state_file(&self) -> PathBuf {
        self.agent_dir().join("state.json")
    }

    /// Stores a new enrolment and its token (readable by the owner only), replacing any other.
    pub fn save_enrolment(&self, enrolment: &Enrolment, token: &str) -> std::io::Result<()> {
        let dir = self.agent_dir();
        fs::create_dir_all(&dir)?;
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
        write_atomically(&self.token_file(), token.as_bytes(), 0o600)?;
        let json = serde_json::to_vec_pretty(enrolment).expect("enrolments serialize");
        write_atomically(&self.enrolment_file(), &json, 0o600)?;
        // A new enrolment starts with a clean slate (no refused token, no policy yet).
        self.save_state(&AgentState::default())
    }

    /// The enrolment and token, or a sentence saying how to enrol.
    pub fn enrolment(&self) -> Result<(Enrolment, String), String> {
        let missing = |what: &Path, e: std::io::Error| {
            format!(
                "{}: {e}: this station is not enrolled; run `fleet-agent enrol --server URL --code CODE --state-dir {}`",
                what.display(),
                self.root.display()
            )
        };
        let file = self.enrolment_file();
        let text = fs::read_to_string(&file).map_err(|e| missing(&file, e))?;
        let enrolment = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        let token_file = self.token_file();
        let token = fs::read_to_string(&token_file).map_err(|e| missing(&token_file, e))?;
        Ok((enrolment, token.trim().to_owned()))
    }

    /// The agent's state (default when missing or unreadable, which only costs a re-download).
    pub fn state(&self) -> AgentState {
        fs::read(self.state_file())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Saves the agent's state.
    pub fn save_state(&self, state: &AgentState) -> std::io::Result<()> {
        fs::create_dir_all(self.agent_dir())?;
        let json = serde_json::to_vec_pretty(state).expect("states serialize");
        write_atomically(&self.state_file(), &json, 0o600)
    }
}

/// Writes `bytes` to `path` so that readers see the old file or the new one, never a part:
/// a temporary file beside it, flushed to disk, renamed over, and the directory flushed.
pub fn write_atomically(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = dir.join(format!(".{name}.{}.new", std::process::id()));
    let result = (|| {
        let mut file =
            fs::OpenOptions::new().write(true).create(true).truncate(true).mode(mode).open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temporary, path)?;
        fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_kept_for_the_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let station = StationDir::new(dir.path());
        assert!(station.enrolment().unwrap_err().contains("not enrolled"));
        let enrolment = Enrolment {
            server: "http://127.0.0.1:8080".into(),
            station_id: "s1".into(),
            enrolled_at: chrono::Utc::now(),
        };
        station.save_enrolment(&enrolment, "secret-token").unwrap();
        let mode = fs::metadata(dir.path().join("agent/token")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(station.enrolment().unwrap(), (enrolment, "secret-token".to_owned()));
    }

    #[test]
    fn atomic_writes_replace_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.toml");
        write_atomically(&path, b"old", 0o644).unwrap();
        write_atomically(&path, b"new text", 0o644).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new text");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left behind");
    }
}
