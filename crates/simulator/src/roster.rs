//! Who works here: campaigns, queues, skills and agents with their weekly shifts.
//!
//! The roster is built once per seed. Its shape (how many agents each campaign has on
//! each shift) is fixed, so the center looks the same size for every seed; the seed
//! decides the details (who has which skills, user IDs, call rhythms).

use chrono::{NaiveTime, Weekday};

use crate::hash::{Rng, mix};

/// The first user ID; agents are numbered consecutively from here.
pub(crate) const FIRST_USER_ID: u64 = 12000;
/// The reference's example agent, pinned to campaign 111, queue 222, english + sales,
/// on a weekday day shift that it always works, so the reference's examples work
/// verbatim on every seed.
pub(crate) const REFERENCE_USER_ID: u64 = 12345;

/// Every skill, in the order of the bits of an agent's skill mask.
pub(crate) const SKILLS: [&str; 6] = [
    "english", "spanish", "french", "sales", "support", "billing",
];
const ENGLISH: u8 = 1 << 0;
const SPANISH: u8 = 1 << 1;
const FRENCH: u8 = 1 << 2;
const SALES: u8 = 1 << 3;
const SUPPORT: u8 = 1 << 4;
const BILLING: u8 = 1 << 5;

/// A campaign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Campaign {
    /// Its ID, as `campaign_id` takes it.
    pub id: u64,
    /// A human name, for documentation and the demo.
    pub name: &'static str,
}

/// A queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queue {
    /// Its ID, as `queue_id` takes it.
    pub id: u64,
    /// A human name, for documentation and the demo.
    pub name: &'static str,
}

pub(crate) const CAMPAIGNS: [Campaign; 4] = [
    Campaign {
        id: 111,
        name: "Sales",
    },
    Campaign {
        id: 112,
        name: "Customer Support",
    },
    Campaign {
        id: 113,
        name: "Billing",
    },
    Campaign {
        id: 114,
        name: "Retention",
    },
];

/// Every queue, in the order of the bits of an agent's queue mask.
pub(crate) const QUEUES: [Queue; 4] = [
    Queue {
        id: 222,
        name: "Sales Inbound",
    },
    Queue {
        id: 223,
        name: "Customer Support",
    },
    Queue {
        id: 224,
        name: "Billing",
    },
    Queue {
        id: 225,
        name: "Retention & Callbacks",
    },
];
const Q222: u8 = 1 << 0;
const Q223: u8 = 1 << 1;
const Q224: u8 = 1 << 2;
const Q225: u8 = 1 << 3;

/// How many agents each campaign has on each shift, and how hard it is loaded.
///
/// Sized from the reference's "Comparative Analysis" of campaign 111: a weekday works
/// 11/13 of a shift's agents (weekly patterns below) and 4% are absent, so 62 day-shift
/// agents give ≈ 50 logged in at 11 AM and 19 night agents ≈ 15 at 2 AM.
struct Plan {
    day: usize,
    evening: usize,
    night: usize,
    /// Scales the occupancy curve: campaigns other than Sales are a little quieter.
    load: f64,
}

const PLANS: [Plan; 4] = [
    Plan {
        day: 62,
        evening: 40,
        night: 19,
        load: 1.0,
    },
    Plan {
        day: 56,
        evening: 40,
        night: 15,
        load: 0.96,
    },
    Plan {
        day: 45,
        evening: 25,
        night: 8,
        load: 0.9,
    },
    Plan {
        day: 50,
        evening: 30,
        night: 10,
        load: 0.93,
    },
];

/// The kind of shift an agent works.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShiftKind {
    /// Starts 06:00–09:00.
    Day,
    /// Starts 14:00–17:00 and may run past midnight.
    Evening,
    /// Starts 22:00–23:30 the evening before its workday and ends 06:30–08:00.
    Night,
}

/// Shift length, lunch and short breaks included.
const SHIFT_MINUTES: i32 = 510;

