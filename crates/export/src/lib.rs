//! headcount's Prometheus remote write: every sample the store commits goes on, with
//! its own timestamp, to a Prometheus-compatible receiver; stored history can be
//! replayed there on demand.
//!
//! The [`Exporter`] runs beside the collector (`headcount run`, `headcount collect`)
//! as its own task with its own database connection: it reads the outbox that the
//! store fills in the same transaction as the samples ([`headcount_store::Outbox`];
//! the cursor design is documented there), sends what is new, and moves a durable
//! cursor once the receiver took it. Collection never waits for it. [`replay`]
//! (`headcount export --remote-write --from …`) sends stored history directly: raw
//! samples where they are kept, the 15-minute rollups as their own series where
//! retention pruned them.
//!
//! Layout:
//! - `prompb`: the remote write 1.0 messages (prost) and the body (protobuf + snappy).
//! - `series`: series names and labels, a batch of samples as a [`WriteRequest`].
//! - `client`: [`RemoteWriteClient`], the POST and how an answer is sorted.
//! - `exporter`: [`Exporter`], the long-running outbox sender: batches, retries with
//!   backoff, refusals counted, clean stop.
//! - `replay`: [`replay`], history from the store.
//! - `error`: [`Error`].

mod client;
mod error;
mod exporter;
pub mod prompb;
mod replay;
pub mod series;

pub use client::{PROTOCOL_VERSION, RemoteWriteClient, SendError};
pub use error::{Error, Result};
pub use exporter::{DEFAULT_BACKOFF, ExportSummary, Exporter};
pub use headcount_config::Backoff;
pub use prompb::WriteRequest;
pub use replay::{ReplayOptions, ReplayProgress, ReplaySummary, replay};
