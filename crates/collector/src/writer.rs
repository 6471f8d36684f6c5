//! The writer thread: the one owner of the [`Store`] while the collector runs.
//!
//! SQLite calls block, so they run here rather than on the async workers. Each tick
//! arrives as one batch and is committed in one transaction. A batch that fails with a
//! retryable error (busy, locked, disk full, I/O) stays in a bounded buffer and is
//! retried with capped, jittered backoff; past the bound the oldest samples are dropped,
//! counted and logged. Between messages the thread prunes old rows in small batches,
//! and records the run's heartbeat at least every [`headcount_store::HEARTBEAT_EVERY_SECS`]
//! whatever the schedule, so readers can tell a live collector from a dead one.
//!
//! Before each write, heartbeat and prune it checks that the configured path still
//! names the database file it opened ([`DbFile`]). If not (deleted, or replaced by
//! another file), it halts: it writes nothing more, counts what it held as dropped,
//! records why in [`Metrics::halted`] and wakes the collector, which stops with
//! [`Error::DatabaseReplaced`].

use std::collections::VecDeque;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use headcount_store::{HEARTBEAT_EVERY_SECS, NewSample, RunId, Store};
use tokio::sync::Notify;

use crate::error::{Error, Result};
use crate::lock::DbFile;
use crate::metrics::Metrics;
use headcount_config::Retention;

/// How the writer buffers, retries and prunes.
#[derive(Debug, Clone)]
pub(crate) struct WriterOptions {
    /// Most samples kept for retry; past it the oldest are dropped.
    pub buffer_limit: usize,
    /// How often retention runs.
    pub prune_every: Duration,
    /// Most rows one prune transaction deletes.
    pub prune_batch: usize,
    /// Raw samples older than this are pruned.
    pub raw_retention: Retention,
    /// Rollups older than this are pruned.
    pub rollup_retention: Retention,
    /// How long a stop keeps retrying buffered samples before giving them up.
    pub stop_flush_limit: Duration,
    /// First retry delay; doubles up to `retry_cap`.
    pub retry_base: Duration,
    /// Longest retry delay.
    pub retry_cap: Duration,
    /// The wall clock, UTC unix seconds (retention cut-offs, heartbeats, run end).
    pub clock: fn() -> i64,
    /// How often the run's heartbeat is recorded when no tick has recorded one.
    pub heartbeat_every: Duration,
    /// The database file the store opened, checked before every write; `None` checks
    /// nothing (an in-memory store).
    pub file: Option<DbFile>,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            buffer_limit: 100_000,
            prune_every: Duration::from_secs(60),
            prune_batch: 5_000,
            raw_retention: Retention::Forever,
            rollup_retention: Retention::Forever,
            stop_flush_limit: Duration::from_secs(15),
            retry_base: Duration::from_millis(200),
            retry_cap: Duration::from_secs(10),
            clock: system_now,
            heartbeat_every: Duration::from_secs(HEARTBEAT_EVERY_SECS.unsigned_abs()),
            file: None,
        }
    }
}

/// The system clock as UTC unix seconds.
pub(crate) fn system_now() -> i64 {
    chrono::Utc::now().timestamp()
}

enum Msg {
    /// One tick's samples; `now` is when the tick ran (for the heartbeat).
    Batch { samples: Vec<NewSample>, now: i64 },
    /// End the current run at `ended_at` (the last slot collected before the process
    /// stalled) and begin a new one at `started_at`, after writing what is buffered.
    NewRun { ended_at: i64, started_at: i64 },
    /// Write what is buffered, end the run, and stop.
    Stop,
}

/// What the writer thread did by the time it stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct WriterReport {
    /// Samples still unwritten at the stop (given up, counted as dropped).
    pub unwritten: u64,
    /// Whether the run was recorded as cleanly stopped.
    pub run_ended: bool,
    /// The run stopped: the one the writer started with, or the last one begun after a
    /// stall.
    pub run: Option<RunId>,
    /// Whether the writer halted because its database file was deleted or replaced.
    pub halted: bool,
}

