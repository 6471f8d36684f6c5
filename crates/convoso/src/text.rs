//! Making text that came from the network or from configuration safe to keep and show.
//!
//! The order matters: control characters go first (so a secret split by a stray `\r`
//! is whole again), then the secret is masked, and only then is the text cut. Cutting
//! first would leave the opening characters of a secret that straddles the cut, which
//! masking can no longer recognise.

/// The most characters of upstream text kept in an error.
pub(crate) const MAX_MESSAGE_CHARS: usize = 200;

/// The most characters of a `Content-Type` kept in an error.
pub(crate) const MAX_CONTENT_TYPE_CHARS: usize = 60;

/// The mask that replaces a secret.
pub(crate) const MASK: &str = "****";

/// Drops control characters, trims, and cuts to `max` characters (marking the cut
/// with `…`), so that text cannot forge log lines or flood them. For text that can
/// hold no secret; otherwise use [`keep`].
pub(crate) fn clean(text: &str, max: usize) -> String {
    cut(&strip(text), max)
}

/// [`clean`] with `secret` masked (as [`redact`] does) before the text is cut.
pub(crate) fn keep(text: &str, secret: &str, max: usize) -> String {
    cut(&redact(strip(text), secret), max)
}

/// The text without control characters, trimmed.
fn strip(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The first `max` characters, with `…` when something was cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((at, _)) => format!("{}…", &text[..at]),
    }
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
            text = text.replace(&form, MASK);
        }
    }
    text
}

/// `application/x-www-form-urlencoded` encoding of one value, as `form_urlencoded`
/// (used by reqwest) writes it.
pub(crate) fn form_encode(value: &str) -> String {
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
        assert_eq!(clean("ééé", 2), "éé…");
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

    #[test]
    fn a_secret_straddling_the_cut_is_masked_not_half_shown() {
        // 8 characters of text, then the secret from position 8 to 17: a cut at 10
        // would keep "se" of it if the cut came first.
        let text = "message secretXYZ and more";
        assert_eq!(keep(text, "secretXYZ", 10), "message **…");
        assert_eq!(keep(text, "secretXYZ", 200), "message **** and more");
        // A control character inside the secret does not hide it from the mask.
        assert_eq!(keep("a secr\ne tXYZ", "secretXYZ", 200), "a secre tXYZ");
        assert_eq!(keep("a secr\retXYZ!", "secretXYZ", 200), "a ****!");
    }
}
