//! `headcount simulate`: serve the built-in contact center over HTTP.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use headcount_simulator::{Clock, Faults, RetryAfterForm, Simulator, SimulatorConfig};

use crate::usage;

/// Serve a simulated contact center that speaks the User Activity API.
///
/// The center has 400 agents on day, evening and night shifts in campaigns 111–114,
/// queues 222–225 and skills english, spanish, french, sales, support and billing;
/// the reference's user 12345 works weekdays 08:00–16:30. ID parameters take lists
/// (`campaign_id=111,112`). Faults can be injected here and switched at runtime with
/// `PUT /_sim/faults` (the same names, as JSON); short staffing is staged with
/// `PUT /_sim/scenario` and cleared with `DELETE /_sim/scenario`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  headcount simulate
  curl -d auth_token=abc123 -d campaign_id=111 http://127.0.0.1:8090/v1/user-activity/search
  headcount simulate --listen 127.0.0.1:9000 --error-rate 0.1 --latency-ms 200
  headcount simulate --rate-limit-rate 0.05 --retry-after 60 --retry-after-form date
  curl -X PUT http://127.0.0.1:8090/_sim/faults -d '{\"text_error_rate\": 1}'
  curl -X PUT http://127.0.0.1:8090/_sim/scenario \\
    -d '{\"campaign_id\": \"111\", \"available_factor\": 0.1, \"from\": 1794931200, \"until\": 1794938400}'
  curl -X DELETE http://127.0.0.1:8090/_sim/scenario")]
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
    /// Fraction of requests answered `success: false` with the message in `text`, as
    /// real deployments send it: `{"success":false,"code":5001,"text":"Auth token is
    /// invalid"}` (0 to 1).
    #[arg(long, default_value_t = 0.0, value_name = "RATE")]
    text_error_rate: f64,
    /// Code of injected `text` errors: 5001 (a token error), 6026, 6041, 6006 or any
    /// other.
    #[arg(long, default_value_t = 5001, value_name = "CODE")]
    text_error_code: u32,
    /// Fraction of requests answered with HTTP 401 Unauthorized (0 to 1).
    #[arg(long, default_value_t = 0.0, value_name = "RATE")]
    unauthorized_rate: f64,
    /// Fraction of requests answered with HTTP 403 Forbidden, as for a token not valid
    /// for this office (0 to 1).
    #[arg(long, default_value_t = 0.0, value_name = "RATE")]
    forbidden_rate: f64,
    /// Fraction of requests answered with HTTP 429 Too Many Requests and a
    /// Retry-After (0 to 1).
    #[arg(long, default_value_t = 0.0, value_name = "RATE")]
    rate_limit_rate: f64,
    /// The wait a 429 asks for, in seconds.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    retry_after: u64,
    /// How a 429 writes Retry-After: delta-seconds, an HTTP-date (with a Date header
    /// on the same clock), or none at all.
    #[arg(long, default_value = "seconds", value_name = "FORM", value_parser = ["seconds", "date", "none"])]
    retry_after_form: String,
    /// Fraction of requests answered with an HTML error page at HTTP 200 (0 to 1).
    #[arg(long, default_value_t = 0.0, value_name = "RATE")]
    html_rate: f64,
    /// Fraction of answers whose counts are JSON strings ("available_agents": "36"),
    /// as some deployments send them (0 to 1).
    #[arg(long, default_value_t = 0.0, value_name = "RATE")]
    string_counts_rate: f64,
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
        text_error_rate: args.text_error_rate,
        text_error_code: args.text_error_code,
        unauthorized_rate: args.unauthorized_rate,
        forbidden_rate: args.forbidden_rate,
        rate_limit_rate: args.rate_limit_rate,
        retry_after_secs: args.retry_after,
        retry_after_form: match args.retry_after_form.as_str() {
            "date" => RetryAfterForm::Date,
            "none" => RetryAfterForm::None,
            _ => RetryAfterForm::Seconds,
        },
        html_rate: args.html_rate,
        string_counts_rate: args.string_counts_rate,
    };
    let token = args.token.clone();
    let sim = Simulator::new(SimulatorConfig {
        token: args.token,
        seed: args.seed,
        timezone,
        faults,
        clock: Clock::System,
        scenarios: Vec::new(),
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
    println!("  short staffing: curl http://{addr}/_sim/scenario");
    println!("Ctrl-C stops it.");
    headcount_simulator::serve(listener, sim, crate::signal::shutdown_signal())
        .await
        .context("simulator")?;
    Ok(())
}
