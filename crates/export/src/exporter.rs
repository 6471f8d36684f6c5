//! The exporter: the long-running sender of the outbox.
//!
//! A loop on its own task. Each round reads up to `batch_size` samples after the
//! cursor (on a blocking thread, one read snapshot), sends them as one request, and
//! on an answer moves the cursor past them: taken, they count as sent; refused for
//! good (a 4xx other than 429), they are logged with the receiver's answer and count
//! as failed. A network error, a timeout, 5xx or 429 keeps the batch and retries it
//! with capped, jittered exponential backoff (or the receiver's `Retry-After`),
//! logging the first failure and the recovery rather than every attempt. When the
//! outbox is empty the loop waits `flush_interval`. A stop sends what is still
//! pending for up to a few seconds while the receiver takes it (so a clean stop of
//! `headcount collect` leaves nothing behind); what is not acked by then is read again
//! at the next start.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use headcount_config::{Backoff, RemoteWriteConfig};
use headcount_store::{Outbox, OutboxBatch, OutboxPosition, Reads};
use tokio::sync::watch;

use crate::client::{RemoteWriteClient, SendError};
use crate::error::{Error, Result};
use crate::series::{Labeller, RequestBuilder};

/// How long a stop waits for a request in flight.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Remote-write retries: 250 ms doubling to 30 s.
pub const DEFAULT_BACKOFF: Backoff = Backoff {
    base: Duration::from_millis(250),
    cap: Duration::from_secs(30),
};

/// What an exporter did before it stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportSummary {
    /// Stored samples the receiver took.
    pub sent: u64,
    /// Stored samples given up (refused for good, or pruned before they were sent).
    pub failed: u64,
    /// Requests that failed and were retried.
    pub retries: u64,
}

/// Sends the outbox of one database to one receiver; see the module doc.
#[derive(Debug)]
pub struct Exporter {
    client: RemoteWriteClient,
    extra_labels: Vec<(String, String)>,
    db: PathBuf,
    batch_size: usize,
    flush_interval: Duration,
    backoff: Backoff,
}

impl Exporter {
    /// An exporter of the database at `db` to `config`'s receiver, its credentials
    /// read from the environment now.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when a credential variable is unset or empty, or the URL is
    /// unusable; [`Error::Client`] when the HTTP client cannot be built.
    pub fn new(config: &RemoteWriteConfig, db: impl AsRef<Path>) -> Result<Exporter> {
        let credentials = config.credentials()?;
        Ok(Exporter {
            client: RemoteWriteClient::new(config, &credentials)?,
            extra_labels: config.labels.clone(),
            db: db.as_ref().to_owned(),
            batch_size: config.batch_size,
            flush_interval: config.flush_interval,
            backoff: DEFAULT_BACKOFF,
        })
    }

    /// Uses `backoff` for retries (tests shorten it).
    #[must_use]
    pub fn with_backoff(mut self, backoff: Backoff) -> Exporter {
        self.backoff = backoff;
        self
    }

