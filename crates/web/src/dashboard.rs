//! The HTML dashboard: `/` (every target, its state and a small chart) and
//! `/targets/{name}` (its charts, a range picker, the report's key numbers). Rendered
//! on the server with maud (which escapes everything), no scripts, no external
//! assets; each page refreshes itself every minute.

use std::fmt::Write as _;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset};
use headcount_chart::Kind;
use headcount_query::{
    Episode, HourStats, Latest, Percentiles, Report, ReportQuery, SeriesQuery, Side,
    State as Staffing,
};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use crate::charts::describe;
use crate::db::{read, read_quick};
use crate::error::{ApiError, ErrorBody};
use crate::params::{NoParams, PageParams, Query};
use headcount_config::TargetConfig;

use crate::state::AppState;
use crate::{PathArgs, Routes, known};

/// Seconds between automatic reloads of a page.
const REFRESH_SECS: u32 = 60;

/// Below this width (CSS pixels) pages stack their tables and charts are drawn
/// narrow; keep in step with the `@media` rule of [`CSS`].
const NARROW_MEDIA: &str = "(max-width: 700px)";

/// A browser asking for dark pages; charts then come in their dark theme.
const DARK_MEDIA: &str = "(prefers-color-scheme: dark)";

/// The size of a target page's charts on a narrow screen.
const NARROW_CHART: &str = "width=400&height=320";

/// Episodes listed on a target's page (the most recent).
const EPISODES_SHOWN: usize = 10;

pub(crate) fn router() -> Routes {
    Routes::new()
        .get("/", index)
        .get("/targets/{name}", target_page)
}

