//! The crate's one error type.

use std::path::PathBuf;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong collecting, or reading an import.
///
/// Messages are one line, "subject: cause", ready to show a user. None of them ever
/// holds the upstream token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Another collector holds the database's lock.
    #[error(
        "database {}: another collector is already writing to it{}{}",
        db.display(),
        holder.as_deref().map(|p| format!(" (pid {p})")).unwrap_or_default(),
        lock_file_label(db, lock)
    )]
    Locked {
        /// The database.
        db: PathBuf,
        /// The file locked: the database itself, or its lock file (see `DbLock`).
        lock: PathBuf,
        /// The pid of the holder, if it could be found.
        holder: Option<String>,
    },
    /// The database (or its lock file) could not be created or locked for a reason
    /// other than another holder.
    #[error("database {}: cannot lock it{}: {error}", db.display(), lock_file_label(db, lock))]
    LockFile {
        /// The database.
        db: PathBuf,
        /// The file locked: the database itself, or its lock file.
        lock: PathBuf,
        /// What the OS said.
        error: std::io::Error,
    },
    /// The configured path no longer names the database file the collector opened: it
    /// was deleted, or another file put in its place. The collector stops rather than
    /// write on into a file nobody can open any more.
    #[error(
        "database file {} was deleted or replaced while the collector ran; stopping so that no data is written where nobody can read it",
        path.display()
    )]
    DatabaseReplaced {
        /// The configured path.
        path: PathBuf,
    },
    /// The upstream client could not be built from the config.
    #[error("{0}")]
    Client(headcount_convoso::Error),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] headcount_store::Error),
    /// The scheduler failed to start.
    #[error("scheduler: {0}")]
    Scheduler(String),
    /// The writer thread stopped unexpectedly (it panicked).
    #[error("writer thread: {0}")]
    Writer(String),
    /// A row of an import file is not valid.
    #[error("import: line {line}: {message}")]
    ImportRow {
        /// The 1-based line of the file (a header counts).
        line: u64,
        /// What is wrong with the row.
        message: String,
    },
    /// An import file could not be read.
    #[error("import: {0}")]
    ImportRead(String),
}

/// ` (lock file X)` when the lock is on a file beside the database.
fn lock_file_label(db: &std::path::Path, lock: &std::path::Path) -> String {
    if db == lock {
        String::new()
    } else {
        format!(" (lock file {})", lock.display())
    }
}

impl Error {
    /// Whether this is the user's input at fault (config, environment, import file)
    /// rather than a failure at run time: the `headcount` command exits with code 2
    /// for these and 1 for the rest.
    #[must_use]
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::Client(_) | Error::ImportRow { .. })
    }
}
