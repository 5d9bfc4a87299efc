//! The route table: every endpoint of the API as data — method, path template, who may call
//! it, what it takes and what it answers. The router dispatches from it, CORS and 405's
//! `Allow` list its methods, and `openapi.rs` publishes it, so the three never disagree.
//!
//! The seed's paths end in `/` and its Flask app redirected the slash-less form; canvass
//! serves both directly (docs/seed-contract.md, "Paths").

use super::http::Method;
use crate::domain::SurveyId;

/// Who may call a route. Resolved once, at dispatch, before the handler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone; a token, if sent, is not looked at.
    Anyone,
    /// Anyone; a valid token makes the call the user's, an invalid one is refused (401).
    Optional,
    /// A valid token (401 otherwise).
    User,
    /// A valid token of the survey's creator (401, then 404 for an unknown survey, then 403).
    Owner,
}

/// What a route does; dispatch maps each to its handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Health,
    Live,
    Ready,
    OpenApi,
    Register,
    Login,
    Me,
    RefreshToken,
    LogoutAll,
    ListSurveys,
    CreateSurvey,
    GetSurvey,
    SeedVote,
    EditSurvey,
    DeleteSurvey,
    CloseSurvey,
    ReopenSurvey,
    CreateInvitations,
    ListInvitations,
    CreateResponse,
    ExportResponses,
    MyResponse,
    GetResults,
}

/// A body on the wire, by the protocol type that carries it (`openapi.rs` names the schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    Health,
    OpenApi,
    Credentials,
    Registered,
    Token,
    Me,
    Message,
    /// The seed's bare array, or a page when `page`, `per_page` or `creator` is given.
    SurveyListing,
    CreateSurvey,
    Survey,
    SeedVote,
    Response,
    /// `{"id": …}` of a response.
    Id,
    /// The caller's response: its id and when it was given.
    MyResponse,
    SurveyEdit,
    InvitationsRequest,
    NewInvitations,
    Invitations,
    Results,
    /// JSON or CSV, as `format` asks.
    Export,
    /// 204: nothing.
    Empty,
}

/// A query parameter a route reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    pub name: &'static str,
    pub description: &'static str,
}

/// One row of the table.
#[derive(Debug, PartialEq, Eq)]
pub struct Route {
    pub endpoint: Endpoint,
    pub method: Method,
    /// With `{id}` where a survey id goes; the trailing slash is optional on the wire.
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
    pub query: &'static [Query],
    pub request: Option<Body>,
    /// The success status and body.
    pub ok: (u16, Body),
    /// Other statuses particular to this route (a second success, refusals), beyond those
    /// every route of its kind can give (see `Route::statuses`).
    pub also: &'static [u16],
    /// Answering costs a password hash: the request goes to the login workers.
    pub hashes_password: bool,
}

const PAGING: &[Query] = &[
    Query {
        name: "page",
        description: "1-based page number; asks for a page instead of the seed's bare array",
    },
    Query {
        name: "per_page",
        description: "surveys per page, 1 to 100 (default 20)",
    },
    Query {
        name: "creator",
        description: "`me`: only the caller's own surveys (needs a token)",
    },
];

const FORMAT: &[Query] = &[Query {
    name: "format",
    description: "`json` (default) or `csv`",
}];

