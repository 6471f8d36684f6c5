//! Helpers shared by the query crate's integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use headcount_query::{SeriesRef, Settings};
use headcount_store::{Outcome, Sample, Store, TargetId};

/// An in-memory store with one target, `t`.
pub struct Fixture {
    pub store: Store,
    pub id: TargetId,
}

impl Fixture {
    pub fn new() -> Fixture {
        let mut store = Store::open_in_memory().unwrap();
        let id = store.ensure_target("t", "{}", 0).unwrap();
        Fixture { store, id }
    }

    pub fn target(&self) -> SeriesRef<'static> {
        SeriesRef {
            id: self.id,
            name: "t",
        }
    }

    pub fn ok(&mut self, ts: i64, available: u32, logged_in: u32) {
        self.write(&[Sample::ok(self.id, ts, available, logged_in, None)]);
    }

    pub fn failed(&mut self, ts: i64) {
        self.write(&[Sample::failed(self.id, ts, Outcome::Timeout, None)]);
    }

    pub fn write(&mut self, samples: &[Sample]) {
        self.store.write_batch(samples).unwrap();
    }

    /// Ok samples every `every` seconds in `[from, to)`, counts from `f(ts)`.
    pub fn fill(&mut self, from: i64, to: i64, every: i64, f: impl Fn(i64) -> (u32, u32)) {
        let batch: Vec<Sample> = (from..to)
            .step_by(every as usize)
            .map(|ts| {
                let (a, l) = f(ts);
                Sample::ok(self.id, ts, a, l, None)
            })
            .collect();
        for chunk in batch.chunks(10_000) {
            self.write(chunk);
        }
    }
}

pub fn tz(name: &str) -> Tz {
    name.parse().unwrap()
}

/// The instant a local "YYYY-MM-DD HH:MM" names in `tz` (the earlier one if twice).
pub fn at(tz: Tz, s: &str) -> i64 {
    let n = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    tz.from_local_datetime(&n).earliest().unwrap().timestamp()
}

/// An UTC instant from "YYYY-MM-DD HH:MM".
pub fn utc(s: &str) -> i64 {
    at(Tz::UTC, s)
}

pub fn settings(tz_name: &str) -> Settings {
    Settings::with_tz(tz(tz_name))
}

/// Whether two floats agree to 1e-9 relative.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}
