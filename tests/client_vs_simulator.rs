//! The convoso client against the simulator over a real socket: every answer the
//! simulator can give, including each injected fault, lands as the right result kind.

use std::time::Duration;

use headcount_convoso::{AuthToken, Client, ClientConfig, ErrorKind, Filters, Method};
use headcount_simulator::{
    Center, CenterConfig, Clock, Faults, RetryAfterForm, Scenario, Simulator, SimulatorConfig,
};

/// A weekday late morning in New York (Monday 2025-11-17 11:00 EST): the center is busy.
const WEEKDAY_11AM: i64 = 1_763_395_200;

struct Upstream {
    base_url: String,
    handle: headcount_simulator::SimulatorHandle,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn upstream() -> Upstream {
    let sim = Simulator::new(SimulatorConfig {
        clock: Clock::Fixed(WEEKDAY_11AM),
        ..SimulatorConfig::default()
    })
    .unwrap();
    let handle = sim.handle();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(headcount_simulator::serve(listener, sim, async move {
        let _ = stopped.await;
    }));
    Upstream {
        base_url: format!("http://{addr}/v1"),
        handle,
        _stop: stop,
    }
}

fn client(base_url: &str, token: &str, method: Method) -> Client {
    let mut config = ClientConfig::new(base_url, AuthToken::new(token.to_string()));
    config.method = method;
    // Short enough to keep the hang test quick; the simulator answers in microseconds.
    config.timeout = Duration::from_secs(2);
    Client::new(config).unwrap()
}

fn filters(
    campaign: Option<&str>,
    queue: Option<&str>,
    user: Option<&str>,
    skills: &[&str],
) -> Filters {
    Filters {
        campaign_id: campaign.map(str::to_string),
        queue_id: queue.map(str::to_string),
        user_id: user.map(str::to_string),
        skills: skills.iter().map(|s| s.to_string()).collect(),
    }
}

#[tokio::test]
async fn client_reads_the_same_counts_the_model_gives_by_post_and_get() {
    let up = upstream().await;
    let center = Center::new(CenterConfig::default());
    for method in [Method::Post, Method::Get] {
        let client = client(&up.base_url, "abc123", method);
        for (f, sim) in [
            (filters(None, None, None, &[]), (None, None, None, None)),
            (
                filters(Some("111"), None, None, &[]),
                (Some("111"), None, None, None),
            ),
            (
                filters(None, Some("222"), None, &["english", "sales"]),
                (None, Some("222"), None, Some("english,sales")),
            ),
            (
                filters(None, None, Some("12345"), &[]),
                (None, None, Some("12345"), None),
            ),
        ] {
            let got = client.search(&f).await.unwrap();
            let want = center.count(
                &headcount_simulator::Filter::parse(sim.0, sim.1, sim.2, sim.3).unwrap(),
                WEEKDAY_11AM,
            );
            assert_eq!(
                (got.available_agents, got.logged_in_agents),
                (want.available, want.logged_in),
                "{f} by {method}"
            );
            assert!(
                got.logged_in_agents > 0,
                "{f}: the center is staffed at 11 AM on a weekday"
            );
        }
    }
}

#[tokio::test]
async fn not_found_ids_are_zero_agents_not_errors() {
    let up = upstream().await;
    let client = client(&up.base_url, "abc123", Method::Post);
    for f in [
        filters(Some("999"), None, None, &[]),
        filters(None, Some("999"), None, &[]),
        filters(None, None, Some("999"), &[]),
    ] {
        let got = client.search(&f).await.unwrap();
        assert_eq!((got.available_agents, got.logged_in_agents), (0, 0), "{f}");
    }
}

#[tokio::test]
async fn each_failure_kind_is_reported_as_itself() {
    let up = upstream().await;
    let good = client(&up.base_url, "abc123", Method::Post);
    let all = filters(None, None, None, &[]);

    let kind =
        |r: Result<headcount_convoso::Activity, headcount_convoso::Error>| r.unwrap_err().kind();
    assert_eq!(
        kind(
            client(&up.base_url, "wrong", Method::Post)
                .search(&all)
                .await
        ),
        ErrorKind::InvalidToken
    );
    assert_eq!(
        kind(good.search(&filters(Some("abc"), None, None, &[])).await),
        ErrorKind::InvalidCampaign
    );
    assert_eq!(
        kind(good.search(&filters(None, Some("-1"), None, &[])).await),
        ErrorKind::InvalidQueue
    );
    assert_eq!(
        kind(good.search(&filters(None, None, Some("007"), &[])).await),
        ErrorKind::InvalidUser
    );

    let faults = [
        (
            Faults {
                error_rate: 1.0,
                ..Faults::none()
            },
            ErrorKind::HttpStatus,
        ),
        (
            Faults {
                malformed_rate: 1.0,
                ..Faults::none()
            },
            ErrorKind::BadBody,
        ),
        (
            Faults {
                api_error_rate: 1.0,
                api_error_code: 7001,
                ..Faults::none()
            },
            ErrorKind::ApiError,
        ),
        (
            Faults {
                api_error_rate: 1.0,
                api_error_code: 6041,
                ..Faults::none()
            },
            ErrorKind::InvalidQueue,
        ),
        (
            Faults {
                hang_rate: 1.0,
                ..Faults::none()
            },
            ErrorKind::Timeout,
        ),
    ];
    for (fault, want) in faults {
        up.handle.set_faults(fault).unwrap();
        assert_eq!(kind(good.search(&all).await), want);
        up.handle.set_faults(Faults::none()).unwrap();
        good.search(&all)
            .await
            .expect("answers again once the fault is off");
    }

    // Nothing listens on a port just released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = client(
        &format!("http://127.0.0.1:{port}/v1"),
        "abc123",
        Method::Post,
    );
    assert_eq!(kind(refused.search(&all).await), ErrorKind::Connect);
}

