//! `docs/config.md` against the config parser: every TOML example in it parses, the
//! example with every key at its default means the same as the minimal one, and the
//! keys its tables document are exactly the keys the parser accepts, which are asked
//! of the parser itself (its "unknown key …, expected …" error lists them).

use std::collections::BTreeSet;
use std::path::Path;

use headcount_config::Config;

fn doc() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/config.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The fenced ```toml blocks of the document, in order.
fn toml_blocks(doc: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```toml") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), l) => {
                block.push_str(l);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "an unclosed ```toml block");
    blocks
}

fn parse(text: &str) -> Config {
    Config::parse(text, Path::new("/etc/headcount")).unwrap_or_else(|e| panic!("{e}\nin:\n{text}"))
}

#[test]
fn every_toml_example_in_the_config_reference_parses() {
    let blocks = toml_blocks(&doc());
    assert!(blocks.len() >= 4, "found {} examples", blocks.len());
    for block in &blocks {
        parse(block);
    }
}

#[test]
fn the_documented_defaults_are_the_parsers() {
    let blocks = toml_blocks(&doc());
    let (minimal, full) = (parse(&blocks[0]), parse(&blocks[1]));
    assert!(
        blocks[1].lines().count() > 20,
        "the second example writes every key out"
    );
    assert_eq!(full.upstream, minimal.upstream);
    assert_eq!(full.storage, minimal.storage);
    assert_eq!(full.schedule.expr(), minimal.schedule.expr());
    assert_eq!(full.report, minimal.report);
    assert_eq!(full.web, minimal.web);
    assert_eq!(full.log.format, minimal.log.format);
    // Unset, the level is `info` (the binary's fallback); written out, it is kept.
    assert_eq!(minimal.log.level, None);
    assert_eq!(full.log.level.as_deref(), Some("info"));
    let describe = |c: &Config| -> Vec<String> {
        c.targets
            .iter()
            .map(|t| {
                format!(
                    "{} {} {} {:?}",
                    t.name,
                    t.filters,
                    t.schedule.expr(),
                    t.timeout
                )
            })
            .collect()
    };
    assert_eq!(describe(&full), describe(&minimal));
    assert_eq!(
        minimal.storage.path,
        Path::new("/etc/headcount/headcount.db")
    );
}

/// A config that is valid but for one unknown key `zz_probe` in the table at `section`.
fn probe(section: &str) -> String {
    let upstream = "[upstream]\nbase_url = \"http://127.0.0.1:9/v1\"\n";
    let target = "[[target]]\nname = \"t\"\n";
    match section {
        "" => format!("zz_probe = 1\n{upstream}{target}"),
        "upstream" => format!("{upstream}zz_probe = 1\n{target}"),
        "target" => format!("{upstream}{target}zz_probe = 1\n"),
        "sla" => format!("{upstream}{target}[[sla]]\nzz_probe = 1\n"),
        "sla.hours" => format!("{upstream}{target}[[sla]]\nhours = {{ zz_probe = 1 }}\n"),
        "alert" => format!("{upstream}{target}[[alert]]\nzz_probe = 1\n"),
        "channel" => format!("{upstream}{target}[[channel]]\nzz_probe = 1\n"),
        "alert.active" => {
            format!("{upstream}{target}[[alert]]\nactive = {{ zz_probe = 1 }}\n")
        }
        other => format!("[{other}]\nzz_probe = 1\n{upstream}{target}"),
    }
}

/// The keys the parser accepts in the table at `section`, from its error for an
/// unknown one: `… unknown key "zz_probe", expected one of "a", "b"` (or `expected
/// "a"`, or `expected "a" or "b"`).
fn accepted_keys(section: &str) -> Vec<String> {
    let text = probe(section);
    let err = Config::parse(&text, Path::new("."))
        .unwrap_err()
        .to_string();
    let expected = err
        .split_once("unknown key \"zz_probe\", expected ")
        .unwrap_or_else(|| panic!("section {section:?}: unexpected error {err:?}"))
        .1;
    expected
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_reference_documents_exactly_the_keys_the_parser_accepts() {
    // Walk the tables from the top: a key that is itself a table is probed in turn.
    let tables = [
        "upstream", "storage", "schedule", "report", "web", "log", "export",
    ];
    let top = accepted_keys("");
    let mut want_top: Vec<&str> = tables.to_vec();
    want_top.extend(["target", "sla", "alert", "channel"]);
    assert_eq!(
        top.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        want_top.into_iter().collect(),
        "top-level tables"
    );
    let mut accepted = BTreeSet::new();
    let mut pending: Vec<String> = top;
    while let Some(section) = pending.pop() {
        for key in accepted_keys(&section) {
            let dotted = format!("{section}.{key}");
            // Inline tables of [report]: probed as [report.peak] and so on; [export]
            // holds [export.remote_write], whose basic_auth is a table too (its
            // `labels` is a map of any label names, documented as one key).
            if matches!(
                dotted.as_str(),
                "report.peak"
                    | "report.thresholds"
                    | "export.remote_write"
                    | "export.remote_write.basic_auth"
                    | "sla.hours"
                    | "alert.active"
            ) {
                pending.push(dotted);
            } else {
                accepted.insert(dotted);
            }
        }
    }
    assert!(accepted.contains("upstream.base_url") && accepted.contains("target.skills"));

    // The keys in the first column of the reference tables: | `section.key` | ...
    let documented: BTreeSet<String> = doc()
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`'))
        .map(|(key, _)| key.to_owned())
        .collect();
    let undocumented: Vec<&String> = accepted.difference(&documented).collect();
    let unknown: Vec<&String> = documented.difference(&accepted).collect();
    assert!(
        undocumented.is_empty(),
        "keys the parser accepts but docs/config.md does not document: {undocumented:?}"
    );
    assert!(
        unknown.is_empty(),
        "keys docs/config.md documents but the parser refuses: {unknown:?}"
    );
}

/// The README's table of poll outcomes lists every outcome the store knows, with the
/// advice `headcount check` prints for it, word for word.
#[test]
fn the_readme_outcome_table_is_the_stores() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let rows: Vec<&str> = readme
        .lines()
        .skip_while(|l| *l != "## Poll outcomes")
        .skip_while(|l| !l.starts_with("| `"))
        .take_while(|l| l.starts_with("| `"))
        .collect();
    assert_eq!(rows.len(), headcount_store::Outcome::ALL.len(), "{rows:#?}");
    for (row, outcome) in rows.iter().zip(headcount_store::Outcome::ALL) {
        assert!(row.starts_with(&format!("| `{outcome}` |")), "{row}");
        assert!(row.ends_with(&format!("| {} |", outcome.advice())), "{row}");
    }
}
