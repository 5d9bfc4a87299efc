//! Text from elsewhere made safe for a terminal. Survey names, questions, choices, e-mails,
//! a server's messages and a token's claims are anyone's input: an escape sequence in them
//! could retitle the window, clear the screen or forge output, and a bidi override could make
//! a line read backwards (issue 13, item 7). Every such string goes through here on its way out.

/// Whether a terminal may act on `c` instead of showing it: a C0 or C1 control or DEL, a
/// bidi control that reorders the text after it, or a line or paragraph separator (which some
/// terminals break lines on).
pub fn is_hazard(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Arabic letter mark, left-to-right and right-to-left marks.
            '\u{61c}' | '\u{200e}' | '\u{200f}'
            // Embeddings, overrides and their pop (U+202E is the "Trojan Source" override).
            | '\u{202a}'..='\u{202e}'
            // Isolates and their pop.
            | '\u{2066}'..='\u{2069}'
            | '\u{2028}' | '\u{2029}'
        )
}

/// `text` on one line with every hazard a space: a newline in a survey name must not break a
/// table, forge a line or end an error message early.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if is_hazard(c) { ' ' } else { c })
        .collect()
}

/// `text` with every hazard a space except its line breaks (`\n`, and `\r\n` as one), for a
/// document shown on a terminal as lines (an export's CSV).
pub fn printable_lines(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => shown.push('\n'),
            '\r' if chars.peek() == Some(&'\n') => {}
            c if is_hazard(c) => shown.push(' '),
            c => shown.push(c),
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_become_spaces() {
        assert_eq!(printable("a\nb\x1b[31mc\t"), "a b [31mc ");
        assert_eq!(printable("x\u{9b}2J\u{7f}\u{85}"), "x 2J  ");
        assert_eq!(
            printable("\u{202e}evil\u{2066}\u{2069}\u{200f}"),
            " evil   "
        );
        assert_eq!(printable("one\u{2028}two"), "one two");
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for text in ["Café ☕", "寿司と天ぷら", "שלום", "👩‍👩‍👧", "a\u{301}"]
        {
            assert_eq!(printable(text), text);
        }
    }

    #[test]
    fn a_document_keeps_its_lines() {
        assert_eq!(
            printable_lines("a,\"b\x1b]0;x\x07\"\r\nc\rd\n"),
            "a,\"b ]0;x \"\nc d\n"
        );
    }
}
