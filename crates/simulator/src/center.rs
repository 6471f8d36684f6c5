//! The simulated center: every agent's status at any instant, and counts over filters.
//!
//! A status is a pure function of (seed, time zone, agent, instant), computed without
//! walking history, so any instant costs O(agents):
//!
//! 1. **On shift?** Each agent has a weekly shift in local wall-clock time. For the
//!    local days around the instant, a hash of (agent, day) decides absence (4%) and
//!    jitters login (±10 min) and logout (−5…+20 min). Outside the shift: logged out.
//! 2. **On a break?** Two 15-minute breaks and a 30-minute lunch at per-agent offsets
//!    from the login, each jittered by the same day hash: `break`.
//! 3. **Working.** Time is cut into segments of 230–310 s (one per call, ≈ 4.5 min
//!    average handle time), with a length and phase per agent. A hash of (agent,
//!    segment) is compared with the occupancy curve at the segment's local time of day:
//!    below it the segment is busy (`in_call` then `wrap_up`, or sometimes `pause`),
//!    above it `ready`.
//! 4. **Short-staffed?** A staged [`Scenario`] in force at the instant turns most of
//!    its agents' `ready` into `pause` (see [`crate::scenario`]). Scenarios are part
//!    of the center, so with them a status is a pure function of (seed, time zone,
//!    scenarios, agent, instant).

use std::sync::{Arc, PoisonError, RwLock};

use chrono::{DateTime, Offset, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;

use crate::Error;
use crate::filter::Filter;
use crate::hash::{keyed, unit};
use crate::roster::{self, Agent, CAMPAIGNS, Campaign, QUEUES, Queue, SKILLS};
use crate::scenario::Scenario;

const DAY: i64 = 86_400;
/// Instants are clamped to ±2^52 s (±140 million years) so the day and segment
/// arithmetic cannot overflow.
const MAX_INSTANT: i64 = 1 << 52;

/// How a [`Center`] is built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CenterConfig {
    /// Everything random derives from this.
    pub seed: u64,
    /// The center's local time: shifts and the daily rhythm follow its wall clock.
    pub timezone: Tz,
}

impl Default for CenterConfig {
    fn default() -> Self {
        CenterConfig {
            seed: 0,
            timezone: chrono_tz::America::New_York,
        }
    }
}

/// What an agent is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not logged in.
    LoggedOut,
    /// Logged in and waiting for work: the only status counted as available.
    Ready,
    /// Talking to a customer.
    InCall,
    /// After-call work.
    WrapUp,
    /// Not ready for a while (a pause code).
    Pause,
    /// A short break or lunch.
    Break,
}

impl Status {
    /// Every status except logged out.
    pub fn is_logged_in(self) -> bool {
        self != Status::LoggedOut
    }

    /// Logged in and ready.
    pub fn is_available(self) -> bool {
        self == Status::Ready
    }

    /// The status's name in snake case, as it is serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::LoggedOut => "logged_out",
            Status::Ready => "ready",
            Status::InCall => "in_call",
            Status::WrapUp => "wrap_up",
            Status::Pause => "pause",
            Status::Break => "break",
        }
    }
}

/// The API's two numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Counts {
    /// Logged in and ready.
    pub available: u32,
    /// Logged in, in any status.
    pub logged_in: u32,
}

impl Counts {
    /// The reference's utilization, `(logged_in - available) / logged_in`, as a
    /// fraction; `None` when nobody is logged in.
    pub fn utilization(&self) -> Option<f64> {
        (self.logged_in > 0)
            .then(|| f64::from(self.logged_in - self.available) / f64::from(self.logged_in))
    }

    fn add(&mut self, status: Status) {
        self.logged_in += u32::from(status.is_logged_in());
        self.available += u32::from(status.is_available());
    }
}

/// A set of agents matched by a [`Filter`], resolved once with [`Center::select`] so that
/// counting it in many snapshots is a few bit operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    bits: Vec<u64>,
}

impl Selection {
    fn none(agents: usize) -> Selection {
        Selection {
            bits: vec![0; agents.div_ceil(64)],
        }
    }

