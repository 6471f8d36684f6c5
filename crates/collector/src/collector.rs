//! The long-running collector: schedules, ticks, polls, and a graceful stop.
//!
//! Targets on the same cron expression form a group; tokio-cron-scheduler fires each
//! group, and each firing is one *tick* stamped with its *slot*, the cron occurrence it
//! stands for (the latest at or before the firing; a slot is never ticked twice). A
//! tick polls its targets concurrently (at most `upstream.concurrency` polls in flight
//! across all ticks) and hands all its samples to the writer as one batch. A target
//! whose previous poll is still in flight is not polled again: its slot is recorded as
//! `skipped`. Slots the scheduler fired too late for are recorded as `skipped` too, up
//! to `missed_slot_limit`; past it (the process was stalled, say on a suspended laptop)
//! the run is ended at the last slot collected and a new run begun, so the gap reads as
//! downtime.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use headcount_convoso::{AuthToken, Client, ErrorKind, Filters};
use headcount_store::{NewSample, Outcome, Run, RunId, Store, TargetId};
use tokio::sync::{Notify, Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::error::{Error, Result};
use crate::lock::{DbFile, DbLock};
use crate::metrics::{Metrics, MetricsSnapshot};
use crate::poll::{Poller, outcome_of};
use crate::writer::{Writer, WriterOptions, WriterSender, system_now};
use headcount_config::Config;
use headcount_config::Schedule;

/// Tunables of a [`Collector`] that are not in the config file.
#[derive(Debug, Clone)]
pub struct CollectorOptions {
    /// Most samples kept in memory while the database refuses writes (default
    /// 100,000); past it the oldest are dropped and counted.
    pub buffer_limit: usize,
    /// How often retention prunes old rows (default every minute).
    pub prune_every: Duration,
    /// Most rows one prune transaction deletes (default 5,000).
    pub prune_batch: usize,
    /// Most missed slots a late firing records as skipped (default 100); after a longer
    /// gap (the machine was suspended, say) the run is ended at the last slot collected
    /// and a new one begun, so the gap is recorded as downtime.
    pub missed_slot_limit: usize,
    /// How long a stop keeps retrying buffered samples (default 15 s).
    pub stop_flush_limit: Duration,
}

impl Default for CollectorOptions {
    fn default() -> Self {
        let w = WriterOptions::default();
        CollectorOptions {
            buffer_limit: w.buffer_limit,
            prune_every: w.prune_every,
            prune_batch: w.prune_batch,
            missed_slot_limit: 100,
            stop_flush_limit: w.stop_flush_limit,
        }
    }
}

/// What a run did, returned by [`Collector::run`] after a graceful stop.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// The run's id in `collector_runs` (the last one, if a stall split the run).
    pub run: RunId,
    /// Earlier runs found unfinished at start (now marked unclean), oldest first.
    pub unclean_before: Vec<Run>,
    /// The counters at the stop.
    pub metrics: MetricsSnapshot,
    /// Whether the stop was recorded as clean.
    pub clean: bool,
}

/// Polls every target of a [`Config`] on its schedule into the database.
///
/// ```no_run
/// # async fn example(config: headcount_config::Config) -> Result<(), Box<dyn std::error::Error>> {
/// let token = config.upstream_token()?;
/// let collector = headcount_collector::Collector::new(config, token)?;
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let summary = collector.run(async { let _ = stopped.await; }).await?;
/// # drop(stop); Ok(()) }
/// ```
pub struct Collector {
    config: Arc<Config>,
    poller: Arc<dyn Poller>,
    metrics: Arc<Metrics>,
    options: CollectorOptions,
}

