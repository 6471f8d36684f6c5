//! The seam between the collector and the upstream: [`Poller`], one-shot polls for
//! `check`, and the mapping of client errors to stored outcomes.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use headcount_convoso::{Activity, AuthToken, Client, ErrorKind, Filters};
use headcount_store::Outcome;
use tokio::sync::Semaphore;

use crate::error::{Error, Result};
use headcount_config::Config;

/// The future a [`Poller`] returns.
pub type SearchFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Activity, headcount_convoso::Error>> + Send + 'a>>;

/// Something that answers searches: the upstream [`Client`] in production, a double in
/// tests (for example one slower than the schedule, to provoke overruns).
pub trait Poller: Send + Sync + 'static {
    /// Asks how many agents matching `filters` are available and logged in, giving up
    /// after `timeout` with [`headcount_convoso::Error::Timeout`].
    fn search<'a>(&'a self, filters: &'a Filters, timeout: Duration) -> SearchFuture<'a>;
}

impl Poller for Client {
    fn search<'a>(&'a self, filters: &'a Filters, timeout: Duration) -> SearchFuture<'a> {
        Box::pin(async move {
            // The client's own timeout is `upstream.timeout`; a target on a tighter
            // schedule has a shorter one, enforced here.
            if timeout >= self.timeout() {
                return Client::search(self, filters).await;
            }
            match tokio::time::timeout(timeout, Client::search(self, filters)).await {
                Ok(result) => result,
                Err(_) => Err(headcount_convoso::Error::Timeout { after: timeout }),
            }
        })
    }
}

/// The stored outcome of a failed poll.
#[must_use]
pub fn outcome_of(kind: ErrorKind) -> Outcome {
    match kind {
        ErrorKind::Timeout => Outcome::Timeout,
        ErrorKind::Connect => Outcome::Connect,
        ErrorKind::HttpStatus => Outcome::HttpStatus,
        ErrorKind::BadBody => Outcome::BadBody,
        ErrorKind::InvalidToken => Outcome::InvalidToken,
        ErrorKind::Forbidden => Outcome::Forbidden,
        ErrorKind::RateLimited => Outcome::RateLimited,
        ErrorKind::InvalidCampaign => Outcome::InvalidCampaign,
        ErrorKind::InvalidQueue => Outcome::InvalidQueue,
        ErrorKind::InvalidUser => Outcome::InvalidUser,
        ErrorKind::ApiError => Outcome::ApiError,
        // `search` never returns BadConfig; should it ever, it is the API refusing the
        // request, which is what api_error records.
        ErrorKind::BadConfig => Outcome::ApiError,
    }
}

/// One target's answer to [`poll_once`].
#[derive(Debug, Clone)]
pub struct PollResult {
    /// The target's name.
    pub target: String,
    /// Its filters.
    pub filters: Filters,
    /// The answer or the failure.
    pub result: Result<Activity, headcount_convoso::Error>,
    /// How long the poll took.
    pub latency: Duration,
}

impl PollResult {
    /// The outcome as it would be stored.
    #[must_use]
    pub fn outcome(&self) -> Outcome {
        match &self.result {
            Ok(_) => Outcome::Ok,
            Err(e) => outcome_of(e.kind()),
        }
    }
}

/// Polls every target of `config` once, `upstream.concurrency` at a time, each with
/// its own timeout; results in config order. For `headcount check`.
///
/// # Errors
///
/// [`Error::Client`] when the upstream client cannot be built. Failed polls are not
/// errors: they are in the results.
pub async fn poll_once(config: &Config, token: AuthToken) -> Result<Vec<PollResult>> {
    let client = Client::new(config.client_config(token)).map_err(Error::Client)?;
    let poller: Arc<dyn Poller> = Arc::new(client);
    let limit = Arc::new(Semaphore::new(config.upstream.concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, target) in config.targets.iter().enumerate() {
        let poller = Arc::clone(&poller);
        let limit = Arc::clone(&limit);
        let filters = target.filters.clone();
        let timeout = target.timeout;
        let name = target.name.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let started = Instant::now();
            let result = poller.search(&filters, timeout).await;
            (
                i,
                PollResult {
                    target: name,
                    filters,
                    result,
                    latency: started.elapsed(),
                },
            )
        });
    }
    let mut results: Vec<(usize, PollResult)> = tasks.join_all().await.into_iter().collect();
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_poll_failure_kind_has_its_own_outcome() {
        let mapped: Vec<&str> = ErrorKind::POLL_OUTCOMES
            .iter()
            .map(|k| outcome_of(*k).as_str())
            .collect();
        // The client's kind names are the store's outcome names.
        let names: Vec<&str> = ErrorKind::POLL_OUTCOMES
            .iter()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(mapped, names);
    }
}
