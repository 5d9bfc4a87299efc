//! The account commands as a new user and a script use them: register, login, whoami,
//! status, token inspect/print, logout — against a real server, with a temp home.

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt as _;

use serde_json::json;

use crate::harness::cli::Machine;
use crate::harness::server::{PASSWORD, TestServer};
use crate::harness::token::{DEFAULT_TTL_SECS, expired, fresh_claims, mint, now};

#[test]
fn a_new_user_registers_and_the_session_follows_them_through_every_command() {
    let server = TestServer::start();
    let ann = Machine::new(&server);
    ann.cli()
        .args(["register", "--email", "ann@example.com", "--password-stdin"])
        .stdin(format!("{PASSWORD}\n"))
        .run()
        .success()
        .stdout_contains("Logged in to http://127.0.0.1:")
        .stdout_contains("as ann@example.com")
        .stdout_contains("(in 30 min)")
        .stderr_contains("warning: the session token is in the plain file");
    ann.cli()
        .args(["whoami"])
        .run()
        .success()
        .stdout_contains(&format!("ann@example.com on {}", ann.server_url()));
    ann.cli()
        .args(["status"])
        .run()
        .success()
        .stdout_contains("reachable (canvass ")
        .stdout_contains("User:     ann@example.com")
        .stdout_contains("Token:    file ")
        .stdout_contains("(expires in 30 min)")
        .stderr_contains(&format!(
            "warning: the session token is in the plain file {}, not an OS keyring",
            ann.credentials_file().display()
        ));
    ann.cli()
        .args(["token", "inspect"])
        .run()
        .success()
        .stdout_contains("Algorithm: HS256 (JWT)")
        .stdout_contains("Subject:   ann@example.com")
        .stdout_contains("(expires in 30 min)");
    ann.cli()
        .args(["logout"])
        .run()
        .success()
        .stdout_contains("Logged out of");
    ann.cli()
        .args(["whoami"])
        .run()
        .code(3)
        .stderr_contains(&format!(
            "not logged in to {0} — run `canvass login --server {0}`",
            ann.server_url()
        ));
    ann.cli()
        .args(["login", "--email", "ann@example.com", "--password-stdin"])
        .stdin(PASSWORD)
        .run()
        .success();
    ann.cli().args(["whoami"]).run().success();
}