impl std::fmt::Debug for Collector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collector")
            .field("config", &self.config)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Collector {
    /// A collector polling the upstream of `config` with `token`.
    ///
    /// # Errors
    ///
    /// [`Error::Client`] when the upstream client cannot be built (bad base URL,
    /// empty token).
    pub fn new(config: Config, token: AuthToken) -> Result<Collector> {
        let client = Client::new(config.client_config(token)).map_err(Error::Client)?;
        Ok(Collector::with_poller(config, Arc::new(client)))
    }

    /// A collector asking `poller` instead of the upstream client: for tests and for
    /// embedding.
    #[must_use]
    pub fn with_poller(config: Config, poller: Arc<dyn Poller>) -> Collector {
        Collector {
            config: Arc::new(config),
            poller,
            metrics: Arc::new(Metrics::default()),
            options: CollectorOptions::default(),
        }
    }

    /// Replaces the [`CollectorOptions`].
    #[must_use]
    pub fn with_options(mut self, options: CollectorOptions) -> Collector {
        self.options = options;
        self
    }

    /// The live counters, to expose while the collector runs.
    #[must_use]
    pub fn metrics(&self) -> Arc<Metrics> {
        Arc::clone(&self.metrics)
    }

    /// Runs until `shutdown` resolves, then stops gracefully: no new ticks, the ticks
    /// in flight finish, buffered samples are written, and the run is recorded as
    /// cleanly stopped.
    ///
    /// At start it takes the database's lock, opens (and migrates) the database,
    /// records the run (logging earlier runs that stopped uncleanly) and registers
    /// every target.
    ///
    /// # Errors
    ///
    /// At start: [`Error::Locked`] when another collector writes to the database;
    /// [`Error::LockFile`]; [`Error::Store`] when the database cannot be opened or
    /// written; [`Error::Scheduler`]. Later: [`Error::DatabaseReplaced`] when the
    /// configured path no longer names the database file it opened (deleted, or
    /// another file put there; [`Metrics::halted`] says so as soon as it is found);
    /// [`Error::Writer`] if the writer thread panicked. Failed polls and writes are
    /// never errors: they are recorded, logged and counted.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> Result<RunSummary> {
        let config = Arc::clone(&self.config);
        let db = config.storage.path.clone();
        let lock = DbLock::acquire(&db)?;
        let (store, start, ids) = tokio::task::spawn_blocking({
            let config = Arc::clone(&config);
            move || open(&config)
        })
        .await
        .map_err(|e| Error::Writer(format!("database setup panicked: {e}")))??;
        // The file the store opened, for the writer to check the path against; if it is
        // not the one locked, it was replaced in between.
        let file = DbFile::at(&db);
        if !lock.is_on(&file) {
            return Err(Error::DatabaseReplaced { path: db });
        }
        for run in &start.unclean {
            tracing::warn!(
                run = run.id.0,
                pid = run.pid,
                started_at = %fmt_ts(run.started_at),
                last_heartbeat = %fmt_ts(run.heartbeat_at),
                "an earlier collector run stopped uncleanly (killed or crashed); nothing was recorded after its last heartbeat"
            );
        }
        let writer = Writer::spawn(
            store,
            Some(start.id),
            Arc::clone(&self.metrics),
            WriterOptions {
                buffer_limit: self.options.buffer_limit,
                prune_every: self.options.prune_every,
                prune_batch: self.options.prune_batch,
                raw_retention: config.storage.raw_retention,
                rollup_retention: config.storage.rollup_retention,
                stop_flush_limit: self.options.stop_flush_limit,
                file: Some(file),
                ..WriterOptions::default()
            },
        )?;

        let shared = Arc::new(Shared::new(
            &config,
            &ids,
            Arc::clone(&self.poller),
            Arc::clone(&self.metrics),
            (writer.sender(), writer.failed()),
            self.options.missed_slot_limit,
        ));
        for t in config
            .targets
            .iter()
            .filter(|t| t.timeout < config.upstream.timeout)
        {
            tracing::info!(
                target = t.name,
                timeout = %headcount_config::fmt_duration(t.timeout),
                schedule = t.schedule.expr(),
                "request timeout shortened to 80% of the target's interval, so a poll ends before its next slot"
            );
        }
        tracing::info!(
            database = %db.display(),
            targets = config.targets.len(),
            schedules = ?shared.groups.iter().map(|g| g.schedule.expr()).collect::<Vec<_>>(),
            run = start.id.0,
            "collector started"
        );

        let result = shared.schedule_until(shutdown).await;
        if let Err(e) = &result {
            tracing::error!(error = %e, "collection failed; stopping");
        }
        drop(shared);
        let report = tokio::task::spawn_blocking(move || writer.stop())
            .await
            .map_err(|e| Error::Writer(format!("stop panicked: {e}")))??;
        drop(lock);
        if report.halted {
            // Logged by the writer when it found out, with what it dropped.
            return Err(Error::DatabaseReplaced { path: db });
        }
        result?;
        let metrics = self.metrics.snapshot();
        tracing::info!(
            ticks = metrics.ticks,
            written = metrics.written,
            dropped = metrics.dropped,
            clean = report.run_ended,
            "collector stopped"
        );
        Ok(RunSummary {
            run: report.run.unwrap_or(start.id),
            unclean_before: start.unclean,
            metrics,
            clean: report.run_ended,
        })
    }
}

