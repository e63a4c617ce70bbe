//! The streaming scan: one pass over the events in any interleaving of Kafka partitions, with state
//! proportional to the database (one row number per live key), the transactions not yet complete,
//! and a bounded window of recent events (re-deliveries).

use crate::digest::{self, ValueError};
use crate::report::{Acc, CheckpointResult, Differ, TableResult};
use crate::tables::Tables;
use crate::Error;
use base64::Engine;
use rustc_hash::{FxHashMap, FxHashSet, FxHasher};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::hash::Hasher;
use std::io::Write;

pub const LEDGER: &str = "alimentador.tx";
pub const CHECKPOINT: &str = "alimentador.checkpoint";

/// (table, op index, count) of events or of a ledger message's rows.
pub type Counts = Vec<(u16, u8, u32)>;
/// (worker, seq, rows per table and operation) of a ledger message.
pub type LedgerEntry = (i64, i64, Counts);
const PLACEHOLDER: &str = "\"__debezium_unavailable_value\"";
const OPS: [&str; 5] = ["c", "u", "d", "r", "t"];
const OP_NAMES: [&str; 5] = ["insert", "update", "delete", "read", "truncate"];

#[derive(Deserialize)]
struct Source<'a> {
    #[serde(borrow, default)]
    table: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    schema: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    db: Option<Cow<'a, str>>,
    #[serde(default, rename = "txId")]
    txid: Option<u64>,
    #[serde(default)]
    lsn: Option<u64>,
    #[serde(borrow, default)]
    sequence: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    snapshot: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow, default)]
    prefix: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    content: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Payload<'a> {
    #[serde(borrow, default)]
    op: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    before: Option<Row<'a>>,
    #[serde(borrow, default)]
    after: Option<Row<'a>>,
    #[serde(borrow, default)]
    source: Option<Source<'a>>,
    #[serde(borrow, default)]
    message: Option<Message<'a>>,
    #[serde(borrow, default)]
    status: Option<Cow<'a, str>>,
    #[serde(default)]
    ts_ms: Option<serde::de::IgnoredAny>,
    /// Debezium's transaction metadata (provide.transaction.metadata=true): a BEGIN or END record's
    /// transaction id ("txId:lsn"), and the END's events per table
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    data_collections: Option<Vec<DataCollection<'a>>>,
}

/// One table's events in a transaction, as Debezium's END record counts them.
#[derive(Deserialize)]
struct DataCollection<'a> {
    #[serde(borrow)]
    data_collection: Cow<'a, str>,
    event_count: u64,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    schema: Option<&'a RawValue>,
    #[serde(borrow, default)]
    payload: Option<&'a RawValue>,
}

/// A row: its columns as raw JSON, in the order given.
struct Row<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Row<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Row<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a row object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<Row<'a>, M::Error> {
                let mut v = Vec::with_capacity(16);
                while let Some((k, val)) = m.next_entry::<Cow<'a, str>, &'a RawValue>()? {
                    v.push((k, val));
                }
                Ok(Row(v))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

impl<'a> Row<'a> {
    fn get(&self, name: &str) -> Option<&'a RawValue> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
    }
}

#[derive(Deserialize)]
struct LedgerContent {
    worker: i64,
    seq: i64,
    #[serde(default)]
    linhas: FxHashMap<String, FxHashMap<String, i64>>,
}

#[derive(Deserialize)]
struct CheckpointContent {
    snapshot: SnapContent,
    #[serde(default)]
    lsn: Option<String>,
    #[serde(default)]
    em: Option<String>,
    tabelas: std::collections::BTreeMap<String, TableContent>,
}
#[derive(Deserialize)]
struct SnapContent {
    xmin: serde_json::Value,
    xmax: serde_json::Value,
    #[serde(default)]
    xip: Vec<serde_json::Value>,
}
#[derive(Deserialize)]
struct TableContent {
    linhas: serde_json::Value,
    digest: String,
}

fn as_u64(v: &serde_json::Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// A checkpoint's snapshot: which transactions its digests include.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Snap {
    pub xmin: u64,
    pub xmax: u64,
    pub xip: Vec<u64>,
}

impl Snap {
    /// Debezium's txId is the 32-bit xid: the full xid is the one nearest to xmax.
    pub fn includes(&self, txid: u32) -> bool {
        let epoch = self.xmax >> 32;
        let mut full = (epoch << 32) | u64::from(txid);
        if full > self.xmax + (1 << 31) {
            full = full.wrapping_sub(1 << 32);
        } else if full + (1 << 31) < self.xmax {
            full += 1 << 32;
        }
        full < self.xmin || (full < self.xmax && self.xip.binary_search(&full).is_err())
    }
}

/// A checkpoint message: what the source's digests were.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct CpMsg {
    pub n: usize,
    pub txid: u64,
    pub lsn: String,
    pub em: String,
    pub snap: Snap,
    /// (table, rows, digest)
    pub tabelas: Vec<(String, i64, String)>,
}

/// A finalized transaction: what one process (or one shard) saw of it.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct TxRec {
    pub x: u32,
    /// (table, op index, events) of first deliveries
    pub c: Vec<(u16, u8, u32)>,
    /// (worker, seq, (table, op index, rows)) of each distinct ledger message
    pub l: Vec<LedgerEntry>,
    /// per table (rows delta, row-number sum delta): for a merge's checkpoints
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub d: Vec<(u16, i64, u64)>,
    /// greatest position of an event seen once, least position of a repeated one
    pub maxn: u64,
    pub minr: u64,
    pub reps: u32,
    pub np: bool,
    /// (table, events) of Debezium's END record of the transaction, when one came
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub m: Option<Vec<(u16, u32)>>,
}

impl TxRec {
    pub fn merge(&mut self, o: &TxRec) {
        for &(t, op, n) in &o.c {
            match self.c.iter_mut().find(|e| e.0 == t && e.1 == op) {
                Some(e) => e.2 += n,
                None => self.c.push((t, op, n)),
            }
        }
        for l in &o.l {
            if !self
                .l
                .iter()
                .any(|m| m.0 == l.0 && m.1 == l.1 && m.2 == l.2)
            {
                self.l.push(l.clone());
            }
        }
        add_delta(&mut self.d, &o.d);
        self.maxn = self.maxn.max(o.maxn);
        self.minr = self.minr.min(o.minr);
        self.reps += o.reps;
        self.np |= o.np;
        if self.m.is_none() {
            self.m.clone_from(&o.m);
        }
    }
}

fn add_delta(to: &mut Vec<(u16, i64, u64)>, from: &[(u16, i64, u64)]) {
    for &(t, r, s) in from {
        match to.iter_mut().find(|e| e.0 == t) {
            Some(e) => {
                e.1 += r;
                e.2 = e.2.wrapping_add(s);
            }
            None => to.push((t, r, s)),
        }
    }
}

