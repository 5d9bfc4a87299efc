//! One conformance story for every `Store` backend (atuin's `db_story.rs`): each check is a
//! function of `&dyn Store`, and `conformance!` runs it on a fresh SQLite file and, when
//! `CANVASS_TEST_POSTGRES` names a server, on a fresh PostgreSQL database. Nothing here knows
//! which backend it has.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, SystemTime};

use canvass::domain::{
    Answer, Email, NewQuestion, NewSurvey, QuestionKind, Survey, SurveyStatus, UserId,
};
use canvass::server::store::{Entity, Page, Recorded, Store, StoreError};

/// Runs each named check once per backend.
macro_rules! conformance {
    ($($check:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $check() {
                    let dir = tempfile::tempdir().unwrap();
                    let store = canvass::server::store::SqliteStore::open(&dir.path().join("t.db"))
                        .unwrap();
                    super::$check(&std::sync::Arc::new(store));
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $check() {
                    let Some(db) = crate::harness::postgres::TestDatabase::create() else {
                        return;
                    };
                    let store =
                        canvass::server::store::PostgresStore::open(&db.url(), 16).unwrap();
                    super::$check(&std::sync::Arc::new(store));
                }
            )*
        }
    };
}

conformance!(
    emails_are_unique_regardless_of_ascii_case,
    emails_are_unique_regardless_of_unicode_case_and_width,
    a_users_own_latest_response_is_found,
    responses_count_and_one_per_user_holds,
    a_client_id_records_a_response_once_and_names_it_for_one_survey_only,
    a_creators_page_holds_only_their_surveys_with_their_questions,
    pages_of_all_surveys_come_oldest_first_with_the_total,
    two_hundred_concurrent_responses_are_counted_exactly,
    fifty_concurrent_sends_of_one_client_id_record_one_response,
    results_and_exports_give_back_what_was_answered_in_order,
    a_token_generation_moves_on_and_an_unknown_user_is_not_found,
    login_failures_are_counted_per_key_within_their_window,
    every_write_moves_the_generation_on,
    a_cap_admits_exactly_its_responses_however_many_race,
    an_invitation_admits_exactly_one_response_however_many_race,
    an_anonymous_survey_never_stores_who_responded,
    the_window_decides_what_is_taken,
    edits_change_what_is_answered_only_before_the_first_response,
    reopening_undoes_the_owners_closing_but_not_a_full_survey,
    ids_are_never_handed_out_twice,
);

#[path = "store_lifecycle.rs"]
mod lifecycle;
use lifecycle::*;

/// Any `Store`, shareable across the threads of a concurrency check.
pub(crate) type Shared<S> = Arc<S>;

pub(crate) fn email(raw: &str) -> Email {
    Email::parse(raw).unwrap()
}

pub(crate) fn user(store: &dyn Store, raw: &str) -> UserId {
    store.create_user(&email(raw), "hash").unwrap().id
}

pub(crate) fn lunch(one_response_per_user: bool) -> NewSurvey {
    NewSurvey::new(
        "Lunch",
        one_response_per_user,
        vec![
            NewQuestion {
                text: "Where?".into(),
                kind: QuestionKind::Single,
                required: true,
                choices: vec!["Pub".into(), "Cafe".into()],
            },
            NewQuestion {
                text: "Which days?".into(),
                kind: QuestionKind::Multiple,
                required: false,
                choices: vec!["Mon".into(), "Wed".into(), "Fri".into()],
            },
            NewQuestion {
                text: "Anything else?".into(),
                kind: QuestionKind::Text,
                required: false,
                choices: Vec::new(),
            },
        ],
    )
    .unwrap()
}

/// Choice `choice` of the first question.
pub(crate) fn pick(survey: &Survey, choice: usize) -> Vec<Answer> {
    let q = &survey.questions[0];
    vec![Answer::Choices {
        question: q.id,
        choices: vec![q.choices[choice].id],
    }]
}