/// Opens the database, records the run and registers the targets.
fn open(config: &Config) -> Result<(Store, headcount_store::RunStart, Vec<TargetId>)> {
    let mut store = Store::open(&config.storage.path)?;
    // With export configured, each tick also names its samples in the export outbox.
    store.set_export_log(config.export.remote_write.is_some());
    let now = system_now();
    let start = store.begin_run(now, std::process::id(), env!("CARGO_PKG_VERSION"))?;
    let mut ids = Vec::with_capacity(config.targets.len());
    for t in &config.targets {
        ids.push(store.ensure_target(&t.name, &t.filters_json(), now)?);
    }
    Ok((store, start, ids))
}

fn fmt_ts(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0).map_or_else(|| ts.to_string(), |t| t.to_rfc3339())
}

/// One target while the collector runs.
struct TargetState {
    name: String,
    filters: Filters,
    id: TargetId,
    timeout: Duration,
    /// Set while a poll of this target is in flight (waiting for a permit included).
    in_flight: AtomicBool,
    log: Mutex<OutcomeLog>,
}

/// Targets sharing one cron expression.
struct Group {
    schedule: Schedule,
    targets: Vec<usize>,
    /// The slot of the last tick, so that a slot is never ticked twice.
    last_slot: Mutex<Option<i64>>,
}

struct Shared {
    targets: Vec<TargetState>,
    groups: Vec<Group>,
    poller: Arc<dyn Poller>,
    permits: Semaphore,
    metrics: Arc<Metrics>,
    writer: WriterSender,
    /// Notified when the writer thread is found dead or halts (its database file is
    /// gone): nothing can be stored any more, so the collector stops with an error
    /// rather than poll in vain.
    writer_failed: Arc<Notify>,
    missed_slot_limit: usize,
    /// Until when (UTC unix seconds) the upstream asked not to be polled (its HTTP 429
    /// `Retry-After`, capped at [`MAX_RATE_LIMIT_WAIT`]): slots before it are stored
    /// as `rate_limited` without a poll. One token serves every target, so the pause
    /// is for all of them.
    rate_limited_until: Mutex<Option<i64>>,
    /// The first slot of the current run: a group whose last slot is older than it
    /// has already had its stall turned into a new run by another group.
    run_since: Mutex<i64>,
}

impl Shared {
    fn new(
        config: &Config,
        ids: &[TargetId],
        poller: Arc<dyn Poller>,
        metrics: Arc<Metrics>,
        (writer, writer_failed): (WriterSender, Arc<Notify>),
        missed_slot_limit: usize,
    ) -> Shared {
        let targets = config
            .targets
            .iter()
            .zip(ids)
            .map(|(t, id)| TargetState {
                name: t.name.clone(),
                filters: t.filters.clone(),
                id: *id,
                timeout: t.timeout,
                in_flight: AtomicBool::new(false),
                log: Mutex::new(OutcomeLog::default()),
            })
            .collect();
        let mut by_expr: BTreeMap<&str, (Schedule, Vec<usize>)> = BTreeMap::new();
        for (i, t) in config.targets.iter().enumerate() {
            by_expr
                .entry(t.schedule.expr())
                .or_insert_with(|| (t.schedule.clone(), Vec::new()))
                .1
                .push(i);
        }
        let groups = by_expr
            .into_values()
            .map(|(schedule, targets)| Group {
                schedule,
                targets,
                last_slot: Mutex::new(None),
            })
            .collect();
        Shared {
            targets,
            groups,
            poller,
            permits: Semaphore::new(config.upstream.concurrency),
            metrics,
            writer,
            writer_failed,
            missed_slot_limit,
            run_since: Mutex::new(i64::MIN),
            rate_limited_until: Mutex::new(None),
        }
    }

