//! The hospital clock (`alimentador.time_scale`): the time the stream writes into its rows —
//! appointment dates, exam collections and results, admissions, discharges, readings — and the time
//! its lifecycle steps compare with ("past-due", "already collected"). At scale 1 it is the real
//! time; at 168 a week passes in an hour, so lifecycles complete in minutes. Pure: the shared clock
//! lives in shared memory (timeline.rs), the time is passed in.
//!
//! The clock is a line through an anchor: `simulated = anchor_simulated + (real - anchor_real) ×
//! scale`. A new scale re-anchors at the moment it comes into force, so the hospital's time never
//! jumps, whichever way the scale changes; with a scale of at least 1 it never falls behind the real
//! time either (rows written before it, the seed's included, stay in its past).

/// Microseconds, as PostgreSQL's TimestampTz.
pub type Micros = i64;

/// The smallest and largest `alimentador.time_scale`.
pub const MIN_SCALE: f64 = 1.0;
pub const MAX_SCALE: f64 = 100_000.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clock {
    anchor_real: Micros,
    anchor_simulated: Micros,
    scale: f64,
}

impl Clock {
    /// The real time, from `real` on.
    pub fn real_time(real: Micros) -> Clock {
        Clock {
            anchor_real: real,
            anchor_simulated: real,
            scale: 1.0,
        }
    }

    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The hospital's time at the real time `real`.
    pub fn at(&self, real: Micros) -> Micros {
        let elapsed = (real - self.anchor_real) as f64 * self.scale;
        self.anchor_simulated + elapsed as Micros
    }

    /// The clock going on from `real` at another scale: the same time at `real`, the new pace after.
    pub fn rescaled(&self, real: Micros, scale: f64) -> Clock {
        Clock {
            anchor_real: real,
            anchor_simulated: self.at(real),
            scale,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Micros = 1_000_000;
    const HOUR: Micros = 3_600 * SECOND;

    #[test]
    fn scale_one_is_the_real_time() {
        let c = Clock::real_time(1_000);
        assert_eq!(c.at(1_000), 1_000);
        assert_eq!(c.at(1_000 + HOUR), 1_000 + HOUR);
    }

    #[test]
    fn at_168_an_hour_is_a_week() {
        let c = Clock::real_time(0).rescaled(0, 168.0);
        assert_eq!(c.at(HOUR), 7 * 24 * HOUR);
    }

    #[test]
    fn a_new_scale_never_makes_the_time_jump() {
        let c = Clock::real_time(0).rescaled(0, 168.0);
        let t = 10 * SECOND;
        let before = c.at(t);
        let slower = c.rescaled(t, 1.0);
        assert_eq!(slower.at(t), before);
        assert_eq!(slower.at(t + SECOND), before + SECOND);
        let faster = slower.rescaled(t + SECOND, 1000.0);
        assert_eq!(faster.at(t + SECOND), before + SECOND);
        assert_eq!(faster.at(t + 2 * SECOND), before + SECOND + 1000 * SECOND);
    }

    #[test]
    fn it_never_falls_behind_the_real_time_at_a_scale_of_one_or_more() {
        let mut c = Clock::real_time(0);
        let mut real = 0;
        for (i, scale) in [168.0, 1.0, 5.5, 1.0, MAX_SCALE, MIN_SCALE]
            .into_iter()
            .enumerate()
        {
            real += (i as Micros + 1) * 7 * SECOND;
            let before = c.at(real);
            c = c.rescaled(real, scale);
            assert_eq!(c.at(real), before);
            assert!(c.at(real) >= real);
            assert!(c.at(real + HOUR) >= real + HOUR);
        }
    }
}
