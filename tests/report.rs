//! `headcount report` against a database filled with known values: the numbers in
//! each format are worked out by hand from the fixture below.

mod common;

use std::path::{Path, PathBuf};

use chrono::Weekday;
use headcount_query::{Params, Settings, Thresholds, Window};
use headcount_store::{Outcome, Reader, Reads, Sample, Store};

/// 2026-03-02T00:00:00Z, a Monday.
const T0: i64 = 1_772_409_600;

const UPSTREAM: &str = "[upstream]\nbase_url = \"http://127.0.0.1:9/v1\"\n";
const TARGETS: &str = "\n[[target]]\nname = \"sales\"\ncampaign_id = 111\n\n\
                       [[target]]\nname = \"support\"\ncampaign_id = 112\n";

/// A config (with `report`, a `[report]` section or nothing) and a database beside it
/// holding the history of "sales", one sample a minute:
/// - Monday 2026-03-02 (UTC): 1,440 samples of 12 available of 48 logged in: 25%
///   available, 75% utilization, healthy.
/// - Tuesday 2026-03-03: the same, except 10:00–10:29 (30 samples) at 2 of 48
///   (4.2%: critical, one episode of 30 minutes) and 20:00–20:04 (5 slots) failed
///   polls (timeouts). So 1,435 ok samples summing 1,405 × 12 + 30 × 2 = 16,920
///   available.
///
/// "support" is configured but has no history.
struct Fixture {
    dir: tempfile::TempDir,
    config: String,
}

impl Fixture {
    fn new(report: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("headcount.toml");
        std::fs::write(&config, format!("{report}\n{UPSTREAM}{TARGETS}")).unwrap();
        let filters = headcount_config::Config::load(&config)
            .unwrap()
            .target("sales")
            .unwrap()
            .filters_json();
        let mut store = Store::open(dir.path().join("headcount.db")).unwrap();
        let id = store.ensure_target("sales", &filters, T0).unwrap();
        let mut samples = Vec::new();
        for i in 0..2 * 1440 {
            let ts = T0 + i * 60;
            let minute_of_tuesday = i - 1440;
            samples.push(match minute_of_tuesday {
                600..630 => Sample::ok(id, ts, 2, 48, Some(40)),
                1200..1205 => Sample::failed(id, ts, Outcome::Timeout, Some(5000)),
                _ => Sample::ok(id, ts, 12, 48, Some(40)),
            });
        }
        store.write_batch(&samples).unwrap();
        Fixture {
            config: config.display().to_string(),
            dir,
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("headcount.db")
    }

    /// `headcount report --config C --target sales ARGS...`: (exit code, stdout, stderr).
    fn report(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let mut all = vec!["report", "--config", &self.config, "--target", "sales"];
        all.extend_from_slice(args);
        common::run(&all, &[])
    }

    /// As [`Fixture::report`], expecting success.
    fn ok(&self, args: &[&str]) -> String {
        let (code, stdout, stderr) = self.report(args);
        assert_eq!(code, Some(0), "{stderr}");
        stdout
    }
}

/// The lines under the heading that starts with `title`, up to the next heading
/// (table lines are indented, headings are not).
fn section<'a>(out: &'a str, title: &str) -> Vec<&'a str> {
    let mut lines = out.lines().skip_while(|l| !l.starts_with(title));
    assert!(lines.next().is_some(), "no section {title:?} in\n{out}");
    lines
        .take_while(|l| l.is_empty() || l.starts_with(' '))
        .filter(|l| !l.is_empty())
        .collect()
}

/// The cells of a table line: columns are at least two spaces apart.
fn cells(line: &str) -> Vec<&str> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// The cells after the label of the first row of `lines` labelled `label`.
fn row<'a>(lines: &[&'a str], label: &str) -> Vec<&'a str> {
    let found = lines
        .iter()
        .map(|l| cells(l))
        .find(|c| c.first() == Some(&label));
    let Some(c) = found else {
        panic!("no row {label:?} in\n{}", lines.join("\n"));
    };
    c[1..].to_vec()
}

