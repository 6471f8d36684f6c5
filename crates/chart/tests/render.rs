//! Every chart kind, format, theme and size renders to a well-formed picture of the
//! size asked for; `render_from_store` and `render` agree; what the charts show
//! follows from the data (gaps, downtime, thresholds, empty ranges).

use std::io::Cursor;

use chrono_tz::Tz;
use headcount_chart::{ChartData, Error, Format, Kind, Options, Theme, render, render_from_store};
use headcount_query::{
    Forecast, Profile, ReportQuery, Series, SeriesQuery, SeriesRef, Span, Step, Thresholds, Trend,
    Window,
};
use headcount_store::{Outcome, Sample, Store, TargetId};

const TZ: Tz = chrono_tz::America::New_York;
/// Wednesday 2026-11-18 14:00 EST.
const NOW: i64 = 1_795_028_400;
const DAY: i64 = 86_400;
/// Polls every 5 minutes.
const EVERY: i64 = 300;

/// A deterministic day: few agents at night, many at midday, available falling as
/// the day fills up.
fn counts(ts: i64) -> (u32, u32) {
    let hour = (ts - 5 * 3600).rem_euclid(DAY) / 3600;
    let busy = (6..20).contains(&hour);
    let logged_in = if busy { 40 + (hour as u32 % 5) } else { 12 };
    let available = if busy { 3 + (hour as u32 % 7) } else { 9 };
    (available, logged_in)
}

struct Fixture {
    store: Store,
    id: TargetId,
}

/// 15 days of polls up to `NOW`, with two hours of timeouts 3 days ago and the
/// recorder down for 4 hours 2 days ago.
fn fixture() -> Fixture {
    let mut store = Store::open_in_memory().unwrap();
    let id = store.ensure_target("sales", "{}", 0).unwrap();
    let start = NOW - 15 * DAY;
    let down = (NOW - 2 * DAY, NOW - 2 * DAY + 4 * 3600);
    let failing = (NOW - 3 * DAY, NOW - 3 * DAY + 2 * 3600);
    let run = store.begin_run(start, 1, "test").unwrap().id;
    store.end_run(run, down.0).unwrap();
    let live = store.begin_run(down.1, 2, "test").unwrap().id;
    let samples: Vec<Sample> = (0..)
        .map(|i| start + i * EVERY)
        .take_while(|&ts| ts < NOW)
        .filter(|ts| !(down.0..down.1).contains(ts))
        .map(|ts| {
            if (failing.0..failing.1).contains(&ts) {
                Sample::failed(id, ts, Outcome::Timeout, Some(5000))
            } else {
                let (a, l) = counts(ts);
                Sample::ok(id, ts, a, l, Some(30))
            }
        })
        .collect();
    store.write_batch(&samples).unwrap();
    // The second run is alive at `NOW`: its heartbeat is current.
    store.heartbeat(live, NOW).unwrap();
    Fixture { store, id }
}

fn empty() -> Fixture {
    let mut store = Store::open_in_memory().unwrap();
    let id = store.ensure_target("sales", "{}", 0).unwrap();
    Fixture { store, id }
}

fn target(id: TargetId) -> SeriesRef<'static> {
    SeriesRef { id, name: "sales" }
}

fn series_query(days: i64) -> SeriesQuery {
    SeriesQuery {
        from: NOW - days * DAY,
        to: NOW,
        tz: TZ,
        step: Step::Auto,
        thresholds: Thresholds::default(),
        now: NOW,
    }
}

fn report_query(days: i64, thresholds: Thresholds) -> ReportQuery {
    ReportQuery {
        from: NOW - days * DAY,
        to: NOW,
        tz: TZ,
        compare: Span::DEFAULT_COMPARE,
        horizon: 24,
        peak: Window::default(),
        thresholds,
        now: NOW,
    }
}

/// Everything the charts are drawn from, fetched by hand through the query crate.
struct Fetched {
    series: Series,
    profile: Profile,
    trend: Trend,
    forecast: Forecast,
    thresholds: Thresholds,
}

