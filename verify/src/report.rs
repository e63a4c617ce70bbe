//! What the scan found, in a form that shards write and `merge` adds up: the same Acc and the same
//! rendering serve one process and a merge of N, so both give the same findings.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Examples shown per finding.
pub const SHOW: usize = 8;
/// Examples kept per list (the smallest, sorted): enough to show SHOW after a merge.
pub const KEEP: usize = 64;

/// A count with its smallest examples.
#[derive(Default, Serialize, Deserialize, Clone, Debug)]
pub struct Examples {
    pub count: u64,
    pub items: Vec<String>,
}

impl Examples {
    pub fn add(&mut self, s: String) {
        self.count += 1;
        self.items.push(s);
        if self.items.len() > 2 * KEEP {
            self.trim();
        }
    }
    pub fn trim(&mut self) {
        self.items.sort();
        self.items.dedup();
        self.items.truncate(KEEP);
    }
    pub fn merge(&mut self, o: &Examples) {
        self.count += o.count;
        self.items.extend(o.items.iter().cloned());
        self.trim();
    }
    pub fn shown(&self) -> String {
        let mut v = self.items.clone();
        v.sort();
        v.dedup();
        let more = if self.count as usize > SHOW.min(v.len()) {
            format!(" … ({} in all)", self.count)
        } else {
            String::new()
        };
        v.truncate(SHOW);
        v.join("; ") + &more
    }
}

/// Transaction ids with a count (the smallest kept).
#[derive(Default, Serialize, Deserialize, Clone, Debug)]
pub struct Xids {
    pub count: u64,
    pub ids: BTreeSet<u32>,
}

impl Xids {
    pub fn add(&mut self, x: u32) {
        self.count += 1;
        self.ids.insert(x);
        while self.ids.len() > KEEP {
            let last = *self.ids.iter().next_back().unwrap_or(&0);
            self.ids.remove(&last);
        }
    }
    pub fn shown(&self) -> String {
        let v: Vec<String> = self.ids.iter().take(SHOW).map(|x| x.to_string()).collect();
        let more = if self.count as usize > SHOW {
            format!(" … ({} in all)", self.count)
        } else {
            String::new()
        };
        v.join(", ") + &more
    }
}

/// One worker's ledger seqs seen, as disjoint ranges [a, b].
#[derive(Default, Serialize, Deserialize, Clone, Debug)]
pub struct Seqs {
    pub ranges: BTreeMap<i64, i64>,
    pub transactions: u64,
}

