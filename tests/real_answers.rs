//! What real Convoso deployments answer besides the reference's shapes (issue 16), end
//! to end: `headcount simulate` answers like the service, switched at runtime through
//! `PUT /_sim/faults`; `headcount run` records them; each case is checked where an
//! operator meets it: the stored outcome, the one log line on the change, `headcount
//! check`'s words, and `/metrics`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use headcount_store::{Outcome, Reader, Reads, Sample};
use serde_json::json;

/// A config polling `all` (and a list target) every second.
fn write_config(dir: &Path, base_url: &str) -> String {
    let text = format!(
        r#"[upstream]
base_url = "{base_url}"

[storage]
path = "h.db"

[schedule]
cron = "* * * * * *"

[web]
api_token_env = "HEADCOUNT_TEST_REAL_ANSWERS_API_TOKEN"

[[target]]
name = "all"

[[target]]
name = "two-campaigns"
campaign_id = [112, 111]
"#
    );
    let path = dir.join("h.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn samples(db: &Path, name: &str) -> Vec<Sample> {
    let Ok(reader) = Reader::open(db) else {
        return Vec::new();
    };
    let Ok(series) = reader.series_of(name) else {
        return Vec::new();
    };
    series
        .first()
        .map(|t| reader.samples(t.id, 0, i64::MAX).unwrap_or_default())
        .unwrap_or_default()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

struct Case {
    faults: serde_json::Value,
    outcome: Outcome,
    /// What `check` and the log say about it.
    words: &'static str,
}

#[test]
fn each_real_answer_is_stored_logged_checked_and_counted_as_what_it_is() {
    let (_sim, base_url) = common::simulator();
    let sim_root = base_url.trim_end_matches("/v1").to_owned();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &base_url);
    let db = dir.path().join("h.db");
    let log: PathBuf = dir.path().join("run.log");
    let mut cmd = common::headcount();
    cmd.args(["run", "-c", &config, "--listen", "127.0.0.1:0"])
        .env("CONVOSO_AUTH_TOKEN", "abc123")
        .env("RUST_LOG", "info")
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()));
    let mut service = common::spawn_cmd(cmd);
    let web = common::url_in(&service.wait_for_line("dashboard: http://"));
    let http = common::http();
    common::wait_until("a first ok sample", || {
        samples(&db, "all")
            .iter()
            .any(|s| s.outcome.is_ok())
            .then_some(())
    });

    let set_faults = |faults: &serde_json::Value| {
        let r = http
            .put(format!("{sim_root}/_sim/faults"))
            .json(faults)
            .send()
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().unwrap());
    };
    let cases = [
        Case {
            faults: json!({"text_error_rate": 1.0}),
            outcome: Outcome::InvalidToken,
            words: "upstream: invalid authentication token",
        },
        Case {
            faults: json!({"unauthorized_rate": 1.0}),
            outcome: Outcome::InvalidToken,
            words: "upstream: invalid authentication token",
        },
        Case {
            faults: json!({"forbidden_rate": 1.0}),
            outcome: Outcome::Forbidden,
            words: "the token is not allowed for this office or resource",
        },
        Case {
            faults: json!({"html_rate": 1.0}),
            outcome: Outcome::BadBody,
            words: "upstream: malformed response",
        },
        Case {
            faults: json!({"text_error_rate": 1.0, "text_error_code": 7005}),
            outcome: Outcome::ApiError,
            words: "upstream: api error 7005: ",
        },
    ];
    for case in &cases {
        let mark = now();
        set_faults(&case.faults);
        common::wait_until(case.outcome.as_str(), || {
            samples(&db, "all")
                .iter()
                .any(|s| s.outcome == case.outcome && s.ts > mark + 1)
                .then_some(())
        });
        // `check`, while the fault is on, says what happened and what to do.
        let (code, stdout, stderr) = common::run(
            &["check", "-c", &config],
            &[("CONVOSO_AUTH_TOKEN", "abc123")],
        );
        assert_eq!(code, Some(1), "{}: {stdout}\n{stderr}", case.outcome);
        assert!(stdout.contains(case.words), "{}: {stdout}", case.outcome);
        assert!(
            stdout.contains(&format!("{}: {}", case.outcome, case.outcome.advice())),
            "{}: {stdout}",
            case.outcome
        );
        let mark = now();
        set_faults(&json!({}));
        common::wait_until("ok again", || {
            samples(&db, "all")
                .iter()
                .any(|s| s.outcome.is_ok() && s.ts > mark + 1)
                .then_some(())
        });
    }

    // Counts sent as digit strings are counts.
    let mark = now();
    set_faults(&json!({"string_counts_rate": 1.0}));
    common::wait_until("string counts", || {
        let s = samples(&db, "all");
        (s.iter().filter(|s| s.ts > mark + 1).count() >= 2).then_some(())
    });
    set_faults(&json!({}));
    assert!(
        samples(&db, "all")
            .iter()
            .filter(|s| s.ts > mark + 1)
            .all(|s| s.outcome.is_ok() && s.available.is_some()),
        "digit strings are read as counts"
    );

    // A 429 with Retry-After: 4 s pauses polling; those slots are rate_limited, then
    // polling resumes by itself.
    let mark = now();
    set_faults(&json!({"rate_limit_rate": 1.0, "retry_after_s": 4}));
    common::wait_until("rate_limited", || {
        samples(&db, "all")
            .iter()
            .any(|s| s.outcome == Outcome::RateLimited && s.ts > mark + 1)
            .then_some(())
    });
    let limited_at = now();
    set_faults(&json!({}));
    let resumed = common::wait_until("polling resumes after the pause", || {
        samples(&db, "all")
            .iter()
            .find(|s| s.outcome.is_ok() && s.ts > limited_at)
            .map(|s| s.ts)
    });
    let all = samples(&db, "all");
    let first_limited = all
        .iter()
        .find(|s| s.outcome == Outcome::RateLimited && s.ts > mark + 1)
        .unwrap()
        .ts;
    // The slots of the pause were recorded, not polled: no latency, no gap.
    let paused: Vec<&Sample> = all
        .iter()
        .filter(|s| s.ts > first_limited && s.ts < resumed)
        .collect();
    assert!(
        paused
            .iter()
            .all(|s| s.outcome == Outcome::RateLimited && s.latency_ms.is_none()),
        "{paused:?}"
    );
    assert!(
        resumed - first_limited >= 3,
        "the pause lasted its Retry-After: {first_limited} .. {resumed}"
    );

    // /metrics counts the polls by outcome.
    let metrics = http
        .get(format!("{web}/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    for outcome in [
        "invalid_token",
        "forbidden",
        "bad_body",
        "api_error",
        "rate_limited",
    ] {
        let line = metrics
            .lines()
            .find(|l| {
                l.starts_with("headcount_polls_total{")
                    && l.contains("target=\"all\"")
                    && l.contains(&format!("outcome=\"{outcome}\""))
            })
            .unwrap_or_else(|| panic!("no count of {outcome} in /metrics"));
        let n: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(n >= 1.0, "{line}");
    }

    service.signal("TERM");
    assert_eq!(service.wait_exit(), Some(0));
    let log = std::fs::read_to_string(&log).unwrap();
    // One line per change of outcome, not one per failed poll.
    for outcome in ["forbidden", "bad_body", "api_error"] {
        let lines = log
            .lines()
            .filter(|l| {
                l.contains("target=\"all\"") && l.contains(&format!("outcome=\"{outcome}\""))
            })
            .count();
        assert_eq!(lines, 1, "{outcome}:\n{log}");
    }
    let pauses = log
        .lines()
        .filter(|l| l.contains("rate-limited us (HTTP 429)"))
        .count();
    assert!(pauses >= 1, "{log}");
}

