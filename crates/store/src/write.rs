//! The writer: samples with their rollups, imports, collector runs, retention.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::dist::Dist;
use crate::error::{Error, ImportError, Result};
use crate::export::{MAX_ROW_SAMPLES, RunLog, mark_started};
use crate::outcome::Outcome;
use crate::read::{Reads, bucket_bound, rollup_row, sealed};
use crate::rollup::{BUCKET_SECS, Rollup, bucket_of};
use crate::schema;
use crate::seq::{self, SeqEntry};
use crate::types::{
    ImportRow, ImportSummary, LATENCY_BUCKETS, NewSample, Run, RunId, RunStart, RunState, TargetId,
    WriteSummary, latency_bucket,
};

/// How often [`Store::import`] reports progress, in rows.
const PROGRESS_EVERY: u64 = 1 << 16;

/// How many buckets an import aggregates in memory before merging them into the
/// stored rollups. A sequential import fills one bucket at a time, so this only bounds
/// memory for sources in random order.
const IMPORT_PENDING_BUCKETS: usize = 4096;

/// The one writing connection to a headcount database.
///
/// SQLite allows one writer at a time; in WAL mode any number of [`crate::Reader`]s
/// read beside it without blocking it. All reads of [`Reads`] are available here too.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Whether inserted samples are also named in the export outbox.
    export_log: bool,
    /// Whether this store has recorded where the live export starts.
    export_started: bool,
}

impl sealed::Conn for Store {
    fn conn(&self) -> &Connection {
        &self.conn
    }
}

impl Reads for Store {}
impl crate::read::OpsReads for Store {}
impl crate::read::BaselineReads for Store {}

