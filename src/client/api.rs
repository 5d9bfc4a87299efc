//! The HTTP client for the canvass API (reqwest, blocking): one method per endpoint, its path
//! from `protocol::paths`, each turning the server's reply into a protocol body (a survey
//! into the domain's `Survey`) or a typed `ClientError`. What a server says in an error is
//! made printable here, once, before any error message quotes it.

use std::time::Duration;

use reqwest::blocking::{Client, RequestBuilder};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::{ClientError, ServerSource};
use super::jwt::Jwt;
use super::render::printable;
use crate::domain::Survey;
use crate::protocol::{
    CreateSurveyRequest, CredentialsRequest, ErrorBody, ExportBody, HealthBody, IdBody, MeBody,
    MessageBody, RegisteredBody, ResponseRequest, ResultsBody, SurveyBody, SurveyPage, TokenBody,
    paths,
};

/// Long enough for a login on a busy server (argon2 runs one hash at a time there), short
/// enough that a script never hangs on a dead one.
const TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A server's base URL, normalised so one server has one name: scheme and host, no trailing
/// slash and no `/api` (every path adds it). Credentials are kept under this name, the local
/// database is named after it, and `login` saves it to the config file.
///
/// A user name or password in it (`http://alice:pw@host`) is refused, as a usage error: it
/// would be echoed, saved and made part of a file name, and reqwest would send it as Basic
/// auth beside the session's Bearer token (issue 13, item 9). `origin` says where the URL
/// came from, for the message.
pub fn normalize_server(server: &str, origin: ServerSource) -> Result<String, ClientError> {
    let trimmed = server.trim();
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("http://{trimmed}")
    };
    let bad = |reason: &str| ClientError::BadServer {
        server: redact_user_info(trimmed),
        reason: printable(reason),
    };
    let url = Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ClientError::ServerUserInfo {
            server: redact_user_info(trimmed),
            origin,
        });
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("only http:// and https:// are spoken"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it names no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it has a query or fragment"));
    }
    let text = url.as_str().trim_end_matches('/');
    Ok(text.strip_suffix("/api").unwrap_or(text).to_owned())
}

/// `server` as typed, with anything before an `@` in its authority shown as `***`, made
/// printable: what an error may quote of a URL that did not parse or holds credentials.
/// Worked on the text, not a parsed URL, because a URL that does not parse must be named too.
fn redact_user_info(server: &str) -> String {
    let start = server.find("://").map_or(0, |at| at + 3);
    let authority_end = server[start..]
        .find(['/', '?', '#', '\\'])
        .map_or(server.len(), |at| start + at);
    let shown = match server[start..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &server[..start], &server[start + at..]),
        None => server.to_owned(),
    };
    printable(&shown)
}

pub struct ApiClient {
    server: String,
    http: Client,
    token: Option<Jwt>,
}

impl ApiClient {
    /// A client for `server` (already normalised), anonymous until `with_token`.
    pub fn new(server: &str) -> Result<ApiClient, ClientError> {
        let http = Client::builder()
            .user_agent(concat!("canvass/", env!("CARGO_PKG_VERSION")))
            .timeout(TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|e| ClientError::BadServer {
                server: server.to_owned(),
                reason: printable(&e.to_string()),
            })?;
        Ok(ApiClient {
            server: server.to_owned(),
            http,
            token: None,
        })
    }

    #[must_use]
    pub fn with_token(mut self, token: Jwt) -> ApiClient {
        self.token = Some(token);
        self
    }

    pub fn health(&self) -> Result<HealthBody, ClientError> {
        self.send(Method::GET, paths::HEALTH, None::<&()>)
    }

    pub fn register(
        &self,
        credentials: &CredentialsRequest,
    ) -> Result<RegisteredBody, ClientError> {
        self.send(Method::POST, paths::REGISTER, Some(credentials))
    }

    /// A wrong password is the server refusing a request, not a session problem: exit 1 with
    /// the server's message rather than the "run `canvass login`" advice.
    pub fn login(&self, credentials: &CredentialsRequest) -> Result<TokenBody, ClientError> {
        self.send(Method::POST, paths::LOGIN, Some(credentials))
            .map_err(|error| match error {
                ClientError::Rejected { message, .. } => ClientError::Refused {
                    status: 401,
                    message,
                },
                other => other,
            })
    }

    pub fn me(&self) -> Result<MeBody, ClientError> {
        self.send(Method::GET, paths::ME, None::<&()>)
    }

    pub fn refresh(&self) -> Result<TokenBody, ClientError> {
        self.send(Method::POST, paths::TOKEN_REFRESH, None::<&()>)
    }

    pub fn logout_all(&self) -> Result<MessageBody, ClientError> {
        self.send(Method::POST, paths::LOGOUT_ALL, None::<&()>)
    }

    /// One page of the listing; `mine` keeps the caller's own surveys (needs a token).
    pub fn surveys(&self, page: u64, per_page: u64, mine: bool) -> Result<SurveyPage, ClientError> {
        self.send(
            Method::GET,
            &paths::surveys_page(page, per_page, mine),
            None::<&()>,
        )
    }

    pub fn survey(&self, id: i64) -> Result<Survey, ClientError> {
        self.send::<SurveyBody>(Method::GET, &paths::survey(id), None::<&()>)
            .map(Survey::from)
    }

    pub fn create_survey(&self, survey: &CreateSurveyRequest) -> Result<SurveyBody, ClientError> {
        self.send(Method::POST, paths::SURVEYS, Some(survey))
    }

