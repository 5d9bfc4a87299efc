//! `canvass serve`: open the store, load the signing key, bind, print the address, serve
//! until SIGINT or SIGTERM, then drain the queue and exit cleanly.

mod api_reference;
mod auth;
mod backup;
mod cache;
mod check;
mod client_address;
mod copy_db;
mod cors;
mod error;
mod fair_lane;
mod handlers;
mod http;
mod invitation_code;
mod logging;
mod metrics;
mod openapi;
mod password;
mod quota;
mod route_name;
mod routes;
mod secret;
pub mod store;
mod throttle;
mod token;
mod users;
mod web;

use std::io::Write;
use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::cli::{LogFormat, ServeArgs};
pub use backup::{BackupError, backup};
pub use check::{CheckError, check};
use client_address::TrustedProxies;
pub use copy_db::{CopyError, copy_db};
use error::error_chain;
use handlers::Ctx;
use http::{HttpConfig, HttpServer};
use metrics::{Metrics, MetricsServer};
use route_name::RouteName;
use store::{DatabaseUrl, StoreError};
use throttle::{LoginThrottle, ThrottleConfig};
pub use users::{Ask, UsersError, users};

/// Workers that hash passwords (logins, registrations), beside the request workers.
const LOGIN_WORKERS: usize = 2;

/// How long failed logins count against an e-mail or address.
const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The API's OpenAPI document, as `GET /api/openapi.json` serves it (and `docs/openapi.json`
/// holds it).
pub fn openapi_json() -> Vec<u8> {
    openapi::document().to_vec()
}

/// `docs/API.md`: the route table for people.
pub fn api_reference() -> String {
    api_reference::markdown()
}

/// Everything `serve` needs, defaults resolved.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub addr: String,
    pub db: DatabaseUrl,
    pub token_ttl: Duration,
    /// The longest a session lives from its login, refreshes included.
    pub session_max: Duration,
    pub origins: Vec<String>,
    pub threads: usize,
    pub max_body: usize,
    /// Bytes the reply cache may hold.
    pub cache_size: usize,
    /// Surveys in the seed's unpaged listing: the newest this many.
    pub listing_limit: u64,
    /// Surveys one account may create per hour; 0 is no limit.
    pub surveys_per_hour: u32,
    pub max_connections_per_address: usize,
    pub trusted_proxies: TrustedProxies,
    pub throttle: ThrottleConfig,
    /// From `CANVASS_SECRET`; `None` means the key file beside the database.
    pub secret: Option<String>,
    /// Where respondents reach the server (`--public-url`), without a trailing slash.
    pub public_url: Option<String>,
    /// Where `GET /metrics` is served (`--metrics-addr`); `None`: no metrics at all.
    pub metrics_addr: Option<String>,
    pub log_format: LogFormat,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("no home directory to keep the database in; pass --db")]
    NoDataDir,
    #[error("--token-ttl must be longer than zero")]
    ZeroTokenTtl,
    #[error("cannot create {path}: {source}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database {db}: {}", error_chain(source))]
    Database { db: DatabaseUrl, source: StoreError },
    #[error(
        "CANVASS_SECRET is required with PostgreSQL: every replica must sign and check tokens \
         with one key, and a key file on one machine cannot be shared"
    )]
    SecretRequired,
    #[error(
        "another `canvass serve` is using {}; one server per SQLite file (for several, use \
         PostgreSQL: see --db)",
        db.display()
    )]
    DatabaseInUse { db: PathBuf },
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
    #[error("cannot serve metrics on {addr}: {source}")]
    MetricsBind {
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
                .map(|dirs| DatabaseUrl::Sqlite(dirs.data_dir().join("canvass").join("canvass.db")))
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
            session_max: args.session_max,
            origins: args.origins,
            threads,
            max_body: args.max_body,
            cache_size: args.cache_size,
            listing_limit: args.listing_limit,
            surveys_per_hour: args.surveys_per_hour,
            max_connections_per_address: usize::from(args.max_connections_per_address),
            trusted_proxies: TrustedProxies::new(args.trusted_proxies),
            throttle: ThrottleConfig {
                per_email: args.login_failures,
                per_address: args.login_failures.saturating_mul(10),
                window: LOGIN_WINDOW,
                registrations_per_address: args.registrations_per_hour,
            },
            public_url: args
                .public_url
                .map(|url| url.trim_end_matches('/').to_owned()),
            secret: std::env::var("CANVASS_SECRET")
                .ok()
                .filter(|s| !s.is_empty()),
            metrics_addr: args.metrics_addr,
            log_format: args.log_format,
        })
    }
}

/// The key tokens are signed with: `CANVASS_SECRET`, or with SQLite the key file beside the
/// database (made on first start, in a folder made private if canvass makes it).
fn signing_key(config: &ServeConfig) -> Result<token::SigningKey, ServerError> {
    Ok(match (&config.db, config.secret.as_deref()) {
        (DatabaseUrl::Postgres(_), None) => return Err(ServerError::SecretRequired),
        (DatabaseUrl::Postgres(_), Some(secret)) => secret::from_env(secret),
        (DatabaseUrl::Sqlite(path), secret) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                // A folder made here holds only canvass's own files: 0700. An existing one
                // is the operator's and is left as it is.
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .map_err(|source| ServerError::Create {
                        path: dir.to_owned(),
                        source,
                    })?;
            }
            // Before the key file is made beside it: `--db /dev/null` must not leave a
            // `/dev/secret.key` behind.
            store::SqliteStore::create_private(path).map_err(|source| ServerError::Database {
                db: config.db.clone(),
                source,
            })?;
            secret::load(secret, path)?
        }
    })
}

