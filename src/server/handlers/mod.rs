//! Dispatch and thin handlers: the route table (`routes.rs`) names the endpoint and who may
//! call it; the caller is resolved here, once, and handed to the handler, which parses the
//! request, makes one domain or store call and shapes the reply. Statuses are `ApiError`'s.

mod accounts;
mod health;
mod invitations;
mod listing;
mod openapi;
mod responses;
mod surveys;

pub use accounts::sign_in;

use std::sync::Arc;

use super::auth::{Session, optional_user, required_user};
use super::cache::ReplyCache;
use super::error::ApiError;
use super::http::{Method, Reply, Request};
use super::metrics::Metrics;
use super::password::Passwords;
use super::quota::SurveyQuota;
use super::route_name::RouteName;
use super::routes::{self, Access, Endpoint, Lookup};
use super::store::Store;
use super::throttle::LoginThrottle;
use super::token::Tokens;
use super::web::{self, FormTokens, Sessions};
use crate::domain::{Survey, SurveyId, User};

/// What every handler may use.
pub struct Ctx {
    pub store: Arc<dyn Store>,
    pub passwords: Passwords,
    pub tokens: Tokens,
    pub throttle: LoginThrottle,
    pub cache: ReplyCache,
    /// How many of the newest surveys the seed's unpaged listing holds.
    pub listing_limit: u64,
    pub survey_quota: SurveyQuota,
    /// Signs and checks the web form's one-time tokens.
    pub forms: FormTokens,
    /// Signs respondents in on the web pages.
    pub sessions: Sessions,
    /// `--public-url`, without a trailing slash: the base of links the server writes.
    pub public_url: Option<String>,
    /// Off unless `--metrics-addr`; handlers record what only they know (logins' outcomes).
    pub metrics: Metrics,
}

/// Who is calling, as far as the route's `Access` asks.
#[derive(Debug)]
enum Caller {
    /// `Access::Anyone`: not looked at.
    Anyone,
    /// `Access::Optional`.
    Maybe(Option<User>),
    /// `Access::User`.
    User(Session),
    /// `Access::Owner`: the survey the caller created.
    Owner(Survey),
}

impl Caller {
    /// 401 for a missing or bad token where one is needed (or sent), 404 for an unknown survey
    /// and 403 for someone else's, in that order.
    fn resolve(
        access: Access,
        survey: Option<SurveyId>,
        req: &Request,
        cx: &Ctx,
    ) -> Result<Caller, ApiError> {
        let header = req.header("authorization");
        let store = cx.store.as_ref();
        Ok(match access {
            Access::Anyone => Caller::Anyone,
            Access::Optional => {
                Caller::Maybe(optional_user(header, &cx.tokens, store)?.map(|s| s.user))
            }
            Access::User => Caller::User(required_user(header, &cx.tokens, store)?),
            Access::Owner => {
                let user = required_user(header, &cx.tokens, store)?.user;
                let survey = cx.store.get_survey(survey.ok_or_else(no_survey_in_path)?)?;
                if !survey.is_owned_by(user.id) {
                    return Err(ApiError::Forbidden);
                }
                Caller::Owner(survey)
            }
        })
    }
}

/// The table gave a survey route no `{id}`: a mistake in the table, not the request's.
fn no_survey_in_path() -> ApiError {
    ApiError::Internal("the route table names a survey route without {id}".into())
}

/// Answers one request: the web pages under `/s/`, the API everywhere else (CORS
/// pre-flight is the HTTP layer's job). Names the route matched, as routed here: the HTTP
/// layer's metrics and log line use it and never route again.
pub fn handle(req: &Request, cx: &Ctx) -> (RouteName, Result<Reply, ApiError>) {
    if web::owns(&req.path) {
        let (name, reply) = web::handle(req, cx);
        return (name, Ok(reply));
    }
    match routes::find(&req.method, &req.path) {
        Lookup::Route { route, survey } => {
            (RouteName::of(route.path), dispatch(route, survey, req, cx))
        }
        Lookup::MethodNotAllowed(allowed, template) => (
            RouteName::of(template),
            Err(ApiError::MethodNotAllowed {
                method: req.method.to_string(),
                allowed: allow_header(&allowed),
            }),
        ),
        Lookup::NotFound => (
            RouteName::UNMATCHED,
            Err(ApiError::NotFound(format!(
                "no such resource: {}",
                req.path
            ))),
        ),
    }
}

