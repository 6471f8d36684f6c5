//! `headcount simulate` as a new user tries it: start it, POST the reference's example
//! with curl-like form data, stop it with SIGTERM.

mod common;

#[test]
fn simulate_serves_the_reference_example_and_stops_on_sigterm() {
    let mut sim = common::spawn(&["simulate", "--listen", "127.0.0.1:0"], &[]);
    let base = common::url_in(&sim.wait_for_line("API:"));
    let http = common::http();

    let body: serde_json::Value = http
        .post(format!("{base}/v1/user-activity/search"))
        .form(&[("auth_token", "abc123"), ("campaign_id", "111")])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(body["success"], true, "{body}");
    let available = body["data"]["available_agents"].as_u64().unwrap();
    let logged_in = body["data"]["logged_in_agents"].as_u64().unwrap();
    assert!(available <= logged_in, "{body}");

    let body: serde_json::Value = http
        .post(format!("{base}/v1/user-activity/search"))
        .form(&[("auth_token", "abc123"), ("campaign_id", "abc")])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        body,
        serde_json::json!({"success": false, "code": 6026, "error": "Invalid campaign ID"})
    );

    sim.signal("TERM");
    assert_eq!(sim.wait_exit(), Some(0));
}

#[test]
fn simulate_rejects_an_unknown_time_zone_with_exit_code_2() {
    let out = common::headcount()
        .args(["simulate", "--timezone", "Mars/Base"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--timezone") && stderr.contains("Mars/Base"),
        "{stderr}"
    );
}

#[test]
fn simulate_rejects_a_fault_rate_above_one_naming_it() {
    let out = common::headcount()
        .args(["simulate", "--error-rate", "1.5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error_rate"), "{stderr}");
}
