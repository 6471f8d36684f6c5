//! Reads, shared by the writer ([`crate::Store`]) and read-only [`Reader`]s.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use rusqlite::types::Type;
use rusqlite::{Connection, Row, params};
use serde::Serialize;

use crate::dist::Dist;
use crate::error::{Error, Result};
use crate::outcome::Outcome;
use crate::rollup::{GaugeSums, Rollup};
use crate::schema;
use crate::seq::SeqEntry;
use crate::types::{
    LATENCY_BUCKETS, LATENCY_BUCKETS_MS, LatencyHistogram, PollStat, Run, RunId, RunState, Sample,
    TargetId, TargetRow,
};

pub(crate) mod sealed {
    /// Gives the read methods their connection without making it part of the API.
    pub trait Conn {
        fn conn(&self) -> &rusqlite::Connection;
    }
}

/// A read-only connection to a database that a [`crate::Store`] created and migrated.
///
/// Reads run against a WAL snapshot, so they never block the writer, nor it them. Not
/// `Sync`: keep one per thread (e.g. one per blocking worker of the web server).
#[derive(Debug)]
pub struct Reader {
    conn: Connection,
    path: PathBuf,
}

impl Reader {
    /// Opens `path` read-only: no migrations, no writes (`query_only`).
    ///
    /// # Errors
    ///
    /// [`Error::Open`] naming the path when the file is missing or unreadable;
    /// [`Error::NotHeadcount`] when it is not a headcount database;
    /// [`Error::NotMigrated`] when a writer has not yet brought it to this build's
    /// schema; [`Error::SchemaTooNew`] when a newer headcount wrote it.
    pub fn open(path: impl AsRef<Path>) -> Result<Reader> {
        let path = path.as_ref();
        Ok(Reader {
            conn: schema::open_reader(path)?,
            path: path.to_owned(),
        })
    }

    /// The file this reader reads.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with all its reads in one read transaction, so that they see the
    /// database as it was at the first of them even while a collector commits: the
    /// sections of one report, or a chart's series and its report, agree. Called
    /// inside another snapshot, it simply runs `f` in the outer one.
    ///
    /// # Errors
    ///
    /// What `f` returns; [`Error::Sqlite`] when the transaction cannot begin or end.
    pub fn snapshot<T, E: From<Error>>(
        &self,
        f: impl FnOnce(&Reader) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        if !self.conn.is_autocommit() {
            return f(self);
        }
        self.conn
            .execute_batch("BEGIN DEFERRED")
            .map_err(Error::from)?;
        // Ends the transaction however `f` leaves, a panic included, so that a reader
        // kept for later requests never stays pinned to an old snapshot.
        struct End<'a>(&'a Connection);
        impl Drop for End<'_> {
            fn drop(&mut self) {
                if !self.0.is_autocommit() {
                    // Nothing was written: rolling back only releases the snapshot.
                    let _ = self.0.execute_batch("ROLLBACK");
                }
            }
        }
        let end = End(&self.conn);
        let out = f(self);
        drop(end);
        out
    }
}

impl sealed::Conn for Reader {
    fn conn(&self) -> &Connection {
        &self.conn
    }
}

impl Reads for Reader {}
impl OpsReads for Reader {}
impl BaselineReads for Reader {}

/// Sample count and means of one UTC day, computed from raw samples by
/// [`BaselineReads::baseline_daily_means`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DailyMeans {
    /// Start of the UTC day, unix seconds.
    pub day: i64,
    /// Ok samples that day.
    pub samples: u64,
    /// Mean available over them.
    pub available: f64,
    /// Mean logged in over them.
    pub logged_in: f64,
}

/// Sample count and means of one UTC hour of the day over many days, computed from
/// raw samples by [`Reads::baseline_hourly_means`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HourlyMeans {
    /// Hour of the UTC day, 0 to 23.
    pub hour: u32,
    /// Ok samples in that hour of any day.
    pub samples: u64,
    /// Mean available over them.
    pub available: f64,
    /// Mean logged in over them.
    pub logged_in: f64,
}

const SAMPLE_COLUMNS: &str = "ts, outcome, available, logged_in, latency_ms";
const ROLLUP_COLUMNS: &str = "bucket, ok, failed, avail_sum, avail_min, avail_max, avail_last, \
     logged_sum, logged_min, logged_max, logged_last, last_ts";
const RUN_COLUMNS: &str = "id, started_at, heartbeat_at, stopped_at, clean, pid, version";