impl ShiftKind {
    /// Start slots in minutes from the workday's local midnight; agents of a group are
    /// spread over them evenly.
    fn start_slots(self) -> &'static [i32] {
        match self {
            ShiftKind::Day => &[360, 390, 420, 450, 480, 510, 540],
            ShiftKind::Evening => &[840, 870, 900, 930, 960, 990, 1020],
            ShiftKind::Night => &[-120, -90, -60, -30],
        }
    }

    /// Breaks as (earliest start in minutes after login, spread of that start in
    /// minutes across agents, length in minutes): a short break, lunch, a short break.
    /// The night crew's first break is over by 2 AM and its lunch comes after 3 AM, so
    /// the quietest hour is quiet.
    fn break_plan(self) -> [(i32, i32, i32); 3] {
        match self {
            ShiftKind::Day | ShiftKind::Evening => [(110, 20, 15), (255, 60, 30), (390, 20, 15)],
            ShiftKind::Night => [(95, 20, 15), (300, 90, 30), (420, 20, 15)],
        }
    }
}

/// Weekly patterns as weekday bit masks (bit 0 = Monday). In each group of 13 agents,
/// 8 work Monday to Friday and 5 work weekends with two weekdays off, each weekday off
/// for 2 of them: 11 of 13 work any weekday and 5 of 13 any weekend day.
const PATTERNS: [u8; 13] = {
    const MON_FRI: u8 = 0b001_1111;
    const ALL: u8 = 0b111_1111;
    const fn off(a: u8, b: u8) -> u8 {
        ALL & !(1 << a) & !(1 << b)
    }
    [
        MON_FRI,
        MON_FRI,
        off(0, 1),
        MON_FRI,
        MON_FRI,
        off(1, 2),
        MON_FRI,
        MON_FRI,
        off(2, 3),
        MON_FRI,
        off(3, 4),
        MON_FRI,
        off(4, 0),
    ]
};

/// An agent's weekly shift, in the center's local wall-clock time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shift {
    kind: ShiftKind,
    start_minute: i32,
    workdays: u8,
    /// (minutes after login, length in minutes) of each break, before the day's jitter.
    breaks: [(i32, i32); 3],
}

impl Shift {
    /// Day, evening or night.
    pub fn kind(&self) -> ShiftKind {
        self.kind
    }

    /// Minutes from the workday's local midnight to the (planned) login; negative for
    /// a night shift, which starts the evening before the day it is counted for.
    pub fn start_minute(&self) -> i32 {
        self.start_minute
    }

    /// The planned login time on the wall clock.
    pub fn start_time(&self) -> NaiveTime {
        let minute = self.start_minute.rem_euclid(24 * 60) as u32;
        NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).unwrap()
    }

    /// The planned length, breaks included. Actual logins and logouts vary by a few
    /// minutes from day to day.
    pub fn length_minutes(&self) -> i32 {
        SHIFT_MINUTES
    }

    /// Whether the shift is worked on this weekday (for a night shift: the weekday it
    /// ends on).
    pub fn works_on(&self, day: Weekday) -> bool {
        self.works_on_index(day.num_days_from_monday())
    }

    pub(crate) fn works_on_index(&self, monday_based: u32) -> bool {
        self.workdays & (1 << monday_based) != 0
    }

    pub(crate) fn breaks(&self) -> &[(i32, i32); 3] {
        &self.breaks
    }
}

/// One agent: identity, assignments and shift. Its status at an instant comes from
/// [`crate::Center::snapshot`].
#[derive(Clone, Debug, PartialEq)]
pub struct Agent {
    pub(crate) user_id: u64,
    pub(crate) campaign: u8,
    pub(crate) queue_mask: u8,
    pub(crate) skill_mask: u8,
    pub(crate) shift: Shift,
    /// The reference's example agent never misses a workday.
    pub(crate) never_absent: bool,
    /// Scales the occupancy curve for this agent's campaign.
    pub(crate) load: f64,
    /// Per-agent hash keys, so status draws of different agents are independent.
    pub(crate) day_key: u64,
    pub(crate) segment_key: u64,
    /// Length (seconds) of this agent's call-sized time segments, and their phase.
    pub(crate) segment_len: i64,
    pub(crate) segment_phase: i64,
}

