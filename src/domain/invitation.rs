//! Single-use invitations to an `invitation_only` survey (issue 15). The code itself is shown
//! once, when made; what is kept is its hash and its first characters.

/// An invitation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: i64,
    /// The code's first `Invitation::PREFIX_LEN` characters.
    pub prefix: String,
    pub created_at: String,
    /// When a response used it, if one has.
    pub used_at: Option<String>,
}

impl Invitation {
    /// The most codes one request makes.
    pub const MAX_AT_ONCE: usize = 10_000;
    /// The most codes a survey has in all, so listing them stays a bounded reply.
    pub const MAX_PER_SURVEY: usize = 10_000;
    /// How much of a code is kept in the clear: enough to tell codes apart, leaving 136 of
    /// the code's 160 random bits unknown.
    pub const PREFIX_LEN: usize = 6;
}

/// Why a response to an `invitation_only` survey is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvitationRefusal {
    #[error(
        "survey {survey} takes responses by invitation only: send the code you were given as `invitation`"
    )]
    Required { survey: i64 },
    #[error("that is not an invitation code of survey {survey}")]
    Unknown { survey: i64 },
    #[error("that invitation has been used already")]
    Used,
}
