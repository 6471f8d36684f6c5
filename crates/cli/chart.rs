//! `headcount chart`: one chart of a target, written to a PNG or SVG file.
//!
//! The picture is drawn by [`headcount_chart::render_from_store`] from parameters
//! parsed by [`headcount_query::Params`]: exactly what the web server does for
//! `/charts/{name}/{kind}.{png,svg}`, so the same parameters give the same bytes. A
//! size outside 200 × 100 to 4000 × 4000, which the server refuses, is drawn here at
//! the nearest bound ([`headcount_chart::Options::clamped`]) with a warning.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use headcount_chart::{Format, Kind, Options, Theme, UnknownName};
use headcount_config::Config;
use headcount_query::{ParamError, Params};

use crate::usage;
use crate::util::{config_target, read_target};

/// Write a chart of a target to a PNG or SVG file.
///
/// Kinds: `timeline` (available and logged in over time, gaps and downtime shaded),
/// `utilization` (over the threshold bands), `heatmap` (weekday × hour of day),
/// `peak` (peak against off-peak) and `trend` (daily means, 7-day average and the
/// forecast after the range). The format comes from the output file's extension
/// (.png or .svg); `-o -` writes to stdout, as PNG unless --format svg. The range and
/// its forms are those of `headcount report` and of the HTTP API; the picture is the
/// one `GET /charts/NAME/KIND.png` (or .svg) serves for the same parameters. Reads the
/// database read-only, beside a running collector.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Times (--from, --to): RFC 3339 (2026-11-20T09:00:00-05:00), a local date \
(2026-11-20, midnight in --tz), a local date-time (\"2026-11-20 09:00\"), unix seconds, or now, \
now-24h, now-7d (units s, m, h, d, w).

Examples:
  headcount chart --config headcount.toml --target sales --kind timeline -o sales.png
  headcount chart -c headcount.toml --target sales --kind heatmap --from now-28d -o heat.svg
  headcount chart -c headcount.toml --target sales --kind trend --from 2026-10-01 \\
      --to 2026-12-01 --horizon 48 --width 1600 --height 800 --theme dark -o trend.png
  headcount chart -c headcount.toml --target all --kind utilization -o - | display"
)]
pub struct Args {
    /// The config file: where the database is, the target's filters and `[report]`.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: PathBuf,
    /// The target to draw (a `[[target]]` name of the config).
    #[arg(long, value_name = "NAME")]
    pub target: String,
    /// The chart: timeline, utilization, heatmap, peak or trend.
    #[arg(long, value_name = "KIND")]
    pub kind: String,
    /// Start of the range [default: 24 hours before --to].
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// End of the range, exclusive [default: now].
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// IANA time zone of the axes and buckets [default: `[report] timezone`].
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Bucket width of timeline and utilization: auto, 1m, 5m, 15m, 30m, 1h, 1d, 1w
    /// [default: auto].
    #[arg(long, value_name = "STEP")]
    pub step: Option<String>,
    /// Hours the trend's forecast looks ahead, 0 to 168 [default: 24].
    #[arg(long, value_name = "HOURS")]
    pub horizon: Option<String>,
    /// Width in pixels, clamped to 200 through 4000.
    #[arg(long, value_name = "PX", default_value_t = Options::DEFAULT_WIDTH)]
    pub width: u32,
    /// Height in pixels, clamped to 100 through 4000.
    #[arg(long, value_name = "PX", default_value_t = Options::DEFAULT_HEIGHT)]
    pub height: u32,
    /// Colour theme: light or dark.
    #[arg(long, value_name = "THEME", default_value = "light")]
    pub theme: String,
    /// png or svg [default: the output file's extension; png for `-o -`].
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// The file to write, FILE.png or FILE.svg; `-` for stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
}