    /// Fires ticks until `shutdown`, then waits for the ticks in flight.
    async fn schedule_until(self: &Arc<Self>, shutdown: impl Future<Output = ()>) -> Result<()> {
        let sched_err =
            |e: tokio_cron_scheduler::JobSchedulerError| Error::Scheduler(format!("{e:?}"));
        let mut scheduler = JobScheduler::new().await.map_err(sched_err)?;
        let (fire_tx, mut fire_rx) = mpsc::unbounded_channel::<usize>();
        for (g, group) in self.groups.iter().enumerate() {
            let tx = fire_tx.clone();
            let job = Job::new_async(group.schedule.expr(), move |_id, _sched| {
                // The scheduler only says "now"; which slot that is, and whether it was
                // already done, is decided in `fire`.
                let _ = tx.send(g);
                Box::pin(async {})
            })
            .map_err(sched_err)?;
            scheduler.add(job).await.map_err(sched_err)?;
        }
        drop(fire_tx);
        scheduler.start().await.map_err(sched_err)?;

        let mut ticks = JoinSet::new();
        let mut shutdown = std::pin::pin!(shutdown);
        let mut failure = Ok(());
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                () = self.writer_failed.notified() => {
                    failure = Err(Error::Writer("stopped; nothing can be stored".to_owned()));
                    break;
                }
                fired = fire_rx.recv() => match fired {
                    Some(g) => self.fire(g, &mut ticks),
                    None => break,
                },
                Some(done) = ticks.join_next(), if !ticks.is_empty() => {
                    if let Err(e) = done {
                        tracing::error!(error = %e, "a tick panicked");
                    }
                }
            }
        }
        tracing::info!(
            in_flight = ticks.len(),
            "stopping: no new ticks; finishing the ticks in flight"
        );
        if let Err(e) = scheduler.shutdown().await {
            tracing::warn!(error = ?e, "scheduler shutdown");
        }
        drop(fire_rx);
        while let Some(done) = ticks.join_next().await {
            if let Err(e) = done {
                tracing::error!(error = %e, "a tick panicked");
            }
        }
        failure
    }

    /// Starts the tick of group `g` for the slot of now, unless that slot is done.
    fn fire(self: &Arc<Self>, g: usize, ticks: &mut JoinSet<()>) {
        self.fire_at(g, chrono::Utc::now(), ticks);
    }

    /// [`Shared::fire`] with the wall clock reading `now`.
    fn fire_at(
        self: &Arc<Self>,
        g: usize,
        now: chrono::DateTime<chrono::Utc>,
        ticks: &mut JoinSet<()>,
    ) {
        let fired = Instant::now();
        let group = &self.groups[g];
        let Some(slot) = group.schedule.slot_at(now) else {
            return;
        };
        let (prev, missed) = {
            let mut last = group
                .last_slot
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match *last {
                Some(prev) if prev >= slot => return,
                Some(prev) => {
                    *last = Some(slot);
                    let missed = group
                        .schedule
                        .between(prev, slot, self.missed_slot_limit + 1);
                    (Some(prev), missed)
                }
                None => {
                    *last = Some(slot);
                    (None, Vec::new())
                }
            }
        };
        let missed = if missed.len() > self.missed_slot_limit {
            let prev = prev.unwrap_or(slot);
            let mut since = lock(&self.run_since);
            // Several groups see the same stall; the first one to fire after it splits
            // the run, the others find their last slot before the new run.
            if prev >= *since {
                *since = slot;
                tracing::warn!(
                    schedule = group.schedule.expr(),
                    last_slot = prev,
                    slot,
                    "the scheduler fell more than {} slots behind (was the machine suspended?); ending the run at the last slot and starting a new one, so that time is downtime",
                    self.missed_slot_limit
                );
                if let Err(e) = self.writer.new_run(prev, slot) {
                    tracing::error!(error = %e, "could not split the run");
                    self.writer_failed.notify_one();
                }
            }
            Vec::new()
        } else {
            if !missed.is_empty() {
                tracing::warn!(
                    schedule = group.schedule.expr(),
                    missed = missed.len(),
                    slot,
                    "the scheduler fired late; missed slots recorded as skipped"
                );
            }
            missed
        };
        let shared = Arc::clone(self);
        ticks.spawn(async move { shared.tick(g, slot, missed, fired, now.timestamp()).await });
    }

    async fn tick(
        self: Arc<Self>,
        g: usize,
        slot: i64,
        missed: Vec<i64>,
        fired: Instant,
        now: i64,
    ) {
        let group = &self.groups[g];
        let mut samples: Vec<NewSample> =
            Vec::with_capacity(group.targets.len() * (1 + missed.len()));
        let mut polls = JoinSet::new();
        let mut skipped = 0u64;
        let paused = lock(&self.rate_limited_until).is_some_and(|until| slot < until);
        for &i in &group.targets {
            let t = &self.targets[i];
            for &m in &missed {
                samples.push(NewSample::failed(t.id, m, Outcome::Skipped, None));
            }
            skipped += missed.len() as u64;
            if t.in_flight.swap(true, Ordering::AcqRel) {
                samples.push(NewSample::failed(t.id, slot, Outcome::Skipped, None));
                skipped += 1;
                if lock(&t.log).skipped() {
                    tracing::warn!(
                        target = t.name,
                        slot,
                        "previous poll still in flight; slot recorded as skipped (repeats not logged until the outcome changes)"
                    );
                }
                continue;
            }
            if paused {
                t.in_flight.store(false, Ordering::Release);
                samples.push(NewSample::failed(t.id, slot, Outcome::RateLimited, None));
                lock(&t.log).observe(Outcome::RateLimited);
                continue;
            }
            let shared = Arc::clone(&self);
            polls.spawn(async move { shared.poll(i, slot).await });
        }
        self.metrics.add_skipped(skipped);
        while let Some(done) = polls.join_next().await {
            match done {
                Ok(sample) => samples.push(sample),
                Err(e) => tracing::error!(error = %e, slot, "a poll panicked"),
            }
        }
        let millis = u64::try_from(fired.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.metrics.tick_done(slot, millis);
        tracing::debug!(slot, samples = samples.len(), millis, "tick done");
        let n = samples.len() as u64;
        if let Err(e) = self.writer.send(samples, now) {
            self.metrics.add_dropped(n);
            tracing::error!(error = %e, slot, dropped = n, "tick lost");
            self.writer_failed.notify_one();
        }
    }

    /// Polls target `i` for `slot`; its in-flight flag is set by the caller and
    /// cleared here however the poll ends.
    async fn poll(&self, i: usize, slot: i64) -> NewSample {
        let t = &self.targets[i];
        let _in_flight = ClearOnDrop(&t.in_flight);
        // Closed only if the collector is torn down, in which case polling on is fine.
        let _permit = self.permits.acquire().await.ok();
        self.metrics.add_polls(1);
        let started = Instant::now();
        let result = self.poller.search(&t.filters, t.timeout).await;
        let latency = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        let (sample, outcome) = match &result {
            Ok(a) => (
                NewSample::ok(
                    t.id,
                    slot,
                    a.available_agents,
                    a.logged_in_agents,
                    Some(latency),
                ),
                Outcome::Ok,
            ),
            Err(e) => {
                let outcome = outcome_of(e.kind());
                (
                    NewSample::failed(t.id, slot, outcome, Some(latency)),
                    outcome,
                )
            }
        };
        if let Err(e) = &result
            && e.kind() == ErrorKind::RateLimited
        {
            self.pause_for(e.retry_after(), slot);
        }
        let change = lock(&t.log).observe(outcome);
        if let Some(change) = change {
            log_change(t, &change, result.as_ref().err(), slot);
        }
        sample
    }

    /// Honours an HTTP 429: no polls until `retry_after` from now (capped at
    /// [`MAX_RATE_LIMIT_WAIT`]); without one, only this slot is lost. Logged once per
    /// pause, when it starts or grows.
    fn pause_for(&self, retry_after: Option<Duration>, slot: i64) {
        let Some(wait) = retry_after else { return };
        let capped = wait.min(MAX_RATE_LIMIT_WAIT);
        let until = chrono::Utc::now().timestamp()
            + i64::try_from(capped.as_secs())
                .unwrap_or(i64::MAX / 2)
                .max(1);
        let mut held = lock(&self.rate_limited_until);
        if held.is_some_and(|h| h >= until) {
            return;
        }
        *held = Some(until);
        self.metrics.rate_limited();
        tracing::warn!(
            slot,
            retry_after_s = wait.as_secs(),
            until = %fmt_ts(until),
            "the upstream rate-limited us (HTTP 429): no polls until then; those slots are recorded as rate_limited"
        );
    }
}

