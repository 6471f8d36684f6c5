//! Helpers for end-to-end tests that run the real `headcount` binary.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a test waits for the binary to print something before giving up. Generous:
/// tests run on slow, busy machines; this only bounds a hang.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// A running `headcount` process whose stdout lines arrive on a channel.
pub struct Running {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

/// The `headcount` binary built for this test run.
pub fn headcount() -> Command {
    Command::new(env!("CARGO_BIN_EXE_headcount"))
}

/// Starts `headcount ARGS...` with stdout piped (stderr inherited, so failures show).
pub fn spawn(args: &[&str], envs: &[(&str, &str)]) -> Running {
    let mut cmd = headcount();
    cmd.args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    spawn_cmd(cmd)
}

/// Starts `cmd` (one that runs `headcount`, e.g. through `sh -c` with a `ulimit`) with
/// stdout piped; stderr goes where `cmd` says (inherited unless set).
pub fn spawn_cmd(mut cmd: Command) -> Running {
    cmd.stdout(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn headcount");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Running {
        child,
        lines: rx,
        seen: Vec::new(),
    }
}

impl Running {
    /// Waits for a stdout line containing `needle` and returns it.
    pub fn wait_for_line(&mut self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!("no line containing {needle:?}; saw {:#?}", self.seen),
            }
        }
    }

    /// Sends `signal` (e.g. "TERM", "KILL", "INT") to the process.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Waits for the process to exit and returns its exit code (None if killed by a signal).
    pub fn wait_exit(&mut self) -> Option<i32> {
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.code();
            }
            assert!(std::time::Instant::now() < deadline, "process did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Extracts the first `http://host:port` in `line`.
pub fn url_in(line: &str) -> String {
    let start = line.find("http://").expect("a URL in the line");
    let rest = &line[start..];
    let end = rest[7..]
        .find(|c: char| c == '/' || c.is_whitespace())
        .map_or(rest.len(), |i| i + 7);
    rest[..end].to_string()
}

/// A blocking HTTP client for tests (plain HTTP to loopback).
pub fn http() -> reqwest::blocking::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
        .timeout(PATIENCE)
        .build()
        .expect("http client")
}

/// Runs `headcount ARGS...` to completion with `envs`; returns (exit code, stdout, stderr).
pub fn run(args: &[&str], envs: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let mut cmd = headcount();
    cmd.args(args).env_remove("RUST_LOG");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run headcount");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Starts `headcount simulate` on a free loopback port; returns it and its base URL
/// (`http://127.0.0.1:PORT/v1`).
pub fn simulator() -> (Running, String) {
    let mut sim = spawn(&["simulate", "--listen", "127.0.0.1:0"], &[]);
    let base = url_in(&sim.wait_for_line("API:"));
    (sim, format!("{base}/v1"))
}

/// Starts `headcount demo` with `days` of history in `dir/demo.db` on a free loopback
/// port; returns it and its base URL (`http://127.0.0.1:PORT`).
pub fn demo(dir: &std::path::Path, days: u32) -> (Running, String) {
    let db = dir.join("demo.db");
    let mut demo = spawn(
        &[
            "demo",
            "--days",
            &days.to_string(),
            "--listen",
            "127.0.0.1:0",
            "--db",
            &db.display().to_string(),
        ],
        &[],
    );
    let base = url_in(&demo.wait_for_line("Dashboard:"));
    (demo, base)
}

/// For a test whose outside tool is missing: fails when `HEADCOUNT_REQUIRE_TOOLS` is
/// set (`.ci/run` sets it once it has installed the tools), else says
/// `SKIPPED: {test}: {missing}` on stderr, so the caller can return.
pub fn skip_without_tool(test: &str, missing: &str) {
    assert!(
        std::env::var_os("HEADCOUNT_REQUIRE_TOOLS").is_none(),
        "{test}: HEADCOUNT_REQUIRE_TOOLS is set, but {missing}"
    );
    // Straight to stderr: the test harness captures `println!` and `eprintln!` of
    // passing tests, and a skip must never be silent.
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {test}: {missing}");
}

/// Waits, polling every 100 ms, until `f` returns `Some`, up to [`PATIENCE`].
pub fn wait_until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
