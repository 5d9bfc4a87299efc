//! `canvass register`: create the account, then log in as it.

use crate::cli::CredentialArgs;
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::Output;

use super::login;

/// Below this, registration still works but says the password is weak.
const GOOD_LENGTH: usize = 12;

pub fn run(args: &CredentialArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.output.json);
    let credentials = login::read_credentials(args, cx, true)?;
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
