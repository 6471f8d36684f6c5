//! The export outbox: which stored samples still have to go to a remote-write
//! receiver, kept in the same database so that a restart or a receiver outage resumes
//! exactly where it stopped.
//!
//! How it works. With [`crate::Store::set_export_log`] on, each transaction that
//! inserts samples ([`crate::Store::write_batch`], [`crate::Store::import`]) also
//! appends a row to `export_log` naming exactly the samples it inserted (duplicates
//! left out), as runs of `(target, first ts, step, count)`: a collector tick is one
//! run per target, a year of 15-second history one run. The row commits with the
//! samples or not at all, so whatever is stored is in the log, in commit order, old
//! timestamps (imports) and late ones (a slow poll committed after a later slot)
//! included. Nothing is added to `samples` itself, so a raw sample stays as small as
//! before and the writer does one small insert more per transaction.
//!
//! The exporter holds an [`Outbox`]: [`Outbox::next`] reads, in one snapshot, the
//! samples after the cursor in log order; once the receiver has taken them (or refused
//! them for good), [`Outbox::ack`] moves the cursor past them and deletes the finished
//! log rows, in one short transaction. A crash between sending and `ack` sends that
//! batch again at the next start, the only case where a sample goes out twice.
//!
//! Encoding of a row's runs: LEB128 varints, per run the target id and first ts as
//! zigzag deltas from the previous run's, then the step and the count.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::{Error, Result};
use crate::outcome::Outcome;
use crate::read::sealed;
use crate::schema;
use crate::types::{Sample, TargetId};

/// The one sink there is: Prometheus remote write.
pub(crate) const SINK: &str = "remote_write";

/// Most samples one log row names; a larger import writes several rows.
pub(crate) const MAX_ROW_SAMPLES: u64 = 1 << 16;

/// Most log rows one [`Outbox::next`] looks at.
const MAX_ROWS_PER_READ: i64 = 256;

/// A run of samples of one target at `start, start + step, …` (`count` of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    pub target: i64,
    pub start: i64,
    /// Positive; 1 for a run of one.
    pub step: i64,
    pub count: u64,
}

impl Run {
    fn ts(&self, k: u64) -> i64 {
        self.start + self.step * i64::try_from(k).unwrap_or(i64::MAX)
    }

    fn end(&self) -> i64 {
        self.ts(self.count - 1)
    }

    /// The index of the first slot at or after `ts`.
    fn first_slot_from(&self, ts: i64) -> u64 {
        if ts <= self.start {
            return 0;
        }
        let k = (ts - self.start + self.step - 1) / self.step;
        u64::try_from(k).unwrap_or(u64::MAX).min(self.count)
    }
}

/// The samples one transaction inserted, as runs, in insertion order.
#[derive(Debug, Default)]
pub(crate) struct RunLog {
    runs: Vec<Run>,
    samples: u64,
}

impl RunLog {
    pub(crate) fn push(&mut self, target: TargetId, ts: i64) {
        self.samples += 1;
        if let Some(last) = self.runs.last_mut()
            && last.target == target.0
        {
            if last.count == 1 && ts > last.start {
                last.step = ts - last.start;
                last.count = 2;
                return;
            }
            if last.count > 1 && Some(ts) == last.start.checked_add(last.step * last.count as i64) {
                last.count += 1;
                return;
            }
        }
        self.runs.push(Run {
            target: target.0,
            start: ts,
            step: 1,
            count: 1,
        });
    }

    pub(crate) fn len(&self) -> u64 {
        self.samples
    }