/// The longest pause a `Retry-After` can impose: longer asks are shortened to it, so a
/// mistaken header cannot stop collection for days.
pub const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(3_600);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn log_change(
    t: &TargetState,
    change: &Change,
    error: Option<&headcount_convoso::Error>,
    slot: i64,
) {
    let from = change.from.map_or("none", Outcome::as_str);
    match (change.to, error) {
        (Outcome::Ok, _) if change.from.is_none() => {
            tracing::debug!(target = t.name, filters = %t.filters, slot, "first poll ok");
        }
        (Outcome::Ok, _) => {
            tracing::info!(target = t.name, filters = %t.filters, slot, was = from, "polls ok again");
        }
        (to, error) => {
            let error = error.map(ToString::to_string).unwrap_or_default();
            tracing::warn!(
                target = t.name,
                filters = %t.filters,
                slot,
                outcome = to.as_str(),
                was = from,
                %error,
                "poll failed; recording gaps (repeats of this outcome are not logged)"
            );
        }
    }
}

/// Clears an in-flight flag when dropped, even if the poll is cancelled.
struct ClearOnDrop<'a>(&'a AtomicBool);

impl Drop for ClearOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// A change of a target's outcome that deserves a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Change {
    /// The outcome before (`None` for the first poll).
    pub from: Option<Outcome>,
    /// The outcome now.
    pub to: Outcome,
}

