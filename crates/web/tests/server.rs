//! [`headcount_web::serve`] survives its clients: idle and half-sent connections are
//! closed after their timeouts, and connections past the cap never keep `/healthz`
//! from answering. Limits are short here (seconds); every wait is bounded by a
//! generous guard, and no assertion needs the machine to be fast: the only times
//! checked are lower bounds (nothing is closed early).

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Fixture, Served, raw};
use headcount_web::ServerLimits;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

async fn healthz_ok(addr: SocketAddr) {
    let r = raw::get(addr, "/healthz", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ok");
}

/// Sends the start of a request and stops, as a slowloris client does.
async fn half_request(addr: SocketAddr) -> TcpStream {
    let mut s = raw::connect(addr).await;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_cap_never_keep_healthz_from_answering() {
    let f = Fixture::new();
    let cap = 8;
    let served = Served::start(
        &f,
        ServerLimits {
            max_connections: cap,
            // Long: here the cap must make room, not the timeouts.
            header_read_timeout: Duration::from_secs(600),
            idle_timeout: Duration::from_secs(600),
            ..ServerLimits::default()
        },
    )
    .await;
    // 20 connections that say nothing and 5 that stall mid-request: 25 > 8.
    let mut stalled = Vec::new();
    for _ in 0..20 {
        stalled.push(raw::connect(served.addr).await);
    }
    for _ in 0..5 {
        stalled.push(half_request(served.addr).await);
    }
    // A new client is answered, again and again.
    for _ in 0..3 {
        healthz_ok(served.addr).await;
    }
    // And the cap held: of the 25 plus the 3 answered, at most 8 stay open at once,
    // so at least 25 - 8 of the stalled ones were closed by the server.
    let closed = count_closed(&mut stalled, 25 - cap).await;
    assert!(closed >= 25 - cap, "{closed}");
    served.stop().await;
}

/// Waits until at least `want` of `conns` are closed by the server (within the
/// patience); returns how many are.
async fn count_closed(conns: &mut [TcpStream], want: usize) -> usize {
    let deadline = Instant::now() + raw::PATIENCE;
    let mut closed = vec![false; conns.len()];
    loop {
        for (i, c) in conns.iter_mut().enumerate() {
            if !closed[i] {
                let mut byte = [0u8; 1];
                match c.try_read(&mut byte) {
                    Ok(0) => closed[i] = true,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(_) => closed[i] = true,
                    Ok(_) => {}
                }
            }
        }
        let n = closed.iter().filter(|c| **c).count();
        if n >= want || Instant::now() > deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_half_sent_connections_are_closed_after_their_timeouts() {
    let f = Fixture::new();
    let idle = Duration::from_secs(2);
    let header = Duration::from_secs(1);
    let served = Served::start(
        &f,
        ServerLimits {
            header_read_timeout: header,
            idle_timeout: idle,
            ..ServerLimits::default()
        },
    )
    .await;
    let addr = served.addr;

    // Connected, never a byte: closed once idle for the idle timeout, not before.
    let silent = tokio::spawn(async move {
        let mut s = raw::connect(addr).await;
        raw::wait_closed(&mut s).await
    });
    // Half a request, then nothing: closed once the head is overdue.
    let half = tokio::spawn(async move {
        let mut s = half_request(addr).await;
        raw::wait_closed(&mut s).await
    });
    // Half a request trickled a byte at a time, so bytes keep moving: the head is still
    // overdue after the header timeout, counted from its first byte.
    let trickle = tokio::spawn(async move {
        let mut s = raw::connect(addr).await;
        let started = Instant::now();
        for sent in 0.. {
            // Never a whole head: `Gaaaa...` without a space or an end of line.
            let byte: &[u8] = if sent == 0 { b"G" } else { b"a" };
            if s.write_all(byte).await.is_err() {
                return started.elapsed();
            }
            let mut got = [0u8; 64];
            let read = tokio::time::timeout(Duration::from_millis(100), s.read(&mut got)).await;
            // Closed (end of stream or reset); a timeout or bytes mean not yet.
            if let Ok(Ok(0) | Err(_)) = read {
                return started.elapsed();
            }
            assert!(started.elapsed() < raw::PATIENCE, "never closed");
        }
        unreachable!()
    });
    // A keep-alive client after its answer: closed once idle.
    let kept = tokio::spawn(async move {
        let mut s = raw::connect(addr).await;
        raw::send_get(&mut s, "/healthz", &[], false).await;
        let r = raw::read_response(&mut s).await;
        assert_eq!(r.status, 200);
        raw::wait_closed(&mut s).await;
    });

    let silent = silent.await.unwrap();
    assert!(
        silent >= idle,
        "closed after {silent:?}, before the idle timeout"
    );
    let half = half.await.unwrap();
    assert!(
        half >= header,
        "closed after {half:?}, before the header timeout"
    );
    let trickle = trickle.await.unwrap();
    assert!(trickle >= header, "closed after {trickle:?}");
    kept.await.unwrap();
    // And the server still answers.
    healthz_ok(addr).await;
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_closes_waiting_connections_and_returns() {
    let f = Fixture::new();
    let served = Served::start(&f, ServerLimits::default()).await;
    let mut idle = raw::connect(served.addr).await;
    let mut half = half_request(served.addr).await;
    let mut kept = raw::connect(served.addr).await;
    raw::send_get(&mut kept, "/healthz", &[], false).await;
    assert_eq!(raw::read_response(&mut kept).await.status, 200);
    // Default limits: a minute or more of idling allowed, yet the stop is prompt.
    served.stop().await;
    for c in [&mut idle, &mut half, &mut kept] {
        raw::wait_closed(c).await;
    }
}
