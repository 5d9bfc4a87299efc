//! Prompts met the way a person meets them: in a real pseudo-terminal.

use crate::harness::cli::Machine;
use crate::harness::pty::Key;
use crate::harness::server::{PASSWORD, TestServer};

#[test]
fn register_at_a_terminal_asks_for_the_password_twice_and_logs_in() {
    let server = TestServer::start();
    let ann = Machine::new(&server);
    let mut pty = ann.cli().args(["register"]).pty();
    pty.expect("E-mail");
    // Checked at its prompt, before any password is typed (issue 14, item 6).
    pty.send_line("ann.example.com");
    pty.expect("That is not an e-mail address");
    pty.send_line("");
    pty.expect("That must not be empty");
    pty.send_line("ann@example.com");
    pty.expect("Password");
    pty.send_line(PASSWORD);
    pty.expect("Repeat password");
    pty.send_line("a typo");
    pty.expect("The passwords do not match: type the password twice again");
    pty.expect("Password");
    pty.send_line(PASSWORD);
    pty.expect("Repeat password");
    pty.send_line(PASSWORD);
    pty.expect("Logged in to");
    let rest = pty.expect_exit(0);
    assert!(!rest.contains(PASSWORD), "the password was echoed: {rest}");
    ann.cli()
        .args(["whoami"])
        .run()
        .success()
        .stdout_contains("ann@example.com");
}

#[test]
fn register_refuses_a_malformed_email_flag_before_asking_for_a_password() {
    let server = TestServer::start();
    let ann = Machine::new(&server);
    let pty = ann
        .cli()
        .args(["register", "--email", "ann.example.com"])
        .pty();
    let screen = pty.expect_exit(2);
    assert!(
        screen.contains("error: --email ann.example.com: is not an e-mail address"),
        "{screen}"
    );
    assert!(
        !screen.contains("Password"),
        "a password was asked for: {screen}"
    );
}

#[test]
fn login_at_a_terminal_prompts_for_what_the_flags_leave_out() {
    let server = TestServer::start();
    server.register("ann@example.com", PASSWORD);
    let ann = Machine::new(&server);
    let mut pty = ann
        .cli()
        .args(["login", "--email", "ann@example.com"])
        .pty();
    pty.expect("Password");
    pty.send_line(PASSWORD);
    pty.expect("as ann@example.com");
    pty.expect_exit(0);

    let mut pty = ann.cli().args(["login"]).pty();
    pty.expect("E-mail");
    pty.send_line("ann@example.com");
    pty.expect("Password");
    pty.send_line("wrong");
    pty.expect("error: Invalid credentials");
    pty.expect_exit(1);
}

#[test]
fn ctrl_c_in_a_list_prompt_exits_130_with_the_cursor_back() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let mut pty = ann.cli().args(["survey", "create"]).pty();
    pty.expect("Survey name");
    pty.send_line("Lunch");
    pty.expect("One response per user?");
    pty.send_line("");
    pty.expect("Question 1: kind");
    pty.send_key(Key::Char('\x03'));
    let rest = pty.expect_exit(130);
    assert!(
        rest.contains("\x1b[?25h"),
        "the cursor stays hidden: {rest:?}"
    );
    assert!(!rest.contains("backtrace"), "{rest}");
}
