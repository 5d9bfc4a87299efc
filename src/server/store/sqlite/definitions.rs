//! Surveys as the write path checks answers against them, kept between writes. Every vote
//! used to read its survey afresh — three queries and a few dozen allocations, a quarter of
//! a vote's CPU — though what a vote is checked against (questions, choices, settings) only
//! changes when the survey is edited, closed, reopened or deleted. A kept survey is used
//! while the stamp it was read under holds: the store moves the stamp on with every write
//! other than a response, and with other processes' commits (`watcher.rs`).

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use crate::domain::{Survey, SurveyId};
use crate::server::store::StoreError;

/// Surveys kept at most; past it all are dropped and read again as asked for. Votes go to a
/// few surveys at a time, so this is never the limit that matters.
const MAX_KEPT: usize = 256;

#[derive(Default)]
pub struct Definitions {
    kept: RwLock<HashMap<SurveyId, (u64, Arc<Survey>)>>,
}

impl Definitions {
    /// Survey `id` as read under `stamp`, or read now by `load`.
    pub fn get(
        &self,
        id: SurveyId,
        stamp: u64,
        load: impl FnOnce() -> Result<Survey, StoreError>,
    ) -> Result<Arc<Survey>, StoreError> {
        let kept = self.kept.read().unwrap_or_else(PoisonError::into_inner);
        if let Some((read_under, survey)) = kept.get(&id)
            && *read_under == stamp
        {
            return Ok(Arc::clone(survey));
        }
        drop(kept);
        // Read after the stamp was taken: if the survey changes in between, this keeps the
        // newer survey under the older stamp, which the next change of stamp replaces.
        let survey = Arc::new(load()?);
        let mut kept = self.kept.write().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= MAX_KEPT && !kept.contains_key(&id) {
            kept.clear();
        }
        kept.insert(id, (stamp, Arc::clone(&survey)));
        Ok(survey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{SurveySettings, SurveyStatus};
    use crate::server::store::Entity;

    fn survey(id: i64, name: &str) -> Survey {
        Survey {
            id: SurveyId(id),
            name: name.to_owned(),
            created_at: String::new(),
            creator_id: None,
            creator: None,
            status: SurveyStatus::Open,
            one_response_per_user: false,
            responses: 0,
            questions: Vec::new(),
            settings: SurveySettings::default(),
        }
    }

    #[test]
    fn a_survey_is_read_once_per_stamp() {
        let definitions = Definitions::default();
        let mut reads = 0;
        let mut get = |stamp, name: &str| {
            definitions
                .get(SurveyId(1), stamp, || {
                    reads += 1;
                    Ok(survey(1, name))
                })
                .unwrap()
                .name
                .clone()
        };
        assert_eq!(get(7, "first"), "first");
        assert_eq!(get(7, "second"), "first");
        assert_eq!(get(8, "third"), "third");
        assert_eq!(reads, 2);
    }

    #[test]
    fn a_failed_read_is_not_kept() {
        let definitions = Definitions::default();
        let gone = definitions.get(SurveyId(1), 1, || Err(StoreError::NotFound(Entity::Survey)));
        assert!(matches!(gone, Err(StoreError::NotFound(_))));
        let found = definitions.get(SurveyId(1), 1, || Ok(survey(1, "back")));
        assert_eq!(found.unwrap().name, "back");
    }

    #[test]
    fn past_the_limit_everything_is_dropped() {
        let definitions = Definitions::default();
        for id in 0..=i64::try_from(MAX_KEPT).unwrap() {
            definitions
                .get(SurveyId(id), 1, || Ok(survey(id, "x")))
                .unwrap();
        }
        assert_eq!(definitions.kept.read().unwrap().len(), 1);
    }
}