impl Store {
    /// Opens the database at `path`, creating the file if needed, and applies the
    /// migrations this build has that the file lacks.
    ///
    /// # Errors
    ///
    /// [`Error::Open`] when the file cannot be opened or set up;
    /// [`Error::NotHeadcount`] when it is some other SQLite database or not SQLite at
    /// all; [`Error::SchemaTooNew`] when a newer headcount wrote it;
    /// [`Error::Migration`] when a migration fails (nothing is changed then).
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref();
        Ok(Store {
            conn: schema::open_writer(path)?,
            path: path.to_owned(),
            export_log: false,
            export_started: false,
        })
    }

    /// A new, migrated database in memory, for tests and benchmarks.
    ///
    /// # Errors
    ///
    /// [`Error::Open`] or [`Error::Migration`] if SQLite fails.
    pub fn open_in_memory() -> Result<Store> {
        Ok(Store {
            conn: schema::open_writer_in_memory()?,
            path: PathBuf::from(":memory:"),
            export_log: false,
            export_started: false,
        })
    }

    /// Whether samples this store inserts from now on are also named in the export
    /// outbox (`export_log`), in the same transaction, for an exporter to send on (see
    /// [`crate::Outbox`]). Off by default: turn it on when export is configured. The
    /// first tick written with it on records where the live export begins.
    pub fn set_export_log(&mut self, on: bool) {
        self.export_log = on;
    }

    /// The file this store writes (`:memory:` for an in-memory store).
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The series for `name` with these filters: the existing one, or a new one created
    /// at `now`. A changed filter set is a new series; the old one is left as it was.
    ///
    /// `filters_json` must be a JSON object in one canonical form (the caller's:
    /// sorted keys, no spaces), as series are told apart by its exact text.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidFilters`] when `filters_json` is not a JSON object;
    /// [`Error::Sqlite`] when the database fails.
    pub fn ensure_target(&mut self, name: &str, filters_json: &str, now: i64) -> Result<TargetId> {
        match serde_json::from_str::<serde_json::Value>(filters_json) {
            Ok(serde_json::Value::Object(_)) => {}
            Ok(_) => {
                return Err(Error::InvalidFilters {
                    name: name.to_owned(),
                    reason: "not a JSON object".to_owned(),
                });
            }
            Err(e) => {
                return Err(Error::InvalidFilters {
                    name: name.to_owned(),
                    reason: e.to_string(),
                });
            }
        }
        if let Some(id) = self.target(name, filters_json)? {
            return Ok(id);
        }
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO targets (name, filters, created_at) VALUES (?1, ?2, ?3)",
        )?;
        Ok(TargetId(stmt.insert(params![name, filters_json, now])?))
    }

    /// Stores a batch of samples (typically one tick of the collector) in one
    /// transaction, with their rollups, distributions and poll counters.
    ///
    /// A sample whose (target, ts) is already stored is ignored entirely (counted as a
    /// duplicate), so retrying a batch never counts anything twice. Poll counters count
    /// every inserted sample under its outcome, skipped slots included; latencies add
    /// to the histogram only when measured.
    ///
    /// A sample older than what retention pruned of its target's raw samples, whose
    /// bucket already has a rollup, is refused and counted as `pruned_skipped`: its raw
    /// row may have been pruned, so whether the rollup already counts it cannot be
    /// known, and adding it could count it twice.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSample`] when a sample breaks its invariants and
    /// [`Error::UnknownTarget`] for a target id not in the database, both before
    /// anything is written; [`Error::Sqlite`] when the database fails, in which case
    /// nothing was written (see [`Error::is_retryable`]).
    pub fn write_batch(&mut self, samples: &[NewSample]) -> Result<WriteSummary> {
        for s in samples {
            s.validate()?;
        }
        if samples.is_empty() {
            // Not even the write lock is needed.
            return Ok(WriteSummary::default());
        }
        let mut log = self.export_log.then(RunLog::default);
        let tx = self.conn.transaction()?;
        let mut known: Vec<TargetId> = Vec::new();
        for s in samples {
            if !known.contains(&s.target) {
                check_target(&tx, s.target)?;
                known.push(s.target);
            }
        }

        let mut summary = WriteSummary::default();
        let mut pending = Pending::default();
        let mut guard = PruneGuard::default();
        let mut polls: HashMap<(i64, Outcome), (u64, u64)> = HashMap::new();
        let mut latency: HashMap<(i64, usize), u64> = HashMap::new();
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO samples
                 (target_id, ts, available, logged_in, latency_ms, outcome)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for s in samples {
                if guard.refuses(&tx, s.target, s.ts)? {
                    summary.pruned_skipped += 1;
                    continue;
                }
                let n = insert.execute(params![
                    s.target.0,
                    s.ts,
                    s.available,
                    s.logged_in,
                    s.latency_ms,
                    s.outcome.code()
                ])?;
                if n == 0 {
                    summary.duplicates += 1;
                    continue;
                }
                summary.inserted += 1;
                if let Some(log) = log.as_mut() {
                    log.push(s.target, s.ts);
                }
                match (s.available, s.logged_in) {
                    (Some(a), Some(l)) => pending.push_ok(s.target, s.ts, a, l),
                    _ => pending.push_failed(s.target, s.ts),
                }
                let p = polls.entry((s.target.0, s.outcome)).or_default();
                p.0 += 1;
                if let Some(ms) = s.latency_ms {
                    p.1 += u64::from(ms);
                    *latency.entry((s.target.0, latency_bucket(ms))).or_default() += 1;
                }
            }
        }
        pending.flush(&tx)?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO poll_stats (target_id, outcome, polls, latency_sum_ms)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (target_id, outcome) DO UPDATE SET
                    polls = polls + excluded.polls,
                    latency_sum_ms = latency_sum_ms + excluded.latency_sum_ms",
            )?;
            for ((target, outcome), (n, sum)) in polls {
                stmt.execute(params![target, outcome.code(), to_i64(n), to_i64(sum)])?;
            }
            let mut stmt = tx.prepare_cached(
                "INSERT INTO poll_latency (target_id, le_ms, count) VALUES (?1, ?2, ?3)
                 ON CONFLICT (target_id, le_ms) DO UPDATE SET count = count + excluded.count",
            )?;
            for ((target, idx), n) in latency {
                debug_assert!(idx < LATENCY_BUCKETS);
                stmt.execute(params![target, bucket_bound(idx), to_i64(n)])?;
            }
        }
        let mut started = false;
        if let Some(mut log) = log
            && log.len() > 0
        {
            log.flush(&tx)?;
            if !self.export_started {
                let first = samples.iter().map(|s| s.ts).min().unwrap_or_default();
                mark_started(&tx, first)?;
                started = true;
            }
        }
        tx.commit()?;
        self.export_started |= started;
        Ok(summary)
    }

    /// Imports historical ok samples of one target (e.g. from CSV) in ONE transaction:
    /// either every row is stored or none is.
    ///
    /// Rows whose ts is already stored for the target are skipped and counted as
    /// duplicates. Rows below the target's raw-prune cut-off whose bucket already has a
    /// rollup are skipped and counted as `pruned_skipped` (see [`Store::write_batch`]):
    /// re-importing a file after retention pruned its period changes nothing. Rollups and distributions are aggregated in memory and merged with
    /// the stored ones; poll counters are not touched (nothing was polled). `progress`
    /// is called with the number of rows read so far every 65,536 rows and once at the
    /// end. The rows may come in any order; in ts order is fastest.
    ///
    /// The write lock is held for the whole import, so a collector writing to the same
    /// file waits (and retries from its buffer past the busy timeout).
    ///
    /// # Errors
    ///
    /// Everything is rolled back on: [`ImportError::Source`], the first error the rows
    /// yield, passed through; [`ImportError::InvalidRow`] for a row with `available >
    /// logged_in`; [`ImportError::Store`] when the target is unknown or the database
    /// fails.
    pub fn import<E>(
        &mut self,
        target: TargetId,
        rows: impl IntoIterator<Item = std::result::Result<ImportRow, E>>,
        mut progress: impl FnMut(u64),
    ) -> std::result::Result<ImportSummary, ImportError<E>> {
        let mut log = self.export_log.then(RunLog::default);
        let tx = self.conn.transaction().map_err(Error::from)?;
        check_target(&tx, target)?;
        let mut summary = ImportSummary::default();
        let mut pending = Pending::default();
        let mut guard = PruneGuard::default();
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO samples (target_id, ts, available, logged_in, outcome)
                     VALUES (?1, ?2, ?3, ?4, 0)",
                )
                .map_err(Error::from)?;
            for row in rows {
                let index = summary.rows;
                let row = row.map_err(ImportError::Source)?;
                summary.rows += 1;
                if row.available > row.logged_in {
                    return Err(ImportError::InvalidRow {
                        index,
                        ts: row.ts,
                        reason: "available exceeds logged_in",
                    });
                }
                if guard.refuses(&tx, target, row.ts)? {
                    summary.pruned_skipped += 1;
                    if summary.rows % PROGRESS_EVERY == 0 {
                        progress(summary.rows);
                    }
                    continue;
                }
                let n = insert
                    .execute(params![target.0, row.ts, row.available, row.logged_in])
                    .map_err(Error::from)?;
                if n == 0 {
                    summary.duplicates += 1;
                } else {
                    summary.inserted += 1;
                    if let Some(log) = log.as_mut() {
                        log.push(target, row.ts);
                        if log.len() >= MAX_ROW_SAMPLES {
                            log.flush(&tx)?;
                        }
                    }
                    pending.push_ok(target, row.ts, row.available, row.logged_in);
                    if pending.len() > IMPORT_PENDING_BUCKETS {
                        pending.flush(&tx)?;
                    }
                }
                if summary.rows % PROGRESS_EVERY == 0 {
                    progress(summary.rows);
                }
            }
        }
        pending.flush(&tx)?;
        if let Some(log) = log.as_mut() {
            log.flush(&tx)?;
        }
        tx.commit().map_err(Error::from)?;
        progress(summary.rows);
        Ok(summary)
    }

    /// Records the start of a collector run at `now`. Earlier runs that never stopped
    /// (the process was killed or crashed) are marked unclean, stopped at their last
    /// heartbeat, and returned so the caller can log the downtime.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails.
    pub fn begin_run(&mut self, now: i64, pid: u32, version: &str) -> Result<RunStart> {
        let tx = self.conn.transaction()?;
        let mut unclean = Vec::new();
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE collector_runs SET stopped_at = heartbeat_at, clean = 0
                 WHERE stopped_at IS NULL
                 RETURNING id, started_at, heartbeat_at, stopped_at, pid, version",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(Run {
                    id: RunId(r.get(0)?),
                    started_at: r.get(1)?,
                    heartbeat_at: r.get(2)?,
                    stopped_at: r.get(3)?,
                    state: RunState::Unclean,
                    pid: r.get(4)?,
                    version: r.get(5)?,
                })
            })?;
            for run in rows {
                unclean.push(run?);
            }
        }
        // RETURNING gives rows in no promised order.
        unclean.sort_by_key(|r| (r.started_at, r.id));
        let id = tx
            .prepare_cached(
                "INSERT INTO collector_runs (started_at, heartbeat_at, pid, version)
                 VALUES (?1, ?1, ?2, ?3)",
            )?
            .insert(params![now, pid, version])?;
        tx.commit()?;
        Ok(RunStart {
            id: RunId(id),
            unclean,
        })
    }

    /// Records that run `id` is alive at `now`: if the process dies, its run is later
    /// taken to have stopped here.
    ///
    /// # Errors
    ///
    /// [`Error::RunNotActive`] when the run is unknown or already stopped (e.g. a later
    /// run marked it unclean); [`Error::Sqlite`] when the database fails.
    pub fn heartbeat(&mut self, id: RunId, now: i64) -> Result<()> {
        let n = self
            .conn
            .prepare_cached(
                "UPDATE collector_runs SET heartbeat_at = max(heartbeat_at, ?2)
                 WHERE id = ?1 AND stopped_at IS NULL",
            )?
            .execute(params![id.0, now])?;
        if n == 0 {
            return Err(Error::RunNotActive { id: id.0 });
        }
        Ok(())
    }

    /// Records that run `id` stopped cleanly at `now`.
    ///
    /// # Errors
    ///
    /// [`Error::RunNotActive`] when the run is unknown or already stopped;
    /// [`Error::Sqlite`] when the database fails.
    pub fn end_run(&mut self, id: RunId, now: i64) -> Result<()> {
        let n = self
            .conn
            .prepare_cached(
                "UPDATE collector_runs
                 SET heartbeat_at = max(heartbeat_at, ?2), stopped_at = max(heartbeat_at, ?2), clean = 1
                 WHERE id = ?1 AND stopped_at IS NULL",
            )?
            .execute(params![id.0, now])?;
        if n == 0 {
            return Err(Error::RunNotActive { id: id.0 });
        }
        Ok(())
    }

    /// Records that run `id` stopped uncleanly at `at`, the last slot it collected before
    /// its process stalled (a suspended machine), even if a heartbeat written after the
    /// stall says later: the time after `at` was not collected. The caller then begins a
    /// new run, so the stall reads as downtime between the two.
    ///
    /// # Errors
    ///
    /// [`Error::RunNotActive`] when the run is unknown or already stopped;
    /// [`Error::Sqlite`] when the database fails.
    pub fn end_run_stalled(&mut self, id: RunId, at: i64) -> Result<()> {
        let n = self
            .conn
            .prepare_cached(
                "UPDATE collector_runs
                 SET heartbeat_at = max(started_at, ?2),
                     stopped_at = max(started_at, ?2),
                     clean = 0
                 WHERE id = ?1 AND stopped_at IS NULL",
            )?
            .execute(params![id.0, at])?;
        if n == 0 {
            return Err(Error::RunNotActive { id: id.0 });
        }
        Ok(())
    }

    /// Deletes up to `max_rows` raw samples with `ts < before`, oldest first per target,
    /// in one short transaction; returns how many. Rollups are kept, and each target's
    /// raw-prune cut-off is advanced past the newest sample deleted, so that a later
    /// re-write of a pruned slot is refused instead of counted twice in its rollup (see
    /// [`Store::write_batch`]). Call it in a loop
    /// with pauses until it returns less than `max_rows`, so the collector's writes
    /// interleave; the freed pages are reused, never VACUUMed.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails; nothing is deleted then.
    pub fn prune_samples(&mut self, before: i64, max_rows: usize) -> Result<usize> {
        self.prune(
            before,
            max_rows,
            "SELECT ts FROM samples WHERE target_id = ?1 AND ts < ?2
             ORDER BY ts LIMIT 1 OFFSET ?3",
            &[
                "DELETE FROM samples WHERE target_id = ?1 AND ts < ?2",
                // Sequences of the buckets wholly before the cut; the one it splits is
                // rewritten from the rows left (see `prune`).
                "DELETE FROM rollup_seqs WHERE target_id = ?1 AND bucket <= ?2 - 900",
            ],
            true,
        )
    }

    /// Deletes up to `max_rows` rollups (with their distributions) whose bucket ends at
    /// or before `before` (`bucket + 900 <= before`: a bucket goes only when wholly
    /// older), oldest first per target; returns how many rollups. Like
    /// [`Store::prune_samples`], meant to be called in a loop.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails; nothing is deleted then.
    pub fn prune_rollups(&mut self, before: i64, max_rows: usize) -> Result<usize> {
        // "bucket + 900 <= before" over integers is "bucket < before - 899".
        let cut = before.saturating_sub(BUCKET_SECS - 1);
        self.prune(
            cut,
            max_rows,
            "SELECT bucket FROM rollups WHERE target_id = ?1 AND bucket < ?2
             ORDER BY bucket LIMIT 1 OFFSET ?3",
            &[
                "DELETE FROM rollups WHERE target_id = ?1 AND bucket < ?2",
                "DELETE FROM rollup_dists WHERE target_id = ?1 AND bucket < ?2",
                "DELETE FROM rollup_seqs WHERE target_id = ?1 AND bucket < ?2",
            ],
            false,
        )
    }

    /// Deletes, per target, the rows keyed below `before`, at most `max_rows` in all
    /// (counted by the first delete). `nth` finds the key of the row just past the
    /// allowance, so each delete is one range over the primary key: bundled SQLite has
    /// no DELETE … LIMIT, and a `ts < ?` scan of the whole table would read every
    /// target's rows. With `mark`, the first delete is of raw samples and the target's
    /// raw-prune cut-off is advanced to just past the newest one deleted.
    fn prune(
        &mut self,
        before: i64,
        max_rows: usize,
        nth: &str,
        deletes: &[&str],
        mark: bool,
    ) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let mut left = max_rows;
        let targets: Vec<i64> = {
            let mut stmt = tx.prepare_cached("SELECT id FROM targets ORDER BY id")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for target in targets {
            if left == 0 {
                break;
            }
            let past: Option<i64> = tx
                .prepare_cached(nth)?
                .query_row(params![target, before, to_i64(left as u64)], |r| r.get(0))
                .optional()?;
            let cut = past.unwrap_or(before);
            if mark {
                let newest: Option<i64> = tx
                    .prepare_cached("SELECT max(ts) FROM samples WHERE target_id = ?1 AND ts < ?2")?
                    .query_row(params![target, cut], |r| r.get(0))?;
                if let Some(newest) = newest {
                    tx.prepare_cached(
                        "INSERT INTO raw_prune_marks (target_id, pruned_before) VALUES (?1, ?2)
                         ON CONFLICT (target_id) DO UPDATE
                         SET pruned_before = max(pruned_before, excluded.pruned_before)",
                    )?
                    .execute(params![target, newest.saturating_add(1)])?;
                }
            }
            let mut deleted = None;
            for sql in deletes {
                let n = tx.prepare_cached(sql)?.execute(params![target, cut])?;
                deleted.get_or_insert(n);
            }
            if mark && deleted.is_some_and(|n| n > 0) && cut.rem_euclid(BUCKET_SECS) != 0 {
                rewrite_seq(&tx, TargetId(target), bucket_of(cut))?;
            }
            left -= deleted.unwrap_or(0).min(left);
        }
        tx.commit()?;
        Ok(max_rows - left)
    }

    /// Checkpoints the WAL into the database file and truncates it. SQLite checkpoints
    /// on its own as the WAL grows; this is for after a large import or before
    /// measuring the file. Returns false when readers kept it from completing.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails.
    pub fn checkpoint(&mut self) -> Result<bool> {
        let busy: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        Ok(busy == 0)
    }
}