#[test]
fn a_steady_day_at_12_of_48_shows_75_utilization_and_healthy() {
    let f = Fixture::new("");
    let out = f.ok(&["--from", "2026-03-02", "--to", "2026-03-03"]);
    assert!(
        out.contains("2026-03-02 00:00 +00:00 to 2026-03-03 00:00 +00:00 UTC, 1d"),
        "{out}"
    );

    let s = section(&out, "Summary");
    assert_eq!(row(&s, "samples (ok)"), ["1,440"]);
    assert_eq!(row(&s, "failed"), ["0"]);
    assert_eq!(row(&s, "coverage %"), ["100.0"]);
    assert_eq!(row(&s, "available %"), ["25.0"]);
    assert_eq!(row(&s, "utilization %"), ["75.0"]);
    assert_eq!(row(&s, "state"), ["healthy"]);
    assert_eq!(row(&s, "available"), ["12.0", "12", "12", "12", "12", "12"]);
    assert_eq!(row(&s, "logged in"), ["48.0", "48", "48"]);

    // Monday 09:00–17:00 is peak: 480 samples, the other 960 off-peak.
    let p = section(&out, "Peak vs off-peak");
    assert_eq!(row(&p, "samples"), ["480", "960"]);
    assert_eq!(row(&p, "utilization %"), ["75.0", "75.0"]);
    assert_eq!(row(&p, "healthy %"), ["100.0", "100.0"]);
    assert_eq!(row(&p, "critical %"), ["0.0", "0.0"]);

    let h = section(&out, "By hour of day");
    assert_eq!(h.len(), 25, "a header and 24 hours");
    for hour in 0..24 {
        assert_eq!(
            row(&h, &format!("{hour:02}:00")),
            ["60", "12.0", "48.0", "75.0", "healthy"]
        );
    }
    assert!(out.contains("Episodes (warning or worse): 0 in all, 0s in total\n  none"));
    let t = section(&out, "Daily trend");
    assert_eq!(
        row(&t, "2026-03-02 Mon"),
        [
            "1,440", "12.0", "48.0", "75.0", "12.0", "48.0", "75.0", "-", "-", "-"
        ]
    );
    // The week before has no data.
    let c = section(&out, "Compared with 7d earlier");
    assert_eq!(row(&c, "samples"), ["1,440", "0", "+1,440"]);
    assert_eq!(row(&c, "utilization %"), ["75.0", "-", "-"]);
}

