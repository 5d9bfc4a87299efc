//! The command line, as clap definitions only: no I/O happens here.

use std::fmt;
use std::marker::PhantomData;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::server::store::{DatabaseUrl, UnsupportedDatabase};

/// Printed under `canvass --help` and on every man page.
const EXIT_CODES: &str = "\
Exit codes:
  0  ok
  1  error (the server refused the request, or a local failure)
  2  usage (a bad flag, or a value that must be given as a flag when stdin is not a terminal)
  3  not logged in, session expired, or token rejected by the server
  4  server unreachable or failing (connection refused, timeout, 5xx)
  130  interrupted at a prompt (Ctrl-C)

Environment:
  CANVASS_SERVER   the server, as --server takes it
  CANVASS_TIMEOUT  how long to wait for the server, as --timeout takes it
  CANVASS_TOKEN    a session token to use instead of the stored one (for CI); never written
                   anywhere
  CANVASS_CREDENTIAL_STORE  auto, keyring or file: where `login` keeps the token";

#[derive(Debug, Parser)]
#[command(
    name = "canvass",
    version,
    about = "A local-first survey manager and the self-hosted server behind it",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every client command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The canvass server, http://HOST[:PORT] or https://HOST[:PORT][/PATH] [default: the
    /// last server logged in to, else http://127.0.0.1:5000]
    #[arg(long, global = true, env = "CANVASS_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// How long to wait for the server to answer, e.g. 10s, 500ms, 2m [default: 10s]
    #[arg(
        long,
        global = true,
        env = "CANVASS_TIMEOUT",
        value_name = "DURATION",
        value_parser = parse_timeout
    )]
    pub timeout: Option<Duration>,
}

/// `--timeout`: a humantime duration above zero (reqwest reads zero as "give up at once").
fn parse_timeout(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text) {
        Ok(duration) if duration.is_zero() => Err("it must be longer than 0s".to_owned()),
        Ok(duration) => Ok(duration),
        Err(e) => Err(format!("{e}; expected e.g. 10s, 500ms or 2m")),
    }
}

/// The client's global options, declared again on commands that do not speak to a server
/// (`serve`, `admin copy-db`) but hidden there. clap copies a global option into every
/// subcommand that does not define one of the same id, so defining it here keeps `--server
/// <URL>` out of `serve --help`; a value typed after `serve` is refused, since `serve` would
/// ignore it. The types match `GlobalArgs`', as clap hands a value given before the
/// subcommand down to it.
#[derive(Debug, Args)]
pub struct NotForServers {
    #[arg(long, hide = true, value_parser = ClientOnly::<String>(PhantomData))]
    server: Option<String>,
    #[arg(long, hide = true, value_parser = ClientOnly::<Duration>(PhantomData))]
    timeout: Option<Duration>,
}

/// Refuses a client option given to a server command, naming the option; `T` is the type
/// the option has where it is used.
#[derive(Debug, Clone, Copy)]
struct ClientOnly<T>(PhantomData<T>);

impl<T: Clone + Send + Sync + 'static> clap::builder::TypedValueParser for ClientOnly<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        _value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        let flag = arg.and_then(clap::Arg::get_long).unwrap_or("server");
        Err(clap::Error::raw(
            clap::error::ErrorKind::ArgumentConflict,
            format!(
                "--{flag} is for the client commands; `canvass {}` does not use it\n",
                cmd.get_name()
            ),
        )
        .with_cmd(cmd))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the survey server (HTTP API on tiny_http, data in SQLite or PostgreSQL).
    ///
    /// The HS256 signing key comes from CANVASS_SECRET; without it a random key is made on
    /// first start in `secret.key` (mode 0600) beside the SQLite database and reused
    /// afterwards. Replicas on one PostgreSQL database must share one key, so there
    /// CANVASS_SECRET is required.
    Serve(ServeArgs),
    /// Look after a server's data: copy it between SQLite and PostgreSQL, back it up, check
    /// it, and look after its accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    #[command(flatten)]
    Client(ClientCommand),
    /// Print a shell completion script to stdout.
    ///
    /// bash: canvass completions bash > ~/.local/share/bash-completion/completions/canvass
    /// zsh:  canvass completions zsh > ~/.zfunc/_canvass   (with fpath+=~/.zfunc)
    /// fish: canvass completions fish > ~/.config/fish/completions/canvass.fish
    Completions(CompletionsArgs),
    /// Write every completion script and man page under DIR (for packagers and the
    /// repository's committed copies).
    #[command(hide = true)]
    Generate(GenerateArgs),
}

