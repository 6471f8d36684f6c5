//! The live evaluation and delivery against a real HTTP receiver on 127.0.0.1: the
//! store written as the collector writes it, rounds and deliveries driven with fixed
//! times (no sleeps, no timed assertions).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use headcount_alerts::{Deliverer, Engine, replay};
use headcount_config::{ChannelUrl, Config};
use headcount_store::{AlertReads, AlertStore, Outcome, Sample, Store, TargetId};
use serde_json::Value;

/// Wednesday 2026-11-25 15:00 UTC (10:00 in New York).
const T0: i64 = 1_795_618_800;
/// A sample of slot t is final 10 s later (5 s timeout + 5 s slack).
const SETTLE: i64 = 10;

/// A receiver that answers each request with the next status of its script (200 once
/// the script is used up) and keeps every body.
#[derive(Clone, Default)]
struct Receiver {
    script: Arc<Mutex<Vec<u16>>>,
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl Receiver {
    async fn start(script: Vec<u16>) -> (Receiver, String) {
        let r = Receiver {
            script: Arc::new(Mutex::new(script)),
            bodies: Arc::default(),
        };
        let app = axum::Router::new()
            .route(
                "/hook",
                post(
                    |State(r): State<Receiver>, Json(body): Json<Value>| async move {
                        r.bodies.lock().unwrap().push(body);
                        let mut s = r.script.lock().unwrap();
                        let code = if s.is_empty() { 200 } else { s.remove(0) };
                        StatusCode::from_u16(code).unwrap()
                    },
                ),
            )
            .with_state(r.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (r, format!("http://{addr}/hook"))
    }

    fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().unwrap().clone()
    }

    /// The statuses (`firing`/`resolved`) of the requests received.
    fn statuses(&self) -> Vec<String> {
        self.bodies()
            .iter()
            .map(|b| b["status"].as_str().unwrap_or("?").to_owned())
            .collect()
    }
}

struct Rig {
    _dir: tempfile::TempDir,
    db: PathBuf,
    config: Config,
    store: Store,
    target: TargetId,
    engine: Engine,
    deliverer: Deliverer,
    outbox: Arc<Mutex<AlertStore>>,
}

fn config(db: &Path, rule: &str) -> Config {
    let text = format!(
        "[upstream]\nbase_url = \"http://127.0.0.1:9/v1\"\n[storage]\npath = {db:?}\n\
         [report]\ntimezone = \"America/New_York\"\n\
         [[target]]\nname = \"sales\"\ncampaign_id = 111\n\
         [[channel]]\nname = \"hook\"\nkind = \"webhook\"\nurl_env = \"HC_TEST_HOOK_URL\"\n\
         [[alert]]\nname = \"short-staffed\"\ntargets = [\"sales\"]\nchannels = [\"hook\"]\n{rule}"
    );
    Config::parse(&text, Path::new(".")).unwrap_or_else(|e| panic!("{e}"))
}

impl Rig {
    async fn new(rule: &str, url: &str) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h.db");
        let config = config(&db, rule);
        let mut store = Store::open(&db).unwrap();
        let t = &config.targets[0];
        let target = store.ensure_target(&t.name, &t.filters_json(), T0).unwrap();
        let mut engine = Engine::open(&config, &db).unwrap();
        // The first round creates the machines: they watch from T0 on.
        engine.round(T0, T0 * 1000).unwrap();
        let deliverer = Deliverer::with_urls(
            &config,
            [("hook".to_owned(), ChannelUrl::new(url.to_owned()))].into(),
        )
        .unwrap();
        let outbox = Arc::new(Mutex::new(AlertStore::open(&db).unwrap()));
        Rig {
            _dir: dir,
            db,
            config,
            store,
            target,
            engine,
            deliverer,
            outbox,
        }
    }

