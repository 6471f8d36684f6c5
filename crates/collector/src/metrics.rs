//! Counters of a running collector, for logs, `RunSummary` and `/metrics`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// Live counters of one collector, and what is wrong with its writes. Shared (`Arc`)
/// between the collector, its writer thread and whoever exposes them (the web server's
/// `/metrics` and `/healthz`). All counts start at zero when the collector starts.
#[derive(Debug, Default)]
pub struct Metrics {
    /// The error of the latest write attempt while writes fail.
    write_error: Mutex<Option<String>>,
    /// Why collection stopped for good.
    halted: Mutex<Option<String>>,
    ticks: AtomicU64,
    last_tick_ms: AtomicU64,
    last_slot: AtomicU64,
    polls: AtomicU64,
    skipped: AtomicU64,
    written: AtomicU64,
    duplicates: AtomicU64,
    buffered: AtomicU64,
    dropped: AtomicU64,
    write_errors: AtomicU64,
    pruned_samples: AtomicU64,
    pruned_rollups: AtomicU64,
    rate_limit_pauses: AtomicU64,
}

/// A copy of [`Metrics`] at one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// Ticks completed (every target of the tick polled or skipped).
    pub ticks: u64,
    /// How long the last completed tick took, from its slot's firing to its last poll,
    /// in milliseconds.
    pub last_tick_ms: u64,
    /// The slot of the last completed tick, UTC unix seconds (0 before the first).
    pub last_slot: i64,
    /// Polls sent upstream.
    pub polls: u64,
    /// Samples recorded as skipped (the target's previous poll was still in flight, or
    /// the scheduler fired too late for the slot).
    pub skipped: u64,
    /// Samples committed to the database.
    pub written: u64,
    /// Samples the database already had (a retried batch); not written again.
    pub duplicates: u64,
    /// Samples waiting in the writer's buffer for a retry.
    pub buffered: u64,
    /// Samples lost: pushed out of the full buffer, or refused by the database.
    pub dropped: u64,
    /// Failed write attempts.
    pub write_errors: u64,
    /// Raw samples deleted by retention.
    pub pruned_samples: u64,
    /// Rollups deleted by retention.
    pub pruned_rollups: u64,
    /// Pauses begun (or lengthened) because the upstream answered HTTP 429.
    pub rate_limit_pauses: u64,
}

impl Metrics {
    /// The counters now.
    #[must_use]
    pub fn snapshot(&self) -> MetricsSnapshot {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        MetricsSnapshot {
            ticks: get(&self.ticks),
            last_tick_ms: get(&self.last_tick_ms),
            last_slot: i64::try_from(get(&self.last_slot)).unwrap_or(0),
            polls: get(&self.polls),
            skipped: get(&self.skipped),
            written: get(&self.written),
            duplicates: get(&self.duplicates),
            buffered: get(&self.buffered),
            dropped: get(&self.dropped),
            write_errors: get(&self.write_errors),
            pruned_samples: get(&self.pruned_samples),
            pruned_rollups: get(&self.pruned_rollups),
            rate_limit_pauses: get(&self.rate_limit_pauses),
        }
    }

    pub(crate) fn tick_done(&self, slot: i64, millis: u64) {
        self.ticks.fetch_add(1, Ordering::Relaxed);
        self.last_tick_ms.store(millis, Ordering::Relaxed);
        self.last_slot
            .fetch_max(u64::try_from(slot).unwrap_or(0), Ordering::Relaxed);
    }

    pub(crate) fn add_polls(&self, n: u64) {
        self.polls.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn rate_limited(&self) {
        self.rate_limit_pauses.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add_skipped(&self, n: u64) {
        self.skipped.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn add_written(&self, inserted: u64, duplicates: u64) {
        self.written.fetch_add(inserted, Ordering::Relaxed);
        self.duplicates.fetch_add(duplicates, Ordering::Relaxed);
    }

    pub(crate) fn set_buffered(&self, n: u64) {
        self.buffered.store(n, Ordering::Relaxed);
    }

    pub(crate) fn add_dropped(&self, n: u64) {
        self.dropped.fetch_add(n, Ordering::Relaxed);
    }

    /// The error of the latest write attempt while writes are failing (the samples
    /// stay buffered for a retry); `None` once a write succeeds again.
    #[must_use]
    pub fn write_error(&self) -> Option<String> {
        lock(&self.write_error).clone()
    }

    /// Why the collector stopped collecting for good while the process runs on (its
    /// database file was deleted or replaced); `None` while it collects.
    #[must_use]
    pub fn halted(&self) -> Option<String> {
        lock(&self.halted).clone()
    }

    /// Counts a failed write attempt and keeps its error for [`Metrics::write_error`].
    pub(crate) fn add_write_error(&self, error: String) {
        self.write_errors.fetch_add(1, Ordering::Relaxed);
        *lock(&self.write_error) = Some(error);
    }

    /// A write succeeded: writes no longer fail.
    pub(crate) fn write_ok(&self) {
        *lock(&self.write_error) = None;
    }

    pub(crate) fn set_halted(&self, why: String) {
        *lock(&self.halted) = Some(why);
    }

    pub(crate) fn add_pruned(&self, samples: u64, rollups: u64) {
        self.pruned_samples.fetch_add(samples, Ordering::Relaxed);
        self.pruned_rollups.fetch_add(rollups, Ordering::Relaxed);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Nothing panics while holding these; a poisoned value is still whole.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
