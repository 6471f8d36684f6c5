//! The server out of file descriptors: alone in its test binary, because it lowers
//! this process's open-file limit.

#![cfg(target_os = "linux")]

mod common;

use std::time::Duration;

use common::{Fixture, raw};
use headcount_web::ServerLimits;
use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
use tokio::net::TcpSocket;

fn open_files() -> u64 {
    std::fs::read_dir("/proc/self/fd").unwrap().count() as u64
}

/// Restores the open-file limit when dropped, whatever the test did.
struct Restore(Rlimit);

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = setrlimit(Resource::Nofile, self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_file_descriptors_the_server_closes_waiting_connections_and_answers() {
    let f = Fixture::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let limits = ServerLimits {
        // Far more than the process can open: here `accept` runs out of files first.
        max_connections: 100_000,
        header_read_timeout: Duration::from_secs(600),
        idle_timeout: Duration::from_secs(600),
        ..ServerLimits::default()
    };
    let server = tokio::spawn(headcount_web::serve(
        listener,
        f.state(),
        limits,
        async move {
            let _ = stopped.await;
        },
    ));
    // A first request opens a database reader.
    assert_eq!(raw::get(addr, "/healthz", &[]).await.status, 200);

    // The clients' sockets are made while files are plenty: only the server's side
    // needs new ones below.
    let idle_sockets: Vec<TcpSocket> = (0..100).map(|_| TcpSocket::new_v4().unwrap()).collect();
    let probe = TcpSocket::new_v4().unwrap();
    let before = getrlimit(Resource::Nofile);
    let _restore = Restore(before);
    let allowed = open_files() + 64;
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(allowed),
            maximum: before.maximum,
        },
    )
    .unwrap();

    // 100 connections that say nothing: more than the 64 files left.
    let mut idle = Vec::new();
    for s in idle_sockets {
        idle.push(s.connect(addr).await.unwrap());
    }
    // A new client is answered, from the database.
    let mut probe = probe.connect(addr).await.unwrap();
    raw::send_get(&mut probe, "/healthz", &[], true).await;
    let r = raw::read_response(&mut probe).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ok");
    // To make room, the server closed at least 100 - 64 of the idle ones (waited
    // for: a closing connection's end travels on its own time).
    let want = 100 - 64;
    let deadline = std::time::Instant::now() + raw::PATIENCE;
    let mut is_closed = vec![false; idle.len()];
    let closed = loop {
        for (c, done) in idle.iter().zip(is_closed.iter_mut()) {
            let mut byte = [0u8; 1];
            match c.try_read(&mut byte) {
                Ok(0) => *done = true,
                Err(e) if e.kind() != std::io::ErrorKind::WouldBlock => *done = true,
                _ => {}
            }
        }
        let closed = is_closed.iter().filter(|d| **d).count();
        if closed >= want || std::time::Instant::now() > deadline {
            break closed;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(closed >= want, "{closed} closed");

    drop(_restore);
    drop(idle);
    let _ = stop.send(());
    tokio::time::timeout(raw::PATIENCE, server)
        .await
        .expect("the server stops")
        .unwrap();
}