/// The dashboard.
///
/// Every target: its state, current numbers, sample age, last failure and the last
/// 24 hours as a small chart.
#[utoipa::path(
    get,
    path = "/",
    tag = "dashboard",
    params(NoParams),
    responses(
        (status = 200, description = "The dashboard.", content_type = "text/html; charset=utf-8", body = String),
        (status = 400, description = "A parameter was given: a page naming it.", content_type = "text/html; charset=utf-8", body = String),
        (status = 401, description = "Missing or wrong API token.", body = ErrorBody),
    )
)]
pub(crate) async fn index(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    if let Err(e) = Query::parse(raw.as_deref(), NoParams::NAMES) {
        return Ok(error_page(&e));
    }
    let now = state.now();
    let (rows, alerts) = read_quick(&state, move |r, s| {
        let settings = s.settings();
        let rows = s
            .inner
            .targets
            .iter()
            .map(|t| {
                let target = t.resolve(r)?;
                let latest =
                    headcount_query::latest(r, target, now, settings.tz, &settings.thresholds)?;
                Ok((t.config.clone(), latest))
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let alerts = if s.inner.alerts.is_empty() {
            Vec::new()
        } else {
            crate::alerts::statuses(r, s, settings.tz)?
        };
        Ok((rows, alerts))
    })
    .await?;
    let slas = crate::planner::current_periods(&state).await?;
    let rules = state.inner.alerts.len();
    Ok(page(
        "headcount",
        html! {
            h1 { "headcount" }
            p.muted { "Agent availability of every target. Times in " (state.settings().tz.name())
                ". This page reloads every minute." }
            (crate::alerts::dashboard_block(&alerts, rules))
            @if rows.is_empty() {
                p { "No targets are configured." }
            } @else {
                (sparkline_key())
                table.targets {
                    thead { tr {
                        th scope="col" { "Target" }
                        th scope="col" { "State" }
                        th scope="col" class="num" { "Available" }
                        th scope="col" class="num" { "Logged in" }
                        th scope="col" class="num" { "Utilization" }
                        th scope="col" { "Sample age" }
                        th scope="col" { "Last 24 h" }
                    } }
                    tbody {
                        @for (t, latest) in &rows {
                            (index_row(t, latest.as_ref()))
                        }
                    }
                }
            }
            (crate::planner::dashboard_table(&slas))
            (footer())
        },
    )
    .into_response())
}

/// The key of every sparkline, drawn once above them (the charts themselves are
/// requested without a legend).
fn sparkline_key() -> Markup {
    html! {
        p.key.muted aria-label="Key of the small charts" {
            "Last 24 h: "
            span.k { span.sw.sw-available {} "available" }
            span.k { span.sw.sw-logged {} "logged in" }
            span.k { span.sw.sw-failed {} "polls failed" }
            span.k { span.sw.sw-down {} "recorder down" }
        }
    }
}

fn index_row(t: &TargetConfig, latest: Option<&Latest>) -> Markup {
    let seg = segment(&t.name);
    let spark = |size: &str, theme: &str| {
        format!("/charts/{seg}/timeline.png?from=now-24h&{size}&legend=false{theme}")
    };
    let srcset = |theme: &str| {
        format!(
            "{} 1x, {} 2x",
            spark("width=360&height=140", theme),
            spark("width=720&height=280", theme)
        )
    };
    let chart = spark("width=360&height=140", "");
    html! {
        tr {
            td.name {
                a href={ "/targets/" (seg) } { (t.name) }
                br; span.muted { (t.filters) }
            }
            @match latest {
                None => {
                    td.state { (badge(None)) }
                    td.num data-label="Available" { "–" }
                    td.num data-label="Logged in" { "–" }
                    td.num data-label="Utilization" { "–" }
                    td.age { span.muted { "no samples yet" } }
                }
                Some(l) => {
                    td.state {
                        (badge(l.state))
                        @if l.outcome != "ok" { " " span.failed { "last poll failed: " (l.outcome) } }
                    }
                    td.num data-label="Available" { (count(l.available)) }
                    td.num data-label="Logged in" { (count(l.logged_in)) }
                    td.num data-label="Utilization" { (pct(l.utilization_pct)) }
                    td.age data-label="Sampled" { (age(l.age_seconds)) " ago" }
                }
            }
            td.spark {
                a href={ "/targets/" (seg) } {
                    picture {
                        source media=(DARK_MEDIA) srcset=(srcset("&theme=dark"));
                        img src=(chart) srcset=(srcset("")) width="360" height="140"
                            alt={ "Available and logged-in agents of " (t.name) " over the last 24 hours" };
                    }
                }
            }
        }
    }
}

/// One target's charts over the chosen range, with the report's key numbers.
#[utoipa::path(
    get,
    path = "/targets/{name}",
    tag = "dashboard",
    params(("name" = String, Path, description = "A configured target's name."), PageParams),
    responses(
        (status = 200, description = "The target's page.", content_type = "text/html; charset=utf-8", body = String),
        (status = 400, description = "A bad range: the page, showing the error beside the range picker; an unknown or repeated parameter: a page naming it.", content_type = "text/html; charset=utf-8", body = String),
        (status = 401, description = "Missing or wrong API token.", body = ErrorBody),
        (status = 404, description = "No such target: a page linking to the configured ones.", content_type = "text/html; charset=utf-8", body = String),
    )
)]
pub(crate) async fn target_page(
    State(state): State<AppState>,
    PathArgs(name): PathArgs<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let config = match known(&state, &name) {
        Ok(t) => t.config.clone(),
        // A person followed a link or typed the address: a page, not a JSON body.
        Err(e @ ApiError::UnknownTarget(_)) => {
            return Ok((StatusCode::NOT_FOUND, not_found_html(&state, &e)).into_response());
        }
        Err(e) => return Err(e),
    };
    let q = match Query::parse(raw.as_deref(), PageParams::NAMES) {
        Ok(q) => q,
        Err(e) => return Ok(error_page(&e)),
    };
    let range = Range::of(&q);
    let now = state.now();
    // The range is parsed as the charts parse it (series and report), so a range the
    // page accepts draws every chart.
    let parsed = q.params().report(state.settings(), now).and_then(|rq| {
        let sq = q.params().series(state.settings(), now)?;
        Ok((rq, sq))
    });
    let (rq, sq) = match parsed {
        Ok(both) => both,
        Err(e) => {
            // A person typed this range: show the page again with the error beside
            // the picker rather than a JSON body.
            let body = target_html(&config, &range, None, Some(&e.to_string()));
            return Ok((StatusCode::BAD_REQUEST, body).into_response());
        }
    };
    let data = read(&state, move |r, s| page_data(r, s, &name, &rq, &sq, now)).await?;
    Ok(target_html(&config, &range, Some(&data), None).into_response())
}

