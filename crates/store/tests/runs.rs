//! Collector runs: clean and unclean stops.

use headcount_store::{Error, Reads, Run, RunState, Store};

#[test]
fn begin_run_marks_an_unfinished_run_unclean_at_its_last_heartbeat() {
    let mut store = Store::open_in_memory().unwrap();
    let first = store.begin_run(1000, 11, "0.1.0").unwrap();
    assert_eq!(first.unclean, vec![]);
    store.heartbeat(first.id, 1015).unwrap();
    store.heartbeat(first.id, 1030).unwrap();
    // The process is killed here: no end_run.

    let second = store.begin_run(5000, 22, "0.1.1").unwrap();
    let crashed = Run {
        id: first.id,
        started_at: 1000,
        heartbeat_at: 1030,
        stopped_at: Some(1030),
        state: RunState::Unclean,
        pid: 11,
        version: "0.1.0".to_owned(),
    };
    assert_eq!(second.unclean, vec![crashed.clone()]);
    assert_ne!(second.id, first.id);
    // The dead run cannot be revived by a late heartbeat.
    assert!(matches!(
        store.heartbeat(first.id, 5001),
        Err(Error::RunNotActive { .. })
    ));

    store.heartbeat(second.id, 5015).unwrap();
    store.end_run(second.id, 5020).unwrap();
    let clean = Run {
        id: second.id,
        started_at: 5000,
        heartbeat_at: 5020,
        stopped_at: Some(5020),
        state: RunState::Clean,
        pid: 22,
        version: "0.1.1".to_owned(),
    };
    assert_eq!(store.runs(0, 10_000).unwrap(), vec![crashed, clean.clone()]);
    assert_eq!(store.last_run().unwrap(), Some(clean));
    assert!(matches!(
        store.end_run(second.id, 6000),
        Err(Error::RunNotActive { .. })
    ));

    // A clean stop is not reported again by the next start.
    let third = store.begin_run(7000, 33, "0.1.1").unwrap();
    assert_eq!(third.unclean, vec![]);
}

#[test]
fn runs_returns_those_overlapping_the_range() {
    let mut store = Store::open_in_memory().unwrap();
    let a = store.begin_run(100, 1, "v").unwrap().id; // [100, 200)
    store.end_run(a, 200).unwrap();
    let b = store.begin_run(300, 1, "v").unwrap().id; // [300, 400)
    store.end_run(b, 400).unwrap();
    let c = store.begin_run(500, 1, "v").unwrap().id; // running since 500
    store.heartbeat(c, 510).unwrap();

    let ids = |from, to| {
        store
            .runs(from, to)
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(0, 100), vec![]); // [0, 100) ends where a starts
    assert_eq!(ids(0, 101), vec![a]);
    assert_eq!(ids(200, 300), vec![]); // between a's stop and b's start
    assert_eq!(ids(199, 301), vec![a, b]);
    assert_eq!(ids(450, 460), vec![]);
    assert_eq!(ids(10_000, 20_000), vec![c]); // still running
    let running = &store.runs(0, 1000).unwrap()[2];
    assert_eq!(
        (running.state, running.stopped_at, running.heartbeat_at),
        (RunState::Running, None, 510)
    );
}

#[test]
fn several_unfinished_runs_are_all_marked_and_returned_oldest_first() {
    // Two collectors on one file (a misconfiguration, but possible) can leave two
    // runs without a stop; make them directly.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("headcount.db");
    let mut store = Store::open(&path).unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "INSERT INTO collector_runs (started_at, heartbeat_at, pid, version)
             VALUES (30, 45, 3, 'v'), (10, 25, 1, 'v');",
        )
        .unwrap();
    let start = store.begin_run(100, 4, "v").unwrap();
    let marked: Vec<(i64, Option<i64>, RunState)> = start
        .unclean
        .iter()
        .map(|r| (r.started_at, r.stopped_at, r.state))
        .collect();
    assert_eq!(
        marked,
        vec![
            (10, Some(25), RunState::Unclean),
            (30, Some(45), RunState::Unclean)
        ]
    );
    let states: Vec<RunState> = store
        .runs(0, 1000)
        .unwrap()
        .iter()
        .map(|r| r.state)
        .collect();
    assert_eq!(
        states,
        vec![RunState::Unclean, RunState::Unclean, RunState::Running]
    );
}

#[test]
fn a_stalled_run_ends_unclean_at_its_last_slot_even_after_a_later_heartbeat() {
    let mut store = Store::open_in_memory().unwrap();
    let run = store.begin_run(1000, 11, "0.1.0").unwrap().id;
    store.heartbeat(run, 1030).unwrap();
    // The machine slept from 1030 to 9000; a heartbeat came in before the first tick.
    store.heartbeat(run, 9000).unwrap();
    store.end_run_stalled(run, 1030).unwrap();
    let next = store.begin_run(9000, 11, "0.1.0").unwrap();
    assert_eq!(next.unclean, vec![], "already stopped");
    let runs = store.runs(0, i64::MAX).unwrap();
    let got: Vec<(i64, i64, Option<i64>, RunState)> = runs
        .iter()
        .map(|r| (r.started_at, r.heartbeat_at, r.stopped_at, r.state))
        .collect();
    assert_eq!(
        got,
        vec![
            (1000, 1030, Some(1030), RunState::Unclean),
            (9000, 9000, None, RunState::Running),
        ]
    );
    assert!(matches!(
        store.end_run_stalled(run, 1030),
        Err(Error::RunNotActive { .. })
    ));
}