/// Judges one finalized transaction into the findings.
pub fn judge(acc: &mut Acc, rec: &TxRec, tables: &dyn Fn(u16) -> String) {
    acc.transactions += 1;
    if rec.reps > 0 {
        // A re-delivery (connector restart) repeats the END of a transaction: every event it
        // repeats comes at or after every event it does not.
        if rec.maxn <= rec.minr {
            acc.redelivered.add(rec.x);
        } else {
            acc.duplicated.add(rec.x);
        }
    }
    let changes: u32 = rec.c.iter().map(|c| c.2).sum();
    if let Some(m) = &rec.m {
        judge_metadata(acc, rec, m, tables);
    }
    if rec.l.is_empty() {
        if changes > 0 && !rec.np {
            acc.heartbeats += 1;
        } else if changes > 0 {
            acc.missing_ledger.add(rec.x);
        }
        return;
    }
    acc.ledgered += 1;
    if rec.l.len() > 1 {
        acc.multi_ledger.add(rec.x);
    }
    for (w, s, _) in &rec.l {
        let seqs = acc.workers.entry(*w).or_default();
        if !seqs.insert(*s) {
            acc.dup_seq
                .add(format!("worker/seq {w}/{s} in txId {}", rec.x));
        }
    }
    let (worker, seq, linhas) = &rec.l[0];
    if changes == 0 {
        if linhas.iter().any(|l| l.2 > 0) {
            acc.without_events.add(rec.x);
        } else {
            acc.rowless += 1;
        }
        return;
    }
    let mut want: Vec<(u16, u8, u32)> = linhas.iter().filter(|l| l.2 > 0).cloned().collect();
    let mut got: Vec<(u16, u8, u32)> = rec.c.iter().filter(|l| l.2 > 0).cloned().collect();
    want.sort();
    got.sort();
    if want != got {
        let mut keys: Vec<(u16, u8)> = want.iter().chain(got.iter()).map(|e| (e.0, e.1)).collect();
        keys.sort();
        keys.dedup();
        let find = |v: &[(u16, u8, u32)], k: (u16, u8)| {
            v.iter().find(|e| (e.0, e.1) == k).map_or(0, |e| e.2)
        };
        let differences = keys
            .into_iter()
            .filter(|&k| find(&want, k) != find(&got, k))
            .map(|k| {
                (
                    format!("{}.{}", tables(k.0), OP_NAMES[k.1 as usize]),
                    find(&want, k),
                    find(&got, k),
                )
            })
            .collect();
        acc.differ_count += 1;
        acc.differ.push(Differ {
            txid: rec.x,
            worker: *worker,
            seq: *seq,
            differences,
        });
        if acc.differ.len() > 2 * crate::report::KEEP {
            acc.differ.sort_by_key(|d| d.txid);
            acc.differ.truncate(crate::report::KEEP);
        }
    }
}

/// (table, events) per table of a transaction's change events (first deliveries) or of its ledger
/// message's rows, sorted, without zeros: what Debezium's END record counts.
fn per_table(c: &[(u16, u8, u32)]) -> Vec<(u16, u32)> {
    let mut v: Vec<(u16, u32)> = Vec::new();
    for &(t, _, n) in c.iter().filter(|e| e.2 > 0) {
        match v.iter_mut().find(|e| e.0 == t) {
            Some(e) => e.1 += n,
            None => v.push((t, n)),
        }
    }
    v.sort_unstable();
    v
}

/// Differences "table END n events m (lost|extra)" between two per-table counts (want, got).
fn differences(
    want: &[(u16, u32)],
    got: &[(u16, u32)],
    tables: &dyn Fn(u16) -> String,
    what: &str,
    other: &str,
) -> Vec<String> {
    let mut keys: Vec<u16> = want.iter().chain(got).map(|e| e.0).collect();
    keys.sort_unstable();
    keys.dedup();
    let find = |v: &[(u16, u32)], t: u16| v.iter().find(|e| e.0 == t).map_or(0, |e| e.1);
    keys.into_iter()
        .filter(|&t| find(want, t) != find(got, t))
        .map(|t| {
            let (w, g) = (find(want, t), find(got, t));
            let why = if g < w { "lost" } else { "extra" };
            format!("{} {what} {w} {other} {g} ({why})", tables(t))
        })
        .collect()
}

/// Debezium's transaction metadata as a second source of truth: the END record's events per table
/// against the events that arrived, and against the ledger message when there is one.
fn judge_metadata(acc: &mut Acc, rec: &TxRec, m: &[(u16, u32)], tables: &dyn Fn(u16) -> String) {
    acc.metadata_transactions += 1;
    let d = differences(m, &per_table(&rec.c), tables, "END", "events");
    if !d.is_empty() {
        acc.metadata_differ
            .add(format!("txId {}: {}", rec.x, d.join(", ")));
    }
    if let Some((worker, seq, linhas)) = rec.l.first() {
        let d = differences(m, &per_table(linhas), tables, "END", "ledger");
        if !d.is_empty() {
            acc.ledger_metadata_differ.add(format!(
                "txId {} (worker {worker} seq {seq}): {}",
                rec.x,
                d.join(", ")
            ));
        }
    }
}

/// Compares a checkpoint's source digests with the rebuilt sums.
pub fn compare(
    cp: &CpMsg,
    acc: &Acc,
    sums: &dyn Fn(&str) -> (i64, u64),
    only: Option<&[String]>,
) -> CheckpointResult {
    let mut tables = Vec::new();
    for (t, linhas, digest) in &cp.tabelas {
        if only.is_some_and(|o| !o.iter().any(|x| x == t)) {
            continue;
        }
        let (rows, sum) = sums(t);
        let (rebuilt_digest, skipped) = if let Some(why) = acc.undigestable.get(t) {
            (None, Some(why.clone()))
        } else if acc.inexact.contains(t) {
            (
                None,
                Some("numeric delivered as double (decimal.handling.mode=double)".to_string()),
            )
        } else {
            (Some(digest::hex(sum)), None)
        };
        let equal = rows == *linhas && rebuilt_digest.as_ref().is_none_or(|d| d == digest);
        tables.push(TableResult {
            table: t.clone(),
            linhas: *linhas,
            digest: digest.clone(),
            rebuilt_linhas: rows,
            rebuilt_digest,
            skipped,
            equal,
        });
    }
    CheckpointResult {
        checkpoint: cp.n,
        txid: cp.txid,
        lsn: cp.lsn.clone(),
        em: cp.em.clone(),
        tables,
    }
}

struct KeyState {
    hash: u64,
    /// fast hash of the row's encoding: the "before" of its next change must match it
    check: u64,
    seq0: u64,
    lsn: u64,
    flags: u8,
}
const SNAP: u8 = 1;
const VIA_PARTITION: u8 = 2;
const VIA_TABLE: u8 = 4;

#[derive(Default)]
struct Tx {
    c: Vec<(u16, u8, u32)>,
    l: Vec<LedgerEntry>,
    d: Vec<(u16, i64, u64)>,
    /// positions of the events seen (first deliveries) while the transaction is in the window
    pos: Vec<u64>,
    minr: u64,
    reps: u32,
    last_ev: u64,
    first_sec: u32,
    np: bool,
    complete: bool,
    /// Debezium's END record's (table, events), sorted
    m: Option<Vec<(u16, u32)>>,
}

