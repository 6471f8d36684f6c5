//! `headcount collect`: the long-running collector.

use std::path::PathBuf;

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
pub async fn run(config: Config) -> anyhow::Result<()> {
    let token = config.upstream_token().map_err(crate::usage)?;
    let collector = Collector::new(config, token).map_err(classify)?;
    collector
        .run(crate::signal::shutdown_signal())
        .await
        .map_err(classify)?;
    Ok(())
}