    /// Appends the runs as one log row (if any) and forgets them.
    pub(crate) fn flush(&mut self, tx: &Transaction<'_>) -> Result<()> {
        if self.samples == 0 {
            return Ok(());
        }
        tx.prepare_cached("INSERT INTO export_log (samples, runs) VALUES (?1, ?2)")?
            .execute(params![to_i64(self.samples), encode(&self.runs)])?;
        self.runs.clear();
        self.samples = 0;
        Ok(())
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

pub(crate) fn encode(runs: &[Run]) -> Vec<u8> {
    let mut out = Vec::with_capacity(runs.len() * 4);
    let (mut target, mut start) = (0i64, 0i64);
    for r in runs {
        put_varint(&mut out, zigzag(r.target.wrapping_sub(target)));
        put_varint(&mut out, zigzag(r.start.wrapping_sub(start)));
        put_varint(&mut out, r.step.unsigned_abs());
        put_varint(&mut out, r.count);
        target = r.target;
        start = r.start;
    }
    out
}

pub(crate) fn decode(mut blob: &[u8]) -> Result<Vec<Run>> {
    let corrupt = || Error::Corrupt("export_log: runs do not decode".to_owned());
    let varint = |blob: &mut &[u8]| -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = blob.split_first().ok_or_else(corrupt)?;
            *blob = rest;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(corrupt())
    };
    let mut runs = Vec::new();
    let (mut target, mut start) = (0i64, 0i64);
    while !blob.is_empty() {
        target = target.wrapping_add(unzigzag(varint(&mut blob)?));
        start = start.wrapping_add(unzigzag(varint(&mut blob)?));
        let step = i64::try_from(varint(&mut blob)?).map_err(|_| corrupt())?;
        let count = varint(&mut blob)?;
        if count == 0 || step <= 0 {
            return Err(corrupt());
        }
        runs.push(Run {
            target,
            start,
            step,
            count,
        });
    }
    Ok(runs)
}

/// Records, the first time collected samples go into the log, the first slot the
/// live export covers (where a replay stops by default). Imports leave it alone.
pub(crate) fn mark_started(tx: &Transaction<'_>, first_ts: i64) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO export_cursor (sink, seq, run, ts, done, sent, failed, started_at)
         VALUES (?1, 0, 0, NULL, 0, 0, 0, ?2)
         ON CONFLICT (sink) DO UPDATE SET started_at = ?2 WHERE started_at IS NULL",
    )?
    .execute(params![SINK, first_ts])?;
    Ok(())
}

/// Where the exporter stands in the log: opaque outside this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxPosition {
    seq: i64,
    run: u64,
    ts: Option<i64>,
    done: u64,
}

/// Samples read from the outbox, in log order, and where they end.
#[derive(Debug, Clone)]
pub struct OutboxBatch {
    /// The samples, in the order they were committed; each target's in ts order.
    pub samples: Vec<Sample>,
    /// Samples the log names that are no longer stored (retention pruned them before
    /// they could be sent).
    pub missing: u64,
    /// The cursor once this batch is handled: pass it to [`Outbox::ack`].
    pub end: OutboxPosition,
}

impl OutboxBatch {
    /// Whether the batch holds nothing to send and moves the cursor nowhere.
    #[must_use]
    pub fn is_empty(&self, from: &OutboxPosition) -> bool {
        self.samples.is_empty() && self.missing == 0 && self.end == *from
    }
}

/// What the exporter has done and has left, as `/metrics` reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportStatus {
    /// Samples the receiver took, since export began on this database.
    pub sent: u64,
    /// Samples given up: refused by the receiver for good, or pruned before they could
    /// be sent.
    pub failed: u64,
    /// Samples stored and not yet sent.
    pub pending: u64,
    /// The first collected slot the live export covers.
    pub started_at: Option<i64>,
}

/// The exporter's connection: reads the log and the samples it names, writes only
/// its cursor. Opened beside the collector's [`crate::Store`]; its writes are one short
/// transaction per batch sent.
#[derive(Debug)]
pub struct Outbox {
    conn: Connection,
}

impl sealed::Conn for Outbox {
    fn conn(&self) -> &Connection {
        &self.conn
    }
}

impl crate::read::Reads for Outbox {}
impl crate::read::OpsReads for Outbox {}

impl Outbox {
    /// Opens the database at `path` (creating and migrating it if needed).
    ///
    /// # Errors
    ///
    /// As [`crate::Store::open`].
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Outbox> {
        Ok(Outbox {
            conn: schema::open_writer(path.as_ref())?,
        })
    }

    /// An outbox on a new in-memory database, for tests.
    ///
    /// # Errors
    ///
    /// As [`crate::Store::open_in_memory`].
    pub fn open_in_memory() -> Result<Outbox> {
        Ok(Outbox {
            conn: schema::open_writer_in_memory()?,
        })
    }

    /// The cursor as stored (the start of the log when there is none yet).
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails.
    pub fn position(&self) -> Result<OutboxPosition> {
        position(&self.conn)
    }

