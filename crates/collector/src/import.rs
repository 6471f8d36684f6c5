//! History files for `headcount import`: CSV rows `ts,available,logged_in`.
//!
//! - An optional first line `ts,available,logged_in` (a header) is skipped.
//! - `ts` is RFC 3339 (`2026-11-20T09:00:00-05:00`) or unix seconds (`1795000000`).
//! - `available` and `logged_in` are non-negative integers with `available <= logged_in`.
//! - Blank lines are ignored; fields may be padded with spaces.
//!
//! A bad row is an [`Error::ImportRow`] naming its line (1-based, the header counted)
//! and what is wrong; [`headcount_store::Store::import`] then stores nothing.

use std::io::Read;

use chrono::DateTime;
use headcount_store::ImportRow;

use crate::error::Error;

/// The rows of a CSV history file, read lazily; see the module docs for the format.
pub struct CsvRows<R: Read> {
    records: csv::StringRecordsIntoIter<R>,
    first: bool,
    bytes: u64,
}

/// Reads CSV history rows from `reader` (see [`CsvRows`]).
pub fn read_csv<R: Read>(reader: R) -> CsvRows<R> {
    let records = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(reader)
        .into_records();
    CsvRows {
        records,
        first: true,
        bytes: 0,
    }
}

impl<R: Read> CsvRows<R> {
    /// Bytes of the input consumed so far, for a progress bar.
    #[must_use]
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }
}

impl<R: Read> Iterator for CsvRows<R> {
    type Item = Result<ImportRow, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let record = match self.records.next()? {
                Ok(r) => r,
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
            let line = record.position().map_or(0, csv::Position::line);
            self.bytes = self.records.reader().position().byte();
            let first = std::mem::take(&mut self.first);
            if record.iter().all(str::is_empty) {
                continue;
            }
            if first && is_header(&record) {
                continue;
            }
            return Some(
                parse_row(&record, line).map_err(|message| Error::ImportRow {
                    line,
                    message: if first {
                        format!("{message} (a header, if any, must be ts,available,logged_in)")
                    } else {
                        message
                    },
                }),
            );
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
