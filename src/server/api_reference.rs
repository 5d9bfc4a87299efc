//! `docs/API.md`: the route table as a page people read, written by `canvass generate` from
//! the same table the router dispatches from (`routes.rs`), so the prose cannot drift from
//! the server. The machine-readable twin is `docs/openapi.json`.

use std::fmt::Write as _;

use super::routes::{Access, Body, ROUTES, Route};

/// The whole page.
pub fn markdown() -> String {
    let mut page = String::from(HEADER);
    page.push_str(
        "| method | path | who may call | request body | success | other statuses | what it does |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for route in ROUTES {
        let _ = writeln!(page, "{}", row(route));
    }
    page.push_str(FOOTER);
    page
}

fn row(route: &Route) -> String {
    let others: Vec<String> = route
        .statuses()
        .into_iter()
        .filter(|&s| s != route.ok.0)
        .map(|s| s.to_string())
        .collect();
    let mut path = route.path.to_owned();
    for query in route.query {
        let _ = write!(
            path,
            "{}{}=…",
            if path.contains('?') { '&' } else { '?' },
            query.name
        );
    }
    format!(
        "| `{}` | `{}` | {} | {} | {} {} | {} | {} |",
        route.method,
        path,
        access(route.access),
        route.request.map_or("–", body),
        route.ok.0,
        body(route.ok.1),
        others.join(", "),
        route.summary.replace('|', "\\|"),
    )
}

fn access(access: Access) -> &'static str {
    match access {
        Access::Anyone => "anyone",
        Access::Optional => "anyone; a token, if sent, must be valid",
        Access::User => "a logged-in user",
        Access::Owner => "the survey's creator",
    }
}

/// A body as the page names it: the schema in `docs/openapi.json`.
fn body(body: Body) -> &'static str {
    match body {
        Body::Health => "`HealthBody`",
        Body::OpenApi => "the OpenAPI document",
        Body::Credentials => "`CredentialsRequest`",
        Body::Registered => "`RegisteredBody`",
        Body::Token => "`TokenBody`",
        Body::Me => "`MeBody`",
        Body::Message => "`MessageBody`",
        Body::SurveyListing => "`[SurveyBody]`, or `SurveyPage` when paged",
        Body::CreateSurvey => "`CreateSurveyRequest`",
        Body::Survey => "`SurveyBody`",
        Body::SeedVote => "`SeedVoteRequest`",
        Body::Response => "`ResponseRequest`",
        Body::Id => "`IdBody`",
        Body::MyResponse => "`MyResponseBody`",
        Body::SurveyEdit => "`SurveyEditRequest`",
        Body::InvitationsRequest => "`InvitationsRequest`",
        Body::NewInvitations => "`NewInvitationsBody`",
        Body::Invitations => "`InvitationsBody`",
        Body::Results => "`ResultsBody`",
        Body::Export => "`ExportBody`, or CSV",
        Body::Empty => "no body",
    }
}

const HEADER: &str = "\
# The canvass HTTP API

<!-- Written by `cargo run -- generate .` from src/server/routes.rs; do not edit by hand. -->

Every route lives under `/api`; paths end in `/`, and the same path without it works too.
Bodies are JSON. Every error is JSON with a `message` (and `field` when one input was wrong);
every 401 also carries `\"authenticated\": false`. A token goes in `Authorization: Bearer
<jwt>` (the seed web client's `Bearer: <jwt>` works too). CORS pre-flight (`OPTIONS`) is
answered on every path. The schemas named below are in [`openapi.json`](openapi.json), which
the server also publishes at `GET /api/openapi.json`; the tutorial's contract the server keeps
is [`seed-contract.md`](seed-contract.md).

";

const FOOTER: &str = "
Statuses every route of a kind can answer: 400 for a malformed body or parameter (`field`
names it), 413 for a body over the limit, 401 where a token is needed or was sent and is not
valid, 404 for an unknown survey, 403 for someone else's survey, 405 with `Allow` for a method
the path does not answer, 503 with `Retry-After` when the server is at capacity (logins and
registrations have workers of their own and a queue of their own).

Before any route is chosen, the HTTP engine itself answers a request it cannot read, with the
same JSON error body: 414 for a request line over its limit, 431 for headers over their limit, 408
when the head is too slow to arrive (a stalled body is a 400), 417 for an `Expect` other than
`100-continue`, 505 for an HTTP version other than 1.0 and 1.1.
";
