//! Short-staffing scenarios over a real socket: staged with `PUT /_sim/scenario`, seen
//! in live answers and in snapshots of the center, cleared with `DELETE`.

mod common;

use common::{Running, client, counts, json, post_form, weekday_late_morning};
use headcount_simulator::{Clock, Filter, Scenario, SimulatorConfig, Status};
use serde_json::json;

async fn at(ts: i64) -> Running {
    Running::start(SimulatorConfig {
        clock: Clock::Fixed(ts),
        ..SimulatorConfig::default()
    })
    .await
}

async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: &str,
) -> (u16, serde_json::Value) {
    let response = client
        .request(method, url)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let (status, _, value) = json(response).await;
    (status, value)
}

const SALES: &str = "auth_token=abc123&campaign_id=111";
const SUPPORT: &str = "auth_token=abc123&campaign_id=112";

#[tokio::test]
async fn a_scenario_put_over_http_empties_ready_agents_of_its_campaign_until_deleted() {
    let now = weekday_late_morning();
    let server = at(now).await;
    let client = client();
    let url = format!("{}/_sim/scenario", server.root);
    let ask = |body: &'static str| {
        let (client, url) = (client.clone(), server.search());
        async move { counts(&json(post_form(&client, &url, body).await).await.2) }
    };
    let (sales_available, sales_logged_in) = ask(SALES).await;
    let support_before = ask(SUPPORT).await;
    assert!(sales_available > 0, "some Sales agents are ready at 11 AM");

    let body = format!(
        r#"{{"campaign_id": "111", "available_factor": 0, "from": {}, "until": {}}}"#,
        now - 600,
        now + 600
    );
    let (status, value) = send(&client, reqwest::Method::PUT, url.clone(), &body).await;
    assert_eq!(status, 200, "{value}");
    let staged = json!([{"campaign_id": "111", "available_factor": 0.0,
                         "from": now - 600, "until": now + 600}]);
    assert_eq!(value, staged);
    let (_, value) = send(&client, reqwest::Method::GET, url.clone(), "").await;
    assert_eq!(value, staged);

    // Nobody in Sales is ready, as many are logged in; Support is untouched.
    assert_eq!(ask(SALES).await, (0, sales_logged_in));
    assert_eq!(ask(SUPPORT).await, support_before);

    // The center behind the server (and a copy of it, as the demo keeps) agrees.
    let copy = server.handle.center().clone();
    let ready_in_sales = copy
        .snapshot(now)
        .iter()
        .filter(|(a, s)| a.campaign_id() == 111 && *s == Status::Ready)
        .count();
    assert_eq!(ready_in_sales, 0);

    let (status, value) = send(&client, reqwest::Method::DELETE, url.clone(), "").await;
    assert_eq!((status, value), (200, json!([])));
    assert_eq!(ask(SALES).await, (sales_available, sales_logged_in));
    assert!(copy.scenarios().is_empty());
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_scenario_outside_its_window_changes_nothing() {
    let now = weekday_late_morning();
    let server = at(now).await;
    let client = client();
    let before = counts(
        &json(post_form(&client, &server.search(), SALES).await)
            .await
            .2,
    );
    // A list of two: one over, one still to come.
    let body = format!(
        r#"[{{"campaign_id": 111, "available_factor": 0, "from": {}, "until": {now}}},
            {{"available_factor": 0, "from": {}, "until": {}}}]"#,
        now - 3600,
        now + 1,
        now + 3600
    );
    let (status, value) = send(
        &client,
        reqwest::Method::PUT,
        format!("{}/_sim/scenario", server.root),
        &body,
    )
    .await;
    assert_eq!(status, 200, "{value}");
    assert_eq!(value.as_array().unwrap().len(), 2);
    let after = counts(
        &json(post_form(&client, &server.search(), SALES).await)
            .await
            .2,
    );
    assert_eq!(after, before);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_bad_scenario_is_refused_naming_its_field_and_changes_nothing() {
    let now = weekday_late_morning();
    let server = at(now).await;
    let client = client();
    let url = format!("{}/_sim/scenario", server.root);
    let good = Scenario {
        filter: Filter::campaign(112),
        available_factor: 0.5,
        from: now,
        until: now + 60,
    };
    server.handle.set_scenarios(vec![good.clone()]).unwrap();
    for (body, field) in [
        (
            r#"{"available_factor": 1.5, "from": 0, "until": 10}"#,
            "available_factor",
        ),
        (
            r#"{"available_factor": 0.5, "from": 10, "until": 10}"#,
            "until",
        ),
        (
            r#"{"queue_id": "0", "available_factor": 0.5, "from": 0, "until": 10}"#,
            "queue_id",
        ),
        (r#"{"available_factor": 0.5}"#, "body"),
        ("nonsense", "body"),
    ] {
        let (status, value) = send(&client, reqwest::Method::PUT, url.clone(), body).await;
        assert_eq!(status, 400, "{body}: {value}");
        assert_eq!(value["field"], field, "{body}: {value}");
        assert!(value["error"].as_str().unwrap().starts_with("scenario: "));
    }
    assert_eq!(server.handle.scenarios(), vec![good]);
    server.handle.clear_scenarios();
    assert!(server.handle.scenarios().is_empty());
    server.stop().await.unwrap();
}

#[tokio::test]
async fn scenarios_staged_in_the_config_apply_from_the_start() {
    let now = weekday_late_morning();
    let server = Running::start(SimulatorConfig {
        clock: Clock::Fixed(now),
        scenarios: vec![Scenario {
            filter: Filter::all(),
            available_factor: 0.0,
            from: now,
            until: now + 1,
        }],
        ..SimulatorConfig::default()
    })
    .await;
    let client = client();
    let (available, logged_in) = counts(
        &json(post_form(&client, &server.search(), "auth_token=abc123").await)
            .await
            .2,
    );
    assert_eq!(available, 0);
    assert!(logged_in > 100, "{logged_in}");
    server.stop().await.unwrap();
}
