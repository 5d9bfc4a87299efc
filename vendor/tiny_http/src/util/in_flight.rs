// canvass patch: new file. Responses are written by connection threads after the
// application's `respond()` returned (hazard 8, see PATCHES.md); this counts the ones not yet
// sent, so that a server shutting down can wait for them before the process exits.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How many responses were handed to connection threads and are not sent (or abandoned) yet.
#[derive(Default)]
pub struct InFlight {
    count: Mutex<usize>,
    idle: Condvar,
}

impl InFlight {
    /// Counts one response until the returned guard is dropped.
    pub fn start(this: &Arc<InFlight>) -> InFlightGuard {
        *this.count.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        InFlightGuard(Arc::clone(this))
    }

    /// Waits until no response is in flight, at most `timeout`; true if none is left.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        let mut count = self.count.lock().unwrap_or_else(PoisonError::into_inner);
        while *count > 0 {
            let left = match deadline {
                Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => left,
                    _ => return false,
                },
                // a timeout too large for an `Instant`: wait in long steps
                None => Duration::from_secs(3600),
            };
            count = self
                .idle
                .wait_timeout(count, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }
}

/// One response in flight; dropping it (sent, failed or abandoned) ends it.
pub struct InFlightGuard(Arc<InFlight>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        let mut count = self.0.count.lock().unwrap_or_else(PoisonError::into_inner);
        *count = count.saturating_sub(1);
        if *count == 0 {
            self.0.idle.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::InFlight;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn waits_for_the_last_guard() {
        let in_flight = Arc::new(InFlight::default());
        assert!(in_flight.wait_idle(Duration::ZERO));
        let guard = InFlight::start(&in_flight);
        assert!(!in_flight.wait_idle(Duration::from_millis(1)));
        let dropper = std::thread::spawn(move || drop(guard));
        assert!(in_flight.wait_idle(Duration::from_secs(10)));
        dropper.join().unwrap();
    }
}
