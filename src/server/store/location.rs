//! Where the data lives, as `--db` names it: a path means an SQLite file, a
//! `postgres://` or `postgresql://` URL a PostgreSQL database. Anything else that looks like a
//! URL is refused rather than taken as a file name (`--db postgres:…` once made a folder).
//!
//! `Display` and `Debug` never show a password: the value reaches the startup line, logs and
//! error messages.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// The forms `--db` accepts, for error messages and `--help`.
pub const ACCEPTED_FORMS: &str =
    "an SQLite file path (./canvass.db) or postgres://USER[:PASS]@HOST[:PORT]/DB";

#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    /// The URL as given; only `PostgresStore` reads it whole.
    Postgres(String),
}

/// `--db` is neither a path nor a URL canvass can use. Holds the scheme only: the rest could
/// hold credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{scheme}…` is not a database canvass can use; give {ACCEPTED_FORMS}")]
pub struct UnsupportedDatabase {
    scheme: String,
}

impl FromStr for DatabaseUrl {
    type Err = UnsupportedDatabase;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let scheme = raw
            .split_once(':')
            .map(|(scheme, _)| scheme)
            .filter(|scheme| {
                // A scheme is a letter then letters, digits, `+`, `-`, `.` (RFC 3986 §3.1). A
                // colon after a `/` belongs to a path (`./a:b`), not to a scheme.
                scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            });
        match scheme {
            None if !raw.is_empty() => Ok(DatabaseUrl::Sqlite(PathBuf::from(raw))),
            Some(s)
                if (s.eq_ignore_ascii_case("postgres") || s.eq_ignore_ascii_case("postgresql"))
                    && raw[s.len()..].starts_with("://") =>
            {
                Ok(DatabaseUrl::Postgres(raw.to_owned()))
            }
            other => Err(UnsupportedDatabase {
                scheme: other.map_or_else(String::new, |s| format!("{s}:")),
            }),
        }
    }
}

impl DatabaseUrl {
    /// The SQLite file, if that is the backend.
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        match self {
            DatabaseUrl::Sqlite(path) => Some(path),
            DatabaseUrl::Postgres(_) => None,
        }
    }

    /// Which engine, in a word, for messages.
    pub fn backend(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgres",
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "{}", path.display()),
            DatabaseUrl::Postgres(url) => f.write_str(&mask_password(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// `postgres://canvass:s3cret@db/canvass?password=x` → `postgres://canvass:***@db/canvass?password=***`.
fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}=***")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<DatabaseUrl, UnsupportedDatabase> {
        raw.parse()
    }

    #[test]
    fn a_path_is_an_sqlite_file() {
        for raw in ["canvass.db", "/var/lib/canvass/c.db", "./a:b.db", "data/x"] {
            assert_eq!(parse(raw), Ok(DatabaseUrl::Sqlite(raw.into())), "{raw}");
        }
    }

    #[test]
    fn both_postgres_schemes_pick_postgres() {
        for raw in [
            "postgres://u@h/db",
            "postgresql://u:p@h:5432/db",
            "POSTGRES://h/db",
        ] {
            assert_eq!(parse(raw), Ok(DatabaseUrl::Postgres(raw.into())), "{raw}");
        }
    }

    #[test]
    fn other_urls_are_refused_naming_the_accepted_forms_without_credentials() {
        for raw in [
            "mysql://root:hunter2@h/db",
            "foo:bar",
            "postgres:hunter2",
            "",
        ] {
            let error = parse(raw).unwrap_err().to_string();
            assert!(error.contains("postgres://USER"), "{error}");
            assert!(!error.contains("hunter2"), "{error}");
        }
        assert!(
            parse("mysql://x")
                .unwrap_err()
                .to_string()
                .starts_with("`mysql:…`")
        );
    }

    #[test]
    fn the_password_is_masked_wherever_it_is_shown() {
        let url = parse("postgres://canvass:s3cret@db:5432/canvass").unwrap();
        assert_eq!(url.to_string(), "postgres://canvass:***@db:5432/canvass");
        assert!(!format!("{url:?}").contains("s3cret"));
        let in_query = parse("postgresql://db/canvass?user=a&password=s3cret&sslmode=disable");
        assert_eq!(
            in_query.unwrap().to_string(),
            "postgresql://db/canvass?user=a&password=***&sslmode=disable"
        );
        let at_in_password = parse("postgres://u:p@ss@h/d").unwrap();
        assert_eq!(at_in_password.to_string(), "postgres://u:***@h/d");
        assert_eq!(
            parse("postgres://u@h/d").unwrap().to_string(),
            "postgres://u@h/d"
        );
    }
}