impl Seqs {
    /// Adds s; false when it was already there.
    pub fn insert(&mut self, s: i64) -> bool {
        if let Some((&a, &b)) = self.ranges.range(..=s).next_back() {
            if s <= b {
                return false;
            }
            if s == b + 1 {
                self.ranges.insert(a, s);
                self.join(a);
                self.transactions += 1;
                return true;
            }
        }
        self.ranges.insert(s, s);
        self.join(s);
        self.transactions += 1;
        true
    }
    fn join(&mut self, a: i64) {
        let b = self.ranges[&a];
        if let Some(&nb) = self.ranges.get(&(b + 1)) {
            self.ranges.remove(&(b + 1));
            self.ranges.insert(a, nb);
        }
    }
    pub fn first(&self) -> Option<i64> {
        self.ranges.keys().next().copied()
    }
    pub fn last(&self) -> Option<i64> {
        self.ranges.values().next_back().copied()
    }
    pub fn gaps(&self) -> (u64, Vec<i64>) {
        let mut n = 0;
        let mut ex = Vec::new();
        let mut prev: Option<i64> = None;
        for (&a, &b) in &self.ranges {
            if let Some(p) = prev {
                n += (a - p - 1) as u64;
                let mut s = p + 1;
                while s < a && ex.len() < SHOW {
                    ex.push(s);
                    s += 1;
                }
            }
            prev = Some(b);
        }
        (n, ex)
    }
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Differ {
    pub txid: u32,
    pub worker: i64,
    pub seq: i64,
    /// (table.op, ledger, events)
    pub differences: Vec<(String, u32, u32)>,
}

/// A checkpoint's verdict per table.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct TableResult {
    pub table: String,
    pub linhas: i64,
    pub digest: String,
    pub rebuilt_linhas: i64,
    pub rebuilt_digest: Option<String>,
    pub skipped: Option<String>,
    pub equal: bool,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct CheckpointResult {
    pub checkpoint: usize,
    #[serde(rename = "txId")]
    pub txid: u64,
    pub lsn: String,
    pub em: String,
    pub tables: Vec<TableResult>,
}

impl CheckpointResult {
    pub fn line(&self) -> String {
        let eq = self.tables.iter().filter(|t| t.equal).count();
        format!(
            "checkpoint {} (txId {}, lsn {}): {}/{} tables equal",
            self.checkpoint,
            self.txid,
            self.lsn,
            eq,
            self.tables.len()
        )
    }
    pub fn findings(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for t in self.tables.iter().filter(|t| !t.equal) {
            let cause = if t.rebuilt_linhas > t.linhas {
                format!(
                    "{} row(s) more than the source: delete events lost (a sink keeps rows the source deleted: resurrected rows), or inserts repeated",
                    t.rebuilt_linhas - t.linhas
                )
            } else if t.rebuilt_linhas < t.linhas {
                format!("{} row(s) fewer than the source: insert events lost (a sink misses those rows)", t.linhas - t.rebuilt_linhas)
            } else {
                "same rows, other content: an update lost or applied out of order, or a value changed in transit (a sink holds stale or wrong values)".to_string()
            };
            out.push((
                "checkpoint-mismatch".to_string(),
                format!(
                    "checkpoint {} (txId {}, lsn {}): hospital.{}: source {} rows digest {}, rebuilt from the events {} rows digest {}: {}",
                    self.checkpoint,
                    self.txid,
                    self.lsn,
                    t.table,
                    t.linhas,
                    t.digest,
                    t.rebuilt_linhas,
                    t.rebuilt_digest.as_deref().unwrap_or("(skipped)"),
                    cause
                ),
            ));
        }
        out
    }
}

/// Everything found, mergeable.
#[derive(Default, Serialize, Deserialize, Clone, Debug)]
pub struct Acc {
    pub values: u64,
    pub events: BTreeMap<String, BTreeMap<String, u64>>,
    pub skipped: BTreeMap<String, u64>,
    pub dbs_changes: BTreeSet<String>,
    pub dbs_messages: BTreeSet<String>,
    pub enveloped: [u64; 2],
    pub ledger_messages: u64,
    pub checkpoint_messages: u64,
    pub warnings: Vec<String>,
    pub undigestable: BTreeMap<String, String>,
    pub inexact: BTreeSet<String>,
    // per-key (shard-local: a key lives in one partition)
    pub key_order: Examples,
    pub lost_update: Examples,
    pub snapshot_repeated: Examples,
    pub snapshot_repeat_both_paths: bool,
    pub ledger_back: Examples,
    // transactions (judged from finalized records)
    pub transactions: u64,
    pub ledgered: u64,
    pub redelivered: Xids,
    pub duplicated: Xids,
    pub multi_ledger: Xids,
    pub missing_ledger: Xids,
    pub heartbeats: u64,
    pub rowless: u64,
    pub without_events: Xids,
    pub differ: Vec<Differ>,
    pub differ_count: u64,
    pub workers: BTreeMap<i64, Seqs>,
    pub dup_seq: Examples,
    pub checkpoints: Vec<CheckpointResult>,
    /// Debezium's transaction metadata: END records read, transactions judged against one, and
    /// those whose events (or ledger message) differ from it
    pub metadata_ends: u64,
    /// END records that came after their transaction was judged (not compared)
    pub metadata_late: u64,
    pub metadata_transactions: u64,
    pub metadata_differ: Examples,
    pub ledger_metadata_differ: Examples,
}

impl Acc {
    pub fn count_event(&mut self, table: &str, op: &str) {
        if let Some(t) = self.events.get_mut(table) {
            if let Some(n) = t.get_mut(op) {
                *n += 1;
                return;
            }
        }
        *self
            .events
            .entry(table.to_string())
            .or_default()
            .entry(op.to_string())
            .or_default() += 1;
    }

    /// Scan-level parts of another shard (not its transactions: merge judges those itself).
    pub fn merge_scan(&mut self, o: &Acc) {
        self.values += o.values;
        for (t, ops) in &o.events {
            for (op, n) in ops {
                *self
                    .events
                    .entry(t.clone())
                    .or_default()
                    .entry(op.clone())
                    .or_default() += n;
            }
        }
        for (k, n) in &o.skipped {
            *self.skipped.entry(k.clone()).or_default() += n;
        }
        self.dbs_changes.extend(o.dbs_changes.iter().cloned());
        self.dbs_messages.extend(o.dbs_messages.iter().cloned());
        self.enveloped[0] += o.enveloped[0];
        self.enveloped[1] += o.enveloped[1];
        for w in &o.warnings {
            if !self.warnings.contains(w) {
                self.warnings.push(w.clone());
            }
        }
        for (k, v) in &o.undigestable {
            self.undigestable
                .entry(k.clone())
                .or_insert_with(|| v.clone());
        }
        self.inexact.extend(o.inexact.iter().cloned());
        self.key_order.merge(&o.key_order);
        self.lost_update.merge(&o.lost_update);
        self.snapshot_repeated.merge(&o.snapshot_repeated);
        self.snapshot_repeat_both_paths |= o.snapshot_repeat_both_paths;
        // The message topic may be read by several shards: its findings count once.
        if self.ledger_messages == 0 {
            self.ledger_back = o.ledger_back.clone();
        }
        self.ledger_messages = self.ledger_messages.max(o.ledger_messages);
        self.metadata_ends += o.metadata_ends;
        self.metadata_late += o.metadata_late;
        self.checkpoint_messages = self.checkpoint_messages.max(o.checkpoint_messages);
    }

