//! What an owner controls about when and how a survey takes responses (issue 15): a window
//! (`opens_at`, `closes_at`), a cap, anonymity, invitations, public results. A survey's
//! status follows from them, the owner's own closing and the responses so far.

use std::fmt;
use std::time::SystemTime;

use super::survey::SurveyStatus;
use super::validation::ValidationError;

/// A moment, to the second, written on the wire as RFC 3339 in UTC (`2026-12-24T09:00:00Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_unix(seconds: i64) -> Self {
        Timestamp(seconds)
    }

    pub fn unix(self) -> i64 {
        self.0
    }

    pub fn now() -> Self {
        Timestamp::from_system(SystemTime::now())
    }

    pub fn from_system(time: SystemTime) -> Self {
        Timestamp(match time.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
        })
    }

    /// Reads an RFC 3339 time (`2026-12-24T09:00:00Z`; another offset is converted to UTC,
    /// fractions of a second are dropped); anything else fails on `field`.
    pub fn parse(field: &str, text: &str) -> Result<Self, ValidationError> {
        text.parse::<jiff::Timestamp>()
            .map(|t| Timestamp(t.as_second()))
            .map_err(|_| {
                ValidationError::new(
                    field,
                    "must be a time in RFC 3339 form, like 2026-12-24T09:00:00Z",
                )
            })
    }
}

/// In UTC, to the second: `2026-12-24T09:00:00Z`.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match jiff::Timestamp::from_second(self.0) {
            Ok(t) => write!(f, "{}", t.strftime("%Y-%m-%dT%H:%M:%SZ")),
            // Only `from_unix` of a number no parse gave can be out of jiff's range.
            Err(_) => write!(f, "@{}", self.0),
        }
    }
}

/// The owner's settings, each off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SurveySettings {
    /// Responses are refused before this.
    pub opens_at: Option<Timestamp>,
    /// Responses are refused from this moment on.
    pub closes_at: Option<Timestamp>,
    /// Exactly this many responses are taken, then the survey is closed.
    pub max_responses: Option<u64>,
    /// No response records who gave it.
    pub anonymous: bool,
    /// A response must carry a single-use invitation code.
    pub invitation_only: bool,
    /// Anyone may see the results page (issue 16).
    pub public_results: bool,
}

/// Why a survey takes no response now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotTaking {
    #[error("survey {survey} is not open yet: it opens at {at}")]
    NotYetOpen { survey: i64, at: Timestamp },
    #[error("survey {survey} closed at {at}")]
    WindowClosed { survey: i64, at: Timestamp },
    #[error("survey {survey} has its {cap} responses and is closed")]
    Full { survey: i64, cap: u64 },
    #[error("survey {survey} is closed")]
    ClosedByOwner { survey: i64 },
}

impl SurveySettings {
    /// The rules that tie settings together; `one_response_per_user` is the survey's.
    pub fn check(&self, one_response_per_user: bool) -> Result<(), ValidationError> {
        if let (Some(opens), Some(closes)) = (self.opens_at, self.closes_at)
            && closes <= opens
        {
            return Err(ValidationError::new(
                "closes_at",
                format!("must be after opens_at ({opens})"),
            ));
        }
        if self.max_responses == Some(0) {
            return Err(ValidationError::new("max_responses", "must be at least 1"));
        }
        // Enforcing one response per user means remembering who responded, which is exactly
        // what an anonymous survey promises not to do.
        if self.anonymous && one_response_per_user {
            return Err(ValidationError::new(
                "anonymous",
                "cannot be combined with one_response_per_user: knowing who responded is \
                 what anonymity rules out (use invitation_only to take one response per person)",
            ));
        }
        Ok(())
    }

    /// Whether a response is taken at `now`, given whether the owner closed the survey and
    /// how many responses it has; `survey` names it in the reason.
    pub fn taking(
        &self,
        survey: i64,
        closed_by_owner: bool,
        responses: u64,
        now: Timestamp,
    ) -> Result<(), NotTaking> {
        if closed_by_owner {
            return Err(NotTaking::ClosedByOwner { survey });
        }
        if let Some(at) = self.closes_at.filter(|&at| now >= at) {
            return Err(NotTaking::WindowClosed { survey, at });
        }
        if let Some(cap) = self.max_responses.filter(|&cap| responses >= cap) {
            return Err(NotTaking::Full { survey, cap });
        }
        if let Some(at) = self.opens_at.filter(|&at| now < at) {
            return Err(NotTaking::NotYetOpen { survey, at });
        }
        Ok(())
    }

