//! A simulated contact center that speaks the Convoso-style User Activity API
//! (`shared/reference/user-activity-api.txt`). `headcount simulate` serves it,
//! `headcount demo` asks its model for weeks of history, and other crates' tests use
//! it as a realistic upstream with injectable faults; `headcount demo`, `headcount
//! bench` and tests take recorded-looking history from [`history`]. It is written from the API's
//! documentation alone, independently of `headcount-convoso`, so each checks the
//! other.
//!
//! Layout:
//! - [`center`]: the model. [`Center::snapshot`] gives every agent's [`Status`] at an
//!   instant as a pure function of (seed, time zone, staged scenarios, instant); counts
//!   over a [`Filter`].
//! - [`scenario`]: short-staffing [`Scenario`]s, staged in the center: for a window of
//!   time, most matching agents are not ready.
//! - `roster`: the agents: campaigns, queues, skills and weekly shifts.
//! - [`filter`]: the API's filter parameters, parsed and validated.
//! - [`history`]: [`History`], what polling the model on a step would have recorded,
//!   with staged outages and crashes; long friendly and noisy series for benches.
//! - [`faults`]: fault injection ([`Faults`]): latency, 500s, malformed bodies, hangs,
//!   API errors (in `error` or, as real deployments send them, in `text`), 401, 403,
//!   429 with `Retry-After`, HTML pages, counts as strings.
//! - `api`: the HTTP routes.
//! - `server`: [`SimulatorConfig`], [`Clock`], [`Simulator`], its [`SimulatorHandle`]
//!   and [`serve`].
//! - `error`: the crate's [`Error`].
//! - `hash`: the SplitMix64 hashing everything random derives from.
//!
//! # The center
//!
//! 400 agents (user IDs 12000–12399) in campaigns 111 Sales, 112 Customer Support,
//! 113 Billing and 114 Retention; queues 222 Sales Inbound, 223 Customer Support,
//! 224 Billing and 225 Retention & Callbacks; skills `english`, `spanish`, `french`,
//! `sales`, `support`, `billing`. Agents work day (06:00–09:00 starts), evening
//! (14:00–17:00, past midnight) and night (22:00–23:30 the evening before) shifts of
//! 8.5 hours in local wall-clock time, so DST moves them with the clock; five days a
//! week, fewer at weekends. On a weekday campaign 111 has about 50 agents logged in at
//! 11 AM at about 90% utilization and about 15 at 2 AM at about 20%, as in the
//! reference's "Comparative Analysis". The reference's user 12345 is a campaign-111,
//! queue-222 agent with skills `english` and `sales` who works every weekday 08:00–16:30.
//!
//! # The API
//!
//! `POST` or `GET /v1/user-activity/search` (the reference's base URL ends in `/v1`).
//! Parameters come from the query string and, for methods other than GET and HEAD,
//! from an `application/x-www-form-urlencoded` body; a body parameter replaces a query
//! parameter of the same name, and of repeated names the last wins. Other body types
//! and unknown parameters are ignored. Answers are JSON, `Content-Type:
//! application/json`:
//!
//! - success: `{"success": true, "data": {"available_agents": A, "logged_in_agents": L}}`;
//! - checked in this order, each `200` with the reference's body:
//!   1. `auth_token` missing or wrong: `{"success": false, "error": "Invalid
//!      authentication token"}`;
//!   2. invalid `campaign_id`: `{"success": false, "code": 6026, "error": "Invalid
//!      campaign ID"}`; then `queue_id` (6041, "Invalid queue ID") and `user_id`
//!      (6006, "Invalid user ID").
//!
//! The reference documents these bodies but no HTTP status, so they come with `200`,
//! like a success: a client must read `success`.
//!
//! An ID parameter is one ID or a comma-separated list of them (`campaign_id=111,112`,
//! as real callers send `queue_id=4310,4311,4312`), matching agents of any listed ID.
//! It is *invalid* unless every element is a positive integer in canonical decimal:
//! ASCII digits, no sign, no leading zero, no spaces, at most 2^64 − 1 (`abc`, `-1`,
//! `0`, `007`, `111,` and `111, 112` are invalid). A well-formed ID that names no
//! campaign, queue or user is *not found*: it matches nobody, so a list of unknown IDs
//! is success with zeros (the reference's last three rows) and an unknown ID in a list
//! with known ones changes nothing. An absent or empty parameter is no filter.
//! `filter_by_skill_options` is a comma-separated list, its entries trimmed and
//! compared case-insensitively, empty entries dropped (a list with none left is no
//! filter); agents with any listed skill match, and an unknown skill matches nobody.
//! Filters are AND-ed: an agent counts once if it matches every filter.
//!
//! # Control
//!
//! - `GET /` describes the service in plain text.
//! - `GET /_sim/faults` shows the [`Faults`] in force as JSON and `PUT /_sim/faults`
//!   replaces them (`400` with `{"error", "field"}` for a bad body, leaving them
//!   unchanged). Faults apply to the search route only, before anything else is
//!   checked; [`Faults`] lists each fault and the answer it injects.
//! - `GET /_sim/scenario` shows the staged [`Scenario`]s as a JSON list, `PUT
//!   /_sim/scenario` replaces them with the body's (one scenario or a list, such as
//!   `{"campaign_id": "111", "available_factor": 0.1, "from": 1794931200, "until":
//!   1794938400}`; `400` with `{"error", "field"}` for a bad one, leaving them
//!   unchanged), and `DELETE /_sim/scenario` clears them. In library code,
//!   [`SimulatorConfig::scenarios`], [`SimulatorHandle::set_scenarios`] and
//!   [`Center::with_scenarios`] do the same.

pub mod center;
pub mod faults;
pub mod filter;
pub mod history;
pub mod scenario;

mod api;
mod error;
mod hash;
mod roster;
mod server;

pub use center::{Center, CenterConfig, Counts, Selection, Snapshot, Status};
pub use error::Error;
pub use faults::{Faults, RetryAfterForm};
pub use filter::Filter;
pub use history::{Failure, History, Incident, IncidentKind, Poll, Reading};
pub use roster::{Agent, Campaign, Queue, Shift, ShiftKind};
pub use scenario::Scenario;
pub use server::{Clock, Simulator, SimulatorConfig, SimulatorHandle, serve};
