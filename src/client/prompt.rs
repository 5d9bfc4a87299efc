//! Every question the client asks a person (dialoguer, on stderr so `--json` stays clean).
//! Without a terminal nothing is asked: the command fails at once, naming the flag to pass.
//! Prompts, items and offered values are often a survey creator's text: each is made
//! printable here, so no prompt can carry an escape sequence to the terminal.

use std::io::{self, IsTerminal as _, Write as _};

use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, Input, MultiSelect, Password, Select};

use super::error::ClientError;
use super::render::printable;

pub struct Prompter {
    interactive: bool,
    theme: Box<dyn Theme>,
}

impl Prompter {
    /// Prompts only when a person can answer: stdin and stderr are both terminals.
    pub fn detect() -> Prompter {
        let interactive = io::stdin().is_terminal() && io::stderr().is_terminal();
        if interactive {
            exit_cleanly_on_ctrl_c();
        }
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let theme: Box<dyn Theme> = if no_color {
            dialoguer::console::set_colors_enabled_stderr(false);
            Box::new(SimpleTheme)
        } else {
            Box::new(ColorfulTheme::default())
        };
        Prompter { interactive, theme }
    }

    pub fn is_interactive(&self) -> bool {
        self.interactive
    }

    fn require(&self, what: &'static str, flag: &'static str) -> Result<(), ClientError> {
        if self.interactive {
            Ok(())
        } else {
            Err(ClientError::NeedsFlag { what, flag })
        }
    }

    /// A line of text; `allow_empty` lets an empty line end a list.
    pub fn text(
        &self,
        prompt: &str,
        allow_empty: bool,
        (what, flag): (&'static str, &'static str),
    ) -> Result<String, ClientError> {
        self.edit_text(prompt, "", allow_empty, (what, flag))
    }

    /// A line of text that starts out as `initial`, for the person to edit (a draft's
    /// values); Enter alone keeps it — as it was shown, so with any hazard a space.
    pub fn edit_text(
        &self,
        prompt: &str,
        initial: &str,
        allow_empty: bool,
        (what, flag): (&'static str, &'static str),
    ) -> Result<String, ClientError> {
        self.require(what, flag)?;
        Input::<String>::with_theme(self.theme.as_ref())
            .with_prompt(printable(prompt))
            .with_initial_text(printable(initial))
            .allow_empty(allow_empty)
            .interact_text()
            .map_err(interrupted)
    }

    /// A password, typed twice when `confirm` (registration).
    pub fn password(&self, confirm: bool) -> Result<String, ClientError> {
        self.require("the password", "--password-stdin")?;
        let prompt = Password::with_theme(self.theme.as_ref()).with_prompt("Password");
        let prompt = if confirm {
            prompt.with_confirmation("Repeat password", "The passwords do not match, again")
        } else {
            prompt
        };
        prompt.interact().map_err(interrupted)
    }

    pub fn confirm(
        &self,
        question: &str,
        default: bool,
        (what, flag): (&'static str, &'static str),
    ) -> Result<bool, ClientError> {
        self.require(what, flag)?;
        Confirm::with_theme(self.theme.as_ref())
            .with_prompt(printable(question))
            .default(default)
            .interact()
            .map_err(interrupted)
    }

    /// One of `items`, by index.
    pub fn select(
        &self,
        prompt: &str,
        items: &[String],
        wanted: (&'static str, &'static str),
    ) -> Result<usize, ClientError> {
        self.select_from(prompt, items, 0, wanted)
    }

    /// One of `items`, by index, with `default` highlighted first (Enter takes it).
    pub fn select_from(
        &self,
        prompt: &str,
        items: &[String],
        default: usize,
        (what, flag): (&'static str, &'static str),
    ) -> Result<usize, ClientError> {
        self.require(what, flag)?;
        Select::with_theme(self.theme.as_ref())
            .with_prompt(printable(prompt))
            .items(printable_all(items))
            .default(default)
            .interact()
            .map_err(interrupted)
    }

    /// Any of `items`, by index, toggled with space.
    pub fn multi_select(
        &self,
        prompt: &str,
        items: &[String],
        (what, flag): (&'static str, &'static str),
    ) -> Result<Vec<usize>, ClientError> {
        self.require(what, flag)?;
        MultiSelect::with_theme(self.theme.as_ref())
            .with_prompt(printable(prompt))
            .items(printable_all(items))
            .interact()
            .map_err(interrupted)
    }
}

fn printable_all(items: &[String]) -> Vec<String> {
    items.iter().map(|item| printable(item)).collect()
}

/// Ctrl-C in a list prompt arrives as a key (the terminal is raw there, so no SIGINT): it
/// ends the command with exit 130, and the cursor the list hid is shown again. In a line
/// prompt the terminal sends SIGINT as usual.
fn interrupted(error: dialoguer::Error) -> ClientError {
    let dialoguer::Error::IO(error) = error;
    if error.kind() == io::ErrorKind::Interrupted {
        let _ = dialoguer::console::Term::stderr().show_cursor();
        ClientError::Interrupted
    } else {
        ClientError::Stdin(error)
    }
}

/// Ctrl-C at a prompt raises SIGINT (console restores the terminal mode first). Dying of it
/// would leave the cursor a list prompt hid; this shows it again and exits 130, the status a
/// shell reports for an interrupt. If the handler cannot be installed, SIGINT keeps its
/// default and kills the process as before.
fn exit_cleanly_on_ctrl_c() {
    let Ok(mut signals) = signal_hook::iterator::Signals::new([signal_hook::consts::SIGINT]) else {
        return;
    };
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            let _ = dialoguer::console::Term::stderr().show_cursor();
            let _ = writeln!(io::stderr());
            #[expect(clippy::exit, reason = "the prompt blocks the main thread in a read")]
            std::process::exit(130);
        }
    });
}
