//! `[export.remote_write]`: sending every stored sample on to a Prometheus-compatible
//! receiver (Prometheus, Mimir, Thanos, VictoriaMetrics, Grafana Cloud).
//!
//! Only what the file says is checked here; the secrets it names are read from the
//! environment by [`RemoteWriteConfig::credentials`] when an exporter starts, and
//! their `Debug` prints `***`. The `headcount-export` crate does the sending.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use toml::Spanned;

use crate::error::{Error, Result};
use crate::raw::{RawExport, RawRemoteWrite};
use crate::{Checker, parse_duration, token_from_env};

/// Default of `export.remote_write.batch_size`: samples per request.
pub const DEFAULT_BATCH_SIZE: usize = 5_000;
/// Most samples one request may carry.
pub const MAX_BATCH_SIZE: usize = 100_000;
/// Default of `export.remote_write.flush_interval`.
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_secs(5);
/// Default of `export.remote_write.timeout`.
pub const DEFAULT_REMOTE_TIMEOUT: Duration = Duration::from_secs(30);

/// Label names headcount sets on the series it sends; `labels` may not use them.
pub const RESERVED_LABELS: [&str; 6] = [
    "target",
    "campaign_id",
    "queue_id",
    "user_id",
    "skills",
    "outcome",
];

/// `[export]`: where stored samples are sent besides the database.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExportConfig {
    /// `[export.remote_write]`, when configured.
    pub remote_write: Option<RemoteWriteConfig>,
}

/// `[export.remote_write]`: Prometheus remote write 1.0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteWriteConfig {
    /// The receiver's endpoint, e.g. `http://prometheus:9090/api/v1/write`.
    pub url: String,
    /// How requests authenticate.
    pub auth: RemoteWriteAuth,
    /// Labels added to every series (`center = "east"`, `replica = "a"`), by name.
    pub labels: Vec<(String, String)>,
    /// Most samples in one request.
    pub batch_size: usize,
    /// How often new samples are looked for and sent.
    pub flush_interval: Duration,
    /// The whole request, body included.
    pub timeout: Duration,
}

/// How remote-write requests authenticate: the environment variables that hold the
/// secrets, never the secrets themselves.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RemoteWriteAuth {
    /// No `Authorization` header.
    #[default]
    None,
    /// `Authorization: Bearer <token>`, the token read from `token_env`.
    Bearer {
        /// The variable holding the token.
        token_env: String,
    },
    /// HTTP Basic, the password read from `password_env`.
    Basic {
        /// The user name.
        username: String,
        /// The variable holding the password.
        password_env: String,
    },
}

/// A secret read from the environment; `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the request header only.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The credentials of [`RemoteWriteAuth`], read from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// None.
    None,
    /// A bearer token.
    Bearer(Secret),
    /// HTTP Basic.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: Secret,
    },
}

impl RemoteWriteConfig {
    /// The credentials, read from the variables `auth` names.
    ///
    /// # Errors
    ///
    /// [`Error::MissingToken`] naming the variable when it is unset or empty.
    pub fn credentials(&self) -> Result<Credentials> {
        Ok(match &self.auth {
            RemoteWriteAuth::None => Credentials::None,
            RemoteWriteAuth::Bearer { token_env } => Credentials::Bearer(Secret(token_from_env(
                "export.remote_write bearer token",
                token_env,
            )?)),
            RemoteWriteAuth::Basic {
                username,
                password_env,
            } => Credentials::Basic {
                username: username.clone(),
                password: Secret(token_from_env(
                    "export.remote_write basic_auth password",
                    password_env,
                )?),
            },
        })
    }
}

/// A Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`
/// (reserved for Prometheus itself).
fn check_label_name(name: &str) -> std::result::Result<(), String> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "{name:?} is not a label name (letters, digits and _, not starting with a digit)"
        ));
    }
    if name.starts_with("__") {
        return Err(format!(
            "{name:?}: names starting with __ are reserved for Prometheus"
        ));
    }
    if RESERVED_LABELS.contains(&name) {
        return Err(format!(
            "{name:?} is set by headcount on every series (reserved: {})",
            RESERVED_LABELS.join(", ")
        ));
    }
    Ok(())
}

