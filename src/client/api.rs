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
    CreateSurveyRequest, CredentialsRequest, ErrorBody, ExportBody, HealthBody, IdBody,
    InvitationsBody, InvitationsRequest, MeBody, MessageBody, NewInvitationsBody, RegisteredBody,
    ResponseRequest, ResultsBody, SurveyBody, SurveyEditRequest, SurveyPage, TokenBody, paths,
};

/// How long a request may take unless `--timeout` says: long enough for a login on a busy
/// server (argon2 runs one hash at a time there), short enough that a listener that never
/// answers stops a script soon (issue 14, item 12: it used to be 30 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection either opens within this or is not going to; a shorter `--timeout` wins.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The accepted spellings of a server, for every message about one that is not.
const SERVER_FORM: &str = "expected http://HOST[:PORT] or https://HOST[:PORT][/PATH]";

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
        form: SERVER_FORM,
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
    timeout: Duration,
}

impl ApiClient {
    /// A client for `server` (already normalised) whose requests each give up after
    /// `timeout`, anonymous until `with_token`.
    pub fn new(server: &str, timeout: Duration) -> Result<ApiClient, ClientError> {
        let http = Client::builder()
            .user_agent(concat!("canvass/", env!("CARGO_PKG_VERSION")))
            .timeout(timeout)
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
            .build()
            .map_err(|e| ClientError::HttpSetup {
                reason: printable(&e.to_string()),
            })?;
        Ok(ApiClient {
            server: server.to_owned(),
            http,
            token: None,
            timeout,
        })
    }

    /// The server, as normalised, for messages that name it.
    pub fn server(&self) -> &str {
        &self.server
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
            .map_err(|e| self.about_survey(id, e))
    }

    pub fn create_survey(&self, survey: &CreateSurveyRequest) -> Result<SurveyBody, ClientError> {
        self.send(Method::POST, paths::SURVEYS, Some(survey))
    }

    pub fn respond(&self, id: i64, response: &ResponseRequest) -> Result<IdBody, ClientError> {
        self.send(Method::POST, &paths::responses(id), Some(response))
            .map_err(|e| self.about_survey(id, e))
    }

    pub fn results(&self, id: i64) -> Result<ResultsBody, ClientError> {
        self.send(Method::GET, &paths::results(id), None::<&()>)
            .map_err(|e| self.about_survey(id, e))
    }

    pub fn export_json(&self, id: i64) -> Result<ExportBody, ClientError> {
        self.send(Method::GET, &paths::export(id, "json"), None::<&()>)
            .map_err(|e| self.about_survey(id, e))
    }

    /// The CSV exactly as the server wrote it.
    pub fn export_csv(&self, id: i64) -> Result<String, ClientError> {
        self.exchange(self.request(Method::GET, &paths::export(id, "csv"), None::<&()>))
            .map_err(|e| self.about_survey(id, e))
    }

    pub fn close(&self, id: i64) -> Result<SurveyBody, ClientError> {
        self.send(Method::POST, &paths::close(id), None::<&()>)
            .map_err(|e| self.about_survey(id, e))
    }

    pub fn reopen(&self, id: i64) -> Result<SurveyBody, ClientError> {
        self.send(Method::POST, &paths::reopen(id), None::<&()>)
            .map_err(|e| self.about_survey(id, e))
    }

    /// `PATCH`: only what `edit` gives changes.
    pub fn edit_survey(&self, id: i64, edit: &SurveyEditRequest) -> Result<Survey, ClientError> {
        self.send::<SurveyBody>(Method::PATCH, &paths::survey(id), Some(edit))
            .map(Survey::from)
            .map_err(|e| self.about_survey(id, e))
    }

    /// `count` new single-use codes; their `url`s are relative to the server (`url_of`).
    pub fn invite(&self, id: i64, count: u64) -> Result<NewInvitationsBody, ClientError> {
        let request = InvitationsRequest {
            count: crate::protocol::Count(count),
        };
        self.send(Method::POST, &paths::invitations(id), Some(&request))
            .map_err(|e| self.about_survey(id, e))
    }

    pub fn invitations(&self, id: i64) -> Result<InvitationsBody, ClientError> {
        self.send(Method::GET, &paths::invitations(id), None::<&()>)
            .map_err(|e| self.about_survey(id, e))
    }

    /// A link the server gave (an invitation's `/s/7?i=…`) as an absolute URL: on this
    /// server when it is a path, as it is when the server made it absolute (`--public-url`).
    pub fn url_of(&self, link: &str) -> String {
        if link.starts_with('/') {
            self.url(link)
        } else {
            link.to_owned()
        }
    }

