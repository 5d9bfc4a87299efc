//! Where the client keeps its session tokens, one per server: an OS keyring that passed a
//! round-trip probe, or else a 0600 JSON file — and it always says which, and why.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use super::jwt::Jwt;

/// The keyring service every entry is filed under; the entry's user is the server URL.
const SERVICE: &str = "canvass";
/// The entry the probe writes, reads back and deletes.
const PROBE_USER: &str = "canvass-probe";
/// How long one keyring call may take: a hung D-Bus must not hang the CLI.
const KEYRING_TIMEOUT: Duration = Duration::from_secs(3);

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
    #[error("the OS keyring ({store}) did not answer within {} s", KEYRING_TIMEOUT.as_secs())]
    KeyringTimeout { store: &'static str },
    #[error("the OS keyring ({store}) failed: {}", describe(source))]
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
    /// Keyrings whose probe passed in this process: a probe costs three calls, a save one.
    probed: Mutex<Vec<Keyring>>,
}

impl CredentialStore {
    /// `file` is the fallback file's path (the caller passes `<data dir>/canvass/credentials.json`).
    /// No I/O here.
    pub fn new(preference: StorePreference, file: PathBuf) -> Self {
        CredentialStore {
            preference,
            file,
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
            match keyring.run(server, keyring_core::Entry::get_password) {
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
            match keyring.run(server, delete_every_copy) {
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
        keyring.run(server, move |entry| entry.set_password(&token))
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

/// An OS keyring canvass can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keyring {
    /// `keyring::Entry`'s platform store: Keychain, Credential Manager or the Secret Service.
    Native,
    /// The kernel's key store: present on every Linux box, even headless ones without D-Bus.
    #[cfg(target_os = "linux")]
    KeyUtils,
}

impl Keyring {
    fn name(self) -> &'static str {
        match self {
            Keyring::Native if cfg!(target_os = "macos") => "macOS Keychain",
            Keyring::Native if cfg!(windows) => "Windows Credential Manager",
            Keyring::Native => "Secret Service",
            #[cfg(target_os = "linux")]
            Keyring::KeyUtils => "kernel keyutils",
        }
    }

    fn location(self) -> StoreLocation {
        StoreLocation::Keyring { name: self.name() }
    }

    /// The keyrings worth trying here, best first, and why any others were passed over.
    fn candidates() -> (Vec<Keyring>, Vec<String>) {
        let mut usable = Vec::new();
        let mut skipped = Vec::new();
        // The Secret Service lives on the session bus; without one, a call could only fail.
        let session_bus =
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|a| !a.is_empty());
        if cfg!(any(target_os = "macos", windows)) || session_bus {
            usable.push(Keyring::Native);
        } else {
            skipped.push(format!("{}: no D-Bus session", Keyring::Native.name()));
        }
        #[cfg(target_os = "linux")]
        usable.push(Keyring::KeyUtils);
        (usable, skipped)
    }

    /// Set once a call to this keyring has timed out: its thread may still hold the keyring
    /// crate's one-time store setup, so later calls would queue behind it, a timeout each.
    fn hung(self) -> &'static AtomicBool {
        static NATIVE: AtomicBool = AtomicBool::new(false);
        #[cfg(target_os = "linux")]
        static KEYUTILS: AtomicBool = AtomicBool::new(false);
        match self {
            Keyring::Native => &NATIVE,
            #[cfg(target_os = "linux")]
            Keyring::KeyUtils => &KEYUTILS,
        }
    }

    fn entry(self, user: &str) -> keyring_core::Result<keyring_core::Entry> {
        match self {
            Keyring::Native => {
                // `Entry::new` would only say NoDefaultStore; the init error says why.
                if let Err(err) = keyring::Entry::store_status() {
                    return Err(keyring_core::Error::NoStorageAccess(err.to_string().into()));
                }
                Ok(keyring::Entry::new(SERVICE, user)?.inner)
            }
            #[cfg(target_os = "linux")]
            Keyring::KeyUtils => {
                use keyring_core::api::CredentialStoreApi as _;
                use linux_keyutils::{KeyRing, KeyRingIdentifier};
                // Sessions without a keyring of their own (ssh, CI, containers) have been seen
                // to get "access denied" from the stock store; joining a fresh session keyring
                // first works, and the store also links the key into the persistent keyring,
                // where later processes find it. Session keyrings are per thread, so this runs
                // on the call's own thread.
                KeyRing::from_special_id(KeyRingIdentifier::Session, true)
                    .map_err(|err| keyring_core::Error::NoStorageAccess(Box::new(err)))?;
                linux_keyutils_keyring_store::Store::new()?.build(SERVICE, user, None)
            }
        }
    }

    /// Runs `op` on `user`'s entry, giving up after KEYRING_TIMEOUT.
    fn run<T: Send + 'static>(
        self,
        user: &str,
        op: impl FnOnce(&keyring_core::Entry) -> keyring_core::Result<T> + Send + 'static,
    ) -> Result<T, KeyringFailure> {
        if self.hung().load(Ordering::Relaxed) {
            return Err(KeyringFailure::TimedOut);
        }
        let user = user.to_owned();
        let result = call_with_timeout(KEYRING_TIMEOUT, move || {
            self.entry(&user).and_then(|entry| op(&entry))
        });
        if matches!(result, Err(KeyringFailure::TimedOut)) {
            self.hung().store(true, Ordering::Relaxed);
        }
        result
    }

