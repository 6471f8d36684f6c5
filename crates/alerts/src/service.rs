//! The alerting service: [`run`] evaluates the rules on a short interval and delivers
//! the outbox on its own task, beside the collector (`headcount run`, `collect`).

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use headcount_config::Config;
use headcount_store::AlertStore;
use tokio::sync::watch;

use crate::deliver::{Deliverer, blocking, lock};
use crate::engine::Engine;
use crate::error::Result;

/// How often delivery looks for due notifications.
const DELIVERY_EVERY: Duration = Duration::from_secs(1);

/// How often the rules are evaluated: the shortest poll interval of the targets they
/// watch, between 1 and 15 seconds.
#[must_use]
pub fn evaluation_interval(config: &Config) -> Duration {
    config
        .targets
        .iter()
        .filter(|t| config.alerts.iter().any(|a| a.targets.contains(&t.name)))
        .map(|t| t.schedule.min_interval())
        .min()
        .unwrap_or(Duration::from_secs(15))
        .clamp(Duration::from_secs(1), Duration::from_secs(15))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Evaluates `config`'s rules over the database at `db` and delivers their
/// notifications until `shutdown` completes. Channel URLs are read now.
///
/// # Errors
///
/// [`crate::Error::Config`] when a channel's URL variable is unset (naming its line);
/// [`crate::Error::Store`] when the database cannot be opened. Failures later on are
/// logged and retried, not returned.
pub async fn run(
    config: &Config,
    db: impl Into<PathBuf>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let db: PathBuf = db.into();
    let deliverer = Deliverer::new(config)?;
    let path = db.clone();
    let engine = blocking({
        let config = config.clone();
        move || Engine::open(&config, path)
    })
    .await??;
    let path = db.clone();
    let outbox = Arc::new(Mutex::new(blocking(move || AlertStore::open(path)).await??));
    let every = evaluation_interval(config);
    tracing::info!(
        rules = config.alerts.len(),
        channels = config.channels.len(),
        every = ?every,
        "alerts: evaluating rules"
    );
    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let evaluating = tokio::spawn(evaluate_loop(engine, every, stopped(stop_rx.clone())));
    let delivering = tokio::spawn(deliver_loop(deliverer, outbox, stopped(stop_rx)));
    shutdown.await;
    let _ = stop_tx.send(true);
    let _ = evaluating.await;
    let _ = delivering.await;
    tracing::info!("alerts: stopped");
    Ok(())
}

async fn evaluate_loop(engine: Engine, every: Duration, stop: impl Future<Output = ()>) {
    tokio::pin!(stop);
    let engine = Arc::new(Mutex::new(engine));
    let mut failing = false;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = &mut stop => return,
        }
        let e = engine.clone();
        let ms = now_ms();
        let r = blocking(move || lock(&e).round(ms / 1000, ms)).await;
        match r {
            Ok(Ok(_)) if failing => {
                failing = false;
                tracing::info!("alerts: evaluation works again");
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) | Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "alerts: evaluation failed; trying again next round");
                }
                failing = true;
            }
        }
    }
}

async fn deliver_loop(
    deliverer: Deliverer,
    outbox: Arc<Mutex<AlertStore>>,
    stop: impl Future<Output = ()>,
) {
    tokio::pin!(stop);
    let mut failing = false;
    loop {
        tokio::select! {
            () = tokio::time::sleep(DELIVERY_EVERY) => {}
            () = &mut stop => return,
        }
        // A send in flight at the stop is abandoned: the outbox keeps it pending.
        let r = tokio::select! {
            r = deliverer.deliver_due(&outbox, now_ms()) => r,
            () = &mut stop => return,
        };
        match r {
            Ok(_) => failing = false,
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "alerts: delivery failed; trying again");
                }
                failing = true;
            }
        }
    }
}
