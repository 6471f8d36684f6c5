//! Every chart kind, format, theme and size renders to a well-formed picture of the
//! size asked for; `render_from_store` and `render` agree; what the charts show
//! follows from the data (gaps, downtime, thresholds, empty ranges).

use std::io::Cursor;

use chrono_tz::Tz;
use headcount_chart::{
    ChartData, ChartRange, Error, Format, Kind, Options, Theme, render, render_from_store,
    trend_query,
};
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
    range: ChartRange,
}

impl Fetched {
    fn of(f: &Fixture, sq: &SeriesQuery, rq: &ReportQuery) -> Fetched {
        let t = target(f.id);
        Fetched {
            series: headcount_query::series(&f.store, t, sq).unwrap(),
            profile: headcount_query::report_profile(&f.store, t, rq).unwrap(),
            trend: headcount_query::report_trend(&f.store, t, &trend_query(rq)).unwrap(),
            forecast: headcount_query::report_forecast(&f.store, t, rq).unwrap(),
            thresholds: rq.thresholds,
            range: ChartRange::of_report(rq),
        }
    }

    fn data(&self) -> ChartData<'_> {
        ChartData {
            target: "sales",
            thresholds: &self.thresholds,
            series: Some(&self.series),
            alerts: &[],
            profile: Some(&self.profile),
            trend: Some(&self.trend),
            forecast: Some(&self.forecast),
            range: Some(self.range),
        }
    }
}

