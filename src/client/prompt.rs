//! Every question the client asks a person (dialoguer, on stderr so `--json` stays clean).
//! Without a terminal nothing is asked: the command fails at once, naming the flag to pass.
//! Prompts, items and offered values are often a survey creator's text: each is made
//! printable here, so no prompt can carry an escape sequence to the terminal.

use std::fmt;
use std::io::{self, IsTerminal as _, Write as _};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, Input, MultiSelect, Password, Select};

use super::error::ClientError;
use super::render::printable;

/// The stream that keeps a prompt from being shown, named in the error so the person knows
/// which redirection to undo (issue 14, item 9: a piped stdout is no reason not to ask).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdin,
    /// Where prompts are drawn.
    Stderr,
}

impl fmt::Display for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stream::Stdin => "stdin",
            Stream::Stderr => "stderr (where prompts are shown)",
        })
    }
}

pub struct Prompter {
    /// The first of stdin and stderr that is not a terminal; `None` when both are.
    missing: Option<Stream>,
    theme: Box<dyn Theme>,
}

/// Whether a prompt is reading keys, and how many Ctrl-Cs prompts have turned into errors.
/// console reads each key in raw mode and turns Ctrl-C into its own SIGINT *and* an
/// `Interrupted` error from the prompt; the error is the one acted on, so the wizard can keep
/// what was typed as a draft before exiting 130. The SIGINT reaches the handler thread at
/// some point around the prompt's return, so the thread waits until no prompt runs and then
/// passes over one SIGINT per interrupted prompt.
struct Prompting {
    running: bool,
    interrupted: u32,
}

static PROMPTING: Mutex<Prompting> = Mutex::new(Prompting {
    running: false,
    interrupted: 0,
});
static PROMPT_ENDED: Condvar = Condvar::new();