/// The reads of history that analytics need, on a [`crate::Store`] or a [`Reader`]:
/// series, samples, rollups and their distributions, collector runs. Ranges are
/// half-open, `[from, to)`, UTC unix seconds. Bring the trait into scope to call them:
/// `use headcount_store::Reads;`. Counters and diagnostics are [`OpsReads`]; bench
/// baselines [`BaselineReads`].
pub trait Reads: sealed::Conn {
    /// Every series, by id.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails.
    fn targets(&self) -> Result<Vec<TargetRow>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT id, name, filters, created_at FROM targets ORDER BY id")?;
        let rows = stmt.query_map([], target_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The series of `name` with exactly these filters, if recorded.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails.
    fn target(&self, name: &str, filters_json: &str) -> Result<Option<TargetId>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT id FROM targets WHERE name = ?1 AND filters = ?2")?;
        let mut rows = stmt.query(params![name, filters_json])?;
        Ok(match rows.next()? {
            Some(row) => Some(TargetId(row.get(0)?)),
            None => None,
        })
    }

    /// Every series recorded under `name`, newest first: the first is the one the
    /// current filters write to once the collector has started with them.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails.
    fn series_of(&self, name: &str) -> Result<Vec<TargetRow>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, name, filters, created_at FROM targets WHERE name = ?1
             ORDER BY created_at DESC, id DESC",
        )?;
        let rows = stmt.query_map([name], target_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The raw samples of `target` in `[from, to)`, by ts.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails or holds a value this build does not
    /// write.
    fn samples(&self, target: TargetId, from: i64, to: i64) -> Result<Vec<Sample>> {
        let mut out = Vec::new();
        self.for_each_sample(target, from, to, |s| {
            out.push(s);
            ControlFlow::Continue(())
        })?;
        Ok(out)
    }

    /// Streams the raw samples of `target` in `[from, to)`, by ts, without holding them
    /// all in memory; `f` may stop early with `ControlFlow::Break`. Returns how many
    /// samples `f` saw.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails or holds a value this build does not
    /// write.
    fn for_each_sample(
        &self,
        target: TargetId,
        from: i64,
        to: i64,
        mut f: impl FnMut(Sample) -> ControlFlow<()>,
    ) -> Result<u64> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {SAMPLE_COLUMNS} FROM samples
             WHERE target_id = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts"
        ))?;
        let mut rows = stmt.query(params![target.0, from, to])?;
        let mut seen = 0;
        while let Some(row) = rows.next()? {
            seen += 1;
            if f(sample_row(target, row)?).is_break() {
                break;
            }
        }
        Ok(seen)
    }

    /// The newest sample of `target`, whatever its outcome.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails.
    fn latest(&self, target: TargetId) -> Result<Option<Sample>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {SAMPLE_COLUMNS} FROM samples WHERE target_id = ?1 ORDER BY ts DESC LIMIT 1"
        ))?;
        let mut rows = stmt.query([target.0])?;
        Ok(match rows.next()? {
            Some(row) => Some(sample_row(target, row)?),
            None => None,
        })
    }

    /// The newest ok sample of `target`.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails.
    fn latest_ok(&self, target: TargetId) -> Result<Option<Sample>> {
        let conn = self.conn();
        // A target failing for days would make a backwards scan of samples read every
        // failure; the newest rollup with an ok sample names its ts directly.
        let mut by_rollup = conn.prepare_cached(
            "SELECT last_ts FROM rollups WHERE target_id = ?1 AND ok > 0
             ORDER BY bucket DESC LIMIT 1",
        )?;
        let mut rows = by_rollup.query([target.0])?;
        let hint: Option<i64> = match rows.next()? {
            Some(row) => row.get(0)?,
            None => None,
        };
        let mut stmt;
        let mut rows = match hint {
            Some(ts) => {
                stmt = conn.prepare_cached(&format!(
                    "SELECT {SAMPLE_COLUMNS} FROM samples WHERE target_id = ?1 AND ts = ?2"
                ))?;
                stmt.query(params![target.0, ts])?
            }
            // No rollup (pruned before the samples, unusually): scan the samples.
            None => {
                stmt = conn.prepare_cached(&format!(
                    "SELECT {SAMPLE_COLUMNS} FROM samples WHERE target_id = ?1 AND outcome = 0
                     ORDER BY ts DESC LIMIT 1"
                ))?;
                stmt.query([target.0])?
            }
        };
        Ok(match rows.next()? {
            Some(row) => Some(sample_row(target, row)?),
            None => None,
        })
    }

    /// The ts of the oldest raw sample of `target` still stored.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails.
    fn oldest_sample_ts(&self, target: TargetId) -> Result<Option<i64>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT min(ts) FROM samples WHERE target_id = ?1")?;
        Ok(stmt.query_row([target.0], |r| r.get(0))?)
    }

    /// How many raw samples of `target` lie in `[from, to)`.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails.
    fn count_samples(&self, target: TargetId, from: i64, to: i64) -> Result<u64> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT count(*) FROM samples WHERE target_id = ?1 AND ts >= ?2 AND ts < ?3",
        )?;
        let n: i64 = stmt.query_row(params![target.0, from, to], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// How far retention pruned `target`'s raw samples: every stored raw sample
    /// before this ts has been deleted (its 15-minute rollups remain). `None` when
    /// none ever was.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails.
    fn raw_pruned_before(&self, target: TargetId) -> Result<Option<i64>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT pruned_before FROM raw_prune_marks WHERE target_id = ?1")?;
        let mut rows = stmt.query([target.0])?;
        Ok(match rows.next()? {
            Some(row) => Some(row.get(0)?),
            None => None,
        })
    }

    /// The rollups of `target` whose bucket start lies in `[from, to)`, by bucket.
    /// Buckets without any sample have no rollup.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails or holds a value this build does not
    /// write.
    fn rollups(&self, target: TargetId, from: i64, to: i64) -> Result<Vec<Rollup>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {ROLLUP_COLUMNS} FROM rollups
             WHERE target_id = ?1 AND bucket >= ?2 AND bucket < ?3 ORDER BY bucket"
        ))?;
        let rows = stmt.query_map(params![target.0, from, to], |r| rollup_row(r, 0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The rollups of `target` summed per span `[bounds[i], bounds[i + 1])`: one
    /// [`Rollup`] per span, in order, its `bucket` the span's start (a span without
    /// rows gives [`Rollup::empty`]). `bounds` ascend and are multiples of
    /// [`crate::BUCKET_SECS`]. The same numbers as merging [`Reads::rollups`] span by
    /// span, but SQLite sums them without handing over each row: for spans of many
    /// buckets (a local day holds 96) it takes about half the time.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails or a span's counts overflow `u32`.
    fn rollup_totals(&self, target: TargetId, bounds: &[i64]) -> Result<Vec<Rollup>> {
        let conn = self.conn();
        let mut sums = conn.prepare_cached(
            "SELECT sum(ok), sum(failed), sum(avail_sum), min(avail_min), max(avail_max),
                    sum(logged_sum), min(logged_min), max(logged_max)
             FROM rollups WHERE target_id = ?1 AND bucket >= ?2 AND bucket < ?3",
        )?;
        // The latest ok sample of a span is the last of its latest rollup with one.
        let mut last = conn.prepare_cached(
            "SELECT avail_last, logged_last, last_ts FROM rollups
             WHERE target_id = ?1 AND bucket >= ?2 AND bucket < ?3 AND ok > 0
             ORDER BY bucket DESC LIMIT 1",
        )?;
        let mut out = Vec::with_capacity(bounds.len().saturating_sub(1));
        for w in bounds.windows(2) {
            let mut r = Rollup::empty(w[0]);
            let range = params![target.0, w[0], w[1]];
            let ok = sums.query_row(range, |row| {
                r.ok = row.get::<_, Option<u32>>(0)?.unwrap_or(0);
                r.failed = row.get::<_, Option<u32>>(1)?.unwrap_or(0);
                if r.ok > 0 {
                    r.available = Some(GaugeSums {
                        sum: get_u64(row, 2)?,
                        min: row.get(3)?,
                        max: row.get(4)?,
                        last: 0,
                    });
                    r.logged_in = Some(GaugeSums {
                        sum: get_u64(row, 5)?,
                        min: row.get(6)?,
                        max: row.get(7)?,
                        last: 0,
                    });
                }
                Ok(r.ok)
            })?;
            if ok > 0 {
                last.query_row(range, |row| {
                    if let (Some(a), Some(l)) = (r.available.as_mut(), r.logged_in.as_mut()) {
                        a.last = row.get(0)?;
                        l.last = row.get(1)?;
                    }
                    r.last_ts = row.get(2)?;
                    Ok(())
                })?;
            }
            out.push(r);
        }
        Ok(out)
    }

    /// The distributions of `target`'s ok samples per bucket whose start lies in
    /// `[from, to)`, by bucket. Buckets without an ok sample are absent.
    ///
    /// # Errors
    ///
    /// [`Error::CorruptDist`] when a stored blob does not decode; [`Error::Sqlite`] when
    /// the database fails.
    fn dists(&self, target: TargetId, from: i64, to: i64) -> Result<Vec<(i64, Dist)>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT bucket, pairs FROM rollup_dists
             WHERE target_id = ?1 AND bucket >= ?2 AND bucket < ?3 ORDER BY bucket",
        )?;
        let mut rows = stmt.query(params![target.0, from, to])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let bucket: i64 = row.get(0)?;
            out.push((bucket, Dist::decode(blob_at(row, 1)?)?));
        }
        Ok(out)
    }

    /// Streams the distribution entries of `target` per bucket whose start lies in
    /// `[from, to)`, by bucket, without building a [`Dist`] per bucket: `f` gets
    /// `(bucket, available, logged_in, count)`. The fast path for folding a long range
    /// (a 90-day report reads ~8,640 buckets) into the caller's own totals.
    ///
    /// # Errors
    ///
    /// [`Error::CorruptDist`] when a stored blob does not decode (`f` may have seen
    /// part of the range); [`Error::Sqlite`] when the database fails.
    fn for_each_dist_entry(
        &self,
        target: TargetId,
        from: i64,
        to: i64,
        mut f: impl FnMut(i64, u32, u32, u64),
    ) -> Result<()> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT bucket, pairs FROM rollup_dists
             WHERE target_id = ?1 AND bucket >= ?2 AND bucket < ?3 ORDER BY bucket",
        )?;
        let mut rows = stmt.query(params![target.0, from, to])?;
        while let Some(row) = rows.next()? {
            let bucket: i64 = row.get(0)?;
            Dist::decode_each(blob_at(row, 1)?, |a, l, c| f(bucket, a, l, c))?;
        }
        Ok(())
    }

    /// Streams the samples of `target` with ts in `[from, to)`, in ts order, as the
    /// per-bucket sample sequences keep them (slot and counts, not why a poll
    /// failed): what episodes read, about twenty times faster than raw rows. The
    /// sequences hold exactly the raw rows, pruned with them.
    ///
    /// # Errors
    ///
    /// [`Error::Corrupt`] when a stored sequence does not decode (`f` may have seen
    /// part of the range); [`Error::Sqlite`] when the database fails.
    fn for_each_seq_entry(
        &self,
        target: TargetId,
        from: i64,
        to: i64,
        mut f: impl FnMut(SeqEntry),
    ) -> Result<()> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT bucket, seq FROM rollup_seqs
             WHERE target_id = ?1 AND bucket >= ?2 AND bucket < ?3 ORDER BY bucket",
        )?;
        let mut rows = stmt.query(params![target.0, crate::bucket_of(from), to])?;
        while let Some(row) = rows.next()? {
            let bucket: i64 = row.get(0)?;
            crate::seq::decode_each(bucket, blob_at(row, 1)?, |e| {
                if (from..to).contains(&e.ts) {
                    f(e);
                }
            })?;
        }
        Ok(())
    }

    /// Collector runs overlapping `[from, to)`, by start. A running run (no stop yet)
    /// overlaps everything after its start; judge its liveness by `heartbeat_at`.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails.
    fn runs(&self, from: i64, to: i64) -> Result<Vec<Run>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM collector_runs
             WHERE started_at < ?2 AND (stopped_at IS NULL OR stopped_at > ?1)
             ORDER BY started_at, id"
        ))?;
        let rows = stmt.query_map(params![from, to], run_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The most recently started collector run, if any: `/healthz` reads its heartbeat.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails.
    fn last_run(&self) -> Result<Option<Run>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM collector_runs ORDER BY started_at DESC, id DESC LIMIT 1"
        ))?;
        let mut rows = stmt.query([])?;
        Ok(match rows.next()? {
            Some(row) => Some(run_row(row)?),
            None => None,
        })
    }
}