/// Everything that speaks to a server as a user.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Create an account on the server, then log in.
    ///
    /// Prompts for the e-mail and the password (twice) at a terminal; scripts pass --email and
    /// pipe the password with --password-stdin.
    Register(CredentialArgs),
    /// Log in and keep the session token in the OS keyring.
    ///
    /// The server becomes the default for later commands. Where no keyring works (containers,
    /// some CI runners) the token goes to a 0600 file in the user data dir, with a warning.
    /// CANVASS_CREDENTIAL_STORE=auto|keyring|file forces a store.
    Login(CredentialArgs),
    /// Forget this server's session token.
    Logout(LogoutArgs),
    /// Ask the server who the session belongs to.
    Whoami(OutputArgs),
    /// Show the server, whether it answers, the user, where the token is kept and when it
    /// expires.
    Status(OutputArgs),
    /// Look at session tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Create, answer and read surveys.
    #[command(subcommand)]
    Survey(SurveyCommand),
    /// Send the responses queued while the server was unreachable, then refresh the local
    /// copy of every survey.
    ///
    /// A response the server refuses (say the survey was closed meanwhile) stays queued and
    /// is reported, and the command exits 1; `canvass outbox drop` removes it. Nothing is
    /// dropped silently. Sending twice never counts twice.
    Sync(OutputArgs),
    /// Look at or empty the responses queued on this machine for `sync`.
    #[command(subcommand)]
    Outbox(OutboxCommand),
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// The queued responses, oldest first: number, survey, when queued, and why the server
    /// refused it if it did.
    List(OutputArgs),
    /// Throw queued responses away, unsent.
    Drop(OutboxDropArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["number", "all"])))]