#[test]
fn two_days_show_the_episode_the_failed_polls_and_the_day_before() {
    let f = Fixture::new("");
    let out = f.ok(&[
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-04",
        "--compare",
        "1d",
    ]);
    // 2,875 ok samples: 1,440 × 12 + 16,920 = 34,200 available of 2,875 × 48.
    let s = section(&out, "Summary");
    assert_eq!(row(&s, "samples (ok)"), ["2,875"]);
    assert_eq!(row(&s, "failed"), ["5"]);
    assert_eq!(row(&s, "coverage %"), ["99.8"]); // 2,875 / 2,880
    assert_eq!(row(&s, "available %"), ["24.8"]); // 34,200 / 138,000
    assert_eq!(row(&s, "utilization %"), ["75.2"]);
    assert_eq!(row(&s, "state"), ["healthy"]);
    // p5 is the 144th smallest of 2,875: past the 30 samples at 2.
    assert_eq!(row(&s, "available"), ["11.9", "2", "12", "12", "12", "12"]);

    // The episode lies in Tuesday's peak: 930 × 12 + 30 × 2 = 11,220 of 960 × 48.
    let p = section(&out, "Peak vs off-peak");
    assert_eq!(row(&p, "samples"), ["960", "1,915"]);
    assert_eq!(row(&p, "available avg"), ["11.7", "12.0"]);
    assert_eq!(row(&p, "utilization %"), ["75.7", "75.0"]);
    assert_eq!(row(&p, "available p5"), ["12", "12"]);
    assert_eq!(row(&p, "critical %"), ["3.1", "0.0"]);
    // Hour 10 of both days: 90 × 12 + 30 × 2 = 1,140 of 120 × 48, 19.8% available.
    assert!(
        out.contains("busiest hour   10:00-11:00, utilization 80.2%, 9.5 available of 48.0"),
        "{out}"
    );
    assert!(out.contains("quietest hour  00:00-01:00"), "{out}");
    let h = section(&out, "By hour of day");
    assert_eq!(row(&h, "10:00"), ["120", "9.5", "48.0", "80.2", "monitor"]);
    assert_eq!(row(&h, "20:00"), ["115", "12.0", "48.0", "75.0", "healthy"]);

    let st = section(&out, "States (");
    assert_eq!(row(&st, "critical"), ["30", "1.0"]);
    assert_eq!(row(&st, "healthy"), ["2,845", "99.0"]);
    assert_eq!(row(&st, "warning"), ["0", "0.0"]);

    let e = section(&out, "Episodes");
    assert!(
        out.contains("Episodes (warning or worse): 1 in all, 30m in total"),
        "{out}"
    );
    assert_eq!(
        row(&e, "2026-03-03 10:00"),
        [
            "2026-03-03 10:30",
            "30m",
            "2",
            "critical",
            "30",
            "recovered"
        ]
    );

    // Tuesday: 16,920 available over 1,435 samples.
    let t = section(&out, "Daily trend");
    assert_eq!(
        row(&t, "2026-03-03 Tue"),
        [
            "1,435", "11.8", "48.0", "75.4", "11.9", "48.0", "75.2", "-", "-", "-"
        ]
    );
    assert!(
        out.contains("slope per day: available -0.21, logged in +0.00, utilization +0.44 points"),
        "{out}"
    );

    // The day before: Sunday (nothing) and Monday.
    let c = section(
        &out,
        "Compared with 1d earlier (2026-03-01 00:00 to 2026-03-03 00:00)",
    );
    assert_eq!(row(&c, "samples"), ["2,875", "1,440", "+1,435"]);
    assert_eq!(row(&c, "coverage %"), ["99.8", "100.0", "-0.2"]);
    assert_eq!(row(&c, "available avg"), ["11.9", "12.0", "-0.1"]);
    assert_eq!(row(&c, "utilization %"), ["75.2", "75.0", "+0.2"]);
    assert_eq!(row(&c, "available p5"), ["12", "12", "+0"]);
}

#[test]
fn the_forecast_takes_each_hour_from_the_same_hour_a_week_earlier() {
    let f = Fixture::new("");
    let out = f.ok(&[
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-09",
        "--horizon",
        "36",
    ]);
    let fc = section(&out, "Forecast: the next 36 hours");
    assert_eq!(fc.len(), 37, "a header and 36 hours");
    assert_eq!(
        row(&fc, "2026-03-09 00:00"),
        [
            "1",
            "12.0 (12.0-12.0)",
            "48.0 (48.0-48.0)",
            "75.0 (75.0-75.0)"
        ]
    );
    // Tuesday 10:00 a week earlier: 30 × 2 + 30 × 12 = 420 of 60 × 48.
    assert_eq!(
        row(&fc, "2026-03-10 10:00"),
        ["1", "7.0 (7.0-7.0)", "48.0 (48.0-48.0)", "85.4 (85.4-85.4)"]
    );
}

#[test]
fn the_configured_zone_and_thresholds_are_used() {
    let f = Fixture::new(
        "[report]\ntimezone = \"America/New_York\"\n\
         thresholds = { healthy = 30, monitor = 15, warning = 5 }\n",
    );
    // Monday in New York is 05:00Z Monday to 05:00Z Tuesday: all at 12 of 48.
    let out = f.ok(&["--from", "2026-03-02", "--to", "2026-03-03"]);
    assert!(
        out.contains("2026-03-02 00:00 -05:00 to 2026-03-03 00:00 -05:00 America/New_York, 1d"),
        "{out}"
    );
    assert!(out.contains("healthy > 30, monitor 15-30, warning 5-15, critical < 5"));
    let s = section(&out, "Summary");
    assert_eq!(row(&s, "samples (ok)"), ["1,440"]);
    // 25% available is above 15 and at most 30: monitor, not healthy.
    assert_eq!(row(&s, "state"), ["monitor"]);
    // --tz overrides the config's zone.
    let out = f.ok(&["--from", "2026-03-02", "--to", "2026-03-03", "--tz", "UTC"]);
    assert!(out.contains("2026-03-02 00:00 +00:00 to 2026-03-03 00:00 +00:00 UTC"));
}

