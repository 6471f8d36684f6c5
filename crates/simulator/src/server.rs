//! The simulator as a server: configuration, clock, runtime handle, and `serve`.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use axum::Router;
use chrono_tz::Tz;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::Error;
use crate::center::{Center, CenterConfig};
use crate::faults::Faults;
use crate::hash::mix;
use crate::scenario::Scenario;

/// How long `serve` lets in-flight requests finish after shutdown was asked for.
/// Hung and delayed requests are released at once; this bounds slow clients.
const DRAIN_LIMIT: Duration = Duration::from_secs(5);

/// The time the simulator serves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// The system clock plus this many seconds: time runs, but starts elsewhere.
    Offset(i64),
    /// Always this instant (unix seconds): every answer is the same snapshot.
    Fixed(i64),
}

impl Clock {
    /// A running clock that reads `ts` (unix seconds) now.
    pub fn starting_at(ts: i64) -> Clock {
        Clock::Offset(ts - chrono::Utc::now().timestamp())
    }

    /// The current instant, unix seconds.
    pub fn now(&self) -> i64 {
        match *self {
            Clock::System => chrono::Utc::now().timestamp(),
            Clock::Offset(seconds) => chrono::Utc::now().timestamp().saturating_add(seconds),
            Clock::Fixed(ts) => ts,
        }
    }
}

/// How a [`Simulator`] is built.
#[derive(Clone)]
pub struct SimulatorConfig {
    /// The `auth_token` requests must carry. Never logged nor shown in `Debug`.
    pub token: String,
    /// Seed of the simulated center.
    pub seed: u64,
    /// The center's local time zone.
    pub timezone: Tz,
    /// Faults injected from the start.
    pub faults: Faults,
    /// The time served.
    pub clock: Clock,
    /// Short-staffing scenarios staged from the start.
    pub scenarios: Vec<Scenario>,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        let center = CenterConfig::default();
        SimulatorConfig {
            token: "abc123".into(),
            seed: center.seed,
            timezone: center.timezone,
            faults: Faults::none(),
            clock: Clock::System,
            scenarios: Vec::new(),
        }
    }
}

impl fmt::Debug for SimulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatorConfig")
            .field("token", &"<redacted>")
            .field("seed", &self.seed)
            .field("timezone", &self.timezone)
            .field("faults", &self.faults)
            .field("clock", &self.clock)
            .field("scenarios", &self.scenarios)
            .finish()
    }
}

/// State shared by the router and every handle.
pub(crate) struct Shared {
    pub(crate) token: String,
    pub(crate) center: Center,
    pub(crate) clock: Clock,
    /// Key of the per-request fault draws.
    pub(crate) fault_key: u64,
    faults: RwLock<Faults>,
    requests: AtomicU64,
    /// Becomes `true` when the server shuts down, releasing hung requests.
    stopping: watch::Sender<bool>,
}

