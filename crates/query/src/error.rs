//! The crate's error type.

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a query.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request parameter (or a config value parsed here) is bad; the web crate answers
    /// 400 with [`ParamError::param`], the CLI exits 2.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// Reading the store failed; a server error, never the caller's fault.
    #[error(transparent)]
    Store(#[from] headcount_store::Error),
}

impl Error {
    /// The parameter at fault, when the caller's input is.
    #[must_use]
    pub fn param(&self) -> Option<&'static str> {
        match self {
            Error::Param(p) => Some(p.param),
            Error::Store(_) => None,
        }
    }
}

/// A bad value for a named parameter: `message` says what was given and what is
/// accepted. Displayed as "param: message".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{param}: {message}")]
pub struct ParamError {
    /// The parameter (`from`, `to`, `tz`, `step`, `compare`, `horizon`) or config key
    /// (`peak.days`, `peak.hours`, `thresholds`) at fault.
    pub param: &'static str,
    /// What is wrong and what is accepted, lowercase.
    pub message: String,
}

impl ParamError {
    /// A bad value of `param`.
    pub(crate) fn new(param: &'static str, message: impl Into<String>) -> ParamError {
        ParamError {
            param,
            message: message.into(),
        }
    }
}
