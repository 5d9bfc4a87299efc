//! The survey as a form: one fieldset per question, every control labelled, required
//! questions said in words, and after a mistake an error summary linking to each question
//! at fault. It works without JavaScript; there is none.

use maud::{Markup, html};

use super::form::{self, Filled};
use super::layout;
use super::mistakes::Mistake;
use super::sign_in_form;
use crate::domain::{Question, QuestionKind, Survey};
use crate::protocol::paths;

/// What goes into the form besides the survey.
pub struct FormState<'a> {
    pub filled: &'a Filled,
    pub mistakes: &'a [Mistake<'a>],
    pub token: &'a str,
    pub invitation: Option<&'a str>,
    /// The signed-in respondent's e-mail, for a survey that takes one response per user.
    pub signed_in: Option<&'a str>,
}

pub fn render(survey: &Survey, state: &FormState<'_>) -> Markup {
    let title = if state.mistakes.is_empty() {
        survey.name.clone()
    } else {
        // Screen readers announce the title first: say at once that the page came back.
        format!("Fix your answers: {}", survey.name)
    };
    let any_required = survey.questions.iter().any(|q| q.required);
    let body = html! {
        h1 { (survey.name) }
        @if let Some(email) = state.signed_in {
            (sign_in_form::signed_in(survey, email, state.token))
        }
        @if !state.mistakes.is_empty() {
            div.summary role="alert" aria-labelledby="summary-title" {
                h2 #summary-title { "Some answers need fixing" }
                ul {
                    @for mistake in state.mistakes {
                        li {
                            a href=(format!("#{}", form::field(mistake.question.id))) {
                                (mistake.question.text) ": " (mistake.problem)
                            }
                        }
                    }
                }
            }
        }
        @if any_required {
            p.hint { "Questions marked “required” need an answer." }
        }
        form method="post" action=(paths::page_answer(survey.id.0)) {
            input type="hidden" name=(form::TOKEN) value=(state.token);
            @if let Some(code) = state.invitation {
                input type="hidden" name=(form::INVITATION) value=(code);
            }
            @for question in &survey.questions {
                (fieldset(question, state))
            }
            button type="submit" { "Send answers" }
        }
    };
    layout::page(&title, &body)
}

fn fieldset(question: &Question, state: &FormState<'_>) -> Markup {
    let name = form::field(question.id);
    let problem = state
        .mistakes
        .iter()
        .find(|m| m.question.id == question.id)
        .map(|m| m.problem.as_str());
    let problem_id = format!("{name}-problem");
    // No `required` attribute on the controls: the browser would stop the post with its own
    // bubble, and the summary (which names every question at once) would never be seen.
    html! {
        fieldset #(name) aria-describedby=[problem.map(|_| &problem_id)] {
            legend {
                (question.text)
                @if question.required { " " span.required { "(required)" } }
            }
            @if let Some(problem) = problem {
                p.problem #(problem_id) { "This question " (problem) "." }
            }
            @match question.kind {
                QuestionKind::Single | QuestionKind::Multiple => {
                    @let kind = if question.kind == QuestionKind::Single { "radio" } else { "checkbox" };
                    @for choice in &question.choices {
                        @let id = format!("c{}", choice.id);
                        div.choice {
                            input type=(kind) id=(id) name=(name) value=(choice.id)
                                checked[state.filled.has(question.id, choice.id)];
                            label for=(id) { (choice.text) }
                        }
                    }
                }
                QuestionKind::Text => {
                    @let id = format!("{name}-text");
                    label.sub for=(id) { "Your answer" }
                    textarea id=(id) name=(name) rows="4" { (state.filled.text(question.id)) }
                }
            }
        }
    }
}