fn emails_are_unique_regardless_of_ascii_case<S: Store>(store: &Shared<S>) {
    let ann = store.create_user(&email("Ann@Example.com"), "h1").unwrap();
    assert_eq!(
        ann.email.as_str(),
        "Ann@Example.com",
        "the spelling is kept"
    );
    assert!(matches!(
        store.create_user(&email("ANN@example.COM"), "h2"),
        Err(StoreError::DuplicateEmail)
    ));
    let (found, hash) = store.find_credentials("ann@example.com").unwrap().unwrap();
    assert_eq!((found.id, hash.as_str()), (ann.id, "h1"));
    assert_eq!(
        store.find_user("aNN@EXAMPLE.com").unwrap().unwrap().id,
        ann.id
    );
    assert_eq!(store.find_user("bob@example.com").unwrap(), None);
}

fn emails_are_unique_regardless_of_unicode_case_and_width<S: Store>(store: &Shared<S>) {
    let etienne = store.create_user(&email("Étienne@x.org"), "h1").unwrap();
    for twin in ["étienne@x.org", "ÉTIENNE@X.ORG"] {
        assert!(
            matches!(
                store.create_user(&email(twin), "h2"),
                Err(StoreError::DuplicateEmail)
            ),
            "{twin}"
        );
    }
    assert_eq!(
        store
            .find_credentials("étienne@x.org")
            .unwrap()
            .unwrap()
            .0
            .id,
        etienne.id
    );
    let case = user(store.as_ref(), "case@x.org");
    assert_eq!(
        store.find_user("ＣＡＳＥ@x.org").unwrap().unwrap().id,
        case,
        "full-width letters name the same account"
    );
    store.create_user(&email("\u{212a}@x.org"), "h").unwrap();
    assert!(
        matches!(
            store.create_user(&email("k@x.org"), "h"),
            Err(StoreError::DuplicateEmail)
        ),
        "the Kelvin sign is a K"
    );
}

fn a_users_own_latest_response_is_found<S: Store>(store: &Shared<S>) {
    let ann = user(store.as_ref(), "ann@example.com");
    let bob = user(store.as_ref(), "bob@example.com");
    let survey = store.create_survey(ann, &lunch(false)).unwrap();
    assert_eq!(store.find_response_by(survey.id, ann).unwrap(), None);
    store
        .record_response(survey.id, Some(ann), &pick(&survey, 0), None, None)
        .unwrap();
    let latest = store
        .record_response(survey.id, Some(ann), &pick(&survey, 1), None, None)
        .unwrap()
        .id();
    store
        .record_response(survey.id, None, &pick(&survey, 1), None, None)
        .unwrap();
    let (found, created_at) = store.find_response_by(survey.id, ann).unwrap().unwrap();
    assert_eq!(found, latest);
    assert_eq!(created_at.len(), "YYYY-MM-DD HH:MM:SS".len());
    assert_eq!(store.find_response_by(survey.id, bob).unwrap(), None);
}

fn responses_count_and_one_per_user_holds<S: Store>(store: &Shared<S>) {
    let ann = user(store.as_ref(), "ann@example.com");
    let created = store.create_survey(ann, &lunch(true)).unwrap();
    assert_eq!(created.status, SurveyStatus::Open);
    assert_eq!(created.creator.as_deref(), Some("ann@example.com"));
    assert_eq!(
        created.questions[1]
            .choices
            .iter()
            .map(|c| c.text.as_str())
            .collect::<Vec<_>>(),
        ["Mon", "Wed", "Fri"],
        "choices keep their order"
    );
    let answer = pick(&created, 1);
    store
        .record_response(created.id, Some(ann), &answer, None, None)
        .unwrap();
    store
        .record_response(created.id, None, &answer, None, None)
        .unwrap();
    assert!(matches!(
        store.record_response(created.id, Some(ann), &answer, None, None),
        Err(StoreError::AlreadyResponded)
    ));
    let after = store.get_survey(created.id).unwrap();
    assert_eq!(after.responses, 2);
    assert_eq!(after.questions[0].choices[1].selected, 2);
    assert_eq!(after.questions[0].choices[0].selected, 0);
    assert_eq!(store.list_responses(created.id).unwrap().len(), 2);
    let closed = store.close_survey(created.id).unwrap();
    assert_eq!(closed.status, SurveyStatus::Closed);
    assert_eq!(
        store.close_survey(created.id).unwrap().status,
        SurveyStatus::Closed
    );
    assert!(matches!(
        store.record_response(created.id, None, &answer, None, None),
        Err(StoreError::NotTaking(_))
    ));
    store.delete_survey(created.id).unwrap();
    assert!(matches!(
        store.get_survey(created.id),
        Err(StoreError::NotFound(Entity::Survey))
    ));
    assert!(matches!(
        store.record_response(created.id, None, &answer, None, None),
        Err(StoreError::NotFound(Entity::Survey))
    ));
    assert!(matches!(
        store.delete_survey(created.id),
        Err(StoreError::NotFound(Entity::Survey))
    ));
    assert!(matches!(
        store.close_survey(created.id),
        Err(StoreError::NotFound(Entity::Survey))
    ));
}

