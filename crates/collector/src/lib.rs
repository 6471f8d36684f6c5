//! The collector of headcount: it polls every target of a checked
//! [`headcount_config::Config`] on its cron schedule, and writes each tick's samples to
//! the store, recording every failure as a gap with its kind. It also parses history
//! files for `headcount import` and polls once for `headcount check`.
//!
//! Layout:
//! - `collector`: [`Collector`], the long-running loop: ticks, concurrency, overruns,
//!   logging of outcome changes, runs, graceful stop.
//! - `writer`: the writer thread that owns the [`headcount_store::Store`]: buffered
//!   retries, retention, heartbeats.
//! - `poll`: the [`Poller`] seam over the upstream client, [`poll_once`] and the
//!   mapping of client errors to stored outcomes.
//! - `metrics`: [`Metrics`], counters and write status for `/metrics` and `/healthz`.
//! - `lock`: [`DbLock`], one collector per database file (locked by its identity,
//!   not its path), and the check that the configured path still names the file
//!   being written.
//! - `import`: CSV history files for [`headcount_store::Store::import`].
//! - `error`: [`Error`].

mod collector;
mod error;
mod import;
mod lock;
mod metrics;
mod poll;
mod writer;

pub use collector::{Collector, CollectorOptions, MAX_RATE_LIMIT_WAIT, RunSummary};
pub use error::{Error, Result};
pub use import::{CsvRows, EARLIEST_TS, History, MAX_SKEW_SECS, read_csv, read_history};
pub use lock::DbLock;
pub use metrics::{Metrics, MetricsSnapshot};
pub use poll::{PollResult, Poller, SearchFuture, outcome_of, poll_once};
