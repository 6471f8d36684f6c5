//! This very binary as a child process: the sections that measure a whole command
//! (`import`, `serve`, `collect`) run it, so its start-up, its own runtime and its own
//! memory are what is measured.
//!
//! A [`Child`] is stopped like a user stops it, with SIGINT ([`Child::stop`]), and
//! killed if it is still running when dropped, so no bench leaves a process behind.
//! Its peak memory is the kernel's high-water mark of its resident set (`VmHWM` in
//! `/proc/<pid>/status`).

use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

/// A command running this binary with `args`, logging as `--log-level log` says
/// (whatever `RUST_LOG` is), without the API token of the bench's config, stdout and
/// stderr discarded unless set again.
///
/// # Errors
///
/// When the path of this binary cannot be found.
pub fn headcount(log: &str, args: &[&str]) -> anyhow::Result<Command> {
    let exe = std::env::current_exe().context("the path of this binary")?;
    let mut cmd = Command::new(exe);
    cmd.args(["--log-level", log])
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove(super::data::TOKEN_ENV)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Ok(cmd)
}

/// A running child process, killed when dropped.
pub struct Child {
    inner: std::process::Child,
    /// What it is, for errors: `headcount serve`.
    what: String,
    /// Where its stderr goes, when that is a file: its tail goes into errors.
    log: Option<PathBuf>,
    exited: Option<ExitStatus>,
}

impl Child {
    /// Spawns `cmd`, called `what` in errors; `log` is the file its stderr was sent to,
    /// if any.
    ///
    /// # Errors
    ///
    /// When it cannot be started.
    pub fn spawn(mut cmd: Command, what: &str, log: Option<PathBuf>) -> anyhow::Result<Child> {
        let inner = cmd.spawn().with_context(|| format!("start {what}"))?;
        Ok(Child {
            inner,
            what: what.to_owned(),
            log,
            exited: None,
        })
    }

    /// The process.
    pub fn process(&mut self) -> &mut std::process::Child {
        &mut self.inner
    }

    /// Its peak resident set so far, in bytes (Linux only).
    pub fn peak_rss(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.inner.id())).ok()?;
        vm_hwm(&status)
    }

    /// Whether it has exited, without waiting.
    ///
    /// # Errors
    ///
    /// When its status cannot be read.
    pub fn try_wait(&mut self) -> anyhow::Result<Option<ExitStatus>> {
        if self.exited.is_none() {
            self.exited = self.inner.try_wait().context("child status")?;
        }
        Ok(self.exited)
    }

    /// Waits up to `limit` for it to exit.
    ///
    /// # Errors
    ///
    /// When it is still running after `limit`.
    pub fn wait(&mut self, limit: Duration) -> anyhow::Result<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.try_wait()? {
                return Ok(status);
            }
            if Instant::now() >= deadline {
                anyhow::bail!(
                    "{} still running after {} s{}",
                    self.what,
                    limit.as_secs(),
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for it to exit, however long that takes: for a command that ends on its
    /// own (`headcount import`), timed to the millisecond.
    ///
    /// # Errors
    ///
    /// When its status cannot be read.
    pub fn finish(&mut self) -> anyhow::Result<ExitStatus> {
        let status = match self.exited {
            Some(status) => status,
            None => self.inner.wait().context("child status")?,
        };
        self.exited = Some(status);
        Ok(status)
    }

    /// Stops it as Ctrl-C would (SIGINT) and waits up to `limit` for it to finish.
    ///
    /// # Errors
    ///
    /// When it cannot be signalled, does not stop in time, or exits with a failure.
    pub fn stop(&mut self, limit: Duration) -> anyhow::Result<()> {
        if self.try_wait()?.is_none() {
            interrupt(&self.inner)?;
        }
        let status = self.wait(limit)?;
        self.check(status)
    }

    /// `Ok` when `status` is a success, else an error naming the child with the end of
    /// its log.
    ///
    /// # Errors
    ///
    /// As said.
    pub fn check(&self, status: ExitStatus) -> anyhow::Result<()> {
        anyhow::ensure!(
            status.success(),
            "{} failed ({status}){}",
            self.what,
            self.log_tail()
        );
        Ok(())
    }

    /// The last lines of its log file, for an error message.
    pub fn log_tail(&self) -> String {
        let Some(text) = self
            .log
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
        else {
            return String::new();
        };
        tail(&text, 5)
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if matches!(self.try_wait(), Ok(None)) {
            let _ = self.inner.kill();
            let _ = self.inner.wait();
        }
    }
}

/// `: ` and the last `n` non-empty lines of `text`, joined by ` | `; nothing for none.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let last = &lines[lines.len().saturating_sub(n)..];
    if last.is_empty() {
        String::new()
    } else {
        format!(": {}", last.join(" | "))
    }
}

#[cfg(unix)]
fn interrupt(child: &std::process::Child) -> anyhow::Result<()> {
    use rustix::process::{Pid, Signal, kill_process};
    kill_process(Pid::from_child(child), Signal::INT).context("SIGINT to a child")
}

#[cfg(not(unix))]
fn interrupt(_: &std::process::Child) -> anyhow::Result<()> {
    anyhow::bail!("stopping a child with SIGINT needs a unix")
}

/// `VmHWM` of a `/proc/<pid>/status` text, in bytes.
pub fn vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let mut words = line["VmHWM:".len()..].split_whitespace();
    let n: u64 = words.next()?.parse().ok()?;
    match words.next()? {
        "kB" => Some(n * 1024),
        _ => None,
    }
}

/// An executable called `name` on `PATH`, if any.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_resident_set_is_read_from_vmhwm_in_kib() {
        let status =
            "Name:\theadcount\nVmPeak:\t  812344 kB\nVmHWM:\t   31744 kB\nVmRSS:\t   30120 kB\n";
        assert_eq!(vm_hwm(status), Some(31_744 * 1024));
        assert_eq!(vm_hwm("Name:\tx\n"), None);
        assert_eq!(vm_hwm("VmHWM:\t12 MB\n"), None);
    }

    #[test]
    fn a_tail_keeps_the_last_lines_that_say_something() {
        assert_eq!(tail("a\n\nb\nc\n\n", 2), ": b | c");
        assert_eq!(tail("only\n", 5), ": only");
        assert_eq!(tail("\n\n", 5), "");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn this_process_has_a_peak_resident_set() {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        assert!(vm_hwm(&status).unwrap() > 1024 * 1024);
    }
}
