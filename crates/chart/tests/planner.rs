//! The planners' charts: `sla` bars coloured by each period's status against the
//! objective line, `compare` lines per target; both themes and formats at the size
//! asked for; empty data says so.

use headcount_chart::{Format, Options, Theme, render_compare, render_sla};
use headcount_query::{
    Measure, Period, SeriesQuery, SeriesRef, Settings, SlaCondition, SlaConfig, SlaQuery,
    SlaReport, Step, Thresholds, Unknown, Window, compare, sla_report,
};
use headcount_store::{Sample, Store, TargetId};

/// Monday 2026-05-11 00:00 UTC.
const MON: i64 = 1_778_457_600;

fn opts(theme: Theme, format: Format) -> Options {
    Options {
        width: 800,
        height: 400,
        theme,
        format,
        legend: true,
    }
}

/// The trimmed contents of an SVG's text elements.
fn texts(svg: &str) -> Vec<String> {
    roxmltree::Document::parse(svg)
        .unwrap()
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().trim().to_owned())
        .collect()
}

fn svg(bytes: &[u8]) -> String {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    roxmltree::Document::parse(&text).unwrap();
    text
}

/// Filled rectangles of `fill` (upper-case hex) in an SVG.
fn rects(svg: &str, fill: &str) -> usize {
    svg.matches("<rect")
        .zip(svg.split("<rect").skip(1))
        .filter(|(_, rest)| {
            rest.split('>')
                .next()
                .unwrap()
                .contains(&format!("fill=\"{fill}\""))
        })
        .count()
}

fn store_with(days: &[(i64, u32)]) -> (Store, TargetId) {
    let mut store = Store::open_in_memory().unwrap();
    let id = store.ensure_target("sales", "{}", 0).unwrap();
    for &(day, available) in days {
        let d = MON + day * 86_400;
        let batch: Vec<Sample> = (d + 9 * 3600..d + 17 * 3600)
            .step_by(60)
            .map(|ts| Sample::ok(id, ts, available, 40, None))
            .collect();
        store.write_batch(&batch).unwrap();
    }
    (store, id)
}

/// Monday met (12 available), Tuesday missed (5), Wednesday running at 12 when asked
/// at 13:00.
fn sla_fixture() -> SlaReport {
    let (store, id) = store_with(&[(0, 12), (1, 5), (2, 12)]);
    let sla = SlaConfig {
        name: "staffed".into(),
        target: "sales".into(),
        condition: SlaCondition::parse("available >= 10").unwrap(),
        hours: Window::default(),
        objective: 95.0,
        period: Period::Day,
        unknown: Unknown::Excluded,
        line: 1,
    };
    let q = SlaQuery {
        from: MON,
        to: MON + 3 * 86_400,
        period: Period::Day,
        now: MON + 2 * 86_400 + 13 * 3600,
    };
    let target = SeriesRef { id, name: "sales" };
    sla_report(&store, target, &sla, &Settings::default(), &q).unwrap()
}

#[test]
fn sla_bars_are_coloured_by_status_against_the_objective() {
    let r = sla_fixture();
    let statuses: Vec<&str> = r.periods.iter().map(|p| p.status.as_str()).collect();
    assert_eq!(statuses, ["met", "missed", "in_progress"]);
    let text = svg(&render_sla(&r, &opts(Theme::Light, Format::Svg)).unwrap());
    // One bar and one legend swatch each: healthy green, critical red, monitor amber.
    assert_eq!(rects(&text, "#2E9E44"), 2, "met");
    assert_eq!(rects(&text, "#D62728"), 2, "missed");
    assert_eq!(rects(&text, "#E0B01A"), 2, "in progress");
    let t = texts(&text);
    assert!(t.iter().any(|x| x == "objective 95%"), "{t:?}");
    assert!(t.iter().any(|x| x == "projected"), "{t:?}");
    assert!(
        t.iter().any(|x| x == "staffed: compliance per day"),
        "{t:?}"
    );
}

#[test]
fn sla_and_compare_draw_in_both_themes_and_formats() {
    let r = sla_fixture();
    let (store, id) = store_with(&[(0, 12), (1, 5)]);
    let other = {
        let mut store = store;
        let u = store
            .ensure_target("support", "{\"queue_id\":\"2\"}", 0)
            .unwrap();
        let batch: Vec<Sample> = (MON..MON + 2 * 86_400)
            .step_by(600)
            .map(|ts| Sample::ok(u, ts, 7, 20, None))
            .collect();
        store.write_batch(&batch).unwrap();
        (store, u)
    };
    let (store, u) = other;
    let q = SeriesQuery {
        from: MON,
        to: MON + 2 * 86_400,
        tz: chrono_tz::UTC,
        step: Step::Hour,
        thresholds: Thresholds::default(),
        now: MON + 3 * 86_400,
    };
    let targets = [
        SeriesRef { id, name: "sales" },
        SeriesRef {
            id: u,
            name: "support",
        },
    ];
    let c = compare(&store, &targets, Measure::Available, &q).unwrap();
    for theme in [Theme::Light, Theme::Dark] {
        let png = render_sla(&r, &opts(theme, Format::Png)).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        let png = render_compare(&c, &opts(theme, Format::Png)).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        let text = svg(&render_compare(&c, &opts(theme, Format::Svg)).unwrap());
        assert!(text.contains("width=\"800\"") && text.contains("height=\"400\""));
        let t = texts(&text);
        assert!(
            t.iter().any(|x| x == "sales") && t.iter().any(|x| x == "support"),
            "{t:?}"
        );
        assert!(
            t.iter().any(|x| x == "agents available, side by side"),
            "{t:?}"
        );
    }
}

#[test]
fn empty_planner_charts_say_no_data() {
    let (store, id) = store_with(&[]);
    let q = SeriesQuery {
        from: MON,
        to: MON + 86_400,
        tz: chrono_tz::UTC,
        step: Step::Hour,
        thresholds: Thresholds::default(),
        now: MON + 86_400,
    };
    let c = compare(
        &store,
        &[SeriesRef { id, name: "sales" }],
        Measure::LoggedIn,
        &q,
    )
    .unwrap();
    let text = svg(&render_compare(&c, &opts(Theme::Light, Format::Svg)).unwrap());
    assert!(text.contains("no data"), "compare");
    let sla = SlaConfig {
        name: "s".into(),
        target: "sales".into(),
        condition: SlaCondition::parse("available >= 1").unwrap(),
        hours: Window::default(),
        objective: 90.0,
        period: Period::Week,
        unknown: Unknown::Excluded,
        line: 1,
    };
    let sq = SlaQuery {
        from: MON,
        to: MON + 86_400,
        period: Period::Week,
        now: MON + 30 * 86_400,
    };
    let r = sla_report(
        &store,
        SeriesRef { id, name: "sales" },
        &sla,
        &Settings::default(),
        &sq,
    )
    .unwrap();
    let text = svg(&render_sla(&r, &opts(Theme::Dark, Format::Svg)).unwrap());
    assert!(text.contains("no data"), "sla");
}
