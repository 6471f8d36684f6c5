//! Helpers for the simulator's integration tests: a server on a real socket, a client,
//! and local instants.

#![allow(dead_code)] // each test file uses a different part

use chrono::{NaiveDate, TimeZone};
use chrono_tz::America::New_York;
use headcount_simulator::{Simulator, SimulatorConfig, SimulatorHandle, serve};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A simulator serving on 127.0.0.1 in the background.
pub struct Running {
    /// The reference's base URL on this server: `http://127.0.0.1:PORT/v1`.
    pub base: String,
    /// The server root: `http://127.0.0.1:PORT`.
    pub root: String,
    pub handle: SimulatorHandle,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub async fn start(config: SimulatorConfig) -> Running {
        let sim = Simulator::new(config).expect("valid config");
        let handle = sim.handle();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, sim, async move {
            let _ = stopped.await;
        }));
        Running {
            base: format!("http://{addr}/v1"),
            root: format!("http://{addr}"),
            handle,
            stop,
            task,
        }
    }

    /// The search endpoint, as the reference's examples name it below the base URL.
    pub fn search(&self) -> String {
        format!("{}/user-activity/search", self.base)
    }

    /// Asks the server to shut down and waits until `serve` returns.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.stop.send(());
        self.task.await.expect("serve does not panic")
    }
}

pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// Unix seconds of a local wall-clock time in America/New_York (the default zone).
pub fn new_york(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
    let naive = NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, min, 0)
        .unwrap();
    New_York
        .from_local_datetime(&naive)
        .single()
        .unwrap()
        .timestamp()
}

/// Wednesday 2026-03-04 11:00 in New York: a weekday at the late-morning peak, before
/// that year's DST change.
pub fn weekday_late_morning() -> i64 {
    new_york(2026, 3, 4, 11, 0)
}

/// Sends a form-encoded POST with `body` exactly as given, like the reference's
/// request examples.
pub async fn post_form(client: &reqwest::Client, url: &str, body: &str) -> reqwest::Response {
    client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

/// A response's status, content type and JSON body.
pub async fn json(response: reqwest::Response) -> (u16, String, serde_json::Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (status, content_type, value)
}

/// The two counts of a documented success body, after checking its exact shape:
/// `{"success": true, "data": {"available_agents": int, "logged_in_agents": int}}`
/// and nothing else.
pub fn counts(body: &serde_json::Value) -> (u64, u64) {
    let object = body.as_object().expect("an object");
    assert_eq!(object.len(), 2, "only success and data: {body}");
    assert_eq!(object["success"], serde_json::Value::Bool(true), "{body}");
    let data = object["data"].as_object().expect("data is an object");
    assert_eq!(data.len(), 2, "only the two counts: {body}");
    let available = data["available_agents"].as_u64().expect("an integer");
    let logged_in = data["logged_in_agents"].as_u64().expect("an integer");
    assert!(available <= logged_in, "{body}");
    (available, logged_in)
}
