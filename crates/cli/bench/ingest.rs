//! Bench section `ingest`: bulk import with 15-minute rollups, end to end and in
//! process; bytes on disk; the demo's seeding.
//!
//! The bar's figure is the whole command: the history is written as a CSV file, and
//! this binary runs `headcount import --config <file> --target sales <file.csv>` as a
//! child process, timed from spawn to exit (process start, config, reading the file
//! twice, the transaction, the checkpoint), the median of a few runs, each into a new
//! database. The in-process [`Store::import`] of the same rows is shown beside it:
//! the difference is the CSV parsing and the process. Bytes on disk are those of the
//! database the command wrote. The in-process database becomes the one the sections
//! after this one read, once the noisy target is added to it.

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono_tz::Tz;
use headcount_query::{SeriesQuery, SeriesRef, Step, Thresholds};
use headcount_simulator::{Center, CenterConfig};
use headcount_store::{OpsReads, Reader, Reads, Store};

use super::child::{self, Child};
use super::data;
use super::{Bar, Bench, Figure, secs};

/// Runs of the import command.
const RUNS: usize = 3;

/// The demo's seeding: 14 days of its six targets, ending at this instant (Monday
/// 2026-11-23 12:00:07 in New York), as the golden tests seed it.
const DEMO_DAYS: u32 = 14;
const DEMO_NOW: i64 = 1_795_453_207;

/// Imports the history as a command and in process, and measures the file.
pub fn run(bench: &mut Bench) -> anyhow::Result<Vec<Figure>> {
    let mut figures = Vec::new();
    let started = Instant::now();
    let fresh = !bench.has_history();
    let rows = bench.history().to_vec();
    if fresh {
        figures.push(Figure::info(
            "generating the samples (not measured)",
            secs(started.elapsed()),
            "s",
        ));
    }
    let n = rows.len() as f64;
    let dir = bench.dir.path().join("ingest");
    std::fs::create_dir_all(&dir)?;
    let csv = dir.join("history.csv");
    let csv_bytes = data::write_csv(&csv, &rows)?;

    // The command, a few times, each into a new database; the last one is measured.
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for i in 0..RUNS {
        let db = dir.join(format!("import-{i}.db"));
        let config_path = dir.join(format!("import-{i}.toml"));
        let config = data::write_config(&config_path, &data::config_text(&db))?;
        let took = import_command(&config_path, &csv, &dir)?;
        times.push(took);
        if let Some((old_db, _)) = last.replace((db, config)) {
            remove_db(&old_db);
        }
    }
    let (db, config) = last.context("no import ran")?;
    let command = super::middle(&mut times);
    let fastest = times.first().copied().unwrap_or(command);

    // The command stored every row, with its rollups: count them through the rollups.
    let reader = Reader::open(&db)?;
    let target = config.target("sales").context("target")?;
    let id = reader
        .target("sales", &target.filters_json())?
        .context("the import stored no series")?;
    let to = data::START + i64::from(bench.scope.days) * 86_400;
    let q = SeriesQuery {
        from: data::START,
        to,
        tz: Tz::UTC,
        step: Step::Day,
        thresholds: Thresholds::default(),
        now: to,
    };
    let stored: u64 = headcount_query::series(&reader, SeriesRef { id, name: "sales" }, &q)?
        .points
        .iter()
        .map(|p| p.samples)
        .sum();
    anyhow::ensure!(
        stored == rows.len() as u64,
        "headcount import stored {stored} of {} samples",
        rows.len()
    );
    let file_bytes = std::fs::metadata(&db)?.len() as f64;
    let samples_bytes = reader
        .table_bytes()?
        .into_iter()
        .filter(|(name, _)| name == "samples")
        .map(|(_, bytes)| bytes as f64)
        .sum::<f64>();
    drop(reader);
    remove_db(&db);
    std::fs::remove_file(&csv)?;

    // The same rows in process, into the database the later sections read.
    let shared = bench.dir.path().join("bench.db");
    let keep = bench.db.is_none();
    let path = if keep {
        shared
    } else {
        dir.join("in-process.db")
    };
    let config = data::write_config(&dir.join("bench.toml"), &data::config_text(&path))?;
    let mut store = Store::open(&path)?;
    let started = Instant::now();
    let target = data::import(&mut store, &config, "sales", &rows)?;
    let in_process = started.elapsed();
    drop(rows);
    if keep {
        bench.db = Some(data::finish(store, &config, target, bench.scope)?);
    } else {
        drop(store);
        remove_db(&path);
    }

    let demo = demo_seeding(&dir)?;

    figures.extend([
        Figure::with_bar(
            format!(
                "bulk ingest: `headcount import`, {} MB CSV file to exit (median of {RUNS})",
                crate::fmt::figure(csv_bytes as f64 / 1e6)
            ),
            n / command.as_secs_f64(),
            "samples/s",
            Bar::AtLeast(500_000.0),
        ),
        Figure::info(
            format!("  the fastest of the {RUNS} runs"),
            n / fastest.as_secs_f64(),
            "samples/s",
        ),
        Figure::info(
            "  the same rows by Store::import in process (no CSV, no process)",
            n / in_process.as_secs_f64(),
            "samples/s",
        ),
        Figure::with_bar(
            "raw sample on disk: samples table",
            samples_bytes / n,
            "bytes",
            Bar::AtMost(24.0),
        ),
        Figure::with_bar(
            "raw sample on disk: whole file, rollups included",
            file_bytes / n,
            "bytes",
            Bar::AtMost(24.0),
        ),
        Figure::info(
            format!(
                "demo seeding: {DEMO_DAYS} days of 6 targets ({} samples), model and store",
                crate::fmt::count(demo.1)
            ),
            secs(demo.0),
            "s",
        ),
    ]);
    Ok(figures)
}

/// Runs `headcount import` of `csv` as `sales` with the config at `config`; its time
/// from spawn to exit.
fn import_command(
    config: &std::path::Path,
    csv: &std::path::Path,
    dir: &std::path::Path,
) -> anyhow::Result<Duration> {
    let log = dir.join("import.log");
    let mut cmd = child::headcount("warn", &["import", "--config"])?;
    cmd.arg(config)
        .args(["--target", "sales"])
        .arg(csv)
        .stderr(std::fs::File::create(&log)?);
    let started = Instant::now();
    let mut import = Child::spawn(cmd, "headcount import", Some(log))?;
    let status = import.finish()?;
    let took = started.elapsed();
    import.check(status)?;
    Ok(took)
}

/// `headcount demo`'s seeding of [`DEMO_DAYS`] into a new database: its time and the
/// samples written.
fn demo_seeding(dir: &std::path::Path) -> anyhow::Result<(Duration, u64)> {
    let dir = dir.join("demo");
    std::fs::create_dir_all(&dir)?;
    let config = crate::demo::offline_config(&dir)?;
    let center = Center::new(CenterConfig::default());
    let started = Instant::now();
    let mut store = Store::open(&config.storage.path)?;
    let written = crate::demo::seed_at(&mut store, &config, &center, DEMO_DAYS, DEMO_NOW)?;
    let _ = store.checkpoint();
    let took = started.elapsed();
    drop(store);
    std::fs::remove_dir_all(&dir)?;
    Ok((took, written))
}

/// Removes a database file and its WAL and shared-memory files; a failure costs only
/// disk until the bench's directory is removed.
fn remove_db(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}
