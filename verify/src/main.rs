//! alimentador-verify (Rust): proves that a Debezium change stream of an alimentador database is
//! complete and exact, on Kafka's real guarantees. See `--help` and docs/src/cdc.md ("Prove your pipeline").

mod digest;
mod report;
mod scan;
mod tables;

use report::Acc;
use rustc_hash::FxHashMap;
use scan::{CpMsg, Options, Scanner, TxRec};
use std::io::{BufWriter, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const HELP: &str = "\
alimentador-verify: proves that a Debezium change stream of an alimentador database is complete.

usage: alimentador-verify [options] FILE...         (- is standard input)
       alimentador-verify merge [options] SHARD...   (the verdict over shard files)

Input: Debezium record values as JSON lines, as kcat -f '%s\\n', kafka-console-consumer or
Debezium Server print them, with or without the schema envelope, from any number of topics and
partitions read in any interleaving that keeps each partition's order (Kafka's guarantee): the
table topics and the <topic.prefix>.message topic (ledger alimentador.tx, alimentador.checkpoint).
Tombstones and heartbeats are skipped; Debezium's transaction metadata (the END records of
<topic.prefix>.transaction, provide.transaction.metadata=true) is a second source of truth.

Checks, with Kafka's guarantees and nothing more:
  - per-key order: each row's events in commit order (source.sequence / lsn); a change's
    \"before\" must be the row rebuilt from its earlier events (a lost update shows there);
  - every transaction complete: its events per table and operation equal its alimentador.tx
    message, wherever its events arrive (a key change's d and c may be in two partitions),
    and its events per table equal Debezium's END record when there is one (the two sources
    are cross-checked; with the ledger off, the END records alone);
  - nothing lost or duplicated beyond at-least-once re-delivery (a repeated END of a transaction,
    as a connector restart gives, is a note); each worker's ledger seq without gaps;
  - nothing changed: each alimentador.checkpoint's per-table rows and digest (docs/digest.md)
    against the rows rebuilt from the snapshot and the transactions its snapshot includes,
    decided as soon as those transactions have all arrived.
Memory: one row number per live row, the incomplete transactions, and a window of recent events.

Options:
  --json               the report as JSON
  --tables A,B         compare only these tables at the checkpoints
  --ignore-unledgered  transactions without a ledger message are a note (other writers)
  --follow             read a growing input (stdin from kcat, or the last FILE as it grows);
                       print each checkpoint's verdict as soon as it is decided and a progress
                       line; SIGINT (Ctrl-C) stops and prints the summary
  --exit-on-finding    stop at the first finding (exit 1)
  --progress SECS      progress line interval with --follow (default 10; 0: none)
  --window N           events a re-delivery may come after the original (default 50000:
                       a restart's tail of 60 s at 800 events/s); a complete transaction is
                       judged once its last event is this far behind. About 250 bytes each
  --lag N              events one partition may run behind another, as when a consumer reads
                       a backlog (default 1000000): an incomplete transaction waits this long
                       before it is judged as it is
  --shard-out FILE     shard mode: write this process's partial results (per-transaction counts
                       and digest deltas, per-key findings) to FILE for `merge`; each shard reads
                       a subset of the partitions (any assignment)
  --sink-dsn, --parquet  not in this binary yet: run tools/alimentador-verify (Python) with them

Exit status: 0 everything agrees, 1 a finding, 2 usage or input error.
";

/// Errors that end the run with exit status 2.
#[derive(Debug)]
pub enum Error {
    Usage(String),
    Io(String, std::io::Error),
    /// A line that is not JSON (a truncated last line is only a warning).
    Json(String),
    Input(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Error::Usage(m) | Error::Json(m) | Error::Input(m) => f.write_str(m),
            Error::Io(p, e) => write!(f, "{p}: {e}"),
        }
    }
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

#[derive(Default)]
struct Args {
    files: Vec<String>,
    json: bool,
    tables: Option<Vec<String>>,
    ignore_unledgered: bool,
    follow: bool,
    exit_on_finding: bool,
    progress: Option<u64>,
    window: usize,
    lag: usize,
    shard_out: Option<String>,
    merge: bool,
}