    /// A round trip on a probe entry, because a store can accept writes it cannot give back.
    fn probe(self) -> Result<(), KeyringFailure> {
        let value = format!("probe-{}-{}", std::process::id(), unique());
        let expected = value.clone();
        self.run(PROBE_USER, move |entry| entry.set_password(&value))?;
        // Each call runs on a new thread, hence (for keyutils) in a new session keyring: the
        // read below only succeeds if the key outlives its writer, as the next process needs.
        let read = self.run(PROBE_USER, keyring_core::Entry::get_password);
        let cleanup = self.run(PROBE_USER, delete_every_copy);
        match read {
            Ok(value) if value == expected => cleanup.map(drop),
            Ok(_) | Err(KeyringFailure::Failed(keyring_core::Error::NoEntry)) => {
                Err(KeyringFailure::Forgot)
            }
            Err(failure) => Err(failure),
        }
    }
}

/// Deletes the entry until none is left, since keyutils may hold distinct copies in a login
/// session keyring and in the persistent one. Returns whether there was one.
fn delete_every_copy(entry: &keyring_core::Entry) -> keyring_core::Result<bool> {
    let mut deleted = false;
    for _ in 0..4 {
        match entry.delete_credential() {
            Ok(()) => deleted = true,
            Err(keyring_core::Error::NoEntry) => break,
            Err(err) => return Err(err),
        }
    }
    Ok(deleted)
}

/// Runs `op` on a thread of its own and stops waiting after `timeout`. A call that hangs stays
/// hung on its thread, which ends with the process.
fn call_with_timeout<T: Send + 'static>(
    timeout: Duration,
    op: impl FnOnce() -> keyring_core::Result<T> + Send + 'static,
) -> Result<T, KeyringFailure> {
    let (sender, receiver) = mpsc::channel();
    thread::Builder::new()
        .name("canvass-keyring".to_owned())
        .spawn(move || sender.send(op()).ok())
        .map_err(|err| KeyringFailure::Failed(keyring_core::Error::PlatformFailure(err.into())))?;
    match receiver.recv_timeout(timeout) {
        Ok(result) => result.map_err(KeyringFailure::Failed),
        Err(RecvTimeoutError::Timeout) => Err(KeyringFailure::TimedOut),
        Err(RecvTimeoutError::Disconnected) => Err(KeyringFailure::Failed(
            keyring_core::Error::PlatformFailure("the keyring call panicked".into()),
        )),
    }
}

/// Why a keyring call failed.
#[derive(Debug)]
enum KeyringFailure {
    TimedOut,
    Failed(keyring_core::Error),
    /// The probe read back nothing, or something else.
    Forgot,
}

impl KeyringFailure {
    fn into_error(self, keyring: Keyring) -> CredentialError {
        match self {
            KeyringFailure::TimedOut => CredentialError::KeyringTimeout {
                store: keyring.name(),
            },
            KeyringFailure::Failed(source) => CredentialError::Keyring {
                store: keyring.name(),
                source,
            },
            KeyringFailure::Forgot => CredentialError::KeyringUnavailable {
                reason: format!("{}: {}", keyring.name(), KeyringFailure::Forgot),
            },
        }
    }
}

impl fmt::Display for KeyringFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyringFailure::TimedOut => {
                write!(f, "no answer within {} s", KEYRING_TIMEOUT.as_secs())
            }
            KeyringFailure::Failed(err) => f.write_str(&describe(err)),
            KeyringFailure::Forgot => f.write_str("it did not give back what it stored"),
        }
    }
}

