//! Who is asking: the bearer token checked against the key, the clock, the user table and the
//! user's token generation. Each failure maps to one of the seed's exact 401 bodies.

use super::error::ApiError;
use super::store::Store;
use super::token::{TokenError, Tokens, bearer};
use crate::domain::User;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("Invalid credentials")]
    InvalidCredentials,
    /// The seed's text, misspelling included (docs/seed-contract.md Part 1, "Auth").
    #[error("Invalid token. Registeration and / or authentication required")]
    InvalidToken,
    #[error("Expired token. Reauthentication required.")]
    ExpiredToken,
}

/// A verified caller: the user, and when the session their token belongs to began.
#[derive(Debug)]
pub struct Session {
    pub user: User,
    /// Seconds since the epoch; a refresh keeps it, so a session ends at `--session-max`.
    pub started: u64,
}

/// Resolves an `Authorization` header to a session. `Ok(None)` when there is no header at all;
/// a bad token is `ApiError::Unauthorized` with the seed's body, a failing store a 500.
pub fn optional_user(
    header: Option<&str>,
    tokens: &Tokens,
    store: &dyn Store,
) -> Result<Option<Session>, ApiError> {
    let Some(header) = header else {
        return Ok(None);
    };
    let token = bearer(header).ok_or(AuthError::InvalidToken)?;
    let claims = tokens.verify(token).map_err(|e| match e {
        TokenError::Expired => AuthError::ExpiredToken,
        TokenError::Invalid => AuthError::InvalidToken,
    })?;
    match store.find_user(&claims.sub)? {
        Some(user) if holds(&user, claims.uid, claims.generation) => Ok(Some(Session {
            started: claims.session_started(),
            user,
        })),
        _ => Err(AuthError::InvalidToken.into()),
    }
}

/// Whether `user`, found by the e-mail a token or a web sign-in names, is the account it was
/// issued to, with every token still good: one from before "log out everywhere" carries an
/// older generation; one of a deleted account, another user's id under the same e-mail
/// (`uid` is `None` for a token minted the seed's way, which names no id). A disabled
/// account's tokens stop at once: the row is read on every request, with no cache in
/// between (`admin users disable` writes it from another process).
pub fn holds(user: &User, uid: Option<i64>, generation: i64) -> bool {
    user.token_generation == generation && uid.is_none_or(|uid| uid == user.id.0) && !user.disabled
}

/// Like [`optional_user`], but a missing header is an invalid token.
pub fn required_user(
    header: Option<&str>,
    tokens: &Tokens,
    store: &dyn Store,
) -> Result<Session, ApiError> {
    optional_user(header, tokens, store)?.ok_or(AuthError::InvalidToken.into())
}
