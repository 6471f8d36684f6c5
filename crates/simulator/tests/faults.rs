//! Fault injection over a real socket: each fault at rate 1.0, and switching it off.

mod common;

use std::time::{Duration, Instant};

use common::{Running, client, counts, json, post_form};
use headcount_simulator::{Clock, Error, Faults, RetryAfterForm, Simulator, SimulatorConfig};
use serde_json::json;

const OK_BODY: &str = "auth_token=abc123&campaign_id=111";

async fn with_faults(faults: Faults) -> Running {
    Running::start(SimulatorConfig {
        faults,
        ..SimulatorConfig::default()
    })
    .await
}

async fn answers_normally(server: &Running, client: &reqwest::Client) {
    let (status, _, value) = json(post_form(client, &server.search(), OK_BODY).await).await;
    assert_eq!(status, 200);
    counts(&value);
}

async fn put_faults(
    server: &Running,
    client: &reqwest::Client,
    body: &str,
) -> (u16, serde_json::Value) {
    let response = client
        .put(format!("{}/_sim/faults", server.root))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let (status, _, value) = json(response).await;
    (status, value)
}

#[tokio::test]
async fn error_rate_one_answers_500_until_switched_off_by_the_handle() {
    let server = with_faults(Faults {
        error_rate: 1.0,
        ..Faults::none()
    })
    .await;
    let client = client();
    for _ in 0..5 {
        let response = post_form(&client, &server.search(), OK_BODY).await;
        assert_eq!(response.status(), 500);
    }
    server.handle.set_faults(Faults::none()).unwrap();
    answers_normally(&server, &client).await;
    server.stop().await.unwrap();
}

#[tokio::test]
async fn malformed_rate_one_answers_200_with_unparseable_json_until_put_off() {
    let server = with_faults(Faults {
        malformed_rate: 1.0,
        ..Faults::none()
    })
    .await;
    let client = client();
    for _ in 0..5 {
        let response = post_form(&client, &server.search(), OK_BODY).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/json");
        let text = response.text().await.unwrap();
        assert!(
            serde_json::from_str::<serde_json::Value>(&text).is_err(),
            "{text}"
        );
    }
    let (status, value) = put_faults(&server, &client, "{}").await;
    assert_eq!(status, 200);
    assert_eq!(value["malformed_rate"], 0.0);
    answers_normally(&server, &client).await;
    server.stop().await.unwrap();
}

#[tokio::test]
async fn api_error_rate_one_answers_the_chosen_code() {
    let server = with_faults(Faults {
        api_error_rate: 1.0,
        api_error_code: 6041,
        ..Faults::none()
    })
    .await;
    let client = client();
    // Even a request that is valid in every way.
    let (status, _, value) = json(post_form(&client, &server.search(), OK_BODY).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        value,
        json!({"success": false, "code": 6041, "error": "Invalid queue ID"})
    );

    let (status, _) = put_faults(
        &server,
        &client,
        r#"{"api_error_rate": 1, "api_error_code": 7001}"#,
    )
    .await;
    assert_eq!(status, 200);
    let (_, _, value) = json(post_form(&client, &server.search(), OK_BODY).await).await;
    assert_eq!(
        value,
        json!({"success": false, "code": 7001, "error": "Simulated API error"})
    );

    server.handle.set_faults(Faults::none()).unwrap();
    answers_normally(&server, &client).await;
    server.stop().await.unwrap();
}