/// Operational reads: the counters `/metrics` exports, the file's size, and
/// diagnostics that read the whole file. Bring the trait into scope to call them:
/// `use headcount_store::OpsReads;`.
pub trait OpsReads: sealed::Conn {
    /// Cumulative poll counts and latency sums for every target and outcome seen, by
    /// target then outcome.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails or holds an unknown outcome code.
    fn poll_stats(&self) -> Result<Vec<PollStat>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT target_id, outcome, polls, latency_sum_ms FROM poll_stats
             ORDER BY target_id, outcome",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(PollStat {
                target: TargetId(r.get(0)?),
                outcome: outcome_at(r, 1)?,
                polls: get_u64(r, 2)?,
                latency_sum_ms: get_u64(r, 3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The remote-write exporter's counters (sent, failed) and the samples it still has
    /// to send; `None` when export never ran on this database and nothing is waiting.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails.
    fn export_status(&self) -> Result<Option<crate::ExportStatus>> {
        crate::export::status(self.conn())
    }

    /// The poll latency histogram of every target with a measured poll, by target.
    ///
    /// # Errors
    ///
    /// [`Error::Corrupt`] for a bucket bound this build does not use; [`Error::Sqlite`]
    /// when the database fails.
    fn poll_latency(&self) -> Result<Vec<LatencyHistogram>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT target_id, le_ms, count FROM poll_latency ORDER BY target_id, le_ms",
        )?;
        let mut rows = stmt.query([])?;
        let mut out: Vec<LatencyHistogram> = Vec::new();
        while let Some(row) = rows.next()? {
            let target = TargetId(row.get(0)?);
            let le: i64 = row.get(1)?;
            let count = get_u64(row, 2)?;
            let idx = bucket_index(le)
                .ok_or_else(|| Error::Corrupt(format!("poll_latency: unknown bound {le} ms")))?;
            if out.last().is_none_or(|h| h.target != target) {
                out.push(LatencyHistogram {
                    target,
                    counts: [0; LATENCY_BUCKETS],
                });
            }
            if let Some(h) = out.last_mut() {
                h.counts[idx] = count;
            }
        }
        Ok(out)
    }

    /// Size of the database in bytes: page count × page size, which includes what is
    /// committed to the WAL but not yet checkpointed.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails.
    fn size_bytes(&self) -> Result<u64> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size",
        )?;
        Ok(stmt.query_row([], |r| get_u64(r, 0))?)
    }

    /// Bytes on disk per table and index (from the `dbstat` virtual table), largest
    /// first. Reads every page: meant for `headcount bench` and diagnostics, not for a
    /// hot path.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails.
    fn table_bytes(&self) -> Result<Vec<(String, u64)>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC, name",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, get_u64(r, 1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Runs `PRAGMA quick_check`: the checks of [`OpsReads::integrity_check`] but for
    /// index contents, several times faster. Returns the problems found, empty when the
    /// database is sound. Reads the whole file.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the check cannot run.
    fn quick_check(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare_cached("PRAGMA quick_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let problems: Vec<String> = rows.collect::<rusqlite::Result<_>>()?;
        Ok(problems.into_iter().filter(|p| p != "ok").collect())
    }

    /// Runs `PRAGMA integrity_check`; returns the problems found, empty when the
    /// database is sound. Reads the whole file.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the check cannot run.
    fn integrity_check(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare_cached("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let problems: Vec<String> = rows.collect::<rusqlite::Result<_>>()?;
        Ok(problems.into_iter().filter(|p| p != "ok").collect())
    }
}

/// Plain SQL `GROUP BY`s over raw samples: the baselines `headcount bench` measures
/// the rollup-based reports against. Nothing else should use them.
pub trait BaselineReads: sealed::Conn {
    /// Per-UTC-day sample counts and means of `target` in `[from, to)`, computed by a
    /// plain SQL `GROUP BY` over the raw samples. Reports use rollups instead; this is
    /// the baseline `headcount bench` measures them against.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails.
    fn baseline_daily_means(
        &self,
        target: TargetId,
        from: i64,
        to: i64,
    ) -> Result<Vec<DailyMeans>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT ts - (ts % 86400) AS day, count(*), avg(available), avg(logged_in)
             FROM samples WHERE target_id = ?1 AND ts >= ?2 AND ts < ?3 AND outcome = 0
             GROUP BY day ORDER BY day",
        )?;
        let rows = stmt.query_map(params![target.0, from, to], |r| {
            Ok(DailyMeans {
                day: r.get(0)?,
                samples: get_u64(r, 1)?,
                available: r.get(2)?,
                logged_in: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Per UTC hour of the day, the sample counts and means of `target` in
    /// `[from, to)`, computed by a plain SQL `GROUP BY` over the raw samples; hours
    /// without ok samples are left out. Reports use rollups instead; with
    /// [`BaselineReads::baseline_daily_means`] this is the baseline `headcount bench` measures
    /// a report against.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the database fails.
    fn baseline_hourly_means(
        &self,
        target: TargetId,
        from: i64,
        to: i64,
    ) -> Result<Vec<HourlyMeans>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT (ts % 86400) / 3600 AS hour, count(*), avg(available), avg(logged_in)
             FROM samples WHERE target_id = ?1 AND ts >= ?2 AND ts < ?3 AND outcome = 0
             GROUP BY hour ORDER BY hour",
        )?;
        let rows = stmt.query_map(params![target.0, from, to], |r| {
            Ok(HourlyMeans {
                hour: r.get(0)?,
                samples: get_u64(r, 1)?,
                available: r.get(2)?,
                logged_in: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn bucket_index(le: i64) -> Option<usize> {
    if le == i64::MAX {
        return Some(LATENCY_BUCKETS - 1);
    }
    LATENCY_BUCKETS_MS.iter().position(|&b| i64::from(b) == le)
}

/// The stored `le_ms` of latency bucket `idx`.
pub(crate) fn bucket_bound(idx: usize) -> i64 {
    LATENCY_BUCKETS_MS
        .get(idx)
        .map_or(i64::MAX, |&b| i64::from(b))
}

/// Reads a count stored as SQLite's i64 (rusqlite reads u64 only with a feature we
/// leave off, as it would also let u64 *writes* fail at run time).
fn get_u64(r: &Row<'_>, idx: usize) -> rusqlite::Result<u64> {
    let v: i64 = r.get(idx)?;
    u64::try_from(v)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Integer, Box::new(e)))
}

fn blob_at<'r>(r: &'r Row<'_>, idx: usize) -> rusqlite::Result<&'r [u8]> {
    r.get_ref(idx)?
        .as_blob()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Blob, Box::new(e)))
}

fn target_row(r: &Row<'_>) -> rusqlite::Result<TargetRow> {
    Ok(TargetRow {
        id: TargetId(r.get(0)?),
        name: r.get(1)?,
        filters: r.get(2)?,
        created_at: r.get(3)?,
    })
}

fn outcome_at(r: &Row<'_>, idx: usize) -> rusqlite::Result<Outcome> {
    let code: i64 = r.get(idx)?;
    u8::try_from(code)
        .ok()
        .and_then(Outcome::from_code)
        .ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                idx,
                Type::Integer,
                format!("unknown outcome code {code}").into(),
            )
        })
}

/// A sample from the columns of [`SAMPLE_COLUMNS`].
fn sample_row(target: TargetId, r: &Row<'_>) -> rusqlite::Result<Sample> {
    Ok(Sample {
        target,
        ts: r.get(0)?,
        outcome: outcome_at(r, 1)?,
        available: r.get(2)?,
        logged_in: r.get(3)?,
        latency_ms: r.get(4)?,
    })
}

/// A rollup from the columns of [`ROLLUP_COLUMNS`] starting at `at`.
pub(crate) fn rollup_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Rollup> {
    let ok: u32 = r.get(at + 1)?;
    let gauge = |first: usize| -> rusqlite::Result<Option<GaugeSums>> {
        if ok == 0 {
            return Ok(None);
        }
        Ok(Some(GaugeSums {
            sum: get_u64(r, first)?,
            min: r.get(first + 1)?,
            max: r.get(first + 2)?,
            last: r.get(first + 3)?,
        }))
    };
    Ok(Rollup {
        bucket: r.get(at)?,
        ok,
        failed: r.get(at + 2)?,
        available: gauge(at + 3)?,
        logged_in: gauge(at + 7)?,
        last_ts: r.get(at + 11)?,
    })
}

fn run_row(r: &Row<'_>) -> rusqlite::Result<Run> {
    let clean: Option<bool> = r.get(4)?;
    Ok(Run {
        id: RunId(r.get(0)?),
        started_at: r.get(1)?,
        heartbeat_at: r.get(2)?,
        stopped_at: r.get(3)?,
        state: match clean {
            None => RunState::Running,
            Some(true) => RunState::Clean,
            Some(false) => RunState::Unclean,
        },
        pid: r.get(5)?,
        version: r.get(6)?,
    })
}
