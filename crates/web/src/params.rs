//! Query strings: which names each route takes (one list, read by both the server and
//! the OpenAPI document), unknown and repeated names refused, and the chart options.
//! The range parameters themselves are parsed by [`headcount_query::Params`], exactly
//! as `headcount report` parses its flags.

use headcount_chart::{Format, Options, Theme};
use headcount_query::Params;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{ObjectBuilder, Required, Type};

use crate::error::ApiError;

/// Longest unknown name echoed back in an error.
const ECHO_MAX: usize = 64;

/// A decoded query string whose names all belong to the route and none repeats.
#[derive(Debug, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Decodes `raw` (`application/x-www-form-urlencoded`: `+` is a space; invalid
    /// UTF-8 becomes U+FFFD and so fails the value's own parsing).
    ///
    /// # Errors
    ///
    /// 400 naming the first parameter not in `allowed` (a typo such as `form=` must
    /// not silently fall back to a default), or the first given twice.
    pub(crate) fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Query, ApiError> {
        let Some(raw) = raw.filter(|r| !r.is_empty()) else {
            return Ok(Query::default());
        };
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
            if !allowed.contains(&name.as_ref()) {
                let shown: String = name.chars().take(ECHO_MAX).collect();
                let expected = if allowed.is_empty() {
                    "this route takes no parameters".to_owned()
                } else {
                    format!("expected {}", allowed.join(", "))
                };
                return Err(ApiError::bad(
                    shown.clone(),
                    format!("unknown parameter {shown:?}; {expected}"),
                ));
            }
            if pairs.iter().any(|(n, _)| *n == name) {
                return Err(ApiError::bad(name.as_ref(), "given more than once"));
            }
            pairs.push((name.into_owned(), value.into_owned()));
        }
        Ok(Query { pairs })
    }

    /// The value of `name`, if given.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The shared range parameters, for [`headcount_query::Params`] to parse.
    pub(crate) fn params(&self) -> Params<'_> {
        Params {
            from: self.get("from"),
            to: self.get("to"),
            tz: self.get("tz"),
            step: self.get("step"),
            compare: self.get("compare"),
            horizon: self.get("horizon"),
        }
    }

    /// Chart options from `width`, `height` and `theme`.
    ///
    /// # Errors
    ///
    /// 400 naming `width` or `height` for anything but a whole number the chart crate
    /// draws (200 × 100 up to 4000 × 4000), `theme` for anything but `light` or
    /// `dark`, `legend` for anything but `true` or `false`.
    pub(crate) fn chart_options(&self, format: Format) -> Result<Options, ApiError> {
        let theme = match self.get("theme").map(str::trim).filter(|t| !t.is_empty()) {
            None => Theme::default(),
            Some(t) => t.parse::<Theme>().map_err(|e| {
                ApiError::bad(
                    "theme",
                    format!("expected {}; got {:?}", e.expected, clip(&e.got)),
                )
            })?,
        };
        let opts = Options {
            width: size("width", self.get("width"), Options::DEFAULT_WIDTH)?,
            height: size("height", self.get("height"), Options::DEFAULT_HEIGHT)?,
            theme,
            format,
            legend: flag("legend", self.get("legend"), true)?,
        };
        Ok(opts.clamped())
    }
}

/// `true` or `false`; empty counts as absent.
fn flag(param: &'static str, v: Option<&str>, default: bool) -> Result<bool, ApiError> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => Err(ApiError::bad(
            param,
            format!("expected true or false; got {:?}", clip(other)),
        )),
    }
}

/// Empty counts as absent, as for the range parameters (HTML forms send empty fields).
/// A size outside what the chart crate draws is refused, naming the bounds: an API
/// client would not see a picture of another size coming (the CLI, which can warn,
/// draws it at the nearest bound instead).
fn size(param: &'static str, v: Option<&str>, default: u32) -> Result<u32, ApiError> {
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(default);
    };
    let min = if param == "width" {
        Options::MIN_WIDTH
    } else {
        Options::MIN_HEIGHT
    };
    let max = Options::MAX_SIDE;
    match v.parse::<u32>() {
        Ok(n) if v.bytes().all(|b| b.is_ascii_digit()) && (min..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::bad(
            param,
            format!(
                "expected a whole number of pixels from {min} to {max}; got {:?}",
                clip(v)
            ),
        )),
    }
}

