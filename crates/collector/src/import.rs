//! History files for `headcount import`: CSV rows `ts,available,logged_in`.
//!
//! - An optional first line `ts,available,logged_in` (a header) is skipped.
//! - `ts` is RFC 3339 (`2026-11-20T09:00:00-05:00`) or unix seconds (`1795000000`),
//!   from [`EARLIEST_TS`] (2000-01-01) up to [`MAX_SKEW_SECS`] after the time of the
//!   import: anything else would become a sample no report could reach, or every
//!   view's "latest" for ever. A number of 12 digits or more is pointed out as
//!   probably milliseconds.
//! - `available` and `logged_in` are non-negative integers with `available <= logged_in`.
//! - Blank lines are ignored; fields may be padded with spaces.
//! - Two rows with the same `ts` must agree: a repeat is skipped and counted, a
//!   conflict is an error naming both lines.
//! - A file without a single row is an error, not a silent success.
//!
//! [`read_history`] reads and checks a whole file before anything is written; a bad
//! row is an [`Error::ImportRow`] naming its line (1-based, the header counted) and
//! what is wrong, and [`headcount_store::Store::import`] then stores nothing.

use std::io::Read;

use chrono::DateTime;
use headcount_store::ImportRow;

use crate::error::Error;

/// The earliest slot an import accepts: 2000-01-01T00:00:00Z.
pub const EARLIEST_TS: i64 = 946_684_800;

/// How far past the time of the import a slot may lie (clocks drift): 5 minutes.
pub const MAX_SKEW_SECS: i64 = 300;

/// A history file's rows, checked, in ts order, each ts once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// The rows.
    pub rows: Vec<ImportRow>,
    /// Rows that repeated an earlier row exactly (same ts and counts), left out.
    pub repeated: u64,
}

/// Reads and checks a whole history file (see the module docs) at `now`.
///
/// # Errors
///
/// [`Error::ImportRow`] naming the line of the first bad row (or both lines of a
/// conflict); [`Error::ImportRead`] when the input cannot be read or holds no row.
pub fn read_history<R: Read>(reader: R, now: i64) -> Result<History, Error> {
    let mut rows = read_csv(reader);
    let mut lines: Vec<(ImportRow, u64)> = Vec::new();
    let mut sorted = true;
    while let Some(row) = rows.next() {
        let row = row?;
        let line = rows.line();
        check_ts(row.ts, now).map_err(|message| Error::ImportRow { line, message })?;
        sorted &= lines.last().is_none_or(|(last, _)| last.ts <= row.ts);
        lines.push((row, line));
    }
    if lines.is_empty() {
        return Err(Error::ImportRead(
            "no rows: the file is empty or has only a header; expected lines of ts,available,logged_in"
                .to_owned(),
        ));
    }
    if !sorted {
        lines.sort_by_key(|(r, line)| (r.ts, *line));
    }
    let mut history = History {
        rows: Vec::with_capacity(lines.len()),
        repeated: 0,
    };
    let mut prev: Option<(ImportRow, u64)> = None;
    for (row, line) in lines {
        match prev {
            Some((p, _)) if p == row => {
                history.repeated += 1;
                continue;
            }
            Some((p, first)) if p.ts == row.ts => {
                return Err(Error::ImportRow {
                    line,
                    message: format!(
                        "ts {} is also on line {first} with other counts ({}/{} there, {}/{} here, as available/logged_in); keep one",
                        row.ts, p.available, p.logged_in, row.available, row.logged_in
                    ),
                });
            }
            _ => {}
        }
        history.rows.push(row);
        prev = Some((row, line));
    }
    Ok(history)
}

/// A slot an import may store.
fn check_ts(ts: i64, now: i64) -> Result<(), String> {
    let date = |t: i64| {
        DateTime::from_timestamp(t, 0).map_or_else(
            || format!("{t}"),
            |d| d.format("%Y-%m-%d %H:%M:%SZ").to_string(),
        )
    };
    if ts >= 100_000_000_000 {
        let year = DateTime::from_timestamp(ts / 1000, 0).map(|d| d.format("%Y").to_string());
        let hint = match year {
            Some(y) if (EARLIEST_TS..=now + MAX_SKEW_SECS).contains(&(ts / 1000)) => {
                format!("; it looks like milliseconds (as seconds it would be {y}): divide by 1000")
            }
            _ => String::new(),
        };
        return Err(format!("ts {ts} lies far in the future{hint}"));
    }
    if ts < EARLIEST_TS {
        return Err(format!(
            "ts {ts} ({}) is before 2000-01-01, the earliest slot headcount stores",
            date(ts)
        ));
    }
    if ts > now + MAX_SKEW_SECS {
        return Err(format!(
            "ts {ts} ({}) is in the future (now is {}); history cannot be imported ahead of time",
            date(ts),
            date(now)
        ));
    }
    Ok(())
}

/// The rows of a CSV history file, read lazily, each checked on its own (the checks
/// across rows are [`read_history`]'s); see the module docs for the format.
pub struct CsvRows<R: Read> {
    reader: csv::Reader<R>,
    /// Reused for every line: two million rows, no allocation each.
    record: csv::StringRecord,
    first: bool,
    bytes: u64,
    line: u64,
}