fn parse_args(argv: Vec<String>) -> Result<Option<Args>, Error> {
    let mut a = Args {
        window: 50_000,
        lag: 1_000_000,
        ..Default::default()
    };
    let mut it = argv.into_iter().peekable();
    if it.peek().map(String::as_str) == Some("merge") {
        a.merge = true;
        it.next();
    }
    let value = |it: &mut std::iter::Peekable<std::vec::IntoIter<String>>, name: &str| {
        it.next()
            .ok_or_else(|| Error::Usage(format!("{name} needs a value")))
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--json" => a.json = true,
            "--ignore-unledgered" => a.ignore_unledgered = true,
            "--follow" => a.follow = true,
            "--exit-on-finding" => a.exit_on_finding = true,
            "--tables" => {
                let v: Vec<String> = value(&mut it, "--tables")?.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
                a.tables = Some(v);
            }
            "--progress" => a.progress = Some(value(&mut it, "--progress")?.parse().map_err(|_| Error::Usage("--progress: seconds".into()))?),
            "--window" => a.window = value(&mut it, "--window")?.parse().map_err(|_| Error::Usage("--window: a number of events".into()))?,
            "--lag" => a.lag = value(&mut it, "--lag")?.parse().map_err(|_| Error::Usage("--lag: a number of events".into()))?,
            "--shard-out" => a.shard_out = Some(value(&mut it, "--shard-out")?),
            "--sink-dsn" | "--parquet" | "--sink-schema" => {
                return Err(Error::Usage(format!(
                    "{arg}: the sink checks are not in the Rust verifier yet: run the Python one on the same input, e.g. tools/alimentador-verify {arg} … FILE (it compares the sink with the last checkpoint)"
                )))
            }
            s if s.starts_with("--") => return Err(Error::Usage(format!("unknown option {s} (--help)"))),
            _ => a.files.push(arg),
        }
    }
    if a.files.is_empty() {
        return Err(Error::Usage(
            "give one or more input files (- for standard input); --help".into(),
        ));
    }
    if a.window < 1000 {
        return Err(Error::Usage("--window: at least 1000 events".into()));
    }
    // an incomplete transaction waits at least as long as a complete one
    a.lag = a.lag.max(a.window);
    Ok(Some(a))
}

enum Msg {
    Chunk {
        file: usize,
        first_line: u64,
        data: String,
        last: bool,
    },
    Done(Result<(), Error>),
}

fn reader(files: Vec<String>, follow: bool, tx: mpsc::SyncSender<Msg>) {
    let n = files.len();
    let r = (|| -> Result<(), Error> {
        for (fi, path) in files.iter().enumerate() {
            let mut input: Box<dyn Read> = if path == "-" {
                Box::new(std::io::stdin().lock())
            } else {
                Box::new(std::fs::File::open(path).map_err(|e| Error::Io(path.clone(), e))?)
            };
            let tail = follow && fi == n - 1 && path != "-";
            const CHUNK: usize = 1 << 20;
            let mut carry: Vec<u8> = Vec::new();
            let mut buf = if follow {
                vec![0u8; 1 << 16]
            } else {
                Vec::new()
            };
            let mut line = 1u64;
            loop {
                // a fresh buffer: the partial line left over, then up to CHUNK bytes read into it
                let mut cur = Vec::with_capacity(CHUNK + carry.len() + 4096);
                cur.append(&mut carry);
                let got = if follow {
                    // whatever has arrived: a growing input is processed as it comes
                    input
                        .read(&mut buf)
                        .inspect(|&n| cur.extend_from_slice(&buf[..n]))
                } else {
                    (&mut input).take(CHUNK as u64).read_to_end(&mut cur)
                };
                let k = match got {
                    Ok(k) => k,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                        carry = cur;
                        if STOP.load(Ordering::SeqCst) {
                            return Ok(());
                        }
                        continue;
                    }
                    Err(e) => return Err(Error::Io(path.clone(), e)),
                };
                if k == 0 {
                    carry = cur;
                    if tail && !STOP.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(200));
                        continue;
                    }
                    break;
                }
                match memchr::memrchr(b'\n', &cur) {
                    Some(p) => {
                        carry = cur.split_off(p + 1);
                        let lines = memchr::memchr_iter(b'\n', &cur).count() as u64;
                        let data = utf8(cur, path, line)?;
                        if tx
                            .send(Msg::Chunk {
                                file: fi,
                                first_line: line,
                                data,
                                last: false,
                            })
                            .is_err()
                        {
                            return Ok(());
                        }
                        line += lines;
                    }
                    None => carry = cur,
                }
            }
            if !carry.is_empty() {
                // a last line without its newline: a consumer cut it (maybe mid-character)
                let data = if fi == n - 1 {
                    String::from_utf8_lossy(&carry).into_owned()
                } else {
                    utf8(carry, path, line)?
                };
                let _ = tx.send(Msg::Chunk {
                    file: fi,
                    first_line: line,
                    data,
                    last: fi == n - 1,
                });
            }
        }
        Ok(())
    })();
    let _ = tx.send(Msg::Done(r));
}