#[tokio::test]
async fn latency_delays_answers_by_at_least_the_setting() {
    let server = with_faults(Faults {
        latency: Duration::from_millis(300),
        ..Faults::none()
    })
    .await;
    let client = client();
    let started = Instant::now();
    answers_normally(&server, &client).await;
    // Only a lower bound: a slow machine may add time, never remove it.
    assert!(started.elapsed() >= Duration::from_millis(300));

    let (status, _) = put_faults(&server, &client, r#"{"latency_ms": 0}"#).await;
    assert_eq!(status, 200);
    assert_eq!(server.handle.faults().latency, Duration::ZERO);
    answers_normally(&server, &client).await;
    server.stop().await.unwrap();
}

#[tokio::test]
async fn hung_requests_never_answer_until_shutdown_releases_them() {
    let server = with_faults(Faults {
        hang_rate: 1.0,
        ..Faults::none()
    })
    .await;
    let client = client();
    let hung = tokio::spawn({
        let (client, url) = (client.clone(), server.search());
        async move { post_form(&client, &url, OK_BODY).await.status().as_u16() }
    });
    // Wait (without a clock) until the server has taken the request in.
    while server.handle.requests() < 1 {
        tokio::task::yield_now().await;
    }
    // A second hung request: still no answer for the first.
    let second = tokio::spawn({
        let (client, url) = (client.clone(), server.search());
        async move { post_form(&client, &url, OK_BODY).await.status().as_u16() }
    });
    while server.handle.requests() < 2 {
        tokio::task::yield_now().await;
    }
    assert!(!hung.is_finished());

    // Switched off, new requests are answered while the hung ones stay hung.
    server.handle.set_faults(Faults::none()).unwrap();
    answers_normally(&server, &client).await;
    assert!(!hung.is_finished() && !second.is_finished());

    // Shutdown does not wait for them forever: they get 503 and serve returns.
    server.stop().await.unwrap();
    assert_eq!(hung.await.unwrap(), 503);
    assert_eq!(second.await.unwrap(), 503);
}

#[tokio::test]
async fn the_fault_endpoint_reports_and_validates() {
    let server = with_faults(Faults::none()).await;
    let client = client();
    let response = client
        .get(format!("{}/_sim/faults", server.root))
        .send()
        .await
        .unwrap();
    let (status, content_type, value) = json(response).await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    assert_eq!(
        value,
        json!({"latency_ms": 0, "error_rate": 0.0, "malformed_rate": 0.0, "hang_rate": 0.0,
               "api_error_rate": 0.0, "api_error_code": 6026,
               "text_error_rate": 0.0, "text_error_code": 5001,
               "unauthorized_rate": 0.0, "forbidden_rate": 0.0,
               "rate_limit_rate": 0.0, "retry_after_s": 30, "retry_after_form": "seconds",
               "html_rate": 0.0, "string_counts_rate": 0.0})
    );

    let (status, value) =
        put_faults(&server, &client, r#"{"error_rate": 0.25, "latency_ms": 5}"#).await;
    assert_eq!(status, 200);
    assert_eq!(value["error_rate"], 0.25);
    let expected = Faults {
        error_rate: 0.25,
        latency: Duration::from_millis(5),
        ..Faults::none()
    };
    assert_eq!(server.handle.faults(), expected);

    // Refused, and the faults in force stay as they were.
    let (status, value) = put_faults(&server, &client, r#"{"hang_rate": 1.5}"#).await;
    assert_eq!(status, 400);
    assert_eq!(value["field"], "hang_rate");
    let (status, value) = put_faults(&server, &client, r#"{"hang_rat": 1}"#).await;
    assert_eq!(status, 400, "{value}");
    let (status, _) = put_faults(&server, &client, "not json").await;
    assert_eq!(status, 400);
    assert_eq!(server.handle.faults(), expected);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn only_search_requests_are_counted_and_fractions_apply_to_a_share() {
    let server = with_faults(Faults {
        error_rate: 0.5,
        ..Faults::none()
    })
    .await;
    let client = client();
    let _ = client
        .get(format!("{}/", server.root))
        .send()
        .await
        .unwrap();
    let _ = client
        .get(format!("{}/_sim/faults", server.root))
        .send()
        .await
        .unwrap();
    assert_eq!(server.handle.requests(), 0);
    let mut errors = 0;
    for _ in 0..200 {
        let response = post_form(&client, &server.search(), OK_BODY).await;
        errors += usize::from(response.status() == 500);
    }
    assert_eq!(server.handle.requests(), 200);
    // Seeded draws: about half, never none or all.
    assert!((60..=140).contains(&errors), "{errors}");
    server.stop().await.unwrap();
}

#[test]
fn invalid_configurations_are_refused() {
    let faults = Faults {
        malformed_rate: -0.5,
        ..Faults::none()
    };
    let err = Simulator::new(SimulatorConfig {
        faults,
        ..SimulatorConfig::default()
    })
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidFaultRate {
                field: "malformed_rate",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("malformed_rate"));

    let err = Simulator::new(SimulatorConfig {
        token: String::new(),
        ..SimulatorConfig::default()
    })
    .unwrap_err();
    assert_eq!(err, Error::EmptyToken);

    let sim = Simulator::new(SimulatorConfig::default()).unwrap();
    let err = sim
        .handle()
        .set_faults(Faults {
            api_error_rate: 1.01,
            ..Faults::none()
        })
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidFaultRate {
            field: "api_error_rate",
            ..
        }
    ));
    assert_eq!(sim.handle().faults(), Faults::none());
}

/// Sends the valid example request and returns status, headers and raw body.
async fn answer(
    server: &Running,
    client: &reqwest::Client,
) -> (u16, reqwest::header::HeaderMap, String) {
    let response = post_form(client, &server.search(), OK_BODY).await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

#[tokio::test]
async fn text_errors_carry_the_message_in_text_as_real_deployments_do() {
    let server = with_faults(Faults {
        text_error_rate: 1.0,
        ..Faults::none()
    })
    .await;
    let client = client();
    let (status, _, value) = json(post_form(&client, &server.search(), OK_BODY).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        value,
        json!({"success": false, "code": 5001, "text": "Auth token is invalid"})
    );
    let (status, _) = put_faults(
        &server,
        &client,
        r#"{"text_error_rate": 1, "text_error_code": 7002}"#,
    )
    .await;
    assert_eq!(status, 200);
    let (_, _, value) = json(post_form(&client, &server.search(), OK_BODY).await).await;
    assert_eq!(
        value,
        json!({"success": false, "code": 7002, "text": "Simulated API error"})
    );
    server.handle.set_faults(Faults::none()).unwrap();
    answers_normally(&server, &client).await;
    server.stop().await.unwrap();
}

#[tokio::test]
async fn unauthorized_and_forbidden_answer_401_and_403() {
    let server = with_faults(Faults {
        unauthorized_rate: 1.0,
        ..Faults::none()
    })
    .await;
    let client = client();
    let (status, content_type, value) =
        json(post_form(&client, &server.search(), OK_BODY).await).await;
    assert_eq!((status, content_type.as_str()), (401, "application/json"));
    assert_eq!(
        value,
        json!({"success": false, "code": 401, "text": "Unauthorized"})
    );
    let (status, _) = put_faults(&server, &client, r#"{"forbidden_rate": 1}"#).await;
    assert_eq!(status, 200);
    let (status, _, value) = json(post_form(&client, &server.search(), OK_BODY).await).await;
    assert_eq!(status, 403);
    assert_eq!(
        value,
        json!({"success": false, "code": 403, "text": "Forbidden"})
    );
    server.handle.set_faults(Faults::none()).unwrap();
    answers_normally(&server, &client).await;
    server.stop().await.unwrap();
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after_in_each_form() {
    // A fixed clock: Tuesday 2026-11-17 16:00:00 UTC.
    let now = 1_794_931_200;
    let server = Running::start(SimulatorConfig {
        faults: Faults {
            rate_limit_rate: 1.0,
            retry_after_secs: 45,
            ..Faults::none()
        },
        clock: Clock::Fixed(now),
        ..SimulatorConfig::default()
    })
    .await;
    let client = client();
    let (status, headers, body) = answer(&server, &client).await;
    assert_eq!(status, 429);
    assert_eq!(headers["retry-after"], "45");
    let value: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        value,
        json!({"success": false, "code": 429, "text": "Too Many Requests"})
    );

    // The HTTP-date form: 45 s after the simulator's clock, with Date on that clock.
    server
        .handle
        .set_faults(Faults {
            rate_limit_rate: 1.0,
            retry_after_secs: 45,
            retry_after_form: RetryAfterForm::Date,
            ..Faults::none()
        })
        .unwrap();
    let (status, headers, _) = answer(&server, &client).await;
    assert_eq!(status, 429);
    assert_eq!(headers["date"], "Tue, 17 Nov 2026 16:00:00 GMT");
    assert_eq!(headers["retry-after"], "Tue, 17 Nov 2026 16:00:45 GMT");

    let (status, _) = put_faults(
        &server,
        &client,
        r#"{"rate_limit_rate": 1, "retry_after_form": "none"}"#,
    )
    .await;
    assert_eq!(status, 200);
    let (status, headers, _) = answer(&server, &client).await;
    assert_eq!(status, 429);
    assert!(headers.get("retry-after").is_none(), "{headers:?}");

    server.handle.set_faults(Faults::none()).unwrap();
    answers_normally(&server, &client).await;
    server.stop().await.unwrap();
}

#[tokio::test]
async fn html_pages_come_at_200_as_text_html() {
    let server = with_faults(Faults {
        html_rate: 1.0,
        ..Faults::none()
    })
    .await;
    let client = client();
    let (status, headers, body) = answer(&server, &client).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(
        body.starts_with("<!DOCTYPE html>") && body.contains("<html>"),
        "{body}"
    );
    assert!(serde_json::from_str::<serde_json::Value>(&body).is_err());
    server.stop().await.unwrap();
}

#[tokio::test]
async fn counts_as_strings_are_the_same_counts_written_as_digits() {
    let at = common::weekday_late_morning();
    let server = Running::start(SimulatorConfig {
        faults: Faults {
            string_counts_rate: 1.0,
            ..Faults::none()
        },
        clock: Clock::Fixed(at),
        ..SimulatorConfig::default()
    })
    .await;
    let client = client();
    let (status, headers, body) = answer(&server, &client).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/json");
    let value: serde_json::Value = serde_json::from_str(&body).unwrap();
    let want = server
        .handle
        .center()
        .count(&headcount_simulator::Filter::campaign(111), at);
    assert_eq!(
        value,
        json!({"success": true, "data": {
            "available_agents": want.available.to_string(),
            "logged_in_agents": want.logged_in.to_string(),
        }})
    );
    // Errors are not affected: a bad token is still the documented error.
    let (_, _, value) = json(post_form(&client, &server.search(), "auth_token=nope").await).await;
    assert_eq!(
        value,
        json!({"success": false, "error": "Invalid authentication token"})
    );
    server.stop().await.unwrap();
}
