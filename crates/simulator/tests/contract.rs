//! The reference document's examples, sent verbatim to the simulator over a real socket.

mod common;

use std::collections::HashSet;

use common::{Running, client, counts, json, post_form, weekday_late_morning};
use headcount_simulator::{Center, CenterConfig, Clock, Filter, SimulatorConfig};
use serde_json::json;

const SEED: u64 = 7;

async fn at_weekday_late_morning() -> Running {
    Running::start(SimulatorConfig {
        seed: SEED,
        clock: Clock::Fixed(weekday_late_morning()),
        ..SimulatorConfig::default()
    })
    .await
}

/// The model behind the server, for comparing wire answers with direct counts.
fn model_count(filter: &Filter) -> (u64, u64) {
    let center = Center::new(CenterConfig {
        seed: SEED,
        ..CenterConfig::default()
    });
    let c = center.count(filter, weekday_late_morning());
    (c.available.into(), c.logged_in.into())
}

fn english_sales_in_222() -> Filter {
    Filter {
        queue_id: Some(vec![222]),
        skills: Some(vec!["english".into(), "sales".into()]),
        ..Filter::default()
    }
}

#[tokio::test]
async fn request_examples_answer_with_the_documented_shape_and_plausible_counts() {
    let server = at_weekday_late_morning().await;
    let client = client();
    let url = format!("{}/user-activity/search", server.base);

    let mut answers = Vec::new();
    for body in [
        "auth_token=abc123",
        "auth_token=abc123&campaign_id=111",
        "auth_token=abc123&queue_id=222&filter_by_skill_options=english,sales",
        "auth_token=abc123&user_id=12345",
    ] {
        let (status, content_type, value) = json(post_form(&client, &url, body).await).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(content_type, "application/json", "{body}");
        answers.push(counts(&value));
    }
    let [all, sales, bilingual, agent] = answers[..] else {
        unreachable!()
    };

    // System-wide at a weekday peak: a couple of hundred in, a few free.
    assert!((100..=400).contains(&all.1), "{all:?}");
    assert!(all.0 >= 1, "{all:?}");
    // The reference's Comparative Analysis: ~50 in at ~90% utilization.
    assert!((35..=65).contains(&sales.1), "{sales:?}");
    let utilization = (sales.1 - sales.0) as f64 / sales.1 as f64;
    assert!((0.75..=0.98).contains(&utilization), "{sales:?}");
    // Queue 222 is mostly Sales agents, who all speak English or sell.
    assert!(bilingual.1 >= 35 && bilingual.1 <= all.1, "{bilingual:?}");
    // User 12345 works every weekday 08:00–16:30.
    assert_eq!(agent.1, 1, "{agent:?}");

    // The wire answers are the model's counts for the same filters.
    assert_eq!(all, model_count(&Filter::all()));
    assert_eq!(sales, model_count(&Filter::campaign(111)));
    assert_eq!(bilingual, model_count(&english_sales_in_222()));
    assert_eq!(agent, model_count(&Filter::user(12345)));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn filtering_examples_with_the_query_string_on_a_post_and_on_a_get() {
    let server = at_weekday_late_morning().await;
    let client = client();
    let spanish_or_english = Filter::skills(["spanish", "english"]);
    for (query, filter) in [
        ("auth_token=abc123", Filter::all()),
        ("auth_token=abc123&campaign_id=111", Filter::campaign(111)),
        ("auth_token=abc123&queue_id=222", Filter::queue(222)),
        (
            "auth_token=abc123&filter_by_skill_options=spanish,english",
            spanish_or_english,
        ),
        ("auth_token=abc123&user_id=12345", Filter::user(12345)),
    ] {
        let url = format!("{}/user-activity/search?{query}", server.base);
        let expected = model_count(&filter);
        assert!(expected.1 > 0, "staffed at the peak: {query}");

        let (status, content_type, value) = json(client.post(&url).send().await.unwrap()).await;
        assert_eq!(
            (status, content_type.as_str()),
            (200, "application/json"),
            "{query}"
        );
        assert_eq!(counts(&value), expected, "POST {query}");

        let (status, _, value) = json(client.get(&url).send().await.unwrap()).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(counts(&value), expected, "GET {query}");
    }
    server.stop().await.unwrap();
}

#[tokio::test]
async fn the_body_wins_over_the_query_string_and_unknown_parameters_are_ignored() {
    let server = at_weekday_late_morning().await;
    let client = client();
    let url = format!("{}?auth_token=wrong&campaign_id=abc", server.search());
    let response = post_form(
        &client,
        &url,
        "auth_token=abc123&campaign_id=111&colour=blue",
    )
    .await;
    let (_, _, value) = json(response).await;
    assert_eq!(counts(&value), model_count(&Filter::campaign(111)));

    // Parameters split across query and body are combined.
    let url = format!("{}?queue_id=222&utm_source=x", server.search());
    let (_, _, value) = json(post_form(&client, &url, "auth_token=abc123").await).await;
    assert_eq!(counts(&value), model_count(&Filter::queue(222)));

    // A charset parameter on the content type is fine.
    let response = client
        .post(server.search())
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=UTF-8",
        )
        .body("auth_token=abc123&user_id=12345")
        .send()
        .await
        .unwrap();
    let (_, _, value) = json(response).await;
    assert_eq!(counts(&value), model_count(&Filter::user(12345)));

    // A body of another type is not read: here the token is missing.
    let response = client
        .post(server.search())
        .header("content-type", "application/json")
        .body(r#"{"auth_token": "abc123"}"#)
        .send()
        .await
        .unwrap();
    let (_, _, value) = json(response).await;
    assert_eq!(value["success"], false);

    // Reqwest's own form encoding (and case and spaces in skills) work the same way.
    let response = client
        .post(server.search())
        .form(&[
            ("auth_token", "abc123"),
            ("filter_by_skill_options", " Spanish , ,ENGLISH"),
        ])
        .send()
        .await
        .unwrap();
    let (_, _, value) = json(response).await;
    assert_eq!(
        counts(&value),
        model_count(&Filter::skills(["spanish", "english"]))
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn invalid_ids_get_the_documented_error_bodies() {
    let server = at_weekday_late_morning().await;
    let client = client();
    for bad in [
        "abc",
        "-1",
        "0",
        "007",
        "1.5",
        "%20111",
        "99999999999999999999",
        // A list with one bad element is as bad.
        "111,0",
        "111,,112",
        "111,",
        "111,%20112",
    ] {
        for (param, code, error) in [
            ("campaign_id", 6026, "Invalid campaign ID"),
            ("queue_id", 6041, "Invalid queue ID"),
            ("user_id", 6006, "Invalid user ID"),
        ] {
            let body = format!("auth_token=abc123&{param}={bad}");
            let (status, content_type, value) =
                json(post_form(&client, &server.search(), &body).await).await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(content_type, "application/json");
            assert_eq!(
                value,
                json!({"success": false, "code": code, "error": error}),
                "{body}"
            );
        }
    }
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_missing_or_wrong_token_gets_the_documented_error_before_anything_else() {
    let server = at_weekday_late_morning().await;
    let client = client();
    let invalid_token = json!({"success": false, "error": "Invalid authentication token"});
    for body in [
        "",
        "campaign_id=111",
        "auth_token=",
        "auth_token=abc1234",
        "auth_token=ABC123",
        "auth_token=wrong&campaign_id=abc",
    ] {
        let (status, _, value) = json(post_form(&client, &server.search(), body).await).await;
        assert_eq!((status, &value), (200, &invalid_token), "{body:?}");
    }
    let (_, _, value) = json(client.get(server.search()).send().await.unwrap()).await;
    assert_eq!(value, invalid_token);

    // After the token, campaign is checked before queue, and queue before user.
    let first_error = |body: &'static str| {
        let (client, url) = (client.clone(), server.search());
        async move { json(post_form(&client, &url, body).await).await.2["code"].clone() }
    };
    assert_eq!(
        first_error("auth_token=abc123&user_id=x&queue_id=x&campaign_id=x").await,
        6026
    );
    assert_eq!(
        first_error("auth_token=abc123&user_id=x&queue_id=x&campaign_id=111").await,
        6041
    );
    assert_eq!(
        first_error("auth_token=abc123&user_id=x&queue_id=222").await,
        6006
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn well_formed_unknown_ids_and_skills_are_not_found_zeros() {
    let server = at_weekday_late_morning().await;
    let client = client();
    let zeros = json!({"success": true, "data": {"available_agents": 0, "logged_in_agents": 0}});
    for body in [
        "auth_token=abc123&campaign_id=999",
        "auth_token=abc123&queue_id=999",
        "auth_token=abc123&user_id=99999",
        "auth_token=abc123&user_id=18446744073709551615",
        "auth_token=abc123&filter_by_skill_options=klingon",
        // Each filter alone matches agents, but campaign 113 is not in queue 222.
        "auth_token=abc123&campaign_id=113&queue_id=222",
    ] {
        let (status, _, value) = json(post_form(&client, &server.search(), body).await).await;
        assert_eq!((status, &value), (200, &zeros), "{body}");
    }
    server.stop().await.unwrap();
}

#[tokio::test]
async fn empty_parameters_are_no_filter() {
    let server = at_weekday_late_morning().await;
    let client = client();
    let body = "auth_token=abc123&campaign_id=&queue_id=&user_id=&filter_by_skill_options=";
    let (_, _, value) = json(post_form(&client, &server.search(), body).await).await;
    assert_eq!(counts(&value), model_count(&Filter::all()));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_configured_token_replaces_the_default() {
    let server = Running::start(SimulatorConfig {
        token: "s3cret".into(),
        ..SimulatorConfig::default()
    })
    .await;
    let client = client();
    let (_, _, value) = json(post_form(&client, &server.search(), "auth_token=abc123").await).await;
    assert_eq!(value["success"], false);
    let (_, _, value) = json(post_form(&client, &server.search(), "auth_token=s3cret").await).await;
    counts(&value);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn the_root_describes_the_service_and_other_paths_are_not_found() {
    let server = at_weekday_late_morning().await;
    let client = client();
    let response = client
        .get(format!("{}/", server.root))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    assert!(text.contains("/v1/user-activity/search"), "{text}");
    assert!(text.contains("curl"), "{text}");
    assert!(text.contains("111 Sales"), "{text}");

    // The path without the reference's `/v1` base is not the API.
    let response = client
        .post(format!("{}/user-activity/search", server.root))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let response = client.delete(server.search()).send().await.unwrap();
    assert_eq!(response.status(), 405);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_running_clock_serves_the_instant_it_was_started_at() {
    // Offset clock: the answers follow the model near the chosen instant. A second or
    // two may pass, so compare with the model over a window rather than one instant.
    let start = weekday_late_morning();
    let server = Running::start(SimulatorConfig {
        seed: SEED,
        clock: Clock::starting_at(start),
        ..SimulatorConfig::default()
    })
    .await;
    let now = server.handle.now();
    assert!((start..start + 3600).contains(&now), "{now} vs {start}");
    let client = client();
    let (_, _, value) =
        json(post_form(&client, &server.search(), "auth_token=abc123&user_id=12345").await).await;
    assert_eq!(
        counts(&value).1,
        1,
        "12345 is at work at 11 AM on a Wednesday"
    );
    server.stop().await.unwrap();
}

/// Counts by an independent walk of the roster at the server's instant: every agent
/// whose campaign is listed and who takes work from a listed queue (when queues are
/// given), each counted once.
fn walk(campaigns: &[u64], queues: Option<&[u64]>) -> (u64, u64) {
    let center = Center::new(CenterConfig {
        seed: SEED,
        ..CenterConfig::default()
    });
    let snapshot = center.snapshot(weekday_late_morning());
    let mut seen = HashSet::new();
    let (mut available, mut logged_in) = (0, 0);
    for (agent, status) in snapshot.iter() {
        let in_campaign = campaigns.contains(&agent.campaign_id());
        let in_queue = queues.is_none_or(|q| agent.queue_ids().any(|id| q.contains(&id)));
        if in_campaign && in_queue {
            assert!(
                seen.insert(agent.user_id()),
                "the roster lists an agent twice"
            );
            available += u64::from(status.is_available());
            logged_in += u64::from(status.is_logged_in());
        }
    }
    (available, logged_in)
}

#[tokio::test]
async fn an_id_list_counts_each_agent_of_any_listed_id_once() {
    let server = at_weekday_late_morning().await;
    let client = client();
    let (_, _, value) = json(
        post_form(
            &client,
            &server.search(),
            "auth_token=abc123&campaign_id=111,112",
        )
        .await,
    )
    .await;
    let both = counts(&value);
    assert_eq!(both, walk(&[111, 112], None));
    // The campaigns have no agent in common, so the list is the sum of its parts.
    let (a111, l111) = walk(&[111], None);
    let (a112, l112) = walk(&[112], None);
    assert_eq!(both, (a111 + a112, l111 + l112));
    assert!(
        both.1 > l111.max(l112),
        "both campaigns are staffed at 11 AM"
    );

    // A repeated or unknown ID changes nothing; order does not matter; GET too.
    let (_, _, value) = json(
        client
            .get(format!(
                "{}?auth_token=abc123&campaign_id=112,999,111,112",
                server.search()
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(counts(&value), both);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn lists_in_several_filters_are_and_ed() {
    let server = at_weekday_late_morning().await;
    let client = client();
    // Every Sales (111) agent takes queue 222; some Retention (114) agents do too, and
    // none of either takes 224.
    let body = "auth_token=abc123&campaign_id=111,114&queue_id=224,222";
    let (_, _, value) = json(post_form(&client, &server.search(), body).await).await;
    let got = counts(&value);
    assert_eq!(got, walk(&[111, 114], Some(&[222, 224])));
    assert!(walk(&[111], None).1 < got.1 && got.1 < walk(&[111, 114], None).1);

    // A user list: the listed agents, once each, by their own statuses.
    let center = Center::new(CenterConfig {
        seed: SEED,
        ..CenterConfig::default()
    });
    let snapshot = center.snapshot(weekday_late_morning());
    let (mut available, mut logged_in) = (0, 0);
    for user in [12345, 12000, 12399] {
        let status = snapshot.status(user).unwrap();
        available += u64::from(status.is_available());
        logged_in += u64::from(status.is_logged_in());
    }
    let body = "auth_token=abc123&user_id=12399,12345,12000,12345";
    let (_, _, value) = json(post_form(&client, &server.search(), body).await).await;
    assert_eq!(counts(&value), (available, logged_in));
    server.stop().await.unwrap();
}
