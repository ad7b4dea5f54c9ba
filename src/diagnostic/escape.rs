//! Escaping of what the input controls before it is printed.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `s` with every control character escaped (`\n`, `\r`, `\t`, `\u{1b}`), and the Unicode line
/// separators and bidirectional controls too: an input value printed in a message can neither
/// start a new line in a CI log (where `::error` or `::add-mask::` at a line's start is a
/// command) nor drive the terminal or reorder what it shows.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

pub(super) fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}