/// A handle for ticks to send their batches to the writer thread.
#[derive(Clone)]
pub(crate) struct WriterSender(mpsc::Sender<Msg>);

impl WriterSender {
    /// Hands one tick's samples to the thread. Never blocks.
    ///
    /// # Errors
    ///
    /// [`Error::Writer`] when the thread has died (it panicked) or stopped.
    pub(crate) fn send(&self, samples: Vec<NewSample>, now: i64) -> Result<()> {
        self.0
            .send(Msg::Batch { samples, now })
            .map_err(|_| Error::Writer("stopped unexpectedly".to_owned()))
    }

    /// Asks the thread to end the run at `ended_at` and begin another at `started_at`
    /// (see [`Msg::NewRun`]). Never blocks; batches sent later belong to the new run.
    ///
    /// # Errors
    ///
    /// [`Error::Writer`] when the thread has died (it panicked) or stopped.
    pub(crate) fn new_run(&self, ended_at: i64, started_at: i64) -> Result<()> {
        self.0
            .send(Msg::NewRun {
                ended_at,
                started_at,
            })
            .map_err(|_| Error::Writer("stopped unexpectedly".to_owned()))
    }
}

/// The collector's end of the writer thread.
pub(crate) struct Writer {
    tx: mpsc::Sender<Msg>,
    thread: JoinHandle<WriterReport>,
    failed: Arc<Notify>,
}

impl Writer {
    /// Starts the thread that owns `store` and writes for run `run`.
    pub(crate) fn spawn(
        store: Store,
        run: Option<RunId>,
        metrics: Arc<Metrics>,
        options: WriterOptions,
    ) -> Result<Writer> {
        let (tx, rx) = mpsc::channel();
        let failed = Arc::new(Notify::new());
        let on_halt = Arc::clone(&failed);
        let thread = std::thread::Builder::new()
            .name("headcount-writer".to_owned())
            .spawn(move || WriterLoop::new(store, run, metrics, options, on_halt).run(&rx))
            .map_err(|e| Error::Writer(format!("cannot start: {e}")))?;
        Ok(Writer { tx, thread, failed })
    }

    /// A sender for ticks.
    pub(crate) fn sender(&self) -> WriterSender {
        WriterSender(self.tx.clone())
    }

    /// Notified when the thread halts (its database file is gone); the collector also
    /// notifies it when it finds the thread dead.
    pub(crate) fn failed(&self) -> Arc<Notify> {
        Arc::clone(&self.failed)
    }

    /// Asks the thread to flush, end the run and stop, and waits for it. Blocks: call
    /// it from a blocking context.
    ///
    /// # Errors
    ///
    /// [`Error::Writer`] when the thread panicked.
    pub(crate) fn stop(self) -> Result<WriterReport> {
        let _ = self.tx.send(Msg::Stop);
        self.thread
            .join()
            .map_err(|_| Error::Writer("panicked".to_owned()))
    }
}

struct WriterLoop {
    store: Store,
    run: Option<RunId>,
    metrics: Arc<Metrics>,
    options: WriterOptions,
    /// Batches not yet committed, oldest first, with their tick time.
    buffer: VecDeque<(Vec<NewSample>, i64)>,
    buffered: usize,
    /// When the next write attempt may run (backoff after a failure).
    retry_at: Instant,
    /// Failures in a row, for backoff and for logging the first and the recovery.
    failures: u32,
    /// When the next prune batch runs.
    prune_at: Instant,
    /// Which table retention is working on in the current round.
    pruning: Option<PruneStage>,
    /// The latest heartbeat recorded (UTC unix seconds).
    last_heartbeat: i64,
    /// When the next heartbeat is due if no tick records one first.
    heartbeat_at: Instant,
    /// Set once the database file is found deleted or replaced: nothing is written
    /// after that.
    halted: bool,
    /// Notified when the writer halts.
    on_halt: Arc<Notify>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PruneStage {
    Samples,
    Rollups,
}

impl WriterLoop {
    fn new(
        store: Store,
        run: Option<RunId>,
        metrics: Arc<Metrics>,
        options: WriterOptions,
        on_halt: Arc<Notify>,
    ) -> Self {
        let now = Instant::now();
        WriterLoop {
            store,
            run,
            metrics,
            buffer: VecDeque::new(),
            buffered: 0,
            retry_at: now,
            failures: 0,
            // The first round soon after start, so a long-stopped collector catches up.
            prune_at: now + options.prune_every.min(Duration::from_secs(5)),
            pruning: None,
            last_heartbeat: 0,
            heartbeat_at: now + options.heartbeat_every,
            halted: false,
            on_halt,
            options,
        }
    }