/// Every route, in the order the API documentation lists them.
pub const ROUTES: &[Route] = &[
    Route {
        endpoint: Endpoint::Health,
        method: Method::Get,
        path: "/api/health/",
        access: Access::Anyone,
        summary: "Whether the server answers, and its version",
        query: &[],
        request: None,
        ok: (200, Body::Health),
        also: &[],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::Live,
        method: Method::Get,
        path: "/healthz",
        access: Access::Anyone,
        summary: "Liveness: the process answers (no database involved)",
        query: &[],
        request: None,
        ok: (200, Body::Health),
        also: &[],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::Ready,
        method: Method::Get,
        path: "/readyz",
        access: Access::Anyone,
        summary: "Readiness: the database answers a trivial query within 2 s; 503 otherwise",
        query: &[],
        request: None,
        ok: (200, Body::Health),
        also: &[],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::OpenApi,
        method: Method::Get,
        path: "/api/openapi.json",
        access: Access::Anyone,
        summary: "The OpenAPI 3.1 document that describes this API",
        query: &[],
        request: None,
        ok: (200, Body::OpenApi),
        also: &[],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::Register,
        method: Method::Post,
        path: "/api/register/",
        access: Access::Anyone,
        summary: "Create an account",
        query: &[],
        request: Some(Body::Credentials),
        ok: (201, Body::Registered),
        also: &[409, 429],
        hashes_password: true,
    },
    Route {
        endpoint: Endpoint::Login,
        method: Method::Post,
        path: "/api/login/",
        access: Access::Anyone,
        summary: "Exchange an e-mail and password for a token",
        query: &[],
        request: Some(Body::Credentials),
        ok: (200, Body::Token),
        also: &[401, 429],
        hashes_password: true,
    },
    Route {
        endpoint: Endpoint::Me,
        method: Method::Get,
        path: "/api/me/",
        access: Access::User,
        summary: "Who the token belongs to",
        query: &[],
        request: None,
        ok: (200, Body::Me),
        also: &[],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::RefreshToken,
        method: Method::Post,
        path: "/api/token/refresh/",
        access: Access::User,
        summary: "A fresh token for the same user",
        query: &[],
        request: None,
        ok: (200, Body::Token),
        also: &[],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::LogoutAll,
        method: Method::Post,
        path: "/api/logout-all/",
        access: Access::User,
        summary: "Revoke every token of the caller, this one included",
        query: &[],
        request: None,
        ok: (200, Body::Message),
        also: &[],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::ListSurveys,
        method: Method::Get,
        path: "/api/surveys/",
        access: Access::Optional,
        summary: "All surveys, oldest first: the seed's bare array, or a page",
        query: PAGING,
        request: None,
        ok: (200, Body::SurveyListing),
        also: &[400],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::CreateSurvey,
        method: Method::Post,
        path: "/api/surveys/",
        access: Access::User,
        summary: "Create a survey (the seed's shape, or kinds, required and one response per user)",
        query: &[],
        request: Some(Body::CreateSurvey),
        ok: (201, Body::Survey),
        also: &[429],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::GetSurvey,
        method: Method::Get,
        path: "/api/surveys/{id}/",
        access: Access::Anyone,
        summary: "One survey with its questions, choices and counts",
        query: &[],
        request: None,
        ok: (200, Body::Survey),
        also: &[],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::SeedVote,
        method: Method::Put,
        path: "/api/surveys/{id}/",
        access: Access::Optional,
        summary: "The seed client's vote: the survey sent back with a `choice` per question",
        query: &[],
        request: Some(Body::SeedVote),
        ok: (201, Body::Survey),
        also: &[409],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::EditSurvey,
        method: Method::Patch,
        path: "/api/surveys/{id}/",
        access: Access::Owner,
        summary: "Change a survey: name, closes_at, max_responses and public_results at any \
                  time; questions and the rest only before the first response",
        query: &[],
        request: Some(Body::SurveyEdit),
        ok: (200, Body::Survey),
        also: &[409],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::DeleteSurvey,
        method: Method::Delete,
        path: "/api/surveys/{id}/",
        access: Access::Owner,
        summary: "Delete a survey and its responses",
        query: &[],
        request: None,
        ok: (204, Body::Empty),
        also: &[],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::CloseSurvey,
        method: Method::Post,
        path: "/api/surveys/{id}/close/",
        access: Access::Owner,
        summary: "Stop taking responses (closing twice is fine)",
        query: &[],
        request: None,
        ok: (200, Body::Survey),
        also: &[],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::ReopenSurvey,
        method: Method::Post,
        path: "/api/surveys/{id}/reopen/",
        access: Access::Owner,
        summary: "Take responses again after closing, unless past closes_at or full",
        query: &[],
        request: None,
        ok: (200, Body::Survey),
        also: &[409],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::CreateInvitations,
        method: Method::Post,
        path: "/api/surveys/{id}/invitations/",
        access: Access::Owner,
        summary: "Make single-use invitation codes, up to 10,000 a survey; each is shown this once",
        query: &[],
        request: Some(Body::InvitationsRequest),
        ok: (201, Body::NewInvitations),
        also: &[409],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::ListInvitations,
        method: Method::Get,
        path: "/api/surveys/{id}/invitations/",
        access: Access::Owner,
        summary: "The survey's invitations, used or not",
        query: &[],
        request: None,
        ok: (200, Body::Invitations),
        also: &[],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::CreateResponse,
        method: Method::Post,
        path: "/api/surveys/{id}/responses/",
        access: Access::Optional,
        summary: "Respond; a repeat of the same `client_id` or `Idempotency-Key` is answered 200 \
                  with the first response's id and counted once",
        query: &[],
        request: Some(Body::Response),
        ok: (201, Body::Id),
        also: &[200, 403, 409],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::ExportResponses,
        method: Method::Get,
        path: "/api/surveys/{id}/responses/",
        access: Access::Owner,
        summary: "Every response with its answers, as JSON or CSV",
        query: FORMAT,
        request: None,
        ok: (200, Body::Export),
        also: &[400],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::MyResponse,
        method: Method::Get,
        path: "/api/surveys/{id}/responses/mine/",
        access: Access::User,
        summary: "The caller's latest response to the survey; 404 when they have not responded",
        query: &[],
        request: None,
        ok: (200, Body::MyResponse),
        also: &[],
        hashes_password: false,
    },
    Route {
        endpoint: Endpoint::GetResults,
        method: Method::Get,
        path: "/api/surveys/{id}/results/",
        access: Access::Anyone,
        summary: "Counts per choice and the text answers",
        query: &[],
        request: None,
        ok: (200, Body::Results),
        also: &[],
        hashes_password: false,
    },
];

