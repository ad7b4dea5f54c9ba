//! The nesting guard for YAML read from outside the profiles folder: a cluster dump (`import`),
//! deployKF values (`convert-deploykf`), the base rendering of `diff --against`, rendered files
//! read back. libyaml (under serde_yaml) takes time quadratic in the depth of nested collections
//! (close to a minute for 100,000 levels) before serde_yaml's own depth limit applies, so every
//! such text is walked once with a linear event parser first, and refused past
//! [`MAX_DEPTH`] levels. The profiles input gets the same check while [`crate::span`] indexes it.

use yaml_rust2::parser::{Event, Parser};

use crate::config::Config;
use crate::diagnostic::{self, Diagnostic};
use crate::load::{Input, SourceFile};
use crate::span::{Span, SpanIndex, MAX_DEPTH};
use crate::EXIT_ERROR;

/// Where a text nests deeper than [`MAX_DEPTH`]: the 1-based line and column of the first
/// collection too deep (of nested flow lists, where the scanner stopped looking ahead, 256
/// levels in). `None` when it does not (a syntax error is left to serde_yaml).
pub fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut parser = Parser::new_from_str(text);
    let mut depth = 0usize;
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(next) => next,
            // The scanner itself stops at 255 nested flow collections.
            Err(e) if e.info().contains("recursion limit") => return Some((e.marker().line(), e.marker().col() + 1)),
            Err(_) => return None,
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

/// The message for a text that nests too deep, for errors that are not located diagnostics.
pub fn message((line, col): (usize, usize)) -> String {
    format!("lists and mappings nest more than {MAX_DEPTH} levels deep at line {line} column {col}")
}

/// Reports that file `display` (of text `text`) nests too deep at `at` as a located
/// `yaml-too-complex` error, and returns the exit code.
pub fn fail(config: &Config, display: String, text: String, (line, col): (usize, usize)) -> i32 {
    let message = format!("lists and mappings nest more than {MAX_DEPTH} levels deep");
    let d = Diagnostic::error("yaml-too-complex", message).at(Span::at(0, line, col, 1)).help(
        "no Kubernetes object or values file nests more than a few levels: look for unclosed or repeated brackets",
    );
    let input = Input { files: vec![SourceFile { display, text, spans: SpanIndex::default() }], ..Input::default() };
    eprint!("{}", diagnostic::render(&[d], &input, config.format, config.color));
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
    fn deep_flow_and_block_nesting_is_found_at_the_collection_too_deep() {
        // The root mapping is level 1: the 64th `[` is level 65.
        assert_eq!(too_deep(&nested("[", "]", MAX_DEPTH)), Some((1, 4 + MAX_DEPTH - 1)));
        assert!(too_deep(&nested("{b: ", "}", 100_000)).is_some());
        assert!(too_deep(&nested("[", "]", 100_000)).is_some());
        assert!(too_deep(&format!("{}x\n", "- ".repeat(100_000))).is_some());
        // Depth is counted per document, not summed over the stream.
        let docs = format!("---\n{}\n", nested("[", "]", 40)).repeat(3);
        assert_eq!(too_deep(&docs), None);
    }
}
