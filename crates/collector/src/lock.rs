//! One collector per database, and the database at the configured path being the one
//! written: [`DbLock`] and [`DbFile`].
//!
//! The lock is taken on the database file's identity (its device and inode), not on
//! its path: `./h.db`, `/abs/h.db`, a symbolic link and a hard link to it are one
//! database, and one lock. On Linux it is an `flock` on the database file itself, which
//! there is independent of the `fcntl` locks SQLite takes on the same file (flock(2),
//! NOTES); elsewhere, where the two kinds of lock may interact, it is an `flock` on the
//! sidecar `<db>.lock` beside the database's canonical path, which covers every path to
//! it but a hard link. The OS releases the lock when the process dies, even by
//! `kill -9`, so nothing stale ever blocks a restart.
//!
//! A descriptor of the database file is never closed while the process runs: closing
//! any descriptor of a file drops every POSIX lock the process holds on it, SQLite's
//! included ("How To Corrupt An SQLite Database File", 2.2). Released locks keep their
//! descriptor parked for the next lock of the same file instead.
//!
//! [`DbFile`] remembers the device and inode of the file the collector opened; the
//! writer compares them with a `stat` of the configured path before each write. A
//! database deleted, or replaced by another file, under a running collector is then
//! noticed at the next write or heartbeat, rather than written on where nobody reads
//! it.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::{Error, Result};

/// An exclusive advisory lock on a database file's identity, held until dropped.
///
/// Two collectors writing one database would both poll every target and race for each
/// slot, and through a hard link each would keep its own write-ahead log, so the rows
/// of one are lost when the other's log is checkpointed over them. The lock makes the
/// second collector fail at start instead.
#[derive(Debug)]
pub struct DbLock {
    file: Arc<File>,
    path: PathBuf,
}

impl DbLock {
    /// Takes the lock of the database at `db`, without waiting. On Linux this creates
    /// the database file (empty) if it does not exist yet.
    ///
    /// # Errors
    ///
    /// [`Error::Locked`] naming the database when another collector holds the lock
    /// (with its pid, when it can be found); [`Error::LockFile`] when the file to lock
    /// cannot be created, opened or locked.
    pub fn acquire(db: &Path) -> Result<DbLock> {
        let path = lock_path(db);
        let io_err = |source| Error::LockFile {
            db: db.to_owned(),
            lock: path.clone(),
            error: source,
        };
        let file = take_descriptor(&path).map_err(io_err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                give_back(&file);
                return Err(Error::Locked {
                    db: db.to_owned(),
                    lock: path.clone(),
                    holder: holder(&file),
                });
            }
            Err(TryLockError::Error(e)) => {
                give_back(&file);
                return Err(io_err(e));
            }
        }
        note_holder(&file);
        Ok(DbLock { file, path })
    }

    /// Whether `file` is the file this lock is on; always true where the lock is on a
    /// sidecar. False means the database was replaced between the lock and the open.
    pub(crate) fn is_on(&self, file: &DbFile) -> bool {
        if !LOCK_THE_DATABASE {
            return true;
        }
        let locked = self.file.metadata().ok().and_then(|m| FileId::of(&m));
        file.id.is_none() || locked == file.id
    }

    /// The file locked: the database file itself on Linux, `<db>.lock` elsewhere.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DbLock {
    fn drop(&mut self) {
        // Unlocked, not closed: see the module doc.
        let _ = self.file.unlock();
        give_back(&self.file);
    }
}

/// Whether the database file itself is locked (see the module doc).
const LOCK_THE_DATABASE: bool = cfg!(any(target_os = "linux", target_os = "android"));

/// The file to lock for the database at `db`.
fn lock_path(db: &Path) -> PathBuf {
    if LOCK_THE_DATABASE {
        return db.to_owned();
    }
    let mut name = canonical(db).into_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

/// A descriptor of a file this process has opened to lock, and whether a [`DbLock`]
/// (or an attempt at one) uses it now. One descriptor is never locked twice at once:
/// an `flock` on a descriptor that already holds it succeeds.
struct Parked {
    file: Arc<File>,
    id: Option<FileId>,
    in_use: bool,
}

/// Every descriptor opened to lock, open until the process ends (see the module doc).
static PARKED: Mutex<Vec<Parked>> = Mutex::new(Vec::new());

fn parked() -> std::sync::MutexGuard<'static, Vec<Parked>> {
    PARKED.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A descriptor of `path` for this caller alone until [`give_back`]: a parked one of
/// the same file, or a new one (the file created if missing), parked from now on.
fn take_descriptor(path: &Path) -> std::io::Result<Arc<File>> {
    let mut parked = parked();
    if let Some(id) = std::fs::metadata(path).ok().and_then(|m| FileId::of(&m))
        && let Some(p) = parked.iter_mut().find(|p| !p.in_use && p.id == Some(id))
    {
        p.in_use = true;
        return Ok(Arc::clone(&p.file));
    }
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        // What SQLite gives a database it creates.
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o644);
    }
    let file = Arc::new(options.open(path)?);
    let id = file.metadata().ok().and_then(|m| FileId::of(&m));
    parked.push(Parked {
        file: Arc::clone(&file),
        id,
        in_use: true,
    });
    Ok(file)
}