fn opts(width: u32, height: u32, theme: Theme, format: Format) -> Options {
    Options {
        width,
        height,
        theme,
        format,
        legend: true,
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
                for ((w, h), want, legend) in [
                    ((1000, 500), (1000, 500), true),
                    ((400, 200), (400, 200), true),
                    ((360, 140), (360, 140), false),
                    ((200, 100), (200, 100), true),
                    ((9000, 9000), (4000, 4000), true),
                ] {
                    let o = Options {
                        legend,
                        ..opts(w, h, theme, format)
                    };
                    let bytes = render(kind, &data, &o)
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
fn small_pictures_keep_only_the_range_in_the_subtitle_and_svg_text_has_fallback_fonts() {
    let f = fixture();
    let sq = series_query(1);
    let rq = report_query(7, Thresholds::default());
    let t = target(f.id);
    let subtitle = |w, h| {
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
            .into_iter()
            .find(|s| s.contains("America/New_York"))
    };
    // The last 24 hours of 5-minute buckets, from Tuesday 14:00 EST.
    let range = "2026-11-17 14:00 – 2026-11-18 14:00 America/New_York";
    assert_eq!(
        subtitle(1000, 500).as_deref(),
        Some(&*format!("{range} · 5m buckets, mean with min–max shaded"))
    );
    assert_eq!(subtitle(400, 200).as_deref(), Some(range));
    // 200 pixels hold neither the range nor its dates-only form.
    assert_eq!(subtitle(200, 100), None);

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

/// The SVG's elements named `tag`, as attribute maps.
fn svg_elements(svg: &[u8], tag: &str) -> Vec<std::collections::HashMap<String, String>> {
    let text = std::str::from_utf8(svg).unwrap();
    let doc = roxmltree::Document::parse(text).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name(tag))
        .map(|n| {
            n.attributes()
                .map(|a| (a.name().to_owned(), a.value().to_owned()))
                .collect()
        })
        .collect()
}

fn num(e: &std::collections::HashMap<String, String>, name: &str) -> f64 {
    e[name].parse().unwrap()
}

/// The `<text>` elements with their x and y.
fn placed_texts(svg: &[u8]) -> Vec<(String, f64, f64)> {
    let text = std::str::from_utf8(svg).unwrap();
    let doc = roxmltree::Document::parse(text).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            let at = |a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
            (
                n.text().unwrap_or_default().trim().to_owned(),
                at("x"),
                at("y"),
            )
        })
        .collect()
}

#[test]
fn every_subtitle_names_the_range_in_local_time_and_the_zone() {
    let f = fixture();
    let t = target(f.id);
    // NOW is Wednesday 2026-11-18 14:00 EST; a week and two weeks back are 14:00 EST
    // too (New York left DST on Nov 1).
    let week = "2026-11-11 14:00 – 2026-11-18 14:00 America/New_York";
    let two_weeks = "2026-11-04 14:00 – 2026-11-18 14:00 America/New_York";
    let (sq, rq) = (series_query(7), report_query(14, Thresholds::default()));
    for kind in Kind::ALL {
        let svg = render_from_store(
            &f.store,
            t,
            kind,
            &sq,
            &rq,
            &opts(1000, 500, Theme::Light, Format::Svg),
        )
        .unwrap();
        let want = match kind {
            Kind::Timeline | Kind::Utilization => week,
            _ => two_weeks,
        };
        let texts = svg_texts(&svg);
        assert!(
            texts.iter().any(|s| s.starts_with(&format!("{want} · "))),
            "{kind}: {texts:?}"
        );
    }
    // Shown in the query's zone: 19:00 UTC is 00:30 the next day in Kolkata.
    let kolkata = ReportQuery {
        tz: chrono_tz::Asia::Kolkata,
        ..report_query(14, Thresholds::default())
    };
    for kind in [Kind::Heatmap, Kind::Peak, Kind::Trend] {
        let svg = render_from_store(
            &f.store,
            t,
            kind,
            &sq,
            &kolkata,
            &opts(1000, 500, Theme::Dark, Format::Svg),
        )
        .unwrap();
        let texts = svg_texts(&svg);
        let want = "2026-11-05 00:30 – 2026-11-19 00:30 Asia/Kolkata · ";
        assert!(
            texts.iter().any(|s| s.starts_with(want)),
            "{kind}: {texts:?}"
        );
    }
}

#[test]
fn utilization_marks_failed_polls_and_downtime_as_the_timeline_does() {
    let f = fixture();
    let t = target(f.id);
    let (sq, rq) = (series_query(4), report_query(7, Thresholds::default()));
    let o = opts(1000, 500, Theme::Light, Format::Svg);
    // Light theme: failed-poll red and downtime grey, each at the theme's tint (0.16,
    // and 1.5 × that for downtime).
    let is_failed = |e: &std::collections::HashMap<String, String>| {
        e["fill"] == "#D1242F" && e["opacity"] == "0.16"
    };
    let is_down = |e: &std::collections::HashMap<String, String>| {
        e["fill"] == "#6E7781" && (num(e, "opacity") - 0.24).abs() < 1e-9
    };
    for kind in [Kind::Timeline, Kind::Utilization] {
        let svg = render_from_store(&f.store, t, kind, &sq, &rq, &o).unwrap();
        let texts = svg_texts(&svg);
        assert!(
            texts.iter().any(|s| s == "polls failed"),
            "{kind}: {texts:?}"
        );
        assert!(
            texts.iter().any(|s| s == "recorder down"),
            "{kind}: {texts:?}"
        );
        // The plot's span: its x axis, the widest line in the axis colour.
        let (left, right) = svg_elements(&svg, "polyline")
            .into_iter()
            .filter(|e| e["stroke"] == "#8C959F")
            .map(|e| {
                let xs: Vec<f64> = e["points"]
                    .split_whitespace()
                    .map(|p| p.split(',').next().unwrap().parse().unwrap())
                    .collect();
                (xs[0].min(xs[xs.len() - 1]), xs[0].max(xs[xs.len() - 1]))
            })
            .max_by(|a, b| (a.1 - a.0).total_cmp(&(b.1 - b.0)))
            .unwrap();
        // Marks span the plot's height (legend swatches are a text line high).
        let rects = svg_elements(&svg, "rect");
        let tall = |e: &&std::collections::HashMap<String, String>| num(e, "height") > 200.0;
        let failed: Vec<_> = rects.iter().filter(|e| is_failed(e)).filter(tall).collect();
        let down: Vec<_> = rects.iter().filter(|e| is_down(e)).filter(tall).collect();
        assert_eq!((failed.len(), down.len()), (1, 1), "{kind}");
        // Where, as hours into the plot: the series spans 96 h from NOW − 4 d; the
        // timeouts run from 24 h to 26 h into it, the outage from 48 h to 52 h.
        let hours = |e: &std::collections::HashMap<String, String>| {
            let h = |px: f64| (px - left) / (right - left) * 96.0;
            (h(num(e, "x")), h(num(e, "x") + num(e, "width")))
        };
        for ((from, to), want) in [
            (hours(failed[0]), (24.0, 26.0)),
            (hours(down[0]), (48.0, 52.0)),
        ] {
            // Half a pixel is a tenth of an hour here.
            assert!(
                (from - want.0).abs() < 0.3 && (to - want.1).abs() < 0.3,
                "{kind}: {from}–{to} h, want {want:?}"
            );
        }
    }
}

#[test]
fn the_trend_draws_a_partial_day_hollow_left_of_the_range_end_with_its_hours() {
    let f = fixture();
    let t = target(f.id);
    let o = opts(1000, 500, Theme::Light, Format::Svg);
    let (available, logged_in) = ("#1F6FD1", "#7A3EB8");
    let dots = |svg: &[u8], color: &str, hollow: bool| -> Vec<f64> {
        svg_elements(svg, "circle")
            .into_iter()
            .filter(|e| {
                if hollow {
                    e["fill"] == "none" && e["stroke"] == color
                } else {
                    e["fill"] == color
                }
            })
            .map(|e| num(&e, "cx"))
            .collect()
    };
    // A week to Wednesday 14:00: the days Nov 11 to Nov 18 intersect it, the last one
    // only from 00:00 to 14:00.
    let rq = report_query(7, Thresholds::default());
    let svg = render_from_store(&f.store, t, Kind::Trend, &series_query(1), &rq, &o).unwrap();
    for color in [available, logged_in] {
        assert_eq!(dots(&svg, color, false).len(), 7, "{color}");
        assert_eq!(dots(&svg, color, true).len(), 1, "{color}");
    }
    let texts = placed_texts(&svg);
    assert!(
        texts.iter().any(|t| t.0 == "so far 00:00–14:00"),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t.0 == "partial day"), "{texts:?}");
    // The range-end label ends just left of the marker at 14:00; the hollow dots sit
    // at 07:00, the middle of the hours they hold, so left of it; the last whole day
    // (Nov 17, at noon) further left still.
    let end_label = texts.iter().find(|t| t.0 == "range end").unwrap().1;
    let hollow = dots(&svg, logged_in, true)[0];
    let last_whole = dots(&svg, logged_in, false).into_iter().fold(0.0, f64::max);
    assert!(
        last_whole < hollow && hollow < end_label,
        "{last_whole} {hollow} {end_label}"
    );
    // Its 7-day average holds a partial day, so the legend says some are short.
    assert!(texts.iter().any(|t| t.0 == "7-day avg (fewer than 7 days)"));

    // A week of whole days (to Wednesday 00:00, history from Nov 3 14:00: each window
    // Nov 5–11 … Nov 11–17 is 7 whole days): nothing partial, nothing short.
    let whole = ReportQuery {
        from: NOW - 14 * 3600 - 7 * DAY,
        to: NOW - 14 * 3600,
        ..rq
    };
    let svg = render_from_store(&f.store, t, Kind::Trend, &series_query(1), &whole, &o).unwrap();
    assert_eq!(dots(&svg, logged_in, false).len(), 7);
    assert!(dots(&svg, logged_in, true).is_empty());
    let texts = svg_texts(&svg);
    assert!(
        !texts.iter().any(|t| t.starts_with("7-day avg (")),
        "{texts:?}"
    );
    assert!(!texts.iter().any(|t| t.starts_with("so far")), "{texts:?}");

    // Two weeks from Nov 4 14:00: Nov 4's window reaches back to Oct 29, before the
    // history (Nov 3 14:00), so its average is short although the day is whole.
    let long = report_query(14, Thresholds::default());
    let svg = render_from_store(&f.store, t, Kind::Trend, &series_query(1), &long, &o).unwrap();
    let texts = svg_texts(&svg);
    assert!(texts.iter().any(|t| t == "7-day avg (fewer than 7 days)"));
}