fn a_client_id_records_a_response_once_and_names_it_for_one_survey_only<S: Store>(
    store: &Shared<S>,
) {
    let ann = user(store.as_ref(), "ann@example.com");
    let once = store.create_survey(ann, &lunch(true)).unwrap();
    let other = store.create_survey(ann, &lunch(true)).unwrap();
    let send = |survey: &Survey, client_id| {
        store.record_response(survey.id, Some(ann), &pick(survey, 0), client_id, None)
    };
    let Ok(Recorded::New(first)) = send(&once, Some("a")) else {
        panic!("the first send is not new");
    };
    // One response per user, yet a resend is not a second response.
    assert_eq!(send(&once, Some("a")).unwrap(), Recorded::Repeat(first));
    assert!(matches!(
        send(&once, Some("b")),
        Err(StoreError::AlreadyResponded)
    ));
    assert!(matches!(
        send(&other, Some("a")),
        Err(StoreError::ClientIdTaken)
    ));
    store.close_survey(once.id).unwrap();
    assert_eq!(send(&once, Some("a")).unwrap(), Recorded::Repeat(first));
    assert!(matches!(
        send(&once, Some("c")),
        Err(StoreError::NotTaking(_))
    ));
    let after = store.get_survey(once.id).unwrap();
    assert_eq!(after.responses, 1);
    assert_eq!(after.questions[0].choices[0].selected, 1);
    assert_eq!(store.get_survey(other.id).unwrap().responses, 0);
    // Responses without a client id never collide on it.
    let unnamed = || store.record_response(other.id, None, &pick(&other, 0), None, None);
    assert!(matches!(unnamed(), Ok(Recorded::New(_))));
    assert!(matches!(unnamed(), Ok(Recorded::New(_))));
}

fn a_creators_page_holds_only_their_surveys_with_their_questions<S: Store>(store: &Shared<S>) {
    let ann = user(store.as_ref(), "ann@example.com");
    let bob = user(store.as_ref(), "bob@example.com");
    // Interleaved, so bob's surveys lie between ann's ids.
    let mut anns = Vec::new();
    for _ in 0..3 {
        anns.push(store.create_survey(ann, &lunch(false)).unwrap().id);
        store.create_survey(bob, &lunch(false)).unwrap();
    }
    let page = |number| Page { number, size: 2 };
    let (first, total) = store.list_surveys_by(ann, page(1)).unwrap();
    assert_eq!(total, 3);
    assert_eq!(first.iter().map(|s| s.id).collect::<Vec<_>>(), anns[..2]);
    assert!(first.iter().all(|s| s.questions.len() == 3));
    assert!(first.iter().all(|s| s.questions[0].choices.len() == 2));
    let (second, _) = store.list_surveys_by(ann, page(2)).unwrap();
    assert_eq!(second.iter().map(|s| s.id).collect::<Vec<_>>(), anns[2..]);
    let (beyond, total) = store.list_surveys_by(ann, page(3)).unwrap();
    assert!(beyond.is_empty());
    assert_eq!(total, 3);
    let nobody = UserId(ann.0 + bob.0 + 1);
    assert_eq!(
        store.list_surveys_by(nobody, page(1)).unwrap(),
        (Vec::new(), 0)
    );
}