impl Tx {
    /// Whether a source of truth says how many events to expect (the ledger, Debezium's END).
    fn expected(&self) -> bool {
        !self.l.is_empty() || self.m.is_some()
    }
    /// Complete: its events equal what every source of truth it has expects.
    fn update_complete(&mut self) {
        let ledger = self.l.first().map(|(_, _, linhas)| {
            let mut want: Vec<&(u16, u8, u32)> = linhas.iter().filter(|e| e.2 > 0).collect();
            let mut got: Vec<&(u16, u8, u32)> = self.c.iter().collect();
            want.sort();
            got.sort();
            want == got
        });
        let metadata = self.m.as_ref().map(|m| *m == per_table(&self.c));
        self.complete = match (ledger, metadata) {
            (None, None) => false,
            (l, m) => l.unwrap_or(true) && m.unwrap_or(true),
        };
    }
}

/// The re-delivery window: identities of the last `2 * half` events, in two generations.
struct Window {
    cur: FxHashSet<u64>,
    prev: FxHashSet<u64>,
    half: usize,
}

impl Window {
    fn new(size: usize) -> Self {
        let half = (size / 2).max(1);
        Window {
            cur: FxHashSet::with_capacity_and_hasher(half, Default::default()),
            prev: FxHashSet::default(),
            half,
        }
    }
    /// true when the identity is in the window (without adding it).
    fn contains(&self, id: u64) -> bool {
        self.prev.contains(&id) || self.cur.contains(&id)
    }
    /// true when the identity was seen within the window.
    fn seen(&mut self, id: u64) -> bool {
        if self.prev.contains(&id) {
            return true;
        }
        if self.cur.len() >= self.half {
            self.prev = std::mem::replace(
                &mut self.cur,
                FxHashSet::with_capacity_and_hasher(self.half, Default::default()),
            );
        }
        !self.cur.insert(id)
    }
}

struct OpenCp {
    msg: CpMsg,
    sums: Vec<(i64, u64)>,
    arrival: u64,
    ledger_past: bool,
}

pub struct Options {
    /// events a re-delivery may come after the original; a complete transaction is judged once
    /// its last event is this far behind
    pub window: usize,
    /// events one partition may run behind another: an incomplete transaction (and a checkpoint
    /// that includes one) waits this long
    pub lag: usize,
    pub shard: bool,
    pub only: Option<Vec<String>>,
}

/// A checkpoint verdict just decided (printed at once in follow mode).
pub struct Decided(pub CheckpointResult, pub u64);

pub struct Scanner {
    pub opts: Options,
    pub tables: Tables,
    pub acc: Acc,
    keys: FxHashMap<(u16, i64), KeyState>,
    live: Vec<(i64, u64)>,
    window: Window,
    txs: FxHashMap<u32, Tx>,
    /// (transaction, event) of every event of a transaction, in order: expiry by the window
    queue: VecDeque<(u32, u64)>,
    /// incomplete transactions past the window, waiting for lagging partitions (expiry by lag)
    waiting: VecDeque<(u32, u64)>,
    /// transactions judged lately (about `lag` events' worth): an END record arriving after its
    /// transaction was judged is recognised as late, not as a transaction without events
    judged: Window,
    pub ev: u64,
    pub changes: u64,
    /// snapshot events (and the base of every checkpoint to come)
    base: Vec<(i64, u64)>,
    pub snap_base: Vec<(i64, u64)>,
    pending: FxHashMap<u32, Vec<(u16, i64, u64)>>,
    /// pending transactions folded into the base when they left the window (no checkpoint came
    /// meanwhile): a checkpoint that arrives later and excludes one of them cannot be compared
    folded: crate::report::Seqs,
    latest: Option<Snap>,
    open: Vec<OpenCp>,
    pub cps: Vec<CpMsg>,
    last_ledger_xid: Option<u32>,
    high_seq: FxHashMap<i64, i64>,
    pub decided: Vec<Decided>,
    pub shard_out: Option<Box<dyn Write + Send>>,
    pub start: std::time::Instant,
    rowbuf: Vec<u8>,
    pulso: u16,
    /// events per table: c u d r t, then the same repeated
    counts: Vec<[u64; 10]>,
    /// tables whose digest cannot be rebuilt (why: in acc.undigestable)
    undig: Vec<bool>,
}

fn fxhash(b: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(b);
    h.finish()
}

fn grow(v: &mut Vec<(i64, u64)>, t: u16) -> &mut (i64, u64) {
    let i = t as usize;
    if v.len() <= i {
        v.resize(i + 1, (0, 0));
    }
    &mut v[i]
}

impl Scanner {
    pub fn new(opts: Options) -> Self {
        // about 3 events per transaction
        let judged = Window::new(opts.lag / 3);
        let mut tables = Tables::new();
        let pulso = tables.index("pulso");
        Scanner {
            window: Window::new(opts.window),
            opts,
            tables,
            acc: Acc::default(),
            keys: FxHashMap::default(),
            live: Vec::new(),
            txs: FxHashMap::default(),
            queue: VecDeque::new(),
            waiting: VecDeque::new(),
            judged,
            ev: 0,
            changes: 0,
            base: Vec::new(),
            snap_base: Vec::new(),
            pending: FxHashMap::default(),
            folded: crate::report::Seqs::default(),
            latest: None,
            open: Vec::new(),
            cps: Vec::new(),
            last_ledger_xid: None,
            high_seq: FxHashMap::default(),
            decided: Vec::new(),
            shard_out: None,
            start: std::time::Instant::now(),
            rowbuf: Vec::with_capacity(4096),
            pulso,
            counts: Vec::new(),
            undig: Vec::new(),
        }
    }