pub struct OutboxDropArgs {
    /// The queued response's number, as `canvass outbox list` shows it.
    pub number: Option<i64>,
    /// Every queued response.
    #[arg(long)]
    pub all: bool,
    /// Drop without asking; needed when stdin is not a terminal.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct CredentialArgs {
    /// The account's e-mail [prompted at a terminal]
    #[arg(long)]
    pub email: Option<String>,
    /// Read the password from the first line of stdin instead of prompting.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// First revoke every token of this user on the server, on every machine.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Print JSON for scripts instead of text for people.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Decode a token without verifying it: header, subject, issue and expiry times.
    ///
    /// Exits 0 when the token is still valid, 3 when it has expired, 1 when it is not a JWT.
    Inspect(InspectArgs),
    /// Print the session token, for `$(canvass token print)` in scripts.
    Print,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The token, or - to read it from stdin (which, unlike an argument, other users
    /// cannot see in `ps`) [default: the session token]
    pub token: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub enum SurveyCommand {
    /// List surveys: id, name, questions, responses, status, created, creator.
    List(ListArgs),
    /// Show a survey: its questions numbered 1…n and their choices 1…m, as `respond
    /// --answer` takes them.
    Show(SurveyArgs),
    /// Create a survey: a wizard at a terminal, or --file for scripts.
    ///
    /// The file is JSON in the seed's shape, {"name", "questions": [{"question", "choices":
    /// […]}]}, or the richer one, where a question has "text", "kind" (single, multiple or
    /// text), "choices" and "required". Either may set "one_response_per_user", "opens_at"
    /// and "closes_at" (RFC 3339 in UTC, like 2026-12-24T09:00:00Z), "max_responses",
    /// "anonymous", "invitation_only" and "public_results". It is checked before anything is
    /// sent.
    Create(CreateArgs),
    /// Answer a survey: prompts at a terminal, or --answer / --answers for scripts.
    Respond(RespondArgs),
    /// Counts and percentages per choice, as bars, and the text answers.
    Results(SurveyArgs),
    /// Download every response to your survey, as CSV (one row per response, one column per
    /// question) or JSON.
    Export(ExportArgs),
    /// Close your survey: no more responses are taken.
    Close(SurveyIdArgs),
    /// Reopen your closed survey, if its closing time has not passed and its cap is not
    /// reached.
    Reopen(SurveyIdArgs),
    /// Change your survey: the wizard reopened on its current values, or --file.
    ///
    /// The name, the closing time, the cap and whether results are public may change at any
    /// time; the questions, the opening time, one response per user, anonymity and
    /// invitations only until the first response. The file takes the keys `survey create
    /// --file` does; only what it gives is changed.
    Edit(EditArgs),
    /// Make single-use invitation codes for your invitation-only survey, with their links.
    ///
    /// Each code is shown this once (the server keeps only its hash): keep the output.
    Invite(InviteArgs),
    /// List your survey's invitations: each code's first characters, when it was made, and
    /// whether it was used.
    Invitations(SurveyArgs),
    /// The link respondents open in a browser to answer the survey (--qr draws it as a QR
    /// code in the terminal).
    ///
    /// The link is the server's address as this client knows it: share it from a client
    /// that names the server the way respondents reach it (its public address, not
    /// localhost). An invitation-only survey needs each person's own link: `survey invite`.
    Share(ShareArgs),
    /// Delete your survey and all its responses.
    Delete(DeleteArgs),
    /// List the drafts kept on this machine.
    Drafts(OutputArgs),
    /// Reopen a draft in the wizard, or replace it with --file.
    EditDraft(EditDraftArgs),
    /// Send a draft to the server as a new survey; the draft is then forgotten.
    Publish(PublishArgs),
    /// Throw a draft away.
    DeleteDraft(DraftArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only the surveys you created.
    #[arg(long)]
    pub mine: bool,
    /// Show this page only (50 surveys a page; the first is 1) [default: every page]
    #[arg(long, value_parser = parse_page)]
    pub page: Option<u64>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `--page`: clap's range check would say "0 is not in 1..18446744073709551615".
fn parse_page(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err("pages start at 1".to_owned()),
        Ok(page) => Ok(page),
        Err(_) => Err("expected a page number, 1 for the first".to_owned()),
    }
}

#[derive(Debug, Args)]
pub struct SurveyIdArgs {
    /// The survey's id, as `canvass survey list` shows it.
    pub id: i64,
}

#[derive(Debug, Args)]
pub struct SurveyArgs {
    #[command(flatten)]
    pub survey: SurveyIdArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ShareArgs {
    #[command(flatten)]
    pub survey: SurveyIdArgs,
    /// Also draw the link as a QR code, for a phone's camera.
    #[arg(long)]
    pub qr: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Read the survey from this JSON file, or - for stdin, instead of asking.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Keep the survey on this machine as a draft instead of sending it; `survey publish`
    /// sends it later. Needs no server.
    #[arg(long)]
    pub draft: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct EditDraftArgs {
    /// The draft's id, as `canvass survey drafts` shows it.
    pub draft: i64,
    /// Replace the draft with this JSON file (or - for stdin) instead of the wizard.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    #[command(flatten)]
    pub survey: SurveyIdArgs,
    /// Change what this JSON file (or - for stdin) gives, with the keys of `survey create
    /// --file`, instead of the wizard; `null` clears opens_at, closes_at or max_responses.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct InviteArgs {
    #[command(flatten)]
    pub survey: SurveyIdArgs,
    /// How many codes to make (1 to 10000).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_count)]
    pub count: u64,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `--count`: the server makes 1 to 10,000 codes at once; asking for more is a usage error
/// here rather than a refusal after the request.
fn parse_count(text: &str) -> Result<u64, String> {
    let most = u64::try_from(crate::domain::Invitation::MAX_AT_ONCE).unwrap_or(u64::MAX);
    match text.trim().parse::<u64>() {
        Ok(count) if (1..=most).contains(&count) => Ok(count),
        _ => Err(format!("expected a number of codes from 1 to {most}")),
    }
}

#[derive(Debug, Args)]
pub struct DraftArgs {
    /// The draft's id, as `canvass survey drafts` shows it.
    pub draft: i64,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The draft's id, as `canvass survey drafts` shows it.
    pub draft: i64,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct RespondArgs {
    #[command(flatten)]
    pub survey: SurveyIdArgs,
    /// An answer by the positions `show` prints: question=choice, question=choice,choice
    /// for a multiple-choice question, or question=text for a text question. Repeatable:
    /// --answer 1=2 --answer 2=1,3 --answer 3="free text"
    #[arg(
        long = "answer",
        value_name = "Q=C",
        conflicts_with = "answers",
        value_parser = AnswerFlagParser
    )]
    pub answer: Vec<AnswerFlag>,
    /// Read the answers from this JSON file, or - for stdin, numbered as `show` prints them:
    /// {"<question>": <choice> | [choices] | "text"}, e.g. {"1": 2, "2": [1, 3], "3": "free
    /// text"}. With --by-id, keys and choices are the server's ids instead.
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Read --answers keys as question ids and its choices as choice ids (as `show --json`
    /// and the API give them), not as positions.
    #[arg(long, requires = "answers")]
    pub by_id: bool,
    /// The single-use invitation code an invitation-only survey needs [prompted at a
    /// terminal when the survey needs one]
    #[arg(long, value_name = "CODE")]
    pub invitation: Option<String>,
    /// Submit without the confirmation question.
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// One `--answer Q=VALUE`: a question by the position `survey show` prints, and what it is
/// given. Whether VALUE is choice numbers or text depends on the question's kind, which only
/// the survey knows, so it is kept as typed and read by `choices` when it must be numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerFlag {
    /// 1 for the first question.
    pub question: NonZeroUsize,
    /// Everything after the first `=`, spaces and commas included.
    pub value: String,
}

impl AnswerFlag {
    /// The value as 1-based choice positions, comma separated (spaces around each ignored);
    /// none when it is blank. `Err` holds the first piece that is not a number.
    pub fn choices(&self) -> Result<Vec<usize>, &str> {
        if self.value.trim().is_empty() {
            return Ok(Vec::new());
        }
        self.value
            .split(',')
            .map(str::trim)
            .map(|piece| piece.parse::<usize>().map_err(|_| piece))
            .collect()
    }
}

impl FromStr for AnswerFlag {
    type Err = AnswerFlagError;

    fn from_str(text: &str) -> Result<AnswerFlag, AnswerFlagError> {
        let (question, value) = text.split_once('=').ok_or(AnswerFlagError::NoEquals)?;
        let question = question.trim();
        let question = question
            .parse::<NonZeroUsize>()
            .map_err(|_| AnswerFlagError::NotAQuestion(question.to_owned()))?;
        Ok(AnswerFlag {
            question,
            value: value.to_owned(),
        })
    }
}

/// The flag as it reads on the command line, for messages about it.
impl fmt::Display for AnswerFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.question, self.value)
    }
}

/// Why an `--answer` is not `Q=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerFlagError {
    #[error("expected QUESTION=CHOICE, e.g. --answer 1=2 or --answer 2=1,3")]
    NoEquals,
    #[error("{0:?} is not a question number (1 for the first, as `survey show` numbers them)")]
    NotAQuestion(String),
}

/// Parses `--answer` with `AnswerFlag::from_str` into a usage error of one line, worded like
/// the ones the survey's answer sheet gives later (`--answer 9=1: there is no question 9`);
/// clap's own format for a `FromStr` error adds a usage hint over three more lines.
#[derive(Debug, Clone, Copy)]
pub struct AnswerFlagParser;

impl clap::builder::TypedValueParser for AnswerFlagParser {
    type Value = AnswerFlag;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<AnswerFlag, clap::Error> {
        let raw = value.to_string_lossy();
        let refuse = |problem: &dyn fmt::Display| {
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("--answer {raw}: {problem}\n"),
            )
            .with_cmd(cmd)
        };
        let text = value
            .to_str()
            .ok_or_else(|| refuse(&"it is not valid UTF-8"))?;
        text.parse().map_err(|e: AnswerFlagError| refuse(&e))
    }
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub survey: SurveyIdArgs,
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub survey: SurveyIdArgs,
    /// Delete without asking; needed when stdin is not a terminal.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Where to write completions/ and man/.
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "CANVASS_ADDR", default_value = "127.0.0.1:5000")]
    pub addr: String,
    /// Where the data lives: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB
    /// for PostgreSQL, which several `serve` replicas can share (they then need
    /// CANVASS_SECRET) [default: the user data dir's canvass/canvass.db]
    #[arg(
        long,
        env = "CANVASS_DB",
        // The URL may hold a password: `--help` must not print it.
        hide_env_values = true,
        value_name = "PATH|URL",
        value_parser = DatabaseUrlParser
    )]
    pub db: Option<DatabaseUrl>,
    /// How long issued tokens stay valid, e.g. 90s, 30m, 12h.
    #[arg(long, env = "CANVASS_TOKEN_TTL", default_value = "30m", value_parser = humantime::parse_duration)]
    pub token_ttl: Duration,
    /// How long a session lives from its login, however often its token is refreshed; then
    /// the user logs in again, e.g. 12h, 30days.
    #[arg(long, env = "CANVASS_SESSION_MAX", default_value = "30days", value_parser = humantime::parse_duration)]
    pub session_max: Duration,
    /// Allowed CORS origins, comma separated, or * for any.
    #[arg(
        long,
        env = "CANVASS_ORIGINS",
        default_value = "*",
        value_delimiter = ','
    )]
    pub origins: Vec<String>,
    /// Request worker threads [default: 4 per core].
    #[arg(long, env = "CANVASS_THREADS", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Failed logins allowed per e-mail within 15 minutes before 429 (ten times as many per
    /// client address; see --trusted-proxy for loopback); 0 turns throttling off.
    #[arg(long, env = "CANVASS_LOGIN_FAILURES", default_value_t = 10)]
    pub login_failures: u32,
    /// Largest accepted request body, in bytes; larger bodies get 413.
    #[arg(long, env = "CANVASS_MAX_BODY", default_value_t = 1024 * 1024)]
    pub max_body: usize,
    /// Most bytes of finished JSON the reply cache keeps (surveys and the survey list);
    /// past it the least recently used answers are dropped.
    #[arg(long, env = "CANVASS_CACHE_SIZE", default_value_t = 64 * 1024 * 1024)]
    pub cache_size: usize,
    /// Surveys in the seed's unpaged `GET /api/surveys/`: the newest this many, and no more
    /// than 8 MiB of JSON, oldest first (`?page=` pages through all of them).
    #[arg(long, env = "CANVASS_LISTING_LIMIT", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub listing_limit: u64,
    /// Surveys one account may create per hour (counted per server process); past it, 429
    /// with Retry-After. 0 turns the limit off.
    #[arg(long, env = "CANVASS_SURVEYS_PER_HOUR", default_value_t = 60)]
    pub surveys_per_hour: u32,
    /// Most connections one client address may hold open at once (an IPv6 client: its
    /// /64); past it, new connections from that address get 503. Loopback counts like any
    /// address; a --trusted-proxy, whose connections carry many clients, is exempt.
    #[arg(
        long,
        env = "CANVASS_MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = 64,
        value_name = "N",
        value_parser = clap::value_parser!(u16).range(1..)
    )]
    pub max_connections_per_address: u16,
    /// Accounts one client address may register per hour; past it, 429 with Retry-After.
    /// 0 turns the limit off.
    #[arg(
        long,
        env = "CANVASS_REGISTRATIONS_PER_HOUR",
        default_value_t = 20,
        value_name = "N"
    )]
    pub registrations_per_hour: u32,
    /// A reverse proxy in front of the server (repeat, or separate with commas): from it,
    /// the client is the rightmost X-Forwarded-For address it did not write itself, and it
    /// is exempt from --max-connections-per-address. X-Forwarded-For from any other peer is
    /// ignored. Without this, limits per client address leave loopback peers out (they may
    /// be an undeclared proxy in front of everyone); with it, loopback counts like any
    /// address.
    #[arg(
        long = "trusted-proxy",
        env = "CANVASS_TRUSTED_PROXY",
        value_name = "ADDR",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The address respondents reach the server at, when it sits behind a reverse proxy
    /// (https://survey.example.org): links the server writes, such as an invitation's, start
    /// with it. Without it they are paths on whatever address the client used.
    #[arg(long, env = "CANVASS_PUBLIC_URL", value_name = "URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,
    /// Serve Prometheus metrics at http://ADDR/metrics, on a listener of its own (never on
    /// --addr): requests by route template, method and status, their durations, responses
    /// recorded, logins by outcome, write batch sizes, database errors, open connections and
    /// queued requests. Put it where only the scraper reaches it, e.g. 127.0.0.1:9090; port 0
    /// picks a free port (the `canvass metrics on` line shows it). Off unless given.
    #[arg(long, env = "CANVASS_METRICS_ADDR", value_name = "ADDR")]
    pub metrics_addr: Option<String>,
    /// How stderr's log lines are written: text (one readable line per event) or json (one
    /// JSON object per line, with timestamp, level and message; a request's line has
    /// request_id, method, route (its template, never the raw path or query), status and
    /// duration_ms).
    #[arg(
        long,
        env = "CANVASS_LOG_FORMAT",
        value_name = "FORMAT",
        default_value = "text"
    )]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub not_for_servers: NotForServers,
}

