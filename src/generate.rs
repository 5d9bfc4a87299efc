//! Shell completion scripts and man pages, derived from the clap definitions in `cli.rs`: printed
//! by `canvass completions SHELL`, written by the hidden `canvass generate DIR`, and committed
//! under `completions/` and `man/` (checked by `tests/generated.rs`); also the OpenAPI document
//! the server builds from its route table, committed as `docs/openapi.json`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Command, CommandFactory, ValueEnum};
use clap_complete::{Generator, Shell};
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

use crate::cli::Cli;

const BIN: &str = "canvass";

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("cannot create directory {}: {source}", path.display())]
    CreateDir { path: PathBuf, source: io::Error },
    #[error("cannot write {}: {source}", path.display())]
    WriteFile { path: PathBuf, source: io::Error },
    #[error("cannot write the completion script to stdout: {0}")]
    Stdout(#[source] io::Error),
}

/// Every generated file as (path relative to the output directory, contents): one completion
/// script per shell clap_complete knows, then `man/canvass.1` and one page per visible
/// subcommand, nested ones included (`man/canvass-token-inspect.1`), then the API's OpenAPI
/// document, `docs/openapi.json`, from the server's route table.
///
/// The bytes depend only on `cli.rs` and the crate version (no dates), so the committed copies
/// can be compared byte for byte.
pub fn files() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = Shell::value_variants()
        .iter()
        .map(|&shell| {
            let path = Path::new("completions").join(shell.file_name(BIN));
            (path, completion(shell))
        })
        .collect();
    files.extend(man_pages());
    files.push((
        Path::new("docs").join("openapi.json"),
        crate::server::openapi_json(),
    ));
    files.push((
        Path::new("docs").join("API.md"),
        crate::server::api_reference().into_bytes(),
    ));
    files
}

/// Writes the completion script for `shell` to stdout.
pub fn print_completions(shell: Shell) -> Result<(), GenerateError> {
    let mut out = io::stdout().lock();
    match out.write_all(&completion(shell)).and_then(|()| out.flush()) {
        // `canvass completions bash | head` is a reader that stopped early, not a failure.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        result => result.map_err(GenerateError::Stdout),
    }
}

/// Writes [`files`] under `dir`, creating `completions/` and `man/`; existing files are
/// overwritten, and files no longer generated are left alone (`dir` may be a packager's
/// staging tree, so nothing is deleted).
pub fn write_all(dir: &Path) -> Result<(), GenerateError> {
    for (relative, bytes) in files() {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| GenerateError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, bytes).map_err(|source| GenerateError::WriteFile { path, source })?;
    }
    Ok(())
}

fn completion(shell: Shell) -> Vec<u8> {
    let mut script = Vec::new();
    // Into a Vec rather than stdout: clap_complete panics when its writer fails.
    clap_complete::generate(
        shell,
        &mut without_hidden_subcommands(&Cli::command()),
        BIN,
        &mut script,
    );
    script
}

/// clap_complete, unlike clap_mangen, offers hidden subcommands too (clap-rs/clap#1335), which
/// would put `canvass generate` on every Tab. `Command` cannot remove a subcommand, so the root
/// is re-assembled from its arguments, visible subcommands and the root settings completions
/// use; only the root has hidden subcommands.
fn without_hidden_subcommands(cli: &Command) -> Command {
    let mut root = Command::new(BIN)
        .args(cli.get_arguments().cloned())
        .subcommands(
            cli.get_subcommands()
                .filter(|sub| !sub.is_hide_set())
                .cloned(),
        )
        .subcommand_required(cli.is_subcommand_required_set());
    if let Some(about) = cli.get_about() {
        root = root.about(about.clone());
    }
    if cli.get_version().is_some() {
        // What the derive's bare `version` means; clap takes only a `&'static str` here.
        root = root.version(env!("CARGO_PKG_VERSION"));
    }
    root
}

fn man_pages() -> Vec<(PathBuf, Vec<u8>)> {
    // Man pages document commands, not `canvass help`, which is only a way to reach --help.
    let mut root = without_help_subcommand(Cli::command());
    // Building once, from the root, gives each subcommand its bin name (`canvass token
    // inspect`, for the synopsis) and display name (`canvass-token-inspect`, for the title,
    // the file name and the SUBCOMMANDS cross-references).
    root.build();
    let source = format!("{BIN} {}", env!("CARGO_PKG_VERSION"));
    let exit_status = root
        .get_after_help()
        .map(|after_help| exit_status_section(&after_help.to_string()));

    let mut pages = Vec::new();
    collect_pages(&root, true, &source, exit_status.as_ref(), &mut pages);
    pages
}

