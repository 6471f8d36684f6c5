//! `headcount serve`: the web server alone, reading the database a collector writes.
//!
//! [`app_state`] and [`serve_app`] are the pieces `headcount run` and `headcount demo`
//! share: the server's state built from the checked config (targets, `[report]`
//! settings, the API token from the environment), and the server itself
//! ([`headcount_web::serve`] with its default limits).

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use headcount_config::Config;
use headcount_web::{ApiToken, AppState, ServerLimits};
use tokio::net::TcpListener;

use crate::usage;

/// Serve the dashboard, the JSON API, charts, CSV and /metrics (web only).
///
/// Reads the database the config names, read-only, beside a collector that writes it
/// (`headcount collect`); `headcount run` is both in one process. Listens on
/// `[web] listen` (127.0.0.1:8080 by default) unless --listen says otherwise, and
/// prints the dashboard's URL. When the variable `[web] api_token_env` names
/// (HEADCOUNT_API_TOKEN by default) is set, every route but /healthz needs that token
/// (`Authorization: Bearer TOKEN`). Ctrl-C or SIGTERM stops it after the requests in
/// flight.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  headcount serve --config headcount.toml
  headcount serve -c headcount.toml --listen 0.0.0.0:8080
  HEADCOUNT_API_TOKEN=s3cret headcount serve -c headcount.toml
  curl -H 'Authorization: Bearer s3cret' http://127.0.0.1:8080/api/v1/targets")]
pub struct Args {
    /// The config file: the database, the targets, `[report]` and `[web]`.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: PathBuf,
    /// Address to listen on (port 0 picks a free one) [default: `[web] listen`].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

/// Runs the web server until Ctrl-C or SIGTERM.
pub async fn run(args: Args, config: Config) -> anyhow::Result<()> {
    let state = app_state(&config)?;
    check_database(&config.storage.path)?;
    let listener = bind(args.listen.unwrap_or(config.web.listen)).await?;
    print_dashboard(listener.local_addr()?);
    serve_app(listener, state, crate::signal::shutdown_signal()).await
}

/// The web server's state from the checked config: every target (its stored filters,
/// its filters for people and its effective schedule), the `[report]` settings, and
/// the API token from the variable `[web] api_token_env` names. Logs whether requests
/// need a token (never the token).
///
/// # Errors
///
/// A usage error (exit code 2) when the token variable is set but empty (or not
/// UTF-8): an empty token must not pass for "protected".
pub fn app_state(config: &Config) -> anyhow::Result<AppState> {
    let token = api_token(&config.web.api_token_env)?;
    match &token {
        Some(_) => tracing::info!(
            variable = config.web.api_token_env,
            "API token set: every route but /healthz needs it"
        ),
        None => tracing::info!(
            variable = config.web.api_token_env,
            "no API token set: requests need no authentication"
        ),
    }
    Ok(AppState::from_config(config).with_token(token))
}

/// The API token from the environment variable `var`: `None` when it is unset.
fn api_token(var: &str) -> anyhow::Result<Option<ApiToken>> {
    let Some(value) = std::env::var_os(var) else {
        return Ok(None);
    };
    let value = value.into_string().map_err(|_| {
        usage(anyhow::anyhow!(
            "config: web.api_token_env: {var} is not UTF-8"
        ))
    })?;
    match ApiToken::new(value) {
        Some(token) => Ok(Some(token)),
        None => Err(usage(anyhow::anyhow!(
            "config: web.api_token_env: {var} is set but empty; unset it to serve without \
             authentication, or set it to the token requests must carry"
        ))),
    }
}

/// Serves [`headcount_web::app`] on `listener` with [`headcount_web::ServerLimits`]'s
/// defaults (idle and slow connections timed out, connections capped) until `shutdown`
/// completes; then stops accepting, lets the requests in flight finish within the
/// drain limit and returns.
///
/// # Errors
///
/// None in practice: once the listener is bound the server logs what fails and goes
/// on. The `Result` keeps the callers' shape.
pub async fn serve_app(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    headcount_web::serve(listener, state, ServerLimits::default(), shutdown).await;
    Ok(())
}

/// Binds `addr`; the error names the address.
///
/// # Errors
///
/// When the address cannot be bound (in use, not this machine's, no permission).
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("web: cannot listen on {addr} (--listen or [web] listen)"))
}

/// Prints where the dashboard is, on stdout: users and tests read it there.
pub fn print_dashboard(addr: SocketAddr) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "dashboard: http://{addr}/");
    let _ = out.flush();
}

/// `serve` only reads: the database must already exist and open as headcount's.
fn check_database(path: &Path) -> anyhow::Result<()> {
    if !path.exists() {
        anyhow::bail!(
            "database {}: not found; `headcount serve` only reads it: start the collector \
             (`headcount collect`, or `headcount run` for both in one process) or load \
             history with `headcount import`",
            path.display()
        );
    }
    // Opening checks it is headcount's, at this build's schema; the error names it.
    // Then every page is read once (about a second per gigabyte), so that a damaged
    // file is refused now rather than found by a request.
    let reader = headcount_store::Reader::open(path)?;
    let started = std::time::Instant::now();
    crate::util::refuse_damaged(&reader, path)?;
    tracing::debug!(elapsed = ?started.elapsed(), "database checked");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unset_token_variable_means_no_authentication() {
        assert!(
            api_token("HEADCOUNT_TEST_SURELY_UNSET_VARIABLE")
                .unwrap()
                .is_none()
        );
    }
}