/// What a request's method and path name in the table.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    Route {
        route: &'static Route,
        /// The survey a `{id}` path names.
        survey: Option<SurveyId>,
    },
    /// The path is known, the method is not: these are (for `Allow`), and the path's
    /// template.
    MethodNotAllowed(Vec<Method>, &'static str),
    NotFound,
}

/// Looks a request up in the table. `HEAD` is answered as `GET` without a body.
pub fn find(method: &Method, path: &str) -> Lookup {
    let lookup = if *method == Method::Head {
        &Method::Get
    } else {
        method
    };
    let mut allowed = Vec::new();
    let mut template = "";
    for route in ROUTES {
        let Some(params) = matches(route.path, path) else {
            continue;
        };
        if route.method == *lookup {
            return Lookup::Route {
                route,
                survey: params.survey,
            };
        }
        allowed.push(route.method.clone());
        template = route.path;
    }
    if allowed.is_empty() {
        Lookup::NotFound
    } else {
        Lookup::MethodNotAllowed(allowed, template)
    }
}

/// What a path carries in its template's placeholders.
struct Params {
    survey: Option<SurveyId>,
}

/// The placeholders' values when `path` fits `template`, with or without the trailing slash.
fn matches(template: &str, path: &str) -> Option<Params> {
    let trim = |p: &'_ str| p.strip_suffix('/').unwrap_or(p).to_owned();
    let (template, path) = (trim(template), trim(path));
    let mut survey = None;
    let mut want = template.split('/');
    let mut have = path.split('/');
    loop {
        match (want.next(), have.next()) {
            (None, None) => return Some(Params { survey }),
            (Some("{id}"), Some(id)) => survey = Some(survey_id(id)?),
            (Some(w), Some(h)) if w == h => {}
            _ => return None,
        }
    }
}