/// Resolves the caller the route asks for, then runs the route's handler.
fn dispatch(
    route: &routes::Route,
    survey: Option<SurveyId>,
    req: &Request,
    cx: &Ctx,
) -> Result<Reply, ApiError> {
    let caller = Caller::resolve(route.access, survey, req, cx)?;
    let id = || survey.ok_or_else(no_survey_in_path);
    match (route.endpoint, caller) {
        (Endpoint::Health | Endpoint::Live, Caller::Anyone) => Ok(health::get()),
        (Endpoint::Ready, Caller::Anyone) => health::ready(cx),
        (Endpoint::OpenApi, Caller::Anyone) => Ok(openapi::get()),
        (Endpoint::Register, Caller::Anyone) => accounts::register(req, cx),
        (Endpoint::Login, Caller::Anyone) => accounts::login(req, cx),
        (Endpoint::Me, Caller::User(session)) => Ok(accounts::me(&session.user)),
        (Endpoint::RefreshToken, Caller::User(session)) => accounts::refresh(cx, &session),
        (Endpoint::LogoutAll, Caller::User(session)) => accounts::logout_all(cx, &session.user),
        (Endpoint::ListSurveys, Caller::Maybe(user)) => surveys::list(req, cx, user.as_ref()),
        (Endpoint::CreateSurvey, Caller::User(session)) => surveys::create(req, cx, &session.user),
        (Endpoint::GetSurvey, Caller::Anyone) => surveys::get(id()?, cx),
        (Endpoint::SeedVote, Caller::Maybe(user)) => {
            responses::seed_vote(id()?, req, cx, user.as_ref())
        }
        (Endpoint::EditSurvey, Caller::Owner(survey)) => surveys::edit(&survey, req, cx),
        (Endpoint::DeleteSurvey, Caller::Owner(survey)) => surveys::delete(&survey, cx),
        (Endpoint::CloseSurvey, Caller::Owner(survey)) => surveys::close(&survey, cx),
        (Endpoint::ReopenSurvey, Caller::Owner(survey)) => surveys::reopen(&survey, cx),
        (Endpoint::CreateInvitations, Caller::Owner(survey)) => {
            invitations::create(&survey, req, cx)
        }
        (Endpoint::ListInvitations, Caller::Owner(survey)) => invitations::list(&survey, cx),
        (Endpoint::CreateResponse, Caller::Maybe(user)) => {
            responses::create(id()?, req, cx, user.as_ref())
        }
        (Endpoint::ExportResponses, Caller::Owner(survey)) => responses::export(&survey, req, cx),
        (Endpoint::MyResponse, Caller::User(session)) => responses::mine(id()?, cx, &session.user),
        (Endpoint::GetResults, Caller::Anyone) => responses::results(id()?, cx),
        (endpoint, caller) => Err(ApiError::Internal(format!(
            "the route table gives {endpoint:?} a caller it does not take: {caller:?}"
        ))),
    }
}

/// The methods a path answers, as `Allow` lists them: `HEAD` wherever `GET` is.
fn allow_header(methods: &[Method]) -> String {
    let mut names: Vec<&str> = methods.iter().map(Method::as_str).collect();
    if let Some(get) = methods.iter().position(|m| *m == Method::Get) {
        names.insert(get + 1, Method::Head.as_str());
    }
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_head_beside_get() {
        assert_eq!(
            allow_header(&[Method::Get, Method::Put, Method::Delete]),
            "GET, HEAD, PUT, DELETE"
        );
        assert_eq!(allow_header(&[Method::Post]), "POST");
    }
}
