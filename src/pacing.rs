//! Rate pacing: when the next operation is due, for a target rate in operations per second.
//!
//! The pacer keeps an absolute schedule (`next += interval`), so per-operation overhead does not
//! accumulate as drift. Uniform arrivals space operations evenly; Poisson arrivals draw exponential
//! gaps with the same mean. A pacer that falls behind (the server was slow, the stream was paused)
//! catches up at most `MAX_BURST` worth of time, never an unbounded burst. Pure Rust: time is passed in.

use std::time::{Duration, Instant};

/// How much missed schedule a pacer may make up in a burst.
const MAX_BURST: Duration = Duration::from_secs(1);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrivals {
    Uniform,
    Poisson,
}

#[derive(Debug)]
pub struct Pacer {
    rate: f64,
    arrivals: Arrivals,
    next: Instant,
}

impl Pacer {
    /// `rate` is operations per second for this pacer; 0 means unlimited.
    pub fn new(rate: f64, arrivals: Arrivals, now: Instant) -> Pacer {
        Pacer {
            rate,
            arrivals,
            next: now,
        }
    }

    /// Changes the target without losing the schedule's position. The wait left until the next
    /// arrival is rescaled by the ratio of the rates (the time change of a non-homogeneous Poisson
    /// process, exact for uniform arrivals too), so a rate that changes at every turn (a ramp, the
    /// daily curve) keeps the gaps already drawn instead of cutting them short.
    pub fn set(&mut self, rate: f64, arrivals: Arrivals, now: Instant) {
        if rate != self.rate || arrivals != self.arrivals {
            let old_rate = self.rate;
            self.rate = rate;
            self.arrivals = arrivals;
            if old_rate > 0.0 && rate > 0.0 {
                if self.next > now {
                    let left = (self.next - now).as_secs_f64() * old_rate / rate;
                    self.next = now + Duration::from_secs_f64(left.min(3600.0));
                }
            } else if rate > 0.0 {
                self.next = self.next.min(now + self.gap(0.5));
            }
        }
    }

    /// How long to wait before the next operation is due (zero when it is due now).
    pub fn wait(&mut self, now: Instant) -> Duration {
        if self.rate <= 0.0 {
            return Duration::ZERO;
        }
        if now > self.next + MAX_BURST {
            self.next = now - MAX_BURST;
        }
        self.next.saturating_duration_since(now)
    }

    /// Records that `ops` operations were done. `uniform01` is a uniform draw in [0, 1), used for
    /// Poisson gaps (ignored for uniform arrivals).
    pub fn done(&mut self, ops: u32, uniform01: f64) {
        if self.rate <= 0.0 {
            return;
        }
        for _ in 0..ops {
            let gap = match self.arrivals {
                Arrivals::Uniform => self.gap(0.5),
                Arrivals::Poisson => self.gap(uniform01),
            };
            self.next += gap;
        }
    }