    /// Stores samples every 15 s from `from` (None: a timed-out poll), then runs a
    /// round once they are final and delivers what is due. Returns the next slot.
    async fn feed(&mut self, from: i64, values: &[Option<u32>]) -> i64 {
        let samples: Vec<Sample> = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let ts = from + 15 * i as i64;
                match v {
                    Some(a) => Sample::ok(self.target, ts, *a, 50, Some(20)),
                    None => Sample::failed(self.target, ts, Outcome::Timeout, Some(5000)),
                }
            })
            .collect();
        self.store.write_batch(&samples).unwrap();
        let end = from + 15 * values.len() as i64;
        let now = end - 15 + SETTLE;
        self.engine.round(now, now * 1000).unwrap();
        self.deliver(now * 1000).await;
        end
    }

    async fn deliver(&self, now_ms: i64) -> headcount_alerts::DeliveryRound {
        self.deliverer
            .deliver_due(&self.outbox, now_ms)
            .await
            .unwrap()
    }

    fn restart(&mut self) {
        self.engine = Engine::open(&self.config, &self.db).unwrap();
        self.outbox = Arc::new(Mutex::new(AlertStore::open(&self.db).unwrap()));
    }

    fn episodes(&self) -> Vec<headcount_store::EpisodeRow> {
        self.store.alert_episodes(0, i64::MAX, None).unwrap()
    }
}

const HYSTERESIS: &str = "when = \"available < 5\"\nfor = \"1m\"\nrecover_when = \"available >= 8\"\nrecover_for = \"1m\"\n";

#[tokio::test]
async fn a_drop_below_the_threshold_fires_once_after_for_not_before() {
    let (rx, url) = Receiver::start(vec![]).await;
    let mut rig = Rig::new(HYSTERESIS, &url).await;
    // Below from T0: 45 s of it (4 samples) is not yet the minute `for` asks.
    let next = rig.feed(T0, &[Some(3); 4]).await;
    assert!(rx.bodies().is_empty());
    assert!(rig.episodes().is_empty());
    // The sample at T0 + 60 s completes the minute.
    let next = rig.feed(next, &[Some(2)]).await;
    assert_eq!(rx.statuses(), ["firing"]);
    let body = &rx.bodies()[0];
    assert_eq!(body["alerts"][0]["labels"]["alertname"], "short-staffed");
    assert_eq!(body["alerts"][0]["labels"]["target"], "sales");
    assert_eq!(body["alerts"][0]["annotations"]["value"], "2");
    assert_eq!(body["alerts"][0]["annotations"]["threshold"], "5");
    assert_eq!(body["alerts"][0]["startsAt"], "2026-11-25T15:01:00Z");
    assert_eq!(
        body["alerts"][0]["generatorURL"],
        "http://127.0.0.1:8080/targets/sales"
    );
    // Staying below fires nothing more.
    rig.feed(next, &[Some(1); 20]).await;
    assert_eq!(rx.statuses(), ["firing"]);
    let eps = rig.episodes();
    assert_eq!(eps.len(), 1);
    assert_eq!((eps[0].pending_at, eps[0].fired_at), (T0, T0 + 60));
    assert_eq!(eps[0].worst, Some(1.0));
    assert_eq!(eps[0].ended_at, None);
    assert_eq!(eps[0].notifications, 1);
}

#[tokio::test]
async fn availability_oscillating_around_the_threshold_fires_once() {
    let (rx, url) = Receiver::start(vec![]).await;
    let rule = "when = \"available < 5\"\nfor = \"0s\"\nrecover_when = \"available >= 8\"\nrecover_for = \"1m\"\n";
    let mut rig = Rig::new(rule, &url).await;
    // 4 and 6 in turn for an hour: below 5 every other sample, never 8 or more.
    let wave: Vec<Option<u32>> = (0..240)
        .map(|i| Some(if i % 2 == 0 { 4 } else { 6 }))
        .collect();
    let mut next = T0;
    for chunk in wave.chunks(7) {
        next = rig.feed(next, chunk).await;
    }
    assert_eq!(rx.statuses(), ["firing"]);
    let eps = rig.episodes();
    assert_eq!(eps.len(), 1);
    assert_eq!(eps[0].fired_at, T0);
    assert_eq!(eps[0].ended_at, None);
    // Without the recovery threshold, the same hour is 120 episodes: one per dip.
    let mut flappy = rig.config.clone();
    flappy.alerts[0].recover_when = Some(headcount_config::Test {
        op: headcount_config::Op::Ge,
        ..match flappy.alerts[0].when {
            headcount_config::AlertCondition::Test(t) => t,
            headcount_config::AlertCondition::NoData(_) => unreachable!(),
        }
    });
    flappy.alerts[0].recover_for = std::time::Duration::ZERO;
    let report = replay(&rig.store, &flappy, T0, next).unwrap();
    assert_eq!(report.rules[0].episodes, 120);
}

