//! The crate's one error type.

use std::path::PathBuf;

use rusqlite::ErrorCode;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the store.
///
/// SQLite's own errors are carried but not exposed as a `source`: rusqlite's error
/// repeats SQLite's text in its own source, so a printed cause chain would say it
/// three times. Their message says it once, with SQLite's code name
/// ([`sqlite_text`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database file could not be opened or set up.
    #[error("database {}: {}", path.display(), sqlite_text(error))]
    Open {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        error: rusqlite::Error,
    },
    /// The file is an SQLite database of some other program, or not SQLite at all.
    #[error("database {}: not a headcount database", path.display())]
    NotHeadcount {
        /// The file.
        path: PathBuf,
    },
    /// The file was written by a newer headcount whose schema this build does not know.
    #[error(
        "database {}: schema version {found} is newer than this build knows ({known}); upgrade headcount",
        path.display()
    )]
    SchemaTooNew {
        /// The file.
        path: PathBuf,
        /// The schema version in the file.
        found: usize,
        /// The newest schema version this build knows.
        known: usize,
    },
    /// A read-only open found a database that has not been migrated to this build's
    /// schema (a reader never migrates).
    #[error(
        "database {}: schema version {found}, expected {expected}; open it once with a writer (collect, run or import) to migrate it",
        path.display()
    )]
    NotMigrated {
        /// The file.
        path: PathBuf,
        /// The schema version in the file.
        found: usize,
        /// The schema version this build needs.
        expected: usize,
    },
    /// Applying migrations failed.
    #[error("migration: {}", migration_text(.0))]
    Migration(rusqlite_migration::Error),
    /// An SQLite statement failed.
    #[error("{}", sqlite_text(.0))]
    Sqlite(rusqlite::Error),
    /// A sample breaks the invariants of its outcome.
    #[error("sample {target}@{ts}: {reason}")]
    InvalidSample {
        /// The sample's target id.
        target: i64,
        /// The sample's slot.
        ts: i64,
        /// Which invariant.
        reason: &'static str,
    },
    /// A write names a target id that `ensure_target` never returned.
    #[error("target {id}: unknown")]
    UnknownTarget {
        /// The id.
        id: i64,
    },
    /// A target's filters are not a JSON object.
    #[error("target {name:?}: filters: {reason}")]
    InvalidFilters {
        /// The target's name.
        name: String,
        /// Why the filters were refused.
        reason: String,
    },
    /// `heartbeat` or `end_run` on a run that is unknown or already stopped.
    #[error("collector run {id}: not running")]
    RunNotActive {
        /// The run id.
        id: i64,
    },
    /// A stored or supplied distribution blob does not decode.
    #[error("distribution: {0}")]
    CorruptDist(&'static str),
    /// A stored value is outside what this build writes (e.g. an unknown outcome code).
    #[error("database: {0}")]
    Corrupt(String),
    /// An outcome name that [`crate::Outcome`] does not know.
    #[error("outcome: unknown name {0:?}")]
    UnknownOutcome(String),
}

impl From<rusqlite_migration::Error> for Error {
    fn from(e: rusqlite_migration::Error) -> Error {
        Error::Migration(e)
    }
}

fn migration_text(e: &rusqlite_migration::Error) -> String {
    match e {
        rusqlite_migration::Error::RusqliteError { err, .. } => sqlite_text(err),
        other => other.to_string(),
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        Error::Sqlite(e)
    }
}

/// SQLite's failure in one line: its description and, for a failure of SQLite itself,
/// the code's name (`database disk image is malformed (SQLITE_CORRUPT)`), with advice
/// where there is an obvious next step.
#[must_use]
pub fn sqlite_text(e: &rusqlite::Error) -> String {
    let rusqlite::Error::SqliteFailure(f, message) = e else {
        return e.to_string();
    };
    let what = message
        .clone()
        .unwrap_or_else(|| rusqlite::ffi::code_to_str(f.extended_code).to_owned());
    let (name, advice) = match f.code {
        ErrorCode::DatabaseCorrupt => (
            "SQLITE_CORRUPT",
            "; the file is damaged: restore it from a backup, or move it aside to start anew",
        ),
        ErrorCode::NotADatabase => ("SQLITE_NOTADB", "; is this the right file?"),
        ErrorCode::ReadOnly => (
            "SQLITE_READONLY",
            "; the file or its directory is not writable by this user",
        ),
        ErrorCode::CannotOpen => (
            "SQLITE_CANTOPEN",
            "; check that the directory exists and is writable",
        ),
        ErrorCode::DiskFull => ("SQLITE_FULL", "; free some disk space"),
        ErrorCode::DatabaseBusy => ("SQLITE_BUSY", ""),
        ErrorCode::DatabaseLocked => ("SQLITE_LOCKED", ""),
        ErrorCode::SystemIoFailure => ("SQLITE_IOERR", ""),
        ErrorCode::PermissionDenied => ("SQLITE_PERM", ""),
        _ => ("", ""),
    };
    if name.is_empty() {
        format!("{what} (SQLite error {})", f.extended_code)
    } else {
        format!("{what} ({name}){advice}")
    }
}