/// The chunk as text, validated once here (on the reader thread).
fn utf8(data: Vec<u8>, path: &str, first_line: u64) -> Result<String, Error> {
    String::from_utf8(data).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let line = first_line + memchr::memchr_iter(b'\n', &bytes[..at]).count() as u64;
        let col = at - memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |p| p + 1);
        Error::Input(format!("{path}:{line}: not UTF-8 (byte {})", col + 1))
    })
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let code = match parse_args(argv) {
        Ok(None) => {
            print!("{HELP}");
            0
        }
        Ok(Some(a)) => {
            let r = if a.merge { merge(&a) } else { run(&a) };
            match r {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("alimentador-verify: {e}");
                    2
                }
            }
        }
        Err(e) => {
            eprintln!("alimentador-verify: {e}");
            2
        }
    };
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}

fn say(json: bool, line: &str) {
    if json {
        eprintln!("{line}");
    } else {
        println!("{line}");
        let _ = std::io::stdout().flush();
    }
}

fn run(a: &Args) -> Result<i32, Error> {
    // SAFETY: installs a handler that only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGINT, on_sigint as *const () as libc::sighandler_t);
    }
    let mut s = Scanner::new(Options {
        window: a.window,
        lag: a.lag,
        shard: a.shard_out.is_some(),
        only: a.tables.clone(),
    });
    if let Some(path) = &a.shard_out {
        let f = std::fs::File::create(path).map_err(|e| Error::Io(path.clone(), e))?;
        s.shard_out = Some(Box::new(BufWriter::with_capacity(1 << 20, f)));
    }
    let (tx, rx) = mpsc::sync_channel::<Msg>(4);
    let files = a.files.clone();
    let follow = a.follow;
    std::thread::spawn(move || reader(files, follow, tx));
    let progress = if a.follow {
        a.progress.unwrap_or(10)
    } else {
        a.progress.unwrap_or(0)
    };
    let mut last_progress = Instant::now();
    let mut last_events = 0u64;
    let mut warnings = Vec::new();
    let mut stopped_early = false;
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(Msg::Chunk {
                file,
                first_line,
                data,
                last,
            }) => {
                let path = &a.files[file];
                let mut lineno = first_line;
                let mut rest: &str = &data;
                while !rest.is_empty() {
                    let (l, r) = match memchr::memchr(b'\n', rest.as_bytes()) {
                        Some(p) => (&rest[..p], &rest[p + 1..]),
                        None => (rest, &rest[rest.len()..]),
                    };
                    rest = r;
                    let n = lineno;
                    lineno += 1;
                    let where_ = || format!("{path}:{n}");
                    match s.line(l, &where_) {
                        Ok(()) => {}
                        Err(Error::Json(_)) if last && rest.is_empty() => {
                            warnings.push(format!("{path}:{n}: the last line is not complete JSON: ignored (a consumer cut mid-write?)"));
                        }
                        Err(e) => return Err(e),
                    }
                }
                s.decide(false);
            }
            Ok(Msg::Done(r)) => {
                r?;
                break;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => s.decide(false),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        for d in s.decided.drain(..) {
            if a.follow {
                say(
                    a.json,
                    &format!("{} (decided at event {} of {} read)", d.0.line(), d.1, s.ev),
                );
                for (k, m) in d.0.findings() {
                    say(a.json, &format!("FINDING [{k}] {m}"));
                }
            }
        }
        if progress > 0 && last_progress.elapsed() >= Duration::from_secs(progress) {
            let dt = last_progress.elapsed().as_secs_f64();
            let (open, oldest, cps_open) = s.oldest_open();
            let lag = match oldest {
                Some((x, secs)) => format!("oldest open transaction txId {x} for {secs} s"),
                None => "no transaction open".into(),
            };
            say(
                a.json,
                &format!(
                    "progress: {} events, {:.0} events/s, {} checkpoint(s) decided, {} open, {} transaction(s) incomplete, {}",
                    s.ev,
                    (s.ev - last_events) as f64 / dt,
                    s.acc.checkpoints.len(),
                    cps_open,
                    open,
                    lag
                ),
            );
            last_progress = Instant::now();
            last_events = s.ev;
        }
        if STOP.load(Ordering::SeqCst) {
            stopped_early = true;
            break;
        }
        if a.exit_on_finding && !s.acc.findings(a.ignore_unledgered).is_empty() {
            stopped_early = true;
            break;
        }
    }
    if std::env::var_os("ALIMENTADOR_VERIFY_STATS").is_some() {
        eprintln!("{}", s.stats());
    }
    let interrupted = STOP.load(Ordering::SeqCst);
    // stopped before the end: only what is already known is judged
    s.finish(interrupted || stopped_early);
    if a.follow {
        for d in s.decided.drain(..) {
            say(
                a.json,
                &format!(
                    "{} (decided at the end of the input, event {})",
                    d.0.line(),
                    d.1
                ),
            );
        }
    }
    s.acc.warnings.extend(warnings);
    if interrupted {
        s.acc
            .warnings
            .push("interrupted (SIGINT): the summary covers the events read so far".into());
    } else if stopped_early {
        s.acc.warnings.push("stopped at the first finding (--exit-on-finding): the summary covers the events read so far".into());
    }
    if s.ev == 0 {
        return Err(Error::Input(
            "no Debezium change or message event in the input".into(),
        ));
    }
    if s.acc.ledger_messages == 0 && s.acc.checkpoint_messages == 0 && a.shard_out.is_none() {
        return Err(Error::Input(
            "no alimentador.tx or alimentador.checkpoint message in the input: dump the connector's <topic.prefix>.message topic too (Debezium writes the logical decoding messages there)"
                .into(),
        ));
    }
    check_tables(
        a,
        &s.tables
            .list
            .iter()
            .map(|t| t.name.clone())
            .collect::<Vec<_>>(),
    )?;
    if let Some(path) = &a.shard_out {
        let header = ShardHeader {
            acc: s.acc.clone(),
            tables: s.tables.list.iter().map(|t| t.name.clone()).collect(),
            snap_base: s.snap_base.clone(),
            cps: s.cps.clone(),
            events: s.ev,
        };
        let out = s.shard_out.as_mut().expect("shard mode");
        let line = serde_json::to_string(&ShardLine { shard: header })
            .map_err(|e| Error::Input(e.to_string()))?;
        out.write_all(line.as_bytes())
            .and_then(|_| out.write_all(b"\n"))
            .and_then(|_| out.flush())
            .map_err(|e| Error::Io(path.clone(), e))?;
        println!("shard: {} events read, partial results in {path} (the verdict is `alimentador-verify merge`'s)", s.ev);
        return Ok(0);
    }
    let elapsed = s.start.elapsed().as_secs_f64();
    Ok(output(a, &s.acc, s.ev, Some((elapsed, thread_cpu()))))
}