impl Fetched {
    fn of(f: &Fixture, sq: &SeriesQuery, rq: &ReportQuery) -> Fetched {
        let t = target(f.id);
        Fetched {
            series: headcount_query::series(&f.store, t, sq).unwrap(),
            profile: headcount_query::report_profile(&f.store, t, rq).unwrap(),
            trend: headcount_query::report_trend(&f.store, t, rq).unwrap(),
            forecast: headcount_query::report_forecast(&f.store, t, rq).unwrap(),
            thresholds: rq.thresholds,
        }
    }

    fn data(&self) -> ChartData<'_> {
        ChartData {
            target: "sales",
            thresholds: &self.thresholds,
            series: Some(&self.series),
            profile: Some(&self.profile),
            trend: Some(&self.trend),
            forecast: Some(&self.forecast),
        }
    }
}

fn opts(width: u32, height: u32, theme: Theme, format: Format) -> Options {
    Options {
        width,
        height,
        theme,
        format,
    }
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let mut reader = png::Decoder::new(Cursor::new(bytes)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buf).unwrap();
    (frame.width, frame.height)
}

fn svg_size(bytes: &[u8]) -> (u32, u32) {
    let text = std::str::from_utf8(bytes).unwrap();
    let doc = roxmltree::Document::parse(text).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let attr = |name: &str| root.attribute(name).unwrap().parse::<u32>().unwrap();
    (attr("width"), attr("height"))
}

fn svg_texts(bytes: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(bytes).unwrap();
    let doc = roxmltree::Document::parse(text).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().trim().to_owned())
        .collect()
}

fn size_of(format: Format, bytes: &[u8]) -> (u32, u32) {
    match format {
        Format::Png => png_size(bytes),
        Format::Svg => svg_size(bytes),
    }
}

#[test]
fn every_kind_format_and_theme_has_the_requested_size_clamped_to_4000() {
    let f = fixture();
    let fetched = Fetched::of(
        &f,
        &series_query(7),
        &report_query(14, Thresholds::default()),
    );
    let data = fetched.data();
    for kind in Kind::ALL {
        for format in [Format::Png, Format::Svg] {
            for theme in [Theme::Light, Theme::Dark] {
                for ((w, h), want) in [
                    ((1000, 500), (1000, 500)),
                    ((400, 200), (400, 200)),
                    ((9000, 9000), (4000, 4000)),
                ] {
                    let bytes = render(kind, &data, &opts(w, h, theme, format))
                        .unwrap_or_else(|e| panic!("{kind} {format:?} {theme} {w}x{h}: {e}"));
                    assert_eq!(
                        size_of(format, &bytes),
                        want,
                        "{kind} {format:?} {theme} {w}x{h}"
                    );
                }
            }
        }
    }
}

#[test]
fn sizes_below_the_minimum_are_clamped_up() {
    let f = fixture();
    let fetched = Fetched::of(
        &f,
        &series_query(1),
        &report_query(7, Thresholds::default()),
    );
    for format in [Format::Png, Format::Svg] {
        let bytes = render(
            Kind::Timeline,
            &fetched.data(),
            &opts(10, 0, Theme::Light, format),
        )
        .unwrap();
        assert_eq!(size_of(format, &bytes), (200, 100));
    }
}

#[test]
fn render_from_store_draws_the_same_bytes_as_render_on_data_fetched_by_hand() {
    let f = fixture();
    let sq = series_query(7);
    let rq = report_query(14, Thresholds::default());
    let fetched = Fetched::of(&f, &sq, &rq);
    for kind in Kind::ALL {
        for format in [Format::Png, Format::Svg] {
            let o = opts(800, 400, Theme::Dark, format);
            let by_hand = render(kind, &fetched.data(), &o).unwrap();
            let from_store = render_from_store(&f.store, target(f.id), kind, &sq, &rq, &o).unwrap();
            assert!(by_hand == from_store, "{kind} {format:?} differ");
        }
    }
}