/// `store` with one target whose logged-in count climbs to `peak` at noon, polled
/// every 5 minutes over the day before NOW.
fn peaking_at(peak: u32) -> Fixture {
    let mut store = Store::open_in_memory().unwrap();
    let id = store.ensure_target("sales", "{}", 0).unwrap();
    let samples: Vec<Sample> = (0..288)
        .map(|i| {
            let ts = NOW - DAY + i * EVERY;
            // 0 at the ends of the day, `peak` in its middle.
            let l = peak - (peak * (144 - i).unsigned_abs() as u32) / 144;
            Sample::ok(id, ts, l / 4, l, Some(30))
        })
        .collect();
    store.write_batch(&samples).unwrap();
    Fixture { store, id }
}

#[test]
fn a_sparkline_peaking_at_195_gets_an_axis_to_200_and_can_leave_its_legend_out() {
    let f = peaking_at(195);
    let t = target(f.id);
    let rq = report_query(7, Thresholds::default());
    for (w, h, legend) in [(360, 140, true), (360, 140, false), (1000, 500, true)] {
        let o = Options {
            legend,
            ..opts(w, h, Theme::Light, Format::Svg)
        };
        let svg =
            render_from_store(&f.store, t, Kind::Timeline, &series_query(1), &rq, &o).unwrap();
        let texts = svg_texts(&svg);
        // Value labels are the bare numbers; the top one is the axis' top. 195 plus
        // 2% headroom is 198.9: the next round number is 200 (the axis used to run
        // to 400 at this size).
        let top = texts
            .iter()
            .filter_map(|t| t.parse::<u32>().ok())
            .max()
            .unwrap();
        assert_eq!(top, 200, "{w}x{h}: {texts:?}");
        assert_eq!(texts.iter().any(|t| t == "logged in"), legend, "{w}x{h}");
        // The range and zone stay without the legend.
        assert!(
            texts.iter().any(|t| t.contains("America/New_York")),
            "{w}x{h}"
        );
    }
    // Without a legend the plot gets its rows: the x-axis labels sit as low as with
    // one, but the top value label is higher up.
    let y_of_top = |legend: bool| {
        let o = Options {
            legend,
            ..opts(360, 140, Theme::Light, Format::Svg)
        };
        let svg =
            render_from_store(&f.store, t, Kind::Timeline, &series_query(1), &rq, &o).unwrap();
        placed_texts(&svg)
            .into_iter()
            .find(|t| t.0 == "200")
            .unwrap()
            .2
    };
    assert!(y_of_top(false) < y_of_top(true));
    // The peak chart's key of state colours goes too.
    let o = Options {
        legend: false,
        ..opts(1000, 500, Theme::Light, Format::Svg)
    };
    let svg = render_from_store(&f.store, t, Kind::Peak, &series_query(1), &rq, &o).unwrap();
    let texts = svg_texts(&svg);
    assert!(
        !texts.iter().any(|t| t == "healthy" || t == "available"),
        "{texts:?}"
    );
}

