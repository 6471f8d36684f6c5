//! The base URL: the rules it must follow ([`check_base_url`]) and how it is shown
//! ([`display_url`]) wherever it is printed or logged.

use reqwest::Url;

use crate::text::{MASK, redact};

/// The most characters of a URL shown.
const MAX_URL_CHARS: usize = 200;

/// Checks that `base_url` can be the API root: an absolute `http` or `https` URL with
/// a host, and nothing that belongs elsewhere: no credentials (user name or password),
/// no query string, no fragment. The search is sent to
/// `{base_url}/user-activity/search`.
///
/// # Errors
///
/// The reason, naming the rule that is broken but never the URL's user name or
/// password, for example `must not contain credentials (a user name or password)`.
/// Callers name the setting (`base_url`) and, if they show the URL, show it through
/// [`display_url`].
pub fn check_base_url(base_url: &str) -> Result<(), String> {
    base_endpoint(base_url).map(|_| ())
}

/// The search URL of a base URL, or why the base URL is unusable (see
/// [`check_base_url`]).
pub(crate) fn base_endpoint(base_url: &str) -> Result<Url, String> {
    let trimmed = base_url.trim();
    // The url crate's messages name the problem ("empty host", "invalid port
    // number"), never the input.
    let base = Url::parse(trimmed).map_err(|e| format!("not a valid URL: {e}"))?;
    if !matches!(base.scheme(), "http" | "https") {
        return Err("scheme must be http or https".to_owned());
    }
    if base.host_str().is_none_or(str::is_empty) {
        return Err("no host".to_owned());
    }
    if !base.username().is_empty() || base.password().is_some() {
        return Err(
            "must not contain credentials (a user name or password): the token is sent \
             as auth_token"
                .to_owned(),
        );
    }
    if base.query().is_some() {
        return Err("must not have a query string".to_owned());
    }
    if base.fragment().is_some() {
        return Err("must not have a fragment".to_owned());
    }
    let joined = format!("{}/user-activity/search", trimmed.trim_end_matches('/'));
    Url::parse(&joined).map_err(|e| format!("not a valid URL: {e}"))
}

/// A URL as it may be printed or logged: as written, except that
///
/// - control characters are dropped;
/// - credentials (anything before an `@` in the authority) become `****`;
/// - a path segment, query name or value, or fragment that looks like a secret
///   becomes `****`: 16 or more characters mixing letters and digits with at least 8
///   different characters (a hex or base64 token, a UUID), or 32 or more characters
///   with at least 12 different ones;
/// - the value of a query parameter whose name suggests a secret (`auth_token`,
///   `api_key`, `password`, `sig`, ...) becomes `****` whatever it looks like;
/// - the result is cut to 200 characters.
///
/// Text that is not a valid URL is shown by the same rules, so a typo never reveals
/// what it was meant to hide. [`ClientConfig::display_base_url`](crate::ClientConfig::display_base_url)
/// also masks the configured token wherever it appears.
pub fn display_url(url: &str) -> String {
    display_url_masking(url, "")
}

/// [`display_url`], also masking `secret` (as written and form-encoded) wherever it
/// appears, the host included.
pub(crate) fn display_url_masking(url: &str, secret: &str) -> String {
    let text: String = url.trim().chars().filter(|c| !c.is_control()).collect();
    let text = redact(text, secret);
    let (scheme, rest) = match text.find("://") {
        Some(i) => text.split_at(i + 3),
        None => ("", text.as_str()),
    };
    let authority_end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => format!("{MASK}{}", &authority[at..]),
        None => authority.to_owned(),
    };
    let shown = format!("{scheme}{authority}{}", mask_pieces(tail));
    crate::text::clean(&shown, MAX_URL_CHARS)
}

/// Masks the secret-looking pieces of a URL's path, query and fragment.
fn mask_pieces(tail: &str) -> String {
    const DELIMITERS: &[char] = &['/', '\\', '?', '&', '=', '#', ';'];
    let mut out = String::with_capacity(tail.len());
    // The name of the query parameter whose value is being read, after a `=`.
    let mut key: Option<String> = None;
    let mut rest = tail;
    loop {
        let end = rest.find(DELIMITERS).unwrap_or(rest.len());
        let (piece, after) = rest.split_at(end);
        let sensitive_value = key.as_deref().is_some_and(names_a_secret) && !piece.is_empty();
        if sensitive_value || looks_secret(piece) {
            out.push_str(MASK);
        } else {
            out.push_str(piece);
        }
        let Some(delimiter) = after.chars().next() else {
            break;
        };
        out.push(delimiter);
        key = (delimiter == '=').then(|| decode(piece).to_ascii_lowercase());
        rest = &after[delimiter.len_utf8()..];
    }
    out
}

