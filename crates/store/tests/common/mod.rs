//! Helpers shared by the store's integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::Path;

use headcount_store::{Dist, ImportRow, Outcome, Rollup, Sample, Store, TargetId};
use rusqlite::types::Value;

/// A store in a fresh temporary directory (kept alive by the returned guard).
pub fn temp_store() -> (tempfile::TempDir, std::path::PathBuf, Store) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("headcount.db");
    let store = Store::open(&path).unwrap();
    (dir, path, store)
}

/// Every row of every table, as text, in a stable order: two dumps are equal exactly
/// when the database contents are. Read through a separate plain connection.
pub fn dump(path: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                let values: Vec<Value> =
                    (0..n).map(|i| r.get(i)).collect::<rusqlite::Result<_>>()?;
                Ok(format!("{t}: {values:?}"))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        rows.sort();
        out.extend(rows);
    }
    out.push(format!(
        "user_version: {}",
        conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
            .unwrap()
    ));
    out
}

/// Rollups computed the plain way, independently of `Rollup::merge`: per bucket,
/// filter and fold over the samples.
pub fn naive_rollups(samples: &[Sample]) -> Vec<Rollup> {
    let mut buckets: Vec<i64> = samples.iter().map(|s| s.ts.div_euclid(900) * 900).collect();
    buckets.sort_unstable();
    buckets.dedup();
    buckets
        .into_iter()
        .map(|bucket| {
            let in_bucket: Vec<&Sample> = samples
                .iter()
                .filter(|s| s.ts >= bucket && s.ts < bucket + 900)
                .collect();
            let ok: Vec<&Sample> = in_bucket
                .iter()
                .copied()
                .filter(|s| s.outcome == Outcome::Ok)
                .collect();
            let last = ok.iter().max_by_key(|s| s.ts);
            let gauge = |get: fn(&Sample) -> u32| {
                last.map(|last| headcount_store::GaugeSums {
                    sum: ok.iter().map(|s| u64::from(get(s))).sum(),
                    min: ok.iter().map(|s| get(s)).min().unwrap(),
                    max: ok.iter().map(|s| get(s)).max().unwrap(),
                    last: get(last),
                })
            };
            Rollup {
                bucket,
                ok: ok.len() as u32,
                failed: (in_bucket.len() - ok.len()) as u32,
                available: gauge(|s| s.available.unwrap()),
                logged_in: gauge(|s| s.logged_in.unwrap()),
                last_ts: last.map(|s| s.ts),
            }
        })
        .collect()
}

/// Per-bucket distributions of the ok samples, computed the plain way.
pub fn naive_dists(samples: &[Sample]) -> Vec<(i64, Dist)> {
    let mut out: Vec<(i64, Dist)> = Vec::new();
    let mut ok: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.outcome == Outcome::Ok)
        .collect();
    ok.sort_by_key(|s| s.ts);
    for s in ok {
        let bucket = s.ts.div_euclid(900) * 900;
        if out.last().is_none_or(|(b, _)| *b != bucket) {
            out.push((bucket, Dist::new()));
        }
        out.last_mut()
            .unwrap()
            .1
            .add(s.available.unwrap(), s.logged_in.unwrap());
    }
    out
}

/// The ok sample an import row stands for.
pub fn imported(target: TargetId, r: ImportRow) -> Sample {
    Sample::ok(target, r.ts, r.available, r.logged_in, None)
}