    /// One record value (a line). `where_` names it in errors.
    pub fn line(&mut self, line: &str, where_: &dyn Fn() -> String) -> Result<(), Error> {
        let text = line.trim();
        if text.is_empty() {
            return Ok(());
        }
        self.acc.values += 1;
        if text == "null" {
            *self.acc.skipped.entry("tombstone".into()).or_default() += 1;
            return Ok(());
        }
        let preview = |b: &str| b.chars().take(80).collect::<String>();
        let bad = |e: serde_json::Error| {
            Error::Json(format!(
                "{}: not a JSON value ({} at column {}): {:?}",
                where_(),
                e,
                e.column(),
                preview(text)
            ))
        };
        let (schema, payload): (Option<&str>, &str) = if text.starts_with("{\"schema\"") {
            match fast_envelope(text) {
                Some((s, p)) => (Some(s), p),
                None => {
                    let env: Envelope = serde_json::from_str(text).map_err(bad)?;
                    (
                        env.schema.map(|s| s.get()),
                        env.payload.map_or("null", |p| p.get()),
                    )
                }
            }
        } else {
            (None, text)
        };
        if payload.trim() == "null" {
            *self.acc.skipped.entry("tombstone".into()).or_default() += 1;
            return Ok(());
        }
        let p: Payload = match serde_json::from_str(payload) {
            Ok(p) => p,
            Err(e) if e.is_data() => {
                return Err(Error::Input(format!(
                    "{}: not a Debezium record value ({e})",
                    where_()
                )))
            }
            Err(e) => return Err(bad(e)),
        };
        self.acc.enveloped[usize::from(schema.is_some())] += 1;
        let Some(op) = p.op.as_deref() else {
            if p.status.as_deref() == Some("END") {
                self.ev += 1;
                return self.transaction_end(&p, where_);
            }
            if p.status.as_deref() == Some("BEGIN") {
                *self
                    .acc
                    .skipped
                    .entry("transaction metadata".into())
                    .or_default() += 1;
            } else if p.ts_ms.is_some()
                && p.source.is_none()
                && p.before.is_none()
                && p.after.is_none()
            {
                *self.acc.skipped.entry("heartbeat".into()).or_default() += 1;
            } else {
                return Err(Error::Input(format!(
                    "{}: not a Debezium change event (no \"op\"): {}",
                    where_(),
                    preview(payload)
                )));
            }
            return Ok(());
        };
        let Some(src) = p.source.as_ref() else {
            return Err(Error::Input(format!(
                "{}: event without \"source\"",
                where_()
            )));
        };
        let txid = src.txid.map(|t| t as u32);
        let lsn = src.lsn.unwrap_or(0);
        let seq0 = src.sequence.as_deref().map_or(0, seq_first);
        let snapshot = src.snapshot.is_some_and(|s| {
            matches!(
                s.get(),
                "true"
                    | "\"true\""
                    | "\"first\""
                    | "\"last\""
                    | "\"first_in_data_collection\""
                    | "\"last_in_data_collection\""
            )
        });
        self.ev += 1;
        if op == "m" {
            let Some(msg) = p.message.as_ref() else {
                return Err(Error::Input(format!(
                    "{}: message event without \"message\"",
                    where_()
                )));
            };
            let prefix = msg.prefix.as_deref().unwrap_or("");
            if prefix != LEDGER && prefix != CHECKPOINT {
                self.acc.count_event("(messages)", prefix);
                return Ok(());
            }
            let db = src.db.as_deref().unwrap_or("").to_string();
            if !self.acc.dbs_messages.contains(&db) {
                self.acc.dbs_messages.insert(db);
                self.check_dbs()?;
            }
            let content = msg.content.as_deref().unwrap_or("");
            let mut h = FxHasher::default();
            h.write(b"m");
            h.write(prefix.as_bytes());
            h.write(content.as_bytes());
            h.write_u64(src.txid.unwrap_or(u64::MAX));
            h.write_u64(lsn);
            let id = h.finish();
            let repeated = self.window.seen(id);
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(content.as_bytes())
                .map_err(|_| {
                    Error::Input(format!("{}: message content is not base64", where_()))
                })?;
            if prefix == LEDGER {
                self.ledger(txid, lsn, &bytes, repeated)?;
            } else if !repeated {
                self.checkpoint(txid, &bytes)?;
            }
            return Ok(());
        }
        let opi = match OPS.iter().position(|o| *o == op) {
            Some(i) => i as u8,
            None => return Err(Error::Input(format!("{}: unknown op {op:?}", where_()))),
        };
        if src.schema.as_deref() != Some("hospital") {
            *self
                .acc
                .skipped
                .entry(format!(
                    "schema {}",
                    src.schema.as_deref().unwrap_or("None")
                ))
                .or_default() += 1;
            return Ok(());
        }
        let db = src.db.as_deref().unwrap_or("");
        if !self.acc.dbs_changes.contains(db) {
            self.acc.dbs_changes.insert(db.to_string());
            self.check_dbs()?;
        }
        let topic = src.table.as_deref().unwrap_or("");
        let t = self.tables.index(topic);
        if let Some(s) = schema {
            // the schema is re-read only when it changes (a byte comparison, cheaper than a hash)
            if self.tables.list[t as usize].last_schema != s.as_bytes() {
                self.tables.learn_schema(t, s);
            }
        }
        if matches!(opi, 0 | 1 | 3) && p.after.is_none() {
            return Err(Error::Input(format!(
                "{}: a {op:?} event without \"after\"",
                where_()
            )));
        }
        if opi == 2 && p.before.is_none() {
            return Err(Error::Input(format!(
                "{}: a delete event without \"before\"",
                where_()
            )));
        }
        self.changes += 1;
        // identity: a re-delivered event is byte for byte the same change
        let mut h = FxHasher::default();
        h.write_u8(opi);
        h.write_u16(t);
        h.write_u64(src.txid.unwrap_or(u64::MAX));
        h.write_u64(lsn);
        for (side, row) in [(0u8, &p.before), (1, &p.after)] {
            if let Some(r) = row {
                h.write_u8(side);
                for (k, v) in &r.0 {
                    h.write(k.as_bytes());
                    h.write(v.get().as_bytes());
                }
            }
        }
        let id = h.finish();
        let via_partition = topic != self.tables.name(t);
        let ti = t as usize;
        if self.counts.len() <= ti {
            self.counts.resize(ti + 1, [0; 10]);
        }
        if snapshot {
            self.counts[ti][opi as usize] += 1;
            return self.snapshot_event(t, via_partition, p.after.as_ref());
        }
        let repeated = self.window.seen(id);
        self.counts[ti][opi as usize + if repeated { 5 } else { 0 }] += 1;
        let Some(x) = txid else { return Ok(()) };
        // the transaction's bookkeeping
        let pos = lsn; // order within the transaction (its seq0 is constant)
        let heartbeat_table = self.pulso;
        let tx = self.tx_seen(x);
        if repeated {
            tx.reps += 1;
            tx.minr = tx.minr.min(pos);
            return Ok(());
        }
        tx.pos.push(pos);
        if t != heartbeat_table {
            tx.np = true;
        }
        match tx.c.iter_mut().find(|e| e.0 == t && e.1 == opi) {
            Some(e) => e.2 += 1,
            None => tx.c.push((t, opi, 1)),
        }
        if tx.expected() {
            tx.update_complete();
        }
        // the row
        let delta = self.apply(
            t,
            opi,
            via_partition,
            seq0,
            lsn,
            x,
            p.before.as_ref(),
            p.after.as_ref(),
        )?;
        if let Some((t, dr, ds)) = delta {
            self.account(x, t, dr, ds);
        }
        self.expire();
        Ok(())
    }

    fn check_dbs(&self) -> Result<(), Error> {
        let all: std::collections::BTreeSet<&String> = self
            .acc
            .dbs_changes
            .iter()
            .chain(self.acc.dbs_messages.iter())
            .collect();
        if all.len() > 1 {
            let j = |s: &std::collections::BTreeSet<String>| {
                if s.is_empty() {
                    "none".to_string()
                } else {
                    s.iter().cloned().collect::<Vec<_>>().join(", ")
                }
            };
            return Err(Error::Input(format!(
                "events of more than one database: change events from {}, messages from {}: give the topics of one database",
                j(&self.acc.dbs_changes),
                j(&self.acc.dbs_messages)
            )));
        }
        Ok(())
    }

