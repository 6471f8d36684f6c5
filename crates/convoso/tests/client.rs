//! The client against a stub of the User Activity API on 127.0.0.1:0: what it sends,
//! and how it reads every kind of answer and failure.

mod common;

use std::time::Duration;

use common::{Reply, Stub, TOKEN, client, closed_port, decode_form, raw_server, search};
use headcount_convoso::{
    Activity, AuthToken, Client, ClientConfig, Error, ErrorKind, Filters, Method,
};

const SHORT: Duration = Duration::from_millis(300);
const ROOMY: Duration = Duration::from_secs(30);

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = list
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    v.sort();
    v
}

fn sorted(mut v: Vec<(String, String)>) -> Vec<(String, String)> {
    v.sort();
    v
}

fn all_filters() -> Filters {
    Filters {
        campaign_id: Some("111".into()),
        queue_id: Some("222".into()),
        user_id: Some("12345".into()),
        skills: vec!["spanish".into(), "english".into()],
    }
}

/// Polls a stub that answers `reply` and returns the outcome.
async fn outcome(reply: Reply, method: Method) -> Result<Activity, Error> {
    let stub = Stub::start(reply).await;
    search(&client(&stub.base_url, method, ROOMY), &Filters::default()).await
}

#[tokio::test]
async fn post_sends_token_and_every_filter_as_a_form_body() {
    let stub = Stub::start(Reply::counts(36, 125)).await;
    let c = client(&stub.base_url, Method::Post, ROOMY);
    search(&c, &all_filters()).await.unwrap();

    let r = stub.only_request();
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/v1/user-activity/search");
    assert_eq!(r.query, None, "POST must not put parameters in the URL");
    assert_eq!(
        r.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        sorted(decode_form(&r.body)),
        pairs(&[
            ("auth_token", TOKEN),
            ("campaign_id", "111"),
            ("queue_id", "222"),
            ("user_id", "12345"),
            ("filter_by_skill_options", "english,spanish"),
        ])
    );
}

#[tokio::test]
async fn get_sends_the_same_parameters_as_the_query_string() {
    let stub = Stub::start(Reply::counts(36, 125)).await;
    let c = client(&stub.base_url, Method::Get, ROOMY);
    search(&c, &all_filters()).await.unwrap();

    let r = stub.only_request();
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, "/v1/user-activity/search");
    assert_eq!(r.body, "");
    assert_eq!(
        sorted(decode_form(r.query.as_deref().unwrap())),
        pairs(&[
            ("auth_token", TOKEN),
            ("campaign_id", "111"),
            ("queue_id", "222"),
            ("user_id", "12345"),
            ("filter_by_skill_options", "english,spanish"),
        ])
    );
}

#[tokio::test]
async fn only_the_set_filters_are_sent() {
    for method in [Method::Post, Method::Get] {
        let stub = Stub::start(Reply::counts(1, 2)).await;
        let c = client(&stub.base_url, method, ROOMY);
        let campaign = Filters {
            campaign_id: Some("111".into()),
            queue_id: Some("  ".into()),
            ..Filters::default()
        };
        search(&c, &campaign).await.unwrap();
        search(&c, &Filters::default()).await.unwrap();

        let sent: Vec<Vec<(String, String)>> = stub
            .requests()
            .iter()
            .map(|r| match method {
                Method::Post => decode_form(&r.body),
                Method::Get => decode_form(r.query.as_deref().unwrap_or("")),
            })
            .map(sorted)
            .collect();
        assert_eq!(
            sent,
            vec![
                pairs(&[("auth_token", TOKEN), ("campaign_id", "111")]),
                pairs(&[("auth_token", TOKEN)]),
            ],
            "{method}"
        );
    }
}

#[tokio::test]
async fn reserved_characters_in_values_arrive_intact() {
    for method in [Method::Post, Method::Get] {
        let stub = Stub::start(Reply::counts(1, 2)).await;
        let c = client(&stub.base_url, method, ROOMY);
        let filters = Filters {
            campaign_id: Some("a&b=c+d".into()),
            skills: vec!["customer service".into(), "español".into()],
            ..Filters::default()
        };
        search(&c, &filters).await.unwrap();
        let r = stub.only_request();
        let raw = match method {
            Method::Post => r.body,
            Method::Get => r.query.unwrap(),
        };
        assert_eq!(
            sorted(decode_form(&raw)),
            pairs(&[
                ("auth_token", TOKEN),
                ("campaign_id", "a&b=c+d"),
                ("filter_by_skill_options", "customer service,español"),
            ]),
            "{method}"
        );
    }
}

