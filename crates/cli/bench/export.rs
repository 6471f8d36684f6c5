//! Bench section `export`: the ingested history replayed over Prometheus remote write
//! into a local Prometheus (Debian's `prometheus`, started here on a free loopback
//! port with its receiver on), the whole path `headcount export --remote-write` takes:
//! reading, encoding, snappy, HTTP, and Prometheus appending. The figure is stored
//! samples per second of wall time; each becomes three Prometheus samples. Skipped,
//! saying so, when `prometheus` is not installed.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use headcount_config::{Credentials, RemoteWriteAuth, RemoteWriteConfig};
use headcount_export::{RemoteWriteClient, ReplayOptions};

use super::{Bar, Bench, Figure};

/// Stored samples per request.
const BATCH: usize = 10_000;

/// Replays the ingested year into a fresh Prometheus.
pub fn run(bench: &mut Bench) -> anyhow::Result<Vec<Figure>> {
    let Some(bin) = find("prometheus") else {
        return Ok(vec![Figure::skipped(
            "remote-write replay into a local Prometheus",
            "samples/s",
            Some(Bar::AtLeast(200_000.0)),
            "no prometheus binary (apt-get install prometheus)",
        )]);
    };
    let samples = bench.scope.samples();
    let db = bench.database()?;
    let dir = tempfile::tempdir()?;
    let mut prom = Server::start(&bin, dir.path())?;
    let config = RemoteWriteConfig {
        url: format!("http://127.0.0.1:{}/api/v1/write", prom.port),
        auth: RemoteWriteAuth::None,
        labels: Vec::new(),
        batch_size: BATCH,
        flush_interval: Duration::from_secs(1),
        timeout: Duration::from_secs(60),
    };
    let client = RemoteWriteClient::new(&config, &Credentials::None)?;
    let options = ReplayOptions {
        from: db.from,
        to: db.to,
        targets: vec![db.target],
        batch_size: BATCH,
        labels: Vec::new(),
        backoff: headcount_export::DEFAULT_BACKOFF,
    };
    let path = db.path.clone();
    let handle = tokio::runtime::Handle::current();
    let started = Instant::now();
    let summary = handle.block_on(headcount_export::replay(
        &path,
        &client,
        options,
        |_| {},
        std::future::pending(),
    ))?;
    let secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        summary.failed == 0 && summary.raw == samples,
        "replay: sent {} of {} samples, {} refused",
        summary.raw,
        samples,
        summary.failed
    );
    prom.stop();
    Ok(vec![
        Figure::with_bar(
            "remote-write replay into a local Prometheus",
            summary.raw as f64 / secs,
            "samples/s",
            Bar::AtLeast(200_000.0),
        ),
        Figure::info(
            "  Prometheus samples appended (3 per stored sample)",
            summary.series_samples as f64 / secs,
            "samples/s",
        ),
    ])
}

fn find(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

struct Server {
    child: Option<Child>,
    port: u16,
}

impl Server {
    fn start(bin: &Path, dir: &Path) -> anyhow::Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let yml = dir.join("prometheus.yml");
        // A year back, in case the head already holds newer samples.
        std::fs::write(
            &yml,
            "storage:\n  tsdb:\n    out_of_order_time_window: 400d\n",
        )?;
        let child = Command::new(bin)
            .arg(format!("--config.file={}", yml.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--web.enable-remote-write-receiver")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting prometheus")?;
        let server = Server {
            child: Some(child),
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                use std::io::{Read as _, Write as _};
                let _ = s.write_all(b"GET /-/ready HTTP/1.0\r\n\r\n");
                let mut answer = String::new();
                let _ = s.read_to_string(&mut answer);
                if answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200") {
                    return Ok(server);
                }
            }
            anyhow::ensure!(Instant::now() < deadline, "prometheus did not become ready");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status();
            let _ = c.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