impl Shared {
    pub(crate) fn faults(&self) -> Faults {
        // Faults are plain data, always valid: a panic elsewhere cannot leave them torn.
        self.faults
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn set_faults(&self, faults: Faults) -> Result<(), Error> {
        faults.validate()?;
        *self.faults.write().unwrap_or_else(PoisonError::into_inner) = faults;
        Ok(())
    }

    /// Counts a search request; returns its number, from 0.
    pub(crate) fn next_request(&self) -> u64 {
        self.requests.fetch_add(1, Ordering::Relaxed)
    }

    /// Resolves when the server begins shutting down.
    pub(crate) async fn stopped(&self) {
        let mut rx = self.stopping.subscribe();
        // An error means the sender is gone, which cannot happen while `self` lives.
        let _ = rx.wait_for(|stopping| *stopping).await;
    }

    fn stop(&self) {
        self.stopping.send_replace(true);
    }
}

/// A simulated contact center serving the User Activity API.
///
/// Build one, then either [`serve`] it or mount [`Simulator::router`] yourself; a
/// [`SimulatorHandle`] changes its faults and scenarios while it runs.
#[derive(Clone)]
pub struct Simulator {
    shared: Arc<Shared>,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("center", &self.shared.center.config())
            .field("clock", &self.shared.clock)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Builds the simulator and its center.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyToken`] for an empty token; [`Error::InvalidFaultRate`] when a
    /// fault rate is outside `0..=1`; [`Error::InvalidScenario`] for a scenario that
    /// does not validate.
    pub fn new(config: SimulatorConfig) -> Result<Simulator, Error> {
        if config.token.is_empty() {
            return Err(Error::EmptyToken);
        }
        config.faults.validate()?;
        let center = Center::new(CenterConfig {
            seed: config.seed,
            timezone: config.timezone,
        })
        .with_scenarios(config.scenarios)?;
        Ok(Simulator {
            shared: Arc::new(Shared {
                token: config.token,
                center,
                clock: config.clock,
                fault_key: mix(config.seed ^ 0xFA_17),
                faults: RwLock::new(config.faults),
                requests: AtomicU64::new(0),
                stopping: watch::channel(false).0,
            }),
        })
    }

    /// The HTTP routes: `/v1/user-activity/search` (GET and POST), `/`,
    /// `/_sim/faults` (GET and PUT) and `/_sim/scenario` (GET, PUT and DELETE).
    ///
    /// Hung requests (the `hang_rate` fault) are released only by [`serve`]'s shutdown;
    /// a router mounted elsewhere keeps them until the client gives up.
    pub fn router(&self) -> Router {
        crate::api::router(Arc::clone(&self.shared))
    }

    /// A handle to change faults and read counters while the simulator runs.
    pub fn handle(&self) -> SimulatorHandle {
        SimulatorHandle {
            shared: Arc::clone(&self.shared),
        }
    }

    /// The simulated center. Its clones share its scenarios, so a scenario staged
    /// later (over HTTP or through a handle) shows in history computed from a clone.
    pub fn center(&self) -> &Center {
        &self.shared.center
    }
}

/// Changes a running simulator's faults and scenarios and reads its counters. Cheap
/// to clone.
#[derive(Clone)]
pub struct SimulatorHandle {
    shared: Arc<Shared>,
}

impl fmt::Debug for SimulatorHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatorHandle")
            .field("requests", &self.requests())
            .finish_non_exhaustive()
    }
}

impl SimulatorHandle {
    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.shared.faults()
    }

    /// Replaces the faults; requests arriving from now on see the new ones.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidFaultRate`] when a rate is outside `0..=1`; the faults in force
    /// stay unchanged.
    pub fn set_faults(&self, faults: Faults) -> Result<(), Error> {
        self.shared.set_faults(faults)
    }

    /// Search requests received so far, whatever became of them (hung, failed or
    /// answered). Other routes are not counted.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// The instant the simulator serves now, unix seconds.
    pub fn now(&self) -> i64 {
        self.shared.clock.now()
    }

    /// The short-staffing scenarios staged.
    pub fn scenarios(&self) -> Vec<Scenario> {
        self.shared.center.scenarios()
    }

    /// Replaces the short-staffing scenarios; answers from now on (and snapshots of
    /// the center and its clones, at any instant) see the new ones.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidScenario`] for the first scenario that does not validate; the
    /// scenarios in force stay unchanged.
    pub fn set_scenarios(&self, scenarios: Vec<Scenario>) -> Result<(), Error> {
        self.shared.center.set_scenarios(scenarios)
    }

    /// Removes every short-staffing scenario.
    pub fn clear_scenarios(&self) {
        // An empty list has nothing to validate, so this cannot fail.
        let _ = self.shared.center.set_scenarios(Vec::new());
    }

    /// The simulated center.
    pub fn center(&self) -> &Center {
        &self.shared.center
    }
}

/// Serves the simulator on `listener` until `shutdown` resolves, then shuts down
/// gracefully: hung and delayed requests are answered `503` at once, in-flight ones get
/// up to 5 seconds to finish, and the function returns.
///
/// # Errors
///
/// An I/O error from the server.
pub async fn serve(
    listener: TcpListener,
    sim: Simulator,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "simulator listening");
    }
    let shared = Arc::clone(&sim.shared);
    let drained = Arc::clone(&sim.shared);
    let server = axum::serve(listener, sim.router())
        .with_graceful_shutdown(async move { drained.stopped().await })
        .into_future();
    let mut server = std::pin::pin!(server);
    tokio::select! {
        result = &mut server => return result,
        () = shutdown => {}
    }
    tracing::info!("simulator shutting down");
    shared.stop();
    match tokio::time::timeout(DRAIN_LIMIT, server).await {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!(limit = ?DRAIN_LIMIT, "simulator: requests still open after the drain limit; dropped");
            Ok(())
        }
    }
}
