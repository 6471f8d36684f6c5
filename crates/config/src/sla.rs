//! `[[sla]]`: service-level objectives over a target's history.
//!
//! An SLA names a target, a condition each ok sample either meets or breaches
//! ([`SlaCondition`]), the local hours it applies to (a [`Window`], as the peak window:
//! weekdays and `HH:MM-HH:MM` in `[report] timezone`), an objective (the percent of
//! in-window time that must meet the condition) and the period it is judged over
//! ([`Period`]: local day, week or month). Time with failed polls or recorder
//! downtime is *unknown*; [`Unknown`] says whether it counts against the objective.
//! How compliance is computed from samples is written once, in the query crate's
//! `sla` module.

use std::fmt;

use serde::Serialize;
use toml::Spanned;

use crate::error::{Error, Result};
use crate::raw::RawSla;
use crate::state::{State, Thresholds};
use crate::window::Window;
use crate::{Checker, TargetConfig};

const SLA_KEYS: &str = "name, target, when, hours, objective, period, unknown";

/// Default of `sla.objective`: 95% of in-window time.
pub const DEFAULT_OBJECTIVE: f64 = 95.0;

/// A checked `[[sla]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaConfig {
    /// Unique among SLAs; the same characters as a target name (it appears in URLs).
    pub name: String,
    /// The configured target it judges.
    pub target: String,
    /// What a sample must show to meet the SLA.
    pub condition: SlaCondition,
    /// The local weekdays and hours it applies to (default Mon–Fri 09:00–17:00).
    pub hours: Window,
    /// Percent of counted in-window time that must meet the condition, in `(0, 100]`
    /// (default 95).
    pub objective: f64,
    /// The period compliance is judged over (default a week).
    pub period: Period,
    /// Whether unknown time counts against the objective (default: it does not).
    pub unknown: Unknown,
    /// The line of its `name`, for messages.
    pub line: usize,
}

/// What one ok sample must show: `available >= N`, `available_pct >= X` or
/// `state <= S` (S or better). `>` (`<` for a state) is accepted and kept as written.
///
/// States compare by severity, as in `[[alert]]` (`state >= critical` is critical
/// or worse there): healthy < monitor < warning < critical < unavailable < no_agents,
/// so an SLA's `state <= monitor` is met by healthy and monitor samples. Nobody logged
/// in during SLA hours is worse than any staffed state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SlaCondition {
    /// At least this many agents available.
    Available {
        /// The bound.
        min: u32,
        /// `>` rather than `>=`.
        strict: bool,
    },
    /// At least this percent of logged-in agents available. A sample with nobody
    /// logged in has no percentage and does not meet it.
    AvailablePct {
        /// The bound, 0 to 100.
        min: f64,
        /// `>` rather than `>=`.
        strict: bool,
    },
    /// A state no worse than this one, in the order `no_agents` < `unavailable` <
    /// `critical` < `warning` < `monitor` < `healthy`: nobody logged in during SLA
    /// hours is worse than any staffed state.
    State {
        /// The bound.
        min: State,
        /// `>` rather than `>=`.
        strict: bool,
    },
}

impl SlaCondition {
    /// Whether a sample of `available` of `logged_in` agents meets the condition,
    /// states judged by `th`. Percentages compare exactly: `100·a ≥ X·l`.
    #[must_use]
    pub fn meets(&self, available: u32, logged_in: u32, th: &Thresholds) -> bool {
        match *self {
            SlaCondition::Available { min, strict } => {
                if strict {
                    available > min
                } else {
                    available >= min
                }
            }
            SlaCondition::AvailablePct { min, strict } => {
                if logged_in == 0 {
                    return false;
                }
                let (a, l) = (100.0 * f64::from(available), min * f64::from(logged_in));
                if strict { a > l } else { a >= l }
            }
            SlaCondition::State { min, strict } => {
                let s = th.state(u64::from(available), u64::from(logged_in));
                if strict { s > min } else { s >= min }
            }
        }
    }