    /// (kind, message) of every finding, in a fixed order.
    pub fn findings(&self, ignore_unledgered: bool) -> Vec<(String, String)> {
        let mut f: Vec<(String, String)> = Vec::new();
        if self.snapshot_repeated.count > 0 {
            let cause = if self.snapshot_repeat_both_paths {
                "the initial snapshot read hospital.sinais_vitais both through the partitioned table and through its partitions (both are in table.include.list: list the table or its partitions, not both; see docs/src/cdc.md)"
            } else {
                "the connector snapshotted those rows twice (a second initial snapshot: snapshot.mode, lost offsets, or a restart during the snapshot)"
            };
            f.push((
                "duplicated-events".into(),
                format!(
                    "{} snapshot event(s) repeated: {}: {}",
                    self.snapshot_repeated.count,
                    cause,
                    self.snapshot_repeated.shown()
                ),
            ));
        }
        if self.duplicated.count > 0 {
            f.push((
                "duplicated-events".into(),
                format!(
                    "{} transaction(s) with duplicated events (not a re-delivery of the transaction's end, as a connector restart gives): txId {}",
                    self.duplicated.count,
                    self.duplicated.shown()
                ),
            ));
        }
        if self.multi_ledger.count > 0 {
            f.push((
                "duplicated-events".into(),
                format!(
                    "{} transaction(s) with more than one ledger message: txId {}",
                    self.multi_ledger.count,
                    self.multi_ledger.shown()
                ),
            ));
        }
        if self.missing_ledger.count > 0 && self.ledger_messages > 0 && !ignore_unledgered {
            f.push((
                "missing-ledger-message".into(),
                format!(
                    "{} transaction(s) with change events but no alimentador.tx message (the message was lost, or the transaction is not a worker's: --ignore-unledgered): txId {}",
                    self.missing_ledger.count,
                    self.missing_ledger.shown()
                ),
            ));
        }
        if self.without_events.count > 0 {
            f.push((
                "message-without-events".into(),
                format!("{} ledger message(s) whose transaction has no change event (its events were lost): txId {}", self.without_events.count, self.without_events.shown()),
            ));
        }
        if self.differ_count > 0 {
            let mut d = self.differ.clone();
            d.sort_by_key(|d| d.txid);
            let ex: Vec<String> = d
                .iter()
                .take(SHOW)
                .map(|d| {
                    let parts: Vec<String> = d
                        .differences
                        .iter()
                        .map(|(k, l, e)| {
                            let why = if e < l { "lost" } else { "extra" };
                            format!("{k} ledger {l} events {e} ({why})")
                        })
                        .collect();
                    format!(
                        "txId {} (worker {} seq {}): {}",
                        d.txid,
                        d.worker,
                        d.seq,
                        parts.join(", ")
                    )
                })
                .collect();
            f.push((
                "counts-differ".into(),
                format!("{} transaction(s) whose events differ from their ledger message (incomplete: events lost): {}", self.differ_count, ex.join("; ")),
            ));
        }
        if self.metadata_differ.count > 0 {
            f.push((
                "metadata-counts-differ".into(),
                format!(
                    "{} transaction(s) whose events differ from Debezium's transaction metadata (its END record's data_collections: incomplete, events lost, or extra): {}",
                    self.metadata_differ.count,
                    self.metadata_differ.shown()
                ),
            ));
        }
        if self.ledger_metadata_differ.count > 0 {
            f.push((
                "ledger-metadata-differ".into(),
                format!(
                    "{} transaction(s) whose ledger message and Debezium's END record disagree on the rows per table (one of the two sources is wrong): {}",
                    self.ledger_metadata_differ.count,
                    self.ledger_metadata_differ.shown()
                ),
            ));
        }
        if self.dup_seq.count > 0 {
            f.push((
                "duplicated-seq".into(),
                format!(
                    "{} (worker, seq) in more than one transaction: {}",
                    self.dup_seq.count,
                    self.dup_seq.shown()
                ),
            ));
        }
        for (w, s) in &self.workers {
            let (n, ex) = s.gaps();
            if n > 0 {
                let exs: Vec<String> = ex.iter().map(|x| x.to_string()).collect();
                f.push((
                    "seq-gap".into(),
                    format!(
                        "worker {w}: {n} seq(s) missing between {} and {} (lost transactions, or their ledger messages lost): {}{}",
                        s.first().unwrap_or(0),
                        s.last().unwrap_or(0),
                        exs.join(", "),
                        if n as usize > ex.len() { " …" } else { "" }
                    ),
                ));
            }
        }
        if self.ledger_back.count > 0 {
            f.push((
                "out-of-order".into(),
                format!("{} ledger message(s) out of order (a worker's transactions delivered against commit order): {}", self.ledger_back.count, self.ledger_back.shown()),
            ));
        }
        if self.key_order.count > 0 {
            f.push((
                "out-of-order".into(),
                format!(
                    "{} event(s) arrived after a later change of the same row (per-key order broken; Kafka keeps a key's order within its partition only: a producer retrying without idempotence, a re-keying or re-partitioning, a consumer merging two partitions of one key): {}",
                    self.key_order.count,
                    self.key_order.shown()
                ),
            ));
        }
        if self.lost_update.count > 0 {
            f.push((
                "lost-update".into(),
                format!(
                    "{} update/delete event(s) whose \"before\" is not the row rebuilt from the earlier events (an earlier change of that row was lost, changed, or arrived out of order: a sink applying these events holds a wrong row): {}",
                    self.lost_update.count,
                    self.lost_update.shown()
                ),
            ));
        }
        for cp in &self.checkpoints {
            f.extend(cp.findings());
        }
        f
    }