#[test]
fn an_empty_range_says_so_in_every_kind() {
    let f = empty();
    let sq = series_query(1);
    let rq = report_query(7, Thresholds::default());
    for kind in Kind::ALL {
        for format in [Format::Png, Format::Svg] {
            for (w, h) in [(1000, 500), (400, 200)] {
                let o = opts(w, h, Theme::Light, format);
                let bytes = render_from_store(&f.store, target(f.id), kind, &sq, &rq, &o)
                    .unwrap_or_else(|e| panic!("{kind} {format:?}: {e}"));
                assert_eq!(size_of(format, &bytes), (w, h));
                if format == Format::Svg {
                    let texts = svg_texts(&bytes);
                    assert!(
                        texts.iter().any(|t| t == "no data in this range"),
                        "{kind} {w}x{h}: {texts:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn missing_parts_are_named_in_the_error() {
    let f = fixture();
    let fetched = Fetched::of(
        &f,
        &series_query(1),
        &report_query(7, Thresholds::default()),
    );
    let full = fetched.data();
    let none = ChartData {
        series: None,
        profile: None,
        trend: None,
        forecast: None,
        ..full
    };
    let o = Options::default();
    for (kind, data, want) in [
        (Kind::Timeline, none, "series"),
        (Kind::Utilization, none, "series"),
        (Kind::Heatmap, none, "profile"),
        (Kind::Peak, none, "profile"),
        (Kind::Trend, none, "trend"),
        (
            Kind::Trend,
            ChartData {
                forecast: None,
                ..full
            },
            "forecast",
        ),
    ] {
        match render(kind, &data, &o) {
            Err(Error::MissingData { kind: k, what }) => {
                assert_eq!((k, what), (kind.as_str(), want));
            }
            other => panic!("{kind}: {other:?}"),
        }
    }
    // Parts a kind does not need may be absent.
    let series_only = ChartData {
        series: Some(&fetched.series),
        ..none
    };
    assert!(render(Kind::Timeline, &series_only, &o).is_ok());
}

/// The `points` of the SVG polylines stroked in `color`: one per unbroken line.
fn polylines(svg: &[u8], color: &str) -> usize {
    let text = std::str::from_utf8(svg).unwrap();
    let doc = roxmltree::Document::parse(text).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke") == Some(color))
        .count()
}

#[test]
fn gaps_break_the_timeline_and_downtime_is_shaded_and_named() {
    let f = fixture();
    let o = opts(1000, 500, Theme::Light, Format::Svg);
    let rq = report_query(7, Thresholds::default());
    let t = target(f.id);
    // The last 24 hours have no gap: one line each for available and logged in (and
    // one more each in the legend's swatch).
    let day = render_from_store(&f.store, t, Kind::Timeline, &series_query(1), &rq, &o).unwrap();
    // Light theme's available and logged-in colours.
    let (available, logged_in) = ("#1F6FD1", "#7A3EB8");
    assert_eq!(polylines(&day, available), 1 + 1);
    assert_eq!(polylines(&day, logged_in), 1 + 1);
    assert!(
        !svg_texts(&day)
            .iter()
            .any(|t| t == "recorder down" || t == "polls failed")
    );
    // Four days hold the timeouts (3 days ago) and the outage (2 days ago): each breaks
    // both lines, so three runs each, and both are in the legend.
    let four = render_from_store(&f.store, t, Kind::Timeline, &series_query(4), &rq, &o).unwrap();
    assert_eq!(polylines(&four, available), 3 + 1);
    assert_eq!(polylines(&four, logged_in), 3 + 1);
    let texts = svg_texts(&four);
    assert!(texts.iter().any(|t| t == "recorder down"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "polls failed"), "{texts:?}");
}

#[test]
fn utilization_bands_follow_the_thresholds() {
    let f = fixture();
    let th = Thresholds::new(30, 15, 5).unwrap();
    let sq = SeriesQuery {
        thresholds: th,
        ..series_query(1)
    };
    let rq = report_query(7, th);
    let o = opts(1000, 500, Theme::Light, Format::Svg);
    let svg = render_from_store(&f.store, target(f.id), Kind::Utilization, &sq, &rq, &o).unwrap();
    let texts = svg_texts(&svg);
    // Thresholds are on available %: utilization is its complement.
    for want in [
        "healthy < 70%",
        "monitor 70–85%",
        "warning 85–95%",
        "critical > 95%",
    ] {
        assert!(texts.iter().any(|t| t == want), "{want}: {texts:?}");
    }
}

#[test]
fn small_pictures_leave_out_the_subtitle_and_svg_text_has_fallback_fonts() {
    let f = fixture();
    let sq = series_query(1);
    let rq = report_query(7, Thresholds::default());
    let t = target(f.id);
    let zone = |w, h| {
        let svg = render_from_store(
            &f.store,
            t,
            Kind::Timeline,
            &sq,
            &rq,
            &opts(w, h, Theme::Light, Format::Svg),
        )
        .unwrap();
        svg_texts(&svg)
            .iter()
            .any(|s| s.contains("America/New_York"))
    };
    assert!(zone(1000, 500));
    assert!(!zone(400, 200));

    for kind in Kind::ALL {
        let svg = render_from_store(
            &f.store,
            t,
            kind,
            &sq,
            &rq,
            &opts(1000, 500, Theme::Dark, Format::Svg),
        )
        .unwrap();
        let text = std::str::from_utf8(&svg).unwrap();
        let doc = roxmltree::Document::parse(text).unwrap();
        for n in doc.descendants().filter(|n| n.has_tag_name("text")) {
            let family = n.attribute("font-family").unwrap_or_default();
            assert!(
                family.starts_with("DejaVu Sans,") && family.ends_with("sans-serif"),
                "{family}"
            );
        }
    }
}

#[test]
fn heatmap_marks_hours_without_data() {
    let f = fixture();
    // One day of data: six weekdays have no cells at all.
    let rq = report_query(1, Thresholds::default());
    let o = opts(1000, 500, Theme::Light, Format::Svg);
    let svg = render_from_store(
        &f.store,
        target(f.id),
        Kind::Heatmap,
        &series_query(1),
        &rq,
        &o,
    )
    .unwrap();
    let texts = svg_texts(&svg);
    assert!(texts.iter().any(|t| t == "no data"), "{texts:?}");
    // Cell values are printed at this size: the midday utilization of the fixture.
    // 11:00 local: logged in 40 + 11 % 5 = 41, available 3 + 11 % 7 = 7 → 83%.
    assert!(texts.iter().any(|t| t == "83"), "{texts:?}");
}

#[test]
fn odd_ranges_render_at_every_size() {
    let f = fixture();
    let t = target(f.id);
    let series_cases = [
        // An hour of minutes, a quarter of days, weeks, and a range with no data yet.
        SeriesQuery {
            from: NOW - 3600,
            step: Step::Min1,
            ..series_query(1)
        },
        SeriesQuery {
            step: Step::Day,
            ..series_query(90)
        },
        SeriesQuery {
            step: Step::Week,
            ..series_query(60)
        },
        SeriesQuery {
            from: NOW + DAY,
            to: NOW + 2 * DAY,
            ..series_query(1)
        },
    ];
    let report_cases = [
        ReportQuery {
            horizon: 0,
            ..report_query(7, Thresholds::default())
        },
        ReportQuery {
            horizon: 168,
            ..report_query(1, Thresholds::default())
        },
        ReportQuery {
            from: NOW - 3600,
            ..report_query(1, Thresholds::default())
        },
    ];
    for sq in &series_cases {
        for rq in &report_cases {
            for kind in Kind::ALL {
                for (w, h) in [(1000, 500), (400, 200), (200, 100)] {
                    let o = opts(w, h, Theme::Dark, Format::Png);
                    let png = render_from_store(&f.store, t, kind, sq, rq, &o)
                        .unwrap_or_else(|e| panic!("{kind} {w}x{h} {sq:?} {rq:?}: {e}"));
                    assert_eq!(png_size(&png), (w, h));
                }
            }
        }
    }
}