    /// The row number of `row` for table t (None: not digestable, noted).
    /// The row's number (md5, for the digest) and a fast check of its encoding (for "before").
    fn row_hash(
        &mut self,
        t: u16,
        row: &Row,
        before: Option<&Row>,
    ) -> Result<Option<(u64, u64)>, Error> {
        if !self.encode(t, row, before)? {
            return Ok(None);
        }
        Ok(Some((
            digest::row_number(&self.rowbuf),
            fxhash(&self.rowbuf),
        )))
    }

    fn row_check(&mut self, t: u16, row: &Row) -> Result<Option<u64>, Error> {
        if !self.encode(t, row, None)? {
            return Ok(None);
        }
        Ok(Some(fxhash(&self.rowbuf)))
    }

    /// The canonical encoding of the row into rowbuf; false when the table is not digestable.
    fn encode(&mut self, t: u16, row: &Row, before: Option<&Row>) -> Result<bool, Error> {
        let r = self.row_hash_inner(t, row, before)?;
        if r.is_none() {
            let i = t as usize;
            if self.undig.len() <= i {
                self.undig.resize(i + 1, false);
            }
            self.undig[i] = true;
        }
        Ok(r.is_some())
    }

    fn row_hash_inner(
        &mut self,
        t: u16,
        row: &Row,
        before: Option<&Row>,
    ) -> Result<Option<u64>, Error> {
        if self.undig.get(t as usize).copied().unwrap_or(false) {
            return Ok(None);
        }
        let tname = &self.tables.list[t as usize].name;
        let Some(cols) = self.tables.list[t as usize].columns.as_ref() else {
            self.acc.undigestable.insert(
                tname.clone(),
                "its column types are unknown (no schema envelope)".into(),
            );
            return Ok(None);
        };
        self.rowbuf.clear();
        for c in cols {
            let mut v = match row.get(&c.name) {
                Some(v) => v,
                None => {
                    self.acc
                        .undigestable
                        .insert(tname.clone(), format!("the events lack column {}", c.name));
                    return Ok(None);
                }
            };
            if v.get() == PLACEHOLDER {
                // an unchanged TOASTed value: REPLICA IDENTITY FULL gives it in "before"
                match before
                    .and_then(|b| b.get(&c.name))
                    .filter(|b| b.get() != PLACEHOLDER)
                {
                    Some(b) => v = b,
                    None => {
                        self.acc.undigestable.insert(
                            tname.clone(),
                            format!("{}: an unchanged TOASTed value arrives as __debezium_unavailable_value and no \"before\" has it (REPLICA IDENTITY FULL gives it)", c.name),
                        );
                        return Ok(None);
                    }
                }
            }
            match digest::encode_field(&mut self.rowbuf, v, c.ty, c.num) {
                Ok(()) => {}
                Err(ValueError::Inexact) => {
                    self.acc.inexact.insert(tname.clone());
                    self.rowbuf.extend_from_slice(v.get().as_bytes());
                }
                Err(ValueError::PreciseWithoutSchema) => {
                    return Err(Error::Input(format!(
                        "hospital.{tname}.{} = {} is not a decimal number: with decimal.handling.mode=precise numeric values are base64 bytes whose scale is only in the schema; dump the topics with the schema envelope (value.converter.schemas.enable=true) or use decimal.handling.mode=string",
                        c.name,
                        v.get()
                    )));
                }
                Err(ValueError::Bad(why)) => {
                    self.acc.undigestable.insert(
                        tname.clone(),
                        format!("a value cannot be decoded ({}: {why})", c.name),
                    );
                    return Ok(None);
                }
            }
        }
        Ok(Some(0))
    }

    fn key_of(row: &Row) -> i64 {
        match row.get("id") {
            Some(v) => v
                .get()
                .parse::<i64>()
                .unwrap_or_else(|_| fxhash(v.get().as_bytes()) as i64),
            None => 0,
        }
    }

    fn snapshot_event(
        &mut self,
        t: u16,
        via_partition: bool,
        after: Option<&Row>,
    ) -> Result<(), Error> {
        let Some(row) = after else { return Ok(()) };
        let key = Self::key_of(row);
        let (h, check) = self.row_hash(t, row, None)?.unwrap_or((0, 0));
        let via = if via_partition {
            VIA_PARTITION
        } else {
            VIA_TABLE
        };
        let tname = self.tables.name(t).to_string();
        let (dr, ds) = match self.keys.get_mut(&(t, key)) {
            Some(k) => {
                if k.flags & SNAP != 0 {
                    if k.flags & via == 0 {
                        self.acc.snapshot_repeat_both_paths = true;
                    }
                    self.acc.snapshot_repeated.add(format!("{tname} id {key}"));
                }
                k.flags |= SNAP | via;
                let ds = h.wrapping_sub(k.hash);
                k.hash = h;
                k.check = check;
                (0, ds)
            }
            None => {
                self.keys.insert(
                    (t, key),
                    KeyState {
                        hash: h,
                        check,
                        seq0: 0,
                        lsn: 0,
                        flags: SNAP | via,
                    },
                );
                (1, h)
            }
        };
        let l = grow(&mut self.live, t);
        l.0 += dr;
        l.1 = l.1.wrapping_add(ds);
        let b = grow(&mut self.base, t);
        b.0 += dr;
        b.1 = b.1.wrapping_add(ds);
        let b = grow(&mut self.snap_base, t);
        b.0 += dr;
        b.1 = b.1.wrapping_add(ds);
        for cp in &mut self.open {
            let s = grow(&mut cp.sums, t);
            s.0 += dr;
            s.1 = s.1.wrapping_add(ds);
        }
        Ok(())
    }