/// The colours of the `radius` pixels either side of `(x, y)` along its row.
fn colours_around(rgb: &[u8], width: usize, (x, y): (usize, usize), radius: usize) -> Vec<[u8; 3]> {
    let mut seen: Vec<[u8; 3]> = (x - radius..=x + radius)
        .map(|i| {
            let p = &rgb[(y * width + i) * 3..(y * width + i) * 3 + 3];
            [p[0], p[1], p[2]]
        })
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen
}

#[test]
fn png_lines_are_anti_aliased() {
    // A timeline whose logged-in line climbs steadily: a long diagonal, away from
    // the available line below it. One sample per bucket, so no min–max band.
    let f = peaking_at(195);
    let t = target(f.id);
    let png = render_from_store(
        &f.store,
        t,
        Kind::Timeline,
        &series_query(1),
        &report_query(7, Thresholds::default()),
        &opts(1000, 500, Theme::Light, Format::Png),
    )
    .unwrap();
    let mut reader = png::Decoder::new(Cursor::new(&png)).read_info().unwrap();
    let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut rgb).unwrap();
    let width = frame.width as usize;
    // Rows across the middle of the plot: where each row meets the rising line (the
    // pixel nearest its colour in the left half), a hard-edged line shows two
    // colours, the line's and the background's (or a grid line's). Anti-aliased
    // edges add blends of the two.
    let (white, grid, line) = ([0xff; 3], [0xe3, 0xe6, 0xea], [0x7a_u8, 0x3e, 0xb8]);
    let mut blends: Vec<[u8; 3]> = Vec::new();
    for y in (200..320).step_by(10) {
        let nearest = (60..width / 2)
            .min_by_key(|&x| {
                let p = &rgb[(y * width + x) * 3..(y * width + x) * 3 + 3];
                (0..3)
                    .map(|c| (i32::from(p[c]) - i32::from(line[c])).abs())
                    .sum::<i32>()
            })
            .unwrap();
        let colours = colours_around(&rgb, width, (nearest, y), 4);
        assert!(colours.len() > 2, "row {y}: {colours:?} around x {nearest}");
        blends.extend(
            colours
                .into_iter()
                .filter(|c| ![white, grid, line].contains(c)),
        );
    }
    // Drawn at twice the size and averaged, an edge pixel is covered in quarters:
    // here at least two levels show.
    blends.sort_unstable();
    blends.dedup();
    assert!(blends.len() >= 2, "{blends:?}");
}