    /// Runs until `shutdown` completes, then stops (see the module doc).
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the database cannot be opened; [`Error::Task`] if a
    /// blocking task panicked. Failed reads, sends and acks later on are logged and
    /// retried, not returned.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<ExportSummary> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let watcher = tokio::spawn(async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        });
        let result = self.run_until(stop_rx).await;
        watcher.abort();
        if let Err(e) = &result {
            // The collector goes on without it: say so now, not only at the stop.
            tracing::error!(error = %e, "remote write: the exporter stopped; samples wait in the outbox for the next start");
        }
        result
    }

    async fn run_until(self, stop: watch::Receiver<bool>) -> Result<ExportSummary> {
        let stopped = || {
            let mut rx = stop.clone();
            async move {
                let _ = rx.wait_for(|s| *s).await;
            }
        };
        let is_stopped = || *stop.borrow();
        let db = self.db.clone();
        let mut outbox = blocking(move || Outbox::open(db)).await??;
        let mut labeller = Labeller::new(&outbox.targets()?, &self.extra_labels);
        tracing::info!(
            url = self.client.url(),
            batch_size = self.batch_size,
            flush_interval = ?self.flush_interval,
            "remote write: exporting stored samples"
        );
        let mut summary = ExportSummary::default();
        let mut failures = 0u32;
        // Set at the stop: what is pending is sent until then, while the receiver
        // takes it, so that a clean stop leaves nothing behind.
        let mut drain_until: Option<Instant> = None;
        loop {
            if drain_until.is_none() && is_stopped() {
                drain_until = Some(Instant::now() + STOP_GRACE);
            }
            if drain_until.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            let max = self.batch_size;
            let (ob, read) = blocking(move || {
                let read = outbox
                    .position()
                    .and_then(|from| Ok((from, outbox.next(max)?)));
                (outbox, read)
            })
            .await?;
            outbox = ob;
            let (from, batch) = match read {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "remote write: reading the outbox failed; trying again");
                    if drain_until.is_some() {
                        break;
                    }
                    tokio::select! {
                        () = tokio::time::sleep(self.flush_interval) => {}
                        () = stopped() => {}
                    }
                    continue;
                }
            };
            if batch.is_empty(&from) {
                if drain_until.is_some() {
                    break;
                }
                tokio::select! {
                    () = tokio::time::sleep(self.flush_interval) => {}
                    () = stopped() => {}
                }
                continue;
            }
            if batch.samples.iter().any(|s| !labeller.knows(s.target)) {
                // A series created since the start (a changed filter set).
                labeller = Labeller::new(&outbox.targets()?, &self.extra_labels);
            }
            let n = batch.samples.len() as u64;
            if batch.missing > 0 {
                tracing::warn!(
                    missing = batch.missing,
                    "remote write: samples were pruned by retention before they could be sent; counted as failed"
                );
            }
            let body = (n > 0).then(|| {
                let mut b = RequestBuilder::new();
                for s in &batch.samples {
                    b.add_sample(s);
                }
                b.build(&labeller).encode_body()
            });
            let (sent, failed) = loop {
                let Some(body) = body.clone() else {
                    break (0, 0);
                };
                let send = self.client.send_body(body);
                tokio::pin!(send);
                let answer = match drain_until {
                    Some(d) => match tokio::time::timeout_at(d.into(), &mut send).await {
                        Ok(r) => r,
                        // Not acked: read and sent again at the next start.
                        Err(_) => return Ok(self.stopped(summary)),
                    },
                    None => tokio::select! {
                        r = &mut send => r,
                        () = stopped() => {
                            let d = Instant::now() + STOP_GRACE;
                            drain_until = Some(d);
                            match tokio::time::timeout_at(d.into(), &mut send).await {
                                Ok(r) => r,
                                Err(_) => return Ok(self.stopped(summary)),
                            }
                        }
                    },
                };
                match answer {
                    Ok(()) => {
                        if failures > 0 {
                            tracing::info!(
                                attempts = failures + 1,
                                "remote write: the receiver takes samples again"
                            );
                            failures = 0;
                        }
                        break (n, 0);
                    }
                    Err(SendError::Refused { status, answer }) => {
                        failures = 0;
                        tracing::error!(
                            status,
                            answer,
                            samples = n,
                            "remote write: the receiver refused the samples; they are counted as failed and not retried"
                        );
                        break (0, n);
                    }
                    Err(SendError::Retry {
                        reason,
                        retry_after,
                    }) => {
                        failures += 1;
                        summary.retries += 1;
                        let delay = retry_after.unwrap_or_else(|| self.backoff.delay(failures));
                        if failures == 1 {
                            tracing::warn!(
                                reason,
                                ?delay,
                                "remote write: send failed; the samples stay in the outbox and are retried"
                            );
                        } else {
                            tracing::debug!(reason, failures, ?delay, "remote write: retry failed");
                        }
                        if drain_until.is_some() {
                            // Stopping: the outbox keeps them for the next start.
                            return Ok(self.stopped(summary));
                        }
                        tokio::select! {
                            () = tokio::time::sleep(delay) => {}
                            () = stopped() => return Ok(self.stopped(summary)),
                        }
                    }
                }
            };
            let failed = failed + batch.missing;
            outbox = self.ack(outbox, &batch, sent, failed).await?;
            summary.sent += sent;
            summary.failed += failed;
        }
        Ok(self.stopped(summary))
    }

    fn stopped(&self, summary: ExportSummary) -> ExportSummary {
        tracing::info!(
            sent = summary.sent,
            failed = summary.failed,
            "remote write: exporter stopped"
        );
        summary
    }

    /// Moves the cursor past `batch`, retrying a few times if the database is busy.
    /// If it still fails, the batch is read and sent again (the receiver keeps one copy
    /// of a sample sent twice).
    async fn ack(
        &self,
        mut outbox: Outbox,
        batch: &OutboxBatch,
        sent: u64,
        failed: u64,
    ) -> Result<Outbox> {
        let end: OutboxPosition = batch.end;
        for attempt in 1..=5u32 {
            let (ob, r) = blocking(move || {
                let r = outbox.ack(&end, sent, failed, now());
                (outbox, r)
            })
            .await?;
            outbox = ob;
            match r {
                Ok(()) => return Ok(outbox),
                Err(e) if attempt == 5 => {
                    tracing::warn!(error = %e, "remote write: could not record the samples as sent; they will be sent again");
                }
                Err(e) => {
                    tracing::debug!(error = %e, attempt, "remote write: cursor update failed");
                    tokio::time::sleep(self.backoff.delay(attempt)).await;
                }
            }
        }
        Ok(outbox)
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Runs SQLite work on a blocking thread.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Task(e.to_string()))
}
