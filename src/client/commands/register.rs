//! `canvass register`: create the account, then log in as it. The e-mail is checked by the
//! server's rule before the password is asked for, twice, so a typo costs one line, not three
//! (issue 14, item 6).

use crate::cli::{CredentialArgs, OutputArgs};
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::{Output, printable};
use crate::domain::Email;

use super::login;

/// Below this, registration still works but says the password is weak.
const GOOD_LENGTH: usize = 12;

pub fn run(args: &CredentialArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.output.json);
    let email = match &args.email {
        Some(email) => {
            Email::parse(email).map_err(|e| {
                ClientError::Usage(format!("--email {}: {}", printable(email), e.problem))
            })?;
            email.clone()
        }
        None => ask_email(cx)?,
    };
    let args = CredentialArgs {
        email: Some(email),
        password_stdin: args.password_stdin,
        output: OutputArgs {
            json: args.output.json,
        },
    };
    let credentials = login::read_credentials(&args, cx, true)?;
    // The server sets no minimum, for the seed client's sake (docs/seed-contract.md); a person should
    // still hear it.
    let length = credentials.password.chars().count();
    if length < GOOD_LENGTH {
        out.warn(&format!(
            "a password of {length} characters is easy to guess; {GOOD_LENGTH} or more is better"
        ));
    }
    cx.anonymous()?.register(&credentials)?;
    login::log_in(cx, &out, &credentials)
}

/// The e-mail, asked until the server's rule takes it; a refusal says why at the prompt.
fn ask_email(cx: &Context) -> Result<String, ClientError> {
    let check = |text: &str| {
        Email::parse(text)
            .map(drop)
            .map_err(|e| format!("That {}", e.problem))
    };
    cx.prompt
        .checked_text("E-mail", "", check, ("the e-mail", "--email"))
}
