//! Files and directories only their owner can open, for what the client keeps that holds
//! tokens or names the servers used: the fallback token file, the config file, the local
//! databases' directory. The mode is set as each is created, never chmod-ed after, so there is
//! no moment when another user could open it.

use std::fs;
use std::io::{self, Write as _};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Creates `dir` and any missing parents as 0700; one that exists is left as it is.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Replaces `path` with `bytes`, mode 0600, through a new temporary file beside it that is
/// synced and renamed over it: a crash leaves the old file or the new one, never half of
/// either, and a file left readable by an older canvass becomes private as it is replaced.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "canvass".into(), |name| name.to_string_lossy());
    let temp = dir.join(format!(".{name}.{}-{}.tmp", std::process::id(), unique()));
    let written = write_new(&temp, bytes).and_then(|()| fs::rename(&temp, path));
    if written.is_err() {
        fs::remove_file(&temp).ok();
    }
    written
}

fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = match create_new(path) {
        // Left behind by a crashed run that had this process id.
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            fs::remove_file(path)?;
            create_new(path)?
        }
        created => created?,
    };
    file.write_all(bytes)?;
    file.sync_all()
}

/// A new file only its owner can open; `create_new` refuses to follow a planted symlink.
fn create_new(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// A number no other temporary file of this process gets.
fn unique() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_is_private_even_if_the_old_one_was_not() {
        use std::os::unix::fs::PermissionsExt as _;

        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a").join("b");
        create_dir(&nested).unwrap();
        assert_eq!(mode(&nested), 0o700);
        assert_eq!(mode(nested.parent().unwrap()), 0o700);
        let path = nested.join("config.toml");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        replace(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(mode(&path), 0o600);
        let left: Vec<_> = fs::read_dir(&nested).unwrap().collect();
        assert_eq!(left.len(), 1, "the temporary file was renamed over it");
    }
}