    /// The gap to the next arrival. For Poisson it is the inverse CDF of the exponential
    /// distribution at `u`; at `u` = 0.5 for uniform arrivals the mean gap `1/rate` is used.
    fn gap(&self, u: f64) -> Duration {
        let mean = 1.0 / self.rate;
        let secs = match self.arrivals {
            Arrivals::Uniform => mean,
            Arrivals::Poisson => -mean * (1.0 - u.clamp(0.0, 0.999_999_999)).ln(),
        };
        Duration::from_secs_f64(secs.min(3600.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Simulates a worker whose operations take `cost` each, for `secs` seconds.
    fn simulate(rate: f64, arrivals: Arrivals, cost: Duration, secs: u64) -> u64 {
        let start = Instant::now();
        let mut now = start;
        let mut pacer = Pacer::new(rate, arrivals, now);
        let mut state = 12345u64;
        let mut ops = 0;
        while now < start + Duration::from_secs(secs) {
            let wait = pacer.wait(now);
            if wait > Duration::ZERO {
                now += wait;
                continue;
            }
            now += cost;
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            pacer.done(1, (state >> 11) as f64 / (1u64 << 53) as f64);
            ops += 1;
        }
        ops
    }

    #[test]
    fn uniform_rate_is_exact_over_a_minute() {
        let ops = simulate(50.0, Arrivals::Uniform, Duration::from_micros(300), 60);
        assert!((2999..=3001).contains(&ops), "{ops}");
    }

    #[test]
    fn poisson_rate_has_the_right_mean() {
        let ops = simulate(200.0, Arrivals::Poisson, Duration::from_micros(100), 60) as f64;
        assert!((ops / 12000.0 - 1.0).abs() < 0.03, "{ops}");
    }

    #[test]
    fn unlimited_never_waits() {
        let mut p = Pacer::new(0.0, Arrivals::Uniform, Instant::now());
        p.done(1000, 0.3);
        assert_eq!(p.wait(Instant::now()), Duration::ZERO);
    }

    #[test]
    fn falling_behind_bursts_at_most_one_second() {
        let start = Instant::now();
        let mut p = Pacer::new(10.0, Arrivals::Uniform, start);
        let later = start + Duration::from_secs(30);
        let mut burst = 0;
        while p.wait(later) == Duration::ZERO {
            p.done(1, 0.5);
            burst += 1;
        }
        assert!((10..=11).contains(&burst), "{burst}");
    }

    #[test]
    fn slow_operations_cap_the_rate_without_drift() {
        // Each op costs 50 ms, so 100 ops/s cannot be reached: ~20/s, not more.
        let ops = simulate(100.0, Arrivals::Uniform, Duration::from_millis(50), 10);
        assert!((199..=201).contains(&ops), "{ops}");
    }

    /// A worker's loop under a schedule: the rate is the shape's at each turn, as in worker.rs.
    fn simulate_schedule(shape: &str, base: f64, arrivals: Arrivals, secs: f64) -> (u64, f64) {
        use crate::schedule::{Moment, Schedule};
        let schedule = Schedule::parse(shape).unwrap();
        let start = Instant::now();
        let mut now = start;
        let mut pacer = Pacer::new(base, arrivals, now);
        let mut state = 99u64;
        let mut ops = 0;
        // The local clock runs 600 times faster from a Monday 06:00, so `daily` climbs to its
        // morning peak within the simulation.
        let moment = |now: Instant| Moment {
            elapsed: (now - start).as_secs_f64(),
            local_unix: (4.0 * 24.0 + 6.0) * 3600.0 + (now - start).as_secs_f64() * 600.0,
        };
        while now < start + Duration::from_secs_f64(secs) {
            pacer.set(schedule.target_rate(moment(now), base), arrivals, now);
            let wait = pacer.wait(now).min(Duration::from_millis(200));
            if wait > Duration::ZERO {
                now += wait;
                continue;
            }
            now += Duration::from_micros(200);
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            pacer.done(1, (state >> 11) as f64 / (1u64 << 53) as f64);
            ops += 1;
        }
        // The shape's integral, in 1 ms steps.
        let expected: f64 = (0..(secs * 1000.0) as u64)
            .map(|ms| {
                let t = start + Duration::from_micros(ms * 1000 + 500);
                schedule.target_rate(moment(t), base) * 0.001
            })
            .sum();
        (ops, expected)
    }

    #[test]
    fn a_step_shape_is_followed_within_one_percent() {
        for arrivals in [Arrivals::Uniform, Arrivals::Poisson] {
            let (ops, expected) = simulate_schedule(
                "step=1x:20s,3x:20s; burst=2x for 5s every 40s at 30s",
                100.0,
                arrivals,
                120.0,
            );
            let ratio = ops as f64 / expected;
            assert!(
                (ratio - 1.0).abs() < 0.01,
                "{arrivals:?}: {ops} vs {expected}"
            );
        }
    }

    #[test]
    fn a_ramp_and_the_daily_curve_are_followed() {
        // The rate changes at every turn: the pacer must keep the gaps it drew (Poisson ones too),
        // not cut them short.
        for arrivals in [Arrivals::Uniform, Arrivals::Poisson] {
            for shape in ["ramp=1x..4x:60s", "daily"] {
                let (ops, expected) = simulate_schedule(shape, 50.0, arrivals, 120.0);
                let ratio = ops as f64 / expected;
                assert!(
                    (ratio - 1.0).abs() < 0.03,
                    "{shape} {arrivals:?}: {ops} vs {expected}"
                );
            }
        }
    }

    #[test]
    fn raising_the_rate_takes_effect_at_once() {
        let start = Instant::now();
        let mut p = Pacer::new(0.01, Arrivals::Uniform, start);
        p.done(1, 0.5); // next is 100 s away
        p.set(10.0, Arrivals::Uniform, start);
        assert!(p.wait(start) <= Duration::from_millis(100));
    }
}
