//! Regular expressions that match exactly what a domain check accepts (trimmed text, an e-mail
//! address, a client id), for the request schemas (`schema.rs`). They are written in the
//! subset that ECMA-262 (JSON Schema's dialect), Python's `re` (schemathesis) and Rust's regex
//! all read alike: explicit `\uXXXX` classes, never `\s`, anchored at both ends.

use std::fmt::Write as _;

use super::CLIENT_ID_MAX;

/// What `str::trim` strips and `char::is_whitespace` finds (Unicode's White_Space), as ranges.
/// Spelled out because `\s` means something else in each dialect: ECMA-262's adds U+FEFF and
/// lacks U+0085, Python's adds U+001C–U+001F.
const WHITE_SPACE: &[(char, char)] = &[
    ('\u{9}', '\u{d}'),
    (' ', ' '),
    ('\u{85}', '\u{85}'),
    ('\u{a0}', '\u{a0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200a}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202f}', '\u{202f}'),
    ('\u{205f}', '\u{205f}'),
    ('\u{3000}', '\u{3000}'),
];

/// What `char::is_control` finds (Unicode's Cc).
const CONTROL: &[(char, char)] = &[('\0', '\u{1f}'), ('\u{7f}', '\u{9f}')];

const NUL: &[(char, char)] = &[('\0', '\0')];

/// What `Email::normalized` (NFKC) turns into `@`: `Email::parse` takes each as the `@`.
const EMAIL_AT: &[(char, char)] = &[
    ('@', '@'),
    ('\u{fe6b}', '\u{fe6b}'),
    ('\u{ff20}', '\u{ff20}'),
];

/// What else `Email::parse` refuses anywhere in an address: the invisible formatting characters
/// (issue 13), and what NFKC turns into white space (`¨` becomes a space and a combining
/// diaeresis). A list, because the rule behind it is NFKC's table; a test checks it against
/// `Email::parse` character by character and prints it anew when they part.
const EMAIL_REFUSED: &[(char, char)] = &[
    ('\u{a8}', '\u{a8}'),
    ('\u{af}', '\u{af}'),
    ('\u{b4}', '\u{b4}'),
    ('\u{b8}', '\u{b8}'),
    ('\u{2d8}', '\u{2dd}'),
    ('\u{37a}', '\u{37a}'),
    ('\u{384}', '\u{385}'),
    ('\u{1fbd}', '\u{1fbd}'),
    ('\u{1fbf}', '\u{1fc1}'),
    ('\u{1fcd}', '\u{1fcf}'),
    ('\u{1fdd}', '\u{1fdf}'),
    ('\u{1fed}', '\u{1fee}'),
    ('\u{1ffd}', '\u{1ffe}'),
    ('\u{200b}', '\u{200f}'),
    ('\u{2017}', '\u{2017}'),
    ('\u{202a}', '\u{202e}'),
    ('\u{203e}', '\u{203e}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{2069}'),
    ('\u{309b}', '\u{309c}'),
    ('\u{fc5e}', '\u{fc63}'),
    ('\u{fdfa}', '\u{fdfb}'),
    ('\u{fe49}', '\u{fe4c}'),
    ('\u{fe70}', '\u{fe70}'),
    ('\u{fe72}', '\u{fe72}'),
    ('\u{fe74}', '\u{fe74}'),
    ('\u{fe76}', '\u{fe76}'),
    ('\u{fe78}', '\u{fe78}'),
    ('\u{fe7a}', '\u{fe7a}'),
    ('\u{fe7c}', '\u{fe7c}'),
    ('\u{fe7e}', '\u{fe7e}'),
    ('\u{feff}', '\u{feff}'),
    ('\u{ffe3}', '\u{ffe3}'),
];

/// `ranges` as the inside of a regex character class, each character as `\uXXXX` (all of them
/// are below U+10000).
fn class(ranges: &[(char, char)]) -> String {
    let mut class = String::new();
    for &(first, last) in ranges {
        let _ = write!(class, "\\u{:04X}", u32::from(first));
        if last != first {
            let _ = write!(class, "-\\u{:04X}", u32::from(last));
        }
    }
    class
}

/// What `validation::required_text(_, value, max)` accepts: once trimmed, 1 to `max`
/// characters, none of them NUL. Leading and trailing white space may be anything, since it is
/// trimmed away; what is left starts and ends with a character that is not white space.
pub fn trimmed_text(max: usize) -> String {
    let (space, nul) = (class(WHITE_SPACE), class(NUL));
    let inner = max.saturating_sub(2);
    format!("^[{space}]*[^{space}{nul}](?:[^{nul}]{{0,{inner}}}[^{space}{nul}])?[{space}]*$")
}

/// What `Email::parse` accepts but for its length: once trimmed, one `@` (or what NFKC makes
/// one) with text on both sides, none of it white space, control or refused characters.
pub fn email() -> String {
    let (space, at) = (class(WHITE_SPACE), class(EMAIL_AT));
    let part = format!("[^{space}{}{at}{}]+", class(CONTROL), class(EMAIL_REFUSED));
    format!("^[{space}]*{part}[{at}]{part}[{space}]*$")
}

/// Any text without a NUL.
pub fn no_nul() -> String {
    format!("^[^{}]*$", class(NUL))
}