    fn insert(&mut self, index: usize) {
        self.bits[index / 64] |= 1 << (index % 64);
    }

    fn contains(&self, index: usize) -> bool {
        self.bits[index / 64] & (1 << (index % 64)) != 0
    }

    /// How many agents are selected.
    pub fn len(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether no agent is selected.
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|w| *w == 0)
    }

    fn indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.bits.iter().enumerate().flat_map(|(i, &word)| {
            let mut word = word;
            std::iter::from_fn(move || {
                (word != 0).then(|| {
                    let bit = word.trailing_zeros() as usize;
                    word &= word - 1;
                    i * 64 + bit
                })
            })
        })
    }
}

/// A simulated contact center: a roster of agents whose statuses are a pure function
/// of the instant and the staged [`Scenario`]s.
///
/// Clones share one list of scenarios: a scenario staged on the simulator's center
/// (over HTTP, or through [`Center::set_scenarios`]) shows in every copy of it, so
/// history computed from a copy agrees with the live answers.
/// [`Center::with_scenarios`] gives a center its own list.
#[derive(Clone, Debug)]
pub struct Center {
    config: CenterConfig,
    agents: Vec<Agent>,
    scenarios: Arc<RwLock<Arc<[Staged]>>>,
}

/// A scenario with the agents it affects resolved once.
#[derive(Debug)]
struct Staged {
    scenario: Scenario,
    selection: Selection,
}

/// Salt of the scenario draws, so they are independent of the busy/ready draws.
const SCENARIO_SALT: u64 = 0x5CE7_A210;

/// An instant resolved to local wall-clock time once, for all agents.
struct LocalInstant {
    ts: i64,
    /// Local wall-clock seconds since 1970-01-01T00:00 local.
    local: i64,
    /// `local` as days since 1970-01-01 and seconds into that day.
    day: i64,
    second_of_day: i64,
}

impl Center {
    /// Builds the center for a seed and time zone.
    pub fn new(config: CenterConfig) -> Center {
        let agents = roster::agents(config.seed);
        Center {
            config,
            agents,
            scenarios: Arc::new(RwLock::new(Arc::from(Vec::new()))),
        }
    }

    /// This center with its own list of scenarios (not shared with the center it was
    /// cloned from).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidScenario`] for the first scenario that does not validate.
    pub fn with_scenarios(mut self, scenarios: Vec<Scenario>) -> Result<Center, Error> {
        self.scenarios = Arc::new(RwLock::new(self.stage(scenarios)?));
        Ok(self)
    }

    /// Replaces the scenarios, in this center and every clone that shares its list.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidScenario`] for the first scenario that does not validate; the
    /// scenarios in force stay unchanged.
    pub fn set_scenarios(&self, scenarios: Vec<Scenario>) -> Result<(), Error> {
        let staged = self.stage(scenarios)?;
        // The list is replaced whole, never left half-written.
        *self
            .scenarios
            .write()
            .unwrap_or_else(PoisonError::into_inner) = staged;
        Ok(())
    }

    /// The scenarios staged, in the order given.
    pub fn scenarios(&self) -> Vec<Scenario> {
        self.staged().iter().map(|s| s.scenario.clone()).collect()
    }

    fn stage(&self, scenarios: Vec<Scenario>) -> Result<Arc<[Staged]>, Error> {
        scenarios
            .into_iter()
            .map(|scenario| {
                scenario.validate()?;
                Ok(Staged {
                    selection: self.select(&scenario.filter),
                    scenario,
                })
            })
            .collect()
    }

    fn staged(&self) -> Arc<[Staged]> {
        Arc::clone(
            &self
                .scenarios
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// The configuration the center was built with.
    pub fn config(&self) -> &CenterConfig {
        &self.config
    }

    /// The campaigns, by ID.
    pub fn campaigns(&self) -> &'static [Campaign] {
        &CAMPAIGNS
    }

    /// The queues, by ID.
    pub fn queues(&self) -> &'static [Queue] {
        &QUEUES
    }

