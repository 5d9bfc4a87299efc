//! Register, log in, who am I, refresh, log out everywhere.

use std::net::IpAddr;

use super::Ctx;
use crate::domain::{Email, Password, User, ValidationError};
use crate::protocol::{CredentialsRequest, MeBody, MessageBody, RegisteredBody, TokenBody};
use crate::server::auth::{AuthError, Session};
use crate::server::error::ApiError;
use crate::server::http::{Reply, Request};
use crate::server::metrics::LoginOutcome;
use crate::server::throttle::Throttled;
use crate::server::token::TokenError;

pub fn register(req: &Request, cx: &Ctx) -> Result<Reply, ApiError> {
    let (email, password) = req.json::<CredentialsRequest>()?.into_domain()?;
    cx.throttle.register(cx.store.as_ref(), req.remote)?;
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
    let user = sign_in(cx, &body.email, body.password, req.remote)?;
    token_reply(cx, &user, None)
}

/// Checks an e-mail and password, as the API's login and the web pages' sign-in both do:
/// throttled per e-mail and address, and an unknown e-mail costs the same argon2 work and
/// gets the same 401 as a wrong password.
pub fn sign_in(
    cx: &Ctx,
    email: &str,
    password: String,
    remote: Option<IpAddr>,
) -> Result<User, ApiError> {
    // Only emptiness is a 400 here; any other unknown e-mail is just bad credentials. Looked
    // up in the form it is stored in, so `ｃａｓｅ@x.com` finds `case@x.com`.
    let email = Email::normalized(email);
    let email = email.as_str();
    if email.is_empty() {
        return Err(ValidationError::new("email", "must not be empty").into());
    }
    let password = Password::parse(password)?;
    if let Err(refused) = cx.throttle.check(cx.store.as_ref(), email, remote) {
        if matches!(refused, Throttled::Wait(_)) {
            cx.metrics.login(LoginOutcome::Throttled);
        }
        return Err(refused.into());
    }
    let found = cx.store.find_credentials(email)?;
    // Unknown e-mail, wrong password or a disabled account: the same argon2 work, the same
    // 401 body, so a login says nothing about whether the account exists or is disabled.
    let stored = found.as_ref().map(|(_, hash)| hash.as_str());
    let verified = cx.passwords.verify(&password, stored);
    match found {
        Some((user, _)) if verified && !user.disabled => {
            cx.metrics.login(LoginOutcome::Ok);
            cx.throttle.record_success(cx.store.as_ref(), email)?;
            Ok(user)
        }
        _ => {
            cx.metrics.login(LoginOutcome::BadCredentials);
            cx.throttle
                .record_failure(cx.store.as_ref(), email, remote)?;
            Err(AuthError::InvalidCredentials.into())
        }
    }
}

pub fn me(user: &User) -> Reply {
    Reply::ok(&MeBody::from(user))
}

/// A fresh token for the same session: it never outlives `--session-max` from the login.
pub fn refresh(cx: &Ctx, session: &Session) -> Result<Reply, ApiError> {
    token_reply(cx, &session.user, Some(session.started))
}

pub fn logout_all(cx: &Ctx, user: &User) -> Result<Reply, ApiError> {
    cx.store.update_token_generation(user.id)?;
    Ok(Reply::ok(&MessageBody {
        message: format!("every token of {} is revoked", user.email),
    }))
}

fn token_reply(cx: &Ctx, user: &User, session_started: Option<u64>) -> Result<Reply, ApiError> {
    let token = cx
        .tokens
        .issue(user, session_started)
        .map_err(|e| match e {
            TokenError::Expired => ApiError::from(AuthError::ExpiredToken),
            TokenError::Invalid => ApiError::Internal(e.to_string()),
        })?;
    Ok(Reply::ok(&TokenBody { token }))
}
