//! Password hashing with argon2id at OWASP's parameters, and the equal-work rule: a login for
//! an unknown e-mail verifies against a dummy hash, so timing does not reveal who has an account.

use std::sync::{Condvar, Mutex, PoisonError};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::domain::Password;

/// OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

pub struct Passwords {
    argon: Argon2<'static>,
    /// A real hash of a random password, verified against when the e-mail is unknown.
    dummy_hash: String,
    /// Hashing is CPU- and memory-heavy; at most one per two cores runs at a time, so a burst
    /// of logins queues here instead of starving the workers that serve reads.
    permits: Permits,
}

impl Passwords {
    pub fn new() -> Result<Self, HashError> {
        let params =
            Params::new(MEMORY_KIB, PASSES, LANES, None).map_err(|e| HashError(e.to_string()))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let dummy_salt = fresh_salt()?;
        let dummy_hash = argon
            .hash_password(dummy_salt.as_str().as_bytes(), &dummy_salt)
            .map_err(|e| HashError(e.to_string()))?
            .to_string();
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Ok(Self {
            argon,
            dummy_hash,
            permits: Permits::new((cores / 2).max(1)),
        })
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) with a fresh random salt.
    pub fn hash(&self, password: &Password) -> Result<String, HashError> {
        let salt = fresh_salt()?;
        let _permit = self.permits.acquire();
        self.argon
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError(e.to_string()))
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is no user,
    /// doing the same work either way. A corrupt stored hash never matches.
    pub fn verify(&self, password: &Password, stored: Option<&str>) -> bool {
        let target = stored.unwrap_or(&self.dummy_hash);
        let Ok(parsed) = PasswordHash::new(target) else {
            return false;
        };
        let _permit = self.permits.acquire();
        let matches = self
            .argon
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_ok();
        matches && stored.is_some()
    }
}

/// 16 random bytes from the OS, as argon2's salt.
fn fresh_salt() -> Result<SaltString, HashError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| HashError(e.to_string()))?;
    SaltString::encode_b64(&bytes).map_err(|e| HashError(e.to_string()))
}

/// A counting semaphore; std has none.
struct Permits {
    free: Mutex<usize>,
    returned: Condvar,
}

struct Permit<'a>(&'a Permits);

impl Permits {
    fn new(n: usize) -> Self {
        Self {
            free: Mutex::new(n.max(1)),
            returned: Condvar::new(),
        }
    }

    fn acquire(&self) -> Permit<'_> {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        while *free == 0 {
            free = self
                .returned
                .wait(free)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *free -= 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        self.0.returned.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let passwords = Passwords::new().unwrap();
        let pw = Password::parse("correct horse".into()).unwrap();
        let hash = passwords.hash(&pw).unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(passwords.verify(&pw, Some(&hash)));
        assert!(!passwords.verify(&Password::parse("wrong".into()).unwrap(), Some(&hash)));
    }

    #[test]
    fn the_dummy_hash_that_unknown_users_verify_against_costs_what_a_real_one_costs() {
        // Equal work is what hides which e-mails have accounts; prove it on the parameters
        // rather than on the clock.
        let passwords = Passwords::new().unwrap();
        let real = passwords
            .hash(&Password::parse("pw".into()).unwrap())
            .unwrap();
        let (real, dummy) = (
            PasswordHash::new(&real).unwrap(),
            PasswordHash::new(&passwords.dummy_hash).unwrap(),
        );
        assert_eq!(real.algorithm, dummy.algorithm);
        assert_eq!(real.version, dummy.version);
        assert_eq!(real.params, dummy.params);
        assert_eq!(real.hash.map(|h| h.len()), dummy.hash.map(|h| h.len()));
    }

    #[test]
    fn an_unknown_user_never_verifies_even_with_the_dummy_password() {
        let passwords = Passwords::new().unwrap();
        let dummy = passwords.dummy_hash.clone();
        // The dummy hash's password is its salt; even that must not log anyone in.
        let salt = PasswordHash::new(&dummy)
            .unwrap()
            .salt
            .unwrap()
            .as_str()
            .to_owned();
        assert!(!passwords.verify(&Password::parse(salt).unwrap(), None));
        assert!(!passwords.verify(&Password::parse("x".into()).unwrap(), Some("not a hash")));
    }
}
