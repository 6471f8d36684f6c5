//! The collector against the in-process simulator, on a 2-second schedule: what it
//! writes, how it records each failure, overruns, a graceful stop, and its lock.
//!
//! The machine running these may be slow and busy: a poll may time out or a slot be
//! skipped at any time, so the tests wait for what they need to see and check
//! invariants, never counts that depend on timing.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Db, Running, Sim, TOKEN, assert_contiguous, now, with_outcome};
use headcount_collector::{Collector, Error, Poller, SearchFuture};
use headcount_convoso::{Activity, Filters};
use headcount_simulator::{Clock, Faults, Filter};
use headcount_store::{Outcome, Reads, RunState};

const TARGETS: &str = r#"
[[target]]
name = "all"

[[target]]
name = "sales"
campaign_id = 111

[[target]]
name = "bilingual-queue"
queue_id = "222"
skills = ["english", "spanish"]

[[target]]
name = "agent-12345"
user_id = 12345
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_ok_sample_per_target_per_slot_with_the_values_served() {
    // A fixed clock: every answer is the snapshot of this instant, whatever the slot,
    // so each stored value can be compared with the model exactly. A Wednesday, 11 AM
    // in the center's zone: everybody busy, nobody logged out.
    let instant = chrono::DateTime::parse_from_rfc3339("2026-03-04T11:00:00-05:00")
        .unwrap()
        .timestamp();
    let sim = Sim::start(Clock::Fixed(instant)).await;
    let db = Db::new();
    let started = now();
    let running = Running::with_token(db.config(&sim.base_url, TARGETS), TOKEN);
    for name in ["all", "sales", "bilingual-queue", "agent-12345"] {
        db.wait_for(name, "3 ok samples", |s| {
            with_outcome(s, Outcome::Ok).len() >= 3
        })
        .await;
    }
    let summary = running.stop().await;
    let stopped = now();

    let center = sim.handle.center();
    let expected = [
        ("all", Filter::all()),
        ("sales", Filter::campaign(111)),
        (
            "bilingual-queue",
            Filter {
                queue_id: Some(vec![222]),
                skills: Some(vec!["english".into(), "spanish".into()]),
                ..Filter::default()
            },
        ),
        ("agent-12345", Filter::user(12345)),
    ];
    let mut slots_of: HashMap<&str, Vec<i64>> = HashMap::new();
    for (name, filter) in &expected {
        let counts = center.count(filter, instant);
        let samples = db.samples(name);
        assert!(samples.len() >= 3, "{name}: {samples:?}");
        assert_contiguous(name, &samples, 2);
        let first = samples.first().unwrap().ts;
        let last = samples.last().unwrap().ts;
        assert!(
            first >= started - 1 && last <= stopped,
            "{name}: slots {first}..{last} outside the run {started}..{stopped}"
        );
        let mut ok = 0;
        for s in &samples {
            match s.outcome {
                Outcome::Ok => {
                    ok += 1;
                    assert_eq!(
                        (s.available, s.logged_in),
                        (Some(counts.available), Some(counts.logged_in)),
                        "{name} at {}",
                        s.ts
                    );
                    assert!(s.latency_ms.is_some());
                }
                // Only if the machine starved the scheduler past a whole slot: the
                // missed slot is recorded as skipped, never left out or doubled. Or if
                // it starved the simulator past the request timeout.
                Outcome::Skipped | Outcome::Timeout => {}
                other => panic!("{name} at {}: {other}", s.ts),
            }
        }
        assert!(ok >= 3, "{name}: only {ok} ok samples");
        slots_of.insert(name, samples.iter().map(|s| s.ts).collect());
    }
    // One tick per slot: every target has the same slots.
    let all = &slots_of["all"];
    let common: Vec<i64> = all
        .iter()
        .copied()
        .filter(|t| slots_of.values().all(|s| s.contains(t)))
        .collect();
    assert!(common.len() >= 3, "{slots_of:?}");
    // The model really differs between the filters, so the comparison above means something.
    let distinct: std::collections::HashSet<_> = expected
        .iter()
        .map(|(_, f)| center.count(f, instant))
        .collect();
    assert!(distinct.len() >= 3, "{distinct:?}");

    assert!(summary.clean);
    assert!(summary.unclean_before.is_empty());
    assert_eq!(summary.metrics.dropped, 0);
    let reader = db.reader();
    let run = reader.last_run().unwrap().unwrap();
    assert_eq!(run.id, summary.run);
    assert_eq!(run.state, RunState::Clean);
    // Rollups are written with the samples.
    let id = reader.series_of("all").unwrap()[0].id;
    let ok_in_rollups: u64 = reader
        .rollups(id, 0, i64::MAX)
        .unwrap()
        .iter()
        .map(|r| u64::from(r.ok))
        .sum();
    assert_eq!(
        ok_in_rollups,
        with_outcome(&db.samples("all"), Outcome::Ok).len() as u64
    );
}

