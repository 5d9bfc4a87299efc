//! The conformance story of a survey's lifecycle (issue 15), run by `store.rs` on every
//! backend: caps and invitations exact under races, anonymity, the window, edits, reopening,
//! ids never reused.

use std::sync::{Arc, Barrier};
use std::thread;

use canvass::domain::{
    Edited, Invitation, InvitationRefusal, NewSurvey, NotTaking, SurveyEdit, SurveySettings,
    SurveyStatus, Timestamp,
};
use canvass::server::store::{Store, StoreError};

use super::{Shared, lunch, pick, user};

fn with(settings: SurveySettings) -> NewSurvey {
    lunch(false).with_settings(settings).unwrap()
}

/// `threads` responses sent at the same instant, each from its own thread; their results.
fn race<S: Store + 'static>(
    store: &Shared<S>,
    threads: usize,
    send: impl Fn(&S, usize) -> Result<canvass::server::store::Recorded, StoreError>
    + Send
    + Sync
    + 'static,
) -> Vec<Result<canvass::server::store::Recorded, StoreError>> {
    let start = Arc::new(Barrier::new(threads));
    let send = Arc::new(send);
    let workers: Vec<_> = (0..threads)
        .map(|n| {
            let (store, start, send) = (Arc::clone(store), Arc::clone(&start), Arc::clone(&send));
            thread::spawn(move || {
                start.wait();
                send(&store, n)
            })
        })
        .collect();
    workers.into_iter().map(|w| w.join().unwrap()).collect()
}

pub(crate) fn a_cap_admits_exactly_its_responses_however_many_race<S: Store + 'static>(
    store: &Shared<S>,
) {
    let ann = user(store.as_ref(), "ann@example.com");
    let capped = SurveySettings {
        max_responses: Some(50),
        ..SurveySettings::default()
    };
    let survey = store.create_survey(ann, &with(capped)).unwrap();
    let answer = pick(&survey, 0);
    let results = race(store, 200, move |store, _| {
        store.record_response(survey.id, None, &answer, None, None)
    });
    let taken = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(taken, 50, "exactly the cap");
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(e, StoreError::NotTaking(NotTaking::Full { cap: 50, .. }))),
        "the rest are refused as full"
    );
    let full = store.get_survey(survey.id).unwrap();
    assert_eq!((full.responses, full.status), (50, SurveyStatus::Closed));
    assert_eq!(full.questions[0].choices[0].selected, 50);
}

pub(crate) fn an_invitation_admits_exactly_one_response_however_many_race<S: Store + 'static>(
    store: &Shared<S>,
) {
    let ann = user(store.as_ref(), "ann@example.com");
    let invited = SurveySettings {
        invitation_only: true,
        ..SurveySettings::default()
    };
    let survey = store.create_survey(ann, &with(invited)).unwrap();
    let made = store
        .create_invitations(
            survey.id,
            &[
                ("aaaaaa".into(), "hash-a".into()),
                ("bbbbbb".into(), "hash-b".into()),
            ],
        )
        .unwrap();
    assert_eq!(made.len(), 2);
    assert!(made.iter().all(|i| i.used_at.is_none()));
    let answer = pick(&survey, 0);
    let id = survey.id;
    let results = race(store, 50, move |store, _| {
        store.record_response(id, None, &answer, None, Some("hash-a"))
    });
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(e, StoreError::Invitation(InvitationRefusal::Used))),
        "{results:?}"
    );
    let answer = pick(&survey, 1);
    for (code, refusal) in [
        (None, InvitationRefusal::Required { survey: id.0 }),
        (Some("nope"), InvitationRefusal::Unknown { survey: id.0 }),
    ] {
        match store.record_response(id, None, &answer, None, code) {
            Err(StoreError::Invitation(got)) => assert_eq!(got, refusal),
            other => panic!("{other:?}"),
        }
    }
    store
        .record_response(id, None, &answer, None, Some("hash-b"))
        .unwrap();
    let listed = store.list_invitations(id).unwrap();
    assert!(listed.iter().all(|i| i.used_at.is_some()), "{listed:?}");
    assert_eq!(store.get_survey(id).unwrap().responses, 2);

    // A survey has at most `MAX_PER_SURVEY` codes, so listing them stays bounded.
    let codes = |from: usize, n: usize| -> Vec<(String, String)> {
        (from..from + n)
            .map(|k| (format!("{k:06}"), format!("h{k}")))
            .collect()
    };
    let room = Invitation::MAX_PER_SURVEY - 2;
    store.create_invitations(id, &codes(0, room)).unwrap();
    assert!(matches!(
        store.create_invitations(id, &codes(room, 1)),
        Err(StoreError::TooManyInvitations { have, .. }) if have == 10_000
    ));
    assert_eq!(store.list_invitations(id).unwrap().len(), 10_000);
}

pub(crate) fn an_anonymous_survey_never_stores_who_responded<S: Store>(store: &Shared<S>) {
    let ann = user(store.as_ref(), "ann@example.com");
    let anonymous = SurveySettings {
        anonymous: true,
        ..SurveySettings::default()
    };
    let survey = store.create_survey(ann, &with(anonymous)).unwrap();
    assert!(survey.settings.anonymous);
    store
        .record_response(survey.id, Some(ann), &pick(&survey, 0), None, None)
        .unwrap();
    let responses = store.list_responses(survey.id).unwrap();
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].respondent, None, "even a logged-in respondent");
    assert_eq!(store.find_response_by(survey.id, ann).unwrap(), None);
}

