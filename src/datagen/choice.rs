//! Randomness helpers shared by every generator: uniform and weighted picks,
//! coin flips, random digits and random instants/dates inside a window.

use super::Rng;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rand::RngExt;

/// Picks one element of a non-empty slice uniformly at random (tables of
/// `&'static str` and other `Copy` values).
///
/// # Panics
/// If `items` is empty (all callers pass constant, non-empty tables).
pub fn pick<T: Copy>(rng: &mut Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// Picks one element with probability proportional to `weight(element)`.
///
/// Used for cities (population), statuses (target shares) and anything else
/// whose frequencies are not uniform. A linear scan is fine: the tables
/// have at most a few dozen entries.
///
/// # Panics
/// If `items` is empty or all weights are zero.
pub fn pick_weighted<'a, T>(rng: &mut Rng, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
    let total: u64 = items.iter().map(|item| u64::from(weight(item))).sum();
    assert!(total > 0, "pick_weighted needs a positive total weight");
    let mut ticket = rng.random_range(0..total);
    for item in items {
        let w = u64::from(weight(item));
        if ticket < w {
            return item;
        }
        ticket -= w;
    }
    unreachable!("ticket is always below the total weight")
}

/// Picks the first field of a `(value, weight)` table, weighted by the second.
pub fn pick_pair<T: Copy>(rng: &mut Rng, table: &[(T, u32)]) -> T {
    pick_weighted(rng, table, |&(_, w)| w).0
}

/// Returns `true` with probability `p` (clamped to `0.0..=1.0`).
pub fn chance(rng: &mut Rng, p: f64) -> bool {
    rng.random_bool(p.clamp(0.0, 1.0))
}

/// Appends `count` random decimal digits to `out`.
pub fn push_digits(rng: &mut Rng, out: &mut String, count: usize) {
    for _ in 0..count {
        out.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
}

/// A uniformly random instant in `[from, to]`, with second resolution.
/// If the window is empty or inverted, returns `from`.
pub fn instant_between(rng: &mut Rng, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
    let span = (to - from).num_seconds();
    if span <= 0 {
        return from;
    }
    from + TimeDelta::seconds(rng.random_range(0..=span))
}

/// A uniformly random calendar date in `[from, to]`.
/// If the window is empty or inverted, returns `from`.
pub fn date_between(rng: &mut Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days();
    if span <= 0 {
        return from;
    }
    from + TimeDelta::days(rng.random_range(0..=span))
}

/// A log-uniformly distributed duration between `min` and `max`: short
/// values are common, long ones rarer (hospital stays, turnaround times).
pub fn log_uniform_duration(rng: &mut Rng, min: TimeDelta, max: TimeDelta) -> TimeDelta {
    let (lo, hi) = (
        min.num_seconds().max(1) as f64,
        max.num_seconds().max(1) as f64,
    );
    if hi <= lo {
        return min;
    }
    let secs = (lo.ln() + rng.random::<f64>() * (hi.ln() - lo.ln())).exp();
    TimeDelta::seconds((secs.round() as i64).clamp(lo as i64, hi as i64))
}

#[cfg(test)]
mod tests {
    use super::super::rng_from_seed;
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn pick_returns_every_element_eventually() {
        let mut rng = rng_from_seed(1, 0);
        let items = ["a", "b", "c"];
        let mut seen = [false; 3];
        for _ in 0..200 {
            let picked = pick(&mut rng, &items);
            let idx = items.iter().position(|&x| x == picked).unwrap();
            seen[idx] = true;
        }
        assert_eq!(seen, [true; 3]);
    }

    #[test]
    fn weighted_pick_respects_weights() {
        let mut rng = rng_from_seed(2, 0);
        let table = [("never", 0u32), ("rare", 1), ("common", 9)];
        let n = 20_000;
        let mut rare = 0;
        for _ in 0..n {
            let v = pick_pair(&mut rng, &table);
            assert_ne!(v, "never");
            if v == "rare" {
                rare += 1;
            }
        }
        let share = rare as f64 / n as f64;
        assert!((0.08..0.12).contains(&share), "rare share {share}");
    }

    #[test]
    #[should_panic]
    fn weighted_pick_rejects_zero_total() {
        let mut rng = rng_from_seed(3, 0);
        pick_pair(&mut rng, &[("x", 0u32)]);
    }

    #[test]
    fn digits_are_digits() {
        let mut rng = rng_from_seed(4, 0);
        let mut s = String::new();
        push_digits(&mut rng, &mut s, 50);
        assert_eq!(s.len(), 50);
        assert!(s.bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn instants_and_dates_stay_in_window() {
        let mut rng = rng_from_seed(5, 0);
        let a = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let b = Utc.with_ymd_and_hms(2024, 1, 3, 0, 0, 0).unwrap();
        for _ in 0..1000 {
            let t = instant_between(&mut rng, a, b);
            assert!(a <= t && t <= b);
            let d = date_between(&mut rng, a.date_naive(), b.date_naive());
            assert!(a.date_naive() <= d && d <= b.date_naive());
        }
        assert_eq!(instant_between(&mut rng, b, a), b);
        assert_eq!(
            date_between(&mut rng, b.date_naive(), a.date_naive()),
            b.date_naive()
        );
    }

    #[test]
    fn log_uniform_stays_in_bounds_and_favours_short() {
        let mut rng = rng_from_seed(6, 0);
        let (min, max) = (TimeDelta::days(1), TimeDelta::days(100));
        let mut below_10 = 0;
        for _ in 0..10_000 {
            let d = log_uniform_duration(&mut rng, min, max);
            assert!(min <= d && d <= max);
            if d < TimeDelta::days(10) {
                below_10 += 1;
            }
        }
        // log-uniform over [1, 100]: half the mass is below 10.
        assert!((4_500..5_500).contains(&below_10), "{below_10}");
    }

    #[test]
    fn chance_extremes() {
        let mut rng = rng_from_seed(7, 0);
        assert!((0..100).all(|_| !chance(&mut rng, 0.0)));
        assert!((0..100).all(|_| chance(&mut rng, 1.0)));
        assert!((0..100).all(|_| chance(&mut rng, 7.0)));
    }
}
