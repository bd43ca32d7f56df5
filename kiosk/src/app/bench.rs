//! `kiosk bench`: the real window and real WebKit, N sessions in a row, with figures.
//!
//! Each session opens the URL in a fresh session, waits until the page is ready (its title equals
//! the one given, or it finished loading), then ends with exactly the end button's wipe.

use std::time::{Duration, Instant};

use iced::Task;
use protocol::ProcedureId;
use url::Url;

use super::{Kiosk, Message};
use protocol::SessionEnd;

/// How long a page may take to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(15);

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchPlan {
    /// The page each session opens.
    pub url: Url,
    /// The procedure whose rules allow it (the session counts it).
    pub procedure: ProcedureId,
    /// How many sessions.
    pub sessions: usize,
    /// The `document.title` that means "ready"; load finished when `None`.
    pub ready_title: Option<String>,
    /// After the sessions, stay this long at the home screen and measure the kiosk's CPU use.
    pub idle: Option<Duration>,
}

/// A measurement in progress.
pub(super) struct BenchRun {
    plan: BenchPlan,
    cold_start: Duration,
    session_started: Option<Instant>,
    /// The page of the current session finished loading.
    pub loaded: bool,
    ready: Vec<Duration>,
    /// Durations of the wipes so far.
    pub wipes: Vec<Duration>,
    rss_kb: Option<(u64, u64)>,
    /// When the idle measurement started, and the CPU time used until then.
    pub idling_since: Option<(Instant, Duration)>,
    idle_cpu_percent: Option<f64>,
}

impl BenchRun {
    pub(super) fn new(plan: BenchPlan) -> Self {
        Self {
            plan,
            cold_start: Duration::ZERO,
            session_started: None,
            loaded: false,
            ready: Vec::new(),
            wipes: Vec::new(),
            rss_kb: None,
            idling_since: None,
            idle_cpu_percent: None,
        }
    }

    fn report(&self, unwritten: usize) -> serde_json::Value {
        let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
        let (kiosk, webkit) = self.rss_kb.unwrap_or_default();
        let mut report = serde_json::json!({
            "sessions": self.ready.len(),
            "cold_start_ms": ms(&self.cold_start).round(),
            "ready_ms": { "p50": percentile(&self.ready, 50.0), "p95": percentile(&self.ready, 95.0) },
            "wipe_ms": {
                "p50": percentile(&self.wipes, 50.0),
                "p95": percentile(&self.wipes, 95.0),
                "max": percentile(&self.wipes, 100.0),
            },
            "rss_kb": { "kiosk": kiosk, "webkit": webkit },
            "unwritten_records": unwritten,
        });
        if let Some(percent) = self.idle_cpu_percent {
            report["idle_cpu_percent"] = serde_json::json!((percent * 100.0).round() / 100.0);
        }
        report
    }
}

impl Kiosk {
    /// Before the bench exits: one last try to write waiting records; returns how many remain
    /// (lost with the process, and said so).
    fn finish_records(&mut self) -> usize {
        self.write_records();
        if !self.unwritten.is_empty() {
            eprintln!(
                "kiosk bench: {} usage record(s) could not be written to the outbox",
                self.unwritten.len()
            );
        }
        self.unwritten.len()
    }

    pub(super) fn bench_start(&mut self, cold_start: Duration) -> Task<Message> {
        if self.parent.is_none() {
            fail("the kiosk window has no X11 id: cannot show web pages");
        }
        if let Some(bench) = self.bench.as_mut() {
            bench.cold_start = cold_start;
        }
        self.bench_next_session();
        Task::none()
    }

    fn bench_next_session(&mut self) {
        let Some(bench) = self.bench.as_mut() else { return };
        bench.loaded = false;
        bench.session_started = Some(Instant::now());
        let (procedure, url) = (bench.plan.procedure.clone(), bench.plan.url.clone());
        self.open_procedure(&procedure, Some(url));
        if self.session.as_ref().and_then(|s| s.browser.as_ref()).is_none() {
            fail("could not open a session with a web view");
        }
    }

