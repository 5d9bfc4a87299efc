//! The command-line client: each command reads its input (flags, then files or stdin, then a
//! prompt), calls the server through `api`, and hands a value to `render`.

mod api;
mod cache;
mod commands;
mod config;
mod credentials;
mod error;
mod jwt;
mod private_file;
mod prompt;
mod render;
mod session;
mod wire;

pub use error::ClientError;
pub use prompt::Prompter;

use std::cell::OnceCell;
use std::time::Duration;

use crate::cli::{ClientCommand, GlobalArgs, OutboxCommand, TokenCommand};
use api::ApiClient;
use config::{Config, DEFAULT_SERVER, Dirs};
use credentials::{CredentialStore, StorePreference};
use error::ServerSource;

/// What every command needs: which server, where things are kept, whether a person is there.
pub struct Context {
    /// Normalised (see `api::normalize_server`): the name credentials are kept under.
    pub server: String,
    pub dirs: Dirs,
    pub config: Config,
    pub credentials: CredentialStore,
    pub prompt: Prompter,
    /// How long each request may take (`--timeout`).
    pub timeout: Duration,
    cache: OnceCell<cache::Cache>,
}

impl Context {
    pub fn new(global: &GlobalArgs) -> Result<Context, ClientError> {
        let dirs = Dirs::locate()?;
        let config = Config::load(&dirs.config_file())?;
        let server = match (&global.server, &config.server) {
            (Some(server), _) => api::normalize_server(server, ServerSource::Flag)?,
            (None, Some(server)) => {
                api::normalize_server(server, ServerSource::Config(dirs.config_file()))?
            }
            (None, None) => api::normalize_server(DEFAULT_SERVER, ServerSource::Flag)?,
        };
        let preference = match std::env::var("CANVASS_CREDENTIAL_STORE") {
            Ok(value) if !value.is_empty() => value.parse::<StorePreference>()?,
            _ => config.credential_store.unwrap_or_default(),
        };
        Ok(Context {
            credentials: CredentialStore::new(
                preference,
                dirs.credentials_file(),
                dirs.config.display().to_string(),
            ),
            server,
            timeout: global.timeout.unwrap_or(api::DEFAULT_TIMEOUT),
            dirs,
            config,
            prompt: Prompter::detect(),
            cache: OnceCell::new(),
        })
    }

    /// This server's local database (cached surveys, drafts, the outbox), opened on first
    /// use and then kept for the rest of the command.
    pub fn cache(&self) -> Result<&cache::Cache, ClientError> {
        if let Some(cache) = self.cache.get() {
            return Ok(cache);
        }
        let opened = cache::Cache::open(&self.dirs.data.join("servers"), &self.server)?;
        Ok(self.cache.get_or_init(|| opened))
    }

    /// A client that sends no token.
    pub fn anonymous(&self) -> Result<ApiClient, ClientError> {
        ApiClient::new(&self.server, self.timeout)
    }
}

/// Runs one client command.
pub fn run(global: &GlobalArgs, command: ClientCommand) -> Result<(), ClientError> {
    let cx = Context::new(global)?;
    match command {
        ClientCommand::Register(args) => commands::register::run(&args, &cx),
        ClientCommand::Login(args) => commands::login::run(&args, &cx),
        ClientCommand::Logout(args) => commands::logout::run(&args, &cx),
        ClientCommand::Whoami(args) => commands::whoami::run(&args, &cx),
        ClientCommand::Status(args) => commands::status::run(&args, &cx),
        ClientCommand::Token(TokenCommand::Inspect(args)) => commands::token::inspect(&args, &cx),
        ClientCommand::Token(TokenCommand::Print) => commands::token::print(&cx),
        ClientCommand::Survey(command) => commands::survey::run(command, &cx),
        ClientCommand::Sync(args) => commands::sync::run(&args, &cx),
        ClientCommand::Outbox(OutboxCommand::List(args)) => commands::outbox::list(&args, &cx),
        ClientCommand::Outbox(OutboxCommand::Drop(args)) => commands::outbox::drop(&args, &cx),
    }
}
