//! The agent's configuration (`/etc/kiosk-station/agent.toml`).

use std::path::PathBuf;

use serde::Deserialize;

use protocol::api::MAX_RECORDS_PER_REPORT;
use protocol::toml_file::{self, Document, FileError, KeyPath, Problem, check_range};

/// Settings of one station's agent. The server address and the station token are not here:
/// `fleet-agent enrol` writes them into the station directory.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentConfig {
    /// Station directory shared with the kiosk (outbox, status file, installed policy, token).
    pub state_dir: PathBuf,
    /// Seconds between health reports.
    pub health_interval_s: u64,
    /// Seconds between policy checks.
    pub policy_interval_s: u64,
    /// Most usage records sent in one report.
    pub batch_size: usize,
    /// Seconds of refused tokens (HTTP 401) before the agent reports that it needs re-enrolment.
    pub unauthorized_grace_s: u64,
    /// IPP URI of the station's printer, for its health; the kiosk's printer when unset.
    pub printer: Option<String>,
    /// PEM file of the certificate authority (or authorities) that signed the fleet server's
    /// HTTPS certificate, trusted instead of the system's; for an in-house authority.
    pub server_ca: Option<PathBuf>,
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            state_dir: PathBuf::from("/var/lib/kiosk-station"),
            health_interval_s: 60,
            policy_interval_s: 300,
            batch_size: MAX_RECORDS_PER_REPORT,
            unauthorized_grace_s: 3600,
            printer: None,
            server_ca: None,
        }
    }
}

impl AgentConfig {
    /// Parses and checks a configuration text; `file` names it in messages.
    pub fn parse(text: &str, file: &str) -> Result<Self, FileError> {
        toml_file::load(text, file, validate)
    }
}

fn validate(config: &AgentConfig, doc: &Document<'_>) -> Vec<Problem> {
    let key = |k: &str| KeyPath::root().key(k);
    let mut problems: Vec<Problem> = [
        check_range(doc, key("health_interval_s"), config.health_interval_s, 5..=3600, "seconds"),
        check_range(doc, key("policy_interval_s"), config.policy_interval_s, 10..=86_400, "seconds"),
        check_range(doc, key("batch_size"), config.batch_size, 1..=MAX_RECORDS_PER_REPORT, "records"),
        check_range(doc, key("unauthorized_grace_s"), config.unauthorized_grace_s, 0..=604_800, "seconds"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !config.state_dir.is_absolute() {
        problems.push(doc.problem(key("state_dir"), "must be an absolute path"));
    }
    if let Some(file) = &config.server_ca
        && let Err(problem) = crate::tls::server_tls(Some(file))
    {
        problems.push(doc.problem(key("server_ca"), problem));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_values_are_named() {
        let error = AgentConfig::parse("batch_size = 5000\n", "agent.toml").unwrap_err();
        assert_eq!(
            error.to_string(),
            "agent.toml:1:14: batch_size: 5000 is out of range: expected 1 to 1000 records"
        );
        assert_eq!(AgentConfig::parse("", "agent.toml").unwrap(), AgentConfig::default());
    }
}
