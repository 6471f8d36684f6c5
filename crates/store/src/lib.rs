//! SQLite storage of headcount: the history of each target's agent counts.
//!
//! A [`Store`] is the one writer: it migrates the database on open, stores the
//! collector's samples together with their 15-minute [`Rollup`]s, exact per-bucket
//! distributions ([`Dist`]), per-bucket sample sequences ([`SeqEntry`]) and Prometheus
//! poll counters in one transaction, imports
//! history, records collector runs and prunes old rows in small batches. [`Reader`]s
//! open the same file read-only beside it (WAL: neither blocks the other). Both offer
//! every read through the [`Reads`] trait ([`OpsReads`] for counters and diagnostics). Everything is synchronous rusqlite: callers
//! run it off their async workers and pass the time in (`now`), the store has no clock.
//!
//! Layout:
//! - [`schema`]: embedded migrations (`migrations/*.sql`), connection
//!   pragmas, telling a headcount database from other files.
//! - `write`: [`Store`] — samples with rollups, import, runs, retention.
//! - `read`: the [`Reads`] trait and [`Reader`].
//! - `rollup`: [`Rollup`], [`GaugeSums`], [`bucket_of`] — aggregation and merging.
//! - `dist`: [`Dist`] — the (available, logged_in) multiset and its compact encoding.
//! - `seq`: [`SeqEntry`] — each bucket's samples in slot order, compactly, for episodes.
//! - `export`: [`Outbox`] — the export outbox: which stored samples a remote-write
//!   exporter still has to send, and its cursor.
//! - `alerts`: [`AlertStore`] and [`AlertReads`] — staffing alert state, episodes and
//!   the notification outbox.
//! - `types`: rows and arguments ([`Sample`], [`TargetRow`], [`Run`], …).
//! - `outcome`: [`Outcome`] — how a poll ended, with its stored code.
//! - `error`: [`Error`] and [`ImportError`].

mod alerts;
mod dist;
mod error;
mod export;
mod outcome;
mod read;
mod rollup;
pub mod schema;
mod seq;
mod types;
mod write;

pub use alerts::{
    AlertReads, AlertStateRow, AlertStore, AlertUpdate, ChannelCounts, EpisodeEvent, EpisodeRow,
    QueuedNotification,
};
pub use dist::Dist;
pub use error::{Error, ImportError, Result, sqlite_text};
pub use export::{ExportStatus, Outbox, OutboxBatch, OutboxPosition};
pub use outcome::Outcome;
pub use read::{BaselineReads, DailyMeans, HourlyMeans, OpsReads, Reader, Reads};
pub use rollup::{BUCKET_SECS, GaugeSums, Rollup, bucket_of};
pub use seq::SeqEntry;
pub use types::{
    ImportRow, ImportSummary, LATENCY_BUCKETS, LATENCY_BUCKETS_MS, LatencyHistogram, NewSample,
    PollStat, Run, RunId, RunStart, RunState, Sample, TargetId, TargetRow, WriteSummary,
    latency_bucket,
};
pub use write::Store;

/// A running collector records a heartbeat at least this often (seconds), whatever its
/// schedule, so that readers can tell a live collector from one that died.
pub const HEARTBEAT_EVERY_SECS: i64 = 30;

/// A run still marked running whose last heartbeat is older than this (seconds) before
/// the reader's `now` is taken to have stopped at that heartbeat: its collector died
/// and nothing has restarted it yet.
pub const RUN_STALE_AFTER_SECS: i64 = 4 * HEARTBEAT_EVERY_SECS;