fn without_help_subcommand(command: Command) -> Command {
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    names
        .iter()
        .fold(command.disable_help_subcommand(true), |command, name| {
            command.mut_subcommand(name, without_help_subcommand)
        })
}

fn collect_pages(
    command: &Command,
    is_root: bool,
    source: &str,
    exit_status: Option<&Roff>,
    pages: &mut Vec<(PathBuf, Vec<u8>)>,
) {
    let name = command.get_display_name().unwrap_or(command.get_name());
    let path = Path::new("man").join(format!("{name}.1"));
    pages.push((path, man_page(command, is_root, source, exit_status)));
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        collect_pages(sub, false, source, exit_status, pages);
    }
}

/// clap_mangen's page, except that the root's after_help (the exit codes) moves from its
/// "EXTRA" section to an "EXIT STATUS" section on every page: the codes hold for every
/// subcommand, and a subcommand's page is read on its own.
fn man_page(command: &Command, is_root: bool, source: &str, exit_status: Option<&Roff>) -> Vec<u8> {
    let mut command = command.clone();
    let mut version = None;
    if is_root {
        version = command.get_version().map(str::to_owned);
        // Safe on a built command: building again is a no-op, so the --version flag stays;
        // only clap_mangen's EXTRA and VERSION sections go, re-added below in man-pages(7)
        // order (EXIT STATUS before VERSION).
        command = command.after_help(None::<&str>).version(None::<&str>);
    }

    let mut page = Vec::new();
    #[expect(clippy::expect_used, reason = "writing to a Vec cannot fail")]
    Man::new(command)
        .source(source)
        .render(&mut page)
        .expect("rendering into a Vec");

    let mut tail = Roff::new();
    if let Some(version) = version {
        tail.control("SH", ["VERSION"]);
        tail.text([roman(format!("v{version}"))]);
    }
    // `to_roff` rather than `render`: the apostrophe preamble was written once, above.
    let tail = exit_status.map(Roff::to_roff).unwrap_or_default() + &tail.to_roff();
    page.extend_from_slice(tail.as_bytes());
    page
}

/// The after_help is "Exit codes:" then one "  N  meaning" line per code; each code becomes a
/// tagged paragraph, and any other line is kept as text so an edit there still shows up.
fn exit_status_section(after_help: &str) -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    for line in after_help
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
    {
        match line.split_once(char::is_whitespace) {
            Some((code, meaning)) if code.parse::<u8>().is_ok() => {
                roff.control("TP", []);
                roff.text([bold(code)]);
                roff.text([roman(meaning.trim_start())]);
            }
            // The "Exit codes:" heading, which the section heading replaces.
            _ if line.ends_with(':') => {}
            _ => {
                roff.text([roman(line)]);
            }
        }
    }
    roff
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> Vec<String> {
        files()
            .into_iter()
            .map(|(path, _)| path.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn every_shell_gets_a_completion_script_under_its_conventional_name() {
        let paths = paths();
        for expected in [
            "completions/canvass.bash",
            "completions/_canvass",
            "completions/canvass.fish",
            "completions/canvass.elv",
            "completions/_canvass.ps1",
        ] {
            assert!(
                paths.iter().any(|path| path == expected),
                "{expected} in {paths:?}"
            );
        }
    }

    #[test]
    fn nested_subcommands_get_git_style_pages_and_hidden_or_help_commands_get_none() {
        let paths = paths();
        assert!(paths.iter().any(|path| path == "man/canvass.1"));
        assert!(
            paths
                .iter()
                .any(|path| path == "man/canvass-token-inspect.1")
        );
        assert!(
            !paths.iter().any(|path| path.contains("generate")),
            "{paths:?}"
        );
        assert!(!paths.iter().any(|path| path.contains("help")), "{paths:?}");
    }

    #[test]
    fn completions_do_not_offer_the_hidden_generate_command() {
        for (path, bytes) in files() {
            if path.starts_with("completions") {
                let script = String::from_utf8(bytes).unwrap();
                assert!(!script.contains("generate"), "{}", path.display());
                assert!(script.contains("completions"), "{}", path.display());
            }
        }
    }

    #[test]
    fn generating_twice_gives_the_same_bytes() {
        assert_eq!(files(), files());
    }

    #[test]
    fn every_man_page_has_the_exit_codes() {
        for (path, bytes) in files() {
            if path.starts_with("man") {
                let page = String::from_utf8(bytes).unwrap();
                assert!(page.contains(".SH \"EXIT STATUS\""), "{}", path.display());
                assert!(!page.contains(".SH EXTRA"), "{}", path.display());
            }
        }
    }
}
