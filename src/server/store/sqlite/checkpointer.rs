//! Checkpoints on a thread of their own. In WAL mode every commit appends to the log, and a
//! checkpoint copies the log back into the database file (and is when the log is fsynced,
//! `synchronous=NORMAL`). SQLite runs it inside whichever commit pushes the log past 1,000
//! pages: for the response writer, a tenth of its time, all of it while every vote waiting
//! on that batch waits too (issue 18's profile). The writer's connection therefore never
//! checkpoints itself; this thread does, `PASSIVE` (never blocking a writer or a reader),
//! whenever the writer has committed since, at most every `EVERY`.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use rusqlite::Connection;

use super::Commits;
use crate::server::store::StoreError;

/// How often the log is checkpointed under load: a few seconds of writes at most between
/// fsyncs, a small log to search on reads.
pub const EVERY: Duration = Duration::from_millis(200);

/// Stops the thread when dropped (with the store).
pub struct Checkpointer {
    _stop: Sender<()>,
}

impl Checkpointer {
    /// Checkpoints through `conn` whenever the store's commits move on.
    pub fn start(conn: Connection, commits: Arc<Commits>) -> Result<Self, StoreError> {
        let (stop, stopped) = channel();
        std::thread::Builder::new()
            .name("canvass-checkpoint".into())
            .spawn(move || run(&conn, &commits, &stopped))
            .map_err(StoreError::backend)?;
        Ok(Self { _stop: stop })
    }
}

fn run(conn: &Connection, commits: &Commits, stopped: &Receiver<()>) {
    let mut done = commits.generation.load(Ordering::Acquire);
    loop {
        match stopped.recv_timeout(EVERY) {
            Err(RecvTimeoutError::Timeout) => {}
            // The store is gone (nothing is ever sent): one last checkpoint, then stop.
            Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                checkpoint(conn);
                return;
            }
        }
        let now = commits.generation.load(Ordering::Acquire);
        if now != done {
            done = now;
            checkpoint(conn);
        }
    }
}

fn checkpoint(conn: &Connection) {
    let result = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        row.get::<_, i64>(0)
    });
    if let Err(e) = result {
        tracing::warn!("checkpointing the write-ahead log failed: {e}");
    }
}
