//! `canvass logout [--all]`: forget the local token; `--all` first revokes every token of the
//! user on the server, so a lost laptop's session dies too.

use crate::cli::LogoutArgs;
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::{Output, printable};
use crate::client::session::{self, TOKEN_VARIABLE};

pub fn run(args: &LogoutArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(false);
    if args.all {
        // Revoke before forgetting: if the server refuses, the local token is still there to
        // try again with.
        let reply = session::authenticated(cx, &out)?.logout_all()?;
        out.line(&format!(
            "{} on {}.",
            capitalized(&printable(&reply.message)),
            cx.server
        ))?;
    }
    match cx.credentials.delete(&cx.server)? {
        Some(location) => out.line(&format!(
            "Logged out of {}: the token is gone from {location}.",
            cx.server
        ))?,
        None => out.line(&format!("No token for {} was kept here.", cx.server))?,
    }
    if std::env::var_os(TOKEN_VARIABLE).is_some_and(|v| !v.is_empty()) {
        out.warn(&format!(
            "{TOKEN_VARIABLE} is still set; commands keep using it until it is unset"
        ));
    }
    Ok(())
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}
