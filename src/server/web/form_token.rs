//! The one-time form token (issue 16): every rendered form carries one, signed by the server
//! and bound to its survey. Posted back it becomes the response's idempotency key
//! (`client_id`), so a double click, the back button or a re-post of the same page records
//! one response: the store answers `Recorded::Repeat` for the second.

use std::time::Duration;

use super::signer::{Signer, i64_at};
use crate::domain::{SurveyId, Timestamp, UserId};
use crate::server::token::SigningKey;

/// How long a rendered form may wait to be posted: a tab left open overnight still works, a
/// page saved last week does not.
pub const MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// A token issued this far "in the future" still passes: replicas sharing one key may have
/// clocks a little apart.
const CLOCK_SKEW: i64 = 300;

/// Survey id, issue time (both big-endian i64) and a random nonce.
const PAYLOAD: usize = 8 + 8 + 16;

/// The token's length: 64 characters. It must fit a `client_id` (at most 100 characters of
/// `[A-Za-z0-9_-]`).
pub const LEN: usize = Signer::sealed_len(PAYLOAD);

/// Issues and checks form tokens with a key derived from the server's signing secret.
#[derive(Debug)]
pub struct FormTokens(Signer);

/// Why a posted form's token is refused. The respondent sees one page for all of them
/// ("reload the page"); the variants are for the log and the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FormTokenError {
    #[error("the form token is missing, malformed or not signed by this server for this user")]
    Forged,
    #[error("the form token was issued for survey {0}")]
    OtherSurvey(SurveyId),
    #[error("the form token is more than a day old")]
    Expired,
}

impl FormTokens {
    pub fn new(secret: &SigningKey) -> Self {
        FormTokens(Signer::new(secret, b"canvass web form"))
    }

    /// A fresh token for a form of `survey` rendered at `now` for `shown_to` (`None`: for
    /// anyone). A signed-in respondent's token is bound to them, so it is also the CSRF
    /// token of their session: a form fetched by anyone else does not post as them.
    pub fn issue(
        &self,
        survey: SurveyId,
        now: Timestamp,
        shown_to: Option<UserId>,
    ) -> Result<String, getrandom::Error> {
        let mut payload = [0u8; PAYLOAD];
        payload[..8].copy_from_slice(&survey.0.to_be_bytes());
        payload[8..16].copy_from_slice(&now.unix().to_be_bytes());
        getrandom::fill(&mut payload[16..])?;
        Ok(self.0.seal(&payload, &context(shown_to)))
    }

    /// Checks that `token` was signed here, for `survey` and `shown_to`, within `MAX_AGE` of
    /// `now`: the signature first, so nothing about a forged token is believed.
    pub fn verify(
        &self,
        token: &str,
        survey: SurveyId,
        now: Timestamp,
        shown_to: Option<UserId>,
    ) -> Result<(), FormTokenError> {
        if token.len() != LEN {
            return Err(FormTokenError::Forged);
        }
        let payload = self
            .0
            .open(token, &context(shown_to))
            .ok_or(FormTokenError::Forged)?;
        let field = |at| i64_at(&payload, at).ok_or(FormTokenError::Forged);
        let (issued_for, issued_at) = (SurveyId(field(0)?), field(8)?);
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

/// What the MAC covers besides the payload: the user the form was shown to, if any.
fn context(shown_to: Option<UserId>) -> Vec<u8> {
    shown_to.map_or_else(Vec::new, |user| user.0.to_be_bytes().to_vec())
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
        let token = tokens.issue(SurveyId(7), NOW, None).unwrap();
        assert_eq!(tokens.verify(&token, SurveyId(7), NOW, None), Ok(()));
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
            tokens.issue(SurveyId(7), NOW, None).unwrap(),
            tokens.issue(SurveyId(7), NOW, None).unwrap()
        );
    }

    #[test]
    fn another_surveys_token_is_refused() {
        let tokens = tokens(1);
        let token = tokens.issue(SurveyId(8), NOW, None).unwrap();
        assert_eq!(
            tokens.verify(&token, SurveyId(7), NOW, None),
            Err(FormTokenError::OtherSurvey(SurveyId(8)))
        );
    }

    #[test]
    fn a_tampered_or_foreign_token_is_forged() {
        let ours = tokens(1);
        let token = ours.issue(SurveyId(7), NOW, None).unwrap();
        for i in [0, 12, 30, LEN - 1] {
            let mut bytes = token.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).unwrap();
            assert_eq!(
                ours.verify(&tampered, SurveyId(7), NOW, None),
                Err(FormTokenError::Forged),
                "byte {i}"
            );
        }
        let theirs = tokens(2).issue(SurveyId(7), NOW, None).unwrap();
        assert_eq!(
            ours.verify(&theirs, SurveyId(7), NOW, None),
            Err(FormTokenError::Forged)
        );
        for junk in ["", "abc", &"!".repeat(LEN), &token[..LEN - 1]] {
            assert_eq!(
                ours.verify(junk, SurveyId(7), NOW, None),
                Err(FormTokenError::Forged),
                "{junk:?}"
            );
        }
    }

    #[test]
    fn a_token_lives_a_day() {
        let tokens = tokens(1);
        // A day, as the error and the doc say: not read back from `MAX_AGE`.
        let day = 24 * 3600;
        let issued = Timestamp::from_unix(NOW.unix() - day);
        let token = tokens.issue(SurveyId(7), issued, None).unwrap();
        assert_eq!(tokens.verify(&token, SurveyId(7), NOW, None), Ok(()));
        let older = Timestamp::from_unix(NOW.unix() - day - 1);
        let token = tokens.issue(SurveyId(7), older, None).unwrap();
        assert_eq!(
            tokens.verify(&token, SurveyId(7), NOW, None),
            Err(FormTokenError::Expired)
        );
        // Five minutes of clock skew between replicas, and not a second more.
        let ahead = Timestamp::from_unix(NOW.unix() + 300);
        let token = tokens.issue(SurveyId(7), ahead, None).unwrap();
        assert_eq!(tokens.verify(&token, SurveyId(7), NOW, None), Ok(()));
        let far_ahead = Timestamp::from_unix(NOW.unix() + 301);
        let token = tokens.issue(SurveyId(7), far_ahead, None).unwrap();
        assert_eq!(
            tokens.verify(&token, SurveyId(7), NOW, None),
            Err(FormTokenError::Expired)
        );
    }

    #[test]
    fn a_signed_in_form_posts_only_as_the_user_it_was_shown_to() {
        let tokens = tokens(1);
        let (alice, bob) = (Some(UserId(1)), Some(UserId(2)));
        let token = tokens.issue(SurveyId(7), NOW, alice).unwrap();
        assert_eq!(tokens.verify(&token, SurveyId(7), NOW, alice), Ok(()));
        for other in [bob, None] {
            assert_eq!(
                tokens.verify(&token, SurveyId(7), NOW, other),
                Err(FormTokenError::Forged)
            );
        }
        let anyones = tokens.issue(SurveyId(7), NOW, None).unwrap();
        assert_eq!(
            tokens.verify(&anyones, SurveyId(7), NOW, alice),
            Err(FormTokenError::Forged)
        );
    }

    #[test]
    fn the_key_is_never_printed() {
        assert_eq!(format!("{:?}", tokens(1)), "FormTokens(Signer(***))");
    }
}
