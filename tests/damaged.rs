//! A database that is damaged, or not there, as the commands meet it (issue 11, item
//! 10): every message names the file and says SQLite's complaint once; `serve` refuses
//! a damaged file instead of starting on it; `check` reports a missing database
//! rather than creating an empty one.

mod common;

use std::path::Path;

/// A config with one target whose database is `db.db` beside it.
fn config(dir: &Path) -> String {
    let path = dir.join("h.toml");
    std::fs::write(
        &path,
        "[upstream]\nbase_url = \"http://127.0.0.1:9/v1\"\n[storage]\npath = \"db.db\"\n\
         [[target]]\nname = \"all\"\n",
    )
    .unwrap();
    path.to_str().unwrap().to_owned()
}

/// Imports 20,000 rows, then overwrites three pages in the middle of the file.
fn damaged(dir: &Path, config: &str) -> String {
    let csv = dir.join("h.csv");
    let rows: Vec<String> = (0..20_000)
        .map(|i| format!("{},{},{}", 1_772_409_600 + i * 15, i % 5, 5 + i % 3))
        .collect();
    std::fs::write(&csv, rows.join("\n")).unwrap();
    let (code, _, stderr) = common::run(
        &[
            "import",
            "-c",
            config,
            "--target",
            "all",
            csv.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let db = dir.join("db.db");
    let mut bytes = std::fs::read(&db).unwrap();
    assert!(bytes.len() > 4096 * 8, "{}", bytes.len());
    bytes[4096 * 5..4096 * 8].fill(0xff);
    std::fs::write(&db, bytes).unwrap();
    db.to_str().unwrap().to_owned()
}

#[test]
fn a_damaged_database_is_named_once_and_serve_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let db = damaged(dir.path(), &config);
    let (code, _, stderr) = common::run(
        &[
            "report",
            "-c",
            &config,
            "--target",
            "all",
            "--from",
            "2026-03-02",
            "--to",
            "2026-03-06",
        ],
        &[],
    );
    assert_eq!(code, Some(1), "{stderr}");
    let line = stderr.lines().last().unwrap();
    assert!(line.contains(&format!("database {db}")), "{line}");
    assert_eq!(line.matches("malformed").count(), 1, "{line}");
    assert!(
        line.contains("SQLITE_CORRUPT") && line.contains("restore it from a backup"),
        "{line}"
    );

    let (code, stdout, stderr) =
        common::run(&["serve", "-c", &config, "--listen", "127.0.0.1:0"], &[]);
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(
        !stdout.contains("dashboard:"),
        "it must not start: {stdout}"
    );
    let line = stderr.lines().last().unwrap();
    assert!(
        line.contains(&format!("database {db}")) && line.contains("damaged")
            || line.contains("malformed"),
        "{line}"
    );
}

#[test]
fn check_reports_a_missing_database_without_creating_it() {
    let (_sim, base_url) = common::simulator();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.toml");
    std::fs::write(
        &path,
        format!("[upstream]\nbase_url = \"{base_url}\"\n[storage]\npath = \"typo/db.db\"\n[[target]]\nname = \"all\"\n"),
    )
    .unwrap();
    let env = [("CONVOSO_AUTH_TOKEN", "abc123")];
    let (code, stdout, stderr) = common::run(&["check", "-c", path.to_str().unwrap()], &env);
    assert_eq!(code, Some(2), "no such directory: {stdout}\n{stderr}");
    assert!(
        stderr.contains("typo") && stderr.contains("does not exist"),
        "{stderr}"
    );

    std::fs::write(
        &path,
        format!("[upstream]\nbase_url = \"{base_url}\"\n[storage]\npath = \"db.db\"\n[[target]]\nname = \"all\"\n"),
    )
    .unwrap();
    let (code, stdout, stderr) = common::run(&["check", "-c", path.to_str().unwrap()], &env);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("does not exist yet"), "{stdout}");
    assert!(
        !dir.path().join("db.db").exists(),
        "check created the database"
    );
}
