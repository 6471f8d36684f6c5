//! Thousands of random and malformed query strings against the routes that parse
//! them: never a server error; every refusal is JSON naming what it refuses.

mod common;

use axum::http::StatusCode;
use common::{Fixture, get};

/// splitmix64: a fixed seed gives the same requests on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const NAMES: &[&str] = &[
    "from",
    "to",
    "tz",
    "step",
    "compare",
    "horizon",
    "width",
    "height",
    "theme",
    "form",
    "From",
    "",
    "from%5B%5D",
    "w%69dth",
    "%00",
    "x",
];

const VALUES: &[&str] = &[
    "now",
    "now-1h",
    "now-24h",
    "now-7d",
    "now-731d",
    "now-732d",
    "now+1h",
    "now-99999999999999999999d",
    "2026-11-20",
    "2026-11-20T09:00",
    "2026-11-20T09:00:00-05:00",
    "2026-02-30",
    "0",
    "-1",
    "1795186800",
    "99999999999999999999999999",
    "253402300800",
    "1e9",
    "NaN",
    "",
    " ",
    "UTC",
    "America/New_York",
    "Europe/Paris",
    "Asia/Kathmandu",
    "Etc/GMT+12",
    "../../etc/passwd",
    "auto",
    "1m",
    "5m",
    "1h",
    "1d",
    "1w",
    "0m",
    "24",
    "168",
    "169",
    "1w",
    "100",
    "4000",
    "4001",
    "light",
    "dark",
    "日本語",
    "😀",
    "%",
    "%ZZ",
    "%FF%FE",
    "a+b",
    "<script>alert(1)</script>",
    "\"quoted\"",
];

/// A random query value: a known or malformed one, random bytes, or a long string.
fn value(rng: &mut Rng) -> String {
    match rng.below(10) {
        0 => {
            let n = rng.below(40);
            (0..n).map(|_| format!("%{:02X}", rng.below(256))).collect()
        }
        1 => "9".repeat(1 + rng.below(400)),
        2 => {
            "now-".to_owned()
                + &"1".repeat(rng.below(60))
                + rng.pick(&["s", "m", "h", "d", "w", "y"])
        }
        3 => "x".repeat(10_000 + rng.below(5000)),
        _ => form_urlencoded::byte_serialize(rng.pick(VALUES).as_bytes()).collect(),
    }
}

fn query(rng: &mut Rng) -> String {
    let n = rng.below(5);
    let mut parts = Vec::with_capacity(n);
    for _ in 0..n {
        let name = rng.pick(NAMES);
        match rng.below(12) {
            0 => parts.push(name.to_owned()),    // no `=`
            1 => parts.push(format!("{name}=")), // empty value
            2 => parts.push(String::new()),      // `&&`
            _ => parts.push(format!("{name}={}", value(rng))),
        }
    }
    parts.join("&")
}

#[tokio::test]
async fn malformed_queries_never_make_a_server_error() {
    let f = Fixture::new();
    let app = f.app();
    let mut rng = Rng(0x4845_4144_434F_554E);
    let routes = [
        "/api/v1/targets/sales/series",
        "/api/v1/targets/sales/report",
        "/api/v1/targets/sales/samples.csv",
        "/api/v1/targets/quiet/report",
        "/charts/sales/timeline.svg",
        "/charts/sales/heatmap.svg",
        "/charts/sales/trend.svg",
        "/targets/sales",
    ];
    let mut seen = [0usize; 3];
    for i in 0..3000 {
        let mut route = routes[rng.below(routes.len())].to_owned();
        // Now and then a PNG (slower to encode) or a random target name.
        if i % 25 == 0 {
            route = "/charts/sales/utilization.png".to_owned();
        }
        if i % 20 == 1 {
            // Random bytes (often invalid UTF-8: 400) or random letters (404).
            let name: String = if rng.below(2) == 0 {
                (0..1 + rng.below(12))
                    .map(|_| format!("%{:02X}", rng.below(256)))
                    .collect()
            } else {
                (0..1 + rng.below(12))
                    .map(|_| char::from(b'a' + rng.below(26) as u8))
                    .collect()
            };
            route = format!("/api/v1/targets/{name}/series");
        }
        let q = query(&mut rng);
        let uri = format!("{route}?{q}");
        let r = get(&app, &uri).await;
        let short = &uri[..uri.len().min(200)];
        assert!(
            !r.status.is_server_error(),
            "{short}: {} {}",
            r.status,
            String::from_utf8_lossy(&r.body[..r.body.len().min(300)])
        );
        match r.status {
            StatusCode::OK => seen[0] += 1,
            StatusCode::BAD_REQUEST | StatusCode::NOT_FOUND => {
                seen[if r.status == StatusCode::BAD_REQUEST {
                    1
                } else {
                    2
                }] += 1;
                // The target page answers a bad range with itself, the error shown
                // beside the picker; everything else with a JSON error naming the
                // parameter.
                if r.content_type().starts_with("text/html") {
                    assert!(route.starts_with("/targets/"), "{short}");
                    assert!(r.text().contains("class=\"error\""), "{short}");
                    continue;
                }
                assert_eq!(r.content_type(), "application/json", "{short}");
                let v = r.json();
                assert!(v["error"].is_string(), "{short}: {v}");
                assert!(v["param"].is_string(), "{short}: {v}");
            }
            other => panic!("{short}: unexpected {other}"),
        }
    }
    // The generator reaches all three outcomes, so the test exercises each.
    assert!(seen.iter().all(|&n| n > 20), "{seen:?}");
}