    /// Applies a change to its row; returns the (table, rows delta, sum delta).
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        t: u16,
        opi: u8,
        _via_partition: bool,
        seq0: u64,
        lsn: u64,
        x: u32,
        before_row: Option<&Row>,
        after_row: Option<&Row>,
    ) -> Result<Option<(u16, i64, u64)>, Error> {
        if opi == 4 {
            // truncate: the table empties
            self.keys.retain(|k, _| k.0 != t);
            let l = grow(&mut self.live, t);
            let d = (-l.0, 0u64.wrapping_sub(l.1));
            *l = (0, 0);
            return Ok(Some((t, d.0, d.1)));
        }
        let key = match (after_row, before_row) {
            (Some(a), _) if opi != 2 => Self::key_of(a),
            (_, Some(b)) => Self::key_of(b),
            _ => return Ok(None),
        };
        let new_hash = match after_row {
            Some(a) if opi != 2 => Some(self.row_hash(t, a, before_row)?.unwrap_or((0, 0))),
            _ => None,
        };
        let digestable = !self.undig.get(t as usize).copied().unwrap_or(false);
        // per-key order, and "before" against the rebuilt row
        let mut lost = false;
        if let Some((kseq0, klsn, kcheck)) =
            self.keys.get(&(t, key)).map(|k| (k.seq0, k.lsn, k.check))
        {
            if (seq0, lsn) < (kseq0, klsn) {
                let tname = self.tables.name(t);
                self.acc.key_order.add(format!(
                    "{tname} id {key}: txId {x} (lsn {lsn}) after lsn {klsn}"
                ));
            }
            if digestable && matches!(opi, 1 | 2) {
                if let Some(b) = before_row {
                    let identity_default =
                        b.0.iter()
                            .filter(|(k, _)| k != "id")
                            .all(|(_, v)| v.get() == "null");
                    if !identity_default && !b.0.iter().any(|(_, v)| v.get() == PLACEHOLDER) {
                        if let Some(bc) = self.row_check(t, b)? {
                            lost = bc != kcheck;
                        }
                    }
                }
            }
        }
        if lost {
            self.acc.lost_update.add(format!(
                "{} id {key} txId {x} lsn {lsn}",
                self.tables.name(t)
            ));
        }
        let (dr, ds) = match new_hash {
            Some((h, check)) => match self.keys.get_mut(&(t, key)) {
                Some(k) => {
                    let ds = h.wrapping_sub(k.hash);
                    k.hash = h;
                    k.check = check;
                    k.seq0 = seq0;
                    k.lsn = lsn;
                    k.flags &= !SNAP;
                    (0, ds)
                }
                None => {
                    self.keys.insert(
                        (t, key),
                        KeyState {
                            hash: h,
                            check,
                            seq0,
                            lsn,
                            flags: 0,
                        },
                    );
                    (1, h)
                }
            },
            None => match self.keys.remove(&(t, key)) {
                Some(k) => (-1, 0u64.wrapping_sub(k.hash)),
                None => (0, 0),
            },
        };
        let l = grow(&mut self.live, t);
        l.0 += dr;
        l.1 = l.1.wrapping_add(ds);
        Ok(Some((t, dr, ds)))
    }

    /// The bookkeeping of transaction `x`, opened at its first event and queued for expiry at each; the
    /// current event is its last so far.
    fn tx_seen(&mut self, x: u32) -> &mut Tx {
        let ev = self.ev;
        let sec = self.start.elapsed().as_secs() as u32;
        // one entry per event: the queue stays in event order, so a transaction leaves the window
        // exactly when its last event does (the entries of its earlier events are stale by then)
        self.queue.push_back((x, ev));
        let tx = self.txs.entry(x).or_insert_with(|| Tx {
            minr: u64::MAX,
            first_sec: sec,
            ..Default::default()
        });
        tx.last_ev = ev;
        tx
    }

    /// A change's delta into the checkpoints: open ones that include it, the base (when the latest
    /// checkpoint includes it: so will every later one), or pending until the next checkpoint.
    fn account(&mut self, x: u32, t: u16, dr: i64, ds: u64) {
        if self.opts.shard {
            if let Some(tx) = self.txs.get_mut(&x) {
                add_delta(&mut tx.d, &[(t, dr, ds)]);
            }
            return;
        }
        for cp in &mut self.open {
            if cp.msg.snap.includes(x) {
                let s = grow(&mut cp.sums, t);
                s.0 += dr;
                s.1 = s.1.wrapping_add(ds);
            }
        }
        if self.latest.as_ref().is_some_and(|s| s.includes(x)) {
            let b = grow(&mut self.base, t);
            b.0 += dr;
            b.1 = b.1.wrapping_add(ds);
        } else {
            // most transactions touch one or two tables: no room for four reserved
            let d = self
                .pending
                .entry(x)
                .or_insert_with(|| Vec::with_capacity(1));
            add_delta(d, &[(t, dr, ds)]);
        }
    }

    /// Debezium's END record of a transaction (provide.transaction.metadata=true): its events per
    /// table, a second source of truth beside the ledger message. It comes after the transaction's
    /// events on its own topic (`<topic.prefix>.transaction`), so it sits last in its order.
    fn transaction_end(&mut self, p: &Payload, where_: &dyn Fn() -> String) -> Result<(), Error> {
        let id = p.id.as_deref().unwrap_or("");
        // PostgreSQL's transaction id is "txId:lsn"
        let Some(x) = id.split(':').next().and_then(|t| t.parse::<u64>().ok()) else {
            return Err(Error::Input(format!(
                "{}: a transaction metadata END record without a PostgreSQL transaction id (\"txId:lsn\"): {id:?}",
                where_()
            )));
        };
        let x = x as u32;
        let mut m: Vec<(u16, u32)> = Vec::new();
        let mut h = FxHasher::default();
        h.write(b"END");
        h.write(id.as_bytes());
        for dc in p.data_collections.as_deref().unwrap_or(&[]) {
            h.write(dc.data_collection.as_bytes());
            h.write_u64(dc.event_count);
            // "hospital.consultas"; a partition of sinais_vitais counts as the table
            let Some(table) = dc.data_collection.strip_prefix("hospital.") else {
                continue;
            };
            let t = self.tables.index(table);
            match m.iter_mut().find(|e| e.0 == t) {
                Some(e) => e.1 += dc.event_count as u32,
                None => m.push((t, dc.event_count as u32)),
            }
        }
        m.retain(|e| e.1 > 0);
        m.sort_unstable();
        if !self.txs.contains_key(&x) && self.judged.contains(u64::from(x)) {
            // its transaction was judged by its ledger message before the END came (the
            // transaction topic lagging more than --window behind): not compared, counted
            self.acc.metadata_late += 1;
            return Ok(());
        }
        let repeated = self.window.seen(h.finish());
        let tx = self.tx_seen(x);
        let pos = u64::MAX;
        if repeated {
            tx.reps += 1;
            tx.minr = tx.minr.min(pos);
            return Ok(());
        }
        tx.pos.push(pos);
        tx.m = Some(m);
        tx.update_complete();
        self.acc.metadata_ends += 1;
        self.expire();
        Ok(())
    }

    fn ledger(
        &mut self,
        txid: Option<u32>,
        lsn: u64,
        bytes: &[u8],
        repeated: bool,
    ) -> Result<(), Error> {
        let c: LedgerContent = serde_json::from_slice(bytes).map_err(|_| {
            Error::Input(format!(
                "txId {}: an {LEDGER} message that is not the ledger's JSON: {:?}",
                txid.unwrap_or(0),
                String::from_utf8_lossy(&bytes[..bytes.len().min(80)])
            ))
        })?;
        let Some(x) = txid else { return Ok(()) };
        let tx = self.tx_seen(x);
        // the message comes last in its transaction
        let pos = u64::MAX - 1;
        if repeated {
            tx.reps += 1;
            tx.minr = tx.minr.min(pos);
            return Ok(());
        }
        let _ = lsn;
        tx.pos.push(pos);
        self.acc.ledger_messages += 1;
        let mut linhas = Vec::new();
        for (table, ops) in &c.linhas {
            let ti = self.tables.index(table);
            for (op, n) in ops {
                let oi = match op.as_str() {
                    "insert" => 0,
                    "update" => 1,
                    "delete" => 2,
                    "truncate" => 4,
                    _ => 3,
                };
                linhas.push((ti, oi, (*n).max(0) as u32));
            }
        }
        linhas.sort();
        let tx = self.txs.get_mut(&x).expect("just inserted");
        if !tx
            .l
            .iter()
            .any(|l| l.0 == c.worker && l.1 == c.seq && l.2 == linhas)
        {
            // one ledger message per transaction: no room for four reserved
            tx.l.reserve_exact(1);
            tx.l.push((c.worker, c.seq, linhas));
        }
        tx.update_complete();
        match self.high_seq.get_mut(&c.worker) {
            Some(h) if c.seq < *h => {
                let msg = format!("worker {} seq {} after {}", c.worker, c.seq, *h);
                self.acc.ledger_back.add(msg);
            }
            Some(h) => *h = c.seq,
            None => {
                self.high_seq.insert(c.worker, c.seq);
            }
        }
        self.last_ledger_xid = Some(x);
        for cp in &mut self.open {
            if !cp.msg.snap.includes(x) {
                cp.ledger_past = true;
            }
        }
        self.expire();
        Ok(())
    }

    fn checkpoint(&mut self, txid: Option<u32>, bytes: &[u8]) -> Result<(), Error> {
        let bad = || {
            Error::Input(format!(
                "txId {}: an {CHECKPOINT} message that is not a checkpoint's JSON: {:?}",
                txid.unwrap_or(0),
                String::from_utf8_lossy(&bytes[..bytes.len().min(80)])
            ))
        };
        let c: CheckpointContent = serde_json::from_slice(bytes).map_err(|_| bad())?;
        let mut xip: Vec<u64> = c.snapshot.xip.iter().filter_map(as_u64).collect();
        xip.sort_unstable();
        let snap = Snap {
            xmin: as_u64(&c.snapshot.xmin).ok_or_else(bad)?,
            xmax: as_u64(&c.snapshot.xmax).ok_or_else(bad)?,
            xip,
        };
        let mut tabelas = Vec::new();
        for (t, v) in c.tabelas {
            tabelas.push((t, as_u64(&v.linhas).ok_or_else(bad)? as i64, v.digest));
        }
        self.acc.checkpoint_messages += 1;
        let msg = CpMsg {
            n: self.cps.len() + 1,
            txid: u64::from(txid.unwrap_or(0)),
            lsn: c.lsn.unwrap_or_default(),
            em: c.em.unwrap_or_default(),
            snap,
            tabelas,
        };
        self.cps.push(msg.clone());
        if self.opts.shard {
            return Ok(());
        }
        // its sums: the base, and every pending transaction it includes (those then join the base)
        let mut sums = self.base.clone();
        let mut folded = Vec::new();
        for (x, d) in &self.pending {
            if msg.snap.includes(*x) {
                for &(t, r, s) in d {
                    let e = grow(&mut sums, t);
                    e.0 += r;
                    e.1 = e.1.wrapping_add(s);
                }
                folded.push(*x);
            }
        }
        for x in folded {
            if let Some(d) = self.pending.remove(&x) {
                for (t, r, s) in d {
                    let e = grow(&mut self.base, t);
                    e.0 += r;
                    e.1 = e.1.wrapping_add(s);
                }
            }
        }
        let ledger_past = self.last_ledger_xid.is_some_and(|x| !msg.snap.includes(x));
        let polluted = self.folded.ranges.iter().any(|(&a, &b)| {
            !msg.snap.includes(b as u32)
                || !msg.snap.includes(a as u32)
                || msg
                    .snap
                    .xip
                    .iter()
                    .any(|&x| (a..=b).contains(&((x & 0xFFFF_FFFF) as i64)))
        });
        self.folded = crate::report::Seqs::default();
        if polluted {
            self.latest = Some(msg.snap.clone());
            self.acc.warnings.push(format!(
                "checkpoint {} (txId {}) not compared: its message came more than --window events after transactions it does not include (their digest deltas were already folded)",
                msg.n, msg.txid
            ));
            return Ok(());
        }
        self.latest = Some(msg.snap.clone());
        self.open.push(OpenCp {
            msg,
            sums,
            arrival: self.ev,
            ledger_past,
        });
        Ok(())
    }

    /// Transactions out of the window are final: judged (or written by a shard) and dropped. A
    /// complete one (its events equal its ledger message and END record) once its last event is
    /// `window` events behind (a re-delivery of its end may still come until then); an incomplete
    /// one waits `lag` events for the partitions that lag behind, then is judged as it is. So the
    /// complete transactions, nearly all of them, are held for the (small) re-delivery window only.
    fn expire(&mut self) {
        let w = self.opts.window as u64;
        let lag = self.opts.lag as u64;
        while let Some(&(x, ev)) = self.queue.front() {
            if ev + w >= self.ev {
                break;
            }
            self.queue.pop_front();
            match self.txs.get(&x) {
                // its last event is a window behind: judged if settled, else it waits for `lag`
                Some(tx) if tx.last_ev == ev => {
                    if self.settled(tx) {
                        self.finalize(x);
                    } else {
                        self.waiting.push_back((x, ev));
                    }
                }
                _ => {} // a later event of it is queued, or it was judged
            }
        }
        while let Some(&(x, ev)) = self.waiting.front() {
            if ev + lag >= self.ev {
                break;
            }
            self.waiting.pop_front();
            if self.txs.get(&x).is_some_and(|tx| tx.last_ev == ev) {
                self.finalize(x);
            }
        }
    }

    /// Complete against every source of truth the stream has: its ledger message when there are
    /// ledger messages, its END record when there is transaction metadata (one source may arrive
    /// after the other, in a partition that lags).
    /// A stream is taken to have no ledger once `lag` events came without a ledger message.
    fn settled(&self, tx: &Tx) -> bool {
        let no_ledger = self.acc.ledger_messages == 0 && self.ev > self.opts.lag as u64;
        tx.complete
            && (!tx.l.is_empty() || no_ledger)
            && (tx.m.is_some() || self.acc.metadata_ends == 0)
    }

    fn finalize(&mut self, x: u32) {
        let Some(tx) = self.txs.remove(&x) else {
            return;
        };
        self.judged.seen(u64::from(x));
        // A re-delivery repeats the END of the transaction: the events at or after the first
        // repeated position must all be repeated (counted, not kept by identity).
        let once_after = tx.pos.iter().filter(|&&p| p >= tx.minr).count() as u32;
        let maxn = if tx.reps == 0 {
            tx.pos.iter().copied().max().unwrap_or(0)
        } else if once_after <= tx.reps {
            tx.pos
                .iter()
                .copied()
                .filter(|&p| p < tx.minr)
                .max()
                .unwrap_or(0)
        } else {
            u64::MAX
        };
        let rec = TxRec {
            x,
            c: tx.c,
            l: tx.l,
            d: tx.d,
            maxn,
            minr: tx.minr,
            reps: tx.reps,
            np: tx.np,
            m: tx.m,
        };
        if let Some(out) = self.shard_out.as_mut() {
            let _ = serde_json::to_writer(&mut *out, &rec);
            let _ = out.write_all(b"\n");
            return;
        }
        // its digest delta: every checkpoint to come includes it (it committed long ago)
        if let Some(d) = self.pending.remove(&x) {
            for (t, r, s) in d {
                let e = grow(&mut self.base, t);
                e.0 += r;
                e.1 = e.1.wrapping_add(s);
            }
            self.folded.insert(i64::from(x));
        }
        let tables = &self.tables;
        judge(&mut self.acc, &rec, &|t| tables.name(t).to_string());
    }

    /// Decides the open checkpoints that can be: every transaction they include has arrived
    /// (complete against its ledger message), and the ledger has moved past their snapshot; a
    /// digest that differs then is final once the window has gone by (late heartbeats).
    pub fn decide(&mut self, eof: bool) {
        if self.open.is_empty() {
            return;
        }
        let w = self.opts.window as u64;
        let lag = self.opts.lag as u64;
        let mut i = 0;
        while i < self.open.len() {
            let cp = &self.open[i];
            // its transactions given up on: judged as they are
            let late = eof || self.ev > cp.arrival + lag;
            // a differing digest is final once the window has gone by (late heartbeats)
            let timeout = late || self.ev > cp.arrival + w;
            let ready = late
                || (cp.ledger_past
                    && !self
                        .txs
                        .iter()
                        .any(|(x, t)| t.expected() && !t.complete && cp.msg.snap.includes(*x)));
            if !ready {
                i += 1;
                continue;
            }
            let sums = &cp.sums;
            let tables = &self.tables;
            let res = compare(
                &cp.msg,
                &self.acc,
                &|name| {
                    tables
                        .lookup(name)
                        .and_then(|t| sums.get(t as usize).copied())
                        .unwrap_or((0, 0))
                },
                self.opts.only.as_deref(),
            );
            let equal = res.tables.iter().all(|t| t.equal);
            if !equal && !timeout {
                i += 1;
                continue;
            }
            let cp = self.open.remove(i);
            self.acc.checkpoints.push(res.clone());
            self.decided.push(Decided(res, self.ev));
            let _ = cp;
        }
    }

    /// Sizes of the state (ALIMENTADOR_VERIFY_STATS=1: printed to stderr at the end).
    pub fn stats(&self) -> String {
        let old = self
            .txs
            .values()
            .filter(|t| t.last_ev + (self.opts.window as u64) < self.ev)
            .count();
        format!(
            "state at event {}: {} keys, {} transactions open ({} of them out of the window), queue {} (front {:?}), {} pending deltas, window {}+{}, {} checkpoints open",
            self.ev,
            self.keys.len(),
            self.txs.len(),
            old,
            self.queue.len(),
            self.queue.front(),
            self.pending.len(),
            self.window.cur.len(),
            self.window.prev.len(),
            self.open.len(),
        )
    }

    /// End of input: every transaction final, every checkpoint decided. Interrupted (SIGINT), only
    /// what is already known is judged: complete transactions and decided checkpoints; the rest is
    /// counted in a warning.
    pub fn finish(&mut self, interrupted: bool) {
        let mut xs: Vec<u32> = self.txs.keys().copied().collect();
        xs.sort_unstable();
        if interrupted {
            let open: Vec<u32> = xs
                .iter()
                .copied()
                .filter(|x| {
                    // not settled: a source of truth (ledger message, END record) may still come
                    self.txs.get(x).is_some_and(|t| {
                        !self.settled(t) && (t.np || !t.l.is_empty() || t.m.is_some())
                    })
                })
                .collect();
            for x in &open {
                if let Some(t) = self.txs.remove(x) {
                    // their ledger seqs were seen: no gap
                    for (w, seq, _) in &t.l {
                        self.acc.workers.entry(*w).or_default().insert(*seq);
                    }
                }
            }
            self.decide(false);
            if !open.is_empty() || !self.open.is_empty() {
                self.acc.warnings.push(format!(
                    "stopped before the end: {} transaction(s) still incomplete and {} checkpoint(s) undecided were not judged (their events may still have been on their way)",
                    open.len(),
                    self.open.len()
                ));
            }
            self.open.clear();
        }
        for x in xs {
            self.finalize(x);
        }
        self.decide(true);
        self.acc.checkpoints.sort_by_key(|c| c.checkpoint);
        for (t, c) in std::mem::take(&mut self.counts).iter().enumerate() {
            let name = self.tables.name(t as u16).to_string();
            for (i, n) in c.iter().enumerate().filter(|(_, n)| **n > 0) {
                let op = if i < 5 {
                    OPS[i].to_string()
                } else {
                    format!("{} (repeated)", OPS[i - 5])
                };
                *self
                    .acc
                    .events
                    .entry(name.clone())
                    .or_default()
                    .entry(op)
                    .or_default() += n;
            }
        }
    }

    /// Progress: (open transactions, the oldest's age in seconds and txId, checkpoints open).
    pub fn oldest_open(&self) -> (usize, Option<(u32, u32)>, usize) {
        let now = self.start.elapsed().as_secs() as u32;
        let open: Vec<(&u32, &Tx)> = self
            .txs
            .iter()
            .filter(|(_, t)| !t.complete && t.np)
            .collect();
        let oldest = open
            .iter()
            .min_by_key(|(_, t)| t.first_sec)
            .map(|(x, t)| (**x, now - t.first_sec));
        (open.len(), oldest, self.open.len())
    }
}

