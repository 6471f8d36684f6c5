//! `headcount check`: the config, the database and one poll per target.

use std::path::{Path, PathBuf};

use anyhow::Context;
use headcount_collector::{PollResult, poll_once};
use headcount_config::Config;
use headcount_config::fmt_duration;
use headcount_store::{Reader, Reads};

use crate::util::classify;

/// Check the config, the database, and one poll per target.
///
/// The config must parse; the database, if it exists, must be a sound headcount
/// database (it is only read: a missing one is reported, never created, and one at an
/// older schema is left for `collect` or `run` to migrate); and each target is polled
/// once.
///
/// Prints one line per target: its filters, the outcome, the counts, utilization and
/// latency. Exits with 1 if any poll failed, 2 if the config or the token variable is
/// wrong.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  CONVOSO_AUTH_TOKEN=abc123 headcount check --config headcount.toml")]
pub struct Args {
    /// The config file.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: PathBuf,
}

/// Runs the checks and prints the table.
pub async fn run(args: Args, config: Config) -> anyhow::Result<()> {
    println!(
        "config:   {} ok, {} targets",
        args.config.display(),
        config.targets.len()
    );
    if !config.alerts.is_empty() || !config.channels.is_empty() {
        // A channel's URL variable unset is a config error, as `run` would find it.
        for c in &config.channels {
            c.url().map_err(crate::usage)?;
        }
        let channels: Vec<String> = config
            .channels
            .iter()
            .map(|c| format!("{} ({})", c.name, c.kind.as_str()))
            .collect();
        println!(
            "alerts:   {} rule{}; channels: {}",
            config.alerts.len(),
            if config.alerts.len() == 1 { "" } else { "s" },
            if channels.is_empty() {
                "none".to_owned()
            } else {
                channels.join(", ")
            }
        );
    }
    let token = config.upstream_token().map_err(crate::usage)?;

    let path = config.storage.path.clone();
    let database = tokio::task::spawn_blocking(move || database(&path))
        .await
        .context("database check")??;
    println!(
        "database: {} {database}; raw samples kept {}, rollups {}",
        config.storage.path.display(),
        config.storage.raw_retention,
        config.storage.rollup_retention
    );
    println!(
        "upstream: {} {} (timeout {}, {} at once)",
        config.upstream.method,
        headcount_convoso::display_url(&config.upstream.base_url),
        fmt_duration(config.upstream.timeout),
        config.upstream.concurrency
    );
    println!();

    let results = poll_once(&config, token).await.map_err(classify)?;
    print!("{}", table(&results));
    let failed: Vec<&PollResult> = results.iter().filter(|r| r.result.is_err()).collect();
    if failed.is_empty() {
        return Ok(());
    }
    println!();
    for r in &failed {
        if let Err(e) = &r.result {
            println!("{}: {e}", r.target);
        }
    }
    // What to do, once per kind of failure.
    let mut outcomes: Vec<headcount_store::Outcome> = failed.iter().map(|r| r.outcome()).collect();
    outcomes.sort_unstable();
    outcomes.dedup();
    println!();
    for o in outcomes {
        println!("{o}: {}", o.advice());
    }
    anyhow::bail!("check: {} of {} polls failed", failed.len(), results.len())
}

/// What the database is, read only: a missing file is described, never created.
///
/// # Errors
///
/// When the file exists but is not a sound headcount database, or when it is missing
/// and its directory is not there to create it in.
fn database(path: &Path) -> anyhow::Result<String> {
    if !path.exists() {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(crate::usage(anyhow::anyhow!(
                "database {}: its directory {} does not exist; create it or fix storage.path",
                path.display(),
                dir.display()
            )));
        }
        return Ok(
            "does not exist yet: `headcount collect` or `headcount run` creates it".to_owned(),
        );
    }
    let reader = match Reader::open(path) {
        Ok(r) => r,
        Err(headcount_store::Error::NotMigrated {
            found, expected, ..
        }) => {
            return Ok(format!(
                "at schema version {found}: `headcount collect` or `headcount run` migrates it to {expected}"
            ));
        }
        Err(e) => return Err(e.into()),
    };
    crate::util::refuse_damaged(&reader, path)?;
    let series = reader
        .targets()
        .with_context(|| format!("database {}", path.display()))?
        .len();
    Ok(format!("ok, {series} series recorded"))
}

/// The results as an aligned table, numbers right-aligned.
fn table(results: &[PollResult]) -> String {
    let header = [
        "TARGET",
        "FILTERS",
        "OUTCOME",
        "AVAILABLE",
        "LOGGED_IN",
        "UTILIZATION",
        "LATENCY",
    ];
    let rows: Vec<[String; 7]> = results
        .iter()
        .map(|r| {
            let (available, logged_in, utilization) = match &r.result {
                Ok(a) => (
                    a.available_agents.to_string(),
                    a.logged_in_agents.to_string(),
                    if a.logged_in_agents == 0 {
                        "-".to_owned()
                    } else {
                        let busy = a.logged_in_agents - a.available_agents;
                        format!(
                            "{:.1}%",
                            100.0 * f64::from(busy) / f64::from(a.logged_in_agents)
                        )
                    },
                ),
                Err(_) => ("-".to_owned(), "-".to_owned(), "-".to_owned()),
            };
            [
                r.target.clone(),
                r.filters.to_string(),
                r.outcome().to_string(),
                available,
                logged_in,
                utilization,
                format!("{} ms", r.latency.as_millis()),
            ]
        })
        .collect();
    let mut table = crate::fmt::Table::new("lllrrrr").indent(0);
    table.header(header);
    for row in &rows {
        table.row(row.each_ref().map(String::as_str));
    }
    let mut out = String::new();
    table.render(&mut out);
    out
}
