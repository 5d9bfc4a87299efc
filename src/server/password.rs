//! Password hashing with argon2id at OWASP's parameters, and the equal-work rule: a login for
//! an unknown e-mail verifies against a dummy hash, so timing does not reveal who has an account.

use std::sync::{Condvar, Mutex, PoisonError};

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, Version};

use crate::domain::Password;

/// OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;
const SALT_LEN: usize = 16;
const OUTPUT_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

fn hash_error(e: impl std::fmt::Display) -> HashError {
    HashError(e.to_string())
}

pub struct Passwords {
    params: Params,
    /// A real hash of a random password, verified against when the e-mail is unknown.
    dummy_hash: String,
    /// Argon2's working memory, one 19 MiB block set per hash allowed to run at once. Taking
    /// one is the admission ticket: at most one hash per two cores runs, so a burst of logins
    /// queues here instead of starving the workers that serve reads. Reusing the blocks keeps
    /// RSS flat: allocating them per hash made glibc keep each freed 19 MiB in a per-thread
    /// heap (measured: 45 MiB idle, 380 MiB after a few hundred logins).
    memory: MemoryPool,
}

impl Passwords {
    pub fn new() -> Result<Self, HashError> {
        let mut random = [0u8; SALT_LEN];
        getrandom::fill(&mut random).map_err(hash_error)?;
        let dummy = Password::parse(format!("{random:02x?}")).map_err(hash_error)?;
        Self::with_dummy(&dummy)
    }

    fn with_dummy(dummy: &Password) -> Result<Self, HashError> {
        let params =
            Params::new(MEMORY_KIB, PASSES, LANES, Some(OUTPUT_LEN)).map_err(hash_error)?;
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let memory = MemoryPool::new(hashes_at_once(cores));
        let mut passwords = Self {
            params,
            dummy_hash: String::new(),
            memory,
        };
        passwords.dummy_hash = passwords.hash(dummy)?;
        Ok(passwords)
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) with a fresh random salt.
    pub fn hash(&self, password: &Password) -> Result<String, HashError> {
        let mut salt = [0u8; SALT_LEN];
        getrandom::fill(&mut salt).map_err(hash_error)?;
        let mut out = [0u8; OUTPUT_LEN];
        self.compute(&self.params, password, &salt, &mut out)?;
        let salt = SaltString::encode_b64(&salt).map_err(hash_error)?;
        let phc = PasswordHash {
            algorithm: ARGON2ID_IDENT,
            version: Some(Version::V0x13.into()),
            params: (&self.params).try_into().map_err(hash_error)?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).map_err(hash_error)?),
        };
        Ok(phc.to_string())
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is no user,
    /// doing the same work either way. A corrupt stored hash never matches.
    pub fn verify(&self, password: &Password, stored: Option<&str>) -> bool {
        let target = stored.unwrap_or(&self.dummy_hash);
        let matches = self.matches(password, target).unwrap_or(false);
        matches && stored.is_some()
    }

    fn matches(&self, password: &Password, phc: &str) -> Result<bool, HashError> {
        let parsed = PasswordHash::new(phc).map_err(hash_error)?;
        if parsed.algorithm != ARGON2ID_IDENT {
            return Err(HashError(format!(
                "unsupported algorithm {}",
                parsed.algorithm
            )));
        }
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Err(HashError(
                "the stored hash lacks a salt or an output".into(),
            ));
        };
        let params = Params::try_from(&parsed).map_err(hash_error)?;
        let mut salt_bytes = [0u8; 64];
        let salt = salt.decode_b64(&mut salt_bytes).map_err(hash_error)?;
        let mut out = vec![0u8; expected.len()];
        self.compute(&params, password, salt, &mut out)?;
        // `Output`'s equality is constant-time.
        Ok(Output::new(&out).map_err(hash_error)? == expected)
    }

    fn compute(
        &self,
        params: &Params,
        password: &Password,
        salt: &[u8],
        out: &mut [u8],
    ) -> Result<(), HashError> {
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let mut memory = self.memory.take();
        argon
            .hash_password_into_with_memory(
                password.expose().as_bytes(),
                salt,
                out,
                memory.blocks(params.block_count()),
            )
            .map_err(hash_error)
    }
}