/// Rewrites the sample sequence of one bucket from its raw rows (dropping it when it
/// has none): after a prune cut through the bucket.
fn rewrite_seq(conn: &Connection, target: TargetId, bucket: i64) -> Result<()> {
    let mut entries = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT ts, available, logged_in FROM samples
             WHERE target_id = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts",
        )?;
        let mut rows = stmt.query(params![target.0, bucket, bucket + BUCKET_SECS])?;
        while let Some(row) = rows.next()? {
            let counts = match (row.get::<_, Option<u32>>(1)?, row.get::<_, Option<u32>>(2)?) {
                (Some(a), Some(l)) => Some((a, l)),
                _ => None,
            };
            entries.push(SeqEntry {
                ts: row.get(0)?,
                counts,
            });
        }
    }
    if entries.is_empty() {
        conn.prepare_cached("DELETE FROM rollup_seqs WHERE target_id = ?1 AND bucket = ?2")?
            .execute(params![target.0, bucket])?;
    } else {
        conn.prepare_cached(
            "INSERT OR REPLACE INTO rollup_seqs (target_id, bucket, seq) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![target.0, bucket, seq::encode(bucket, &entries)])?;
    }
    Ok(())
}

fn check_target(conn: &Connection, target: TargetId) -> Result<()> {
    let found = conn
        .prepare_cached("SELECT 1 FROM targets WHERE id = ?1")?
        .query_row([target.0], |_| Ok(()))
        .optional()?;
    found.ok_or(Error::UnknownTarget { id: target.0 })
}

