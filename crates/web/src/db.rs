//! Reads off the async workers: on `spawn_blocking` threads, each with its own
//! [`Reader`] opened lazily and kept, so a request costs no connection open and reuses
//! the reader's cached statements. Quick reads are queued so that under load a
//! blocking thread runs read after read ([`ReadQueue`]).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use headcount_query::SeriesRef;
use headcount_store::{Reader, Reads, TargetId};
use tokio::sync::oneshot;

use crate::error::ApiError;
use crate::state::{AppState, Configured};

/// The id no series has: SQLite assigns row ids from 1 up. A configured target whose
/// series the collector has not created yet reads through it as a series without
/// rows, so every endpoint answers as for a target with no samples (empty buckets,
/// an empty report) instead of inventing a special case.
const NO_SERIES: TargetId = TargetId(-1);

/// How many databases one thread keeps a reader for. A server reads one; tests open
/// many in turn, and a thread's readers of deleted files should not pile up.
const MAX_READERS: usize = 4;

thread_local! {
    static READERS: RefCell<Vec<(PathBuf, Reader)>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's reader of `path`, opening it first if needed. A reader
/// whose read failed is dropped, so the next request opens a fresh one (the file may
/// have been replaced or repaired).
pub(crate) fn with_reader<T>(
    path: &Path,
    f: impl FnOnce(&Reader) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    READERS.with(|cell| {
        let mut readers = cell.borrow_mut();
        let idx = match readers.iter().position(|(p, _)| p == path) {
            Some(i) => i,
            None => {
                let reader = Reader::open(path)?;
                if readers.len() >= MAX_READERS {
                    readers.remove(0);
                }
                readers.push((path.to_owned(), reader));
                readers.len() - 1
            }
        };
        let out = f(&readers[idx].1);
        if matches!(out, Err(ApiError::Store(_))) {
            readers.remove(idx);
        }
        out
    })
}

/// Runs `f` on a `spawn_blocking` thread with that thread's reader of the state's
/// database, all its reads in one snapshot ([`Reader::snapshot`]): for reads that may
/// take a while (series, reports, charts, pages), which must not hold up the quick ones
/// queued for [`read_quick`].
pub(crate) async fn read<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Reader, &AppState) -> Result<T, ApiError> + Send + 'static,
{
    let st = state.clone();
    tokio::task::spawn_blocking(move || with_reader(&st.inner.db, |r| r.snapshot(|r| f(r, &st))))
        .await
        .map_err(|e| ApiError::Internal(format!("read task: {e}")))?
}

/// Like [`read`], for reads of a few index lookups (`/latest`, the target list,
/// `/metrics`, `/healthz`, the dashboard's index): queued for the state's
/// [`ReadQueue`], whose drainers are `spawn_blocking` tasks too.
pub(crate) async fn read_quick<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Reader, &AppState) -> Result<T, ApiError> + Send + 'static,
{
    let (tx, rx) = oneshot::channel();
    let st = state.clone();
    let job: Job = Box::new(move || {
        // A panicking read must not take its drainer with it (the queue would lose a
        // drainer for good): it becomes this request's 500.
        let out = panic::catch_unwind(AssertUnwindSafe(|| {
            with_reader(&st.inner.db, |r| f(r, &st))
        }))
        .unwrap_or_else(|_| Err(ApiError::Internal("read panicked".to_owned())));
        // The request may have gone (timeout, closed connection): nothing to tell.
        let _ = tx.send(out);
    });
    if state.inner.reads.push(job) {
        let st = state.clone();
        tokio::task::spawn_blocking(move || st.inner.reads.drain());
    }
    rx.await
        .map_err(|_| ApiError::Internal("read dropped".to_owned()))?
}

type Job = Box<dyn FnOnce() + Send>;

/// Quick reads waiting for a blocking thread, taken by up to one drainer per core:
/// `spawn_blocking` tasks that run reads one after another until none is left.
///
/// Why not one `spawn_blocking` per read: under load the handoff dominated. Each read
/// woke a sleeping pool thread and each pool thread slept again after one read;
/// profiling `/latest` under wrk showed about half the time in the kernel's
/// scheduler. A drainer that finds the next read already queued takes it without
/// sleeping, so under load reads go out without a wake each, and with one drainer per
/// core they do not compete for the cores either (measured: about 25,000 requests/s
/// with a `spawn_blocking` per read, 8 drainers about the same, 2 drainers about
/// 40,000). With little load it is the same as before: one `spawn_blocking` per read.
pub(crate) struct ReadQueue {
    inner: Mutex<Pending>,
}

struct Pending {
    /// Most drainers at once.
    max: usize,
    jobs: VecDeque<Job>,
    /// Drainers running; every queued job is taken by one of them.
    drainers: usize,
}

impl ReadQueue {
    /// A queue with at most `drainers` (at least 1) running at once.
    pub(crate) fn new(drainers: usize) -> ReadQueue {
        ReadQueue {
            inner: Mutex::new(Pending {
                max: drainers.max(1),
                jobs: VecDeque::new(),
                drainers: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        // Jobs run outside the lock, so it is never poisoned by one; if it were, the
        // queue itself is still consistent.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `job`; true when the caller must start a drainer for it.
    fn push(&self, job: Job) -> bool {
        let mut p = self.lock();
        p.jobs.push_back(job);
        if p.drainers < p.max {
            p.drainers += 1;
            true
        } else {
            false
        }
    }

    /// Runs queued jobs until there are none. The check for more work and the
    /// drainer's exit happen under one lock with [`ReadQueue::push`], so no job is
    /// ever left without a drainer.
    fn drain(&self) {
        loop {
            let job = {
                let mut p = self.lock();
                match p.jobs.pop_front() {
                    Some(job) => job,
                    None => {
                        p.drainers -= 1;
                        return;
                    }
                }
            };
            job();
        }
    }
}

impl Configured {
    /// The current series of this target, as a query target; [`NO_SERIES`] before
    /// the collector has created it.
    pub(crate) fn resolve<'a>(&'a self, reader: &Reader) -> Result<SeriesRef<'a>, ApiError> {
        let name = self.config.name.as_str();
        if let Some(&id) = self.id.get() {
            return Ok(SeriesRef { id, name });
        }
        let id = match reader.target(name, &self.filters_json)? {
            Some(id) => *self.id.get_or_init(|| id),
            // Not cached: the series may appear with the collector's next start.
            None => NO_SERIES,
        };
        Ok(SeriesRef { id, name })
    }
}

/// Whether a resolved target has a series yet.
pub(crate) fn has_series(target: &SeriesRef<'_>) -> bool {
    target.id != NO_SERIES
}
