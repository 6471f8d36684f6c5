//! Bench section `alerts`: what evaluating alert rules adds to a collector tick. A
//! database of 1,000 targets (an hour of history each, some short-staffed now and
//! then) and 3 rules on every target (`available < 5`, `available_pct < 10` with
//! hysteresis, `no_data >= 10m`): after each tick's samples are stored (not measured),
//! one live evaluation round ([`headcount_alerts::Engine::round`]) is timed: reading
//! the new samples, stepping 3,000 machines, and storing what changed. The figure is
//! the median round; the slowest is shown beside it.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use headcount_alerts::Engine;
use headcount_config::Config;
use headcount_store::{Sample, Store, TargetId};

use super::{Bar, Bench, Figure, middle};

/// Targets evaluated.
const TARGETS: usize = 1_000;
/// Ticks measured (15 s apart).
const TICKS: usize = 60;
const QUICK_TICKS: usize = 15;
/// Ticks of history stored before the first round.
const HISTORY: i64 = 240;

/// A slot's `available` of 50 logged in: mostly 6 to 20, under 5 in runs.
fn available(target: usize, tick: i64) -> u32 {
    let t = tick.unsigned_abs() as usize;
    let h = (target.wrapping_mul(2_654_435_761) ^ t.wrapping_mul(40_503)) % 97;
    if (t / 20 + target).is_multiple_of(7) {
        (h % 5) as u32
    } else {
        6 + (h % 15) as u32
    }
}

fn config(dir: &std::path::Path) -> anyhow::Result<Config> {
    let mut text = format!(
        "[upstream]\nbase_url = \"http://127.0.0.1:9/v1\"\n[storage]\npath = {:?}\n",
        dir.join("alerts.db")
    );
    for i in 0..TARGETS {
        writeln!(
            text,
            "[[target]]\nname = \"t{i:04}\"\ncampaign_id = {}",
            i + 1
        )?;
    }
    text.push_str(
        "[[alert]]\nname = \"short\"\nwhen = \"available < 5\"\nfor = \"1m\"\n\
         [[alert]]\nname = \"thin\"\nwhen = \"available_pct < 10\"\nfor = \"2m\"\n\
         recover_when = \"available_pct >= 20\"\nrecover_for = \"5m\"\n\
         [[alert]]\nname = \"silent\"\nwhen = \"no_data >= 10m\"\n",
    );
    Ok(Config::parse(&text, dir)?)
}

/// Times the rounds; see the module doc.
pub fn run(bench: &mut Bench) -> anyhow::Result<Vec<Figure>> {
    let ticks = if bench.scope.quick {
        QUICK_TICKS
    } else {
        TICKS
    };
    let config = config(bench.dir.path())?;
    let mut store = Store::open(&config.storage.path)?;
    // An hour before a whole minute, so slots fall on the schedule.
    let start = (chrono::Utc::now().timestamp() / 60) * 60 - HISTORY * 15;
    let ids: Vec<TargetId> = config
        .targets
        .iter()
        .map(|t| store.ensure_target(&t.name, &t.filters_json(), start))
        .collect::<Result<_, _>>()?;
    let write = |store: &mut Store, tick: i64| -> anyhow::Result<()> {
        let ts = start + 15 * tick;
        let batch: Vec<Sample> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| Sample::ok(*id, ts, available(i, tick), 50, Some(40)))
            .collect();
        store.write_batch(&batch)?;
        Ok(())
    };
    let settle = 10;
    let mut engine = Engine::open(&config, &config.storage.path)?;
    // The machines are created (and stored) at the first round, watching from then.
    engine.round(start, start * 1000)?;
    for tick in 0..HISTORY {
        write(&mut store, tick)?;
    }
    // The hour of history in one round (not measured): the live state at "now".
    let now = start + 15 * (HISTORY - 1) + settle;
    engine.round(now, now * 1000)?;
    let mut times = Vec::with_capacity(ticks);
    let mut fired = 0;
    for k in 0..ticks as i64 {
        let tick = HISTORY + k;
        write(&mut store, tick)?;
        let now = start + 15 * tick + settle;
        let t = Instant::now();
        let r = engine.round(now, now * 1000)?;
        times.push(t.elapsed());
        fired += r.fired;
        anyhow::ensure!(
            r.steps == 3 * TARGETS as u64,
            "round {k}: stepped {} samples, expected {}",
            r.steps,
            3 * TARGETS
        );
    }
    let slowest = times.iter().max().copied().unwrap_or(Duration::ZERO);
    let median = middle(&mut times);
    Ok(vec![
        Figure::with_bar(
            format!(
                "alerts: 3 rules × {} targets, one tick's evaluation, median of {ticks}",
                crate::fmt::count(TARGETS as u64)
            ),
            super::ms(median),
            "ms",
            Bar::AtMost(10.0),
        ),
        Figure::info("  slowest round", super::ms(slowest), "ms"),
        Figure::info("  alerts fired while measured", fired as f64, "alerts"),
    ])
}
