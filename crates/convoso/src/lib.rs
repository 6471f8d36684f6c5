//! Typed wire types and the async client of the Convoso-style User Activity API
//! (`POST {base_url}/user-activity/search`), which answers how many agents are
//! available and logged in right now, optionally filtered by campaign, queue, user
//! and skills. The collector polls it through one shared [`Client`]; every failure
//! comes back as an [`Error`] with a stable [`ErrorKind`], never as zero agents.
//!
//! # Layout
//!
//! - `filters`: [`Filters`], what a search counts, its canonical form and its check
//!   ([`FilterError`]).
//! - `types`: [`Activity`] (the answer), [`Method`] (POST or GET), [`AuthToken`].
//! - `client`: [`ClientConfig`] and [`Client`], which sends one search and reads it.
//! - `response`: the rules below, turning a status, headers and body into an answer
//!   or error.
//! - `url`: the base URL's rules ([`check_base_url`]) and how a URL is shown
//!   ([`display_url`]).
//! - `error`: [`Error`] and [`ErrorKind`].
//! - `text`: cleaning, masking and cutting text before it is kept in an error.
//!
//! # Requests
//!
//! POST (the default) sends `auth_token` and the set filters as an
//! `application/x-www-form-urlencoded` body; GET sends the same parameters as the
//! query string. An ID filter may be a comma-separated list (`queue_id=4310,4311`);
//! it is sent in its canonical form ([`Filters::canonical`]). The configured timeout
//! covers the whole request, reading the body included. Redirects are not followed.
//! [`Client::new`] installs rustls' `ring` crypto provider as the process default if
//! none is installed (reqwest is built without one and would panic otherwise).
//!
//! # Reading a response
//!
//! By status first, then by body:
//!
//! - **401**, whatever the body (or none): the token is missing or invalid,
//!   [`Error::InvalidToken`].
//! - **403**: the token is not valid for this office or resource. If the message
//!   (the `error`, `message` or `text` field of a JSON body, or a plain-text body)
//!   mentions "token", in any case, [`Error::InvalidToken`]; otherwise
//!   [`Error::Forbidden`] with that message, if any.
//! - **429**: [`Error::RateLimited`], with the wait `Retry-After` asks for
//!   ([`Error::retry_after`]): delta-seconds, or an HTTP-date (IMF-fixdate, or the
//!   obsolete RFC 850 and asctime forms) measured from the response's `Date` (the
//!   server's clock), else from when the response arrived; a date in the past is
//!   zero; unreadable or missing is `None`.
//! - **Any other non-2xx**: a `"success": false` body that is one of the documented
//!   errors below is that error (a deployment may send 400 with code 6026); anything
//!   else is [`Error::HttpStatus`].
//! - **A 2xx** with `{"success": true, "data": {"available_agents": N,
//!   "logged_in_agents": M}}` is an [`Activity`]. N and M must be non-negative
//!   integers, given as JSON numbers or as strings of ASCII decimal digits (some
//!   deployments serialise numbers as strings); `36.0`, `-1`, `1.5`, `"+5"` are
//!   refused. Neither may exceed [`ClientConfig::max_agents`] (default
//!   [`DEFAULT_MAX_AGENTS`], 100,000): `4294967295` agents is a broken upstream, not
//!   a contact center. N > M is refused too: available agents are a subset of
//!   logged-in agents. Each of these is [`Error::BadBody`] with a short reason.
//! - A 2xx body that is not JSON (an HTML error page from a proxy, say: the reason
//!   names its content type), not an object, has no boolean `success`, has
//!   `success: true` with missing or null `data`, or a count missing or malformed,
//!   is [`Error::BadBody`].
//! - A 2xx with `"success": false`: `code` 6026 is [`Error::InvalidCampaign`], 6041
//!   [`Error::InvalidQueue`], 6006 [`Error::InvalidUser`] (a code may also be a
//!   string of digits). Otherwise, if any of the message fields `error` (the
//!   reference's), `message` or `text` (where real deployments put it:
//!   `{"success":false,"code":5001,"text":"Auth token is invalid"}`) mentions "token",
//!   in any case, it is [`Error::InvalidToken`]. Anything else is [`Error::Api`] with
//!   the code and the first non-blank message field, in that order of preference.
//! - No complete response within the timeout is [`Error::Timeout`]; a refused,
//!   reset or unresolvable connection, or any other transport failure, is
//!   [`Error::Connect`].
//!
//! Text kept from a response (a message, a content type, a transport error) has its
//! control characters removed and the token masked, and only then is cut (messages to
//! about 200 characters, a content type to 60), so a token straddling the cut cannot
//! leave its first characters behind.
//!
//! # Secrets
//!
//! The token never appears in the `Debug` or `Display` of [`AuthToken`],
//! [`ClientConfig`], [`Client`] or [`Error`], nor in this crate's logs: transport
//! errors are stripped of their URL, any text kept from the network has the token
//! masked, and URLs are shown only through [`display_url`] (credentials and
//! secret-looking path segments and query values masked, the token too when known).
//! [`check_base_url`] refuses a base URL with credentials without repeating them.

mod client;
mod error;
mod filters;
mod response;
mod text;
mod types;
mod url;

pub use client::{Client, ClientConfig, DEFAULT_MAX_AGENTS, DEFAULT_TIMEOUT};
pub use error::{Error, ErrorKind};
pub use filters::{FilterError, Filters};
pub use types::{Activity, AuthToken, Method};
pub use url::{check_base_url, display_url};
