//! Numbers, durations and tables as the command line prints them: one place for every
//! format, so `report`, `check`, `demo` and `bench` read alike.

use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset};
use headcount_query::State;

/// Columns of text, each as wide as its widest cell, two spaces apart, indented by two
/// (or [`Table::indent`]).
pub struct Table {
    /// `l` or `r` per column.
    align: Vec<bool>,
    /// Spaces before each line.
    indent: usize,
    /// Labels over spans of columns, above the header.
    groups: Vec<(String, usize)>,
    header: Option<Vec<String>>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table whose columns are aligned as `spec` says: `l` left, `r` right.
    pub fn new(spec: &str) -> Table {
        Table {
            align: spec.chars().map(|c| c == 'r').collect(),
            indent: 2,
            groups: Vec::new(),
            header: None,
            rows: Vec::new(),
        }
    }

    /// Spaces before each line (2 by default).
    pub fn indent(mut self, spaces: usize) -> Table {
        self.indent = spaces;
        self
    }

    /// Labels centred over consecutive spans of columns: `(label, columns)`.
    pub fn groups(&mut self, groups: &[(&str, usize)]) {
        self.groups = groups.iter().map(|(l, n)| ((*l).to_owned(), *n)).collect();
    }

    /// The column titles.
    pub fn header<const N: usize>(&mut self, cells: [&str; N]) {
        self.header = Some(cells.iter().map(|s| (*s).to_owned()).collect());
    }

    /// One row of cells.
    pub fn row<const N: usize>(&mut self, cells: [&str; N]) {
        self.rows
            .push(cells.iter().map(|s| (*s).to_owned()).collect());
    }

