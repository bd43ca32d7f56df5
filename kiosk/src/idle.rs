//! The idle countdown: after a quiet spell the resident is asked "are you still there?" and, if
//! nobody answers before the countdown ends, the session is ended and wiped.

use std::time::{Duration, Instant};

/// What the idle watch says at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleState {
    /// Someone used the station recently.
    Active,
    /// The countdown is showing; this much time is left.
    Warning(Duration),
    /// The countdown ran out: end the session.
    Expired,
}

/// Watches input during a session.
#[derive(Debug, Clone)]
pub struct IdleWatch {
    timeout: Duration,
    warning: Duration,
    last_input: Instant,
}

impl IdleWatch {
    /// A watch that warns after `timeout` without input and expires `warning` later.
    pub fn new(timeout: Duration, warning: Duration, now: Instant) -> Self {
        Self { timeout, warning, last_input: now }
    }

    /// Notes input (a touch, a key, a pointer move); cancels a countdown in progress.
    pub fn input(&mut self, now: Instant) {
        self.last_input = self.last_input.max(now);
    }

    /// Changes the timeouts (e.g. when a volunteer joins), keeping the last input.
    pub fn set_timeouts(&mut self, timeout: Duration, warning: Duration) {
        self.timeout = timeout;
        self.warning = warning;
    }

    /// The state at `now`.
    pub fn state(&self, now: Instant) -> IdleState {
        let quiet = now.saturating_duration_since(self.last_input);
        if quiet < self.timeout {
            IdleState::Active
        } else if quiet < self.timeout + self.warning {
            IdleState::Warning(self.timeout + self.warning - quiet)
        } else {
            IdleState::Expired
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn quiet_time_leads_to_a_countdown_then_to_the_end() {
        let start = Instant::now();
        let watch = IdleWatch::new(S(300), S(60), start);
        assert_eq!(watch.state(start + S(299)), IdleState::Active);
        assert_eq!(watch.state(start + S(300)), IdleState::Warning(S(60)));
        assert_eq!(watch.state(start + S(345)), IdleState::Warning(S(15)));
        assert_eq!(watch.state(start + S(360)), IdleState::Expired);
    }

    #[test]
    fn any_input_during_the_countdown_keeps_the_session() {
        let start = Instant::now();
        let mut watch = IdleWatch::new(S(300), S(60), start);
        watch.input(start + S(330));
        assert_eq!(watch.state(start + S(331)), IdleState::Active);
        assert_eq!(watch.state(start + S(630)), IdleState::Warning(S(60)));
    }

    #[test]
    fn an_assisted_session_gets_more_time() {
        let start = Instant::now();
        let mut watch = IdleWatch::new(S(300), S(60), start);
        watch.set_timeouts(S(1200), S(60));
        assert_eq!(watch.state(start + S(900)), IdleState::Active);
    }
}