struct PageData {
    latest: Option<Latest>,
    report: Report,
    /// The range the time charts (timeline, utilization) draw: the asked range
    /// widened to whole buckets of their step, the page header's range.
    from: DateTime<FixedOffset>,
    to: DateTime<FixedOffset>,
    /// The target's alert episodes over the range, and how many rules there are.
    alerts: (Vec<crate::alerts::AlertEpisode>, usize),
}

fn page_data(
    r: &headcount_store::Reader,
    s: &AppState,
    name: &str,
    rq: &ReportQuery,
    sq: &SeriesQuery,
    now: i64,
) -> Result<PageData, ApiError> {
    let t = known(s, name)?.resolve(r)?;
    let (from, to) = headcount_query::series_bounds(sq)?;
    Ok(PageData {
        latest: headcount_query::latest(r, t, now, rq.tz, &rq.thresholds)?,
        report: headcount_query::report(r, t, rq)?,
        from,
        to,
        alerts: (
            if s.inner.alerts.is_empty() {
                Vec::new()
            } else {
                crate::alerts::episodes(r, rq.tz, rq.from, rq.to, now, Some(name))?
            },
            s.inner
                .alerts
                .iter()
                .filter(|a| a.targets.iter().any(|t| t == name))
                .count(),
        ),
    })
}

/// The range as the visitor gave it, passed on unparsed to every chart and link so
/// `now-24h` stays relative when the page reloads.
struct Range {
    from: String,
    to: String,
    tz: String,
}

impl Range {
    fn of(q: &Query) -> Range {
        let get = |n: &str| q.get(n).unwrap_or_default().trim().to_owned();
        Range {
            from: get("from"),
            to: get("to"),
            tz: get("tz"),
        }
    }