#[tokio::test]
async fn each_answer_real_deployments_give_is_read_as_its_kind() {
    let up = upstream().await;
    let good = client(&up.base_url, "abc123", Method::Post);
    let all = filters(None, None, None, &[]);
    let secs = Duration::from_secs;

    let cases = [
        (
            Faults {
                text_error_rate: 1.0,
                ..Faults::none()
            },
            Err((ErrorKind::InvalidToken, None)),
        ),
        (
            Faults {
                text_error_rate: 1.0,
                text_error_code: 7002,
                ..Faults::none()
            },
            Err((ErrorKind::ApiError, None)),
        ),
        (
            Faults {
                unauthorized_rate: 1.0,
                ..Faults::none()
            },
            Err((ErrorKind::InvalidToken, None)),
        ),
        (
            Faults {
                forbidden_rate: 1.0,
                ..Faults::none()
            },
            Err((ErrorKind::Forbidden, None)),
        ),
        (
            Faults {
                rate_limit_rate: 1.0,
                retry_after_secs: 45,
                ..Faults::none()
            },
            Err((ErrorKind::RateLimited, Some(secs(45)))),
        ),
        (
            // The simulator's clock is fixed in 2025; the wait is read from its Date.
            Faults {
                rate_limit_rate: 1.0,
                retry_after_secs: 90,
                retry_after_form: RetryAfterForm::Date,
                ..Faults::none()
            },
            Err((ErrorKind::RateLimited, Some(secs(90)))),
        ),
        (
            Faults {
                html_rate: 1.0,
                ..Faults::none()
            },
            Err((ErrorKind::BadBody, None)),
        ),
        (
            Faults {
                string_counts_rate: 1.0,
                ..Faults::none()
            },
            Ok(()),
        ),
    ];
    let want = Center::new(CenterConfig::default())
        .count(&headcount_simulator::Filter::all(), WEEKDAY_11AM);
    for (fault, expected) in cases {
        up.handle.set_faults(fault.clone()).unwrap();
        let got = good.search(&all).await;
        match expected {
            Ok(()) => {
                let got = got.unwrap();
                assert_eq!(
                    (got.available_agents, got.logged_in_agents),
                    (want.available, want.logged_in),
                    "{fault:?}"
                );
            }
            Err((kind, wait)) => {
                let err = got.unwrap_err();
                assert_eq!(err.kind(), kind, "{fault:?}: {err}");
                assert_eq!(err.retry_after(), wait, "{fault:?}");
            }
        }
    }
    up.handle
        .set_faults(Faults {
            forbidden_rate: 1.0,
            ..Faults::none()
        })
        .unwrap();
    let forbidden = good.search(&all).await.unwrap_err();
    assert_eq!(
        forbidden.to_string(),
        "upstream: refused access (403): the token is not allowed for this office or \
         resource; the upstream says: Forbidden"
    );
}

#[tokio::test]
async fn id_lists_count_agents_of_any_listed_id() {
    let up = upstream().await;
    let center = Center::new(CenterConfig::default());
    let client = client(&up.base_url, "abc123", Method::Get);
    let got = client
        .search(&filters(Some(" 112, 111,111"), None, None, &[]))
        .await
        .unwrap();
    // Independently: the two campaigns' agents, walked in a snapshot.
    let snapshot = center.snapshot(WEEKDAY_11AM);
    let (mut available, mut logged_in) = (0, 0);
    for (agent, status) in snapshot.iter() {
        if [111, 112].contains(&agent.campaign_id()) {
            available += u32::from(status.is_available());
            logged_in += u32::from(status.is_logged_in());
        }
    }
    assert_eq!(
        (got.available_agents, got.logged_in_agents),
        (available, logged_in)
    );
}

#[tokio::test]
async fn a_staged_short_staffing_scenario_reaches_the_client() {
    let up = upstream().await;
    let client = client(&up.base_url, "abc123", Method::Post);
    let sales = filters(Some("111"), None, None, &[]);
    let before = client.search(&sales).await.unwrap();
    assert!(before.available_agents > 0);
    up.handle
        .set_scenarios(vec![Scenario {
            filter: headcount_simulator::Filter::campaign(111),
            available_factor: 0.0,
            from: WEEKDAY_11AM - 60,
            until: WEEKDAY_11AM + 60,
        }])
        .unwrap();
    let during = client.search(&sales).await.unwrap();
    assert_eq!(during.available_agents, 0);
    assert_eq!(during.logged_in_agents, before.logged_in_agents);
    up.handle.clear_scenarios();
    assert_eq!(client.search(&sales).await.unwrap(), before);
}
