//! The alimentador table digest (docs/digest.md), byte-compatible with tools/digest/digest.py and
//! the SQL alimentador_digest(): each column in the source's attnum order as `<byte length>:<text>`
//! or `-` for NULL, concatenated; the row's number is the first 8 bytes of md5 (big-endian); a
//! table's digest is the sum of its rows' numbers mod 2^64.
//!
//! Values come as the raw JSON Debezium wrote (strings for text, numeric in string mode,
//! ZonedTimestamp strings, padded char(n), the jsonb text; days for io.debezium.time.Date,
//! microseconds for MicroTimestamp; base64 for decimal.handling.mode=precise).

use base64::Engine;
use md5::{Digest, Md5};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt::Write as _;

/// A column's PostgreSQL type, as far as the canonical text depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PgType {
    Int,
    Text,
    Bpchar,
    Numeric,
    Bool,
    Uuid,
    Date,
    Timestamptz,
    Timestamp,
    Jsonb,
    /// Any other type: its PostgreSQL text output, delivered as a string.
    Other,
}

impl PgType {
    pub fn from_name(name: &str) -> PgType {
        match name {
            "int2" | "int4" | "int8" | "smallint" | "integer" | "bigint" | "oid" => PgType::Int,
            "text" | "varchar" | "name" | "citext" => PgType::Text,
            "bpchar" | "char" => PgType::Bpchar,
            "numeric" | "decimal" => PgType::Numeric,
            "bool" | "boolean" => PgType::Bool,
            "uuid" => PgType::Uuid,
            "date" => PgType::Date,
            "timestamptz" => PgType::Timestamptz,
            "timestamp" => PgType::Timestamp,
            "jsonb" | "json" => PgType::Jsonb,
            _ => PgType::Other,
        }
    }
}

/// How a numeric column arrives (from the schema envelope; string mode without it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumMode {
    /// decimal.handling.mode=string (or unknown: a string is taken as the decimal text).
    String,
    /// decimal.handling.mode=double: the scale is lost.
    Double,
    /// decimal.handling.mode=precise: base64 unscaled bytes, scale from the schema.
    Precise(u32),
}

/// Why a value cannot be digested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueError {
    /// A value of the wrong JSON kind or form for its type.
    Bad(String),
    /// numeric in decimal.handling.mode=double: the scale is lost.
    Inexact,
    /// numeric as base64 bytes without a schema saying its scale.
    PreciseWithoutSchema,
}

pub fn hex(sum: u64) -> String {
    format!("{sum:016x}")
}

/// The row's number: the first 8 bytes of md5(row) as a big-endian u64.
pub fn row_number(encoded: &[u8]) -> u64 {
    let d = Md5::digest(encoded);
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_be_bytes(b)
}