// IDs the API would refuse ("abc", "007", "-1") are refused by the config itself, so
// the upstream's 6026, 6041 and 6006 answers are staged as faults below.
const FAULT_TARGETS: &str = r#"
[[target]]
name = "all"
"#;

fn has_after(outcome: Outcome, after: i64) -> impl Fn(&[headcount_store::Sample]) -> bool {
    move |s| s.iter().any(|s| s.outcome == outcome && s.ts > after)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_failure_is_a_gap_with_its_kind_and_collection_resumes() {
    let sim = Sim::start(Clock::System).await;
    let db = Db::new();
    let running = Running::with_token(db.config(&sim.base_url, FAULT_TARGETS), TOKEN);

    db.wait_for("all", "ok", has_after(Outcome::Ok, 0)).await;

    // Faults of the upstream, each switched on, then off again; the first three are
    // the reference's answers to filters it refuses.
    let refused = |code: u32| Faults {
        api_error_rate: 1.0,
        api_error_code: code,
        ..Faults::none()
    };
    let faults = [
        (refused(6026), Outcome::InvalidCampaign),
        (refused(6041), Outcome::InvalidQueue),
        (refused(6006), Outcome::InvalidUser),
        (
            Faults {
                error_rate: 1.0,
                ..Faults::none()
            },
            Outcome::HttpStatus,
        ),
        (
            Faults {
                malformed_rate: 1.0,
                ..Faults::none()
            },
            Outcome::BadBody,
        ),
        (
            Faults {
                api_error_rate: 1.0,
                api_error_code: 7001,
                ..Faults::none()
            },
            Outcome::ApiError,
        ),
        (
            Faults {
                hang_rate: 1.0,
                ..Faults::none()
            },
            Outcome::Timeout,
        ),
    ];
    for (fault, outcome) in faults {
        let mark = now();
        sim.handle.set_faults(fault).unwrap();
        db.wait_for("all", outcome.as_str(), has_after(outcome, mark + 1))
            .await;
        let mark = now();
        sim.handle.set_faults(Faults::none()).unwrap();
        db.wait_for("all", "ok again", has_after(Outcome::Ok, mark + 1))
            .await;
    }
    let summary = running.stop().await;
    assert!(summary.clean);

    let samples = db.samples("all");
    assert_contiguous("all", &samples, 2);
    for s in &samples {
        // A failed poll is a gap, never a zero.
        assert_eq!(s.outcome.is_ok(), s.available.is_some(), "{s:?}");
        assert_eq!(s.outcome.is_ok(), s.logged_in.is_some(), "{s:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_is_recorded_as_invalid_token() {
    let sim = Sim::start(Clock::System).await;
    let db = Db::new();
    let running = Running::with_token(
        db.config(&sim.base_url, "[[target]]\nname = \"all\"\n"),
        "not-the-token",
    );
    db.wait_for("all", "2 invalid_token samples", |s| {
        with_outcome(s, Outcome::InvalidToken).len() >= 2
    })
    .await;
    running.stop().await;
    let samples = db.samples("all");
    // Never ok; a slow machine may also time out or skip a slot.
    assert!(
        samples.iter().all(|s| matches!(
            s.outcome,
            Outcome::InvalidToken | Outcome::Skipped | Outcome::Timeout
        )),
        "{samples:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_is_recorded_as_connect_until_the_upstream_comes_up() {
    // Reserve a port, then close it: connections are refused until the simulator
    // binds it later.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let db = Db::new();
    let running = Running::with_token(
        db.config(&format!("http://{addr}/v1"), "[[target]]\nname = \"all\"\n"),
        TOKEN,
    );
    db.wait_for("all", "connect", has_after(Outcome::Connect, 0))
        .await;

    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let _sim = Sim::serve(listener, Clock::System).await;
    let mark = now();
    db.wait_for("all", "ok", has_after(Outcome::Ok, mark + 1))
        .await;
    running.stop().await;
    let samples = db.samples("all");
    assert_contiguous("all", &samples, 2);
    assert!(
        samples.iter().all(|s| matches!(
            s.outcome,
            Outcome::Connect | Outcome::Ok | Outcome::Skipped | Outcome::Timeout
        )),
        "{samples:?}"
    );
}

/// A poller whose campaign "2" answers only after `slow`, counting polls in flight
/// per campaign.
struct SlowPoller {
    slow: Duration,
    in_flight: Mutex<HashMap<String, Arc<AtomicUsize>>>,
    most: Mutex<HashMap<String, usize>>,
}

impl SlowPoller {
    fn counter(&self, key: &str) -> Arc<AtomicUsize> {
        Arc::clone(
            self.in_flight
                .lock()
                .unwrap()
                .entry(key.to_owned())
                .or_default(),
        )
    }
}

impl Poller for SlowPoller {
    fn search<'a>(&'a self, filters: &'a Filters, _timeout: Duration) -> SearchFuture<'a> {
        Box::pin(async move {
            let key = filters.campaign_id.clone().unwrap_or_default();
            let counter = self.counter(&key);
            let now_in_flight = counter.fetch_add(1, Ordering::SeqCst) + 1;
            {
                let mut most = self.most.lock().unwrap();
                let m = most.entry(key.clone()).or_default();
                *m = (*m).max(now_in_flight);
            }
            if key == "2" {
                tokio::time::sleep(self.slow).await;
            }
            counter.fetch_sub(1, Ordering::SeqCst);
            Ok(Activity {
                available_agents: 1,
                logged_in_agents: 2,
            })
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_longer_than_the_interval_skips_slots_and_never_overlaps() {
    let db = Db::new();
    // Every second: this poller takes no notice of the request timeout.
    let config = db.config_with_cron(
        "http://127.0.0.1:9/v1",
        "* * * * * *",
        "[[target]]\nname = \"fast\"\ncampaign_id = 1\n\n[[target]]\nname = \"slow\"\ncampaign_id = 2\n",
    );
    let poller = Arc::new(SlowPoller {
        slow: Duration::from_millis(2500),
        in_flight: Mutex::default(),
        most: Mutex::default(),
    });
    let running = Running::start(Collector::with_poller(config, poller.clone()));
    db.wait_for("slow", "2 ok polls and skipped slots", |s| {
        with_outcome(s, Outcome::Ok).len() >= 2 && with_outcome(s, Outcome::Skipped).len() >= 2
    })
    .await;
    let summary = running.stop().await;

    let most = poller.most.lock().unwrap().clone();
    assert_eq!(
        most.get("2"),
        Some(&1),
        "the slow target was polled twice at once"
    );
    let slow = db.samples("slow");
    let fast = db.samples("fast");
    assert_contiguous("slow", &slow, 1);
    assert_contiguous("fast", &fast, 1);
    // Every tick wrote both targets, the one in flight at the stop included.
    assert_eq!(
        slow.iter().map(|s| s.ts).collect::<Vec<_>>(),
        fast.iter().map(|s| s.ts).collect::<Vec<_>>()
    );
    for s in &slow {
        match s.outcome {
            Outcome::Ok => assert!(s.latency_ms.unwrap() >= 2500, "{s:?}"),
            Outcome::Skipped => assert_eq!(s.latency_ms, None),
            other => panic!("{other}"),
        }
    }
    // How many slots a 2.5 s poll overruns depends on how promptly the machine runs
    // the scheduler, so no ratio is asserted: only that overruns were recorded (waited
    // for above), and that every one recorded was counted.
    let skipped = with_outcome(&slow, Outcome::Skipped).len();
    assert!(skipped >= 2, "{slow:?}");
    assert!(summary.metrics.skipped >= skipped as u64);
    assert_eq!(summary.metrics.dropped, 0);
}

/// A poller whose every poll waits at a gate until the test opens it, telling the
/// test when one has started.
struct GatedPoller {
    gate: Arc<tokio::sync::Semaphore>,
    started: tokio::sync::mpsc::UnboundedSender<()>,
    polls: AtomicUsize,
}

impl Poller for GatedPoller {
    fn search<'a>(&'a self, _filters: &'a Filters, _timeout: Duration) -> SearchFuture<'a> {
        Box::pin(async move {
            self.polls.fetch_add(1, Ordering::SeqCst);
            let _ = self.started.send(());
            let _permit = self.gate.acquire().await.unwrap();
            Ok(Activity {
                available_agents: 4,
                logged_in_agents: 9,
            })
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_stop_lets_the_tick_in_flight_finish_and_stores_its_samples() {
    let db = Db::new();
    let config = db.config_with_cron(
        "http://127.0.0.1:9/v1",
        "* * * * * *",
        "[[target]]\nname = \"a\"\ncampaign_id = 1\n\n[[target]]\nname = \"b\"\ncampaign_id = 2\n",
    );
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let (started_tx, mut started) = tokio::sync::mpsc::unbounded_channel();
    let poller = Arc::new(GatedPoller {
        gate: Arc::clone(&gate),
        started: started_tx,
        polls: AtomicUsize::new(0),
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // The gate opens only once the collector has seen the stop (SIGTERM in the
    // binary): the polls then in flight finish after it, whatever the timing.
    let run = tokio::spawn(
        Collector::with_poller(config, poller.clone()).run(async move {
            let _ = stopped.await;
            gate.add_permits(tokio::sync::Semaphore::MAX_PERMITS / 2);
        }),
    );
    tokio::time::timeout(common::PATIENCE, started.recv())
        .await
        .expect("a poll starts")
        .unwrap();
    stop.send(()).unwrap();
    let summary = tokio::time::timeout(common::PATIENCE, run)
        .await
        .expect("the collector stops")
        .unwrap()
        .unwrap();

    assert!(summary.clean);
    assert_eq!(summary.metrics.dropped, 0);
    // Every poll that started, all of them held up past the stop, was stored as ok.
    let polls = poller.polls.load(Ordering::SeqCst);
    assert!(polls >= 1);
    let ok: usize = ["a", "b"]
        .iter()
        .map(|name| {
            let samples = db.samples(name);
            for s in with_outcome(&samples, Outcome::Ok) {
                let s = samples.iter().find(|x| x.ts == s).unwrap();
                assert_eq!((s.available, s.logged_in), (Some(4), Some(9)), "{s:?}");
            }
            with_outcome(&samples, Outcome::Ok).len()
        })
        .sum();
    assert_eq!(ok, polls, "polls started {polls}, ok samples stored {ok}");
    let run = db.reader().last_run().unwrap().unwrap();
    assert_eq!(run.state, RunState::Clean);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_collector_on_the_same_database_is_refused() {
    let sim = Sim::start(Clock::System).await;
    let db = Db::new();
    let config = db.config(&sim.base_url, "[[target]]\nname = \"all\"\n");
    let first = Running::with_token(config.clone(), TOKEN);
    db.wait_for("all", "a sample", |s| !s.is_empty()).await;

    let second = Collector::new(config, headcount_convoso::AuthToken::new(TOKEN.into()))
        .unwrap()
        .run(std::future::pending())
        .await
        .unwrap_err();
    assert!(matches!(second, Error::Locked { .. }), "{second:?}");
    let msg = second.to_string();
    assert!(msg.contains(&db.path.display().to_string()), "{msg}");
    assert!(msg.contains("another collector"), "{msg}");
    first.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_collector_through_a_hard_link_is_refused_and_the_first_loses_nothing() {
    let sim = Sim::start(Clock::System).await;
    let db = Db::new();
    let target = "[[target]]\nname = \"all\"\n";
    let first = Running::with_token(db.config(&sim.base_url, target), TOKEN);
    db.wait_for("all", "a sample", |s| !s.is_empty()).await;

    // Another name for the same file, as `ln two.db hard.db` makes.
    let hard = db.dir.path().join("hard.db");
    std::fs::hard_link(&db.path, &hard).unwrap();
    let text = format!(
        "[upstream]\nbase_url = \"{}\"\n\n[storage]\npath = \"{}\"\n\n[schedule]\ncron = \"*/2 * * * * *\"\n\n{target}",
        sim.base_url,
        hard.display()
    );
    let config = headcount_config::Config::parse(&text, db.dir.path()).unwrap();
    let second = Collector::new(config, headcount_convoso::AuthToken::new(TOKEN.into())).unwrap();
    // Before the lock was on the file's identity, this one ran (until the guard).
    let second = tokio::time::timeout(common::PATIENCE, second.run(std::future::pending()))
        .await
        .expect("the second collector is refused at once, not left running")
        .unwrap_err();
    assert!(matches!(second, Error::Locked { .. }), "{second:?}");
    let msg = second.to_string();
    assert!(msg.contains(&hard.display().to_string()), "{msg}");
    assert!(msg.contains("another collector"), "{msg}");

    // The first one goes on, and what it wrote is all there, in one run.
    let had = db.samples("all").len();
    db.wait_for("all", "more samples", |s| s.len() > had).await;
    let summary = first.stop().await;
    assert!(summary.clean);
    let samples = db.samples("all");
    assert_eq!(samples.len() as u64, summary.metrics.written);
    assert_contiguous("all", &samples, 2);
    assert_eq!(db.reader().runs(0, i64::MAX).unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_database_stops_the_collector_with_an_error_naming_it() {
    let sim = Sim::start(Clock::System).await;
    let db = Db::new();
    let running = Running::with_token(
        db.config(&sim.base_url, "[[target]]\nname = \"all\"\n"),
        TOKEN,
    );
    db.wait_for("all", "a sample", |s| !s.is_empty()).await;
    let metrics = std::sync::Arc::clone(&running.metrics);
    assert_eq!(metrics.halted(), None);

    std::fs::remove_file(&db.path).unwrap();
    let want = format!(
        "database file {} was deleted or replaced while the collector ran; stopping so that no data is written where nobody can read it",
        db.path.display()
    );
    // Said while the collector is still up (for /healthz and /metrics), then returned.
    let err = running.ended().await.unwrap_err();
    assert!(matches!(err, Error::DatabaseReplaced { .. }), "{err:?}");
    assert_eq!(err.to_string(), want);
    assert!(!err.is_usage(), "a runtime failure: exit code 1");
    assert_eq!(metrics.halted(), Some(want));
}
