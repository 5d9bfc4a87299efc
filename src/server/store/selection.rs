//! Which surveys a listing reads, the same for every backend.

use super::{Listing, Page};
use crate::domain::{SurveyId, UserId};

/// Which surveys a backend's `load_surveys` reads.
pub(super) enum Selection {
    One(SurveyId),
    /// The newest `n`, oldest first.
    Newest(u64),
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

impl From<Listing> for Selection {
    fn from(listing: Listing) -> Self {
        match listing {
            Listing::Newest(n) => Selection::Newest(n),
            Listing::Page(page) => Selection::Page(page),
        }
    }
}
