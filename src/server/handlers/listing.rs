//! The seed's unpaged `GET /api/surveys/`: a bare array, so it cannot be paged, only bounded.
//! Issue 13 made 200 surveys of 100 questions × 50 choices into a 99 MB reply, rebuilt after
//! every write. It holds the newest surveys, oldest first, up to `--listing-limit` of them and
//! `MAX_BYTES` of JSON, whichever comes first; it is read a page at a time from the newest
//! down, so building it holds at most one page of surveys beside the JSON. `?page=` still
//! reaches every survey.

use crate::domain::Timestamp;
use crate::protocol::SurveyBody;
use crate::server::cache::Fresh;
use crate::server::error::ApiError;
use crate::server::http::Reply;
use crate::server::store::{Page, Store};

/// The most JSON the bare listing holds: about a thousand surveys of ordinary size.
pub const MAX_BYTES: usize = 8 * 1024 * 1024;

/// Surveys read at a time.
const PAGE: u64 = 16;

/// The listing's JSON — at most `limit` surveys in `max_bytes` — and until when the statuses
/// in it hold.
pub fn build(
    store: &dyn Store,
    (limit, max_bytes): (u64, usize),
    now: Timestamp,
) -> Result<Fresh, ApiError> {
    let (_, total) = store.list_surveys(Page { number: 1, size: 1 })?;
    let mut newest_first: Vec<Vec<u8>> = Vec::new();
    let (mut bytes, mut until) = (2, None::<Timestamp>);
    // Pages shift if surveys are deleted meanwhile: nothing at or above the oldest id taken
    // so far is taken twice. (A write meanwhile also moves the store's generation on, so
    // this listing is not served from the cache.)
    let mut floor = i64::MAX;
    let mut number = total.div_ceil(PAGE);
    'pages: while number >= 1 {
        let (surveys, _) = store.list_surveys(Page { number, size: PAGE })?;
        for survey in surveys.iter().rev() {
            if survey.id.0 >= floor {
                continue;
            }
            let json = Reply::encode(&SurveyBody::from(survey))?;
            let full = newest_first.len() as u64 >= limit || bytes + json.len() + 1 > max_bytes;
            if full {
                break 'pages;
            }
            bytes += json.len() + 1;
            floor = survey.id.0;
            until = [until, survey.settings.next_change(now)]
                .into_iter()
                .flatten()
                .min();
            newest_first.push(json);
        }
        number -= 1;
    }
    let mut json = Vec::with_capacity(bytes);
    json.push(b'[');
    for (n, survey) in newest_first.iter().rev().enumerate() {
        if n > 0 {
            json.push(b',');
        }
        json.extend_from_slice(survey);
    }
    json.push(b']');
    Ok(Fresh { bytes: json, until })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{NewQuestion, NewSurvey, QuestionKind, SurveySettings, UserId};
    use crate::server::store::SqliteStore;

    fn ids(fresh: &Fresh) -> Vec<i64> {
        let listed: Vec<serde_json::Value> = serde_json::from_slice(&fresh.bytes).unwrap();
        listed.iter().map(|s| s["id"].as_i64().unwrap()).collect()
    }

    #[test]
    fn the_newest_surveys_that_fit_come_oldest_first_and_the_soonest_change_bounds_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
        let owner = store
            .create_user(&crate::domain::Email::parse("o@x.org").unwrap(), "h")
            .unwrap()
            .id;
        let survey = |n: u64| {
            let question = NewQuestion {
                text: "Q".into(),
                kind: QuestionKind::Single,
                required: true,
                choices: vec!["a".into(), "b".into()],
            };
            let closes = SurveySettings {
                closes_at: Some(Timestamp::from_unix(
                    2_000_000_000 + i64::try_from(n).unwrap(),
                )),
                ..SurveySettings::default()
            };
            NewSurvey::new(&format!("S{n}"), false, vec![question])
                .and_then(|s| s.with_settings(closes))
                .unwrap()
        };
        let made: Vec<i64> = (0..40)
            .map(|n| {
                store
                    .create_survey(UserId(owner.0), &survey(n))
                    .unwrap()
                    .id
                    .0
            })
            .collect();
        store
            .delete_survey(crate::domain::SurveyId(made[39]))
            .unwrap();
        let now = Timestamp::from_unix(1_900_000_000);

        let all = build(&store, (1000, MAX_BYTES), now).unwrap();
        assert_eq!(ids(&all), made[..39], "across pages, oldest first");
        assert_eq!(all.until, Some(Timestamp::from_unix(2_000_000_000)));

        let newest = build(&store, (5, MAX_BYTES), now).unwrap();
        assert_eq!(ids(&newest), made[34..39]);
        assert_eq!(newest.until, Some(Timestamp::from_unix(2_000_000_034)));

        let one = build(&store, (1000, all.bytes.len() / 10), now).unwrap();
        assert!(one.bytes.len() <= all.bytes.len() / 10);
        let fitted = ids(&one);
        assert!(!fitted.is_empty() && fitted.len() < 5, "{fitted:?}");
        assert_eq!(fitted, made[39 - fitted.len()..39], "the newest that fit");
    }
}
