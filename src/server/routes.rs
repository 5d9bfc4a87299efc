//! The route table: (method, path) → what to do, as pure data. The seed's paths end in `/`
//! and its Flask app redirected the slash-less form; canvass serves both directly
//! (CONTRACT.md Part 1).

use std::fmt;

use crate::domain::SurveyId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Delete,
    Options,
    Other(String),
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Other(other) => other,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Health,
    Register,
    Login,
    Me,
    TokenRefresh,
    LogoutAll,
    Surveys,
    Survey(SurveyId),
    Responses(SurveyId),
    Results(SurveyId),
    Close(SurveyId),
}

impl Route {
    /// The route a path names, with or without its trailing slash; `None` for anything else.
    pub fn parse(path: &str) -> Option<Route> {
        let rest = path.strip_prefix("/api/")?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let survey = |id: &str| {
            // Digits only: `+1`, `01x` or `-1` name no survey.
            (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
                .then(|| id.parse().ok().map(SurveyId))
                .flatten()
        };
        let parts: Vec<&str> = rest.split('/').collect();
        Some(match parts.as_slice() {
            ["health"] => Route::Health,
            ["register"] => Route::Register,
            ["login"] => Route::Login,
            ["me"] => Route::Me,
            ["token", "refresh"] => Route::TokenRefresh,
            ["logout-all"] => Route::LogoutAll,
            ["surveys"] => Route::Surveys,
            ["surveys", id] => Route::Survey(survey(id)?),
            ["surveys", id, "responses"] => Route::Responses(survey(id)?),
            ["surveys", id, "results"] => Route::Results(survey(id)?),
            ["surveys", id, "close"] => Route::Close(survey(id)?),
            _ => return None,
        })
    }

    /// Whether answering costs a password hash (register, login): such requests get their
    /// own workers (`http::HttpConfig::is_slow`).
    pub fn hashes_a_password(method: &str, path: &str) -> bool {
        method == "POST" && matches!(Route::parse(path), Some(Route::Register | Route::Login))
    }

    /// The methods this route answers, for 405's message and CORS pre-flight.
    pub fn allowed(self) -> &'static str {
        match self {
            Route::Health | Route::Me | Route::Results(_) => "GET",
            Route::Register
            | Route::Login
            | Route::TokenRefresh
            | Route::LogoutAll
            | Route::Close(_) => "POST",
            Route::Surveys | Route::Responses(_) => "GET, POST",
            Route::Survey(_) => "GET, PUT, DELETE",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_route_with_or_without_the_trailing_slash() {
        assert_eq!(Route::parse("/api/surveys/"), Some(Route::Surveys));
        assert_eq!(Route::parse("/api/surveys"), Some(Route::Surveys));
        assert_eq!(
            Route::parse("/api/surveys/42/"),
            Some(Route::Survey(SurveyId(42)))
        );
        assert_eq!(
            Route::parse("/api/surveys/42/results"),
            Some(Route::Results(SurveyId(42)))
        );
        assert_eq!(
            Route::parse("/api/token/refresh/"),
            Some(Route::TokenRefresh)
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
        ] {
            assert_eq!(Route::parse(path), None, "{path}");
        }
    }
}
