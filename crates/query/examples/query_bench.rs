//! Measures the query paths against the quality bars: a 1-year daily trend (a `1d`
//! series over 2,102,400 samples of one target, bar 20 ms) and a 90-day report with
//! every section (bar 50 ms), plus where the time goes.
//!
//! Run in release: `cargo run --release -p headcount-query --example query_bench [DB]`.
//! Without DB a temporary file is used and removed afterwards; with DB an existing
//! file of this benchmark is reused (the import takes a few seconds).

use std::time::{Duration, Instant};

use chrono::{Datelike, TimeZone, Timelike};
use chrono_tz::Tz;
use headcount_query::{Peak, ReportQuery, SeriesQuery, Span, Step, Target, Thresholds};
use headcount_store::{ImportRow, Reader, Reads, Store};

const T0: i64 = 1_767_243_600; // 2026-01-01T00:00:00-05:00
const ROWS: i64 = 365 * 24 * 240; // a year at 15 s
const END: i64 = T0 + ROWS * 15;
const TZ: Tz = chrono_tz::America::New_York;

/// A contact center's day: few agents overnight, a staffed day, and on weekdays a
/// late-morning peak where availability falls below 10% (so episodes exist).
fn counts(ts: i64, noise: u64) -> (u32, u32) {
    let local = TZ.timestamp_opt(ts, 0).unwrap();
    let minute = local.hour() * 60 + local.minute();
    let weekday = local.weekday().num_days_from_monday() < 5;
    let n = (noise % 5) as u32;
    let logged_in = match minute {
        0..=419 => 8 + n,        // 00:00–07:00
        420..=539 => 20 + n * 3, // ramp-up
        540..=1019 if weekday => 50 + n,
        540..=1019 => 25 + n,
        1020..=1259 => 30 + n,
        _ => 12 + n,
    };
    let available = if weekday && (660..780).contains(&minute) {
        // 11:00–13:00 on weekdays: 0 to 4 of ~50, warning or worse.
        (noise >> 8) as u32 % 5
    } else {
        logged_in / 4 + (noise >> 8) as u32 % 4
    };
    (available.min(logged_in), logged_in)
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration, T) {
    let mut times = Vec::with_capacity(runs);
    let mut out = None;
    for _ in 0..runs {
        let start = Instant::now();
        out = Some(f());
        times.push(start.elapsed());
    }
    times.sort();
    (times[0], times[runs / 2], out.unwrap())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = std::env::args_os()
        .nth(1)
        .map_or_else(|| dir.path().join("bench.db"), Into::into);
    let mut store = Store::open(&path)?;
    let id = store.ensure_target("bench", "{}", T0)?;
    if store.oldest_sample_ts(id)?.is_none() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let rows = (0..ROWS).map(move |i| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let ts = T0 + i * 15;
            let (available, logged_in) = counts(ts, seed);
            Ok::<_, std::convert::Infallible>(ImportRow {
                ts,
                available,
                logged_in,
            })
        });
        let start = Instant::now();
        let s = store.import(id, rows, |_| {})?;
        println!(
            "import: {} samples in {:.1} s",
            s.inserted,
            start.elapsed().as_secs_f64()
        );
        store.checkpoint()?;
    }
    drop(store);
    // As the web server reads: a read-only connection beside the writer.
    let reader = Reader::open(&path)?;
    let target = Target { id, name: "bench" };
    let th = Thresholds::default();

    let year = SeriesQuery {
        from: T0,
        to: END,
        tz: TZ,
        step: Step::Day,
        thresholds: th,
        now: END,
    };
    let (best, median, s) = time(15, || {
        headcount_query::series(&reader, target, &year).unwrap()
    });
    let samples: u64 = s.points.iter().map(|p| p.samples).sum();
    println!(
        "1-year daily trend (1d series, {} days, {samples} samples): best {:.2} ms, median {:.2} ms (bar 20 ms)",
        s.points.len(),
        ms(best),
        ms(median)
    );
    let (best, _, rollups) = time(15, || reader.rollups(id, T0, END).unwrap());
    println!(
        "  (reading the {} rollups row by row instead: best {:.2} ms)",
        rollups.len(),
        ms(best)
    );
    let (best, _, days) = time(3, || reader.baseline_daily_means(id, T0, END).unwrap());
    println!(
        "  baseline GROUP BY over raw samples ({} days): best {:.1} ms",
        days.len(),
        ms(best)
    );

    let q = ReportQuery {
        from: END - 90 * 86_400,
        to: END,
        tz: TZ,
        compare: Span::DEFAULT_COMPARE,
        horizon: 24,
        peak: Peak::default(),
        thresholds: th,
        now: END,
    };
    let (best, median, r) = time(15, || headcount_query::report(&reader, target, &q).unwrap());
    println!(
        "90-day report, all sections ({} samples, {} episodes): best {:.2} ms, median {:.2} ms (bar 50 ms)",
        r.summary.samples,
        r.episodes.total,
        ms(best),
        ms(median)
    );
    let (p, _, _) = time(9, || {
        headcount_query::report_profile(&reader, target, &q).unwrap()
    });
    let (t, _, _) = time(9, || {
        headcount_query::report_trend(&reader, target, &q).unwrap()
    });
    let (f, _, _) = time(9, || {
        headcount_query::report_forecast(&reader, target, &q).unwrap()
    });
    println!(
        "  sections alone: profile {:.2} ms, trend {:.2} ms, forecast {:.2} ms",
        ms(p),
        ms(t),
        ms(f)
    );
    let from = q.from - 29 * 86_400;
    let (best, _, n) = time(15, || reader.rollups(id, from, END).unwrap().len());
    println!("  reading {n} rollups (119 days): best {:.2} ms", ms(best));
    let (best, _, n) = time(15, || {
        let mut n = 0u64;
        reader
            .for_each_dist_entry(id, q.from - 7 * 86_400, END, |_, _, _, c| n += c)
            .unwrap();
        n
    });
    println!(
        "  streaming distributions of {n} samples (97 days): best {:.2} ms",
        ms(best)
    );
    let (best, _, n) = time(5, || reader.samples(id, q.from, END).unwrap().len());
    println!(
        "  for scale, reading all {n} raw samples of the range: best {:.1} ms",
        ms(best)
    );
    Ok(())
}