/// Reads CSV history rows from `reader` (see [`CsvRows`]).
pub fn read_csv<R: Read>(reader: R) -> CsvRows<R> {
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    CsvRows {
        reader,
        record: csv::StringRecord::new(),
        first: true,
        bytes: 0,
        line: 0,
    }
}

impl<R: Read> CsvRows<R> {
    /// Bytes of the input consumed so far, for a progress bar.
    #[must_use]
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// The line of the row returned last (1-based, a header counted).
    #[must_use]
    pub fn line(&self) -> u64 {
        self.line
    }
}

impl<R: Read> Iterator for CsvRows<R> {
    type Item = Result<ImportRow, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => {
                    let line = e.position().map(csv::Position::line);
                    return Some(Err(match line {
                        Some(line) => Error::ImportRow {
                            line,
                            message: one_line(&e.to_string()),
                        },
                        None => Error::ImportRead(one_line(&e.to_string())),
                    }));
                }
            };
            let record = &self.record;
            let line = record.position().map_or(0, csv::Position::line);
            self.line = line;
            self.bytes = self.reader.position().byte();
            let first = std::mem::take(&mut self.first);
            if record.iter().all(str::is_empty) {
                continue;
            }
            if first && is_header(record) {
                continue;
            }
            return Some(parse_row(record, line).map_err(|message| Error::ImportRow {
                line,
                message: if first {
                    format!("{message} (a header, if any, must be ts,available,logged_in)")
                } else {
                    message
                },
            }));
        }
    }
}

fn one_line(s: &str) -> String {
    s.lines().map(str::trim).collect::<Vec<_>>().join("; ")
}

fn is_header(record: &csv::StringRecord) -> bool {
    let fields: Vec<String> = record.iter().map(str::to_ascii_lowercase).collect();
    fields == ["ts", "available", "logged_in"]
}

fn parse_row(record: &csv::StringRecord, _line: u64) -> Result<ImportRow, String> {
    if record.len() != 3 {
        return Err(format!(
            "expected 3 fields ts,available,logged_in, found {}",
            record.len()
        ));
    }
    let ts = parse_ts(&record[0])?;
    let count = |name: &str, s: &str| -> Result<u32, String> {
        s.parse::<u32>().map_err(|_| {
            format!(
                "{name} {s:?} is not a non-negative integer (at most {})",
                u32::MAX
            )
        })
    };
    let available = count("available", &record[1])?;
    let logged_in = count("logged_in", &record[2])?;
    if available > logged_in {
        return Err(format!(
            "available {available} exceeds logged_in {logged_in}"
        ));
    }
    Ok(ImportRow {
        ts,
        available,
        logged_in,
    })
}

fn parse_ts(s: &str) -> Result<i64, String> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse::<i64>()
            .map_err(|_| format!("ts {s:?}: unix seconds out of range"));
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp())
        .map_err(|_| {
            format!("ts {s:?} is neither RFC 3339 (2026-11-20T09:00:00-05:00) nor unix seconds")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<Result<ImportRow, String>> {
        read_csv(text.as_bytes())
            .map(|r| r.map_err(|e| e.to_string()))
            .collect()
    }

    fn row(ts: i64, available: u32, logged_in: u32) -> Result<ImportRow, String> {
        Ok(ImportRow {
            ts,
            available,
            logged_in,
        })
    }

    #[test]
    fn reads_rfc3339_and_unix_seconds_with_or_without_header() {
        let with = "ts,available,logged_in\n2026-11-20T09:00:00-05:00, 12, 48\n1795000000,0,0\n";
        // 2026-11-20T14:00:00Z = 1795183200 (20412 days * 86400 + 14 h).
        assert_eq!(with_expected(), rows(with));
        let without = "2026-11-20T14:00:00Z,12,48\n\n1795000000,0,0\n";
        assert_eq!(with_expected(), rows(without));
    }

    fn with_expected() -> Vec<Result<ImportRow, String>> {
        vec![row(1_795_183_200, 12, 48), row(1_795_000_000, 0, 0)]
    }

    #[test]
    fn bad_rows_name_their_line_and_fault() {
        let cases = [
            (
                "ts,available,logged_in\n1,2,3\n5,4,3\n",
                "import: line 3: available 4 exceeds logged_in 3",
            ),
            (
                "1,2,3\n2,-1,3\n",
                "import: line 2: available \"-1\" is not a non-negative integer",
            ),
            (
                "1,2,3\n2,1\n",
                "import: line 2: expected 3 fields ts,available,logged_in, found 2",
            ),
            (
                "yesterday,1,2\n",
                "import: line 1: ts \"yesterday\" is neither RFC 3339",
            ),
            (
                "1,2,x\n",
                "import: line 1: logged_in \"x\" is not a non-negative integer",
            ),
            (
                "time,available,logged_in\n",
                "(a header, if any, must be ts,available,logged_in)",
            ),
        ];
        for (text, expected) in cases {
            let got = rows(text);
            let err = got
                .iter()
                .find_map(|r| r.as_ref().err())
                .unwrap_or_else(|| panic!("no error for {text:?}: {got:?}"));
            assert!(err.contains(expected), "{text:?}: {err}");
        }
    }
}
