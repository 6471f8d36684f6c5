//! Bench section `http`: `GET /api/v1/targets/sales/latest` requests per second over
//! real HTTP on loopback.
//!
//! The server is this binary as a child process, `headcount serve` on the shared
//! database (its own runtime and its own threads, as in production). The load is a
//! bounded generator of our own: [`CONNECTIONS`] keep-alive connections, each a raw
//! TCP stream sending one request and reading its response by `Content-Length` before
//! the next, for [`MEASURE`] after [`WARM_UP`]; only `200`s completed inside the
//! measured window count. If `wrk` is on `PATH` it loads the same URL afterwards, and
//! its figure is shown for information. Server and load share this machine's cores,
//! as they would under `wrk` on loopback.

use std::io::BufRead as _;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::child::{self, Child};
use super::data;
use super::{Bar, Bench, Figure, middle, ms};

/// Connections of the load, each with one request in flight.
const CONNECTIONS: usize = 32;
/// Load before the measured window: connections opened, caches warm.
const WARM_UP: Duration = Duration::from_secs(1);
/// The measured window.
const MEASURE: Duration = Duration::from_secs(3);
/// Longest wait for one response: past it the connection counts an error and is
/// dropped.
const RESPONSE_LIMIT: Duration = Duration::from_secs(5);
/// Largest response head and body the reader accepts.
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: u64 = 16 * 1024 * 1024;
/// Latencies kept per connection, so that memory stays bounded whatever the rate.
const MAX_LATENCIES: usize = 1 << 20;

/// The URL path under test.
const PATH: &str = "/api/v1/targets/sales/latest";

/// Serves the shared database with a child `headcount serve` and loads `/latest`.
pub fn run(bench: &mut Bench) -> anyhow::Result<Vec<Figure>> {
    let db = bench.database()?.path.clone();
    let dir = bench.dir.path().join("http");
    std::fs::create_dir_all(&dir)?;
    let config = dir.join("serve.toml");
    data::write_config(&config, &data::config_text(&db))?;
    let log = dir.join("serve.log");
    let mut cmd = child::headcount("warn", &["serve", "--listen", "127.0.0.1:0", "--config"])?;
    cmd.arg(&config)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log)?);
    let mut server = Child::spawn(cmd, "headcount serve", Some(log))?;
    let addr = listening(&mut server)?;

    let rt = bench.rt.clone();
    let request: Arc<[u8]> =
        format!("GET {PATH} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: headcount-bench\r\n\r\n")
            .into_bytes()
            .into();
    // One request first: a server that answers something else fails the section
    // rather than measure the speed of an error.
    let first = rt.block_on(once(addr, &request))?;
    anyhow::ensure!(
        first.status == 200,
        "GET {PATH}: status {}{}",
        first.status,
        server.log_tail()
    );
    let load = rt.block_on(load(addr, request, CONNECTIONS, WARM_UP, MEASURE));
    anyhow::ensure!(
        load.ok > 0,
        "GET {PATH}: no 200 in {} s ({} other statuses, {} errors){}",
        MEASURE.as_secs(),
        load.other,
        load.errors,
        server.log_tail()
    );
    let wrk = wrk(addr);
    server.stop(Duration::from_secs(15))?;

    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut latencies = load.latencies;
    let p50 = middle(&mut latencies);
    let p99 = latencies
        .get(latencies.len() * 99 / 100)
        .copied()
        .unwrap_or_default();
    let mut figures = vec![
        Figure::with_bar(
            format!("GET {PATH} on loopback, {CONNECTIONS} connections"),
            load.ok as f64 / MEASURE.as_secs_f64(),
            "requests/s",
            Bar::AtLeast(20_000.0),
        ),
        Figure::info(
            format!(
                "  measured for, after {} s of warm-up (keep-alive, 1 request each)",
                WARM_UP.as_secs()
            ),
            MEASURE.as_secs_f64(),
            "s",
        ),
        Figure::info(
            "  cores the server (a child `headcount serve`) and this load share",
            cores as f64,
            "cores",
        ),
        Figure::info("  latency, median", ms(p50), "ms"),
        Figure::info("  latency, 99th percentile", ms(p99), "ms"),
    ];
    if load.other + load.errors > 0 {
        figures.push(Figure::info(
            "  responses other than 200, and connection errors",
            (load.other + load.errors) as f64,
            "",
        ));
    }
    figures.push(wrk);
    Ok(figures)
}

