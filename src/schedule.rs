//! Load shapes (`alimentador.schedule`): a factor over time that multiplies `alimentador.rate`.
//! Pure Rust, so the workers and a session's paced stream share it: [`Schedule::parse`] and
//! [`Schedule::target_rate`], time passed in as a [`Moment`].
//!
//! Grammar: shapes separated by `;`, whose factors multiply (at most one `step` or `ramp`):
//!
//! - `constant` (or empty): factor 1, the stream of old;
//! - `daily`: a hospital's week ([`DAILY`]: clinic hours peak, night emergency, lower weekends), by
//!   the server's local time (its `timezone`), hours interpolated linearly; its mean over a week is 1,
//!   so `alimentador.rate` stays the average rate;
//! - `step=1x:60s,3x:60s`: each factor for its duration, in order, then again from the first;
//! - `ramp=1x..5x:10min`: from the first factor to the second, linearly, then stays at the second;
//! - `burst=10x for 60s every 15min [at 5min]`: the factor during `for`, starting `at` (default 0)
//!   into each period of `every`; several bursts may not overlap.
//!
//! Factors are positive numbers up to 1000, with an optional `x`; durations a number and a unit
//! (`ms`, `s`, `min`, `h`, `d`), from 1 s to 7 d. Time for step, ramp and burst counts from the
//! moment the schedule came into force (the workers share it, see timeline.rs).

use std::fmt;

use crate::echo::truncated;

/// The valid forms, for hints.
pub const FORMS: &str = "constant; daily; step=1x:60s,3x:60s (repeats); ramp=1x..5x:10min (then stays); burst=10x for 60s every 15min [at 5min]; combine with ';', e.g. 'daily; burst=5x for 1min every 1h'. Factors: positive numbers up to 1000 (optional x); durations: 1s to 7d in ms, s, min, h or d.";

pub const MAX_STEPS: usize = 16;
pub const MAX_BURSTS: usize = 4;
const MAX_FACTOR: f64 = 1000.0;
const MIN_DURATION_MS: u64 = 1000;
const MAX_DURATION_MS: u64 = 7 * 86_400_000;

/// Hourly factors of a hospital's week, before normalisation: Monday first (index 0), hour 0–23.
/// Weekdays: night emergency only (~0.2) until 6 h, clinics and labs from 7 h, the morning peak at
/// 9–10 h, a lunch dip, an afternoon plateau, evening emergency; Monday's morning is the busiest of
/// the week (the weekend's backlog) and Friday's afternoon winds down early. Saturday has a half
/// day of elective clinics; Sunday is emergency only, busier in the evening.
pub const DAILY: [[f64; 24]; 7] = [
    // Monday
    [
        0.25, 0.2, 0.2, 0.2, 0.25, 0.35, 0.7, 1.4, 2.3, 2.6, 2.5, 2.2, 1.4, 1.8, 2.1, 2.0, 1.8,
        1.4, 1.0, 0.8, 0.65, 0.5, 0.4, 0.3,
    ],
    // Tuesday
    [
        0.25, 0.2, 0.2, 0.2, 0.25, 0.35, 0.6, 1.2, 1.9, 2.1, 2.1, 1.9, 1.3, 1.6, 1.9, 1.9, 1.7,
        1.3, 0.9, 0.7, 0.6, 0.5, 0.4, 0.3,
    ],
    // Wednesday
    [
        0.25, 0.2, 0.2, 0.2, 0.25, 0.35, 0.6, 1.2, 1.9, 2.1, 2.1, 1.9, 1.3, 1.6, 1.9, 1.9, 1.7,
        1.3, 0.9, 0.7, 0.6, 0.5, 0.4, 0.3,
    ],
    // Thursday
    [
        0.25, 0.2, 0.2, 0.2, 0.25, 0.35, 0.6, 1.2, 1.9, 2.1, 2.1, 1.9, 1.3, 1.6, 1.9, 1.9, 1.7,
        1.3, 0.9, 0.7, 0.6, 0.5, 0.4, 0.3,
    ],
    // Friday
    [
        0.25, 0.2, 0.2, 0.2, 0.25, 0.35, 0.6, 1.2, 1.9, 2.1, 2.0, 1.8, 1.2, 1.4, 1.5, 1.4, 1.2,
        1.0, 0.8, 0.7, 0.6, 0.55, 0.45, 0.35,
    ],
    // Saturday
    [
        0.3, 0.3, 0.25, 0.25, 0.25, 0.3, 0.4, 0.7, 1.0, 1.1, 1.1, 1.0, 0.7, 0.5, 0.45, 0.45, 0.45,
        0.5, 0.55, 0.55, 0.55, 0.5, 0.45, 0.35,
    ],
    // Sunday
    [
        0.35, 0.3, 0.25, 0.25, 0.25, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.5, 0.45, 0.45, 0.45, 0.45,
        0.5, 0.55, 0.6, 0.6, 0.55, 0.45, 0.35, 0.3,
    ],
];

