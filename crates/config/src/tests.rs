use std::path::Path;
use std::time::Duration;

use chrono::Weekday;

use super::*;

/// The full example of design.md's "The config file", verbatim.
const DESIGN_EXAMPLE: &str = r#"
[upstream]
base_url = "https://api.convoso.com/v1"   # the simulator: http://127.0.0.1:PORT/v1
auth_token_env = "CONVOSO_AUTH_TOKEN"      # the token is read from this variable
method = "POST"                            # or "GET"
timeout = "5s"
concurrency = 8

[storage]
path = "headcount.db"
raw_retention = "35d"                      # rollups are kept until rollup_retention
rollup_retention = "forever"

[schedule]
cron = "*/15 * * * * *"                    # 6 fields, seconds first, UTC

[report]
timezone = "America/New_York"              # the center's local time
peak = { days = ["mon", "tue", "wed", "thu", "fri"], hours = "09:00-17:00" }
thresholds = { healthy = 20, monitor = 10, warning = 5 }   # available %, the reference's table

[web]
listen = "127.0.0.1:8080"
api_token_env = "HEADCOUNT_API_TOKEN"      # when that variable is set, requests need it

[[target]]
name = "all"                               # no filter: system-wide

[[target]]
name = "sales"
campaign_id = "111"
cron = "*/5 * * * * *"                     # overrides [schedule]

[[target]]
name = "bilingual-queue"
queue_id = "222"
skills = ["english", "spanish"]
"#;

/// design.md: "Only `upstream.base_url` and one `[[target]]` are required."
const MINIMAL: &str = r#"
[upstream]
base_url = "http://127.0.0.1:8090/v1"

[[target]]
name = "all"
"#;

fn parse(text: &str) -> Result<Config> {
    Config::parse(text, Path::new("/etc/headcount"))
}

#[test]
fn the_design_example_parses_into_its_values() {
    let c = parse(DESIGN_EXAMPLE).unwrap();
    assert_eq!(c.upstream.base_url, "https://api.convoso.com/v1");
    assert_eq!(c.upstream.auth_token_env, "CONVOSO_AUTH_TOKEN");
    assert_eq!(c.upstream.method, Method::Post);
    assert_eq!(c.upstream.timeout, Duration::from_secs(5));
    assert_eq!(c.upstream.concurrency, 8);
    assert_eq!(c.storage.path, Path::new("/etc/headcount/headcount.db"));
    assert_eq!(
        c.storage.raw_retention,
        Retention::For(Duration::from_secs(35 * 86_400))
    );
    assert_eq!(c.storage.rollup_retention, Retention::Forever);
    assert_eq!(c.schedule.expr(), "*/15 * * * * *");
    assert_eq!(c.report.timezone, chrono_tz::America::New_York);
    assert_eq!(
        c.report.peak.day_names(),
        ["mon", "tue", "wed", "thu", "fri"]
    );
    assert_eq!(
        (c.report.peak.start_minute(), c.report.peak.end_minute()),
        (540, 1020)
    );
    assert_eq!(c.report.thresholds, Thresholds::new(20, 10, 5).unwrap());
    assert_eq!(c.web.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(c.web.api_token_env, "HEADCOUNT_API_TOKEN");

    let names: Vec<&str> = c.targets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["all", "sales", "bilingual-queue"]);
    let all = &c.targets[0];
    assert!(all.filters.is_empty());
    assert_eq!(all.filters_json(), "{}");
    assert_eq!(all.timeout, Duration::from_secs(5));
    let sales = c.target("sales").unwrap();
    assert_eq!(sales.filters.campaign_id.as_deref(), Some("111"));
    assert_eq!(sales.schedule.expr(), "*/5 * * * * *");
    assert!(sales.own_schedule);
    // 80% of its 5-second interval: a poll ends before the next slot.
    assert_eq!(sales.timeout, Duration::from_secs(4));
    let queue = c.target("bilingual-queue").unwrap();
    assert_eq!(
        queue.filters_json(),
        r#"{"queue_id":"222","skills":["english","spanish"]}"#
    );
    assert_eq!(queue.schedule.expr(), "*/15 * * * * *");
    assert_eq!(c.min_interval(), Duration::from_secs(5));
}

