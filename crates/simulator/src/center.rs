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

use chrono::{DateTime, Offset, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;

use crate::filter::Filter;
use crate::hash::{keyed, unit};
use crate::roster::{self, Agent, CAMPAIGNS, Campaign, QUEUES, Queue, SKILLS};

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
/// of the instant.
#[derive(Clone, Debug)]
pub struct Center {
    config: CenterConfig,
    agents: Vec<Agent>,
}

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
        Center { config, agents }
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
        let words = self.agents.len().div_ceil(64);
        let mut snapshot = Snapshot {
            center: self,
            ts,
            statuses: Vec::with_capacity(self.agents.len()),
            logged_in: vec![0; words],
            available: vec![0; words],
        };
        for (i, agent) in self.agents.iter().enumerate() {
            let status = status_of(agent, &at);
            snapshot.logged_in[i / 64] |= u64::from(status.is_logged_in()) << (i % 64);
            snapshot.available[i / 64] |= u64::from(status.is_available()) << (i % 64);
            snapshot.statuses.push(status);
        }
        snapshot
    }

    /// One agent's status at `ts`, or `None` for an unknown user ID.
    pub fn status(&self, user_id: u64, ts: i64) -> Option<Status> {
        let agent = self.agent(user_id)?;
        Some(status_of(agent, &self.local(ts)))
    }

    /// The agents a filter matches.
    pub fn select(&self, filter: &Filter) -> Selection {
        let mut selection = Selection::none(self.agents.len());
        let Some(matcher) = Matcher::new(filter) else {
            return selection;
        };
        match filter.user_id {
            Some(user_id) => {
                if let Some(i) = self.index_of(user_id)
                    && matcher.matches(&self.agents[i])
                {
                    selection.insert(i);
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
        let mut counts = Counts::default();
        for i in self.select(filter).indices() {
            counts.add(status_of(&self.agents[i], &at));
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
    campaign: Option<u8>,
    queue_mask: Option<u8>,
    skill_mask: Option<u8>,
}

impl Matcher {
    /// `None` when the filter names an unknown campaign, queue or only unknown skills:
    /// it matches nobody.
    fn new(filter: &Filter) -> Option<Matcher> {
        let campaign = match filter.campaign_id {
            None => None,
            Some(id) => Some(u8::try_from(CAMPAIGNS.iter().position(|c| c.id == id)?).ok()?),
        };
        let queue_mask = match filter.queue_id {
            None => None,
            Some(id) => Some(1u8 << QUEUES.iter().position(|q| q.id == id)?),
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
            campaign,
            queue_mask,
            skill_mask,
        })
    }

    fn matches(&self, agent: &Agent) -> bool {
        self.campaign.is_none_or(|c| agent.campaign == c)
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
        ] {
            let counts = snapshot.count(&filter);
            assert_eq!(center.count(&filter, ts), counts, "{filter:?}");
            // Matched through the public accessors, independently of `Matcher`.
            let matches = |a: &Agent| {
                filter.campaign_id.is_none_or(|c| a.campaign_id() == c)
                    && filter
                        .queue_id
                        .is_none_or(|q| a.queue_ids().any(|id| id == q))
                    && filter.user_id.is_none_or(|u| a.user_id() == u)
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
}
