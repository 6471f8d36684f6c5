//! Helpers shared by the subcommands that read a config file.

use std::path::Path;

use headcount_collector::Config;

use crate::usage;

/// Loads and checks the config file; every problem with it exits with code 2.
pub fn load_config(path: &Path) -> anyhow::Result<Config> {
    Config::load(path).map_err(|e| match e {
        headcount_collector::Error::ReadConfig { path, source } => usage(anyhow::anyhow!(
            "--config: cannot read {}: {source}",
            path.display()
        )),
        other => usage(other),
    })
}

/// A collector error as the binary reports it: the user's input at fault (config,
/// environment, import file) exits with code 2, anything else with 1.
pub fn classify(e: headcount_collector::Error) -> anyhow::Error {
    if e.is_usage() {
        usage(e)
    } else {
        anyhow::Error::new(e)
    }
}
