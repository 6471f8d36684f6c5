//! Cron schedules: parsing, the slot a tick stands for, and the shortest interval.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Timelike, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds};

/// How many occurrences [`Schedule::parse`] looks at to find the shortest interval.
const INTERVAL_PROBE_OCCURRENCES: usize = 5_000;

/// How far ahead [`Schedule::parse`] looks for the shortest interval: a little over a
/// year, so yearly patterns and leap days are seen.
const INTERVAL_PROBE_SECS: i64 = 400 * 86_400;

/// A 6-field cron expression, seconds first, evaluated in UTC: when a target is polled.
///
/// Parsed exactly as tokio-cron-scheduler parses it (croner, seconds required, day of
/// month AND day of week), so the slots computed here are the instants the scheduler
/// fires at.
#[derive(Clone)]
pub struct Schedule {
    expr: String,
    cron: Cron,
    min_interval: Duration,
}

impl Schedule {
    /// Parses `expr`: six whitespace-separated fields, `sec min hour dom month dow`.
    ///
    /// # Errors
    ///
    /// A one-line reason when the expression does not have six fields, does not parse,
    /// or never fires.
    pub fn parse(expr: &str) -> Result<Schedule, String> {
        Schedule::parse_from(expr, Utc::now())
    }

    /// [`Schedule::parse`], looking for the shortest interval from `start` on.
    pub(crate) fn parse_from(expr: &str, start: DateTime<Utc>) -> Result<Schedule, String> {
        let fields: Vec<&str> = expr.split_whitespace().collect();
        if fields.len() != 6 {
            return Err(format!(
                "{expr:?}: expected 6 fields (sec min hour day-of-month month day-of-week), found {}",
                fields.len()
            ));
        }
        let normal = fields.join(" ");
        let cron = parser()
            .parse(&normal)
            .map_err(|e| format!("{expr:?}: {e}"))?;
        let min_interval =
            shortest_interval(&cron, start).ok_or_else(|| format!("{expr:?}: never fires"))?;
        Ok(Schedule {
            expr: normal,
            cron,
            min_interval,
        })
    }

    /// The expression, fields separated by single spaces.
    #[must_use]
    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// The shortest time between two occurrences, looked for over the year from when
    /// the schedule was parsed (or, for a schedule firing at most once a year, such as
    /// on leap days, the time between its next two occurrences).
    #[must_use]
    pub fn min_interval(&self) -> Duration {
        self.min_interval
    }

    /// The slot a tick fired at `now` stands for: the latest occurrence at or before
    /// `now` (whole seconds), UTC unix seconds. `None` only if the schedule has no
    /// occurrence before `now` within croner's search limits.
    #[must_use]
    pub fn slot_at(&self, now: DateTime<Utc>) -> Option<i64> {
        let now = now.with_nanosecond(0).unwrap_or(now);
        self.cron
            .find_previous_occurrence(&now, true)
            .ok()
            .map(|t| t.timestamp())
    }

    /// The occurrences strictly between `after` and `before` (unix seconds), oldest
    /// first, at most `limit` of them.
    #[must_use]
    pub fn between(&self, after: i64, before: i64, limit: usize) -> Vec<i64> {
        let mut out = Vec::new();
        let mut t = after;
        while out.len() < limit {
            match self.next_after(t) {
                Some(next) if next < before => {
                    out.push(next);
                    t = next;
                }
                _ => break,
            }
        }
        out
    }

    /// The next occurrence strictly after `t` (unix seconds).
    #[must_use]
    pub fn next_after(&self, t: i64) -> Option<i64> {
        let start = Utc.timestamp_opt(t, 0).single()?;
        self.cron
            .find_next_occurrence(&start, false)
            .ok()
            .map(|t| t.timestamp())
    }
}

fn parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
}

/// The smallest gap between consecutive occurrences after `start` (the time of
/// parsing: that is when the schedule will run) over a bounded probe; `None` when the
/// schedule never fires.
///
/// A schedule that fires at most once within the probe (yearly, or only on 29
/// February) gets the gap between its next two occurrences, however far apart: it is
/// valid, just rare.
fn shortest_interval(cron: &Cron, start: DateTime<Utc>) -> Option<Duration> {
    // Found one at a time: croner's `iter_after` steps a second past each occurrence
    // and then searches exclusively, so it skips occurrences one second apart.
    let next = |t: DateTime<Utc>| cron.find_next_occurrence(&t, false).ok();
    let start = start.with_nanosecond(0).unwrap_or(start);
    let first = cron.find_next_occurrence(&start, true).ok()?;
    let mut prev = first;
    let end = prev.timestamp() + INTERVAL_PROBE_SECS;
    let mut min: Option<i64> = None;
    for _ in 0..INTERVAL_PROBE_OCCURRENCES {
        let Some(t) = next(prev) else { break };
        if t.timestamp() > end {
            // Rarer than the probe: its next occurrence decides, if none came before.
            if min.is_none() {
                min = Some(t.timestamp() - prev.timestamp());
            }
            break;
        }
        let gap = t.timestamp() - prev.timestamp();
        min = Some(min.map_or(gap, |m| m.min(gap)));
        if gap == 1 {
            break;
        }
        prev = t;
    }
    min.and_then(|s| u64::try_from(s).ok())
        .map(Duration::from_secs)
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Schedule").field(&self.expr).finish()
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expr)
    }
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Self) -> bool {
        self.expr == other.expr
    }
}

