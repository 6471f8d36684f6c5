//! `headcount collect`: the long-running collector.

use std::path::PathBuf;

use anyhow::Context as _;
use headcount_collector::Collector;
use headcount_config::Config;

use crate::util::classify;

/// Poll every target on its schedule into the database (the collector).
///
/// Runs until Ctrl-C or SIGTERM.
///
/// The upstream token is read from the environment variable `upstream.auth_token_env`
/// names (CONVOSO_AUTH_TOKEN by default). A stop finishes the tick in flight, writes
/// what is buffered and records the run as cleanly stopped; `kill -9` loses at most
/// the tick in flight. One collector per database: a second one exits with an error.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  CONVOSO_AUTH_TOKEN=abc123 headcount collect --config headcount.toml
  headcount collect --config /etc/headcount/headcount.toml --log-format json")]
pub struct Args {
    /// The config file (`headcount init` writes an example).
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: PathBuf,
}

/// Runs the collector of `config` (read by `main` from `Args::config`) until Ctrl-C or
/// SIGTERM.
///
/// With `[export.remote_write]`, the exporter runs beside it and stops with it; with
/// `[[alert]]` rules, so do their evaluation and delivery.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let token = config.upstream_token().map_err(crate::usage)?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    let exporter = crate::export::start_exporter(&config, stopped())?;
    let alerting = crate::alerts::start_alerts(&config, stopped())?;
    let collector = Collector::new(config, token).map_err(classify)?;
    let collected = collector.run(crate::signal::shutdown_signal()).await;
    // The collector has stopped (and flushed): the exporter sends on until the stop.
    let _ = stop_tx.send(true);
    if let Some(exporter) = exporter {
        exporter.await.context("exporter task")??;
    }
    if let Some(alerting) = alerting {
        alerting.await.context("alerts task")??;
    }
    collected.map_err(classify)?;
    Ok(())
}
