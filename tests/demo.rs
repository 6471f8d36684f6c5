//! `headcount demo` as a newcomer runs it: the real binary seeds a day of history,
//! collects live, serves the dashboard, a JSON report and a PNG chart, stops cleanly
//! on SIGTERM, and a second run on the same database adds only what is missing.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use headcount_store::{Outcome, Reader, Reads, RunState, Sample};

/// Every target's samples by name, read-only.
fn history(db: &Path) -> BTreeMap<String, Vec<Sample>> {
    let reader = Reader::open(db).unwrap();
    reader
        .targets()
        .unwrap()
        .into_iter()
        .map(|t| (t.name, reader.samples(t.id, 0, i64::MAX).unwrap()))
        .collect()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

/// Starts the demo on a free port and returns it with its base URL.
fn start_demo(db: &Path) -> (common::Running, String, String) {
    let db = db.display().to_string();
    let mut demo = common::spawn(
        &[
            "demo",
            "--days",
            "1",
            "--listen",
            "127.0.0.1:0",
            "--db",
            &db,
        ],
        &[],
    );
    let seeded = demo.wait_for_line("history");
    let base = common::url_in(&demo.wait_for_line("Dashboard:"));
    (demo, base, seeded)
}

#[test]
fn the_demo_seeds_serves_collects_stops_cleanly_and_never_duplicates_history() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let started = now();
    let (mut demo, base, seeded) = start_demo(&db);
    assert!(seeded.starts_with("seeded "), "{seeded}");
    let http = common::http();

    // The dashboard lists every target of the demo.
    let page = http.get(format!("{base}/")).send().unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().unwrap();
    for name in [
        "all",
        "sales",
        "support",
        "bilingual-queue",
        "spanish",
        "agent-12345",
    ] {
        assert!(
            page.contains(&format!("/targets/{name}")),
            "no link to {name}"
        );
    }

    // A report over 21 hours of seeded history that hold both staged incidents: the
    // 40-minute upstream timeout (160 failed slots of 15 s) and the 90-minute collector
    // crash (downtime, no rows). On the 15-minute grid, so the range is not snapped.
    let grid = started - started.rem_euclid(900);
    let (from, to) = (grid - 22 * 3_600, grid - 3_600);
    let report: serde_json::Value = http
        .get(format!(
            "{base}/api/v1/targets/sales/report?from={from}&to={to}"
        ))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let summary = &report["summary"];
    let slots = (to - from) / 15;
    assert_eq!(summary["failed"], 160, "{summary}");
    assert_eq!(summary["downtime_seconds"], 5_400, "{summary}");
    assert_eq!(summary["samples"], slots - 360 - 160, "{summary}");
    // The same count from the raw rows, by another path than the report's rollups.
    let sales = &history(&db)["sales"];
    let in_range = |s: &&Sample| (from..to).contains(&s.ts);
    let ok = sales
        .iter()
        .filter(in_range)
        .filter(|s| s.outcome == Outcome::Ok)
        .count();
    assert_eq!(summary["samples"], ok);
    assert!(
        sales
            .iter()
            .filter(in_range)
            .all(|s| matches!(s.outcome, Outcome::Ok | Outcome::Timeout))
    );

    // A PNG chart of the size asked for, with something drawn on it.
    let png = http
        .get(format!(
            "{base}/charts/sales/timeline.png?from=now-24h&width=800&height=400"
        ))
        .send()
        .unwrap();
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    let bytes = png.bytes().unwrap();
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes.to_vec()))
        .read_info()
        .unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (800, 400));
    let colours: std::collections::HashSet<&[u8]> = pixels.chunks(3).collect();
    assert!(colours.len() > 20, "{} colours", colours.len());

    // Live collection: a slot polled after the history was printed.
    let live_from = now();
    common::wait_until("a live sample of every target", || {
        let h = history(&db);
        (h.len() == 6
            && h.values()
                .all(|s| s.last().is_some_and(|x| x.ts >= live_from)))
        .then_some(())
    });

    demo.signal("TERM");
    assert_eq!(demo.wait_exit(), Some(0), "a clean stop exits 0");
    let reader = Reader::open(&db).unwrap();
    let last = reader.last_run().unwrap().unwrap();
    assert_eq!(last.state, RunState::Clean, "{last:?}");
    let first_runs = reader.runs(0, i64::MAX).unwrap().len();
    drop(reader);
    let first = history(&db);

    // A second run, a slot or more later: it adds only the missing slots, stages no
    // new incidents, and the history stays one row per slot.
    std::thread::sleep(std::time::Duration::from_secs(16));
    let (mut demo, _base, seeded) = start_demo(&db);
    assert!(seeded.starts_with("topped up"), "{seeded}");
    demo.signal("TERM");
    assert_eq!(demo.wait_exit(), Some(0));
    let second = history(&db);
    let reader = Reader::open(&db).unwrap();
    let runs = reader.runs(0, i64::MAX).unwrap();
    assert_eq!(runs.last().unwrap().state, RunState::Clean, "{runs:?}");
    for pair in runs.windows(2) {
        assert!(
            pair[1].started_at >= pair[0].stopped_at.unwrap(),
            "overlapping runs: {runs:?}"
        );
    }
    for (name, before) in &first {
        let after = &second[name];
        assert_eq!(
            &after[..before.len()],
            &before[..],
            "{name}: history changed"
        );
        let newest = before.last().unwrap().ts;
        // The top-up: every slot after the first run's newest up to its own end. It is
        // the second run's first collector run, found by order rather than by how soon
        // after the first run it started, which a slow machine stretches.
        let topped = runs
            .get(first_runs)
            .filter(|r| r.started_at >= newest)
            .unwrap_or_else(|| panic!("no top-up run after {newest}: {runs:?}"));
        let top_end = topped.stopped_at.unwrap();
        let added: Vec<i64> = after[before.len()..]
            .iter()
            .map(|s| s.ts)
            .take_while(|ts| *ts <= top_end)
            .collect();
        let want: Vec<i64> = (1..)
            .map(|i| newest + 15 * i)
            .take_while(|ts| *ts <= top_end)
            .collect();
        assert_eq!(added, want, "{name}: the top-up");
        let timeouts = |h: &[Sample]| h.iter().filter(|s| s.outcome == Outcome::Timeout).count();
        assert_eq!(timeouts(after), timeouts(before), "{name}: no new outage");
        let mut slots: Vec<i64> = after.iter().map(|s| s.ts).collect();
        slots.dedup();
        assert_eq!(slots.len(), after.len(), "{name}: a slot stored twice");
    }
}