    /// The server answers 204 with no body.
    pub fn delete(&self, id: i64) -> Result<(), ClientError> {
        self.exchange(self.request(Method::DELETE, &paths::survey(id), None::<&()>))
            .map(drop)
            .map_err(|e| self.about_survey(id, e))
    }

    /// The caller's own response to survey `id`, `None` when they have not responded (404).
    /// Any other error, such as 405 from a server older than the route, is the caller's to
    /// read as "cannot tell".
    pub fn my_response(
        &self,
        id: i64,
    ) -> Result<Option<crate::protocol::MyResponseBody>, ClientError> {
        match self.send(Method::GET, &paths::my_response(id), None::<&()>) {
            Ok(mine) => Ok(Some(mine)),
            Err(ClientError::Refused { status: 404, .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// A canvass 404 on a survey's path means the survey: the server's "no such survey"
    /// names no id, and the id is what the user typed (issue 14).
    fn about_survey(&self, id: i64, error: ClientError) -> ClientError {
        match error {
            ClientError::Refused { status: 404, .. } => ClientError::NoSurvey {
                id,
                server: self.server.clone(),
            },
            other => other,
        }
    }

    fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<T, ClientError> {
        let text = self.exchange(self.request(method, path, body))?;
        // serde_json's message may quote the reply's text.
        serde_json::from_str(&text).map_err(|e| {
            self.not_canvass().unwrap_or_else(|| ClientError::BadReply {
                url: self.url(path),
                reason: printable(&e.to_string()),
            })
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
        let Ok(body) = serde_json::from_str::<ErrorBody>(&text) else {
            // Not canvass's words: a proxy's page, or another program altogether (issue 14,
            // item 12: "error: Not Found" said nothing). One look at the health check tells.
            if status.is_client_error()
                && let Some(wrong) = self.not_canvass()
            {
                return Err(wrong);
            }
            let message = status.canonical_reason().unwrap_or("error").to_owned();
            return Err(self.refusal(status, url, message));
        };
        Err(self.refusal(status, url, printable(&body.message)))
    }

    fn refusal(&self, status: StatusCode, url: String, message: String) -> ClientError {
        match status {
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
        }
    }

    /// `NotCanvass` when `GET /api/health/` does not answer as canvass does, else `None`
    /// (canvass is there, and the odd reply came from somewhere on the way). Asked only after
    /// a reply canvass would not give, so a working server never pays for it.
    fn not_canvass(&self) -> Option<ClientError> {
        let url = self.url(paths::HEALTH);
        let reply = self.http.get(&url).send().ok()?;
        let status = reply.status();
        let is_canvass = status.is_success()
            && reply
                .text()
                .is_ok_and(|text| serde_json::from_str::<HealthBody>(&text).is_ok());
        (!is_canvass).then(|| ClientError::NotCanvass {
            server: self.server.clone(),
            answer: if status.is_success() {
                format!(
                    "{} with something else than canvass's health report",
                    status.as_u16()
                )
            } else {
                status.as_u16().to_string()
            },
        })
    }

    fn unreachable(&self, error: &reqwest::Error) -> ClientError {
        // Still `Unreachable`, so a read falls back to the local copy and a response is
        // queued, as when the server is down; the reason names the knob.
        if error.is_timeout() {
            return ClientError::Unreachable {
                url: self.server.clone(),
                reason: format!(
                    "no answer within {}; --timeout or CANVASS_TIMEOUT waits longer",
                    humantime::format_duration(self.timeout)
                ),
            };
        }
        // reqwest's own text is "error sending request for url (…)"; the innermost cause
        // ("Connection refused (os error 111)") is what tells a person what happened.
        let mut cause: &dyn std::error::Error = error;
        let mut invalid_data = false;
        while let Some(next) = cause.source() {
            cause = next;
            invalid_data |= cause
                .downcast_ref::<std::io::Error>()
                .is_some_and(is_invalid_data);
        }
        let reason = printable(&cause.to_string());
        // rustls reports a handshake it cannot read as invalid data ("received corrupt
        // message of type InvalidContentType" when a plain-http server answered): on an
        // https connection that is the TLS handshake failing, and the likeliest cause is a
        // server that speaks plain http.
        if invalid_data && error.is_connect() && self.server.starts_with("https://") {
            return ClientError::TlsFailed {
                server: self.server.clone(),
                reason,
            };
        }
        ClientError::Unreachable {
            url: self.server.clone(),
            reason,
        }
    }

    /// `path` is a full path from `protocol::paths`, `/api/…`.
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server)
    }
}

/// Whether `error`, or an I/O error it wraps, is `InvalidData`: hyper wraps the TLS stream's
/// error in one of kind `Other`, and `io::Error::source` skips the wrapped error itself.
fn is_invalid_data(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::InvalidData
        || error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<std::io::Error>())
            .is_some_and(is_invalid_data)
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
