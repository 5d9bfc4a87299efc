//! The server URL: it never carries credentials (issue 13, item 9) — `http://alice:S3CRETPW@host`
//! is refused as a usage error before any request, and the password is never printed, stored,
//! or made part of a file name; the config file that names servers is private (0600). And a
//! URL that is not one, a server that is not canvass, or one that never answers is told as
//! such (issue 14, items 12 and 13).

use std::net::TcpListener;
use std::path::Path;

use crate::harness::cli::{Machine, Run};
use crate::harness::server::TestServer;

const SECRET: &str = "S3CRETPW";

/// A listener no request may reach: `untouched` fails if anything connected.
struct Tripwire(TcpListener);

impl Tripwire {
    fn new() -> Tripwire {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        Tripwire(listener)
    }

    /// This listener's URL with `user_info` (`alice:S3CRETPW@`) in it.
    fn url_with(&self, user_info: &str) -> String {
        format!("http://{user_info}{}", self.0.local_addr().unwrap())
    }

    #[track_caller]
    fn untouched(&self) {
        assert_eq!(
            self.0.accept().map(|_| ()).map_err(|e| e.kind()),
            Err(std::io::ErrorKind::WouldBlock),
            "the client sent a request to a server URL holding credentials"
        );
    }
}

/// Every file under `dir`, by path and contents, lacks `SECRET`.
#[track_caller]
fn assert_nowhere_under(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        assert!(
            !path.display().to_string().contains(SECRET),
            "the password is in a file name: {}",
            path.display()
        );
        if path.is_dir() {
            assert_nowhere_under(&path);
        } else {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(SECRET),
                "the password was stored in {}",
                path.display()
            );
        }
    }
}

#[track_caller]
fn assert_refused_quietly(run: &Run) {
    run.code(2)
        .stderr_contains("user name or password")
        .stderr_lacks(SECRET)
        .stdout_is_empty();
}

#[test]
fn a_server_url_with_a_password_is_a_usage_error_that_never_echoes_it() {
    let server = Tripwire::new();
    let url = server.url_with(&format!("alice:{SECRET}@"));
    let machine = Machine::for_url("http://127.0.0.1:9");
    let commands: &[&[&str]] = &[
        &["status"],
        &["status", "--json"],
        &["whoami"],
        &["survey", "list"],
        &["survey", "show", "1"],
        &["sync"],
        &["login", "--email", "ann@example.com", "--password-stdin"],
        &["register", "--email", "ann@example.com", "--password-stdin"],
    ];
    for args in commands {
        let run = machine
            .cli()
            .args(["--server", &url])
            .args(*args)
            .stdin("a password\n")
            .run();
        assert_refused_quietly(&run);
        run.stderr_contains(&server.url_with("***@"));
        // The same URL from the environment.
        let run = machine
            .cli()
            .env("CANVASS_SERVER", &url)
            .args(*args)
            .stdin("a password\n")
            .run();
        assert_refused_quietly(&run);
    }
    server.untouched();
    assert!(!machine.config_file().exists(), "nothing was logged in to");
    assert_nowhere_under(machine.home());
}

#[test]
fn a_user_name_alone_is_refused_too() {
    let server = Tripwire::new();
    let machine = Machine::for_url(&server.url_with("alice@"));
    assert_refused_quietly(&machine.cli().args(["status"]).run());
    server.untouched();
}

#[test]
fn a_server_url_that_does_not_parse_is_named_without_its_password() {
    let machine = Machine::for_url(&format!("http://alice:{SECRET}@exa mple.com"));
    machine
        .cli()
        .args(["status"])
        .run()
        .code(2)
        .stderr_contains("is not a server URL")
        .stderr_lacks(SECRET);
}

#[test]
fn a_config_file_naming_a_server_with_a_password_is_refused_until_fixed() {
    // A config written before user info was refused: every command stops and says where.
    let server = Tripwire::new();
    let machine = Machine::for_url("http://127.0.0.1:9");
    let config = machine.config_file();
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    let url = server.url_with(&format!("alice:{SECRET}@"));
    std::fs::write(&config, format!("server = \"{url}\"\n")).unwrap();
    let run = machine
        .cli()
        .env_remove("CANVASS_SERVER")
        .args(["status"])
        .run();
    assert_refused_quietly(&run);
    run.stderr_contains("config.toml");
    server.untouched();
}

