//! One-dimensional PostgreSQL arrays built in Rust memory, byte for byte in PostgreSQL's own layout
//! (`ArrayType`: header, dimensions, null bitmap, aligned elements).
//!
//! The seed binds each chunk of rows as arrays. Converting Rust vectors to arrays through pgrx runs
//! in the backend (a palloc and a copy per element, then construct_md_array copies them all again),
//! and the backend's one core is what limits the seed. Built here, the arrays are made by the
//! generator thread (pure Rust: no PostgreSQL call, no palloc) and the backend only passes a pointer
//! to its INSERT.

use chrono::{DateTime, NaiveDate, Utc};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;

/// Seconds from the Unix epoch to PostgreSQL's (2000-01-01).
const PG_EPOCH_UNIX_SECS: i64 = 946_684_800;
/// PostgreSQL's MAXALIGN on the platforms we build for.
const MAXALIGN: usize = 8;

const _: () = assert!(
    cfg!(target_endian = "little"),
    "varlena headers are written little-endian"
);

/// How an element type is stored (pg_type's typlen and typalign).
#[derive(Clone, Copy)]
enum Storage {
    /// A fixed length (typlen > 0) and alignment.
    Fixed { len: usize, align: usize },
    /// A varlena (typlen -1), int-aligned, written with a 4-byte header.
    Varlena,
}

/// The element types the seed binds, with their type and array-type OIDs.
#[derive(Clone, Copy)]
pub enum Element {
    Int8,
    Bool,
    Date,
    TimestampTz,
    Uuid,
    Text,
    Jsonb,
}

impl Element {
    fn storage(self) -> Storage {
        match self {
            Element::Int8 | Element::TimestampTz => Storage::Fixed { len: 8, align: 8 },
            Element::Date => Storage::Fixed { len: 4, align: 4 },
            Element::Bool => Storage::Fixed { len: 1, align: 1 },
            Element::Uuid => Storage::Fixed { len: 16, align: 1 },
            Element::Text | Element::Jsonb => Storage::Varlena,
        }
    }

    fn oid(self) -> pg_sys::Oid {
        match self {
            Element::Int8 => pg_sys::INT8OID,
            Element::Bool => pg_sys::BOOLOID,
            Element::Date => pg_sys::DATEOID,
            Element::TimestampTz => pg_sys::TIMESTAMPTZOID,
            Element::Uuid => pg_sys::UUIDOID,
            Element::Text => pg_sys::TEXTOID,
            Element::Jsonb => pg_sys::JSONBOID,
        }
    }

    fn array_oid(self) -> pg_sys::Oid {
        match self {
            Element::Int8 => pg_sys::INT8ARRAYOID,
            Element::Bool => pg_sys::BOOLARRAYOID,
            Element::Date => pg_sys::DATEARRAYOID,
            Element::TimestampTz => pg_sys::TIMESTAMPTZARRAYOID,
            Element::Uuid => pg_sys::UUIDARRAYOID,
            Element::Text => pg_sys::TEXTARRAYOID,
            Element::Jsonb => pg_sys::JSONBARRAYOID,
        }
    }
}

/// Builds one array, element by element.
pub struct ArrayBuilder {
    element: Element,
    /// The elements' bytes, aligned as in the final array (whose data area starts MAXALIGNed).
    data: Vec<u8>,
    /// Whether each element is present (not NULL).
    present: Vec<bool>,
}

impl ArrayBuilder {
    pub fn new(element: Element, capacity: usize) -> ArrayBuilder {
        let per_element = match element.storage() {
            Storage::Fixed { len, .. } => len,
            Storage::Varlena => 32,
        };
        ArrayBuilder {
            element,
            data: Vec::with_capacity(capacity * per_element),
            present: Vec::with_capacity(capacity),
        }
    }

    fn align(&mut self, align: usize) {
        let padded = self.data.len().next_multiple_of(align);
        self.data.resize(padded, 0);
    }

    /// Appends a fixed-length element from its bytes (native order).
    fn fixed(&mut self, bytes: &[u8]) {
        let Storage::Fixed { len, align } = self.element.storage() else {
            unreachable!("a fixed-length value for a varlena array")
        };
        debug_assert_eq!(bytes.len(), len);
        self.align(align);
        self.data.extend_from_slice(bytes);
        self.present.push(true);
    }