    /// Up to `max` samples after the cursor, in log order, read in one snapshot.
    ///
    /// # Errors
    ///
    /// [`Error::Corrupt`] when a log row does not decode or a sample holds a value
    /// this build does not write; [`Error::Sqlite`] when the database fails.
    pub fn next(&self, max: usize) -> Result<OutboxBatch> {
        let tx = self.conn.unchecked_transaction()?;
        let batch = read_batch(&tx, max.max(1));
        // Read only: ending the transaction releases the snapshot.
        tx.rollback()?;
        batch
    }

    /// Moves the cursor to `end` (from [`Outbox::next`]), adds `sent` and `failed`
    /// to the counters, and deletes the log rows before it, in one transaction.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails; nothing changes then, and the
    /// batch will be read again.
    pub fn ack(&mut self, end: &OutboxPosition, sent: u64, failed: u64, now: i64) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.prepare_cached(
            "INSERT INTO export_cursor (sink, seq, run, ts, done, sent, failed, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (sink) DO UPDATE SET seq = ?2, run = ?3, ts = ?4, done = ?5,
                sent = sent + ?6, failed = failed + ?7, updated_at = ?8",
        )?
        .execute(params![
            SINK,
            end.seq,
            to_i64(end.run),
            end.ts,
            to_i64(end.done),
            to_i64(sent),
            to_i64(failed),
            now
        ])?;
        tx.prepare_cached("DELETE FROM export_log WHERE seq < ?1")?
            .execute([end.seq])?;
        tx.commit()?;
        Ok(())
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn position(conn: &Connection) -> Result<OutboxPosition> {
    let found = conn
        .prepare_cached("SELECT seq, run, ts, done FROM export_cursor WHERE sink = ?1")?
        .query_row([SINK], |r| {
            Ok(OutboxPosition {
                seq: r.get(0)?,
                run: to_u64(r.get(1)?),
                ts: r.get(2)?,
                done: to_u64(r.get(3)?),
            })
        })
        .optional()?;
    Ok(found.unwrap_or(OutboxPosition {
        seq: 0,
        run: 0,
        ts: None,
        done: 0,
    }))
}

fn read_batch(conn: &Connection, max: usize) -> Result<OutboxBatch> {
    let mut pos = position(conn)?;
    let mut samples: Vec<Sample> = Vec::new();
    let mut missing = 0u64;
    let mut rows_stmt = conn
        .prepare_cached("SELECT seq, runs FROM export_log WHERE seq >= ?1 ORDER BY seq LIMIT ?2")?;
    let entries: Vec<(i64, Vec<u8>)> = rows_stmt
        .query_map(params![pos.seq, MAX_ROWS_PER_READ], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut read = conn.prepare_cached(
        "SELECT ts, outcome, available, logged_in, latency_ms FROM samples
         WHERE target_id = ?1 AND ts >= ?2 AND ts <= ?3 AND (ts - ?4) % ?5 = 0
         ORDER BY ts LIMIT ?6",
    )?;
    for (seq, blob) in entries {
        if seq != pos.seq {
            pos = OutboxPosition {
                seq,
                run: 0,
                ts: None,
                done: 0,
            };
        }
        let runs = decode(&blob)?;
        let first_run = usize::try_from(pos.run).unwrap_or(usize::MAX);
        for (i, run) in runs.iter().enumerate().skip(first_run) {
            let room = max - samples.len();
            if room == 0 {
                return Ok(OutboxBatch {
                    samples,
                    missing,
                    end: pos,
                });
            }
            let from = match pos.ts {
                Some(t) if i == first_run => t + 1,
                _ => run.start,
            };
            let k0 = run.first_slot_from(from);
            let mut got = 0u64;
            let mut last = None;
            let target = TargetId(run.target);
            let mut rows = read.query(params![
                run.target,
                from,
                run.end(),
                run.start,
                run.step,
                to_i64(room as u64)
            ])?;
            while let Some(row) = rows.next()? {
                let ts: i64 = row.get(0)?;
                let code: u8 = row.get(1)?;
                let outcome = Outcome::from_code(code)
                    .ok_or_else(|| Error::Corrupt(format!("samples: outcome code {code}")))?;
                samples.push(Sample {
                    target,
                    ts,
                    outcome,
                    available: row.get(2)?,
                    logged_in: row.get(3)?,
                    latency_ms: row.get(4)?,
                });
                got += 1;
                last = Some(ts);
            }
            let complete = got < room as u64 || last == Some(run.end());
            // Slots of the run this read covered: to its end, or to the last sample.
            let upto = if complete {
                run.count
            } else {
                run.first_slot_from(last.unwrap_or(run.start)) + 1
            };
            let slots = upto.saturating_sub(k0);
            missing += slots.saturating_sub(got);
            pos.done += slots;
            if complete {
                pos.run = i as u64 + 1;
                pos.ts = None;
            } else {
                pos.run = i as u64;
                pos.ts = last;
                return Ok(OutboxBatch {
                    samples,
                    missing,
                    end: pos,
                });
            }
        }
        pos = OutboxPosition {
            seq: seq + 1,
            run: 0,
            ts: None,
            done: 0,
        };
    }
    Ok(OutboxBatch {
        samples,
        missing,
        end: pos,
    })
}

/// The exporter's counters and what is left, or `None` when export never ran and
/// nothing was logged.
pub(crate) fn status(conn: &Connection) -> Result<Option<ExportStatus>> {
    let cursor = conn
        .prepare_cached(
            "SELECT seq, done, sent, failed, started_at FROM export_cursor WHERE sink = ?1",
        )?
        .query_row([SINK], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                to_u64(r.get(1)?),
                to_u64(r.get(2)?),
                to_u64(r.get(3)?),
                r.get::<_, Option<i64>>(4)?,
            ))
        })
        .optional()?;
    let (seq, done) = cursor.map_or((0, 0), |c| (c.0, c.1));
    let (rows, logged): (i64, i64) = conn
        .prepare_cached(
            "SELECT count(*), coalesce(sum(samples), 0) FROM export_log WHERE seq >= ?1",
        )?
        .query_row([seq], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let Some((_, _, sent, failed, started_at)) = cursor else {
        return Ok((rows > 0).then(|| ExportStatus {
            pending: to_u64(logged),
            ..ExportStatus::default()
        }));
    };
    Ok(Some(ExportStatus {
        sent,
        failed,
        pending: to_u64(logged).saturating_sub(done),
        started_at,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(points: &[(i64, i64)]) -> Vec<Run> {
        let mut l = RunLog::default();
        for &(t, ts) in points {
            l.push(TargetId(t), ts);
        }
        assert_eq!(l.len(), points.len() as u64);
        l.runs
    }

    #[test]
    fn runs_follow_arithmetic_steps_per_target() {
        let runs = log(&[(1, 100), (1, 115), (1, 130), (1, 160), (2, 160), (1, 175)]);
        assert_eq!(
            runs,
            [
                Run {
                    target: 1,
                    start: 100,
                    step: 15,
                    count: 3
                },
                Run {
                    target: 1,
                    start: 160,
                    step: 1,
                    count: 1
                },
                Run {
                    target: 2,
                    start: 160,
                    step: 1,
                    count: 1
                },
                Run {
                    target: 1,
                    start: 175,
                    step: 1,
                    count: 1
                },
            ]
        );
        // A ts before the run's start begins a new run (imports in any order).
        let runs = log(&[(1, 100), (1, 90)]);
        assert_eq!(runs.len(), 2);
    }

    #[test]
    fn runs_round_trip_through_their_encoding() {
        let runs = log(&[
            (3, 1_795_000_000),
            (3, 1_795_000_015),
            (1, -5),
            (9_000_000_000, i64::MAX - 1),
            (2, 0),
        ]);
        assert_eq!(decode(&encode(&runs)).unwrap(), runs);
        // A year of 15-second samples is one run of a few bytes.
        let year: Vec<(i64, i64)> = (0..2_102_400)
            .map(|k| (1, 1_700_000_000 + 15 * k))
            .collect();
        let blob = encode(&log(&year));
        assert!(blob.len() < 16, "{} bytes", blob.len());
        assert!(decode(&[0x80]).is_err());
        assert!(decode(&[2, 2, 0, 1]).is_err(), "a zero step is refused");
    }

    #[test]
    fn first_slot_from_rounds_up_to_the_next_slot() {
        let r = Run {
            target: 1,
            start: 100,
            step: 15,
            count: 4,
        };
        assert_eq!(r.first_slot_from(0), 0);
        assert_eq!(r.first_slot_from(100), 0);
        assert_eq!(r.first_slot_from(101), 1);
        assert_eq!(r.first_slot_from(115), 1);
        assert_eq!(r.first_slot_from(145), 3);
        assert_eq!(r.first_slot_from(146), 4);
        assert_eq!(r.first_slot_from(10_000), 4);
    }
}