fn pages_of_all_surveys_come_oldest_first_with_the_total<S: Store>(store: &Shared<S>) {
    let ann = user(store.as_ref(), "ann@example.com");
    let ids: Vec<_> = (0..5)
        .map(|_| store.create_survey(ann, &lunch(false)).unwrap().id)
        .collect();
    let (all, total) = store
        .list_surveys(Page {
            number: 1,
            size: 10,
        })
        .unwrap();
    assert_eq!(all.iter().map(|s| s.id).collect::<Vec<_>>(), ids);
    assert_eq!(total, 5);
    assert!(all.iter().all(|s| s.questions.len() == 3));
    let (page, total) = store.list_surveys(Page { number: 2, size: 2 }).unwrap();
    assert_eq!(page.iter().map(|s| s.id).collect::<Vec<_>>(), ids[2..4]);
    assert_eq!(page[0].questions.len(), 3);
    assert_eq!(total, 5);
}

fn two_hundred_concurrent_responses_are_counted_exactly<S: Store + 'static>(store: &Shared<S>) {
    let ann = user(store.as_ref(), "ann@example.com");
    let survey = store.create_survey(ann, &lunch(false)).unwrap();
    let (threads, each) = (20, 10);
    let start = Arc::new(Barrier::new(threads));
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let (store, start, survey) = (Arc::clone(store), Arc::clone(&start), survey.clone());
            thread::spawn(move || {
                start.wait();
                for n in 0..each {
                    let answer = pick(&survey, (t + n) % 2);
                    store
                        .record_response(survey.id, None, &answer, None, None)
                        .unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let after = store.get_survey(survey.id).unwrap();
    assert_eq!(after.responses, 200);
    let votes: Vec<u64> = after.questions[0]
        .choices
        .iter()
        .map(|c| c.selected)
        .collect();
    assert_eq!(votes, [100, 100]);
    assert_eq!(store.list_responses(survey.id).unwrap().len(), 200);
}

fn fifty_concurrent_sends_of_one_client_id_record_one_response<S: Store + 'static>(
    store: &Shared<S>,
) {
    let ann = user(store.as_ref(), "ann@example.com");
    let survey = store.create_survey(ann, &lunch(true)).unwrap();
    let start = Arc::new(Barrier::new(50));
    let sends: Vec<_> = (0..50)
        .map(|_| {
            let (store, start, survey) = (Arc::clone(store), Arc::clone(&start), survey.clone());
            thread::spawn(move || {
                start.wait();
                store
                    .record_response(
                        survey.id,
                        Some(ann),
                        &pick(&survey, 0),
                        Some("resend"),
                        None,
                    )
                    .unwrap()
            })
        })
        .collect();
    let outcomes: Vec<Recorded> = sends.into_iter().map(|s| s.join().unwrap()).collect();
    let new: Vec<_> = outcomes
        .iter()
        .filter(|o| matches!(o, Recorded::New(_)))
        .collect();
    assert_eq!(new.len(), 1, "{outcomes:?}");
    assert!(outcomes.iter().all(|o| o.id() == new[0].id()));
    let after = store.get_survey(survey.id).unwrap();
    assert_eq!(after.responses, 1);
    assert_eq!(after.questions[0].choices[0].selected, 1);
}

fn results_and_exports_give_back_what_was_answered_in_order<S: Store>(store: &Shared<S>) {
    let ann = user(store.as_ref(), "ann@example.com");
    let survey = store.create_survey(ann, &lunch(false)).unwrap();
    let (days, text) = (&survey.questions[1], &survey.questions[2]);
    let answers = |said: &str| {
        let mut answers = pick(&survey, 0);
        answers.push(Answer::Choices {
            question: days.id,
            choices: vec![days.choices[0].id, days.choices[2].id],
        });
        answers.push(Answer::Text {
            question: text.id,
            text: said.into(),
        });
        answers
    };
    store
        .record_response(survey.id, Some(ann), &answers("first"), None, None)
        .unwrap();
    store
        .record_response(survey.id, None, &answers(""), None, None)
        .unwrap();
    store
        .record_response(survey.id, None, &answers("third"), None, None)
        .unwrap();
    let results = store.get_results(survey.id).unwrap();
    assert_eq!(results.survey.responses, 3);
    assert_eq!(
        results.text_answers,
        [
            Vec::<String>::new(),
            Vec::new(),
            vec!["first".into(), "third".into()]
        ],
        "empty texts are left out, the rest oldest first"
    );
    let selected: Vec<u64> = results.survey.questions[1]
        .choices
        .iter()
        .map(|c| c.selected)
        .collect();
    assert_eq!(selected, [3, 0, 3]);
    let records = store.list_responses(survey.id).unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].respondent.as_deref(), Some("ann@example.com"));
    assert_eq!(records[1].respondent, None);
    assert_eq!(
        records[0].answers,
        answers("first"),
        "multiple choices gather into one answer"
    );
    assert!(records.windows(2).all(|w| w[0].id < w[1].id));
    assert!(matches!(
        store.get_results(canvass::domain::SurveyId(survey.id.0 + 1000)),
        Err(StoreError::NotFound(Entity::Survey))
    ));
}

