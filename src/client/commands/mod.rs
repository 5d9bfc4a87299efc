//! One module per command; each exports `run(args, &Context)`.

pub mod login;
pub mod logout;
pub mod outbox;
pub mod register;
pub mod status;
pub mod survey;
pub mod sync;
pub mod token;
pub mod whoami;
