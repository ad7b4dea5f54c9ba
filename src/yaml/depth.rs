//! The nesting guard for YAML read from outside the profiles folder: a cluster dump (`import`),
//! deployKF values (`convert-deploykf`), the base rendering of `diff --against`, rendered files
//! read back. libyaml (under serde_yaml) takes time quadratic in the depth of nested collections
//! (close to a minute for 100,000 levels) before serde_yaml's own depth limit applies, so every
//! such text is walked once with a linear event parser first, and refused past
//! [`MAX_DEPTH`] levels. The profiles input gets the same check while [`crate::yaml::span`] indexes it.

use yaml_rust2::parser::{Event, Parser};

use crate::cli::config::Config;
use crate::diagnostic::{Code, Diagnostic};
use crate::pipeline::load::{Input, SourceFile};
use crate::yaml::span::{Span, SpanIndex, MAX_DEPTH};
use crate::EXIT_ERROR;

/// Where a text nests deeper than [`MAX_DEPTH`]: the 1-based line and column of the first
/// collection too deep (of nested flow lists, where the scanner stopped looking ahead, 256
/// levels in). `None` when it does not (a syntax error is left to serde_yaml).
pub fn too_deep(text: &str) -> Option<(usize, usize)> {
    if has_libyaml_breaks(text) {
        let text = text.replace(LIBYAML_BREAKS, "\n");
        return rest_too_deep(&mut Parser::new_from_str(&text), &text);
    }
    rest_too_deep(&mut Parser::new_from_str(text), text)
}

/// Characters libyaml (YAML 1.1) reads as line breaks and yaml-rust2 (YAML 1.2) does not: NEL,
/// LS and PS. A comment ending in one hides the next line from yaml-rust2 but not from libyaml,
/// so the guard reads them as `\n`, as libyaml does (one character for one: columns stay).
const LIBYAML_BREAKS: [char; 3] = ['\u{85}', '\u{2028}', '\u{2029}'];

/// Whether `text` has a line break only libyaml sees (see [`LIBYAML_BREAKS`]).
pub fn has_libyaml_breaks(text: &str) -> bool {
    text.contains(LIBYAML_BREAKS)
}

/// [`too_deep`] for the rest of `text`, from where `parser` stands (between documents).
pub fn rest_too_deep(parser: &mut Parser<std::str::Chars<'_>>, text: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(next) => next,
            // The scanner itself stops at 255 nested flow collections.
            Err(e) if e.info().contains("recursion limit") => return Some((e.marker().line(), e.marker().col() + 1)),
            // yaml-rust2 refuses some text libyaml reads (a tab after `key:`): count by hand.
            Err(_) => return flow_too_deep(text),
        };
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some((mark.line(), mark.col() + 1));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            Event::StreamEnd => return None,
            _ => {}
        }
    }
}

/// [`too_deep`] for text the event parser gives up on: nested flow collections (`[`, `{`, the
/// ones that cost libyaml quadratic time), counted by hand; block levels are not counted, so
/// this finds only the 65th flow level. A bracket or quote counts only where a value can start
/// (at the start of a line, after `: `, `- `, `? `, or after `[`, `{`, `,` in a flow
/// collection), so brackets inside plain scalars (`a[0]`), quoted scalars and comments are not
/// counted.
pub fn flow_too_deep(text: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let (mut line, mut col) = (1, 0);
    // Whether a value may start here (start of a line, after an indicator), and the character
    // just before (a `#` after white space starts a comment).
    let (mut value_start, mut before) = (true, None);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        col += 1;
        let mut indicator = false;
        match c {
            '\n' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                (line, col, value_start, before) = (line + 1, 0, true, None);
                continue;
            }
            ' ' | '\t' | '\r' => {
                before = Some(c);
                continue;
            }
            '#' if matches!(before, None | Some(' ' | '\t')) => {
                while chars.next_if(|c| !matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')).is_some() {}
                continue;
            }
            '"' | '\'' if value_start => {
                let mut escaped = false;
                for q in chars.by_ref() {
                    col += 1;
                    if q == '\n' {
                        (line, col) = (line + 1, 0);
                    }
                    if q == c && !escaped {
                        break;
                    }
                    escaped = c == '"' && q == '\\' && !escaped;
                }
            }
            '[' | '{' if value_start => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some((line, col));
                }
                indicator = true;
            }
            ']' | '}' if depth > 0 => {
                depth -= 1;
                indicator = true;
            }
            ',' => indicator = depth > 0,
            ':' | '-' | '?' => indicator = chars.peek().is_none_or(|n| n.is_whitespace()) || (c == ':' && depth > 0),
            _ => {}
        }
        (value_start, before) = (indicator && !matches!(c, ']' | '}'), Some(c));
    }
    None
}

