//! `headcount simulate`: serve the built-in contact center over HTTP.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use headcount_simulator::{Clock, Faults, Simulator, SimulatorConfig};

use crate::usage;

/// Serve a simulated contact center that speaks the User Activity API.
///
/// The center has 400 agents on day, evening and night shifts in campaigns 111–114,
/// queues 222–225 and skills english, spanish, french, sales, support and billing;
/// the reference's user 12345 works weekdays 08:00–16:30. Faults can be injected
/// here and switched at runtime with `PUT /_sim/faults`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  headcount simulate
  curl -d auth_token=abc123 -d campaign_id=111 http://127.0.0.1:8090/v1/user-activity/search
  headcount simulate --listen 127.0.0.1:9000 --error-rate 0.1 --latency-ms 200")]
pub struct Args {
    /// Address to listen on (loopback unless told otherwise).
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// The auth_token clients must send.
    #[arg(long, default_value = "abc123")]
    token: String,
    /// Seed of the simulated center: the same seed gives the same history.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// IANA time zone of the center's shifts.
    #[arg(long, default_value = "America/New_York")]
    timezone: String,
    /// Latency added to every answer, in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    latency_ms: u64,
    /// Fraction of requests answered with HTTP 500 (0 to 1).
    #[arg(long, default_value_t = 0.0, value_name = "RATE")]
    error_rate: f64,
    /// Fraction of requests answered with a malformed JSON body (0 to 1).
    #[arg(long, default_value_t = 0.0, value_name = "RATE")]
    malformed_rate: f64,
    /// Fraction of requests never answered (0 to 1).
    #[arg(long, default_value_t = 0.0, value_name = "RATE")]
    hang_rate: f64,
    /// Fraction of requests answered `success: false` with --api-error-code (0 to 1).
    #[arg(long, default_value_t = 0.0, value_name = "RATE")]
    api_error_rate: f64,
    /// Code of injected API errors: 6026, 6041, 6006 or any other.
    #[arg(long, default_value_t = 6026, value_name = "CODE")]
    api_error_code: u32,
}

/// Runs the simulator until Ctrl-C or SIGTERM.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let timezone: chrono_tz::Tz = args.timezone.parse().map_err(|_| {
        usage(anyhow::anyhow!(
            "--timezone: unknown time zone {:?}",
            args.timezone
        ))
    })?;
    let faults = Faults {
        latency: Duration::from_millis(args.latency_ms),
        error_rate: args.error_rate,
        malformed_rate: args.malformed_rate,
        hang_rate: args.hang_rate,
        api_error_rate: args.api_error_rate,
        api_error_code: args.api_error_code,
    };
    let token = args.token.clone();
    let sim = Simulator::new(SimulatorConfig {
        token: args.token,
        seed: args.seed,
        timezone,
        faults,
        clock: Clock::System,
    })
    .map_err(usage)?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("--listen: cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    println!(
        "headcount simulator: a contact center in {timezone} (seed {})",
        args.seed
    );
    println!("  API:    http://{addr}/v1/user-activity/search");
    println!(
        "  try:    curl -d auth_token={token} -d campaign_id=111 http://{addr}/v1/user-activity/search"
    );
    println!("  faults: curl http://{addr}/_sim/faults");
    println!("Ctrl-C stops it.");
    headcount_simulator::serve(listener, sim, crate::signal::shutdown_signal())
        .await
        .context("simulator")?;
    Ok(())
}
