//! The server's answers on the demo's history, byte for byte, against files in
//! `tests/data/golden/`: a refactoring that changes no behaviour leaves every one of
//! them identical. A change that means to alter an answer rewrites them with
//! `HEADCOUNT_BLESS=1 cargo test golden`, and the diff of `tests/data/golden/` shows
//! what changed.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::Request;
use headcount_simulator::{Center, CenterConfig};
use headcount_store::Store;
use tower::ServiceExt as _;

/// Monday 2026-11-23 12:00:07 in New York: the demo's `now`.
const NOW: i64 = 1_795_453_207;

/// Requests and the file each answer is kept in.
const REQUESTS: &[(&str, &str)] = &[
    ("targets.json", "/api/v1/targets"),
    ("latest-sales.json", "/api/v1/targets/sales/latest"),
    ("latest-agent.json", "/api/v1/targets/agent-12345/latest"),
    (
        "series-sales-1m.json",
        "/api/v1/targets/sales/series?from=now-2h&step=1m",
    ),
    (
        "series-sales-5m.json",
        "/api/v1/targets/sales/series?from=now-12h&step=5m",
    ),
    (
        "series-all-auto.json",
        "/api/v1/targets/all/series?from=now-7d",
    ),
    (
        "series-queue-1h-kolkata.json",
        "/api/v1/targets/bilingual-queue/series?from=now-3d&step=1h&tz=Asia/Kolkata",
    ),
    (
        "series-spanish-1d.json",
        "/api/v1/targets/spanish/series?from=now-9d&step=1d",
    ),
    (
        "report-sales-7d.json",
        "/api/v1/targets/sales/report?from=now-7d",
    ),
    (
        "report-all-9d-london.json",
        "/api/v1/targets/all/report?from=now-9d&tz=Europe/London&compare=1d&horizon=48",
    ),
    (
        "report-agent-3d.json",
        "/api/v1/targets/agent-12345/report?from=now-3d",
    ),
    (
        "samples-sales.csv",
        "/api/v1/targets/sales/samples.csv?from=now-1h",
    ),
    (
        "chart-timeline.svg",
        "/charts/sales/timeline.svg?from=now-7d",
    ),
    (
        "chart-utilization.svg",
        "/charts/all/utilization.svg?from=now-2d&theme=dark",
    ),
    ("chart-heatmap.svg", "/charts/sales/heatmap.svg?from=now-9d"),
    ("chart-peak.svg", "/charts/support/peak.svg?from=now-7d"),
    (
        "chart-trend.svg",
        "/charts/bilingual-queue/trend.svg?from=now-9d",
    ),
    (
        "chart-timeline.png",
        "/charts/sales/timeline.png?from=now-1d&width=600&height=300",
    ),
    ("openapi.json", "/api/openapi.json"),
    ("metrics.txt", "/metrics"),
    ("dashboard.html", "/"),
    ("target-sales.html", "/targets/sales?from=now-7d"),
    ("error-unknown.json", "/api/v1/targets/nope/latest"),
    ("error-step.json", "/api/v1/targets/sales/series?step=2m"),
    (
        "error-from.json",
        "/api/v1/targets/sales/report?from=yesterday",
    ),
];

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/golden")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_answers_the_demo_history_as_the_golden_files_say() {
    let dir = tempfile::tempdir().unwrap();
    let config = crate::demo::golden_config(dir.path());
    let center = Center::new(CenterConfig::default());
    let db = config.storage.path.clone();
    let seeded_config = config.clone();
    tokio::task::spawn_blocking(move || {
        let mut store = Store::open(&db).unwrap();
        crate::demo::seed_for_golden(&mut store, &seeded_config, &center, 9, NOW);
        store.checkpoint().unwrap();
    })
    .await
    .unwrap();

    let state = crate::serve::app_state(&config).unwrap().with_clock(|| NOW);
    let app = headcount_web::app(state);
    let bless = std::env::var_os("HEADCOUNT_BLESS").is_some();
    let golden = golden_dir();
    if bless {
        std::fs::create_dir_all(&golden).unwrap();
    }
    let mut differ = Vec::new();
    for (file, uri) in REQUESTS {
        let resp = app
            .clone()
            .oneshot(Request::builder().uri(*uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let ctype = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let mut got = format!("{status} {ctype}\n").into_bytes();
        got.extend_from_slice(&body);
        let path = golden.join(file);
        if bless {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; bless with HEADCOUNT_BLESS=1", path.display()));
        if want != got {
            differ.push(format!("{file} ({uri})"));
        }
    }
    assert!(
        differ.is_empty(),
        "answers differ from tests/data/golden: {differ:?}; if the change is meant, \
         rewrite them with HEADCOUNT_BLESS=1 and review the diff"
    );
}
