//! The times every backend shares, kept in shared memory: the hospital clock
//! (`alimentador.time_scale`, [`crate::clock`]) and the instant the load shape in force started
//! (step, ramp and bursts count from it, the same for every worker).

use pgrx::prelude::*;

use crate::clock::Clock;
use crate::schedule::{Moment, Schedule};
use crate::status::{self, now};

/// Starts `schedule` from its beginning now (alimentador_set_schedule(), even with the same one).
pub fn restart_schedule(schedule: Schedule) {
    status::with_control(|control| {
        control.schedule = schedule;
        control.schedule_since = now();
    });
}

/// Seconds between the Unix epoch and PostgreSQL's (2000-01-01).
const UNIX_TO_POSTGRES_EPOCH: i64 = 946_684_800;

/// The hospital clock's time now: the real time scaled by `alimentador.time_scale` from when the
/// scale came into force (clock.rs), shared by every backend; the real time when the library is not
/// preloaded.
pub fn hospital_now() -> pg_sys::TimestampTz {
    let real = now();
    if !status::attached() {
        return real;
    }
    let scale = crate::settings::TIME_SCALE.get();
    if let Some(clock) = status::read_control().clock.filter(|c| c.scale() == scale) {
        return clock.at(real);
    }
    let clock = status::with_control(|control| {
        let clock = match control.clock {
            Some(c) if c.scale() == scale => c,
            Some(c) => c.rescaled(real, scale),
            None => Clock::real_time(real).rescaled(real, scale),
        };
        control.clock = Some(clock);
        clock
    });
    clock.at(real)
}

/// When `schedule` is at now: since when it is in force (the first worker or function to see a
/// new schedule, e.g. after a reload, starts it), and the server's local time for `daily`.
pub fn schedule_moment(schedule: &Schedule) -> Moment {
    let now = now();
    let control = status::read_control();
    let since = if control.schedule == *schedule && control.schedule_since != 0 {
        control.schedule_since
    } else {
        status::with_control(|control| {
            if control.schedule != *schedule || control.schedule_since == 0 {
                control.schedule = *schedule;
                control.schedule_since = now;
            }
            control.schedule_since
        })
    };
    // The daily curve follows the hospital clock; steps, ramps and bursts the real time.
    let hospital = hospital_now();
    let unix = hospital.div_euclid(1_000_000) + UNIX_TO_POSTGRES_EPOCH;
    Moment {
        elapsed: (now - since) as f64 / 1e6,
        local_unix: (unix + utc_offset(unix)) as f64 + hospital.rem_euclid(1_000_000) as f64 / 1e6,
    }
}

/// The UTC offset in seconds at a Unix time, in the session's time zone (the server's `timezone`).
fn utc_offset(unix: i64) -> i64 {
    let t: pg_sys::pg_time_t = unix;
    // SAFETY: session_timezone is set in every backend; pg_localtime returns static storage or NULL.
    unsafe {
        let tm = pg_sys::pg_localtime(&t, pg_sys::session_timezone);
        // c_long is 32 bits on some platforms.
        #[allow(clippy::unnecessary_cast)]
        tm.as_ref().map_or(0, |tm| tm.tm_gmtoff as i64)
    }
}
