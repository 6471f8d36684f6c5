//! Serves [`headcount_web::app`] with [`headcount_web::serve`] on a real socket over a fixture database, for load
//! tests and for looking at the dashboard:
//!
//! ```text
//! cargo run --release -p headcount-web --example serve_fixture -- [PORT]
//! wrk -t2 -c64 -d10s http://127.0.0.1:PORT/api/v1/targets/sales/latest
//! ```
//!
//! The fixture (the integration tests' own: 8 days of `sales` every minute, `all`
//! every 15 minutes, `quiet` without data) is written to a temporary directory and
//! ends at the current time. Binds 127.0.0.1 only; Ctrl-C stops it.

#[path = "../tests/common/mod.rs"]
mod common;

use headcount_web::{AppState, ServerLimits};

fn main() {
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = std::env::var("MAX_BLOCKING")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        rt.max_blocking_threads(n);
    }
    rt.enable_all().build().expect("runtime").block_on(serve());
}

async fn serve() {
    let port: u16 = std::env::args()
        .nth(1)
        .map(|p| p.parse().expect("PORT: a number"))
        .unwrap_or(0);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = dir.path().join("headcount.db");
    let now = chrono::Utc::now().timestamp();
    common::build(&db, now - now % 60);
    let state = AppState::new(&db, common::targets(), common::settings()).with_slas(common::slas());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    println!("serving http://{addr}/ (database {})", db.display());
    headcount_web::serve(listener, state, ServerLimits::default(), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
}