/// The address `headcount serve` prints on its first line: `dashboard: http://ADDR/`.
fn listening(server: &mut Child) -> anyhow::Result<SocketAddr> {
    let stdout = server
        .process()
        .stdout
        .take()
        .context("headcount serve: no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = std::io::BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(read.map(|_| line));
    });
    let line = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Ok(line)) => line,
        Ok(Err(e)) => anyhow::bail!("headcount serve: reading its output: {e}"),
        Err(_) => anyhow::bail!(
            "headcount serve: no address printed within 60 s{}",
            server.log_tail()
        ),
    };
    dashboard_addr(&line).with_context(|| {
        format!(
            "headcount serve: expected `dashboard: http://ADDR/`, got {:?}{}",
            line.trim_end(),
            server.log_tail()
        )
    })
}

/// The address of a `dashboard: http://ADDR/` line.
fn dashboard_addr(line: &str) -> Option<SocketAddr> {
    line.trim()
        .strip_prefix("dashboard: http://")?
        .strip_suffix('/')?
        .parse()
        .ok()
}

/// One response's status and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Response {
    status: u16,
    body: u64,
    /// The server said `Connection: close`: the next request needs a new connection.
    close: bool,
}

/// Reads one HTTP/1.1 response from `r`: the status line and headers (at most
/// [`MAX_HEAD`] bytes), then exactly `Content-Length` bytes of body (at most
/// [`MAX_BODY`]), discarded.
///
/// # Errors
///
/// `InvalidData` for a malformed head, a missing or unreadable `Content-Length`, a
/// chunked body or one past the limits; `UnexpectedEof` when the stream ends first.
async fn read_response<R: AsyncBufRead + Unpin>(r: &mut R) -> std::io::Result<Response> {
    let bad = |why: String| std::io::Error::new(std::io::ErrorKind::InvalidData, why);
    let mut line = Vec::with_capacity(128);
    let mut head = 0;
    let mut status = None;
    let mut length = None;
    let mut close = false;
    loop {
        line.clear();
        // One byte past the limit tells a head too long from one that just fits.
        let limit = MAX_HEAD.saturating_sub(head) + 1;
        let n = (&mut *r)
            .take(limit as u64)
            .read_until(b'\n', &mut line)
            .await?;
        head += n;
        if head > MAX_HEAD {
            return Err(bad(format!("response head longer than {MAX_HEAD} bytes")));
        }
        if n == 0 || !line.ends_with(b"\n") {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let text = std::str::from_utf8(&line)
            .map_err(|_| bad("response head is not UTF-8".to_owned()))?
            .trim_end_matches(['\r', '\n']);
        let Some(code) = status else {
            let mut words = text.split(' ');
            let (Some(version), Some(code)) = (words.next(), words.next()) else {
                return Err(bad(format!("not a status line: {text:?}")));
            };
            if !version.starts_with("HTTP/1.") {
                return Err(bad(format!("not a status line: {text:?}")));
            }
            status = Some(
                code.parse::<u16>()
                    .map_err(|_| bad(format!("not a status line: {text:?}")))?,
            );
            close = version == "HTTP/1.0";
            continue;
        };
        if text.is_empty() {
            let body = length.ok_or_else(|| bad("no Content-Length".to_owned()))?;
            if body > MAX_BODY {
                return Err(bad(format!("body of {body} bytes")));
            }
            let copied = tokio::io::copy(&mut (&mut *r).take(body), &mut tokio::io::sink()).await?;
            if copied < body {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            return Ok(Response {
                status: code,
                body,
                close,
            });
        }
        let Some((name, value)) = text.split_once(':') else {
            return Err(bad(format!("not a header: {text:?}")));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .parse::<u64>()
                    .map_err(|_| bad(format!("Content-Length {value:?}")))?,
            );
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(bad(format!("Transfer-Encoding {value:?} is not read here")));
        } else if name.eq_ignore_ascii_case("connection") {
            close = value.eq_ignore_ascii_case("close");
        }
    }
}

/// One request on a new connection.
async fn once(addr: SocketAddr, request: &[u8]) -> anyhow::Result<Response> {
    let stream = tokio::time::timeout(RESPONSE_LIMIT, TcpStream::connect(addr))
        .await
        .context("connect: timed out")??;
    let mut stream = BufReader::new(stream);
    stream.get_mut().write_all(request).await?;
    let response = tokio::time::timeout(RESPONSE_LIMIT, read_response(&mut stream))
        .await
        .context("response: timed out")??;
    Ok(response)
}

/// What the load saw in the measured window.
#[derive(Debug, Default)]
struct Load {
    /// `200`s completed in the window.
    ok: u64,
    /// Other statuses completed in the window.
    other: u64,
    /// Connections that failed (connect, write, read, timeout) at any time.
    errors: u64,
    /// The time of each `200` in the window, request written to response read.
    latencies: Vec<Duration>,
}

/// `connections` connections sending `request` one at a time for `warm_up` plus
/// `measure`; what completed within the last `measure`.
async fn load(
    addr: SocketAddr,
    request: Arc<[u8]>,
    connections: usize,
    warm_up: Duration,
    measure: Duration,
) -> Load {
    let from = Instant::now() + warm_up;
    let until = from + measure;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        tasks.spawn(connection(addr, Arc::clone(&request), from, until));
    }
    let mut all = Load::default();
    while let Some(done) = tasks.join_next().await {
        let Ok(one) = done else {
            all.errors += 1;
            continue;
        };
        all.ok += one.ok;
        all.other += one.other;
        all.errors += one.errors;
        all.latencies.extend(one.latencies);
    }
    all
}

