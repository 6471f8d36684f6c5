//! Typed wire types and the async client of the Convoso-style User Activity API
//! (`POST {base_url}/user-activity/search`), which answers how many agents are
//! available and logged in right now, optionally filtered by campaign, queue, user
//! and skills. The collector polls it through one shared [`Client`]; every failure
//! comes back as an [`Error`] with a stable [`ErrorKind`], never as zero agents.
//!
//! # Layout
//!
//! - `filters`: [`Filters`], what a search counts, and its canonical form.
//! - `types`: [`Activity`] (the answer), [`Method`] (POST or GET), [`AuthToken`].
//! - `client`: [`ClientConfig`] and [`Client`], which sends one search and reads it.
//! - `response`: the rules below, turning a status and body into an answer or error.
//! - `error`: [`Error`] and [`ErrorKind`].
//! - `text`: cleaning, cutting and masking text before it is kept in an error.
//!
//! # Requests
//!
//! POST (the default) sends `auth_token` and the set filters as an
//! `application/x-www-form-urlencoded` body; GET sends the same parameters as the
//! query string. The configured timeout covers the whole request, reading the body
//! included. Redirects are not followed. [`Client::new`] installs rustls' `ring`
//! crypto provider as the process default if none is installed (reqwest is built
//! without one and would panic otherwise).
//!
//! # Reading a response
//!
//! - A 2xx with `{"success": true, "data": {"available_agents": N,
//!   "logged_in_agents": M}}` is an [`Activity`]. N and M must be non-negative
//!   integers that fit `u32`, given as JSON numbers or as strings of ASCII decimal
//!   digits (some deployments serialise numbers as strings). `36.0`, `-1`, `1.5`,
//!   `"+5"` are refused.
//! - N > M is [`Error::BadBody`]: available agents are a subset of logged-in agents.
//! - A 2xx body that is not JSON, not an object, has no boolean `success`, has
//!   `success: true` with missing or null `data`, or a count missing or malformed
//!   is [`Error::BadBody`] with a short reason.
//! - `"success": false`: `code` 6026 is [`Error::InvalidCampaign`], 6041
//!   [`Error::InvalidQueue`], 6006 [`Error::InvalidUser`] (a code may also be a
//!   string of digits); otherwise an `error` (or `message`) text containing
//!   "token", in any case, is [`Error::InvalidToken`] (the reference's
//!   "Invalid authentication token" has no code); anything else is [`Error::Api`]
//!   with the code and the message, control characters stripped, cut to about 200
//!   characters.
//! - A non-2xx status whose body is one of the documented errors above (a
//!   deployment may send 401 for a bad token) is that error; any other non-2xx is
//!   [`Error::HttpStatus`].
//! - No complete response within the timeout is [`Error::Timeout`]; a refused,
//!   reset or unresolvable connection, or any other transport failure, is
//!   [`Error::Connect`].
//!
//! # Secrets
//!
//! The token never appears in the `Debug` or `Display` of [`AuthToken`],
//! [`ClientConfig`], [`Client`] or [`Error`], nor in this crate's logs: transport
//! errors are stripped of their URL, and any text kept from the network has the
//! token masked.

mod client;
mod error;
mod filters;
mod response;
mod text;
mod types;

pub use client::{Client, ClientConfig, DEFAULT_TIMEOUT};
pub use error::{Error, ErrorKind};
pub use filters::Filters;
pub use types::{Activity, AuthToken, Method};
