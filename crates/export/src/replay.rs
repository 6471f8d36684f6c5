//! Replay: stored history sent to a receiver on demand (`headcount export
//! --remote-write --from …`), for the time before live export began.
//!
//! For each series asked for, the range is read in ts order: where retention pruned
//! the raw samples, the 15-minute rollups of that stretch go out as their own series
//! (see [`crate::series`]); the raw samples kept go out as the live export sends
//! them. Reading and encoding run on a blocking thread, a few requests ahead of the
//! sender, which sends one request at a time so that each series arrives in
//! timestamp order, as receivers without an out-of-order window require. A request
//! that fails is retried with backoff; one refused for good is counted and logged, and
//! the replay goes on.

use std::future::Future;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use headcount_store::{BUCKET_SECS, Reader, Reads, TargetId};
use tokio::sync::{mpsc, watch};

use crate::client::{RemoteWriteClient, SendError};
use crate::error::{Error, Result};
use crate::series::{Labeller, RequestBuilder};
use headcount_config::Backoff;

/// Requests encoded ahead of the one being sent.
const AHEAD: usize = 4;

/// What to replay.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// Start, UTC unix seconds.
    pub from: i64,
    /// End (exclusive), UTC unix seconds.
    pub to: i64,
    /// The stored series to replay.
    pub targets: Vec<TargetId>,
    /// Stored samples (or rollups) per request.
    pub batch_size: usize,
    /// Labels added to every series (`[export.remote_write] labels`).
    pub labels: Vec<(String, String)>,
    /// Retry delays.
    pub backoff: Backoff,
}

/// How far a replay has come, for a progress bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReplayProgress {
    /// Stored samples and rollups handled (sent or refused).
    pub done: u64,
    /// Stored samples and rollups in the range.
    pub total: u64,
}

/// What a replay sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReplaySummary {
    /// Raw samples sent.
    pub raw: u64,
    /// 15-minute rollups sent (where raw samples were pruned).
    pub rollups: u64,
    /// Raw samples and rollups the receiver refused for good.
    pub failed: u64,
    /// Prometheus samples in the requests taken.
    pub series_samples: u64,
    /// Requests retried.
    pub retries: u64,
}

enum Msg {
    Total(u64),
    Request {
        body: Vec<u8>,
        raw: u64,
        rollups: u64,
        series_samples: u64,
    },
    Failed(Error),
}