    /// Every skill name, lowercase.
    pub fn skills(&self) -> &'static [&'static str] {
        &SKILLS
    }

    /// The agents, by user ID.
    pub fn agents(&self) -> &[Agent] {
        &self.agents
    }

    /// The agent with this user ID.
    pub fn agent(&self, user_id: u64) -> Option<&Agent> {
        self.index_of(user_id).map(|i| &self.agents[i])
    }

    fn index_of(&self, user_id: u64) -> Option<usize> {
        self.agents
            .binary_search_by_key(&user_id, Agent::user_id)
            .ok()
    }

    /// Every agent's status at `ts` (unix seconds).
    pub fn snapshot(&self, ts: i64) -> Snapshot<'_> {
        let at = self.local(ts);
        let staged = self.staged();
        let words = self.agents.len().div_ceil(64);
        let mut snapshot = Snapshot {
            center: self,
            ts,
            statuses: Vec::with_capacity(self.agents.len()),
            logged_in: vec![0; words],
            available: vec![0; words],
        };
        for i in 0..self.agents.len() {
            let status = self.status_at(i, &at, &staged);
            snapshot.logged_in[i / 64] |= u64::from(status.is_logged_in()) << (i % 64);
            snapshot.available[i / 64] |= u64::from(status.is_available()) << (i % 64);
            snapshot.statuses.push(status);
        }
        snapshot
    }

    /// One agent's status at `ts`, or `None` for an unknown user ID.
    pub fn status(&self, user_id: u64, ts: i64) -> Option<Status> {
        let i = self.index_of(user_id)?;
        Some(self.status_at(i, &self.local(ts), &self.staged()))
    }

    /// The status of the agent at `index`, scenarios applied.
    fn status_at(&self, index: usize, at: &LocalInstant, staged: &[Staged]) -> Status {
        let agent = &self.agents[index];
        let status = status_of(agent, at);
        if status != Status::Ready || staged.is_empty() {
            return status;
        }
        let factor = staged
            .iter()
            .filter(|s| s.scenario.covers(at.ts) && s.selection.contains(index))
            .map(|s| s.scenario.available_factor)
            .reduce(f64::min);
        match factor {
            Some(factor) => {
                let segment = (at.ts + agent.segment_phase).div_euclid(agent.segment_len);
                let draw = unit(keyed(agent.segment_key ^ SCENARIO_SALT, segment));
                if draw < factor {
                    Status::Ready
                } else {
                    Status::Pause
                }
            }
            None => status,
        }
    }

    /// The agents a filter matches.
    pub fn select(&self, filter: &Filter) -> Selection {
        let mut selection = Selection::none(self.agents.len());
        let Some(matcher) = Matcher::new(filter) else {
            return selection;
        };
        match &filter.user_id {
            Some(user_ids) => {
                for &user_id in user_ids {
                    if let Some(i) = self.index_of(user_id)
                        && matcher.matches(&self.agents[i])
                    {
                        selection.insert(i);
                    }
                }
            }
            None => {
                for (i, agent) in self.agents.iter().enumerate() {
                    if matcher.matches(agent) {
                        selection.insert(i);
                    }
                }
            }
        }
        selection
    }

    /// The counts for a filter at `ts`; the same as `self.snapshot(ts).count(filter)`
    /// but it works out only the matched agents' statuses.
    pub fn count(&self, filter: &Filter, ts: i64) -> Counts {
        let at = self.local(ts);
        let staged = self.staged();
        let mut counts = Counts::default();
        for i in self.select(filter).indices() {
            counts.add(self.status_at(i, &at, &staged));
        }
        counts
    }

    fn local(&self, ts: i64) -> LocalInstant {
        let ts = ts.clamp(-MAX_INSTANT, MAX_INSTANT);
        // Instants chrono cannot represent (beyond ±262,000 years) get UTC: nothing
        // meaningful happens there, and the model must stay total.
        let offset = DateTime::from_timestamp(ts, 0).map_or(0, |utc| {
            let offset = self
                .config
                .timezone
                .offset_from_utc_datetime(&utc.naive_utc());
            i64::from(offset.fix().local_minus_utc())
        });
        let local = ts + offset;
        LocalInstant {
            ts,
            local,
            day: local.div_euclid(DAY),
            second_of_day: local.rem_euclid(DAY),
        }
    }
}