/// Appends one field (`<len>:<text>` or `-`) for the raw JSON value `raw` of type `t`.
pub fn encode_field(
    out: &mut Vec<u8>,
    raw: &RawValue,
    t: PgType,
    num: NumMode,
) -> Result<(), ValueError> {
    let s = raw.get().trim();
    if s == "null" {
        out.push(b'-');
        return Ok(());
    }
    let mut tmp = String::new();
    let text: Cow<str> = match t {
        PgType::Text | PgType::Jsonb | PgType::Other => json_str(s)?,
        PgType::Bpchar => match json_str(s)? {
            Cow::Borrowed(b) => Cow::Borrowed(b.trim_end_matches(' ')),
            Cow::Owned(o) => Cow::Owned(o.trim_end_matches(' ').to_string()),
        },
        PgType::Uuid => {
            let v = json_str(s)?;
            if v.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(v.to_ascii_lowercase())
            } else {
                v
            }
        }
        PgType::Int => {
            let v = if s.starts_with('"') {
                json_str(s)?
            } else {
                Cow::Borrowed(s)
            };
            let n: i128 = v
                .trim()
                .parse()
                .map_err(|_| ValueError::Bad(format!("{s} is not an integer")))?;
            write!(tmp, "{n}").ok();
            Cow::Borrowed(tmp.as_str())
        }
        PgType::Bool => match s {
            "true" => Cow::Borrowed("true"),
            "false" => Cow::Borrowed("false"),
            _ => return Err(ValueError::Bad(format!("{s} is not a boolean"))),
        },
        PgType::Numeric => {
            if s.starts_with('{') {
                // io.debezium.data.VariableScaleDecimal {"scale": n, "value": base64}
                #[derive(serde::Deserialize)]
                struct Vsd<'a> {
                    scale: i64,
                    #[serde(borrow)]
                    value: Cow<'a, str>,
                }
                let v: Vsd = serde_json::from_str(s).map_err(|e| ValueError::Bad(e.to_string()))?;
                tmp = unscaled_text(&v.value, v.scale.max(0) as u32)?;
                Cow::Borrowed(tmp.as_str())
            } else if !s.starts_with('"') || num == NumMode::Double {
                return Err(ValueError::Inexact);
            } else if let NumMode::Precise(scale) = num {
                tmp = unscaled_text(&json_str(s)?, scale)?;
                Cow::Borrowed(tmp.as_str())
            } else {
                let v = json_str(s)?;
                match numeric_text(&v) {
                    Some(n) => Cow::Owned(n),
                    None if looks_base64(&v) => return Err(ValueError::PreciseWithoutSchema),
                    None => return Err(ValueError::Bad(format!("{v:?} is not a decimal number"))),
                }
            }
        }
        PgType::Date => {
            if s.starts_with('"') {
                let v = json_str(s)?;
                match v.as_ref() {
                    "infinity" | "-infinity" => v,
                    _ => {
                        let (y, m, d) = parse_date(v.trim())
                            .ok_or_else(|| ValueError::Bad(format!("{v:?} is not a date")))?;
                        write!(tmp, "{y:04}-{m:02}-{d:02}").ok();
                        Cow::Borrowed(tmp.as_str())
                    }
                }
            } else {
                let days: i64 = s
                    .parse()
                    .map_err(|_| ValueError::Bad(format!("{s} is not a date")))?;
                let (y, m, d) = civil_from_days(days);
                write!(tmp, "{y:04}-{m:02}-{d:02}").ok();
                Cow::Borrowed(tmp.as_str())
            }
        }
        PgType::Timestamptz | PgType::Timestamp => {
            let zone = t == PgType::Timestamptz;
            if s.starts_with('"') {
                let v = json_str(s)?;
                if v == "infinity" || v == "-infinity" || (zone && fast_utc(&v)) {
                    v
                } else {
                    tmp = timestamp_text(v.trim(), zone)
                        .ok_or_else(|| ValueError::Bad(format!("{v:?} is not an ISO timestamp")))?;
                    Cow::Borrowed(tmp.as_str())
                }
            } else if !zone {
                // io.debezium.time.MicroTimestamp
                let us: i64 = s
                    .parse()
                    .map_err(|_| ValueError::Bad(format!("{s} is not a timestamp")))?;
                let (days, rem) = (us.div_euclid(86_400_000_000), us.rem_euclid(86_400_000_000));
                let (y, m, d) = civil_from_days(days);
                let secs = rem / 1_000_000;
                write!(
                    tmp,
                    "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:06}",
                    secs / 3600,
                    secs / 60 % 60,
                    secs % 60,
                    rem % 1_000_000
                )
                .ok();
                Cow::Borrowed(tmp.as_str())
            } else {
                return Err(ValueError::Bad(format!("{s} is not a timestamptz")));
            }
        }
    };
    let mut len = itoa_buf(text.len());
    out.append(&mut len);
    out.push(b':');
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

fn itoa_buf(n: usize) -> Vec<u8> {
    n.to_string().into_bytes()
}

fn json_str(s: &str) -> Result<Cow<'_, str>, ValueError> {
    if !s.starts_with('"') {
        return Err(ValueError::Bad(format!("{s} is not a string")));
    }
    let inner = &s[1..s.len() - 1];
    if !inner.contains('\\') {
        return Ok(Cow::Borrowed(inner));
    }
    serde_json::from_str::<String>(s)
        .map(Cow::Owned)
        .map_err(|e| ValueError::Bad(e.to_string()))
}

