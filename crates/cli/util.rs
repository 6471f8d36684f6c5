//! Helpers shared by the subcommands that read a config file.

use std::path::Path;

use headcount_collector::config::Retention;
use headcount_collector::{Config, Target};
use headcount_query::{Peak, Settings, Thresholds};
use headcount_store::{Reader, Reads, TargetId};

use crate::usage;

/// Loads and checks the config file; every problem with it exits with code 2.
pub fn load_config(path: &Path) -> anyhow::Result<Config> {
    Config::load(path).map_err(|e| match e {
        headcount_collector::Error::ReadConfig { path, source } => usage(anyhow::anyhow!(
            "--config: cannot read {}: {source}",
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

/// The `[report]` section as the query crate takes it: zone, peak window, thresholds;
/// and `storage.raw_retention`, which decides the finest step of old ranges.
/// Every command that reports (`report`, `chart`, `serve`, `run`) converts it here.
///
/// # Errors
///
/// A usage error (exit code 2) if the query crate refuses a value the config checker
/// let through; it checks the same rules, so this means the two disagree.
pub fn settings_from(config: &Config) -> anyhow::Result<Settings> {
    let r = &config.report;
    let config_err = |e: headcount_query::ParamError| usage(anyhow::anyhow!("config: report.{e}"));
    let peak = Peak::new(&r.peak.day_names(), &r.peak.hours).map_err(config_err)?;
    let t = r.thresholds;
    let thresholds = Thresholds::new(t.healthy, t.monitor, t.warning).map_err(config_err)?;
    let raw_retention = match config.storage.raw_retention {
        Retention::Forever => None,
        Retention::For(d) => Some(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
    };
    Ok(Settings {
        tz: r.timezone,
        peak,
        thresholds,
        raw_retention,
    })
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
) -> anyhow::Result<&'a Target> {
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
pub fn series_id(reader: &Reader, db: &Path, target: &Target) -> anyhow::Result<TargetId> {
    let filters = target.filters_json();
    if let Some(id) = reader.target(&target.name, &filters)? {
        return Ok(id);
    }
    let others: Vec<String> = reader
        .series_of(&target.name)?
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

#[cfg(test)]
mod tests {
    use chrono_tz::Tz;

    use super::*;

    fn parse(text: &str) -> Config {
        Config::parse(text, Path::new(".")).unwrap()
    }

    const UPSTREAM: &str =
        "[upstream]\nbase_url = \"http://127.0.0.1:9/v1\"\n\n[[target]]\nname = \"all\"\n";

    #[test]
    fn settings_default_to_utc_weekdays_nine_to_five_and_20_10_5() {
        let s = settings_from(&parse(UPSTREAM)).unwrap();
        // The config's default raw retention (35 days) bounds the steps of old ranges.
        let expected = Settings {
            raw_retention: Some(35 * 86_400),
            ..Settings::default()
        };
        assert_eq!(s, expected);
    }

    #[test]
    fn settings_carry_the_configured_zone_window_and_thresholds() {
        let text = format!(
            "[report]\ntimezone = \"Asia/Kolkata\"\n\
             peak = {{ days = [\"sat\", \"sun\"], hours = \"22:00-06:00\" }}\n\
             thresholds = {{ healthy = 30, monitor = 15, warning = 3 }}\n\n{UPSTREAM}"
        );
        let s = settings_from(&parse(&text)).unwrap();
        assert_eq!(s.tz, "Asia/Kolkata".parse::<Tz>().unwrap());
        assert_eq!(s.peak.to_string(), "sat,sun 22:00-06:00");
        assert_eq!(
            (
                s.thresholds.healthy(),
                s.thresholds.monitor(),
                s.thresholds.warning()
            ),
            (30, 15, 3)
        );
    }
}
