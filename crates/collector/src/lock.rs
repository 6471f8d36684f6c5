//! One collector per database: an exclusive advisory lock on `<db>.lock`.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// An exclusive advisory lock on the sidecar file `<db>.lock`, held until dropped.
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
        let mut name = db.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        let io_err = |source| Error::LockFile {
            db: db.to_owned(),
            lock: path.clone(),
            source,
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
}
