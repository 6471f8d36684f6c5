//! `headcount sla` and `headcount readiness` against a database filled with known
//! values, the numbers worked out by hand.

mod common;

use headcount_store::{Outcome, Sample, Store};

/// 2026-03-02T00:00:00Z, a Monday.
const T0: i64 = 1_772_409_600;

/// A config with an SLA `staffed` (at least 10 available, Mon–Fri 09:00–17:00 UTC, 95%
/// per day) on `sales`, and a database beside it: one sample a minute on Monday and
/// Tuesday 2026-03-02/03 at 12 of 48, except Tuesday 10:00–10:29 at 2 (30 minutes of
/// breach) and 20:00–20:04 failed (outside the SLA's hours).
struct Fixture {
    _dir: tempfile::TempDir,
    config: String,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("headcount.toml");
        std::fs::write(
            &config,
            "[upstream]\nbase_url = \"http://127.0.0.1:9/v1\"\n\n\
             [[target]]\nname = \"sales\"\ncampaign_id = 111\n\n\
             [[sla]]\nname = \"staffed\"\ntarget = \"sales\"\nwhen = \"available >= 10\"\n\
             period = \"day\"\n",
        )
        .unwrap();
        let filters = headcount_config::Config::load(&config)
            .unwrap()
            .target("sales")
            .unwrap()
            .filters_json();
        let mut store = Store::open(dir.path().join("headcount.db")).unwrap();
        let id = store.ensure_target("sales", &filters, T0).unwrap();
        let samples: Vec<Sample> = (0..2 * 1440)
            .map(|i| {
                let ts = T0 + i * 60;
                match i - 1440 {
                    600..630 => Sample::ok(id, ts, 2, 48, Some(40)),
                    1200..1205 => Sample::failed(id, ts, Outcome::Timeout, Some(5000)),
                    _ => Sample::ok(id, ts, 12, 48, Some(40)),
                }
            })
            .collect();
        store.write_batch(&samples).unwrap();
        Fixture {
            config: config.display().to_string(),
            _dir: dir,
        }
    }

    fn run(&self, cmd: &str, args: &[&str]) -> (Option<i32>, String, String) {
        let mut all = vec![cmd, "--config", &self.config];
        all.extend_from_slice(args);
        common::run(&all, &[])
    }
}

const RANGE: [&str; 4] = ["--from", "2026-03-02", "--to", "2026-03-04"];

#[test]
fn sla_per_day_in_every_format() {
    let f = Fixture::new();
    let (code, out, err) = f.run("sla", &[&["--sla", "staffed"][..], &RANGE].concat());
    assert_eq!(code, Some(0), "{err}");
    // Monday: 480 minutes met. Tuesday: 450 met, 30 breached: 93.75%, missed; the
    // budget is 5% of 480 = 24 minutes, 6 overspent.
    let mon = out
        .lines()
        .find(|l| l.contains("2026-03-02 00:00"))
        .unwrap();
    let tue = out
        .lines()
        .find(|l| l.contains("2026-03-03 00:00"))
        .unwrap();
    let cells = |l: &str| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        cells(mon)[2..],
        ["100.0", "met", "480", "0", "0", "0", "24", "100.0"]
    );
    assert_eq!(
        cells(tue)[2..],
        ["93.8", "missed", "450", "30", "0", "0", "-6", "93.8"]
    );
    assert!(out.contains("available >= 10 on sales"), "{out}");
    assert!(out.contains("2026-03-03 10:00  2026-03-03 10:30"), "{out}");

    let (code, out, err) = f.run(
        "sla",
        &[&["--sla", "staffed", "--format", "csv"][..], &RANGE].concat(),
    );
    assert_eq!(code, Some(0), "{err}");
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[2],
        "2026-03-03T00:00:00+00:00,2026-03-04T00:00:00+00:00,missed,93.75,28800,27000,1800,0,0,1440,-360,93.75"
    );

    let (code, out, err) = f.run(
        "sla",
        &[
            &["--sla", "staffed", "--format", "json", "--period", "week"][..],
            &RANGE,
        ]
        .concat(),
    );
    assert_eq!(code, Some(0), "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let week = &json["periods"][0];
    // Wednesday to Friday have no rows: unknown, left out.
    assert_eq!(week["met_seconds"], 55_800.0);
    assert_eq!(week["unknown_seconds"], 3.0 * 28_800.0);
    assert_eq!(json["worst"][0]["breach_seconds"], 1800.0);
}

#[test]
fn sla_draws_its_chart_to_a_file() {
    let f = Fixture::new();
    let png = f._dir.path().join("days.png");
    let svg = f._dir.path().join("days.svg");
    for (path, theme) in [(&png, "dark"), (&svg, "light")] {
        let (code, _, err) = f.run(
            "sla",
            &[
                &[
                    "--sla",
                    "staffed",
                    "--chart",
                    path.to_str().unwrap(),
                    "--theme",
                    theme,
                ][..],
                &RANGE,
            ]
            .concat(),
        );
        assert_eq!(code, Some(0), "{err}");
    }
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("<svg") && text.contains("staffed: compliance per day"));
    let (code, _, err) = f.run("sla", &["--sla", "staffed", "--chart", "x.gif"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--chart:"), "{err}");
}

#[test]
fn bad_sla_arguments_exit_2_naming_the_flag() {
    let f = Fixture::new();
    for (args, words) in [
        (&["--sla", "nope"][..], "--sla: unknown SLA \"nope\""),
        (
            &["--sla", "staffed", "--period", "year"][..],
            "--period: unknown period",
        ),
        (&["--sla", "staffed", "--from", "soon"][..], "--from:"),
    ] {
        let (code, _, err) = f.run("sla", args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(words), "{args:?}: {err}");
    }
}

#[test]
fn readiness_without_recent_history_is_unknown() {
    let f = Fixture::new();
    let (code, out, err) = f.run(
        "readiness",
        &[
            "--target", "sales", "--at", "now+1d", "--need", "5", "--format", "json",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["verdict"], "unknown");
    assert_eq!(json["latest"]["available"], 12);
    let (code, out, _) = f.run(
        "readiness",
        &["--target", "sales", "--at", "now+1d", "--need-pct", "10"],
    );
    assert_eq!(code, Some(0));
    assert!(out.contains(": unknown"), "{out}");
    assert!(out.contains("not enough history"), "{out}");
    for (args, words) in [
        (
            &["--target", "sales", "--at", "now+9d", "--need", "5"][..],
            "--at:",
        ),
        (&["--target", "sales", "--at", "now+1d"][..], "--need:"),
        (
            &["--target", "sales", "--at", "now+1d", "--need-pct", "150"][..],
            "--need-pct:",
        ),
    ] {
        let (code, _, err) = f.run("readiness", args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(words), "{args:?}: {err}");
    }
}
