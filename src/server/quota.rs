//! How many surveys one account may create per hour (issue 13: nothing stopped one account
//! from creating 200 surveys of 100 questions × 50 choices in seconds). Past the quota,
//! creating answers 429 with `Retry-After`.
//!
//! Counted in this process's memory: on PostgreSQL each replica counts on its own, so an
//! account gets the quota once per replica. That bounds the work one account can cause, which
//! is the point; login throttling, where an attacker's attempts matter, counts in the store.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::domain::UserId;

const WINDOW: Duration = Duration::from_secs(3600);

pub struct SurveyQuota {
    /// Surveys per account per hour; 0 is no limit.
    per_hour: u32,
    /// When each account's current window began and how many it has created in it.
    used: Mutex<HashMap<UserId, (Instant, u32)>>,
}

impl SurveyQuota {
    pub fn new(per_hour: u32) -> Self {
        SurveyQuota {
            per_hour,
            used: Mutex::default(),
        }
    }

    /// Takes one survey from `user`'s quota, or says how long until the window ends.
    pub fn take(&self, user: UserId) -> Result<(), Duration> {
        if self.per_hour == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut accounts = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        // Windows that have ended are forgotten, so the table holds recent creators only.
        if accounts.len() > 10_000 {
            accounts.retain(|_, (since, _)| now.duration_since(*since) < WINDOW);
        }
        let entry = accounts.entry(user).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_hour {
            return Err(WINDOW.saturating_sub(now.duration_since(entry.0)));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_gets_its_quota_and_then_a_wait_and_others_are_not_touched() {
        let quota = SurveyQuota::new(2);
        assert_eq!(quota.take(UserId(1)), Ok(()));
        assert_eq!(quota.take(UserId(1)), Ok(()));
        let wait = quota.take(UserId(1)).unwrap_err();
        assert!(
            wait > Duration::from_secs(3500) && wait <= WINDOW,
            "{wait:?}"
        );
        assert_eq!(quota.take(UserId(2)), Ok(()));
        let unlimited = SurveyQuota::new(0);
        assert!((0..100).all(|_| unlimited.take(UserId(1)).is_ok()));
    }
}
