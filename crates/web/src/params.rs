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
    /// 400 naming `width` or `height` for anything but a whole number, `theme` for
    /// anything but `light` or `dark`. Numbers are clamped as the chart crate draws
    /// them ([`Options::clamped`]: 200 × 100 up to 4000 × 4000), so the answer says
    /// the size it has.
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
            legend: true,
        };
        Ok(opts.clamped())
    }
}

/// Empty counts as absent, as for the range parameters (HTML forms send empty fields).
fn size(param: &'static str, v: Option<&str>, default: u32) -> Result<u32, ApiError> {
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(default);
    };
    if !v.bytes().all(|b| b.is_ascii_digit()) {
        let min = if param == "width" {
            Options::MIN_WIDTH
        } else {
            Options::MIN_HEIGHT
        };
        return Err(ApiError::bad(
            param,
            format!(
                "expected a whole number of pixels from {min} to {max} (values beyond are \
                 drawn at the nearest of those); got {:?}",
                clip(v),
                max = Options::MAX_SIDE,
            ),
        ));
    }
    // All digits: a number too long for u32 is simply very large, so clamped.
    Ok(v.parse::<u32>().unwrap_or(u32::MAX))
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
    /// A whole number of pixels, clamped to what the chart crate draws; its default.
    Size(u32),
}

const DOCS: &[Doc] = &[
    Doc {
        name: "from",
        description: "Start of the range: RFC 3339 (2026-11-20T09:00:00-05:00), a local date \
            (2026-11-20, midnight in tz), a local date-time (2026-11-20T09:00), unix seconds \
            (fractions allowed), unix milliseconds (13 digits, as Grafana's ${__from} sends), \
            or now with an optional offset (now-24h, now-7d; units s, m, h, d, w). Default: \
            24 hours before to.",
        schema: Schema::Text,
        example: "now-7d",
    },
    Doc {
        name: "to",
        description: "End of the range, exclusive; the forms of from. Default: now.",
        schema: Schema::Text,
        example: "now",
    },
    Doc {
        name: "tz",
        description: "IANA time zone of local dates, buckets and output. Default: the \
            configured [report] timezone.",
        schema: Schema::Text,
        example: "America/New_York",
    },
    Doc {
        name: "step",
        description: "Bucket width, aligned to local time. A range of more than 11,000 \
            buckets is refused, and so is 1m or 5m over a range starting before the raw \
            retention (only 15-minute rollups are kept there). Default: auto (about 600 \
            buckets; 15m or more before the raw retention).",
        schema: Schema::Enum(&["auto", "1m", "5m", "15m", "30m", "1h", "1d", "1w"]),
        example: "1h",
    },
    Doc {
        name: "compare",
        description: "How far back the comparison period lies: N followed by s, m, h, d or \
            w (days and weeks are local calendar days). Default: 7d.",
        schema: Schema::Text,
        example: "1w",
    },
    Doc {
        name: "horizon",
        description: "Hours the forecast looks ahead, 0 to 168 (24, 48h, 7d, 1w). Default: 24.",
        schema: Schema::Text,
        example: "48",
    },
    Doc {
        name: "width",
        description: "Chart width in pixels, clamped to 200 through 4000. Default: 1000.",
        schema: Schema::Size(Options::DEFAULT_WIDTH),
        example: "800",
    },
    Doc {
        name: "height",
        description: "Chart height in pixels, clamped to 100 through 4000. Default: 500.",
        schema: Schema::Size(Options::DEFAULT_HEIGHT),
        example: "400",
    },
    Doc {
        name: "theme",
        description: "Colour theme. Default: light.",
        schema: Schema::Enum(&["light", "dark"]),
        example: "dark",
    },
];

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
        Schema::Size(default) => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0.0))
            .default(Some(default.into())),
    };
    ParameterBuilder::new()
        .name(d.name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(d.description))
        .schema(Some(schema.build()))
        .example(Some(match d.schema {
            Schema::Size(_) => d
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
    ChartParams: ["from", "to", "tz", "step", "horizon", "width", "height", "theme"]
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
    fn sizes_clamp_to_what_is_drawn_and_non_numbers_are_refused() {
        let opts = |raw: &str| {
            q(raw, ChartParams::NAMES)
                .unwrap()
                .chart_options(Format::Png)
        };
        let o = opts("").unwrap();
        assert_eq!((o.width, o.height, o.theme), (1000, 500, Theme::Light));
        let o = opts("width=4001&height=99999999999999999999999&theme=dark").unwrap();
        assert_eq!((o.width, o.height, o.theme), (4000, 4000, Theme::Dark));
        let o = opts("width=200&height=&theme=").unwrap();
        assert_eq!((o.width, o.height), (200, 500));
        let o = opts("width=0&height=99").unwrap();
        assert_eq!((o.width, o.height), (200, 100));
        for (raw, param) in [
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
