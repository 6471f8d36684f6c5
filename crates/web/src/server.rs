//! Serving [`crate::app`] on a socket so that it survives its clients: [`serve`] and
//! its [`ServerLimits`].
//!
//! Each accepted connection is served by hyper's HTTP/1.1 connection in a task of its
//! own, its socket wrapped to note when bytes last moved and when an unfinished request
//! head began, its handlers counted while they run and its response bodies while they
//! are sent. A watchdog in the same task closes the connection when
//! - no handler runs and no byte has moved either way for `idle_timeout`: an idle
//!   keep-alive connection, a client that connected and said nothing, a download whose
//!   client stopped reading;
//! - the head of a request is still incomplete `header_read_timeout` after its first
//!   byte (slowloris).
//!
//! At most `max_connections` are served at once. A connection accepted past the cap
//! closes the one that has waited longest for its next request (idle since its last
//! byte, or stuck in a request head since its first), so new clients and short
//! requests are never starved by connections that do nothing. Only when every
//! connection is running a handler or sending a response is the new one answered `503`
//! with `Retry-After: 1` and closed (at most [`BUSY_ANSWERS`] such answers at once;
//! past that it is closed unanswered). When `accept` fails for want of file
//! descriptors anyway (another part of the process holds many, or the limit is lower
//! than the cap assumed), the cap drops for good to [`FILE_HEADROOM`] below the
//! connections open then, and the longest-waiting connections are closed down to it:
//! the database readers and the collector get descriptors again, and accepting
//! resumes shortly. Nothing waits in the listen backlog for a client to let go.
//!
//! A stop (the `shutdown` future) closes the listener and every connection waiting for
//! a request, lets the requests in flight finish (a running download included) up to
//! `drain_limit`, then drops what is left.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt as _;

use crate::error::ErrorBody;
use crate::state::AppState;

/// Most connections answered "busy" at once; past it a connection over the cap is
/// closed without an answer.
pub const BUSY_ANSWERS: usize = 64;

/// The most connections [`ServerLimits::default`] allows, whatever the file limit.
const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// How many descriptors below the number open when `accept` ran out of them the cap
/// drops to: room for the database readers (three files each), the collector's polls
/// and the log.
pub const FILE_HEADROOM: usize = 32;

/// How a server treats its connections; see the module doc for what each bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLimits {
    /// Most connections served at once (at least 1). Default: 1,024, but at most half
    /// the process's open-file limit (`RLIMIT_NOFILE`), so that the database readers,
    /// the collector and the log always have descriptors left.
    pub max_connections: usize,
    /// How long a request head may take from its first byte to its last. Default 10 s.
    pub header_read_timeout: Duration,
    /// How long a connection may sit with no handler running and no byte moving
    /// either way. Default 75 s: longer than the dashboard's 60-second refresh, so a
    /// browser reuses its connection.
    pub idle_timeout: Duration,
    /// How long a stop waits for the requests in flight. Default 10 s.
    pub drain_limit: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_connections: file_limit()
                .map_or(DEFAULT_MAX_CONNECTIONS, |n| (n / 2).max(1))
                .min(DEFAULT_MAX_CONNECTIONS),
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(75),
            drain_limit: Duration::from_secs(10),
        }
    }
}

