//! Which page a path under `/s/` names. Pure, like the API's route table, but kept apart
//! from it: that table is the API's published contract (OpenAPI, `docs/API.md`), and pages
//! are not part of it.

use crate::domain::SurveyId;
use crate::protocol::paths;
use crate::server::http::Method;
use crate::server::routes::survey_id;

/// Everything the web pages live under.
const PREFIX: &str = "/s/";

/// A page, with the survey it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// `GET`: the form.
    Form(SurveyId),
    /// `POST`: the form's answers. Not the form's own address, so that posting does not
    /// evict the form from the browser's cache: the back button then shows the same form,
    /// same token, and sending it again is recognised (without a back/forward cache, which
    /// only Chromium has, a form posted to itself came back with a new token and counted
    /// twice — found by the browser harness).
    Answer(SurveyId),
    /// `POST`: e-mail and password, for a survey that takes one response per user.
    SignIn(SurveyId),
    /// `POST`: ends the sign-in.
    SignOut(SurveyId),
    Thanks(SurveyId),
    Results(SurveyId),
    Stylesheet,
}

/// What a request under `/s/` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The page, and whether the request posts to it.
    Page {
        page: Page,
        post: bool,
    },
    /// The page exists but not for this method: the `Allow` header's value, and the page.
    MethodNotAllowed(&'static str, Page),
    NotFound,
}

/// Every page's path template, as metrics and logs name it (`RouteName`).
pub const TEMPLATES: &[&str] = &[
    "/s/{id}",
    "/s/{id}/answer",
    "/s/{id}/signin",
    "/s/{id}/signout",
    "/s/{id}/thanks",
    "/s/{id}/results",
    paths::PAGE_STYLESHEET,
];

impl Page {
    /// This page's entry in `TEMPLATES`.
    pub fn template(self) -> &'static str {
        TEMPLATES[match self {
            Page::Form(_) => 0,
            Page::Answer(_) => 1,
            Page::SignIn(_) => 2,
            Page::SignOut(_) => 3,
            Page::Thanks(_) => 4,
            Page::Results(_) => 5,
            Page::Stylesheet => 6,
        }]
    }
}

/// Whether `path` belongs to the web pages rather than the API.
pub fn owns(path: &str) -> bool {
    path.starts_with(PREFIX) || path == "/s"
}

/// Whether answering costs a password hash (the sign-in): such requests get the login
/// workers, as the API's login does (`http::HttpConfig::is_slow`).
pub fn hashes_a_password(method: &Method, path: &str) -> bool {
    matches!(
        find(method, path),
        Lookup::Page {
            page: Page::SignIn(_),
            post: true
        }
    )
}

/// The page `method` and `path` ask for. A trailing slash is taken, as the API takes it.
pub fn find(method: &Method, path: &str) -> Lookup {
    let Some(page) = page(path) else {
        return Lookup::NotFound;
    };
    let posted_to = matches!(page, Page::Answer(_) | Page::SignIn(_) | Page::SignOut(_));
    match (method, page) {
        (Method::Post, _) if posted_to => Lookup::Page { page, post: true },
        _ if posted_to => Lookup::MethodNotAllowed("POST", page),
        (Method::Get | Method::Head, _) => Lookup::Page { page, post: false },
        _ => Lookup::MethodNotAllowed("GET, HEAD", page),
    }
}

fn page(path: &str) -> Option<Page> {
    if path == paths::PAGE_STYLESHEET {
        return Some(Page::Stylesheet);
    }
    let rest = path.strip_prefix(PREFIX)?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (id, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let id = survey_id(id)?;
    match tail {
        "" => Some(Page::Form(id)),
        "answer" => Some(Page::Answer(id)),
        "signin" => Some(Page::SignIn(id)),
        "signout" => Some(Page::SignOut(id)),
        "thanks" => Some(Page::Thanks(id)),
        "results" => Some(Page::Results(id)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str) -> Lookup {
        find(&Method::Get, path)
    }

    #[test]
    fn each_page_has_its_path() {
        let page = |page| Lookup::Page { page, post: false };
        assert_eq!(get(&paths::page(7)), page(Page::Form(SurveyId(7))));
        assert_eq!(get("/s/7/"), page(Page::Form(SurveyId(7))));
        assert_eq!(get(&paths::page_thanks(7)), page(Page::Thanks(SurveyId(7))));
        assert_eq!(
            get(&paths::page_results(7)),
            page(Page::Results(SurveyId(7)))
        );
        assert_eq!(get(paths::PAGE_STYLESHEET), page(Page::Stylesheet));
        for (path, page) in [
            (paths::page_answer(7), Page::Answer(SurveyId(7))),
            (paths::page_sign_in(7), Page::SignIn(SurveyId(7))),
            (paths::page_sign_out(7), Page::SignOut(SurveyId(7))),
        ] {
            assert_eq!(
                find(&Method::Post, &path),
                Lookup::Page { page, post: true }
            );
            assert_eq!(get(&path), Lookup::MethodNotAllowed("POST", page));
        }
    }

    #[test]
    fn only_posting_a_sign_in_hashes_a_password() {
        assert!(hashes_a_password(&Method::Post, &paths::page_sign_in(7)));
        assert!(!hashes_a_password(&Method::Get, &paths::page_sign_in(7)));
        assert!(!hashes_a_password(&Method::Post, &paths::page_sign_out(7)));
        assert!(!hashes_a_password(&Method::Post, &paths::page_answer(7)));
    }

    #[test]
    fn other_paths_and_methods_are_refused() {
        for path in [
            "/s",
            "/s/",
            "/s/x",
            "/s/+1",
            "/s/7/other",
            "/s/7/thanks/more",
            "/s/99999999999999999999",
        ] {
            assert!(owns(path), "{path}");
            assert_eq!(get(path), Lookup::NotFound, "{path}");
        }
        assert!(!owns("/api/surveys/"));
        assert!(!owns("/sx"));
        assert_eq!(
            find(&Method::Post, "/s/7"),
            Lookup::MethodNotAllowed("GET, HEAD", Page::Form(SurveyId(7)))
        );
        assert_eq!(
            find(&Method::Get, "/s/7/answer"),
            Lookup::MethodNotAllowed("POST", Page::Answer(SurveyId(7)))
        );
        assert_eq!(
            find(&Method::Post, "/s/7/results"),
            Lookup::MethodNotAllowed("GET, HEAD", Page::Results(SurveyId(7)))
        );
    }

    #[test]
    fn each_page_template_matches_its_page_with_the_id_filled_in() {
        for page in [
            Page::Form(SurveyId(7)),
            Page::Answer(SurveyId(7)),
            Page::SignIn(SurveyId(7)),
            Page::SignOut(SurveyId(7)),
            Page::Thanks(SurveyId(7)),
            Page::Results(SurveyId(7)),
            Page::Stylesheet,
        ] {
            let path = page.template().replace("{id}", "7");
            assert_eq!(self::page(&path), Some(page), "{path}");
        }
    }
}
