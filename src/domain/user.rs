//! Users: an e-mail that looks like one, and a password that never prints.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use super::ValidationError;
use super::ids::UserId;

/// A registered user, as the server knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub created_at: String,
    /// Bumped by "log out everywhere"; tokens carry the generation they were issued in.
    pub token_generation: i64,
    /// Set by `canvass admin users disable`: no login, no token accepted.
    pub disabled: bool,
}

/// An e-mail address: trimmed and NFKC-normalised, one `@` with text on both sides, no
/// whitespace, control or invisible formatting characters, ≤ 254 bytes. Uniqueness is
/// case-insensitive (the store's concern); the spelling is otherwise kept as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// The longest address, in bytes once trimmed (RFC 5321's limit for a path).
    pub const MAX_LEN: usize = 254;

    /// The form an e-mail is kept and looked up in, whoever typed it: trimmed and
    /// NFKC-normalised, so full-width letters (`ｃａｓｅ`) or the Kelvin sign (`K`) name the
    /// same account as their plain forms (issue 13). Login and throttling use it too.
    pub fn normalized(raw: &str) -> String {
        raw.trim().nfkc().collect()
    }

    /// The key accounts are told apart by: the normalised form, lowercased with Unicode's
    /// rules, so `Étienne@` and `étienne@` are one account (issue 13), as `Ann@` and `ann@`
    /// always were. Lowercasing rather than full case folding keeps `ß` apart from `ss`,
    /// as mail systems do. The store's uniqueness and the login throttle both use it.
    pub fn key(raw: &str) -> String {
        Email::normalized(raw).to_lowercase()
    }

    /// Fails with a `ValidationError` on field `email`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let normalized = Email::normalized(raw);
        let email = normalized.as_str();
        if email.is_empty() {
            return Err(ValidationError::new("email", "must not be empty"));
        }
        if email.chars().any(is_hidden) {
            return Err(ValidationError::new(
                "email",
                "must not contain control or invisible formatting characters",
            ));
        }
        let looks_valid = email.len() <= Self::MAX_LEN
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && !domain.is_empty() && !domain.contains('@')
            });
        if !looks_valid {
            return Err(ValidationError::new("email", "is not an e-mail address"));
        }
        Ok(Self(email.to_owned()))
    }

    /// For values read back from storage, which were validated on the way in.
    pub fn from_trusted(email: String) -> Self {
        Self(email)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address for a terminal, each hidden character (see `parse`) written as
    /// `\u{…}`: addresses stored before `parse` refused them may hold some.
    pub fn visible(&self) -> String {
        self.0
            .chars()
            .map(|c| {
                if is_hidden(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    }
}

/// Characters that change how text looks without being seen: control characters, zero-width
/// ones and bidirectional overrides (`U+202E` makes `moc.evil@ann` read `ann@live.com`).
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A plain-text password on its way to the hasher. `Debug` never shows it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Hashing cost grows with length, so an upper bound keeps one request from being a DoS.
    pub const MAX_LEN: usize = 1024;

    /// Fails with a `ValidationError` on field `password`.
    pub fn parse(raw: String) -> Result<Self, ValidationError> {
        if raw.is_empty() {
            return Err(ValidationError::new("password", "must not be empty"));
        }
        if raw.len() > Self::MAX_LEN {
            return Err(ValidationError::new(
                "password",
                format!("must be at most {} bytes", Self::MAX_LEN),
            ));
        }
        Ok(Self(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_need_one_at_with_text_around_it() {
        assert!(Email::parse(" ann@example.com ").is_ok());
        for bad in ["", "  ", "ann", "@example.com", "ann@", "a b@c.d", "a@b@c"] {
            let err = Email::parse(bad).unwrap_err();
            assert_eq!(err.field, "email", "{bad:?}");
        }
    }

    #[test]
    fn keys_fold_case_and_compatibility_forms() {
        assert_eq!(Email::key("Étienne@X.org"), Email::key("étienne@x.org"));
        assert_eq!(Email::key("ｃａｓｅ@x.org"), "case@x.org");
        assert_eq!(Email::key("\u{212a}@x.org"), Email::key("k@x.org"));
        assert_ne!(Email::key("straße@x.org"), Email::key("strasse@x.org"));
    }

    #[test]
    fn a_stored_email_is_shown_with_its_hidden_characters_escaped() {
        let stored = Email::from_trusted("moc.evil\u{202e}@ann".into());
        assert_eq!(stored.visible(), "moc.evil\\u{202e}@ann");
        assert_eq!(
            Email::from_trusted("étienne@x.org".into()).visible(),
            "étienne@x.org"
        );
    }

    #[test]
    fn passwords_are_never_printed() {
        let pw = Password::parse("hunter2".into()).unwrap();
        assert_eq!(format!("{pw:?}"), "Password(***)");
        assert!(Password::parse(String::new()).is_err());
        assert!(Password::parse("x".repeat(Password::MAX_LEN)).is_ok());
        assert!(Password::parse("x".repeat(Password::MAX_LEN + 1)).is_err());
    }
}
