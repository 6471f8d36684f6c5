//! HTTP/1.1 by hand over a real socket: what a client sees on the wire (chunked
//! bodies, `Content-Encoding`, a connection closed or kept), with nothing between the
//! test and the server that could hide a fault.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// How long a test waits for the server. Generous: tests run on slow, busy machines;
/// this only bounds a hang.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// One response, read whole.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Names lowercased, in order.
    pub headers: Vec<(String, String)>,
    /// The body with any chunked transfer coding removed (content codings kept).
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(500)])
            )
        })
    }
}

/// `GET path` on a new connection with `Connection: close` and `headers`.
pub async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut stream = connect(addr).await;
    send_get(&mut stream, path, headers, true).await;
    read_response(&mut stream).await
}

/// Connects, within [`PATIENCE`].
pub async fn connect(addr: SocketAddr) -> TcpStream {
    tokio::time::timeout(PATIENCE, TcpStream::connect(addr))
        .await
        .expect("connect within the patience")
        .expect("connect")
}

/// Writes a `GET` request; `close` adds `Connection: close`.
pub async fn send_get(stream: &mut TcpStream, path: &str, headers: &[(&str, &str)], close: bool) {
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: test\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if close {
        req.push_str("Connection: close\r\n");
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.expect("send");
}

/// Reads one response from `stream`, leaving the connection as the server left it.
/// Panics if the connection ends before the response is complete: a dropped
/// connection is exactly what these tests look for.
pub async fn read_response(stream: &mut TcpStream) -> Response {
    tokio::time::timeout(PATIENCE, read_response_inner(stream))
        .await
        .expect("a response within the patience")
}

async fn read_response_inner(stream: &mut TcpStream) -> Response {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        fill(stream, &mut buf, "the response head").await;
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).expect("an ASCII head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (n, v) = l.split_once(':').expect("a header line");
            (n.trim().to_ascii_lowercase(), v.trim().to_owned())
        })
        .collect();
    let mut rest = buf[head_end..].to_vec();
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let body = if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(i) = find(&rest, b"\r\n") {
                    break i;
                }
                fill(stream, &mut rest, "a chunk size").await;
            };
            let size_text = String::from_utf8(rest[..line_end].to_vec()).unwrap();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16)
                .unwrap_or_else(|_| panic!("bad chunk size {size_text:?}"));
            while rest.len() < line_end + 2 + size + 2 {
                fill(stream, &mut rest, "a chunk").await;
            }
            body.extend_from_slice(&rest[line_end + 2..line_end + 2 + size]);
            rest.drain(..line_end + 2 + size + 2);
            if size == 0 {
                break body;
            }
        }
    } else if let Some(len) = get("content-length") {
        let len: usize = len.parse().unwrap();
        while rest.len() < len {
            fill(stream, &mut rest, "the body").await;
        }
        rest.truncate(len);
        rest
    } else {
        // Delimited by the end of the connection.
        stream.read_to_end(&mut rest).await.expect("read the body");
        rest
    };
    Response {
        status,
        headers,
        body,
    }
}

/// Reads more into `buf`; panics naming `what` when the connection ends first.
async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>, what: &str) {
    let mut chunk = [0u8; 64 * 1024];
    match stream.read(&mut chunk).await {
        Ok(0) => panic!(
            "the connection ended while reading {what} (after {} bytes)",
            buf.len()
        ),
        Ok(n) => buf.extend_from_slice(&chunk[..n]),
        Err(e) => panic!("the connection failed while reading {what}: {e}"),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Waits until the server closes `stream` (end of stream or reset), reading and
/// discarding whatever it sends; returns how long that took. Panics after [`PATIENCE`].
pub async fn wait_closed(stream: &mut TcpStream) -> Duration {
    let started = std::time::Instant::now();
    let mut chunk = [0u8; 4096];
    loop {
        match tokio::time::timeout(PATIENCE, stream.read(&mut chunk)).await {
            Err(_) => panic!("the server kept the connection open for {PATIENCE:?}"),
            Ok(Ok(0) | Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => {}
        }
    }
}