/// Runs the server until SIGINT or SIGTERM.
pub fn serve(config: &ServeConfig) -> Result<(), ServerError> {
    logging::init(config.log_format);
    let key = signing_key(config)?;
    let _owner = match &config.db {
        DatabaseUrl::Sqlite(path) => Some(own_sqlite_file(path)?),
        DatabaseUrl::Postgres(_) => None,
    };
    let metrics = if config.metrics_addr.is_some() {
        Metrics::on()
    } else {
        Metrics::off()
    };
    // Every worker and the login workers may each hold a connection, plus the listener.
    let connections = config.threads + LOGIN_WORKERS + 1;
    let store =
        store::open(&config.db, connections, metrics.store_observer()).map_err(|source| {
            ServerError::Database {
                db: config.db.clone(),
                source,
            }
        })?;
    let cx = Ctx {
        store,
        passwords: password::Passwords::new().map_err(|e| ServerError::Startup(e.to_string()))?,
        tokens: token::Tokens::new(&key, config.token_ttl, config.session_max),
        throttle: LoginThrottle::new(config.throttle),
        cache: cache::ReplyCache::new(config.cache_size),
        listing_limit: config.listing_limit,
        survey_quota: quota::SurveyQuota::new(config.surveys_per_hour),
        forms: web::FormTokens::new(&key),
        sessions: web::Sessions::new(
            &key,
            config.token_ttl,
            config.session_max,
            config
                .public_url
                .as_deref()
                .is_some_and(|url| url.starts_with("https://")),
        ),
        public_url: config.public_url.clone(),
        metrics: metrics.clone(),
    };
    // Registered before binding, so a signal that arrives right after the address line is
    // printed is never missed.
    let mut signals = Signals::new([SIGINT, SIGTERM])
        .map_err(|e| ServerError::Startup(format!("cannot handle signals: {e}")))?;
    // Bound before the public port, so a bad metrics address stops the start early.
    let metrics_server = start_metrics(config.metrics_addr.as_deref(), &metrics)?;
    let (listener, local) = http::bind(&config.addr).map_err(|source| ServerError::Bind {
        addr: config.addr.clone(),
        source,
    })?;
    let http_config = HttpConfig {
        threads: config.threads,
        max_body: config.max_body,
        origins: config.origins.clone(),
        is_slow: |method, path| {
            routes::hashes_a_password(method, path) || web::hashes_a_password(method, path)
        },
        methods: routes::all_methods(),
        // Hashing runs one per two cores anyway (`password::Passwords`); one more worker
        // keeps the next request parsed and ready.
        slow_threads: LOGIN_WORKERS,
        slow_queue: 64,
        max_connections_per_address: config.max_connections_per_address,
        trusted_proxies: config.trusted_proxies.clone(),
        route_of: RouteName::resolve,
        metrics: metrics.clone(),
        log_format: config.log_format,
    };
    let server = HttpServer::start(
        listener,
        http_config,
        &(Arc::new(move |req: &http::Request| handlers::handle(req, &cx)) as Arc<http::Handler>),
    )
    .map_err(|e| ServerError::Startup(e.to_string()))?;
    metrics.watch(server.load());

    // Before the listening line, which scripts wait for: once it is out, both are known.
    if let Some(metrics_server) = &metrics_server {
        announce(&format!(
            "canvass metrics on http://{}/metrics",
            metrics_server.addr()
        ));
    }
    announce(&format!(
        "canvass listening on http://{local} (db: {})",
        config.db
    ));
    let signal = signals.forever().next();
    tracing::info!("signal {signal:?} received; finishing requests in flight");
    server.shutdown();
    if let Some(metrics_server) = metrics_server {
        metrics_server.shutdown();
    }
    Ok(())
}

/// The metrics listener, when `--metrics-addr` asks for one.
fn start_metrics(
    addr: Option<&str>,
    metrics: &Metrics,
) -> Result<Option<MetricsServer>, ServerError> {
    let Some(addr) = addr else {
        return Ok(None);
    };
    MetricsServer::start(addr, metrics.clone())
        .map(Some)
        .map_err(|source| ServerError::MetricsBind {
            addr: addr.to_owned(),
            source,
        })
}

/// Takes the lock that makes this process the SQLite file's only server, held until exit
/// (the kernel lets go when the process dies, `kill -9` included). Two servers on one file
/// each keep a reply cache the other's writes never reach, so they would disagree (issue 12:
/// 999 responses on one, 1,000 on the other); replicas need PostgreSQL.
fn own_sqlite_file(db: &std::path::Path) -> Result<std::fs::File, ServerError> {
    let path = db.with_file_name(format!(
        "{}.lock",
        db.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    ));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| ServerError::Create {
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(ServerError::DatabaseInUse { db: db.to_owned() })
        }
        Err(std::fs::TryLockError::Error(source)) => Err(ServerError::Create { path, source }),
    }
}

/// The one line on stdout that scripts and tests wait for, flushed at once.
fn announce(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}
