//! Writes read back exactly, in memory, on disk and through a concurrent Reader.

mod common;

use std::ops::ControlFlow;

use common::temp_store;
use headcount_store::{
    Error, GaugeSums, LatencyHistogram, OpsReads, Outcome, PollStat, Reader, Reads, Rollup, Sample,
    Store, TargetId, WriteSummary,
};

const T0: i64 = 1_800_000_000; // a multiple of 900

fn tick(target: TargetId) -> Vec<Sample> {
    vec![
        Sample::ok(target, T0, 4, 10, Some(20)),
        Sample::failed(target, T0 + 15, Outcome::Timeout, Some(5000)),
        Sample::ok(target, T0 + 30, 0, 12, Some(60)),
        Sample::failed(target, T0 + 45, Outcome::Skipped, None),
        Sample::ok(target, T0 + 900, 7, 7, Some(26)),
        Sample::failed(target, T0 + 915, Outcome::InvalidCampaign, Some(100)),
    ]
}

fn check_contents(r: &impl Reads, target: TargetId) {
    let written = tick(target);
    assert_eq!(r.samples(target, T0, T0 + 1800).unwrap(), written);
    // Half-open range: T0 + 900 is excluded from [T0, T0 + 900).
    assert_eq!(r.samples(target, T0, T0 + 900).unwrap(), written[..4]);
    assert_eq!(r.latest(target).unwrap(), Some(written[5]));
    assert_eq!(r.latest_ok(target).unwrap(), Some(written[4]));
    assert_eq!(r.oldest_sample_ts(target).unwrap(), Some(T0));
    assert_eq!(
        r.rollups(target, T0, T0 + 1800).unwrap(),
        vec![
            Rollup {
                bucket: T0,
                ok: 2,
                failed: 2,
                available: Some(GaugeSums {
                    sum: 4,
                    min: 0,
                    max: 4,
                    last: 0
                }),
                logged_in: Some(GaugeSums {
                    sum: 22,
                    min: 10,
                    max: 12,
                    last: 12
                }),
                last_ts: Some(T0 + 30),
            },
            Rollup {
                bucket: T0 + 900,
                ok: 1,
                failed: 1,
                available: Some(GaugeSums {
                    sum: 7,
                    min: 7,
                    max: 7,
                    last: 7
                }),
                logged_in: Some(GaugeSums {
                    sum: 7,
                    min: 7,
                    max: 7,
                    last: 7
                }),
                last_ts: Some(T0 + 900),
            },
        ]
    );
    let dists = r.dists(target, T0, T0 + 1800).unwrap();
    let pairs: Vec<(i64, Vec<_>)> = dists
        .iter()
        .map(|(b, d)| (*b, d.iter().collect()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            (T0, vec![(4, 10, 1), (0, 12, 1)]),
            (T0 + 900, vec![(7, 7, 1)])
        ]
    );
}