    /// Appends a varlena element: a 4-byte header, then `payload`.
    fn varlena(&mut self, payload: &[u8]) {
        debug_assert!(matches!(self.element.storage(), Storage::Varlena));
        self.align(4);
        // SET_VARSIZE_4B: the total size, shifted left by two (little-endian).
        self.data
            .extend_from_slice(&(((payload.len() + 4) as u32) << 2).to_le_bytes());
        self.data.extend_from_slice(payload);
        self.present.push(true);
    }

    pub fn null(&mut self) {
        self.present.push(false);
    }

    pub fn int8(&mut self, v: i64) {
        self.fixed(&v.to_ne_bytes());
    }

    pub fn bool(&mut self, v: bool) {
        self.fixed(&[v as u8]);
    }

    pub fn date(&mut self, d: NaiveDate) {
        self.fixed(&date_days(d).to_ne_bytes());
    }

    pub fn timestamptz(&mut self, t: DateTime<Utc>) {
        self.fixed(&timestamptz_micros(t).to_ne_bytes());
    }

    pub fn opt_timestamptz(&mut self, t: Option<DateTime<Utc>>) {
        match t {
            Some(t) => self.timestamptz(t),
            None => self.null(),
        }
    }

    pub fn uuid(&mut self, bytes: [u8; 16]) {
        self.fixed(&bytes);
    }

    pub fn text(&mut self, s: &str) {
        self.varlena(s.as_bytes());
    }

    /// A jsonb element, encoded here rather than parsed by the backend (see super::pgjsonb).
    pub fn jsonb(&mut self, value: &serde_json::Value) {
        debug_assert!(matches!(self.element, Element::Jsonb));
        self.align(4);
        super::pgjsonb::encode(value, &mut self.data);
        self.present.push(true);
    }

    pub fn opt_text(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    /// The finished array.
    pub fn finish(self) -> Array {
        let n = self.present.len();
        let has_nulls = self.present.iter().any(|p| !p);
        // struct ArrayType (vl_len_, ndim, dataoffset, elemtype), then dims[1] and lbound[1].
        let fixed_header = 16 + 8;
        let bitmap = if has_nulls { n.div_ceil(8) } else { 0 };
        let data_offset = (fixed_header + bitmap).next_multiple_of(MAXALIGN);
        let total = data_offset + self.data.len();
        let mut words = vec![0u64; total.div_ceil(8)];
        // SAFETY: a u64 buffer viewed as its bytes (u8 has no alignment or validity requirement).
        let bytes =
            unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), total) };
        let mut put = |at: usize, v: u32| bytes[at..at + 4].copy_from_slice(&v.to_ne_bytes());
        put(0, (total as u32) << 2);
        put(4, 1);
        put(8, if has_nulls { data_offset as u32 } else { 0 });
        put(12, self.element.oid().to_u32());
        put(16, n as u32);
        put(20, 1);
        if has_nulls {
            for (i, _) in self.present.iter().enumerate().filter(|(_, p)| **p) {
                bytes[fixed_header + i / 8] |= 1 << (i % 8);
            }
        }
        bytes[data_offset..].copy_from_slice(&self.data);
        Array {
            words,
            array_oid: self.element.array_oid(),
        }
    }
}

/// A finished array, owned by Rust; bound to a statement with `datum`.
pub struct Array {
    words: Vec<u64>,
    array_oid: pg_sys::Oid,
}

impl Array {
    /// The array as a statement argument. It points into this array, which must outlive the
    /// statement's execution (the borrow sees to that).
    pub fn datum(&self) -> DatumWithOid<'_> {
        // SAFETY: the pointer is a complete, MAXALIGNed varlena of the array type given, valid for
        // the borrow; PostgreSQL only reads it (array_unnest does not modify its argument).
        unsafe {
            DatumWithOid::new(
                pg_sys::Datum::from(self.words.as_ptr() as *const u8),
                self.array_oid,
            )
        }
    }
}

/// Days from PostgreSQL's epoch.
pub fn date_days(d: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date");
    (d - epoch).num_days() as i32
}

/// Microseconds from PostgreSQL's epoch.
pub fn timestamptz_micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros() - PG_EPOCH_UNIX_SECS * 1_000_000
}
