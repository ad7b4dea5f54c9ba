//! `--format github`: each diagnostic as a GitHub Actions workflow command (`::error file=...::`),
//! which GitHub shows as an annotation on the pull request.

use std::fmt::Write as _;

use super::{escape, Diagnostic, Severity, Sources};

/// Appends `d` as one workflow command to `out`.
pub(super) fn render(out: &mut String, d: &Diagnostic, sources: &dyn Sources) {
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let _ = write!(out, "::{kind} ");
    if let Some(s) = d.span {
        let _ = write!(
            out,
            "file={},line={},col={},endLine={},endColumn={},",
            gh_property(&escape(sources.path(s.file))),
            s.line,
            s.col,
            s.end_line,
            s.end_col
        );
    }
    // Each part escaped on its own; the line breaks between them are the annotation's own.
    let mut message = escape(&d.message).into_owned();
    for l in &d.labels {
        let (path, text) = (escape(sources.path(l.span.file)), escape(&l.message));
        let _ = write!(message, "\n{path}:{}:{}: {text}", l.span.line, l.span.col);
    }
    if let Some(h) = &d.help {
        let _ = write!(message, "\nhelp: {}", escape(h));
    }
    let _ = writeln!(out, "title={}::{}", gh_property(&format!("kfprofiles {}", d.code)), gh_data(&message));
}

/// Escaping of GitHub workflow command data (the message).
fn gh_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escaping of GitHub workflow command properties (file, title).
fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}
