//! Remote write into a real Prometheus (Debian's `prometheus`), as an operator would
//! set it up: its remote-write receiver on, an out-of-order window so that replayed
//! history is accepted. `headcount collect` polls the simulator with
//! `[export.remote_write]` configured, some polls fail, Prometheus is stopped and
//! started again mid-run, and history imported before export was configured is
//! replayed with `headcount export --remote-write`. Then Prometheus's HTTP API must
//! hold every stored sample with its timestamp and value, and show each failed poll as
//! a gap.
//!
//! Without the `prometheus` binary the test says SKIPPED with what to install, unless
//! `HEADCOUNT_REQUIRE_TOOLS` is set (as `.ci/run` does): then it fails.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use headcount_store::{OpsReads, Outcome, Reader, Reads};
use serde_json::Value;

/// The `prometheus` binary, or `None` (the test skips) when it is missing and tools
/// are not required.
fn prometheus_binary() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("prometheus"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        common::skip_without_tool(
            "remote write test",
            "no prometheus binary; install prometheus (apt-get install prometheus)",
        );
    }
    found
}

/// A Prometheus server on a loopback port, its data in `dir`.
struct Prometheus {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Prometheus {
    fn start(bin: PathBuf, dir: &Path) -> Prometheus {
        // A free port: bind, read it, let it go. Prometheus binds it again at once.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        std::fs::write(
            dir.join("prometheus.yml"),
            "storage:\n  tsdb:\n    out_of_order_time_window: 30d\n",
        )
        .unwrap();
        let mut p = Prometheus {
            bin,
            dir: dir.to_owned(),
            port,
            child: None,
        };
        p.spawn();
        p
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("prometheus.log"))
            .unwrap();
        let child = Command::new(&self.bin)
            .arg(format!(
                "--config.file={}",
                self.dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                self.dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{}", self.port))
            .arg("--web.enable-remote-write-receiver")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start prometheus");
        self.child = Some(child);
        let http = common::http();
        let ready = format!("{}/-/ready", self.url());
        common::wait_until("prometheus to be ready", || {
            let r = http.get(&ready).send().ok()?;
            (r.status() == 200).then_some(())
        });
    }

    /// Stops the server with SIGTERM and waits for it (it flushes its WAL).
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let _ = child.wait();
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `GET /api/v1/query` (or `query_range` with `range`), the `result` array.
    fn query(&self, q: &str, time: i64, range: Option<(i64, i64, i64)>) -> Vec<Value> {
        let http = common::http();
        let mut params = vec![("query", q.to_owned())];
        let path = match range {
            None => {
                params.push(("time", time.to_string()));
                "query"
            }
            Some((start, end, step)) => {
                params.push(("start", start.to_string()));
                params.push(("end", end.to_string()));
                params.push(("step", step.to_string()));
                "query_range"
            }
        };
        let v: Value = http
            .get(format!("{}/api/v1/{path}", self.url()))
            .query(&params)
            .send()
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(v["status"], "success", "{q}: {v}");
        v["data"]["result"].as_array().unwrap().clone()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The (ts, value) pairs of a range-vector result, by the series' `target` label.
fn points(result: &[Value]) -> BTreeMap<String, Vec<(i64, f64)>> {
    let mut out = BTreeMap::new();
    for series in result {
        let target = series["metric"]["target"].as_str().unwrap().to_owned();
        let values = series["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let ts = p[0].as_f64().unwrap();
                assert_eq!(ts.fract(), 0.0, "a whole-second timestamp: {ts}");
                (ts as i64, p[1].as_str().unwrap().parse::<f64>().unwrap())
            })
            .collect();
        out.insert(target, values);
    }
    out
}

fn write_config(dir: &Path, base_url: &str, remote_write: Option<&str>) -> String {
    let export = remote_write.map_or(String::new(), |url| {
        format!(
            "[export.remote_write]\nurl = \"{url}/api/v1/write\"\nlabels = {{ center = \"test\", replica = \"a\" }}\nflush_interval = \"200ms\"\nbatch_size = 50\n"
        )
    });
    let text = format!(
        r#"[upstream]
base_url = "{base_url}"

[storage]
path = "history.db"

[schedule]
cron = "*/2 * * * * *"

{export}
[[target]]
name = "all"

[[target]]
name = "sales"
campaign_id = 111
"#
    );
    let name = if remote_write.is_some() {
        "headcount.toml"
    } else {
        "before-export.toml"
    };
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// A stored poll: (ts, outcome, available, logged in).
type Stored = (i64, Outcome, Option<u32>, Option<u32>);

/// Stored samples of `name` (every series under it).
fn stored(db: &Path, name: &str) -> Vec<Stored> {
    let reader = Reader::open(db).unwrap();
    let mut out = Vec::new();
    for t in reader.series_of(name).unwrap() {
        for s in reader.samples(t.id, 0, i64::MAX).unwrap() {
            out.push((s.ts, s.outcome, s.available, s.logged_in));
        }
    }
    out.sort_by_key(|s| s.0);
    out
}

fn set_faults(sim_base: &str, json: &str) {
    let root = sim_base.trim_end_matches("/v1");
    let r = common::http()
        .put(format!("{root}/_sim/faults"))
        .header("content-type", "application/json")
        .body(json.to_owned())
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
}

#[test]
fn prometheus_holds_every_stored_sample_and_each_failed_poll_is_a_gap() {
    let Some(bin) = prometheus_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let prom_dir = dir.path().join("prometheus");
    std::fs::create_dir(&prom_dir).unwrap();
    let mut prom = Prometheus::start(bin, &prom_dir);
    let (_sim, base_url) = common::simulator();
    let db = dir.path().join("history.db");

    // History from before export was configured: two days ago, one sample a minute
    // for three hours, imported with a config that has no [export].
    let before = write_config(dir.path(), &base_url, None);
    let now = chrono::Utc::now().timestamp();
    let h0 = (now - 2 * 86_400) / 60 * 60;
    let mut csv = String::from("ts,available,logged_in\n");
    for k in 0..180 {
        csv.push_str(&format!("{},{},{}\n", h0 + 60 * k, k % 9, 20 + k % 5));
    }
    let csv_path = dir.path().join("history.csv");
    std::fs::write(&csv_path, csv).unwrap();
    let (code, _, err) = common::run(
        &[
            "import",
            "--config",
            &before,
            "--target",
            "sales",
            csv_path.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, Some(0), "{err}");

    // Live collection with export on.
    let config = write_config(dir.path(), &base_url, Some(&prom.url()));
    let mut collect = common::spawn(
        &["collect", "--config", &config],
        &[("CONVOSO_AUTH_TOKEN", "abc123"), ("RUST_LOG", "warn")],
    );
    common::wait_until("3 live polls", || {
        let live = stored(&db, "sales").iter().filter(|s| s.0 > now).count();
        (live >= 3).then_some(())
    });
    // Failing polls: the upstream answers 500 for a while.
    set_faults(&base_url, r#"{"error_rate": 1}"#);
    common::wait_until("failed polls", || {
        let failed = stored(&db, "sales")
            .iter()
            .filter(|s| s.1 != Outcome::Ok)
            .count();
        (failed >= 2).then_some(())
    });
    set_faults(&base_url, "{}");
    // The receiver goes away for a few polls, then comes back with its data.
    prom.stop();
    let n = stored(&db, "sales").len();
    common::wait_until("polls while prometheus is down", || {
        (stored(&db, "sales").len() >= n + 3).then_some(())
    });
    prom.spawn();
    let n = stored(&db, "sales").len();
    common::wait_until("polls after prometheus is back", || {
        (stored(&db, "sales").len() >= n + 2).then_some(())
    });
    // The exporter retries on its backoff (up to 30 s apart after a long outage): a
    // fixed number of polls may end before its next try. Wait for the outbox to
    // empty, bounded by the tests' patience.
    common::wait_until("the outbox delivered after prometheus is back", || {
        let status = Reader::open(&db).ok()?.export_status().ok()??;
        (status.pending == 0).then_some(())
    });
    collect.signal("TERM");
    assert_eq!(collect.wait_exit(), Some(0));
    let status = Reader::open(&db).unwrap().export_status().unwrap().unwrap();
    assert_eq!(status.pending, 0, "{status:?}");
    assert_eq!(status.failed, 0, "{status:?}");

    // The history from before export, replayed; its default end is where the live
    // export began, so nothing live is sent twice.
    let (code, out, err) = common::run(
        &[
            "export",
            "--config",
            &config,
            "--remote-write",
            "--from",
            &h0.to_string(),
        ],
        &[],
    );
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(
        out.contains("sent 180 raw samples and 0 15-minute rollups"),
        "{out}"
    );

    // Every stored sample, in Prometheus with its timestamp and value.
    let end = chrono::Utc::now().timestamp() + 1;
    for name in ["sales", "all"] {
        let samples = stored(&db, name);
        let ok = |f: fn(&Stored) -> Option<u32>| {
            samples
                .iter()
                .filter_map(|s| f(s).map(|v| (s.0, f64::from(v))))
                .collect::<Vec<_>>()
        };
        let window = format!("{}s", end - h0 + 60);
        for (metric, want) in [
            ("headcount_available_agents", ok(|s| s.2)),
            ("headcount_logged_in_agents", ok(|s| s.3)),
        ] {
            let got = points(&prom.query(
                &format!("{metric}{{target=\"{name}\",replica=\"a\",center=\"test\"}}[{window}]"),
                end,
                None,
            ));
            assert_eq!(got.len(), 1, "{metric} {name}: one series: {got:?}");
            assert_eq!(got[name], want, "{metric} of {name}");
        }
        let up: Vec<(i64, f64)> = samples
            .iter()
            .map(|s| (s.0, if s.1 == Outcome::Ok { 1.0 } else { 0.0 }))
            .collect();
        let got = points(&prom.query(
            &format!("headcount_poll_up{{target=\"{name}\"}}[{window}]"),
            end,
            None,
        ));
        assert_eq!(got[name], up, "headcount_poll_up of {name}");
    }

    // A failed poll is a gap: no value at its slot, and its kind is recorded.
    let failed: Vec<(i64, Outcome)> = stored(&db, "sales")
        .iter()
        .filter(|s| s.1 != Outcome::Ok)
        .map(|s| (s.0, s.1))
        .collect();
    assert!(failed.len() >= 2);
    for (ts, _) in &failed {
        let at = prom.query(
            "headcount_available_agents{target=\"sales\"}",
            0,
            Some((*ts, *ts, 1)),
        );
        assert!(at.is_empty(), "a value at the failed slot {ts}: {at:?}");
    }
    let why = prom.query(
        &format!("headcount_poll_failed{{target=\"sales\"}}[{}s]", end - h0),
        end,
        None,
    );
    let mut got: Vec<(i64, String)> = Vec::new();
    for series in &why {
        let outcome = series["metric"]["outcome"].as_str().unwrap().to_owned();
        for p in series["values"].as_array().unwrap() {
            assert_eq!(p[1], "1");
            got.push((p[0].as_f64().unwrap() as i64, outcome.clone()));
        }
    }
    got.sort();
    let want: Vec<(i64, String)> = failed
        .iter()
        .map(|(ts, o)| (*ts, o.as_str().to_owned()))
        .collect();
    assert_eq!(got, want, "the failures and their kinds");
    prom.stop();
}