#[test]
fn in_memory_round_trip_reads_back_every_field() {
    let mut store = Store::open_in_memory().unwrap();
    let t = store
        .ensure_target("sales", r#"{"campaign_id":"111"}"#, T0)
        .unwrap();
    let summary = store.write_batch(&tick(t)).unwrap();
    assert_eq!(
        summary,
        WriteSummary {
            inserted: 6,
            duplicates: 0,
            pruned_skipped: 0
        }
    );
    check_contents(&store, t);
    assert_eq!(store.latest(TargetId(t.0 + 1)).unwrap(), None);
    assert_eq!(store.oldest_sample_ts(TargetId(t.0 + 1)).unwrap(), None);
}

#[test]
fn file_round_trip_survives_reopening_and_reads_through_a_reader() {
    let (_dir, path, mut store) = temp_store();
    let t = store.ensure_target("sales", "{}", T0).unwrap();
    store.write_batch(&tick(t)).unwrap();
    drop(store);

    let store = Store::open(&path).unwrap();
    check_contents(&store, t);
    let reader = Reader::open(&path).unwrap();
    check_contents(&reader, t);
    assert_eq!(reader.targets().unwrap(), store.targets().unwrap());
}

#[test]
fn a_reader_mid_query_neither_blocks_the_writer_nor_sees_half_a_batch() {
    let (_dir, path, mut store) = temp_store();
    let t = store.ensure_target("sales", "{}", T0).unwrap();
    store.write_batch(&tick(t)).unwrap();
    let reader = Reader::open(&path).unwrap();

    let mut seen = Vec::new();
    reader
        .for_each_sample(t, T0, T0 + 10_000, |s| {
            if seen.is_empty() {
                // The reader holds an open read transaction right now. In WAL mode the
                // writer commits without waiting for it (a block would fail with busy).
                let more = [Sample::ok(t, T0 + 2700, 1, 2, None)];
                assert_eq!(store.write_batch(&more).unwrap().inserted, 1);
            }
            seen.push(s.ts);
            ControlFlow::Continue(())
        })
        .unwrap();
    // The running query saw its snapshot only; the next one sees the commit.
    assert_eq!(seen.len(), 6);
    assert_eq!(reader.samples(t, T0, T0 + 10_000).unwrap().len(), 7);
    assert_eq!(reader.rollups(t, T0 + 2700, T0 + 3600).unwrap()[0].ok, 1);
}

#[test]
fn for_each_sample_stops_when_asked() {
    let mut store = Store::open_in_memory().unwrap();
    let t = store.ensure_target("sales", "{}", T0).unwrap();
    store.write_batch(&tick(t)).unwrap();
    let mut seen = Vec::new();
    let n = store
        .for_each_sample(t, T0, T0 + 1800, |s| {
            seen.push(s.ts);
            if seen.len() == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(seen, vec![T0, T0 + 15]);
}

#[test]
fn rewriting_a_batch_changes_nothing() {
    let mut store = Store::open_in_memory().unwrap();
    let t = store.ensure_target("sales", "{}", T0).unwrap();
    store.write_batch(&tick(t)).unwrap();
    let rollups = store.rollups(t, T0, T0 + 1800).unwrap();
    let dists = store.dists(t, T0, T0 + 1800).unwrap();
    let stats = store.poll_stats().unwrap();
    let latency = store.poll_latency().unwrap();

    // A retried batch, and one slot re-sent with other values: the first write wins.
    let mut again = tick(t);
    again[0].available = Some(9);
    let summary = store.write_batch(&again).unwrap();
    assert_eq!(
        summary,
        WriteSummary {
            inserted: 0,
            duplicates: 6,
            pruned_skipped: 0
        }
    );
    assert_eq!(store.samples(t, T0, T0 + 1800).unwrap(), tick(t));
    assert_eq!(store.rollups(t, T0, T0 + 1800).unwrap(), rollups);
    assert_eq!(store.dists(t, T0, T0 + 1800).unwrap(), dists);
    assert_eq!(store.poll_stats().unwrap(), stats);
    assert_eq!(store.poll_latency().unwrap(), latency);
}

#[test]
fn duplicates_within_one_batch_count_once() {
    let mut store = Store::open_in_memory().unwrap();
    let t = store.ensure_target("sales", "{}", T0).unwrap();
    let s = Sample::ok(t, T0, 1, 3, Some(10));
    let summary = store
        .write_batch(&[
            s,
            s,
            Sample {
                available: Some(2),
                ..s
            },
        ])
        .unwrap();
    assert_eq!(
        summary,
        WriteSummary {
            inserted: 1,
            duplicates: 2,
            pruned_skipped: 0
        }
    );
    let r = store.rollups(t, T0, T0 + 900).unwrap();
    assert_eq!((r[0].ok, r[0].available.unwrap().sum), (1, 1));
    assert_eq!(store.poll_stats().unwrap()[0].polls, 1);
}

#[test]
fn poll_counters_count_inserted_samples_by_outcome_and_latency_bucket() {
    let mut store = Store::open_in_memory().unwrap();
    let a = store.ensure_target("a", "{}", T0).unwrap();
    let b = store.ensure_target("b", "{}", T0).unwrap();
    let mut batch = tick(a);
    batch.push(Sample::ok(b, T0, 1, 1, Some(25)));
    batch.push(Sample::ok(b, T0 + 15, 1, 1, Some(20_000)));
    store.write_batch(&batch).unwrap();

    let stat = |target, outcome, polls, latency_sum_ms| PollStat {
        target,
        outcome,
        polls,
        latency_sum_ms,
    };
    // tick(a) latencies: ok 20, 60, 26; timeout 5000; skipped none; invalid_campaign 100.
    assert_eq!(
        store.poll_stats().unwrap(),
        vec![
            stat(a, Outcome::Ok, 3, 106),
            stat(a, Outcome::Timeout, 1, 5000),
            stat(a, Outcome::InvalidCampaign, 1, 100),
            stat(a, Outcome::Skipped, 1, 0),
            stat(b, Outcome::Ok, 2, 20_025),
        ]
    );
    // Buckets (ms): 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, +Inf.
    assert_eq!(
        store.poll_latency().unwrap(),
        vec![
            LatencyHistogram {
                target: a,
                counts: [1, 1, 2, 0, 0, 0, 0, 1, 0, 0]
            },
            LatencyHistogram {
                target: b,
                counts: [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
            },
        ]
    );

    // Counters accumulate across batches.
    store
        .write_batch(&[Sample::ok(b, T0 + 30, 1, 1, Some(30))])
        .unwrap();
    let stats = store.poll_stats().unwrap();
    assert_eq!(stats[4], stat(b, Outcome::Ok, 3, 20_055));
    assert_eq!(
        store.poll_latency().unwrap()[1].counts,
        [1, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    );
}

#[test]
fn invalid_samples_are_refused_before_anything_is_written() {
    let mut store = Store::open_in_memory().unwrap();
    let t = store.ensure_target("sales", "{}", T0).unwrap();
    let mut batch = tick(t);
    batch.push(Sample::ok(t, T0 + 60, 11, 10, None));
    let e = store.write_batch(&batch).unwrap_err();
    assert!(
        matches!(e, Error::InvalidSample { ts, reason: "available exceeds logged_in", .. } if ts == T0 + 60),
        "{e:?}"
    );
    assert!(!e.is_retryable());
    assert_eq!(store.samples(t, i64::MIN, i64::MAX).unwrap(), vec![]);
    assert_eq!(store.rollups(t, i64::MIN, i64::MAX).unwrap(), vec![]);
    assert_eq!(store.poll_stats().unwrap(), vec![]);
}

#[test]
fn an_unknown_target_is_refused() {
    let mut store = Store::open_in_memory().unwrap();
    let e = store
        .write_batch(&[Sample::ok(TargetId(42), T0, 1, 1, None)])
        .unwrap_err();
    assert_eq!(e.to_string(), "target 42: unknown");
}

#[test]
fn a_changed_filter_set_is_a_new_series_and_the_old_one_stays() {
    let mut store = Store::open_in_memory().unwrap();
    let old = store
        .ensure_target("sales", r#"{"campaign_id":"111"}"#, T0)
        .unwrap();
    assert_eq!(
        store
            .ensure_target("sales", r#"{"campaign_id":"111"}"#, T0 + 5)
            .unwrap(),
        old
    );
    store.write_batch(&tick(old)).unwrap();

    let new = store
        .ensure_target("sales", r#"{"campaign_id":"222"}"#, T0 + 3600)
        .unwrap();
    assert_ne!(new, old);
    store
        .write_batch(&[Sample::ok(new, T0, 3, 3, None)])
        .unwrap();

    check_contents(&store, old);
    assert_eq!(store.samples(new, T0, T0 + 1800).unwrap().len(), 1);
    assert_eq!(
        store.target("sales", r#"{"campaign_id":"111"}"#).unwrap(),
        Some(old)
    );
    assert_eq!(
        store.target("sales", r#"{"campaign_id":"222"}"#).unwrap(),
        Some(new)
    );
    assert_eq!(
        store.target("sales", r#"{"campaign_id":"333"}"#).unwrap(),
        None
    );
    let series = store.series_of("sales").unwrap();
    assert_eq!(
        series.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![new, old]
    );
    assert_eq!(series[1].filters, r#"{"campaign_id":"111"}"#);
    assert_eq!(series[1].created_at, T0);
    assert_eq!(store.series_of("support").unwrap(), vec![]);
    assert_eq!(store.targets().unwrap().len(), 2);
}

#[test]
fn filters_must_be_a_json_object() {
    let mut store = Store::open_in_memory().unwrap();
    for bad in ["", "[1]", "{", "\"x\""] {
        let e = store.ensure_target("sales", bad, T0).unwrap_err();
        assert!(matches!(e, Error::InvalidFilters { .. }), "{bad}: {e:?}");
    }
    assert_eq!(store.targets().unwrap(), vec![]);
}

#[test]
fn latest_ok_skips_a_long_run_of_failures() {
    let mut store = Store::open_in_memory().unwrap();
    let t = store.ensure_target("sales", "{}", T0).unwrap();
    let mut batch = vec![Sample::ok(t, T0, 2, 5, None)];
    batch.extend((1..400).map(|i| Sample::failed(t, T0 + 15 * i, Outcome::Connect, None)));
    store.write_batch(&batch).unwrap();
    assert_eq!(store.latest_ok(t).unwrap(), Some(batch[0]));
    assert_eq!(store.latest(t).unwrap(), Some(batch[399]));
}

#[test]
fn sizes_are_reported_per_table() {
    let (_dir, _path, mut store) = temp_store();
    let t = store.ensure_target("sales", "{}", T0).unwrap();
    let batch: Vec<Sample> = (0..5000)
        .map(|i| Sample::ok(t, T0 + 15 * i, 3, 9, None))
        .collect();
    store.write_batch(&batch).unwrap();
    let tables = store.table_bytes().unwrap();
    let bytes = |name: &str| tables.iter().find(|(n, _)| n == name).map(|(_, b)| *b);
    // 5000 samples take more than one 4 KiB page and less than 100 bytes each.
    let samples = bytes("samples").unwrap();
    assert!(samples > 4096 && samples < 500_000, "{samples}");
    assert!(bytes("rollups").is_some() && bytes("rollup_dists").is_some());
    let total: u64 = tables.iter().map(|(_, b)| b).sum();
    assert_eq!(store.size_bytes().unwrap(), total);
}

#[test]
fn store_and_reader_can_move_to_another_thread() {
    // The collector owns its Store on a writer thread; the web server keeps one Reader
    // per blocking thread.
    fn is_send<T: Send>() {}
    is_send::<Store>();
    is_send::<Reader>();
}

#[test]
fn an_empty_batch_writes_nothing() {
    let mut store = Store::open_in_memory().unwrap();
    assert_eq!(store.write_batch(&[]).unwrap(), WriteSummary::default());
}

#[test]
fn a_snapshot_sees_one_state_while_the_writer_commits() {
    let (_dir, path, mut store) = temp_store();
    let t = store.ensure_target("sales", "{}", T0).unwrap();
    store.write_batch(&tick(t)[..2]).unwrap();
    let reader = Reader::open(&path).unwrap();
    let count = |r: &Reader| r.samples(t, T0, T0 + 1800).unwrap().len();

    let (inside, again) = reader
        .snapshot(|r| -> Result<_, Error> {
            let before = count(r);
            // The collector commits more while the snapshot is open...
            store.write_batch(&tick(t)[2..]).unwrap();
            // ...and a nested snapshot runs in the outer one.
            let nested = r.snapshot(|r| -> Result<_, Error> { Ok(count(r)) })?;
            Ok((before, nested.max(count(r))))
        })
        .unwrap();
    assert_eq!((inside, again), (2, 2), "reads inside one snapshot agree");
    // Outside it, the next read sees the commit.
    assert_eq!(count(&reader), 6);

    // An error inside ends the snapshot too: the reader is not left pinned.
    let err = reader.snapshot(|_| -> Result<(), Error> { Err(Error::RunNotActive { id: 7 }) });
    assert!(matches!(err, Err(Error::RunNotActive { id: 7 })));
    store
        .write_batch(&[Sample::ok(t, T0 + 1_200, 1, 2, None)])
        .unwrap();
    assert_eq!(count(&reader), 7);
}