pub(crate) fn the_window_decides_what_is_taken<S: Store>(store: &Shared<S>) {
    let ann = user(store.as_ref(), "ann@example.com");
    let now = Timestamp::now().unix();
    let later = SurveySettings {
        opens_at: Some(Timestamp::from_unix(now + 3600)),
        ..SurveySettings::default()
    };
    let scheduled = store.create_survey(ann, &with(later)).unwrap();
    assert_eq!(scheduled.status, SurveyStatus::Scheduled);
    assert!(matches!(
        store.record_response(scheduled.id, None, &pick(&scheduled, 0), None, None),
        Err(StoreError::NotTaking(NotTaking::NotYetOpen { .. }))
    ));
    let past = SurveySettings {
        closes_at: Some(Timestamp::from_unix(now - 1)),
        ..SurveySettings::default()
    };
    let over = store.create_survey(ann, &with(past)).unwrap();
    assert_eq!(over.status, SurveyStatus::Closed);
    assert!(matches!(
        store.record_response(over.id, None, &pick(&over, 0), None, None),
        Err(StoreError::NotTaking(NotTaking::WindowClosed { .. }))
    ));
    let open = SurveySettings {
        opens_at: Some(Timestamp::from_unix(now - 60)),
        closes_at: Some(Timestamp::from_unix(now + 3600)),
        ..SurveySettings::default()
    };
    let open = store.create_survey(ann, &with(open)).unwrap();
    assert_eq!(open.status, SurveyStatus::Open);
    store
        .record_response(open.id, None, &pick(&open, 0), None, None)
        .unwrap();
}

fn edit(survey: &canvass::domain::Survey, edit: SurveyEdit) -> Edited {
    edit.apply(survey).unwrap()
}

pub(crate) fn edits_change_what_is_answered_only_before_the_first_response<S: Store>(
    store: &Shared<S>,
) {
    let ann = user(store.as_ref(), "ann@example.com");
    let survey = store.create_survey(ann, &lunch(false)).unwrap();
    let replacement = lunch(false).questions[..1].to_vec();
    let replaced = store
        .update_survey(
            survey.id,
            &edit(
                &survey,
                SurveyEdit {
                    questions: Some(replacement),
                    anonymous: Some(true),
                    ..SurveyEdit::default()
                },
            ),
        )
        .unwrap();
    assert_eq!(replaced.questions.len(), 1);
    assert!(replaced.questions[0].id > survey.questions[2].id, "new ids");
    assert!(replaced.settings.anonymous);
    store
        .record_response(replaced.id, None, &pick(&replaced, 0), None, None)
        .unwrap();
    let too_late = edit(
        &replaced,
        SurveyEdit {
            invitation_only: Some(true),
            ..SurveyEdit::default()
        },
    );
    assert!(matches!(
        store.update_survey(replaced.id, &too_late),
        Err(StoreError::HasResponses(_))
    ));
    let renamed = edit(
        &replaced,
        SurveyEdit {
            name: Some("Dinner".into()),
            max_responses: Some(Some(1)),
            public_results: Some(true),
            ..SurveyEdit::default()
        },
    );
    let renamed = store.update_survey(replaced.id, &renamed).unwrap();
    assert_eq!(renamed.name, "Dinner");
    assert_eq!(renamed.status, SurveyStatus::Closed, "full at 1 of 1");
    let ids = |s: &canvass::domain::Survey| s.questions.iter().map(|q| q.id).collect::<Vec<_>>();
    assert_eq!(ids(&renamed), ids(&replaced), "the questions are untouched");
    assert_eq!(
        renamed.questions[0].choices[0].selected, 1,
        "and so are their counts"
    );
    assert!(matches!(
        store.update_survey(canvass::domain::SurveyId(999_999), &too_late),
        Err(StoreError::NotFound(_))
    ));
}

pub(crate) fn reopening_undoes_the_owners_closing_but_not_a_full_survey<S: Store>(
    store: &Shared<S>,
) {
    let ann = user(store.as_ref(), "ann@example.com");
    let survey = store.create_survey(ann, &lunch(false)).unwrap();
    store.close_survey(survey.id).unwrap();
    let reopened = store.reopen_survey(survey.id).unwrap();
    assert_eq!(reopened.status, SurveyStatus::Open);
    let one = SurveySettings {
        max_responses: Some(1),
        ..SurveySettings::default()
    };
    let capped = store.create_survey(ann, &with(one)).unwrap();
    store
        .record_response(capped.id, None, &pick(&capped, 0), None, None)
        .unwrap();
    store.close_survey(capped.id).unwrap();
    assert!(matches!(
        store.reopen_survey(capped.id),
        Err(StoreError::NotTaking(NotTaking::Full { .. }))
    ));
}

pub(crate) fn ids_are_never_handed_out_twice<S: Store>(store: &Shared<S>) {
    let ann = user(store.as_ref(), "ann@example.com");
    let first = store.create_survey(ann, &lunch(false)).unwrap();
    let response = store
        .record_response(first.id, None, &pick(&first, 0), None, None)
        .unwrap()
        .id();
    // The newest survey, with the newest questions, choices and response, goes…
    store.delete_survey(first.id).unwrap();
    let second = store.create_survey(ann, &lunch(false)).unwrap();
    let again = store
        .record_response(second.id, None, &pick(&second, 0), None, None)
        .unwrap()
        .id();
    // …and nothing new takes its ids.
    assert!(second.id > first.id, "{:?} after {:?}", second.id, first.id);
    assert!(second.questions[0].id > first.questions[2].id);
    assert!(second.questions[0].choices[0].id > first.questions[1].choices[2].id);
    assert!(again > response);
}
