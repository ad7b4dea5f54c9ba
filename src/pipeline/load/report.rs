//! Problems of loading as located diagnostics: serde's messages (the derived `Deserialize`
//! impls' fixed wording) and the YAML parser's, reworded in the input's terms, with a stable
//! code, the token they are about, and a hint where there is an obvious fix.

use super::parse::Failure;
use super::Input;
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::yaml::span::{FileId, Path, Span};

/// A syntax error, at the parser's position, with its message. Where the text shows more, it
/// is pointed at instead: a tab in the indentation of this or a following line (YAML forbids
/// it; the parser may stop at the scalar before it), a tab before the position on its line (the
/// parser reads no tab as a separator), or the key whose `:` the parser stopped at.
pub(super) fn syntax_error(text: &str, span: Span, message: &str) -> Diagnostic {
    let lines: Vec<&str> = text.lines().collect();
    let indent_tab = |line: &str| line.chars().take_while(|c| *c == ' ' || *c == '\t').position(|c| c == '\t');
    let indented =
        (span.line.saturating_sub(1)..lines.len()).find_map(|i| indent_tab(lines[i]).map(|col| (i + 1, col)));
    if let Some((line, col)) = indented {
        return Diagnostic::error(Code::YamlSyntax, "a tab in indentation")
            .at(Span::at(span.file, line, col + 1, 1))
            .help("YAML forbids tabs for indentation: indent with spaces");
    }
    let line: Vec<char> = lines.get(span.line.saturating_sub(1)).unwrap_or(&"").chars().collect();
    let before = &line[..span.col.min(line.len())];
    if let Some(i) = before.iter().rposition(|c| *c == '\t') {
        return Diagnostic::error(Code::YamlSyntax, "a tab where a space is needed")
            .at(Span::at(span.file, span.line, i + 1, 1))
            .help("write a space instead: a tab is not read as the space after `key:` or `-`");
    }
    let at = span.col.saturating_sub(1);
    let span = match line.get(at) {
        Some(':') => {
            let start = line[..at].iter().rposition(|c| c.is_whitespace() || "[{,".contains(*c)).map_or(0, |i| i + 1);
            if start < at {
                Span::at(span.file, span.line, start + 1, at - start)
            } else {
                span
            }
        }
        _ => span,
    };
    let (_, message, help) = classify(message);
    let d = Diagnostic::error(Code::YamlSyntax, message).at(span);
    match help {
        Some(h) => d.help(h),
        None => d,
    }
}

/// Turns a serde problem into a located diagnostic with a code and, for misspelled keys, a hint.
pub(super) fn located(input: &Input, file: FileId, failure: &Failure) -> Diagnostic {
    let spans = &input.files[file].spans;
    let (code, message, help) = classify(&failure.message);
    // The path serde names, for the message and for a duplicate key.
    let node = failure.path.as_deref().map_or_else(Path::root, |p| spans.serde_path(p));
    // The word that starts at a position: a key, a scalar, a `{`.
    let token = |line: usize, column: usize| {
        let line_text = input.files[file].text.lines().nth(line.saturating_sub(1)).unwrap_or("");
        let width = line_text
            .chars()
            .skip(column.saturating_sub(1))
            .take_while(|c| !c.is_whitespace() && !",:]}".contains(*c))
            .count();
        Span::at(file, line, column, width)
    };
    // The position of the node the problem was raised on, from the parse that read the value.
    let span = failure.location.map_or_else(|| spans.value(&node), |(line, col, len)| Span::at(file, line, col, len));
    let span = match code {
        // The mapping that lacks the key, underlined from its first word.
        Code::MissingKey => token(span.line, span.col),
        // serde finds a duplicate once the mapping is read: its key is named in the message, and
        // the index keeps its last occurrence.
        Code::DuplicateKey => {
            let key = failure.message.split('`').nth(1).unwrap_or_default();
            let at = node.key(key);
            if spans.contains(&at) {
                spans.key(&at)
            } else {
                span
            }
        }
        _ => span,
    };
    let message = match &failure.path {
        Some(p) => format!("{message} at `{p}`"),
        None => message,
    };
    let d = Diagnostic::error(code, message).at(span);
    match help {
        Some(h) => d.help(h),
        None => d,
    }
}