impl Eq for Schedule {}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn shortest_interval_of_common_schedules() {
        let secs = |e: &str| Schedule::parse(e).unwrap().min_interval().as_secs();
        assert_eq!(secs("*/15 * * * * *"), 15);
        assert_eq!(secs("* * * * * *"), 1);
        assert_eq!(secs("0 */5 * * * *"), 300);
        assert_eq!(secs("0,10 * * * * *"), 10);
        // Weekdays at 9: the shortest gap is a day (Monday to Tuesday), not the weekend.
        assert_eq!(secs("0 0 9 * * MON-FRI"), 86_400);
    }

    #[test]
    fn slot_is_the_latest_occurrence_at_or_before_now() {
        let s = Schedule::parse("*/15 * * * * *").unwrap();
        let base = at("2026-03-02T10:00:00Z").timestamp();
        assert_eq!(s.slot_at(at("2026-03-02T10:00:00Z")), Some(base));
        assert_eq!(s.slot_at(at("2026-03-02T10:00:00.400Z")), Some(base));
        assert_eq!(s.slot_at(at("2026-03-02T10:00:14.999Z")), Some(base));
        assert_eq!(s.slot_at(at("2026-03-02T10:00:15Z")), Some(base + 15));
    }

    #[test]
    fn between_lists_occurrences_strictly_inside() {
        let s = Schedule::parse("* * * * * *").unwrap();
        assert_eq!(s.between(100, 104, 10), vec![101, 102, 103]);
        assert_eq!(s.between(100, 101, 10), Vec::<i64>::new());
        assert_eq!(s.between(100, 200, 2), vec![101, 102]);
        assert_eq!(s.next_after(100), Some(101));
    }

    #[test]
    fn bad_expressions_say_why() {
        let e = Schedule::parse("*/15 * * * *").unwrap_err();
        assert!(
            e.contains("expected 6 fields") && e.contains("found 5"),
            "{e}"
        );
        let e = Schedule::parse("61 * * * * *").unwrap_err();
        assert!(e.starts_with("\"61 * * * * *\": "), "{e}");
        let e = Schedule::parse("0 0 0 30 2 *").unwrap_err();
        assert!(e.contains("never fires"), "{e}");
    }

    #[test]
    fn leap_day_and_yearly_schedules_are_valid_and_rare() {
        let days = |e: &str, start: &str| {
            Schedule::parse_from(e, at(start))
                .unwrap()
                .min_interval()
                .as_secs()
                / 86_400
        };
        // From 2026, the next 29 Februaries are in 2028 and 2032: 1461 days apart.
        assert_eq!(days("0 0 0 29 2 *", "2026-03-02T10:00:00Z"), 1461);
        // Just before one: the next after 2028-02-29 is 2032-02-29 all the same.
        assert_eq!(days("0 0 0 29 2 *", "2028-02-28T00:00:00Z"), 1461);
        // Today, whenever the tests run.
        assert!(
            Schedule::parse("0 0 0 29 2 *")
                .unwrap()
                .min_interval()
                .as_secs()
                >= 4 * 365 * 86_400
        );
        // Once a year, on 1 January: 365 or 366 days depending on the year.
        let yearly = days("0 0 0 1 1 *", "2026-03-02T10:00:00Z");
        assert!(yearly == 365 || yearly == 366, "{yearly}");
    }

    #[test]
    fn the_probe_starts_when_the_schedule_is_parsed() {
        // Weekdays at 9 from a Saturday: the weekend gap comes first, then 1 day.
        let s = Schedule::parse_from("0 0 9 * * MON-FRI", at("2026-03-07T12:00:00Z")).unwrap();
        assert_eq!(s.min_interval().as_secs(), 86_400);
        let s = Schedule::parse_from("*/15 * * * * *", at("2031-07-15T23:59:59.750Z")).unwrap();
        assert_eq!(s.min_interval().as_secs(), 15);
    }
}