/// A value as echoed in an error: at most 64 characters.
fn clip(v: &str) -> String {
    v.chars().take(ECHO_MAX).collect()
}

/// How one query parameter is described in the OpenAPI document.
struct Doc {
    name: &'static str,
    description: &'static str,
    schema: Schema,
    example: &'static str,
}

enum Schema {
    Text,
    Enum(&'static [&'static str]),
    /// A whole number of pixels the chart crate draws: its default and its smallest
    /// (the largest is [`Options::MAX_SIDE`]).
    Size(u32, u32),
}

const DOCS: &[Doc] = &[
    Doc {
        name: "from",
        description: "Start of the range: RFC 3339 (2026-11-20T09:00:00-05:00), a local date \
            (2026-11-20, midnight in tz), a local date-time (2026-11-20T09:00), unix seconds \
            (fractions allowed), unix milliseconds (13 digits, as Grafana's ${__from} sends), \
            or now with an optional offset (now-24h, now-7d; units s, m, h, d, w). Empty is \
            the same as absent (as HTML forms send unset fields). Default: 24 hours before to.",
        schema: Schema::Text,
        example: "now-7d",
    },
    Doc {
        name: "to",
        description: "End of the range, exclusive; the forms of from. Empty is the same as \
            absent. Default: now.",
        schema: Schema::Text,
        example: "now",
    },
    Doc {
        name: "tz",
        description: "IANA time zone of local dates, buckets and output. Empty is the same \
            as absent. Default: the configured [report] timezone.",
        schema: Schema::Text,
        example: "America/New_York",
    },
    Doc {
        name: "step",
        description: "Bucket width, aligned to local time. A range of more than 11,000 \
            buckets is refused, and so is 1m or 5m over a range starting before the raw \
            retention (only 15-minute rollups are kept there). Empty is the same as \
            absent. Default: auto (about 600 buckets; 15m or more before the raw retention).",
        schema: Schema::Enum(&["", "auto", "1m", "5m", "15m", "30m", "1h", "1d", "1w"]),
        example: "1h",
    },
    Doc {
        name: "compare",
        description: "How far back the comparison period lies: N followed by s, m, h, d or \
            w (days and weeks are local calendar days). Empty is the same as absent. \
            Default: 7d.",
        schema: Schema::Text,
        example: "1w",
    },
    Doc {
        name: "horizon",
        description: "Hours the forecast looks ahead, 0 to 168 (24, 48h, 7d, 1w). Empty is \
            the same as absent. Default: 24.",
        schema: Schema::Text,
        example: "48",
    },
    Doc {
        name: "period",
        description: "SLA periods: day, week or month, in local time (the sla chart; other \
            chart kinds check it and draw without it). Empty is the same as absent. \
            Default: the SLA's period.",
        schema: Schema::Enum(&["", "day", "week", "month"]),
        example: "week",
    },
    Doc {
        name: "at",
        description: "The launch time, from now to 7 days ahead: the forms of from \
            (2026-12-03T09:00, now+2d). Required.",
        schema: Schema::Text,
        example: "now+1d",
    },
    Doc {
        name: "need",
        description: "Agents that must be available at the launch time, a whole number. \
            Give need or need_pct.",
        schema: Schema::Text,
        example: "10",
    },
    Doc {
        name: "need_pct",
        description: "Percent of logged-in agents that must be available, 0 to 100. Give \
            need or need_pct.",
        schema: Schema::Text,
        example: "15",
    },
    Doc {
        name: "targets",
        description: "Up to 12 configured target names, separated by commas. Required.",
        schema: Schema::Text,
        example: "sales,support",
    },
    Doc {
        name: "measure",
        description: "What is compared: mean available, mean logged in, available % or \
            utilization %. Empty is the same as absent. Default: available.",
        schema: Schema::Enum(&[
            "",
            "available",
            "logged_in",
            "available_pct",
            "utilization_pct",
        ]),
        example: "available_pct",
    },
    Doc {
        name: "width",
        description: "Chart width in pixels, 200 through 4000. Default: 1000.",
        schema: Schema::Size(Options::DEFAULT_WIDTH, Options::MIN_WIDTH),
        example: "800",
    },
    Doc {
        name: "height",
        description: "Chart height in pixels, 100 through 4000. Default: 500.",
        schema: Schema::Size(Options::DEFAULT_HEIGHT, Options::MIN_HEIGHT),
        example: "400",
    },
    Doc {
        name: "theme",
        description: "Colour theme. Empty is the same as absent. Default: light.",
        schema: Schema::Enum(&["", "light", "dark"]),
        example: "dark",
    },
    Doc {
        name: "legend",
        description: "Whether the chart draws its key (false for small charts shown under \
            one key, as the dashboard's). The subtitle with range and zone stays. Empty is \
            the same as absent. Default: true.",
        schema: Schema::Enum(&["", "true", "false"]),
        example: "false",
    },
];