#[test]
fn the_minimal_config_gets_every_default() {
    let c = parse(MINIMAL).unwrap();
    assert_eq!(c.upstream.auth_token_env, "CONVOSO_AUTH_TOKEN");
    assert_eq!(c.upstream.method, Method::Post);
    assert_eq!(c.upstream.timeout, Duration::from_secs(5));
    assert_eq!(c.upstream.concurrency, 8);
    assert_eq!(c.storage.path, Path::new("/etc/headcount/headcount.db"));
    assert_eq!(
        c.storage.raw_retention,
        Retention::For(Duration::from_secs(35 * 86_400))
    );
    assert_eq!(c.storage.rollup_retention, Retention::Forever);
    assert_eq!(c.schedule.expr(), "*/15 * * * * *");
    assert_eq!(c.report.timezone, chrono_tz::Tz::UTC);
    assert_eq!(
        c.report.peak.days().collect::<Vec<_>>(),
        [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri
        ]
    );
    assert_eq!(c.report.peak.hours(), "09:00-17:00");
    assert_eq!(
        (
            c.report.thresholds.healthy(),
            c.report.thresholds.monitor(),
            c.report.thresholds.warning()
        ),
        (20, 10, 5)
    );
    assert_eq!(c.web.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(c.web.api_token_env, "HEADCOUNT_API_TOKEN");
    assert_eq!(c.log, LogConfig::default());
    assert_eq!(c.targets[0].timeout, Duration::from_secs(5));
}

#[test]
fn the_init_example_parses() {
    let c = parse(EXAMPLE).unwrap();
    assert_eq!(c.upstream.base_url, "http://127.0.0.1:8090/v1");
    let names: Vec<&str> = c.targets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["all", "sales", "bilingual-queue", "agent-12345"]);
    assert_eq!(
        c.target("sales").unwrap().filters.campaign_id.as_deref(),
        Some("111")
    );
    assert_eq!(
        c.target("agent-12345").unwrap().filters.user_id.as_deref(),
        Some("12345")
    );
    assert_eq!(c.log.format, LogFormat::Text);
    assert_eq!(c.log.level.as_deref(), Some("info"));
}

#[test]
fn ids_may_be_strings_or_integers() {
    let c = parse(
        r#"
[upstream]
base_url = "http://x/v1"
[[target]]
name = "a"
campaign_id = 111
queue_id = "222"
user_id = 12345
"#,
    )
    .unwrap();
    let f = &c.targets[0].filters;
    assert_eq!(f.campaign_id.as_deref(), Some("111"));
    assert_eq!(f.queue_id.as_deref(), Some("222"));
    assert_eq!(f.user_id.as_deref(), Some("12345"));
    assert_eq!(
        c.targets[0].filters_json(),
        r#"{"campaign_id":"111","queue_id":"222","user_id":"12345"}"#
    );
}

#[test]
fn id_lists_are_arrays_or_comma_strings_sent_canonical() {
    let c = parse(
        r#"
[upstream]
base_url = "http://x/v1"
max_agents = 5000
[[target]]
name = "a"
campaign_id = [112, "111", 111]
queue_id = " 4311, 4310 "
"#,
    )
    .unwrap();
    let f = &c.targets[0].filters;
    assert_eq!(f.campaign_id.as_deref(), Some("111,112"));
    assert_eq!(f.queue_id.as_deref(), Some("4310,4311"));
    assert_eq!(
        c.targets[0].filters_json(),
        r#"{"campaign_id":"111,112","queue_id":"4310,4311"}"#
    );
    assert_eq!(c.upstream.max_agents, 5000);
    let token = headcount_convoso::AuthToken::new("t".to_owned());
    assert_eq!(c.client_config(token).max_agents, 5000);
}