impl Error {
    /// Whether the same write may succeed if retried later: the database was busy or
    /// locked by another connection, the disk was full, an I/O error occurred, or the
    /// file could not be opened or written for now (read-only: a remount or a
    /// permission being fixed; cannot open: its directory or a journal file briefly
    /// unavailable). The collector keeps such batches in a bounded buffer and retries
    /// them.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.sqlite_code(),
            Some(
                ErrorCode::DatabaseBusy
                    | ErrorCode::DatabaseLocked
                    | ErrorCode::DiskFull
                    | ErrorCode::SystemIoFailure
                    | ErrorCode::ReadOnly
                    | ErrorCode::CannotOpen
            )
        )
    }
}

impl Error {
    /// The SQLite error code underneath, if SQLite failed.
    fn sqlite_code(&self) -> Option<ErrorCode> {
        match self {
            Error::Sqlite(e) | Error::Open { error: e, .. } => e.sqlite_error_code(),
            Error::Migration(rusqlite_migration::Error::RusqliteError { err, .. }) => {
                err.sqlite_error_code()
            }
            _ => None,
        }
    }

    /// Whether another connection held the database (busy or locked).
    pub(crate) fn is_busy(&self) -> bool {
        matches!(
            self.sqlite_code(),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
        )
    }
}

/// Failure of [`crate::Store::import`]. Whatever the variant, nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError<E> {
    /// The row source yielded an error (e.g. a bad CSV line); it is passed through as is.
    #[error(transparent)]
    Source(E),
    /// A row breaks the sample invariants (`available > logged_in`).
    #[error("import: row {index} (ts {ts}): {reason}")]
    InvalidRow {
        /// 0-based position of the row among those the source yielded.
        index: u64,
        /// The row's slot.
        ts: i64,
        /// Which invariant.
        reason: &'static str,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] Error),
}

impl<E> ImportError<E> {
    /// Whether retrying the whole import may succeed (see [`Error::is_retryable`]).
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(self, ImportError::Store(e) if e.is_retryable())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: std::ffi::c_int) -> Error {
        Error::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            None,
        ))
    }

    #[test]
    fn transient_failures_are_retryable_and_others_are_not() {
        use rusqlite::ffi;
        for code in [
            ffi::SQLITE_BUSY,
            ffi::SQLITE_LOCKED,
            ffi::SQLITE_FULL,
            ffi::SQLITE_IOERR,
            ffi::SQLITE_READONLY,
            ffi::SQLITE_CANTOPEN,
            // Extended codes count as their primary code.
            ffi::SQLITE_READONLY_DBMOVED,
            ffi::SQLITE_CANTOPEN_NOTEMPDIR,
        ] {
            assert!(sqlite(code).is_retryable(), "code {code}");
        }
        for code in [
            ffi::SQLITE_CORRUPT,
            ffi::SQLITE_CONSTRAINT,
            ffi::SQLITE_MISMATCH,
        ] {
            assert!(!sqlite(code).is_retryable(), "code {code}");
        }
        assert!(!Error::UnknownTarget { id: 1 }.is_retryable());
    }

    #[test]
    fn sqlite_failures_read_once_with_their_code() {
        use rusqlite::ffi;
        let e = sqlite(ffi::SQLITE_CORRUPT);
        assert_eq!(
            e.to_string(),
            "database disk image is malformed (SQLITE_CORRUPT); the file is damaged: \
             restore it from a backup, or move it aside to start anew"
        );
        assert!(std::error::Error::source(&e).is_none());
        let e = Error::Open {
            path: PathBuf::from("/x/h.db"),
            error: rusqlite::Error::SqliteFailure(
                ffi::Error::new(ffi::SQLITE_READONLY),
                Some("attempt to write a readonly database".to_owned()),
            ),
        };
        assert_eq!(
            e.to_string(),
            "database /x/h.db: attempt to write a readonly database (SQLITE_READONLY); \
             the file or its directory is not writable by this user"
        );
    }
}