/// Query parameters without a default: the routes that take them refuse a request
/// without them (400 naming them).
const REQUIRED: &[&str] = &["at", "targets"];

/// The OpenAPI description of query parameter `name`.
fn doc_param(name: &str) -> Parameter {
    let Some(d) = DOCS.iter().find(|d| d.name == name) else {
        // Only reachable by a typo in a `query_params!` list; the OpenAPI test walks
        // every documented parameter and would fail on this.
        return ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Query)
            .build();
    };
    let schema = match d.schema {
        Schema::Text => ObjectBuilder::new().schema_type(Type::String),
        Schema::Enum(values) => ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values.iter().copied())),
        Schema::Size(default, min) => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(f64::from(min)))
            .maximum(Some(f64::from(Options::MAX_SIDE)))
            .default(Some(default.into())),
    };
    ParameterBuilder::new()
        .name(d.name)
        .parameter_in(ParameterIn::Query)
        .required(if REQUIRED.contains(&d.name) {
            Required::True
        } else {
            Required::False
        })
        .description(Some(d.description))
        .schema(Some(schema.build()))
        .example(Some(match d.schema {
            Schema::Size(..) => d
                .example
                .parse::<u32>()
                .map_or_else(|_| d.example.into(), Into::into),
            _ => d.example.into(),
        }))
        .build()
}