/// Whether a query parameter's name says its value is a secret.
fn names_a_secret(name: &str) -> bool {
    [
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "key",
        "auth",
        "sig",
        "session",
        "credential",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// Whether a piece of a URL looks like a secret: long, varied, and (unless very long)
/// mixing letters and digits, as generated tokens and keys do and words do not.
fn looks_secret(piece: &str) -> bool {
    let decoded = decode(piece);
    let len = decoded.chars().count();
    let mut distinct: Vec<char> = decoded.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let letters = decoded.chars().any(|c| c.is_alphabetic());
    let digits = decoded.chars().any(|c| c.is_ascii_digit());
    (len >= 16 && letters && digits && distinct.len() >= 8) || (len >= 32 && distinct.len() >= 12)
}

/// Percent-decoding (and `+` as a space), lossy, for judging a piece.
fn decode(piece: &str) -> String {
    let bytes = piece.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::form_encode;

    const TOKEN: &str = "tok-SECRET-9f3a";

    #[test]
    fn plain_base_urls_are_shown_as_written() {
        for url in [
            "https://api.convoso.com/v1",
            "http://127.0.0.1:8090/v1/",
            "api.convoso.com/v1",
            "https://api.convoso.com/v1/user-activity/search",
            "https://example.com/v1?region=us-east&page=2",
        ] {
            assert_eq!(display_url(url), url);
        }
    }

    #[test]
    fn credentials_are_never_shown() {
        assert_eq!(
            display_url("https://alice:pw-hunter2@api.convoso.com/v1"),
            "https://****@api.convoso.com/v1"
        );
        assert_eq!(
            display_url("https://alice@api.convoso.com/v1"),
            "https://****@api.convoso.com/v1"
        );
        // Without a scheme, and with an `@` in the password.
        assert_eq!(
            display_url("bob:p@ss@api.convoso.com/v1"),
            "****@api.convoso.com/v1"
        );
        // An `@` after the authority is not a credential.
        assert_eq!(
            display_url("https://api.convoso.com/v1/@team"),
            "https://api.convoso.com/v1/@team"
        );
    }

    #[test]
    fn secret_looking_pieces_are_masked() {
        // A 32-character hex token in the path, a UUID in the query, a base64 key.
        assert_eq!(
            display_url("https://api.convoso.com/v1/3f9a0c7e5b2d4a6f8e1c0b9d7a5f3e21/x"),
            "https://api.convoso.com/v1/****/x"
        );
        assert_eq!(
            display_url("https://h/v1?id=123e4567-e89b-12d3-a456-426614174000&page=2"),
            "https://h/v1?id=****&page=2"
        );
        assert_eq!(
            display_url("https://h/v1#QWxhZGRpbjpvcGVuIHNlc2FtZQ"),
            "https://h/v1#****"
        );
        // Words are not secrets, however long.
        assert_eq!(
            display_url("https://h/convoso-production-gateway/v1"),
            "https://h/convoso-production-gateway/v1"
        );
    }

    #[test]
    fn values_of_secret_parameters_are_masked_whatever_they_look_like() {
        assert_eq!(
            display_url("https://h/v1?auth_token=abc123&campaign_id=111"),
            "https://h/v1?auth_token=****&campaign_id=111"
        );
        assert_eq!(
            display_url("https://h/v1?API_KEY=x;password=y&sig="),
            "https://h/v1?API_KEY=****;password=****&sig="
        );
    }

    #[test]
    fn a_known_secret_is_masked_anywhere_even_short_or_in_the_host() {
        let shown = display_url_masking(&format!("https://{TOKEN}.example.com/v1/{TOKEN}"), TOKEN);
        assert_eq!(shown, "https://****.example.com/v1/****");
        // Form-encoded, as a token pasted from a query string would be.
        let encoded = form_encode("a b/c");
        assert_eq!(encoded, "a+b%2Fc");
        assert_eq!(
            display_url_masking(&format!("https://h/v1/{encoded}"), "a b/c"),
            "https://h/v1/****"
        );
    }

    #[test]
    fn control_characters_are_dropped_and_long_urls_cut() {
        assert_eq!(
            display_url("https://h/v1\r\nX-Forged: 1"),
            "https://h/v1X-Forged: 1"
        );
        let long = format!("https://h/{}", "a/".repeat(200));
        let shown = display_url(&long);
        assert_eq!(shown.chars().count(), 201);
        assert!(shown.ends_with('…'));
    }

    #[test]
    fn check_accepts_usable_base_urls() {
        for url in [
            "https://api.convoso.com/v1",
            "http://127.0.0.1:8090/v1/",
            " https://api.convoso.com/v1 ",
            "http://localhost",
        ] {
            assert_eq!(check_base_url(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn check_refuses_unusable_base_urls_without_echoing_credentials() {
        let cases = [
            (
                "api.convoso.com/v1",
                "not a valid URL: relative URL without a base",
            ),
            ("ftp://example.com/v1", "scheme must be http or https"),
            ("file:///etc/v1", "scheme must be http or https"),
            (
                "https://alice:pw-hunter2@example.com/v1",
                "must not contain credentials (a user name or password): the token is sent as auth_token",
            ),
            (
                "https://alice@example.com/v1",
                "must not contain credentials (a user name or password): the token is sent as auth_token",
            ),
            (
                "https://example.com/v1?auth_token=abc",
                "must not have a query string",
            ),
            ("https://example.com/v1?", "must not have a query string"),
            ("https://example.com/v1#x", "must not have a fragment"),
            ("https://alice:pw@/v1", "not a valid URL: empty host"),
        ];
        for (url, why) in cases {
            let err = check_base_url(url).unwrap_err();
            assert_eq!(err, why, "{url}");
            assert!(!err.contains("alice") && !err.contains("pw"), "{err}");
        }
    }
}