/// Digits only: `+1`, `01x`, `-1` or `%31` name no survey. The web pages read ids so too.
pub(super) fn survey_id(id: &str) -> Option<SurveyId> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok().map(SurveyId)
}

impl Route {
    /// Every status this route can answer, success first: its own, then what follows from
    /// its kind — a body can be malformed (400) or too large (413), a token invalid (401), a
    /// survey unknown (404) or someone else's (403), a method wrong (405); any request can
    /// find the server full (503).
    pub fn statuses(&self) -> Vec<u16> {
        let mut statuses = vec![self.ok.0];
        statuses.extend(self.also);
        if self.request.is_some() {
            statuses.extend([400, 413]);
        }
        if matches!(self.access, Access::Optional | Access::User | Access::Owner) {
            statuses.push(401);
        }
        if self.path.contains("{id}") {
            statuses.push(404);
        }
        if self.access == Access::Owner {
            statuses.push(403);
        }
        statuses.extend([405, 503]);
        statuses.sort_unstable();
        statuses.dedup();
        statuses
    }
}

/// Whether answering costs a password hash (register, login): such requests get their own
/// workers (`http::HttpConfig::is_slow`).
pub fn hashes_a_password(method: &Method, path: &str) -> bool {
    matches!(find(method, path), Lookup::Route { route, .. } if route.hashes_password)
}

