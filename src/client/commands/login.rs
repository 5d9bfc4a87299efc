//! `canvass login`: trade an e-mail and password for a session token and keep it.

use std::io::BufRead as _;

use serde::Serialize;

use crate::cli::CredentialArgs;
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::jwt::Jwt;
use crate::client::render::{self, Output, Tone};
use crate::client::session::{self, SourceReport, TokenSource};
use crate::protocol::CredentialsRequest;

pub fn run(args: &CredentialArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.output.json);
    let credentials = read_credentials(args, cx, false)?;
    log_in(cx, &out, &credentials)
}

/// The e-mail from `--email` or a prompt; the password from stdin or a hidden prompt,
/// typed twice when `confirm`.
pub fn read_credentials(
    args: &CredentialArgs,
    cx: &Context,
    confirm: bool,
) -> Result<CredentialsRequest, ClientError> {
    let email = match &args.email {
        Some(email) => email.clone(),
        None => cx.prompt.text("E-mail", false, ("the e-mail", "--email"))?,
    };
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(ClientError::Stdin)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        cx.prompt.password(confirm)?
    };
    Ok(CredentialsRequest {
        email: email.trim().to_owned(),
        password,
    })
}

#[derive(Serialize)]
struct LoggedIn<'a> {
    server: &'a str,
    email: &'a str,
    expires_at: String,
    token_source: SourceReport,
}

/// Logs in, keeps the token, makes this server the default, and says all of that.
pub fn log_in(
    cx: &Context,
    out: &Output,
    credentials: &CredentialsRequest,
) -> Result<(), ClientError> {
    let token = Jwt::new(cx.anonymous()?.login(credentials)?.token);
    let claims = token.decode()?;
    let saved = cx.credentials.save(&cx.server, &token)?;
    session::warn_if_insecure(out, &saved);
    // Saying so matters once there is a default to change: later commands without --server
    // go here now, and their errors would otherwise seem to come from nowhere (issue 14,
    // item 15).
    let default_changed = cx.config.server.as_deref() != Some(cx.server.as_str());
    if default_changed {
        let mut config = cx.config.clone();
        config.server = Some(cx.server.clone());
        config.save(&cx.dirs.config_file())?;
    }
    let source = TokenSource::Stored(saved.location);
    if out.json {
        return out.json(&LoggedIn {
            server: &cx.server,
            email: &credentials.email,
            expires_at: render::rfc3339(claims.exp),
            token_source: source.report(),
        });
    }
    out.line(&format!(
        "Logged in to {} as {}.",
        cx.server,
        out.paint(Tone::Strong, &credentials.email)
    ))?;
    out.line(&format!(
        "The session expires at {} ({}); the token is kept in {source}.",
        render::local_time(claims.exp),
        render::relative(claims.exp, render::now())
    ))?;
    match (&cx.config.server, default_changed) {
        (Some(previous), true) => out.line(&format!(
            "The default server is now {} (it was {}).",
            cx.server,
            render::printable(previous)
        )),
        (None, true) => out.line(&format!("The default server is now {}.", cx.server)),
        (_, false) => Ok(()),
    }
}