/// Counters are u64 in Rust and i64 in SQLite; they cannot reach 2^63 in practice.
fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Decides, within one write transaction, which samples fall where retention pruned
/// raw rows and so must be refused (see [`Store::write_batch`]).
///
/// A sample is refused when its ts is below its target's raw-prune cut-off, its raw
/// row is not stored (a stored one makes it an ordinary duplicate), and its bucket had
/// a rollup when the transaction began. The latter is remembered per bucket at the
/// first sample of the bucket seen, before this transaction adds to it, so that samples
/// inserted earlier in the same batch or import do not make their neighbours look
/// pruned.
#[derive(Default)]
struct PruneGuard {
    /// Each target's cut-off, `None` when its raw samples were never pruned.
    marks: HashMap<TargetId, Option<i64>>,
    /// Whether a bucket below a cut-off had a rollup before this transaction.
    rolled: HashMap<(TargetId, i64), bool>,
}

impl PruneGuard {
    fn refuses(&mut self, conn: &Connection, target: TargetId, ts: i64) -> Result<bool> {
        let mark = match self.marks.get(&target) {
            Some(mark) => *mark,
            None => {
                let mark = conn
                    .prepare_cached(
                        "SELECT pruned_before FROM raw_prune_marks WHERE target_id = ?1",
                    )?
                    .query_row([target.0], |r| r.get(0))
                    .optional()?;
                self.marks.insert(target, mark);
                mark
            }
        };
        let bucket = bucket_of(ts);
        let Some(mark) = mark else { return Ok(false) };
        if bucket >= mark {
            // The whole bucket is newer than anything pruned.
            return Ok(false);
        }
        let rolled = match self.rolled.get(&(target, bucket)) {
            Some(r) => *r,
            None => {
                let r = conn
                    .prepare_cached("SELECT 1 FROM rollups WHERE target_id = ?1 AND bucket = ?2")?
                    .query_row(params![target.0, bucket], |_| Ok(()))
                    .optional()?
                    .is_some();
                self.rolled.insert((target, bucket), r);
                r
            }
        };
        if !rolled || ts >= mark {
            return Ok(false);
        }
        let stored = conn
            .prepare_cached("SELECT 1 FROM samples WHERE target_id = ?1 AND ts = ?2")?
            .query_row(params![target.0, ts], |_| Ok(()))
            .optional()?
            .is_some();
        Ok(!stored)
    }
}

