//! `fleet-agent run`: the station daemon's loop.
//!
//! Usage records leave the outbox only once the server has listed them as stored or already
//! there; a report that fails is retried with exponential backoff and jitter (or after the
//! server's `Retry-After`). A refused token is retried for a grace period, then the agent says
//! the station needs enrolling again, and goes on keeping and retrying the records. Health goes
//! with a report every `health_interval_s`; the policy is fetched every `policy_interval_s` and
//! installed atomically when valid. Killing the agent at any point loses nothing: a record
//! deleted is a record the server has, and a policy file is either the old one or the new one.

use std::path::Path;
use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBuilder};
use protocol::Policy;
use protocol::api::ReportRequest;
use protocol::health::PolicyStatus;

use crate::client::{Client, ClientError, PolicyAnswer};
use crate::config::AgentConfig;
use crate::health::HealthProbe;
use crate::outbox::Outbox;
use crate::station::{AgentState, Enrolment, StationDir, write_atomically};

/// The kiosk's configuration, where the station printer is named when the agent's is not.
pub const KIOSK_CONFIG: &str = "/etc/kiosk-station/kiosk.toml";

/// The `printer` of the kiosk's configuration file, if it names one.
fn kiosk_printer(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let table: toml::Table = text.parse().ok()?;
    table.get("printer")?.as_str().map(str::to_owned)
}

/// How often the outbox is looked at for new records.
pub const OUTBOX_POLL: Duration = Duration::from_secs(2);

/// The daemon's state.
pub struct Daemon {
    config: AgentConfig,
    station: StationDir,
    enrolment: Enrolment,
    token: String,
    client: Client,
    outbox: Outbox,
    probe: HealthProbe,
    state: AgentState,
    hostname: String,
    /// The printer whose health is reported.
    printer: Option<String>,
    backoff: Box<dyn Iterator<Item = Duration> + Send>,
    next_health: Instant,
    next_policy: Instant,
    last_reauth_warning: Option<Instant>,
    batch_size: usize,
}

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Something was sent; more may wait.
    Sent { more: bool },
    /// Nothing to do now.
    Idle,
    /// It failed: wait this long.
    Wait(Duration),
}

fn new_backoff() -> Box<dyn Iterator<Item = Duration> + Send> {
    Box::new(
        ExponentialBuilder::default()
            .with_min_delay(Duration::from_secs(1))
            .with_max_delay(Duration::from_secs(300))
            .with_factor(2.0)
            .with_jitter()
            .without_max_times()
            .build(),
    )
}

impl Daemon {
    /// Prepares the daemon of the station directory in `config`; fails if it is not enrolled.
    pub fn new(config: AgentConfig) -> anyhow::Result<Self> {
        let station = StationDir::new(&config.state_dir);
        let (enrolment, token) = station.enrolment().map_err(anyhow::Error::msg)?;
        let outbox = Outbox::open(&station.outbox())?;
        let tls = crate::tls::server_tls(config.server_ca.as_deref()).map_err(anyhow::Error::msg)?;
        let client = Client::new(&enrolment.server, tls);
        printing::tls::remember_certificates_in(station.printer_certificates());
        let probe = HealthProbe::new(station.root());
        let state = station.state();
        let hostname = sysinfo::System::host_name().unwrap_or_else(|| "station".into());
        let now = Instant::now();
        let printer = config.printer.clone().or_else(|| kiosk_printer(Path::new(KIOSK_CONFIG)));
        Ok(Self {
            printer,
            batch_size: config.batch_size,
            config,
            station,
            enrolment,
            token,
            client,
            outbox,
            probe,
            state,
            hostname,
            backoff: new_backoff(),
            next_health: now,
            next_policy: now,
            last_reauth_warning: None,
        })
    }

    /// Runs until the process is stopped.
    pub fn run(mut self) -> anyhow::Result<()> {
        tracing::info!(
            server = %self.enrolment.server,
            station = %self.enrolment.station_id,
            state_dir = %self.station.root().display(),
            "fleet agent running"
        );
        loop {
            let wait = self.tick();
            std::thread::sleep(wait);
        }
    }

    /// One round: policy if due, then reports until the outbox is empty or a report fails.
    /// Returns how long to sleep.
    pub fn tick(&mut self) -> Duration {
        if Instant::now() >= self.next_policy {
            self.check_policy();
        }
        loop {
            match self.send() {
                Step::Sent { more: true } => continue,
                Step::Sent { more: false } | Step::Idle => {
                    let until_health = self.next_health.saturating_duration_since(Instant::now());
                    let until_policy = self.next_policy.saturating_duration_since(Instant::now());
                    return OUTBOX_POLL.min(until_health).min(until_policy).max(Duration::from_millis(50));
                }
                Step::Wait(wait) => return wait,
            }
        }
    }

    fn policy_status(&self) -> PolicyStatus {
        PolicyStatus { etag: self.state.policy_etag.clone(), last_error: self.state.policy_error.clone() }
    }

    fn save_state(&self) {
        if let Err(error) = self.station.save_state(&self.state) {
            tracing::warn!(%error, "cannot save the agent's state");
        }
    }

