//! The crate's one error type.

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can stop alert evaluation or delivery.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database failed.
    #[error("alerts: {0}")]
    Store(#[from] headcount_store::Error),
    /// A channel's URL or another config value is unusable.
    #[error(transparent)]
    Config(#[from] headcount_config::Error),
    /// The HTTP client could not be built.
    #[error("alerts: HTTP client: {0}")]
    Client(String),
    /// A notification could not be encoded or decoded.
    #[error("alerts: notification JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A channel name that the config does not have.
    #[error("alerts: unknown channel {0:?}")]
    UnknownChannel(String),
    /// A blocking task panicked or was cancelled.
    #[error("alerts: task: {0}")]
    Task(String),
}
