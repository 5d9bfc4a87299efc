//! `canvass register`: create the account, then log in as it.

use crate::cli::CredentialArgs;
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::Output;

use super::login;

pub fn run(args: &CredentialArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.output.json);
    let credentials = login::read_credentials(args, cx, true)?;
    cx.anonymous()?.register(&credentials)?;
    login::log_in(cx, &out, &credentials)
}