    /// `from=…&to=…&tz=…` with the given ones only, form-encoded.
    fn query(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("from", &self.from), ("to", &self.to), ("tz", &self.tz)] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

/// `path?query&extra`, leaving out empty parts.
fn url(path: &str, query: &str, extra: &str) -> String {
    let mut out = path.to_owned();
    let parts: Vec<&str> = [query, extra]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
    if !parts.is_empty() {
        let _ = write!(out, "?{}", parts.join("&"));
    }
    out
}

fn target_html(
    t: &TargetConfig,
    range: &Range,
    data: Option<&PageData>,
    error: Option<&str>,
) -> Markup {
    let seg = segment(&t.name);
    let q = range.query();
    let api = format!("/api/v1/targets/{seg}");
    let csv = url(&format!("{api}/samples.csv"), &q, "");
    page(
        &format!("{} · headcount", t.name),
        html! {
            p { a href="/" { "← all targets" } }
            h1 { (t.name) }
            p.muted {
                "Filters: " (t.filters)
                " · polled on " code.nowrap { (t.schedule.expr()) }
            }
            @if let Some(d) = data {
                (latest_block(d.latest.as_ref()))
            }
            (picker(&seg, range, error))
            @if let Some(d) = data {
                p.muted { "From " (when(&d.from)) " to " (when(&d.to)) " (" (d.report.tz) "), as the time charts show it." }
                h2 { "Charts" }
                div.charts {
                    @for kind in Kind::ALL.map(Kind::as_str) {
                        @let png = url(&format!("/charts/{seg}/{kind}.png"), &q, "");
                        @let svg = url(&format!("/charts/{seg}/{kind}.svg"), &q, "");
                        @let json = if matches!(kind, "timeline" | "utilization") {
                            url(&format!("{api}/series"), &q, "")
                        } else {
                            url(&format!("{api}/report"), &q, "")
                        };
                        // Narrow screens get the chart drawn for their width (as SVG,
                        // sharp at any pixel density), so its text stays legible; dark
                        // schemes get the dark theme.
                        @let narrow = url(&format!("/charts/{seg}/{kind}.svg"), &q, NARROW_CHART);
                        @let narrow_dark = url(&format!("/charts/{seg}/{kind}.svg"), &q, &format!("{NARROW_CHART}&theme=dark"));
                        @let png_dark = url(&format!("/charts/{seg}/{kind}.png"), &q, "theme=dark");
                        figure {
                            a href=(png) {
                                picture {
                                    source media={ (NARROW_MEDIA) " and " (DARK_MEDIA) } srcset=(narrow_dark);
                                    source media=(NARROW_MEDIA) srcset=(narrow);
                                    source media=(DARK_MEDIA) srcset=(png_dark);
                                    img src=(png) width="1000" height="500"
                                        alt={ (t.name) ": " (describe(kind)) };
                                }
                            }
                            figcaption {
                                (capitalized(kind)) ": " (describe(kind)) ". "
                                a href=(json) { "JSON" } " · "
                                a href=(csv) { "CSV" } " · "
                                a href=(svg) { "SVG" }
                            }
                        }
                    }
                }
                (crate::alerts::episodes_block(&d.alerts.0, d.alerts.1))
                (report_block(&d.report))
            }
            (footer())
        },
    )
}

fn latest_block(latest: Option<&Latest>) -> Markup {
    html! {
        @match latest {
            None => p { (badge(None)) " No samples yet: has the collector run since this target was configured?" },
            Some(l) => p.now {
                (badge(l.state))
                " " strong { (count(l.available)) } " available of "
                strong { (count(l.logged_in)) } " logged in · utilization "
                strong { (pct(l.utilization_pct)) } " · sampled " (age(l.age_seconds)) " ago"
                @if l.outcome != "ok" { " · " span.failed { "last poll failed: " (l.outcome) } }
            },
        }
    }
}

fn picker(seg: &str, range: &Range, error: Option<&str>) -> Markup {
    let here = format!("/targets/{seg}");
    let preset = |from: &str| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("from", from);
        if !range.tz.is_empty() {
            s.append_pair("tz", &range.tz);
        }
        format!("{here}?{}", s.finish())
    };
    html! {
        nav.range aria-label="Range" {
            "Range: "
            a href=(preset("now-24h")) { "last 24 h" } " · "
            a href=(preset("now-7d")) { "7 d" } " · "
            a href=(preset("now-30d")) { "30 d" }
        }
        form.range method="get" action=(here) {
            span.field {
                label for="from" { "From" }
                input #from name="from" type="text" value=(range.from) placeholder="now-24h or 2026-11-20";
            }
            span.field {
                label for="to" { "To" }
                input #to name="to" type="text" value=(range.to) placeholder="now";
            }
            span.field {
                label for="tz" { "Time zone" }
                input #tz name="tz" type="text" value=(range.tz) placeholder="America/New_York";
            }
            button type="submit" { "Show" }
        }
        @if let Some(e) = error {
            p.error role="alert" { (e) }
        }
    }
}