/// One hash per two cores, and at least one: the other core keeps serving reads while a burst
/// of logins hashes.
fn hashes_at_once(cores: usize) -> usize {
    (cores / 2).max(1)
}

/// Reusable argon2 working memory; `take` waits while every set is in use.
struct MemoryPool {
    free: Mutex<Vec<Vec<Block>>>,
    returned: Condvar,
}

struct Lease<'a> {
    pool: &'a MemoryPool,
    blocks: Vec<Block>,
}

impl MemoryPool {
    /// `sets` empty sets, each filled on first use.
    fn new(sets: usize) -> Self {
        Self {
            free: Mutex::new((0..sets).map(|_| Vec::new()).collect()),
            returned: Condvar::new(),
        }
    }

    fn take(&self) -> Lease<'_> {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(blocks) = free.pop() {
                return Lease { pool: self, blocks };
            }
            free = self
                .returned
                .wait(free)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl Lease<'_> {
    /// The first `count` blocks of the set. It grows on first use, or for a hash stored with
    /// bigger parameters than today's, and never shrinks: a set is sized for the biggest hash
    /// it has served.
    fn blocks(&mut self, count: usize) -> &mut [Block] {
        let len = count.max(self.blocks.len());
        self.blocks.resize(len, Block::default());
        &mut self.blocks[..count]
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let blocks = std::mem::take(&mut self.blocks);
        self.pool
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(blocks);
        self.pool.returned.notify_one();
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
        let dummy = Password::parse("the dummy".into()).unwrap();
        let passwords = Passwords::with_dummy(&dummy).unwrap();
        // The dummy hash is real: its password matches it, yet no unknown user gets in.
        assert!(passwords.verify(&dummy, Some(passwords.dummy_hash.as_str())));
        assert!(!passwords.verify(&dummy, None));
        assert!(!passwords.verify(&dummy, Some("not a hash")));
    }

    #[test]
    fn one_hash_runs_per_two_cores_and_always_at_least_one() {
        let at_once: Vec<usize> = [1, 2, 3, 4, 8, 9].map(hashes_at_once).into();
        assert_eq!(at_once, [1, 1, 1, 2, 4, 4]);
    }

    #[test]
    fn hashes_made_by_the_argon2_crate_itself_still_verify() {
        use argon2::password_hash::PasswordHasher as _;
        let pw = Password::parse("pw".into()).unwrap();
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let theirs = Argon2::default()
            .hash_password(b"pw", &salt)
            .unwrap()
            .to_string();
        let passwords = Passwords::new().unwrap();
        assert!(passwords.verify(&pw, Some(&theirs)));
        assert!(!passwords.verify(&Password::parse("no".into()).unwrap(), Some(&theirs)));
    }

    #[test]
    fn a_memory_set_goes_back_to_the_pool_when_its_hash_is_done() {
        let pool = MemoryPool::new(2);
        let free = || pool.free.lock().unwrap().len();
        let mut lease = pool.take();
        assert_eq!(lease.blocks(3).len(), 3);
        assert_eq!(free(), 1);
        drop(lease);
        assert_eq!(free(), 2);
        // The set comes back grown, so the next hash of its size allocates nothing.
        assert_eq!(pool.take().blocks.len(), 3);
    }

    #[test]
    fn a_hash_stored_with_more_memory_verifies_and_todays_hashes_still_do_after_it() {
        use argon2::password_hash::PasswordHasher as _;
        let pw = Password::parse("pw".into()).unwrap();
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let bigger = Params::new(2 * MEMORY_KIB, PASSES, LANES, None).unwrap();
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, bigger)
            .hash_password(b"pw", &salt)
            .unwrap()
            .to_string();
        let passwords = Passwords::with_dummy(&pw).unwrap();
        assert!(passwords.verify(&pw, Some(&theirs)));
        // The memory set has grown to twice today's size; a hash of today's size uses its
        // first half and still verifies.
        assert!(passwords.verify(&pw, Some(passwords.dummy_hash.as_str())));
        assert!(!passwords.verify(&Password::parse("no".into()).unwrap(), Some(&theirs)));
    }
}