/// A filter resolved to the roster's bit masks.
struct Matcher {
    campaign_mask: Option<u8>,
    queue_mask: Option<u8>,
    skill_mask: Option<u8>,
}

/// The bits of the listed IDs that exist in `known` (IDs in bit order); `None` when
/// none does.
fn id_mask(ids: &[u64], known: impl Iterator<Item = u64> + Clone) -> Option<u8> {
    let mask = ids
        .iter()
        .filter_map(|id| known.clone().position(|k| k == *id))
        .fold(0u8, |mask, bit| mask | 1 << bit);
    (mask != 0).then_some(mask)
}

impl Matcher {
    /// `None` when the filter names only unknown campaigns, only unknown queues or
    /// only unknown skills: it matches nobody. Unknown IDs in a list with known ones
    /// are ignored, as they select nobody.
    fn new(filter: &Filter) -> Option<Matcher> {
        let campaign_mask = match &filter.campaign_id {
            None => None,
            Some(ids) => Some(id_mask(ids, CAMPAIGNS.iter().map(|c| c.id))?),
        };
        let queue_mask = match &filter.queue_id {
            None => None,
            Some(ids) => Some(id_mask(ids, QUEUES.iter().map(|q| q.id))?),
        };
        let skill_mask = match &filter.skills {
            None => None,
            Some(names) => {
                let mask = SKILLS
                    .iter()
                    .enumerate()
                    .filter(|(_, skill)| names.iter().any(|n| n.trim().eq_ignore_ascii_case(skill)))
                    .fold(0u8, |mask, (i, _)| mask | 1 << i);
                Some((mask != 0).then_some(mask)?)
            }
        };
        Some(Matcher {
            campaign_mask,
            queue_mask,
            skill_mask,
        })
    }

    fn matches(&self, agent: &Agent) -> bool {
        self.campaign_mask
            .is_none_or(|m| m & (1 << agent.campaign) != 0)
            && self.queue_mask.is_none_or(|m| agent.queue_mask & m != 0)
            && self.skill_mask.is_none_or(|m| agent.skill_mask & m != 0)
    }
}

/// Every agent's status at one instant. Borrows the [`Center`] it came from.
#[derive(Clone, Debug)]
pub struct Snapshot<'c> {
    center: &'c Center,
    ts: i64,
    statuses: Vec<Status>,
    logged_in: Vec<u64>,
    available: Vec<u64>,
}

impl Snapshot<'_> {
    /// The instant, unix seconds.
    pub fn ts(&self) -> i64 {
        self.ts
    }

    /// Statuses in the order of [`Center::agents`].
    pub fn statuses(&self) -> &[Status] {
        &self.statuses
    }

    /// Each agent with its status.
    pub fn iter(&self) -> impl Iterator<Item = (&Agent, Status)> + '_ {
        self.center.agents.iter().zip(self.statuses.iter().copied())
    }

    /// One agent's status, or `None` for an unknown user ID.
    pub fn status(&self, user_id: u64) -> Option<Status> {
        self.center.index_of(user_id).map(|i| self.statuses[i])
    }

    /// The counts for a filter.
    pub fn count(&self, filter: &Filter) -> Counts {
        self.count_selection(&self.center.select(filter))
    }

    /// The counts for a selection from [`Center::select`]: the fast path when one
    /// filter is counted in many snapshots.
    pub fn count_selection(&self, selection: &Selection) -> Counts {
        let count = |bits: &[u64]| {
            bits.iter()
                .zip(&selection.bits)
                .map(|(b, s)| (b & s).count_ones())
                .sum()
        };
        Counts {
            available: count(&self.available),
            logged_in: count(&self.logged_in),
        }
    }
}

/// Occupancy (the share of on-shift, not-on-break time spent busy) at half past each
/// local hour, interpolated linearly in between. Peaks at 11 AM, lowest at 2–4 AM;
/// breaks add to it, so utilization runs a little higher than these figures.
const OCCUPANCY: [f64; 24] = [
    0.28, 0.19, 0.18, 0.11, 0.09, 0.12, 0.26, 0.50, 0.68, 0.80, 0.87, 0.91, //
    0.85, 0.79, 0.76, 0.74, 0.71, 0.67, 0.62, 0.56, 0.49, 0.43, 0.37, 0.32,
];