/// What the simulator's roster says for `ids` of one filter kind at `ts`, walked here
/// agent by agent: each agent of any listed ID counted once.
fn roster_count(ts: i64, matches: impl Fn(&headcount_simulator::Agent) -> bool) -> (u32, u32) {
    let center = headcount_simulator::Center::new(headcount_simulator::CenterConfig::default());
    let (mut available, mut logged_in) = (0, 0);
    for agent in center.agents().iter().filter(|a| matches(a)) {
        let status = center.status(agent.user_id(), ts).unwrap();
        logged_in += u32::from(status.is_logged_in());
        available += u32::from(status.is_available());
    }
    (available, logged_in)
}

/// A target of campaigns 111 and 112, recorded from the simulator by the collector,
/// counts each agent of either campaign once: checked against the roster.
#[test]
fn a_list_target_recorded_from_the_simulator_counts_each_agent_once() {
    let (_sim, base_url) = common::simulator();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &base_url);
    let db = dir.path().join("h.db");
    let mut collector = common::spawn(
        &["collect", "-c", &config],
        &[("CONVOSO_AUTH_TOKEN", "abc123")],
    );
    let recorded = common::wait_until("three ok samples of the list target", || {
        let ok: Vec<Sample> = samples(&db, "two-campaigns")
            .into_iter()
            .filter(|s| s.outcome.is_ok())
            .collect();
        (ok.len() >= 3).then_some(ok)
    });
    collector.signal("TERM");
    assert_eq!(collector.wait_exit(), Some(0));
    let in_list = |a: &headcount_simulator::Agent| [111, 112].contains(&a.campaign_id());
    for s in &recorded {
        let got = (s.available.unwrap(), s.logged_in.unwrap());
        // The simulator answers for the instant it serves, at most a second past the slot.
        let want = [roster_count(s.ts, in_list), roster_count(s.ts + 1, in_list)];
        assert!(
            want.contains(&got),
            "slot {}: recorded {got:?}, roster {want:?}",
            s.ts
        );
        let alone = roster_count(s.ts, |a| a.campaign_id() == 111);
        assert!(
            got.1 > alone.1,
            "112's agents are counted too: {got:?} vs {alone:?}"
        );
    }
}

/// Queues overlap (an agent may serve several), so a queue list must count such an
/// agent once, not once per queue.
#[test]
fn a_queue_list_counts_an_agent_of_two_listed_queues_once() {
    let ts = 1_795_446_000; // Monday 2026-11-23 10:00 in New York
    let center = headcount_simulator::Center::new(headcount_simulator::CenterConfig::default());
    let serves = |a: &headcount_simulator::Agent, q: u64| a.queue_ids().any(|x| x == q);
    // Two queues some agents both serve, so that counting them once matters.
    let (q1, q2) = [
        (222, 223),
        (222, 224),
        (222, 225),
        (223, 224),
        (223, 225),
        (224, 225),
    ]
    .into_iter()
    .find(|&(q1, q2)| {
        center
            .agents()
            .iter()
            .any(|a| serves(a, q1) && serves(a, q2))
    })
    .expect("two queues sharing agents");
    let in_list = |a: &headcount_simulator::Agent| serves(a, q1) || serves(a, q2);
    let list = format!("{q2},{q1}");
    let filter = headcount_simulator::Filter::parse(None, Some(&list), None, None).unwrap();
    let c = center.count(&filter, ts);
    assert_eq!((c.available, c.logged_in), roster_count(ts, in_list));
    let one = |q: u64| {
        let f = headcount_simulator::Filter::parse(None, Some(&q.to_string()), None, None).unwrap();
        center.count(&f, ts).logged_in
    };
    assert!(
        one(q1) + one(q2) > c.logged_in,
        "an agent of both is counted once"
    );
}