    pub fn notes(&self, ignore_unledgered: bool) -> Vec<String> {
        let mut n = Vec::new();
        if self.enveloped[0] > 0 && self.enveloped[1] > 0 {
            n.push("input mixes events with and without the schema envelope".into());
        }
        if self.redelivered.count > 0 {
            n.push(format!(
                "{} transaction(s) re-delivered (at-least-once, after a connector restart), counted once: txId {}",
                self.redelivered.count,
                self.redelivered.shown()
            ));
        }
        if self.missing_ledger.count > 0 && ignore_unledgered {
            n.push(format!(
                "{} transaction(s) without a ledger message (ignored with --ignore-unledgered): txId {}",
                self.missing_ledger.count,
                self.missing_ledger.shown()
            ));
        }
        if self.metadata_late > 0 {
            n.push(format!(
                "{} END record(s) came more than --window events after their transaction, already judged by its ledger message: not compared (raise --window to compare them)",
                self.metadata_late
            ));
        }
        if self.metadata_transactions > 0 {
            n.push(format!(
                "{} transaction(s) also checked against Debezium's transaction metadata (END records of <topic.prefix>.transaction)",
                self.metadata_transactions
            ));
        }
        if self.rowless > 0 {
            n.push(format!("{} ledgered transaction(s) that changed no rows (schema changes of the ddl profiles)", self.rowless));
        }
        if self.heartbeats > 0 {
            n.push(format!(
                "{} heartbeat transaction(s) (hospital.pulso only, no ledger message)",
                self.heartbeats
            ));
        }
        if !self.skipped.is_empty() {
            let s: Vec<String> = self
                .skipped
                .iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect();
            n.push(format!("skipped: {}", s.join(", ")));
        }
        n
    }

    pub fn all_warnings(&self) -> Vec<String> {
        let mut w = self.warnings.clone();
        for (t, why) in &self.undigestable {
            w.push(format!("hospital.{t}: digest not compared: {why}"));
        }
        for t in &self.inexact {
            w.push(format!(
                "hospital.{t}: numeric values arrive as double (decimal.handling.mode=double): they have lost their scale, so its digest is not compared (rows are)"
            ));
        }
        if self.checkpoint_messages == 0 {
            w.push("no alimentador.checkpoint message in the input: no digest compared (SELECT * FROM alimentador_checkpoint(); while the stream runs)".into());
        }
        if self.ledger_messages == 0 {
            if self.metadata_ends > 0 {
                w.push("no alimentador.tx message in the input (alimentador.ledger = off?): transactions are checked against Debezium's transaction metadata only".into());
            } else {
                w.push("no alimentador.tx message in the input (alimentador.ledger = off?): transactions are not checked, only the checkpoints (provide.transaction.metadata=true would check them against Debezium's END records)".into());
            }
        }
        w
    }
}
