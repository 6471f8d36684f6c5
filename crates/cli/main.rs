//! The `headcount` command: each subcommand wires the library crates together.
//!
//! Layout:
//! - `demo.rs`: `headcount demo`, the simulator, its history, live collection and the
//!   dashboard in one command.
//! - `main.rs`: arguments, logging, dispatch, and the mapping of errors to exit codes
//!   (2 for bad usage or configuration, 1 for runtime failures).
//! - `simulate.rs`: `headcount simulate`, the built-in contact center.
//! - `collect.rs`, `init.rs`, `check.rs`, `import.rs`: the collector, an example
//!   config, checking a setup, loading history; `util.rs`: their config helpers.
//! - `export.rs`: `headcount export --remote-write`, history replayed to Prometheus,
//!   and the live exporter `run` and `collect` start.
//! - `alerts.rs`: `headcount alerts replay|test`, and the live alerting `run` and
//!   `collect` start.
//! - `report.rs`: `headcount report`, a target's report as tables, JSON or CSV.
//! - `chart.rs`: `headcount chart`, a target's chart as a PNG or SVG file.
//! - `sla.rs`: `headcount sla`, an SLA's compliance per period; `readiness.rs`:
//!   `headcount readiness`, enough agents at a coming launch?
//! - `serve.rs`: `headcount serve`, the web server alone (and the server pieces `run`
//!   and `demo` share); `run.rs`: `headcount run`, collector and web server in one.
//! - `bench.rs` (with `bench/`): `headcount bench`, the quality bars measured.
//! - `signal.rs`: the one shutdown signal (Ctrl-C and SIGTERM) every long-running command uses.

mod alerts;
mod bench;
mod chart;
mod check;
mod collect;
mod demo;
mod export;
mod fmt;
#[cfg(test)]
mod golden;
mod import;
mod init;
mod readiness;
mod report;
mod run;
mod serve;
mod signal;
mod simulate;
mod sla;
mod util;

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

/// A failure the command has already reported in its own output (`headcount bench`'s
/// summary line): `main` exits with code 1 and prints nothing more.
#[derive(Debug)]
pub struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failed, as reported above")
    }
}

impl std::error::Error for Reported {}

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
    propagate_version = true,
    after_help = "New here? `headcount demo` runs a simulated contact center with two weeks of \
its history, collects it live and serves the dashboard on http://127.0.0.1:8080/.

Examples:
  headcount demo
  headcount init headcount.toml
  CONVOSO_AUTH_TOKEN=... headcount check --config headcount.toml
  headcount run --config /etc/headcount/headcount.toml
  headcount report --config headcount.toml --target sales --from now-7d
  headcount help COMMAND"
)]
struct Cli {
    /// Log level or filter (e.g. `info`, `debug`, `headcount_collector=debug`); overrides RUST_LOG.
    #[arg(long, global = true, value_name = "FILTER")]
    log_level: Option<String>,

    /// Log format [default: the config's `[log] format`, else text].
    #[arg(long, global = true, value_enum)]
    log_format: Option<LogFormat>,

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
    Demo(demo::Args),
    Simulate(simulate::Args),
    Run(run::Args),
    Collect(collect::Args),
    Serve(serve::Args),
    Init(init::Args),
    Check(check::Args),
    Import(import::Args),
    Report(report::Args),
    Chart(chart::Args),
    Sla(sla::Args),
    Readiness(readiness::Args),
    Bench(bench::Args),
    Export(export::Args),
    Alerts(alerts::Args),
}

impl Command {
    /// The config file the command reads, if any: its `[log]` section sets logging
    /// defaults.
    fn config_path(&self) -> Option<&std::path::Path> {
        match self {
            Command::Collect(a) => Some(&a.config),
            Command::Check(a) => Some(&a.config),
            Command::Import(a) => Some(&a.config),
            Command::Report(a) => Some(&a.config),
            Command::Run(a) => Some(&a.config),
            Command::Serve(a) => Some(&a.config),
            Command::Chart(a) => Some(&a.config),
            Command::Sla(a) => Some(&a.config),
            Command::Readiness(a) => Some(&a.config),
            Command::Export(a) => Some(&a.config),
            Command::Alerts(a) => Some(a.config()),
            Command::Demo(_) | Command::Simulate(_) | Command::Init(_) | Command::Bench(_) => None,
        }
    }
}

/// Logging from, first to last: the command line, `RUST_LOG`, the config's `[log]`
/// (`config_log`, when the command has a config that loaded), `info` as text.
fn init_logging(cli: &Cli, config_log: Option<&headcount_config::LogConfig>) -> anyhow::Result<()> {
    use tracing_subscriber::EnvFilter;
    let filter = match &cli.log_level {
        Some(spec) => {
            EnvFilter::try_new(spec).map_err(|e| usage(anyhow::anyhow!("--log-level: {e}")))?
        }
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| {
            let level = config_log
                .as_ref()
                .and_then(|l| l.level.as_deref())
                .unwrap_or("info");
            // The scheduler's start-up chatter is noise at info; a filter that names
            // it explicitly still wins.
            let spec = if level.contains("tokio_cron_scheduler") {
                level.to_owned()
            } else {
                format!("{level},tokio_cron_scheduler=warn")
            };
            EnvFilter::try_new(spec).unwrap_or_else(|_| EnvFilter::new("info"))
        }),
    };
    let format = cli
        .log_format
        .unwrap_or(match config_log.map(|l| l.format) {
            Some(headcount_config::LogFormat::Json) => LogFormat::Json,
            _ => LogFormat::Text,
        });
    // Colours only for a person at a terminal: journald and log files get plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    Ok(())
}

/// Runs the command. `config` is the result of loading [`Command::config_path`],
/// `None` for commands without one; a config that failed to load fails here, once
/// logging is set up.
async fn dispatch(
    command: Command,
    config: Option<anyhow::Result<headcount_config::Config>>,
) -> anyhow::Result<()> {
    let config = config.transpose()?;
    // Only commands with a config path get here with `Some`.
    let loaded =
        move || config.ok_or_else(|| anyhow::anyhow!("internal: the command has no config file"));
    match command {
        Command::Demo(args) => demo::run(args).await,
        Command::Simulate(args) => simulate::run(args).await,
        Command::Run(args) => run::run(args, loaded()?).await,
        Command::Collect(_) => collect::run(loaded()?).await,
        Command::Serve(args) => serve::run(args, loaded()?).await,
        Command::Init(args) => init::run(&args),
        Command::Check(args) => check::run(args, loaded()?).await,
        Command::Import(args) => import::run(args, loaded()?).await,
        Command::Report(args) => report::run(args, loaded()?).await,
        Command::Chart(args) => chart::run(args, loaded()?).await,
        Command::Sla(args) => sla::run(args, loaded()?).await,
        Command::Readiness(args) => readiness::run(args, loaded()?).await,
        Command::Bench(args) => bench::run(args).await,
        Command::Export(args) => export::run(args, loaded()?).await,
        Command::Alerts(args) => alerts::run(args, loaded()?).await,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The config is read once, here: logging takes its `[log]`, the command the rest.
    let config = cli.command.config_path().map(util::load_config);
    let config_log = match &config {
        Some(Ok(c)) => Some(&c.log),
        _ => None,
    };
    let result = init_logging(&cli, config_log).and_then(|()| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(dispatch(cli.command, config)))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.downcast_ref::<Reported>().is_some() => ExitCode::from(1),
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
