//! `--format concise`: one line per diagnostic, `path:line:col: error[code]: message`.

use std::fmt::Write as _;

use super::{escape, Diagnostic, Sources};

/// Appends `d` as one line to `out`.
pub(super) fn render(out: &mut String, d: &Diagnostic, sources: &dyn Sources) {
    if let Some(s) = d.span {
        let _ = write!(out, "{}:{}:{}: ", escape(sources.path(s.file)), s.line, s.col);
    }
    let _ = writeln!(out, "{}[{}]: {}", d.severity.name(), d.code, escape(&d.message));
}
