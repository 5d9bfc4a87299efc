//! Which surveys a listing reads, the same for every backend.

use super::Page;
use crate::domain::{SurveyId, UserId};

/// Which surveys a backend's `load_surveys` reads.
pub(super) enum Selection {
    One(SurveyId),
    Page(Page),
    /// A page of the surveys one user created.
    CreatorPage(UserId, Page),
}

/// A page as SQL's `LIMIT` and `OFFSET`.
pub(super) fn slice(page: &Page) -> (i64, i64) {
    (
        i64::try_from(page.size).unwrap_or(i64::MAX),
        i64::try_from(page.number.saturating_sub(1).saturating_mul(page.size)).unwrap_or(i64::MAX),
    )
}