/// The message for a text that nests too deep, for errors that are not located diagnostics.
pub fn message((line, col): (usize, usize)) -> String {
    format!("lists and mappings nest more than {MAX_DEPTH} levels deep at line {line} column {col}")
}

/// Reports that file `display` (of text `text`) nests too deep at `at` as a located
/// `yaml-too-complex` error, and returns the exit code.
pub fn fail(config: &Config, display: String, text: String, (line, col): (usize, usize)) -> i32 {
    let message = format!("lists and mappings nest more than {MAX_DEPTH} levels deep");
    let d = Diagnostic::error(Code::YamlTooComplex, message).at(Span::at(0, line, col, 1)).help(
        "no Kubernetes object or values file nests more than a few levels: look for unclosed or repeated brackets",
    );
    let input = Input { files: vec![SourceFile { display, text, spans: SpanIndex::default() }], ..Input::default() };
    crate::cli::output::diagnostics(config, &[d], &input);
    EXIT_ERROR
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(open: &str, close: &str, levels: usize) -> String {
        format!("a: {}x{}\n", open.repeat(levels), close.repeat(levels))
    }

    #[test]
    fn shallow_text_and_syntax_errors_pass() {
        assert_eq!(too_deep("a: [1, {b: [c]}]\n---\nd: e\n"), None);
        assert_eq!(too_deep(&nested("[", "]", MAX_DEPTH - 1)), None);
        assert_eq!(too_deep("a: [\n"), None);
        assert_eq!(too_deep(""), None);
    }

    #[test]
    fn brackets_in_scalars_and_comments_are_not_counted_by_hand() {
        let open = "[".repeat(100);
        for text in [
            format!("a:\tb\nc: x{open}\n"),
            format!("a:\tb\nc: \"{open}\"\n"),
            format!("a:\tb\nc: '{open}'\n"),
            format!("a:\tb\nc: 1 #{open}\n"),
            format!("a:\tb\n#{open}\n"),
            format!("a:\tb\nc: {}\n", "[x], ".repeat(100)),
        ] {
            assert_eq!(flow_too_deep(&text), None, "{text}");
        }
        assert_eq!(flow_too_deep(&format!("a: \"x\\\"\" # [\nb: - {open}")), Some((2, 6 + MAX_DEPTH)));
    }

    #[test]
    fn deep_flow_and_block_nesting_is_found_at_the_collection_too_deep() {
        // The root mapping is level 1: the 64th `[` is level 65.
        assert_eq!(too_deep(&nested("[", "]", MAX_DEPTH)), Some((1, 4 + MAX_DEPTH - 1)));
        assert!(too_deep(&nested("{b: ", "}", 100_000)).is_some());
        assert!(too_deep(&nested("[", "]", 100_000)).is_some());
        assert!(too_deep(&format!("{}x\n", "- ".repeat(100_000))).is_some());
        // yaml-rust2 refuses a tab after `key:` where libyaml reads it: flow collections are
        // then counted by hand (the 65th `[`; block levels are not known then).
        assert_eq!(too_deep(&format!("a:\tb\n{}", nested("[", "]", 100_000))), Some((2, 4 + MAX_DEPTH)));
        // libyaml ends a comment at NEL, LS and PS; yaml-rust2 reads on to the end of the line.
        for brk in LIBYAML_BREAKS {
            let text = format!("# c{brk}{}", nested("[", "]", 100_000));
            assert_eq!(too_deep(&text), Some((2, 259)), "{brk:?}");
            let text = format!("a:\tb # c{brk}{}", nested("[", "]", 100_000));
            assert_eq!(flow_too_deep(&text), Some((2, 4 + MAX_DEPTH)), "{brk:?}");
        }
        // Depth is counted per document, not summed over the stream.
        let docs = format!("---\n{}\n", nested("[", "]", 40)).repeat(3);
        assert_eq!(too_deep(&docs), None);
    }
}
