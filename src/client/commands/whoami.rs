//! `canvass whoami`: the server's answer to "whose session is this?" (`GET /api/me/`).

use serde::Serialize;

use crate::cli::OutputArgs;
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::{Output, Tone};
use crate::client::session;

#[derive(Serialize)]
struct Me<'a> {
    id: i64,
    email: &'a str,
    created_at: &'a str,
    server: &'a str,
}

pub fn run(args: &OutputArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.json);
    let me = session::authenticated(cx, &out)?.me()?;
    if out.json {
        return out.json(&Me {
            id: me.id,
            email: &me.email,
            created_at: &me.created_at,
            server: &cx.server,
        });
    }
    out.line(&format!(
        "{} on {}",
        out.paint(Tone::Strong, &me.email),
        cx.server
    ))
}