    fn run(mut self, rx: &mpsc::Receiver<Msg>) -> WriterReport {
        loop {
            let wait = self
                .next_wake()
                .map(|at| at.saturating_duration_since(Instant::now()));
            let msg = match wait {
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(d) => rx.recv_timeout(d),
            };
            match msg {
                Ok(Msg::Batch { samples, now }) => self.push(samples, now),
                Ok(Msg::NewRun {
                    ended_at,
                    started_at,
                }) => self.new_run(ended_at, started_at),
                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {}
            }
            if !self.buffer.is_empty() && Instant::now() >= self.retry_at {
                self.write_buffered();
            }
            if Instant::now() >= self.heartbeat_at {
                self.heartbeat_at = Instant::now() + self.options.heartbeat_every;
                // Only once everything received is committed: a heartbeat says that
                // nothing before it is lost if the process dies now.
                if self.buffer.is_empty() && self.file_is_ours() {
                    self.heartbeat((self.options.clock)());
                }
            }
            if self.buffer.is_empty() && Instant::now() >= self.prune_at && self.file_is_ours() {
                self.prune_step();
            }
        }
        self.finish()
    }

    /// When the loop must wake without a message: a due retry, prune batch or
    /// heartbeat; none once halted.
    fn next_wake(&self) -> Option<Instant> {
        if self.halted {
            return None;
        }
        let mut at = self.prune_at;
        if self.run.is_some() {
            at = at.min(self.heartbeat_at);
        }
        if !self.buffer.is_empty() {
            at = at.min(self.retry_at);
        }
        Some(at)
    }

    /// Whether the configured path still names the database file the store opened.
    /// The first time it does not, halts the writer (see the module doc).
    fn file_is_ours(&mut self) -> bool {
        if self.halted {
            return false;
        }
        let Some(file) = self.options.file.as_mut() else {
            return true;
        };
        let Err(gone) = file.check() else {
            return true;
        };
        let error = Error::DatabaseReplaced {
            path: file.path().to_owned(),
        };
        let dropped = self.buffered;
        tracing::error!(how = gone.as_str(), dropped, "{error}");
        self.metrics.set_halted(error.to_string());
        self.metrics.add_dropped(dropped as u64);
        self.metrics.set_buffered(0);
        self.buffer.clear();
        self.buffered = 0;
        self.halted = true;
        self.on_halt.notify_one();
        false
    }

    /// Buffers a tick's samples, dropping the oldest past the bound; once halted,
    /// counts them as dropped.
    fn push(&mut self, samples: Vec<NewSample>, now: i64) {
        if self.halted {
            self.metrics.add_dropped(samples.len() as u64);
            return;
        }
        self.buffered += samples.len();
        self.buffer.push_back((samples, now));
        let mut dropped = 0usize;
        let mut oldest = None;
        while self.buffered > self.options.buffer_limit {
            let Some((front, _)) = self.buffer.front_mut() else {
                break;
            };
            let excess = self.buffered - self.options.buffer_limit;
            let n = excess.min(front.len());
            oldest.get_or_insert_with(|| front.first().map(|s| s.ts));
            front.drain(..n);
            dropped += n;
            self.buffered -= n;
            if front.is_empty() {
                self.buffer.pop_front();
            }
        }
        if dropped > 0 {
            self.metrics.add_dropped(dropped as u64);
            tracing::error!(
                dropped,
                buffered = self.buffered,
                limit = self.options.buffer_limit,
                oldest_slot = oldest.flatten(),
                "write buffer full: dropped the oldest samples (the database has not accepted writes for a while)"
            );
        }
        self.metrics.set_buffered(self.buffered as u64);
    }

