//! A server URL never carries credentials (issue 13, item 9): `http://alice:S3CRETPW@host` is
//! refused as a usage error before any request, and the password is never printed, stored,
//! or made part of a file name. The config file that names servers is private (0600).

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
        .code(1)
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