    /// Parses `available >= 10`, `available_pct > 12.5`, `state <= monitor`.
    ///
    /// # Errors
    ///
    /// A one-line reason naming what is accepted.
    pub fn parse(s: &str) -> std::result::Result<SlaCondition, String> {
        let bad = |why: &str| {
            format!(
                "{why} in {s:?}; expected \"available >= N\", \"available_pct >= X\" (or >) \
                 or \"state <= S\" (or <; S one of healthy, monitor, warning, critical, \
                 unavailable, no_agents, by severity as in [[alert]])"
            )
        };
        let (lhs, op, rhs) = [">=", "<=", ">", "<"]
            .into_iter()
            .find_map(|op| s.split_once(op).map(|(l, r)| (l.trim(), op, r.trim())))
            .ok_or_else(|| bad("no comparison"))?;
        let strict = op.len() == 1;
        match (lhs, op.starts_with('>')) {
            ("available", true) => rhs
                .parse::<u32>()
                .map(|min| SlaCondition::Available { min, strict })
                .map_err(|_| bad("not a whole number of agents")),
            ("available_pct", true) => match rhs.parse::<f64>() {
                Ok(min) if (0.0..=100.0).contains(&min) => {
                    Ok(SlaCondition::AvailablePct { min, strict })
                }
                _ => Err(bad("not a percent from 0 to 100")),
            },
            ("state", false) => State::ALL
                .into_iter()
                .find(|st| st.as_str() == rhs)
                .map(|min| SlaCondition::State { min, strict })
                .ok_or_else(|| bad("unknown state")),
            ("available" | "available_pct", false) => Err(bad(
                "an SLA's condition says what meets it, at least so many agents available: >= or >",
            )),
            ("state", true) => Err(bad(
                "states compare by severity (state >= critical is critical or worse); an \
                 SLA met at S or better is state <= S",
            )),
            _ => Err(bad("unknown measure")),
        }
    }
}

/// As written in the config: `available >= 10`, `state <= monitor`.
impl fmt::Display for SlaCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = |strict: bool| if strict { ">" } else { ">=" };
        match *self {
            SlaCondition::Available { min, strict } => write!(f, "available {} {min}", op(strict)),
            SlaCondition::AvailablePct { min, strict } => {
                write!(f, "available_pct {} {min}", op(strict))
            }
            SlaCondition::State { min, strict } => {
                write!(f, "state {} {min}", if strict { "<" } else { "<=" })
            }
        }
    }
}

/// The calendar period compliance is judged over, in local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Local midnight to local midnight.
    Day,
    /// Monday midnight to Monday midnight.
    #[default]
    Week,
    /// The first of the month at midnight to the first of the next.
    Month,
}