/// Replays `options` from the database at `db` through `client`, calling `progress`
/// after each request, until done or `shutdown` completes.
///
/// # Errors
///
/// [`Error::Store`] when the database cannot be read; [`Error::Stopped`] when
/// `shutdown` came first; [`Error::Task`] if the reading thread panicked.
pub async fn replay(
    db: &Path,
    client: &RemoteWriteClient,
    options: ReplayOptions,
    mut progress: impl FnMut(ReplayProgress),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<ReplaySummary> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let watcher = tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let stopped = || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    let (tx, mut rx) = mpsc::channel(AHEAD);
    let backoff = options.backoff;
    let reader = {
        let db = db.to_owned();
        tokio::task::spawn_blocking(move || produce(&db, &options, &tx))
    };
    let mut summary = ReplaySummary::default();
    let mut p = ReplayProgress::default();
    let mut stopped_early = false;
    'requests: while let Some(msg) = rx.recv().await {
        let (body, raw, rollups, series_samples) = match msg {
            Msg::Total(total) => {
                p.total = total;
                progress(p);
                continue;
            }
            Msg::Failed(e) => {
                watcher.abort();
                return Err(e);
            }
            Msg::Request {
                body,
                raw,
                rollups,
                series_samples,
            } => (body, raw, rollups, series_samples),
        };
        let mut failures = 0;
        loop {
            let answer = tokio::select! {
                r = client.send_body(body.clone()) => r,
                () = stopped() => { stopped_early = true; break 'requests; }
            };
            match answer {
                Ok(()) => {
                    summary.raw += raw;
                    summary.rollups += rollups;
                    summary.series_samples += series_samples;
                    break;
                }
                Err(SendError::Refused { status, answer }) => {
                    tracing::error!(
                        status,
                        answer,
                        samples = raw + rollups,
                        "remote write: the receiver refused part of the replay; counted as failed"
                    );
                    summary.failed += raw + rollups;
                    break;
                }
                Err(SendError::Retry {
                    reason,
                    retry_after,
                }) => {
                    failures += 1;
                    summary.retries += 1;
                    let delay = retry_after.unwrap_or_else(|| backoff.delay(failures));
                    tracing::warn!(
                        reason,
                        ?delay,
                        "remote write: replay request failed; retrying"
                    );
                    tokio::select! {
                        () = tokio::time::sleep(delay) => {}
                        () = stopped() => { stopped_early = true; break 'requests; }
                    }
                }
            }
        }
        p.done += raw + rollups;
        progress(p);
    }
    drop(rx);
    watcher.abort();
    reader.await.map_err(|e| Error::Task(e.to_string()))?;
    if stopped_early {
        return Err(Error::Stopped {
            sent: summary.raw + summary.rollups,
            total: p.total,
        });
    }
    Ok(summary)
}

/// Reads the range and sends encoded requests down `tx`; stops quietly when the
/// receiving end is gone.
fn produce(db: &PathBuf, o: &ReplayOptions, tx: &mpsc::Sender<Msg>) {
    if let Err(e) = produce_inner(db, o, tx) {
        let _ = tx.blocking_send(Msg::Failed(e));
    }
}

fn produce_inner(db: &PathBuf, o: &ReplayOptions, tx: &mpsc::Sender<Msg>) -> Result<()> {
    let reader = Reader::open(db)?;
    let labeller = Labeller::new(&reader.targets()?, &o.labels);
    let first_bucket = o.from - o.from.rem_euclid(BUCKET_SECS);
    // Per series: the rollup stretch [first_bucket, pruned) and the raw range.
    let mut plan = Vec::with_capacity(o.targets.len());
    let mut total = 0;
    for &t in &o.targets {
        let pruned = reader
            .raw_pruned_before(t)?
            .map(|mark| mark.min(o.to))
            .filter(|mark| *mark > o.from);
        let rollups = match pruned {
            Some(mark) => reader.rollups(t, first_bucket, mark)?.len() as u64,
            None => 0,
        };
        total += rollups + reader.count_samples(t, o.from, o.to)?;
        plan.push((t, pruned));
    }
    if tx.blocking_send(Msg::Total(total)).is_err() {
        return Ok(());
    }
    let batch = o.batch_size.max(1) as u64;
    let mut builder = RequestBuilder::new();
    let mut counts = (0u64, 0u64);
    let flush = |builder: &mut RequestBuilder, counts: &mut (u64, u64)| -> bool {
        if counts.0 + counts.1 == 0 {
            return true;
        }
        let series_samples = builder.len() as u64;
        let body = builder.build(&labeller).encode_body();
        let msg = Msg::Request {
            body,
            raw: counts.0,
            rollups: counts.1,
            series_samples,
        };
        *counts = (0, 0);
        tx.blocking_send(msg).is_ok()
    };
    for (t, pruned) in plan {
        if let Some(mark) = pruned {
            for r in reader.rollups(t, first_bucket, mark)? {
                builder.add_rollup(t, &r);
                counts.1 += 1;
                if counts.0 + counts.1 >= batch && !flush(&mut builder, &mut counts) {
                    return Ok(());
                }
            }
        }
        let mut open = true;
        reader.for_each_sample(t, o.from, o.to, |s| {
            builder.add_sample(&s);
            counts.0 += 1;
            if counts.0 + counts.1 >= batch && !flush(&mut builder, &mut counts) {
                open = false;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        })?;
        if !open {
            return Ok(());
        }
        // One series per request keeps each request's samples of a series together.
        if !flush(&mut builder, &mut counts) {
            return Ok(());
        }
    }
    Ok(())
}