/// Parses the options, draws the chart and writes it.
pub async fn run(args: Args, config: Config) -> anyhow::Result<()> {
    // The options first: a bad kind or file name is refused before the database is read.
    let kind = args.kind.parse::<Kind>().map_err(unknown)?;
    let theme = args.theme.parse::<Theme>().map_err(unknown)?;
    let to_stdout = args.output.as_os_str() == "-";
    let format = output_format(&args.output, args.format.as_deref(), to_stdout)?;
    let asked = Options {
        width: args.width,
        height: args.height,
        theme,
        format,
        legend: true,
    };
    let opts = asked.clamped();
    if opts != asked {
        tracing::warn!(
            "--width/--height: {}×{} is drawn as {}×{} (200×100 up to 4000×4000)",
            asked.width,
            asked.height,
            opts.width,
            opts.height
        );
    }

    let target = config_target(&config, &args.config, &args.target)?.clone();
    let settings = headcount_query::Settings::from(&config);
    // `compare` is not a chart parameter: none of the charts shows the comparison.
    let params = Params {
        from: args.from.as_deref(),
        to: args.to.as_deref(),
        tz: args.tz.as_deref(),
        step: args.step.as_deref(),
        compare: None,
        horizon: args.horizon.as_deref(),
    };
    let now = chrono::Utc::now().timestamp();
    let sq = params.series(&settings, now).map_err(param_error)?;
    let rq = params.report(&settings, now).map_err(param_error)?;
    let db = config.storage.path.clone();
    let bytes = read_target("chart", db, target, move |reader, t, db| {
        headcount_chart::render_from_store(reader, t, kind, &sq, &rq, &opts).map_err(|e| match e {
            headcount_chart::Error::Query(headcount_query::Error::Param(p)) => param_error(p),
            other => anyhow::Error::new(other).context(format!("database {}", db.display())),
        })
    })
    .await?;

    if to_stdout {
        let mut out = std::io::stdout().lock();
        return match out.write_all(&bytes).and_then(|()| out.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            r => r.context("stdout"),
        };
    }
    std::fs::write(&args.output, &bytes)
        .with_context(|| format!("--output: cannot write {}", args.output.display()))?;
    tracing::info!(
        file = %args.output.display(),
        bytes = bytes.len(),
        "wrote the {} chart of {} ({}×{} {})",
        kind,
        args.target,
        opts.width,
        opts.height,
        format.extension()
    );
    Ok(())
}

/// The format: `--format` if given (and then the file's extension must agree),
/// else the file's extension; PNG for stdout.
fn output_format(output: &Path, flag: Option<&str>, to_stdout: bool) -> anyhow::Result<Format> {
    let flag = flag
        .map(|f| {
            Format::from_extension(f).ok_or_else(|| {
                usage(anyhow::anyhow!(
                    "--format: unknown value {f:?}; expected one of png, svg"
                ))
            })
        })
        .transpose()?;
    if to_stdout {
        return Ok(flag.unwrap_or(Format::Png));
    }
    let ext = output.extension().and_then(|e| e.to_str()).unwrap_or("");
    let from_ext = Format::from_extension(ext).ok_or_else(|| {
        usage(anyhow::anyhow!(
            "--output: {}: unknown chart format {ext:?}; name a .png or .svg file (or - for \
             stdout)",
            output.display()
        ))
    })?;
    match flag {
        Some(f) if f != from_ext => Err(usage(anyhow::anyhow!(
            "--format: {} does not match the file name {}",
            f.extension(),
            output.display()
        ))),
        _ => Ok(from_ext),
    }
}

/// An unknown kind or theme, named as the command line spells the option.
fn unknown(e: UnknownName) -> anyhow::Error {
    usage(anyhow::anyhow!(
        "--{}: unknown value {:?}; expected one of {}",
        e.what,
        e.got,
        e.expected
    ))
}

/// A bad parameter as the command line names it: `--from: ...`, exit code 2.
fn param_error(e: ParamError) -> anyhow::Error {
    usage(anyhow::anyhow!("--{}: {}", e.param, e.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format_of(file: &str, flag: Option<&str>) -> Result<Format, String> {
        output_format(Path::new(file), flag, file == "-").map_err(|e| format!("{e:#}"))
    }

    #[test]
    fn the_format_comes_from_the_extension_or_the_flag() {
        assert_eq!(format_of("a.png", None), Ok(Format::Png));
        assert_eq!(format_of("dir/a.SVG", None), Ok(Format::Svg));
        assert_eq!(format_of("a.svg", Some("svg")), Ok(Format::Svg));
        assert_eq!(format_of("-", None), Ok(Format::Png));
        assert_eq!(format_of("-", Some("svg")), Ok(Format::Svg));
        let e = format_of("a.gif", None).unwrap_err();
        assert!(
            e.starts_with("--output: a.gif: unknown chart format \"gif\""),
            "{e}"
        );
        let e = format_of("a", None).unwrap_err();
        assert!(
            e.starts_with("--output: a: unknown chart format \"\""),
            "{e}"
        );
        let e = format_of("a.png", Some("svg")).unwrap_err();
        assert!(e.starts_with("--format: svg does not match"), "{e}");
        let e = format_of("a.png", Some("gif")).unwrap_err();
        assert!(e.starts_with("--format: unknown value \"gif\""), "{e}");
    }
}