/// `serve --log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// `--public-url`: an http(s) URL with a host and no query or fragment, since paths are
/// appended to it.
fn parse_public_url(text: &str) -> Result<String, String> {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .ok_or("it must start with http:// or https://")?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err("it must name a host, e.g. https://survey.example.org".to_owned());
    }
    if rest.contains(['?', '#']) || rest.chars().any(char::is_whitespace) {
        return Err("it must be a plain base URL, without ?, # or spaces".to_owned());
    }
    Ok(text.to_owned())
}

/// Work on a server's database directly, not through a server.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Copy an installation into an empty database: SQLite to PostgreSQL, PostgreSQL to
    /// SQLite, or either to another of its kind.
    ///
    /// Everything is copied: accounts (password hashes, token generations and whether they are
    /// disabled, as they are, so passwords and issued tokens keep working), surveys (open or
    /// closed, with their counts), questions, choices, responses with their answers in order,
    /// and failed-login counters. Ids are kept, so links and exports name the same surveys;
    /// new ids continue after the copied ones.
    ///
    /// The target's schema is created if missing. The target must hold no data: a copy never
    /// merges. It is written in one transaction, so a copy that fails leaves it empty. The
    /// source is read in one snapshot; stop the servers on it first, or what they write
    /// meanwhile is not copied.
    ///
    /// Progress goes to stderr. At the end the rows of every table are counted on both sides,
    /// must match, and are printed as a table on stdout.
    ///
    /// Tokens issued before the move stay valid when the new server signs with the old key:
    /// set CANVASS_SECRET to it (for an SQLite installation without it, the contents of
    /// secret.key beside the database). Replicas on PostgreSQL need CANVASS_SECRET anyway.
    CopyDb(CopyDbArgs),
    /// Take a consistent copy of an SQLite installation, also while its server runs and
    /// writes, then print its size and the rows of each table.
    ///
    /// The copy is one snapshot (every response acknowledged before it began is in it) and
    /// a database of its own, compacted, with no -wal file to go with it. It is written to a
    /// temporary file beside OUT and renamed into place, readable by you alone. To restore:
    /// stop the server, copy the backup over the database file (removing its -wal and -shm
    /// files), start the server. For PostgreSQL use pg_dump.
    Backup(BackupArgs),
    /// Check an installation: SQLite's integrity check, and that every survey's response
    /// count and every choice's count equal the responses recorded. Exit 1 with the
    /// differences, one a line, when there are any.
    Check(AdminDbArgs),
    /// List, disable, enable, reset the password of, or delete accounts, working on the
    /// database directly: no server or login needed. A running server sees each change on
    /// its next request (a deleted survey it had cached, within a tenth of a second; other
    /// PostgreSQL replicas, within a second).
    #[command(subcommand)]
    Users(UsersCommand),
}

