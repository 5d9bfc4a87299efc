//! Register, log in, who am I, refresh, log out everywhere.

use super::Ctx;
use crate::domain::{Password, User, ValidationError};
use crate::protocol::{CredentialsRequest, MeBody, MessageBody, RegisteredBody, TokenBody};
use crate::server::auth::AuthError;
use crate::server::error::ApiError;
use crate::server::http::{Reply, Request};

pub fn register(req: &Request, cx: &Ctx) -> Result<Reply, ApiError> {
    let (email, password) = req.json::<CredentialsRequest>()?.into_domain()?;
    let hash = cx
        .passwords
        .hash(&password)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let user = cx.store.create_user(&email, &hash)?;
    Ok(Reply::created(&RegisteredBody {
        id: user.id.0,
        email: user.email.to_string(),
    }))
}

pub fn login(req: &Request, cx: &Ctx) -> Result<Reply, ApiError> {
    let body: CredentialsRequest = req.json()?;
    // Only emptiness is a 400 here; any other unknown e-mail is just bad credentials.
    let email = body.email.trim();
    if email.is_empty() {
        return Err(ValidationError::new("email", "must not be empty").into());
    }
    let password = Password::parse(body.password)?;
    cx.throttle.check(cx.store.as_ref(), email, req.remote)?;
    let found = cx.store.find_credentials(email)?;
    // Unknown e-mail or wrong password: the same argon2 work, the same 401 body.
    let stored = found.as_ref().map(|(_, hash)| hash.as_str());
    let verified = cx.passwords.verify(&password, stored);
    match found {
        Some((user, _)) if verified => {
            cx.throttle.record_success(cx.store.as_ref(), email)?;
            token_reply(cx, &user)
        }
        _ => {
            cx.throttle
                .record_failure(cx.store.as_ref(), email, req.remote)?;
            Err(AuthError::InvalidCredentials.into())
        }
    }
}

pub fn me(user: &User) -> Reply {
    Reply::ok(&MeBody::from(user))
}

pub fn refresh(cx: &Ctx, user: &User) -> Result<Reply, ApiError> {
    token_reply(cx, user)
}

pub fn logout_all(cx: &Ctx, user: &User) -> Result<Reply, ApiError> {
    cx.store.update_token_generation(user.id)?;
    Ok(Reply::ok(&MessageBody {
        message: format!("every token of {} is revoked", user.email),
    }))
}

fn token_reply(cx: &Ctx, user: &User) -> Result<Reply, ApiError> {
    let token = cx
        .tokens
        .issue(user)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Reply::ok(&TokenBody { token }))
}