#[test]
fn credentials_in_the_base_url_are_never_echoed() {
    let e = parse(
        "[upstream]\nbase_url = \"https://ops:hunter2@api.convoso.com/v1\"\n[[target]]\nname = \"a\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(!e.contains("ops") && !e.contains("hunter2"), "{e}");
}

#[test]
fn durations_take_every_documented_unit() {
    let cases = [
        ("500ms", Duration::from_millis(500)),
        ("5s", Duration::from_secs(5)),
        ("15m", Duration::from_secs(900)),
        ("2h", Duration::from_secs(7200)),
        ("35d", Duration::from_secs(35 * 86_400)),
        ("2w", Duration::from_secs(14 * 86_400)),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_duration(text).unwrap(), expected, "{text}");
        let c = parse(&format!(
            "[upstream]\nbase_url = \"http://x/v1\"\n[storage]\nraw_retention = \"{text}\"\n[[target]]\nname = \"a\"\n"
        ))
        .unwrap();
        assert_eq!(c.storage.raw_retention, Retention::For(expected));
    }
}

#[test]
fn a_relative_database_path_is_relative_to_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("conf.toml");
    std::fs::write(
        &file,
        "[upstream]\nbase_url = \"http://x/v1\"\n[storage]\npath = \"data/h.db\"\n[[target]]\nname = \"a\"\n",
    )
    .unwrap();
    let c = Config::load(&file).unwrap();
    assert_eq!(c.storage.path, dir.path().join("data/h.db"));
    assert_eq!(c.source.as_deref(), Some(file.as_path()));
}

#[test]
fn a_default_timeout_is_clamped_to_the_fastest_schedule() {
    let c = parse(
        "[upstream]\nbase_url = \"http://x/v1\"\n[schedule]\ncron = \"* * * * * *\"\n[[target]]\nname = \"a\"\n",
    )
    .unwrap();
    assert_eq!(c.targets[0].timeout, Duration::from_millis(800));
}

#[test]
fn the_upstream_token_comes_from_the_named_variable() {
    let var = "HEADCOUNT_TEST_TOKEN_4F2A";
    let c = parse(&format!(
        "[upstream]\nbase_url = \"http://x/v1\"\nauth_token_env = \"{var}\"\n[[target]]\nname = \"a\"\n"
    ))
    .unwrap();
    // SAFETY of the test: no other test reads or writes this variable.
    let err = c.upstream_token().unwrap_err().to_string();
    assert_eq!(
        err,
        format!("upstream token: environment variable {var} is not set")
    );
}

