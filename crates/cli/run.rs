//! `headcount run`: the service — the collector and the web server in one process,
//! stopped together.
//!
//! [`run_service`] is the whole service given a config, the upstream token, a bound
//! listener and a shutdown future; `headcount demo` runs it too.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use headcount_collector::Collector;
use headcount_config::Config;
use headcount_convoso::AuthToken;
use headcount_store::Reader;
use headcount_web::CollectorCounters;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::serve::{app_state, bind, print_dashboard, serve_app};
use crate::util::classify;

/// Collect and serve in one process (the service).
///
/// Polls every target on its schedule into the database, as `headcount collect` does,
/// and serves the dashboard, the JSON API, charts and /metrics from it, as `headcount
/// serve` does; /metrics also carries the collector's own counters. The upstream token
/// is read from the variable `[upstream] auth_token_env` names (CONVOSO_AUTH_TOKEN by
/// default), the API token from `[web] api_token_env` (HEADCOUNT_API_TOKEN; unset
/// means no authentication). Ctrl-C or SIGTERM stops both: the collector finishes the
/// tick in flight and records a clean stop, the server finishes the requests in
/// flight. If either half fails, the other is stopped and the command exits with 1.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  CONVOSO_AUTH_TOKEN=abc123 headcount run --config headcount.toml
  headcount run -c /etc/headcount/headcount.toml --listen 0.0.0.0:8080 --log-format json
  curl http://127.0.0.1:8080/metrics")]
pub struct Args {
    /// The config file (`headcount init` writes an example).
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: PathBuf,
    /// Address to listen on (port 0 picks a free one) [default: `[web] listen`].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

/// Runs the service until Ctrl-C or SIGTERM.
pub async fn run(args: Args, config: Config) -> anyhow::Result<()> {
    let token = config.upstream_token().map_err(crate::usage)?;
    crate::alerts::check_channels(&config)?;
    let listener = bind(args.listen.unwrap_or(config.web.listen)).await?;
    print_dashboard(listener.local_addr()?);
    run_service(config, token, listener, crate::signal::shutdown_signal()).await
}

/// The service: a [`Collector`] polling with `token` into `config`'s database and the
/// web server ([`serve_app`], state from [`app_state`] plus the collector's counters on
/// /metrics) on `listener`, until `shutdown` completes. Then both stop: the collector
/// finishes its tick in flight, writes what is buffered and records a clean stop; the
/// server lets its requests in flight finish. If either half fails first, the other is
/// stopped too and the failure returned. Prints nothing: callers say where the
/// dashboard is.
///
/// # Errors
///
/// Usage errors (exit code 2) for the API token variable set but empty or an upstream
/// client that cannot be built; the collector's errors at start (another collector on
/// the database, a database that cannot be opened) or later (its writer failing);
/// the web server's failure; either half stopping on its own before `shutdown`.
pub async fn run_service(
    config: Config,
    token: AuthToken,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = app_state(&config)?;
    let db = config.storage.path.clone();
    let config_export = config.clone();
    let collector = Collector::new(config, token).map_err(classify)?;
    let metrics = collector.metrics();
    let state = state.with_collector(move || {
        let s = metrics.snapshot();
        CollectorCounters {
            ticks: s.ticks,
            last_tick_seconds: (s.ticks > 0).then(|| s.last_tick_ms as f64 / 1000.0),
            buffered: s.buffered,
            dropped: s.dropped,
            write_errors: s.write_errors,
            write_error: metrics.write_error(),
            halted: metrics.halted(),
        }
    });

    // One stop for both halves: the caller's shutdown, or the other half failing.
    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        // An error means the sender is gone, which happens only once this function
        // returns: stop then too.
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let exporter = crate::export::start_exporter(&config_export, stopped(stop_rx.clone()))?;
    let alerting = crate::alerts::start_alerts(&config_export, stopped(stop_rx.clone()))?;
    let mut collecting = tokio::spawn(collector.run(stopped(stop_rx.clone())));
    let mut web = tokio::spawn({
        let (waiting, serving) = (stopped(stop_rx.clone()), stopped(stop_rx));
        async move {
            // The server reads what the collector creates and migrates. Until then,
            // connections wait in the listen backlog rather than meet a database that
            // is not there yet (or not yet at this build's schema).
            tokio::select! {
                () = readable(&db) => {}
                () = waiting => return Ok(()),
            }
            serve_app(listener, state, serving).await
        }
    });

    let mut web_done = None;
    let mut collector_done = None;
    tokio::pin!(shutdown);
    tokio::select! {
        () = &mut shutdown => {}
        r = &mut web => web_done = Some(r),
        r = &mut collecting => collector_done = Some(r),
    }
    let early = web_done.is_some() || collector_done.is_some();
    let _ = stop_tx.send(true);
    let web_result = match web_done {
        Some(r) => r,
        None => web.await,
    };
    let collector_result = match collector_done {
        Some(r) => r,
        None => collecting.await,
    };

    if let Some(exporter) = exporter {
        // It stops with the others and sends nothing in flight for long.
        match exporter.await.context("exporter task") {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "remote write: the exporter failed"),
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "remote write: the exporter failed")
            }
        }
    }
    if let Some(alerting) = alerting {
        match alerting.await.context("alerts task") {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "alerts: evaluation and delivery failed"),
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "alerts: evaluation and delivery failed")
            }
        }
    }
    let collector_result = collector_result
        .context("collector task")
        .and_then(|r| r.map_err(classify));
    let web_result = web_result.context("web server task").and_then(|r| r);
    match (collector_result, web_result) {
        // The collector logs how it stopped (ticks, writes, whether clean).
        (Ok(_), Ok(())) if !early => Ok(()),
        // Neither half stops on its own before the shutdown.
        (Ok(_), Ok(())) => anyhow::bail!("the service stopped on its own, unexpectedly"),
        (Err(e), Ok(())) => Err(e.context("collector failed; the web server was stopped")),
        (Ok(_), Err(e)) => Err(e.context("web server failed; the collector was stopped")),
        (Err(collector), Err(web)) => {
            Err(collector.context(format!("collector failed (and web server: {web:#})")))
        }
    }
}

/// Completes once `db` opens as a headcount database at this build's schema.
async fn readable(db: &Path) {
    loop {
        let path = db.to_owned();
        let opened = tokio::task::spawn_blocking(move || Reader::open(path)).await;
        if matches!(opened, Ok(Ok(_))) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