impl Agent {
    /// The user ID, as `user_id` takes it.
    pub fn user_id(&self) -> u64 {
        self.user_id
    }

    /// The campaign the agent works for.
    pub fn campaign_id(&self) -> u64 {
        CAMPAIGNS[usize::from(self.campaign)].id
    }

    /// The queues the agent takes work from.
    pub fn queue_ids(&self) -> impl Iterator<Item = u64> + '_ {
        QUEUES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.queue_mask & (1 << i) != 0)
            .map(|(_, q)| q.id)
    }

    /// The agent's skills, lowercase.
    pub fn skills(&self) -> impl Iterator<Item = &'static str> + '_ {
        SKILLS
            .iter()
            .enumerate()
            .filter(|(i, _)| self.skill_mask & (1 << i) != 0)
            .map(|(_, s)| *s)
    }

    /// The agent's weekly shift.
    pub fn shift(&self) -> &Shift {
        &self.shift
    }
}

/// A roster entry before user IDs and keys are assigned.
struct Draft {
    campaign: u8,
    kind: ShiftKind,
    start_minute: i32,
    workdays: u8,
    queue_mask: u8,
    skill_mask: u8,
}

/// Builds the roster for a seed, ordered by user ID.
pub(crate) fn agents(seed: u64) -> Vec<Agent> {
    let mut rng = Rng::new(seed ^ 0x05EE_D0FA_6E17);
    let mut drafts = Vec::new();
    for (campaign, plan) in PLANS.iter().enumerate() {
        let campaign = u8::try_from(campaign).unwrap();
        for (kind, count) in [
            (ShiftKind::Day, plan.day),
            (ShiftKind::Evening, plan.evening),
            (ShiftKind::Night, plan.night),
        ] {
            let slots = kind.start_slots();
            for i in 0..count {
                // Round-robin rather than random, so every slot and weekday is staffed
                // evenly whatever the seed.
                drafts.push(Draft {
                    campaign,
                    kind,
                    start_minute: slots[i % slots.len()],
                    workdays: PATTERNS[i % PATTERNS.len()],
                    queue_mask: queues_for(campaign, &mut rng),
                    skill_mask: skills_for(campaign, &mut rng),
                });
            }
        }
    }
    // Shuffle so that a user ID says nothing about campaign or shift.
    for i in (1..drafts.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        drafts.swap(i, j);
    }
    pin_reference_user(&mut drafts);

    drafts
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let user_id = FIRST_USER_ID + i as u64;
            let segment_len = 230 + rng.below(81) as i64;
            let breaks = d.kind.break_plan().map(|(earliest, spread, minutes)| {
                // In 5-minute steps, as a supervisor would plan them.
                let steps = u64::try_from(spread / 5 + 1).unwrap();
                (earliest + 5 * rng.below(steps) as i32, minutes)
            });
            Agent {
                user_id,
                campaign: d.campaign,
                queue_mask: d.queue_mask,
                skill_mask: d.skill_mask,
                shift: Shift {
                    kind: d.kind,
                    start_minute: d.start_minute,
                    workdays: d.workdays,
                    breaks,
                },
                never_absent: user_id == REFERENCE_USER_ID,
                load: PLANS[usize::from(d.campaign)].load,
                day_key: mix(seed ^ mix(user_id ^ 0xDA7)),
                segment_key: mix(seed ^ mix(user_id ^ 0x5E6)),
                segment_len,
                segment_phase: rng.below(segment_len as u64) as i64,
            }
        })
        .collect()
}