/// The mean of [`DAILY`]: dividing by it makes the weekly mean 1.
const fn daily_mean() -> f64 {
    let mut sum = 0.0;
    let mut d = 0;
    while d < 7 {
        let mut h = 0;
        while h < 24 {
            sum += DAILY[d][h];
            h += 1;
        }
        d += 1;
    }
    sum / 168.0
}
const DAILY_MEAN: f64 = daily_mean();

/// When the schedule is evaluated: time since it came into force, and the local time of the week.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Moment {
    /// Seconds since the schedule came into force (step, ramp, bursts).
    pub elapsed: f64,
    /// Local seconds since the Unix epoch (wall clock plus the UTC offset), for `daily`.
    pub local_unix: f64,
}

impl Moment {
    /// Seconds since Monday 00:00 local time (1970-01-01 was a Thursday).
    fn week_seconds(&self) -> f64 {
        (self.local_unix + 3.0 * 86_400.0).rem_euclid(7.0 * 86_400.0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Burst {
    pub factor: f64,
    pub for_ms: u64,
    pub every_ms: u64,
    pub at_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ramp {
    pub from: f64,
    pub to: f64,
    pub over_ms: u64,
}

/// A parsed load shape. Fixed-size (Copy) so that a run-time override fits in shared memory.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schedule {
    pub daily: bool,
    steps: [(f64, u64); MAX_STEPS],
    step_count: usize,
    pub ramp: Option<Ramp>,
    bursts: [Burst; MAX_BURSTS],
    burst_count: usize,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule::CONSTANT
    }
}

/// Why a schedule was rejected. Echoed input is shortened.
#[derive(Clone, Debug, PartialEq)]
pub enum ScheduleError {
    UnknownShape(String),
    BadFactor(String),
    BadDuration(String),
    BadStep(String),
    BadRamp(String),
    BadBurst(String),
    TooMany { what: &'static str, max: usize },
    StepAndRamp,
    BurstTooLong(String),
    Overlap(String, String),
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ScheduleError::*;
        match self {
            UnknownShape(s) => write!(f, "unknown shape \"{}\"", truncated(s)),
            BadFactor(s) => {
                let rule =
                    format!("a factor (a number above 0 and up to {MAX_FACTOR}, e.g. 3x or 0.5)");
                write!(f, "\"{}\" is not {rule}", truncated(s))
            }
            BadDuration(s) | BadStep(s) | BadRamp(s) | BadBurst(s) => {
                let rule = match self {
                    BadDuration(_) => "a duration from 1s to 7d (e.g. 90s, 15min, 2h)",
                    BadStep(_) => "a step: factor:duration, e.g. 3x:60s",
                    BadRamp(_) => "a ramp: from..to:duration, e.g. ramp=1x..5x:10min",
                    _ => "a burst: burst=10x for 60s every 15min [at 5min]",
                };
                write!(f, "\"{}\" is not {rule}", truncated(s))
            }
            TooMany { what, max } => write!(f, "at most {max} {what}"),
            StepAndRamp => f.write_str("step and ramp cannot be combined (at most one of them)"),
            BurstTooLong(s) => write!(
                f,
                "burst \"{}\" does not fit in its period: at + for must not exceed every",
                truncated(s)
            ),
            Overlap(a, b) => write!(
                f,
                "bursts \"{}\" and \"{}\" overlap",
                truncated(a),
                truncated(b)
            ),
        }
    }
}

fn parse_factor(text: &str) -> Result<f64, ScheduleError> {
    let t = text.trim();
    let number = t.strip_suffix(['x', 'X']).unwrap_or(t).trim();
    number
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0 && *v <= MAX_FACTOR)
        .ok_or_else(|| ScheduleError::BadFactor(t.to_string()))
}

fn parse_duration(text: &str) -> Result<u64, ScheduleError> {
    parse_duration_from(text, MIN_DURATION_MS)
}

/// A duration of at least `min_ms` (an offset may be 0).
fn parse_duration_from(text: &str, min_ms: u64) -> Result<u64, ScheduleError> {
    let t = text.trim();
    let bad = || ScheduleError::BadDuration(t.to_string());
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(bad)?;
    let (number, unit) = t.split_at(split);
    let value: f64 = number.parse().map_err(|_| bad())?;
    let unit_ms = match unit.trim() {
        "ms" => 1.0,
        "s" => 1000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return Err(bad()),
    };
    let ms = value * unit_ms;
    if !(ms.is_finite() && (min_ms as f64..=MAX_DURATION_MS as f64).contains(&ms)) {
        return Err(bad());
    }
    Ok(ms.round() as u64)
}

fn format_duration(ms: u64) -> String {
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("min", 60_000),
        ("s", 1000),
    ] {
        if ms.is_multiple_of(size) {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

impl Burst {
    fn parse(text: &str) -> Result<Burst, ScheduleError> {
        let bad = || ScheduleError::BadBurst(text.to_string());
        let words: Vec<&str> = text.split_whitespace().collect();
        let (factor, for_ms, every_ms, at_ms) = match words.as_slice() {
            [f, "for", d, "every", p] => (f, d, p, None),
            [f, "for", d, "every", p, "at", a] => (f, d, p, Some(a)),
            _ => return Err(bad()),
        };
        let burst = Burst {
            factor: parse_factor(factor)?,
            for_ms: parse_duration(for_ms)?,
            every_ms: parse_duration(every_ms)?,
            at_ms: match at_ms {
                None => 0,
                Some(a) => parse_duration_from(a, 0)?,
            },
        };
        if burst.at_ms + burst.for_ms > burst.every_ms || burst.for_ms == burst.every_ms {
            return Err(ScheduleError::BurstTooLong(text.to_string()));
        }
        Ok(burst)
    }

    fn active(&self, elapsed_ms: f64) -> bool {
        let into = elapsed_ms.rem_euclid(self.every_ms as f64);
        into >= self.at_ms as f64 && into < (self.at_ms + self.for_ms) as f64
    }

    /// Whether two periodic bursts are ever active at once. Their starts differ by
    /// `at2 - at1 + j·g` for every integer j (g = gcd of the periods), so they overlap when some
    /// such difference lies strictly between `-for2` and `for1`.
    fn overlaps(&self, other: &Burst) -> bool {
        let g = gcd(self.every_ms, other.every_ms) as i128;
        let r = (other.at_ms as i128 - self.at_ms as i128).rem_euclid(g);
        r < self.for_ms as i128 || g - r < other.for_ms as i128
    }

    fn to_text(self) -> String {
        let mut s = format!(
            "burst={}x for {} every {}",
            self.factor,
            format_duration(self.for_ms),
            format_duration(self.every_ms)
        );
        if self.at_ms > 0 {
            s.push_str(&format!(" at {}", format_duration(self.at_ms)));
        }
        s
    }
}

impl Schedule {
    pub const CONSTANT: Schedule = Schedule {
        daily: false,
        steps: [(1.0, 0); MAX_STEPS],
        step_count: 0,
        ramp: None,
        bursts: [Burst {
            factor: 1.0,
            for_ms: 0,
            every_ms: 1,
            at_ms: 0,
        }; MAX_BURSTS],
        burst_count: 0,
    };

    /// Parses `alimentador.schedule` (see the module's documentation). Blank means constant.
    pub fn parse(text: &str) -> Result<Schedule, ScheduleError> {
        let mut s = Schedule::CONSTANT;
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, args) = match part.split_once('=') {
                Some((n, a)) => (n.trim(), Some(a.trim())),
                None => (part, None),
            };
            match (name.to_ascii_lowercase().as_str(), args) {
                ("constant", None) => {}
                ("daily", None) => s.daily = true,
                ("step", Some(list)) => {
                    if s.step_count > 0 || s.ramp.is_some() {
                        return Err(ScheduleError::StepAndRamp);
                    }
                    for item in list.split(',').map(str::trim) {
                        let (f, d) = item
                            .split_once(':')
                            .ok_or_else(|| ScheduleError::BadStep(item.to_string()))?;
                        if s.step_count == MAX_STEPS {
                            return Err(ScheduleError::TooMany {
                                what: "steps",
                                max: MAX_STEPS,
                            });
                        }
                        s.steps[s.step_count] = (parse_factor(f)?, parse_duration(d)?);
                        s.step_count += 1;
                    }
                }
                ("ramp", Some(spec)) => {
                    if s.step_count > 0 || s.ramp.is_some() {
                        return Err(ScheduleError::StepAndRamp);
                    }
                    let bad = || ScheduleError::BadRamp(spec.to_string());
                    let (range, d) = spec.rsplit_once(':').ok_or_else(bad)?;
                    let (from, to) = range.split_once("..").ok_or_else(bad)?;
                    s.ramp = Some(Ramp {
                        from: parse_factor(from)?,
                        to: parse_factor(to)?,
                        over_ms: parse_duration(d)?,
                    });
                }
                ("burst", Some(spec)) => {
                    let burst = Burst::parse(spec)?;
                    for other in s.bursts() {
                        if other.overlaps(&burst) {
                            return Err(ScheduleError::Overlap(other.to_text(), burst.to_text()));
                        }
                    }
                    if s.burst_count == MAX_BURSTS {
                        return Err(ScheduleError::TooMany {
                            what: "bursts",
                            max: MAX_BURSTS,
                        });
                    }
                    s.bursts[s.burst_count] = burst;
                    s.burst_count += 1;
                }
                _ => return Err(ScheduleError::UnknownShape(part.to_string())),
            }
        }
        Ok(s)
    }

    pub fn steps(&self) -> &[(f64, u64)] {
        &self.steps[..self.step_count]
    }

    pub fn bursts(&self) -> &[Burst] {
        &self.bursts[..self.burst_count]
    }

    /// The canonical text (parses back to the same schedule).
    pub fn to_text(self) -> String {
        let mut parts = Vec::new();
        if self.daily {
            parts.push("daily".to_string());
        }
        if self.step_count > 0 {
            let steps: Vec<String> = self
                .steps()
                .iter()
                .map(|(f, d)| format!("{f}x:{}", format_duration(*d)))
                .collect();
            parts.push(format!("step={}", steps.join(",")));
        }
        if let Some(r) = self.ramp {
            parts.push(format!(
                "ramp={}x..{}x:{}",
                r.from,
                r.to,
                format_duration(r.over_ms)
            ));
        }
        parts.extend(self.bursts().iter().map(|b| b.to_text()));
        if parts.is_empty() {
            "constant".to_string()
        } else {
            parts.join("; ")
        }
    }

    /// The factor of [`DAILY`] at a time of the week, normalised, hours interpolated linearly (the
    /// value of hour h applies at h:00 exactly).
    pub fn daily_factor(week_seconds: f64) -> f64 {
        let hours = (week_seconds / 3600.0).rem_euclid(168.0);
        let h = hours.floor() as usize % 168;
        let next = (h + 1) % 168;
        let frac = hours - hours.floor();
        let value = |i: usize| DAILY[i / 24][i % 24];
        (value(h) * (1.0 - frac) + value(next) * frac) / DAILY_MEAN
    }

    /// The factor at a moment: the product of the shapes'.
    pub fn factor(&self, at: Moment) -> f64 {
        let elapsed_ms = at.elapsed.max(0.0) * 1000.0;
        let mut factor = 1.0;
        if self.daily {
            factor *= Self::daily_factor(at.week_seconds());
        }
        if self.step_count > 0 {
            let cycle: u64 = self.steps().iter().map(|(_, d)| d).sum();
            let mut into = elapsed_ms.rem_euclid(cycle as f64);
            for (f, d) in self.steps() {
                if into < *d as f64 {
                    factor *= f;
                    break;
                }
                into -= *d as f64;
            }
        }
        if let Some(r) = self.ramp {
            let progress = (elapsed_ms / r.over_ms as f64).min(1.0);
            factor *= r.from + (r.to - r.from) * progress;
        }
        for b in self.bursts() {
            if b.active(elapsed_ms) {
                factor *= b.factor;
            }
        }
        factor
    }

    /// The target rate at a moment: `base` (alimentador.rate; 0 = unlimited stays unlimited)
    /// times the factor.
    pub fn target_rate(&self, at: Moment, base: f64) -> f64 {
        if base <= 0.0 {
            return base.max(0.0);
        }
        // A positive rate stays positive: 0 would mean unlimited.
        (base * self.factor(at)).max(f64::MIN_POSITIVE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(elapsed: f64) -> Moment {
        Moment {
            elapsed,
            local_unix: 0.0,
        }
    }

    /// Operations expected between two elapsed times, integrated in 1 ms steps.
    fn integral(s: &Schedule, base: f64, from: f64, to: f64) -> f64 {
        let mut sum = 0.0;
        let mut t = from;
        while t < to {
            sum += s.target_rate(at(t + 0.0005), base) * 0.001;
            t += 0.001;
        }
        sum
    }

    #[test]
    fn constant_and_blank_are_factor_one() {
        for text in ["", "constant", " constant ; "] {
            let s = Schedule::parse(text).unwrap();
            assert_eq!(s, Schedule::CONSTANT);
            assert_eq!(s.target_rate(at(123.4), 200.0), 200.0);
            assert_eq!(s.to_text(), "constant");
        }
    }

    #[test]
    fn unlimited_stays_unlimited() {
        let s = Schedule::parse("step=1x:10s,3x:10s").unwrap();
        assert_eq!(s.target_rate(at(15.0), 0.0), 0.0);
    }

    #[test]
    fn steps_follow_each_other_and_repeat() {
        let s = Schedule::parse("step=1x:60s,3x:30s,0.5x:1min").unwrap();
        assert_eq!(s.factor(at(0.0)), 1.0);
        assert_eq!(s.factor(at(59.9)), 1.0);
        assert_eq!(s.factor(at(60.0)), 3.0);
        assert_eq!(s.factor(at(89.9)), 3.0);
        assert_eq!(s.factor(at(90.0)), 0.5);
        assert_eq!(s.factor(at(150.0)), 1.0); // the cycle is 150 s
        assert_eq!(s.factor(at(150.0 + 61.0)), 3.0);
        let ops = integral(&s, 100.0, 0.0, 150.0);
        assert!((ops - (6000.0 + 9000.0 + 3000.0)).abs() < 1.0, "{ops}");
    }

    #[test]
    fn ramp_climbs_then_holds() {
        let s = Schedule::parse("ramp=1x..5x:100s").unwrap();
        assert_eq!(s.factor(at(0.0)), 1.0);
        assert!((s.factor(at(50.0)) - 3.0).abs() < 1e-9);
        assert_eq!(s.factor(at(100.0)), 5.0);
        assert_eq!(s.factor(at(1000.0)), 5.0);
        let down = Schedule::parse("ramp=4..2x:10s").unwrap();
        assert!((down.factor(at(5.0)) - 3.0).abs() < 1e-9);
        let ops = integral(&s, 10.0, 0.0, 100.0);
        assert!((ops - 3000.0).abs() < 1.0, "{ops}");
    }

    #[test]
    fn bursts_repeat_at_their_offset() {
        let s = Schedule::parse("burst=10x for 60s every 15min").unwrap();
        assert_eq!(s.factor(at(0.0)), 10.0);
        assert_eq!(s.factor(at(59.9)), 10.0);
        assert_eq!(s.factor(at(60.0)), 1.0);
        assert_eq!(s.factor(at(900.0)), 10.0);
        let later = Schedule::parse("burst=2x for 10s every 1min at 30s").unwrap();
        assert_eq!(later.factor(at(29.0)), 1.0);
        assert_eq!(later.factor(at(35.0)), 2.0);
        assert_eq!(later.factor(at(95.0)), 2.0);
        // Over an hour: 4 bursts of 60 s at 10x, the rest at 1x.
        let ops = integral(&s, 1.0, 0.0, 3600.0);
        assert!((ops - (3360.0 + 2400.0)).abs() < 1.0, "{ops}");
    }

    #[test]
    fn shapes_multiply() {
        let s = Schedule::parse("step=1x:20s,3x:20s; burst=2x for 5s every 40s at 30s").unwrap();
        assert_eq!(s.factor(at(10.0)), 1.0);
        assert_eq!(s.factor(at(25.0)), 3.0);
        assert_eq!(s.factor(at(32.0)), 6.0);
        let d = Schedule::parse("daily; burst=3x for 1min every 1h").unwrap();
        let m = Moment {
            elapsed: 10.0,
            local_unix: 4.0 * 86_400.0 + 9.0 * 3600.0, // Monday 1970-01-05, 09:00
        };
        assert!((d.factor(m) - 3.0 * DAILY[0][9] / DAILY_MEAN).abs() < 1e-9);
    }

    #[test]
    fn daily_has_a_weekly_mean_of_one_and_a_hospital_shape() {
        let mut sum = 0.0;
        let steps = 7 * 24 * 60;
        for minute in 0..steps {
            sum += Schedule::daily_factor(minute as f64 * 60.0);
        }
        assert!(
            (sum / steps as f64 - 1.0).abs() < 1e-9,
            "{}",
            sum / steps as f64
        );
        let f = |day: usize, hour: f64| Schedule::daily_factor((day as f64 * 24.0 + hour) * 3600.0);
        // Tuesday: the morning peak is several times the night, the lunch dip below the peak.
        assert!(f(1, 9.5) > 4.0 * f(1, 3.0));
        assert!(f(1, 12.0) < f(1, 10.0));
        // The weekend is lower than a weekday at the same hour; Monday morning is the busiest.
        assert!(f(6, 10.0) < 0.5 * f(2, 10.0));
        assert!(f(0, 9.0) > f(3, 9.0));
        // Night emergency never stops.
        assert!((0..168).all(|h| Schedule::daily_factor(h as f64 * 3600.0) > 0.1));
        // Linear between hours.
        let mid = f(1, 8.5);
        assert!((mid - (f(1, 8.0) + f(1, 9.0)) / 2.0).abs() < 1e-9);
    }

    #[test]
    fn daily_uses_local_time_of_week() {
        let s = Schedule::parse("daily").unwrap();
        // 1970-01-01 00:00 was a Thursday.
        let thursday_3h = Moment {
            elapsed: 0.0,
            local_unix: 3.0 * 3600.0,
        };
        assert!((s.factor(thursday_3h) - DAILY[3][3] / DAILY_MEAN).abs() < 1e-9);
    }

    #[test]
    fn canonical_text_parses_back() {
        for text in [
            "daily",
            "step=1x:60s,3x:90s",
            "ramp=1x..5.5x:10min",
            "daily; burst=10x for 60s every 15min; burst=2x for 30s every 15min at 5min",
            "step=0.5x:1500ms,2x:1h",
        ] {
            let s = Schedule::parse(text).unwrap();
            assert_eq!(Schedule::parse(&s.to_text()).unwrap(), s, "{text}");
        }
        assert_eq!(
            Schedule::parse("burst=10 for 60s every 15min")
                .unwrap()
                .to_text(),
            "burst=10x for 1min every 15min"
        );
    }

    #[test]
    fn bad_input_is_rejected_with_a_reason() {
        let err = |t: &str| Schedule::parse(t).unwrap_err().to_string();
        assert!(err("weekly").contains("unknown shape \"weekly\""));
        assert!(err("daily=2").contains("unknown shape"));
        assert!(err("step=-1x:60s").contains("\"-1x\" is not a factor"));
        assert!(err("step=0x:60s").contains("is not a factor"));
        assert!(err("step=1x:60s,nanx:1s").contains("is not a factor"));
        assert!(err("step=1x:0s").contains("is not a duration"));
        assert!(err("step=1x:10parsecs").contains("is not a duration"));
        assert!(err("step=1x:8d").contains("is not a duration"));
        assert!(err("step=1x").contains("is not a step"));
        assert!(err("ramp=1x:60s").contains("is not a ramp"));
        assert!(err("step=1x:60s; ramp=1x..2x:60s").contains("cannot be combined"));
        assert!(err("burst=10x 60s every 15min").contains("is not a burst"));
        assert!(err("burst=10x for 20min every 15min").contains("does not fit"));
        assert!(err("burst=10x for 15min every 15min").contains("does not fit"));
        assert!(
            err("burst=2x for 1min every 10min; burst=3x for 1min every 15min").contains("overlap")
        );
        assert!(
            err("burst=2x for 1min every 10min; burst=3x for 1min every 15min at 30s")
                .contains("overlap")
        );
        let many = "step=".to_string() + &vec!["1x:1s"; MAX_STEPS + 1].join(",");
        assert!(err(&many).contains("at most 16 steps"));
        // Long input is cut in the message.
        assert!(err(&"x".repeat(1000)).len() < 100);
    }

    #[test]
    fn bursts_that_never_meet_are_accepted() {
        // Periods 10 and 15 min (gcd 5 min): starts differ by 2 min + k·5 min, never within 1 min.
        let s =
            Schedule::parse("burst=2x for 1min every 10min; burst=3x for 1min every 15min at 2min")
                .unwrap();
        assert_eq!(s.bursts().len(), 2);
        for second in 0..1800 {
            let t = second as f64;
            let both = s.bursts().iter().filter(|b| b.active(t * 1000.0)).count();
            assert!(both <= 1, "{t}");
        }
    }
}