fn a_token_generation_moves_on_and_an_unknown_user_is_not_found<S: Store>(store: &Shared<S>) {
    let ann = store.create_user(&email("ann@example.com"), "h").unwrap();
    assert_eq!(ann.token_generation, 0);
    assert_eq!(store.update_token_generation(ann.id).unwrap(), 1);
    assert_eq!(store.update_token_generation(ann.id).unwrap(), 2);
    assert_eq!(
        store
            .find_user("ann@example.com")
            .unwrap()
            .unwrap()
            .token_generation,
        2
    );
    assert!(matches!(
        store.update_token_generation(UserId(ann.id.0 + 1000)),
        Err(StoreError::NotFound(Entity::User))
    ));
}

fn login_failures_are_counted_per_key_within_their_window<S: Store>(store: &Shared<S>) {
    let window = Duration::from_secs(60);
    let now = SystemTime::now();
    let since = now - window;
    assert_eq!(store.find_login_failures("email:a", since).unwrap(), None);
    for _ in 0..3 {
        store.record_login_failure("email:a", now, window).unwrap();
    }
    store.record_login_failure("email:b", now, window).unwrap();
    let a = store
        .find_login_failures("email:a", since)
        .unwrap()
        .unwrap();
    assert_eq!(a.count, 3);
    let started = a.since.duration_since(now).unwrap_or_else(|e| e.duration());
    assert!(
        started < Duration::from_millis(2),
        "the window began at the first failure"
    );
    assert_eq!(
        store
            .find_login_failures("email:b", since)
            .unwrap()
            .unwrap()
            .count,
        1
    );
    // Seen from after the window, the failures are gone; a new one starts a new window.
    let later = now + window + Duration::from_secs(1);
    assert_eq!(
        store
            .find_login_failures("email:a", later - window)
            .unwrap(),
        None
    );
    store
        .record_login_failure("email:a", later, window)
        .unwrap();
    assert_eq!(
        store
            .find_login_failures("email:a", later - window)
            .unwrap()
            .unwrap()
            .count,
        1
    );
    store.delete_login_failures("email:a").unwrap();
    assert_eq!(store.find_login_failures("email:a", since).unwrap(), None);
}

fn every_write_moves_the_generation_on<S: Store>(store: &Shared<S>) {
    let mut last = store.generation();
    let mut moved = |what: &str| {
        let now = store.generation();
        assert_ne!(now, last, "{what} did not move the generation on");
        last = now;
    };
    let ann = user(store.as_ref(), "ann@example.com");
    moved("create_user");
    let survey = store.create_survey(ann, &lunch(false)).unwrap();
    moved("create_survey");
    store
        .record_response(survey.id, None, &pick(&survey, 0), None, None)
        .unwrap();
    moved("record_response");
    store.close_survey(survey.id).unwrap();
    moved("close_survey");
    store.update_token_generation(ann).unwrap();
    moved("update_token_generation");
    store.delete_survey(survey.id).unwrap();
    moved("delete_survey");
}