fn report_block(r: &Report) -> Markup {
    let s = &r.summary;
    let p = &r.peak;
    html! {
        h2 { "Summary" }
        div.scroll { table.kv {
            tr { th scope="row" { "State" } td { (badge(s.state)) } }
            tr { th scope="row" { "Samples" } td { (s.samples) " ok, " (s.failed) " failed · coverage " (fraction(s.coverage)) } }
            tr { th scope="row" { "Collector down" } td { (duration(s.downtime_seconds)) } }
            tr { th scope="row" { "Available" } td { (stats(s.available.map(|v| (v.avg, v.min, v.max)))) } }
            tr { th scope="row" { "Logged in" } td { (stats(s.logged_in.map(|v| (v.avg, v.min, v.max)))) } }
            tr { th scope="row" { "Utilization" } td { (pct(s.utilization_pct)) } }
            tr { th scope="row" { "Available p5 / p50 / p95" } td { (percentiles(&s.available_percentiles)) } }
        } }
        h2 { "Peak and off-peak" }
        p.muted { "Peak: " (p.window.days.join(", ")) " " (p.window.hours) "." }
        div.scroll { table {
            thead { tr {
                th scope="col" { "" }
                th scope="col" class="num" { "Samples" }
                th scope="col" class="num" { "Mean available" }
                th scope="col" class="num" { "Mean logged in" }
                th scope="col" class="num" { "Utilization" }
                th scope="col" class="num" { "Available p5 / p50 / p95" }
            } }
            tbody {
                (side_row("Peak", &p.peak))
                (side_row("Off-peak", &p.off_peak))
            }
        } }
        p {
            "Busiest hour: " (hour(p.busiest_hour.as_ref()))
            @if let Some(u) = p.busiest_hour.and_then(|h| h.utilization_pct) { " (utilization " (pct(Some(u))) ")" }
            " · quietest hour: " (hour(p.quietest_hour.as_ref()))
            @if let Some(l) = p.quietest_hour.and_then(|h| h.logged_in) { " (" (one(l)) " logged in on average)" }
        }
        h2 { "Recent episodes" }
        p.muted { (r.episodes.total) " episodes of warning or worse, " (duration(r.episodes.total_seconds)) " in all." }
        @if !r.episodes.list.is_empty() {
            div.scroll { table.episodes {
                thead { tr {
                    th scope="col" { "Start" } th scope="col" { "End" } th scope="col" { "Duration" }
                    th scope="col" class="num" { "Lowest available" } th scope="col" { "Worst" }
                } }
                tbody {
                    @for e in recent(&r.episodes.list) {
                        tr {
                            td.nowrap { (when(&e.start)) } td.nowrap { (when(&e.end)) } td.nowrap { (duration(e.duration_seconds)) }
                            td.num { (e.min_available) } td { (badge(Some(e.worst_state))) }
                        }
                    }
                }
            } }
        }
    }
}

/// The most recent episodes, newest first.
fn recent(list: &[Episode]) -> impl Iterator<Item = &Episode> {
    list.iter().rev().take(EPISODES_SHOWN)
}

fn side_row(label: &str, s: &Side) -> Markup {
    html! {
        tr {
            th scope="row" { (label) }
            td.num { (s.samples) }
            td.num { (opt_one(s.available)) }
            td.num { (opt_one(s.logged_in)) }
            td.num { (pct(s.utilization_pct)) }
            td.num { (percentiles(&s.available_percentiles)) }
        }
    }
}

/// The state colours of the charts' light palette (`crates/chart/src/theme.rs`):
/// healthy green, monitor amber, warning orange, critical red, unavailable dark red,
/// no agents grey; dark text where white would not read.
const STATE_CSS: &str = "\
.badge{display:inline-block;padding:.1em .6em;border-radius:.8em;color:#fff;font-weight:600;font-size:.9em;white-space:nowrap}\
.s-healthy{background:#2e9e44}.s-monitor{background:#e0b01a;color:#1f2328}.s-warning{background:#f28c28;color:#1f2328}\
.s-critical{background:#d62728}.s-unavailable{background:#7f1d1d}.s-no_agents{background:#9ca3af;color:#1f2328}\
.s-none{background:#e3e6ea;color:#1f2328}";