/// Parks `file` for the next [`take_descriptor`] of its file.
fn give_back(file: &Arc<File>) {
    if let Some(p) = parked().iter_mut().find(|p| Arc::ptr_eq(&p.file, file)) {
        p.in_use = false;
    }
}

/// Leaves the holder's pid where [`holder`] finds it: in the sidecar file (the
/// database file itself is SQLite's, and on Linux the kernel lists the holder).
fn note_holder(file: &File) {
    if LOCK_THE_DATABASE {
        return;
    }
    use std::io::{Seek, SeekFrom, Write};
    // Only a hint for the message of a second collector; failing to write it is harmless.
    let mut f = file;
    let _ = f.set_len(0);
    let _ = f.seek(SeekFrom::Start(0));
    let _ = write!(f, "{}", std::process::id());
    let _ = f.flush();
}

/// The pid of the process holding the lock on `file`, if it can be found: on Linux
/// from the kernel's list of locks (`/proc/locks`), elsewhere from the sidecar.
fn holder(file: &File) -> Option<String> {
    if LOCK_THE_DATABASE {
        let id = FileId::of(&file.metadata().ok()?)?;
        let locks = std::fs::read_to_string("/proc/locks").ok()?;
        return flock_holder(&locks, id).map(|pid| pid.to_string());
    }
    use std::io::{Read, Seek, SeekFrom};
    let mut f = file;
    let mut text = String::new();
    f.seek(SeekFrom::Start(0)).ok()?;
    f.read_to_string(&mut text).ok()?;
    let text = text.trim();
    (!text.is_empty() && text.len() < 20).then(|| text.to_owned())
}

/// The pid holding an `flock` on the file `id` in `locks`, the text of `/proc/locks`:
/// lines like `1: FLOCK  ADVISORY  WRITE 4242 fe:00:10133529 0 EOF`, the device as
/// hexadecimal major and minor numbers, then the inode.
fn flock_holder(locks: &str, id: FileId) -> Option<u32> {
    locks.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // Waiters have a `->` before the kind.
        let [_, "FLOCK", _, _, pid, file, ..] = fields.as_slice() else {
            return None;
        };
        let mut parts = file.split(':');
        let major = u64::from_str_radix(parts.next()?, 16).ok()?;
        let minor = u64::from_str_radix(parts.next()?, 16).ok()?;
        let ino: u64 = parts.next()?.parse().ok()?;
        (ino == id.ino && (major, minor) == id.major_minor())
            .then(|| pid.parse().ok())
            .flatten()
    })
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

/// A file's identity: its device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    /// The identity in `meta`; `None` where the platform has none to give.
    fn of(meta: &std::fs::Metadata) -> Option<FileId> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            Some(FileId {
                dev: meta.dev(),
                ino: meta.ino(),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            None
        }
    }

    /// The device's major and minor numbers, as glibc's `major()` and `minor()` read
    /// them from a Linux `dev_t`.
    fn major_minor(self) -> (u64, u64) {
        let d = self.dev;
        (
            ((d >> 8) & 0xfff) | ((d >> 32) & !0xfff),
            (d & 0xff) | ((d >> 12) & !0xff),
        )
    }
}

/// How the configured path stopped naming the database file a collector opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gone {
    /// Nothing is at the path any more.
    Deleted,
    /// Another file is.
    Replaced,
}

impl Gone {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Gone::Deleted => "deleted",
            Gone::Replaced => "replaced",
        }
    }
}

/// The database file a collector writes: its path and identity, to check that the path
/// still names it (see the module doc).
#[derive(Debug, Clone)]
pub(crate) struct DbFile {
    path: PathBuf,
    id: Option<FileId>,
    /// Hard links seen last, so that a new one is logged once.
    links: u64,
}

impl DbFile {
    /// The file now at `path`, just opened by the collector's store. Logs a warning
    /// when it has more than one hard link, or cannot be examined (then nothing is
    /// checked).
    pub(crate) fn at(path: &Path) -> DbFile {
        let mut file = DbFile {
            path: path.to_owned(),
            id: None,
            links: 1,
        };
        match std::fs::metadata(path) {
            Ok(meta) => {
                file.id = FileId::of(&meta);
                file.note_links(&meta);
            }
            Err(e) => tracing::warn!(
                error = %e,
                path = %path.display(),
                "cannot stat the database file: its deletion or replacement will not be noticed"
            ),
        }
        file
    }

