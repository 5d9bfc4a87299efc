//! Where the signing key comes from: `CANVASS_SECRET`, or a random key that the first start
//! writes beside the database with mode 0600. There is never a built-in default (the seed
//! hard-coded one; docs/seed-contract.md Part 2).

use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::ServerError;
use super::token::SigningKey;

/// Shorter keys could be brute-forced offline from any token: a stored one is refused, one
/// from the environment is used with a warning (the operator chose it).
const MIN_LEN: usize = 32;

/// The key file beside `db`.
pub fn key_path(db: &Path) -> PathBuf {
    db.with_file_name("secret.key")
}

/// The key `CANVASS_SECRET` holds.
pub fn from_env(secret: &str) -> SigningKey {
    if secret.len() < MIN_LEN {
        tracing::warn!("CANVASS_SECRET is shorter than {MIN_LEN} bytes; use a longer random key");
    }
    SigningKey::new(secret.as_bytes().to_vec())
}

/// `from_env` wins; otherwise the key file beside `db` is read, or created.
pub fn load(from_env: Option<&str>, db: &Path) -> Result<SigningKey, ServerError> {
    if let Some(secret) = from_env {
        return Ok(self::from_env(secret));
    }
    let path = key_path(db);
    let io_error = |source| ServerError::SecretFile {
        path: path.clone(),
        source,
    };
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(|e| io_error(std::io::Error::other(e.to_string())))?;
    let fresh: String = random.iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    });
    // `create_new` + `mode` at open time: the key is never readable by others, not even for
    // the moment between creating and a later chmod. Losing a race to another starting
    // server is fine; then its key is read below.
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
    {
        Ok(mut file) => {
            file.write_all(fresh.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(io_error)?;
            return Ok(SigningKey::new(fresh.into_bytes()));
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io_error(e)),
    }
    let mode = std::fs::metadata(&path)
        .map_err(io_error)?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o077 != 0 {
        return Err(ServerError::SecretPermissions { path, mode });
    }
    let stored = std::fs::read_to_string(&path).map_err(io_error)?;
    let stored = stored.trim();
    if stored.len() < MIN_LEN {
        return Err(ServerError::WeakSecret { min: MIN_LEN });
    }
    Ok(SigningKey::new(stored.as_bytes().to_vec()))
}