/// One keep-alive connection of [`load`], reconnecting after an error or a close.
async fn connection(addr: SocketAddr, request: Arc<[u8]>, from: Instant, until: Instant) -> Load {
    let mut seen = Load::default();
    let mut stream: Option<BufReader<TcpStream>> = None;
    while Instant::now() < until {
        let s = match stream.as_mut() {
            Some(s) => s,
            None => match tokio::time::timeout(RESPONSE_LIMIT, TcpStream::connect(addr)).await {
                Ok(Ok(s)) => {
                    let _ = s.set_nodelay(true);
                    stream.insert(BufReader::new(s))
                }
                _ => {
                    seen.errors += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let sent = Instant::now();
        let exchange = async {
            s.get_mut().write_all(&request).await?;
            read_response(s).await
        };
        match tokio::time::timeout(RESPONSE_LIMIT, exchange).await {
            Ok(Ok(response)) => {
                let done = Instant::now();
                if (from..until).contains(&done) {
                    if response.status == 200 {
                        seen.ok += 1;
                        if seen.latencies.len() < MAX_LATENCIES {
                            seen.latencies.push(done - sent);
                        }
                    } else {
                        seen.other += 1;
                    }
                }
                if response.close {
                    stream = None;
                }
            }
            _ => {
                seen.errors += 1;
                stream = None;
            }
        }
    }
    seen
}

/// `wrk` on the same URL, if it is on `PATH`: its requests per second, for
/// information.
fn wrk(addr: SocketAddr) -> Figure {
    let what = format!(
        "  wrk -t2 -c{CONNECTIONS} -d{}s, the same URL",
        MEASURE.as_secs()
    );
    let Some(wrk) = child::on_path("wrk") else {
        return Figure::skipped(
            what,
            "requests/s",
            None,
            "wrk is not on PATH (apt-get install wrk)",
        );
    };
    let out = std::process::Command::new(wrk)
        .args([
            "-t2".to_owned(),
            format!("-c{CONNECTIONS}"),
            format!("-d{}s", MEASURE.as_secs()),
            format!("http://{addr}{PATH}"),
        ])
        .stdin(Stdio::null())
        .output();
    let text = match out {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        Ok(out) => {
            return Figure::skipped(
                what,
                "requests/s",
                None,
                format!(
                    "wrk failed ({}){}",
                    out.status,
                    child::tail(&String::from_utf8_lossy(&out.stderr), 2)
                ),
            );
        }
        Err(e) => return Figure::skipped(what, "requests/s", None, format!("wrk: {e}")),
    };
    match wrk_rate(&text) {
        Some((rate, 0)) => Figure::info(what, rate, "requests/s"),
        Some((_, non_2xx)) => Figure::skipped(
            what,
            "requests/s",
            None,
            format!("wrk saw {non_2xx} responses other than 2xx or 3xx"),
        ),
        None => Figure::skipped(what, "requests/s", None, "no Requests/sec in wrk's output"),
    }
}

/// Requests per second and responses other than 2xx or 3xx from wrk's report.
fn wrk_rate(text: &str) -> Option<(f64, u64)> {
    let value = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(str::trim))
    };
    let rate = value("Requests/sec:")?.parse().ok()?;
    let non_2xx = value("Non-2xx or 3xx responses:").map_or(Some(0), |v| v.parse().ok())?;
    Some((rate, non_2xx))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read_all(mut bytes: &[u8]) -> Vec<std::io::Result<Response>> {
        let mut out = Vec::new();
        while !bytes.is_empty() {
            let r = read_response(&mut bytes).await;
            let failed = r.is_err();
            out.push(r);
            if failed {
                break;
            }
        }
        out
    }

    fn ok(status: u16, body: u64, close: bool) -> Response {
        Response {
            status,
            body,
            close,
        }
    }

    #[tokio::test]
    async fn responses_are_read_one_after_another_by_content_length() {
        let two = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 13\r\n\r\n\
            {\"ts\": 12345}HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        let got: Vec<Response> = read_all(two)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(got, [ok(200, 13, false), ok(404, 0, true)]);
    }

    #[tokio::test]
    async fn a_response_without_a_length_or_cut_short_is_an_error() {
        let kind = |r: &std::io::Result<Response>| r.as_ref().unwrap_err().kind();
        let no_length = read_all(b"HTTP/1.1 200 OK\r\n\r\nbody").await;
        assert_eq!(kind(&no_length[0]), std::io::ErrorKind::InvalidData);
        let chunked = read_all(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\n\r\n",
        )
        .await;
        assert_eq!(kind(&chunked[0]), std::io::ErrorKind::InvalidData);
        let short = read_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc").await;
        assert_eq!(kind(&short[0]), std::io::ErrorKind::UnexpectedEof);
        let cut = read_all(b"HTTP/1.1 200 OK\r\nContent-Le").await;
        assert_eq!(kind(&cut[0]), std::io::ErrorKind::UnexpectedEof);
        let garbage = read_all(b"SSH-2.0-OpenSSH\r\n\r\n").await;
        assert_eq!(kind(&garbage[0]), std::io::ErrorKind::InvalidData);
        let huge = format!(
            "HTTP/1.1 200 OK\r\nX: {}\r\nContent-Length: 0\r\n\r\n",
            "a".repeat(MAX_HEAD)
        );
        let huge = read_all(huge.as_bytes()).await;
        assert_eq!(kind(&huge[0]), std::io::ErrorKind::InvalidData);
        let big = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY + 1
        );
        assert_eq!(
            kind(&read_all(big.as_bytes()).await[0]),
            std::io::ErrorKind::InvalidData
        );
    }

    #[test]
    fn the_address_is_read_from_the_dashboard_line() {
        assert_eq!(
            dashboard_addr("dashboard: http://127.0.0.1:40123/\n"),
            Some("127.0.0.1:40123".parse().unwrap())
        );
        assert_eq!(dashboard_addr("listening on 127.0.0.1:1"), None);
    }

    #[test]
    fn wrks_rate_and_its_errors_are_read_from_its_report() {
        let report = "Running 3s test @ http://127.0.0.1:40123/api/v1/targets/sales/latest
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.52ms  512.10us  12.31ms   80.12%
    Req/Sec    10.61k   801.23    12.02k    70.00%
  63312 requests in 3.00s, 20.77MB read
Requests/sec:  21084.96
Transfer/sec:      6.92MB
";
        assert_eq!(wrk_rate(report), Some((21_084.96, 0)));
        let errors = report.replace(
            "Requests/sec:",
            "  Non-2xx or 3xx responses: 17\nRequests/sec:",
        );
        assert_eq!(wrk_rate(&errors), Some((21_084.96, 17)));
        assert_eq!(wrk_rate("unable to connect"), None);
    }
}
