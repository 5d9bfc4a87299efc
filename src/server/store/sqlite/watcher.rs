//! Noticing other processes' commits. `canvass admin users delete` writes the database while
//! the server runs, and the reply cache must not go on serving what it deleted. SQLite's
//! `PRAGMA data_version` moves on whenever another connection commits; asking it on every
//! cached read would put a mutex and a query on the hottest path there is, so it is asked at
//! most every `EVERY`, by whichever reader comes first (the others keep the last answer).
//! Another process's commit is therefore seen within about `EVERY`, as PostgreSQL replicas
//! see each other's within their 1 s bound.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, TryLockError};
use std::time::{Duration, Instant};

use rusqlite::Connection;

/// How stale a reply may be after another process's commit.
pub const EVERY: Duration = Duration::from_millis(100);

pub struct CommitWatcher {
    /// Kept only to ask `PRAGMA data_version`.
    conn: Mutex<Connection>,
    /// The last answer.
    version: AtomicU64,
    /// When it was asked: milliseconds since `started`, plus one (0: never).
    asked: AtomicU64,
    started: Instant,
}

impl CommitWatcher {
    pub fn new(conn: Connection) -> Self {
        Self {
            conn: Mutex::new(conn),
            version: AtomicU64::new(0),
            asked: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    /// A number that differs after any commit by another connection, seen within `EVERY`.
    pub fn version(&self) -> rusqlite::Result<u64> {
        let now = u64::try_from(self.started.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        let asked = self.asked.load(Ordering::Acquire);
        let every = u64::try_from(EVERY.as_millis()).unwrap_or(u64::MAX);
        if asked != 0 && now.saturating_sub(asked) < every {
            return Ok(self.version.load(Ordering::Acquire));
        }
        let conn = match self.conn.try_lock() {
            Ok(conn) => conn,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            // Another reader is asking right now: its answer is as fresh as ours would be.
            Err(TryLockError::WouldBlock) if asked != 0 => {
                return Ok(self.version.load(Ordering::Acquire));
            }
            Err(TryLockError::WouldBlock) => self
                .conn
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        };
        let version: i64 = conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |row| row.get(0))?;
        let version = u64::try_from(version).unwrap_or(0);
        self.version.store(version, Ordering::Release);
        self.asked.store(now, Ordering::Release);
        Ok(version)
    }
}