impl Period {
    /// `day`, `week` or `month`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    /// Parses [`Period::as_str`]'s names.
    ///
    /// # Errors
    ///
    /// A one-line reason naming the accepted names.
    pub fn parse(s: &str) -> std::result::Result<Period, String> {
        match s.trim() {
            "day" => Ok(Period::Day),
            "week" => Ok(Period::Week),
            "month" => Ok(Period::Month),
            other => Err(format!(
                "unknown period {other:?}; expected day, week or month"
            )),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What unknown time (failed polls, recorder downtime, no data) does to compliance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Unknown {
    /// Left out: compliance = met ÷ (met + breach). Still reported.
    #[default]
    Excluded,
    /// Counted as breach: compliance = met ÷ (met + breach + unknown).
    Breach,
}

impl Unknown {
    /// `excluded` or `breach`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Unknown::Excluded => "excluded",
            Unknown::Breach => "breach",
        }
    }
}

impl Checker<'_> {
    /// Checks every `[[sla]]` against the checked `targets`.
    pub(crate) fn slas(
        &self,
        raw: Option<Spanned<Vec<Spanned<RawSla>>>>,
        targets: &[TargetConfig],
    ) -> Result<Vec<SlaConfig>> {
        let Some(raw) = raw else {
            return Ok(Vec::new());
        };
        let mut out: Vec<SlaConfig> = Vec::new();
        for (i, s) in raw.into_inner().into_iter().enumerate() {
            let header = self.line(&s).unwrap_or(1);
            let s = s.into_inner();
            let missing = |key: &str, who: &str| {
                Error::config(
                    Some(header),
                    format!("{who}: missing key {key:?} (keys: {SLA_KEYS})"),
                )
            };
            let Some(name) = s.name else {
                return Err(missing("name", &format!("sla #{}", i + 1)));
            };
            crate::target::check_name(name.get_ref())
                .map_err(|why| self.err(&name, format!("sla #{}: name {why}", i + 1)))?;
            let line = self.line(&name).unwrap_or(header);
            let who = format!("sla {:?}", name.get_ref());
            if let Some(first) = out.iter().find(|o| o.name == *name.get_ref()) {
                return Err(self.err(
                    &name,
                    format!("{who}: duplicate name (first used on line {})", first.line),
                ));
            }
            let Some(target) = s.target else {
                return Err(missing("target", &who));
            };
            if !targets.iter().any(|t| t.name == *target.get_ref()) {
                let known: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
                return Err(self.err(
                    &target,
                    format!(
                        "{who}: target: unknown target {:?}; configured: {}",
                        target.get_ref(),
                        known.join(", ")
                    ),
                ));
            }
            let Some(when) = s.when else {
                return Err(missing("when", &who));
            };
            let condition = SlaCondition::parse(when.get_ref())
                .map_err(|why| self.err(&when, format!("{who}: when: {why}")))?;
            let hours = match s.hours {
                None => Window::default(),
                Some(h) => {
                    let h = h.into_inner();
                    let days = match h.days {
                        None => Window::default().days().collect(),
                        Some(list) => self.days(&list, &format!("{who}: hours.days"))?,
                    };
                    let span = match h.hours {
                        None => Window::default().hours(),
                        Some(span) => {
                            Window::new([], span.get_ref()).map_err(|why| {
                                self.err(&span, format!("{who}: hours.hours: {why}"))
                            })?;
                            span.into_inner()
                        }
                    };
                    Window::new(days, &span).map_err(|why| Error::config(Some(header), why))?
                }
            };
            let objective = match s.objective {
                None => DEFAULT_OBJECTIVE,
                Some(o) if *o.get_ref() > 0.0 && *o.get_ref() <= 100.0 => *o.get_ref(),
                Some(o) => {
                    return Err(self.err(
                        &o,
                        format!(
                            "{who}: objective: {} is not a percent above 0 and at most 100",
                            o.get_ref()
                        ),
                    ));
                }
            };
            let period = match s.period {
                None => Period::default(),
                Some(p) => Period::parse(p.get_ref())
                    .map_err(|why| self.err(&p, format!("{who}: period: {why}")))?,
            };
            let unknown = match s.unknown {
                None => Unknown::default(),
                Some(u) => match u.get_ref().trim() {
                    "excluded" => Unknown::Excluded,
                    "breach" => Unknown::Breach,
                    other => {
                        return Err(self.err(
                            &u,
                            format!(
                                "{who}: unknown: {other:?} is not \"excluded\" (unknown time \
                                 left out, the default) or \"breach\" (counted against)"
                            ),
                        ));
                    }
                },
            };
            out.push(SlaConfig {
                name: name.into_inner(),
                target: target.into_inner(),
                condition,
                hours,
                objective,
                period,
                unknown,
                line,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::Weekday;

    use super::*;
    use crate::Config;

    const BASE: &str = "[upstream]\nbase_url = \"http://127.0.0.1:9/v1\"\n\n\
                        [[target]]\nname = \"sales\"\n\n";

    fn parse(sla: &str) -> Result<Config> {
        Config::parse(&format!("{BASE}{sla}"), Path::new("."))
    }

    fn error(sla: &str) -> String {
        parse(sla).unwrap_err().to_string()
    }

    #[test]
    fn a_minimal_sla_takes_the_defaults() {
        let c = parse("[[sla]]\nname = \"s\"\ntarget = \"sales\"\nwhen = \"available >= 10\"\n")
            .unwrap();
        let s = &c.slas[0];
        assert_eq!(s.name, "s");
        assert_eq!(s.target, "sales");
        assert_eq!(
            s.condition,
            SlaCondition::Available {
                min: 10,
                strict: false
            }
        );
        assert_eq!(s.hours, Window::default());
        assert_eq!(s.objective, 95.0);
        assert_eq!(s.period, Period::Week);
        assert_eq!(s.unknown, Unknown::Excluded);
        assert_eq!(s.line, 8);
        assert!(parse("").unwrap().slas.is_empty());
    }

    #[test]
    fn every_key_written_out() {
        let c = parse(
            "[[sla]]\nname = \"weekend\"\ntarget = \"sales\"\nwhen = \"state < warning\"\n\
             hours = { days = [\"sat\", \"sun\"], hours = \"22:00-06:00\" }\n\
             objective = 99.5\nperiod = \"month\"\nunknown = \"breach\"\n",
        )
        .unwrap();
        let s = &c.slas[0];
        assert_eq!(
            s.condition,
            SlaCondition::State {
                min: State::Warning,
                strict: true
            }
        );
        assert!(s.hours.contains(Weekday::Sun, 23 * 60));
        assert!(!s.hours.contains(Weekday::Mon, 23 * 60));
        assert_eq!(
            (s.objective, s.period, s.unknown),
            (99.5, Period::Month, Unknown::Breach)
        );
        // An integer objective is a percent too.
        let c = parse(
            "[[sla]]\nname = \"s\"\ntarget = \"sales\"\nwhen = \"available_pct >= 12.5\"\n\
             objective = 90\nperiod = \"day\"\n",
        )
        .unwrap();
        assert_eq!(c.slas[0].objective, 90.0);
        assert_eq!(c.slas[0].period, Period::Day);
    }

    #[test]
    fn conditions_judge_samples_exactly() {
        let th = Thresholds::default();
        let c = |s: &str| SlaCondition::parse(s).unwrap();
        assert!(c("available >= 10").meets(10, 50, &th));
        assert!(!c("available > 10").meets(10, 50, &th));
        assert!(!c("available >= 10").meets(9, 50, &th));
        // 12.5% of 40 is 5 agents exactly.
        assert!(c("available_pct >= 12.5").meets(5, 40, &th));
        assert!(!c("available_pct > 12.5").meets(5, 40, &th));
        assert!(!c("available_pct >= 12.5").meets(4, 40, &th));
        // Nobody logged in has no percentage, and is the worst state for an SLA.
        assert!(!c("available_pct >= 0").meets(0, 0, &th));
        assert!(!c("state <= unavailable").meets(0, 0, &th));
        assert!(c("state <= no_agents").meets(0, 0, &th));
        // 10 of 100 is monitor; 9 of 100 warning.
        assert!(c("state <= monitor").meets(10, 100, &th));
        assert!(!c("state <= monitor").meets(9, 100, &th));
        assert!(c("state < warning").meets(10, 100, &th));
        assert!(!c("state < warning").meets(9, 100, &th));
        for s in [
            "available >= 10",
            "available_pct > 12.5",
            "state <= monitor",
            "state < warning",
        ] {
            assert_eq!(c(s).to_string(), s);
        }
        // The alert's reading of state >= (critical or worse) is refused here rather
        // than read the other way; an SLA never counts a shortage as meeting it.
        for s in ["state >= monitor", "available < 5", "available_pct <= 3"] {
            let e = SlaCondition::parse(s).unwrap_err();
            assert!(e.contains("SLA"), "{s}: {e}");
        }
    }

    #[test]
    fn bad_slas_name_the_line_and_the_key() {
        let sla = |rest: &str| {
            format!("[[sla]]\nname = \"s\"\ntarget = \"sales\"\nwhen = \"available >= 1\"\n{rest}")
        };
        // Lines: the [[sla]] header is line 7, name 8, target 9, when 10, then 11.
        for (text, line, words) in [
            (
                "[[sla]]\nname = \"s\"\ntarget = \"ops\"\nwhen = \"available >= 1\"\n".to_owned(),
                9,
                "sla \"s\": target: unknown target \"ops\"; configured: sales",
            ),
            (sla("objective = 0\n"), 11, "objective: 0 is not a percent"),
            (
                sla("objective = 100.5\n"),
                11,
                "objective: 100.5 is not a percent",
            ),
            (
                sla("period = \"year\"\n"),
                11,
                "period: unknown period \"year\"",
            ),
            (
                sla("unknown = \"maybe\"\n"),
                11,
                "unknown: \"maybe\" is not",
            ),
            (
                sla("hours = { hours = \"09:10-17:00\" }\n"),
                11,
                "hours.hours: minutes not a multiple of 15",
            ),
            (
                sla("hours = { days = [\"funday\"] }\n"),
                11,
                "hours.days: unknown day \"funday\"",
            ),
            (
                "[[sla]]\nname = \"s\"\ntarget = \"sales\"\nwhen = \"available < 3\"\n".to_owned(),
                10,
                "when: an SLA's condition says what meets it",
            ),
            (
                "[[sla]]\nname = \"s\"\ntarget = \"sales\"\nwhen = \"available 3\"\n".to_owned(),
                10,
                "when: no comparison in \"available 3\"",
            ),
            (
                "[[sla]]\nname = \"s\"\ntarget = \"sales\"\nwhen = \"state >= monitor\"\n"
                    .to_owned(),
                10,
                "when: states compare by severity",
            ),
            (
                "[[sla]]\nname = \"s\"\ntarget = \"sales\"\nwhen = \"agents >= 3\"\n".to_owned(),
                10,
                "when: unknown measure",
            ),
            (
                "[[sla]]\nname = \"s\"\ntarget = \"sales\"\nwhen = \"state <= fine\"\n".to_owned(),
                10,
                "when: unknown state",
            ),
            (
                "[[sla]]\nname = \"s\"\ntarget = \"sales\"\nwhen = \"available_pct >= 101\"\n"
                    .to_owned(),
                10,
                "when: not a percent from 0 to 100",
            ),
            (
                "[[sla]]\nname = \"s\"\ntarget = \"sales\"\n".to_owned(),
                7,
                "sla \"s\": missing key \"when\"",
            ),
            (
                format!("{}\n{}", sla(""), sla("")),
                13,
                "sla \"s\": duplicate name (first used on line 8)",
            ),
            (sla("typo = 1\n"), 11, "unknown key \"typo\""),
        ] {
            let e = error(&text);
            assert!(e.contains(&format!("line {line}:")), "{text}\n→ {e}");
            assert!(e.contains(words), "{text}\n→ {e}");
        }
    }

    #[test]
    fn the_examples_commented_sla_parses_once_uncommented() {
        let example = crate::EXAMPLE;
        let at = example.find("# [[sla]]").unwrap();
        let sla: String = example[at..]
            .lines()
            .map_while(|l| l.strip_prefix("# "))
            .map(|l| format!("{l}\n"))
            .collect();
        let c = Config::parse(&format!("{example}\n{sla}"), Path::new(".")).unwrap();
        assert_eq!(c.slas.len(), 1);
        assert_eq!(c.slas[0].condition.to_string(), "available >= 10");
    }
}
