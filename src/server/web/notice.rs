//! The plain pages: the confirmation after a response, and one page per `PageError` saying
//! what happened and what to do, with no form.

use maud::{Markup, html};

use super::layout;
use super::page_error::PageError;
use crate::domain::{InvitationRefusal, Survey};
use crate::protocol::paths;
use crate::server::error::retry_after_secs;

pub fn thanks(survey: &Survey) -> Markup {
    let body = html! {
        h1 { "Thank you" }
        p { "Your answers to “" (survey.name) "” have been recorded." }
        @if survey.settings.public_results {
            p { a href=(paths::page_results(survey.id.0)) { "See the results so far" } }
        }
    };
    layout::page(&format!("Thank you: {}", survey.name), &body)
}

pub fn error(error: &PageError) -> Markup {
    let (title, body) = match error {
        PageError::NotFound => (
            "Not found",
            html! { p { "There is no such survey. It may have been deleted; check the link you were given." } },
        ),
        PageError::Closed => (
            "This survey is closed",
            html! { p { "It takes no more answers." } },
        ),
        PageError::NotYetOpen { opens_at } => (
            "This survey is not open yet",
            html! {
                @if let Some(at) = opens_at {
                    p { "It opens at " time datetime=(at) { (at) } " (UTC). Come back then." }
                } @else {
                    p { "Come back later." }
                }
            },
        ),
        PageError::AlreadyAnswered => (
            "You have answered this survey",
            html! { p { "Each account answers it once, and yours has." } },
        ),
        PageError::Throttled { retry_after } => (
            "Too many sign-in attempts",
            html! { p { "Wait " (retry_after_secs(*retry_after)) " seconds, then try again." } },
        ),
        PageError::Busy => (
            "The server is busy",
            html! { p { "Too many people are signing in right now. Try again in a moment." } },
        ),
        PageError::StaleForm(_) => (
            "This form is not valid any more",
            html! { p { "This form is not valid any more; reload the page and answer again." } },
        ),
        PageError::Invitation(refusal) => (
            "Invitation needed",
            html! {
                p {
                    @match refusal {
                        InvitationRefusal::Required { .. } => "This survey is answered by invitation only: open the link from your invitation.",
                        InvitationRefusal::Unknown { .. } => "That invitation is not one of this survey's. Check the link you were given.",
                        InvitationRefusal::Used => "That invitation has been used already: each one answers once.",
                    }
                }
            },
        ),
        PageError::MethodNotAllowed { .. } => (
            "Method not allowed",
            html! { p { "This page cannot be used that way." } },
        ),
        PageError::Internal(_) => (
            "Something went wrong",
            html! { p { "The server could not answer. Try again in a moment." } },
        ),
    };
    layout::page(title, &html! { h1 { (title) } (body) })
}