/// What `ResponseRequest::client_id` and the `Idempotency-Key` header accept.
pub fn client_id() -> String {
    format!("^[A-Za-z0-9_-]{{1,{CLIENT_ID_MAX}}}$")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proptest::string::string_regex;
    use proptest::test_runner::Config;

    use super::*;
    use crate::domain::{Email, MAX_NAME, MAX_TEXT, NewQuestion, NewSurvey, QuestionKind};
    use crate::protocol::ResponseRequest;

    fn expand(ranges: &[(char, char)]) -> Vec<char> {
        ranges
            .iter()
            .flat_map(|&(first, last)| first..=last)
            .collect()
    }

    fn every_char() -> impl Iterator<Item = char> {
        (0..=u32::from(char::MAX)).filter_map(char::from_u32)
    }

    #[test]
    fn the_classes_are_rusts_white_space_and_control_characters() {
        let space: Vec<char> = every_char().filter(|c| c.is_whitespace()).collect();
        assert_eq!(expand(WHITE_SPACE), space);
        let control: Vec<char> = every_char().filter(|c| c.is_control()).collect();
        assert_eq!(expand(CONTROL), control);
    }

    fn within(ranges: &[(char, char)], c: char) -> bool {
        ranges
            .iter()
            .any(|&(first, last)| (first..=last).contains(&c))
    }

    #[test]
    fn a_name_may_hold_any_character_but_nul_and_be_anything_but_white_space() {
        // What `trimmed_text` builds on: one character is a name unless white space or NUL.
        let question = || vec![question("q".into(), vec!["c".into()])];
        for c in every_char() {
            let accepted = NewSurvey::new(&c.to_string(), false, question()).is_ok();
            let matches = !within(WHITE_SPACE, c) && !within(NUL, c);
            assert_eq!(accepted, matches, "{c:?}");
        }
    }

    fn ranges(chars: &[char]) -> Vec<(char, char)> {
        let mut ranges: Vec<(char, char)> = Vec::new();
        for &c in chars {
            match ranges.last_mut() {
                Some((_, last)) if u32::from(*last) + 1 == u32::from(c) => *last = c,
                _ => ranges.push((c, c)),
            }
        }
        ranges
    }

    #[test]
    fn an_e_mail_may_hold_the_characters_the_pattern_allows_and_no_other() {
        // What `email` builds on: the characters either side of the `@` may be, and the ones
        // that are the `@`. Only a character refused in an address can be its `@`: one allowed
        // there, plus the `@` after it, would make two.
        let (mut refused, mut at) = (Vec::new(), Vec::new());
        for c in every_char() {
            let allowed = Email::parse(&format!("a{c}b@example.com")).is_ok();
            let space_or_control = c.is_whitespace() || c.is_control();
            assert!(!(allowed && space_or_control), "{c:?}");
            if allowed || space_or_control {
                continue;
            }
            if Email::parse(&format!("a{c}b")).is_ok() {
                at.push(c);
            } else {
                refused.push(c);
            }
        }
        assert_eq!(
            (ranges(&at), ranges(&refused)),
            (EMAIL_AT.to_vec(), EMAIL_REFUSED.to_vec()),
            "Email::parse changed: EMAIL_AT and EMAIL_REFUSED are the lists above"
        );
    }

    #[test]
    fn classes_are_written_as_u_escapes() {
        assert_eq!(class(CONTROL), r"\u0000-\u001F\u007F-\u009F");
        // `\uXXXX` reaches U+FFFF only.
        for ranges in [WHITE_SPACE, CONTROL, NUL, EMAIL_AT, EMAIL_REFUSED] {
            assert!(ranges.iter().all(|&(_, last)| u32::from(last) <= 0xffff));
        }
        assert_eq!(
            trimmed_text(3),
            format!(
                "^[{s}]*[^{s}\\u0000](?:[^\\u0000]{{0,1}}[^{s}\\u0000])?[{s}]*$",
                s = class(WHITE_SPACE)
            )
        );
    }

    /// The strings `pattern` matches. proptest reads Rust's regex syntax, which takes the same
    /// `\uXXXX` classes, but not anchors: the patterns are anchored at both ends anyway.
    fn matching(pattern: &str) -> impl Strategy<Value = String> {
        let bare = pattern.strip_prefix('^').and_then(|p| p.strip_suffix('$'));
        string_regex(bare.unwrap_or(pattern)).unwrap()
    }

    fn config() -> Config {
        Config {
            cases: 512,
            failure_persistence: None,
            ..Config::default()
        }
    }

    fn question(text: String, choices: Vec<String>) -> NewQuestion {
        NewQuestion {
            text,
            kind: QuestionKind::Single,
            required: true,
            choices,
        }
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn every_name_and_text_the_patterns_match_is_accepted(
            name in matching(&trimmed_text(MAX_NAME)),
            text in matching(&trimmed_text(MAX_TEXT)),
            choice in matching(&trimmed_text(MAX_TEXT)),
        ) {
            let survey = NewSurvey::new(&name, false, vec![question(text, vec![choice])]);
            prop_assert!(survey.is_ok(), "{survey:?}");
        }

        #[test]
        fn every_e_mail_the_pattern_matches_is_accepted(email in matching(&email())) {
            // The schema's `maxLength` counts characters as sent, `Email::parse` bytes once
            // normalised: the gap its description names.
            prop_assume!(Email::normalized(&email).len() <= Email::MAX_LEN);
            prop_assert!(Email::parse(&email).is_ok(), "{email:?}");
        }

        #[test]
        fn every_client_id_the_pattern_matches_is_accepted(id in matching(&client_id())) {
            let request = ResponseRequest { answers: Vec::new(), client_id: Some(id), invitation: None };
            prop_assert!(request.client_id(None).is_ok());
        }
    }
}