fn occupancy(second_of_day: i64) -> f64 {
    // Hours since the first knot (00:30), wrapping around midnight.
    let x = (second_of_day - 1800).rem_euclid(DAY) as f64 / 3600.0;
    let i = x as usize;
    let frac = x - i as f64;
    OCCUPANCY[i] * (1.0 - frac) + OCCUPANCY[(i + 1) % 24] * frac
}

/// Where an agent's current shift stands.
struct Duty {
    /// Actual login, local wall-clock seconds.
    start: i64,
    /// The (agent, workday) hash, for the day's jitters.
    day_hash: u64,
}

/// Jitter ranges, seconds.
const LOGIN_JITTER: (i64, i64) = (-600, 600);
const LOGOUT_JITTER: (i64, i64) = (-300, 1200);
const BREAK_JITTER: (i64, i64) = (-600, 600);
/// Share of agent-days missed (sickness, leave).
const ABSENCE: f64 = 0.04;

/// Maps `bits` (uniform in `0..2^width`) onto `lo..=hi`.
fn spread(bits: u64, width: u32, (lo, hi): (i64, i64)) -> i64 {
    lo + ((bits as i128 * i128::from(hi - lo + 1)) >> width) as i64
}

fn on_duty(agent: &Agent, at: &LocalInstant) -> Option<Duty> {
    let shift = &agent.shift;
    // A shift is shorter than a day, so only the days either side can reach `at`.
    for day in at.day - 1..=at.day + 1 {
        let planned_start = day * DAY + i64::from(shift.start_minute()) * 60;
        let planned_end = planned_start + i64::from(shift.length_minutes()) * 60;
        if at.local < planned_start + LOGIN_JITTER.0 || at.local >= planned_end + LOGOUT_JITTER.1 {
            continue;
        }
        // 1970-01-01 was a Thursday: day 0 is weekday 3 counting from Monday.
        if !shift.works_on_index((day + 3).rem_euclid(7) as u32) {
            continue;
        }
        let h = keyed(agent.day_key, day);
        // Bits 0–15 login jitter, 16–31 logout jitter, 32–47 absence, 48–62 breaks.
        if !agent.never_absent && unit(((h >> 32) & 0xFFFF) << 48) < ABSENCE {
            continue;
        }
        let start = planned_start + spread(h & 0xFFFF, 16, LOGIN_JITTER);
        let end = planned_end + spread((h >> 16) & 0xFFFF, 16, LOGOUT_JITTER);
        if (start..end).contains(&at.local) {
            return Some(Duty { start, day_hash: h });
        }
    }
    None
}

