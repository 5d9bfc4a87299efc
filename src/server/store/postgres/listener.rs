//! How one replica learns of another's writes, so its reply cache is never stale for long.
//!
//! Every write transaction calls `pg_notify(CHANNEL)`; PostgreSQL delivers it to every
//! listening session when (and only if) the transaction commits. Each replica keeps one
//! session listening and moves its generation on for every notification: a write on replica A
//! invalidates B's cache about a millisecond after A's commit.
//!
//! Notifications can be missed: while the listening session is down (it reconnects), or on an
//! engine without LISTEN (CockroachDB). So the generation also moves on every `MAX_STALENESS`
//! whatever happens: a cached reply is never older than that, at the price of one rebuild per
//! cached key per second. Losing the session only makes other replicas' writes show within
//! that second instead of a millisecond; caching stays on. (It was turned off while not
//! listening, and under CPU starvation a probe that timed out turned every read into database
//! work, a read storm: bench/README.md, 2026-12-02.)

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, Config, NoTls};

/// The notification channel every write signals on.
pub(super) const CHANNEL: &str = "canvass_writes";

/// The longest a reply cached on one replica can miss another replica's write.
pub(super) const MAX_STALENESS: Duration = Duration::from_secs(1);

/// How often the listening session is checked when no notification comes, and how long the
/// check may take: a session that died silently costs nothing but the millisecond visibility
/// (the tick still bounds staleness), so the check can be patient with a busy database.
const PROBE_EVERY: Duration = Duration::from_secs(5);
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// The low bits of a generation count `MAX_STALENESS` ticks; the high bits count writes.
const TICK_BITS: u32 = 24;

/// The store's write generation (see `Store::generation`), shared with the listening thread.
pub(super) struct Generation {
    writes: AtomicU64,
    started: Instant,
}

impl Generation {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            writes: AtomicU64::new(0),
            started: Instant::now(),
        })
    }

    /// A value that differs from any earlier one whenever a write may have happened since.
    pub fn current(&self) -> u64 {
        let ticks = self.started.elapsed().as_millis() / MAX_STALENESS.as_millis();
        let tick = u64::try_from(ticks).unwrap_or(u64::MAX) & ((1 << TICK_BITS) - 1);
        (self.writes.load(Ordering::Acquire) << TICK_BITS) | tick
    }

    /// Records a write: this replica's own, or one a notification told of.
    pub fn bump(&self) -> u64 {
        self.writes.fetch_add(1, Ordering::AcqRel) + 1
    }
}

/// Starts the thread that keeps a session listening for as long as the process runs.
pub(super) fn start(config: Config, generation: Arc<Generation>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("canvass-listen".into())
        .spawn(move || {
            let mut pause = FIRST_PAUSE;
            loop {
                let listened = Instant::now();
                let lost = listen(&config, &generation);
                // A session that lasted was healthy: start the backoff over. One line per
                // outage, not per attempt (a database that is down for an hour would
                // otherwise fill the log).
                if listened.elapsed() > MAX_PAUSE {
                    pause = FIRST_PAUSE;
                }
                if pause == FIRST_PAUSE
                    && let Err(e) = lost
                {
                    tracing::warn!(
                        "lost the database's write notifications ({e}); caching is off until \
                         the session is back"
                    );
                }
                wait(pause);
                pause = (pause * 2).min(MAX_PAUSE);
            }
        })?;
    Ok(())
}

/// Reconnecting backs off from this to `MAX_PAUSE`.
const FIRST_PAUSE: Duration = Duration::from_millis(200);
const MAX_PAUSE: Duration = Duration::from_secs(30);

/// Listens until the session fails.
fn listen(config: &Config, generation: &Generation) -> Result<(), postgres::Error> {
    let mut client: Client = config.connect(NoTls)?;
    client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    // Anything may have been written while nobody listened.
    generation.bump();
    loop {
        let mut seen = false;
        {
            let mut notifications = client.notifications();
            let mut waiting = notifications.timeout_iter(PROBE_EVERY);
            while waiting.next()?.is_some() {
                seen = true;
                generation.bump();
            }
        }
        // `None` means a quiet interval or a closed session; tell them apart.
        if !seen {
            client.is_valid(PROBE_TIMEOUT)?;
        }
    }
}

#[expect(
    clippy::disallowed_methods,
    reason = "reconnecting to a database that went away: there is no event to wait on"
)]
fn wait(pause: Duration) {
    std::thread::sleep(pause);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_listener_the_tick_still_bounds_staleness() {
        let generation = Generation::new();
        let before = generation.current();
        // Only a write or a tick moves it on: reads alone keep the cache useful.
        let again = generation.current();
        let tick = |g: u64| g & ((1 << TICK_BITS) - 1);
        assert!(again == before || tick(again) != tick(before));
        generation.bump();
        assert_ne!(generation.current(), before);
    }
}
