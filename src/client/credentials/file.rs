//! The fallback store: one JSON object of server URLs and tokens, mode 0600 in a 0700
//! directory, replaced whole by an atomic rename.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read as _};
use std::path::Path;

use super::CredentialError;
use crate::client::jwt::Jwt;
use crate::client::private_file;

/// The fallback file: `{"<server>": "<token>", ...}`, mode 0600 in a 0700 directory.
pub(super) struct TokenFile<'a> {
    pub(super) path: &'a Path,
}

impl TokenFile<'_> {
    pub(super) fn find(&self, server: &str) -> Result<Option<Jwt>, CredentialError> {
        Ok(self.read()?.remove(server).map(Jwt::new))
    }

    pub(super) fn insert(&self, server: &str, token: &Jwt) -> Result<(), CredentialError> {
        let mut tokens = self.read()?;
        tokens.insert(server.to_owned(), token.as_str().to_owned());
        self.write(&tokens)
    }

    /// Whether there was a token to remove. The last one takes the file with it.
    pub(super) fn remove(&self, server: &str) -> Result<bool, CredentialError> {
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
        private_file::create_dir(dir).map_err(|source| CredentialError::File {
            path: dir.to_owned(),
            source,
        })?;
        let mut json = serde_json::to_vec_pretty(tokens)
            .map_err(|err| self.write_error(io::Error::other(err)))?;
        json.push(b'\n');
        private_file::replace(self.path, &json).map_err(|err| self.write_error(err))
    }

    fn write_error(&self, source: io::Error) -> CredentialError {
        CredentialError::File {
            path: self.path.to_owned(),
            source,
        }
    }
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
    use super::super::tests::file_store;
    use super::super::{Saved, StoreLocation};
    use super::*;

    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt as _;

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
}
