//! Thin handlers: parse the request, make one domain or store call, shape the reply. Each
//! returns `Result<Reply, ApiError>` and leaves statuses to `ApiError`.

mod accounts;
mod health;
mod responses;
mod surveys;

use std::sync::Arc;

use super::auth::{optional_user, required_user};
use super::cache::ReplyCache;
use super::error::ApiError;
use super::http::{Reply, Request};
use super::password::Passwords;
use super::routes::{Method, Route};
use super::store::Store;
use super::throttle::LoginThrottle;
use super::token::Tokens;
use crate::domain::User;

/// What every handler may use.
pub struct Ctx {
    pub store: Arc<dyn Store>,
    pub passwords: Passwords,
    pub tokens: Tokens,
    pub throttle: LoginThrottle,
    pub cache: ReplyCache,
}

impl Ctx {
    fn user(&self, req: &Request) -> Result<User, ApiError> {
        Ok(required_user(
            req.header("authorization"),
            &self.tokens,
            self.store.as_ref(),
        )?)
    }

    fn optional_user(&self, req: &Request) -> Result<Option<User>, ApiError> {
        Ok(optional_user(
            req.header("authorization"),
            &self.tokens,
            self.store.as_ref(),
        )?)
    }
}

/// Answers one API request (CORS pre-flight is the HTTP layer's job).
pub fn handle(req: &Request, cx: &Ctx) -> Result<Reply, ApiError> {
    let route = Route::parse(&req.path)
        .ok_or_else(|| ApiError::NotFound(format!("no such resource: {}", req.path)))?;
    match (route, &req.method) {
        (Route::Health, Method::Get | Method::Head) => Ok(health::get()),
        (Route::Register, Method::Post) => accounts::register(req, cx),
        (Route::Login, Method::Post) => accounts::login(req, cx),
        (Route::Me, Method::Get | Method::Head) => accounts::me(req, cx),
        (Route::TokenRefresh, Method::Post) => accounts::refresh(req, cx),
        (Route::LogoutAll, Method::Post) => accounts::logout_all(req, cx),
        (Route::Surveys, Method::Get | Method::Head) => surveys::list(req, cx),
        (Route::Surveys, Method::Post) => surveys::create(req, cx),
        (Route::Survey(id), Method::Get | Method::Head) => surveys::get(id, cx),
        (Route::Survey(id), Method::Put) => responses::seed_vote(id, req, cx),
        (Route::Survey(id), Method::Delete) => surveys::delete(id, req, cx),
        (Route::Close(id), Method::Post) => surveys::close(id, req, cx),
        (Route::Responses(id), Method::Post) => responses::create(id, req, cx),
        (Route::Responses(id), Method::Get | Method::Head) => responses::export(id, req, cx),
        (Route::Results(id), Method::Get | Method::Head) => responses::results(id, cx),
        (route, method) => Err(ApiError::MethodNotAllowed {
            method: method.to_string(),
            allowed: route.allowed(),
        }),
    }
}
