//! Writes the planners' charts, `sla` and `compare`, in both themes (PNG at 1000×500
//! and 400×200, SVG at 1000×500) from weeks of simulated history, for looking at:
//! `cargo run -p headcount-chart --example planners [DIR]` (default /tmp/charts).

#[allow(dead_code)] // the gallery's helpers, not all used here
mod common;

use headcount_chart::{Format, Options, Theme, render_compare, render_sla};
use headcount_query::{
    Measure, Period, SeriesRef, Settings, SlaCondition, SlaConfig, SlaQuery, Step, Unknown, Window,
    compare, sla_report,
};
use headcount_simulator::{Center, CenterConfig, Filter};
use headcount_store::{Sample, Store};

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/tmp/charts".to_owned());
    std::fs::create_dir_all(&dir).unwrap();
    let (mut store, id) = common::store(35, 60);
    let sales = common::target(id);
    let support = add(&mut store, "support", 112, 35);
    let billing = add(&mut store, "billing", 113, 35);

    let settings = Settings::with_tz(common::TZ);
    let sla = SlaConfig {
        name: "sales-staffed".into(),
        target: "sales".into(),
        condition: SlaCondition::parse("available >= 6").unwrap(),
        hours: Window::default(),
        objective: 90.0,
        period: Period::Week,
        unknown: Unknown::Excluded,
        line: 1,
    };
    let weekly = SlaQuery {
        from: common::NOW - 28 * common::DAY,
        to: common::NOW,
        period: Period::Week,
        now: common::NOW,
    };
    let daily = SlaQuery {
        from: common::NOW - 14 * common::DAY,
        period: Period::Day,
        ..weekly
    };
    let cmp = compare(
        &store,
        &[sales, support, billing],
        Measure::Available,
        &common::series_query(7, Step::Hour),
    )
    .unwrap();
    let reports = [
        (
            "week",
            sla_report(&store, sales, &sla, &settings, &weekly).unwrap(),
        ),
        (
            "day",
            sla_report(&store, sales, &sla, &settings, &daily).unwrap(),
        ),
    ];
    for theme in [Theme::Light, Theme::Dark] {
        for (w, h, format) in [
            (1000, 500, Format::Png),
            (400, 200, Format::Png),
            (1000, 500, Format::Svg),
        ] {
            let opts = Options {
                width: w,
                height: h,
                theme,
                format,
                legend: true,
            };
            let name = |kind: &str| {
                format!(
                    "{dir}/{kind}-{}-{w}x{h}.{}",
                    theme.as_str(),
                    format.extension()
                )
            };
            for (period, r) in &reports {
                let bytes = render_sla(r, &opts).unwrap();
                std::fs::write(name(&format!("sla-{period}")), bytes).unwrap();
            }
            std::fs::write(name("compare"), render_compare(&cmp, &opts).unwrap()).unwrap();
        }
    }
    println!("wrote the sla and compare charts to {dir}");
}

/// A target of campaign `campaign` polled every minute for `days` up to NOW.
fn add(store: &mut Store, name: &'static str, campaign: u64, days: i64) -> SeriesRef<'static> {
    let id = store
        .ensure_target(name, &format!(r#"{{"campaign_id":"{campaign}"}}"#), 0)
        .unwrap();
    let center = Center::new(CenterConfig {
        seed: 7,
        timezone: common::TZ,
    });
    let filter = Filter::campaign(campaign);
    let mut batch = Vec::new();
    let mut ts = common::NOW - days * common::DAY;
    while ts < common::NOW {
        let c = center.count(&filter, ts);
        batch.push(Sample::ok(id, ts, c.available, c.logged_in, Some(40)));
        if batch.len() == 5000 {
            store.write_batch(&batch).unwrap();
            batch.clear();
        }
        ts += 60;
    }
    store.write_batch(&batch).unwrap();
    SeriesRef { id, name }
}