fn check_tables(a: &Args, known: &[String]) -> Result<(), Error> {
    if let Some(t) = &a.tables {
        let bad: Vec<&String> = t.iter().filter(|x| !known.contains(x)).collect();
        if bad.is_empty() && !t.is_empty() {
            return Ok(());
        }
        let mut k = known.to_vec();
        k.sort();
        return Err(Error::Usage(format!(
            "--tables: unknown table(s) {}; known: {}",
            if bad.is_empty() {
                "(none given)".to_string()
            } else {
                bad.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            k.join(", ")
        )));
    }
    Ok(())
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ShardHeader {
    acc: Acc,
    tables: Vec<String>,
    snap_base: Vec<(i64, u64)>,
    cps: Vec<CpMsg>,
    events: u64,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ShardLine {
    shard: ShardHeader,
}

fn merge(a: &Args) -> Result<i32, Error> {
    let mut names: Vec<String> = Vec::new();
    let index = |n: &str, names: &mut Vec<String>| -> u16 {
        match names.iter().position(|x| x == n) {
            Some(i) => i as u16,
            None => {
                names.push(n.to_string());
                (names.len() - 1) as u16
            }
        }
    };
    let mut acc = Acc::default();
    let mut recs: FxHashMap<u32, TxRec> = FxHashMap::default();
    let mut base: Vec<(i64, u64)> = Vec::new();
    let mut cps: Vec<CpMsg> = Vec::new();
    let mut events = 0;
    for path in &a.files {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io(path.clone(), e))?;
        let last = text
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .ok_or_else(|| Error::Input(format!("{path}: empty: not a shard file")))?;
        let h: ShardLine = serde_json::from_str(last).map_err(|e| {
            Error::Input(format!(
                "{path}: not a complete shard file (no summary line: {e})"
            ))
        })?;
        let h = h.shard;
        let map: Vec<u16> = h.tables.iter().map(|n| index(n, &mut names)).collect();
        let m = |t: u16| map.get(t as usize).copied().unwrap_or(t);
        acc.merge_scan(&h.acc);
        events += h.events;
        for (i, (r, s)) in h.snap_base.iter().enumerate() {
            let t = m(i as u16) as usize;
            if base.len() <= t {
                base.resize(t + 1, (0, 0));
            }
            base[t].0 += r;
            base[t].1 = base[t].1.wrapping_add(*s);
        }
        if cps.is_empty() {
            cps = h.cps.clone();
        }
        for (n, line) in text.lines().enumerate() {
            if line.starts_with("{\"shard\"") || line.trim().is_empty() {
                continue;
            }
            let mut r: TxRec = serde_json::from_str(line)
                .map_err(|e| Error::Input(format!("{path}:{}: not a shard record ({e})", n + 1)))?;
            for c in r.c.iter_mut() {
                c.0 = m(c.0);
            }
            for l in r.l.iter_mut() {
                for e in l.2.iter_mut() {
                    e.0 = m(e.0);
                }
                l.2.sort();
            }
            for d in r.d.iter_mut() {
                d.0 = m(d.0);
            }
            if let Some(meta) = r.m.as_mut() {
                for e in meta.iter_mut() {
                    e.0 = m(e.0);
                }
                meta.sort_unstable();
            }
            match recs.get_mut(&r.x) {
                Some(e) => e.merge(&r),
                None => {
                    recs.insert(r.x, r);
                }
            }
        }
    }
    let mut xs: Vec<u32> = recs.keys().copied().collect();
    xs.sort_unstable();
    for x in &xs {
        let rec = &recs[x];
        judge_into(&mut acc, rec, &names);
    }
    for cp in &cps {
        let mut sums = base.clone();
        for x in &xs {
            if cp.snap.includes(*x) {
                for &(t, r, s) in &recs[x].d {
                    let t = t as usize;
                    if sums.len() <= t {
                        sums.resize(t + 1, (0, 0));
                    }
                    sums[t].0 += r;
                    sums[t].1 = sums[t].1.wrapping_add(s);
                }
            }
        }
        let res = scan::compare(
            cp,
            &acc,
            &|n| {
                names
                    .iter()
                    .position(|x| x == n)
                    .and_then(|i| sums.get(i).copied())
                    .unwrap_or((0, 0))
            },
            a.tables.as_deref(),
        );
        acc.checkpoints.push(res);
    }
    acc.checkpoints.sort_by_key(|c| c.checkpoint);
    check_tables(a, &names)?;
    Ok(output(a, &acc, events, None))
}

fn judge_into(acc: &mut Acc, rec: &TxRec, names: &[String]) {
    scan::judge(acc, rec, &|t| {
        names.get(t as usize).cloned().unwrap_or_default()
    });
}

/// Prints the report; returns the exit status.
/// CPU seconds of the calling thread (the one that checks the events; the reader thread only reads).
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if r == 0 {
        ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
    } else {
        0.0
    }
}

fn output(a: &Args, acc: &Acc, events: u64, elapsed: Option<(f64, f64)>) -> i32 {
    let findings = acc.findings(a.ignore_unledgered);
    let code = i32::from(!findings.is_empty());
    let notes = acc.notes(a.ignore_unledgered);
    let warnings = acc.all_warnings();
    if a.json {
        let workers: serde_json::Map<String, serde_json::Value> = acc
            .workers
            .iter()
            .map(|(w, s)| {
                (w.to_string(), serde_json::json!({"first_seq": s.first(), "last_seq": s.last(), "transactions": s.transactions, "missing": s.gaps().0}))
            })
            .collect();
        let v = serde_json::json!({
            "exit": code,
            "verdict": if code == 0 { "identical" } else { "differences" },
            "findings": findings.iter().map(|(k, m)| serde_json::json!({"kind": k, "message": m})).collect::<Vec<_>>(),
            "warnings": warnings,
            "notes": notes,
            "transactions": {"total": acc.transactions, "with_ledger_message": acc.ledgered, "workers": workers},
            "checkpoints": acc.checkpoints,
            "events": acc.events,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return code;
    }
    let mut out = Vec::new();
    let rate = elapsed.map_or(String::new(), |(e, cpu)| {
        format!(
            " in {e:.2} s ({:.0} events/s; {cpu:.2} s CPU of the checking thread: {:.0} events/s per core)",
            events as f64 / e.max(1e-9),
            events as f64 / cpu.max(1e-9)
        )
    });
    out.push(format!("events: {events} change/ledger/checkpoint events{rate}, {} transactions ({} with a ledger message)", acc.transactions, acc.ledgered));
    for (w, s) in &acc.workers {
        let (missing, _) = s.gaps();
        out.push(format!(
            "  worker {w}: seq {}..{}, {} transactions{}",
            s.first().unwrap_or(0),
            s.last().unwrap_or(0),
            s.transactions,
            if missing > 0 {
                format!(", {missing} missing")
            } else {
                String::new()
            }
        ));
    }
    out.push("per table:".into());
    for (t, ops) in &acc.events {
        let parts: Vec<String> = ops.iter().map(|(k, n)| format!("{k} {n}")).collect();
        out.push(format!("  {t}: {}", parts.join(", ")));
    }
    for cp in &acc.checkpoints {
        out.push(cp.line());
    }
    for n in &notes {
        out.push(format!("note: {n}"));
    }
    for w in &warnings {
        out.push(format!("warning: {w}"));
    }
    for (k, m) in &findings {
        out.push(format!("FINDING [{k}] {m}"));
    }
    let verdict = if code != 0 {
        format!("{} finding(s)", findings.len())
    } else {
        let t = if acc.ledger_messages == 0 && acc.metadata_transactions > 0 {
            "every transaction complete against Debezium's transaction metadata (no ledger)"
                .to_string()
        } else if acc.ledger_messages == 0 {
            "transactions not checked (no ledger)".to_string()
        } else {
            "every transaction complete and in order".to_string()
        };
        let c = if acc.checkpoints.is_empty() {
            "no checkpoint to compare".to_string()
        } else {
            format!("every checkpoint equal ({})", acc.checkpoints.len())
        };
        format!("identical: {t}, {c}")
    };
    out.push(format!("verdict: {verdict}"));
    println!("{}", out.join("\n"));
    code
}
