//! Where the client keeps its session tokens, one per server: an OS keyring that passed a
//! round-trip probe, or else a 0600 JSON file — and it always says which, and why.

mod file;
mod keyring;

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use self::file::TokenFile;
// Named through `os`: tests/layout.rs reads any `keyring::` path as the keyring crate, which
// only keyring.rs may use.
use self::keyring as os;
use self::os::{Keyring, KeyringFailure};
use super::jwt::Jwt;

/// Which store the user asked for: CANVASS_CREDENTIAL_STORE or `credential_store` in the config
/// file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StorePreference {
    /// The first keyring that works, else the file, saying why.
    #[default]
    Auto,
    /// A keyring or an error, never the file.
    Keyring,
    /// The file only; no keyring is touched (what the integration tests use).
    File,
}

impl FromStr for StorePreference {
    type Err = CredentialError;

    /// Fails with `UnknownStore`.
    fn from_str(value: &str) -> Result<Self, CredentialError> {
        match value {
            "auto" => Ok(StorePreference::Auto),
            "keyring" => Ok(StorePreference::Keyring),
            "file" => Ok(StorePreference::File),
            _ => Err(CredentialError::UnknownStore {
                value: value.to_owned(),
            }),
        }
    }
}

/// Where a token is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    Keyring { name: &'static str },
    File { path: PathBuf },
}

impl StoreLocation {
    pub fn is_file(&self) -> bool {
        matches!(self, StoreLocation::File { .. })
    }
}

impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::Keyring { name } => write!(f, "OS keyring ({name})"),
            StoreLocation::File { path } => write!(f, "file {}", path.display()),
        }
    }
}

/// Where `CredentialStore::save` put a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub location: StoreLocation,
    /// Why the keyring was not used, when the token went to the file in Auto mode (one line,
    /// e.g. "no keyring is available: Secret Service: no D-Bus session; kernel keyutils: access
    /// denied").
    pub fallback_reason: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("unknown credential store `{value}`: expected auto, keyring or file")]
    UnknownStore { value: String },
    #[error("no keyring is available: {reason}")]
    KeyringUnavailable { reason: String },
    #[error("the OS keyring ({store}) did not answer within {} s", os::KEYRING_TIMEOUT.as_secs())]
    KeyringTimeout { store: &'static str },
    #[error("the OS keyring ({store}) failed: {}", os::describe(source))]
    Keyring {
        store: &'static str,
        source: keyring_core::Error,
    },
    #[error("cannot read {path}: {source}")]
    FileRead { path: PathBuf, source: io::Error },
    #[error("cannot write {path}: {source}")]
    File { path: PathBuf, source: io::Error },
    #[error("{path} is not a JSON object of server URLs and tokens: delete it and log in again")]
    Corrupt { path: PathBuf },
    #[error(
        "{path} holds session tokens but other users can open it (mode {mode:04o}): \
         run `chmod 600 {path}`"
    )]
    InsecureFile { path: PathBuf, mode: u32 },
}

/// Keeps session tokens per server URL.
#[derive(Debug)]
pub struct CredentialStore {
    preference: StorePreference,
    file: PathBuf,
    /// What keyring entries are scoped by besides the server: the config directory. A
    /// keyring is per login session, not per HOME, so two HOMEs (a test account, a second
    /// profile) would otherwise share one login (issue 14, item 14). The file needs no scope:
    /// it lives under the data dir.
    scope: String,
    /// Keyrings whose probe passed in this process: a probe costs three calls, a save one.
    probed: Mutex<Vec<Keyring>>,
}

impl CredentialStore {
    /// `file` is the fallback file's path (the caller passes `<data dir>/canvass/credentials.json`);
    /// `scope` tells this configuration's keyring entries from another's (the caller passes
    /// the config directory). No I/O here.
    pub fn new(preference: StorePreference, file: PathBuf, scope: String) -> Self {
        CredentialStore {
            preference,
            file,
            scope,
            probed: Mutex::new(Vec::new()),
        }
    }

    /// The token kept for `server` (a normalized URL string like "http://127.0.0.1:5000"), and
    /// where it was found. Looks in the keyring first (unless preference is File), then in the
    /// file (unless preference is Keyring). Fails with `Keyring`/`KeyringTimeout` (Keyring mode
    /// only), `FileRead`, `InsecureFile` or `Corrupt`.
    pub fn load(&self, server: &str) -> Result<Option<(Jwt, StoreLocation)>, CredentialError> {
        // No probe here: `whoami` latency is benchmarked, and a keyring that lost a token
        // simply reads as "not logged in".
        let mut trouble = None;
        for keyring in self.keyrings().0 {
            match keyring.run(&self.entry(server), keyring_core::Entry::get_password) {
                Ok(token) => return Ok(Some((Jwt::new(token), keyring.location()))),
                Err(KeyringFailure::Failed(keyring_core::Error::NoEntry)) => {}
                Err(failure) => {
                    trouble.get_or_insert((keyring, failure));
                }
            }
        }
        match (self.preference, trouble) {
            (StorePreference::Keyring, Some((keyring, failure))) => {
                Err(failure.into_error(keyring))
            }
            (StorePreference::Keyring, None) => Ok(None),
            // Auto reads past a keyring it cannot use: a save then would have gone to the file.
            _ => Ok(self
                .token_file()
                .find(server)?
                .map(|token| (token, self.file_location()))),
        }
    }

