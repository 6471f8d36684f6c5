//! Measures bulk import speed and bytes per raw sample on disk: a sequential year of
//! 15-second samples of one target (2,102,400 rows), rollups included.
//!
//! Run in release: `cargo run --release -p headcount-store --example import_bench [DB]`.
//! Without DB a temporary file is used and removed afterwards.

use std::time::Instant;

use headcount_store::{ImportRow, Reads, Sample, Store, TargetId};

const ROWS: i64 = 365 * 24 * 240; // 2,102,400
const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = std::env::args_os()
        .nth(1)
        .map_or_else(|| dir.path().join("bench.db"), Into::into);
    let mut store = Store::open(&path)?;
    let t = store.ensure_target("bench", "{}", T0)?;

    // A day-shaped staffing curve with noise, so values vary like real counts.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let rows = (0..ROWS).map(move |i| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let ts = T0 + i * 15;
        let hour = (ts / 3600) % 24;
        let base = if (8..20).contains(&hour) { 120 } else { 30 };
        let logged_in = base + (seed % 11) as u32;
        let available = ((seed >> 8) % u64::from(logged_in / 4 + 1)) as u32;
        Ok::<_, std::convert::Infallible>(ImportRow {
            ts,
            available,
            logged_in,
        })
    });

    let start = Instant::now();
    let summary = store.import(t, rows, |_| {})?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "import: {} rows in {:.3} s = {:.0} samples/s",
        summary.inserted,
        secs,
        summary.inserted as f64 / secs
    );

    store.checkpoint()?;
    let file = std::fs::metadata(&path)?.len();
    let n = summary.inserted as f64;
    println!(
        "file after checkpoint: {file} bytes = {:.2} bytes/sample (rollups and dists included)",
        file as f64 / n
    );
    for (name, bytes) in store.table_bytes()? {
        println!(
            "  {name:<28} {bytes:>12} bytes  {:>8.2} bytes/sample",
            bytes as f64 / n
        );
    }

    let ninety = T0 + 90 * 86_400;
    let start = Instant::now();
    let rollups = store.rollups(t, T0, ninety)?;
    let rollup_ms = start.elapsed().as_secs_f64() * 1e3;
    let start = Instant::now();
    let dists = store.dists(t, T0, ninety)?;
    let dist_ms = start.elapsed().as_secs_f64() * 1e3;
    let pairs: usize = dists.iter().map(|(_, d)| d.distinct()).sum();
    let start = Instant::now();
    let mut samples = 0u64;
    store.for_each_dist_entry(t, T0, ninety, |_, _, _, c| samples += c)?;
    let each_ms = start.elapsed().as_secs_f64() * 1e3;
    println!(
        "read 90 days: {} rollups in {rollup_ms:.2} ms; {} dists ({pairs} pairs) in {dist_ms:.2} ms; \
         streamed ({samples} samples) in {each_ms:.2} ms",
        rollups.len(),
        dists.len(),
    );
    let start = Instant::now();
    let days = store.baseline_daily_means(t, T0, T0 + 365 * 86_400)?;
    println!(
        "baseline GROUP BY over raw samples, 1 year: {} days in {:.1} ms",
        days.len(),
        start.elapsed().as_secs_f64() * 1e3
    );

    // The collector's shape: one write_batch per tick for 1,000 targets.
    let targets: Vec<TargetId> = (0..1000)
        .map(|i| store.ensure_target(&format!("t{i}"), "{}", T0))
        .collect::<Result<_, _>>()?;
    let ticks = 240; // one hour at 15 s
    let start = Instant::now();
    for k in 0..ticks {
        let ts = T0 + k * 15;
        let batch: Vec<Sample> = targets
            .iter()
            .map(|&t| Sample::ok(t, ts, (k % 5) as u32, 10, Some(40 + (k % 100) as u32)))
            .collect();
        store.write_batch(&batch)?;
    }
    println!(
        "write_batch: 1,000 targets per tick, {:.2} ms per tick (mean of {ticks})",
        start.elapsed().as_secs_f64() * 1e3 / ticks as f64
    );
    Ok(())
}
