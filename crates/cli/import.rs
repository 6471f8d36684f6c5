//! `headcount import`: load history from a CSV file.

use std::convert::Infallible;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::Context;
use headcount_collector::read_history;
use headcount_config::Config;
use headcount_store::{ImportError, Store};
use indicatif::{ProgressBar, ProgressStyle};

use crate::usage;
use crate::util::classify;

/// Files with fewer rows than this finish before a progress bar would tell anything.
const BAR_FROM_ROWS: u64 = 65_536;

/// Load a target's history from a CSV file.
///
/// The file has rows of `ts,available,logged_in`.
///
/// `ts` is RFC 3339 or unix seconds; an optional header line `ts,available,logged_in`
/// is skipped. The whole file is checked before anything is written, and written in
/// one transaction: a bad row stops the import with its line number (exit code 2) and
/// leaves the database as it was. Rows whose ts is already stored are skipped and
/// counted, and so are rows in a period whose raw samples retention already pruned
/// (their 15-minute rollups count them already). 15-minute rollups are updated with
/// the samples.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  headcount import --config headcount.toml --target sales history.csv

  history.csv:
    ts,available,logged_in
    2026-11-20T09:00:00-05:00,12,48
    1795183215,11,48")]
pub struct Args {
    /// The config file: where the database is, and the target's filters.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: PathBuf,
    /// The target whose history this is (a `[[target]]` name of the config).
    #[arg(long, value_name = "NAME")]
    pub target: String,
    /// The CSV file.
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,
}

/// Imports the file.
pub async fn run(args: Args, config: Config) -> anyhow::Result<()> {
    if config.target(&args.target).is_none() {
        let known: Vec<&str> = config.targets.iter().map(|t| t.name.as_str()).collect();
        return Err(usage(anyhow::anyhow!(
            "--target: unknown target {:?}; {} has {}",
            args.target,
            args.config.display(),
            known.join(", ")
        )));
    }
    tokio::task::spawn_blocking(move || import(&config, &args.target, &args.file))
        .await
        .context("import")?
}

fn open(path: &Path) -> anyhow::Result<BufReader<File>> {
    let cannot = |why: String| usage(anyhow::anyhow!("FILE.csv: {}: {why}", path.display()));
    if path.is_dir() {
        return Err(cannot("is a directory, not a CSV file".to_owned()));
    }
    File::open(path)
        .map(|f| BufReader::with_capacity(1 << 16, f))
        .map_err(|e| cannot(format!("cannot open: {e}")))
}

fn import(config: &Config, name: &str, file: &Path) -> anyhow::Result<()> {
    let target = config.target(name).context("target")?;
    // The whole file is read and checked before the database is touched, so a bad
    // row leaves it exactly as it was (not even the series is created).
    let now = chrono::Utc::now().timestamp();
    let history = read_history(open(file)?, now).map_err(|e| match e {
        headcount_collector::Error::ImportRead(why) => {
            usage(anyhow::anyhow!("import: {}: {why}", file.display()))
        }
        other => classify(other),
    })?;
    let rows = history.rows.len() as u64;

    let mut store = Store::open(&config.storage.path)?;
    // With export configured, the live exporter sends what this inserts.
    store.set_export_log(config.export.remote_write.is_some());
    let id = store.ensure_target(&target.name, &target.filters_json(), now)?;
    let bar = if rows >= BAR_FROM_ROWS {
        // Hidden by indicatif when stderr is not a terminal.
        let bar = ProgressBar::new(rows);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:40}] {human_pos}/{human_len} rows ({per_sec}, {eta} left)",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(format!("importing {}", file.display()));
        bar
    } else {
        ProgressBar::hidden()
    };
    let summary = store
        .import(
            id,
            history.rows.iter().map(|r| Ok::<_, Infallible>(*r)),
            |n| bar.set_position(n),
        )
        .map_err(|e| match e {
            ImportError::Source(never) => match never {},
            ImportError::InvalidRow { index, ts, reason } => usage(anyhow::anyhow!(
                "import: row {} (ts {ts}): {reason}",
                index + 1
            )),
            ImportError::Store(e) => anyhow::Error::new(e),
        });
    bar.finish_and_clear();
    let summary = summary?;
    // Leave a compact file behind a large import rather than a WAL as big as it.
    let _ = store.checkpoint();
    let repeated = if history.repeated > 0 {
        format!(", {} repeated rows of the file left out", history.repeated)
    } else {
        String::new()
    };
    println!(
        "{}: read {} rows into target {:?}: {} inserted, {} duplicates skipped, {} skipped as already pruned{repeated}",
        file.display(),
        summary.rows + history.repeated,
        target.name,
        summary.inserted,
        summary.duplicates,
        summary.pruned_skipped
    );
    Ok(())
}