#[test]
fn json_holds_the_report_and_series_the_query_crate_computes() {
    let f = Fixture::new(
        "[report]\ntimezone = \"America/New_York\"\n\
         peak = { days = [\"mon\", \"tue\"], hours = \"08:00-18:00\" }\n\
         thresholds = { healthy = 30, monitor = 15, warning = 5 }\n",
    );
    let args = [
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-04",
        "--step",
        "1h",
        "--compare",
        "1d",
        "--horizon",
        "6",
        "--format",
        "json",
    ];
    let out = f.ok(&args);
    let got: serde_json::Value = serde_json::from_str(&out).unwrap();

    // The same queries, with the settings written out here rather than converted.
    let settings = Settings {
        tz: chrono_tz::America::New_York,
        peak: Window::new([Weekday::Mon, Weekday::Tue], "08:00-18:00").unwrap(),
        thresholds: Thresholds::new(30, 15, 5).unwrap(),
        raw_retention: Some(35 * 86_400),
    };
    let params = Params {
        from: Some("2026-03-02"),
        to: Some("2026-03-04"),
        step: Some("1h"),
        compare: Some("1d"),
        horizon: Some("6"),
        tz: None,
    };
    let reader = Reader::open(f.db()).unwrap();
    let id = reader
        .target("sales", r#"{"campaign_id":"111"}"#)
        .unwrap()
        .unwrap();
    let target = headcount_query::SeriesRef { id, name: "sales" };
    let report =
        headcount_query::report(&reader, target, &params.report(&settings, 0).unwrap()).unwrap();
    let series =
        headcount_query::series(&reader, target, &params.series(&settings, 0).unwrap()).unwrap();
    // Both through the same text, so floats compare exactly.
    let text = serde_json::json!({ "report": report, "series": series }).to_string();
    let want: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(got, want);

    // And by hand: 05:00Z Monday to 05:00Z Wednesday holds 1,140 Monday samples and
    // Tuesday's 1,435: 13,680 + 16,920 = 30,600 available of 2,575 × 48, 24.8%.
    let s = &got["report"]["summary"];
    assert_eq!(s["samples"], 2575);
    assert_eq!(s["failed"], 5);
    let util = s["utilization_pct"].as_f64().unwrap();
    assert!((util - (100.0 - 100.0 * 30_600.0 / 123_600.0)).abs() < 1e-9);
    assert_eq!(s["state"], "monitor");
    assert_eq!(got["series"]["step"], "1h");
    assert_eq!(got["series"]["points"].as_array().unwrap().len(), 48);
    assert_eq!(
        got["report"]["forecast"]["hours"].as_array().unwrap().len(),
        6
    );
}

#[test]
fn csv_has_one_row_per_bucket_with_its_numbers() {
    let f = Fixture::new("");
    let out = f.ok(&[
        "--from",
        "2026-03-03",
        "--to",
        "2026-03-04",
        "--step",
        "1h",
        "--format",
        "csv",
    ]);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "start",
            "end",
            "samples",
            "failed",
            "coverage",
            "available_avg",
            "available_min",
            "available_max",
            "available_last",
            "logged_in_avg",
            "logged_in_min",
            "logged_in_max",
            "logged_in_last",
            "available_pct",
            "utilization_pct",
            "state"
        ]
    );
    let rows: Vec<Vec<String>> = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 24);
    let num = |row: &[String], i: usize| row[i].parse::<f64>().unwrap();
    for (hour, row) in rows.iter().enumerate() {
        assert_eq!(row[0], format!("2026-03-03T{hour:02}:00:00+00:00"));
        let end = if hour == 23 {
            "2026-03-04T00:00:00+00:00".to_owned()
        } else {
            format!("2026-03-03T{:02}:00:00+00:00", hour + 1)
        };
        assert_eq!(row[1], end);
        match hour {
            // 30 samples at 2 and 30 at 12: 420 of 2,880 available.
            10 => {
                assert_eq!(row[2..5], ["60", "0", "1"]);
                assert!((num(row, 5) - 7.0).abs() < 1e-9);
                assert_eq!(row[6..9], ["2", "12", "12"]);
                assert!((num(row, 13) - 1_400.0 / 96.0).abs() < 1e-9);
                assert!((num(row, 14) - (100.0 - 1_400.0 / 96.0)).abs() < 1e-9);
                assert_eq!(row[15], "monitor");
            }
            // 5 of 60 slots failed.
            20 => {
                assert_eq!(row[2..4], ["55", "5"]);
                assert!((num(row, 4) - 55.0 / 60.0).abs() < 1e-9);
                assert_eq!(row[15], "healthy");
            }
            _ => {
                assert_eq!(
                    row[2..],
                    [
                        "60", "0", "1", "12", "12", "12", "12", "48", "48", "48", "48", "25", "75",
                        "healthy"
                    ]
                );
            }
        }
    }
}