/// Rollups, distributions and sample sequences of newly inserted samples, not yet
/// merged into the stored ones.
#[derive(Default)]
struct Pending {
    buckets: BTreeMap<(TargetId, i64), PendingBucket>,
}

/// One bucket's share of [`Pending`].
struct PendingBucket {
    rollup: Rollup,
    dist: Dist,
    /// The new samples, in the order they came (sorted at the merge).
    seq: Vec<SeqEntry>,
}

impl Pending {
    fn entry(&mut self, target: TargetId, ts: i64) -> &mut PendingBucket {
        let bucket = bucket_of(ts);
        self.buckets
            .entry((target, bucket))
            .or_insert_with(|| PendingBucket {
                rollup: Rollup::empty(bucket),
                dist: Dist::new(),
                seq: Vec::new(),
            })
    }

    fn push_ok(&mut self, target: TargetId, ts: i64, available: u32, logged_in: u32) {
        let b = self.entry(target, ts);
        b.rollup.push_ok(ts, available, logged_in);
        b.dist.add(available, logged_in);
        b.seq.push(SeqEntry {
            ts,
            counts: Some((available, logged_in)),
        });
    }

    fn push_failed(&mut self, target: TargetId, ts: i64) {
        let b = self.entry(target, ts);
        b.rollup.failed += 1;
        b.seq.push(SeqEntry { ts, counts: None });
    }

