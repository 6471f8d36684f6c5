//! The OpenAPI document against the server it describes, checked by a client nobody
//! here wrote: schemathesis generates requests from the document (its examples, every
//! parameter's edge cases, then random ones, valid and invalid) against `headcount
//! demo` and checks every answer against the document: status codes, content types,
//! headers and bodies as declared, no server error, invalid input refused.
//!
//! One check is left out: `positive_data_acceptance` (every request the schema allows
//! gets a 2xx). The API has rules across parameters that a JSON schema cannot say
//! (`from` before `to`, at most 11,000 buckets of a `step`, a real calendar date),
//! so it rightly refuses some requests whose parameters are each valid; those
//! refusals are 400s naming the parameter, which the other checks do verify.
//!
//! Needs Python's `schemathesis` (`python3 -m pip install schemathesis`), which `.ci/run`
//! installs. Where it is missing the test says so ("SKIPPED: ...") and passes, unless
//! `HEADCOUNT_REQUIRE_TOOLS` is set: then it fails.

mod common;

use std::process::Command;

/// The `schemathesis` command, if it runs.
fn schemathesis() -> Option<Command> {
    let ok = Command::new("schemathesis")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then(|| Command::new("schemathesis"))
}

#[test]
fn the_openapi_document_matches_the_server_for_schemathesis() {
    let Some(mut st) = schemathesis() else {
        common::skip_without_tool(
            "schemathesis test",
            "not installed (python3 -m pip install schemathesis); .ci/run installs it",
        );
        return;
    };

    let dir = tempfile::tempdir().unwrap();
    let (mut demo, base) = common::demo(dir.path(), 2);

    let out = st
        .current_dir(dir.path())
        .args(["run", &format!("{base}/api/openapi.json")])
        .args([
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
        ])
        .args(["--phases", "examples,coverage,fuzzing", "--mode", "all"])
        // Bounded: a fixed seed and at most 25 generated requests per operation and
        // phase (about 500 in all).
        .args(["--max-examples", "25", "--seed", "1"])
        .args(["--workers", "2", "--no-color"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "schemathesis found mismatches between the document and the server:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("passed"), "{stdout}");

    demo.signal("TERM");
    assert_eq!(demo.wait_exit(), Some(0));
}