    /// Writes buffered batches in order until one fails or none is left.
    fn write_buffered(&mut self) {
        if !self.file_is_ours() {
            return;
        }
        while let Some((samples, now)) = self.buffer.front() {
            let now = *now;
            match self.store.write_batch(samples) {
                Ok(summary) => {
                    self.metrics
                        .add_written(summary.inserted, summary.duplicates);
                    self.metrics.write_ok();
                    if summary.pruned_skipped > 0 {
                        // Only if the clock went back past the raw retention.
                        tracing::warn!(
                            refused = summary.pruned_skipped,
                            "samples older than what retention already pruned were not stored: their rollups may count them already"
                        );
                    }
                    let n = samples.len();
                    self.buffer.pop_front();
                    self.buffered -= n;
                    if self.failures > 0 {
                        tracing::info!(
                            attempts = self.failures + 1,
                            "database writable again; writing the buffered samples"
                        );
                        self.failures = 0;
                    }
                    self.heartbeat(now);
                }
                Err(e) if e.is_retryable() => {
                    self.metrics.add_write_error(e.to_string());
                    self.failures += 1;
                    let delay = self.backoff();
                    if self.failures == 1 {
                        tracing::warn!(
                            error = %e,
                            buffered = self.buffered,
                            "write failed; keeping the samples and retrying"
                        );
                    } else {
                        tracing::debug!(error = %e, failures = self.failures, ?delay, "write retry failed");
                    }
                    self.retry_at = Instant::now() + delay;
                    break;
                }
                Err(e) => {
                    // Retrying cannot help (e.g. a corrupt database): give the batch up,
                    // loudly, so the rest can still be written.
                    self.metrics.add_write_error(e.to_string());
                    let n = samples.len();
                    self.metrics.add_dropped(n as u64);
                    tracing::error!(error = %e, dropped = n, "write failed for good; batch dropped");
                    self.buffer.pop_front();
                    self.buffered -= n;
                }
            }
        }
        self.metrics.set_buffered(self.buffered as u64);
    }

    fn heartbeat(&mut self, now: i64) {
        let Some(run) = self.run else { return };
        if now <= self.last_heartbeat {
            return;
        }
        match self.store.heartbeat(run, now) {
            Ok(()) => {
                self.last_heartbeat = now;
                self.heartbeat_at = Instant::now() + self.options.heartbeat_every;
            }
            // Not worth a retry of its own: the next tick's heartbeat follows soon.
            Err(e) => tracing::debug!(error = %e, "heartbeat failed"),
        }
    }

    fn backoff(&self) -> Duration {
        let exp = self.failures.saturating_sub(1).min(16);
        let base = self
            .options
            .retry_base
            .saturating_mul(1 << exp)
            .min(self.options.retry_cap);
        // ±25% jitter, so that several writers kept apart by the same lock do not
        // retry in step.
        let r = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let factor = 0.75 + (r % 1000) as f64 / 2000.0;
        base.mul_f64(factor)
    }

