//! A stub of the User Activity API for the client's tests: an axum server on
//! 127.0.0.1:0 that records every request and answers with a fixed reply, plus raw
//! TCP servers for failures axum will not produce.

#![allow(dead_code)] // each test binary uses its own part of these helpers

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use headcount_convoso::{AuthToken, Client, ClientConfig, Error};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A distinctive token: any output that contains it leaks it.
pub const TOKEN: &str = "tok-SECRET-9f3a";

/// The longest a test waits for a search that should end on its own: far beyond any
/// client timeout used here, so a slow machine cannot fail a test, while a client
/// that never gives up still fails it instead of hanging.
pub const GUARD: Duration = Duration::from_secs(60);

/// What the stub answers.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: String,
    /// Its `Content-Type`.
    pub content_type: String,
    /// More headers.
    pub headers: Vec<(&'static str, String)>,
    /// How long to wait before answering.
    pub delay: Duration,
}

impl Reply {
    /// An immediate answer, as `application/json`.
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Reply {
            status,
            body: body.into(),
            content_type: "application/json".to_owned(),
            headers: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    /// The same answer with another content type.
    pub fn typed(mut self, content_type: &str) -> Self {
        self.content_type = content_type.to_owned();
        self
    }

    /// The same answer with one more header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The documented success answer with these counts.
    pub fn counts(available: u32, logged_in: u32) -> Self {
        Reply::new(
            200,
            format!(
                r#"{{"success": true, "data": {{"available_agents": {available}, "logged_in_agents": {logged_in}}}}}"#
            ),
        )
    }
}

/// One request as the stub saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The raw body.
    pub body: String,
}

#[derive(Clone)]
struct Shared {
    reply: Reply,
    seen: Arc<Mutex<Vec<Recorded>>>,
}

/// A running stub; stops when dropped.
pub struct Stub {
    /// `http://127.0.0.1:PORT/v1`, the API root to configure.
    pub base_url: String,
    seen: Arc<Mutex<Vec<Recorded>>>,
    task: JoinHandle<()>,
}

impl Stub {
    /// Starts a stub that answers every request to `/v1/user-activity/search` with
    /// `reply` (and 404 elsewhere).
    pub async fn start(reply: Reply) -> Stub {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            reply,
            seen: seen.clone(),
        };
        let app = Router::new()
            .route("/v1/user-activity/search", any(handle))
            .with_state(shared);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Stub {
            base_url: format!("http://{addr}/v1"),
            seen,
            task,
        }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.seen.lock().unwrap().clone()
    }

    /// The one request received; panics unless there was exactly one.
    pub fn only_request(&self) -> Recorded {
        let seen = self.requests();
        assert_eq!(seen.len(), 1, "requests: {seen:?}");
        seen.into_iter().next().unwrap()
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.seen.lock().unwrap().push(Recorded {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        content_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    if !shared.reply.delay.is_zero() {
        tokio::time::sleep(shared.reply.delay).await;
    }
    let reply = &shared.reply;
    let mut response = (
        StatusCode::from_u16(reply.status).unwrap(),
        [(header::CONTENT_TYPE, reply.content_type.clone())],
        reply.body.clone(),
    )
        .into_response();
    for (name, value) in &reply.headers {
        response.headers_mut().insert(
            header::HeaderName::from_static(name),
            header::HeaderValue::from_str(value).unwrap(),
        );
    }
    response
}

/// A raw HTTP server on 127.0.0.1:0 that reads one request's head, writes `head`
/// verbatim, then either holds the connection open (`hold`) or closes it.
pub async fn raw_server(head: &'static str, hold: bool) -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
        let _ = socket.write_all(head.as_bytes()).await;
        let _ = socket.flush().await;
        if hold {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
    (format!("http://{addr}/v1"), task)
}

/// A port on 127.0.0.1 that nothing listens on: bound, then released.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A client of `base_url` with the test token.
pub fn client(base_url: &str, method: headcount_convoso::Method, timeout: Duration) -> Client {
    let mut config = ClientConfig::new(base_url, AuthToken::new(TOKEN.to_owned()));
    config.method = method;
    config.timeout = timeout;
    Client::new(config).unwrap()
}

/// Runs a search that must end by itself within [`GUARD`].
pub async fn search(
    client: &Client,
    filters: &headcount_convoso::Filters,
) -> Result<headcount_convoso::Activity, Error> {
    tokio::time::timeout(GUARD, client.search(filters))
        .await
        .expect("search did not return within the guard time")
}

/// Decodes `application/x-www-form-urlencoded` text into its pairs, in order.
pub fn decode_form(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}
