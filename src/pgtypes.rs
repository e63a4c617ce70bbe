//! Conversions between the generators' values (chrono, byte arrays) and PostgreSQL datums.

use chrono::{DateTime, NaiveDate, Utc};
use pgrx::datum::{Date, TimestampWithTimeZone};

/// Seconds from the Unix epoch to PostgreSQL's (2000-01-01).
const PG_EPOCH_UNIX_SECS: i64 = 946_684_800;

pub fn timestamptz(t: DateTime<Utc>) -> TimestampWithTimeZone {
    let micros = t.timestamp_micros() - PG_EPOCH_UNIX_SECS * 1_000_000;
    TimestampWithTimeZone::try_from(micros).expect("timestamp in PostgreSQL's range")
}

pub fn from_timestamptz(t: TimestampWithTimeZone) -> DateTime<Utc> {
    let micros = pgrx::pg_sys::TimestampTz::from(t) + PG_EPOCH_UNIX_SECS * 1_000_000;
    DateTime::<Utc>::from_timestamp_micros(micros).unwrap_or_default()
}

pub fn date(d: NaiveDate) -> Date {
    let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date");
    Date::saturating_from_raw((d - epoch).num_days() as i32)
}

pub fn uuid(bytes: [u8; 16]) -> pgrx::datum::Uuid {
    pgrx::datum::Uuid::from_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_offsets() {
        let t = DateTime::<Utc>::from_timestamp(PG_EPOCH_UNIX_SECS + 1, 0).unwrap();
        assert_eq!(
            t.timestamp_micros() - PG_EPOCH_UNIX_SECS * 1_000_000,
            1_000_000
        );
    }
}