    /// Appends the table to `o`.
    pub fn render(&self, o: &mut String) {
        let all = || self.header.iter().chain(&self.rows);
        let mut widths = vec![0; self.align.len()];
        for row in all() {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut first = 0;
        let mut over = " ".repeat(self.indent);
        for (j, (label, n)) in self.groups.iter().enumerate() {
            let cols = first..(first + n).min(widths.len());
            first = cols.end;
            let Some(last) = cols.clone().last() else {
                continue;
            };
            let span = |w: &[usize]| w[cols.clone()].iter().sum::<usize>() + 2 * (n - 1);
            let len = label.chars().count();
            if len > span(&widths) {
                widths[last] += len - span(&widths);
            }
            let pad = span(&widths) - len;
            if j > 0 {
                over.push_str("  ");
            }
            over.extend(std::iter::repeat_n(' ', pad / 2));
            over.push_str(label);
            over.extend(std::iter::repeat_n(' ', pad - pad / 2));
        }
        if !self.groups.is_empty() {
            let _ = writeln!(o, "{}", over.trim_end());
        }
        for row in all() {
            let mut line = " ".repeat(self.indent);
            for (i, ((cell, w), right)) in row.iter().zip(&widths).zip(&self.align).enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                let pad = w - cell.chars().count();
                if *right {
                    line.extend(std::iter::repeat_n(' ', pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            let _ = writeln!(o, "{}", line.trim_end());
        }
    }
}

/// One decimal, `-` for null.
pub fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1}"))
}

/// A fraction as a percentage with one decimal.
pub fn percent(v: Option<f64>) -> String {
    num(v.map(|v| v * 100.0))
}

/// A change with its sign and one decimal; a change that rounds to zero is `+0.0`,
/// never `-0.0`.
pub fn signed(v: Option<f64>) -> String {
    v.map_or_else(
        || "-".to_owned(),
        |v| format!("{:+.1}", (v * 10.0).round() / 10.0 + 0.0),
    )
}

/// As [`signed`], with two decimals: slopes per day are small.
pub fn signed2(v: Option<f64>) -> String {
    v.map_or_else(
        || "-".to_owned(),
        |v| format!("{:+.2}", (v * 100.0).round() / 100.0 + 0.0),
    )
}

/// A change of a count, with its sign and thousands separators.
pub fn signed_count(v: i64) -> String {
    let sign = if v < 0 { '-' } else { '+' };
    format!("{sign}{}", count(v.unsigned_abs()))
}

pub fn signed_int(v: Option<i64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{v:+}"))
}

pub fn int(v: Option<u32>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

pub fn state(s: Option<State>) -> String {
    s.map_or("-", State::as_str).to_owned()
}

/// A local time without its offset (the heading gives the zone).
pub fn local(t: DateTime<FixedOffset>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// A count with thousands separators.
pub fn count(n: impl Into<u64>) -> String {
    let digits = n.into().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Seconds as `2d 3h 15m`, `45s`, `0s`.
pub fn duration(secs: i64) -> String {
    if secs == 0 {
        return "0s".to_owned();
    }
    let sign = if secs < 0 { "-" } else { "" };
    let s = secs.unsigned_abs();
    let parts = [
        (s / 86_400, "d"),
        (s / 3600 % 24, "h"),
        (s / 60 % 60, "m"),
        (s % 60, "s"),
    ];
    let text: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    format!("{sign}{}", text.join(" "))
}

pub fn signed_duration(secs: i64) -> String {
    if secs > 0 {
        format!("+{}", duration(secs))
    } else if secs == 0 {
        "+0s".to_owned()
    } else {
        duration(secs)
    }
}

/// Seconds as whole minutes for reading, rounded, with separators: `1,234`, `-60`.
pub fn minutes(secs: f64) -> String {
    figure((secs / 60.0).round() + 0.0)
}

/// A figure for reading: thousands separators, one decimal below 100 when it has a
/// fraction (`1,022,262`, `18.3`, `-4`).
pub fn figure(v: f64) -> String {
    if v.abs() < 100.0 && v.fract() != 0.0 {
        return format!("{v:.1}");
    }
    let digits = count(format!("{:.0}", v.abs()).parse::<u64>().unwrap_or(u64::MAX));
    if v < 0.0 {
        format!("-{digits}")
    } else {
        digits
    }
}

/// A length of time in its largest unit for a sentence: `14.0 days`, `3.0 hours`,
/// `2 minutes`, `15 seconds`.
pub fn span(secs: u64) -> String {
    match secs {
        s if s >= 2 * 86_400 => format!("{:.1} days", s as f64 / 86_400.0),
        s if s >= 2 * 3_600 => format!("{:.1} hours", s as f64 / 3_600.0),
        s if s >= 120 => format!("{} minutes", s / 60),
        s => format!("{s} seconds"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_formatted_for_reading() {
        assert_eq!(num(Some(75.0)), "75.0");
        assert_eq!(num(Some(24.96)), "25.0");
        assert_eq!(num(None), "-");
        assert_eq!(percent(Some(0.5)), "50.0");
        assert_eq!(signed(Some(-0.04)), "+0.0");
        assert_eq!(signed(Some(-1.25)), "-1.3");
        assert_eq!(signed(Some(2.0)), "+2.0");
        assert_eq!(count(1_234_567u64), "1,234,567");
        assert_eq!(count(999u64), "999");
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(5400), "1h 30m");
        assert_eq!(duration(2 * 86_400 + 3 * 3600 + 15 * 60), "2d 3h 15m");
        assert_eq!(signed_duration(-90), "-1m 30s");
        assert_eq!(signed_duration(45), "+45s");
        assert_eq!(signed_count(-1_435), "-1,435");
        assert_eq!(signed_count(0), "+0");
        assert_eq!(figure(1_022_262.4), "1,022,262");
        assert_eq!(figure(18.33), "18.3");
        assert_eq!(figure(20.0), "20");
        assert_eq!(figure(-4.0), "-4");
        assert_eq!(span(14 * 86_400), "14.0 days");
        assert_eq!(span(3 * 3_600), "3.0 hours");
        assert_eq!(span(150), "2 minutes");
        assert_eq!(span(15), "15 seconds");
    }

    #[test]
    fn tables_align_left_and_right() {
        let mut t = Table::new("lr");
        t.header(["name", "n"]);
        t.row(["a", "1,000"]);
        t.row(["longer", "7"]);
        let mut o = String::new();
        t.render(&mut o);
        assert_eq!(o, "  name        n\n  a       1,000\n  longer      7\n");
        let mut o = String::new();
        let mut t = t.indent(0);
        t.groups(&[("both", 2)]);
        t.render(&mut o);
        assert_eq!(o, "    both\nname        n\na       1,000\nlonger      7\n");
    }
}