fn status_of(agent: &Agent, at: &LocalInstant) -> Status {
    let Some(duty) = on_duty(agent, at) else {
        return Status::LoggedOut;
    };
    let into_shift = at.local - duty.start;
    for (i, &(offset, minutes)) in agent.shift.breaks().iter().enumerate() {
        let jitter = spread((duty.day_hash >> (48 + 5 * i)) & 0x1F, 5, BREAK_JITTER);
        let start = i64::from(offset) * 60 + jitter;
        if (start..start + i64::from(minutes) * 60).contains(&into_shift) {
            return Status::Break;
        }
    }

    let position = at.ts + agent.segment_phase;
    let segment = position.div_euclid(agent.segment_len);
    let into_segment = position.rem_euclid(agent.segment_len);
    let h = keyed(agent.segment_key, segment);
    // The curve is read at the segment's start so a segment never changes its mind
    // halfway through a call.
    let busy = occupancy(at.second_of_day - into_segment) * agent.load;
    // Bits 32–63 decide busy, 0–15 pause, 16–31 the talk share of the segment.
    if unit(h >> 32 << 32) >= busy {
        return Status::Ready;
    }
    if h & 0xFFFF < 4600 {
        // ≈ 7% of busy segments
        return Status::Pause;
    }
    // Talk takes 72–86% of the segment, wrap-up the rest.
    let talk = agent.segment_len * spread((h >> 16) & 0xFFFF, 16, (72, 86)) / 100;
    if into_segment < talk {
        Status::InCall
    } else {
        Status::WrapUp
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn local_ts(center: &Center, date: (i32, u32, u32), h: u32, m: u32) -> i64 {
        let naive = NaiveDate::from_ymd_opt(date.0, date.1, date.2)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap();
        center
            .config()
            .timezone
            .from_local_datetime(&naive)
            .earliest()
            .unwrap()
            .timestamp()
    }

    #[test]
    fn occupancy_interpolates_between_half_hours() {
        assert_eq!(occupancy(11 * 3600 + 1800), 0.91);
        let at_noon = occupancy(12 * 3600);
        assert!((at_noon - (0.91 + 0.85) / 2.0).abs() < 1e-12);
        // Wraps at midnight: 00:00 is halfway between 23:30 and 00:30.
        assert!((occupancy(0) - (0.32 + 0.28) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn spread_covers_its_range() {
        assert_eq!(spread(0, 16, (-600, 600)), -600);
        assert_eq!(spread(0xFFFF, 16, (-600, 600)), 600);
        // Five bits reach the top 32nd of the range, not its very end.
        assert_eq!(spread(0x1F, 5, (-600, 600)), 563);
    }

    #[test]
    fn reference_agent_works_weekday_days_only() {
        let center = Center::new(CenterConfig::default());
        // Wednesday 2026-03-04: logged out at 06:00, in at 11:00, out at 20:00.
        let wed = (2026, 3, 4);
        assert_eq!(
            center.status(12345, local_ts(&center, wed, 6, 0)),
            Some(Status::LoggedOut)
        );
        assert!(
            center
                .status(12345, local_ts(&center, wed, 11, 0))
                .unwrap()
                .is_logged_in()
        );
        assert_eq!(
            center.status(12345, local_ts(&center, wed, 20, 0)),
            Some(Status::LoggedOut)
        );
        // Saturday: not at work.
        let sat = (2026, 3, 7);
        assert_eq!(
            center.status(12345, local_ts(&center, sat, 11, 0)),
            Some(Status::LoggedOut)
        );
        assert_eq!(center.status(99, 0), None);
    }

    #[test]
    fn evening_shifts_run_past_midnight_into_the_next_day() {
        let center = Center::new(CenterConfig::default());
        // Shifts starting 17:00 end at 01:30 (−5…+20 min), so at 01:00 on Thursday
        // the Wednesday 17:00 starters who came in are still logged in.
        let late: Vec<&Agent> = center
            .agents()
            .iter()
            .filter(|a| {
                a.shift().start_minute() == 1020 && a.shift().works_on(chrono::Weekday::Wed)
            })
            .collect();
        assert!(late.len() >= 10);
        let ts = local_ts(&center, (2026, 3, 5), 1, 0);
        let in_after_midnight = late
            .iter()
            .filter(|a| center.status(a.user_id(), ts).unwrap().is_logged_in())
            .count();
        // Absences (4%) may take a few out, but most are there.
        assert!(
            in_after_midnight * 10 >= late.len() * 7,
            "{in_after_midnight}/{}",
            late.len()
        );
    }

    #[test]
    fn night_shifts_start_the_evening_before() {
        let center = Center::new(CenterConfig::default());
        // Night agents who work Mondays (only) start Sunday 22:00–23:30.
        let monday_only_nights: Vec<&Agent> = center
            .agents()
            .iter()
            .filter(|a| {
                a.shift().kind() == roster::ShiftKind::Night
                    && a.shift().works_on(chrono::Weekday::Mon)
                    && !a.shift().works_on(chrono::Weekday::Sun)
            })
            .collect();
        assert!(!monday_only_nights.is_empty());
        let sunday_2350 = local_ts(&center, (2026, 3, 1), 23, 50);
        let in_sunday_night = monday_only_nights
            .iter()
            .filter(|a| {
                center
                    .status(a.user_id(), sunday_2350)
                    .unwrap()
                    .is_logged_in()
            })
            .count();
        assert!(in_sunday_night * 10 >= monday_only_nights.len() * 7);
    }

    #[test]
    fn count_agrees_with_snapshot_and_selection() {
        let center = Center::new(CenterConfig {
            seed: 3,
            ..CenterConfig::default()
        });
        let ts = local_ts(&center, (2026, 3, 4), 14, 45);
        let snapshot = center.snapshot(ts);
        for filter in [
            Filter::all(),
            Filter::campaign(111),
            Filter::queue(222),
            Filter::user(12345),
            Filter::skills(["Spanish"]),
            Filter::campaigns([112, 111, 999]),
            Filter::users([12345, 12001, 12345, 99]),
            Filter {
                campaign_id: Some(vec![111, 114]),
                queue_id: Some(vec![222, 225]),
                ..Filter::default()
            },
        ] {
            let counts = snapshot.count(&filter);
            assert_eq!(center.count(&filter, ts), counts, "{filter:?}");
            // Matched through the public accessors, independently of `Matcher`.
            let matches = |a: &Agent| {
                filter
                    .campaign_id
                    .as_ref()
                    .is_none_or(|c| c.contains(&a.campaign_id()))
                    && filter
                        .queue_id
                        .as_ref()
                        .is_none_or(|q| a.queue_ids().any(|id| q.contains(&id)))
                    && filter
                        .user_id
                        .as_ref()
                        .is_none_or(|u| u.contains(&a.user_id()))
                    && filter.skills.as_ref().is_none_or(|names| {
                        a.skills()
                            .any(|s| names.iter().any(|n| n.eq_ignore_ascii_case(s)))
                    })
            };
            let by_hand = snapshot.iter().filter(|(a, _)| matches(a)).fold(
                Counts::default(),
                |mut c, (_, s)| {
                    c.add(s);
                    c
                },
            );
            assert_eq!(by_hand, counts);
        }
    }

    #[test]
    fn unknown_ids_and_skills_select_nobody() {
        let center = Center::new(CenterConfig::default());
        assert!(center.select(&Filter::campaign(999)).is_empty());
        assert!(center.select(&Filter::queue(999)).is_empty());
        assert!(center.select(&Filter::user(999)).is_empty());
        assert!(center.select(&Filter::skills(["klingon"])).is_empty());
        assert!(
            center
                .select(&Filter::skills(Vec::<String>::new()))
                .is_empty()
        );
        assert_eq!(center.select(&Filter::all()).len(), 400);
        assert_eq!(center.select(&Filter::user(12345)).len(), 1);
    }

    #[test]
    fn extreme_instants_do_not_panic() {
        let center = Center::new(CenterConfig::default());
        for ts in [i64::MIN, i64::MIN / 2, -1, 0, i64::MAX / 2, i64::MAX] {
            let counts = center.snapshot(ts).count(&Filter::all());
            assert!(counts.available <= counts.logged_in);
        }
    }

    fn campaign_111_short_staffed(factor: f64, from: i64, until: i64) -> Scenario {
        Scenario {
            filter: Filter::campaign(111),
            available_factor: factor,
            from,
            until,
        }
    }

    #[test]
    fn a_zero_factor_scenario_takes_every_matching_ready_agent_off_ready() {
        let base = Center::new(CenterConfig::default());
        let from = local_ts(&base, (2026, 3, 4), 10, 0);
        let until = local_ts(&base, (2026, 3, 4), 12, 0);
        let short = base
            .clone()
            .with_scenarios(vec![campaign_111_short_staffed(0.0, from, until)])
            .unwrap();
        let inside = local_ts(&base, (2026, 3, 4), 11, 0);
        let before = base.snapshot(inside);
        let after = short.snapshot(inside);
        let mut turned = 0;
        for ((agent, was), (_, is)) in before.iter().zip(after.iter()) {
            if agent.campaign_id() == 111 && was == Status::Ready {
                assert_eq!(is, Status::Pause, "{}", agent.user_id());
                turned += 1;
            } else {
                assert_eq!(is, was, "{}", agent.user_id());
            }
        }
        assert!(turned > 0, "some Sales agents were ready at 11 AM");
        // Counted the same way by every path: nobody available in 111, as many logged in.
        let sales = Filter::campaign(111);
        let base_counts = base.count(&sales, inside);
        assert_eq!(
            short.count(&sales, inside),
            Counts {
                available: 0,
                logged_in: base_counts.logged_in
            }
        );
        assert_eq!(after.count(&sales), short.count(&sales, inside));
        assert_eq!(
            base.count(&Filter::campaign(112), inside),
            short.count(&Filter::campaign(112), inside)
        );
        // `until` is excluded, `from` included.
        assert_eq!(
            short.snapshot(until).statuses(),
            base.snapshot(until).statuses()
        );
        assert_eq!(short.count(&sales, from).available, 0);
        assert_eq!(
            short.snapshot(from - 1).statuses(),
            base.snapshot(from - 1).statuses()
        );
    }

    #[test]
    fn a_factor_keeps_about_that_share_ready_and_one_changes_nothing() {
        let base = Center::new(CenterConfig::default());
        let from = local_ts(&base, (2026, 3, 2), 0, 0);
        let until = local_ts(&base, (2026, 3, 7), 0, 0);
        let tenth = base
            .clone()
            .with_scenarios(vec![campaign_111_short_staffed(0.1, from, until)])
            .unwrap();
        let one = base
            .clone()
            .with_scenarios(vec![campaign_111_short_staffed(1.0, from, until)])
            .unwrap();
        let sales = Filter::campaign(111);
        let (mut kept, mut ready) = (0u64, 0u64);
        // Every 7 minutes through a working week: thousands of ready agent-instants.
        for ts in (from..until).step_by(420) {
            let b = base.count(&sales, ts);
            let t = tenth.count(&sales, ts);
            assert!(t.available <= b.available && t.logged_in == b.logged_in);
            assert_eq!(one.count(&sales, ts), b);
            kept += u64::from(t.available);
            ready += u64::from(b.available);
        }
        let share = kept as f64 / ready as f64;
        assert!(ready > 10_000, "{ready}");
        assert!((0.07..0.13).contains(&share), "{share}");
    }

    #[test]
    fn scenarios_are_deterministic_and_the_smallest_factor_wins() {
        let config = CenterConfig::default();
        let ts = local_ts(&Center::new(config.clone()), (2026, 3, 4), 11, 0);
        let scenarios = vec![
            campaign_111_short_staffed(0.5, ts - 60, ts + 60),
            Scenario {
                filter: Filter::all(),
                available_factor: 0.3,
                from: ts - 60,
                until: ts + 60,
            },
        ];
        let a = Center::new(config.clone())
            .with_scenarios(scenarios.clone())
            .unwrap();
        let b = Center::new(config.clone())
            .with_scenarios(scenarios)
            .unwrap();
        assert_eq!(a.snapshot(ts).statuses(), b.snapshot(ts).statuses());
        let alone = Center::new(config)
            .with_scenarios(vec![Scenario {
                filter: Filter::all(),
                available_factor: 0.3,
                from: ts - 60,
                until: ts + 60,
            }])
            .unwrap();
        assert_eq!(a.snapshot(ts).statuses(), alone.snapshot(ts).statuses());
    }

    #[test]
    fn clones_share_scenarios_until_given_their_own() {
        let center = Center::new(CenterConfig::default());
        let copy = center.clone();
        let ts = local_ts(&center, (2026, 3, 4), 11, 0);
        let scenario = campaign_111_short_staffed(0.0, ts, ts + 1);
        center.set_scenarios(vec![scenario.clone()]).unwrap();
        assert_eq!(copy.scenarios(), vec![scenario.clone()]);
        assert_eq!(copy.count(&Filter::campaign(111), ts).available, 0);
        let own = copy.clone().with_scenarios(Vec::new()).unwrap();
        assert!(own.scenarios().is_empty());
        assert_eq!(center.scenarios(), vec![scenario]);
        // A bad scenario is refused and changes nothing.
        let bad = campaign_111_short_staffed(2.0, ts, ts + 1);
        assert!(matches!(
            center.set_scenarios(vec![bad]),
            Err(Error::InvalidScenario {
                field: "available_factor",
                ..
            })
        ));
        assert_eq!(center.scenarios().len(), 1);
    }
}
