//! `/api/v1/alerts`, `/api/v1/alerts/history` and the alert metrics, over state the
//! live evaluation stored (written here through the store, as the alerts crate does).

mod common;

use std::path::Path;

use axum::http::StatusCode;
use common::{Fixture, get};
use headcount_config::Config;
use headcount_store::{AlertStateRow, AlertStore, AlertUpdate, EpisodeEvent};

fn rules() -> Config {
    let text = "[upstream]\nbase_url = \"http://127.0.0.1:9/v1\"\n\
        [[target]]\nname = \"sales\"\ncampaign_id = 111\n[[target]]\nname = \"all\"\n\
        [[channel]]\nname = \"hook\"\nkind = \"webhook\"\nurl_env = \"HC_TEST_HOOK\"\n\
        [[alert]]\nname = \"short-staffed\"\nwhen = \"available < 5\"\nchannels = [\"hook\"]\n";
    Config::parse(text, Path::new(".")).unwrap()
}

fn row(rule: &str, target: &str, phase: &str, since: Option<i64>, value: f64) -> AlertStateRow {
    AlertStateRow {
        rule: rule.into(),
        target: target.into(),
        phase: phase.into(),
        since,
        value: Some(value),
        cursor: 0,
        episode: None,
        data: "{}".into(),
        updated_at: 0,
    }
}

/// `all` fires since an hour before `now` (an episode with one notification sent);
/// `sales` had an episode two hours before that, resolved.
fn store_alerts(f: &Fixture) {
    let mut s = AlertStore::open(&f.db).unwrap();
    let opened = |at: i64| EpisodeEvent::Opened {
        severity: "warning".into(),
        condition: "available < 5".into(),
        pending_at: at - 60,
        fired_at: at,
        worst: Some(2.0),
        threshold: Some(5.0),
    };
    let notify = |at: i64| EpisodeEvent::Notify {
        channel: "hook".into(),
        payload: "{}".into(),
        at_ms: at * 1000,
    };
    s.apply(&[
        AlertUpdate {
            state: row("short-staffed", "sales", "ok", None, 9.0),
            events: vec![
                opened(f.now - 3 * 3600),
                notify(f.now - 3 * 3600),
                notify(f.now - 2 * 3600),
                EpisodeEvent::Closed {
                    ended_at: f.now - 2 * 3600,
                    reason: "resolved".into(),
                },
            ],
        },
        AlertUpdate {
            state: row("short-staffed", "all", "firing", Some(f.now - 3600), 3.0),
            events: vec![opened(f.now - 3600), notify(f.now - 3600)],
        },
    ])
    .unwrap();
    let due = s.due(i64::MAX, 10).unwrap();
    s.mark_sent(due[0].id, f.now * 1000).unwrap();
    s.mark_given_up(due[1].id, f.now * 1000, "HTTP 404")
        .unwrap();
}

fn app(f: &Fixture) -> axum::Router {
    let c = rules();
    let channels = c.channels.iter().map(|c| c.name.clone()).collect();
    headcount_web::app(f.state().with_alerts(c.alerts, channels))
}

#[tokio::test]
async fn alerts_lists_every_rule_and_target_firing_first() {
    let f = Fixture::new();
    store_alerts(&f);
    let r = get(&app(&f), "/api/v1/alerts").await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["target"], "all");
    assert_eq!(list[0]["state"], "firing");
    assert_eq!(list[0]["since"], "2026-11-20T09:00:00-05:00");
    assert_eq!(list[0]["value"], 3.0);
    assert_eq!(list[0]["value_text"], "3");
    assert_eq!(list[0]["condition"], "available < 5");
    assert!(list[0]["episode"].as_i64().is_some());
    assert_eq!(list[1]["target"], "sales");
    assert_eq!(list[1]["state"], "ok");
    assert_eq!(list[1]["since"], serde_json::Value::Null);
    let r = get(&app(&f), "/api/v1/alerts?tz=UTC").await;
    assert_eq!(r.json()[0]["since"], "2026-11-20T14:00:00Z");
}

