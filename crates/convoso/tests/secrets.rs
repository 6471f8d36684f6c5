//! The token never shows: not in the `Debug` or `Display` of any error the client
//! produces, nor of the client or its configuration, nor in what it logs, with POST
//! and with GET (whose URL carries the token).

mod common;

use std::collections::BTreeSet;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Reply, Stub, TOKEN, client, closed_port, raw_server, search};
use headcount_convoso::{AuthToken, Client, ClientConfig, Error, ErrorKind, Filters, Method};

/// A log sink shared with the test.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Every poll failure the client can produce, for one method. Several upstream
/// bodies echo the token back, as a careless server might.
async fn poll_failures(method: Method) -> Vec<Error> {
    let roomy = Duration::from_secs(30);
    let all = Filters {
        campaign_id: Some("111".into()),
        queue_id: Some("222".into()),
        user_id: Some("12345".into()),
        skills: vec!["english".into()],
    };
    let mut errors = Vec::new();

    let mut slow = Reply::counts(1, 2);
    slow.delay = Duration::from_secs(120);
    let stub = Stub::start(slow).await;
    let c = client(&stub.base_url, method, Duration::from_millis(300));
    errors.push(search(&c, &all).await.unwrap_err());

    let c = client(
        &format!("http://127.0.0.1:{}/v1", closed_port()),
        method,
        roomy,
    );
    errors.push(search(&c, &all).await.unwrap_err());

    let (base_url, _server) = raw_server(
        "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"success\"",
        false,
    )
    .await;
    errors.push(
        search(&client(&base_url, method, roomy), &all)
            .await
            .unwrap_err(),
    );

    let echo = format!(r#"{{"success": false, "code": 1, "error": "unknown key {TOKEN}"}}"#);
    let bodies = [
        (500, format!("internal error for {TOKEN}")),
        (200, format!("not json {TOKEN}")),
        (200, format!(r#"{{"success": "{TOKEN}"}}"#)),
        (
            200,
            format!(r#"{{"success": true, "data": {{"available_agents": "{TOKEN}"}}}}"#),
        ),
        (
            401,
            format!(r#"{{"success": false, "error": "Invalid authentication token {TOKEN}"}}"#),
        ),
        (
            200,
            r#"{"success": false, "code": 6026, "error": "Invalid campaign ID"}"#.to_owned(),
        ),
        (
            200,
            r#"{"success": false, "code": 6041, "error": "Invalid queue ID"}"#.to_owned(),
        ),
        (
            200,
            r#"{"success": false, "code": 6006, "error": "Invalid user ID"}"#.to_owned(),
        ),
        (200, echo.clone()),
        (400, echo),
        (
            403,
            format!(r#"{{"success": false, "code": 403, "text": "Forbidden for {TOKEN}"}}"#),
        ),
        (429, format!("slow down, {TOKEN}")),
        // The token straddles the cut of a long message at 200 characters.
        (
            200,
            format!(
                r#"{{"success": false, "code": 2, "text": "{}{TOKEN}"}}"#,
                "x".repeat(197)
            ),
        ),
        (
            403,
            format!(
                r#"{{"success": false, "text": "{}{TOKEN}"}}"#,
                "x".repeat(198)
            ),
        ),
    ];
    for (status, body) in bodies {
        let stub = Stub::start(Reply::new(status, body).header("retry-after", "5")).await;
        let c = client(&stub.base_url, method, roomy);
        errors.push(search(&c, &all).await.unwrap_err());
    }
    errors
}

/// Configuration errors from a token pasted where it does not belong.
fn config_failures() -> Vec<Error> {
    let token = || AuthToken::new(TOKEN.to_owned());
    [
        format!("https://api.convoso.com/v1?auth_token={TOKEN}"),
        format!("https://user:{TOKEN}@api.convoso.com/v1"),
        // Credentials that are not the token are not shown either.
        "https://SECRET-user:SECRET-pw@api.convoso.com/v1".to_owned(),
        format!("https://api.convoso.com/v1/{TOKEN}?x=1"),
        format!("https://api.convoso.com/v1#{TOKEN}"),
        format!("api.convoso.com/v1/{TOKEN}"),
        format!("ftp://api.convoso.com/{TOKEN}"),
    ]
    .into_iter()
    .map(|base_url| Client::new(ClientConfig::new(base_url, token())).unwrap_err())
    .collect()
}

fn assert_hidden(what: &str, text: &str) {
    assert!(!text.contains(TOKEN), "{what} shows the token: {text}");
    assert!(
        !text.contains("SECRET"),
        "{what} shows part of the token: {text}"
    );
    // The token's opening characters, as a cut before masking would leave them.
    assert!(
        !text.contains("xtok"),
        "{what} shows the token's start: {text}"
    );
}

#[tokio::test]
async fn the_token_never_appears_in_errors_debug_output_or_logs() {
    let sink = Sink::default();
    let writer = sink.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .try_init()
        .expect("the only subscriber of this test binary");

    let mut kinds = BTreeSet::new();
    for method in [Method::Post, Method::Get] {
        let errors = poll_failures(method).await;
        for err in &errors {
            kinds.insert(err.kind().as_str());
            assert_hidden(&format!("{method} {err:?}: Debug"), &format!("{err:?}"));
            assert_hidden(&format!("{method} {err:?}: Display"), &format!("{err}"));
        }
        // The echoed token was masked, not merely left out.
        assert!(
            errors.contains(&Error::Api {
                code: Some(1),
                message: "unknown key ****".into()
            }),
            "{errors:?}"
        );
        assert!(
            errors.contains(&Error::Forbidden {
                message: Some("Forbidden for ****".into())
            }),
            "{errors:?}"
        );
        // Masked first, then cut: the mask's start, never the token's.
        assert!(
            errors.contains(&Error::Api {
                code: Some(2),
                message: format!("{}***…", "x".repeat(197))
            }),
            "{errors:?}"
        );

        let mut config = ClientConfig::new(
            format!("http://127.0.0.1:1/v1?auth_token={TOKEN}"),
            AuthToken::new(TOKEN.to_owned()),
        );
        config.method = method;
        assert_hidden("config Debug", &format!("{config:?}"));
        config.base_url = "http://127.0.0.1:1/v1".into();
        assert_hidden("config Debug", &format!("{config:?}"));
        assert_hidden("token Display", &format!("{}", config.token));
        let c = Client::new(config).unwrap();
        assert_hidden("client Debug", &format!("{c:?}"));
        assert_hidden("client Debug", &format!("{c:#?}"));
    }
    for err in config_failures() {
        kinds.insert(err.kind().as_str());
        assert_hidden(&format!("{err:?}: Debug"), &format!("{err:?}"));
        assert_hidden(&format!("{err:?}: Display"), &format!("{err}"));
    }

    let want: BTreeSet<&str> = ErrorKind::POLL_OUTCOMES
        .iter()
        .chain([&ErrorKind::BadConfig])
        .map(|k| k.as_str())
        .collect();
    assert_eq!(kinds, want, "every kind of error was checked");

    let logs = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("search failed"), "logs were captured: {logs}");
    assert_hidden("logs", &logs);
}
