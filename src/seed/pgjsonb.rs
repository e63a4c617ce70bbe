//! JSON values encoded as PostgreSQL's `jsonb` datum, byte for byte what `jsonb_in` makes of their
//! text (PostgreSQL 13 and later: the format is stable since 9.4, numbers as `numeric_in` parses
//! them).
//!
//! Parsing the seed's exam results in the backend (`jsonb_in`, ~500 bytes each) took a tenth of the
//! backend's time at scale 100; encoded here, the generator thread does it. A #[pg_test] compares
//! the bytes with `jsonb_in`'s for thousands of generated results.

use serde_json::{Map, Number, Value};

// src/include/utils/jsonb.h
const JENTRY_OFFLENMASK: u32 = 0x0FFF_FFFF;
const JENTRY_TYPEMASK: u32 = 0x7000_0000;
const JENTRY_HAS_OFF: u32 = 0x8000_0000;
const JENTRY_ISNUMERIC: u32 = 0x1000_0000;
const JENTRY_ISBOOL_FALSE: u32 = 0x2000_0000;
const JENTRY_ISBOOL_TRUE: u32 = 0x3000_0000;
const JENTRY_ISNULL: u32 = 0x4000_0000;
const JENTRY_ISCONTAINER: u32 = 0x5000_0000;
const JB_OFFSET_STRIDE: usize = 32;
const JB_FSCALAR: u32 = 0x1000_0000;
const JB_FOBJECT: u32 = 0x2000_0000;
const JB_FARRAY: u32 = 0x4000_0000;

// src/backend/utils/adt/numeric.c
const NBASE_DIGITS: usize = 4;
const NUMERIC_NEG: u16 = 0x4000;
const NUMERIC_SHORT: u16 = 0x8000;
const NUMERIC_SHORT_SIGN_MASK: u16 = 0x2000;
const NUMERIC_SHORT_DSCALE_SHIFT: u16 = 7;
const NUMERIC_SHORT_DSCALE_MAX: i32 = 63;
const NUMERIC_SHORT_WEIGHT_SIGN_MASK: u16 = 0x0040;
const NUMERIC_SHORT_WEIGHT_MASK: u16 = 0x003F;
const NUMERIC_SHORT_WEIGHT_MAX: i32 = 63;
const NUMERIC_SHORT_WEIGHT_MIN: i32 = -64;
const NUMERIC_DSCALE_MASK: u16 = 0x3FFF;

/// Appends the jsonb datum of `value` (a varlena with a 4-byte header) to `out`, which must end
/// 4-byte aligned relative to where the datum's alignment is measured (its own start).
pub fn encode(value: &Value, out: &mut Vec<u8>) {
    let start = out.len();
    debug_assert_eq!(start % 4, 0);
    out.extend_from_slice(&[0; 4]);
    let mut buffer = Buffer { out, start };
    match value {
        Value::Array(elements) => {
            buffer.array(elements.iter(), elements.len(), false);
        }
        Value::Object(map) => {
            buffer.object(map);
        }
        // A scalar is stored as a one-element "raw scalar" array.
        scalar => {
            buffer.array(std::iter::once(scalar), 1, true);
        }
    }
    let len = (out.len() - start) as u32;
    out[start..start + 4].copy_from_slice(&(len << 2).to_le_bytes());
}

/// The output, with offsets (for alignment) counted from the datum's start.
struct Buffer<'a> {
    out: &'a mut Vec<u8>,
    start: usize,
}