#[tokio::test]
async fn recovery_after_recover_for_resolves_once() {
    let (rx, url) = Receiver::start(vec![]).await;
    let mut rig = Rig::new(HYSTERESIS, &url).await;
    let next = rig.feed(T0, &[Some(2); 5]).await;
    assert_eq!(rx.statuses(), ["firing"]);
    // 8 or more from `next`: resolved at the sample 60 s later.
    let next = rig.feed(next, &[Some(9); 4]).await;
    assert_eq!(
        rx.statuses(),
        ["firing"],
        "45 s of recovery is not a minute"
    );
    let next = rig.feed(next, &[Some(9); 10]).await;
    assert_eq!(rx.statuses(), ["firing", "resolved"]);
    rig.feed(next, &[Some(9); 10]).await;
    assert_eq!(rx.statuses(), ["firing", "resolved"]);
    let eps = rig.episodes();
    assert_eq!(eps.len(), 1);
    assert_eq!(eps[0].ended_at, Some(T0 + 75 + 60));
    assert_eq!(eps[0].end_reason.as_deref(), Some("resolved"));
    assert_eq!(eps[0].notifications, 2);
    let resolved = &rx.bodies()[1];
    assert_eq!(resolved["alerts"][0]["endsAt"], "2026-11-25T15:02:15Z");
}

#[tokio::test]
async fn failed_polls_during_a_firing_alert_do_not_resolve_it() {
    let (rx, url) = Receiver::start(vec![]).await;
    let mut rig = Rig::new(HYSTERESIS, &url).await;
    let next = rig.feed(T0, &[Some(2); 5]).await;
    // An hour of failed polls, then recovering samples between failures.
    let next = rig.feed(next, &[None; 240]).await;
    let pattern: Vec<Option<u32>> = (0..60).map(|i| (i % 3 != 2).then_some(9)).collect();
    rig.feed(next, &pattern).await;
    assert_eq!(rx.statuses(), ["firing"]);
    let eps = rig.episodes();
    assert_eq!(eps.len(), 1);
    assert_eq!(eps[0].ended_at, None);
    let st = rig.store.alert_states().unwrap();
    assert_eq!(st[0].phase, "firing");
}

#[tokio::test]
async fn a_receiver_answering_500_then_200_gets_the_notification_once_after_the_retry() {
    let (rx, url) = Receiver::start(vec![500]).await;
    let mut rig = Rig::new(HYSTERESIS, &url).await;
    let next = rig.feed(T0, &[Some(2); 5]).await;
    // The first attempt got a 500; the retry is not due yet.
    assert_eq!(rx.bodies().len(), 1);
    let now_ms = (next - 15 + SETTLE) * 1000;
    let r = rig.deliver(now_ms).await;
    assert_eq!((r.sent, r.retried), (0, 0), "not due yet");
    // Later (past the longest first backoff) it is sent, once.
    let r = rig.deliver(now_ms + 60_000).await;
    assert_eq!((r.sent, r.retried, r.given_up), (1, 0, 0));
    let r = rig.deliver(now_ms + 600_000).await;
    assert_eq!(r, headcount_alerts::DeliveryRound::default());
    assert_eq!(rx.statuses(), ["firing", "firing"]);
    let counts = rig.store.notification_counts().unwrap();
    assert_eq!(
        (counts[0].sent, counts[0].failed, counts[0].pending),
        (1, 0, 0)
    );
}

#[tokio::test]
async fn a_receiver_down_past_give_up_after_is_given_up_and_counted() {
    let (rx, url) = Receiver::start(vec![503; 1000]).await;
    let mut rig = Rig::new(HYSTERESIS, &url).await;
    let next = rig.feed(T0, &[Some(2); 5]).await;
    let mut now_ms = (next + SETTLE) * 1000;
    // Give-up after the default day: try every 10 minutes for 25 hours.
    for _ in 0..150 {
        now_ms += 600_000;
        rig.deliver(now_ms).await;
    }
    let counts = rig.store.notification_counts().unwrap();
    assert_eq!(
        (counts[0].sent, counts[0].failed, counts[0].pending),
        (0, 1, 0)
    );
    let tries = rx.bodies().len();
    assert!((10..=150).contains(&tries), "{tries} attempts");
}