#[tokio::test]
async fn a_trailing_slash_on_the_base_url_is_ignored() {
    let stub = Stub::start(Reply::counts(1, 2)).await;
    let c = client(&format!("{}/", stub.base_url), Method::Post, ROOMY);
    assert_eq!(
        c.endpoint(),
        format!("{}/user-activity/search", stub.base_url)
    );
    search(&c, &Filters::default()).await.unwrap();
    assert_eq!(stub.only_request().path, "/v1/user-activity/search");
}

#[tokio::test]
async fn the_documented_success_answer_is_read() {
    for method in [Method::Post, Method::Get] {
        assert_eq!(
            outcome(Reply::counts(36, 125), method).await,
            Ok(Activity {
                available_agents: 36,
                logged_in_agents: 125
            })
        );
    }
}

#[tokio::test]
async fn counts_written_as_strings_are_read() {
    let body = r#"{"success": true, "data": {"available_agents": "12", "logged_in_agents": "48"}}"#;
    assert_eq!(
        outcome(Reply::new(200, body), Method::Post).await,
        Ok(Activity {
            available_agents: 12,
            logged_in_agents: 48
        })
    );
}

#[tokio::test]
async fn zero_agents_is_an_answer_not_an_error() {
    assert_eq!(
        outcome(Reply::counts(0, 0), Method::Post).await,
        Ok(Activity {
            available_agents: 0,
            logged_in_agents: 0
        })
    );
}

#[tokio::test]
async fn a_slow_server_is_a_timeout() {
    let mut reply = Reply::counts(1, 2);
    reply.delay = Duration::from_secs(120);
    let stub = Stub::start(reply).await;
    let c = client(&stub.base_url, Method::Post, SHORT);
    assert_eq!(
        search(&c, &Filters::default()).await,
        Err(Error::Timeout { after: SHORT })
    );
}

#[tokio::test]
async fn a_body_that_stalls_after_the_headers_is_a_timeout() {
    let (base_url, _server) = raw_server(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{\"success\": true,",
        true,
    )
    .await;
    let c = client(&base_url, Method::Post, SHORT);
    assert_eq!(
        search(&c, &Filters::default()).await,
        Err(Error::Timeout { after: SHORT })
    );
}

#[tokio::test]
async fn a_connection_that_breaks_mid_body_is_a_connect_error() {
    let (base_url, _server) = raw_server(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{\"success\": true,",
        false,
    )
    .await;
    let c = client(&base_url, Method::Post, ROOMY);
    let err = search(&c, &Filters::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect, "{err:?}");
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error() {
    let port = closed_port();
    let c = client(&format!("http://127.0.0.1:{port}/v1"), Method::Post, ROOMY);
    let err = search(&c, &Filters::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect, "{err:?}");
    assert!(
        err.to_string().starts_with("upstream: connection failed: "),
        "{err}"
    );
}

#[tokio::test]
async fn status_500_is_an_http_status_error() {
    assert_eq!(
        outcome(Reply::new(500, "Internal Server Error"), Method::Post).await,
        Err(Error::HttpStatus { status: 500 })
    );
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let stub = Stub::start(Reply::new(302, "")).await;
    let c = client(&stub.base_url, Method::Get, ROOMY);
    assert_eq!(
        search(&c, &Filters::default()).await,
        Err(Error::HttpStatus { status: 302 })
    );
    assert_eq!(stub.requests().len(), 1);
}

#[tokio::test]
async fn status_401_with_the_documented_token_body_is_invalid_token() {
    let body = r#"{"success": false, "error": "Invalid authentication token"}"#;
    assert_eq!(
        outcome(Reply::new(401, body), Method::Post).await,
        Err(Error::InvalidToken)
    );
}

#[tokio::test]
async fn each_documented_error_body_maps_to_its_kind() {
    let cases = [
        (
            r#"{"success": false, "code": 6026, "error": "Invalid campaign ID"}"#,
            Error::InvalidCampaign,
        ),
        (
            r#"{"success": false, "code": 6041, "error": "Invalid queue ID"}"#,
            Error::InvalidQueue,
        ),
        (
            r#"{"success": false, "code": 6006, "error": "Invalid user ID"}"#,
            Error::InvalidUser,
        ),
        (
            r#"{"success": false, "error": "Invalid authentication token"}"#,
            Error::InvalidToken,
        ),
    ];
    for (body, want) in cases {
        assert_eq!(
            outcome(Reply::new(200, body), Method::Post).await,
            Err(want),
            "{body}"
        );
    }
}

#[tokio::test]
async fn another_failure_is_an_api_error_with_code_and_message() {
    let body = r#"{"success": false, "code": 7001, "error": "Rate limit exceeded"}"#;
    let err = outcome(Reply::new(200, body), Method::Post)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::Api {
            code: Some(7001),
            message: "Rate limit exceeded".into()
        }
    );
    assert_eq!(err.kind().as_str(), "api_error");
    assert_eq!(
        err.to_string(),
        "upstream: api error 7001: Rate limit exceeded"
    );
}

#[tokio::test]
async fn malformed_success_answers_are_bad_bodies() {
    let cases = [
        (
            "<html>Gateway</html>",
            "not JSON (content-type application/json)",
        ),
        (r#"{"success": true}"#, "success without data"),
        (
            r#"{"success": true, "data": {"available_agents": 51, "logged_in_agents": 50}}"#,
            "available_agents (51) exceeds logged_in_agents (50)",
        ),
        (
            r#"{"success": true, "data": {"available_agents": -1, "logged_in_agents": 50}}"#,
            "data.available_agents is negative",
        ),
        (
            r#"{"success": true, "data": {"available_agents": 1, "logged_in_agents": 2.5}}"#,
            "data.logged_in_agents is fractional",
        ),
    ];
    for (body, reason) in cases {
        assert_eq!(
            outcome(Reply::new(200, body), Method::Post).await,
            Err(Error::BadBody {
                reason: reason.into()
            }),
            "{body}"
        );
    }
}

#[tokio::test]
async fn clones_poll_concurrently_through_one_client() {
    let stub = Stub::start(Reply::counts(3, 4)).await;
    let c = client(&stub.base_url, Method::Post, ROOMY);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            let filters = Filters {
                campaign_id: Some(i.to_string()),
                ..Filters::default()
            };
            search(&c, &filters).await
        }));
    }
    for t in tasks {
        assert_eq!(
            t.await.unwrap(),
            Ok(Activity {
                available_agents: 3,
                logged_in_agents: 4
            })
        );
    }
    let mut campaigns: Vec<u32> = stub
        .requests()
        .iter()
        .map(|r| {
            decode_form(&r.body)
                .into_iter()
                .find(|(k, _)| k == "campaign_id")
                .unwrap()
                .1
                .parse()
                .unwrap()
        })
        .collect();
    campaigns.sort_unstable();
    assert_eq!(campaigns, (0..40).collect::<Vec<u32>>());
}

