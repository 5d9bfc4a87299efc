//! Login throttling: after too many failed logins for one e-mail, or from one client address,
//! further attempts get 429 with `Retry-After` until the window has passed. Guessing passwords
//! online then costs hours instead of seconds, and argon2 work per attacker stays bounded.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Tracked keys are pruned once a table grows past this, so a spray of random e-mails or
/// addresses cannot grow memory without bound.
const PRUNE_AT: usize = 10_000;

#[derive(Debug, Clone, Copy)]
pub struct ThrottleConfig {
    /// Failures allowed per e-mail within `window`; 0 turns throttling off.
    pub per_email: u32,
    /// Failures allowed per client address within `window`.
    pub per_address: u32,
    pub window: Duration,
}

pub struct LoginThrottle {
    config: ThrottleConfig,
    emails: Mutex<HashMap<String, Failures>>,
    addresses: Mutex<HashMap<IpAddr, Failures>>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    since: Instant,
}

impl LoginThrottle {
    pub fn new(config: ThrottleConfig) -> Self {
        Self {
            config,
            emails: Mutex::default(),
            addresses: Mutex::default(),
        }
    }

    /// `Err(retry_after)` when this e-mail or address has used up its failures.
    pub fn check(&self, email: &str, address: Option<IpAddr>) -> Result<(), Duration> {
        let address = address.filter(counts_per_address);
        if self.config.per_email == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let email_wait = blocked(
            &self.emails,
            &email.to_lowercase(),
            self.config.per_email,
            self.config.window,
            now,
        );
        let address_wait = address.and_then(|a| {
            blocked(
                &self.addresses,
                &a,
                self.config.per_address,
                self.config.window,
                now,
            )
        });
        match email_wait.max(address_wait) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    pub fn record_failure(&self, email: &str, address: Option<IpAddr>) {
        let address = address.filter(counts_per_address);
        if self.config.per_email == 0 {
            return;
        }
        let now = Instant::now();
        bump(&self.emails, email.to_lowercase(), self.config.window, now);
        if let Some(address) = address {
            bump(&self.addresses, address, self.config.window, now);
        }
    }

    /// A successful login forgives that e-mail's failures (not the address's: one address
    /// may be guessing many accounts).
    pub fn record_success(&self, email: &str) {
        lock(&self.emails).remove(&email.to_lowercase());
    }
}

/// Loopback is left out of the per-address count: there it is usually a reverse proxy in
/// front of every user (or the operator's own scripts), and one shared count would lock out
/// everybody behind it. Per-e-mail limits still apply.
fn counts_per_address(address: &IpAddr) -> bool {
    !address.is_loopback()
}

fn lock<K, V>(table: &Mutex<HashMap<K, V>>) -> std::sync::MutexGuard<'_, HashMap<K, V>> {
    table.lock().unwrap_or_else(PoisonError::into_inner)
}

fn blocked<K: Hash + Eq>(
    table: &Mutex<HashMap<K, Failures>>,
    key: &K,
    limit: u32,
    window: Duration,
    now: Instant,
) -> Option<Duration> {
    let failures = *lock(table).get(key)?;
    let elapsed = now.duration_since(failures.since);
    let left = window.checked_sub(elapsed).filter(|left| !left.is_zero());
    left.filter(|_| failures.count >= limit)
}

fn bump<K: Hash + Eq>(table: &Mutex<HashMap<K, Failures>>, key: K, window: Duration, now: Instant) {
    let mut table = lock(table);
    if table.len() >= PRUNE_AT {
        table.retain(|_, f| now.duration_since(f.since) < window);
    }
    let entry = table.entry(key).or_insert(Failures {
        count: 0,
        since: now,
    });
    // A window that has passed starts over.
    if now.duration_since(entry.since) >= window {
        *entry = Failures {
            count: 0,
            since: now,
        };
    }
    entry.count = entry.count.saturating_add(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle(per_email: u32, per_address: u32) -> LoginThrottle {
        LoginThrottle::new(ThrottleConfig {
            per_email,
            per_address,
            window: Duration::from_secs(60),
        })
    }

    #[test]
    fn an_email_is_blocked_after_its_failures_and_freed_by_success() {
        let t = throttle(3, 100);
        for _ in 0..3 {
            assert!(t.check("Ann@x.y", None).is_ok());
            t.record_failure("Ann@x.y", None);
        }
        let wait = t.check("ann@x.y", None).unwrap_err();
        assert!(
            wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        assert!(t.check("bob@x.y", None).is_ok());
        t.record_success("ann@x.y");
        assert!(t.check("ann@x.y", None).is_ok());
    }

    #[test]
    fn an_address_guessing_many_emails_is_blocked() {
        let t = throttle(100, 2);
        let addr: IpAddr = "192.0.2.9".parse().unwrap();
        t.record_failure("a@x.y", Some(addr));
        t.record_failure("b@x.y", Some(addr));
        assert!(t.check("c@x.y", Some(addr)).is_err());
        assert!(t.check("c@x.y", Some("192.0.2.8".parse().unwrap())).is_ok());
    }

    #[test]
    fn loopback_is_not_counted_per_address() {
        let t = throttle(100, 2);
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        for n in 0..5 {
            t.record_failure(&format!("u{n}@x.y"), Some(local));
        }
        assert!(t.check("new@x.y", Some(local)).is_ok());
        assert!(t.check("new@x.y", Some("::1".parse().unwrap())).is_ok());
    }

    #[test]
    fn zero_turns_throttling_off() {
        let t = throttle(0, 0);
        for _ in 0..10 {
            t.record_failure("a@x.y", None);
        }
        assert!(t.check("a@x.y", None).is_ok());
    }
}
