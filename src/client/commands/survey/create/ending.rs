//! What becomes of a survey once the wizard has built it: the wizard's last question, whose
//! answers depend on where it was started (`create`, `create --draft`, `edit-draft`, `edit`).

use crate::client::Context;
use crate::client::error::ClientError;

use super::wizard::WANTED;

/// What becomes of the survey once it is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Create,
    Save,
    Discard,
}

/// The wizard's last question and its answers, the first the default.
pub struct Ending {
    prompt: &'static str,
    options: &'static [(Decision, &'static str)],
}

/// `survey create`. The prompt keeps the yes/no question's words: Enter still creates.
pub const CREATE: Ending = Ending {
    prompt: "Create this survey?",
    options: &[
        (Decision::Create, "Create it on the server"),
        (Decision::Save, "Save it as a draft"),
        (Decision::Discard, "Discard it"),
    ],
};

/// `survey create --draft`: the server is not even asked about.
pub const SAVE: Ending = Ending {
    prompt: "Save this survey as a draft?",
    options: &[
        (Decision::Save, "Save the draft"),
        (Decision::Discard, "Discard it"),
    ],
};

/// `survey edit-draft`: discarding drops the changes, never the draft.
pub const EDIT: Ending = Ending {
    prompt: "Save this draft?",
    options: &[
        (Decision::Save, "Save the draft"),
        (Decision::Create, "Create it on the server"),
        (Decision::Discard, "Discard the changes"),
    ],
};

/// `survey edit`: what is sent is the difference from the survey on the server.
pub const CHANGE: Ending = Ending {
    prompt: "Save these changes?",
    options: &[
        (Decision::Create, "Save them on the server"),
        (Decision::Discard, "Discard them"),
    ],
};

/// The person's answer to `ending`'s question.
pub fn decide(cx: &Context, ending: &Ending) -> Result<Decision, ClientError> {
    let labels: Vec<String> = ending
        .options
        .iter()
        .map(|&(_, label)| label.to_owned())
        .collect();
    let picked = cx.prompt.select(ending.prompt, &labels, WANTED)?;
    Ok(ending.options[picked].0)
}
