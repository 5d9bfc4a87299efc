//! The OS keyrings: the platform's native store (Keychain, Credential Manager, Secret Service)
//! and Linux kernel keyutils, each call on its own thread under a timeout, each store
//! round-trip probed before it is trusted.

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use super::{CredentialError, StoreLocation, unique};

/// The keyring service every entry is filed under; the entry's user is the server URL.
const SERVICE: &str = "canvass";
/// The entry the probe writes, reads back and deletes.
const PROBE_USER: &str = "canvass-probe";
/// How long one keyring call may take: a hung D-Bus must not hang the CLI.
pub(super) const KEYRING_TIMEOUT: Duration = Duration::from_secs(3);

/// An OS keyring canvass can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Keyring {
    /// `keyring::Entry`'s platform store: Keychain, Credential Manager or the Secret Service.
    Native,
    /// The kernel's key store: present on every Linux box, even headless ones without D-Bus.
    #[cfg(target_os = "linux")]
    KeyUtils,
}

impl Keyring {
    pub(super) fn name(self) -> &'static str {
        match self {
            Keyring::Native if cfg!(target_os = "macos") => "macOS Keychain",
            Keyring::Native if cfg!(windows) => "Windows Credential Manager",
            Keyring::Native => "Secret Service",
            #[cfg(target_os = "linux")]
            Keyring::KeyUtils => "kernel keyutils",
        }
    }

    pub(super) fn location(self) -> StoreLocation {
        StoreLocation::Keyring { name: self.name() }
    }

    /// The keyrings worth trying here, best first, and why any others were passed over.
    pub(super) fn candidates() -> (Vec<Keyring>, Vec<String>) {
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
    pub(super) fn run<T: Send + 'static>(
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
    pub(super) fn probe(self) -> Result<(), KeyringFailure> {
        let value = format!("probe-{}-{}", std::process::id(), unique());
        let expected = value.clone();
        // An entry of its own: probes running at once (two commands, or tests in parallel)
        // would otherwise read each other's value and call the keyring forgetful.
        let user = format!("{PROBE_USER}-{value}");
        self.run(&user, move |entry| entry.set_password(&value))?;
        // Each call runs on a new thread, hence (for keyutils) in a new session keyring: the
        // read below only succeeds if the key outlives its writer, as the next process needs.
        let read = self.run(&user, keyring_core::Entry::get_password);
        let cleanup = self.run(&user, delete_every_copy);
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
pub(super) fn delete_every_copy(entry: &keyring_core::Entry) -> keyring_core::Result<bool> {
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
pub(super) enum KeyringFailure {
    TimedOut,
    Failed(keyring_core::Error),
    /// The probe read back nothing, or something else.
    Forgot,
}

impl KeyringFailure {
    pub(super) fn into_error(self, keyring: Keyring) -> CredentialError {
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
pub(super) fn describe(err: &keyring_core::Error) -> String {
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

#[cfg(test)]
mod tests {
    use super::super::tests::{file_store, unique_server};
    use super::super::{CredentialStore, StorePreference};
    use super::*;
    use crate::client::jwt::Jwt;
    use std::path::PathBuf;

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
        let keyring = CredentialStore::new(StorePreference::Keyring, path.clone(), "test".into());
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
        let scoped = format!("{server} in test");
        Keyring::KeyUtils
            .run(&scoped, |entry| entry.set_password("from.the.parent"))
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
        Keyring::KeyUtils.run(&scoped, delete_every_copy).unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn two_configurations_in_one_login_session_do_not_share_a_keyring_login() {
        if keyutils_refused() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.json");
        let store = |home: &str| {
            CredentialStore::new(
                StorePreference::Keyring,
                path.clone(),
                format!("/home/{home}/.config/canvass"),
            )
        };
        let (ann, bob) = (store("ann"), store("bob"));
        let server = unique_server("two-homes");
        ann.save(&server, &Jwt::new("ann.to.ken")).unwrap();
        assert!(bob.load(&server).unwrap().is_none(), "bob sees ann's login");
        assert_eq!(bob.delete(&server).unwrap(), None);
        assert_eq!(ann.load(&server).unwrap().unwrap().0.as_str(), "ann.to.ken");
        // The unscoped entry an older canvass wrote is not read either.
        Keyring::KeyUtils
            .run(&server, |entry| entry.set_password("old.to.ken"))
            .unwrap();
        assert!(bob.load(&server).unwrap().is_none());
        Keyring::KeyUtils.run(&server, delete_every_copy).unwrap();
        assert!(ann.delete(&server).unwrap().is_some());
    }

    #[cfg(target_os = "linux")]
    #[test]
    #[ignore = "run by a_keyutils_token_outlives_the_process_that_saved_it"]
    fn keyutils_child_reads_the_token() {
        let Some(server) = std::env::var_os("CANVASS_TEST_KEYUTILS_SERVER") else {
            return;
        };
        let store = CredentialStore::new(
            StorePreference::Keyring,
            PathBuf::from("/nonexistent"),
            "test".into(),
        );
        let (token, location) = store.load(server.to_str().unwrap()).unwrap().unwrap();
        assert_eq!(token.as_str(), "from.the.parent");
        assert!(!location.is_file());
    }
}
