//! The policy in force on the kiosk, and the new one waiting for the home screen.
//!
//! The agent replaces the policy file atomically whenever the server publishes a new version. The
//! kiosk checks the file regularly: a valid new policy waits until the home screen is shown (never
//! in the middle of a resident's session); an invalid or missing one is refused with its reason
//! and the last good policy stays in force.

use std::path::{Path, PathBuf};

use protocol::Policy;

/// The result of looking at the policy file again.
#[derive(Debug, PartialEq, Eq)]
pub enum Check {
    /// The file has not changed since it was last read.
    Unchanged,
    /// A valid new policy is waiting to be applied at the home screen.
    Pending,
    /// The file changed but cannot be used; the reason names the file, line and key.
    Refused(String),
}

/// Keeps the last good policy and watches its file.
#[derive(Debug)]
pub struct PolicyKeeper {
    path: PathBuf,
    current: Policy,
    pending: Option<Policy>,
    last_text: Option<String>,
}

impl PolicyKeeper {
    /// Reads the policy at start-up; fails with the reason when there is no usable policy yet.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = read(path)?;
        let current = Policy::parse(&text, &path.display().to_string()).map_err(|e| e.to_string())?;
        Ok(Self { path: path.to_owned(), current, pending: None, last_text: Some(text) })
    }

    /// The policy in force.
    pub fn current(&self) -> &Policy {
        &self.current
    }

    /// Whether a new policy waits for the home screen.
    pub fn has_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Reads the file again if it changed. Each new content is judged once.
    pub fn check(&mut self) -> Check {
        let text = match read(&self.path) {
            Ok(text) => text,
            Err(reason) => {
                let changed = self.last_text.take().is_some();
                return if changed { Check::Refused(keeping(reason)) } else { Check::Unchanged };
            }
        };
        if self.last_text.as_deref() == Some(text.as_str()) {
            return Check::Unchanged;
        }
        let result = Policy::parse(&text, &self.path.display().to_string());
        self.last_text = Some(text);
        match result {
            Ok(policy) => {
                self.pending = Some(policy);
                Check::Pending
            }
            Err(error) => {
                self.pending = None;
                Check::Refused(keeping(error.to_string()))
            }
        }
    }

    /// Puts the waiting policy in force; call it only while the home screen is shown.
    /// Returns whether the policy changed.
    pub fn apply_pending(&mut self) -> bool {
        match self.pending.take() {
            Some(policy) => {
                self.current = policy;
                true
            }
            None => false,
        }
    }
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read the policy file: {e}", path.display()))
}

fn keeping(reason: String) -> String {
    format!("{reason}\nthe last good policy stays in force")
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = include_str!("../../config/policy.toml");

    fn keeper() -> (tempfile::TempDir, PathBuf, PolicyKeeper) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.toml");
        std::fs::write(&path, POLICY).unwrap();
        let keeper = PolicyKeeper::load(&path).unwrap();
        (dir, path, keeper)
    }

    /// Replaces the file the way the agent does: a new file renamed over the old one.
    fn install(path: &Path, text: &str) {
        let temporary = path.with_extension("toml.new");
        std::fs::write(&temporary, text).unwrap();
        std::fs::rename(temporary, path).unwrap();
    }

    #[test]
    fn a_new_policy_waits_for_the_home_screen() {
        let (_dir, path, mut keeper) = keeper();
        assert_eq!(keeper.check(), Check::Unchanged);
        install(&path, &POLICY.replace("max_pages_per_session = 20", "max_pages_per_session = 5"));
        assert_eq!(keeper.check(), Check::Pending);
        assert_eq!(keeper.current().station.max_pages_per_session, 20, "not in the middle of a session");
        assert_eq!(keeper.check(), Check::Unchanged);
        assert!(keeper.apply_pending());
        assert_eq!(keeper.current().station.max_pages_per_session, 5);
        assert!(!keeper.apply_pending());
    }

    #[test]
    fn an_invalid_policy_is_refused_and_the_last_good_one_stays() {
        let (_dir, path, mut keeper) = keeper();
        install(&path, &POLICY.replace("max_pages_per_session = 20", "max_pages_per_session = 0"));
        let Check::Refused(reason) = keeper.check() else { panic!("an invalid policy must be refused") };
        assert!(reason.contains("station.max_pages_per_session: 0 is out of range"), "{reason}");
        assert!(reason.contains("the last good policy stays in force"), "{reason}");
        assert_eq!(keeper.check(), Check::Unchanged, "the same bad file is reported once");
        assert!(!keeper.apply_pending());
        assert_eq!(keeper.current().station.max_pages_per_session, 20);

        std::fs::remove_file(&path).unwrap();
        assert!(matches!(keeper.check(), Check::Refused(r) if r.contains("cannot read the policy file")));
        assert_eq!(keeper.current().procedures.len(), 11);
    }

    #[test]
    fn a_good_policy_pending_is_dropped_when_a_bad_one_replaces_it() {
        let (_dir, path, mut keeper) = keeper();
        install(&path, &POLICY.replace("max_pages_per_session = 20", "max_pages_per_session = 5"));
        assert_eq!(keeper.check(), Check::Pending);
        install(&path, "version = ");
        assert!(matches!(keeper.check(), Check::Refused(_)));
        assert!(!keeper.apply_pending(), "only the file as it is now may be applied");
        assert_eq!(keeper.current().station.max_pages_per_session, 20);
    }
}