#[test]
fn every_data_command_speaks_json_for_scripts() {
    let server = TestServer::start();
    let ann = Machine::new(&server);
    let registered = ann
        .cli()
        .args([
            "register",
            "--json",
            "--email",
            "ann@example.com",
            "--password-stdin",
        ])
        .stdin(PASSWORD)
        .run()
        .success()
        .json();
    assert_eq!(registered["email"], "ann@example.com");
    assert_eq!(registered["server"], ann.server_url());
    assert_eq!(registered["token_source"]["kind"], "file");
    assert!(registered["expires_at"].as_str().unwrap().ends_with('Z'));

    let me = ann.cli().args(["whoami", "--json"]).run().success().json();
    assert_eq!(me["email"], "ann@example.com");
    assert_eq!(me["server"], ann.server_url());
    assert!(me["id"].as_i64().unwrap() > 0);

    let status = ann.cli().args(["status", "--json"]).run().success().json();
    assert_eq!(status["reachable"], true);
    assert_eq!(status["logged_in"], true);
    assert_eq!(status["user"], "ann@example.com");
    assert_eq!(status["expired"], false);
    assert_eq!(
        status["token_source"],
        json!({"kind": "file", "detail": ann.credentials_file().display().to_string()})
    );

    let inspected = ann
        .cli()
        .args(["token", "inspect", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(inspected["alg"], "HS256");
    assert_eq!(inspected["sub"], "ann@example.com");
    assert_eq!(inspected["expired"], false);
    let left = inspected["expires_in_seconds"].as_i64().unwrap();
    assert!(
        (DEFAULT_TTL_SECS - 60..=DEFAULT_TTL_SECS).contains(&left),
        "{left}"
    );
    assert_eq!(inspected["claims"]["sub"], "ann@example.com");
}

#[test]
fn the_fallback_file_is_private_and_every_write_says_so() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let file = ann.credentials_file();
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{}", file.display());
    let dir_mode = std::fs::metadata(file.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
    let token = ann
        .cli()
        .args(["token", "print"])
        .run()
        .success()
        .stdout
        .clone();
    let kept: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(kept[ann.server_url()], token.trim());
}

#[test]
fn login_makes_the_server_the_default_and_each_server_keeps_its_own_token() {
    let first = TestServer::start();
    let second = TestServer::start();
    let ann = Machine::new(&first);
    let second_url = format!("http://{}", second.addr());
    ann.cli()
        .args(["register", "--email", "ann@example.com", "--password-stdin"])
        .stdin(PASSWORD)
        .run()
        .success();
    ann.cli()
        .args([
            "--server",
            &second_url,
            "register",
            "--email",
            "bob@example.com",
        ])
        .args(["--password-stdin"])
        .stdin(PASSWORD)
        .run()
        .success()
        .stdout_contains(&format!(
            "The default server is now {second_url} (it was {}).",
            ann.server_url()
        ));
    // Logging in again where the default already is changes nothing, and says nothing.
    let again = ann
        .cli()
        .args([
            "--server",
            &second_url,
            "login",
            "--email",
            "bob@example.com",
        ])
        .args(["--password-stdin"])
        .stdin(PASSWORD)
        .run();
    again.success();
    assert!(!again.stdout.contains("default server"), "{again:?}");
    let config = std::fs::read_to_string(ann.config_file()).unwrap();
    assert!(config.contains(&second_url), "{config}");
    ann.cli()
        .env_remove("CANVASS_SERVER")
        .args(["whoami"])
        .run()
        .success()
        .stdout_contains(&format!("bob@example.com on {second_url}"));
    ann.cli()
        .args(["whoami"])
        .run()
        .success()
        .stdout_contains("ann@example.com");
}

#[test]
fn canvass_token_wins_over_the_stored_one_and_is_never_written() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    server.register("bob@example.com", PASSWORD);
    let bob = server.login("bob@example.com", PASSWORD);
    let before = std::fs::read_to_string(ann.credentials_file()).unwrap();
    ann.cli()
        .env("CANVASS_TOKEN", &bob)
        .args(["whoami"])
        .run()
        .success()
        .stdout_contains("bob@example.com");
    let status = ann
        .cli()
        .env("CANVASS_TOKEN", &bob)
        .args(["status", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(status["token_source"]["kind"], "env");
    assert_eq!(status["user"], "bob@example.com");
    let printed = ann
        .cli()
        .env("CANVASS_TOKEN", &bob)
        .args(["token", "print"])
        .run()
        .success()
        .stdout
        .clone();
    assert_eq!(printed.trim(), bob);
    assert_eq!(
        std::fs::read_to_string(ann.credentials_file()).unwrap(),
        before
    );
    assert!(!before.contains(&bob));
}

#[test]
fn a_blank_canvass_token_is_no_token_and_the_stored_session_speaks() {
    // CI templates expand a missing secret to an empty variable; that must not shadow the
    // stored login with an undecodable token.
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    for blank in ["", "  \n"] {
        let status = ann
            .cli()
            .env("CANVASS_TOKEN", blank)
            .args(["status", "--json"])
            .run()
            .success()
            .json();
        assert_eq!(status["user"], "ann@example.com", "{blank:?}");
        assert_ne!(status["token_source"]["kind"], "env", "{blank:?}");
    }
}

/// A listener that no request may reach: `untouched` fails if anything connected.
struct Tripwire(TcpListener);

impl Tripwire {
    fn new() -> Tripwire {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        Tripwire(listener)
    }

    fn url(&self) -> String {
        format!("http://{}", self.0.local_addr().unwrap())
    }

    fn untouched(&self) {
        assert_eq!(
            self.0.accept().map(|_| ()).map_err(|e| e.kind()),
            Err(std::io::ErrorKind::WouldBlock),
            "the client sent a request it should have known was pointless"
        );
    }
}

#[test]
fn an_expired_session_is_caught_before_any_request() {
    let tripwire = Tripwire::new();
    let machine = Machine::for_url(&tripwire.url());
    machine
        .cli()
        .env("CANVASS_TOKEN", expired("ann@example.com"))
        .args(["whoami"])
        .run()
        .code(3)
        .stderr_contains(&format!("session for {} expired at ", tripwire.url()))
        .stderr_contains(&format!("run `canvass login --server {}`", tripwire.url()));
    // The same from the store, as a token left over from yesterday would be.
    let file = machine.credentials_file();
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        &file,
        json!({ tripwire.url(): expired("ann@example.com") }).to_string(),
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    machine
        .cli()
        .args(["whoami"])
        .run()
        .code(3)
        .stderr_contains(&format!("session for {} expired at ", tripwire.url()));
    tripwire.untouched();
}

#[test]
fn a_token_in_the_last_third_of_its_life_is_refreshed_and_kept() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let ageing = mint(&json!({"sub": "ann@example.com", "iat": now() - 1500, "exp": now() + 300}));
    std::fs::write(
        ann.credentials_file(),
        json!({ ann.server_url(): ageing }).to_string(),
    )
    .unwrap();
    ann.cli().args(["whoami"]).run().success();
    let kept = ann
        .cli()
        .args(["token", "inspect", "--json"])
        .run()
        .success()
        .json();
    let left = kept["expires_in_seconds"].as_i64().unwrap();
    assert!(left > DEFAULT_TTL_SECS - 60, "not refreshed: {left} s left");
}

#[test]
fn a_wrong_password_gets_the_servers_message() {
    let server = TestServer::start();
    server.register("ann@example.com", PASSWORD);
    let machine = Machine::new(&server);
    machine
        .cli()
        .args(["login", "--email", "ann@example.com", "--password-stdin"])
        .stdin("not the password\n")
        .run()
        .code(1)
        .stderr_contains("error: Invalid credentials");
    assert!(!machine.credentials_file().exists());
}

#[test]
fn registering_a_taken_email_fails_with_the_servers_message() {
    let server = TestServer::start();
    server.register("ann@example.com", PASSWORD);
    Machine::new(&server)
        .cli()
        .args(["register", "--email", "ann@example.com", "--password-stdin"])
        .stdin(PASSWORD)
        .run()
        .code(1)
        .stderr_contains("error: that e-mail is already registered");
}

#[test]
fn an_unreachable_server_is_named_with_exit_4() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let machine = Machine::for_url(&url);
    machine
        .cli()
        .env("CANVASS_TOKEN", mint(&fresh_claims("ann@example.com")))
        .args(["whoami"])
        .run()
        .code(4)
        .stderr_contains(&format!("cannot reach {url} — is `canvass serve` running?"));
    machine
        .cli()
        .args(["login", "--email", "ann@example.com", "--password-stdin"])
        .stdin(PASSWORD)
        .run()
        .code(4);
    let status = machine
        .cli()
        .args(["status", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(status["reachable"], false);
    assert_eq!(status["logged_in"], false);
    let status = machine.cli().args(["status"]).run();
    status.success().stdout_contains(&format!(
        "Server:   {url} unreachable — is `canvass serve` running?"
    ));
    assert_eq!(status.stdout.matches(&url).count(), 1, "{status:?}");
}

#[test]
fn without_a_terminal_a_missing_value_fails_at_once_naming_the_flag() {
    let server = TestServer::start();
    let machine = Machine::new(&server);
    machine
        .cli()
        .args(["login"])
        .run()
        .code(2)
        .stderr_contains("pass --email");
    machine
        .cli()
        .args(["register", "--email", "ann@example.com"])
        .run()
        .code(2)
        .stderr_contains("pass --password-stdin");
}

#[test]
fn logout_all_ends_the_session_on_every_machine() {
    let server = TestServer::start();
    let laptop = Machine::logged_in(&server, "ann@example.com");
    let desktop = Machine::new(&server);
    desktop
        .cli()
        .args(["login", "--email", "ann@example.com", "--password-stdin"])
        .stdin(PASSWORD)
        .run()
        .success();
    let token = desktop
        .cli()
        .args(["token", "print"])
        .run()
        .success()
        .stdout
        .clone();
    laptop
        .cli()
        .args(["logout", "--all"])
        .run()
        .success()
        .stdout_contains("revoked");
    assert!(!laptop.credentials_file().exists());
    desktop
        .cli()
        .args(["whoami"])
        .run()
        .code(3)
        .stderr_contains("refused the session")
        .stderr_lacks(token.trim());
}

#[test]
fn token_inspect_reads_an_argument_or_stdin_and_says_when_it_expired() {
    let machine = Machine::for_url("http://127.0.0.1:9");
    let fresh = mint(&fresh_claims("ann@example.com"));
    machine
        .cli()
        .args(["token", "inspect", &fresh])
        .run()
        .success()
        .stdout_contains("Subject:   ann@example.com");
    machine
        .cli()
        .args(["token", "inspect", "-"])
        .stdin(format!("{fresh}\n"))
        .run()
        .success()
        .stdout_contains("(expires in 30 min)");
    let old = machine
        .cli()
        .args(["token", "inspect", "--json", &expired("ann@example.com")])
        .run();
    old.code(3).stderr_contains("the token expired at ");
    assert_eq!(old.json()["expired"], true);
    machine
        .cli()
        .args(["token", "inspect", "not-a-token"])
        .run()
        .code(1)
        .stderr_contains("not a JWT");
    for nothing in ["", "\n"] {
        machine
            .cli()
            .args(["token", "inspect", "-"])
            .stdin(nothing)
            .run()
            .code(2)
            .stderr_contains("error: stdin was empty: pipe a token into it");
    }
    machine
        .cli()
        .args(["token", "print"])
        .run()
        .code(3)
        .stdout_is_empty();
}

#[test]
fn the_kernel_keyring_keeps_the_token_across_processes_and_no_file_is_written() {
    let server = TestServer::start();
    server.register("ann@example.com", PASSWORD);
    let ann = Machine::new(&server);
    let login = ann
        .cli()
        .env("CANVASS_CREDENTIAL_STORE", "keyring")
        .args([
            "login",
            "--json",
            "--email",
            "ann@example.com",
            "--password-stdin",
        ])
        .stdin(PASSWORD)
        .run();
    if login.code != Some(0) && login.stderr.contains("keyring") {
        // Containers whose seccomp profile forbids keyctl: nothing to test here.
        eprintln!("skipped: no kernel keyring here: {}", login.stderr.trim());
        return;
    }
    let json = login.success().json();
    assert_eq!(
        json["token_source"],
        json!({"kind": "keyring", "detail": "kernel keyutils"})
    );
    assert!(!ann.credentials_file().exists());
    assert!(!login.stderr.contains("warning"), "{}", login.stderr);
    let keyring = |cli: crate::harness::cli::Cli| cli.env("CANVASS_CREDENTIAL_STORE", "keyring");
    keyring(ann.cli())
        .args(["whoami"])
        .run()
        .success()
        .stdout_contains("ann@example.com");
    // Another HOME in the same login session (the kernel keyring is per session): its own
    // configuration, so not ann's login (issue 14, item 14).
    let other_home = Machine::new(&server);
    keyring(other_home.cli())
        .args(["whoami"])
        .run()
        .code(3)
        .stderr_contains("not logged in to");
    keyring(ann.cli())
        .args(["status"])
        .run()
        .success()
        .stdout_contains("Token:    OS keyring (kernel keyutils)")
        .stderr_lacks("warning");
    keyring(ann.cli())
        .args(["logout"])
        .run()
        .success()
        .stdout_contains("gone from OS keyring (kernel keyutils)");
    keyring(ann.cli()).args(["whoami"]).run().code(3);
}

#[test]
fn a_short_password_is_accepted_with_a_warning() {
    let server = TestServer::start();
    Machine::new(&server)
        .cli()
        .args(["register", "--email", "ann@example.com", "--password-stdin"])
        .stdin("hunter2\n")
        .run()
        .success()
        .stderr_contains("warning: a password of 7 characters is easy to guess");
    Machine::new(&server)
        .cli()
        .args(["register", "--email", "bob@example.com", "--password-stdin"])
        .stdin(format!("{PASSWORD}\n"))
        .run()
        .success()
        .stderr_lacks("easy to guess");
}
