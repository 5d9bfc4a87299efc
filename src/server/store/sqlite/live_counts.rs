//! Counts as the response writer last committed them, so reading a survey after a vote
//! needs no database (issue 18). A vote's reply is the survey with its counts, and every
//! batch of votes made each reader's SQLite page cache stale (WAL mode drops it when the log
//! has moved on), so rebuilding that reply read the survey back page by page: a third of a
//! vote's CPU. Now the writer publishes the counts it wrote (`RETURNING` them) once its
//! commit is through, and a survey is its kept definition (`definitions.rs`) with these laid
//! over it.
//!
//! Counts only ever grow (a response is never taken back; a survey deleted takes its counts
//! with it, and ids are never reused), so of two readings the larger is the newer: the
//! definition and these are merged by taking the larger of each, whichever was read first.
//! Only this process's writer moves counts on its database (one process owns an SQLite
//! file), so nothing newer than the larger can exist.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use crate::domain::{ChoiceId, Survey, SurveyId, SurveyStatus, Timestamp};

/// Surveys whose counts are kept; past it they are all dropped, and the store reads its
/// definitions afresh (`LiveCounts::publish` says so).
const MAX_SURVEYS: usize = 4096;

#[derive(Default)]
struct Counts {
    responses: u64,
    choices: HashMap<ChoiceId, u64>,
}

#[derive(Default)]
pub struct LiveCounts {
    surveys: RwLock<HashMap<SurveyId, Counts>>,
}

impl LiveCounts {
    /// Records committed counts: `survey`'s response count, if given, and `choices`'
    /// `selected`. `true` when older counts had to be dropped to make room: the caller must
    /// then stop trusting definitions read before (their counts may predate what was
    /// dropped).
    pub fn publish(
        &self,
        surveys: &[(SurveyId, u64)],
        choices: &[(SurveyId, ChoiceId, u64)],
    ) -> bool {
        let mut kept = self.surveys.write().unwrap_or_else(PoisonError::into_inner);
        let mut dropped = false;
        if kept.len() + surveys.len() > MAX_SURVEYS {
            kept.clear();
            dropped = true;
        }
        for &(survey, responses) in surveys {
            let counts = kept.entry(survey).or_default();
            counts.responses = counts.responses.max(responses);
        }
        for &(survey, choice, selected) in choices {
            let count = kept
                .entry(survey)
                .or_default()
                .choices
                .entry(choice)
                .or_default();
            *count = (*count).max(selected);
        }
        dropped
    }

    /// Lays the counts kept for `survey` over it, each the larger of the two, and works its
    /// status out again at `now` from the counts (a survey closed when read stays closed:
    /// full, past its window or closed by its owner, none of which undoes itself).
    pub fn apply(&self, survey: &mut Survey, now: Timestamp) {
        let kept = self.surveys.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(counts) = kept.get(&survey.id) {
            survey.responses = survey.responses.max(counts.responses);
            for choice in survey
                .questions
                .iter_mut()
                .flat_map(|q| q.choices.iter_mut())
            {
                if let Some(&selected) = counts.choices.get(&choice.id) {
                    choice.selected = choice.selected.max(selected);
                }
            }
        }
        if survey.status != SurveyStatus::Closed {
            survey.status = survey.settings.status(false, survey.responses, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Choice, Question, QuestionId, QuestionKind, SurveySettings};

    fn survey(responses: u64, selected: [u64; 2]) -> Survey {
        let choice = |id: i64, selected| Choice {
            id: ChoiceId(id),
            question_id: QuestionId(1),
            text: String::new(),
            created_at: String::new(),
            selected,
        };
        Survey {
            id: SurveyId(1),
            name: String::new(),
            created_at: String::new(),
            creator_id: None,
            creator: None,
            status: SurveyStatus::Open,
            one_response_per_user: false,
            responses,
            questions: vec![Question {
                id: QuestionId(1),
                survey_id: SurveyId(1),
                text: String::new(),
                kind: QuestionKind::Single,
                required: true,
                created_at: String::new(),
                choices: vec![choice(1, selected[0]), choice(2, selected[1])],
            }],
            settings: SurveySettings::default(),
        }
    }

    fn counts(s: &Survey) -> (u64, Vec<u64>) {
        let selected = s.questions[0].choices.iter().map(|c| c.selected).collect();
        (s.responses, selected)
    }

    const NOW: Timestamp = Timestamp::from_unix(1_800_000_000);

    #[test]
    fn the_larger_of_each_count_wins_whichever_was_read_first() {
        let live = LiveCounts::default();
        live.publish(&[(SurveyId(1), 5)], &[(SurveyId(1), ChoiceId(1), 3)]);
        // Read before the commit: the published counts are newer.
        let mut older = survey(4, [2, 2]);
        live.apply(&mut older, NOW);
        assert_eq!(counts(&older), (5, vec![3, 2]));
        // Read after a later commit: the definition is newer.
        let mut newer = survey(9, [6, 3]);
        live.apply(&mut newer, NOW);
        assert_eq!(counts(&newer), (9, vec![6, 3]));
    }

    #[test]
    fn a_survey_that_fills_up_is_closed_by_its_counts() {
        let live = LiveCounts::default();
        let mut full = survey(1, [1, 0]);
        full.settings.max_responses = Some(2);
        live.apply(&mut full, NOW);
        assert_eq!(full.status, SurveyStatus::Open);
        live.publish(&[(SurveyId(1), 2)], &[]);
        live.apply(&mut full, NOW);
        assert_eq!(full.status, SurveyStatus::Closed);
    }

    #[test]
    fn a_closed_survey_stays_closed_and_other_surveys_are_untouched() {
        let live = LiveCounts::default();
        live.publish(&[(SurveyId(2), 7)], &[(SurveyId(2), ChoiceId(1), 7)]);
        let mut closed = survey(1, [1, 0]);
        closed.status = SurveyStatus::Closed;
        live.apply(&mut closed, NOW);
        assert_eq!(
            (closed.status, counts(&closed)),
            (SurveyStatus::Closed, (1, vec![1, 0]))
        );
    }

    #[test]
    fn past_the_limit_everything_is_dropped_and_the_caller_is_told() {
        let live = LiveCounts::default();
        let many: Vec<_> = (0..i64::try_from(MAX_SURVEYS).unwrap())
            .map(|id| (SurveyId(id), 1))
            .collect();
        assert!(!live.publish(&many, &[]));
        assert!(live.publish(&[(SurveyId(-1), 1)], &[]));
        assert_eq!(live.surveys.read().unwrap().len(), 1);
    }
}
