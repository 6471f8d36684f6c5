//! headcount's staffing alerts: rules over the stored samples, their episodes, and
//! notifications that reach a receiver even when it is briefly down.
//!
//! Rules (`[[alert]]`, checked by headcount-config) are evaluated by one state machine
//! per rule × target, fed the target's samples as stored, in slot order
//! ([`Machine`]); the same code runs live ([`Engine`], after each collector tick) and
//! over history ([`replay`], `headcount alerts replay`), so the same history always
//! gives the same alerts. Machine states, episodes and queued notifications live in
//! SQLite (headcount_store's `alerts` module); [`Deliverer`] sends the outbox to
//! webhooks (Alertmanager's JSON), Slack, Teams or the log, with backoff and a
//! give-up time. [`run`] is the service: evaluation and delivery on their own tasks,
//! never in the collector's way.
//!
//! Layout:
//! - `eval`: [`Machine`], [`Rule`], [`Event`]: the lifecycle rules, documented there.
//! - `engine`: [`Engine`], live rounds over the store.
//! - `replay`: [`replay`], rules over stored history.
//! - `notify`: [`Notification`], its text and each channel's body.
//! - `deliver`: [`Deliverer`], the outbox sender.
//! - `service`: [`run`], the long-running service.
//! - `error`: [`Error`].

mod deliver;
mod engine;
mod error;
mod eval;
mod notify;
mod replay;
mod service;

pub use deliver::{Attempt, DEFAULT_BACKOFF, Deliverer, DeliveryRound};
pub use engine::{Engine, PERSIST_EVERY, RoundSummary, SETTLE_SLACK};
pub use error::{Error, Result};
pub use eval::{Binding, EndReason, Event, Machine, Phase, Rule};
pub use headcount_config::Backoff;
pub use notify::{Kind, Notification};
pub use replay::{ReplayEpisode, ReplayReport, RuleTotals, replay};
pub use service::{evaluation_interval, run};
