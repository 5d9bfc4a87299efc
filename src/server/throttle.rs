//! Login throttling: after too many failed logins for one e-mail, or from one client address,
//! further attempts get 429 with `Retry-After` until the window has passed. Guessing passwords
//! online then costs hours instead of seconds, and argon2 work per attacker stays bounded.
//! Registrations are limited per client address the same way (issue 13 saw 69 accounts in
//! 3 s from one client).
//!
//! The client address is `Request::remote` (`client_address`): `None` for a peer that stands
//! for many people, which is then counted per e-mail only.
//!
//! The counts live in the store, not in this process (issue 12): every replica in front of one
//! PostgreSQL database counts the same failures, so adding replicas does not multiply an
//! attacker's attempts, and a restart does not forgive them either.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use super::store::{Store, StoreError};
use crate::domain::Email;

#[derive(Debug, Clone, Copy)]
pub struct ThrottleConfig {
    /// Failures allowed per e-mail within `window`; 0 turns throttling off.
    pub per_email: u32,
    /// Failures allowed per client address within `window`.
    pub per_address: u32,
    pub window: Duration,
    /// Registrations allowed per client address within `REGISTRATION_WINDOW`; 0 is no limit.
    pub registrations_per_address: u32,
}

/// The window registrations per address are counted in.
pub const REGISTRATION_WINDOW: Duration = Duration::from_secs(60 * 60);

/// Why a login may not go ahead.
#[derive(Debug, thiserror::Error)]
pub enum Throttled {
    #[error("too many failed logins")]
    Wait(Duration),
    #[error("too many registrations from this address")]
    Registrations(Duration),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct LoginThrottle {
    config: ThrottleConfig,
}

impl LoginThrottle {
    pub fn new(config: ThrottleConfig) -> Self {
        Self { config }
    }

    /// `Wait(retry_after)` when this e-mail or address has used up its failures.
    pub fn check(
        &self,
        store: &dyn Store,
        email: &str,
        address: Option<IpAddr>,
    ) -> Result<(), Throttled> {
        if self.config.per_email == 0 {
            return Ok(());
        }
        let now = SystemTime::now();
        let email_wait = Self::wait(
            store,
            &email_key(email),
            self.config.per_email,
            self.config.window,
            now,
        )?;
        let address_wait = match address {
            Some(address) => Self::wait(
                store,
                &address_key(address),
                self.config.per_address,
                self.config.window,
                now,
            )?,
            None => None,
        };
        match email_wait.max(address_wait) {
            Some(wait) => Err(Throttled::Wait(wait)),
            None => Ok(()),
        }
    }

    pub fn record_failure(
        &self,
        store: &dyn Store,
        email: &str,
        address: Option<IpAddr>,
    ) -> Result<(), StoreError> {
        if self.config.per_email == 0 {
            return Ok(());
        }
        let now = SystemTime::now();
        store.record_login_failure(&email_key(email), now, self.config.window)?;
        if let Some(address) = address {
            store.record_login_failure(&address_key(address), now, self.config.window)?;
        }
        Ok(())
    }

    /// Counts a registration attempt from `address`, or `Registrations(retry_after)` when
    /// the address has used up its registrations for the hour. Attempts count, not accounts:
    /// each costs a password hash whether or not the e-mail is free.
    pub fn register(&self, store: &dyn Store, address: Option<IpAddr>) -> Result<(), Throttled> {
        let limit = self.config.registrations_per_address;
        let Some(address) = address.filter(|_| limit > 0) else {
            return Ok(());
        };
        let key = registration_key(address);
        let now = SystemTime::now();
        if let Some(wait) = Self::wait(store, &key, limit, REGISTRATION_WINDOW, now)? {
            return Err(Throttled::Registrations(wait));
        }
        store.record_login_failure(&key, now, REGISTRATION_WINDOW)?;
        Ok(())
    }

    /// A successful login forgives that e-mail's failures (not the address's: one address
    /// may be guessing many accounts).
    pub fn record_success(&self, store: &dyn Store, email: &str) -> Result<(), StoreError> {
        if self.config.per_email == 0 {
            return Ok(());
        }
        store.delete_login_failures(&email_key(email))
    }

