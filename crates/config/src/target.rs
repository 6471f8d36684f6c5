//! `[[target]]`: what is polled, and the one spelling of its filters the store keys a
//! series by.

use std::collections::BTreeMap;
use std::time::Duration;

use headcount_convoso::Filters;

use crate::schedule::Schedule;

/// One `[[target]]`: a named filter set polled on a schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetConfig {
    /// Unique name, `[A-Za-z0-9._-]{1,64}`: usable in a URL path.
    pub name: String,
    /// The filters, in canonical form.
    pub filters: Filters,
    /// Its schedule: its own `cron`, or `[schedule]`'s.
    pub schedule: Schedule,
    /// Whether `schedule` is the target's own `cron` rather than `[schedule]`'s.
    pub own_schedule: bool,
    /// Its request timeout: `upstream.timeout`, clamped to 80% of the shortest
    /// interval of its schedule so that a poll ends before the next slot.
    pub timeout: Duration,
    /// The line of the target in the config file.
    pub line: usize,
}

impl TargetConfig {
    /// The filters as the store keys a series: see [`filters_json`].
    #[must_use]
    pub fn filters_json(&self) -> String {
        filters_json(&self.filters)
    }
}

/// The canonical JSON of a filter set: sorted keys, no spaces, unset filters left out
/// (`{}` for system-wide). The store keys a target's series by its name and this
/// text, so every component that looks a series up must spell filters this way.
#[must_use]
pub fn filters_json(filters: &Filters) -> String {
    let c = filters.canonical();
    let mut map: BTreeMap<&str, serde_json::Value> = BTreeMap::new();
    if let Some(v) = c.campaign_id {
        map.insert("campaign_id", v.into());
    }
    if let Some(v) = c.queue_id {
        map.insert("queue_id", v.into());
    }
    if let Some(v) = c.user_id {
        map.insert("user_id", v.into());
    }
    if !c.skills.is_empty() {
        map.insert("skills", c.skills.into());
    }
    serde_json::to_string(&map).unwrap_or_else(|_| "{}".to_owned())
}

/// A target name must be usable in a URL path as is.
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 64 {
        return Err(format!("{name:?} must be 1 to 64 characters long"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "{name:?} has {c:?}; use letters, digits, '.', '_' and '-' (it appears in URLs)"
        ));
    }
    if name == "." || name == ".." {
        return Err(format!("{name:?} is not usable in a URL path"));
    }
    Ok(())
}