impl Checker<'_> {
    pub(crate) fn export(&self, raw: Option<Spanned<RawExport>>) -> Result<ExportConfig> {
        let Some(raw) = raw else {
            return Ok(ExportConfig::default());
        };
        let remote_write = match raw.into_inner().remote_write {
            Some(rw) => Some(self.remote_write(rw)?),
            None => None,
        };
        Ok(ExportConfig { remote_write })
    }

    fn remote_write(&self, raw: Spanned<RawRemoteWrite>) -> Result<RemoteWriteConfig> {
        const KEY: &str = "export.remote_write";
        let header = self.line(&raw);
        let raw = raw.into_inner();
        let Some(url) = raw.url else {
            return Err(Error::config(
                header,
                format!(
                    "{KEY}: missing key \"url\" (e.g. url = \"http://prometheus:9090/api/v1/write\")"
                ),
            ));
        };
        headcount_convoso::check_base_url(url.get_ref())
            .map_err(|why| self.err(&url, format!("{KEY}.url: {why}")))?;
        let bearer = match raw.bearer_token_env {
            Some(v) => Some(self.env_name(&v, &format!("{KEY}.bearer_token_env"))?),
            None => None,
        };
        let basic = match raw.basic_auth {
            None => None,
            Some(b) => {
                let at = b.span();
                let b = b.into_inner();
                let line = Some(crate::line_of(self.text, at.start));
                let username = match b.username {
                    Some(u) if !u.get_ref().trim().is_empty() => u.into_inner().trim().to_owned(),
                    Some(u) => {
                        return Err(self.err(&u, format!("{KEY}.basic_auth.username: empty")));
                    }
                    None => {
                        return Err(Error::config(
                            line,
                            format!("{KEY}.basic_auth: missing key \"username\""),
                        ));
                    }
                };
                let password_env = match b.password_env {
                    Some(v) => self.env_name(&v, &format!("{KEY}.basic_auth.password_env"))?,
                    None => {
                        return Err(Error::config(
                            line,
                            format!(
                                "{KEY}.basic_auth: missing key \"password_env\" (the environment variable holding the password)"
                            ),
                        ));
                    }
                };
                Some((username, password_env, line))
            }
        };
        let auth = match (bearer, basic) {
            (None, None) => RemoteWriteAuth::None,
            (Some(token_env), None) => RemoteWriteAuth::Bearer { token_env },
            (None, Some((username, password_env, _))) => RemoteWriteAuth::Basic {
                username,
                password_env,
            },
            (Some(_), Some((_, _, line))) => {
                return Err(Error::config(
                    line,
                    format!("{KEY}: bearer_token_env and basic_auth exclude each other; keep one"),
                ));
            }
        };
        let mut labels = BTreeMap::new();
        if let Some(table) = raw.labels {
            for (name, value) in table.into_inner() {
                check_label_name(name.get_ref())
                    .map_err(|why| self.err(&name, format!("{KEY}.labels: {why}")))?;
                if value.get_ref().is_empty() {
                    return Err(self.err(
                        &value,
                        format!(
                            "{KEY}.labels.{}: empty; Prometheus drops a label with an empty value",
                            name.get_ref()
                        ),
                    ));
                }
                labels.insert(name.into_inner(), value.into_inner());
            }
        }
        let batch_size = match raw.batch_size {
            None => DEFAULT_BATCH_SIZE,
            Some(n) => usize::try_from(*n.get_ref())
                .ok()
                .filter(|n| (1..=MAX_BATCH_SIZE).contains(n))
                .ok_or_else(|| {
                    self.err(
                        &n,
                        format!(
                            "{KEY}.batch_size: {} is out of range 1..={MAX_BATCH_SIZE}",
                            n.get_ref()
                        ),
                    )
                })?,
        };
        let duration = |v: Option<Spanned<String>>, key: &str, default: Duration| match v {
            None => Ok(default),
            Some(v) => parse_duration(v.get_ref())
                .map_err(|why| self.err(&v, format!("{KEY}.{key}: {why}"))),
        };
        let flush_interval =
            duration(raw.flush_interval, "flush_interval", DEFAULT_FLUSH_INTERVAL)?;
        let timeout = duration(raw.timeout, "timeout", DEFAULT_REMOTE_TIMEOUT)?;
        Ok(RemoteWriteConfig {
            url: url.into_inner().trim().to_owned(),
            auth,
            labels: labels.into_iter().collect(),
            batch_size,
            flush_interval,
            timeout,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::Config;

    fn parse(export: &str) -> Result<Config> {
        let text = format!(
            "[upstream]\nbase_url = \"http://127.0.0.1:9/v1\"\n\n[[target]]\nname = \"t\"\n\n{export}"
        );
        Config::parse(&text, Path::new("."))
    }

    fn rw(export: &str) -> RemoteWriteConfig {
        parse(export)
            .unwrap_or_else(|e| panic!("{e}"))
            .export
            .remote_write
            .unwrap()
    }

    fn err(export: &str) -> String {
        parse(export).unwrap_err().to_string()
    }

    #[test]
    fn no_section_means_no_export() {
        assert_eq!(parse("").unwrap().export, ExportConfig::default());
    }

    #[test]
    fn defaults_apply_and_labels_sort_by_name() {
        let c = rw(
            "[export.remote_write]\nurl = \"http://127.0.0.1:9090/api/v1/write\"\nlabels = { replica = \"a\", center = \"east\" }\n",
        );
        assert_eq!(c.url, "http://127.0.0.1:9090/api/v1/write");
        assert_eq!(c.auth, RemoteWriteAuth::None);
        assert_eq!(
            c.labels,
            [
                ("center".to_owned(), "east".to_owned()),
                ("replica".to_owned(), "a".to_owned())
            ]
        );
        assert_eq!(c.batch_size, 5_000);
        assert_eq!(c.flush_interval, Duration::from_secs(5));
        assert_eq!(c.timeout, Duration::from_secs(30));
    }

    #[test]
    fn secrets_come_from_the_environment_and_never_print() {
        let c = rw(
            "[export.remote_write]\nurl = \"https://mimir.example/api/v1/push\"\nbasic_auth = { username = \"hc\", password_env = \"HC_TEST_RW_PASSWORD_1\" }\n",
        );
        assert_eq!(
            c.credentials().unwrap_err().to_string(),
            "export.remote_write basic_auth password: environment variable HC_TEST_RW_PASSWORD_1 is not set"
        );
        // Setting a variable is unsafe in edition 2024 (and races other tests); PATH
        // is one every test process has.
        let c = RemoteWriteConfig {
            auth: RemoteWriteAuth::Bearer {
                token_env: "PATH".to_owned(),
            },
            ..c
        };
        let creds = c.credentials().unwrap();
        let path = std::env::var("PATH").unwrap();
        assert_eq!(creds, Credentials::Bearer(Secret(path.clone())));
        let shown = format!("{creds:?} {c:?}");
        assert!(!shown.contains(&path), "{shown}");
        assert!(shown.contains("***"), "{shown}");
    }

    #[test]
    fn bad_values_name_their_line_and_key() {
        let cases = [
            (
                "[export.remote_write]\nbatch_size = 10\n",
                "line 7: export.remote_write: missing key \"url\"",
            ),
            (
                "[export.remote_write]\nurl = \"ftp://x/y\"\n",
                "line 8: export.remote_write.url: scheme must be http or https",
            ),
            (
                "[export.remote_write]\nurl = \"http://x/w\"\nbatch_size = 0\n",
                "line 9: export.remote_write.batch_size: 0 is out of range 1..=100000",
            ),
            (
                "[export.remote_write]\nurl = \"http://x/w\"\nflush_interval = \"soon\"\n",
                "line 9: export.remote_write.flush_interval:",
            ),
            (
                "[export.remote_write]\nurl = \"http://x/w\"\nlabels = { target = \"x\" }\n",
                "line 9: export.remote_write.labels: \"target\" is set by headcount",
            ),
            (
                "[export.remote_write]\nurl = \"http://x/w\"\nlabels = { __name__ = \"x\" }\n",
                "reserved for Prometheus",
            ),
            (
                "[export.remote_write]\nurl = \"http://x/w\"\nlabels = { \"1a\" = \"x\" }\n",
                "is not a label name",
            ),
            (
                "[export.remote_write]\nurl = \"http://x/w\"\nbearer_token_env = \"A\"\nbasic_auth = { username = \"u\", password_env = \"B\" }\n",
                "line 10: export.remote_write: bearer_token_env and basic_auth exclude each other",
            ),
            (
                "[export.remote_write]\nurl = \"http://x/w\"\nbasic_auth = { username = \"u\" }\n",
                "line 9: export.remote_write.basic_auth: missing key \"password_env\"",
            ),
            (
                "[export.remote_write]\nurl = \"http://x/w\"\nbearer_token_env = \"not a var\"\n",
                "line 9: export.remote_write.bearer_token_env: \"not a var\" is not an environment variable name",
            ),
            (
                "[export.remote_write]\nurl = \"http://x/w\"\nurl_typo = 1\n",
                "unknown key \"url_typo\"",
            ),
        ];
        for (text, want) in cases {
            let got = err(text);
            assert!(got.contains(want), "{text}\n got: {got}\nwant: {want}");
        }
    }
}