/// Accounts, worked on in the database `--db` names. An account is named by its e-mail,
/// matched as a login matches it (letter case and full-width forms do not matter).
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List every account, oldest first: id, when it was created, how many surveys it
    /// created, whether it is disabled, and its e-mail.
    List(UsersListArgs),
    /// Shut an account out, deleting nothing: its tokens stop working on the next request,
    /// and its logins are refused with the same 401 as a wrong password, so nobody learns
    /// that the account exists. Disabling a disabled account is fine.
    Disable(UserArgs),
    /// Let a disabled account log in again. Tokens from before it was disabled stay
    /// revoked: the user logs in anew.
    Enable(UserArgs),
    /// Give an account a new password (same rules as registering), and revoke every token
    /// issued before, so every session of it ends.
    ///
    /// The password is asked twice at a terminal, or read from the first line of stdin with
    /// --password-stdin; it is never an argument, which other users could see in `ps`.
    ResetPassword(ResetPasswordArgs),
    /// Delete an account and the surveys it created, with their questions, responses and
    /// invitations. Its responses to other people's surveys stay, still counted, no longer
    /// linked to anyone.
    ///
    /// At a terminal it says how many surveys go with it and asks first; elsewhere pass
    /// --yes.
    Delete(DeleteUserArgs),
}