#[tokio::test]
async fn a_restart_in_the_middle_re_sends_nothing() {
    let (rx, url) = Receiver::start(vec![]).await;
    let mut rig = Rig::new(HYSTERESIS, &url).await;
    // Pending at the restart...
    let next = rig.feed(T0, &[Some(2); 3]).await;
    rig.restart();
    // ...fires after it, at the right time (the pending start was kept).
    let next = rig.feed(next, &[Some(2); 2]).await;
    assert_eq!(rx.statuses(), ["firing"]);
    assert_eq!(rig.episodes()[0].fired_at, T0 + 60);
    // Restarted while firing, with the same samples evaluated again: nothing new.
    rig.restart();
    rig.engine
        .round(next + SETTLE, (next + SETTLE) * 1000)
        .unwrap();
    rig.deliver((next + SETTLE) * 1000).await;
    let next = rig.feed(next, &[Some(1); 10]).await;
    assert_eq!(rx.statuses(), ["firing"]);
    // Queued but not yet delivered at a restart: delivered once after it.
    rig.store
        .write_batch(
            &(0..10)
                .map(|i| Sample::ok(rig.target, next + 15 * i, 9, 50, None))
                .collect::<Vec<_>>(),
        )
        .unwrap();
    let now = next + 135 + SETTLE;
    rig.engine.round(now, now * 1000).unwrap();
    rig.restart();
    rig.deliver(now * 1000).await;
    rig.deliver(now * 1000 + 60_000).await;
    assert_eq!(rx.statuses(), ["firing", "resolved"]);
    assert_eq!(rig.episodes().len(), 1);
}

#[tokio::test]
async fn an_alert_outside_its_window_does_not_fire() {
    let (rx, url) = Receiver::start(vec![]).await;
    // T0 is a Wednesday, 10:00 in New York.
    let mut rig = Rig::new(
        &format!("{HYSTERESIS}active = {{ days = [\"mon\", \"tue\"], hours = \"09:00-17:00\" }}\n"),
        &url,
    )
    .await;
    rig.feed(T0, &[Some(0); 120]).await;
    assert!(rx.bodies().is_empty());
    assert!(rig.episodes().is_empty());
    // The same rule on Wednesdays fires.
    let (rx, url) = Receiver::start(vec![]).await;
    let mut rig = Rig::new(
        &format!("{HYSTERESIS}active = {{ days = [\"wed\"], hours = \"09:00-17:00\" }}\n"),
        &url,
    )
    .await;
    rig.feed(T0, &[Some(0); 120]).await;
    assert_eq!(rx.statuses(), ["firing"]);
}

/// pending_at, fired_at, ended_at, worst, notifications.
type Facts = (i64, i64, Option<i64>, Option<f64>, i64);

#[tokio::test]
async fn replay_over_the_history_gives_the_episodes_the_live_evaluation_stored() {
    let (_rx, url) = Receiver::start(vec![]).await;
    let mut rig = Rig::new(HYSTERESIS, &url).await;
    // Three hours of noisy staffing with drops, recoveries and failures.
    let mut values = Vec::new();
    for i in 0..720u32 {
        let v = match (i / 40) % 4 {
            0 => Some(10 + i % 3),
            1 => Some(i % 6),
            2 if i % 7 == 0 => None,
            2 => Some(3 + i % 4),
            _ => Some(9),
        };
        values.push(v);
    }
    let mut next = T0;
    for chunk in values.chunks(13) {
        next = rig.feed(next, chunk).await;
    }
    let live = rig.episodes();
    assert!(live.len() >= 3, "{live:?}");
    let report = replay(&rig.store, &rig.config, T0, next).unwrap();
    let got: Vec<Facts> = report
        .episodes
        .iter()
        .map(|e| {
            (
                e.pending_at,
                e.fired_at,
                e.ended_at,
                e.worst,
                e.notifications as i64,
            )
        })
        .collect();
    let want: Vec<Facts> = live
        .iter()
        .map(|e| {
            (
                e.pending_at,
                e.fired_at,
                e.ended_at,
                e.worst,
                e.notifications,
            )
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(report.rules[0].episodes, live.len() as u64);
}