/// Declares the query parameters of a group of routes: `NAMES` is what the server
/// accepts, and its `IntoParams` is what the OpenAPI document lists, from one list.
macro_rules! query_params {
    ($(#[$meta:meta])* $ty:ident: [$($name:literal),* $(,)?]) => {
        $(#[$meta])*
        pub(crate) struct $ty;

        impl $ty {
            /// The accepted names.
            pub(crate) const NAMES: &'static [&'static str] = &[$($name),*];
        }

        impl utoipa::IntoParams for $ty {
            fn into_params(
                _: impl Fn() -> Option<ParameterIn>,
            ) -> Vec<Parameter> {
                Self::NAMES.iter().map(|n| doc_param(n)).collect()
            }
        }
    };
}

query_params!(
    /// Routes that take no parameters.
    NoParams: []
);
query_params!(
    /// `/api/v1/targets` and `/latest`: only the zone timestamps are shown in.
    ZoneParams: ["tz"]
);
query_params!(
    /// `/series`.
    SeriesParams: ["from", "to", "tz", "step"]
);
query_params!(
    /// `/report`.
    ReportParams: ["from", "to", "tz", "compare", "horizon"]
);
query_params!(
    /// `/samples.csv`.
    SamplesParams: ["from", "to", "tz"]
);
query_params!(
    /// `/charts/{name}/{kind}.png|svg`: the range, the series step, the forecast
    /// horizon of the trend chart, and the picture's size and theme.
    ChartParams: ["from", "to", "tz", "step", "horizon", "period", "width", "height", "theme", "legend"]
);
query_params!(
    /// `/api/v1/slas/{name}/report`.
    SlaReportParams: ["from", "to", "period"]
);
query_params!(
    /// `/api/v1/targets/{name}/readiness`.
    ReadinessQueryParams: ["at", "need", "need_pct"]
);
query_params!(
    /// `/api/v1/series`: several targets side by side.
    CompareParams: ["targets", "measure", "from", "to", "tz", "step"]
);
query_params!(
    /// `/charts/compare.png|svg`.
    CompareChartParams: ["targets", "measure", "from", "to", "tz", "step", "width", "height", "theme", "legend"]
);
query_params!(
    /// `/api/v1/alerts/history`.
    AlertParams: ["from", "to", "tz"]
);
query_params!(
    /// `/targets/{name}`: the range picker.
    PageParams: ["from", "to", "tz"]
);

#[cfg(test)]
mod tests {
    use super::*;

    fn q(raw: &str, allowed: &[&str]) -> Result<Query, ApiError> {
        Query::parse(Some(raw), allowed)
    }

    fn param_of(r: Result<Query, ApiError>) -> String {
        match r {
            Err(ApiError::BadParam { param, .. }) => param,
            other => panic!("expected a bad parameter, got {other:?}"),
        }
    }

    #[test]
    fn unknown_names_are_refused_by_name() {
        assert_eq!(param_of(q("form=now-1h", SeriesParams::NAMES)), "form");
        assert_eq!(param_of(q("from=now&=x", SeriesParams::NAMES)), "");
        assert_eq!(param_of(q("width=300", SeriesParams::NAMES)), "width");
        assert_eq!(param_of(q("tz=UTC", NoParams::NAMES)), "tz");
    }

    #[test]
    fn repeated_names_are_refused_by_name() {
        assert_eq!(param_of(q("step=1h&step=1d", SeriesParams::NAMES)), "step");
        assert_eq!(param_of(q("width=1&width=", ChartParams::NAMES)), "width");
    }

    #[test]
    fn values_are_form_decoded() {
        let query = q(
            "from=2026-11-20T09%3A00%3A00%2B01%3A00&tz=America%2FNew_York&to=now+",
            SeriesParams::NAMES,
        )
        .unwrap();
        assert_eq!(query.get("from"), Some("2026-11-20T09:00:00+01:00"));
        assert_eq!(query.get("tz"), Some("America/New_York"));
        assert_eq!(query.get("to"), Some("now "));
        assert_eq!(query.params().step, None);
    }

    #[test]
    fn sizes_outside_what_is_drawn_and_non_numbers_are_refused() {
        let opts = |raw: &str| {
            q(raw, ChartParams::NAMES)
                .unwrap()
                .chart_options(Format::Png)
        };
        let o = opts("").unwrap();
        assert_eq!((o.width, o.height, o.theme), (1000, 500, Theme::Light));
        let o = opts("width=4000&height=4000&theme=dark&legend=false").unwrap();
        assert_eq!(
            (o.width, o.height, o.theme, o.legend),
            (4000, 4000, Theme::Dark, false)
        );
        let o = opts("width=200&height=&theme=&legend=").unwrap();
        assert_eq!((o.width, o.height, o.legend), (200, 500, true));
        let o = opts("width=%20300%20&height=100").unwrap();
        assert_eq!((o.width, o.height), (300, 100));
        for (raw, param) in [
            ("width=4001", "width"),
            ("height=99999999999999999999999", "height"),
            ("width=0", "width"),
            ("height=99", "height"),
            ("legend=yes", "legend"),
            ("width=-5", "width"),
            ("width=%2B5", "width"),
            ("width=1e3", "width"),
            ("height=12px", "height"),
            ("theme=blue", "theme"),
            ("theme=Dark", "theme"),
        ] {
            match opts(raw) {
                Err(ApiError::BadParam { param: p, .. }) => assert_eq!(p, param, "{raw}"),
                other => panic!("{raw}: {other:?}"),
            }
        }
    }

    #[test]
    fn every_listed_name_is_documented() {
        for names in [
            ChartParams::NAMES,
            SlaReportParams::NAMES,
            ReadinessQueryParams::NAMES,
            CompareParams::NAMES,
            CompareChartParams::NAMES,
            ReportParams::NAMES,
            SeriesParams::NAMES,
            PageParams::NAMES,
        ] {
            for n in names {
                assert!(DOCS.iter().any(|d| d.name == *n), "{n} has no doc");
            }
        }
        assert!(
            Params::NAMES
                .iter()
                .all(|n| DOCS.iter().any(|d| d.name == *n))
        );
    }
}
