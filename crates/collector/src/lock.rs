//! One collector per database: an exclusive advisory lock on `<db>.lock`.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// An exclusive advisory lock on the sidecar file `<db>.lock`, held until dropped.
///
/// The lock file sits beside the database's canonical path (symbolic links and `.`/`..`
/// resolved, relative paths made absolute), so that `./x.db`, `/abs/x.db` and a link to
/// either are one lock, as they are one database.
///
/// Two collectors writing one database would both poll every target and race for each
/// slot; the lock makes the second one fail at start instead. The OS releases the lock
/// when the process dies, even by `kill -9`, so a stale lock file never blocks a
/// restart. The file holds the holder's pid, for the error message.
#[derive(Debug)]
pub struct DbLock {
    _file: File,
    path: PathBuf,
}

impl DbLock {
    /// Takes the lock of the database at `db`, without waiting.
    ///
    /// # Errors
    ///
    /// [`Error::Locked`] naming the database when another process holds the lock;
    /// [`Error::LockFile`] when the lock file cannot be created or locked.
    pub fn acquire(db: &Path) -> Result<DbLock> {
        let mut name = canonical(db).into_os_string();
        name.push(".lock");
        let path = PathBuf::from(name);
        let io_err = |source| Error::LockFile {
            db: db.to_owned(),
            lock: path.clone(),
            error: source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(Error::Locked {
                    db: db.to_owned(),
                    lock: path.clone(),
                    holder: (!holder.is_empty() && holder.len() < 20).then(|| holder.to_owned()),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io_err(e)),
        }
        // The pid is only a hint for the message above; failing to write it is harmless.
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = write!(file, "{}", std::process::id());
        let _ = file.flush();
        Ok(DbLock { _file: file, path })
    }

    /// The lock file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `db` with its directory canonicalized (the file itself may not exist yet, and if it
/// does and is a link, the link is followed). Falls back to `db` as given when its
/// directory cannot be resolved; opening the database then fails with a clear error.
fn canonical(db: &Path) -> PathBuf {
    if let Ok(full) = db.canonicalize() {
        return full;
    }
    let Some(name) = db.file_name() else {
        return db.to_owned();
    };
    let dir = match db.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    dir.canonicalize()
        .map_or_else(|_| db.to_owned(), |dir| dir.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_database_fails_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h.db");
        let first = DbLock::acquire(&db).unwrap();
        let err = DbLock::acquire(&db).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::Locked { .. }), "{err:?}");
        assert!(msg.contains(&db.display().to_string()), "{msg}");
        assert!(msg.contains("another collector"), "{msg}");
        assert!(
            msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        drop(first);
        DbLock::acquire(&db).unwrap();
    }

    #[test]
    fn one_database_by_different_paths_is_one_lock() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let db = dir.path().join("h.db");
        let first = DbLock::acquire(&db).unwrap();
        // Through `..`, before the database file exists.
        let roundabout = dir.path().join("sub").join("..").join("h.db");
        let err = DbLock::acquire(&roundabout).unwrap_err();
        assert!(matches!(err, Error::Locked { .. }), "{err:?}");
        // Through a link to its directory.
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(dir.path(), &link).unwrap();
            let err = DbLock::acquire(&link.join("h.db")).unwrap_err();
            assert!(matches!(err, Error::Locked { .. }), "{err:?}");
        }
        // Relative to the working directory, as `./h.db` would be.
        let cwd = std::env::current_dir().unwrap();
        if let Some(rel) = pathdiff(&db, &cwd) {
            let err = DbLock::acquire(&rel).unwrap_err();
            assert!(matches!(err, Error::Locked { .. }), "{rel:?}: {err:?}");
        }
        drop(first);
        DbLock::acquire(&roundabout).unwrap();
    }

    /// `path` relative to `base` (both absolute), by `..` steps up from `base`.
    fn pathdiff(path: &Path, base: &Path) -> Option<PathBuf> {
        let base = base.canonicalize().ok()?;
        let path = path.parent()?.canonicalize().ok()?.join(path.file_name()?);
        let mut rel = PathBuf::new();
        for _ in base.components().skip(1) {
            rel.push("..");
        }
        rel.push(path.strip_prefix("/").ok()?);
        Some(rel)
    }
}
