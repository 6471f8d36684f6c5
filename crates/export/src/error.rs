//! The crate's one error type.

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What stops an exporter or a replay. Failed sends are not errors: they are retried,
/// or counted and logged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration cannot be used (a credential variable unset, a bad URL).
    #[error("{0}")]
    Config(String),
    /// The HTTP client could not be built.
    #[error("remote write: http client: {0}")]
    Client(String),
    /// The database failed.
    #[error("remote write: {0}")]
    Store(#[from] headcount_store::Error),
    /// A blocking task panicked.
    #[error("remote write: {0}")]
    Task(String),
    /// The replay was stopped before it finished.
    #[error("remote write: replay stopped after {sent} of {total} samples")]
    Stopped {
        /// Stored samples (and rollups) sent.
        sent: u64,
        /// Stored samples (and rollups) in the range.
        total: u64,
    },
}

impl From<headcount_config::Error> for Error {
    fn from(e: headcount_config::Error) -> Self {
        Error::Config(e.to_string())
    }
}
