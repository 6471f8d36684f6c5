//! The bench's data: the histories of its two targets, the shared database holding
//! them, the CSV file `headcount import` reads, and the config files of the child
//! processes.
//!
//! Both targets are the simulator's campaign 111 every 15 s from [`START`]: `sales` as
//! the model gives it ([`headcount_simulator::history::counts`]), `noisy` with
//! `available` drawn afresh every sample ([`headcount_simulator::history::noisy`]), so
//! its state flips every few samples: the worst case for states and episodes.

use std::convert::Infallible;
use std::io::Write as _;
use std::path::Path;

use anyhow::Context;
use headcount_config::Config;
use headcount_simulator::{Center, CenterConfig, Filter};
use headcount_store::{ImportRow, Store};

use super::{Bench, Db, Scope};

/// The first sample: Monday 2025-01-06 00:00 UTC.
pub const START: i64 = 1_736_121_600;

/// The seed of the noisy target's draws.
const NOISY_SEED: u64 = 10;

/// The bench's config for a database at `db`: the two targets, raw samples kept
/// forever (a year of history must not be pruned under the bench), and no API token
/// unless `HEADCOUNT_BENCH_API_TOKEN` is set (the bench removes it from its children).
/// Nothing here polls, so the upstream is a port nobody answers.
pub fn config_text(db: &Path) -> String {
    format!(
        r#"# Written by `headcount bench`.
[upstream]
base_url = "http://127.0.0.1:9/v1"

[storage]
path = {db}
raw_retention = "forever"

[web]
listen = "127.0.0.1:0"
api_token_env = "{TOKEN_ENV}"

[[target]]
name = "sales"
campaign_id = 111

[[target]]
name = "noisy"
campaign_id = 111
"#,
        db = crate::demo::toml_string(&db.to_string_lossy()),
    )
}

/// The variable the bench's config reads the API token from; removed from children.
pub const TOKEN_ENV: &str = "HEADCOUNT_BENCH_API_TOKEN";