    /// How long `key` must wait, if it has used up `limit` counts in `window`.
    fn wait(
        store: &dyn Store,
        key: &str,
        limit: u32,
        window: Duration,
        now: SystemTime,
    ) -> Result<Option<Duration>, StoreError> {
        let Some(failures) = store.find_login_failures(key, now - window)? else {
            return Ok(None);
        };
        let ends = failures.since + window;
        Ok(ends
            .duration_since(now)
            .ok()
            .filter(|left| !left.is_zero() && failures.count >= limit))
    }
}

/// Keys for the two kinds of count share one table; the prefixes keep them apart.
/// The e-mail as the store tells accounts apart (`Email::key`),
/// so failures of one account never lock out another that only a Unicode case fold would
/// confuse with it (issue 13).
fn email_key(email: &str) -> String {
    // A NUL would not fit PostgreSQL's TEXT; any stand-in keeps such guesses counted.
    let email = Email::key(email).replace('\0', "\u{fffd}");
    format!("email:{email}")
}

fn address_key(address: IpAddr) -> String {
    format!("address:{address}")
}

fn registration_key(address: IpAddr) -> String {
    format!("registration:{address}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::store::SqliteStore;

    fn throttle(
        per_email: u32,
        per_address: u32,
    ) -> (tempfile::TempDir, SqliteStore, LoginThrottle) {
        throttle_with(config(per_email, per_address))
    }

    /// A minute's window and three registrations an hour.
    fn config(per_email: u32, per_address: u32) -> ThrottleConfig {
        ThrottleConfig {
            per_email,
            per_address,
            window: Duration::from_secs(60),
            registrations_per_address: 3,
        }
    }

    fn throttle_with(config: ThrottleConfig) -> (tempfile::TempDir, SqliteStore, LoginThrottle) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
        (dir, store, LoginThrottle::new(config))
    }

    fn waits(result: Result<(), Throttled>) -> Option<Duration> {
        match result {
            Ok(()) => None,
            Err(Throttled::Wait(wait)) => Some(wait),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn an_email_is_blocked_after_its_failures_and_freed_by_success() {
        let (_dir, s, t) = throttle(3, 100);
        for _ in 0..3 {
            assert_eq!(waits(t.check(&s, "Ann@x.y", None)), None);
            t.record_failure(&s, "Ann@x.y", None).unwrap();
        }
        let wait = waits(t.check(&s, "ann@x.y", None)).unwrap();
        assert!(
            wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        assert_eq!(waits(t.check(&s, "bob@x.y", None)), None);
        t.record_success(&s, "ann@x.y").unwrap();
        assert_eq!(waits(t.check(&s, "ann@x.y", None)), None);
    }

    #[test]
    fn an_address_guessing_many_emails_is_blocked() {
        let (_dir, s, t) = throttle(100, 2);
        let addr: IpAddr = "192.0.2.9".parse().unwrap();
        t.record_failure(&s, "a@x.y", Some(addr)).unwrap();
        t.record_failure(&s, "b@x.y", Some(addr)).unwrap();
        assert!(waits(t.check(&s, "c@x.y", Some(addr))).is_some());
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        assert_eq!(waits(t.check(&s, "c@x.y", Some(other))), None);
    }

    #[test]
    fn an_address_registers_a_few_accounts_an_hour() {
        let (_dir, s, t) = throttle(10, 100);
        let addr: IpAddr = "192.0.2.9".parse().unwrap();
        for _ in 0..3 {
            t.register(&s, Some(addr)).unwrap();
        }
        match t.register(&s, Some(addr)) {
            Err(Throttled::Registrations(wait)) => {
                assert!(wait > Duration::from_secs(3500), "{wait:?}");
            }
            other => panic!("{other:?}"),
        }
        t.register(&s, Some("192.0.2.8".parse().unwrap())).unwrap();
        for _ in 0..5 {
            t.register(&s, None).unwrap();
        }
    }

    #[test]
    fn zero_registrations_per_address_is_no_limit() {
        let (_dir, s, t) = throttle_with(ThrottleConfig {
            registrations_per_address: 0,
            ..config(3, 3)
        });
        let addr: IpAddr = "192.0.2.9".parse().unwrap();
        for _ in 0..5 {
            t.register(&s, Some(addr)).unwrap();
        }
    }

    #[test]
    fn zero_turns_throttling_off() {
        let (_dir, s, t) = throttle(0, 0);
        for _ in 0..10 {
            t.record_failure(&s, "a@x.y", None).unwrap();
        }
        assert_eq!(waits(t.check(&s, "a@x.y", None)), None);
    }

    #[test]
    fn failures_outside_the_window_start_over() {
        let (_dir, s, t) = throttle(2, 100);
        let long_ago = SystemTime::now() - Duration::from_secs(120);
        for _ in 0..2 {
            s.record_login_failure("email:old@x.y", long_ago, Duration::from_secs(60))
                .unwrap();
        }
        assert_eq!(waits(t.check(&s, "old@x.y", None)), None);
        t.record_failure(&s, "old@x.y", None).unwrap();
        assert_eq!(
            waits(t.check(&s, "old@x.y", None)),
            None,
            "one failure in the new window"
        );
    }
}
