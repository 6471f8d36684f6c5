//! `headcount init` writes a config that `headcount check` runs against
//! `headcount simulate` as it starts by default.

mod common;

#[test]
fn init_writes_a_config_that_parses_and_refuses_to_overwrite_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("headcount.toml");
    let file = path.to_str().unwrap();
    let (code, stdout, stderr) = common::run(&["init", file], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("wrote"), "{stdout}");

    let config = headcount_config::Config::load(&path).unwrap();
    assert_eq!(config.upstream.base_url, "http://127.0.0.1:8090/v1");
    assert_eq!(config.upstream.auth_token_env, "CONVOSO_AUTH_TOKEN");
    let names: Vec<&str> = config.targets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["all", "sales", "bilingual-queue", "agent-12345"]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("abc123"), "the simulator's token is named");

    std::fs::write(&path, "mine").unwrap();
    let (code, _, stderr) = common::run(&["init", file], &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
}

#[test]
fn check_polls_each_target_once_and_fails_on_a_refused_filter() {
    let (_sim, base_url) = common::simulator();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("headcount.toml");
    let example = headcount_config::EXAMPLE.replace("http://127.0.0.1:8090/v1", &base_url);
    std::fs::write(&path, &example).unwrap();
    let file = path.to_str().unwrap();
    let env = [("CONVOSO_AUTH_TOKEN", "abc123")];

    let (code, stdout, stderr) = common::run(&["check", "--config", file], &env);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let header = stdout
        .lines()
        .find(|l| l.starts_with("TARGET"))
        .unwrap_or_else(|| panic!("{stdout}"));
    for column in [
        "FILTERS",
        "OUTCOME",
        "AVAILABLE",
        "LOGGED_IN",
        "UTILIZATION",
        "LATENCY",
    ] {
        assert!(header.contains(column), "{header}");
    }
    for (name, filters) in [
        ("all", "all agents"),
        ("sales", "campaign_id=111"),
        ("bilingual-queue", "queue_id=222 skills=english,spanish"),
        ("agent-12345", "user_id=12345"),
    ] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name}: {stdout}"));
        assert!(line.contains(filters) && line.contains(" ok "), "{line}");
    }
    assert!(
        stdout.contains("does not exist yet") && !dir.path().join("headcount.db").exists(),
        "check only reports a missing database: {stdout}"
    );

    // An ID no campaign can have is the config's to refuse, naming its line.
    std::fs::write(
        &path,
        example.replace("campaign_id = 111", "campaign_id = \"abc\""),
    )
    .unwrap();
    let (code, stdout, stderr) = common::run(&["check", "--config", file], &env);
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("target \"sales\": campaign_id: \"abc\" is not an ID"),
        "{stderr}"
    );

    // One the upstream refuses (its 6026) fails the check.
    let mut refusing = common::spawn(
        &[
            "simulate",
            "--listen",
            "127.0.0.1:0",
            "--api-error-rate",
            "1",
            "--api-error-code",
            "6026",
        ],
        &[],
    );
    let refusing_url = format!("{}/v1", common::url_in(&refusing.wait_for_line("API:")));
    std::fs::write(&path, example.replace(&base_url, &refusing_url)).unwrap();
    let (code, stdout, stderr) = common::run(&["check", "--config", file], &env);
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("invalid_campaign"), "{stdout}");
    assert!(stderr.contains("4 of 4 polls failed"), "{stderr}");
}