/// The installation `admin check` and the `admin users` commands work on.
#[derive(Debug, Args)]
pub struct AdminDbArgs {
    /// The installation: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB.
    #[arg(
        long,
        env = "CANVASS_DB",
        hide_env_values = true,
        value_parser = DatabaseUrlParser,
        value_name = "PATH|URL"
    )]
    pub db: DatabaseUrl,
    #[command(flatten)]
    pub not_for_servers: NotForServers,
}

#[derive(Debug, Args)]
pub struct UsersListArgs {
    /// Print a JSON array for scripts instead of a table for people.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub admin: AdminDbArgs,
}

#[derive(Debug, Args)]
pub struct UserArgs {
    /// The account's e-mail.
    #[arg(value_name = "EMAIL")]
    pub email: String,
    #[command(flatten)]
    pub admin: AdminDbArgs,
}

#[derive(Debug, Args)]
pub struct ResetPasswordArgs {
    /// The account's e-mail.
    #[arg(value_name = "EMAIL")]
    pub email: String,
    /// Read the new password from the first line of stdin instead of prompting.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub admin: AdminDbArgs,
}

#[derive(Debug, Args)]
pub struct DeleteUserArgs {
    /// The account's e-mail.
    #[arg(value_name = "EMAIL")]
    pub email: String,
    /// Delete without asking; needed when stdin is not a terminal.
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub admin: AdminDbArgs,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The SQLite database file the server uses.
    #[arg(
        long,
        env = "CANVASS_DB",
        hide_env_values = true,
        value_parser = DatabaseUrlParser,
        value_name = "PATH"
    )]
    pub db: DatabaseUrl,
    /// Where the copy goes.
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
    /// Replace OUT if it exists.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub not_for_servers: NotForServers,
}