    /// Sends one report if there are records or health is due.
    fn send(&mut self) -> Step {
        let records = match self.outbox.oldest(self.batch_size) {
            Ok(records) => records,
            Err(error) => {
                tracing::error!(%error, "cannot read the outbox");
                return Step::Wait(self.backoff.next().unwrap_or(Duration::from_secs(60)));
            }
        };
        let health_due = Instant::now() >= self.next_health;
        if records.is_empty() && !health_due {
            return Step::Idle;
        }
        let health = health_due.then(|| {
            let printer = self.printer.as_deref().map(printing::printer_health);
            self.probe.report(&self.hostname, printer, self.policy_status(), chrono::Utc::now())
        });
        let count = records.len();
        let request = ReportRequest { records, health };
        match self.client.report(&self.token, &request) {
            Ok(answer) => {
                let full = count > 0 && count >= self.batch_size;
                let done: Vec<_> = answer.accepted.iter().chain(&answer.duplicates).copied().collect();
                if let Err(error) = self.outbox.delete(&done) {
                    // The server has them: sending them again later only counts as duplicates.
                    tracing::error!(%error, "cannot delete sent records from the outbox");
                }
                if count > 0 {
                    tracing::info!(
                        accepted = answer.accepted.len(),
                        duplicates = answer.duplicates.len(),
                        "usage records sent"
                    );
                }
                if health_due {
                    self.next_health = Instant::now() + Duration::from_secs(self.config.health_interval_s);
                }
                if self.state.unauthorized_since.take().is_some() {
                    tracing::info!("the server accepts this station's token again");
                    self.save_state();
                }
                self.backoff = new_backoff();
                self.batch_size = self.config.batch_size;
                Step::Sent { more: full }
            }
            Err(error) => self.failed(error, &request),
        }
    }

    fn failed(&mut self, error: ClientError, request: &ReportRequest) -> Step {
        let backoff = self.backoff.next().unwrap_or(Duration::from_secs(300));
        match error {
            ClientError::Retry { message, retry_after } => {
                let wait = retry_after.unwrap_or(backoff);
                tracing::warn!(%message, retry_in_s = wait.as_secs_f32(), "report not sent; will retry");
                Step::Wait(wait)
            }
            ClientError::Unauthorized(message) => {
                let now = chrono::Utc::now().timestamp();
                let since = *self.state.unauthorized_since.get_or_insert(now);
                self.save_state();
                let refused_for = now - since;
                if refused_for >= self.config.unauthorized_grace_s as i64 {
                    let warn_now =
                        self.last_reauth_warning.is_none_or(|t| t.elapsed() >= Duration::from_secs(3_600));
                    if warn_now {
                        self.last_reauth_warning = Some(Instant::now());
                        tracing::error!(
                            %message,
                            refused_for_s = refused_for,
                            "this station needs to be enrolled again: fleet-agent enrol --server {} --code CODE \
                             --state-dir {} (usage records are kept until then)",
                            self.enrolment.server,
                            self.station.root().display()
                        );
                    }
                } else {
                    tracing::warn!(%message, refused_for_s = refused_for, "token refused; retrying during the grace period");
                }
                Step::Wait(backoff)
            }
            ClientError::Refused { status: 413, .. } if self.batch_size > 1 => {
                self.batch_size = (self.batch_size / 2).max(1);
                tracing::warn!(batch_size = self.batch_size, "report too large; sending smaller batches");
                Step::Sent { more: true }
            }
            ClientError::Refused { status, message, path } => {
                // A record the server will never take: set it aside (kept, not deleted) so that
                // the records behind it go.
                let index = path
                    .as_deref()
                    .and_then(|p| p.strip_prefix("records["))
                    .and_then(|rest| rest.split(']').next())
                    .and_then(|n| n.parse::<usize>().ok());
                match index.and_then(|i| request.records.get(i)) {
                    Some(record) => {
                        let reason = format!("HTTP {status} at {}: {message}", path.unwrap_or_default());
                        tracing::error!(record = %record.id, %reason, "record refused by the server; set aside");
                        if let Err(error) = self.outbox.reject(&record.id.to_string(), &reason) {
                            tracing::error!(%error, "cannot set the refused record aside");
                            return Step::Wait(backoff);
                        }
                        Step::Sent { more: true }
                    }
                    None => {
                        tracing::error!(status, %message, path = ?path, "report refused; will retry");
                        Step::Wait(backoff)
                    }
                }
            }
        }
    }

    /// Fetches the policy and installs it if it is new and valid.
    fn check_policy(&mut self) {
        self.next_policy = Instant::now() + Duration::from_secs(self.config.policy_interval_s);
        let installed = self.station.policy().exists();
        let etag = if installed { self.state.policy_etag.clone() } else { None };
        match self.client.policy(&self.token, etag.as_deref()) {
            Ok(PolicyAnswer::NotModified) => {}
            Ok(PolicyAnswer::NonePublished) => {
                tracing::debug!("no policy published on the server yet");
            }
            Ok(PolicyAnswer::Policy { text, etag, version }) => {
                let name = format!("policy version {} from the server", version.as_deref().unwrap_or("?"));
                match Policy::parse(&text, &name) {
                    Ok(policy) => match write_atomically(&self.station.policy(), text.as_bytes(), 0o644) {
                        Ok(()) => {
                            tracing::info!(version = ?version, procedures = policy.procedures.len(), "policy installed");
                            self.state.policy_etag = etag;
                            self.state.policy_error = None;
                        }
                        Err(error) => {
                            tracing::error!(%error, path = %self.station.policy().display(), "cannot install the policy");
                            self.state.policy_error = Some(format!("cannot install: {error}"));
                        }
                    },
                    Err(error) => {
                        let first = error.to_string().lines().next().unwrap_or_default().to_owned();
                        tracing::error!(problems = %error, "policy from the server refused; the last good one stays");
                        self.state.policy_etag = etag;
                        self.state.policy_error = Some(first);
                    }
                }
                self.save_state();
            }
            Err(error) => tracing::warn!(%error, "cannot fetch the policy; will retry"),
        }
    }
}
