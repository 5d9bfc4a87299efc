//! A survey's single-use invitations: made by its owner, each code shown once.

use super::Ctx;
use crate::domain::Survey;
use crate::protocol::paths;
use crate::protocol::{
    InvitationBody, InvitationsBody, InvitationsRequest, NewInvitationBody, NewInvitationsBody,
};
use crate::server::error::ApiError;
use crate::server::http::{Reply, Request};
use crate::server::invitation_code;

/// `POST /api/surveys/<id>/invitations/`.
pub fn create(survey: &Survey, req: &Request, cx: &Ctx) -> Result<Reply, ApiError> {
    let count = req.json::<InvitationsRequest>()?.count()?;
    let (codes, kept): (Vec<String>, Vec<(String, String)>) = (0..count)
        .map(|_| invitation_code::generate())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::Internal(format!("no randomness for invitation codes: {e}")))?
        .into_iter()
        .unzip();
    let made = cx.store.create_invitations(survey.id, &kept)?;
    let invitations = made
        .iter()
        .zip(codes)
        .map(|(invitation, code)| NewInvitationBody {
            id: invitation.id,
            // Absolute with `--public-url`, so the owner can hand the link on as it is;
            // otherwise a path on this server, which the CLI completes with its server URL.
            url: format!(
                "{}{}",
                cx.public_url.as_deref().unwrap_or_default(),
                paths::page_invited(survey.id.0, &code)
            ),
            code,
        })
        .collect();
    Ok(Reply::created(&NewInvitationsBody { invitations }))
}

/// `GET /api/surveys/<id>/invitations/`.
pub fn list(survey: &Survey, cx: &Ctx) -> Result<Reply, ApiError> {
    let invitations = cx.store.list_invitations(survey.id)?;
    Ok(Reply::ok(&InvitationsBody {
        invitations: invitations.iter().map(InvitationBody::from).collect(),
    }))
}
