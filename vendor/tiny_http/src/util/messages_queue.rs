// canvass patch: `close()` so that dropping the Server releases queued requests (their
// connection threads wait for a response before reading on), poison-tolerant locking,
// a `pop_timeout` that waits for the remaining time rather than the full timeout
// again after a spurious wake-up, and `len()` for the queue's gauge (see PATCHES.md).

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

enum Control<T> {
    Elem(T),
    Unblock,
}

struct State<T> {
    queue: VecDeque<Control<T>>,
    closed: bool,
}

pub struct MessagesQueue<T>
where
    T: Send,
{
    state: Mutex<State<T>>,
    condvar: Condvar,
}

impl<T> MessagesQueue<T>
where
    T: Send,
{
    pub fn with_capacity(capacity: usize) -> Arc<MessagesQueue<T>> {
        Arc::new(MessagesQueue {
            state: Mutex::new(State {
                queue: VecDeque::with_capacity(capacity),
                closed: false,
            }),
            condvar: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Pushes an element to the queue. If the queue was closed, the element is handed
    /// back so that the caller drops it outside the lock.
    pub fn push(&self, value: T) -> Result<(), T> {
        let mut state = self.lock();
        if state.closed {
            return Err(value);
        }
        state.queue.push_back(Control::Elem(value));
        self.condvar.notify_one();
        Ok(())
    }

    /// How many elements wait to be popped (unblock signals not counted).
    pub fn len(&self) -> usize {
        let state = self.lock();
        state
            .queue
            .iter()
            .filter(|c| matches!(c, Control::Elem(_)))
            .count()
    }

    /// Unblock one thread stuck in pop loop.
    pub fn unblock(&self) {
        let mut state = self.lock();
        state.queue.push_back(Control::Unblock);
        self.condvar.notify_one();
    }

    /// Closes the queue: every queued element is dropped (outside the lock), later pushes
    /// are refused and every waiting thread is woken up.
    pub fn close(&self) {
        let drained: Vec<Control<T>> = {
            let mut state = self.lock();
            state.closed = true;
            state.queue.drain(..).collect()
        };
        self.condvar.notify_all();
        drop(drained);
    }

    /// Pops an element. Blocks until one is available.
    /// Returns None in case unblock() was issued or the queue was closed.
    pub fn pop(&self) -> Option<T> {
        let mut state = self.lock();

        loop {
            match state.queue.pop_front() {
                Some(Control::Elem(value)) => return Some(value),
                Some(Control::Unblock) => return None,
                None if state.closed => return None,
                None => (),
            }

            state = self
                .condvar
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Tries to pop an element without blocking.
    pub fn try_pop(&self) -> Option<T> {
        let mut state = self.lock();
        match state.queue.pop_front() {
            Some(Control::Elem(value)) => Some(value),
            Some(Control::Unblock) | None => None,
        }
    }

    /// Tries to pop an element without blocking
    /// more than the specified timeout duration
    /// or unblock() was issued
    pub fn pop_timeout(&self, timeout: Duration) -> Option<T> {
        let deadline = Instant::now().checked_add(timeout);
        let mut state = self.lock();
        loop {
            match state.queue.pop_front() {
                Some(Control::Elem(value)) => return Some(value),
                Some(Control::Unblock) => return None,
                None if state.closed => return None,
                None => (),
            }
            let wait = match deadline {
                Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => left,
                    _ => return None,
                },
                // a timeout too large to represent: wait in bounded steps
                None => Duration::from_secs(3600),
            };
            state = self
                .condvar
                .wait_timeout(state, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}
