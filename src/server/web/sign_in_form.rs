//! The sign-in form a survey that takes one response per user shows first, and the line a
//! signed-in form carries: who is signed in, and a button to sign out.

use maud::{Markup, html};

use super::form;
use super::layout;
use super::sign_in::{EMAIL, PASSWORD};
use crate::domain::Survey;
use crate::protocol::paths;

/// What goes into the sign-in form besides the survey.
pub struct SignInState<'a> {
    pub token: &'a str,
    /// As typed last time, so a wrong password does not cost the e-mail too.
    pub email: &'a str,
    /// What went wrong, said at the top.
    pub problem: Option<&'a str>,
    pub invitation: Option<&'a str>,
}

pub fn render(survey: &Survey, state: &SignInState<'_>) -> Markup {
    let title = match state.problem {
        None => format!("Sign in: {}", survey.name),
        Some(_) => format!("Sign in again: {}", survey.name),
    };
    let body = html! {
        h1 { (survey.name) }
        p { "Each account answers this survey once, so it is answered signed in." }
        @if let Some(problem) = state.problem {
            div.summary role="alert" aria-labelledby="summary-title" {
                h2 #summary-title { "Not signed in" }
                p.problem { (problem) }
            }
        }
        form method="post" action=(paths::page_sign_in(survey.id.0)) {
            input type="hidden" name=(form::TOKEN) value=(state.token);
            @if let Some(code) = state.invitation {
                input type="hidden" name=(form::INVITATION) value=(code);
            }
            div.field {
                label for=(EMAIL) { "E-mail" }
                input #(EMAIL) type="email" name=(EMAIL) autocomplete="username" value=(state.email);
            }
            div.field {
                label for=(PASSWORD) { "Password" }
                input #(PASSWORD) type="password" name=(PASSWORD) autocomplete="current-password";
            }
            button type="submit" { "Sign in" }
        }
        p.hint { "No account yet? Create one with the canvass command line: " code { "canvass register" } }
    };
    layout::page(&title, &body)
}

/// "Signed in as …", with a sign-out button posting the page's form token (bound to the
/// user, so a page elsewhere cannot sign them out).
pub fn signed_in(survey: &Survey, email: &str, token: &str) -> Markup {
    html! {
        form.signed-in method="post" action=(paths::page_sign_out(survey.id.0)) {
            input type="hidden" name=(form::TOKEN) value=(token);
            "Signed in as " strong { (email) } ". "
            button.quiet type="submit" { "Sign out" }
        }
    }
}
