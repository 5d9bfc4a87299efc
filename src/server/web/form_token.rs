//! The one-time form token (issue 16): every rendered form carries one, signed by the server
//! and bound to its survey. Posted back it becomes the response's idempotency key
//! (`client_id`), so a double click, the back button or a re-post of the same page records
//! one response: the store answers `Recorded::Repeat` for the second.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::{SurveyId, Timestamp};
use crate::server::token::SigningKey;

type HmacSha256 = Hmac<Sha256>;

/// How long a rendered form may wait to be posted: a tab left open overnight still works, a
/// page saved last week does not.
pub const MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// A token issued this far "in the future" still passes: replicas sharing one key may have
/// clocks a little apart.
const CLOCK_SKEW: i64 = 300;

/// The key is derived for this purpose from the signing secret, so a form token and a JWT
/// are never signed with the same key and neither can stand in for the other.
const PURPOSE: &[u8] = b"canvass web form";

/// Survey id, issue time (both big-endian i64) and a random nonce.
const PAYLOAD: usize = 8 + 8 + 16;
const MAC: usize = 32;

/// The longest token: 64 bytes in unpadded URL-safe base64. It must fit a `client_id`
/// (at most 100 characters of `[A-Za-z0-9_-]`).
pub const LEN: usize = (PAYLOAD + MAC).div_ceil(3) * 4 - 2;

/// Issues and checks form tokens with a key derived from the server's signing secret.
pub struct FormTokens {
    key: [u8; 32],
}

impl fmt::Debug for FormTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FormTokens(***)")
    }
}

/// Why a posted form's token is refused. The respondent sees one page for all of them
/// ("reload the page"); the variants are for the log and the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FormTokenError {
    #[error("the form token is missing, malformed or not signed by this server")]
    Forged,
    #[error("the form token was issued for survey {0}")]
    OtherSurvey(SurveyId),
    #[error("the form token is more than a day old")]
    Expired,
}

impl FormTokens {
    pub fn new(secret: &SigningKey) -> Self {
        let mut derive = hmac_with(secret.bytes());
        derive.update(PURPOSE);
        FormTokens {
            key: derive.finalize().into_bytes().into(),
        }
    }

    /// A fresh token for a form of `survey` rendered at `now`.
    pub fn issue(&self, survey: SurveyId, now: Timestamp) -> Result<String, getrandom::Error> {
        let mut bytes = [0u8; PAYLOAD + MAC];
        bytes[..8].copy_from_slice(&survey.0.to_be_bytes());
        bytes[8..16].copy_from_slice(&now.unix().to_be_bytes());
        getrandom::fill(&mut bytes[16..PAYLOAD])?;
        let mut mac = hmac_with(&self.key);
        mac.update(&bytes[..PAYLOAD]);
        bytes[PAYLOAD..].copy_from_slice(&mac.finalize().into_bytes());
        Ok(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Checks that `token` was signed here, for `survey`, within `MAX_AGE` of `now`: the
    /// signature first, so nothing about a forged token is believed.
    pub fn verify(
        &self,
        token: &str,
        survey: SurveyId,
        now: Timestamp,
    ) -> Result<(), FormTokenError> {
        if token.len() != LEN {
            return Err(FormTokenError::Forged);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| FormTokenError::Forged)?;
        let (payload, tag) = bytes.split_at(PAYLOAD);
        let mut mac = hmac_with(&self.key);
        mac.update(payload);
        // Constant time: a timing difference must not reveal how much of a guess was right.
        mac.verify_slice(tag).map_err(|_| FormTokenError::Forged)?;
        let field = |range: std::ops::Range<usize>| {
            let mut eight = [0u8; 8];
            eight.copy_from_slice(&payload[range]);
            i64::from_be_bytes(eight)
        };
        let (issued_for, issued_at) = (SurveyId(field(0..8)), field(8..16));
        if issued_for != survey {
            return Err(FormTokenError::OtherSurvey(issued_for));
        }
        let age = now.unix().saturating_sub(issued_at);
        let max_age = i64::try_from(MAX_AGE.as_secs()).unwrap_or(i64::MAX);
        if age > max_age || age < -CLOCK_SKEW {
            return Err(FormTokenError::Expired);
        }
        Ok(())
    }
}

#[expect(clippy::expect_used, reason = "HMAC takes a key of any length")]
fn hmac_with(key: &[u8]) -> HmacSha256 {
    HmacSha256::new_from_slice(key).expect("HMAC takes a key of any length")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(byte: u8) -> FormTokens {
        FormTokens::new(&SigningKey::new(vec![byte; 32]))
    }

    const NOW: Timestamp = Timestamp::from_unix(1_800_000_000);

    #[test]
    fn a_token_verifies_for_its_survey_and_is_a_valid_client_id() {
        let tokens = tokens(1);
        let token = tokens.issue(SurveyId(7), NOW).unwrap();
        assert_eq!(tokens.verify(&token, SurveyId(7), NOW), Ok(()));
        assert_eq!(token.len(), LEN);
        assert!(token.len() <= 100);
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{token}"
        );
    }

    #[test]
    fn every_token_is_new() {
        let tokens = tokens(1);
        assert_ne!(
            tokens.issue(SurveyId(7), NOW).unwrap(),
            tokens.issue(SurveyId(7), NOW).unwrap()
        );
    }

    #[test]
    fn another_surveys_token_is_refused() {
        let tokens = tokens(1);
        let token = tokens.issue(SurveyId(8), NOW).unwrap();
        assert_eq!(
            tokens.verify(&token, SurveyId(7), NOW),
            Err(FormTokenError::OtherSurvey(SurveyId(8)))
        );
    }

    #[test]
    fn a_tampered_or_foreign_token_is_forged() {
        let ours = tokens(1);
        let token = ours.issue(SurveyId(7), NOW).unwrap();
        for i in [0, 12, 30, LEN - 1] {
            let mut bytes = token.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).unwrap();
            assert_eq!(
                ours.verify(&tampered, SurveyId(7), NOW),
                Err(FormTokenError::Forged),
                "byte {i}"
            );
        }
        let theirs = tokens(2).issue(SurveyId(7), NOW).unwrap();
        assert_eq!(
            ours.verify(&theirs, SurveyId(7), NOW),
            Err(FormTokenError::Forged)
        );
        for junk in ["", "abc", &"!".repeat(LEN), &token[..LEN - 1]] {
            assert_eq!(
                ours.verify(junk, SurveyId(7), NOW),
                Err(FormTokenError::Forged),
                "{junk:?}"
            );
        }
    }

    #[test]
    fn a_token_lives_a_day() {
        let tokens = tokens(1);
        let day = i64::try_from(MAX_AGE.as_secs()).unwrap();
        let issued = Timestamp::from_unix(NOW.unix() - day);
        let token = tokens.issue(SurveyId(7), issued).unwrap();
        assert_eq!(tokens.verify(&token, SurveyId(7), NOW), Ok(()));
        let older = Timestamp::from_unix(NOW.unix() - day - 1);
        let token = tokens.issue(SurveyId(7), older).unwrap();
        assert_eq!(
            tokens.verify(&token, SurveyId(7), NOW),
            Err(FormTokenError::Expired)
        );
        let far_ahead = Timestamp::from_unix(NOW.unix() + 3600);
        let token = tokens.issue(SurveyId(7), far_ahead).unwrap();
        assert_eq!(
            tokens.verify(&token, SurveyId(7), NOW),
            Err(FormTokenError::Expired)
        );
    }

    #[test]
    fn the_key_is_never_printed() {
        assert_eq!(format!("{:?}", tokens(1)), "FormTokens(***)");
    }
}