    /// One prune transaction; the loop handles messages between two of them.
    fn prune_step(&mut self) {
        let now = (self.options.clock)();
        let stage = self.pruning.unwrap_or(PruneStage::Samples);
        let (retention, result) = match stage {
            PruneStage::Samples => (
                self.options.raw_retention,
                cutoff(now, self.options.raw_retention)
                    .map(|before| self.store.prune_samples(before, self.options.prune_batch)),
            ),
            PruneStage::Rollups => (
                self.options.rollup_retention,
                cutoff(now, self.options.rollup_retention)
                    .map(|before| self.store.prune_rollups(before, self.options.prune_batch)),
            ),
        };
        let next = match result {
            None => None,
            Some(Ok(n)) => {
                if n > 0 {
                    let (s, r) = match stage {
                        PruneStage::Samples => (n as u64, 0),
                        PruneStage::Rollups => (0, n as u64),
                    };
                    self.metrics.add_pruned(s, r);
                    tracing::debug!(?stage, deleted = n, %retention, "pruned");
                }
                (n >= self.options.prune_batch).then_some(stage)
            }
            Some(Err(e)) => {
                tracing::warn!(error = %e, ?stage, "retention: prune failed; trying again later");
                self.pruning = None;
                self.prune_at = Instant::now() + self.options.prune_every;
                return;
            }
        };
        match (next, stage) {
            // More of this table to go: the next batch as soon as the queue is empty.
            (Some(stage), _) => {
                self.pruning = Some(stage);
                self.prune_at = Instant::now();
            }
            (None, PruneStage::Samples) => {
                self.pruning = Some(PruneStage::Rollups);
                self.prune_at = Instant::now();
            }
            (None, PruneStage::Rollups) => {
                self.pruning = None;
                self.prune_at = Instant::now() + self.options.prune_every;
            }
        }
    }

    /// Splits the run after a stall: writes what is buffered (once; what fails stays
    /// buffered for the new run), ends the current run at `ended_at`, unclean (the
    /// process did not stop on purpose, nothing was collected after it), and begins a
    /// new one at `started_at`.
    fn new_run(&mut self, ended_at: i64, started_at: i64) {
        let Some(run) = self.run else { return };
        if !self.file_is_ours() {
            return;
        }
        if !self.buffer.is_empty() {
            self.write_buffered();
        }
        let result = self.store.end_run_stalled(run, ended_at).and_then(|()| {
            self.store
                .begin_run(started_at, std::process::id(), env!("CARGO_PKG_VERSION"))
        });
        match result {
            Ok(start) => {
                tracing::warn!(
                    ended = run.0,
                    run = start.id.0,
                    ended_at,
                    started_at,
                    "collection stalled: run ended at its last slot and a new run begun; the time between is downtime"
                );
                self.run = Some(start.id);
                self.last_heartbeat = started_at;
                self.heartbeat_at = Instant::now() + self.options.heartbeat_every;
            }
            // The old run goes on; its heartbeats span the stall, so it is not shown as
            // downtime, but collection itself goes on.
            Err(e) => tracing::error!(error = %e, "could not record the stall as downtime"),
        }
    }

    /// Flushes what is buffered (retrying up to the stop limit) and ends the run;
    /// once halted, writes nothing.
    fn finish(mut self) -> WriterReport {
        let deadline = Instant::now() + self.options.stop_flush_limit;
        while !self.buffer.is_empty() {
            let now = Instant::now();
            if now >= deadline || self.halted {
                break;
            }
            if now < self.retry_at {
                std::thread::sleep(self.retry_at.min(deadline) - now);
                continue;
            }
            self.write_buffered();
        }
        // Checked here too: a stop with nothing buffered writes the run's end.
        if !self.file_is_ours() {
            return WriterReport {
                unwritten: 0,
                run_ended: false,
                run: self.run,
                halted: true,
            };
        }
        let unwritten = self.buffered as u64;
        if unwritten > 0 {
            self.metrics.add_dropped(unwritten);
            self.metrics.set_buffered(0);
            tracing::error!(
                dropped = unwritten,
                "stopping: the database did not accept the buffered samples in time; they are lost"
            );
        }
        let mut run_ended = false;
        if let Some(run) = self.run {
            match self.store.end_run(run, (self.options.clock)()) {
                Ok(()) => run_ended = true,
                Err(e) => {
                    tracing::error!(error = %e, "could not record the clean stop of this run")
                }
            }
        }
        WriterReport {
            unwritten,
            run_ended,
            run: self.run,
            halted: false,
        }
    }
}

/// The prune cut-off for `retention` at `now`, or `None` when kept forever.
fn cutoff(now: i64, retention: Retention) -> Option<i64> {
    match retention {
        Retention::Forever => None,
        Retention::For(d) => {
            Some(now.saturating_sub(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)))
        }
    }
}

#[cfg(test)]
mod tests;
