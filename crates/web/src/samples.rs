//! Raw samples as CSV, streamed: memory stays bounded whatever the range, and no read
//! transaction is held while a slow client catches up.

use std::fmt::Write as _;
use std::ops::ControlFlow;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::TimeZone as _;
use chrono_tz::Tz;
use futures_util::StreamExt as _;
use headcount_store::{Reader, Reads, Sample, TargetId};

use crate::db::{read, read_quick};
use crate::error::{ApiError, ErrorBody};
use crate::params::{Query, SamplesParams};
use crate::state::AppState;
use crate::{PathArgs, Routes, known};

/// The CSV header.
pub(crate) const HEADER: &str = "ts,time,outcome,available,logged_in,latency_ms\n";

/// Bytes per chunk sent to the client; also the most one page of rows holds.
const CHUNK: usize = 64 * 1024;

pub(crate) fn router() -> Routes {
    Routes::new().get("/api/v1/targets/{name}/samples.csv", samples_csv)
}

/// The raw samples of a target, as CSV.
///
/// Over `[from, to)`, oldest first, one row per scheduled poll: `ts` (UTC unix seconds), `time` (RFC 3339 in `tz`), `outcome` (`ok` or the
/// failure's kind), `available`, `logged_in` (empty unless ok) and `latency_ms`
/// (empty when not measured). Raw samples older than the configured retention are
/// gone; the series and report still cover them.
#[utoipa::path(
    get,
    path = "/api/v1/targets/{name}/samples.csv",
    tag = "api",
    params(("name" = String, Path, description = "A configured target's name."), SamplesParams),
    responses(
        (status = 200, description = "CSV with a header row.", content_type = "text/csv; charset=utf-8", body = String),
        (status = 400, description = "A bad or unknown parameter.", body = ErrorBody),
        (status = 401, description = "Missing or wrong API token.", body = ErrorBody),
        (status = 404, description = "No such target.", body = ErrorBody),
    )
)]
pub(crate) async fn samples_csv(
    State(state): State<AppState>,
    PathArgs(name): PathArgs<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    known(&state, &name)?;
    let q = Query::parse(raw.as_deref(), SamplesParams::NAMES)?;
    let range = q.params().range(state.settings(), state.now())?;
    // Resolved before the status line goes out, so a database that cannot be read
    // is still a 500 rather than a cut-off 200.
    let lookup = name.clone();
    let id = read_quick(&state, move |r, s| Ok(known(s, &lookup)?.resolve(r)?.id)).await?;

    let tz = range.tz;
    let to = range.to;
    // Each page is read by its own short blocking task, and the next only once the
    // connection has taken the previous: a slow client holds neither a blocking
    // thread nor a read snapshot (which would keep the collector's WAL from being
    // checkpointed), and memory stays at about one page.
    let pages = futures_util::stream::unfold(Some(range.from), move |cursor| {
        let state = state.clone();
        async move {
            let from = cursor?;
            let first = from == range.from;
            let got = read(&state, move |r, _| {
                let mut buf = String::with_capacity(CHUNK + 256);
                if first {
                    buf.push_str(HEADER);
                }
                let next = page(r, id, from, to, tz, &mut buf)?;
                Ok((buf, next))
            })
            .await;
            Some(match got {
                Ok((buf, next)) => (Ok::<_, std::io::Error>(Bytes::from(buf)), next),
                Err(e) => {
                    // The status line is gone: end the body with an error, so the
                    // client sees a broken transfer rather than a short file.
                    tracing::error!(error = %e, "samples.csv: read failed");
                    (Err(std::io::Error::other("read failed")), None)
                }
            })
        }
    });
    // Fused: a finished `unfold` panics if polled again, and tower-http's compression
    // polls the body once more after its end (looking for trailers). Unfused, every
    // gzip download (browsers, `curl --compressed`) was cut off mid-body.
    let body = Body::from_stream(pages.fuse());
    let disposition = format!("inline; filename=\"{}-samples.csv\"", file_stem(&name));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or_else(|_| HeaderValue::from_static("inline")),
            ),
        ],
        body,
    )
        .into_response())
}

/// Appends the rows of `id` from `from` (inclusive) to `to` to `buf` until it holds
/// [`CHUNK`] bytes; returns where the next page starts, or `None` when the range is
/// done.
fn page(
    r: &Reader,
    id: TargetId,
    from: i64,
    to: i64,
    tz: Tz,
    buf: &mut String,
) -> Result<Option<i64>, ApiError> {
    let mut next = None;
    r.for_each_sample(id, from, to, |s| {
        row(buf, &s, tz);
        if buf.len() >= CHUNK {
            next = Some(s.ts + 1);
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    Ok(next)
}

/// One CSV row. Every field is a number, an outcome name or an RFC 3339 time, none
/// of which needs quoting.
fn row(buf: &mut String, s: &Sample, tz: Tz) {
    let time = tz
        .timestamp_opt(s.ts, 0)
        .single()
        .map(|t| t.fixed_offset().to_rfc3339())
        .unwrap_or_default();
    let opt = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
    let _ = writeln!(
        buf,
        "{},{},{},{},{},{}",
        s.ts,
        time,
        s.outcome,
        opt(s.available),
        opt(s.logged_in),
        opt(s.latency_ms)
    );
}

/// A target name made safe for a quoted header parameter.
fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use headcount_store::{Outcome, Store};

    use super::*;

    #[test]
    fn rows_are_paged_without_loss_or_repeats() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        let mut store = Store::open(&path).unwrap();
        let id = store.ensure_target("t", "{}", 0).unwrap();
        // Enough rows for several 64 KiB pages (each row is about 50 bytes).
        let samples: Vec<Sample> = (0..5000)
            .map(|i| {
                let ts = 1_000_000 + i * 15;
                if i % 7 == 0 {
                    Sample::failed(id, ts, Outcome::Timeout, Some(5000))
                } else {
                    Sample::ok(id, ts, (i % 10) as u32, 10, Some(40))
                }
            })
            .collect();
        store.write_batch(&samples).unwrap();
        let reader = Reader::open(&path).unwrap();
        let (from, to) = (1_000_000, 1_000_000 + 5000 * 15);
        let mut pages = Vec::new();
        let mut cursor = Some(from);
        while let Some(c) = cursor {
            let mut buf = String::new();
            cursor = page(&reader, id, c, to, Tz::UTC, &mut buf).unwrap();
            assert!(buf.len() < CHUNK + 100, "a page is bounded");
            pages.push(buf);
        }
        assert!(pages.len() > 3, "{} pages", pages.len());
        let text = pages.concat();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5000);
        assert_eq!(lines[0], "1000000,1970-01-12T13:46:40+00:00,timeout,,,5000");
        assert_eq!(lines[1], "1000015,1970-01-12T13:46:55+00:00,ok,1,10,40");
        for (i, line) in lines.iter().enumerate() {
            let ts: i64 = line.split(',').next().unwrap().parse().unwrap();
            assert_eq!(ts, 1_000_000 + i as i64 * 15);
        }
    }

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(file_stem("sales-east_2.x"), "sales-east_2.x");
        assert_eq!(file_stem("a\"b\\c d/é"), "a_b_c_d__");
    }
}