impl Buffer<'_> {
    fn len(&self) -> usize {
        self.out.len() - self.start
    }

    /// padBufferToInt: pads to a multiple of 4; returns the padding.
    fn pad(&mut self) -> u32 {
        let pad = self.len().next_multiple_of(4) - self.len();
        self.out.extend(std::iter::repeat_n(0, pad));
        pad as u32
    }

    fn reserve(&mut self, entries: usize) -> usize {
        let at = self.out.len();
        self.out.extend(std::iter::repeat_n(0, entries * 4));
        at
    }

    fn put(&mut self, at: usize, v: u32) {
        self.out[at..at + 4].copy_from_slice(&v.to_ne_bytes());
    }

    fn value(&mut self, value: &Value) -> u32 {
        match value {
            Value::Null => JENTRY_ISNULL,
            Value::Bool(true) => JENTRY_ISBOOL_TRUE,
            Value::Bool(false) => JENTRY_ISBOOL_FALSE,
            Value::String(s) => self.string(s),
            Value::Number(n) => {
                let pad = self.pad();
                let len = numeric(n, self.out);
                JENTRY_ISNUMERIC | (pad + len as u32)
            }
            Value::Array(elements) => self.array(elements.iter(), elements.len(), false),
            Value::Object(map) => self.object(map),
        }
    }

    fn string(&mut self, s: &str) -> u32 {
        self.out.extend_from_slice(s.as_bytes());
        s.len() as u32
    }

    /// The JEntry of the i-th child: every JB_OFFSET_STRIDE-th holds the end offset, not the length.
    fn entry(meta: u32, i: usize, total: u32) -> u32 {
        if i.is_multiple_of(JB_OFFSET_STRIDE) {
            (meta & JENTRY_TYPEMASK) | total | JENTRY_HAS_OFF
        } else {
            meta
        }
    }

    fn array<'v>(&mut self, elements: impl Iterator<Item = &'v Value>, n: usize, raw: bool) -> u32 {
        let base = self.len();
        self.pad();
        let mut header = n as u32 | JB_FARRAY;
        if raw {
            header |= JB_FSCALAR;
        }
        self.out.extend_from_slice(&header.to_ne_bytes());
        let mut at = self.reserve(n);
        let mut total = 0;
        for (i, element) in elements.enumerate() {
            let meta = self.value(element);
            total += meta & JENTRY_OFFLENMASK;
            self.put(at, Self::entry(meta, i, total));
            at += 4;
        }
        JENTRY_ISCONTAINER | (self.len() - base) as u32
    }

    fn object(&mut self, map: &Map<String, Value>) -> u32 {
        let base = self.len();
        self.pad();
        // Keys ordered by length, then bytes (a Map has no duplicate keys).
        let mut pairs: Vec<(&String, &Value)> = map.iter().collect();
        pairs.sort_by(|a, b| (a.0.len(), a.0.as_bytes()).cmp(&(b.0.len(), b.0.as_bytes())));
        let n = pairs.len();
        self.out
            .extend_from_slice(&(n as u32 | JB_FOBJECT).to_ne_bytes());
        let mut at = self.reserve(2 * n);
        let mut total = 0;
        for (i, (key, _)) in pairs.iter().enumerate() {
            let meta = self.string(key);
            total += meta & JENTRY_OFFLENMASK;
            self.put(at, Self::entry(meta, i, total));
            at += 4;
        }
        for (i, (_, value)) in pairs.iter().enumerate() {
            let meta = self.value(value);
            total += meta & JENTRY_OFFLENMASK;
            self.put(at, Self::entry(meta, i + n, total));
            at += 4;
        }
        JENTRY_ISCONTAINER | (self.len() - base) as u32
    }
}

/// Appends the numeric datum (4-byte varlena header) of a JSON number as `numeric_in` parses its
/// text (set_var_from_str, then make_result); returns its length.
fn numeric(n: &Number, out: &mut Vec<u8>) -> usize {
    numeric_text(&n.to_string(), out)
}

