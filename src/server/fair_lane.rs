//! The login lane: requests that hash a password wait here for their own workers. Issue 13
//! saw one address flood it — 80 loops of logins with random e-mails — until a legitimate
//! login failed 48 times in 48. So each client address may hold only a share of the places,
//! and the workers take from the waiting addresses in turn: a login from elsewhere waits for
//! at most one request per busy address, however many the flood has queued.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Condvar, Mutex, PoisonError};

/// A bounded queue served round-robin by client address.
pub struct FairLane<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
    capacity: usize,
    per_address: usize,
}

struct State<T> {
    /// Keyed by client address; `None` holds requests no address can be told for (see
    /// `client_address`), which share the whole capacity, as before there was a share.
    queues: HashMap<Option<IpAddr>, VecDeque<T>>,
    /// Addresses with something waiting, in the order they are served next.
    turn: VecDeque<Option<IpAddr>>,
    len: usize,
    closed: bool,
}

impl<T> FairLane<T> {
    /// `capacity` places in all; one address may take an eighth of them (at least one).
    pub fn new(capacity: usize) -> Self {
        FairLane {
            state: Mutex::new(State {
                queues: HashMap::new(),
                turn: VecDeque::new(),
                len: 0,
                closed: false,
            }),
            ready: Condvar::new(),
            capacity,
            per_address: (capacity / 8).max(1),
        }
    }

    /// Queues `item`, or gives it back when the lane, or this address's share, is full (or
    /// the lane is closed).
    pub fn push(&self, address: Option<IpAddr>, item: T) -> Result<(), T> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let waiting = state.queues.get(&address).map_or(0, VecDeque::len);
        let share_full = address.is_some() && waiting >= self.per_address;
        if state.closed || state.len >= self.capacity || share_full {
            return Err(item);
        }
        if waiting == 0 {
            state.turn.push_back(address);
        }
        state.queues.entry(address).or_default().push_back(item);
        state.len += 1;
        drop(state);
        self.ready.notify_one();
        Ok(())
    }

    /// How many items wait, for the queue's gauge: takes the lock, so not per request.
    pub fn len(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len
    }

    /// The next item, from the address whose turn it is; waits while the lane is empty.
    /// `None` once the lane is closed and empty.
    pub fn pop(&self) -> Option<T> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(address) = state.turn.pop_front() {
                let queue = state.queues.get_mut(&address)?;
                let item = queue.pop_front()?;
                if queue.is_empty() {
                    state.queues.remove(&address);
                } else {
                    state.turn.push_back(address);
                }
                state.len -= 1;
                return Some(item);
            }
            if state.closed {
                return None;
            }
            state = self
                .ready
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// No more pushes; poppers drain what waits, then get `None`.
    pub fn close(&self) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .closed = true;
        self.ready.notify_all();
    }
}

#[cfg(test)]
#[expect(
    clippy::unnecessary_wraps,
    reason = "`at` gives the lane's key type, which is an Option"
)]
mod tests {
    use super::*;

    fn at(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([192, 0, 2, last]))
    }

    #[test]
    fn a_flood_from_one_address_takes_its_share_and_waits_its_turn() {
        let lane = FairLane::new(16);
        let flood: Vec<_> = (0..10).map(|n| lane.push(at(1), n)).collect();
        assert_eq!(
            flood.iter().filter(|pushed| pushed.is_ok()).count(),
            2,
            "an eighth of 16"
        );
        lane.push(at(2), 100).unwrap();
        assert_eq!(lane.pop(), Some(0));
        assert_eq!(lane.pop(), Some(100), "the other address is next");
        assert_eq!(lane.pop(), Some(1));
    }

    #[test]
    fn requests_without_an_address_share_the_whole_lane() {
        let lane = FairLane::new(4);
        for n in 0..4 {
            lane.push(None, n).unwrap();
        }
        assert_eq!(lane.push(at(1), 9), Err(9), "full is full");
        lane.close();
        assert_eq!(
            std::iter::from_fn(|| lane.pop()).collect::<Vec<_>>(),
            [0, 1, 2, 3]
        );
        assert_eq!(lane.push(None, 5), Err(5), "closed");
    }

    #[test]
    fn a_waiting_worker_wakes_for_a_push_and_for_close() {
        let lane = std::sync::Arc::new(FairLane::new(4));
        let worker = {
            let lane = std::sync::Arc::clone(&lane);
            std::thread::spawn(move || (lane.pop(), lane.pop()))
        };
        lane.push(at(1), 7).unwrap();
        lane.close();
        assert_eq!(worker.join().unwrap(), (Some(7), None));
    }
}
