//! Making text that came from the network or from configuration safe to keep and show.

/// The most characters of upstream text kept in an error.
pub(crate) const MAX_MESSAGE_CHARS: usize = 200;

/// Drops control characters, trims, and cuts to `max` characters (marking the cut
/// with `…`), so that upstream text cannot forge log lines or flood them.
pub(crate) fn clean(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut kept = 0;
    let mut chars = text.trim().chars().filter(|c| !c.is_control()).peekable();
    while let Some(c) = chars.next() {
        if kept == max {
            out.push('…');
            break;
        }
        out.push(c);
        kept += 1;
        // A final character at exactly `max` is not a cut.
        if kept == max && chars.peek().is_none() {
            break;
        }
    }
    out
}

/// Replaces every occurrence of `secret`, as written and as form-encoded (the way
/// it travels in a query string or body), with `****`. A blank secret masks nothing:
/// it is no secret (and is refused as a token), and masking spaces would garble text.
pub(crate) fn redact(text: String, secret: &str) -> String {
    if secret.trim().is_empty() {
        return text;
    }
    let mut text = text;
    for form in [secret.to_owned(), form_encode(secret)] {
        if text.contains(&form) {
            text = text.replace(&form, "****");
        }
    }
    text
}

/// `application/x-www-form-urlencoded` encoding of one value, as `form_urlencoded`
/// (used by reqwest) writes it.
fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_strips_controls_and_cuts_long_text() {
        assert_eq!(clean("  bad\r\nline\u{1b}[31m  ", 200), "badline[31m");
        assert_eq!(clean("abcdef", 3), "abc…");
        assert_eq!(clean("abc", 3), "abc");
        assert_eq!(clean("", 3), "");
    }

    #[test]
    fn form_encode_matches_the_urlencoded_rules() {
        assert_eq!(form_encode("a b+c/d~é"), "a+b%2Bc%2Fd%7E%C3%A9");
    }

    #[test]
    fn redact_ignores_a_blank_secret() {
        assert_eq!(redact("some text".into(), ""), "some text");
        assert_eq!(redact("some text".into(), " "), "some text");
    }
}