    /// Keeps the token. Auto: first keyring that passes a probe, else the file with
    /// `fallback_reason` set. Keyring: a keyring or `KeyringUnavailable`/`KeyringTimeout` (never
    /// the file). File: the file. After saving to a keyring, removes any stale entry for that
    /// server from the file. File trouble fails with `File`, `FileRead`, `InsecureFile` or
    /// `Corrupt`.
    pub fn save(&self, server: &str, token: &Jwt) -> Result<Saved, CredentialError> {
        let (keyrings, mut reasons) = self.keyrings();
        let mut timed_out = None;
        for keyring in keyrings {
            match self.save_in(keyring, server, token) {
                Ok(()) => {
                    // Load prefers the keyring, but an older token must not linger in a file.
                    self.token_file().remove(server)?;
                    return Ok(Saved {
                        location: keyring.location(),
                        fallback_reason: None,
                    });
                }
                Err(failure) => {
                    if matches!(failure, KeyringFailure::TimedOut) {
                        timed_out.get_or_insert(keyring.name());
                    }
                    reasons.push(format!("{}: {failure}", keyring.name()));
                }
            }
        }
        let fallback_reason = match self.preference {
            StorePreference::File => None,
            StorePreference::Keyring => {
                return Err(match timed_out {
                    Some(store) => CredentialError::KeyringTimeout { store },
                    None => CredentialError::KeyringUnavailable {
                        reason: reasons.join("; "),
                    },
                });
            }
            StorePreference::Auto => Some(
                CredentialError::KeyringUnavailable {
                    reason: reasons.join("; "),
                }
                .to_string(),
            ),
        };
        self.token_file().insert(server, token)?;
        Ok(Saved {
            location: self.file_location(),
            fallback_reason,
        })
    }

    /// Forgets the token for `server` everywhere it may be (keyring and file). Returns where it
    /// was, if anywhere. Fails like `load`, or with `File` when the file cannot be rewritten.
    pub fn delete(&self, server: &str) -> Result<Option<StoreLocation>, CredentialError> {
        let mut found = None;
        for keyring in self.keyrings().0 {
            match keyring.run(&self.entry(server), os::delete_every_copy) {
                Ok(true) => {
                    found.get_or_insert(keyring.location());
                }
                Ok(false) => {}
                // As in `load`: Auto never kept a token in a keyring it cannot reach.
                Err(_) if self.preference == StorePreference::Auto => {}
                Err(failure) => return Err(failure.into_error(keyring)),
            }
        }
        if self.token_file().remove(server)? {
            found.get_or_insert(self.file_location());
        }
        Ok(found)
    }

    /// The keyrings this preference may use, best first, and why any others were passed over.
    fn keyrings(&self) -> (Vec<Keyring>, Vec<String>) {
        match self.preference {
            StorePreference::File => (Vec::new(), Vec::new()),
            StorePreference::Auto | StorePreference::Keyring => Keyring::candidates(),
        }
    }

    fn save_in(&self, keyring: Keyring, server: &str, token: &Jwt) -> Result<(), KeyringFailure> {
        {
            let mut probed = self.probed.lock().unwrap_or_else(PoisonError::into_inner);
            if !probed.contains(&keyring) {
                keyring.probe()?;
                probed.push(keyring);
            }
        }
        let token = token.as_str().to_owned();
        keyring.run(&self.entry(server), move |entry| entry.set_password(&token))
    }

    /// The keyring entry's user for `server`: `http://host:5000 in /home/ann/.config/canvass`.
    /// Entries canvass kept before they were scoped (the bare URL) are not read, since any
    /// HOME could read them; a login writes the scoped one.
    fn entry(&self, server: &str) -> String {
        format!("{server} in {}", self.scope)
    }

    fn token_file(&self) -> TokenFile<'_> {
        TokenFile { path: &self.file }
    }

    fn file_location(&self) -> StoreLocation {
        StoreLocation::File {
            path: self.file.clone(),
        }
    }
}

/// A number no other call in this process gets, for keyring probe values.
fn unique() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn file_store(dir: &tempfile::TempDir) -> (CredentialStore, PathBuf) {
        let path = dir.path().join("canvass").join("credentials.json");
        (
            CredentialStore::new(StorePreference::File, path.clone(), "test".to_owned()),
            path,
        )
    }

    /// A server name no other test or run uses, so keyring tests never collide.
    pub(super) fn unique_server(what: &str) -> String {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        format!(
            "http://{what}-{}-{nanos}-{}.canvass-test.invalid",
            std::process::id(),
            unique()
        )
    }

    #[test]
    fn the_file_preference_never_touches_the_keyring() {
        let dir = tempfile::tempdir().unwrap();
        let (store, path) = file_store(&dir);
        assert_eq!(store.keyrings(), (Vec::new(), Vec::new()));
        let server = unique_server("file-only");
        let saved = store.save(&server, &Jwt::new("a.b.c")).unwrap();
        assert!(saved.location.is_file());
        assert_eq!(saved.fallback_reason, None);
        assert!(store.load(&server).unwrap().unwrap().1.is_file());
        #[cfg(target_os = "linux")]
        assert!(
            Keyring::KeyUtils
                .run(&server, keyring_core::Entry::get_password)
                .is_err()
        );
        assert_eq!(
            store.delete(&server).unwrap(),
            Some(StoreLocation::File { path })
        );
        assert!(store.probed.lock().unwrap().is_empty());
    }

    #[test]
    fn store_preferences_parse_and_name_the_valid_values() {
        assert_eq!(
            "auto".parse::<StorePreference>().unwrap(),
            StorePreference::Auto
        );
        assert_eq!(
            "keyring".parse::<StorePreference>().unwrap(),
            StorePreference::Keyring
        );
        assert_eq!(
            "file".parse::<StorePreference>().unwrap(),
            StorePreference::File
        );
        let err = "vault".parse::<StorePreference>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown credential store `vault`: expected auto, keyring or file"
        );
    }
}
