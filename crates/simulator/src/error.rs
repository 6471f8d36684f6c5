//! The crate's one error type.

/// Everything that can go wrong in the simulator.
///
/// The first three variants are the reference's documented API errors; [`Error::api_code`]
/// gives their codes.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// `campaign_id` is not a positive integer in canonical decimal.
    #[error("campaign_id: not a positive integer: {value:?}")]
    InvalidCampaign {
        /// The parameter as given.
        value: String,
    },
    /// `queue_id` is not a positive integer in canonical decimal.
    #[error("queue_id: not a positive integer: {value:?}")]
    InvalidQueue {
        /// The parameter as given.
        value: String,
    },
    /// `user_id` is not a positive integer in canonical decimal.
    #[error("user_id: not a positive integer: {value:?}")]
    InvalidUser {
        /// The parameter as given.
        value: String,
    },
    /// A fault rate is outside `0..=1` (or not a number).
    #[error("faults: {field}: rate must be within 0..=1, got {value}")]
    InvalidFaultRate {
        /// The name of the field at fault, as it is spelled in JSON.
        field: &'static str,
        /// The rejected value.
        value: f64,
    },
    /// The configured API token is empty, which would make every request without a
    /// token valid.
    #[error("token: must not be empty")]
    EmptyToken,
    /// A short-staffing scenario is malformed.
    #[error("scenario: {field}: {reason}")]
    InvalidScenario {
        /// The field at fault, as it is spelled in JSON (`body` when the JSON itself
        /// is unusable).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl Error {
    /// The reference's error code for the API errors (6026, 6041, 6006); `None` for the
    /// others.
    pub fn api_code(&self) -> Option<u32> {
        match self {
            Error::InvalidCampaign { .. } => Some(6026),
            Error::InvalidQueue { .. } => Some(6041),
            Error::InvalidUser { .. } => Some(6006),
            Error::InvalidFaultRate { .. } | Error::EmptyToken | Error::InvalidScenario { .. } => {
                None
            }
        }
    }
}
