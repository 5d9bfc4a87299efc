//! `canvass token inspect|print`: look at a token without the server. Decoding never verifies
//! the signature — only the server holds the key — so this tells what a token claims, not
//! whether the server will take it.

use std::io::Read as _;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::cli::InspectArgs;
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::jwt::Jwt;
use crate::client::render::{self, Output, Tone};
use crate::client::session;

#[derive(Serialize)]
struct Inspection<'a> {
    alg: &'a str,
    typ: Option<&'a str>,
    sub: Option<&'a str>,
    issued_at: Option<String>,
    expires_at: String,
    expired: bool,
    /// Negative once expired.
    expires_in_seconds: i64,
    claims: &'a Map<String, Value>,
}

pub fn inspect(args: &InspectArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.output.json);
    let token = match args.token.as_deref() {
        None => session::required(cx)?.token,
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(ClientError::Stdin)?;
            // "expected three base64url parts" would blame a token that never came.
            if text.trim().is_empty() {
                return Err(ClientError::EmptyStdin { what: "a token" });
            }
            Jwt::new(text)
        }
        Some(token) => Jwt::new(token),
    };
    let decoded = token.decode()?;
    let now = render::now();
    let expired = decoded.is_expired_at(now);
    if out.json {
        out.json(&Inspection {
            alg: &decoded.alg,
            typ: decoded.typ.as_deref(),
            sub: decoded.sub.as_deref(),
            issued_at: decoded.iat.map(render::rfc3339),
            expires_at: render::rfc3339(decoded.exp),
            expired,
            expires_in_seconds: decoded.seconds_left_at(now),
            claims: &decoded.claims,
        })?;
    } else {
        // A token is anyone's text until the server checks it: its header and claims are
        // made printable like a server's words.
        out.line(&format!(
            "Algorithm: {}{}",
            render::printable(&decoded.alg),
            decoded
                .typ
                .as_deref()
                .map_or_else(String::new, |typ| format!(" ({})", render::printable(typ)))
        ))?;
        out.line(&format!(
            "Subject:   {}",
            decoded
                .sub
                .as_deref()
                .map_or_else(|| "(none)".to_owned(), render::printable)
        ))?;
        if let Some(iat) = decoded.iat {
            out.line(&format!(
                "Issued:    {} ({})",
                render::local_time(iat),
                render::relative(iat, now)
            ))?;
        }
        let when = render::relative(decoded.exp, now);
        let state = if expired {
            out.paint(Tone::Warning, &format!("expired {when}"))
        } else {
            out.paint(Tone::Good, &format!("expires {when}"))
        };
        out.line(&format!(
            "Expires:   {} ({state})",
            render::local_time(decoded.exp)
        ))?;
    }
    if expired {
        return Err(ClientError::TokenExpired {
            at: render::local_time(decoded.exp),
        });
    }
    Ok(())
}

pub fn print(cx: &Context) -> Result<(), ClientError> {
    let session = session::required(cx)?;
    Output::new(false).line(session.token.as_str())
}
