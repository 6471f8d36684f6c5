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

/// Issue 11, item 2: a row from another era never reaches the database, and a
/// millisecond timestamp is called what it probably is.
#[test]
fn timestamps_outside_2000_to_now_are_refused_naming_the_line() {
    let s = Setup::new();
    let now = chrono::Utc::now().timestamp();
    let cases = [
        (
            format!("{T0},1,2\n{}123,1,2\n", T0),
            "line 2: ts 1772409600123 lies far in the future; it looks like milliseconds \
             (as seconds it would be 2026): divide by 1000",
        ),
        (
            "ts,available,logged_in\n99999999999999,1,2\n".to_owned(),
            "line 2: ts 99999999999999 lies far in the future",
        ),
        (
            "0,1,2\n".to_owned(),
            "line 1: ts 0 (1970-01-01 00:00:00Z) is before 2000-01-01",
        ),
        (format!("{},1,2\n", now + 3_600), "is in the future (now is"),
    ];
    for (text, expected) in cases {
        let file = s.csv("bad-ts.csv", &text);
        let (code, stdout, stderr) = s.import("sales", &file);
        assert_eq!(code, Some(2), "{text}: {stdout}\n{stderr}");
        assert!(stderr.contains(expected), "{text}: {stderr}");
        assert!(!s.db().exists(), "nothing written for {text}");
    }
    // A few seconds ahead (a clock a little fast) is fine.
    let file = s.csv("skew.csv", &format!("{},1,2\n", now + 60));
    assert_eq!(s.import("sales", &file).0, Some(0));
}

/// Issue 11, item 9: two rows for one slot must agree; a repeat is left out and said.
#[test]
fn conflicting_rows_for_one_slot_name_both_lines_and_repeats_are_counted() {
    let s = Setup::new();
    let conflict = s.csv(
        "conflict.csv",
        &format!(
            "ts,available,logged_in\n{T0},3,40\n{},4,40\n{T0},5,40\n",
            T0 + 15
        ),
    );
    let (code, _, stderr) = s.import("sales", &conflict);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "import: line 4: ts 1772409600 is also on line 2 with other counts \
             (3/40 there, 5/40 here, as available/logged_in); keep one"
        ),
        "{stderr}"
    );
    assert!(!s.db().exists());

    let repeat = s.csv(
        "repeat.csv",
        &format!("{},4,40\n{T0},3,40\n{T0},3,40\n", T0 + 15),
    );
    let (code, stdout, stderr) = s.import("sales", &repeat);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("read 3 rows into target \"sales\": 2 inserted")
            && stdout.contains("1 repeated rows of the file left out"),
        "{stdout}"
    );
    let stored: Vec<(i64, Option<u32>)> = samples(&s.db(), "sales")
        .iter()
        .map(|x| (x.ts, x.available))
        .collect();
    assert_eq!(stored, vec![(T0, Some(3)), (T0 + 15, Some(4))]);
}

/// Issue 11, item 9: nothing to import, or no file to read, is an error that says so.
#[test]
fn an_empty_file_a_header_alone_and_a_directory_are_errors_naming_the_file() {
    let s = Setup::new();
    for (name, text) in [
        ("empty.csv", ""),
        ("header.csv", "ts,available,logged_in\n"),
    ] {
        let file = s.csv(name, text);
        let (code, _, stderr) = s.import("sales", &file);
        assert_eq!(code, Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "{name}: no rows: the file is empty or has only a header"
            )),
            "{name}: {stderr}"
        );
    }
    let dir = s.csv("a-directory", "");
    std::fs::remove_file(&dir).unwrap();
    std::fs::create_dir(&dir).unwrap();
    let (code, _, stderr) = s.import("sales", &dir);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("FILE.csv: {dir}: is a directory")),
        "{stderr}"
    );
    assert!(!s.db().exists());
}