fn looks_base64(v: &str) -> bool {
    !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
}

/// `…T…:…:….ffffffZ` exactly: already canonical.
fn fast_utc(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 27 && b[26] == b'Z' && b[19] == b'.' && b[10] == b'T' && b[4] == b'-'
}

/// Python's format(Decimal(v), "f") with PostgreSQL's "no negative zero".
pub fn numeric_text(v: &str) -> Option<String> {
    let v = v.trim();
    match v {
        "NaN" | "nan" => return Some("NaN".into()),
        "Infinity" | "+Infinity" | "inf" => return Some("Infinity".into()),
        "-Infinity" | "-inf" => return Some("-Infinity".into()),
        _ => {}
    }
    let (neg, body) = match v.as_bytes().first()? {
        b'-' => (true, &v[1..]),
        b'+' => (false, &v[1..]),
        _ => (false, v),
    };
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], body[i + 1..].parse::<i64>().ok()?),
        None => (body, 0),
    };
    let (ip, fp) = match mant.find('.') {
        Some(i) => (&mant[..i], &mant[i + 1..]),
        None => (mant, ""),
    };
    if ip.is_empty() && fp.is_empty()
        || !ip.bytes().all(|b| b.is_ascii_digit())
        || !fp.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    // digits with scale = len(fp) - exp
    let digits: String = format!("{ip}{fp}");
    let scale = fp.len() as i64 - exp;
    let digits = digits.trim_start_matches('0');
    let mut out = if scale <= 0 {
        let mut s = if digits.is_empty() {
            "0".to_string()
        } else {
            digits.to_string()
        };
        if !digits.is_empty() {
            s.extend(std::iter::repeat_n('0', (-scale) as usize));
        }
        s
    } else {
        let scale = scale as usize;
        let padded = if digits.len() <= scale {
            format!("{}{}", "0".repeat(scale + 1 - digits.len()), digits)
        } else {
            digits.to_string()
        };
        let (a, b) = padded.split_at(padded.len() - scale);
        format!("{a}.{b}")
    };
    let zero = out.bytes().all(|b| b == b'0' || b == b'.');
    if neg && !zero {
        out.insert(0, '-');
    }
    Some(out)
}

fn unscaled_text(b64: &str, scale: u32) -> Result<String, ValueError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .map_err(|_| ValueError::Bad(format!("{b64:?} is not base64")))?;
    if bytes.is_empty() || bytes.len() > 16 {
        return Err(ValueError::Bad(format!(
            "{b64:?}: {} bytes of unscaled value",
            bytes.len()
        )));
    }
    let mut v: i128 = if bytes[0] & 0x80 != 0 { -1 } else { 0 };
    for b in bytes {
        v = (v << 8) | i128::from(b);
    }
    let s = format!("{}E-{}", v, scale);
    numeric_text(&s).ok_or_else(|| ValueError::Bad(format!("{b64:?}: not a decimal")))
}

fn parse_date(v: &str) -> Option<(i64, u32, u32)> {
    let mut it = v.splitn(3, '-');
    let y = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok()?;
    let d = it.next()?.parse().ok()?;
    Some((y, m, d))
}

fn num(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(b.iter().fold(0i64, |a, c| a * 10 + i64::from(c - b'0')))
}