/// The soft limit on open files, `None` when unlimited or unknown.
fn file_limit() -> Option<usize> {
    #[cfg(unix)]
    {
        let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
        limit.current.and_then(|n| usize::try_from(n).ok())
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Serves [`crate::app`] of `state` on `listener` within `limits` until `shutdown`
/// completes, then stops as the module doc says and returns.
///
/// It never fails once the listener is bound: errors of single connections are logged
/// at debug level, and a failing `accept` (out of file descriptors, say) is logged and
/// retried.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    serve_router(listener, crate::app(state), limits, shutdown).await;
}

/// [`serve`] for any router: tests serve routers of their own with it.
pub(crate) async fn serve_router(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let server = Arc::new(Server {
        router,
        cap: AtomicUsize::new(limits.max_connections.max(1)),
        busy: Arc::new(Semaphore::new(BUSY_ANSWERS)),
        clock: Clock::new(),
        conns: Mutex::new(Conns::default()),
        limits: ServerLimits {
            max_connections: limits.max_connections.max(1),
            ..limits
        },
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut failing = AcceptErrors::default();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            biased;
            () = &mut shutdown => break,
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                reaped(done);
                continue;
            }
            accepted = listener.accept() => accepted,
        };
        let pause = match accepted {
            Ok((stream, _)) => {
                failing.recovered();
                server.admit(stream, &mut tasks, &stop_rx);
                continue;
            }
            Err(e) => failing.failed(&e, &server),
        };
        if let Some(pause) = pause {
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    drop(listener);
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(server.limits.drain_limit, async {
        while let Some(done) = tasks.join_next().await {
            reaped(done);
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            connections = tasks.len(),
            "web server: requests still open {:?} after the stop were dropped",
            server.limits.drain_limit
        );
        tasks.shutdown().await;
    }
}

/// Logs a connection task that did not end normally.
fn reaped(done: Result<(), tokio::task::JoinError>) {
    if let Err(e) = done
        && e.is_panic()
    {
        // hyper polls response bodies in the connection's task: a body that panics
        // after its status line went out can only end the connection.
        tracing::error!(error = %e, "web server: a connection's task panicked (while sending a body)");
    }
}

/// A streak of failed `accept`s, logged once at its start and once at its end.
#[derive(Default)]
struct AcceptErrors {
    streak: u64,
}

impl AcceptErrors {
    /// Handles one failure; returns how long to wait before accepting again.
    fn failed(&mut self, e: &io::Error, server: &Server) -> Option<Duration> {
        use io::ErrorKind as K;
        // The connection died in the backlog, or a firewall refused it: next one.
        if matches!(
            e.kind(),
            K::ConnectionAborted
                | K::ConnectionReset
                | K::Interrupted
                | K::WouldBlock
                | K::PermissionDenied
        ) {
            tracing::debug!(error = %e, "web server: accept: connection lost before it was accepted");
            return None;
        }
        self.streak += 1;
        let first = self.streak == 1;
        match short_of(e) {
            Some(Short::ProcessFiles) => {
                let (connections, cap) = server.shrink_cap();
                if first {
                    tracing::warn!(
                        error = %e,
                        connections,
                        cap,
                        "web server: out of file descriptors; serving at most `cap` connections from now on, the longest-waiting closed (raise the open-file limit, e.g. LimitNOFILE)"
                    );
                }
                Some(Duration::from_millis(50))
            }
            Some(Short::System) => {
                // The whole system is short: make a little room, and retry soon.
                let freed = server.evict_longest_waiting();
                if first {
                    tracing::warn!(error = %e, freed, "web server: the system is out of files or memory; closed the longest-waiting connection and retrying");
                }
                Some(Duration::from_millis(50))
            }
            None => {
                if first {
                    tracing::warn!(error = %e, "web server: accept failed; retrying");
                }
                Some(Duration::from_secs(1))
            }
        }
    }

    fn recovered(&mut self) {
        if self.streak > 0 {
            tracing::info!(
                failures = self.streak,
                "web server: accepting connections again"
            );
            self.streak = 0;
        }
    }
}

/// What an `accept` error says the server is short of.
enum Short {
    /// This process's open-file limit (`EMFILE`).
    ProcessFiles,
    /// The system's files, socket buffers or memory (`ENFILE`, `ENOBUFS`, `ENOMEM`).
    System,
}

fn short_of(e: &io::Error) -> Option<Short> {
    #[cfg(unix)]
    {
        use rustix::io::Errno;
        let code = e.raw_os_error()?;
        if code == Errno::MFILE.raw_os_error() {
            Some(Short::ProcessFiles)
        } else {
            [Errno::NFILE, Errno::NOBUFS, Errno::NOMEM]
                .iter()
                .any(|errno| code == errno.raw_os_error())
                .then_some(Short::System)
        }
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        None
    }
}

struct Server {
    router: Router,
    limits: ServerLimits,
    /// The cap: `limits.max_connections`, lowered when `accept` runs out of files.
    cap: AtomicUsize,
    /// Permits for "busy" answers.
    busy: Arc<Semaphore>,
    clock: Clock,
    conns: Mutex<Conns>,
}

/// The connections being served, for the cap and for picking one to close.
#[derive(Default)]
struct Conns {
    by_id: HashMap<u64, Arc<Conn>>,
    next_id: u64,
    /// Connections not asked to close yet: what the cap counts.
    live: usize,
}

impl Server {
    fn lock(&self) -> std::sync::MutexGuard<'_, Conns> {
        // Nothing panics while holding it; if something did, the map is still whole.
        self.conns.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn live(&self) -> usize {
        self.lock().live
    }

    /// Serves `stream`, or answers "busy" when at the cap every connection is busy.
    fn admit(
        self: &Arc<Self>,
        stream: TcpStream,
        tasks: &mut JoinSet<()>,
        stop: &watch::Receiver<bool>,
    ) {
        // Small answers go out at once rather than wait for an acknowledgement.
        let _ = stream.set_nodelay(true);
        if self.live() >= self.cap.load(Ordering::Relaxed) && !self.evict_longest_waiting() {
            match Arc::clone(&self.busy).try_acquire_owned() {
                Ok(permit) => {
                    let server = Arc::clone(self);
                    let stop = stop.clone();
                    tasks.spawn(async move { server.answer_busy(stream, permit, stop).await });
                }
                Err(_) => {
                    tracing::debug!(
                        "web server: at the connection cap with every connection busy; closed a new connection unanswered"
                    );
                }
            }
            return;
        }
        let conn = Arc::new(Conn::new(self.clock.now()));
        let id = {
            let mut conns = self.lock();
            let id = conns.next_id;
            conns.next_id += 1;
            conns.by_id.insert(id, Arc::clone(&conn));
            conns.live += 1;
            id
        };
        let server = Arc::clone(self);
        let stop = stop.clone();
        tasks.spawn(async move {
            let _registered = Registered {
                server: &server,
                id,
            };
            server
                .serve_conn(stream, &conn, server.router.clone(), true, stop)
                .await;
        });
    }

    /// Out of file descriptors: lowers the cap to [`FILE_HEADROOM`] below the
    /// connections open (at least 1), and closes the longest-waiting ones down to it.
    /// Returns the connections open before and the cap now.
    fn shrink_cap(&self) -> (usize, usize) {
        let open = self.live();
        let cap = open.saturating_sub(FILE_HEADROOM).max(1);
        let cap = self.cap.fetch_min(cap, Ordering::Relaxed).min(cap);
        while self.live() > cap && self.evict_longest_waiting() {}
        (open, cap)
    }

    /// Asks the connection that has waited longest for a request (not busy; idle since
    /// its last byte, or in a request head since its first) to close. False when every
    /// connection is busy.
    fn evict_longest_waiting(&self) -> bool {
        let mut conns = self.lock();
        let victim = conns
            .by_id
            .values()
            .filter(|c| !c.evicted.load(Ordering::Relaxed))
            .filter_map(|c| Some((c.waiting_since()?, c)))
            .min_by_key(|(since, _)| *since)
            .map(|(_, c)| Arc::clone(c));
        let Some(victim) = victim else {
            return false;
        };
        victim.evicted.store(true, Ordering::Relaxed);
        conns.live -= 1;
        drop(conns);
        // Stored if the task is not waiting right now: it sees it at its next look.
        victim.evict.notify_one();
        true
    }

    /// 503 with `Retry-After`, then close: the server is at its cap and every
    /// connection is busy.
    async fn answer_busy(
        &self,
        stream: TcpStream,
        _permit: OwnedSemaphorePermit,
        stop: watch::Receiver<bool>,
    ) {
        let router = Router::new().fallback(|| async {
            let body = ErrorBody {
                error: "server busy: every connection is in use; retry shortly".to_owned(),
                param: None,
            };
            let mut resp = (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            resp
        });
        let conn = Arc::new(Conn::new(self.clock.now()));
        self.serve_conn(stream, &conn, router, false, stop).await;
    }

    /// Serves one connection until it ends, its watchdog closes it, it is evicted, or a
    /// stop has drained it.
    async fn serve_conn(
        &self,
        stream: TcpStream,
        conn: &Arc<Conn>,
        router: Router,
        keep_alive: bool,
        mut stop: watch::Receiver<bool>,
    ) {
        let clock = self.clock;
        let io = TokioIo::new(Tracked {
            inner: stream,
            conn: Arc::clone(conn),
            clock,
        });
        let service = hyper::service::service_fn({
            let conn = Arc::clone(conn);
            move |req| {
                let handling = Busy::handler(&conn, clock);
                let answer = router.clone().oneshot(req);
                let conn = Arc::clone(&conn);
                async move {
                    let resp: Response = match answer.await {
                        Ok(resp) => resp,
                        Err(never) => match never {},
                    };
                    // Busy sending from before the handler counts as done: no gap in
                    // which the connection looks idle.
                    let sending = Busy::response(&conn, clock);
                    drop(handling);
                    Ok::<_, std::convert::Infallible>(resp.map(|body| Sending {
                        body,
                        busy: Some(sending),
                    }))
                }
            }
        });
        // hyper's own header timeout is off: the watchdog below times request heads
        // from their first byte, and idle connections by the bytes they move.
        let connection = http1::Builder::new()
            .keep_alive(keep_alive)
            .header_read_timeout(None)
            .serve_connection(io, service);
        let mut connection = std::pin::pin!(connection);
        let mut draining = false;
        loop {
            if !draining && *stop.borrow() {
                draining = true;
                // Waiting for a request: closed now. (hyper's graceful shutdown would
                // wait for the first request of a new connection, or for the rest of
                // a head begun.)
                if !conn.busy() {
                    return;
                }
                // The request in flight finishes, then the connection closes.
                connection.as_mut().graceful_shutdown();
            }
            let check = clock.at(conn.next_check(&self.limits, clock.now()));
            tokio::select! {
                done = connection.as_mut() => {
                    if let Err(e) = done {
                        tracing::debug!(error = %e, "web server: connection ended with an error");
                    }
                    return;
                }
                () = tokio::time::sleep_until(check) => {
                    if let Some(why) = conn.expired(&self.limits, clock.now()) {
                        tracing::debug!(reason = why, "web server: closing a connection");
                        return;
                    }
                }
                () = conn.evict.notified() => {
                    tracing::debug!("web server: at the connection cap; closed the connection that waited longest for a request");
                    return;
                }
                changed = stop.changed(), if !draining => {
                    if changed.is_err() {
                        // The server is gone: nothing will ask for a stop any more.
                        draining = true;
                        connection.as_mut().graceful_shutdown();
                    }
                    // Otherwise the top of the loop sees the stop.
                }
            }
        }
    }
}

/// Removes a connection from the server's map when its task ends, however it ends.
struct Registered<'a> {
    server: &'a Server,
    id: u64,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        let mut conns = self.server.lock();
        if let Some(conn) = conns.by_id.remove(&self.id)
            && !conn.evicted.load(Ordering::Relaxed)
        {
            conns.live -= 1;
        }
    }
}

/// Milliseconds since the server started, in an `AtomicU64`-friendly form.
#[derive(Clone, Copy)]
struct Clock {
    epoch: Instant,
}

impl Clock {
    fn new() -> Clock {
        Clock {
            epoch: Instant::now(),
        }
    }

    fn now(self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn at(self, millis: u64) -> Instant {
        self.epoch + Duration::from_millis(millis)
    }
}

/// What the watchdog and the cap know of one connection.
struct Conn {
    /// When a byte last moved either way, or a handler last finished.
    last_activity: AtomicU64,
    /// One more than when the first byte of a request head not yet complete arrived;
    /// 0 when none is pending.
    head_since: AtomicU64,
    /// Handlers running (more than one only with pipelining).
    handlers: AtomicUsize,
    /// Response bodies being sent.
    responses: AtomicUsize,
    /// Set when the cap chose this connection to close.
    evicted: AtomicBool,
    evict: Notify,
}

impl Conn {
    fn new(now: u64) -> Conn {
        Conn {
            last_activity: AtomicU64::new(now),
            head_since: AtomicU64::new(0),
            handlers: AtomicUsize::new(0),
            responses: AtomicUsize::new(0),
            evicted: AtomicBool::new(false),
            evict: Notify::new(),
        }
    }

    fn head_since(&self) -> Option<u64> {
        self.head_since.load(Ordering::Relaxed).checked_sub(1)
    }

    /// Whether a handler runs or a response is being sent.
    fn busy(&self) -> bool {
        self.handlers.load(Ordering::Acquire) > 0 || self.responses.load(Ordering::Acquire) > 0
    }

    /// Bytes arrived: on a connection not busy they start a request head.
    fn on_read(&self, now: u64) {
        self.last_activity.store(now, Ordering::Relaxed);
        if !self.busy() {
            let _ =
                self.head_since
                    .compare_exchange(0, now + 1, Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    fn on_write(&self, now: u64) {
        self.last_activity.store(now, Ordering::Relaxed);
    }

    /// Since when this connection has waited for a request; `None` while it is busy.
    fn waiting_since(&self) -> Option<u64> {
        if self.busy() {
            return None;
        }
        Some(
            self.head_since()
                .unwrap_or_else(|| self.last_activity.load(Ordering::Relaxed)),
        )
    }

    /// Why the watchdog closes the connection at `now`, if it does. Times are whole
    /// milliseconds rounded down, so a limit has passed only once `now` is past it:
    /// `now == last + limit` may still be up to a millisecond early.
    fn expired(&self, limits: &ServerLimits, now: u64) -> Option<&'static str> {
        // A handler may think for a while (the request timeout bounds it); a response
        // being sent is watched by the bytes it moves, below.
        if self.handlers.load(Ordering::Acquire) > 0 {
            return None;
        }
        if let Some(head) = self.head_since()
            && now > head.saturating_add(millis(limits.header_read_timeout))
        {
            return Some("request head incomplete after header_read_timeout");
        }
        let last = self.last_activity.load(Ordering::Relaxed);
        (now > last.saturating_add(millis(limits.idle_timeout))).then_some("idle for idle_timeout")
    }

    /// When the watchdog must look again.
    fn next_check(&self, limits: &ServerLimits, now: u64) -> u64 {
        let idle = millis(limits.idle_timeout);
        if self.handlers.load(Ordering::Acquire) > 0 {
            return now.saturating_add(idle);
        }
        let mut at = self
            .last_activity
            .load(Ordering::Relaxed)
            .saturating_add(idle);
        if let Some(head) = self.head_since() {
            at = at.min(head.saturating_add(millis(limits.header_read_timeout)));
        }
        // The first whole millisecond at which `expired` can say yes.
        at.saturating_add(1)
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A handler running, or a response body being sent, on a connection: counted while
/// it lasts, and the end of it counts as activity.
struct Busy {
    conn: Arc<Conn>,
    clock: Clock,
    handler: bool,
}

impl Busy {
    /// From the call of the handler to its response head: the request head is
    /// complete (hyper parsed it).
    fn handler(conn: &Arc<Conn>, clock: Clock) -> Busy {
        conn.handlers.fetch_add(1, Ordering::AcqRel);
        conn.head_since.store(0, Ordering::Relaxed);
        Busy {
            conn: Arc::clone(conn),
            clock,
            handler: true,
        }
    }

    /// From the response head to the end of its body.
    fn response(conn: &Arc<Conn>, clock: Clock) -> Busy {
        conn.responses.fetch_add(1, Ordering::AcqRel);
        Busy {
            conn: Arc::clone(conn),
            clock,
            handler: false,
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.conn
            .last_activity
            .store(self.clock.now(), Ordering::Relaxed);
        let count = if self.handler {
            &self.conn.handlers
        } else {
            &self.conn.responses
        };
        count.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its connection counted as busy until it has been sent
/// (or dropped).
struct Sending {
    body: axum::body::Body,
    busy: Option<Busy>,
}

impl hyper::body::Body for Sending {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if matches!(polled, Poll::Ready(None | Some(Err(_)))) {
            self.busy = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

/// A socket that tells its [`Conn`] when bytes move.
struct Tracked {
    inner: TcpStream,
    conn: Arc<Conn>,
    clock: Clock,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.conn.on_read(self.clock.now());
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.conn.on_write(self.clock.now());
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.conn.on_write(self.clock.now());
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The integration tests' HTTP client by hand, for the tests below.
#[cfg(test)]
#[path = "../tests/common/raw.rs"]
#[allow(dead_code)]
mod raw_client;

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::Instant as StdInstant;

    use axum::routing::get;
    use tokio::io::AsyncWriteExt as _;
    use tokio::sync::oneshot;

    use super::*;

    use super::raw_client as raw;

    /// `router` served with `limits` on 127.0.0.1:0.
    struct Served {
        addr: SocketAddr,
        stop: Option<oneshot::Sender<()>>,
        task: tokio::task::JoinHandle<()>,
    }

    impl Served {
        async fn start(router: Router, limits: ServerLimits) -> Served {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (stop, stopped) = oneshot::channel::<()>();
            let task = tokio::spawn(serve_router(listener, router, limits, async move {
                let _ = stopped.await;
            }));
            Served {
                addr,
                stop: Some(stop),
                task,
            }
        }

        fn stop(&mut self) {
            let _ = self.stop.take().unwrap().send(());
        }

        /// Waits for the server to return; how long that took.
        async fn stopped(mut self) -> Duration {
            let started = StdInstant::now();
            tokio::time::timeout(raw::PATIENCE, &mut self.task)
                .await
                .expect("the server stops")
                .unwrap();
            started.elapsed()
        }
    }

    /// A handler that answers once `release` is notified; `entered` counts the calls
    /// that have started.
    fn gated(release: Arc<Notify>, entered: Arc<AtomicUsize>) -> Router {
        Router::new()
            .route(
                "/wait",
                get(move || {
                    let release = Arc::clone(&release);
                    let entered = Arc::clone(&entered);
                    async move {
                        entered.fetch_add(1, Ordering::SeqCst);
                        release.notified().await;
                        "released"
                    }
                }),
            )
            .route("/quick", get(|| async { "quick" }))
    }

    async fn wait_until(what: &str, done: impl Fn() -> bool) {
        let deadline = StdInstant::now() + raw::PATIENCE;
        while !done() {
            assert!(StdInstant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panic_is_a_500_on_a_connection_that_stays_usable() {
        let mut served = Served::start(crate::tests::panicking(), ServerLimits::default()).await;
        let mut conn = raw::connect(served.addr).await;
        raw::send_get(&mut conn, "/boom", &[], false).await;
        let r = raw::read_response(&mut conn).await;
        assert_eq!(r.status, 500);
        assert_eq!(
            r.json(),
            serde_json::json!({"error": "internal error", "param": null})
        );
        assert!(!String::from_utf8_lossy(&r.body).contains("secret"));
        // The same connection answers the next request: nothing was dropped.
        raw::send_get(&mut conn, "/fine", &[], false).await;
        let r = raw::read_response(&mut conn).await;
        assert_eq!((r.status, r.body.as_slice()), (200, b"fine".as_slice()));
        served.stop();
        served.stopped().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_the_cap_with_every_connection_busy_a_new_one_is_told_503_and_retries() {
        let release = Arc::new(Notify::new());
        let entered = Arc::new(AtomicUsize::new(0));
        let limits = ServerLimits {
            max_connections: 2,
            ..ServerLimits::default()
        };
        let mut served =
            Served::start(gated(Arc::clone(&release), Arc::clone(&entered)), limits).await;
        let addr = served.addr;
        let waiting: Vec<_> = (0..2)
            .map(|_| tokio::spawn(async move { raw::get(addr, "/wait", &[]).await }))
            .collect();
        wait_until("two handlers running", || {
            entered.load(Ordering::SeqCst) == 2
        })
        .await;

        let busy = raw::get(addr, "/quick", &[]).await;
        assert_eq!(busy.status, 503);
        assert_eq!(busy.header("retry-after"), Some("1"));
        assert_eq!(busy.header("connection"), Some("close"));
        assert_eq!(
            busy.json(),
            serde_json::json!({"error": "server busy: every connection is in use; retry shortly", "param": null})
        );

        release.notify_waiters();
        for w in waiting {
            let r = w.await.unwrap();
            assert_eq!((r.status, r.body.as_slice()), (200, b"released".as_slice()));
        }
        // Room again: answered.
        let r = raw::get(addr, "/quick", &[]).await;
        assert_eq!(r.status, 200);
        served.stop();
        served.stopped().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_the_cap_the_connection_waiting_longest_is_closed_for_a_new_one() {
        let limits = ServerLimits {
            max_connections: 2,
            ..ServerLimits::default()
        };
        let router = gated(Arc::new(Notify::new()), Arc::new(AtomicUsize::new(0)));
        let mut served = Served::start(router, limits).await;
        // The oldest: a keep-alive connection after one request.
        let mut oldest = raw::connect(served.addr).await;
        raw::send_get(&mut oldest, "/quick", &[], false).await;
        assert_eq!(raw::read_response(&mut oldest).await.status, 200);
        // Later (the server counts in milliseconds), one that began a request.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let mut younger = raw::connect(served.addr).await;
        younger.write_all(b"GET /quick HTTP/1.1\r\n").await.unwrap();
        // A third: the oldest makes room.
        let r = raw::get(served.addr, "/quick", &[]).await;
        assert_eq!(r.status, 200);
        raw::wait_closed(&mut oldest).await;
        // The younger one is still served.
        younger
            .write_all(b"Host: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        assert_eq!(raw::read_response(&mut younger).await.status, 200);
        served.stop();
        served.stopped().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_handler_slower_than_the_idle_timeout_still_answers() {
        let idle = Duration::from_millis(300);
        let router = Router::new().route(
            "/slow",
            get(move || async move {
                tokio::time::sleep(idle * 4).await;
                "slow"
            }),
        );
        let limits = ServerLimits {
            idle_timeout: idle,
            header_read_timeout: idle,
            ..ServerLimits::default()
        };
        let mut served = Served::start(router, limits).await;
        let r = raw::get(served.addr, "/slow", &[]).await;
        assert_eq!((r.status, r.body.as_slice()), (200, b"slow".as_slice()));
        served.stop();
        served.stopped().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stop_lets_the_request_in_flight_finish_within_the_drain_limit() {
        let release = Arc::new(Notify::new());
        let entered = Arc::new(AtomicUsize::new(0));
        let router = gated(Arc::clone(&release), Arc::clone(&entered));
        let mut served = Served::start(router, ServerLimits::default()).await;
        let addr = served.addr;
        let in_flight = tokio::spawn(async move { raw::get(addr, "/wait", &[]).await });
        wait_until("the handler", || entered.load(Ordering::SeqCst) == 1).await;
        served.stop();
        // New connections are refused once the listener is closed.
        wait_until("the listener closed", || {
            std::net::TcpStream::connect(addr).is_err()
        })
        .await;
        release.notify_waiters();
        let r = in_flight.await.unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, b"released".as_slice()));
        served.stopped().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_still_running_at_the_drain_limit_is_dropped() {
        let entered = Arc::new(AtomicUsize::new(0));
        // Never released.
        let router = gated(Arc::new(Notify::new()), Arc::clone(&entered));
        let drain = Duration::from_millis(500);
        let limits = ServerLimits {
            drain_limit: drain,
            ..ServerLimits::default()
        };
        let mut served = Served::start(router, limits).await;
        let mut conn = raw::connect(served.addr).await;
        raw::send_get(&mut conn, "/wait", &[], true).await;
        wait_until("the handler", || entered.load(Ordering::SeqCst) == 1).await;
        served.stop();
        let took = served.stopped().await;
        assert!(took >= drain, "stopped after {took:?}");
        raw::wait_closed(&mut conn).await;
    }

    #[test]
    fn the_default_cap_leaves_half_the_file_limit_free() {
        let limits = ServerLimits::default();
        assert!(limits.max_connections >= 1);
        assert!(limits.max_connections <= DEFAULT_MAX_CONNECTIONS);
        if let Some(files) = file_limit() {
            assert!(limits.max_connections <= files / 2 || files < 2, "{files}");
        }
        assert!(limits.header_read_timeout < limits.idle_timeout);
    }
}
