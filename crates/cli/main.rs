//! The `headcount` command: each subcommand wires the library crates together.
//!
//! Layout:
//! - `main.rs`: arguments, logging, dispatch, and the mapping of errors to exit codes
//!   (2 for bad usage or configuration, 1 for runtime failures).
//! - `simulate.rs`: `headcount simulate`, the built-in contact center.
//! - `signal.rs`: the one shutdown signal (Ctrl-C and SIGTERM) every long-running command uses.

mod signal;
mod simulate;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// A usage or configuration error: reported like any other error, but exits with code 2.
#[derive(Debug)]
pub struct UsageError(pub anyhow::Error);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl std::error::Error for UsageError {}

/// Wraps an error so that `main` exits with code 2.
pub fn usage(err: impl Into<anyhow::Error>) -> anyhow::Error {
    anyhow::Error::new(UsageError(err.into()))
}

#[derive(Parser, Debug)]
#[command(
    name = "headcount",
    version,
    about = "The history of a contact center's agent availability",
    long_about = "headcount polls a Convoso-style User Activity API on a schedule, keeps every \
                  snapshot in SQLite, and reports how many agents were logged in and ready over time.",
    propagate_version = true
)]
struct Cli {
    /// Log level or filter (e.g. `info`, `debug`, `headcount_collector=debug`); overrides RUST_LOG.
    #[arg(long, global = true, value_name = "FILTER")]
    log_level: Option<String>,

    /// Log format.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    Simulate(simulate::Args),
}

fn init_logging(cli: &Cli) -> anyhow::Result<()> {
    use tracing_subscriber::EnvFilter;
    let filter = match &cli.log_level {
        Some(spec) => {
            EnvFilter::try_new(spec).map_err(|e| usage(anyhow::anyhow!("--log-level: {e}")))?
        }
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    Ok(())
}

async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Simulate(args) => simulate::run(args).await,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = init_logging(&cli).and_then(|()| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(dispatch(cli)))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("headcount: {err:#}");
            if err.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
