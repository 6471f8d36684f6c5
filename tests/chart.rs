//! `headcount chart` on a database of known history (see `known/mod.rs`): files of
//! the asked size, the very bytes `headcount serve` answers for the same parameters,
//! and bad options refused by name.

mod common;
mod known;

use known::{FROM, Known, TO};

/// `headcount chart` on the fixture's "sales" with `extra` arguments; returns (exit
/// code, stderr).
fn chart(k: &Known, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["chart", "--config", &k.config, "--target", "sales"];
    args.extend_from_slice(extra);
    let (code, _, stderr) = common::run(&args, &[]);
    (code, stderr)
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let info = reader.info();
    (info.width, info.height)
}

#[test]
fn a_png_of_the_asked_size_and_an_svg_that_parses() {
    let k = Known::new();
    let png_path = k.dir.path().join("sales.png");
    let (code, stderr) = chart(
        &k,
        &[
            "--kind",
            "timeline",
            "--from",
            FROM,
            "--to",
            TO,
            "--width",
            "800",
            "--height",
            "300",
            "-o",
            png_path.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(png_size(&std::fs::read(&png_path).unwrap()), (800, 300));

    let svg_path = k.dir.path().join("sales.svg");
    let (code, stderr) = chart(
        &k,
        &[
            "--kind",
            "heatmap",
            "--from",
            FROM,
            "--to",
            TO,
            "--theme",
            "dark",
            "--width",
            "640",
            "--height",
            "480",
            "-o",
            svg_path.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let text = std::fs::read_to_string(&svg_path).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let px = |a: &str| root.attribute(a).unwrap().trim_end_matches("px").to_owned();
    assert_eq!((px("width"), px("height")), ("640".into(), "480".into()));
}

#[test]
fn sizes_outside_the_limits_are_drawn_at_the_nearest_with_a_warning() {
    let k = Known::new();
    let path = k.dir.path().join("tiny.png");
    let (code, stderr) = chart(
        &k,
        &[
            "--kind",
            "utilization",
            "--from",
            FROM,
            "--to",
            TO,
            "--width",
            "10",
            "--height",
            "5000",
            "-o",
            path.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(png_size(&std::fs::read(&path).unwrap()), (200, 4000));
}

#[test]
fn the_file_holds_the_bytes_serve_answers_for_the_same_parameters() {
    let k = Known::new();
    let mut server = common::spawn(&["serve", "--config", &k.config], &[]);
    let base = common::url_in(&server.wait_for_line("dashboard: http://"));
    let http = common::http();
    for (kind, ext, extra) in [
        ("timeline", "png", "&width=900&height=450&step=15m"),
        ("utilization", "png", "&theme=dark"),
        ("peak", "png", ""),
        ("trend", "svg", "&horizon=48"),
    ] {
        let url = format!("{base}/charts/sales/{kind}.{ext}?from={FROM}&to={TO}&tz=UTC{extra}");
        let resp = http.get(&url).send().unwrap();
        assert_eq!(resp.status(), 200, "{url}");
        let served = resp.bytes().unwrap().to_vec();

        let path = k.dir.path().join(format!("{kind}.{ext}"));
        let mut args = vec![
            "--kind".to_owned(),
            kind.to_owned(),
            "--from".into(),
            FROM.into(),
            "--to".into(),
            TO.into(),
            "--tz".into(),
            "UTC".into(),
        ];
        for pair in extra.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap();
            args.push(format!("--{name}"));
            args.push(value.to_owned());
        }
        args.push("-o".into());
        args.push(path.display().to_string());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stderr) = chart(&k, &args);
        assert_eq!(code, Some(0), "{kind}: {stderr}");
        let written = std::fs::read(&path).unwrap();
        assert!(
            written == served,
            "{kind}.{ext}: the file differs from {url}"
        );
    }
    server.signal("TERM");
    assert_eq!(server.wait_exit(), Some(0));
}

#[test]
fn dash_writes_the_png_to_stdout() {
    let k = Known::new();
    let out = common::headcount()
        .args(["chart", "--config", &k.config, "--target", "sales"])
        .args(["--kind", "timeline", "--from", FROM, "--to", TO, "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(png_size(&out.stdout), (1000, 500));
}

#[test]
fn a_bad_kind_extension_theme_range_or_target_exits_2_naming_the_option() {
    let k = Known::new();
    let file = k.dir.path().join("x.png").display().to_string();
    let gif = k.dir.path().join("x.gif").display().to_string();
    for (args, option) in [
        (vec!["--kind", "pie", "-o", &file], "--kind"),
        (vec!["--kind", "timeline", "-o", &gif], "--output"),
        (
            vec!["--kind", "timeline", "--theme", "blue", "-o", &file],
            "--theme",
        ),
        (
            vec!["--kind", "timeline", "--from", "yesterday", "-o", &file],
            "--from",
        ),
        (
            vec!["--kind", "timeline", "--step", "7m", "-o", &file],
            "--step",
        ),
    ] {
        let (code, stderr) = chart(&k, &args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("{option}:")),
            "{args:?} should name {option}: {stderr}"
        );
    }
    assert!(!k.dir.path().join("x.png").exists());
    assert!(!k.dir.path().join("x.gif").exists());

    let (code, _, stderr) = common::run(
        &[
            "chart", "--config", &k.config, "--target", "nobody", "--kind", "timeline", "-o", &file,
        ],
        &[],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--target:"), "{stderr}");
}

#[test]
fn a_target_without_history_is_a_runtime_error_with_a_hint() {
    let k = Known::new();
    let file = k.dir.path().join("support.png").display().to_string();
    let (code, _, stderr) = common::run(
        &[
            "chart", "--config", &k.config, "--target", "support", "--kind", "timeline", "-o",
            &file,
        ],
        &[],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("no history"), "{stderr}");
}
