//! Turning byte offsets of the config text into line numbers and key paths, so that
//! every error can say where it stands (`line 12: target "sales": ...`).

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The 1-based line of byte `offset` in `text`.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Step {
    Key(String),
    Index(usize),
}

/// The path of keys and array indices leading to the deepest key or value that
/// contains byte `offset` of the document, e.g. `target[1].campain_id`.
pub(super) fn path_at(doc: &DeTable<'_>, offset: usize) -> Vec<Step> {
    let mut path = Vec::new();
    walk_table(doc, offset, &mut path);
    path
}

fn walk_table(table: &DeTable<'_>, offset: usize, path: &mut Vec<Step>) -> bool {
    for (key, value) in table {
        if key.span().contains(&offset) {
            path.push(Step::Key(key.get_ref().to_string()));
            return true;
        }
        if holds(value, offset) {
            path.push(Step::Key(key.get_ref().to_string()));
            walk_value(value, offset, path);
            return true;
        }
    }
    false
}

fn walk_value(value: &Spanned<DeValue<'_>>, offset: usize, path: &mut Vec<Step>) {
    match value.get_ref() {
        DeValue::Table(t) => {
            walk_table(t, offset, path);
        }
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if holds(item, offset) {
                    path.push(Step::Index(i));
                    walk_value(item, offset, path);
                    return;
                }
            }
        }
        _ => {}
    }
}

/// Whether the value or anything inside it spans `offset`. The span of a table in an
/// array of tables (`[[target]]`) covers only its header, so look inside too.
fn holds(value: &Spanned<DeValue<'_>>, offset: usize) -> bool {
    if value.span().contains(&offset) {
        return true;
    }
    match value.get_ref() {
        DeValue::Table(t) => t
            .iter()
            .any(|(k, v)| k.span().contains(&offset) || holds(v, offset)),
        DeValue::Array(items) => items.iter().any(|v| holds(v, offset)),
        _ => false,
    }
}

/// Names a path for a message: `upstream.timeout`, `target "sales": skills`, or
/// `target #2` when that target has no usable name.
pub(super) fn describe(doc: &DeTable<'_>, path: &[Step]) -> String {
    let mut out = String::new();
    let mut i = 0;
    if let [Step::Key(first), Step::Index(n), ..] = path
        && first == "target"
    {
        let name = doc
            .get("target")
            .and_then(|t| t.get_ref().as_array())
            .and_then(|a| a.get(*n))
            .and_then(|t| t.get_ref().as_table())
            .and_then(|t| t.get("name"))
            .and_then(|v| v.get_ref().as_str().map(str::to_owned));
        out = match name {
            Some(name) => format!("target {name:?}"),
            None => format!("target #{}", n + 1),
        };
        i = 2;
        if path.len() > 2 {
            out.push_str(": ");
        }
    }
    let mut first = true;
    for step in &path[i..] {
        match step {
            Step::Key(k) => {
                if !first {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(n) => out.push_str(&format!("[{n}]")),
        }
        first = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_from_one() {
        let text = "a = 1\nb = 2\n\nc = 3";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 6), 2);
        assert_eq!(line_of(text, 13), 4);
        assert_eq!(line_of(text, 999), 4);
    }

    #[test]
    fn paths_reach_into_arrays_of_tables_and_inline_tables() {
        let text = "[upstream]\nbase_url = \"x\"\n\n[[target]]\nname = \"a\"\n\n[[target]]\nname = \"sales\"\ncampain_id = \"111\"\n\n[report]\npeak = { days = [\"mon\"], hours = \"9\" }\n";
        let doc = DeTable::parse(text).unwrap();
        let at = |needle: &str| {
            let offset = text.find(needle).unwrap();
            describe(doc.get_ref(), &path_at(doc.get_ref(), offset))
        };
        assert_eq!(at("campain_id"), "target \"sales\": campain_id");
        assert_eq!(at("\"x\""), "upstream.base_url");
        assert_eq!(at("\"9\""), "report.peak.hours");
        assert_eq!(at("\"mon\""), "report.peak.days[0]");
    }
}