/// The state, even if a panic poisoned it: two plain fields cannot be left half-written.
fn prompting() -> MutexGuard<'static, Prompting> {
    PROMPTING.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Prompter {
    /// Prompts only when a person can answer: stdin and stderr are both terminals.
    pub fn detect() -> Prompter {
        let missing = if !io::stdin().is_terminal() {
            Some(Stream::Stdin)
        } else if !io::stderr().is_terminal() {
            Some(Stream::Stderr)
        } else {
            None
        };
        if missing.is_none() {
            exit_cleanly_on_ctrl_c();
        }
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let theme: Box<dyn Theme> = if no_color {
            dialoguer::console::set_colors_enabled_stderr(false);
            Box::new(SimpleTheme)
        } else {
            Box::new(ColorfulTheme::default())
        };
        Prompter { missing, theme }
    }

    pub fn is_interactive(&self) -> bool {
        self.missing.is_none()
    }

    /// The error for `what` that cannot be asked for: it names the stream that is not a
    /// terminal and the flag to pass instead.
    pub fn needs(&self, what: &'static str, flag: &'static str) -> ClientError {
        ClientError::NoTerminal {
            what,
            flag,
            stream: self.missing.unwrap_or(Stream::Stdin),
        }
    }

    fn require(&self, what: &'static str, flag: &'static str) -> Result<(), ClientError> {
        if self.is_interactive() {
            Ok(())
        } else {
            Err(self.needs(what, flag))
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
        asking(|| {
            Input::<String>::with_theme(self.theme.as_ref())
                .with_prompt(printable(prompt))
                .with_initial_text(printable(initial))
                .allow_empty(allow_empty)
                .interact_text()
        })
    }

    /// A line of text starting out as `initial`, asked again until `check` takes it; what
    /// `check` says is shown under the prompt. An empty line reaches `check` too, so a
    /// refusal of it is explained rather than silently ignored (issue 14, item 4).
    pub fn checked_text(
        &self,
        prompt: &str,
        initial: &str,
        check: impl Fn(&str) -> Result<(), String>,
        (what, flag): (&'static str, &'static str),
    ) -> Result<String, ClientError> {
        self.require(what, flag)?;
        asking(|| {
            Input::<String>::with_theme(self.theme.as_ref())
                .with_prompt(printable(prompt))
                .with_initial_text(printable(initial))
                .allow_empty(true)
                .validate_with(|text: &String| check(text))
                .interact_text()
        })
    }

    /// A password, typed twice when `confirm` (registration).
    pub fn password(&self, confirm: bool) -> Result<String, ClientError> {
        self.require("the password", "--password-stdin")?;
        let prompt = Password::with_theme(self.theme.as_ref()).with_prompt("Password");
        let prompt = if confirm {
            prompt.with_confirmation(
                "Repeat password",
                "The passwords do not match: type the password twice again",
            )
        } else {
            prompt
        };
        asking(|| prompt.interact())
    }

    pub fn confirm(
        &self,
        question: &str,
        default: bool,
        (what, flag): (&'static str, &'static str),
    ) -> Result<bool, ClientError> {
        self.require(what, flag)?;
        // y or n alone answered at once, and the Enter typed after it answered the next
        // question (issue 14, item 3): a yes/no waits for Enter like every other prompt.
        asking(|| {
            Confirm::with_theme(self.theme.as_ref())
                .with_prompt(printable(question))
                .default(default)
                .wait_for_newline(true)
                .interact()
        })
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
        asking(|| {
            Select::with_theme(self.theme.as_ref())
                .with_prompt(printable(prompt))
                .items(printable_all(items))
                .default(default)
                .interact()
        })
    }

    /// Like `select_from`, but Esc (or q) backs out: `None`.
    pub fn select_or_back(
        &self,
        prompt: &str,
        items: &[String],
        default: usize,
        (what, flag): (&'static str, &'static str),
    ) -> Result<Option<usize>, ClientError> {
        self.require(what, flag)?;
        asking(|| {
            Select::with_theme(self.theme.as_ref())
                .with_prompt(printable(prompt))
                .items(printable_all(items))
                .default(default)
                .interact_opt()
        })
    }

    /// Any of `items`, by index, toggled with space.
    pub fn multi_select(
        &self,
        prompt: &str,
        items: &[String],
        (what, flag): (&'static str, &'static str),
    ) -> Result<Vec<usize>, ClientError> {
        self.require(what, flag)?;
        asking(|| {
            MultiSelect::with_theme(self.theme.as_ref())
                .with_prompt(printable(prompt))
                .items(printable_all(items))
                .interact()
        })
    }
}

/// Runs one prompt as `PROMPTING` records, so a Ctrl-C in it comes back as `Interrupted`.
fn asking<T>(prompt: impl FnOnce() -> dialoguer::Result<T>) -> Result<T, ClientError> {
    prompting().running = true;
    let result = prompt().map_err(interrupted);
    let mut state = prompting();
    if matches!(result, Err(ClientError::Interrupted)) {
        state.interrupted += 1;
    }
    state.running = false;
    PROMPT_ENDED.notify_all();
    result
}

fn printable_all(items: &[String]) -> Vec<String> {
    items.iter().map(|item| printable(item)).collect()
}

/// Ctrl-C at a prompt arrives as a key (the terminal is raw while a key is read): it ends
/// the command with exit 130, and the cursor a list hid is shown again. The error line
/// starts on a line of its own, not after the prompt.
fn interrupted(error: dialoguer::Error) -> ClientError {
    let dialoguer::Error::IO(error) = error;
    if error.kind() == io::ErrorKind::Interrupted {
        let term = dialoguer::console::Term::stderr();
        let _ = term.show_cursor();
        let _ = term.write_line("");
        ClientError::Interrupted
    } else {
        ClientError::Stdin(error)
    }
}

/// Ctrl-C between prompts (while a request is on its way, say) raises SIGINT. Dying of it
/// would leave the cursor a list prompt hid; this shows it again and exits 130, the status a
/// shell reports for an interrupt. The SIGINT console raises for a Ctrl-C *at* a prompt is
/// passed over: that prompt returns `Interrupted`, and the command ends through it. If the
/// handler cannot be installed, SIGINT keeps its default and kills the process as before.
fn exit_cleanly_on_ctrl_c() {
    let Ok(mut signals) = signal_hook::iterator::Signals::new([signal_hook::consts::SIGINT]) else {
        return;
    };
    std::thread::spawn(move || {
        let from_a_prompt = || {
            let mut state = PROMPT_ENDED
                .wait_while(prompting(), |state| state.running)
                .unwrap_or_else(PoisonError::into_inner);
            let passed_over = state.interrupted > 0;
            state.interrupted = state.interrupted.saturating_sub(1);
            passed_over
        };
        if signals.forever().any(|_| !from_a_prompt()) {
            let _ = dialoguer::console::Term::stderr().show_cursor();
            let _ = writeln!(io::stderr());
            #[expect(clippy::exit, reason = "the prompt blocks the main thread in a read")]
            std::process::exit(130);
        }
    });
}
