//! Prints the simulated center's daily shape and times what `headcount demo` asks of the
//! model: 14 days of snapshots every 15 s, six filters counted on each.
//!
//! `cargo run --release -p headcount-simulator --example profile [SEED]`

use std::time::Instant;

use chrono::{Datelike, NaiveDate, TimeZone, Weekday};
use headcount_simulator::{Center, CenterConfig, Counts, Filter};

fn main() {
    let seed = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let center = Center::new(CenterConfig {
        seed,
        ..CenterConfig::default()
    });
    let tz = center.config().timezone;
    let filters = [
        Filter::all(),
        Filter::campaign(111),
        Filter::queue(222),
        Filter::skills(["spanish", "english"]),
        Filter {
            queue_id: Some(vec![222]),
            skills: Some(vec!["english".into(), "sales".into()]),
            ..Filter::default()
        },
        Filter::user(12345),
    ];

    // Hour by hour, summed over the weekdays and then the weekend of one week.
    let monday = NaiveDate::from_ymd_opt(2026, 2, 23).unwrap();
    println!(
        "hour | weekday all: in  util | sales: in  util | weekend all: in  util | sales: in  util"
    );
    for hour in 0..24 {
        let mut sums = [[Counts::default(); 2]; 2];
        let mut samples = [0u32; 2];
        for d in 0..7 {
            let date = monday + chrono::Days::new(d);
            let weekend = usize::from(matches!(date.weekday(), Weekday::Sat | Weekday::Sun));
            samples[weekend] += 60;
            for minute in 0..60 {
                let naive = date.and_hms_opt(hour, minute, 0).unwrap();
                let ts = tz
                    .from_local_datetime(&naive)
                    .earliest()
                    .unwrap()
                    .timestamp();
                let snapshot = center.snapshot(ts);
                for (i, filter) in [Filter::all(), Filter::campaign(111)].iter().enumerate() {
                    let c = snapshot.count(filter);
                    sums[weekend][i].available += c.available;
                    sums[weekend][i].logged_in += c.logged_in;
                }
            }
        }
        let cell = |c: Counts, n: u32| {
            format!(
                "{:5.1} {:4.1}%",
                f64::from(c.logged_in) / f64::from(n),
                100.0 * c.utilization().unwrap_or(0.0)
            )
        };
        println!(
            "{hour:4} |      {}  |   {}  |      {}  |   {}",
            cell(sums[0][0], samples[0]),
            cell(sums[0][1], samples[0]),
            cell(sums[1][0], samples[1]),
            cell(sums[1][1], samples[1]),
        );
    }

    // What `headcount demo` asks: 14 days × 5760 instants × 6 filters.
    let start = tz
        .from_local_datetime(&monday.and_hms_opt(0, 0, 0).unwrap())
        .unwrap()
        .timestamp();
    let instants = 14 * 5760;
    let clock = Instant::now();
    let selections: Vec<_> = filters.iter().map(|f| center.select(f)).collect();
    let mut checksum = 0u64;
    for i in 0..instants {
        let snapshot = center.snapshot(start + 15 * i);
        for selection in &selections {
            let c = snapshot.count_selection(selection);
            checksum += u64::from(c.available) + u64::from(c.logged_in);
        }
    }
    let fast = clock.elapsed();
    let clock = Instant::now();
    for i in 0..instants {
        let snapshot = center.snapshot(start + 15 * i);
        for filter in &filters {
            let c = snapshot.count(filter);
            checksum += u64::from(c.available) + u64::from(c.logged_in);
        }
    }
    let plain = clock.elapsed();
    println!(
        "{instants} snapshots × {} filters: {fast:.2?} with selections, {plain:.2?} with filters (checksum {checksum})",
        filters.len()
    );
}
