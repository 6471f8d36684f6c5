//! The output types describe themselves to utoipa as they serialize.
#![cfg(feature = "openapi")]

use headcount_query::{Latest, Report, Series};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(components(schemas(Series, Report, Latest)))]
struct Doc;

#[test]
fn schemas_match_the_json() {
    let doc: serde_json::Value = serde_json::from_str(&Doc::openapi().to_json().unwrap()).unwrap();
    let schemas = &doc["components"]["schemas"];
    let point = &schemas["Point"]["properties"];
    assert_eq!(point["start"]["type"], "string");
    assert_eq!(point["start"]["format"], "date-time");
    let states: Vec<&str> = schemas["State"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        [
            "no_agents",
            "unavailable",
            "critical",
            "warning",
            "monitor",
            "healthy"
        ]
    );
    let steps = schemas["Step"]["enum"].as_array().unwrap();
    assert!(steps.iter().any(|s| s == "1h"), "{steps:?}");
    for name in [
        "Report",
        "Summary",
        "PeakReport",
        "Side",
        "HourStats",
        "HeatmapRow",
        "StateShares",
        "Episodes",
        "Episode",
        "EpisodeEnd",
        "Trend",
        "TrendDay",
        "Comparison",
        "Change",
        "Forecast",
        "ForecastHour",
        "Band",
        "Thresholds",
        "PeakWindow",
        "Downtime",
        "Gauge",
        "Percentiles",
        "Latest",
    ] {
        assert!(schemas.get(name).is_some(), "{name} missing");
    }
    let th = &schemas["Thresholds"]["properties"];
    assert!(th.get("healthy").is_some(), "{th}");
    assert_eq!(schemas["TrendDay"]["properties"]["date"]["format"], "date");
}