/// The page style. Below 700 px (see [`NARROW_MEDIA`]) the dashboard's table becomes
/// one card per target and wide tables scroll within themselves, so no page is wider
/// than the screen.
const CSS: &str = "\
*,*::before,*::after{box-sizing:border-box}\
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1a1a1a;background:#fafafa;max-width:1200px}\
h1{margin:.2em 0;overflow-wrap:anywhere}h2{margin-top:1.6em;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;margin:.5em 0}th,td{padding:.35em .7em;text-align:left;vertical-align:middle;border-bottom:1px solid #e4e4e4}\
.num{text-align:right;font-variant-numeric:tabular-nums}.muted{color:#666}.failed{color:#b71c1c;font-weight:600}\
.error{color:#b71c1c;font-weight:600}.nowrap{white-space:nowrap}\
.scroll{max-width:100%;overflow-x:auto}\
img{max-width:100%;height:auto;background:#fff;border:1px solid #e4e4e4}\
figure{margin:1em 0}figcaption{color:#444;font-size:.95em}\
form.range{display:flex;gap:.5em 1em;align-items:center;flex-wrap:wrap;margin:.5em 0}\
form.range .field{display:inline-flex;gap:.5em;align-items:center}\
form.range input{width:12em;max-width:100%}footer{margin-top:2em;color:#777;font-size:.9em}\
.key .k{white-space:nowrap;margin-right:1em}.sw{display:inline-block;width:1.4em;height:.6em;margin-right:.35em;vertical-align:middle}\
.sw-available{background:#1f6fd1;height:.25em}.sw-logged{background:#7a3eb8;height:.25em}\
.sw-failed{background:repeating-linear-gradient(135deg,#d1242f 0 1px,#f8dadc 1px 4px)}.sw-down{background:#d5d8dc}\
@media (max-width:700px){\
body{margin:.75rem}\
table.targets,table.targets tbody,table.targets tr{display:block;width:100%}\
table.targets thead{display:none}\
table.targets tr{border:1px solid #e4e4e4;border-radius:.5em;background:#fff;margin:.75em 0;padding:.5em .6em}\
table.targets td{display:inline-block;border:0;padding:.15em .4em .15em 0}\
table.targets td.name{display:block}\
table.targets td.num,table.targets td.age{text-align:left}\
table.targets td[data-label]::before{content:attr(data-label) ': ';color:#666}\
table.targets td.spark{display:block;padding-top:.4em}\
}\
@media (prefers-color-scheme:dark){\
body{background:#121720;color:#e3e6ea}a{color:#8ab4f8}a:visited{color:#c58af9}\
.muted,footer{color:#9aa3ad}figcaption{color:#b9c0c8}h2,th,td{border-color:#2b323d}\
img{background:#121720;border-color:#2b323d}table.targets tr{background:#18202b;border-color:#2b323d}\
.failed,.error{color:#ff8a80}input,button{background:#18202b;color:#e3e6ea;border:1px solid #4a5360}\
.sw-available{background:#5aa2ff}.sw-logged{background:#d09cff}.sw-down{background:#3a424d}\
}";

/// A green dot, the healthy colour.
const FAVICON: &str = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' \
viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%232e9e44'/%3E%3C/svg%3E";

fn page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                meta http-equiv="refresh" content=(REFRESH_SECS);
                title { (title) }
                // Inline, so browsers do not ask for /favicon.ico and log its 404.
                link rel="icon" href=(FAVICON);
                style { (PreEscaped(CSS)) (PreEscaped(STATE_CSS)) }
            }
            body { main { (body) } }
        }
    }
}

/// A 400 for a person: an unknown or repeated parameter on a page's address, named,
/// as an HTML page (the routes' OpenAPI says `text/html`).
fn error_page(e: &ApiError) -> Response {
    let body = page(
        "headcount: bad address",
        html! {
            p { a href="/" { "← all targets" } }
            h1 { "Bad address" }
            p.error role="alert" { (e.to_string()) "." }
            (footer())
        },
    );
    (e.status(), body).into_response()
}

