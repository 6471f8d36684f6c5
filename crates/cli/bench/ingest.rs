//! Bench section `ingest`: bulk import with 15-minute rollups, and bytes on disk.

use std::convert::Infallible;
use std::time::Instant;

use anyhow::Context;
use headcount_simulator::{Center, CenterConfig, Filter};
use headcount_store::{ImportRow, OpsReads, Store};

use super::{Bar, Bench, Db, Figure, Scope, secs};

/// The first sample: Monday 2025-01-06 00:00 UTC.
const START: i64 = 1_736_121_600;

/// Generates the history of campaign 111 of the simulated center, then imports it
/// into a new database file and measures the import and the file. The file is left
/// in `bench.db` for the sections after this one.
pub fn run(bench: &mut Bench) -> anyhow::Result<Vec<Figure>> {
    let scope = bench.scope;
    let started = Instant::now();
    let rows = generate(scope);
    let generated = started.elapsed();
    let n = rows.len() as f64;

    let dir = tempfile::tempdir().context("temporary directory")?;
    let path = dir.path().join("bench.db");
    let mut store = Store::open(&path)?;
    let target = store.ensure_target("sales", r#"{"campaign_id":"111"}"#, START)?;

    let started = Instant::now();
    let summary = store
        .import(target, rows.iter().map(|r| Ok::<_, Infallible>(*r)), |_| {})
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let ingest = started.elapsed();
    anyhow::ensure!(
        summary.inserted == rows.len() as u64,
        "imported {} of {} samples",
        summary.inserted,
        rows.len()
    );

    store.checkpoint()?;
    let file_bytes = std::fs::metadata(&path)?.len() as f64;
    let samples_bytes = store
        .table_bytes()?
        .into_iter()
        .filter(|(name, _)| name == "samples")
        .map(|(_, bytes)| bytes as f64)
        .sum::<f64>();
    drop(store);
    bench.db = Some(Db {
        _dir: dir,
        path,
        target,
        from: START,
        to: START + i64::from(scope.days) * 86_400,
    });

    Ok(vec![
        Figure::info(
            "generating the samples (not measured)",
            secs(generated),
            "s",
        ),
        Figure::with_bar(
            "bulk ingest, 15-minute rollups included",
            n / ingest.as_secs_f64(),
            "samples/s",
            Bar::AtLeast(500_000.0),
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
    ])
}

/// One sample per step of campaign 111, from the simulator's model.
fn generate(scope: Scope) -> Vec<ImportRow> {
    let center = Center::new(CenterConfig::default());
    let selection = center.select(&Filter::campaign(111));
    let to = START + i64::try_from(scope.samples()).unwrap_or(0) * scope.step;
    headcount_simulator::history::counts(&center, &selection, START, to, scope.step)
        .into_iter()
        .map(|(ts, c)| ImportRow {
            ts,
            available: c.available,
            logged_in: c.logged_in,
        })
        .collect()
}
