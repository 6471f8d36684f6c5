//! The crate's one error type.

use std::path::PathBuf;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can be wrong with a config file, or with the environment it names.
///
/// Messages are one line, "subject: cause", ready to show a user; every problem in
/// the file names its line and key. None of them ever holds a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The config file could not be read.
    #[error("config: cannot read {}: {error}", path.display())]
    ReadConfig {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        error: std::io::Error,
    },
    /// The config is not valid: bad TOML, an unknown key, a bad value.
    #[error("config: {}{message}", line_label(*line))]
    Config {
        /// The 1-based line the problem stands on, when it has one.
        line: Option<usize>,
        /// What is wrong, naming the key (e.g. `target "sales": unknown key "campain_id"`).
        message: String,
    },
    /// The environment variable that should hold a token is unset or empty.
    #[error("{what}: environment variable {var} is {state}")]
    MissingToken {
        /// Which token (`upstream token`).
        what: &'static str,
        /// The variable's name.
        var: String,
        /// `not set`, `empty` or `not valid UTF-8`.
        state: &'static str,
    },
}

fn line_label(line: Option<usize>) -> String {
    line.map(|l| format!("line {l}: ")).unwrap_or_default()
}

impl Error {
    pub(crate) fn config(line: Option<usize>, message: impl Into<String>) -> Error {
        Error::Config {
            line,
            message: message.into(),
        }
    }
}
