//! `headcount init`: write a commented example config.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use crate::usage;

/// Write a commented example config that works against `headcount simulate`.
///
/// It polls four targets of the simulated center (everybody, campaign 111, queue 222
/// with skills english and spanish, user 12345). An existing file is never
/// overwritten.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  headcount init
  headcount init /etc/headcount/headcount.toml")]
pub struct Args {
    /// Where to write the config.
    #[arg(value_name = "FILE", default_value = "headcount.toml")]
    pub file: PathBuf,
}

/// Writes the example config to `args.file`.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let path = &args.file;
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(usage(anyhow::anyhow!(
                "FILE: {} already exists; not overwriting it (remove it or name another file)",
                path.display()
            )));
        }
        Err(e) => {
            return Err(anyhow::Error::new(e))
                .with_context(|| format!("FILE: cannot create {}", path.display()));
        }
    };
    file.write_all(headcount_config::EXAMPLE.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    let shown = path.display();
    println!("wrote {shown}, an example config for the built-in simulator. Try:");
    println!("  headcount simulate &");
    println!("  export CONVOSO_AUTH_TOKEN=abc123");
    println!("  headcount check --config {shown}");
    println!("  headcount collect --config {shown}");
    Ok(())
}