/// A keyring error in a few words: the platform's own reason, without keyring-core's prefix.
fn describe(err: &keyring_core::Error) -> String {
    match err {
        keyring_core::Error::NoStorageAccess(inner)
        | keyring_core::Error::PlatformFailure(inner) => {
            #[cfg(target_os = "linux")]
            if let Some(err) = inner.downcast_ref::<linux_keyutils::KeyError>() {
                return match err {
                    linux_keyutils::KeyError::Unknown(code) => {
                        io::Error::from_raw_os_error(*code).to_string()
                    }
                    // Its Display is its Debug name: `AccessDenied` reads as "access denied".
                    other => words(&format!("{other:?}")),
                };
            }
            inner.to_string()
        }
        other => other.to_string(),
    }
}

#[cfg(target_os = "linux")]
fn words(camel_case: &str) -> String {
    let mut out = String::with_capacity(camel_case.len() + 4);
    for c in camel_case.chars() {
        if c.is_ascii_uppercase() && !out.is_empty() {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A number no other call in this process gets, for probe values and temporary file names.
fn unique() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The fallback file: `{"<server>": "<token>", ...}`, mode 0600 in a 0700 directory.
struct TokenFile<'a> {
    path: &'a Path,
}

impl TokenFile<'_> {
    fn find(&self, server: &str) -> Result<Option<Jwt>, CredentialError> {
        Ok(self.read()?.remove(server).map(Jwt::new))
    }

    fn insert(&self, server: &str, token: &Jwt) -> Result<(), CredentialError> {
        let mut tokens = self.read()?;
        tokens.insert(server.to_owned(), token.as_str().to_owned());
        self.write(&tokens)
    }

    /// Whether there was a token to remove. The last one takes the file with it.
    fn remove(&self, server: &str) -> Result<bool, CredentialError> {
        let mut tokens = self.read()?;
        if tokens.remove(server).is_none() {
            return Ok(false);
        }
        if tokens.is_empty() {
            match fs::remove_file(self.path) {
                Err(err) if err.kind() != io::ErrorKind::NotFound => {
                    return Err(self.write_error(err));
                }
                _ => {}
            }
        } else {
            self.write(&tokens)?;
        }
        Ok(true)
    }

    fn read(&self) -> Result<BTreeMap<String, String>, CredentialError> {
        let read_error = |source| CredentialError::FileRead {
            path: self.path.to_owned(),
            source,
        };
        let mut file = match fs::File::open(self.path) {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(err) => return Err(read_error(err)),
        };
        // The mode of the file opened, not of whatever the path names a moment later.
        #[cfg(unix)]
        check_private(self.path, &file.metadata().map_err(read_error)?)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(read_error)?;
        // serde_json's message could quote the file's text, tokens included.
        serde_json::from_slice(&bytes).map_err(|_| CredentialError::Corrupt {
            path: self.path.to_owned(),
        })
    }

    /// Writes a private temporary file and renames it over the old one, so a crash leaves the
    /// old tokens or the new ones, never half a file.
    fn write(&self, tokens: &BTreeMap<String, String>) -> Result<(), CredentialError> {
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        create_private_dir(dir).map_err(|source| CredentialError::File {
            path: dir.to_owned(),
            source,
        })?;
        let mut json = serde_json::to_vec_pretty(tokens)
            .map_err(|err| self.write_error(io::Error::other(err)))?;
        json.push(b'\n');
        let name = self
            .path
            .file_name()
            .map_or_else(|| "credentials".into(), |name| name.to_string_lossy());
        let temp = dir.join(format!(".{name}.{}-{}.tmp", std::process::id(), unique()));
        let written = write_private(&temp, &json).and_then(|()| fs::rename(&temp, self.path));
        if written.is_err() {
            fs::remove_file(&temp).ok();
        }
        written.map_err(|err| self.write_error(err))
    }

    fn write_error(&self, source: io::Error) -> CredentialError {
        CredentialError::File {
            path: self.path.to_owned(),
            source,
        }
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = match create_private(path) {
        // Left behind by a crashed run that had this process id.
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            fs::remove_file(path)?;
            create_private(path)?
        }
        created => created?,
    };
    file.write_all(bytes)?;
    file.sync_all()
}

/// A new file only its owner can open: the mode is set as it is created, never chmod-ed after,
/// and `create_new` refuses to follow a planted symlink.
fn create_private(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Refuses a file others can open rather than quietly fixing it: the user should learn that
/// their tokens were exposed.
#[cfg(unix)]
fn check_private(path: &Path, metadata: &fs::Metadata) -> Result<(), CredentialError> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = metadata.permissions().mode() & 0o777;
    let group_and_others = mode & 0o077;
    if group_and_others == 0 {
        Ok(())
    } else {
        Err(CredentialError::InsecureFile {
            path: path.to_owned(),
            mode,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt as _;

    fn file_store(dir: &tempfile::TempDir) -> (CredentialStore, PathBuf) {
        let path = dir.path().join("canvass").join("credentials.json");
        (
            CredentialStore::new(StorePreference::File, path.clone()),
            path,
        )
    }

    /// A server name no other test or run uses, so keyring tests never collide.
    fn unique_server(what: &str) -> String {
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
    fn the_file_keeps_a_token_private_and_gives_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let (store, path) = file_store(&dir);
        let saved = store
            .save("http://127.0.0.1:5000", &Jwt::new("a.b.c"))
            .unwrap();
        assert_eq!(
            saved,
            Saved {
                location: StoreLocation::File { path: path.clone() },
                fallback_reason: None
            }
        );
        #[cfg(unix)]
        {
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
        let json: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        assert_eq!(json, serde_json::json!({"http://127.0.0.1:5000": "a.b.c"}));
        let (token, location) = store.load("http://127.0.0.1:5000").unwrap().unwrap();
        assert_eq!(token.as_str(), "a.b.c");
        assert!(location.is_file());
        assert_eq!(location.to_string(), format!("file {}", path.display()));
        assert!(store.load("http://127.0.0.1:5001").unwrap().is_none());
        // Only the file itself is left: the temporary one was renamed over it.
        let entries = fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(entries, 1);
    }

    #[test]
    fn two_servers_are_kept_side_by_side() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = file_store(&dir);
        store.save("http://one:5000", &Jwt::new("t.one.1")).unwrap();
        store.save("http://two:5000", &Jwt::new("t.two.2")).unwrap();
        store.save("http://one:5000", &Jwt::new("t.one.3")).unwrap();
        let token = |server| {
            store
                .load(server)
                .unwrap()
                .map(|(t, _)| t.as_str().to_owned())
        };
        assert_eq!(token("http://one:5000").as_deref(), Some("t.one.3"));
        assert_eq!(token("http://two:5000").as_deref(), Some("t.two.2"));
        assert!(store.delete("http://one:5000").unwrap().is_some());
        assert_eq!(token("http://one:5000"), None);
        assert_eq!(token("http://two:5000").as_deref(), Some("t.two.2"));
    }

    #[test]
    fn deleting_the_last_token_removes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let (store, path) = file_store(&dir);
        store.save("http://one:5000", &Jwt::new("a.b.c")).unwrap();
        assert_eq!(
            store.delete("http://one:5000").unwrap(),
            Some(StoreLocation::File { path: path.clone() })
        );
        assert!(!path.exists());
        assert_eq!(store.delete("http://one:5000").unwrap(), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_file_other_users_can_read_is_refused_not_fixed() {
        let dir = tempfile::tempdir().unwrap();
        let (store, path) = file_store(&dir);
        store.save("http://one:5000", &Jwt::new("a.b.c")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let err = store.load("http://one:5000").unwrap_err();
        assert!(matches!(
            err,
            CredentialError::InsecureFile { mode: 0o640, .. }
        ));
        let message = err.to_string();
        assert!(
            message.contains(&format!("chmod 600 {}", path.display())),
            "{message}"
        );
        assert!(!message.contains("a.b.c"), "{message}");
        assert!(matches!(
            store.save("http://one:5000", &Jwt::new("d.e.f")),
            Err(CredentialError::InsecureFile { .. })
        ));
        assert!(matches!(
            store.delete("http://one:5000"),
            Err(CredentialError::InsecureFile { .. })
        ));
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
    }

    #[test]
    fn a_corrupt_file_is_reported_without_its_text_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (store, path) = file_store(&dir);
        store.save("http://one:5000", &Jwt::new("a.b.c")).unwrap();
        fs::write(&path, r#"{"http://one:5000": ["secret.token.here"]}"#).unwrap();
        let err = store.load("http://one:5000").unwrap_err();
        assert!(matches!(err, CredentialError::Corrupt { .. }));
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(store.save("http://one:5000", &Jwt::new("d.e.f")).is_err());
        assert!(
            fs::read_to_string(&path)
                .unwrap()
                .contains("secret.token.here")
        );
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

    #[test]
    fn a_keyring_call_that_hangs_times_out_without_waiting_for_it() {
        let (release, hold) = mpsc::channel::<()>();
        let result = call_with_timeout(Duration::ZERO, move || {
            hold.recv().ok();
            Ok(())
        });
        assert!(matches!(result, Err(KeyringFailure::TimedOut)));
        release.send(()).unwrap();
    }

    #[test]
    fn keyring_locations_name_the_store() {
        assert_eq!(
            Keyring::Native.location().to_string(),
            if cfg!(target_os = "macos") {
                "OS keyring (macOS Keychain)"
            } else if cfg!(windows) {
                "OS keyring (Windows Credential Manager)"
            } else {
                "OS keyring (Secret Service)"
            }
        );
        #[cfg(target_os = "linux")]
        assert_eq!(
            Keyring::KeyUtils.location().to_string(),
            "OS keyring (kernel keyutils)"
        );
    }

    /// Whether this machine refuses keyctl outright (a seccomp filter, an old kernel), which
    /// is an environment the tests cannot fix, not a bug.
    #[cfg(target_os = "linux")]
    #[expect(clippy::print_stderr, reason = "a skipped test says why")]
    fn keyutils_refused() -> bool {
        match Keyring::KeyUtils.probe() {
            Ok(()) => false,
            Err(
                reason @ KeyringFailure::Failed(
                    keyring_core::Error::NoStorageAccess(_)
                    | keyring_core::Error::PlatformFailure(_),
                ),
            ) => {
                eprintln!("skipped: this machine refuses kernel keyutils: {reason}");
                true
            }
            Err(other) => panic!("the keyutils probe failed: {other}"),
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn keyutils_keeps_a_token_across_threads_and_forgets_it() {
        if keyutils_refused() {
            return;
        }
        let server = unique_server("keyutils");
        let keyutils = Keyring::KeyUtils;
        keyutils
            .run(&server, |entry| entry.set_password("x.y.z"))
            .unwrap();
        assert_eq!(
            keyutils
                .run(&server, keyring_core::Entry::get_password)
                .unwrap(),
            "x.y.z"
        );
        assert!(keyutils.run(&server, delete_every_copy).unwrap());
        assert!(matches!(
            keyutils.run(&server, keyring_core::Entry::get_password),
            Err(KeyringFailure::Failed(keyring_core::Error::NoEntry))
        ));
        assert!(!keyutils.run(&server, delete_every_copy).unwrap());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_keyring_preference_saves_to_a_keyring_and_clears_the_file() {
        if keyutils_refused() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let (file_only, path) = file_store(&dir);
        let keyring = CredentialStore::new(StorePreference::Keyring, path.clone());
        let server = unique_server("keyring-pref");
        file_only.save(&server, &Jwt::new("old.to.ken")).unwrap();

        let saved = keyring.save(&server, &Jwt::new("new.to.ken")).unwrap();
        assert!(!saved.location.is_file(), "{}", saved.location);
        assert_eq!(saved.fallback_reason, None);
        assert!(!path.exists(), "the stale file entry was its last");
        let (token, location) = keyring.load(&server).unwrap().unwrap();
        assert_eq!((token.as_str(), &location), ("new.to.ken", &saved.location));

        assert_eq!(keyring.delete(&server).unwrap(), Some(saved.location));
        assert!(keyring.load(&server).unwrap().is_none());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_keyutils_token_outlives_the_process_that_saved_it() {
        if keyutils_refused() {
            return;
        }
        let server = unique_server("keyutils-child");
        Keyring::KeyUtils
            .run(&server, |entry| entry.set_password("from.the.parent"))
            .unwrap();
        // The child starts without a session keyring, as a later `canvass` run from cron or
        // a container would.
        let name = module_path!().split_once("::").unwrap().1;
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "--ignored", "--test-threads=1"])
            .arg(format!("{name}::keyutils_child_reads_the_token"))
            .env("CANVASS_TEST_KEYUTILS_SERVER", &server)
            .output()
            .unwrap();
        Keyring::KeyUtils.run(&server, delete_every_copy).unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    #[ignore = "run by a_keyutils_token_outlives_the_process_that_saved_it"]
    fn keyutils_child_reads_the_token() {
        let Some(server) = std::env::var_os("CANVASS_TEST_KEYUTILS_SERVER") else {
            return;
        };
        let store = CredentialStore::new(StorePreference::Keyring, PathBuf::from("/nonexistent"));
        let (token, location) = store.load(server.to_str().unwrap()).unwrap().unwrap();
        assert_eq!(token.as_str(), "from.the.parent");
        assert!(!location.is_file());
    }
}
