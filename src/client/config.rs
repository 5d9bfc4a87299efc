//! Where the client keeps things, and the small config file that remembers the default server
//! and the credential store. The XDG variables are honoured on every platform, as atuin does,
//! so tests and people who set them get what they asked for.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::credentials::StorePreference;
use super::private_file;

/// Where the API lives when nothing says otherwise: `canvass serve`'s default address.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:5000";

/// `config.toml` in the user config dir.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The server of the last successful login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// Overridden by CANVASS_CREDENTIAL_STORE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_store: Option<StorePreference>,
}

/// The client's directories.
#[derive(Debug, Clone)]
pub struct Dirs {
    pub config: PathBuf,
    pub data: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no home directory to keep canvass's files in; set XDG_CONFIG_HOME and XDG_DATA_HOME")]
    NoHome,
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid config file: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Dirs {
    pub fn locate() -> Result<Dirs, ConfigError> {
        let project = directories::ProjectDirs::from("", "", "canvass");
        let pick = |xdg: &str, fallback: Option<&Path>| {
            std::env::var_os(xdg)
                .filter(|dir| !dir.is_empty() && Path::new(dir).is_absolute())
                .map(|dir| PathBuf::from(dir).join("canvass"))
                .or_else(|| fallback.map(Path::to_path_buf))
                .ok_or(ConfigError::NoHome)
        };
        Ok(Dirs {
            config: pick(
                "XDG_CONFIG_HOME",
                project.as_ref().map(directories::ProjectDirs::config_dir),
            )?,
            data: pick(
                "XDG_DATA_HOME",
                project
                    .as_ref()
                    .map(directories::ProjectDirs::data_local_dir),
            )?,
        })
    }

    pub fn config_file(&self) -> PathBuf {
        self.config.join("config.toml")
    }

    /// The fallback token file, used only where no keyring works.
    pub fn credentials_file(&self) -> PathBuf {
        self.data.join("credentials.json")
    }
}

impl Config {
    /// The file's settings; a missing file is an empty config.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        toml::from_str(&text).map_err(|e| ConfigError::Invalid {
            path: path.to_owned(),
            reason: e.message().to_owned(),
        })
    }

    /// Writes the whole file through a temporary one, so a crash never leaves half a config.
    /// It is 0600 in a 0700 directory, like the token file: it names the servers this user
    /// works with and where their tokens are kept, which is nobody else's business (issue 13,
    /// item 9).
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let write_error = |source| ConfigError::Write {
            path: path.to_owned(),
            source,
        };
        let text = toml::to_string(self).map_err(|e| ConfigError::Invalid {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        private_file::create_dir(dir).map_err(write_error)?;
        let file = format!("# canvass client settings; `canvass login` updates `server`.\n{text}");
        private_file::replace(path, file.as_bytes()).map_err(write_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_an_empty_config_and_a_saved_one_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("config.toml");
        assert_eq!(Config::load(&path).unwrap(), Config::default());
        let config = Config {
            server: Some("https://surveys.example.com".into()),
            credential_store: Some(StorePreference::File),
        };
        config.save(&path).unwrap();
        assert_eq!(Config::load(&path).unwrap(), config);
    }

    #[cfg(unix)]
    #[test]
    fn the_saved_file_is_private_to_its_user() {
        use std::os::unix::fs::PermissionsExt as _;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("canvass").join("config.toml");
        let config = Config {
            server: Some("https://surveys.example.com".into()),
            credential_store: None,
        };
        config.save(&path).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
    }

    #[test]
    fn an_unknown_setting_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        fs::write(&path, "sever = \"x\"\n").unwrap();
        let error = Config::load(&path).unwrap_err().to_string();
        assert!(
            error.contains("config.toml") && error.contains("sever"),
            "{error}"
        );
    }
}