#[test]
fn the_no_agents_key_entry_shares_the_row_of_the_other_states() {
    // Nights with nobody logged in: healthy, monitor and no agents in the key.
    let mut store = Store::open_in_memory().unwrap();
    let id = store.ensure_target("sales", "{}", 0).unwrap();
    let samples: Vec<Sample> = (0..)
        .map(|i| NOW - 7 * DAY + i * EVERY)
        .take_while(|&ts| ts < NOW)
        .map(|ts| {
            let hour = (ts - 5 * 3600).rem_euclid(DAY) / 3600;
            let (a, l) = match hour {
                2..=4 => (0, 0),
                8..=17 => (5, 32),
                _ => (6, 12),
            };
            Sample::ok(id, ts, a, l, Some(30))
        })
        .collect();
    store.write_batch(&samples).unwrap();
    let f = Fixture { store, id };
    for (w, h) in [(1000, 500), (400, 200), (360, 140)] {
        let o = opts(w, h, Theme::Light, Format::Svg);
        let svg = render_from_store(
            &f.store,
            target(f.id),
            Kind::Peak,
            &series_query(1),
            &report_query(7, Thresholds::default()),
            &o,
        )
        .unwrap();
        let texts = placed_texts(&svg);
        let row = |name: &str| texts.iter().find(|t| t.0 == name).map(|t| t.2);
        if let Some(y) = row("no agents") {
            assert_eq!(row("healthy"), Some(y), "{w}x{h}: {texts:?}");
            assert_eq!(row("monitor"), Some(y), "{w}x{h}: {texts:?}");
        } else {
            // Only where the picture is too small for the shares panel at all.
            assert!(w < 400, "{w}x{h}: {texts:?}");
        }
    }
}

#[test]
fn alert_episodes_are_marked_on_the_timeline_and_utilization_with_a_legend_entry() {
    let f = fixture();
    let sq = series_query(7);
    let rq = report_query(14, Thresholds::default());
    let fetched = Fetched::of(&f, &sq, &rq);
    let from = fetched.series.from.timestamp();
    let spans = [(from + 86_400, from + 90_000)];
    let rects = |b: &[u8]| std::str::from_utf8(b).unwrap().matches("<rect").count();
    for kind in [Kind::Timeline, Kind::Utilization] {
        let o = opts(1000, 500, Theme::Light, Format::Svg);
        let plain = render(kind, &fetched.data(), &o).unwrap();
        let marked = render(
            kind,
            &ChartData {
                alerts: &spans,
                ..fetched.data()
            },
            &o,
        )
        .unwrap();
        assert!(rects(&marked) > rects(&plain), "{kind}: the strip is drawn");
        assert!(
            svg_texts(&marked).iter().any(|t| t == "alert firing"),
            "{kind}"
        );
        assert!(
            !svg_texts(&plain).iter().any(|t| t == "alert firing"),
            "{kind}"
        );
    }
}