#[test]
fn new_refuses_an_unusable_configuration() {
    let token = || AuthToken::new(TOKEN.to_owned());
    let reason = |config: ClientConfig| match Client::new(config) {
        Err(Error::BadConfig { reason }) => reason,
        other => panic!("expected BadConfig, got {other:?}"),
    };

    let r = reason(ClientConfig::new("api.convoso.com/v1", token()));
    assert!(
        r.starts_with("base_url \"api.convoso.com/v1\": not a valid URL"),
        "{r}"
    );
    let r = reason(ClientConfig::new("file:///etc/v1", token()));
    assert_eq!(
        r,
        "base_url \"file:///etc/v1\": scheme must be http or https"
    );
    let r = reason(ClientConfig::new(
        "http://127.0.0.1/v1",
        AuthToken::new(" ".into()),
    ));
    assert_eq!(r, "auth token: empty");
    let mut zero = ClientConfig::new("http://127.0.0.1/v1", token());
    zero.timeout = Duration::ZERO;
    assert_eq!(reason(zero), "timeout: must be greater than zero");
}

#[test]
fn new_builds_an_https_client_without_a_preinstalled_crypto_provider() {
    // No provider is installed in this test binary before Client::new; reqwest
    // would panic building an https-capable client without one.
    let c = Client::new(ClientConfig::new(
        "https://api.convoso.com/v1",
        AuthToken::new(TOKEN.to_owned()),
    ))
    .unwrap();
    assert_eq!(
        c.endpoint(),
        "https://api.convoso.com/v1/user-activity/search"
    );
    assert_eq!(c.method(), Method::Post);
    assert_eq!(c.timeout(), headcount_convoso::DEFAULT_TIMEOUT);
}

#[tokio::test]
async fn id_lists_are_sent_in_canonical_form() {
    for method in [Method::Post, Method::Get] {
        let stub = Stub::start(Reply::counts(1, 2)).await;
        let c = client(&stub.base_url, method, ROOMY);
        let filters = Filters {
            campaign_id: Some(" 112, 111,111".into()),
            queue_id: Some("4312,4310,4311".into()),
            ..Filters::default()
        };
        search(&c, &filters).await.unwrap();
        let r = stub.only_request();
        let raw = match method {
            Method::Post => r.body,
            Method::Get => r.query.unwrap(),
        };
        assert_eq!(
            sorted(decode_form(&raw)),
            pairs(&[
                ("auth_token", TOKEN),
                ("campaign_id", "111,112"),
                ("queue_id", "4310,4311,4312"),
            ]),
            "{method}"
        );
    }
}