    pub(super) fn bench_tick(&mut self) -> Task<Message> {
        let Some(bench) = self.bench.as_mut() else { return Task::none() };
        if let Some((since, cpu_before)) = bench.idling_since {
            let wanted = bench.plan.idle.unwrap_or_default();
            if since.elapsed() < wanted {
                return Task::none();
            }
            let used = cpu_time().saturating_sub(cpu_before);
            bench.idle_cpu_percent = Some(100.0 * used.as_secs_f64() / since.elapsed().as_secs_f64());
            let unwritten = self.finish_records();
            if let Some(bench) = self.bench.as_ref() {
                println!("{}", bench.report(unwritten));
            }
            return iced::exit();
        }
        let Some(started) = bench.session_started else { return Task::none() };
        let title =
            self.session.as_ref().and_then(|s| s.browser.as_ref()).map(|b| b.title()).unwrap_or_default();
        let ready = match &bench.plan.ready_title {
            Some(wanted) => &title == wanted,
            None => bench.loaded,
        };
        if !ready {
            if started.elapsed() > READY_TIMEOUT {
                let what = bench
                    .plan
                    .ready_title
                    .as_ref()
                    .map_or("load".to_owned(), |t| format!("title {t:?} (now {title:?})"));
                fail(&format!(
                    "session {}: the page did not reach {what} within 15 s",
                    bench.ready.len() + 1
                ));
            }
            return Task::none();
        }
        let elapsed = started.elapsed();
        let rss = memory_kb();
        if let Some(bench) = self.bench.as_mut() {
            bench.ready.push(elapsed);
            bench.rss_kb = Some(rss);
            bench.session_started = None;
        }
        self.end_session(SessionEnd::User);
        let Some(bench) = self.bench.as_ref() else { return Task::none() };
        if bench.ready.len() < bench.plan.sessions {
            self.bench_next_session();
            Task::none()
        } else if bench.plan.idle.is_some() {
            if let Some(bench) = self.bench.as_mut() {
                bench.idling_since = Some((Instant::now(), cpu_time()));
            }
            Task::none()
        } else {
            let unwritten = self.finish_records();
            if let Some(bench) = self.bench.as_ref() {
                println!("{}", bench.report(unwritten));
            }
            iced::exit()
        }
    }
}

fn fail(message: &str) -> ! {
    eprintln!("kiosk bench: {message}");
    std::process::exit(1);
}

/// The `p`-th percentile of durations, in milliseconds (nearest rank).
fn percentile(values: &[Duration], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted: Vec<f64> = values.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    (sorted[rank.clamp(1, sorted.len()) - 1] * 10.0).round() / 10.0
}

/// CPU time used by every thread of the kiosk process so far.
fn cpu_time() -> Duration {
    let nanos: u64 = std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next().and_then(|ns| ns.parse::<u64>().ok()))
        .sum();
    Duration::from_nanos(nanos)
}

/// Resident memory of the kiosk process and of its WebKit processes, in kB.
fn memory_kb() -> (u64, u64) {
    let me = std::process::id();
    let mut parents = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
            let Some((head, tail)) = stat.rsplit_once(')') else { continue };
            let comm = head.split_once('(').map_or("", |(_, c)| c).to_owned();
            let ppid = tail.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok()).unwrap_or(0);
            parents.push((pid, ppid, comm));
        }
    }
    let is_descendant = |mut pid: u32| {
        for _ in 0..16 {
            let Some((_, ppid, _)) = parents.iter().find(|(p, _, _)| *p == pid) else { return false };
            if *ppid == me {
                return true;
            }
            pid = *ppid;
        }
        false
    };
    let webkit = parents
        .iter()
        .filter(|(pid, _, comm)| comm.starts_with("WebKit") && is_descendant(*pid))
        .map(|(pid, _, _)| rss_kb(*pid))
        .sum();
    (rss_kb(me), webkit)
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix("VmRSS:").map(|v| v.trim().trim_end_matches(" kB").to_owned())
            })
        })
        .and_then(|kb| kb.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let values: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&values, 50.0), 50.0);
        assert_eq!(percentile(&values, 95.0), 95.0);
        assert_eq!(percentile(&[Duration::from_millis(7)], 95.0), 7.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }
}