/// An ISO timestamp in the canonical form: UTC with `Z` and 6 fraction digits (timestamptz), or
/// as given with 6 fraction digits (timestamp). None when it is not one.
pub fn timestamp_text(v: &str, zone: bool) -> Option<String> {
    let b = v.as_bytes();
    let dash = v.find('-').filter(|&i| i >= 4)?;
    let (y, m, d) = parse_date(&v[..dash + 6])?;
    let rest = &b[dash + 6..];
    if rest.len() < 9 || (rest[0] != b'T' && rest[0] != b' ') || rest[3] != b':' || rest[6] != b':'
    {
        return None;
    }
    let (hh, mi, ss) = (num(&rest[1..3])?, num(&rest[4..6])?, num(&rest[7..9])?);
    let mut i = 9;
    let mut frac = String::new();
    if i < rest.len() && rest[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < rest.len() && rest[i].is_ascii_digit() {
            i += 1;
        }
        frac = String::from_utf8_lossy(&rest[start..i]).into_owned();
        if frac.is_empty()
            || frac.len() > 9
            || (frac.len() > 6 && frac[6..].bytes().any(|c| c != b'0'))
        {
            return None;
        }
    }
    frac.truncate(6);
    while frac.len() < 6 {
        frac.push('0');
    }
    let tz = &rest[i..];
    let offset_secs: i64 = if tz.is_empty() {
        if zone {
            return None;
        }
        0
    } else {
        if !zone {
            return None;
        }
        if tz == b"Z" {
            0
        } else {
            let sign = match tz[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: Vec<u8> = tz[1..].iter().copied().filter(|c| *c != b':').collect();
            if digits.len() < 2 || digits.len() > 6 || !digits.len().is_multiple_of(2) {
                return None;
            }
            let h = num(&digits[0..2])?;
            let mm = if digits.len() >= 4 {
                num(&digits[2..4])?
            } else {
                0
            };
            let s2 = if digits.len() == 6 {
                num(&digits[4..6])?
            } else {
                0
            };
            sign * (h * 3600 + mm * 60 + s2)
        }
    };
    let days = days_from_civil(y, m, d);
    let total = days * 86_400 + hh * 3600 + mi * 60 + ss - offset_secs;
    let (days, secs) = (total.div_euclid(86_400), total.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let mut s = String::with_capacity(27);
    write!(
        s,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
    .ok();
    if zone {
        s.push('Z');
    }
    Some(s)
}

// Howard Hinnant's civil calendar algorithms.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(json: &str, t: PgType) -> String {
        let raw: Box<RawValue> = serde_json::from_str(json).unwrap();
        let mut out = Vec::new();
        encode_field(&mut out, &raw, t, NumMode::String).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn worked_example_of_docs_digest_md() {
        let row1 = [
            ("1", PgType::Int),
            ("\"1.50\"", PgType::Numeric),
            ("\"ab   \"", PgType::Bpchar),
            ("\"ção\"", PgType::Text),
            ("\"2024-01-05T10:00:00.5+03\"", PgType::Timestamptz),
            ("\"2024-01-05T10:00:00\"", PgType::Timestamp),
            ("\"2024-01-05\"", PgType::Date),
            ("true", PgType::Bool),
            ("\"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11\"", PgType::Uuid),
            (
                "\"{\\\"b\\\": [1, 2.50], \\\"aa\\\": null}\"",
                PgType::Jsonb,
            ),
        ];
        let enc: String = row1.iter().map(|(j, t)| field(j, *t)).collect();
        assert_eq!(enc, "1:14:1.502:ab5:ção27:2024-01-05T07:00:00.500000Z26:2024-01-05T10:00:00.00000010:2024-01-054:true36:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1128:{\"b\": [1, 2.50], \"aa\": null}");
        let h1 = row_number(enc.as_bytes());
        assert_eq!(h1, 2390472165067584171);
        let h3 = row_number(b"1:3---------");
        assert_eq!(hex(h1.wrapping_add(h3)), "263529147fcc87b9");
    }

    #[test]
    fn numerics_and_dates() {
        assert_eq!(numeric_text("-0.00").unwrap(), "0.00");
        assert_eq!(numeric_text("1E+2").unwrap(), "100");
        assert_eq!(numeric_text("1.5E-3").unwrap(), "0.0015");
        assert_eq!(numeric_text("150.00").unwrap(), "150.00");
        assert_eq!(unscaled_text("Opg=", 2).unwrap(), "150.00");
        assert_eq!(field("19727", PgType::Date), "10:2024-01-05");
        assert_eq!(
            field("\"2024-01-05T10:00:00Z\"", PgType::Timestamptz),
            "27:2024-01-05T10:00:00.000000Z"
        );
        assert_eq!(
            field("\"2024-01-01T01:00:00-02:30\"", PgType::Timestamptz),
            "27:2024-01-01T03:30:00.000000Z"
        );
    }
}