/// Puts a Sales day-shift agent at the reference's user ID and gives it exactly the
/// reference's attributes.
fn pin_reference_user(drafts: &mut [Draft]) {
    let at = usize::try_from(REFERENCE_USER_ID - FIRST_USER_ID).unwrap();
    let from = drafts
        .iter()
        .position(|d| d.campaign == 0 && d.kind == ShiftKind::Day && d.start_minute == 480)
        .expect("the plan has Sales day agents starting at 08:00");
    drafts.swap(at, from);
    let pinned = &mut drafts[at];
    pinned.workdays = PATTERNS[0];
    pinned.queue_mask = Q222;
    pinned.skill_mask = ENGLISH | SALES;
}

fn queues_for(campaign: u8, rng: &mut Rng) -> u8 {
    match campaign {
        0 => Q222 | if rng.chance(0.25) { Q225 } else { 0 },
        1 => Q223 | if rng.chance(0.20) { Q225 } else { 0 },
        2 => Q224 | if rng.chance(0.15) { Q223 } else { 0 },
        _ => Q225 | if rng.chance(0.40) { Q222 } else { 0 },
    }
}

fn skills_for(campaign: u8, rng: &mut Rng) -> u8 {
    let (trade, english, spanish, french) = match campaign {
        0 => (SALES, 0.92, 0.30, 0.04),
        1 => (SUPPORT, 0.95, 0.20, 0.12),
        2 => (
            BILLING | if rng.chance(0.30) { SUPPORT } else { 0 },
            0.95,
            0.18,
            0.05,
        ),
        _ => (SALES | SUPPORT, 0.95, 0.30, 0.05),
    };
    // Everyone speaks at least one language: who lacks English speaks Spanish.
    let languages = if rng.chance(english) {
        ENGLISH | if rng.chance(spanish) { SPANISH } else { 0 }
    } else {
        SPANISH
    };
    trade | languages | if rng.chance(french) { FRENCH } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_staff_weekdays_evenly_and_weekends_less() {
        for day in 0..7 {
            let working = PATTERNS.iter().filter(|p| *p & (1 << day) != 0).count();
            let expected = if day < 5 { 11 } else { 5 };
            assert_eq!(working, expected, "weekday {day}");
        }
        for p in PATTERNS {
            assert_eq!(p.count_ones(), 5, "everyone works five days");
        }
    }

    #[test]
    fn roster_has_the_planned_size_and_the_reference_agent() {
        for seed in [0, 1, 42] {
            let agents = agents(seed);
            assert_eq!(agents.len(), 400);
            let pinned = &agents[usize::try_from(REFERENCE_USER_ID - FIRST_USER_ID).unwrap()];
            assert_eq!(pinned.user_id(), 12345);
            assert_eq!(pinned.campaign_id(), 111);
            assert_eq!(pinned.queue_ids().collect::<Vec<_>>(), [222]);
            assert_eq!(pinned.skills().collect::<Vec<_>>(), ["english", "sales"]);
            assert_eq!(pinned.shift().kind(), ShiftKind::Day);
            assert_eq!(
                pinned.shift().start_time(),
                NaiveTime::from_hms_opt(8, 0, 0).unwrap()
            );
            assert!(pinned.shift().works_on(Weekday::Mon));
            assert!(!pinned.shift().works_on(Weekday::Sun));
            let sales = agents.iter().filter(|a| a.campaign_id() == 111).count();
            assert_eq!(sales, 62 + 40 + 19);
        }
    }

    #[test]
    fn everyone_has_a_language_a_trade_and_a_queue() {
        for agent in agents(7) {
            assert!(agent.skill_mask & (ENGLISH | SPANISH) != 0);
            assert!(agent.skill_mask & (SALES | SUPPORT | BILLING) != 0);
            assert!(agent.queue_mask != 0);
        }
    }
}