/// Writes `text` to `path` and parses it as the binary would.
///
/// # Errors
///
/// When the file cannot be written or the text is not a valid config.
pub fn write_config(path: &Path, text: &str) -> anyhow::Result<Config> {
    std::fs::write(path, text).with_context(|| format!("write {}", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    Config::parse(text, dir).map_err(|e| anyhow::anyhow!("the bench's own config: {e}"))
}

/// One sample per step of campaign 111, from the simulator's model.
pub fn sales(scope: Scope) -> Vec<ImportRow> {
    let (center, to) = model(scope);
    let selection = center.select(&Filter::campaign(111));
    rows(headcount_simulator::history::counts(
        &center, &selection, START, to, scope.step,
    ))
}

/// As [`sales`], with `available` drawn afresh for every sample.
pub fn noisy(scope: Scope) -> Vec<ImportRow> {
    let (center, to) = model(scope);
    let selection = center.select(&Filter::campaign(111));
    rows(headcount_simulator::history::noisy(
        &center, &selection, START, to, scope.step, NOISY_SEED,
    ))
}

fn model(scope: Scope) -> (Center, i64) {
    let to = START + i64::try_from(scope.samples()).unwrap_or(0) * scope.step;
    (Center::new(CenterConfig::default()), to)
}

fn rows(counts: Vec<(i64, headcount_simulator::Counts)>) -> Vec<ImportRow> {
    counts
        .into_iter()
        .map(|(ts, c)| ImportRow {
            ts,
            available: c.available,
            logged_in: c.logged_in,
        })
        .collect()
}

/// Writes `rows` as the CSV file `headcount import` reads: a header, then
/// `ts,available,logged_in` with unix seconds. Returns the file's size in bytes.
///
/// # Errors
///
/// When the file cannot be written.
pub fn write_csv(path: &Path, rows: &[ImportRow]) -> anyhow::Result<u64> {
    let file = std::fs::File::create(path).with_context(|| format!("create {}", path.display()))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    writeln!(out, "ts,available,logged_in")?;
    for r in rows {
        writeln!(out, "{},{},{}", r.ts, r.available, r.logged_in)?;
    }
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// Imports `rows` as `name`'s history (as the config file names it) into `store`.
///
/// # Errors
///
/// When the store fails or not every row was new.
pub fn import(
    store: &mut Store,
    config: &Config,
    name: &str,
    rows: &[ImportRow],
) -> anyhow::Result<headcount_store::TargetId> {
    let target = config.target(name).context("the bench's target")?;
    let id = store.ensure_target(name, &target.filters_json(), START)?;
    let summary = store
        .import(id, rows.iter().map(|r| Ok::<_, Infallible>(*r)), |_| {})
        .map_err(|e| anyhow::anyhow!("import {name}: {e}"))?;
    anyhow::ensure!(
        summary.inserted == rows.len() as u64,
        "import {name}: {} of {} samples inserted",
        summary.inserted,
        rows.len()
    );
    Ok(id)
}

impl Bench {
    /// The `sales` history, generated on first use.
    pub fn history(&mut self) -> &[ImportRow] {
        let scope = self.scope;
        self.history.get_or_insert_with(|| sales(scope))
    }

    /// Whether [`Bench::history`] has been generated.
    pub fn has_history(&self) -> bool {
        self.history.is_some()
    }

    /// The database of both targets, prepared (unmeasured) by the first section that
    /// asks unless `ingest` left one.
    ///
    /// # Errors
    ///
    /// When the database cannot be written.
    pub fn database(&mut self) -> anyhow::Result<&Db> {
        if self.db.is_none() {
            let path = self.dir.path().join("bench.db");
            let config = Config::parse(&config_text(&path), self.dir.path())
                .map_err(|e| anyhow::anyhow!("the bench's own config: {e}"))?;
            let mut store = Store::open(&path)?;
            let rows = self.history().to_vec();
            let target = import(&mut store, &config, "sales", &rows)?;
            drop(rows);
            self.db = Some(finish(store, &config, target, self.scope)?);
        }
        self.db.as_ref().context("no database")
    }
}

/// Adds the noisy target to `store`, which holds `sales` as `target`, checkpoints it
/// and describes it as the shared database.
///
/// # Errors
///
/// When the store fails.
pub fn finish(
    mut store: Store,
    config: &Config,
    target: headcount_store::TargetId,
    scope: Scope,
) -> anyhow::Result<Db> {
    let noisy = import(&mut store, config, "noisy", &self::noisy(scope))?;
    // Readers then find a compact file rather than a WAL as large as the history.
    store.checkpoint()?;
    Ok(Db {
        path: store.path().to_owned(),
        target,
        noisy,
        from: START,
        to: START + i64::from(scope.days) * 86_400,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_names_both_targets_keeps_raw_samples_and_quotes_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a \"b\".db");
        let config = Config::parse(&config_text(&db), dir.path()).unwrap();
        assert_eq!(config.storage.path, db);
        let names: Vec<&str> = config.targets.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["sales", "noisy"]);
        assert_eq!(config.web.api_token_env, TOKEN_ENV);
        assert_eq!(
            config.storage.raw_retention,
            headcount_config::Retention::Forever
        );
    }

    #[test]
    fn the_csv_file_is_what_headcount_import_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.csv");
        let rows = [
            ImportRow {
                ts: START,
                available: 3,
                logged_in: 10,
            },
            ImportRow {
                ts: START + 15,
                available: 0,
                logged_in: 0,
            },
        ];
        let bytes = write_csv(&path, &rows).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "ts,available,logged_in\n1736121600,3,10\n1736121615,0,0\n"
        );
        assert_eq!(bytes, text.len() as u64);
        let read: Vec<ImportRow> =
            headcount_collector::read_csv(std::fs::File::open(&path).unwrap())
                .collect::<Result<_, _>>()
                .unwrap();
        assert_eq!(read, rows);
    }
}