/// The numeric of a number's text (JSON syntax: no `+`, no NaN or infinity).
fn numeric_text(text: &str, out: &mut Vec<u8>) -> usize {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(e) => (
            &text[..e],
            text[e + 1..].parse::<i32>().expect("a JSON exponent"),
        ),
        None => (text, 0),
    };
    // Decimal digits with DEC_DIGITS zeros of padding on each side, as set_var_from_str.
    let mut decimal = vec![0u8; NBASE_DIGITS];
    let (mut dweight, mut dscale) = (-1i32, 0i32);
    let mut after_point = false;
    for c in mantissa.bytes() {
        if c == b'.' {
            after_point = true;
            continue;
        }
        decimal.push(c - b'0');
        if after_point {
            dscale += 1;
        } else {
            dweight += 1;
        }
    }
    let ddigits = (decimal.len() - NBASE_DIGITS) as i32;
    decimal.extend_from_slice(&[0; NBASE_DIGITS]);
    dweight += exponent;
    dscale = (dscale - exponent).max(0);
    let d = NBASE_DIGITS as i32;
    let mut weight = if dweight >= 0 {
        (dweight + d) / d - 1
    } else {
        -((-dweight - 1) / d + 1)
    };
    let offset = (weight + 1) * d - (dweight + 1);
    let ndigits = (ddigits + offset + d - 1) / d;
    let mut digits: Vec<i16> = (0..ndigits)
        .map(|k| {
            let i = (d - offset + k * d) as usize;
            decimal[i..i + 4]
                .iter()
                .fold(0i16, |acc, &x| acc * 10 + i16::from(x))
        })
        .collect();
    // strip_var / make_result: no leading or trailing zero digits; zero is positive, weight 0.
    let leading = digits.iter().take_while(|&&x| x == 0).count();
    digits.drain(..leading);
    weight -= leading as i32;
    while digits.last() == Some(&0) {
        digits.pop();
    }
    let negative = negative && !digits.is_empty();
    if digits.is_empty() {
        weight = 0;
    }
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    if dscale <= NUMERIC_SHORT_DSCALE_MAX
        && (NUMERIC_SHORT_WEIGHT_MIN..=NUMERIC_SHORT_WEIGHT_MAX).contains(&weight)
    {
        let mut header = NUMERIC_SHORT | ((dscale as u16) << NUMERIC_SHORT_DSCALE_SHIFT);
        if negative {
            header |= NUMERIC_SHORT_SIGN_MASK;
        }
        if weight < 0 {
            header |= NUMERIC_SHORT_WEIGHT_SIGN_MASK;
        }
        header |= (weight as u16) & NUMERIC_SHORT_WEIGHT_MASK;
        out.extend_from_slice(&header.to_ne_bytes());
    } else {
        let sign = if negative { NUMERIC_NEG } else { 0 };
        out.extend_from_slice(&(sign | (dscale as u16 & NUMERIC_DSCALE_MASK)).to_ne_bytes());
        out.extend_from_slice(&(weight as i16).to_ne_bytes());
    }
    for digit in digits {
        out.extend_from_slice(&digit.to_ne_bytes());
    }
    let len = out.len() - start;
    out[start..start + 4].copy_from_slice(&((len as u32) << 2).to_le_bytes());
    len
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn numeric_bytes(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        numeric_text(text, &mut out);
        out
    }

    #[test]
    fn numerics_as_numeric_in() {
        // 5.6: digits [5, 6000], weight 0, dscale 1: short header 0x8000 | 1 << 7.
        let mut want = vec![];
        want.extend_from_slice(&(10u32 << 2).to_le_bytes());
        want.extend_from_slice(&0x8080u16.to_ne_bytes());
        want.extend_from_slice(&5i16.to_ne_bytes());
        want.extend_from_slice(&6000i16.to_ne_bytes());
        assert_eq!(numeric_bytes("5.6"), want);
        // 0.05: one digit 500 at weight -1, dscale 2.
        let b = numeric_bytes("0.05");
        assert_eq!(
            u16::from_ne_bytes([b[4], b[5]]),
            0x8000 | 2 << 7 | 0x40 | 0x3F
        );
        assert_eq!(i16::from_ne_bytes([b[6], b[7]]), 500);
        // 0: no digits, weight 0, positive.
        assert_eq!(numeric_bytes("0").len(), 6);
        assert_eq!(numeric_bytes("-0.0"), numeric_bytes("0.0"));
        assert_ne!(numeric_bytes("0.0"), numeric_bytes("0"));
        // 10000: one digit 1 at weight 1.
        let b = numeric_bytes("10000");
        assert_eq!((b.len(), u16::from_ne_bytes([b[4], b[5]])), (8, 0x8001));
        // 1.5e2 = 150, dscale 0.
        assert_eq!(numeric_bytes("1.5e2"), numeric_bytes("150"));
    }

    #[test]
    fn objects_sort_keys_by_length_then_bytes() {
        let mut out = Vec::new();
        encode(&json!({"bb": 1, "a": true, "ab": null}), &mut out);
        // header, then 3 key entries, 3 value entries, then keys "a", "ab", "bb".
        assert_eq!(
            u32::from_ne_bytes(out[4..8].try_into().unwrap()),
            3 | JB_FOBJECT
        );
        let keys_at = 8 + 6 * 4;
        assert_eq!(&out[keys_at..keys_at + 5], b"aabbb");
        assert_eq!(
            u32::from_le_bytes(out[0..4].try_into().unwrap()) >> 2,
            out.len() as u32
        );
    }
}
