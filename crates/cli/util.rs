//! Helpers shared by the subcommands that read a config file.

use std::path::{Path, PathBuf};

use anyhow::Context;
use headcount_config::{Config, TargetConfig};
use headcount_store::{OpsReads, Reader, Reads, TargetId};

use crate::usage;

/// Loads and checks the config file; every problem with it exits with code 2.
pub fn load_config(path: &Path) -> anyhow::Result<Config> {
    Config::load(path).map_err(|e| match e {
        headcount_config::Error::ReadConfig { path, error } => usage(anyhow::anyhow!(
            "--config: cannot read {}: {error}",
            path.display()
        )),
        other => usage(other),
    })
}

/// A collector error as the binary reports it: the user's input at fault (config,
/// environment, import file) exits with code 2, anything else with 1.
pub fn classify(e: headcount_collector::Error) -> anyhow::Error {
    if e.is_usage() {
        usage(e)
    } else {
        anyhow::Error::new(e)
    }
}

/// The configured target called `name`; any other name is a usage error (exit code
/// 2) that lists the configured ones.
///
/// # Errors
///
/// As said, for an unknown name.
pub fn config_target<'a>(
    config: &'a Config,
    config_path: &Path,
    name: &str,
) -> anyhow::Result<&'a TargetConfig> {
    config.target(name).ok_or_else(|| {
        let known: Vec<&str> = config.targets.iter().map(|t| t.name.as_str()).collect();
        usage(anyhow::anyhow!(
            "--target: unknown target {name:?}; {} has {}",
            config_path.display(),
            known.join(", ")
        ))
    })
}

/// The database, read-only. A missing file is a runtime failure with a hint rather
/// than SQLite's "unable to open database file".
///
/// # Errors
///
/// When the file is missing, unreadable, not headcount's or at another schema.
pub fn open_reader(path: &Path) -> anyhow::Result<Reader> {
    if !path.exists() {
        anyhow::bail!(
            "database {}: not found; has the collector run? (`headcount collect`, \
             `headcount run` or `headcount import` create it)",
            path.display()
        );
    }
    Ok(Reader::open(path)?)
}

/// The stored series of `target` under its current filters.
///
/// # Errors
///
/// When there is none, with a hint: the collector has not run since the target was
/// configured, or its history is recorded under other filters (named).
pub fn series_id(reader: &Reader, db: &Path, target: &TargetConfig) -> anyhow::Result<TargetId> {
    let filters = target.filters_json();
    let named = || format!("database {}", db.display());
    if let Some(id) = reader.target(&target.name, &filters).with_context(named)? {
        return Ok(id);
    }
    let others: Vec<String> = reader
        .series_of(&target.name)
        .with_context(named)?
        .into_iter()
        .map(|row| row.filters)
        .collect();
    let hint = if others.is_empty() {
        "has the collector run since it was configured?".to_owned()
    } else {
        format!(
            "history is recorded under other filters: {}",
            others.join(", ")
        )
    };
    anyhow::bail!(
        "target {:?} (filters {filters}): no history in {}; {hint}",
        target.name,
        db.display()
    )
}

/// Reads `target`'s history in the database `db` on a blocking thread, in one
/// snapshot (every read of `f` sees the same rows): `f` gets the reader and the
/// target's series. `what` names the task if the thread fails.
///
/// # Errors
///
/// As [`open_reader`] and [`series_id`]; what `f` returns.
pub async fn read_target<T: Send + 'static>(
    what: &'static str,
    db: PathBuf,
    target: TargetConfig,
    f: impl FnOnce(&Reader, headcount_query::SeriesRef<'_>, &Path) -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(move || {
        let reader = open_reader(&db)?;
        let id = series_id(&reader, &db, &target)?;
        let t = headcount_query::SeriesRef {
            id,
            name: &target.name,
        };
        reader.snapshot(|reader| f(reader, t, &db))
    })
    .await
    .context(what)?
}

/// Reads every page of the database once (SQLite's `quick_check`, about a second per
/// gigabyte) and refuses a damaged one, naming it and its first problem.
///
/// # Errors
///
/// When the check cannot run or finds a problem.
pub fn refuse_damaged(reader: &Reader, path: &Path) -> anyhow::Result<()> {
    let problems = reader
        .quick_check()
        .with_context(|| format!("database {}", path.display()))?;
    if let Some(first) = problems.first() {
        anyhow::bail!(
            "database {}: damaged ({} problem(s), the first: {first}); restore it from a backup",
            path.display(),
            problems.len()
        );
    }
    Ok(())
}