#[cfg(unix)]
#[test]
fn the_config_file_is_private_to_its_user() {
    use std::os::unix::fs::PermissionsExt as _;

    let server = TestServer::start();
    let machine = Machine::logged_in(&server, "ann@example.com");
    let config = machine.config_file();
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&config), 0o600, "config.toml names the servers used");
    assert_eq!(mode(config.parent().unwrap()), 0o700);
    // A config left readable by an older canvass is private again once it is next written.
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let other = TestServer::start();
    machine
        .cli()
        .args(["--server", &format!("http://{}", other.addr())])
        .args(["register", "--email", "ann@example.com", "--password-stdin"])
        .stdin(format!("{}\n", crate::harness::server::PASSWORD))
        .run()
        .success();
    assert_eq!(mode(&config), 0o600);
}

// ---- issue 14, items 12 and 13: the wrong server, or no server at all ----

/// A plain HTTP server that is not canvass: it answers every request `404 Not Found` with a
/// text body, as a web server with nothing at `/api/` does. Runs until the test ends.
fn not_canvass() -> String {
    use std::io::{BufRead as _, BufReader, Write as _};

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            // The request's head, up to the empty line; these requests have no body.
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\
                  Connection: close\r\n\r\nNot Found",
            );
        }
    });
    url
}

#[test]
fn a_plain_http_server_that_is_not_canvass_is_named_as_such() {
    let url = not_canvass();
    let machine = Machine::for_url(&url);
    let expected =
        format!("{url} does not look like a canvass server (GET /api/health/ answered 404)");
    for args in [
        &["survey", "list"][..],
        &["survey", "show", "3"],
        &["status"],
    ] {
        let run = machine.cli().args(args).run();
        if args == ["status"] {
            // status reports rather than fails, and says the same.
            run.success().stdout_contains(&expected);
        } else {
            run.code(4).stderr_contains(&expected);
        }
    }
}

#[test]
fn https_to_a_plain_http_server_says_the_tls_handshake_failed() {
    let server = TestServer::start();
    let machine = Machine::for_url(&format!("https://{}", server.addr()));
    machine
        .cli()
        .args(["survey", "list"])
        .run()
        .code(4)
        .stderr_contains("TLS handshake with https://")
        .stderr_contains("failed — is the server plain http://?");
}

#[test]
fn a_server_that_never_answers_is_given_up_on_after_the_timeout_which_the_message_names() {
    // Bound, so connections are taken into the backlog, but never accepted or answered.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let machine = Machine::for_url(&format!("http://{}", silent.local_addr().unwrap()));
    machine
        .cli()
        .args(["survey", "show", "1", "--timeout", "300ms"])
        .run()
        .code(4)
        .stderr_contains("no answer within 300ms; --timeout or CANVASS_TIMEOUT waits longer");
    machine
        .cli()
        .env("CANVASS_TIMEOUT", "250ms")
        .args(["survey", "list"])
        .run()
        .code(4)
        .stderr_contains("no answer within 250ms");
    // clap's own usage error (several lines, so not through `code`).
    let run = machine
        .cli()
        .args(["--timeout", "soon", "survey", "list"])
        .run();
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr.contains("expected e.g. 10s, 500ms or 2m"),
        "{run:?}"
    );
    drop(silent);
}

#[test]
fn a_server_that_is_not_a_url_or_speaks_another_scheme_is_a_usage_error_showing_the_form() {
    let machine = Machine::for_url("http://127.0.0.1:9");
    for server in ["not a url", "ftp://example.com", "http://"] {
        machine
            .cli()
            .args(["--server", server, "survey", "list"])
            .run()
            .code(2)
            .stderr_contains(&format!("{server} is not a server URL"))
            .stderr_contains("expected http://HOST[:PORT] or https://HOST[:PORT][/PATH]");
    }
}
