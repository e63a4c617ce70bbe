//! What a worker does when operations keep failing (missing privileges, a trigger that raises, a
//! full disk…): it backs off exponentially, up to a cap, and reports failures in summaries instead of
//! one log line per failure. A single failure among successes costs nothing: the stream goes on at
//! once. Pure Rust: time is passed in.

use std::time::{Duration, Instant};

/// The wait after the second failure in a row; it doubles with each further one.
const FIRST_WAIT: Duration = Duration::from_millis(10);
/// The longest wait between two attempts.
pub const MAX_WAIT: Duration = Duration::from_secs(5);
/// Failures in a row from which the worker reports itself `failing`.
pub const FAILING_AFTER: u32 = 3;
/// At most one log line per this interval while failures go on.
pub const REPORT_EVERY: Duration = Duration::from_secs(10);

/// A log line to write, when a failure or a recovery warrants one.
#[derive(Debug, PartialEq, Eq)]
pub enum Report {
    /// The first failure after a quiet period: logged in full.
    Failure { message: String },
    /// Failures since the last line, with the latest message.
    Summary {
        failures: u64,
        seconds: u64,
        last: String,
    },
    /// The failures stopped after the worker was failing, or some were not logged yet.
    Recovered {
        in_a_row: u32,
        unreported: u64,
        last: String,
    },
}

#[derive(Debug, Default)]
pub struct Streak {
    /// Failed attempts in a row.
    pub in_a_row: u32,
    unreported: u64,
    last_report: Option<Instant>,
    last_message: String,
}

impl Streak {
    /// Records a failure: returns how long to wait before the next attempt and what to log.
    pub fn failed(&mut self, message: String, now: Instant) -> (Duration, Option<Report>) {
        self.in_a_row = self.in_a_row.saturating_add(1);
        let due = self
            .last_report
            .is_none_or(|t| now.duration_since(t) >= REPORT_EVERY);
        let report = if !due {
            self.unreported += 1;
            None
        } else if self.unreported == 0 {
            Some(Report::Failure {
                message: message.clone(),
            })
        } else {
            let seconds = self
                .last_report
                .map_or(0, |t| now.duration_since(t).as_secs());
            Some(Report::Summary {
                failures: std::mem::take(&mut self.unreported) + 1,
                seconds,
                last: message.clone(),
            })
        };
        if report.is_some() {
            self.last_report = Some(now);
        }
        self.last_message = message;
        (wait_after(self.in_a_row), report)
    }

    /// Records a success: ends the streak. Reports its end when the worker was failing; otherwise
    /// reports the failures not logged yet once REPORT_EVERY has passed since the last line.
    pub fn succeeded(&mut self, now: Instant) -> Option<Report> {
        let since = self.last_report.map(|t| now.duration_since(t));
        let report = if self.failing() {
            Some(Report::Recovered {
                in_a_row: self.in_a_row,
                unreported: std::mem::take(&mut self.unreported),
                last: std::mem::take(&mut self.last_message),
            })
        } else if self.unreported > 0 && since.is_some_and(|s| s >= REPORT_EVERY) {
            Some(Report::Summary {
                failures: std::mem::take(&mut self.unreported),
                seconds: since.map_or(0, |s| s.as_secs()),
                last: std::mem::take(&mut self.last_message),
            })
        } else {
            None
        };
        if report.is_some() {
            self.last_report = Some(now);
        }
        self.in_a_row = 0;
        report
    }

    pub fn failing(&self) -> bool {
        self.in_a_row >= FAILING_AFTER
    }
}

/// The wait before the next attempt after `in_a_row` failures in a row: none after one.
pub fn wait_after(in_a_row: u32) -> Duration {
    if in_a_row <= 1 {
        return Duration::ZERO;
    }
    let doublings = (in_a_row - 2).min(20);
    (FIRST_WAIT * 2u32.pow(doublings)).min(MAX_WAIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_failure_costs_nothing_then_waits_double_up_to_the_cap() {
        assert_eq!(wait_after(1), Duration::ZERO);
        assert_eq!(wait_after(2), Duration::from_millis(10));
        assert_eq!(wait_after(3), Duration::from_millis(20));
        assert_eq!(wait_after(9), Duration::from_millis(1280));
        assert_eq!(wait_after(12), MAX_WAIT);
        assert_eq!(wait_after(u32::MAX), MAX_WAIT);
    }

    #[test]
    fn failures_are_logged_once_then_summarised() {
        let t0 = Instant::now();
        let mut s = Streak::default();
        let (_, r) = s.failed("boom 1".into(), t0);
        assert_eq!(
            r,
            Some(Report::Failure {
                message: "boom 1".into()
            })
        );
        for i in 2..=100 {
            let (_, r) = s.failed(format!("boom {i}"), t0 + Duration::from_millis(i));
            assert_eq!(r, None, "failure {i} is not logged on its own");
        }
        assert!(s.failing());
        let (_, r) = s.failed("boom 101".into(), t0 + REPORT_EVERY);
        assert_eq!(
            r,
            Some(Report::Summary {
                failures: 100,
                seconds: REPORT_EVERY.as_secs(),
                last: "boom 101".into()
            })
        );
        let t1 = t0 + REPORT_EVERY + Duration::from_secs(1);
        let (_, r) = s.failed("boom 102".into(), t1);
        assert_eq!(r, None);
        assert_eq!(
            s.succeeded(t1),
            Some(Report::Recovered {
                in_a_row: 102,
                unreported: 1,
                last: "boom 102".into()
            })
        );
        assert!(!s.failing());
        assert_eq!(s.succeeded(t1), None, "nothing left to report");
    }

    #[test]
    fn isolated_failures_are_summarised_at_most_every_interval() {
        let t0 = Instant::now();
        let mut s = Streak::default();
        assert!(s.failed("a".into(), t0).1.is_some(), "the first is logged");
        assert_eq!(s.succeeded(t0), None);
        assert_eq!(s.failed("b".into(), t0 + Duration::from_secs(1)).1, None);
        assert_eq!(s.succeeded(t0 + Duration::from_secs(1)), None, "not yet");
        assert_eq!(
            s.succeeded(t0 + REPORT_EVERY),
            Some(Report::Summary {
                failures: 1,
                seconds: REPORT_EVERY.as_secs(),
                last: "b".into()
            })
        );
        assert_eq!(s.succeeded(t0 + REPORT_EVERY * 3), None);
    }

    #[test]
    fn a_success_resets_the_wait() {
        let t0 = Instant::now();
        let mut s = Streak::default();
        for i in 0..5 {
            s.failed("x".into(), t0 + Duration::from_secs(i));
        }
        assert!(
            matches!(
                s.succeeded(t0 + Duration::from_secs(5)),
                Some(Report::Recovered { in_a_row: 5, .. })
            ),
            "the end of a failing streak is reported"
        );
        let (wait, _) = s.failed("x".into(), t0 + Duration::from_secs(6));
        assert_eq!(wait, Duration::ZERO);
    }
}
