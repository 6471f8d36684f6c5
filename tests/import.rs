//! `headcount import`: history from CSV, all or nothing.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use headcount_store::{Reader, Reads, Sample};

/// 2026-03-02T00:00:00Z, a Monday, the start of a 15-minute bucket.
const T0: i64 = 1_772_409_600;

struct Setup {
    dir: tempfile::TempDir,
    config: String,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("headcount.toml");
        std::fs::write(
            &config,
            "[upstream]\nbase_url = \"http://127.0.0.1:9/v1\"\n\n[[target]]\nname = \"sales\"\ncampaign_id = 111\n\n[[target]]\nname = \"support\"\ncampaign_id = 112\n",
        )
        .unwrap();
        Setup {
            config: config.display().to_string(),
            dir,
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("headcount.db")
    }

    fn csv(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    fn import(&self, target: &str, file: &str) -> (Option<i32>, String, String) {
        common::run(
            &["import", "--config", &self.config, "--target", target, file],
            &[],
        )
    }
}

fn samples(db: &Path, name: &str) -> Vec<Sample> {
    let reader = Reader::open(db).unwrap();
    match reader.series_of(name).unwrap().first() {
        Some(t) => reader.samples(t.id, 0, i64::MAX).unwrap(),
        None => Vec::new(),
    }
}

/// 200 rows 15 s apart from T0 (50 minutes: four buckets, the last partial), the
/// first half as RFC 3339 in New York time, the rest as unix seconds.
fn history() -> (String, Vec<(i64, u32, u32)>) {
    let mut rows = Vec::new();
    let mut text = String::from("ts,available,logged_in\n");
    for i in 0..200i64 {
        let ts = T0 + i * 15;
        let logged_in = 40 + (i % 7) as u32;
        let available = (i % 11) as u32;
        rows.push((ts, available, logged_in));
        if i < 100 {
            let local = chrono::DateTime::from_timestamp(ts, 0)
                .unwrap()
                .with_timezone(&chrono_tz::America::New_York);
            writeln!(text, "{},{available},{logged_in}", local.to_rfc3339()).unwrap();
        } else {
            writeln!(text, "{ts},{available},{logged_in}").unwrap();
        }
    }
    (text, rows)
}

#[test]
fn a_good_file_round_trips_with_its_rollups() {
    let s = Setup::new();
    let (text, rows) = history();
    let file = s.csv("history.csv", &text);
    let (code, stdout, stderr) = s.import("sales", &file);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("read 200 rows into target \"sales\": 200 inserted, 0 duplicates skipped"),
        "{stdout}"
    );

    let stored: Vec<(i64, u32, u32)> = samples(&s.db(), "sales")
        .iter()
        .map(|x| (x.ts, x.available.unwrap(), x.logged_in.unwrap()))
        .collect();
    assert_eq!(stored, rows);

    // The rollups, worked out here from the rows: per 15-minute bucket the count, sum,
    // min and max of available.
    let mut expected: BTreeMap<i64, (u32, u64, u32, u32)> = BTreeMap::new();
    for (ts, a, _) in &rows {
        let e = expected
            .entry(ts - ts.rem_euclid(900))
            .or_insert((0, 0, u32::MAX, 0));
        e.0 += 1;
        e.1 += u64::from(*a);
        e.2 = e.2.min(*a);
        e.3 = e.3.max(*a);
    }
    let reader = Reader::open(s.db()).unwrap();
    let id = reader.series_of("sales").unwrap()[0].id;
    let got: BTreeMap<i64, (u32, u64, u32, u32)> = reader
        .rollups(id, 0, i64::MAX)
        .unwrap()
        .iter()
        .map(|r| {
            let g = r.available.unwrap();
            (r.bucket, (r.ok, g.sum, g.min, g.max))
        })
        .collect();
    assert_eq!(got, expected);
    assert_eq!(got.len(), 4);

    // Again: everything is already there.
    let (code, stdout, _) = s.import("sales", &file);
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("0 inserted, 200 duplicates skipped, 0 skipped as already pruned"),
        "{stdout}"
    );

    // Retention prunes the raw samples of the first 100 rows (25 minutes); the file
    // imported once more must not count them a second time in the rollups.
    let pruned = headcount_store::Store::open(s.db())
        .unwrap()
        .prune_samples(T0 + 100 * 15, 10_000)
        .unwrap();
    assert_eq!(pruned, 100);
    let (code, stdout, stderr) = s.import("sales", &file);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("0 inserted, 100 duplicates skipped, 100 skipped as already pruned"),
        "{stdout}"
    );
    let again: BTreeMap<i64, (u32, u64, u32, u32)> = Reader::open(s.db())
        .unwrap()
        .rollups(id, 0, i64::MAX)
        .unwrap()
        .iter()
        .map(|r| {
            let g = r.available.unwrap();
            (r.bucket, (r.ok, g.sum, g.min, g.max))
        })
        .collect();
    assert_eq!(again, expected);
}

#[test]
fn a_bad_row_in_the_middle_exits_2_naming_its_line_and_changes_nothing() {
    let s = Setup::new();
    let (text, _) = history();
    let good = s.csv("good.csv", &text);
    assert_eq!(s.import("sales", &good).0, Some(0));
    let before = samples(&s.db(), "sales");

    // Line 1 is the header; line 101 is row 100, made impossible.
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[100] = format!("{},50,40", T0 + 100 * 15);
    let bad = s.csv("bad.csv", &(lines.join("\n") + "\n"));
    for target in ["sales", "support"] {
        let (code, stdout, stderr) = s.import(target, &bad);
        assert_eq!(code, Some(2), "{stdout}\n{stderr}");
        assert!(
            stderr.contains("import: line 101: available 50 exceeds logged_in 40"),
            "{stderr}"
        );
    }
    assert_eq!(samples(&s.db(), "sales"), before);
    let reader = Reader::open(s.db()).unwrap();
    assert!(
        reader.series_of("support").unwrap().is_empty(),
        "no series was created"
    );
}

#[test]
fn an_unknown_target_exits_2_naming_it() {
    let s = Setup::new();
    let file = s.csv("h.csv", "1,2,3\n");
    let (code, _, stderr) = s.import("marketing", &file);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("--target: unknown target \"marketing\"")
            && stderr.contains("sales, support"),
        "{stderr}"
    );
    assert!(!s.db().exists());
}
