//! The API token: required on every route but `/healthz`, as Bearer or as the
//! password of HTTP Basic; never echoed.

mod common;

use axum::http::StatusCode;
use base64::Engine as _;
use common::{Fixture, get, get_with};
use headcount_web::{ApiToken, app};

const TOKEN: &str = "s3cret-t0ken";

/// A request for every route, with valid parameters.
fn every_route() -> Vec<String> {
    headcount_web::routes()
        .into_iter()
        .map(|(_, path)| {
            let query = match path {
                "/api/v1/targets/{name}/readiness" => "?at=now%2B1d&need=5",
                "/api/v1/series" => "?targets=sales",
                "/charts/{file}" => "?targets=sales&width=200&height=100",
                p if p.starts_with("/charts") => "?width=200&height=100",
                _ => "",
            };
            let file = if path == "/charts/{file}" {
                "compare.png"
            } else {
                "timeline.png"
            };
            path.replace("{name}", "sales").replace("{file}", file) + query
        })
        .collect()
}

fn basic(user: &str, pass: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

#[tokio::test]
async fn every_route_but_healthz_needs_the_token() {
    let f = Fixture::new();
    let app = app(f.state().with_token(ApiToken::new(TOKEN)));
    let routes = every_route();
    assert_eq!(routes.len(), 18, "{routes:?}");
    let bearer = format!("Bearer {TOKEN}");
    let right_basic = basic("supervisor", TOKEN);
    let wrong: [(&str, String); 5] = [
        ("authorization", "Bearer wrong".to_owned()),
        ("authorization", format!("Bearer {TOKEN}x")),
        ("authorization", basic("supervisor", "wrong")),
        // The token as the user name is not the password.
        ("authorization", basic(TOKEN, "")),
        ("authorization", format!("Token {TOKEN}")),
    ];
    for uri in &routes {
        if uri == "/healthz" {
            let r = get(&app, uri).await;
            assert_eq!(r.status, StatusCode::OK, "healthz is open");
            continue;
        }
        let mut attempts = vec![get(&app, uri).await];
        for (k, v) in &wrong {
            attempts.push(get_with(&app, uri, &[(k, v)]).await);
        }
        for r in attempts {
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{uri}");
            let challenges: Vec<&str> = r
                .headers
                .get_all("www-authenticate")
                .iter()
                .map(|v| v.to_str().unwrap())
                .collect();
            assert!(
                challenges.contains(&"Basic realm=\"headcount\""),
                "{uri}: {challenges:?}"
            );
            assert!(
                challenges.contains(&"Bearer realm=\"headcount\""),
                "{uri}: {challenges:?}"
            );
            assert_eq!(r.json()["error"], "missing or wrong API token");
            assert!(!r.text().contains(TOKEN));
        }
        for header in [&bearer, &right_basic, &format!("bearer {TOKEN}")] {
            let r = get_with(&app, uri, &[("authorization", header)]).await;
            assert_eq!(r.status, StatusCode::OK, "{uri} with {header:?}");
            assert!(
                !String::from_utf8_lossy(&r.body).contains(TOKEN),
                "{uri} echoes the token"
            );
        }
    }
}

#[tokio::test]
async fn without_a_token_configured_everything_is_open() {
    let f = Fixture::new();
    let app = f.app();
    for uri in every_route() {
        let r = get(&app, &uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
    }
}