/// The methods the table lists for any route, for CORS pre-flight.
pub fn all_methods() -> String {
    let mut methods: Vec<String> = ROUTES.iter().map(|r| r.method.to_string()).collect();
    methods.extend(["HEAD".into(), "OPTIONS".into()]);
    methods.sort();
    methods.dedup();
    methods.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::paths;

    fn endpoint(method: &Method, path: &str) -> Option<(Endpoint, Option<SurveyId>)> {
        match find(method, path) {
            Lookup::Route { route, survey } => Some((route.endpoint, survey)),
            _ => None,
        }
    }

    #[test]
    fn every_path_the_clients_build_routes_to_its_endpoint_with_or_without_the_slash() {
        let id = Some(SurveyId(42));
        let cases = [
            (
                Method::Get,
                paths::HEALTH.to_owned(),
                Endpoint::Health,
                None,
            ),
            (Method::Get, paths::LIVE.to_owned(), Endpoint::Live, None),
            (Method::Get, paths::READY.to_owned(), Endpoint::Ready, None),
            (
                Method::Get,
                paths::OPENAPI.to_owned(),
                Endpoint::OpenApi,
                None,
            ),
            (
                Method::Post,
                paths::REGISTER.to_owned(),
                Endpoint::Register,
                None,
            ),
            (Method::Post, paths::LOGIN.to_owned(), Endpoint::Login, None),
            (Method::Get, paths::ME.to_owned(), Endpoint::Me, None),
            (
                Method::Post,
                paths::TOKEN_REFRESH.to_owned(),
                Endpoint::RefreshToken,
                None,
            ),
            (
                Method::Post,
                paths::LOGOUT_ALL.to_owned(),
                Endpoint::LogoutAll,
                None,
            ),
            (
                Method::Get,
                paths::SURVEYS.to_owned(),
                Endpoint::ListSurveys,
                None,
            ),
            (
                Method::Post,
                paths::SURVEYS.to_owned(),
                Endpoint::CreateSurvey,
                None,
            ),
            (Method::Get, paths::survey(42), Endpoint::GetSurvey, id),
            (Method::Head, paths::survey(42), Endpoint::GetSurvey, id),
            (Method::Put, paths::survey(42), Endpoint::SeedVote, id),
            (
                Method::Delete,
                paths::survey(42),
                Endpoint::DeleteSurvey,
                id,
            ),
            (Method::Post, paths::close(42), Endpoint::CloseSurvey, id),
            (
                Method::Post,
                paths::responses(42),
                Endpoint::CreateResponse,
                id,
            ),
            (
                Method::Get,
                paths::responses(42),
                Endpoint::ExportResponses,
                id,
            ),
            (Method::Get, paths::results(42), Endpoint::GetResults, id),
        ];
        for (method, path, expected, survey) in cases {
            assert_eq!(
                endpoint(&method, &path),
                Some((expected, survey)),
                "{method} {path}"
            );
            let bare = path.strip_suffix('/').unwrap_or(&path);
            assert_eq!(
                endpoint(&method, bare),
                Some((expected, survey)),
                "{method} {bare}"
            );
        }
        // Built paths with a query route by their path part, as the HTTP layer splits them.
        let page = paths::surveys_page(2, 10, true);
        let (path, _) = page.split_once('?').unwrap();
        assert_eq!(
            endpoint(&Method::Get, path),
            Some((Endpoint::ListSurveys, None))
        );
        let export = paths::export(7, "csv");
        let (path, query) = export.split_once('?').unwrap();
        assert_eq!(query, "format=csv");
        assert_eq!(
            endpoint(&Method::Get, path),
            Some((Endpoint::ExportResponses, Some(SurveyId(7))))
        );
    }

    #[test]
    fn odd_paths_route_nowhere() {
        for path in [
            "/",
            "/api",
            "/api/",
            "/api/surveys//",
            "/api/surveys/abc/",
            "/api/surveys/-1/",
            "/api/surveys/+1/",
            "/api/surveys/99999999999999999999/",
            "/api/../api/surveys/",
            "/api/surveys/1/2/",
            "/api/surveys/%31/",
            "/api/surveys/1/results//",
            "/api/openapi.json/x",
        ] {
            assert_eq!(find(&Method::Get, path), Lookup::NotFound, "{path}");
        }
    }

    #[test]
    fn a_known_path_with_another_method_lists_the_methods_it_answers() {
        assert_eq!(
            find(&Method::Post, &paths::survey(1)),
            Lookup::MethodNotAllowed(
                vec![Method::Get, Method::Put, Method::Patch, Method::Delete],
                "/api/surveys/{id}/"
            )
        );
        assert_eq!(
            find(&Method::Other("BREW".into()), paths::SURVEYS),
            Lookup::MethodNotAllowed(vec![Method::Get, Method::Post], "/api/surveys/")
        );
        assert_eq!(
            find(&Method::Get, paths::LOGIN),
            Lookup::MethodNotAllowed(vec![Method::Post], "/api/login/")
        );
    }

    #[test]
    fn only_registering_and_logging_in_hash_a_password() {
        for route in ROUTES {
            let path = route.path.replace("{id}", "1");
            let slow = hashes_a_password(&route.method, &path);
            let expected = matches!(route.endpoint, Endpoint::Register | Endpoint::Login);
            assert_eq!(slow, expected, "{} {}", route.method, route.path);
        }
        assert!(!hashes_a_password(&Method::Get, paths::LOGIN));
    }

    #[test]
    fn each_method_and_path_is_in_the_table_once() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(
                    !(a.method == b.method && a.path == b.path),
                    "{} {} twice",
                    a.method,
                    a.path
                );
            }
        }
    }

    #[test]
    fn statuses_follow_from_what_a_route_takes_and_who_may_call_it() {
        let route = |endpoint| ROUTES.iter().find(|r| r.endpoint == endpoint).unwrap();
        assert_eq!(route(Endpoint::Health).statuses(), [200, 405, 503]);
        assert_eq!(
            route(Endpoint::DeleteSurvey).statuses(),
            [204, 401, 403, 404, 405, 503]
        );
        assert_eq!(
            route(Endpoint::CreateResponse).statuses(),
            [200, 201, 400, 401, 403, 404, 405, 409, 413, 503]
        );
        assert_eq!(
            route(Endpoint::Login).statuses(),
            [200, 400, 401, 405, 413, 429, 503]
        );
    }

    #[test]
    fn cors_allows_every_method_of_the_table() {
        assert_eq!(
            all_methods(),
            "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
        );
    }
}