    pub fn respond(&self, id: i64, response: &ResponseRequest) -> Result<IdBody, ClientError> {
        self.send(Method::POST, &paths::responses(id), Some(response))
    }

    pub fn results(&self, id: i64) -> Result<ResultsBody, ClientError> {
        self.send(Method::GET, &paths::results(id), None::<&()>)
    }

    pub fn export_json(&self, id: i64) -> Result<ExportBody, ClientError> {
        self.send(Method::GET, &paths::export(id, "json"), None::<&()>)
    }

    /// The CSV exactly as the server wrote it.
    pub fn export_csv(&self, id: i64) -> Result<String, ClientError> {
        self.exchange(self.request(Method::GET, &paths::export(id, "csv"), None::<&()>))
    }

    pub fn close(&self, id: i64) -> Result<SurveyBody, ClientError> {
        self.send(Method::POST, &paths::close(id), None::<&()>)
    }

    /// The server answers 204 with no body.
    pub fn delete(&self, id: i64) -> Result<(), ClientError> {
        self.exchange(self.request(Method::DELETE, &paths::survey(id), None::<&()>))
            .map(drop)
    }

    fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<T, ClientError> {
        let text = self.exchange(self.request(method, path, body))?;
        // serde_json's message may quote the reply's text.
        serde_json::from_str(&text).map_err(|e| ClientError::BadReply {
            url: self.url(path),
            reason: printable(&e.to_string()),
        })
    }

    fn request(&self, method: Method, path: &str, body: Option<&impl Serialize>) -> RequestBuilder {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.as_str());
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request
    }

    fn exchange(&self, request: RequestBuilder) -> Result<String, ClientError> {
        let response = request.send().map_err(|e| self.unreachable(&e))?;
        let status = response.status();
        let url = response.url().to_string();
        let text = response.text().map_err(|e| self.unreachable(&e))?;
        if status.is_success() {
            return Ok(text);
        }
        // Every canvass error is JSON with a `message`; a proxy's HTML page is not. The message
        // is the server's text, quoted in a one-line error: made printable here, once.
        let message = serde_json::from_str::<ErrorBody>(&text).map_or_else(
            |_| status.canonical_reason().unwrap_or("error").to_owned(),
            |body| printable(&body.message),
        );
        Err(match status {
            StatusCode::UNAUTHORIZED => ClientError::Rejected {
                server: self.server.clone(),
                message,
            },
            s if s.is_server_error() => ClientError::ServerFailing {
                url,
                status: s.as_u16(),
                message,
            },
            s => ClientError::Refused {
                status: s.as_u16(),
                message,
            },
        })
    }

    fn unreachable(&self, error: &reqwest::Error) -> ClientError {
        // reqwest's own text is "error sending request for url (…)"; the innermost cause
        // ("Connection refused (os error 111)") is what tells a person what happened.
        let mut cause: &dyn std::error::Error = error;
        while let Some(next) = cause.source() {
            cause = next;
        }
        ClientError::Unreachable {
            url: self.server.clone(),
            reason: printable(&cause.to_string()),
        }
    }

    /// `path` is a full path from `protocol::paths`, `/api/…`.
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalize(server: &str) -> Result<String, ClientError> {
        normalize_server(server, ServerSource::Flag)
    }

    #[test]
    fn one_server_has_one_name() {
        for spelling in [
            "http://127.0.0.1:5000",
            "http://127.0.0.1:5000/",
            "127.0.0.1:5000",
            "http://127.0.0.1:5000/api/",
        ] {
            assert_eq!(normalize(spelling).unwrap(), "http://127.0.0.1:5000");
        }
        assert_eq!(
            normalize("https://example.com/surveys/").unwrap(),
            "https://example.com/surveys"
        );
    }

    #[test]
    fn what_is_not_a_server_is_refused_with_a_reason() {
        for bad in ["ftp://example.com", "http://", "http://example.com/?x=1"] {
            assert!(
                matches!(normalize(bad), Err(ClientError::BadServer { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_user_name_or_password_in_the_url_is_a_usage_error_that_hides_them() {
        for spelling in [
            "http://alice:S3CRETPW@example.com",
            "alice:S3CRETPW@example.com:8080/",
            "https://alice@example.com/surveys",
            "http://:S3CRETPW@example.com",
            "http:alice:S3CRETPW@example.com",
        ] {
            let error = normalize(spelling).unwrap_err();
            assert!(
                matches!(error, ClientError::ServerUserInfo { .. }),
                "{spelling}: {error}"
            );
            assert_eq!(error.exit_code(), 2, "{spelling}");
            let message = error.to_string();
            assert!(
                !message.contains("S3CRETPW") && !message.contains("alice"),
                "{message}"
            );
            assert!(message.contains("***@example.com"), "{message}");
        }
    }

    #[test]
    fn a_url_that_does_not_parse_is_named_without_its_user_info() {
        assert_eq!(
            redact_user_info("http://alice:pw@exa mple.com/a@b"),
            "http://***@exa mple.com/a@b"
        );
        assert_eq!(redact_user_info("a:b@c@host"), "***@host");
        assert_eq!(redact_user_info("host/path@x"), "host/path@x");
        assert_eq!(redact_user_info("http://h\x1b]0;x"), "http://h ]0;x");
        let error = normalize("http://alice:S3CRETPW@exa mple.com").unwrap_err();
        assert!(matches!(error, ClientError::BadServer { .. }), "{error}");
        assert!(!error.to_string().contains("S3CRETPW"), "{error}");
    }
}