/// Remembers a target's last polled outcome so that only changes are logged, not
/// every repeat of the same failure.
#[derive(Debug, Default)]
pub(crate) struct OutcomeLog {
    last: Option<Outcome>,
    skip_logged: bool,
}

impl OutcomeLog {
    /// Records a poll's outcome; returns the change when it differs from the last one.
    pub(crate) fn observe(&mut self, outcome: Outcome) -> Option<Change> {
        let from = self.last.replace(outcome);
        if from == Some(outcome) {
            return None;
        }
        self.skip_logged = false;
        Some(Change { from, to: outcome })
    }

    /// Records a skipped slot; true for the first since the outcome last changed.
    pub(crate) fn skipped(&mut self) -> bool {
        !std::mem::replace(&mut self.skip_logged, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writer::WriterOptions;
    use headcount_convoso::Activity;
    use headcount_store::{Reader, Reads, RunState};

    /// Answers at once, always the same counts.
    struct Instant3;

    impl Poller for Instant3 {
        fn search<'a>(&'a self, _: &'a Filters, _: Duration) -> crate::poll::SearchFuture<'a> {
            Box::pin(async {
                Ok(Activity {
                    available_agents: 3,
                    logged_in_agents: 5,
                })
            })
        }
    }

    #[tokio::test]
    async fn a_stall_past_the_slot_limit_ends_the_run_at_its_last_slot_and_begins_another() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        // Two groups, every second and every 2 s: both see the stall, one run split.
        let text = format!(
            "[upstream]\nbase_url = \"http://127.0.0.1:9/v1\"\n\n[storage]\npath = \"{}\"\n\n\
             [schedule]\ncron = \"* * * * * *\"\n\n[[target]]\nname = \"a\"\n\n\
             [[target]]\nname = \"b\"\ncampaign_id = 2\ncron = \"*/2 * * * * *\"\n",
            path.display()
        );
        let config = Config::parse(&text, dir.path()).unwrap();
        let t0: i64 = 1_800_000_000; // even
        let mut store = Store::open(&path).unwrap();
        let start = store.begin_run(t0, 1, "test").unwrap();
        let ids: Vec<TargetId> = config
            .targets
            .iter()
            .map(|t| store.ensure_target(&t.name, &t.filters_json(), t0).unwrap())
            .collect();
        let metrics = Arc::new(Metrics::default());
        let writer = Writer::spawn(
            store,
            Some(start.id),
            Arc::clone(&metrics),
            WriterOptions::default(),
        )
        .unwrap();
        let shared = Arc::new(Shared::new(
            &config,
            &ids,
            Arc::new(Instant3),
            metrics,
            (writer.sender(), writer.failed()),
            100,
        ));
        let group_of = |every: &str| {
            shared
                .groups
                .iter()
                .position(|g| g.schedule.expr().starts_with(every))
                .unwrap()
        };
        let (a, b) = (group_of("* "), group_of("*/2 "));
        let mut ticks = JoinSet::new();
        // One tick at a time, so that none is still in flight at the next.
        let mut fire = async |g: usize, t: i64| {
            shared.fire_at(
                g,
                chrono::DateTime::from_timestamp(t, 0).unwrap(),
                &mut ticks,
            );
            while let Some(done) = ticks.join_next().await {
                done.unwrap();
            }
        };
        fire(a, t0).await;
        fire(b, t0).await;
        // Late by two slots: recorded as skipped, same run.
        fire(a, t0 + 3).await;
        fire(b, t0 + 4).await;
        // 1000 s later: far more than 100 missed slots for both groups.
        fire(a, t0 + 1004).await;
        fire(b, t0 + 1004).await;
        fire(a, t0 + 1005).await;
        drop(shared);
        let report = tokio::task::spawn_blocking(move || writer.stop())
            .await
            .unwrap()
            .unwrap();
        assert!(report.run_ended);

        let reader = Reader::open(&path).unwrap();
        let runs = reader.runs(0, i64::MAX).unwrap();
        assert_eq!(runs.len(), 2, "{runs:?}");
        assert_eq!(
            (runs[0].started_at, runs[0].stopped_at, runs[0].state),
            (t0, Some(t0 + 3), RunState::Unclean),
            "{runs:?}"
        );
        assert_eq!(
            (runs[1].started_at, runs[1].state),
            (t0 + 1004, RunState::Clean),
            "{runs:?}"
        );
        let slots = |id: TargetId| -> Vec<(i64, Outcome)> {
            reader
                .samples(id, 0, i64::MAX)
                .unwrap()
                .iter()
                .map(|s| (s.ts, s.outcome))
                .collect()
        };
        use Outcome::{Ok, Skipped};
        assert_eq!(
            slots(ids[0]),
            vec![
                (t0, Ok),
                (t0 + 1, Skipped),
                (t0 + 2, Skipped),
                (t0 + 3, Ok),
                (t0 + 1004, Ok),
                (t0 + 1005, Ok)
            ]
        );
        assert_eq!(
            slots(ids[1]),
            vec![(t0, Ok), (t0 + 2, Skipped), (t0 + 4, Ok), (t0 + 1004, Ok)]
        );
    }

    #[test]
    fn only_changes_of_outcome_are_reported() {
        let mut log = OutcomeLog::default();
        let seq = [
            Outcome::Ok,
            Outcome::Ok,
            Outcome::Timeout,
            Outcome::Timeout,
            Outcome::Timeout,
            Outcome::Connect,
            Outcome::Connect,
            Outcome::Ok,
            Outcome::Ok,
        ];
        let changes: Vec<Change> = seq.iter().filter_map(|o| log.observe(*o)).collect();
        assert_eq!(
            changes,
            vec![
                Change {
                    from: None,
                    to: Outcome::Ok
                },
                Change {
                    from: Some(Outcome::Ok),
                    to: Outcome::Timeout
                },
                Change {
                    from: Some(Outcome::Timeout),
                    to: Outcome::Connect
                },
                Change {
                    from: Some(Outcome::Connect),
                    to: Outcome::Ok
                },
            ]
        );
    }

    #[test]
    fn a_streak_of_skipped_slots_is_reported_once_per_outcome() {
        let mut log = OutcomeLog::default();
        assert!(log.observe(Outcome::Ok).is_some());
        assert!(log.skipped());
        assert!(!log.skipped());
        assert!(log.observe(Outcome::Ok).is_none());
        assert!(!log.skipped(), "same outcome: still quiet");
        assert!(log.observe(Outcome::Timeout).is_some());
        assert!(log.skipped(), "new outcome: the next overrun is news again");
    }
}
