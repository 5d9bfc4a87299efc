//! The one error for input that breaks a domain rule: it names the offending field, because
//! the seed accepted anything and its users never learnt what was wrong (docs/seed-contract.md Part 2).

/// An input that breaks a rule. `field` is a JSON-ish path such as `questions[1].choices`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ValidationError {
    pub field: String,
    pub problem: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// Checks that `value`, once trimmed, is non-empty and at most `max` characters.
pub(crate) fn required_text(
    field: &str,
    value: &str,
    max: usize,
) -> Result<String, ValidationError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    refuse_nul(field, value)?;
    Ok(value.to_owned())
}

/// What `refuse_nul` says, and an answer's text with a NUL in it (`AnswerError::NulInText`).
pub(crate) const NUL_PROBLEM: &str = "must not contain a NUL character (\\u0000)";

/// No text may hold a NUL character: PostgreSQL cannot store one in TEXT, and no survey means
/// one. Refused on every backend alike, so both keep the same data.
pub(crate) fn refuse_nul(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.contains('\0') {
        return Err(ValidationError::new(field, NUL_PROBLEM));
    }
    Ok(())
}
