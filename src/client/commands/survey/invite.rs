//! `canvass survey invite ID --count N`: single-use codes for the owner's invitation-only
//! survey, each with the link a respondent opens, made absolute on this server. A code is
//! shown this once: the server keeps only its hash.

use serde::Serialize;

use crate::cli::InviteArgs;
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::{self, Output};
use crate::client::session;

/// `--json`: the server's reply, with each link absolute, so a script can mail it as is.
#[derive(Serialize)]
struct Made {
    invitations: Vec<Invitation>,
}

#[derive(Serialize)]
struct Invitation {
    id: i64,
    code: String,
    url: String,
}

pub fn run(args: &InviteArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.output.json);
    let id = args.survey.id;
    let api = session::authenticated(cx, &out)?;
    let made = api.invite(id, args.count)?;
    let invitations: Vec<Invitation> = made
        .invitations
        .into_iter()
        .map(|made| Invitation {
            id: made.id,
            url: api.url_of(&made.url),
            code: made.code,
        })
        .collect();
    if out.json {
        return out.json(&Made { invitations });
    }
    out.line(&format!(
        "{} for survey {id}; each works once and is shown only now:",
        render::plural(invitations.len() as u64, "invitation")
    ))?;
    for invitation in &invitations {
        // The server's words: printable, like every other.
        out.line(&format!(
            "  {}  {}",
            render::printable(&invitation.code),
            render::printable(&invitation.url)
        ))?;
    }
    Ok(())
}