    /// The configured path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the path still names the file; `Err` says how it does not. A `stat`
    /// that fails for another reason than a missing file proves nothing and passes.
    pub(crate) fn check(&mut self) -> std::result::Result<(), Gone> {
        let Some(id) = self.id else {
            return Ok(());
        };
        match std::fs::metadata(&self.path) {
            Ok(meta) if FileId::of(&meta) == Some(id) => {
                self.note_links(&meta);
                Ok(())
            }
            Ok(_) => Err(Gone::Replaced),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Gone::Deleted),
            Err(e) => {
                tracing::debug!(error = %e, path = %self.path.display(), "cannot stat the database file; assuming it is unchanged");
                Ok(())
            }
        }
    }

    /// A database with another hard link has two names, and SQLite names its
    /// write-ahead log after the name it was opened by: what one name's log holds, the
    /// other does not see, and a writer through the other name corrupts it.
    fn note_links(&mut self, meta: &std::fs::Metadata) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            let links = meta.nlink();
            if links > 1 && links != self.links {
                tracing::warn!(
                    path = %self.path.display(),
                    links,
                    "the database file has more than one hard link: open it only by this path (SQLite names its write-ahead log after the path), and remove the other links (find / -samefile PATH)"
                );
            }
            self.links = links;
        }
        #[cfg(not(unix))]
        let _ = meta;
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

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn a_hard_link_to_a_locked_database_is_the_same_lock() {
        let dir = tempfile::tempdir().unwrap();
        let two = dir.path().join("two.db");
        let first = DbLock::acquire(&two).unwrap();
        let hard = dir.path().join("hard.db");
        std::fs::hard_link(&two, &hard).unwrap();
        let err = DbLock::acquire(&hard).unwrap_err();
        assert!(matches!(err, Error::Locked { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains(&hard.display().to_string()), "{msg}");
        assert!(
            msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        // And the other way round, through a link in another directory.
        drop(first);
        let first = DbLock::acquire(&hard).unwrap();
        std::fs::create_dir(dir.path().join("elsewhere")).unwrap();
        let far = dir.path().join("elsewhere").join("far.db");
        std::fs::hard_link(&two, &far).unwrap();
        assert!(matches!(
            DbLock::acquire(&far).unwrap_err(),
            Error::Locked { .. }
        ));
        assert!(matches!(
            DbLock::acquire(&two).unwrap_err(),
            Error::Locked { .. }
        ));
        drop(first);
        DbLock::acquire(&far).unwrap();
    }

    #[test]
    fn the_kernel_list_of_locks_names_the_holder_by_device_and_inode() {
        // A `dev_t` of major 254, minor 0 (0xfe00), and one of major 8, minor 33.
        let id = FileId {
            dev: 0xfe00,
            ino: 10_133_529,
        };
        assert_eq!(id.major_minor(), (254, 0));
        assert_eq!(FileId { dev: 0x821, ino: 1 }.major_minor(), (8, 33), "sda1");
        let locks = "1: FLOCK  ADVISORY  WRITE 6253 fe:00:10010695 0 EOF\n\
                     2: POSIX  ADVISORY  WRITE 77 fe:00:10133529 0 EOF\n\
                     3: -> FLOCK  ADVISORY  WRITE 88 fe:00:10133529 0 EOF\n\
                     4: FLOCK  ADVISORY  WRITE 99 08:21:10133529 0 EOF\n\
                     5: FLOCK  ADVISORY  WRITE 4242 fe:00:10133529 0 EOF\n";
        assert_eq!(flock_holder(locks, id), Some(4242));
        assert_eq!(
            flock_holder(
                locks,
                FileId {
                    dev: 0xfe00,
                    ino: 5
                }
            ),
            None
        );
    }

    #[test]
    fn a_deleted_or_replaced_database_file_is_told_apart_from_the_one_opened() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h.db");
        std::fs::write(&db, b"").unwrap();
        // Held open, as the store's connection holds it: its inode cannot be reused.
        let _open = File::open(&db).unwrap();
        let mut file = DbFile::at(&db);
        assert_eq!(file.check(), Ok(()));
        std::fs::remove_file(&db).unwrap();
        assert_eq!(file.check(), Err(Gone::Deleted));
        // A new file at the path, as a restore from a backup would leave.
        let other = dir.path().join("other.db");
        std::fs::write(&other, b"").unwrap();
        std::fs::rename(&other, &db).unwrap();
        #[cfg(unix)]
        assert_eq!(file.check(), Err(Gone::Replaced));
        // The file that is there now is fine for one opened now.
        assert_eq!(DbFile::at(&db).check(), Ok(()));
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