#[derive(Debug, Args)]
pub struct CopyDbArgs {
    /// The installation to copy: an SQLite file path, or postgres://USER[:PASS]@HOST[:PORT]/DB.
    /// Only read (its schema is brought up to date first, as `serve` would).
    ///
    /// A URL with a password is better given in the environment than as an argument, which
    /// other users can see in `ps`.
    #[arg(
        long,
        env = "CANVASS_COPY_FROM",
        hide_env_values = true,
        value_parser = DatabaseUrlParser,
        value_name = "PATH|URL"
    )]
    pub from: DatabaseUrl,
    /// The database to fill, of the same forms: created if it is a missing SQLite file, and
    /// refused if it holds any data.
    #[arg(
        long,
        env = "CANVASS_COPY_TO",
        hide_env_values = true,
        value_parser = DatabaseUrlParser,
        value_name = "PATH|URL"
    )]
    pub to: DatabaseUrl,
    #[command(flatten)]
    pub not_for_servers: NotForServers,
}

/// Parses `--db` (and copy-db's `--from`, `--to`) like `FromStr` would, but never repeats the value in the error: clap's own
/// message quotes it, and a database URL can hold a password.
#[derive(Debug, Clone, Copy)]
pub struct DatabaseUrlParser;

impl clap::builder::TypedValueParser for DatabaseUrlParser {
    type Value = DatabaseUrl;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<DatabaseUrl, clap::Error> {
        // `--db`, or copy-db's `--from` / `--to`.
        let flag = arg
            .and_then(clap::Arg::get_long)
            .map_or_else(|| "--db".to_owned(), |long| format!("--{long}"));
        let refuse = |message: String| {
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("invalid value for {flag}: {message}\n"),
            )
            .with_cmd(cmd)
        };
        let raw = value
            .to_str()
            .ok_or_else(|| refuse("it is not valid UTF-8".into()))?;
        raw.parse()
            .map_err(|e: UnsupportedDatabase| refuse(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_public_url_is_an_http_base_with_a_host() {
        for good in [
            "https://surveys.example.org",
            "http://10.0.0.1:5000/",
            "https://x.org/canvass",
        ] {
            assert_eq!(parse_public_url(good).as_deref(), Ok(good));
        }
        for bad in [
            "surveys.example.org",
            "ftp://x.org",
            "https://",
            "https:///s",
            "https://x.org/?a",
            "https://x .org",
        ] {
            assert!(parse_public_url(bad).is_err(), "{bad}");
        }
    }

    fn help_of(path: &[&str]) -> String {
        let mut command = Cli::command();
        command.build();
        let mut sub = &mut command;
        for name in path {
            sub = sub.find_subcommand_mut(name).unwrap();
        }
        sub.render_long_help().to_string()
    }

    #[test]
    fn server_commands_neither_list_nor_take_the_client_options() {
        for path in [
            &["serve"][..],
            &["admin", "copy-db"],
            &["admin", "users", "list"],
            &["admin", "users", "delete"],
        ] {
            let help = help_of(path);
            assert!(!help.contains("--server"), "{path:?}: {help}");
            assert!(!help.contains("--timeout"), "{path:?}: {help}");
        }
        assert!(help_of(&["status"]).contains("--server <URL>"));
        assert!(help_of(&["survey", "list"]).contains("--timeout <DURATION>"));
        let error = Cli::try_parse_from(["canvass", "serve", "--server", "http://x"]).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("--server is for the client commands"),
            "{error}"
        );
        // Given before the subcommand it reaches serve too, where it is ignored.
        let cli = Cli::try_parse_from([
            "canvass",
            "--server",
            "http://x",
            "--timeout",
            "2s",
            "serve",
        ]);
        assert!(cli.is_ok(), "{cli:?}");
        let cli = Cli::try_parse_from(["canvass", "survey", "list", "--timeout", "2s"]).unwrap();
        assert_eq!(cli.global.timeout, Some(Duration::from_secs(2)));
    }

    #[test]
    fn the_help_names_the_environment_a_client_reads() {
        let help = Cli::command().render_long_help().to_string();
        for variable in ["CANVASS_TOKEN", "CANVASS_SERVER", "CANVASS_TIMEOUT"] {
            assert!(help.contains(variable), "{variable} missing from --help");
        }
    }

    #[test]
    fn a_page_or_a_timeout_that_cannot_be_is_refused_saying_what_can() {
        let error = Cli::try_parse_from(["canvass", "survey", "list", "--page", "0"]).unwrap_err();
        assert_eq!(error.kind(), clap::error::ErrorKind::ValueValidation);
        assert!(error.to_string().contains("pages start at 1"), "{error}");
        let error = Cli::try_parse_from(["canvass", "--timeout", "0s", "status"]).unwrap_err();
        assert!(error.to_string().contains("longer than 0s"), "{error}");
    }

    #[test]
    fn invite_makes_one_to_ten_thousand_codes() {
        let count = |n: &str| {
            Cli::try_parse_from(["canvass", "survey", "invite", "7", "--count", n]).map(|cli| {
                match cli.command {
                    Command::Client(ClientCommand::Survey(SurveyCommand::Invite(args))) => {
                        args.count
                    }
                    other => panic!("{other:?}"),
                }
            })
        };
        assert_eq!(count("1").unwrap(), 1);
        assert_eq!(count("10000").unwrap(), 10_000);
        for bad in ["0", "10001", "x"] {
            let error = count(bad).unwrap_err();
            assert!(
                error.to_string().contains("from 1 to 10000"),
                "{bad}: {error}"
            );
        }
    }

    fn answer(text: &str) -> Result<AnswerFlag, AnswerFlagError> {
        text.parse()
    }

    #[test]
    fn an_answer_is_a_question_number_and_everything_after_the_first_equals_sign() {
        let flag = answer(" 3 =free text, with = and commas").unwrap();
        assert_eq!(flag.question.get(), 3);
        assert_eq!(flag.value, "free text, with = and commas");
        assert_eq!(flag.to_string(), "3=free text, with = and commas");
        assert_eq!(answer("2= 1 ,3").unwrap().choices(), Ok(vec![1, 3]));
        assert_eq!(answer("2= ").unwrap().choices(), Ok(vec![]));
        assert_eq!(answer("1=Pizza").unwrap().choices(), Err("Pizza"));
        assert_eq!(answer("1=1,,2").unwrap().choices(), Err(""));
    }

    #[test]
    fn a_malformed_answer_is_refused_by_clap_naming_the_flag() {
        assert_eq!(answer("1"), Err(AnswerFlagError::NoEquals));
        for bad in ["x=1", "0=1", "-1=1", "=1"] {
            assert!(
                matches!(answer(bad), Err(AnswerFlagError::NotAQuestion(_))),
                "{bad}"
            );
        }
        let error = Cli::try_parse_from(["canvass", "survey", "respond", "1", "--answer", "x=1"])
            .unwrap_err();
        assert_eq!(error.kind(), clap::error::ErrorKind::ValueValidation);
        assert_eq!(
            error.to_string(),
            "error: --answer x=1: \"x\" is not a question number (1 for the first, as \
             `survey show` numbers them)\n"
        );
    }
}