/// `["<commit lsn>","<lsn>"]` → the commit lsn (0 for null).
fn seq_first(s: &str) -> u64 {
    let b = s.as_bytes();
    if b.len() > 2 && b[0] == b'[' && b[1] == b'"' {
        let mut n = 0u64;
        for &c in &b[2..] {
            if !c.is_ascii_digit() {
                break;
            }
            n = n * 10 + u64::from(c - b'0');
        }
        return n;
    }
    0
}

/// `{"schema":…,"payload":…}` split without parsing the schema: the payload is the last member.
fn fast_envelope(text: &str) -> Option<(&str, &str)> {
    let i = memchr::memmem::find(text.as_bytes(), b",\"payload\":")?;
    let schema = &text[10..i];
    let rest = text[i + 11..].trim_end();
    let payload = rest.strip_suffix('}')?;
    Some((schema, payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_visibility() {
        let s = Snap {
            xmin: 100,
            xmax: 110,
            xip: vec![105],
        };
        assert!(s.includes(99));
        assert!(s.includes(104));
        assert!(!s.includes(105));
        assert!(!s.includes(110));
        let e = Snap {
            xmin: (1 << 32) + 5,
            xmax: (1 << 32) + 10,
            xip: vec![],
        };
        assert!(e.includes(4));
        assert!(e.includes(0xFFFF_FFF0));
        assert!(!e.includes(11));
    }

    #[test]
    fn envelope_split() {
        let (s, p) = fast_envelope("{\"schema\":{\"a\":1},\"payload\":{\"op\":\"c\"}}").unwrap();
        assert_eq!(s, "{\"a\":1}");
        assert_eq!(p, "{\"op\":\"c\"}");
        assert_eq!(seq_first("[\"36964664\",\"36964720\"]"), 36964664);
        assert_eq!(seq_first("[null,\"1\"]"), 0);
    }
}
