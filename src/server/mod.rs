//! `canvass serve`: open the store, load the signing key, bind, print the address, serve
//! until SIGINT or SIGTERM, then drain the queue and exit cleanly.

mod auth;
mod cache;
mod error;
mod handlers;
mod http;
mod password;
mod routes;
mod secret;
pub mod store;
mod throttle;
mod token;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::cli::ServeArgs;
use handlers::Ctx;
use http::{HttpConfig, HttpServer};
use store::{SqliteStore, StoreError};
use throttle::{LoginThrottle, ThrottleConfig};

/// How long failed logins count against an e-mail or address.
const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Everything `serve` needs, defaults resolved.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub addr: String,
    pub db: PathBuf,
    pub token_ttl: Duration,
    pub origins: Vec<String>,
    pub threads: usize,
    pub max_body: usize,
    pub throttle: ThrottleConfig,
    /// From `CANVASS_SECRET`; `None` means the key file beside the database.
    pub secret: Option<String>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("no home directory to keep the database in; pass --db")]
    NoDataDir,
    #[error("--token-ttl must be longer than zero")]
    ZeroTokenTtl,
    #[error("cannot create {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database {path}: {source}")]
    Database { path: PathBuf, source: StoreError },
    #[error("cannot use the key file {path}: {source}")]
    SecretFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the key file {path} is readable by others (mode {mode:o}); run `chmod 600 {path}`", path = .path.display())]
    SecretPermissions { path: PathBuf, mode: u32 },
    #[error("the stored signing key is shorter than {min} bytes; delete it to make a new one")]
    WeakSecret { min: usize },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot start: {0}")]
    Startup(String),
}

impl ServeConfig {
    /// Resolves the defaults that depend on the machine (data dir, core count).
    pub fn from_args(args: ServeArgs) -> Result<Self, ServerError> {
        let db = match args.db {
            Some(db) => db,
            None => directories::BaseDirs::new()
                .map(|dirs| dirs.data_dir().join("canvass").join("canvass.db"))
                .ok_or(ServerError::NoDataDir)?,
        };
        if args.token_ttl.is_zero() {
            return Err(ServerError::ZeroTokenTtl);
        }
        let threads = args.threads.map_or_else(
            || std::thread::available_parallelism().map_or(8, |n| n.get() * 4),
            usize::from,
        );
        Ok(ServeConfig {
            addr: args.addr,
            db,
            token_ttl: args.token_ttl,
            origins: args.origins,
            threads,
            max_body: args.max_body,
            throttle: ThrottleConfig {
                per_email: args.login_failures,
                per_address: args.login_failures.saturating_mul(10),
                window: LOGIN_WINDOW,
            },
            secret: std::env::var("CANVASS_SECRET")
                .ok()
                .filter(|s| !s.is_empty()),
        })
    }
}

/// Runs the server until SIGINT or SIGTERM.
pub fn serve(config: &ServeConfig) -> Result<(), ServerError> {
    init_logging();
    if let Some(dir) = config.db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| ServerError::CreateDir {
            path: dir.to_owned(),
            source,
        })?;
    }
    let store = SqliteStore::open(&config.db).map_err(|source| ServerError::Database {
        path: config.db.clone(),
        source,
    })?;
    let key = secret::load(config.secret.as_deref(), &config.db)?;
    let cx = Ctx {
        store: Arc::new(store),
        passwords: password::Passwords::new().map_err(|e| ServerError::Startup(e.to_string()))?,
        tokens: token::Tokens::new(&key, config.token_ttl),
        throttle: LoginThrottle::new(config.throttle),
        cache: cache::ReplyCache::default(),
    };
    // Registered before binding, so a signal that arrives right after the address line is
    // printed is never missed.
    let mut signals = Signals::new([SIGINT, SIGTERM])
        .map_err(|e| ServerError::Startup(format!("cannot handle signals: {e}")))?;
    let (listener, local) = http::bind(&config.addr).map_err(|source| ServerError::Bind {
        addr: config.addr.clone(),
        source,
    })?;
    let http_config = HttpConfig {
        threads: config.threads,
        max_body: config.max_body,
        origins: config.origins.clone(),
        is_slow: routes::Route::hashes_a_password,
        // Hashing runs one per two cores anyway (`password::Passwords`); one more worker
        // keeps the next request parsed and ready.
        slow_threads: 2,
        slow_queue: 64,
    };
    let server = HttpServer::start(
        listener,
        http_config,
        &(Arc::new(move |req: &http::Request| handlers::handle(req, &cx)) as Arc<http::Handler>),
    )
    .map_err(|e| ServerError::Startup(e.to_string()))?;

    announce(&format!(
        "canvass listening on http://{local} (db: {})",
        config.db.display()
    ));
    let signal = signals.forever().next();
    tracing::info!("signal {signal:?} received; finishing requests in flight");
    server.shutdown();
    Ok(())
}

/// The one line on stdout that scripts and tests wait for, flushed at once.
fn announce(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn init_logging() {
    // `RUST_LOG=warn` (or error, off…) quiets the per-request lines; anything unparsable
    // keeps the default.
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse::<tracing_subscriber::filter::LevelFilter>().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    // A panic is caught and answered with a 500; say so on one line instead of the default
    // hook's multi-line report (RUST_BACKTRACE may be set).
    std::panic::set_hook(Box::new(|info| {
        tracing::error!("panic: {info}");
    }));
}