/// A stable code, a message in the user's words, and a hint for a serde message (the derived
/// `Deserialize` impls' fixed wording) or, for a syntax error, the parser's message.
fn classify(message: &str) -> (Code, String, Option<String>) {
    let words: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let expected =
        || words.get(1..).unwrap_or_default().iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ");
    let hint = |what: &str| {
        let word = words.first().copied().unwrap_or_default();
        match did_you_mean(word, words.get(1..).unwrap_or_default().iter().copied()) {
            Some(s) => Some(format!("did you mean `{s}`?")),
            None if words.len() > 1 => Some(format!("{what} {}", expected())),
            None => None,
        }
    };
    let first = words.first().copied().unwrap_or_default();
    if message.starts_with("unknown field") {
        return (Code::UnknownKey, format!("unknown key `{first}`"), hint("expected one of"));
    }
    if message.starts_with("unknown variant") {
        return (Code::UnknownValue, format!("unknown value `{first}`"), hint("expected one of"));
    }
    if message.starts_with("missing field") {
        return (Code::MissingKey, format!("missing key `{first}`"), None);
    }
    if ["invalid type", "invalid value", "invalid length"].iter().any(|p| message.starts_with(p))
        || message.contains("did not match any variant")
    {
        let m = message
            .replace("unit value", "null")
            .replace("a sequence", "a list")
            .replace("sequence", "list")
            .replace("a map", "a mapping")
            .replace(": map,", ": mapping,");
        // serde names the Rust type it expected; say what to write instead.
        let (m, help) = match m.split_once(", expected ") {
            Some((found, expected)) => {
                let (what, help) = expected_in_words(expected);
                (format!("{found}, expected {what}"), help)
            }
            None => (m, None),
        };
        return (Code::WrongType, m, help.map(str::to_string));
    }
    if message.starts_with("duplicate") {
        return (
            Code::DuplicateKey,
            format!("duplicate key `{first}`"),
            Some("a key may appear once in a mapping".into()),
        );
    }
    let misindented = [
        "did not find expected '-' indicator",
        "did not find expected key",
        "mapping values are not allowed in this context",
        "block sequence entries are not allowed in this context",
    ];
    if misindented.iter().any(|m| message.contains(m)) {
        let help = "check this line's indentation: a key lines up with the other keys of its mapping, a list item (`- `) with the other items of its list";
        return (Code::YamlSyntax, message.to_string(), Some(help.into()));
    }
    (Code::YamlSyntax, message.to_string(), None)
}

/// What serde's `expected` part of a type error means in the input's words, with a hint: no
/// Rust type names (`struct Member`, `a Value::Tagged enum`) in a message.
fn expected_in_words(expected: &str) -> (String, Option<&'static str>) {
    match expected.strip_prefix("struct ") {
        Some("Member") => (
            "a member (a mapping with `user` or `group`)".into(),
            Some("write a member as `- user: USER_ID` or `- group: GROUP_ID`, with an optional `access: {role: edit}`"),
        ),
        Some(_) => ("a mapping".into(), None),
        None if expected.contains("tagged enum Plugin") => (
            "a plugin (a mapping with `kind` and `spec`)".into(),
            Some("write a plugin as `{kind: WorkloadIdentity, spec: {gcpServiceAccount: ...}}` or `{kind: AwsIamForServiceAccount, spec: {awsIamRole: ...}}`"),
        ),
        // A fixed set of words (a role, a mode): each is written as a plain string.
        None if expected.contains(" enum") => ("a string".into(), None),
        None => (expected.to_string(), None),
    }
}
