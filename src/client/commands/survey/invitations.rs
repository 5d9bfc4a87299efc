//! `canvass survey invitations ID`: the owner's list of a survey's invitation codes — each
//! by its first characters, since the code itself is not kept — with whether it was used.

use crate::cli::SurveyArgs;
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::{self, Align, Output, Table};
use crate::client::session;

pub fn run(args: &SurveyArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.output.json);
    let id = args.survey.id;
    let listed = session::authenticated(cx, &out)?.invitations(id)?;
    if out.json {
        return out.json(&listed);
    }
    let invitations = &listed.invitations;
    if invitations.is_empty() {
        return out.line(&format!(
            "Survey {id} has no invitations — `canvass survey invite {id} --count N` makes them"
        ));
    }
    let mut table = Table::new(&[
        ("code", Align::Left),
        ("created", Align::Left),
        ("used", Align::Left),
    ]);
    for invitation in invitations {
        table.row([
            // Only the start of the code is known: the ellipsis says so.
            format!("{}…", invitation.prefix),
            render::local_minute(&invitation.created_at),
            match (&invitation.used_at, invitation.used) {
                (Some(at), _) => format!("used {}", render::local_minute(at)),
                (None, true) => "used".to_owned(),
                (None, false) => "unused".to_owned(),
            },
        ]);
    }
    for line in table.render(&out, render::width()) {
        out.line(&line)?;
    }
    let used = invitations.iter().filter(|i| i.used).count() as u64;
    out.line(&format!(
        "{used} of {} used",
        render::plural(invitations.len() as u64, "invitation")
    ))
}
