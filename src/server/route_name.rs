//! What a request is called in metrics and logs: the template of the route it matched
//! (`/api/surveys/{id}/`, `/s/{id}`), never its raw path, so the set of names is fixed and a
//! client cannot mint new metric series or put an id or a query into a log line.

use super::http::Method;
use super::routes::{self, Lookup, ROUTES};
use super::web;

/// A route's template, or one of the two names for requests no route answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RouteName(&'static str);

impl RouteName {
    /// A path that neither the API nor the web pages know (404), whatever it was.
    pub const UNMATCHED: RouteName = RouteName("unmatched");
    /// CORS pre-flight: the HTTP layer answers `OPTIONS` for any path without routing it.
    pub const PREFLIGHT: RouteName = RouteName("preflight");

    /// The name of a template from the route table or the web pages' (`web::TEMPLATES`).
    pub(super) fn of(template: &'static str) -> RouteName {
        RouteName(template)
    }

    /// Routes a request only to name it: for the few the handler never sees (a body too
    /// large, a login lane full), since the handler names the rest as it routes them.
    pub fn resolve(method: &Method, path: &str) -> RouteName {
        if web::owns(path) {
            return web::name(method, path);
        }
        match routes::find(method, path) {
            Lookup::Route { route, .. } => RouteName(route.path),
            Lookup::MethodNotAllowed(_, template) => RouteName(template),
            Lookup::NotFound => RouteName::UNMATCHED,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// Every name there is, each once: what the metrics make series for.
    pub fn all() -> Vec<RouteName> {
        let mut names = vec![RouteName::UNMATCHED, RouteName::PREFLIGHT];
        for name in ROUTES
            .iter()
            .map(|route| route.path)
            .chain(web::TEMPLATES.iter().copied())
            .map(RouteName)
        {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_is_named_once_and_no_name_holds_an_id() {
        let names = RouteName::all();
        for route in ROUTES {
            assert!(names.contains(&RouteName(route.path)), "{}", route.path);
        }
        for template in web::TEMPLATES {
            assert!(names.contains(&RouteName(template)), "{template}");
        }
        for (i, a) in names.iter().enumerate() {
            assert!(!names[i + 1..].contains(a), "{} twice", a.as_str());
            assert!(!a.as_str().bytes().any(|b| b.is_ascii_digit()), "{a:?}");
        }
    }

    #[test]
    fn a_request_is_named_by_its_template_whatever_its_id_or_method() {
        let name = |method, path| RouteName::resolve(&method, path).as_str();
        assert_eq!(name(Method::Get, "/api/surveys/42/"), "/api/surveys/{id}/");
        assert_eq!(name(Method::Post, "/api/surveys/7"), "/api/surveys/{id}/");
        assert_eq!(name(Method::Get, "/s/9/results"), "/s/{id}/results");
        assert_eq!(name(Method::Post, "/s/9"), "/s/{id}");
        assert_eq!(name(Method::Get, "/api/nope/123"), "unmatched");
        assert_eq!(name(Method::Get, "/s/9/nope"), "unmatched");
    }
}