#[tokio::test]
async fn status_401_is_an_invalid_token_even_without_a_body() {
    for reply in [
        Reply::new(401, ""),
        Reply::new(401, "Unauthorized").typed("text/plain"),
        Reply::new(401, r#"{"success":false,"code":401,"text":"Unauthorized"}"#),
    ] {
        let err = outcome(reply.clone(), Method::Post).await.unwrap_err();
        assert_eq!(err, Error::InvalidToken, "{reply:?}");
        assert_eq!(err.kind().as_str(), "invalid_token");
    }
}

#[tokio::test]
async fn text_style_errors_of_real_deployments_are_read() {
    for body in [
        r#"{"success":false,"code":5001,"text":"Auth token is invalid"}"#,
        r#"{"success":false,"text":"Invalid Auth Token"}"#,
    ] {
        assert_eq!(
            outcome(Reply::new(200, body), Method::Post).await,
            Err(Error::InvalidToken),
            "{body}"
        );
    }
    let body = r#"{"success":false,"code":7002,"text":"Office is suspended"}"#;
    let err = outcome(Reply::new(200, body), Method::Post)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "upstream: api error 7002: Office is suspended"
    );
}

#[tokio::test]
async fn status_403_is_forbidden_with_the_upstream_text() {
    let body = r#"{"success":false,"code":403,"text":"Forbidden"}"#;
    let err = outcome(Reply::new(403, body), Method::Post)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::Forbidden {
            message: Some("Forbidden".into())
        }
    );
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    assert_eq!(err.kind().as_str(), "forbidden");
    assert_eq!(
        err.to_string(),
        "upstream: refused access (403): the token is not allowed for this office or \
         resource; the upstream says: Forbidden"
    );
    let body = r#"{"success":false,"text":"Auth token is not valid for this office"}"#;
    assert_eq!(
        outcome(Reply::new(403, body), Method::Post).await,
        Err(Error::InvalidToken)
    );
}

#[tokio::test]
async fn status_429_is_rate_limited_with_the_retry_after_it_sent() {
    let reply = Reply::new(429, r#"{"success":false,"text":"Too many requests"}"#)
        .header("retry-after", "7");
    let err = outcome(reply, Method::Post).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.kind().as_str(), "rate_limited");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(
        err.to_string(),
        "upstream: rate limited (429), retry after 7s"
    );

    // An HTTP-date, measured from the server's own Date: 16:00:00 to 16:01:40.
    let reply = Reply::new(429, "")
        .header("date", "Tue, 17 Nov 2026 16:00:00 GMT")
        .header("retry-after", "Tue, 17 Nov 2026 16:01:40 GMT");
    let err = outcome(reply, Method::Get).await.unwrap_err();
    assert_eq!(
        err,
        Error::RateLimited {
            retry_after: Some(Duration::from_secs(100))
        }
    );

    // No Retry-After: rate limited all the same, wait unknown.
    let err = outcome(Reply::new(429, ""), Method::Post)
        .await
        .unwrap_err();
    assert_eq!(err, Error::RateLimited { retry_after: None });
    assert_eq!(err.retry_after(), None);
}

#[tokio::test]
async fn an_html_error_page_at_200_is_a_bad_body_naming_its_type() {
    let page = "<html><head><title>Maintenance</title></head><body>Back soon</body></html>";
    assert_eq!(
        outcome(
            Reply::new(200, page).typed("text/html; charset=utf-8"),
            Method::Post
        )
        .await,
        Err(Error::BadBody {
            reason: "not JSON (content-type text/html; charset=utf-8)".into()
        })
    );
}

#[tokio::test]
async fn counts_past_max_agents_are_bad_bodies() {
    // The default bound refuses a broken upstream's u32::MAX.
    assert_eq!(
        outcome(Reply::counts(u32::MAX, u32::MAX), Method::Post).await,
        Err(Error::BadBody {
            reason: "logged_in_agents 4294967295 is more than the bound of 100000 agents".into()
        })
    );
    // A configured bound.
    let stub = Stub::start(Reply::counts(10, 1001)).await;
    let mut config = ClientConfig::new(&stub.base_url, AuthToken::new(TOKEN.to_owned()));
    config.max_agents = 1000;
    let c = Client::new(config).unwrap();
    assert_eq!(
        search(&c, &Filters::default()).await,
        Err(Error::BadBody {
            reason: "logged_in_agents 1001 is more than the bound of 1000 agents".into()
        })
    );
    let stub = Stub::start(Reply::counts(10, 1000)).await;
    let mut config = ClientConfig::new(&stub.base_url, AuthToken::new(TOKEN.to_owned()));
    config.max_agents = 1000;
    let c = Client::new(config).unwrap();
    assert_eq!(
        search(&c, &Filters::default()).await,
        Ok(Activity {
            available_agents: 10,
            logged_in_agents: 1000
        })
    );
}