#[test]
fn each_bad_parameter_exits_2_naming_it() {
    let f = Fixture::new("");
    let cases: [(&[&str], &str); 8] = [
        (&["--from", "yesterday"], "--from: "),
        (&["--to", "2026-13-01"], "--to: "),
        (
            &["--from", "2026-03-04", "--to", "2026-03-02"],
            "--from: must be before to",
        ),
        (
            &["--tz", "Mars/Olympus"],
            "--tz: unknown time zone \"Mars/Olympus\"",
        ),
        (&["--step", "2h"], "--step: unknown step \"2h\""),
        (
            &["--step", "1m", "--from", "2026-01-01", "--to", "2026-03-01"],
            "--step: ",
        ),
        (&["--compare", "0d"], "--compare: "),
        (&["--horizon", "169"], "--horizon: "),
    ];
    for (args, want) in cases {
        let (code, stdout, stderr) = f.report(args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with(&format!("headcount: {want}")),
            "{args:?}: {stderr}"
        );
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
    }
    // The fixture's days lie more than 35 days (the default raw retention) before
    // today: only 15-minute rollups are kept that far back.
    let (code, _, stderr) = f.report(&[
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-03",
        "--step",
        "5m",
        "--format",
        "csv",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "headcount: --step: raw samples are kept for 35d; use step=15m or more for ranges \
         older than that (got 5m)"
    );
    // The whole message, the flag named once.
    let (_, _, stderr) = f.report(&["--tz", "Mars/Olympus"]);
    assert_eq!(
        stderr.trim_end(),
        "headcount: --tz: unknown time zone \"Mars/Olympus\"; expected an IANA name such as \
         America/New_York or UTC"
    );
}

#[test]
fn an_unknown_target_exits_2_listing_the_configured_ones() {
    let f = Fixture::new("");
    let (code, _, stderr) =
        common::run(&["report", "--config", &f.config, "--target", "nope"], &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--target: unknown target \"nope\""),
        "{stderr}"
    );
    assert!(stderr.contains("has sales, support"), "{stderr}");
}

#[test]
fn an_unknown_format_is_refused_by_the_parser() {
    let f = Fixture::new("");
    let (code, _, stderr) = f.report(&["--format", "xml"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("invalid value 'xml' for '--format"),
        "{stderr}"
    );
    assert!(stderr.contains("table, json, csv"), "{stderr}");
}

#[test]
fn a_missing_database_or_history_exits_1_with_a_hint() {
    let f = Fixture::new("");
    let (code, _, stderr) = common::run(
        &["report", "--config", &f.config, "--target", "support"],
        &[],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("target \"support\""), "{stderr}");
    assert!(stderr.contains("no history"), "{stderr}");

    std::fs::remove_file(f.db()).unwrap();
    let (code, _, stderr) = f.report(&[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("not found; has the collector run?"),
        "{stderr}"
    );
    assert!(
        !Path::new(&f.db()).exists(),
        "a reader never creates the file"
    );
}
