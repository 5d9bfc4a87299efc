//! A survey's public results: per question, each choice's count, its share of the
//! responses and a bar (a `<meter>`, so it needs no inline style the CSP would block); text
//! answers listed.

use maud::{Markup, html};

use super::layout;
use crate::domain::{Question, Results};

pub fn render(results: &Results) -> Markup {
    let survey = &results.survey;
    let responses = survey.responses;
    let body = html! {
        h1 { (survey.name) }
        p { (responses) @if responses == 1 { " response" } @else { " responses" } }
        @for (question, texts) in survey.questions.iter().zip(&results.text_answers) {
            section {
                h2 { (question.text) }
                @if question.kind.has_choices() {
                    (choices(question, responses))
                } @else if texts.is_empty() {
                    p { "No answers yet." }
                } @else {
                    ul.answers { @for text in texts { li { (text) } } }
                }
            }
        }
    };
    layout::page(&format!("Results: {}", survey.name), &body)
}

fn choices(question: &Question, responses: u64) -> Markup {
    html! {
        ul.tally {
            @for choice in &question.choices {
                @let share = percent(choice.selected, responses);
                li {
                    span.choice { (choice.text) }
                    span.count { (choice.selected) " (" (share) "%)" }
                    // The count beside it says the same in words: the bar is for the eye.
                    meter min="0" max=(responses.max(1)) value=(choice.selected) aria-hidden="true" { (share) "%" }
                }
            }
        }
    }
}

/// The share of `responses` that chose it, rounded to a whole percent. Of a
/// multiple-choice question the shares may add up to more than 100.
fn percent(count: u64, responses: u64) -> u64 {
    (count.saturating_mul(100) + responses / 2)
        .checked_div(responses)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_round_to_whole_percents() {
        assert_eq!(percent(0, 0), 0);
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(2, 3), 67);
        assert_eq!(percent(3, 3), 100);
    }
}