/// Each bad input, the line its error must name, and text the message must contain.
const BAD: &[(&str, &str, usize, &str)] = &[
    (
        "unknown key in a target",
        "[upstream]\nbase_url = \"http://x/v1\"\n\n[[target]]\nname = \"all\"\n\n[[target]]\nname = \"sales\"\ncampain_id = \"111\"\n",
        9,
        "target \"sales\": unknown key \"campain_id\"",
    ),
    (
        "unknown key in a section",
        "[upstream]\nbase_url = \"http://x/v1\"\ntimout = \"5s\"\n[[target]]\nname = \"a\"\n",
        3,
        "upstream: unknown key \"timout\"",
    ),
    (
        "unknown section",
        "[upstream]\nbase_url = \"http://x/v1\"\n[[target]]\nname = \"a\"\n[dashboard]\nx = 1\n",
        5,
        "unknown key \"dashboard\"",
    ),
    (
        "unknown key in an inline table",
        "[upstream]\nbase_url = \"http://x/v1\"\n[report]\npeak = { days = [\"mon\"], hour = \"09:00-17:00\" }\n[[target]]\nname = \"a\"\n",
        4,
        "report.peak: unknown key \"hour\"",
    ),
    (
        "duplicate target name",
        "[upstream]\nbase_url = \"http://x/v1\"\n[[target]]\nname = \"a\"\n[[target]]\nname = \"a\"\n",
        6,
        "target \"a\": duplicate name (first used on line 4)",
    ),
    (
        "bad cron in [schedule]",
        "[upstream]\nbase_url = \"http://x/v1\"\n[schedule]\ncron = \"*/15 * * * *\"\n[[target]]\nname = \"a\"\n",
        4,
        "schedule.cron: \"*/15 * * * *\": expected 6 fields",
    ),
    (
        "bad cron in a target",
        "[upstream]\nbase_url = \"http://x/v1\"\n[[target]]\nname = \"a\"\ncron = \"99 * * * * *\"\n",
        5,
        "target \"a\": cron: \"99 * * * * *\"",
    ),
    (
        "unknown time zone",
        "[upstream]\nbase_url = \"http://x/v1\"\n[report]\ntimezone = \"Mars/Base\"\n[[target]]\nname = \"a\"\n",
        4,
        "report.timezone: unknown time zone \"Mars/Base\"",
    ),
    (
        "bad duration",
        "[upstream]\nbase_url = \"http://x/v1\"\ntimeout = \"5 parsecs\"\n[[target]]\nname = \"a\"\n",
        3,
        "upstream.timeout: \"5 parsecs\" is not a duration",
    ),
    (
        "zero duration",
        "[upstream]\nbase_url = \"http://x/v1\"\ntimeout = \"0s\"\n[[target]]\nname = \"a\"\n",
        3,
        "upstream.timeout: \"0s\": must be greater than zero",
    ),
    (
        "bad retention",
        "[upstream]\nbase_url = \"http://x/v1\"\n[storage]\nraw_retention = \"always\"\n[[target]]\nname = \"a\"\n",
        4,
        "storage.raw_retention: \"always\" is not a duration",
    ),
    (
        "rollups kept shorter than samples",
        "[upstream]\nbase_url = \"http://x/v1\"\n[storage]\nraw_retention = \"35d\"\nrollup_retention = \"7d\"\n[[target]]\nname = \"a\"\n",
        5,
        "storage.rollup_retention: 7d is shorter than raw_retention (35d)",
    ),
    (
        "timeout longer than 80% of the interval",
        "[upstream]\nbase_url = \"http://x/v1\"\ntimeout = \"5s\"\n[schedule]\ncron = \"*/5 * * * * *\"\n[[target]]\nname = \"a\"\n",
        3,
        "upstream.timeout: 5s is more than 80% of the shortest interval between polls (5s, cron \"*/5 * * * * *\" of target \"a\"); use at most 4s",
    ),
    (
        "bad peak day",
        "[upstream]\nbase_url = \"http://x/v1\"\n[report]\npeak = { days = [\"mon\", \"funday\"] }\n[[target]]\nname = \"a\"\n",
        4,
        "report.peak.days: unknown day \"funday\"",
    ),
    (
        "peak hours off the quarter hour",
        "[upstream]\nbase_url = \"http://x/v1\"\n[report]\npeak = { hours = \"09:10-17:00\" }\n[[target]]\nname = \"a\"\n",
        4,
        "report.peak.hours: minutes not a multiple of 15",
    ),
    (
        "peak hours malformed",
        "[upstream]\nbase_url = \"http://x/v1\"\n[report]\npeak = { hours = \"9-5\" }\n[[target]]\nname = \"a\"\n",
        4,
        "report.peak.hours: bad start in \"9-5\"",
    ),
    (
        "peak hours empty",
        "[upstream]\nbase_url = \"http://x/v1\"\n[report]\npeak = { hours = \"09:00-09:00\" }\n[[target]]\nname = \"a\"\n",
        4,
        "report.peak.hours: empty window",
    ),
    (
        "thresholds out of order",
        "[upstream]\nbase_url = \"http://x/v1\"\n[report]\nthresholds = { healthy = 10, monitor = 20, warning = 5 }\n[[target]]\nname = \"a\"\n",
        4,
        "report.thresholds: need warning < monitor < healthy, got warning = 5, monitor = 20, healthy = 10",
    ),
    (
        "threshold above 100",
        "[upstream]\nbase_url = \"http://x/v1\"\n[report]\nthresholds = { healthy = 120 }\n[[target]]\nname = \"a\"\n",
        4,
        "report.thresholds.healthy: 120 is not a whole percent in 0..=100",
    ),
    (
        "threshold not a number",
        "[upstream]\nbase_url = \"http://x/v1\"\n[report]\nthresholds = { healthy = \"20\" }\n[[target]]\nname = \"a\"\n",
        4,
        "report.thresholds.healthy: invalid type: string \"20\", expected an integer",
    ),
    (
        "empty targets list",
        "target = []\n[upstream]\nbase_url = \"http://x/v1\"\n",
        1,
        "target: empty list",
    ),
    (
        "missing base_url",
        "[upstream]\nmethod = \"GET\"\n[[target]]\nname = \"a\"\n",
        1,
        "upstream: missing key \"base_url\"",
    ),
    (
        "base_url not a URL",
        "[upstream]\nbase_url = \"api.convoso.com/v1\"\n[[target]]\nname = \"a\"\n",
        2,
        "upstream.base_url \"api.convoso.com/v1\": not a valid URL",
    ),
    (
        "bad method",
        "[upstream]\nbase_url = \"http://x/v1\"\nmethod = \"PUT\"\n[[target]]\nname = \"a\"\n",
        3,
        "upstream.method: unknown method \"PUT\", expected \"POST\" or \"GET\"",
    ),
    (
        "bad concurrency",
        "[upstream]\nbase_url = \"http://x/v1\"\nconcurrency = 0\n[[target]]\nname = \"a\"\n",
        3,
        "upstream.concurrency: 0 is out of range",
    ),
    (
        "bad listen address",
        "[upstream]\nbase_url = \"http://x/v1\"\n[web]\nlisten = \"localhost\"\n[[target]]\nname = \"a\"\n",
        4,
        "web.listen: \"localhost\" is not an IP address and port",
    ),
    (
        "target name with a slash",
        "[upstream]\nbase_url = \"http://x/v1\"\n[[target]]\nname = \"sales/east\"\n",
        4,
        "target #1: name \"sales/east\" has '/'",
    ),
    (
        "target name too long",
        "[upstream]\nbase_url = \"http://x/v1\"\n[[target]]\nname = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n",
        4,
        "must be 1 to 64 characters long",
    ),
    (
        "target without a name",
        "[upstream]\nbase_url = \"http://x/v1\"\n[[target]]\ncampaign_id = 1\n",
        3,
        "target #1: missing key \"name\"",
    ),
    (
        "empty ID",
        "[upstream]\nbase_url = \"http://x/v1\"\n[[target]]\nname = \"a\"\nqueue_id = \" \"\n",
        5,
        "target \"a\": queue_id: empty",
    ),
    (
        "ID of the wrong type",
        "[upstream]\nbase_url = \"http://x/v1\"\n[[target]]\nname = \"a\"\ncampaign_id = true\n",
        5,
        "target \"a\": campaign_id: invalid type: boolean `true`, expected an ID as a string or an integer",
    ),
    (
        "bad log format",
        "[upstream]\nbase_url = \"http://x/v1\"\n[log]\nformat = \"xml\"\n[[target]]\nname = \"a\"\n",
        4,
        "log.format: unknown format \"xml\"",
    ),
    (
        "bad log level",
        "[upstream]\nbase_url = \"http://x/v1\"\n[log]\nlevel = \"loud\"\n[[target]]\nname = \"a\"\n",
        4,
        "log.level: \"loud\" is not a level",
    ),
    (
        "duplicate key",
        "[upstream]\nbase_url = \"http://x/v1\"\nbase_url = \"http://y/v1\"\n[[target]]\nname = \"a\"\n",
        3,
        "duplicate key \"base_url\"",
    ),
    (
        "TOML syntax error",
        "[upstream]\nbase_url = \"http://x/v1\n[[target]]\nname = \"a\"\n",
        2,
        "",
    ),
    (
        "a bad element in an ID list",
        "[upstream]\nbase_url = \"http://x/v1\"\n[[target]]\nname = \"a\"\nqueue_id = \"222\"\ncampaign_id = [111, \"11x\"]\n",
        6,
        "target \"a\": campaign_id: \"11x\" is not an ID",
    ),
    (
        "an empty element in an ID string",
        "[upstream]\nbase_url = \"http://x/v1\"\n[[target]]\nname = \"a\"\nuser_id = \"12345,,12346\"\n",
        5,
        "target \"a\": user_id: \"12345,,12346\" has an empty element",
    ),
    (
        "a skill with a comma",
        "[upstream]\nbase_url = \"http://x/v1\"\n[[target]]\nname = \"a\"\nskills = [\"english\",\n  \"a,b\"]\n",
        6,
        "target \"a\": skills: \"a,b\" holds a comma",
    ),
    (
        "credentials in the base URL",
        "[upstream]\nbase_url = \"https://ops:hunter2@api.convoso.com/v1\"\n[[target]]\nname = \"a\"\n",
        2,
        "upstream.base_url \"https://****@api.convoso.com/v1\": must not contain credentials",
    ),
    (
        "max_agents out of range",
        "[upstream]\nbase_url = \"http://x/v1\"\nmax_agents = 0\n[[target]]\nname = \"a\"\n",
        3,
        "upstream.max_agents: 0 is out of range",
    ),
];