    fn len(&self) -> usize {
        self.buckets.len()
    }

    /// Merges every pending bucket into its stored rollup, distribution and sample
    /// sequence (read, merge, write), then forgets them.
    fn flush(&mut self, conn: &Connection) -> Result<()> {
        let mut read_rollup = conn.prepare_cached(
            "SELECT bucket, ok, failed, avail_sum, avail_min, avail_max, avail_last,
                    logged_sum, logged_min, logged_max, logged_last, last_ts
             FROM rollups WHERE target_id = ?1 AND bucket = ?2",
        )?;
        let mut write_rollup = conn.prepare_cached(
            "INSERT OR REPLACE INTO rollups
             (target_id, bucket, ok, failed, avail_sum, avail_min, avail_max, avail_last,
              logged_sum, logged_min, logged_max, logged_last, last_ts)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?;
        let mut read_dist = conn.prepare_cached(
            "SELECT pairs FROM rollup_dists WHERE target_id = ?1 AND bucket = ?2",
        )?;
        let mut write_dist = conn.prepare_cached(
            "INSERT OR REPLACE INTO rollup_dists (target_id, bucket, pairs) VALUES (?1, ?2, ?3)",
        )?;
        let mut read_seq = conn
            .prepare_cached("SELECT seq FROM rollup_seqs WHERE target_id = ?1 AND bucket = ?2")?;
        let mut write_seq = conn.prepare_cached(
            "INSERT OR REPLACE INTO rollup_seqs (target_id, bucket, seq) VALUES (?1, ?2, ?3)",
        )?;
        let mut merged: Vec<SeqEntry> = Vec::new();
        for ((target, bucket), pending) in std::mem::take(&mut self.buckets) {
            let PendingBucket {
                mut rollup,
                mut dist,
                seq: mut fresh,
            } = pending;
            let stored = read_rollup
                .query_row(params![target.0, bucket], |r| rollup_row(r, 0))
                .optional()?;
            if let Some(stored) = &stored {
                // A stored bucket without ok samples has no distribution row.
                if stored.ok > 0 {
                    let blob: Option<Vec<u8>> = read_dist
                        .query_row(params![target.0, bucket], |r| r.get(0))
                        .optional()?;
                    if let Some(blob) = blob {
                        dist.merge(&Dist::decode(&blob)?);
                    }
                }
                rollup.merge(stored);
            }
            // The stored sequence holds the bucket's earlier samples; the new ones are
            // distinct from them (duplicates were never inserted).
            merged.clear();
            if stored.is_some() {
                let blob: Option<Vec<u8>> = read_seq
                    .query_row(params![target.0, bucket], |r| r.get(0))
                    .optional()?;
                if let Some(blob) = blob {
                    seq::decode_each(bucket, &blob, |e| merged.push(e))?;
                }
            }
            let in_order = merged
                .last()
                .is_none_or(|last| fresh.first().is_none_or(|f| f.ts > last.ts))
                && fresh.is_sorted();
            merged.append(&mut fresh);
            if !in_order {
                merged.sort_unstable();
            }
            write_seq.execute(params![target.0, bucket, seq::encode(bucket, &merged)])?;
            let a = rollup.available;
            let l = rollup.logged_in;
            write_rollup.execute(params![
                target.0,
                bucket,
                rollup.ok,
                rollup.failed,
                a.map(|g| to_i64(g.sum)),
                a.map(|g| g.min),
                a.map(|g| g.max),
                a.map(|g| g.last),
                l.map(|g| to_i64(g.sum)),
                l.map(|g| g.min),
                l.map(|g| g.max),
                l.map(|g| g.last),
                rollup.last_ts,
            ])?;
            if !dist.is_empty() {
                write_dist.execute(params![target.0, bucket, dist.encode()])?;
            }
        }
        Ok(())
    }
}
