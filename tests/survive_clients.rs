//! `headcount serve` against clients that misbehave or merely differ from ours: a
//! compressed download through `curl --compressed`, and hundreds of idle and half-sent
//! connections under a small open-file limit.

mod common;
mod known;

use std::io::Write as _;
use std::process::Command;

use known::Known;

/// Starts `headcount serve` on the fixture under `ulimit -n files`; returns it and its
/// base URL.
fn serve_with_file_limit(k: &Known, files: u32) -> (common::Running, String) {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -n {files} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_headcount"))
        .args(["serve", "--config", &k.config]);
    let mut server = common::spawn_cmd(cmd);
    let base = common::url_in(&server.wait_for_line("dashboard: http://"));
    (server, base)
}

#[test]
fn with_256_files_hundreds_of_idle_connections_leave_healthz_and_the_dashboard_reachable() {
    let k = Known::new();
    let (mut server, base) = serve_with_file_limit(&k, 256);
    let addr = base.trim_start_matches("http://").to_owned();

    // More connections than the process has files: 300 that say nothing, and 20 that
    // send half a request line and stall.
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(std::net::TcpStream::connect(&addr).unwrap());
    }
    for _ in 0..20 {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.write_all(b"GET /api/v1/tar").unwrap();
        idle.push(s);
    }

    // The client gives up after `common::PATIENCE`: a guard, not a speed test.
    let http = common::http();
    let health = http.get(format!("{base}/healthz")).send().unwrap();
    assert_eq!(health.status(), 200);
    let body: serde_json::Value = health.json().unwrap();
    assert_eq!(body["status"], "ok", "{body}");
    let page = http.get(format!("{base}/")).send().unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().unwrap().contains("sales"));

    server.signal("TERM");
    assert_eq!(server.wait_exit(), Some(0));
    drop(idle);
}

/// The path of `curl`, if it is installed.
fn curl() -> Option<String> {
    let out = Command::new("sh")
        .args(["-c", "command -v curl"])
        .output()
        .ok()?;
    let path = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && !path.is_empty()).then_some(path)
}

#[test]
fn curl_compressed_downloads_the_whole_csv() {
    let Some(curl) = curl() else {
        // Straight to stderr: a skip must never be silent.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: curl --compressed test: curl is not installed"
        );
        return;
    };
    let k = Known::new();
    let mut server = common::spawn(&["serve", "--config", &k.config], &[]);
    let base = common::url_in(&server.wait_for_line("dashboard: http://"));
    let url = format!(
        "{base}/api/v1/targets/sales/samples.csv?from={}&to={}&tz=UTC",
        known::FROM,
        known::TO
    );
    // The fixture by hand: one sample a minute from 09:00 UTC, 3 of 20 available for
    // the first hour, 10 of 20 for the second, 35 ms each.
    let mut want = String::from("ts,time,outcome,available,logged_in,latency_ms\n");
    for i in 0..120 {
        let ts = known::T0 + 9 * 3600 + i * 60;
        let (h, m) = (9 + i / 60, i % 60);
        let available = if i < 60 { 3 } else { 10 };
        want.push_str(&format!(
            "{ts},2026-03-02T{h:02}:{m:02}:00+00:00,ok,{available},20,35\n"
        ));
    }

    for compressed in [false, true] {
        let mut cmd = Command::new(&curl);
        cmd.args(["--silent", "--show-error", "--fail", "--max-time", "120"]);
        if compressed {
            // Sends Accept-Encoding and decompresses, as browsers do; the headers
            // show that the server did compress.
            cmd.args(["--compressed", "--dump-header", "-"]);
        }
        let out = cmd.arg(&url).output().expect("run curl");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "curl (compressed: {compressed}): {stderr}"
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let body = if compressed {
            let (head, body) = text.split_once("\r\n\r\n").expect("headers, then the body");
            assert!(
                head.to_ascii_lowercase().contains("content-encoding: gzip"),
                "{head}"
            );
            body.to_owned()
        } else {
            text
        };
        assert_eq!(body, want, "compressed: {compressed}");
    }
    server.signal("TERM");
    assert_eq!(server.wait_exit(), Some(0));
}