    /// The status at `now`: `scheduled` before the window, `closed` after it, when full or
    /// closed by the owner, `open` otherwise.
    pub fn status(&self, closed_by_owner: bool, responses: u64, now: Timestamp) -> SurveyStatus {
        match self.taking(0, closed_by_owner, responses, now) {
            Ok(()) => SurveyStatus::Open,
            Err(NotTaking::NotYetOpen { .. }) => SurveyStatus::Scheduled,
            Err(_) => SurveyStatus::Closed,
        }
    }

    /// The next moment after `now` at which the status changes by the clock alone, if any:
    /// a reply showing the status is good until then.
    pub fn next_change(&self, now: Timestamp) -> Option<Timestamp> {
        [self.opens_at, self.closes_at]
            .into_iter()
            .flatten()
            .filter(|&at| at > now)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse("t", text).unwrap()
    }

    #[test]
    fn a_system_time_is_whole_seconds_from_the_epoch_either_side_of_it() {
        let epoch = SystemTime::UNIX_EPOCH;
        let secs = std::time::Duration::from_millis(5_900);
        assert_eq!(Timestamp::from_system(epoch + secs).unix(), 5);
        assert_eq!(Timestamp::from_system(epoch - secs).unix(), -5);
    }

    #[test]
    fn timestamps_are_rfc_3339_in_utc_and_print_as_they_were_read() {
        let t = at("2026-12-24T09:00:00Z");
        assert_eq!(t.to_string(), "2026-12-24T09:00:00Z");
        assert_eq!(t.unix(), 1_798_102_800);
        assert_eq!(at("2026-12-24T09:00:00.75Z"), t);
        assert_eq!(at("2026-12-24T10:00:00+01:00"), t, "converted to UTC");
        for bad in ["2026-12-24T09:00:00", "2026-12-24", "tomorrow", ""] {
            let err = Timestamp::parse("opens_at", bad).unwrap_err();
            assert_eq!(err.field, "opens_at", "{bad}");
        }
    }

    #[test]
    fn the_window_is_closed_exactly_at_closes_at_and_open_exactly_at_opens_at() {
        let settings = SurveySettings {
            opens_at: Some(at("2026-01-01T10:00:00Z")),
            closes_at: Some(at("2026-01-01T12:00:00Z")),
            ..SurveySettings::default()
        };
        let status = |t| settings.status(false, 0, at(t));
        assert_eq!(status("2026-01-01T09:59:59Z"), SurveyStatus::Scheduled);
        assert_eq!(status("2026-01-01T10:00:00Z"), SurveyStatus::Open);
        assert_eq!(status("2026-01-01T11:59:59Z"), SurveyStatus::Open);
        assert_eq!(status("2026-01-01T12:00:00Z"), SurveyStatus::Closed);
        assert_eq!(
            settings
                .taking(7, false, 0, at("2026-01-01T12:00:00Z"))
                .unwrap_err()
                .to_string(),
            "survey 7 closed at 2026-01-01T12:00:00Z"
        );
        assert_eq!(
            settings.next_change(at("2026-01-01T11:00:00Z")),
            Some(at("2026-01-01T12:00:00Z"))
        );
        assert_eq!(settings.next_change(at("2026-01-01T12:00:00Z")), None);
    }

    #[test]
    fn a_full_or_owner_closed_survey_is_closed() {
        let capped = SurveySettings {
            max_responses: Some(2),
            ..SurveySettings::default()
        };
        let now = Timestamp::now();
        assert_eq!(capped.status(false, 1, now), SurveyStatus::Open);
        assert_eq!(capped.status(false, 2, now), SurveyStatus::Closed);
        assert_eq!(
            SurveySettings::default().status(true, 0, now),
            SurveyStatus::Closed
        );
    }

    #[test]
    fn settings_that_contradict_each_other_are_refused_naming_a_field() {
        let backwards = SurveySettings {
            opens_at: Some(at("2026-01-02T00:00:00Z")),
            closes_at: Some(at("2026-01-01T00:00:00Z")),
            ..SurveySettings::default()
        };
        assert_eq!(backwards.check(false).unwrap_err().field, "closes_at");
        let zero = SurveySettings {
            max_responses: Some(0),
            ..SurveySettings::default()
        };
        assert_eq!(zero.check(false).unwrap_err().field, "max_responses");
        let anonymous = SurveySettings {
            anonymous: true,
            ..SurveySettings::default()
        };
        assert!(anonymous.check(false).is_ok());
        assert_eq!(anonymous.check(true).unwrap_err().field, "anonymous");
    }
}