#[test]
fn each_bad_input_names_its_line_and_key() {
    for (what, text, line, needle) in BAD {
        let err = match parse(text) {
            Ok(c) => panic!("{what}: parsed: {c:?}"),
            Err(e) => e,
        };
        let msg = err.to_string();
        let prefix = format!("config: line {line}: ");
        assert!(msg.starts_with(&prefix), "{what}: {msg}");
        // The backtick in the toml crate's own wording is turned into a quote.
        let needle = needle.replace('`', "\"");
        assert!(msg.contains(&needle), "{what}: {msg}\n  wanted: {needle}");
        assert!(!msg.contains('\n'), "{what}: not one line: {msg}");
        assert!(matches!(err, Error::Config { .. }), "{what}");
    }
}

#[test]
fn a_config_without_targets_says_so() {
    let err = parse("[upstream]\nbase_url = \"http://x/v1\"\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "config: no targets: add at least one [[target]] with a name"
    );
}

#[test]
fn a_missing_file_is_named() {
    let err = Config::load("/nonexistent/headcount.toml").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("config: cannot read /nonexistent/headcount.toml: "),
        "{msg}"
    );
}

#[test]
fn cors_origins_are_none_by_default_and_checked_when_given() {
    let base = "[upstream]\nbase_url = \"http://x/v1\"\n[[target]]\nname = \"t\"\n";
    assert!(parse(base).unwrap().web.cors_origins.is_empty());
    let c = parse(&format!(
        "[web]\ncors_origins = [\"https://grafana.example.com/\", \"http://127.0.0.1:3000\", \"*\"]\n{base}"
    ))
    .unwrap();
    assert_eq!(
        c.web.cors_origins,
        ["https://grafana.example.com", "http://127.0.0.1:3000", "*"]
    );
    for bad in [
        "grafana.example.com",
        "https://grafana.example.com/d/abc",
        "ftp://x",
        "https://user@x",
    ] {
        let err = parse(&format!("[web]\ncors_origins = [\"{bad}\"]\n{base}"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("config: line 2: web.cors_origins: ")
                && err.contains("is not an origin"),
            "{bad}: {err}"
        );
    }
}