/// The page for an unknown target: what was asked for and the targets there are.
fn not_found_html(state: &AppState, e: &ApiError) -> Markup {
    page(
        "headcount: no such target",
        html! {
            p { a href="/" { "← all targets" } }
            h1 { "No such target" }
            p { (capitalized(&e.to_string())) ". Configured targets:" }
            ul {
                @for t in state.targets() {
                    li { a href={ "/targets/" (segment(&t.name)) } { (t.name) } }
                }
            }
            (footer())
        },
    )
}

fn footer() -> Markup {
    html! {
        footer {
            a href="/api/v1/targets" { "JSON API" } " · "
            a href="/api/openapi.json" { "OpenAPI" } " · "
            a href="/metrics" { "metrics" }
        }
    }
}

/// A state badge; `None` (no sample, or a failed one) is a grey "unknown".
fn badge(state: Option<Staffing>) -> Markup {
    let (class, label) = match state {
        Some(s) => (s.as_str(), s.as_str().replace('_', " ")),
        None => ("none", "unknown".to_owned()),
    };
    html! { span class={ "badge s-" (class) } { (label) } }
}

/// A name as one URL path segment.
pub(crate) fn segment(name: &str) -> String {
    utf8_percent_encode(name, SEGMENT).to_string()
}

/// Everything but RFC 3986's unreserved characters: target names (letters, digits,
/// `.`, `_`, `-`) stay readable in links, `bilingual-queue` rather than
/// `bilingual%2Dqueue`.
const SEGMENT: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn count(v: Option<u32>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| v.to_string())
}

fn one(v: f64) -> String {
    format!("{v:.1}")
}

fn opt_one(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), one)
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}%"))
}

fn fraction(v: Option<f64>) -> String {
    pct(v.map(|f| f * 100.0))
}

fn stats(v: Option<(f64, u32, u32)>) -> String {
    v.map_or_else(
        || "–".to_owned(),
        |(avg, min, max)| format!("{avg:.1} on average, {min} to {max}"),
    )
}

fn percentiles(p: &Percentiles) -> String {
    format!("{} / {} / {}", count(p.p5), count(p.p50), count(p.p95))
}

fn hour(h: Option<&HourStats>) -> String {
    h.map_or_else(|| "–".to_owned(), |h| format!("{:02}:00", h.hour))
}

fn when(t: &DateTime<FixedOffset>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Seconds as people say them: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`.
fn age(secs: i64) -> String {
    duration(secs.max(0))
}

fn duration(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86_400 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(0), "0 s");
        assert_eq!(duration(59), "59 s");
        assert_eq!(duration(60), "1 min");
        assert_eq!(duration(3599), "59 min");
        assert_eq!(duration(3600 + 5 * 60), "1 h 5 min");
        assert_eq!(duration(2 * 86_400 + 4 * 3600 + 59), "2 d 4 h");
        assert_eq!(age(-5), "0 s");
    }

    #[test]
    fn names_become_one_path_segment() {
        assert_eq!(segment("sales"), "sales");
        assert_eq!(segment("a b/c?d"), "a%20b%2Fc%3Fd");
        assert_eq!(segment("bilingual-queue_2.x"), "bilingual-queue_2.x");
    }

    #[test]
    fn range_links_keep_relative_times() {
        let q = Query::parse(Some("from=now-7d&tz=Europe%2FParis"), PageParams::NAMES).unwrap();
        let r = Range::of(&q);
        assert_eq!(r.query(), "from=now-7d&tz=Europe%2FParis");
        assert_eq!(
            url("/x", &r.query(), ""),
            "/x?from=now-7d&tz=Europe%2FParis"
        );
        assert_eq!(url("/x", "", ""), "/x");
    }
}