#[tokio::test]
async fn history_lists_the_episodes_that_overlap_the_range() {
    let f = Fixture::new();
    store_alerts(&f);
    let r = get(&app(&f), "/api/v1/alerts/history?from=now-6h").await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    let eps = v["episodes"].as_array().unwrap();
    assert_eq!(eps.len(), 2);
    assert_eq!(eps[0]["target"], "sales");
    assert_eq!(eps[0]["fired_at"], "2026-11-20T07:00:00-05:00");
    assert_eq!(eps[0]["pending_at"], "2026-11-20T06:59:00-05:00");
    assert_eq!(eps[0]["ended_at"], "2026-11-20T08:00:00-05:00");
    assert_eq!(eps[0]["end_reason"], "resolved");
    assert_eq!(eps[0]["duration_seconds"], 3600);
    assert_eq!(eps[0]["notifications"], 2);
    assert_eq!(eps[1]["target"], "all");
    assert_eq!(eps[1]["ended_at"], serde_json::Value::Null);
    assert_eq!(eps[1]["duration_seconds"], 3600);
    // The last 90 minutes hold only the open episode.
    let r = get(&app(&f), "/api/v1/alerts/history?from=now-90m").await;
    let v = r.json();
    assert_eq!(v["episodes"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_bad_history_parameter_is_a_400_naming_it() {
    let f = Fixture::new();
    for (q, param) in [
        ("from=yesterday", "from"),
        ("to=soon", "to"),
        ("tz=Mars/Base", "tz"),
        ("target=x", "target"),
    ] {
        let r = get(&app(&f), &format!("/api/v1/alerts/history?{q}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(r.param().as_deref(), Some(param), "{q}");
    }
}

#[tokio::test]
async fn metrics_has_a_gauge_per_rule_and_target_and_notification_counters() {
    let f = Fixture::new();
    store_alerts(&f);
    let text = get(&app(&f), "/metrics").await.text();
    for want in [
        "headcount_alert_firing{rule=\"short-staffed\",target=\"sales\"} 0",
        "headcount_alert_firing{rule=\"short-staffed\",target=\"all\"} 1",
        "headcount_alert_notifications_sent_total{channel=\"hook\"} 1",
        "headcount_alert_notifications_failed_total{channel=\"hook\"} 1",
        "headcount_alert_notifications_pending{channel=\"hook\"} 1",
    ] {
        assert!(text.contains(want), "{want} in\n{text}");
    }
}

#[tokio::test]
async fn the_dashboard_shows_firing_alerts_first_and_a_target_page_its_episodes() {
    let f = Fixture::new();
    store_alerts(&f);
    let html = get(&app(&f), "/").await.text();
    let alerts = html.find("<h2>Alerts</h2>").expect("an alerts block");
    let table = html
        .find("<table class=\"targets\">")
        .expect("the targets table");
    assert!(alerts < table, "alerts come before the targets");
    assert!(html.contains("<tr class=\"alert-firing\">"), "{html}");
    assert!(html.contains("href=\"/targets/all\">all</a>"));
    // sales is ok: not listed among the alerts.
    let block = &html[alerts..table];
    assert!(!block.contains("href=\"/targets/sales\""), "{block}");

    let page = get(&app(&f), "/targets/sales?from=now-6h").await.text();
    assert!(page.contains("<h2>Alert episodes</h2>"), "{page}");
    assert!(page.contains("2026-11-20 07:00:00"), "fired");
    assert!(page.contains("2026-11-20 08:00:00 (resolved)"), "ended");
    assert!(page.contains("1h 0m"), "lasted");
    // Without rules, neither block shows.
    let plain = get(&f.app(), "/").await.text();
    assert!(!plain.contains("<h2>Alerts</h2>"));
}
